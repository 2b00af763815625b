/* Integration suite for verdicts (PATCH /v1/campaigns/{id}, GET /v1/campaigns/{id}/verdicts)
 * and the allowlist API, against a real PostgreSQL and a real `spamgw serve` whose cluster
 * worker turns reports posted through the API into campaigns.
 *
 * verdicts: a status change answers the verdict document (previous status, RFC 3339 time, the
 * key), writes the status and one audit row, and stamps the campaign (only it) as changed: the
 * next `export --incremental` holds exactly that campaign with its new status. The same status
 * again is audited but stamps nothing; expected_status that differs is 409 status_conflict and
 * changes nothing; bad bodies, ids, keys and content types get their 400/401/403/404/415. The
 * trail lists newest first. After a report bridges two campaigns, the merged id applies to its
 * survivor ("merged_from") and its trail is the survivor's. Eight analysts racing with the same
 * expected_status: exactly one wins, seven get 409, one audit row.
 *
 * allowlist: CRUD with both allowed roles, normalisation ("(212) 555-0100" with country US is
 * +12125550100; domains lower-case, an IDN in both spellings is one entry), 409
 * already_listed, 400 for what is no sender or domain, 404 on a second DELETE, rows added by hand
 * listed with their kind; and `spamgw export --format blocklist` leaves out an allowlisted
 * sender and domain (also a domain spelled xn-- in the messages and allowlisted in Unicode) of a
 * blocked campaign while listing the rest. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/proc.h"
#include "tests/support/server.h"
#include "tests/support/sgwt_check.h"
#include "tests/support/suite.h"

struct env {
    struct sgwt_db db;
    struct sgwt_server srv;
    char reporter[256], analyst[256], admin[256];
    long long analyst_id, admin_id;
};

static struct env g;

/* ---- plumbing ---- */

static long long
scalar(const char *sql, const char *p1)
{
    PGconn *c = sgwt_db_connect(g.db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    const char *params[] = {p1, NULL};
    long long v = sgwt_db_count(c, sql, p1 ? params : NULL);
    PQfinish(c);
    ck_assert_msg(v >= 0, "%s: %s", sql, sgwt_errmsg());
    return v;
}

static void
exec_sql(const char *sql)
{
    PGconn *c = sgwt_db_connect(g.db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    PGresult *r = sgwt_db_query(c, sql, NULL);
    ck_assert_msg(r != NULL, "%s: %s", sql, sgwt_errmsg());
    PQclear(r);
    PQfinish(c);
}

/* One request with key (NULL: none) and, when body is not NULL, Content-Type ctype. */
static int
call(const char *method, const char *path, const char *key, const char *body, const char *ctype,
     struct sgwt_response *r)
{
    char auth[300], ct[100];
    const char *h[3] = {NULL, NULL, NULL};
    int n = 0;
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h[n++] = auth;
    }
    if (body) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "application/json");
        h[n++] = ct;
    }
    return sgwt_http_request(g.srv.port, method, path, h, body, body ? strlen(body) : 0, r);
}

/* method path with the analyst key, expecting status; returns the JSON body (caller decrefs). */
static json_t *
expect(const char *method, const char *path, const char *key, const char *body, int status)
{
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(call(method, path, key, body, NULL, &r), &r, status, &g.srv);
    json_t *j = sgwt_response_json(&r);
    char *d = sgwt_response_describe(&r);
    ck_assert_msg(j != NULL, "%s %s: body is not JSON:\n%s", method, path, d);
    free(d);
    sgwt_response_fini(&r);
    return j;
}

static void
expect_error(const char *method, const char *path, const char *key, const char *body,
             const char *ctype, int status, const char *code, const char *field)
{
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(call(method, path, key, body, ctype, &r), &r, status, &g.srv);
    sgwt_assert_error_body(&r, code, field);
    sgwt_response_fini(&r);
}

static const char *
jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    ck_assert_msg(s != NULL, "no string member %s", k);
    return s;
}

static long long
jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_integer(v), "no integer member %s", k);
    return json_integer_value(v);
}

static void
assert_rfc3339_utc(const char *s)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re,
                             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    ck_assert_msg(regexec(&re, s, 0, NULL, 0) == 0, "not RFC 3339 UTC: %s", s);
    regfree(&re);
}

