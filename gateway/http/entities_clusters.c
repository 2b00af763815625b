/* GET /v1/sender-clusters (live clusters, keyset pages in three orders),
 * GET /v1/sender-clusters/{id} (counts and top senders, campaigns, cities; a merged id answers
 * with its survivor) and GET /v1/sender-clusters/{id}/senders (every sender, by reports, in
 * keyset pages: a cluster of a million senders answers each page from an index range). */
#include "gateway/http/read_json.h"
#include "gateway/http/page.h"
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
    char kind[64], buf[SGW_CURSOR_MAX], *f[2];
    int have_cursor;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_enum(&q, "sort", sorts, "reports", &sort, &err) != 0 ||
        sgw_query_long(&q, "min_senders", 0, 1000000000L, 0, &min_senders, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0)
        return sgw_respond_invalid(req, &err);
    snprintf(kind, sizeof kind, "sender-clusters:%s", sort);
    if (sgw_page_cursor_read(&q, kind, f, 2, buf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    int by_time = strcmp(sort, "last_seen") == 0;
    if (have_cursor &&
        (!(by_time ? sgw_page_is_time(f[0]) : sgw_page_is_int(f[0])) || !sgw_page_is_int(f[1]))) {
        sgw_page_cursor_refuse(&err);
        return sgw_respond_invalid(req, &err);
    }
    enum sgw_stmt stmt = by_time                        ? SGW_STMT_api_sender_clusters_by_last_seen
                         : strcmp(sort, "senders") == 0 ? SGW_STMT_api_sender_clusters_by_senders
                                                        : SGW_STMT_api_sender_clusters_by_reports;
    struct sgw_page *p = sgw_page_new(req, stmt);
    p->name = "sender_clusters";
    p->limit = limit;
    snprintf(p->kind, sizeof p->kind, "%s", kind);
    sgw_page_param_ll(p, 0, min_senders);
    sgw_page_param(p, 1, have_cursor ? f[0] : by_time ? "infinity" : INT8_MAX_TEXT);
    sgw_page_param(p, 2, have_cursor ? f[1] : INT8_MAX_TEXT);
    sgw_page_param_ll(p, 3, limit + 1);
    return sgw_page_submit(req);
}

enum sgw_hresult
sgw_route_sender_clusters_get(struct sgw_request *req)
{
    return sgw_read_json_route(req, SGW_STMT_api_sender_cluster_json, PREFIX, "sender cluster");
}

enum sgw_hresult
sgw_route_sender_cluster_senders(struct sgw_request *req)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    long limit;
    char id[24], buf[SGW_CURSOR_MAX], *f[2];
    int have_cursor;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    if (sgw_path_id(req->path, PREFIX, "/senders", id, sizeof id) != 0)
        return sgw_respond_error(req, 400, "invalid_field", "id",
                                 "the sender cluster id must be a positive whole number");
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0 ||
        sgw_page_cursor_read(&q, "sender-cluster-senders", f, 2, buf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (have_cursor && (!sgw_page_is_int(f[0]) || !sgw_page_is_text(f[1]))) {
        sgw_page_cursor_refuse(&err);
        return sgw_respond_invalid(req, &err);
    }
    /* No row: no such cluster; one row with a NULL item: no senders left. */
    struct sgw_page *p = sgw_page_new(req, SGW_STMT_api_sender_cluster_senders);
    p->name = "senders";
    p->limit = limit;
    snprintf(p->kind, sizeof p->kind, "sender-cluster-senders");
    sgw_page_not_found(p, "id", "no sender cluster with id %s", id);
    sgw_page_param(p, 0, id);
    sgw_page_param(p, 1, have_cursor ? f[0] : INT8_MAX_TEXT);
    sgw_page_param(p, 2, have_cursor ? f[1] : "");
    sgw_page_param_ll(p, 3, limit + 1);
    return sgw_page_submit(req);
}
