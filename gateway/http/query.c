/* Query parameters and cursors (see query.h). */
#include "gateway/http/query.h"

#include "gateway/common/hash.h"
#include "gateway/common/timeutil.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define SEP '\x1f'

static enum MHD_Result
collect_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    sgw_query_add(cls, key, value ? value : "");
    return MHD_YES;
}

void
sgw_query_collect(struct MHD_Connection *conn, struct sgw_query *q)
{
    memset(q, 0, sizeof *q);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_cb, q);
}

void
sgw_query_add(struct sgw_query *q, const char *name, const char *value)
{
    if (q->n == SGW_QUERY_MAX) {
        q->overflow = 1;
        return;
    }
    q->name[q->n] = name;
    q->value[q->n] = value ? value : "";
    q->n++;
}

int
sgw_query_check(const struct sgw_query *q, const char *const *allowed, struct sgw_error *err)
{
    if (q->overflow)
        return sgw_error_set(err, "invalid_parameter", "", "at most %d query parameters",
                             SGW_QUERY_MAX);
    for (size_t i = 0; i < q->n; i++) {
        size_t a = 0;
        while (allowed[a] != NULL && strcmp(allowed[a], q->name[i]) != 0)
            a++;
        if (allowed[a] == NULL)
            return sgw_error_set(err, "unknown_parameter", q->name[i],
                                 "unknown query parameter \"%.40s\"", q->name[i]);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(q->name[j], q->name[i]) == 0)
                return sgw_error_set(err, "invalid_parameter", q->name[i],
                                     "%s is given more than once", q->name[i]);
        }
    }
    return 0;
}

const char *
sgw_query_get(const struct sgw_query *q, const char *name)
{
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->name[i], name) == 0)
            return q->value[i];
    }
    return NULL;
}

int
sgw_query_long(const struct sgw_query *q, const char *name, long min, long max, long dflt,
               long *out, struct sgw_error *err)
{
    const char *v = sgw_query_get(q, name);
    char *end;
    long x;

    if (v == NULL) {
        *out = dflt;
        return 0;
    }
    const char *digits = v[0] == '-' ? v + 1 : v;
    errno = 0;
    x = strtol(v, &end, 10);
    if (digits[0] < '0' || digits[0] > '9' || errno != 0 || *end != '\0' || x < min || x > max)
        return sgw_error_set(err, "invalid_parameter", name,
                             "%s must be a whole number from %ld to %ld", name, min, max);
    *out = x;
    return 0;
}

/* "YYYY-MM-DD" exactly, a real calendar date. */
static int
parse_date(const char *s, int64_t *out_us)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y = 0, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    }
    for (int i = 0; i < 4; i++)
        y = y * 10 + (unsigned)(s[i] - '0');
    m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
    d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    *out_us = sgw_days_from_civil(y, m, d) * 86400LL * 1000000LL;
    return 0;
}

int
sgw_query_time(const struct sgw_query *q, const char *name, int64_t *out_us, int *present,
               struct sgw_error *err)
{
    const char *v = sgw_query_get(q, name);
    *present = 0;
    if (v == NULL)
        return 0;
    if (parse_date(v, out_us) != 0 && sgw_rfc3339_parse(v, strlen(v), out_us) != 0)
        return sgw_error_set(err, "invalid_parameter", name,
                             "%s must be an RFC 3339 date-time such as 2026-11-25T00:00:00Z "
                             "or a date such as 2026-11-25",
                             name);
    *present = 1;
    return 0;
}

int
sgw_query_enum(const struct sgw_query *q, const char *name, const char *const *values,
               const char *dflt, const char **out, struct sgw_error *err)
{
    const char *v = sgw_query_get(q, name);
    char list[160];
    size_t used = 0;

    if (v == NULL) {
        *out = dflt;
        return 0;
    }
    for (size_t i = 0; values[i] != NULL; i++) {
        if (strcmp(values[i], v) == 0) {
            *out = values[i];
            return 0;
        }
    }
    list[0] = '\0';
    for (size_t i = 0; values[i] != NULL && used + strlen(values[i]) + 3 < sizeof list; i++) {
        size_t k = strlen(values[i]);
        if (used > 0) {
            memcpy(list + used, ", ", 2);
            used += 2;
        }
        memcpy(list + used, values[i], k + 1);
        used += k;
    }
    return sgw_error_set(err, "invalid_parameter", name, "%s must be one of: %s", name, list);
}

