/* Integration suite: the happy paths of report intake against a real `spamgw serve` and a
 * real PostgreSQL. A report answered 202 must be in the reports table with the right
 * columns; keys, roles, idempotency, revocation, ops endpoints, graceful shutdown and the
 * migrate contract. Needs SPAMGW_BIN and SPAMGW_TEST_DATABASE_URL; fails without them. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fnmatch.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/proc.h"
#include "tests/support/server.h"
#include "tests/support/suite.h"
#include "tests/support/sgwt_check.h"

static struct sgwt_db g_db;
static struct sgwt_server g_srv;
static char key_reporter[256], key_reporter2[256], key_relay[256], key_analyst[256], key_admin[256];

/* ---- helpers ---- */

static int
post(const char *key, const char *json, const char *idem, struct sgwt_response *resp)
{
    return sgwt_http_post_json(g_srv.port, "/v1/reports", key, json, idem, resp);
}

/* POSTs json with key and returns the id of the 202 answer. */
static long long
post_ok(const char *key, const char *json)
{
    struct sgwt_response r;
    int rc = post(key, json, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &g_srv);
    long long id = sgwt_assert_accepted(&r);
    sgwt_response_fini(&r);
    return id;
}

static PGconn *
db(void)
{
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert_msg(c != NULL, "%s", sgwt_errmsg());
    return c;
}

/* The reports row with that id; aborts when it is missing. Caller PQclear()s. */
static PGresult *
report_row(PGconn *c, long long id)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    PGresult *r = sgwt_db_query(c,
                                "SELECT *, row_to_json(reports)::text AS row_json,"
                                " abs(extract(epoch FROM now() - ingested_at)) < 120 AS fresh"
                                " FROM reports WHERE id = $1",
                                (const char *[]){ids, NULL});
    ck_assert_msg(r != NULL, "%s", sgwt_errmsg());
    ck_assert_msg(PQntuples(r) == 1, "report %lld answered 202 but is not in reports", id);
    return r;
}

static void
assert_col(PGresult *r, const char *col, const char *want)
{
    const char *got = sgwt_db_get(r, 0, col);
    if (!want)
        ck_assert_msg(got == NULL, "column %s: expected NULL, got \"%s\"", col, got);
    else
        ck_assert_msg(got && strcmp(got, want) == 0, "column %s: expected \"%s\", got %s%s%s", col,
                      want, got ? "\"" : "", got ? got : "NULL", got ? "\"" : "");
}

static void
expected_pseudonym(const char *e164, char out[65])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), SGWT_REPORTER_SECRET, (int)strlen(SGWT_REPORTER_SECRET),
         (const unsigned char *)e164, strlen(e164), mac, &len);
    ck_assert_uint_eq(len, 32);
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* ---- post: a full report lands in PostgreSQL as sent ---- */

START_TEST(test_post_full_report_row)
{
    const char *content =
        "USPS: your parcel is held. Pay the $1.99 fee at https://usps-track.example/x "
        "\xe4\xb8\xad\xe5\xa5\x96 \xf0\x9f\x8e\x89";
    json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "content", content, "sender",
                            "+1 (212) 555-0100", "channel", "imessage", "received_at",
                            "2024-05-01T14:00:00+02:00", "city", "New York", "country", "US",
                            "reporter", "+12125550199");
    char *body = json_dumps(req, JSON_COMPACT);
    struct sgwt_response r;
    int rc = post(key_reporter, body, NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &g_srv);
    const char *ct = sgwt_response_header(&r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "202 Content-Type is %s",
                  ct ? ct : "(none)");
    long long id = sgwt_assert_accepted(&r);
    json_t *j = sgwt_response_json(&r);
    ck_assert_msg(json_object_size(j) == 2, "202 body has more than id and status: %s", r.body);
    json_decref(j);
    sgwt_response_fini(&r);

    PGconn *c = db();
    PGresult *row = report_row(c, id);
    assert_col(row, "content", content);
    assert_col(row, "channel", "imessage");
    assert_col(row, "sender_raw", "+1 (212) 555-0100");
    assert_col(row, "sender", "+12125550100");
    assert_col(row, "sender_kind", "phone");
    assert_col(row, "city", "New York");
    assert_col(row, "country", "US");
    assert_col(row, "source", "api");
    assert_col(row, "idempotency_key", NULL);
    assert_col(row, "fresh", "t"); /* ingested_at is the server's receive time */
    char apikey_id[32];
    snprintf(apikey_id, sizeof apikey_id, "%lld", sgwt_key_id(g_db.url, "intake-reporter"));
    assert_col(row, "api_key_id", apikey_id);

    /* received_at as given by the client, offset applied. */
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", id);
    long long same = sgwt_db_count(
        c, "SELECT count(*) FROM reports WHERE id = $1 AND received_at = '2024-05-01T12:00:00Z'",
        (const char *[]){idbuf, NULL});
    ck_assert_msg(same == 1, "received_at was not stored as 2024-05-01T12:00:00Z (offset +02:00)");

    /* The reporter only as its pseudonym, never in clear. */
    char want[65];
    expected_pseudonym("+12125550199", want);
    assert_col(row, "reporter_pseudonym", want);
    const char *row_json = sgwt_db_get(row, 0, "row_json");
    ck_assert_msg(!strstr(row_json, "5550199") && !strstr(row_json, "555-0199"),
                  "the reporter number appears in clear in the row: %s", row_json);
    PQclear(row);
    PQfinish(c);
    free(body);
    json_decref(req);
}
END_TEST

