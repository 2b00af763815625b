/* MinHash fingerprints of report text: K 32-bit minima over character n-gram shingles, their
 * similarity estimate and LSH band keys. Pure and deterministic across runs and machines (fixed
 * constants in minhash_data.h): signatures are stored in PostgreSQL and compared years later. */
#ifndef SGW_MINHASH_H
#define SGW_MINHASH_H

#include <stddef.h>
#include <stdint.h>

/* Signature length: 64 slots estimate a similarity with a standard error of at most 0.0625. */
#define SGW_MINHASH_K 64
/* Shingle length in code points of the match text (letters, digits, symbols and tokens only,
 * see sgw_textnorm_matchtext). Measured over 500 corpus templates x 4 mutation sets and 16
 * Chinese templates: with 3, unrelated pairs reach the threshold (4 of 1.2 million; p99.9 0.22
 * against 0.16 with 4); with 5, fewer mutated copies stay above it (99.2 % against 99.3 %) and
 * more short texts are weak (2.5 % of ham against 2.1 %). */
#define SGW_MINHASH_SHINGLE 4
/* Fewer shingles than this: the signature is flagged weak (too little text to cluster on). */
#define SGW_MINHASH_MIN_SHINGLES 8
/* Similarity at or above which two texts are the same template. tests/unit/check_features.c
 * (200 corpus templates and 16 Chinese ones, 8 kinds of mutation): 99.9 % of mutated English
 * copies and all Chinese ones are at or above it, no unrelated pair is (23,220 originals,
 * 325,080 copies against other originals, 634,392 ham messages against templates; unrelated
 * p99.9 = 0.16, max 0.45). */
#define SGW_MINHASH_THRESHOLD 0.5
/* LSH: BANDS bands of ROWS slots; P(candidate) = 1 - (1 - s^ROWS)^BANDS, whose midpoint
 * (1/BANDS)^(1/ROWS) = 0.5 sits on the threshold: P = 0.64 at s = 0.5, 0.89 at 0.6, 0.99 at
 * 0.7, but 0.12 at 0.3 and 0.025 at 0.2, where unrelated pairs live (p99.9 = 0.16). Measured:
 * 99.9 % of mutated copies share a band with their original. 8 x 8 would miss most copies at
 * 0.6 (P = 0.13), 32 x 2 would make candidates of unrelated pairs (P = 0.73 at 0.2). */
#define SGW_MINHASH_BANDS 16
#define SGW_MINHASH_ROWS 4
/* Serialised size: K big-endian u32. */
#define SGW_MINHASH_BYTES (SGW_MINHASH_K * 4)

/* Both flags can be read back from the stored bytes (sgw_minhash_from_bytes): an empty
 * signature has every slot UINT32_MAX, a weak one the top bit of every slot set. */
enum sgw_minhash_flag {
    SGW_MINHASH_EMPTY = 1, /* no shingle at all: every slot is UINT32_MAX */
    SGW_MINHASH_WEAK = 2   /* fewer than SGW_MINHASH_MIN_SHINGLES shingles (EMPTY implies WEAK);
                              too little text to cluster on without a strong indicator */
};

struct sgw_minhash {
    uint32_t v[SGW_MINHASH_K];
    uint32_t shingles; /* shingles hashed (windows, not distinct ones) */
    unsigned flags;    /* enum sgw_minhash_flag bits */
};

/* Signature of UTF-8 text[0..len) (invalid bytes count as U+FFFD) into caller's *out. A text
 * shorter than one shingle but not empty is hashed as a single shingle (flagged weak). */
void sgw_minhash_compute(const char *text, size_t len, struct sgw_minhash *out);

/* v[k] = min(v[k], (A[k] * h + B[k]) >> 32) over hashes[0..n): the slot update of every
 * shingle. simd = 1 uses the vector path when this CPU has one (the same values to the bit);
 * 0 the portable loop. Exposed so the tests can compare the two. */
void sgw_minhash_min_slots(uint32_t v[SGW_MINHASH_K], const uint64_t *hashes, size_t n, int simd);
/* Whether sgw_minhash_min_slots(..., 1) takes a vector path on this CPU. */
int sgw_minhash_simd_available(void);

/* Fraction of equal slots (estimates the Jaccard similarity of the shingle sets); 0 when either
 * signature is empty, so empty texts never look alike. */
double sgw_minhash_similarity(const struct sgw_minhash *a, const struct sgw_minhash *b);

/* One 64-bit key per band (band index mixed in, so equal rows in different bands differ);
 * written to caller's keys[]. Two signatures share a key with probability s^ROWS per band. */
void sgw_minhash_bands(const struct sgw_minhash *m, uint64_t keys[SGW_MINHASH_BANDS]);

/* Probability that two texts of similarity s share at least one band key (the S-curve). */
double sgw_minhash_candidate_probability(double s);

/* Serialises the slots as K big-endian u32 into caller's out (bytea in PostgreSQL). */
void sgw_minhash_to_bytes(const struct sgw_minhash *m, unsigned char out[SGW_MINHASH_BYTES]);

/* Reads SGW_MINHASH_BYTES bytes back into caller's *out with its EMPTY and WEAK flags (the
 * shingle count is not stored: 0); 0, or -1 if in is NULL or len is wrong. */
int sgw_minhash_from_bytes(const unsigned char *in, size_t len, struct sgw_minhash *out);

#endif
