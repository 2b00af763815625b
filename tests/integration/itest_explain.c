/* Integration suite: no API read scans the reports table.
 *
 * A database is seeded with 60,000 reports (texts from the UCI SMS Spam Collection in
 * $SPAMGW_SHARED, spread over 60 days, 4,000 senders, 10 cities, four channels) and the real
 * `spamgw cluster` assigns them, so every roll-up table holds realistic rows and statistics
 * (ANALYZE). Then every statement of the registry whose name starts with "api_" is prepared
 * and explained (EXPLAIN (FORMAT JSON) EXECUTE) with sample parameters drawn from the seeded
 * data, twice: with a custom plan (what the first executions get) and with the generic plan
 * (what a long-lived connection settles on). No plan may contain a Seq Scan on reports or
 * report_assignments, the two tables that grow with every report. An api_* statement without
 * sample parameters here fails the suite, so a new read cannot skip the check. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "db/db.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/suite.h"

#define NREPORTS 60000

static struct sgwt_db g_db;
static pid_t g_worker;

/* Sample values, looked up once the data is in: "$campaign" is the largest campaign, etc. */
struct sample {
    const char *name;
    const char *sql;
    char value[256];
};

static struct sample samples[] = {
    {"$campaign",
     "SELECT id FROM campaigns WHERE merged_into IS NULL ORDER BY reports DESC, id"
     " LIMIT 1",
     ""},
    {"$merged",
     "SELECT coalesce((SELECT id FROM campaigns WHERE merged_into IS NOT NULL"
     " ORDER BY id LIMIT 1), 1)",
     ""},
    {"$report", "SELECT max(id) / 2 FROM reports", ""},
    {"$cluster",
     "SELECT id FROM sender_clusters WHERE merged_into IS NULL ORDER BY reports DESC,"
     " id LIMIT 1",
     ""},
    {"$sender", "SELECT sender FROM senders ORDER BY first_report LIMIT 1", ""},
    {"$city", "SELECT key FROM cities ORDER BY reports DESC, key LIMIT 1", ""},
    {"$since",
     "SELECT to_char((now() - interval '7 days') AT TIME ZONE 'UTC',"
     " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
     ""},
    {"$until", "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", ""},
    {"$since_us", "SELECT (extract(epoch FROM now() - interval '7 days') * 1000000)::int8", ""},
    {"$until_us", "SELECT (extract(epoch FROM now()) * 1000000)::int8", ""},
    {"$mid_reports",
     "SELECT reports FROM campaigns WHERE merged_into IS NULL ORDER BY reports DESC"
     " OFFSET 20 LIMIT 1",
     ""},
};

/* Parameters per api_* statement: NULL-terminated, "$x" resolved from samples, "NULL" is SQL
 * NULL, anything else is passed as it is. */
struct params {
    const char *stmt;
    const char *p[16];
};

