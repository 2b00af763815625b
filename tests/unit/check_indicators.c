/* Unit tests for gateway/intake/indicators.h: a table of report texts (positives and negatives,
 * folded first as intake does) with every indicator they must yield and nothing else; spans;
 * caps; the generic-domain and TLD tables (sorted, registrable). Negatives matter as much as
 * positives: a wrong indicator merges unrelated campaigns. */
#include "gateway/intake/indicators.h"

#include "gateway/intake/textnorm.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Renders the indicators as "url:U host:H domain:D | phone:P | email:E | kind:id", with
 * "generic:D" for a generic domain and host only when it differs from the domain. */
static void
render(const struct sgw_indicators *ind, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n > 0 && n < outsz)                                                                    \
            n += (size_t)snprintf(out + n, outsz - n, " | ");                                      \
        if (n < outsz)                                                                             \
            n += (size_t)snprintf(out + n, outsz - n, __VA_ARGS__);                                \
    } while (0)
    for (size_t k = 0; k < ind->n_urls; k++) {
        const struct sgw_url *u = &ind->urls[k];
        if (strcmp(u->host, u->domain) != 0)
            ADD("url:%s host:%s %s:%s", u->url, u->host, u->generic ? "generic" : "domain",
                u->domain);
        else
            ADD("url:%s %s:%s", u->url, u->generic ? "generic" : "domain", u->domain);
    }
    for (size_t k = 0; k < ind->n_phones; k++)
        ADD("phone:%s", ind->phones[k]);
    for (size_t k = 0; k < ind->n_emails; k++)
        ADD("email:%s", ind->emails[k]);
    for (size_t k = 0; k < ind->n_handles; k++)
        ADD("%s:%s", sgw_handle_kind_name(ind->handles[k].kind), ind->handles[k].id);
#undef ADD
}

static void
extract(const char *raw, const char *region, struct sgw_indicators *ind, char **folded)
{
    size_t len;
    ck_assert_int_eq(sgw_textnorm_fold(raw, strlen(raw), folded, &len), SGW_OK);
    ck_assert_int_eq(sgw_indicators_extract(*folded, len, region, ind), SGW_OK);
}

struct ind_case {
    const char *text;
    const char *region;
    const char *want; /* render() output; "" for none */
};

