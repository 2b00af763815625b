/* Indicator extraction from folded report text (lower case, NFKC, single spaces). Hand-written
 * scanners rather than regular expressions: they run for every report in the HTTP worker, and
 * the rules that keep precision high (what counts as a word boundary, which separators make a
 * dot, which TLD may stand alone) read better as code than as a 400-character pattern. The order
 * matters: e-mail addresses claim their bytes first, then URLs, then handles, then phone numbers,
 * so one stretch of text is never two indicators. It must never call the phone matcher on
 * unbounded text, never keep state between calls, and never emit an indicator it is unsure of:
 * a wrong one merges unrelated campaigns. */
#include "gateway/intake/indicators.h"

#include "gateway/common/mem.h"
#include "gateway/intake/indicators_data.h"
#include "gateway/intake/phone.h"
#include "gateway/intake/phone_find.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <utf8proc.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_LABELS 16
#define MAX_WA_KEYWORDS 8
#define MAX_TG_CANDIDATES 16
/* A WhatsApp number follows its keyword within this many bytes ("WhatsApp us on: +44 ..."). */
#define WA_DISTANCE 24
/* Candidates the phone matcher may examine per window, and hits taken from one window. */
#define PHONE_TRIES 8
#define PHONE_HITS 4

/* How two host labels are joined. */
enum sep {
    SEP_STRONG, /* "." */
    SEP_DEFANG, /* "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}": deliberate, always a dot */
    SEP_CJKDOT, /* "。" (ideographic full stop, also folded from U+FF61) between ASCII labels */
    SEP_WEAK    /* " . ", " .", " dot ": a dot only before a common TLD */
};

struct label {
    size_t start;
    size_t end;
};

struct hostparse {
    struct label labels[MAX_LABELS];
    enum sep seps[MAX_LABELS]; /* seps[i] joins labels[i] and labels[i + 1] */
    size_t nl;
};

struct host {
    char name[SGW_IND_HOST_MAX];
    const char *domain; /* points into name */
    size_t end;         /* offset just past the last label */
    bool ipv4;
    bool www;
    bool defang;
    bool cjkdot;
    bool weak;
    bool shared; /* the host is a private public suffix shared by tenants */
};

struct scan {
    const char *s;
    size_t n;
    const char *region;
    struct sgw_indicators *out;
    const psl_ctx_t *psl;
    bool han;        /* Han characters in the text: Chinese numbers are tried too */
    bool tg_context; /* a Telegram keyword or t.me link: bare "@name" is a Telegram handle */
    size_t wa_ends[MAX_WA_KEYWORDS];
    size_t n_wa;
    size_t tg_at[MAX_TG_CANDIDATES]; /* offsets of '@' that may start a Telegram name */
    size_t n_tg;
};

/* ---- characters ---------------------------------------------------------------------------- */

