/* Integration suite: "acknowledged means committed" under load. Four or more client threads
 * post real SMS texts (UCI SMS Spam Collection) over keep-alive connections while the gateway
 * is SIGKILLed and restarted (phase 1) or PostgreSQL is stopped and started under it
 * (phase 2). Every id answered 202 (or 200 on an idempotent replay) must then be in the
 * reports table with the content and Idempotency-Key that were sent.
 * Needs SPAMGW_BIN, SPAMGW_TEST_DATABASE_URL, SPAMGW_SHARED, and for phase 2
 * SPAMGW_TEST_PG_STOP / SPAMGW_TEST_PG_START; fails without them. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define NWORKERS 4
#define ANSWER_LIMIT_MS 10000 /* every request must be answered within this */

static struct sgwt_db g_db;
static char g_key[256];
static char **g_msgs; /* contents from SMSSpamCollection, valid UTF-8 */
static size_t g_nmsgs;

/* ---- the load client ---- */

struct ack {
    long long id;
    unsigned msg; /* index into g_msgs */
    unsigned seq; /* request number within its worker: Idempotency-Key dur-P-W-SEQ */
    int epoch;    /* which gateway process answered (phase 1) */
};

struct worker {
    pthread_t th;
    int idx;
    int phase;
    struct ack *acks;
    size_t nacks, cap;
    long replays; /* 200 answers: a retried request was already committed */
    long n503, n503_no_retry_after;
    long other_status;     /* any status but 200/202/503 */
    long transport_errors; /* no answer: reset, refused, closed mid-way */
    long timeouts;         /* no answer within ANSWER_LIMIT_MS */
    long stale_retries;    /* idle keep-alive closed under us: retried, not an error */
    long stored_after_503; /* a 503'd request whose retry (same key) was a replay: stored */
    long long max_answer_ms;
    long acked_in_outage; /* 202 for a request sent and answered while PostgreSQL was down */
    char first_other[512];
};

static atomic_int g_port;
static atomic_int g_epoch;
static atomic_int g_stop;
static atomic_llong g_outage_from, g_outage_to; /* monotonic ms; 0 = none */
static atomic_llong g_pg_started_at;            /* monotonic ms when PG_START returned */
static atomic_llong g_first_ack_after_start;    /* answer time of the first such 202 */

static char *
make_body(unsigned msg)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "content", g_msgs[msg], "channel", "sms", "sender",
                          (msg % 3 == 0)   ? "+447700900123"
                          : (msg % 3 == 1) ? "80085"
                                           : "Promo");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void
add_ack(struct worker *w, long long id, unsigned msg, unsigned seq, int epoch)
{
    if (w->nacks == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->acks = realloc(w->acks, w->cap * sizeof *w->acks);
    }
    w->acks[w->nacks++] = (struct ack){id, msg, seq, epoch};
}

