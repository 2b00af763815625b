/* Union-find as an open-addressing hash map id -> parent of the non-roots. Lowest id wins every
 * union, so results equal whatever order or batching the unions came in; it must never pick a
 * survivor by size or time. */
#include "gateway/cluster/unionfind.h"

#include "gateway/common/mem.h"

#include <stdlib.h>

struct slot {
    int64_t key; /* 0 = empty: ids are positive */
    int64_t parent;
};

struct sgw_uf {
    struct slot *slots;
    size_t cap, n;
};

static uint64_t
mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

struct sgw_uf *
sgw_uf_new(void)
{
    struct sgw_uf *u = sgw_xcalloc(1, sizeof *u);
    u->cap = 64;
    u->slots = sgw_xcalloc(u->cap, sizeof *u->slots);
    return u;
}

void
sgw_uf_free(struct sgw_uf *u)
{
    if (u == NULL)
        return;
    free(u->slots);
    free(u);
}

static struct slot *
lookup(const struct sgw_uf *u, int64_t key)
{
    size_t mask = u->cap - 1, i = (size_t)mix((uint64_t)key) & mask;
    while (u->slots[i].key != 0 && u->slots[i].key != key)
        i = (i + 1) & mask;
    return &u->slots[i];
}

static void
grow(struct sgw_uf *u)
{
    struct slot *old = u->slots;
    size_t oldcap = u->cap;
    u->cap *= 2;
    u->slots = sgw_xcalloc(u->cap, sizeof *u->slots);
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key != 0)
            *lookup(u, old[i].key) = old[i];
    }
    free(old);
}

void
sgw_uf_set(struct sgw_uf *u, int64_t old, int64_t survivor)
{
    if (old == survivor || old <= 0)
        return;
    if ((u->n + 1) * 4 > u->cap * 3)
        grow(u);
    struct slot *s = lookup(u, old);
    if (s->key == 0) {
        s->key = old;
        u->n++;
    }
    s->parent = survivor;
}

int64_t
sgw_uf_find(struct sgw_uf *u, int64_t id)
{
    int64_t root = id;
    for (;;) {
        struct slot *s = lookup(u, root);
        if (s->key == 0)
            break;
        root = s->parent;
    }
    /* Path compression: every node on the way points at the root. */
    while (id != root) {
        struct slot *s = lookup(u, id);
        int64_t next = s->parent;
        s->parent = root;
        id = next;
    }
    return root;
}

int64_t
sgw_uf_union(struct sgw_uf *u, int64_t a, int64_t b, int64_t *merged_away)
{
    int64_t ra = sgw_uf_find(u, a), rb = sgw_uf_find(u, b);
    if (merged_away)
        *merged_away = 0;
    if (ra == rb)
        return ra;
    int64_t lo = ra < rb ? ra : rb, hi = ra < rb ? rb : ra;
    sgw_uf_set(u, hi, lo);
    if (merged_away)
        *merged_away = hi;
    return lo;
}

size_t
sgw_uf_size(const struct sgw_uf *u)
{
    return u->n;
}

size_t
sgw_uf_bytes(const struct sgw_uf *u)
{
    return u->cap * sizeof *u->slots;
}
