/* The read API's roll-ups (schema/005): reports per campaign per hour, per-campaign facets
 * (senders, indicator tags, countries, channels, each with a count and first/last seen) and
 * the campaign's first and latest report as samples. The facts follower (facts_follow.h) adds
 * every report of a chunk in id order, then writes them in its chunk's transaction before that
 * chunk's merges: only sums, min/max and lowest/highest report ids, so the tables do not
 * depend on chunk boundaries or restarts. Internal to the cluster worker. */
#ifndef SGW_CLUSTER_FACTS_H
#define SGW_CLUSTER_FACTS_H

#include "db/db.h"
#include "gateway/common/status.h"

#include <stddef.h>
#include <stdint.h>

struct sgw_facts; /* opaque; one per chunk */

/* Caller frees with sgw_facts_free (accepts NULL). */
struct sgw_facts *sgw_facts_new(void);
void sgw_facts_free(struct sgw_facts *f);

/* One report as assigned: at = ingested_at (µs since 1970). The strings (any may be NULL or
 * "", then skipped) are borrowed and must outlive sgw_facts_write. */
struct sgw_facts_report {
    int64_t id, campaign, at;
    const char *channel, *country, *sender;
    char *const *tags;
    size_t ntags;
};
void sgw_facts_add(struct sgw_facts *f, const struct sgw_facts_report *r);

/* Writes the chunk's hours, facets and samples (three statements). SGW_OK, or SGW_DATABASE
 * with err. */
enum sgw_status sgw_facts_write(struct sgw_db_conn *db, struct sgw_facts *f, char *err,
                                size_t errsz);

#endif
