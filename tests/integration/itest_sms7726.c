/* Integration suite for the Kannel relay route (GET and POST /v1/relay/kannel) against a real
 * `spamgw serve` and PostgreSQL, without Kannel in front, so every request is exactly what the
 * test sends: every kind of bad input (clear status, one text/plain line, nothing stored),
 * parameter and charset variants (Latin-1, Windows-1252, raw UTF-16BE by GET and by POST, both
 * time formats, numbers without '+'), Kannel's retries answered once, lazy expiry with the sweep
 * off, two gateways racing on one subscriber without losing or duplicating a report, and logs
 * free of numbers and message text. Needs SPAMGW_BIN and SPAMGW_TEST_DATABASE_URL. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gateway/intake/sms7726.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/server.h"
#include "tests/support/sgwt_check.h"
#include "tests/support/suite.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ROUTE "/v1/relay/kannel"

static struct sgwt_db g_db;
static struct sgwt_server g_srv;
static char g_relay[256], g_reporter[256];

/* ---- helpers ---- */

static void
pseudonym_of(const char *e164, char out[65])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), SGWT_REPORTER_SECRET, (int)strlen(SGWT_REPORTER_SECRET),
         (const unsigned char *)e164, strlen(e164), mac, &len);
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* GET ROUTE?key=<relay>&<query>. */
static int
get(int port, const char *query, struct sgwt_response *r)
{
    char path[8192];
    snprintf(path, sizeof path, "%s?key=%s%s%s", ROUTE, g_relay, query[0] ? "&" : "", query);
    return sgwt_http_request(port, "GET", path, NULL, NULL, 0, r);
}

/* GET that must answer 200; returns the reply (caller frees). */
static char *
get_ok(int port, const char *query)
{
    struct sgwt_response r;
    int rc = get(port, query, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    const char *ct = sgwt_response_header(&r, "Content-Type");
    ck_assert_msg(ct && strcmp(ct, "text/plain; charset=utf-8") == 0, "Content-Type %s", ct);
    char *body = strdup(r.body);
    sgwt_response_fini(&r);
    return body;
}

static PGconn *
db(void)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    return c;
}

static long long
reports_of(PGconn *c, const char *e164)
{
    char ps[65];
    pseudonym_of(e164, ps);
    return sgwt_db_count(c, "SELECT count(*) FROM reports WHERE reporter_pseudonym = $1",
                         (const char *[]){ps, NULL});
}

static long long
pending_of(PGconn *c, const char *e164)
{
    char ps[65];
    pseudonym_of(e164, ps);
    return sgwt_db_count(c, "SELECT count(*) FROM sms7726_pending WHERE pseudonym = $1",
                         (const char *[]){ps, NULL});
}

/* One column of the subscriber's latest report (caller frees; NULL for SQL NULL). */
static char *
last_report_col(PGconn *c, const char *e164, const char *expr)
{
    char ps[65], sql[512], *out = NULL;
    pseudonym_of(e164, ps);
    snprintf(sql, sizeof sql,
             "SELECT %s FROM reports WHERE reporter_pseudonym = $1 ORDER BY id DESC LIMIT 1", expr);
    int rc = sgwt_db_scalar(c, sql, (const char *[]){ps, NULL}, &out);
    ck_assert_msg(rc == 1, "no report for %s (%s)", e164, sgwt_errmsg());
    return out;
}

static void
assert_last(PGconn *c, const char *e164, const char *expr, const char *want)
{
    char *got = last_report_col(c, e164, expr);
    if (want == NULL)
        ck_assert_msg(got == NULL, "%s: %s is \"%s\", expected NULL", e164, expr, got);
    else
        ck_assert_msg(got && strcmp(got, want) == 0, "%s: %s is %s%s%s, expected \"%s\"", e164,
                      expr, got ? "\"" : "", got ? got : "NULL", got ? "\"" : "", want);
    free(got);
}

/* ---- bad input: a clear status, one text/plain line, nothing stored ---- */

