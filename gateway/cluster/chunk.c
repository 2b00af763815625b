/* One chunk, in three passes: decide every report in id order in memory (assign.c, then
 * senders.c, then city.c), then write the chunk's changes with one statement of binary arrays
 * per table, then move the watermark, all in one transaction. Roll-ups are written per key as
 * decided at assignment time and merges are applied after them in order; since every roll-up
 * is a sum, a min/max or a set union, the result does not depend on where chunks begin and
 * end, which is what makes a restarted worker's tables equal an uninterrupted one's. It must
 * never write a value that depends on the clock or on chunk boundaries. The read API's
 * roll-ups (facts.h) and the per-(campaign, city) and per-city ones are written by the facts
 * follower behind this (facts_follow.h; the latter with this file's code, through
 * sgw_cluster_city_rollups). */
#include "gateway/cluster/chunk.h"

#include "db/pgarray.h"
#include "gateway/cluster/city.h"
#include "gateway/cluster/maps.h"
#include "gateway/cluster/rows.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/timeutil.h"
#include "gateway/intake/features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- state load ---------------------------------------------------------------------------- */

#define KNOWN_SLOTS (1u << 20) /* 32 MiB */

struct sgw_cluster_member_slot {
    int64_t k1, k2, member;
    int64_t scope; /* 0 = empty */
};

void
sgw_cluster_state_fini(struct sgw_cluster_state *st)
{
    sgw_assign_free(st->assign);
    sgw_senders_free(st->senders);
    free(st->known);
    memset(st, 0, sizeof *st);
}

enum sgw_status
sgw_cluster_state_load(struct sgw_db_conn *db, struct sgw_cluster_state *st,
                       const struct sgw_assign_config *acfg, const struct sgw_senders_config *scfg,
                       char *err, size_t errsz)
{
    PGresult *res;

    sgw_cluster_state_fini(st);
    st->assign = sgw_assign_new(acfg);
    st->senders = sgw_senders_new(scfg);
    st->known_cap = KNOWN_SLOTS;
    st->known = sgw_xcalloc(st->known_cap, sizeof *st->known);

    res = sgw_db_exec(db, SGW_STMT_cluster_state_get, NULL);
    if (!sgw_db_ok(res) || PQntuples(res) != 1)
        return sgw_cluster_db_fail(db, res, "cluster_state", err, errsz);
    st->watermark = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);

    res = sgw_db_exec_binary(db, SGW_STMT_cluster_merges_all, NULL, NULL, NULL);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, "merges", err, errsz);
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t kind = sgw_pg_get_int8(PQgetvalue(res, i, 0));
        int64_t old = sgw_pg_get_int8(PQgetvalue(res, i, 1));
        int64_t survivor = sgw_pg_get_int8(PQgetvalue(res, i, 2));
        if (kind == 1)
            sgw_assign_load_merge(st->assign, old, survivor);
        else
            sgw_senders_load_merge(st->senders, old, survivor);
    }
    PQclear(res);

    /* Representatives in report id order: the order an uninterrupted run added them in. */
    res = sgw_db_exec_binary(db, SGW_STMT_cluster_reps_all, NULL, NULL, NULL);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, "lsh_reps", err, errsz);
    for (int i = 0; i < PQntuples(res); i++) {
        struct sgw_minhash sig;
        if (sgw_minhash_from_bytes((const unsigned char *)PQgetvalue(res, i, 2),
                                   (size_t)PQgetlength(res, i, 2), &sig) != 0)
            continue;
        sgw_assign_load_rep(st->assign, sgw_pg_get_int8(PQgetvalue(res, i, 0)),
                            sgw_pg_get_int8(PQgetvalue(res, i, 1)), &sig);
    }
    PQclear(res);
    return SGW_OK;
}

/* --- one chunk ----------------------------------------------------------------------------- */

int64_t
sgw_cluster_member_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (int64_t)h;
}

struct cmerge {
    int64_t a, s, report, at;
};

struct newind {
    const char *tag;
    int64_t campaign, report;
};

struct newrep {
    int64_t report, campaign;
    unsigned char sig[SGW_MINHASH_BYTES];
    int dead; /* evicted again within the chunk */
};

struct agg {
    int64_t id;
    const char *city; /* city key (campaign_cities, cities) */
    const struct sgw_city *c;
    int64_t first, last, reports, rep_inc, snd_inc;
};

enum { NPARAM_MAX = 11 };

struct sender_agg {
    const char *kind;
    struct agg counts; /* reports, first, last */
};

struct mrow {
    int64_t k1, k2, member;
    int16_t scope;
    int16_t sent; /* went to the database in this chunk */
};

/* Which roll-ups a chunk writes: the worker's (campaigns and sender clusters with their
 * distinct members, scopes 1, 2, 5, 6) or the follower's (per campaign and city, per city:
 * scopes 3, 4, 7, 8; see sgw_cluster_city_rollups). */
enum { PART_CAMPAIGNS = 1, PART_CITIES = 2 };

