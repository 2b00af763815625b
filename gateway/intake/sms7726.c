/* The 7726 conversation's logic: message classification, the state transition, masks,
 * references and reply texts. Pure: no I/O, no clock, no allocation. It never sees the
 * subscriber's number (only their region), and a reply never carries a sender in clear. */
#include "gateway/intake/sms7726.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define KEYWORD_MAX 64 /* longer messages are never keywords */

/* --- UTF-8 walking ----------------------------------------------------------------------- */

/* Decodes the code point at s[*i] (input is validated UTF-8; a stray byte reads as U+FFFD). */
static uint32_t
next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    size_t need = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c < 0xC0 || c >= 0xF8 || *i + need >= len) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t cp = need == 1 ? (c & 0x1F) : need == 2 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k <= need; k++)
        cp = cp << 6 | (s[*i + k] & 0x3F);
    *i += need + 1;
    return cp;
}

static int
is_han(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

enum sgw_sms_lang
sgw_sms7726_lang(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, han = 0, latin = 0;

    while (i < len) {
        uint32_t cp = next_cp(s, len, &i);
        if (is_han(cp))
            han++;
        else if (cp < 0x80 && isalpha((int)cp))
            latin++;
    }
    /* Chinese spam carries URLs and brand names in Latin letters: Han characters need not be
     * the majority, only a real share of the letters. */
    if (han >= 10 || (han >= 2 && 2 * han >= latin))
        return SGW_SMS_ZH;
    return SGW_SMS_EN;
}

/* Length of a blank at s[i] (ASCII white space, U+00A0, U+3000), 0 if none. */
static size_t
blank_at(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[i] == ' ' || (u[i] >= '\t' && u[i] <= '\r'))
        return 1;
    if (i + 1 < len && u[i] == 0xC2 && u[i + 1] == 0xA0)
        return 2;
    if (i + 2 < len && u[i] == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x80)
        return 3;
    return 0;
}

static void
trim(const char **s, size_t *len)
{
    size_t k;
    while (*len > 0 && (k = blank_at(*s, *len, 0)) > 0)
        *s += k, *len -= k;
    for (;;) {
        size_t n = *len;
        if (n >= 1 && blank_at(*s, n, n - 1) == 1)
            *len = n - 1;
        else if (n >= 2 && (unsigned char)(*s)[n - 2] == 0xC2 && (unsigned char)(*s)[n - 1] == 0xA0)
            *len = n - 2;
        else if (n >= 3 && memcmp(*s + n - 3, "\xE3\x80\x80", 3) == 0)
            *len = n - 3;
        else
            break;
    }
}

/* --- keywords ---------------------------------------------------------------------------- */

static const char *const help_words[] = {
    "help", "info", "stop", "stopall", "unsubscribe", "cancel", "end", "quit",
    "帮助", "幫助", "退订", "退訂",    "取消",        "停止",   NULL,
};
static const char *const dontknow_words[] = {
    "idk",     "i dont know", "i don't know", "dont know", "don't know", "dunno", "unknown",
    "no idea", "not sure",    "no",           "nope",      "none",       "n/a",   "sorry",
    "不知道",  "不清楚",      "不记得",       "未知",      NULL,
};
/* Words a GSM sender id could spell but that, as a reply, are just conversation. */
static const char *const not_sender_words[] = {
    "ok",   "okay", "yes",  "yep",    "yeah", "thanks", "thank you", "thankyou",
    "thx",  "ty",   "hi",   "hello",  "hey",  "what",   "why",       "who",
    "spam", "done", "sure", "please", "pls",  NULL,
};

static int
in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* The text as keywords are compared: lower-case ASCII, one space between words, typographic
 * apostrophes as ASCII, trailing sentence punctuation dropped. Returns 0 when the text is too
 * long to be a keyword. */
