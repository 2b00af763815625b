/* Unit tests for gateway/http/query.h: the allowed-name check (unknown and repeated names),
 * whole numbers, dates, enums and text with their error codes and fields, and cursors (round
 * trip, another route's cursor, truncation, tampering, wrong field count). */
#include "gateway/http/query.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const allowed[] = {"city", "limit", "since", "sort", "q", "cursor", NULL};

static struct sgw_query
make(const char *const *pairs)
{
    struct sgw_query q;
    memset(&q, 0, sizeof q);
    for (size_t i = 0; pairs[i] != NULL; i += 2)
        sgw_query_add(&q, pairs[i], pairs[i + 1]);
    return q;
}

START_TEST(test_check_names)
{
    struct sgw_error err;
    struct sgw_query q = make((const char *[]){"city", "New York", "limit", "5", NULL});
    ck_assert_int_eq(sgw_query_check(&q, allowed, &err), 0);
    ck_assert_str_eq(sgw_query_get(&q, "city"), "New York");
    ck_assert_ptr_null(sgw_query_get(&q, "since"));

    q = make((const char *[]){"city", "x", "citty", "y", NULL});
    ck_assert_int_eq(sgw_query_check(&q, allowed, &err), -1);
    ck_assert_str_eq(err.code, "unknown_parameter");
    ck_assert_str_eq(err.field, "citty");

    q = make((const char *[]){"city", "x", "limit", "1", "city", "y", NULL});
    ck_assert_int_eq(sgw_query_check(&q, allowed, &err), -1);
    ck_assert_str_eq(err.code, "invalid_parameter");
    ck_assert_str_eq(err.field, "city");

    memset(&q, 0, sizeof q);
    for (int i = 0; i < SGW_QUERY_MAX + 1; i++)
        sgw_query_add(&q, "q", "x");
    ck_assert_int_eq(q.overflow, 1);
    ck_assert_int_eq(sgw_query_check(&q, allowed, &err), -1);
}
END_TEST

struct long_case {
    const char *value; /* NULL = absent */
    int ok;
    long want;
};

static const struct long_case long_cases[] = {
    {NULL, 1, 50},
    {"1", 1, 1},
    {"500", 1, 500},
    {"0", 0, 0},
    {"501", 0, 0},
    {"", 0, 0},
    {"-1", 0, 0},
    {"1.5", 0, 0},
    {"12abc", 0, 0},
    {" 5", 0, 0},
    {"+5", 0, 0},
    {"0x10", 0, 0},
    {"99999999999999999999", 0, 0},
    {"abc", 0, 0},
    {"007", 1, 7},
};

START_TEST(test_long)
{
    const struct long_case *c = &long_cases[_i];
    struct sgw_query q;
    struct sgw_error err;
    long out = -99;
    memset(&q, 0, sizeof q);
    if (c->value)
        sgw_query_add(&q, "limit", c->value);
    int rc = sgw_query_long(&q, "limit", 1, 500, 50, &out, &err);
    ck_assert_msg(rc == (c->ok ? 0 : -1), "limit=%s: rc %d", c->value ? c->value : "(absent)", rc);
    if (c->ok) {
        ck_assert_int_eq(out, c->want);
    } else {
        ck_assert_str_eq(err.code, "invalid_parameter");
        ck_assert_str_eq(err.field, "limit");
    }
}
END_TEST

START_TEST(test_time)
{
    struct sgw_query q;
    struct sgw_error err;
    int64_t us = 0;
    int present = -1;

    memset(&q, 0, sizeof q);
    ck_assert_int_eq(sgw_query_time(&q, "since", &us, &present, &err), 0);
    ck_assert_int_eq(present, 0);

    sgw_query_add(&q, "since", "2026-11-25");
    ck_assert_int_eq(sgw_query_time(&q, "since", &us, &present, &err), 0);
    ck_assert_int_eq(present, 1);
    ck_assert(us == 1795564800LL * 1000000LL);

    const char *good[] = {"2026-11-25T00:00:00Z", "2026-11-25T08:00:00+08:00", "2024-02-29"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        memset(&q, 0, sizeof q);
        sgw_query_add(&q, "since", good[i]);
        ck_assert_msg(sgw_query_time(&q, "since", &us, &present, &err) == 0, "%s", good[i]);
        if (i < 2)
            ck_assert(us == 1795564800LL * 1000000LL);
    }
    const char *bad[] = {"",           "yesterday",  "2026-13-01",
                         "2026-02-30", "2023-02-29", "2026-11-25T25:00:00Z",
                         "2026-11-2",  "20261125",   "2026/11/25"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&q, 0, sizeof q);
        sgw_query_add(&q, "until", bad[i]);
        ck_assert_msg(sgw_query_time(&q, "until", &us, &present, &err) == -1, "'%s'", bad[i]);
        ck_assert_str_eq(err.code, "invalid_parameter");
        ck_assert_str_eq(err.field, "until");
    }
}
END_TEST

