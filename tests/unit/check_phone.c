/* Unit tests for the libphonenumber shim (gateway/intake/phone.h): table-driven cases for E.164
 * normalisation, region lookup and the offline geocoder, exact-fit buffer bounds, and many threads
 * geocoding at once. Expected strings are what Debian's libphonenumber 8.12 data says. */
#include "gateway/intake/phone.h"
#include "gateway/intake/phone_find.h"
#include "tests/support/suite.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct e164_case {
    const char *raw;
    const char *region; /* default region, may be NULL */
    const char *want;   /* NULL: must be rejected */
};

static const struct e164_case e164_cases[] = {
    /* National formats with a default region. */
    {"(212) 555-0100", "US", "+12125550100"},
    {"212.555.0100", "US", "+12125550100"},
    {"212/555-0100", "US", "+12125550100"},
    {"212-555-0100", "us", "+12125550100"}, /* region is case-insensitive */
    {"13926521234", "CN", "+8613926521234"},
    {"020 7946 0958", "GB", "+442079460958"},
    {"  +1 212 555 0100\t", NULL, "+12125550100"},
    /* International formats; '+' wins over the default region. */
    {"+1 212-555-0100", NULL, "+12125550100"},
    {"+1 (212) 555-0100", "CN", "+12125550100"},
    {"+86 139 2652 1234", NULL, "+8613926521234"},
    {"+44 20 7946 0958", "ZZ", "+442079460958"},
    /* "00" means "+" with or without a region, even where the IDD is something else. */
    {"001 212 555 0100", "US", "+12125550100"},
    {"001 212 555 0100", NULL, "+12125550100"},
    {"0044 20 7946 0958", NULL, "+442079460958"},
    {"0044 20 7946 0958", "US", "+442079460958"},
    {"0044 20 7946 0958", "GB", "+442079460958"},
    {"0086 139 2652 1234", "CN", "+8613926521234"},
    /* The region's own international prefix still works. */
    {"011 44 20 7946 0958", "US", "+442079460958"},
    {"0011 44 20 7946 0958", "AU", "+442079460958"},
    /* Possible but not valid (exchange 155, Ofcom drama range): accepted on purpose. */
    {"+1 212 155 0100", NULL, "+12121550100"},
    {"+44 7700 900123", NULL, "+447700900123"},
    /* Garbage. */
    {"hello", "US", NULL},
    {"12", "US", NULL},
    {"", "US", NULL},
    {"   ", "US", NULL},
    {"00", "US", NULL},
    {"+", NULL, NULL},
    {"212+555+0100", "US", NULL},
    /* Letters are refused: no vanity conversion, extensions, leading text or URIs. */
    {"212-555-CALL", "US", NULL},
    {"1-800-FLOWERS", "US", NULL},
    {"call 212 555 0100", "US", NULL},
    {"212-555-0100 x12", "US", NULL},
    {"tel:+1-212-555-0100", NULL, NULL},
    {"\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92 555 0100", "US", NULL}, /* full-width digits */
    /* National number without a usable region. */
    {"2125550100", NULL, NULL},
    {"2125550100", "", NULL},
    {"2125550100", "ZZ", NULL},
    {"2125550100", "XX", NULL},
    {"2125550100", "USA", NULL},
    {"2125550100", "001", NULL},
    /* Wrong length, local-only (no E.164 form), or unknown country code. */
    {"555-0100", "US", NULL},
    {"+86 12345", NULL, NULL},
    {"+1 212 555 01001", NULL, NULL},
    {"+44 20 7946 0958 1", NULL, NULL},
    {"+999 1234567", NULL, NULL},
};

struct lookup_case {
    const char *e164;
    const char *lang; /* unused for region lookups */
    const char *want; /* NULL: must fail */
};

