/* API keys for integration tests, made with the real CLI (`spamgw key create/revoke`) so the
 * tests also check the CLI's output contract: one line, the key, starting "sgw_". */
#ifndef SGWT_KEYS_H
#define SGWT_KEYS_H

#include <stddef.h>

/* Runs `$SPAMGW_BIN key create --role ROLE --name NAME --database-url URL`; on exit 0 with
 * exactly one stdout line starting "sgw_" copies the key into out and returns 0; else -1 with
 * the command's output in sgwt_errmsg(). */
int sgwt_key_create(const char *url, const char *role, const char *name, char *out, size_t outsz);

/* The id of the key named name (SELECT id FROM api_keys WHERE name = $1); -1 if none. */
long long sgwt_key_id(const char *url, const char *name);

/* Runs `$SPAMGW_BIN key revoke ID --database-url URL`; 0 when it exits 0, else -1. */
int sgwt_key_revoke(const char *url, long long id);

/* sgwt_key_id + sgwt_key_revoke. */
int sgwt_key_revoke_name(const char *url, const char *name);

#endif
