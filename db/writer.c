/* Group commit. Writer threads take up to batch_max queued reports, insert them with one
 * statement of binary arrays in one transaction, and only after the commit succeeds call each
 * report's done callback. It must never call done(SGW_OK) for a report whose commit is not
 * confirmed, and never block the HTTP threads: submit only takes the queue lock.
 *
 * Measured on 2 cores (wrk, 64 connections): one INSERT ... SELECT FROM unnest(arrays) per
 * batch (one round trip, autocommit) beat COPY (two round trips: COPY, then data) by about
 * 1.4x, so COPY is not used. Ids come from report_ids_next() inside the inserting transaction
 * (see schema 001 and 011), which the cluster worker relies on to follow reports exactly.
 * Writers take turns rather than splitting the queue (see may_take): fewer, larger commits. */
#include "db/writer.h"

#include "db/db.h"
#include "db/pace.h"
#include "db/pgarray.h"
#include "db/report_rows.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/metrics.h"
#include "gateway/common/timeutil.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCOLS SGW_DB_REPORT_COLS
#define BACKOFF_MIN_US 100000
#define BACKOFF_MAX_US 2000000
#define OVERLAP_MIN 32
#define OVERLAP_WAIT_US 2000

struct item {
    struct sgw_report *report; /* NULL for a job */
    sgw_db_job_fn job;
    sgw_db_done_fn done;
    void *arg;
    sgw_db_batch_fn batch; /* a batch job (job and report NULL) */
};

struct worker {
    struct sgw_db_writer *w;
    int index;
    pthread_t thread;
    struct sgw_db_conn *conn;
    int64_t backoff_us, retry_at;
    struct item *batch;
    struct item *jobs; /* jobs split off the current batch */
    size_t njobs;
    struct sgw_pgarray cols[NCOLS]; /* binary array parameters of one batch */
};

struct sgw_db_writer {
    struct sgw_db_writer_config cfg;
    char *url;
    pthread_mutex_t mu;
    pthread_cond_t nonempty;
    struct item *ring;
    size_t head, count;
    size_t inflight;     /* writers between taking a batch and finishing it */
    int64_t taken_at_us; /* monotonic µs when a writer last took a batch */
    int stopping;
    atomic_int connected; /* writers holding a live connection */
    atomic_long depth;
    atomic_llong busy_at_us; /* monotonic µs of the last large batch; 0 = never (see pace.h) */
    struct worker *workers;
    int started;
};

struct sgw_db_writer *
sgw_db_writer_new(const struct sgw_db_writer_config *cfg)
{
    struct sgw_db_writer *w = sgw_xcalloc(1, sizeof *w);
    w->cfg = *cfg;
    w->url = sgw_xstrdup(cfg->url);
    w->cfg.url = w->url;
    w->ring = sgw_xcalloc((size_t)cfg->capacity, sizeof(struct item));
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->nonempty, &ca);
    pthread_condattr_destroy(&ca);
    w->workers = sgw_xcalloc((size_t)cfg->writers, sizeof(struct worker));
    return w;
}

static enum sgw_status
enqueue(struct sgw_db_writer *w, struct item it)
{
    enum sgw_status st = SGW_OK;

    if (atomic_load_explicit(&w->connected, memory_order_relaxed) == 0)
        return SGW_DATABASE;
    pthread_mutex_lock(&w->mu);
    if (w->stopping || w->count == (size_t)w->cfg.capacity) {
        st = SGW_BUSY;
    } else {
        size_t tail = (w->head + w->count) % (size_t)w->cfg.capacity;
        w->ring[tail] = it;
        w->count++;
        atomic_store_explicit(&w->depth, (long)w->count, memory_order_relaxed);
        /* Only when a waiting writer may take it now (see may_take) or, for the first report
         * behind a batch in flight, must start counting OVERLAP_WAIT_US: a wake-up per report
         * while one batch is in flight would be a context switch for nothing. */
        if (w->inflight == 0 || w->count == 1 || w->count == OVERLAP_MIN)
            pthread_cond_signal(&w->nonempty);
    }
    pthread_mutex_unlock(&w->mu);
    return st;
}

enum sgw_status
sgw_db_writer_submit(struct sgw_db_writer *w, struct sgw_report *r, sgw_db_done_fn done, void *arg)
{
    return enqueue(w, (struct item){r, NULL, done, arg, NULL});
}

