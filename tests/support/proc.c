/* fork/exec with a deadline and captured output. Never leaves a child behind: on timeout it
 * is killed and reaped before returning. */
#include "tests/support/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/common/mem.h"
#include "tests/support/common.h"

void
sgwt_proc_result_fini(struct sgwt_proc_result *r)
{
    if (!r)
        return;
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

int
sgwt_wait_status_code(int ws)
{
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws))
        return 128 + WTERMSIG(ws);
    return -1;
}

static void
append(char **buf, size_t *len, const char *p, size_t n)
{
    *buf = sgw_xrealloc(*buf, *len + n + 1);
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
}

int
sgwt_run(const char *const argv[], int timeout_ms, struct sgwt_proc_result *res)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    memset(res, 0, sizeof *res);
    res->status = -1;
    res->out = sgw_xcalloc(1, 1);
    res->err = sgw_xcalloc(1, 1);
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        sgwt_set_err("pipe: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        sgwt_set_err("fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        execv(argv[0], (char *const *)argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    po[1] = pe[1] = -1;

    long long deadline = sgwt_now_ms() + timeout_ms;
    long long exited_at = -1;
    int ws = 0, reaped = 0;
    while (po[0] >= 0 || pe[0] >= 0 || !reaped) {
        long long now = sgwt_now_ms();
        if (!reaped) {
            pid_t w = waitpid(pid, &ws, WNOHANG);
            if (w == pid) {
                reaped = 1;
                exited_at = now;
            }
        }
        /* A grandchild may keep the pipes open after the child exits: stop reading soon. */
        if (reaped && now - exited_at > 500)
            break;
        if (!reaped && now > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
            res->timed_out = 1;
            sgwt_set_err("%s timed out after %d ms", argv[0], timeout_ms);
            goto fail;
        }
        struct pollfd pfd[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
        int pr = poll(pfd, 2, 50);
        if (pr < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && pr > 0; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char tmp[8192];
            ssize_t n = read(pfd[i].fd, tmp, sizeof tmp);
            if (n > 0) {
                if (i == 0)
                    append(&res->out, &res->out_len, tmp, (size_t)n);
                else
                    append(&res->err, &res->err_len, tmp, (size_t)n);
            } else if (n == 0 || (n < 0 && errno != EINTR)) {
                close(pfd[i].fd);
                if (i == 0)
                    po[0] = -1;
                else
                    pe[0] = -1;
            }
        }
    }
    if (po[0] >= 0)
        close(po[0]);
    if (pe[0] >= 0)
        close(pe[0]);
    res->status = sgwt_wait_status_code(ws);
    return 0;

fail:
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
    }
    return -1;
}

int
sgwt_sh_logged(const char *cmd, const char *log_path, int timeout_ms)
{
    pid_t pid = fork();
    if (pid < 0) {
        sgwt_set_err("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* Own session: a daemon this starts (postmaster) must not share the test's process
         * group, which Check SIGKILLs when the test ends. */
        setsid();
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    long long deadline = sgwt_now_ms() + timeout_ms;
    int ws = 0;
    for (;;) {
        pid_t w = waitpid(pid, &ws, WNOHANG);
        if (w == pid)
            break;
        if (sgwt_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
            sgwt_set_err("`%s` timed out after %d ms (log: %s)", cmd, timeout_ms, log_path);
            return -1;
        }
        sgwt_sleep_ms(20);
    }
    int code = sgwt_wait_status_code(ws);
    if (code != 0)
        sgwt_set_err("`%s` exited %d (log: %s)", cmd, code, log_path);
    return code;
}
