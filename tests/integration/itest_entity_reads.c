/* Integration suite for the entity reads (GET /v1/sender-clusters, /v1/senders/{sender},
 * /v1/cities, /v1/stats), against real PostgreSQL and a real `spamgw serve` whose cluster
 * worker assigns the reports posted here.
 *
 * Three campaigns are posted: A (a parcel scam; one sender written four ways, a short code, an
 * e-mail address in two cases, an alphanumeric id; New York written three ways, 深圳 and
 * Chicago), B (a loan scam from Chinese numbers in Shenzhen and Los Angeles whose last report
 * names A's alphanumeric sender, so the two sender clusters merge) and C (a prize scam from 25
 * rotating numbers, for paging through a cluster's senders). Every answer is compared with
 * SQL over the base tables (reports, report_assignments, campaigns, ...), lists are walked
 * page by page with their cursors, and bad input must give the documented 400s and 404s. Five
 * small campaigns (D1..D5) in Houston give a city more campaigns than a page. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

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
static PGconn *g_pg;
static char g_reporter[256], g_analyst[256];

/* ---- helpers ---- */

static long long
sql_ll(const char *sql, const char *p1)
{
    const char *params[2] = {p1, NULL};
    long long v = sgwt_db_count(g_pg, sql, p1 ? params : NULL);
    ck_assert_msg(v >= 0, "query failed: %s: %s", sql, sgwt_errmsg());
    return v;
}

/* Newline-joined first column of every row, in order. Caller frees. */
static char *
sql_list(const char *sql, const char *p1)
{
    const char *params[2] = {p1, NULL};
    PGresult *r = sgwt_db_query(g_pg, sql, p1 ? params : NULL);
    ck_assert_msg(r != NULL, "query failed: %s: %s", sql, sgwt_errmsg());
    size_t cap = 16, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (int i = 0; i < PQntuples(r); i++) {
        const char *v = PQgetisnull(r, i, 0) ? "null" : PQgetvalue(r, i, 0);
        size_t n = strlen(v);
        while (len + n + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + len, v, n);
        len += n;
        out[len++] = '\n';
        out[len] = '\0';
    }
    PQclear(r);
    return out;
}

static void
post(const char *content, const char *sender, const char *city, const char *country)
{
    struct sgwt_response r;
    json_t *o = json_pack("{s:s}", "content", content);
    if (sender)
        json_object_set_new(o, "sender", json_string(sender));
    if (city)
        json_object_set_new(o, "city", json_string(city));
    if (country)
        json_object_set_new(o, "country", json_string(country));
    char *body = json_dumps(o, JSON_COMPACT);
    SGWT_ASSERT_HTTP(sgwt_http_post_json(g_srv.port, "/v1/reports", g_reporter, body, NULL, &r), &r,
                     202, &g_srv);
    sgwt_response_fini(&r);
    free(body);
    json_decref(o);
}

static void
wait_assigned(void)
{
    long long t0 = sgwt_now_ms();
    while (sgwt_now_ms() - t0 < 30000) {
        if (sgwt_db_count(g_pg, SGWT_CLUSTER_CAUGHT_UP_SQL, NULL) == 1)
            return;
        sgwt_sleep_ms(100);
    }
    ck_abort_msg("the cluster worker did not assign the reports");
}

/* GET with the analyst key (or key) that must answer want; returns the body as JSON (caller
 * decrefs) for 200, else checks the error code and field and returns NULL. */
static json_t *
get_as(const char *key, const char *path, int want, const char *code, const char *field)
{
    char auth[320];
    struct sgwt_response r;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key ? key : "");
    const char *h[] = {auth, NULL};
    SGWT_ASSERT_HTTP(sgwt_http_request(g_srv.port, "GET", path, key ? h : NULL, NULL, 0, &r), &r,
                     want, &g_srv);
    json_t *j = NULL;
    if (want == 200) {
        j = sgwt_response_json(&r);
        ck_assert_msg(j != NULL, "%s: body is not JSON: %s", path, r.body);
    } else if (code != NULL) {
        sgwt_assert_error_body(&r, code, field);
    }
    sgwt_response_fini(&r);
    return j;
}

static json_t *
get(const char *path)
{
    return get_as(g_analyst, path, 200, NULL, NULL);
}

static void
get_error(const char *path, int status, const char *code, const char *field)
{
    get_as(g_analyst, path, status, code, field);
}

static long long
jint(json_t *o, const char *path)
{
    json_t *v = o;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
    return json_integer_value(v);
}

