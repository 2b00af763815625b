/* Integration suite: POST /v1/reports:batch against a real `spamgw serve` and a real
 * PostgreSQL. Per-line results in input order and exactly the valid lines in `reports` (same
 * columns and features as POST /v1/reports gives them); blank lines and CRLF; the line and body
 * limits (nothing stored); content types, roles and methods; all-or-nothing when the database
 * fails under a batch (a failing row, a cancelled statement, PostgreSQL stopped); a 1000-line
 * batch; the batch Idempotency-Key; metrics. Needs SPAMGW_BIN, SPAMGW_TEST_DATABASE_URL and
 * SPAMGW_TEST_PG_STOP / SPAMGW_TEST_PG_START; fails without them. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/proc.h"
#include "tests/support/server.h"
#include "tests/support/suite.h"
#include "tests/support/sgwt_check.h"

#define PATH "/v1/reports:batch"
#define NDJSON "Content-Type: application/x-ndjson"
#define BATCH_MAX_BODY 262144 /* the shared gateway's --batch-max-body (above --max-body) */

static struct sgwt_db g_db;
static struct sgwt_server g_srv;
static char key_relay[256], key_relay2[256], key_reporter[256], key_analyst[256];

/* ---- helpers ---- */

static void
die(const char *what)
{
    fprintf(stderr, "itest_batch: setup failed: %s: %s\n", what, sgwt_errmsg());
    exit(1);
}

static PGconn *
db(void)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    return c;
}

/* POSTs body to the batch route; key NULL omits Authorization, ctype and idem NULL omit
 * their headers (ctype is a whole header line). */
static int
post_batch(const char *key, const char *ctype, const char *body, size_t len, const char *idem,
           struct sgwt_response *resp)
{
    char auth[300], idh[300];
    const char *h[4];
    int n = 0;
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h[n++] = auth;
    }
    if (ctype)
        h[n++] = ctype;
    if (idem) {
        snprintf(idh, sizeof idh, "Idempotency-Key: %s", idem);
        h[n++] = idh;
    }
    h[n] = NULL;
    return sgwt_http_request(g_srv.port, "POST", PATH, h, body, len, resp);
}

/* POSTs an NDJSON batch with the relay key and returns the parsed 200 answer. */
static json_t *
batch_ok(const char *key, const char *body, const char *idem)
{
    struct sgwt_response r;
    int rc = post_batch(key, NDJSON, body, strlen(body), idem, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    json_t *j = sgwt_response_json(&r);
    ck_assert_msg(json_is_object(j), "200 body is not a JSON object: %s", r.body);
    sgwt_response_fini(&r);
    return j;
}

static long long
count_like(const char *pattern)
{
    PGconn *c = db();
    long long n = sgwt_db_count(c, "SELECT count(*) FROM reports WHERE content LIKE $1",
                                (const char *[]){pattern, NULL});
    PQfinish(c);
    ck_assert_msg(n >= 0, "%s", sgwt_errmsg());
    return n;
}

/* The code and field (or "") POST /v1/reports answers for json, which must be a 400. */
static void
single_error(const char *json, char *code, char *field, size_t sz)
{
    struct sgwt_response r;
    int rc = sgwt_http_post_json(g_srv.port, "/v1/reports", key_relay, json, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 400, &g_srv);
    json_t *j = sgwt_response_json(&r), *e = json_object_get(j, "error");
    const char *c = json_string_value(json_object_get(e, "code"));
    const char *f = json_string_value(json_object_get(e, "field"));
    ck_assert_ptr_nonnull(c);
    snprintf(code, sz, "%s", c);
    snprintf(field, sz, "%s", f ? f : "");
    json_decref(j);
    sgwt_response_fini(&r);
}

static long long
single_ok(const char *json)
{
    struct sgwt_response r;
    int rc = sgwt_http_post_json(g_srv.port, "/v1/reports", key_relay, json, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &g_srv);
    long long id = sgwt_assert_accepted(&r);
    sgwt_response_fini(&r);
    return id;
}

static long long
int_member(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    ck_assert_msg(json_is_integer(v), "member %s missing or not an integer", name);
    return (long long)json_integer_value(v);
}

/* Asserts that the batch row and the single-report row hold the same report: every column
 * intake derives (sender, kind, pseudonym, places, MinHash, indicators, ...) is equal. */
static void
assert_same_report(long long batch_id, long long single_id)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", batch_id);
    snprintf(b, sizeof b, "%lld", single_id);
    PGconn *c = db();
    long long n = sgwt_db_count(
        c,
        "SELECT count(*) FROM reports x, reports y WHERE x.id = $1 AND y.id = $2"
        " AND (x.received_at, x.channel, x.sender_raw, x.sender, x.sender_kind, x.content, x.city,"
        " x.country, x.reporter_pseudonym, x.api_key_id, x.minhash, x.indicators,"
        " x.reporter_place, x.sender_place) IS NOT DISTINCT FROM"
        " (y.received_at, y.channel, y.sender_raw, y.sender, y.sender_kind, y.content, y.city,"
        " y.country, y.reporter_pseudonym, y.api_key_id, y.minhash, y.indicators,"
        " y.reporter_place, y.sender_place)"
        " AND x.source = 'batch' AND y.source = 'api' AND x.minhash IS NOT NULL",
        (const char *[]){a, b, NULL});
    PQfinish(c);
    ck_assert_msg(n == 1, "batch report %lld and single report %lld differ (or lack features)",
                  batch_id, single_id);
}

