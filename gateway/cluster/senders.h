/* Sender clusters: senders joined through the campaigns they send. A sender seen for the
 * first time adopts the cluster of its campaign; a known sender in a campaign of another
 * cluster unions the two. The bigger cluster (more reports so far, in report order) survives,
 * the lower id on a tie: a merge then moves the smaller cluster's roll-up members into the
 * bigger one, so each member moves O(log n) times, instead of a big cluster with a high id
 * moving all of its members into a small old one (seconds for a cluster of 300k members, and
 * again for every link of a chain). Guard against one common value gluing
 * everything: senders of kind unknown take no part, and a sender or campaign that has already
 * made union_cap unions makes no more (it still gets a cluster, it just stops bridging).
 * Deterministic in report order; the caller loads the rows a chunk touches before deciding
 * it and writes the dirty ones after. */
#ifndef SGW_SENDERS_H
#define SGW_SENDERS_H

#include <stddef.h>
#include <stdint.h>

struct sgw_senders_config {
    int sender_union_cap;   /* unions one sender may make (e.g. 4) */
    int campaign_union_cap; /* unions one campaign may make (e.g. 32) */
};

void sgw_senders_config_default(struct sgw_senders_config *c);

struct sgw_senders; /* opaque */

struct sgw_senders *sgw_senders_new(const struct sgw_senders_config *cfg);
void sgw_senders_free(struct sgw_senders *s); /* accepts NULL */

/* Saved state. */
void sgw_senders_load_merge(struct sgw_senders *s, int64_t old_id, int64_t survivor);
void sgw_senders_load_sender(struct sgw_senders *s, const char *sender, int64_t cluster_id,
                             int unions);
void sgw_senders_load_campaign(struct sgw_senders *s, int64_t campaign_id, int64_t cluster_id,
                               int unions);
/* A cluster root's reports so far (sender_clusters.reports, which includes the clusters merged
 * into it): load every root the chunk's senders and campaigns resolve to before deciding it.
 * Roots not loaded count as 0 (clusters created in this chunk). */
void sgw_senders_load_size(struct sgw_senders *s, int64_t root, int64_t reports);
/* Calls fn once for each distinct root the loaded senders and campaigns resolve to: the
 * clusters whose sizes to load. */
void sgw_senders_each_root(struct sgw_senders *s, void (*fn)(void *arg, int64_t root), void *arg);
/* Forgets loaded senders, campaigns and sizes (not the merges). */
void sgw_senders_clear_rows(struct sgw_senders *s);

struct sgw_senders_merge {
    int64_t old_id, survivor, at_report;
};

/* A campaign merge (campaign a into s at report at_report): their clusters union (guarded). */
void sgw_senders_campaign_merge(struct sgw_senders *s, int64_t a, int64_t survivor,
                                int64_t at_report);

/* A report of sender (normal form; NULL or kind unknown: no cluster) in campaign. Returns the
 * report's sender cluster (a root), or 0 when it has none. *created is set when this report
 * created the cluster (its id is the report's). */
int64_t sgw_senders_report(struct sgw_senders *s, int64_t report_id, const char *sender,
                           int kind_known, int64_t campaign_id, int *created);

int64_t sgw_senders_resolve(struct sgw_senders *s, int64_t cluster_id);

/* Cluster unions since the last take, in order. The array is owned by s; reset by take. */
const struct sgw_senders_merge *sgw_senders_merges(const struct sgw_senders *s, size_t *n);
void sgw_senders_merges_reset(struct sgw_senders *s);

/* Rows changed since they were loaded (for writing back); iteration like sgw_map_next. */
struct sgw_senders_row {
    int64_t cluster_id; /* as stored: the cluster at first sight / campaign's current cluster */
    int unions;
    int dirty;
    int is_new;
    int64_t first_report; /* senders: the report that introduced it */
};
size_t sgw_senders_next_sender(const struct sgw_senders *s, size_t pos, const char **sender,
                               struct sgw_senders_row **row);
size_t sgw_senders_next_campaign(const struct sgw_senders *s, size_t pos, int64_t *campaign,
                                 struct sgw_senders_row **row);

size_t sgw_senders_bytes(const struct sgw_senders *s);

#endif
