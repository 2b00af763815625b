/* Unit tests for gateway/intake/features.h: whole reports to template, tags and signature
 * (table), the GUIDE §7 folding facts, hostile text, the PostgreSQL forms, thread safety, and
 * the separation test on the public corpora in $SPAMGW_SHARED/data (default: ../shared next to
 * the checkout; the suite fails if they are absent): about 200 unrelated spam messages plus 16
 * Chinese templates written for this test are mutated the way spammers vary copies (random
 * suffixes, zero-width characters, look-alike letters, full-width forms, case and spacing,
 * rotated links, call-back numbers and handles, separators between Chinese characters), and
 * mutated copies must stay at or above SGW_MINHASH_THRESHOLD against their original while
 * unrelated messages (and 3,000 ham messages) stay below it. The distributions are printed. */
#include "gateway/intake/features.h"

#include "gateway/intake/textnorm.h"
#include "tests/support/suite.h"

#include <check.h>
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------------------ */

static void
compute(const char *text, const char *region, struct sgw_features *f)
{
    ck_assert_int_eq(sgw_features_compute(text, strlen(text), region, f), SGW_OK);
}

/* Tags joined by single spaces. */
static void
join_tags(const struct sgw_features *f, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; k < f->n_tags && n < outsz; k++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", k ? " " : "", f->tags[k]);
}

static bool
valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

/* ---- table -------------------------------------------------------------------------------- */

#define U "\xe2\x9f\xa8url\xe2\x9f\xa9"
#define N "\xe2\x9f\xa8num\xe2\x9f\xa9"
#define P "\xe2\x9f\xa8phone\xe2\x9f\xa9"
#define E                                                                                          \
    "\xe2\x9f\xa8"                                                                                 \
    "email\xe2\x9f\xa9"
#define H "\xe2\x9f\xa8handle\xe2\x9f\xa9"

struct feat_case {
    const char *text;
    const char *region;
    const char *tmpl;
    const char *tags;
    unsigned flags;
};

static const struct feat_case feat_cases[] = {
    {"Your USPS parcel is held. Pay $1.99 at hxxp://usps-fee[.]top/pay or call (212) 555-0100",
     "US", "your usps parcel is held. pay $" N " at " U " or call " P,
     "url:http://usps-fee.top/pay domain:usps-fee.top phone:+12125550100", 0},
    {"IRS: refund of $573.00 pending, confirm at https://irs-refund.pay.x.top/c?id=9#top", "US",
     "irs: refund of $" N " pending, confirm at " U,
     "url:https://irs-refund.pay.x.top/c?id=9 host:irs-refund.pay.x.top domain:x.top", 0},
    {"Your package is waiting: bit.ly/3XyZabc", "US", "your package is waiting: " U,
     "url:http://bit.ly/3xyzabc generic_domain:bit.ly", 0},
    {"Contact support@secure-bank.co.uk or WhatsApp +44 7911 123456", "GB",
     "contact " E " or whatsapp " P,
     "phone:+447911123456 email:support@secure-bank.co.uk whatsapp:+447911123456", 0},
    {"\xe3\x80\x90\xe6\xbe\xb3\xe9\x97\xa8\xe6\x96\xb0\xe8\x91\xa1\xe4\xba\xac\xe3\x80\x91\xe9"
     "\xa6\x96\xe5\xad\x98"
     "100\xe9\x80\x81"
     "88\xef\xbc\x8c\xe5\xae\x98\xe7\xbd\x91\xef\xbc\x9a"
     "www.xpj888.com\xef\xbc\x8c\xe5\xae\xa2\xe6\x9c\x8d\xe5\xbe\xae\xe4\xbf\xa1\xef\xbc\x9a"
     "xpj8899",
     "CN",
     "\xe3\x80\x90\xe6\xbe\xb3\xe9\x97\xa8\xe6\x96\xb0\xe8\x91\xa1\xe4\xba\xac\xe3\x80\x91\xe9"
     "\xa6\x96\xe5\xad\x98" N "\xe9\x80\x81" N ",\xe5\xae\x98\xe7\xbd\x91:" U
     ",\xe5\xae\xa2\xe6\x9c\x8d\xe5\xbe\xae\xe4\xbf\xa1:" H,
     "url:http://www.xpj888.com host:www.xpj888.com domain:xpj888.com wechat:xpj8899", 0},
    {"t.me/cryptopump", "US", U,
     "url:http://t.me/cryptopump generic_domain:t.me telegram:cryptopump", SGW_MINHASH_WEAK},
    /* Only a URL, only emoji, empty after folding: weak or empty, never a MinHash match. */
    {"https://usps-fee.top/p", "US", U, "url:https://usps-fee.top/p domain:usps-fee.top",
     SGW_MINHASH_WEAK},
    {"\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x92\xb0\xf0\x9f\x92\xb0", "US",
     "\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x92\xb0\xf0\x9f\x92\xb0", "", SGW_MINHASH_WEAK},
    {"\xe2\x80\x8b\xe2\x80\x8b \xe2\x80\x8d", "US", "", "", SGW_MINHASH_EMPTY | SGW_MINHASH_WEAK},
    {"", NULL, "", "", SGW_MINHASH_EMPTY | SGW_MINHASH_WEAK},
    {"ok see you at 5", "US", "ok see you at " N, "", 0},
};