struct bad_case {
    const char *name;
    const char *method; /* GET or POST */
    const char *query;  /* after ROUTE?, key included where wanted (KEY is replaced) */
    const char *ctype;  /* POST Content-Type, NULL for none */
    const char *body;
    size_t body_len; /* 0: strlen(body) */
    int status;
    const char *code;
};

#define F "from=%2B12125550170&to=7726"

static const struct bad_case bad_cases[] = {
    {"no key", "GET", F "&text=x", NULL, NULL, 0, 401, "unauthorized"},
    {"unknown key", "GET", "key=sgw_nope&" F "&text=x", NULL, NULL, 0, 401, "unauthorized"},
    {"reporter key", "GET", "key=REPORTER&" F "&text=x", NULL, NULL, 0, 403, "forbidden"},
    {"no from", "GET", "key=KEY&to=7726&text=x", NULL, NULL, 0, 400, "missing_from"},
    {"empty from", "GET", "key=KEY&from=&to=7726&text=x", NULL, NULL, 0, 400, "missing_from"},
    {"letters in from", "GET", "key=KEY&from=alice&to=7726&text=x", NULL, NULL, 0, 400,
     "invalid_from"},
    {"short from", "GET", "key=KEY&from=12345&to=7726&text=x", NULL, NULL, 0, 400, "invalid_from"},
    {"from with junk", "GET", "key=KEY&from=%2B1212555017x&to=7726&text=x", NULL, NULL, 0, 400,
     "invalid_from"},
    {"from too long", "GET", "key=KEY&from=%2B1212555017012345678901234567890123&to=7726&text=x",
     NULL, NULL, 0, 400, "invalid_from"},
    {"no to", "GET", "key=KEY&from=%2B12125550170&text=x", NULL, NULL, 0, 400, "missing_to"},
    {"other short code", "GET", "key=KEY&from=%2B12125550170&to=9999&text=x", NULL, NULL, 0, 400,
     "unknown_short_code"},
    {"short code prefix", "GET", "key=KEY&from=%2B12125550170&to=77260&text=x", NULL, NULL, 0, 400,
     "unknown_short_code"},
    {"short code letters", "GET", "key=KEY&from=%2B12125550170&to=7726a&text=x", NULL, NULL, 0, 400,
     "unknown_short_code"},
    {"bad coding", "GET", "key=KEY&" F "&text=x&coding=5", NULL, NULL, 0, 400, "invalid_coding"},
    {"8-bit coding", "GET", "key=KEY&" F "&text=x&coding=1", NULL, NULL, 0, 415,
     "unsupported_coding"},
    {"8-BIT charset", "GET", "key=KEY&" F "&text=x&charset=8-BIT", NULL, NULL, 0, 415,
     "unsupported_coding"},
    {"unknown charset", "GET", "key=KEY&" F "&text=x&charset=EBCDIC", NULL, NULL, 0, 415,
     "unsupported_charset"},
    {"invalid UTF-8", "GET", "key=KEY&" F "&text=ab%FF%FE&charset=UTF-8", NULL, NULL, 0, 400,
     "invalid_text"},
    {"truncated UTF-8", "GET", "key=KEY&" F "&text=%C3", NULL, NULL, 0, 400, "invalid_text"},
    {"UTF-8 surrogate", "GET", "key=KEY&" F "&text=%ED%A0%80", NULL, NULL, 0, 400, "invalid_text"},
    {"odd UTF-16BE", "GET", "key=KEY&" F "&text=%00A%00&coding=2&charset=UTF-16BE", NULL, NULL, 0,
     400, "invalid_text"},
    {"lone surrogate UTF-16BE", "GET", "key=KEY&" F "&text=%D8%3C%00A&coding=2", NULL, NULL, 0, 400,
     "invalid_text"},
    {"bad time", "GET", "key=KEY&" F "&text=x&time=yesterday", NULL, NULL, 0, 400, "invalid_time"},
    {"bad month", "GET", "key=KEY&" F "&text=x&time=2026-13-01+10:00:00", NULL, NULL, 0, 400,
     "invalid_time"},
    {"smsc with blank", "GET", "key=KEY&" F "&text=x&smsc=a+b", NULL, NULL, 0, 400, "invalid_smsc"},
    {"id too long", "GET",
     "key=KEY&" F "&text=x&id=0123456789012345678901234567890123456789012345678901234567890123X",
     NULL, NULL, 0, 400, "invalid_id"},
    {"unknown parameter", "GET", "key=KEY&" F "&txt=x", NULL, NULL, 0, 400, "invalid_request"},
    {"from twice", "GET", "key=KEY&" F "&from=%2B12125550171&text=x", NULL, NULL, 0, 400,
     "invalid_request"},
    {"text twice", "GET", "key=KEY&" F "&text=x&text=y", NULL, NULL, 0, 400, "invalid_request"},
    {"text in POST query", "POST", "key=KEY&text=x", "text/plain; charset=\"UTF-8\"", "x", 0, 400,
     "invalid_request"},
    {"POST without X-Kannel-From", "POST", "key=KEY", "text/plain; charset=\"UTF-8\"", "x", 0, 400,
     "missing_from"},
    {"POST 8-bit body", "POST", "key=KEY&" F, "application/octet-stream", "\x01\x02", 2, 415,
     "unsupported_coding"},
    {"POST odd UTF-16BE", "POST", "key=KEY&" F, "text/plain; charset=\"UTF-16BE\"",
     "\x00"
     "A\x00",
     3, 400, "invalid_text"},
    {"POST NUL in UTF-8", "POST", "key=KEY&" F, "text/plain; charset=\"UTF-8\"", "a\0b", 3, 400,
     "invalid_text"},
    {"POST Latin-9", "POST", "key=KEY&" F, "text/plain; charset=ISO-8859-15", "x", 0, 415,
     "unsupported_charset"},
};

