/* STIX 2.1 bundle writer: one bundle per run, written object by object (bounded memory) from
 * the campaign objects the export query builds. Ids are UUIDv5 of spamgw's namespace and a
 * stable name ("campaign:42", "indicator:domain:x.top"), so a later export carries the same ids
 * with a newer `modified` and a STIX consumer updates instead of duplicating. Phone numbers
 * have no STIX observable: their indicators carry a property extension declared once per
 * bundle by an extension-definition, and a pattern on the custom x-spamgw-phone type. It only
 * formats: no database, no clock (the run passes `now`). */
#include "gateway/common/mem.h"
#include "gateway/export/export.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

/* spamgw's UUIDv5 namespace (a fixed random UUID). */
static const unsigned char ns[16] = {0x6b, 0x1f, 0x3c, 0x52, 0x9e, 0x0d, 0x4a, 0x7b,
                                     0x8c, 0x21, 0x5f, 0x93, 0xd4, 0x60, 0x2a, 0xe7};

#define IDENTITY_NAME "identity:spamgw"
#define EXTDEF_NAME "extension-definition:phone-number"
#define FIXED_TIME "2026-01-01T00:00:00.000Z"

void
sgw_stix_id(const char *type, const char *name, char out[SGW_STIX_ID_MAX])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL)
        abort();
    EVP_DigestInit_ex(md, EVP_sha1(), NULL);
    EVP_DigestUpdate(md, ns, sizeof ns);
    EVP_DigestUpdate(md, name, strlen(name));
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    d[6] = (unsigned char)((d[6] & 0x0f) | 0x50); /* version 5 */
    d[8] = (unsigned char)((d[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, SGW_STIX_ID_MAX,
             "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type, d[0],
             d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13],
             d[14], d[15]);
}

struct sgw_stix {
    int nobjects;
    char now[40];
    char identity[SGW_STIX_ID_MAX], extdef[SGW_STIX_ID_MAX];
    char **cities; /* location keys already written (open addressing) */
    size_t ncities, cap;
};

static uint64_t
fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* 1 when key was new (and is now remembered). Bounded by the number of canonical cities. */
static int
city_add(struct sgw_stix *s, const char *key)
{
    if ((s->ncities + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        char **t = sgw_xcalloc(nc, sizeof *t);
        for (size_t i = 0; i < s->cap; i++) {
            if (s->cities[i] == NULL)
                continue;
            size_t j = fnv(s->cities[i]) & (nc - 1);
            while (t[j] != NULL)
                j = (j + 1) & (nc - 1);
            t[j] = s->cities[i];
        }
        free(s->cities);
        s->cities = t;
        s->cap = nc;
    }
    size_t j = fnv(key) & (s->cap - 1);
    while (s->cities[j] != NULL) {
        if (strcmp(s->cities[j], key) == 0)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->cities[j] = sgw_xstrdup(key);
    s->ncities++;
    return 1;
}

static void
emit(struct sgw_stix *s, char **buf, size_t *len, size_t *cap, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    if (s->nobjects++ > 0)
        sgw_csv_append(buf, len, cap, ",\n", 2);
    sgw_csv_append(buf, len, cap, text, strlen(text));
    free(text);
    json_decref(obj);
}

/* The common properties of an SDO or SRO. */
static json_t *
sdo(const char *type, const char *id, const char *created, const char *modified,
    const char *created_by)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "spec_version", json_string("2.1"));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "created", json_string(created));
    json_object_set_new(o, "modified", json_string(modified));
    if (created_by)
        json_object_set_new(o, "created_by_ref", json_string(created_by));
    return o;
}

