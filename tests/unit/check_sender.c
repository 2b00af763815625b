/* Unit tests for gateway/intake/sender.h: a table of raw sender strings with their expected kind
 * and normal form (phones through libphonenumber, short codes, GSM alphanumeric ids, e-mail /
 * Apple IDs, unknown text), idempotence of the normal form, 256-byte inputs, and the output
 * buffer bound. Phone expectations are what Debian's libphonenumber 8.12 data says. */
#include "gateway/intake/sender.h"
#include "tests/support/suite.h"

#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct sender_case {
    const char *raw;
    const char *region; /* default region, may be NULL */
    enum sgw_sender_kind kind;
    const char *want; /* normal form */
};

static const struct sender_case sender_cases[] = {
    /* Phones: one number written many ways is one sender. */
    {"(212) 555-0100", "US", SGW_SENDER_PHONE, "+12125550100"},
    {"212.555.0100", "US", SGW_SENDER_PHONE, "+12125550100"},
    {"2125550100", "US", SGW_SENDER_PHONE, "+12125550100"},
    {"212-555-0100", "us", SGW_SENDER_PHONE, "+12125550100"},
    {"+1 212 555 0100", NULL, SGW_SENDER_PHONE, "+12125550100"},
    {"  +1 212 555 0100  ", NULL, SGW_SENDER_PHONE, "+12125550100"},
    {"\t+12125550100\n", NULL, SGW_SENDER_PHONE, "+12125550100"},
    {"+1.212.555.0100", NULL, SGW_SENDER_PHONE, "+12125550100"},
    {"001 212 555 0100", "US", SGW_SENDER_PHONE, "+12125550100"},
    {"+1 (212) 555-0100", "CN", SGW_SENDER_PHONE, "+12125550100"}, /* '+' beats the region */
    {"+44 20 7946 0958", NULL, SGW_SENDER_PHONE, "+442079460958"},
    {"+44 20 7946 0958", "US", SGW_SENDER_PHONE, "+442079460958"},
    {"020 7946 0958", "GB", SGW_SENDER_PHONE, "+442079460958"},
    {"13926521234", "CN", SGW_SENDER_PHONE, "+8613926521234"},
    {"0086 139 2652 1234", NULL, SGW_SENDER_PHONE, "+8613926521234"},
    /* Short codes: up to six digits everywhere, punctuation dropped. */
    {"7726", "US", SGW_SENDER_SHORT_CODE, "7726"},
    {"7726", NULL, SGW_SENDER_SHORT_CODE, "7726"},
    {" 7726 ", "GB", SGW_SENDER_SHORT_CODE, "7726"},
    {"7 7 2 6", "US", SGW_SENDER_SHORT_CODE, "7726"},
    {"95588", "CN", SGW_SENDER_SHORT_CODE, "95588"},
    {"123456", "US", SGW_SENDER_SHORT_CODE, "123456"},
    /* China's SP service numbers (106 + operator + service code) are sender codes, not
     * subscriber numbers, though libphonenumber takes the 11- and 12-digit ones for Beijing
     * landlines (+86 10 ...). */
    {"10690000123", "CN", SGW_SENDER_SHORT_CODE, "10690000123"},
    {"106900001234", "CN", SGW_SENDER_SHORT_CODE, "106900001234"},
    {"1069000012345", "CN", SGW_SENDER_SHORT_CODE, "1069000012345"},
    {"10690000123456789", "CN", SGW_SENDER_SHORT_CODE, "10690000123456789"},
    {"10690000123", NULL, SGW_SENDER_SHORT_CODE, "10690000123"},
    {"106 9000 0123", "CN", SGW_SENDER_SHORT_CODE, "10690000123"},
    /* Regions are case-insensitive everywhere else (phone.h, country.h): "cn" is CN. */
    {"10690000123", "cn", SGW_SENDER_SHORT_CODE, "10690000123"},
    /* Outside China the same digits are an ordinary (possible) national number. */
    {"10690000123", "US", SGW_SENDER_PHONE, "+10690000123"},
    /* GSM alphanumeric sender ids: up to 11 characters with a letter, upper-cased. */
    {"AMAZON", NULL, SGW_SENDER_ALPHANUMERIC, "AMAZON"},
    {"amazon", NULL, SGW_SENDER_ALPHANUMERIC, "AMAZON"},
    {"Amazon", "US", SGW_SENDER_ALPHANUMERIC, "AMAZON"},
    {"  amazon  ", NULL, SGW_SENDER_ALPHANUMERIC, "AMAZON"},
    {"HSBC-UK", NULL, SGW_SENDER_ALPHANUMERIC, "HSBC-UK"},
    {"My Bank", NULL, SGW_SENDER_ALPHANUMERIC, "MY BANK"},
    {"Bank123", NULL, SGW_SENDER_ALPHANUMERIC, "BANK123"},
    {"ABCDEFGHIJK", NULL, SGW_SENDER_ALPHANUMERIC, "ABCDEFGHIJK"},
    {"ABCDEFGHIJKL", NULL, SGW_SENDER_UNKNOWN, "ABCDEFGHIJKL"}, /* 12 > 11 */
    /* E-mail / Apple IDs, lower-cased. */
    {"Fake.Bank@iCloud.com", NULL, SGW_SENDER_EMAIL, "fake.bank@icloud.com"},
    {"USER@Mail.Example.ORG", "US", SGW_SENDER_EMAIL, "user@mail.example.org"},
    {"  a@b.co  ", NULL, SGW_SENDER_EMAIL, "a@b.co"},
    {"a@b", NULL, SGW_SENDER_UNKNOWN, "a@b"},
    {"@b.com", NULL, SGW_SENDER_UNKNOWN, "@b.com"},
    {"a@@b.com", NULL, SGW_SENDER_UNKNOWN, "a@@b.com"},
    {"a@.com", NULL, SGW_SENDER_UNKNOWN, "a@.com"},
    {"a@b.", NULL, SGW_SENDER_UNKNOWN, "a@b."},
    {"a b@c.com", NULL, SGW_SENDER_UNKNOWN, "a b@c.com"},
    /* Unknown: trimmed text as given. */
    {"hello world this is long", NULL, SGW_SENDER_UNKNOWN, "hello world this is long"},
    {"  hello   world  ", NULL, SGW_SENDER_UNKNOWN, "hello   world"},
    {"212-555-CALL", "US", SGW_SENDER_UNKNOWN, "212-555-CALL"},
    {"Amazon!", NULL, SGW_SENDER_UNKNOWN, "Amazon!"},
    {"+AMAZON", NULL, SGW_SENDER_UNKNOWN, "+AMAZON"},
    {"+7726", NULL, SGW_SENDER_UNKNOWN, "+7726"},
    {"+1 212 555 0100 +1", NULL, SGW_SENDER_UNKNOWN, "+1 212 555 0100 +1"},
    {"1234567890123456789012", NULL, SGW_SENDER_UNKNOWN, "1234567890123456789012"},
    {"\xc3\x9cnicode", NULL, SGW_SENDER_UNKNOWN, "\xc3\x9cnicode"},
    /* Blank: the only case with an empty normal form. */
    {"", NULL, SGW_SENDER_UNKNOWN, ""},
    {"   ", "US", SGW_SENDER_UNKNOWN, ""},
    {" \t\r\n ", NULL, SGW_SENDER_UNKNOWN, ""},
};

