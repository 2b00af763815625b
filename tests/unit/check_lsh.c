/* Unit tests for gateway/cluster/lsh.h: a near-duplicate is found and an unrelated text is
 * not, each representative is reported once, the bound evicts the oldest first (FIFO, so a
 * rebuild in report order gives the same index), and eviction unlinks every band. */
#include "gateway/cluster/lsh.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
sig_of(const char *text, struct sgw_minhash *m)
{
    sgw_minhash_compute(text, strlen(text), m);
}

static const char *base = "yourparcelisheldatourdepotpaythefeenowattrackyourparcelnow";

START_TEST(test_near_duplicate_found)
{
    struct sgw_lsh *l = sgw_lsh_new(100);
    struct sgw_minhash a, b, c;
    struct sgw_lsh_hit hits[8];
    int64_t er, ec;
    sig_of(base, &a);
    sig_of("yourparcelisheldatourdepotpaythefeenowattrackyourparcelnowxq7", &b);
    sig_of("hiareyoucomingtodinnertonightletmeknowsoonplease", &c);
    sgw_lsh_add(l, 10, 10, &a, &er, &ec);
    ck_assert_int_eq(er, 0);
    size_t n = sgw_lsh_query(l, &b, hits, 8);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(hits[0].report_id, 10);
    ck_assert(hits[0].similarity > 0.7);
    n = sgw_lsh_query(l, &c, hits, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        ck_assert(hits[i].similarity < 0.3);
    sgw_lsh_free(l);
}
END_TEST

START_TEST(test_each_rep_once_and_fifo_eviction)
{
    struct sgw_lsh *l = sgw_lsh_new(3);
    struct sgw_minhash a;
    struct sgw_lsh_hit hits[8];
    int64_t er, ec;
    sig_of(base, &a);
    for (int64_t id = 1; id <= 3; id++) {
        sgw_lsh_add(l, id, 100 + id, &a, &er, &ec);
        ck_assert_int_eq(er, 0);
    }
    ck_assert_uint_eq(sgw_lsh_query(l, &a, hits, 8), 3); /* 16 shared bands, once each */
    sgw_lsh_add(l, 4, 104, &a, &er, &ec);
    ck_assert_int_eq(er, 1);
    ck_assert_int_eq(ec, 101);
    ck_assert_uint_eq(sgw_lsh_count(l), 3);
    size_t n = sgw_lsh_query(l, &a, hits, 8);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ne(hits[i].report_id, 1);
    /* Newest first within a band. */
    ck_assert_int_eq(hits[0].report_id, 4);
    sgw_lsh_free(l);
}
END_TEST

START_TEST(test_many_evictions_stay_consistent)
{
    struct sgw_lsh *l = sgw_lsh_new(50);
    struct sgw_lsh_hit hits[64];
    int64_t er, ec;
    char text[128];
    for (int64_t id = 1; id <= 1000; id++) {
        struct sgw_minhash m;
        snprintf(text, sizeof text, "message number %lld about topic %lld with filler words",
                 (long long)id, (long long)(id % 7));
        sig_of(text, &m);
        sgw_lsh_add(l, id, id, &m, &er, &ec);
        if (id > 50)
            ck_assert_int_eq(er, id - 50);
        size_t n = sgw_lsh_query(l, &m, hits, 64);
        ck_assert(n >= 1);
        for (size_t i = 0; i < n && i < 64; i++)
            ck_assert(hits[i].report_id > id - 50 && hits[i].report_id <= id);
    }
    ck_assert_uint_eq(sgw_lsh_count(l), 50);
    sgw_lsh_free(l);
    sgw_lsh_free(NULL);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("lsh");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_near_duplicate_found);
    tcase_add_test(tc, test_each_rep_once_and_fifo_eviction);
    tcase_add_test(tc, test_many_evictions_stay_consistent);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