START_TEST(test_post_minimal_defaults)
{
    long long id = post_ok(key_reporter, "{\"content\":\"You won a prize, call now\"}");
    PGconn *c = db();
    PGresult *row = report_row(c, id);
    assert_col(row, "content", "You won a prize, call now");
    assert_col(row, "channel", "sms");
    assert_col(row, "received_at", NULL);
    assert_col(row, "sender_raw", NULL);
    assert_col(row, "sender", NULL);
    assert_col(row, "sender_kind", "unknown");
    assert_col(row, "city", NULL);
    assert_col(row, "country", NULL);
    assert_col(row, "reporter_pseudonym", NULL);
    assert_col(row, "idempotency_key", NULL);
    assert_col(row, "source", "api");
    assert_col(row, "fresh", "t");
    PQclear(row);
    PQfinish(c);
}
END_TEST

/* Optional members given as JSON null are treated as absent. */
START_TEST(test_post_nulls_are_absent)
{
    long long id = post_ok(
        key_reporter, "{\"content\":\"null fields\",\"sender\":null,\"channel\":null,"
                      "\"received_at\":null,\"city\":null,\"country\":null,\"reporter\":null}");
    PGconn *c = db();
    PGresult *row = report_row(c, id);
    assert_col(row, "channel", "sms");
    assert_col(row, "sender", NULL);
    assert_col(row, "received_at", NULL);
    assert_col(row, "city", NULL);
    assert_col(row, "country", NULL);
    assert_col(row, "reporter_pseudonym", NULL);
    PQclear(row);
    PQfinish(c);
}
END_TEST

static const struct {
    const char *sender, *country, *want_sender, *want_kind;
} sender_cases[] = {
    {"+1 (212) 555-0100", NULL, "+12125550100", "phone"},
    {"(212) 555-0100", "US", "+12125550100", "phone"},
    {"+44 20 7946 0958", NULL, "+442079460958", "phone"},
    {"020 7946 0958", "GB", "+442079460958", "phone"},
    {"Scam.Desk@Example.COM", NULL, "scam.desk@example.com", "email"},
    {"Amazon", NULL, "AMAZON", "alphanumeric"},
    {"7726", "GB", NULL, "short_code"}, /* NULL: any non-empty normalised form */
};

START_TEST(test_sender_normalisation)
{
    json_t *req = json_pack("{s:s, s:s}", "content", "sender normalisation", "sender",
                            sender_cases[_i].sender);
    if (sender_cases[_i].country)
        json_object_set_new(req, "country", json_string(sender_cases[_i].country));
    char *body = json_dumps(req, JSON_COMPACT);
    long long id = post_ok(key_reporter, body);
    PGconn *c = db();
    PGresult *row = report_row(c, id);
    assert_col(row, "sender_raw", sender_cases[_i].sender);
    assert_col(row, "sender_kind", sender_cases[_i].want_kind);
    if (sender_cases[_i].want_sender) {
        assert_col(row, "sender", sender_cases[_i].want_sender);
    } else {
        const char *s = sgwt_db_get(row, 0, "sender");
        ck_assert_msg(s && *s, "sender %s: normalised form is empty", sender_cases[_i].sender);
    }
    PQclear(row);
    PQfinish(c);
    free(body);
    json_decref(req);
}
END_TEST

/* ---- reporter pseudonyms ---- */

