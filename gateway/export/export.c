/* One export run: validate, open the output file (so a bad directory fails before any database
 * work), read the campaigns through a server-side cursor 1000 rows at a time (bounded memory),
 * write them, then publish: data file renamed into place, watermark moved in the same
 * REPEATABLE READ transaction that read the rows, committed, and only then manifest.json.
 * If the commit fails the data file is removed again, so a failed run leaves no file and no
 * moved watermark. (A crash between the rename and the commit leaves a complete file whose
 * campaigns the next run exports again: at least once, never lost.)
 *
 * Incremental window: the change sequence's last value L is read, then an xid X is taken, and
 * the run waits until every transaction older than X has ended (the cluster worker's own
 * follow rule, README "Exact follow"). A stamp <= L was handed out by a transaction that held
 * its xid before nextval, so before X: once they have all ended, a snapshot taken afterwards
 * sees every stamp <= L that will ever exist. The run exports (watermark, L] and stores L.
 * (Taking max(change_seq) under the snapshot instead would skip a stamp of a worker
 * transaction still in flight that commits after our snapshot with a smaller value.) A campaign
 * whose stamp is already above L is left to the next run, which sees it with that stamp.
 *
 * The facts follower (schema 010) writes a campaign's senders, indicators, samples and
 * cities a chunk behind the worker's stamp, and stamps nothing itself. So the run then reads
 * the worker's watermark W (every transaction that stamped <= L has committed, and assigned
 * only reports <= W) and waits until the follower has reached W: the rows it exports carry
 * everything those stamps stand for. Later reports stamp their campaigns above L. */
#include "db/db.h"
#include "gateway/common/log.h"
#include "gateway/common/mem.h"
#include "gateway/common/timeutil.h"
#include "gateway/export/export.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define XMIN_POLL_MS 50

static const char *const format_names[] = {"csv", "ndjson", "blocklist", "stix"};

int
sgw_export_format_parse(const char *s, enum sgw_export_format *out)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (s != NULL && strcmp(s, format_names[i]) == 0) {
            *out = (enum sgw_export_format)i;
            return 0;
        }
    }
    return -1;
}

static int
query_ok(struct sgw_db_conn *db, PGresult *res, const char *what, char *err, size_t errsz)
{
    char e[400];
    switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK: return 0;
    default:
        sgw_db_error(db, res, e, sizeof e);
        snprintf(err, errsz, "%s: %s", what, e);
        return -1;
    }
}

/* Runs stmt (one boolean) every XMIN_POLL_MS until it answers true: 0, 1 when deadline (µs,
 * monotonic) passed first, -1 on a database error (err set). */
