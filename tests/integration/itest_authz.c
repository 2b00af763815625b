/* Integration suite: the authorisation matrix and CORS. Every route of the router's table
 * (so routes added later are covered without touching this file) is called with every kind
 * of credential: none, malformed, unknown, revoked, and a key of each role; routes that take
 * ?key= are tried with the key there too. Public routes never answer 401/403; otherwise a bad
 * credential answers 401 unauthorized, a role outside the route's mask 403 forbidden, and an
 * allowed role neither (its minimal body may still be refused with 400/404/415). Then CORS:
 * preflights, the headers of allowed and other origins, and "*".
 * Needs SPAMGW_BIN and SPAMGW_TEST_DATABASE_URL; fails without them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "db/keys.h"
#include "gateway/http/router.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/server.h"
#include "tests/support/suite.h"
#include "tests/support/sgwt_check.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ORIGIN_OK "https://dash.example.net"
#define ORIGIN_OK2 "http://localhost:3000"

static struct sgwt_db g_db;
static struct sgwt_server g_srv;

/* ---- credentials ---- */

enum cred {
    CRED_NONE,
    CRED_MALFORMED,
    CRED_WRONG,
    CRED_REVOKED,
    CRED_REPORTER,
    CRED_RELAY,
    CRED_ANALYST,
    CRED_ADMIN,
    NCREDS
};

static const char *const cred_names[NCREDS] = {"none",     "malformed", "wrong",   "revoked",
                                               "reporter", "relay",     "analyst", "admin"};
static const enum sgw_role cred_roles[NCREDS] = {
    SGW_ROLE_NONE,     SGW_ROLE_NONE,  SGW_ROLE_NONE,    SGW_ROLE_NONE,
    SGW_ROLE_REPORTER, SGW_ROLE_RELAY, SGW_ROLE_ANALYST, SGW_ROLE_ADMIN};

/* Keys by credential; the revoked one is created first so it has id 1, the id the matrix puts
 * in "{id}" paths: DELETE /v1/keys/1 then answers 409 instead of revoking a key in use. */
static char keys[NCREDS][256];
/* Well-formed (sgw_ + 43 base64url characters) but never issued. */
#define WRONG_KEY "sgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* ---- the routes that exist today: the table may grow, never lose these ---- */

static const struct {
    const char *method, *pattern;
} baseline[] = {
    {"POST", "/v1/reports"},     {"GET", "/v1/reports/{id}"},  {"GET", "/v1/campaigns/{id}"},
    {"GET", "/v1/relay/kannel"}, {"POST", "/v1/relay/kannel"}, {"GET", "/v1/openapi.json"},
    {"GET", "/healthz"},         {"GET", "/readyz"},           {"GET", "/metrics"},
    {"POST", "/v1/keys"},        {"GET", "/v1/keys"},          {"DELETE", "/v1/keys/{id}"},
};

START_TEST(test_route_table_not_vacuous)
{
    size_t n;
    const struct sgw_route *routes = sgw_router_routes(&n);
    size_t guarded = 0;

    ck_assert_uint_ge(n, NELEM(baseline));
    for (size_t b = 0; b < NELEM(baseline); b++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(routes[i].method, baseline[b].method) == 0 &&
                     strcmp(routes[i].pattern, baseline[b].pattern) == 0;
        ck_assert_msg(found, "%s %s is no longer in the route table", baseline[b].method,
                      baseline[b].pattern);
    }
    for (size_t i = 0; i < n; i++)
        guarded += routes[i].roles != SGW_ROLES_PUBLIC;
    ck_assert_uint_ge(guarded, 7);
}
END_TEST

/* ---- the matrix ---- */

/* pattern with every "{x}" segment replaced by "1". */
static void
fill_path(const char *pattern, char *out, size_t outsz)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 2 < outsz; p++) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (e != NULL) {
                out[o++] = '1';
                p = e;
                continue;
            }
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

/* The error code of an answer: error.code of a JSON body, or the "code: reason" line of a
 * text/plain one (Kannel routes). Caller frees; "" when there is none. */
static char *
answer_code(const struct sgwt_response *r)
{
    json_t *j = sgwt_response_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    const char *ct = sgwt_response_header(r, "Content-Type");
    char *out;
    if (c != NULL) {
        out = strdup(c);
    } else if (ct != NULL && strncmp(ct, "text/plain", 10) == 0 && r->body != NULL) {
        size_t n = strcspn(r->body, ":\n");
        out = strndup(r->body, r->body[n] == ':' ? n : 0);
    } else {
        out = strdup("");
    }
    json_decref(j);
    return out;
}

