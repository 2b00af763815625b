/* ISO 3166-1 alpha-2 country codes. */
#ifndef SGW_COUNTRY_H
#define SGW_COUNTRY_H

/* Writes the upper-case code into out[3] and returns 0 when s is an officially assigned
 * ISO 3166-1 alpha-2 code in any case ("us", "CN"); -1 otherwise. */
int sgw_country_normalise(const char *s, char out[3]);

#endif
