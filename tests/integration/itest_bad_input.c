/* Integration suite: everything a client can get wrong on POST /v1/reports and the routes
 * around it, table-driven. Each case states the exact answer: status, error.code and
 * error.field. Afterwards the gateway must still be alive and the reports table must hold
 * exactly the reports this suite saw acknowledged: bad input stores nothing.
 * Needs SPAMGW_BIN and SPAMGW_TEST_DATABASE_URL; fails without them. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/server.h"
#include "tests/support/suite.h"
#include "tests/support/sgwt_check.h"

static struct sgwt_db g_db;
static struct sgwt_server g_srv;
static char key_reporter[256], key_analyst[256], key_admin[256], key_revoked[256], key_rl[256],
    key_rl2[256];
/* Every id answered 202 by any test process is appended here, one per line, so the final
 * check can compare the table with what was acknowledged across Check's forks. */
static char ok_ids_path[256];

static void
record_ok_id(long long id)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", id);
    int fd = open(ok_ids_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    ck_assert_msg(fd >= 0, "open %s", ok_ids_path);
    ck_assert_int_eq(write(fd, line, (size_t)n), n);
    close(fd);
}

/* ---- case table ---- */

enum auth {
    AUTH_REPORTER = 0, /* Bearer with a valid reporter key (the default) */
    AUTH_NONE,         /* no Authorization header (extra headers may carry a broken one) */
    AUTH_ANALYST,
    AUTH_ADMIN,
    AUTH_REVOKED,
};

#define NO_CT "" /* send no Content-Type */

struct gen {
    char *body;
    size_t len;
    char header[512]; /* one extra header line, "" if none */
};

struct bad_case {
    const char *name;
    const char *method, *path; /* default POST /v1/reports */
    enum auth auth;
    const char *ct;       /* NULL: application/json; NO_CT: none */
    const char *extra[3]; /* further header lines */
    const char *body;     /* raw bytes, body_len long; NULL with gen NULL: no body */
    size_t body_len;
    void (*gen)(struct gen *g); /* builds a body (and maybe a header) at run time */
    int status;
    const char *code;
    const char *field; /* NULL: no field expected */
    const char *allow; /* 405: a method the Allow header must list */
};

#define B(s) .body = (s), .body_len = sizeof(s) - 1

static char *
repeat(const char *unit, size_t times, const char *prefix, const char *suffix, size_t *len)
{
    size_t ul = strlen(unit), pl = strlen(prefix), sl = strlen(suffix);
    *len = pl + ul * times + sl;
    char *p = malloc(*len + 1);
    memcpy(p, prefix, pl);
    for (size_t i = 0; i < times; i++)
        memcpy(p + pl + i * ul, unit, ul);
    memcpy(p + pl + ul * times, suffix, sl);
    p[*len] = '\0';
    return p;
}

static void
gen_deep_arrays(struct gen *g)
{
    size_t n = 10000, len;
    char *open = repeat("[", n, "", "", &len);
    char *close = repeat("]", n, "", "", &len);
    char *p = malloc(2 * n + 64);
    g->len = (size_t)sprintf(p, "{\"content\":%s%s}", open, close);
    g->body = p;
    free(open);
    free(close);
}

static void
gen_deep_objects(struct gen *g)
{
    size_t n = 10000, len;
    char *open = repeat("{\"a\":", n, "{\"content\":", "1", &len);
    char *close = repeat("}", n, "", "}", &len);
    g->body = malloc(strlen(open) + strlen(close) + 1);
    g->len = (size_t)sprintf(g->body, "%s%s", open, close);
    free(open);
    free(close);
}

static void
gen_content_4097_ascii(struct gen *g)
{
    g->body = repeat("a", 4097, "{\"content\":\"", "\"}", &g->len);
}

static void
gen_content_4097_cjk(struct gen *g)
{
    g->body = repeat("\xe4\xb8\xad", 4097, "{\"content\":\"", "\"}", &g->len);
}

static void
gen_content_4097_escaped(struct gen *g)
{ /* 4097 code points written as \u escapes: the limit counts characters, not bytes */
    g->body = repeat("\\u00e9", 4097, "{\"content\":\"", "\"}", &g->len);
}

static void
gen_received_future(struct gen *g)
{
    char ts[64];
    sgwt_rfc3339_offset(3600, ts, sizeof ts);
    g->body = malloc(128);
    g->len = (size_t)sprintf(g->body, "{\"content\":\"x\",\"received_at\":\"%s\"}", ts);
}

static void
gen_received_6min_future(struct gen *g)
{
    char ts[64];
    sgwt_rfc3339_offset(6 * 60 + 30, ts, sizeof ts);
    g->body = malloc(128);
    g->len = (size_t)sprintf(g->body, "{\"content\":\"x\",\"received_at\":\"%s\"}", ts);
}

static void
gen_city_101(struct gen *g)
{
    g->body = repeat("c", 101, "{\"content\":\"x\",\"city\":\"", "\"}", &g->len);
}

