/* spamgw export: campaigns to files (CSV, NDJSON) for fraud teams and pipelines, streamed from
 * PostgreSQL through a cursor, written atomically, with a manifest and, for --incremental, a
 * named watermark in PostgreSQL that moves only when the run's files are in place. */
#ifndef SGW_EXPORT_H
#define SGW_EXPORT_H

#include <stddef.h>
#include <stdint.h>

enum sgw_export_format { SGW_EXPORT_CSV, SGW_EXPORT_NDJSON, SGW_EXPORT_BLOCKLIST, SGW_EXPORT_STIX };

/* Exit statuses of a run: 0 done, 1 runtime failure (database, disk), 2 bad input. */
enum { SGW_EXPORT_OK = 0, SGW_EXPORT_FAILED = 1, SGW_EXPORT_USAGE = 2 };

struct sgw_export_options {
    const char *database_url;
    enum sgw_export_format format;
    const char *out_dir;
    int has_since;
    int64_t since_us; /* campaigns last seen at or after this (µs since the epoch) */
    int incremental;  /* export what changed since the watermark `name`/format */
    const char *name; /* watermark name */
    long min_reports;
    const char *status; /* NULL = any */
    const char *city;   /* NULL = any */
    int64_t now_us;     /* names the files; a parameter so tests can pin it */
    long wait_ms;       /* longest wait for older transactions to end (incremental) */
};

#define SGW_EXPORT_MAX_FILES 2

struct sgw_export_summary {
    long rows;                /* of the first file */
    int64_t from_seq, to_seq; /* the watermark range covered (incremental) */
    int nfiles;
    char path[SGW_EXPORT_MAX_FILES][4096]; /* the data files written */
    long file_rows[SGW_EXPORT_MAX_FILES];
};

/* Parses "csv" / "ndjson" / "blocklist"; 0 or -1. A blocklist run writes two files: the
 * entries one a line (.txt) and entry,kind,campaign_id rows (.csv). */
int sgw_export_format_parse(const char *s, enum sgw_export_format *out);

/* Runs one export. Returns SGW_EXPORT_OK, _FAILED or _USAGE with one line in err. On any
 * failure no file of this run is left in out_dir and the watermark has not moved. */
int sgw_export_run(const struct sgw_export_options *o, struct sgw_export_summary *sum, char *err,
                   size_t errsz);

/* --- output files (file.c) --- */

/* A file being written: a temporary in the target directory, hashed as it is written. */
struct sgw_export_file;

/* Creates a temporary file in dir for the final name base (e.g. "campaigns-...Z.csv").
 * Returns the handle (free with _abort or _commit) or NULL with err set. */
struct sgw_export_file *sgw_export_file_open(const char *dir, const char *base, char *err,
                                             size_t errsz);
/* Appends bytes; 0 or -1 with err (the file stays open: call _abort). */
int sgw_export_file_write(struct sgw_export_file *f, const void *buf, size_t len, char *err,
                          size_t errsz);
/* Flushes and fsyncs the temporary; fills the hex sha256 (65 bytes) and size. 0 or -1. */
int sgw_export_file_sync(struct sgw_export_file *f, char sha256_hex[65], uint64_t *bytes, char *err,
                         size_t errsz);
/* Renames the synced temporary to its final name (never over an existing file: a suffix
 * -1, -2 ... is added), then fsyncs the directory. The final path goes to path. 0 or -1. */
int sgw_export_file_publish(struct sgw_export_file *f, int replace, char *path, size_t pathsz,
                            char *err, size_t errsz);
/* Removes the temporary (if still there) and frees f. Accepts NULL. */
void sgw_export_file_free(struct sgw_export_file *f);
/* The final file name (base) of f, owned by f. */
const char *sgw_export_file_base(const struct sgw_export_file *f);

/* --- CSV (csv.c) --- */

/* Appends n raw bytes of s to the growing buffer (*buf, *len, *cap); keeps it NUL-terminated. */
void sgw_csv_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
/* Appends field s as one RFC 4180 field (quoted when it holds , " CR or LF; quotes doubled)
 * to the buffer *buf of length *len and capacity *cap (grown with sgw_xrealloc). */
void sgw_csv_field(char **buf, size_t *len, size_t *cap, const char *s, size_t slen);

/* The CSV header line, CRLF-terminated. */
const char *sgw_export_csv_header(void);
/* Appends the CSV row (CRLF-terminated) for one campaign object as the export query builds it. */
void sgw_export_csv_row(char **buf, size_t *len, size_t *cap, const void *campaign_json);

/* --- STIX 2.1 (stix.c) --- */

#define SGW_STIX_ID_MAX 80

/* type--UUIDv5(spamgw namespace, name) into out. */
void sgw_stix_id(const char *type, const char *name, char out[SGW_STIX_ID_MAX]);

/* A bundle being written to the growing buffer (*buf, *len, *cap). begin writes the bundle
 * head, the producer identity and the phone-number extension-definition and returns the
 * writer state (freed by _end, or by _free when the run fails). */
struct sgw_stix;
struct sgw_stix *sgw_stix_begin(const char *now_rfc3339, const char *bundle_name, char **buf,
                                size_t *len, size_t *cap);
/* The objects of one campaign (as the export query builds it): campaign, indicators with their
 * `indicates` relationships, new locations with `targets`, a sighting. */
void sgw_stix_campaign(struct sgw_stix *s, char **buf, size_t *len, size_t *cap,
                       const void *campaign_json);
void sgw_stix_end(struct sgw_stix *s, char **buf, size_t *len, size_t *cap);
void sgw_stix_free(struct sgw_stix *s);

#endif
