/* A small blocking HTTP/1.1 client over raw sockets to 127.0.0.1, for tests that must send
 * any bytes at all (invalid UTF-8, NUL bytes, wrong Content-Length, chunked or huge bodies)
 * and for load clients (a keep-alive connection object). Every wait has a deadline, so a
 * server that hangs makes a test fail instead of stall. Never used by the server. */
#ifndef SGWT_HTTP_H
#define SGWT_HTTP_H

#include <stddef.h>

#include <jansson.h>

#define SGWT_HTTP_TIMEOUT_MS 10000

/* Results of the request functions. */
enum sgwt_http_result {
    SGWT_HTTP_OK = 0,
    SGWT_HTTP_ECONNECT = -1, /* connect() failed (server down, wrong port) */
    SGWT_HTTP_ETIMEOUT = -2, /* no complete answer before the deadline */
    SGWT_HTTP_ECLOSED = -3,  /* the server closed or reset before sending any byte */
    SGWT_HTTP_EIO = -4,      /* reset or closed in the middle of the response */
    SGWT_HTTP_EPROTO = -5    /* the answer is not HTTP/1.x as we understand it */
};
const char *sgwt_http_result_name(int rc);

struct sgwt_response {
    int status;
    int http_minor; /* 0 or 1 */
    size_t nheaders;
    char **names;  /* as received */
    char **values; /* leading/trailing blanks trimmed */
    char *body;    /* de-chunked, always NUL-terminated (body[body_len] == 0) */
    size_t body_len;
    int chunked;          /* the body came with Transfer-Encoding: chunked */
    long long elapsed_ms; /* from the first byte sent to the last byte received */
};

/* Frees what the response owns and zeroes it; accepts a zeroed or already freed response. */
void sgwt_response_fini(struct sgwt_response *r);
/* Value of the first header with that name (case-insensitive) or NULL; owned by r. */
const char *sgwt_response_header(const struct sgwt_response *r, const char *name);
/* Number of headers with that name. */
size_t sgwt_response_header_count(const struct sgwt_response *r, const char *name);
/* Parses the body as JSON; returns a new reference (caller json_decref) or NULL. */
json_t *sgwt_response_json(const struct sgwt_response *r);
/* A printable, truncated copy of status, headers and body for failure messages (caller
 * frees). */
char *sgwt_response_describe(const struct sgwt_response *r);

/* One request on a fresh connection with "Connection: close".
 * headers: NULL-terminated array of complete "Name: value" lines (no CRLF), may be NULL.
 * A Host header is added unless given. Content-Length: body_len is added when body is not
 * NULL, unless the caller gave Content-Length or Transfer-Encoding (then the body bytes are
 * sent exactly as given, e.g. pre-chunked or deliberately wrong). resp is filled on
 * SGWT_HTTP_OK and must be released with sgwt_response_fini; on error it is zeroed and
 * sgwt_errmsg() says why. */
int sgwt_http_request(int port, const char *method, const char *path, const char *const *headers,
                      const void *body, size_t body_len, struct sgwt_response *resp);

/* Sends the bytes exactly as given on a fresh connection and reads one response. */
int sgwt_http_raw(int port, const void *bytes, size_t len, struct sgwt_response *resp);

/* POST path with Authorization: Bearer key (omitted when key is NULL), Content-Type
 * application/json and, when idem_key is not NULL, an Idempotency-Key header. */
int sgwt_http_post_json(int port, const char *path, const char *key, const char *json,
                        const char *idem_key, struct sgwt_response *resp);

/* A keep-alive connection. It connects lazily, remembers bytes read past a response, and
 * closes itself when the server says "Connection: close" or the socket fails; the next
 * request then reconnects (to the current port). */
struct sgwt_conn;

struct sgwt_conn *sgwt_conn_new(int port);              /* caller frees with sgwt_conn_free */
void sgwt_conn_free(struct sgwt_conn *c);               /* accepts NULL */
void sgwt_conn_set_port(struct sgwt_conn *c, int port); /* closes if the port changes */
void sgwt_conn_set_timeout(struct sgwt_conn *c, int timeout_ms); /* whole-request deadline */
void sgwt_conn_close(struct sgwt_conn *c);
int sgwt_conn_is_open(const struct sgwt_conn *c);
/* Number of responses already read on the current socket (0 right after a (re)connect):
 * an ECLOSED on a reused socket is the idle keep-alive race, safe to retry. */
int sgwt_conn_reuse_count(const struct sgwt_conn *c);

/* Same arguments as sgwt_http_request, without the "Connection: close". */
int sgwt_conn_request(struct sgwt_conn *c, const char *method, const char *path,
                      const char *const *headers, const void *body, size_t body_len,
                      struct sgwt_response *resp);
/* The two halves of sgwt_conn_request, for tests that must know a request was sent before
 * they act (e.g. SIGTERM with requests in flight). send connects if needed. */
int sgwt_conn_send(struct sgwt_conn *c, const char *method, const char *path,
                   const char *const *headers, const void *body, size_t body_len);
int sgwt_conn_recv(struct sgwt_conn *c, struct sgwt_response *resp);

#endif
