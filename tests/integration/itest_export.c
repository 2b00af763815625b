/* Integration suite for `spamgw export` (gateway/export/), against a real PostgreSQL, a real
 * `spamgw cluster` and the real binary.
 *
 * round_trip: reports with commas, quotes, CR/LF and Chinese in their text are inserted and
 * clustered; a CSV export is parsed back with a strict RFC 4180 reader written here and an
 * NDJSON export line by line: ids, counts and texts equal the database's; manifest.json names
 * the file with its row count and a sha256 that matches; --status / --min-reports filter; the
 * blocklist lists the blocked campaign's senders and domains but not the allowlisted one; two
 * STIX 2.1 bundles validate against the official OASIS schemas (python3-jsonschema,
 * $SPAMGW_SHARED/data/stix2.1-schemas) and carry the same deterministic ids.
 *
 * incremental: while a thread keeps inserting reports (new and existing campaigns) and the
 * worker keeps assigning them, `export --incremental` runs again and again. Afterwards the
 * union of all files holds every live campaign, with its final change_seq, and no (campaign,
 * change_seq) twice: nothing missed, nothing repeated.
 *
 * bad_input: missing or unwritable directory, a file as directory, bad time, unknown format,
 * --since with --incremental, --incremental blocklist, bad --status: exit 2, one line, no file; an
 * unreachable database: exit 1, no file, watermark unchanged. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "gateway/export/export.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/proc.h"
#include "tests/support/suite.h"

static pid_t g_cluster;

static void
kill_cluster(void)
{
    if (g_cluster > 0) {
        kill(g_cluster, SIGKILL);
        waitpid(g_cluster, NULL, 0);
        g_cluster = 0;
    }
}

static void
start_cluster(const char *url)
{
    char log[256];
    snprintf(log, sizeof log, "%s/sgwt-export-cluster-%d.log", sgwt_tmpdir(), (int)getpid());
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        const char *bin = sgwt_bin();
        execl(bin, bin, "cluster", "--database-url", url, "--cluster-chunk", "50", "--log-level",
              "warn", (char *)NULL);
        _exit(127);
    }
    g_cluster = pid;
}

static void
exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = sgwt_db_query(c, sql, NULL);
    ck_assert_msg(r != NULL, "%s: %s", sql, sgwt_errmsg());
    PQclear(r);
}

static long long
count(PGconn *c, const char *sql)
{
    return sgwt_db_count(c, sql, NULL);
}

/* Inserts n reports of templates t0 .. t0+nt-1 (round robin), numbered from g0. The texts hold
 * every character CSV must quote, and some Chinese. */
static void
insert_reports(PGconn *c, int g0, int n, int t0, int nt)
{
    char a[4][24];
    snprintf(a[0], sizeof a[0], "%d", g0);
    snprintf(a[1], sizeof a[1], "%d", n);
    snprintf(a[2], sizeof a[2], "%d", t0);
    snprintf(a[3], sizeof a[3], "%d", nt);
    const char *params[] = {a[0], a[1], a[2], a[3], NULL};
    PGresult *r = sgwt_db_query(
        c,
        "INSERT INTO reports (ingested_at, channel, sender_raw, sender, sender_kind, content,"
        " city, country, reporter_pseudonym, source)"
        " SELECT now(), 'sms', s, s, 'phone', txt, city, 'US', md5(g::text), 'api' FROM"
        " (SELECT g, t, '+1202' || lpad((t * 7 + g % 3)::text, 7, '0') AS s,"
        " 'Notice ' || w1 || ' ' || w2 || ', \"pay\" at https://' || w3 || '.example/' || w2 ||"
        " CASE t % 3 WHEN 0 THEN E'\\r\\nline two, ' WHEN 1 THEN ' 深圳 退款 ' ELSE ' \"\"q\"\" ' "
        "END"
        " || ' ' || (g % 4) AS txt,"
        " CASE g % 3 WHEN 0 THEN 'New York, NY' WHEN 1 THEN 'Shenzhen' ELSE 'Chicago, IL' END"
        " AS city"
        " FROM (SELECT g, t, translate(md5(t::text), '0123456789', 'ghijklmnop') AS w1,"
        " translate(md5((t + 5000)::text), '0123456789', 'qrstuvwxyz') AS w2,"
        " translate(substr(md5((t + 9000)::text), 1, 10), '0123456789', 'ghijklmnop') AS w3"
        " FROM (SELECT g, $3::int + (g % $4::int) AS t FROM generate_series($1::int,"
        " $1::int + $2::int - 1) g) x0) x) y",
        params);
    ck_assert_msg(r != NULL, "insert: %s", sgwt_errmsg());
    PQclear(r);
}

