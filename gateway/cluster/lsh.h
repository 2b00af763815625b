/* The LSH band index over campaign representatives: a bounded set of MinHash signatures, each
 * filed under its SGW_MINHASH_BANDS band keys, so the near-duplicates of a new report are found
 * without comparing it to every campaign. Bounded: at most max_reps representatives; adding one
 * more evicts the oldest (first in, first out), which is deterministic in report order. */
#ifndef SGW_LSH_H
#define SGW_LSH_H

#include "gateway/intake/minhash.h"

#include <stddef.h>
#include <stdint.h>

struct sgw_lsh; /* opaque */

struct sgw_lsh *sgw_lsh_new(size_t max_reps); /* caller frees with sgw_lsh_free */
void sgw_lsh_free(struct sgw_lsh *l);         /* accepts NULL */

/* Adds a representative. When the index is full the oldest one is evicted first and its
 * report and campaign ids are written to *evicted_report / *evicted_campaign (0 when none).
 * sig is copied. */
void sgw_lsh_add(struct sgw_lsh *l, int64_t report_id, int64_t campaign_id,
                 const struct sgw_minhash *sig, int64_t *evicted_report, int64_t *evicted_campaign);

/* One representative that shares at least one band with the query. */
struct sgw_lsh_hit {
    int64_t report_id;
    int64_t campaign_id; /* as stored: resolve through the campaign union-find */
    double similarity;   /* sgw_minhash_similarity with the query */
};

/* Writes up to max hits (each representative once, in insertion order of their first band
 * match) into hits and returns how many there were in all (may exceed max: the rest are
 * dropped, oldest kept). */
size_t sgw_lsh_query(struct sgw_lsh *l, const struct sgw_minhash *sig, struct sgw_lsh_hit *hits,
                     size_t max);

size_t sgw_lsh_count(const struct sgw_lsh *l);
size_t sgw_lsh_bytes(const struct sgw_lsh *l); /* heap bytes held */

#endif
