/* Helpers the bench generators (cluster_gen.c, seed_gen.c) share to write PostgreSQL COPY text
 * rows: field escaping, timestamps and bytea hex. Header-only (each generator is one file
 * compiled by its script); must never allocate. */
#ifndef SGW_BENCH_COPYROW_H
#define SGW_BENCH_COPYROW_H

#include <stdio.h>
#include <time.h>

/* A text field with COPY's escapes (backslash, tab, newline, carriage return). */
static inline void
copy_text(FILE *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", o); break;
        case '\t': fputs("\\t", o); break;
        case '\n': fputs("\\n", o); break;
        case '\r': fputs("\\r", o); break;
        default: fputc(*s, o);
        }
    }
}

/* A timestamptz field from microseconds since the epoch, UTC. */
static inline void
copy_time_us(FILE *o, long long at)
{
    time_t secs = (time_t)(at / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    fprintf(o, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, at % 1000000);
}

/* A bytea field in hex form (\\x... escaped for COPY). */
static inline void
copy_bytea(FILE *o, const unsigned char *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    fputs("\\\\x", o);
    for (size_t i = 0; i < n; i++) {
        fputc(hex[b[i] >> 4], o);
        fputc(hex[b[i] & 15], o);
    }
}

#endif
