/* GET /v1/keys: every key with its role, name and times, active or revoked, in id order. One
 * document built by PostgreSQL; never a key or its hash. Keys are few (people and relays), so
 * there is no paging. */
#include "gateway/common/mem.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"

#include <stdlib.h>
#include <string.h>

enum sgw_hresult sgw_route_keys_get(struct sgw_request *req);

static void
ctx_free(void *p)
{
    free(p); /* the document */
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    PGresult *res = sgw_db_exec(conn, SGW_STMT_api_keys_json, NULL);
    enum sgw_status st = SGW_DATABASE;

    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
            req->ctx = sgw_xstrdup(PQgetvalue(res, 0, 0));
            st = SGW_OK;
        }
        break;
    default: break;
    }
    PQclear(res);
    return st;
}

enum sgw_hresult
sgw_route_keys_get(struct sgw_request *req)
{
    if (!atomic_load(&req->done)) {
        req->ctx_free = ctx_free;
        return sgw_server_submit_job(req, job);
    }
    if (req->result == SGW_DATABASE || req->result == SGW_TIMEOUT)
        return sgw_respond_error(req, 503, "unavailable", NULL,
                                 "the database is unavailable; retry later");
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    const char *doc = req->ctx;
    return sgw_respond_raw(req, 200, "application/json", doc, strlen(doc));
}
