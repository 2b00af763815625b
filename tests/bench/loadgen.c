/* loadgen: a small open-loop, fixed-rate HTTP/1.1 load generator for tests/bench/ingest.
 *
 * Debian has no wrk2, and wrk measures latency from the moment it sends a request on a free
 * connection, which hides queueing once the server falls behind ("coordinated omission").
 * loadgen instead fixes a schedule up front: request i is due at t0 + i / rate. Due requests
 * go out on idle keep-alive connections as soon as one is free, and each latency is measured
 * from the request's *scheduled* time to the end of its response, so time spent waiting for a
 * connection counts. When the schedule is exhausted it stops sending and waits (up to --drain
 * seconds) for every outstanding answer, so the number of 2xx answers it reports is exact.
 *
 * One thread, epoll, N connections opened before the schedule starts; bodies are read from a
 * file with one request body per line. Only 127.0.0.1-style numeric IPv4 hosts are accepted.
 *
 * Output: `LOADGEN key value` lines on stdout; diagnostics on stderr. Exit 0 when the run
 * completed (whatever the statuses), 1 on a setup error, 2 on a usage error.
 *
 * Build: cc -O2 -std=c11 -Wall -Wextra -o loadgen loadgen.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF_SIZE 65536
#define MAX_STATUS 600

struct conn {
    int fd;
    int busy;         /* a request is outstanding */
    int64_t sched_ns; /* scheduled time of the outstanding request */
    const char *wbuf; /* request being written */
    size_t wlen, woff;
    char rbuf[RBUF_SIZE];
    size_t rlen;
};

static struct {
    const char *host, *path, *auth, *bodies;
    int port, connections;
    double rate, duration, drain;
    int timeline;
} opt = {"127.0.0.1", "/v1/reports", NULL, NULL, 0, 64, 0, 20, 10, 0};

static char **reqs;
static size_t *req_lens;
static size_t nreqs;

static int64_t *lat_ns;
static int32_t *done_ms; /* completion time since t0, for --timeline */
static size_t nlat, lat_cap;
static int64_t t0;
static uint64_t status_count[MAX_STATUS];
static uint64_t err_connect, err_read, err_parse, reconnects;
static int64_t max_send_lag_ns;
static uint64_t late_sends; /* sent more than 1 ms after their scheduled time */

static int epfd;
static struct sockaddr_in addr;

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
die(const char *what)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die("malloc");
    return p;
}

static void
load_bodies(void)
{
    FILE *f = fopen(opt.bodies, "r");
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t n;

    if (f == NULL)
        die(opt.bodies);
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        if (nreqs == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            reqs = realloc(reqs, alloc * sizeof *reqs);
            req_lens = realloc(req_lens, alloc * sizeof *req_lens);
            if (reqs == NULL || req_lens == NULL)
                die("realloc");
        }
        size_t sz = strlen(opt.path) + strlen(opt.host) + (opt.auth ? strlen(opt.auth) : 0) +
                    (size_t)n + 256;
        char *r = xmalloc(sz);
        int len = snprintf(r, sz,
                           "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                           "%s%s%sContent-Length: %zd\r\n\r\n%s",
                           opt.path, opt.host, opt.port, opt.auth ? "Authorization: " : "",
                           opt.auth ? opt.auth : "", opt.auth ? "\r\n" : "", n, line);
        if (len < 0 || (size_t)len >= sz) {
            fprintf(stderr, "loadgen: request too long\n");
            exit(1);
        }
        reqs[nreqs] = r;
        req_lens[nreqs] = (size_t)len;
        nreqs++;
    }
    free(line);
    fclose(f);
    if (nreqs == 0) {
        fprintf(stderr, "loadgen: no bodies in %s\n", opt.bodies);
        exit(1);
    }
}

static int
conn_open(struct conn *c)
{
    int one = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    /* Blocking connect: connections open before the schedule starts or, on a reconnect,
     * within microseconds on loopback. */
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        die("epoll_ctl");
    c->busy = 0;
    c->rlen = 0;
    c->wbuf = NULL;
    return 0;
}

