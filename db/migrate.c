/* Applies schema/NNN_name.sql in order. Each file runs in its own transaction together with its row
 * in schema_migrations, so a failed file leaves the database at the previous version. Every
 * file without its row is applied, not only those above the highest version: a migration that
 * reached the tree after a later one (two branches, one release) is not skipped. */
#include "db/migrate.h"

#include "gateway/common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "727601" /* advisory lock id: "7726" + 01 */

int
sgw_migrate_latest(void)
{
    return sgw_migrations_count ? sgw_migrations[sgw_migrations_count - 1].version : 0;
}

int
sgw_migrate_current(struct sgw_db_conn *c, int *version, char *err, size_t errsz)
{
    PGresult *res = sgw_db_exec(c, SGW_STMT_schema_table_exists, NULL);
    int rc = -1;

    if (!sgw_db_ok(res)) {
        sgw_db_error(c, res, err, errsz);
        goto done;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        *version = 0;
        rc = 0;
        goto done;
    }
    PQclear(res);
    res = sgw_db_exec(c, SGW_STMT_schema_version, NULL);
    if (!sgw_db_ok(res)) {
        sgw_db_error(c, res, err, errsz);
        goto done;
    }
    *version = atoi(PQgetvalue(res, 0, 0));
    rc = 0;
done:
    PQclear(res);
    return rc;
}

static int
apply_one(struct sgw_db_conn *c, const struct sgw_migration *m, char *err, size_t errsz)
{
    char ver[16];
    const char *params[2] = {ver, m->name};
    PGresult *res = NULL;

    snprintf(ver, sizeof ver, "%d", m->version);
    if (sgw_db_simple(c, "BEGIN", err, errsz) != 0)
        return -1;
    if (sgw_db_simple(c, m->sql, err, errsz) != 0)
        goto fail;
    res = sgw_db_exec(c, SGW_STMT_migration_record, params);
    if (!sgw_db_ok(res)) {
        sgw_db_error(c, res, err, errsz);
        goto fail;
    }
    PQclear(res);
    res = NULL;
    if (sgw_db_simple(c, "COMMIT", err, errsz) != 0)
        goto fail;
    return 0;
fail:
    PQclear(res);
    sgw_db_simple(c, "ROLLBACK", NULL, 0);
    return -1;
}

/* 1 when version has its row in schema_migrations, 0 when not, -1 with err. */
static int
applied_before(struct sgw_db_conn *c, int version, char *err, size_t errsz)
{
    char ver[16];
    const char *params[1] = {ver};
    snprintf(ver, sizeof ver, "%d", version);
    PGresult *res = sgw_db_exec(c, SGW_STMT_migration_applied, params);
    int rc = -1;
    if (sgw_db_ok(res))
        rc = PQntuples(res) > 0;
    else
        sgw_db_error(c, res, err, errsz);
    PQclear(res);
    return rc;
}

int
sgw_migrate_run(struct sgw_db_conn *c, int *applied, char *err, size_t errsz)
{
    int current = 0, rc = -1;
    char why[512];

    *applied = 0;
    /* A migration may backfill roll-ups from every report: no 30 s cap on this session. */
    if (sgw_db_simple(c, "SET statement_timeout = 0", err, errsz) != 0)
        return -1;
    if (sgw_db_simple(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, errsz) != 0)
        return -1;
    if (sgw_db_simple(c,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version integer PRIMARY KEY,"
                      " name text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())",
                      err, errsz) != 0)
        goto done;
    if (sgw_migrate_current(c, &current, err, errsz) != 0)
        goto done;
    if (current > sgw_migrate_latest()) {
        snprintf(err, errsz,
                 "database schema is at version %d but this spamgw knows only up to %d: "
                 "upgrade spamgw",
                 current, sgw_migrate_latest());
        goto done;
    }
    for (int i = 0; i < sgw_migrations_count; i++) {
        const struct sgw_migration *m = &sgw_migrations[i];
        int done_already = applied_before(c, m->version, why, sizeof why);
        if (done_already < 0) {
            snprintf(err, errsz, "%s", why);
            goto done;
        }
        if (done_already)
            continue;
        if (apply_one(c, m, why, sizeof why) != 0) {
            snprintf(err, errsz, "migration %03d_%s failed: %s", m->version, m->name, why);
            goto done;
        }
        sgw_info("event=migration_applied version=%d name=%s", m->version, m->name);
        (*applied)++;
    }
    rc = 0;
done:
    sgw_db_simple(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", NULL, 0);
    return rc;
}