START_TEST(test_reporter_pseudonym_same_number_two_formats)
{
    long long a = post_ok(key_reporter, "{\"content\":\"p1\",\"reporter\":\"+12125550199\"}");
    long long b = post_ok(
        key_reporter, "{\"content\":\"p2\",\"reporter\":\"(212) 555-0199\",\"country\":\"US\"}");
    long long other = post_ok(key_reporter, "{\"content\":\"p3\",\"reporter\":\"+12125550142\"}");
    PGconn *c = db();
    PGresult *ra = report_row(c, a), *rb = report_row(c, b), *ro = report_row(c, other);
    const char *pa = sgwt_db_get(ra, 0, "reporter_pseudonym");
    const char *pb = sgwt_db_get(rb, 0, "reporter_pseudonym");
    const char *po = sgwt_db_get(ro, 0, "reporter_pseudonym");
    ck_assert_msg(pa && strlen(pa) == 64 && strspn(pa, "0123456789abcdef") == 64,
                  "pseudonym is not 64 lower-case hex characters: %s", pa ? pa : "NULL");
    ck_assert_msg(pb && strcmp(pa, pb) == 0,
                  "same reporter in two formats gave two pseudonyms: %s vs %s", pa,
                  pb ? pb : "NULL");
    ck_assert_msg(po && strcmp(pa, po) != 0, "different reporters share a pseudonym: %s", pa);
    char want[65];
    expected_pseudonym("+12125550199", want);
    ck_assert_msg(strcmp(pa, want) == 0,
                  "pseudonym is not HMAC-SHA256(secret, E.164): got %s want %s", pa, want);
    const char *rows[] = {sgwt_db_get(ra, 0, "row_json"), sgwt_db_get(rb, 0, "row_json")};
    for (int i = 0; i < 2; i++)
        ck_assert_msg(!strstr(rows[i], "5550199") && !strstr(rows[i], "555-0199"),
                      "reporter number in clear in row: %s", rows[i]);
    PQclear(ra);
    PQclear(rb);
    PQclear(ro);
    PQfinish(c);
}
END_TEST

/* The pseudonym is keyed: another secret gives another pseudonym for the same number. */
START_TEST(test_reporter_pseudonym_is_keyed)
{
    struct sgwt_server other = {0};
    const char *secret2 = "another-reporter-secret-abcdefghijklmnop";
    ck_assert_msg(sgwt_server_start(&other, "intake-secret2", g_db.url, secret2, NULL) == 0, "%s",
                  sgwt_errmsg());
    struct sgwt_response r;
    int rc = sgwt_http_post_json(other.port, "/v1/reports", key_reporter,
                                 "{\"content\":\"k\",\"reporter\":\"+12125550199\"}", NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 202, &other);
    long long id = sgwt_assert_accepted(&r);
    sgwt_response_fini(&r);
    ck_assert_int_eq(sgwt_server_stop(&other, NULL), 0);
    sgwt_server_remove_log(&other);
    PGconn *c = db();
    PGresult *row = report_row(c, id);
    char want_default[65];
    expected_pseudonym("+12125550199", want_default);
    const char *p = sgwt_db_get(row, 0, "reporter_pseudonym");
    ck_assert_msg(p && strlen(p) == 64, "no pseudonym stored");
    ck_assert_msg(strcmp(p, want_default) != 0,
                  "pseudonym does not depend on --reporter-secret (%s)", p);
    PQclear(row);
    PQfinish(c);
}
END_TEST

