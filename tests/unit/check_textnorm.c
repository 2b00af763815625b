/* Unit tests for gateway/intake/textnorm.h: folding (NFKC, case fold, invisible characters,
 * whitespace) table by table, the GUIDE §7 facts, confusable skeletons (Cyrillic and Greek
 * look-alikes, upper-case ones too), the ASCII fast paths against ICU and utf8proc themselves,
 * templates with and without spans, the match text, and hostile input (invalid UTF-8, 4,096
 * combining marks, 18-fold NFKC expansion, random bytes). */
#include "gateway/intake/textnorm.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uspoof.h>
#include <utf8proc.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------------------ */

static char *
fold(const char *s)
{
    char *out;
    size_t len;
    ck_assert_int_eq(sgw_textnorm_fold(s, strlen(s), &out, &len), SGW_OK);
    ck_assert_uint_eq(len, strlen(out));
    return out;
}

static char *
skeleton(const char *s)
{
    char *out;
    size_t len;
    ck_assert_int_eq(sgw_textnorm_skeleton(s, strlen(s), &out, &len), SGW_OK);
    return out;
}

/* Skeleton of the folded text: the matching key of a report. */
static char *
key(const char *s)
{
    char *f = fold(s);
    char *k = skeleton(f);
    free(f);
    return k;
}

static char *
matchtext(const char *s)
{
    char *f = fold(s), *d, *c, *m;
    size_t dl, cl, ml;
    ck_assert_int_eq(sgw_textnorm_template(f, strlen(f), NULL, 0, &d, &dl, &c, &cl), SGW_OK);
    ck_assert_int_eq(sgw_textnorm_matchtext(c, cl, &m, &ml), SGW_OK);
    free(f);
    free(d);
    free(c);
    return m;
}

static bool
valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

/* ---- folding ------------------------------------------------------------------------------ */

struct fold_case {
    const char *in;
    const char *want;
};

static const struct fold_case fold_cases[] = {
    /* GUIDE §7: full-width forms, case and a zero-width space. */
    {"\xef\xbc\xa8\xef\xbc\xb4\xef\xbc\xb4\xef\xbc\xb0\xef\xbc\x9a\xef\xbc\x8f\xef\xbc\x8f"
     "\xef\xbc\xb8\xe2\x80\x8b",
     "http://x"},
    {"Hello   World", "hello world"},
    {"  tabs\tand\nnew\r\nlines  ", "tabs and new lines"},
    {"zero\xe2\x80\x8bwidth\xe2\x80\x8c\xe2\x80\x8d joiners\xe2\x81\xa0\xef\xbb\xbf",
     "zerowidth joiners"},
    {"soft\xc2\xadhyphen", "softhyphen"},
    {"bidi\xe2\x80\xaeoverride\xe2\x80\xac", "bidioverride"},
    {"arabic\xd8\x80sign", "arabicsign"}, /* U+0600: format, not ignorable */
    {"e\xd8\x80\xcc\x81", "\xc3\xa9"},    /* removed before composing: é */
    {"hangul\xe3\x85\xa4"
     "filler",
     "hangulfiller"},                 /* U+3164 */
    {"var\xef\xb8\x8fsel", "varsel"}, /* U+FE0F */
    {"Stra\xc3\x9f"
     "e",
     "strasse"},                                     /* case fold, not lower-case */
    {"\xef\xac\x81ne", "fine"},                      /* ﬁ ligature */
    {"\xe2\x91\xa0\xe2\x91\xa1\xe2\x91\xa2", "123"}, /* ①②③ */
    {"\xe2\x85\xab", "xii"},                         /* Ⅻ */
    {"\xe2\x92\xb6\xe2\x93\x91\xe2\x93\x92", "abc"}, /* Ⓐⓑⓒ */
    {"\xf0\x9d\x90\x81\xf0\x9d\x90\xa8\xf0\x9d\x90\xa5\xf0\x9d\x90\x9d", "bold"}, /* 𝐁𝐨𝐥𝐝 */
    {"\xe3\x80\x80ideographic\xe3\x80\x80space", "ideographic space"},
    {"nbsp\xc2\xa0here", "nbsp here"},
    {"braille\xe2\xa0\x80"
     "blank",
     "braille blank"},
    {"line\xe2\x80\xa8sep\xc2\x85nel", "line sep nel"},
    {"e\xcc\x81", "\xc3\xa9"}, /* composed: é */
    {"\xc3\x85NGSTR\xc3\x96M", "\xc3\xa5ngstr\xc3\xb6m"},
    {"\xef\xbd\xb6\xef\xbe\x80\xef\xbd\xb6\xef\xbe\x85",
     "\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a"},
    {"\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1", "\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1"}, /* 加微信 */
    {"\xf0\x9f\x98\x80\xf0\x9f\x94\xa5", "\xf0\x9f\x98\x80\xf0\x9f\x94\xa5"},         /* emoji */
    {"\xff\xfe"
     "abc",
     "\xef\xbf\xbd\xef\xbf\xbd"
     "abc"},                                                    /* invalid bytes */
    {"abc\xe2\x82", "abc\xef\xbf\xbd\xef\xbf\xbd"},             /* truncated sequence */
    {"\xed\xa0\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"}, /* encoded surrogate */
    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                   /* overlong '/' */
    {"nul\x01"
     "ctl\x7f",
     "nulctl"},
    {"", ""},
    {"\xe2\x80\x8b\xe2\x80\x8b  \xe2\x80\x8d", ""}, /* empty after folding */
};

