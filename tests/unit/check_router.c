/* Unit tests for gateway/http/router.h: method + path matching against the route table, the
 * Allow list for a known path with the wrong method (405) versus an unknown path (404), exact
 * path comparison, each route's roles and body kind, and the metrics labels sgw_router_init
 * registers. */
#include "gateway/http/router.h"

#include "gateway/common/metrics.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define WRITERS (SGW_ROLE_BIT(SGW_ROLE_REPORTER) | SGW_ROLE_BIT(SGW_ROLE_RELAY))

struct match_case {
    const char *method;
    const char *path;
    int found;
    const char *allow; /* when not found */
};

static const struct match_case match_cases[] = {
    {"POST", "/v1/reports", 1, NULL},
    {"GET", "/healthz", 1, NULL},
    {"GET", "/readyz", 1, NULL},
    {"GET", "/metrics", 1, NULL},
    /* Known path, wrong method: 405 with Allow. */
    {"GET", "/v1/reports", 0, "POST"},
    {"PUT", "/v1/reports", 0, "POST"},
    {"DELETE", "/v1/reports", 0, "POST"},
    {"HEAD", "/v1/reports", 0, "POST"},
    {"post", "/v1/reports", 0, "POST"}, /* methods are case-sensitive */
    {"POSTX", "/v1/reports", 0, "POST"},
    {"", "/v1/reports", 0, "POST"},
    {"POST", "/healthz", 0, "GET"},
    {"HEAD", "/healthz", 0, "GET"},
    {"OPTIONS", "/readyz", 0, "GET"},
    {"DELETE", "/metrics", 0, "GET"},
    /* Unknown path: 404, empty Allow. */
    {"GET", "/nope", 0, ""},
    {"POST", "/nope", 0, ""},
    {"GET", "/", 0, ""},
    {"GET", "", 0, ""},
    {"POST", "/v1/reports/", 0, ""},
    {"POST", "/v1/reports/1", 0, "GET"}, /* GET /v1/reports/{id} exists */
    {"DELETE", "/v1/campaigns/7", 0, "GET, PATCH"},
    {"GET", "/v1/campaigns/", 0, ""},
    {"GET", "/v1/campaigns/7/x", 0, ""},
    {"POST", "/v1/report", 0, ""},
    {"POST", "/v1/reportsx", 0, ""},
    {"POST", "/V1/REPORTS", 0, ""},
    {"POST", "v1/reports", 0, ""},
    {"POST", "//v1/reports", 0, ""},
    {"POST", "/v1//reports", 0, ""},
    {"POST", "/v2/reports", 0, ""},
    {"GET", "/healthz/", 0, ""},
    {"GET", "/healthzz", 0, ""},
    {"GET", "/healthz?verbose=1", 0, ""},
    {"GET", "/HEALTHZ", 0, ""},
    {"GET", "/metrics/x", 0, ""},
    {"PUT", "/v1/keys", 0, "POST, GET"},
    {"GET", "/v1/keys/7", 0, "DELETE"},
    {"DELETE", "/v1/keys/", 0, ""},
    {"DELETE", "/v1/keys/7/x", 0, ""},
    /* The batch route's literal ':' is not a path segment: no overlap with /v1/reports{,/{id}}. */
    {"POST", "/v1/reports:batch", 1, NULL},
    {"GET", "/v1/reports:batch", 0, "POST"},
    {"PUT", "/v1/reports:batch", 0, "POST"},
    {"POST", "/v1/reports:batch/", 0, ""},
    {"POST", "/v1/reports:batchx", 0, ""},
    {"POST", "/v1/reports:", 0, ""},
    {"POST", "/v1/reports:BATCH", 0, ""},
    {"POST", "/v1/reports/:batch", 0, "GET"}, /* an {id} segment, GET only */
    /* Verdicts and the allowlist. */
    {"GET", "/v1/allowlist", 1, NULL},
    {"POST", "/v1/allowlist", 1, NULL},
    {"PUT", "/v1/allowlist", 0, "GET, POST"},
    {"GET", "/v1/allowlist/x.com", 0, "DELETE"},
    {"DELETE", "/v1/allowlist/", 0, ""},
    {"POST", "/v1/campaigns/7/verdicts", 0, "GET"},
    {"GET", "/v1/campaigns/7/verdicts/1", 0, ""},
};