static void
wait_caught_up(void)
{
    long long t0 = sgwt_now_ms();
    while (sgwt_now_ms() - t0 < 60000) {
        if (scalar(SGWT_CLUSTER_CAUGHT_UP_SQL, NULL) == 1)
            return;
        sgwt_sleep_ms(50);
    }
    ck_abort_msg("the cluster worker did not catch up in 60 s");
}

/* Posts n reports of one template; returns the id of the first. Templates: 0 alpha (parcel,
 * NYC senders (212) 555-01NN, domain alpha.top), 1 beta (loan, +1 310 senders, domain
 * beta-loans.xyz), 2 gamma (two domains, one of them an IDN written in its xn-- form). */
static long long
post_reports(int tmpl, int n, int from)
{
    char body[512];
    long long first = 0;
    for (int i = from; i < from + n; i++) {
        struct sgwt_response r;
        if (tmpl == 0)
            snprintf(body, sizeof body,
                     "{\"content\":\"Your parcel %d is held at the depot, pay the fee at"
                     " hxxp://alpha.top/p\",\"sender\":\"(212) 555-01%02d\",\"country\":\"US\","
                     "\"city\":\"NYC\"}",
                     i, i);
        else if (tmpl == 1)
            snprintf(body, sizeof body,
                     "{\"content\":\"Congratulations, loan %d approved! Reply YES to claim"
                     " your cash today at beta-loans.xyz\",\"sender\":\"+13105550%03d\"}",
                     i, i);
        else
            snprintf(body, sizeof body,
                     "{\"content\":\"Tax refund %d waiting: confirm at gamma-refund.top or"
                     " https://xn--80aswg.xn--p1ai/tax today\",\"sender\":\"+14155550%03d\"}",
                     i, i);
        SGWT_ASSERT_HTTP(call("POST", "/v1/reports", g.reporter, body, NULL, &r), &r, 202, &g.srv);
        long long id = sgwt_assert_accepted(&r);
        if (first == 0)
            first = id;
        sgwt_response_fini(&r);
    }
    return first;
}

static long long
campaign_of(long long report_id)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", report_id);
    return scalar("SELECT coalesce(c.merged_into, c.id) FROM report_assignments a"
                  " JOIN campaigns c ON c.id = a.campaign_id WHERE a.report_id = $1::int8",
                  id);
}

