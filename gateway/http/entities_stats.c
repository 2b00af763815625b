/* GET /v1/stats: totals, recent reports, clustering lag and campaigns by status, from the
 * roll-ups schema/006 keeps (one statement, no scan of reports). */
#include "gateway/http/page.h"
#include "gateway/http/respond.h"

#include <string.h>

enum sgw_hresult sgw_route_stats_get(struct sgw_request *req);

enum sgw_hresult
sgw_route_stats_get(struct sgw_request *req)
{
    static const char *const allowed[] = {NULL};
    struct sgw_query q;
    struct sgw_error err;

    /* No missing message: a NULL document is a 500, stats always exist. */
    if (atomic_load(&req->done))
        return sgw_page_answer_doc(req);
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0)
        return sgw_respond_invalid(req, &err);
    sgw_page_new(req, SGW_STMT_api_stats_json);
    return sgw_page_submit(req);
}
