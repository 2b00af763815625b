/* Unit tests for sgw_report_parse_json (gateway/intake/report.h, report_json.c): a table of
 * request bodies with the error code and field each must give (or the report it must build),
 * length limits counted in characters, received_at against a fixed server time, reporter
 * pseudonyms against HMAC-SHA256 values computed independently (Python's hmac), and the small
 * helpers (channel names, UTF-8 character count). Time is always a parameter here. */
#include "gateway/intake/pseudonym.h"
#include "gateway/intake/report.h"
#include "tests/support/suite.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Server time for every parse: 2024-05-01T12:00:00Z. */
#define NOW_US INT64_C(1714564800000000)
#define MINUTE_US INT64_C(60000000)

static const char test_secret[] = "spamgw-unit-test-secret";
static const struct sgw_intake_ctx ctx = {(const unsigned char *)test_secret,
                                          sizeof test_secret - 1, "US"};

/* HMAC-SHA256("spamgw-unit-test-secret", "+12125550199"), lower-case hex. */
#define PSEUDONYM_12125550199 "85ee981817703a791608746ceb16490f349138bc3ce4c63c722b0fc6e299f488"

#define ABSENT "-" /* expected string member: NULL / empty in the report */
/* Expected enum members are stored plus one so that 0 (the default) means "not checked". */
#define WANT(e) ((int)(e) + 1)

enum { RAT_SKIP = 0, RAT_ABSENT, RAT_SET };

struct json_case {
    const char *body;
    const char *code;  /* NULL: must be accepted */
    const char *field; /* err.field when rejected */
    /* Checked only when accepted; NULL / 0 / RAT_SKIP: not checked. */
    const char *content;
    const char *sender; /* normal form */
    int kind;           /* WANT(enum sgw_sender_kind) */
    int channel;        /* WANT(enum sgw_channel) */
    const char *country;
    const char *city;
    int rat; /* RAT_* */
    int64_t received_at;
};

/* clang-format off */
#define OK(body_, ...) {.body = body_, __VA_ARGS__}
#define BAD(body_, code_, field_) {.body = body_, .code = code_, .field = field_}
/* clang-format on */