/* ---- results and rows ---- */

/* Mixed valid and invalid lines: one result per non-empty line, in order, with the physical
 * line number; the errors POST /v1/reports gives; exactly the valid lines stored, with the ids
 * answered, the same columns and features as a single report, source "batch". */
START_TEST(test_mixed_lines_results_and_rows)
{
    char tag[64];
    snprintf(tag, sizeof tag, "mixed-%d", (int)getpid());
    char valid1[512], valid2[512], valid3[512], bad_unknown[256], bad_missing[256];
    snprintf(valid1, sizeof valid1,
             "{\"content\":\"%s USPS: parcel held, pay at https://usps-fee.example/p \","
             "\"sender\":\"+1 (212) 555-0100\",\"city\":\"New York\",\"country\":\"US\","
             "\"reporter\":\"+12125550199\",\"received_at\":\"2024-05-01T14:00:00+02:00\"}",
             tag);
    snprintf(valid2, sizeof valid2,
             "{\"content\":\"%s Win big: call 0800 123 456\",\"sender\":\"PROMO\","
             "\"channel\":\"rcs\"}",
             tag);
    snprintf(valid3, sizeof valid3,
             "{\"content\":\"%s \\u4e2d\\u5956\\u4e86 \\u8bf7\\u8054\\u7cfb\","
             "\"sender\":\"+86 139 2651 2345\",\"reporter\":\"+8613926500000\"}",
             tag);
    snprintf(bad_unknown, sizeof bad_unknown, "{\"content\":\"%s x\",\"colour\":\"red\"}", tag);
    snprintf(bad_missing, sizeof bad_missing, "{\"sender\":\"80085\"}");
    const char *bad_json = "{\"content\": \"unterminated";
    const char *bad_type = "[1,2,3]";
    const char *bad_channel = "{\"content\":\"x\",\"channel\":\"pigeon\"}";
    const char *bad_future = "{\"content\":\"x\",\"received_at\":\"2999-01-01T00:00:00Z\"}";

    /* Lines: 1 valid1, 2 bad_json, 3 blank, 4 valid2, 5 bad_unknown, 6 bad_missing,
     * 7 bad_type, 8 bad_channel, 9 valid3, 10 bad_future. */
    const char *lines[] = {valid1,      bad_json, "",          valid2, bad_unknown,
                           bad_missing, bad_type, bad_channel, valid3, bad_future};
    const int nl = (int)(sizeof lines / sizeof lines[0]);
    char *body = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&body, &blen);
    for (int i = 0; i < nl; i++)
        fprintf(f, "%s\n", lines[i]);
    fclose(f);

    json_t *j = batch_ok(key_relay, body, NULL);
    ck_assert_int_eq(int_member(j, "accepted"), 3);
    ck_assert_int_eq(int_member(j, "rejected"), 6);
    ck_assert_ptr_null(json_object_get(j, "idempotent_replay"));
    json_t *results = json_object_get(j, "results");
    ck_assert_msg(json_array_size(results) == 9, "%zu results, want 9 (blank line skipped)",
                  json_array_size(results));

    long long ids[3];
    int nid = 0, ri = 0;
    for (int i = 0; i < nl; i++) {
        if (lines[i][0] == '\0')
            continue;
        json_t *res = json_array_get(results, (size_t)ri++);
        ck_assert_int_eq(int_member(res, "line"), i + 1);
        const char *status = json_string_value(json_object_get(res, "status"));
        int valid = lines[i] == valid1 || lines[i] == valid2 || lines[i] == valid3;
        if (valid) {
            ck_assert_str_eq(status, "accepted");
            ck_assert_ptr_null(json_object_get(res, "error"));
            ids[nid++] = int_member(res, "id");
        } else {
            ck_assert_str_eq(status, "rejected");
            ck_assert_ptr_null(json_object_get(res, "id"));
            json_t *e = json_object_get(res, "error");
            const char *code = json_string_value(json_object_get(e, "code"));
            const char *field = json_string_value(json_object_get(e, "field"));
            const char *msg = json_string_value(json_object_get(e, "message"));
            ck_assert_msg(code && msg && msg[0], "line %d: error without code or message", i + 1);
            char wcode[64], wfield[64];
            single_error(lines[i], wcode, wfield, sizeof wcode);
            ck_assert_msg(strcmp(code, wcode) == 0 && strcmp(field ? field : "", wfield) == 0,
                          "line %d: %s/%s, POST /v1/reports says %s/%s", i + 1, code,
                          field ? field : "", wcode, wfield);
        }
    }
    ck_assert_int_eq(nid, 3);
    ck_assert_msg(ids[0] < ids[1] && ids[1] < ids[2], "ids not in line order: %lld %lld %lld",
                  ids[0], ids[1], ids[2]);
    json_decref(j);

    /* Exactly the valid lines, under the ids answered, as their single twins would be. */
    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 3);
    const char *valid[3] = {valid1, valid2, valid3};
    for (int k = 0; k < 3; k++)
        assert_same_report(ids[k], single_ok(valid[k]));

    char relay_id[32], a[32];
    snprintf(relay_id, sizeof relay_id, "%lld", sgwt_key_id(g_db.url, "batch-relay"));
    snprintf(a, sizeof a, "%lld", ids[0]);
    PGconn *c = db();
    long long ok = sgwt_db_count(c,
                                 "SELECT count(*) FROM reports WHERE id = $1 AND api_key_id = $2"
                                 " AND sender = '+12125550100' AND sender_kind = 'phone'"
                                 " AND city = 'New York' AND country = 'US'"
                                 " AND received_at = '2024-05-01T12:00:00Z'"
                                 " AND idempotency_key IS NULL AND source = 'batch'"
                                 " AND abs(extract(epoch FROM now() - ingested_at)) < 120",
                                 (const char *[]){a, relay_id, NULL});
    PQfinish(c);
    ck_assert_msg(ok == 1, "report %lld is not stored as sent", ids[0]);
    free(body);
}
END_TEST