START_TEST(test_enum_and_text)
{
    static const char *const sorts[] = {"reports", "reporters", "last_seen", "growth", NULL};
    struct sgw_query q;
    struct sgw_error err;
    const char *out = NULL;

    memset(&q, 0, sizeof q);
    ck_assert_int_eq(sgw_query_enum(&q, "sort", sorts, "reports", &out, &err), 0);
    ck_assert_str_eq(out, "reports");
    sgw_query_add(&q, "sort", "growth");
    ck_assert_int_eq(sgw_query_enum(&q, "sort", sorts, "reports", &out, &err), 0);
    ck_assert_str_eq(out, "growth");

    memset(&q, 0, sizeof q);
    sgw_query_add(&q, "sort", "Growth");
    ck_assert_int_eq(sgw_query_enum(&q, "sort", sorts, "reports", &out, &err), -1);
    ck_assert_str_eq(err.code, "invalid_parameter");
    ck_assert_str_eq(err.field, "sort");
    ck_assert_ptr_nonnull(strstr(err.message, "last_seen"));

    memset(&q, 0, sizeof q);
    sgw_query_add(&q, "q", "replica watches");
    ck_assert_int_eq(sgw_query_text(&q, "q", 200, &out, &err), 0);
    ck_assert_str_eq(out, "replica watches");
    ck_assert_int_eq(sgw_query_text(&q, "city", 200, &out, &err), 0);
    ck_assert_ptr_null(out);

    const char *bad[] = {"", "a\nb", "tab\there", "\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&q, 0, sizeof q);
        sgw_query_add(&q, "q", bad[i]);
        ck_assert_int_eq(sgw_query_text(&q, "q", 200, &out, &err), -1);
        ck_assert_str_eq(err.field, "q");
    }
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memset(&q, 0, sizeof q);
    sgw_query_add(&q, "q", big);
    ck_assert_int_eq(sgw_query_text(&q, "q", 200, &out, &err), -1);
}
END_TEST

START_TEST(test_cursor_round_trip)
{
    const char *fields[] = {"reports", "12345", "987", "", "深圳 \"x\""};
    char cur[SGW_CURSOR_MAX], buf[SGW_CURSOR_MAX];
    char *got[5];
    struct sgw_error err;

    for (size_t n = 0; n <= 5; n++) {
        ck_assert_int_eq(sgw_cursor_encode("campaigns", fields, n, cur, sizeof cur), 0);
        for (const char *p = cur; *p; p++)
            ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                                 *p) != NULL,
                          "cursor %s is not base64url", cur);
        ck_assert_int_eq(sgw_cursor_decode("campaigns", cur, got, n, buf, sizeof buf, &err), 0);
        for (size_t i = 0; i < n; i++)
            ck_assert_str_eq(got[i], fields[i]);
    }
}
END_TEST

START_TEST(test_cursor_rejects)
{
    const char *fields[] = {"last_seen", "1795564800000000", "42"};
    char cur[SGW_CURSOR_MAX], buf[SGW_CURSOR_MAX], tmp[SGW_CURSOR_MAX];
    char *got[3];
    struct sgw_error err;

    ck_assert_int_eq(sgw_cursor_encode("campaigns", fields, 3, cur, sizeof cur), 0);
    /* Another route's cursor, the wrong number of fields. */
    ck_assert_int_eq(sgw_cursor_decode("cities", cur, got, 3, buf, sizeof buf, &err), -1);
    ck_assert_str_eq(err.code, "invalid_cursor");
    ck_assert_str_eq(err.field, "cursor");
    ck_assert_int_eq(sgw_cursor_decode("campaigns", cur, got, 2, buf, sizeof buf, &err), -1);
    /* Every truncation and every single-character edit is refused. */
    for (size_t cut = 0; cut < strlen(cur); cut++) {
        snprintf(tmp, sizeof tmp, "%.*s", (int)cut, cur);
        ck_assert_msg(sgw_cursor_decode("campaigns", tmp, got, 3, buf, sizeof buf, &err) == -1,
                      "truncated at %zu accepted", cut);
    }
    for (size_t i = 0; i < strlen(cur); i++) {
        snprintf(tmp, sizeof tmp, "%s", cur);
        tmp[i] = tmp[i] == 'A' ? 'B' : 'A';
        ck_assert_msg(sgw_cursor_decode("campaigns", tmp, got, 3, buf, sizeof buf, &err) == -1,
                      "edit at %zu accepted", i);
    }
    const char *junk[] = {"", "!!!!", "a", "abc=", "YWJj", "%2F%2F"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        ck_assert_int_eq(sgw_cursor_decode("campaigns", junk[i], got, 3, buf, sizeof buf, &err),
                         -1);
    /* A field with the separator cannot be encoded; an oversize cursor is refused. */
    const char *sep[] = {"a\x1f"
                         "b"};
    ck_assert_int_eq(sgw_cursor_encode("campaigns", sep, 1, cur, sizeof cur), -1);
    char big[SGW_CURSOR_MAX * 2];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(sgw_cursor_decode("campaigns", big, got, 3, buf, sizeof buf, &err), -1);
}
END_TEST

static Suite *
query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, test_check_names);
    tcase_add_loop_test(tc, test_long, 0, (int)(sizeof long_cases / sizeof long_cases[0]));
    tcase_add_test(tc, test_time);
    tcase_add_test(tc, test_enum_and_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("cursor");
    tcase_add_test(tc, test_cursor_round_trip);
    tcase_add_test(tc, test_cursor_rejects);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(query_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