static void
wait_caught_up(PGconn *c)
{
    long long t0 = sgwt_now_ms();
    while (sgwt_now_ms() - t0 < 60000) {
        if (count(c, "SELECT ((SELECT least(c.watermark, f.facts_watermark)"
                     " FROM cluster_state c, cluster_facts_state f) >="
                     " coalesce((SELECT max(id) FROM reports), 0))::int") == 1)
            return;
        sgwt_sleep_ms(50);
    }
    ck_abort_msg("the cluster worker did not catch up in 60 s");
}

static void
make_dir(char *out, size_t outsz, const char *tag)
{
    snprintf(out, outsz, "%s/sgwt-export-%s-%d-XXXXXX", sgwt_tmpdir(), tag, (int)getpid());
    ck_assert(mkdtemp(out) != NULL);
}

static void
rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Entries of dir (hidden ones too), "." and ".." left out. */
static int
dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Runs spamgw export with the given arguments after "export --database-url URL"; returns the
 * exit status, the printed path (first word of stdout) in path. */
static int
run_export(const char *url, const char *const *args, char *path, size_t pathsz, char **errout)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = sgwt_bin();
    argv[n++] = "export";
    argv[n++] = "--database-url";
    argv[n++] = url;
    argv[n++] = "--log-level";
    argv[n++] = "warn";
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct sgwt_proc_result r;
    memset(&r, 0, sizeof r);
    ck_assert_msg(sgwt_run(argv, 60000, &r) == 0, "run: %s", sgwt_errmsg());
    if (path) {
        path[0] = '\0';
        if (r.out)
            sscanf(r.out, "%1023s", path);
        (void)pathsz;
    }
    if (errout)
        *errout = strdup(r.err ? r.err : "");
    int st = r.status;
    if (st != 0 && st != 2 && errout == NULL)
        fprintf(stderr, "export failed (%d): %s\n", st, r.err ? r.err : "");
    sgwt_proc_result_fini(&r);
    return st;
}

/* ---- a strict RFC 4180 reader ---- */

struct csv {
    char ***rows; /* rows[i][j] */
    int *nfields;
    int nrows;
};

static void
csv_free(struct csv *c)
{
    for (int i = 0; i < c->nrows; i++) {
        for (int j = 0; j < c->nfields[i]; j++)
            free(c->rows[i][j]);
        free(c->rows[i]);
    }
    free(c->rows);
    free(c->nfields);
}

/* Parses s (records end in CRLF, the last one too). 0, or -1 with the offset in *bad. */
static int
csv_parse(const char *s, size_t len, struct csv *out, size_t *bad)
{
    size_t i = 0;
    memset(out, 0, sizeof *out);
    while (i < len) {
        char **fields = NULL;
        int nf = 0;
        for (;;) {
            char *f = malloc(len - i + 1);
            size_t fl = 0;
            if (i < len && s[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len) {
                        free(f);
                        *bad = i;
                        return -1;
                    }
                    if (s[i] == '"') {
                        if (i + 1 < len && s[i + 1] == '"') {
                            f[fl++] = '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    f[fl++] = s[i++];
                }
            } else {
                while (i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                    if (s[i] == '"') {
                        free(f);
                        *bad = i;
                        return -1;
                    }
                    f[fl++] = s[i++];
                }
            }
            f[fl] = '\0';
            fields = realloc(fields, sizeof *fields * (size_t)(nf + 1));
            fields[nf++] = f;
            if (i < len && s[i] == ',') {
                i++;
                continue;
            }
            if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
                i += 2;
                break;
            }
            *bad = i; /* a bare CR or LF, text after a closing quote, or no final CRLF */
            for (int k = 0; k < nf; k++)
                free(fields[k]);
            free(fields);
            return -1;
        }
        out->rows = realloc(out->rows, sizeof *out->rows * (size_t)(out->nrows + 1));
        out->nfields = realloc(out->nfields, sizeof *out->nfields * (size_t)(out->nrows + 1));
        out->rows[out->nrows] = fields;
        out->nfields[out->nrows++] = nf;
    }
    return 0;
}

