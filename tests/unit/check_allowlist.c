/* Unit tests for gateway/intake/allowlist.h and the analyst request bodies
 * (gateway/http/allowlist_body.h, gateway/http/verdict_body.h): a table of raw entries with the
 * kind and stored spelling they must get (senders exactly as intake normalises them, domains as
 * the indicator extractor writes them, with the xn-- spelling of IDNs), a table of entries that
 * must be refused, normalisation being idempotent, and the bodies' error codes and fields. */
#include "gateway/http/allowlist_body.h"
#include "gateway/http/verdict_body.h"
#include "gateway/intake/allowlist.h"
#include "gateway/intake/sender.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct entry_case {
    const char *raw;
    const char *region;
    enum sgw_allowlist_kind kind;
    const char *want;
    const char *alt; /* "" when none */
};

static const struct entry_case entry_cases[] = {
    {"(212) 555-0100", "US", SGW_ALLOW_PHONE, "+12125550100", ""},
    {"+1 212 555 0100", NULL, SGW_ALLOW_PHONE, "+12125550100", ""},
    {"212.555.0100", "US", SGW_ALLOW_PHONE, "+12125550100", ""},
    {"020 7946 0958", "GB", SGW_ALLOW_PHONE, "+442079460958", ""},
    {"  +44 20 7946 0958 ", "US", SGW_ALLOW_PHONE, "+442079460958", ""},
    {"7726", "US", SGW_ALLOW_SHORT_CODE, "7726", ""},
    {"12-345", NULL, SGW_ALLOW_SHORT_CODE, "12345", ""},
    {"1069012345678", "CN", SGW_ALLOW_SHORT_CODE, "1069012345678", ""},
    {"Help@Example.COM", NULL, SGW_ALLOW_EMAIL, "help@example.com", ""},
    {"Amazon", NULL, SGW_ALLOW_ALPHANUMERIC, "AMAZON", ""},
    {"MyBank24", "US", SGW_ALLOW_ALPHANUMERIC, "MYBANK24", ""},
    {"Example.COM", NULL, SGW_ALLOW_DOMAIN, "example.com", ""},
    {"example.com.", NULL, SGW_ALLOW_DOMAIN, "example.com", ""},
    {"www.example.co.uk", NULL, SGW_ALLOW_DOMAIN, "example.co.uk", ""},
    {"pay.x.top", NULL, SGW_ALLOW_DOMAIN, "x.top", ""},
    {"ｅｘａｍｐｌｅ．ｃｏｍ", NULL, SGW_ALLOW_DOMAIN, "example.com", ""},
    {"my-shop.github.io", NULL, SGW_ALLOW_DOMAIN, "my-shop.github.io", ""},
    {"203.0.113.7", NULL, SGW_ALLOW_DOMAIN, "203.0.113.7", ""},
    {"САЙТ.РФ", NULL, SGW_ALLOW_DOMAIN, "сайт.рф", "xn--80aswg.xn--p1ai"},
    {"xn--80aswg.xn--p1ai", NULL, SGW_ALLOW_DOMAIN, "сайт.рф", "xn--80aswg.xn--p1ai"},
    {"bücher.de", NULL, SGW_ALLOW_DOMAIN, "bücher.de", "xn--bcher-kva.de"},
};

START_TEST(test_entries)
{
    const struct entry_case *c = &entry_cases[_i];
    struct sgw_allowlist_entry e;
    struct sgw_error err = {0};
    int rc = sgw_allowlist_normalise(c->raw, c->region, &e, &err);
    ck_assert_msg(rc == 0, "\"%s\": refused: %s", c->raw, err.message);
    ck_assert_msg(e.kind == c->kind, "\"%s\": kind %s, want %s", c->raw,
                  sgw_allowlist_kind_name(e.kind), sgw_allowlist_kind_name(c->kind));
    ck_assert_str_eq(e.entry, c->want);
    ck_assert_str_eq(e.alt, c->alt);

    /* Idempotent: the stored spelling normalises to itself, and so does the other one. */
    struct sgw_allowlist_entry again;
    ck_assert_int_eq(sgw_allowlist_normalise(e.entry, c->region, &again, &err), 0);
    ck_assert_str_eq(again.entry, e.entry);
    ck_assert_int_eq(again.kind, e.kind);
    if (e.alt[0]) {
        ck_assert_int_eq(sgw_allowlist_normalise(e.alt, c->region, &again, &err), 0);
        ck_assert_str_eq(again.entry, e.entry);
    }
}
END_TEST

/* A sender entry is spelled exactly as intake spells the same sender. */
START_TEST(test_senders_match_intake)
{
    const struct entry_case *c = &entry_cases[_i];
    if (c->kind == SGW_ALLOW_DOMAIN)
        return;
    char norm[SGW_SENDER_MAX + 1];
    struct sgw_allowlist_entry e;
    struct sgw_error err;
    sgw_sender_normalise(c->raw, c->region, norm, sizeof norm);
    ck_assert_int_eq(sgw_allowlist_normalise(c->raw, c->region, &e, &err), 0);
    ck_assert_str_eq(e.entry, norm);
}
END_TEST

