/* The libmicrohttpd daemon and the request life cycle: route, authenticate, read the body into
 * a capped buffer, call the handler, suspend while the writer commits. It must never block in
 * a callback: the only waits are for the queue lock. */
#include "gateway/http/server.h"

#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/metrics.h"
#include "gateway/common/timeutil.h"
#include "gateway/http/cors.h"
#include "gateway/http/ratelimit.h"
#include "gateway/http/respond.h"
#include "gateway/http/router.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static atomic_uint_fast64_t request_counter;
static uint32_t boot_tag;

static void
make_request_id(struct sgw_request *req)
{
    const char *given = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given != NULL) {
        size_t n = strlen(given);
        int ok = n > 0 && n < sizeof req->id;
        for (size_t i = 0; ok && i < n; i++) {
            char c = given[i];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        }
        if (ok) {
            memcpy(req->id, given, n + 1);
            return;
        }
    }
    snprintf(req->id, sizeof req->id, "%08x%08llx", boot_tag,
             (unsigned long long)atomic_fetch_add(&request_counter, 1));
}

/* --- authentication ---------------------------------------------------------------------- */

static enum sgw_hresult
authenticate(struct sgw_request *req, int *rejected)
{
    struct sgw_server *srv = req->srv;
    const char *h =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    unsigned char hash[32];
    const char *key = NULL;

    *rejected = 1;
    /* Kannel's get-url and post-url can carry the key only in the URL. */
    if (h == NULL && (req->route->flags & SGW_ROUTE_KEY_IN_QUERY))
        key = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "key");
    if (key == NULL) {
        if (h == NULL)
            return sgw_respond_error(req, 401, "unauthorized", NULL,
                                     (req->route->flags & SGW_ROUTE_KEY_IN_QUERY)
                                         ? "missing key: give ?key=KEY or Authorization: Bearer KEY"
                                         : "missing Authorization: Bearer <key> header");
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return sgw_respond_error(req, 401, "unauthorized", NULL,
                                     "Authorization must use the Bearer scheme");
        key = h + 7;
    }
    while (*key == ' ')
        key++;
    size_t n = strlen(key);
    while (n > 0 && key[n - 1] == ' ')
        n--;
    if (n == 0 || n > 256)
        return sgw_respond_error(req, 401, "unauthorized", NULL, "empty or malformed API key");
    sgw_key_hash(key, n, hash);
    if (sgw_db_keycache_lookup(srv->keys, hash, &req->api_key_id, &req->role) != 0)
        return sgw_respond_error(req, 401, "unauthorized", NULL, "unknown or revoked API key");
    if (!(req->route->roles & SGW_ROLE_BIT(req->role))) {
        char msg[128];
        snprintf(msg, sizeof msg, "a key with role %s may not use this route",
                 sgw_role_name(req->role));
        return sgw_respond_error(req, 403, "forbidden", NULL, msg);
    }
    if (srv->ratelimit != NULL &&
        !sgw_ratelimit_allow(srv->ratelimit, req->api_key_id, sgw_monotonic_us()))
        return sgw_respond_error(req, 429, "rate_limited", NULL,
                                 "too many requests for this API key; slow down");
    *rejected = 0;
    return SGW_H_OK;
}

/* ct is the media type mtype, with no charset parameter or a UTF-8 one. */
static int
is_content_type(const char *ct, const char *mtype)
{
    size_t n = strlen(mtype);
    if (ct == NULL)
        return 0;
    while (*ct == ' ')
        ct++;
    if (strncasecmp(ct, mtype, n) != 0)
        return 0;
    ct += n;
    while (*ct == ' ')
        ct++;
    if (*ct == '\0')
        return 1;
    if (*ct != ';')
        return 0;
    /* Only UTF-8 is JSON (RFC 8259); accept no other charset. */
    const char *cs = strcasestr(ct, "charset=");
    if (cs == NULL)
        return 1;
    cs += 8;
    if (*cs == '"')
        cs++;
    return strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "utf8", 4) == 0;
}