START_TEST(test_table)
{
    const struct feat_case *c = &feat_cases[_i];
    struct sgw_features f;
    char tags[2048];
    compute(c->text, c->region, &f);
    join_tags(&f, tags, sizeof tags);
    ck_assert_msg(strcmp(f.tmpl, c->tmpl) == 0, "case %d: template \"%s\", want \"%s\"", _i, f.tmpl,
                  c->tmpl);
    ck_assert_msg(strcmp(tags, c->tags) == 0, "case %d: tags \"%s\", want \"%s\"", _i, tags,
                  c->tags);
    ck_assert_msg(f.sig.flags == c->flags, "case %d: flags %u, want %u", _i, f.sig.flags, c->flags);
    ck_assert_uint_eq(f.folded_len, strlen(f.folded));
    ck_assert_uint_eq(f.key_len, strlen(f.key));
    ck_assert_uint_eq(f.tmpl_len, strlen(f.tmpl));
    sgw_features_fini(&f);
}
END_TEST

/* GUIDE §7, end to end. */
START_TEST(test_guide_facts)
{
    struct sgw_features a, b;
    compute("\xef\xbc\xa8\xef\xbc\xb4\xef\xbc\xb4\xef\xbc\xb0\xef\xbc\x9a\xef\xbc\x8f\xef\xbc\x8f"
            "\xef\xbc\xb8\xe2\x80\x8b",
            "US", &a);
    ck_assert_str_eq(a.folded, "http://x");
    sgw_features_fini(&a);
    compute("\xd1\x80\xd0\xb0\xd1\x83\xd1\x80\xd0\xb0l", "US", &a); /* раураl */
    compute("paypal", "US", &b);
    ck_assert_str_eq(a.key, b.key);
    ck_assert_str_ne(a.folded, b.folded); /* the display text keeps what was sent */
    sgw_features_fini(&a);
    sgw_features_fini(&b);
}
END_TEST

/* Mutations of one message that must give the same signature, not just a similar one. */
static const char *const same_sig[] = {
    "Your parcel is held, pay the fee at usps-fee.top/pay today",
    "YOUR PARCEL IS HELD,  PAY THE FEE AT usps-fee.top/pay TODAY!!",
    "Y\xd0\xbeur p\xd0\xb0rcel is held, p\xd0\xb0y the fee \xd0\xb0t usps-fee.top/pay t\xd0\xbe"
    "day",
    "Your\xe2\x80\x8b parcel is he\xc2\xadld, pay the fee at usps-fee.top/pay today",
    "\xef\xbc\xb9our parcel is held, pay the fee at https://other-fee.xyz/q today",
};

START_TEST(test_same_signature)
{
    struct sgw_features a, b;
    compute(same_sig[0], "US", &a);
    compute(same_sig[_i], "US", &b);
    ck_assert_msg(sgw_minhash_similarity(&a.sig, &b.sig) == 1.0, "\"%s\": %.3f (\"%s\")",
                  same_sig[_i], sgw_minhash_similarity(&a.sig, &b.sig), b.tmpl);
    sgw_features_fini(&a);
    sgw_features_fini(&b);
}
END_TEST

/* ---- hostile text ------------------------------------------------------------------------- */

static char *
repeat(const char *prefix, const char *unit, size_t times, size_t *len)
{
    size_t pl = strlen(prefix), ul = strlen(unit);
    char *s = malloc(pl + ul * times + 1);
    memcpy(s, prefix, pl);
    for (size_t i = 0; i < times; i++)
        memcpy(s + pl + i * ul, unit, ul);
    *len = pl + ul * times;
    s[*len] = '\0';
    return s;
}

struct hostile_case {
    const char *prefix;
    const char *unit;
    size_t times;
};

static const struct hostile_case hostile_cases[] = {
    {"a", "\xcc\x81", 4096},        /* 4,096 combining marks */
    {"", "\xf0\x9f\x94\xa5", 4096}, /* only emoji */
    {"", "\xff", 16384},            /* invalid UTF-8 */
    {"", "\xef\xb7\xba", 4096},     /* U+FDFA: 18-fold NFKC expansion */
    {"", "9", 16384},               /* one huge number */
    {"", "1-", 4096},               /* a huge phone-like run */
    {"", "a.", 4096},               /* a huge host-like run */
    {"", "[.]", 4096},
    {"", "@", 4096},
    {"", "x@y.com ", 1000},                  /* many e-mails: capped */
    {"", "\xe2\x80\x8b", 4096},              /* only zero-width spaces */
    {"", "\xe5\xbe\xae\xe4\xbf\xa1:", 2000}, /* keyword storm */
    {"https://", "a", 4000},                 /* one very long URL */
};

START_TEST(test_hostile)
{
    const struct hostile_case *c = &hostile_cases[_i];
    size_t len;
    char *text = repeat(c->prefix, c->unit, c->times, &len);
    struct sgw_features f;
    ck_assert_int_eq(sgw_features_compute(text, len, "US", &f), SGW_OK);
    ck_assert(valid_utf8(f.folded, f.folded_len));
    ck_assert(valid_utf8(f.key, f.key_len));
    ck_assert(valid_utf8(f.tmpl, f.tmpl_len));
    ck_assert_uint_le(f.folded_len, SGW_TEXTNORM_MAX_FOLDED);
    ck_assert_uint_le(f.ind.n_urls, SGW_IND_MAX);
    ck_assert_uint_le(f.ind.n_emails, SGW_IND_MAX);
    ck_assert_uint_le(f.n_tags, SGW_FEATURES_MAX_TAGS);
    for (size_t k = 0; k < f.n_tags; k++)
        ck_assert_uint_le(strlen(f.tags[k]), SGW_IND_URL_MAX + 32);
    char *pg = sgw_features_tags_pg_array(&f);
    ck_assert(pg[0] == '{');
    free(pg);
    sgw_features_fini(&f);
    free(text);
}
END_TEST