struct chunk {
    int parts;
    struct mrow *mrows;
    size_t nmrows, capmrows;
    struct sgw_cluster_rows rows;
    struct cmerge *merges;
    size_t nmerges, capmerges;
    struct newind *inds;
    size_t ninds, capinds;
    struct newrep *reps;
    size_t nreps, capreps;
    int64_t *evicted;
    size_t nevicted, capevicted;
    struct sgw_map *repidx; /* report id -> size_t index into reps */
    struct sgw_map *camp, *ccity, *clus, *city;
    struct sgw_map *cityh; /* city hash -> city key (for the members' returned counts) */
    struct sgw_pgarray arr[NPARAM_MAX];
};

#define PUSH(arr, n, cap, v)                                                                       \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? (cap)*2 : 64;                                                          \
            (arr) = sgw_xrealloc((arr), (cap) * sizeof *(arr));                                    \
        }                                                                                          \
        (arr)[(n)++] = (v);                                                                        \
    } while (0)

static void
chunk_fini(struct chunk *k)
{
    sgw_cluster_rows_fini(&k->rows);
    free(k->mrows);
    free(k->merges);
    free(k->inds);
    free(k->reps);
    free(k->evicted);
    sgw_map_free(k->repidx);
    sgw_map_free(k->camp);
    sgw_map_free(k->ccity);
    sgw_map_free(k->clus);
    sgw_map_free(k->city);
    sgw_map_free(k->cityh);
    for (int i = 0; i < NPARAM_MAX; i++)
        sgw_pgarray_fini(&k->arr[i]);
}

/* Runs a statement whose parameters are the first n arrays of k (element oids given). */
static PGresult *
exec_arrays(struct sgw_db_conn *db, struct chunk *k, enum sgw_stmt stmt, int n,
            const unsigned *oids, int binary_result)
{
    const char *params[NPARAM_MAX];
    int lengths[NPARAM_MAX], formats[NPARAM_MAX];
    for (int i = 0; i < n; i++) {
        sgw_pgarray_finish(&k->arr[i], oids[i]);
        params[i] = k->arr[i].p;
        lengths[i] = (int)k->arr[i].len;
        formats[i] = 1;
    }
    int64_t t0 = sgw_monotonic_us();
    PGresult *res = binary_result ? sgw_db_exec_binary(db, stmt, params, lengths, formats)
                                  : sgw_db_exec_params(db, stmt, params, lengths, formats);
    /* Per statement, for finding which roll-up a slow chunk spends its write phase on. */
    sgw_debug("event=cluster_stmt stmt=%s rows=%zu us=%lld", sgw_db_stmt_name(stmt),
              n > 0 ? k->arr[0].n : 0, (long long)(sgw_monotonic_us() - t0));
    return res;
}

static void
begin_arrays(struct chunk *k, int n)
{
    for (int i = 0; i < n; i++)
        sgw_pgarray_begin(&k->arr[i]);
}

static enum sgw_status
prefetch_indicators(struct sgw_db_conn *db, struct chunk *k, struct sgw_assign *as, char *err,
                    size_t errsz)
{
    static const unsigned oids[] = {SGW_OID_TEXT};
    size_t any = 0;
    begin_arrays(k, 1);
    for (size_t i = 0; i < k->rows.n; i++) {
        for (size_t t = 0; t < k->rows.v[i].ntags; t++) {
            if (sgw_assign_indicator_strong(k->rows.v[i].tags[t])) {
                sgw_pgarray_text(&k->arr[0], k->rows.v[i].tags[t]);
                any++;
            }
        }
    }
    if (any == 0)
        return SGW_OK;
    PGresult *res = exec_arrays(db, k, SGW_STMT_cluster_indicators_get, 1, oids, 1);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, "indicators", err, errsz);
    for (int i = 0; i < PQntuples(res); i++)
        sgw_assign_indicator_put(as, PQgetvalue(res, i, 0), sgw_pg_get_int8(PQgetvalue(res, i, 1)));
    PQclear(res);
    return SGW_OK;
}

static void
decide_campaigns(struct chunk *k, struct sgw_assign *as)
{
    struct sgw_assign_result out;
    for (size_t i = 0; i < k->rows.n; i++) {
        struct sgw_cluster_row *r = &k->rows.v[i];
        struct sgw_assign_input in = {r->id, r->has_sig ? &r->sig : NULL,
                                      (const char *const *)r->tags, r->ntags};
        sgw_assign_report(as, &in, &out);
        r->campaign = out.campaign_id;
        r->merges_from = k->nmerges;
        for (size_t m = 0; m < out.nmerged; m++)
            PUSH(k->merges, k->nmerges, k->capmerges,
                 ((struct cmerge){out.merged[m], out.campaign_id, r->id, r->at}));
        r->merges_to = k->nmerges;
        for (size_t t = 0; t < out.nnew_indicators; t++)
            PUSH(k->inds, k->ninds, k->capinds,
                 ((struct newind){r->tags[out.new_indicators[t]], out.campaign_id, r->id}));
        if (out.evicted_report != 0) {
            size_t *idx = sgw_map_iget(k->repidx, out.evicted_report);
            if (idx != NULL)
                k->reps[*idx].dead = 1; /* added and evicted within the chunk */
            else
                PUSH(k->evicted, k->nevicted, k->capevicted, out.evicted_report);
        }
        if (out.rep_added) {
            struct newrep nr = {r->id, out.campaign_id, {0}, 0};
            sgw_minhash_to_bytes(&r->sig, nr.sig);
            PUSH(k->reps, k->nreps, k->capreps, nr);
            *(size_t *)sgw_map_iput(k->repidx, r->id, NULL) = k->nreps - 1;
        }
    }
}

