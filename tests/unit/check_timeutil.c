/* Unit tests for gateway/common/timeutil.h: RFC 3339 parsing against exact microsecond values
 * (computed independently with Python's datetime), formatting and its round trip, and
 * days_from_civil against known dates. Pure functions only: nothing here reads the clock. */
#include "gateway/common/timeutil.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 2024-05-01T12:30:00Z */
#define BASE_US INT64_C(1714566600000000)

struct parse_case {
    const char *text;
    int ok;       /* 1: must parse, 0: must be rejected */
    int64_t want; /* µs since the epoch when ok */
};

static const struct parse_case parse_cases[] = {
    /* Separators and zone designators in either case. */
    {"2024-05-01T12:30:00Z", 1, BASE_US},
    {"2024-05-01T12:30:00z", 1, BASE_US},
    {"2024-05-01t12:30:00Z", 1, BASE_US},
    {"2024-05-01 12:30:00Z", 1, BASE_US},
    {"2024-05-01t12:30:00z", 1, BASE_US},
    {"2024-05-01T12:30:00+00:00", 1, BASE_US},
    {"2024-05-01T12:30:00-00:00", 1, BASE_US}, /* RFC 3339 "unknown local offset" */
    /* Offsets. */
    {"2024-05-01t12:30:00.25+08:00", 1, INT64_C(1714537800250000)},
    {"2024-05-01 12:30:00-05:00", 1, INT64_C(1714584600000000)},
    {"2024-05-01T12:30:00+14:00", 1, INT64_C(1714516200000000)},
    {"2024-05-01T12:30:00-12:00", 1, INT64_C(1714609800000000)},
    {"2024-05-01T00:00:00+23:59", 1, INT64_C(1714435260000000)},
    {"2024-05-01T17:30:00+05:00", 1, BASE_US},
    /* Fractions of 1 to 9 digits: microseconds kept, the rest truncated. */
    {"2024-05-01T12:30:00.1Z", 1, BASE_US + 100000},
    {"2024-05-01T12:30:00.12Z", 1, BASE_US + 120000},
    {"2024-05-01T12:30:00.123Z", 1, BASE_US + 123000},
    {"2024-05-01T12:30:00.1234Z", 1, BASE_US + 123400},
    {"2024-05-01T12:30:00.12345Z", 1, BASE_US + 123450},
    {"2024-05-01T12:30:00.123456Z", 1, BASE_US + 123456},
    {"2024-05-01T12:30:00.1234567Z", 1, BASE_US + 123456},
    {"2024-05-01T12:30:00.12345678Z", 1, BASE_US + 123456},
    {"2024-05-01T12:30:00.123456789Z", 1, BASE_US + 123456},
    {"2024-05-01T12:30:00.000001Z", 1, BASE_US + 1},
    {"2024-05-01T12:30:00.999999999Z", 1, BASE_US + 999999},
    {"2024-05-01T12:30:00.000000+00:00", 1, BASE_US},
    /* Calendar edges. */
    {"1970-01-01T00:00:00Z", 1, 0},
    {"1969-12-31T23:59:59Z", 1, INT64_C(-1000000)},
    {"0001-01-01T00:00:00Z", 1, INT64_C(-62135596800000000)},
    {"2024-02-29T00:00:00Z", 1, INT64_C(1709164800000000)},
    {"2000-02-29T23:59:59Z", 1, INT64_C(951868799000000)},
    {"1999-12-31T23:59:59Z", 1, INT64_C(946684799000000)},
    {"2038-01-19T03:14:08Z", 1, INT64_C(2147483648000000)},
    {"9999-12-31T23:59:59.999999Z", 1, INT64_C(253402300799999999)},
    /* Leap second: held at the last microsecond of 23:59:59, any fraction dropped. */
    {"2016-12-31T23:59:60Z", 1, INT64_C(1483228799999999)},
    {"2016-12-31T23:59:60.5Z", 1, INT64_C(1483228799999999)},
    {"2017-01-01T07:59:60+08:00", 1, INT64_C(1483228799999999)},
    /* Impossible dates and times. */
    {"2023-02-29T00:00:00Z", 0, 0},
    {"1900-02-29T00:00:00Z", 0, 0},
    {"2024-02-30T00:00:00Z", 0, 0},
    {"2024-04-31T00:00:00Z", 0, 0},
    {"2024-13-01T00:00:00Z", 0, 0},
    {"2024-00-01T00:00:00Z", 0, 0},
    {"2024-05-00T00:00:00Z", 0, 0},
    {"2024-05-32T00:00:00Z", 0, 0},
    {"2024-05-01T24:00:00Z", 0, 0},
    {"2024-05-01T12:60:00Z", 0, 0},
    {"2024-05-01T12:30:61Z", 0, 0},
    /* Missing or malformed zone. */
    {"2024-05-01T12:30:00", 0, 0},
    {"2024-05-01T12:30:00.5", 0, 0},
    {"2024-05-01", 0, 0},
    {"2024-05-01T12:30:00+0800", 0, 0},
    {"2024-05-01T12:30:00+08", 0, 0},
    {"2024-05-01T12:30:00+8:00", 0, 0},
    {"2024-05-01T12:30:00+24:00", 0, 0},
    {"2024-05-01T12:30:00+08:60", 0, 0},
    {"2024-05-01T12:30:00 Z", 0, 0},
    {"2024-05-01T12:30:00UTC", 0, 0},
    {"2024-05-01T12:30:00GMT+8", 0, 0},
    /* Trailing and leading garbage. */
    {"2024-05-01T12:30:00Zx", 0, 0},
    {"2024-05-01T12:30:00ZZ", 0, 0},
    {"2024-05-01T12:30:00+08:00x", 0, 0},
    {"2024-05-01T12:30:00Z ", 0, 0},
    {" 2024-05-01T12:30:00Z", 0, 0},
    /* Wrong shapes. */
    {"", 0, 0},
    {"Z", 0, 0},
    {"2024-05-01T12:30:00.Z", 0, 0},
    {"2024-05-01T12:30:00,5Z", 0, 0},
    {"2024-05-01T12:30Z", 0, 0},
    {"2024-5-01T12:30:00Z", 0, 0},
    {"2024/05/01T12:30:00Z", 0, 0},
    {"2024-05-01X12:30:00Z", 0, 0},
    {"2024-05-01T12-30-00Z", 0, 0},
    {"20240501T123000Z", 0, 0},
    {"+2024-05-01T12:30:00Z", 0, 0},
    {"2024-05-01T1a:30:00Z", 0, 0},
    {"-024-05-01T12:30:00Z", 0, 0},
    {"yesterday at noon please", 0, 0},
};