static int
keyword_form(const char *s, size_t len, char out[KEYWORD_MAX + 1])
{
    size_t o = 0, i = 0;
    int space = 0;

    if (len > KEYWORD_MAX)
        return 0;
    while (i < len) {
        size_t b = blank_at(s, len, i);
        if (b > 0) {
            space = 1;
            i += b;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = 0;
        if (i + 2 < len && memcmp(s + i, "\xE2\x80\x99", 3) == 0) { /* ’ */
            out[o++] = '\'';
            i += 3;
            continue;
        }
        out[o++] = (char)tolower((unsigned char)s[i]);
        i++;
    }
    out[o] = '\0';
    for (;;) {
        if (o >= 1 && (out[o - 1] == '.' || out[o - 1] == '!'))
            out[--o] = '\0';
        else if (o >= 2 && out[o - 1] == '?')
            out[--o] = '\0';
        else if (o >= 3 && (memcmp(out + o - 3, "\xE3\x80\x82", 3) == 0 ||  /* 。 */
                            memcmp(out + o - 3, "\xEF\xBC\x81", 3) == 0 ||  /* ！ */
                            memcmp(out + o - 3, "\xEF\xBC\x9F", 3) == 0)) { /* ？ */
            o -= 3;
            out[o] = '\0';
        } else {
            break;
        }
    }
    return 1;
}

static int
only_question_marks(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] == '?')
            i++;
        else if (i + 2 < len && memcmp(s + i, "\xEF\xBC\x9F", 3) == 0)
            i += 3;
        else
            return 0;
    }
    return len > 0;
}

/* --- senders ----------------------------------------------------------------------------- */

/* Skips a lead-in such as "from", "From:", "sender:" before a sender. */
static void
skip_lead_in(const char **s, size_t *len)
{
    static const char *const leads[] = {"from", "sender", "sent by", NULL};
    for (int k = 0; leads[k]; k++) {
        size_t n = strlen(leads[k]);
        if (*len > n && strncasecmp(*s, leads[k], n) == 0 && ((*s)[n] == ':' || (*s)[n] == ' ')) {
            *s += n;
            *len -= n;
            while (*len > 0 && ((*s)[0] == ':' || (*s)[0] == ' '))
                (*s)++, (*len)--;
            return;
        }
    }
}

/* GSM sender ids as subscribers type them: letters, digits and - . & only; with spaces only
 * when every word starts with a capital or digit ("My Bank"), so that "ok thanks" is not one. */
static int
plausible_sender_id(const char *s, size_t len)
{
    int letters = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c))
            letters++;
        else if (!(isdigit(c) || c == '-' || c == '.' || c == '&' || c == ' '))
            return 0;
        if (c == ' ' && i + 1 < len &&
            !(isupper((unsigned char)s[i + 1]) || isdigit((unsigned char)s[i + 1])))
            return 0;
        if (i == 0 && memchr(s, ' ', len) != NULL && !(isupper(c) || isdigit(c)))
            return 0;
    }
    return letters > 0 && len >= 2;
}

static size_t
count_digits(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += isdigit((unsigned char)*s) != 0;
    return n;
}

/* 1 and out filled when s[0..len) looks like a sender by itself. */
static int
as_sender(const char *s, size_t len, const char *region, struct sgw_sms_class *out)
{
    char raw[SGW_SENDER_MAX + 1], kw[KEYWORD_MAX + 1];

    if (len == 0 || len > SGW_SENDER_MAX || memchr(s, '\n', len) != NULL)
        return 0;
    memcpy(raw, s, len);
    raw[len] = '\0';
    if (memchr(raw, '\0', len) != NULL)
        return 0;
    enum sgw_sender_kind k = sgw_sender_normalise(raw, region, out->sender, sizeof out->sender);
    switch (k) {
    case SGW_SENDER_PHONE:
    case SGW_SENDER_EMAIL: break;
    case SGW_SENDER_SHORT_CODE:
        if (count_digits(out->sender) < 3)
            return 0;
        break;
    case SGW_SENDER_ALPHANUMERIC:
        if (!plausible_sender_id(s, len))
            return 0;
        if (keyword_form(s, len, kw) && in_list(not_sender_words, kw))
            return 0;
        break;
    case SGW_SENDER_UNKNOWN: return 0;
    }
    snprintf(out->sender_raw, sizeof out->sender_raw, "%s", raw);
    out->sender_kind = k;
    return 1;
}

