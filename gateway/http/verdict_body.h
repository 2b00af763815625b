/* The body of PATCH /v1/campaigns/{id}: {"status": ..., "note": ..., "expected_status": ...}.
 * Pure, for the route and its unit test. */
#ifndef SGW_VERDICT_BODY_H
#define SGW_VERDICT_BODY_H

#include "gateway/common/error.h"

#include <stddef.h>

#define SGW_VERDICT_NOTE_MAX 1000 /* characters */

struct sgw_verdict_in {
    char status[16];   /* open | confirmed | false_positive | blocked */
    char expected[16]; /* expected_status, "" when not given */
    char *note;        /* owned; NULL when absent, null or blank */
};

/* 1 when s is one of the four campaign statuses. */
int sgw_campaign_status_valid(const char *s);

/* Fills *out (caller's storage; release with sgw_verdict_in_fini even on failure). Returns 0,
 * or -1 with err: invalid_json, unknown_field, missing_field (status) or invalid_field. */
int sgw_verdict_parse(const char *body, size_t len, struct sgw_verdict_in *out,
                      struct sgw_error *err);

void sgw_verdict_in_fini(struct sgw_verdict_in *v); /* frees note; accepts NULL */

#endif
