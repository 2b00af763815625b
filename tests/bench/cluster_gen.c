/* cluster_gen: writes N reports as PostgreSQL COPY text rows for tests/bench/cluster, with the
 * features intake stores (MinHash signature, indicator tags) computed by the real feature
 * library, so the benchmark measures the cluster worker and not feature extraction.
 *
 * Stream: 80 % spam from T templates (UCI SMS spam texts, each made into several templates by
 * a campaign-specific brand and link), template popularity Zipf-like, every copy mutated
 * (random suffix, case, digits); 20 % ham (UCI ham with a random tail: mostly singletons).
 * Senders rotate within a template's pool; cities and reporters vary. Deterministic (seeded).
 *
 * usage: cluster_gen SMSSpamCollection N TEMPLATES > rows.copy
 * Columns: id, ingested_at, channel, sender, sender_kind, content, city, country,
 * reporter_pseudonym, source, minhash, indicators. */
#include "gateway/intake/features.h"
#include "tests/bench/lib/copyrow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long long g_seed = 0x7726;

static unsigned
rnd(void)
{
    g_seed = g_seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(g_seed >> 33);
}

int
main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cluster_gen SMSSpamCollection N TEMPLATES\n");
        return 2;
    }
    long n = atol(argv[2]), ntemplates = atol(argv[3]);
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char line[8192];
    char **spam = NULL, **ham = NULL;
    size_t ns = 0, nh = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "spam\t", 5) == 0) {
            spam = realloc(spam, (ns + 1) * sizeof *spam);
            spam[ns++] = strdup(line + 5);
        } else if (strncmp(line, "ham\t", 4) == 0) {
            ham = realloc(ham, (nh + 1) * sizeof *ham);
            ham[nh++] = strdup(line + 4);
        }
    }
    fclose(f);
    static const char *const brands[] = {"USPS", "FedEx", "Chase",   "Wells", "Amazon", "Netflix",
                                         "IRS",  "DMV",   "Verizon", "Apple", "PayPal", "Costco"};
    static const char *const cities[][2] = {
        {"New York", "US"}, {"NYC", "US"},  {"Los Angeles", "US"}, {"Chicago", "US"},
        {"Houston", "US"},  {"深圳", "CN"}, {"Shanghai", "CN"},    {"California", "US"}};
    /* Zipf-like popularity: template k chosen with weight 1/(k+1). */
    double *cum = malloc((size_t)ntemplates * sizeof *cum), total = 0;
    for (long k = 0; k < ntemplates; k++)
        cum[k] = (total += 1.0 / (double)(k + 1));
    long long t0 = 1764000000000000LL; /* µs */
    char content[4096], sender[64], tmp[4096];
    unsigned char sig[SGW_MINHASH_BYTES];

    for (long id = 1; id <= n; id++) {
        int is_spam = rnd() % 10 < 8;
        long t = -1;
        if (is_spam) {
            double u = (double)(rnd() % 1000000) / 1000000.0 * total;
            long lo = 0, hi = ntemplates - 1;
            while (lo < hi) {
                long mid = (lo + hi) / 2;
                if (cum[mid] < u)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            t = lo;
            const char *base = spam[(size_t)t % ns];
            snprintf(tmp, sizeof tmp, "%s %s: %s Visit hxxp://%s-%ld.top/c%u", brands[t % 12],
                     t % 3 == 0 ? "alert" : "notice", base, brands[(t / 12) % 12], t, rnd() % 100);
        } else {
            snprintf(tmp, sizeof tmp, "%s %u", ham[rnd() % nh], rnd() % 100000);
        }
        /* Mutations: case, digits, suffix. */
        size_t o = 0;
        unsigned mode = rnd();
        for (const char *p = tmp; *p && o + 8 < sizeof content; p++) {
            char c = *p;
            if ((mode & 1) && c >= 'a' && c <= 'z' && rnd() % 9 == 0)
                c = (char)(c - 32);
            if ((mode & 2) && c >= '0' && c <= '9')
                c = (char)('0' + rnd() % 10);
            content[o++] = c;
        }
        content[o] = '\0';
        if (mode & 4) {
            size_t l = strlen(content);
            snprintf(content + l, sizeof content - l, " %c%c%u", 'a' + rnd() % 26, 'a' + rnd() % 26,
                     rnd() % 1000);
        }
        const char *kind = "phone";
        if (is_spam && rnd() % 10 == 0) {
            snprintf(sender, sizeof sender, "PROMO%ld", t % 50);
            kind = "alphanumeric";
        } else if (is_spam) {
            snprintf(sender, sizeof sender, "+1212%07ld", (t * 13 + (long)(rnd() % 8)) % 10000000);
        } else {
            snprintf(sender, sizeof sender, "+1917%07u", rnd() % 10000000);
        }
        unsigned c = rnd() % 8;
        struct sgw_features feat;
        memset(&feat, 0, sizeof feat);
        sgw_features_compute(content, strlen(content), cities[c][1], &feat);
        sgw_features_signature_bytes(&feat, sig);
        char *tags = sgw_features_tags_pg_array(&feat);

        printf("%ld\t", id);
        copy_time_us(stdout, t0 + id * 1000); /* one report per ms */
        fputc('\t', stdout);
        fputs("sms\t", stdout);
        fputs(sender, stdout);
        printf("\t%s\t", kind);
        copy_text(stdout, content);
        fputc('\t', stdout);
        copy_text(stdout, cities[c][0]);
        printf("\t%s\tr%07u\tbatch\t", cities[c][1], rnd() % 300000);
        copy_bytea(stdout, sig, SGW_MINHASH_BYTES);
        fputc('\t', stdout);
        copy_text(stdout, tags ? tags : "{}");
        fputc('\n', stdout);
        free(tags);
        sgw_features_fini(&feat);
    }
    free(cum);
    return 0;
}