static void
gen_city_101_cjk(struct gen *g)
{
    g->body = repeat("\xe5\x8c\x97", 101, "{\"content\":\"x\",\"city\":\"", "\"}", &g->len);
}

static void
gen_sender_257(struct gen *g)
{
    g->body = repeat("S", 257, "{\"content\":\"x\",\"sender\":\"", "\"}", &g->len);
}

static void
gen_idem_201(struct gen *g)
{
    size_t len;
    char *k = repeat("k", 201, "Idempotency-Key: ", "", &len);
    snprintf(g->header, sizeof g->header, "%s", k);
    free(k);
    g->body = strdup("{\"content\":\"x\"}");
    g->len = strlen(g->body);
}

/* Valid JSON padded with blanks to len bytes: only the size can be wrong with it. */
static char *
padded_body(size_t len)
{
    char *p = malloc(len + 1);
    memset(p, ' ', len);
    memcpy(p, "{\"content\":\"padded\"}", 20);
    p[len] = '\0';
    return p;
}

static void
gen_65537(struct gen *g)
{
    g->body = padded_body(65537);
    g->len = 65537;
}

static void
gen_1mb(struct gen *g)
{
    g->body = repeat("a", 1024 * 1024, "{\"content\":\"", "\"}", &g->len);
}

/* A chunked body of about 80 KB in 4 KB chunks (no Content-Length). */
static void
gen_chunked_over_limit(struct gen *g)
{
    size_t cap = 100000, len = 0;
    char *p = malloc(cap);
    len += (size_t)sprintf(p + len, "c\r\n{\"content\":\"\r\n");
    for (int i = 0; i < 20; i++) {
        len += (size_t)sprintf(p + len, "1000\r\n");
        memset(p + len, 'a', 4096);
        len += 4096;
        len += (size_t)sprintf(p + len, "\r\n");
    }
    len += (size_t)sprintf(p + len, "2\r\n\"}\r\n0\r\n\r\n");
    g->body = p;
    g->len = len;
    snprintf(g->header, sizeof g->header, "Transfer-Encoding: chunked");
}

