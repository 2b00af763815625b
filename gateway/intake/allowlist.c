/* Allowlist entry normalisation. Pure: no I/O; libphonenumber, libpsl and libidn2 tables only.
 * It must never accept what the blocklist could not contain in the same spelling: an entry
 * that is stored but never matches would look like protection and give none. */
#include "gateway/intake/allowlist.h"

#include "gateway/intake/sender.h"

#include <idn2.h>
#include <libpsl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define DOMAIN_MAX 253 /* RFC 1035, in its ASCII form */

const char *
sgw_allowlist_kind_name(enum sgw_allowlist_kind k)
{
    switch (k) {
    case SGW_ALLOW_PHONE: return "phone";
    case SGW_ALLOW_SHORT_CODE: return "short_code";
    case SGW_ALLOW_EMAIL: return "email";
    case SGW_ALLOW_ALPHANUMERIC: return "alphanumeric";
    case SGW_ALLOW_DOMAIN: break;
    }
    return "domain";
}

static int
invalid(struct sgw_error *err, const char *why)
{
    return sgw_error_set(err, "invalid_field", "entry", "%s", why);
}

static bool
has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
            return true;
    }
    return false;
}

/* Four dot-separated digit groups: an IPv4 address, or a bad one, never a sender. */
static bool
dotted_quad_shape(const char *s)
{
    int dots = 0;
    for (; *s; s++) {
        if (*s == '.')
            dots++;
        else if (*s < '0' || *s > '9')
            return false;
    }
    return dots == 3;
}

/* The indicator extractor keeps a dotted IPv4 host as its own domain. */
static bool
is_ipv4(const char *s)
{
    unsigned parts = 0;
    while (parts < 4) {
        unsigned v = 0, nd = 0;
        while (*s >= '0' && *s <= '9' && nd < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            nd++;
        }
        if (nd == 0 || nd > 3 || v > 255)
            return false;
        parts++;
        if (parts < 4 && *s++ != '.')
            return false;
    }
    return *s == '\0';
}

/* LDH labels of 1..63 bytes, not starting or ending with '-', at least two of them. */
static bool
ascii_host_ok(const char *h)
{
    size_t len = 0, labels = 0;
    const char *l = h;
    if (strlen(h) > DOMAIN_MAX)
        return false;
    for (const char *p = h;; p++) {
        if (*p == '.' || *p == '\0') {
            len = (size_t)(p - l);
            if (len == 0 || len > 63 || l[0] == '-' || p[-1] == '-')
                return false;
            labels++;
            if (*p == '\0')
                break;
            l = p + 1;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    }
    return labels >= 2;
}

static bool
has_non_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80)
            return true;
    }
    return false;
}

/* folded: NFKC case-folded text with one dot at least. */
static int
normalise_domain(const char *folded, struct sgw_allowlist_entry *out, struct sgw_error *err)
{
    char host[DOMAIN_MAX + 2];
    char *ascii = NULL, *uni = NULL, *reg_ascii = NULL;
    int rc = -1;

    if (strcspn(folded, "/:@?#[]\\ ") != strlen(folded))
        return invalid(err, "a domain entry is a bare domain name such as example.com, not a URL");
    snprintf(host, sizeof host, "%s", folded);
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        host[--n] = '\0'; /* the root's dot */
    if (is_ipv4(host)) {
        out->kind = SGW_ALLOW_DOMAIN;
        snprintf(out->entry, sizeof out->entry, "%s", host);
        return 0;
    }
    if (idn2_to_ascii_8z(host, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK ||
        !ascii_host_ok(ascii)) {
        invalid(err, "entry is not a valid domain name");
        goto fail;
    }
    if (idn2_to_unicode_8z8z(ascii, &uni, 0) != IDN2_OK) {
        invalid(err, "entry is not a valid internationalised domain name");
        goto fail;
    }
    const psl_ctx_t *psl = psl_builtin();
    const char *tld = strrchr(uni, '.') + 1;
    if (!psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
        invalid(err, "entry does not end in a known top-level domain");
        goto fail;
    }
    const char *reg = psl_registrable_domain(psl, uni);
    if (reg == NULL) {
        invalid(err, "entry is a public suffix (such as co.uk), not a domain someone owns");
        goto fail;
    }
    if (strlen(reg) > SGW_ALLOWLIST_ENTRY_MAX) {
        invalid(err, "entry is too long");
        goto fail;
    }
    out->kind = SGW_ALLOW_DOMAIN;
    snprintf(out->entry, sizeof out->entry, "%s", reg);
    if (has_non_ascii(reg)) {
        if (idn2_to_ascii_8z(reg, &reg_ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK ||
            strlen(reg_ascii) > SGW_ALLOWLIST_ENTRY_MAX) {
            invalid(err, "entry is not a valid internationalised domain name");
            goto fail;
        }
        snprintf(out->alt, sizeof out->alt, "%s", reg_ascii);
    }
    rc = 0;
fail:
    idn2_free(reg_ascii);
    idn2_free(uni);
    idn2_free(ascii);
    return rc;
}

int
sgw_allowlist_normalise(const char *raw, const char *region, struct sgw_allowlist_entry *out,
                        struct sgw_error *err)
{
    utf8proc_uint8_t *folded = NULL;
    char norm[SGW_ALLOWLIST_ENTRY_MAX + 1];
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (strlen(raw) > SGW_ALLOWLIST_ENTRY_MAX)
        return invalid(err, "entry is longer than 256 bytes");
    if (has_control(raw))
        return invalid(err, "entry must not contain control characters");
    const char *s = raw;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return invalid(err, "entry must not be empty");

    if (strchr(s, '@') != NULL) {
        if (sgw_sender_normalise(s, region, norm, sizeof norm) != SGW_SENDER_EMAIL)
            return invalid(err, "entry has an '@' but is not an e-mail address");
        out->kind = SGW_ALLOW_EMAIL;
        snprintf(out->entry, sizeof out->entry, "%s", norm);
        return 0;
    }

    /* Domains are compared as the extractor folds report text (full-width, case). */
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &folded,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                         UTF8PROC_CASEFOLD | UTF8PROC_IGNORE) < 0) {
        invalid(err, "entry is not valid UTF-8");
        goto fail;
    }
    const char *f = (const char *)folded;
    size_t fn = strlen(f);
    while (fn > 0 && (f[fn - 1] == ' ' || f[fn - 1] == '\t'))
        ((char *)folded)[--fn] = '\0';
    bool letter = has_non_ascii(f);
    for (const char *p = f; *p && !letter; p++)
        letter = (*p >= 'a' && *p <= 'z');
    if (strchr(f, '.') != NULL && (letter || dotted_quad_shape(f))) {
        rc = normalise_domain(f, out, err);
        goto fail;
    }

    switch (sgw_sender_normalise(s, region, norm, sizeof norm)) {
    case SGW_SENDER_PHONE: out->kind = SGW_ALLOW_PHONE; break;
    case SGW_SENDER_SHORT_CODE: out->kind = SGW_ALLOW_SHORT_CODE; break;
    case SGW_SENDER_ALPHANUMERIC: out->kind = SGW_ALLOW_ALPHANUMERIC; break;
    case SGW_SENDER_EMAIL: /* has no '@': cannot happen */
    case SGW_SENDER_UNKNOWN:
        invalid(err, "entry must be a phone number (a national one needs \"country\"), a short "
                     "code, an e-mail address, an alphanumeric sender id or a domain");
        goto fail;
    }
    snprintf(out->entry, sizeof out->entry, "%s", norm);
    rc = 0;
fail:
    free(folded);
    return rc;
}
