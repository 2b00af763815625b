/* Unit tests for gateway/common/metrics.h: the Prometheus text the renderer produces after known
 * updates. Metrics are process-wide, so every check compares a value before and after its own
 * updates (the suite also passes with CK_FORK=no). Covers request counters with route labels,
 * cumulative histogram buckets with inclusive upper bounds, _count and _sum, gauges read at
 * scrape time, ignored out-of-range updates, output growth, and concurrent updates. */
#include "gateway/common/metrics.h"
#include "tests/support/suite.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char *
render(void)
{
    size_t len = 0;
    char *text = sgw_metrics_render(&len);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strlen(text) == len, "render: length %zu but strlen %zu", len, strlen(text));
    ck_assert_msg(len > 0 && text[len - 1] == '\n', "render: output does not end in a newline");
    return text;
}

/* Value of the sample whose name and labels are exactly `series` (e.g. `x_bucket{le="1"}`);
 * -1 when there is no such line. */
static double
sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            return strtod(line + n + 1, NULL);
        if (strchr(line, '\n') == NULL)
            break;
    }
    return -1;
}

/* A counter sample that is only printed once non-zero. */
static double
counter(const char *text, const char *series)
{
    double v = sample(text, series);
    return v < 0 ? 0 : v;
}

static double
request_count(const char *text, const char *route, unsigned status)
{
    char series[160];
    snprintf(series, sizeof series, "spamgw_http_requests_total{route=\"%s\",status=\"%u\"}", route,
             status);
    return counter(text, series);
}

static double
bucket(const char *text, const char *name, const char *le)
{
    char series[160];
    snprintf(series, sizeof series, "%s_bucket{le=\"%s\"}", name, le);
    double v = sample(text, series);
    ck_assert_msg(v >= 0, "no %s in:\n%s", series, text);
    return v;
}

static double
suffixed(const char *text, const char *name, const char *suffix)
{
    char series[160];
    snprintf(series, sizeof series, "%s%s", name, suffix);
    double v = sample(text, series);
    ck_assert_msg(v >= 0, "no %s in:\n%s", series, text);
    return v;
}