enum sgw_status
sgw_db_writer_submit_job(struct sgw_db_writer *w, sgw_db_job_fn job, sgw_db_done_fn done, void *arg)
{
    return enqueue(w, (struct item){NULL, job, done, arg, NULL});
}

enum sgw_status
sgw_db_writer_submit_batch(struct sgw_db_writer *w, sgw_db_batch_fn fn, sgw_db_done_fn done,
                           void *arg)
{
    return enqueue(w, (struct item){NULL, NULL, done, arg, fn});
}

long
sgw_db_writer_depth(void *w)
{
    return atomic_load(&((struct sgw_db_writer *)w)->depth);
}

int
sgw_db_writer_up(const struct sgw_db_writer *w)
{
    return atomic_load(&((struct sgw_db_writer *)w)->connected) > 0;
}

int
sgw_db_writer_busy_at(const struct sgw_db_writer *w, int64_t now_us)
{
    struct sgw_db_writer *m = (struct sgw_db_writer *)w; /* atomic loads take non-const */
    return sgw_db_pace_intake_busy(atomic_load_explicit(&m->depth, memory_order_relaxed),
                                   atomic_load_explicit(&m->busy_at_us, memory_order_relaxed),
                                   now_us);
}

int
sgw_db_writer_busy(const struct sgw_db_writer *w)
{
    return sgw_db_writer_busy_at(w, sgw_monotonic_us());
}

/* A batch of n, with left still queued behind it: large (or more waiting than one commit
 * takes) marks intake busy. One relaxed store per batch, no lock. */
static void
note_batch(struct sgw_db_writer *w, size_t n, size_t left)
{
    if (n >= SGW_DB_PACE_BUSY_BATCH || left > 0)
        atomic_store_explicit(&w->busy_at_us, sgw_monotonic_us(), memory_order_relaxed);
}

/* --- one batch ---------------------------------------------------------------------------- */

/* FAIL_BUSY: the server cancelled the statement (commit timeout, admin cancel, shutdown): the
 * rows are fine but the database is not, so the batch gets 503 instead of row-by-row retries
 * that would each wait out the timeout again. */
enum outcome { DONE_OK, FAIL_BEFORE_SEND, FAIL_SQL, FAIL_BUSY, FAIL_CONN };

static enum outcome
classify_result(struct worker *k, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!sgw_db_alive(k->conn))
        return FAIL_CONN;
    /* 57014 query_canceled, 57P01..03 admin shutdown / crash shutdown / cannot connect now,
     * 53xxx insufficient resources. */
    if (state != NULL && (strncmp(state, "57", 2) == 0 || strncmp(state, "53", 2) == 0))
        return FAIL_BUSY;
    return FAIL_SQL;
}

static enum outcome
classify_failure(struct worker *k)
{
    return sgw_db_alive(k->conn) ? FAIL_SQL : FAIL_CONN;
}