static char *
fill_query(const char *q)
{
    char *out = malloc(strlen(q) + 600);
    const char *p = q;
    size_t o = 0;
    while (*p) {
        if (strncmp(p, "key=KEY", 7) == 0) {
            o += (size_t)sprintf(out + o, "key=%s", g_relay);
            p += 7;
        } else if (strncmp(p, "key=REPORTER", 12) == 0) {
            o += (size_t)sprintf(out + o, "key=%s", g_reporter);
            p += 12;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

static void
assert_text_error(const struct sgwt_response *r, int status, const char *code, const char *name)
{
    char *d = sgwt_response_describe(r);
    ck_assert_msg(r->status == status, "%s: expected %d, got:\n%s", name, status, d);
    const char *ct = sgwt_response_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "text/plain", 10) == 0, "%s: not text/plain:\n%s", name, d);
    size_t n = strlen(code);
    ck_assert_msg(strncmp(r->body, code, n) == 0 && r->body[n] == ':' && r->body[n + 1] == ' ' &&
                      r->body_len > n + 3 && r->body[r->body_len - 1] == '\n' &&
                      memchr(r->body, '\n', r->body_len) == r->body + r->body_len - 1,
                  "%s: body is not one line \"%s: reason\":\n%s", name, code, d);
    free(d);
}

START_TEST(test_bad_input)
{
    const struct bad_case *bc = &bad_cases[_i];
    char *q = fill_query(bc->query), path[2048];
    struct sgwt_response r;
    snprintf(path, sizeof path, "%s?%s", ROUTE, q);
    int rc;
    if (strcmp(bc->method, "GET") == 0) {
        rc = sgwt_http_request(g_srv.port, "GET", path, NULL, NULL, 0, &r);
    } else {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", bc->ctype);
        const char *h[] = {ct, "X-Kannel-To: 7726", "X-Kannel-Coding: 0", NULL};
        rc = sgwt_http_request(g_srv.port, "POST", path, h, bc->body,
                               bc->body_len ? bc->body_len : strlen(bc->body), &r);
    }
    ck_assert_msg(rc == SGWT_HTTP_OK, "%s: %s", bc->name, sgwt_errmsg());
    assert_text_error(&r, bc->status, bc->code, bc->name);
    sgwt_response_fini(&r);
    free(q);
}
END_TEST

START_TEST(test_bad_input_sizes)
{
    struct sgwt_response r;
    /* 4097 characters: over the content limit (413), though the body fits --max-body. */
    size_t n = 4097;
    char *text = malloc(3 * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + 3 * i, "\xE4\xB8\xAD", 3);
    text[3 * n] = '\0';
    char path[1024];
    snprintf(path, sizeof path, "%s?key=%s&id=big", ROUTE, g_relay);
    const char *h[] = {"Content-Type: text/plain; charset=\"UTF-8\"", "X-Kannel-From: +12125550172",
                       "X-Kannel-To: 7726", NULL};
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "POST", path, h, text, 3 * n, &r), SGWT_HTTP_OK);
    assert_text_error(&r, 413, "text_too_long", "4097 characters");
    sgwt_response_fini(&r);
    /* Exactly 4096 is accepted. */
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "POST", path, h, text, 3 * (n - 1), &r),
                     SGWT_HTTP_OK);
    SGWT_ASSERT_HTTP(SGWT_HTTP_OK, &r, 200, &g_srv);
    sgwt_response_fini(&r);
    free(text);
    /* A body over --max-body (64 KiB). */
    char *big = malloc(70000);
    memset(big, 'a', 70000);
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "POST", path, h, big, 70000, &r), SGWT_HTTP_OK);
    assert_text_error(&r, 413, "payload_too_large", "70000 bytes");
    sgwt_response_fini(&r);
    free(big);
    /* HEAD must not run a conversation step. */
    snprintf(path, sizeof path, "%s?key=%s&from=%%2B12125550173&to=7726&text=hello+spam", ROUTE,
             g_relay);
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "HEAD", path, NULL, NULL, 0, &r), SGWT_HTTP_OK);
    ck_assert_int_eq(r.status, 405);
    sgwt_response_fini(&r);
    PGconn *c = db();
    ck_assert_int_eq(reports_of(c, "+12125550172"), 0);
    ck_assert_int_eq(pending_of(c, "+12125550172"), 1); /* the 4096-character forward */
    ck_assert_int_eq(pending_of(c, "+12125550173"), 0);
    PQfinish(c);
}
END_TEST

