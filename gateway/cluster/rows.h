/* A chunk of reports as the cluster worker and the facts follower read them: one statement
 * (cluster_reports_read or facts_reports_read, same column layout), each row with its
 * features (taken from the row, or computed from the content when the row lacks them), its
 * canonical city and, for the follower, the campaign it was assigned. Internal to the
 * cluster worker. */
#ifndef SGW_CLUSTER_ROWS_H
#define SGW_CLUSTER_ROWS_H

#include "db/db.h"
#include "gateway/cluster/city.h"
#include "gateway/common/status.h"
#include "gateway/intake/minhash.h"

#include <stddef.h>
#include <stdint.h>

struct sgw_cluster_row {
    int64_t id, at; /* at: ingested_at, µs since 1970 */
    struct sgw_minhash sig;
    int has_sig;
    char **tags; /* owned by the rows */
    size_t ntags;
    const char *sender; /* into the result; NULL when none */
    const char *kind;
    int kind_known;
    const char *reporter;
    const char *channel, *country; /* into the result; country NULL when none */
    struct sgw_city city;
    int has_city;
    int64_t campaign, cluster;     /* the follower's rows: campaign as assigned */
    size_t merges_from, merges_to; /* the worker's: this report's campaign merges [from, to) */
};

struct sgw_cluster_rows {
    PGresult *res; /* the rows' strings point into it */
    struct sgw_cluster_row *v;
    size_t n;
};

/* Runs stmt ($1 from, $2 upto, $3 max) and fills rows (zeroed by the caller). region is the
 * default region for phone indicators computed here (may be NULL). SGW_OK or SGW_DATABASE
 * with err; the caller frees with sgw_cluster_rows_fini either way. */
enum sgw_status sgw_cluster_rows_read(struct sgw_db_conn *db, enum sgw_stmt stmt, int64_t from,
                                      int64_t upto, int max, const char *region,
                                      struct sgw_cluster_rows *rows, char *err, size_t errsz);
void sgw_cluster_rows_fini(struct sgw_cluster_rows *rows);

/* Writes "what: <the server's message>" to err, clears res, returns SGW_DATABASE: the cluster
 * worker's and the follower's one way of failing a statement. */
enum sgw_status sgw_cluster_db_fail(struct sgw_db_conn *db, PGresult *res, const char *what,
                                    char *err, size_t errsz);

/* The report's country, else its city's (reports often name only a city); NULL when none. */
const char *sgw_cluster_row_country(const struct sgw_cluster_row *r);

#endif
