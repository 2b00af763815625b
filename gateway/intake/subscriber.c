/* Subscriber resolution with a per-thread, direct-mapped cache (like phone_cache.c): no locks,
 * each HTTP thread has its own table, freed when the thread exits. It keeps numbers in memory
 * only as long as a slot is not reused, and never writes them anywhere. */
#include "gateway/intake/subscriber.h"

#include "gateway/common/hash.h"
#include "gateway/common/mem.h"
#include "gateway/intake/phone.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096 /* power of two */
#define FROM_MAX 32

struct slot {
    uint64_t hash; /* 0 = empty */
    char from[FROM_MAX + 1];
    char region[3];
    const unsigned char *secret; /* the key it was computed with (the server's, fixed) */
    size_t secret_len;
    int ok;
    struct sgw_subscriber sub;
};

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
make_key(void)
{
    pthread_key_create(&key, free);
}

/* SMSCs write local subscribers in national format ("13926512345" in China, "2125550101" in
 * the US) and others in international format, often without '+' ("8613926512345"). Both readings
 * are tried for digits-only input: a valid number (one with a region) wins over one that is
 * merely possible, the national reading first. */
static int
to_e164(const char *from, const char *default_region, char *out, size_t outsz)
{
    size_t n = strlen(from), digits = 0;
    char national[24] = "", intl[24] = "", region[3];
    int have_national, have_intl = 0;

    if (n == 0 || n > FROM_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)from[i];
        if (isdigit(c))
            digits++;
        else if (!(c == '+' && i == 0) && !(c == ' ' || c == '-' || c == '(' || c == ')'))
            return -1;
    }
    if (digits < 7)
        return -1;
    have_national = sgw_phone_to_e164_cached(from, default_region, national, sizeof national) == 0;
    if (from[0] != '+' && digits == n && n >= 11 && strncmp(from, "00", 2) != 0) {
        char plus[FROM_MAX + 2];
        snprintf(plus, sizeof plus, "+%s", from);
        have_intl = sgw_phone_to_e164_cached(plus, NULL, intl, sizeof intl) == 0;
    }
    const char *pick = NULL;
    if (have_national && sgw_phone_region(national, region, sizeof region) == 0)
        pick = national;
    else if (have_intl && sgw_phone_region(intl, region, sizeof region) == 0)
        pick = intl;
    else if (have_national)
        pick = national;
    else if (have_intl)
        pick = intl;
    if (pick == NULL || strlen(pick) >= outsz)
        return -1;
    memcpy(out, pick, strlen(pick) + 1);
    return 0;
}

static int
resolve(const char *from, const char *default_region, const unsigned char *secret,
        size_t secret_len, struct sgw_subscriber *out)
{
    memset(out, 0, sizeof *out);
    if (to_e164(from, default_region, out->e164, sizeof out->e164) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (sgw_pseudonym(secret, secret_len, out->e164, out->pseudonym) != 0) {
        memset(out, 0, sizeof *out);
        return -2;
    }
    if (sgw_phone_region(out->e164, out->region, sizeof out->region) != 0)
        out->region[0] = '\0';
    if (sgw_phone_geocode(out->e164, "en", out->place, sizeof out->place) != 0)
        out->place[0] = '\0';
    return 0;
}

int
sgw_subscriber_resolve(const char *from, const char *default_region, const unsigned char *secret,
                       size_t secret_len, struct sgw_subscriber *out)
{
    const char *region = default_region ? default_region : "";
    if (from == NULL || strlen(from) > FROM_MAX || strlen(region) > 2)
        return resolve(from ? from : "", default_region, secret, secret_len, out);

    pthread_once(&once, make_key);
    struct slot *table = pthread_getspecific(key);
    if (table == NULL) {
        table = sgw_xcalloc(SLOTS, sizeof *table);
        pthread_setspecific(key, table);
    }
    uint64_t h = sgw_hash_pair(from, region);
    struct slot *s = &table[h & (SLOTS - 1)];
    if (s->hash == h && strcmp(s->from, from) == 0 && strcmp(s->region, region) == 0 &&
        s->secret == secret && s->secret_len == secret_len) {
        if (!s->ok) {
            memset(out, 0, sizeof *out);
            return -1;
        }
        *out = s->sub;
        return 0;
    }
    int rc = resolve(from, default_region, secret, secret_len, out);
    if (rc == -2)
        return rc; /* a crypto failure is not an answer worth keeping */
    s->hash = h;
    snprintf(s->from, sizeof s->from, "%s", from);
    snprintf(s->region, sizeof s->region, "%s", region);
    s->secret = secret;
    s->secret_len = secret_len;
    s->ok = rc == 0;
    s->sub = *out;
    return rc;
}
