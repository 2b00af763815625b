/* C interface to libphonenumber's PhoneNumberMatcher (the C++ shim in phone_find.cc): phone
 * numbers written inside free text. Thread-safe; results go to caller-owned arrays. */
#ifndef SGW_PHONE_FIND_H
#define SGW_PHONE_FIND_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One number found: bytes [start, end) of the searched text and its E.164 form. */
struct sgw_phone_hit {
    size_t start;
    size_t end;
    char e164[17];
};

/* Finds valid phone numbers in UTF-8 text[0..len) with PhoneNumberMatcher at leniency VALID,
 * region (ISO 3166-1 alpha-2, any case; NULL or unknown: only "+..." numbers) for national
 * formats, looking at no more than max_tries candidates. Writes at most cap hits to out (caller
 * owns) and returns how many, or -1 on an internal error. */
int sgw_phone_find(const char *text, size_t len, const char *region, int max_tries,
                   struct sgw_phone_hit *out, size_t cap);

/* The same through a per-thread cache of recent windows (gateway/intake/phone_cache.c): same
 * answers, computed once per distinct (text, region, max_tries). */
int sgw_phone_find_cached(const char *text, size_t len, const char *region, int max_tries,
                          struct sgw_phone_hit *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
