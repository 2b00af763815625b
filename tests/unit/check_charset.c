/* Unit tests for gateway/intake/charset.h: charset names as relays write them, the strict UTF-8
 * check, and conversion of Latin-1, Windows-1252 and UTF-16BE (with surrogate pairs) to UTF-8,
 * including every way the bytes can be invalid. */
#include "gateway/intake/charset.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    enum sgw_charset want;
} name_cases[] = {
    {NULL, SGW_CHARSET_UTF8},
    {"", SGW_CHARSET_UTF8},
    {"UTF-8", SGW_CHARSET_UTF8},
    {"utf-8", SGW_CHARSET_UTF8},
    {"\"UTF-8\"", SGW_CHARSET_UTF8},
    {"utf8", SGW_CHARSET_UTF8},
    {"US-ASCII", SGW_CHARSET_UTF8},
    {"ISO-8859-1", SGW_CHARSET_LATIN1},
    {"iso_8859-1", SGW_CHARSET_LATIN1},
    {"latin1", SGW_CHARSET_LATIN1},
    {"Windows-1252", SGW_CHARSET_CP1252},
    {"UTF-16BE", SGW_CHARSET_UTF16BE},
    {"\"UTF-16BE\"", SGW_CHARSET_UTF16BE},
    {"UCS-2", SGW_CHARSET_UTF16BE},
    {"ucs2", SGW_CHARSET_UTF16BE},
    {"8-BIT", SGW_CHARSET_UNKNOWN},
    {"ISO-8859-15", SGW_CHARSET_UNKNOWN},
    {"UTF-8 ", SGW_CHARSET_UNKNOWN},
    {"\"", SGW_CHARSET_UNKNOWN},
    {"EBCDIC", SGW_CHARSET_UNKNOWN},
};

START_TEST(test_names)
{
    enum sgw_charset got = sgw_charset_parse(name_cases[_i].name);
    ck_assert_msg(got == name_cases[_i].want, "charset name '%s': got %d, want %d",
                  name_cases[_i].name ? name_cases[_i].name : "(null)", (int)got,
                  (int)name_cases[_i].want);
}
END_TEST

static const struct {
    const char *bytes;
    size_t len;
    int valid;
} utf8_cases[] = {
    {"", 0, 1},
    {"plain ascii", 11, 1},
    {"\xE6\xBE\xB3\xE9\x97\xA8", 6, 1}, /* 澳门 */
    {"\xF0\x9F\x8E\x89", 4, 1},         /* 🎉 */
    {"\xC3\xA9", 2, 1},                 /* é */
    {"\xC3", 1, 0},                     /* truncated */
    {"\xC0\xAF", 2, 0},                 /* overlong / */
    {"\xE0\x80\xAF", 3, 0},             /* overlong */
    {"\xED\xA0\x80", 3, 0},             /* surrogate D800 */
    {"\xF4\x90\x80\x80", 4, 0},         /* past U+10FFFF */
    {"\xFF", 1, 0},                     /* never valid */
    {"\x80", 1, 0},                     /* stray continuation */
    {"ok\xE6\xBE", 4, 0},               /* cut in the middle */
    {"a\0b", 3, 1},                     /* NUL is UTF-8; callers reject it themselves */
};

START_TEST(test_utf8_valid)
{
    ck_assert_int_eq(sgw_utf8_valid(utf8_cases[_i].bytes, utf8_cases[_i].len),
                     utf8_cases[_i].valid);
}
END_TEST

