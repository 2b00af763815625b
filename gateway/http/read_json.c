/* The read path for single objects: jobs on the read pool (db/readpool.h), so analysts'
 * reads never wait behind report commits; pointing the pool at a replica is a URL away. */
#include "gateway/http/read_json.h"

#include "gateway/common/mem.h"
#include "gateway/http/respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct read_ctx {
    enum sgw_stmt stmt;
    char id[24];
    char *json; /* result document; NULL when no row */
};

static void
ctx_free(void *p)
{
    struct read_ctx *c = p;
    if (c == NULL)
        return;
    free(c->json);
    free(c);
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct read_ctx *c = req->ctx;
    const char *params[1] = {c->id};
    PGresult *res = sgw_db_exec(conn, c->stmt, params);
    enum sgw_status st = SGW_DATABASE;

    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
            c->json = sgw_xstrdup(PQgetvalue(res, 0, 0));
        st = SGW_OK;
        break;
    default: break;
    }
    PQclear(res);
    return st;
}

/* A positive decimal id of at most 18 digits (fits int64, no sign, no leading zero). */
static int
parse_id(const char *s, char *out, size_t outsz)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || n >= outsz || s[0] == '0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    memcpy(out, s, n + 1);
    return 0;
}

enum sgw_hresult
sgw_read_json_route(struct sgw_request *req, enum sgw_stmt stmt, const char *prefix,
                    const char *what)
{
    char msg[96];

    if (atomic_load(&req->done)) {
        struct read_ctx *c = req->ctx;
        if (req->result != SGW_OK)
            return sgw_respond_status(req, req->result);
        if (c->json == NULL) {
            snprintf(msg, sizeof msg, "no %s with id %s", what, c->id);
            return sgw_respond_error(req, 404, "not_found", "id", msg);
        }
        return sgw_respond_raw(req, 200, "application/json", c->json, strlen(c->json));
    }
    struct read_ctx *c = sgw_xcalloc(1, sizeof *c);
    req->ctx = c;
    req->ctx_free = ctx_free;
    c->stmt = stmt;
    size_t pl = strlen(prefix);
    if (strncmp(req->path, prefix, pl) != 0 || parse_id(req->path + pl, c->id, sizeof c->id) != 0) {
        snprintf(msg, sizeof msg, "the %s id must be a positive whole number", what);
        return sgw_respond_error(req, 400, "invalid_field", "id", msg);
    }
    return sgw_server_submit_read(req, job);
}

int
sgw_path_id(const char *path, const char *prefix, const char *suffix, char *out, size_t outsz)
{
    char seg[24];
    size_t pl = strlen(prefix), sl = strlen(suffix);
    if (strncmp(path, prefix, pl) != 0)
        return -1;
    const char *s = path + pl;
    size_t n = strlen(s);
    if (n < sl || strcmp(s + n - sl, suffix) != 0 || n - sl >= sizeof seg)
        return -1;
    memcpy(seg, s, n - sl);
    seg[n - sl] = '\0';
    return parse_id(seg, out, outsz);
}

enum sgw_hresult
sgw_read_json_route_sub(struct sgw_request *req, enum sgw_stmt stmt, const char *prefix,
                        const char *suffix, const char *what)
{
    char msg[96];

    if (atomic_load(&req->done) || suffix[0] == '\0')
        return sgw_read_json_route(req, stmt, prefix, what);
    struct read_ctx *c = sgw_xcalloc(1, sizeof *c);
    req->ctx = c;
    req->ctx_free = ctx_free;
    c->stmt = stmt;
    if (sgw_path_id(req->path, prefix, suffix, c->id, sizeof c->id) != 0) {
        snprintf(msg, sizeof msg, "the %s id must be a positive whole number", what);
        return sgw_respond_error(req, 400, "invalid_field", "id", msg);
    }
    return sgw_server_submit_read(req, job);
}
