/* The worker thread: connect, take the advisory lock (or wait as a hot standby, retrying every
 * second), rebuild the in-memory state from the database, then follow the reports table.
 *
 * Exact follow: a report's id is taken inside its inserting transaction after that
 * transaction has an xid (schema 001). The horizon statement reads the sequence's last_value
 * L and then takes an xid M of its own; every report with id <= L got its xid before, so it
 * is below M. Once the oldest running xid is >= M (polled every few ms) every such report is
 * committed and visible, or will never exist, and (watermark, L] can be processed in id
 * order. The watermark moves in the same transaction as the chunk's updates.
 *
 * The lock lives on the session the work runs on: if that session dies the lock goes with it,
 * and this worker, seeing the error, drops its state, reconnects and competes again. The
 * watermark update is also a fence (it names the old value), so a stale worker can never
 * write a chunk twice. It must never keep working after any database error: the state in
 * memory is then ahead of or behind the database, so it is rebuilt. */
#include "gateway/cluster/worker.h"

#include "db/db.h"
#include "gateway/cluster/chunk.h"
#include "gateway/cluster/facts_follow.h"
#include "gateway/common/config.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/metrics.h"
#include "gateway/common/sleeper.h"
#include "gateway/common/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOCK_RETRY_MS 1000
#define XMIN_POLL_MS 2
#define BACKOFF_MAX_MS 5000

struct sgw_cluster {
    struct sgw_cluster_config cfg;
    char *url, *region;
    pthread_t thread;
    int started;
    struct sgw_sleeper sleep;
    atomic_int active;
    atomic_llong watermark;
    struct sgw_db_conn *db;
    struct sgw_cluster_state st;
    int loaded;
    struct sgw_chunk_stats stats;
    struct sgw_facts_follow *facts; /* the second connection: the read API's roll-ups */
};

void
sgw_cluster_config_default(struct sgw_cluster_config *c)
{
    memset(c, 0, sizeof *c);
    c->chunk = 20000;
    c->poll_ms = 20;
    sgw_assign_config_default(&c->assign);
    sgw_senders_config_default(&c->senders);
}

struct sgw_cluster *
sgw_cluster_new(const struct sgw_cluster_config *cfg)
{
    struct sgw_cluster *c = sgw_xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->url = sgw_xstrdup(cfg->url);
    c->region = sgw_xstrdup(cfg->region);
    c->cfg.url = c->url;
    c->cfg.region = c->region;
    sgw_sleeper_init(&c->sleep);
    return c;
}

long
sgw_cluster_active(void *c)
{
    return atomic_load(&((struct sgw_cluster *)c)->active);
}

int64_t
sgw_cluster_watermark(const struct sgw_cluster *c)
{
    return atomic_load(&((struct sgw_cluster *)c)->watermark);
}

int64_t
sgw_cluster_facts_watermark(const struct sgw_cluster *c)
{
    return c->facts ? sgw_facts_follow_watermark(c->facts) : 0;
}

static int
nap(struct sgw_cluster *c, long ms)
{
    return sgw_sleeper_nap(&c->sleep, ms);
}

static int
stopping(struct sgw_cluster *c)
{
    return sgw_sleeper_stopped(&c->sleep);
}

static void
drop(struct sgw_cluster *c)
{
    if (atomic_load(&c->active))
        sgw_info("event=cluster_released");
    sgw_db_close(c->db);
    c->db = NULL;
    sgw_cluster_state_fini(&c->st);
    c->loaded = 0;
    atomic_store(&c->active, 0);
    sgw_metrics_cluster_active(0);
}

/* 1 when this session holds the lock, 0 when another does, -1 on error. */
static int
try_lock(struct sgw_cluster *c)
{
    PGresult *res = sgw_db_exec(c->db, SGW_STMT_cluster_lock, NULL);
    int rc = -1;
    if (sgw_db_ok(res) && PQntuples(res) == 1)
        rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return rc;
}