static const struct json_case json_cases[] = {
    /* Minimal report: everything else defaults. */
    OK("{\"content\":\"Your parcel is waiting\"}", .content = "Your parcel is waiting",
       .sender = ABSENT, .kind = WANT(SGW_SENDER_UNKNOWN), .channel = WANT(SGW_CHANNEL_SMS),
       .country = ABSENT, .city = ABSENT, .rat = RAT_ABSENT),
    OK(" \n {\"content\":\"x\"} \n", .content = "x"),
    OK("{\"content\":\" padded \"}", .content = " padded "), /* content is kept as sent */
    OK("{\"content\":\"line 1\\nline 2\\r\\n\\tend\"}", .content = "line 1\nline 2\r\n\tend"),
    OK("{\"content\":\"caf\\u00e9 \\u4e2d \\ud83d\\ude00\"}",
       .content = "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"),
    /* Every optional member null: the same as absent. */
    OK("{\"content\":\"x\",\"sender\":null,\"channel\":null,\"received_at\":null,\"city\":null,"
       "\"country\":null,\"reporter\":null}",
       .content = "x", .sender = ABSENT, .channel = WANT(SGW_CHANNEL_SMS), .country = ABSENT,
       .city = ABSENT, .rat = RAT_ABSENT),
    /* Channels. */
    OK("{\"content\":\"x\",\"channel\":\"sms\"}", .channel = WANT(SGW_CHANNEL_SMS)),
    OK("{\"content\":\"x\",\"channel\":\"imessage\"}", .channel = WANT(SGW_CHANNEL_IMESSAGE)),
    OK("{\"content\":\"x\",\"channel\":\"rcs\"}", .channel = WANT(SGW_CHANNEL_RCS)),
    OK("{\"content\":\"x\",\"channel\":\"mms\"}", .channel = WANT(SGW_CHANNEL_MMS)),
    OK("{\"content\":\"x\",\"channel\":\"call\"}", .channel = WANT(SGW_CHANNEL_CALL)),
    OK("{\"content\":\"x\",\"channel\":\"other\"}", .channel = WANT(SGW_CHANNEL_OTHER)),
    /* Senders, normalised with the report's country or the default region. */
    OK("{\"content\":\"x\",\"sender\":\"(212) 555-0100\"}", .sender = "+12125550100",
       .kind = WANT(SGW_SENDER_PHONE)),
    OK("{\"content\":\"x\",\"sender\":\"020 7946 0958\",\"country\":\"gb\"}",
       .sender = "+442079460958", .kind = WANT(SGW_SENDER_PHONE), .country = "GB"),
    OK("{\"content\":\"x\",\"sender\":\"7726\"}", .sender = "7726",
       .kind = WANT(SGW_SENDER_SHORT_CODE)),
    OK("{\"content\":\"x\",\"sender\":\"10690000123\",\"country\":\"cn\"}", .sender = "10690000123",
       .kind = WANT(SGW_SENDER_SHORT_CODE), .country = "CN"),
    OK("{\"content\":\"x\",\"sender\":\"amazon\"}", .sender = "AMAZON",
       .kind = WANT(SGW_SENDER_ALPHANUMERIC)),
    OK("{\"content\":\"x\",\"sender\":\"Fake.Bank@iCloud.com\"}", .sender = "fake.bank@icloud.com",
       .kind = WANT(SGW_SENDER_EMAIL)),
    OK("{\"content\":\"x\",\"sender\":\"win a prize now!!\"}", .sender = "win a prize now!!",
       .kind = WANT(SGW_SENDER_UNKNOWN)),
    /* Country and city. */
    OK("{\"content\":\"x\",\"country\":\"us\"}", .country = "US"),
    OK("{\"content\":\"x\",\"country\":\"Cn\"}", .country = "CN"),
    OK("{\"content\":\"x\",\"city\":\"  Springfield  \"}", .city = "Springfield"),
    OK("{\"content\":\"x\",\"city\":\"S\\u00e3o Paulo\"}", .city = "S\xc3\xa3o Paulo"),
    OK("{\"content\":\"x\",\"city\":\"   \"}", .city = ABSENT),
    OK("{\"content\":\"x\",\"city\":\"\"}", .city = ABSENT),
    /* received_at: any past instant, the future up to 5 minutes after now inclusive. */
    OK("{\"content\":\"x\",\"received_at\":\"2024-05-01T11:00:00Z\"}", .rat = RAT_SET,
       .received_at = NOW_US - 60 * MINUTE_US),
    OK("{\"content\":\"x\",\"received_at\":\"2024-05-01T12:04:00Z\"}", .rat = RAT_SET,
       .received_at = NOW_US + 4 * MINUTE_US),
    OK("{\"content\":\"x\",\"received_at\":\"2024-05-01T20:04:00+08:00\"}", .rat = RAT_SET,
       .received_at = NOW_US + 4 * MINUTE_US),
    OK("{\"content\":\"x\",\"received_at\":\"2024-05-01T12:05:00Z\"}", .rat = RAT_SET,
       .received_at = NOW_US + 5 * MINUTE_US),
    OK("{\"content\":\"x\",\"received_at\":\"1970-01-01T00:00:00Z\"}", .rat = RAT_SET,
       .received_at = 0),

    /* Not a JSON object. */
    BAD("", "invalid_json", ""),
    BAD("   ", "invalid_json", ""),
    BAD("[]", "invalid_json", ""),
    BAD("[{\"content\":\"x\"}]", "invalid_json", ""),
    BAD("\"content\"", "invalid_json", ""),
    BAD("42", "invalid_json", ""),
    BAD("null", "invalid_json", ""),
    BAD("{", "invalid_json", ""),
    BAD("{\"content\":\"x\"", "invalid_json", ""),
    BAD("{\"content\":\"x\",}", "invalid_json", ""),
    BAD("{'content':'x'}", "invalid_json", ""),
    BAD("{\"content\":\"x\"} {}", "invalid_json", ""),
    BAD("{\"content\":\"x\"}x", "invalid_json", ""),
    BAD("{\"content\":\"\xff\xfe\"}", "invalid_json", ""), /* not UTF-8 */
    BAD("{\"content\":\"\\ud83d\"}", "invalid_json", ""),  /* lone surrogate */
    BAD("{\"content\":\"a\",\"content\":\"b\"}", "invalid_json", ""),
    BAD("{\"content\":\"a\",\"city\":\"x\",\"city\":\"x\"}", "invalid_json", ""),
    BAD("{\"content\\u0000\":\"a\"}", "invalid_json", ""),
    /* Unknown members, checked before anything else. */
    BAD("{\"content\":\"x\",\"extra\":1}", "unknown_field", "extra"),
    BAD("{\"bogus\":true}", "unknown_field", "bogus"),
    BAD("{\"Content\":\"x\"}", "unknown_field", "Content"),
    BAD("{\"content\":\"x\",\"reporter_id\":\"1\"}", "unknown_field", "reporter_id"),
    BAD("{\"content\":5,\"id\":7}", "unknown_field", "id"),
    /* content. */
    BAD("{}", "missing_field", "content"),
    BAD("{\"content\":null}", "missing_field", "content"),
    BAD("{\"sender\":\"7726\"}", "missing_field", "content"),
    BAD("{\"content\":5}", "invalid_field", "content"),
    BAD("{\"content\":true}", "invalid_field", "content"),
    BAD("{\"content\":[\"x\"]}", "invalid_field", "content"),
    BAD("{\"content\":{\"text\":\"x\"}}", "invalid_field", "content"),
    BAD("{\"content\":\"\"}", "invalid_field", "content"),
    BAD("{\"content\":\" \\n\\t\\r \"}", "invalid_field", "content"),
    BAD("{\"content\":\"\\u0000\"}", "invalid_field", "content"),
    BAD("{\"content\":\"ab\\u0000cd\"}", "invalid_field", "content"),
    /* channel. */
    BAD("{\"content\":\"x\",\"channel\":\"fax\"}", "invalid_field", "channel"),
    BAD("{\"content\":\"x\",\"channel\":\"\"}", "invalid_field", "channel"),
    BAD("{\"content\":\"x\",\"channel\":1}", "invalid_field", "channel"),
    BAD("{\"content\":\"x\",\"channel\":\"sms\\u0000\"}", "invalid_field", "channel"),
    /* country. */
    BAD("{\"content\":\"x\",\"country\":\"XX\"}", "invalid_field", "country"),
    BAD("{\"content\":\"x\",\"country\":\"UK\"}", "invalid_field", "country"),
    BAD("{\"content\":\"x\",\"country\":\"USA\"}", "invalid_field", "country"),
    BAD("{\"content\":\"x\",\"country\":\"\"}", "invalid_field", "country"),
    BAD("{\"content\":\"x\",\"country\":1}", "invalid_field", "country"),
    BAD("{\"content\":\"x\",\"country\":\"U\\u0000\"}", "invalid_field", "country"),
    /* received_at. */
    BAD("{\"content\":\"x\",\"received_at\":\"2024-05-01\"}", "invalid_field", "received_at"),
    BAD("{\"content\":\"x\",\"received_at\":\"yesterday\"}", "invalid_field", "received_at"),
    BAD("{\"content\":\"x\",\"received_at\":1714564800}", "invalid_field", "received_at"),
    BAD("{\"content\":\"x\",\"received_at\":\"2024-05-01T12:05:00.000001Z\"}", "invalid_field",
        "received_at"),
    BAD("{\"content\":\"x\",\"received_at\":\"2024-05-01T12:06:00Z\"}", "invalid_field",
        "received_at"),
    BAD("{\"content\":\"x\",\"received_at\":\"2030-01-01T00:00:00Z\"}", "invalid_field",
        "received_at"),
    BAD("{\"content\":\"x\",\"received_at\":\"1969-12-31T23:59:59Z\"}", "invalid_field",
        "received_at"),
    /* city. */
    BAD("{\"content\":\"x\",\"city\":\"Spring\\nfield\"}", "invalid_field", "city"),
    BAD("{\"content\":\"x\",\"city\":\"Spring\\tfield\"}", "invalid_field", "city"),
    BAD("{\"content\":\"x\",\"city\":\"x\\u007f\"}", "invalid_field", "city"),
    BAD("{\"content\":\"x\",\"city\":5}", "invalid_field", "city"),
    /* sender. */
    BAD("{\"content\":\"x\",\"sender\":\"\"}", "invalid_field", "sender"),
    BAD("{\"content\":\"x\",\"sender\":\"   \"}", "invalid_field", "sender"),
    BAD("{\"content\":\"x\",\"sender\":\"77\\u000726\"}", "invalid_field", "sender"),
    BAD("{\"content\":\"x\",\"sender\":\"77\\u000026\"}", "invalid_field", "sender"),
    BAD("{\"content\":\"x\",\"sender\":7726}", "invalid_field", "sender"),
    /* reporter. */
    BAD("{\"content\":\"x\",\"reporter\":\"hello\"}", "invalid_field", "reporter"),
    BAD("{\"content\":\"x\",\"reporter\":\"\"}", "invalid_field", "reporter"),
    BAD("{\"content\":\"x\",\"reporter\":\"7726\"}", "invalid_field", "reporter"),
    BAD("{\"content\":\"x\",\"reporter\":\"555-0100\"}", "invalid_field", "reporter"),
    BAD("{\"content\":\"x\",\"reporter\":12125550199}", "invalid_field", "reporter"),
    BAD("{\"content\":\"x\",\"reporter\":\"+1 212 555 0199\\n\"}", "invalid_field", "reporter"),
};

