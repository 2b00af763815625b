/* The 7726 conversation in PostgreSQL, a batch of steps per transaction. The subscribers' rows
 * are locked first (an upsert, so a new subscriber's first message locks too) in pseudonym
 * order, their waiting reports are taken out, and sgw_sms7726_plan runs for every step in queue
 * order against that state in memory; what it decided is then written with one statement per
 * table. Two gateways handling one subscriber take turns on the row lock, so neither can lose
 * or duplicate a report; the database's clock is the conversation's clock. It never sees a
 * subscriber's number, and logs neither message text nor senders. */
#include "db/conversation.h"

#include "gateway/common/log.h"
#include "gateway/common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sgw_sms_step_free(void *step)
{
    struct sgw_sms_step *s = step;
    if (s == NULL)
        return;
    free(s->city);
    free(s->text);
    free(s);
}

/* --- text array parameters --------------------------------------------------------------- */

struct tarr {
    char *p;
    size_t len, cap;
};

static void
tarr_put(struct tarr *a, const char *s, size_t n)
{
    if (a->len + n + 1 > a->cap) {
        while (a->len + n + 1 > a->cap)
            a->cap = a->cap ? 2 * a->cap : 1024;
        a->p = sgw_xrealloc(a->p, a->cap);
    }
    memcpy(a->p + a->len, s, n);
    a->len += n;
    a->p[a->len] = '\0';
}

/* An element: NULL, or a double-quoted string with " and \ escaped. */
static void
tarr_str(struct tarr *a, const char *s)
{
    tarr_put(a, a->len == 0 ? "{" : ",", 1);
    if (s == NULL) {
        tarr_put(a, "NULL", 4);
        return;
    }
    tarr_put(a, "\"", 1);
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\"\\");
        tarr_put(a, p, run);
        p += run;
        if (*p) {
            char esc[2] = {'\\', *p++};
            tarr_put(a, esc, 2);
        }
    }
    tarr_put(a, "\"", 1);
}

static void
tarr_num(struct tarr *a, double v, int is_null)
{
    char buf[40];
    if (is_null) {
        tarr_str(a, NULL);
        return;
    }
    snprintf(buf, sizeof buf, "%.17g", v);
    tarr_put(a, a->len == 0 ? "{" : ",", 1);
    tarr_put(a, buf, strlen(buf));
}

static const char *
tarr_end(struct tarr *a)
{
    if (a->len == 0)
        tarr_put(a, "{", 1);
    tarr_put(a, "}", 1);
    return a->p;
}

static void
tarrs_reset(struct tarr *a, int n)
{
    for (int i = 0; i < n; i++)
        a[i].len = 0;
}

static void
tarrs_free(struct tarr *a, int n)
{
    for (int i = 0; i < n; i++)
        free(a[i].p);
}

/* --- in-memory state of one batch -------------------------------------------------------- */

struct pend {
    int has;
    const char *content;
    enum sgw_sms_lang lang;
    double opened_us, expires_us, received_us; /* received_us < 0: none */
    const char *city, *country, *smsc;
    double api_key; /* < 0: none */
};

struct sub {
    const char *pseudonym;
    double tokens;
    int64_t tokens_at_us;
    const char *last_msg_id;
    const struct sgw_sms_step *last_step; /* whose reply is the last reply; NULL: the stored */
    const char *stored_reply;
    int stored_ucs2;
    int take;    /* has a step that is applied: its waiting report is taken out */
    int changed; /* the row is written back */
    struct pend pend;
};

struct row {
    double ingested_us, received_us;
    const char *channel, *sender_raw, *sender, *kind, *content, *city, *country, *pseudonym;
    double api_key;
    int64_t *id; /* where the new id goes */
};

struct batch {
    struct sgw_db_conn *c;
    struct sgw_sms_step *const *steps;
    size_t n;
    struct sub *subs;
    size_t nsubs;
    size_t *sub_of;                        /* step -> subs index */
    const struct sgw_sms_step **replay_of; /* step -> earlier step in the batch it repeats */
    struct row *rows;
    size_t nrows;
    int64_t now_us;
    struct tarr a[11];
};

