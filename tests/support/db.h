/* libpq helpers for integration tests: one-off queries with text parameters, and a fresh,
 * migrated database per suite that is dropped at the end (and at exit of the process that
 * created it, if a test bails out early). */
#ifndef SGWT_DB_H
#define SGWT_DB_H

#include <stddef.h>
#include <sys/types.h>

#include <libpq-fe.h>

struct sgwt_db {
    char name[64];        /* spamgw_it_<suite>_<pid> */
    char url[1024];       /* postgresql:// URI of the new database */
    char maint_url[1024]; /* same server, dbname=postgres */
};

/* Connects; NULL with sgwt_errmsg() on failure. Caller PQfinish()es. */
PGconn *sgwt_db_connect(const char *url);

/* Runs sql with a NULL-terminated array of text parameters (params may be NULL). Returns the
 * result (caller PQclear()s) when it is TUPLES_OK or COMMAND_OK, else NULL with
 * sgwt_errmsg() set. */
PGresult *sgwt_db_query(PGconn *c, const char *sql, const char *const *params);

/* First column of the first row. Returns 1 and *out (caller frees; NULL for SQL NULL) when
 * there is a row, 0 when none (*out NULL), -1 on error. */
int sgwt_db_scalar(PGconn *c, const char *sql, const char *const *params, char **out);

/* A query returning one integer (count(*) ...); -1 on error or no row. */
long long sgwt_db_count(PGconn *c, const char *sql, const char *const *params);

/* Value of column col in row, NULL when SQL NULL; "" with no such column is never returned:
 * an unknown column aborts, because it is a bug in the test. Owned by r. */
const char *sgwt_db_get(const PGresult *r, int row, const char *col);

/* Rebuilds url with another database name (PQconninfoParse). 0 or -1. */
int sgwt_db_url_with_dbname(const char *url, const char *dbname, char *out, size_t outsz);

/* Creates spamgw_it_<suite>_<pid> on the server of $SPAMGW_TEST_DATABASE_URL (dropping a
 * leftover of the same name first) without migrating it. 0 or -1. */
int sgwt_db_create(struct sgwt_db *db, const char *suite);
/* Runs `$SPAMGW_BIN migrate --database-url url`; 0 when it exits 0, else -1 with its stderr
 * in sgwt_errmsg(). */
int sgwt_db_migrate(const char *url);
/* create + migrate. */
int sgwt_db_fresh(struct sgwt_db *db, const char *suite);
/* DROP DATABASE ... WITH (FORCE). 0 or -1. Accepts a db never created (name empty). */
int sgwt_db_drop(struct sgwt_db *db);

/* Polls until a connection to url succeeds or timeout_ms passes; 0 when reachable. */
int sgwt_db_wait_ready(const char *url, int timeout_ms);

/* 1 once the cluster worker has assigned every stored report and its facts follower (schema
 * 010) has written their hours, facets and samples; 0 before. */
#define SGWT_CLUSTER_CAUGHT_UP_SQL                                                                 \
    "SELECT ((SELECT least(c.watermark, f.facts_watermark)"                                        \
    " FROM cluster_state c, cluster_facts_state f) >= coalesce((SELECT max(id) FROM reports), 0)"  \
    " AND (SELECT count(*) FROM report_assignments) = (SELECT count(*) FROM reports))::int"

#endif
