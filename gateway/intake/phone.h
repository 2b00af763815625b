/* C interface to libphonenumber (the C++ shim in phone.cc): E.164 normalisation, region and
 * offline geocoding. All functions are thread-safe and write into caller-owned buffers. */
#ifndef SGW_PHONE_H
#define SGW_PHONE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses raw ("(212) 555-0100", "+44 20 7946 0958", "0086 139...") with default_region
 * (ISO 3166-1 alpha-2, may be NULL) used for national formats. On success writes the E.164
 * form ("+12125550100") into out and returns 0; returns -1 if it is not a possible number. */
int sgw_phone_to_e164(const char *raw, const char *default_region, char *out, size_t outsz);

/* sgw_phone_to_e164 behind a per-thread cache of recent answers: libphonenumber's parser runs
 * ICU regular expressions and dominates intake's CPU otherwise. Same contract. */
int sgw_phone_to_e164_cached(const char *raw, const char *default_region, char *out, size_t outsz);

/* Writes the ISO 3166-1 alpha-2 region of an E.164 number ("US"); 0 on success, -1 if none. */
int sgw_phone_region(const char *e164, char *out, size_t outsz);

/* sgw_phone_geocode behind a per-thread cache keyed by the number without its last four
 * digits: the geocoder costs about 20 us a call and places depend on the prefix only. */
int sgw_phone_geocode_cached(const char *e164, const char *lang, char *out, size_t outsz);

/* Offline geocoder: writes the place of an E.164 number in language lang ("en", "zh"),
 * e.g. "New York, NY", "California", "Shenzhen, Guangdong"; 0 on success, -1 if unknown. */
int sgw_phone_geocode(const char *e164, const char *lang, char *out, size_t outsz);

#ifdef __cplusplus
}
#endif

#endif
