/* Shared plumbing for the integration suites: the per-thread error message every sgwt_
 * function sets when it fails, the required environment, and clock helpers. Nothing here
 * calls Check, so it is safe before srunner_run_all() and in helper threads. */
#ifndef SGWT_COMMON_H
#define SGWT_COMMON_H

#include <stddef.h>

/* The reporter secret every test gateway is started with (40 characters). */
#define SGWT_REPORTER_SECRET "sgwt-reporter-secret-0123456789abcdefghij"

/* Message of the last failed sgwt_ call in this thread; never NULL, owned by the library. */
const char *sgwt_errmsg(void);
void sgwt_set_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Returns the value of a required environment variable; prints a loud message to stderr and
 * exits 1 when it is missing or empty, so a misconfigured run fails instead of skipping. */
const char *sgwt_env_required(const char *name);
/* Returns the value or NULL (unset or empty). */
const char *sgwt_env(const char *name);
/* Exits 1 with a message unless SPAMGW_BIN is executable and SPAMGW_TEST_DATABASE_URL set. */
void sgwt_require_env(void);
const char *sgwt_bin(void); /* $SPAMGW_BIN, exits 1 when missing */

/* $TMPDIR or /tmp: where logs and scratch files go. */
const char *sgwt_tmpdir(void);

long long sgwt_now_ms(void); /* monotonic clock */
void sgwt_sleep_ms(long ms);

/* Writes an RFC 3339 UTC timestamp for now + offset_s seconds ("2024-05-01T12:00:00Z"). */
void sgwt_rfc3339_offset(long offset_s, char *out, size_t outsz);

/* Prints the last `lines` lines of the file at path to stderr, framed by a title. */
void sgwt_print_file_tail(const char *title, const char *path, int lines);

/* Returns a heap copy (caller frees) of at most max bytes of s, with control bytes escaped,
 * for failure messages. NULL in, "(null)" copy out. */
char *sgwt_printable(const char *s, size_t len, size_t max);

#endif
