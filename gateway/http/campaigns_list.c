/* GET /v1/campaigns: live campaigns with filters, four sorts and keyset cursors. Validation
 * happens here, in the HTTP thread; the statement (one per sort, direction and city or not,
 * db/statements.def) runs as a page read (page.h). The cursor carries the sort, the order, a
 * hash of the filters, the as-of bound and reference time of the first page and the last
 * row's (sort value, id): a cursor used with other filters is refused, campaigns created after
 * the first page never appear mid-walk, and growth is measured against one instant. Counts
 * still move while a walk goes on (a campaign that gains reports can move across the cursor):
 * the README says so. */
#include "gateway/cluster/city.h"
#include "gateway/common/hash.h"
#include "gateway/http/page.h"
#include "gateway/http/respond.h"
#include "gateway/intake/country.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sgw_hresult sgw_route_campaigns_list(struct sgw_request *req);

static const char *const allowed[] = {"city",   "country",     "since", "until", "channel",
                                      "status", "min_reports", "q",     "sort",  "order",
                                      "limit",  "cursor",      NULL};
static const char *const sorts[] = {"reports", "reporters", "last_seen", "growth", NULL};
static const char *const orders[] = {"desc", "asc", NULL};
static const char *const channels[] = {"sms", "imessage", "rcs", "mms", "call", "other", NULL};
static const char *const statuses[] = {"open", "confirmed", "false_positive", "blocked", NULL};

/* [city][sort][order], in the order of sorts and orders. */
static const enum sgw_stmt stmts[2][4][2] = {
    {{SGW_STMT_api_campaigns_reports_desc, SGW_STMT_api_campaigns_reports_asc},
     {SGW_STMT_api_campaigns_reporters_desc, SGW_STMT_api_campaigns_reporters_asc},
     {SGW_STMT_api_campaigns_last_seen_desc, SGW_STMT_api_campaigns_last_seen_asc},
     {SGW_STMT_api_campaigns_growth_desc, SGW_STMT_api_campaigns_growth_asc}},
    {{SGW_STMT_api_campaigns_city_reports_desc, SGW_STMT_api_campaigns_city_reports_asc},
     {SGW_STMT_api_campaigns_city_reporters_desc, SGW_STMT_api_campaigns_city_reporters_asc},
     {SGW_STMT_api_campaigns_city_last_seen_desc, SGW_STMT_api_campaigns_city_last_seen_asc},
     {SGW_STMT_api_campaigns_city_growth_desc, SGW_STMT_api_campaigns_city_growth_asc}},
};

static size_t
index_of(const char *const *values, const char *v)
{
    size_t i = 0;
    while (values[i] != NULL && strcmp(values[i], v) != 0)
        i++;
    return i;
}

struct filters {
    const char *city_text, *country_text, *channel, *status, *q;
    char country[3];
    char city_key[192];
    int has_city, city_unknown;
    int64_t since, until;
    int has_since, has_until;
    long min_reports, limit;
    const char *sort, *order;
};

static int
parse(const struct sgw_query *q, struct filters *f, struct sgw_error *err)
{
    memset(f, 0, sizeof *f);
    if (sgw_query_check(q, allowed, err) != 0 ||
        sgw_query_text(q, "city", 191, &f->city_text, err) != 0 ||
        sgw_query_text(q, "country", 2, &f->country_text, err) != 0 ||
        sgw_query_time(q, "since", &f->since, &f->has_since, err) != 0 ||
        sgw_query_time(q, "until", &f->until, &f->has_until, err) != 0 ||
        sgw_query_enum(q, "channel", channels, NULL, &f->channel, err) != 0 ||
        sgw_query_enum(q, "status", statuses, NULL, &f->status, err) != 0 ||
        sgw_query_long(q, "min_reports", 0, 1000000000L, 0, &f->min_reports, err) != 0 ||
        sgw_query_text(q, "q", 200, &f->q, err) != 0 ||
        sgw_query_enum(q, "sort", sorts, "reports", &f->sort, err) != 0 ||
        sgw_query_enum(q, "order", orders, "desc", &f->order, err) != 0 ||
        sgw_query_long(q, "limit", 1, 500, 50, &f->limit, err) != 0)
        return -1;
    if (f->country_text != NULL && sgw_country_normalise(f->country_text, f->country) != 0)
        return sgw_error_set(err, "invalid_parameter", "country",
                             "country must be an ISO 3166-1 alpha-2 code such as US");
    if (f->has_since && f->has_until && f->since >= f->until)
        return sgw_error_set(err, "invalid_parameter", "until", "until must be after since");
    if (f->city_text != NULL) {
        f->has_city = 1;
        struct sgw_city c;
        if (strchr(f->city_text, '/') != NULL) /* already a key: "US/NY/new-york" */
            snprintf(f->city_key, sizeof f->city_key, "%s", f->city_text);
        else if (sgw_city_parse(f->city_text, f->country_text ? f->country : NULL, &c) == 0)
            snprintf(f->city_key, sizeof f->city_key, "%s", c.key);
        else
            f->city_unknown = 1;
    }
    return 0;
}

