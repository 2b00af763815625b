/* The read pool: threads with read-only connections of their own for the analyst API, so
 * dashboards never queue behind (or hold up) the writers' group commits. Jobs run in
 * autocommit on a connection with default_transaction_read_only on, so a read route cannot
 * write by mistake. A full queue, a stopping pool or an unreachable database fail the job
 * at once (the request gets 503): reads are retried by clients, never by the gateway.
 * While intake is busy each thread paces itself (db/pace.h): after a read that took t it waits
 * t * (100 * active - share) / share before the next, active being the threads reading or
 * pacing now, so together they read at most share percent of the time of one connection (of
 * one core), whatever --read-connections is, and on a shared primary reads cannot starve the
 * writers. The read itself is never slowed, only the pool's rate. */
#ifndef SGW_DB_READPOOL_H
#define SGW_DB_READPOOL_H

#include "db/writer.h"

struct sgw_db_readpool_config {
    const char *url;
    int threads;               /* one connection each */
    int capacity;              /* queued jobs before SGW_BUSY */
    long statement_timeout_ms; /* per read */
};

/* Read pacing; without it (or with share 100) a thread never waits. */
struct sgw_db_readpool_pacing {
    int share;                   /* percent of one thread's time for the pool's reads while
                                    intake is busy */
    int (*busy)(void *busy_arg); /* intake busy now? called from pool threads, must not block */
    void *busy_arg;              /* borrowed: must outlive the pool's threads */
    long cap_us;                 /* longest wait after one read; 0 = SGW_DB_PACE_CAP_US */
};

struct sgw_db_readpool; /* opaque */

/* Returns a pool (free with sgw_db_readpool_free); copies cfg. Connections open lazily. */
struct sgw_db_readpool *sgw_db_readpool_new(const struct sgw_db_readpool_config *cfg);
/* Sets the pacing (copied); call before start. */
void sgw_db_readpool_set_pacing(struct sgw_db_readpool *p,
                                const struct sgw_db_readpool_pacing *pacing);
int sgw_db_readpool_start(struct sgw_db_readpool *p); /* 0 or -1 */
/* Runs what is queued (without pacing waits), then joins the threads. */
void sgw_db_readpool_stop(struct sgw_db_readpool *p);
void sgw_db_readpool_free(struct sgw_db_readpool *p); /* accepts NULL */

/* Queues job; done(arg, status, 0, 0) is called from a pool thread with the job's status, or
 * SGW_DATABASE when no connection could be made. Returns SGW_OK when queued, SGW_BUSY when
 * full or stopping (done is then never called). */
enum sgw_status sgw_db_readpool_submit(struct sgw_db_readpool *p, sgw_db_job_fn job,
                                       sgw_db_done_fn done, void *arg);

long sgw_db_readpool_depth(void *p); /* queued jobs; gauge-compatible signature */

#endif
