/* Sender classification. Pure: no I/O, no global state beyond libphonenumber's tables. */
#include "gateway/intake/sender.h"

#include "gateway/intake/phone.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *
sgw_sender_kind_name(enum sgw_sender_kind k)
{
    switch (k) {
    case SGW_SENDER_PHONE: return "phone";
    case SGW_SENDER_SHORT_CODE: return "short_code";
    case SGW_SENDER_ALPHANUMERIC: return "alphanumeric";
    case SGW_SENDER_EMAIL: return "email";
    case SGW_SENDER_UNKNOWN: break;
    }
    return "unknown";
}

static int
looks_like_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (at == NULL || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
        return 0;
    const char *dom = at + 1;
    size_t dn = n - (size_t)(dom - s);
    const char *dot = memchr(dom, '.', dn);
    if (dot == NULL || dot == dom || dot == s + n - 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

enum sgw_sender_kind
sgw_sender_normalise(const char *raw, const char *region, char *out, size_t outsz)
{
    const char *s = raw;
    size_t n;
    char digits[64];
    size_t nd = 0, nletters = 0, nother = 0;
    int plus = 0;

    if (outsz == 0)
        return SGW_SENDER_UNKNOWN;
    out[0] = '\0';
    while (*s && isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return SGW_SENDER_UNKNOWN;

    if (looks_like_email(s, n)) {
        if (n >= outsz)
            goto unknown;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)tolower((unsigned char)s[i]);
        out[n] = '\0';
        return SGW_SENDER_EMAIL;
    }

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            if (nd + 1 < sizeof digits)
                digits[nd] = (char)c;
            nd++;
        } else if (c == '+' && nd == 0 && !plus) {
            plus = 1;
        } else if (isalpha(c)) {
            nletters++;
        } else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')) {
            nother++;
        }
    }

    if (nletters == 0 && nother == 0 && nd > 0 && nd < sizeof digits) {
        digits[nd] = '\0';
        /* Up to six digits is a short code everywhere; longer ones are numbers first. */
        if (!plus && nd <= 6) {
            snprintf(out, outsz, "%s", digits);
            return SGW_SENDER_SHORT_CODE;
        }
        /* China's SP service numbers (106 + operator + service code, up to 20 digits) are
         * sender codes, not subscriber numbers, though they can parse as possible numbers. */
        if (!plus && nd >= 8 && strncmp(digits, "106", 3) == 0 &&
            (region == NULL || strcasecmp(region, "CN") == 0)) {
            snprintf(out, outsz, "%s", digits);
            return SGW_SENDER_SHORT_CODE;
        }
        char tmp[SGW_SENDER_MAX + 1];
        snprintf(tmp, sizeof tmp, "%.*s", (int)n, s);
        if (sgw_phone_to_e164_cached(tmp, region, out, outsz) == 0)
            return SGW_SENDER_PHONE;
        /* A long digit string that is no possible number stays unknown: calling it a short
         * code would let it into blocklists as one. */
        goto unknown;
    }

    /* GSM alphanumeric sender ids: at most 11 characters, at least one letter. */
    if (nletters > 0 && n <= 11 && nother == 0 && !plus && n < outsz) {
        for (size_t i = 0; i < n; i++)
            out[i] = (char)toupper((unsigned char)s[i]);
        out[n] = '\0';
        return SGW_SENDER_ALPHANUMERIC;
    }

unknown:
    snprintf(out, outsz, "%.*s", (int)n, s);
    return SGW_SENDER_UNKNOWN;
}
