/* Unit tests for gateway/intake/subscriber.h: the number forms SMSCs send (E.164, international
 * without '+', national), what is derived from them (pseudonym, region, geocoded place), refusal
 * of what is not a number, and that the per-thread cache answers exactly as a fresh resolution
 * does, including for a different key or default region. */
#include "gateway/intake/subscriber.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned char secret[] = "unit-test-secret-0123456789";
static const unsigned char other_secret[] = "another-secret-0123456789ab";

static const struct {
    const char *from, *region;
    int rc;
    const char *e164, *cc, *place;
} cases[] = {
    {"+12125550101", "US", 0, "+12125550101", "US", "New York, NY"},
    {"12125550101", "US", 0, "+12125550101", "US", "New York, NY"},
    {"(212) 555-0101", "US", 0, "+12125550101", "US", "New York, NY"},
    {"8613926512345", "US", 0, "+8613926512345", "CN", "Shenzhen, Guangdong"},
    {"+8613926512345", NULL, 0, "+8613926512345", "CN", "Shenzhen, Guangdong"},
    {"13926512345", "CN", 0, "+8613926512345", "CN", "Shenzhen, Guangdong"},
    {"+442079460958", "US", 0, "+442079460958", "GB", "London"},
    {"", "US", -1, "", "", ""},
    {"12345", "US", -1, "", "", ""},
    {"7726", "US", -1, "", "", ""},
    {"alice", "US", -1, "", "", ""},
    {"+1212555010x", "US", -1, "", "", ""},
    {"+1 212 555 0101 ext 1", "US", -1, "", "", ""},
    {"+12125550101234567890123456789012345", "US", -1, "", "", ""},
};

START_TEST(test_resolve)
{
    struct sgw_subscriber a, b;
    int rc =
        sgw_subscriber_resolve(cases[_i].from, cases[_i].region, secret, sizeof secret - 1, &a);
    ck_assert_msg(rc == cases[_i].rc, "'%s': rc %d, want %d", cases[_i].from, rc, cases[_i].rc);
    ck_assert_str_eq(a.e164, cases[_i].e164);
    ck_assert_str_eq(a.region, cases[_i].cc);
    ck_assert_str_eq(a.place, cases[_i].place);
    if (rc == 0)
        ck_assert_uint_eq(strlen(a.pseudonym), 64);
    /* The second answer comes from the cache and must be the same. */
    rc = sgw_subscriber_resolve(cases[_i].from, cases[_i].region, secret, sizeof secret - 1, &b);
    ck_assert_int_eq(rc, cases[_i].rc);
    ck_assert_mem_eq(&a, &b, sizeof a);
}
END_TEST

/* Every way of writing one number is one subscriber: one pseudonym. */
START_TEST(test_same_subscriber)
{
    struct sgw_subscriber a, b, c;
    ck_assert_int_eq(sgw_subscriber_resolve("+12125550101", "US", secret, sizeof secret - 1, &a),
                     0);
    ck_assert_int_eq(sgw_subscriber_resolve("12125550101", "US", secret, sizeof secret - 1, &b), 0);
    ck_assert_int_eq(sgw_subscriber_resolve("(212) 555-0101", "US", secret, sizeof secret - 1, &c),
                     0);
    ck_assert_str_eq(a.pseudonym, b.pseudonym);
    ck_assert_str_eq(a.pseudonym, c.pseudonym);
}
END_TEST

/* The cache is keyed by the key and the default region too. */
START_TEST(test_cache_keys)
{
    struct sgw_subscriber a, b;
    ck_assert_int_eq(sgw_subscriber_resolve("+12125550102", "US", secret, sizeof secret - 1, &a),
                     0);
    ck_assert_int_eq(
        sgw_subscriber_resolve("+12125550102", "US", other_secret, sizeof other_secret - 1, &b), 0);
    ck_assert_str_ne(a.pseudonym, b.pseudonym);
    /* A national number means another subscriber in another region. */
    ck_assert_int_eq(sgw_subscriber_resolve("2079460958", "GB", secret, sizeof secret - 1, &a), 0);
    ck_assert_str_eq(a.e164, "+442079460958");
    ck_assert_int_eq(sgw_subscriber_resolve("2079460958", "US", secret, sizeof secret - 1, &b), 0);
    ck_assert_str_eq(b.e164, "+12079460958");
}
END_TEST

/* Enough distinct numbers to evict slots: answers stay right. */
START_TEST(test_cache_churn)
{
    char from[32];
    struct sgw_subscriber a;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 6000; i += 7) {
            snprintf(from, sizeof from, "+1212555%04d", i);
            ck_assert_int_eq(sgw_subscriber_resolve(from, "US", secret, sizeof secret - 1, &a), 0);
            ck_assert_str_eq(a.e164, from);
        }
    }
}
END_TEST

static Suite *
subscriber_suite(void)
{
    Suite *s = suite_create("subscriber");
    TCase *tc = tcase_create("subscriber");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_resolve, 0, NELEM(cases));
    tcase_add_test(tc, test_same_subscriber);
    tcase_add_test(tc, test_cache_keys);
    tcase_add_test(tc, test_cache_churn);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(subscriber_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