static int
load(struct sgw_cluster *c)
{
    char err[512];
    int64_t t0 = sgw_monotonic_us();
    if (sgw_cluster_state_load(c->db, &c->st, &c->cfg.assign, &c->cfg.senders, err, sizeof err) !=
        SGW_OK) {
        sgw_warn("event=cluster_load_failed error=\"%s\"", err);
        return -1;
    }
    c->loaded = 1;
    atomic_store(&c->watermark, c->st.watermark);
    sgw_info("event=cluster_loaded watermark=%lld reps=%zu state_bytes=%zu ms=%lld",
             (long long)c->st.watermark, sgw_assign_reps(c->st.assign),
             sgw_assign_bytes(c->st.assign), (long long)((sgw_monotonic_us() - t0) / 1000));
    return 0;
}

/* Reads the horizon: *upto = last id issued; *xid = our xid when there is new work ("" when
 * not). 0 or -1. */
static int
horizon(struct sgw_cluster *c, int64_t *upto, char *xid, size_t xidsz)
{
    char wm[24];
    snprintf(wm, sizeof wm, "%lld", (long long)c->st.watermark);
    const char *params[1] = {wm};
    PGresult *res = sgw_db_exec(c->db, SGW_STMT_cluster_horizon, params);
    if (!sgw_db_ok(res) || PQntuples(res) != 1) {
        char err[256];
        sgw_db_error(c->db, res, err, sizeof err);
        sgw_warn("event=cluster_horizon_failed error=\"%s\"", err);
        PQclear(res);
        return -1;
    }
    *upto = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(xid, xidsz, "%s", PQgetisnull(res, 0, 1) ? "" : PQgetvalue(res, 0, 1));
    PQclear(res);
    return 0;
}

/* Waits until every transaction older than xid has ended. 0, 1 when stopping, -1 on error. */
static int
wait_xmin(struct sgw_cluster *c, const char *xid)
{
    const char *params[1] = {xid};
    for (;;) {
        PGresult *res = sgw_db_exec(c->db, SGW_STMT_cluster_xmin_passed, params);
        if (!sgw_db_ok(res) || PQntuples(res) != 1) {
            PQclear(res);
            return -1;
        }
        int passed = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        if (passed)
            return 0;
        if (nap(c, XMIN_POLL_MS))
            return 1;
    }
}

/* Processes everything up to upto; returns reports assigned, or -1 on error (state dropped). */
static long
catch_up_to(struct sgw_cluster *c, int64_t upto)
{
    char err[512];
    long total = 0;
    while (c->st.watermark < upto) {
        int64_t t0 = sgw_monotonic_us();
        enum sgw_status st = sgw_cluster_chunk(c->db, &c->st, upto, c->cfg.chunk, c->cfg.region,
                                               &c->stats, err, sizeof err);
        if (st != SGW_OK) {
            sgw_warn("event=cluster_chunk_failed status=%s error=\"%s\"", sgw_status_name(st), err);
            return -1;
        }
        int64_t now = sgw_now_us();
        sgw_metrics_cluster_assigned(c->stats.ingested, c->stats.reports, now);
        atomic_store(&c->watermark, c->st.watermark);
        total += (long)c->stats.reports;
        sgw_debug("event=cluster_chunk reports=%zu watermark=%lld ms=%lld read_ms=%lld "
                  "decide_ms=%lld write_ms=%lld commit_ms=%lld",
                  c->stats.reports, (long long)c->st.watermark,
                  (long long)((sgw_monotonic_us() - t0) / 1000),
                  (long long)(c->stats.us_read / 1000), (long long)(c->stats.us_decide / 1000),
                  (long long)(c->stats.us_write / 1000), (long long)(c->stats.us_commit / 1000));
        if (stopping(c))
            break;
    }
    return total;
}

