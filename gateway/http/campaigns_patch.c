/* PATCH /v1/campaigns/{id}: an analyst's verdict. One database job locks the live campaign,
 * checks expected_status, changes the status and appends the audit row (campaign_verdicts) in
 * one transaction, so the trail and the status can never disagree. A merged id applies to its
 * survivor. It never touches the worker's counters. */
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/http/read_json.h"
#include "gateway/http/respond.h"
#include "gateway/http/verdict_body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MERGE_HOPS 4 /* merges that may commit while we wait for one lock, in a row */

enum sgw_hresult sgw_route_campaigns_patch(struct sgw_request *req);

struct patch_ctx {
    char id[24]; /* as requested */
    struct sgw_verdict_in in;
    char key_id[24];
    /* results */
    int found;
    int conflict;
    char current[16]; /* the status found under the lock */
    char *json;       /* the verdict document */
};

static void
ctx_free(void *p)
{
    struct patch_ctx *c = p;
    if (c == NULL)
        return;
    sgw_verdict_in_fini(&c->in);
    free(c->json);
    free(c);
}

/* Locks the live campaign id resolves to; 1 found (live and status filled), 0 none, -1 error. */
static int
lock_live(struct sgw_db_conn *conn, const char *id, char *live, size_t livesz, char *status,
          size_t statussz)
{
    char want[24];
    snprintf(want, sizeof want, "%s", id);
    for (int hop = 0; hop < MERGE_HOPS; hop++) {
        const char *params[1] = {want};
        PGresult *res = sgw_db_exec(conn, SGW_STMT_verdict_lock, params);
        int rc = -1, again = 0;
        switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
        case PGRES_TUPLES_OK:
            if (PQntuples(res) == 0) {
                rc = 0;
            } else if (!PQgetisnull(res, 0, 2)) {
                /* Merged while we waited for its lock: follow it to the new survivor. */
                snprintf(want, sizeof want, "%s", PQgetvalue(res, 0, 2));
                again = 1;
            } else {
                snprintf(live, livesz, "%s", PQgetvalue(res, 0, 0));
                snprintf(status, statussz, "%s", PQgetvalue(res, 0, 1));
                rc = 1;
            }
            break;
        default: break;
        }
        PQclear(res);
        if (!again)
            return rc;
    }
    return -1;
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct patch_ctx *c = req->ctx;
    char live[24];
    enum sgw_status st = SGW_DATABASE;

    int found = lock_live(conn, c->id, live, sizeof live, c->current, sizeof c->current);
    if (found < 0)
        return SGW_DATABASE;
    c->found = found;
    if (!found)
        return SGW_OK;
    if (c->in.expected[0] != '\0' && strcmp(c->in.expected, c->current) != 0) {
        c->conflict = 1;
        return SGW_OK; /* nothing written; the commit only releases the lock */
    }
    const char *params[6] = {live, c->id, c->current, c->in.status, c->in.note, c->key_id};
    PGresult *res = sgw_db_exec(conn, SGW_STMT_verdict_apply, params);
    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
            c->json = sgw_xstrdup(PQgetvalue(res, 0, 0));
            st = SGW_OK;
        } else {
            st = SGW_INTERNAL;
        }
        break;
    default: break;
    }
    PQclear(res);
    return st;
}

static enum sgw_hresult
answer(struct sgw_request *req)
{
    struct patch_ctx *c = req->ctx;
    char msg[160];

    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (!c->found) {
        snprintf(msg, sizeof msg, "no campaign with id %s", c->id);
        return sgw_respond_error(req, 404, "not_found", "id", msg);
    }
    if (c->conflict) {
        snprintf(msg, sizeof msg, "campaign %s is %s, not %s; nothing was changed", c->id,
                 c->current, c->in.expected);
        return sgw_respond_error(req, 409, "status_conflict", "expected_status", msg);
    }
    sgw_info("event=verdict req=%s campaign=%s from=%s to=%s key=%lld", req->id, c->id, c->current,
             c->in.status, (long long)req->api_key_id);
    return sgw_respond_raw(req, 200, "application/json", c->json, strlen(c->json));
}

enum sgw_hresult
sgw_route_campaigns_patch(struct sgw_request *req)
{
    struct sgw_error err;

    if (atomic_load(&req->done))
        return answer(req);
    struct patch_ctx *c = sgw_xcalloc(1, sizeof *c);
    req->ctx = c;
    req->ctx_free = ctx_free;
    if (sgw_path_id(req->path, "/v1/campaigns/", "", c->id, sizeof c->id) != 0)
        return sgw_respond_error(req, 400, "invalid_field", "id",
                                 "the campaign id must be a positive whole number");
    if (sgw_verdict_parse(req->body, req->body_len, &c->in, &err) != 0)
        return sgw_respond_invalid(req, &err);
    snprintf(c->key_id, sizeof c->key_id, "%lld", (long long)req->api_key_id);
    return sgw_server_submit_job(req, job);
}
