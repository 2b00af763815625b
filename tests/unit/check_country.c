/* Unit tests for gateway/intake/country.h: a table of accepted and refused codes, and an
 * exhaustive sweep of all 676 two-letter pairs in both cases against the 249 officially assigned
 * ISO 3166-1 alpha-2 codes (copied from Debian's iso-codes iso_3166-1.json, an independent
 * source), which catches both a bad entry in the code string and a bisection that misses one. */
#include "gateway/intake/country.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char iso_codes[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

struct country_case {
    const char *in;
    const char *want; /* NULL: must be refused */
};

static const struct country_case country_cases[] = {
    {"US", "US"},
    {"us", "US"},
    {"Us", "US"},
    {"uS", "US"},
    {"CN", "CN"},
    {"cn", "CN"},
    {"GB", "GB"},
    {"gb", "GB"},
    {"DE", "DE"},
    {"de", "DE"},
    {"AD", "AD"}, /* first in the sorted list */
    {"ZW", "ZW"}, /* last */
    {"zw", "ZW"},
    {"AX", "AX"},
    {"BQ", "BQ"},
    {"SS", "SS"},
    {"TW", "TW"},
    {"HK", "HK"},
    /* Not officially assigned: user-assigned, reserved, or simply not a country. */
    {"XX", NULL},
    {"xx", NULL},
    {"UK", NULL}, /* exceptionally reserved; the code for the United Kingdom is GB */
    {"uk", NULL},
    {"EU", NULL},
    {"XK", NULL}, /* Kosovo: user-assigned, not ISO */
    {"ZZ", NULL},
    {"AA", NULL},
    {"AB", NULL},
    {"ZX", NULL},
    {"AC", NULL}, /* just before the first code */
    {"ZY", NULL}, /* just before the last code */
    /* Wrong shape. */
    {"USA", NULL},
    {"usa", NULL},
    {"U", NULL},
    {"u1", NULL},
    {"U1", NULL},
    {"1U", NULL},
    {"12", NULL},
    {"", NULL},
    {" US", NULL},
    {"US ", NULL},
    {"U S", NULL},
    {"U-", NULL},
    {"@A", NULL}, /* the bytes either side of 'A'..'Z' and 'a'..'z' */
    {"[A", NULL},
    {"`A", NULL},
    {"{A", NULL},
    {"\xc3\x9cS", NULL},                /* "ÜS" */
    {"\xef\xbc\xb5\xef\xbc\xb3", NULL}, /* full-width "ＵＳ" */
};

START_TEST(test_table)
{
    const struct country_case *c = &country_cases[_i];
    char out[8];
    memset(out, 'x', sizeof out);
    int rc = sgw_country_normalise(c->in, out);
    if (c->want == NULL) {
        ck_assert_msg(rc == -1, "case %d \"%s\": accepted as \"%.3s\"", _i, c->in, out);
    } else {
        ck_assert_msg(rc == 0, "case %d \"%s\": refused, want \"%s\"", _i, c->in, c->want);
        ck_assert_msg(strcmp(out, c->want) == 0, "case %d \"%s\": got \"%.3s\", want \"%s\"", _i,
                      c->in, out, c->want);
    }
    ck_assert_msg(out[3] == 'x', "case %d \"%s\": wrote past out[3]", _i, c->in);
}
END_TEST

START_TEST(test_null)
{
    char out[3] = "ab";
    ck_assert_int_eq(sgw_country_normalise(NULL, out), -1);
}
END_TEST

static int
is_iso(char a, char b)
{
    for (size_t i = 0; i + 2 < sizeof iso_codes; i += 3) {
        if (iso_codes[i] == a && iso_codes[i + 1] == b)
            return 1;
    }
    return 0;
}

START_TEST(test_oracle_has_249_codes)
{
    ck_assert_uint_eq((sizeof iso_codes) / 3, 249);
}
END_TEST

/* Every pair of letters, upper and lower case: accepted exactly when ISO assigns it. */
START_TEST(test_all_pairs)
{
    int accepted = 0;
    for (char a = 'A'; a <= 'Z'; a++) {
        for (char b = 'A'; b <= 'Z'; b++) {
            char upper[3] = {a, b, '\0'};
            char lower[3] = {(char)(a - 'A' + 'a'), (char)(b - 'A' + 'a'), '\0'};
            int want = is_iso(a, b);
            char out[3];

            int rc = sgw_country_normalise(upper, out);
            ck_assert_msg(rc == (want ? 0 : -1), "\"%s\": rc %d, ISO assigned: %s", upper, rc,
                          want ? "yes" : "no");
            if (want)
                ck_assert_msg(strcmp(out, upper) == 0, "\"%s\" -> \"%s\"", upper, out);

            rc = sgw_country_normalise(lower, out);
            ck_assert_msg(rc == (want ? 0 : -1), "\"%s\": rc %d, ISO assigned: %s", lower, rc,
                          want ? "yes" : "no");
            if (want)
                ck_assert_msg(strcmp(out, upper) == 0, "\"%s\" -> \"%s\"", lower, out);
            accepted += want;
        }
    }
    ck_assert_int_eq(accepted, 249);
}
END_TEST

static Suite *
country_suite(void)
{
    Suite *s = suite_create("country");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(country_cases));
    tcase_add_test(tc, test_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("exhaustive");
    tcase_add_test(tc, test_oracle_has_249_codes);
    tcase_add_test(tc, test_all_pairs);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(country_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