#define N12 "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"
/* The campaign list: first page, a filtered page, a text search and a next page. */
#define LIST_SETS(name, extra...)                                                                  \
    {name, {N12, "51", ##extra, NULL}},                                                            \
        {name,                                                                                     \
         {"NULL", "NULL", "open", "2", "$since_us", "$until_us", "US", "sms", "NULL", "NULL",      \
          "NULL", "51", ##extra, NULL}},                                                           \
        {name,                                                                                     \
         {"NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "free", "NULL", "NULL",  \
          "51", ##extra, NULL}},                                                                   \
    {                                                                                              \
        name,                                                                                      \
        {                                                                                          \
            "$campaign", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",           \
                "$mid_reports", "$campaign", "51", ##extra, NULL                                   \
        }                                                                                          \
    }

static const struct params params[] = {
    {"api_report_json", {"$report", NULL}},
    {"api_campaign_json", {"$campaign", NULL}},
    {"api_key_json", {"1", NULL}},
    {"api_keys_json", {NULL}},
    {"api_campaign_verdicts_json", {"$campaign", NULL}},
    LIST_SETS("api_campaigns_reports_desc"),
    LIST_SETS("api_campaigns_reports_asc"),
    LIST_SETS("api_campaigns_reporters_desc"),
    LIST_SETS("api_campaigns_reporters_asc"),
    LIST_SETS("api_campaigns_last_seen_desc"),
    LIST_SETS("api_campaigns_last_seen_asc"),
    LIST_SETS("api_campaigns_growth_desc"),
    LIST_SETS("api_campaigns_growth_asc"),
    LIST_SETS("api_campaigns_city_reports_desc", "$city"),
    LIST_SETS("api_campaigns_city_reports_asc", "$city"),
    LIST_SETS("api_campaigns_city_reporters_desc", "$city"),
    LIST_SETS("api_campaigns_city_reporters_asc", "$city"),
    LIST_SETS("api_campaigns_city_last_seen_desc", "$city"),
    LIST_SETS("api_campaigns_city_last_seen_asc", "$city"),
    LIST_SETS("api_campaigns_city_growth_desc", "$city"),
    LIST_SETS("api_campaigns_city_growth_asc", "$city"),
    {"api_campaign_senders", {"$campaign", "NULL", "NULL", "51", NULL}},
    {"api_campaign_senders", {"$merged", "3", "+12125550000", "51", NULL}},
    {"api_campaign_indicators", {"$campaign", "NULL", "NULL", "51", NULL}},
    {"api_campaign_cities", {"$campaign", "NULL", "NULL", "51", NULL}},
    {"api_campaign_reports", {"$campaign", "NULL", "51", NULL}},
    {"api_campaign_reports", {"$merged", "$report", "51", NULL}},
    {"api_campaign_timeline", {"$campaign", "hour", "NULL", "NULL", NULL}},
    {"api_campaign_timeline", {"$campaign", "day", "$since_us", "$until_us", NULL}},
    {"api_sender_clusters_by_reports",
     {"0", "9223372036854775807", "9223372036854775807", "51", NULL}},
    {"api_sender_clusters_by_senders",
     {"0", "9223372036854775807", "9223372036854775807", "51", NULL}},
    {"api_sender_clusters_by_last_seen", {"0", "infinity", "9223372036854775807", "51", NULL}},
    {"api_sender_cluster_json", {"$cluster", NULL}},
    {"api_sender_cluster_senders", {"$cluster", "9223372036854775807", "", "51", NULL}},
    {"api_sender_json", {"$sender", "US", "New York, NY", NULL}},
    {"api_cities_by_reports", {"9223372036854775807", "", "51", NULL}},
    {"api_cities_by_reports_country", {"US", "9223372036854775807", "", "51", NULL}},
    {"api_cities_by_last_seen", {"infinity", "", "51", NULL}},
    {"api_cities_by_last_seen_country", {"US", "infinity", "", "51", NULL}},
    {"api_city_json", {"$city", NULL}},
    {"api_city_campaigns", {"$city", "9223372036854775807", "9223372036854775807", "51", NULL}},
    {"api_stats_json", {NULL}},
};

static const char *
resolve(const char *v)
{
    if (v[0] != '$')
        return v;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        if (strcmp(samples[i].name, v) == 0)
            return samples[i].value;
    }
    ck_abort_msg("no sample value %s", v);
    return NULL;
}

static void
stop_worker(void)
{
    if (g_worker > 0) {
        kill(g_worker, SIGTERM);
        waitpid(g_worker, NULL, 0);
        g_worker = 0;
    }
}

static void
exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s\n%s", sql,
                  PQerrorMessage(c));
    PQclear(r);
}

/* Loads the corpus texts into a temporary table with COPY; returns how many. */
static long
load_texts(PGconn *c)
{
    char path[1024];
    const char *shared = getenv("SPAMGW_SHARED");
    snprintf(path, sizeof path, "%s/data/SMSSpamCollection", shared ? shared : "../shared");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open the UCI SMS Spam Collection under %s",
                  shared ? shared : "../shared");
    exec_ok(c, "CREATE TABLE seed_texts (n serial, spam bool, content text)");
    PGresult *r = PQexec(c, "COPY seed_texts (spam, content) FROM STDIN");
    ck_assert_int_eq(PQresultStatus(r), PGRES_COPY_IN);
    PQclear(r);
    char line[8192], out[17000];
    long n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            continue;
        size_t o = 0;
        o += (size_t)snprintf(out, sizeof out, "%s\t", strncmp(line, "spam", 4) == 0 ? "t" : "f");
        for (char *p = tab + 1; *p && *p != '\n' && *p != '\r'; p++) {
            if (*p == '\\' || *p == '\t') {
                out[o++] = '\\';
                out[o++] = *p == '\t' ? 't' : '\\';
            } else {
                out[o++] = *p;
            }
        }
        out[o++] = '\n';
        ck_assert_int_eq(PQputCopyData(c, out, (int)o), 1);
        n++;
    }
    fclose(f);
    ck_assert_int_eq(PQputCopyEnd(c, NULL), 1);
    r = PQgetResult(c);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(r);
    return n;
}