static void
check_accepted(int i, const struct json_case *c, const struct sgw_report *r)
{
    ck_assert_msg(r->ingested_at == NOW_US, "case %d: ingested_at %lld", i,
                  (long long)r->ingested_at);
    ck_assert_msg(r->source != NULL && strcmp(r->source, "api") == 0, "case %d: source %s", i,
                  r->source ? r->source : "NULL");
    ck_assert_msg(r->content != NULL, "case %d: no content", i);
    if (c->content)
        ck_assert_msg(strcmp(r->content, c->content) == 0, "case %d: content \"%s\", want \"%s\"",
                      i, r->content, c->content);
    if (c->sender && strcmp(c->sender, ABSENT) == 0) {
        ck_assert_msg(r->sender == NULL && r->sender_raw == NULL, "case %d: sender \"%s\"", i,
                      r->sender);
    } else if (c->sender) {
        ck_assert_msg(r->sender != NULL && strcmp(r->sender, c->sender) == 0,
                      "case %d: sender \"%s\", want \"%s\"", i, r->sender ? r->sender : "NULL",
                      c->sender);
        ck_assert_msg(r->sender_raw != NULL, "case %d: sender_raw missing", i);
    }
    if (c->kind)
        ck_assert_msg(WANT(r->sender_kind) == c->kind, "case %d: kind %s, want %s", i,
                      sgw_sender_kind_name(r->sender_kind),
                      sgw_sender_kind_name((enum sgw_sender_kind)(c->kind - 1)));
    if (c->channel)
        ck_assert_msg(WANT(r->channel) == c->channel, "case %d: channel %s, want %s", i,
                      sgw_channel_name(r->channel),
                      sgw_channel_name((enum sgw_channel)(c->channel - 1)));
    if (c->country) {
        const char *want = strcmp(c->country, ABSENT) == 0 ? "" : c->country;
        ck_assert_msg(strcmp(r->country, want) == 0, "case %d: country \"%s\", want \"%s\"", i,
                      r->country, want);
    }
    if (c->city && strcmp(c->city, ABSENT) == 0)
        ck_assert_msg(r->city == NULL, "case %d: city \"%s\", want none", i, r->city);
    else if (c->city)
        ck_assert_msg(r->city != NULL && strcmp(r->city, c->city) == 0,
                      "case %d: city \"%s\", want \"%s\"", i, r->city ? r->city : "NULL", c->city);
    if (c->rat == RAT_ABSENT)
        ck_assert_msg(!r->has_received_at, "case %d: received_at set", i);
    else if (c->rat == RAT_SET)
        ck_assert_msg(r->has_received_at && r->received_at == c->received_at,
                      "case %d: received_at %d/%lld, want %lld", i, r->has_received_at,
                      (long long)r->received_at, (long long)c->received_at);
    ck_assert_msg(r->reporter[0] == '\0', "case %d: reporter \"%s\" without a reporter", i,
                  r->reporter);
}

