/* In-memory copy of the active API keys, reloaded when PostgreSQL notifies a change (so a
 * revocation takes effect at once on every gateway), plus a readiness probe of the database
 * (reachable, schema current). One background thread with its own connection. */
#ifndef SGW_KEYCACHE_H
#define SGW_KEYCACHE_H

#include "db/keys.h"

#include <stdint.h>

struct sgw_db_keycache; /* opaque */

struct sgw_db_keycache *sgw_db_keycache_new(const char *url); /* free with _free */
/* Loads keys once synchronously (so serving starts with them), then starts the thread.
 * 0 on success, -1 with err set. */
int sgw_db_keycache_start(struct sgw_db_keycache *kc, char *err, size_t errsz);
void sgw_db_keycache_stop(struct sgw_db_keycache *kc);
void sgw_db_keycache_free(struct sgw_db_keycache *kc); /* accepts NULL */

/* Looks up the SHA-256 of a presented key: 0 and *id, *role when active, -1 otherwise. */
int sgw_db_keycache_lookup(struct sgw_db_keycache *kc, const unsigned char hash[32], int64_t *id,
                           enum sgw_role *role);

/* Changes this gateway's copy at once, after the change committed, so the next request here
 * already sees it (other gateways follow through the notification). A revoked id stays out of
 * every later reload too: one that read the table before the revocation committed must not
 * bring the key back, and revocation is final. */
void sgw_db_keycache_add(struct sgw_db_keycache *kc, const unsigned char hash[32], int64_t id,
                         enum sgw_role role);
void sgw_db_keycache_forget(struct sgw_db_keycache *kc, int64_t id);

/* 1 when the last probe (at most a second old) reached the database with a current schema. */
int sgw_db_keycache_ready(struct sgw_db_keycache *kc);

#endif
