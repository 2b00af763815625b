/* Two small hash maps the cluster worker's per-chunk state needs: string -> value and
 * int64 -> value, each value a caller-defined struct of fixed size stored inline and zeroed on
 * insertion. Pointers returned stay valid until the next insertion or clear. */
#ifndef SGW_CLUSTER_MAPS_H
#define SGW_CLUSTER_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct sgw_map; /* opaque */

/* vsize: bytes per value. Caller frees with sgw_map_free. */
struct sgw_map *sgw_map_new(size_t vsize);
void sgw_map_free(struct sgw_map *m); /* accepts NULL */
void sgw_map_clear(struct sgw_map *m);
size_t sgw_map_count(const struct sgw_map *m);
size_t sgw_map_bytes(const struct sgw_map *m);

/* String keys (copied). get: NULL when absent. put: existing or new zeroed value; *created
 * (may be NULL) says which. */
void *sgw_map_sget(const struct sgw_map *m, const char *key);
void *sgw_map_sput(struct sgw_map *m, const char *key, int *created);

/* int64 keys (any value but INT64_MIN). */
void *sgw_map_iget(const struct sgw_map *m, int64_t key);
void *sgw_map_iput(struct sgw_map *m, int64_t key, int *created);
void sgw_map_idel(struct sgw_map *m, int64_t key);

/* Iteration in slot order (not insertion order: callers that write sort first). Returns the
 * next position or 0 at the end; start with pos = 0. Keys: *skey for string maps, *ikey for
 * int64 maps (the other one is left alone). */
size_t sgw_map_next(const struct sgw_map *m, size_t pos, const char **skey, int64_t *ikey,
                    void **value);

#endif
