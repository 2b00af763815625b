/* GET /v1/senders/{sender}: the path value is normalised exactly as intake normalises a
 * report's sender (E.164 with libphonenumber, short codes, upper-case alphanumeric ids,
 * lower-case e-mail), with ?country= (or the gateway's --default-region) as the region of
 * national numbers, so "(212) 555-0100" finds +12125550100. A phone's region and place come
 * from libphonenumber's offline geocoder here, in the HTTP thread (cached, microseconds). */
#include "gateway/http/page.h"
#include "gateway/http/respond.h"
#include "gateway/intake/charset.h"
#include "gateway/intake/country.h"
#include "gateway/intake/phone.h"
#include "gateway/intake/sender.h"

#include <stdio.h>
#include <string.h>

enum sgw_hresult sgw_route_senders_get(struct sgw_request *req);

#define PREFIX "/v1/senders/"

enum sgw_hresult
sgw_route_senders_get(struct sgw_request *req)
{
    static const char *const allowed[] = {"country", NULL};
    struct sgw_query q;
    struct sgw_error err;
    const char *country = NULL;
    char region[3], norm[SGW_SENDER_MAX + 8], cc[8], place[160];

    if (atomic_load(&req->done))
        return sgw_page_answer_doc(req);
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_text(&q, "country", 2, &country, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (country != NULL && sgw_country_normalise(country, region) != 0)
        return sgw_respond_error(req, 400, "invalid_parameter", "country",
                                 "country must be an ISO 3166-1 alpha-2 code such as US or CN");
    const char *raw = req->path + strlen(PREFIX);
    size_t n = strlen(raw);
    if (strncmp(req->path, PREFIX, strlen(PREFIX)) != 0 || n == 0 || n > SGW_SENDER_MAX ||
        !sgw_utf8_valid(raw, n))
        return sgw_respond_error(req, 400, "invalid_field", "sender",
                                 "the sender must be 1 to 256 bytes of UTF-8");
    const char *dflt = country ? region : req->srv->intake.default_region;
    enum sgw_sender_kind kind = sgw_sender_normalise(raw, dflt, norm, sizeof norm);
    if (kind == SGW_SENDER_UNKNOWN)
        return sgw_respond_error(req, 400, "invalid_field", "sender",
                                 "not a phone number, short code, alphanumeric sender id or "
                                 "e-mail address");
    struct sgw_page *p = sgw_page_new(req, SGW_STMT_api_sender_json);
    sgw_page_not_found(p, "sender", "no reports name the sender %s", norm);
    sgw_page_param(p, 0, norm);
    if (kind == SGW_SENDER_PHONE && sgw_phone_region(norm, cc, sizeof cc) == 0) {
        sgw_page_param(p, 1, cc);
        sgw_page_param(
            p, 2, sgw_phone_geocode_cached(norm, "en", place, sizeof place) == 0 ? place : NULL);
    }
    return sgw_page_submit(req);
}
