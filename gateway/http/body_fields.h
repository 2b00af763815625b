/* Small JSON request bodies of the analyst routes (verdicts, allowlist): the object itself and
 * optional string members, with the same error codes as report intake (invalid_json,
 * unknown_field, invalid_field). Pure; only the _dup functions allocate. */
#ifndef SGW_BODY_FIELDS_H
#define SGW_BODY_FIELDS_H

#include "gateway/common/error.h"

#include <jansson.h>
#include <stddef.h>

/* Parses body as one JSON object whose member names are all in known (NULL-terminated).
 * Returns the object (caller json_decref()s) or NULL with err set. */
json_t *sgw_body_object(const char *body, size_t len, const char *const *known,
                        struct sgw_error *err);

/* Optional string member name, at most max_chars characters, no control characters (but
 * newline and tab when multiline). Returns 0 when absent or null, 1 with *out (owned by root)
 * when present, -1 with err set when not a string, too long or with control characters. */
int sgw_body_string(json_t *root, const char *name, size_t max_chars, int multiline,
                    const char **out, struct sgw_error *err);

/* Optional free-text member "note" (multi-line, at most max_chars): *out is a copy (caller
 * frees), or NULL when absent, null or only white space. 0, or -1 with err set. */
int sgw_body_note_dup(json_t *root, size_t max_chars, char **out, struct sgw_error *err);

#endif
