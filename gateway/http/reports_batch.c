/* POST /v1/reports:batch: NDJSON, one report per line. Every line is validated here, in the
 * HTTP thread, exactly as POST /v1/reports does it; the valid ones go to the database as one
 * writer job (one INSERT, one transaction), so a batch is stored whole or not at all and its
 * ids come back in line order. It never stores a line that failed validation and answers 200
 * only after the commit. With an Idempotency-Key each stored row carries "KEY LINE" (a single
 * report's key has no space, so the two never meet), which makes a retry of the whole batch
 * answer the first ids instead of storing the reports again. */
#include "db/report_batch.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/metrics.h"
#include "gateway/common/timeutil.h"
#include "gateway/http/idempotency.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"
#include "gateway/intake/ndjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sgw_hresult sgw_route_reports_batch(struct sgw_request *req);

struct batch_line {
    size_t lineno;
    size_t report;         /* index into valid[] when err is NULL */
    struct sgw_error *err; /* the rejection (owned); NULL when valid */
};

struct batch_ctx {
    struct batch_line *lines; /* every non-blank line, in order */
    size_t nlines;
    struct sgw_report **valid; /* the valid lines' reports (owned), in order */
    size_t nvalid;
    char **keys; /* per valid report "KEY LINE" (owned); NULL without Idempotency-Key */
    int64_t api_key_id;
    int64_t *ids; /* filled by the job */
    int *replays;
};

static void
ctx_free(void *p)
{
    struct batch_ctx *b = p;
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->nlines; i++)
        free(b->lines[i].err);
    for (size_t i = 0; i < b->nvalid; i++) {
        sgw_report_free(b->valid[i]);
        if (b->keys)
            free(b->keys[i]);
    }
    free(b->lines);
    free(b->valid);
    free(b->keys);
    free(b->ids);
    free(b->replays);
    free(b);
}

/* Runs on a writer thread inside the job's transaction (committed by the writer on SGW_OK). */
static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct batch_ctx *b = req->ctx;
    char err[512];

    enum sgw_status st =
        sgw_db_report_batch_insert(conn, b->valid, b->nvalid, (const char *const *)b->keys,
                                   b->api_key_id, b->ids, b->replays, err, sizeof err);
    if (st != SGW_OK)
        sgw_warn("event=batch_insert_failed req=%s reports=%zu error=\"%s\"", req->id, b->nvalid,
                 err);
    return st;
}

static json_t *
error_json(const struct sgw_error *e)
{
    json_t *o = json_pack("{s:s, s:s}", "code", e->code, "message", e->message);
    if (e->field[0] != '\0')
        json_object_set_new(o, "field", json_string(e->field));
    return o;
}

/* The 200 answer; called with no valid line or after the commit. */
static enum sgw_hresult
answer(struct sgw_request *req)
{
    struct batch_ctx *b = req->ctx;
    json_t *results = json_array();
    size_t fresh = 0;
    int replay = 0;

    for (size_t i = 0; i < b->nlines; i++) {
        const struct batch_line *l = &b->lines[i];
        json_t *o;
        if (l->err != NULL) {
            o = json_pack("{s:I, s:s, s:o}", "line", (json_int_t)l->lineno, "status", "rejected",
                          "error", error_json(l->err));
        } else {
            o = json_pack("{s:I, s:I, s:s}", "line", (json_int_t)l->lineno, "id",
                          (json_int_t)b->ids[l->report], "status", "accepted");
            if (b->replays[l->report])
                replay = 1;
            else
                fresh++;
        }
        json_array_append_new(results, o);
    }
    json_t *body = json_pack("{s:I, s:I, s:o}", "accepted", (json_int_t)b->nvalid, "rejected",
                             (json_int_t)(b->nlines - b->nvalid), "results", results);
    if (replay)
        json_object_set_new(body, "idempotent_replay", json_true());
    sgw_metrics_reports_committed(fresh);
    sgw_metrics_batch_lines(b->nvalid, b->nlines - b->nvalid);
    sgw_info("event=batch_answered req=%s accepted=%zu rejected=%zu replay=%d", req->id, b->nvalid,
             b->nlines - b->nvalid, replay);
    return sgw_respond_json(req, 200, body);
}

/* Validates every line into b; features are computed here, as for single reports. */
static void
parse_lines(struct sgw_request *req, struct batch_ctx *b, const struct sgw_ndjson_line *nl,
            const char *idem)
{
    int64_t now = sgw_now_us();

    for (size_t i = 0; i < b->nlines; i++) {
        struct batch_line *l = &b->lines[i];
        struct sgw_report *r = NULL;
        struct sgw_error err;
        l->lineno = nl[i].lineno;
        if (sgw_report_parse_json(req->body + nl[i].off, nl[i].len, &req->srv->intake, now, &r,
                                  &err) != 0) {
            l->err = sgw_xmalloc(sizeof *l->err);
            *l->err = err;
            continue;
        }
        r->source = "batch";
        r->api_key_id = req->api_key_id;
        l->report = b->nvalid;
        if (idem != NULL) {
            char key[SGW_IDEMPOTENCY_KEY_MAX + 32];
            snprintf(key, sizeof key, "%s %zu", idem, l->lineno);
            b->keys[b->nvalid] = sgw_xstrdup(key);
        }
        b->valid[b->nvalid++] = r;
    }
}

enum sgw_hresult
sgw_route_reports_batch(struct sgw_request *req)
{
    long max_lines = req->srv->cfg->batch_max_lines;
    struct sgw_ndjson_line *nl = NULL;
    char msg[160];

    if (atomic_load(&req->done)) {
        if (req->result != SGW_OK)
            return sgw_respond_status(req, req->result);
        return answer(req);
    }
    const char *idem;
    if (sgw_idempotency_key(req, &idem) != 0)
        return sgw_idempotency_respond_invalid(req);
    size_t n = req->body ? sgw_ndjson_split(req->body, req->body_len, NULL, 0) : 0;
    if (n == 0)
        return sgw_respond_error(req, 400, "empty_batch", NULL,
                                 "the batch has no reports: send one JSON object per line");
    if (n > (size_t)max_lines) {
        snprintf(msg, sizeof msg,
                 "a batch may hold at most %ld reports (non-empty lines); this one has %zu",
                 max_lines, n);
        return sgw_respond_error(req, 413, "too_many_lines", NULL, msg);
    }

    struct batch_ctx *b = sgw_xcalloc(1, sizeof *b);
    req->ctx = b;
    req->ctx_free = ctx_free;
    b->api_key_id = req->api_key_id;
    b->nlines = n;
    b->lines = sgw_xcalloc(n, sizeof *b->lines);
    b->valid = sgw_xcalloc(n, sizeof *b->valid);
    b->ids = sgw_xcalloc(n, sizeof *b->ids);
    b->replays = sgw_xcalloc(n, sizeof *b->replays);
    if (idem != NULL)
        b->keys = sgw_xcalloc(n, sizeof *b->keys);
    nl = sgw_xcalloc(n, sizeof *nl);
    sgw_ndjson_split(req->body, req->body_len, nl, n);
    parse_lines(req, b, nl, idem);
    free(nl);
    if (b->nvalid == 0)
        return answer(req);
    return sgw_server_submit_job(req, job);
}
