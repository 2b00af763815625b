/* Allocation that aborts on out-of-memory, so callers never handle NULL from the allocator. */
#ifndef SGW_MEM_H
#define SGW_MEM_H

#include <stddef.h>

void *sgw_xmalloc(size_t n);                 /* caller frees */
void *sgw_xcalloc(size_t n, size_t sz);      /* caller frees */
void *sgw_xrealloc(void *p, size_t n);       /* caller frees the result */
char *sgw_xstrdup(const char *s);            /* caller frees; NULL in, NULL out */
char *sgw_xstrndup(const char *s, size_t n); /* caller frees */

#endif