static const struct bad_case cases[] = {
    /* 400 invalid_json */
    {"broken json", B("{\"content\":\"x\""), .status = 400, .code = "invalid_json"},
    {"empty body", B(""), .status = 400, .code = "invalid_json"},
    {"trailing garbage", B("{\"content\":\"x\"} xyz"), .status = 400, .code = "invalid_json"},
    {"two objects", B("{\"content\":\"x\"}{\"content\":\"y\"}"), .status = 400,
     .code = "invalid_json"},
    {"top level array", B("[{\"content\":\"x\"}]"), .status = 400, .code = "invalid_json"},
    {"top level string", B("\"content\""), .status = 400, .code = "invalid_json"},
    {"top level null", B("null"), .status = 400, .code = "invalid_json"},
    {"duplicate member", B("{\"content\":\"a\",\"content\":\"b\"}"), .status = 400,
     .code = "invalid_json"},
    {"single quotes", B("{'content':'x'}"), .status = 400, .code = "invalid_json"},
    {"nesting 10000 arrays", .gen = gen_deep_arrays, .status = 400, .code = "invalid_json"},
    {"nesting 10000 objects", .gen = gen_deep_objects, .status = 400, .code = "invalid_json"},
    {"invalid utf-8 0xff",
     B("{\"content\":\"abc\xff"
       "def\"}"),
     .status = 400, .code = "invalid_json"},
    {"invalid utf-8 overlong slash", B("{\"content\":\"\xc0\xaf\"}"), .status = 400,
     .code = "invalid_json"},
    {"invalid utf-8 encoded surrogate", B("{\"content\":\"\xed\xa0\x80\"}"), .status = 400,
     .code = "invalid_json"},
    {"invalid utf-8 truncated sequence", B("{\"content\":\"\xe4\xb8\"}"), .status = 400,
     .code = "invalid_json"},
    {"invalid utf-8 in member name", B("{\"cont\xff\":\"x\"}"), .status = 400,
     .code = "invalid_json"},
    {"raw NUL byte in string", B("{\"content\":\"a\0b\"}"), .status = 400, .code = "invalid_json"},
    {"raw NUL byte after object", B("{\"content\":\"x\"}\0"), .status = 400,
     .code = "invalid_json"},
    {"lone surrogate escape", B("{\"content\":\"\\ud800\"}"), .status = 400,
     .code = "invalid_json"},
    {"Content-Length shorter than body", .extra = {"Content-Length: 5"}, B("{\"content\":\"x\"}"),
     .status = 400, .code = "invalid_json"},
    /* 400 missing_field */
    {"empty object", B("{}"), .status = 400, .code = "missing_field", .field = "content"},
    {"no content", B("{\"sender\":\"+12125550100\",\"channel\":\"sms\"}"), .status = 400,
     .code = "missing_field", .field = "content"},
    /* 400 invalid_field: content */
    {"content number", B("{\"content\":42}"), .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content array", B("{\"content\":[\"x\"]}"), .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content object", B("{\"content\":{\"text\":\"x\"}}"), .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content true", B("{\"content\":true}"), .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content empty", B("{\"content\":\"\"}"), .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content 4097 ascii", .gen = gen_content_4097_ascii, .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content 4097 cjk", .gen = gen_content_4097_cjk, .status = 400, .code = "invalid_field",
     .field = "content"},
    {"content 4097 escaped", .gen = gen_content_4097_escaped, .status = 400,
     .code = "invalid_field", .field = "content"},
    {"content with \\u0000", B("{\"content\":\"a\\u0000b\"}"), .status = 400,
     .code = "invalid_field", .field = "content"},
    /* channel */
    {"channel unknown", B("{\"content\":\"x\",\"channel\":\"fax\"}"), .status = 400,
     .code = "invalid_field", .field = "channel"},
    {"channel empty", B("{\"content\":\"x\",\"channel\":\"\"}"), .status = 400,
     .code = "invalid_field", .field = "channel"},
    {"channel number", B("{\"content\":\"x\",\"channel\":5}"), .status = 400,
     .code = "invalid_field", .field = "channel"},
    /* received_at */
    {"received_at words", B("{\"content\":\"x\",\"received_at\":\"yesterday\"}"), .status = 400,
     .code = "invalid_field", .field = "received_at"},
    {"received_at month 13", B("{\"content\":\"x\",\"received_at\":\"2024-13-01T00:00:00Z\"}"),
     .status = 400, .code = "invalid_field", .field = "received_at"},
    {"received_at feb 30", B("{\"content\":\"x\",\"received_at\":\"2024-02-30T00:00:00Z\"}"),
     .status = 400, .code = "invalid_field", .field = "received_at"},
    {"received_at no offset", B("{\"content\":\"x\",\"received_at\":\"2024-05-01T12:00:00\"}"),
     .status = 400, .code = "invalid_field", .field = "received_at"},
    {"received_at date only", B("{\"content\":\"x\",\"received_at\":\"2024-05-01\"}"),
     .status = 400, .code = "invalid_field", .field = "received_at"},
    {"received_at 1 h future", .gen = gen_received_future, .status = 400, .code = "invalid_field",
     .field = "received_at"},
    {"received_at 6.5 min future", .gen = gen_received_6min_future, .status = 400,
     .code = "invalid_field", .field = "received_at"},
    {"received_at before 1970", B("{\"content\":\"x\",\"received_at\":\"1969-12-31T23:59:59Z\"}"),
     .status = 400, .code = "invalid_field", .field = "received_at"},
    {"received_at number", B("{\"content\":\"x\",\"received_at\":1714564800}"), .status = 400,
     .code = "invalid_field", .field = "received_at"},
    /* country */
    {"country XX", B("{\"content\":\"x\",\"country\":\"XX\"}"), .status = 400,
     .code = "invalid_field", .field = "country"},
    {"country USA", B("{\"content\":\"x\",\"country\":\"USA\"}"), .status = 400,
     .code = "invalid_field", .field = "country"},
    {"country u1", B("{\"content\":\"x\",\"country\":\"u1\"}"), .status = 400,
     .code = "invalid_field", .field = "country"},
    {"country number", B("{\"content\":\"x\",\"country\":1}"), .status = 400,
     .code = "invalid_field", .field = "country"},
    /* city */
    {"city 101 chars", .gen = gen_city_101, .status = 400, .code = "invalid_field",
     .field = "city"},
    {"city 101 cjk chars", .gen = gen_city_101_cjk, .status = 400, .code = "invalid_field",
     .field = "city"},
    {"city newline", B("{\"content\":\"x\",\"city\":\"New\\nYork\"}"), .status = 400,
     .code = "invalid_field", .field = "city"},
    {"city bell", B("{\"content\":\"x\",\"city\":\"Paris\\u0007\"}"), .status = 400,
     .code = "invalid_field", .field = "city"},
    {"city C1 control NEL", B("{\"content\":\"x\",\"city\":\"Par\\u0085is\"}"), .status = 400,
     .code = "invalid_field", .field = "city"},
    {"city DEL", B("{\"content\":\"x\",\"city\":\"Paris\\u007f\"}"), .status = 400,
     .code = "invalid_field", .field = "city"},
    {"city array", B("{\"content\":\"x\",\"city\":[\"Paris\"]}"), .status = 400,
     .code = "invalid_field", .field = "city"},
    /* reporter */
    {"reporter words", B("{\"content\":\"x\",\"reporter\":\"not a phone\"}"), .status = 400,
     .code = "invalid_field", .field = "reporter"},
    {"reporter too short", B("{\"content\":\"x\",\"reporter\":\"12\"}"), .status = 400,
     .code = "invalid_field", .field = "reporter"},
    {"reporter number type", B("{\"content\":\"x\",\"reporter\":12125550199}"), .status = 400,
     .code = "invalid_field", .field = "reporter"},
    {"reporter email", B("{\"content\":\"x\",\"reporter\":\"me@example.com\"}"), .status = 400,
     .code = "invalid_field", .field = "reporter"},
    /* sender */
    {"sender 257 bytes", .gen = gen_sender_257, .status = 400, .code = "invalid_field",
     .field = "sender"},
    {"sender empty", B("{\"content\":\"x\",\"sender\":\"\"}"), .status = 400,
     .code = "invalid_field", .field = "sender"},
    {"sender control char", B("{\"content\":\"x\",\"sender\":\"BANK\\u0001\"}"), .status = 400,
     .code = "invalid_field", .field = "sender"},
    {"sender tab", B("{\"content\":\"x\",\"sender\":\"BA\\tNK\"}"), .status = 400,
     .code = "invalid_field", .field = "sender"},
    {"sender C1 control CSI", B("{\"content\":\"x\",\"sender\":\"BANK\\u009b\"}"), .status = 400,
     .code = "invalid_field", .field = "sender"},
    {"sender boolean", B("{\"content\":\"x\",\"sender\":true}"), .status = 400,
     .code = "invalid_field", .field = "sender"},
    /* Idempotency-Key header */
    {"idempotency key empty", .extra = {"Idempotency-Key: "}, B("{\"content\":\"x\"}"),
     .status = 400, .code = "invalid_field", .field = "Idempotency-Key"},
    {"idempotency key 201 chars", .gen = gen_idem_201, .status = 400, .code = "invalid_field",
     .field = "Idempotency-Key"},
    /* unknown_field */
    {"unknown member foo", B("{\"content\":\"x\",\"foo\":1}"), .status = 400,
     .code = "unknown_field", .field = "foo"},
    {"unknown member differs in case", B("{\"content\":\"x\",\"Channel\":\"sms\"}"), .status = 400,
     .code = "unknown_field", .field = "Channel"},
    {"unknown member null", B("{\"content\":\"x\",\"extra\":null}"), .status = 400,
     .code = "unknown_field", .field = "extra"},
    /* 401 */
    {"no authorization", .auth = AUTH_NONE, B("{\"content\":\"x\"}"), .status = 401,
     .code = "unauthorized"},
    {"bearer empty token", .auth = AUTH_NONE, .extra = {"Authorization: Bearer "},
     B("{\"content\":\"x\"}"), .status = 401, .code = "unauthorized"},
    {"bearer no token", .auth = AUTH_NONE, .extra = {"Authorization: Bearer"},
     B("{\"content\":\"x\"}"), .status = 401, .code = "unauthorized"},
    {"wrong key", .auth = AUTH_NONE,
     .extra = {"Authorization: Bearer sgw_0000000000000000000000000000000000000000000"},
     B("{\"content\":\"x\"}"), .status = 401, .code = "unauthorized"},
    {"basic auth", .auth = AUTH_NONE, .extra = {"Authorization: Basic dXNlcjpwYXNz"},
     B("{\"content\":\"x\"}"), .status = 401, .code = "unauthorized"},
    {"revoked key", .auth = AUTH_REVOKED, B("{\"content\":\"x\"}"), .status = 401,
     .code = "unauthorized"},
    {"wrong key and broken body", .auth = AUTH_NONE, .extra = {"Authorization: Bearer sgw_nope"},
     B("{\"content\":"), .status = 401, .code = "unauthorized"},
    {"no key and invalid utf-8", .auth = AUTH_NONE, B("{\"content\":\"\xff\"}"), .status = 401,
     .code = "unauthorized"},
    /* 403 */
    {"analyst key", .auth = AUTH_ANALYST, B("{\"content\":\"x\"}"), .status = 403,
     .code = "forbidden"},
    {"admin key", .auth = AUTH_ADMIN, B("{\"content\":\"x\"}"), .status = 403, .code = "forbidden"},
    /* 404 */
    {"GET /nope", .method = "GET", .path = "/nope", .status = 404, .code = "not_found"},
    {"POST /v1/report", .path = "/v1/report", B("{\"content\":\"x\"}"), .status = 404,
     .code = "not_found"},
    /* /v1/reports/{id} exists for GET, so another method is 405, not 404. */
    {"POST /v1/reports/extra", .path = "/v1/reports/extra", B("{\"content\":\"x\"}"), .status = 405,
     .code = "method_not_allowed"},
    {"POST /v1/reports%00/x", .path = "/v1/reports%00/x", B("{\"content\":\"x\"}"), .status = 404,
     .code = "not_found"},
    /* 405 */
    {"GET /v1/reports", .method = "GET", .status = 405, .code = "method_not_allowed",
     .allow = "POST"},
    {"PUT /v1/reports", .method = "PUT", B("{\"content\":\"x\"}"), .status = 405,
     .code = "method_not_allowed", .allow = "POST"},
    {"DELETE /v1/reports", .method = "DELETE", .status = 405, .code = "method_not_allowed",
     .allow = "POST"},
    {"POST /healthz", .path = "/healthz", B("{}"), .status = 405, .code = "method_not_allowed",
     .allow = "GET"},
    /* 413 */
    {"1 MB body", .gen = gen_1mb, .status = 413, .code = "payload_too_large"},
    {"65537 byte body", .gen = gen_65537, .status = 413, .code = "payload_too_large"},
    {"chunked body over limit", .gen = gen_chunked_over_limit, .status = 413,
     .code = "payload_too_large"},
    /* 415 */
    {"text/plain", .ct = "text/plain", B("{\"content\":\"x\"}"), .status = 415,
     .code = "unsupported_media_type"},
    {"no content type", .ct = NO_CT, B("{\"content\":\"x\"}"), .status = 415,
     .code = "unsupported_media_type"},
    {"application/xml", .ct = "application/xml", B("<content>x</content>"), .status = 415,
     .code = "unsupported_media_type"},
    {"multipart/form-data", .ct = "multipart/form-data; boundary=xyz",
     B("--xyz\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nx\r\n--xyz--\r\n"),
     .status = 415, .code = "unsupported_media_type"},
    {"form urlencoded", .ct = "application/x-www-form-urlencoded", B("content=x"), .status = 415,
     .code = "unsupported_media_type"},
};

