/* A thread that submits one writer job every interval (e.g. the 7726 sweep), waiting for each
 * to finish before the next, so runs never overlap. */
#ifndef SGW_DB_TICKER_H
#define SGW_DB_TICKER_H

#include "db/writer.h"

struct sgw_db_ticker; /* opaque */

/* Called on the writer thread after each run with the job's outcome (SGW_BUSY when the queue
 * refused it); may be NULL. */
typedef void (*sgw_db_ticker_after_fn)(void *arg, enum sgw_status st);

/* Starts the thread: every interval_ms it submits job(conn, arg) to w, then calls after(arg,
 * status). w and arg must outlive the ticker. Returns the ticker (stop with sgw_db_ticker_stop)
 * or NULL when the thread cannot start. */
struct sgw_db_ticker *sgw_db_ticker_start(struct sgw_db_writer *w, long interval_ms,
                                          sgw_db_job_fn job, void *arg,
                                          sgw_db_ticker_after_fn after);

/* Stops the thread after the run in flight, if any, has finished (the writer must still be
 * running), and frees the ticker. Accepts NULL. */
void sgw_db_ticker_stop(struct sgw_db_ticker *t);

#endif
