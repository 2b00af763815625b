/* RFC 3339 parsing by hand: strptime is locale-bound and accepts too much. */
#include "gateway/common/timeutil.h"

#include <stdio.h>
#include <time.h>

int64_t
sgw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
sgw_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Howard Hinnant's days_from_civil. */
int64_t
sgw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
sgw_rfc3339_parse(const char *s, size_t len, int64_t *out_us)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    int64_t frac_us = 0;
    size_t i;

    /* YYYY-MM-DDTHH:MM:SS is 19 bytes; the shortest zone is "Z". */
    if (len < 20 || len > 64)
        return -1;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
        return -1;
    i = 19;
    if (i < len && s[i] == '.') {
        int64_t scale = 100000;
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -1;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            frac_us += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if (i >= len)
        return -1;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
        sign = 0;
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == len) {
        sign = s[i] == '+' ? 1 : -1;
        if (digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || digits(s + i + 4, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
    } else {
        return -1;
    }
    if (sec == 60) /* leap second: Unix time has none; clamp to the minute's last microsecond */
        sec = 59, frac_us = 999999;
    int64_t days = sgw_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    *out_us = t * 1000000 + frac_us;
    return 0;
}

void
sgw_rfc3339_format(int64_t us, char *out, size_t outsz)
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    long frac = (long)(us - (int64_t)t * 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