static unsigned char
lc(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool
is_alpha(unsigned char c)
{
    c = lc(c);
    return c >= 'a' && c <= 'z';
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum(unsigned char c)
{
    return is_alpha(c) || is_digit(c);
}

static bool
is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static unsigned char
at(const struct scan *sc, size_t i)
{
    return i < sc->n ? (unsigned char)sc->s[i] : 0;
}

/* Whether literal lit (lower-case ASCII or UTF-8) is at s[i], ASCII case-insensitively. */
static bool
lit_at(const struct scan *sc, size_t i, const char *lit)
{
    for (size_t k = 0; lit[k] != '\0'; k++) {
        if (i + k >= sc->n || lc((unsigned char)sc->s[i + k]) != (unsigned char)lit[k])
            return false;
    }
    return true;
}

/* Length of the first of lits found at s[i], or 0. */
static size_t
any_lit_at(const struct scan *sc, size_t i, const char *const *lits, size_t nlits)
{
    for (size_t k = 0; k < nlits; k++) {
        if (lit_at(sc, i, lits[k]))
            return strlen(lits[k]);
    }
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
in_table(const char *const *table, size_t n, const char *key)
{
    return bsearch(&key, table, n, sizeof *table, cmp_str) != NULL;
}

bool
sgw_domain_is_generic(const char *domain)
{
    return domain != NULL && in_table(generic_domains, NELEM(generic_domains), domain);
}

const char *const *
sgw_generic_domains(size_t *n)
{
    *n = NELEM(generic_domains);
    return generic_domains;
}

const char *const *
sgw_bare_tlds(size_t *n)
{
    *n = NELEM(bare_tlds);
    return bare_tlds;
}

const char *
sgw_handle_kind_name(enum sgw_handle_kind k)
{
    static const char *const names[SGW_HANDLE_COUNT] = {"wechat", "qq", "telegram", "whatsapp",
                                                        "line"};
    return (unsigned)k < SGW_HANDLE_COUNT ? names[k] : "unknown";
}

/* ---- results ------------------------------------------------------------------------------- */

static bool
overlaps(const struct scan *sc, size_t a, size_t b)
{
    const struct sgw_indicators *o = sc->out;
    for (size_t k = 0; k < o->n_spans; k++) {
        if (o->spans[k].start < b && a < o->spans[k].end)
            return true;
    }
    return false;
}

static void
add_span(struct scan *sc, size_t a, size_t b, enum sgw_token t)
{
    struct sgw_indicators *o = sc->out;
    if (o->n_spans == SGW_IND_SPANS_MAX) {
        o->truncated = true;
        return;
    }
    o->spans[o->n_spans++] = (struct sgw_span){a, b, t};
}

/* Adds s to a capped, duplicate-free list of strings; true if it was new. */
static bool
add_string(struct scan *sc, char **list, size_t *n, const char *s)
{
    for (size_t k = 0; k < *n; k++) {
        if (strcmp(list[k], s) == 0)
            return false;
    }
    if (*n == SGW_IND_MAX) {
        sc->out->truncated = true;
        return false;
    }
    list[(*n)++] = sgw_xstrdup(s);
    return true;
}

static void
add_handle(struct scan *sc, enum sgw_handle_kind kind, const char *id)
{
    struct sgw_indicators *o = sc->out;
    if (id[0] == '\0' || strlen(id) >= SGW_IND_HANDLE_MAX)
        return;
    for (size_t k = 0; k < o->n_handles; k++) {
        if (o->handles[k].kind == kind && strcmp(o->handles[k].id, id) == 0)
            return;
    }
    if (o->n_handles == SGW_IND_MAX) {
        o->truncated = true;
        return;
    }
    o->handles[o->n_handles].kind = kind;
    o->handles[o->n_handles].id = sgw_xstrdup(id);
    o->n_handles++;
}

/* A host that mixes ASCII letters with other scripts ("tinуurl.com" with a Cyrillic у) is a
 * look-alike: its domain must not be a strong indicator, or one mangled shortener would glue
 * every campaign that uses it. Its full URL still is. */
static bool
mixed_script(const char *name)
{
    bool ascii = false, other = false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            ascii = true;
        else if (*p >= 0x80)
            other = true;
    }
    return ascii && other;
}

static void
add_url(struct scan *sc, const char *url, const struct host *h)
{
    struct sgw_indicators *o = sc->out;
    for (size_t k = 0; k < o->n_urls; k++) {
        if (strcmp(o->urls[k].url, url) == 0)
            return;
    }
    if (o->n_urls == SGW_IND_MAX) {
        o->truncated = true;
        return;
    }
    struct sgw_url *u = &o->urls[o->n_urls++];
    u->url = sgw_xstrdup(url);
    u->host = sgw_xstrdup(h->name);
    u->domain = sgw_xstrdup(h->domain);
    u->generic = h->shared || sgw_domain_is_generic(h->domain) || mixed_script(h->name);
}

/* ---- hosts --------------------------------------------------------------------------------- */

/* Bytes of the host-label character at s[i] (ASCII letter, digit or '-', or a Latin, Greek or
 * Cyrillic letter of an internationalised name such as "аmazon.com" or "сайт.рф"), or 0. CJK is
 * left out on purpose: Chinese text runs into URLs without a space ("访问abc.com查看"). */
static size_t
label_char(const struct scan *sc, size_t i)
{
    unsigned char c = at(sc, i);
    if (c < 0x80)
        return is_alnum(c) || c == '-' ? 1 : 0;
    if (c < 0xC3 || c > 0xD4)
        return 0; /* outside U+00C0..U+052F */
    utf8proc_int32_t cp;
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)sc->s + i, (utf8proc_ssize_t)(sc->n - i), &cp);
    if (k != 2 || cp == 0xD7 || cp == 0xF7 || (cp > 0x24F && cp < 0x370))
        return 0;
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LO
               ? 2
               : 0;
}

/* Whether the code point ending just before s[i] is a host-label character. */
static bool
label_char_before(const struct scan *sc, size_t i)
{
    if (i == 0)
        return false;
    size_t j = i - 1;
    while (j > 0 && is_cont(at(sc, j)))
        j--;
    return label_char(sc, j) == i - j;
}

static const char *const defang_dots[] = {"[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}"};
#define CJK_DOT "\xe3\x80\x82" /* U+3002 */

/* Parses the separator at s[q] that joins two labels; returns where the next label starts
 * (a label character must be there) or 0. A dot followed by a space is a sentence end,
 * never a separator: "Click here. usps-fee.top" must not yield "here.usps-fee.top". */
static size_t
parse_sep(const struct scan *sc, size_t q, enum sep *type)
{
    size_t p = q;
    bool space_before = at(sc, p) == ' ';
    if (space_before)
        p++;
    size_t l = any_lit_at(sc, p, defang_dots, NELEM(defang_dots));
    if (l > 0) {
        p += l;
        if (at(sc, p) == ' ')
            p++;
        *type = SEP_DEFANG;
        return label_char(sc, p) > 0 && at(sc, p) != '-' ? p : 0;
    }
    if (lit_at(sc, p, CJK_DOT)) {
        p += 3;
        if (at(sc, p) == ' ')
            p++;
        *type = SEP_CJKDOT;
        return is_alnum(at(sc, p)) ? p : 0; /* ASCII on both sides of "。" only */
    }
    if (at(sc, p) == '.') {
        p++;
        bool space_after = at(sc, p) == ' ';
        if (space_after && !space_before)
            return 0;
        if (space_after)
            p++;
        *type = space_before ? SEP_WEAK : SEP_STRONG;
        return label_char(sc, p) > 0 && at(sc, p) != '-' ? p : 0;
    }
    if (space_before && lit_at(sc, p, "dot ")) {
        p += 4;
        *type = SEP_WEAK;
        return is_alnum(at(sc, p)) ? p : 0;
    }
    return 0;
}

static void
parse_labels(const struct scan *sc, size_t p, struct hostparse *hp)
{
    hp->nl = 0;
    while (hp->nl < MAX_LABELS) {
        size_t q = p, k;
        while ((k = label_char(sc, q)) > 0 && q - p < 64)
            q += k;
        if (q - p > 63 || label_char(sc, q) > 0)
            break; /* longer than a DNS label */
        while (q > p && at(sc, q - 1) == '-')
            q--;
        if (q == p || at(sc, p) == '-')
            break;
        hp->labels[hp->nl].start = p;
        hp->labels[hp->nl].end = q;
        hp->nl++;
        enum sep t;
        size_t next = parse_sep(sc, q, &t);
        if (next == 0)
            break;
        hp->seps[hp->nl - 1] = t;
        p = next;
    }
}

