/* Metrics storage and the Prometheus text renderer. No locks on the update path. */
#include "gateway/common/metrics.h"

#include "gateway/common/mem.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSTATUS 600

struct histogram {
    const double *bounds; /* upper bounds, seconds or units */
    int nbounds;
    atomic_uint_fast64_t *counts;   /* nbounds + 1 (the +Inf bucket) */
    atomic_uint_fast64_t sum_micro; /* sum × 1e6 */
    atomic_uint_fast64_t total;
};

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

static atomic_uint_fast64_t lat_counts[15], commit_counts[15], batch_counts[14];
static struct histogram request_seconds = {latency_bounds, 14, lat_counts, 0, 0};
static struct histogram commit_seconds = {latency_bounds, 14, commit_counts, 0, 0};
static struct histogram commit_batch = {batch_bounds, 13, batch_counts, 0, 0};

static const double lag_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300};
static atomic_uint_fast64_t lag_counts[14];
static struct histogram cluster_lag = {lag_bounds, 13, lag_counts, 0, 0};
static atomic_llong cluster_lag_us;
static atomic_int cluster_active;
static atomic_llong cluster_facts_behind;
static atomic_uint_fast64_t cluster_assigned;

static const char *route_labels[SGW_METRICS_MAX_ROUTES];
static atomic_int nroutes;
static atomic_uint_fast64_t requests[SGW_METRICS_MAX_ROUTES][NSTATUS];
static atomic_uint_fast64_t reports_committed;
static atomic_uint_fast64_t batch_accepted, batch_rejected;
static atomic_uint_fast64_t read_pacing_waits, read_pacing_us;

struct gauge {
    const char *name, *help;
    sgw_metrics_gauge_fn fn;
    void *arg;
};
static pthread_mutex_t gauge_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gauge gauges[16];
static int ngauges;

int
sgw_metrics_route(const char *label)
{
    int n = atomic_load(&nroutes);
    for (int i = 0; i < n; i++) {
        if (strcmp(route_labels[i], label) == 0)
            return i;
    }
    if (n == SGW_METRICS_MAX_ROUTES)
        return SGW_METRICS_MAX_ROUTES - 1;
    route_labels[n] = label;
    atomic_store(&nroutes, n + 1);
    return n;
}

static void
observe(struct histogram *h, double v, uint64_t micro)
{
    int i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_micro, micro, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->total, 1, memory_order_relaxed);
}

void
sgw_metrics_request(int route, unsigned status, int64_t elapsed_us)
{
    if (route < 0 || route >= SGW_METRICS_MAX_ROUTES || status >= NSTATUS)
        return;
    atomic_fetch_add_explicit(&requests[route][status], 1, memory_order_relaxed);
    if (elapsed_us < 0)
        elapsed_us = 0;
    observe(&request_seconds, (double)elapsed_us / 1e6, (uint64_t)elapsed_us);
}

void
sgw_metrics_commit(size_t batch, int64_t elapsed_us)
{
    if (elapsed_us < 0)
        elapsed_us = 0;
    observe(&commit_seconds, (double)elapsed_us / 1e6, (uint64_t)elapsed_us);
    observe(&commit_batch, (double)batch, (uint64_t)batch * 1000000);
}

void
sgw_metrics_reports_committed(size_t n)
{
    atomic_fetch_add_explicit(&reports_committed, n, memory_order_relaxed);
}

void
sgw_metrics_batch_lines(size_t accepted, size_t rejected)
{
    atomic_fetch_add_explicit(&batch_accepted, accepted, memory_order_relaxed);
    atomic_fetch_add_explicit(&batch_rejected, rejected, memory_order_relaxed);
}

void
sgw_metrics_cluster_assigned(const int64_t *ingested_us, size_t n, int64_t now_us)
{
    for (size_t i = 0; i < n; i++) {
        int64_t lag = now_us - ingested_us[i];
        if (lag < 0)
            lag = 0;
        observe(&cluster_lag, (double)lag / 1e6, (uint64_t)lag);
    }
    atomic_fetch_add_explicit(&cluster_assigned, n, memory_order_relaxed);
    if (n > 0)
        sgw_metrics_cluster_lag(now_us - ingested_us[n - 1]);
}

void
sgw_metrics_cluster_lag(int64_t lag_us)
{
    atomic_store_explicit(&cluster_lag_us, lag_us > 0 ? lag_us : 0, memory_order_relaxed);
}

void
sgw_metrics_cluster_facts_behind(int64_t ids)
{
    atomic_store_explicit(&cluster_facts_behind, ids > 0 ? ids : 0, memory_order_relaxed);
}

void
sgw_metrics_cluster_active(int active)
{
    atomic_store(&cluster_active, active);
}

void
sgw_metrics_read_paced(int64_t waited_us)
{
    atomic_fetch_add_explicit(&read_pacing_waits, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&read_pacing_us, (uint64_t)(waited_us > 0 ? waited_us : 0),
                              memory_order_relaxed);
}