struct sgw_stix *
sgw_stix_begin(const char *now_rfc3339, const char *bundle_name, char **buf, size_t *len,
               size_t *cap)
{
    struct sgw_stix *s = sgw_xcalloc(1, sizeof *s);
    char bundle[SGW_STIX_ID_MAX];
    snprintf(s->now, sizeof s->now, "%s", now_rfc3339);
    sgw_stix_id("identity", IDENTITY_NAME, s->identity);
    sgw_stix_id("extension-definition", EXTDEF_NAME, s->extdef);
    sgw_stix_id("bundle", bundle_name, bundle);
    sgw_csv_append(buf, len, cap, "{\"type\":\"bundle\",\"id\":\"", 23);
    sgw_csv_append(buf, len, cap, bundle, strlen(bundle));
    sgw_csv_append(buf, len, cap, "\",\"objects\":[\n", 14);

    json_t *id = sdo("identity", s->identity, FIXED_TIME, FIXED_TIME, NULL);
    json_object_set_new(id, "name", json_string("spamgw"));
    json_object_set_new(id, "description",
                        json_string("spamgw carrier spam reporting gateway: campaigns clustered "
                                    "from subscriber spam reports"));
    json_object_set_new(id, "identity_class", json_string("system"));
    emit(s, buf, len, cap, id);

    json_t *ext = sdo("extension-definition", s->extdef, FIXED_TIME, FIXED_TIME, s->identity);
    json_object_set_new(ext, "name", json_string("spamgw phone number"));
    json_object_set_new(ext, "description",
                        json_string("Adds phone_number (E.164) and role (sender or callback) "
                                    "to an indicator: STIX 2.1 has no phone-number observable"));
    json_object_set_new(
        ext, "schema",
        json_string("{\"type\":\"object\",\"properties\":{\"extension_type\":{\"const\":"
                    "\"property-extension\"},\"phone_number\":{\"type\":\"string\",\"pattern\":"
                    "\"^\\\\+[1-9][0-9]{6,14}$\"},\"role\":{\"enum\":[\"sender\",\"callback\"]}},"
                    "\"required\":[\"extension_type\",\"phone_number\"]}"));
    json_object_set_new(ext, "version", json_string("1.0.0"));
    json_t *types = json_array();
    json_array_append_new(types, json_string("property-extension"));
    json_object_set_new(ext, "extension_types", types);
    emit(s, buf, len, cap, ext);
    return s;
}

/* A STIX pattern string literal: quotes and backslashes escaped. */
static char *
pattern(const char *object_path, const char *value)
{
    size_t n = strlen(value);
    char *lit = sgw_xmalloc(2 * n + 1), *p = lit;
    for (const char *v = value; *v; v++) {
        if (*v == '\'' || *v == '\\')
            *p++ = '\\';
        *p++ = *v;
    }
    *p = '\0';
    size_t sz = strlen(object_path) + strlen(lit) + 16;
    char *out = sgw_xmalloc(sz);
    snprintf(out, sz, "[%s = '%s']", object_path, lit);
    free(lit);
    return out;
}

static void
relationship(struct sgw_stix *s, char **buf, size_t *len, size_t *cap, const char *type,
             const char *src, const char *dst, const char *created, const char *modified)
{
    char id[SGW_STIX_ID_MAX], name[3 * SGW_STIX_ID_MAX];
    snprintf(name, sizeof name, "relationship:%s:%s:%s", type, src, dst);
    sgw_stix_id("relationship", name, id);
    json_t *r = sdo("relationship", id, created, modified, s->identity);
    json_object_set_new(r, "relationship_type", json_string(type));
    json_object_set_new(r, "source_ref", json_string(src));
    json_object_set_new(r, "target_ref", json_string(dst));
    emit(s, buf, len, cap, r);
}

/* One indicator for value of kind ("url", "domain", "email", "phone"), indicating camp. */
static void
indicator(struct sgw_stix *s, char **buf, size_t *len, size_t *cap, const char *camp, long long cid,
          const char *kind, const char *value, const char *role, const char *created,
          const char *modified)
{
    char id[SGW_STIX_ID_MAX], name[600];
    const char *path;
    if (strcmp(kind, "url") == 0)
        path = "url:value";
    else if (strcmp(kind, "domain") == 0)
        path = "domain-name:value";
    else if (strcmp(kind, "email") == 0)
        path = "email-addr:value";
    else if (strcmp(kind, "phone") == 0)
        path = "x-spamgw-phone:value";
    else
        return;
    snprintf(name, sizeof name, "indicator:%lld:%s:%s:%.400s", cid, role, kind, value);
    sgw_stix_id("indicator", name, id);
    json_t *o = sdo("indicator", id, created, modified, s->identity);
    char title[600];
    snprintf(title, sizeof title, "%s %s %.400s", role, kind, value);
    json_object_set_new(o, "name", json_string(title));
    json_t *types = json_array();
    json_array_append_new(types, json_string("malicious-activity"));
    json_object_set_new(o, "indicator_types", types);
    char *pat = pattern(path, value);
    json_object_set_new(o, "pattern", json_string(pat));
    free(pat);
    json_object_set_new(o, "pattern_type", json_string("stix"));
    json_object_set_new(o, "valid_from", json_string(created));
    if (strcmp(kind, "phone") == 0) {
        json_t *ext = json_object(), *props = json_object();
        json_object_set_new(props, "extension_type", json_string("property-extension"));
        json_object_set_new(props, "phone_number", json_string(value));
        json_object_set_new(props, "role", json_string(role));
        json_object_set_new(ext, s->extdef, props);
        json_object_set_new(o, "extensions", ext);
    }
    emit(s, buf, len, cap, o);
    relationship(s, buf, len, cap, "indicates", id, camp, created, modified);
}

