/* Everything intake computes from a report's text alone, once, in the HTTP worker: the folded
 * display text, the confusable matching key, the template, the MinHash signature and the
 * indicators, plus their compact forms for PostgreSQL. Pure and thread-safe. */
#ifndef SGW_FEATURES_H
#define SGW_FEATURES_H

#include <stddef.h>

#include "gateway/intake/indicators.h"
#include "gateway/intake/minhash.h"

/* Most "kind:value" tags: three per URL, one per other indicator. */
#define SGW_FEATURES_MAX_TAGS (3 * SGW_IND_MAX + 3 * SGW_IND_MAX)

struct sgw_features {
    char *folded; /* NFKC + case fold, invisibles removed, spaces collapsed: show and search */
    size_t folded_len;
    char *key; /* confusable skeleton of folded: compare only, never show */
    size_t key_len;
    char *tmpl; /* folded with ⟨url⟩ ⟨email⟩ ⟨phone⟩ ⟨handle⟩ ⟨num⟩ tokens */
    size_t tmpl_len;
    struct sgw_minhash sig;    /* over the skeleton of the template; see sig.flags */
    struct sgw_indicators ind; /* URLs, phones, e-mails, handles */
    char **tags;               /* "url:https://x.top/p", "host:pay.x.top", "domain:x.top",
                                  "generic_domain:bit.ly", "phone:+12125550100", "email:a@b.com",
                                  "wechat:abc123", "qq:12345", "telegram:name", "whatsapp:+1...",
                                  "line:id"; in that order of kinds, without duplicates */
    size_t n_tags;
};

/* Computes all features of content[0..len) (any bytes) into caller's *out; region (ISO 3166-1
 * alpha-2 or NULL) reads national phone numbers. *out must be released with
 * sgw_features_fini whatever the result. Returns SGW_OK or SGW_INTERNAL (a library failure). */
int sgw_features_compute(const char *content, size_t len, const char *region,
                         struct sgw_features *out);

/* Frees what *f owns (not f itself) and zeroes it; NULL is fine. */
void sgw_features_fini(struct sgw_features *f);

/* The signature as K big-endian u32 (PostgreSQL bytea) into caller's out. */
void sgw_features_signature_bytes(const struct sgw_features *f,
                                  unsigned char out[SGW_MINHASH_BYTES]);

/* The tags as a PostgreSQL text[] literal ("{\"url:...\",\"domain:...\"}", every element
 * quoted and escaped) for a text-format parameter. Returns a string the caller frees. */
char *sgw_features_tags_pg_array(const struct sgw_features *f);

#endif
