/* GET /v1/sender-clusters (live clusters, keyset pages in three orders),
 * GET /v1/sender-clusters/{id} (counts and top senders, campaigns, cities; a merged id answers
 * with its survivor) and GET /v1/sender-clusters/{id}/senders (every sender, by reports, in
 * keyset pages: a cluster of a million senders answers each page from an index range). */
#include "gateway/http/read_json.h"
#include "gateway/http/read_rows.h"
#include "gateway/http/respond.h"

#include <stdio.h>
#include <string.h>

enum sgw_hresult sgw_route_sender_clusters_list(struct sgw_request *req);
enum sgw_hresult sgw_route_sender_clusters_get(struct sgw_request *req);
enum sgw_hresult sgw_route_sender_cluster_senders(struct sgw_request *req);

#define INT8_MAX_TEXT "9223372036854775807"
#define PREFIX "/v1/sender-clusters/"

static const char *const sorts[] = {"reports", "senders", "last_seen", NULL};

enum sgw_hresult
sgw_route_sender_clusters_list(struct sgw_request *req)
{
    static const char *const allowed[] = {"sort", "min_senders", "limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    const char *sort;
    long min_senders, limit;
    char kind[64], buf[SGW_CURSOR_MAX], num[24], *f[2];
    int have_cursor;

    if (atomic_load(&req->done))
        return sgw_read_rows_list(req, 2, "sender_clusters");
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_enum(&q, "sort", sorts, "reports", &sort, &err) != 0 ||
        sgw_query_long(&q, "min_senders", 0, 1000000000L, 0, &min_senders, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0)
        return sgw_respond_invalid(req, &err);
    snprintf(kind, sizeof kind, "sender-clusters:%s", sort);
    if (sgw_read_rows_cursor(&q, kind, f, 2, buf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    int by_time = strcmp(sort, "last_seen") == 0;
    if (have_cursor && (!(by_time ? sgw_read_rows_is_time(f[0]) : sgw_read_rows_is_int(f[0])) ||
                        !sgw_read_rows_is_int(f[1]))) {
        sgw_error_set(&err, "invalid_cursor", "cursor", "cursor is not one this list handed out");
        return sgw_respond_invalid(req, &err);
    }
    enum sgw_stmt stmt = by_time                        ? SGW_STMT_api_sender_clusters_by_last_seen
                         : strcmp(sort, "senders") == 0 ? SGW_STMT_api_sender_clusters_by_senders
                                                        : SGW_STMT_api_sender_clusters_by_reports;
    struct sgw_read_rows *r = sgw_read_rows_start(req, stmt);
    r->limit = limit;
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(num, sizeof num, "%ld", min_senders);
    sgw_read_rows_param(r, num);
    sgw_read_rows_param(r, have_cursor ? f[0] : by_time ? "infinity" : INT8_MAX_TEXT);
    sgw_read_rows_param(r, have_cursor ? f[1] : INT8_MAX_TEXT);
    snprintf(num, sizeof num, "%ld", limit + 1);
    sgw_read_rows_param(r, num);
    return sgw_read_rows_submit(req);
}

enum sgw_hresult
sgw_route_sender_clusters_get(struct sgw_request *req)
{
    return sgw_read_json_route(req, SGW_STMT_api_sender_cluster_json, PREFIX, "sender cluster");
}

/* The {id} of "/v1/sender-clusters/{id}/senders": a positive decimal of at most 18 digits. */
static int
path_id(const char *path, char *out, size_t outsz)
{
    const char *s = path + strlen(PREFIX);
    size_t n = strcspn(s, "/");
    if (strncmp(path, PREFIX, strlen(PREFIX)) != 0 || n == 0 || n > 18 || n >= outsz || s[0] == '0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

enum sgw_hresult
sgw_route_sender_cluster_senders(struct sgw_request *req)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    long limit;
    char id[24], buf[SGW_CURSOR_MAX], num[24], *f[2];
    int have_cursor;

    if (atomic_load(&req->done)) {
        struct sgw_read_rows *r = sgw_read_rows_of(req);
        if (r != NULL && req->result == SGW_OK && r->nrows == 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "no sender cluster with id %s", r->params[0]);
            return sgw_respond_error(req, 404, "not_found", "id", msg);
        }
        return sgw_read_rows_list(req, 2, "senders");
    }
    if (path_id(req->path, id, sizeof id) != 0)
        return sgw_respond_error(req, 400, "invalid_field", "id",
                                 "the sender cluster id must be a positive whole number");
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0 ||
        sgw_read_rows_cursor(&q, "sender-cluster-senders", f, 2, buf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (have_cursor && (!sgw_read_rows_is_int(f[0]) || !sgw_read_rows_is_text(f[1]))) {
        sgw_error_set(&err, "invalid_cursor", "cursor", "cursor is not one this list handed out");
        return sgw_respond_invalid(req, &err);
    }
    struct sgw_read_rows *r = sgw_read_rows_start(req, SGW_STMT_api_sender_cluster_senders);
    r->limit = limit;
    snprintf(r->kind, sizeof r->kind, "sender-cluster-senders");
    sgw_read_rows_param(r, id);
    sgw_read_rows_param(r, have_cursor ? f[0] : INT8_MAX_TEXT);
    sgw_read_rows_param(r, have_cursor ? f[1] : "");
    snprintf(num, sizeof num, "%ld", limit + 1);
    sgw_read_rows_param(r, num);
    return sgw_read_rows_submit(req);
}