static const char *
kind_str(enum sgw_sender_kind k)
{
    return sgw_sender_kind_name(k);
}

START_TEST(test_table)
{
    const struct sender_case *c = &sender_cases[_i];
    char out[SGW_SENDER_MAX + 1];
    memset(out, 'x', sizeof out);
    enum sgw_sender_kind k = sgw_sender_normalise(c->raw, c->region, out, sizeof out);
    ck_assert_msg(k == c->kind && strcmp(out, c->want) == 0,
                  "case %d \"%s\"/%s: got %s \"%s\", want %s \"%s\"", _i, c->raw,
                  c->region ? c->region : "NULL", kind_str(k), out, kind_str(c->kind), c->want);
}
END_TEST

/* The normal form normalises to itself with the same kind. */
START_TEST(test_idempotent)
{
    const struct sender_case *c = &sender_cases[_i];
    char once[SGW_SENDER_MAX + 1], twice[SGW_SENDER_MAX + 1];
    enum sgw_sender_kind k1 = sgw_sender_normalise(c->raw, c->region, once, sizeof once);
    if (once[0] == '\0')
        return;
    enum sgw_sender_kind k2 = sgw_sender_normalise(once, c->region, twice, sizeof twice);
    ck_assert_msg(k1 == k2 && strcmp(once, twice) == 0, "case %d \"%s\": %s \"%s\" then %s \"%s\"",
                  _i, c->raw, kind_str(k1), once, kind_str(k2), twice);
}
END_TEST

START_TEST(test_kind_names)
{
    ck_assert_str_eq(sgw_sender_kind_name(SGW_SENDER_PHONE), "phone");
    ck_assert_str_eq(sgw_sender_kind_name(SGW_SENDER_SHORT_CODE), "short_code");
    ck_assert_str_eq(sgw_sender_kind_name(SGW_SENDER_ALPHANUMERIC), "alphanumeric");
    ck_assert_str_eq(sgw_sender_kind_name(SGW_SENDER_EMAIL), "email");
    ck_assert_str_eq(sgw_sender_kind_name(SGW_SENDER_UNKNOWN), "unknown");
    ck_assert_str_eq(sgw_sender_kind_name((enum sgw_sender_kind)99), "unknown");
}
END_TEST