static const struct {
    const char *raw;
    const char *region;
} refused[] = {
    {"", NULL},
    {"   ", NULL},
    {"(212) 555-0100", NULL}, /* a national number needs a country */
    {"12345678901234567890123", "US"},
    {"hello world!", NULL},
    {"a@b", NULL},
    {"x@y@z.com", NULL},
    {"https://example.com/login", NULL},
    {"example.com/path", NULL},
    {"co.uk", NULL},
    {"com.", NULL},
    {"example.notatld", NULL},
    {"-bad-.com", NULL},
    {"a..com", NULL},
    {"exa_mple.com", NULL},
    {"line\nbreak.com", NULL},
    {"ThisIsTooLongForAnId", NULL},
    {"999.1.1.1", NULL},
};

START_TEST(test_refused)
{
    struct sgw_allowlist_entry e;
    struct sgw_error err = {0};
    ck_assert_msg(sgw_allowlist_normalise(refused[_i].raw, refused[_i].region, &e, &err) == -1,
                  "\"%s\": accepted as %s \"%s\"", refused[_i].raw, sgw_allowlist_kind_name(e.kind),
                  e.entry);
    ck_assert_str_eq(err.code, "invalid_field");
    ck_assert_str_eq(err.field, "entry");
    ck_assert(err.message[0] != '\0');
}
END_TEST

START_TEST(test_too_long)
{
    char big[400];
    memset(big, 'a', sizeof big - 5);
    memcpy(big + sizeof big - 5, ".com", 5);
    struct sgw_allowlist_entry e;
    struct sgw_error err;
    ck_assert_int_eq(sgw_allowlist_normalise(big, NULL, &e, &err), -1);
    ck_assert_str_eq(err.field, "entry");
}
END_TEST

/* ---- POST /v1/allowlist bodies ---- */

static const struct {
    const char *body;
    const char *code; /* NULL: accepted */
    const char *field;
    const char *entry;
} allow_bodies[] = {
    {"{\"entry\":\"(212) 555-0100\",\"country\":\"us\"}", NULL, NULL, "+12125550100"},
    {"{\"entry\":\"(212) 555-0100\"}", NULL, NULL, "+12125550100"}, /* default region US */
    {"{\"entry\":\"(020) 7946 0958\",\"country\":\"GB\",\"note\":\"ok\"}", NULL, NULL,
     "+442079460958"},
    {"{\"entry\":\"x.top\",\"note\":null}", NULL, NULL, "x.top"},
    {"", "invalid_json", NULL, NULL},
    {"[1]", "invalid_json", NULL, NULL},
    {"{\"entry\":\"x.top\",", "invalid_json", NULL, NULL},
    {"{}", "missing_field", "entry", NULL},
    {"{\"entry\":null}", "missing_field", "entry", NULL},
    {"{\"entry\":5}", "invalid_field", "entry", NULL},
    {"{\"entry\":\"nope, nope\"}", "invalid_field", "entry", NULL},
    {"{\"entry\":\"x.top\",\"kind\":\"domain\"}", "unknown_field", "kind", NULL},
    {"{\"entry\":\"x.top\",\"country\":\"XX\"}", "invalid_field", "country", NULL},
    {"{\"entry\":\"x.top\",\"country\":\"USA\"}", "invalid_field", "country", NULL},
    {"{\"entry\":\"x.top\",\"note\":\"a\\u0000b\"}", "invalid_field", "note", NULL},
    {"{\"entry\":\"x.top\",\"note\":7}", "invalid_field", "note", NULL},
    {"{\"entry\":\"x.top\",\"entry\":\"y.top\"}", "invalid_json", NULL, NULL},
};

START_TEST(test_allowlist_bodies)
{
    struct sgw_allowlist_in in;
    struct sgw_error err = {0};
    const char *b = allow_bodies[_i].body;
    int rc = sgw_allowlist_parse(b, strlen(b), "US", &in, &err);
    if (allow_bodies[_i].code == NULL) {
        ck_assert_msg(rc == 0, "%s: %s %s", b, err.code, err.message);
        ck_assert_str_eq(in.e.entry, allow_bodies[_i].entry);
    } else {
        ck_assert_msg(rc == -1, "%s: accepted", b);
        ck_assert_str_eq(err.code, allow_bodies[_i].code);
        ck_assert_str_eq(err.field, allow_bodies[_i].field ? allow_bodies[_i].field : "");
    }
    sgw_allowlist_in_fini(&in);
}
END_TEST

START_TEST(test_allowlist_note_bounds)
{
    char body[4200];
    char note[3100];
    struct sgw_allowlist_in in;
    struct sgw_error err;
    /* 1000 characters (three bytes each) is the limit, 1001 is over it. */
    for (int n = 1000; n <= 1001; n++) {
        note[0] = '\0';
        for (int i = 0; i < n; i++)
            strcat(note, "深");
        snprintf(body, sizeof body, "{\"entry\":\"x.top\",\"note\":\"%s\"}", note);
        int rc = sgw_allowlist_parse(body, strlen(body), NULL, &in, &err);
        if (n == 1000) {
            ck_assert_int_eq(rc, 0);
            ck_assert_str_eq(in.note, note);
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_str_eq(err.field, "note");
        }
        sgw_allowlist_in_fini(&in);
    }
}
END_TEST

