/* Storing the reports of one POST /v1/reports:batch: one multi-row INSERT inside the caller's
 * transaction (a writer job), so the batch commits or rolls back as a whole. */
#ifndef SGW_DB_REPORT_BATCH_H
#define SGW_DB_REPORT_BATCH_H

#include "db/db.h"
#include "gateway/common/status.h"
#include "gateway/intake/report.h"

#include <stddef.h>
#include <stdint.h>

/* Inserts rs[0..n) (n >= 1; all still owned by the caller) and fills ids[0..n) in order.
 * keys is NULL or one idempotency key per report, stored with it: a report whose key
 * api_key_id has already stored is not inserted again; ids[i] is then the stored id and
 * replays[i] = 1 (replays may be NULL when keys is). Returns SGW_OK; SGW_DATABASE when the
 * connection broke or the server cancelled the statement (timeout, shutdown); SGW_INTERNAL
 * on any other SQL failure. err (a log line) is set on failure. */
enum sgw_status sgw_db_report_batch_insert(struct sgw_db_conn *c, struct sgw_report *const *rs,
                                           size_t n, const char *const *keys, int64_t api_key_id,
                                           int64_t *ids, int *replays, char *err, size_t errsz);

#endif
