/* Keyed pseudonyms through OpenSSL's one-shot HMAC; never logs its input. */
#include "gateway/intake/pseudonym.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

int
sgw_pseudonym(const unsigned char *secret, size_t secret_len, const char *e164,
              char out[SGW_PSEUDONYM_HEX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)e164, strlen(e164), mac,
             &maclen) == NULL ||
        maclen != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[64] = '\0';
    return 0;
}
