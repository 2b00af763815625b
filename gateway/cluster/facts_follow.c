/* The facts follower thread and its chunk (facts_follow.h). */
#include "gateway/cluster/facts_follow.h"

#include "gateway/cluster/chunk.h"
#include "gateway/cluster/facts.h"
#include "gateway/cluster/rows.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/metrics.h"
#include "gateway/common/sleeper.h"
#include "gateway/common/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDLE_MS 100
#define RETRY_MS 500
#define BACKOFF_MAX_MS 5000

enum sgw_status
sgw_facts_follow_chunk(struct sgw_db_conn *db, int64_t *watermark, int64_t upto, int max,
                       const char *region, size_t *n, char *err, size_t errsz)
{
    struct sgw_cluster_rows rows;
    struct sgw_facts *facts = NULL;
    enum sgw_status rc;
    PGresult *res;
    char a[24], b[24];

    memset(&rows, 0, sizeof rows);
    *n = 0;
    if (sgw_db_simple(db, "BEGIN", err, errsz) != 0) {
        rc = SGW_DATABASE;
        goto fail;
    }
    if ((rc = sgw_cluster_rows_read(db, SGW_STMT_facts_reports_read, *watermark, upto, max, region,
                                    &rows, err, errsz)) != SGW_OK)
        goto fail;
    int64_t next = rows.n == (size_t)max ? rows.v[rows.n - 1].id : upto;

    /* The fence, first: a second follower waits here for this one's commit, then finds the
     * watermark moved and writes nothing. */
    snprintf(a, sizeof a, "%lld", (long long)next);
    snprintf(b, sizeof b, "%lld", (long long)*watermark);
    const char *wp[2] = {a, b};
    res = sgw_db_exec(db, SGW_STMT_facts_watermark_set, wp);
    if (!sgw_db_ok(res)) {
        rc = sgw_cluster_db_fail(db, res, "facts watermark", err, errsz);
        goto fail;
    }
    if (strcmp(PQcmdTuples(res), "1") != 0) {
        PQclear(res);
        snprintf(err, errsz, "the facts watermark moved under this follower");
        rc = SGW_CONFLICT;
        goto fail;
    }
    PQclear(res);

    /* Keyed by the campaign as assigned; the merges below move them as they moved since. */
    facts = sgw_facts_new();
    for (size_t i = 0; i < rows.n; i++) {
        const struct sgw_cluster_row *r = &rows.v[i];
        struct sgw_facts_report fr = {
            r->id,     r->campaign, r->at,   r->channel, sgw_cluster_row_country(r),
            r->sender, r->tags,     r->ntags};
        sgw_facts_add(facts, &fr);
    }
    if (rows.n > 0 && ((rc = sgw_facts_write(db, facts, err, errsz)) != SGW_OK ||
                       (rc = sgw_cluster_city_rollups(db, &rows, err, errsz)) != SGW_OK))
        goto fail;
    const char *mp[2] = {b, a}; /* the merges made by reports in (old, new] */
    res = sgw_db_exec(db, SGW_STMT_facts_merges_apply, mp);
    if (!sgw_db_ok(res)) {
        rc = sgw_cluster_db_fail(db, res, "facts merges", err, errsz);
        goto fail;
    }
    PQclear(res);
    if (sgw_db_simple(db, "COMMIT", err, errsz) != 0) {
        rc = SGW_DATABASE;
        goto fail;
    }
    *watermark = next;
    *n = rows.n;
    sgw_facts_free(facts);
    sgw_cluster_rows_fini(&rows);
    return SGW_OK;
fail:
    if (sgw_db_alive(db) && PQtransactionStatus(db->pg) != PQTRANS_IDLE)
        sgw_db_simple(db, "ROLLBACK", NULL, 0);
    sgw_facts_free(facts);
    sgw_cluster_rows_fini(&rows);
    return rc;
}

struct sgw_facts_follow {
    char *url, *region;
    int chunk, poll_ms;
    const atomic_int *active;
    const atomic_llong *upto;
    pthread_t thread;
    int started;
    struct sgw_sleeper sleep;
    struct sgw_db_conn *db;
    int loaded; /* watermark read from the database on this connection */
    atomic_llong watermark;
};

