/* One chunk of the follow loop: read the next reports after the watermark, decide their
 * campaigns, sender clusters and cities in id order, and write every change plus the new
 * watermark in one transaction. Internal to the cluster worker. */
#ifndef SGW_CLUSTER_CHUNK_H
#define SGW_CLUSTER_CHUNK_H

#include "db/db.h"
#include "gateway/cluster/assign.h"
#include "gateway/cluster/senders.h"
#include "gateway/common/status.h"

#include <stddef.h>
#include <stdint.h>

/* The worker's in-memory state; valid only while it matches the database (after a failed
 * chunk it must be rebuilt with sgw_cluster_state_load). */
struct sgw_cluster_member_slot; /* chunk.c */

struct sgw_cluster_state {
    struct sgw_assign *assign;
    struct sgw_senders *senders;
    int64_t watermark;
    /* Roll-up members known to be in the database (direct-mapped, whole tuples, so never a
     * false "known"): rows found here are not sent again. Only saves work; results do not
     * depend on it. */
    struct sgw_cluster_member_slot *known;
    size_t known_cap;
};

/* Frees and rebuilds st from the database (watermark, merges, representatives). cfgs are
 * copied into the new state. SGW_OK or SGW_DATABASE with err. */
enum sgw_status sgw_cluster_state_load(struct sgw_db_conn *db, struct sgw_cluster_state *st,
                                       const struct sgw_assign_config *acfg,
                                       const struct sgw_senders_config *scfg, char *err,
                                       size_t errsz);
void sgw_cluster_state_fini(struct sgw_cluster_state *st);

struct sgw_chunk_stats {
    size_t reports;        /* assigned in this chunk */
    int64_t last_ingested; /* ingested_at of the last one, µs */
    int64_t *ingested;     /* every report's ingested_at (owned by the chunk module) */
    int64_t us_read, us_decide, us_write, us_commit; /* where the time went */
};

/* Processes reports with id in (st->watermark, upto], at most max of them, in one
 * transaction, and moves st->watermark (to upto when fewer than max were left). Returns
 * SGW_OK, SGW_CONFLICT when another worker moved the watermark (state is stale), or
 * SGW_DATABASE / SGW_INTERNAL with err; on any failure the state must be reloaded. */
enum sgw_status sgw_cluster_chunk(struct sgw_db_conn *db, struct sgw_cluster_state *st,
                                  int64_t upto, int max, const char *region,
                                  struct sgw_chunk_stats *stats, char *err, size_t errsz);

/* The facts follower's share of the roll-ups (schema 010) for rows read with their campaign as
 * assigned: per (campaign, city) and per city, reports, first/last seen and the distinct
 * reporters and senders (rollup_members scopes 3, 4, 7, 8), in the caller's transaction.
 * SGW_OK or SGW_DATABASE with err. */
struct sgw_cluster_rows;
enum sgw_status sgw_cluster_city_rollups(struct sgw_db_conn *db,
                                         const struct sgw_cluster_rows *rows, char *err,
                                         size_t errsz);

/* 64-bit key of a reporter pseudonym or sender for rollup_members and senders.hash. */
int64_t sgw_cluster_member_key(const char *s);

#endif
