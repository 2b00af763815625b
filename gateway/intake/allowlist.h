/* Allowlist entries: an analyst's "never block this" written the way the rest of spamgw writes
 * the same thing, so the blocklist export can leave it out by plain equality. Senders are
 * normalised exactly as intake normalises them (sender.h); domains as the indicator extractor
 * stores them (NFKC case-folded, Unicode, the registrable domain). */
#ifndef SGW_ALLOWLIST_H
#define SGW_ALLOWLIST_H

#include "gateway/common/error.h"

#include <stddef.h>

#define SGW_ALLOWLIST_ENTRY_MAX 256 /* bytes, as given and as stored */

enum sgw_allowlist_kind {
    SGW_ALLOW_PHONE = 0,
    SGW_ALLOW_SHORT_CODE,
    SGW_ALLOW_EMAIL,
    SGW_ALLOW_ALPHANUMERIC,
    SGW_ALLOW_DOMAIN,
};

struct sgw_allowlist_entry {
    enum sgw_allowlist_kind kind;
    char entry[SGW_ALLOWLIST_ENTRY_MAX + 1]; /* "+12125550100", "example.com", "сайт.рф" */
    char alt[SGW_ALLOWLIST_ENTRY_MAX + 1];   /* an IDN domain's xn-- spelling, else "" */
};

/* "phone", "short_code", "email", "alphanumeric", "domain"; static string. */
const char *sgw_allowlist_kind_name(enum sgw_allowlist_kind k);

/* Classifies and normalises raw into *out (caller's storage). An entry with '@' is an e-mail
 * address; one with a dot and a letter (or a dotted IPv4 address) a domain, stored as its
 * registrable domain ("www.example.co.uk" → "example.co.uk"); anything else a sender: a phone
 * number (E.164; region, ISO 3166-1 alpha-2 or NULL, reads national formats), a short code or
 * an alphanumeric id. Returns 0, or -1 with err set (code invalid_field, field "entry") when
 * raw is none of these. Pure and thread-safe. */
int sgw_allowlist_normalise(const char *raw, const char *region, struct sgw_allowlist_entry *out,
                            struct sgw_error *err);

#endif