static void
setup(const char *suite)
{
    memset(&g, 0, sizeof g);
    ck_assert_msg(sgwt_db_fresh(&g.db, suite) == 0, "%s", sgwt_errmsg());
    ck_assert_msg(
        sgwt_key_create(g.db.url, "reporter", "vd-reporter", g.reporter, sizeof g.reporter) == 0,
        "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(g.db.url, "analyst", "vd-analyst", g.analyst, sizeof g.analyst) ==
                      0,
                  "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(g.db.url, "admin", "vd-admin", g.admin, sizeof g.admin) == 0,
                  "%s", sgwt_errmsg());
    g.analyst_id = sgwt_key_id(g.db.url, "vd-analyst");
    g.admin_id = sgwt_key_id(g.db.url, "vd-admin");
    const char *extra[] = {"--default-region", "US", NULL};
    ck_assert_msg(sgwt_server_start(&g.srv, suite, g.db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
}

static void
teardown_ok(void)
{
    ck_assert_int_eq(sgwt_server_stop(&g.srv, NULL), 0);
    sgwt_server_remove_log(&g.srv);
    sgwt_db_drop(&g.db);
}

/* Runs spamgw export with args after --database-url; returns the first path it printed. */
static void
run_export(const char *const *args, char *path, size_t pathsz)
{
    const char *argv[24];
    int n = 0;
    argv[n++] = sgwt_bin();
    argv[n++] = "export";
    argv[n++] = "--database-url";
    argv[n++] = g.db.url;
    argv[n++] = "--log-level";
    argv[n++] = "warn";
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct sgwt_proc_result r;
    memset(&r, 0, sizeof r);
    ck_assert_msg(sgwt_run(argv, 60000, &r) == 0, "run: %s", sgwt_errmsg());
    ck_assert_msg(r.status == 0, "export exited %d: %s", r.status, r.err ? r.err : "");
    path[0] = '\0';
    if (r.out) {
        char fmt[16];
        snprintf(fmt, sizeof fmt, "%%%zus", pathsz - 1);
        sscanf(r.out, fmt, path);
    }
    sgwt_proc_result_fini(&r);
    ck_assert_msg(path[0] == '/', "export printed no path");
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
make_dir(char *out, size_t outsz, const char *tag)
{
    snprintf(out, outsz, "%s/sgwt-verdicts-%s-%d-XXXXXX", sgwt_tmpdir(), tag, (int)getpid());
    ck_assert(mkdtemp(out) != NULL);
}

static void
rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Ids of the campaigns in an NDJSON export, with the status of want_id in *status. */
static int
ndjson_ids(const char *path, long long *ids, int max, long long want_id, char *status,
           size_t statussz)
{
    char *text = slurp(path);
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(j != NULL, "bad NDJSON line: %s", line);
        long long id = json_integer_value(json_object_get(j, "id"));
        if (n < max)
            ids[n] = id;
        n++;
        if (id == want_id && status)
            snprintf(status, statussz, "%s", json_string_value(json_object_get(j, "status")));
        json_decref(j);
    }
    free(text);
    return n;
}

/* ---- verdicts ---- */

#define RACERS 8

struct racer {
    const char *path;
    int status;
};

static void *
race_one(void *arg)
{
    struct racer *r = arg;
    struct sgwt_response resp;
    r->status = -1;
    if (call("PATCH", r->path, g.analyst, "{\"status\":\"blocked\",\"expected_status\":\"open\"}",
             NULL, &resp) == SGWT_HTTP_OK)
        r->status = resp.status;
    sgwt_response_fini(&resp);
    return NULL;
}

START_TEST(test_verdicts)
{
    char path[128], body[256], id_s[24];
    setup("verdicts");
    long long ra = post_reports(0, 8, 0);
    long long rb = post_reports(1, 8, 0);
    wait_caught_up();
    long long a = campaign_of(ra), b = campaign_of(rb);
    ck_assert_msg(a > 0 && b > 0 && a != b, "campaigns %lld %lld", a, b);
    snprintf(id_s, sizeof id_s, "%lld", a);

    /* A first incremental export takes every campaign; the next only what changed since. */
    char dir[256], file[1024];
    make_dir(dir, sizeof dir, "inc");
    const char *inc[] = {"--format", "ndjson", "--out", dir, "--incremental", "--name", "vd", NULL};
    run_export(inc, file, sizeof file);
    long long ids[16];
    ck_assert_int_eq(ndjson_ids(file, ids, 16, 0, NULL, 0), 2);

    long long seq_b = scalar("SELECT change_seq FROM campaign_changes WHERE campaign_id = $1::int8",
                             (snprintf(body, sizeof body, "%lld", b), body));

    /* open → blocked */
    snprintf(path, sizeof path, "/v1/campaigns/%lld", a);
    json_t *j = expect("PATCH", path, g.analyst,
                       "{\"status\":\"blocked\",\"note\":\"parcel phishing, 8 reports\"}", 200);
    ck_assert_int_eq(jint(j, "id"), a);
    ck_assert(json_is_null(json_object_get(j, "merged_from")));
    ck_assert_str_eq(jstr(j, "status"), "blocked");
    ck_assert_str_eq(jstr(j, "previous_status"), "open");
    ck_assert_str_eq(jstr(j, "note"), "parcel phishing, 8 reports");
    assert_rfc3339_utc(jstr(j, "changed_at"));
    json_t *by = json_object_get(j, "changed_by");
    ck_assert_int_eq(jint(by, "key_id"), g.analyst_id);
    ck_assert_str_eq(jstr(by, "name"), "vd-analyst");
    long long v1 = jint(j, "verdict_id");
    json_decref(j);
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaigns WHERE id = $1::int8 AND"
                            " status = 'blocked'",
                            id_s),
                     1);
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaign_verdicts WHERE campaign_id = $1::int8"
                            " AND from_status = 'open' AND to_status = 'blocked'"
                            " AND key_name = 'vd-analyst' AND requested_id = campaign_id",
                            id_s),
                     1);

    /* The status change is a change for incremental exports: only a, now blocked. */
    char st[32] = "";
    run_export(inc, file, sizeof file);
    ck_assert_int_eq(ndjson_ids(file, ids, 16, a, st, sizeof st), 1);
    ck_assert_int_eq(ids[0], a);
    ck_assert_str_eq(st, "blocked");
    snprintf(body, sizeof body, "%lld", b);
    ck_assert_int_eq(
        scalar("SELECT change_seq FROM campaign_changes WHERE campaign_id = $1::int8", body),
        seq_b);

    /* The same status again: 200, audited, but not a change for exports. */
    long long seq_a =
        scalar("SELECT change_seq FROM campaign_changes WHERE campaign_id = $1::int8", id_s);
    j = expect("PATCH", path, g.analyst, "{\"status\":\"blocked\"}", 200);
    ck_assert_str_eq(jstr(j, "previous_status"), "blocked");
    ck_assert_str_eq(jstr(j, "status"), "blocked");
    ck_assert(json_is_null(json_object_get(j, "note")));
    ck_assert_int_gt(jint(j, "verdict_id"), v1);
    json_decref(j);
    ck_assert_int_eq(
        scalar("SELECT change_seq FROM campaign_changes WHERE campaign_id = $1::int8", id_s),
        seq_a);
    ck_assert_int_eq(
        scalar("SELECT count(*) FROM campaign_verdicts WHERE campaign_id = $1::int8", id_s), 2);

    /* expected_status: a stale view is refused and changes nothing. */
    expect_error("PATCH", path, g.analyst,
                 "{\"status\":\"confirmed\",\"expected_status\":\"open\"}", NULL, 409,
                 "status_conflict", "expected_status");
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaigns WHERE id = $1::int8 AND"
                            " status = 'blocked'",
                            id_s),
                     1);
    ck_assert_int_eq(
        scalar("SELECT count(*) FROM campaign_verdicts WHERE campaign_id = $1::int8", id_s), 2);
    j = expect("PATCH", path, g.analyst,
               "{\"status\":\"confirmed\",\"expected_status\":\"blocked\",\"note\":\"checked\"}",
               200);
    ck_assert_str_eq(jstr(j, "previous_status"), "blocked");
    json_decref(j);

    /* The campaign document shows the status. */
    j = expect("GET", path, g.analyst, NULL, 200);
    ck_assert_str_eq(jstr(j, "status"), "confirmed");
    json_decref(j);

    /* Bad input. */
    expect_error("PATCH", path, g.analyst, "{\"status\":\"closed\"}", NULL, 400, "invalid_field",
                 "status");
    expect_error("PATCH", path, g.analyst, "{\"status\":\"blocked\",\"by\":\"me\"}", NULL, 400,
                 "unknown_field", "by");
    expect_error("PATCH", path, g.analyst, "{\"note\":\"x\"}", NULL, 400, "missing_field",
                 "status");
    expect_error("PATCH", path, g.analyst, "{\"status\":", NULL, 400, "invalid_json", NULL);
    expect_error("PATCH", path, g.analyst, "", NULL, 400, "invalid_json", NULL);
    expect_error("PATCH", "/v1/campaigns/abc", g.analyst, "{\"status\":\"blocked\"}", NULL, 400,
                 "invalid_field", "id");
    expect_error("PATCH", "/v1/campaigns/0", g.analyst, "{\"status\":\"blocked\"}", NULL, 400,
                 "invalid_field", "id");
    expect_error("PATCH", "/v1/campaigns/999999999", g.analyst, "{\"status\":\"blocked\"}", NULL,
                 404, "not_found", "id");
    expect_error("PATCH", path, g.analyst, "{\"status\":\"blocked\"}", "text/plain", 415,
                 "unsupported_media_type", NULL);
    expect_error("PATCH", path, g.reporter, "{\"status\":\"blocked\"}", NULL, 403, "forbidden",
                 NULL);
    expect_error("PATCH", path, g.admin, "{\"status\":\"blocked\"}", NULL, 403, "forbidden", NULL);
    expect_error("PATCH", path, NULL, "{\"status\":\"blocked\"}", NULL, 401, "unauthorized", NULL);
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaign_verdicts", NULL), 3);

    /* The trail, newest first. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld/verdicts", a);
    j = expect("GET", path, g.analyst, NULL, 200);
    ck_assert_int_eq(jint(j, "id"), a);
    json_t *vs = json_object_get(j, "verdicts");
    ck_assert_int_eq(json_array_size(vs), 3);
    const char *want[][2] = {{"confirmed", "blocked"}, {"blocked", "blocked"}, {"blocked", "open"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_array_get(vs, i);
        ck_assert_str_eq(jstr(v, "status"), want[i][0]);
        ck_assert_str_eq(jstr(v, "previous_status"), want[i][1]);
        ck_assert_int_eq(jint(v, "id"), a);
        assert_rfc3339_utc(jstr(v, "changed_at"));
        ck_assert_int_eq(jint(json_object_get(v, "changed_by"), "key_id"), g.analyst_id);
    }
    ck_assert_str_eq(jstr(json_array_get(vs, 0), "note"), "checked");
    json_decref(j);
    snprintf(path, sizeof path, "/v1/campaigns/%lld/verdicts", b);
    j = expect("GET", path, g.analyst, NULL, 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "verdicts")), 0);
    json_decref(j);
    expect_error("GET", "/v1/campaigns/999999999/verdicts", g.analyst, NULL, NULL, 404, "not_found",
                 "id");
    expect_error("GET", "/v1/campaigns/x1/verdicts", g.analyst, NULL, NULL, 400, "invalid_field",
                 "id");
    expect_error("GET", path, g.reporter, NULL, NULL, 403, "forbidden", NULL);

    /* A report with both campaigns' domains bridges them: the younger one is merged. */
    struct sgwt_response r;
    SGWT_ASSERT_HTTP(call("POST", "/v1/reports", g.reporter,
                          "{\"content\":\"Pay the parcel fee at hxxp://alpha.top/p or get a loan"
                          " at beta-loans.xyz\",\"sender\":\"+19175550999\"}",
                          NULL, &r),
                     &r, 202, &g.srv);
    sgwt_response_fini(&r);
    wait_caught_up();
    long long merged = scalar("SELECT coalesce(max(old_id), 0) FROM campaign_merges", NULL);
    ck_assert_msg(merged == a || merged == b, "no merge of %lld and %lld (got %lld)", a, b, merged);
    long long survivor = merged == a ? b : a;
    snprintf(path, sizeof path, "/v1/campaigns/%lld", merged);
    j = expect("PATCH", path, g.analyst, "{\"status\":\"false_positive\",\"note\":\"via old id\"}",
               200);
    ck_assert_int_eq(jint(j, "id"), survivor);
    ck_assert_int_eq(jint(j, "merged_from"), merged);
    ck_assert_str_eq(jstr(j, "previous_status"), survivor == a ? "confirmed" : "open");
    json_decref(j);
    snprintf(id_s, sizeof id_s, "%lld", survivor);
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaigns WHERE id = $1::int8 AND"
                            " status = 'false_positive'",
                            id_s),
                     1);
    snprintf(path, sizeof path, "/v1/campaigns/%lld/verdicts", merged);
    j = expect("GET", path, g.analyst, NULL, 200);
    ck_assert_int_eq(jint(j, "id"), survivor);
    ck_assert_int_eq(jint(j, "merged_from"), merged);
    vs = json_object_get(j, "verdicts");
    /* The survivor's trail includes what was said of the campaign merged into it. */
    ck_assert_int_eq(json_array_size(vs), 4);
    ck_assert_str_eq(jstr(json_array_get(vs, 0), "note"), "via old id");
    ck_assert_int_eq(jint(json_array_get(vs, 0), "merged_from"), merged);
    json_decref(j);

    /* Racing analysts who all saw "open": the row lock lets exactly one of them win. */
    snprintf(path, sizeof path, "/v1/campaigns/%lld", survivor);
    json_decref(expect("PATCH", path, g.analyst, "{\"status\":\"open\"}", 200));
    long long before = scalar("SELECT count(*) FROM campaign_verdicts", NULL);
    struct racer racers[RACERS];
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i].path = path;
        pthread_create(&th[i], NULL, race_one, &racers[i]);
    }
    int won = 0, lost = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        won += racers[i].status == 200;
        lost += racers[i].status == 409;
    }
    ck_assert_msg(won == 1 && lost == RACERS - 1, "%d won, %d lost", won, lost);
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaign_verdicts", NULL), before + 1);

    rm_rf(dir);
    teardown_ok();
}
END_TEST