static void
seed(void)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    long texts = load_texts(c);
    ck_assert_msg(texts > 5000, "only %ld texts", texts);
    /* Spam (3 in 4 reports) repeats its templates with a varying tail; ham stays unique. */
    char sql[4096];
    snprintf(sql, sizeof sql,
             "INSERT INTO reports (ingested_at, received_at, channel, sender_raw, sender,"
             " sender_kind, content, city, country, reporter_pseudonym, source)"
             " SELECT t0 + interval '2 seconds', t0, (ARRAY['sms', 'sms', 'imessage',"
             " 'rcs'])[1 + g %% 4], s, s, 'phone',"
             " CASE WHEN g %% 4 = 0 THEN hm.a[1 + (g / 4) %% cardinality(hm.a)]"
             " ELSE sp.a[1 + (g * 13) %% 700 %% cardinality(sp.a)] END || ' ' || (g %% 97)::text,"
             " (ARRAY['New York', 'Los Angeles', 'Chicago', 'Houston', 'Phoenix', 'Philadelphia',"
             " 'San Antonio', 'San Diego', 'Dallas', 'Austin'])[1 + (g * 7) %% 10], 'US',"
             " md5(g::text), 'api'"
             " FROM (SELECT g, now() - ((g * 7919) %% (60 * 86400)) * interval '1 second' AS t0,"
             " '+1212555' || lpad(((g * 31) %% 4000)::text, 4, '0') AS s"
             " FROM generate_series(1, %d) g) q,"
             " (SELECT array_agg(content ORDER BY n) a FROM seed_texts WHERE spam) sp,"
             " (SELECT array_agg(content ORDER BY n) a FROM seed_texts WHERE NOT spam) hm",
             NREPORTS);
    exec_ok(c, sql);
    exec_ok(c, "DROP TABLE seed_texts");
    PQfinish(c);

    /* The real worker builds the roll-ups. */
    g_worker = fork();
    ck_assert_int_ge(g_worker, 0);
    if (g_worker == 0) {
        const char *bin = getenv("SPAMGW_BIN");
        freopen("/dev/null", "w", stdout);
        execl(bin ? bin : "../spamgw", "spamgw", "cluster", "--database-url", g_db.url,
              (char *)NULL);
        _exit(127);
    }
    c = sgwt_db_connect(g_db.url);
    long long t0 = sgwt_now_ms(), done = 0;
    while (sgwt_now_ms() - t0 < 240000) {
        done = sgwt_db_count(c, "SELECT count(*) FROM report_assignments", NULL);
        if (done == NREPORTS)
            break;
        sgwt_sleep_ms(200);
    }
    stop_worker();
    ck_assert_msg(done == NREPORTS, "the worker assigned %lld of %d reports in 240 s", done,
                  NREPORTS);
    exec_ok(c, "ANALYZE");
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char *v = NULL;
        ck_assert_msg(sgwt_db_scalar(c, samples[i].sql, NULL, &v) == 1 && v != NULL,
                      "no sample for %s: %s", samples[i].name, sgwt_errmsg());
        snprintf(samples[i].value, sizeof samples[i].value, "%s", v);
        free(v);
    }
    PQfinish(c);
}

/* Appends to out the relations scanned sequentially anywhere in plan node n. */
static void
seq_scans(json_t *n, char *out, size_t outsz)
{
    const char *type = json_string_value(json_object_get(n, "Node Type"));
    const char *rel = json_string_value(json_object_get(n, "Relation Name"));
    if (type != NULL && strcmp(type, "Seq Scan") == 0 && rel != NULL) {
        size_t used = strlen(out);
        snprintf(out + used, outsz - used, "%s ", rel);
    }
    json_t *kids = json_object_get(n, "Plans");
    size_t i;
    json_t *k;
    json_array_foreach(kids, i, k) seq_scans(k, out, outsz);
}

