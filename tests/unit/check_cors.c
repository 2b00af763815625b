/* Unit tests for gateway/http/cors.h: which --cors-origins values start the server, and how a
 * request's Origin fares against a list (exact, case-sensitive items; "*" anywhere). */
#include "gateway/http/cors.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct valid_case {
    const char *list;
    int valid;
};

static const struct valid_case valid_cases[] = {
    {"", 1},
    {"   ", 1},
    {"*", 1},
    {"https://dash.example.net", 1},
    {"https://dash.example.net,http://localhost:3000", 1},
    {" https://a.example , https://b.example ", 1},
    {"*,https://a.example", 1},
    {"http://[::1]:8080", 1},
    {"https://xn--bcher-kva.example", 1},
    {"app+custom-1.x://host", 1},
    {NULL, 1},
    {",", 0},
    {"https://a.example,", 0},
    {"https://a.example,,https://b.example", 0},
    {"https://dash.example.net/", 0},
    {"https://dash.example.net/path", 0},
    {"https://dash.example.net?x", 0},
    {"https://dash.example.net#x", 0},
    {"https://user@dash.example.net", 0},
    {"https://", 0},
    {"https://a.example:", 0},
    {"dash.example.net", 0},
    {"//dash.example.net", 0},
    {"null", 0},
    {"1http://a.example", 0},
    {"https:/a.example", 0},
    {"https://a b.example", 0},
    {"**", 0},
    {"https://a.example;https://b.example", 0}, /* a path after all */
    {" * ", 1},
    {"https://a.example, ", 0},
};

START_TEST(test_valid)
{
    const struct valid_case *c = &valid_cases[_i];
    ck_assert_msg(sgw_cors_origins_valid(c->list) == c->valid, "\"%s\": want %s",
                  c->list ? c->list : "(null)", c->valid ? "valid" : "invalid");
}
END_TEST

struct match_case {
    const char *list, *origin;
    enum sgw_cors_match want;
};

static const struct match_case match_cases[] = {
    {"https://dash.example.net", "https://dash.example.net", SGW_CORS_EXACT},
    {"https://a.example, https://dash.example.net", "https://dash.example.net", SGW_CORS_EXACT},
    {" https://dash.example.net ,https://a.example", "https://dash.example.net", SGW_CORS_EXACT},
    {"https://dash.example.net", "https://dash.example.net:443", SGW_CORS_DENIED},
    {"https://dash.example.net", "http://dash.example.net", SGW_CORS_DENIED},
    {"https://dash.example.net", "https://DASH.example.net", SGW_CORS_DENIED},
    {"https://dash.example.net", "https://dash.example.net.evil.example", SGW_CORS_DENIED},
    {"https://dash.example.net", "https://evil.example/https://dash.example.net", SGW_CORS_DENIED},
    {"https://dash.example.net", "https://dash.example.ne", SGW_CORS_DENIED},
    {"https://dash.example.net", "", SGW_CORS_DENIED},
    {"https://dash.example.net", NULL, SGW_CORS_DENIED},
    {"https://dash.example.net", "null", SGW_CORS_DENIED},
    {"", "https://dash.example.net", SGW_CORS_DENIED},
    {NULL, "https://dash.example.net", SGW_CORS_DENIED},
    {"*", "https://anything.example", SGW_CORS_ANY},
    {"*", "null", SGW_CORS_ANY},
    {"*", "", SGW_CORS_DENIED},
    {"https://a.example,*", "https://b.example", SGW_CORS_ANY},
    /* A listed origin is echoed even when "*" is also there. */
    {"*,https://a.example", "https://a.example", SGW_CORS_EXACT},
    {"http://localhost:3000", "http://localhost:3000", SGW_CORS_EXACT},
    {"http://localhost:3000", "http://localhost:30001", SGW_CORS_DENIED},
    {"http://localhost:30001", "http://localhost:3000", SGW_CORS_DENIED},
};

START_TEST(test_match)
{
    const struct match_case *c = &match_cases[_i];
    enum sgw_cors_match got = sgw_cors_match(c->list, c->origin);
    ck_assert_msg(got == c->want, "list \"%s\", origin \"%s\": got %d, want %d",
                  c->list ? c->list : "(null)", c->origin ? c->origin : "(null)", (int)got,
                  (int)c->want);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("cors");
    TCase *tc = tcase_create("origins");
    tcase_add_loop_test(tc, test_valid, 0, NELEM(valid_cases));
    tcase_add_loop_test(tc, test_match, 0, NELEM(match_cases));
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
