/* The HTTP service: libmicrohttpd daemon, per-request state, and the shared objects the route
 * handlers need (writer, key cache, intake context). */
#ifndef SGW_SERVER_H
#define SGW_SERVER_H

#include "db/keycache.h"
#include "db/keys.h"
#include "db/readpool.h"
#include "db/writer.h"
#include "gateway/common/config.h"
#include "gateway/common/status.h"
#include "gateway/intake/report.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct sgw_route;
struct sgw_ratelimit;

struct sgw_server {
    const struct sgw_config *cfg;
    struct MHD_Daemon *daemon;
    struct sgw_db_writer *writer;
    struct sgw_db_readpool *reads; /* analyst reads; NULL = they queue on the writer */
    struct sgw_db_keycache *keys;
    struct sgw_ratelimit *ratelimit; /* NULL when --rate-limit 0 */
    struct sgw_intake_ctx intake;
    uint16_t port;           /* bound port */
    int listen_fd;           /* set by quiesce; closed by stop */
    atomic_int draining;     /* shutdown started: answer 503 to new work */
    atomic_long outstanding; /* requests handed to the writer and not yet answered */
    atomic_long active;      /* requests started and not yet completed */
};

/* Per-request state, created on the first handler call and freed only in the
 * request-completed callback. */
struct sgw_request {
    struct sgw_server *srv;
    struct MHD_Connection *conn;
    const struct sgw_route *route;
    const char *method;
    char *path;         /* request path as routed, e.g. "/v1/reports/12" (owned) */
    char id[40];        /* request id: X-Request-Id */
    int64_t started_us; /* monotonic */
    unsigned status;    /* answered status, for metrics and logs */
    int answered;
    int preflight; /* a CORS preflight (OPTIONS), answered without a route */

    char *body; /* accumulated request body (owned) */
    size_t body_len, body_cap;
    size_t body_seen; /* bytes received, kept or not */
    int body_too_large;

    int64_t api_key_id;
    enum sgw_role role;

    /* Set by the writer thread before it resumes the connection. */
    struct sgw_report *report; /* owned */
    atomic_int done;
    enum sgw_status result;
    int64_t result_id;
    int replay;
    int suspended;
    int counted; /* included in srv->outstanding */

    /* Route-owned state (e.g. a job's inputs and results), freed with ctx_free. */
    void *ctx;
    void (*ctx_free)(void *ctx);
};

/* Handler results: the MHD_YES / MHD_NO decision is made in one place from these. */
enum sgw_hresult {
    SGW_H_OK,    /* a response was queued, or the request is suspended */
    SGW_H_CLOSE, /* close the connection */
};

typedef enum sgw_hresult (*sgw_handler_fn)(struct sgw_request *req);

/* Creates and starts the daemon on cfg->listen; 0 on success (srv->port set), -1 otherwise. */
int sgw_server_start(struct sgw_server *srv);
/* Graceful stop, in order: quiesce (stop accepting; new requests on open connections get 503
 * and Connection: close), drain (wait until every started request is answered and no new
 * one has started for a moment, at most timeout_ms; the writer must still run), stop. */
void sgw_server_quiesce(struct sgw_server *srv);
void sgw_server_drain(struct sgw_server *srv, int timeout_ms);
void sgw_server_stop(struct sgw_server *srv);

/* Suspends req until the writer commits its report; the handler is called again after, with
 * req->done set and req->result, result_id, replay filled. */
enum sgw_hresult sgw_server_submit(struct sgw_request *req, struct sgw_report *report_take);

/* Same for a database job (see sgw_db_writer_submit_job). The job is called with the request
 * as its arg: it reads its inputs from and leaves its results in req->ctx. */
enum sgw_hresult sgw_server_submit_job(struct sgw_request *req, sgw_db_job_fn job);

/* Same for a read-only job (GET routes): it runs on the read pool, in autocommit, on a
 * connection that refuses writes. */
enum sgw_hresult sgw_server_submit_read(struct sgw_request *req, sgw_db_job_fn job);

/* Same for a batch job (see sgw_db_writer_submit_batch): args are the requests, whose
 * req->ctx hold each one's inputs and results. */
enum sgw_hresult sgw_server_submit_batch(struct sgw_request *req, sgw_db_batch_fn batch);

#endif