static const struct ind_case cases[] = {
    /* ---- URLs, plain and defanged ---- */
    {"Pay at hxxp://usps-fee[.]top/pay now", "US",
     "url:http://usps-fee.top/pay domain:usps-fee.top"},
    {"visit example(.)com/login", "US", "url:http://example.com/login domain:example.com"},
    {"go to example . com today", "US", "url:http://example.com domain:example.com"},
    {"go to example .com today", "US", "url:http://example.com domain:example.com"},
    {"usps-fee.top/pay", "US", "url:http://usps-fee.top/pay domain:usps-fee.top"},
    {"HTTPS://Pay.X.top/P?a=1#frag", "US",
     "url:https://pay.x.top/p?a=1 host:pay.x.top domain:x.top"},
    {"h**ps://secure-login.xyz:8443/a.", "US",
     "url:https://secure-login.xyz:8443/a domain:secure-login.xyz"},
    {"https://ok.example.com:443/", "US",
     "url:https://ok.example.com host:ok.example.com domain:example.com"},
    {"www.xpj888.com", "US", "url:http://www.xpj888.com host:www.xpj888.com domain:xpj888.com"},
    {"(see http://192.168.10.1/login)", "US", "url:http://192.168.10.1/login domain:192.168.10.1"},
    {"pay-pal.online-restrictions.org/x", "US",
     "url:http://pay-pal.online-restrictions.org/x host:pay-pal.online-restrictions.org "
     "domain:online-restrictions.org"},
    {"x.github.io/p", "US", "url:http://x.github.io/p domain:x.github.io"},
    {"\xef\xbc\xa8\xef\xbc\xb4\xef\xbc\xb4\xef\xbc\xb0\xef\xbc\xb3\xef\xbc\x9a\xef\xbc\x8f\xef\xbc"
     "\x8f\xef\xbc\xa5\xef\xbc\xb8\xef\xbc\xa1\xef\xbc\xad\xef\xbc\xb0\xef\xbc\xac\xef\xbc\xa5\xef"
     "\xbc\x8e\xef\xbc\xa3\xef\xbc\xaf\xef\xbc\xad\xef\xbc\x8f\xef\xbc\xa1",
     "US", "url:https://example.com/a domain:example.com"}, /* full-width, folded first */
    {"\xe8\xae\xbf\xe9\x97\xae"
     "abc123.com\xe6\x9f\xa5\xe7\x9c\x8b",
     "CN", "url:http://abc123.com domain:abc123.com"}, /* 访问abc123.com查看 */
    /* 官网：www。xpj888。com */
    {"\xe5\xae\x98\xe7\xbd\x91\xef\xbc\x9awww\xe3\x80\x82xpj888\xe3\x80\x82"
     "com",
     "CN", "url:http://www.xpj888.com host:www.xpj888.com domain:xpj888.com"},
    {"fix it > //@risu.io/b10sz o", "US", "url:http://risu.io/b10sz domain:risu.io"},
    {"claim now! .https://storage.googleapis.com/nv/b4", "US",
     "url:https://storage.googleapis.com/nv/b4 generic:storage.googleapis.com"},
    {"http://s3.amazonaws.com/bucket/x", "US",
     "url:http://s3.amazonaws.com/bucket/x generic:s3.amazonaws.com"},
    {"click cesbc.us/ to cancel", "US", "url:http://cesbc.us domain:cesbc.us"},
    {"visit updatebillingpage.us", "US",
     "url:http://updatebillingpage.us domain:updatebillingpage.us"},
    /* Cyrillic а: another domain, and a look-alike: only its full URL is strong. */
    {"Log in: \xd0\xb0mazon.com/login", "US",
     "url:http://\xd0\xb0mazon.com/login generic:\xd0\xb0mazon.com"},
    /* A wholly non-Latin host is a real internationalised name. */
    {"\xd1\x81\xd0\xb0\xd0\xb9\xd1\x82.\xd1\x80\xd1\x84/pay", "RU",
     "url:http://\xd1\x81\xd0\xb0\xd0\xb9\xd1\x82.\xd1\x80\xd1\x84/pay "
     "domain:\xd1\x81\xd0\xb0\xd0\xb9\xd1\x82.\xd1\x80\xd1\x84"},
    /* Userinfo is the lure; the host after '@' is the link. */
    {"go to https://usps.com@bit.ly/3yy29ws", "US", "url:https://bit.ly/3yy29ws generic:bit.ly"},
    /* Generic domains: shorteners and platforms. */
    {"bit.ly/3abcDE", "US", "url:http://bit.ly/3abcde generic:bit.ly"},
    {"https://docs.google.com/forms/d/x", "US",
     "url:https://docs.google.com/forms/d/x host:docs.google.com generic:google.com"},
    {"https://chat.whatsapp.com/AbC", "US",
     "url:https://chat.whatsapp.com/abc host:chat.whatsapp.com generic:whatsapp.com"},
    /* ---- phone numbers ---- */
    {"Call (212) 555-0100 now", "US", "phone:+12125550100"},
    {"ring +44 20 7946 0958 today", NULL, "phone:+442079460958"},
    {"Call 08452810075 now", "GB", "phone:+448452810075"},
    {"\xe7\x94\xb5\xe8\xaf\x9d"
     "13926521234",
     "CN", "phone:+8613926521234"}, /* 电话 */
    {"\xe7\x94\xb5\xe8\xaf\x9d"
     "13926521234",
     "US", "phone:+8613926521234"}, /* Han: CN too */
    {"Seattle, WA 206-555-0100", "US", "phone:+12065550100"},
    /* ---- e-mail ---- */
    {"email Support@Example.co.uk now", "US", "email:support@example.co.uk"},
    {"john [at] example [.] com", "US", "email:john@example.com"},
    {"12345678@qq.com", "CN", "email:12345678@qq.com | qq:12345678"},
    /* ---- handles ---- */
    {"\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1\xef\xbc\x9axpj8899 \xe9\xa2\x86\xe5\x8f\x96", "CN",
     "wechat:xpj8899"}, /* 加微信：xpj8899 领取 */
    {"\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1"
     "fp2024kai\xe5\x92\xa8\xe8\xaf\xa2",
     "CN", "wechat:fp2024kai"}, /* 加微信fp2024kai咨询 */
    {"VX: abc_def", "US", "wechat:abc_def"},
    {"\xe5\x8a\xa0V kaipiao_168", "CN", "wechat:kaipiao_168"},
    {"\xe6\x89\xa3\xe6\x89\xa3\xef\xbc\x9a"
     "1765432980",
     "CN", "qq:1765432980"},                            /* 扣扣： */
    {"QQ\xe7\xbe\xa4 123456789", "CN", "qq:123456789"}, /* QQ群 */
    {"Telegram @crypto_pump99 for signals", "US", "telegram:crypto_pump99"},
    {"@crypto_pump99 on tg", "US", "telegram:crypto_pump99"},
    {"join t.me/cryptopump now", "US",
     "url:http://t.me/cryptopump generic:t.me | telegram:cryptopump"},
    {"WhatsApp +44 7911 123456", "US", "phone:+447911123456 | whatsapp:+447911123456"},
    {"wa.me/447911123456", "US",
     "url:http://wa.me/447911123456 generic:wa.me | whatsapp:+447911123456"},
    {"line id: mylineid99", "TW", "line:mylineid99"},
    {"\xe5\x8a\xa0line abc123", "TW", "line:abc123"},
    {"line.me/ti/p/~abc.123", "TW",
     "url:http://line.me/ti/p/~abc.123 generic:line.me | line:abc.123"},
    /* ---- negatives ---- */
    {"ok.so see you", "US", ""},
    {"Me at cherthala.in case u r coming", "US", ""},
    {"hello . how are you", "US", ""},
    {"Click here. Now go", "US", ""},
    {"today.click here to renew", "US", ""},
    {"photo.jpg and file.zip and readme.md", "US", ""},
    {"a.m. p.m. e.g. i.e. u.s.a.", "US", ""},
    {"3.50 and 1.5/10 and v2.0", "US", ""},
    {"user@localhost and a@b", "US", ""},
    {"order 1234567 ref", "US", ""},
    {"Help08718728876", "GB", ""},
    {"it's 2022-03-05 10:30", "US", ""},
    {"wechat payment done", "US", ""},
    {"\xe5\xbe\xae\xe4\xbf\xa1\xe6\x94\xaf\xe4\xbb\x98\xe6\x88\x90\xe5\x8a\x9f", "CN",
     ""}, /* 微信支付成功 */
    {"the line is busy, hot line: 0800", "US", ""},
    {"online at 5", "US", ""},
    {"@ home now, meet @ 5pm", "US", ""},
    {"thanks @johnny123 nice pic", "US", ""},
    {"awx123456 aqq12345 vx", "US", ""},
    {"my qq is fun", "US", ""},
    {"I'm going to www", "US", ""},
    {"", "US", ""},
};

