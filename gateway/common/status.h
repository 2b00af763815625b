/* The one status enum every layer returns; the HTTP layer maps it to a code in one place. */
#ifndef SGW_STATUS_H
#define SGW_STATUS_H

enum sgw_status {
    SGW_OK = 0,
    SGW_INVALID,   /* bad input from outside: 400 */
    SGW_TOO_LARGE, /* input over a configured bound: 413 */
    SGW_BUSY,      /* queue full or shutting down: 503 with Retry-After */
    SGW_DATABASE,  /* PostgreSQL unreachable or failed: 503 */
    SGW_TIMEOUT,   /* deadline passed: 503 */
    SGW_NOT_FOUND, /* no such object: 404 */
    SGW_CONFLICT,  /* idempotent replay or state conflict */
    SGW_INTERNAL   /* a bug or resource failure: 500 */
};

const char *sgw_status_name(enum sgw_status st);

#endif
