/* Unit tests for gateway/intake/minhash.h: the frozen constants and golden signatures (stored
 * values must never change), empty, short and weak texts, similarity against the exact Jaccard
 * similarity of the shingle sets, serialisation, LSH band keys and the S-curve. */
#include "gateway/intake/minhash.h"

#include "gateway/intake/minhash_data.h"
#include "tests/support/suite.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
compute(const char *s, struct sgw_minhash *m)
{
    sgw_minhash_compute(s, strlen(s), m);
}

/* ---- frozen values ------------------------------------------------------------------------ */

static uint64_t
splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* minhash_data.h is what its comment says it is. */
START_TEST(test_constants_derivation)
{
    uint64_t st = SGW_MINHASH_SEED;
    for (int k = 0; k < SGW_MINHASH_K; k++) {
        uint64_t a = splitmix64(&st) | 1, b = splitmix64(&st);
        ck_assert_msg(minhash_a[k] == a && minhash_b[k] == b, "slot %d differs", k);
    }
}
END_TEST

struct golden {
    const char *text;
    uint32_t shingles;
    unsigned flags;
    uint32_t v[8]; /* first slots */
    uint64_t band0, band15;
};

/* Recorded once from this implementation. If this test fails, stored signatures in PostgreSQL
 * no longer compare with new ones: do not "fix" the expectation, fix the change. */
static const struct golden goldens[] = {
    {"spamgwgoldensignature",
     18,
     0,
     {0x00268397, 0x00EEC634, 0x01FBD2EF, 0x1167C94D, 0x0100CBF2, 0x1022B675, 0x021F9C95,
      0x0A48357F},
     0x0EDD0FA90A82DBDDULL,
     0x0A6FC5AF6FA912BCULL},
    {"\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1\xe9\xa2\x86\xe5\x8f\x96\xe5\x8f\x91\xe7\xa5\xa8",
     4,
     SGW_MINHASH_WEAK,
     {0xACF2145A, 0x84927B8A, 0xF69769AC, 0xA6B8BC89, 0x92C238C8, 0x854209BD, 0xF0E0FF92,
      0x9488CD16},
     0x79746DBFC57FD65CULL,
     0x40E21D7DC590E603ULL},
};

START_TEST(test_golden)
{
    const struct golden *g = &goldens[_i];
    struct sgw_minhash m;
    compute(g->text, &m);
    ck_assert_uint_eq(m.shingles, g->shingles);
    ck_assert_uint_eq(m.flags, g->flags);
    for (int k = 0; k < 8; k++)
        ck_assert_msg(m.v[k] == g->v[k], "slot %d: 0x%08X, want 0x%08X", k, m.v[k], g->v[k]);
    uint64_t keys[SGW_MINHASH_BANDS];
    sgw_minhash_bands(&m, keys);
    ck_assert(keys[0] == g->band0);
    ck_assert(keys[15] == g->band15);
    unsigned char bytes[SGW_MINHASH_BYTES];
    sgw_minhash_to_bytes(&m, bytes);
    /* Big-endian on every machine. */
    ck_assert_uint_eq(bytes[0], g->v[0] >> 24);
    ck_assert_uint_eq(bytes[3], g->v[0] & 0xFF);
    ck_assert_uint_eq(bytes[4], g->v[1] >> 24);
}
END_TEST

/* ---- edge texts --------------------------------------------------------------------------- */

START_TEST(test_identical_and_different)
{
    struct sgw_minhash a, b, c;
    compute("yourparcelisheldpayfeeatthelink", &a);
    compute("yourparcelisheldpayfeeatthelink", &b);
    compute("meetmeforlunchtomorrowatnoonok", &c);
    ck_assert(sgw_minhash_similarity(&a, &b) == 1.0);
    ck_assert(memcmp(a.v, b.v, sizeof a.v) == 0);
    ck_assert(sgw_minhash_similarity(&a, &c) < 0.1);
    ck_assert(sgw_minhash_similarity(&a, &c) == sgw_minhash_similarity(&c, &a));
}
END_TEST

