/* The read API's roll-ups of one chunk (see facts.h): aggregated in memory per key, then one
 * upsert of binary arrays per table. It must never write a value that depends on the clock or
 * on where the chunk began: hour buckets come from ingested_at, samples from report ids. */
#include "gateway/cluster/facts.h"

#include "gateway/common/log.h"
#include "gateway/common/timeutil.h"

#include "db/pgarray.h"
#include "gateway/cluster/maps.h"
#include "gateway/common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_US 3600000000LL

enum { FACET_SENDER = 1, FACET_TAG = 2, FACET_COUNTRY = 3, FACET_CHANNEL = 4 };

struct hour_agg {
    int64_t campaign, hour, reports;
};

struct facet_agg {
    int64_t campaign;
    int kind;
    const char *key; /* borrowed from the report */
    int64_t first, last, reports;
};

struct sample_agg {
    int64_t first, last;
};

struct sgw_facts {
    struct sgw_map *hours, *facets, *samples;
    char *kbuf;
    size_t kcap;
    struct sgw_pgarray arr[6];
};

struct sgw_facts *
sgw_facts_new(void)
{
    struct sgw_facts *f = sgw_xcalloc(1, sizeof *f);
    f->hours = sgw_map_new(sizeof(struct hour_agg));
    f->facets = sgw_map_new(sizeof(struct facet_agg));
    f->samples = sgw_map_new(sizeof(struct sample_agg));
    return f;
}

void
sgw_facts_free(struct sgw_facts *f)
{
    if (f == NULL)
        return;
    sgw_map_free(f->hours);
    sgw_map_free(f->facets);
    sgw_map_free(f->samples);
    for (size_t i = 0; i < sizeof f->arr / sizeof f->arr[0]; i++)
        sgw_pgarray_fini(&f->arr[i]);
    free(f->kbuf);
    free(f);
}

/* "campaign kind key" as one map key, in f's reusable buffer. */
static const char *
facet_key(struct sgw_facts *f, int64_t campaign, int kind, const char *key)
{
    size_t need = strlen(key) + 48;
    if (need > f->kcap) {
        f->kcap = need * 2;
        f->kbuf = sgw_xrealloc(f->kbuf, f->kcap);
    }
    snprintf(f->kbuf, f->kcap, "%lld\x1f%d\x1f%s", (long long)campaign, kind, key);
    return f->kbuf;
}

static void
facet_add(struct sgw_facts *f, int64_t campaign, int kind, const char *key, int64_t at)
{
    int created;
    if (key == NULL || key[0] == '\0')
        return;
    struct facet_agg *a = sgw_map_sput(f->facets, facet_key(f, campaign, kind, key), &created);
    if (created) {
        a->campaign = campaign;
        a->kind = kind;
        a->key = key;
        a->first = a->last = at;
    }
    if (at < a->first)
        a->first = at;
    if (at > a->last)
        a->last = at;
    a->reports++;
}

void
sgw_facts_add(struct sgw_facts *f, const struct sgw_facts_report *r)
{
    char hk[48];
    int created;
    int64_t hour = r->at - ((r->at % HOUR_US) + HOUR_US) % HOUR_US;

    snprintf(hk, sizeof hk, "%lld/%lld", (long long)r->campaign, (long long)hour);
    struct hour_agg *h = sgw_map_sput(f->hours, hk, &created);
    h->campaign = r->campaign;
    h->hour = hour;
    h->reports++;

    struct sample_agg *s = sgw_map_iput(f->samples, r->campaign, &created);
    if (created || r->id < s->first)
        s->first = r->id;
    if (created || r->id > s->last)
        s->last = r->id;

    facet_add(f, r->campaign, FACET_SENDER, r->sender, r->at);
    facet_add(f, r->campaign, FACET_COUNTRY, r->country, r->at);
    facet_add(f, r->campaign, FACET_CHANNEL, r->channel, r->at);
    for (size_t t = 0; t < r->ntags; t++) {
        int seen = 0; /* a tag counts once per report */
        for (size_t u = 0; u < t && !seen; u++)
            seen = strcmp(r->tags[u], r->tags[t]) == 0;
        if (!seen)
            facet_add(f, r->campaign, FACET_TAG, r->tags[t], r->at);
    }
}

