/* Reporter pseudonyms: HMAC-SHA256 of the reporter's E.164 number under the server secret,
 * so reports from one subscriber can be counted without storing the number. */
#ifndef SGW_PSEUDONYM_H
#define SGW_PSEUDONYM_H

#include <stddef.h>

#define SGW_PSEUDONYM_HEX 65 /* 64 hex characters and NUL */

/* Writes the lower-case hex HMAC of e164 into out; 0 on success, -1 on a crypto failure. */
int sgw_pseudonym(const unsigned char *secret, size_t secret_len, const char *e164,
                  char out[SGW_PSEUDONYM_HEX]);

#endif
