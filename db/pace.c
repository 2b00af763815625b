/* Read pacing arithmetic (see pace.h). No clock, no locks: the callers pass time in. */
#include "db/pace.h"

#include <stdint.h>

int64_t
sgw_db_pace_us(int64_t job_us, int share, int active, int64_t cap_us)
{
    if (share <= 0 || share >= 100 || job_us <= 0 || cap_us <= 0)
        return 0;
    int64_t parts = 100 * (int64_t)(active < 1 ? 1 : active) - share;
    if (job_us > INT64_MAX / parts) /* the product would overflow; the cap applies anyway */
        return cap_us;
    int64_t wait = job_us * parts / share;
    return wait < cap_us ? wait : cap_us;
}

int
sgw_db_pace_intake_busy(long depth, int64_t busy_at_us, int64_t now_us)
{
    if (depth >= SGW_DB_PACE_BUSY_BATCH)
        return 1;
    /* Another writer may stamp after the caller read its clock: a stamp "in the future" is
     * recent too. */
    return busy_at_us != 0 && now_us - busy_at_us < SGW_DB_PACE_BUSY_HOLD_US;
}
