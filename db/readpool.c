/* Read pool (see readpool.h). A job that finds its thread without a connection connects once;
 * when that fails the job fails and the thread waits out a short back-off before the next
 * attempt, so a database outage costs each read one fast 503 instead of a connect timeout. */
#include "db/readpool.h"

#include "db/pace.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/metrics.h"
#include "gateway/common/timeutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define BACKOFF_US 500000

struct item {
    sgw_db_job_fn job;
    sgw_db_done_fn done;
    void *arg;
};

struct reader {
    struct sgw_db_readpool *p;
    int index;
    pthread_t thread;
    struct sgw_db_conn *conn;
    int64_t retry_at; /* monotonic µs; no connect attempt before it */
};

struct sgw_db_readpool {
    struct sgw_db_readpool_config cfg;
    struct sgw_db_readpool_pacing pacing;
    char *url;
    pthread_mutex_t mu;
    pthread_cond_t nonempty;
    pthread_cond_t wake; /* pacing waits (CLOCK_MONOTONIC); apart from nonempty so a submit's
                            signal never goes to a waiting thread instead of an idle one */
    struct item *ring;
    size_t head, count;
    int stopping;
    atomic_long depth;
    atomic_int active; /* threads running a job or pacing after one: they share the budget */
    struct reader *readers;
    int started;
};

struct sgw_db_readpool *
sgw_db_readpool_new(const struct sgw_db_readpool_config *cfg)
{
    struct sgw_db_readpool *p = sgw_xcalloc(1, sizeof *p);
    p->cfg = *cfg;
    p->url = sgw_xstrdup(cfg->url);
    p->cfg.url = p->url;
    p->ring = sgw_xcalloc((size_t)cfg->capacity, sizeof(struct item));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->nonempty, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    p->readers = sgw_xcalloc((size_t)cfg->threads, sizeof(struct reader));
    return p;
}

void
sgw_db_readpool_set_pacing(struct sgw_db_readpool *p, const struct sgw_db_readpool_pacing *pacing)
{
    p->pacing = *pacing;
    if (p->pacing.cap_us <= 0)
        p->pacing.cap_us = SGW_DB_PACE_CAP_US;
}

enum sgw_status
sgw_db_readpool_submit(struct sgw_db_readpool *p, sgw_db_job_fn job, sgw_db_done_fn done, void *arg)
{
    enum sgw_status st = SGW_OK;

    pthread_mutex_lock(&p->mu);
    if (p->stopping || p->count == (size_t)p->cfg.capacity) {
        st = SGW_BUSY;
    } else {
        p->ring[(p->head + p->count) % (size_t)p->cfg.capacity] = (struct item){job, done, arg};
        p->count++;
        atomic_store_explicit(&p->depth, (long)p->count, memory_order_relaxed);
        pthread_cond_signal(&p->nonempty);
    }
    pthread_mutex_unlock(&p->mu);
    return st;
}

long
sgw_db_readpool_depth(void *p)
{
    return atomic_load(&((struct sgw_db_readpool *)p)->depth);
}

/* A live read-only connection for r, or NULL (the caller fails the job). */
static struct sgw_db_conn *
reader_conn(struct reader *r)
{
    char err[256];
    int64_t now = sgw_monotonic_us();

    if (r->conn != NULL && sgw_db_alive(r->conn))
        return r->conn;
    sgw_db_close(r->conn);
    r->conn = NULL;
    if (now < r->retry_at)
        return NULL;
    r->conn = sgw_db_connect(r->p->url, r->p->cfg.statement_timeout_ms, err, sizeof err);
    if (r->conn != NULL &&
        sgw_db_simple(r->conn, "SET default_transaction_read_only = on", err, sizeof err) != 0) {
        sgw_db_close(r->conn);
        r->conn = NULL;
    }
    if (r->conn == NULL) {
        r->retry_at = now + BACKOFF_US;
        sgw_warn("event=db_read_connect_failed reader=%d error=\"%s\"", r->index, err);
        return NULL;
    }
    r->retry_at = 0;
    return r->conn;
}

/* After a read of job_us: while intake is busy, wait the rest of this thread's part of the
 * pool's share (the share split among the active threads), or until the pool stops. */
static void
pace(struct sgw_db_readpool *p, int64_t job_us)
{
    const struct sgw_db_readpool_pacing *pc = &p->pacing;
    if (pc->busy == NULL || pc->share >= 100 || !pc->busy(pc->busy_arg))
        return;
    int64_t wait = sgw_db_pace_us(job_us, pc->share, atomic_load(&p->active), pc->cap_us);
    if (wait <= 0)
        return;
    int64_t t0 = sgw_monotonic_us(), until = t0 + wait;
    struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};

    pthread_mutex_lock(&p->mu);
    while (!p->stopping && sgw_monotonic_us() < until) {
        if (pthread_cond_timedwait(&p->wake, &p->mu, &ts) != 0)
            break; /* ETIMEDOUT */
    }
    pthread_mutex_unlock(&p->mu);
    sgw_metrics_read_paced(sgw_monotonic_us() - t0);
}

static void *
reader_main(void *arg)
{
    struct reader *r = arg;
    struct sgw_db_readpool *p = r->p;

    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->nonempty, &p->mu);
        if (p->count == 0) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        struct item it = p->ring[p->head];
        p->head = (p->head + 1) % (size_t)p->cfg.capacity;
        p->count--;
        atomic_store_explicit(&p->depth, (long)p->count, memory_order_relaxed);
        pthread_mutex_unlock(&p->mu);

        atomic_fetch_add(&p->active, 1);
        int64_t t0 = sgw_monotonic_us();
        struct sgw_db_conn *c = reader_conn(r);
        enum sgw_status st = c != NULL ? it.job(c, it.arg) : SGW_DATABASE;
        /* A job that failed on a broken connection reports SGW_DATABASE; the next job
         * reconnects. One that left a transaction open must not hand it to the next job. */
        if (c != NULL && sgw_db_alive(c) && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
            sgw_db_simple(c, "ROLLBACK", NULL, 0);
        int64_t took = sgw_monotonic_us() - t0;
        it.done(it.arg, st, 0, 0);
        pace(p, took);
        atomic_fetch_sub(&p->active, 1);
    }
    sgw_db_close(r->conn);
    r->conn = NULL;
    return NULL;
}

int
sgw_db_readpool_start(struct sgw_db_readpool *p)
{
    for (int i = 0; i < p->cfg.threads; i++) {
        struct reader *r = &p->readers[i];
        r->p = p;
        r->index = i;
        if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
            sgw_error("event=thread_create_failed what=reader");
            sgw_db_readpool_stop(p);
            return -1;
        }
        p->started = i + 1;
    }
    return 0;
}

void
sgw_db_readpool_stop(struct sgw_db_readpool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->nonempty);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->readers[i].thread, NULL);
    p->started = 0;
}

void
sgw_db_readpool_free(struct sgw_db_readpool *p)
{
    if (p == NULL)
        return;
    sgw_db_readpool_stop(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->nonempty);
    pthread_cond_destroy(&p->wake);
    free(p->ring);
    free(p->readers);
    free(p->url);
    free(p);
}
