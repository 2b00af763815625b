/* Reading a page route's cursor and checking its fields (see page.h): pure functions, so the
 * checks are unit-tested (tests/unit/check_page.c) apart from any route. */
#include "gateway/http/page.h"

#include "gateway/common/timeutil.h"
#include "gateway/intake/charset.h"

#include <string.h>

int
sgw_page_cursor_read(const struct sgw_query *q, const char *kind, char **fields, size_t n,
                     char *buf, int *present, struct sgw_error *err)
{
    const char *c = sgw_query_get(q, "cursor");
    *present = 0;
    if (c == NULL)
        return 0;
    if (sgw_cursor_decode(kind, c, fields, n, buf, SGW_CURSOR_MAX, err) != 0)
        return -1;
    *present = 1;
    return 0;
}

int
sgw_page_cursor_refuse(struct sgw_error *err)
{
    return sgw_error_set(err, "invalid_cursor", "cursor", "cursor is not one this list handed out");
}

int
sgw_page_is_int(const char *s)
{
    const char *d;
    size_t n;

    if (s == NULL)
        return 0;
    d = s[0] == '-' ? s + 1 : s;
    n = strlen(d);
    /* 18 digits always fit an int8, so no value can overflow in the statement. */
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9')
            return 0;
    }
    return 1;
}

int
sgw_page_is_time(const char *s)
{
    int64_t us;
    return s != NULL && sgw_rfc3339_parse(s, strlen(s), &us) == 0;
}

int
sgw_page_is_text(const char *s)
{
    if (s == NULL || !sgw_utf8_valid(s, strlen(s)))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    }
    return 1;
}