void
sgw_metrics_gauge(const char *name, const char *help, sgw_metrics_gauge_fn fn, void *arg)
{
    pthread_mutex_lock(&gauge_mu);
    if (ngauges < (int)(sizeof gauges / sizeof gauges[0]))
        gauges[ngauges++] = (struct gauge){name, help, fn, arg};
    pthread_mutex_unlock(&gauge_mu);
}

void
sgw_metrics_reset_gauges(void)
{
    pthread_mutex_lock(&gauge_mu);
    ngauges = 0;
    pthread_mutex_unlock(&gauge_mu);
}

struct out {
    char *buf;
    size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        o->cap = o->cap * 2 + (size_t)(n > 0 ? n : 0);
        o->buf = sgw_xrealloc(o->buf, o->cap);
    }
}

static void
render_histogram(struct out *o, const char *name, const char *help, struct histogram *h)
{
    uint64_t cum = 0;
    outf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (int i = 0; i <= h->nbounds; i++) {
        cum += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        if (i < h->nbounds)
            outf(o, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i], (unsigned long long)cum);
        else
            outf(o, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
    }
    outf(o, "%s_sum %.6f\n%s_count %llu\n", name, (double)atomic_load(&h->sum_micro) / 1e6, name,
         (unsigned long long)cum);
}

char *
sgw_metrics_render(size_t *len)
{
    struct out o = {sgw_xmalloc(8192), 0, 8192};
    int n = atomic_load(&nroutes);

    outf(&o, "# HELP spamgw_http_requests_total HTTP requests by route and status.\n"
             "# TYPE spamgw_http_requests_total counter\n");
    for (int r = 0; r < n; r++) {
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t v = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
            if (v)
                outf(&o, "spamgw_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                     route_labels[r], s, (unsigned long long)v);
        }
    }
    render_histogram(&o, "spamgw_http_request_seconds", "Time from request to answer.",
                     &request_seconds);
    render_histogram(&o, "spamgw_commit_batch_size", "Reports per committed transaction.",
                     &commit_batch);
    render_histogram(&o, "spamgw_commit_seconds", "Time to write and commit one batch.",
                     &commit_seconds);
    outf(&o,
         "# HELP spamgw_reports_committed_total Reports durably committed.\n"
         "# TYPE spamgw_reports_committed_total counter\n"
         "spamgw_reports_committed_total %llu\n",
         (unsigned long long)atomic_load(&reports_committed));
    outf(&o,
         "# HELP spamgw_batch_lines_total Report lines of answered batches, by result.\n"
         "# TYPE spamgw_batch_lines_total counter\n"
         "spamgw_batch_lines_total{result=\"accepted\"} %llu\n"
         "spamgw_batch_lines_total{result=\"rejected\"} %llu\n",
         (unsigned long long)atomic_load(&batch_accepted),
         (unsigned long long)atomic_load(&batch_rejected));
    render_histogram(&o, "spamgw_cluster_assign_lag_seconds",
                     "Time from a report's ingestion to its campaign assignment.", &cluster_lag);
    outf(&o,
         "# HELP spamgw_cluster_lag_seconds Now minus ingested_at of the last assigned report "
         "(0 when caught up).\n"
         "# TYPE spamgw_cluster_lag_seconds gauge\nspamgw_cluster_lag_seconds %.6f\n"
         "# HELP spamgw_cluster_active 1 while this process holds the cluster lock.\n"
         "# TYPE spamgw_cluster_active gauge\nspamgw_cluster_active %d\n"
         "# HELP spamgw_cluster_reports_assigned_total Reports assigned to campaigns here.\n"
         "# TYPE spamgw_cluster_reports_assigned_total counter\n"
         "spamgw_cluster_reports_assigned_total %llu\n"
         "# HELP spamgw_cluster_facts_behind Report ids assigned but not yet in the campaigns' "
         "hours, facets and samples (the facts follower's lag).\n"
         "# TYPE spamgw_cluster_facts_behind gauge\nspamgw_cluster_facts_behind %lld\n",
         (double)atomic_load(&cluster_lag_us) / 1e6, atomic_load(&cluster_active),
         (unsigned long long)atomic_load(&cluster_assigned),
         (long long)atomic_load(&cluster_facts_behind));
    outf(&o,
         "# HELP spamgw_read_pacing_waits_total Waits of read connections that gave way to "
         "busy intake (--read-share).\n"
         "# TYPE spamgw_read_pacing_waits_total counter\n"
         "spamgw_read_pacing_waits_total %llu\n"
         "# HELP spamgw_read_pacing_seconds_total Time read connections spent in those waits.\n"
         "# TYPE spamgw_read_pacing_seconds_total counter\n"
         "spamgw_read_pacing_seconds_total %.6f\n",
         (unsigned long long)atomic_load(&read_pacing_waits),
         (double)atomic_load(&read_pacing_us) / 1e6);
    pthread_mutex_lock(&gauge_mu);
    for (int i = 0; i < ngauges; i++) {
        outf(&o, "# HELP %s %s\n# TYPE %s gauge\n%s %ld\n", gauges[i].name, gauges[i].help,
             gauges[i].name, gauges[i].name, gauges[i].fn(gauges[i].arg));
    }
    pthread_mutex_unlock(&gauge_mu);
    *len = o.len;
    return o.buf;
}
