/* MinHash over code-point n-grams. Each shingle gets one 64-bit hash (FNV-1a over its code
 * points, finished with the murmur3 mixer) and the K slot values come from K multiply-add-shift
 * permutations of that hash, so a shingle costs one mix plus K multiply-adds. Nothing here may
 * depend on the machine (endianness, word size) or on the run: the values are stored.
 *
 * The K multiply-adds were ~6 % of a report's CPU at ingest saturation, so on x86-64 CPUs with
 * AVX2 they run eight slots at a time (chosen once at run time; the same values to the bit,
 * which check_minhash compares on random hashes). */
#include "gateway/intake/minhash.h"

#include "gateway/intake/minhash_data.h"

#include <pthread.h>
#include <string.h>

#include <utf8proc.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

/* Shingle hashes are collected this many at a time before the slots take them. */
#define HASH_CHUNK 256

_Static_assert(SGW_MINHASH_BANDS *SGW_MINHASH_ROWS == SGW_MINHASH_K, "bands x rows must be K");
_Static_assert(sizeof minhash_a / sizeof minhash_a[0] == SGW_MINHASH_K, "one constant per slot");

#define WEAK_BIT 0x80000000u

static uint64_t
fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

/* Hash of the n code points ring[(start + i) % SHINGLE], i < n. */
static uint64_t
shingle_hash(const int32_t *ring, unsigned start, unsigned n)
{
    uint64_t h = 0xCBF29CE484222325ULL ^ SGW_MINHASH_SEED;
    for (unsigned i = 0; i < n; i++) {
        h ^= (uint32_t)ring[(start + i) % SGW_MINHASH_SHINGLE];
        h *= 0x100000001B3ULL;
    }
    return fmix64(h ^ n);
}

static void
min_slots_portable(uint32_t *v, const uint64_t *hs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < SGW_MINHASH_K; k++) {
            uint32_t x = (uint32_t)((minhash_a[k] * hs[i] + minhash_b[k]) >> 32);
            v[k] = x < v[k] ? x : v[k];
        }
    }
}

#ifdef HAVE_AVX2_PATH
/* Slot constants regrouped for 32x32->64-bit multiplies (AVX2 has no 64-bit one): group g of
 * 8 slots holds the even slots 8g, 8g+2, 8g+4, 8g+6 in its first four lanes and the odd ones
 * in the next four; ahi is a >> 32. a*h mod 2^64 = lo(a)lo(h) + (hi(a)lo(h) + lo(a)hi(h)) << 32. */
static uint64_t lane_a[SGW_MINHASH_K], lane_ahi[SGW_MINHASH_K], lane_b[SGW_MINHASH_K];

static void
lanes_init(void)
{
    for (unsigned g = 0; g < SGW_MINHASH_K / 8; g++) {
        for (unsigned j = 0; j < 4; j++) {
            for (unsigned odd = 0; odd < 2; odd++) {
                unsigned lane = 8 * g + 4 * odd + j, slot = 8 * g + 2 * j + odd;
                lane_a[lane] = minhash_a[slot];
                lane_ahi[lane] = minhash_a[slot] >> 32;
                lane_b[lane] = minhash_b[slot];
            }
        }
    }
}

__attribute__((target("avx2"))) static inline __m256i
mul_add_avx2(const uint64_t *a, const uint64_t *ahi, const uint64_t *b, __m256i h, __m256i hhi)
{
    __m256i va = _mm256_loadu_si256((const __m256i *)a);
    __m256i vahi = _mm256_loadu_si256((const __m256i *)ahi);
    __m256i lo = _mm256_mul_epu32(va, h);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(vahi, h), _mm256_mul_epu32(va, hhi));
    __m256i prod = _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
    return _mm256_add_epi64(prod, _mm256_loadu_si256((const __m256i *)b));
}

