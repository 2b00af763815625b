/* Unit tests for gateway/intake/ndjson.h: line boundaries, physical line numbers, CRLF, blank
 * lines, a missing last newline, the count past max, and that it never reads past len. */
#include "gateway/intake/ndjson.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXL 6

struct want_line {
    size_t lineno;
    const char *text; /* the line's bytes as returned */
};

struct split_case {
    const char *body;
    size_t count;
    struct want_line lines[MAXL];
};

static const struct split_case split_cases[] = {
    {"", 0, {{0, NULL}}},
    {"\n", 0, {{0, NULL}}},
    {"\n\n\r\n \t\r\n", 0, {{0, NULL}}},
    {"{}", 1, {{1, "{}"}}},
    {"{}\n", 1, {{1, "{}"}}},
    {"{}\r\n", 1, {{1, "{}"}}},
    {"{}\r", 1, {{1, "{}"}}},
    {"{\"a\":1}\n{\"b\":2}", 2, {{1, "{\"a\":1}"}, {2, "{\"b\":2}"}}},
    {"{\"a\":1}\r\n{\"b\":2}\r\n", 2, {{1, "{\"a\":1}"}, {2, "{\"b\":2}"}}},
    /* Blank lines count for line numbers but give no line. */
    {"\n\n{\"a\":1}\n\n \n{\"b\":2}\n\n", 2, {{3, "{\"a\":1}"}, {6, "{\"b\":2}"}}},
    {"\r\n\t\r\n{}\r\n", 1, {{3, "{}"}}},
    /* Only the CR right before the LF belongs to the line ending; others stay in the line. */
    {"{}\r\r\n", 1, {{1, "{}\r"}}},
    {"a\rb\nc", 2, {{1, "a\rb"}, {2, "c"}}},
    /* Surrounding blanks and garbage stay: the JSON parser judges them. */
    {"  {} \nnot json\n", 2, {{1, "  {} "}, {2, "not json"}}},
    {"\"x\\ny\"\n", 1, {{1, "\"x\\ny\""}}}, /* an escaped newline is no line break */
    {"1\n2\n3\n4\n5\n6", 6, {{1, "1"}, {2, "2"}, {3, "3"}, {4, "4"}, {5, "5"}, {6, "6"}}},
};

START_TEST(test_split_table)
{
    const struct split_case *c = &split_cases[_i];
    struct sgw_ndjson_line got[MAXL + 1];
    size_t len = strlen(c->body);

    memset(got, 0xAB, sizeof got);
    size_t n = sgw_ndjson_split(c->body, len, got, MAXL);
    ck_assert_msg(n == c->count, "case %d: %zu lines, want %zu", _i, n, c->count);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(got[i].lineno == c->lines[i].lineno, "case %d line %zu: lineno %zu, want %zu",
                      _i, i, got[i].lineno, c->lines[i].lineno);
        ck_assert_msg(got[i].off + got[i].len <= len, "case %d line %zu: past the body", _i, i);
        ck_assert_msg(got[i].len == strlen(c->lines[i].text) &&
                          memcmp(c->body + got[i].off, c->lines[i].text, got[i].len) == 0,
                      "case %d line %zu: \"%.*s\", want \"%s\"", _i, i, (int)got[i].len,
                      c->body + got[i].off, c->lines[i].text);
    }
    /* Nothing written past the lines found. */
    unsigned char canary[sizeof got[0]];
    memset(canary, 0xAB, sizeof canary);
    ck_assert(memcmp(&got[n], canary, sizeof canary) == 0);
}
END_TEST

/* More lines than max: the first max are stored, the count is the whole body's, nothing is
 * written past max, and out may be NULL with max 0 (the counting pass). */
START_TEST(test_split_count_past_max)
{
    const char *body = "{}\n\n{}\n{}\r\n{}\n{}";
    struct sgw_ndjson_line got[3];
    memset(got, 0xAB, sizeof got);

    ck_assert_uint_eq(sgw_ndjson_split(body, strlen(body), NULL, 0), 5);
    ck_assert_uint_eq(sgw_ndjson_split(body, strlen(body), got, 2), 5);
    ck_assert_uint_eq(got[0].lineno, 1);
    ck_assert_uint_eq(got[1].lineno, 3);
    unsigned char canary[sizeof got[0]];
    memset(canary, 0xAB, sizeof canary);
    ck_assert(memcmp(&got[2], canary, sizeof canary) == 0);
}
END_TEST

/* len bounds the body: bytes after it (here another line) are never read as lines, and a NUL
 * inside a line is the parser's business, not a terminator. */
START_TEST(test_split_respects_len)
{
    const char body[] = "{}\n{\"a\":\0}\nNOT-PART";
    size_t len = sizeof body - 1 - strlen("NOT-PART");
    struct sgw_ndjson_line got[4];

    ck_assert_uint_eq(sgw_ndjson_split(body, len, got, 4), 2);
    ck_assert_uint_eq(got[1].lineno, 2);
    ck_assert_uint_eq(got[1].len, 7);
    ck_assert_uint_eq(got[1].off, 3);
}
END_TEST

/* A large batch: 100000 lines with CRLF and a blank line every tenth, numbers exact. */
START_TEST(test_split_many)
{
    size_t nlines = 100000, cap = nlines * 8, used = 0;
    char *body = malloc(cap);
    ck_assert_ptr_nonnull(body);
    for (size_t i = 1; i <= nlines; i++)
        used += (size_t)snprintf(body + used, cap - used, "%s\r\n", i % 10 == 0 ? "" : "{}");
    size_t want = nlines - nlines / 10;
    struct sgw_ndjson_line *got = calloc(want, sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(sgw_ndjson_split(body, used, got, want), want);
    for (size_t j = 0; j < want; j++) {
        size_t lineno = j + 1 + j / 9; /* skips every tenth */
        ck_assert_msg(got[j].lineno == lineno && got[j].len == 2, "line %zu: %zu/%zu", j,
                      got[j].lineno, got[j].len);
    }
    free(got);
    free(body);
}
END_TEST

static Suite *
ndjson_suite(void)
{
    Suite *s = suite_create("ndjson");
    TCase *tc = tcase_create("split");
    tcase_add_loop_test(tc, test_split_table, 0, (int)NELEM(split_cases));
    tcase_add_test(tc, test_split_count_past_max);
    tcase_add_test(tc, test_split_respects_len);
    tcase_add_test(tc, test_split_many);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(ndjson_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