static int
is_json_content_type(const char *ct)
{
    return is_content_type(ct, "application/json");
}

/* NDJSON and JSON Lines are the same framing under their common names. application/json-seq
 * (RFC 7464) is not: its records start with RS, so it is refused rather than half-parsed. */
static int
is_ndjson_content_type(const char *ct)
{
    return is_content_type(ct, "application/x-ndjson") ||
           is_content_type(ct, "application/ndjson") || is_content_type(ct, "application/jsonl") ||
           is_content_type(ct, "application/x-jsonl");
}

/* Batches have their own, larger body limit. */
static size_t
body_limit(const struct sgw_request *req)
{
    if (req->route != NULL && req->route->body == SGW_BODY_NDJSON)
        return (size_t)req->srv->cfg->batch_max_body;
    return (size_t)req->srv->cfg->max_body;
}

static enum MHD_Result
count_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct counting {
        const char *name;
        int n;
    } *c = cls;
    (void)kind;
    (void)value;
    if (strcasecmp(key, c->name) == 0)
        c->n++;
    return MHD_YES;
}

static int
count_header(struct MHD_Connection *conn, const char *name)
{
    struct {
        const char *name;
        int n;
    } c = {name, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_cb, &c);
    return c.n;
}

/* First call: everything that can be decided from the headers alone. */
static enum sgw_hresult
on_headers(struct sgw_request *req, const char *url, const char *version, int *rejected)
{
    char allow[64];

    *rejected = 1;
    if (count_header(req->conn, MHD_HTTP_HEADER_CONTENT_LENGTH) > 1)
        return sgw_respond_error(req, 400, "invalid_request", NULL,
                                 "more than one Content-Length header");
    if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
        count_header(req->conn, MHD_HTTP_HEADER_HOST) != 1)
        return sgw_respond_error(req, 400, "invalid_request", NULL,
                                 "HTTP/1.1 requests need exactly one Host header");
    enum sgw_hresult hr;
    if (sgw_cors_preflight(req, url, &hr))
        return hr;
    /* HEAD is GET without a body (libmicrohttpd drops the body). */
    req->route = sgw_router_match(strcmp(req->method, "HEAD") == 0 ? "GET" : req->method, url,
                                  allow, sizeof allow);
    if (req->route == NULL) {
        if (allow[0] != '\0')
            return sgw_respond_method_not_allowed(req, allow);
        return sgw_respond_error(req, 404, "not_found", NULL, "no such route");
    }
    if (req->route->roles != SGW_ROLES_PUBLIC) {
        hr = authenticate(req, rejected);
        if (*rejected)
            return hr;
        *rejected = 1;
    }
    if (req->route->body == SGW_BODY_JSON || req->route->body == SGW_BODY_NDJSON) {
        const char *ct =
            MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (req->route->body == SGW_BODY_JSON && !is_json_content_type(ct))
            return sgw_respond_error(req, 415, "unsupported_media_type", NULL,
                                     "Content-Type must be application/json (UTF-8)");
        if (req->route->body == SGW_BODY_NDJSON && !is_ndjson_content_type(ct))
            return sgw_respond_error(req, 415, "unsupported_media_type", NULL,
                                     "Content-Type must be application/x-ndjson or "
                                     "application/jsonl (UTF-8)");
        const char *cl =
            MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strtoull(cl, NULL, 10) > (unsigned long long)body_limit(req)) {
            char msg[96];
            snprintf(msg, sizeof msg, "request body is larger than %zu bytes", body_limit(req));
            return sgw_respond_error(req, 413, "payload_too_large", NULL, msg);
        }
    }
    *rejected = 0;
    return SGW_H_OK;
}

static void
take_body(struct sgw_request *req, const char *data, size_t n)
{
    size_t max = body_limit(req);
    req->body_seen += n;
    if (req->body_too_large || req->route == NULL || req->route->body == SGW_BODY_NONE)
        return;
    if (req->body_len + n > max) {
        req->body_too_large = 1;
        free(req->body);
        req->body = NULL;
        req->body_len = req->body_cap = 0;
        return;
    }
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        if (cap > max + 1)
            cap = max + 1;
        req->body = sgw_xrealloc(req->body, cap);
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
}