static bool
tld_ok(const struct scan *sc, const struct label *l)
{
    size_t len = l->end - l->start;
    if (len >= 4 && lit_at(sc, l->start, "xn--"))
        return true;
    if (len < 2)
        return false;
    for (size_t i = l->start; i < l->end; i++) {
        if (is_digit(at(sc, i)) || at(sc, i) == '-')
            return false;
    }
    return true;
}

static bool
ipv4_ok(const struct scan *sc, const struct hostparse *hp, size_t k)
{
    if (k != 4)
        return false;
    for (size_t i = 0; i < 4; i++) {
        const struct label *l = &hp->labels[i];
        if (l->end - l->start > 3)
            return false;
        unsigned v = 0;
        for (size_t j = l->start; j < l->end; j++) {
            if (!is_digit(at(sc, j)))
                return false;
            v = v * 10 + (unsigned)(at(sc, j) - '0');
        }
        if (v > 255)
            return false;
    }
    return true;
}

/* Fills h from the first k labels of hp if they make a host under a known public suffix (or an
 * IPv4 address). Only the structure is checked here; the caller decides whether the context
 * makes it a link. */
static bool
host_from_labels(const struct scan *sc, const struct hostparse *hp, size_t k, struct host *h)
{
    size_t len = 0;
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < k; i++) {
        const struct label *l = &hp->labels[i];
        if (len + (l->end - l->start) + 2 > sizeof h->name)
            return false;
        if (i > 0)
            h->name[len++] = '.';
        for (size_t j = l->start; j < l->end; j++)
            h->name[len++] = (char)lc(at(sc, j));
        if (i + 1 < k) {
            h->defang |= hp->seps[i] == SEP_DEFANG;
            h->cjkdot |= hp->seps[i] == SEP_CJKDOT;
            if (hp->seps[i] == SEP_WEAK) {
                /* "example . com": the spaced dot may only come before the TLD. */
                if (i + 2 != k)
                    return false;
                h->weak = true;
            }
        }
    }
    h->name[len] = '\0';
    h->end = hp->labels[k - 1].end;
    h->www = k >= 3 && strncmp(h->name, "www.", 4) == 0;
    if (ipv4_ok(sc, hp, k)) {
        h->ipv4 = true;
        h->domain = h->name;
        return !h->weak && !h->cjkdot;
    }
    if (!tld_ok(sc, &hp->labels[k - 1]))
        return false;
    const char *tld = strrchr(h->name, '.') + 1;
    if (!psl_is_public_suffix2(sc->psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
        return false;
    h->domain = psl_registrable_domain(sc->psl, h->name);
    if (h->domain == NULL && k >= 2 &&
        psl_is_public_suffix2(sc->psl, h->name, PSL_TYPE_PRIVATE | PSL_TYPE_NO_STAR_RULE)) {
        /* A hosting suffix used as a host ("s3.amazonaws.com/bucket/x"): every tenant shares
         * it, so it is its own, generic, domain. */
        h->domain = h->name;
        h->shared = true;
    }
    return h->domain != NULL;
}

static bool
bare_tld(const char *host)
{
    const char *tld = strrchr(host, '.');
    return tld != NULL && in_table(bare_tlds, NELEM(bare_tlds), tld + 1);
}

/* A TLD that is also an English word ("us", "me", "click"): "name.us" alone counts only when
 * the name does not read as a word: it holds a digit or '-', or is long and random-looking
 * ("updatebillingpage.us"), unlike "contact.us" or "today.click". */
static bool
word_tld_ok(const char *host, size_t sld)
{
    const char *tld = strrchr(host, '.');
    if (tld == NULL || !in_table(word_tlds, NELEM(word_tlds), tld + 1))
        return false;
    const char *p = tld - sld;
    /* Long names only before the longer word TLDs and "us": "cherthala.in case" is a place
     * name and a missing space, not a link. */
    if (sld >= 9 && (strlen(tld + 1) > 2 || strcmp(tld + 1, "us") == 0))
        return true;
    for (; p < tld; p++) {
        if (is_digit((unsigned char)*p) || *p == '-')
            return true;
    }
    return false;
}

/* Second-level label length: "ab.com" -> 2. */
static size_t
sld_len(const char *host)
{
    const char *tld = strrchr(host, '.');
    const char *p = tld;
    while (p > host && p[-1] != '.')
        p--;
    return (size_t)(tld - p);
}

/* ---- URLs ---------------------------------------------------------------------------------- */

/* Parses a scheme at s[i] ("http://", "https://", "hxxp://", "h**ps://", "ttp://", with "[:]//",
 * "[://]" or "(:)//" for "://"); returns the offset after it or 0. */
static size_t
parse_scheme(const struct scan *sc, size_t i, bool *https)
{
    static const char *const colons[] = {"://", "[:]//", "[://]", "(:)//"};
    size_t p = i;
    if (at(sc, p) == 'h' || at(sc, p) == 'H')
        p++;
    if (p == i && !(lit_at(sc, p, "ttp")))
        return 0;
    for (int k = 0; k < 2; k++, p++) {
        unsigned char c = lc(at(sc, p));
        if (c != 't' && c != 'x' && c != '*')
            return 0;
    }
    if (lc(at(sc, p)) != 'p')
        return 0;
    p++;
    *https = lc(at(sc, p)) == 's';
    if (*https)
        p++;
    size_t l = any_lit_at(sc, p, colons, NELEM(colons));
    return l ? p + l : 0;
}

static bool
url_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr("<>\"{}|\\^`", c) == NULL;
}

static size_t
count_char(const char *s, size_t a, size_t b, char c)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += s[i] == c;
    return n;
}

