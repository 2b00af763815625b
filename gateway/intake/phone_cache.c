/* Per-thread, direct-mapped caches in front of sgw_phone_to_e164, sgw_phone_geocode and
 * sgw_phone_find. Spam
 * senders and repeat reporters recur, and parsing costs tens of microseconds of ICU regex work per
 * number. No locks: each HTTP thread has its own table, freed when the thread exits. */
#include "gateway/common/hash.h"
#include "gateway/common/mem.h"
#include "gateway/intake/phone.h"
#include "gateway/intake/phone_find.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 16384 /* power of two; about 1.5 MB per HTTP thread */
#define RAW_MAX 48  /* longer inputs bypass the cache */

struct slot {
    uint64_t hash; /* 0 = empty */
    char raw[RAW_MAX + 1];
    char region[3];
    signed char ok;
    char e164[24];
};

static pthread_key_t tls_key, geo_key, find_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
make_key(void)
{
    pthread_key_create(&tls_key, free);
    pthread_key_create(&geo_key, free);
    pthread_key_create(&find_key, free);
}

#define GEO_SLOTS 4096
#define GEO_PREFIX 16

struct geo_slot {
    uint64_t hash; /* 0 = empty */
    char prefix[GEO_PREFIX + 1];
    char lang[4];
    signed char ok;
    char place[96];
};

int
sgw_phone_to_e164_cached(const char *raw, const char *default_region, char *out, size_t outsz)
{
    const char *region = default_region ? default_region : "";
    char key[RAW_MAX + 1];
    size_t kn = 0;

    if (raw == NULL || strlen(raw) > RAW_MAX || strlen(region) > 2)
        return sgw_phone_to_e164(raw, default_region, out, outsz);
    /* Separators do not change the answer: "(212) 555-0100" and "212.555.0100" share a slot. */
    for (const char *p = raw; *p; p++) {
        if (!(*p == ' ' || *p == '\t' || *p == '-' || *p == '.' || *p == '(' || *p == ')' ||
              *p == '/'))
            key[kn++] = *p;
    }
    key[kn] = '\0';

    pthread_once(&once, make_key);
    struct slot *table = pthread_getspecific(tls_key);
    if (table == NULL) {
        table = sgw_xcalloc(SLOTS, sizeof *table);
        pthread_setspecific(tls_key, table);
    }
    uint64_t h = sgw_hash_pair(key, region);
    struct slot *s = &table[h & (SLOTS - 1)];
    if (s->hash == h && strcmp(s->raw, key) == 0 && strcmp(s->region, region) == 0) {
        if (!s->ok || strlen(s->e164) >= outsz) {
            if (outsz)
                out[0] = '\0';
            return -1;
        }
        memcpy(out, s->e164, strlen(s->e164) + 1);
        return 0;
    }
    char e164[sizeof s->e164];
    int rc = sgw_phone_to_e164(raw, default_region, e164, sizeof e164);
    s->hash = h;
    snprintf(s->raw, sizeof s->raw, "%s", key);
    snprintf(s->region, sizeof s->region, "%s", region);
    s->ok = rc == 0;
    snprintf(s->e164, sizeof s->e164, "%s", rc == 0 ? e164 : "");
    if (rc != 0 || strlen(e164) >= outsz) {
        if (outsz)
            out[0] = '\0';
        return -1;
    }
    memcpy(out, e164, strlen(e164) + 1);
    return 0;
}

int
sgw_phone_geocode_cached(const char *e164, const char *lang, char *out, size_t outsz)
{
    size_t n = e164 ? strlen(e164) : 0;
    if (n < 8 || n - 4 > GEO_PREFIX || lang == NULL || strlen(lang) > 3)
        return sgw_phone_geocode(e164, lang, out, outsz);

    pthread_once(&once, make_key);
    struct geo_slot *table = pthread_getspecific(geo_key);
    if (table == NULL) {
        table = sgw_xcalloc(GEO_SLOTS, sizeof *table);
        pthread_setspecific(geo_key, table);
    }
    char prefix[GEO_PREFIX + 1];
    memcpy(prefix, e164, n - 4);
    prefix[n - 4] = '\0';
    uint64_t h = sgw_hash_pair(prefix, lang);
    struct geo_slot *s = &table[h & (GEO_SLOTS - 1)];
    if (!(s->hash == h && strcmp(s->prefix, prefix) == 0 && strcmp(s->lang, lang) == 0)) {
        char place[sizeof s->place];
        s->ok = sgw_phone_geocode(e164, lang, place, sizeof place) == 0;
        s->hash = h;
        snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
        snprintf(s->lang, sizeof s->lang, "%s", lang);
        snprintf(s->place, sizeof s->place, "%s", s->ok ? place : "");
    }
    if (!s->ok || strlen(s->place) >= outsz) {
        if (outsz)
            out[0] = '\0';
        return -1;
    }
    memcpy(out, s->place, strlen(s->place) + 1);
    return 0;
}

/* Text windows around digit runs, as the indicator scanner hands them to the matcher: a
 * campaign's call-back number recurs in every copy, and each matcher call costs 15-50 us. */
#define FIND_SLOTS 4096
#define FIND_TEXT 96
#define FIND_HITS 4

struct find_slot {
    uint64_t hash; /* 0 = empty */
    unsigned short len;
    char text[FIND_TEXT];
    char region[3];
    signed char n; /* hits, or -1 for the matcher's error */
    int max_tries;
    struct sgw_phone_hit hits[FIND_HITS];
};

int
sgw_phone_find_cached(const char *text, size_t len, const char *region, int max_tries,
                      struct sgw_phone_hit *out, size_t cap)
{
    const char *r = region ? region : "";
    char key[FIND_TEXT + 1];

    if (len > FIND_TEXT || strlen(r) > 2 || cap > FIND_HITS)
        return sgw_phone_find(text, len, region, max_tries, out, cap);
    memcpy(key, text, len);
    key[len] = '\0';
    if (memchr(text, '\0', len) != NULL)
        return sgw_phone_find(text, len, region, max_tries, out, cap);

    pthread_once(&once, make_key);
    struct find_slot *table = pthread_getspecific(find_key);
    if (table == NULL) {
        table = sgw_xcalloc(FIND_SLOTS, sizeof *table);
        pthread_setspecific(find_key, table);
    }
    uint64_t h = sgw_hash_pair(key, r);
    struct find_slot *s = &table[h & (FIND_SLOTS - 1)];
    if (!(s->hash == h && s->len == len && memcmp(s->text, text, len) == 0 &&
          strcmp(s->region, r) == 0 && s->max_tries == max_tries)) {
        struct sgw_phone_hit hits[FIND_HITS];
        int k = sgw_phone_find(text, len, region, max_tries, hits, FIND_HITS);
        s->hash = h;
        s->len = (unsigned short)len;
        memcpy(s->text, text, len);
        snprintf(s->region, sizeof s->region, "%s", r);
        s->max_tries = max_tries;
        s->n = (signed char)k;
        if (k > 0)
            memcpy(s->hits, hits, (size_t)k * sizeof hits[0]);
    }
    if (s->n < 0)
        return -1;
    size_t n = (size_t)s->n < cap ? (size_t)s->n : cap;
    memcpy(out, s->hits, n * sizeof out[0]);
    return (int)n;
}
