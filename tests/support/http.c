/* Blocking HTTP/1.1 client for tests: raw sockets to 127.0.0.1, a deadline on every wait,
 * Content-Length and chunked responses. It must never "fix" what the caller asked to send:
 * the bytes of a request are exactly the caller's plus a Host and Content-Length that the
 * caller did not give. */
#include "tests/support/http.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/common/mem.h"
#include "tests/support/common.h"

#define MAX_RESPONSE (32u * 1024u * 1024u)

struct sgwt_conn {
    int fd;
    int port;
    int timeout_ms;
    int nresp;         /* responses read on this socket */
    int head_request;  /* the pending request was HEAD */
    long long t_start; /* when the pending request started */
    char *buf;         /* bytes received and not yet consumed: buf[off..len) */
    size_t len, off, cap;
};

struct strbuf {
    char *p;
    size_t len, cap;
};

static void
sb_add(struct strbuf *sb, const void *data, size_t n)
{
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        while (cap < sb->len + n + 1)
            cap *= 2;
        sb->p = sgw_xrealloc(sb->p, cap);
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, data, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
sb_addf(struct strbuf *sb, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_add(sb, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

const char *
sgwt_http_result_name(int rc)
{
    switch (rc) {
    case SGWT_HTTP_OK: return "ok";
    case SGWT_HTTP_ECONNECT: return "connect failed";
    case SGWT_HTTP_ETIMEOUT: return "timeout";
    case SGWT_HTTP_ECLOSED: return "closed before response";
    case SGWT_HTTP_EIO: return "connection broken mid-response";
    case SGWT_HTTP_EPROTO: return "malformed response";
    default: return "unknown";
    }
}

void
sgwt_response_fini(struct sgwt_response *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->names);
    free(r->values);
    free(r->body);
    memset(r, 0, sizeof *r);
}

const char *
sgwt_response_header(const struct sgwt_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

size_t
sgwt_response_header_count(const struct sgwt_response *r, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->names[i], name) == 0)
            n++;
    return n;
}

json_t *
sgwt_response_json(const struct sgwt_response *r)
{
    json_error_t err;
    if (!r->body)
        return NULL;
    return json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
}

char *
sgwt_response_describe(const struct sgwt_response *r)
{
    struct strbuf sb = {0};
    sb_addf(&sb, "HTTP/1.%d %d\n", r->http_minor, r->status);
    for (size_t i = 0; i < r->nheaders; i++)
        sb_addf(&sb, "%s: %s\n", r->names[i], r->values[i]);
    char *body = sgwt_printable(r->body, r->body_len, 1200);
    sb_addf(&sb, "\n%s", "");
    sb_add(&sb, body, strlen(body));
    free(body);
    return sb.p ? sb.p : sgw_xstrdup("");
}

/* ---- connection ---- */

struct sgwt_conn *
sgwt_conn_new(int port)
{
    struct sgwt_conn *c = sgw_xcalloc(1, sizeof *c);
    c->fd = -1;
    c->port = port;
    c->timeout_ms = SGWT_HTTP_TIMEOUT_MS;
    return c;
}

void
sgwt_conn_close(struct sgwt_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->nresp = 0;
    c->len = c->off = 0;
}

void
sgwt_conn_free(struct sgwt_conn *c)
{
    if (!c)
        return;
    sgwt_conn_close(c);
    free(c->buf);
    free(c);
}

void
sgwt_conn_set_port(struct sgwt_conn *c, int port)
{
    if (c->port != port)
        sgwt_conn_close(c);
    c->port = port;
}

void
sgwt_conn_set_timeout(struct sgwt_conn *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms;
}

int
sgwt_conn_is_open(const struct sgwt_conn *c)
{
    return c->fd >= 0;
}

int
sgwt_conn_reuse_count(const struct sgwt_conn *c)
{
    return c->nresp;
}

static int
conn_connect(struct sgwt_conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sgwt_set_err("socket: %s", strerror(errno));
        return SGWT_HTTP_ECONNECT;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        sgwt_set_err("connect 127.0.0.1:%d: %s", c->port, strerror(errno));
        close(fd);
        return SGWT_HTTP_ECONNECT;
    }
    c->fd = fd;
    c->nresp = 0;
    c->len = c->off = 0;
    return SGWT_HTTP_OK;
}

static int
remaining_ms(const struct sgwt_conn *c)
{
    long long left = c->t_start + c->timeout_ms - sgwt_now_ms();
    return left < 0 ? 0 : (int)left;
}