/* One request of the matrix. in_query puts the key in ?key= instead of Authorization. */
static int
matrix_request(const struct sgw_route *rt, enum cred cred, int in_query, struct sgwt_response *r)
{
    char path[512], auth[400];
    const char *headers[4] = {NULL};
    size_t nh = 0;
    const char *body = NULL;
    size_t len = 0;

    fill_path(rt->pattern, path, sizeof path);
    const char *key = cred == CRED_NONE        ? NULL
                      : cred == CRED_MALFORMED ? (in_query ? "" : NULL)
                      : cred == CRED_WRONG     ? WRONG_KEY
                                               : keys[cred];
    if (in_query) {
        if (key != NULL) {
            size_t pl = strlen(path);
            snprintf(path + pl, sizeof path - pl, "?key=%s", key);
        }
    } else if (cred == CRED_MALFORMED) {
        headers[nh++] = "Authorization: Basic c2d3OnNlY3JldA=="; /* not the Bearer scheme */
    } else if (key != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        headers[nh++] = auth;
    }
    if (strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "DELETE") != 0) {
        if (rt->body == SGW_BODY_JSON) {
            headers[nh++] = "Content-Type: application/json";
            body = "{}";
        } else {
            headers[nh++] = "Content-Type: application/x-ndjson";
            body = "";
        }
        len = strlen(body);
    }
    return sgwt_http_request(g_srv.port, rt->method, path, headers, body, len, r);
}

/* What the cell must be; NULL when the answer is right, else why not (static text). */
static const char *
judge(const struct sgw_route *rt, enum cred cred, int status, const char *code)
{
    if (rt->roles == SGW_ROLES_PUBLIC)
        return status == 401 || status == 403 ? "public route refused" : NULL;
    if (cred_roles[cred] == SGW_ROLE_NONE) {
        if (status != 401)
            return "bad credential not 401";
        return strcmp(code, "unauthorized") == 0 ? NULL : "401 without code unauthorized";
    }
    if (rt->roles & SGW_ROLE_BIT(cred_roles[cred]))
        return status == 401 || status == 403 ? "allowed role refused" : NULL;
    if (status != 403)
        return "role outside the mask not 403";
    return strcmp(code, "forbidden") == 0 ? NULL : "403 without code forbidden";
}

START_TEST(test_matrix)
{
    size_t n;
    const struct sgw_route *routes = sgw_router_routes(&n);
    size_t cap = 256 + (n * 2 + 2) * 160, used = 0, cells = 0;
    char *table = malloc(cap), *why = malloc(cap);
    size_t wused = 0;
    int bad = 0;

    ck_assert_ptr_nonnull(table);
    ck_assert_ptr_nonnull(why);
    why[0] = '\0';
    used += (size_t)snprintf(table + used, cap - used, "%-34s", "route \\ credential");
    for (int c = 0; c < NCREDS; c++)
        used += (size_t)snprintf(table + used, cap - used, " %-9.9s", cred_names[c]);
    used += (size_t)snprintf(table + used, cap - used, "\n");
    for (size_t i = 0; i < n; i++) {
        const struct sgw_route *rt = &routes[i];
        int placements = (rt->flags & SGW_ROUTE_KEY_IN_QUERY) ? 2 : 1;
        for (int q = 0; q < placements; q++) {
            char label[64];
            snprintf(label, sizeof label, "%s %s%s", rt->method, rt->pattern, q ? " ?key=" : "");
            used += (size_t)snprintf(table + used, cap - used, "%-34.34s", label);
            for (int c = 0; c < NCREDS; c++) {
                struct sgwt_response r;
                int rc = matrix_request(rt, (enum cred)c, q, &r);
                ck_assert_msg(rc == SGWT_HTTP_OK, "%s as %s: %s (%s)", label, cred_names[c],
                              sgwt_http_result_name(rc), sgwt_errmsg());
                char *code = answer_code(&r);
                const char *wrong = judge(rt, (enum cred)c, r.status, code);
                char cell[16];
                snprintf(cell, sizeof cell, "%d%s", r.status, wrong ? "!" : "");
                used += (size_t)snprintf(table + used, cap - used, " %-9s", cell);
                if (wrong) {
                    bad++;
                    wused += (size_t)snprintf(why + wused, cap - wused, "  %s as %s: %d %s: %s\n",
                                              label, cred_names[c], r.status, code, wrong);
                }
                /* Without an Origin header no answer carries CORS headers. */
                ck_assert_ptr_null(sgwt_response_header(&r, "Access-Control-Allow-Origin"));
                free(code);
                sgwt_response_fini(&r);
                cells++;
            }
            used += (size_t)snprintf(table + used, cap - used, "\n");
        }
    }
    printf("authz matrix: %zu routes, %zu cells, %d wrong\n", n, cells, bad);
    if (bad) {
        fprintf(stderr, "authorisation matrix (! = wrong):\n%s%s", table, why);
        sgwt_server_log_tail(&g_srv, 20);
    }
    ck_assert_msg(bad == 0, "%d of %zu cells of the authorisation matrix are wrong (see above)",
                  bad, cells);
    free(table);
    free(why);
}
END_TEST

