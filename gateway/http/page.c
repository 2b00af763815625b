/* The request of a page read and its job (see page.h): the job only copies cells out, so
 * everything that depends on the route is decided in the HTTP thread, before or after it. */
#include "gateway/http/page.h"

#include "gateway/common/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
    for (int i = 0; i < p->nrows * p->ncols; i++)
        free(p->cells[i]);
    free(p->cells);
    free(p->missing);
    free(p);
}

struct sgw_page *
sgw_page_new(struct sgw_request *req, enum sgw_stmt stmt)
{
    struct sgw_page *p = sgw_xcalloc(1, sizeof *p);
    p->stmt = stmt;
    req->ctx = p;
    req->ctx_free = page_free;
    return p;
}

struct sgw_page *
sgw_page_of(struct sgw_request *req)
{
    return req->ctx_free == page_free ? req->ctx : NULL;
}

void
sgw_page_param(struct sgw_page *p, int i, const char *value)
{
    if (i < 0 || i >= SGW_PAGE_PARAMS)
        return;
    free(p->params[i]);
    p->params[i] = sgw_xstrdup(value);
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
    /* Room for the header's two fields and the item's two keys after the leading ones. */
    if (p->ncursor < SGW_CURSOR_FIELDS - 4)
        p->cursor[p->ncursor++] = sgw_xstrdup(value ? value : "");
}

void
sgw_page_not_found(struct sgw_page *p, const char *field, const char *fmt, ...)
{
    va_list ap;
    char probe[1];

    va_start(ap, fmt);
    int n = vsnprintf(probe, sizeof probe, fmt, ap);
    va_end(ap);
    free(p->missing);
    p->missing = sgw_xmalloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(p->missing, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    p->missing_field = field;
}

const char *
sgw_page_cell(const struct sgw_page *p, int row, int col)
{
    if (row < 0 || row >= p->nrows || col < 0 || col >= p->ncols)
        return NULL;
    return p->cells[row * p->ncols + col];
}

static void
copy_cells(struct sgw_page *p, PGresult *res)
{
    p->nrows = PQntuples(res);
    p->ncols = PQnfields(res);
    p->cells = sgw_xcalloc((size_t)p->nrows * (size_t)p->ncols + 1, sizeof *p->cells);
    for (int i = 0; i < p->nrows; i++) {
        for (int c = 0; c < p->ncols; c++) {
            if (!PQgetisnull(res, i, c))
                p->cells[i * p->ncols + c] = sgw_xstrdup(PQgetvalue(res, i, c));
        }
    }
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct sgw_page *p = req->ctx;
    enum sgw_status st = SGW_DATABASE;
    PGresult *res = NULL;

    if (p->custom_plans &&
        sgw_db_simple(conn, "BEGIN READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan", NULL,
                      0) != 0)
        goto fail;
    res = sgw_db_exec(conn, p->stmt, (const char *const *)p->params);
    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        copy_cells(p, res);
        st = SGW_OK;
        break;
    default: break;
    }
    PQclear(res);
    if (st == SGW_OK && p->custom_plans && sgw_db_simple(conn, "COMMIT", NULL, 0) != 0)
        st = SGW_DATABASE;
fail:
    if (st != SGW_OK && sgw_db_alive(conn) && PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
        sgw_db_simple(conn, "ROLLBACK", NULL, 0);
    return st;
}

enum sgw_hresult
sgw_page_submit(struct sgw_request *req)
{
    return sgw_server_submit_read(req, job);
}
