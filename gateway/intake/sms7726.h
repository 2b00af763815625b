/* The 7726 ("SPAM") SMS conversation as pure functions: what a subscriber's message is, what
 * the conversation does with it given the stored state, and the reply text. No I/O, no clock:
 * time is a parameter, so every transition can be pinned in a table-driven test. The durable
 * side (db/conversation.c) loads the state under a row lock, calls sgw_sms7726_plan and applies
 * the plan. */
#ifndef SGW_SMS7726_H
#define SGW_SMS7726_H

#include "gateway/intake/sender.h"

#include <stddef.h>
#include <stdint.h>

#define SGW_SMS_GSM7_MAX 160 /* septets in one SMS */
#define SGW_SMS_UCS2_MAX 70  /* UTF-16 code units in one SMS */
#define SGW_SMS_REPLY_MAX 512
#define SGW_SMS_MASK_MAX 32
#define SGW_SMS_REF_MAX 24
#define SGW_SMS_SHORT_CODE_MAX 15 /* digits */

enum sgw_sms_lang { SGW_SMS_EN = 0, SGW_SMS_ZH };

enum sgw_sms_kind {
    SGW_SMS_HELP,     /* HELP, STOP, INFO, "?" (and Chinese ones) or blank: help, nothing stored */
    SGW_SMS_CALL,     /* "Call 2125551234": a complete report of a spam call */
    SGW_SMS_SENDER,   /* a phone number, short code, sender id or e-mail: completes a report */
    SGW_SMS_DONTKNOW, /* "don't know", "no idea", "不知道": completes a report without sender */
    SGW_SMS_TEXT,     /* anything else: a forwarded spam text */
};

/* What one message is, independent of the conversation's state. */
struct sgw_sms_class {
    enum sgw_sms_kind kind;
    enum sgw_sms_lang lang;           /* of this message's text */
    enum sgw_sender_kind sender_kind; /* SENDER and CALL */
    char sender_raw[SGW_SENDER_MAX + 1];
    char sender[SGW_SENDER_MAX + 1]; /* normal form (E.164, ...) */
};

/* Classifies the UTF-8 text[0..len) of a subscriber's message. region is the subscriber's
 * ISO 3166-1 region, used for numbers written without a country code (may be NULL). */
void sgw_sms7726_classify(const char *text, size_t len, const char *region,
                          struct sgw_sms_class *out);

/* SGW_SMS_ZH when the text is mainly Chinese (Han characters), else SGW_SMS_EN. */
enum sgw_sms_lang sgw_sms7726_lang(const char *text, size_t len);

/* The stored state of one subscriber's conversation. */
struct sgw_sms_state {
    int has_pending;            /* a forwarded report is waiting for its sender */
    int64_t pending_expires_us; /* µs since the epoch */
    enum sgw_sms_lang pending_lang;
    double tokens;        /* rate-limit bucket */
    int64_t tokens_at_us; /* when tokens was computed; 0 = new subscriber (full bucket) */
};

struct sgw_sms_limits {
    long per_hour; /* reports per subscriber per hour; 0 = unlimited */
};

enum sgw_sms_reply {
    SGW_SMS_REPLY_ASK,        /* send us the sender */
    SGW_SMS_REPLY_ACK,        /* recorded, with the masked sender and reference */
    SGW_SMS_REPLY_ACK_NONE,   /* recorded without a sender, with the reference */
    SGW_SMS_REPLY_ACK_CALL,   /* spam call recorded */
    SGW_SMS_REPLY_LIMIT,      /* over the rate limit: nothing recorded */
    SGW_SMS_REPLY_HELP,       /* how 7726 works */
    SGW_SMS_REPLY_NO_PENDING, /* a sender, but no report waits for one */
};

/* What to do with one message. At most one of complete_pending / open_pending / store_call is
 * set; flush_pending can come with open_pending or store_call (a new report replaces the one
 * that waited) or alone. Whenever a pending report exists and has not expired, it is consumed
 * (completed or flushed) unless the message is HELP: the caller may take it out up front. */
struct sgw_sms_plan {
    int flush_pending;    /* store the waiting report without a sender */
    int expired;          /* ... because its TTL passed (for logs) */
    int complete_pending; /* store the waiting report, with the message's sender if SENDER */
    int open_pending;     /* this message becomes the waiting report */
    int store_call;       /* this message is a complete report of a spam call */
    enum sgw_sms_reply reply;
    enum sgw_sms_lang lang; /* of the reply */
    double tokens;          /* bucket after this message */
    int64_t tokens_at_us;
};

/* The transition: message m arrives at now_us in conversation state st. */
void sgw_sms7726_plan(const struct sgw_sms_class *m, const struct sgw_sms_state *st,
                      const struct sgw_sms_limits *lim, int64_t now_us, struct sgw_sms_plan *out);

/* Token bucket of per_hour reports an hour (burst per_hour), refilled continuously. Takes one
 * token when there is one: returns 1 and updates *tokens / *at_us; returns 0 (over the limit,
 * bucket state still advanced to now) otherwise. *at_us == 0 means a full bucket. */
int sgw_sms7726_rate_take(double *tokens, int64_t *at_us, long per_hour, int64_t now_us);

/* The sender as a reply may name it without spreading it: "***0100" for numbers, "80***" for
 * short codes, "PA***" for sender ids, "j***@p***.com" for e-mail. Always GSM-7 and at most
 * SGW_SMS_MASK_MAX - 1 characters. */
void sgw_sms7726_mask(const char *sender, enum sgw_sender_kind kind, char *out, size_t outsz);

/* Short reference of a report id: "R-" and Crockford base32 ("R-1", "R-ZZ", "R-12D7"). */
void sgw_sms7726_ref(int64_t id, char *out, size_t outsz);

/* Renders a reply in lang into out. mask and ref may be NULL when the reply has none;
 * short_code is the number the subscriber wrote to, limit the hourly limit. Returns 1 when the
 * reply must be sent as UCS-2 (Chinese), 0 for GSM-7. */
int sgw_sms7726_reply(enum sgw_sms_reply r, enum sgw_sms_lang lang, const char *mask,
                      const char *ref, const char *short_code, long limit, char *out, size_t outsz);

/* GSM 03.38 septets text needs (extension characters count 2), or SIZE_MAX when a character
 * has no GSM-7 form. */
size_t sgw_sms7726_gsm7_septets(const char *utf8, size_t len);
/* UTF-16 code units of UTF-8 text (characters past U+FFFF count 2). */
size_t sgw_sms7726_ucs2_units(const char *utf8, size_t len);
/* 1 when text fits one SMS: 160 GSM-7 septets, or 70 UCS-2 units when ucs2. */
int sgw_sms7726_fits(const char *utf8, int ucs2);

/* 1 when list is a comma-separated list of short codes (3 to 15 digits each, blanks around
 * commas allowed), else 0. */
int sgw_sms7726_short_codes_valid(const char *list);
/* 1 when code (digits) is one of the list's short codes. */
int sgw_sms7726_short_code_listed(const char *list, const char *code);

#endif
