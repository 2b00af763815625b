/* Band index: one open-addressing table per band from a 32-bit band key to the newest
 * representative with that key; representatives chain to older ones with the same key. The
 * representatives live in a ring (oldest evicted first). Band keys are cut to 32 bits: a false
 * share only costs one similarity computation, and it halves the tables. It must never
 * allocate per query: queries run once per report at tens of thousands per second. */
#include "gateway/cluster/lsh.h"

#include "gateway/common/mem.h"

#include <stdlib.h>
#include <string.h>

#define NONE (-1)

struct rep {
    int64_t report_id; /* 0 = free slot */
    int64_t campaign_id;
    uint32_t v[SGW_MINHASH_K];
    uint32_t keys[SGW_MINHASH_BANDS];
    int32_t next[SGW_MINHASH_BANDS]; /* older representative with the same band key */
    uint32_t seen;                   /* query stamp, to report each representative once */
};

struct entry {
    uint32_t key; /* 0 = empty (key 0 is stored as 1) */
    int32_t head;
};

struct band {
    struct entry *e;
    size_t cap, n;
};

struct sgw_lsh {
    struct rep *reps;
    size_t max, head, count; /* ring: oldest at head */
    struct band bands[SGW_MINHASH_BANDS];
    uint32_t stamp;
};

static uint32_t
key32(uint64_t k)
{
    uint32_t x = (uint32_t)(k ^ (k >> 32));
    return x ? x : 1;
}

static size_t
slot_of(const struct band *b, uint32_t key)
{
    uint32_t h = key * 0x9E3779B1u;
    size_t mask = b->cap - 1, i = (size_t)h & mask;
    while (b->e[i].key != 0 && b->e[i].key != key)
        i = (i + 1) & mask;
    return i;
}

static void
band_grow(struct band *b)
{
    struct entry *old = b->e;
    size_t oldcap = b->cap;
    b->cap = oldcap ? oldcap * 2 : 1024;
    b->e = sgw_xcalloc(b->cap, sizeof *b->e);
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key != 0)
            b->e[slot_of(b, old[i].key)] = old[i];
    }
    free(old);
}

/* Removes the entry at slot i by shifting later entries of its probe run back (no tombstones,
 * so lookups stay short however many representatives come and go). */
static void
band_delete(struct band *b, size_t i)
{
    size_t mask = b->cap - 1, j = i;
    b->e[i].key = 0;
    b->n--;
    for (;;) {
        j = (j + 1) & mask;
        if (b->e[j].key == 0)
            return;
        size_t home = (size_t)(b->e[j].key * 0x9E3779B1u) & mask;
        /* Move e[j] to the hole when its home is not in (i, j] cyclically. */
        int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            b->e[i] = b->e[j];
            b->e[j].key = 0;
            i = j;
        }
    }
}

struct sgw_lsh *
sgw_lsh_new(size_t max_reps)
{
    struct sgw_lsh *l = sgw_xcalloc(1, sizeof *l);
    l->max = max_reps ? max_reps : 1;
    /* The ring is allocated at the first add, zeroed: the kernel maps its pages only as
     * representatives fill them, so resident memory follows the count, not the bound. */
    l->reps = NULL;
    for (int b = 0; b < SGW_MINHASH_BANDS; b++)
        band_grow(&l->bands[b]);
    return l;
}

void
sgw_lsh_free(struct sgw_lsh *l)
{
    if (l == NULL)
        return;
    for (int b = 0; b < SGW_MINHASH_BANDS; b++)
        free(l->bands[b].e);
    free(l->reps);
    free(l);
}