/* Never log message bodies or full phone numbers, at any level. */
START_TEST(test_logs_hold_no_numbers_or_bodies)
{
    struct sgwt_server dbg = {0};
    const char *extra[] = {"--log-level", "debug", NULL};
    ck_assert_msg(sgwt_server_start(&dbg, "intake-privacy", g_db.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    const char *bodies[] = {
        "{\"content\":\"Zq7 secret body marker\",\"sender\":\"+1 646 555 0177\","
        "\"reporter\":\"+1 (917) 555-0166\",\"country\":\"US\",\"city\":\"Albany\"}",
        /* rejected ones too: the bad value must not be echoed into the log */
        "{\"content\":\"Zq7 secret body marker\",\"reporter\":\"+1 917 555 01\"}",
        "{\"content\":\"Zq7 secret body marker\",\"sender\":\"+16465550177\",\"channel\":\"fax\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        struct sgwt_response r;
        int rc = sgwt_http_post_json(dbg.port, "/v1/reports", key_reporter, bodies[i], NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, i == 0 ? 202 : 400, &dbg);
        sgwt_response_fini(&r);
    }
    ck_assert_int_eq(sgwt_server_stop(&dbg, NULL), 0);
    const char *secrets[] = {"Zq7 secret", "6465550177",    "646 555 0177",
                             "9175550166", "917) 555-0166", "917 555 01"};
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        if (sgwt_server_log_contains(&dbg, secrets[i])) {
            sgwt_server_log_tail(&dbg, 40);
            ck_abort_msg("the gateway log (debug level) contains \"%s\"", secrets[i]);
        }
    }
    ck_assert_msg(!sgwt_server_log_contains(&dbg, key_reporter), "the log contains an API key");
    sgwt_server_remove_log(&dbg);
}
END_TEST

/* ---- idempotency ---- */

START_TEST(test_idempotency_replay_same_key)
{
    char idem[64];
    snprintf(idem, sizeof idem, "idem-replay-%d", (int)getpid());
    const char *body = "{\"content\":\"idempotent report\"}";
    struct sgwt_response r1, r2;
    int rc = post(key_reporter, body, idem, &r1);
    SGWT_ASSERT_HTTP(rc, &r1, 202, &g_srv);
    long long id1 = sgwt_assert_accepted(&r1);
    rc = post(key_reporter, body, idem, &r2);
    SGWT_ASSERT_HTTP(rc, &r2, 200, &g_srv);
    json_t *j = sgwt_response_json(&r2);
    ck_assert_msg(j && json_is_integer(json_object_get(j, "id")), "replay body: %s", r2.body);
    long long id2 = (long long)json_integer_value(json_object_get(j, "id"));
    ck_assert_msg(id1 == id2, "replay answered id %lld, first answer was %lld", id2, id1);
    json_decref(j);

    PGconn *c = db();
    long long n = sgwt_db_count(c, "SELECT count(*) FROM reports WHERE idempotency_key = $1",
                                (const char *[]){idem, NULL});
    ck_assert_msg(n == 1, "expected 1 row with Idempotency-Key %s, found %lld", idem, n);
    PGresult *row = report_row(c, id1);
    assert_col(row, "idempotency_key", idem);
    PQclear(row);
    PQfinish(c);
    sgwt_response_fini(&r1);
    sgwt_response_fini(&r2);
}
END_TEST

START_TEST(test_idempotency_scoped_per_api_key)
{
    char idem[64];
    snprintf(idem, sizeof idem, "idem-scope-%d", (int)getpid());
    const char *body = "{\"content\":\"same idempotency key, two API keys\"}";
    struct sgwt_response r1, r2;
    int rc = post(key_reporter, body, idem, &r1);
    SGWT_ASSERT_HTTP(rc, &r1, 202, &g_srv);
    long long id1 = sgwt_assert_accepted(&r1);
    rc = post(key_reporter2, body, idem, &r2);
    SGWT_ASSERT_HTTP(rc, &r2, 202, &g_srv);
    long long id2 = sgwt_assert_accepted(&r2);
    ck_assert_msg(id1 != id2, "a different API key got the other key's report %lld", id1);
    PGconn *c = db();
    long long n = sgwt_db_count(c, "SELECT count(*) FROM reports WHERE idempotency_key = $1",
                                (const char *[]){idem, NULL});
    ck_assert_msg(n == 2, "expected 2 rows with Idempotency-Key %s, found %lld", idem, n);
    PQfinish(c);
    sgwt_response_fini(&r1);
    sgwt_response_fini(&r2);
}
END_TEST

/* ---- roles ---- */

static const struct {
    const char *name; /* key name in api_keys */
    char *key;
    int status;
} role_cases[] = {
    {"intake-reporter", key_reporter, 202},
    {"intake-relay", key_relay, 202},
    {"intake-analyst", key_analyst, 403},
    {"intake-admin", key_admin, 403},
};

START_TEST(test_roles_on_post_reports)
{
    struct sgwt_response r;
    int rc = post(role_cases[_i].key, "{\"content\":\"role check\"}", NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, role_cases[_i].status, &g_srv);
    if (role_cases[_i].status == 202) {
        long long id = sgwt_assert_accepted(&r);
        PGconn *c = db();
        PGresult *row = report_row(c, id);
        char kid[32];
        snprintf(kid, sizeof kid, "%lld", sgwt_key_id(g_db.url, role_cases[_i].name));
        assert_col(row, "api_key_id", kid);
        PQclear(row);
        PQfinish(c);
    } else {
        sgwt_assert_error_body(&r, "forbidden", NULL);
    }
    sgwt_response_fini(&r);
}
END_TEST

/* ---- revocation takes effect within a second ---- */

START_TEST(test_revoked_key_rejected_within_1s)
{
    char name[64], key[256];
    snprintf(name, sizeof name, "intake-revoke-%d", (int)getpid());
    ck_assert_msg(sgwt_key_create(g_db.url, "reporter", name, key, sizeof key) == 0, "%s",
                  sgwt_errmsg());
    /* A body that fails validation: 400 while the key is valid, so polling stores nothing. */
    const char *probe = "{}";
    struct sgwt_response r;
    long long deadline = sgwt_now_ms() + 2000;
    int status = 0;
    do { /* a new key must be usable promptly too */
        int rc = post(key, probe, NULL, &r);
        SGWT_ASSERT_HTTP(rc, &r, r.status, &g_srv);
        status = r.status;
        sgwt_response_fini(&r);
        if (status == 400)
            break;
        sgwt_sleep_ms(50);
    } while (sgwt_now_ms() < deadline);
    ck_assert_msg(status == 400, "new key not accepted within 2 s (last status %d)", status);

    /* Poll over one keep-alive connection: revocation must not be cached per connection. */
    struct sgwt_conn *conn = sgwt_conn_new(g_srv.port);
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *hdrs[] = {auth, "Content-Type: application/json", NULL};
    int rc = sgwt_conn_request(conn, "POST", "/v1/reports", hdrs, probe, strlen(probe), &r);
    SGWT_ASSERT_HTTP(rc, &r, 400, &g_srv);
    sgwt_response_fini(&r);

    ck_assert_msg(sgwt_key_revoke_name(g_db.url, name) == 0, "%s", sgwt_errmsg());
    long long t0 = sgwt_now_ms(), t401 = -1;
    deadline = t0 + 2000;
    while (sgwt_now_ms() < deadline) {
        rc = sgwt_conn_request(conn, "POST", "/v1/reports", hdrs, probe, strlen(probe), &r);
        SGWT_ASSERT_HTTP(rc, &r, r.status, &g_srv);
        if (r.status == 401) {
            t401 = sgwt_now_ms();
            sgwt_assert_error_body(&r, "unauthorized", NULL);
            sgwt_response_fini(&r);
            break;
        }
        ck_assert_msg(r.status == 400, "unexpected status %d while waiting for 401: %s", r.status,
                      r.body);
        sgwt_response_fini(&r);
        sgwt_sleep_ms(25);
    }
    sgwt_conn_free(conn);
    ck_assert_msg(t401 >= 0, "revoked key still accepted 2 s after `spamgw key revoke`");
    ck_assert_msg(t401 - t0 <= 1000, "revocation took %lld ms to take effect (limit 1000)",
                  t401 - t0);
    /* And a valid body with the revoked key is refused and stores nothing. */
    rc = post(key, "{\"content\":\"after revoke\"}", NULL, &r);
    SGWT_ASSERT_HTTP(rc, &r, 401, &g_srv);
    sgwt_response_fini(&r);
    PGconn *c = db();
    char kid[32];
    snprintf(kid, sizeof kid, "%lld", sgwt_key_id(g_db.url, name));
    ck_assert_int_eq(sgwt_db_count(c, "SELECT count(*) FROM reports WHERE api_key_id = $1",
                                   (const char *[]){kid, NULL}),
                     0);
    PQfinish(c);
}
END_TEST

/* ---- ops endpoints and request ids ---- */

START_TEST(test_healthz_readyz)
{
    const char *paths[] = {"/healthz", "/readyz"};
    for (int i = 0; i < 2; i++) {
        struct sgwt_response r;
        int rc = sgwt_http_request(g_srv.port, "GET", paths[i], NULL, NULL, 0, &r);
        SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
        sgwt_response_fini(&r);
    }
}
END_TEST

/* Sum of every sample of a metric (all label sets) in a Prometheus text body. */
static double
metric_sum(const char *body, const char *name)
{
    double total = 0;
    size_t n = strlen(name);
    for (const char *l = body; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, name, n) == 0 && (l[n] == '{' || l[n] == ' ')) {
            const char *v = l[n] == '{' ? strchr(l, '}') : l + n;
            if (v)
                total += strtod(v + 1, NULL);
        }
    }
    return total;
}

