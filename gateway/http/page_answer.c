/* Answers built from a page's cells (see page.h). Items and documents are JSON PostgreSQL
 * rendered, header values are integers, cursors base64url: nothing needs escaping here. */
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

static const char *
cell_or(const struct sgw_page *p, int row, int col, const char *dflt)
{
    const char *v = sgw_page_cell(p, row, col);
    return v ? v : dflt;
}

/* The cursor that resumes after row last; 0, or -1 when it cannot be encoded. */
static int
next_cursor(const struct sgw_page *p, int item, int last, char *out, size_t outsz)
{
    const char *fields[SGW_CURSOR_FIELDS];
    size_t n = 0;
    for (int i = 0; i < p->ncursor; i++)
        fields[n++] = p->cursor[i];
    if (p->head == SGW_PAGE_HEAD_ASOF) {
        fields[n++] = cell_or(p, last, 0, "");
        fields[n++] = cell_or(p, last, 1, "");
    }
    fields[n++] = cell_or(p, last, item + 1, "");
    fields[n++] = cell_or(p, last, item + 2, "");
    return sgw_cursor_encode(p->kind, fields, n, out, outsz);
}

char *
sgw_page_list_json(const struct sgw_page *p)
{
    int item = p->head == SGW_PAGE_HEAD_NONE ? 0 : 2;
    int shown = 0, more = 0, last = -1;
    struct buf b = {0};
    char cur[SGW_CURSOR_MAX];

    put(&b, "{");
    if (p->head == SGW_PAGE_HEAD_CAMPAIGN) {
        put(&b, "\"campaign_id\":");
        put(&b, cell_or(p, 0, 0, "null"));
        put(&b, ",\"merged_from\":");
        put(&b, cell_or(p, 0, 1, "null"));
        put(&b, ",");
    }
    if (p->extra != NULL) {
        put(&b, p->extra);
        put(&b, ",");
    }
    put(&b, "\"");
    put(&b, p->name);
    put(&b, "\":[");
    for (int i = 0; i < p->nrows; i++) {
        const char *v = sgw_page_cell(p, i, item);
        if (v == NULL)
            continue;
        /* A row beyond the page means there is more: the cursor is the last item shown. */
        if (shown == p->limit) {
            more = 1;
            break;
        }
        if (shown++ > 0)
            put(&b, ",");
        put(&b, v);
        last = i;
    }
    put(&b, "]");
    if (p->kind[0] != '\0') {
        put(&b, ",\"next_cursor\":");
        if (more && next_cursor(p, item, last, cur, sizeof cur) == 0) {
            put(&b, "\"");
            put(&b, cur);
            put(&b, "\"");
        } else {
            put(&b, "null");
        }
    }
    put(&b, "}");
    return b.p;
}

static enum sgw_hresult
not_found(struct sgw_request *req, const struct sgw_page *p)
{
    return sgw_respond_error(req, 404, "not_found", p->missing_field, p->missing);
}

/* The second call of a route: the job's error, or the list or document from p's cells. */
static enum sgw_hresult
answer(struct sgw_request *req, int doc)
{
    struct sgw_page *p = sgw_page_of(req);

    if (p == NULL)
        return sgw_respond_status(req, SGW_INTERNAL);
    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    if (doc) {
        const char *v = sgw_page_cell(p, 0, 0);
        if (v == NULL)
            return p->missing ? not_found(req, p) : sgw_respond_status(req, SGW_INTERNAL);
        return sgw_respond_raw(req, 200, "application/json", v, strlen(v));
    }
    if (p->nrows == 0 && p->missing != NULL)
        return not_found(req, p);
    char *body = sgw_page_list_json(p);
    enum sgw_hresult h = sgw_respond_raw(req, 200, "application/json", body, strlen(body));
    free(body);
    return h;
}

enum sgw_hresult
sgw_page_answer_list(struct sgw_request *req)
{
    return answer(req, 0);
}

enum sgw_hresult
sgw_page_answer_doc(struct sgw_request *req)
{
    return answer(req, 1);
}

enum sgw_hresult
sgw_page_answer_empty(struct sgw_request *req, const char *name)
{
    char body[96];
    snprintf(body, sizeof body, "{\"%s\":[],\"next_cursor\":null}", name);
    return sgw_respond_raw(req, 200, "application/json", body, strlen(body));
}