START_TEST(test_table)
{
    const struct json_case *c = &json_cases[_i];
    struct sgw_report *r = (struct sgw_report *)&r; /* must be overwritten */
    struct sgw_error err;
    memset(&err, 0, sizeof err);

    int rc = sgw_report_parse_json(c->body, strlen(c->body), &ctx, NOW_US, &r, &err);
    if (c->code == NULL) {
        ck_assert_msg(rc == 0, "case %d %s: rejected %s/%s: %s", _i, c->body,
                      err.code ? err.code : "NULL", err.field, err.message);
        ck_assert_ptr_nonnull(r);
        check_accepted(_i, c, r);
    } else {
        ck_assert_msg(rc == -1, "case %d %s: accepted, want %s/%s", _i, c->body, c->code, c->field);
        ck_assert_msg(r == NULL, "case %d: *out not NULL after a rejection", _i);
        ck_assert_msg(err.code != NULL && strcmp(err.code, c->code) == 0 &&
                          strcmp(err.field, c->field) == 0,
                      "case %d %s: got %s/\"%s\" (%s), want %s/\"%s\"", _i, c->body,
                      err.code ? err.code : "NULL", err.field, err.message, c->code, c->field);
        ck_assert_msg(err.message[0] != '\0', "case %d: empty error message", _i);
    }
    sgw_report_free(r);
}
END_TEST

START_TEST(test_uses_len_not_nul)
{
    static const char body[] = "{\"content\":\"x\"}trailing garbage";
    struct sgw_report *r = NULL;
    struct sgw_error err;
    ck_assert_int_eq(sgw_report_parse_json(body, 15, &ctx, NOW_US, &r, &err), 0);
    ck_assert_str_eq(r->content, "x");
    sgw_report_free(r);
    ck_assert_int_eq(sgw_report_parse_json(body, strlen(body), &ctx, NOW_US, &r, &err), -1);
    ck_assert_str_eq(err.code, "invalid_json");
    /* A raw NUL byte inside the counted body is not JSON. */
    ck_assert_int_eq(sgw_report_parse_json("{\"content\":\"x\"}\0", 16, &ctx, NOW_US, &r, &err),
                     -1);
    ck_assert_str_eq(err.code, "invalid_json");
}
END_TEST

