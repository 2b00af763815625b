/* CSV rows (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF,
 * quotes doubled, UTF-8 as stored) from the campaign objects the export query builds. It only
 * formats: it never reads the database or the clock. */
#include "gateway/common/mem.h"
#include "gateway/export/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void
sgw_csv_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 1024;
        while (*len + n + 1 > nc)
            nc *= 2;
        *buf = sgw_xrealloc(*buf, nc);
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

#define put sgw_csv_append

void
sgw_csv_field(char **buf, size_t *len, size_t *cap, const char *s, size_t slen)
{
    if (strcspn(s, ",\"\r\n") >= slen && memchr(s, '\0', slen) == NULL) {
        put(buf, len, cap, s, slen);
        return;
    }
    put(buf, len, cap, "\"", 1);
    for (size_t i = 0; i < slen; i++) {
        if (s[i] == '"')
            put(buf, len, cap, "\"\"", 2);
        else
            put(buf, len, cap, s + i, 1);
    }
    put(buf, len, cap, "\"", 1);
}

const char *
sgw_export_csv_header(void)
{
    return "id,status,first_seen,last_seen,reports,reporters,senders,change_seq,top_cities,"
           "top_indicators,sample_text\r\n";
}

static void
field_str(char **buf, size_t *len, size_t *cap, json_t *v)
{
    char num[32];
    if (json_is_string(v)) {
        sgw_csv_field(buf, len, cap, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        int n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        put(buf, len, cap, num, (size_t)n);
    } else if (json_is_real(v)) {
        int n = snprintf(num, sizeof num, "%.4f", json_real_value(v));
        put(buf, len, cap, num, (size_t)n);
    }
    /* null or absent: an empty field */
}

/* "New York, NY (0.4500); Shenzhen (0.2500)" for the cities, "a; b" for the indicators:
 * one field, built then quoted as a whole. */
static void
field_list(char **buf, size_t *len, size_t *cap, json_t *arr, int cities)
{
    char *s = NULL, num[48];
    size_t sl = 0, sc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (i > 0)
            put(&s, &sl, &sc, "; ", 2);
        if (cities) {
            json_t *name = json_object_get(e, "name"), *share = json_object_get(e, "share");
            if (json_is_string(name))
                put(&s, &sl, &sc, json_string_value(name), json_string_length(name));
            if (json_is_number(share)) {
                int n = snprintf(num, sizeof num, " (%.4f)", json_number_value(share));
                put(&s, &sl, &sc, num, (size_t)n);
            }
        } else if (json_is_string(e)) {
            put(&s, &sl, &sc, json_string_value(e), json_string_length(e));
        }
    }
    sgw_csv_field(buf, len, cap, s ? s : "", sl);
    free(s);
}

void
sgw_export_csv_row(char **buf, size_t *len, size_t *cap, const void *campaign_json)
{
    json_t *c = (json_t *)campaign_json;
    json_t *counts = json_object_get(c, "counts");
    static const char *const top[] = {"id", "status", "first_seen", "last_seen"};
    static const char *const cnt[] = {"reports", "reporters", "senders"};

    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        field_str(buf, len, cap, json_object_get(c, top[i]));
        put(buf, len, cap, ",", 1);
    }
    for (size_t i = 0; i < sizeof cnt / sizeof cnt[0]; i++) {
        field_str(buf, len, cap, json_object_get(counts, cnt[i]));
        put(buf, len, cap, ",", 1);
    }
    field_str(buf, len, cap, json_object_get(c, "change_seq"));
    put(buf, len, cap, ",", 1);
    field_list(buf, len, cap, json_object_get(c, "cities"), 1);
    put(buf, len, cap, ",", 1);
    field_list(buf, len, cap, json_object_get(c, "indicators"), 0);
    put(buf, len, cap, ",", 1);
    field_str(buf, len, cap, json_array_get(json_object_get(c, "samples"), 0));
    put(buf, len, cap, "\r\n", 2);
}
