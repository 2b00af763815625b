/* POST /v1/reports body → struct sgw_report. Everything that depends only on the report is
 * decided here, in the HTTP worker, so the writer only copies rows. It never keeps the
 * reporter's number: only its pseudonym leaves this file. */
#include "gateway/common/mem.h"
#include "gateway/common/timeutil.h"
#include "gateway/intake/country.h"
#include "gateway/intake/phone.h"
#include "gateway/intake/report.h"

#include <jansson.h>
#include <string.h>

#define FUTURE_SLACK_US (5 * 60 * 1000000LL)

static const char *const known_fields[] = {"content", "sender",  "channel",  "received_at",
                                           "city",    "country", "reporter", NULL};

/* Optional string member: 0 absent/null, 1 present (*out set), -1 wrong type (err set). */
static int
get_string(json_t *root, const char *name, const char **out, size_t *len, struct sgw_error *err)
{
    json_t *v = json_object_get(root, name);
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return sgw_error_set(err, "invalid_field", name, "%s must be a string", name);
    *out = json_string_value(v);
    *len = json_string_length(v);
    if (strlen(*out) != *len)
        return sgw_error_set(err, "invalid_field", name, "%s must not contain NUL characters",
                             name);
    return 1;
}

static int
has_control(const char *s, size_t n, int allow_newlines)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7f || (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))))
            return 1;
        /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            return 1;
    }
    return 0;
}

static int
is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            return 0;
    }
    return 1;
}

/* The offline geocoder's place for an E.164 number in English; NULL when it knows none. */
static char *
place_of(const char *e164)
{
    char place[128];
    return sgw_phone_geocode_cached(e164, "en", place, sizeof place) == 0 ? sgw_xstrdup(place)
                                                                          : NULL;
}

static int
parse_fields(json_t *root, const struct sgw_intake_ctx *ctx, int64_t now_us, struct sgw_report *r,
             struct sgw_error *err)
{
    const char *s = NULL, *key;
    size_t n = 0;
    json_t *val;
    int rc;

    json_object_foreach(root, key, val)
    {
        int known = 0;
        for (int i = 0; known_fields[i]; i++)
            known |= strcmp(key, known_fields[i]) == 0;
        if (!known)
            return sgw_error_set(err, "unknown_field", key, "unknown member '%.64s'", key);
    }

    rc = get_string(root, "content", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return sgw_error_set(err, "missing_field", "content", "content is required");
    if (is_blank(s, n))
        return sgw_error_set(err, "invalid_field", "content", "content must not be empty");
    if (sgw_utf8_chars(s, n) > SGW_CONTENT_MAX_CHARS)
        return sgw_error_set(err, "invalid_field", "content",
                             "content is longer than %d characters", SGW_CONTENT_MAX_CHARS);
    r->content = sgw_xstrndup(s, n);

    rc = get_string(root, "country", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 1 && sgw_country_normalise(s, r->country) != 0)
        return sgw_error_set(err, "invalid_field", "country",
                             "country must be an ISO 3166-1 alpha-2 code such as \"US\"");
    const char *region = r->country[0] ? r->country : ctx->default_region;

    rc = get_string(root, "channel", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 1 && sgw_channel_parse(s, &r->channel) != 0)
        return sgw_error_set(err, "invalid_field", "channel",
                             "channel must be one of sms, imessage, rcs, mms, call, other");

    rc = get_string(root, "received_at", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        if (sgw_rfc3339_parse(s, n, &r->received_at) != 0)
            return sgw_error_set(err, "invalid_field", "received_at",
                                 "received_at must be an RFC 3339 date-time such as "
                                 "\"2024-05-01T12:30:00Z\"");
        if (r->received_at > now_us + FUTURE_SLACK_US)
            return sgw_error_set(err, "invalid_field", "received_at",
                                 "received_at is more than 5 minutes in the future");
        if (r->received_at < 0)
            return sgw_error_set(err, "invalid_field", "received_at", "received_at is before 1970");
        r->has_received_at = 1;
    }

    rc = get_string(root, "city", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        if (has_control(s, n, 0))
            return sgw_error_set(err, "invalid_field", "city",
                                 "city must not contain control characters");
        while (n > 0 && s[0] == ' ')
            s++, n--;
        while (n > 0 && s[n - 1] == ' ')
            n--;
        if (sgw_utf8_chars(s, n) > SGW_CITY_MAX_CHARS)
            return sgw_error_set(err, "invalid_field", "city", "city is longer than %d characters",
                                 SGW_CITY_MAX_CHARS);
        if (n > 0)
            r->city = sgw_xstrndup(s, n);
    }

    rc = get_string(root, "sender", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        char norm[SGW_SENDER_MAX + 1];
        if (n == 0 || is_blank(s, n))
            return sgw_error_set(err, "invalid_field", "sender", "sender must not be empty");
        if (n > SGW_SENDER_MAX)
            return sgw_error_set(err, "invalid_field", "sender", "sender is longer than %d bytes",
                                 SGW_SENDER_MAX);
        if (has_control(s, n, 0))
            return sgw_error_set(err, "invalid_field", "sender",
                                 "sender must not contain control characters");
        r->sender_raw = sgw_xstrndup(s, n);
        r->sender_kind = sgw_sender_normalise(r->sender_raw, region, norm, sizeof norm);
        r->sender = sgw_xstrdup(norm);
        if (r->sender_kind == SGW_SENDER_PHONE)
            r->sender_place = place_of(norm);
    }

    rc = get_string(root, "reporter", &s, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        char e164[32];
        if (n > 64 || has_control(s, n, 0) ||
            sgw_phone_to_e164_cached(s, region, e164, sizeof e164) != 0)
            return sgw_error_set(err, "invalid_field", "reporter",
                                 "reporter must be the reporting subscriber's phone number");
        if (sgw_pseudonym(ctx->secret, ctx->secret_len, e164, r->reporter) != 0)
            return sgw_error_set(err, "internal", "reporter", "could not derive pseudonym");
        /* Where the spam was received, when the app sends no city: kept, the number is not. */
        r->reporter_place = place_of(e164);
    }
    sgw_report_features(r, region);
    return 0;
}

int
sgw_report_parse_json(const char *body, size_t len, const struct sgw_intake_ctx *ctx,
                      int64_t now_us, struct sgw_report **out, struct sgw_error *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    struct sgw_report *r = NULL;

    *out = NULL;
    /* NUL is allowed by the parser so a "\u0000" is reported against its field. */
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        sgw_error_set(err, "invalid_json", NULL, "body is not valid JSON: %s (at byte %d)",
                      jerr.text, jerr.position);
        goto fail;
    }
    if (!json_is_object(root)) {
        sgw_error_set(err, "invalid_json", NULL, "body must be a JSON object");
        goto fail;
    }
    r = sgw_report_new();
    r->ingested_at = now_us;
    r->source = "api";
    if (parse_fields(root, ctx, now_us, r, err) != 0)
        goto fail;
    json_decref(root);
    *out = r;
    return 0;
fail:
    sgw_report_free(r);
    json_decref(root);
    return -1;
}