static void
conn_close(struct conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void
record(int status, int64_t latency, int64_t now)
{
    if (status >= 0 && status < MAX_STATUS)
        status_count[status]++;
    if (nlat == lat_cap) {
        lat_cap = lat_cap ? lat_cap * 2 : 65536;
        lat_ns = realloc(lat_ns, lat_cap * sizeof *lat_ns);
        done_ms = realloc(done_ms, lat_cap * sizeof *done_ms);
        if (lat_ns == NULL || done_ms == NULL)
            die("realloc");
    }
    done_ms[nlat] = (int32_t)((now - t0) / 1000000);
    lat_ns[nlat++] = latency;
}

/* --timeline: one line per second of completion time: answers, p50, p99 and max latency. */
static void
print_timeline(void)
{
    int32_t last = 0;
    for (size_t k = 0; k < nlat; k++)
        if (done_ms[k] > last)
            last = done_ms[k];
    int nsec = last / 1000 + 1;
    for (int sec = 0; sec < nsec; sec++) {
        size_t n = 0;
        for (size_t k = 0; k < nlat; k++)
            n += done_ms[k] / 1000 == sec;
        if (n == 0) {
            printf("LOADGEN second %d answers 0\n", sec);
            continue;
        }
        int64_t *v = xmalloc(n * sizeof *v);
        size_t j = 0;
        for (size_t k = 0; k < nlat; k++)
            if (done_ms[k] / 1000 == sec)
                v[j++] = lat_ns[k];
        qsort(v, n, sizeof *v, cmp_i64);
        printf("LOADGEN second %d answers %zu p50_us %lld p99_us %lld max_us %lld\n", sec, n,
               (long long)(v[n / 2] / 1000), (long long)(v[(size_t)((double)n * 0.99)] / 1000),
               (long long)(v[n - 1] / 1000));
        free(v);
    }
}

/* Writes what is left of c's request; arms EPOLLOUT if the socket is full. 0 or -1. */
static int
conn_flush(struct conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t w = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (w > 0) {
            c->woff += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
            epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
            return 0;
        }
        return -1;
    }
    if (c->wbuf != NULL) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->wbuf = NULL;
    }
    return 0;
}

static int
conn_send(struct conn *c, size_t i, int64_t sched)
{
    c->busy = 1;
    c->sched_ns = sched;
    c->wbuf = reqs[i % nreqs];
    c->wlen = req_lens[i % nreqs];
    c->woff = 0;
    return conn_flush(c);
}

/* Case-insensitive search for header `name` in the header block [h, end); returns the value's
 * start or NULL. */