/* CRLF line ends, blank and whitespace-only lines, no final newline. */
START_TEST(test_blank_lines_and_crlf)
{
    char tag[64], body[1024];
    snprintf(tag, sizeof tag, "crlf-%d", (int)getpid());
    snprintf(body, sizeof body,
             "\r\n \t\r\n{\"content\":\"%s one\"}\r\n\r\n{\"content\":\"%s two\"}\r\n"
             "   \n{\"content\":\"%s three\",\"sender\":\"80085\"}",
             tag, tag, tag);
    json_t *j = batch_ok(key_relay, body, NULL);
    ck_assert_int_eq(int_member(j, "accepted"), 3);
    ck_assert_int_eq(int_member(j, "rejected"), 0);
    json_t *results = json_object_get(j, "results");
    ck_assert_uint_eq(json_array_size(results), 3);
    const int want_lines[3] = {3, 5, 7};
    const char *want_text[3] = {"one", "two", "three"};
    PGconn *c = db();
    for (size_t i = 0; i < 3; i++) {
        json_t *res = json_array_get(results, i);
        ck_assert_int_eq(int_member(res, "line"), want_lines[i]);
        char id[32], content[128];
        snprintf(id, sizeof id, "%lld", int_member(res, "id"));
        snprintf(content, sizeof content, "%s %s", tag, want_text[i]);
        long long n =
            sgwt_db_count(c, "SELECT count(*) FROM reports WHERE id = $1 AND content = $2",
                          (const char *[]){id, content, NULL});
        ck_assert_msg(n == 1, "line %d: report %s does not hold \"%s\" (no CR kept)", want_lines[i],
                      id, content);
    }
    PQfinish(c);
    json_decref(j);

    /* application/jsonl with a UTF-8 charset is the same framing. */
    snprintf(body, sizeof body, "{\"content\":\"%s jsonl\"}\n", tag);
    struct sgwt_response r;
    int rc = post_batch(key_relay, "Content-Type: application/jsonl; charset=utf-8", body,
                        strlen(body), NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    sgwt_response_fini(&r);
    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 4);
}
END_TEST

/* Every line invalid: 200 with only rejections, nothing stored. A body of blank lines only or
 * no body: 400 empty_batch. */
START_TEST(test_all_rejected_and_empty)
{
    json_t *j = batch_ok(key_relay, "{}\n{\"content\":\"\"}\nnull\n", NULL);
    ck_assert_int_eq(int_member(j, "accepted"), 0);
    ck_assert_int_eq(int_member(j, "rejected"), 3);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "results")), 3);
    json_decref(j);

    const char *empties[] = {"", "\n\n", " \r\n\t\n"};
    for (size_t i = 0; i < 3; i++) {
        struct sgwt_response r;
        int rc = post_batch(key_relay, NDJSON, empties[i], strlen(empties[i]), NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, 400, &g_srv);
        sgwt_assert_error_body(&r, "empty_batch", NULL);
        sgwt_response_fini(&r);
    }
}
END_TEST

/* ---- limits ---- */

/* One line more than --batch-max-lines (default 1000): 413 too_many_lines naming the limit,
 * and not one line stored, although every line is valid. */
