/* Integration suite for db/readpool.h against a real PostgreSQL: jobs run and answer through
 * done; a job that tries to write is refused by the server (read-only connections); a full
 * queue and a stopped pool say SGW_BUSY at once; an unreachable database fails each job fast
 * with SGW_DATABASE instead of hanging; a statement past the read timeout is cancelled. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/readpool.h"
#include "gateway/common/timeutil.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/dbjob.h"
#include "tests/support/suite.h"

static struct sgwt_db g_db;

struct outcome {
    struct sgwt_job_outcome j; /* first: the done callback takes the outcome as one */
    char value[64];
    char sqlstate[8];
};

static enum sgw_status
run_sql(struct sgw_db_conn *c, void *arg, const char *sql)
{
    struct outcome *o = arg;
    PGresult *res = PQexec(c->pg, sql);
    enum sgw_status st = SGW_DATABASE;
    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
        snprintf(o->value, sizeof o->value, "%s", PQgetvalue(res, 0, 0));
        st = SGW_OK;
    } else if (res != NULL && PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL) {
        snprintf(o->sqlstate, sizeof o->sqlstate, "%s", PQresultErrorField(res, PG_DIAG_SQLSTATE));
    }
    PQclear(res);
    return st;
}

static enum sgw_status
job_select(struct sgw_db_conn *c, void *arg)
{
    return run_sql(c, arg, "SELECT 40 + 2");
}

static enum sgw_status
job_write(struct sgw_db_conn *c, void *arg)
{
    return run_sql(c, arg, "CREATE TABLE readpool_must_not_exist (x int)");
}

static enum sgw_status
job_sleep(struct sgw_db_conn *c, void *arg)
{
    return run_sql(c, arg, "SELECT pg_sleep(3)::text");
}

static void
setup(void)
{
    ck_assert_msg(sgwt_db_fresh(&g_db, "readpool") == 0, "%s", sgwt_errmsg());
}

static void
teardown(void)
{
    sgwt_db_drop(&g_db);
}

START_TEST(test_reads_and_refuses_writes)
{
    struct sgw_db_readpool_config cfg = {g_db.url, 2, 16, 1000};
    struct sgw_db_readpool *p = sgw_db_readpool_new(&cfg);
    ck_assert_int_eq(sgw_db_readpool_start(p), 0);

    struct outcome a = {0}, b = {0}, t = {0};
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &a), SGW_OK);
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_write, sgwt_job_done, &b), SGW_OK);
    sgwt_job_wait(&a.j, 10000);
    sgwt_job_wait(&b.j, 10000);
    ck_assert_int_eq(a.j.st, SGW_OK);
    ck_assert_str_eq(a.value, "42");
    ck_assert_int_eq(b.j.st, SGW_DATABASE);
    ck_assert_str_eq(b.sqlstate, "25006"); /* read_only_sql_transaction */

    /* Past the 1 s read timeout the statement is cancelled (57014). */
    int64_t t0 = sgw_monotonic_us();
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_sleep, sgwt_job_done, &t), SGW_OK);
    sgwt_job_wait(&t.j, 10000);
    ck_assert_int_eq(t.j.st, SGW_DATABASE);
    ck_assert_str_eq(t.sqlstate, "57014");
    ck_assert_msg(sgw_monotonic_us() - t0 < 2500000, "the read timeout did not cut the sleep");

    /* The connection that ran the failed jobs still serves. */
    struct outcome c = {0};
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &c), SGW_OK);
    sgwt_job_wait(&c.j, 10000);
    ck_assert_int_eq(c.j.st, SGW_OK);

    sgw_db_readpool_stop(p);
    struct outcome d = {0};
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &d), SGW_BUSY);
    sgw_db_readpool_free(p);

    PGconn *pg = sgwt_db_connect(g_db.url);
    ck_assert_ptr_nonnull(pg);
    ck_assert_int_eq(sgwt_db_count(pg,
                                   "SELECT count(*) FROM pg_tables"
                                   " WHERE tablename = 'readpool_must_not_exist'",
                                   NULL),
                     0);
    PQfinish(pg);
}
END_TEST

START_TEST(test_full_queue_is_busy)
{
    /* One thread busy on a 3 s sleep, a queue of two: the third queued job is refused. */
    struct sgw_db_readpool_config cfg = {g_db.url, 1, 2, 10000};
    struct sgw_db_readpool *p = sgw_db_readpool_new(&cfg);
    ck_assert_int_eq(sgw_db_readpool_start(p), 0);
    struct outcome s = {0}, q[3];
    memset(q, 0, sizeof q);
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_sleep, sgwt_job_done, &s), SGW_OK);
    usleep(300000); /* the reader has taken the sleep off the queue */
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &q[0]), SGW_OK);
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &q[1]), SGW_OK);
    ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &q[2]), SGW_BUSY);
    ck_assert_int_eq(sgw_db_readpool_depth(p), 2);
    /* stop answers what was queued before joining. */
    sgw_db_readpool_stop(p);
    ck_assert(atomic_load(&s.j.done) && atomic_load(&q[0].j.done) && atomic_load(&q[1].j.done));
    ck_assert_int_eq(q[0].j.st, SGW_OK);
    ck_assert_int_eq(q[1].j.st, SGW_OK);
    ck_assert_int_eq(atomic_load(&q[2].j.done), 0);
    sgw_db_readpool_free(p);
}
END_TEST

START_TEST(test_unreachable_database_fails_fast)
{
    char url[1100];
    /* A port nothing listens on (the test server's port + 1 would be a guess): port 1. */
    snprintf(url, sizeof url, "postgresql://127.0.0.1:1/none?connect_timeout=2");
    struct sgw_db_readpool_config cfg = {url, 1, 16, 1000};
    struct sgw_db_readpool *p = sgw_db_readpool_new(&cfg);
    ck_assert_int_eq(sgw_db_readpool_start(p), 0);
    for (int i = 0; i < 3; i++) {
        struct outcome o = {0};
        int64_t t0 = sgw_monotonic_us();
        ck_assert_int_eq(sgw_db_readpool_submit(p, job_select, sgwt_job_done, &o), SGW_OK);
        sgwt_job_wait(&o.j, 5000);
        ck_assert_int_eq(o.j.st, SGW_DATABASE);
        ck_assert_msg(sgw_monotonic_us() - t0 < 2000000, "job %d took too long to fail", i);
    }
    sgw_db_readpool_free(p);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("readpool");
    TCase *tc = tcase_create("pool");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_reads_and_refuses_writes);
    tcase_add_test(tc, test_full_queue_is_busy);
    tcase_add_test(tc, test_unreachable_database_fails_fast);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