START_TEST(test_parse_table)
{
    const struct parse_case *c = &parse_cases[_i];
    int64_t got = INT64_C(0x5a5a5a5a5a5a5a5a);
    int rc = sgw_rfc3339_parse(c->text, strlen(c->text), &got);
    if (c->ok) {
        ck_assert_msg(rc == 0, "case %d \"%s\": rejected, want %lld", _i, c->text,
                      (long long)c->want);
        ck_assert_msg(got == c->want, "case %d \"%s\": got %lld, want %lld (diff %lld µs)", _i,
                      c->text, (long long)got, (long long)c->want, (long long)(got - c->want));
    } else {
        ck_assert_msg(rc == -1, "case %d \"%s\": accepted as %lld, want rejection", _i, c->text,
                      (long long)got);
    }
}
END_TEST

/* Builds "2024-05-01T12:30:00." followed by ndigits zeros and "Z" (21 + ndigits bytes). */
static size_t
long_fraction(char *buf, size_t ndigits)
{
    size_t n = 0;
    memcpy(buf, "2024-05-01T12:30:00.", 20);
    n = 20;
    memset(buf + n, '0', ndigits);
    n += ndigits;
    buf[n++] = 'Z';
    buf[n] = '\0';
    return n;
}

START_TEST(test_parse_length_limit)
{
    char buf[128];
    int64_t got = 0;

    /* 64 bytes is the longest accepted text, even when it is otherwise valid. */
    size_t n = long_fraction(buf, 43);
    ck_assert_uint_eq(n, 64);
    ck_assert_msg(sgw_rfc3339_parse(buf, n, &got) == 0, "64-byte \"%s\" rejected", buf);
    ck_assert_msg(got == BASE_US, "64-byte text: got %lld", (long long)got);

    n = long_fraction(buf, 44);
    ck_assert_uint_eq(n, 65);
    ck_assert_msg(sgw_rfc3339_parse(buf, n, &got) == -1, "65-byte \"%s\" accepted", buf);

    n = long_fraction(buf, 100);
    ck_assert_msg(sgw_rfc3339_parse(buf, n, &got) == -1, "%zu-byte text accepted", n);
}
END_TEST

