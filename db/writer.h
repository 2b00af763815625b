/* The group-commit writer: a bounded queue of validated reports and writer threads that
 * commit them in batches. A report is acknowledged (done callback with SGW_OK) only after
 * the transaction that holds it has committed with synchronous_commit=on. */
#ifndef SGW_DB_WRITER_H
#define SGW_DB_WRITER_H

#include "db/db.h"
#include "gateway/common/status.h"
#include "gateway/intake/report.h"

#include <stdint.h>

/* Called exactly once per submitted report, from a writer thread. st is SGW_OK (id set,
 * replay = 1 when an Idempotency-Key matched an earlier report), SGW_DATABASE or
 * SGW_INTERNAL. After it returns the writer no longer touches the report. */
typedef void (*sgw_db_done_fn)(void *arg, enum sgw_status st, int64_t id, int replay);

struct sgw_db_writer_config {
    const char *url;
    int writers;            /* threads, one connection each */
    int batch_max;          /* reports per transaction */
    int capacity;           /* queue slots */
    long commit_timeout_ms; /* a batch taking longer fails (its requests get 503) */
};

struct sgw_db_writer; /* opaque */

/* Returns a writer (free with sgw_db_writer_free); copies cfg. */
struct sgw_db_writer *sgw_db_writer_new(const struct sgw_db_writer_config *cfg);
int sgw_db_writer_start(struct sgw_db_writer *w); /* 0 or -1 */
/* Stops taking reports, commits everything queued, joins the threads. */
void sgw_db_writer_stop(struct sgw_db_writer *w);
void sgw_db_writer_free(struct sgw_db_writer *w); /* accepts NULL */

/* Queues r (still owned by the caller, who must keep it alive until done is called).
 * Returns SGW_OK when queued, SGW_BUSY when the queue is full or stopping, SGW_DATABASE when
 * no writer can reach PostgreSQL; then done is never called. */
enum sgw_status sgw_db_writer_submit(struct sgw_db_writer *w, struct sgw_report *r,
                                     sgw_db_done_fn done, void *arg);

/* A unit of database work that must be durable before its request is answered (e.g. a step of
 * the 7726 conversation). Runs on a writer thread inside its own transaction: return SGW_OK to
 * commit, anything else to roll back. Results go into arg; the writer then calls
 * done(arg, status, 0, 0), status SGW_DATABASE when the commit failed or the connection
 * broke. The job must not keep the connection. */
typedef enum sgw_status (*sgw_db_job_fn)(struct sgw_db_conn *c, void *arg);

/* Queues a job like a report (same queue, same bounds); same return values as submit. */
enum sgw_status sgw_db_writer_submit_job(struct sgw_db_writer *w, sgw_db_job_fn job,
                                         sgw_db_done_fn done, void *arg);

/* Group commit for jobs: the batch jobs of one function popped together run in one
 * transaction, in one call with all their args (queue order). It leaves each one's outcome in
 * st[i] and returns SGW_OK to commit (then done gets st[i]); any other return rolls back and
 * each arg is run again alone (n = 1), so one bad item cannot sink its neighbours. */
typedef enum sgw_status (*sgw_db_batch_fn)(struct sgw_db_conn *c, void *const *args, size_t n,
                                           enum sgw_status *st);

/* Queues a batch job; same queue, bounds and return values as submit. */
enum sgw_status sgw_db_writer_submit_batch(struct sgw_db_writer *w, sgw_db_batch_fn fn,
                                           sgw_db_done_fn done, void *arg);

long sgw_db_writer_depth(void *w); /* queued reports; gauge-compatible signature */
int sgw_db_writer_up(const struct sgw_db_writer *w); /* a writer is connected */

/* Whether report intake is busy (db/pace.h's rule: a deep queue, or a large batch taken in the
 * last SGW_DB_PACE_BUSY_HOLD_US), for read pacing. Lock-free; any thread. _at takes the
 * monotonic time (µs) so tests can pin it. */
int sgw_db_writer_busy(const struct sgw_db_writer *w);
int sgw_db_writer_busy_at(const struct sgw_db_writer *w, int64_t now_us);

#endif
