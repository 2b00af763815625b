/* key=value log lines on stderr, written with one write(2) so threads never interleave. */
#include "gateway/common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int sgw_log_threshold = SGW_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int
sgw_log_level_parse(const char *name, enum sgw_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum sgw_log_level)i;
            return 0;
        }
    }
    return -1;
}

void
sgw_log_write(enum sgw_log_level lvl, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof line, "ts=%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ level=%s ", ts.tv_nsec / 1000000,
                          level_names[lvl < 0 || lvl > 3 ? 1 : lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += (size_t)m;
    if (n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void
sgw_log_mask(const char *value, char *out, size_t outsz)
{
    size_t len = value ? strlen(value) : 0;
    if (outsz == 0)
        return;
    if (len == 0) {
        snprintf(out, outsz, "-");
        return;
    }
    /* Keep a short head and tail: enough to correlate, not enough to identify. */
    size_t keep = len >= 10 ? 4 : (len >= 6 ? 2 : 0);
    size_t tail = len >= 10 ? 4 : (len >= 6 ? 2 : 0);
    snprintf(out, outsz, "%.*s***%.*s", (int)keep, value, (int)tail, value + len - tail);
}
