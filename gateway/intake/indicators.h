/* Indicators in folded report text: URLs (also defanged ones: hxxp, example[.]com, "example .
 * com", no scheme), their host and registrable domain (libpsl), phone numbers (libphonenumber's
 * matcher), e-mail addresses and chat handles (WeChat, QQ, Telegram, WhatsApp, Line). Tuned for
 * precision: a wrong indicator merges unrelated campaigns, a missed one only splits one. Pure
 * and thread-safe; each array is capped and each string bounded. */
#ifndef SGW_INDICATORS_H
#define SGW_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>

#include "gateway/common/status.h"
#include "gateway/intake/textnorm.h"

#define SGW_IND_MAX 16          /* most indicators of each kind kept (first ones in the text) */
#define SGW_IND_SPANS_MAX 128   /* most template spans kept */
#define SGW_IND_URL_MAX 512     /* longest normalised URL in bytes with its NUL; paths are cut */
#define SGW_IND_HANDLE_MAX 64   /* longest handle id in bytes with its NUL */
#define SGW_IND_EMAIL_MAX 254   /* longest e-mail address in bytes with its NUL (RFC 5321) */
#define SGW_IND_HOST_MAX 254    /* longest host name in bytes with its NUL */
#define SGW_IND_PHONE_WINDOW 64 /* longest digit run handed to the phone matcher */

enum sgw_handle_kind {
    SGW_HANDLE_WECHAT = 0,
    SGW_HANDLE_QQ,
    SGW_HANDLE_TELEGRAM,
    SGW_HANDLE_WHATSAPP,
    SGW_HANDLE_LINE,
    SGW_HANDLE_COUNT
};

struct sgw_url {
    char *url;    /* "https://pay.x.top/p": scheme (http unless https was written), host,
                     port if not the default, path and query; no fragment */
    char *host;   /* "pay.x.top" */
    char *domain; /* registrable domain, "x.top" (an IPv4 host is its own domain) */
    bool generic; /* domain is a shortener or shared platform: only the full URL identifies */
};

struct sgw_handle {
    enum sgw_handle_kind kind;
    char *id; /* wechat: id or number; qq: digits; telegram: name; whatsapp: E.164; line: id */
};

/* Filled by sgw_indicators_extract; every string is owned by the struct. */
struct sgw_indicators {
    struct sgw_url urls[SGW_IND_MAX];
    size_t n_urls;
    char *phones[SGW_IND_MAX]; /* E.164 */
    size_t n_phones;
    char *emails[SGW_IND_MAX]; /* lower-case local@domain */
    size_t n_emails;
    struct sgw_handle handles[SGW_IND_MAX];
    size_t n_handles;
    struct sgw_span spans[SGW_IND_SPANS_MAX]; /* what the template replaces, sorted by start */
    size_t n_spans;
    bool truncated; /* something was dropped by a cap */
};

/* Extracts indicators from folded text (sgw_textnorm_fold output) into caller's *out, which
 * must be released with sgw_indicators_fini even on failure. region (ISO 3166-1 alpha-2, may
 * be NULL: then only "+..." numbers) reads national phone formats. SGW_OK or SGW_INTERNAL. */
enum sgw_status sgw_indicators_extract(const char *folded, size_t len, const char *region,
                                       struct sgw_indicators *out);

/* Frees the strings of *ind (not ind itself) and zeroes it; NULL is fine. */
void sgw_indicators_fini(struct sgw_indicators *ind);

/* "wechat", "qq", "telegram", "whatsapp", "line"; static string. */
const char *sgw_handle_kind_name(enum sgw_handle_kind k);

/* Whether a registrable domain (lower case) is in the generic table (indicators_data.h). */
bool sgw_domain_is_generic(const char *domain);

/* The generic-domain table itself (static, sorted) and its length, for tests and docs. */
const char *const *sgw_generic_domains(size_t *n);

/* The bare-TLD table (static, sorted): TLDs accepted for "name.tld" with nothing around it. */
const char *const *sgw_bare_tlds(size_t *n);

#endif
