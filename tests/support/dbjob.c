/* Outcomes of database jobs for the integration suites (see dbjob.h). */
#include "tests/support/dbjob.h"

#include "gateway/common/timeutil.h"

#include <check.h>
#include <unistd.h>

void
sgwt_job_done(void *arg, enum sgw_status st, int64_t id, int replay)
{
    struct sgwt_job_outcome *o = arg;
    (void)id, (void)replay;
    o->st = st;
    o->done_at = sgw_monotonic_us();
    atomic_store(&o->done, 1);
}

void
sgwt_job_wait(struct sgwt_job_outcome *o, int timeout_ms)
{
    for (int i = 0; i < timeout_ms / 5 && !atomic_load(&o->done); i++)
        usleep(5000);
    ck_assert_msg(atomic_load(&o->done), "job not done within %d ms", timeout_ms);
}
