/* Column arrays for reports_insert_arrays. Adding a column to reports means changing the
 * statement and this file only; it must never touch the database itself. */
#include "db/report_rows.h"

static const unsigned col_oids[SGW_DB_REPORT_COLS] = {
    SGW_OID_TIMESTAMPTZ, SGW_OID_TIMESTAMPTZ, SGW_OID_TEXT, SGW_OID_TEXT,
    SGW_OID_TEXT,        SGW_OID_TEXT,        SGW_OID_TEXT, SGW_OID_TEXT,
    SGW_OID_TEXT,        SGW_OID_TEXT,        SGW_OID_TEXT, SGW_OID_INT8,
    SGW_OID_BYTEA,       SGW_OID_TEXT,        SGW_OID_TEXT, SGW_OID_TEXT};

void
sgw_db_report_rows(struct sgw_pgarray *cols, struct sgw_report *const *rs, size_t n,
                   const char **params, int *lengths, int *formats)
{
    for (int c = 0; c < SGW_DB_REPORT_COLS; c++)
        sgw_pgarray_begin(&cols[c]);
    for (size_t i = 0; i < n; i++) {
        const struct sgw_report *r = rs[i];
        sgw_pgarray_time(&cols[0], r->ingested_at);
        if (r->has_received_at)
            sgw_pgarray_time(&cols[1], r->received_at);
        else
            sgw_pgarray_null(&cols[1]);
        sgw_pgarray_text(&cols[2], sgw_channel_name(r->channel));
        sgw_pgarray_text(&cols[3], r->sender_raw);
        sgw_pgarray_text(&cols[4], r->sender);
        sgw_pgarray_text(&cols[5], sgw_sender_kind_name(r->sender_kind));
        sgw_pgarray_text(&cols[6], r->content);
        sgw_pgarray_text(&cols[7], r->city);
        sgw_pgarray_text(&cols[8], r->country[0] ? r->country : NULL);
        sgw_pgarray_text(&cols[9], r->reporter[0] ? r->reporter : NULL);
        sgw_pgarray_text(&cols[10], r->source);
        if (r->api_key_id)
            sgw_pgarray_int8(&cols[11], r->api_key_id);
        else
            sgw_pgarray_null(&cols[11]);
        if (r->has_features)
            sgw_pgarray_bytes(&cols[12], r->minhash, sizeof r->minhash);
        else
            sgw_pgarray_null(&cols[12]);
        sgw_pgarray_text(&cols[13], r->indicators);
        sgw_pgarray_text(&cols[14], r->reporter_place);
        sgw_pgarray_text(&cols[15], r->sender_place);
    }
    for (int c = 0; c < SGW_DB_REPORT_COLS; c++) {
        sgw_pgarray_finish(&cols[c], col_oids[c]);
        params[c] = cols[c].p;
        lengths[c] = (int)cols[c].len;
        formats[c] = 1;
    }
}