static enum sgw_status
failed(struct batch *b, PGresult *res, const char *what)
{
    char err[256];
    sgw_db_error(b->c, res, err, sizeof err);
    sgw_warn("event=sms7726_db_error step=%s size=%zu error=\"%s\"", what, b->n, err);
    PQclear(res);
    return SGW_DATABASE;
}

static int
cmp_pseudonym(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static struct sub *
find_sub(struct batch *b, const char *pseudonym)
{
    size_t lo = 0, hi = b->nsubs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(b->subs[mid].pseudonym, pseudonym);
        if (c == 0)
            return &b->subs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Distinct subscribers, sorted: the lock order. */
static void
collect_subscribers(struct batch *b)
{
    const char **names = sgw_xmalloc(b->n * sizeof *names);
    for (size_t i = 0; i < b->n; i++)
        names[i] = b->steps[i]->pseudonym;
    qsort(names, b->n, sizeof *names, cmp_pseudonym);
    b->subs = sgw_xcalloc(b->n, sizeof *b->subs);
    for (size_t i = 0; i < b->n; i++)
        if (b->nsubs == 0 || strcmp(b->subs[b->nsubs - 1].pseudonym, names[i]) != 0)
            b->subs[b->nsubs++].pseudonym = names[i];
    for (size_t i = 0; i < b->n; i++)
        b->sub_of[i] = (size_t)(find_sub(b, b->steps[i]->pseudonym) - b->subs);
    free(names);
}

static enum sgw_status
lock_subscribers(struct batch *b, PGresult **out)
{
    tarrs_reset(b->a, 2);
    for (size_t i = 0; i < b->nsubs; i++) {
        tarr_str(&b->a[0], b->subs[i].pseudonym);
        tarr_num(&b->a[1], (double)b->steps[0]->per_hour, 0);
    }
    const char *p[2] = {tarr_end(&b->a[0]), tarr_end(&b->a[1])};
    PGresult *res = sgw_db_exec(b->c, SGW_STMT_sms_subscribers_lock, p);
    if (!sgw_db_ok(res) || (size_t)PQntuples(res) != b->nsubs)
        return failed(b, res, "subscribers_lock");
    for (int r = 0; r < PQntuples(res); r++) {
        struct sub *s = find_sub(b, PQgetvalue(res, r, 0));
        if (s == NULL)
            return failed(b, res, "subscribers_lock");
        s->tokens = strtod(PQgetvalue(res, r, 1), NULL);
        s->tokens_at_us = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        s->last_msg_id = PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3);
        s->stored_reply = PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4);
        s->stored_ucs2 = strcmp(PQgetvalue(res, r, 5), "t") == 0;
        b->now_us = strtoll(PQgetvalue(res, r, 6), NULL, 10);
    }
    *out = res; /* the subscribers point into it */
    return SGW_OK;
}

/* Kannel's retries: a step whose message id is the subscriber's last one is answered again and
 * not applied. Decided in queue order, so a retry within the batch repeats its original. */
static void
find_replays(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct sgw_sms_step *s = b->steps[i];
        struct sub *u = &b->subs[b->sub_of[i]];
        s->replayed = 0;
        b->replay_of[i] = NULL;
        if (s->msg_id[0] != '\0' && u->last_msg_id != NULL &&
            strcmp(u->last_msg_id, s->msg_id) == 0 && (u->last_step || u->stored_reply)) {
            s->replayed = 1;
            b->replay_of[i] = u->last_step;
            if (u->last_step == NULL) {
                snprintf(s->reply, sizeof s->reply, "%s", u->stored_reply);
                s->reply_ucs2 = u->stored_ucs2;
            }
            continue;
        }
        u->last_msg_id = s->msg_id[0] ? s->msg_id : NULL;
        u->last_step = s;
        u->changed = 1;
        if (s->msg.kind != SGW_SMS_HELP)
            u->take = 1;
    }
}

