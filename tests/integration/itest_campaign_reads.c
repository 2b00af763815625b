/* Integration suite for the campaign read API: GET /v1/campaigns and the sub-resources of
 * /v1/campaigns/{id}, against a real PostgreSQL and a real `spamgw serve` whose cluster worker
 * assigns the reports posted here.
 *
 * The fixture builds known campaigns by posting reports (A: a parcel scam, 10 in New York and
 * 2 in Los Angeles from three senders; B: a loan scam over RCS, 6 in Los Angeles and 2 in New
 * York; C: a bank scam by iMessage in Shenzhen; two campaigns bridged by a shared domain so
 * that one is merged into the other), D, inserted with old ingest times so that its growth
 * is negative, and F, three days old, whose growth is 0. Then:
 *   list      filters (city by any spelling or key, country, channel, status, since/until,
 *             min_reports, q), each sort and order, growth numbers, city counts and share,
 *             and no reporter anywhere
 *   parts     senders, cities, indicators, reports (paged), timeline; merged id; 404, 400
 *   errors    every 400 of the list: unknown parameter, bad sort/order/date/limit/cursor ...
 *   walk      limit=7 pages while reports keep arriving (new campaigns and growth of one
 *             already seen): every campaign live at the first page exactly once, none newer */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/http/query.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/server.h"
#include "tests/support/sgwt_check.h"
#include "tests/support/suite.h"

static struct sgwt_db g_db;
static struct sgwt_server g_srv;
static char g_reporter[256], g_analyst[256];
static long long g_a, g_b, g_c, g_d, g_f, g_merged, g_survivor;

/* ---- helpers ---- */

static long long
scalar(const char *sql)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    long long v = c ? sgwt_db_count(c, sql, NULL) : -1;
    if (c)
        PQfinish(c);
    return v;
}

static int
exec_sql(const char *sql)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    PGresult *r = c ? sgwt_db_query(c, sql, NULL) : NULL;
    int rc = r ? 0 : -1;
    PQclear(r);
    if (c)
        PQfinish(c);
    return rc;
}

static int
wait_caught_up(int timeout_ms)
{
    long long t0 = sgwt_now_ms();
    while (sgwt_now_ms() - t0 < timeout_ms) {
        if (scalar(SGWT_CLUSTER_CAUGHT_UP_SQL) == 1)
            return 0;
        sgwt_sleep_ms(50);
    }
    return -1;
}

static void
post(const char *content, const char *sender, const char *city, const char *country,
     const char *channel, int reporter)
{
    json_t *o = json_pack("{s:s}", "content", content);
    char rep[32];
    if (sender)
        json_object_set_new(o, "sender", json_string(sender));
    if (city)
        json_object_set_new(o, "city", json_string(city));
    if (country)
        json_object_set_new(o, "country", json_string(country));
    if (channel)
        json_object_set_new(o, "channel", json_string(channel));
    if (reporter > 0) {
        snprintf(rep, sizeof rep, "+1646555%04d", reporter);
        json_object_set_new(o, "reporter", json_string(rep));
    }
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(sgwt_http_post_json(g_srv.port, "/v1/reports", g_reporter, body, NULL, &r), &r,
                     202, &g_srv);
    sgwt_response_fini(&r);
    free(body);
}

/* GET path with the analyst key; the body as JSON (caller decrefs). */
static json_t *
get_json(const char *path, int want)
{
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_analyst);
    const char *h[] = {auth, NULL};
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(sgwt_http_request(g_srv.port, "GET", path, h, NULL, 0, &r), &r, want, &g_srv);
    /* Never a reporter's number or pseudonym in any read. */
    ck_assert_msg(strstr(r.body, "+1646555") == NULL, "%s shows a reporter number", path);
    ck_assert_msg(strstr(r.body, "pseudonym") == NULL, "%s shows a pseudonym", path);
    json_t *j = sgwt_response_json(&r);
    ck_assert_msg(j != NULL, "%s: not JSON: %s", path, r.body);
    sgwt_response_fini(&r);
    return j;
}

static void
expect_error(const char *path, int status, const char *code, const char *field)
{
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_analyst);
    const char *h[] = {auth, NULL};
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(sgwt_http_request(g_srv.port, "GET", path, h, NULL, 0, &r), &r, status,
                     &g_srv);
    sgwt_assert_error_body(&r, code, field);
    sgwt_response_fini(&r);
}

static json_t *
items(json_t *doc, const char *name)
{
    json_t *a = json_object_get(doc, name);
    ck_assert_msg(json_is_array(a), "no array %s", name);
    return a;
}

static long long
num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_integer(v), "member %s is not an integer", k);
    return json_integer_value(v);
}

static double
real(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_number(v), "member %s is not a number", k);
    return json_number_value(v);
}

static const char *
str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_string(v), "member %s is not a string", k);
    return json_string_value(v);
}

/* Index of the campaign with that id in the list, -1 when absent. */
static int
find(json_t *list, long long id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (num(v, "id") == id)
            return (int)i;
    }
    return -1;
}