START_TEST(test_table)
{
    const struct ind_case *c = &cases[_i];
    struct sgw_indicators ind;
    char *folded, got[2048];
    extract(c->text, c->region, &ind, &folded);
    render(&ind, got, sizeof got);
    ck_assert_msg(strcmp(got, c->want) == 0, "case %d \"%s\" (%s):\n  got  \"%s\"\n  want \"%s\"",
                  _i, c->text, c->region ? c->region : "NULL", got, c->want);
    /* Spans: sorted, inside the text, non-overlapping, one at least per URL/e-mail/phone. */
    size_t prev_end = 0;
    for (size_t k = 0; k < ind.n_spans; k++) {
        ck_assert_uint_le(prev_end, ind.spans[k].start);
        ck_assert_uint_lt(ind.spans[k].start, ind.spans[k].end);
        ck_assert_uint_le(ind.spans[k].end, strlen(folded));
        prev_end = ind.spans[k].end;
    }
    ck_assert_uint_ge(ind.n_spans, ind.n_urls + ind.n_phones);
    ck_assert(!ind.truncated);
    sgw_indicators_fini(&ind);
    free(folded);
}
END_TEST

/* Extraction is a function of the text: a second run gives the same answer. */
START_TEST(test_deterministic)
{
    const struct ind_case *c = &cases[_i];
    struct sgw_indicators a, b;
    char *fa, *fb, ra[2048], rb[2048];
    extract(c->text, c->region, &a, &fa);
    extract(c->text, c->region, &b, &fb);
    render(&a, ra, sizeof ra);
    render(&b, rb, sizeof rb);
    ck_assert_str_eq(ra, rb);
    sgw_indicators_fini(&a);
    sgw_indicators_fini(&b);
    free(fa);
    free(fb);
}
END_TEST

