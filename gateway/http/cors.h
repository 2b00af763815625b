/* CORS for browser dashboards: which origins may read answers (--cors-origins), the headers
 * an allowed origin's answers carry, and preflight (OPTIONS) answers built from the router.
 * Applied once, in the server's request path and response builder, never per route. */
#ifndef SGW_CORS_H
#define SGW_CORS_H

#include "gateway/http/server.h"

#include <microhttpd.h>

enum sgw_cors_match {
    SGW_CORS_DENIED = 0, /* no CORS headers */
    SGW_CORS_EXACT,      /* the origin is listed: echo it */
    SGW_CORS_ANY,        /* the list holds "*": answer "*" */
};

/* 1 when list is empty or a comma-separated list of "*" and origins "scheme://host[:port]"
 * (no path, query, fragment, user info or blanks inside an item; blanks around items ok). */
int sgw_cors_origins_valid(const char *list);

/* How origin (the request's Origin header; may be NULL) fares against list (the configured
 * value; may be NULL or empty). Exact, case-sensitive string comparison per item. */
enum sgw_cors_match sgw_cors_match(const char *list, const char *origin);

/* Adds Access-Control-Allow-Origin, Vary and Access-Control-Expose-Headers to resp when req
 * comes from an allowed origin; nothing otherwise. resp stays the caller's. */
void sgw_cors_add_headers(const struct sgw_request *req, struct MHD_Response *resp);

/* A preflight is OPTIONS with Origin and Access-Control-Request-Method. Returns 0 when req
 * is not one (route it as usual); else 1 with the answer queued and its result in *hr: 204
 * with the path's methods, 404 not_found for an unknown path, 403 cors_origin_denied. */
int sgw_cors_preflight(struct sgw_request *req, const char *path, enum sgw_hresult *hr);

/* Registers the metrics label preflights are counted under (after sgw_router_init), and
 * returns its index. */
void sgw_cors_init(void);
int sgw_cors_metric(void);

#endif
