/* Unicode folding for report text (utf8proc) and confusable skeletons (ICU uspoof, UTS #39).
 * Runs in the HTTP worker for every report, so it is allocation-light and linear in the input;
 * hostile input (invalid UTF-8, thousands of combining marks, 18-fold NFKC expansions) is bounded
 * before it reaches the libraries. It must never keep state between calls: the one shared object,
 * the spoof checker with its ASCII table, is built once and only read afterwards (ICU documents
 * functions taking a const USpoofChecker as thread-safe, uspoof.h in ICU 72). */
#include "gateway/intake/textnorm.h"

#include "gateway/common/mem.h"
#include "gateway/intake/textnorm_data.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uspoof.h>
#include <utf8proc.h>

/* Longest text the skeleton accepts: ICU takes int32_t lengths and a skeleton can grow. */
#define SKELETON_MAX_INPUT (1u << 20)
/* Private-use code point for token t in the compact template. */
#define TOKEN_CP(t) (0xE000 + (int32_t)(t))

struct buf {
    char *p;
    size_t len;
    size_t cap;
};

static void
buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->p = sgw_xrealloc(b->p, cap);
    b->cap = cap;
}

static void
buf_add(struct buf *b, const void *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void
buf_cp(struct buf *b, int32_t cp)
{
    buf_reserve(b, 4);
    b->len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)b->p + b->len);
}

/* Hands the NUL-terminated contents to the caller. */
static char *
buf_take(struct buf *b, size_t *len)
{
    buf_reserve(b, 0);
    b->p[b->len] = '\0';
    if (len)
        *len = b->len;
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* Decodes one code point at s[0..n); invalid or truncated sequences are one byte of U+FFFD. */
static size_t
next_cp(const char *s, size_t n, int32_t *cp)
{
    if ((unsigned char)s[0] < 0x80) {
        *cp = (unsigned char)s[0];
        return 1;
    }
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &c);
    if (k <= 0 || c < 0) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = c;
    return (size_t)k;
}

/* U+27E8 and U+27E9 (mathematical angle brackets) around the class name. */
#define LANGLE "\xe2\x9f\xa8"
#define RANGLE "\xe2\x9f\xa9"
static const char *const token_texts[SGW_TOKEN_COUNT] = {
    LANGLE "url" RANGLE,    LANGLE "email" RANGLE, LANGLE "phone" RANGLE,
    LANGLE "handle" RANGLE, LANGLE "num" RANGLE,
};

const char *
sgw_token_text(enum sgw_token t)
{
    return (unsigned)t < SGW_TOKEN_COUNT ? token_texts[t] : LANGLE "?" RANGLE;
}

/* ---- folding ------------------------------------------------------------------------------ */

static bool is_space_cp(int32_t cp, utf8proc_category_t cat);

/* Copies in[0..len) as valid UTF-8 (invalid bytes become U+FFFD) without controls (other than
 * line and tab ones) and format characters, keeping at most SGW_TEXTNORM_MAX_MARKS combining
 * marks in a row: utf8proc reorders marks with a quadratic sort, and no language needs more
 * than a handful on one letter. Format characters go before normalisation, not after, so that
 * "e", U+0600, U+0301 composes now and folding stays idempotent. */
static void
sanitize(const char *in, size_t len, struct buf *b)
{
    if (len > SGW_TEXTNORM_MAX_INPUT) {
        len = SGW_TEXTNORM_MAX_INPUT;
        while (len > 0 && ((unsigned char)in[len] & 0xC0) == 0x80)
            len--; /* cut at a character boundary */
    }
    buf_reserve(b, len + 16);
    unsigned marks = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t k = next_cp(in + i, len - i, &cp);
        i += k;
        if (cp < 0x80) {
            /* ASCII fast path: only C0 controls other than line and tab ones, and DEL, go. */
            if ((cp < 0x20 && !(cp >= '\t' && cp <= '\r')) || cp == 0x7f)
                continue;
            marks = 0;
            buf_reserve(b, 1);
            b->p[b->len++] = (char)cp;
            continue;
        }
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat == UTF8PROC_CATEGORY_CF || (cat == UTF8PROC_CATEGORY_CC && !is_space_cp(cp, cat)))
            continue;
        if (utf8proc_get_property(cp)->combining_class != 0) {
            if (++marks > SGW_TEXTNORM_MAX_MARKS)
                continue;
        } else {
            marks = 0;
        }
        buf_cp(b, cp);
    }
}

