/* Read pacing: while report intake is busy, the read connections together spend at most a share
 * of one connection's time running reads and wait out the rest, so analysts' dashboards cannot
 * take the CPU that a shared primary needs for intake, however many read connections there
 * are (the same idea as autovacuum's cost delay: the lower-priority work paces itself). Pure
 * arithmetic only; the writer supplies the busy signal and the read pool does the waiting. */
#ifndef SGW_DB_PACE_H
#define SGW_DB_PACE_H

#include <stdint.h>

/* A pop of this many queued items (reports or jobs) in one go, or a backlog this deep, means
 * reports arrive faster than single commits take them: at low rates (hundreds a second) every
 * batch is 1-2 reports and the queue is empty. */
#define SGW_DB_PACE_BUSY_BATCH 8
/* How long one such batch keeps intake "busy" (a few commits' time at saturation). */
#define SGW_DB_PACE_BUSY_HOLD_US 50000
/* Longest wait after one read, so a slow read never parks its connection for long. */
#define SGW_DB_PACE_CAP_US 200000

/* µs a read connection waits after a read that took job_us so that the active connections
 * (those reading or pacing now, this one included; below 1 counts as 1) together get share
 * percent of one connection's time, each share / active:
 * job_us * (100 * active - share) / share, at most cap_us. 0 when share is 100 (or outside
 * 1..99) or job_us <= 0. */
int64_t sgw_db_pace_us(int64_t job_us, int share, int active, int64_t cap_us);

/* Whether intake is busy at now_us: depth items queued for commit right now, busy_at_us the
 * last time a writer took a large batch (0 = never). */
int sgw_db_pace_intake_busy(long depth, int64_t busy_at_us, int64_t now_us);

#endif
