/* Kannel's boxes and fakesmsc as child processes of a test. fakesmsc runs in interactive mode
 * on a pipe: a line typed is one message from a subscriber, and every message it receives is a
 * "Got message N: <from to type body>" line in its log (debug level), which is where the tests
 * read the replies. Children are killed at exit of the process that started them, never by
 * name. */
#include "tests/support/kannel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/common/mem.h"
#include "gateway/intake/charset.h"
#include "tests/support/common.h"

#define MAX_TRACKED 16
#define LINE_MAX_FAKESMSC 254 /* fakesmsc reads stdin with fgets(buf, 256) */

static struct {
    pid_t pid, owner;
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
        if (tracked[i].pid <= 0 || tracked[i].owner != getpid()) {
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

int
sgwt_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        *len = 0;
        return sgw_xcalloc(1, 1);
    }
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 65536;
            buf = sgw_xrealloc(buf, cap + 1);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void
path_of(const struct sgwt_kannel *k, const char *name, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", k->dir, name);
}

static int
log_contains(const struct sgwt_kannel *k, const char *log, const char *needle)
{
    char path[320];
    size_t n;
    path_of(k, log, path, sizeof path);
    char *text = read_file(path, &n);
    int found = strstr(text, needle) != NULL;
    free(text);
    return found;
}

/* fork/exec with stdin from in_fd (-1: /dev/null) and stdout+stderr appended to log. */
static pid_t
spawn(const char *const argv[], int in_fd, const char *log)
{
    pid_t pid = fork();
    if (pid < 0) {
        sgwt_set_err("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(argv[0], (char *const *)argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    track(pid);
    return pid;
}

static int
alive(pid_t pid)
{
    return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

static void
stop_pid(pid_t *pid, int sig)
{
    if (*pid <= 0)
        return;
    kill(*pid, sig);
    for (int i = 0; i < 100; i++) {
        if (waitpid(*pid, NULL, WNOHANG) != 0)
            goto reaped;
        sgwt_sleep_ms(50);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
reaped:
    untrack(*pid);
    *pid = 0;
}

/* Waits until log contains needle while pid lives; 0, or -1 at the deadline or its death. */
static int
wait_log(const struct sgwt_kannel *k, const char *log, const char *needle, pid_t pid,
         int timeout_ms)
{
    long long deadline = sgwt_now_ms() + timeout_ms;
    while (sgwt_now_ms() < deadline) {
        if (log_contains(k, log, needle))
            return 0;
        if (!alive(pid)) {
            sgwt_set_err("%s exited before logging \"%s\"", log, needle);
            return -1;
        }
        sgwt_sleep_ms(50);
    }
    sgwt_set_err("%s did not log \"%s\" within %d ms", log, needle, timeout_ms);
    return -1;
}

static const char conf_template[] = "# Written by tests/support/kannel.c for one test run.\n"
                                    "group = core\n"
                                    "admin-port = %d\n"
                                    "admin-interface = 127.0.0.1\n"
                                    "admin-password = sgwt-admin\n"
                                    "smsbox-port = %d\n"
                                    "smsbox-interface = 127.0.0.1\n"
                                    "box-allow-ip = 127.0.0.1\n"
                                    "log-level = 1\n"
                                    "store-type = file\n"
                                    "store-location = %s/store\n"
                                    "\n"
                                    "group = smsc\n"
                                    "smsc = fake\n"
                                    "smsc-id = fake1\n"
                                    "port = %d\n"
                                    "our-host = 127.0.0.1\n"
                                    "connect-allow-ip = 127.0.0.1\n"
                                    "\n"
                                    "group = smsbox\n"
                                    "bearerbox-host = 127.0.0.1\n"
                                    "bearerbox-port = %d\n"
                                    "log-level = 1\n"
                                    "mo-recode = true\n"
                                    "http-request-retry = 3\n"
                                    "http-queue-delay = 1\n"
                                    "\n"
                                    "%s";

int
sgwt_kannel_start(struct sgwt_kannel *k, const char *services)
{
    char conf[320], bblog[320], sblog[320];
    static int seq;

    memset(k, 0, sizeof *k);
    k->fakesmsc_in = -1;
    snprintf(k->dir, sizeof k->dir, "%s/sgwt-kannel-%d-%d-XXXXXX", sgwt_tmpdir(), (int)getpid(),
             seq++);
    if (mkdtemp(k->dir) == NULL) {
        sgwt_set_err("mkdtemp %s: %s", k->dir, strerror(errno));
        k->dir[0] = '\0';
        return -1;
    }
    k->admin_port = sgwt_free_port();
    k->box_port = sgwt_free_port();
    k->smsc_port = sgwt_free_port();
    if (k->admin_port < 0 || k->box_port < 0 || k->smsc_port < 0 || k->admin_port == k->box_port ||
        k->box_port == k->smsc_port || k->admin_port == k->smsc_port) {
        sgwt_set_err("no three distinct free ports");
        return -1;
    }
    path_of(k, "kannel.conf", conf, sizeof conf);
    path_of(k, "bearerbox.log", bblog, sizeof bblog);
    path_of(k, "smsbox.log", sblog, sizeof sblog);
    FILE *f = fopen(conf, "w");
    if (f == NULL) {
        sgwt_set_err("cannot write %s: %s", conf, strerror(errno));
        return -1;
    }
    fprintf(f, conf_template, k->admin_port, k->box_port, k->dir, k->smsc_port, k->box_port,
            services);
    fclose(f);

    /* -v 1: info on stderr (the log file); debug would log every message body twice. */
    const char *bb[] = {SGWT_BEARERBOX, "-v", "1", conf, NULL};
    k->bearerbox = spawn(bb, -1, bblog);
    if (k->bearerbox < 0 ||
        wait_log(k, "bearerbox.log", "entering mainloop", k->bearerbox, 20000) != 0)
        goto fail;
    const char *sb[] = {SGWT_SMSBOX, "-v", "1", conf, NULL};
    k->smsbox = spawn(sb, -1, sblog);
    if (k->smsbox < 0 || wait_log(k, "smsbox.log", "Connected to bearerbox", k->smsbox, 20000) != 0)
        goto fail;
    return 0;
fail:
    sgwt_kannel_log_tails(k, 20);
    return -1;
}

int
sgwt_kannel_fakesmsc_start(struct sgwt_kannel *k)
{
    char port[16], log[320];
    int p[2];

    if (pipe2(p, O_CLOEXEC) != 0) {
        sgwt_set_err("pipe: %s", strerror(errno));
        return -1;
    }
    snprintf(port, sizeof port, "%d", k->smsc_port);
    path_of(k, "fakesmsc.log", log, sizeof log);
    /* -i 0: send each typed line at once (the default paces messages a second apart). */
    const char *argv[] = {SGWT_FAKESMSC, "-H", "127.0.0.1", "-r", port, "-i", "0", NULL};
    k->fakesmsc = spawn(argv, p[0], log);
    close(p[0]);
    if (k->fakesmsc < 0) {
        close(p[1]);
        return -1;
    }
    k->fakesmsc_in = p[1];
    k->sent = 0;
    if (wait_log(k, "bearerbox.log", "Fakesmsc client connected", k->fakesmsc, 20000) != 0) {
        sgwt_kannel_log_tails(k, 20);
        return -1;
    }
    return 0;
}

int
sgwt_kannel_send(struct sgwt_kannel *k, const char *line)
{
    char needle[64];
    size_t n = strlen(line);

    if (n == 0 || n > LINE_MAX_FAKESMSC || strchr(line, '\n') != NULL) {
        sgwt_set_err("fakesmsc lines are 1 to %d bytes without a newline (got %zu)",
                     LINE_MAX_FAKESMSC, n);
        return -1;
    }
    char *buf = sgw_xmalloc(n + 1);
    memcpy(buf, line, n);
    buf[n] = '\n';
    ssize_t w = write(k->fakesmsc_in, buf, n + 1);
    free(buf);
    if (w != (ssize_t)(n + 1)) {
        sgwt_set_err("write to fakesmsc: %s", strerror(errno));
        return -1;
    }
    snprintf(needle, sizeof needle, "fakesmsc: sent message %ld\n", k->sent + 1);
    if (wait_log(k, "fakesmsc.log", needle, k->fakesmsc, 10000) != 0)
        return -1;
    k->sent++;
    return 0;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Kannel's url-encoding: %XX and '+' for space. */
static size_t
url_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

static int
parse_line(const char *line, size_t len, struct sgwt_sms *m)
{
    const char *p = memmem(line, len, "Got message ", 12);
    if (p == NULL)
        return -1;
    char *end;
    m->n = strtol(p + 12, &end, 10);
    if (end[0] != ':' || end[1] != ' ' || end[2] != '<')
        return -1;
    const char *body = end + 3, *close = line + len;
    while (close > body && close[-1] != '>')
        close--;
    if (close == body)
        return -1;
    size_t blen = (size_t)(close - 1 - body);
    const char *s1 = memchr(body, ' ', blen);
    const char *s2 = s1 ? memchr(s1 + 1, ' ', (size_t)(body + blen - s1 - 1)) : NULL;
    const char *s3 = s2 ? memchr(s2 + 1, ' ', (size_t)(body + blen - s2 - 1)) : NULL;
    if (s3 == NULL)
        return -1;
    snprintf(m->from, sizeof m->from, "%.*s", (int)(s1 - body), body);
    snprintf(m->to, sizeof m->to, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
    const char *type = s2 + 1, *data = s3 + 1;
    size_t tlen = (size_t)(s3 - type), dlen = (size_t)(body + blen - data);
    m->ucs2 = tlen == 5 && memcmp(type, "ucs-2", 5) == 0;
    if (tlen == 4 && memcmp(type, "text", 4) == 0) {
        m->text = sgw_xstrndup(data, dlen);
        return 0;
    }
    char *raw = sgw_xmalloc(dlen + 1);
    size_t rlen = url_decode(data, dlen, raw);
    if (m->ucs2) {
        size_t ulen;
        if (sgw_charset_to_utf8(SGW_CHARSET_UTF16BE, raw, rlen, &m->text, &ulen) != 0)
            m->text = sgw_xstrdup("(undecodable UCS-2)");
        free(raw);
    } else {
        raw[rlen] = '\0';
        m->text = raw;
    }
    return 0;
}

size_t
sgwt_kannel_received(const struct sgwt_kannel *k, struct sgwt_sms **out)
{
    char path[320];
    size_t len, n = 0, cap = 0;
    struct sgwt_sms *v = NULL;

    path_of(k, "fakesmsc.log", path, sizeof path);
    char *text = read_file(path, &len);
    for (const char *line = text; line < text + len;) {
        const char *nl = memchr(line, '\n', (size_t)(text + len - line));
        if (nl == NULL)
            break; /* a line still being written */
        struct sgwt_sms m;
        memset(&m, 0, sizeof m);
        if (parse_line(line, (size_t)(nl - line), &m) == 0) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                v = sgw_xrealloc(v, cap * sizeof *v);
            }
            v[n++] = m;
        }
        line = nl + 1;
    }
    free(text);
    *out = v;
    return n;
}

void
sgwt_sms_free(struct sgwt_sms *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i].text);
    free(v);
}

int
sgwt_kannel_wait_received(const struct sgwt_kannel *k, size_t n, int timeout_ms)
{
    long long deadline = sgwt_now_ms() + timeout_ms;
    size_t got = 0;
    for (;;) {
        struct sgwt_sms *v;
        got = sgwt_kannel_received(k, &v);
        sgwt_sms_free(v, got);
        if (got >= n)
            return 0;
        if (sgwt_now_ms() >= deadline)
            break;
        sgwt_sleep_ms(50);
    }
    sgwt_set_err("fakesmsc received %zu messages, expected %zu within %d ms", got, n, timeout_ms);
    return -1;
}

void
sgwt_kannel_log_tails(const struct sgwt_kannel *k, int lines)
{
    static const char *const logs[] = {"bearerbox.log", "smsbox.log", "fakesmsc.log", NULL};
    for (int i = 0; logs[i]; i++) {
        char path[320];
        path_of(k, logs[i], path, sizeof path);
        sgwt_print_file_tail(logs[i], path, lines);
    }
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
sgwt_kannel_stop(struct sgwt_kannel *k)
{
    /* Clients first, then the box they talk to. fakesmsc frees its input buffer twice when
     * its stdin ends: it is stopped by signal before its stdin is closed. */
    stop_pid(&k->fakesmsc, SIGTERM);
    if (k->fakesmsc_in >= 0)
        close(k->fakesmsc_in);
    k->fakesmsc_in = -1;
    stop_pid(&k->smsbox, SIGTERM);
    stop_pid(&k->bearerbox, SIGTERM);
    if (k->dir[0] != '\0' && strstr(k->dir, "/sgwt-kannel-") != NULL)
        nftw(k->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    k->dir[0] = '\0';
}
