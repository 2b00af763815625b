/* PostgreSQL's binary array format, built in a growing buffer: one-dimensional arrays sent as
 * binary parameters, so nothing is quoted or escaped on our side and nothing is parsed as text
 * on the server's. Also the reader for binary array results. */
#ifndef SGW_PGARRAY_H
#define SGW_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

#define SGW_OID_BOOL 16
#define SGW_OID_BYTEA 17
#define SGW_OID_INT8 20
#define SGW_OID_INT2 21
#define SGW_OID_INT4 23
#define SGW_OID_TEXT 25
#define SGW_OID_TIMESTAMPTZ 1184
#define SGW_PG_EPOCH_US 946684800000000LL /* 2000-01-01 in Unix microseconds */

struct sgw_pgarray {
    char *p; /* owned; free with sgw_pgarray_fini */
    size_t len, cap;
    size_t n; /* elements so far */
    int nulls;
};

void sgw_pgarray_fini(struct sgw_pgarray *a); /* frees the buffer; accepts zeroed */

/* Starts a new array in a (reusing its buffer). */
void sgw_pgarray_begin(struct sgw_pgarray *a);
/* Writes the header for element type oid; call once after the last element. */
void sgw_pgarray_finish(struct sgw_pgarray *a, unsigned oid);

void sgw_pgarray_null(struct sgw_pgarray *a);
void sgw_pgarray_text(struct sgw_pgarray *a, const char *s); /* NULL = SQL NULL */
void sgw_pgarray_bytes(struct sgw_pgarray *a, const void *p, size_t n);
void sgw_pgarray_int8(struct sgw_pgarray *a, int64_t v);
void sgw_pgarray_int4(struct sgw_pgarray *a, int32_t v);
void sgw_pgarray_int2(struct sgw_pgarray *a, int16_t v);
/* A timestamptz from Unix microseconds. */
void sgw_pgarray_time(struct sgw_pgarray *a, int64_t unix_us);

/* Big-endian readers for binary results. */
int64_t sgw_pg_get_int8(const char *p);
int32_t sgw_pg_get_int4(const char *p);

/* Walks a binary one-dimensional array value p[0..len): calls fn(arg, elem, elem_len) for each
 * element (elem NULL for SQL NULL). Returns 0, or -1 when the value is malformed. */
int sgw_pgarray_each(const char *p, size_t len, void (*fn)(void *arg, const char *e, int elen),
                     void *arg);

#endif