/* Hex hash of every filter, so a cursor only resumes the query that made it. */
static void
filters_hash(const struct filters *f, char *out, size_t outsz)
{
    char all[1024];
    snprintf(all, sizeof all, "%s|%s|%lld|%lld|%d%d|%s|%s|%ld|%s", f->city_key, f->country,
             (long long)f->since, (long long)f->until, f->has_since, f->has_until,
             f->channel ? f->channel : "", f->status ? f->status : "", f->min_reports,
             f->q ? f->q : "");
    snprintf(out, outsz, "%016llx", (unsigned long long)sgw_hash_pair("campaigns", all));
}

enum sgw_hresult
sgw_route_campaigns_list(struct sgw_request *req)
{
    struct sgw_query q;
    struct sgw_error err;
    struct filters f;
    char fhash[24];
    char cbuf[SGW_CURSOR_MAX];
    char *cf[7];
    int have_cursor;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    sgw_query_collect(req->conn, &q);
    if (parse(&q, &f, &err) != 0 ||
        sgw_page_cursor_read(&q, "campaigns", cf, 7, cbuf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    filters_hash(&f, fhash, sizeof fhash);
    if (have_cursor) {
        if (strcmp(cf[0], f.sort) != 0 || strcmp(cf[1], f.order) != 0 || strcmp(cf[2], fhash) != 0)
            return sgw_respond_error(req, 400, "invalid_cursor", "cursor",
                                     "cursor belongs to a list with other filters, sort or order "
                                     "(start again without it)");
        for (int i = 3; i < 7; i++) {
            if (!sgw_page_is_int(cf[i])) {
                sgw_page_cursor_refuse(&err);
                return sgw_respond_invalid(req, &err);
            }
        }
    }
    if (f.city_unknown)
        return sgw_page_answer_empty(req, "campaigns");

    struct sgw_page *p =
        sgw_page_new(req, stmts[f.has_city][index_of(sorts, f.sort)][index_of(orders, f.order)]);
    p->custom_plans = 1;
    p->name = "campaigns";
    p->limit = f.limit;
    p->head = SGW_PAGE_HEAD_ASOF;
    snprintf(p->kind, sizeof p->kind, "campaigns");
    sgw_page_cursor_field(p, f.sort);
    sgw_page_cursor_field(p, f.order);
    sgw_page_cursor_field(p, fhash);
    if (have_cursor) {
        sgw_page_param(p, 0, cf[3]);
        sgw_page_param(p, 1, cf[4]);
        sgw_page_param(p, 9, cf[5]);
        sgw_page_param(p, 10, cf[6]);
    }
    sgw_page_param(p, 2, f.status);
    sgw_page_param_ll(p, 3, f.min_reports);
    if (f.has_since)
        sgw_page_param_ll(p, 4, (long long)f.since);
    if (f.has_until)
        sgw_page_param_ll(p, 5, (long long)f.until);
    sgw_page_param(p, 6, f.country_text ? f.country : NULL);
    sgw_page_param(p, 7, f.channel);
    sgw_page_param(p, 8, f.q);
    sgw_page_param_ll(p, 11, f.limit + 1);
    if (f.has_city)
        sgw_page_param(p, 12, f.city_key);
    return sgw_page_submit(req);
}
