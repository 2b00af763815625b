/* Starting and stopping a real `spamgw serve` for integration tests: fork/exec of $SPAMGW_BIN
 * on 127.0.0.1:0, stdout and stderr to a log file that is scanned for the
 * "event=listening listen=127.0.0.1:PORT" line. Every server started here is killed at exit
 * of the process that started it, even when a test fails half-way. */
#ifndef SGWT_SERVER_H
#define SGWT_SERVER_H

#include <sys/types.h>

struct sgwt_server {
    pid_t pid;          /* 0 when not running */
    int port;           /* bound port read from the log */
    char log_path[256]; /* kept after stop so a failing test can print it */
    long log_offset;    /* where this start's output begins in the log */
};

/* Starts `spamgw serve --listen 127.0.0.1:0 --database-url URL --reporter-secret SECRET
 * [extra...]` and waits up to 20 s for the listening line. extra is NULL-terminated and may be
 * NULL; secret NULL means SGWT_REPORTER_SECRET. tag names the log file
 * ($TMPDIR/sgwt-TAG-PID.log). Returns 0, or -1 with sgwt_errmsg() including the log tail.
 * srv is caller storage, zeroed before its first start (an empty log_path picks the file); it
 * may be reused after stop (the log is appended to). */
int sgwt_server_start(struct sgwt_server *srv, const char *tag, const char *db_url,
                      const char *secret, const char *const *extra);

/* Sends sig without waiting. */
int sgwt_server_signal(struct sgwt_server *srv, int sig);
/* Waits up to timeout_ms for the process to exit; returns its exit code (128+signal when
 * killed), or -2 when still running at the deadline. */
int sgwt_server_wait(struct sgwt_server *srv, int timeout_ms);
/* SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit code as sgwt_server_wait, plus
 * sets *was_killed when SIGKILL was needed (was_killed may be NULL). 0 when already stopped. */
int sgwt_server_stop(struct sgwt_server *srv, int *was_killed);
/* SIGKILL and reap, for crash tests. */
void sgwt_server_kill9(struct sgwt_server *srv);
/* Is the process still running (not yet exited)? */
int sgwt_server_alive(struct sgwt_server *srv);

/* Prints the last lines of this server's log to stderr. */
void sgwt_server_log_tail(const struct sgwt_server *srv, int lines);
/* Deletes the log file: call when the test that owns the server has passed. */
void sgwt_server_remove_log(struct sgwt_server *srv);
/* 1 when the log (this start's part) contains needle. */
int sgwt_server_log_contains(const struct sgwt_server *srv, const char *needle);

#endif