/* Twenty different URLs: sixteen kept, the rest flagged. */
START_TEST(test_caps)
{
    char text[2048] = "";
    for (int i = 0; i < 20; i++) {
        char u[64];
        snprintf(u, sizeof u, "site%02d.com/p ", i);
        strcat(text, u);
    }
    struct sgw_indicators ind;
    char *folded;
    extract(text, "US", &ind, &folded);
    ck_assert_uint_eq(ind.n_urls, SGW_IND_MAX);
    ck_assert(ind.truncated);
    ck_assert_str_eq(ind.urls[0].url, "http://site00.com/p");
    sgw_indicators_fini(&ind);
    sgw_indicators_fini(&ind); /* fini twice and on NULL is fine */
    sgw_indicators_fini(NULL);
    free(folded);
}
END_TEST

/* A URL longer than SGW_IND_URL_MAX is cut, not dropped, and flagged. */
START_TEST(test_long_url)
{
    char text[2048] = "https://longpath.top/";
    size_t n = strlen(text);
    memset(text + n, 'a', 1500);
    text[n + 1500] = '\0';
    struct sgw_indicators ind;
    char *folded;
    extract(text, "US", &ind, &folded);
    ck_assert_uint_eq(ind.n_urls, 1);
    ck_assert_uint_eq(strlen(ind.urls[0].url), SGW_IND_URL_MAX - 1);
    ck_assert(ind.truncated);
    sgw_indicators_fini(&ind);
    free(folded);
}
END_TEST

/* Hostile runs of separators, at-signs and digits end quickly and find nothing absurd. */
START_TEST(test_hostile)
{
    static const char *const units[] = {"[.]", "@", "a.", "1", "1 ", "\xe3\x80\x82", "//", "qq:"};
    for (size_t u = 0; u < NELEM(units); u++) {
        size_t ul = strlen(units[u]), n = 4096 / ul;
        char *text = malloc(n * ul + 1);
        for (size_t i = 0; i < n; i++)
            memcpy(text + i * ul, units[u], ul);
        text[n * ul] = '\0';
        struct sgw_indicators ind;
        ck_assert_int_eq(sgw_indicators_extract(text, n * ul, "US", &ind), SGW_OK);
        ck_assert_uint_le(ind.n_urls, SGW_IND_MAX);
        ck_assert_uint_eq(ind.n_phones, 0);
        sgw_indicators_fini(&ind);
        free(text);
    }
}
END_TEST

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tables are binary-searched: strictly sorted. Generic entries are registrable domains
 * (what the lookup is given), and every bare TLD is a real public suffix. */
START_TEST(test_tables)
{
    size_t n;
    const char *const *g = sgw_generic_domains(&n);
    ck_assert_uint_gt(n, 50);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(cmp_str(&g[i - 1], &g[i]) < 0, "generic table unsorted at %s", g[i]);
    for (size_t i = 0; i < n; i++) {
        const char *r = psl_registrable_domain(psl_builtin(), g[i]);
        ck_assert_msg(r != NULL && strcmp(r, g[i]) == 0, "%s is not registrable (%s)", g[i],
                      r ? r : "NULL");
        ck_assert(sgw_domain_is_generic(g[i]));
    }
    const char *const *t = sgw_bare_tlds(&n);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(cmp_str(&t[i - 1], &t[i]) < 0, "TLD table unsorted at %s", t[i]);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(psl_is_public_suffix2(psl_builtin(), t[i], PSL_TYPE_ICANN), "%s", t[i]);
    ck_assert(!sgw_domain_is_generic("usps-fee.top"));
    ck_assert(!sgw_domain_is_generic(NULL));
    ck_assert(sgw_domain_is_generic("bit.ly"));
    ck_assert(sgw_domain_is_generic("qq.com"));
}
END_TEST

START_TEST(test_kind_names)
{
    ck_assert_str_eq(sgw_handle_kind_name(SGW_HANDLE_WECHAT), "wechat");
    ck_assert_str_eq(sgw_handle_kind_name(SGW_HANDLE_QQ), "qq");
    ck_assert_str_eq(sgw_handle_kind_name(SGW_HANDLE_TELEGRAM), "telegram");
    ck_assert_str_eq(sgw_handle_kind_name(SGW_HANDLE_WHATSAPP), "whatsapp");
    ck_assert_str_eq(sgw_handle_kind_name(SGW_HANDLE_LINE), "line");
    ck_assert_str_eq(sgw_handle_kind_name((enum sgw_handle_kind)77), "unknown");
}
END_TEST

static Suite *
indicators_suite(void)
{
    Suite *s = suite_create("indicators");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(cases));
    tcase_add_loop_test(tc, test_deterministic, 0, (int)NELEM(cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_caps);
    tcase_add_test(tc, test_long_url);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_tables);
    tcase_add_test(tc, test_kind_names);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(indicators_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
