/* GET /v1/campaigns/{id}: counts, senders, cities with their shares, indicators. A merged id
 * answers with its survivor and says so in "merged_from". */
#include "gateway/http/read_json.h"

enum sgw_hresult sgw_route_campaigns_get(struct sgw_request *req);

enum sgw_hresult
sgw_route_campaigns_get(struct sgw_request *req)
{
    return sgw_read_json_route(req, SGW_STMT_api_campaign_json, "/v1/campaigns/", "campaign");
}