/* "Call 2125551234", "CALL: +1 (212) 555-1234", "call from 212.555.1234": a spam call. */
static int
as_call(const char *s, size_t len, const char *region, struct sgw_sms_class *out)
{
    struct sgw_sms_class tmp;

    if (len < 5 || len > KEYWORD_MAX || strncasecmp(s, "call", 4) != 0 ||
        !(s[4] == ' ' || s[4] == ':' || s[4] == '-' || s[4] == ','))
        return 0;
    s += 4, len -= 4;
    while (len > 0 && (*s == ' ' || *s == ':' || *s == '-' || *s == ','))
        s++, len--;
    skip_lead_in(&s, &len);
    memset(&tmp, 0, sizeof tmp);
    if (!as_sender(s, len, region, &tmp) || tmp.sender_kind != SGW_SENDER_PHONE)
        return 0;
    memcpy(out->sender, tmp.sender, sizeof out->sender);
    memcpy(out->sender_raw, tmp.sender_raw, sizeof out->sender_raw);
    out->sender_kind = SGW_SENDER_PHONE;
    return 1;
}

void
sgw_sms7726_classify(const char *text, size_t len, const char *region, struct sgw_sms_class *out)
{
    char kw[KEYWORD_MAX + 1];
    const char *s = text;

    memset(out, 0, sizeof *out);
    out->sender_kind = SGW_SENDER_UNKNOWN;
    trim(&s, &len);
    out->lang = sgw_sms7726_lang(s, len);
    if (len == 0 || only_question_marks(s, len)) {
        out->kind = SGW_SMS_HELP;
        return;
    }
    if (keyword_form(s, len, kw)) {
        if (in_list(help_words, kw)) {
            out->kind = SGW_SMS_HELP;
            out->lang = (unsigned char)kw[0] >= 0x80 ? SGW_SMS_ZH : SGW_SMS_EN;
            return;
        }
        if (in_list(dontknow_words, kw)) {
            out->kind = SGW_SMS_DONTKNOW;
            return;
        }
    }
    if (as_call(s, len, region, out)) {
        out->kind = SGW_SMS_CALL;
        return;
    }
    /* "Call 80085", "call me now": not a number we can take a call report for, and not a
     * sender either however short it is. */
    if (len >= 5 && strncasecmp(s, "call", 4) == 0 && !isalpha((unsigned char)s[4])) {
        out->kind = SGW_SMS_TEXT;
        return;
    }
    const char *t = s;
    size_t tl = len;
    skip_lead_in(&t, &tl);
    if (as_sender(t, tl, region, out)) {
        out->kind = SGW_SMS_SENDER;
        return;
    }
    out->sender_kind = SGW_SENDER_UNKNOWN;
    out->sender[0] = out->sender_raw[0] = '\0';
    out->kind = SGW_SMS_TEXT;
}

/* --- the transition ---------------------------------------------------------------------- */

int
sgw_sms7726_rate_take(double *tokens, int64_t *at_us, long per_hour, int64_t now_us)
{
    if (per_hour <= 0)
        return 1;
    double cap = (double)per_hour, t = *tokens;
    if (*at_us == 0) {
        t = cap;
    } else {
        int64_t elapsed = now_us - *at_us;
        if (elapsed < 0) /* another gateway's clock: never refill backwards */
            elapsed = 0;
        t += (double)elapsed * cap / 3600e6;
    }
    if (t > cap)
        t = cap;
    *at_us = now_us;
    /* A hair of slack: refills computed in floating point land just short of whole tokens. */
    if (t + 1e-9 >= 1.0) {
        *tokens = t - 1.0 < 0 ? 0 : t - 1.0;
        return 1;
    }
    *tokens = t;
    return 0;
}