/* Nothing the bad requests above carried was stored (they all used +12125550170/171). */
START_TEST(test_bad_input_stored_nothing)
{
    PGconn *c = db();
    const char *nums[] = {"+12125550170", "+12125550171"};
    for (int i = 0; i < 2; i++) {
        char ps[65];
        pseudonym_of(nums[i], ps);
        ck_assert_int_eq(reports_of(c, nums[i]), 0);
        ck_assert_int_eq(pending_of(c, nums[i]), 0);
        ck_assert_int_eq(
            sgwt_db_count(c, "SELECT count(*) FROM sms7726_subscribers WHERE pseudonym = $1",
                          (const char *[]){ps, NULL}),
            0);
    }
    PQfinish(c);
    ck_assert_msg(sgwt_server_alive(&g_srv), "the gateway died");
}
END_TEST

/* ---- accepted variants ---- */

START_TEST(test_get_two_steps)
{
    char *a = get_ok(g_srv.port, "from=%2B12125550180&to=7726&text=Your+parcel+is+held%2C+pay+"
                                 "%241.99+at+http%3A%2F%2Fusps-fee.top+%26+100%25+safe"
                                 "&coding=0&charset=UTF-8&smsc=fake1&time=1795623470&id=m1");
    ck_assert_msg(strncmp(a, "Thanks. Now reply", 17) == 0, "%s", a);
    free(a);
    char *b = get_ok(g_srv.port, "from=%2B12125550180&to=7726&text=%2B1+(212)+555-0100"
                                 "&coding=0&charset=UTF-8&smsc=fake1&time=1795623480&id=m2");
    ck_assert_msg(strstr(b, "***0100") != NULL, "%s", b);
    free(b);
    PGconn *c = db();
    assert_last(c, "+12125550180", "content",
                "Your parcel is held, pay $1.99 at http://usps-fee.top & 100% safe");
    assert_last(c, "+12125550180", "sender", "+12125550100");
    assert_last(c, "+12125550180", "sender_raw", "+1 (212) 555-0100");
    assert_last(c, "+12125550180", "city", "New York, NY");
    assert_last(c, "+12125550180", "country", "US");
    assert_last(c, "+12125550180", "source", "sms7726");
    assert_last(c, "+12125550180", "received_at = to_timestamp(1795623470)", "t");
    PQfinish(c);
}
END_TEST