#define NCASES ((int)(sizeof cases / sizeof *cases))

static int
build_and_send(const char *method, const char *path, enum auth auth, const char *ct,
               const char *const *extra, const char *gen_header, const char *body, size_t body_len,
               struct sgwt_response *resp)
{
    char auth_line[300], ct_line[300];
    const char *h[8];
    int n = 0;
    const char *key = auth == AUTH_REPORTER  ? key_reporter
                      : auth == AUTH_ANALYST ? key_analyst
                      : auth == AUTH_ADMIN   ? key_admin
                      : auth == AUTH_REVOKED ? key_revoked
                                             : NULL;
    if (key) {
        snprintf(auth_line, sizeof auth_line, "Authorization: Bearer %s", key);
        h[n++] = auth_line;
    }
    if (!ct)
        ct = "application/json";
    if (*ct && body) {
        snprintf(ct_line, sizeof ct_line, "Content-Type: %s", ct);
        h[n++] = ct_line;
    }
    for (int i = 0; i < 3 && extra && extra[i]; i++)
        h[n++] = extra[i];
    if (gen_header && *gen_header)
        h[n++] = gen_header;
    h[n] = NULL;
    return sgwt_http_request(g_srv.port, method, path, h, body, body_len, resp);
}

START_TEST(test_bad_input)
{
    const struct bad_case *c = &cases[_i];
    struct gen g = {0};
    const char *body = c->body;
    size_t body_len = c->body_len;
    if (c->gen) {
        c->gen(&g);
        body = g.body;
        body_len = g.len;
    }
    struct sgwt_response r;
    int rc = build_and_send(c->method ? c->method : "POST", c->path ? c->path : "/v1/reports",
                            c->auth, c->ct, c->extra, g.header, body, body_len, &r);
    if (rc != SGWT_HTTP_OK) {
        sgwt_server_log_tail(&g_srv, 20);
        ck_abort_msg("[%s] no answer: %s (%s)", c->name, sgwt_http_result_name(rc), sgwt_errmsg());
    }
    if (r.status != c->status) {
        char *d = sgwt_response_describe(&r);
        if (r.status == 202) {
            json_t *j = sgwt_response_json(&r);
            fprintf(stderr, "[%s] stored a report with id %lld\n", c->name,
                    (long long)json_integer_value(json_object_get(j, "id")));
            json_decref(j);
        }
        ck_abort_msg("[%s] expected %d %s, got:\n%s", c->name, c->status, c->code, d);
    }
    sgwt_assert_error_body(&r, c->code, c->field);
    ck_assert_msg(sgwt_response_header(&r, "X-Request-Id"), "[%s] no X-Request-Id", c->name);
    if (c->allow) {
        const char *allow = sgwt_response_header(&r, "Allow");
        ck_assert_msg(allow && strstr(allow, c->allow), "[%s] Allow header %s lacks %s", c->name,
                      allow ? allow : "(missing)", c->allow);
    }
    sgwt_response_fini(&r);
    free(g.body);
}
END_TEST

