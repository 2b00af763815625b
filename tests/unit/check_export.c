/* Unit suite for the export's formatting: RFC 4180 quoting (gateway/export/csv.c), table
 * driven, a whole campaign row, and the STIX writer's ids and patterns (stix.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/export/export.h"
#include "tests/support/suite.h"

static const struct {
    const char *in;
    const char *out;
} fields[] = {
    {"plain", "plain"},
    {"", ""},
    {"a,b", "\"a,b\""},
    {"say \"hi\"", "\"say \"\"hi\"\"\""},
    {"two\r\nlines", "\"two\r\nlines\""},
    {"lf\nonly", "\"lf\nonly\""},
    {"cr\ronly", "\"cr\ronly\""},
    {"深圳 退款", "深圳 退款"},
    {"\"", "\"\"\"\""},
    {" lead and trail ", " lead and trail "},
};

START_TEST(test_field)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    sgw_csv_field(&buf, &len, &cap, fields[_i].in, strlen(fields[_i].in));
    ck_assert_str_eq(buf ? buf : "", fields[_i].out);
    ck_assert_uint_eq(len, strlen(fields[_i].out));
    free(buf);
}
END_TEST

START_TEST(test_row)
{
    json_t *c = json_loads(
        "{\"id\":7,\"status\":\"open\",\"first_seen\":\"2026-01-01T00:00:00.000000Z\","
        "\"last_seen\":\"2026-01-02T00:00:00.000000Z\",\"counts\":{\"reports\":3,\"reporters\":2,"
        "\"senders\":1},\"change_seq\":9,\"cities\":[{\"name\":\"New York, NY\",\"share\":0.6667},"
        "{\"name\":\"Shenzhen\",\"share\":0.3333}],\"indicators\":[\"domain:x.top\",\"url:https:"
        "//x.top/a,b\"],\"samples\":[\"pay \\\"now\\\"\\r\\nok\"]}",
        0, NULL);
    ck_assert_ptr_nonnull(c);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    sgw_export_csv_row(&buf, &len, &cap, c);
    ck_assert_str_eq(buf, "7,open,2026-01-01T00:00:00.000000Z,2026-01-02T00:00:00.000000Z,3,2,1,9,"
                          "\"New York, NY (0.6667); Shenzhen (0.3333)\","
                          "\"domain:x.top; url:https://x.top/a,b\",\"pay \"\"now\"\"\r\nok\"\r\n");
    free(buf);
    json_decref(c);
}
END_TEST

START_TEST(test_format_parse)
{
    enum sgw_export_format f;
    ck_assert_int_eq(sgw_export_format_parse("csv", &f), 0);
    ck_assert_int_eq(f, SGW_EXPORT_CSV);
    ck_assert_int_eq(sgw_export_format_parse("stix", &f), 0);
    ck_assert_int_eq(f, SGW_EXPORT_STIX);
    ck_assert_int_eq(sgw_export_format_parse("blocklist", &f), 0);
    ck_assert_int_eq(f, SGW_EXPORT_BLOCKLIST);
    ck_assert_int_eq(sgw_export_format_parse("CSV", &f), -1);
    ck_assert_int_eq(sgw_export_format_parse("", &f), -1);
    ck_assert_int_eq(sgw_export_format_parse(NULL, &f), -1);
}
END_TEST

START_TEST(test_stix_id)
{
    char id[SGW_STIX_ID_MAX];
    /* Python: uuid.uuid5(uuid.UUID('6b1f3c52-9e0d-4a7b-8c21-5f93d4602ae7'), 'campaign:42') */
    sgw_stix_id("campaign", "campaign:42", id);
    ck_assert_str_eq(id, "campaign--6497c8f1-f25f-5b60-b485-67cc9144cea4");
    sgw_stix_id("identity", "identity:spamgw", id);
    ck_assert_str_eq(id, "identity--2ae43fd6-d8b0-5787-b5fa-d27df9875215");
}
END_TEST

/* One campaign as a bundle: the pattern escapes quotes and backslashes, a phone sender carries
 * the extension, a city becomes one location even when two campaigns name it. */
START_TEST(test_stix_bundle)
{
    const char *camp =
        "{\"id\":%d,\"status\":\"open\",\"first_seen\":\"2026-01-01T00:00:00.000000Z\","
        "\"last_seen\":\"2026-01-02T00:00:00.000000Z\",\"counts\":{\"reports\":3},"
        "\"indicators\":[\"url:https://x.top/it's\\\\a\",\"wechat:zz\"],"
        "\"senders\":[{\"sender\":\"+12125550100\",\"kind\":\"phone\"}],"
        "\"cities\":[{\"key\":\"US/NY/new-york\",\"name\":\"New York, NY\"}],"
        "\"samples\":[\"hi\"]}";
    char text[1024];
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct sgw_stix *s =
        sgw_stix_begin("2026-02-01T00:00:00.000000Z", "bundle:t", &buf, &len, &cap);
    for (int i = 1; i <= 2; i++) {
        snprintf(text, sizeof text, camp, i);
        json_t *c = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(c);
        sgw_stix_campaign(s, &buf, &len, &cap, c);
        json_decref(c);
    }
    sgw_stix_end(s, &buf, &len, &cap);
    json_error_t je;
    json_t *b = json_loads(buf, 0, &je);
    ck_assert_msg(b != NULL, "%s", je.text);
    size_t i, locations = 0, urls = 0, phones = 0, campaigns = 0;
    json_t *o;
    json_array_foreach(json_object_get(b, "objects"), i, o)
    {
        const char *type = json_string_value(json_object_get(o, "type"));
        const char *pat = json_string_value(json_object_get(o, "pattern"));
        locations += strcmp(type, "location") == 0;
        campaigns += strcmp(type, "campaign") == 0;
        if (pat && strcmp(pat, "[url:value = 'https://x.top/it\\'s\\\\a']") == 0)
            urls++;
        if (pat && strcmp(pat, "[x-spamgw-phone:value = '+12125550100']") == 0) {
            ck_assert_ptr_nonnull(json_object_get(o, "extensions"));
            phones++;
        }
    }
    ck_assert_uint_eq(campaigns, 2);
    ck_assert_uint_eq(locations, 1);
    ck_assert_uint_eq(urls, 2);
    ck_assert_uint_eq(phones, 2);
    json_decref(b);
    free(buf);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("csv");
    tcase_add_loop_test(tc, test_field, 0, (int)(sizeof fields / sizeof fields[0]));
    tcase_add_test(tc, test_row);
    tcase_add_test(tc, test_format_parse);
    tcase_add_test(tc, test_stix_id);
    tcase_add_test(tc, test_stix_bundle);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
