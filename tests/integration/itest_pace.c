/* Integration suite for read pacing against a real PostgreSQL. The writer's busy signal: false
 * at a low rate (one item per commit), true while the queue is deep and for the hold time after
 * large batches, false once that has passed (time pinned through sgw_db_writer_busy_at, so no
 * assertion depends on how fast the machine is); two writers take turns, but a job stuck in
 * one does not hold the queue behind it. The read pool: no waits while intake is idle
 * or the share is 100, one counted wait per read while busy, waits at least as long as the rule
 * says (lower bounds only), overlapping reads on two threads split the share between them, and
 * a stopping pool cuts a long wait short. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/pace.h"
#include "db/readpool.h"
#include "db/writer.h"
#include "gateway/common/metrics.h"
#include "gateway/common/timeutil.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/dbjob.h"
#include "tests/support/suite.h"

static struct sgwt_db g_db;

static enum sgw_status
run(struct sgw_db_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    enum sgw_status st =
        res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK ? SGW_OK : SGW_DATABASE;
    PQclear(res);
    return st;
}

static enum sgw_status
job_select(struct sgw_db_conn *c, void *arg)
{
    (void)arg;
    return run(c, "SELECT 1");
}

static enum sgw_status
job_sleep_20ms(struct sgw_db_conn *c, void *arg)
{
    (void)arg;
    return run(c, "SELECT pg_sleep(0.02)");
}

static enum sgw_status
job_sleep_200ms(struct sgw_db_conn *c, void *arg)
{
    (void)arg;
    return run(c, "SELECT pg_sleep(0.2)");
}

/* Holds its writer thread until the test lets go, so a queue can be built behind it. */
static atomic_int g_block_started, g_block_release;

static enum sgw_status
job_block(struct sgw_db_conn *c, void *arg)
{
    (void)arg;
    atomic_store(&g_block_started, 1);
    while (!atomic_load(&g_block_release))
        usleep(1000);
    return run(c, "SELECT 1");
}

static double
metric(const char *series)
{
    size_t len, n = strlen(series);
    char *text = sgw_metrics_render(&len);
    double v = -1;
    for (const char *line = text; line != NULL && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, series, n) == 0 && line[n] == ' ') {
            v = strtod(line + n + 1, NULL);
            break;
        }
    }
    free(text);
    ck_assert_msg(v >= 0, "no %s in /metrics", series);
    return v;
}

static double
waits(void)
{
    return metric("spamgw_read_pacing_waits_total");
}

static void
setup(void)
{
    ck_assert_msg(sgwt_db_create(&g_db, "pace") == 0, "%s", sgwt_errmsg());
}

static void
teardown(void)
{
    sgwt_db_drop(&g_db);
}

/* --- the writer's signal -------------------------------------------------------------------- */

/* Submits job_block and waits until a writer runs it: that writer is held until
 * g_block_release. */
static void
block_one_writer(struct sgw_db_writer *w, struct sgwt_job_outcome *b)
{
    atomic_store(&g_block_started, 0);
    atomic_store(&g_block_release, 0);
    ck_assert_int_eq(sgw_db_writer_submit_job(w, job_block, sgwt_job_done, b), SGW_OK);
    for (int i = 0; i < 5000 && !atomic_load(&g_block_started); i++)
        usleep(1000);
    ck_assert(atomic_load(&g_block_started));
}

/* Builds a queue of n jobs behind a blocked one, releases it, waits for all of them; *released
 * is the monotonic time just before the release. */
static void
drain_deep_queue(struct sgw_db_writer *w, int n, int64_t *released)
{
    struct sgwt_job_outcome b = {0}, *q = calloc((size_t)n, sizeof *q);
    block_one_writer(w, &b);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(sgw_db_writer_submit_job(w, job_select, sgwt_job_done, &q[i]), SGW_OK);
    ck_assert_int_eq(sgw_db_writer_depth(w), n);
    /* A backlog this deep is busy by itself, whatever the clock says. */
    ck_assert(sgw_db_writer_busy(w));
    ck_assert(sgw_db_writer_busy_at(w, sgw_monotonic_us() + 3600 * INT64_C(1000000)));
    *released = sgw_monotonic_us();
    atomic_store(&g_block_release, 1);
    sgwt_job_wait(&b, 10000);
    for (int i = 0; i < n; i++) {
        sgwt_job_wait(&q[i], 10000);
        ck_assert_int_eq(q[i].st, SGW_OK);
    }
    free(q);
}