/* Whitespace for collapsing: C0/C1 line and tab controls, every Unicode space separator, and the
 * braille blank U+2800, which spammers use as an invisible space that NFKC keeps. */
static bool
is_space_cp(int32_t cp, utf8proc_category_t cat)
{
    if (cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r' || cp == 0x85)
        return true;
    if (cp == 0x2800)
        return true;
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

/* utf8proc_category, without the table lookups for ASCII (where only the space, the controls
 * and "anything else" matter to the caller). */
static utf8proc_category_t
category(int32_t cp)
{
    if (cp >= 0x80)
        return utf8proc_category(cp);
    if (cp == ' ')
        return UTF8PROC_CATEGORY_ZS;
    return cp < 0x20 || cp == 0x7f ? UTF8PROC_CATEGORY_CC : UTF8PROC_CATEGORY_PO;
}

enum sgw_status
sgw_textnorm_fold(const char *in, size_t len, char **out, size_t *outlen)
{
    struct buf clean = {0}, res = {0};
    utf8proc_uint8_t *mapped = NULL;
    enum sgw_status st = SGW_INTERNAL;

    *out = NULL;
    *outlen = 0;
    sanitize(in ? in : "", in ? len : 0, &clean);
    bool ascii = true;
    for (size_t i = 0; i < clean.len && ascii; i++)
        ascii = (unsigned char)clean.p[i] < 0x80;
    utf8proc_ssize_t n;
    if (ascii) {
        /* NFKC is the identity on ASCII, case folding is A-Z to a-z and no ASCII character is
         * default-ignorable: most English reports never need utf8proc. */
        for (size_t i = 0; i < clean.len; i++) {
            char c = clean.p[i];
            if (c >= 'A' && c <= 'Z')
                clean.p[i] = (char)(c + 32);
        }
        n = (utf8proc_ssize_t)clean.len;
    } else {
        /* utf8proc_NFKC_Casefold without NULLTERM: NUL from JSON "\u0000" is just a control. */
        n = utf8proc_map((const utf8proc_uint8_t *)(clean.p), (utf8proc_ssize_t)clean.len, &mapped,
                         UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                             UTF8PROC_IGNORE);
        if (n < 0)
            goto fail;
    }
    const char *src = ascii ? clean.p : (const char *)mapped;

    buf_reserve(&res, (size_t)n + 1);
    bool pending_space = false;
    unsigned marks = 0;
    for (utf8proc_ssize_t i = 0; i < n;) {
        int32_t cp;
        size_t k = next_cp(src + i, (size_t)(n - i), &cp);
        utf8proc_category_t cat = category(cp);
        bool mark = cp >= 0x80 && utf8proc_get_property(cp)->combining_class != 0;
        marks = mark ? marks + 1 : 0;
        if (is_space_cp(cp, cat)) {
            pending_space = res.len > 0;
        } else if (cat != UTF8PROC_CATEGORY_CC && cat != UTF8PROC_CATEGORY_CF &&
                   marks <= SGW_TEXTNORM_MAX_MARKS) {
            /* Decomposition can lengthen a run of marks past the cap: cut it again, so that a
             * second folding finds nothing left to change. */
            if (res.len + (pending_space ? 1 : 0) + k > SGW_TEXTNORM_MAX_FOLDED)
                break;
            if (pending_space)
                buf_add(&res, " ", 1);
            pending_space = false;
            buf_add(&res, src + i, k);
        }
        i += (utf8proc_ssize_t)k;
    }
    *out = buf_take(&res, outlen);
    st = SGW_OK;
fail:
    free(mapped);
    free(res.p);
    free(clean.p);
    return st;
}

/* ---- skeletons ---------------------------------------------------------------------------- */

/* ICU's checker and the skeleton of every ASCII character, built once. A skeleton is NFD of the
 * per-character prototypes of NFD(text), so it is the concatenation of the skeletons of runs
 * whenever each run starts with a starter and the ASCII prototypes hold only starters; the ASCII
 * table is used only if that holds. English text then never enters ICU, which costs about
 * 7 us per 160 characters. */
static struct {
    USpoofChecker *checker;
    bool ok;
    bool ascii_fast;
    char ascii[128][8];
    unsigned char ascii_len[128];
} spoof;
static pthread_once_t spoof_once = PTHREAD_ONCE_INIT;

/* Skeletons are lower-cased in ASCII: the prototype of "0" is "O", which case folding has
 * already turned into "o" everywhere else ("g00gle" is "google"). */
static char
ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool
only_starters_no_marks(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += next_cp(s + i, n - i, &cp);
        utf8proc_category_t cat = utf8proc_category(cp);
        if (utf8proc_get_property(cp)->combining_class != 0 || cat == UTF8PROC_CATEGORY_MN ||
            cat == UTF8PROC_CATEGORY_ME)
            return false;
    }
    return true;
}

static void
spoof_init(void)
{
    UErrorCode st = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&st);
    if (U_FAILURE(st)) {
        uspoof_close(sc);
        return;
    }
    uspoof_setChecks(sc, USPOOF_CONFUSABLE, &st);
    if (U_FAILURE(st)) {
        uspoof_close(sc);
        return;
    }
    spoof.ascii_fast = true;
    for (int c = 0; c < 128; c++) {
        char in = (char)c;
        st = U_ZERO_ERROR;
        int32_t n = uspoof_getSkeletonUTF8(sc, 0, &in, 1, spoof.ascii[c],
                                           (int32_t)sizeof spoof.ascii[c], &st);
        if (U_FAILURE(st) || n < 0 || n >= (int32_t)sizeof spoof.ascii[c] ||
            !only_starters_no_marks(spoof.ascii[c], (size_t)n)) {
            spoof.ascii_fast = false;
            break;
        }
        for (int32_t k = 0; k < n; k++)
            spoof.ascii[c][k] = ascii_lower(spoof.ascii[c][k]);
        spoof.ascii_len[c] = (unsigned char)n;
    }
    /* Never closed: a worker may still be folding while exit() runs. */
    spoof.checker = sc;
    spoof.ok = true;
}