static const struct lookup_case region_cases[] = {
    {"+12125550100", NULL, "US"},
    {"+14165550100", NULL, "CA"},
    {"+18765550100", NULL, "JM"},
    {"+8613926521234", NULL, "CN"},
    {"+442079460958", NULL, "GB"},
    {"+81312345678", NULL, "JP"},
    {"+12121550100", NULL, NULL}, /* possible but invalid: no NANPA region claims it ("ZZ") */
    {"+80012345678", NULL, NULL}, /* non-geographic "001" is not an ISO region */
    {"+99912345678", NULL, NULL},
    {"12125550100", NULL, NULL},
    {"+1 212 555 0100", NULL, NULL},
    {"+012125550100", NULL, NULL},
    {"+1234567890123456", NULL, NULL}, /* 16 digits: longer than E.164 allows */
    {"+", NULL, NULL},
    {"", NULL, NULL},
};

static const struct lookup_case geocode_cases[] = {
    {"+12125550100", "en", "New York, NY"},
    {"+14169671111", "en", "Toronto, ON"},
    {"+19175550100", "en", "New York"},
    {"+12015550123", "en", "New Jersey"}, /* many US prefixes give only the state */
    {"+13105550100", "en", "California"},
    {"+14165550100", "en", "Ontario"},
    {"+8613926521234", "en", "Shenzhen, Guangdong"},
    {"+8613926521234", "zh", "广东省深圳市"},
    {"+861012345678", "en", "Beijing"},
    {"+861012345678", "zh", "北京市"},
    {"+442079460958", "en", "London"},
    {"+81312345678", "en", "Tokyo"},
    /* No Chinese area names for NANPA, and zh never falls back to English: the country. */
    {"+12125550100", "zh", "美国"},
    /* Toll-free is not geographic: the country name. */
    {"+18005550100", "en", "United States"},
    {"+12121550100", "en", NULL}, /* not a valid number: nothing to say */
    {"+447700900123", "en", NULL},
    {"+80012345678", "en", NULL},
    {"+99912345678", "en", NULL},
    {"+12125550100", "EN", NULL},
    {"+12125550100", "english", NULL},
    {"+12125550100", "e", NULL},
    {"+12125550100", "", NULL},
    {"+12125550100", NULL, NULL},
    {"2125550100", "en", NULL},
    {"", "en", NULL},
};

START_TEST(test_to_e164_table)
{
    const struct e164_case *c = &e164_cases[_i];
    char out[32];
    memset(out, 'x', sizeof out);
    int rc = sgw_phone_to_e164(c->raw, c->region, out, sizeof out);
    if (c->want == NULL) {
        ck_assert_msg(rc == -1, "case %d \"%s\"/%s: accepted as %s", _i, c->raw,
                      c->region ? c->region : "NULL", out);
        ck_assert_str_eq(out, "");
    } else {
        ck_assert_msg(rc == 0, "case %d \"%s\"/%s: rejected", _i, c->raw,
                      c->region ? c->region : "NULL");
        ck_assert_str_eq(out, c->want);
    }
}
END_TEST

START_TEST(test_region_table)
{
    const struct lookup_case *c = &region_cases[_i];
    char out[8];
    memset(out, 'x', sizeof out);
    int rc = sgw_phone_region(c->e164, out, sizeof out);
    if (c->want == NULL) {
        ck_assert_msg(rc == -1, "case %d %s: got %s", _i, c->e164, out);
        ck_assert_str_eq(out, "");
    } else {
        ck_assert_msg(rc == 0, "case %d %s: failed", _i, c->e164);
        ck_assert_str_eq(out, c->want);
    }
}
END_TEST

START_TEST(test_geocode_table)
{
    const struct lookup_case *c = &geocode_cases[_i];
    char out[128];
    memset(out, 'x', sizeof out);
    int rc = sgw_phone_geocode(c->e164, c->lang, out, sizeof out);
    if (c->want == NULL) {
        ck_assert_msg(rc == -1, "case %d %s/%s: got %s", _i, c->e164, c->lang ? c->lang : "NULL",
                      out);
        ck_assert_str_eq(out, "");
    } else {
        ck_assert_msg(rc == 0, "case %d %s/%s: failed", _i, c->e164, c->lang);
        ck_assert_str_eq(out, c->want);
    }
}
END_TEST

