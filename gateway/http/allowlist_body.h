/* The body of POST /v1/allowlist: {"entry": ..., "note": ..., "country": ...}. Pure, for the
 * route and its unit test. */
#ifndef SGW_ALLOWLIST_BODY_H
#define SGW_ALLOWLIST_BODY_H

#include "gateway/common/error.h"
#include "gateway/intake/allowlist.h"

#include <stddef.h>

#define SGW_ALLOWLIST_NOTE_MAX 1000 /* characters */

struct sgw_allowlist_in {
    struct sgw_allowlist_entry e; /* normalised entry, kind, other spelling */
    char *note;                   /* owned; NULL when absent, null or blank */
};

/* Fills *out (caller's storage; release with sgw_allowlist_in_fini even on failure).
 * "country" (ISO 3166-1 alpha-2) reads a national phone number; without it default_region
 * does (may be NULL), as for reports. Returns 0, or -1 with err: invalid_json, unknown_field,
 * missing_field (entry) or invalid_field. */
int sgw_allowlist_parse(const char *body, size_t len, const char *default_region,
                        struct sgw_allowlist_in *out, struct sgw_error *err);

void sgw_allowlist_in_fini(struct sgw_allowlist_in *a); /* frees note; accepts NULL */

#endif