static void
sha256_hex(const char *buf, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_Digest(buf, len, d, &dl, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Checks manifest.json in dir against the data file at path with rows rows. */
static void
check_manifest(const char *dir, const char *path, long rows)
{
    char mp[1024], sha[65];
    size_t len, mlen;
    snprintf(mp, sizeof mp, "%s/manifest.json", dir);
    char *m = slurp(mp, &mlen);
    json_error_t je;
    json_t *j = json_loads(m, 0, &je);
    ck_assert_msg(j != NULL, "manifest: %s", je.text);
    json_t *f = json_array_get(json_object_get(j, "files"), 0);
    const char *base = strrchr(path, '/') + 1;
    ck_assert_str_eq(json_string_value(json_object_get(f, "name")), base);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "rows")), rows);
    char *data = slurp(path, &len);
    sha256_hex(data, len, sha);
    ck_assert_str_eq(json_string_value(json_object_get(f, "sha256")), sha);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "bytes")), (long long)len);
    free(data);
    json_decref(j);
    free(m);
}

static struct sgwt_db g_db;

/* Validates the STIX bundle at path with tests/stix/validate (python3-jsonschema over the
 * official OASIS schemas, their $ids mapped to the local files); returns its campaign objects. */
static long
validate_stix(const char *path)
{
    char script[1024], schemas[1024];
    const char *shared = sgwt_env_required("SPAMGW_SHARED");
    const char *py = sgwt_env("SPAMGW_PYTHON") ? sgwt_env("SPAMGW_PYTHON") : "/usr/bin/python3";
    snprintf(schemas, sizeof schemas, "%s/data/stix2.1-schemas", shared);
    snprintf(script, sizeof script, "%s/tests/stix/validate",
             sgwt_env_required("SPAMGW_SOURCE_DIR"));
    const char *argv[] = {py, script, "--schemas", schemas, path, NULL};
    struct sgwt_proc_result r;
    memset(&r, 0, sizeof r);
    ck_assert_msg(sgwt_run(argv, 120000, &r) == 0, "validator: %s", sgwt_errmsg());
    ck_assert_msg(r.status == 0, "STIX bundle %s does not validate:\n%.3000s%.3000s", path,
                  r.out ? r.out : "", r.err ? r.err : "");
    /* "PATH: valid, N objects (campaign K, ...)"; a bundle without campaigns has no such entry */
    long campaigns = 0;
    const char *c = r.out ? strstr(r.out, ": valid, ") : NULL;
    ck_assert_msg(c != NULL, "validator output: %s", r.out ? r.out : "");
    const char *k = strstr(c, "(campaign ") ? strstr(c, "(campaign ") : strstr(c, ", campaign ");
    if (k)
        ck_assert(sscanf(strstr(k, "campaign "), "campaign %ld", &campaigns) == 1);
    sgwt_proc_result_fini(&r);
    return campaigns;
}

/* Two STIX exports: both validate, hold every live campaign, and name them with the same ids
 * (UUIDv5), with a phone sender carried by the extension. */