START_TEST(test_empty)
{
    struct sgw_minhash e, f, x;
    compute("", &e);
    sgw_minhash_compute(NULL, 5, &f);
    compute("something long enough to shingle", &x);
    ck_assert_uint_eq(e.flags, SGW_MINHASH_EMPTY | SGW_MINHASH_WEAK);
    ck_assert_uint_eq(e.shingles, 0);
    for (int k = 0; k < SGW_MINHASH_K; k++)
        ck_assert_uint_eq(e.v[k], UINT32_MAX);
    /* Two empty texts must never look alike: they would glue unrelated campaigns. */
    ck_assert(sgw_minhash_similarity(&e, &f) == 0.0);
    ck_assert(sgw_minhash_similarity(&e, &e) == 0.0);
    ck_assert(sgw_minhash_similarity(&e, &x) == 0.0);
}
END_TEST

START_TEST(test_short_texts)
{
    struct sgw_minhash a, b, c;
    compute("abc", &a);
    compute("abc", &b);
    compute("abd", &c);
    ck_assert_uint_eq(a.shingles, 1);
    ck_assert_uint_eq(a.flags, SGW_MINHASH_WEAK);
    ck_assert(sgw_minhash_similarity(&a, &b) == 1.0);
    ck_assert(sgw_minhash_similarity(&a, &c) < 0.1);
}
END_TEST

/* Weak below SGW_MINHASH_MIN_SHINGLES windows, strong from there on. */
START_TEST(test_weak_boundary)
{
    char s[64];
    struct sgw_minhash m;
    size_t n = SGW_MINHASH_MIN_SHINGLES + SGW_MINHASH_SHINGLE - 1;
    memset(s, 0, sizeof s);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i);
    compute(s, &m);
    ck_assert_uint_eq(m.shingles, SGW_MINHASH_MIN_SHINGLES);
    ck_assert_uint_eq(m.flags, 0);
    unsigned top = 0;
    for (int k = 0; k < SGW_MINHASH_K; k++)
        top += m.v[k] >> 31;
    ck_assert_uint_lt(top, SGW_MINHASH_K); /* a strong signature does not read back as weak */
    s[n - 1] = '\0';
    compute(s, &m);
    ck_assert_uint_eq(m.shingles, SGW_MINHASH_MIN_SHINGLES - 1);
    ck_assert_uint_eq(m.flags, SGW_MINHASH_WEAK);
}
END_TEST

/* Invalid bytes are U+FFFD, one per byte, never a crash. */
START_TEST(test_invalid_utf8)
{
    struct sgw_minhash a, b;
    compute("ab\xff\xfe"
            "cdef",
            &a);
    compute("ab\xef\xbf\xbd\xef\xbf\xbd"
            "cdef",
            &b);
    ck_assert(sgw_minhash_similarity(&a, &b) == 1.0);
}
END_TEST

/* ---- accuracy ----------------------------------------------------------------------------- */

/* Exact Jaccard similarity of the code-point 4-gram sets of two ASCII/UTF-32 arrays. */
static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t
gram_set(const uint32_t *cp, size_t n, uint64_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i + SGW_MINHASH_SHINGLE <= n; i++) {
        uint64_t g = 0;
        for (int j = 0; j < SGW_MINHASH_SHINGLE; j++)
            g = g * 0x110000ULL + cp[i + (size_t)j];
        out[k++] = g;
    }
    qsort(out, k, sizeof *out, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u == 0 || out[u - 1] != out[i])
            out[u++] = out[i];
    }
    return u;
}

static double
exact_jaccard(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    uint64_t ga[256], gb[256];
    size_t ka = gram_set(a, na, ga), kb = gram_set(b, nb, gb), i = 0, j = 0, inter = 0;
    while (i < ka && j < kb) {
        if (ga[i] == gb[j])
            inter++, i++, j++;
        else if (ga[i] < gb[j])
            i++;
        else
            j++;
    }
    return (double)inter / (double)(ka + kb - inter);
}

