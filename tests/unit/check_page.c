/* Unit tests for the pure parts of gateway/http/page.h: cursor field checks (table-driven),
 * reading a route's cursor, and the list JSON built from a page's cells for each header kind
 * (items, the campaign header, extra members, a list that is not paged, the next cursor's
 * fields and a NULL key written as ""). The answers are compared byte for byte: they are the
 * API's contract. */
#include "gateway/http/page.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct field_case {
    const char *value;
    int is_int, is_time, is_text;
};

static const struct field_case field_cases[] = {
    {"0", 1, 0, 1},
    {"42", 1, 0, 1},
    {"-7", 1, 0, 1},
    {"123456789012345678", 1, 0, 1},  /* 18 digits */
    {"1234567890123456789", 0, 0, 1}, /* 19: could overflow int8 */
    {"-123456789012345678", 1, 0, 1},
    {"9223372036854775808", 0, 0, 1},
    {"", 0, 0, 1},
    {"-", 0, 0, 1},
    {"+5", 0, 0, 1},
    {" 5", 0, 0, 1},
    {"\t5", 0, 0, 0},
    {"12x", 0, 0, 1},
    {"2026-11-25T18:00:00Z", 0, 1, 1},
    {"2026-11-25T18:00:00.123456Z", 0, 1, 1},
    {"yesterday", 0, 0, 1},
    {"US/NY/new-york", 0, 0, 1},
    {"\xe6\xb7\xb1\xe5\x9c\xb3", 0, 0, 1}, /* 深圳 */
    {"US/\xff", 0, 0, 0},
    {"a\nb", 0, 0, 0},
    {"a\x7f", 0, 0, 0},
};

START_TEST(test_fields)
{
    const struct field_case *c = &field_cases[_i];
    ck_assert_msg(sgw_page_is_int(c->value) == c->is_int, "is_int(\"%s\")", c->value);
    ck_assert_msg(sgw_page_is_time(c->value) == c->is_time, "is_time(\"%s\")", c->value);
    ck_assert_msg(sgw_page_is_text(c->value) == c->is_text, "is_text(\"%s\")", c->value);
}
END_TEST

START_TEST(test_fields_null)
{
    ck_assert_int_eq(sgw_page_is_int(NULL), 0);
    ck_assert_int_eq(sgw_page_is_time(NULL), 0);
    ck_assert_int_eq(sgw_page_is_text(NULL), 0);
}
END_TEST

START_TEST(test_cursor_read)
{
    const char *fields[] = {"17", "US/NY/new-york"};
    char cur[SGW_CURSOR_MAX], buf[SGW_CURSOR_MAX];
    char *got[2];
    int present = -1;
    struct sgw_query q;
    struct sgw_error err;

    memset(&q, 0, sizeof q);
    sgw_query_add(&q, "limit", "5");
    ck_assert_int_eq(sgw_page_cursor_read(&q, "cities:reports", got, 2, buf, &present, &err), 0);
    ck_assert_int_eq(present, 0);

    ck_assert_int_eq(sgw_cursor_encode("cities:reports", fields, 2, cur, sizeof cur), 0);
    sgw_query_add(&q, "cursor", cur);
    ck_assert_int_eq(sgw_page_cursor_read(&q, "cities:reports", got, 2, buf, &present, &err), 0);
    ck_assert_int_eq(present, 1);
    ck_assert_str_eq(got[0], "17");
    ck_assert_str_eq(got[1], "US/NY/new-york");

    /* Another list's cursor, or the wrong field count. */
    present = -1;
    ck_assert_int_eq(sgw_page_cursor_read(&q, "cities:last_seen", got, 2, buf, &present, &err), -1);
    ck_assert_int_eq(present, 0);
    ck_assert_str_eq(err.code, "invalid_cursor");
    ck_assert_str_eq(err.field, "cursor");
    ck_assert_int_eq(sgw_page_cursor_read(&q, "cities:reports", got, 1, buf, &present, &err), -1);

    memset(&q, 0, sizeof q);
    sgw_query_add(&q, "cursor", "");
    ck_assert_int_eq(sgw_page_cursor_read(&q, "cities:reports", got, 2, buf, &present, &err), -1);

    memset(&err, 0, sizeof err);
    ck_assert_int_eq(sgw_page_cursor_refuse(&err), -1);
    ck_assert_str_eq(err.code, "invalid_cursor");
    ck_assert_str_eq(err.field, "cursor");
    ck_assert_str_eq(err.message, "cursor is not one this list handed out");
}
END_TEST

/* A page over rows of ncols literal cells (NULL = SQL NULL). */
static struct sgw_page
page_of(const char **cells, int nrows, int ncols)
{
    struct sgw_page p;
    memset(&p, 0, sizeof p);
    p.cells = (char **)cells;
    p.nrows = nrows;
    p.ncols = ncols;
    return p;
}

/* The next_cursor of body (kind) decoded into n fields; the body is freed. */
static void
cursor_of(char *body, const char *kind, char **got, size_t n, char *buf)
{
    const char *s = strstr(body, "\"next_cursor\":\"");
    char cur[SGW_CURSOR_MAX];
    struct sgw_error err;

    ck_assert_msg(s != NULL, "no cursor in %s", body);
    s += strlen("\"next_cursor\":\"");
    size_t len = strcspn(s, "\"");
    ck_assert_uint_lt(len, sizeof cur);
    memcpy(cur, s, len);
    cur[len] = '\0';
    free(body);
    ck_assert_int_eq(sgw_cursor_decode(kind, cur, got, n, buf, SGW_CURSOR_MAX, &err), 0);
}