static void
check_stix(const char *dir, long long live)
{
    char p1[1024], p2[1024];
    const char *args[] = {"--format", "stix", "--out", dir, NULL};
    ck_assert_int_eq(run_export(g_db.url, args, p1, sizeof p1, NULL), 0);
    ck_assert_int_eq(validate_stix(p1), live);
    ck_assert_int_eq(run_export(g_db.url, args, p2, sizeof p2, NULL), 0);
    ck_assert_str_ne(p1, p2);
    ck_assert_int_eq(validate_stix(p2), live);
    json_t *a = json_load_file(p1, 0, NULL), *b = json_load_file(p2, 0, NULL);
    ck_assert(a && b);
    ck_assert_int_eq(json_array_size(json_object_get(a, "objects")),
                     json_array_size(json_object_get(b, "objects")));
    size_t i, phones = 0;
    json_t *o;
    json_array_foreach(json_object_get(a, "objects"), i, o)
    {
        json_t *o2 = json_array_get(json_object_get(b, "objects"), i);
        ck_assert_str_eq(json_string_value(json_object_get(o, "id")),
                         json_string_value(json_object_get(o2, "id")));
        ck_assert(strcmp(json_string_value(json_object_get(o, "modified")),
                         json_string_value(json_object_get(o2, "modified"))) <= 0);
        const char *pat = json_string_value(json_object_get(o, "pattern"));
        if (pat && strncmp(pat, "[x-spamgw-phone:value = '+", 26) == 0) {
            ck_assert_ptr_nonnull(json_object_get(o, "extensions"));
            phones++;
        }
    }
    ck_assert_uint_gt(phones, 0);
    json_decref(a);
    json_decref(b);
}

/* The blocklist of the one blocked campaign: its phone senders (but the allowlisted one) and
 * its domains, each once in the .txt, with the campaign id in the .csv. */
static void
check_blocklist(PGconn *c, const char *dir)
{
    char path[1024], *err = NULL;
    exec_ok(c, "INSERT INTO export_allowlist (entry) SELECT min(r.sender) FROM reports r"
               " JOIN report_assignments a ON a.report_id = r.id JOIN campaigns k"
               " ON k.id = a.campaign_id WHERE coalesce(k.merged_into, k.id) ="
               " (SELECT id FROM campaigns WHERE status = 'blocked')");
    PGresult *want = sgwt_db_query(
        c,
        "SELECT string_agg(e, E'\\n' ORDER BY e) || E'\\n' AS txt, count(*)::text AS n FROM"
        " (SELECT r.sender AS e FROM reports r JOIN report_assignments a ON a.report_id = r.id"
        " JOIN campaigns k ON k.id = a.campaign_id WHERE coalesce(k.merged_into, k.id) ="
        " (SELECT id FROM campaigns WHERE status = 'blocked') AND r.sender_kind = 'phone'"
        " UNION SELECT substr(indicator, 8) FROM campaign_indicators i JOIN campaigns k"
        " ON k.id = i.campaign_id WHERE coalesce(k.merged_into, k.id) ="
        " (SELECT id FROM campaigns WHERE status = 'blocked') AND indicator LIKE 'domain:%'"
        " EXCEPT SELECT entry FROM export_allowlist) x",
        NULL);
    ck_assert_msg(want != NULL, "%s", sgwt_errmsg());
    ck_assert_int_ge(atoi(sgwt_db_get(want, 0, "n")), 2);
    const char *args[] = {"--format", "blocklist", "--out", dir, NULL};
    ck_assert_int_eq(run_export(g_db.url, args, path, sizeof path, &err), 0);
    free(err);
    size_t len;
    char *txt = slurp(path, &len);
    ck_assert_str_eq(txt, sgwt_db_get(want, 0, "txt"));
    free(txt);
    char csvpath[1100];
    snprintf(csvpath, sizeof csvpath, "%.*s.csv", (int)(strlen(path) - 4), path);
    char *text = slurp(csvpath, &len);
    struct csv csv;
    size_t bad;
    ck_assert_msg(csv_parse(text, len, &csv, &bad) == 0, "blocklist CSV bad at %zu", bad);
    ck_assert_int_eq(csv.nrows, atoi(sgwt_db_get(want, 0, "n")) + 1);
    char *blocked = NULL;
    ck_assert_int_eq(
        sgwt_db_scalar(c, "SELECT id FROM campaigns WHERE status = 'blocked'", NULL, &blocked), 1);
    for (int i = 1; i < csv.nrows; i++) {
        ck_assert_int_eq(csv.nfields[i], 3);
        ck_assert_str_eq(csv.rows[i][2], blocked);
    }
    free(blocked);
    csv_free(&csv);
    free(text);
    PQclear(want);
}

