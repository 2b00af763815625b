/* Splitting an NDJSON body (one JSON text per line) into its report lines. Pure: it only
 * finds line boundaries and never parses or copies the JSON. */
#ifndef SGW_NDJSON_H
#define SGW_NDJSON_H

#include <stddef.h>

struct sgw_ndjson_line {
    size_t lineno; /* 1-based physical line number in the body, blank lines counted */
    size_t off;    /* the line is body[off .. off + len), its LF and a CR before it dropped */
    size_t len;
};

/* Splits body[0..len) at LF. A CR right before an LF (or at the very end) belongs to the line
 * ending; lines of only spaces, tabs and CRs are blank and skipped; the last line needs no LF.
 * Stores the first max non-blank lines in out (out may be NULL when max is 0) and returns how
 * many non-blank lines the whole body has, which may exceed max. */
size_t sgw_ndjson_split(const char *body, size_t len, struct sgw_ndjson_line *out, size_t max);

#endif
