/* CORS: origin matching against --cors-origins, the headers of an allowed origin's answers and
 * preflight answers. The allowed methods come from the router, so a new route needs nothing
 * here. It must never loosen authentication: a preflight carries no key and is answered
 * without one, but every real request is still authenticated as usual. */
#include "gateway/http/cors.h"

#include "gateway/common/metrics.h"
#include "gateway/http/respond.h"
#include "gateway/http/router.h"

#include <string.h>

#define ALLOW_HEADERS "Authorization, Content-Type, Idempotency-Key, X-Request-Id"
#define EXPOSE_HEADERS "Retry-After, X-Request-Id"
#define MAX_AGE "600"

static int preflight_metric = -1;

void
sgw_cors_init(void)
{
    preflight_metric = sgw_metrics_route("OPTIONS preflight");
}

int
sgw_cors_metric(void)
{
    return preflight_metric >= 0 ? preflight_metric : sgw_router_unmatched_metric();
}

/* The next item of a comma-separated list, blanks around it trimmed: *start and *len, and the
 * position after it. NULL when the list is exhausted. */
static const char *
next_item(const char *p, const char **start, size_t *len)
{
    if (p == NULL || *p == '\0')
        return NULL;
    size_t n = strcspn(p, ",");
    const char *s = p, *e = p + n;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *start = s;
    *len = (size_t)(e - s);
    return p[n] == ',' ? p + n + 1 : p + n;
}

static int
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "scheme://host[:port]" as browsers serialise an origin; "null" and paths are refused. */
static int
valid_origin(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_alpha(s[0]))
        return 0;
    while (i < n && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
                     s[i] == '.'))
        i++;
    if (n - i < 4 || memcmp(s + i, "://", 3) != 0)
        return 0;
    i += 3;
    size_t host = i;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\' ||
            c == '"' || c == ',')
            return 0;
    }
    return i > host && s[n - 1] != ':';
}

int
sgw_cors_origins_valid(const char *list)
{
    const char *p = list;

    /* Empty or blanks only: CORS off. */
    if (list == NULL || strspn(list, " \t") == strlen(list))
        return 1;
    /* Every comma-separated item, empty ones too ("a,,b" or a trailing comma is a typo). */
    for (;;) {
        const char *item = p;
        size_t len = 0, n = strcspn(p, ",");
        next_item(p, &item, &len);
        if (n == 0 || len == 0)
            return 0;
        if (!(len == 1 && item[0] == '*') && !valid_origin(item, len))
            return 0;
        if (p[n] == '\0')
            return 1;
        p += n + 1;
    }
}

enum sgw_cors_match
sgw_cors_match(const char *list, const char *origin)
{
    const char *p = list, *item;
    size_t len, olen;
    enum sgw_cors_match m = SGW_CORS_DENIED;

    if (origin == NULL || origin[0] == '\0')
        return SGW_CORS_DENIED;
    olen = strlen(origin);
    while ((p = next_item(p, &item, &len)) != NULL) {
        if (len == olen && memcmp(item, origin, len) == 0)
            return SGW_CORS_EXACT;
        if (len == 1 && item[0] == '*')
            m = SGW_CORS_ANY;
    }
    return m;
}

static const char *
request_origin(const struct sgw_request *req)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Origin");
}

void
sgw_cors_add_headers(const struct sgw_request *req, struct MHD_Response *resp)
{
    const char *list = req->srv->cfg->cors_origins, *origin;

    if (list == NULL || list[0] == '\0' || (origin = request_origin(req)) == NULL)
        return;
    /* The answer depends on Origin whenever CORS is on, allowed or not. */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
    enum sgw_cors_match m = sgw_cors_match(list, origin);
    if (m == SGW_CORS_DENIED)
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", m == SGW_CORS_ANY ? "*" : origin);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
}

int
sgw_cors_preflight(struct sgw_request *req, const char *path, enum sgw_hresult *hr)
{
    char allow[64];
    const char *origin = request_origin(req);

    if (strcmp(req->method, "OPTIONS") != 0 || origin == NULL ||
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Access-Control-Request-Method") ==
            NULL)
        return 0;
    req->preflight = 1;
    /* No route answers OPTIONS, so the router lists every method of the path in allow. */
    if (sgw_router_match("OPTIONS", path, allow, sizeof allow) != NULL || allow[0] == '\0') {
        *hr = sgw_respond_error(req, 404, "not_found", NULL, "no such route");
        return 1;
    }
    if (sgw_cors_match(req->srv->cfg->cors_origins, origin) == SGW_CORS_DENIED) {
        *hr = sgw_respond_error(req, 403, "cors_origin_denied", "Origin",
                                "this origin may not call the API from a browser (see "
                                "--cors-origins)");
        return 1;
    }
    const char *extra[] = {"Access-Control-Allow-Methods",
                           allow,
                           "Access-Control-Allow-Headers",
                           ALLOW_HEADERS,
                           "Access-Control-Max-Age",
                           MAX_AGE,
                           NULL};
    *hr = sgw_respond_raw_headers(req, 204, NULL, "", 0, extra);
    return 1;
}
