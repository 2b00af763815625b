/* The route table: method + path pattern → handler, roles, body kind. One table, so the
 * OpenAPI document and the authorisation tests can be checked against it. */
#ifndef SGW_ROUTER_H
#define SGW_ROUTER_H

#include "gateway/http/server.h"

#include <stddef.h>

#define SGW_ROLE_BIT(r) (1u << (r))
#define SGW_ROLES_PUBLIC 0u

enum sgw_body_kind {
    SGW_BODY_NONE = 0,
    SGW_BODY_JSON, /* application/json (UTF-8) required, else 415 */
    SGW_BODY_ANY,  /* any content type, kept up to --max-body (e.g. Kannel's post-url) */
    /* NDJSON / JSON Lines (UTF-8) required, else 415; kept up to --batch-max-body */
    SGW_BODY_NDJSON,
};

/* Route flags. */
#define SGW_ROUTE_KEY_IN_QUERY 1u /* the key may also come as ?key=... (Kannel get-url) */
#define SGW_ROUTE_TEXT_ERRORS 2u  /* errors as text/plain lines, not JSON (Kannel relays) */

struct sgw_route {
    const char *method;
    const char *pattern; /* "/v1/reports", "/v1/reports/{id}" */
    unsigned roles;      /* SGW_ROLE_BIT mask; 0 = no key needed */
    enum sgw_body_kind body;
    sgw_handler_fn handler;
    unsigned flags; /* SGW_ROUTE_* */
    int metric;     /* metrics route index, set by sgw_router_init */
};

void sgw_router_init(void);

/* Finds the route for method and path. When the path exists but not for this method,
 * returns NULL with *allow listing its methods ("GET, POST"); when no route has the path,
 * returns NULL with allow "". Path parameters are not decoded here. */
const struct sgw_route *sgw_router_match(const char *method, const char *path, char *allow,
                                         size_t allowsz);

/* Metrics index for requests that matched no route. */
int sgw_router_unmatched_metric(void);

/* Iteration for tests and the OpenAPI check. */
const struct sgw_route *sgw_router_routes(size_t *n);

#endif
