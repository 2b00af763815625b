/* Error message, environment and clock helpers for the integration suites. Must never call
 * Check: it runs in main() before the runner and in load threads. */
#include "tests/support/common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/common/mem.h"

static _Thread_local char errbuf[2048];

const char *
sgwt_errmsg(void)
{
    return errbuf[0] ? errbuf : "(no error recorded)";
}

void
sgwt_set_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
}

const char *
sgwt_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *
sgwt_env_required(const char *name)
{
    const char *v = sgwt_env(name);
    if (!v) {
        fprintf(stderr,
                "\n*** FATAL: environment variable %s is not set.\n"
                "*** Integration suites need SPAMGW_BIN and SPAMGW_TEST_DATABASE_URL (tests/run "
                "sets them).\n*** Refusing to skip silently: failing.\n\n",
                name);
        exit(1);
    }
    return v;
}

const char *
sgwt_bin(void)
{
    return sgwt_env_required("SPAMGW_BIN");
}

void
sgwt_require_env(void)
{
    const char *bin = sgwt_env_required("SPAMGW_BIN");
    sgwt_env_required("SPAMGW_TEST_DATABASE_URL");
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "\n*** FATAL: SPAMGW_BIN=%s is not executable: %s\n\n", bin,
                strerror(errno));
        exit(1);
    }
}

const char *
sgwt_tmpdir(void)
{
    const char *t = sgwt_env("TMPDIR");
    return t ? t : "/tmp";
}

long long
sgwt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sgwt_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

void
sgwt_rfc3339_offset(long offset_s, char *out, size_t outsz)
{
    time_t t = time(NULL) + offset_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
sgwt_print_file_tail(const char *title, const char *path, int lines)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        fprintf(stderr, "--- %s: cannot open %s\n", title, path ? path : "(none)");
        return;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long start = size > 65536 ? size - 65536 : 0;
    fseek(f, start, SEEK_SET);
    char *buf = sgw_xmalloc((size_t)(size - start) + 1);
    size_t n = fread(buf, 1, (size_t)(size - start), f);
    buf[n] = '\0';
    fclose(f);
    /* Walk back `lines` newlines from the end (ignoring a final one). */
    size_t pos = n;
    int seen = 0;
    if (pos > 0 && buf[pos - 1] == '\n')
        pos--;
    while (pos > 0) {
        if (buf[pos - 1] == '\n' && ++seen == lines)
            break;
        pos--;
    }
    fprintf(stderr, "--- %s (%s, last %d lines) ---\n%s%s--- end of %s ---\n", title, path, lines,
            buf + pos, (n && buf[n - 1] != '\n') ? "\n" : "", title);
    free(buf);
}

char *
sgwt_printable(const char *s, size_t len, size_t max)
{
    if (!s)
        return sgw_xstrdup("(null)");
    size_t cap = (len < max ? len : max) * 4 + 32;
    char *out = sgw_xmalloc(cap);
    size_t o = 0;
    for (size_t i = 0; i < len && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (len > max)
        o += (size_t)snprintf(out + o, cap - o, "...(%zu bytes)", len);
    out[o] = '\0';
    return out;
}