/* Two different hostile texts never look alike through MinHash. */
START_TEST(test_hostile_no_glue)
{
    static const char *const texts[] = {
        "",
        "\xe2\x80\x8b",
        "https://a-site.top/p",
        "https://other.xyz/q",
        "\xf0\x9f\x94\xa5",
        "\xf0\x9f\x92\xb0\xf0\x9f\x92\xb0",
        "12345678",
        "+1 212 555 0100",
    };
    for (size_t i = 0; i < NELEM(texts); i++) {
        struct sgw_features a;
        compute(texts[i], "US", &a);
        ck_assert_msg(a.sig.flags & SGW_MINHASH_WEAK, "\"%s\" not weak", texts[i]);
        for (size_t j = i + 1; j < NELEM(texts); j++) {
            struct sgw_features b;
            compute(texts[j], "US", &b);
            /* Weak signatures may coincide ("⟨url⟩" is "⟨url⟩"): the flag tells the cluster
             * worker not to join on them; empty ones never even compare equal. */
            if ((a.sig.flags | b.sig.flags) & SGW_MINHASH_EMPTY)
                ck_assert(sgw_minhash_similarity(&a.sig, &b.sig) == 0.0);
            sgw_features_fini(&b);
        }
        sgw_features_fini(&a);
    }
}
END_TEST

/* ---- PostgreSQL forms --------------------------------------------------------------------- */

START_TEST(test_pg_array)
{
    struct sgw_features f;
    memset(&f, 0, sizeof f);
    char *tags[] = {"url:http://x.top/a", "odd:q\"uote", "odd:back\\slash", "odd:{brace},comma"};
    f.tags = tags;
    f.n_tags = NELEM(tags);
    char *pg = sgw_features_tags_pg_array(&f);
    ck_assert_str_eq(pg, "{\"url:http://x.top/a\",\"odd:q\\\"uote\",\"odd:back\\\\slash\","
                         "\"odd:{brace},comma\"}");
    free(pg);
    f.n_tags = 0;
    pg = sgw_features_tags_pg_array(&f);
    ck_assert_str_eq(pg, "{}");
    free(pg);
}
END_TEST

START_TEST(test_signature_bytes)
{
    struct sgw_features f;
    unsigned char a[SGW_MINHASH_BYTES], b[SGW_MINHASH_BYTES];
    compute("Your parcel is held, pay the fee at usps-fee.top/pay today", "US", &f);
    sgw_features_signature_bytes(&f, a);
    sgw_minhash_to_bytes(&f.sig, b);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    struct sgw_minhash back;
    ck_assert_int_eq(sgw_minhash_from_bytes(a, sizeof a, &back), 0);
    ck_assert(sgw_minhash_similarity(&back, &f.sig) == 1.0);
    sgw_features_fini(&f);
    sgw_features_fini(&f);
    sgw_features_fini(NULL);
}
END_TEST

/* ---- corpora ------------------------------------------------------------------------------ */

struct texts {
    char **v;
    size_t n, cap;
};

static struct texts spam, ham;
static char corpus_error[1400];

static void
texts_add(struct texts *t, const char *s, size_t n)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n] = malloc(n + 1);
    memcpy(t->v[t->n], s, n);
    t->v[t->n][n] = '\0';
    t->n++;
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

/* RFC 4180 records (quoted fields may hold commas, newlines and doubled quotes): calls row()
 * with the fields of each record after the header. */
static void
csv_rows(const char *s, size_t n, int text_col, int label_col)
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
            if (nf < 32) {
                fields[nf] = malloc(cl + 1);
                memcpy(fields[nf], cur, cl);
                fields[nf++][cl] = '\0';
            }
            cl = 0;
            if (c == '\n') {
                if (!header && nf > text_col && fields[text_col][0] != '\0') {
                    bool is_ham = label_col >= 0 && strcasecmp(fields[label_col], "ham") == 0;
                    texts_add(is_ham ? &ham : &spam, fields[text_col], strlen(fields[text_col]));
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

/* $SPAMGW_SHARED, else ../shared beside the checkout ($SPAMGW_SOURCE_DIR, else this file's
 * tests/unit/../..). */
static void
shared_dir(char *out, size_t outsz)
{
    const char *env = getenv("SPAMGW_SHARED");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, outsz, "%s", env);
        return;
    }
    env = getenv("SPAMGW_SOURCE_DIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, outsz, "%s/../shared", env);
        return;
    }
    char root[1024];
    snprintf(root, sizeof root, "%s", __FILE__);
    char *cut = strstr(root, "/tests/unit/");
    if (cut != NULL)
        *cut = '\0';
    else
        snprintf(root, sizeof root, ".");
    snprintf(out, outsz, "%s/../shared", root);
}

static void
load_corpora(void)
{
    char dir[1100], path[1200];
    size_t n;
    char *b;
    shared_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data/SMSSpamCollection", dir);
    if ((b = slurp(path, &n)) == NULL)
        goto missing;
    for (char *line = b, *next; line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        size_t l = next ? (size_t)(next - line) : strlen(line);
        if (next)
            next++;
        char *tab = memchr(line, '\t', l);
        if (tab != NULL)
            texts_add(strncmp(line, "spam", 4) == 0 ? &spam : &ham, tab + 1,
                      l - (size_t)(tab + 1 - line));
    }
    free(b);
    snprintf(path, sizeof path, "%s/data/mendeley_smishing_mishra_soni_5971.csv", dir);
    if ((b = slurp(path, &n)) == NULL)
        goto missing;
    csv_rows(b, n, 1, 0);
    free(b);
    snprintf(path, sizeof path, "%s/data/smishtank.csv", dir);
    if ((b = slurp(path, &n)) == NULL)
        goto missing;
    csv_rows(b, n, 5, -1);
    free(b);
    return;
missing:
    snprintf(corpus_error, sizeof corpus_error,
             "corpus %s is missing: set SPAMGW_SHARED to the shared directory", path);
}

