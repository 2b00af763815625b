/* The sub-resources of /v1/campaigns/{id}: senders, cities, indicators and reports (paged,
 * keyset cursors) and the timeline. Every one answers for the survivor of a merged id and
 * says so in "merged_from"; an unknown id is 404 from the statement finding no campaign. The
 * statements (api_campaign_*, db/statements.def) read roll-ups and report_assignments' index,
 * never a scan of reports, and never a reporter or pseudonym. */
#include "gateway/http/page.h"
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

/* The {id} segment: a positive decimal of at most 18 digits without a leading zero. */
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

static int
is_number(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

/* One paged sub-resource. keys = 2 for (count, text) keysets, 1 for a report id. */
static enum sgw_hresult
paged(struct sgw_request *req, enum sgw_stmt stmt, const char *name, const char *kind, int keys)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    char id[24], cbuf[SGW_CURSOR_MAX];
    char *cf[3];
    long limit;

    if (atomic_load(&req->done))
        return sgw_page_run(req);
    if (path_id(req->path, id, sizeof id) != 0)
        return sgw_respond_error(req, 400, "invalid_field", "id",
                                 "the campaign id must be a positive whole number");
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0)
        return sgw_respond_invalid(req, &err);
    const char *cursor = sgw_query_get(&q, "cursor");
    if (cursor != NULL) {
        if (sgw_cursor_decode(kind, cursor, cf, 3, cbuf, sizeof cbuf, &err) != 0)
            return sgw_respond_invalid(req, &err);
        if (strcmp(cf[0], id) != 0 || !is_number(cf[1]))
            return sgw_respond_error(req, 400, "invalid_cursor", "cursor",
                                     "cursor belongs to another campaign (start again without it)");
    }

    struct sgw_page *p = sgw_page_new(req);
    p->stmt = stmt;
    p->name = name;
    p->campaign = 1;
    snprintf(p->id, sizeof p->id, "%s", id);
    p->limit = limit;
    p->cursor_kind = kind;
    sgw_page_cursor_field(p, id);
    sgw_page_param(p, 0, id);
    if (cursor != NULL) {
        sgw_page_param(p, 1, cf[1]);
        if (keys == 2)
            sgw_page_param(p, 2, cf[2]);
    }
    sgw_page_param_ll(p, keys == 2 ? 3 : 2, limit + 1);
    return sgw_page_run(req);
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
        return sgw_page_run(req);
    if (path_id(req->path, id, sizeof id) != 0)
        return sgw_respond_error(req, 400, "invalid_field", "id",
                                 "the campaign id must be a positive whole number");
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_enum(&q, "bucket", buckets, "hour", &bucket, &err) != 0 ||
        sgw_query_time(&q, "since", &since, &has_since, &err) != 0 ||
        sgw_query_time(&q, "until", &until, &has_until, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (has_since && has_until && since >= until)
        return sgw_respond_error(req, 400, "invalid_parameter", "until",
                                 "until must be after since");

    struct sgw_page *p = sgw_page_new(req);
    p->stmt = SGW_STMT_api_campaign_timeline;
    p->name = "points";
    p->campaign = 1;
    snprintf(p->id, sizeof p->id, "%s", id);
    p->limit = 1000000; /* bounded by the campaign's hours */
    p->extra = strcmp(bucket, "day") == 0 ? "\"bucket\":\"day\"" : "\"bucket\":\"hour\"";
    sgw_page_param(p, 0, id);
    sgw_page_param(p, 1, bucket);
    if (has_since)
        sgw_page_param_ll(p, 2, (long long)since);
    if (has_until)
        sgw_page_param_ll(p, 3, (long long)until);
    return sgw_page_run(req);
}
