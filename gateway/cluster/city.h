/* Canonical cities: one key and one display name per place, whichever way it was written
 * ("NYC", "new york, ny", "New York", the geocoder's "New York, NY"; 深圳, 深圳市, "Shenzhen",
 * "Shenzhen, Guangdong", 广东省深圳市). Pure: tables compiled in, no I/O, thread-safe. */
#ifndef SGW_CITY_H
#define SGW_CITY_H

#include <stddef.h>

/* key: "US/NY/new-york" for a city, "US/CA" for a region-only place, "US//springfield" for a
 * city spamgw has no table entry for (its region unknown). */
struct sgw_city {
    char key[192];
    char name[160];  /* "New York, NY", "California", "Shenzhen (深圳)" */
    char country[3]; /* ISO 3166-1 alpha-2, "ZZ" when unknown */
    char region[8];  /* US state or ISO 3166-2:CN subdivision code, "" when unknown */
    char city[128];  /* slug, "" for a region-only place */
};

/* Canonical place of a report: the city the app or relay sent (given, may be NULL), else the
 * geocode of the reporter's number (geocode, may be NULL). country (ISO alpha-2, may be NULL or
 * "") disambiguates and fills the key of places not in the tables. Returns 0 with *out
 * filled, or -1 when there is no usable place (both absent or blank). */
int sgw_city_canonical(const char *given, const char *geocode, const char *country,
                       struct sgw_city *out);

/* Same for one text. */
int sgw_city_parse(const char *text, const char *country, struct sgw_city *out);

#endif
