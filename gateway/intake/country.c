/* The officially assigned ISO 3166-1 alpha-2 codes (249), as one sorted string searched by
 * bisection: no table to initialise, no allocation. */
#include "gateway/intake/country.h"

#include <string.h>

static const char codes[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCI"
    "CKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQ"
    "GRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLS"
    "LTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPG"
    "PHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTK"
    "TLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

int
sgw_country_normalise(const char *s, char out[3])
{
    char c[2];

    if (s == NULL || strlen(s) != 2)
        return -1;
    for (int i = 0; i < 2; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (ch < 'A' || ch > 'Z')
            return -1;
        c[i] = ch;
    }
    size_t lo = 0, hi = (sizeof codes - 1) / 2;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = memcmp(codes + 2 * mid, c, 2);
        if (cmp == 0) {
            out[0] = c[0];
            out[1] = c[1];
            out[2] = '\0';
            return 0;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}