static void
add_root(void *arr, int64_t root)
{
    sgw_pgarray_int8(arr, root);
}

static enum sgw_status
prefetch_senders(struct sgw_db_conn *db, struct chunk *k, struct sgw_senders *ss, char *err,
                 size_t errsz)
{
    static const unsigned oids[] = {SGW_OID_TEXT};
    static const unsigned ioids[] = {SGW_OID_INT8};
    PGresult *res;

    begin_arrays(k, 1);
    for (size_t i = 0; i < k->rows.n; i++) {
        if (k->rows.v[i].sender && k->rows.v[i].kind_known)
            sgw_pgarray_text(&k->arr[0], k->rows.v[i].sender);
    }
    if (k->arr[0].n > 0) {
        res = exec_arrays(db, k, SGW_STMT_cluster_senders_get, 1, oids, 1);
        if (!sgw_db_ok(res))
            return sgw_cluster_db_fail(db, res, "senders", err, errsz);
        for (int i = 0; i < PQntuples(res); i++)
            sgw_senders_load_sender(ss, PQgetvalue(res, i, 0),
                                    sgw_pg_get_int8(PQgetvalue(res, i, 1)),
                                    sgw_pg_get_int4(PQgetvalue(res, i, 2)));
        PQclear(res);
    }
    begin_arrays(k, 1);
    for (size_t i = 0; i < k->rows.n; i++)
        sgw_pgarray_int8(&k->arr[0], k->rows.v[i].campaign);
    for (size_t m = 0; m < k->nmerges; m++) {
        sgw_pgarray_int8(&k->arr[0], k->merges[m].a);
        sgw_pgarray_int8(&k->arr[0], k->merges[m].s);
    }
    if (k->arr[0].n == 0)
        return SGW_OK;
    res = exec_arrays(db, k, SGW_STMT_cluster_campaigns_get, 1, ioids, 1);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, "campaigns", err, errsz);
    for (int i = 0; i < PQntuples(res); i++)
        sgw_senders_load_campaign(ss, sgw_pg_get_int8(PQgetvalue(res, i, 0)),
                                  sgw_pg_get_int8(PQgetvalue(res, i, 1)),
                                  sgw_pg_get_int4(PQgetvalue(res, i, 2)));
    PQclear(res);

    /* The sizes of the roots those rows resolve to (senders.h: union by size). */
    begin_arrays(k, 1);
    sgw_senders_each_root(ss, add_root, &k->arr[0]);
    if (k->arr[0].n == 0)
        return SGW_OK;
    res = exec_arrays(db, k, SGW_STMT_cluster_cluster_sizes_get, 1, ioids, 1);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, "sender cluster sizes", err, errsz);
    for (int i = 0; i < PQntuples(res); i++)
        sgw_senders_load_size(ss, sgw_pg_get_int8(PQgetvalue(res, i, 0)),
                              sgw_pg_get_int8(PQgetvalue(res, i, 1)));
    PQclear(res);
    return SGW_OK;
}

static void
decide_clusters(struct chunk *k, struct sgw_senders *ss)
{
    for (size_t i = 0; i < k->rows.n; i++) {
        struct sgw_cluster_row *r = &k->rows.v[i];
        int created;
        for (size_t m = r->merges_from; m < r->merges_to; m++)
            sgw_senders_campaign_merge(ss, k->merges[m].a, k->merges[m].s, r->id);
        r->cluster = sgw_senders_report(ss, r->id, r->sender, r->kind_known, r->campaign, &created);
    }
}

static struct agg *
agg_i(struct sgw_map *m, int64_t id)
{
    int created;
    struct agg *a = sgw_map_iput(m, id, &created);
    if (created)
        a->id = id;
    return a;
}

static struct agg *
agg_s(struct sgw_map *m, const char *key, int64_t id, const char *city, const struct sgw_city *c)
{
    int created;
    struct agg *a = sgw_map_sput(m, key, &created);
    if (created) {
        a->id = id;
        a->city = city;
        a->c = c;
    }
    return a;
}

static void
agg_add(struct agg *a, int64_t at)
{
    if (a->reports == 0 || at < a->first)
        a->first = at;
    if (a->reports == 0 || at > a->last)
        a->last = at;
    a->reports++;
}

