/* GET /v1/cities (ranked by reports or last_seen, filtered by country, keyset pages),
 * GET /v1/cities/{city} and GET /v1/cities/{city}/campaigns (the city's campaigns ranked by
 * their reports there, with their share of the city's reports).
 *
 * City keys contain '/' ("US/NY/new-york") and libmicrohttpd decodes %2F before routing, so
 * the path takes the city's id: the key with '/' written '~' ("US~NY~new-york"), a character
 * city keys never contain (city.c builds them from ISO codes, folded letters and digits, '-'
 * and non-ASCII bytes). Any other {city} is a name ("New York", "NYC", "深圳"), canonicalised
 * with sgw_city_parse like a report's city, with ?country= to disambiguate. */
#include "gateway/cluster/city.h"
#include "gateway/http/page.h"
#include "gateway/http/respond.h"
#include "gateway/intake/charset.h"
#include "gateway/intake/country.h"

#include <stdio.h>
#include <string.h>

enum sgw_hresult sgw_route_cities_list(struct sgw_request *req);
enum sgw_hresult sgw_route_cities_get(struct sgw_request *req);
enum sgw_hresult sgw_route_city_campaigns(struct sgw_request *req);

#define INT8_MAX_TEXT "9223372036854775807"
#define PREFIX "/v1/cities/"
#define KEY_MAX 191 /* sizeof(struct sgw_city.key) - 1 */

static const char *const sorts[] = {"reports", "last_seen", NULL};

static int
country_param(const struct sgw_query *q, char out[3], int *present, struct sgw_error *err)
{
    const char *c = NULL;
    *present = 0;
    if (sgw_query_text(q, "country", 2, &c, err) != 0)
        return -1;
    if (c == NULL)
        return 0;
    if (sgw_country_normalise(c, out) != 0)
        return sgw_error_set(err, "invalid_parameter", "country",
                             "country must be an ISO 3166-1 alpha-2 code such as US or CN");
    *present = 1;
    return 0;
}

