/* GET /v1/stats: totals, recent reports, clustering lag and campaigns by status, from the
 * roll-ups schema/006 keeps (one statement, no scan of reports). */
#include "gateway/http/read_rows.h"
#include "gateway/http/respond.h"

#include <string.h>

enum sgw_hresult sgw_route_stats_get(struct sgw_request *req);

enum sgw_hresult
sgw_route_stats_get(struct sgw_request *req)
{
    static const char *const allowed[] = {NULL};
    struct sgw_query q;
    struct sgw_error err;

    if (atomic_load(&req->done)) {
        struct sgw_read_rows *r = sgw_read_rows_of(req);
        if (r == NULL || req->result != SGW_OK)
            return sgw_respond_status(req, r ? req->result : SGW_INTERNAL);
        const char *doc = sgw_read_rows_get(r, 0, 0);
        if (doc == NULL)
            return sgw_respond_status(req, SGW_INTERNAL);
        return sgw_respond_raw(req, 200, "application/json", doc, strlen(doc));
    }
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0)
        return sgw_respond_invalid(req, &err);
    sgw_read_rows_start(req, SGW_STMT_api_stats_json);
    return sgw_read_rows_submit(req);
}