/* Writes bytes; stops early (returning OK) when the server has already answered or closed,
 * so a 413 sent before the end of a 1 MB upload is read rather than lost to EPIPE. */
static int
send_bytes(struct sgwt_conn *c, const char *p, size_t n)
{
    while (n > 0) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT | POLLIN};
        int left = remaining_ms(c);
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            sgwt_set_err("poll: %s", strerror(errno));
            return SGWT_HTTP_EIO;
        }
        if (pr == 0) {
            sgwt_set_err("timeout after %d ms while sending (%zu bytes left)", c->timeout_ms, n);
            return SGWT_HTTP_ETIMEOUT;
        }
        if (pfd.revents & (POLLIN | POLLERR | POLLHUP))
            return SGWT_HTTP_OK; /* early answer or close: let the reader see it */
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            if (errno == EPIPE || errno == ECONNRESET)
                return SGWT_HTTP_OK; /* the reader reports what happened */
            sgwt_set_err("send: %s", strerror(errno));
            return SGWT_HTTP_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return SGWT_HTTP_OK;
}

/* Reads more bytes into the buffer. Returns >0 bytes read, 0 on EOF, SGWT_HTTP_ETIMEOUT, or
 * SGWT_HTTP_EIO on reset (errno-style message set). */
static long
fill(struct sgwt_conn *c)
{
    if (c->off > 0) { /* positions are relative to off, so compaction is invisible */
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    if (c->cap - c->len < 16384) {
        if (c->len - c->off + 65536 > MAX_RESPONSE) {
            sgwt_set_err("response larger than %u bytes", MAX_RESPONSE);
            return SGWT_HTTP_EPROTO;
        }
        size_t cap = c->cap ? c->cap * 2 : 65536;
        c->buf = sgw_xrealloc(c->buf, cap);
        c->cap = cap;
    }
    for (;;) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, remaining_ms(c));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0) {
            sgwt_set_err("timeout: no complete response within %d ms", c->timeout_ms);
            return SGWT_HTTP_ETIMEOUT;
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0) {
            sgwt_set_err("recv: %s", strerror(errno));
            return SGWT_HTTP_EIO;
        }
        c->len += (size_t)r;
        c->buf[c->len] = '\0';
        return (long)r;
    }
}

/* Makes sure at least `need` unconsumed bytes are buffered. got_any tells whether part of
 * this response has been seen, to tell a clean close from a broken response. */
static int
need_bytes(struct sgwt_conn *c, size_t need, int got_any)
{
    while (c->len - c->off < need) {
        long r = fill(c);
        if (r == 0 || r == SGWT_HTTP_EIO) {
            if (!got_any && c->len == c->off) {
                if (r == 0)
                    sgwt_set_err("server closed the connection without answering");
                return SGWT_HTTP_ECLOSED;
            }
            if (r == 0)
                sgwt_set_err("server closed the connection mid-response");
            return SGWT_HTTP_EIO;
        }
        if (r < 0)
            return (int)r;
    }
    return SGWT_HTTP_OK;
}

/* Finds "\r\n" at or after buf[off + from]; returns its offset from off via *pos. */
static int
need_line(struct sgwt_conn *c, size_t from, size_t *pos, int got_any)
{
    for (;;) {
        char *start = c->buf ? c->buf + c->off + from : NULL;
        size_t avail = c->len - c->off;
        if (start && avail > from) {
            char *nl = memmem(start, avail - from, "\r\n", 2);
            if (nl) {
                *pos = (size_t)(nl - (c->buf + c->off));
                return SGWT_HTTP_OK;
            }
        }
        int rc = need_bytes(c, avail + 1, got_any || avail > 0);
        if (rc != SGWT_HTTP_OK)
            return rc;
    }
}

static char *
trim_dup(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return sgw_xstrndup(s, n);
}

static void
add_header(struct sgwt_response *r, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return;
    r->names = sgw_xrealloc(r->names, (r->nheaders + 1) * sizeof *r->names);
    r->values = sgw_xrealloc(r->values, (r->nheaders + 1) * sizeof *r->values);
    r->names[r->nheaders] = trim_dup(line, (size_t)(colon - line));
    r->values[r->nheaders] = trim_dup(colon + 1, n - (size_t)(colon - line) - 1);
    r->nheaders++;
}

static int
header_has_token(const struct sgwt_response *r, const char *name, const char *token)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->names[i], name) == 0 && strcasestr(r->values[i], token))
            return 1;
    return 0;
}