static long long
answer_id(const struct sgwt_response *r)
{
    json_t *j = sgwt_response_json(r);
    json_t *id = j ? json_object_get(j, "id") : NULL;
    long long v = json_is_integer(id) ? (long long)json_integer_value(id) : -1;
    json_decref(j);
    return v;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct sgwt_conn *conn = sgwt_conn_new(atomic_load(&g_port));
    sgwt_conn_set_timeout(conn, ANSWER_LIMIT_MS + 1000);
    char auth[300], idem[96];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_key);

    for (unsigned seq = 0; !atomic_load(&g_stop); seq++) {
        unsigned msg = (unsigned)((w->idx * 7919u + seq * 104729u) % g_nmsgs);
        char *body = make_body(msg);
        snprintf(idem, sizeof idem, "Idempotency-Key: dur-%d-%d-%u", w->phase, w->idx, seq);
        const char *h[] = {auth, "Content-Type: application/json", idem, NULL};
        /* Retry the same request (same Idempotency-Key) until it is acknowledged or we stop,
         * as a real client would after a 503 or a broken connection. */
        int refused = 0;
        for (int attempt = 0;; attempt++) {
            if (attempt > 0 && atomic_load(&g_stop))
                break;
            sgwt_conn_set_port(conn, atomic_load(&g_port));
            int epoch = atomic_load(&g_epoch);
            int reused = sgwt_conn_is_open(conn) && sgwt_conn_reuse_count(conn) > 0;
            long long t_send = sgwt_now_ms();
            struct sgwt_response r;
            int rc = sgwt_conn_request(conn, "POST", "/v1/reports", h, body, strlen(body), &r);
            long long t_done = sgwt_now_ms();
            if (rc != SGWT_HTTP_OK) {
                if (rc == SGWT_HTTP_ECLOSED && reused) {
                    w->stale_retries++; /* HTTP allows closing idle keep-alive connections */
                    continue;
                }
                if (rc == SGWT_HTTP_ETIMEOUT)
                    w->timeouts++;
                else
                    w->transport_errors++;
                if (t_done - t_send > w->max_answer_ms && rc == SGWT_HTTP_ETIMEOUT)
                    w->max_answer_ms = t_done - t_send;
                sgwt_sleep_ms(20);
                continue;
            }
            if (t_done - t_send > w->max_answer_ms)
                w->max_answer_ms = t_done - t_send;
            if (r.status == 202 || r.status == 200) {
                long long id = answer_id(&r);
                if (id <= 0) {
                    w->other_status++;
                    if (!w->first_other[0])
                        snprintf(w->first_other, sizeof w->first_other, "%d with body %.400s",
                                 r.status, r.body);
                } else {
                    add_ack(w, id, msg, seq, epoch);
                    if (r.status == 200)
                        w->replays++;
                    if (r.status == 200 && refused)
                        w->stored_after_503++;
                    long long of = atomic_load(&g_outage_from), ot = atomic_load(&g_outage_to);
                    if (of && t_send >= of && (!ot || t_done <= ot))
                        w->acked_in_outage++;
                    long long st = atomic_load(&g_pg_started_at);
                    long long zero = 0;
                    if (st && t_send >= st)
                        atomic_compare_exchange_strong(&g_first_ack_after_start, &zero, t_done);
                }
            } else if (r.status == 503) {
                w->n503++;
                if (!sgwt_response_header(&r, "Retry-After"))
                    w->n503_no_retry_after++;
                sgwt_response_fini(&r);
                refused = 1;
                sgwt_sleep_ms(100);
                continue;
            } else {
                w->other_status++;
                if (!w->first_other[0])
                    snprintf(w->first_other, sizeof w->first_other, "%d with body %.400s", r.status,
                             r.body);
            }
            sgwt_response_fini(&r);
            break;
        }
        free(body);
    }
    sgwt_conn_free(conn);
    return NULL;
}

static void
workers_start(struct worker *ws, int phase)
{
    atomic_store(&g_stop, 0);
    for (int i = 0; i < NWORKERS; i++) {
        memset(&ws[i], 0, sizeof ws[i]);
        ws[i].idx = i;
        ws[i].phase = phase;
        ck_assert_int_eq(pthread_create(&ws[i].th, NULL, worker_main, &ws[i]), 0);
    }
}

static void
workers_stop(struct worker *ws)
{
    atomic_store(&g_stop, 1);
    for (int i = 0; i < NWORKERS; i++)
        pthread_join(ws[i].th, NULL);
}

struct totals {
    long acked, replays, n503, n503_no_ra, other, transport, timeouts, stale, in_outage,
        stored_after_503;
    long long max_ms;
    const char *first_other;
};

static struct totals
sum(const struct worker *ws)
{
    struct totals t = {0};
    for (int i = 0; i < NWORKERS; i++) {
        t.acked += (long)ws[i].nacks;
        t.replays += ws[i].replays;
        t.n503 += ws[i].n503;
        t.n503_no_ra += ws[i].n503_no_retry_after;
        t.other += ws[i].other_status;
        t.transport += ws[i].transport_errors;
        t.timeouts += ws[i].timeouts;
        t.stale += ws[i].stale_retries;
        t.in_outage += ws[i].acked_in_outage;
        t.stored_after_503 += ws[i].stored_after_503;
        if (ws[i].max_answer_ms > t.max_ms)
            t.max_ms = ws[i].max_answer_ms;
        if (!t.first_other && ws[i].first_other[0])
            t.first_other = ws[i].first_other;
    }
    return t;
}

static void
print_totals(const char *phase, const struct totals *t)
{
    printf("%s: acked=%ld (replayed 200: %ld) 503s=%ld (without Retry-After: %ld) "
           "other_status=%ld transport_errors=%ld timeouts=%ld stale_keepalive_retries=%ld "
           "acked_during_outage=%ld stored_despite_503=%ld max_answer_ms=%lld\n",
           phase, t->acked, t->replays, t->n503, t->n503_no_ra, t->other, t->transport, t->timeouts,
           t->stale, t->in_outage, t->stored_after_503, t->max_ms);
}