START_TEST(test_request_counter)
{
    static const char label[] = "POST /v1/reports";
    int route = sgw_metrics_route(label);
    char *before = render();

    for (int i = 0; i < 3; i++)
        sgw_metrics_request(route, 202, 1500);
    sgw_metrics_request(route, 400, 10);
    char *after = render();

    ck_assert_ptr_nonnull(strstr(after, "# HELP spamgw_http_requests_total "));
    ck_assert_ptr_nonnull(strstr(after, "# TYPE spamgw_http_requests_total counter\n"));
    double d202 = request_count(after, label, 202) - request_count(before, label, 202);
    double d400 = request_count(after, label, 400) - request_count(before, label, 400);
    double d500 = request_count(after, label, 500) - request_count(before, label, 500);
    ck_assert_msg(d202 == 3 && d400 == 1 && d500 == 0, "deltas 202:%g 400:%g 500:%g in:\n%s", d202,
                  d400, d500, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_route_registration)
{
    static const char a[] = "GET /unit/a";
    static char a_copy[sizeof a];
    static const char b[] = "GET /unit/b";
    memcpy(a_copy, a, sizeof a);

    int ia = sgw_metrics_route(a);
    int ib = sgw_metrics_route(b);
    ck_assert_int_ge(ia, 0);
    ck_assert_int_lt(ia, SGW_METRICS_MAX_ROUTES);
    ck_assert_int_ne(ia, ib);
    ck_assert_int_eq(sgw_metrics_route(a), ia);
    ck_assert_int_eq(sgw_metrics_route(a_copy), ia); /* by content, not by pointer */

    sgw_metrics_request(ib, 404, 1);
    char *text = render();
    ck_assert_msg(request_count(text, b, 404) >= 1, "route %s missing in:\n%s", b, text);
    free(text);
}
END_TEST

/* Updates with a route or status out of range change nothing at all. */
START_TEST(test_out_of_range_ignored)
{
    static const char label[] = "GET /unit/range";
    int route = sgw_metrics_route(label);
    char *before = render();
    sgw_metrics_request(-1, 200, 100);
    sgw_metrics_request(SGW_METRICS_MAX_ROUTES, 200, 100);
    sgw_metrics_request(route, 600, 100);
    sgw_metrics_request(route, 1000, 100);
    char *after = render();
    ck_assert_msg(strcmp(before, after) == 0, "output changed:\n%s\n---\n%s", before, after);
    free(before);
    free(after);
}
END_TEST

static const char *const latency_les[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                          "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                          "1",      "2.5",   "5",      "10",    "+Inf"};
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,    0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    INFINITY};

/* Buckets of `name` in text are non-decreasing and the +Inf bucket equals _count. */
static void
assert_cumulative(const char *text, const char *name, const char *const *les, size_t n)
{
    double prev = 0;
    for (size_t i = 0; i < n; i++) {
        double v = bucket(text, name, les[i]);
        ck_assert_msg(v >= prev, "%s: bucket le=%s is %g, below the previous %g", name, les[i], v,
                      prev);
        prev = v;
    }
    double count = suffixed(text, name, "_count");
    ck_assert_msg(count == prev, "%s: _count %g but +Inf bucket %g", name, count, prev);
}

START_TEST(test_request_histogram)
{
    static const char name[] = "spamgw_http_request_seconds";
    /* Elapsed times in µs; bounds are inclusive, negatives count as 0. */
    static const int64_t obs[] = {0, 500, 501, 1000, 3000000, 10000000, 20000000, -5, 250000};
    int route = sgw_metrics_route("GET /unit/histogram");
    char *before = render();
    double sum = 0;
    for (size_t i = 0; i < NELEM(obs); i++) {
        sgw_metrics_request(route, 200, obs[i]);
        sum += obs[i] > 0 ? (double)obs[i] / 1e6 : 0;
    }
    char *after = render();

    ck_assert_ptr_nonnull(strstr(after, "# TYPE spamgw_http_request_seconds histogram\n"));
    assert_cumulative(before, name, latency_les, NELEM(latency_les));
    assert_cumulative(after, name, latency_les, NELEM(latency_les));
    for (size_t b = 0; b < NELEM(latency_les); b++) {
        double want = 0;
        for (size_t i = 0; i < NELEM(obs); i++)
            want += (obs[i] > 0 ? (double)obs[i] / 1e6 : 0) <= latency_bounds[b];
        double got = bucket(after, name, latency_les[b]) - bucket(before, name, latency_les[b]);
        ck_assert_msg(got == want, "le=%s grew by %g, want %g", latency_les[b], got, want);
    }
    double dcount = suffixed(after, name, "_count") - suffixed(before, name, "_count");
    ck_assert_msg(dcount == NELEM(obs), "_count grew by %g, want %zu", dcount, NELEM(obs));
    double dsum = suffixed(after, name, "_sum") - suffixed(before, name, "_sum");
    ck_assert_msg(fabs(dsum - sum) < 2e-6, "_sum grew by %.6f, want %.6f", dsum, sum);
    free(before);
    free(after);
}
END_TEST

static const char *const batch_les[] = {"1",   "2",   "4",   "8",    "16",   "32",   "64",
                                        "128", "256", "512", "1024", "2048", "4096", "+Inf"};

START_TEST(test_commit_histograms)
{
    static const struct {
        size_t batch;
        int64_t us;
    } commits[] = {{1, 400}, {5, 2000}, {4096, 60000}, {5000, 20000000}};
    char *before = render();
    for (size_t i = 0; i < NELEM(commits); i++)
        sgw_metrics_commit(commits[i].batch, commits[i].us);
    char *after = render();

    static const char bs[] = "spamgw_commit_batch_size";
    static const char cs[] = "spamgw_commit_seconds";
    assert_cumulative(after, bs, batch_les, NELEM(batch_les));
    assert_cumulative(after, cs, latency_les, NELEM(latency_les));

    /* Batch sizes: 1 -> le=1; 5 -> le=8; 4096 -> le=4096; 5000 -> only +Inf. */
    static const struct {
        const char *le;
        double grow;
    } bwant[] = {{"1", 1}, {"4", 1}, {"8", 2}, {"2048", 2}, {"4096", 3}, {"+Inf", 4}};
    for (size_t i = 0; i < NELEM(bwant); i++) {
        double got = bucket(after, bs, bwant[i].le) - bucket(before, bs, bwant[i].le);
        ck_assert_msg(got == bwant[i].grow, "batch le=%s grew by %g, want %g", bwant[i].le, got,
                      bwant[i].grow);
    }
    double dsum = suffixed(after, bs, "_sum") - suffixed(before, bs, "_sum");
    ck_assert_msg(fabs(dsum - (1 + 5 + 4096 + 5000)) < 1e-6, "batch _sum grew by %f", dsum);

    /* Commit times: 0.0004 -> le=0.0005; 0.002 -> le=0.0025; 0.06 -> le=0.1; 20 -> +Inf. */
    static const struct {
        const char *le;
        double grow;
    } cwant[] = {{"0.0005", 1}, {"0.001", 1}, {"0.0025", 2}, {"0.05", 2},
                 {"0.1", 3},    {"10", 3},    {"+Inf", 4}};
    for (size_t i = 0; i < NELEM(cwant); i++) {
        double got = bucket(after, cs, cwant[i].le) - bucket(before, cs, cwant[i].le);
        ck_assert_msg(got == cwant[i].grow, "seconds le=%s grew by %g, want %g", cwant[i].le, got,
                      cwant[i].grow);
    }
    free(before);
    free(after);
}
END_TEST

START_TEST(test_reports_committed)
{
    static const char series[] = "spamgw_reports_committed_total";
    char *before = render();
    sgw_metrics_reports_committed(7);
    sgw_metrics_reports_committed(0);
    sgw_metrics_reports_committed(1000);
    char *after = render();
    ck_assert_ptr_nonnull(strstr(after, "# TYPE spamgw_reports_committed_total counter\n"));
    double before_v = sample(before, series), after_v = sample(after, series);
    ck_assert_msg(before_v >= 0 && after_v - before_v == 1007, "%g -> %g", before_v, after_v);
    free(before);
    free(after);
}
END_TEST

/* The facts follower's lag gauge: the last value set, never negative. */
START_TEST(test_cluster_facts_behind)
{
    static const char series[] = "spamgw_cluster_facts_behind";
    sgw_metrics_cluster_facts_behind(4200);
    char *text = render();
    ck_assert_ptr_nonnull(strstr(text, "# TYPE spamgw_cluster_facts_behind gauge\n"));
    ck_assert_msg(sample(text, series) == 4200, "%g", sample(text, series));
    free(text);
    sgw_metrics_cluster_facts_behind(-5); /* a stale read of the worker's watermark */
    text = render();
    ck_assert_msg(sample(text, series) == 0, "%g", sample(text, series));
    free(text);
}
END_TEST

static long
read_long(void *arg)
{
    return *(long *)arg;
}

START_TEST(test_gauges)
{
    static long depth = 42, conns = -3;
    sgw_metrics_reset_gauges();
    sgw_metrics_gauge("spamgw_unit_queue_depth", "Reports waiting.", read_long, &depth);
    sgw_metrics_gauge("spamgw_unit_connections", "Open connections.", read_long, &conns);

    char *text = render();
    ck_assert_ptr_nonnull(strstr(text, "# HELP spamgw_unit_queue_depth Reports waiting.\n"
                                       "# TYPE spamgw_unit_queue_depth gauge\n"
                                       "spamgw_unit_queue_depth 42\n"));
    ck_assert_msg(sample(text, "spamgw_unit_connections") == -3, "in:\n%s", text);
    free(text);

    /* Read at scrape time, not at registration. */
    depth = 7;
    text = render();
    ck_assert_msg(sample(text, "spamgw_unit_queue_depth") == 7, "in:\n%s", text);
    free(text);

    sgw_metrics_reset_gauges();
    text = render();
    ck_assert_ptr_null(strstr(text, "spamgw_unit_queue_depth"));
    ck_assert_ptr_null(strstr(text, "spamgw_unit_connections"));
    free(text);
}
END_TEST

/* Every line is a HELP or TYPE comment or "series value", and each family's samples follow its
 * TYPE line. */
START_TEST(test_exposition_format)
{
    static long one = 1;
    sgw_metrics_reset_gauges();
    sgw_metrics_gauge("spamgw_unit_format", "A gauge.", read_long, &one);
    sgw_metrics_request(sgw_metrics_route("GET /unit/format"), 200, 10);
    char *text = render();
    char family[128] = "";
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "# HELP ", 7) == 0)
            continue;
        if (strncmp(line, "# TYPE ", 7) == 0) {
            ck_assert_msg(sscanf(line + 7, "%127s", family) == 1, "bad TYPE line: %s", line);
            continue;
        }
        ck_assert_msg(line[0] != '#', "unexpected comment: %s", line);
        ck_assert_msg(family[0] != '\0' && strncmp(line, family, strlen(family)) == 0,
                      "sample outside its family %s: %s", family, line);
        const char *sp = strrchr(line, ' ');
        ck_assert_msg(sp != NULL && sp[1] != '\0', "no value: %s", line);
        char *end = NULL;
        strtod(sp + 1, &end);
        ck_assert_msg(*end == '\0', "value is not a number: %s", line);
    }
    free(text);
    sgw_metrics_reset_gauges();
}
END_TEST