enum sgw_hresult
sgw_route_cities_list(struct sgw_request *req)
{
    static const char *const allowed[] = {"sort", "country", "limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    const char *sort;
    long limit;
    char kind[64], buf[SGW_CURSOR_MAX], country[3], *f[2];
    int have_cursor, have_country, i = 0;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    sgw_query_collect(req->conn, &q);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        sgw_query_enum(&q, "sort", sorts, "reports", &sort, &err) != 0 ||
        country_param(&q, country, &have_country, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0)
        return sgw_respond_invalid(req, &err);
    snprintf(kind, sizeof kind, "cities:%s", sort);
    if (sgw_page_cursor_read(&q, kind, f, 2, buf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    int by_time = strcmp(sort, "last_seen") == 0;
    if (have_cursor &&
        (!(by_time ? sgw_page_is_time(f[0]) : sgw_page_is_int(f[0])) || !sgw_page_is_text(f[1]))) {
        sgw_page_cursor_refuse(&err);
        return sgw_respond_invalid(req, &err);
    }
    enum sgw_stmt stmt = by_time ? (have_country ? SGW_STMT_api_cities_by_last_seen_country
                                                 : SGW_STMT_api_cities_by_last_seen)
                                 : (have_country ? SGW_STMT_api_cities_by_reports_country
                                                 : SGW_STMT_api_cities_by_reports);
    struct sgw_page *p = sgw_page_new(req, stmt);
    p->name = "cities";
    p->limit = limit;
    snprintf(p->kind, sizeof p->kind, "%s", kind);
    if (have_country)
        sgw_page_param(p, i++, country);
    /* Without a cursor: a sort value above every row's. */
    sgw_page_param(p, i++, have_cursor ? f[0] : by_time ? "infinity" : INT8_MAX_TEXT);
    sgw_page_param(p, i++, have_cursor ? f[1] : "");
    sgw_page_param_ll(p, i, limit + 1);
    return sgw_page_submit(req);
}

/* The city key named by {city} (id or name); 0, or -1 with err. */
static int
city_key(const char *seg, size_t n, const struct sgw_query *q, char *key, size_t keysz,
         struct sgw_error *err)
{
    char text[KEY_MAX + 1], country[3];
    int have_country;
    struct sgw_city c;

    if (n == 0 || n > KEY_MAX || !sgw_utf8_valid(seg, n))
        return sgw_error_set(err, "invalid_field", "city",
                             "the city must be a city id or name of 1 to %d bytes of UTF-8",
                             KEY_MAX);
    memcpy(text, seg, n);
    text[n] = '\0';
    if (country_param(q, country, &have_country, err) != 0)
        return -1;
    if (memchr(text, '~', n) != NULL) {
        for (size_t i = 0; i < n; i++)
            key[i] = text[i] == '~' ? '/' : text[i];
        key[n] = '\0';
        return 0;
    }
    if (sgw_city_parse(text, have_country ? country : NULL, &c) != 0)
        return sgw_error_set(err, "invalid_field", "city", "the city names no place");
    snprintf(key, keysz, "%s", c.key);
    return 0;
}

/* The city's page: 404 when the statement finds no such city. */
static struct sgw_page *
city_page(struct sgw_request *req, enum sgw_stmt stmt, const char *key)
{
    struct sgw_page *p = sgw_page_new(req, stmt);
    sgw_page_not_found(p, "city", "no reports from the city %s", key);
    sgw_page_param(p, 0, key);
    return p;
}

enum sgw_hresult
sgw_route_cities_get(struct sgw_request *req)
{
    static const char *const allowed[] = {"country", NULL};
    struct sgw_query q;
    struct sgw_error err;
    char key[KEY_MAX + 1];

    if (atomic_load(&req->done))
        return sgw_page_answer_doc(req);
    sgw_query_collect(req->conn, &q);
    const char *seg = req->path + strlen(PREFIX);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        city_key(seg, strlen(seg), &q, key, sizeof key, &err) != 0)
        return sgw_respond_invalid(req, &err);
    city_page(req, SGW_STMT_api_city_json, key);
    return sgw_page_submit(req);
}

enum sgw_hresult
sgw_route_city_campaigns(struct sgw_request *req)
{
    static const char *const allowed[] = {"country", "limit", "cursor", NULL};
    struct sgw_query q;
    struct sgw_error err;
    long limit;
    char key[KEY_MAX + 1], buf[SGW_CURSOR_MAX], *f[2];
    int have_cursor;

    if (atomic_load(&req->done))
        return sgw_page_answer_list(req);
    sgw_query_collect(req->conn, &q);
    const char *seg = req->path + strlen(PREFIX);
    if (sgw_query_check(&q, allowed, &err) != 0 ||
        city_key(seg, strcspn(seg, "/"), &q, key, sizeof key, &err) != 0 ||
        sgw_query_long(&q, "limit", 1, 500, 50, &limit, &err) != 0 ||
        sgw_page_cursor_read(&q, "city-campaigns", f, 2, buf, &have_cursor, &err) != 0)
        return sgw_respond_invalid(req, &err);
    if (have_cursor && (!sgw_page_is_int(f[0]) || !sgw_page_is_int(f[1]))) {
        sgw_page_cursor_refuse(&err);
        return sgw_respond_invalid(req, &err);
    }
    struct sgw_page *p = city_page(req, SGW_STMT_api_city_campaigns, key);
    p->name = "campaigns";
    p->limit = limit;
    snprintf(p->kind, sizeof p->kind, "city-campaigns");
    sgw_page_param(p, 1, have_cursor ? f[0] : INT8_MAX_TEXT);
    sgw_page_param(p, 2, have_cursor ? f[1] : INT8_MAX_TEXT);
    sgw_page_param_ll(p, 3, limit + 1);
    return sgw_page_submit(req);
}