/* ---- the boundaries that must be accepted ---- */

struct ok_case {
    const char *name;
    const char *ct;
    const char *extra;
    const char *body;
    void (*gen)(struct gen *g);
    const char *check_sql; /* run with $1 = id; must return want */
    const char *want;
};

static void
gen_content_4096_ascii(struct gen *g)
{
    g->body = repeat("a", 4096, "{\"content\":\"", "\"}", &g->len);
}

static void
gen_content_4096_cjk(struct gen *g)
{
    g->body = repeat("\xe4\xb8\xad", 4096, "{\"content\":\"", "\"}", &g->len);
}

static void
gen_content_4096_emoji(struct gen *g)
{ /* 4-byte UTF-8, and \ud83c\udf89 surrogate pairs count as one character */
    g->body = repeat("\\ud83c\\udf89", 4096, "{\"content\":\"", "\"}", &g->len);
}

static void
gen_received_4min_future(struct gen *g)
{
    char ts[64];
    sgwt_rfc3339_offset(4 * 60, ts, sizeof ts);
    g->body = malloc(128);
    g->len = (size_t)sprintf(g->body, "{\"content\":\"x\",\"received_at\":\"%s\"}", ts);
}

static void
gen_city_100_cjk(struct gen *g)
{
    g->body = repeat("\xe5\x8c\x97", 100, "{\"content\":\"x\",\"city\":\"", "\"}", &g->len);
}

