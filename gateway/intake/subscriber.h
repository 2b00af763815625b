/* The reporting subscriber of an SMS relay (Kannel's %p): their number as the SMSC wrote it,
 * resolved once into what a report keeps (pseudonym, region, geocoded place) and cached per
 * thread, because a subscriber writes several messages in a row and libphonenumber's parser
 * and geocoder otherwise dominate the relay's CPU. */
#ifndef SGW_SUBSCRIBER_H
#define SGW_SUBSCRIBER_H

#include "gateway/intake/pseudonym.h"

#include <stddef.h>

#define SGW_SUBSCRIBER_PLACE_MAX 128

struct sgw_subscriber {
    char e164[24];
    char pseudonym[SGW_PSEUDONYM_HEX];
    char region[3];                       /* ISO 3166-1 alpha-2, "" when none */
    char place[SGW_SUBSCRIBER_PLACE_MAX]; /* English geocode ("New York, NY"), "" when none */
};

/* Resolves from ("+12125550101"; "8613926512345", international without '+';
 * "(212) 555-0101" or "13926512345", national in default_region) with the pseudonym key secret.
 * Returns 0 with out filled, -1 (out zeroed) when from is not a subscriber's phone number, -2 when
 * the pseudonym cannot be computed. Thread-safe; never logs. */
int sgw_subscriber_resolve(const char *from, const char *default_region,
                           const unsigned char *secret, size_t secret_len,
                           struct sgw_subscriber *out);

#endif
