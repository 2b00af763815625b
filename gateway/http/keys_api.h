/* The keys API (admin only): POST /v1/keys creates a key and shows it once, GET /v1/keys
 * lists them, DELETE /v1/keys/{id} revokes one. Never the key's hash in any answer, never a
 * key in a log line. */
#ifndef SGW_KEYS_API_H
#define SGW_KEYS_API_H

#include "db/keys.h"
#include "gateway/common/error.h"

#include <stddef.h>

#define SGW_KEY_NAME_MAX 100 /* characters, as the api_keys.name check */

/* Parses a POST /v1/keys body {"role": "...", "name": "..."}: unknown or duplicate members,
 * a missing or wrong role, a name that is not 1..100 printable characters (no controls, format
 * characters, separators other than the space, or unassigned code points) all fail.
 * 0 with *role and name (NUL-terminated, at most 4 * SGW_KEY_NAME_MAX bytes) set, or -1 with
 * err. */
int sgw_keys_parse_create(const char *body, size_t len, enum sgw_role *role,
                          char name[4 * SGW_KEY_NAME_MAX + 1], struct sgw_error *err);

#endif