START_TEST(test_writer_busy_signal)
{
    struct sgw_db_writer_config cfg = {g_db.url, 1, 64, 256, 10000};
    struct sgw_db_writer *w = sgw_db_writer_new(&cfg);
    ck_assert_int_eq(sgw_db_writer_start(w), 0);
    ck_assert(!sgw_db_writer_busy(w));

    /* Low rate: one item per commit, nothing waiting behind it: never busy. */
    for (int i = 0; i < 20; i++) {
        struct sgwt_job_outcome o = {0};
        ck_assert_int_eq(sgw_db_writer_submit_job(w, job_select, sgwt_job_done, &o), SGW_OK);
        sgwt_job_wait(&o, 10000);
        ck_assert_int_eq(o.st, SGW_OK);
        ck_assert_msg(!sgw_db_writer_busy(w), "busy after lone item %d", i);
    }

    /* 20 queued, popped as one batch of 20 (>= SGW_DB_PACE_BUSY_BATCH) after the release: busy
     * from then for the hold time, then idle again. */
    int64_t released;
    drain_deep_queue(w, 20, &released);
    ck_assert_int_eq(sgw_db_writer_depth(w), 0);
    ck_assert(sgw_db_writer_busy_at(w, released));
    /* Once stopped no writer stamps any more, so "after" is after every large batch. */
    sgw_db_writer_stop(w);
    int64_t after = sgw_monotonic_us();
    ck_assert(!sgw_db_writer_busy_at(w, after + SGW_DB_PACE_BUSY_HOLD_US));
    sgw_db_writer_free(w);
}
END_TEST

START_TEST(test_writer_busy_small_batches)
{
    /* batch_max 4 < SGW_DB_PACE_BUSY_BATCH: no batch is large, but each pop leaves more
     * queued than one commit takes, which counts as busy too. */
    struct sgw_db_writer_config cfg = {g_db.url, 1, 4, 256, 10000};
    struct sgw_db_writer *w = sgw_db_writer_new(&cfg);
    ck_assert_int_eq(sgw_db_writer_start(w), 0);
    for (int i = 0; i < 5; i++) {
        struct sgwt_job_outcome o = {0};
        ck_assert_int_eq(sgw_db_writer_submit_job(w, job_select, sgwt_job_done, &o), SGW_OK);
        sgwt_job_wait(&o, 10000);
        ck_assert(!sgw_db_writer_busy(w));
    }
    int64_t released;
    drain_deep_queue(w, 12, &released);
    ck_assert(sgw_db_writer_busy_at(w, released));
    sgw_db_writer_stop(w);
    int64_t after = sgw_monotonic_us();
    ck_assert(!sgw_db_writer_busy_at(w, after + SGW_DB_PACE_BUSY_HOLD_US));
    sgw_db_writer_free(w);
}
END_TEST

/* Two writers take turns (db/writer.c may_take): behind a batch in flight the other one takes
 * a lone report only after OVERLAP_WAIT_US (2 ms), so a stuck statement never holds the queue
 * for long; 32 waiting at once it takes at once. Bounds are generous (seconds): what fails is
 * a job left queued until the blocked one is released. */
START_TEST(test_writers_take_turns)
{
    struct sgw_db_writer_config cfg = {g_db.url, 2, 64, 256, 10000};
    struct sgw_db_writer *w = sgw_db_writer_new(&cfg);
    struct sgwt_job_outcome b = {0}, one = {0}, many[40];
    memset(many, 0, sizeof many);
    ck_assert_int_eq(sgw_db_writer_start(w), 0);
    block_one_writer(w, &b);

    /* A lone job behind the stuck one: the other writer takes it after the wait. */
    ck_assert_int_eq(sgw_db_writer_submit_job(w, job_select, sgwt_job_done, &one), SGW_OK);
    sgwt_job_wait(&one, 5000);
    ck_assert_int_eq(one.st, SGW_OK);
    ck_assert(!atomic_load(&b.done));

    /* Forty at once: the other writer takes them as they pass 32 (or after the wait). */
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(sgw_db_writer_submit_job(w, job_select, sgwt_job_done, &many[i]), SGW_OK);
    for (int i = 0; i < 40; i++) {
        sgwt_job_wait(&many[i], 5000);
        ck_assert_int_eq(many[i].st, SGW_OK);
    }
    ck_assert(!atomic_load(&b.done));

    atomic_store(&g_block_release, 1);
    sgwt_job_wait(&b, 10000);
    ck_assert_int_eq(b.st, SGW_OK);
    sgw_db_writer_stop(w);
    sgw_db_writer_free(w);
}
END_TEST

/* --- the read pool's waits ------------------------------------------------------------------ */

static atomic_int g_busy;

static int
test_busy(void *arg)
{
    (void)arg;
    return atomic_load(&g_busy);
}

static struct sgw_db_readpool *
paced_pool(int threads, int share, long cap_us)
{
    struct sgw_db_readpool_config cfg = {g_db.url, threads, 64, 10000};
    struct sgw_db_readpool_pacing pc = {share, test_busy, NULL, cap_us};
    struct sgw_db_readpool *p = sgw_db_readpool_new(&cfg);
    sgw_db_readpool_set_pacing(p, &pc);
    ck_assert_int_eq(sgw_db_readpool_start(p), 0);
    return p;
}

/* Submits n jobs to p at once and waits for all of them; their outcomes land in o[0..n). */
static void
run_jobs(struct sgw_db_readpool *p, sgw_db_job_fn job, struct sgwt_job_outcome *o, int n)
{
    memset(o, 0, (size_t)n * sizeof *o);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(sgw_db_readpool_submit(p, job, sgwt_job_done, &o[i]), SGW_OK);
    for (int i = 0; i < n; i++)
        sgwt_job_wait(&o[i], 10000);
}

