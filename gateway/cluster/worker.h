/* The cluster worker: one per fleet (PostgreSQL advisory lock; other instances wait as hot
 * standbys and retry every second). It follows the reports table in id order from a durable
 * watermark and commits each chunk's campaign, sender-cluster and city updates together with
 * the watermark, so a crash or restart gives exactly the result of an uninterrupted run. The
 * read API's roll-ups follow on a second connection with a watermark of their own
 * (facts_follow.h), under the same lock. */
#ifndef SGW_CLUSTER_WORKER_H
#define SGW_CLUSTER_WORKER_H

#include "gateway/cluster/assign.h"
#include "gateway/cluster/senders.h"

#include <stdint.h>

struct sgw_cluster_config {
    const char *url;
    int chunk;          /* reports per transaction */
    int poll_ms;        /* idle poll interval */
    const char *region; /* default region for phone indicators computed here; may be NULL */
    struct sgw_assign_config assign;
    struct sgw_senders_config senders;
};

void sgw_cluster_config_default(struct sgw_cluster_config *c);

struct sgw_config;
/* Defaults overridden by the --cluster-* settings; out borrows cfg's strings and region. */
void sgw_cluster_config_from(const struct sgw_config *cfg, const char *region,
                             struct sgw_cluster_config *out);

struct sgw_cluster; /* opaque */

/* cfg is copied (strings too). Caller frees with sgw_cluster_free. */
struct sgw_cluster *sgw_cluster_new(const struct sgw_cluster_config *cfg);
int sgw_cluster_start(struct sgw_cluster *c); /* starts the thread; 0 or -1 */
/* Stops after the chunk in progress (committed or rolled back) and joins the thread. */
void sgw_cluster_stop(struct sgw_cluster *c);
void sgw_cluster_free(struct sgw_cluster *c); /* accepts NULL */

/* For gauges and tests: 1 while this instance holds the lock; watermark reached. */
long sgw_cluster_active(void *c);
int64_t sgw_cluster_watermark(const struct sgw_cluster *c);
int64_t sgw_cluster_facts_watermark(const struct sgw_cluster *c); /* last read or written */

#endif