START_TEST(test_match_table)
{
    const struct match_case *c = &match_cases[_i];
    char allow[64];
    memset(allow, 'x', sizeof allow);
    const struct sgw_route *r = sgw_router_match(c->method, c->path, allow, sizeof allow);
    if (c->found) {
        ck_assert_msg(r != NULL, "%s %s: no route (allow \"%s\")", c->method, c->path, allow);
        ck_assert_msg(strcmp(r->method, c->method) == 0 && strcmp(r->pattern, c->path) == 0,
                      "%s %s: matched %s %s", c->method, c->path, r->method, r->pattern);
    } else {
        ck_assert_msg(r == NULL, "%s \"%s\": matched %s %s", c->method, c->path, r->method,
                      r->pattern);
        ck_assert_msg(strcmp(allow, c->allow) == 0, "%s \"%s\": allow \"%s\", want \"%s\"",
                      c->method, c->path, allow, c->allow);
    }
}
END_TEST

struct route_props {
    const char *method;
    const char *path;
    unsigned roles;
    enum sgw_body_kind body;
};

static const struct route_props route_props[] = {
    {"POST", "/v1/reports", WRITERS, SGW_BODY_JSON},
    {"GET", "/healthz", SGW_ROLES_PUBLIC, SGW_BODY_NONE},
    {"GET", "/readyz", SGW_ROLES_PUBLIC, SGW_BODY_NONE},
    {"GET", "/metrics", SGW_ROLES_PUBLIC, SGW_BODY_NONE},
    {"GET", "/v1/reports/1", SGW_ROLE_BIT(SGW_ROLE_ANALYST), SGW_BODY_NONE},
    {"GET", "/v1/campaigns/1", SGW_ROLE_BIT(SGW_ROLE_ANALYST), SGW_BODY_NONE},
    {"POST", "/v1/keys", SGW_ROLE_BIT(SGW_ROLE_ADMIN), SGW_BODY_JSON},
    {"GET", "/v1/keys", SGW_ROLE_BIT(SGW_ROLE_ADMIN), SGW_BODY_NONE},
    {"DELETE", "/v1/keys/7", SGW_ROLE_BIT(SGW_ROLE_ADMIN), SGW_BODY_NONE},
    {"POST", "/v1/reports:batch", SGW_ROLE_BIT(SGW_ROLE_RELAY), SGW_BODY_NDJSON},
    {"PATCH", "/v1/campaigns/1", SGW_ROLE_BIT(SGW_ROLE_ANALYST), SGW_BODY_JSON},
    {"GET", "/v1/campaigns/1/verdicts", SGW_ROLE_BIT(SGW_ROLE_ANALYST), SGW_BODY_NONE},
    {"GET", "/v1/allowlist", SGW_ROLE_BIT(SGW_ROLE_ANALYST) | SGW_ROLE_BIT(SGW_ROLE_ADMIN),
     SGW_BODY_NONE},
    {"POST", "/v1/allowlist", SGW_ROLE_BIT(SGW_ROLE_ANALYST) | SGW_ROLE_BIT(SGW_ROLE_ADMIN),
     SGW_BODY_JSON},
    {"DELETE", "/v1/allowlist/%2B12125550100",
     SGW_ROLE_BIT(SGW_ROLE_ANALYST) | SGW_ROLE_BIT(SGW_ROLE_ADMIN), SGW_BODY_NONE},
};

/* Who may call what: reports only with a reporter or relay key; probes and metrics public. */
START_TEST(test_route_properties)
{
    const struct route_props *c = &route_props[_i];
    char allow[64];
    const struct sgw_route *r = sgw_router_match(c->method, c->path, allow, sizeof allow);
    ck_assert_msg(r != NULL, "%s %s: no route", c->method, c->path);
    ck_assert_msg(r->roles == c->roles, "%s %s: roles %#x, want %#x", c->method, c->path, r->roles,
                  c->roles);
    ck_assert_msg(r->body == c->body, "%s %s: body kind %d, want %d", c->method, c->path,
                  (int)r->body, (int)c->body);
    ck_assert_msg(r->handler != NULL, "%s %s: no handler", c->method, c->path);
    if (r->roles == WRITERS) {
        ck_assert_msg(!(r->roles & SGW_ROLE_BIT(SGW_ROLE_NONE)), "%s %s: open to role none",
                      c->method, c->path);
        ck_assert_msg(!(r->roles & SGW_ROLE_BIT(SGW_ROLE_ANALYST)) &&
                          !(r->roles & SGW_ROLE_BIT(SGW_ROLE_ADMIN)),
                      "%s %s: open to analyst/admin keys (roles %#x)", c->method, c->path,
                      r->roles);
    }
}
END_TEST