static void
require_corpora(void)
{
    ck_assert_msg(corpus_error[0] == '\0', "%s", corpus_error);
    ck_assert_msg(spam.n > 2500 && ham.n > 9000, "corpora too small: %zu spam, %zu ham", spam.n,
                  ham.n);
}

/* Folding every corpus message is idempotent and gives valid UTF-8; features never fail. */
START_TEST(test_corpus_fold)
{
    require_corpora();
    struct texts *sets[] = {&spam, &ham};
    for (size_t s = 0; s < NELEM(sets); s++) {
        for (size_t i = 0; i < sets[s]->n; i++) {
            const char *t = sets[s]->v[i];
            char *once, *twice;
            size_t l1, l2;
            ck_assert_int_eq(sgw_textnorm_fold(t, strlen(t), &once, &l1), SGW_OK);
            ck_assert_int_eq(sgw_textnorm_fold(once, l1, &twice, &l2), SGW_OK);
            ck_assert_msg(l1 == l2 && memcmp(once, twice, l1) == 0, "not idempotent: %s", t);
            ck_assert(valid_utf8(once, l1));
            free(once);
            free(twice);
        }
    }
}
END_TEST

/* Ham is where false indicators would come from: chat handles must not appear at all, and
 * phones, URLs and e-mails only in the few messages that really carry them. */
START_TEST(test_corpus_ham_precision)
{
    require_corpora();
    size_t with_url = 0, with_phone = 0, with_email = 0, with_handle = 0;
    for (size_t i = 0; i < ham.n; i++) {
        struct sgw_features f;
        compute(ham.v[i], "GB", &f);
        with_url += f.ind.n_urls > 0;
        with_phone += f.ind.n_phones > 0;
        with_email += f.ind.n_emails > 0;
        if (f.ind.n_handles > 0) {
            char tags[1024];
            join_tags(&f, tags, sizeof tags);
            ck_abort_msg("handle in ham: \"%s\" -> %s", ham.v[i], tags);
        }
        with_handle += f.ind.n_handles > 0;
        sgw_features_fini(&f);
    }
    printf("ham (%zu messages): %zu with a URL, %zu with a phone, %zu with an e-mail, %zu with a "
           "handle\n",
           ham.n, with_url, with_phone, with_email, with_handle);
    ck_assert_uint_le(with_url, ham.n / 200);
    ck_assert_uint_le(with_phone, ham.n / 200);
    ck_assert_uint_le(with_email, ham.n / 500);
}
END_TEST

/* ---- thread safety ------------------------------------------------------------------------ */

struct thread_job {
    size_t from, to;
    size_t mismatches;
    unsigned char (*sigs)[SGW_MINHASH_BYTES];
    char **tags;
};

static void
describe(const char *text, unsigned char sig[SGW_MINHASH_BYTES], char **tags)
{
    struct sgw_features f;
    char buf[4096];
    if (sgw_features_compute(text, strlen(text), "US", &f) != SGW_OK)
        abort();
    sgw_features_signature_bytes(&f, sig);
    join_tags(&f, buf, sizeof buf);
    *tags = strdup(buf);
    sgw_features_fini(&f);
}

static void *
thread_main(void *arg)
{
    struct thread_job *job = arg;
    for (size_t i = job->from; i < job->to; i++) {
        unsigned char sig[SGW_MINHASH_BYTES];
        char *tags;
        describe(spam.v[i], sig, &tags);
        job->mismatches += memcmp(sig, job->sigs[i], sizeof sig) != 0 || strcmp(tags, job->tags[i]);
        free(tags);
    }
    return NULL;
}

/* Four threads over the same messages (each message twice, concurrently) give exactly the
 * single-threaded answers: no hidden shared state in folding, ICU, libpsl or the matcher. */
START_TEST(test_threads)
{
    require_corpora();
    size_t n = spam.n < 1200 ? spam.n : 1200;
    unsigned char(*sigs)[SGW_MINHASH_BYTES] = malloc(n * sizeof *sigs);
    char **tags = malloc(n * sizeof *tags);
    for (size_t i = 0; i < n; i++)
        describe(spam.v[i], sigs[i], &tags[i]);
    pthread_t th[4];
    struct thread_job jobs[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (struct thread_job){(size_t)(t % 2) * n / 2, (size_t)(t % 2 + 1) * n / 2, 0, sigs,
                                      tags};
        ck_assert_int_eq(pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
    }
    size_t bad = 0;
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        bad += jobs[t].mismatches;
    }
    ck_assert_uint_eq(bad, 0);
    for (size_t i = 0; i < n; i++)
        free(tags[i]);
    free(tags);
    free(sigs);
}
END_TEST

/* ---- separation under mutation ------------------------------------------------------------ */

/* Chinese templates written for this test (no spaces, as sent): gambling, fake invoices,
 * purchasing agents, porn; each with the handles, links or numbers such campaigns rotate. */