static void
gen_sender_256(struct gen *g)
{
    g->body = repeat("S", 256, "{\"content\":\"x\",\"sender\":\"", "\"}", &g->len);
}

static void
gen_idem_200(struct gen *g)
{
    size_t len;
    char *k = repeat("k", 200, "Idempotency-Key: ", "", &len);
    snprintf(g->header, sizeof g->header, "%s", k);
    free(k);
    g->body = strdup("{\"content\":\"x\"}");
    g->len = strlen(g->body);
}

static void
gen_65536(struct gen *g)
{
    g->body = padded_body(65536);
    g->len = 65536;
}

static void
gen_chunked_small(struct gen *g)
{
    const char *s = "8\r\n{\"conten\r\n"
                    "d\r\nt\":\"chunked\"}\r\n"
                    "0\r\n\r\n";
    g->body = strdup(s);
    g->len = strlen(s);
    snprintf(g->header, sizeof g->header, "Transfer-Encoding: chunked");
}

static const struct ok_case ok_cases[] = {
    {"content 4096 ascii", .gen = gen_content_4096_ascii,
     .check_sql = "SELECT char_length(content) FROM reports WHERE id = $1", .want = "4096"},
    {"content 4096 cjk", .gen = gen_content_4096_cjk,
     .check_sql = "SELECT char_length(content) FROM reports WHERE id = $1", .want = "4096"},
    {"content 4096 emoji pairs", .gen = gen_content_4096_emoji,
     .check_sql = "SELECT char_length(content) FROM reports WHERE id = $1", .want = "4096"},
    {"all optional null",
     .body = "{\"content\":\"x\",\"sender\":null,\"channel\":null,\"received_at\":null,"
             "\"city\":null,\"country\":null,\"reporter\":null}",
     .check_sql = "SELECT channel || (received_at IS NULL) || (city IS NULL) FROM reports "
                  "WHERE id = $1",
     .want = "smstruetrue"},
    {"charset=utf-8", .ct = "application/json; charset=utf-8", .body = "{\"content\":\"x\"}"},
    {"received_at 1970 epoch",
     .body = "{\"content\":\"x\",\"received_at\":\"1970-01-01T00:00:00Z\"}",
     .check_sql = "SELECT extract(epoch FROM received_at)::bigint FROM reports WHERE id = $1",
     .want = "0"},
    {"received_at 4 min future", .gen = gen_received_4min_future},
    {"received_at fraction and offset",
     .body = "{\"content\":\"x\",\"received_at\":\"2024-05-01T14:00:00.250+02:00\"}",
     .check_sql = "SELECT received_at = '2024-05-01T12:00:00.25Z' FROM reports WHERE id = $1",
     .want = "t"},
    {"channel imessage", .body = "{\"content\":\"x\",\"channel\":\"imessage\"}",
     .check_sql = "SELECT channel FROM reports WHERE id = $1", .want = "imessage"},
    {"channel rcs", .body = "{\"content\":\"x\",\"channel\":\"rcs\"}",
     .check_sql = "SELECT channel FROM reports WHERE id = $1", .want = "rcs"},
    {"channel mms", .body = "{\"content\":\"x\",\"channel\":\"mms\"}",
     .check_sql = "SELECT channel FROM reports WHERE id = $1", .want = "mms"},
    {"channel call", .body = "{\"content\":\"x\",\"channel\":\"call\"}",
     .check_sql = "SELECT channel FROM reports WHERE id = $1", .want = "call"},
    {"channel other", .body = "{\"content\":\"x\",\"channel\":\"other\"}",
     .check_sql = "SELECT channel FROM reports WHERE id = $1", .want = "other"},
    {"city 100 cjk chars", .gen = gen_city_100_cjk,
     .check_sql = "SELECT char_length(city) FROM reports WHERE id = $1", .want = "100"},
    {"sender 256 bytes", .gen = gen_sender_256,
     .check_sql = "SELECT octet_length(sender_raw) FROM reports WHERE id = $1", .want = "256"},
    {"idempotency key 200 chars", .gen = gen_idem_200,
     .check_sql = "SELECT char_length(idempotency_key) FROM reports WHERE id = $1", .want = "200"},
    {"country GB", .body = "{\"content\":\"x\",\"country\":\"GB\"}",
     .check_sql = "SELECT country FROM reports WHERE id = $1", .want = "GB"},
    {"body of exactly --max-body bytes", .gen = gen_65536,
     .check_sql = "SELECT content FROM reports WHERE id = $1", .want = "padded"},
    {"chunked small body", .gen = gen_chunked_small,
     .check_sql = "SELECT content FROM reports WHERE id = $1", .want = "chunked"},
    {"escapes decoded", .body = "{\"content\":\"caf\\u00e9 \\\"quoted\\\" \\\\ \\/\"}",
     .check_sql = "SELECT content FROM reports WHERE id = $1",
     .want = "caf\xc3\xa9 \"quoted\" \\ /"},
};

