/* GET and POST /v1/relay/kannel: Kannel's sms-service for the 7726 conversation.
 *
 * get-url:  ?key=K&from=%p&to=%P&text=%b&coding=%c&charset=%C&smsc=%i&time=%T&id=%I
 * post-url: ?key=K&id=%I, the message text as the body (charset from Content-Type), the rest in
 *           X-Kannel-From / -To / -Coding / -SMSC / -Time (needs send-sender = true).
 *
 * Everything that needs no database happens here, on the HTTP thread: parameter checks, charset
 * conversion, the subscriber's E.164 number, pseudonym and geocoded place, classification.
 * HELP is answered at once; every other message is one writer job (db/conversation.c) and is
 * answered only after it committed. The answer is 200 text/plain, the reply Kannel sends back
 * to the subscriber; errors are one text/plain line for Kannel's log. The subscriber's number
 * never leaves this file except as its pseudonym, and no message text is ever logged. */
#include "db/conversation.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/timeutil.h"
#include "gateway/intake/charset.h"
#include "gateway/intake/report.h"
#include "gateway/intake/sms7726.h"
#include "gateway/intake/subscriber.h"
#include "gateway/http/respond.h"
#include "gateway/http/server.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define FUTURE_SLACK_US (5 * 60 * 1000000LL)
#define PARAM_MAX 64 /* from, smsc, id, time, coding, charset */

enum sgw_hresult sgw_route_kannel(struct sgw_request *req);

/* The request's parameters, before any checking. Pointers are owned by libmicrohttpd or by
 * req->body and live as long as the request. */
struct kannel_in {
    const char *from, *to, *coding, *charset, *smsc, *time, *id;
    const char *text;
    size_t text_len;
    int have_text;
    int get; /* GET: text is a query value, in which "%00" stays escaped */
    char bad[96];
};

static const char *const get_params[] = {"key",     "from", "to",   "text", "coding",
                                         "charset", "smsc", "time", "id",   NULL};

static const char **
slot(struct kannel_in *in, const char *name)
{
    if (strcmp(name, "from") == 0)
        return &in->from;
    if (strcmp(name, "to") == 0)
        return &in->to;
    if (strcmp(name, "coding") == 0)
        return &in->coding;
    if (strcmp(name, "charset") == 0)
        return &in->charset;
    if (strcmp(name, "smsc") == 0)
        return &in->smsc;
    if (strcmp(name, "time") == 0)
        return &in->time;
    if (strcmp(name, "id") == 0)
        return &in->id;
    return NULL;
}

/* Query arguments: each known at most once, nothing unknown (a typo in Kannel's get-url would
 * otherwise silently turn every message into a HELP). */
static enum MHD_Result
take_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct kannel_in *in = cls;
    int known = 0;
    (void)kind;

    if (in->bad[0] != '\0')
        return MHD_NO;
    for (int i = 0; get_params[i]; i++)
        known |= strcmp(key, get_params[i]) == 0;
    if (!known) {
        snprintf(in->bad, sizeof in->bad, "unknown parameter '%.32s'", key);
        return MHD_NO;
    }
    if (strcmp(key, "key") == 0)
        return MHD_YES;
    if (strcmp(key, "text") == 0) {
        if (!in->get) {
            snprintf(in->bad, sizeof in->bad, "with POST the text is the body, not ?text=");
            return MHD_NO;
        }
        if (in->have_text) {
            snprintf(in->bad, sizeof in->bad, "parameter 'text' given twice");
            return MHD_NO;
        }
        in->text = value ? value : "";
        in->text_len = strlen(in->text);
        in->have_text = 1;
        return MHD_YES;
    }
    const char **p = slot(in, key);
    if (*p != NULL) {
        snprintf(in->bad, sizeof in->bad, "parameter '%s' given twice", key);
        return MHD_NO;
    }
    *p = value ? value : "";
    return MHD_YES;
}