static enum sgw_status
take_pendings(struct batch *b, PGresult **out)
{
    size_t ntake = 0;
    tarrs_reset(b->a, 1);
    for (size_t i = 0; i < b->nsubs; i++) {
        if (b->subs[i].take) {
            tarr_str(&b->a[0], b->subs[i].pseudonym);
            ntake++;
        }
    }
    *out = NULL;
    if (ntake == 0)
        return SGW_OK;
    const char *p[1] = {tarr_end(&b->a[0])};
    PGresult *res = sgw_db_exec(b->c, SGW_STMT_sms_pendings_take, p);
    if (!sgw_db_ok(res))
        return failed(b, res, "pendings_take");
    for (int r = 0; r < PQntuples(res); r++) {
        struct sub *s = find_sub(b, PQgetvalue(res, r, 0));
        if (s == NULL)
            return failed(b, res, "pendings_take");
        struct pend *p = &s->pend;
        p->has = 1;
        p->content = PQgetvalue(res, r, 1);
        p->lang = strcmp(PQgetvalue(res, r, 2), "zh") == 0 ? SGW_SMS_ZH : SGW_SMS_EN;
        p->opened_us = strtod(PQgetvalue(res, r, 3), NULL);
        p->expires_us = strtod(PQgetvalue(res, r, 4), NULL);
        p->received_us = PQgetisnull(res, r, 5) ? -1 : strtod(PQgetvalue(res, r, 5), NULL);
        p->city = PQgetisnull(res, r, 6) ? NULL : PQgetvalue(res, r, 6);
        p->country = PQgetisnull(res, r, 7) ? NULL : PQgetvalue(res, r, 7);
        p->smsc = PQgetisnull(res, r, 8) ? NULL : PQgetvalue(res, r, 8);
        p->api_key = PQgetisnull(res, r, 9) ? -1 : strtod(PQgetvalue(res, r, 9), NULL);
    }
    *out = res;
    return SGW_OK;
}

static const char *
nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static struct row *
add_row(struct batch *b, const struct pend *p, const char *pseudonym, int64_t *id)
{
    struct row *r = &b->rows[b->nrows++];
    memset(r, 0, sizeof *r);
    r->ingested_us = p->opened_us;
    r->received_us = p->received_us;
    r->channel = "sms";
    r->kind = sgw_sender_kind_name(SGW_SENDER_UNKNOWN);
    r->content = p->content;
    r->city = p->city;
    r->country = p->country;
    r->pseudonym = pseudonym;
    r->api_key = p->api_key;
    r->id = id;
    return r;
}

/* Runs the plan of every applied step against the subscribers' state, collecting rows. */
static void
plan_steps(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct sgw_sms_step *s = b->steps[i];
        struct sub *u = &b->subs[b->sub_of[i]];
        struct sgw_sms_state st = {u->pend.has, (int64_t)u->pend.expires_us, u->pend.lang,
                                   u->tokens, u->tokens_at_us};
        struct sgw_sms_limits lim = {s->per_hour};

        s->report_id = s->flushed_id = 0;
        if (s->replayed)
            continue;
        sgw_sms7726_plan(&s->msg, &st, &lim, b->now_us, &s->plan);
        u->tokens = s->plan.tokens;
        u->tokens_at_us = s->plan.tokens_at_us;
        if (s->plan.flush_pending && u->pend.has) {
            add_row(b, &u->pend, u->pseudonym, &s->flushed_id);
            u->pend.has = 0;
        }
        if (s->plan.complete_pending && u->pend.has) {
            struct row *r = add_row(b, &u->pend, u->pseudonym, &s->report_id);
            if (s->msg.kind == SGW_SMS_SENDER) {
                r->sender_raw = s->msg.sender_raw;
                r->sender = s->msg.sender;
                r->kind = sgw_sender_kind_name(s->msg.sender_kind);
            }
            u->pend.has = 0;
        }
        if (s->plan.store_call) {
            struct pend self = {1,
                                s->text,
                                s->msg.lang,
                                (double)b->now_us,
                                0,
                                s->has_received_at ? (double)s->received_at_us : -1,
                                s->city,
                                nonempty(s->country),
                                nonempty(s->smsc),
                                s->api_key_id ? (double)s->api_key_id : -1};
            struct row *r = add_row(b, &self, u->pseudonym, &s->report_id);
            r->channel = "call";
            r->sender_raw = s->msg.sender_raw;
            r->sender = s->msg.sender;
            r->kind = sgw_sender_kind_name(s->msg.sender_kind);
        }
        if (s->plan.open_pending) {
            u->pend = (struct pend){1,
                                    s->text,
                                    s->msg.lang,
                                    (double)b->now_us,
                                    (double)b->now_us + (double)s->ttl_s * 1e6,
                                    s->has_received_at ? (double)s->received_at_us : -1,
                                    s->city,
                                    nonempty(s->country),
                                    nonempty(s->smsc),
                                    s->api_key_id ? (double)s->api_key_id : -1};
        }
    }
}