/* Builds raw = "+1 212 555 0100" padded with trailing blanks to len bytes. */
static void
padded_number(char *raw, size_t len)
{
    memset(raw, ' ', len);
    memcpy(raw, "+1 212 555 0100", 15);
    raw[len] = '\0';
}

START_TEST(test_to_e164_raw_length_limit)
{
    char raw[80];
    char out[32];

    padded_number(raw, 64);
    ck_assert_int_eq(sgw_phone_to_e164(raw, NULL, out, sizeof out), 0);
    ck_assert_str_eq(out, "+12125550100");

    padded_number(raw, 65);
    ck_assert_int_eq(sgw_phone_to_e164(raw, NULL, out, sizeof out), -1);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_exact_fit_buffers)
{
    char out[64];

    /* "+12125550100" is 12 bytes: 13 fits with its NUL, 12 does not and writes nothing else. */
    memset(out, 'x', sizeof out);
    ck_assert_int_eq(sgw_phone_to_e164("(212) 555-0100", "US", out, 13), 0);
    ck_assert_str_eq(out, "+12125550100");
    memset(out, 'x', sizeof out);
    ck_assert_int_eq(sgw_phone_to_e164("(212) 555-0100", "US", out, 12), -1);
    ck_assert_int_eq(out[0], '\0');
    ck_assert_int_eq(out[12], 'x');

    ck_assert_int_eq(sgw_phone_region("+12125550100", out, 3), 0);
    ck_assert_str_eq(out, "US");
    memset(out, 'x', sizeof out);
    ck_assert_int_eq(sgw_phone_region("+12125550100", out, 2), -1);
    ck_assert_int_eq(out[0], '\0');
    ck_assert_int_eq(out[2], 'x');

    ck_assert_int_eq(sgw_phone_geocode("+12125550100", "en", out, 13), 0);
    ck_assert_str_eq(out, "New York, NY");
    ck_assert_int_eq(sgw_phone_geocode("+12125550100", "en", out, 12), -1);
    ck_assert_int_eq(out[0], '\0');

    /* 广东省深圳市 is six three-byte characters: 18 bytes plus NUL. */
    ck_assert_int_eq(sgw_phone_geocode("+8613926521234", "zh", out, 19), 0);
    ck_assert_str_eq(out, "广东省深圳市");
    memset(out, 'x', sizeof out);
    ck_assert_int_eq(sgw_phone_geocode("+8613926521234", "zh", out, 18), -1);
    ck_assert_int_eq(out[0], '\0');
    ck_assert_int_eq(out[18], 'x');
}
END_TEST