__attribute__((target("avx2"))) static void
min_slots_avx2(uint32_t *v, const uint64_t *hs, size_t n)
{
    __m256i acc[SGW_MINHASH_K / 8];
    for (unsigned g = 0; g < SGW_MINHASH_K / 8; g++)
        acc[g] = _mm256_loadu_si256((const __m256i *)(v + 8 * g));
    for (size_t i = 0; i < n; i++) {
        __m256i h = _mm256_set1_epi64x((long long)hs[i]);
        __m256i hhi = _mm256_srli_epi64(h, 32);
        for (unsigned g = 0; g < SGW_MINHASH_K / 8; g++) {
            unsigned e = 8 * g, o = 8 * g + 4;
            __m256i even = mul_add_avx2(lane_a + e, lane_ahi + e, lane_b + e, h, hhi);
            __m256i odd = mul_add_avx2(lane_a + o, lane_ahi + o, lane_b + o, h, hhi);
            /* The high halves, even slots from the even lanes and odd ones from the odd lanes:
             * the eight 32-bit values come out in slot order. */
            __m256i x = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
            acc[g] = _mm256_min_epu32(acc[g], x);
        }
    }
    for (unsigned g = 0; g < SGW_MINHASH_K / 8; g++)
        _mm256_storeu_si256((__m256i *)(v + 8 * g), acc[g]);
}
#endif

static pthread_once_t simd_once = PTHREAD_ONCE_INIT;
static int simd_ok;

static void
simd_init(void)
{
#ifdef HAVE_AVX2_PATH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        lanes_init();
        simd_ok = 1;
    }
#endif
}

int
sgw_minhash_simd_available(void)
{
    pthread_once(&simd_once, simd_init);
    return simd_ok;
}

void
sgw_minhash_min_slots(uint32_t v[SGW_MINHASH_K], const uint64_t *hashes, size_t n, int simd)
{
#ifdef HAVE_AVX2_PATH
    if (simd && sgw_minhash_simd_available()) {
        min_slots_avx2(v, hashes, n);
        return;
    }
#endif
    (void)simd;
    min_slots_portable(v, hashes, n);
}

void
sgw_minhash_compute(const char *text, size_t len, struct sgw_minhash *out)
{
    int32_t ring[SGW_MINHASH_SHINGLE];
    unsigned have = 0; /* code points seen, saturating at SHINGLE */
    unsigned pos = 0;  /* next ring slot */

    for (unsigned k = 0; k < SGW_MINHASH_K; k++)
        out->v[k] = UINT32_MAX;
    out->shingles = 0;
    out->flags = 0;
    if (text == NULL)
        len = 0;
    int simd = sgw_minhash_simd_available();
    uint64_t hs[HASH_CHUNK];
    size_t nh = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n;
        if ((unsigned char)text[i] < 0x80) {
            cp = (unsigned char)text[i];
            n = 1;
        } else {
            n = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i),
                                 &cp);
            if (n <= 0 || cp < 0) {
                cp = 0xFFFD;
                n = 1;
            }
        }
        i += (size_t)n;
        ring[pos] = cp;
        pos = (pos + 1) % SGW_MINHASH_SHINGLE;
        if (have < SGW_MINHASH_SHINGLE)
            have++;
        if (have == SGW_MINHASH_SHINGLE) {
            hs[nh++] = shingle_hash(ring, pos, SGW_MINHASH_SHINGLE);
            out->shingles++;
            if (nh == HASH_CHUNK) {
                sgw_minhash_min_slots(out->v, hs, nh, simd);
                nh = 0;
            }
        }
    }
    if (nh > 0)
        sgw_minhash_min_slots(out->v, hs, nh, simd);
    if (out->shingles == 0 && have > 0) {
        /* Shorter than one shingle: the whole text is the shingle (ring starts at 0). */
        hs[0] = shingle_hash(ring, 0, have);
        sgw_minhash_min_slots(out->v, hs, 1, simd);
        out->shingles = 1;
    }
    if (out->shingles == 0)
        out->flags |= SGW_MINHASH_EMPTY;
    if (out->shingles < SGW_MINHASH_MIN_SHINGLES) {
        out->flags |= SGW_MINHASH_WEAK;
        /* The flag travels with the bytes: every slot of a weak signature has its top bit set,
         * which a minimum over 8 or more shingles has with probability 2^-8 per slot, so all 64
         * with probability 2^-512. */
        for (unsigned k = 0; k < SGW_MINHASH_K; k++)
            out->v[k] |= WEAK_BIT;
    }
}

