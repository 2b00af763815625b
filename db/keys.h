/* API keys: created with a random secret shown once, stored only as SHA-256. */
#ifndef SGW_KEYS_H
#define SGW_KEYS_H

#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

enum sgw_role {
    SGW_ROLE_NONE = 0,
    SGW_ROLE_REPORTER,
    SGW_ROLE_RELAY,
    SGW_ROLE_ANALYST,
    SGW_ROLE_ADMIN
};

#define SGW_KEY_LEN 47 /* "sgw_" + 43 base64url characters */

const char *sgw_role_name(enum sgw_role r);
enum sgw_role sgw_role_parse(const char *s); /* SGW_ROLE_NONE when unknown */

/* SHA-256 of a presented key. */
void sgw_key_hash(const char *key, size_t len, unsigned char out[32]);

/* Creates a key; writes the clear key (shown once) into key_out and its id into *id.
 * 0 on success, -1 with err set. */
int sgw_db_key_create(struct sgw_db_conn *c, enum sgw_role role, const char *name,
                      char key_out[SGW_KEY_LEN + 1], int64_t *id, char *err, size_t errsz);

/* Revokes key id: 0 revoked, 1 no such key, 2 already revoked, -1 error (err set). */
int sgw_db_key_revoke(struct sgw_db_conn *c, int64_t id, char *err, size_t errsz);

#endif