static void
ccity_key(char *out, size_t outsz, int64_t campaign, int64_t city_hash)
{
    snprintf(out, outsz, "%lld/%lld", (long long)campaign, (long long)city_hash);
}

static void
member(struct chunk *k, int scope, int64_t k1, int64_t k2, const char *m)
{
    if (m == NULL)
        return;
    PUSH(k->mrows, k->nmrows, k->capmrows,
         ((struct mrow){k1, k2, sgw_cluster_member_key(m), (int16_t)scope, 0}));
}

static int
cmp_mrow(const void *x, const void *y)
{
    const struct mrow *a = x, *b = y;
    if (a->scope != b->scope)
        return a->scope < b->scope ? -1 : 1;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2 ? -1 : 1;
    return (a->member > b->member) - (a->member < b->member);
}

static struct sgw_cluster_member_slot *
known_slot(const struct sgw_cluster_state *st, const struct mrow *r)
{
    uint64_t h = (uint64_t)r->k1 * 0x9E3779B97F4A7C15ULL ^ (uint64_t)r->k2 * 0xC2B2AE3D27D4EB4FULL ^
                 (uint64_t)r->member ^ (uint64_t)r->scope * 0x165667B19E3779F9ULL;
    h ^= h >> 29;
    return &st->known[h & (st->known_cap - 1)];
}

static int
known(const struct sgw_cluster_state *st, const struct mrow *r)
{
    if (st == NULL)
        return 0;
    const struct sgw_cluster_member_slot *s = known_slot(st, r);
    return s->scope == r->scope && s->k1 == r->k1 && s->k2 == r->k2 && s->member == r->member;
}

/* After the commit: the rows sent now exist. */
static void
remember(struct sgw_cluster_state *st, const struct chunk *k)
{
    for (size_t i = 0; i < k->nmrows; i++) {
        const struct mrow *r = &k->mrows[i];
        if (r->sent)
            *known_slot(st, r) =
                (struct sgw_cluster_member_slot){r->k1, r->k2, r->member, r->scope};
    }
}

/* Aggregates per roll-up key and inserts the distinct-member rows; the insert returns how many
 * members were new per key, which become the distinct-count increments. */
static enum sgw_status
write_members(struct sgw_db_conn *db, struct chunk *k, const struct sgw_cluster_state *st,
              char *err, size_t errsz)
{
    static const unsigned oids[] = {SGW_OID_INT2, SGW_OID_INT8, SGW_OID_INT8, SGW_OID_INT8};
    char key[200];

    for (size_t i = 0; i < k->rows.n; i++) {
        struct sgw_cluster_row *r = &k->rows.v[i];
        if (k->parts & PART_CAMPAIGNS) {
            agg_add(agg_i(k->camp, r->campaign), r->at);
            member(k, 1, r->campaign, 0, r->reporter);
            member(k, 2, r->campaign, 0, r->sender);
        }
        if ((k->parts & PART_CITIES) && r->has_city) {
            int64_t h = sgw_cluster_member_key(r->city.key);
            ccity_key(key, sizeof key, r->campaign, h);
            agg_add(agg_s(k->ccity, key, r->campaign, r->city.key, &r->city), r->at);
            agg_add(agg_s(k->city, r->city.key, 0, r->city.key, &r->city), r->at);
            *(const char **)sgw_map_iput(k->cityh, h, NULL) = r->city.key;
            member(k, 3, r->campaign, h, r->reporter);
            member(k, 4, r->campaign, h, r->sender);
            member(k, 7, 0, h, r->reporter);
            member(k, 8, 0, h, r->sender);
        }
        if ((k->parts & PART_CAMPAIGNS) && r->cluster != 0) {
            agg_add(agg_i(k->clus, r->cluster), r->at);
            member(k, 5, r->cluster, 0, r->reporter);
            member(k, 6, r->cluster, 0, r->sender);
        }
    }
    if (k->nmrows == 0)
        return SGW_OK;
    /* Sorted and without duplicates: fewer rows, and the index is walked in order. */
    qsort(k->mrows, k->nmrows, sizeof *k->mrows, cmp_mrow);
    begin_arrays(k, 4);
    for (size_t i = 0; i < k->nmrows; i++) {
        if ((i > 0 && cmp_mrow(&k->mrows[i], &k->mrows[i - 1]) == 0) || known(st, &k->mrows[i]))
            continue;
        k->mrows[i].sent = 1;
        sgw_pgarray_int2(&k->arr[0], k->mrows[i].scope);
        sgw_pgarray_int8(&k->arr[1], k->mrows[i].k1);
        sgw_pgarray_int8(&k->arr[2], k->mrows[i].k2);
        sgw_pgarray_int8(&k->arr[3], k->mrows[i].member);
    }
    if (k->arr[0].n == 0)
        return SGW_OK;
    PGresult *res = exec_arrays(db, k, SGW_STMT_cluster_members_insert, 4, oids, 0);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, "rollup_members", err, errsz);
    for (int i = 0; i < PQntuples(res); i++) {
        int scope = atoi(PQgetvalue(res, i, 0));
        int64_t k1 = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        int64_t k2 = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        const char **city = sgw_map_iget(k->cityh, k2);
        int64_t cnt = strtoll(PQgetvalue(res, i, 3), NULL, 10);
        struct agg *a = NULL;
        switch (scope) {
        case 1:
        case 2: a = sgw_map_iget(k->camp, k1); break;
        case 3:
        case 4:
            ccity_key(key, sizeof key, k1, k2);
            a = sgw_map_sget(k->ccity, key);
            break;
        case 5:
        case 6: a = sgw_map_iget(k->clus, k1); break;
        case 7:
        case 8: a = city ? sgw_map_sget(k->city, *city) : NULL; break;
        default: break;
        }
        if (a == NULL)
            continue;
        if (scope % 2 == 1)
            a->rep_inc += cnt;
        else
            a->snd_inc += cnt;
    }
    PQclear(res);
    return SGW_OK;
}

