/* The allowlist API over export_allowlist, the table the blocklist export leaves out:
 * GET /v1/allowlist, POST /v1/allowlist, DELETE /v1/allowlist/{entry}. Entries are normalised
 * in the HTTP thread (gateway/intake/allowlist.c); each route is one statement in one database
 * job, whose document PostgreSQL builds (allowlist_entry_json). */
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/http/allowlist_body.h"
#include "gateway/http/respond.h"
#include "gateway/intake/charset.h"
#include "gateway/intake/country.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/v1/allowlist/"

enum sgw_hresult sgw_route_allowlist_get(struct sgw_request *req);
enum sgw_hresult sgw_route_allowlist_post(struct sgw_request *req);
enum sgw_hresult sgw_route_allowlist_delete(struct sgw_request *req);

struct allow_ctx {
    enum sgw_stmt stmt;
    const char *params[5];
    struct sgw_allowlist_in in;            /* POST */
    char raw[SGW_ALLOWLIST_ENTRY_MAX + 1]; /* DELETE: the entry as given */
    char key_id[24];
    char *json; /* the statement's document; NULL when no row */
};

static void
ctx_free(void *p)
{
    struct allow_ctx *c = p;
    if (c == NULL)
        return;
    sgw_allowlist_in_fini(&c->in);
    free(c->json);
    free(c);
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct allow_ctx *c = req->ctx;
    PGresult *res = sgw_db_exec(conn, c->stmt, c->params);
    enum sgw_status st = SGW_DATABASE;

    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        /* DELETE may remove two rows (both spellings listed by hand): the first answers. */
        if (PQntuples(res) >= 1 && !PQgetisnull(res, 0, 0))
            c->json = sgw_xstrdup(PQgetvalue(res, 0, 0));
        st = SGW_OK;
        break;
    default: break;
    }
    PQclear(res);
    return st;
}

static struct allow_ctx *
ctx_new(struct sgw_request *req, enum sgw_stmt stmt)
{
    struct allow_ctx *c = sgw_xcalloc(1, sizeof *c);
    req->ctx = c;
    req->ctx_free = ctx_free;
    c->stmt = stmt;
    snprintf(c->key_id, sizeof c->key_id, "%lld", (long long)req->api_key_id);
    return c;
}

enum sgw_hresult
sgw_route_allowlist_get(struct sgw_request *req)
{
    if (!atomic_load(&req->done)) {
        ctx_new(req, SGW_STMT_allowlist_list);
        return sgw_server_submit_job(req, job);
    }
    struct allow_ctx *c = req->ctx;
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (c->json == NULL)
        return sgw_respond_status(req, SGW_INTERNAL);
    return sgw_respond_raw(req, 200, "application/json", c->json, strlen(c->json));
}

enum sgw_hresult
sgw_route_allowlist_post(struct sgw_request *req)
{
    struct sgw_error err;
    char msg[SGW_ALLOWLIST_ENTRY_MAX + 64];

    if (!atomic_load(&req->done)) {
        struct allow_ctx *c = ctx_new(req, SGW_STMT_allowlist_insert);
        if (sgw_allowlist_parse(req->body, req->body_len, req->srv->intake.default_region, &c->in,
                                &err) != 0)
            return sgw_respond_invalid(req, &err);
        c->params[0] = c->in.e.entry;
        c->params[1] = c->in.e.alt[0] ? c->in.e.alt : NULL;
        c->params[2] = sgw_allowlist_kind_name(c->in.e.kind);
        c->params[3] = c->in.note;
        c->params[4] = c->key_id;
        return sgw_server_submit_job(req, job);
    }
    struct allow_ctx *c = req->ctx;
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (c->json == NULL) {
        snprintf(msg, sizeof msg, "%s is on the allowlist already", c->in.e.entry);
        return sgw_respond_error(req, 409, "already_listed", "entry", msg);
    }
    sgw_info("event=allowlist_added req=%s kind=%s key=%lld", req->id, c->params[2],
             (long long)req->api_key_id);
    return sgw_respond_raw(req, 201, "application/json", c->json, strlen(c->json));
}

enum sgw_hresult
sgw_route_allowlist_delete(struct sgw_request *req)
{
    struct sgw_error err;
    char msg[SGW_ALLOWLIST_ENTRY_MAX + 64];

    if (!atomic_load(&req->done)) {
        struct allow_ctx *c = ctx_new(req, SGW_STMT_allowlist_delete);
        const char *raw = req->path + strlen(PREFIX);
        if (strncmp(req->path, PREFIX, strlen(PREFIX)) != 0 || raw[0] == '\0' ||
            strlen(raw) > SGW_ALLOWLIST_ENTRY_MAX)
            return sgw_respond_error(req, 400, "invalid_field", "entry",
                                     "give the entry to remove: DELETE /v1/allowlist/{entry}");
        /* PostgreSQL would refuse it as a parameter: no entry can be spelled so. */
        if (!sgw_utf8_valid(raw, strlen(raw))) {
            snprintf(msg, sizeof msg, "the entry is not valid UTF-8: nothing to remove");
            return sgw_respond_error(req, 404, "not_found", "entry", msg);
        }
        snprintf(c->raw, sizeof c->raw, "%s", raw);
        const char *q = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "country");
        char cc[3];
        if (q != NULL && sgw_country_normalise(q, cc) != 0)
            return sgw_respond_error(req, 400, "invalid_field", "country",
                                     "country must be an ISO 3166-1 alpha-2 code such as \"US\"");
        /* An entry that does not normalise may still be a row added by hand: match it as given. */
        if (sgw_allowlist_normalise(raw, q ? cc : req->srv->intake.default_region, &c->in.e,
                                    &err) != 0)
            snprintf(c->in.e.entry, sizeof c->in.e.entry, "%s", raw);
        c->params[0] = c->in.e.entry;
        c->params[1] = c->raw;
        return sgw_server_submit_job(req, job);
    }
    struct allow_ctx *c = req->ctx;
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (c->json == NULL) {
        snprintf(msg, sizeof msg, "%s is not on the allowlist", c->in.e.entry);
        return sgw_respond_error(req, 404, "not_found", "entry", msg);
    }
    sgw_info("event=allowlist_removed req=%s key=%lld", req->id, (long long)req->api_key_id);
    return sgw_respond_raw(req, 200, "application/json", c->json, strlen(c->json));
}