/* Output far past the renderer's first 8 KiB buffer stays complete. */
START_TEST(test_large_output)
{
    static const char label[] = "GET /unit/large-output-with-a-rather-long-route-label";
    int route = sgw_metrics_route(label);
    char *before = render();
    for (unsigned status = 100; status < 600; status++)
        sgw_metrics_request(route, status, 1);
    char *after = render();
    ck_assert_uint_gt(strlen(after), 3 * 8192);
    for (unsigned status = 100; status < 600; status++) {
        double d = request_count(after, label, status) - request_count(before, label, status);
        ck_assert_msg(d == 1, "status %u grew by %g", status, d);
    }
    ck_assert_ptr_nonnull(strstr(after, "spamgw_reports_committed_total "));
    free(before);
    free(after);
}
END_TEST

enum { THREADS = 8, PER_THREAD = 20000 };
static int hammer_route;

static void *
hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++)
        sgw_metrics_request(hammer_route, 201, i % 3000);
    return NULL;
}

START_TEST(test_concurrent_updates)
{
    static const char label[] = "POST /unit/concurrent";
    pthread_t tids[THREADS];
    hammer_route = sgw_metrics_route(label);
    char *before = render();
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&tids[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_join(tids[i], NULL), 0);
    char *after = render();
    double d = request_count(after, label, 201) - request_count(before, label, 201);
    ck_assert_msg(d == THREADS * PER_THREAD, "counter grew by %g, want %d", d,
                  THREADS * PER_THREAD);
    static const char name[] = "spamgw_http_request_seconds";
    double dc = suffixed(after, name, "_count") - suffixed(before, name, "_count");
    ck_assert_msg(dc == THREADS * PER_THREAD, "_count grew by %g", dc);
    free(before);
    free(after);
}
END_TEST

static Suite *
metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("counters");
    tcase_add_test(tc, test_request_counter);
    tcase_add_test(tc, test_cluster_facts_behind);
    tcase_add_test(tc, test_route_registration);
    tcase_add_test(tc, test_out_of_range_ignored);
    tcase_add_test(tc, test_reports_committed);
    suite_add_tcase(s, tc);

    tc = tcase_create("histograms");
    tcase_add_test(tc, test_request_histogram);
    tcase_add_test(tc, test_commit_histograms);
    suite_add_tcase(s, tc);

    tc = tcase_create("render");
    tcase_add_test(tc, test_gauges);
    tcase_add_test(tc, test_exposition_format);
    tcase_add_test(tc, test_large_output);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_concurrent_updates);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(metrics_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