static enum sgw_status
run(struct sgw_db_conn *db, struct chunk *k, enum sgw_stmt stmt, int n, const unsigned *oids,
    const char *what, char *err, size_t errsz)
{
    PGresult *res = exec_arrays(db, k, stmt, n, oids, 0);
    if (!sgw_db_ok(res))
        return sgw_cluster_db_fail(db, res, what, err, errsz);
    PQclear(res);
    return SGW_OK;
}

static void
agg_arrays(struct chunk *k, struct sgw_map *m, int with_city, int with_place)
{
    void *v;
    size_t pos = 0;
    const char *skey;
    int64_t ikey;
    int b = 0;
    begin_arrays(k, with_place ? 11 : with_city ? 7 : 6);
    while ((pos = sgw_map_next(m, pos, &skey, &ikey, &v)) != 0) {
        struct agg *a = v;
        b = 0;
        if (with_place) {
            sgw_pgarray_text(&k->arr[b++], a->c->key);
            sgw_pgarray_text(&k->arr[b++], a->c->country);
            sgw_pgarray_text(&k->arr[b++], a->c->region);
            sgw_pgarray_text(&k->arr[b++], a->c->city);
            sgw_pgarray_text(&k->arr[b++], a->c->name);
            sgw_pgarray_int8(&k->arr[b++], sgw_cluster_member_key(a->c->key));
        } else {
            sgw_pgarray_int8(&k->arr[b++], a->id);
            if (with_city)
                sgw_pgarray_text(&k->arr[b++], a->city);
        }
        sgw_pgarray_time(&k->arr[b++], a->first);
        sgw_pgarray_time(&k->arr[b++], a->last);
        sgw_pgarray_int8(&k->arr[b++], a->reports);
        sgw_pgarray_int8(&k->arr[b++], a->rep_inc);
        sgw_pgarray_int8(&k->arr[b++], a->snd_inc);
    }
}

static enum sgw_status
write_rollups(struct sgw_db_conn *db, struct chunk *k, char *err, size_t errsz)
{
    static const unsigned camp_oids[] = {SGW_OID_INT8, SGW_OID_TIMESTAMPTZ, SGW_OID_TIMESTAMPTZ,
                                         SGW_OID_INT8, SGW_OID_INT8,        SGW_OID_INT8};
    static const unsigned cc_oids[] = {SGW_OID_INT8,        SGW_OID_TEXT, SGW_OID_TIMESTAMPTZ,
                                       SGW_OID_TIMESTAMPTZ, SGW_OID_INT8, SGW_OID_INT8,
                                       SGW_OID_INT8};
    static const unsigned city_oids[] = {SGW_OID_TEXT,        SGW_OID_TEXT,        SGW_OID_TEXT,
                                         SGW_OID_TEXT,        SGW_OID_TEXT,        SGW_OID_INT8,
                                         SGW_OID_TIMESTAMPTZ, SGW_OID_TIMESTAMPTZ, SGW_OID_INT8,
                                         SGW_OID_INT8,        SGW_OID_INT8};
    enum sgw_status st;

    if (sgw_map_count(k->camp) > 0) {
        agg_arrays(k, k->camp, 0, 0);
        if ((st = run(db, k, SGW_STMT_cluster_campaigns_upsert, 6, camp_oids, "campaigns", err,
                      errsz)) != SGW_OK)
            return st;
    }
    if (sgw_map_count(k->ccity) > 0) {
        agg_arrays(k, k->ccity, 1, 0);
        if ((st = run(db, k, SGW_STMT_cluster_campaign_cities_upsert, 7, cc_oids, "campaign_cities",
                      err, errsz)) != SGW_OK)
            return st;
    }
    if (sgw_map_count(k->clus) > 0) {
        agg_arrays(k, k->clus, 0, 0);
        if ((st = run(db, k, SGW_STMT_cluster_clusters_upsert, 6, camp_oids, "sender_clusters", err,
                      errsz)) != SGW_OK)
            return st;
    }
    if (sgw_map_count(k->city) > 0) {
        agg_arrays(k, k->city, 0, 1);
        if ((st = run(db, k, SGW_STMT_cluster_cities_upsert, 11, city_oids, "cities", err,
                      errsz)) != SGW_OK)
            return st;
    }
    return SGW_OK;
}

