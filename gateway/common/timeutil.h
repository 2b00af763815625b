/* Time as int64 microseconds since the Unix epoch, and RFC 3339 in and out.
 * Pure functions: logic that tests pin takes `now` as a parameter. */
#ifndef SGW_TIMEUTIL_H
#define SGW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t sgw_now_us(void);       /* CLOCK_REALTIME */
int64_t sgw_monotonic_us(void); /* CLOCK_MONOTONIC */

/* Parses "2024-05-01T12:30:00Z", "2024-05-01t12:30:00.25+08:00", "2024-05-01 12:30:00-05:00".
 * Returns 0 and the instant in *out_us, -1 when the text is not a valid RFC 3339 date-time. */
int sgw_rfc3339_parse(const char *s, size_t len, int64_t *out_us);

/* Writes "2024-05-01T04:30:00.250000Z" (UTC, microseconds); out needs 32 bytes. */
void sgw_rfc3339_format(int64_t us, char *out, size_t outsz);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t sgw_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
