/* Paged JSON reads: a route fills a struct sgw_page (statement, text parameters, limit, the
 * list's name, its cursor's kind and leading fields), submits it as a database job, and on the
 * second call answers it. The statement returns one row per item, limit + 1 at most:
 *   0, 1  header (a sub-resource: survivor id and merged_from; the campaign list: its as-of
 *         bound and reference time, which then go into the cursor)
 *   2     the item as JSON text (NULL: a header-only row, the list is empty)
 *   3, 4  the item's keys for the next cursor
 * The answer is {"campaign_id", "merged_from", "<name>": [...], "next_cursor"} for a
 * sub-resource (no row at all: 404) or {"<name>": [...], "next_cursor"} for the list. The
 * query runs in a read-only transaction with custom plans, so optional filters given as NULL
 * fold away instead of freezing a generic plan. */
#ifndef SGW_PAGE_H
#define SGW_PAGE_H

#include "db/db.h"
#include "gateway/http/query.h"
#include "gateway/http/server.h"

#define SGW_PAGE_PARAMS 16

struct sgw_page {
    enum sgw_stmt stmt;
    char *params[SGW_PAGE_PARAMS]; /* owned; NULL = SQL NULL */
    int nparams;
    long limit;        /* items shown; the statement was asked for limit + 1 */
    const char *name;  /* static: "campaigns", "senders", ... */
    int campaign;      /* header is survivor id + merged_from; no row = 404 */
    char id[24];       /* the campaign id asked for (sub-resources) */
    const char *extra; /* static JSON members after the header ("\"bucket\":\"day\""), or NULL */
    const char *cursor_kind;         /* static; NULL = not paged (no next_cursor member) */
    char *cursor[SGW_CURSOR_FIELDS]; /* owned leading cursor fields */
    int ncursor;
    int cursor_header; /* the two header columns go into the cursor too */
    /* results, filled by the job */
    char *body;
    int not_found;
};

/* Creates the page as req's route context (freed with the request). */
struct sgw_page *sgw_page_new(struct sgw_request *req);

/* Sets parameter i (copied; NULL = SQL NULL) and grows nparams to cover it. */
void sgw_page_param(struct sgw_page *p, int i, const char *value);
void sgw_page_param_ll(struct sgw_page *p, int i, long long value);

/* Appends a leading cursor field (copied). */
void sgw_page_cursor_field(struct sgw_page *p, const char *value);

/* First call: submits the job. Second call (req->done): answers 200, 404 or the job's error. */
enum sgw_hresult sgw_page_run(struct sgw_request *req);

/* Answers {"<name>": [], "next_cursor": null} at once (a filter that matches nothing). */
enum sgw_hresult sgw_page_respond_empty(struct sgw_request *req, const char *name);

#endif