/* The key is checked before the body: even a refused body never hides a 401. */
START_TEST(test_bad_key_before_bad_body)
{
    struct sgwt_response r;
    const char *h[] = {"Content-Type: text/plain", NULL};
    int rc = sgwt_http_request(g_srv.port, "POST", "/v1/keys", h, "x", 1, &r);
    SGWT_ASSERT_HTTP(rc, &r, 401, &g_srv);
    sgwt_assert_error_body(&r, "unauthorized", NULL);
    sgwt_response_fini(&r);
}
END_TEST

/* ---- CORS ---- */

static int
preflight(int port, const char *origin, const char *path, struct sgwt_response *r)
{
    char o[256];
    const char *h[4] = {"Access-Control-Request-Method: POST",
                        "Access-Control-Request-Headers: authorization, content-type", NULL, NULL};
    if (origin != NULL) {
        snprintf(o, sizeof o, "Origin: %s", origin);
        h[2] = o;
    }
    return sgwt_http_request(port, "OPTIONS", path, h, NULL, 0, r);
}

static void
assert_header(const struct sgwt_response *r, const char *name, const char *want)
{
    const char *got = sgwt_response_header(r, name);
    char *d = sgwt_response_describe(r);
    ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: want \"%s\":\n%s", name, want, d);
    ck_assert_msg(sgwt_response_header_count(r, name) == 1, "%s more than once:\n%s", name, d);
    free(d);
}

