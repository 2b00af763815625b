/* Token buckets in an open-addressing table keyed by API key id. Keys are few (one per app
 * or relay), so one mutex is enough; the table grows and never shrinks. */
#include "gateway/http/ratelimit.h"

#include "gateway/common/mem.h"

#include <pthread.h>
#include <stdlib.h>

struct bucket {
    int64_t key;
    int used; /* slot holds a key */
    double tokens;
    int64_t last_us;
};

struct sgw_ratelimit {
    pthread_mutex_t mu;
    double rate;
    struct bucket *slots;
    size_t cap, used;
};

struct sgw_ratelimit *
sgw_ratelimit_new(long rate)
{
    struct sgw_ratelimit *rl = sgw_xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->mu, NULL);
    rl->rate = (double)rate;
    rl->cap = 64;
    rl->slots = sgw_xcalloc(rl->cap, sizeof *rl->slots);
    return rl;
}

void
sgw_ratelimit_free(struct sgw_ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->slots);
    free(rl);
}

static struct bucket *
find(struct bucket *slots, size_t cap, int64_t key)
{
    size_t i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ULL) & (cap - 1);
    while (slots[i].used && slots[i].key != key)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void
grow(struct sgw_ratelimit *rl)
{
    size_t ncap = rl->cap * 2;
    struct bucket *n = sgw_xcalloc(ncap, sizeof *n);
    for (size_t i = 0; i < rl->cap; i++) {
        if (rl->slots[i].used)
            *find(n, ncap, rl->slots[i].key) = rl->slots[i];
    }
    free(rl->slots);
    rl->slots = n;
    rl->cap = ncap;
}

int
sgw_ratelimit_allow(struct sgw_ratelimit *rl, int64_t key, int64_t now_us)
{
    int ok;

    pthread_mutex_lock(&rl->mu);
    struct bucket *b = find(rl->slots, rl->cap, key);
    if (!b->used) {
        if (2 * (rl->used + 1) > rl->cap) {
            grow(rl);
            b = find(rl->slots, rl->cap, key);
        }
        b->key = key;
        b->used = 1;
        b->tokens = rl->rate;
        b->last_us = now_us;
        rl->used++;
    }
    b->tokens += (double)(now_us - b->last_us) * rl->rate / 1e6;
    if (b->tokens > rl->rate)
        b->tokens = rl->rate;
    b->last_us = now_us;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}