#define NOK ((int)(sizeof ok_cases / sizeof *ok_cases))

START_TEST(test_good_input)
{
    const struct ok_case *c = &ok_cases[_i];
    struct gen g = {0};
    const char *body = c->body;
    size_t len = body ? strlen(body) : 0;
    if (c->gen) {
        c->gen(&g);
        body = g.body;
        len = g.len;
    }
    const char *extra[2] = {g.header[0] ? g.header : c->extra, NULL};
    struct sgwt_response r;
    int rc =
        build_and_send("POST", "/v1/reports", AUTH_REPORTER, c->ct, extra, NULL, body, len, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &g_srv);
    long long id = sgwt_assert_accepted(&r);
    record_ok_id(id);
    sgwt_response_fini(&r);
    if (c->check_sql) {
        PGconn *conn = sgwt_db_connect(g_db.url);
        ck_assert_msg(conn, "%s", sgwt_errmsg());
        char ids[32], *v = NULL;
        snprintf(ids, sizeof ids, "%lld", id);
        int found = sgwt_db_scalar(conn, c->check_sql, (const char *[]){ids, NULL}, &v);
        ck_assert_msg(found == 1, "[%s] row %lld: %s", c->name, id, sgwt_errmsg());
        ck_assert_msg(v && strcmp(v, c->want) == 0, "[%s] stored value %s, want %s", c->name,
                      v ? v : "NULL", c->want);
        free(v);
        PQfinish(conn);
    }
    free(g.body);
}
END_TEST

/* ---- afterwards: alive, and nothing stored but the acknowledged reports ---- */

START_TEST(test_alive_and_nothing_stored)
{
    ck_assert_msg(sgwt_server_alive(&g_srv), "gateway process is gone");
    struct sgwt_response r;
    int rc = sgwt_http_request(g_srv.port, "GET", "/healthz", NULL, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    sgwt_response_fini(&r);

    /* Acknowledged ids as a PostgreSQL array literal. */
    FILE *f = fopen(ok_ids_path, "r");
    char *arr = malloc(65536);
    size_t n = 0, cnt = 0;
    arr[n++] = '{';
    char line[64];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        n += (size_t)snprintf(arr + n, 65536 - n, "%s%s", cnt ? "," : "", line);
        cnt++;
    }
    if (f)
        fclose(f);
    arr[n++] = '}';
    arr[n] = '\0';

    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c, "%s", sgwt_errmsg());
    long long rows = sgwt_db_count(c, "SELECT count(*) FROM reports", NULL);
    char *stray = NULL;
    int found = sgwt_db_scalar(c,
                               "SELECT string_agg(id || ': ' || left(content, 60), E'\\n') FROM "
                               "reports WHERE NOT (id = ANY ($1::bigint[]))",
                               (const char *[]){arr, NULL}, &stray);
    ck_assert_msg(found == 1, "%s", sgwt_errmsg());
    ck_assert_msg(stray == NULL, "reports holds rows nobody saw acknowledged:\n%s", stray);
    ck_assert_msg(rows == (long long)cnt,
                  "reports has %lld rows, the suite saw %zu acknowledged (bad input stored?)", rows,
                  cnt);
    ck_assert_msg(cnt >= (size_t)NOK, "only %zu of %d good cases were acknowledged", cnt, NOK);
    free(stray);
    free(arr);
    PQfinish(c);
}
END_TEST

/* ---- 429: a second gateway with --rate-limit 5 ---- */