static const char *
jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* Walks a list from base (which has a '?') page by page; returns the newline-joined values of
 * member key of every item (integers or strings) and the number of pages. Caller frees. */

/* A list page's items: every list names its collection ("cities", "campaigns", ...). */
static json_t *
page_items(json_t *j)
{
    static const char *const names[] = {"cities", "campaigns", "sender_clusters", "senders"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        json_t *a = json_object_get(j, names[k]);
        if (json_is_array(a))
            return a;
    }
    return NULL;
}

static char *
walk(const char *base, const char *key, int *pages)
{
    char path[1024], cursor[600] = "";
    size_t cap = 64, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    *pages = 0;
    for (;;) {
        snprintf(path, sizeof path, "%s%s%s", base, cursor[0] ? "&cursor=" : "", cursor);
        json_t *j = get(path);
        json_t *items = page_items(j), *it;
        size_t i;
        ck_assert(json_is_array(items));
        (*pages)++;
        json_array_foreach(items, i, it)
        {
            char v[256];
            json_t *x = json_object_get(it, key);
            if (json_is_integer(x))
                snprintf(v, sizeof v, "%lld", (long long)json_integer_value(x));
            else
                snprintf(v, sizeof v, "%s", json_string_value(x));
            while (len + strlen(v) + 2 > cap)
                out = realloc(out, cap *= 2);
            len += (size_t)sprintf(out + len, "%s\n", v);
        }
        json_t *next = json_object_get(j, "next_cursor");
        ck_assert(json_is_null(next) || json_is_string(next));
        if (json_is_null(next)) {
            json_decref(j);
            break;
        }
        ck_assert_msg(json_array_size(items) > 0, "a page with a cursor but no items");
        snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        json_decref(j);
        ck_assert_int_lt(*pages, 100);
    }
    return out;
}

static void
assert_walk(const char *base, const char *key, const char *sql, const char *p1, int min_pages)
{
    int pages;
    char *got = walk(base, key, &pages), *want = sql_list(sql, p1);
    ck_assert_msg(strcmp(got, want) == 0, "%s: walked\n%s\nSQL says\n%s", base, got, want);
    ck_assert_msg(pages >= min_pages, "%s: only %d pages", base, pages);
    free(got);
    free(want);
}

/* ---- fixture ---- */

