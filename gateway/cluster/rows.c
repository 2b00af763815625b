/* Reading a chunk of reports for the cluster worker and the facts follower (rows.h). */
#include "gateway/cluster/rows.h"

#include "db/pgarray.h"
#include "gateway/common/mem.h"
#include "gateway/intake/features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
collect_tag(void *arg, const char *e, int elen)
{
    struct sgw_cluster_row *r = arg;
    if (e == NULL)
        return;
    r->tags = sgw_xrealloc(r->tags, (r->ntags + 1) * sizeof *r->tags);
    r->tags[r->ntags++] = sgw_xstrndup(e, (size_t)elen);
}

static const char *
val(PGresult *res, int i, int col)
{
    return PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
}

/* Features the report row lacks (older rows, paths that do not compute them) are derived from
 * its content here with the same library intake uses. */
static void
fill_features(struct sgw_cluster_row *r, PGresult *res, int i, const char *region)
{
    const char *content = val(res, i, 4);
    int need_sig = PQgetisnull(res, i, 2), need_tags = PQgetisnull(res, i, 3);

    if (!need_sig) {
        r->has_sig = sgw_minhash_from_bytes((const unsigned char *)PQgetvalue(res, i, 2),
                                            (size_t)PQgetlength(res, i, 2), &r->sig) == 0;
    }
    if (!need_tags)
        sgw_pgarray_each(PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3), collect_tag, r);
    if ((need_sig || need_tags) && content != NULL) {
        struct sgw_features f;
        memset(&f, 0, sizeof f);
        const char *country = val(res, i, 9);
        if (sgw_features_compute(content, strlen(content), country ? country : region, &f) ==
            SGW_OK) {
            if (need_sig) {
                r->sig = f.sig;
                r->has_sig = 1;
            }
            if (need_tags) {
                for (size_t t = 0; t < f.n_tags; t++)
                    collect_tag(r, f.tags[t], (int)strlen(f.tags[t]));
            }
        }
        sgw_features_fini(&f);
    }
}

enum sgw_status
sgw_cluster_rows_read(struct sgw_db_conn *db, enum sgw_stmt stmt, int64_t from, int64_t upto,
                      int max, const char *region, struct sgw_cluster_rows *rows, char *err,
                      size_t errsz)
{
    char a[24], b[24], c[24];
    snprintf(a, sizeof a, "%lld", (long long)from);
    snprintf(b, sizeof b, "%lld", (long long)upto);
    snprintf(c, sizeof c, "%d", max);
    const char *params[3] = {a, b, c};
    rows->res = sgw_db_exec_binary(db, stmt, params, NULL, NULL);
    if (!sgw_db_ok(rows->res)) {
        PGresult *res = rows->res;
        rows->res = NULL;
        return sgw_cluster_db_fail(db, res, "read reports", err, errsz);
    }
    PGresult *res = rows->res;
    int with_campaign = PQnfields(res) > 12;
    rows->n = (size_t)PQntuples(res);
    rows->v = sgw_xcalloc(rows->n ? rows->n : 1, sizeof *rows->v);
    for (size_t i = 0; i < rows->n; i++) {
        struct sgw_cluster_row *r = &rows->v[i];
        int ii = (int)i;
        r->id = sgw_pg_get_int8(PQgetvalue(res, ii, 0));
        r->at = sgw_pg_get_int8(PQgetvalue(res, ii, 1)) + SGW_PG_EPOCH_US;
        fill_features(r, res, ii, region);
        r->sender = val(res, ii, 5);
        r->kind = PQgetvalue(res, ii, 6);
        r->kind_known = strcmp(r->kind, "unknown") != 0;
        if (r->sender && r->sender[0] == '\0')
            r->sender = NULL;
        r->reporter = val(res, ii, 7);
        r->channel = PQgetvalue(res, ii, 11);
        r->country = val(res, ii, 9);
        r->has_city =
            sgw_city_canonical(val(res, ii, 8), val(res, ii, 10), val(res, ii, 9), &r->city) == 0;
        if (with_campaign)
            r->campaign = sgw_pg_get_int8(PQgetvalue(res, ii, 12));
    }
    return SGW_OK;
}

void
sgw_cluster_rows_fini(struct sgw_cluster_rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        for (size_t t = 0; t < rows->v[i].ntags; t++)
            free(rows->v[i].tags[t]);
        free(rows->v[i].tags);
    }
    free(rows->v);
    PQclear(rows->res);
    memset(rows, 0, sizeof *rows);
}

const char *
sgw_cluster_row_country(const struct sgw_cluster_row *r)
{
    if (r->country != NULL)
        return r->country;
    if (r->has_city && strcmp(r->city.country, "ZZ") != 0)
        return r->city.country;
    return NULL;
}

enum sgw_status
sgw_cluster_db_fail(struct sgw_db_conn *db, PGresult *res, const char *what, char *err,
                    size_t errsz)
{
    char msg[256];
    sgw_db_error(db, res, msg, sizeof msg);
    snprintf(err, errsz, "%s: %s", what, msg);
    PQclear(res);
    return SGW_DATABASE;
}