static void
evict_oldest(struct sgw_lsh *l, int64_t *report, int64_t *campaign)
{
    int32_t idx = (int32_t)l->head;
    struct rep *r = &l->reps[idx];
    *report = r->report_id;
    *campaign = r->campaign_id;
    for (int b = 0; b < SGW_MINHASH_BANDS; b++) {
        struct band *bd = &l->bands[b];
        size_t s = slot_of(bd, r->keys[b]);
        /* The oldest is the tail of its chain: unlink it from its newer neighbour. */
        int32_t cur = bd->e[s].head;
        if (cur == idx) {
            bd->e[s].head = r->next[b];
            if (r->next[b] == NONE)
                band_delete(bd, s);
        } else {
            while (cur != NONE && l->reps[cur].next[b] != idx)
                cur = l->reps[cur].next[b];
            if (cur != NONE)
                l->reps[cur].next[b] = r->next[b];
        }
    }
    r->report_id = 0;
    l->head = (l->head + 1) % l->max;
    l->count--;
}

void
sgw_lsh_add(struct sgw_lsh *l, int64_t report_id, int64_t campaign_id,
            const struct sgw_minhash *sig, int64_t *evicted_report, int64_t *evicted_campaign)
{
    uint64_t keys[SGW_MINHASH_BANDS];

    *evicted_report = 0;
    *evicted_campaign = 0;
    if (l->reps == NULL)
        l->reps = sgw_xcalloc(l->max, sizeof *l->reps);
    if (l->count == l->max)
        evict_oldest(l, evicted_report, evicted_campaign);
    int32_t idx = (int32_t)((l->head + l->count) % l->max);
    struct rep *r = &l->reps[idx];
    r->report_id = report_id;
    r->campaign_id = campaign_id;
    memcpy(r->v, sig->v, sizeof r->v);
    r->seen = 0;
    sgw_minhash_bands(sig, keys);
    for (int b = 0; b < SGW_MINHASH_BANDS; b++) {
        struct band *bd = &l->bands[b];
        if ((bd->n + 1) * 4 > bd->cap * 3)
            band_grow(bd);
        r->keys[b] = key32(keys[b]);
        size_t s = slot_of(bd, r->keys[b]);
        if (bd->e[s].key == 0) {
            bd->e[s].key = r->keys[b];
            bd->e[s].head = NONE;
            bd->n++;
        }
        r->next[b] = bd->e[s].head;
        bd->e[s].head = idx;
    }
    l->count++;
}

static double
similarity(const uint32_t *a, const struct sgw_minhash *q)
{
    struct sgw_minhash m;
    memcpy(m.v, a, sizeof m.v);
    m.shingles = 0;
    m.flags = 0;
    return sgw_minhash_similarity(&m, q);
}

size_t
sgw_lsh_query(struct sgw_lsh *l, const struct sgw_minhash *sig, struct sgw_lsh_hit *hits,
              size_t max)
{
    uint64_t keys[SGW_MINHASH_BANDS];
    size_t n = 0;

    if (l->count == 0)
        return 0;
    if (++l->stamp == 0) {
        /* Stamps wrapped: clear them so an old stamp cannot hide a representative. */
        for (size_t i = 0; i < l->max; i++)
            l->reps[i].seen = 0;
        l->stamp = 1;
    }
    sgw_minhash_bands(sig, keys);
    for (int b = 0; b < SGW_MINHASH_BANDS; b++) {
        struct band *bd = &l->bands[b];
        size_t s = slot_of(bd, key32(keys[b]));
        if (bd->e[s].key == 0)
            continue;
        for (int32_t cur = bd->e[s].head; cur != NONE; cur = l->reps[cur].next[b]) {
            struct rep *r = &l->reps[cur];
            if (r->seen == l->stamp)
                continue;
            r->seen = l->stamp;
            if (n < max)
                hits[n] = (struct sgw_lsh_hit){r->report_id, r->campaign_id, similarity(r->v, sig)};
            n++;
        }
    }
    return n;
}

size_t
sgw_lsh_count(const struct sgw_lsh *l)
{
    return l->count;
}

size_t
sgw_lsh_bytes(const struct sgw_lsh *l)
{
    /* The ring's untouched pages are never resident: count the filled part. */
    size_t total = l->count * sizeof(struct rep);
    for (int b = 0; b < SGW_MINHASH_BANDS; b++)
        total += l->bands[b].cap * sizeof(struct entry);
    return total;
}