/* Appends the skeleton of s[0..n) (valid UTF-8) to b; -1 on an ICU failure. */
static int
icu_skeleton(const char *s, size_t n, struct buf *b)
{
    buf_reserve(b, n * 2 + 16);
    UErrorCode st = U_ZERO_ERROR;
    int32_t got = uspoof_getSkeletonUTF8(spoof.checker, 0, s, (int32_t)n, b->p + b->len,
                                         (int32_t)(b->cap - b->len - 1), &st);
    if (st == U_BUFFER_OVERFLOW_ERROR && got > 0) {
        buf_reserve(b, (size_t)got);
        st = U_ZERO_ERROR;
        got = uspoof_getSkeletonUTF8(spoof.checker, 0, s, (int32_t)n, b->p + b->len,
                                     (int32_t)(b->cap - b->len - 1), &st);
    }
    if (U_FAILURE(st) || got < 0)
        return -1;
    b->len += (size_t)got;
    return 0;
}

static int
cmp_case_confusable(const void *key, const void *elem)
{
    uint32_t cp = *(const uint32_t *)key;
    const struct case_confusable *e = elem;
    return cp < e->cp ? -1 : cp > e->cp;
}

/* The Latin letter whose capital the capital of lower-case letter cp imitates, or 0. */
static char
case_confusable(int32_t cp)
{
    uint32_t key = (uint32_t)cp;
    const struct case_confusable *e =
        bsearch(&key, case_confusables, sizeof case_confusables / sizeof case_confusables[0],
                sizeof case_confusables[0], cmp_case_confusable);
    return e ? e->latin : 0;
}