static enum sgw_status
insert_reports(struct batch *b)
{
    if (b->nrows == 0)
        return SGW_OK;
    tarrs_reset(b->a, 11);
    for (size_t i = 0; i < b->nrows; i++) {
        const struct row *r = &b->rows[i];
        tarr_num(&b->a[0], r->ingested_us, 0);
        tarr_num(&b->a[1], r->received_us, r->received_us < 0);
        tarr_str(&b->a[2], r->channel);
        tarr_str(&b->a[3], nonempty(r->sender_raw));
        tarr_str(&b->a[4], nonempty(r->sender));
        tarr_str(&b->a[5], r->kind);
        tarr_str(&b->a[6], r->content);
        tarr_str(&b->a[7], nonempty(r->city));
        tarr_str(&b->a[8], nonempty(r->country));
        tarr_str(&b->a[9], r->pseudonym);
        tarr_num(&b->a[10], r->api_key, r->api_key < 0);
    }
    const char *p[11];
    for (int k = 0; k < 11; k++)
        p[k] = tarr_end(&b->a[k]);
    PGresult *res = sgw_db_exec(b->c, SGW_STMT_sms_reports_insert, p);
    if (!sgw_db_ok(res) || (size_t)PQntuples(res) != b->nrows)
        return failed(b, res, "reports_insert");
    for (size_t i = 0; i < b->nrows; i++)
        *b->rows[i].id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
    PQclear(res);
    return SGW_OK;
}

/* Waiting reports left at the end of the batch: opened by it, or taken out and not consumed. */
static enum sgw_status
insert_pendings(struct batch *b)
{
    size_t n = 0;
    tarrs_reset(b->a, 10);
    for (size_t i = 0; i < b->nsubs; i++) {
        const struct pend *p = &b->subs[i].pend;
        if (!p->has)
            continue;
        tarr_str(&b->a[0], b->subs[i].pseudonym);
        tarr_str(&b->a[1], p->content);
        tarr_str(&b->a[2], p->lang == SGW_SMS_ZH ? "zh" : "en");
        tarr_num(&b->a[3], p->opened_us, 0);
        tarr_num(&b->a[4], p->expires_us, 0);
        tarr_num(&b->a[5], p->received_us, p->received_us < 0);
        tarr_str(&b->a[6], nonempty(p->city));
        tarr_str(&b->a[7], nonempty(p->country));
        tarr_str(&b->a[8], nonempty(p->smsc));
        tarr_num(&b->a[9], p->api_key, p->api_key < 0);
        n++;
    }
    if (n == 0)
        return SGW_OK;
    const char *p[10];
    for (int k = 0; k < 10; k++)
        p[k] = tarr_end(&b->a[k]);
    PGresult *res = sgw_db_exec(b->c, SGW_STMT_sms_pendings_insert, p);
    if (!sgw_db_ok(res))
        return failed(b, res, "pendings_insert");
    PQclear(res);
    return SGW_OK;
}

static void
render_replies(struct batch *b)
{
    char mask[SGW_SMS_MASK_MAX], ref[SGW_SMS_REF_MAX];
    for (size_t i = 0; i < b->n; i++) {
        struct sgw_sms_step *s = b->steps[i];
        if (s->replayed)
            continue;
        sgw_sms7726_mask(s->msg.sender, s->msg.sender_kind, mask, sizeof mask);
        sgw_sms7726_ref(s->report_id, ref, sizeof ref);
        s->reply_ucs2 = sgw_sms7726_reply(s->plan.reply, s->plan.lang, mask, ref, s->short_code,
                                          s->per_hour, s->reply, sizeof s->reply);
    }
    /* Retries within the batch repeat what their original answered. */
    for (size_t i = 0; i < b->n; i++) {
        if (b->replay_of[i] != NULL) {
            memcpy(b->steps[i]->reply, b->replay_of[i]->reply, sizeof b->steps[i]->reply);
            b->steps[i]->reply_ucs2 = b->replay_of[i]->reply_ucs2;
        }
    }
}

