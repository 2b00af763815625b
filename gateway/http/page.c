/* Paged JSON reads (see page.h). The job builds the whole answer text from the rows, so the
 * HTTP thread only copies it out; items are JSON PostgreSQL rendered, header values are
 * integers, cursors base64url: nothing needs escaping here. */
#include "gateway/http/page.h"

#include "gateway/common/mem.h"
#include "gateway/http/respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
    char *p;
    size_t len, cap;
};

static void
put(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = sgw_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void
page_free(void *arg)
{
    struct sgw_page *p = arg;
    if (p == NULL)
        return;
    for (int i = 0; i < SGW_PAGE_PARAMS; i++)
        free(p->params[i]);
    for (int i = 0; i < p->ncursor; i++)
        free(p->cursor[i]);
    free(p->body);
    free(p);
}

struct sgw_page *
sgw_page_new(struct sgw_request *req)
{
    struct sgw_page *p = sgw_xcalloc(1, sizeof *p);
    req->ctx = p;
    req->ctx_free = page_free;
    return p;
}

void
sgw_page_param(struct sgw_page *p, int i, const char *value)
{
    if (i < 0 || i >= SGW_PAGE_PARAMS)
        return;
    free(p->params[i]);
    p->params[i] = sgw_xstrdup(value);
    if (p->nparams < i + 1)
        p->nparams = i + 1;
}

void
sgw_page_param_ll(struct sgw_page *p, int i, long long value)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", value);
    sgw_page_param(p, i, s);
}

void
sgw_page_cursor_field(struct sgw_page *p, const char *value)
{
    if (p->ncursor < SGW_CURSOR_FIELDS - 4)
        p->cursor[p->ncursor++] = sgw_xstrdup(value ? value : "");
}

static const char *
col(PGresult *res, int row, int c)
{
    return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

/* The cursor that resumes after row last of res; 0, or -1 when it cannot be encoded. */
static int
next_cursor(const struct sgw_page *p, PGresult *res, int last, char *out, size_t outsz)
{
    const char *fields[SGW_CURSOR_FIELDS];
    size_t n = 0;
    for (int i = 0; i < p->ncursor; i++)
        fields[n++] = p->cursor[i];
    if (p->cursor_header) {
        fields[n++] = col(res, last, 0) ? col(res, last, 0) : "";
        fields[n++] = col(res, last, 1) ? col(res, last, 1) : "";
    }
    fields[n++] = col(res, last, 3) ? col(res, last, 3) : "";
    fields[n++] = col(res, last, 4) ? col(res, last, 4) : "";
    return sgw_cursor_encode(p->cursor_kind, fields, n, out, outsz);
}

static void
build(struct sgw_page *p, PGresult *res)
{
    int rows = PQntuples(res), shown = 0, more = 0, last = -1;
    struct buf b = {0};
    char cur[SGW_CURSOR_MAX];

    put(&b, "{");
    if (p->campaign) {
        put(&b, "\"campaign_id\":");
        put(&b, col(res, 0, 0) ? col(res, 0, 0) : "null");
        put(&b, ",\"merged_from\":");
        put(&b, col(res, 0, 1) ? col(res, 0, 1) : "null");
        put(&b, ",");
    }
    if (p->extra != NULL) {
        put(&b, p->extra);
        put(&b, ",");
    }
    put(&b, "\"");
    put(&b, p->name);
    put(&b, "\":[");
    for (int i = 0; i < rows; i++) {
        if (col(res, i, 2) == NULL)
            continue;
        if (shown == p->limit) {
            more = 1;
            break;
        }
        if (shown > 0)
            put(&b, ",");
        put(&b, col(res, i, 2));
        shown++;
        last = i;
    }
    put(&b, "]");
    if (p->cursor_kind != NULL) {
        put(&b, ",\"next_cursor\":");
        if (more && next_cursor(p, res, last, cur, sizeof cur) == 0) {
            put(&b, "\"");
            put(&b, cur);
            put(&b, "\"");
        } else {
            put(&b, "null");
        }
    }
    put(&b, "}");
    p->body = b.p;
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct sgw_page *p = req->ctx;
    enum sgw_status st = SGW_DATABASE;
    PGresult *res = NULL;

    if (sgw_db_simple(conn, "BEGIN READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan", NULL,
                      0) != 0)
        goto fail;
    res = sgw_db_exec(conn, p->stmt, (const char *const *)p->params);
    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        if (p->campaign && PQntuples(res) == 0)
            p->not_found = 1;
        else
            build(p, res);
        st = SGW_OK;
        break;
    default: break;
    }
    PQclear(res);
    if (st == SGW_OK && sgw_db_simple(conn, "COMMIT", NULL, 0) != 0)
        st = SGW_DATABASE;
fail:
    if (st != SGW_OK && sgw_db_alive(conn) && PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
        sgw_db_simple(conn, "ROLLBACK", NULL, 0);
    return st;
}

enum sgw_hresult
sgw_page_run(struct sgw_request *req)
{
    struct sgw_page *p = req->ctx;
    char msg[96];

    if (!atomic_load(&req->done))
        return sgw_server_submit_read(req, job);
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (p->not_found) {
        snprintf(msg, sizeof msg, "no campaign with id %s", p->id);
        return sgw_respond_error(req, 404, "not_found", "id", msg);
    }
    return sgw_respond_raw(req, 200, "application/json", p->body, strlen(p->body));
}

enum sgw_hresult
sgw_page_respond_empty(struct sgw_request *req, const char *name)
{
    char body[96];
    snprintf(body, sizeof body, "{\"%s\":[],\"next_cursor\":null}", name);
    return sgw_respond_raw(req, 200, "application/json", body, strlen(body));
}