START_TEST(test_rate_limit)
{
    struct sgwt_server rl = {0};
    const char *extra[] = {"--rate-limit", "5", NULL};
    ck_assert_msg(sgwt_server_start(&rl, "badinput-ratelimit", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_rl);
    const char *h[] = {auth, "Content-Type: application/json", NULL};
    const char *body = "{\"content\":\"rate limited?\"}";
    struct sgwt_conn *conn = sgwt_conn_new(rl.port);
    int n202 = 0, n429 = 0;
    long long t0 = sgwt_now_ms();
    for (int i = 0; i < 20; i++) {
        struct sgwt_response r;
        int rc = sgwt_conn_request(conn, "POST", "/v1/reports", h, body, strlen(body), &r);
        if (rc == SGWT_HTTP_ECLOSED && sgwt_conn_reuse_count(conn) == 0)
            rc = sgwt_conn_request(conn, "POST", "/v1/reports", h, body, strlen(body), &r);
        SGWT_ASSERT_HTTP(rc, &r, r.status, &rl);
        if (r.status == 202) {
            record_ok_id(sgwt_assert_accepted(&r));
            n202++;
        } else if (r.status == 429) {
            n429++;
            sgwt_assert_error_body(&r, "rate_limited", NULL);
            const char *ra = sgwt_response_header(&r, "Retry-After");
            ck_assert_msg(ra && atoi(ra) >= 1, "429 without a positive Retry-After (%s)",
                          ra ? ra : "missing");
        } else {
            char *d = sgwt_response_describe(&r);
            ck_abort_msg("request %d: expected 202 or 429, got\n%s", i, d);
        }
        sgwt_response_fini(&r);
    }
    double secs = (double)(sgwt_now_ms() - t0) / 1000.0;
    sgwt_conn_free(conn);
    printf("rate limit: 20 requests in %.3f s: %d accepted, %d limited\n", secs, n202, n429);
    ck_assert_msg(n202 >= 5, "burst of 5 not honoured: only %d accepted", n202);
    ck_assert_msg(n202 <= 5 + (int)(5 * secs) + 1,
                  "%d accepted in %.3f s with --rate-limit 5 (burst 5)", n202, secs);
    ck_assert_int_eq(n202 + n429, 20);

    /* The limit is per API key: another key is not affected. */
    struct sgwt_response r;
    int rc = sgwt_http_post_json(rl.port, "/v1/reports", key_rl2, body, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &rl);
    record_ok_id(sgwt_assert_accepted(&r));
    sgwt_response_fini(&r);

    /* And the limited key gets through again after a pause. */
    sgwt_sleep_ms(1200);
    rc = sgwt_http_post_json(rl.port, "/v1/reports", key_rl, body, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &rl);
    record_ok_id(sgwt_assert_accepted(&r));
    sgwt_response_fini(&r);

    int code = sgwt_server_stop(&rl, NULL);
    ck_assert_msg(code == 0, "rate-limited gateway exited %d on SIGTERM", code);
    sgwt_server_remove_log(&rl);
}
END_TEST

static Suite *
bad_input_suite(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("rejected");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_bad_input, 0, NCASES);
    suite_add_tcase(s, tc);

    tc = tcase_create("accepted_boundaries");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_good_input, 0, NOK);
    suite_add_tcase(s, tc);

    tc = tcase_create("rate_limit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rate_limit);
    suite_add_tcase(s, tc);

    /* Last: it checks what all of the above left behind. */
    tc = tcase_create("aftermath");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_alive_and_nothing_stored);
    suite_add_tcase(s, tc);
    return s;
}

static void
die(const char *what)
{
    fprintf(stderr, "itest_bad_input: setup failed: %s: %s\n", what, sgwt_errmsg());
    exit(1);
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(ok_ids_path, sizeof ok_ids_path, "%s/sgwt-badinput-%d.ids", sgwt_tmpdir(),
             (int)getpid());
    unlink(ok_ids_path);
    if (sgwt_db_fresh(&g_db, "bad_input") != 0)
        die("fresh database");
    if (sgwt_key_create(g_db.url, "reporter", "bad-reporter", key_reporter, sizeof key_reporter) !=
            0 ||
        sgwt_key_create(g_db.url, "analyst", "bad-analyst", key_analyst, sizeof key_analyst) != 0 ||
        sgwt_key_create(g_db.url, "admin", "bad-admin", key_admin, sizeof key_admin) != 0 ||
        sgwt_key_create(g_db.url, "reporter", "bad-revoked", key_revoked, sizeof key_revoked) !=
            0 ||
        sgwt_key_create(g_db.url, "reporter", "bad-rl", key_rl, sizeof key_rl) != 0 ||
        sgwt_key_create(g_db.url, "relay", "bad-rl2", key_rl2, sizeof key_rl2) != 0)
        die("key create");
    if (sgwt_key_revoke_name(g_db.url, "bad-revoked") != 0)
        die("key revoke");
    if (sgwt_server_start(&g_srv, "badinput", g_db.url, NULL, NULL) != 0)
        die("spamgw serve");
    printf("bad_input: %d rejected cases, %d accepted boundary cases\n", NCASES, NOK);

    int failed = sgwt_suite_run(bad_input_suite());

    unlink(ok_ids_path);
    return sgwt_suite_finish("itest_bad_input", failed, &g_srv, &g_db);
}
