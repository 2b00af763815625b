/* Integration suite: the keys API (POST/GET /v1/keys, DELETE /v1/keys/{id}) against a real
 * `spamgw serve` and PostgreSQL. A created key is shown once, stored only as its SHA-256 and
 * works on the very next request; a revoked one gets 401 on the very next request on the same
 * gateway and within moments on another one; lists never show a key or its hash; bad input
 * gets its code and field and creates or revokes nothing.
 * Needs SPAMGW_BIN and SPAMGW_TEST_DATABASE_URL; fails without them. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/server.h"
#include "tests/support/suite.h"
#include "tests/support/sgwt_check.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct sgwt_db g_db;
static struct sgwt_server g_srv;
static char key_admin[256], key_analyst[256];

/* ---- helpers ---- */

static int
call(int port, const char *method, const char *path, const char *key, const char *json,
     struct sgwt_response *r)
{
    char auth[300];
    const char *h[3] = {NULL};
    size_t nh = 0;
    if (key != NULL) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h[nh++] = auth;
    }
    if (json != NULL)
        h[nh++] = "Content-Type: application/json";
    return sgwt_http_request(port, method, path, h, json, json ? strlen(json) : 0, r);
}

static void
assert_rfc3339(const char *s, const char *what)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    ck_assert_msg(s != NULL && regexec(&re, s, 0, NULL, 0) == 0, "%s is not RFC 3339 UTC: %s", what,
                  s ? s : "(null)");
    regfree(&re);
}

static long long
count_keys(void)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    long long n = sgwt_db_count(c, "SELECT count(*) FROM api_keys", NULL);
    PQfinish(c);
    return n;
}

/* POST /v1/keys as admin; checks the 201 answer and returns it (caller json_decref). */
static json_t *
create_key(int port, const char *role, const char *name)
{
    char body[512];
    struct sgwt_response r;
    snprintf(body, sizeof body, "{\"role\":\"%s\",\"name\":\"%s\"}", role, name);
    int rc = call(port, "POST", "/v1/keys", key_admin, body, &r);
    SGWT_ASSERT_HTTP(rc, &r, 201, &g_srv);
    json_t *j = sgwt_response_json(&r);
    char *d = sgwt_response_describe(&r);
    ck_assert_msg(json_is_object(j), "not an object:\n%s", d);
    ck_assert_msg(json_object_size(j) == 5, "want exactly id, role, name, key, created_at:\n%s", d);
    ck_assert_msg(json_integer_value(json_object_get(j, "id")) > 0, "%s", d);
    ck_assert_str_eq(json_string_value(json_object_get(j, "role")), role);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), name);
    assert_rfc3339(json_string_value(json_object_get(j, "created_at")), "created_at");
    regex_t re;
    ck_assert_int_eq(regcomp(&re, "^sgw_[A-Za-z0-9_-]{43}$", REG_EXTENDED | REG_NOSUB), 0);
    const char *key = json_string_value(json_object_get(j, "key"));
    ck_assert_msg(key && regexec(&re, key, 0, NULL, 0) == 0, "key has not the CLI's format:\n%s",
                  d);
    regfree(&re);
    ck_assert_str_eq(sgwt_response_header(&r, "Cache-Control"), "no-store");
    free(d);
    sgwt_response_fini(&r);
    return j;
}

/* A request that needs an analyst or admin key and is cheap: GET /v1/campaigns/1 for
 * analysts (404), GET /v1/keys for admins (200). Returns the status. */
static int
use_key(int port, const char *role, const char *key)
{
    struct sgwt_response r;
    int admin = strcmp(role, "admin") == 0;
    int rc = call(port, "GET", admin ? "/v1/keys" : "/v1/campaigns/1", key, NULL, &r);
    ck_assert_msg(rc == SGWT_HTTP_OK, "%s", sgwt_errmsg());
    int st = r.status;
    if (st == 401)
        sgwt_assert_error_body(&r, "unauthorized", NULL);
    sgwt_response_fini(&r);
    return st;
}

/* ---- tests ---- */

