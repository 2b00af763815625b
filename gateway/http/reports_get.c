/* GET /v1/reports/{id}: one report with its campaign (resolved through merges), sender
 * cluster and canonical city. Never the reporter: the pseudonym stays in the database. */
#include "gateway/http/read_json.h"

enum sgw_hresult sgw_route_reports_get(struct sgw_request *req);

enum sgw_hresult
sgw_route_reports_get(struct sgw_request *req)
{
    return sgw_read_json_route(req, SGW_STMT_api_report_json, "/v1/reports/", "report");
}