/* End of the path and query starting at s[p] ('/' or '?'), trailing punctuation left out. */
static size_t
parse_path(const struct scan *sc, size_t p)
{
    size_t q = p;
    if (at(sc, q) != '/' && at(sc, q) != '?')
        return p;
    while (q < sc->n && url_char(at(sc, q)))
        q++;
    while (q > p + 1) {
        char c = sc->s[q - 1];
        if (strchr(".,;:!?'\"*", c) != NULL ||
            (c == ')' && count_char(sc->s, p, q, '(') < count_char(sc->s, p, q, ')')) ||
            (c == ']' && count_char(sc->s, p, q, '[') < count_char(sc->s, p, q, ']')))
            q--;
        else
            break;
    }
    return q;
}

/* Handles carried by the URL itself: t.me/name, wa.me/<number>, line.me/ti/p/~id. */
static void
handles_from_url(struct scan *sc, const char *host, const char *path)
{
    char id[SGW_IND_HANDLE_MAX];
    if (strcmp(host, "t.me") == 0 || strcmp(host, "telegram.me") == 0 ||
        strcmp(host, "telegram.dog") == 0) {
        sc->tg_context = true;
        static const char *const reserved[] = {"addstickers", "iv",    "joinchat", "proxy",
                                               "s",           "share", "socks"};
        size_t l = 0;
        if (path[0] != '/' || !is_alpha((unsigned char)path[1]))
            return;
        while (l + 1 < sizeof id && (is_alnum((unsigned char)path[1 + l]) || path[1 + l] == '_'))
            id[l] = path[1 + l], l++;
        id[l] = '\0';
        if (l < 5 || l > 32)
            return;
        for (size_t k = 0; k < NELEM(reserved); k++) {
            if (strcmp(id, reserved[k]) == 0)
                return;
        }
        add_handle(sc, SGW_HANDLE_TELEGRAM, id);
        return;
    }
    const char *digits = NULL;
    if (strcmp(host, "wa.me") == 0 && path[0] == '/')
        digits = path + 1;
    else if ((strcmp(host, "api.whatsapp.com") == 0 || strcmp(host, "whatsapp.com") == 0 ||
              strcmp(host, "web.whatsapp.com") == 0) &&
             strstr(path, "phone=") != NULL)
        digits = strstr(path, "phone=") + 6;
    if (digits != NULL) {
        char raw[24] = "+";
        size_t l = 0;
        while (l < 16 && is_digit((unsigned char)digits[l]))
            raw[1 + l] = digits[l], l++;
        raw[1 + l] = '\0';
        char e164[20];
        if (l >= 7 && !is_digit((unsigned char)digits[l]) &&
            sgw_phone_to_e164(raw, NULL, e164, sizeof e164) == 0)
            add_handle(sc, SGW_HANDLE_WHATSAPP, e164);
        return;
    }
    if (strcmp(host, "line.me") == 0) {
        const char *p = NULL;
        bool official = false;
        if (strncmp(path, "/ti/p/~", 7) == 0) {
            p = path + 7;
        } else if (strncmp(path, "/ti/p/@", 7) == 0 || strncmp(path, "/r/ti/p/@", 9) == 0) {
            p = strchr(path, '@') + 1;
            official = true;
        }
        if (p == NULL)
            return;
        size_t l = 0;
        if (official)
            id[l++] = '@';
        while (l + 1 < sizeof id && (is_alnum((unsigned char)*p) || strchr("._-", *p) != NULL) &&
               *p != '\0')
            id[l++] = *p++;
        id[l] = '\0';
        if (l - official >= 4 && l - official <= 20)
            add_handle(sc, SGW_HANDLE_LINE, id);
    }
}

/* Skips "user:pass@" after a scheme ("https://usps.com@bit.ly/x" goes to bit.ly, the address
 * that opens): the userinfo is the lure, the host after '@' is the link. */
static size_t
skip_userinfo(const struct scan *sc, size_t hs)
{
    size_t q = hs, last_at = 0;
    while (q < sc->n && url_char(at(sc, q)) && strchr("/?#", at(sc, q)) == NULL) {
        if (at(sc, q) == '@')
            last_at = q;
        q++;
    }
    return last_at && label_char(sc, last_at + 1) ? last_at + 1 : hs;
}

/* Tries a URL whose text starts at s[start] and whose host starts at s[hs]; lead says a scheme
 * or "//" came first. Returns the end of the URL, or 0 if there is none. */