/* Where id ends up through the chunk's merges (next: merged id -> its survivor). A chain
 * a -> s -> t in one chunk then moves a's roll-ups once, straight to t: each merged id is
 * merged once, so the walk ends. */
static int64_t
final_id(struct sgw_map *next, int64_t id)
{
    const int64_t *n;
    while ((n = sgw_map_iget(next, id)) != NULL)
        id = *n;
    return id;
}

/* One merge statement (campaigns or sender clusters) for the chunk's merges in order, each
 * with where its survivor ends up by the chunk's end. */
static enum sgw_status
write_merges(struct sgw_db_conn *db, struct chunk *k, enum sgw_stmt stmt, const struct cmerge *mg,
             size_t n, const char *what, char *err, size_t errsz)
{
    static const unsigned oids[] = {SGW_OID_INT8, SGW_OID_INT8, SGW_OID_INT8, SGW_OID_INT8,
                                    SGW_OID_TIMESTAMPTZ};
    if (n == 0)
        return SGW_OK;
    struct sgw_map *next = sgw_map_new(sizeof(int64_t));
    for (size_t m = 0; m < n; m++)
        *(int64_t *)sgw_map_iput(next, mg[m].a, NULL) = mg[m].s;
    begin_arrays(k, 5);
    for (size_t m = 0; m < n; m++) {
        sgw_pgarray_int8(&k->arr[0], mg[m].a);
        sgw_pgarray_int8(&k->arr[1], mg[m].s);
        sgw_pgarray_int8(&k->arr[2], final_id(next, mg[m].s));
        sgw_pgarray_int8(&k->arr[3], mg[m].report);
        sgw_pgarray_time(&k->arr[4], mg[m].at);
    }
    sgw_map_free(next);
    return run(db, k, stmt, 5, oids, what, err, errsz);
}

/* ingested_at of the chunk's report id (rows are in id order). */
static int64_t
row_time(const struct chunk *k, int64_t id)
{
    size_t lo = 0, hi = k->rows.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->rows.v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < k->rows.n ? k->rows.v[lo].at : 0;
}