static const char *const zh_templates[] = {
    /* gambling */
    "【澳门新葡京】首存100送88，每日返水1.5%，注册即送38元体验金，官网：www.xpj888.com，"
    "客服微信：xpj8899",
    "亚洲最大真人娱乐平台，百家乐、龙虎斗、牛牛火爆开放中！新会员首充即送100%彩金，提款秒到账，"
    "登录hxxp://ag9988[.]vip立即体验",
    "足球世界杯火热投注中，竞彩足球串关奖金翻倍，回复1领取专属注册链接，加QQ：2847561930获取"
    "内部推荐单",
    "棋牌游戏下载即送18元，斗地主、炸金花、麻将真人对战，日赚千元不是梦，下载地址：qp168.top/app"
    "推荐码8866",
    /* fake invoices */
    "本公司长期代开各类增值税发票，普通发票、专用发票均可验证后付款，点数优惠，联系电话"
    "13926521234王经理",
    "您好！我司可开具全国各地正规发票，建筑、运输、餐饮、住宿等，税点低，可网上查验，加微信"
    "fp2024kai咨询",
    "代开发票：专票普票机打票，真票可查，先验后付，长期合作价格从优，扣扣：1765432980",
    "财务月底冲账找我们，各类发票代理开具，保真可查询，量大从优，详询V信：kaipiao_168",
    /* purchasing agents */
    "香港正品代购，LV、GUCCI、香奈儿包包专柜同款，支持专柜验货，假一赔十，加微信hkdg520看实拍图",
    "日本免税店代购：资生堂、SK-II神仙水、雪花秀原价五折，顺丰包邮直发，下单请联系扣扣："
    "3365128870",
    "海外直邮奶粉代购，澳洲爱他美、a2白金版，保证正品可溯源，满两罐包邮，淘宝店铺："
    "naifen-hw.taobao.com",
    "美国代购苹果手机，iPhone15ProMax官换机低至五千元，全国联保，微信：apple_us99，货到付款",
    /* porn */
    "寂寞吗？同城美女一对一视频聊天，真人在线，私密直播不限时，点击进入：hxxp://mm520[.]club/live",
    "成人影院最新资源每日更新，无码高清在线观看，永久免费会员，复制网址到浏览器打开：av8899.xyz",
    "附近的人约吗？本地学生妹上门服务，包夜价格优惠，安全可靠，联系电话15812345678小美",
    "深夜福利：高清私拍视频合集，会员专享，充值即送VIP一个月，下载APP：https://hs66.vip/dl"
    "邀请码520",
};

enum {
    MUT_SUFFIX = 1,   /* random code appended, or "[code]" prepended */
    MUT_ZW = 2,       /* zero-width and soft-hyphen characters inserted */
    MUT_HOMO = 4,     /* Latin letters swapped for Cyrillic look-alikes (not inside links) */
    MUT_FULL = 8,     /* ASCII swapped for full-width forms */
    MUT_CASE = 16,    /* letters flipped, or the whole text upper-cased */
    MUT_SPACE = 32,   /* spaces doubled, dropped or turned into newlines */
    MUT_LINK = 64,    /* every link replaced by a fresh random one */
    MUT_NUM = 128,    /* digits of call-back numbers (5+ digits) redrawn */
    MUT_HANDLE = 256, /* letter+digit ids (WeChat ids) redrawn */
    MUT_CJKSEP = 512  /* separators put between Chinese characters */
};

struct mutation {
    const char *name;
    unsigned en, zh; /* 0: not applied to that language */
};

static const struct mutation mutations[] = {
    {"random suffix", MUT_SUFFIX, MUT_SUFFIX},
    {"zero-width", MUT_ZW, MUT_ZW},
    {"homoglyphs", MUT_HOMO, 0},
    {"full-width", MUT_FULL, MUT_FULL},
    {"case+spacing", MUT_CASE | MUT_SPACE, MUT_CASE | MUT_SPACE},
    {"links+numbers", MUT_LINK | MUT_NUM, MUT_LINK | MUT_NUM | MUT_HANDLE},
    {"CJK separators", 0, MUT_CJKSEP},
    {"all at once", 0xFF & ~MUT_HANDLE, 0x3FF & ~MUT_HOMO},
};

struct sbuf {
    char *p;
    size_t len, cap;
};

static void
sb_add(struct sbuf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
sb_cp(struct sbuf *b, uint32_t cp)
{
    unsigned char t[4];
    sb_add(b, t, (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, t));
}

static uint64_t
rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned
below(uint64_t *s, unsigned n)
{
    return (unsigned)(rng(s) % n);
}

static void
rand_alnum(struct sbuf *b, uint64_t *r, unsigned n)
{
    static const char a[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (unsigned i = 0; i < n; i++)
        sb_add(b, &a[below(r, 36)], 1);
}

static uint32_t
homoglyph(char c)
{
    static const char latin[] = "aeopcxyisjABEHKMOPCTX";
    static const uint32_t cyr[] = {0x430, 0x435, 0x43E, 0x440, 0x441, 0x445, 0x443,
                                   0x456, 0x455, 0x458, 0x410, 0x412, 0x415, 0x41D,
                                   0x41A, 0x41C, 0x41E, 0x420, 0x421, 0x422, 0x425};
    const char *p = c ? strchr(latin, c) : NULL;
    return p ? cyr[p - latin] : 0;
}

static bool
has_any(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr(set, s[i]) != NULL)
            return true;
    }
    return false;
}

