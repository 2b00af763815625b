/* Gateway processes for integration tests. A registry remembers which process started which
 * gateway, so an exit handler kills only its own children: Check forks a process per test,
 * and a child must never stop the suite's shared server. */
#include "tests/support/server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/common/mem.h"
#include "tests/support/common.h"
#include "tests/support/proc.h"

#define MAX_TRACKED 64

static struct {
    pid_t pid;
    pid_t owner;
} tracked[MAX_TRACKED];
static int atexit_done;

static void
kill_tracked(void)
{
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (tracked[i].pid > 0 && tracked[i].owner == getpid()) {
            kill(tracked[i].pid, SIGKILL);
            waitpid(tracked[i].pid, NULL, 0);
            tracked[i].pid = 0;
        }
    }
}

static void
track(pid_t pid)
{
    if (!atexit_done) {
        atexit(kill_tracked);
        atexit_done = 1;
    }
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (tracked[i].pid == 0 || tracked[i].owner != getpid()) {
            tracked[i].pid = pid;
            tracked[i].owner = getpid();
            return;
        }
    }
}

static void
untrack(pid_t pid)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i].pid == pid && tracked[i].owner == getpid())
            tracked[i].pid = 0;
}

static char *
read_log_from(const struct sgwt_server *srv, long from)
{
    FILE *f = fopen(srv->log_path, "rb");
    if (!f)
        return sgw_xstrdup("");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    if (from > size)
        from = size;
    fseek(f, from, SEEK_SET);
    char *buf = sgw_xmalloc((size_t)(size - from) + 1);
    size_t n = fread(buf, 1, (size_t)(size - from), f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Finds "event=listening" and "listen=127.0.0.1:PORT" on one line of the log text. */
static int
find_port(const char *text)
{
    const char *line = text;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        if (!nl)
            break; /* wait for the whole line */
        size_t n = (size_t)(nl - line);
        char *l = sgw_xstrndup(line, n);
        int port = -1;
        if (strstr(l, "event=listening")) {
            const char *p = strstr(l, "listen=127.0.0.1:");
            if (p) {
                port = atoi(p + strlen("listen=127.0.0.1:"));
                if (port <= 0 || port > 65535)
                    port = -1;
            }
        }
        free(l);
        if (port > 0)
            return port;
        line = nl + 1;
    }
    return -1;
}

static char *
log_tail_text(const struct sgwt_server *srv, size_t max)
{
    char *all = read_log_from(srv, srv->log_offset);
    size_t n = strlen(all);
    if (n > max) {
        char *t = sgw_xstrdup(all + n - max);
        free(all);
        return t;
    }
    return all;
}

int
sgwt_server_start(struct sgwt_server *srv, const char *tag, const char *db_url, const char *secret,
                  const char *const *extra)
{
    const char *bin = sgwt_bin();
    const char *argv[64];
    int argc = 0;
    argv[argc++] = bin;
    argv[argc++] = "serve";
    argv[argc++] = "--listen";
    argv[argc++] = "127.0.0.1:0";
    argv[argc++] = "--database-url";
    argv[argc++] = db_url;
    argv[argc++] = "--reporter-secret";
    argv[argc++] = secret ? secret : SGWT_REPORTER_SECRET;
    for (int i = 0; extra && extra[i] && argc < 62; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    if (srv->log_path[0] == '\0')
        snprintf(srv->log_path, sizeof srv->log_path, "%s/sgwt-%s-%d.log", sgwt_tmpdir(),
                 tag ? tag : "gw", (int)getpid());
    int fd = open(srv->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        sgwt_set_err("open %s: %s", srv->log_path, strerror(errno));
        return -1;
    }
    srv->log_offset = lseek(fd, 0, SEEK_END);
    srv->port = 0;

    pid_t pid = fork();
    if (pid < 0) {
        sgwt_set_err("fork: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(bin, (char *const *)argv);
        dprintf(2, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(fd);
    srv->pid = pid;
    track(pid);

    long long deadline = sgwt_now_ms() + 20000;
    while (sgwt_now_ms() < deadline) {
        char *text = read_log_from(srv, srv->log_offset);
        int port = find_port(text);
        free(text);
        if (port > 0) {
            srv->port = port;
            return 0;
        }
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            untrack(pid);
            srv->pid = 0;
            char *tail = log_tail_text(srv, 1500);
            sgwt_set_err("spamgw serve exited with %d before listening; log %s:\n%s",
                         sgwt_wait_status_code(ws), srv->log_path, tail);
            free(tail);
            return -1;
        }
        sgwt_sleep_ms(20);
    }
    char *tail = log_tail_text(srv, 1500);
    sgwt_set_err("spamgw serve did not log event=listening within 20 s; log %s:\n%s", srv->log_path,
                 tail);
    free(tail);
    sgwt_server_kill9(srv);
    return -1;
}

int
sgwt_server_signal(struct sgwt_server *srv, int sig)
{
    if (srv->pid <= 0) {
        sgwt_set_err("server not running");
        return -1;
    }
    return kill(srv->pid, sig);
}

int
sgwt_server_wait(struct sgwt_server *srv, int timeout_ms)
{
    if (srv->pid <= 0)
        return 0;
    long long deadline = sgwt_now_ms() + timeout_ms;
    for (;;) {
        int ws;
        pid_t w = waitpid(srv->pid, &ws, WNOHANG);
        if (w == srv->pid) {
            untrack(srv->pid);
            srv->pid = 0;
            return sgwt_wait_status_code(ws);
        }
        if (w < 0) { /* not our child any more: nothing to wait for */
            untrack(srv->pid);
            srv->pid = 0;
            return -1;
        }
        if (sgwt_now_ms() >= deadline)
            return -2;
        sgwt_sleep_ms(10);
    }
}

int
sgwt_server_stop(struct sgwt_server *srv, int *was_killed)
{
    if (was_killed)
        *was_killed = 0;
    if (srv->pid <= 0)
        return 0;
    kill(srv->pid, SIGTERM);
    int code = sgwt_server_wait(srv, 10000);
    if (code == -2) {
        if (was_killed)
            *was_killed = 1;
        kill(srv->pid, SIGKILL);
        code = sgwt_server_wait(srv, 10000);
    }
    return code;
}

void
sgwt_server_kill9(struct sgwt_server *srv)
{
    if (srv->pid <= 0)
        return;
    kill(srv->pid, SIGKILL);
    waitpid(srv->pid, NULL, 0);
    untrack(srv->pid);
    srv->pid = 0;
}

int
sgwt_server_alive(struct sgwt_server *srv)
{
    if (srv->pid <= 0)
        return 0;
    int ws;
    pid_t w = waitpid(srv->pid, &ws, WNOHANG);
    if (w == 0)
        return 1;
    if (w == srv->pid) {
        untrack(srv->pid);
        srv->pid = 0;
        return 0;
    }
    /* Started by another process (the suite's main process, seen from a forked test). */
    return kill(srv->pid, 0) == 0;
}

void
sgwt_server_log_tail(const struct sgwt_server *srv, int lines)
{
    sgwt_print_file_tail("spamgw log", srv->log_path, lines);
}

int
sgwt_server_log_contains(const struct sgwt_server *srv, const char *needle)
{
    char *text = read_log_from(srv, srv->log_offset);
    int found = strstr(text, needle) != NULL;
    free(text);
    return found;
}

void
sgwt_server_remove_log(struct sgwt_server *srv)
{
    if (srv->log_path[0])
        unlink(srv->log_path);
}