static size_t
encode(const uint32_t *cp, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c < 0x80) {
            out[k++] = (char)c;
        } else {
            out[k++] = (char)(0xE0 | c >> 12);
            out[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[k] = '\0';
    return k;
}

/* Pairs of random texts (Latin and CJK alphabets) that share a random fraction of their text:
 * the estimate is unbiased and within the binomial error of 64 slots. */
START_TEST(test_estimator_accuracy)
{
    uint64_t s = 12345;
    double sum_err = 0, max_err = 0, sum_signed = 0;
    const int pairs = 400;
    for (int p = 0; p < pairs; p++) {
        uint32_t a[160], b[160];
        size_t na = 60 + (size_t)(p % 90), nb;
        bool cjk = p % 2;
        for (size_t i = 0; i < na; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            a[i] = cjk ? 0x4E00 + (uint32_t)(s % 400) : 'a' + (uint32_t)(s % 26);
        }
        /* b: a prefix of a, then fresh text. */
        size_t keep = (size_t)(p * 7 % 100) * na / 100;
        memcpy(b, a, keep * sizeof *a);
        nb = na;
        for (size_t i = keep; i < nb; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            b[i] = cjk ? 0x4E00 + (uint32_t)(s % 400) : 'a' + (uint32_t)(s % 26);
        }
        char ta[600], tb[600];
        struct sgw_minhash ma, mb;
        sgw_minhash_compute(ta, encode(a, na, ta), &ma);
        sgw_minhash_compute(tb, encode(b, nb, tb), &mb);
        double est = sgw_minhash_similarity(&ma, &mb), j = exact_jaccard(a, na, b, nb);
        double err = fabs(est - j);
        sum_err += err;
        sum_signed += est - j;
        max_err = err > max_err ? err : max_err;
    }
    printf("minhash estimator over %d pairs: mean |error| %.4f, bias %+.4f, max |error| %.4f\n",
           pairs, sum_err / pairs, sum_signed / pairs, max_err);
    /* 64 slots: the error is binomial, sd = sqrt(J(1 - J) / 64) <= 0.0625, and its mean
     * absolute value over J uniform in [0, 1] is sqrt(2/pi) * (pi/8) / 8 = 0.039. */
    ck_assert(sum_err / pairs < 0.045);
    ck_assert(fabs(sum_signed / pairs) < 0.01);
    ck_assert(max_err < 0.28);
}
END_TEST

/* ---- serialisation and bands -------------------------------------------------------------- */

START_TEST(test_bytes_roundtrip)
{
    struct sgw_minhash m, back, e, eback;
    unsigned char bytes[SGW_MINHASH_BYTES];
    compute("roundtripthroughbytea", &m);
    sgw_minhash_to_bytes(&m, bytes);
    ck_assert_int_eq(sgw_minhash_from_bytes(bytes, sizeof bytes, &back), 0);
    ck_assert(memcmp(m.v, back.v, sizeof m.v) == 0);
    ck_assert_uint_eq(back.flags, 0);
    ck_assert_int_eq(sgw_minhash_from_bytes(bytes, sizeof bytes - 1, &back), -1);
    ck_assert_int_eq(sgw_minhash_from_bytes(NULL, sizeof bytes, &back), -1);
    /* Weak and empty survive the trip: their flags are recovered from the bytes. */
    struct sgw_minhash w, wback;
    compute("abcdefg", &w);
    ck_assert_uint_eq(w.flags, SGW_MINHASH_WEAK);
    sgw_minhash_to_bytes(&w, bytes);
    ck_assert_int_eq(sgw_minhash_from_bytes(bytes, sizeof bytes, &wback), 0);
    ck_assert_uint_eq(wback.flags, SGW_MINHASH_WEAK);
    ck_assert(memcmp(w.v, wback.v, sizeof w.v) == 0);
    compute("", &e);
    sgw_minhash_to_bytes(&e, bytes);
    ck_assert_int_eq(sgw_minhash_from_bytes(bytes, sizeof bytes, &eback), 0);
    ck_assert_uint_eq(eback.flags, SGW_MINHASH_EMPTY | SGW_MINHASH_WEAK);
    ck_assert(sgw_minhash_similarity(&eback, &eback) == 0.0);
}
END_TEST

START_TEST(test_bands)
{
    struct sgw_minhash a, b;
    uint64_t ka[SGW_MINHASH_BANDS], kb[SGW_MINHASH_BANDS];
    compute("bandkeysofasignature", &a);
    b = a;
    sgw_minhash_bands(&a, ka);
    sgw_minhash_bands(&b, kb);
    ck_assert(memcmp(ka, kb, sizeof ka) == 0);
    /* One slot changed: exactly its band's key changes. */
    b.v[5 * SGW_MINHASH_ROWS + 2] ^= 1;
    sgw_minhash_bands(&b, kb);
    for (int i = 0; i < SGW_MINHASH_BANDS; i++)
        ck_assert((ka[i] == kb[i]) == (i != 5));
    /* Equal rows in different bands give different keys. */
    for (int k = 0; k < SGW_MINHASH_K; k++)
        b.v[k] = 42;
    sgw_minhash_bands(&b, kb);
    for (int i = 0; i < SGW_MINHASH_BANDS; i++) {
        for (int j = i + 1; j < SGW_MINHASH_BANDS; j++)
            ck_assert(kb[i] != kb[j]);
    }
}
END_TEST

struct curve_case {
    double s;
    double want;
};

/* 1 - (1 - s^4)^16 */
static const struct curve_case curve_cases[] = {
    {0.0, 0.0},       {0.1, 0.0015988}, {0.2, 0.0252951}, {0.3, 0.1220167},
    {0.4, 0.3396162}, {0.5, 0.6439259}, {0.6, 0.8914819}, {0.7, 0.9876376},
    {0.8, 0.9997821}, {1.0, 1.0},       {-1.0, 0.0},      {2.0, 1.0},
};

START_TEST(test_s_curve)
{
    const struct curve_case *c = &curve_cases[_i];
    double got = sgw_minhash_candidate_probability(c->s);
    ck_assert_msg(fabs(got - c->want) < 1e-6, "s=%.1f: %.7f, want %.7f", c->s, got, c->want);
}
END_TEST

/* The vector slot update against the portable loop, to the bit: 2,000 runs of 1..300 hashes
 * from splitmix64 (seed 42), plus hashes whose halves sit at the edges of 32 bits (the carries of
 * the split 64-bit multiply). Without a vector path on this CPU both calls are the portable one and
 * the test says so. */
START_TEST(test_simd_matches_portable)
{
    static const uint64_t edges[] = {0,
                                     UINT64_MAX,
                                     0xFFFFFFFFULL,
                                     0xFFFFFFFF00000000ULL,
                                     0x00000000FFFFFFFFULL << 1,
                                     0x8000000080000000ULL,
                                     0x7FFFFFFF7FFFFFFFULL,
                                     1};
    uint64_t seed = 42, hs[300];
    uint32_t a[SGW_MINHASH_K], b[SGW_MINHASH_K];

    if (!sgw_minhash_simd_available())
        fprintf(stderr, "check_minhash: no vector path on this CPU; portable against itself\n");
    for (int run = 0; run < 2001; run++) {
        size_t n = run == 2000 ? NELEM(edges) : 1 + (size_t)(splitmix64(&seed) % 300);
        for (size_t i = 0; i < n; i++)
            hs[i] = run == 2000 ? edges[i] : splitmix64(&seed);
        for (unsigned k = 0; k < SGW_MINHASH_K; k++)
            a[k] = b[k] = run % 3 == 0 ? UINT32_MAX : (uint32_t)splitmix64(&seed);
        sgw_minhash_min_slots(a, hs, n, 0);
        sgw_minhash_min_slots(b, hs, n, 1);
        for (unsigned k = 0; k < SGW_MINHASH_K; k++)
            ck_assert_msg(a[k] == b[k], "run %d (%zu hashes) slot %u: portable %08x vector %08x",
                          run, n, k, a[k], b[k]);
    }
}
END_TEST

static Suite *
minhash_suite(void)
{
    Suite *s = suite_create("minhash");
    TCase *tc = tcase_create("frozen");
    tcase_add_test(tc, test_constants_derivation);
    tcase_add_loop_test(tc, test_golden, 0, (int)NELEM(goldens));
    tcase_add_test(tc, test_simd_matches_portable);
    suite_add_tcase(s, tc);

    tc = tcase_create("texts");
    tcase_add_test(tc, test_identical_and_different);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_short_texts);
    tcase_add_test(tc, test_weak_boundary);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_estimator_accuracy);
    suite_add_tcase(s, tc);

    tc = tcase_create("storage");
    tcase_add_test(tc, test_bytes_roundtrip);
    tcase_add_test(tc, test_bands);
    tcase_add_loop_test(tc, test_s_curve, 0, (int)NELEM(curve_cases));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(minhash_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