static enum outcome
insert_rows(struct worker *k, struct item *items, size_t n, int64_t *ids, char *err, size_t errsz)
{
    const char *params[NCOLS];
    int lengths[NCOLS], formats[NCOLS];
    struct sgw_report **rs = sgw_xmalloc(n * sizeof *rs);

    for (size_t i = 0; i < n; i++)
        rs[i] = items[i].report;
    sgw_db_report_rows(k->cols, rs, n, params, lengths, formats);
    free(rs);
    PGresult *res =
        sgw_db_exec_params(k->conn, SGW_STMT_reports_insert_arrays, params, lengths, formats);
    if (!sgw_db_ok(res) || (size_t)PQntuples(res) != n) {
        sgw_db_error(k->conn, res, err, errsz);
        /* Sent but failed on a broken connection: its fate is unknown, so no retry. */
        enum outcome out = classify_result(k, res);
        PQclear(res);
        return out;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
    PQclear(res);
    return DONE_OK;
}

static enum outcome
insert_idem(struct worker *k, struct item *it, int64_t *id, int *replay, char *err, size_t errsz)
{
    const struct sgw_report *r = it->report;
    char ing[24], rec[24], key[24];
    snprintf(ing, sizeof ing, "%lld", (long long)r->ingested_at);
    snprintf(rec, sizeof rec, "%lld", (long long)r->received_at);
    snprintf(key, sizeof key, "%lld", (long long)r->api_key_id);
    char hexsig[2 + 2 * SGW_MINHASH_BYTES + 1];
    if (r->has_features) {
        hexsig[0] = '\\';
        hexsig[1] = 'x';
        for (size_t b = 0; b < SGW_MINHASH_BYTES; b++)
            snprintf(hexsig + 2 + 2 * b, 3, "%02x", r->minhash[b]);
    }
    const char *params[17] = {ing,
                              r->has_received_at ? rec : NULL,
                              sgw_channel_name(r->channel),
                              r->sender_raw,
                              r->sender,
                              sgw_sender_kind_name(r->sender_kind),
                              r->content,
                              r->city,
                              r->country[0] ? r->country : NULL,
                              r->reporter[0] ? r->reporter : NULL,
                              r->source,
                              key,
                              r->idempotency_key,
                              r->has_features ? hexsig : NULL,
                              r->indicators,
                              r->reporter_place,
                              r->sender_place};
    PGresult *res = sgw_db_exec(k->conn, SGW_STMT_report_insert_idem, params);
    if (!sgw_db_ok(res))
        goto fail;
    if (PQntuples(res) == 1) {
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *replay = 0;
        PQclear(res);
        return DONE_OK;
    }
    PQclear(res);
    const char *fparams[2] = {key, r->idempotency_key};
    res = sgw_db_exec(k->conn, SGW_STMT_report_find_idem, fparams);
    if (!sgw_db_ok(res) || PQntuples(res) != 1)
        goto fail;
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *replay = 1;
    PQclear(res);
    return DONE_OK;
fail:
    sgw_db_error(k->conn, res, err, errsz);
    PQclear(res);
    return classify_failure(k);
}

/* Writes items[0..n) in one transaction; on DONE_OK ids[] and replays[] are filled. */
static enum outcome
write_batch(struct worker *k, struct item *items, size_t n, int64_t *ids, int *replays, char *err,
            size_t errsz)
{
    size_t nplain = 0, nidem = 0;
    enum outcome out;

    /* Plain reports first, in one statement; idempotent ones after, one statement each. */
    struct item *plain = sgw_xmalloc(n * sizeof *plain);
    size_t *plain_pos = sgw_xmalloc(n * sizeof *plain_pos);
    int64_t *plain_ids = sgw_xmalloc(n * sizeof *plain_ids);
    for (size_t i = 0; i < n; i++) {
        if (items[i].report->idempotency_key == NULL) {
            plain_pos[nplain] = i;
            plain[nplain++] = items[i];
        } else {
            nidem++;
        }
    }
    /* A lone statement is its own transaction: one round trip less. */
    if (nidem > 0 && sgw_db_simple(k->conn, "BEGIN", err, errsz) != 0) {
        out = sgw_db_alive(k->conn) ? FAIL_SQL : FAIL_BEFORE_SEND;
        goto done;
    }
    if (nplain > 0) {
        out = insert_rows(k, plain, nplain, plain_ids, err, errsz);
        if (out != DONE_OK)
            goto rollback;
        for (size_t j = 0; j < nplain; j++) {
            ids[plain_pos[j]] = plain_ids[j];
            replays[plain_pos[j]] = 0;
        }
    }
    if (nidem > 0) {
        for (size_t i = 0; i < n; i++) {
            if (items[i].report->idempotency_key == NULL)
                continue;
            out = insert_idem(k, &items[i], &ids[i], &replays[i], err, errsz);
            if (out != DONE_OK)
                goto rollback;
        }
        if (sgw_db_simple(k->conn, "COMMIT", err, errsz) != 0) {
            out = classify_failure(k);
            goto rollback;
        }
    }
    out = DONE_OK;
    goto done;
rollback:
    if (sgw_db_alive(k->conn) && PQtransactionStatus(k->conn->pg) != PQTRANS_IDLE)
        sgw_db_simple(k->conn, "ROLLBACK", NULL, 0);
done:
    free(plain);
    free(plain_pos);
    free(plain_ids);
    return out;
}

/* --- the thread -------------------------------------------------------------------------- */

static void
disconnect(struct worker *k)
{
    if (k->conn == NULL)
        return;
    sgw_db_close(k->conn);
    k->conn = NULL;
    atomic_fetch_sub(&k->w->connected, 1);
}

static int
ensure_connected(struct worker *k)
{
    char err[256];
    int64_t now = sgw_monotonic_us();

    if (k->conn != NULL && sgw_db_alive(k->conn)) {
        /* An idle connection the server has closed (restart, failover) shows as readable:
         * find out now, before a batch is sent on it and its fate becomes unknown. */
        struct pollfd pfd = {PQsocket(k->conn->pg), POLLIN, 0};
        if (poll(&pfd, 1, 0) == 0 || (PQconsumeInput(k->conn->pg) == 1 && sgw_db_alive(k->conn)))
            return 0;
        sgw_warn("event=db_connection_lost writer=%d", k->index);
    }
    disconnect(k);
    if (now < k->retry_at)
        return -1;
    k->conn = sgw_db_connect(k->w->url, k->w->cfg.commit_timeout_ms, err, sizeof err);
    if (k->conn == NULL) {
        k->backoff_us = k->backoff_us ? k->backoff_us * 2 : BACKOFF_MIN_US;
        if (k->backoff_us > BACKOFF_MAX_US)
            k->backoff_us = BACKOFF_MAX_US;
        k->retry_at = now + k->backoff_us;
        sgw_warn("event=db_connect_failed writer=%d retry_ms=%lld error=\"%s\"", k->index,
                 (long long)(k->backoff_us / 1000), err);
        return -1;
    }
    if (k->backoff_us)
        sgw_info("event=db_reconnected writer=%d", k->index);
    k->backoff_us = 0;
    k->retry_at = 0;
    atomic_fetch_add(&k->w->connected, 1);
    return 0;
}

static void
finish_all(struct item *items, size_t n, enum sgw_status st)
{
    for (size_t i = 0; i < n; i++)
        items[i].done(items[i].arg, st, 0, 0);
}

static void
process(struct worker *k, struct item *items, size_t n)
{
    int64_t *ids = sgw_xcalloc(n, sizeof *ids);
    int *replays = sgw_xcalloc(n, sizeof *replays);
    char err[512];
    enum outcome out = FAIL_CONN;
    int64_t t0 = sgw_monotonic_us();

    for (int attempt = 0; attempt < 2; attempt++) {
        if (ensure_connected(k) != 0) {
            out = FAIL_CONN;
            snprintf(err, sizeof err, "database unreachable");
            break;
        }
        out = write_batch(k, items, n, ids, replays, err, sizeof err);
        /* Retry only when nothing reached the server (e.g. it restarted while we idled). */
        if (out != FAIL_BEFORE_SEND)
            break;
        disconnect(k);
        k->retry_at = 0;
    }

    switch (out) {
    case DONE_OK:
        sgw_metrics_commit(n, sgw_monotonic_us() - t0);
        sgw_metrics_reports_committed(n);
        for (size_t i = 0; i < n; i++)
            items[i].done(items[i].arg, SGW_OK, ids[i], replays[i]);
        break;
    case FAIL_SQL:
        /* One bad row must not sink its neighbours: retry each on its own. */
        sgw_warn("event=batch_failed writer=%d size=%zu error=\"%s\"", k->index, n, err);
        if (n > 1) {
            for (size_t i = 0; i < n; i++)
                process(k, &items[i], 1);
        } else {
            items[0].done(items[0].arg, SGW_INTERNAL, 0, 0);
        }
        break;
    case FAIL_BUSY:
        sgw_warn("event=batch_failed writer=%d size=%zu error=\"%s\"", k->index, n, err);
        finish_all(items, n, SGW_DATABASE);
        break;
    case FAIL_BEFORE_SEND:
    case FAIL_CONN:
        sgw_warn("event=batch_failed writer=%d size=%zu error=\"%s\"", k->index, n, err);
        disconnect(k);
        finish_all(items, n, SGW_DATABASE);
        break;
    }
    free(ids);
    free(replays);
}

static void
run_job(struct worker *k, struct item *it)
{
    char err[512];
    enum sgw_status st;

    if (ensure_connected(k) != 0) {
        it->done(it->arg, SGW_DATABASE, 0, 0);
        return;
    }
    if (sgw_db_simple(k->conn, "BEGIN", err, sizeof err) != 0) {
        st = SGW_DATABASE;
        goto done;
    }
    st = it->job(k->conn, it->arg);
    if (st == SGW_OK) {
        if (sgw_db_simple(k->conn, "COMMIT", err, sizeof err) != 0) {
            sgw_warn("event=job_commit_failed writer=%d error=\"%s\"", k->index, err);
            st = SGW_DATABASE;
        }
    } else if (sgw_db_alive(k->conn)) {
        sgw_db_simple(k->conn, "ROLLBACK", NULL, 0);
    }
done:
    if (!sgw_db_alive(k->conn)) {
        disconnect(k);
        if (st == SGW_OK || st == SGW_INTERNAL)
            st = SGW_DATABASE;
    }
    it->done(it->arg, st, 0, 0);
}

/* Batch jobs items[0..n) of one function in one transaction; alone each when that fails. */
static void
run_batch(struct worker *k, struct item *items, size_t n)
{
    void **args = sgw_xmalloc(n * sizeof *args);
    enum sgw_status *st = sgw_xmalloc(n * sizeof *st), rc = SGW_DATABASE;
    char err[512];

    for (size_t i = 0; i < n; i++) {
        args[i] = items[i].arg;
        st[i] = SGW_DATABASE;
    }
    if (ensure_connected(k) != 0 || sgw_db_simple(k->conn, "BEGIN", err, sizeof err) != 0)
        goto done;
    rc = items[0].batch(k->conn, args, n, st);
    if (rc == SGW_OK) {
        if (sgw_db_simple(k->conn, "COMMIT", err, sizeof err) != 0) {
            sgw_warn("event=job_commit_failed writer=%d size=%zu error=\"%s\"", k->index, n, err);
            rc = SGW_DATABASE;
        }
    } else if (sgw_db_alive(k->conn)) {
        sgw_db_simple(k->conn, "ROLLBACK", NULL, 0);
        if (n > 1) {
            for (size_t i = 0; i < n; i++)
                run_batch(k, &items[i], 1);
            goto out;
        }
    }
done:
    if (k->conn != NULL && !sgw_db_alive(k->conn)) {
        disconnect(k);
        if (rc != SGW_OK)
            rc = SGW_DATABASE;
    }
    for (size_t i = 0; i < n; i++)
        items[i].done(items[i].arg, rc == SGW_OK ? st[i] : rc, 0, 0);
out:
    free(args);
    free(st);
}

/* Reports of a popped batch go in one transaction; jobs each in their own, after it; batch jobs
 * of one function together in one more. */
static void
dispatch(struct worker *k, struct item *items, size_t n)
{
    size_t nreports = 0, nbatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].job == NULL && items[i].batch == NULL)
            items[nreports++] = items[i];
        else
            k->jobs[k->njobs++] = items[i];
    }
    if (nreports > 0)
        process(k, items, nreports);
    for (size_t j = 0; j < k->njobs; j++) {
        if (k->jobs[j].batch == NULL)
            run_job(k, &k->jobs[j]);
        else
            k->jobs[nbatch++] = k->jobs[j]; /* stable: queue order kept */
    }
    while (nbatch > 0) {
        /* Those of the first one's function to the front, the rest after, orders kept. */
        size_t same = 0;
        for (size_t j = 0; j < nbatch; j++) {
            if (k->jobs[j].batch != k->jobs[0].batch)
                continue;
            struct item it = k->jobs[j];
            memmove(&k->jobs[same + 1], &k->jobs[same], (j - same) * sizeof it);
            k->jobs[same++] = it;
        }
        run_batch(k, k->jobs, same);
        memmove(k->jobs, k->jobs + same, (nbatch - same) * sizeof *k->jobs);
        nbatch -= same;
    }
    k->njobs = 0;
}

