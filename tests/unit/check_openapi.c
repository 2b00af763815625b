/* The OpenAPI document and the router agree: every route the router serves is documented with
 * its method, every documented operation is served, and every operation has responses, an
 * operationId and the roles the router enforces (x-roles). */
#include "db/keys.h"
#include "gateway/api/openapi.h"
#include "gateway/http/router.h"
#include "tests/support/suite.h"

#include <check.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *
load(void)
{
    json_error_t err;
    json_t *doc = json_loadb(sgw_openapi_json, sgw_openapi_json_len, JSON_REJECT_DUPLICATES, &err);
    ck_assert_msg(doc != NULL, "openapi.json does not parse: %s (line %d)", err.text, err.line);
    return doc;
}

static void
lower(const char *in, char *out, size_t outsz)
{
    size_t i = 0;
    for (; in[i] && i + 1 < outsz; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

START_TEST(test_document_shape)
{
    json_t *doc = load();
    ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_t *info = json_object_get(doc, "info");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(info, "title")));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(info, "version")));
    ck_assert(json_is_object(json_object_get(doc, "paths")));
    json_decref(doc);
}
END_TEST

START_TEST(test_every_route_documented)
{
    json_t *doc = load(), *paths = json_object_get(doc, "paths");
    size_t n;
    const struct sgw_route *routes = sgw_router_routes(&n);
    for (size_t i = 0; i < n; i++) {
        char m[16];
        lower(routes[i].method, m, sizeof m);
        json_t *op = json_object_get(json_object_get(paths, routes[i].pattern), m);
        ck_assert_msg(op != NULL, "%s %s is served but not in openapi.json", routes[i].method,
                      routes[i].pattern);
        ck_assert_msg(json_is_object(json_object_get(op, "responses")), "%s %s: no responses",
                      routes[i].method, routes[i].pattern);
        ck_assert_msg(json_is_string(json_object_get(op, "operationId")), "%s %s: no operationId",
                      routes[i].method, routes[i].pattern);
        /* The roles the document promises are exactly the ones the router enforces. */
        json_t *roles = json_object_get(op, "x-roles");
        ck_assert_msg(json_is_array(roles), "%s %s: no x-roles", routes[i].method,
                      routes[i].pattern);
        unsigned documented = 0;
        size_t k;
        json_t *r;
        json_array_foreach(roles, k, r)
        {
            enum sgw_role role = sgw_role_parse(json_string_value(r) ? json_string_value(r) : "");
            ck_assert_msg(role != SGW_ROLE_NONE, "%s %s: unknown role in x-roles", routes[i].method,
                          routes[i].pattern);
            documented |= SGW_ROLE_BIT(role);
        }
        ck_assert_msg(documented == routes[i].roles, "%s %s: x-roles %#x, router %#x",
                      routes[i].method, routes[i].pattern, documented, routes[i].roles);
    }
    json_decref(doc);
}
END_TEST

START_TEST(test_every_operation_served)
{
    static const char *methods[] = {"get", "put", "post", "delete", "patch", "head", "options"};
    json_t *doc = load(), *paths = json_object_get(doc, "paths"), *item;
    const char *path;
    size_t n;
    const struct sgw_route *routes = sgw_router_routes(&n);
    json_object_foreach(paths, path, item)
    {
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
            if (json_object_get(item, methods[m]) == NULL)
                continue;
            int served = 0;
            for (size_t i = 0; i < n; i++) {
                char lm[16];
                lower(routes[i].method, lm, sizeof lm);
                served |= strcmp(routes[i].pattern, path) == 0 && strcmp(lm, methods[m]) == 0;
            }
            ck_assert_msg(served, "%s %s is documented but not served", methods[m], path);
        }
    }
    json_decref(doc);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("contract");
    tcase_add_test(tc, test_document_shape);
    tcase_add_test(tc, test_every_route_documented);
    tcase_add_test(tc, test_every_operation_served);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