START_TEST(test_metrics)
{
    struct sgwt_response r;
    int rc = sgwt_http_request(g_srv.port, "GET", "/metrics", NULL, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    double before = metric_sum(r.body, "spamgw_http_requests_total");
    sgwt_response_fini(&r);
    for (int i = 0; i < 3; i++)
        post_ok(key_reporter, "{\"content\":\"metrics traffic\"}");
    rc = sgwt_http_request(g_srv.port, "GET", "/metrics", NULL, NULL, 0, &r);
    SGWT_ASSERT_HTTP(rc, &r, 200, &g_srv);
    const char *ct = sgwt_response_header(&r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "text/plain", 10) == 0, "metrics Content-Type: %s",
                  ct ? ct : "(none)");
    const char *names[] = {"spamgw_http_requests_total", "spamgw_queue_depth",
                           "spamgw_commit_batch_size_bucket", "spamgw_commit_seconds_bucket"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        /* At the start of a sample line, not just in a comment. */
        char needle[128];
        snprintf(needle, sizeof needle, "\n%s", names[i]);
        ck_assert_msg(strstr(r.body, needle) || strncmp(r.body, names[i], strlen(names[i])) == 0,
                      "/metrics has no sample %s:\n%.2000s", names[i], r.body);
    }
    /* A commit happened, so the batch-size histogram has a non-zero +Inf bucket. */
    const char *inf = strstr(r.body, "spamgw_commit_batch_size_bucket{le=\"+Inf\"}");
    ck_assert_msg(inf != NULL, "no +Inf bucket for spamgw_commit_batch_size:\n%.2000s", r.body);
    double v = strtod(inf + strlen("spamgw_commit_batch_size_bucket{le=\"+Inf\"}"), NULL);
    ck_assert_msg(v >= 1, "spamgw_commit_batch_size +Inf bucket is %g after a commit", v);
    double after = metric_sum(r.body, "spamgw_http_requests_total");
    ck_assert_msg(after >= before + 3, "spamgw_http_requests_total went from %g to %g over 3 POSTs",
                  before, after);
    sgwt_response_fini(&r);
}
END_TEST