/* A link as a spammer writes one: a scheme, "www." or a name with a common TLD. */
static bool
is_link(const char *s, size_t n)
{
    static const char *const tlds[] = {".com", ".net",  ".org", ".top",    ".ly",   ".info", ".co",
                                       ".us",  ".uk",   ".xyz", ".me",     ".io",   ".gl",   ".cn",
                                       ".ru",  ".club", ".vip", ".online", ".site", ".in"};
    for (size_t i = 0; i + 3 <= n; i++) {
        if (memcmp(s + i, "://", 3) == 0)
            return true;
    }
    if (n > 4 && strncasecmp(s, "www.", 4) == 0)
        return true;
    for (size_t k = 0; k < NELEM(tlds); k++) {
        size_t l = strlen(tlds[k]);
        for (size_t i = 1; i + l <= n; i++) {
            if (strncasecmp(s + i, tlds[k], l) == 0 &&
                (i + l == n || !isalnum((unsigned char)s[i + l])))
                return true;
        }
    }
    return false;
}

/* Returns a mutated copy of in (caller frees). Pass 1 rewrites ASCII tokens (links, numbers,
 * ids) and adds the suffix; pass 2 changes characters. */
static char *
mutate(const char *in, unsigned muts, uint64_t seed)
{
    uint64_t r = seed * 0x9E3779B97F4A7C15ULL + 1;
    struct sbuf a = {0}, b = {0};
    size_t n = strlen(in);
    sb_add(&a, "", 0);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)in[i];
        if (c <= 0x20 || c >= 0x7F) {
            sb_add(&a, in + i, 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && (unsigned char)in[j] > 0x20 && (unsigned char)in[j] < 0x7F)
            j++;
        if ((muts & MUT_LINK) && is_link(in + i, j - i)) {
            static const char *const tl[] = {".top", ".com", ".xyz", ".info", ".vip"};
            if (below(&r, 2))
                sb_add(&a, "https://", 8);
            rand_alnum(&a, &r, 5 + below(&r, 6));
            const char *t = tl[below(&r, 5)];
            sb_add(&a, t, strlen(t));
            sb_add(&a, "/", 1);
            rand_alnum(&a, &r, 4 + below(&r, 5));
        } else if ((muts & MUT_HANDLE) && j - i >= 5 && has_any(in + i, j - i, "0123456789") &&
                   has_any(in + i, j - i, "abcdefghijklmnopqrstuvwxyz")) {
            for (size_t k = i; k < j; k++) {
                char ch = in[k];
                if (isdigit((unsigned char)ch))
                    ch = (char)('0' + below(&r, 10));
                else if (islower((unsigned char)ch))
                    ch = (char)('a' + below(&r, 26));
                sb_add(&a, &ch, 1);
            }
        } else if (muts & MUT_NUM) {
            unsigned digits = 0;
            for (size_t k = i; k < j; k++)
                digits += isdigit((unsigned char)in[k]) != 0;
            for (size_t k = i; k < j; k++) {
                char ch = in[k];
                /* The first two digits stay: a call-back number keeps its country and area. */
                if (digits >= 5 && isdigit((unsigned char)ch) && k > i + 1)
                    ch = (char)('0' + below(&r, 10));
                sb_add(&a, &ch, 1);
            }
        } else {
            sb_add(&a, in + i, j - i);
        }
        i = j;
    }
    if (muts & MUT_SUFFIX) {
        if (below(&r, 2)) {
            sb_add(&a, " ", 1);
            rand_alnum(&a, &r, 4 + below(&r, 6));
        } else {
            struct sbuf p = {0};
            sb_add(&p, "[", 1);
            rand_alnum(&p, &r, 4 + below(&r, 4));
            sb_add(&p, "] ", 2);
            sb_add(&p, a.p, a.len);
            free(a.p);
            a = p;
        }
    }
    static const uint32_t zw[] = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD};
    bool upper_all = (muts & MUT_CASE) && below(&r, 3) == 0;
    size_t tok_end = 0;
    bool in_link = false;
    for (size_t i = 0; i < a.len;) {
        unsigned char c = (unsigned char)a.p[i];
        size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i >= tok_end) {
            size_t j = i;
            while (j < a.len && (unsigned char)a.p[j] > 0x20 && (unsigned char)a.p[j] < 0x7F)
                j++;
            in_link = j > i && is_link(a.p + i, j - i);
            tok_end = j > i ? j : i + 1;
        }
        if ((muts & MUT_ZW) && below(&r, 100) < 12)
            sb_cp(&b, zw[below(&r, NELEM(zw))]);
        if ((muts & MUT_CJKSEP) && l == 3 && below(&r, 100) < 15) {
            static const char *const seps[] = {" ", "/", "-", "*", "."};
            const char *x = seps[below(&r, NELEM(seps))];
            sb_add(&b, x, strlen(x));
        }
        if (l > 1) {
            sb_add(&b, a.p + i, l);
            i += l;
            continue;
        }
        char ch = (char)c;
        if (muts & MUT_CASE) {
            if (upper_all)
                ch = (char)toupper(c);
            else if (below(&r, 100) < 25)
                ch = isupper(c) ? (char)tolower(c) : (char)toupper(c);
        }
        if ((muts & MUT_SPACE) && ch == ' ') {
            unsigned k = below(&r, 10);
            i++;
            if (k == 1)
                sb_add(&b, "  ", 2);
            else if (k == 2)
                sb_add(&b, "\n", 1);
            else if (k != 0)
                sb_add(&b, " ", 1);
            continue;
        }
        uint32_t h;
        if ((muts & MUT_HOMO) && !in_link && (h = homoglyph(ch)) != 0 && below(&r, 100) < 35)
            sb_cp(&b, h);
        else if ((muts & MUT_FULL) && ch > 0x20 && ch < 0x7F && below(&r, 100) < 40)
            sb_cp(&b, 0xFF01 + (uint32_t)(ch - 0x21));
        else
            sb_add(&b, &ch, 1);
        i++;
    }
    free(a.p);
    return b.p ? b.p : strdup("");
}