/* One round of the follow loop: -1 on error, 0 idle, 1 work done. */
static int
follow_once(struct sgw_cluster *c)
{
    int64_t upto;
    char xid[32];
    if (horizon(c, &upto, xid, sizeof xid) != 0)
        return -1;
    if (upto <= c->st.watermark || xid[0] == '\0') {
        sgw_metrics_cluster_lag(0);
        return 0;
    }
    int w = wait_xmin(c, xid);
    if (w != 0)
        return w < 0 ? -1 : 0;
    return catch_up_to(c, upto) < 0 ? -1 : 1;
}

static int
ensure_ready(struct sgw_cluster *c, int *backoff_ms, int standby_logged[1])
{
    char err[512];
    if (c->db == NULL) {
        c->db = sgw_db_connect(c->url, 600000, err, sizeof err);
        if (c->db == NULL) {
            *backoff_ms = *backoff_ms ? *backoff_ms * 2 : 100;
            if (*backoff_ms > BACKOFF_MAX_MS)
                *backoff_ms = BACKOFF_MAX_MS;
            sgw_warn("event=cluster_connect_failed retry_ms=%d error=\"%s\"", *backoff_ms, err);
            return -1;
        }
        *backoff_ms = 0;
    }
    if (!atomic_load(&c->active)) {
        int l = try_lock(c);
        if (l < 0) {
            drop(c);
            return -1;
        }
        if (l == 0) {
            if (!standby_logged[0])
                sgw_info("event=cluster_standby (another worker holds the lock)");
            standby_logged[0] = 1;
            *backoff_ms = LOCK_RETRY_MS;
            return -1;
        }
        standby_logged[0] = 0;
        atomic_store(&c->active, 1);
        sgw_metrics_cluster_active(1);
        sgw_info("event=cluster_lock_acquired");
    }
    if (!c->loaded && load(c) != 0) {
        drop(c);
        *backoff_ms = 1000;
        return -1;
    }
    return 0;
}

static void *
thread_main(void *arg)
{
    struct sgw_cluster *c = arg;
    int backoff_ms = 0, standby_logged = 0;

    while (!stopping(c)) {
        if (ensure_ready(c, &backoff_ms, &standby_logged) != 0) {
            nap(c, backoff_ms ? backoff_ms : 100);
            continue;
        }
        int r = follow_once(c);
        if (r < 0) {
            drop(c);
            nap(c, 500);
        } else if (r == 0) {
            nap(c, c->cfg.poll_ms);
        }
    }
    drop(c);
    return NULL;
}

int
sgw_cluster_start(struct sgw_cluster *c)
{
    c->facts = sgw_facts_follow_new(c->url, c->region, c->cfg.chunk, c->cfg.poll_ms, &c->active,
                                    &c->watermark);
    if (sgw_facts_follow_start(c->facts) != 0)
        goto fail;
    if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
        sgw_error("event=thread_create_failed what=cluster errno=%d", errno);
        goto fail;
    }
    c->started = 1;
    return 0;
fail:
    sgw_facts_follow_free(c->facts);
    c->facts = NULL;
    return -1;
}

void
sgw_cluster_stop(struct sgw_cluster *c)
{
    if (c == NULL || !c->started)
        return;
    sgw_sleeper_stop(&c->sleep);
    pthread_join(c->thread, NULL);
    c->started = 0;
    sgw_facts_follow_stop(c->facts);
}

void
sgw_cluster_free(struct sgw_cluster *c)
{
    if (c == NULL)
        return;
    sgw_cluster_stop(c);
    sgw_facts_follow_free(c->facts);
    drop(c);
    free(c->stats.ingested);
    free(c->url);
    free(c->region);
    sgw_sleeper_destroy(&c->sleep);
    free(c);
}

void
sgw_cluster_config_from(const struct sgw_config *cfg, const char *region,
                        struct sgw_cluster_config *out)
{
    sgw_cluster_config_default(out);
    out->url = cfg->database_url;
    out->region = region;
    out->chunk = (int)cfg->cluster_chunk;
    out->assign.threshold = (double)cfg->cluster_similarity / 100.0;
    out->assign.max_reps = (size_t)cfg->cluster_max_reps;
}
