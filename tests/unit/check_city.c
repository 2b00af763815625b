/* Unit tests for gateway/cluster/city.h, table by table: every spelling of a city (app text,
 * abbreviations, the geocoder's English and Chinese forms) gives one key and one name;
 * region-only answers give a region key; unknown places get a stable key; the given city wins
 * over the geocode; hostile input stays valid UTF-8 and bounded. */
#include "gateway/cluster/city.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct city_case {
    const char *text, *country, *key, *name;
};

static const struct city_case cases[] = {
    {"New York", "US", "US/NY/new-york", "New York, NY"},
    {"new york, ny", NULL, "US/NY/new-york", "New York, NY"},
    {"NYC", "US", "US/NY/new-york", "New York, NY"},
    {"New York, NY", "US", "US/NY/new-york", "New York, NY"},
    {"new york ny", NULL, "US/NY/new-york", "New York, NY"},
    {"New York City", NULL, "US/NY/new-york", "New York, NY"},
    {"Brooklyn, NY", "US", "US/NY/new-york", "New York, NY"},
    {"  los angeles  ", "US", "US/CA/los-angeles", "Los Angeles, CA"},
    {"Los Angeles, CA", NULL, "US/CA/los-angeles", "Los Angeles, CA"},
    {"St. Louis, MO", NULL, "US/MO/st-louis", "St. Louis, MO"},
    {"Washington, DC", NULL, "US/DC/washington", "Washington, DC"},
    {"California", "US", "US/CA", "California"},
    {"Texas", NULL, "US/TX", "Texas"},
    {"Springfield, IL", "US", "US/IL/springfield", "Springfield, IL"},
    {"深圳", "CN", "CN/GD/shenzhen", "Shenzhen (深圳)"},
    {"深圳市", NULL, "CN/GD/shenzhen", "Shenzhen (深圳)"},
    {"Shenzhen", "CN", "CN/GD/shenzhen", "Shenzhen (深圳)"},
    {"Shenzhen, Guangdong", NULL, "CN/GD/shenzhen", "Shenzhen (深圳)"},
    {"广东省深圳市", "CN", "CN/GD/shenzhen", "Shenzhen (深圳)"},
    {"Beijing", "CN", "CN/BJ/beijing", "Beijing (北京)"},
    {"北京市", NULL, "CN/BJ/beijing", "Beijing (北京)"},
    {"Xi'an, Shaanxi", NULL, "CN/SN/xian", "Xi'an (西安)"},
    {"广东省", "CN", "CN/GD", "Guangdong (广东)"},
    {"Guangdong", "CN", "CN/GD", "Guangdong (广东)"},
    {"Gotham", "US", "US//gotham", "Gotham"},
    {"Atlantis", NULL, "ZZ//atlantis", "Atlantis"},
};

START_TEST(test_table)
{
    const struct city_case *c = &cases[_i];
    struct sgw_city out;
    ck_assert_msg(sgw_city_parse(c->text, c->country, &out) == 0, "%s", c->text);
    ck_assert_str_eq(out.key, c->key);
    ck_assert_str_eq(out.name, c->name);
}
END_TEST

START_TEST(test_blank_and_priority)
{
    struct sgw_city out;
    ck_assert_int_eq(sgw_city_parse("", "US", &out), -1);
    ck_assert_int_eq(sgw_city_parse(" ,. ", "US", &out), -1);
    ck_assert_int_eq(sgw_city_canonical(NULL, NULL, "US", &out), -1);
    ck_assert_int_eq(sgw_city_canonical("NYC", "California", "US", &out), 0);
    ck_assert_str_eq(out.key, "US/NY/new-york");
    ck_assert_int_eq(sgw_city_canonical(NULL, "New York, NY", NULL, &out), 0);
    ck_assert_str_eq(out.key, "US/NY/new-york");
    ck_assert_int_eq(sgw_city_canonical("   ", "Shenzhen, Guangdong", NULL, &out), 0);
    ck_assert_str_eq(out.key, "CN/GD/shenzhen");
}
END_TEST

static int
valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (n == 0)
            return 0;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        }
        p += n;
    }
    return 1;
}

START_TEST(test_long_text_stays_valid)
{
    char text[1024] = "";
    struct sgw_city out;
    for (int i = 0; i < 100; i++)
        strcat(text, "深");
    ck_assert_int_eq(sgw_city_parse(text, "CN", &out), 0);
    ck_assert(valid_utf8(out.key));
    ck_assert(valid_utf8(out.name));
    strcpy(text, "x");
    for (int i = 0; i < 100; i++)
        strcat(text, "圳");
    strcat(text, ", NY");
    ck_assert_int_eq(sgw_city_parse(text, NULL, &out), 0);
    ck_assert(valid_utf8(out.key));
    ck_assert(valid_utf8(out.name));
    ck_assert(strncmp(out.key, "US/NY/", 6) == 0);
}
END_TEST

/* The city routes take a key with '/' written '~' as a URL-safe id: no key may hold a '~',
 * whatever text and country a report carries. */
START_TEST(test_keys_never_hold_tilde)
{
    static const char *const texts[] = {"~",     "New~York",  "~~, NY",           "a~b, CA",
                                        "深~圳", "x ~ y ~ z", "Springfield~, IL", "~NYC~"};
    static const char *const countries[] = {NULL, "US", "CN", "ZZ"};
    struct sgw_city out;
    for (size_t t = 0; t < NELEM(texts); t++) {
        for (size_t c = 0; c < NELEM(countries); c++) {
            if (sgw_city_parse(texts[t], countries[c], &out) == 0)
                ck_assert_msg(strchr(out.key, '~') == NULL, "%s -> %s", texts[t], out.key);
        }
    }
    for (size_t i = 0; i < NELEM(cases); i++) {
        ck_assert_int_eq(sgw_city_parse(cases[i].text, cases[i].country, &out), 0);
        ck_assert(strchr(out.key, '~') == NULL);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("city");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(cases));
    tcase_add_test(tc, test_blank_and_priority);
    tcase_add_test(tc, test_long_text_stays_valid);
    tcase_add_test(tc, test_keys_never_hold_tilde);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