static void
setup(void)
{
    const char *extra[] = {"--cluster", "auto", NULL};
    memset(&g_srv, 0, sizeof g_srv);
    ck_assert_msg(sgwt_db_fresh(&g_db, "entity_reads") == 0, "%s", sgwt_errmsg());
    ck_assert_msg(
        sgwt_key_create(g_db.url, "reporter", "er-reporter", g_reporter, sizeof g_reporter) == 0,
        "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(g_db.url, "analyst", "er-analyst", g_analyst, sizeof g_analyst) ==
                      0,
                  "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_server_start(&g_srv, "entity-reads", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    g_pg = sgwt_db_connect(g_db.url);
    ck_assert(g_pg != NULL);

    /* Campaign A. */
    static const char *const a_senders[] = {"+12125550100",
                                            "(212) 555-0100",
                                            "212.555.0100",
                                            "+1 212 555 0100",
                                            "+12125550101",
                                            "+1 (212) 555-0101",
                                            "80085",
                                            "80085",
                                            "Fake.Bank@iCloud.com",
                                            "fake.bank@icloud.com",
                                            "FAKE.BANK@ICLOUD.COM",
                                            "PayPal"};
    static const char *const a_cities[][2] = {{"New York", "US"},
                                              {"NYC", "US"},
                                              {"new york, ny", "US"},
                                              {"深圳", "CN"},
                                              {"Chicago", "US"}};
    char text[256];
    for (int i = 0; i < 12; i++) {
        snprintf(text, sizeof text,
                 "USPS: your parcel %d is held at the depot, pay the redelivery fee at"
                 " hxxp://usps-redeliver.top/p today",
                 i);
        post(text, a_senders[i], a_cities[i % 5][0], a_cities[i % 5][1]);
    }
    /* Campaign B; its last report names A's alphanumeric sender. */
    static const char *const b_senders[] = {"+8613812345678", "+86 138 1234 5678",
                                            "+8613812345678", "+86 138 1234 5679",
                                            "+8613812345679", "paypal"};
    static const char *const b_cities[][2] = {
        {"Shenzhen", "CN"}, {"深圳市", "CN"}, {"Los Angeles", "US"}};
    for (int i = 0; i < 6; i++) {
        snprintf(text, sizeof text,
                 "Congratulations, your loan %d of 5000 is approved, reply YES or claim it at"
                 " beta-loans.xyz/claim",
                 i);
        post(text, b_senders[i], b_cities[i % 3][0], b_cities[i % 3][1]);
    }
    /* Campaign C: 25 rotating numbers, the first few repeated so counts differ. */
    static const char *const c_cities[] = {"Houston", "Boston", "Miami", "Seattle"};
    for (int i = 0; i < 31; i++) {
        char sender[32];
        snprintf(sender, sizeof sender, "+1310555%04d", i < 25 ? i : i - 25);
        snprintf(text, sizeof text,
                 "WINNER! You have won a 1000 dollar gift card %d, claim now at"
                 " hxxp://prize-claims.win/c before midnight",
                 i);
        post(text, sender, c_cities[i % 4], "US");
    }
    /* Campaigns D1..D5 in Houston, with 1..5 reports each: a city with more campaigns than a
     * page. */
    static const char *const d_texts[] = {
        "Your bank account is locked, verify your identity at secure-bank-verify.com/login",
        "Final notice: unpaid toll of 4.95 due today, settle at toll-settle.info/pay",
        "Hi mum, I dropped my phone in the toilet, text me on this number on WhatsApp please",
        "Netflix: your payment was declined, update billing at nflx-billing.net/update now",
        "IRS refund of 812 dollars pending, submit your claim form at irs-refunds.org/form"};
    for (int d = 0; d < 5; d++) {
        for (int k = 0; k <= d; k++) {
            char sender[32];
            snprintf(sender, sizeof sender, "+1713555%04d", d);
            snprintf(text, sizeof text, "%s %c", d_texts[d], 'a' + k);
            post(text, sender, "Houston", "US");
        }
    }
    wait_assigned();
}

static void
teardown(void)
{
    if (g_pg)
        PQfinish(g_pg);
    g_pg = NULL;
    ck_assert_int_eq(sgwt_server_stop(&g_srv, NULL), 0);
    sgwt_server_remove_log(&g_srv);
    sgwt_db_drop(&g_db);
}

/* ---- tests ---- */

START_TEST(test_stats)
{
    json_t *j = get("/v1/stats");
    long long reports = sql_ll("SELECT count(*) FROM reports", NULL);
    ck_assert_int_eq(reports, 64);
    ck_assert_int_eq(jint(j, "totals.reports"), reports);
    ck_assert_int_eq(jint(j, "totals.reports_assigned"),
                     sql_ll("SELECT count(*) FROM report_assignments", NULL));
    ck_assert_int_eq(jint(j, "totals.campaigns"),
                     sql_ll("SELECT count(*) FROM campaigns WHERE merged_into IS NULL", NULL));
    ck_assert_int_eq(jint(j, "totals.campaigns"), 8);
    ck_assert_int_eq(
        jint(j, "totals.sender_clusters"),
        sql_ll("SELECT count(*) FROM sender_clusters WHERE merged_into IS NULL", NULL));
    ck_assert_int_eq(jint(j, "totals.senders"), sql_ll("SELECT count(*) FROM senders", NULL));
    ck_assert_int_eq(jint(j, "totals.cities"), sql_ll("SELECT count(*) FROM cities", NULL));
    ck_assert_int_eq(jint(j, "recent.last_hour"), reports);
    ck_assert_int_eq(jint(j, "recent.last_24h"), reports);
    ck_assert_int_eq(jint(j, "clustering.unassigned"), 0);
    ck_assert_int_eq(jint(j, "clustering.facts_watermark"), jint(j, "clustering.watermark"));
    ck_assert_int_eq(jint(j, "clustering.max_report_id"),
                     sql_ll("SELECT max(id) FROM reports", NULL));
    ck_assert_int_eq(jint(j, "campaigns_by_status.open"), 8);
    ck_assert_int_eq(jint(j, "campaigns_by_status.blocked"), 0);
    ck_assert(json_is_string(json_object_get(j, "generated_at")));
    json_decref(j);

    /* A status change and a report the worker has not seen (its watermark held back). */
    PGresult *r = sgwt_db_query(
        g_pg, "UPDATE campaigns SET status = 'blocked' WHERE id = (SELECT min(id) FROM campaigns)",
        NULL);
    ck_assert(r != NULL);
    PQclear(r);
    j = get("/v1/stats");
    ck_assert_int_eq(jint(j, "campaigns_by_status.blocked"), 1);
    ck_assert_int_eq(jint(j, "campaigns_by_status.open"), 7);
    ck_assert_int_eq(jint(j, "totals.campaigns"), 8);
    json_decref(j);

    get_error("/v1/stats?verbose=1", 400, "unknown_parameter", "verbose");
    get_as(g_reporter, "/v1/stats", 403, "forbidden", NULL);
    get_as(NULL, "/v1/stats", 401, "unauthorized", NULL);
}
END_TEST

START_TEST(test_senders)
{
    /* Every spelling of one phone number finds it. */
    static const char *const spellings[] = {"%2B12125550100", "(212)%20555-0100",
                                            "212.555.0100",   "%2B1%20212%20555%200100",
                                            "+12125550100",   "2125550100?country=US"};
    long long reports = sql_ll("SELECT count(*) FROM reports WHERE sender = '+12125550100'", NULL);
    ck_assert_int_eq(reports, 4);
    long long cluster = sql_ll("SELECT coalesce(c.merged_into, c.id) FROM senders s JOIN"
                               " sender_clusters c ON c.id = s.cluster_id WHERE s.sender = $1",
                               "+12125550100");
    long long campaign = sql_ll(
        "SELECT DISTINCT coalesce(c.merged_into, c.id) FROM reports r JOIN"
        " report_assignments a ON a.report_id = r.id JOIN campaigns c ON c.id = a.campaign_id"
        " WHERE r.sender = $1",
        "+12125550100");
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/senders/%s", spellings[i]);
        json_t *j = get(path);
        ck_assert_str_eq(jstr(j, "sender"), "+12125550100");
        ck_assert_str_eq(jstr(j, "kind"), "phone");
        ck_assert_int_eq(jint(j, "reports"), reports);
        ck_assert_int_eq(jint(j, "campaign_count"), 1);
        ck_assert_int_eq(json_integer_value(json_object_get(
                             json_array_get(json_object_get(j, "campaigns"), 0), "id")),
                         campaign);
        ck_assert_int_eq(jint(j, "sender_cluster.id"), cluster);
        json_t *region = json_object_get(j, "region");
        ck_assert_str_eq(jstr(region, "country"), "US");
        ck_assert_str_eq(jstr(region, "place"), "New York, NY");
        ck_assert(json_object_get(j, "reporter") == NULL);
        json_decref(j);
    }
    /* The cluster's size as SQL counts it. */
    char cid[24];
    snprintf(cid, sizeof cid, "%lld", cluster);
    json_t *j = get("/v1/senders/%2B12125550100");
    ck_assert_int_eq(jint(j, "sender_cluster.senders"),
                     sql_ll("SELECT senders FROM sender_clusters WHERE id = $1::int8", cid));
    ck_assert_int_eq(jint(j, "sender_cluster.reports"),
                     sql_ll("SELECT count(*) FROM report_assignments a JOIN sender_clusters c"
                            " ON c.id = a.sender_cluster_id"
                            " WHERE coalesce(c.merged_into, c.id) = $1::int8",
                            cid));
    json_decref(j);

    /* A Chinese number: international, and national with ?country=CN. */
    j = get("/v1/senders/138%201234%205678?country=cn");
    ck_assert_str_eq(jstr(j, "sender"), "+8613812345678");
    ck_assert_int_eq(jint(j, "reports"), 3);
    ck_assert_str_eq(jstr(json_object_get(j, "region"), "country"), "CN");
    json_decref(j);
    j = get("/v1/senders/%2B8613812345678");
    ck_assert_int_eq(jint(j, "reports"), 3);
    json_decref(j);

    /* Short code, e-mail in any case, alphanumeric id in any case. */
    j = get("/v1/senders/80085");
    ck_assert_str_eq(jstr(j, "kind"), "short_code");
    ck_assert_int_eq(jint(j, "reports"), 2);
    ck_assert(json_is_null(json_object_get(j, "region")));
    json_decref(j);
    j = get("/v1/senders/FAKE.Bank@icloud.COM");
    ck_assert_str_eq(jstr(j, "sender"), "fake.bank@icloud.com");
    ck_assert_str_eq(jstr(j, "kind"), "email");
    ck_assert_int_eq(jint(j, "reports"), 3);
    json_decref(j);
    j = get("/v1/senders/paypal");
    ck_assert_str_eq(jstr(j, "sender"), "PAYPAL");
    ck_assert_str_eq(jstr(j, "kind"), "alphanumeric");
    ck_assert_int_eq(jint(j, "reports"), 2);
    /* Named in campaigns A and B. */
    ck_assert_int_eq(jint(j, "campaign_count"), 2);
    ck_assert_int_eq(json_array_size(json_object_get(j, "campaigns")), 2);
    json_decref(j);

    get_error("/v1/senders/%2B12125559999", 404, "not_found", "sender");
    get_error("/v1/senders/hello%20world%20!!", 400, "invalid_field", "sender");
    get_error("/v1/senders/12345678901234567890", 400, "invalid_field", "sender");
    get_error("/v1/senders/%FF%FE", 400, "invalid_field", "sender");
    get_error("/v1/senders/80085?country=XYZ", 400, "invalid_parameter", "country");
    get_error("/v1/senders/80085?country=QQ", 400, "invalid_parameter", "country");
    get_error("/v1/senders/80085?region=US", 400, "unknown_parameter", "region");
}
END_TEST