static size_t
try_url(struct scan *sc, size_t start, size_t hs, bool lead, bool https)
{
    if (lead)
        hs = skip_userinfo(sc, hs);
    if (label_char(sc, hs) == 0 || at(sc, hs) == '-')
        return 0;

    struct hostparse hp;
    parse_labels(sc, hs, &hp);
    for (size_t k = hp.nl; k >= 2; k--) {
        struct host h;
        if (!host_from_labels(sc, &hp, k, &h))
            continue;
        size_t e = h.end;
        char port[8] = "";
        if (at(sc, e) == ':' && is_digit(at(sc, e + 1))) {
            size_t d = e + 1;
            while (d < sc->n && is_digit(at(sc, d)) && d - e <= 5)
                d++;
            if (d - e - 1 <= 5 && !is_alnum(at(sc, d))) {
                snprintf(port, sizeof port, ":%.*s", (int)(d - e - 1), sc->s + e + 1);
                if ((!https && strcmp(port, ":80") == 0) || (https && strcmp(port, ":443") == 0))
                    port[0] = '\0';
                e = d;
            }
        }
        size_t pe = parse_path(sc, e);
        bool path = pe > e; /* even a bare "/" says link */
        /* Without a scheme the context must make it a link. */
        if (h.weak && !bare_tld(h.name))
            continue;
        if (h.cjkdot && !bare_tld(h.name) && !lead && !h.www && !path)
            continue;
        if (!lead && !h.www && !h.defang && !path) {
            size_t sld = sld_len(h.name);
            if (h.ipv4 || sld < 2 || !(bare_tld(h.name) || word_tld_ok(h.name, sld)))
                continue;
        }
        if (h.ipv4 && !lead && !path)
            continue;

        /* Normalised: scheme://host[:port]path?query, fragment dropped, lone "/" dropped. */
        size_t frag = e;
        while (frag < pe && sc->s[frag] != '#')
            frag++;
        char url[SGW_IND_URL_MAX];
        int plen = (int)(frag - e);
        if (plen == 1 && sc->s[e] == '/')
            plen = 0;
        int w = snprintf(url, sizeof url, "%s://%s%s", https ? "https" : "http", h.name, port);
        if (w < 0 || (size_t)w >= sizeof url)
            return 0;
        size_t room = sizeof url - (size_t)w - 1;
        if ((size_t)plen > room) {
            plen = (int)room;
            sc->out->truncated = true;
        }
        for (int j = 0; j < plen; j++)
            url[w + j] = (char)lc((unsigned char)sc->s[e + (size_t)j]);
        url[w + plen] = '\0';

        if (overlaps(sc, start, pe))
            return 0;
        add_url(sc, url, &h);
        add_span(sc, start, pe, SGW_TOKEN_URL);
        handles_from_url(sc, h.name, url + w);
        return pe;
    }
    return 0;
}

static void
scan_urls(struct scan *sc)
{
    for (size_t i = 0; i < sc->n;) {
        unsigned char c = at(sc, i);
        bool https = false;
        /* "//host", "//@host", "// @host": a link with its scheme cut off. */
        if (c == '/' && at(sc, i + 1) == '/' && !label_char_before(sc, i) &&
            (i == 0 || at(sc, i - 1) != ':' || !label_char_before(sc, i - 1))) {
            size_t hs = i + 2;
            if (at(sc, hs) == ' ')
                hs++;
            if (at(sc, hs) == '@' || at(sc, hs) == '_')
                hs++;
            size_t e = try_url(sc, i, hs, true, false);
            i = e > i ? e : i + 2;
            continue;
        }
        size_t k = label_char(sc, i);
        if (k == 0 || c == '-') {
            i += c < 0x80 ? 1 : (c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2);
            continue;
        }
        size_t word = i;
        while ((k = label_char(sc, word)) > 0)
            word += k;
        /* A host starts a word: not inside one, a path, an address or a longer host. A '.'
         * before it is fine when it is not itself inside a host ("....v41qle.net", "@.x.com"). */
        bool start_ok = !label_char_before(sc, i);
        unsigned char prev = i > 0 ? at(sc, i - 1) : ' ';
        size_t hs = parse_scheme(sc, i, &https);
        if (start_ok && hs == 0 && prev < 0x80 && strchr("-_.@/\\%+=&?#~", prev) != NULL)
            start_ok = prev == '.' && !label_char_before(sc, i - 1);
        if (!start_ok) {
            i = word;
            continue;
        }
        size_t e = try_url(sc, i, hs ? hs : i, hs != 0, https);
        i = e > i ? e : word;
    }
}

/* ---- e-mail addresses and "@name" ---------------------------------------------------------- */

static bool
local_char(unsigned char c)
{
    return is_alnum(c) || (c != '\0' && strchr("._%+-", c) != NULL);
}

static void
scan_emails(struct scan *sc)
{
    static const char *const at_forms[] = {"[at]", "(at)", "{at}", "[@]", "(@)"};
    for (size_t i = 0; i < sc->n; i++) {
        size_t le, ds; /* local part end, domain start */
        bool plain = at(sc, i) == '@';
        if (plain) {
            le = i;
            ds = i + 1;
        } else {
            size_t l = any_lit_at(sc, i, at_forms, NELEM(at_forms));
            if (l == 0)
                continue;
            le = i > 0 && at(sc, i - 1) == ' ' ? i - 1 : i;
            ds = i + l + (at(sc, i + l) == ' ');
        }
        size_t ls = le;
        while (ls > 0 && local_char(at(sc, ls - 1)) && le - ls < 64)
            ls--;
        while (ls < le && at(sc, ls) == '.')
            ls++;
        if (ls == le) {
            if (plain && sc->n_tg < MAX_TG_CANDIDATES)
                sc->tg_at[sc->n_tg++] = i;
            continue;
        }
        if (at(sc, le - 1) == '.' || !is_alnum(at(sc, ds)))
            continue;
        /* "https://usps.com@bit.ly/x": user information of a URL, not an address. */
        size_t tok = ls;
        while (tok > 0 && url_char(at(sc, tok - 1)))
            tok--;
        if (memmem(sc->s + tok, ls - tok, "//", 2) != NULL)
            continue;
        struct hostparse hp;
        parse_labels(sc, ds, &hp);
        for (size_t k = hp.nl; k >= 2; k--) {
            struct host h;
            if (!host_from_labels(sc, &hp, k, &h) || h.weak || h.ipv4)
                continue;
            char addr[SGW_IND_EMAIL_MAX];
            int w = snprintf(addr, sizeof addr, "%.*s@%s", (int)(le - ls), sc->s + ls, h.name);
            if (w < 0 || (size_t)w >= sizeof addr || overlaps(sc, ls, h.end))
                break;
            for (int j = 0; j < w; j++)
                addr[j] = (char)lc((unsigned char)addr[j]);
            add_string(sc, sc->out->emails, &sc->out->n_emails, addr);
            add_span(sc, ls, h.end, SGW_TOKEN_EMAIL);
            /* 12345678@qq.com is QQ number 12345678. */
            size_t dl = le - ls;
            if (strcmp(h.name, "qq.com") == 0 && dl >= 5 && dl <= 11 && at(sc, ls) != '0' &&
                strspn(addr, "0123456789") == dl) {
                addr[dl] = '\0';
                add_handle(sc, SGW_HANDLE_QQ, addr);
            }
            i = h.end - 1;
            break;
        }
    }
}