/* Appends the skeleton of one non-ASCII run, made valid first, with combining marks dropped. */
static int
skeleton_run(const char *s, size_t n, struct buf *tmp, struct buf *sk, struct buf *out)
{
    tmp->len = 0;
    sk->len = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t k = next_cp(s + i, n - i, &cp);
        char latin = case_confusable(cp);
        if (latin)
            buf_add(tmp, &latin, 1); /* "т" from a folded look-alike "Т" is "t" */
        else if (cp == 0xFFFD && k == 1 && (unsigned char)s[i] >= 0x80)
            buf_cp(tmp, cp); /* invalid byte */
        else
            buf_add(tmp, s + i, k);
        i += k;
    }
    /* Separate buffers: the output may grow (and move) while ICU still reads the input. */
    if (icu_skeleton(tmp->p, tmp->len, sk) < 0)
        return -1;
    for (size_t i = 0; i < sk->len;) {
        int32_t cp;
        size_t k = next_cp(sk->p + i, sk->len - i, &cp);
        utf8proc_category_t cat = utf8proc_category(cp);
        if (k == 1) {
            char c = ascii_lower(sk->p[i]);
            buf_add(out, &c, 1);
        } else if (cat != UTF8PROC_CATEGORY_MN && cat != UTF8PROC_CATEGORY_ME) {
            buf_add(out, sk->p + i, k);
        }
        i += k;
    }
    return 0;
}

/* Skeleton of in[0..len) appended to out. */
static enum sgw_status
skeleton_into(const char *in, size_t len, struct buf *out)
{
    struct buf tmp = {0}, sk = {0};
    enum sgw_status st = SGW_INTERNAL;

    pthread_once(&spoof_once, spoof_init);
    if (!spoof.ok)
        goto fail;
    if (len > SKELETON_MAX_INPUT) {
        st = SGW_TOO_LARGE;
        goto fail;
    }
    buf_reserve(out, len + 16);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x80 && spoof.ascii_fast) {
            buf_add(out, spoof.ascii[c], spoof.ascii_len[c]);
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < len && (!spoof.ascii_fast || (unsigned char)in[j] >= 0x80))
            j++;
        if (skeleton_run(in + i, j - i, &tmp, &sk, out) < 0)
            goto fail;
        i = j;
    }
    st = SGW_OK;
fail:
    free(sk.p);
    free(tmp.p);
    return st;
}

enum sgw_status
sgw_textnorm_skeleton(const char *in, size_t len, char **out, size_t *outlen)
{
    struct buf res = {0};
    *out = NULL;
    *outlen = 0;
    enum sgw_status st = skeleton_into(in ? in : "", in ? len : 0, &res);
    if (st != SGW_OK) {
        free(res.p);
        return st;
    }
    *out = buf_take(&res, outlen);
    return SGW_OK;
}

/* ---- templates ---------------------------------------------------------------------------- */

static bool
is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_num_joiner(unsigned char c)
{
    return c != '\0' && strchr(" .,:/-+()", c) != NULL;
}

/* End of the ASCII word at s[i] (bounded by limit); *digit says whether it holds a digit. */
static size_t
word_end(const char *s, size_t i, size_t limit, bool *digit)
{
    *digit = false;
    while (i < limit && is_alnum((unsigned char)s[i])) {
        *digit |= is_digit((unsigned char)s[i]);
        i++;
    }
    return i;
}

