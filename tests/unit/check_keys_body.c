/* Unit tests for the POST /v1/keys body (gateway/http/keys_api.h): every way a body can be
 * wrong gets its own code and field, and good names up to 100 characters pass unchanged. */
#include "gateway/http/keys_api.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct body_case {
    const char *body;
    const char *code; /* NULL: accepted */
    const char *field;
    enum sgw_role role; /* when accepted */
    const char *name;   /* when accepted; NULL = same bytes as in a simple body */
};

static const struct body_case cases[] = {
    {"{\"role\":\"reporter\",\"name\":\"app\"}", NULL, NULL, SGW_ROLE_REPORTER, "app"},
    {"{\"name\":\"k\",\"role\":\"relay\"}", NULL, NULL, SGW_ROLE_RELAY, "k"},
    {"{\"role\":\"analyst\",\"name\":\"Dash board 7\"}", NULL, NULL, SGW_ROLE_ANALYST,
     "Dash board 7"},
    {"{\"role\":\"admin\",\"name\":\"\\u8fd0\\u8425 ops\"}", NULL, NULL, SGW_ROLE_ADMIN,
     "\xe8\xbf\x90\xe8\x90\xa5 ops"},
    {"{\"role\":\"admin\",\"name\":\" padded \"}", NULL, NULL, SGW_ROLE_ADMIN, " padded "},
    {"", "invalid_json", NULL, 0, NULL},
    {"{", "invalid_json", NULL, 0, NULL},
    {"[]", "invalid_json", NULL, 0, NULL},
    {"\"x\"", "invalid_json", NULL, 0, NULL},
    {"{\"role\":\"admin\",\"role\":\"admin\",\"name\":\"x\"}", "invalid_json", NULL, 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"\xff\"}", "invalid_json", NULL, 0, NULL},
    {"{}", "missing_field", "role", 0, NULL},
    {"{\"name\":\"x\"}", "missing_field", "role", 0, NULL},
    {"{\"role\":\"admin\"}", "missing_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"x\",\"key\":\"sgw_x\"}", "unknown_field", "key", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"x\",\"Role\":\"x\"}", "unknown_field", "Role", 0, NULL},
    {"{\"role\":\"root\",\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":\"Admin\",\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":\"none\",\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":\"\",\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":\"admin\\u0000\",\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":null,\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":4,\"name\":\"x\"}", "invalid_field", "role", 0, NULL},
    {"{\"role\":\"admin\",\"name\":null}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":7}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":[\"x\"]}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"   \"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\nb\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\tb\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\u0000b\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\u007fb\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\u0085b\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\u202eb\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\u200bb\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\u2028b\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\ufdd0b\"}", "invalid_field", "name", 0, NULL},
    {"{\"role\":\"admin\",\"name\":\"a\\ud800b\"}", "invalid_json", NULL, 0, NULL},
};

START_TEST(test_body)
{
    const struct body_case *c = &cases[_i];
    struct sgw_error err;
    enum sgw_role role = SGW_ROLE_NONE;
    char name[4 * SGW_KEY_NAME_MAX + 1];

    memset(&err, 0, sizeof err);
    int rc = sgw_keys_parse_create(c->body, strlen(c->body), &role, name, &err);
    if (c->code == NULL) {
        ck_assert_msg(rc == 0, "%s: rejected %s (%s)", c->body, err.code, err.message);
        ck_assert_int_eq(role, c->role);
        ck_assert_str_eq(name, c->name);
        return;
    }
    ck_assert_msg(rc == -1, "%s: accepted", c->body);
    ck_assert_str_eq(err.code, c->code);
    ck_assert_str_eq(err.field, c->field ? c->field : "");
    ck_assert_msg(err.message[0] != '\0', "%s: no message", c->body);
}
END_TEST

/* 100 characters pass and 101 fail, counted in characters, not bytes. */
START_TEST(test_name_length)
{
    static const char *units[] = {"a", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x93\xb1"};
    const char *unit = units[_i];
    char body[1024], name[4 * SGW_KEY_NAME_MAX + 1];
    struct sgw_error err;
    enum sgw_role role;

    for (int count = 99; count <= 101; count++) {
        int n = snprintf(body, sizeof body, "{\"role\":\"analyst\",\"name\":\"");
        for (int i = 0; i < count; i++)
            n += snprintf(body + n, sizeof body - (size_t)n, "%s", unit);
        n += snprintf(body + n, sizeof body - (size_t)n, "\"}");
        int rc = sgw_keys_parse_create(body, (size_t)n, &role, name, &err);
        if (count <= SGW_KEY_NAME_MAX) {
            ck_assert_msg(rc == 0, "%d x \"%s\": %s", count, unit, err.message);
            ck_assert_uint_eq(strlen(name), (size_t)count * strlen(unit));
        } else {
            ck_assert_msg(rc == -1, "%d x \"%s\" accepted", count, unit);
            ck_assert_str_eq(err.code, "invalid_field");
            ck_assert_str_eq(err.field, "name");
        }
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("keys_body");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_body, 0, NELEM(cases));
    tcase_add_loop_test(tc, test_name_length, 0, 4);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