START_TEST(test_fold_table)
{
    const struct fold_case *c = &fold_cases[_i];
    char *got = fold(c->in);
    ck_assert_msg(strcmp(got, c->want) == 0, "case %d: got \"%s\", want \"%s\"", _i, got, c->want);
    free(got);
}
END_TEST

/* Folding is idempotent and always yields valid UTF-8 without leading/trailing/double spaces. */
START_TEST(test_fold_idempotent)
{
    const struct fold_case *c = &fold_cases[_i];
    char *once = fold(c->in);
    char *twice = fold(once);
    ck_assert_str_eq(once, twice);
    size_t n = strlen(once);
    ck_assert(valid_utf8(once, n));
    ck_assert(n == 0 || (once[0] != ' ' && once[n - 1] != ' '));
    ck_assert_ptr_null(strstr(once, "  "));
    free(once);
    free(twice);
}
END_TEST

/* NUL bytes inside the length (JSON "\u0000") are controls, not terminators. */
START_TEST(test_fold_embedded_nul)
{
    char *out;
    size_t len;
    ck_assert_int_eq(sgw_textnorm_fold("ab\0cd", 5, &out, &len), SGW_OK);
    ck_assert_str_eq(out, "abcd");
    free(out);
    ck_assert_int_eq(sgw_textnorm_fold(NULL, 10, &out, &len), SGW_OK);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

/* The ASCII fast path equals utf8proc's NFKC_Casefold on every printable ASCII character. */
START_TEST(test_fold_ascii_matches_utf8proc)
{
    for (int c = 0x21; c < 0x7f; c++) {
        char in[2] = {(char)c, 0};
        char *got = fold(in);
        utf8proc_uint8_t *want = utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)in);
        ck_assert_msg(strcmp(got, (const char *)want) == 0, "0x%02x: \"%s\" vs \"%s\"", c, got,
                      want);
        free(got);
        free(want);
    }
}
END_TEST

/* ---- skeletons ---------------------------------------------------------------------------- */

/* Pairs whose matching keys must be equal (a) or differ (b). */
struct key_case {
    const char *a;
    const char *b;
    bool equal;
};