static enum sgw_status
write_rest(struct sgw_db_conn *db, struct chunk *k, struct sgw_senders *ss, char *err, size_t errsz)
{
    static const unsigned asg_oids[] = {SGW_OID_INT8, SGW_OID_INT8, SGW_OID_INT8, SGW_OID_TEXT};
    static const unsigned ind_oids[] = {SGW_OID_TEXT, SGW_OID_INT8, SGW_OID_INT8};
    static const unsigned rep_oids[] = {SGW_OID_INT8, SGW_OID_INT8, SGW_OID_BYTEA, SGW_OID_INT8};
    static const unsigned snd_oids[] = {SGW_OID_TEXT, SGW_OID_TEXT,        SGW_OID_INT8,
                                        SGW_OID_INT8, SGW_OID_INT8,        SGW_OID_INT4,
                                        SGW_OID_INT8, SGW_OID_TIMESTAMPTZ, SGW_OID_TIMESTAMPTZ};
    static const unsigned cl_oids[] = {SGW_OID_INT8, SGW_OID_INT8, SGW_OID_INT4};
    enum sgw_status st;
    size_t pos;

    begin_arrays(k, 4);
    for (size_t i = 0; i < k->rows.n; i++) {
        struct sgw_cluster_row *r = &k->rows.v[i];
        sgw_pgarray_int8(&k->arr[0], r->id);
        sgw_pgarray_int8(&k->arr[1], r->campaign);
        if (r->cluster)
            sgw_pgarray_int8(&k->arr[2], r->cluster);
        else
            sgw_pgarray_null(&k->arr[2]);
        sgw_pgarray_text(&k->arr[3], r->has_city ? r->city.key : NULL);
    }
    if ((st = run(db, k, SGW_STMT_cluster_assignments_insert, 4, asg_oids, "assignments", err,
                  errsz)) != SGW_OK)
        return st;

    if (k->ninds > 0) {
        begin_arrays(k, 3);
        for (size_t i = 0; i < k->ninds; i++) {
            sgw_pgarray_text(&k->arr[0], k->inds[i].tag);
            sgw_pgarray_int8(&k->arr[1], k->inds[i].campaign);
            sgw_pgarray_int8(&k->arr[2], k->inds[i].report);
        }
        if ((st = run(db, k, SGW_STMT_cluster_indicators_insert, 3, ind_oids, "indicators", err,
                      errsz)) != SGW_OK)
            return st;
    }

    if (k->nreps > 0 || k->nevicted > 0) {
        begin_arrays(k, 4);
        for (size_t i = 0; i < k->nreps; i++) {
            if (k->reps[i].dead)
                continue;
            sgw_pgarray_int8(&k->arr[0], k->reps[i].report);
            sgw_pgarray_int8(&k->arr[1], k->reps[i].campaign);
            sgw_pgarray_bytes(&k->arr[2], k->reps[i].sig, SGW_MINHASH_BYTES);
        }
        for (size_t i = 0; i < k->nevicted; i++)
            sgw_pgarray_int8(&k->arr[3], k->evicted[i]);
        if ((st = run(db, k, SGW_STMT_cluster_reps_change, 4, rep_oids, "lsh_reps", err, errsz)) !=
            SGW_OK)
            return st;
    }

    /* Senders' kinds and per-sender counts (reports, first and last seen), from the rows that
     * named them: every sender of the chunk is written, not only the dirty ones. */
    struct sgw_map *kinds = sgw_map_new(sizeof(struct sender_agg));
    for (size_t i = 0; i < k->rows.n; i++) {
        if (k->rows.v[i].sender && k->rows.v[i].kind_known) {
            struct sender_agg *sa = sgw_map_sput(kinds, k->rows.v[i].sender, NULL);
            sa->kind = k->rows.v[i].kind;
            agg_add(&sa->counts, k->rows.v[i].at);
        }
    }
    begin_arrays(k, 9);
    const char *sender;
    struct sgw_senders_row *sr;
    pos = 0;
    while ((pos = sgw_senders_next_sender(ss, pos, &sender, &sr)) != 0) {
        struct sender_agg *sa = sgw_map_sget(kinds, sender);
        if (!sr->dirty && sa == NULL)
            continue;
        sgw_pgarray_text(&k->arr[0], sender);
        sgw_pgarray_text(&k->arr[1], sa ? sa->kind : "unknown");
        sgw_pgarray_int8(&k->arr[2], sgw_cluster_member_key(sender));
        sgw_pgarray_int8(&k->arr[3], sr->cluster_id);
        sgw_pgarray_int8(&k->arr[4], sr->first_report);
        sgw_pgarray_int4(&k->arr[5], sr->unions);
        sgw_pgarray_int8(&k->arr[6], sa ? sa->counts.reports : 0);
        if (sa) {
            sgw_pgarray_time(&k->arr[7], sa->counts.first);
            sgw_pgarray_time(&k->arr[8], sa->counts.last);
        } else {
            sgw_pgarray_null(&k->arr[7]);
            sgw_pgarray_null(&k->arr[8]);
        }
    }
    sgw_map_free(kinds);
    if (k->arr[0].n > 0 && (st = run(db, k, SGW_STMT_cluster_senders_upsert, 9, snd_oids, "senders",
                                     err, errsz)) != SGW_OK)
        return st;

    begin_arrays(k, 3);
    int64_t cid;
    pos = 0;
    while ((pos = sgw_senders_next_campaign(ss, pos, &cid, &sr)) != 0) {
        if (!sr->dirty)
            continue;
        sgw_pgarray_int8(&k->arr[0], cid);
        sgw_pgarray_int8(&k->arr[1], sr->cluster_id);
        sgw_pgarray_int4(&k->arr[2], sr->unions);
    }
    if (k->arr[0].n > 0 && (st = run(db, k, SGW_STMT_cluster_campaign_clusters_set, 3, cl_oids,
                                     "campaign clusters", err, errsz)) != SGW_OK)
        return st;

    if ((st = write_merges(db, k, SGW_STMT_cluster_campaign_merges, k->merges, k->nmerges,
                           "campaign merges", err, errsz)) != SGW_OK)
        return st;
    size_t nsm;
    const struct sgw_senders_merge *sm = sgw_senders_merges(ss, &nsm);
    struct cmerge *cm = sgw_xcalloc(nsm ? nsm : 1, sizeof *cm);
    for (size_t m = 0; m < nsm; m++)
        cm[m] = (struct cmerge){sm[m].old_id, sm[m].survivor, sm[m].at_report,
                                row_time(k, sm[m].at_report)};
    st = write_merges(db, k, SGW_STMT_cluster_sender_cluster_merges, cm, nsm,
                      "sender cluster merges", err, errsz);
    free(cm);
    return st;
}

