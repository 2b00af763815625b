/* Micro-benchmark of intake features (gateway/intake/features.h): microseconds per report over
 * the public corpora in <shared>/data (UCI and Mendeley with region GB, SmishTank with region
 * US) and over Chinese templates (region CN), per corpus and class, with p50/p99, a per-stage
 * breakdown, hostile inputs, and the throughput of several threads at once. Built and run by
 * tests/bench/features; prints figures, never fails on a time.
 *
 * usage: bench-features SHARED_DIR [ROUNDS [THREADS]] */
#include "gateway/intake/features.h"

#include "gateway/intake/indicators.h"
#include "gateway/intake/minhash.h"
#include "gateway/intake/textnorm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct msg {
    char *text;
    size_t len;
    const char *region;
};

struct set {
    const char *name;
    struct msg *v;
    size_t n, cap;
};

static void
set_add(struct set *s, const char *text, size_t len, const char *region)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n].text = strndup(text, len);
    s->v[s->n].len = len;
    s->v[s->n].region = region;
    s->n++;
}

static double
now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 65536 > cap)
            buf = realloc(buf, cap = 2 * cap + 65536);
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* RFC 4180 records after the header: the text column goes to spam or ham by the label column
 * (label_col < 0: everything is spam). */
static void
csv_load(const char *s, size_t n, int text_col, int label_col, const char *region, struct set *spam,
         struct set *ham)
{
    char *fields[32];
    int nf = 0, header = 1;
    size_t cap = 1 << 16, cl = 0;
    char *cur = malloc(cap);
    bool quoted = false;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '\n';
        if (quoted && i < n) {
            if (c == '"' && i + 1 < n && s[i + 1] == '"')
                cur[cl++] = '"', i++;
            else if (c == '"')
                quoted = false;
            else if (cl + 1 < cap)
                cur[cl++] = c;
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == ',' || c == '\n') {
            if (nf < 32)
                fields[nf++] = strndup(cur, cl);
            cl = 0;
            if (c == '\n') {
                if (!header && nf > text_col && fields[text_col][0] != '\0') {
                    bool is_ham = label_col >= 0 && strcasecmp(fields[label_col], "ham") == 0;
                    set_add(is_ham ? ham : spam, fields[text_col], strlen(fields[text_col]),
                            region);
                }
                header = 0;
                for (int k = 0; k < nf; k++)
                    free(fields[k]);
                nf = 0;
            }
        } else if (c != '\r' && cl + 1 < cap) {
            cur[cl++] = c;
        }
    }
    for (int k = 0; k < nf; k++)
        free(fields[k]);
    free(cur);
}

static const char *const zh_texts[] = {
    "【澳门新葡京】首存100送88，每日返水1.5%，注册即送38元体验金，官网：www.xpj888.com，"
    "客服微信：xpj8899",
    "本公司长期代开各类增值税发票，普通发票、专用发票均可验证后付款，点数优惠，联系电话"
    "13926521234王经理",
    "日本免税店代购：资生堂、SK-II神仙水、雪花秀原价五折，顺丰包邮直发，下单请联系扣扣："
    "3365128870",
    "寂寞吗？同城美女一对一视频聊天，真人在线，私密直播不限时，点击进入：hxxp://mm520[.]club/live",
    "代开发票：专票普票机打票，真票可查，先验后付，长期合作价格从优，扣扣：1765432980",
    "香港正品代购，LV、GUCCI、香奈儿包包专柜同款，支持专柜验货，假一赔十，加微信hkdg520看实拍图",
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Times every message of the set `rounds` times; prints mean, p50, p99 and max. */
static double
bench_set(const struct set *s, int rounds)
{
    double *t = malloc(s->n * (size_t)rounds * sizeof *t), total = 0;
    size_t k = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < s->n; i++) {
            struct sgw_features f;
            double t0 = now_us();
            sgw_features_compute(s->v[i].text, s->v[i].len, s->v[i].region, &f);
            sgw_features_fini(&f);
            t[k] = now_us() - t0;
            total += t[k++];
        }
    }
    qsort(t, k, sizeof *t, cmp_double);
    printf("  %-28s %6zu reports  mean %6.2f us  p50 %6.2f  p99 %7.2f  max %8.2f\n", s->name, s->n,
           total / (double)k, t[k / 2], t[k * 99 / 100], t[k - 1]);
    free(t);
    return total / (double)k;
}