START_TEST(test_key_in_header)
{
    char path[512], auth[300];
    struct sgwt_response r;
    snprintf(path, sizeof path, "%s?from=%%2B12125550181&to=7726&text=help", ROUTE);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_relay);
    const char *h[] = {auth, NULL};
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "GET", path, h, NULL, 0, &r), SGWT_HTTP_OK);
    SGWT_ASSERT_HTTP(SGWT_HTTP_OK, &r, 200, &g_srv);
    ck_assert_msg(strncmp(r.body, "Report spam: forward the text to 7726", 37) == 0, "%s", r.body);
    sgwt_response_fini(&r);
}
END_TEST

/* Numbers as SMSCs write them: without '+', in national format. */
START_TEST(test_subscriber_number_forms)
{
    char *a = get_ok(g_srv.port, "from=8613926512345&to=7726&text=%E4%B8%AD%E5%A5%96%E4%BA%86"
                                 "%EF%BC%8C%E8%AF%B7%E7%82%B9%E5%87%BB+x.example");
    ck_assert_msg(strstr(a, "已收到举报") != NULL, "%s", a);
    free(a);
    free(get_ok(g_srv.port, "from=(212)+555-0182&to=7726&text=You+won+a+prize+claim+now"));
    free(get_ok(g_srv.port, "from=12125550183&to=7726&text=You+won+a+prize+claim+now"));
    free(get_ok(g_srv.port, "from=%2B8613926512345&to=7726&text=idk"));
    free(get_ok(g_srv.port, "from=%2B12125550182&to=7726&text=idk"));
    free(get_ok(g_srv.port, "from=%2B12125550183&to=7726&text=idk"));
    PGconn *c = db();
    assert_last(c, "+8613926512345", "city", "Shenzhen, Guangdong");
    assert_last(c, "+8613926512345", "country", "CN");
    assert_last(c, "+8613926512345", "content", "中奖了，请点击 x.example");
    ck_assert_int_eq(reports_of(c, "+12125550182"), 1);
    ck_assert_int_eq(reports_of(c, "+12125550183"), 1);
    PQfinish(c);
}
END_TEST