struct sgw_facts_follow *
sgw_facts_follow_new(const char *url, const char *region, int chunk, int poll_ms,
                     const atomic_int *active, const atomic_llong *upto)
{
    struct sgw_facts_follow *f = sgw_xcalloc(1, sizeof *f);
    f->url = sgw_xstrdup(url);
    f->region = sgw_xstrdup(region);
    f->chunk = chunk;
    f->poll_ms = poll_ms;
    f->active = active;
    f->upto = upto;
    sgw_sleeper_init(&f->sleep);
    return f;
}

int64_t
sgw_facts_follow_watermark(const struct sgw_facts_follow *f)
{
    return atomic_load(&((struct sgw_facts_follow *)f)->watermark);
}

static int
nap(struct sgw_facts_follow *f, long ms)
{
    return sgw_sleeper_nap(&f->sleep, ms);
}

static void
drop(struct sgw_facts_follow *f)
{
    sgw_db_close(f->db);
    f->db = NULL;
    f->loaded = 0;
}

/* Connects and reads the watermark when needed: 0, or -1 with *backoff_ms set. */
static int
ensure_ready(struct sgw_facts_follow *f, int *backoff_ms)
{
    char err[512];
    if (f->db == NULL) {
        f->db = sgw_db_connect(f->url, 600000, err, sizeof err);
        if (f->db == NULL) {
            *backoff_ms = *backoff_ms ? *backoff_ms * 2 : 100;
            if (*backoff_ms > BACKOFF_MAX_MS)
                *backoff_ms = BACKOFF_MAX_MS;
            sgw_warn("event=cluster_facts_connect_failed retry_ms=%d error=\"%s\"", *backoff_ms,
                     err);
            return -1;
        }
        *backoff_ms = 0;
    }
    if (!f->loaded) {
        PGresult *res = sgw_db_exec(f->db, SGW_STMT_facts_state_get, NULL);
        if (!sgw_db_ok(res) || PQntuples(res) != 1) {
            sgw_db_error(f->db, res, err, sizeof err);
            sgw_warn("event=cluster_facts_load_failed error=\"%s\"", err);
            PQclear(res);
            drop(f);
            *backoff_ms = RETRY_MS;
            return -1;
        }
        atomic_store(&f->watermark, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
        PQclear(res);
        f->loaded = 1;
    }
    return 0;
}

static void *
thread_main(void *arg)
{
    struct sgw_facts_follow *f = arg;
    int backoff_ms = 0;
    char err[512];

    while (!sgw_sleeper_stopped(&f->sleep)) {
        if (!atomic_load(f->active)) {
            drop(f); /* the lock holder's follower does the work */
            nap(f, IDLE_MS);
            continue;
        }
        if (ensure_ready(f, &backoff_ms) != 0) {
            nap(f, backoff_ms);
            continue;
        }
        int64_t wm = atomic_load(&f->watermark), upto = atomic_load(f->upto);
        sgw_metrics_cluster_facts_behind(upto - wm);
        if (wm >= upto) {
            nap(f, f->poll_ms);
            continue;
        }
        size_t n;
        int64_t t0 = sgw_monotonic_us();
        enum sgw_status st =
            sgw_facts_follow_chunk(f->db, &wm, upto, f->chunk, f->region, &n, err, sizeof err);
        if (st != SGW_OK) {
            sgw_warn("event=cluster_facts_chunk_failed status=%s error=\"%s\"", sgw_status_name(st),
                     err);
            drop(f);
            nap(f, RETRY_MS);
            continue;
        }
        atomic_store(&f->watermark, wm);
        sgw_debug("event=cluster_facts_chunk reports=%zu watermark=%lld ms=%lld", n, (long long)wm,
                  (long long)((sgw_monotonic_us() - t0) / 1000));
    }
    drop(f);
    return NULL;
}

int
sgw_facts_follow_start(struct sgw_facts_follow *f)
{
    if (pthread_create(&f->thread, NULL, thread_main, f) != 0) {
        sgw_error("event=thread_create_failed what=cluster_facts errno=%d", errno);
        return -1;
    }
    f->started = 1;
    return 0;
}

void
sgw_facts_follow_stop(struct sgw_facts_follow *f)
{
    if (f == NULL || !f->started)
        return;
    sgw_sleeper_stop(&f->sleep);
    pthread_join(f->thread, NULL);
    f->started = 0;
}

void
sgw_facts_follow_free(struct sgw_facts_follow *f)
{
    if (f == NULL)
        return;
    sgw_facts_follow_stop(f);
    drop(f);
    free(f->url);
    free(f->region);
    sgw_sleeper_destroy(&f->sleep);
    free(f);
}