START_TEST(test_null_and_empty_buffers)
{
    char out[32] = "untouched";

    ck_assert_int_eq(sgw_phone_to_e164(NULL, "US", out, sizeof out), -1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(sgw_phone_to_e164("2125550100", "US", NULL, 32), -1);
    ck_assert_int_eq(sgw_phone_region(NULL, out, sizeof out), -1);
    ck_assert_int_eq(sgw_phone_region("+12125550100", NULL, 8), -1);
    ck_assert_int_eq(sgw_phone_geocode(NULL, "en", out, sizeof out), -1);
    ck_assert_int_eq(sgw_phone_geocode("+12125550100", "en", NULL, 64), -1);

    /* outsz 0: nothing may be written, not even a NUL. */
    strcpy(out, "untouched");
    ck_assert_int_eq(sgw_phone_to_e164("2125550100", "US", out, 0), -1);
    ck_assert_int_eq(sgw_phone_region("+12125550100", out, 0), -1);
    ck_assert_int_eq(sgw_phone_geocode("+12125550100", "en", out, 0), -1);
    ck_assert_str_eq(out, "untouched");
}
END_TEST

START_TEST(test_round_trip)
{
    char e164[32], region[8], place[128];

    ck_assert_int_eq(sgw_phone_to_e164("0086 139 2652 1234", NULL, e164, sizeof e164), 0);
    ck_assert_int_eq(sgw_phone_region(e164, region, sizeof region), 0);
    ck_assert_str_eq(region, "CN");
    ck_assert_int_eq(sgw_phone_geocode(e164, "en", place, sizeof place), 0);
    ck_assert_str_eq(place, "Shenzhen, Guangdong");
}
END_TEST

/* Many threads start together on a fresh geocoder, so the lazy per-country map loading races. */
enum { THREADS = 8, ROUNDS = 200 };

static pthread_barrier_t start_line;

static void *
hammer(void *arg)
{
    size_t first = (size_t)arg;
    long failures = 0;
    char out[128];

    pthread_barrier_wait(&start_line);
    for (size_t r = 0; r < ROUNDS; r++) {
        const struct lookup_case *g = &geocode_cases[(first + r) % NELEM(geocode_cases)];
        int rc = sgw_phone_geocode(g->e164, g->lang, out, sizeof out);
        if (g->want == NULL ? rc != -1 : rc != 0 || strcmp(out, g->want) != 0)
            failures++;

        const struct e164_case *e = &e164_cases[(first + r) % NELEM(e164_cases)];
        rc = sgw_phone_to_e164(e->raw, e->region, out, sizeof out);
        if (e->want == NULL ? rc != -1 : rc != 0 || strcmp(out, e->want) != 0)
            failures++;

        const struct lookup_case *c = &region_cases[(first + r) % NELEM(region_cases)];
        rc = sgw_phone_region(c->e164, out, sizeof out);
        if (c->want == NULL ? rc != -1 : rc != 0 || strcmp(out, c->want) != 0)
            failures++;
    }
    return (void *)failures;
}

START_TEST(test_concurrent_lookups)
{
    pthread_t tids[THREADS];

    ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, THREADS), 0);
    for (size_t i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&tids[i], NULL, hammer, (void *)(i * 3)), 0);
    for (size_t i = 0; i < THREADS; i++) {
        void *failures;
        ck_assert_int_eq(pthread_join(tids[i], &failures), 0);
        ck_assert_msg(failures == NULL, "thread %zu: %ld wrong answers", i, (long)failures);
    }
    pthread_barrier_destroy(&start_line);
}
END_TEST

/* International input takes a fast path without libphonenumber's parser: it must agree with
 * the parser, including the cases it hands back (leading zeros, "(0)", odd separators). The
 * expectations are what the parser gives for the same numbers in national form. */
static const struct {
    const char *intl, *national, *region;
} fast_cases[] = {
    {"+1 212 555 0100", "(212) 555-0100", "US"},   {"+1-800-555-0100", "800 555 0100", "US"},
    {"+44 20 7946 0958", "020 7946 0958", "GB"},   {"+44 (0) 20 7946 0958", "020 7946 0958", "GB"},
    {"+39 06 1234 5678", "06 1234 5678", "IT"},    {"+86 139 2652 1234", "139 2652 1234", "CN"},
    {"+81 3-1234-5678", "03-1234-5678", "JP"},     {"+49 30 123456", "030 123456", "DE"},
    {"+7 495 123-45-67", "8 495 123-45-67", "RU"}, {"+234 803 123 4567", "0803 123 4567", "NG"},
    {"+852 9123 4567", "9123 4567", "HK"},
};

START_TEST(test_fast_path_agrees)
{
    char a[32], b[32];
    int ra = sgw_phone_to_e164(fast_cases[_i].intl, NULL, a, sizeof a);
    int rb = sgw_phone_to_e164(fast_cases[_i].national, fast_cases[_i].region, b, sizeof b);
    ck_assert_msg(ra == 0 && rb == 0 && strcmp(a, b) == 0, "%s -> %d \"%s\"; %s/%s -> %d \"%s\"",
                  fast_cases[_i].intl, ra, a, fast_cases[_i].national, fast_cases[_i].region, rb,
                  b);
}
END_TEST

START_TEST(test_fast_path_rejects)
{
    static const char *bad[] = {"+1 212", "+999 1234 5678", "+0 212 555 0100",
                                "+1 212 555 0100 5555 5", "+"};
    char out[32];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(sgw_phone_to_e164(bad[i], NULL, out, sizeof out) == -1, "%s accepted as %s",
                      bad[i], out);
}
END_TEST