START_TEST(test_create_shows_key_once_and_stores_hash)
{
    json_t *j = create_key(g_srv.port, "reporter", "handset app \xe2\x9c\x93");
    const char *key = json_string_value(json_object_get(j, "key"));
    long long id = json_integer_value(json_object_get(j, "id"));

    /* Only SHA-256(key) is stored, under the answered id, role and name. */
    unsigned char h[32];
    char hex[65], ids[24];
    SHA256((const unsigned char *)key, strlen(key), h);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(ids, sizeof ids, "%lld", id);
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_ptr_nonnull(c);
    const char *p[] = {ids, hex, NULL};
    ck_assert_int_eq(sgwt_db_count(c,
                                   "SELECT count(*) FROM api_keys WHERE id = $1::int8 AND"
                                   " encode(key_hash, 'hex') = $2 AND role = 'reporter' AND"
                                   " revoked_at IS NULL",
                                   p),
                     1);
    PQfinish(c);

    /* It works on the very next request: a report is accepted with it. */
    struct sgwt_response r;
    int rc = sgwt_http_post_json(g_srv.port, "/v1/reports", key, "{\"content\":\"via api key\"}",
                                 NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &g_srv);
    sgwt_response_fini(&r);

    /* The list never shows it again, nor any hash. */
    rc = call(g_srv.port, "GET", "/v1/keys", key_admin, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    ck_assert_ptr_null(strstr(r.body, key));
    ck_assert_ptr_null(strstr(r.body, "sgw_"));
    ck_assert_ptr_null(strstr(r.body, hex));
    sgwt_response_fini(&r);
    json_decref(j);
}
END_TEST

START_TEST(test_list)
{
    json_t *a = create_key(g_srv.port, "analyst", "list-a");
    json_t *b = create_key(g_srv.port, "relay", "list-b");
    struct sgwt_response r;
    int rc = call(g_srv.port, "GET", "/v1/keys", key_admin, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    json_t *j = sgwt_response_json(&r), *keys = json_object_get(j, "keys"), *k;
    ck_assert(json_is_array(keys));
    ck_assert_int_eq(json_object_size(j), 1);
    ck_assert_int_eq((long long)json_array_size(keys), count_keys());
    size_t i;
    long long last = 0;
    int seen = 0;
    json_array_foreach(keys, i, k)
    {
        static const char *const members[] = {"id", "role", "name", "created_at", "revoked_at"};
        ck_assert_int_eq(json_object_size(k), NELEM(members));
        for (size_t m = 0; m < NELEM(members); m++)
            ck_assert_msg(json_object_get(k, members[m]) != NULL, "no %s", members[m]);
        long long id = json_integer_value(json_object_get(k, "id"));
        ck_assert_int_gt(id, last); /* id order */
        last = id;
        assert_rfc3339(json_string_value(json_object_get(k, "created_at")), "created_at");
        json_t *rv = json_object_get(k, "revoked_at");
        if (!json_is_null(rv))
            assert_rfc3339(json_string_value(rv), "revoked_at");
        if (id == json_integer_value(json_object_get(a, "id")) ||
            id == json_integer_value(json_object_get(b, "id"))) {
            ck_assert(json_is_null(rv));
            const char *want =
                id == json_integer_value(json_object_get(a, "id")) ? "list-a" : "list-b";
            ck_assert_str_eq(json_string_value(json_object_get(k, "name")), want);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 2);
    json_decref(j);
    json_decref(a);
    json_decref(b);
    sgwt_response_fini(&r);
}
END_TEST

/* Revoked through the API, a key gets 401 on the very next request: repeated, because a
 * race with the key cache's reload would show only now and then. */
START_TEST(test_revoke_then_next_request_401)
{
    for (int round = 0; round < 15; round++) {
        const char *role = round % 2 ? "admin" : "analyst";
        char name[32], path[64];
        snprintf(name, sizeof name, "revoke-%d", round);
        json_t *j = create_key(g_srv.port, role, name);
        const char *key = json_string_value(json_object_get(j, "key"));
        long long id = json_integer_value(json_object_get(j, "id"));

        int st = use_key(g_srv.port, role, key);
        ck_assert_msg(st != 401 && st != 403, "round %d: new %s key got %d", round, role, st);

        struct sgwt_response r;
        snprintf(path, sizeof path, "/v1/keys/%lld", id);
        int rc = call(g_srv.port, "DELETE", path, key_admin, NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
        json_t *a = sgwt_response_json(&r);
        ck_assert_int_eq(json_object_size(a), 2);
        ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), id);
        assert_rfc3339(json_string_value(json_object_get(a, "revoked_at")), "revoked_at");
        ck_assert_str_ge(json_string_value(json_object_get(a, "revoked_at")),
                         json_string_value(json_object_get(j, "created_at")));
        json_decref(a);
        sgwt_response_fini(&r);

        ck_assert_msg(use_key(g_srv.port, role, key) == 401,
                      "round %d: revoked key still worked on the next request", round);

        /* Twice: 409, and the key stays revoked. */
        rc = call(g_srv.port, "DELETE", path, key_admin, NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, 409, &g_srv);
        sgwt_assert_error_body(&r, "already_revoked", "id");
        sgwt_response_fini(&r);
        ck_assert_int_eq(use_key(g_srv.port, role, key), 401);
        json_decref(j);
    }
}
END_TEST

/* A key may revoke itself (documented): the answer is 200, its next request 401. */
START_TEST(test_self_revoke)
{
    json_t *j = create_key(g_srv.port, "admin", "self");
    const char *key = json_string_value(json_object_get(j, "key"));
    char path[64];
    struct sgwt_response r;
    snprintf(path, sizeof path, "/v1/keys/%lld",
             (long long)json_integer_value(json_object_get(j, "id")));
    int rc = call(g_srv.port, "DELETE", path, key, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    sgwt_response_fini(&r);
    rc = call(g_srv.port, "DELETE", path, key, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 401, &g_srv);
    sgwt_assert_error_body(&r, "unauthorized", NULL);
    sgwt_response_fini(&r);
    json_decref(j);
}
END_TEST

/* Another gateway on the same database learns of both through the notification. */
START_TEST(test_other_gateway_follows)
{
    struct sgwt_server other = {0};
    ck_assert_msg(sgwt_server_start(&other, "keysapi-other", g_db.url, NULL, NULL) == 0, "%s",
                  sgwt_errmsg());
    json_t *j = create_key(g_srv.port, "analyst", "fleet");
    const char *key = json_string_value(json_object_get(j, "key"));
    long long t0 = sgwt_now_ms();
    int st;
    while ((st = use_key(other.port, "analyst", key)) == 401 && sgwt_now_ms() - t0 < 2000)
        sgwt_sleep_ms(20);
    ck_assert_msg(st != 401, "a key created on one gateway did not work on another in 2 s");

    char path[64];
    struct sgwt_response r;
    snprintf(path, sizeof path, "/v1/keys/%lld",
             (long long)json_integer_value(json_object_get(j, "id")));
    int rc = call(g_srv.port, "DELETE", path, key_admin, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    sgwt_response_fini(&r);
    t0 = sgwt_now_ms();
    while ((st = use_key(other.port, "analyst", key)) != 401 && sgwt_now_ms() - t0 < 2000)
        sgwt_sleep_ms(20);
    ck_assert_msg(st == 401, "a key revoked on one gateway still worked on another after 2 s");
    json_decref(j);
    ck_assert_int_eq(sgwt_server_stop(&other, NULL), 0);
    sgwt_server_remove_log(&other);
}
END_TEST

struct bad_create {
    const char *name;
    const char *ctype; /* NULL: application/json */
    const char *body;
    int status;
    const char *code, *field;
};

static const struct bad_create bad_creates[] = {
    {"unknown member", NULL, "{\"role\":\"analyst\",\"name\":\"x\",\"expires\":1}", 400,
     "unknown_field", "expires"},
    {"no role", NULL, "{\"name\":\"x\"}", 400, "missing_field", "role"},
    {"no name", NULL, "{\"role\":\"analyst\"}", 400, "missing_field", "name"},
    {"bad role", NULL, "{\"role\":\"superuser\",\"name\":\"x\"}", 400, "invalid_field", "role"},
    {"empty name", NULL, "{\"role\":\"analyst\",\"name\":\"\"}", 400, "invalid_field", "name"},
    {"control in name", NULL, "{\"role\":\"analyst\",\"name\":\"a\\u0007\"}", 400, "invalid_field",
     "name"},
    {"101 characters", NULL,
     "{\"role\":\"analyst\",\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
     400, "invalid_field", "name"},
    {"not JSON", NULL, "role=analyst", 400, "invalid_json", NULL},
    {"empty body", NULL, "", 400, "invalid_json", NULL},
    {"array", NULL, "[{\"role\":\"analyst\",\"name\":\"x\"}]", 400, "invalid_json", NULL},
    {"form", "application/x-www-form-urlencoded", "role=analyst&name=x", 415,
     "unsupported_media_type", NULL},
};

START_TEST(test_create_bad_input)
{
    const struct bad_create *c = &bad_creates[_i];
    char auth[300], ct[128];
    struct sgwt_response r;
    long long before = count_keys();
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_admin);
    snprintf(ct, sizeof ct, "Content-Type: %s", c->ctype ? c->ctype : "application/json");
    const char *h[] = {auth, ct, NULL};
    int rc = sgwt_http_request(g_srv.port, "POST", "/v1/keys", h, c->body, strlen(c->body), &r);
    SGWT_ASSERT_HTTP(rc, &r, c->status, &g_srv);
    sgwt_assert_error_body(&r, c->code, c->field);
    sgwt_response_fini(&r);
    ck_assert_msg(count_keys() == before, "%s: a key was created", c->name);
}
END_TEST

START_TEST(test_revoke_bad_ids)
{
    static const char *const bad[] = {
        "abc", "0", "-1", "01", "1x", "1.0", "%20", "1234567890123456789", "99999999999999999999"};
    struct sgwt_response r;
    char path[96];
    for (size_t i = 0; i < NELEM(bad); i++) {
        snprintf(path, sizeof path, "/v1/keys/%s", bad[i]);
        int rc = call(g_srv.port, "DELETE", path, key_admin, NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, 400, &g_srv);
        sgwt_assert_error_body(&r, "invalid_field", "id");
        sgwt_response_fini(&r);
    }
    int rc = call(g_srv.port, "DELETE", "/v1/keys/987654321", key_admin, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 404, &g_srv);
    sgwt_assert_error_body(&r, "not_found", "id");
    sgwt_response_fini(&r);
    /* Paths around the route are not it. */
    rc = call(g_srv.port, "DELETE", "/v1/keys/", key_admin, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 404, &g_srv);
    sgwt_response_fini(&r);
    rc = call(g_srv.port, "DELETE", "/v1/keys", key_admin, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 405, &g_srv);
    sgwt_response_fini(&r);
    /* Nothing was revoked by any of it. */
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(sgwt_db_count(c,
                                   "SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL"
                                   " AND name IN ('keysapi-admin', 'keysapi-analyst')",
                                   NULL),
                     0);
    PQfinish(c);
}
END_TEST

/* Only admins: an analyst may neither create, list nor revoke. */
START_TEST(test_analyst_refused)
{
    struct sgwt_response r;
    long long before = count_keys();
    int rc = call(g_srv.port, "POST", "/v1/keys", key_analyst,
                  "{\"role\":\"admin\",\"name\":\"escalate\"}", &r);
    SGWT_ASSERT_HTTP(rc, &r, 403, &g_srv);
    sgwt_assert_error_body(&r, "forbidden", NULL);
    sgwt_response_fini(&r);
    rc = call(g_srv.port, "GET", "/v1/keys", key_analyst, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 403, &g_srv);
    sgwt_response_fini(&r);
    char path[64];
    snprintf(path, sizeof path, "/v1/keys/%lld", sgwt_key_id(g_db.url, "keysapi-admin"));
    rc = call(g_srv.port, "DELETE", path, key_analyst, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 403, &g_srv);
    sgwt_response_fini(&r);
    ck_assert_int_eq(count_keys(), before);
    ck_assert_int_ne(use_key(g_srv.port, "admin", key_admin), 401);
}
END_TEST

static Suite *
keys_api_suite(void)
{
    Suite *s = suite_create("keys_api");
    TCase *tc = tcase_create("keys");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_create_shows_key_once_and_stores_hash);
    tcase_add_test(tc, test_list);
    tcase_add_test(tc, test_revoke_then_next_request_401);
    tcase_add_test(tc, test_self_revoke);
    tcase_add_test(tc, test_other_gateway_follows);
    tcase_add_loop_test(tc, test_create_bad_input, 0, NELEM(bad_creates));
    tcase_add_test(tc, test_revoke_bad_ids);
    tcase_add_test(tc, test_analyst_refused);
    suite_add_tcase(s, tc);
    return s;
}

static void
die(const char *what)
{
    fprintf(stderr, "itest_keys_api: setup failed: %s: %s\n", what, sgwt_errmsg());
    exit(1);
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sgwt_db_fresh(&g_db, "keys_api") != 0)
        die("fresh database");
    if (sgwt_key_create(g_db.url, "admin", "keysapi-admin", key_admin, sizeof key_admin) != 0 ||
        sgwt_key_create(g_db.url, "analyst", "keysapi-analyst", key_analyst, sizeof key_analyst) !=
            0)
        die("key create");
    if (sgwt_server_start(&g_srv, "keysapi", g_db.url, NULL, NULL) != 0)
        die("spamgw serve");

    int failed = sgwt_suite_run(keys_api_suite());

    return sgwt_suite_finish("itest_keys_api", failed, &g_srv, &g_db);
}
