/* Open addressing with linear probing; deletion by backward shift (no tombstones). Keys of
 * string maps are copied into the entry; values live inline after the entry header. */
#include "gateway/cluster/maps.h"

#include "gateway/common/mem.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY_KEY INT64_MIN

struct sgw_map {
    size_t vsize, esize; /* value bytes; entry bytes (header + value, 8-aligned) */
    unsigned char *slots;
    size_t cap, n;
};

struct hdr {
    uint64_t hash;
    int64_t ikey; /* EMPTY_KEY = empty slot */
    char *skey;   /* NULL for int64 maps */
};

static uint64_t
hash_i(int64_t k)
{
    uint64_t x = (uint64_t)k;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static uint64_t
hash_s(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return hash_i((int64_t)h);
}

static struct hdr *
at(const struct sgw_map *m, size_t i)
{
    return (struct hdr *)(m->slots + i * m->esize);
}

static void
alloc_slots(struct sgw_map *m, size_t cap)
{
    m->cap = cap;
    m->slots = sgw_xcalloc(cap, m->esize);
    for (size_t i = 0; i < cap; i++)
        at(m, i)->ikey = EMPTY_KEY;
}

struct sgw_map *
sgw_map_new(size_t vsize)
{
    struct sgw_map *m = sgw_xcalloc(1, sizeof *m);
    m->vsize = vsize;
    m->esize = (sizeof(struct hdr) + vsize + 7) & ~(size_t)7;
    alloc_slots(m, 64);
    return m;
}

void
sgw_map_clear(struct sgw_map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        struct hdr *h = at(m, i);
        if (h->ikey != EMPTY_KEY)
            free(h->skey);
    }
    free(m->slots);
    m->n = 0;
    alloc_slots(m, 64);
}

void
sgw_map_free(struct sgw_map *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        struct hdr *h = at(m, i);
        if (h->ikey != EMPTY_KEY)
            free(h->skey);
    }
    free(m->slots);
    free(m);
}

size_t
sgw_map_count(const struct sgw_map *m)
{
    return m->n;
}

size_t
sgw_map_bytes(const struct sgw_map *m)
{
    return m->cap * m->esize;
}

static size_t
find(const struct sgw_map *m, uint64_t hash, const char *skey, int64_t ikey)
{
    size_t mask = m->cap - 1, i = (size_t)hash & mask;
    for (;;) {
        struct hdr *h = at(m, i);
        if (h->ikey == EMPTY_KEY)
            return i;
        if (h->hash == hash && (skey ? (h->skey && strcmp(h->skey, skey) == 0) : (h->ikey == ikey)))
            return i;
        i = (i + 1) & mask;
    }
}

static void
grow(struct sgw_map *m)
{
    unsigned char *old = m->slots;
    size_t oldcap = m->cap;
    alloc_slots(m, oldcap * 2);
    for (size_t i = 0; i < oldcap; i++) {
        struct hdr *h = (struct hdr *)(old + i * m->esize);
        if (h->ikey == EMPTY_KEY)
            continue;
        size_t j = find(m, h->hash, h->skey, h->ikey);
        memcpy(at(m, j), h, m->esize);
    }
    free(old);
}

static void *
value(const struct hdr *h)
{
    return (unsigned char *)h + sizeof(struct hdr);
}

static void *
get(const struct sgw_map *m, uint64_t hash, const char *skey, int64_t ikey)
{
    struct hdr *h = at(m, find(m, hash, skey, ikey));
    return h->ikey == EMPTY_KEY ? NULL : value(h);
}

static void *
put(struct sgw_map *m, uint64_t hash, const char *skey, int64_t ikey, int *created)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        grow(m);
    struct hdr *h = at(m, find(m, hash, skey, ikey));
    if (created)
        *created = h->ikey == EMPTY_KEY;
    if (h->ikey == EMPTY_KEY) {
        memset(h, 0, m->esize);
        h->hash = hash;
        h->ikey = skey ? 0 : ikey;
        h->skey = skey ? sgw_xstrdup(skey) : NULL;
        m->n++;
    }
    return value(h);
}

void *
sgw_map_sget(const struct sgw_map *m, const char *key)
{
    return get(m, hash_s(key), key, 0);
}

void *
sgw_map_sput(struct sgw_map *m, const char *key, int *created)
{
    return put(m, hash_s(key), key, 0, created);
}

void *
sgw_map_iget(const struct sgw_map *m, int64_t key)
{
    return get(m, hash_i(key), NULL, key);
}

void *
sgw_map_iput(struct sgw_map *m, int64_t key, int *created)
{
    return put(m, hash_i(key), NULL, key, created);
}

void
sgw_map_idel(struct sgw_map *m, int64_t key)
{
    size_t mask = m->cap - 1, i = find(m, hash_i(key), NULL, key), j = i;
    if (at(m, i)->ikey == EMPTY_KEY)
        return;
    at(m, i)->ikey = EMPTY_KEY;
    m->n--;
    for (;;) {
        j = (j + 1) & mask;
        struct hdr *h = at(m, j);
        if (h->ikey == EMPTY_KEY)
            return;
        size_t home = (size_t)h->hash & mask;
        int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            memcpy(at(m, i), h, m->esize);
            h->ikey = EMPTY_KEY;
            i = j;
        }
    }
}

size_t
sgw_map_next(const struct sgw_map *m, size_t pos, const char **skey, int64_t *ikey, void **val)
{
    for (size_t i = pos; i < m->cap; i++) {
        struct hdr *h = at(m, i);
        if (h->ikey == EMPTY_KEY)
            continue;
        if (h->skey) {
            if (skey)
                *skey = h->skey;
        } else if (ikey) {
            *ikey = h->ikey;
        }
        *val = value(h);
        return i + 1;
    }
    return 0;
}