/* Whether a writer may take the queue now; 0 with *until_us set when it should wait (0 = no
 * deadline). Another writer's batch in flight means this one would only split the queue into
 * smaller commits: each commit costs the database a WAL flush and a statement, ~130 us of its
 * CPU here whatever the batch, and two writers each taking whatever was queued cost it 20-21 us
 * per report against 13-16 taking turns (wrk, 64 connections) for no more throughput. It
 * overlaps the commit in flight only once OVERLAP_MIN reports wait, or when that batch has
 * taken OVERLAP_WAIT_US (a slow statement must not hold everything queued behind it). */
static int
may_take(const struct sgw_db_writer *w, int64_t now_us, int64_t *until_us)
{
    *until_us = 0;
    if (w->stopping)
        return 1;
    if (w->count == 0)
        return 0;
    if (w->inflight == 0 || w->count >= OVERLAP_MIN)
        return 1;
    if (now_us - w->taken_at_us >= OVERLAP_WAIT_US)
        return 1;
    *until_us = w->taken_at_us + OVERLAP_WAIT_US;
    return 0;
}

static void
wait_until(struct sgw_db_writer *w, int64_t until_us)
{
    struct timespec ts = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
    pthread_cond_timedwait(&w->nonempty, &w->mu, &ts);
}

