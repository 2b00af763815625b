/* Sender identities: what kind a sender string is and its normal form, so the same spammer
 * written three ways is one sender. */
#ifndef SGW_SENDER_H
#define SGW_SENDER_H

#include <stddef.h>

enum sgw_sender_kind {
    SGW_SENDER_UNKNOWN = 0,
    SGW_SENDER_PHONE,
    SGW_SENDER_SHORT_CODE,
    SGW_SENDER_ALPHANUMERIC,
    SGW_SENDER_EMAIL,
};

#define SGW_SENDER_MAX 256 /* bytes, as given */

const char *sgw_sender_kind_name(enum sgw_sender_kind k);

/* Classifies raw and writes its normal form into out (E.164 for phones, digits for short
 * codes, upper case for alphanumeric ids, lower case for e-mail / Apple IDs, trimmed text for
 * unknown). region: default region for national phone formats (may be NULL).
 * Returns the kind; out is "" only when raw is blank. */
enum sgw_sender_kind sgw_sender_normalise(const char *raw, const char *region, char *out,
                                          size_t outsz);

#endif