/* A text of 14 words drawn by seed from a list: unrelated seeds share almost no shingle. */
static void
random_text(unsigned seed, char *out, size_t outsz)
{
    static const char *const words[] = {
        "amber",  "bishop",  "canyon", "dollar", "ember",   "falcon",  "garnet", "harbor",
        "island", "jasper",  "kettle", "lumber", "marble",  "nectar",  "orchid", "pepper",
        "quartz", "ribbon",  "saddle", "timber", "umbra",   "velvet",  "walnut", "yonder",
        "zephyr", "anchor",  "breeze", "cobalt", "drizzle", "eclipse", "fennel", "glacier",
        "hollow", "indigo",  "jungle", "kernel", "lantern", "meadow",  "nimbus", "oyster",
        "pebble", "quiver",  "raven",  "sierra", "tundra",  "upland",  "vortex", "willow",
        "yarrow", "zenith",  "basil",  "cedar",  "dune",    "fjord",   "grove",  "heron",
        "ivory",  "juniper", "kelp",   "lotus",  "mango",   "nutmeg",  "olive",  "prism"};
    size_t n = sizeof words / sizeof words[0], o = 0;
    unsigned s = seed * 2654435761u + 12345u;
    for (int w = 0; w < 14; w++) {
        s = s * 1103515245u + 12345u;
        o += (size_t)snprintf(out + o, outsz - o, "%s%s", w ? " " : "", words[(s >> 8) % n]);
    }
    snprintf(out + o, outsz - o, " claim at hxxp://prize%u.top/c", seed);
}

/* ---- fixture ---- */