static void *
worker_main(void *arg)
{
    struct worker *k = arg;
    struct sgw_db_writer *w = k->w;
    size_t cap = (size_t)w->cfg.batch_max;

    for (;;) {
        size_t n = 0;
        int64_t until_us;
        pthread_mutex_lock(&w->mu);
        while (!may_take(w, sgw_monotonic_us(), &until_us)) {
            if (k->conn == NULL) {
                /* Keep trying to reconnect while idle so /readyz and submit recover. */
                wait_until(w, sgw_monotonic_us() + 200000);
                if (w->count == 0 && !w->stopping) {
                    pthread_mutex_unlock(&w->mu);
                    ensure_connected(k);
                    pthread_mutex_lock(&w->mu);
                }
            } else if (until_us > 0) {
                wait_until(w, until_us);
            } else {
                pthread_cond_wait(&w->nonempty, &w->mu);
            }
        }
        if (w->count == 0 && w->stopping) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        while (n < cap && w->count > 0) {
            k->batch[n++] = w->ring[w->head];
            w->head = (w->head + 1) % (size_t)w->cfg.capacity;
            w->count--;
        }
        size_t left = w->count;
        atomic_store_explicit(&w->depth, (long)left, memory_order_relaxed);
        w->inflight++;
        w->taken_at_us = sgw_monotonic_us();
        pthread_mutex_unlock(&w->mu);
        note_batch(w, n, left);
        dispatch(k, k->batch, n);
        pthread_mutex_lock(&w->mu);
        w->inflight--;
        pthread_mutex_unlock(&w->mu);
        /* Again after the commit, so a commit slower than the hold time keeps the signal. */
        note_batch(w, n, 0);
    }
    disconnect(k);
    return NULL;
}

