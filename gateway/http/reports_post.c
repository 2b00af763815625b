/* POST /v1/reports: validate, queue for group commit, answer after the commit. The 202 body is
 * printed by hand: this is the hot path. */
#include "gateway/common/timeutil.h"
#include "gateway/http/idempotency.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"

#include <stdio.h>
#include <string.h>

enum sgw_hresult sgw_route_reports_post(struct sgw_request *req);

static enum sgw_hresult
answer(struct sgw_request *req)
{
    char body[96];
    int n;

    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    n = snprintf(body, sizeof body, "{\"id\":%lld,\"status\":\"accepted\"%s}",
                 (long long)req->result_id, req->replay ? ",\"idempotent_replay\":true" : "");
    return sgw_respond_raw(req, req->replay ? 200 : 202, "application/json", body, (size_t)n);
}

enum sgw_hresult
sgw_route_reports_post(struct sgw_request *req)
{
    struct sgw_error err;
    struct sgw_report *r = NULL;

    if (atomic_load(&req->done))
        return answer(req);

    const char *idem;
    if (sgw_idempotency_key(req, &idem) != 0)
        return sgw_idempotency_respond_invalid(req);
    if (req->body == NULL)
        return sgw_respond_error(req, 400, "invalid_json", NULL, "request body is empty");
    if (sgw_report_parse_json(req->body, req->body_len, &req->srv->intake, sgw_now_us(), &r,
                              &err) != 0)
        return sgw_respond_invalid(req, &err);
    r->api_key_id = req->api_key_id;
    r->idempotency_key = idem ? strdup(idem) : NULL;
    return sgw_server_submit(req, r);
}