static PGconn *
setup(const char *suite)
{
    ck_assert_msg(sgwt_db_fresh(&g_db, suite) == 0, "db: %s", sgwt_errmsg());
    PGconn *c = sgwt_db_connect(g_db.url);
    ck_assert(c != NULL);
    return c;
}

static void
teardown(PGconn *c)
{
    kill_cluster();
    PQfinish(c);
    sgwt_db_drop(&g_db);
}

/* ---- round trip ---- */

START_TEST(test_round_trip)
{
    PGconn *c = setup("export_rt");
    char dir[512], path[1024];
    insert_reports(c, 0, 400, 0, 40);
    start_cluster(g_db.url);
    wait_caught_up(c);
    long long live = count(c, "SELECT count(*) FROM campaigns WHERE merged_into IS NULL");
    ck_assert_int_ge(live, 20);
    make_dir(dir, sizeof dir, "rt");

    /* CSV */
    const char *csv_args[] = {"--format", "csv", "--out", dir, NULL};
    ck_assert_int_eq(run_export(g_db.url, csv_args, path, sizeof path, NULL), 0);
    size_t len;
    char *text = slurp(path, &len);
    struct csv csv;
    size_t bad = 0;
    ck_assert_msg(csv_parse(text, len, &csv, &bad) == 0, "CSV is not RFC 4180 at byte %zu", bad);
    ck_assert_int_eq(csv.nrows, live + 1);
    ck_assert_str_eq(csv.rows[0][0], "id");
    ck_assert_str_eq(csv.rows[0][10], "sample_text");
    int quoted_newline = 0;
    for (int i = 1; i < csv.nrows; i++) {
        ck_assert_int_eq(csv.nfields[i], 11);
        const char *params[] = {csv.rows[i][0], NULL};
        PGresult *r = sgwt_db_query(
            c,
            "SELECT c.reports::text AS reports, c.status,"
            " (SELECT r.content FROM report_assignments a JOIN reports r ON r.id = a.report_id"
            " WHERE a.campaign_id = c.id OR a.campaign_id IN (SELECT id FROM campaigns"
            " WHERE merged_into = c.id) ORDER BY a.report_id LIMIT 1) AS sample"
            " FROM campaigns c WHERE c.id = $1::int8 AND c.merged_into IS NULL",
            params);
        ck_assert(r != NULL);
        ck_assert_int_eq(PQntuples(r), 1);
        ck_assert_str_eq(csv.rows[i][4], sgwt_db_get(r, 0, "reports"));
        ck_assert_str_eq(csv.rows[i][1], sgwt_db_get(r, 0, "status"));
        ck_assert_str_eq(csv.rows[i][10], sgwt_db_get(r, 0, "sample"));
        quoted_newline |= strstr(csv.rows[i][10], "\r\n") != NULL;
        ck_assert(strstr(csv.rows[i][8], "(") != NULL); /* a city with its share */
        PQclear(r);
    }
    ck_assert(quoted_newline);
    check_manifest(dir, path, (long)live);
    csv_free(&csv);
    free(text);

    /* NDJSON */
    const char *nd_args[] = {"--format", "ndjson", "--out", dir, NULL};
    ck_assert_int_eq(run_export(g_db.url, nd_args, path, sizeof path, NULL), 0);
    text = slurp(path, &len);
    long lines = 0, sum_reports = 0;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        ck_assert(nl != NULL);
        *nl = '\0';
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        ck_assert_msg(j != NULL, "NDJSON line %ld: %s", lines + 1, je.text);
        sum_reports +=
            (long)json_integer_value(json_object_get(json_object_get(j, "counts"), "reports"));
        ck_assert(json_array_size(json_object_get(j, "senders")) > 0);
        ck_assert(json_array_size(json_object_get(j, "sender_clusters")) > 0);
        ck_assert(json_array_size(json_object_get(j, "cities")) > 0);
        ck_assert(json_array_size(json_object_get(j, "samples")) > 0);
        json_decref(j);
        lines++;
    }
    ck_assert_int_eq(lines, live);
    ck_assert_int_eq(sum_reports, count(c, "SELECT count(*) FROM reports"));
    check_manifest(dir, path, lines);
    free(text);

    check_stix(dir, live);

    /* filters */
    exec_ok(c, "UPDATE campaigns SET status = 'blocked' WHERE id = (SELECT min(id)"
               " FROM campaigns WHERE merged_into IS NULL)");
    const char *st_args[] = {"--format", "ndjson", "--out", dir, "--status", "blocked", NULL};
    ck_assert_int_eq(run_export(g_db.url, st_args, path, sizeof path, NULL), 0);
    text = slurp(path, &len);
    ck_assert_int_eq(strchr(text, '\n') - text + 1, (long)len); /* one line */
    ck_assert(strstr(text, "\"status\":\"blocked\"") != NULL);
    free(text);
    check_blocklist(c, dir);
    const char *mr_args[] = {"--format", "csv", "--out", dir, "--min-reports", "1000000", NULL};
    ck_assert_int_eq(run_export(g_db.url, mr_args, path, sizeof path, NULL), 0);
    text = slurp(path, &len);
    ck_assert_str_eq(text, "id,status,first_seen,last_seen,reports,reporters,senders,change_seq,"
                           "top_cities,top_indicators,sample_text\r\n");
    free(text);
    rm_rf(dir);
    teardown(c);
}
END_TEST

