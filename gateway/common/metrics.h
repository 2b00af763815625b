/* Process-wide counters and histograms in Prometheus text format. Updates are lock-free
 * atomics so the hot path pays a few nanoseconds. */
#ifndef SGW_METRICS_H
#define SGW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define SGW_METRICS_MAX_ROUTES 64

/* Registers a route label (static string) and returns its index; call before serving. */
int sgw_metrics_route(const char *label);

void sgw_metrics_request(int route, unsigned status, int64_t elapsed_us);
void sgw_metrics_commit(size_t batch, int64_t elapsed_us);
void sgw_metrics_reports_committed(size_t n);
/* Lines of answered POST /v1/reports:batch requests: stored (or replayed) and rejected. */
void sgw_metrics_batch_lines(size_t accepted, size_t rejected);

/* The cluster worker: one observation per assigned report (now - ingested_at, µs since the
 * epoch each), which also sets the lag gauge to that of the last one; lag 0 when caught up;
 * whether this process holds the cluster lock. */
void sgw_metrics_cluster_assigned(const int64_t *ingested_us, size_t n, int64_t now_us);
void sgw_metrics_cluster_lag(int64_t lag_us);
void sgw_metrics_cluster_active(int active);
/* Report ids between the worker's watermark and the facts follower's. */
void sgw_metrics_cluster_facts_behind(int64_t ids);

/* One read-pacing wait of a read connection (db/readpool.c) and how long it lasted. */
void sgw_metrics_read_paced(int64_t waited_us);

/* Gauges read at scrape time. */
typedef long (*sgw_metrics_gauge_fn)(void *arg);
void sgw_metrics_gauge(const char *name, const char *help, sgw_metrics_gauge_fn fn, void *arg);

/* Renders every metric; returns a heap buffer (caller frees) and its length in *len. */
char *sgw_metrics_render(size_t *len);

/* Forgets gauges (they point at objects being freed). */
void sgw_metrics_reset_gauges(void);

#endif