/* Lower-case words of two or more letters or digits, sorted and unique. */
struct words {
    char **w;
    size_t n;
};

static int
cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
words_of(const char *s, struct words *out)
{
    size_t cap = 64, k = 0;
    char **w = malloc(cap * sizeof *w);
    for (size_t i = 0; s[i];) {
        if (!isalnum((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (isalnum((unsigned char)s[j]))
            j++;
        if (j - i >= 2) {
            if (k == cap)
                w = realloc(w, (cap *= 2) * sizeof *w);
            w[k] = strndup(s + i, j - i);
            for (char *p = w[k]; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            k++;
        }
        i = j;
    }
    qsort(w, k, sizeof *w, cmp_strp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u > 0 && strcmp(w[u - 1], w[i]) == 0)
            free(w[i]);
        else
            w[u++] = w[i];
    }
    out->w = w;
    out->n = u;
}

static double
word_jaccard(const struct words *a, const struct words *b)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < a->n && j < b->n) {
        int c = strcmp(a->w[i], b->w[j]);
        inter += c == 0;
        i += c <= 0;
        j += c >= 0;
    }
    size_t uni = a->n + b->n - inter;
    return uni ? (double)inter / (double)uni : 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints one distribution line; returns how many values are at or above the threshold. */
static size_t
report(const char *name, double *v, size_t n)
{
    size_t above = 0;
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    for (size_t i = 0; i < n; i++)
        above += v[i] >= SGW_MINHASH_THRESHOLD;
    printf("  %-32s n=%7zu min=%.3f p1=%.3f p5=%.3f p50=%.3f p99=%.3f p99.9=%.3f max=%.3f "
           ">=%.2f: %zu (%.2f%%)\n",
           name, n, v[0], v[n / 100], v[n / 20], v[n / 2], v[n * 99 / 100], v[n * 999 / 1000],
           v[n - 1], SGW_MINHASH_THRESHOLD, above, 100.0 * (double)above / (double)n);
    return above;
}

static struct sgw_minhash
sig_of(const char *text)
{
    struct sgw_features f;
    compute(text, "US", &f);
    struct sgw_minhash m = f.sig;
    sgw_features_fini(&f);
    return m;
}

static bool
share_band(const struct sgw_minhash *a, const struct sgw_minhash *b)
{
    uint64_t ka[SGW_MINHASH_BANDS], kb[SGW_MINHASH_BANDS];
    sgw_minhash_bands(a, ka);
    sgw_minhash_bands(b, kb);
    for (int i = 0; i < SGW_MINHASH_BANDS; i++) {
        if (ka[i] == kb[i])
            return true;
    }
    return false;
}

#define EN_TEMPLATES 200

START_TEST(test_separation)
{
    require_corpora();
    /* ~200 unrelated English templates: a fixed shuffle of the spam, skipping messages too short
     * to cluster on (weak) and near-duplicates of one already taken (word Jaccard >= 0.3, a
     * measure independent of ours, so that "unrelated" is not decided by MinHash itself). */
    size_t *order = malloc(spam.n * sizeof *order);
    for (size_t i = 0; i < spam.n; i++)
        order[i] = i;
    uint64_t r = 42;
    for (size_t i = spam.n - 1; i > 0; i--) {
        size_t j = (size_t)(rng(&r) % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    size_t nz = NELEM(zh_templates), nt = 0;
    const char **tpl = malloc((EN_TEMPLATES + nz) * sizeof *tpl);
    struct words *tw = malloc(EN_TEMPLATES * sizeof *tw);
    for (size_t i = 0; i < spam.n && nt < EN_TEMPLATES; i++) {
        const char *t = spam.v[order[i]];
        struct sgw_minhash m = sig_of(t);
        if (m.flags & SGW_MINHASH_WEAK)
            continue;
        struct words w;
        words_of(t, &w);
        bool dup = false;
        for (size_t k = 0; k < nt && !dup; k++)
            dup = word_jaccard(&w, &tw[k]) >= 0.3;
        if (dup) {
            for (size_t k = 0; k < w.n; k++)
                free(w.w[k]);
            free(w.w);
            continue;
        }
        tw[nt] = w;
        tpl[nt++] = t;
    }
    size_t ne = nt;
    ck_assert_uint_eq(ne, EN_TEMPLATES);
    for (size_t i = 0; i < nz; i++)
        tpl[nt++] = zh_templates[i];

    size_t nm = NELEM(mutations);
    struct sgw_minhash *orig = malloc(nt * sizeof *orig);
    struct sgw_minhash *mut = malloc(nt * nm * sizeof *mut);
    bool *has_mut = calloc(nt * nm, sizeof *has_mut);
    for (size_t i = 0; i < nt; i++) {
        orig[i] = sig_of(tpl[i]);
        for (size_t k = 0; k < nm; k++) {
            unsigned muts = i < ne ? mutations[k].en : mutations[k].zh;
            if (muts == 0)
                continue;
            char *m = mutate(tpl[i], muts, i * 131 + k + 7);
            mut[i * nm + k] = sig_of(m);
            has_mut[i * nm + k] = true;
            free(m);
        }
    }

    printf("separation: %zu English templates from the corpora, %zu Chinese, threshold %.2f, "
           "shingles of %d code points, K = %d, %d bands x %d rows\n",
           ne, nz, SGW_MINHASH_THRESHOLD, SGW_MINHASH_SHINGLE, SGW_MINHASH_K, SGW_MINHASH_BANDS,
           SGW_MINHASH_ROWS);
    double *v = malloc(nt * nm * sizeof *v);
    size_t above_en = 0, total_en = 0, above_zh = 0, total_zh = 0, cand_en = 0, cand_zh = 0;
    for (int lang = 0; lang < 2; lang++) {
        printf(" mutated copy vs its original (%s):\n", lang == 0 ? "English" : "Chinese");
        size_t from = lang == 0 ? 0 : ne, to = lang == 0 ? ne : nt;
        for (size_t k = 0; k <= nm; k++) {
            size_t n = 0, cand = 0;
            for (size_t i = from; i < to; i++) {
                for (size_t q = 0; q < nm; q++) {
                    if (!has_mut[i * nm + q] || (k < nm && q != k))
                        continue;
                    v[n++] = sgw_minhash_similarity(&mut[i * nm + q], &orig[i]);
                    cand += share_band(&mut[i * nm + q], &orig[i]);
                }
            }
            if (n == 0)
                continue;
            char name[64];
            snprintf(name, sizeof name, "%s", k < nm ? mutations[k].name : "ALL MUTANTS");
            size_t above = report(name, v, n);
            if (k == nm) {
                printf("  %-32s %zu of %zu (%.2f%%) share an LSH band with the original\n",
                       "LSH candidates", cand, n, 100.0 * (double)cand / (double)n);
                *(lang == 0 ? &above_en : &above_zh) = above;
                *(lang == 0 ? &total_en : &total_zh) = n;
                *(lang == 0 ? &cand_en : &cand_zh) = cand;
            }
        }
    }

    printf(" unrelated pairs:\n");
    size_t cap = nt * nt * (nm + 1);
    double *u = malloc(cap * sizeof *u);
    size_t nu = 0, nmo = 0;
    for (size_t i = 0; i < nt; i++) {
        for (size_t j = i + 1; j < nt; j++)
            u[nu++] = sgw_minhash_similarity(&orig[i], &orig[j]);
    }
    size_t above_orig = report("original vs original", u, nu);
    for (size_t i = 0; i < nt; i++) {
        for (size_t k = 0; k < nm; k++) {
            if (!has_mut[i * nm + k])
                continue;
            for (size_t j = 0; j < nt; j++) {
                if (j != i)
                    u[nmo++] = sgw_minhash_similarity(&mut[i * nm + k], &orig[j]);
            }
        }
    }
    size_t above_mo = report("mutated copy vs other originals", u, nmo);
    size_t nh = ham.n < 3000 ? ham.n : 3000, nhu = 0, weak_ham = 0;
    double *hu = malloc(nh * nt * sizeof *hu);
    for (size_t i = 0; i < nh; i++) {
        struct sgw_minhash h = sig_of(ham.v[i]);
        if (h.flags & SGW_MINHASH_WEAK) {
            weak_ham++;
            continue;
        }
        for (size_t j = 0; j < nt; j++)
            hu[nhu++] = sgw_minhash_similarity(&h, &orig[j]);
    }
    size_t above_ham = report("ham vs templates", hu, nhu);
    printf("  (%zu of %zu ham messages are weak: too short to cluster on)\n", weak_ham, nh);

    /* Mutated copies: at least 98 % at or above the threshold, and as many LSH candidates (the
     * rest join through indicators or through other copies of their campaign). */
    ck_assert_msg(above_en * 100 >= total_en * 98, "English: %zu of %zu", above_en, total_en);
    ck_assert_msg(above_zh * 100 >= total_zh * 98, "Chinese: %zu of %zu", above_zh, total_zh);
    ck_assert_msg(cand_en * 100 >= total_en * 97, "English LSH: %zu of %zu", cand_en, total_en);
    ck_assert_msg(cand_zh * 100 >= total_zh * 97, "Chinese LSH: %zu of %zu", cand_zh, total_zh);
    /* Unrelated messages: none at or above the threshold. */
    ck_assert_uint_eq(above_orig, 0);
    ck_assert_uint_eq(above_mo, 0);
    ck_assert_uint_eq(above_ham, 0);

    free(hu);
    free(u);
    free(v);
    free(has_mut);
    free(mut);
    free(orig);
    for (size_t k = 0; k < ne; k++) {
        for (size_t q = 0; q < tw[k].n; q++)
            free(tw[k].w[q]);
        free(tw[k].w);
    }
    free(tw);
    free(tpl);
    free(order);
}
END_TEST

static Suite *
features_suite(void)
{
    Suite *s = suite_create("features");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(feat_cases));
    tcase_add_test(tc, test_guide_facts);
    tcase_add_loop_test(tc, test_same_signature, 1, (int)NELEM(same_sig));
    tcase_add_test(tc, test_pg_array);
    tcase_add_test(tc, test_signature_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_hostile, 0, (int)NELEM(hostile_cases));
    tcase_add_test(tc, test_hostile_no_glue);
    suite_add_tcase(s, tc);

    tc = tcase_create("corpora");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, load_corpora, NULL);
    tcase_add_test(tc, test_corpus_fold);
    tcase_add_test(tc, test_corpus_ham_precision);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_separation);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(features_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
