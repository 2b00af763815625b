/* Unit tests for gateway/http/ratelimit.h: token buckets driven by an explicit clock. A burst of
 * `rate` requests, refill proportional to elapsed time and capped at the burst, keys independent
 * of each other, bucket state kept while the table grows to thousands of keys, and many threads
 * on one key at one instant getting exactly the burst between them. */
#include "gateway/http/ratelimit.h"
#include "tests/support/suite.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define T0 INT64_C(1000000000) /* an arbitrary monotonic start, µs */
#define SEC INT64_C(1000000)

/* Counts how many of n requests for key at now_us are allowed. */
static int
allowed(struct sgw_ratelimit *rl, int64_t key, int64_t now_us, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += sgw_ratelimit_allow(rl, key, now_us);
    return ok;
}

/* A fresh key gets exactly `rate` requests at one instant. */
static const long burst_rates[] = {1, 2, 3, 10, 100, 1000};

START_TEST(test_burst)
{
    long rate = burst_rates[_i];
    struct sgw_ratelimit *rl = sgw_ratelimit_new(rate);
    int got = allowed(rl, 1, T0, (int)rate * 2 + 5);
    ck_assert_msg(got == rate, "rate %ld: %d of %ld requests allowed at one instant, want %ld",
                  rate, got, rate * 2 + 5, rate);
    ck_assert_msg(!sgw_ratelimit_allow(rl, 1, T0), "rate %ld: allowed after the burst", rate);
    sgw_ratelimit_free(rl);
}
END_TEST

/* A sequence of (time offset, requests, expected allowed) for one key. */
struct step {
    int64_t at_us; /* offset from T0 */
    int requests;
    int want;
};

struct refill_case {
    long rate;
    struct step steps[8];
    int nsteps;
};

static const struct refill_case refill_cases[] = {
    /* 2/s: spend the burst, one token per 500 ms after that. Steps that only just cross a
     * token boundary are 1 µs past it: the balance is a double, sums of parts may round down. */
    {2, {{0, 3, 2}, {499999, 1, 0}, {500001, 2, 1}, {1000001, 2, 1}, {2000001, 3, 2}}, 5},
    /* 1/s: one a second, never two. */
    {1, {{0, 2, 1}, {999999, 1, 0}, {1000001, 1, 1}, {1500000, 1, 0}, {2000001, 1, 1}}, 5},
    /* 10/s: 100 ms per token; partial tokens (exact halves here) carry over between calls. */
    {10, {{0, 10, 10}, {50000, 1, 0}, {100000, 1, 1}, {250000, 2, 1}, {300000, 1, 1}}, 5},
    /* A long idle refills only up to the burst. */
    {5, {{0, 5, 5}, {3600 * SEC, 20, 5}, {3600 * SEC + 200000, 2, 1}}, 3},
    /* Spending part of the burst: the rest stays, topped up to the cap. */
    {4, {{0, 1, 1}, {100000, 10, 3}, {1100000, 10, 4}}, 3},
    /* 3/s: a token is 333333.3 µs, so 333333 µs is not enough and one more µs is. */
    {3, {{0, 3, 3}, {333333, 1, 0}, {333334, 1, 1}}, 3},
    /* 1000/s: one per millisecond. */
    {1000, {{0, 1000, 1000}, {1000, 2, 1}, {10000, 20, 9}}, 3},
};

START_TEST(test_refill)
{
    const struct refill_case *c = &refill_cases[_i];
    struct sgw_ratelimit *rl = sgw_ratelimit_new(c->rate);
    for (int s = 0; s < c->nsteps; s++) {
        const struct step *st = &c->steps[s];
        int got = allowed(rl, 7, T0 + st->at_us, st->requests);
        ck_assert_msg(got == st->want,
                      "rate %ld, step %d (+%lld µs, %d requests): %d allowed, want %d", c->rate, s,
                      (long long)st->at_us, st->requests, got, st->want);
    }
    sgw_ratelimit_free(rl);
}
END_TEST

START_TEST(test_keys_independent)
{
    struct sgw_ratelimit *rl = sgw_ratelimit_new(3);

    ck_assert_int_eq(allowed(rl, 1, T0, 5), 3);
    /* Key 1 being empty does not touch keys 2 and 3. */
    ck_assert_int_eq(allowed(rl, 2, T0, 5), 3);
    ck_assert_int_eq(allowed(rl, 3, T0, 1), 1);
    /* Key 3 keeps its own balance: two left. */
    ck_assert_int_eq(allowed(rl, 3, T0, 5), 2);
    /* Negative and very large ids are keys like any other. */
    ck_assert_int_eq(allowed(rl, -1, T0, 5), 3);
    ck_assert_int_eq(allowed(rl, INT64_MAX, T0, 5), 3);
    ck_assert_int_eq(allowed(rl, INT64_MIN, T0, 5), 3);
    /* One second later every key has refilled on its own. */
    ck_assert_int_eq(allowed(rl, 1, T0 + SEC, 5), 3);
    ck_assert_int_eq(allowed(rl, 2, T0 + SEC / 3 + 1, 5), 1);
    sgw_ratelimit_free(rl);
}
END_TEST

