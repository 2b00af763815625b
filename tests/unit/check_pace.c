/* Unit tests for db/pace.h: the wait after a read for each share and number of active
 * connections (table), the cap, bad inputs that must never wait or overflow; the intake-busy
 * rule at the edges of its batch and hold thresholds with time as a parameter; and the
 * read-pacing counters in /metrics. */
#include "db/pace.h"
#include "gateway/common/metrics.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct pace_case {
    int64_t job_us;
    int share, active;
    int64_t cap_us;
    int64_t want_us;
};

static const struct pace_case pace_cases[] = {
    /* one active connection gets the whole share: wait = job * (100 - share) / share */
    {1000, 25, 1, 200000, 3000},
    {1000, 50, 1, 200000, 1000},
    {1000, 75, 1, 200000, 333},
    {1000, 10, 1, 200000, 9000},
    {1000, 1, 1, 200000, 99000},
    {3, 25, 1, 200000, 9},
    {1, 99, 1, 200000, 0}, /* rounds down */
    {99, 99, 1, 200000, 1},
    /* active connections split it: wait = job * (100 * active - share) / share */
    {1000, 25, 2, 200000, 7000},
    {1000, 25, 4, 200000, 15000},
    {1000, 50, 4, 200000, 7000},
    {1000, 99, 2, 200000, 1020},
    {1000, 10, 64, 200000, 200000}, /* 639,000: capped */
    {100, 10, 64, 200000, 63900},
    /* fewer than one active counts as one (the caller's own read) */
    {1000, 25, 0, 200000, 3000},
    {1000, 25, -3, 200000, 3000},
    /* capped */
    {100000, 25, 1, 200000, 200000},
    {66667, 25, 1, 200000, 200000},
    {66666, 25, 1, 200000, 199998},
    {5000000, 1, 1, 200000, 200000},
    {300000, 75, 1, 200000, 100000}, /* a long read at a high share is not capped needlessly */
    {INT64_MAX, 25, 1, 200000, 200000},
    {INT64_MAX / 100 + 1, 50, 1, 200000, 200000},
    {INT64_MAX / 100, 50, 4, 200000, 200000},
    {INT64_MAX, 25, 2147483647, 200000, 200000},
    /* never wait */
    {1000, 100, 1, 200000, 0},
    {1000, 100, 8, 200000, 0},
    {1000, 0, 1, 200000, 0},
    {1000, -5, 1, 200000, 0},
    {1000, 101, 1, 200000, 0},
    {0, 25, 4, 200000, 0},
    {-1000, 25, 1, 200000, 0},
    {1000, 25, 1, 0, 0},
};

START_TEST(test_pace_table)
{
    const struct pace_case *c = &pace_cases[_i];
    int64_t got = sgw_db_pace_us(c->job_us, c->share, c->active, c->cap_us);
    ck_assert_msg(got == c->want_us, "pace_us(%lld, %d, %d, %lld) = %lld, want %lld",
                  (long long)c->job_us, c->share, c->active, (long long)c->cap_us, (long long)got,
                  (long long)c->want_us);
}
END_TEST

struct busy_case {
    long depth;
    int64_t busy_at_us, now_us;
    int want;
};

#define T0 INT64_C(1000000000) /* an arbitrary monotonic instant */
#define HOLD SGW_DB_PACE_BUSY_HOLD_US

static const struct busy_case busy_cases[] = {
    /* idle: nothing queued, never a large batch */
    {0, 0, T0, 0},
    {1, 0, T0, 0},
    {SGW_DB_PACE_BUSY_BATCH - 1, 0, T0, 0},
    /* a backlog of a large batch is busy whatever the stamp */
    {SGW_DB_PACE_BUSY_BATCH, 0, T0, 1},
    {100000, 0, T0, 1},
    {SGW_DB_PACE_BUSY_BATCH, T0 - 10 * HOLD, T0, 1},
    /* a large batch holds for HOLD µs */
    {0, T0, T0, 1},
    {0, T0 - 1, T0, 1},
    {0, T0 - HOLD + 1, T0, 1},
    {0, T0 - HOLD, T0, 0},
    {0, T0 - 10 * HOLD, T0, 0},
    /* stamped by another writer after the caller read its clock */
    {0, T0 + 5, T0, 1},
};

START_TEST(test_busy_table)
{
    const struct busy_case *c = &busy_cases[_i];
    int got = sgw_db_pace_intake_busy(c->depth, c->busy_at_us, c->now_us);
    ck_assert_msg(got == c->want, "intake_busy(depth %ld, stamp now%+lld) = %d, want %d", c->depth,
                  (long long)(c->busy_at_us ? c->busy_at_us - c->now_us : 0), got, c->want);
}
END_TEST

/* Value of the sample line `series value`; -1 when absent. */
static double
sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; line != NULL && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            return strtod(line + n + 1, NULL);
    }
    return -1;
}

START_TEST(test_metrics_counters)
{
    size_t len;
    char *before = sgw_metrics_render(&len);
    sgw_metrics_read_paced(250000);
    sgw_metrics_read_paced(1500);
    sgw_metrics_read_paced(-7); /* a clock oddity counts as a wait of 0 */
    char *after = sgw_metrics_render(&len);

    ck_assert_ptr_nonnull(strstr(after, "# TYPE spamgw_read_pacing_waits_total counter\n"));
    ck_assert_ptr_nonnull(strstr(after, "# TYPE spamgw_read_pacing_seconds_total counter\n"));
    double w0 = sample(before, "spamgw_read_pacing_waits_total");
    double w1 = sample(after, "spamgw_read_pacing_waits_total");
    double s0 = sample(before, "spamgw_read_pacing_seconds_total");
    double s1 = sample(after, "spamgw_read_pacing_seconds_total");
    ck_assert_msg(w0 >= 0 && s0 >= 0, "counters missing in:\n%s", before);
    ck_assert_msg(w1 - w0 == 3, "waits %g -> %g", w0, w1);
    ck_assert_msg(s1 - s0 > 0.2514 && s1 - s0 < 0.2516, "seconds %g -> %g", s0, s1);
    free(before);
    free(after);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("pace");
    TCase *tc = tcase_create("pace");
    tcase_add_loop_test(tc, test_pace_table, 0, (int)NELEM(pace_cases));
    tcase_add_loop_test(tc, test_busy_table, 0, (int)NELEM(busy_cases));
    tcase_add_test(tc, test_metrics_counters);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