/* ---- chat handles ---------------------------------------------------------------------------- */

enum kw_kind { KW_WECHAT, KW_QQ, KW_LINE, KW_TELEGRAM, KW_WHATSAPP };

struct keyword {
    const char *text;
    enum kw_kind kind;
};

/* Words that announce a handle. Latin ones must stand as words (checked at their ASCII ends);
 * "line" and "tg" are common words or letters, so they need more context (see scan_keywords). */
static const struct keyword keywords[] = {
    {"wechat", KW_WECHAT},
    {"weixin", KW_WECHAT},
    {"vx", KW_WECHAT},
    {"wx", KW_WECHAT},
    {"\xe5\xbe\xae\xe4\xbf\xa1", KW_WECHAT}, /* 微信 */
    {"\xe5\xa8\x81\xe4\xbf\xa1", KW_WECHAT}, /* 威信 */
    {"\xe8\x96\x87\xe4\xbf\xa1", KW_WECHAT}, /* 薇信 */
    {"\xe5\xbe\xbd\xe4\xbf\xa1", KW_WECHAT}, /* 徽信 */
    {"\xe7\xbb\xb4\xe4\xbf\xa1", KW_WECHAT}, /* 维信 */
    {"v\xe4\xbf\xa1", KW_WECHAT},            /* V信 */
    {"\xe5\x8a\xa0v", KW_WECHAT},            /* 加V */
    {"+v", KW_WECHAT},
    {"qq", KW_QQ},
    {"\xe6\x89\xa3\xe6\x89\xa3", KW_QQ}, /* 扣扣 */
    {"\xe4\xbc\x81\xe9\xb9\x85", KW_QQ}, /* 企鹅 */
    {"line", KW_LINE},
    {"\xe5\x8a\xa0\xe8\xb3\xb4", KW_LINE}, /* 加賴 */
    {"\xe5\x8a\xa0\xe8\xb5\x96", KW_LINE}, /* 加赖 */
    {"telegram", KW_TELEGRAM},
    {"tg", KW_TELEGRAM},
    {"\xe7\x94\xb5\xe6\x8a\xa5", KW_TELEGRAM}, /* 电报 */
    {"\xe9\x9b\xbb\xe5\xa0\xb1", KW_TELEGRAM}, /* 電報 */
    {"\xe9\xa3\x9e\xe6\x9c\xba", KW_TELEGRAM}, /* 飞机 (纸飞机, Telegram's logo) */
    {"\xe9\xa3\x9b\xe6\xa9\x9f", KW_TELEGRAM}, /* 飛機 */
    {"whatsapp", KW_WHATSAPP},
    {"whatsap", KW_WHATSAPP},
    {"watsapp", KW_WHATSAPP},
    {"watsap", KW_WHATSAPP},
    {"whats app", KW_WHATSAPP},
};

/* After a keyword: "号", "id", "账号" ... say an id follows. */
static const char *const id_suffixes[] = {
    "\xe8\xb4\xa6\xe5\x8f\xb7", /* 账号 */
    "\xe5\xb8\x90\xe5\x8f\xb7", /* 帐号 */
    "\xe5\xb8\xb3\xe8\x99\x9f", /* 帳號 */
    "\xe5\x8f\xb7\xe7\xa0\x81", /* 号码 */
    "\xe7\xbe\xa4\xe5\x8f\xb7", /* 群号 */
    "\xe5\x8f\xb7",             /* 号 */
    "\xe8\x99\x9f",             /* 號 */
    "\xe7\xbe\xa4",             /* 群 */
    "id",
};

/* Between keyword and id: punctuation, arrows, pointing hands and "add"/"search" verbs. */
static const char *const id_leads[] = {
    "\xe2\x86\x92",     /* → */
    "\xe2\x9e\xa1",     /* ➡ */
    "\xf0\x9f\x91\x89", /* 👉 */
    "\xe2\x98\x9e",     /* ☞ */
    "\xe3\x80\x90",     /* 【 */
    "\xe3\x80\x8c",     /* 「 */
    "\xe3\x80\x8e",     /* 『 */
    "\xe5\x8a\xa0",     /* 加 */
    "\xe6\x90\x9c",     /* 搜 */
};

/* Skips the suffix and separators after a keyword; *explicit says an id is announced (":",
 * "号", "id", an arrow), so a plain word may be taken as the id. */
static size_t
skip_to_id(const struct scan *sc, size_t p, bool *explicit, bool *suffix)
{
    *explicit = false;
    *suffix = false;
    size_t q = at(sc, p) == ' ' ? p + 1 : p;
    size_t l = any_lit_at(sc, q, id_suffixes, NELEM(id_suffixes));
    if (l > 0 && !(l == 2 && is_alpha(at(sc, q + 2)))) {
        p = q + l;
        *explicit = *suffix = true;
    }
    for (int guard = 0; guard < 8 && p < sc->n; guard++) {
        unsigned char c = at(sc, p);
        if (strchr(" :=-~>|([{)]}", c) != NULL && c != '\0') {
            if (c == ':' || c == '=' || c == '>')
                *explicit = true;
            p++;
            continue;
        }
        l = any_lit_at(sc, p, id_leads, NELEM(id_leads));
        if (l == 0)
            break;
        *explicit = true;
        p += l;
    }
    return p;
}