START_TEST(test_too_many_lines_stores_nothing)
{
    char tag[64];
    snprintf(tag, sizeof tag, "toomany-%d", (int)getpid());
    char *body = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&body, &blen);
    for (int i = 0; i < 1001; i++)
        fprintf(f, "{\"content\":\"%s %d\"}\n%s", tag, i, i % 100 == 0 ? "\n" : "");
    fclose(f);
    ck_assert_msg(blen < BATCH_MAX_BODY, "test body too large for the body limit");

    struct sgwt_response r;
    int rc = post_batch(key_relay, NDJSON, body, blen, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 413, &g_srv);
    sgwt_assert_error_body(&r, "too_many_lines", NULL);
    json_t *j = sgwt_response_json(&r);
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    ck_assert_msg(msg && strstr(msg, "1000"), "message does not name the limit: %s", msg);
    json_decref(j);
    sgwt_response_fini(&r);

    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 0);
    free(body);
}
END_TEST

/* Batches have their own body limit: a body over --max-body (64 KiB) but under
 * --batch-max-body is taken; one over --batch-max-body is 413 payload_too_large (announced by
 * Content-Length or sent chunked), nothing stored. */
START_TEST(test_body_limits)
{
    char tag[64];
    snprintf(tag, sizeof tag, "bodylimit-%d", (int)getpid());
    char pad[401];
    memset(pad, 'x', 400);
    pad[400] = '\0';
    char *body = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&body, &blen);
    for (int i = 0; i < 200; i++) /* ~90 KB: over --max-body, under --batch-max-body */
        fprintf(f, "{\"content\":\"%s %d %s\"}\n", tag, i, pad);
    fclose(f);
    ck_assert(blen > 65536 && blen < BATCH_MAX_BODY);
    json_t *j = batch_ok(key_relay, body, NULL);
    ck_assert_int_eq(int_member(j, "accepted"), 200);
    json_decref(j);
    free(body);

    char tag2[64];
    snprintf(tag2, sizeof tag2, "oversize-%d", (int)getpid());
    body = NULL;
    f = open_memstream(&body, &blen);
    for (size_t written = 0; written <= BATCH_MAX_BODY;) /* blen is set only by fclose */
        written += (size_t)fprintf(f, "{\"content\":\"%s %s\"}\n", tag2, pad);
    fclose(f);
    ck_assert(blen > BATCH_MAX_BODY);

    struct sgwt_response r;
    int rc = post_batch(key_relay, NDJSON, body, blen, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 413, &g_srv);
    sgwt_assert_error_body(&r, "payload_too_large", NULL);
    sgwt_response_fini(&r);

    /* Chunked: no Content-Length, so the limit bites while reading. */
    char auth[300], *chunked = malloc(blen + 64);
    ck_assert_ptr_nonnull(chunked);
    int hl = snprintf(chunked, 64, "%zx\r\n", blen);
    memcpy(chunked + hl, body, blen);
    memcpy(chunked + hl + blen, "\r\n0\r\n\r\n", 7);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_relay);
    const char *h[] = {auth, NDJSON, "Transfer-Encoding: chunked", NULL};
    rc = sgwt_http_request(g_srv.port, "POST", PATH, h, chunked, (size_t)hl + blen + 7, &r);
    SGWT_ASSERT_HTTP(rc, &r, 413, &g_srv);
    sgwt_assert_error_body(&r, "payload_too_large", NULL);
    sgwt_response_fini(&r);
    free(chunked);
    free(body);

    char like[80];
    snprintf(like, sizeof like, "%s %%", tag2);
    ck_assert_int_eq(count_like(like), 0);
}
END_TEST

/* ---- content type, roles, method ---- */

START_TEST(test_wrong_content_type_415)
{
    const char *body = "{\"content\":\"ctype\"}\n";
    const char *types[] = {"Content-Type: application/json",
                           "Content-Type: text/plain",
                           "Content-Type: application/json-seq",
                           "Content-Type: application/x-ndjson; charset=iso-8859-1",
                           "Content-Type: application/x-ndjsonx",
                           NULL};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct sgwt_response r;
        int rc = post_batch(key_relay, types[i], body, strlen(body), NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, 415, &g_srv);
        sgwt_assert_error_body(&r, "unsupported_media_type", NULL);
        sgwt_response_fini(&r);
    }
    /* The accepted names, case-insensitive. */
    const char *ok[] = {"Content-Type: application/x-ndjson", "Content-Type: application/ndjson",
                        "Content-Type: APPLICATION/X-NDJSON; charset=UTF-8",
                        "Content-Type: application/x-jsonl"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct sgwt_response r;
        int rc = post_batch(key_relay, ok[i], body, strlen(body), NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
        sgwt_response_fini(&r);
    }
}
END_TEST