void
sgw_sms7726_plan(const struct sgw_sms_class *m, const struct sgw_sms_state *st,
                 const struct sgw_sms_limits *lim, int64_t now_us, struct sgw_sms_plan *out)
{
    int pending = st->has_pending && m->kind != SGW_SMS_HELP;

    memset(out, 0, sizeof *out);
    out->tokens = st->tokens;
    out->tokens_at_us = st->tokens_at_us;
    out->lang = m->lang;
    if (pending && st->pending_expires_us <= now_us) {
        /* Lazy expiry: the report waited its TTL and is stored without a sender before this
         * message is considered, exactly as the sweep would have done. */
        out->flush_pending = 1;
        out->expired = 1;
        pending = 0;
    }
    switch (m->kind) {
    case SGW_SMS_HELP: out->reply = SGW_SMS_REPLY_HELP; return;
    case SGW_SMS_SENDER:
    case SGW_SMS_DONTKNOW:
        if (pending) {
            out->complete_pending = 1;
            out->lang = st->pending_lang;
            out->reply = m->kind == SGW_SMS_SENDER ? SGW_SMS_REPLY_ACK : SGW_SMS_REPLY_ACK_NONE;
        } else {
            out->reply = m->kind == SGW_SMS_SENDER ? SGW_SMS_REPLY_NO_PENDING : SGW_SMS_REPLY_HELP;
        }
        return;
    case SGW_SMS_CALL:
    case SGW_SMS_TEXT: break;
    }
    /* A new report. The one that waited is stored without a sender (never dropped), whether
     * or not the new one is within the limit: it was counted when it was opened. */
    if (pending)
        out->flush_pending = 1;
    if (!sgw_sms7726_rate_take(&out->tokens, &out->tokens_at_us, lim->per_hour, now_us)) {
        out->reply = SGW_SMS_REPLY_LIMIT;
        return;
    }
    if (m->kind == SGW_SMS_CALL) {
        out->store_call = 1;
        out->reply = SGW_SMS_REPLY_ACK_CALL;
    } else {
        out->open_pending = 1;
        out->reply = SGW_SMS_REPLY_ASK;
    }
}

/* --- masks and references ---------------------------------------------------------------- */

static void
put_char_or_star(char *out, size_t *o, char c)
{
    out[(*o)++] = isalnum((unsigned char)c) ? c : '*';
}

void
sgw_sms7726_mask(const char *sender, enum sgw_sender_kind kind, char *out, size_t outsz)
{
    char buf[SGW_SMS_MASK_MAX];
    size_t n = sender ? strlen(sender) : 0, o = 0;

    if (outsz == 0)
        return;
    switch (kind) {
    case SGW_SENDER_PHONE:
    case SGW_SENDER_SHORT_CODE:
        if (kind == SGW_SENDER_SHORT_CODE && n <= 6 && n >= 2) {
            put_char_or_star(buf, &o, sender[0]);
            put_char_or_star(buf, &o, sender[1]);
            memcpy(buf + o, "***", 3);
            o += 3;
        } else {
            memcpy(buf, "***", 3);
            o = 3;
            for (size_t i = n > 4 ? n - 4 : 0; i < n; i++)
                put_char_or_star(buf, &o, sender[i]);
        }
        break;
    case SGW_SENDER_ALPHANUMERIC:
        for (size_t i = 0; i < n && i < (n > 2 ? 2u : 1u); i++)
            put_char_or_star(buf, &o, sender[i]);
        memcpy(buf + o, "***", 3);
        o += 3;
        break;
    case SGW_SENDER_EMAIL: {
        const char *at = sender ? strrchr(sender, '@') : NULL;
        if (at == NULL || at == sender || at[1] == '\0')
            goto unknown;
        put_char_or_star(buf, &o, sender[0]);
        memcpy(buf + o, "***@", 4);
        o += 4;
        put_char_or_star(buf, &o, at[1]);
        memcpy(buf + o, "***", 3);
        o += 3;
        const char *dot = strrchr(at, '.');
        size_t tl = dot ? strlen(dot + 1) : 0;
        int ok = tl >= 2 && tl <= 6;
        for (size_t i = 0; ok && i < tl; i++)
            ok = isalpha((unsigned char)dot[1 + i]) != 0;
        if (ok) {
            memcpy(buf + o, dot, tl + 1);
            o += tl + 1;
        }
        break;
    }
    case SGW_SENDER_UNKNOWN:
    unknown:
        memcpy(buf, "***", 3);
        o = 3;
        break;
    }
    buf[o] = '\0';
    snprintf(out, outsz, "%s", buf);
}

