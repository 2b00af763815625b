/* Running short-lived commands from tests (spamgw migrate / key, the PostgreSQL stop and start
 * commands) with a deadline, capturing their output. */
#ifndef SGWT_PROC_H
#define SGWT_PROC_H

#include <stddef.h>

struct sgwt_proc_result {
    int status;    /* exit code, 128+signal when killed, -1 when it could not run */
    int timed_out; /* killed with SIGKILL at the deadline */
    char *out;     /* captured stdout, NUL-terminated, owned by the result (NULL if to a file) */
    char *err;     /* captured stderr, likewise */
    size_t out_len, err_len;
};

void sgwt_proc_result_fini(struct sgwt_proc_result *r); /* frees out/err; accepts zeroed */

/* Runs argv (argv[0] a path) with stdin from /dev/null, capturing stdout and stderr, and kills
 * it after timeout_ms. Returns 0 when it ran (look at res->status), -1 when it could not be
 * started or timed out (sgwt_errmsg() says why); res is always filled. */
int sgwt_run(const char *const argv[], int timeout_ms, struct sgwt_proc_result *res);

/* Runs `sh -c cmd` in a new session with stdout and stderr appended to log_path (so daemons
 * it starts neither hold our pipes open nor die with the test's process group) and waits up
 * to timeout_ms. Returns the exit code as above or -1. */
int sgwt_sh_logged(const char *cmd, const char *log_path, int timeout_ms);

/* Decodes a waitpid status: exit code, or 128+signal. */
int sgwt_wait_status_code(int wstatus);

#endif
