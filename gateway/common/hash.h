/* Small non-cryptographic hashes for in-memory tables. */
#ifndef SGW_HASH_H
#define SGW_HASH_H

#include <stdint.h>

/* FNV-1a over the string a, a separator byte, then b (NULL = ""); never returns 0, so tables
 * can use 0 to mark an empty slot. */
uint64_t sgw_hash_pair(const char *a, const char *b);

#endif
