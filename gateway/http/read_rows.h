/* Read routes answered from the rows of one prepared statement: the handler validates its
 * input in the HTTP thread and fills a struct sgw_read_rows (statement and text parameters),
 * the statement runs as a database job (sgw_server_submit_job, never in a libmicrohttpd
 * callback), and the handler is re-entered with every cell copied out, so no PGresult outlives
 * the job that got it.
 *
 * Lists ask for limit + 1 rows, each (item JSON, cursor field, ...): sgw_read_rows_list answers
 * {"<collection>": [...], "next_cursor": "..." or null}, the cursor naming the last item shown
 * (the collection is the list's own name, "cities", as in every list of the API). */
#ifndef SGW_READ_ROWS_H
#define SGW_READ_ROWS_H

#include "db/db.h"
#include "gateway/http/query.h"
#include "gateway/http/server.h"

#define SGW_READ_MAX_PARAMS 8

struct sgw_read_rows {
    enum sgw_stmt stmt;
    int nparams;
    char *params[SGW_READ_MAX_PARAMS]; /* owned; NULL = SQL NULL */
    int nrows, ncols;
    char **cells; /* nrows * ncols, owned; NULL = SQL NULL */
    /* Lists: page size and cursor kind ("cities:reports"). */
    long limit;
    char kind[64];
};

/* A new request for stmt, owned by req from now on (freed with it). */
struct sgw_read_rows *sgw_read_rows_start(struct sgw_request *req, enum sgw_stmt stmt);
/* Appends a parameter (copied; NULL = SQL NULL). */
void sgw_read_rows_param(struct sgw_read_rows *r, const char *v);
/* Runs the statement as a job; the handler is called again with req->done set. */
enum sgw_hresult sgw_read_rows_submit(struct sgw_request *req);
/* On the second call: the rows (owned by req), or NULL when none were requested. */
struct sgw_read_rows *sgw_read_rows_of(struct sgw_request *req);
/* Cell (row, col), NULL for SQL NULL or out of range. Owned by r. */
const char *sgw_read_rows_get(const struct sgw_read_rows *r, int row, int col);

/* Answers the second call of a list route: 503/500 when the job failed, else 200 with the
 * items of the first r->limit rows whose column 0 is not NULL, and a next_cursor of kind
 * r->kind from columns 1..nkeys of the last one shown when the statement returned more. */
enum sgw_hresult sgw_read_rows_list(struct sgw_request *req, int nkeys, const char *collection);

/* Decodes the "cursor" parameter of q into nkeys fields (pointing into buf, SGW_CURSOR_MAX
 * bytes); *present 0 when absent. 0, or -1 with err (invalid_cursor). */
int sgw_read_rows_cursor(const struct sgw_query *q, const char *kind, char **fields, int nkeys,
                         char *buf, int *present, struct sgw_error *err);

/* Cursor fields are checked before they reach SQL (a cursor is checksummed, not signed, so a
 * forged one must still be 400, not a database error): 1 when s is a decimal int64 (optional
 * '-'), an RFC 3339 time, or valid UTF-8 text without control characters. */
int sgw_read_rows_is_int(const char *s);
int sgw_read_rows_is_time(const char *s);
int sgw_read_rows_is_text(const char *s);

#endif
