/* Query-string parameters of the read routes, and opaque pagination cursors.
 *
 * A route declares the parameter names it accepts; anything else is 400 unknown_parameter,
 * so a misspelt filter ("citty=...") is an error and never a silently unfiltered list. Each
 * accessor validates one parameter and fills a struct sgw_error on bad input:
 *   unknown_parameter  a name the route does not accept (field = the name)
 *   invalid_parameter  a bad value, or a name given twice (field = the name)
 *   invalid_cursor     a cursor that is not one this route handed out (field = "cursor")
 * The collection step is the only one that touches libmicrohttpd; the rest are pure
 * functions on struct sgw_query, unit-tested in tests/unit/check_query.c. */
#ifndef SGW_QUERY_H
#define SGW_QUERY_H

#include "gateway/common/error.h"

#include <stddef.h>
#include <stdint.h>

#define SGW_QUERY_MAX 24

struct sgw_query {
    size_t n;
    const char *name[SGW_QUERY_MAX]; /* borrowed from the request (or the caller) */
    const char *value[SGW_QUERY_MAX];
    int overflow; /* more than SGW_QUERY_MAX parameters were given */
};

struct MHD_Connection;

/* Collects the request's query parameters (values already %-decoded by libmicrohttpd; a
 * parameter without '=' has value ""). The strings live as long as the request. */
void sgw_query_collect(struct MHD_Connection *conn, struct sgw_query *q);

/* Adds one pair (tests, or callers that parse a query string themselves). */
void sgw_query_add(struct sgw_query *q, const char *name, const char *value);

/* 0 when every name is in allowed (NULL-terminated) and none is repeated; else -1 with err. */
int sgw_query_check(const struct sgw_query *q, const char *const *allowed, struct sgw_error *err);

/* The value of name, or NULL when absent. */
const char *sgw_query_get(const struct sgw_query *q, const char *name);

/* A whole number in [min, max]; dflt when absent. 0 or -1 with err. */
int sgw_query_long(const struct sgw_query *q, const char *name, long min, long max, long dflt,
                   long *out, struct sgw_error *err);

/* An RFC 3339 date-time ("2026-11-25T00:00:00Z") or a plain date ("2026-11-25", midnight
 * UTC). *present is 0 when absent (then *out_us is untouched). 0 or -1 with err. */
int sgw_query_time(const struct sgw_query *q, const char *name, int64_t *out_us, int *present,
                   struct sgw_error *err);

/* One of values (NULL-terminated); dflt (may be NULL) when absent. *out points into values
 * (or is dflt). 0 or -1 with err listing the accepted values. */
int sgw_query_enum(const struct sgw_query *q, const char *name, const char *const *values,
                   const char *dflt, const char **out, struct sgw_error *err);

/* Text of 1..maxlen bytes without control characters; NULL in *out when absent. */
int sgw_query_text(const struct sgw_query *q, const char *name, size_t maxlen, const char **out,
                   struct sgw_error *err);

/* Cursors are opaque to clients: base64url of a kind tag ("campaigns"), the fields the route
 * needs to resume (last sort value, last id, snapshot bound, ...) and a checksum, so a cursor
 * of another route, a truncated one or a hand-edited one is invalid_cursor rather than a
 * wrong page. Fields must not contain the byte 0x1f. */
#define SGW_CURSOR_MAX 512
#define SGW_CURSOR_FIELDS 8

/* Writes the cursor (NUL-terminated) into out (SGW_CURSOR_MAX bytes); 0, or -1 if too long. */
int sgw_cursor_encode(const char *kind, const char *const *fields, size_t n, char *out,
                      size_t outsz);

/* Decodes s into exactly n fields pointing into buf (bufsz >= SGW_CURSOR_MAX); 0, or -1 with
 * err (invalid_cursor) when s is not a cursor of this kind with n fields. */
int sgw_cursor_decode(const char *kind, const char *s, char **fields, size_t n, char *buf,
                      size_t bufsz, struct sgw_error *err);

#endif