static void
body_append(struct sgwt_response *r, size_t *cap, const char *p, size_t n)
{
    if (r->body_len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 1024;
        while (nc < r->body_len + n + 1)
            nc *= 2;
        r->body = sgw_xrealloc(r->body, nc);
        *cap = nc;
    }
    memcpy(r->body + r->body_len, p, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
}

/* Reads one response (skipping 1xx interim ones) into r. */
static int
read_response(struct sgwt_conn *c, struct sgwt_response *r)
{
    int rc;
    size_t pos, cap = 0;
    memset(r, 0, sizeof *r);

again:
    /* Status line. */
    if ((rc = need_line(c, 0, &pos, 0)) != SGWT_HTTP_OK)
        goto fail;
    {
        const char *l = c->buf + c->off;
        int minor = 0, status = 0;
        if (pos < 12 || sscanf(l, "HTTP/1.%1d %3d", &minor, &status) != 2 || status < 100 ||
            status > 999) {
            char *p = sgwt_printable(l, pos, 200);
            sgwt_set_err("malformed status line: %s", p);
            free(p);
            rc = SGWT_HTTP_EPROTO;
            goto fail;
        }
        r->status = status;
        r->http_minor = minor;
        c->off += pos + 2;
    }
    /* Header lines up to the empty one. */
    for (;;) {
        if ((rc = need_line(c, 0, &pos, 1)) != SGWT_HTTP_OK)
            goto fail;
        if (pos == 0) {
            c->off += 2;
            break;
        }
        add_header(r, c->buf + c->off, pos);
        c->off += pos + 2;
    }
    if (r->status >= 100 && r->status < 200) {
        sgwt_response_fini(r);
        goto again;
    }

    if (c->head_request || r->status == 204 || r->status == 304) {
        /* no body */
    } else if (header_has_token(r, "Transfer-Encoding", "chunked")) {
        r->chunked = 1;
        for (;;) {
            if ((rc = need_line(c, 0, &pos, 1)) != SGWT_HTTP_OK)
                goto fail;
            char *end = NULL;
            unsigned long long size = strtoull(c->buf + c->off, &end, 16);
            if (end == c->buf + c->off || size > MAX_RESPONSE) {
                sgwt_set_err("bad chunk size line");
                rc = SGWT_HTTP_EPROTO;
                goto fail;
            }
            c->off += pos + 2;
            if (size == 0) {
                for (;;) { /* trailers */
                    if ((rc = need_line(c, 0, &pos, 1)) != SGWT_HTTP_OK)
                        goto fail;
                    c->off += pos + 2;
                    if (pos == 0)
                        break;
                }
                break;
            }
            if ((rc = need_bytes(c, (size_t)size + 2, 1)) != SGWT_HTTP_OK)
                goto fail;
            body_append(r, &cap, c->buf + c->off, (size_t)size);
            if (memcmp(c->buf + c->off + size, "\r\n", 2) != 0) {
                sgwt_set_err("chunk not followed by CRLF");
                rc = SGWT_HTTP_EPROTO;
                goto fail;
            }
            c->off += (size_t)size + 2;
        }
    } else if (sgwt_response_header(r, "Content-Length")) {
        char *end = NULL;
        const char *v = sgwt_response_header(r, "Content-Length");
        unsigned long long n = strtoull(v, &end, 10);
        if (end == v || *end || n > MAX_RESPONSE) {
            sgwt_set_err("bad Content-Length in response: %s", v);
            rc = SGWT_HTTP_EPROTO;
            goto fail;
        }
        if ((rc = need_bytes(c, (size_t)n, 1)) != SGWT_HTTP_OK)
            goto fail;
        body_append(r, &cap, c->buf + c->off, (size_t)n);
        c->off += (size_t)n;
    } else {
        /* Delimited by close. */
        for (;;) {
            long got = fill(c);
            if (got == 0)
                break;
            if (got < 0) {
                rc = got == SGWT_HTTP_EIO ? SGWT_HTTP_EIO : (int)got;
                goto fail;
            }
        }
        body_append(r, &cap, c->buf + c->off, c->len - c->off);
        c->off = c->len;
        sgwt_conn_close(c);
    }
    if (!r->body) {
        r->body = sgw_xcalloc(1, 1);
    }
    r->elapsed_ms = sgwt_now_ms() - c->t_start;
    c->nresp++;
    if (c->fd >= 0 && (header_has_token(r, "Connection", "close") ||
                       (r->http_minor == 0 && !header_has_token(r, "Connection", "keep-alive"))))
        sgwt_conn_close(c);
    return SGWT_HTTP_OK;

fail:
    sgwt_response_fini(r);
    sgwt_conn_close(c);
    return rc;
}

static int
has_header(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, n) == 0 && headers[i][n] == ':')
            return 1;
    return 0;
}

