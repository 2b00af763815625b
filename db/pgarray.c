/* Binary array encoding and decoding. Header: ndim, has-null flag, element type, then one
 * dimension (size, lower bound); then each element as int32 length (-1 = NULL) and bytes. It
 * must never emit an array whose header disagrees with its elements. */
#include "db/pgarray.h"

#include "gateway/common/mem.h"

#include <stdlib.h>
#include <string.h>

#define ARR_HEADER 20

void
sgw_pgarray_fini(struct sgw_pgarray *a)
{
    free(a->p);
    memset(a, 0, sizeof *a);
}

static void
reserve(struct sgw_pgarray *a, size_t more)
{
    if (a->len + more <= a->cap)
        return;
    while (a->len + more > a->cap)
        a->cap = a->cap ? a->cap * 2 : 16384;
    a->p = sgw_xrealloc(a->p, a->cap);
}

static void
put_u32(char *o, uint32_t v)
{
    o[0] = (char)(v >> 24);
    o[1] = (char)(v >> 16);
    o[2] = (char)(v >> 8);
    o[3] = (char)v;
}

void
sgw_pgarray_begin(struct sgw_pgarray *a)
{
    a->len = 0;
    a->n = 0;
    a->nulls = 0;
    reserve(a, ARR_HEADER);
    a->len = ARR_HEADER;
}

void
sgw_pgarray_finish(struct sgw_pgarray *a, unsigned oid)
{
    put_u32(a->p, 1);
    put_u32(a->p + 4, a->nulls ? 1 : 0);
    put_u32(a->p + 8, oid);
    put_u32(a->p + 12, (uint32_t)a->n);
    put_u32(a->p + 16, 1);
}

void
sgw_pgarray_null(struct sgw_pgarray *a)
{
    reserve(a, 4);
    put_u32(a->p + a->len, 0xFFFFFFFFu);
    a->len += 4;
    a->nulls = 1;
    a->n++;
}

void
sgw_pgarray_bytes(struct sgw_pgarray *a, const void *p, size_t n)
{
    reserve(a, 4 + n);
    put_u32(a->p + a->len, (uint32_t)n);
    if (n)
        memcpy(a->p + a->len + 4, p, n);
    a->len += 4 + n;
    a->n++;
}

void
sgw_pgarray_text(struct sgw_pgarray *a, const char *s)
{
    if (s == NULL)
        sgw_pgarray_null(a);
    else
        sgw_pgarray_bytes(a, s, strlen(s));
}

void
sgw_pgarray_int8(struct sgw_pgarray *a, int64_t v)
{
    reserve(a, 12);
    put_u32(a->p + a->len, 8);
    put_u32(a->p + a->len + 4, (uint32_t)((uint64_t)v >> 32));
    put_u32(a->p + a->len + 8, (uint32_t)v);
    a->len += 12;
    a->n++;
}

void
sgw_pgarray_int4(struct sgw_pgarray *a, int32_t v)
{
    reserve(a, 8);
    put_u32(a->p + a->len, 4);
    put_u32(a->p + a->len + 4, (uint32_t)v);
    a->len += 8;
    a->n++;
}

void
sgw_pgarray_int2(struct sgw_pgarray *a, int16_t v)
{
    reserve(a, 6);
    put_u32(a->p + a->len, 2);
    a->p[a->len + 4] = (char)((uint16_t)v >> 8);
    a->p[a->len + 5] = (char)v;
    a->len += 6;
    a->n++;
}

void
sgw_pgarray_time(struct sgw_pgarray *a, int64_t unix_us)
{
    sgw_pgarray_int8(a, unix_us - SGW_PG_EPOCH_US);
}

static uint32_t
get_u32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

int64_t
sgw_pg_get_int8(const char *p)
{
    return (int64_t)((uint64_t)get_u32(p) << 32 | get_u32(p + 4));
}

int32_t
sgw_pg_get_int4(const char *p)
{
    return (int32_t)get_u32(p);
}

int
sgw_pgarray_each(const char *p, size_t len, void (*fn)(void *arg, const char *e, int elen),
                 void *arg)
{
    if (len < 12)
        return -1;
    uint32_t ndim = get_u32(p);
    if (ndim == 0)
        return 0; /* empty array */
    if (ndim != 1 || len < ARR_HEADER)
        return -1;
    uint32_t n = get_u32(p + 12);
    size_t off = ARR_HEADER;
    for (uint32_t i = 0; i < n; i++) {
        if (off + 4 > len)
            return -1;
        int32_t el = (int32_t)get_u32(p + off);
        off += 4;
        if (el < 0) {
            fn(arg, NULL, 0);
            continue;
        }
        if (off + (size_t)el > len)
            return -1;
        fn(arg, p + off, el);
        off += (size_t)el;
    }
    return 0;
}