static const struct key_case key_cases[] = {
    /* GUIDE §7: Cyrillic раураl is paypal. */
    {"\xd1\x80\xd0\xb0\xd1\x83\xd1\x80\xd0\xb0l", "paypal", true},
    {"PAYPAL", "paypal", true},
    /* Upper-case Cyrillic look-alikes survive case folding: ВАNК (В, А, К Cyrillic). */
    {"\xd0\x92\xd0\x90N\xd0\x9a", "bank", true},
    /* Т, Н, М Cyrillic capitals. */
    {"\xd0\xa2\xd0\x9d\xd0\x9c", "thm", true},
    /* Greek capitals ΤΕΧΤ. */
    {"\xce\xa4\xce\x95\xce\xa7\xce\xa4", "text", true},
    /* Full-width and mathematical letters. */
    {"\xef\xbd\x90\xef\xbd\x81\xef\xbd\x99\xef\xbd\x90\xef\xbd\x81\xef\xbd\x8c", "paypal", true},
    {"\xf0\x9d\x90\xa9\xf0\x9d\x90\x9a\xf0\x9d\x90\xb2", "pay", true}, /* 𝐩𝐚𝐲 */
    /* Accents do not count for matching. */
    {"caf\xc3\xa9", "cafe", true},
    {"c\xcc\xa7"
     "a",
     "ca", true},
    /* Digit and letter look-alikes: 0/O, 1/l/I, rn/m. */
    {"g00gle", "google", true},
    {"paypa1", "paypal", true},
    {"modern", "rnodern", true},
    /* Zero-width characters and case. */
    {"pay\xe2\x80\x8bpal", "PayPal", true},
    /* Different words stay different. */
    {"paypal", "paypai", false},
    {"bank", "tank", false},
    {"\xe5\x8f\x91\xe7\xa5\xa8", "\xe5\x8f\x91\xe7\xa5\xa8\xe4\xbb\xa3", false}, /* 发票 / 发票代 */
};

START_TEST(test_key_table)
{
    const struct key_case *c = &key_cases[_i];
    char *ka = key(c->a), *kb = key(c->b);
    ck_assert_msg((strcmp(ka, kb) == 0) == c->equal, "case %d: \"%s\" -> \"%s\", \"%s\" -> \"%s\"",
                  _i, c->a, ka, c->b, kb);
    free(ka);
    free(kb);
}
END_TEST

/* The skeleton maps m to rn: that is why it is never shown (GUIDE §7). */
START_TEST(test_skeleton_m_is_rn)
{
    char *k = skeleton("m");
    ck_assert_str_eq(k, "rn");
    free(k);
}
END_TEST

/* The ASCII fast path and run splitting give exactly ICU's whole-string skeleton (lower-cased
 * in ASCII), for texts without combining marks or case look-alikes. */
static const char *const icu_equal_texts[] = {
    "Your USPS parcel is held: pay $4.10 at hxxp://usps-fee[.]top/pay or call (212) 555-0100!",
    "modern 0123456789 ~!@#$%^&*()_+-=[]{}|;':\",./<>? `",
    "\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1: abc123 \xe9\xa2\x86\xe5\x8f\x96 100%",
    "mixed \xe6\xbe\xb3\xe9\x97\xa8 text and \xf0\x9f\x94\xa5 emoji",
    "",
};

static char *
icu_skeleton_direct(const char *s)
{
    UErrorCode st = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&st);
    ck_assert(U_SUCCESS(st));
    int32_t n = uspoof_getSkeletonUTF8(sc, 0, s, (int32_t)strlen(s), NULL, 0, &st);
    char *out = calloc((size_t)n + 1, 1);
    st = U_ZERO_ERROR;
    uspoof_getSkeletonUTF8(sc, 0, s, (int32_t)strlen(s), out, n + 1, &st);
    ck_assert(U_SUCCESS(st));
    uspoof_close(sc);
    for (char *p = out; *p; p++)
        *p = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p; /* our skeletons are lower-cased */
    return out;
}

START_TEST(test_skeleton_equals_icu)
{
    const char *s = icu_equal_texts[_i];
    char *mine = skeleton(s), *icu = icu_skeleton_direct(s);
    ck_assert_msg(strcmp(mine, icu) == 0, "\"%s\": \"%s\" vs ICU \"%s\"", s, mine, icu);
    free(mine);
    free(icu);
}
END_TEST

