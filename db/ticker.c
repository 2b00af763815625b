/* Periodic writer jobs. The thread only waits and submits: the job itself runs on a writer
 * thread, in its own transaction, like any request's job. It must never let two runs of the
 * same job overlap, and never outlive the writer it submits to. */
#include "db/ticker.h"

#include "gateway/common/log.h"
#include "gateway/common/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct sgw_db_ticker {
    struct sgw_db_writer *w;
    long interval_ms;
    sgw_db_job_fn job;
    void *arg;
    sgw_db_ticker_after_fn after;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* stop requested or a run finished */
    int stopping;
    int running; /* a run is queued or executing */
};

static void
run_done(void *arg, enum sgw_status st, int64_t id, int replay)
{
    struct sgw_db_ticker *t = arg;
    (void)id;
    (void)replay;
    if (t->after)
        t->after(t->arg, st);
    pthread_mutex_lock(&t->mu);
    t->running = 0;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static enum sgw_status
run_job(struct sgw_db_conn *c, void *arg)
{
    struct sgw_db_ticker *t = arg;
    return t->job(c, t->arg);
}

static void *
ticker_main(void *arg)
{
    struct sgw_db_ticker *t = arg;

    pthread_mutex_lock(&t->mu);
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += t->interval_ms / 1000;
        ts.tv_nsec += (t->interval_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        while (!t->stopping && pthread_cond_timedwait(&t->cv, &t->mu, &ts) != ETIMEDOUT)
            ;
        if (t->stopping)
            break;
        t->running = 1;
        pthread_mutex_unlock(&t->mu);
        enum sgw_status st = sgw_db_writer_submit_job(t->w, run_job, run_done, t);
        if (st != SGW_OK)
            run_done(t, st, 0, 0); /* not queued: done will never be called */
        pthread_mutex_lock(&t->mu);
        while (t->running)
            pthread_cond_wait(&t->cv, &t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

struct sgw_db_ticker *
sgw_db_ticker_start(struct sgw_db_writer *w, long interval_ms, sgw_db_job_fn job, void *arg,
                    sgw_db_ticker_after_fn after)
{
    struct sgw_db_ticker *t = sgw_xcalloc(1, sizeof *t);
    pthread_condattr_t ca;

    t->w = w;
    t->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    t->job = job;
    t->arg = arg;
    t->after = after;
    pthread_mutex_init(&t->mu, NULL);
    /* The monotonic clock: a wall-clock step must not stall or rush the schedule. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        sgw_error("event=thread_create_failed what=ticker errno=%d", errno);
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return NULL;
    }
    return t;
}

void
sgw_db_ticker_stop(struct sgw_db_ticker *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->mu);
    t->stopping = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