int
sgw_db_writer_start(struct sgw_db_writer *w)
{
    for (int i = 0; i < w->cfg.writers; i++) {
        struct worker *k = &w->workers[i];
        k->w = w;
        k->index = i;
        k->batch = sgw_xcalloc((size_t)w->cfg.batch_max, sizeof(struct item));
        k->jobs = sgw_xcalloc((size_t)w->cfg.batch_max, sizeof(struct item));
        ensure_connected(k); /* so submit accepts reports as soon as serving starts */
    }
    for (int i = 0; i < w->cfg.writers; i++) {
        if (pthread_create(&w->workers[i].thread, NULL, worker_main, &w->workers[i]) != 0) {
            sgw_error("event=thread_create_failed what=writer errno=%d", errno);
            pthread_mutex_lock(&w->mu);
            w->stopping = 1;
            pthread_cond_broadcast(&w->nonempty);
            pthread_mutex_unlock(&w->mu);
            for (int j = 0; j < i; j++)
                pthread_join(w->workers[j].thread, NULL);
            return -1;
        }
        w->started = i + 1;
    }
    return 0;
}

void
sgw_db_writer_stop(struct sgw_db_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->nonempty);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->started; i++)
        pthread_join(w->workers[i].thread, NULL);
    w->started = 0;
}

void
sgw_db_writer_free(struct sgw_db_writer *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < w->cfg.writers; i++) {
        disconnect(&w->workers[i]);
        free(w->workers[i].batch);
        free(w->workers[i].jobs);
        for (int c = 0; c < NCOLS; c++)
            sgw_pgarray_fini(&w->workers[i].cols[c]);
    }
    free(w->workers);
    free(w->ring);
    free(w->url);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->nonempty);
    free(w);
}