START_TEST(test_parse_uses_len_not_nul)
{
    int64_t got = 0;
    const char *s = "2024-05-01T12:30:00Zgarbage";

    /* Only the first len bytes are the text: the prefix is valid on its own... */
    ck_assert_int_eq(sgw_rfc3339_parse(s, 20, &got), 0);
    ck_assert_msg(got == BASE_US, "got %lld", (long long)got);
    /* ...and the whole string is not. */
    ck_assert_int_eq(sgw_rfc3339_parse(s, strlen(s), &got), -1);
    /* A len cutting the zone off leaves a text with no zone. */
    ck_assert_int_eq(sgw_rfc3339_parse(s, 19, &got), -1);
    ck_assert_int_eq(sgw_rfc3339_parse(s, 0, &got), -1);

    /* A buffer without any NUL: a fixed-size array holding exactly the text. */
    const char exact[25] = {'2', '0', '2', '4', '-', '0', '5', '-', '0', '1', 'T', '1', '2',
                            ':', '3', '0', ':', '0', '0', '+', '0', '0', ':', '0', '0'};
    ck_assert_int_eq(sgw_rfc3339_parse(exact, sizeof exact, &got), 0);
    ck_assert_msg(got == BASE_US, "got %lld", (long long)got);
}
END_TEST

START_TEST(test_parse_embedded_nul)
{
    int64_t got = 0;
    /* A NUL inside the counted text is never a digit or a zone. */
    ck_assert_int_eq(sgw_rfc3339_parse("2024-05-01T12:30:00\0Z", 21, &got), -1);
    ck_assert_int_eq(sgw_rfc3339_parse("2024-05-01T12:30:00Z\0", 21, &got), -1);
}
END_TEST

struct format_case {
    int64_t us;
    const char *want;
};

