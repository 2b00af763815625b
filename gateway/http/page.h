/* Read routes answered from the rows of one prepared statement, in three files with one job
 * each:
 *   page.c         the request: statement and text parameters, filled in the HTTP thread; the
 *                  statement runs as a read job (sgw_server_submit_read, never in a
 *                  libmicrohttpd callback) that copies every cell out, so no PGresult outlives
 *                  the job that got it, and the handler is re-entered with req->done set
 *   page_answer.c  the answers built from those cells: one JSON document, or a list
 *                  {"<name>": [...], "next_cursor": ...}
 *   page_cursor.c  reading a route's cursor and checking its fields (pure functions)
 *
 * A list statement returns limit + 1 rows at most, each: the header columns (see enum
 * sgw_page_head), the item as JSON text (NULL: a row that only carries the header, the list
 * is empty), then the item's two cursor keys. The next cursor is kind + the route's leading
 * fields (+ the two header columns for SGW_PAGE_HEAD_ASOF) + the last shown item's keys. */
#ifndef SGW_PAGE_H
#define SGW_PAGE_H

#include "db/db.h"
#include "gateway/http/query.h"
#include "gateway/http/server.h"

#define SGW_PAGE_PARAMS 16

enum sgw_page_head {
    SGW_PAGE_HEAD_NONE,     /* item, key, key */
    SGW_PAGE_HEAD_CAMPAIGN, /* survivor id, merged_from, item, ...: answered first as
                             * "campaign_id" and "merged_from" (a sub-resource of a campaign) */
    SGW_PAGE_HEAD_ASOF,     /* as-of bound, reference time, item, ...: both lead the next
                             * cursor's row fields, so a walk keeps the first page's instant */
};

struct sgw_page {
    /* the query */
    enum sgw_stmt stmt;
    char *params[SGW_PAGE_PARAMS]; /* owned; NULL = SQL NULL */
    int custom_plans; /* run in a read-only transaction with plan_cache_mode = force_custom_plan,
                       * so optional filters given as NULL fold away instead of freezing a
                       * generic plan */
    /* the answer */
    const char *name; /* static list member: "campaigns", "senders", ... */
    long limit;       /* items shown; the statement was asked for limit + 1 */
    enum sgw_page_head head;
    const char *extra;               /* static JSON members after the header, or NULL */
    char kind[64];                   /* cursor kind; "" = not paged (no next_cursor member) */
    char *cursor[SGW_CURSOR_FIELDS]; /* owned leading cursor fields */
    int ncursor;
    const char *missing_field; /* static; set by sgw_page_not_found */
    char *missing;             /* owned 404 message, or NULL: no row is no error */
    /* the rows, filled by the job */
    int nrows, ncols;
    char **cells; /* nrows * ncols, owned; NULL = SQL NULL */
};

/* A new page for stmt, owned by req from now on (freed with it). */
struct sgw_page *sgw_page_new(struct sgw_request *req, enum sgw_stmt stmt);

/* req's page on the second call, or NULL when the route made none. Owned by req. */
struct sgw_page *sgw_page_of(struct sgw_request *req);

/* Sets parameter i (copied; NULL = SQL NULL). */
void sgw_page_param(struct sgw_page *p, int i, const char *value);
void sgw_page_param_ll(struct sgw_page *p, int i, long long value);

/* Appends a leading cursor field (copied). */
void sgw_page_cursor_field(struct sgw_page *p, const char *value);

/* Makes "nothing found" a 404 not_found about field (static) with this message: a list
 * statement that returns no row at all, a document that is NULL. */
void sgw_page_not_found(struct sgw_page *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Cell (row, col), NULL for SQL NULL or out of range. Owned by p. */
const char *sgw_page_cell(const struct sgw_page *p, int row, int col);

/* Runs the statement as a read job; the handler is called again with req->done set. */
enum sgw_hresult sgw_page_submit(struct sgw_request *req);

/* The second call of a list route: the job's error (503/500), 404 (see sgw_page_not_found),
 * or 200 with the list. */
enum sgw_hresult sgw_page_answer_list(struct sgw_request *req);

/* The second call of a document route: the job's error, or 200 with cell (0, 0); when that
 * is NULL, 404 (see sgw_page_not_found) or else 500. */
enum sgw_hresult sgw_page_answer_doc(struct sgw_request *req);

/* The list's JSON text built from p's cells (caller frees); pure, for the unit tests. */
char *sgw_page_list_json(const struct sgw_page *p);

/* Answers {"<name>": [], "next_cursor": null} at once (a filter that matches nothing). */
enum sgw_hresult sgw_page_answer_empty(struct sgw_request *req, const char *name);

/* Decodes the "cursor" parameter of q into n fields of kind (pointing into buf,
 * SGW_CURSOR_MAX bytes); *present 0 when absent. 0, or -1 with err (invalid_cursor). */
int sgw_page_cursor_read(const struct sgw_query *q, const char *kind, char **fields, size_t n,
                         char *buf, int *present, struct sgw_error *err);

/* Sets err to invalid_cursor for a cursor whose fields are not what this route writes;
 * returns -1. */
int sgw_page_cursor_refuse(struct sgw_error *err);

/* Cursor fields are checked before they reach SQL (a cursor is checksummed, not signed, so a
 * forged one must still be 400, not a database error): 1 when s is a decimal of 1 to 18
 * digits with an optional '-' (always an int8), an RFC 3339 time, or valid UTF-8 text
 * without control characters. */
int sgw_page_is_int(const char *s);
int sgw_page_is_time(const char *s);
int sgw_page_is_text(const char *s);

#endif