/* Runs n reads on p, waits for them, stops p (so every wait after them is over); returns the
 * change in the wait counter. */
static double
waits_for_reads(struct sgw_db_readpool *p, int n)
{
    struct sgwt_job_outcome o[8];
    ck_assert_int_le(n, 8);
    double before = waits();
    run_jobs(p, job_select, o, n);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(o[i].st, SGW_OK);
    sgw_db_readpool_stop(p);
    return waits() - before;
}

START_TEST(test_no_waits_when_idle_or_full_share)
{
    atomic_store(&g_busy, 0);
    struct sgw_db_readpool *p = paced_pool(2, 25, 0);
    ck_assert_msg(waits_for_reads(p, 6) == 0, "reads waited while intake was idle");
    sgw_db_readpool_free(p);

    atomic_store(&g_busy, 1);
    p = paced_pool(2, 100, 0);
    ck_assert_msg(waits_for_reads(p, 6) == 0, "reads waited with share 100");
    sgw_db_readpool_free(p);
}
END_TEST

START_TEST(test_one_wait_per_read_while_busy)
{
    atomic_store(&g_busy, 1);
    struct sgw_db_readpool *p = paced_pool(1, 50, 0);
    double d = waits_for_reads(p, 5);
    ck_assert_msg(d == 5, "%g waits for 5 reads", d);
    sgw_db_readpool_free(p);
}
END_TEST

START_TEST(test_wait_holds_the_next_read)
{
    /* Share 1: a 20 ms read earns 1.98 s of waiting, capped at 0.3 s; the next read on the
     * same connection starts no earlier. */
    atomic_store(&g_busy, 1);
    struct sgw_db_readpool *p = paced_pool(1, 1, 300000);
    struct sgwt_job_outcome a = {0}, b = {0};
    double s0 = metric("spamgw_read_pacing_seconds_total");
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_sleep_20ms, sgwt_job_done, &a), SGW_OK);
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &b), SGW_OK);
    sgwt_job_wait(&a, 10000);
    sgwt_job_wait(&b, 10000);
    ck_assert_int_eq(a.st, SGW_OK);
    ck_assert_int_eq(b.st, SGW_OK);
    ck_assert_msg(b.done_at - a.done_at >= 300000, "second read %lld µs after the first",
                  (long long)(b.done_at - a.done_at));
    ck_assert_msg(metric("spamgw_read_pacing_seconds_total") - s0 >= 0.2999,
                  "pacing seconds grew by less than the wait");
    sgw_db_readpool_stop(p);
    sgw_db_readpool_free(p);
}
END_TEST

START_TEST(test_active_threads_split_the_share)
{
    /* Two threads, share 50: two overlapping 200 ms reads must each wait 200 * (200 - 50) / 50
     * = 600 ms (the pool as a whole reads half the time of one connection), not the 200 ms a
     * lone thread would. Both connections are opened first with intake idle, so the two reads
     * start together and overlap. */
    atomic_store(&g_busy, 0);
    struct sgw_db_readpool *p = paced_pool(2, 50, 2000000);
    struct sgwt_job_outcome w[2], o[2];
    run_jobs(p, job_sleep_200ms, w, 2);
    atomic_store(&g_busy, 1);
    double s0 = metric("spamgw_read_pacing_seconds_total");
    run_jobs(p, job_sleep_200ms, o, 2);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(o[i].st, SGW_OK);
    usleep(1500000); /* both waits are over (stopping would cut them short) */
    double d = metric("spamgw_read_pacing_seconds_total") - s0;
    ck_assert_msg(d >= 1.19, "two overlapping reads waited %.3f s in all, want >= 1.2", d);
    sgw_db_readpool_stop(p);
    sgw_db_readpool_free(p);
}
END_TEST

START_TEST(test_stop_cuts_the_wait)
{
    /* A 30 s wait (cap 30 s, share 1) must not hold up shutdown. */
    atomic_store(&g_busy, 1);
    struct sgw_db_readpool *p = paced_pool(1, 1, 30000000);
    struct sgwt_job_outcome a = {0};
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_sleep_20ms, sgwt_job_done, &a), SGW_OK);
    sgwt_job_wait(&a, 10000);
    usleep(50000); /* the thread is in its wait */
    int64_t t0 = sgw_monotonic_us();
    sgw_db_readpool_stop(p);
    int64_t took = sgw_monotonic_us() - t0;
    ck_assert_msg(took < 10000000, "stop took %lld µs", (long long)took);
    sgw_db_readpool_free(p);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("pace");
    TCase *tc = tcase_create("writer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_writer_busy_signal);
    tcase_add_test(tc, test_writer_busy_small_batches);
    tcase_add_test(tc, test_writers_take_turns);
    suite_add_tcase(s, tc);
    tc = tcase_create("readpool");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_waits_when_idle_or_full_share);
    tcase_add_test(tc, test_active_threads_split_the_share);
    tcase_add_test(tc, test_one_wait_per_read_while_busy);
    tcase_add_test(tc, test_wait_holds_the_next_read);
    tcase_add_test(tc, test_stop_cuts_the_wait);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