void
sgw_sms7726_ref(int64_t id, char *out, size_t outsz)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; /* Crockford */
    char digits[16];
    int n = 0;
    uint64_t v = id > 0 ? (uint64_t)id : 0;

    do {
        digits[n++] = alphabet[v & 31];
        v >>= 5;
    } while (v != 0);
    char buf[SGW_SMS_REF_MAX];
    size_t o = 0;
    buf[o++] = 'R';
    buf[o++] = '-';
    while (n > 0)
        buf[o++] = digits[--n];
    buf[o] = '\0';
    snprintf(out, outsz, "%s", buf);
}

/* --- replies ----------------------------------------------------------------------------- */

/* {m} masked sender, {r} reference, {c} short code, {n} hourly limit. English replies keep to
 * the GSM-7 basic set; Chinese ones go as UCS-2. Both fit one SMS (checked by the unit tests
 * with the longest mask, reference and short code). */
static const char *const templates[][2] = {
    [SGW_SMS_REPLY_ASK] = {"Thanks. Now reply with the number or name the spam came from, e.g. "
                           "+12125550100, 80085 or PAYPAL. Reply HELP for help.",
                           "已收到举报。请回复发送这条短信的号码或名称，例如 10690000 或 "
                           "PAYPAL。回复 HELP 获取帮助。"},
    [SGW_SMS_REPLY_ACK] = {"Thank you. Your report about {m} is recorded as {r}. It helps us "
                           "stop spam.",
                           "谢谢！您对 {m} 的举报已记录，编号 {r}。"},
    [SGW_SMS_REPLY_ACK_NONE] = {"Thank you. Your report is recorded as {r}, without a sender. "
                                "It helps us stop spam.",
                                "谢谢！您的举报已记录（无发送者），编号 {r}。"},
    [SGW_SMS_REPLY_ACK_CALL] = {"Thank you. Your report of a spam call from {m} is recorded as "
                                "{r}.",
                                "谢谢！您对来电 {m} 的举报已记录，编号 {r}。"},
    [SGW_SMS_REPLY_LIMIT] = {"You have reached the limit of {n} reports an hour. This message "
                             "was not recorded; please try again later.",
                             "您一小时内的举报已达 {n} 条上限，本条未记录，请稍后再试。"},
    [SGW_SMS_REPLY_HELP] = {"Report spam: forward the text to {c}, then reply with the number "
                            "or name it came from. Report a spam call: text CALL and the number.",
                            "举报垃圾短信：转发至 {c}，再回复发送者的号码或名称。"
                            "举报骚扰电话：发送 CALL 加号码。"},
    [SGW_SMS_REPLY_NO_PENDING] = {"No report is waiting for a sender. Forward the spam text to "
                                  "{c} first, then reply with the number or name it came from.",
                                  "没有等待发送者的举报。请先把垃圾短信转发至 {c}，再回复发送者。"},
};