/* The pipeline of sgw_features_compute, stage by stage, summed over the sets. */
static void
bench_stages(struct set *const *sets, size_t nsets)
{
    double st[6] = {0};
    size_t n = 0;
    for (size_t s = 0; s < nsets; s++) {
        for (size_t i = 0; i < sets[s]->n; i++) {
            const struct msg *m = &sets[s]->v[i];
            char *folded, *key, *d, *c, *mt;
            size_t fl, kl, dl, cl, ml;
            struct sgw_indicators ind;
            struct sgw_minhash sig;
            double t0 = now_us();
            sgw_textnorm_fold(m->text, m->len, &folded, &fl);
            double t1 = now_us();
            sgw_indicators_extract(folded, fl, m->region, &ind);
            double t2 = now_us();
            sgw_textnorm_template(folded, fl, ind.spans, ind.n_spans, &d, &dl, &c, &cl);
            double t3 = now_us();
            sgw_textnorm_skeleton(folded, fl, &key, &kl);
            double t4 = now_us();
            sgw_textnorm_matchtext(c, cl, &mt, &ml);
            double t5 = now_us();
            sgw_minhash_compute(mt, ml, &sig);
            double t6 = now_us();
            st[0] += t1 - t0, st[1] += t2 - t1, st[2] += t3 - t2;
            st[3] += t4 - t3, st[4] += t5 - t4, st[5] += t6 - t5;
            n++;
            free(folded);
            free(key);
            free(d);
            free(c);
            free(mt);
            sgw_indicators_fini(&ind);
        }
    }
    static const char *const names[] = {
        "fold (utf8proc)", "indicators (+phone matcher)", "template",
        "key (skeleton)",  "match text (skeleton)",       "minhash"};
    printf("stages, mean over %zu reports:\n", n);
    for (int k = 0; k < 6; k++)
        printf("  %-28s %6.2f us\n", names[k], st[k] / (double)n);
}

struct thread_arg {
    struct set *const *sets;
    size_t nsets;
    int rounds;
    size_t done;
};

static void *
thread_main(void *p)
{
    struct thread_arg *a = p;
    for (int r = 0; r < a->rounds; r++) {
        for (size_t s = 0; s < a->nsets; s++) {
            for (size_t i = 0; i < a->sets[s]->n; i++) {
                struct sgw_features f;
                sgw_features_compute(a->sets[s]->v[i].text, a->sets[s]->v[i].len,
                                     a->sets[s]->v[i].region, &f);
                sgw_features_fini(&f);
                a->done++;
            }
        }
    }
    return NULL;
}