START_TEST(test_deep_nesting)
{
    enum { DEPTH = 100000 };
    char *body = malloc(2 * DEPTH + 1);
    struct sgw_report *r = NULL;
    struct sgw_error err;
    memset(body, '[', DEPTH);
    memset(body + DEPTH, ']', DEPTH);
    body[2 * DEPTH] = '\0';
    ck_assert_int_eq(sgw_report_parse_json(body, 2 * DEPTH, &ctx, NOW_US, &r, &err), -1);
    ck_assert_str_eq(err.code, "invalid_json");
    free(body);
}
END_TEST

/* Parses {"<name>":"<value>","content":"x"} (or just content) built at run time. */
static int
parse_member(const char *name, const char *value, struct sgw_report **r, struct sgw_error *err)
{
    size_t cap = strlen(value) + 64;
    char *body = malloc(cap);
    if (strcmp(name, "content") == 0)
        snprintf(body, cap, "{\"content\":\"%s\"}", value);
    else
        snprintf(body, cap, "{\"content\":\"x\",\"%s\":\"%s\"}", name, value);
    memset(err, 0, sizeof *err);
    int rc = sgw_report_parse_json(body, strlen(body), &ctx, NOW_US, r, err);
    free(body);
    return rc;
}

/* n copies of the UTF-8 (or escaped) unit u. */
static char *
repeat(const char *u, size_t n)
{
    size_t ul = strlen(u);
    char *s = malloc(ul * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ul, u, ul);
    s[ul * n] = '\0';
    return s;
}

struct limit_case {
    const char *member;
    const char *unit;  /* one character, as written in the JSON string */
    size_t unit_bytes; /* its UTF-8 length once decoded */
    size_t max;        /* characters */
};

static const struct limit_case limit_cases[] = {
    {"content", "\xe4\xb8\xad", 3, SGW_CONTENT_MAX_CHARS}, /* 中 */
    {"content", "\\u4e2d", 3, SGW_CONTENT_MAX_CHARS},      /* 中 escaped */
    {"content", "a", 1, SGW_CONTENT_MAX_CHARS},
    {"content", "\xf0\x9f\x98\x80", 4, SGW_CONTENT_MAX_CHARS}, /* 😀 */
    {"city", "\xe4\xb8\xad", 3, SGW_CITY_MAX_CHARS},
    {"city", "a", 1, SGW_CITY_MAX_CHARS},
    {"city", "\xc3\xa9", 2, SGW_CITY_MAX_CHARS},
};

/* Exactly max characters are accepted, max + 1 refused with invalid_field on that member. */
START_TEST(test_char_limits)
{
    const struct limit_case *c = &limit_cases[_i];
    struct sgw_report *r = NULL;
    struct sgw_error err;

    char *v = repeat(c->unit, c->max);
    int rc = parse_member(c->member, v, &r, &err);
    ck_assert_msg(rc == 0, "%s of %zu x \"%s\": rejected %s/%s: %s", c->member, c->max, c->unit,
                  err.code, err.field, err.message);
    const char *got = strcmp(c->member, "content") == 0 ? r->content : r->city;
    ck_assert_msg(got != NULL && strlen(got) == c->max * c->unit_bytes,
                  "%s of %zu x \"%s\": stored %zu bytes, want %zu", c->member, c->max, c->unit,
                  got ? strlen(got) : 0, c->max * c->unit_bytes);
    sgw_report_free(r);
    free(v);

    v = repeat(c->unit, c->max + 1);
    rc = parse_member(c->member, v, &r, &err);
    ck_assert_msg(rc == -1, "%s of %zu x \"%s\": accepted", c->member, c->max + 1, c->unit);
    ck_assert_str_eq(err.code, "invalid_field");
    ck_assert_str_eq(err.field, c->member);
    ck_assert_ptr_null(r);
    free(v);
}
END_TEST

START_TEST(test_sender_byte_limit)
{
    struct sgw_report *r = NULL;
    struct sgw_error err;

    char *v = repeat("A", SGW_SENDER_MAX);
    ck_assert_int_eq(parse_member("sender", v, &r, &err), 0);
    ck_assert_uint_eq(strlen(r->sender_raw), SGW_SENDER_MAX);
    ck_assert_str_eq(r->sender, v);
    ck_assert_int_eq(r->sender_kind, SGW_SENDER_UNKNOWN);
    sgw_report_free(r);
    free(v);

    v = repeat("A", SGW_SENDER_MAX + 1);
    ck_assert_int_eq(parse_member("sender", v, &r, &err), -1);
    ck_assert_str_eq(err.code, "invalid_field");
    ck_assert_str_eq(err.field, "sender");
    free(v);

    /* The limit is in bytes: 86 three-byte characters are 258 bytes. */
    v = repeat("\xe4\xb8\xad", 86);
    ck_assert_int_eq(parse_member("sender", v, &r, &err), -1);
    ck_assert_str_eq(err.field, "sender");
    free(v);
}
END_TEST