/* Every acknowledged id is in reports with the content and Idempotency-Key that were sent. */
static void
verify_acks(const struct worker *ws, int phase)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c, "%s", sgwt_errmsg());
    PGresult *p = PQprepare(
        c, "ack", "SELECT content, idempotency_key FROM reports WHERE id = $1::bigint", 1, NULL);
    ck_assert_msg(PQresultStatus(p) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(p);
    long missing = 0, wrong = 0, checked = 0;
    char first_problem[1024] = "";
    for (int i = 0; i < NWORKERS; i++) {
        for (size_t k = 0; k < ws[i].nacks; k++) {
            const struct ack *a = &ws[i].acks[k];
            char ids[32], idem[96];
            snprintf(ids, sizeof ids, "%lld", a->id);
            snprintf(idem, sizeof idem, "dur-%d-%d-%u", phase, i, a->seq);
            const char *params[] = {ids};
            PGresult *r = PQexecPrepared(c, "ack", 1, params, NULL, NULL, 0);
            ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
            checked++;
            if (PQntuples(r) == 0) {
                if (!missing++)
                    snprintf(first_problem, sizeof first_problem,
                             "id %lld (Idempotency-Key %s, gateway #%d) acknowledged but missing",
                             a->id, idem, a->epoch);
            } else if (strcmp(PQgetvalue(r, 0, 0), g_msgs[a->msg]) != 0 || PQgetisnull(r, 0, 1) ||
                       strcmp(PQgetvalue(r, 0, 1), idem) != 0) {
                if (!wrong++ && !first_problem[0])
                    snprintf(first_problem, sizeof first_problem,
                             "id %lld: stored [%.200s] key %s, sent [%.200s] key %s", a->id,
                             PQgetvalue(r, 0, 0),
                             PQgetisnull(r, 0, 1) ? "NULL" : PQgetvalue(r, 0, 1), g_msgs[a->msg],
                             idem);
            }
            PQclear(r);
        }
    }
    printf("phase %d: verified %ld acknowledged reports: %ld missing, %ld mismatched\n", phase,
           checked, missing, wrong);
    PQfinish(c);
    ck_assert_msg(missing == 0 && wrong == 0,
                  "%ld acknowledged reports lost, %ld stored differently; first: %s", missing,
                  wrong, first_problem);
}

/* ---- phase 1: SIGKILL the gateway under load, three times ---- */

START_TEST(test_kill9_restart_loses_nothing)
{
    struct sgwt_server srv = {0};
    struct worker ws[NWORKERS];
    ck_assert_msg(sgwt_server_start(&srv, "durability-kill9", g_db.url, NULL, NULL) == 0, "%s",
                  sgwt_errmsg());
    atomic_store(&g_port, srv.port);
    atomic_store(&g_epoch, 0);
    workers_start(ws, 1);
    sgwt_sleep_ms(1500);
    for (int k = 1; k <= 3; k++) {
        sgwt_server_kill9(&srv);
        int rc = sgwt_server_start(&srv, "durability-kill9", g_db.url, NULL, NULL);
        if (rc != 0) {
            workers_stop(ws);
            ck_abort_msg("restart %d after SIGKILL failed: %s", k, sgwt_errmsg());
        }
        atomic_store(&g_epoch, k);
        atomic_store(&g_port, srv.port);
        sgwt_sleep_ms(1500);
    }
    workers_stop(ws);
    int code = sgwt_server_stop(&srv, NULL);

    struct totals t = sum(ws);
    print_totals("phase 1 (3 x SIGKILL + restart)", &t);
    if (code != 0)
        sgwt_server_log_tail(&srv, 30);
    ck_assert_msg(code == 0, "gateway exited %d on SIGTERM after the kill/restart run", code);
    ck_assert_msg(t.other == 0, "%ld answers with an unexpected status; first: %s", t.other,
                  t.first_other);
    /* The clients followed every restart: each gateway process acknowledged something. */
    for (int e = 0; e <= 3; e++) {
        long n = 0;
        for (int i = 0; i < NWORKERS; i++)
            for (size_t k = 0; k < ws[i].nacks; k++)
                n += ws[i].acks[k].epoch == e;
        ck_assert_msg(n > 0, "gateway #%d (after %d restarts) acknowledged nothing", e, e);
    }
    verify_acks(ws, 1);
    for (int i = 0; i < NWORKERS; i++)
        free(ws[i].acks);
    sgwt_server_remove_log(&srv);
}
END_TEST

