/* GET /v1/campaigns/{id}/verdicts: the audit trail of a campaign's status, newest first. A
 * merged id answers with its survivor's trail (which includes the verdicts given to the
 * campaigns merged into it) and says so in "merged_from". */
#include "gateway/http/read_json.h"

enum sgw_hresult sgw_route_campaign_verdicts_get(struct sgw_request *req);

enum sgw_hresult
sgw_route_campaign_verdicts_get(struct sgw_request *req)
{
    return sgw_read_json_route_sub(req, SGW_STMT_api_campaign_verdicts_json, "/v1/campaigns/",
                                   "/verdicts", "campaign");
}