static int
all_max(const struct sgw_minhash *m)
{
    for (unsigned k = 0; k < SGW_MINHASH_K; k++) {
        if (m->v[k] != UINT32_MAX)
            return 0;
    }
    return 1;
}

static int
all_weak_bits(const struct sgw_minhash *m)
{
    for (unsigned k = 0; k < SGW_MINHASH_K; k++) {
        if (!(m->v[k] & WEAK_BIT))
            return 0;
    }
    return 1;
}

double
sgw_minhash_similarity(const struct sgw_minhash *a, const struct sgw_minhash *b)
{
    if ((a->flags & SGW_MINHASH_EMPTY) || (b->flags & SGW_MINHASH_EMPTY) || all_max(a) ||
        all_max(b))
        return 0.0;
    unsigned eq = 0;
    for (unsigned k = 0; k < SGW_MINHASH_K; k++)
        eq += a->v[k] == b->v[k];
    return (double)eq / SGW_MINHASH_K;
}

void
sgw_minhash_bands(const struct sgw_minhash *m, uint64_t keys[SGW_MINHASH_BANDS])
{
    for (unsigned b = 0; b < SGW_MINHASH_BANDS; b++) {
        uint64_t h = fmix64(SGW_MINHASH_SEED ^ (0x9E3779B97F4A7C15ULL * (b + 1)));
        for (unsigned r = 0; r < SGW_MINHASH_ROWS; r++)
            h = fmix64(h ^ m->v[b * SGW_MINHASH_ROWS + r]) + r;
        keys[b] = h;
    }
}

double
sgw_minhash_candidate_probability(double s)
{
    if (s <= 0)
        return 0;
    if (s >= 1)
        return 1;
    /* Integer powers by hand: no libm dependency for one formula. */
    double row = 1.0, miss = 1.0;
    for (unsigned r = 0; r < SGW_MINHASH_ROWS; r++)
        row *= s;
    for (unsigned b = 0; b < SGW_MINHASH_BANDS; b++)
        miss *= 1.0 - row;
    return 1.0 - miss;
}

void
sgw_minhash_to_bytes(const struct sgw_minhash *m, unsigned char out[SGW_MINHASH_BYTES])
{
    for (unsigned k = 0; k < SGW_MINHASH_K; k++) {
        uint32_t x = m->v[k];
        out[4 * k] = (unsigned char)(x >> 24);
        out[4 * k + 1] = (unsigned char)(x >> 16);
        out[4 * k + 2] = (unsigned char)(x >> 8);
        out[4 * k + 3] = (unsigned char)x;
    }
}

int
sgw_minhash_from_bytes(const unsigned char *in, size_t len, struct sgw_minhash *out)
{
    if (in == NULL || len != SGW_MINHASH_BYTES)
        return -1;
    for (unsigned k = 0; k < SGW_MINHASH_K; k++) {
        out->v[k] = (uint32_t)in[4 * k] << 24 | (uint32_t)in[4 * k + 1] << 16 |
                    (uint32_t)in[4 * k + 2] << 8 | (uint32_t)in[4 * k + 3];
    }
    out->shingles = 0; /* not stored */
    out->flags = all_max(out)         ? SGW_MINHASH_EMPTY | SGW_MINHASH_WEAK
                 : all_weak_bits(out) ? SGW_MINHASH_WEAK
                                      : 0;
    return 0;
}