START_TEST(test_skeleton_invalid_utf8)
{
    char *out;
    size_t len;
    ck_assert_int_eq(sgw_textnorm_skeleton("a\xff\xfe"
                                           "b\xe2",
                                           5, &out, &len),
                     SGW_OK);
    ck_assert(valid_utf8(out, len));
    free(out);
}
END_TEST

/* ---- templates ---------------------------------------------------------------------------- */

struct tmpl_case {
    const char *folded;
    struct sgw_span spans[3];
    size_t nspans;
    const char *want;
};

#define URL SGW_TOKEN_URL
static const struct tmpl_case tmpl_cases[] = {
    {"pay $4.10 now", {{0}}, 0, "pay $\xe2\x9f\xa8num\xe2\x9f\xa9 now"},
    {"call 555-0100 today", {{0}}, 0, "call \xe2\x9f\xa8num\xe2\x9f\xa9 today"},
    {"ref a8f3k2", {{0}}, 0, "ref \xe2\x9f\xa8num\xe2\x9f\xa9"},
    {"2nite at 10:30pm", {{0}}, 0, "\xe2\x9f\xa8num\xe2\x9f\xa9 at \xe2\x9f\xa8num\xe2\x9f\xa9"},
    {"win 1,000,000 now", {{0}}, 0, "win \xe2\x9f\xa8num\xe2\x9f\xa9 now"},
    {"1 2 3", {{0}}, 0, "\xe2\x9f\xa8num\xe2\x9f\xa9"},
    {"a - b", {{0}}, 0, "a - b"},
    {"no digits here", {{0}}, 0, "no digits here"},
    {"\xe9\xa6\x96\xe5\xad\x98"
     "100\xe9\x80\x81"
     "88",
     {{0}},
     0,
     "\xe9\xa6\x96\xe5\xad\x98\xe2\x9f\xa8num\xe2\x9f\xa9\xe9\x80\x81\xe2\x9f\xa8num\xe2\x9f\xa9"},
    {"visit x.top/p now", {{6, 13, URL}}, 1, "visit \xe2\x9f\xa8url\xe2\x9f\xa9 now"},
    {"a@b.co or call 2125550100",
     {{0, 6, SGW_TOKEN_EMAIL}, {15, 25, SGW_TOKEN_PHONE}},
     2,
     "\xe2\x9f\xa8"
     "email\xe2\x9f\xa9 or call \xe2\x9f\xa8phone\xe2\x9f\xa9"},
    {"wx: abc123", {{4, 10, SGW_TOKEN_HANDLE}}, 1, "wx: \xe2\x9f\xa8handle\xe2\x9f\xa9"},
    /* An overlapping span and an out-of-range span are skipped, not trusted. */
    {"visit x.top/p now",
     {{6, 13, URL}, {8, 10, URL}, {15, 99, URL}},
     3,
     "visit \xe2\x9f\xa8url\xe2\x9f\xa9 now"},
    {"", {{0}}, 0, ""},
};
#undef URL

START_TEST(test_template_table)
{
    const struct tmpl_case *c = &tmpl_cases[_i];
    char *d, *cp;
    size_t dl, cl;
    ck_assert_int_eq(
        sgw_textnorm_template(c->folded, strlen(c->folded), c->spans, c->nspans, &d, &dl, &cp, &cl),
        SGW_OK);
    ck_assert_msg(strcmp(d, c->want) == 0, "case %d: got \"%s\", want \"%s\"", _i, d, c->want);
    ck_assert_uint_eq(dl, strlen(d));
    ck_assert(valid_utf8(cp, cl));
    free(d);
    free(cp);
}
END_TEST

/* Compact templates carry each token as one private-use code point; a literal one in the text
 * becomes U+FFFD so that nobody can type a token. */
