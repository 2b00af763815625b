/* Unit tests for gateway/intake/sms7726.h, table-driven with time as a parameter: message
 * classification, every transition of the conversation (pending or not, expired or not, within
 * or over the rate limit), the token bucket over time, sender masks, references, and that every
 * reply in both languages fits one SMS with the longest mask, reference and short code. */
#include "gateway/intake/sms7726.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1795600000000000LL /* µs: 2026-11-25 */
#define SEC 1000000LL

/* --- classification ---------------------------------------------------------------------- */

static const struct {
    const char *text;
    const char *region;
    enum sgw_sms_kind kind;
    enum sgw_sms_lang lang;
    enum sgw_sender_kind sender_kind; /* SENDER / CALL */
    const char *sender;               /* normal form, SENDER / CALL */
} class_cases[] = {
    {"", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {" \t\n ", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {"\xE3\x80\x80", "CN", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL}, /* ideographic space */
    {"HELP", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {" help. ", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {"Stop", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {"UNSUBSCRIBE", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {"?", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {"???", "US", SGW_SMS_HELP, SGW_SMS_EN, 0, NULL},
    {"帮助", "CN", SGW_SMS_HELP, SGW_SMS_ZH, 0, NULL},
    {"退订", "CN", SGW_SMS_HELP, SGW_SMS_ZH, 0, NULL},
    {"idk", "US", SGW_SMS_DONTKNOW, SGW_SMS_EN, 0, NULL},
    {"I don\xE2\x80\x99t know", "US", SGW_SMS_DONTKNOW, SGW_SMS_EN, 0, NULL},
    {"No idea!", "US", SGW_SMS_DONTKNOW, SGW_SMS_EN, 0, NULL},
    {"不知道", "CN", SGW_SMS_DONTKNOW, SGW_SMS_ZH, 0, NULL},
    {"不知道。", "CN", SGW_SMS_DONTKNOW, SGW_SMS_ZH, 0, NULL},
    /* Spam calls: "Call" and a phone number. */
    {"Call 2125551234", "US", SGW_SMS_CALL, SGW_SMS_EN, SGW_SENDER_PHONE, "+12125551234"},
    {"CALL: +1 (212) 555-1234", "CN", SGW_SMS_CALL, SGW_SMS_EN, SGW_SENDER_PHONE, "+12125551234"},
    {"call from 212.555.1234", "US", SGW_SMS_CALL, SGW_SMS_EN, SGW_SENDER_PHONE, "+12125551234"},
    {"call 13926521234", "CN", SGW_SMS_CALL, SGW_SMS_EN, SGW_SENDER_PHONE, "+8613926521234"},
    {"Call 80085", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"Call me now to claim your prize 2125551234", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"Call me", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    /* Senders. */
    {"+1 (212) 555-0100", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_PHONE, "+12125550100"},
    {"2125550100", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_PHONE, "+12125550100"},
    {" 212-555-0100 ", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_PHONE, "+12125550100"},
    {"13926521234", "CN", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_PHONE, "+8613926521234"},
    {"From: +44 20 7946 0958", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_PHONE, "+442079460958"},
    {"80085", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_SHORT_CODE, "80085"},
    {"from 80085", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_SHORT_CODE, "80085"},
    {"10690000123", "CN", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_SHORT_CODE, "10690000123"},
    {"PAYPAL", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_ALPHANUMERIC, "PAYPAL"},
    {"paypal", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_ALPHANUMERIC, "PAYPAL"},
    {"HSBC-UK", "GB", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_ALPHANUMERIC, "HSBC-UK"},
    {"My Bank", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_ALPHANUMERIC, "MY BANK"},
    {"Fake.Bank@iCloud.com", "US", SGW_SMS_SENDER, SGW_SMS_EN, SGW_SENDER_EMAIL,
     "fake.bank@icloud.com"},
    /* Not senders: a new forward. */
    {"12", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"ok", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"Thanks", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"ok thanks", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"PAYPAL\nsecond line", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"what do you mean??", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0, NULL},
    {"USPS: your parcel is held. Pay $1.99 at https://usps-fee.top", "US", SGW_SMS_TEXT, SGW_SMS_EN,
     0, NULL},
    {"【澳门银河】注册就送88元，存100送100 www.am88.com", "CN", SGW_SMS_TEXT, SGW_SMS_ZH, 0, NULL},
    {"Your code is 中奖 claim at http://x.example/win now", "US", SGW_SMS_TEXT, SGW_SMS_EN, 0,
     NULL},
};

START_TEST(test_classify)
{
    struct sgw_sms_class c;
    const char *t = class_cases[_i].text;
    sgw_sms7726_classify(t, strlen(t), class_cases[_i].region, &c);
    ck_assert_msg(c.kind == class_cases[_i].kind, "'%s': kind %d, want %d", t, (int)c.kind,
                  (int)class_cases[_i].kind);
    ck_assert_msg(c.lang == class_cases[_i].lang, "'%s': lang %d, want %d", t, (int)c.lang,
                  (int)class_cases[_i].lang);
    if (class_cases[_i].sender != NULL) {
        ck_assert_msg(c.sender_kind == class_cases[_i].sender_kind, "'%s': sender kind %d", t,
                      (int)c.sender_kind);
        ck_assert_str_eq(c.sender, class_cases[_i].sender);
        ck_assert_msg(c.sender_raw[0] != '\0', "'%s': no raw sender", t);
    } else if (c.kind == SGW_SMS_TEXT) {
        ck_assert_str_eq(c.sender, "");
    }
}
END_TEST

/* The message needs not be NUL-terminated: only len bytes are read. */
START_TEST(test_classify_len_bound)
{
    struct sgw_sms_class c;
    sgw_sms7726_classify("80085 and more", 5, "US", &c);
    ck_assert_int_eq(c.kind, SGW_SMS_SENDER);
    ck_assert_str_eq(c.sender, "80085");
}
END_TEST

/* --- transitions ------------------------------------------------------------------------- */

enum { NOPE = 0, LIVE, EXPIRED };

static const struct {
    const char *name;
    enum sgw_sms_kind kind;
    enum sgw_sms_lang lang;
    int pending; /* NOPE, LIVE (expires in 1 s), EXPIRED (expired 1 µs ago... or exactly now) */
    enum sgw_sms_lang pending_lang;
    double tokens;
    int64_t tokens_at; /* 0 = new subscriber */
    long per_hour;
    /* expected */
    int flush, expired, complete, open, call;
    enum sgw_sms_reply reply;
    enum sgw_sms_lang reply_lang;
} plan_cases[] = {
    {"forward, new subscriber", SGW_SMS_TEXT, SGW_SMS_EN, NOPE, 0, 0, 0, 30, 0, 0, 0, 1, 0,
     SGW_SMS_REPLY_ASK, SGW_SMS_EN},
    {"forward in Chinese", SGW_SMS_TEXT, SGW_SMS_ZH, NOPE, 0, 5, T0, 30, 0, 0, 0, 1, 0,
     SGW_SMS_REPLY_ASK, SGW_SMS_ZH},
    {"forward replaces a waiting report", SGW_SMS_TEXT, SGW_SMS_EN, LIVE, SGW_SMS_ZH, 5, T0, 30, 1,
     0, 0, 1, 0, SGW_SMS_REPLY_ASK, SGW_SMS_EN},
    {"forward after expiry", SGW_SMS_TEXT, SGW_SMS_EN, EXPIRED, 0, 5, T0, 30, 1, 1, 0, 1, 0,
     SGW_SMS_REPLY_ASK, SGW_SMS_EN},
    {"forward over the limit", SGW_SMS_TEXT, SGW_SMS_EN, NOPE, 0, 0, T0, 30, 0, 0, 0, 0, 0,
     SGW_SMS_REPLY_LIMIT, SGW_SMS_EN},
    {"forward over the limit still stores the waiting one", SGW_SMS_TEXT, SGW_SMS_EN, LIVE, 0, 0.5,
     T0, 30, 1, 0, 0, 0, 0, SGW_SMS_REPLY_LIMIT, SGW_SMS_EN},
    {"forward, no limit", SGW_SMS_TEXT, SGW_SMS_EN, NOPE, 0, 0, T0, 0, 0, 0, 0, 1, 0,
     SGW_SMS_REPLY_ASK, SGW_SMS_EN},
    {"sender completes, in the forward's language", SGW_SMS_SENDER, SGW_SMS_EN, LIVE, SGW_SMS_ZH, 0,
     T0, 30, 0, 0, 1, 0, 0, SGW_SMS_REPLY_ACK, SGW_SMS_ZH},
    {"sender completes even with no tokens left", SGW_SMS_SENDER, SGW_SMS_EN, LIVE, SGW_SMS_EN, 0,
     T0, 30, 0, 0, 1, 0, 0, SGW_SMS_REPLY_ACK, SGW_SMS_EN},
    {"sender without a waiting report", SGW_SMS_SENDER, SGW_SMS_EN, NOPE, 0, 5, T0, 30, 0, 0, 0, 0,
     0, SGW_SMS_REPLY_NO_PENDING, SGW_SMS_EN},
    {"sender after expiry", SGW_SMS_SENDER, SGW_SMS_EN, EXPIRED, 0, 5, T0, 30, 1, 1, 0, 0, 0,
     SGW_SMS_REPLY_NO_PENDING, SGW_SMS_EN},
    {"don't know completes without sender", SGW_SMS_DONTKNOW, SGW_SMS_EN, LIVE, SGW_SMS_EN, 5, T0,
     30, 0, 0, 1, 0, 0, SGW_SMS_REPLY_ACK_NONE, SGW_SMS_EN},
    {"don't know with nothing waiting", SGW_SMS_DONTKNOW, SGW_SMS_ZH, NOPE, 0, 5, T0, 30, 0, 0, 0,
     0, 0, SGW_SMS_REPLY_HELP, SGW_SMS_ZH},
    {"call report", SGW_SMS_CALL, SGW_SMS_EN, NOPE, 0, 5, T0, 30, 0, 0, 0, 0, 1,
     SGW_SMS_REPLY_ACK_CALL, SGW_SMS_EN},
    {"call report replaces a waiting one", SGW_SMS_CALL, SGW_SMS_EN, LIVE, 0, 5, T0, 30, 1, 0, 0, 0,
     1, SGW_SMS_REPLY_ACK_CALL, SGW_SMS_EN},
    {"call report over the limit", SGW_SMS_CALL, SGW_SMS_EN, NOPE, 0, 0.2, T0, 30, 0, 0, 0, 0, 0,
     SGW_SMS_REPLY_LIMIT, SGW_SMS_EN},
    {"help leaves a waiting report alone", SGW_SMS_HELP, SGW_SMS_EN, LIVE, 0, 5, T0, 30, 0, 0, 0, 0,
     0, SGW_SMS_REPLY_HELP, SGW_SMS_EN},
    {"help even after expiry", SGW_SMS_HELP, SGW_SMS_ZH, EXPIRED, 0, 5, T0, 30, 0, 0, 0, 0, 0,
     SGW_SMS_REPLY_HELP, SGW_SMS_ZH},
};

START_TEST(test_plan)
{
    struct sgw_sms_class m;
    struct sgw_sms_state st;
    struct sgw_sms_limits lim = {plan_cases[_i].per_hour};
    struct sgw_sms_plan p;

    memset(&m, 0, sizeof m);
    memset(&st, 0, sizeof st);
    m.kind = plan_cases[_i].kind;
    m.lang = plan_cases[_i].lang;
    st.has_pending = plan_cases[_i].pending != NOPE;
    /* EXPIRED alternates between "exactly now" and "a microsecond ago": both are expired. */
    st.pending_expires_us = plan_cases[_i].pending == LIVE ? T0 + SEC : T0 - (_i % 2);
    st.pending_lang = plan_cases[_i].pending_lang;
    st.tokens = plan_cases[_i].tokens;
    st.tokens_at_us = plan_cases[_i].tokens_at;
    sgw_sms7726_plan(&m, &st, &lim, T0, &p);

    const char *n = plan_cases[_i].name;
    ck_assert_msg(p.flush_pending == plan_cases[_i].flush, "%s: flush %d", n, p.flush_pending);
    ck_assert_msg(p.expired == plan_cases[_i].expired, "%s: expired %d", n, p.expired);
    ck_assert_msg(p.complete_pending == plan_cases[_i].complete, "%s: complete %d", n,
                  p.complete_pending);
    ck_assert_msg(p.open_pending == plan_cases[_i].open, "%s: open %d", n, p.open_pending);
    ck_assert_msg(p.store_call == plan_cases[_i].call, "%s: call %d", n, p.store_call);
    ck_assert_msg(p.reply == plan_cases[_i].reply, "%s: reply %d", n, (int)p.reply);
    ck_assert_msg(p.lang == plan_cases[_i].reply_lang, "%s: lang %d", n, (int)p.lang);
    /* Invariants: at most one new thing; a live waiting report is always consumed. */
    ck_assert_int_le(p.complete_pending + p.open_pending + p.store_call, 1);
    if (plan_cases[_i].pending != NOPE && m.kind != SGW_SMS_HELP)
        ck_assert_msg(p.flush_pending || p.complete_pending, "%s: waiting report left", n);
    if (p.open_pending || p.store_call) {
        if (lim.per_hour > 0)
            ck_assert_msg(p.tokens_at_us == T0, "%s: bucket not advanced", n);
    }
}
END_TEST

/* A subscriber's messages over time through plan alone, as the database would keep the state:
 * forward, sender, forward, garbage, expiry, help. */
START_TEST(test_plan_conversation)
{
    struct sgw_sms_state st = {0, 0, SGW_SMS_EN, 0, 0};
    struct sgw_sms_limits lim = {30};
    const int64_t ttl = 86400 * SEC;
    struct sgw_sms_plan p;
    struct sgw_sms_class text = {.kind = SGW_SMS_TEXT}, sender = {.kind = SGW_SMS_SENDER};
    int64_t now = T0;

#define APPLY()                                                                                    \
    do {                                                                                           \
        st.tokens = p.tokens;                                                                      \
        st.tokens_at_us = p.tokens_at_us;                                                          \
        if (p.flush_pending || p.complete_pending)                                                 \
            st.has_pending = 0;                                                                    \
        if (p.open_pending) {                                                                      \
            st.has_pending = 1;                                                                    \
            st.pending_expires_us = now + ttl;                                                     \
        }                                                                                          \
    } while (0)

    sgw_sms7726_plan(&text, &st, &lim, now, &p);
    ck_assert(p.open_pending && !p.flush_pending);
    APPLY();
    now += 30 * SEC;
    sgw_sms7726_plan(&sender, &st, &lim, now, &p);
    ck_assert(p.complete_pending && p.reply == SGW_SMS_REPLY_ACK);
    APPLY();
    ck_assert(!st.has_pending);
    sgw_sms7726_plan(&text, &st, &lim, now, &p);
    APPLY();
    sgw_sms7726_plan(&text, &st, &lim, now + SEC, &p); /* garbage second step */
    ck_assert(p.flush_pending && !p.expired && p.open_pending);
    APPLY();
    now += ttl + SEC; /* nobody answers for a day */
    sgw_sms7726_plan(&sender, &st, &lim, now, &p);
    ck_assert(p.flush_pending && p.expired && !p.complete_pending);
    ck_assert_int_eq(p.reply, SGW_SMS_REPLY_NO_PENDING);
    APPLY();
    ck_assert(!st.has_pending);
#undef APPLY
}
END_TEST

/* --- the token bucket -------------------------------------------------------------------- */

START_TEST(test_rate_burst_then_refill)
{
    double tokens = 0;
    int64_t at = 0, now = T0;
    for (int i = 0; i < 30; i++)
        ck_assert_msg(sgw_sms7726_rate_take(&tokens, &at, 30, now), "take %d refused", i + 1);
    ck_assert_int_eq(sgw_sms7726_rate_take(&tokens, &at, 30, now), 0);
    ck_assert_int_eq(sgw_sms7726_rate_take(&tokens, &at, 30, now + 119 * SEC), 0);
    /* 30 an hour is one every 120 s. */
    ck_assert_int_eq(sgw_sms7726_rate_take(&tokens, &at, 30, now + 120 * SEC), 1);
    ck_assert_int_eq(sgw_sms7726_rate_take(&tokens, &at, 30, now + 121 * SEC), 0);
    /* A long quiet time refills to the burst size, never beyond. */
    now += 10 * 3600 * SEC;
    int n = 0;
    while (sgw_sms7726_rate_take(&tokens, &at, 30, now))
        n++;
    ck_assert_int_eq(n, 30);
}
END_TEST

START_TEST(test_rate_clock_backwards)
{
    double tokens = 0;
    int64_t at = T0;
    ck_assert_int_eq(sgw_sms7726_rate_take(&tokens, &at, 30, T0 - 3600 * SEC), 0);
    ck_assert(tokens >= 0);
}
END_TEST

START_TEST(test_rate_unlimited)
{
    double tokens = 0;
    int64_t at = T0;
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(sgw_sms7726_rate_take(&tokens, &at, 0, T0), 1);
}
END_TEST

/* --- masks and references ---------------------------------------------------------------- */

static const struct {
    const char *sender;
    enum sgw_sender_kind kind;
    const char *want;
} mask_cases[] = {
    {"+12125550100", SGW_SENDER_PHONE, "***0100"},
    {"+8613926521234", SGW_SENDER_PHONE, "***1234"},
    {"80085", SGW_SENDER_SHORT_CODE, "80***"},
    {"10690000123", SGW_SENDER_SHORT_CODE, "***0123"},
    {"PAYPAL", SGW_SENDER_ALPHANUMERIC, "PA***"},
    {"MY BANK", SGW_SENDER_ALPHANUMERIC, "MY***"},
    {"AB", SGW_SENDER_ALPHANUMERIC, "A***"},
    {"fake.bank@icloud.com", SGW_SENDER_EMAIL, "f***@i***.com"},
    {"x@very-long-domain.example.museum", SGW_SENDER_EMAIL, "x***@v***.museum"},
    {"x@y.verylongtld", SGW_SENDER_EMAIL, "x***@y***"},
    {"用户@例子.中国", SGW_SENDER_EMAIL, "****@****"},
    {"broken", SGW_SENDER_EMAIL, "***"},
    {NULL, SGW_SENDER_UNKNOWN, "***"},
};

START_TEST(test_mask)
{
    char out[SGW_SMS_MASK_MAX];
    sgw_sms7726_mask(mask_cases[_i].sender, mask_cases[_i].kind, out, sizeof out);
    ck_assert_str_eq(out, mask_cases[_i].want);
    ck_assert(sgw_sms7726_gsm7_septets(out, strlen(out)) != SIZE_MAX);
}
END_TEST

START_TEST(test_mask_small_buffer)
{
    char out[4];
    sgw_sms7726_mask("fake.bank@icloud.com", SGW_SENDER_EMAIL, out, sizeof out);
    ck_assert_str_eq(out, "f**");
}
END_TEST

static const struct {
    int64_t id;
    const char *want;
} ref_cases[] = {
    {1, "R-1"},       {31, "R-Z"}, {32, "R-10"},
    {12345, "R-C1S"}, {0, "R-0"},  {INT64_MAX, "R-7ZZZZZZZZZZZZ"},
};

START_TEST(test_ref)
{
    char out[SGW_SMS_REF_MAX];
    sgw_sms7726_ref(ref_cases[_i].id, out, sizeof out);
    ck_assert_str_eq(out, ref_cases[_i].want);
}
END_TEST

/* --- replies ----------------------------------------------------------------------------- */

START_TEST(test_replies_fit_one_sms)
{
    char ref[SGW_SMS_REF_MAX], out[SGW_SMS_REPLY_MAX];
    const char *longest_mask = "x***@v***.museum";
    const char *longest_code = "123456789012345";
    sgw_sms7726_ref(INT64_MAX, ref, sizeof ref);
    ck_assert_uint_lt(strlen(longest_mask), SGW_SMS_MASK_MAX);
    for (int r = SGW_SMS_REPLY_ASK; r <= SGW_SMS_REPLY_NO_PENDING; r++) {
        for (int lang = SGW_SMS_EN; lang <= SGW_SMS_ZH; lang++) {
            int ucs2 = sgw_sms7726_reply((enum sgw_sms_reply)r, (enum sgw_sms_lang)lang,
                                         longest_mask, ref, longest_code, 100000, out, sizeof out);
            ck_assert_int_eq(ucs2, lang == SGW_SMS_ZH);
            ck_assert_msg(strchr(out, '{') == NULL, "reply %d/%d has a placeholder: %s", r, lang,
                          out);
            size_t len = strlen(out);
            if (lang == SGW_SMS_EN)
                ck_assert_msg(sgw_sms7726_gsm7_septets(out, len) <= SGW_SMS_GSM7_MAX,
                              "English reply %d: %zu septets: %s", r,
                              sgw_sms7726_gsm7_septets(out, len), out);
            else
                ck_assert_msg(sgw_sms7726_ucs2_units(out, len) <= SGW_SMS_UCS2_MAX,
                              "Chinese reply %d: %zu units: %s", r,
                              sgw_sms7726_ucs2_units(out, len), out);
            ck_assert(sgw_sms7726_fits(out, ucs2));
        }
    }
}
END_TEST

START_TEST(test_reply_substitutions)
{
    char out[SGW_SMS_REPLY_MAX];
    sgw_sms7726_reply(SGW_SMS_REPLY_ACK, SGW_SMS_EN, "***0100", "R-C1S", "7726", 30, out,
                      sizeof out);
    ck_assert_ptr_nonnull(strstr(out, "***0100"));
    ck_assert_ptr_nonnull(strstr(out, "R-C1S"));
    sgw_sms7726_reply(SGW_SMS_REPLY_LIMIT, SGW_SMS_ZH, NULL, NULL, "7726", 30, out, sizeof out);
    ck_assert_ptr_nonnull(strstr(out, "30"));
    sgw_sms7726_reply(SGW_SMS_REPLY_HELP, SGW_SMS_EN, NULL, NULL, "33669", 30, out, sizeof out);
    ck_assert_ptr_nonnull(strstr(out, "33669"));
    /* A short buffer truncates instead of overflowing. */
    char tiny[8];
    sgw_sms7726_reply(SGW_SMS_REPLY_ACK, SGW_SMS_EN, "***0100", "R-1", "7726", 30, tiny,
                      sizeof tiny);
    ck_assert_uint_eq(strlen(tiny), sizeof tiny - 1);
}
END_TEST

static const struct {
    const char *text;
    size_t septets;
    size_t units;
} len_cases[] = {
    {"abc", 3, 3},
    {"{x}", 5, 3},
    {"\xE2\x82\xAC"
     "5",
     3, 2},                /* €5 */
    {"caf\xC3\xA9", 4, 4}, /* café */
    {"a\nb\r", 4, 4},
    {"\xE4\xB8\xAD", SIZE_MAX, 1},     /* 中 */
    {"`", SIZE_MAX, 1},                /* not in GSM 03.38 */
    {"\xF0\x9F\x8E\x89", SIZE_MAX, 2}, /* 🎉: a surrogate pair */
    {"@$_*", 4, 4},
};

START_TEST(test_lengths)
{
    const char *t = len_cases[_i].text;
    ck_assert_uint_eq(sgw_sms7726_gsm7_septets(t, strlen(t)), len_cases[_i].septets);
    ck_assert_uint_eq(sgw_sms7726_ucs2_units(t, strlen(t)), len_cases[_i].units);
}
END_TEST

START_TEST(test_fits_bounds)
{
    char buf[200];
    memset(buf, 'a', 160);
    buf[160] = '\0';
    ck_assert(sgw_sms7726_fits(buf, 0));
    buf[159] = '[';
    ck_assert(!sgw_sms7726_fits(buf, 0)); /* '[' takes two septets */
    char zh[3 * 71 + 1];
    for (int i = 0; i < 71; i++)
        memcpy(zh + 3 * i, "\xE4\xB8\xAD", 3);
    zh[3 * 70] = '\0';
    ck_assert(sgw_sms7726_fits(zh, 1));
    memcpy(zh + 3 * 70, "\xE4\xB8\xAD", 3);
    zh[3 * 71] = '\0';
    ck_assert(!sgw_sms7726_fits(zh, 1));
}
END_TEST

/* --- short codes ------------------------------------------------------------------------- */

static const struct {
    const char *list;
    int valid;
} codes_valid_cases[] = {
    {"7726", 1},
    {"7726,8877", 1},
    {" 7726 , 33669 ", 1},
    {"123456789012345", 1},
    {"", 0},
    {"77", 0},
    {"7726,", 0},
    {",7726", 0},
    {"abc", 0},
    {"7726;8877", 0},
    {"1234567890123456", 0},
};

START_TEST(test_short_codes_valid)
{
    ck_assert_int_eq(sgw_sms7726_short_codes_valid(codes_valid_cases[_i].list),
                     codes_valid_cases[_i].valid);
}
END_TEST

START_TEST(test_short_code_listed)
{
    ck_assert(sgw_sms7726_short_code_listed("7726,8877", "8877"));
    ck_assert(sgw_sms7726_short_code_listed(" 7726 ", "7726"));
    ck_assert(!sgw_sms7726_short_code_listed("7726", "772"));
    ck_assert(!sgw_sms7726_short_code_listed("7726", "77260"));
    ck_assert(!sgw_sms7726_short_code_listed("7726", ""));
    ck_assert(!sgw_sms7726_short_code_listed("7726", NULL));
    ck_assert(!sgw_sms7726_short_code_listed("bad,7726", "7726"));
}
END_TEST

static Suite *
sms7726_suite(void)
{
    Suite *s = suite_create("sms7726");
    TCase *tc = tcase_create("classify");
    tcase_add_loop_test(tc, test_classify, 0, NELEM(class_cases));
    tcase_add_test(tc, test_classify_len_bound);
    suite_add_tcase(s, tc);

    tc = tcase_create("plan");
    tcase_add_loop_test(tc, test_plan, 0, NELEM(plan_cases));
    tcase_add_test(tc, test_plan_conversation);
    tcase_add_test(tc, test_rate_burst_then_refill);
    tcase_add_test(tc, test_rate_clock_backwards);
    tcase_add_test(tc, test_rate_unlimited);
    suite_add_tcase(s, tc);

    tc = tcase_create("replies");
    tcase_add_loop_test(tc, test_mask, 0, NELEM(mask_cases));
    tcase_add_test(tc, test_mask_small_buffer);
    tcase_add_loop_test(tc, test_ref, 0, NELEM(ref_cases));
    tcase_add_test(tc, test_replies_fit_one_sms);
    tcase_add_test(tc, test_reply_substitutions);
    tcase_add_loop_test(tc, test_lengths, 0, NELEM(len_cases));
    tcase_add_test(tc, test_fits_bounds);
    tcase_add_loop_test(tc, test_short_codes_valid, 0, NELEM(codes_valid_cases));
    tcase_add_test(tc, test_short_code_listed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(sms7726_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