static void
emit_token(struct buf *d, struct buf *c, enum sgw_token t)
{
    const char *txt = sgw_token_text(t);
    buf_add(d, txt, strlen(txt));
    if (c)
        buf_cp(c, TOKEN_CP(t));
}

enum sgw_status
sgw_textnorm_template(const char *folded, size_t len, const struct sgw_span *spans, size_t nspans,
                      char **display, size_t *display_len, char **compact, size_t *compact_len)
{
    struct buf d = {0}, c = {0};
    struct buf *cp_out = compact ? &c : NULL;
    size_t k = 0;

    if (folded == NULL)
        len = 0;
    buf_reserve(&d, len + 16);
    if (cp_out)
        buf_reserve(cp_out, len + 16);
    for (size_t i = 0; i < len;) {
        /* Spans that start behind us overlap an earlier one or are out of order: skipped. */
        while (k < nspans && (spans[k].start < i || spans[k].end <= spans[k].start ||
                              spans[k].end > len || (unsigned)spans[k].token >= SGW_TOKEN_COUNT))
            k++;
        if (k < nspans && spans[k].start == i) {
            emit_token(&d, cp_out, spans[k].token);
            i = spans[k].end;
            k++;
            continue;
        }
        size_t limit = k < nspans ? spans[k].start : len;
        unsigned char ch = (unsigned char)folded[i];
        if (is_alnum(ch)) {
            bool digit;
            size_t j = word_end(folded, i, limit, &digit);
            if (!digit) {
                buf_add(&d, folded + i, j - i);
                if (cp_out)
                    buf_add(cp_out, folded + i, j - i);
                i = j;
                continue;
            }
            /* "$4.10", "555-0100", "10:30", "1,000" are one number, not three. */
            for (;;) {
                size_t s = j;
                int joiners = 0;
                while (s < limit && joiners < 2 && is_num_joiner((unsigned char)folded[s]))
                    s++, joiners++;
                if (joiners == 0 || s >= limit || !is_alnum((unsigned char)folded[s]))
                    break;
                bool more;
                size_t e = word_end(folded, s, limit, &more);
                if (!more)
                    break;
                j = e;
            }
            emit_token(&d, cp_out, SGW_TOKEN_NUM);
            i = j;
            continue;
        }
        int32_t cp;
        size_t n = next_cp(folded + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1 && ch >= 0x80)
            buf_cp(&d, cp);
        else
            buf_add(&d, folded + i, n);
        if (cp_out) {
            /* A literal private-use character must not pass for a token. */
            bool pua = (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000;
            buf_cp(cp_out, pua ? 0xFFFD : cp);
        }
        i += n;
    }
    *display = buf_take(&d, display_len);
    if (compact)
        *compact = buf_take(&c, compact_len);
    return SGW_OK;
}

/* Letters, numbers, symbols (emoji, currency), spacing marks, private use (our tokens) and
 * unassigned code points carry the message; spaces, punctuation and the rest are what
 * spammers vary. */
static bool
keep_for_matching(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN: return true;
    default: return false;
    }
}

enum sgw_status
sgw_textnorm_matchtext(const char *compact, size_t len, char **out, size_t *outlen)
{
    struct buf sk = {0}, res = {0};
    *out = NULL;
    *outlen = 0;
    enum sgw_status st = skeleton_into(compact ? compact : "", compact ? len : 0, &sk);
    if (st != SGW_OK) {
        free(sk.p);
        return st;
    }
    buf_reserve(&res, sk.len);
    for (size_t i = 0; i < sk.len;) {
        int32_t cp;
        size_t n = next_cp(sk.p + i, sk.len - i, &cp);
        if (keep_for_matching(cp))
            buf_add(&res, sk.p + i, n);
        i += n;
    }
    free(sk.p);
    *out = buf_take(&res, outlen);
    return SGW_OK;
}
