/* The sub-resources of /v1/campaigns/{id}: senders, cities, indicators and reports (paged,
 * keyset cursors) and the timeline. Every one answers for the survivor of a merged id and
 * says so in "merged_from"; an unknown id is 404 from the statement finding no campaign. The
 * statements (api_campaign_*, db/statements.def) read roll-ups and report_assignments' index,
 * never a scan of reports, and never a reporter or pseudonym. */
#include "gateway/http/page.h"
#include "gateway/http/read_json.h"
#include "gateway/http/respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sgw_hresult sgw_route_campaign_senders(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_cities(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_indicators(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_reports(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_timeline(struct sgw_request *req);

#define PREFIX "/v1/campaigns/"

static enum sgw_hresult
bad_id(struct sgw_request *req)
{
    return sgw_respond_error(req, 400, "invalid_field", "id",
                             "the campaign id must be a positive whole number");
}

/* A sub-resource's page: 404 when the statement finds no campaign. */
static struct sgw_page *
part_new(struct sgw_request *req, enum sgw_stmt stmt, const char *name, const char *id)
{
    struct sgw_page *p = sgw_page_new(req, stmt);
    p->custom_plans = 1;
    p->name = name;
    p->head = SGW_PAGE_HEAD_CAMPAIGN;
    sgw_page_not_found(p, "id", "no campaign with id %s", id);
    sgw_page_param(p, 0, id);
    return p;
}

/* One paged sub-resource. keys = 2 for (count, text) keysets, 1 for a report id. */
static enum sgw_hresult
paged(struct sgw_request *req, enum sgw_stmt stmt, const char *name, const char *kind, int keys)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    char id[24], suffix[16], cbuf[SGW_CURSOR_MAX];
    char *cf[3];
    long limit;
    int have_cursor;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    snprintf(suffix, sizeof suffix, "/%s", name);
    if (sgw_path_id(req->path, PREFIX, suffix, id, sizeof id) != 0)
        return bad_id(req);
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0 ||
        sgw_page_cursor_read(&q, kind, cf, 3, cbuf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (have_cursor && (strcmp(cf[0], id) != 0 || !sgw_page_is_int(cf[1])))
        return sgw_respond_error(req, 400, "invalid_cursor", "cursor",
                                 "cursor belongs to another campaign (start again without it)");

    struct sgw_page *p = part_new(req, stmt, name, id);
    p->limit = limit;
    snprintf(p->kind, sizeof p->kind, "%s", kind);
    sgw_page_cursor_field(p, id);
    if (have_cursor) {
        sgw_page_param(p, 1, cf[1]);
        if (keys == 2)
            sgw_page_param(p, 2, cf[2]);
    }
    sgw_page_param_ll(p, keys == 2 ? 3 : 2, limit + 1);
    return sgw_page_submit(req);
}

enum sgw_hresult
sgw_route_campaign_senders(struct sgw_request *req)
{
    return paged(req, SGW_STMT_api_campaign_senders, "senders", "campaign_senders", 2);
}

enum sgw_hresult
sgw_route_campaign_cities(struct sgw_request *req)
{
    return paged(req, SGW_STMT_api_campaign_cities, "cities", "campaign_cities", 2);
}

enum sgw_hresult
sgw_route_campaign_indicators(struct sgw_request *req)
{
    return paged(req, SGW_STMT_api_campaign_indicators, "indicators", "campaign_indicators", 2);
}

enum sgw_hresult
sgw_route_campaign_reports(struct sgw_request *req)
{
    return paged(req, SGW_STMT_api_campaign_reports, "reports", "campaign_reports", 1);
}

enum sgw_hresult
sgw_route_campaign_timeline(struct sgw_request *req)
{
    static const char *const allowed[] = {"bucket", "since", "until", NULL};
    static const char *const buckets[] = {"hour", "day", NULL};
    struct sgw_query q;
    struct sgw_error err;
    char id[24];
    const char *bucket;
    int64_t since, until;
    int has_since, has_until;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    if (sgw_path_id(req->path, PREFIX, "/timeline", id, sizeof id) != 0)
        return bad_id(req);
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_enum(&q, "bucket", buckets, "hour", &bucket, &err) != 0 ||
        sgw_query_time(&q, "since", &since, &has_since, &err) != 0 ||
        sgw_query_time(&q, "until", &until, &has_until, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (has_since && has_until && since >= until)
        return sgw_respond_error(req, 400, "invalid_parameter", "until",
                                 "until must be after since");

    /* Not paged (no cursor kind): the points are bounded by the campaign's hours. */
    struct sgw_page *p = part_new(req, SGW_STMT_api_campaign_timeline, "points", id);
    p->limit = 1000000;
    p->extra = strcmp(bucket, "day") == 0 ? "\"bucket\":\"day\"" : "\"bucket\":\"hour\"";
    sgw_page_param(p, 1, bucket);
    if (has_since)
        sgw_page_param_ll(p, 2, (long long)since);
    if (has_until)
        sgw_page_param_ll(p, 3, (long long)until);
    return sgw_page_submit(req);
}