int
sgw_sms7726_reply(enum sgw_sms_reply r, enum sgw_sms_lang lang, const char *mask, const char *ref,
                  const char *short_code, long limit, char *out, size_t outsz)
{
    char num[24];
    size_t o = 0;

    if (outsz == 0)
        return lang == SGW_SMS_ZH;
    snprintf(num, sizeof num, "%ld", limit);
    const char *t = templates[r][lang == SGW_SMS_ZH ? 1 : 0];
    while (*t && o + 1 < outsz) {
        const char *sub = NULL;
        if (t[0] == '{' && t[1] && t[2] == '}') {
            switch (t[1]) {
            case 'm': sub = mask ? mask : "***"; break;
            case 'r': sub = ref ? ref : ""; break;
            case 'c': sub = short_code ? short_code : "7726"; break;
            case 'n': sub = num; break;
            default: break;
            }
        }
        if (sub == NULL) {
            out[o++] = *t++;
            continue;
        }
        size_t n = strlen(sub);
        if (n > outsz - 1 - o)
            n = outsz - 1 - o;
        memcpy(out + o, sub, n);
        o += n;
        t += 3;
    }
    out[o] = '\0';
    return lang == SGW_SMS_ZH;
}

/* --- SMS lengths ------------------------------------------------------------------------- */

/* Non-ASCII characters of the GSM 03.38 basic set. */
static const uint16_t gsm_basic_high[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

size_t
sgw_sms7726_gsm7_septets(const char *utf8, size_t len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0, n = 0;

    while (i < len) {
        uint32_t cp = next_cp(s, len, &i);
        if (cp == '\n' || cp == '\r' || (cp >= 0x20 && cp < 0x7F && cp != '`')) {
            n += strchr("^{}\\[~]|", (int)cp) != NULL ? 2 : 1;
            continue;
        }
        if (cp == 0x20AC || cp == '\f') { /* € and form feed: the extension table */
            n += 2;
            continue;
        }
        int found = 0;
        for (size_t k = 0; k < sizeof gsm_basic_high / sizeof gsm_basic_high[0]; k++)
            found |= gsm_basic_high[k] == cp;
        if (!found)
            return SIZE_MAX;
        n++;
    }
    return n;
}

size_t
sgw_sms7726_ucs2_units(const char *utf8, size_t len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0, n = 0;
    while (i < len)
        n += next_cp(s, len, &i) > 0xFFFF ? 2 : 1;
    return n;
}

int
sgw_sms7726_fits(const char *utf8, int ucs2)
{
    size_t len = strlen(utf8);
    if (ucs2)
        return sgw_sms7726_ucs2_units(utf8, len) <= SGW_SMS_UCS2_MAX;
    size_t n = sgw_sms7726_gsm7_septets(utf8, len);
    return n != SIZE_MAX && n <= SGW_SMS_GSM7_MAX;
}

/* --- short codes ------------------------------------------------------------------------- */

/* Walks the list; returns 0 at a malformed code, else 1 with *found set when want is one. */
static int
each_code(const char *list, const char *want, int *found)
{
    const char *p = list;
    int count = 0;

    for (;;) {
        while (*p == ' ')
            p++;
        size_t n = 0;
        while (isdigit((unsigned char)p[n]))
            n++;
        if (n < 3 || n > SGW_SMS_SHORT_CODE_MAX)
            return 0;
        if (want && strlen(want) == n && strncmp(p, want, n) == 0)
            *found = 1;
        count++;
        p += n;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return count > 0;
        if (*p != ',')
            return 0;
        p++;
    }
}

int
sgw_sms7726_short_codes_valid(const char *list)
{
    int found = 0;
    return list != NULL && each_code(list, NULL, &found);
}

int
sgw_sms7726_short_code_listed(const char *list, const char *code)
{
    int found = 0;
    if (list == NULL || code == NULL || code[0] == '\0')
        return 0;
    return each_code(list, code, &found) && found;
}
