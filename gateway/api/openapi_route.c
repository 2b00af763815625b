/* GET /v1/openapi.json: the compiled-in document, public so dashboards and client generators
 * can fetch it without a key. */
#include "gateway/api/openapi.h"
#include "gateway/http/respond.h"

enum sgw_hresult sgw_route_openapi(struct sgw_request *req);

enum sgw_hresult
sgw_route_openapi(struct sgw_request *req)
{
    return sgw_respond_raw(req, 200, "application/json", sgw_openapi_json, sgw_openapi_json_len);
}