/* Every route in the table is found by its own method and pattern, and is unique. */
START_TEST(test_table_round_trip)
{
    size_t n = 0;
    const struct sgw_route *routes = sgw_router_routes(&n);
    ck_assert_uint_ge(n, NELEM(route_props));
    for (size_t i = 0; i < n; i++) {
        char allow[64];
        ck_assert_ptr_nonnull(routes[i].method);
        ck_assert_ptr_nonnull(routes[i].pattern);
        ck_assert_msg(routes[i].pattern[0] == '/', "pattern %s", routes[i].pattern);
        if (strchr(routes[i].pattern, '{') == NULL) {
            const struct sgw_route *r =
                sgw_router_match(routes[i].method, routes[i].pattern, allow, sizeof allow);
            ck_assert_msg(r == &routes[i], "%s %s does not find itself", routes[i].method,
                          routes[i].pattern);
        }
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(routes[i].method, routes[j].method) != 0 ||
                              strcmp(routes[i].pattern, routes[j].pattern) != 0,
                          "duplicate route %s %s", routes[i].method, routes[i].pattern);
    }
}
END_TEST

/* A short Allow buffer: never overrun, and never a cut-off method name in it. */
START_TEST(test_allow_buffer_bounds)
{
    for (size_t sz = 1; sz <= 8; sz++) {
        char buf[16];
        memset(buf, 'x', sizeof buf);
        const struct sgw_route *r = sgw_router_match("GET", "/v1/reports", buf, sz);
        ck_assert_ptr_null(r);
        for (size_t j = sz; j < sizeof buf; j++)
            ck_assert_msg(buf[j] == 'x', "allowsz %zu: wrote buf[%zu]", sz, j);
        ck_assert_msg(memchr(buf, '\0', sz) != NULL, "allowsz %zu: not terminated", sz);
        const char *want = sz > strlen("POST") ? "POST" : "";
        ck_assert_msg(strcmp(buf, want) == 0, "allowsz %zu: allow \"%s\", want \"%s\"", sz, buf,
                      want);
    }
}
END_TEST

START_TEST(test_init_registers_metrics)
{
    size_t n = 0;
    const struct sgw_route *routes = sgw_router_routes(&n);

    sgw_router_init();
    int unmatched = sgw_router_unmatched_metric();
    ck_assert_int_ge(unmatched, 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_ge(routes[i].metric, 0);
        ck_assert_int_lt(routes[i].metric, SGW_METRICS_MAX_ROUTES);
        ck_assert_int_ne(routes[i].metric, unmatched);
        for (size_t j = 0; j < i; j++)
            ck_assert_int_ne(routes[i].metric, routes[j].metric);
    }
    /* Calling it again (a second server in one process) keeps the same indices. */
    int first = routes[0].metric;
    sgw_router_init();
    ck_assert_int_eq(routes[0].metric, first);
    ck_assert_int_eq(sgw_router_unmatched_metric(), unmatched);

    char allow[64];
    const struct sgw_route *post = sgw_router_match("POST", "/v1/reports", allow, sizeof allow);
    ck_assert_ptr_nonnull(post);
    sgw_metrics_request(post->metric, 202, 1200);
    sgw_metrics_request(unmatched, 404, 30);
    size_t len = 0;
    char *text = sgw_metrics_render(&len);
    ck_assert_msg(strstr(text, "spamgw_http_requests_total{route=\"POST /v1/reports\","
                               "status=\"202\"} ") != NULL,
                  "no POST /v1/reports sample in:\n%s", text);
    ck_assert_msg(strstr(text, "spamgw_http_requests_total{route=\"unmatched\",status=\"404\"} ") !=
                      NULL,
                  "no unmatched sample in:\n%s", text);
    free(text);
}
END_TEST

static Suite *
router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("match");
    tcase_add_loop_test(tc, test_match_table, 0, (int)NELEM(match_cases));
    tcase_add_test(tc, test_allow_buffer_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("table");
    tcase_add_loop_test(tc, test_route_properties, 0, (int)NELEM(route_props));
    tcase_add_test(tc, test_table_round_trip);
    tcase_add_test(tc, test_init_registers_metrics);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(router_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
