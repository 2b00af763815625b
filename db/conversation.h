/* The durable side of the 7726 conversation: one step per subscriber message and the sweep of
 * expired waiting reports, each run as a writer job (db/writer.h) inside the writer's
 * transaction, so a reply is sent only after what it announces is committed. */
#ifndef SGW_DB_CONVERSATION_H
#define SGW_DB_CONVERSATION_H

#include "db/db.h"
#include "gateway/common/status.h"
#include "gateway/intake/pseudonym.h"
#include "gateway/intake/sms7726.h"

#include <stdint.h>

/* One subscriber message, prepared on the HTTP thread (everything that needs no database), and
 * the step's results. */
struct sgw_sms_step {
    /* in */
    char pseudonym[SGW_PSEUDONYM_HEX]; /* of the subscriber's E.164 number */
    char country[3];                   /* subscriber's region, "" if unknown */
    char *city;                        /* geocoder's place of the subscriber's number; owned */
    char *text;                        /* the message, UTF-8; owned */
    struct sgw_sms_class msg;          /* sgw_sms7726_classify of text */
    int64_t received_at_us;            /* the SMSC's time; valid when has_received_at */
    int has_received_at;
    char smsc[65];   /* Kannel's SMSC id, "" if none */
    char msg_id[65]; /* Kannel's message id (%I), "" if none: no retry detection */
    char short_code[SGW_SMS_SHORT_CODE_MAX + 1];
    int64_t api_key_id; /* the relay's key */
    long per_hour;      /* rate limit; 0 = none */
    long ttl_s;         /* how long a forwarded report waits for its sender */

    /* out, valid when the job returned SGW_OK */
    char reply[SGW_SMS_REPLY_MAX];
    int reply_ucs2; /* send as UCS-2 (X-Kannel-Coding: 2) */
    int replayed;   /* msg_id was the last one handled: reply repeated, nothing applied */
    struct sgw_sms_plan plan;
    int64_t report_id;  /* report completed or stored by this message, 0 if none */
    int64_t flushed_id; /* earlier report stored without a sender, 0 if none */
};

/* Frees what the step owns and the step itself (heap-allocated by the route); accepts NULL. */
void sgw_sms_step_free(void *step);

/* A batch job body (db/writer.h, sgw_db_writer_submit_batch): steps[0..n), in queue order,
 * in the caller's transaction. Locks their subscribers (in pseudonym order), loads their
 * conversations, applies sgw_sms7726_plan to each step in turn and writes the outcome with one
 * statement per table, then renders the replies. SGW_OK with st[i] = SGW_OK for every step, or
 * SGW_DATABASE on any database error (the caller rolls back: nothing is half-applied). Several
 * steps of one subscriber in one batch are applied in order, as if they came one by one. */
enum sgw_status sgw_db_sms7726_steps(struct sgw_db_conn *c, struct sgw_sms_step *const *steps,
                                     size_t n, enum sgw_status *st);

/* The sweep: stores up to `limit` expired waiting reports without a sender and forgets idle
 * subscribers. A writer job (arg is a struct sgw_sms_sweep) that any number of gateways may run
 * at once. */
struct sgw_sms_sweep {
    int limit;      /* rows per run and table */
    long stored;    /* out: reports stored */
    long forgotten; /* out: subscriber rows deleted */
};
enum sgw_status sgw_db_sms7726_sweep(struct sgw_db_conn *c, void *sweep);
/* Logs the sweep's outcome (a ticker's after-callback). */
void sgw_db_sms7726_sweep_done(void *sweep, enum sgw_status st);

#endif
