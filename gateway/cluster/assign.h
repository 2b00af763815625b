/* The campaign decision for one report, given the state built from every earlier report: LSH
 * candidates whose estimated similarity passes the threshold and campaigns sharing a strong
 * indicator are merged into the lowest surviving id, which the report joins; with no
 * candidate the report starts a campaign with its own id. Deterministic: the same reports in
 * the same order give the same decisions, whatever the batching; time is never read. */
#ifndef SGW_ASSIGN_H
#define SGW_ASSIGN_H

#include "gateway/cluster/lsh.h"
#include "gateway/cluster/unionfind.h"
#include "gateway/intake/minhash.h"

#include <stddef.h>
#include <stdint.h>

struct sgw_assign_config {
    double threshold;      /* estimated similarity to join a campaign (e.g. 0.6) */
    double rep_similar;    /* a report this similar to one of its campaign's reps is not added */
    int reps_per_campaign; /* at most this many representatives per campaign */
    size_t max_reps;       /* bound of the LSH index (oldest evicted) */
    int max_bridge;        /* a report matching more campaigns than this merges none of them */
    int max_indicators;    /* strong indicators looked at per report */
};

void sgw_assign_config_default(struct sgw_assign_config *c);

/* True for indicator kinds strong enough to join a campaign on their own: full URL,
 * non-generic registrable domain, phone number, e-mail address, chat handle. */
int sgw_assign_indicator_strong(const char *indicator);

struct sgw_assign; /* opaque: the LSH index, the campaign union-find, indicator map */

/* cfg is copied. Caller frees with sgw_assign_free. */
struct sgw_assign *sgw_assign_new(const struct sgw_assign_config *cfg);
void sgw_assign_free(struct sgw_assign *a); /* accepts NULL */

/* Loading saved state, in this order: merges (any order), then representatives in report id
 * order, so the index is the one an uninterrupted run holds. */
void sgw_assign_load_merge(struct sgw_assign *a, int64_t old_id, int64_t survivor);
void sgw_assign_load_rep(struct sgw_assign *a, int64_t report_id, int64_t campaign_id,
                         const struct sgw_minhash *sig);

/* The indicator map is a cache in front of the database: the caller puts the known
 * indicators of a chunk before deciding it, and may clear it after. */
void sgw_assign_indicator_put(struct sgw_assign *a, const char *indicator, int64_t campaign_id);
void sgw_assign_indicators_clear(struct sgw_assign *a);

#define SGW_ASSIGN_MAX_MERGES 8

struct sgw_assign_input {
    int64_t report_id;
    const struct sgw_minhash *sig; /* NULL when there is no usable text */
    const char *const *indicators; /* NULL-free array */
    size_t nindicators;
};

struct sgw_assign_result {
    int64_t campaign_id; /* the campaign the report joined (a root after the merges) */
    int new_campaign;    /* campaign_id == report_id */
    int64_t merged[SGW_ASSIGN_MAX_MERGES]; /* roots merged into campaign_id, ascending */
    size_t nmerged;
    size_t new_indicators[16]; /* indexes into input->indicators now mapped to campaign_id */
    size_t nnew_indicators;
    int rep_added;          /* the report became a representative */
    int64_t evicted_report; /* representative evicted to make room (0 = none) */
    double best_similarity; /* best LSH similarity among candidates (0 when none) */
    int bridged_too_many;   /* more than max_bridge campaigns matched: nothing merged */
};

/* Decides one report and updates the state. */
void sgw_assign_report(struct sgw_assign *a, const struct sgw_assign_input *in,
                       struct sgw_assign_result *out);

/* The surviving campaign of id. */
int64_t sgw_assign_resolve(struct sgw_assign *a, int64_t campaign_id);

size_t sgw_assign_reps(const struct sgw_assign *a);
size_t sgw_assign_bytes(const struct sgw_assign *a); /* heap bytes of the bounded state */

#endif