START_TEST(test_request_id_on_every_response)
{
    char auth[300], aauth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_reporter);
    snprintf(aauth, sizeof aauth, "Authorization: Bearer %s", key_analyst);
    const struct {
        const char *method, *path, *h1, *h2, *body;
        int status;
    } reqs[] = {
        {"GET", "/healthz", NULL, NULL, NULL, 200},
        {"GET", "/readyz", NULL, NULL, NULL, 200},
        {"GET", "/metrics", NULL, NULL, NULL, 200},
        {"POST", "/v1/reports", auth, "Content-Type: application/json", "{\"content\":\"rid\"}",
         202},
        {"POST", "/v1/reports", auth, "Content-Type: application/json", "{", 400},
        {"POST", "/v1/reports", NULL, "Content-Type: application/json", "{}", 401},
        {"POST", "/v1/reports", aauth, "Content-Type: application/json", "{}", 403},
        {"GET", "/nope", NULL, NULL, NULL, 404},
        {"DELETE", "/v1/reports", auth, NULL, NULL, 405},
        {"POST", "/v1/reports", auth, "Content-Type: text/plain", "x", 415},
    };
    size_t n = sizeof reqs / sizeof *reqs;
    char *ids[sizeof reqs / sizeof *reqs];
    for (size_t i = 0; i < n; i++) {
        const char *h[3] = {reqs[i].h1 ? reqs[i].h1 : reqs[i].h2, reqs[i].h1 ? reqs[i].h2 : NULL,
                            NULL};
        struct sgwt_response r;
        int rc = sgwt_http_request(g_srv.port, reqs[i].method, reqs[i].path, h, reqs[i].body,
                                   reqs[i].body ? strlen(reqs[i].body) : 0, &r);
        SGWT_ASSERT_HTTP(rc, &r, reqs[i].status, &g_srv);
        const char *rid = sgwt_response_header(&r, "X-Request-Id");
        ck_assert_msg(rid && *rid, "%s %s (%d) has no X-Request-Id", reqs[i].method, reqs[i].path,
                      r.status);
        ids[i] = strdup(rid);
        for (size_t k = 0; k < i; k++)
            ck_assert_msg(strcmp(ids[k], ids[i]) != 0, "X-Request-Id %s repeated", ids[i]);
        sgwt_response_fini(&r);
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
}
END_TEST

/* ---- graceful shutdown: SIGTERM with requests in flight ---- */

#define INFLIGHT 32

START_TEST(test_sigterm_answers_requests_in_flight)
{
    struct sgwt_server srv = {0};
    ck_assert_msg(sgwt_server_start(&srv, "intake-sigterm", g_db.url, NULL, NULL) == 0, "%s",
                  sgwt_errmsg());
    struct sgwt_conn *conns[INFLIGHT];
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key_reporter);
    const char *hdrs[] = {auth, "Content-Type: application/json", NULL};
    char body[128];
    snprintf(body, sizeof body, "{\"content\":\"in flight at SIGTERM %d\"}", (int)getpid());

    /* Open and warm every connection so the server has accepted it. */
    for (int i = 0; i < INFLIGHT; i++) {
        conns[i] = sgwt_conn_new(srv.port);
        struct sgwt_response r;
        int rc = sgwt_conn_request(conns[i], "GET", "/healthz", NULL, NULL, 0, &r);
        SGWT_ASSERT_HTTP(rc, &r, 200, &srv);
        ck_assert_msg(sgwt_conn_is_open(conns[i]), "server closed a keep-alive connection");
        sgwt_response_fini(&r);
    }
    for (int i = 0; i < INFLIGHT; i++) {
        int rc = sgwt_conn_send(conns[i], "POST", "/v1/reports", hdrs, body, strlen(body));
        ck_assert_msg(rc == SGWT_HTTP_OK, "send %d: %s", i, sgwt_errmsg());
    }
    ck_assert_int_eq(sgwt_server_signal(&srv, SIGTERM), 0);

    int n202 = 0, n503 = 0;
    long long ids[INFLIGHT];
    for (int i = 0; i < INFLIGHT; i++) {
        struct sgwt_response r;
        int rc = sgwt_conn_recv(conns[i], &r);
        if (rc != SGWT_HTTP_OK) {
            sgwt_server_log_tail(&srv, 30);
            ck_abort_msg("request %d in flight at SIGTERM got no answer: %s (%s)", i,
                         sgwt_http_result_name(rc), sgwt_errmsg());
        }
        if (r.status == 202) {
            ids[n202++] = sgwt_assert_accepted(&r);
        } else if (r.status == 503) {
            n503++;
            ck_assert_msg(sgwt_response_header(&r, "Retry-After"), "503 without Retry-After");
        } else {
            char *d = sgwt_response_describe(&r);
            ck_abort_msg("request %d in flight at SIGTERM: expected 202 or 503, got\n%s", i, d);
        }
        sgwt_response_fini(&r);
        sgwt_conn_free(conns[i]);
    }
    int code = sgwt_server_wait(&srv, 15000);
    if (code != 0)
        sgwt_server_log_tail(&srv, 30);
    ck_assert_msg(code != -2, "spamgw still running 15 s after SIGTERM");
    ck_assert_msg(code == 0, "spamgw exited %d after SIGTERM (want 0)", code);
    printf("sigterm: %d in flight, %d answered 202, %d answered 503\n", INFLIGHT, n202, n503);

    /* Acknowledged means committed, and 503 means not stored (the client will resend). */
    PGconn *c = db();
    for (int i = 0; i < n202; i++) {
        PGresult *row = report_row(c, ids[i]);
        PQclear(row);
    }
    char content[64];
    snprintf(content, sizeof content, "in flight at SIGTERM %d", (int)getpid());
    long long rows = sgwt_db_count(c, "SELECT count(*) FROM reports WHERE content = $1",
                                   (const char *[]){content, NULL});
    ck_assert_msg(rows == n202, "%lld rows stored for %d answers 202 (%d answered 503)", rows, n202,
                  n503);
    PQfinish(c);
    sgwt_server_remove_log(&srv);
}
END_TEST