static const struct {
    enum sgw_charset cs;
    const char *in;
    size_t len;
    const char *want; /* NULL: invalid */
} conv_cases[] = {
    {SGW_CHARSET_UTF8, "Hello", 5, "Hello"},
    {SGW_CHARSET_UTF8, "\xE4\xB8\xAD", 3, "\xE4\xB8\xAD"},
    {SGW_CHARSET_UTF8, "\xE4\xB8", 2, NULL},
    {SGW_CHARSET_LATIN1, "caf\xE9", 4, "caf\xC3\xA9"},
    {SGW_CHARSET_LATIN1,
     "\xA3"
     "5 \xFF",
     4,
     "\xC2\xA3"
     "5 \xC3\xBF"},
    {SGW_CHARSET_LATIN1, "\x80", 1, "\xC2\x80"}, /* a C1 control in Latin-1 */
    {SGW_CHARSET_CP1252,
     "\x80"
     "5",
     2,
     "\xE2\x82\xAC"
     "5"}, /* € */
    {SGW_CHARSET_CP1252, "\x93hi\x94", 4,
     "\xE2\x80\x9C"
     "hi"
     "\xE2\x80\x9D"},
    {SGW_CHARSET_CP1252, "\x81", 1, NULL}, /* undefined in Windows-1252 */
    {SGW_CHARSET_UTF16BE,
     "\x00"
     "A"
     "\x00"
     "b",
     4, "Ab"},
    {SGW_CHARSET_UTF16BE, "\x6F\xB3\x95\xE8", 4, "\xE6\xBE\xB3\xE9\x97\xA8"}, /* 澳门 */
    {SGW_CHARSET_UTF16BE,
     "\xFE\xFF\x00"
     "A",
     4, "A"},                                                         /* BOM dropped */
    {SGW_CHARSET_UTF16BE, "\xD8\x3C\xDF\x89", 4, "\xF0\x9F\x8E\x89"}, /* 🎉 */
    {SGW_CHARSET_UTF16BE,
     "\x00"
     "A"
     "\x00",
     3, NULL},                                  /* odd */
    {SGW_CHARSET_UTF16BE, "\xD8\x3C", 2, NULL}, /* lone high surrogate */
    {SGW_CHARSET_UTF16BE,
     "\xDF\x89\x00"
     "A",
     4, NULL}, /* lone low surrogate */
    {SGW_CHARSET_UTF16BE,
     "\xD8\x3C\x00"
     "A",
     4, NULL}, /* high + not low */
    {SGW_CHARSET_UTF16BE,
     "\xFF\xFE"
     "A\x00",
     4, NULL}, /* little-endian BOM */
    {SGW_CHARSET_UTF16BE, "", 0, ""},
    {SGW_CHARSET_UNKNOWN, "x", 1, NULL},
};

START_TEST(test_convert)
{
    char *out = (char *)0x1;
    size_t outlen = 99;
    int rc = sgw_charset_to_utf8(conv_cases[_i].cs, conv_cases[_i].in, conv_cases[_i].len, &out,
                                 &outlen);
    if (conv_cases[_i].want == NULL) {
        ck_assert_msg(rc == -1, "case %d: expected invalid", _i);
        ck_assert_ptr_null(out);
        return;
    }
    ck_assert_msg(rc == 0, "case %d: expected valid", _i);
    ck_assert_uint_eq(outlen, strlen(conv_cases[_i].want));
    ck_assert_mem_eq(out, conv_cases[_i].want, outlen);
    ck_assert_int_eq(out[outlen], '\0');
    ck_assert_int_eq(sgw_utf8_valid(out, outlen), 1);
    free(out);
}
END_TEST

/* Every BMP code point but the surrogates survives UTF-16BE → UTF-8 and is valid UTF-8. */
START_TEST(test_utf16_all_bmp)
{
    unsigned char *in = malloc(2 * 0x10000);
    size_t n = 0;
    for (unsigned u = 1; u < 0x10000; u++) {
        if (u >= 0xD800 && u <= 0xDFFF)
            continue;
        in[n++] = (unsigned char)(u >> 8);
        in[n++] = (unsigned char)u;
    }
    char *out = NULL;
    size_t outlen = 0;
    ck_assert_int_eq(sgw_charset_to_utf8(SGW_CHARSET_UTF16BE, (const char *)in, n, &out, &outlen),
                     0);
    ck_assert_int_eq(sgw_utf8_valid(out, outlen), 1);
    free(out);
    free(in);
}
END_TEST

static Suite *
charset_suite(void)
{
    Suite *s = suite_create("charset");
    TCase *tc = tcase_create("charset");
    tcase_add_loop_test(tc, test_names, 0, NELEM(name_cases));
    tcase_add_loop_test(tc, test_utf8_valid, 0, NELEM(utf8_cases));
    tcase_add_loop_test(tc, test_convert, 0, NELEM(conv_cases));
    tcase_add_test(tc, test_utf16_all_bmp);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(charset_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