static enum sgw_status
run(struct sgw_db_conn *db, struct sgw_facts *f, enum sgw_stmt stmt, int n, const unsigned *oids,
    const char *what, char *err, size_t errsz)
{
    const char *params[6];
    int lengths[6], formats[6];
    for (int i = 0; i < n; i++) {
        sgw_pgarray_finish(&f->arr[i], oids[i]);
        params[i] = f->arr[i].p;
        lengths[i] = (int)f->arr[i].len;
        formats[i] = 1;
    }
    int64_t t0 = sgw_monotonic_us();
    PGresult *res = sgw_db_exec_params(db, stmt, params, lengths, formats);
    sgw_debug("event=cluster_stmt stmt=%s rows=%zu us=%lld", sgw_db_stmt_name(stmt),
              n > 0 ? f->arr[0].n : 0, (long long)(sgw_monotonic_us() - t0));
    if (!sgw_db_ok(res)) {
        char msg[256];
        sgw_db_error(db, res, msg, sizeof msg);
        snprintf(err, errsz, "%s: %s", what, msg);
        PQclear(res);
        return SGW_DATABASE;
    }
    PQclear(res);
    return SGW_OK;
}

static void
begin(struct sgw_facts *f, int n)
{
    for (int i = 0; i < n; i++)
        sgw_pgarray_begin(&f->arr[i]);
}

enum sgw_status
sgw_facts_write(struct sgw_db_conn *db, struct sgw_facts *f, char *err, size_t errsz)
{
    static const unsigned hour_oids[] = {SGW_OID_INT8, SGW_OID_TIMESTAMPTZ, SGW_OID_INT8};
    static const unsigned facet_oids[] = {SGW_OID_INT8,        SGW_OID_INT2,        SGW_OID_TEXT,
                                          SGW_OID_TIMESTAMPTZ, SGW_OID_TIMESTAMPTZ, SGW_OID_INT8};
    static const unsigned sample_oids[] = {SGW_OID_INT8, SGW_OID_INT8, SGW_OID_INT8};
    enum sgw_status st;
    size_t pos = 0;
    const char *skey;
    int64_t ikey;
    void *v;

    if (sgw_map_count(f->samples) == 0)
        return SGW_OK;
    begin(f, 3);
    while ((pos = sgw_map_next(f->hours, pos, &skey, &ikey, &v)) != 0) {
        const struct hour_agg *h = v;
        sgw_pgarray_int8(&f->arr[0], h->campaign);
        sgw_pgarray_time(&f->arr[1], h->hour);
        sgw_pgarray_int8(&f->arr[2], h->reports);
    }
    if ((st = run(db, f, SGW_STMT_cluster_hours_upsert, 3, hour_oids, "campaign_hours", err,
                  errsz)) != SGW_OK)
        return st;

    if (sgw_map_count(f->facets) > 0) {
        begin(f, 6);
        pos = 0;
        while ((pos = sgw_map_next(f->facets, pos, &skey, &ikey, &v)) != 0) {
            const struct facet_agg *a = v;
            sgw_pgarray_int8(&f->arr[0], a->campaign);
            sgw_pgarray_int2(&f->arr[1], (int16_t)a->kind);
            sgw_pgarray_text(&f->arr[2], a->key);
            sgw_pgarray_time(&f->arr[3], a->first);
            sgw_pgarray_time(&f->arr[4], a->last);
            sgw_pgarray_int8(&f->arr[5], a->reports);
        }
        if ((st = run(db, f, SGW_STMT_cluster_facets_upsert, 6, facet_oids, "campaign_facets", err,
                      errsz)) != SGW_OK)
            return st;
    }

    begin(f, 3);
    pos = 0;
    while ((pos = sgw_map_next(f->samples, pos, &skey, &ikey, &v)) != 0) {
        const struct sample_agg *s = v;
        sgw_pgarray_int8(&f->arr[0], ikey);
        sgw_pgarray_int8(&f->arr[1], s->first);
        sgw_pgarray_int8(&f->arr[2], s->last);
    }
    return run(db, f, SGW_STMT_cluster_samples_upsert, 3, sample_oids, "campaign_samples", err,
               errsz);
}