START_TEST(test_sender_clusters)
{
    /* The list in each order, walked one page at a time, equals SQL's order. */
    assert_walk("/v1/sender-clusters?limit=1", "id",
                "SELECT id FROM sender_clusters WHERE merged_into IS NULL"
                " ORDER BY reports DESC, id DESC",
                NULL, 2);
    assert_walk("/v1/sender-clusters?sort=senders&limit=1", "id",
                "SELECT id FROM sender_clusters WHERE merged_into IS NULL"
                " ORDER BY senders DESC, id DESC",
                NULL, 2);
    assert_walk("/v1/sender-clusters?sort=last_seen&limit=1", "id",
                "SELECT id FROM sender_clusters WHERE merged_into IS NULL"
                " ORDER BY last_seen DESC, id DESC",
                NULL, 2);
    assert_walk("/v1/sender-clusters?min_senders=20", "id",
                "SELECT id FROM sender_clusters WHERE merged_into IS NULL AND senders >= 20"
                " ORDER BY reports DESC, id DESC",
                NULL, 1);
    /* A and B share PAYPAL: their clusters merged, and no merged cluster is listed. */
    long long merges = sql_ll("SELECT count(*) FROM sender_cluster_merges", NULL);
    ck_assert_int_ge(merges, 1);
    json_t *j = get("/v1/sender-clusters?limit=500");
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(j, "sender_clusters"), i, it)
    {
        char id[24];
        snprintf(id, sizeof id, "%lld", jint(it, "id"));
        ck_assert_int_eq(
            sql_ll(
                "SELECT count(*) FROM sender_clusters WHERE id = $1::int8 AND merged_into IS NULL",
                id),
            1);
        ck_assert_int_eq(jint(it, "counts.reports"),
                         sql_ll("SELECT reports FROM sender_clusters WHERE id = $1::int8", id));
    }
    json_decref(j);

    /* A merged id answers with its survivor. */
    char old[24], path[128];
    long long old_id = sql_ll("SELECT min(old_id) FROM sender_cluster_merges", NULL);
    long long survivor = sql_ll("SELECT survivor FROM sender_cluster_merges WHERE old_id ="
                                " (SELECT min(old_id) FROM sender_cluster_merges)",
                                NULL);
    snprintf(old, sizeof old, "%lld", old_id);
    snprintf(path, sizeof path, "/v1/sender-clusters/%s", old);
    j = get(path);
    ck_assert_int_eq(jint(j, "id"), survivor);
    ck_assert_int_eq(jint(j, "merged_from"), old_id);
    ck_assert_int_ge(jint(j, "merged_clusters"), 1);
    json_decref(j);

    /* README: all senders in a campaign's cluster, from the campaign. */
    long long camp_a = sql_ll("SELECT DISTINCT coalesce(c.merged_into, c.id) FROM reports r JOIN"
                              " report_assignments a ON a.report_id = r.id JOIN campaigns c"
                              " ON c.id = a.campaign_id WHERE r.sender = '80085'",
                              NULL);
    snprintf(path, sizeof path, "/v1/campaigns/%lld", camp_a);
    j = get(path);
    long long cl = jint(j, "sender_cluster_id");
    json_decref(j);
    char cls[24];
    snprintf(cls, sizeof cls, "%lld", cl);
    snprintf(path, sizeof path, "/v1/sender-clusters/%lld", cl);
    j = get(path);
    ck_assert(json_is_null(json_object_get(j, "merged_from")));
    ck_assert_int_eq(jint(j, "counts.reports"),
                     sql_ll("SELECT count(*) FROM report_assignments a JOIN sender_clusters c"
                            " ON c.id = a.sender_cluster_id"
                            " WHERE coalesce(c.merged_into, c.id) = $1::int8",
                            cls));
    ck_assert_int_eq(
        jint(j, "counts.senders"),
        sql_ll("SELECT count(*) FROM senders s JOIN sender_clusters c"
               " ON c.id = s.cluster_id WHERE coalesce(c.merged_into, c.id) = $1::int8",
               cls));
    ck_assert_int_eq(jint(j, "counts.campaigns"), 2); /* A and B */
    /* Top senders: by reports as SQL counts them from reports. */
    char *want = sql_list("SELECT s.sender || ' ' || count(*) FROM reports r JOIN senders s"
                          " ON s.sender = r.sender JOIN sender_clusters c ON c.id = s.cluster_id"
                          " WHERE coalesce(c.merged_into, c.id) = $1::int8"
                          " GROUP BY s.sender ORDER BY count(*) DESC, s.sender DESC",
                          cls);
    char got[2048] = "";
    json_array_foreach(json_object_get(j, "senders"), i, it)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s %lld\n", jstr(it, "sender"), jint(it, "reports"));
        ck_assert(json_is_string(json_object_get(it, "kind")));
    }
    ck_assert_msg(strcmp(got, want) == 0, "cluster senders\n%s\nSQL says\n%s", got, want);
    free(want);
    /* Campaigns: both, by reports. */
    want = sql_list("SELECT id FROM campaigns WHERE merged_into IS NULL AND sender_cluster_id IN"
                    " (SELECT id FROM sender_clusters WHERE coalesce(merged_into, id) = $1::int8)"
                    " ORDER BY reports DESC, id DESC",
                    cls);
    got[0] = '\0';
    json_array_foreach(json_object_get(j, "campaigns"), i, it)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%lld\n", jint(it, "id"));
    }
    ck_assert_str_eq(got, want);
    free(want);
    /* Cities with shares, from the assignments. */
    want = sql_list("SELECT x.city_key || ' ' || x.n || ' ' || round(x.n::numeric / ci.reports, 4)"
                    " FROM (SELECT a.city_key, count(*) AS n FROM report_assignments a"
                    " JOIN sender_clusters c ON c.id = a.sender_cluster_id"
                    " WHERE coalesce(c.merged_into, c.id) = $1::int8 AND a.city_key IS NOT NULL"
                    " GROUP BY 1) x JOIN cities ci ON ci.key = x.city_key"
                    " ORDER BY x.n DESC, x.city_key DESC",
                    cls);
    got[0] = '\0';
    json_array_foreach(json_object_get(j, "cities"), i, it)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s %lld %.4f\n", jstr(it, "key"), jint(it, "reports"),
                 json_number_value(json_object_get(it, "share")));
        char id[200];
        snprintf(id, sizeof id, "%s", jstr(it, "key"));
        for (char *p = id; *p; p++)
            *p = *p == '/' ? '~' : *p;
        ck_assert_str_eq(jstr(it, "id"), id);
    }
    ck_assert_msg(strcmp(got, want) == 0, "cluster cities\n%s\nSQL says\n%s", got, want);
    ck_assert_int_ge(json_array_size(json_object_get(j, "cities")), 4);
    free(want);
    json_decref(j);

    /* C's cluster: 25 senders, walked 7 at a time. */
    long long cc =
        sql_ll("SELECT coalesce(c.merged_into, c.id) FROM senders s JOIN sender_clusters c"
               " ON c.id = s.cluster_id WHERE s.sender = '+13105550000'",
               NULL);
    snprintf(cls, sizeof cls, "%lld", cc);
    snprintf(path, sizeof path, "/v1/sender-clusters/%lld/senders?limit=7", cc);
    assert_walk(path, "sender",
                "SELECT s.sender FROM senders s JOIN sender_clusters c ON c.id = s.cluster_id"
                " WHERE coalesce(c.merged_into, c.id) = $1::int8"
                " ORDER BY s.reports DESC, s.sender DESC",
                cls, 4);
    ck_assert_int_eq(sql_ll("SELECT count(*) FROM senders s JOIN sender_clusters c ON c.id ="
                            " s.cluster_id WHERE coalesce(c.merged_into, c.id) = $1::int8",
                            cls),
                     25);
    /* The same through a merged id of A's cluster. */
    snprintf(path, sizeof path, "/v1/sender-clusters/%s/senders?limit=3", old);
    snprintf(cls, sizeof cls, "%lld", survivor);
    assert_walk(path, "sender",
                "SELECT s.sender FROM senders s JOIN sender_clusters c ON c.id = s.cluster_id"
                " WHERE coalesce(c.merged_into, c.id) = $1::int8"
                " ORDER BY s.reports DESC, s.sender DESC",
                cls, 2);

    /* Bad input. */
    get_error("/v1/sender-clusters?sort=size", 400, "invalid_parameter", "sort");
    get_error("/v1/sender-clusters?limit=0", 400, "invalid_parameter", "limit");
    get_error("/v1/sender-clusters?limit=501", 400, "invalid_parameter", "limit");
    get_error("/v1/sender-clusters?min_senders=-1", 400, "invalid_parameter", "min_senders");
    get_error("/v1/sender-clusters?limit=1&limit=2", 400, "invalid_parameter", "limit");
    get_error("/v1/sender-clusters?cursor=xyz", 400, "invalid_cursor", "cursor");
    get_error("/v1/sender-clusters?page=2", 400, "unknown_parameter", "page");
    j = get("/v1/sender-clusters?limit=1");
    snprintf(path, sizeof path, "/v1/sender-clusters?sort=senders&cursor=%s",
             json_string_value(json_object_get(j, "next_cursor")));
    get_error(path, 400, "invalid_cursor", "cursor"); /* another order's cursor */
    snprintf(path, sizeof path, "/v1/cities?cursor=%s",
             json_string_value(json_object_get(j, "next_cursor")));
    get_error(path, 400, "invalid_cursor", "cursor"); /* another list's cursor */
    json_decref(j);
    get_error("/v1/sender-clusters/999999999", 404, "not_found", "id");
    get_error("/v1/sender-clusters/999999999/senders", 404, "not_found", "id");
    get_error("/v1/sender-clusters/x1", 400, "invalid_field", "id");
    get_error("/v1/sender-clusters/01/senders", 400, "invalid_field", "id");
    get_error("/v1/sender-clusters/1/senders?limit=x", 400, "invalid_parameter", "limit");
    get_as(g_reporter, "/v1/sender-clusters", 403, "forbidden", NULL);
}
END_TEST