static int
is_lower_hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (const char *p = s; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    }
    return 1;
}

struct reporter_case {
    const char *reporter;
    const char *country; /* NULL: member absent, the default region US applies */
    const char *want;
};

static const struct reporter_case reporter_cases[] = {
    {"+12125550199", NULL, PSEUDONYM_12125550199},
    {"+12125550199", "US", PSEUDONYM_12125550199},
    {"+12125550199", "CN", PSEUDONYM_12125550199}, /* '+' beats the country */
    {"(212) 555-0199", "US", PSEUDONYM_12125550199},
    {"(212) 555-0199", "us", PSEUDONYM_12125550199},
    {"(212) 555-0199", NULL, PSEUDONYM_12125550199},
    {"212.555.0199", "US", PSEUDONYM_12125550199},
    {"001 212 555 0199", "GB", PSEUDONYM_12125550199},
    {"+1 212 555 0198", NULL, "001812391961d27639ec49600720db782bba99d414817a89b6d51dd736be31ae"},
    {"020 7946 0958", "GB", "f9184fdbacef1e92f839035229592cee4d5b7e87192c2a02d7265e2ca50d1009"},
};

START_TEST(test_reporter_pseudonym)
{
    const struct reporter_case *c = &reporter_cases[_i];
    char body[256];
    struct sgw_report *r = NULL;
    struct sgw_error err;

    if (c->country)
        snprintf(body, sizeof body, "{\"content\":\"x\",\"reporter\":\"%s\",\"country\":\"%s\"}",
                 c->reporter, c->country);
    else
        snprintf(body, sizeof body, "{\"content\":\"x\",\"reporter\":\"%s\"}", c->reporter);
    memset(&err, 0, sizeof err);
    int rc = sgw_report_parse_json(body, strlen(body), &ctx, NOW_US, &r, &err);
    ck_assert_msg(rc == 0, "%s: rejected %s/%s: %s", body, err.code, err.field, err.message);
    ck_assert_msg(is_lower_hex64(r->reporter), "%s: reporter \"%s\" is not 64 hex", body,
                  r->reporter);
    ck_assert_msg(strcmp(r->reporter, c->want) == 0, "%s: reporter %s, want %s", body, r->reporter,
                  c->want);
    /* Only the pseudonym is kept: the number appears nowhere in the report. */
    ck_assert_ptr_null(r->sender_raw);
    ck_assert_ptr_null(r->sender);
    sgw_report_free(r);
}
END_TEST

/* The pseudonym keeps a key schedule per secret (gateway/intake/pseudonym.c): one buffer
 * rewritten in place with secrets of one length, more of them than it keeps, must still give
 * each secret's own HMAC, computed here with OpenSSL's one-shot call. */
START_TEST(test_pseudonym_secret_by_content)
{
    unsigned char secret[32];
    char got[SGW_PSEUDONYM_HEX], want[SGW_PSEUDONYM_HEX], first[SGW_PSEUDONYM_HEX];
    static const char msg[] = "+12125550199";

    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 12; k++) {
            unsigned char mac[EVP_MAX_MD_SIZE];
            unsigned int maclen = 0;
            memset(secret, 'a' + k, sizeof secret);
            ck_assert_int_eq(sgw_pseudonym(secret, sizeof secret, msg, got), 0);
            ck_assert_ptr_nonnull(HMAC(EVP_sha256(), secret, (int)sizeof secret,
                                       (const unsigned char *)msg, strlen(msg), mac, &maclen));
            ck_assert_uint_eq(maclen, 32);
            for (unsigned i = 0; i < 32; i++)
                snprintf(want + 2 * i, 3, "%02x", mac[i]);
            ck_assert_msg(strcmp(got, want) == 0, "secret %d round %d: %s, want %s", k, round, got,
                          want);
            if (k == 0 && round == 0)
                memcpy(first, got, sizeof first);
            if (k > 0)
                ck_assert_str_ne(got, first);
        }
    }
}
END_TEST

START_TEST(test_reporter_secret_matters)
{
    static const char other[] = "another-secret-of-some-length";
    const struct sgw_intake_ctx ctx2 = {(const unsigned char *)other, sizeof other - 1, "US"};
    static const char body[] = "{\"content\":\"x\",\"reporter\":\"+12125550199\"}";
    struct sgw_report *r = NULL;
    struct sgw_error err;

    ck_assert_int_eq(sgw_report_parse_json(body, strlen(body), &ctx2, NOW_US, &r, &err), 0);
    ck_assert_str_eq(r->reporter,
                     "98aa338d00d8c36e25b448ad1c8637922fa1835e614dfd1b0070351a7a80cd3d");
    sgw_report_free(r);
}
END_TEST