START_TEST(test_charsets)
{
    struct sgwt_response r;
    char path[512];
    /* Latin-1 and Windows-1252 by GET. */
    free(get_ok(g_srv.port, "from=%2B12125550184&to=7726&text=Caf%E9+prize+%A3100&charset="
                            "ISO-8859-1"));
    free(get_ok(g_srv.port, "from=%2B12125550184&to=7726&text=idk"));
    free(get_ok(g_srv.port, "from=%2B12125550185&to=7726&text=%93Win%94+%80100+now&charset="
                            "windows-1252"));
    free(get_ok(g_srv.port, "from=%2B12125550185&to=7726&text=idk"));
    /* Raw UTF-16BE by GET (mo-recode off): its zero bytes arrive as %00. */
    char *a = get_ok(g_srv.port, "from=%2B12125550186&to=7726&text=%00W%00i%00n%00+%00%A3%00"
                                 "1&coding=2&charset=UTF-16BE");
    free(a);
    free(get_ok(g_srv.port, "from=%2B12125550186&to=7726&text=idk"));
    /* Raw UTF-16BE by POST: Chinese, answered in Chinese as UCS-2. */
    snprintf(path, sizeof path, "%s?key=%s&id=p1", ROUTE, g_relay);
    const char *h[] = {"Content-Type: text/plain; charset=\"UTF-16BE\"",
                       "X-Kannel-From: +8613926512346",
                       "X-Kannel-To: 7726",
                       "X-Kannel-Coding: 2",
                       "X-Kannel-SMSC: smpp1",
                       "X-Kannel-Time: 2026-11-25 16:17:53",
                       NULL};
    const char zh[] = "\x6F\xB3\x95\xE8\x8D\x4C\x57\x3A\x00\x20\x00\x38\x00\x38\x51\x43";
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "POST", path, h, zh, sizeof zh - 1, &r),
                     SGWT_HTTP_OK);
    SGWT_ASSERT_HTTP(SGWT_HTTP_OK, &r, 200, &g_srv);
    const char *coding = sgwt_response_header(&r, "X-Kannel-Coding");
    ck_assert_msg(coding && strcmp(coding, "2") == 0, "Chinese reply without X-Kannel-Coding: 2");
    ck_assert_msg(strstr(r.body, "已收到举报") != NULL, "%s", r.body);
    sgwt_response_fini(&r);
    /* An English reply carries no X-Kannel-Coding. */
    snprintf(path, sizeof path, "%s?key=%s&from=%%2B12125550187&to=7726&text=help", ROUTE, g_relay);
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "GET", path, NULL, NULL, 0, &r), SGWT_HTTP_OK);
    ck_assert_ptr_null(sgwt_response_header(&r, "X-Kannel-Coding"));
    sgwt_response_fini(&r);
    const char *h2[] = {"Content-Type: text/plain; charset=\"UTF-8\"",
                        "X-Kannel-From: +8613926512346", "X-Kannel-To: 7726", NULL};
    snprintf(path, sizeof path, "%s?key=%s&id=p2", ROUTE, g_relay);
    ck_assert_int_eq(sgwt_http_request(g_srv.port, "POST", path, h2, "10690000123", 11, &r),
                     SGWT_HTTP_OK);
    SGWT_ASSERT_HTTP(SGWT_HTTP_OK, &r, 200, &g_srv);
    ck_assert_msg(strstr(r.body, "***0123") != NULL, "%s", r.body);
    sgwt_response_fini(&r);

    PGconn *c = db();
    assert_last(c, "+12125550184", "content", "Café prize £100");
    assert_last(c, "+12125550185", "content", "“Win” €100 now");
    assert_last(c, "+12125550186", "content", "Win £1");
    assert_last(c, "+8613926512346", "content", "澳门赌场 88元");
    assert_last(c, "+8613926512346", "sender", "10690000123");
    assert_last(c, "+8613926512346", "sender_kind", "short_code");
    assert_last(c, "+8613926512346", "received_at = '2026-11-25 16:17:53Z'", "t");
    PQfinish(c);
}
END_TEST

/* Times: %T seconds, %t with '+' for the blank, a time far ahead ignored. */
START_TEST(test_times)
{
    free(get_ok(g_srv.port, "from=%2B12125550188&to=7726&text=Spam+one&time=2026-11-25+16:17:53"));
    free(get_ok(g_srv.port, "from=%2B12125550188&to=7726&text=idk"));
    free(get_ok(g_srv.port, "from=%2B12125550189&to=7726&text=Spam+two&time=4102444800"));
    free(get_ok(g_srv.port, "from=%2B12125550189&to=7726&text=idk"));
    PGconn *c = db();
    assert_last(c, "+12125550188", "received_at = '2026-11-25 16:17:53Z'", "t");
    assert_last(c, "+12125550189", "received_at", NULL);
    PQfinish(c);
}
END_TEST

/* Kannel retries a request whose answer it did not get, with the same message id (%I): the
 * retry gets the same answer and changes nothing. */
START_TEST(test_retry_same_id)
{
    const char *fwd = "from=%2B12125550160&to=7726&text=Claim+your+refund+now&id=r-1";
    char *a1 = get_ok(g_srv.port, fwd), *a2 = get_ok(g_srv.port, fwd);
    ck_assert_str_eq(a1, a2);
    PGconn *c = db();
    ck_assert_int_eq(reports_of(c, "+12125550160"), 0); /* not flushed by the retry */
    ck_assert_int_eq(pending_of(c, "+12125550160"), 1);
    const char *snd = "from=%2B12125550160&to=7726&text=80085&id=r-2";
    char *b1 = get_ok(g_srv.port, snd), *b2 = get_ok(g_srv.port, snd);
    ck_assert_str_eq(b1, b2);
    ck_assert_msg(strstr(b1, "80***") != NULL, "%s", b1);
    ck_assert_int_eq(reports_of(c, "+12125550160"), 1);
    ck_assert_int_eq(pending_of(c, "+12125550160"), 0);
    PQfinish(c);
    free(a1);
    free(a2);
    free(b1);
    free(b2);
}
END_TEST