static enum MHD_Result
to_mhd(enum sgw_hresult hr)
{
    return hr == SGW_H_OK ? MHD_YES : MHD_NO;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct sgw_server *srv = cls;
    struct sgw_request *req = *con_cls;

    if (req == NULL) {
        int rejected = 0;
        req = sgw_xcalloc(1, sizeof *req);
        req->srv = srv;
        req->conn = conn;
        req->method = method;
        req->path = sgw_xstrdup(url);
        req->started_us = sgw_monotonic_us();
        *con_cls = req;
        atomic_fetch_add(&srv->active, 1);
        make_request_id(req);
        enum sgw_hresult hr = on_headers(req, url, version, &rejected);
        if (rejected)
            return to_mhd(hr);
        return MHD_YES;
    }
    if (req->answered)
        return MHD_YES; /* answered early: let MHD drain or drop what is left */
    if (*upload_data_size > 0) {
        /* A chunked body far past the limit is an attack or a broken client: stop reading. */
        if (req->body_seen > 16 * body_limit(req))
            return MHD_NO;
        take_body(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->body_too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body is larger than %zu bytes", body_limit(req));
        return to_mhd(sgw_respond_error(req, 413, "payload_too_large", NULL, msg));
    }
    if (req->suspended && !atomic_load(&req->done))
        return MHD_YES; /* spurious call while waiting */
    return to_mhd(req->route->handler(req));
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode toe)
{
    struct sgw_server *srv = cls;
    struct sgw_request *req = *con_cls;
    (void)conn;

    if (req == NULL)
        return;
    int64_t elapsed = sgw_monotonic_us() - req->started_us;
    int metric = req->route       ? req->route->metric
                 : req->preflight ? sgw_cors_metric()
                                  : sgw_router_unmatched_metric();
    sgw_metrics_request(metric, req->answered ? req->status : 499, elapsed);
    sgw_debug("event=request req=%s method=%s route=\"%s\" status=%u us=%lld term=%d", req->id,
              req->method, req->route ? req->route->pattern : "-", req->status, (long long)elapsed,
              (int)toe);
    if (req->counted)
        atomic_fetch_sub(&srv->outstanding, 1);
    atomic_fetch_sub(&srv->active, 1);
    sgw_report_free(req->report);
    if (req->ctx_free)
        req->ctx_free(req->ctx);
    free(req->body);
    free(req->path);
    free(req);
    *con_cls = NULL;
}

/* --- the writer hand-off ----------------------------------------------------------------- */

static void
report_done(void *arg, enum sgw_status st, int64_t id, int replay)
{
    struct sgw_request *req = arg;
    req->result = st;
    req->result_id = id;
    req->replay = replay;
    atomic_store(&req->done, 1);
    MHD_resume_connection(req->conn);
}

static enum sgw_hresult
suspend_and_queue(struct sgw_request *req, sgw_db_job_fn job, sgw_db_batch_fn batch, int read)
{
    struct sgw_server *srv = req->srv;
    enum sgw_status st;

    /* Suspend before queueing: the writer may resume us before this function returns. While
     * draining the writer still commits, so requests already on the wire get a real answer
     * (their connection is closed after it). */
    MHD_suspend_connection(req->conn);
    req->suspended = 1;
    req->counted = 1;
    atomic_fetch_add(&srv->outstanding, 1);
    if (job != NULL && read && srv->reads != NULL)
        st = sgw_db_readpool_submit(srv->reads, job, report_done, req);
    else if (job != NULL)
        st = sgw_db_writer_submit_job(srv->writer, job, report_done, req);
    else if (batch != NULL)
        st = sgw_db_writer_submit_batch(srv->writer, batch, report_done, req);
    else
        st = sgw_db_writer_submit(srv->writer, req->report, report_done, req);
    if (st != SGW_OK) {
        req->result = st;
        atomic_store(&req->done, 1);
        MHD_resume_connection(req->conn);
    }
    return SGW_H_OK;
}

enum sgw_hresult
sgw_server_submit(struct sgw_request *req, struct sgw_report *report_take)
{
    req->report = report_take;
    return suspend_and_queue(req, NULL, NULL, 0);
}

enum sgw_hresult
sgw_server_submit_job(struct sgw_request *req, sgw_db_job_fn job)
{
    return suspend_and_queue(req, job, NULL, 0);
}

enum sgw_hresult
sgw_server_submit_read(struct sgw_request *req, sgw_db_job_fn job)
{
    return suspend_and_queue(req, job, NULL, 1);
}

enum sgw_hresult
sgw_server_submit_batch(struct sgw_request *req, sgw_db_batch_fn batch)
{
    return suspend_and_queue(req, NULL, batch, 0);
}

/* --- lifecycle --------------------------------------------------------------------------- */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decoding of paths and query values that leaves "%00" undecoded: a NUL would cut
 * the C string short and let "/v1/reports%00/x" reach /v1/reports. */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *r = s, *w = s;
    (void)cls;
    (void)conn;
    while (*r) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi << 4 | lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    sgw_warn("event=mhd message=\"%s\"", msg);
}

