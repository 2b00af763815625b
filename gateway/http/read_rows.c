/* Rows of one statement for the read routes (see read_rows.h). */
#include "gateway/http/read_rows.h"

#include "gateway/common/mem.h"
#include "gateway/common/timeutil.h"
#include "gateway/http/respond.h"
#include "gateway/intake/charset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
rows_free(void *p)
{
    struct sgw_read_rows *r = p;
    if (r == NULL)
        return;
    for (int i = 0; i < r->nparams; i++)
        free(r->params[i]);
    for (int i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    free(r);
}

struct sgw_read_rows *
sgw_read_rows_start(struct sgw_request *req, enum sgw_stmt stmt)
{
    struct sgw_read_rows *r = sgw_xcalloc(1, sizeof *r);
    r->stmt = stmt;
    req->ctx = r;
    req->ctx_free = rows_free;
    return r;
}

void
sgw_read_rows_param(struct sgw_read_rows *r, const char *v)
{
    if (r->nparams < SGW_READ_MAX_PARAMS)
        r->params[r->nparams++] = sgw_xstrdup(v);
}

static enum sgw_status
job(struct sgw_db_conn *conn, void *arg)
{
    struct sgw_request *req = arg;
    struct sgw_read_rows *r = req->ctx;
    PGresult *res = sgw_db_exec(conn, r->stmt, (const char *const *)r->params);
    enum sgw_status st = SGW_DATABASE;

    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        r->nrows = PQntuples(res);
        r->ncols = PQnfields(res);
        r->cells = sgw_xcalloc((size_t)(r->nrows * r->ncols) + 1, sizeof *r->cells);
        for (int i = 0; i < r->nrows; i++) {
            for (int c = 0; c < r->ncols; c++) {
                if (!PQgetisnull(res, i, c))
                    r->cells[i * r->ncols + c] = sgw_xstrdup(PQgetvalue(res, i, c));
            }
        }
        st = SGW_OK;
        break;
    default: break;
    }
    PQclear(res);
    return st;
}

enum sgw_hresult
sgw_read_rows_submit(struct sgw_request *req)
{
    return sgw_server_submit_read(req, job);
}

struct sgw_read_rows *
sgw_read_rows_of(struct sgw_request *req)
{
    return req->ctx_free == rows_free ? req->ctx : NULL;
}

const char *
sgw_read_rows_get(const struct sgw_read_rows *r, int row, int col)
{
    if (row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

struct buf {
    char *p;
    size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = sgw_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

enum sgw_hresult
sgw_read_rows_list(struct sgw_request *req, int nkeys, const char *collection)
{
    struct sgw_read_rows *r = sgw_read_rows_of(req);
    struct buf b = {0};
    const char *fields[SGW_CURSOR_FIELDS];
    char cursor[SGW_CURSOR_MAX];
    int shown = 0, last = -1;

    if (r == NULL)
        return sgw_respond_status(req, SGW_INTERNAL);
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    puts_(&b, "{\"");
    puts_(&b, collection);
    puts_(&b, "\":[");
    for (int i = 0; i < r->nrows && shown < r->limit; i++) {
        const char *item = sgw_read_rows_get(r, i, 0);
        if (item == NULL)
            continue;
        if (shown++ > 0)
            puts_(&b, ",");
        puts_(&b, item);
        last = i;
    }
    puts_(&b, "],\"next_cursor\":");
    /* A row beyond the page means there is more: the cursor is the last item shown. */
    int more = last >= 0 && sgw_read_rows_get(r, last + 1, 0) != NULL;
    for (int k = 0; more && k < nkeys && k < SGW_CURSOR_FIELDS; k++) {
        fields[k] = sgw_read_rows_get(r, last, 1 + k);
        if (fields[k] == NULL)
            more = 0;
    }
    if (more && sgw_cursor_encode(r->kind, fields, (size_t)nkeys, cursor, sizeof cursor) == 0) {
        puts_(&b, "\"");
        puts_(&b, cursor);
        puts_(&b, "\"}");
    } else {
        puts_(&b, "null}");
    }
    enum sgw_hresult h = sgw_respond_raw(req, 200, "application/json", b.p, b.len);
    free(b.p);
    return h;
}

int
sgw_read_rows_cursor(const struct sgw_query *q, const char *kind, char **fields, int nkeys,
                     char *buf, int *present, struct sgw_error *err)
{
    const char *c = sgw_query_get(q, "cursor");
    *present = 0;
    if (c == NULL)
        return 0;
    if (sgw_cursor_decode(kind, c, fields, (size_t)nkeys, buf, SGW_CURSOR_MAX, err) != 0)
        return -1;
    *present = 1;
    return 0;
}

int
sgw_read_rows_is_int(const char *s)
{
    char *end;
    if (s == NULL || s[0] == '\0')
        return 0;
    errno = 0;
    (void)strtoll(s, &end, 10);
    return errno == 0 && *end == '\0' && s[0] != '+' && s[0] != ' ';
}

int
sgw_read_rows_is_time(const char *s)
{
    int64_t us;
    return s != NULL && sgw_rfc3339_parse(s, strlen(s), &us) == 0;
}

int
sgw_read_rows_is_text(const char *s)
{
    if (s == NULL || !sgw_utf8_valid(s, strlen(s)))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    }
    return 1;
}