START_TEST(test_roles_and_method)
{
    const char *body = "{\"content\":\"roles\"}\n";
    struct sgwt_response r;
    int rc = post_batch(key_reporter, NDJSON, body, strlen(body), NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 403, &g_srv);
    sgwt_assert_error_body(&r, "forbidden", NULL);
    sgwt_response_fini(&r);

    rc = post_batch(key_analyst, NDJSON, body, strlen(body), NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 403, &g_srv);
    sgwt_assert_error_body(&r, "forbidden", NULL);
    sgwt_response_fini(&r);

    rc = post_batch(NULL, NDJSON, body, strlen(body), NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 401, &g_srv);
    sgwt_assert_error_body(&r, "unauthorized", NULL);
    sgwt_response_fini(&r);

    /* GET on the batch path: 405 with Allow: POST, not the {id} route's 400 or 403. */
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_analyst);
    const char *h[] = {auth, NULL};
    rc = sgwt_http_request(g_srv.port, "GET", PATH, h, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 405, &g_srv);
    sgwt_assert_error_body(&r, "method_not_allowed", NULL);
    const char *allow = sgwt_response_header(&r, "Allow");
    ck_assert_msg(allow && strcmp(allow, "POST") == 0, "Allow: %s", allow ? allow : "(none)");
    sgwt_response_fini(&r);

    /* The single-report routes are untouched by the new path. */
    rc = sgwt_http_request(g_srv.port, "GET", "/v1/reports/1", h, NULL, 0, &r);
    ck_assert_int_eq(rc, SGWT_HTTP_OK);
    ck_assert_msg(r.status == 200 || r.status == 404, "GET /v1/reports/1: %d", r.status);
    sgwt_response_fini(&r);
}
END_TEST

/* ---- all or nothing ---- */

/* A row the database refuses (a trigger raising on one content) sinks the whole batch: 500,
 * nothing stored; a cancelled statement (SQLSTATE 57014, what --commit-timeout causes) is a
 * 503 with Retry-After, nothing stored. The same batch goes through once the trigger is gone. */
START_TEST(test_database_failure_stores_nothing)
{
    char tag[64], body[1024];
    snprintf(tag, sizeof tag, "atomic-%d", (int)getpid());
    PGconn *c = db();
    PGresult *res = sgwt_db_query(
        c,
        "CREATE OR REPLACE FUNCTION itest_batch_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN"
        " IF NEW.content LIKE '%refuse-me%' THEN RAISE EXCEPTION 'refused by test'; END IF;"
        " IF NEW.content LIKE '%cancel-me%' THEN"
        " RAISE EXCEPTION 'cancelled by test' USING ERRCODE = 'query_canceled'; END IF;"
        " RETURN NEW; END $$",
        NULL);
    ck_assert_msg(res != NULL, "%s", sgwt_errmsg());
    PQclear(res);
    res = sgwt_db_query(c,
                        "CREATE TRIGGER itest_batch_refuse BEFORE INSERT ON reports FOR EACH ROW"
                        " EXECUTE FUNCTION itest_batch_refuse()",
                        NULL);
    ck_assert_msg(res != NULL, "%s", sgwt_errmsg());
    PQclear(res);

    const char *poison[] = {"refuse-me", "cancel-me"};
    const int want[] = {500, 503};
    for (int p = 0; p < 2; p++) {
        snprintf(body, sizeof body,
                 "{\"content\":\"%s first\"}\n{\"content\":\"%s second\"}\n"
                 "{\"content\":\"%s %s\"}\n{\"content\":\"%s last\"}\n",
                 tag, tag, tag, poison[p], tag);
        struct sgwt_response r;
        int rc = post_batch(key_relay, NDJSON, body, strlen(body), NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, want[p], &g_srv);
        sgwt_assert_error_body(&r, want[p] == 503 ? "unavailable" : "internal", NULL);
        if (want[p] == 503)
            ck_assert_ptr_nonnull(sgwt_response_header(&r, "Retry-After"));
        sgwt_response_fini(&r);
        char like[80];
        snprintf(like, sizeof like, "%s %%", tag);
        ck_assert_msg(count_like(like) == 0, "%s: part of a failed batch was stored", poison[p]);
    }

    res = sgwt_db_query(c, "DROP TRIGGER itest_batch_refuse ON reports", NULL);
    ck_assert_msg(res != NULL, "%s", sgwt_errmsg());
    PQclear(res);
    PQfinish(c);
    json_t *j = batch_ok(key_relay, body, NULL);
    ck_assert_int_eq(int_member(j, "accepted"), 4);
    json_decref(j);
    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 4);
}
END_TEST

/* ---- a full batch ---- */

/* 1000 lines (the default limit) commit together: 1000 distinct ids, ascending in line order,
 * each row holding its line's content. */