enum sgw_status
sgw_cluster_chunk(struct sgw_db_conn *db, struct sgw_cluster_state *st, int64_t upto, int max,
                  const char *region, struct sgw_chunk_stats *stats, char *err, size_t errsz)
{
    struct chunk k;
    enum sgw_status rc;
    char a[24], b[24];

    memset(&k, 0, sizeof k);
    k.parts = PART_CAMPAIGNS;
    k.repidx = sgw_map_new(sizeof(size_t));
    k.camp = sgw_map_new(sizeof(struct agg));
    k.ccity = sgw_map_new(sizeof(struct agg));
    k.clus = sgw_map_new(sizeof(struct agg));
    k.city = sgw_map_new(sizeof(struct agg));
    k.cityh = sgw_map_new(sizeof(const char *));
    stats->reports = 0;

    if (sgw_db_simple(db, "BEGIN", err, errsz) != 0) {
        rc = SGW_DATABASE;
        goto fail;
    }
    int64_t t0 = sgw_monotonic_us(), t1, t2, t3;
    if ((rc = sgw_cluster_rows_read(db, SGW_STMT_cluster_reports_read, st->watermark, upto, max,
                                    region, &k.rows, err, errsz)) != SGW_OK)
        goto fail;
    t1 = sgw_monotonic_us();
    stats->us_decide = 0;
    int64_t next_wm = (k.rows.n == (size_t)max) ? k.rows.v[k.rows.n - 1].id : upto;

    /* The fence: only the worker that read the watermark may move it. A second worker that
     * somehow ran (a lost lock session) fails here instead of writing twice. */
    snprintf(a, sizeof a, "%lld", (long long)next_wm);
    snprintf(b, sizeof b, "%lld", (long long)st->watermark);
    const char *wp[2] = {a, b};
    PGresult *res = sgw_db_exec(db, SGW_STMT_cluster_watermark_set, wp);
    if (!sgw_db_ok(res)) {
        rc = sgw_cluster_db_fail(db, res, "watermark", err, errsz);
        goto fail;
    }
    if (strcmp(PQcmdTuples(res), "1") != 0) {
        PQclear(res);
        snprintf(err, errsz, "the watermark moved under this worker");
        rc = SGW_CONFLICT;
        goto fail;
    }
    PQclear(res);

    if (k.rows.n > 0) {
        if ((rc = prefetch_indicators(db, &k, st->assign, err, errsz)) != SGW_OK)
            goto fail;
        int64_t d0 = sgw_monotonic_us();
        decide_campaigns(&k, st->assign);
        stats->us_decide += sgw_monotonic_us() - d0;
        if ((rc = prefetch_senders(db, &k, st->senders, err, errsz)) != SGW_OK)
            goto fail;
        d0 = sgw_monotonic_us();
        decide_clusters(&k, st->senders);
        stats->us_decide += sgw_monotonic_us() - d0;
        if ((rc = write_members(db, &k, st, err, errsz)) != SGW_OK ||
            (rc = write_rollups(db, &k, err, errsz)) != SGW_OK ||
            (rc = write_rest(db, &k, st->senders, err, errsz)) != SGW_OK)
            goto fail;
    }
    t2 = sgw_monotonic_us();
    if (sgw_db_simple(db, "COMMIT", err, errsz) != 0) {
        rc = SGW_DATABASE;
        goto fail;
    }
    t3 = sgw_monotonic_us();
    stats->us_read = t1 - t0;
    stats->us_write = t2 - t1 - stats->us_decide;
    stats->us_commit = t3 - t2;
    st->watermark = next_wm;
    remember(st, &k);
    stats->reports = k.rows.n;
    stats->ingested = sgw_xrealloc(stats->ingested, (k.rows.n ? k.rows.n : 1) * sizeof(int64_t));
    for (size_t i = 0; i < k.rows.n; i++)
        stats->ingested[i] = k.rows.v[i].at;
    stats->last_ingested = k.rows.n ? k.rows.v[k.rows.n - 1].at : 0;
    /* The caches only served this chunk: the database holds them for the next one. */
    sgw_assign_indicators_clear(st->assign);
    sgw_senders_clear_rows(st->senders);
    sgw_senders_merges_reset(st->senders);
    chunk_fini(&k);
    return SGW_OK;
fail:
    if (sgw_db_alive(db) && PQtransactionStatus(db->pg) != PQTRANS_IDLE)
        sgw_db_simple(db, "ROLLBACK", NULL, 0);
    chunk_fini(&k);
    return rc;
}

enum sgw_status
sgw_cluster_city_rollups(struct sgw_db_conn *db, const struct sgw_cluster_rows *rows, char *err,
                         size_t errsz)
{
    struct chunk k;
    enum sgw_status rc;

    memset(&k, 0, sizeof k);
    k.parts = PART_CITIES;
    k.rows = *rows; /* borrowed: handed back before chunk_fini */
    k.repidx = sgw_map_new(sizeof(size_t));
    k.camp = sgw_map_new(sizeof(struct agg));
    k.ccity = sgw_map_new(sizeof(struct agg));
    k.clus = sgw_map_new(sizeof(struct agg));
    k.city = sgw_map_new(sizeof(struct agg));
    k.cityh = sgw_map_new(sizeof(const char *));
    if ((rc = write_members(db, &k, NULL, err, errsz)) == SGW_OK)
        rc = write_rollups(db, &k, err, errsz);
    memset(&k.rows, 0, sizeof k.rows);
    chunk_fini(&k);
    return rc;
}