/* The 5-minute slack is measured from the now_us given, not from the clock. */
START_TEST(test_received_at_relative_to_now)
{
    static const char body[] = "{\"content\":\"x\",\"received_at\":\"2024-05-01T12:30:00Z\"}";
    static const struct {
        int64_t now;
        int ok;
    } nows[] = {
        {NOW_US, 0},                             /* 30 minutes ahead */
        {NOW_US + 24 * MINUTE_US, 0},            /* 6 minutes ahead */
        {NOW_US + 25 * MINUTE_US - 1, 0},        /* 5 minutes and 1 µs ahead */
        {NOW_US + 25 * MINUTE_US, 1},            /* exactly 5 minutes ahead */
        {NOW_US + 26 * MINUTE_US, 1},            /* 4 minutes ahead */
        {NOW_US + 30 * MINUTE_US, 1},            /* now */
        {NOW_US + 365 * 24 * 60 * MINUTE_US, 1}, /* a year ago */
    };
    for (size_t i = 0; i < NELEM(nows); i++) {
        struct sgw_report *r = NULL;
        struct sgw_error err;
        memset(&err, 0, sizeof err);
        int rc = sgw_report_parse_json(body, strlen(body), &ctx, nows[i].now, &r, &err);
        ck_assert_msg(rc == (nows[i].ok ? 0 : -1), "now %lld: rc %d (%s)", (long long)nows[i].now,
                      rc, err.message);
        if (nows[i].ok) {
            ck_assert_int_eq(r->received_at, NOW_US + 30 * MINUTE_US);
            ck_assert_int_eq(r->ingested_at, nows[i].now);
        } else {
            ck_assert_str_eq(err.field, "received_at");
        }
        sgw_report_free(r);
    }
}
END_TEST

START_TEST(test_no_default_region)
{
    const struct sgw_intake_ctx ctx2 = {(const unsigned char *)test_secret, sizeof test_secret - 1,
                                        NULL};
    static const char national[] = "{\"content\":\"x\",\"reporter\":\"(212) 555-0199\"}";
    static const char intl[] = "{\"content\":\"x\",\"reporter\":\"+1 212 555 0199\"}";
    static const char with_country[] =
        "{\"content\":\"x\",\"reporter\":\"(212) 555-0199\",\"country\":\"US\"}";
    struct sgw_report *r = NULL;
    struct sgw_error err;

    ck_assert_int_eq(sgw_report_parse_json(national, strlen(national), &ctx2, NOW_US, &r, &err),
                     -1);
    ck_assert_str_eq(err.field, "reporter");
    ck_assert_int_eq(sgw_report_parse_json(intl, strlen(intl), &ctx2, NOW_US, &r, &err), 0);
    ck_assert_str_eq(r->reporter, PSEUDONYM_12125550199);
    sgw_report_free(r);
    ck_assert_int_eq(
        sgw_report_parse_json(with_country, strlen(with_country), &ctx2, NOW_US, &r, &err), 0);
    ck_assert_str_eq(r->reporter, PSEUDONYM_12125550199);
    sgw_report_free(r);
}
END_TEST

/* The default region is a region whatever its case: "cn" (e.g. SPAMGW_DEFAULT_REGION=cn, which
 * main.c passes on as given) must classify senders exactly as "CN" does. */
START_TEST(test_default_region_case)
{
    static const char *const bodies[] = {
        "{\"content\":\"x\",\"sender\":\"10690000123\"}",
        "{\"content\":\"x\",\"sender\":\"13926521234\"}",
        "{\"content\":\"x\",\"sender\":\"95588\"}",
    };
    const struct sgw_intake_ctx upper = {(const unsigned char *)test_secret, sizeof test_secret - 1,
                                         "CN"};
    const struct sgw_intake_ctx lower = {(const unsigned char *)test_secret, sizeof test_secret - 1,
                                         "cn"};
    for (size_t i = 0; i < NELEM(bodies); i++) {
        struct sgw_report *a = NULL, *b = NULL;
        struct sgw_error err;
        ck_assert_int_eq(
            sgw_report_parse_json(bodies[i], strlen(bodies[i]), &upper, NOW_US, &a, &err), 0);
        ck_assert_int_eq(
            sgw_report_parse_json(bodies[i], strlen(bodies[i]), &lower, NOW_US, &b, &err), 0);
        ck_assert_msg(a->sender_kind == b->sender_kind && strcmp(a->sender, b->sender) == 0,
                      "%s: region CN gives %s \"%s\", region cn gives %s \"%s\"", bodies[i],
                      sgw_sender_kind_name(a->sender_kind), a->sender,
                      sgw_sender_kind_name(b->sender_kind), b->sender);
        sgw_report_free(a);
        sgw_report_free(b);
    }
}
END_TEST