static const char *
header(struct sgw_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Charset parameter of a Content-Type ("text/plain; charset=\"UTF-16BE\""); "" if none.
 * application/octet-stream is Kannel's 8-bit binary: reported as "8-BIT". */
static void
content_type_charset(const char *ct, char *out, size_t outsz)
{
    out[0] = '\0';
    if (ct == NULL)
        return;
    if (strncasecmp(ct, "application/octet-stream", 24) == 0) {
        snprintf(out, outsz, "8-BIT");
        return;
    }
    const char *cs = strcasestr(ct, "charset=");
    if (cs == NULL)
        return;
    cs += 8;
    size_t n = strcspn(cs, ";");
    while (n > 0 && cs[n - 1] == ' ')
        n--;
    snprintf(out, outsz, "%.*s", (int)(n < outsz ? n : outsz - 1), cs);
}

static int
collect(struct sgw_request *req, struct kannel_in *in, char *charset_buf, size_t csz)
{
    memset(in, 0, sizeof *in);
    in->get = strcmp(req->method, "POST") != 0;
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, take_arg, in);
    if (in->bad[0] != '\0')
        return -1;
    if (in->get)
        return 0;
    /* post-url: the X-Kannel headers win over query parameters of the same meaning. */
    static const struct {
        const char *header, *param;
    } map[] = {{"X-Kannel-From", "from"}, {"X-Kannel-To", "to"},     {"X-Kannel-Coding", "coding"},
               {"X-Kannel-SMSC", "smsc"}, {"X-Kannel-Time", "time"}, {NULL, NULL}};
    for (int i = 0; map[i].header; i++) {
        const char *v = header(req, map[i].header);
        if (v != NULL)
            *slot(in, map[i].param) = v;
    }
    content_type_charset(header(req, MHD_HTTP_HEADER_CONTENT_TYPE), charset_buf, csz);
    if (charset_buf[0] != '\0')
        in->charset = charset_buf;
    in->text = req->body ? req->body : "";
    in->text_len = req->body_len;
    in->have_text = 1;
    return 0;
}

/* --- checks ------------------------------------------------------------------------------ */