static int
parse_listen(const char *listen, struct sockaddr_storage *ss, int *ipv6)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen)
        return -1;
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host)
        return -1;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *ipv6 = 1;
        return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *ipv6 = 0;
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
}

int
sgw_server_start(struct sgw_server *srv)
{
    const struct sgw_config *cfg = srv->cfg;
    struct sockaddr_storage ss;
    int ipv6 = 0;
    unsigned threads = (unsigned)cfg->threads;

    if (parse_listen(cfg->listen, &ss, &ipv6) != 0) {
        sgw_error("event=bad_listen listen=%s hint=\"use HOST:PORT, e.g. 127.0.0.1:8080\"",
                  cfg->listen);
        return -1;
    }
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 2;
    }
    FILE *ur = fopen("/dev/urandom", "rb");
    if (ur == NULL || fread(&boot_tag, sizeof boot_tag, 1, ur) != 1)
        boot_tag = (uint32_t)getpid();
    if (ur)
        fclose(ur);
    sgw_router_init();
    sgw_cors_init();
    if (cfg->rate_limit > 0)
        srv->ratelimit = sgw_ratelimit_new(cfg->rate_limit);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, access_handler, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->connection_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->connection_timeout, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        sgw_error("event=listen_failed listen=%s hint=\"address in use or not local?\"",
                  cfg->listen);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(cfg->listen, ':') - cfg->listen),
             cfg->listen);
    sgw_info("event=listening listen=%s:%u threads=%u", host, srv->port, threads);
    return 0;
}

void
sgw_server_quiesce(struct sgw_server *srv)
{
    if (srv->daemon == NULL)
        return;
    atomic_store(&srv->draining, 1);
    srv->listen_fd = (int)MHD_quiesce_daemon(srv->daemon);
}

void
sgw_server_drain(struct sgw_server *srv, int timeout_ms)
{
    /* Requests already written to open connections may not have been read yet: wait until
     * nothing has been active for a short quiet period, so those get their answer too. */
    const int64_t quiet_us = 200000;
    int64_t deadline = sgw_monotonic_us() + (int64_t)timeout_ms * 1000, idle_since = 0;

    for (;;) {
        int64_t now = sgw_monotonic_us();
        if (atomic_load(&srv->active) > 0)
            idle_since = 0;
        else if (idle_since == 0)
            idle_since = now;
        if ((idle_since != 0 && now - idle_since >= quiet_us) || now >= deadline)
            break;
        usleep(5000);
    }
}

void
sgw_server_stop(struct sgw_server *srv)
{
    if (srv->daemon != NULL) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
    }
    /* After quiesce the listening socket is ours to close, once MHD no longer polls it. */
    if (srv->listen_fd > 0)
        close(srv->listen_fd);
    srv->listen_fd = -1;
    sgw_ratelimit_free(srv->ratelimit);
    srv->ratelimit = NULL;
}
