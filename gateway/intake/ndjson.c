/* NDJSON line splitting for POST /v1/reports:batch. A raw LF cannot occur inside a JSON text
 * (strings escape it), so every LF ends a report; this file must never look inside a line. */
#include "gateway/intake/ndjson.h"

#include <string.h>

static int
is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    }
    return 1;
}

size_t
sgw_ndjson_split(const char *body, size_t len, struct sgw_ndjson_line *out, size_t max)
{
    size_t count = 0, lineno = 0, pos = 0;

    while (pos < len) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - body) : len;
        size_t n = end - pos;
        lineno++;
        if (n > 0 && body[pos + n - 1] == '\r')
            n--;
        if (!is_blank(body + pos, n)) {
            if (count < max)
                out[count] = (struct sgw_ndjson_line){lineno, pos, n};
            count++;
        }
        pos = end + 1;
    }
    return count;
}