static int
send_request(struct sgwt_conn *c, const char *method, const char *path, const char *const *headers,
             const void *body, size_t body_len, int close_after)
{
    int rc;
    c->t_start = sgwt_now_ms();
    c->head_request = strcmp(method, "HEAD") == 0;
    if (c->fd < 0 && (rc = conn_connect(c)) != SGWT_HTTP_OK)
        return rc;
    struct strbuf sb = {0};
    sb_addf(&sb, "%s %s HTTP/1.1\r\n", method, path);
    if (!has_header(headers, "Host"))
        sb_addf(&sb, "Host: 127.0.0.1:%d\r\n", c->port);
    for (size_t i = 0; headers && headers[i]; i++) {
        sb_add(&sb, headers[i], strlen(headers[i]));
        sb_add(&sb, "\r\n", 2);
    }
    if (body && !has_header(headers, "Content-Length") && !has_header(headers, "Transfer-Encoding"))
        sb_addf(&sb, "Content-Length: %zu\r\n", body_len);
    if (close_after && !has_header(headers, "Connection"))
        sb_addf(&sb, "Connection: close\r\n");
    sb_add(&sb, "\r\n", 2);
    /* Small requests go out in one write so the server sees them whole. */
    if (body && body_len > 0 && body_len <= 65536) {
        sb_add(&sb, body, body_len);
        rc = send_bytes(c, sb.p, sb.len);
    } else {
        rc = send_bytes(c, sb.p, sb.len);
        if (rc == SGWT_HTTP_OK && body && body_len > 0)
            rc = send_bytes(c, body, body_len);
    }
    free(sb.p);
    if (rc != SGWT_HTTP_OK)
        sgwt_conn_close(c);
    return rc;
}

int
sgwt_conn_send(struct sgwt_conn *c, const char *method, const char *path,
               const char *const *headers, const void *body, size_t body_len)
{
    return send_request(c, method, path, headers, body, body_len, 0);
}

int
sgwt_conn_recv(struct sgwt_conn *c, struct sgwt_response *resp)
{
    memset(resp, 0, sizeof *resp);
    if (c->fd < 0) {
        sgwt_set_err("recv on a closed connection");
        return SGWT_HTTP_ECLOSED;
    }
    return read_response(c, resp);
}

int
sgwt_conn_request(struct sgwt_conn *c, const char *method, const char *path,
                  const char *const *headers, const void *body, size_t body_len,
                  struct sgwt_response *resp)
{
    memset(resp, 0, sizeof *resp);
    int rc = send_request(c, method, path, headers, body, body_len, 0);
    if (rc != SGWT_HTTP_OK)
        return rc;
    return read_response(c, resp);
}

int
sgwt_http_request(int port, const char *method, const char *path, const char *const *headers,
                  const void *body, size_t body_len, struct sgwt_response *resp)
{
    struct sgwt_conn *c = sgwt_conn_new(port);
    memset(resp, 0, sizeof *resp);
    int rc = send_request(c, method, path, headers, body, body_len, 1);
    if (rc == SGWT_HTTP_OK)
        rc = read_response(c, resp);
    sgwt_conn_free(c);
    return rc;
}

int
sgwt_http_raw(int port, const void *bytes, size_t len, struct sgwt_response *resp)
{
    struct sgwt_conn *c = sgwt_conn_new(port);
    int rc;
    memset(resp, 0, sizeof *resp);
    c->t_start = sgwt_now_ms();
    c->head_request = len >= 5 && memcmp(bytes, "HEAD ", 5) == 0;
    rc = conn_connect(c);
    if (rc == SGWT_HTTP_OK)
        rc = send_bytes(c, bytes, len);
    if (rc == SGWT_HTTP_OK)
        rc = read_response(c, resp);
    sgwt_conn_free(c);
    return rc;
}

int
sgwt_http_post_json(int port, const char *path, const char *key, const char *json,
                    const char *idem_key, struct sgwt_response *resp)
{
    char auth[512], idem[512];
    const char *headers[4];
    size_t n = 0;
    headers[n++] = "Content-Type: application/json";
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        headers[n++] = auth;
    }
    if (idem_key) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", idem_key);
        headers[n++] = idem;
    }
    headers[n] = NULL;
    return sgwt_http_request(port, "POST", path, headers, json, strlen(json), resp);
}
