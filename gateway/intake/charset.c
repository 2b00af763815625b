/* Charset conversion for relayed SMS text. Written by hand rather than with iconv: the set is
 * small and fixed, and the strictness (what counts as invalid) must be ours, not the C
 * library's. It never guesses a charset: the relay's label decides. */
#include "gateway/intake/charset.h"

#include "gateway/common/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Windows-1252 0x80..0x9F; 0 where the code page leaves the byte undefined. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static const struct {
    const char *name;
    enum sgw_charset cs;
} names[] = {
    {"utf-8", SGW_CHARSET_UTF8},        {"utf8", SGW_CHARSET_UTF8},
    {"us-ascii", SGW_CHARSET_UTF8},     {"ascii", SGW_CHARSET_UTF8},
    {"iso-8859-1", SGW_CHARSET_LATIN1}, {"iso8859-1", SGW_CHARSET_LATIN1},
    {"iso_8859-1", SGW_CHARSET_LATIN1}, {"iso-8859-1:1987", SGW_CHARSET_LATIN1},
    {"latin1", SGW_CHARSET_LATIN1},     {"latin-1", SGW_CHARSET_LATIN1},
    {"l1", SGW_CHARSET_LATIN1},         {"windows-1252", SGW_CHARSET_CP1252},
    {"cp1252", SGW_CHARSET_CP1252},     {"utf-16be", SGW_CHARSET_UTF16BE},
    {"utf16be", SGW_CHARSET_UTF16BE},   {"utf-16", SGW_CHARSET_UTF16BE},
    {"ucs-2", SGW_CHARSET_UTF16BE},     {"ucs2", SGW_CHARSET_UTF16BE},
    {"ucs-2be", SGW_CHARSET_UTF16BE},   {"iso-10646-ucs-2", SGW_CHARSET_UTF16BE},
};

enum sgw_charset
sgw_charset_parse(const char *name)
{
    if (name == NULL)
        return SGW_CHARSET_UTF8;
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"')
        name++, n -= 2;
    if (n == 0)
        return SGW_CHARSET_UTF8;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == n && strncasecmp(names[i].name, name, n) == 0)
            return names[i].cs;
    }
    return SGW_CHARSET_UNKNOWN;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 if malformed. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0) /* overlong */
            return 0;
        if (c == 0xED && s[1] >= 0xA0) /* UTF-16 surrogates */
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) /* overlong */
            return 0;
        if (c == 0xF4 && s[1] >= 0x90) /* past U+10FFFF */
            return 0;
        return 4;
    }
    return 0;
}

int
sgw_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int
from_utf16be(const unsigned char *in, size_t n, char *out, size_t *outlen)
{
    size_t i = 0, o = 0;

    if (n % 2 != 0)
        return -1;
    /* A byte-order mark is not text. A little-endian one means the label lied. */
    if (n >= 2 && in[0] == 0xFE && in[1] == 0xFF)
        i = 2;
    else if (n >= 2 && in[0] == 0xFF && in[1] == 0xFE)
        return -1;
    while (i < n) {
        uint32_t u = (uint32_t)in[i] << 8 | in[i + 1];
        i += 2;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return -1;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 2 > n)
                return -1;
            uint32_t lo = (uint32_t)in[i] << 8 | in[i + 1];
            if (lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            i += 2;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        o += put_utf8(out + o, u);
    }
    *outlen = o;
    return 0;
}

int
sgw_charset_to_utf8(enum sgw_charset cs, const char *in, size_t n, char **out, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)in;
    char *buf = NULL;
    size_t o = 0;

    *out = NULL;
    *outlen = 0;
    switch (cs) {
    case SGW_CHARSET_UTF8:
        if (!sgw_utf8_valid(in, n))
            goto fail;
        buf = sgw_xmalloc(n + 1);
        memcpy(buf, in, n);
        o = n;
        break;
    case SGW_CHARSET_LATIN1:
    case SGW_CHARSET_CP1252:
        buf = sgw_xmalloc(3 * n + 1); /* 0x80..0x9F of CP1252 become 3 bytes */
        for (size_t i = 0; i < n; i++) {
            uint32_t cp = p[i];
            if (cs == SGW_CHARSET_CP1252 && cp >= 0x80 && cp <= 0x9F) {
                cp = cp1252_high[cp - 0x80];
                if (cp == 0)
                    goto fail;
            }
            o += put_utf8(buf + o, cp);
        }
        break;
    case SGW_CHARSET_UTF16BE:
        /* Each 2 input bytes give at most 3 output bytes; a surrogate pair's 4 give 4. */
        buf = sgw_xmalloc(n / 2 * 3 + 1);
        if (from_utf16be(p, n, buf, &o) != 0)
            goto fail;
        break;
    case SGW_CHARSET_UNKNOWN: goto fail;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return 0;
fail:
    free(buf);
    return -1;
}