void
sgw_stix_campaign(struct sgw_stix *s, char **buf, size_t *len, size_t *cap,
                  const void *campaign_json)
{
    json_t *c = (json_t *)campaign_json;
    long long cid = json_integer_value(json_object_get(c, "id"));
    const char *first = json_string_value(json_object_get(c, "first_seen"));
    const char *last = json_string_value(json_object_get(c, "last_seen"));
    char camp[SGW_STIX_ID_MAX], name[64], sight[SGW_STIX_ID_MAX];
    if (first == NULL || last == NULL)
        return; /* a campaign without reports: nothing to say */
    /* modified moves with every export, so a consumer takes the newer counts and status */
    const char *modified = strcmp(s->now, last) > 0 ? s->now : last;

    snprintf(name, sizeof name, "campaign:%lld", cid);
    sgw_stix_id("campaign", name, camp);
    json_t *o = sdo("campaign", camp, first, modified, s->identity);
    snprintf(name, sizeof name, "spamgw campaign %lld", cid);
    json_object_set_new(o, "name", json_string(name));
    json_t *sample = json_array_get(json_object_get(c, "samples"), 0);
    if (json_is_string(sample))
        json_object_set_new(o, "description", json_copy(sample));
    json_object_set_new(o, "first_seen", json_string(first));
    json_object_set_new(o, "last_seen", json_string(last));
    json_t *labels = json_array();
    char label[64];
    snprintf(label, sizeof label, "status:%s",
             json_string_value(json_object_get(c, "status")) ?: "open");
    json_array_append_new(labels, json_string(label));
    json_object_set_new(o, "labels", labels);
    emit(s, buf, len, cap, o);

    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "indicators"), i, e)
    {
        const char *v = json_string_value(e), *colon = v ? strchr(v, ':') : NULL;
        char kind[16];
        if (colon == NULL || (size_t)(colon - v) >= sizeof kind)
            continue;
        memcpy(kind, v, (size_t)(colon - v));
        kind[colon - v] = '\0';
        indicator(s, buf, len, cap, camp, cid, kind, colon + 1,
                  strcmp(kind, "phone") == 0 ? "callback" : "content", first, modified);
    }
    json_array_foreach(json_object_get(c, "senders"), i, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        const char *v = json_string_value(json_object_get(e, "sender"));
        if (kind && v && (strcmp(kind, "phone") == 0 || strcmp(kind, "email") == 0))
            indicator(s, buf, len, cap, camp, cid, kind, v, "sender", first, modified);
    }
    json_array_foreach(json_object_get(c, "cities"), i, e)
    {
        const char *key = json_string_value(json_object_get(e, "key"));
        const char *cname = json_string_value(json_object_get(e, "name"));
        char loc[SGW_STIX_ID_MAX], lname[300], country[3];
        if (key == NULL || strlen(key) < 2)
            continue;
        snprintf(lname, sizeof lname, "location:%.280s", key);
        sgw_stix_id("location", lname, loc);
        if (city_add(s, key)) {
            json_t *l = sdo("location", loc, FIXED_TIME, FIXED_TIME, s->identity);
            json_object_set_new(l, "name", json_string(cname ? cname : key));
            country[0] = key[0];
            country[1] = key[1];
            country[2] = '\0';
            json_object_set_new(l, "country", json_string(country));
            emit(s, buf, len, cap, l);
        }
        relationship(s, buf, len, cap, "targets", camp, loc, first, modified);
    }

    snprintf(name, sizeof name, "sighting:%lld", cid);
    sgw_stix_id("sighting", name, sight);
    json_t *si = sdo("sighting", sight, first, modified, s->identity);
    json_object_set_new(si, "sighting_of_ref", json_string(camp));
    json_int_t reports =
        json_integer_value(json_object_get(json_object_get(c, "counts"), "reports"));
    json_object_set_new(si, "count", json_integer(reports > 999999999 ? 999999999 : reports));
    json_object_set_new(si, "first_seen", json_string(first));
    json_object_set_new(si, "last_seen", json_string(last));
    json_t *where = json_array();
    json_array_append_new(where, json_string(s->identity));
    json_object_set_new(si, "where_sighted_refs", where);
    emit(s, buf, len, cap, si);
}

void
sgw_stix_end(struct sgw_stix *s, char **buf, size_t *len, size_t *cap)
{
    sgw_csv_append(buf, len, cap, "\n]}\n", 4);
    sgw_stix_free(s);
}

void
sgw_stix_free(struct sgw_stix *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->cap; i++)
        free(s->cities[i]);
    free(s->cities);
    free(s);
}