static void
setup(void)
{
    char text[512];
    const char *extra[] = {"--cluster-chunk", "50", NULL};
    ck_assert_msg(sgwt_db_fresh(&g_db, "campaign_reads") == 0, "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(g_db.url, "reporter", "cr-rep", g_reporter, sizeof g_reporter) ==
                      0,
                  "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(g_db.url, "analyst", "cr-an", g_analyst, sizeof g_analyst) == 0,
                  "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_server_start(&g_srv, "campaign-reads", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());

    /* D first, with old ingest times: three reports 30 hours ago, one now. */
    ck_assert_int_eq(
        exec_sql("INSERT INTO reports (ingested_at, channel, sender, sender_kind, content, city,"
                 " country, source) SELECT now() - interval '30 hours', 'call', '+13125550199',"
                 " 'phone', 'IRS final notice: your tax refund is suspended, call back now to"
                 " avoid arrest ' || g, 'Chicago', 'US', 'api' FROM generate_series(1, 3) g"),
        0);
    for (int i = 0; i < 10; i++) {
        snprintf(text, sizeof text,
                 "USPS: your parcel %d is held at the depot, pay the redelivery fee at"
                 " hxxp://parcel-fee.top/p",
                 i);
        char sender[32];
        snprintf(sender, sizeof sender, "+1 212 555 010%d", i % 3);
        post(text, sender, i % 2 ? "NYC" : "new york, ny", "US", NULL, 100 + i);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(text, sizeof text,
                 "USPS: your parcel %d is held at the depot, pay the redelivery fee at"
                 " hxxp://parcel-fee.top/p",
                 20 + i);
        post(text, "+1 212 555 0100", "Los Angeles", "US", NULL, 200 + i);
    }
    for (int i = 0; i < 8; i++) {
        snprintf(text, sizeof text,
                 "Congratulations, your loan %d is approved! Reply YES to claim the cash today"
                 " at beta-loans.xyz",
                 i);
        post(text, "+1 310 555 0150", i < 6 ? "Los Angeles" : "New York", "US", "rcs", 300 + i);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(text, sizeof text,
                 "您的银行账户已被冻结，请立即登录 hxxp://bank-verify.cn/%d 验证身份以免停用", i);
        post(text, "Fake.Bank@iCloud.com", "深圳", "CN", "imessage", 400 + i);
    }
    /* Two campaigns, then a report that carries both domains: they merge. */
    for (int i = 0; i < 3; i++) {
        snprintf(text, sizeof text,
                 "Amazon security alert %d: an order of an iPhone was placed, cancel at"
                 " hxxp://amz-cancel.top/o",
                 i);
        post(text, "+1 718 555 0300", "Chicago", "US", NULL, 500 + i);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(text, sizeof text,
                 "Netflix: payment %d declined, your membership ends today unless you update"
                 " it at hxxp://nflx-billing.top/u",
                 i);
        post(text, "+1 718 555 0301", "Chicago", "US", NULL, 600 + i);
    }
    ck_assert_msg(wait_caught_up(20000) == 0, "the worker did not assign the first reports");
    post("Amazon security alert 9: an order of an iPhone was placed, cancel at"
         " hxxp://amz-cancel.top/o or nflx-billing.top",
         "+1 718 555 0300", "Chicago", "US", NULL, 700);
    /* And D's report of now. */
    ck_assert_int_eq(
        exec_sql("INSERT INTO reports (ingested_at, channel, sender, sender_kind, content, city,"
                 " country, source) VALUES (now(), 'call', '+13125550199', 'phone', 'IRS final"
                 " notice: your tax refund is suspended, call back now to avoid arrest 9',"
                 " 'Chicago', 'US', 'api')"),
        0);
    /* F: two reports three days ago. */
    ck_assert_int_eq(
        exec_sql("INSERT INTO reports (ingested_at, channel, sender_kind, content, city, country,"
                 " source) SELECT now() - interval '72 hours', 'other', 'unknown', 'Apple ID"
                 " locked for security reasons, unlock within 24h or lose your photos ' || g,"
                 " 'Chicago', 'US', 'api' FROM generate_series(1, 2) g"),
        0);
    ck_assert_msg(wait_caught_up(20000) == 0, "the worker did not assign every report");
    g_f = scalar("SELECT min(id) FROM reports WHERE channel = 'other'");

    g_d = scalar("SELECT min(id) FROM reports WHERE channel = 'call'");
    g_a = scalar("SELECT coalesce(c.merged_into, c.id) FROM report_assignments a JOIN campaigns c"
                 " ON c.id = a.campaign_id WHERE a.report_id = (SELECT min(id) FROM reports"
                 " WHERE content LIKE 'USPS%')");
    g_b = scalar("SELECT coalesce(c.merged_into, c.id) FROM report_assignments a JOIN campaigns c"
                 " ON c.id = a.campaign_id WHERE a.report_id = (SELECT min(id) FROM reports"
                 " WHERE content LIKE 'Congrat%')");
    g_c = scalar("SELECT coalesce(c.merged_into, c.id) FROM report_assignments a JOIN campaigns c"
                 " ON c.id = a.campaign_id WHERE a.report_id = (SELECT min(id) FROM reports"
                 " WHERE country = 'CN')");
    g_merged = scalar("SELECT coalesce(min(old_id), 0) FROM campaign_merges");
    g_survivor = scalar("SELECT coalesce(min(survivor), 0) FROM campaign_merges");
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaigns WHERE merged_into IS NULL"), 6);
    ck_assert_int_gt(g_merged, 0);
    ck_assert_int_eq(scalar("SELECT reports FROM campaigns WHERE id = (SELECT min(id) FROM"
                            " reports WHERE content LIKE 'USPS%')"),
                     12);
}

static void
teardown(void)
{
    sgwt_server_stop(&g_srv, NULL);
    sgwt_server_remove_log(&g_srv);
    sgwt_db_drop(&g_db);
}

/* ---- the list ---- */

START_TEST(test_list_default_and_sorts)
{
    json_t *doc = get_json("/v1/campaigns", 200);
    json_t *list = items(doc, "campaigns");
    ck_assert_int_eq(json_array_size(list), 6);
    ck_assert(json_is_null(json_object_get(doc, "next_cursor")));
    ck_assert_int_eq(find(list, g_merged), -1); /* merged campaigns never appear */
    ck_assert_int_eq(find(list, g_a), 0);       /* 12 reports: the most */
    json_t *a = json_array_get(list, 0);
    ck_assert_int_eq(num(a, "reports"), 12);
    ck_assert_int_eq(num(a, "reporters"), 12);
    ck_assert_int_eq(num(a, "senders"), 3);
    ck_assert_str_eq(str(a, "status"), "open");
    ck_assert(strlen(str(a, "first_seen")) >= 20 && str(a, "first_seen")[19] != '+');
    ck_assert(str(a, "last_seen")[strlen(str(a, "last_seen")) - 1] == 'Z');
    ck_assert_int_gt(num(a, "sender_cluster_id"), 0);
    ck_assert(strstr(str(a, "sample"), "USPS: your parcel") != NULL);
    json_t *g = json_object_get(a, "growth");
    ck_assert_int_eq(num(g, "last_24h"), 12);
    ck_assert_int_eq(num(g, "previous_24h"), 0);
    json_t *tc = json_object_get(a, "top_cities");
    ck_assert_int_eq(json_array_size(tc), 2);
    ck_assert_str_eq(str(json_array_get(tc, 0), "key"), "US/NY/new-york");
    ck_assert_str_eq(str(json_array_get(tc, 0), "name"), "New York, NY");
    ck_assert_int_eq(num(json_array_get(tc, 0), "reports"), 10);
    ck_assert_double_eq_tol(real(json_array_get(tc, 0), "share"), 10.0 / 12, 0.0001);
    ck_assert_str_eq(str(json_array_get(tc, 1), "key"), "US/CA/los-angeles");
    ck_assert(json_object_get(a, "city_share") == NULL);
    /* Default order: reports descending, then id descending. */
    for (size_t i = 1; i < json_array_size(list); i++) {
        json_t *p = json_array_get(list, i - 1), *q = json_array_get(list, i);
        ck_assert(num(p, "reports") > num(q, "reports") ||
                  (num(p, "reports") == num(q, "reports") && num(p, "id") > num(q, "id")));
    }
    json_decref(doc);

    /* Every sort in both orders is ordered on its value, then id. */
    static const char *const sorts[] = {"reports", "reporters", "last_seen", "growth"};
    for (size_t s = 0; s < 4; s++) {
        for (int asc = 0; asc < 2; asc++) {
            char path[128];
            snprintf(path, sizeof path, "/v1/campaigns?sort=%s&order=%s", sorts[s],
                     asc ? "asc" : "desc");
            doc = get_json(path, 200);
            list = items(doc, "campaigns");
            ck_assert_int_eq(json_array_size(list), 6);
            for (size_t i = 1; i < json_array_size(list); i++) {
                json_t *p = json_array_get(list, i - 1), *q = json_array_get(list, i);
                int c;
                if (s == 2) {
                    c = strcmp(str(p, "last_seen"), str(q, "last_seen"));
                } else if (s == 3) {
                    json_t *gp = json_object_get(p, "growth"), *gq = json_object_get(q, "growth");
                    long long x = num(gp, "last_24h") - num(gp, "previous_24h");
                    long long y = num(gq, "last_24h") - num(gq, "previous_24h");
                    c = (x > y) - (x < y);
                } else {
                    long long x = num(p, sorts[s]), y = num(q, sorts[s]);
                    c = (x > y) - (x < y);
                }
                if (c == 0)
                    c = num(p, "id") > num(q, "id") ? 1 : -1;
                ck_assert_msg(asc ? c < 0 : c > 0, "%s: items %zu and %zu out of order", path,
                              i - 1, i);
            }
            if (s == 3) {
                /* D: three reports 30 hours ago, one now: growth -2, last when descending;
                 * F, nothing in 48 hours: 0, just before it. */
                json_t *last = json_array_get(list, asc ? 0 : 5);
                json_t *zero = json_array_get(list, asc ? 1 : 4);
                ck_assert_int_eq(num(zero, "id"), g_f);
                ck_assert_int_eq(num(json_object_get(zero, "growth"), "last_24h"), 0);
                ck_assert_int_eq(num(json_object_get(zero, "growth"), "previous_24h"), 0);
                ck_assert_int_eq(num(last, "id"), g_d);
                ck_assert_int_eq(num(json_object_get(last, "growth"), "last_24h"), 1);
                ck_assert_int_eq(num(json_object_get(last, "growth"), "previous_24h"), 3);
                ck_assert_int_eq(num(json_array_get(list, asc ? 5 : 0), "id"), g_a);
            }
            json_decref(doc);
        }
    }

    /* Walking any sort two at a time gives the whole list in the same order. */
    for (size_t s = 0; s < 4; s++) {
        for (int asc = 0; asc < 2; asc++) {
            char path[1024], cursor[600] = "";
            snprintf(path, sizeof path, "/v1/campaigns?sort=%s&order=%s", sorts[s],
                     asc ? "asc" : "desc");
            json_t *all = get_json(path, 200);
            size_t n = 0;
            for (int page = 0; page < 10; page++) {
                snprintf(path, sizeof path, "/v1/campaigns?sort=%s&order=%s&limit=2%s%s", sorts[s],
                         asc ? "asc" : "desc", cursor[0] ? "&cursor=" : "", cursor);
                doc = get_json(path, 200);
                size_t i;
                json_t *v;
                json_array_foreach(items(doc, "campaigns"), i, v)
                {
                    ck_assert_uint_lt(n, 6);
                    ck_assert_int_eq(num(v, "id"),
                                     num(json_array_get(items(all, "campaigns"), n), "id"));
                    n++;
                }
                json_t *nc = json_object_get(doc, "next_cursor");
                snprintf(cursor, sizeof cursor, "%s",
                         json_is_string(nc) ? json_string_value(nc) : "");
                json_decref(doc);
                if (!cursor[0])
                    break;
            }
            ck_assert_uint_eq(n, 6);
            json_decref(all);
        }
    }
}
END_TEST

START_TEST(test_list_filters)
{
    /* City by name, abbreviation, "city, state" and key: counts in that city and city_share. */
    static const char *const ny[] = {"New%20York", "NYC", "new%20york,%20ny", "US/NY/new-york"};
    for (size_t i = 0; i < 4; i++) {
        char path[160];
        snprintf(path, sizeof path, "/v1/campaigns?city=%s&since=2020-01-01&sort=reports", ny[i]);
        json_t *doc = get_json(path, 200);
        json_t *list = items(doc, "campaigns");
        ck_assert_int_eq(json_array_size(list), 2);
        json_t *a = json_array_get(list, 0), *b = json_array_get(list, 1);
        ck_assert_int_eq(num(a, "id"), g_a);
        ck_assert_int_eq(num(a, "reports"), 10);
        ck_assert_double_eq_tol(real(a, "city_share"), 10.0 / 12, 0.0001);
        ck_assert_int_eq(num(b, "id"), g_b);
        ck_assert_int_eq(num(b, "reports"), 2);
        ck_assert_double_eq_tol(real(b, "city_share"), 2.0 / 12, 0.0001);
        json_decref(doc);
    }
    json_t *doc = get_json("/v1/campaigns?city=Los%20Angeles&sort=reports&order=asc", 200);
    json_t *list = items(doc, "campaigns");
    ck_assert_int_eq(json_array_size(list), 2);
    ck_assert_int_eq(num(json_array_get(list, 0), "id"), g_a);
    ck_assert_double_eq_tol(real(json_array_get(list, 0), "city_share"), 0.25, 0.0001);
    json_decref(doc);
    /* An unknown city is an empty list, not an error. */
    doc = get_json("/v1/campaigns?city=Atlantis", 200);
    ck_assert_int_eq(json_array_size(items(doc, "campaigns")), 0);
    json_decref(doc);

    struct {
        const char *query;
        long long want[5];
    } cases[] = {
        {"country=CN", {g_c, -1}},
        {"country=cn", {g_c, -1}},
        {"channel=rcs", {g_b, -1}},
        {"channel=imessage", {g_c, -1}},
        {"channel=call", {g_d, -1}},
        {"channel=other", {g_f, -1}},
        {"channel=mms", {-1}},
        {"min_reports=8", {g_a, g_b, -1}},
        {"q=parcel", {g_a, -1}},
        {"q=IS%20APPROVED", {g_b, -1}},
        {"q=%25", {-1}}, /* a literal %, not a wildcard */
        {"q=%E5%86%BB%E7%BB%93", {g_c, -1}},
        {"status=open&country=CN", {g_c, -1}},
        {"status=blocked", {-1}},
        {"since=2099-01-01", {-1}},
        {"until=2000-01-01", {-1}},
        {"channel=sms&city=Los%20Angeles", {g_a, -1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[200];
        snprintf(path, sizeof path, "/v1/campaigns?%s", cases[i].query);
        doc = get_json(path, 200);
        list = items(doc, "campaigns");
        size_t n = 0;
        while (cases[i].want[n] != -1)
            n++;
        ck_assert_msg(json_array_size(list) == n, "%s: %zu campaigns, want %zu", path,
                      json_array_size(list), n);
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(find(list, cases[i].want[k]) >= 0, "%s: campaign %lld missing", path,
                          cases[i].want[k]);
        json_decref(doc);
    }

    /* until: D began 30 hours ago, everything else now. */
    char path[200], t[40];
    sgwt_rfc3339_offset(-24 * 3600, t, sizeof t);
    snprintf(path, sizeof path, "/v1/campaigns?until=%s", t);
    doc = get_json(path, 200);
    list = items(doc, "campaigns");
    ck_assert_int_eq(json_array_size(list), 2); /* D and F */
    ck_assert(find(list, g_d) >= 0 && find(list, g_f) >= 0);
    json_decref(doc);
    snprintf(path, sizeof path, "/v1/campaigns?since=%s", t);
    doc = get_json(path, 200);
    ck_assert_int_eq(json_array_size(items(doc, "campaigns")), 5); /* D was seen now, F not */
    json_decref(doc);

    /* Status: set by analysts elsewhere; here by hand. */
    ck_assert_int_eq(exec_sql("UPDATE campaigns SET status = 'confirmed' WHERE id = (SELECT"
                              " min(id) FROM reports WHERE country = 'CN')"),
                     0);
    doc = get_json("/v1/campaigns?status=confirmed", 200);
    list = items(doc, "campaigns");
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_str_eq(str(json_array_get(list, 0), "status"), "confirmed");
    json_decref(doc);
    ck_assert_int_eq(exec_sql("UPDATE campaigns SET status = 'open' WHERE status = 'confirmed'"),
                     0);
}
END_TEST

START_TEST(test_list_errors)
{
    expect_error("/v1/campaigns?citty=NYC", 400, "unknown_parameter", "citty");
    expect_error("/v1/campaigns?sort=size", 400, "invalid_parameter", "sort");
    expect_error("/v1/campaigns?order=up", 400, "invalid_parameter", "order");
    expect_error("/v1/campaigns?since=yesterday", 400, "invalid_parameter", "since");
    expect_error("/v1/campaigns?until=2026-02-30", 400, "invalid_parameter", "until");
    expect_error("/v1/campaigns?since=2026-11-02&until=2026-11-01", 400, "invalid_parameter",
                 "until");
    expect_error("/v1/campaigns?limit=0", 400, "invalid_parameter", "limit");
    expect_error("/v1/campaigns?limit=501", 400, "invalid_parameter", "limit");
    expect_error("/v1/campaigns?limit=ten", 400, "invalid_parameter", "limit");
    expect_error("/v1/campaigns?min_reports=-1", 400, "invalid_parameter", "min_reports");
    expect_error("/v1/campaigns?country=XX", 400, "invalid_parameter", "country");
    expect_error("/v1/campaigns?country=USA", 400, "invalid_parameter", "country");
    expect_error("/v1/campaigns?channel=fax", 400, "invalid_parameter", "channel");
    expect_error("/v1/campaigns?status=merged", 400, "invalid_parameter", "status");
    expect_error("/v1/campaigns?q=", 400, "invalid_parameter", "q");
    expect_error("/v1/campaigns?limit=1&limit=2", 400, "invalid_parameter", "limit");
    expect_error("/v1/campaigns?cursor=garbage", 400, "invalid_cursor", "cursor");
    expect_error("/v1/campaigns?cursor=", 400, "invalid_cursor", "cursor");

    /* A real cursor, used with another sort, other filters, or tampered with. */
    json_t *doc = get_json("/v1/campaigns?limit=2", 200);
    const char *cur = str(doc, "next_cursor");
    char path[1024];
    snprintf(path, sizeof path, "/v1/campaigns?limit=2&cursor=%s", cur);
    json_t *next = get_json(path, 200);
    ck_assert_int_eq(json_array_size(items(next, "campaigns")), 2);
    json_decref(next);
    snprintf(path, sizeof path, "/v1/campaigns?limit=2&sort=reporters&cursor=%s", cur);
    expect_error(path, 400, "invalid_cursor", "cursor");
    snprintf(path, sizeof path, "/v1/campaigns?limit=2&country=US&cursor=%s", cur);
    expect_error(path, 400, "invalid_cursor", "cursor");
    snprintf(path, sizeof path, "/v1/campaigns?limit=2&cursor=%s", cur);
    char *p = strstr(path, "cursor=") + 10;
    *p = *p == 'A' ? 'B' : 'A';
    expect_error(path, 400, "invalid_cursor", "cursor");
    /* The same cursor re-encoded with a row field no statement can take. */
    char cbuf[SGW_CURSOR_MAX], forged[SGW_CURSOR_MAX];
    char *cf[7];
    struct sgw_error cerr;
    ck_assert_int_eq(sgw_cursor_decode("campaigns", cur, cf, 7, cbuf, sizeof cbuf, &cerr), 0);
    static const char *const bad_fields[] = {"12x", "1234567890123456789", "", "+1"};
    for (int i = 3; i < 7; i++) {
        for (size_t v = 0; v < sizeof bad_fields / sizeof bad_fields[0]; v++) {
            const char *f[7];
            for (int j = 0; j < 7; j++)
                f[j] = j == i ? bad_fields[v] : cf[j];
            ck_assert_int_eq(sgw_cursor_encode("campaigns", f, 7, forged, sizeof forged), 0);
            snprintf(path, sizeof path, "/v1/campaigns?limit=2&cursor=%s", forged);
            expect_error(path, 400, "invalid_cursor", "cursor");
        }
    }
    /* The list's cursor is not a sub-resource's. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/senders?cursor=%s", g_a, cur);
    expect_error(path, 400, "invalid_cursor", "cursor");
    json_decref(doc);

    /* Roles. */
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_reporter);
    const char *h[] = {auth, NULL};
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(sgwt_http_request(g_srv.port, "GET", "/v1/campaigns", h, NULL, 0, &r), &r, 403,
                     &g_srv);
    sgwt_assert_error_body(&r, "forbidden", NULL);
    sgwt_response_fini(&r);
    SGWT_ASSERT_HTTP(
        sgwt_http_request(g_srv.port, "GET", "/v1/campaigns/1/cities", NULL, NULL, 0, &r), &r, 401,
        &g_srv);
    sgwt_response_fini(&r);
}
END_TEST

/* ---- sub-resources ---- */

START_TEST(test_parts)
{
    char path[1024];

    snprintf(path, sizeof path, "/v1/campaigns/%lld/senders", g_a);
    json_t *doc = get_json(path, 200);
    ck_assert_int_eq(num(doc, "campaign_id"), g_a);
    ck_assert(json_is_null(json_object_get(doc, "merged_from")));
    json_t *list = items(doc, "senders");
    ck_assert_int_eq(json_array_size(list), 3);
    long long total = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        ck_assert(strncmp(str(v, "sender"), "+121255501", 10) == 0);
        ck_assert_str_eq(str(v, "kind"), "phone");
        ck_assert_int_gt(num(v, "sender_cluster_id"), 0);
        ck_assert(str(v, "first_seen")[0] == '2' && str(v, "last_seen")[0] == '2');
        total += num(v, "reports");
    }
    ck_assert_int_eq(total, 12);
    /* +12125550100: 4 of the ten, and both Los Angeles ones. */
    ck_assert_str_eq(str(json_array_get(list, 0), "sender"), "+12125550100");
    ck_assert_int_eq(num(json_array_get(list, 0), "reports"), 6);
    json_decref(doc);

    /* Paged: two, then the rest with the cursor. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/senders?limit=2", g_a);
    doc = get_json(path, 200);
    ck_assert_int_eq(json_array_size(items(doc, "senders")), 2);
    snprintf(path, sizeof path, "/v1/campaigns/%lld/senders?limit=2&cursor=%s", g_a,
             str(doc, "next_cursor"));
    json_t *p2 = get_json(path, 200);
    ck_assert_int_eq(json_array_size(items(p2, "senders")), 1);
    ck_assert(json_is_null(json_object_get(p2, "next_cursor")));
    ck_assert_str_ne(str(json_array_get(items(p2, "senders"), 0), "sender"),
                     str(json_array_get(items(doc, "senders"), 0), "sender"));
    json_decref(p2);
    /* A cursor of one campaign is refused for another. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/senders?cursor=%s", g_b,
             str(doc, "next_cursor"));
    expect_error(path, 400, "invalid_cursor", "cursor");
    json_decref(doc);

    /* Cities: share of the campaign and of the city. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/cities", g_b);
    doc = get_json(path, 200);
    list = items(doc, "cities");
    ck_assert_int_eq(json_array_size(list), 2);
    json_t *la = json_array_get(list, 0), *nyc = json_array_get(list, 1);
    ck_assert_str_eq(str(la, "key"), "US/CA/los-angeles");
    ck_assert_str_eq(str(la, "name"), "Los Angeles, CA");
    ck_assert_int_eq(num(la, "reports"), 6);
    ck_assert_int_eq(num(la, "city_reports"), 8);
    ck_assert_double_eq_tol(real(la, "campaign_share"), 0.75, 0.0001);
    ck_assert_double_eq_tol(real(la, "city_share"), 0.75, 0.0001);
    ck_assert_str_eq(str(nyc, "key"), "US/NY/new-york");
    ck_assert_double_eq_tol(real(nyc, "campaign_share"), 0.25, 0.0001);
    ck_assert_double_eq_tol(real(nyc, "city_share"), 2.0 / 12, 0.0001);
    json_decref(doc);

    /* Indicators with counts. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/indicators", g_a);
    doc = get_json(path, 200);
    list = items(doc, "indicators");
    int found = 0;
    json_array_foreach(list, i, v)
    {
        if (strcmp(str(v, "indicator"), "domain:parcel-fee.top") == 0) {
            found = 1;
            ck_assert_str_eq(str(v, "type"), "domain");
            ck_assert_str_eq(str(v, "value"), "parcel-fee.top");
            ck_assert_int_eq(num(v, "reports"), 12);
            ck_assert(json_is_true(json_object_get(v, "strong")));
        }
    }
    ck_assert_msg(found, "domain:parcel-fee.top not among A's indicators");
    json_decref(doc);

    /* Reports, newest first, in pages of 5: all 12, no reporter. */
    long long seen = 0, last = 0;
    char cursor[600] = "";
    for (int page = 0; page < 10; page++) {
        if (cursor[0])
            snprintf(path, sizeof path, "/v1/campaigns/%lld/reports?limit=5&cursor=%s", g_a,
                     cursor);
        else
            snprintf(path, sizeof path, "/v1/campaigns/%lld/reports?limit=5", g_a);
        doc = get_json(path, 200);
        list = items(doc, "reports");
        json_array_foreach(list, i, v)
        {
            ck_assert(last == 0 || num(v, "id") < last);
            last = num(v, "id");
            ck_assert(strstr(str(v, "content"), "USPS") != NULL);
            ck_assert_str_eq(str(v, "channel"), "sms");
            ck_assert(json_object_get(v, "reporter") == NULL);
            ck_assert(json_object_get(v, "received_at") != NULL);
            ck_assert(json_object_get(v, "city") != NULL);
            seen++;
        }
        json_t *nc = json_object_get(doc, "next_cursor");
        if (json_is_null(nc)) {
            json_decref(doc);
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(nc));
        json_decref(doc);
    }
    ck_assert_int_eq(seen, 12);

    /* Timeline: D has reports in two hours, 30 hours apart. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/timeline", g_d);
    doc = get_json(path, 200);
    ck_assert_str_eq(str(doc, "bucket"), "hour");
    list = items(doc, "points");
    ck_assert_int_eq(json_array_size(list), 2);
    ck_assert_int_eq(num(json_array_get(list, 0), "reports"), 3);
    ck_assert_int_eq(num(json_array_get(list, 1), "reports"), 1);
    ck_assert(strcmp(str(json_array_get(list, 0), "start"), str(json_array_get(list, 1), "start")) <
              0);
    ck_assert(strstr(str(json_array_get(list, 0), "start"), ":00:00") != NULL);
    json_decref(doc);
    char t[40];
    sgwt_rfc3339_offset(-7200, t, sizeof t); /* after the 30-hour-old bucket, before now's */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/timeline?bucket=day&since=%s", g_d, t);
    doc = get_json(path, 200);
    list = items(doc, "points");
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_int_eq(num(json_array_get(list, 0), "reports"), 1);
    ck_assert(strstr(str(json_array_get(list, 0), "start"), "T00:00:00") != NULL);
    json_decref(doc);
    snprintf(path, sizeof path, "/v1/campaigns/%lld/timeline?bucket=day", g_a);
    doc = get_json(path, 200);
    total = 0;
    json_array_foreach(items(doc, "points"), i, v) total += num(v, "reports");
    ck_assert_int_eq(total, 12);
    json_decref(doc);

    /* A merged id answers for its survivor, including the merged campaign's reports. */
    long long survivor_reports =
        scalar("SELECT reports FROM campaigns WHERE merged_into IS NULL AND id ="
               " (SELECT min(survivor) FROM campaign_merges)");
    ck_assert_int_eq(survivor_reports, 7);
    static const char *const parts[] = {"senders", "cities", "indicators", "reports", "timeline"};
    for (size_t k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "/v1/campaigns/%lld/%s", g_merged, parts[k]);
        doc = get_json(path, 200);
        ck_assert_int_eq(num(doc, "campaign_id"), g_survivor);
        ck_assert_int_eq(num(doc, "merged_from"), g_merged);
        json_decref(doc);
    }
    snprintf(path, sizeof path, "/v1/campaigns/%lld/reports?limit=500", g_merged);
    doc = get_json(path, 200);
    ck_assert_int_eq(json_array_size(items(doc, "reports")), 7);
    json_decref(doc);
    snprintf(path, sizeof path, "/v1/campaigns/%lld/senders", g_merged);
    doc = get_json(path, 200);
    ck_assert_int_eq(json_array_size(items(doc, "senders")), 2);
    json_decref(doc);

    /* 404, 400. */
    static const char *const bad[] = {"senders", "cities", "indicators", "reports", "timeline"};
    for (size_t k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "/v1/campaigns/999999999/%s", bad[k]);
        expect_error(path, 404, "not_found", "id");
        snprintf(path, sizeof path, "/v1/campaigns/12ab/%s", bad[k]);
        expect_error(path, 400, "invalid_field", "id");
        snprintf(path, sizeof path, "/v1/campaigns/%lld/%s?sort=x", g_a, bad[k]);
        expect_error(path, 400, "unknown_parameter", "sort");
    }
    snprintf(path, sizeof path, "/v1/campaigns/%lld/timeline?bucket=week", g_a);
    expect_error(path, 400, "invalid_parameter", "bucket");
    snprintf(path, sizeof path, "/v1/campaigns/%lld/reports?limit=501", g_a);
    expect_error(path, 400, "invalid_parameter", "limit");
    snprintf(path, sizeof path, "/v1/campaigns/%lld/cities?cursor=abc", g_a);
    expect_error(path, 400, "invalid_cursor", "cursor");

    /* Cursors are checksummed, not signed: a well-formed one (made with the same encoder)
     * whose key no statement can take is still 400, never a database error. */
    static const char *const kinds[][2] = {{"campaign_senders", "senders"},
                                           {"campaign_reports", "reports"}};
    static const char *const bad_keys[] = {"9999999999999999999", "1x", "", "-"};
    char id[24], cur[SGW_CURSOR_MAX];
    snprintf(id, sizeof id, "%lld", g_a);
    for (size_t k = 0; k < 2; k++) {
        for (size_t v = 0; v < sizeof bad_keys / sizeof bad_keys[0]; v++) {
            const char *f[3] = {id, bad_keys[v], "x"};
            ck_assert_int_eq(sgw_cursor_encode(kinds[k][0], f, 3, cur, sizeof cur), 0);
            snprintf(path, sizeof path, "/v1/campaigns/%s/%s?cursor=%s", id, kinds[k][1], cur);
            expect_error(path, 400, "invalid_cursor", "cursor");
        }
    }
}
END_TEST