int
sgw_query_text(const struct sgw_query *q, const char *name, size_t maxlen, const char **out,
               struct sgw_error *err)
{
    const char *v = sgw_query_get(q, name);
    size_t n;

    *out = NULL;
    if (v == NULL)
        return 0;
    n = strlen(v);
    if (n == 0 || n > maxlen)
        return sgw_error_set(err, "invalid_parameter", name, "%s must be 1 to %zu bytes", name,
                             maxlen);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f)
            return sgw_error_set(err, "invalid_parameter", name,
                                 "%s must not contain control characters", name);
    }
    *out = v;
    return 0;
}

/* --- cursors: base64url("kind" SEP f1 SEP ... fn SEP checksum-hex) ------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64_value(int c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static uint32_t
checksum(const char *kind, const char *payload, size_t len)
{
    char tmp[SGW_CURSOR_MAX];
    if (len >= sizeof tmp)
        len = sizeof tmp - 1;
    memcpy(tmp, payload, len);
    tmp[len] = '\0';
    return (uint32_t)sgw_hash_pair(kind, tmp);
}

int
sgw_cursor_encode(const char *kind, const char *const *fields, size_t n, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    char raw[SGW_CURSOR_MAX];
    size_t len = 0, o = 0;

    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(fields[i]);
        if (memchr(fields[i], SEP, k) != NULL || len + k + 1 + 9 >= sizeof raw)
            return -1;
        memcpy(raw + len, fields[i], k);
        len += k;
        raw[len++] = SEP;
    }
    uint32_t sum = checksum(kind, raw, len);
    for (int i = 7; i >= 0; i--)
        raw[len++] = hex[(sum >> (i * 4)) & 0xf];
    if ((len + 2) / 3 * 4 + 1 > outsz)
        return -1;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)raw[i] << 16;
        size_t left = len - i;
        if (left > 1)
            v |= (uint32_t)(unsigned char)raw[i + 1] << 8;
        if (left > 2)
            v |= (unsigned char)raw[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (left > 1)
            out[o++] = b64[(v >> 6) & 63];
        if (left > 2)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
    return 0;
}

int
sgw_cursor_decode(const char *kind, const char *s, char **fields, size_t n, char *buf, size_t bufsz,
                  struct sgw_error *err)
{
    size_t slen = strlen(s), len = 0, f = 0;
    uint32_t bits = 0;
    int nbits = 0;

    if (slen == 0 || slen % 4 == 1 || slen / 4 * 3 + 3 > bufsz)
        goto bad;
    for (size_t i = 0; i < slen; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            goto bad;
        bits = (bits << 6) | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            buf[len++] = (char)((bits >> nbits) & 0xff);
        }
    }
    if (len < 8 || (len > 8 && buf[len - 9] != SEP))
        goto bad;
    uint32_t want = 0;
    for (size_t i = len - 8; i < len; i++) {
        int c = buf[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            goto bad;
        want = want << 4 | (uint32_t)d;
    }
    len -= 8; /* payload including its last SEP */
    if (checksum(kind, buf, len) != want)
        goto bad;
    for (size_t i = 0, start = 0; i < len; i++) {
        if (buf[i] != SEP)
            continue;
        if (f == n)
            goto bad;
        buf[i] = '\0';
        fields[f++] = buf + start;
        start = i + 1;
    }
    if (f != n)
        goto bad;
    return 0;
bad:
    return sgw_error_set(err, "invalid_cursor", "cursor",
                         "cursor is not one this list handed out (start again without it)");
}