START_TEST(test_cities)
{
    /* The whole list, two at a time, in both orders, and per country. */
    assert_walk("/v1/cities?limit=2", "key",
                "SELECT key FROM cities ORDER BY reports DESC, key DESC", NULL, 3);
    assert_walk("/v1/cities?limit=2&sort=last_seen", "key",
                "SELECT key FROM cities ORDER BY last_seen DESC, key DESC", NULL, 3);
    assert_walk("/v1/cities?limit=1&country=cn", "key",
                "SELECT key FROM cities WHERE country = 'CN' ORDER BY reports DESC, key DESC", NULL,
                1);
    assert_walk("/v1/cities?country=US&sort=last_seen", "key",
                "SELECT key FROM cities WHERE country = 'US' ORDER BY last_seen DESC, key DESC",
                NULL, 1);
    ck_assert_int_eq(sql_ll("SELECT count(*) FROM cities WHERE country = 'CN'", NULL), 1);

    /* Each city's numbers against the base tables. */
    json_t *j = get("/v1/cities?limit=500"), *it;
    size_t i;
    json_array_foreach(json_object_get(j, "cities"), i, it)
    {
        const char *key = jstr(it, "key");
        ck_assert_int_eq(
            jint(it, "reports"),
            sql_ll("SELECT count(*) FROM report_assignments WHERE city_key = $1", key));
        ck_assert_int_eq(jint(it, "campaigns"),
                         sql_ll("SELECT count(DISTINCT coalesce(c.merged_into, c.id)) FROM"
                                " report_assignments a JOIN campaigns c ON c.id = a.campaign_id"
                                " WHERE a.city_key = $1",
                                key));
        ck_assert_int_eq(jint(it, "senders"),
                         sql_ll("SELECT count(DISTINCT r.sender) FROM report_assignments a JOIN"
                                " reports r ON r.id = a.report_id WHERE a.city_key = $1",
                                key));
        json_t *top = json_object_get(it, "top_campaigns");
        ck_assert(json_array_size(top) >= 1 && json_array_size(top) <= 3);
        json_t *t0 = json_array_get(top, 0);
        ck_assert(fabs(json_number_value(json_object_get(t0, "share")) -
                       (double)jint(t0, "reports") / (double)jint(it, "reports")) < 1e-4);
        ck_assert(json_is_string(json_object_get(it, "first_seen")));
        ck_assert(strchr(jstr(it, "id"), '/') == NULL);
    }
    json_decref(j);

    /* One city by id, by key-like names and by name in three spellings and in Chinese. */
    static const char *const ny[] = {"US~NY~new-york", "New%20York", "NYC", "new%20york,%20ny",
                                     "Manhattan?country=US"};
    for (size_t k = 0; k < sizeof ny / sizeof ny[0]; k++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/cities/%s", ny[k]);
        j = get(path);
        ck_assert_str_eq(jstr(j, "key"), "US/NY/new-york");
        ck_assert_str_eq(jstr(j, "id"), "US~NY~new-york");
        ck_assert_str_eq(jstr(j, "name"), "New York, NY");
        ck_assert_int_eq(jint(j, "reports"),
                         sql_ll("SELECT count(*) FROM report_assignments WHERE city_key ="
                                " 'US/NY/new-york'",
                                NULL));
        json_decref(j);
    }
    j = get("/v1/cities/%E6%B7%B1%E5%9C%B3"); /* 深圳 */
    ck_assert_str_eq(jstr(j, "key"), "CN/GD/shenzhen");
    ck_assert_int_eq(jint(j, "reports"), 2 + 4); /* A's 深圳 twice, B's four */
    ck_assert_int_eq(jint(j, "campaigns"), 2);
    json_decref(j);

    /* Top campaigns in a city, one per page, ranked by reports there. */
    assert_walk("/v1/cities/CN~GD~shenzhen/campaigns?limit=1", "id",
                "SELECT campaign_id FROM campaign_cities WHERE city_key = 'CN/GD/shenzhen'"
                " ORDER BY reports DESC, campaign_id DESC",
                NULL, 2);
    assert_walk("/v1/cities/Houston/campaigns?limit=2", "id",
                "SELECT campaign_id FROM campaign_cities WHERE city_key = 'US/TX/houston'"
                " ORDER BY reports DESC, campaign_id DESC",
                NULL, 3);
    ck_assert_int_eq(
        sql_ll("SELECT count(*) FROM campaign_cities WHERE city_key = 'US/TX/houston'", NULL), 6);
    j = get("/v1/cities/Shenzhen/campaigns");
    it = json_array_get(json_object_get(j, "campaigns"), 0);
    ck_assert_int_eq(jint(it, "reports"), 4);
    ck_assert(fabs(json_number_value(json_object_get(it, "share")) - 4.0 / 6.0) < 1e-4);
    ck_assert_int_eq(jint(it, "campaign_reports"), 6);
    ck_assert(json_is_null(json_object_get(j, "next_cursor")));
    json_decref(j);

    /* Cursors are checksummed, not signed: a well-formed one with values of the wrong type
     * (made with the same encoder) is still 400, never a database error. */
    static const char *const forged[][3] = {{"cities:reports", "12x", "US/NY/new-york"},
                                            {"cities:reports", "5", "US/\xff"},
                                            {"cities:last_seen", "yesterday", "US/NY/new-york"},
                                            {"city-campaigns", "5", "abc"}};
    for (size_t k = 0; k < sizeof forged / sizeof forged[0]; k++) {
        char cur[SGW_CURSOR_MAX], path[700];
        ck_assert_int_eq(sgw_cursor_encode(forged[k][0], &forged[k][1], 2, cur, sizeof cur), 0);
        snprintf(path, sizeof path, "%s%s",
                 strcmp(forged[k][0], "city-campaigns") == 0 ? "/v1/cities/NYC/campaigns?cursor="
                 : strcmp(forged[k][0], "cities:last_seen") == 0
                     ? "/v1/cities?sort=last_seen&cursor="
                     : "/v1/cities?cursor=",
                 cur);
        get_error(path, 400, "invalid_cursor", "cursor");
    }
    get_error("/v1/cities/Atlantis", 404, "not_found", "city");
    get_error("/v1/cities/ZZ~~atlantis/campaigns", 404, "not_found", "city");
    get_error("/v1/cities/%FF", 400, "invalid_field", "city");
    get_error("/v1/cities/NYC?country=USA", 400, "invalid_parameter", "country");
    get_error("/v1/cities?country=1", 400, "invalid_parameter", "country");
    get_error("/v1/cities?sort=name", 400, "invalid_parameter", "sort");
    get_error("/v1/cities?cursor=AAAA", 400, "invalid_cursor", "cursor");
    get_error("/v1/cities?citty=NYC", 400, "unknown_parameter", "citty");
    get_error("/v1/cities/NYC/campaigns?limit=1000", 400, "invalid_parameter", "limit");
    get_error("/v1/cities/NYC/campaigns?cursor=%25", 400, "invalid_cursor", "cursor");
    get_as(g_reporter, "/v1/cities", 403, "forbidden", NULL);
}
END_TEST

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    Suite *s = suite_create("entity_reads");
    TCase *tc = tcase_create("reads");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stats);
    tcase_add_test(tc, test_senders);
    tcase_add_test(tc, test_sender_clusters);
    tcase_add_test(tc, test_cities);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