/* ---- migrations ---- */

START_TEST(test_serve_refuses_unmigrated_database)
{
    struct sgwt_db fresh;
    ck_assert_msg(sgwt_db_create(&fresh, "intake_unmig") == 0, "%s", sgwt_errmsg());
    const char *argv[] = {sgwt_bin(),
                          "serve",
                          "--listen",
                          "127.0.0.1:0",
                          "--database-url",
                          fresh.url,
                          "--reporter-secret",
                          SGWT_REPORTER_SECRET,
                          NULL};
    struct sgwt_proc_result res;
    int ran = sgwt_run(argv, 15000, &res);
    char *err = sgwt_printable(res.err, res.err_len, 2000);
    sgwt_db_drop(&fresh);
    ck_assert_msg(ran == 0, "serve on an unmigrated database did not exit within 15 s: %s\n%s",
                  sgwt_errmsg(), err);
    ck_assert_msg(res.status != 0, "serve on an unmigrated database exited 0; stderr:\n%s", err);
    ck_assert_msg(strstr(res.err, "spamgw migrate") != NULL,
                  "stderr does not tell the operator to run `spamgw migrate`:\n%s", err);
    free(err);
    sgwt_proc_result_fini(&res);
}
END_TEST

static char *
schema_snapshot(PGconn *c)
{
    char *snap = NULL;
    int found = sgwt_db_scalar(
        c,
        "SELECT (SELECT string_agg(version || ':' || name || ':' || applied_at, ',' ORDER BY "
        "version) FROM schema_migrations) || ' | ' ||"
        " (SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY "
        "table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public')"
        " || ' | ' || (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes"
        " WHERE schemaname = 'public')",
        NULL, &snap);
    ck_assert_msg(found == 1 && snap, "schema snapshot failed: %s", sgwt_errmsg());
    return snap;
}

static int
count_migration_files(void)
{
    const char *src = sgwt_env("SPAMGW_SOURCE_DIR");
    if (!src)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/schema", src);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (fnmatch("[0-9][0-9][0-9]_*.sql", e->d_name, 0) == 0)
            n++;
    closedir(d);
    return n;
}

START_TEST(test_migrate_twice_changes_nothing)
{
    PGconn *c = db();
    long long nmig = sgwt_db_count(c, "SELECT count(*) FROM schema_migrations", NULL);
    ck_assert_msg(nmig >= 1, "schema_migrations is empty after migrate (%s)", sgwt_errmsg());
    int nfiles = count_migration_files();
    if (nfiles >= 0)
        ck_assert_msg(nmig == nfiles, "schema_migrations has %lld rows, schema/ has %d files", nmig,
                      nfiles);
    char *before = schema_snapshot(c);
    ck_assert_msg(sgwt_db_migrate(g_db.url) == 0, "second migrate failed: %s", sgwt_errmsg());
    char *after = schema_snapshot(c);
    ck_assert_msg(strcmp(before, after) == 0,
                  "second migrate changed the schema or schema_migrations:\nbefore: %s\nafter:  %s",
                  before, after);
    free(before);
    free(after);
    PQfinish(c);
}
END_TEST

/* A migration that reached the tree after a later one was applied (two branches in one
 * release) is still applied: migrate fills every version without its row, in order, and
 * leaves the ones recorded alone. */
