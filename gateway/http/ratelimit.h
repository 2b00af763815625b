/* Per-API-key token buckets: `rate` requests per second with a burst of the same size. */
#ifndef SGW_RATELIMIT_H
#define SGW_RATELIMIT_H

#include <stdint.h>

struct sgw_ratelimit; /* opaque */

struct sgw_ratelimit *sgw_ratelimit_new(long rate); /* free with _free */
void sgw_ratelimit_free(struct sgw_ratelimit *rl);  /* accepts NULL */

/* 1 when key may make a request at now_us (monotonic), 0 when it must wait. */
int sgw_ratelimit_allow(struct sgw_ratelimit *rl, int64_t key, int64_t now_us);

#endif
