/* The parameters of reports_insert_arrays: one binary array per column, built from reports.
 * Shared by the group-commit writer and the batch route so both store the same columns. */
#ifndef SGW_DB_REPORT_ROWS_H
#define SGW_DB_REPORT_ROWS_H

#include "db/pgarray.h"
#include "gateway/intake/report.h"

#include <stddef.h>

#define SGW_DB_REPORT_COLS 16

/* Fills cols[0..SGW_DB_REPORT_COLS) from rs[0..n) (their buffers are reused; the caller keeps
 * and finalises them) and points params, lengths and formats (binary) at them. */
void sgw_db_report_rows(struct sgw_pgarray *cols, struct sgw_report *const *rs, size_t n,
                        const char **params, int *lengths, int *formats);

#endif