/* ---- incremental under concurrent ingest ---- */

static atomic_int g_stop;
static const char *g_url;

static void *
ingest_thread(void *arg)
{
    (void)arg;
    PGconn *c = sgwt_db_connect(g_url);
    if (!c)
        return NULL;
    for (int b = 0; !atomic_load(&g_stop) && b < 60; b++) {
        /* half the batch to existing campaigns, half to new templates */
        insert_reports(c, 10000 + b * 40, 20, 0, 40);
        insert_reports(c, 20000 + b * 40, 20, 100 + b, 2);
        sgwt_sleep_ms(40);
    }
    PQfinish(c);
    return NULL;
}

struct seen {
    long long id, seq;
};

static int
cmp_seen(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

START_TEST(test_incremental_concurrent)
{
    PGconn *c = setup("export_inc");
    char dir[512], path[1024];
    insert_reports(c, 0, 200, 0, 40);
    start_cluster(g_db.url);
    make_dir(dir, sizeof dir, "inc");
    g_url = g_db.url;
    atomic_store(&g_stop, 0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, ingest_thread, NULL), 0);

    struct seen *seen = NULL;
    size_t nseen = 0;
    const char *args[] = {"--format", "ndjson", "--out", dir, "--incremental", "--name", "t", NULL};
    int runs = 0;
    long long t0 = sgwt_now_ms();
    for (int done = 0; !done;) {
        if (sgwt_now_ms() - t0 > 4000 && !atomic_load(&g_stop)) {
            atomic_store(&g_stop, 1);
            pthread_join(th, NULL);
            wait_caught_up(c);
            done = 1; /* one more run after everything settled */
        }
        ck_assert_int_eq(run_export(g_db.url, args, path, sizeof path, NULL), 0);
        runs++;
        size_t len;
        char *text = slurp(path, &len);
        for (char *line = text, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            ck_assert(nl != NULL);
            *nl = '\0';
            json_t *j = json_loads(line, 0, NULL);
            ck_assert(j != NULL);
            seen = realloc(seen, sizeof *seen * (nseen + 1));
            seen[nseen].id = json_integer_value(json_object_get(j, "id"));
            seen[nseen].seq = json_integer_value(json_object_get(j, "change_seq"));
            nseen++;
            json_decref(j);
        }
        free(text);
        sgwt_sleep_ms(100);
    }
    fprintf(stderr, "itest_export: %d incremental runs, %zu rows\n", runs, nseen);
    ck_assert_int_ge(runs, 5);
    qsort(seen, nseen, sizeof *seen, cmp_seen);
    for (size_t i = 1; i < nseen; i++)
        ck_assert_msg(seen[i].id != seen[i - 1].id || seen[i].seq != seen[i - 1].seq,
                      "campaign %lld exported twice with change_seq %lld", seen[i].id, seen[i].seq);

    /* Every live campaign was exported, last with its final change_seq. */
    PGresult *r = sgwt_db_query(c,
                                "SELECT c.id, ch.change_seq FROM campaigns c JOIN campaign_changes"
                                " ch ON ch.campaign_id = c.id WHERE c.merged_into IS NULL"
                                " ORDER BY c.id",
                                NULL);
    ck_assert(r != NULL);
    ck_assert_int_ge(PQntuples(r), 40);
    for (int i = 0; i < PQntuples(r); i++) {
        struct seen key = {atoll(PQgetvalue(r, i, 0)), atoll(PQgetvalue(r, i, 1))};
        ck_assert_msg(bsearch(&key, seen, nseen, sizeof *seen, cmp_seen) != NULL,
                      "campaign %lld at change_seq %lld never exported", key.id, key.seq);
        for (size_t k = 0; k < nseen; k++)
            ck_assert_msg(seen[k].id != key.id || seen[k].seq <= key.seq,
                          "exported a change_seq the database does not have");
    }
    PQclear(r);
    /* Every exported id is a campaign (a later merge may have retired it since). */
    for (size_t k = 0; k < nseen; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", seen[k].id);
        const char *p[] = {id, NULL};
        ck_assert_int_eq(sgwt_db_count(c, "SELECT count(*) FROM campaigns WHERE id = $1::int8", p),
                         1);
    }
    ck_assert_int_eq(count(c, "SELECT last_seq FROM export_watermarks WHERE name = 't'"),
                     count(c, "SELECT max(change_seq) FROM campaign_changes"));
    /* A run with nothing new writes an empty file and keeps the watermark. */
    ck_assert_int_eq(run_export(g_db.url, args, path, sizeof path, NULL), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    free(seen);
    rm_rf(dir);
    teardown(c);
}
END_TEST

/* An incremental run waits for the facts follower (schema 010) to reach the worker's
 * watermark, so no campaign is exported without its senders, indicators, samples and cities;
 * when the follower stays behind (no worker running) the run fails, writes nothing and keeps
 * the watermark. */
START_TEST(test_incremental_waits_for_facts)
{
    PGconn *c = setup("export_facts");
    char dir[512], err[512];
    struct sgw_export_summary sum;
    insert_reports(c, 0, 60, 0, 6);
    start_cluster(g_db.url);
    wait_caught_up(c);
    kill_cluster();
    make_dir(dir, sizeof dir, "facts");
    struct sgw_export_options o = {.database_url = g_db.url,
                                   .format = SGW_EXPORT_NDJSON,
                                   .out_dir = dir,
                                   .incremental = 1,
                                   .name = "facts",
                                   .now_us = 1700000000000000LL,
                                   .wait_ms = 300};
    exec_ok(c, "UPDATE cluster_facts_state SET facts_watermark = 0");
    memset(&sum, 0, sizeof sum);
    long long t0 = sgwt_now_ms();
    ck_assert_int_eq(sgw_export_run(&o, &sum, err, sizeof err), SGW_EXPORT_FAILED);
    ck_assert_msg(strstr(err, "facts follower") != NULL, "%s", err);
    ck_assert_int_ge(sgwt_now_ms() - t0, 300);
    ck_assert_int_eq(dir_entries(dir), 0);
    ck_assert_int_eq(count(c, "SELECT coalesce((SELECT last_seq FROM export_watermarks"
                              " WHERE name = 'facts'), 0)"),
                     0);

    exec_ok(c, "UPDATE cluster_facts_state SET facts_watermark ="
               " (SELECT watermark FROM cluster_state)");
    memset(&sum, 0, sizeof sum);
    ck_assert_msg(sgw_export_run(&o, &sum, err, sizeof err) == SGW_EXPORT_OK, "%s", err);
    ck_assert_int_eq(sum.rows,
                     count(c, "SELECT count(*) FROM campaigns WHERE merged_into IS NULL"));
    ck_assert_int_gt(sum.rows, 0);
    rm_rf(dir);
    teardown(c);
}
END_TEST

/* ---- bad input ---- */

static void
expect_usage(const char *url, const char *const *args, const char *dir)
{
    char *err = NULL;
    int st = run_export(url, args, NULL, 0, &err);
    ck_assert_msg(st == 2, "expected exit 2, got %d: %s", st, err);
    char *nl = strchr(err, '\n');
    ck_assert_msg(nl != NULL && nl[1] == '\0' && strncmp(err, "spamgw export: ", 15) == 0,
                  "expected one line, got: %s", err);
    if (dir)
        ck_assert_int_eq(dir_entries(dir), 0);
    free(err);
}

START_TEST(test_bad_input)
{
    PGconn *c = setup("export_bad");
    char dir[512], file[600], missing[600];
    make_dir(dir, sizeof dir, "bad");
    snprintf(file, sizeof file, "%s/plain-file", sgwt_tmpdir());
    snprintf(missing, sizeof missing, "%s/missing", dir);
    FILE *f = fopen(file, "w");
    ck_assert(f != NULL);
    fclose(f);

    const char *a1[] = {"--format", "csv", "--out", missing, NULL};
    expect_usage(g_db.url, a1, dir);
    const char *a2[] = {"--format", "csv", "--out", file, NULL};
    expect_usage(g_db.url, a2, dir);
    /* Unwritable: /proc/sys refuses new files even to root; a 0500 directory otherwise. */
    const char *a3[] = {"--format", "csv", "--out", "/proc/sys", NULL};
    expect_usage(g_db.url, a3, NULL);
    if (geteuid() != 0) {
        chmod(dir, 0500);
        const char *a3b[] = {"--format", "csv", "--out", dir, NULL};
        expect_usage(g_db.url, a3b, dir);
        chmod(dir, 0700);
    }
    const char *a4[] = {"--format", "csv", "--out", dir, "--since", "last tuesday", NULL};
    expect_usage(g_db.url, a4, dir);
    const char *a5[] = {"--format", "xml", "--out", dir, NULL};
    expect_usage(g_db.url, a5, dir);
    const char *a7[] = {"--format",      "ndjson", "--out", dir, "--since", "2026-01-01T00:00:00Z",
                        "--incremental", NULL};
    expect_usage(g_db.url, a7, dir);
    const char *a8[] = {"--out", dir, NULL};
    expect_usage(g_db.url, a8, dir);
    const char *a8b[] = {"--format", "blocklist", "--out", dir, "--incremental", NULL};
    expect_usage(g_db.url, a8b, dir);
    const char *a8c[] = {"--format", "csv", "--out", dir, "--status", "evil", NULL};
    expect_usage(g_db.url, a8c, dir);

    /* An unreachable database: exit 1, nothing left. */
    char badurl[1200];
    ck_assert_int_eq(sgwt_db_url_with_dbname(g_db.url, "spamgw_no_such_db", badurl, sizeof badurl),
                     0);
    const char *a9[] = {"--format", "ndjson", "--out", dir, "--incremental", NULL};
    char *err = NULL;
    ck_assert_int_eq(run_export(badurl, a9, NULL, 0, &err), 1);
    free(err);
    ck_assert_int_eq(dir_entries(dir), 0);

    /* A failure in mid-run, after the file was opened and the horizon read (the cursor's query
     * fails): exit 1, no file, the watermark where it was. */
    exec_ok(c, "ALTER TABLE campaign_changes RENAME TO campaign_changes_x");
    err = NULL;
    ck_assert_int_eq(run_export(g_db.url, a9, NULL, 0, &err), 1);
    ck_assert_msg(strstr(err, "watermark unchanged") != NULL, "%s", err);
    free(err);
    exec_ok(c, "ALTER TABLE campaign_changes_x RENAME TO campaign_changes");
    ck_assert_int_eq(dir_entries(dir), 0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM export_watermarks WHERE last_seq <> 0"), 0);
    unlink(file);
    rm_rf(dir);
    teardown(c);
}
END_TEST

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(kill_cluster);
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("incremental");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test_incremental_concurrent);
    tcase_add_test(tc, test_incremental_waits_for_facts);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad_input");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