/* 256 bytes (SGW_SENDER_MAX) of one character, NUL-terminated. */
static void
fill(char *buf, char c)
{
    memset(buf, c, SGW_SENDER_MAX);
    buf[SGW_SENDER_MAX] = '\0';
}

START_TEST(test_max_length_inputs)
{
    char raw[SGW_SENDER_MAX + 1], out[SGW_SENDER_MAX + 1];
    enum sgw_sender_kind k;

    fill(raw, 'A');
    k = sgw_sender_normalise(raw, "US", out, sizeof out);
    ck_assert_msg(k == SGW_SENDER_UNKNOWN, "256 letters: %s", kind_str(k));
    ck_assert_str_eq(out, raw);

    fill(raw, '7');
    k = sgw_sender_normalise(raw, "US", out, sizeof out);
    ck_assert_msg(k == SGW_SENDER_UNKNOWN, "256 digits: %s", kind_str(k));
    ck_assert_str_eq(out, raw);

    /* 256-byte e-mail address: fits exactly with its NUL. */
    fill(raw, 'Q');
    memcpy(raw + SGW_SENDER_MAX - 12, "@EXAMPLE.COM", 12);
    k = sgw_sender_normalise(raw, NULL, out, sizeof out);
    ck_assert_msg(k == SGW_SENDER_EMAIL, "256-byte e-mail: %s", kind_str(k));
    ck_assert_uint_eq(strlen(out), SGW_SENDER_MAX);
    for (size_t i = 0; i < SGW_SENDER_MAX; i++)
        ck_assert_msg(out[i] == (char)tolower((unsigned char)raw[i]), "byte %zu: %c", i, out[i]);

    /* 256 bytes of which only the middle is the sender: trimmed to it. */
    fill(raw, ' ');
    memcpy(raw + 100, "7726", 4);
    k = sgw_sender_normalise(raw, "US", out, sizeof out);
    ck_assert_msg(k == SGW_SENDER_SHORT_CODE && strcmp(out, "7726") == 0, "padded: %s \"%s\"",
                  kind_str(k), out);
    memcpy(raw + 100, "+1 212 555 0100", 15);
    k = sgw_sender_normalise(raw, "US", out, sizeof out);
    ck_assert_msg(k == SGW_SENDER_PHONE && strcmp(out, "+12125550100") == 0, "padded: %s \"%s\"",
                  kind_str(k), out);

    /* 64 digits between separators: more than any phone number has. */
    fill(raw, '-');
    for (int i = 0; i < 64; i++)
        raw[2 * i + 1] = (char)('0' + i % 10);
    k = sgw_sender_normalise(raw, "US", out, sizeof out);
    ck_assert_msg(k == SGW_SENDER_UNKNOWN, "64 digits: %s \"%s\"", kind_str(k), out);
}
END_TEST

START_TEST(test_zero_outsz)
{
    char out[4] = "abc";
    ck_assert_int_eq(sgw_sender_normalise("AMAZON", NULL, out, 0), SGW_SENDER_UNKNOWN);
    ck_assert_str_eq(out, "abc");
}
END_TEST

/* Whatever the kind, nothing is written at or past out[outsz] and out is terminated inside it.
 * Every table row with every outsz from 1 to its normal form's length + 1. */
START_TEST(test_outsz_respected)
{
    for (size_t i = 0; i < NELEM(sender_cases); i++) {
        const struct sender_case *c = &sender_cases[i];
        size_t need = strlen(c->want) + 1;
        for (size_t outsz = 1; outsz <= need; outsz++) {
            char buf[SGW_SENDER_MAX + 64];
            memset(buf, 'x', sizeof buf);
            sgw_sender_normalise(c->raw, c->region, buf, outsz);
            for (size_t j = outsz; j < sizeof buf; j++)
                ck_assert_msg(buf[j] == 'x',
                              "\"%s\" with outsz %zu: wrote byte %zu ('%c'); out is \"%.*s\"",
                              c->raw, outsz, j, buf[j], (int)j + 1, buf);
            ck_assert_msg(memchr(buf, '\0', outsz) != NULL,
                          "\"%s\" with outsz %zu: no NUL inside the buffer", c->raw, outsz);
        }
    }
}
END_TEST

static Suite *
sender_suite(void)
{
    Suite *s = suite_create("sender");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(sender_cases));
    tcase_add_loop_test(tc, test_idempotent, 0, (int)NELEM(sender_cases));
    tcase_add_test(tc, test_kind_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, test_max_length_inputs);
    tcase_add_test(tc, test_zero_outsz);
    tcase_add_test(tc, test_outsz_respected);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(sender_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