/* ---- a cursor walk while reports arrive ---- */

static atomic_int g_stop;

static long long
scalar_id_above(long long id)
{
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM campaigns WHERE id > %lld", id);
    return scalar(sql);
}

static atomic_int g_posted_new;

static void *
ingest(void *arg)
{
    (void)arg;
    char text[512];
    for (unsigned n = 0; !atomic_load(&g_stop) && n < 400; n++) {
        if (n % 2 == 0) {
            random_text(1000 + n, text, sizeof text); /* a new campaign of one report */
            post(text, NULL, "Chicago", "US", NULL, 0);
            atomic_fetch_add(&g_posted_new, 1);
        } else { /* A, already on the first page, grows */
            snprintf(text, sizeof text,
                     "USPS: your parcel %u is held at the depot, pay the redelivery fee at"
                     " hxxp://parcel-fee.top/p",
                     100 + n);
            post(text, "+1 212 555 0101", "NYC", "US", NULL, 0);
        }
        sgwt_sleep_ms(15);
    }
    return NULL;
}

START_TEST(test_walk_while_ingesting)
{
    char text[512];
    /* 30 more campaigns of 2 to 4 reports, so the walk has several pages. */
    for (unsigned t = 0; t < 30; t++) {
        random_text(t, text, sizeof text);
        for (unsigned k = 0; k < 2 + t % 3; k++)
            post(text, NULL, t % 2 ? "NYC" : "Chicago", "US", NULL, 0);
    }
    ck_assert_msg(wait_caught_up(30000) == 0, "the worker did not assign the templates");
    long long live = scalar("SELECT count(*) FROM campaigns WHERE merged_into IS NULL");
    ck_assert_int_eq(live, 36);
    long long max_id = scalar("SELECT max(id) FROM campaigns");

    long long *seen = calloc(1000, sizeof *seen);
    size_t nseen = 0;
    int pages = 0, pages_with_new = 0;
    char cursor[600] = "", path[1024];
    pthread_t th;
    atomic_store(&g_stop, 0);
    for (;;) {
        if (cursor[0])
            snprintf(path, sizeof path, "/v1/campaigns?limit=7&cursor=%s", cursor);
        else
            snprintf(path, sizeof path, "/v1/campaigns?limit=7");
        json_t *doc = get_json(path, 200);
        json_t *list = items(doc, "campaigns");
        size_t i;
        json_t *v;
        ck_assert(json_array_size(list) <= 7);
        json_array_foreach(list, i, v)
        {
            ck_assert(nseen < 1000);
            seen[nseen++] = num(v, "id");
        }
        /* Reports start arriving after the first page (taken with every campaign assigned, so
         * its as-of bound is max_id), and keep arriving between the pages. */
        if (pages == 0) {
            pthread_create(&th, NULL, ingest, NULL);
            /* Go on only once new campaigns exist: the rest of the walk must meet them. */
            long long t0 = sgwt_now_ms();
            while (scalar_id_above(max_id) == 0 && sgwt_now_ms() - t0 < 20000)
                sgwt_sleep_ms(20);
        } else if (scalar_id_above(max_id) > 0) {
            pages_with_new++;
        }
        pages++;
        json_t *nc = json_object_get(doc, "next_cursor");
        if (json_is_null(nc)) {
            json_decref(doc);
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(nc));
        json_decref(doc);
        ck_assert_int_lt(pages, 100);
        sgwt_sleep_ms(300);
    }
    atomic_store(&g_stop, 1);
    pthread_join(th, NULL);
    ck_assert_msg(wait_caught_up(30000) == 0, "the worker did not assign the concurrent reports");

    /* New campaigns appeared while the walk went on... */
    fprintf(stderr,
            "itest_campaign_reads: walk of %d pages, %zu campaigns, %d pages after new"
            " campaigns appeared\n",
            pages, nseen, pages_with_new);
    ck_assert_int_ge(pages, 5);
    ck_assert_int_ge(pages_with_new, 1);
    ck_assert_int_gt(scalar("SELECT count(*) FROM campaigns WHERE merged_into IS NULL"), live);
    /* ...yet the walk saw exactly the campaigns live at its first page, each once. */
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert(c != NULL);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT id FROM campaigns WHERE merged_into IS NULL AND id <= %lld ORDER BY id",
             max_id);
    PGresult *r = sgwt_db_query(c, sql, NULL);
    ck_assert(r != NULL);
    ck_assert_int_eq(PQntuples(r), live);
    ck_assert_uint_eq(nseen, (size_t)live);
    for (int k = 0; k < PQntuples(r); k++) {
        long long id = atoll(PQgetvalue(r, k, 0));
        int times = 0;
        for (size_t s = 0; s < nseen; s++)
            times += seen[s] == id;
        ck_assert_msg(times == 1, "campaign %lld seen %d times", id, times);
    }
    PQclear(r);
    PQfinish(c);
    free(seen);
}
END_TEST

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    Suite *s = suite_create("campaign_reads");
    TCase *tc = tcase_create("reads");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_list_default_and_sorts);
    tcase_add_test(tc, test_list_filters);
    tcase_add_test(tc, test_list_errors);
    tcase_add_test(tc, test_parts);
    tcase_add_test(tc, test_walk_while_ingesting);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