START_TEST(test_thousand_lines)
{
    char tag[64];
    snprintf(tag, sizeof tag, "thousand-%d", (int)getpid());
    char *body = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&body, &blen);
    for (int i = 0; i < 1000; i++)
        fprintf(f,
                "{\"content\":\"%s %d: your account is locked, verify at "
                "https://bank-%d.example/login\",\"sender\":\"+4477009%05d\"}\n",
                tag, i, i % 37, i);
    fclose(f);
    json_t *j = batch_ok(key_relay, body, NULL);
    free(body);
    ck_assert_int_eq(int_member(j, "accepted"), 1000);
    ck_assert_int_eq(int_member(j, "rejected"), 0);
    json_t *results = json_object_get(j, "results");
    ck_assert_uint_eq(json_array_size(results), 1000);

    /* ids and contents as arrays for one query. */
    char *ids = NULL, *contents = NULL;
    size_t il = 0, cl = 0;
    FILE *fi = open_memstream(&ids, &il), *fc = open_memstream(&contents, &cl);
    long long prev = 0;
    fputc('{', fi);
    fputc('{', fc);
    for (size_t i = 0; i < 1000; i++) {
        json_t *res = json_array_get(results, i);
        ck_assert_int_eq(int_member(res, "line"), (long long)i + 1);
        long long id = int_member(res, "id");
        ck_assert_msg(id > prev, "line %zu: id %lld not above %lld", i + 1, id, prev);
        prev = id;
        fprintf(fi, "%s%lld", i ? "," : "", id);
        fprintf(fc,
                "%s\"%s %zu: your account is locked, verify at https://bank-%zu.example/login\"",
                i ? "," : "", tag, i, i % 37);
    }
    fputc('}', fi);
    fputc('}', fc);
    fclose(fi);
    fclose(fc);
    json_decref(j);

    PGconn *c = db();
    long long n = sgwt_db_count(
        c,
        "SELECT count(*) FROM unnest($1::bigint[], $2::text[]) AS u(id, content)"
        " JOIN reports r ON r.id = u.id AND r.content = u.content AND r.source = 'batch'"
        " AND r.sender_kind = 'phone' AND r.minhash IS NOT NULL",
        (const char *[]){ids, contents, NULL});
    long long distinct = sgwt_db_count(c, "SELECT count(DISTINCT x) FROM unnest($1::bigint[]) x",
                                       (const char *[]){ids, NULL});
    PQfinish(c);
    ck_assert_int_eq(distinct, 1000);
    ck_assert_msg(n == 1000, "%lld of 1000 answered ids hold their line's report", n);
    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 1000);
    free(ids);
    free(contents);
}
END_TEST

/* ---- idempotency ---- */

/* A batch retried with the same Idempotency-Key stores nothing new and answers the same ids
 * (rejections included), flagged idempotent_replay; the key is scoped to the API key; a
 * malformed key is 400. */
START_TEST(test_idempotency_key_replay)
{
    char tag[64], body[1024], idem[64];
    snprintf(tag, sizeof tag, "idem-%d", (int)getpid());
    snprintf(idem, sizeof idem, "batch-%d-a", (int)getpid());
    snprintf(body, sizeof body,
             "{\"content\":\"%s one\"}\n{\"nope\":1}\n\n{\"content\":\"%s two\"}\n", tag, tag);

    json_t *first = batch_ok(key_relay, body, idem);
    ck_assert_ptr_null(json_object_get(first, "idempotent_replay"));
    json_t *again = batch_ok(key_relay, body, idem);
    ck_assert_msg(json_is_true(json_object_get(again, "idempotent_replay")), "replay not flagged");
    json_object_del(again, "idempotent_replay");
    ck_assert_msg(json_equal(first, again), "replay answers differently");
    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 2);

    /* The stored key is "KEY LINE": no single report's key (no blanks allowed) can equal it. */
    char id1[32];
    snprintf(id1, sizeof id1, "%lld",
             int_member(json_array_get(json_object_get(first, "results"), 0), "id"));
    char want_key[128];
    snprintf(want_key, sizeof want_key, "%s 1", idem);
    PGconn *c = db();
    ck_assert_int_eq(sgwt_db_count(c,
                                   "SELECT count(*) FROM reports WHERE id = $1"
                                   " AND idempotency_key = $2",
                                   (const char *[]){id1, want_key, NULL}),
                     1);
    PQfinish(c);

    /* Another relay key with the same Idempotency-Key is another batch. */
    json_t *other = batch_ok(key_relay2, body, idem);
    ck_assert_ptr_null(json_object_get(other, "idempotent_replay"));
    ck_assert_int_eq(count_like(like), 4);
    json_decref(other);
    json_decref(first);
    json_decref(again);

    const char *bad[] = {"", "has space", "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < 3; i++) {
        struct sgwt_response r;
        int rc = post_batch(key_relay, NDJSON, body, strlen(body), bad[i], &r);
        SGWT_ASSERT_HTTP(rc, &r, 400, &g_srv);
        sgwt_assert_error_body(&r, "invalid_field", "Idempotency-Key");
        sgwt_response_fini(&r);
    }
    ck_assert_int_eq(count_like(like), 4);
}
END_TEST