/* ---- allowlist ---- */

static void
check_entry(json_t *e, const char *entry, const char *kind, long long key_id, const char *name)
{
    ck_assert_str_eq(jstr(e, "entry"), entry);
    ck_assert_str_eq(jstr(e, "kind"), kind);
    assert_rfc3339_utc(jstr(e, "added_at"));
    json_t *by = json_object_get(e, "added_by");
    if (name == NULL) {
        ck_assert(json_is_null(by));
    } else {
        ck_assert_int_eq(jint(by, "key_id"), key_id);
        ck_assert_str_eq(jstr(by, "name"), name);
    }
}

START_TEST(test_allowlist)
{
    setup("allowlist");
    long long ra = post_reports(0, 6, 0);
    long long rc = post_reports(2, 6, 0);
    wait_caught_up();
    long long a = campaign_of(ra), c = campaign_of(rc);
    ck_assert(a > 0 && c > 0 && a != c);

    json_t *j = expect("GET", "/v1/allowlist", g.admin, NULL, 200);
    ck_assert_int_eq(json_array_size(json_object_get(j, "entries")), 0);
    json_decref(j);

    j = expect("POST", "/v1/allowlist", g.analyst,
               "{\"entry\":\"(212) 555-0101\",\"country\":\"US\",\"note\":\"our help line\"}", 201);
    check_entry(j, "+12125550101", "phone", g.analyst_id, "vd-analyst");
    ck_assert_str_eq(jstr(j, "note"), "our help line");
    json_decref(j);
    expect_error("POST", "/v1/allowlist", g.admin, "{\"entry\":\"+1 212 555 0101\"}", NULL, 409,
                 "already_listed", "entry");
    j = expect("POST", "/v1/allowlist", g.admin, "{\"entry\":\"ALPHA.top\"}", 201);
    check_entry(j, "alpha.top", "domain", g.admin_id, "vd-admin");
    ck_assert(json_is_null(json_object_get(j, "note")));
    json_decref(j);
    j = expect("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"САЙТ.РФ\"}", 201);
    check_entry(j, "сайт.рф", "domain", g.analyst_id, "vd-analyst");
    json_decref(j);
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"xn--80aswg.xn--p1ai\"}", NULL,
                 409, "already_listed", "entry");
    j = expect("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"Help@Example.COM\"}", 201);
    check_entry(j, "help@example.com", "email", g.analyst_id, "vd-analyst");
    json_decref(j);
    j = expect("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"7726\"}", 201);
    check_entry(j, "7726", "short_code", g.analyst_id, "vd-analyst");
    json_decref(j);
    j = expect("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"MyBank\"}", 201);
    check_entry(j, "MYBANK", "alphanumeric", g.analyst_id, "vd-analyst");
    json_decref(j);
    j = expect("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"+1 212 555 0102\"}", 201);
    json_decref(j);

    /* Bad input and roles. */
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"not a thing!\"}", NULL, 400,
                 "invalid_field", "entry");
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"https://x.top/a\"}", NULL, 400,
                 "invalid_field", "entry");
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"co.uk\"}", NULL, 400,
                 "invalid_field", "entry");
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"x.top\",\"why\":1}", NULL, 400,
                 "unknown_field", "why");
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"note\":\"x\"}", NULL, 400, "missing_field",
                 "entry");
    expect_error("POST", "/v1/allowlist", g.analyst, "{\"entry\":\"x.top\",\"country\":\"ZZ\"}",
                 NULL, 400, "invalid_field", "country");
    expect_error("POST", "/v1/allowlist", g.analyst, "{", NULL, 400, "invalid_json", NULL);
    expect_error("POST", "/v1/allowlist", g.reporter, "{\"entry\":\"x.top\"}", NULL, 403,
                 "forbidden", NULL);
    expect_error("GET", "/v1/allowlist", g.reporter, NULL, NULL, 403, "forbidden", NULL);
    expect_error("GET", "/v1/allowlist", NULL, NULL, NULL, 401, "unauthorized", NULL);
    expect_error("PUT", "/v1/allowlist", g.analyst, NULL, NULL, 405, "method_not_allowed", NULL);

    /* A row added by hand is listed with the kind its shape says and no key. */
    exec_sql("INSERT INTO export_allowlist (entry, note) VALUES ('+13105550001', 'by hand')");
    j = expect("GET", "/v1/allowlist", g.analyst, NULL, 200);
    json_t *es = json_object_get(j, "entries");
    ck_assert_int_eq(json_array_size(es), 8);
    const char *order[] = {"+12125550101", "+12125550102", "+13105550001",     "7726",
                           "MYBANK",       "alpha.top",    "help@example.com", "сайт.рф"};
    for (size_t i = 0; i < 8; i++)
        ck_assert_str_eq(jstr(json_array_get(es, i), "entry"), order[i]);
    check_entry(json_array_get(es, 2), "+13105550001", "phone", 0, NULL);
    json_decref(j);

    /* DELETE normalises the path entry too (percent-encoded, national with ?country). */
    j = expect("DELETE", "/v1/allowlist/(212)%20555-0102?country=US", g.admin, NULL, 200);
    ck_assert_str_eq(jstr(j, "entry"), "+12125550102");
    json_decref(j);
    expect_error("DELETE", "/v1/allowlist/%2B12125550102", g.admin, NULL, NULL, 404, "not_found",
                 "entry");
    j = expect("DELETE", "/v1/allowlist/%2B13105550001", g.analyst, NULL, 200);
    ck_assert_str_eq(jstr(j, "note"), "by hand");
    json_decref(j);
    expect_error("DELETE", "/v1/allowlist/%FF%FE.com", g.analyst, NULL, NULL, 404, "not_found",
                 "entry");
    expect_error("DELETE", "/v1/allowlist/%00", g.analyst, NULL, NULL, 404, "not_found", "entry");
    expect_error("DELETE", "/v1/allowlist/MyBank?country=QQ", g.analyst, NULL, NULL, 400,
                 "invalid_field", "country");
    expect_error("DELETE", "/v1/allowlist/MyBank", g.reporter, NULL, NULL, 403, "forbidden", NULL);
    ck_assert_int_eq(scalar("SELECT count(*) FROM export_allowlist", NULL), 6);

    /* The blocklist of the two blocked campaigns leaves the allowlisted entries out. */
    char path[64], dir[256], file[1024];
    snprintf(path, sizeof path, "/v1/campaigns/%lld", a);
    json_decref(expect("PATCH", path, g.analyst, "{\"status\":\"blocked\"}", 200));
    snprintf(path, sizeof path, "/v1/campaigns/%lld", c);
    json_decref(expect("PATCH", path, g.analyst, "{\"status\":\"confirmed\"}", 200));
    make_dir(dir, sizeof dir, "bl");
    const char *bl[] = {"--format", "blocklist", "--out", dir, NULL};
    run_export(bl, file, sizeof file);
    char *txt = slurp(file);
    if (strstr(file, ".txt") == NULL) {
        /* The .csv came first: read the .txt beside it. */
        char *dot = strrchr(file, '.');
        ck_assert(dot != NULL);
        snprintf(dot, (size_t)(file + sizeof file - dot), ".txt");
        free(txt);
        txt = slurp(file);
    }
    /* Whole lines only. */
    char *lines = malloc(strlen(txt) + 3);
    snprintf(lines, strlen(txt) + 3, "\n%s", txt);
    ck_assert_msg(strstr(lines, "\n+12125550100\n") != NULL, "blocklist:\n%s", txt);
    ck_assert_msg(strstr(lines, "\n+12125550105\n") != NULL, "blocklist:\n%s", txt);
    ck_assert_msg(strstr(lines, "\ngamma-refund.top\n") != NULL, "blocklist:\n%s", txt);
    ck_assert_msg(strstr(lines, "\n+14155550000\n") != NULL, "blocklist:\n%s", txt);
    ck_assert_msg(strstr(lines, "\n+12125550101\n") == NULL, "allowlisted sender listed:\n%s", txt);
    ck_assert_msg(strstr(lines, "\nalpha.top\n") == NULL, "allowlisted domain listed:\n%s", txt);
    ck_assert_msg(strstr(lines, "xn--80aswg.xn--p1ai") == NULL && strstr(lines, "сайт.рф") == NULL,
                  "allowlisted IDN listed:\n%s", txt);
    /* And the IDN really was an indicator of the blocked campaign, so leaving it out was the
     * allowlist's doing. */
    char cs[24];
    snprintf(cs, sizeof cs, "%lld", c);
    ck_assert_int_eq(scalar("SELECT count(*) FROM campaign_indicators WHERE campaign_id = $1::int8"
                            " AND indicator = 'domain:xn--80aswg.xn--p1ai'",
                            cs),
                     1);
    free(lines);
    free(txt);
    rm_rf(dir);
    teardown_ok();
}
END_TEST

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    Suite *s = suite_create("verdicts");
    TCase *tc = tcase_create("verdicts");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_verdicts);
    suite_add_tcase(s, tc);
    tc = tcase_create("allowlist");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_allowlist);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