static void
bench_hostile(void)
{
    static const struct {
        const char *name, *prefix, *unit;
        size_t times;
    } cases[] = {
        {"4,096 combining marks", "a", "\xcc\x81", 4096},
        {"4,096 emoji", "", "\xf0\x9f\x94\xa5", 4096},
        {"16 KiB invalid UTF-8", "", "\xff", 16384},
        {"4,096 x U+FDFA (18x NFKC)", "", "\xef\xb7\xba", 4096},
        {"16 KiB of digits", "", "9", 16384},
        {"8 KiB of \"1-\"", "", "1-", 4096},
        {"4,096 \"a.\"", "", "a.", 4096},
        {"1,000 e-mail addresses", "", "x@y.com ", 1000},
        {"2,000 x \"微信:\"", "", "\xe5\xbe\xae\xe4\xbf\xa1:", 2000},
    };
    printf("hostile inputs (one report each, best of 5):\n");
    for (size_t c = 0; c < NELEM(cases); c++) {
        size_t pl = strlen(cases[c].prefix), ul = strlen(cases[c].unit);
        size_t len = pl + ul * cases[c].times;
        char *text = malloc(len + 1);
        memcpy(text, cases[c].prefix, pl);
        for (size_t i = 0; i < cases[c].times; i++)
            memcpy(text + pl + i * ul, cases[c].unit, ul);
        text[len] = '\0';
        double best = 1e18;
        for (int r = 0; r < 5; r++) {
            struct sgw_features f;
            double t0 = now_us();
            sgw_features_compute(text, len, "US", &f);
            sgw_features_fini(&f);
            double t = now_us() - t0;
            best = t < best ? t : best;
        }
        printf("  %-28s %9.1f us\n", cases[c].name, best);
        free(text);
    }
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SHARED_DIR [ROUNDS [THREADS]]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 3, threads = argc > 3 ? atoi(argv[3]) : 2;
    if (rounds < 1)
        rounds = 1;
    if (threads < 1)
        threads = 1;
    static struct set uci_spam = {.name = "UCI spam (GB)"}, uci_ham = {.name = "UCI ham (GB)"},
                      men_spam = {.name = "Mendeley spam+smishing (GB)"},
                      men_ham = {.name = "Mendeley ham (GB)"}, tank = {.name = "SmishTank (US)"},
                      zh = {.name = "Chinese templates (CN)"}, unused = {.name = "unused"};
    char path[4096];
    size_t n;
    char *b;

    snprintf(path, sizeof path, "%s/data/SMSSpamCollection", argv[1]);
    if ((b = slurp(path, &n)) == NULL)
        goto missing;
    for (char *line = b, *next; line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        size_t l = next ? (size_t)(next - line) : strlen(line);
        if (next)
            next++;
        char *tab = memchr(line, '\t', l);
        if (tab != NULL)
            set_add(strncmp(line, "spam", 4) == 0 ? &uci_spam : &uci_ham, tab + 1,
                    l - (size_t)(tab + 1 - line), "GB");
    }
    free(b);
    snprintf(path, sizeof path, "%s/data/mendeley_smishing_mishra_soni_5971.csv", argv[1]);
    if ((b = slurp(path, &n)) == NULL)
        goto missing;
    csv_load(b, n, 1, 0, "GB", &men_spam, &men_ham);
    free(b);
    snprintf(path, sizeof path, "%s/data/smishtank.csv", argv[1]);
    if ((b = slurp(path, &n)) == NULL)
        goto missing;
    csv_load(b, n, 5, -1, "US", &tank, &unused);
    free(b);
    for (int copy = 0; copy < 100; copy++) {
        for (size_t i = 0; i < NELEM(zh_texts); i++) {
            char buf[1024];
            /* Each copy with its own suffix, like a campaign's reports. */
            int l = snprintf(buf, sizeof buf, "%s %d", zh_texts[i], 1000 + copy);
            set_add(&zh, buf, (size_t)l, "CN");
        }
    }

    struct set *spam_sets[] = {&uci_spam, &men_spam, &tank, &zh};
    struct set *ham_sets[] = {&uci_ham, &men_ham};
    struct set *all[] = {&uci_spam, &men_spam, &tank, &zh, &uci_ham, &men_ham};

    /* Warm-up: ICU data, libphonenumber metadata and the spoof checker load on first use. */
    for (size_t s = 0; s < NELEM(all); s++) {
        for (size_t i = 0; i < all[s]->n; i++) {
            struct sgw_features f;
            sgw_features_compute(all[s]->v[i].text, all[s]->v[i].len, all[s]->v[i].region, &f);
            sgw_features_fini(&f);
        }
    }

    printf("intake features, one thread, %d rounds (time per sgw_features_compute + fini):\n",
           rounds);
    double spam_total = 0, ham_total = 0;
    size_t spam_n = 0, ham_n = 0;
    for (size_t s = 0; s < NELEM(spam_sets); s++) {
        spam_total += bench_set(spam_sets[s], rounds) * (double)spam_sets[s]->n;
        spam_n += spam_sets[s]->n;
    }
    for (size_t s = 0; s < NELEM(ham_sets); s++) {
        ham_total += bench_set(ham_sets[s], rounds) * (double)ham_sets[s]->n;
        ham_n += ham_sets[s]->n;
    }
    printf("  %-28s %6zu reports  mean %6.2f us\n", "all spam", spam_n, spam_total / spam_n);
    printf("  %-28s %6zu reports  mean %6.2f us\n", "all ham", ham_n, ham_total / ham_n);
    printf("  %-28s %6zu reports  mean %6.2f us\n", "everything", spam_n + ham_n,
           (spam_total + ham_total) / (double)(spam_n + ham_n));

    bench_stages(spam_sets, NELEM(spam_sets));
    bench_hostile();

    pthread_t *th = malloc((size_t)threads * sizeof *th);
    struct thread_arg *args = calloc((size_t)threads, sizeof *args);
    double t0 = now_us();
    for (int t = 0; t < threads; t++) {
        args[t] = (struct thread_arg){all, NELEM(all), rounds, 0};
        pthread_create(&th[t], NULL, thread_main, &args[t]);
    }
    size_t done = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        done += args[t].done;
    }
    double secs = (now_us() - t0) / 1e6;
    printf("%d threads: %zu reports in %.2f s = %.0f reports/s (%.2f us per report per thread)\n",
           threads, done, secs, (double)done / secs, secs * 1e6 * threads / (double)done);
    free(th);
    free(args);
    return 0;
missing:
    fprintf(stderr, "bench-features: cannot read %s\n", path);
    return 1;
}
