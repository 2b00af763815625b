/* Union-find over int64 ids where the lowest id of a set is its root, so the survivor of a
 * merge never depends on the order of unions. Only non-roots are stored: an id absent from the
 * table is its own root, which keeps memory proportional to the number of merges, not ids. */
#ifndef SGW_UNIONFIND_H
#define SGW_UNIONFIND_H

#include <stddef.h>
#include <stdint.h>

struct sgw_uf; /* opaque */

struct sgw_uf *sgw_uf_new(void);    /* caller frees with sgw_uf_free */
void sgw_uf_free(struct sgw_uf *u); /* accepts NULL */

/* The root of id's set (id itself when never merged). Compresses paths. */
int64_t sgw_uf_find(struct sgw_uf *u, int64_t id);

/* Joins the sets of a and b; returns the surviving root (the lower of the two roots). When
 * they are already one set returns that root and *merged_away (may be NULL) is 0; else
 * *merged_away is the root that stopped being one. */
int64_t sgw_uf_union(struct sgw_uf *u, int64_t a, int64_t b, int64_t *merged_away);

/* Records that old (a root) now points at survivor (for loading saved merges). */
void sgw_uf_set(struct sgw_uf *u, int64_t old, int64_t survivor);

size_t sgw_uf_size(const struct sgw_uf *u);  /* stored non-roots */
size_t sgw_uf_bytes(const struct sgw_uf *u); /* heap bytes held */

#endif