/* ---- PATCH /v1/campaigns/{id} bodies ---- */

static const struct {
    const char *body;
    const char *code;
    const char *field;
    const char *status;
    const char *expected;
    const char *note; /* NULL: none */
} verdict_bodies[] = {
    {"{\"status\":\"blocked\"}", NULL, NULL, "blocked", "", NULL},
    {"{\"status\":\"false_positive\",\"note\":\"bank's own\\nmessage\"}", NULL, NULL,
     "false_positive", "", "bank's own\nmessage"},
    {"{\"status\":\"confirmed\",\"expected_status\":\"open\",\"note\":\"  \"}", NULL, NULL,
     "confirmed", "open", NULL},
    {"{\"status\":\"open\",\"note\":null,\"expected_status\":null}", NULL, NULL, "open", "", NULL},
    {"", "invalid_json", NULL, NULL, NULL, NULL},
    {"null", "invalid_json", NULL, NULL, NULL, NULL},
    {"{\"status\":\"blocked\"", "invalid_json", NULL, NULL, NULL, NULL},
    {"{}", "missing_field", "status", NULL, NULL, NULL},
    {"{\"note\":\"x\"}", "missing_field", "status", NULL, NULL, NULL},
    {"{\"status\":\"BLOCKED\"}", "invalid_field", "status", NULL, NULL, NULL},
    {"{\"status\":\"closed\"}", "invalid_field", "status", NULL, NULL, NULL},
    {"{\"status\":1}", "invalid_field", "status", NULL, NULL, NULL},
    {"{\"status\":\"blocked\",\"expected_status\":\"gone\"}", "invalid_field", "expected_status",
     NULL, NULL, NULL},
    {"{\"status\":\"blocked\",\"reason\":\"x\"}", "unknown_field", "reason", NULL, NULL, NULL},
    {"{\"status\":\"blocked\",\"note\":\"bell\\u0007\"}", "invalid_field", "note", NULL, NULL,
     NULL},
    {"{\"status\":\"blocked\",\"note\":[\"x\"]}", "invalid_field", "note", NULL, NULL, NULL},
};

START_TEST(test_verdict_bodies)
{
    struct sgw_verdict_in in;
    struct sgw_error err = {0};
    const char *b = verdict_bodies[_i].body;
    int rc = sgw_verdict_parse(b, strlen(b), &in, &err);
    if (verdict_bodies[_i].code == NULL) {
        ck_assert_msg(rc == 0, "%s: %s %s", b, err.code, err.message);
        ck_assert_str_eq(in.status, verdict_bodies[_i].status);
        ck_assert_str_eq(in.expected, verdict_bodies[_i].expected);
        if (verdict_bodies[_i].note)
            ck_assert_str_eq(in.note, verdict_bodies[_i].note);
        else
            ck_assert_ptr_null(in.note);
    } else {
        ck_assert_msg(rc == -1, "%s: accepted", b);
        ck_assert_str_eq(err.code, verdict_bodies[_i].code);
        ck_assert_str_eq(err.field, verdict_bodies[_i].field ? verdict_bodies[_i].field : "");
    }
    sgw_verdict_in_fini(&in);
}
END_TEST

START_TEST(test_verdict_note_bounds)
{
    char body[1200];
    struct sgw_verdict_in in;
    struct sgw_error err;
    for (int n = 1000; n <= 1001; n++) {
        int k = snprintf(body, sizeof body, "{\"status\":\"blocked\",\"note\":\"");
        memset(body + k, 'n', (size_t)n);
        snprintf(body + k + n, sizeof body - (size_t)(k + n), "\"}");
        int rc = sgw_verdict_parse(body, strlen(body), &in, &err);
        ck_assert_int_eq(rc, n == 1000 ? 0 : -1);
        if (rc == 0)
            ck_assert_uint_eq(strlen(in.note), 1000);
        else
            ck_assert_str_eq(err.field, "note");
        sgw_verdict_in_fini(&in);
    }
    ck_assert(sgw_campaign_status_valid("false_positive"));
    ck_assert(!sgw_campaign_status_valid("False_Positive"));
    ck_assert(!sgw_campaign_status_valid(""));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("allowlist");
    TCase *tc = tcase_create("entries");
    tcase_add_loop_test(tc, test_entries, 0, (int)NELEM(entry_cases));
    tcase_add_loop_test(tc, test_senders_match_intake, 0, (int)NELEM(entry_cases));
    tcase_add_loop_test(tc, test_refused, 0, (int)NELEM(refused));
    tcase_add_test(tc, test_too_long);
    suite_add_tcase(s, tc);
    tc = tcase_create("bodies");
    tcase_add_loop_test(tc, test_allowlist_bodies, 0, (int)NELEM(allow_bodies));
    tcase_add_test(tc, test_allowlist_note_bounds);
    tcase_add_loop_test(tc, test_verdict_bodies, 0, (int)NELEM(verdict_bodies));
    tcase_add_test(tc, test_verdict_note_bounds);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