static bool
id_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '-';
}

/* The id after a WeChat, QQ or Line keyword at s[p]; returns its end or 0. */
static size_t
parse_id(const struct scan *sc, enum kw_kind kind, size_t p, bool explicit)
{
    size_t q = p;
    unsigned char next;
    switch (kind) {
    case KW_WECHAT:
        if (is_digit(at(sc, p))) {
            while (is_digit(at(sc, q)))
                q++;
            return q - p >= 5 && q - p <= 15 && !is_alpha(at(sc, q)) ? q : 0;
        }
        if (!is_alpha(at(sc, p)))
            return 0;
        while (id_char(at(sc, q)))
            q++;
        /* WeChat ids: 6-20 characters from a letter. Without ":" or "号" a bare word
         * ("wechat payment") is not an id; one with a digit, '_' or '-' is. */
        if (q - p < 6 || q - p > 20)
            return 0;
        next = at(sc, q);
        if (next == '@' || (next == '.' && is_alnum(at(sc, q + 1))))
            return 0;
        if (!explicit) {
            bool marked = false;
            for (size_t i = p; i < q; i++)
                marked |= !is_alpha(at(sc, i));
            if (!marked)
                return 0;
        }
        return q;
    case KW_QQ:
        if (!is_digit(at(sc, p)) || at(sc, p) == '0')
            return 0;
        while (is_digit(at(sc, q)))
            q++;
        return q - p >= 5 && q - p <= 11 && !is_alpha(at(sc, q)) ? q : 0;
    case KW_LINE:
        if (at(sc, q) == '@')
            q++;
        if (!is_alnum(at(sc, q)))
            return 0;
        while (id_char(at(sc, q)) || (at(sc, q) == '.' && id_char(at(sc, q + 1))))
            q++;
        {
            size_t l = q - p - (at(sc, p) == '@');
            return l >= 4 && l <= 20 ? q : 0;
        }
    default: return 0;
    }
}

static void
on_keyword(struct scan *sc, const struct keyword *kw, size_t ks)
{
    size_t kl = strlen(kw->text), ke = ks + kl;
    /* ASCII ends must be word ends: "wx" in "awx", "line" in "online" are not ours. */
    if (is_alpha((unsigned char)kw->text[0]) && ks > 0 && is_alnum(at(sc, ks - 1)))
        return;
    if (is_alpha((unsigned char)kw->text[kl - 1]) && is_alpha(at(sc, ke)))
        return;
    if (overlaps(sc, ks, ke))
        return;
    if (kw->kind == KW_TELEGRAM) {
        sc->tg_context = true;
        return;
    }
    if (kw->kind == KW_WHATSAPP) {
        if (sc->n_wa < MAX_WA_KEYWORDS)
            sc->wa_ends[sc->n_wa++] = ke;
        return;
    }
    bool explicit, suffix;
    size_t p = skip_to_id(sc, ke, &explicit, &suffix);
    if (kw->kind == KW_LINE && strcmp(kw->text, "line") == 0) {
        /* "line" is an English word: only "line id", "加line", "+line", "line@x". */
        bool added =
            (ks >= 3 && lit_at(sc, ks - 3, "\xe5\x8a\xa0")) || (ks >= 1 && at(sc, ks - 1) == '+');
        if (!suffix && !added && at(sc, ke) != '@')
            return;
        explicit = true;
    }
    size_t q = parse_id(sc, kw->kind, p, explicit);
    if (q == 0 || overlaps(sc, p, q))
        return;
    char id[SGW_IND_HANDLE_MAX];
    if (q - p >= sizeof id)
        return;
    for (size_t i = p; i < q; i++)
        id[i - p] = (char)lc(at(sc, i));
    id[q - p] = '\0';
    enum sgw_handle_kind hk = kw->kind == KW_WECHAT ? SGW_HANDLE_WECHAT
                              : kw->kind == KW_QQ   ? SGW_HANDLE_QQ
                                                    : SGW_HANDLE_LINE;
    add_handle(sc, hk, id);
    add_span(sc, p, q, SGW_TOKEN_HANDLE);
}

/* One pass over the text; only positions whose byte starts some keyword are compared. */
static void
scan_keywords(struct scan *sc)
{
    bool first[256] = {false};
    for (size_t k = 0; k < NELEM(keywords); k++)
        first[(unsigned char)keywords[k].text[0]] = true;
    for (size_t i = 0; i < sc->n; i++) {
        unsigned char c = lc(at(sc, i));
        if (!first[c])
            continue;
        for (size_t k = 0; k < NELEM(keywords); k++) {
            if ((unsigned char)keywords[k].text[0] == c && lit_at(sc, i, keywords[k].text))
                on_keyword(sc, &keywords[k], i);
        }
    }
}

/* "@name" with no local part: a Telegram username when the text speaks of Telegram. Elsewhere
 * it may be Instagram, X or a chat "@ home", so nothing is claimed. */
static void
scan_telegram_at(struct scan *sc)
{
    if (!sc->tg_context)
        return;
    for (size_t k = 0; k < sc->n_tg; k++) {
        size_t p = sc->tg_at[k] + 1, q = p;
        if (!is_alpha(at(sc, p)))
            continue;
        while (is_alnum(at(sc, q)) || at(sc, q) == '_')
            q++;
        if (q - p < 5 || q - p > 32 || (at(sc, q) == '.' && is_alnum(at(sc, q + 1))) ||
            overlaps(sc, p, q))
            continue;
        char id[SGW_IND_HANDLE_MAX];
        for (size_t i = p; i < q; i++)
            id[i - p] = (char)lc(at(sc, i));
        id[q - p] = '\0';
        add_handle(sc, SGW_HANDLE_TELEGRAM, id);
        add_span(sc, p, q, SGW_TOKEN_HANDLE);
    }
}

