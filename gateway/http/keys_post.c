/* POST /v1/keys: creates a key with db/keys.c (the CLI's format) and answers it once, 201.
 * The clear key lives only in this request's state, wiped when the request is freed, and is
 * never logged. */
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/http/keys_api.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sgw_hresult sgw_route_keys_post(struct sgw_request *req);

struct create_ctx {
    enum sgw_role role;
    char name[4 * SGW_KEY_NAME_MAX + 1];
    char key[SGW_KEY_LEN + 1]; /* clear key: wiped in ctx_free */
    int64_t id;
    char *json; /* the stored row as PostgreSQL renders it (owned) */
};

static void
ctx_free(void *p)
{
    struct create_ctx *c = p;
    if (c == NULL)
        return;
    OPENSSL_cleanse(c->key, sizeof c->key);
    free(c->json);
    free(c);
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct create_ctx *c = req->ctx;
    char err[256], idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res = NULL;
    enum sgw_status st = SGW_DATABASE;

    if (sgw_db_key_create(conn, c->role, c->name, c->key, &c->id, err, sizeof err) != 0) {
        sgw_warn("event=key_create_failed req=%s error=\"%s\"", req->id, err);
        goto fail;
    }
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)c->id);
    res = sgw_db_exec(conn, SGW_STMT_api_key_json, params);
    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
            c->json = sgw_xstrdup(PQgetvalue(res, 0, 0));
            st = SGW_OK;
        }
        break;
    default: break;
    }
fail:
    PQclear(res);
    return st;
}

static enum sgw_hresult
answer(struct sgw_request *req)
{
    struct create_ctx *c = req->ctx;
    unsigned char hash[32];

    if (req->result != SGW_OK) {
        if (req->result == SGW_BUSY)
            return sgw_respond_status(req, req->result);
        return sgw_respond_error(req, 503, "unavailable", NULL,
                                 "the database is unavailable; no key was created, retry later");
    }
    json_t *body = json_loads(c->json, 0, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        return sgw_respond_error(req, 500, "internal", NULL, "internal error");
    }
    json_object_del(body, "revoked_at");
    json_object_set_new(body, "key", json_string(c->key));
    /* Usable on this gateway at once; the others load it on the notification. */
    sgw_key_hash(c->key, strlen(c->key), hash);
    sgw_db_keycache_add(req->srv->keys, hash, c->id, c->role);
    sgw_info("event=key_created req=%s id=%lld role=%s by=%lld", req->id, (long long)c->id,
             sgw_role_name(c->role), (long long)req->api_key_id);
    return sgw_respond_json(req, 201, body);
}

enum sgw_hresult
sgw_route_keys_post(struct sgw_request *req)
{
    struct sgw_error err;

    if (atomic_load(&req->done))
        return answer(req);
    struct create_ctx *c = sgw_xcalloc(1, sizeof *c);
    req->ctx = c;
    req->ctx_free = ctx_free;
    if (sgw_keys_parse_create(req->body, req->body_len, &c->role, c->name, &err) != 0)
        return sgw_respond_invalid(req, &err);
    return sgw_server_submit_job(req, job);
}