/* The geocode cache answers by prefix: it must agree with the geocoder, also on a second
 * number of the same prefix and on numbers it cannot place. */
START_TEST(test_geocode_cached_agrees)
{
    static const char *nums[] = {"+12125550100",   "+12125550199",   "+13105550100",
                                 "+8613926521234", "+8613926529999", "+442079460958",
                                 "+12121550100",   "+80012345678",   "+1212"};
    static const char *langs[] = {"en", "zh"};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t l = 0; l < 2; l++) {
            for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
                char a[128], b[128];
                int ra = sgw_phone_geocode(nums[i], langs[l], a, sizeof a);
                int rb = sgw_phone_geocode_cached(nums[i], langs[l], b, sizeof b);
                ck_assert_msg(ra == rb && (ra != 0 || strcmp(a, b) == 0),
                              "%s/%s: geocode %d \"%s\", cached %d \"%s\"", nums[i], langs[l], ra,
                              a, rb, b);
            }
        }
    }
}
END_TEST

/* The window cache answers exactly what the matcher answers, for repeated windows, the same
 * text under another region, fewer slots than hits, and windows too long to cache. */
START_TEST(test_find_cached_agrees)
{
    static const char *const texts[] = {
        "call 212-555-0142 now",
        "txt 07781 482 378 or 0800 123 4567",
        "\xe5\x8a\xa0\xe5\xbe\xae 13912345678",
        "+44 7781 482378 and +1 (212) 555-0142 and +86 139 1234 5678 and 0207 946 0018",
        "no digits here",
        "2022-03-05 10:30:00",
        "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
        "1"
        "23456789 +1 212 555 0142",
    };
    static const char *const regions[] = {"US", "GB", "CN", NULL};
    int found = 0;
    for (int round = 0; round < 3; round++) {
        for (size_t t = 0; t < NELEM(texts); t++) {
            for (size_t r = 0; r < NELEM(regions); r++) {
                for (size_t cap = 1; cap <= 4; cap += 3) {
                    struct sgw_phone_hit a[4], b[4];
                    memset(a, 0, sizeof a);
                    memset(b, 0, sizeof b);
                    size_t len = strlen(texts[t]);
                    int na = sgw_phone_find(texts[t], len, regions[r], 8, a, cap);
                    int nb = sgw_phone_find_cached(texts[t], len, regions[r], 8, b, cap);
                    ck_assert_msg(na == nb, "'%s' region %s cap %zu: %d vs %d cached", texts[t],
                                  regions[r] ? regions[r] : "-", cap, na, nb);
                    found += na > 0 ? na : 0;
                    for (int i = 0; i < na; i++) {
                        ck_assert_int_eq(a[i].start, b[i].start);
                        ck_assert_int_eq(a[i].end, b[i].end);
                        ck_assert_str_eq(a[i].e164, b[i].e164);
                    }
                }
            }
        }
    }
    ck_assert_msg(found >= 3 * 8, "only %d numbers found: the texts do not exercise the cache",
                  found);
}
END_TEST

static Suite *
phone_suite(void)
{
    Suite *s = suite_create("phone");
    TCase *tc = tcase_create("tables");
    tcase_add_loop_test(tc, test_to_e164_table, 0, (int)NELEM(e164_cases));
    tcase_add_loop_test(tc, test_region_table, 0, (int)NELEM(region_cases));
    tcase_add_loop_test(tc, test_geocode_table, 0, (int)NELEM(geocode_cases));
    tcase_add_loop_test(tc, test_fast_path_agrees, 0, (int)NELEM(fast_cases));
    tcase_add_test(tc, test_fast_path_rejects);
    tcase_add_test(tc, test_geocode_cached_agrees);
    tcase_add_test(tc, test_find_cached_agrees);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, test_to_e164_raw_length_limit);
    tcase_add_test(tc, test_exact_fit_buffers);
    tcase_add_test(tc, test_null_and_empty_buffers);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);

    /* Slow under the sanitizers: give the threads room. */
    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_concurrent_lookups);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(phone_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