/* ---- expiry without the sweep: stored at the subscriber's next message ---- */

START_TEST(test_lazy_expiry)
{
    struct sgwt_server s;
    memset(&s, 0, sizeof s);
    const char *extra[] = {"--sms-pending-ttl", "1", "--sms-sweep-interval", "0", NULL};
    ck_assert_msg(sgwt_server_start(&s, "sms-lazy", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    free(get_ok(s.port, "from=%2B12125550161&to=7726&text=First+spam+text"));
    sgwt_sleep_ms(2200);
    PGconn *c = db();
    /* No sweep: it waits, expired, until the subscriber writes again. */
    ck_assert_int_eq(reports_of(c, "+12125550161"), 0);
    ck_assert_int_eq(pending_of(c, "+12125550161"), 1);
    char *a = get_ok(s.port, "from=%2B12125550161&to=7726&text=80085");
    ck_assert_msg(strncmp(a, "No report is waiting for a sender.", 34) == 0, "%s", a);
    free(a);
    ck_assert_int_eq(reports_of(c, "+12125550161"), 1);
    ck_assert_int_eq(pending_of(c, "+12125550161"), 0);
    assert_last(c, "+12125550161", "sender", NULL);
    assert_last(c, "+12125550161", "content", "First spam text");
    /* An expired one followed by a new forward: both kept. */
    free(get_ok(s.port, "from=%2B12125550161&to=7726&text=Second+spam+text"));
    sgwt_sleep_ms(1200);
    free(get_ok(s.port, "from=%2B12125550161&to=7726&text=Third+spam+text"));
    ck_assert_int_eq(reports_of(c, "+12125550161"), 2);
    ck_assert_int_eq(pending_of(c, "+12125550161"), 1);
    PQfinish(c);
    ck_assert_int_eq(sgwt_server_stop(&s, NULL), 0);
    sgwt_server_remove_log(&s);
}
END_TEST

/* ---- two gateways racing on one subscriber ---- */

#define RACERS 4
#define PER_RACER 25

struct racer {
    pthread_t th;
    int idx, port;
    int accepted; /* forwards answered with the question for a sender */
    int failures;
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < PER_RACER; i++) {
        char q[256];
        struct sgwt_response resp;
        /* Mostly forwards, every third message a sender: pendings are opened, completed and
         * replaced by other threads on the other gateway all the time. */
        if (i % 3 == 2)
            snprintf(q, sizeof q, "from=%%2B12125550162&to=7726&text=80085&id=s-%d-%d", r->idx, i);
        else
            snprintf(q, sizeof q, "from=%%2B12125550162&to=7726&text=race+%d+%d&id=f-%d-%d", r->idx,
                     i, r->idx, i);
        if (get(r->port, q, &resp) != SGWT_HTTP_OK || resp.status != 200) {
            r->failures++;
        } else if (i % 3 != 2) {
            r->accepted += strncmp(resp.body, "Thanks. Now reply", 17) == 0;
        }
        sgwt_response_fini(&resp);
    }
    return NULL;
}

START_TEST(test_two_gateways_race)
{
    struct sgwt_server other;
    memset(&other, 0, sizeof other);
    struct racer rs[RACERS];
    const char *extra[] = {"--sms-rate-limit", "0", NULL};
    ck_assert_msg(sgwt_server_start(&other, "sms-race", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    for (int i = 0; i < RACERS; i++) {
        rs[i] = (struct racer){.idx = i, .port = i % 2 ? other.port : g_srv.port};
        pthread_create(&rs[i].th, NULL, race, &rs[i]);
    }
    int accepted = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(rs[i].th, NULL);
        ck_assert_int_eq(rs[i].failures, 0);
        accepted += rs[i].accepted;
    }
    /* Every forward is exactly once in reports or waiting: none lost, none twice. */
    PGconn *c = db();
    char ps[65];
    pseudonym_of("+12125550162", ps);
    long long stored = sgwt_db_count(c,
                                     "SELECT count(*) FROM (SELECT content FROM reports WHERE"
                                     " reporter_pseudonym = $1 UNION ALL SELECT content FROM"
                                     " sms7726_pending WHERE pseudonym = $1) x",
                                     (const char *[]){ps, NULL});
    long long distinct = sgwt_db_count(c,
                                       "SELECT count(DISTINCT content) FROM (SELECT content FROM"
                                       " reports WHERE reporter_pseudonym = $1 UNION ALL SELECT"
                                       " content FROM sms7726_pending WHERE pseudonym = $1) x",
                                       (const char *[]){ps, NULL});
    /* Gateway A keeps the default limit of 30 an hour, so some forwards are refused there. */
    ck_assert_int_ge(accepted, RACERS * PER_RACER / 3);
    ck_assert_int_eq(stored, accepted);
    ck_assert_int_eq(distinct, accepted);
    ck_assert_int_le(pending_of(c, "+12125550162"), 1);
    PQfinish(c);
    ck_assert_int_eq(sgwt_server_stop(&other, NULL), 0);
    sgwt_server_remove_log(&other);
}
END_TEST

/* ---- nothing personal in the log ---- */

START_TEST(test_log_has_no_numbers_or_text)
{
    const char *secrets[] = {"12125550180",   "555-0100", "usps-fee", "Claim your refund",
                             "8613926512345", "Caf",      g_relay};
    for (size_t i = 0; i < NELEM(secrets); i++)
        ck_assert_msg(!sgwt_server_log_contains(&g_srv, secrets[i]), "the log contains \"%s\"",
                      secrets[i]);
    ck_assert(sgwt_server_log_contains(&g_srv, "event=sms7726"));
}
END_TEST

static Suite *
sms_suite(void)
{
    Suite *s = suite_create("sms7726");
    TCase *tc = tcase_create("bad_input");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_bad_input, 0, NELEM(bad_cases));
    tcase_add_test(tc, test_bad_input_sizes);
    tcase_add_test(tc, test_bad_input_stored_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("accepted");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_get_two_steps);
    tcase_add_test(tc, test_key_in_header);
    tcase_add_test(tc, test_subscriber_number_forms);
    tcase_add_test(tc, test_charsets);
    tcase_add_test(tc, test_times);
    tcase_add_test(tc, test_retry_same_id);
    suite_add_tcase(s, tc);

    tc = tcase_create("state");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lazy_expiry);
    tcase_add_test(tc, test_two_gateways_race);
    suite_add_tcase(s, tc);

    tc = tcase_create("privacy");
    tcase_add_test(tc, test_log_has_no_numbers_or_text);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sgwt_db_fresh(&g_db, "sms7726") != 0 ||
        sgwt_key_create(g_db.url, "relay", "sms-relay", g_relay, sizeof g_relay) != 0 ||
        sgwt_key_create(g_db.url, "reporter", "sms-reporter", g_reporter, sizeof g_reporter) != 0) {
        fprintf(stderr, "itest_sms7726: setup failed: %s\n", sgwt_errmsg());
        return EXIT_FAILURE;
    }
    if (sgwt_server_start(&g_srv, "sms7726", g_db.url, NULL, NULL) != 0) {
        fprintf(stderr, "itest_sms7726: spamgw serve: %s\n", sgwt_errmsg());
        sgwt_db_drop(&g_db);
        return EXIT_FAILURE;
    }
    int failed = sgwt_suite_run(sms_suite());
    int code = sgwt_server_stop(&g_srv, NULL);
    if (code != 0) {
        fprintf(stderr, "itest_sms7726: the gateway exited %d on SIGTERM\n", code);
        failed++;
    }
    if (failed == 0)
        sgwt_server_remove_log(&g_srv);
    if (sgwt_db_drop(&g_db) != 0)
        fprintf(stderr, "itest_sms7726: drop database: %s\n", sgwt_errmsg());
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