START_TEST(test_template_compact)
{
    const char *in = "go x.top \xee\x80\x80";
    struct sgw_span sp = {3, 8, SGW_TOKEN_URL};
    char *d, *c;
    size_t dl, cl;
    ck_assert_int_eq(sgw_textnorm_template(in, strlen(in), &sp, 1, &d, &dl, &c, &cl), SGW_OK);
    ck_assert_str_eq(c, "go \xee\x80\x80 \xef\xbf\xbd");
    free(d);
    free(c);
    ck_assert_int_eq(sgw_textnorm_template(in, strlen(in), &sp, 1, &d, &dl, NULL, NULL), SGW_OK);
    ck_assert_str_eq(d, "go \xe2\x9f\xa8url\xe2\x9f\xa9 \xee\x80\x80");
    free(d);
}
END_TEST

START_TEST(test_token_text)
{
    ck_assert_str_eq(sgw_token_text(SGW_TOKEN_URL), "\xe2\x9f\xa8url\xe2\x9f\xa9");
    ck_assert_str_eq(sgw_token_text(SGW_TOKEN_NUM), "\xe2\x9f\xa8num\xe2\x9f\xa9");
    ck_assert_str_eq(sgw_token_text((enum sgw_token)42), "\xe2\x9f\xa8?\xe2\x9f\xa9");
}
END_TEST

/* ---- match text --------------------------------------------------------------------------- */

struct match_case {
    const char *a;
    const char *b;
};

/* Pairs a spammer varies that must give the same match text. */
static const struct match_case match_cases[] = {
    {"Click here now", "c l i c k  h e r e  n o w"},
    {"Click here now", "Click here now!!!"},
    {"Click here now", "CLICK\nHERE\tNOW"},
    {"Click here now", "\xef\xbc\xa3lick here n\xd0\xbew"}, /* full-width C, Cyrillic о */
    {"Click here now", "Cl\xe2\x80\x8bick he\xc2\xadre now"},
    {"\xe5\x8f\x91\xe7\xa5\xa8\xe4\xbb\xa3\xe5\xbc\x80",
     "\xe5\x8f\x91/\xe7\xa5\xa8-\xe4\xbb\xa3 \xe5\xbc\x80"},
    {"win 100 now", "win 2500 now"},
};

START_TEST(test_matchtext_equal)
{
    const struct match_case *c = &match_cases[_i];
    char *a = matchtext(c->a), *b = matchtext(c->b);
    ck_assert_msg(strcmp(a, b) == 0, "case %d: \"%s\" vs \"%s\"", _i, a, b);
    free(a);
    free(b);
}
END_TEST

/* ---- hostile input ------------------------------------------------------------------------ */

static char *
repeat(const char *unit, size_t times, size_t *len)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    s[ul * times] = '\0';
    *len = ul * times;
    return s;
}

START_TEST(test_hostile_combining_marks)
{
    size_t len;
    char *marks = repeat("\xcc\x81", 4096, &len); /* U+0301 */
    char *in = malloc(len + 2);
    in[0] = 'a';
    memcpy(in + 1, marks, len + 1);
    char *out, *sk;
    size_t ol, sl;
    ck_assert_int_eq(sgw_textnorm_fold(in, len + 1, &out, &ol), SGW_OK);
    /* "a" plus at most SGW_TEXTNORM_MAX_MARKS marks (composed or not). */
    ck_assert_uint_le(ol, 1 + 2 * SGW_TEXTNORM_MAX_MARKS);
    ck_assert(valid_utf8(out, ol));
    ck_assert_int_eq(sgw_textnorm_skeleton(out, ol, &sk, &sl), SGW_OK);
    ck_assert_str_eq(sk, "a");
    free(sk);
    free(out);
    free(in);
    free(marks);
}
END_TEST

START_TEST(test_hostile_expansion_capped)
{
    size_t len;
    char *in = repeat("\xef\xb7\xba", 4096, &len); /* U+FDFA: 18 characters each under NFKC */
    char *out;
    size_t ol;
    ck_assert_int_eq(sgw_textnorm_fold(in, len, &out, &ol), SGW_OK);
    ck_assert_uint_le(ol, SGW_TEXTNORM_MAX_FOLDED);
    ck_assert_uint_gt(ol, SGW_TEXTNORM_MAX_FOLDED - 64);
    ck_assert(valid_utf8(out, ol));
    free(out);
    free(in);
}
END_TEST

