/* Database jobs in integration tests (writer or read pool): a done callback that records the
 * outcome, and a bounded wait for it. */
#ifndef SGWT_DBJOB_H
#define SGWT_DBJOB_H

#include "gateway/common/status.h"

#include <stdatomic.h>
#include <stdint.h>

struct sgwt_job_outcome {
    atomic_int done;
    enum sgw_status st;
    int64_t done_at; /* monotonic µs */
};

/* A sgw_db_done_fn: arg is a struct sgwt_job_outcome (or a struct that starts with one). */
void sgwt_job_done(void *arg, enum sgw_status st, int64_t id, int replay);

/* Waits until o is done; fails the test after timeout_ms. */
void sgwt_job_wait(struct sgwt_job_outcome *o, int timeout_ms);

#endif