START_TEST(test_preflight_allowed)
{
    static const struct {
        const char *path, *methods;
    } cases[] = {
        {"/v1/reports", "POST"},   {"/v1/keys", NULL}, /* from the router */
        {"/v1/keys/42", "DELETE"}, {"/v1/campaigns/7", "GET, PATCH"},
        {"/healthz", "GET"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        struct sgwt_response r;
        for (int o = 0; o < 2; o++) {
            const char *origin = o ? ORIGIN_OK2 : ORIGIN_OK;
            int rc = preflight(g_srv.port, origin, cases[i].path, &r); /* no key at all */
            SGWT_ASSERT_HTTP(rc, &r, 204, &g_srv);
            assert_header(&r, "Access-Control-Allow-Origin", origin);
            assert_header(&r, "Vary", "Origin");
            assert_header(&r, "Access-Control-Allow-Headers",
                          "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
            assert_header(&r, "Access-Control-Max-Age", "600");
            assert_header(&r, "Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
            const char *m = sgwt_response_header(&r, "Access-Control-Allow-Methods");
            ck_assert_ptr_nonnull(m);
            if (cases[i].methods != NULL)
                ck_assert_str_eq(m, cases[i].methods);
            ck_assert_uint_eq(r.body_len, 0);
            sgwt_response_fini(&r);
        }
    }
    /* The methods are exactly the router's for that path. */
    struct sgwt_response r;
    int rc = preflight(g_srv.port, ORIGIN_OK, "/v1/keys", &r);
    SGWT_ASSERT_HTTP(rc, &r, 204, &g_srv);
    const char *m = sgwt_response_header(&r, "Access-Control-Allow-Methods");
    char allow[64];
    ck_assert_ptr_null(sgw_router_match("OPTIONS", "/v1/keys", allow, sizeof allow));
    ck_assert_str_eq(m, allow);
    ck_assert_ptr_nonnull(strstr(m, "POST"));
    ck_assert_ptr_nonnull(strstr(m, "GET"));
    sgwt_response_fini(&r);
}
END_TEST

START_TEST(test_preflight_refused)
{
    struct sgwt_response r;
    static const char *const denied[] = {"https://evil.example", "https://dash.example.net.evil",
                                         "http://dash.example.net", "null",
                                         "https://DASH.example.net"};
    for (size_t i = 0; i < NELEM(denied); i++) {
        int rc = preflight(g_srv.port, denied[i], "/v1/reports", &r);
        SGWT_ASSERT_HTTP(rc, &r, 403, &g_srv);
        sgwt_assert_error_body(&r, "cors_origin_denied", "Origin");
        ck_assert_ptr_null(sgwt_response_header(&r, "Access-Control-Allow-Origin"));
        ck_assert_ptr_null(sgwt_response_header(&r, "Access-Control-Allow-Methods"));
        sgwt_response_fini(&r);
    }
    /* Unknown path: 404 whatever the origin. */
    int rc = preflight(g_srv.port, ORIGIN_OK, "/v1/nope", &r);
    SGWT_ASSERT_HTTP(rc, &r, 404, &g_srv);
    sgwt_assert_error_body(&r, "not_found", NULL);
    sgwt_response_fini(&r);
    rc = preflight(g_srv.port, "https://evil.example", "/v1/nope", &r);
    SGWT_ASSERT_HTTP(rc, &r, 404, &g_srv);
    sgwt_response_fini(&r);
    /* OPTIONS that is not a preflight (no Origin) stays what it was: 405 with Allow. */
    rc = preflight(g_srv.port, NULL, "/v1/reports", &r);
    SGWT_ASSERT_HTTP(rc, &r, 405, &g_srv);
    ck_assert_str_eq(sgwt_response_header(&r, "Allow"), "POST");
    sgwt_response_fini(&r);
}
END_TEST

/* Real requests from an allowed origin carry the headers on every answer, errors included; a
 * preflight never lets a request skip its key. */
START_TEST(test_cors_on_answers)
{
    struct sgwt_response r;
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", keys[CRED_ADMIN]);
    const char *ok[] = {"Origin: " ORIGIN_OK, auth, NULL};
    int rc = sgwt_http_request(g_srv.port, "GET", "/v1/keys", ok, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    assert_header(&r, "Access-Control-Allow-Origin", ORIGIN_OK);
    assert_header(&r, "Vary", "Origin");
    assert_header(&r, "Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
    sgwt_response_fini(&r);

    const char *nokey[] = {"Origin: " ORIGIN_OK2, NULL};
    rc = sgwt_http_request(g_srv.port, "GET", "/v1/keys", nokey, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 401, &g_srv);
    sgwt_assert_error_body(&r, "unauthorized", NULL);
    assert_header(&r, "Access-Control-Allow-Origin", ORIGIN_OK2);
    sgwt_response_fini(&r);

    rc = sgwt_http_request(g_srv.port, "GET", "/healthz", nokey, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    assert_header(&r, "Access-Control-Allow-Origin", ORIGIN_OK2);
    sgwt_response_fini(&r);

    /* Another origin: the answer itself, without any Access-Control-* header. */
    const char *evil[] = {"Origin: https://evil.example", auth, NULL};
    rc = sgwt_http_request(g_srv.port, "GET", "/v1/keys", evil, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    ck_assert_ptr_null(sgwt_response_header(&r, "Access-Control-Allow-Origin"));
    ck_assert_ptr_null(sgwt_response_header(&r, "Access-Control-Expose-Headers"));
    assert_header(&r, "Vary", "Origin");
    sgwt_response_fini(&r);
}
END_TEST

/* "*" answers "*" to any origin; with no --cors-origins there are no CORS headers and
 * every preflight is refused. */
START_TEST(test_cors_star_and_off)
{
    struct sgwt_server star, off;
    struct sgwt_response r;
    const char *const extra[] = {"--cors-origins", "*", NULL};
    ck_assert_msg(sgwt_server_start(&star, "authz-star", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    ck_assert_msg(sgwt_server_start(&off, "authz-off", g_db.url, NULL, NULL) == 0, "%s",
                  sgwt_errmsg());

    int rc = preflight(star.port, "https://anything.example", "/v1/reports/9", &r);
    SGWT_ASSERT_HTTP(rc, &r, 204, &star);
    assert_header(&r, "Access-Control-Allow-Origin", "*");
    assert_header(&r, "Access-Control-Allow-Methods", "GET");
    sgwt_response_fini(&r);
    const char *h[] = {"Origin: https://anything.example", NULL};
    rc = sgwt_http_request(star.port, "GET", "/healthz", h, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &star);
    assert_header(&r, "Access-Control-Allow-Origin", "*");
    sgwt_response_fini(&r);

    rc = preflight(off.port, ORIGIN_OK, "/v1/reports", &r);
    SGWT_ASSERT_HTTP(rc, &r, 403, &off);
    sgwt_assert_error_body(&r, "cors_origin_denied", "Origin");
    sgwt_response_fini(&r);
    const char *h2[] = {"Origin: " ORIGIN_OK, NULL};
    rc = sgwt_http_request(off.port, "GET", "/healthz", h2, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &off);
    for (size_t i = 0; i < r.nheaders; i++)
        ck_assert_msg(strncasecmp(r.names[i], "Access-Control-", 15) != 0 &&
                          strcasecmp(r.names[i], "Vary") != 0,
                      "CORS is off but the answer has %s", r.names[i]);
    sgwt_response_fini(&r);

    ck_assert_int_eq(sgwt_server_stop(&star, NULL), 0);
    ck_assert_int_eq(sgwt_server_stop(&off, NULL), 0);
    sgwt_server_remove_log(&star);
    sgwt_server_remove_log(&off);
}
END_TEST

/* A bad --cors-origins stops serve at start with exit status 2 and a clear line. */
START_TEST(test_cors_config_rejected)
{
    static const char *const bad[] = {"https://dash.example.net/", "dash.example.net",
                                      "https://a.example,,https://b.example"};
    for (size_t i = 0; i < NELEM(bad); i++) {
        struct sgwt_server s = {0};
        const char *const extra[] = {"--cors-origins", bad[i], NULL};
        ck_assert_msg(sgwt_server_start(&s, "authz-badcors", g_db.url, NULL, extra) != 0,
                      "serve started with --cors-origins '%s'", bad[i]);
        ck_assert_msg(strstr(sgwt_errmsg(), "exited with 2 ") != NULL, "'%s': %s", bad[i],
                      sgwt_errmsg());
        ck_assert_msg(sgwt_server_log_contains(&s, "--cors-origins must be"),
                      "no line naming --cors-origins for '%s'", bad[i]);
        sgwt_server_remove_log(&s);
    }
}
END_TEST

static Suite *
authz_suite(void)
{
    Suite *s = suite_create("authz");
    TCase *tc = tcase_create("matrix");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_route_table_not_vacuous);
    tcase_add_test(tc, test_matrix);
    tcase_add_test(tc, test_bad_key_before_bad_body);
    suite_add_tcase(s, tc);

    tc = tcase_create("cors");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_preflight_allowed);
    tcase_add_test(tc, test_preflight_refused);
    tcase_add_test(tc, test_cors_on_answers);
    tcase_add_test(tc, test_cors_star_and_off);
    tcase_add_test(tc, test_cors_config_rejected);
    suite_add_tcase(s, tc);
    return s;
}

static void
die(const char *what)
{
    fprintf(stderr, "itest_authz: setup failed: %s: %s\n", what, sgwt_errmsg());
    exit(1);
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sgwt_db_fresh(&g_db, "authz") != 0)
        die("fresh database");
    if (sgwt_key_create(g_db.url, "admin", "authz-revoked", keys[CRED_REVOKED],
                        sizeof keys[CRED_REVOKED]) != 0)
        die("key create");
    if (sgwt_key_id(g_db.url, "authz-revoked") != 1)
        die("the revoked key must have id 1 (the id the matrix puts in paths)");
    if (sgwt_key_revoke_name(g_db.url, "authz-revoked") != 0)
        die("key revoke");
    for (int c = CRED_REPORTER; c < NCREDS; c++) {
        char name[64];
        snprintf(name, sizeof name, "authz-%s", cred_names[c]);
        if (sgwt_key_create(g_db.url, sgw_role_name(cred_roles[c]), name, keys[c],
                            sizeof keys[c]) != 0)
            die("key create");
    }
    const char *const extra[] = {"--cors-origins", ORIGIN_OK ", " ORIGIN_OK2, NULL};
    if (sgwt_server_start(&g_srv, "authz", g_db.url, NULL, extra) != 0)
        die("spamgw serve");

    int failed = sgwt_suite_run(authz_suite());

    return sgwt_suite_finish("itest_authz", failed, &g_srv, &g_db);
}