/* ---- phase 2: PostgreSQL stops and starts under a running gateway ---- */

static atomic_int pg_down; /* set while this process has stopped PostgreSQL */

static void
pg_start_if_down(void)
{
    if (atomic_exchange(&pg_down, 0))
        sgwt_sh_logged(sgwt_env("SPAMGW_TEST_PG_START"), "/dev/null", 60000);
}

START_TEST(test_database_outage_answers_503_and_recovers)
{
    const char *pg_stop = sgwt_env("SPAMGW_TEST_PG_STOP");
    const char *pg_start = sgwt_env("SPAMGW_TEST_PG_START");
    ck_assert_msg(pg_stop && pg_start,
                  "SPAMGW_TEST_PG_STOP and SPAMGW_TEST_PG_START must be set (tests/run sets them)");
    atexit(pg_start_if_down);
    char pglog[512];
    snprintf(pglog, sizeof pglog, "%s/sgwt-durability-pg-%d.log", sgwt_tmpdir(), (int)getpid());

    struct sgwt_server srv = {0};
    struct worker ws[NWORKERS];
    ck_assert_msg(sgwt_server_start(&srv, "durability-pg", g_db.url, NULL, NULL) == 0, "%s",
                  sgwt_errmsg());
    atomic_store(&g_port, srv.port);
    atomic_store(&g_epoch, 0);
    atomic_store(&g_outage_from, 0);
    atomic_store(&g_outage_to, 0);
    atomic_store(&g_pg_started_at, 0);
    atomic_store(&g_first_ack_after_start, 0);
    workers_start(ws, 2);
    sgwt_sleep_ms(1500);

    /* No assertion may end the test between stop and start: PostgreSQL must come back. */
    atomic_store(&pg_down, 1);
    int stop_rc = sgwt_sh_logged(pg_stop, pglog, 60000);
    char stop_err[1024];
    snprintf(stop_err, sizeof stop_err, "%s", sgwt_errmsg());
    atomic_store(&g_outage_from, sgwt_now_ms());
    sgwt_sleep_ms(1000);
    /* Readiness follows the database. */
    struct sgwt_response rr;
    int ready_rc = sgwt_http_request(srv.port, "GET", "/readyz", NULL, NULL, 0, &rr);
    int ready_down = ready_rc == SGWT_HTTP_OK ? rr.status : ready_rc;
    sgwt_response_fini(&rr);
    sgwt_sleep_ms(1000);
    atomic_store(&g_outage_to, sgwt_now_ms());
    int start_rc = sgwt_sh_logged(pg_start, pglog, 60000);
    char start_err[1024];
    snprintf(start_err, sizeof start_err, "%s", sgwt_errmsg());
    long long started = sgwt_now_ms();
    atomic_store(&g_pg_started_at, started);
    if (start_rc == 0)
        atomic_store(&pg_down, 0);

    /* Recovery without a restart: a request sent after the start is acknowledged. */
    while (!atomic_load(&g_first_ack_after_start) && sgwt_now_ms() - started < 15000)
        sgwt_sleep_ms(50);
    long long first_ack = atomic_load(&g_first_ack_after_start);
    sgwt_sleep_ms(1000);
    ready_rc = sgwt_http_request(srv.port, "GET", "/readyz", NULL, NULL, 0, &rr);
    int ready_up = ready_rc == SGWT_HTTP_OK ? rr.status : ready_rc;
    sgwt_response_fini(&rr);
    workers_stop(ws);
    int alive = sgwt_server_alive(&srv);
    int code = sgwt_server_stop(&srv, NULL);

    struct totals t = sum(ws);
    print_totals("phase 2 (PostgreSQL stopped for 2 s)", &t);
    if (first_ack)
        printf("phase 2: first 202 %lld ms after PostgreSQL started\n", first_ack - started);
    printf("phase 2: /readyz answered %d during the outage, %d after\n", ready_down, ready_up);
    if (!first_ack || t.other || t.transport || t.timeouts || code != 0)
        sgwt_server_log_tail(&srv, 40);
    ck_assert_msg(stop_rc == 0, "SPAMGW_TEST_PG_STOP failed: %s", stop_err);
    ck_assert_msg(start_rc == 0, "SPAMGW_TEST_PG_START failed: %s", start_err);
    ck_assert_msg(alive, "the gateway died during the database outage");
    ck_assert_msg(first_ack > 0,
                  "no 202 within 15 s of PostgreSQL coming back (the gateway must reconnect "
                  "by itself)");
    ck_assert_msg(t.timeouts == 0 && t.max_ms <= ANSWER_LIMIT_MS + 500,
                  "%ld requests hung past %d ms (slowest answer %lld ms)", t.timeouts,
                  ANSWER_LIMIT_MS, t.max_ms);
    ck_assert_msg(t.transport == 0,
                  "%ld requests got no HTTP answer (connection reset/closed) during the outage",
                  t.transport);
    ck_assert_msg(t.n503 > 0, "no 503 while PostgreSQL was down for 2 s");
    ck_assert_msg(ready_down == 503, "GET /readyz answered %d while PostgreSQL was down (want 503)",
                  ready_down);
    ck_assert_msg(ready_up == 200, "GET /readyz answered %d after PostgreSQL came back", ready_up);
    ck_assert_msg(t.n503_no_ra == 0, "%ld of %ld 503 answers lack Retry-After", t.n503_no_ra,
                  t.n503);
    ck_assert_msg(t.in_outage == 0,
                  "%ld reports acknowledged while PostgreSQL was down (sent and answered "
                  "between stop and start): they cannot have been committed",
                  t.in_outage);
    ck_assert_msg(t.other == 0, "%ld answers with an unexpected status; first: %s", t.other,
                  t.first_other);
    ck_assert_msg(code == 0, "gateway exited %d on SIGTERM after the outage", code);
    verify_acks(ws, 2);
    for (int i = 0; i < NWORKERS; i++)
        free(ws[i].acks);
    unlink(pglog);
    sgwt_server_remove_log(&srv);
}
END_TEST