static int
poll_until(struct sgw_db_conn *db, enum sgw_stmt stmt, const char *param, const char *what,
           int64_t deadline, char *err, size_t errsz)
{
    const char *params[1] = {param};
    for (;;) {
        PGresult *res = sgw_db_exec(db, stmt, params);
        if (query_ok(db, res, what, err, errsz) != 0) {
            PQclear(res);
            return -1;
        }
        int yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        if (yes)
            return 0;
        if (sgw_monotonic_us() > deadline)
            return 1;
        struct timespec ts = {0, XMIN_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Reads the horizon L, waits until every transaction older than the xid taken after it has
 * ended, then until the facts follower has reached the worker's watermark. 0 or -1. */
static int
incremental_horizon(struct sgw_db_conn *db, long wait_ms, int64_t *upto, char *err, size_t errsz)
{
    PGresult *res = sgw_db_exec(db, SGW_STMT_export_horizon, NULL);
    if (query_ok(db, res, "reading the change horizon", err, errsz) != 0) {
        PQclear(res);
        return -1;
    }
    char xid[32];
    *upto = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(xid, sizeof xid, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);

    int64_t deadline = sgw_monotonic_us() + (int64_t)wait_ms * 1000;
    int w = poll_until(db, SGW_STMT_cluster_xmin_passed, xid, "waiting for older transactions",
                       deadline, err, errsz);
    if (w != 0) {
        if (w > 0)
            snprintf(err, errsz,
                     "transactions older than xid %s still running after %ld ms (a long "
                     "transaction holds the export back; try again later)",
                     xid, wait_ms);
        return -1;
    }

    res = sgw_db_exec(db, SGW_STMT_cluster_state_get, NULL);
    if (query_ok(db, res, "reading the cluster watermark", err, errsz) != 0 ||
        PQntuples(res) != 1) {
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            snprintf(err, errsz, "cluster_state has no row");
        PQclear(res);
        return -1;
    }
    char wm[24];
    snprintf(wm, sizeof wm, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    w = poll_until(db, SGW_STMT_export_facts_reached, wm, "waiting for the facts follower",
                   deadline, err, errsz);
    if (w > 0)
        snprintf(err, errsz,
                 "the cluster worker's facts follower has not reached report %s after %ld ms "
                 "(is the cluster worker running? try again later)",
                 wm, wait_ms);
    return w == 0 ? 0 : -1;
}

static void
stamp(int64_t us, char out[17])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Writes manifest.json content into a temporary; caller publishes it after the commit. */
static struct sgw_export_file *
manifest_prepare(const struct sgw_export_options *o, const struct sgw_export_summary *sum,
                 char sha[][65], const uint64_t *bytes, char *err, size_t errsz)
{
    char when[64], since[64];
    sgw_rfc3339_format(o->now_us, when, sizeof when);
    json_t *m = json_object();
    json_object_set_new(m, "generator", json_string("spamgw " SGW_VERSION));
    json_object_set_new(m, "created_at", json_string(when));
    json_object_set_new(m, "format", json_string(format_names[o->format]));
    json_t *filters = json_object();
    json_object_set_new(filters, "min_reports", json_integer(o->min_reports));
    json_object_set_new(filters, "status", o->status ? json_string(o->status) : json_null());
    json_object_set_new(filters, "city", o->city ? json_string(o->city) : json_null());
    if (o->has_since) {
        sgw_rfc3339_format(o->since_us, since, sizeof since);
        json_object_set_new(filters, "since", json_string(since));
    }
    json_object_set_new(m, "filters", filters);
    if (o->incremental) {
        json_t *w = json_object();
        json_object_set_new(w, "name", json_string(o->name));
        json_object_set_new(w, "from_exclusive", json_integer(sum->from_seq));
        json_object_set_new(w, "to_inclusive", json_integer(sum->to_seq));
        json_object_set_new(m, "watermark", w);
    } else {
        json_object_set_new(m, "watermark", json_null());
    }
    json_t *files = json_array();
    for (int i = 0; i < sum->nfiles; i++) {
        json_t *file = json_object();
        json_object_set_new(file, "name", json_string(base_name(sum->path[i])));
        json_object_set_new(file, "rows", json_integer(sum->file_rows[i]));
        json_object_set_new(file, "bytes", json_integer((json_int_t)bytes[i]));
        json_object_set_new(file, "sha256", json_string(sha[i]));
        json_array_append_new(files, file);
    }
    json_object_set_new(m, "files", files);

    char *text = json_dumps(m, JSON_INDENT(2));
    json_decref(m);
    struct sgw_export_file *f = sgw_export_file_open(o->out_dir, "manifest.json", err, errsz);
    if (f != NULL && (sgw_export_file_write(f, text, strlen(text), err, errsz) != 0 ||
                      sgw_export_file_write(f, "\n", 1, err, errsz) != 0)) {
        sgw_export_file_free(f);
        f = NULL;
    }
    free(text);
    return f;
}

/* Blocklist rows (campaign id, entry, kind) in entry order: the text file gets each entry
 * once, the CSV every (entry, campaign). Returns 0 or -1; counts rows per file. */
static int
blocklist_rows(PGresult *res, struct sgw_export_file **files, long *rows, char *last, size_t lastsz,
               char *err, size_t errsz)
{
    char *txt = NULL, *csv = NULL;
    size_t tl = 0, tc = 0, cl = 0, cc = 0;
    int rc = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0), *entry = PQgetvalue(res, i, 1);
        const char *kind = PQgetvalue(res, i, 2);
        size_t el = (size_t)PQgetlength(res, i, 1);
        /* an entry is one line: a stray CR or LF must not make two */
        if (strpbrk(entry, "\r\n") != NULL)
            continue;
        if (strcmp(entry, last) != 0) {
            sgw_csv_append(&txt, &tl, &tc, entry, el);
            sgw_csv_append(&txt, &tl, &tc, "\n", 1);
            snprintf(last, lastsz, "%s", entry);
            rows[0]++;
        }
        sgw_csv_field(&csv, &cl, &cc, entry, el);
        sgw_csv_append(&csv, &cl, &cc, ",", 1);
        sgw_csv_field(&csv, &cl, &cc, kind, strlen(kind));
        sgw_csv_append(&csv, &cl, &cc, ",", 1);
        sgw_csv_append(&csv, &cl, &cc, id, strlen(id));
        sgw_csv_append(&csv, &cl, &cc, "\r\n", 2);
        rows[1]++;
    }
    if ((tl > 0 && sgw_export_file_write(files[0], txt, tl, err, errsz) != 0) ||
        (cl > 0 && sgw_export_file_write(files[1], csv, cl, err, errsz) != 0))
        rc = -1;
    free(txt);
    free(csv);
    return rc;
}

/* Streams the cursor's rows into f. Returns rows written or -1. */
static long
stream_rows(struct sgw_db_conn *db, const struct sgw_export_options *o,
            struct sgw_export_file **files, long *file_rows, char *err, size_t errsz)
{
    long rows = 0;
    char *buf = NULL, last[1024] = "";
    size_t len = 0, cap = 0;
    struct sgw_export_file *f = files[0];
    struct sgw_stix *stix = NULL;

    if (o->format == SGW_EXPORT_STIX) {
        char now[40], bname[80];
        sgw_rfc3339_format(o->now_us, now, sizeof now);
        snprintf(bname, sizeof bname, "bundle:%lld:%s", (long long)o->now_us,
                 o->incremental ? o->name : "");
        stix = sgw_stix_begin(now, bname, &buf, &len, &cap);
    }

    for (;;) {
        PGresult *res = sgw_db_exec(db, SGW_STMT_export_fetch, NULL);
        if (query_ok(db, res, "reading campaigns", err, errsz) != 0) {
            PQclear(res);
            rows = -1;
            break;
        }
        int n = PQntuples(res);
        if (o->format == SGW_EXPORT_BLOCKLIST) {
            int r = blocklist_rows(res, files, file_rows, last, sizeof last, err, errsz);
            PQclear(res);
            if (r != 0) {
                rows = -1;
                break;
            }
            rows += n;
            if (n == 0)
                break;
            continue;
        }
        for (int i = 0; i < n; i++) {
            const char *text = PQgetvalue(res, i, 2);
            json_error_t je;
            json_t *c = json_loads(text, 0, &je);
            if (c == NULL) {
                snprintf(err, errsz, "campaign %s: unreadable JSON from the database: %s",
                         PQgetvalue(res, i, 0), je.text);
                PQclear(res);
                free(buf);
                sgw_stix_free(stix);
                return -1;
            }
            if (o->format == SGW_EXPORT_CSV) {
                sgw_export_csv_row(&buf, &len, &cap, c);
            } else if (o->format == SGW_EXPORT_STIX) {
                sgw_stix_campaign(stix, &buf, &len, &cap, c);
            } else {
                char *line = json_dumps(c, JSON_COMPACT);
                size_t ll = strlen(line);
                if (len + ll + 2 > cap) {
                    cap = (len + ll + 2) * 2;
                    buf = sgw_xrealloc(buf, cap);
                }
                memcpy(buf + len, line, ll);
                buf[len + ll] = '\n';
                len += ll + 1;
                free(line);
            }
            json_decref(c);
        }
        PQclear(res);
        if (len > 0 && sgw_export_file_write(f, buf, len, err, errsz) != 0) {
            rows = -1;
            break;
        }
        len = 0;
        rows += n;
        file_rows[0] += n;
        if (n == 0)
            break;
    }
    if (rows >= 0 && stix != NULL) {
        len = 0;
        sgw_stix_end(stix, &buf, &len, &cap);
        stix = NULL;
        if (sgw_export_file_write(f, buf, len, err, errsz) != 0)
            rows = -1;
    }
    sgw_stix_free(stix);
    free(buf);
    return rows;
}

static const char *
format_ext(enum sgw_export_format f, int i)
{
    static const char *const ext[][SGW_EXPORT_MAX_FILES] = {
        {"csv", NULL}, {"ndjson", NULL}, {"txt", "csv"}, {"stix.json", NULL}};
    return ext[f][i];
}

int
sgw_export_run(const struct sgw_export_options *o, struct sgw_export_summary *sum, char *err,
               size_t errsz)
{
    char base[128], ts[17], dberr[512], since[64], minr[32], from[32], to[32];
    char sha[SGW_EXPORT_MAX_FILES][65];
    uint64_t bytes[SGW_EXPORT_MAX_FILES] = {0};
    const char *fmt = format_names[o->format];
    const char *stem = o->format == SGW_EXPORT_BLOCKLIST ? "blocklist" : "campaigns";
    struct sgw_export_file *data[SGW_EXPORT_MAX_FILES] = {NULL}, *manifest = NULL;
    struct sgw_db_conn *db = NULL;
    int rc = SGW_EXPORT_FAILED, in_tx = 0, published = 0;
    PGresult *res;

    memset(sum, 0, sizeof *sum);
    if (o->format == SGW_EXPORT_BLOCKLIST && o->incremental) {
        snprintf(err, errsz, "a blocklist is always complete: --incremental does not apply");
        return SGW_EXPORT_USAGE;
    }
    stamp(o->now_us, ts);
    while (sum->nfiles < SGW_EXPORT_MAX_FILES && format_ext(o->format, sum->nfiles) != NULL) {
        snprintf(base, sizeof base, "%s-%s.%s", stem, ts, format_ext(o->format, sum->nfiles));
        data[sum->nfiles] = sgw_export_file_open(o->out_dir, base, err, errsz);
        if (data[sum->nfiles] == NULL) {
            rc = SGW_EXPORT_USAGE;
            goto done;
        }
        sum->nfiles++;
    }

    /* An export may run long; each FETCH is its own statement, so an hour per statement is a
     * guard against a wedged server, not a limit on the export. */
    db = sgw_db_connect(o->database_url, 3600L * 1000, dberr, sizeof dberr);
    if (db == NULL) {
        snprintf(err, errsz, "cannot connect to the database: %s", dberr);
        goto done;
    }

    const char *params[6] = {NULL, NULL, NULL, minr, o->status, o->city};
    snprintf(minr, sizeof minr, "%ld", o->min_reports);
    if (o->has_since) {
        sgw_rfc3339_format(o->since_us, since, sizeof since);
        params[2] = since;
    }
    if (o->incremental) {
        const char *wp[3] = {o->name, fmt, NULL};
        res = sgw_db_exec(db, SGW_STMT_export_watermark_ensure, wp);
        int bad = query_ok(db, res, "creating the watermark", err, errsz);
        PQclear(res);
        if (bad || incremental_horizon(db, o->wait_ms, &sum->to_seq, err, errsz) != 0)
            goto done;
    }
    if (sgw_db_simple(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", dberr, sizeof dberr) != 0) {
        snprintf(err, errsz, "BEGIN: %s", dberr);
        goto done;
    }
    in_tx = 1;
    if (o->incremental) {
        const char *wp[2] = {o->name, fmt};
        res = sgw_db_exec(db, SGW_STMT_export_watermark_lock, wp);
        if (query_ok(db, res, "locking the watermark", err, errsz) != 0 || PQntuples(res) != 1) {
            if (PQresultStatus(res) == PGRES_TUPLES_OK)
                snprintf(err, errsz, "watermark %s/%s vanished", o->name, fmt);
            PQclear(res);
            goto done;
        }
        sum->from_seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        /* Another run of the same name may have gone further meanwhile: never move back. */
        if (sum->to_seq < sum->from_seq)
            sum->to_seq = sum->from_seq;
        snprintf(from, sizeof from, "%lld", (long long)sum->from_seq);
        snprintf(to, sizeof to, "%lld", (long long)sum->to_seq);
        params[0] = from;
        params[1] = to;
    }
    if (o->format == SGW_EXPORT_BLOCKLIST) {
        const char *bp[4] = {minr, o->status, o->city, params[2]};
        res = sgw_db_exec(db, SGW_STMT_export_blocklist_declare, bp);
    } else {
        res = sgw_db_exec(db, SGW_STMT_export_declare, params);
    }
    int bad = query_ok(db, res, "opening the campaign cursor", err, errsz);
    PQclear(res);
    if (bad)
        goto done;

    if (o->format == SGW_EXPORT_CSV) {
        const char *h = sgw_export_csv_header();
        if (sgw_export_file_write(data[0], h, strlen(h), err, errsz) != 0)
            goto done;
    } else if (o->format == SGW_EXPORT_BLOCKLIST) {
        const char *h = "entry,kind,campaign_id\r\n";
        if (sgw_export_file_write(data[1], h, strlen(h), err, errsz) != 0)
            goto done;
    }
    if (stream_rows(db, o, data, sum->file_rows, err, errsz) < 0)
        goto done;
    sum->rows = sum->file_rows[0];
    for (int i = 0; i < sum->nfiles; i++)
        if (sgw_export_file_sync(data[i], sha[i], &bytes[i], err, errsz) != 0)
            goto done;
    if (o->incremental) {
        const char *wp[3] = {o->name, fmt, to};
        res = sgw_db_exec(db, SGW_STMT_export_watermark_set, wp);
        bad = query_ok(db, res, "moving the watermark", err, errsz);
        PQclear(res);
        if (bad)
            goto done;
    }
    for (; published < sum->nfiles; published++)
        if (sgw_export_file_publish(data[published], 0, sum->path[published],
                                    sizeof sum->path[published], err, errsz) != 0)
            goto done;
    manifest = manifest_prepare(o, sum, sha, bytes, err, errsz);
    char msha[65];
    uint64_t mbytes;
    if (manifest == NULL || sgw_export_file_sync(manifest, msha, &mbytes, err, errsz) != 0)
        goto done;
    if (sgw_db_simple(db, "COMMIT", dberr, sizeof dberr) != 0) {
        snprintf(err, errsz, "COMMIT: %s", dberr);
        goto done;
    }
    in_tx = 0;
    published = 0; /* the files stand now, whatever happens to the manifest */
    char mpath[PATH_MAX];
    if (sgw_export_file_publish(manifest, 1, mpath, sizeof mpath, err, errsz) != 0)
        goto done; /* the data files and the watermark stand; only the manifest is missing */
    sgw_info("event=export_done format=%s rows=%ld file=%s from=%lld to=%lld", fmt, sum->rows,
             base_name(sum->path[0]), (long long)sum->from_seq, (long long)sum->to_seq);
    rc = SGW_EXPORT_OK;
done:
    if (in_tx)
        sgw_db_simple(db, "ROLLBACK", NULL, 0);
    /* Files renamed into place before a failed commit are taken back. */
    for (int i = 0; i < published; i++)
        unlink(sum->path[i]);
    sgw_export_file_free(manifest);
    for (int i = 0; i < SGW_EXPORT_MAX_FILES; i++)
        sgw_export_file_free(data[i]);
    sgw_db_close(db);
    return rc;
}
