/* Shared Check assertions on gateway answers. Only for use inside a running Check test. */
#include "tests/support/sgwt_check.h"

#include <string.h>

#include <jansson.h>

void
sgwt_assert_error_body(const struct sgwt_response *resp, const char *code, const char *field)
{
    char *d = sgwt_response_describe(resp);
    const char *ct = sgwt_response_header(resp, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0,
                  "error answer is not application/json:\n%s", d);
    json_t *j = sgwt_response_json(resp);
    ck_assert_msg(j && json_is_object(j), "error body is not a JSON object:\n%s", d);
    json_t *e = json_object_get(j, "error");
    ck_assert_msg(json_is_object(e), "no \"error\" object in body:\n%s", d);
    const char *got_code = json_string_value(json_object_get(e, "code"));
    ck_assert_msg(got_code && strcmp(got_code, code) == 0, "expected error.code \"%s\":\n%s", code,
                  d);
    const char *msg = json_string_value(json_object_get(e, "message"));
    ck_assert_msg(msg && *msg, "error.message missing or empty:\n%s", d);
    json_t *f = json_object_get(e, "field");
    if (field) {
        ck_assert_msg(json_is_string(f) && strcmp(json_string_value(f), field) == 0,
                      "expected error.field \"%s\":\n%s", field, d);
    } else {
        ck_assert_msg(!f || json_is_null(f), "expected no error.field:\n%s", d);
    }
    json_decref(j);
    free(d);
}

long long
sgwt_assert_accepted(const struct sgwt_response *resp)
{
    char *d = sgwt_response_describe(resp);
    json_t *j = sgwt_response_json(resp);
    ck_assert_msg(j && json_is_object(j), "accepted body is not a JSON object:\n%s", d);
    json_t *id = json_object_get(j, "id");
    ck_assert_msg(json_is_integer(id) && json_integer_value(id) > 0,
                  "\"id\" is not a positive integer:\n%s", d);
    const char *st = json_string_value(json_object_get(j, "status"));
    ck_assert_msg(st && strcmp(st, "accepted") == 0, "\"status\" is not \"accepted\":\n%s", d);
    long long v = (long long)json_integer_value(id);
    json_decref(j);
    free(d);
    return v;
}
