/* The batch route's insert. It runs inside a writer job's transaction and never commits or
 * rolls back itself: all-or-nothing is the caller's transaction. Ids come from
 * report_ids_next() in the same statement, in input order, like the group-commit writer's. */
#include "db/report_batch.h"

#include "db/pgarray.h"
#include "db/report_rows.h"
#include "gateway/common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum sgw_status
failure(struct sgw_db_conn *c, PGresult *res, char *err, size_t errsz)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    sgw_db_error(c, res, err, errsz);
    if (!sgw_db_alive(c))
        return SGW_DATABASE;
    /* 57xxx cancelled / shutting down, 53xxx out of resources, 40xxx deadlock or serialization
     * failure: the database, not the rows, so the client may retry the batch (503). */
    if (state != NULL && (strncmp(state, "57", 2) == 0 || strncmp(state, "53", 2) == 0 ||
                          strncmp(state, "40", 2) == 0))
        return SGW_DATABASE;
    return SGW_INTERNAL;
}

/* Fills ids of the rows the keyed insert skipped: their keys were stored before. */
static enum sgw_status
find_replays(struct sgw_db_conn *c, const char *const *keys, size_t n, int64_t api_key_id,
             int64_t *ids, int *replays, char *err, size_t errsz)
{
    struct sgw_pgarray karr = {0};
    size_t *pos = sgw_xmalloc(n * sizeof *pos), nmiss = 0;
    char key_id[24];
    enum sgw_status st = SGW_OK;
    PGresult *res = NULL;

    for (size_t i = 0; i < n; i++) {
        if (replays[i])
            pos[nmiss++] = i;
    }
    if (nmiss == 0)
        goto done;
    sgw_pgarray_begin(&karr);
    for (size_t j = 0; j < nmiss; j++)
        sgw_pgarray_text(&karr, keys[pos[j]]);
    sgw_pgarray_finish(&karr, SGW_OID_TEXT);
    snprintf(key_id, sizeof key_id, "%lld", (long long)api_key_id);
    const char *params[2] = {key_id, karr.p};
    int lengths[2] = {0, (int)karr.len}, formats[2] = {0, 1};
    res = sgw_db_exec_params(c, SGW_STMT_reports_find_idem_keys, params, lengths, formats);
    if (!sgw_db_ok(res)) {
        st = failure(c, res, err, errsz);
        goto done;
    }
    if ((size_t)PQntuples(res) != nmiss) {
        snprintf(err, errsz, "%d of %zu skipped idempotency keys found", PQntuples(res), nmiss);
        st = SGW_INTERNAL;
        goto done;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        long long ord = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        if (ord < 1 || (size_t)ord > nmiss) {
            snprintf(err, errsz, "key position %lld out of range", ord);
            st = SGW_INTERNAL;
            goto done;
        }
        ids[pos[ord - 1]] = strtoll(PQgetvalue(res, r, 1), NULL, 10);
    }
done:
    PQclear(res);
    sgw_pgarray_fini(&karr);
    free(pos);
    return st;
}

enum sgw_status
sgw_db_report_batch_insert(struct sgw_db_conn *c, struct sgw_report *const *rs, size_t n,
                           const char *const *keys, int64_t api_key_id, int64_t *ids, int *replays,
                           char *err, size_t errsz)
{
    struct sgw_pgarray cols[SGW_DB_REPORT_COLS + 1] = {0};
    const char *params[SGW_DB_REPORT_COLS + 1];
    int lengths[SGW_DB_REPORT_COLS + 1], formats[SGW_DB_REPORT_COLS + 1];
    enum sgw_status st = SGW_OK;
    PGresult *res = NULL;

    sgw_db_report_rows(cols, rs, n, params, lengths, formats);
    if (keys != NULL) {
        struct sgw_pgarray *k = &cols[SGW_DB_REPORT_COLS];
        sgw_pgarray_begin(k);
        for (size_t i = 0; i < n; i++)
            sgw_pgarray_text(k, keys[i]);
        sgw_pgarray_finish(k, SGW_OID_TEXT);
        params[SGW_DB_REPORT_COLS] = k->p;
        lengths[SGW_DB_REPORT_COLS] = (int)k->len;
        formats[SGW_DB_REPORT_COLS] = 1;
    }
    res = sgw_db_exec_params(
        c, keys ? SGW_STMT_reports_insert_arrays_keyed : SGW_STMT_reports_insert_arrays, params,
        lengths, formats);
    if (!sgw_db_ok(res)) {
        st = failure(c, res, err, errsz);
        goto done;
    }
    if ((size_t)PQntuples(res) != n) {
        snprintf(err, errsz, "insert returned %d rows for %zu reports", PQntuples(res), n);
        st = SGW_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
        if (replays != NULL)
            replays[i] = keys != NULL && PQgetvalue(res, (int)i, 1)[0] != 't';
    }
    if (keys != NULL)
        st = find_replays(c, keys, n, api_key_id, ids, replays, err, errsz);
done:
    PQclear(res);
    for (int i = 0; i < SGW_DB_REPORT_COLS + 1; i++)
        sgw_pgarray_fini(&cols[i]);
    return st;
}