/* Explains stmt with one parameter set under both plan modes; appends failures. Returns 1. */
static int
explain_one(PGconn *c, enum sgw_stmt s, const struct params *p, char *failures, size_t fsz)
{
    const char *name = sgw_db_stmt_name(s);
    int np = sgw_db_stmt_nparams(s);
    const char *vals[16];
    int given = 0;
    while (given < 16 && p->p[given] != NULL) {
        vals[given] = strcmp(p->p[given], "NULL") == 0 ? NULL : resolve(p->p[given]);
        given++;
    }
    ck_assert_msg(given == np, "%s takes %d parameters, the sample gives %d", name, np, given);

    PQclear(PQexec(c, "DEALLOCATE ALL"));
    PGresult *r = PQprepare(c, "x", sgw_db_stmt_sql(s), 0, NULL);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "prepare %s: %s", name, PQerrorMessage(c));
    PQclear(r);
    /* EXPLAIN EXECUTE takes literals: quote each parameter as a string literal. */
    for (int mode = 0; mode < 2; mode++) {
        char sql[8192];
        size_t used = (size_t)snprintf(sql, sizeof sql, "SET plan_cache_mode = %s",
                                       mode == 0 ? "force_custom_plan" : "force_generic_plan");
        exec_ok(c, sql);
        used = (size_t)snprintf(sql, sizeof sql, "EXPLAIN (FORMAT JSON) EXECUTE x");
        for (int i = 0; i < np; i++) {
            char *lit = vals[i] ? PQescapeLiteral(c, vals[i], strlen(vals[i])) : NULL;
            used += (size_t)snprintf(sql + used, sizeof sql - used, "%s%s", i ? ", " : " (",
                                     lit ? lit : "NULL");
            PQfreemem(lit);
        }
        if (np > 0)
            snprintf(sql + used, sizeof sql - used, ")");
        r = PQexec(c, sql);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
        json_error_t jerr;
        json_t *plan = json_loads(PQgetvalue(r, 0, 0), 0, &jerr);
        ck_assert_ptr_nonnull(plan);
        char scans[1024] = "";
        seq_scans(json_object_get(json_array_get(plan, 0), "Plan"), scans, sizeof scans);
        if (strstr(scans, "reports ") == scans || strstr(scans, " reports ") != NULL ||
            strstr(scans, "report_assignments ") != NULL) {
            size_t fu = strlen(failures);
            snprintf(failures + fu, fsz - fu, "\n  %s (%s plan, params", name,
                     mode == 0 ? "custom" : "generic");
            for (int i = 0; i < np; i++) {
                fu = strlen(failures);
                snprintf(failures + fu, fsz - fu, " %s", vals[i] ? vals[i] : "NULL");
            }
            fu = strlen(failures);
            snprintf(failures + fu, fsz - fu, "): seq scan of %s", scans);
        }
        json_decref(plan);
        PQclear(r);
    }
    return 1;
}

START_TEST(test_no_seq_scan_of_reports)
{
    seed();
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_ptr_nonnull(c);
    int checked = 0, checked_sets = 0;
    static char failures[16384];
    failures[0] = '\0';

    for (int s = 0; s < SGW_STMT_COUNT; s++) {
        const char *name = sgw_db_stmt_name((enum sgw_stmt)s);
        if (strncmp(name, "api_", 4) != 0)
            continue;
        int sets = 0;
        for (size_t pi = 0; pi < sizeof params / sizeof params[0]; pi++) {
            if (strcmp(params[pi].stmt, name) != 0)
                continue;
            sets++;
            checked_sets +=
                explain_one(c, (enum sgw_stmt)s, &params[pi], failures, sizeof failures);
        }
        ck_assert_msg(sets > 0, "statement %s has no sample parameters in itest_explain.c", name);
        checked++;
    }
    PQfinish(c);
    ck_assert_msg(checked >= 2, "only %d api_* statements found", checked);
    ck_assert_msg(failures[0] == '\0', "API statements that scan a growing table:%s", failures);
    printf("explained %d api_* statements with %d parameter sets (custom and generic plans):"
           " no seq scan of reports\n",
           checked, checked_sets);
}
END_TEST

static void
setup(void)
{
    ck_assert_msg(sgwt_db_fresh(&g_db, "explain") == 0, "%s", sgwt_errmsg());
}

static void
teardown(void)
{
    stop_worker();
    sgwt_db_drop(&g_db);
}

int
main(void)
{
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("plans");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_no_seq_scan_of_reports);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