static const char *
find_header(const char *h, const char *end, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = h; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

/* Tries to take one complete response from c->rbuf. Returns 1 and sets *status / *close_after
 * if one was there, 0 if more bytes are needed, -1 on garbage. */
static int
parse_response(struct conn *c, int *status, int *close_after)
{
    const char *buf = c->rbuf, *hend;
    size_t total;

    hend = memmem(buf, c->rlen, "\r\n\r\n", 4);
    if (hend == NULL)
        return c->rlen >= RBUF_SIZE ? -1 : 0;
    if (c->rlen < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(buf + 9);
    const char *hstart = memchr(buf, '\n', (size_t)(hend - buf));
    hstart = hstart ? hstart + 1 : hend;
    const char *cl = find_header(hstart, hend, "Content-Length");
    const char *te = find_header(hstart, hend, "Transfer-Encoding");
    const char *cn = find_header(hstart, hend, "Connection");
    *close_after = cn != NULL && strncasecmp(cn, "close", 5) == 0;
    size_t body_start = (size_t)(hend - buf) + 4;
    if (*status == 204 || *status == 304 || (*status >= 100 && *status < 200)) {
        total = body_start;
    } else if (te != NULL && strncasecmp(te, "chunked", 7) == 0) {
        /* Small responses only: the body ends at the zero-size chunk and its blank line. */
        const char *z = memmem(buf + body_start - 2, c->rlen - body_start + 2, "\r\n0\r\n\r\n", 7);
        if (z == NULL)
            return c->rlen >= RBUF_SIZE ? -1 : 0;
        total = (size_t)(z - buf) + 7;
    } else if (cl != NULL) {
        total = body_start + strtoul(cl, NULL, 10);
        if (total > RBUF_SIZE)
            return -1;
    } else {
        return -1; /* read-until-close bodies are not supported */
    }
    if (c->rlen < total)
        return 0;
    memmove(c->rbuf, c->rbuf + total, c->rlen - total);
    c->rlen -= total;
    return 1;
}

static double
pct_us(double p)
{
    if (nlat == 0)
        return 0;
    size_t k = (size_t)(p / 100.0 * (double)nlat + 0.5);
    if (k == 0)
        k = 1;
    if (k > nlat)
        k = nlat;
    return (double)lat_ns[k - 1] / 1000.0;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: loadgen --port PORT --bodies FILE --rate RPS [--duration S] "
               "[--connections N]\n"
               "               [--host 127.0.0.1] [--path /v1/reports] [--auth 'Bearer KEY'] "
               "[--drain S]\n"
               "               [--timeline]\n");
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'},     {"port", required_argument, NULL, 'p'},
        {"path", required_argument, NULL, 'P'},     {"auth", required_argument, NULL, 'a'},
        {"bodies", required_argument, NULL, 'b'},   {"rate", required_argument, NULL, 'r'},
        {"duration", required_argument, NULL, 'd'}, {"connections", required_argument, NULL, 'c'},
        {"drain", required_argument, NULL, 'D'},    {"help", no_argument, NULL, 'h'},
        {"timeline", no_argument, NULL, 'T'},       {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'H': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'P': opt.path = optarg; break;
        case 'a': opt.auth = optarg; break;
        case 'b': opt.bodies = optarg; break;
        case 'r': opt.rate = atof(optarg); break;
        case 'd': opt.duration = atof(optarg); break;
        case 'c': opt.connections = atoi(optarg); break;
        case 'D': opt.drain = atof(optarg); break;
        case 'T': opt.timeline = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || opt.port <= 0 || opt.port > 65535 || opt.bodies == NULL ||
        !(opt.rate > 0) || !(opt.duration > 0) || opt.connections < 1 || opt.connections > 10000 ||
        opt.drain < 0) {
        usage(stderr);
        return 2;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: --host must be a numeric IPv4 address\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    load_bodies();

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        die("epoll_create1");
    struct conn *conns = xmalloc((size_t)opt.connections * sizeof *conns);
    struct conn **idle = xmalloc((size_t)opt.connections * sizeof *idle);
    size_t nidle = 0;
    for (int k = 0; k < opt.connections; k++) {
        if (conn_open(&conns[k]) != 0)
            die("connect");
        idle[nidle++] = &conns[k];
    }

    const uint64_t total = (uint64_t)(opt.rate * opt.duration + 0.5);
    const double interval_ns = 1e9 / opt.rate;
    t0 = now_ns() + 1000000; /* 1 ms from now */
    const int64_t sched_end = t0 + (int64_t)(opt.duration * 1e9);
    const int64_t deadline = sched_end + (int64_t)(opt.drain * 1e9);
    uint64_t next = 0, outstanding = 0;
    int64_t last_done = t0;
    int use_pwait2 = 1;
    struct epoll_event evs[256];

#define SCHED(i) (t0 + (int64_t)((double)(i)*interval_ns))

    for (;;) {
        int64_t now = now_ns();
        /* Hand every due request to an idle connection. */
        while (next < total && nidle > 0 && SCHED(next) <= now) {
            struct conn *c = idle[--nidle];
            int64_t lag = now - SCHED(next);
            if (lag > max_send_lag_ns)
                max_send_lag_ns = lag;
            if (lag > 1000000)
                late_sends++;
            if (c->fd < 0 && conn_open(c) != 0) {
                err_connect++;
                idle[nidle++] = c;
                break;
            }
            if (conn_send(c, next, SCHED(next)) != 0) {
                err_read++;
                conn_close(c);
                idle[nidle++] = c; /* reopened on its next use; the request is lost */
                next++;
                continue;
            }
            next++;
            outstanding++;
        }
        if (next >= total && outstanding == 0)
            break;
        if (now >= deadline)
            break;

        /* Sleep until the next due request (if a connection is free for it), an answer, or
         * the drain deadline. */
        int64_t wake = deadline;
        if (next < total && nidle > 0 && SCHED(next) < wake)
            wake = SCHED(next);
        int64_t wait_ns = wake - now;
        if (wait_ns < 0)
            wait_ns = 0;
        int n;
        if (use_pwait2) {
            struct timespec ts = {.tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000};
            n = epoll_pwait2(epfd, evs, 256, &ts, NULL);
            if (n < 0 && errno == ENOSYS) {
                use_pwait2 = 0;
                continue;
            }
        } else {
            n = epoll_wait(epfd, evs, 256, (int)((wait_ns + 999999) / 1000000));
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        now = now_ns();
        for (int k = 0; k < n; k++) {
            struct conn *c = evs[k].data.ptr;
            if (c->fd < 0)
                continue;
            if ((evs[k].events & EPOLLOUT) && c->wbuf != NULL && conn_flush(c) != 0)
                goto broken;
            if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            for (;;) {
                ssize_t r = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, 0);
                if (r > 0) {
                    c->rlen += (size_t)r;
                    int status, close_after, rc;
                    while ((rc = parse_response(c, &status, &close_after)) == 1) {
                        if (!c->busy) {
                            err_parse++;
                            continue;
                        }
                        record(status, now - c->sched_ns, now);
                        last_done = now;
                        c->busy = 0;
                        outstanding--;
                        if (close_after) {
                            conn_close(c);
                            reconnects++;
                        }
                        idle[nidle++] = c;
                        break;
                    }
                    if (rc < 0) {
                        err_parse++;
                        goto broken;
                    }
                    if (c->fd < 0)
                        break;
                    continue;
                }
                if (r < 0 && errno == EINTR)
                    continue;
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    break;
                goto broken; /* EOF or error */
            }
            continue;
        broken:
            if (c->busy) {
                err_read++;
                c->busy = 0;
                outstanding--;
                idle[nidle++] = c;
            } else {
                /* An idle connection the server closed: it is already on the idle stack. */
            }
            conn_close(c);
            reconnects++;
        }
    }
    int64_t end = now_ns();

    if (opt.timeline)
        print_timeline();
    qsort(lat_ns, nlat, sizeof *lat_ns, cmp_i64);
    uint64_t ok = 0;
    for (int s = 200; s < 300; s++)
        ok += status_count[s];
    double span = (double)((last_done > t0 ? last_done : end) - t0) / 1e9;
    printf("LOADGEN target_rps %.1f\n", opt.rate);
    printf("LOADGEN connections %d\n", opt.connections);
    printf("LOADGEN scheduled %llu\n", (unsigned long long)total);
    printf("LOADGEN sent %llu\n", (unsigned long long)next);
    printf("LOADGEN completed %zu\n", nlat);
    printf("LOADGEN ok_2xx %llu\n", (unsigned long long)ok);
    printf("LOADGEN unanswered %llu\n", (unsigned long long)outstanding);
    printf("LOADGEN duration_s %.3f\n", span);
    printf("LOADGEN achieved_rps %.1f\n", span > 0 ? (double)nlat / span : 0.0);
    printf("LOADGEN p50_us %.0f\n", pct_us(50));
    printf("LOADGEN p90_us %.0f\n", pct_us(90));
    printf("LOADGEN p99_us %.0f\n", pct_us(99));
    printf("LOADGEN p99_9_us %.0f\n", pct_us(99.9));
    printf("LOADGEN max_us %.0f\n", nlat ? (double)lat_ns[nlat - 1] / 1000.0 : 0.0);
    printf("LOADGEN late_sends %llu\n", (unsigned long long)late_sends);
    printf("LOADGEN max_send_lag_us %.0f\n", (double)max_send_lag_ns / 1000.0);
    printf("LOADGEN errors connect=%llu read=%llu parse=%llu reconnects=%llu\n",
           (unsigned long long)err_connect, (unsigned long long)err_read,
           (unsigned long long)err_parse, (unsigned long long)reconnects);
    for (int s = 0; s < MAX_STATUS; s++)
        if (status_count[s])
            printf("LOADGEN status %d %llu\n", s, (unsigned long long)status_count[s]);
    for (int k = 0; k < opt.connections; k++)
        conn_close(&conns[k]);
    close(epfd);
    return 0;
}
