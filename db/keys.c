/* API key storage. The clear key exists only in key_out of sgw_db_key_create. */
#include "db/keys.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {"none", "reporter", "relay", "analyst", "admin"};

const char *
sgw_role_name(enum sgw_role r)
{
    return (unsigned)r <= SGW_ROLE_ADMIN ? role_names[r] : "none";
}

enum sgw_role
sgw_role_parse(const char *s)
{
    for (int i = 1; i <= SGW_ROLE_ADMIN; i++) {
        if (strcmp(s, role_names[i]) == 0)
            return (enum sgw_role)i;
    }
    return SGW_ROLE_NONE;
}

void
sgw_key_hash(const char *key, size_t len, unsigned char out[32])
{
    SHA256((const unsigned char *)key, len, out);
}

static void
base64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = tbl[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = tbl[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

int
sgw_db_key_create(struct sgw_db_conn *c, enum sgw_role role, const char *name,
                  char key_out[SGW_KEY_LEN + 1], int64_t *id, char *err, size_t errsz)
{
    unsigned char raw[32], hash[32];
    char hexhash[2 + 64 + 1];
    const char *params[3] = {hexhash, sgw_role_name(role), name};
    PGresult *res = NULL;
    int rc = -1;

    if (RAND_bytes(raw, sizeof raw) != 1) {
        snprintf(err, errsz, "no randomness available");
        return -1;
    }
    memcpy(key_out, "sgw_", 4);
    base64url(raw, sizeof raw, key_out + 4);
    sgw_key_hash(key_out, strlen(key_out), hash);
    hexhash[0] = '\\';
    hexhash[1] = 'x';
    for (int i = 0; i < 32; i++)
        snprintf(hexhash + 2 + 2 * i, 3, "%02x", hash[i]);
    res = sgw_db_exec(c, SGW_STMT_key_insert, params);
    if (!sgw_db_ok(res)) {
        sgw_db_error(c, res, err, errsz);
        goto done;
    }
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    rc = 0;
done:
    PQclear(res);
    OPENSSL_cleanse(raw, sizeof raw);
    if (rc != 0)
        OPENSSL_cleanse(key_out, SGW_KEY_LEN + 1);
    return rc;
}

int
sgw_db_key_revoke(struct sgw_db_conn *c, int64_t id, char *err, size_t errsz)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res = NULL;
    int rc = -1;

    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
    res = sgw_db_exec(c, SGW_STMT_key_revoke, params);
    if (!sgw_db_ok(res)) {
        sgw_db_error(c, res, err, errsz);
        goto done;
    }
    if (PQntuples(res) == 1) {
        rc = 0;
        goto done;
    }
    PQclear(res);
    res = sgw_db_exec(c, SGW_STMT_key_exists, params);
    if (!sgw_db_ok(res)) {
        sgw_db_error(c, res, err, errsz);
        goto done;
    }
    rc = PQntuples(res) == 0 ? 1 : 2;
done:
    PQclear(res);
    return rc;
}