static int
printable_ascii(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

/* Kannel's times: %T (seconds since the epoch) or %t / X-Kannel-Time ("2026-11-25 16:17:53",
 * UTC; %t writes '+' for the space, which arrives decoded). */
static int
parse_kannel_time(const char *s, int64_t *out_us)
{
    size_t n = strlen(s);
    if (n > 0 && n <= 12 && strspn(s, "0123456789") == n) {
        *out_us = strtoll(s, NULL, 10) * 1000000LL;
        return 0;
    }
    int y, mo, d, h, mi, se;
    char tail;
    if (n != 19 ||
        sscanf(s, "%4d-%2d-%2d%*1[ T+]%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6)
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 60)
        return -1;
    int64_t days = sgw_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out_us = ((days * 24 + h) * 60 + mi) * 60000000LL + se * 1000000LL;
    return 0;
}

/* In a GET query every escape but "%00" is decoded by the server (a NUL would cut C strings):
 * raw UTF-16BE text keeps its zero bytes as "%00", restored here. Exact except when the text
 * itself holds the bytes '%', '0', '0' in a row (U+2530 or U+xx25 followed by U+30xx), which
 * this decodes as a zero byte; post-url and mo-recode = true have no such case. */
static char *
restore_nuls(const char *s, size_t n, size_t *outlen)
{
    char *o = sgw_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == '0') {
            o[k++] = '\0';
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    *outlen = k;
    return o;
}

static enum sgw_hresult
reject(struct sgw_request *req, unsigned status, const char *code, const char *msg)
{
    return sgw_respond_error(req, status, code, NULL, msg);
}

/* --- answers ----------------------------------------------------------------------------- */

static enum sgw_hresult
answer(struct sgw_request *req, const char *reply, int ucs2)
{
    /* Kannel re-encodes a UTF-8 reply as GSM-7 unless told UCS-2 (accept-x-kannel-headers). */
    static const char *const ucs2_headers[] = {"X-Kannel-Coding", "2", NULL};
    return sgw_respond_raw_headers(req, 200, TEXT_PLAIN, reply, strlen(reply),
                                   ucs2 ? ucs2_headers : NULL);
}

static const char *
kind_name(enum sgw_sms_kind k)
{
    switch (k) {
    case SGW_SMS_HELP: return "help";
    case SGW_SMS_CALL: return "call";
    case SGW_SMS_SENDER: return "sender";
    case SGW_SMS_DONTKNOW: return "dontknow";
    case SGW_SMS_TEXT: break;
    }
    return "text";
}

static const char *
reply_name(enum sgw_sms_reply r)
{
    static const char *const names[] = {"ask",   "ack",  "ack_none",  "ack_call",
                                        "limit", "help", "no_pending"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static enum sgw_hresult
finish(struct sgw_request *req)
{
    struct sgw_sms_step *s = req->ctx;

    if (req->result != SGW_OK)
        return sgw_respond_status(req, req->result);
    sgw_info("event=sms7726 req=%s subscriber=%.12s kind=%s reply=%s replayed=%d stored=%lld "
             "flushed=%lld expired=%d opened=%d",
             req->id, s->pseudonym, kind_name(s->msg.kind),
             s->replayed ? "repeat" : reply_name(s->plan.reply), s->replayed,
             (long long)s->report_id, (long long)s->flushed_id, s->plan.expired,
             s->plan.open_pending);
    return answer(req, s->reply, s->reply_ucs2);
}

/* The writer runs the steps queued together in one transaction (group commit for the
 * conversation): one fsync and a handful of statements for the whole batch. */
static enum sgw_status
steps_batch(struct sgw_db_conn *c, void *const *args, size_t n, enum sgw_status *st)
{
    struct sgw_sms_step **steps = sgw_xmalloc(n * sizeof *steps);
    for (size_t i = 0; i < n; i++)
        steps[i] = ((struct sgw_request *)args[i])->ctx;
    enum sgw_status rc = sgw_db_sms7726_steps(c, steps, n, st);
    free(steps);
    return rc;
}

enum sgw_hresult
sgw_route_kannel(struct sgw_request *req)
{
    const struct sgw_config *cfg = req->srv->cfg;
    struct kannel_in in;
    struct sgw_sms_step *s = NULL;
    struct sgw_subscriber sub;
    char charset_buf[PARAM_MAX + 1];
    char *text = NULL, *raw = NULL;
    size_t text_len = 0, raw_len = 0;
    enum sgw_hresult hr;
    int64_t received_us = 0;

    if (atomic_load(&req->done))
        return finish(req);
    /* HEAD reaches GET routes; it must not change a conversation. */
    if (strcmp(req->method, "HEAD") == 0)
        return sgw_respond_method_not_allowed(req, "GET, POST");

    if (collect(req, &in, charset_buf, sizeof charset_buf) != 0)
        return reject(req, 400, "invalid_request", in.bad);
    if (in.from == NULL || in.from[0] == '\0')
        return reject(req, 400, "missing_from", "the subscriber's number is missing (from=%p)");
    int rc = sgw_subscriber_resolve(in.from, req->srv->intake.default_region,
                                    req->srv->intake.secret, req->srv->intake.secret_len, &sub);
    if (rc == -2)
        return reject(req, 500, "internal", "could not derive the subscriber's pseudonym");
    if (rc != 0)
        return reject(req, 400, "invalid_from",
                      "from is not a subscriber's phone number in any known format");
    if (in.to == NULL || in.to[0] == '\0')
        return reject(req, 400, "missing_to", "the short code is missing (to=%P)");
    if (strlen(in.to) > SGW_SMS_SHORT_CODE_MAX || strspn(in.to, "0123456789") != strlen(in.to) ||
        !sgw_sms7726_short_code_listed(cfg->sms_short_codes, in.to))
        return reject(req, 400, "unknown_short_code",
                      "to is not a short code this gateway serves (see --sms-short-codes)");
    if (in.coding != NULL && in.coding[0] != '\0' && strcmp(in.coding, "0") != 0 &&
        strcmp(in.coding, "1") != 0 && strcmp(in.coding, "2") != 0)
        return reject(req, 400, "invalid_coding",
                      "coding must be 0 (7-bit), 1 (8-bit) or 2 (UCS-2)");
    int ucs2_in = in.coding != NULL && strcmp(in.coding, "2") == 0;
    if ((in.coding != NULL && strcmp(in.coding, "1") == 0) ||
        (in.charset != NULL && strcasecmp(in.charset, "8-BIT") == 0))
        return reject(req, 415, "unsupported_coding",
                      "8-bit binary messages are not text; only 7-bit and UCS-2 are reported");
    if (in.charset != NULL && !printable_ascii(in.charset, PARAM_MAX))
        return reject(req, 415, "unsupported_charset", "charset is not a charset name");
    enum sgw_charset cs = (in.charset == NULL || in.charset[0] == '\0') && ucs2_in
                              ? SGW_CHARSET_UTF16BE
                              : sgw_charset_parse(in.charset);
    if (cs == SGW_CHARSET_UNKNOWN)
        return reject(req, 415, "unsupported_charset",
                      "charset must be UTF-8, ISO-8859-1, Windows-1252 or UTF-16BE (UCS-2)");
    if (in.smsc != NULL && in.smsc[0] != '\0' && !printable_ascii(in.smsc, PARAM_MAX))
        return reject(req, 400, "invalid_smsc", "smsc must be at most 64 visible ASCII characters");
    if (in.id != NULL && in.id[0] != '\0' && !printable_ascii(in.id, PARAM_MAX))
        return reject(req, 400, "invalid_id", "id must be at most 64 visible ASCII characters");
    if (in.time != NULL && in.time[0] != '\0' && parse_kannel_time(in.time, &received_us) != 0)
        return reject(req, 400, "invalid_time",
                      "time must be seconds since 1970 (%T) or YYYY-MM-DD HH:MM:SS (%t)");

    /* The text, as UTF-8. */
    if (in.get && cs == SGW_CHARSET_UTF16BE) {
        raw = restore_nuls(in.text ? in.text : "", in.text_len, &raw_len);
    } else {
        raw_len = in.text_len;
    }
    if (sgw_charset_to_utf8(cs, raw ? raw : (in.text ? in.text : ""), raw_len, &text, &text_len) !=
        0) {
        hr = reject(req, 400, "invalid_text", "the text is not valid in its charset");
        goto done;
    }
    if (memchr(text, '\0', text_len) != NULL) {
        hr = reject(req, 400, "invalid_text", "the text contains a NUL character");
        goto done;
    }
    if (sgw_utf8_chars(text, text_len) > SGW_CONTENT_MAX_CHARS) {
        hr = reject(req, 413, "text_too_long", "the text is longer than 4096 characters");
        goto done;
    }

    /* Only the pseudonym, region and place of the subscriber go further, never the number. */
    s = sgw_xcalloc(1, sizeof *s);
    memcpy(s->pseudonym, sub.pseudonym, sizeof s->pseudonym);
    memcpy(s->country, sub.region, sizeof s->country);
    if (sub.place[0] != '\0')
        s->city = sgw_xstrdup(sub.place);

    sgw_sms7726_classify(text, text_len,
                         sub.region[0] ? sub.region : req->srv->intake.default_region, &s->msg);
    if (s->msg.kind == SGW_SMS_HELP) {
        /* Stateless: nothing to look up, nothing stored, no database round trip. */
        char reply[SGW_SMS_REPLY_MAX];
        int ucs2 = sgw_sms7726_reply(SGW_SMS_REPLY_HELP, s->msg.lang, NULL, NULL, in.to,
                                     cfg->sms_rate_limit, reply, sizeof reply);
        sgw_info("event=sms7726 req=%s subscriber=%.12s kind=help", req->id, s->pseudonym);
        hr = answer(req, reply, ucs2);
        goto done;
    }

    s->text = text;
    text = NULL;
    if (in.time != NULL && in.time[0] != '\0') {
        int64_t now = sgw_now_us();
        /* An SMSC clock far ahead, or a time before SMS existed, is not a receive time. */
        s->has_received_at =
            received_us <= now + FUTURE_SLACK_US && received_us >= 946684800000000LL;
        s->received_at_us = received_us;
    }
    snprintf(s->smsc, sizeof s->smsc, "%s", in.smsc ? in.smsc : "");
    snprintf(s->msg_id, sizeof s->msg_id, "%s", in.id ? in.id : "");
    snprintf(s->short_code, sizeof s->short_code, "%s", in.to);
    s->api_key_id = req->api_key_id;
    s->per_hour = cfg->sms_rate_limit;
    s->ttl_s = cfg->sms_pending_ttl;
    req->ctx = s;
    req->ctx_free = sgw_sms_step_free;
    s = NULL;
    hr = sgw_server_submit_batch(req, steps_batch);
done:
    sgw_sms_step_free(s);
    free(text);
    free(raw);
    return hr;
}