/* ---- setup ---- */

static void
load_messages(void)
{
    const char *shared = sgwt_env_required("SPAMGW_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/SMSSpamCollection", shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "itest_durability: cannot open %s\n", path);
        exit(1);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab || !tab[1])
            continue;
        const char *text = tab + 1;
        json_t *s = json_string(text); /* NULL when not valid UTF-8 */
        if (!s || strlen(text) > 4096) {
            json_decref(s);
            continue;
        }
        json_decref(s);
        g_msgs = realloc(g_msgs, (g_nmsgs + 1) * sizeof *g_msgs);
        g_msgs[g_nmsgs++] = strdup(text);
    }
    free(line);
    fclose(f);
    if (g_nmsgs < 1000) {
        fprintf(stderr, "itest_durability: only %zu usable lines in %s\n", g_nmsgs, path);
        exit(1);
    }
}

static Suite *
durability_suite(void)
{
    Suite *s = suite_create("durability");
    TCase *tc = tcase_create("kill9");
    tcase_set_timeout(tc, 40);
    tcase_add_test(tc, test_kill9_restart_loses_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("database_outage");
    tcase_set_timeout(tc, 50);
    tcase_add_test(tc, test_database_outage_answers_503_and_recovers);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    load_messages();
    if (sgwt_db_fresh(&g_db, "durability") != 0 ||
        sgwt_key_create(g_db.url, "reporter", "durability-load", g_key, sizeof g_key) != 0) {
        fprintf(stderr, "itest_durability: setup failed: %s\n", sgwt_errmsg());
        return EXIT_FAILURE;
    }
    printf("durability: %zu messages loaded, %d client threads\n", g_nmsgs, NWORKERS);

    int failed = sgwt_suite_run(durability_suite());

    /* If a test died while PostgreSQL was stopped (timeout), bring it back before dropping. */
    if (sgwt_db_wait_ready(g_db.maint_url, 2000) != 0 && sgwt_env("SPAMGW_TEST_PG_START")) {
        fprintf(stderr, "itest_durability: PostgreSQL is down after the suite; starting it\n");
        sgwt_sh_logged(sgwt_env("SPAMGW_TEST_PG_START"), "/dev/null", 60000);
        sgwt_db_wait_ready(g_db.maint_url, 15000);
        failed++;
    }
    if (sgwt_db_drop(&g_db) != 0)
        fprintf(stderr, "itest_durability: drop database: %s\n", sgwt_errmsg());
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