START_TEST(test_channel_names)
{
    static const char *const names[] = {"sms", "imessage", "rcs", "mms", "call", "other"};
    for (int i = 0; i < (int)NELEM(names); i++) {
        enum sgw_channel ch = (enum sgw_channel)99;
        ck_assert_str_eq(sgw_channel_name((enum sgw_channel)i), names[i]);
        ck_assert_int_eq(sgw_channel_parse(names[i], &ch), 0);
        ck_assert_int_eq(ch, i);
    }
    enum sgw_channel ch = SGW_CHANNEL_MMS;
    ck_assert_int_eq(sgw_channel_parse("fax", &ch), -1);
    ck_assert_int_eq(sgw_channel_parse("", &ch), -1);
    ck_assert_int_eq(sgw_channel_parse("sms ", &ch), -1);
    ck_assert_int_eq(ch, SGW_CHANNEL_MMS);
    ck_assert_str_eq(sgw_channel_name((enum sgw_channel)42), "other");
}
END_TEST

struct utf8_case {
    const char *s;
    size_t chars;
};

static const struct utf8_case utf8_cases[] = {
    {"", 0},
    {"abc", 3},
    {"caf\xc3\xa9", 4},
    {"\xe4\xb8\xad\xe6\x96\x87", 2},
    {"\xf0\x9f\x98\x80!", 2},
    {"a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", 4},
};

START_TEST(test_utf8_chars)
{
    const struct utf8_case *c = &utf8_cases[_i];
    size_t got = sgw_utf8_chars(c->s, strlen(c->s));
    ck_assert_msg(got == c->chars, "\"%s\": %zu characters, want %zu", c->s, got, c->chars);
}
END_TEST

START_TEST(test_free_null)
{
    sgw_report_free(NULL);
}
END_TEST

/* Intake computes the cluster worker's features once: signature, indicator tags, places. */
START_TEST(test_features_at_intake)
{
    struct sgw_report *r = NULL;
    struct sgw_error err;
    const char *body = "{\"content\":\"USPS: parcel held, pay at hxxp://usps-fee[.]top/pay\","
                       "\"sender\":\"(213) 555-0100\",\"country\":\"US\","
                       "\"reporter\":\"(212) 555-0199\"}";
    ck_assert_int_eq(sgw_report_parse_json(body, strlen(body), &ctx, NOW_US, &r, &err), 0);
    ck_assert_int_eq(r->has_features, 1);
    ck_assert_ptr_nonnull(r->indicators);
    ck_assert_msg(strstr(r->indicators, "domain:usps-fee.top") != NULL, "tags: %s", r->indicators);
    ck_assert_ptr_null(strchr(r->indicators, '\n'));
    ck_assert_str_eq(r->reporter_place, "New York, NY");
    ck_assert_str_eq(r->sender_place, "Los Angeles, CA");
    sgw_report_free(r);

    /* No phone sender, no reporter: no places; tags empty but present. */
    body = "{\"content\":\"hello there, see you at dinner tonight\",\"sender\":\"AMAZON\"}";
    ck_assert_int_eq(sgw_report_parse_json(body, strlen(body), &ctx, NOW_US, &r, &err), 0);
    ck_assert_int_eq(r->has_features, 1);
    ck_assert_str_eq(r->indicators, "");
    ck_assert_ptr_null(r->reporter_place);
    ck_assert_ptr_null(r->sender_place);
    sgw_report_free(r);
}
END_TEST

static Suite *
report_json_suite(void)
{
    Suite *s = suite_create("report_json");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(json_cases));
    tcase_add_test(tc, test_uses_len_not_nul);
    tcase_add_test(tc, test_deep_nesting);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_loop_test(tc, test_char_limits, 0, (int)NELEM(limit_cases));
    tcase_add_test(tc, test_sender_byte_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("reporter");
    tcase_add_loop_test(tc, test_reporter_pseudonym, 0, (int)NELEM(reporter_cases));
    tcase_add_test(tc, test_reporter_secret_matters);
    tcase_add_test(tc, test_pseudonym_secret_by_content);
    tcase_add_test(tc, test_no_default_region);
    suite_add_tcase(s, tc);

    tc = tcase_create("region");
    tcase_add_test(tc, test_default_region_case);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_test(tc, test_received_at_relative_to_now);
    suite_add_tcase(s, tc);

    tc = tcase_create("helpers");
    tcase_add_test(tc, test_channel_names);
    tcase_add_loop_test(tc, test_utf8_chars, 0, (int)NELEM(utf8_cases));
    tcase_add_test(tc, test_free_null);
    tcase_add_test(tc, test_features_at_intake);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(report_json_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