static enum sgw_status
save_subscribers(struct batch *b)
{
    size_t n = 0;
    tarrs_reset(b->a, 6);
    for (size_t i = 0; i < b->nsubs; i++) {
        const struct sub *u = &b->subs[i];
        if (!u->changed)
            continue;
        tarr_str(&b->a[0], u->pseudonym);
        tarr_num(&b->a[1], u->tokens, 0);
        tarr_num(&b->a[2], (double)u->tokens_at_us, 0);
        tarr_str(&b->a[3], u->last_msg_id);
        tarr_str(&b->a[4], u->last_step ? u->last_step->reply : u->stored_reply);
        tarr_str(&b->a[5], (u->last_step ? u->last_step->reply_ucs2 : u->stored_ucs2) ? "t" : "f");
        n++;
    }
    if (n == 0)
        return SGW_OK;
    const char *p[6];
    for (int k = 0; k < 6; k++)
        p[k] = tarr_end(&b->a[k]);
    PGresult *res = sgw_db_exec(b->c, SGW_STMT_sms_subscribers_save, p);
    if (!sgw_db_ok(res))
        return failed(b, res, "subscribers_save");
    PQclear(res);
    return SGW_OK;
}

enum sgw_status
sgw_db_sms7726_steps(struct sgw_db_conn *c, struct sgw_sms_step *const *steps, size_t n,
                     enum sgw_status *st)
{
    struct batch b;
    PGresult *locked = NULL, *taken = NULL;
    enum sgw_status rc = SGW_DATABASE;

    memset(&b, 0, sizeof b);
    if (n == 0)
        return SGW_OK;
    b.c = c;
    b.steps = steps;
    b.n = n;
    b.sub_of = sgw_xmalloc(n * sizeof *b.sub_of);
    b.replay_of = sgw_xcalloc(n, sizeof *b.replay_of);
    b.rows = sgw_xmalloc(2 * n * sizeof *b.rows); /* at most a flushed and a new one per step */
    collect_subscribers(&b);

    if (lock_subscribers(&b, &locked) != SGW_OK)
        goto fail;
    find_replays(&b);
    if (take_pendings(&b, &taken) != SGW_OK)
        goto fail;
    plan_steps(&b);
    if (insert_reports(&b) != SGW_OK || insert_pendings(&b) != SGW_OK)
        goto fail;
    render_replies(&b);
    if (save_subscribers(&b) != SGW_OK)
        goto fail;
    for (size_t i = 0; i < n; i++)
        st[i] = SGW_OK;
    rc = SGW_OK;
fail:
    PQclear(taken);
    PQclear(locked);
    tarrs_free(b.a, 11);
    free(b.rows);
    free(b.replay_of);
    free(b.subs);
    free(b.sub_of);
    return rc;
}

/* --- the sweep --------------------------------------------------------------------------- */

enum sgw_status
sgw_db_sms7726_sweep(struct sgw_db_conn *c, void *arg)
{
    struct sgw_sms_sweep *sw = arg;
    char limit[16], err[256];
    const char *p[1] = {limit};

    sw->stored = sw->forgotten = 0;
    snprintf(limit, sizeof limit, "%d", sw->limit > 0 ? sw->limit : 1000);
    PGresult *res = sgw_db_exec(c, SGW_STMT_sms_sweep_pending, p);
    if (!sgw_db_ok(res))
        goto fail;
    sw->stored = PQntuples(res);
    PQclear(res);
    res = sgw_db_exec(c, SGW_STMT_sms_sweep_subscribers, p);
    if (!sgw_db_ok(res))
        goto fail;
    sw->forgotten = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return SGW_OK;
fail:
    sgw_db_error(c, res, err, sizeof err);
    sgw_warn("event=sms7726_sweep_error error=\"%s\"", err);
    PQclear(res);
    return SGW_DATABASE;
}

void
sgw_db_sms7726_sweep_done(void *arg, enum sgw_status st)
{
    struct sgw_sms_sweep *sw = arg;
    if (st != SGW_OK)
        sgw_warn("event=sms7726_sweep status=%s", sgw_status_name(st));
    else if (sw->stored > 0 || sw->forgotten > 0)
        sgw_info("event=sms7726_sweep stored_without_sender=%ld subscribers_forgotten=%ld",
                 sw->stored, sw->forgotten);
}
