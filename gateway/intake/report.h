/* One spam report as intake builds it and the writer stores it. */
#ifndef SGW_REPORT_H
#define SGW_REPORT_H

#include "gateway/common/error.h"
#include "gateway/intake/minhash.h"
#include "gateway/intake/pseudonym.h"
#include "gateway/intake/sender.h"

#include <stddef.h>
#include <stdint.h>

#define SGW_CONTENT_MAX_CHARS 4096
#define SGW_CITY_MAX_CHARS 100

enum sgw_channel {
    SGW_CHANNEL_SMS = 0,
    SGW_CHANNEL_IMESSAGE,
    SGW_CHANNEL_RCS,
    SGW_CHANNEL_MMS,
    SGW_CHANNEL_CALL,
    SGW_CHANNEL_OTHER,
};

struct sgw_report {
    int64_t id;          /* set by the writer after commit */
    int64_t ingested_at; /* µs since epoch, server clock */
    int64_t received_at; /* µs since epoch; valid when has_received_at */
    int has_received_at;
    enum sgw_channel channel;
    char *sender_raw; /* NULL when absent */
    char *sender;     /* normal form, NULL when absent */
    enum sgw_sender_kind sender_kind;
    char *content;
    char *city; /* NULL when absent */
    char country[3];
    char reporter[SGW_PSEUDONYM_HEX]; /* pseudonym; "" when absent */
    const char *source;               /* static: "api", "batch", "sms7726" */
    int64_t api_key_id;
    char *idempotency_key; /* NULL when absent */

    /* Features for the cluster worker, computed once at intake (gateway/intake/features.h). */
    int has_features;
    unsigned char minhash[SGW_MINHASH_BYTES]; /* valid when has_features */
    char *indicators;     /* tags joined by SGW_REPORT_TAG_SEP ("" = none); NULL when absent */
    char *reporter_place; /* geocode of the reporter's number, e.g. "New York, NY"; NULL */
    char *sender_place;   /* geocode of a phone sender; NULL */
};

#define SGW_REPORT_TAG_SEP '\x1f' /* tags never contain control characters */

/* Computes the features of r->content (region reads national numbers) into r. */
void sgw_report_features(struct sgw_report *r, const char *region);

/* What intake needs besides the report itself. */
struct sgw_intake_ctx {
    const unsigned char *secret; /* reporter pseudonym key */
    size_t secret_len;
    const char *default_region; /* "US" */
};

struct sgw_report *sgw_report_new(void); /* caller frees with sgw_report_free */
void sgw_report_free(struct sgw_report *r);

const char *sgw_channel_name(enum sgw_channel c);
int sgw_channel_parse(const char *s, enum sgw_channel *out); /* 0 or -1 */

/* Parses and validates a JSON report body (POST /v1/reports). now_us is the server time.
 * On success returns 0 and *out (caller frees); on bad input returns -1 with err set. */
int sgw_report_parse_json(const char *body, size_t len, const struct sgw_intake_ctx *ctx,
                          int64_t now_us, struct sgw_report **out, struct sgw_error *err);

/* Counts code points in valid UTF-8. */
size_t sgw_utf8_chars(const char *s, size_t len);

#endif