static const struct format_case format_cases[] = {
    {0, "1970-01-01T00:00:00.000000Z"},
    {1, "1970-01-01T00:00:00.000001Z"},
    {-1, "1969-12-31T23:59:59.999999Z"},
    {INT64_C(-1000000), "1969-12-31T23:59:59.000000Z"},
    {INT64_C(-1000001), "1969-12-31T23:59:58.999999Z"},
    {BASE_US, "2024-05-01T12:30:00.000000Z"},
    {BASE_US + 250000, "2024-05-01T12:30:00.250000Z"},
    {INT64_C(1714537800250000), "2024-05-01T04:30:00.250000Z"},
    {INT64_C(1709164800000000), "2024-02-29T00:00:00.000000Z"},
    {INT64_C(1483228799999999), "2016-12-31T23:59:59.999999Z"},
    {INT64_C(2147483648000000), "2038-01-19T03:14:08.000000Z"},
    {INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z"},
    {INT64_C(-62135596800000000), "0001-01-01T00:00:00.000000Z"},
};

START_TEST(test_format_table)
{
    const struct format_case *c = &format_cases[_i];
    char out[64];
    memset(out, 'x', sizeof out);
    sgw_rfc3339_format(c->us, out, 32);
    ck_assert_msg(strcmp(out, c->want) == 0, "case %d %lld: got \"%s\", want \"%s\"", _i,
                  (long long)c->us, out, c->want);
    ck_assert_msg(out[31] == 'x', "case %d: wrote past the 32 bytes the header promises", _i);
}
END_TEST

START_TEST(test_format_small_buffer)
{
    char out[16];
    memset(out, 'x', sizeof out);
    sgw_rfc3339_format(BASE_US, out, 11);
    /* Truncated but terminated inside the given size, nothing written beyond it. */
    ck_assert_str_eq(out, "2024-05-01");
    ck_assert_int_eq(out[11], 'x');
}
END_TEST

/* format then parse gives back the same instant; parse of every valid table row then format
 * then parse again gives the same instant too. */
START_TEST(test_round_trip)
{
    static const int64_t instants[] = {
        0,
        1,
        -1,
        999999,
        -999999,
        BASE_US,
        BASE_US + 123456,
        INT64_C(951782400000000),   /* 2000-02-29 */
        INT64_C(4107542399999999),  /* 2100-02-28T23:59:59.999999 */
        INT64_C(-2208988800000000), /* 1900-01-01 */
        INT64_C(253402300799999999),
        INT64_C(-62135596800000000),
    };
    char text[32];
    int64_t got;

    for (size_t i = 0; i < NELEM(instants); i++) {
        sgw_rfc3339_format(instants[i], text, sizeof text);
        got = 0;
        ck_assert_msg(sgw_rfc3339_parse(text, strlen(text), &got) == 0,
                      "%lld formatted as \"%s\" does not parse", (long long)instants[i], text);
        ck_assert_msg(got == instants[i], "%lld -> \"%s\" -> %lld", (long long)instants[i], text,
                      (long long)got);
    }
    /* A sweep across ~300 years in odd steps hits many month ends and leap days. */
    for (int64_t us = INT64_C(-2208988800000000); us < INT64_C(7258118400000000);
         us += INT64_C(86399999937)) {
        sgw_rfc3339_format(us, text, sizeof text);
        ck_assert_msg(sgw_rfc3339_parse(text, strlen(text), &got) == 0 && got == us,
                      "%lld -> \"%s\" -> %lld", (long long)us, text, (long long)got);
    }
    for (size_t i = 0; i < NELEM(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        if (!c->ok)
            continue;
        int64_t first = 0, second = 0;
        ck_assert_int_eq(sgw_rfc3339_parse(c->text, strlen(c->text), &first), 0);
        sgw_rfc3339_format(first, text, sizeof text);
        ck_assert_msg(sgw_rfc3339_parse(text, strlen(text), &second) == 0 && second == first,
                      "\"%s\" -> %lld -> \"%s\" -> %lld", c->text, (long long)first, text,
                      (long long)second);
    }
}
END_TEST

struct civil_case {
    int64_t y;
    unsigned m, d;
    int64_t want;
};

static const struct civil_case civil_cases[] = {
    {1970, 1, 1, 0},      {1970, 1, 2, 1},       {1969, 12, 31, -1},   {2000, 1, 1, 10957},
    {2000, 2, 29, 11016}, {2000, 3, 1, 11017},   {2024, 2, 29, 19782}, {2024, 3, 1, 19783},
    {1900, 3, 1, -25508}, {1600, 1, 1, -135140}, {2038, 1, 19, 24855}, {9999, 12, 31, 2932896},
    {1, 1, 1, -719162},   {0, 3, 1, -719468},    {0, 1, 1, -719528},
};

START_TEST(test_days_from_civil_table)
{
    const struct civil_case *c = &civil_cases[_i];
    int64_t got = sgw_days_from_civil(c->y, c->m, c->d);
    ck_assert_msg(got == c->want, "%04lld-%02u-%02u: got %lld, want %lld", (long long)c->y, c->m,
                  c->d, (long long)got, (long long)c->want);
}
END_TEST

/* Consecutive days are consecutive numbers across month and year ends (1900..2100). */
START_TEST(test_days_from_civil_continuous)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t expect = sgw_days_from_civil(1900, 1, 1);
    ck_assert_int_eq(expect, -25567);
    for (int64_t y = 1900; y <= 2100; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (unsigned m = 1; m <= 12; m++) {
            unsigned n = mdays[m - 1] + (m == 2 && leap);
            for (unsigned d = 1; d <= n; d++) {
                int64_t got = sgw_days_from_civil(y, m, d);
                ck_assert_msg(got == expect, "%04lld-%02u-%02u: got %lld, want %lld", (long long)y,
                              m, d, (long long)got, (long long)expect);
                expect++;
            }
        }
    }
}
END_TEST

static Suite *
timeutil_suite(void)
{
    Suite *s = suite_create("timeutil");

    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_table, 0, (int)NELEM(parse_cases));
    tcase_add_test(tc, test_parse_length_limit);
    tcase_add_test(tc, test_parse_uses_len_not_nul);
    tcase_add_test(tc, test_parse_embedded_nul);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_loop_test(tc, test_format_table, 0, (int)NELEM(format_cases));
    tcase_add_test(tc, test_format_small_buffer);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("civil");
    tcase_add_loop_test(tc, test_days_from_civil_table, 0, (int)NELEM(civil_cases));
    tcase_add_test(tc, test_days_from_civil_continuous);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(timeutil_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