/* Two identical keyed batches at once: both answered 200 with the same ids, rows stored once
 * (the second waits on the unique index, then finds the first one's rows). A single report
 * with the same Idempotency-Key is a different request. */
struct racer {
    const char *body, *idem;
    int status;
    json_t *answer;
};

static void *
race_main(void *arg)
{
    struct racer *x = arg;
    struct sgwt_response r;
    int rc = post_batch(key_relay, NDJSON, x->body, strlen(x->body), x->idem, &r);
    x->status = rc == SGWT_HTTP_OK ? r.status : rc;
    x->answer = rc == SGWT_HTTP_OK ? sgwt_response_json(&r) : NULL;
    sgwt_response_fini(&r);
    return NULL;
}

START_TEST(test_idempotency_key_concurrent)
{
    char tag[64], idem[64];
    snprintf(tag, sizeof tag, "race-%d", (int)getpid());
    snprintf(idem, sizeof idem, "race-%d", (int)getpid());
    char *body = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&body, &blen);
    for (int i = 0; i < 300; i++)
        fprintf(f, "{\"content\":\"%s %d\"}\n", tag, i);
    fclose(f);

    for (int round = 0; round < 3; round++) {
        char key[80];
        snprintf(key, sizeof key, "%s-%d", idem, round);
        struct racer x[2] = {{body, key, 0, NULL}, {body, key, 0, NULL}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(pthread_create(&th[i], NULL, race_main, &x[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        ck_assert_msg(x[0].status == 200 && x[1].status == 200, "round %d: %d and %d", round,
                      x[0].status, x[1].status);
        int replays = json_is_true(json_object_get(x[0].answer, "idempotent_replay")) +
                      json_is_true(json_object_get(x[1].answer, "idempotent_replay"));
        ck_assert_msg(replays == 1, "round %d: %d answers flagged as replay, want 1", round,
                      replays);
        json_object_del(x[0].answer, "idempotent_replay");
        json_object_del(x[1].answer, "idempotent_replay");
        ck_assert_msg(json_equal(x[0].answer, x[1].answer), "round %d: different ids", round);
        json_decref(x[0].answer);
        json_decref(x[1].answer);
        char like[80];
        snprintf(like, sizeof like, "%s %%", tag);
        ck_assert_int_eq(count_like(like), 300 * (round + 1));
    }
    free(body);

    /* The single-report key space is separate. */
    char one[128], key[80];
    snprintf(one, sizeof one, "{\"content\":\"%s single\"}", tag);
    snprintf(key, sizeof key, "%s-0", idem);
    struct sgwt_response r;
    int rc = sgwt_http_post_json(g_srv.port, "/v1/reports", key_relay, one, key, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &g_srv);
    sgwt_response_fini(&r);
}
END_TEST

/* ---- metrics ---- */

static long long
metric(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

START_TEST(test_metrics_count_lines)
{
    struct sgwt_response r;
    int rc = sgwt_http_request(g_srv.port, "GET", "/metrics", NULL, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    long long acc0 = metric(r.body, "spamgw_batch_lines_total{result=\"accepted\"} ");
    long long rej0 = metric(r.body, "spamgw_batch_lines_total{result=\"rejected\"} ");
    sgwt_response_fini(&r);
    ck_assert_msg(acc0 >= 0 && rej0 >= 0, "no spamgw_batch_lines_total in /metrics");

    json_t *j = batch_ok(key_relay,
                         "{\"content\":\"metrics a\"}\n[]\n{\"content\":\"metrics b\"}\n"
                         "{\"content\":1}\n{\"x\":2}\n",
                         NULL);
    json_decref(j);
    rc = sgwt_http_request(g_srv.port, "GET", "/metrics", NULL, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    ck_assert_int_eq(metric(r.body, "spamgw_batch_lines_total{result=\"accepted\"} "), acc0 + 2);
    ck_assert_int_eq(metric(r.body, "spamgw_batch_lines_total{result=\"rejected\"} "), rej0 + 3);
    ck_assert_msg(strstr(r.body, "route=\"POST /v1/reports:batch\",status=\"200\"") != NULL,
                  "no request count for the batch route");
    sgwt_response_fini(&r);
}
END_TEST

/* ---- PostgreSQL down ---- */

static void
pg_start_if_down(void)
{
    if (sgwt_env("SPAMGW_TEST_PG_START") && sgwt_db_wait_ready(g_db.maint_url, 500) != 0)
        sgwt_sh_logged(sgwt_env("SPAMGW_TEST_PG_START"), "/dev/null", 60000);
}

/* PostgreSQL stopped: 503 with Retry-After and nothing of the batch stored; once it is back,
 * the gateway reconnects by itself and the same batch is stored whole. */
START_TEST(test_database_stopped_503)
{
    const char *pg_stop = sgwt_env("SPAMGW_TEST_PG_STOP");
    const char *pg_start = sgwt_env("SPAMGW_TEST_PG_START");
    ck_assert_msg(pg_stop && pg_start,
                  "SPAMGW_TEST_PG_STOP and SPAMGW_TEST_PG_START must be set (tests/run sets them)");
    atexit(pg_start_if_down);
    char pglog[512], tag[64], body[512];
    snprintf(pglog, sizeof pglog, "%s/sgwt-batch-pg-%d.log", sgwt_tmpdir(), (int)getpid());
    snprintf(tag, sizeof tag, "pgdown-%d", (int)getpid());
    snprintf(
        body, sizeof body,
        "{\"content\":\"%s a\"}\n{\"content\":\"%s b\"}\n{\"bad\":1}\n{\"content\":\"%s c\"}\n",
        tag, tag, tag);

    ck_assert_msg(sgwt_sh_logged(pg_stop, pglog, 60000) == 0, "SPAMGW_TEST_PG_STOP failed");
    int n503 = 0, other = 0;
    for (int i = 0; i < 3; i++) {
        struct sgwt_response r;
        int rc = post_batch(key_relay, NDJSON, body, strlen(body), NULL, &r);
        if (rc == SGWT_HTTP_OK && r.status == 503 && sgwt_response_header(&r, "Retry-After"))
            n503++;
        else
            other = rc == SGWT_HTTP_OK ? r.status : rc;
        sgwt_response_fini(&r);
    }
    int start_rc = sgwt_sh_logged(pg_start, pglog, 60000);
    ck_assert_msg(start_rc == 0, "SPAMGW_TEST_PG_START failed");
    ck_assert_msg(sgwt_db_wait_ready(g_db.url, 30000) == 0, "PostgreSQL not back");
    ck_assert_msg(n503 == 3, "%d of 3 batches got 503 with Retry-After (other: %d)", n503, other);
    char like[80];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(count_like(like), 0);

    /* Recovery without a restart: the same batch is stored whole within 20 s. */
    int status = 0;
    long long t0 = sgwt_now_ms();
    while (sgwt_now_ms() - t0 < 20000) {
        struct sgwt_response r;
        int rc = post_batch(key_relay, NDJSON, body, strlen(body), NULL, &r);
        status = rc == SGWT_HTTP_OK ? r.status : rc;
        sgwt_response_fini(&r);
        if (status == 200)
            break;
        ck_assert_msg(status == 503, "while reconnecting: %d", status);
        sgwt_sleep_ms(200);
    }
    ck_assert_msg(status == 200, "no 200 within 20 s of PostgreSQL coming back");
    ck_assert_int_eq(count_like(like), 3);
    unlink(pglog);
}
END_TEST

static Suite *
batch_suite(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("lines");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_mixed_lines_results_and_rows);
    tcase_add_test(tc, test_blank_lines_and_crlf);
    tcase_add_test(tc, test_all_rejected_and_empty);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_too_many_lines_stores_nothing);
    tcase_add_test(tc, test_body_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("http");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_wrong_content_type_415);
    tcase_add_test(tc, test_roles_and_method);
    suite_add_tcase(s, tc);

    tc = tcase_create("commit");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_database_failure_stores_nothing);
    tcase_add_test(tc, test_thousand_lines);
    tcase_add_test(tc, test_idempotency_key_replay);
    tcase_add_test(tc, test_idempotency_key_concurrent);
    tcase_add_test(tc, test_metrics_count_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("outage");
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, test_database_stopped_503);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sgwt_db_fresh(&g_db, "batch") != 0)
        die("fresh database");
    if (sgwt_key_create(g_db.url, "relay", "batch-relay", key_relay, sizeof key_relay) != 0 ||
        sgwt_key_create(g_db.url, "relay", "batch-relay2", key_relay2, sizeof key_relay2) != 0 ||
        sgwt_key_create(g_db.url, "reporter", "batch-reporter", key_reporter,
                        sizeof key_reporter) != 0 ||
        sgwt_key_create(g_db.url, "analyst", "batch-analyst", key_analyst, sizeof key_analyst) != 0)
        die("key create");
    char max_body[32];
    snprintf(max_body, sizeof max_body, "%d", BATCH_MAX_BODY);
    const char *extra[] = {"--batch-max-body", max_body, "--cluster", "off", NULL};
    if (sgwt_server_start(&g_srv, "batch", g_db.url, NULL, extra) != 0)
        die("spamgw serve");

    int failed = sgwt_suite_run(batch_suite());

    if (sgwt_db_wait_ready(g_db.maint_url, 2000) != 0 && sgwt_env("SPAMGW_TEST_PG_START")) {
        fprintf(stderr, "itest_batch: PostgreSQL is down after the suite; starting it\n");
        sgwt_sh_logged(sgwt_env("SPAMGW_TEST_PG_START"), "/dev/null", 60000);
        sgwt_db_wait_ready(g_db.maint_url, 15000);
        failed++;
    }
    return sgwt_suite_finish("itest_batch", failed, &g_srv, &g_db);
}