START_TEST(test_hostile_long_input)
{
    size_t len;
    char *in = repeat("\xff", 100000, &len);
    char *out;
    size_t ol;
    ck_assert_int_eq(sgw_textnorm_fold(in, len, &out, &ol), SGW_OK);
    ck_assert_uint_le(ol, SGW_TEXTNORM_MAX_FOLDED);
    ck_assert(valid_utf8(out, ol));
    free(out);
    free(in);
}
END_TEST

/* Random bytes (fixed seed): every function returns OK, valid UTF-8, and folding is stable. */
START_TEST(test_hostile_random_bytes)
{
    uint64_t s = 0x5EED5EED5EEDULL;
    for (int round = 0; round < 500; round++) {
        char in[300];
        size_t n = 0;
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        n = (size_t)(s % sizeof in);
        for (size_t i = 0; i < n; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            /* Bias towards interesting bytes: ASCII, lead bytes, continuation bytes. */
            unsigned r = (unsigned)(s >> 24);
            in[i] = (char)(r % 3 == 0   ? 0x20 + r % 0x60
                           : r % 3 == 1 ? 0xC0 + r % 0x38
                                        : 0x80 + r % 0x40);
        }
        char *f, *f2, *k, *d, *c, *m;
        size_t fl, f2l, kl, dl, cl, ml;
        ck_assert_int_eq(sgw_textnorm_fold(in, n, &f, &fl), SGW_OK);
        ck_assert(valid_utf8(f, fl));
        ck_assert_int_eq(sgw_textnorm_fold(f, fl, &f2, &f2l), SGW_OK);
        ck_assert_msg(fl == f2l && memcmp(f, f2, fl) == 0, "round %d not idempotent", round);
        ck_assert_int_eq(sgw_textnorm_skeleton(f, fl, &k, &kl), SGW_OK);
        ck_assert(valid_utf8(k, kl));
        ck_assert_int_eq(sgw_textnorm_template(f, fl, NULL, 0, &d, &dl, &c, &cl), SGW_OK);
        ck_assert(valid_utf8(d, dl) && valid_utf8(c, cl));
        ck_assert_int_eq(sgw_textnorm_matchtext(c, cl, &m, &ml), SGW_OK);
        ck_assert(valid_utf8(m, ml));
        free(f);
        free(f2);
        free(k);
        free(d);
        free(c);
        free(m);
    }
}
END_TEST

static Suite *
textnorm_suite(void)
{
    Suite *s = suite_create("textnorm");
    TCase *tc = tcase_create("fold");
    tcase_add_loop_test(tc, test_fold_table, 0, (int)NELEM(fold_cases));
    tcase_add_loop_test(tc, test_fold_idempotent, 0, (int)NELEM(fold_cases));
    tcase_add_test(tc, test_fold_embedded_nul);
    tcase_add_test(tc, test_fold_ascii_matches_utf8proc);
    suite_add_tcase(s, tc);

    tc = tcase_create("skeleton");
    tcase_add_loop_test(tc, test_key_table, 0, (int)NELEM(key_cases));
    tcase_add_test(tc, test_skeleton_m_is_rn);
    tcase_add_loop_test(tc, test_skeleton_equals_icu, 0, (int)NELEM(icu_equal_texts));
    tcase_add_test(tc, test_skeleton_invalid_utf8);
    suite_add_tcase(s, tc);

    tc = tcase_create("template");
    tcase_add_loop_test(tc, test_template_table, 0, (int)NELEM(tmpl_cases));
    tcase_add_test(tc, test_template_compact);
    tcase_add_test(tc, test_token_text);
    tcase_add_loop_test(tc, test_matchtext_equal, 0, (int)NELEM(match_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hostile_combining_marks);
    tcase_add_test(tc, test_hostile_expansion_capped);
    tcase_add_test(tc, test_hostile_long_input);
    tcase_add_test(tc, test_hostile_random_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(textnorm_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
