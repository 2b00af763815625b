/* Route matching on path segments; "{x}" matches one non-empty segment. */
#include "gateway/http/router.h"

#include "gateway/common/metrics.h"

#include <stdio.h>
#include <string.h>

enum sgw_hresult sgw_route_reports_post(struct sgw_request *req);
enum sgw_hresult sgw_route_healthz(struct sgw_request *req);
enum sgw_hresult sgw_route_readyz(struct sgw_request *req);
enum sgw_hresult sgw_route_metrics(struct sgw_request *req);
enum sgw_hresult sgw_route_openapi(struct sgw_request *req);
enum sgw_hresult sgw_route_reports_get(struct sgw_request *req);
enum sgw_hresult sgw_route_campaigns_get(struct sgw_request *req);
enum sgw_hresult sgw_route_kannel(struct sgw_request *req);
enum sgw_hresult sgw_route_keys_post(struct sgw_request *req);
enum sgw_hresult sgw_route_keys_get(struct sgw_request *req);
enum sgw_hresult sgw_route_keys_delete(struct sgw_request *req);
enum sgw_hresult sgw_route_reports_batch(struct sgw_request *req);
enum sgw_hresult sgw_route_campaigns_patch(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_verdicts_get(struct sgw_request *req);
enum sgw_hresult sgw_route_allowlist_get(struct sgw_request *req);
enum sgw_hresult sgw_route_allowlist_post(struct sgw_request *req);
enum sgw_hresult sgw_route_allowlist_delete(struct sgw_request *req);
enum sgw_hresult sgw_route_campaigns_list(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_senders(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_cities(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_indicators(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_reports(struct sgw_request *req);
enum sgw_hresult sgw_route_campaign_timeline(struct sgw_request *req);
enum sgw_hresult sgw_route_sender_clusters_list(struct sgw_request *req);
enum sgw_hresult sgw_route_sender_clusters_get(struct sgw_request *req);
enum sgw_hresult sgw_route_sender_cluster_senders(struct sgw_request *req);
enum sgw_hresult sgw_route_senders_get(struct sgw_request *req);
enum sgw_hresult sgw_route_cities_list(struct sgw_request *req);
enum sgw_hresult sgw_route_cities_get(struct sgw_request *req);
enum sgw_hresult sgw_route_city_campaigns(struct sgw_request *req);
enum sgw_hresult sgw_route_stats_get(struct sgw_request *req);

#define WRITERS (SGW_ROLE_BIT(SGW_ROLE_REPORTER) | SGW_ROLE_BIT(SGW_ROLE_RELAY))
#define ANALYSTS SGW_ROLE_BIT(SGW_ROLE_ANALYST)
#define RELAY SGW_ROLE_BIT(SGW_ROLE_RELAY)
#define KANNEL (SGW_ROUTE_KEY_IN_QUERY | SGW_ROUTE_TEXT_ERRORS)
#define ADMINS SGW_ROLE_BIT(SGW_ROLE_ADMIN)
#define ALLOWLIST (SGW_ROLE_BIT(SGW_ROLE_ANALYST) | SGW_ROLE_BIT(SGW_ROLE_ADMIN))

static struct sgw_route routes[] = {
    {"POST", "/v1/reports", WRITERS, SGW_BODY_JSON, sgw_route_reports_post, 0, 0},
    {"GET", "/v1/reports/{id}", ANALYSTS, SGW_BODY_NONE, sgw_route_reports_get, 0, 0},
    {"GET", "/v1/campaigns/{id}", ANALYSTS, SGW_BODY_NONE, sgw_route_campaigns_get, 0, 0},
    {"GET", "/v1/relay/kannel", RELAY, SGW_BODY_NONE, sgw_route_kannel, KANNEL, 0},
    {"POST", "/v1/relay/kannel", RELAY, SGW_BODY_ANY, sgw_route_kannel, KANNEL, 0},
    {"GET", "/v1/openapi.json", SGW_ROLES_PUBLIC, SGW_BODY_NONE, sgw_route_openapi, 0, 0},
    {"GET", "/healthz", SGW_ROLES_PUBLIC, SGW_BODY_NONE, sgw_route_healthz, 0, 0},
    {"GET", "/readyz", SGW_ROLES_PUBLIC, SGW_BODY_NONE, sgw_route_readyz, 0, 0},
    {"GET", "/metrics", SGW_ROLES_PUBLIC, SGW_BODY_NONE, sgw_route_metrics, 0, 0},
    {"POST", "/v1/keys", ADMINS, SGW_BODY_JSON, sgw_route_keys_post, 0, 0},
    {"GET", "/v1/keys", ADMINS, SGW_BODY_NONE, sgw_route_keys_get, 0, 0},
    {"DELETE", "/v1/keys/{id}", ADMINS, SGW_BODY_NONE, sgw_route_keys_delete, 0, 0},
    /* Literal ':' (AIP-136 custom method): neither "/v1/reports" nor "/v1/reports/{id}" can
     * match it, since both need the path to end or continue with '/' there. */
    {"POST", "/v1/reports:batch", RELAY, SGW_BODY_NDJSON, sgw_route_reports_batch, 0, 0},
    {"PATCH", "/v1/campaigns/{id}", ANALYSTS, SGW_BODY_JSON, sgw_route_campaigns_patch, 0, 0},
    {"GET", "/v1/campaigns/{id}/verdicts", ANALYSTS, SGW_BODY_NONE, sgw_route_campaign_verdicts_get,
     0, 0},
    {"GET", "/v1/allowlist", ALLOWLIST, SGW_BODY_NONE, sgw_route_allowlist_get, 0, 0},
    {"POST", "/v1/allowlist", ALLOWLIST, SGW_BODY_JSON, sgw_route_allowlist_post, 0, 0},
    {"DELETE", "/v1/allowlist/{entry}", ALLOWLIST, SGW_BODY_NONE, sgw_route_allowlist_delete, 0, 0},
    {"GET", "/v1/campaigns", ANALYSTS, SGW_BODY_NONE, sgw_route_campaigns_list, 0, 0},
    {"GET", "/v1/campaigns/{id}/senders", ANALYSTS, SGW_BODY_NONE, sgw_route_campaign_senders, 0,
     0},
    {"GET", "/v1/campaigns/{id}/cities", ANALYSTS, SGW_BODY_NONE, sgw_route_campaign_cities, 0, 0},
    {"GET", "/v1/campaigns/{id}/indicators", ANALYSTS, SGW_BODY_NONE, sgw_route_campaign_indicators,
     0, 0},
    {"GET", "/v1/campaigns/{id}/reports", ANALYSTS, SGW_BODY_NONE, sgw_route_campaign_reports, 0,
     0},
    {"GET", "/v1/campaigns/{id}/timeline", ANALYSTS, SGW_BODY_NONE, sgw_route_campaign_timeline, 0,
     0},
    {"GET", "/v1/sender-clusters", ANALYSTS, SGW_BODY_NONE, sgw_route_sender_clusters_list, 0, 0},
    {"GET", "/v1/sender-clusters/{id}", ANALYSTS, SGW_BODY_NONE, sgw_route_sender_clusters_get, 0,
     0},
    {"GET", "/v1/sender-clusters/{id}/senders", ANALYSTS, SGW_BODY_NONE,
     sgw_route_sender_cluster_senders, 0, 0},
    {"GET", "/v1/senders/{sender}", ANALYSTS, SGW_BODY_NONE, sgw_route_senders_get, 0, 0},
    {"GET", "/v1/cities", ANALYSTS, SGW_BODY_NONE, sgw_route_cities_list, 0, 0},
    {"GET", "/v1/cities/{city}", ANALYSTS, SGW_BODY_NONE, sgw_route_cities_get, 0, 0},
    {"GET", "/v1/cities/{city}/campaigns", ANALYSTS, SGW_BODY_NONE, sgw_route_city_campaigns, 0, 0},
    {"GET", "/v1/stats", ANALYSTS, SGW_BODY_NONE, sgw_route_stats_get, 0, 0},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static int unmatched_metric;

void
sgw_router_init(void)
{
    static char labels[NROUTES][96];
    for (size_t i = 0; i < NROUTES; i++) {
        snprintf(labels[i], sizeof labels[i], "%s %s", routes[i].method, routes[i].pattern);
        routes[i].metric = sgw_metrics_route(labels[i]);
    }
    unmatched_metric = sgw_metrics_route("unmatched");
}

int
sgw_router_unmatched_metric(void)
{
    return unmatched_metric;
}

const struct sgw_route *
sgw_router_routes(size_t *n)
{
    *n = NROUTES;
    return routes;
}

static int
path_matches(const char *pattern, const char *path)
{
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            size_t seg = strcspn(s, "/");
            if (pe == NULL || seg == 0)
                return 0;
            p = pe + 1;
            s += seg;
            continue;
        }
        if (*p != *s)
            return 0;
        p++, s++;
    }
    return *p == '\0' && *s == '\0';
}

const struct sgw_route *
sgw_router_match(const char *method, const char *path, char *allow, size_t allowsz)
{
    size_t used = 0;

    allow[0] = '\0';
    for (size_t i = 0; i < NROUTES; i++) {
        if (!path_matches(routes[i].pattern, path))
            continue;
        if (strcmp(routes[i].method, method) == 0)
            return &routes[i];
        size_t need = strlen(routes[i].method) + (used ? 2 : 0);
        if (strstr(allow, routes[i].method) == NULL && used + need < allowsz) {
            snprintf(allow + used, allowsz - used, "%s%s", used ? ", " : "", routes[i].method);
            used += need;
        }
    }
    return NULL;
}
