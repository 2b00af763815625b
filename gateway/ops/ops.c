/* Operations endpoints: liveness, readiness (database reachable, schema current), metrics.
 * None of them touches the database in the request: readiness is the key cache's last probe. */
#include "gateway/common/metrics.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"

#include <stdlib.h>

enum sgw_hresult sgw_route_healthz(struct sgw_request *req);
enum sgw_hresult sgw_route_readyz(struct sgw_request *req);
enum sgw_hresult sgw_route_metrics(struct sgw_request *req);

enum sgw_hresult
sgw_route_healthz(struct sgw_request *req)
{
    static const char body[] = "{\"status\":\"ok\"}";
    return sgw_respond_raw(req, 200, "application/json", body, sizeof body - 1);
}

enum sgw_hresult
sgw_route_readyz(struct sgw_request *req)
{
    static const char body[] = "{\"status\":\"ready\"}";
    struct sgw_server *srv = req->srv;

    if (atomic_load(&srv->draining))
        return sgw_respond_error(req, 503, "shutting_down", NULL, "the gateway is shutting down");
    if (!sgw_db_keycache_ready(srv->keys) || !sgw_db_writer_up(srv->writer))
        return sgw_respond_error(req, 503, "not_ready", NULL,
                                 "the database is unreachable or its schema is not current");
    return sgw_respond_raw(req, 200, "application/json", body, sizeof body - 1);
}

enum sgw_hresult
sgw_route_metrics(struct sgw_request *req)
{
    size_t len;
    char *text = sgw_metrics_render(&len);
    enum sgw_hresult hr =
        sgw_respond_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
    return hr;
}
