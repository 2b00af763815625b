/* FNV-1a: fast, good enough for per-thread caches keyed by short strings. */
#include "gateway/common/hash.h"

uint64_t
sgw_hash_pair(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (; b && *b; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211ULL;
    return h | 1;
}