START_TEST(test_list_plain)
{
    const char *cells[] = {"{\"a\":1}", "9", "x", "{\"a\":2}", "8", "y", "{\"a\":3}", "7", "z"};
    struct sgw_page p = page_of(cells, 3, 3);
    char buf[SGW_CURSOR_MAX], *got[2];

    p.name = "cities";
    snprintf(p.kind, sizeof p.kind, "cities:reports");
    p.limit = 3;
    char *body = sgw_page_list_json(&p);
    ck_assert_str_eq(body, "{\"cities\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"next_cursor\":null}");
    free(body);

    /* One row beyond the page: the cursor names the last item shown. */
    p.limit = 2;
    body = sgw_page_list_json(&p);
    ck_assert_ptr_nonnull(strstr(body, "{\"cities\":[{\"a\":1},{\"a\":2}],\"next_cursor\":\""));
    cursor_of(body, "cities:reports", got, 2, buf);
    ck_assert_str_eq(got[0], "8");
    ck_assert_str_eq(got[1], "y");

    p.nrows = 0;
    body = sgw_page_list_json(&p);
    ck_assert_str_eq(body, "{\"cities\":[],\"next_cursor\":null}");
    free(body);
}
END_TEST

START_TEST(test_list_campaign_header)
{
    /* One row whose item is NULL: the campaign exists but has nothing to list. */
    const char *empty[] = {"12", NULL, NULL, NULL, NULL};
    struct sgw_page p = page_of(empty, 1, 5);
    p.head = SGW_PAGE_HEAD_CAMPAIGN;
    p.name = "senders";
    p.limit = 50;
    snprintf(p.kind, sizeof p.kind, "campaign_senders");
    char *body = sgw_page_list_json(&p);
    ck_assert_str_eq(
        body, "{\"campaign_id\":12,\"merged_from\":null,\"senders\":[],\"next_cursor\":null}");
    free(body);

    /* Not paged (no kind): no next_cursor member; extra members follow the header. */
    const char *points[] = {"12", "7", "{\"r\":1}", NULL, NULL, "12", "7", "{\"r\":2}", NULL, NULL};
    p = page_of(points, 2, 5);
    p.head = SGW_PAGE_HEAD_CAMPAIGN;
    p.name = "points";
    p.limit = 1000000;
    p.extra = "\"bucket\":\"day\"";
    body = sgw_page_list_json(&p);
    ck_assert_str_eq(body, "{\"campaign_id\":12,\"merged_from\":7,\"bucket\":\"day\","
                           "\"points\":[{\"r\":1},{\"r\":2}]}");
    free(body);

    /* A report id keyset: the second key is NULL and travels as "". */
    const char *reports[] = {"12", NULL, "{\"id\":30}", "30", NULL,
                             "12", NULL, "{\"id\":20}", "20", NULL};
    char buf[SGW_CURSOR_MAX], *got[3], id[] = "12";
    p = page_of(reports, 2, 5);
    p.head = SGW_PAGE_HEAD_CAMPAIGN;
    p.name = "reports";
    p.limit = 1;
    snprintf(p.kind, sizeof p.kind, "campaign_reports");
    p.cursor[p.ncursor++] = id;
    body = sgw_page_list_json(&p);
    ck_assert_ptr_nonnull(strstr(
        body,
        "{\"campaign_id\":12,\"merged_from\":null,\"reports\":[{\"id\":30}],\"next_cursor\":\""));
    cursor_of(body, "campaign_reports", got, 3, buf);
    ck_assert_str_eq(got[0], "12");
    ck_assert_str_eq(got[1], "30");
    ck_assert_str_eq(got[2], "");
}
END_TEST

START_TEST(test_list_asof_cursor)
{
    const char *cells[] = {"99", "1795564800000000", "{\"id\":5}", "40", "5",
                           "99", "1795564800000000", "{\"id\":4}", "40", "4"};
    struct sgw_page p = page_of(cells, 2, 5);
    char buf[SGW_CURSOR_MAX], *got[7];
    char sort[] = "reports", order[] = "desc", hash[] = "00112233aabbccdd";

    p.head = SGW_PAGE_HEAD_ASOF;
    p.name = "campaigns";
    p.limit = 1;
    snprintf(p.kind, sizeof p.kind, "campaigns");
    p.cursor[0] = sort;
    p.cursor[1] = order;
    p.cursor[2] = hash;
    p.ncursor = 3;
    char *body = sgw_page_list_json(&p);
    /* The header columns are not shown, only carried in the cursor. */
    ck_assert_ptr_nonnull(strstr(body, "{\"campaigns\":[{\"id\":5}],\"next_cursor\":\""));
    cursor_of(body, "campaigns", got, 7, buf);
    const char *want[] = {"reports", "desc", "00112233aabbccdd", "99", "1795564800000000",
                          "40",      "5"};
    for (int i = 0; i < 7; i++)
        ck_assert_str_eq(got[i], want[i]);
}
END_TEST

static Suite *
page_suite(void)
{
    Suite *s = suite_create("page");
    TCase *tc = tcase_create("cursor");
    tcase_add_loop_test(tc, test_fields, 0, (int)(sizeof field_cases / sizeof field_cases[0]));
    tcase_add_test(tc, test_fields_null);
    tcase_add_test(tc, test_cursor_read);
    suite_add_tcase(s, tc);
    tc = tcase_create("list");
    tcase_add_test(tc, test_list_plain);
    tcase_add_test(tc, test_list_campaign_header);
    tcase_add_test(tc, test_list_asof_cursor);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(page_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