START_TEST(test_migrate_fills_gaps)
{
    struct sgwt_db gap;
    ck_assert_msg(sgwt_db_create(&gap, "intake_gap") == 0, "%s", sgwt_errmsg());
    PGconn *c = sgwt_db_connect(gap.url);
    ck_assert_ptr_nonnull(c);
    /* The newest migration is recorded as applied (its objects do not exist): the others are
     * the gap. */
    PGresult *r = sgwt_db_query(c,
                                "CREATE TABLE schema_migrations (version integer PRIMARY KEY,"
                                " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT"
                                " now())",
                                NULL);
    ck_assert_msg(r != NULL, "%s", sgwt_errmsg());
    PQclear(r);
    int nfiles = count_migration_files();
    ck_assert_int_ge(nfiles, 3);
    char last[16];
    snprintf(last, sizeof last, "%d", nfiles);
    const char *p1[] = {last, NULL};
    r = sgwt_db_query(c, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, 'x')", p1);
    ck_assert_msg(r != NULL, "%s", sgwt_errmsg());
    PQclear(r);
    ck_assert_msg(sgwt_db_migrate(gap.url) == 0, "migrate over a gap failed: %s", sgwt_errmsg());
    ck_assert_int_eq(sgwt_db_count(c, "SELECT count(*) FROM schema_migrations", NULL), nfiles);
    ck_assert_int_eq(sgwt_db_count(c,
                                   "SELECT count(*) FROM schema_migrations WHERE version = $1::int"
                                   " AND name = 'x'",
                                   p1),
                     1);
    ck_assert_int_eq(sgwt_db_count(c, "SELECT (to_regclass('reports') IS NOT NULL)::int", NULL), 1);
    ck_assert_int_eq(sgwt_db_count(c, "SELECT count(*) FROM reports", NULL), 0);
    PQfinish(c);
    sgwt_db_drop(&gap);
}
END_TEST

/* ---- runner ---- */

static Suite *
intake_suite(void)
{
    Suite *s = suite_create("intake");
    TCase *tc;

    tc = tcase_create("post");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_post_full_report_row);
    tcase_add_test(tc, test_post_minimal_defaults);
    tcase_add_test(tc, test_post_nulls_are_absent);
    tcase_add_loop_test(tc, test_sender_normalisation, 0,
                        (int)(sizeof sender_cases / sizeof *sender_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("pseudonym");
    tcase_set_timeout(tc, 40);
    tcase_add_test(tc, test_reporter_pseudonym_same_number_two_formats);
    tcase_add_test(tc, test_reporter_pseudonym_is_keyed);
    suite_add_tcase(s, tc);

    tc = tcase_create("privacy");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_logs_hold_no_numbers_or_bodies);
    suite_add_tcase(s, tc);

    tc = tcase_create("idempotency");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_idempotency_replay_same_key);
    tcase_add_test(tc, test_idempotency_scoped_per_api_key);
    suite_add_tcase(s, tc);

    tc = tcase_create("keys");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_roles_on_post_reports, 0,
                        (int)(sizeof role_cases / sizeof *role_cases));
    tcase_add_test(tc, test_revoked_key_rejected_within_1s);
    suite_add_tcase(s, tc);

    tc = tcase_create("ops");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_healthz_readyz);
    tcase_add_test(tc, test_metrics);
    tcase_add_test(tc, test_request_id_on_every_response);
    suite_add_tcase(s, tc);

    tc = tcase_create("shutdown");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sigterm_answers_requests_in_flight);
    suite_add_tcase(s, tc);

    tc = tcase_create("migrate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_serve_refuses_unmigrated_database);
    tcase_add_test(tc, test_migrate_twice_changes_nothing);
    tcase_add_test(tc, test_migrate_fills_gaps);
    suite_add_tcase(s, tc);
    return s;
}

static void
die(const char *what)
{
    fprintf(stderr, "itest_intake: setup failed: %s: %s\n", what, sgwt_errmsg());
    exit(1);
}

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sgwt_db_fresh(&g_db, "intake") != 0)
        die("fresh database");
    if (sgwt_key_create(g_db.url, "reporter", "intake-reporter", key_reporter,
                        sizeof key_reporter) != 0 ||
        sgwt_key_create(g_db.url, "reporter", "intake-reporter2", key_reporter2,
                        sizeof key_reporter2) != 0 ||
        sgwt_key_create(g_db.url, "relay", "intake-relay", key_relay, sizeof key_relay) != 0 ||
        sgwt_key_create(g_db.url, "analyst", "intake-analyst", key_analyst, sizeof key_analyst) !=
            0 ||
        sgwt_key_create(g_db.url, "admin", "intake-admin", key_admin, sizeof key_admin) != 0)
        die("key create");
    if (sgwt_server_start(&g_srv, "intake", g_db.url, NULL, NULL) != 0)
        die("spamgw serve");

    int failed = sgwt_suite_run(intake_suite());

    return sgwt_suite_finish("itest_intake", failed, &g_srv, &g_db);
}