/* Keys whose hashes collide in a small table still get their own buckets: keys that differ only
 * in high bits, and multiples of the table sizes. */
START_TEST(test_colliding_keys)
{
    struct sgw_ratelimit *rl = sgw_ratelimit_new(2);
    static const int64_t keys[] = {
        1, 65, 129, 1 + (INT64_C(1) << 40), 1 + (INT64_C(1) << 58), 64, 128, INT64_C(1) << 62};
    for (size_t i = 0; i < NELEM(keys); i++)
        ck_assert_msg(allowed(rl, keys[i], T0, 3) == 2, "key %lld", (long long)keys[i]);
    for (size_t i = 0; i < NELEM(keys); i++)
        ck_assert_msg(allowed(rl, keys[i], T0, 1) == 0, "key %lld refilled", (long long)keys[i]);
    sgw_ratelimit_free(rl);
}
END_TEST

/* Thousands of keys force several table doublings; every bucket keeps its state across them. */
START_TEST(test_many_keys_grow)
{
    enum { NKEYS = 5000 };
    struct sgw_ratelimit *rl = sgw_ratelimit_new(2);

    /* Empty key 1's bucket before the table grows under it. */
    ck_assert_int_eq(allowed(rl, 1, T0, 2), 2);
    for (int64_t k = 2; k <= NKEYS; k++) {
        int got = allowed(rl, k * 7919, T0, 1);
        ck_assert_msg(got == 1, "new key %lld refused", (long long)(k * 7919));
    }
    /* Key 1 is still empty; every other key has exactly one token left. */
    ck_assert_msg(!sgw_ratelimit_allow(rl, 1, T0), "key 1 refilled by a grow");
    for (int64_t k = 2; k <= NKEYS; k++) {
        ck_assert_msg(sgw_ratelimit_allow(rl, k * 7919, T0), "key %lld lost its token",
                      (long long)(k * 7919));
        ck_assert_msg(!sgw_ratelimit_allow(rl, k * 7919, T0), "key %lld has a third token",
                      (long long)(k * 7919));
    }
    /* Half a second later each has exactly one again. */
    for (int64_t k = 1; k <= NKEYS; k++) {
        int64_t key = k == 1 ? 1 : k * 7919;
        ck_assert_msg(allowed(rl, key, T0 + SEC / 2, 2) == 1, "key %lld after refill",
                      (long long)key);
    }
    sgw_ratelimit_free(rl);
}
END_TEST

START_TEST(test_free_null)
{
    sgw_ratelimit_free(NULL);
}
END_TEST

/* Many threads ask for one key at the same instant: exactly the burst is granted in total. */
enum { THREADS = 8, PER_THREAD = 500, SHARED_RATE = 1000 };

static struct sgw_ratelimit *shared;
static pthread_barrier_t start_line;

static void *
hammer(void *arg)
{
    (void)arg;
    long ok = 0;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < PER_THREAD; i++) {
        ok += sgw_ratelimit_allow(shared, 42, T0);
        ok += sgw_ratelimit_allow(shared, 1000 + i, T0); /* and grow the table meanwhile */
    }
    return (void *)ok;
}

START_TEST(test_concurrent)
{
    pthread_t tids[THREADS];
    long total = 0;

    shared = sgw_ratelimit_new(SHARED_RATE);
    ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&tids[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *ok;
        ck_assert_int_eq(pthread_join(tids[i], &ok), 0);
        total += (long)ok;
    }
    pthread_barrier_destroy(&start_line);
    /* Key 42: the burst of 1000. Keys 1000..1499: each asked THREADS times, burst 1000. */
    ck_assert_msg(total == SHARED_RATE + PER_THREAD * THREADS, "%ld allowed, want %d", total,
                  SHARED_RATE + PER_THREAD * THREADS);
    ck_assert_int_eq(sgw_ratelimit_allow(shared, 42, T0), 0);
    sgw_ratelimit_free(shared);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("bucket");
    tcase_add_loop_test(tc, test_burst, 0, (int)NELEM(burst_rates));
    tcase_add_loop_test(tc, test_refill, 0, (int)NELEM(refill_cases));
    tcase_add_test(tc, test_free_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("keys");
    tcase_add_test(tc, test_keys_independent);
    tcase_add_test(tc, test_colliding_keys);
    tcase_add_test(tc, test_many_keys_grow);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_concurrent);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(ratelimit_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
