/* DELETE /v1/keys/{id}: revokes a key with db/keys.c. The key stops working on this gateway
 * before the answer leaves (the key cache forgets it here) and on the others at the
 * notification. A key may revoke itself: then its own next request gets 401. */
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/v1/keys/"

enum sgw_hresult sgw_route_keys_delete(struct sgw_request *req);

struct revoke_ctx {
    int64_t id;
    int outcome;      /* sgw_db_key_revoke: 0 revoked, 1 no such key, 2 already revoked */
    char *revoked_at; /* RFC 3339, when revoked here (owned) */
};

static void
ctx_free(void *p)
{
    struct revoke_ctx *c = p;
    if (c == NULL)
        return;
    free(c->revoked_at);
    free(c);
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct revoke_ctx *c = req->ctx;
    char err[256], idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res = NULL;
    enum sgw_status st = SGW_DATABASE;

    c->outcome = sgw_db_key_revoke(conn, c->id, err, sizeof err);
    if (c->outcome < 0) {
        sgw_warn("event=key_revoke_failed req=%s error=\"%s\"", req->id, err);
        goto fail;
    }
    if (c->outcome != 0)
        return SGW_OK;
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)c->id);
    res = sgw_db_exec(conn, SGW_STMT_api_key_json, params);
    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK: {
        if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
            break;
        json_t *row = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        const char *at = json_string_value(json_object_get(row, "revoked_at"));
        if (at != NULL) {
            c->revoked_at = sgw_xstrdup(at);
            st = SGW_OK;
        }
        json_decref(row);
        break;
    }
    default: break;
    }
fail:
    PQclear(res);
    return st;
}

/* A positive decimal id of at most 18 digits (fits int64, no sign, no leading zero). */
static int
parse_id(const char *s, int64_t *id)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || s[0] == '0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    *id = strtoll(s, NULL, 10);
    return 0;
}

static enum sgw_hresult
answer(struct sgw_request *req)
{
    struct revoke_ctx *c = req->ctx;
    char msg[96];

    if (req->result == SGW_DATABASE || req->result == SGW_TIMEOUT)
        return sgw_respond_error(req, 503, "unavailable", NULL,
                                 "the database is unavailable; retry later");
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (c->outcome == 1) {
        snprintf(msg, sizeof msg, "no key with id %lld", (long long)c->id);
        return sgw_respond_error(req, 404, "not_found", "id", msg);
    }
    if (c->outcome == 2) {
        snprintf(msg, sizeof msg, "key %lld was already revoked", (long long)c->id);
        return sgw_respond_error(req, 409, "already_revoked", "id", msg);
    }
    sgw_db_keycache_forget(req->srv->keys, c->id);
    sgw_info("event=key_revoked req=%s id=%lld by=%lld", req->id, (long long)c->id,
             (long long)req->api_key_id);
    return sgw_respond_json(
        req, 200, json_pack("{s:I, s:s}", "id", (json_int_t)c->id, "revoked_at", c->revoked_at));
}

enum sgw_hresult
sgw_route_keys_delete(struct sgw_request *req)
{
    if (atomic_load(&req->done))
        return answer(req);
    struct revoke_ctx *c = sgw_xcalloc(1, sizeof *c);
    req->ctx = c;
    req->ctx_free = ctx_free;
    if (strncmp(req->path, PREFIX, strlen(PREFIX)) != 0 ||
        parse_id(req->path + strlen(PREFIX), &c->id) != 0)
        return sgw_respond_error(req, 400, "invalid_field", "id",
                                 "the key id must be a positive whole number");
    return sgw_server_submit_job(req, job);
}