/* ---- phone numbers ------------------------------------------------------------------------- */

static bool
is_phone_sep(unsigned char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/';
}

static bool
region_is_cn(const char *r)
{
    return r != NULL && (r[0] == 'C' || r[0] == 'c') && (r[1] == 'N' || r[1] == 'n') &&
           r[2] == '\0';
}

/* Runs the matcher on the digit run [a, b) plus three characters on each side: it must see a
 * letter glued to the number ("Help0871...") and the ":30" that makes "2022-03-05 10" a time
 * stamp rather than a Washington number. */
static void
match_window(struct scan *sc, size_t a, size_t b)
{
    size_t ws = a, we = b;
    for (int k = 0; k < 3 && ws > 0; k++) {
        ws--;
        while (ws > 0 && is_cont(at(sc, ws)))
            ws--;
    }
    for (int k = 0; k < 3 && we < sc->n; k++) {
        we++;
        while (we < sc->n && is_cont(at(sc, we)))
            we++;
    }
    struct sgw_phone_hit hits[PHONE_HITS];
    int k = sgw_phone_find_cached(sc->s + ws, we - ws, sc->region, PHONE_TRIES, hits, PHONE_HITS);
    /* Chinese text reported abroad still carries Chinese numbers (13912345678). */
    if (k == 0 && sc->han && !region_is_cn(sc->region))
        k = sgw_phone_find_cached(sc->s + ws, we - ws, "CN", PHONE_TRIES, hits, PHONE_HITS);
    for (int j = 0; j < k; j++) {
        size_t s = ws + hits[j].start, e = ws + hits[j].end;
        if (overlaps(sc, s, e))
            continue;
        add_string(sc, sc->out->phones, &sc->out->n_phones, hits[j].e164);
        add_span(sc, s, e, SGW_TOKEN_PHONE);
        for (size_t w = 0; w < sc->n_wa; w++) {
            if (sc->wa_ends[w] <= s && s - sc->wa_ends[w] <= WA_DISTANCE)
                add_handle(sc, SGW_HANDLE_WHATSAPP, hits[j].e164);
        }
    }
}

/* Only stretches of digits and phone punctuation with at least 7 digits reach the matcher: each
 * candidate costs it 15-50 us of ICU regex work, and shorter numbers are short codes or local
 * numbers without an E.164 form. */
static void
scan_phones(struct scan *sc)
{
    for (size_t i = 0; i < sc->n;) {
        unsigned char c = at(sc, i);
        if (!is_digit(c) && !((c == '+' || c == '(') && is_digit(at(sc, i + 1)))) {
            i++;
            continue;
        }
        size_t q = c == '+' ? i + 1 : i, last = i;
        unsigned digits = 0;
        while (q < sc->n && (is_digit(at(sc, q)) || is_phone_sep(at(sc, q)))) {
            if (is_digit(at(sc, q))) {
                digits++;
                last = q;
            }
            q++;
        }
        size_t end = last + 1;
        if (digits >= 7 && end - i <= SGW_IND_PHONE_WINDOW && !overlaps(sc, i, i + 1))
            match_window(sc, i, end);
        else if (digits >= 7 && end - i <= SGW_IND_PHONE_WINDOW) {
            /* The run starts inside a claimed span (a QQ number, a URL path): look at the rest. */
            size_t j = i;
            while (j < end && overlaps(sc, j, j + 1))
                j++;
            if (j < end && end - j >= 7)
                match_window(sc, j, end);
        }
        i = q > i ? q : i + 1;
    }
}

/* ---- entry --------------------------------------------------------------------------------- */

static bool
has_han(const char *s, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xE3 && c <= 0xE9 && is_cont((unsigned char)s[i + 1]) &&
            is_cont((unsigned char)s[i + 2])) {
            unsigned cp = (unsigned)(c & 0x0F) << 12 | (unsigned)(s[i + 1] & 0x3F) << 6 |
                          (unsigned)(s[i + 2] & 0x3F);
            if (cp >= 0x3400 && cp <= 0x9FFF)
                return true;
        }
    }
    return false;
}

static int
cmp_span(const void *a, const void *b)
{
    const struct sgw_span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

enum sgw_status
sgw_indicators_extract(const char *folded, size_t len, const char *region,
                       struct sgw_indicators *out)
{
    memset(out, 0, sizeof *out);
    struct scan sc = {
        .s = folded ? folded : "",
        .n = folded ? len : 0,
        .region = region,
        .out = out,
        .psl = psl_builtin(),
    };
    if (sc.psl == NULL)
        return SGW_INTERNAL;
    sc.han = has_han(sc.s, sc.n);
    scan_emails(&sc);
    scan_urls(&sc);
    scan_keywords(&sc);
    scan_telegram_at(&sc);
    scan_phones(&sc);
    qsort(out->spans, out->n_spans, sizeof out->spans[0], cmp_span);
    return SGW_OK;
}

void
sgw_indicators_fini(struct sgw_indicators *ind)
{
    if (ind == NULL)
        return;
    for (size_t k = 0; k < ind->n_urls; k++) {
        free(ind->urls[k].url);
        free(ind->urls[k].host);
        free(ind->urls[k].domain);
    }
    for (size_t k = 0; k < ind->n_phones; k++)
        free(ind->phones[k]);
    for (size_t k = 0; k < ind->n_emails; k++)
        free(ind->emails[k]);
    for (size_t k = 0; k < ind->n_handles; k++)
        free(ind->handles[k].id);
    memset(ind, 0, sizeof *ind);
}
