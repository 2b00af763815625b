/* The facts follower: the cluster worker's second connection. It writes the read API's
 * roll-ups (facts.h: hours, facets, samples) and the per-(campaign, city) and per-city
 * roll-ups with their distinct members (schema 010) behind the assignments, from
 * report_assignments in id order, each chunk in one transaction with its own watermark
 * (cluster_facts_state, schema 010), then the campaign merges of that chunk's range, as the
 * worker used to inside its own transaction. Those tables are sums, min/max and lowest/highest ids,
 * so where chunks end does not change them and a restart gives an uninterrupted run's result. The
 * work moves off the worker's backend onto a second one, in parallel. It runs only while its worker
 * holds the cluster lock; the watermark update names the old value, so two followers can
 * never write a chunk twice. Internal to the cluster worker. */
#ifndef SGW_CLUSTER_FACTS_FOLLOW_H
#define SGW_CLUSTER_FACTS_FOLLOW_H

#include "db/db.h"
#include "gateway/common/status.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One chunk: reports with id in (*watermark, upto], at most max, then the merges made by
 * those reports; moves *watermark (to upto when fewer than max were left). *n gets the
 * reports written. SGW_OK, SGW_CONFLICT (another follower moved the watermark) or
 * SGW_DATABASE with err. */
enum sgw_status sgw_facts_follow_chunk(struct sgw_db_conn *db, int64_t *watermark, int64_t upto,
                                       int max, const char *region, size_t *n, char *err,
                                       size_t errsz);

struct sgw_facts_follow; /* opaque */

/* url and region are copied. The follower works while *active is non-zero and writes up to
 * *upto (the worker's committed watermark); both stay owned by the worker and must outlive
 * the follower. Caller frees with sgw_facts_follow_free. */
struct sgw_facts_follow *sgw_facts_follow_new(const char *url, const char *region, int chunk,
                                              int poll_ms, const atomic_int *active,
                                              const atomic_llong *upto);
int sgw_facts_follow_start(struct sgw_facts_follow *f); /* 0 or -1 */
/* Stops after the chunk in progress and joins the thread. */
void sgw_facts_follow_stop(struct sgw_facts_follow *f);
void sgw_facts_follow_free(struct sgw_facts_follow *f); /* accepts NULL */
int64_t sgw_facts_follow_watermark(const struct sgw_facts_follow *f);

#endif
