/* Integration suite for the cluster worker (gateway/cluster/), against real PostgreSQL and real
 * spamgw processes.
 *
 * crash_equality: four client threads post a stream built from the UCI SMS Spam Collection
 * ($SPAMGW_SHARED) with spammer-style mutations (suffixes, zero-width spaces, case, digits,
 * rotating senders and cities) through the HTTP API, while a separate `spamgw cluster` follows
 * with tiny chunks and is SIGKILLed and restarted three times mid-stream. The reports are then
 * copied as they are into a second database, where one uninterrupted `spamgw cluster` run with
 * the default chunk size assigns them. Every table the worker writes must be EQUAL.
 *
 * standby: two `spamgw cluster` processes on one database: exactly one holds the lock and
 * assigns; SIGKILL it and the other takes over within seconds and assigns what follows.
 *
 * facts_fence: two facts followers from the same watermark (two workers that both believed
 * they held the lock): the second writes nothing and reports the conflict.
 *
 * read_back: GET /v1/reports/{id} and /v1/campaigns/{id}: 200 with campaign and city, a
 * merged campaign id answers with its survivor, 404, 400 and 403. */
#include <check.h>
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

#include "db/db.h"
#include "gateway/cluster/facts_follow.h"
#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/http.h"
#include "tests/support/keys.h"
#include "tests/support/server.h"
#include "tests/support/sgwt_check.h"
#include "tests/support/suite.h"

#define NTHREADS 4
#define NTEMPLATES 60
#define NHAM 300

/* ---- cluster processes ---- */

struct proc {
    pid_t pid;
    char log[256];
};

static pid_t g_children[16];
static char g_logs[32][256]; /* every cluster log of this test, removed when it passes */
static size_t g_nlogs;

static void
remove_logs(void)
{
    for (size_t i = 0; i < g_nlogs; i++)
        unlink(g_logs[i]);
    g_nlogs = 0;
}

static void
kill_children(void)
{
    for (size_t i = 0; i < sizeof g_children / sizeof g_children[0]; i++) {
        if (g_children[i] > 0) {
            kill(g_children[i], SIGKILL);
            waitpid(g_children[i], NULL, 0);
            g_children[i] = 0;
        }
    }
}

static int
spawn_cluster(struct proc *p, const char *tag, const char *url, const char *chunk)
{
    static int n;
    snprintf(p->log, sizeof p->log, "%s/sgwt-cluster-%s-%d-%d.log", sgwt_tmpdir(), tag,
             (int)getpid(), n++);
    if (g_nlogs < sizeof g_logs / sizeof g_logs[0])
        snprintf(g_logs[g_nlogs++], sizeof g_logs[0], "%s", p->log);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        const char *bin = sgwt_bin();
        execl(bin, bin, "cluster", "--database-url", url, "--cluster-chunk", chunk, "--log-level",
              "debug", (char *)NULL);
        _exit(127);
    }
    p->pid = pid;
    for (size_t i = 0; i < sizeof g_children / sizeof g_children[0]; i++) {
        if (g_children[i] == 0) {
            g_children[i] = pid;
            break;
        }
    }
    return 0;
}

static void
forget_child(pid_t pid)
{
    for (size_t i = 0; i < sizeof g_children / sizeof g_children[0]; i++)
        if (g_children[i] == pid)
            g_children[i] = 0;
}

static void
kill9(struct proc *p)
{
    if (p->pid <= 0)
        return;
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    forget_child(p->pid);
    p->pid = 0;
}

/* SIGTERM and wait up to 10 s; returns the exit code (-1 when it had to be killed). */
static int
term(struct proc *p)
{
    int st = 0;
    if (p->pid <= 0)
        return 0;
    kill(p->pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            forget_child(p->pid);
            p->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        sgwt_sleep_ms(10);
    }
    kill9(p);
    return -1;
}

static int
log_has(const struct proc *p, const char *needle)
{
    FILE *f = fopen(p->log, "rb");
    char line[2048];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void
print_log(const struct proc *p)
{
    sgwt_print_file_tail(p->log, p->log, 30);
}

/* ---- database helpers ---- */

static long long
scalar_ll(const char *url, const char *sql)
{
    PGconn *c = sgwt_db_connect(url);
    if (!c)
        return -1;
    long long v = sgwt_db_count(c, sql, NULL);
    PQfinish(c);
    return v;
}

/* Waits until the worker's watermark covers every report; 0 or -1 at the deadline. */
static int
wait_caught_up(const char *url, int timeout_ms)
{
    long long t0 = sgwt_now_ms();
    while (sgwt_now_ms() - t0 < timeout_ms) {
        long long n = scalar_ll(url, SGWT_CLUSTER_CAUGHT_UP_SQL);
        if (n == 1)
            return 0;
        sgwt_sleep_ms(100);
    }
    return -1;
}

/* Copies the reports table of src into dst as it is (binary COPY) and sets dst's sequence. */
static int
copy_reports(const char *src_url, const char *dst_url)
{
    PGconn *s = sgwt_db_connect(src_url), *d = sgwt_db_connect(dst_url);
    PGresult *r1 = NULL, *r2 = NULL;
    int rc = -1;
    char *buf;
    int n;

    if (!s || !d)
        goto done;
    r1 = PQexec(s, "COPY reports TO STDOUT (FORMAT binary)");
    r2 = PQexec(d, "COPY reports FROM STDIN (FORMAT binary)");
    if (PQresultStatus(r1) != PGRES_COPY_OUT || PQresultStatus(r2) != PGRES_COPY_IN)
        goto done;
    while ((n = PQgetCopyData(s, &buf, 0)) > 0) {
        PQputCopyData(d, buf, n);
        PQfreemem(buf);
    }
    PQputCopyEnd(d, NULL);
    PQclear(r1);
    PQclear(r2);
    r1 = PQgetResult(s);
    r2 = PQgetResult(d);
    if (PQresultStatus(r1) != PGRES_COMMAND_OK || PQresultStatus(r2) != PGRES_COMMAND_OK)
        goto done;
    PQclear(r2);
    r2 = PQexec(d, "SELECT setval('reports_id_seq', (SELECT max(id) FROM reports))");
    rc = PQresultStatus(r2) == PGRES_TUPLES_OK ? 0 : -1;
done:
    if (rc != 0)
        sgwt_set_err("copy failed: %s %s", s ? PQerrorMessage(s) : "", d ? PQerrorMessage(d) : "");
    PQclear(r1);
    PQclear(r2);
    if (s)
        PQfinish(s);
    if (d)
        PQfinish(d);
    return rc;
}

/* count and md5 of every row's text, in a stable order. */
static char *
table_digest(const char *url, const char *table)
{
    char sql[512];
    char *out = NULL;
    snprintf(sql, sizeof sql,
             "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY"
             " t::text)), '-') FROM %s t",
             table);
    PGconn *c = sgwt_db_connect(url);
    if (c) {
        if (sgwt_db_scalar(c, sql, NULL, &out) != 1)
            out = NULL;
        PQfinish(c);
    }
    return out;
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* On a mismatch: the rows of table that only one side has (at most 8 each), to stderr. */
static void
print_row_diff(const char *url_a, const char *url_b, const char *table)
{
    char sql[256];
    PGresult *res[2] = {NULL, NULL};
    const char *urls[2] = {url_a, url_b};
    snprintf(sql, sizeof sql, "SELECT t::text FROM %s t ORDER BY 1", table);
    for (int i = 0; i < 2; i++) {
        PGconn *c = sgwt_db_connect(urls[i]);
        if (c == NULL)
            goto done;
        res[i] = PQexec(c, sql);
        PQfinish(c);
        if (PQresultStatus(res[i]) != PGRES_TUPLES_OK)
            goto done;
    }
    for (int side = 0; side < 2; side++) {
        PGresult *mine = res[side], *other = res[1 - side];
        int no = PQntuples(other), shown = 0;
        const char **keys = malloc(sizeof *keys * (size_t)(no ? no : 1));
        for (int j = 0; j < no; j++)
            keys[j] = PQgetvalue(other, j, 0);
        qsort(keys, (size_t)no, sizeof *keys, cmp_str);
        for (int j = 0; j < PQntuples(mine) && shown < 8; j++) {
            const char *row = PQgetvalue(mine, j, 0);
            if (bsearch(&row, keys, (size_t)no, sizeof *keys, cmp_str) == NULL) {
                fprintf(stderr, "itest_cluster: %s only in the %s run: %s\n", table,
                        side == 0 ? "crashed" : "uninterrupted", row);
                shown++;
            }
        }
        free(keys);
    }
done:
    PQclear(res[0]);
    PQclear(res[1]);
}

/* ---- the stream ---- */

struct item {
    char *body;
};

static struct item *g_items;
static size_t g_nitems;
static atomic_size_t g_posted;
static atomic_int g_post_errors;
static int g_port;
static char g_reporter_key[256], g_analyst_key[256];

static unsigned
rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFFFF;
}

static char *
mutate(const char *text, unsigned *seed)
{
    size_t n = strlen(text);
    char *out = malloc(n * 4 + 64);
    size_t o = 0;
    unsigned mode = rnd(seed);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((mode & 1) && c == ' ' && rnd(seed) % 7 == 0) {
            memcpy(out + o, "\xE2\x80\x8B", 3); /* zero-width space */
            o += 3;
        }
        if ((mode & 2) && c >= 'a' && c <= 'z' && rnd(seed) % 5 == 0)
            c = (unsigned char)(c - 32);
        if ((mode & 4) && c >= '0' && c <= '9')
            c = (unsigned char)('0' + rnd(seed) % 10);
        out[o++] = (char)c;
    }
    if (mode & 8) {
        o += (size_t)sprintf(out + o, " ref %c%c%c%u", 'a' + rnd(seed) % 26, 'a' + rnd(seed) % 26,
                             'a' + rnd(seed) % 26, rnd(seed) % 1000);
    }
    out[o] = '\0';
    return out;
}

static void
add_item(const char *content, const char *sender, unsigned *seed)
{
    static const char *const cities[][2] = {
        {"New York", "US"},    {"NYC", "US"},        {"new york, ny", "US"},
        {"Los Angeles", "US"}, {"Chicago", "US"},    {"深圳", "CN"},
        {"Shenzhen", "CN"},    {"California", "US"}, {NULL, "US"},
    };
    char reporter[32];
    unsigned c = rnd(seed) % (sizeof cities / sizeof cities[0]);
    snprintf(reporter, sizeof reporter, "+1646555%04u", rnd(seed) % 3000);
    json_t *o = json_pack("{s:s, s:s, s:s}", "content", content, "country", cities[c][1],
                          "reporter", reporter);
    if (sender)
        json_object_set_new(o, "sender", json_string(sender));
    if (cities[c][0])
        json_object_set_new(o, "city", json_string(cities[c][0]));
    g_items[g_nitems++].body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
}

static int
build_stream(void)
{
    char path[1024], line[8192];
    const char *shared = sgwt_env_required("SPAMGW_SHARED");
    snprintf(path, sizeof path, "%s/data/SMSSpamCollection", shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(path, sizeof path, "%s/SMSSpamCollection", shared);
        f = fopen(path, "r");
    }
    if (!f) {
        sgwt_set_err("cannot open SMSSpamCollection under %s", shared);
        return -1;
    }
    char *spam[NTEMPLATES], *ham[NHAM];
    size_t ns = 0, nh = 0;
    while (fgets(line, sizeof line, f) && (ns < NTEMPLATES || nh < NHAM)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "spam\t", 5) == 0 && ns < NTEMPLATES && strlen(line + 5) > 60)
            spam[ns++] = strdup(line + 5);
        else if (strncmp(line, "ham\t", 4) == 0 && nh < NHAM && strlen(line + 4) > 20)
            ham[nh++] = strdup(line + 4);
    }
    fclose(f);
    unsigned seed = 7726;
    g_items = calloc(NTEMPLATES * 40 + NHAM + 16, sizeof *g_items);
    for (size_t t = 0; t < ns; t++) {
        size_t copies = 10 + (t * 7) % 25;
        for (size_t k = 0; k < copies; k++) {
            char sender[48];
            char *m0 = mutate(spam[t], &seed), *m = m0;
            /* Half the copies carry the campaign's link; the last copy of every fifth template
             * also carries the next template's link: a bridge that merges two campaigns. */
            char withurl[1024];
            if (k % 2 == 0 || (t % 5 == 0 && k == copies - 1)) {
                int nb =
                    snprintf(withurl, sizeof withurl, "%s visit hxxp://camp%zu.top/offer", m0, t);
                if (t % 5 == 0 && k == copies - 1 && nb > 0 && (size_t)nb < sizeof withurl)
                    snprintf(withurl + nb, sizeof withurl - (size_t)nb, " or camp%zu.top", t + 1);
                m = withurl;
            }
            if (k % 10 == 9)
                snprintf(sender, sizeof sender, "PROMO%zu", t % 5);
            else
                snprintf(sender, sizeof sender, "+1 (212) 555-%04zu", (t * 7 + k % 6) % 10000);
            add_item(m, sender, &seed);
            free(m0);
        }
    }
    for (size_t h = 0; h < nh; h++) {
        char sender[48];
        snprintf(sender, sizeof sender, "+1 (917) 555-%04zu", h);
        add_item(ham[h], sender, &seed);
    }
    /* Shuffle (deterministic) so templates interleave like real traffic. */
    for (size_t i = g_nitems - 1; i > 0; i--) {
        size_t j = rnd(&seed) % (i + 1);
        struct item tmp = g_items[i];
        g_items[i] = g_items[j];
        g_items[j] = tmp;
    }
    for (size_t i = 0; i < ns; i++)
        free(spam[i]);
    for (size_t i = 0; i < nh; i++)
        free(ham[i]);
    return 0;
}

static void *
poster(void *arg)
{
    size_t idx = (size_t)(uintptr_t)arg;
    struct sgwt_conn *conn = sgwt_conn_new(g_port);
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_reporter_key);
    const char *h[] = {auth, "Content-Type: application/json", NULL};
    for (size_t i = idx; i < g_nitems; i += NTHREADS) {
        int ok = 0;
        for (int attempt = 0; attempt < 20 && !ok; attempt++) {
            struct sgwt_response r;
            int rc = sgwt_conn_request(conn, "POST", "/v1/reports", h, g_items[i].body,
                                       strlen(g_items[i].body), &r);
            ok = rc == SGWT_HTTP_OK && r.status == 202;
            if (rc == SGWT_HTTP_OK)
                sgwt_response_fini(&r);
            if (!ok)
                sgwt_sleep_ms(50);
        }
        if (!ok)
            atomic_fetch_add(&g_post_errors, 1);
        atomic_fetch_add(&g_posted, 1);
    }
    sgwt_conn_free(conn);
    return NULL;
}

static const char *const tables[] = {
    "report_assignments",
    "campaigns",
    "campaign_merges",
    "campaign_cities",
    "sender_clusters",
    "sender_cluster_merges",
    "senders",
    "cities",
    "rollup_members",
    "campaign_indicators",
    "lsh_reps",
    "cluster_state",
    "cluster_facts_state",
    "campaign_hours",
    "campaign_facets",
    "campaign_samples",
    "city_campaign_counts",
    "sender_cluster_cities",
    "report_minutes",
    "entity_totals",
    "campaign_status_counts",
};

START_TEST(test_crash_equality)
{
    struct sgwt_db a, b;
    struct sgwt_server srv;
    struct proc p = {0};
    const char *extra[] = {"--cluster", "off", NULL};

    memset(&srv, 0, sizeof srv);
    ck_assert_msg(build_stream() == 0, "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_db_fresh(&a, "cluster_a") == 0, "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_db_fresh(&b, "cluster_b") == 0, "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(a.url, "reporter", "cl-reporter", g_reporter_key,
                                  sizeof g_reporter_key) == 0,
                  "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_server_start(&srv, "cluster-a", a.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    g_port = srv.port;

    /* The worker follows with tiny chunks, so kills land inside chunks. */
    ck_assert_int_eq(spawn_cluster(&p, "a", a.url, "37"), 0);
    pthread_t th[NTHREADS];
    for (size_t i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, poster, (void *)(uintptr_t)i);
    const double cuts[] = {0.2, 0.45, 0.7};
    int kills = 0;
    for (size_t c = 0; c < 3; c++) {
        while (atomic_load(&g_posted) < (size_t)(cuts[c] * (double)g_nitems))
            sgwt_sleep_ms(5);
        /* Let it get going on the new process first (a kill before it loads is no test). */
        long long t0 = sgwt_now_ms();
        while (!log_has(&p, "event=cluster_chunk") && sgwt_now_ms() - t0 < 5000)
            sgwt_sleep_ms(5);
        sgwt_sleep_ms(30 + 20 * (long)c);
        kill9(&p);
        kills++;
        ck_assert_int_eq(spawn_cluster(&p, "a", a.url, "37"), 0);
    }
    for (size_t i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(atomic_load(&g_post_errors), 0);
    if (wait_caught_up(a.url, 60000) != 0) {
        print_log(&p);
        ck_abort_msg("the restarted worker did not catch up");
    }
    ck_assert_int_eq(term(&p), 0);
    ck_assert_int_eq(kills, 3);

    /* The same reports, one uninterrupted run with the default chunk size. */
    ck_assert_msg(copy_reports(a.url, b.url) == 0, "%s", sgwt_errmsg());
    struct proc q = {0};
    ck_assert_int_eq(spawn_cluster(&q, "b", b.url, "5000"), 0);
    if (wait_caught_up(b.url, 60000) != 0) {
        print_log(&q);
        ck_abort_msg("the uninterrupted worker did not catch up");
    }
    ck_assert_int_eq(term(&q), 0);

    long long nreports = scalar_ll(a.url, "SELECT count(*) FROM reports");
    long long ncampaigns =
        scalar_ll(a.url, "SELECT count(*) FROM campaigns WHERE merged_into IS NULL");
    long long nmerges = scalar_ll(a.url, "SELECT count(*) FROM campaign_merges");
    fprintf(stderr, "itest_cluster: %lld reports, %lld campaigns, %lld merges, %d kills\n",
            nreports, ncampaigns, nmerges, kills);
    ck_assert_int_eq(nreports, (long long)g_nitems);
    ck_assert(ncampaigns < nreports / 2); /* the templates did cluster */
    ck_assert(ncampaigns > NTEMPLATES / 2);
    ck_assert(nmerges > 0); /* the bridges merged campaigns: the hard part was exercised */
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        char *da = table_digest(a.url, tables[t]), *db = table_digest(b.url, tables[t]);
        ck_assert_msg(da && db, "digest of %s failed: %s", tables[t], sgwt_errmsg());
        if (strcmp(da, db) != 0)
            print_row_diff(a.url, b.url, tables[t]);
        ck_assert_msg(strcmp(da, db) == 0, "table %s differs: crashed run %s, uninterrupted %s",
                      tables[t], da, db);
        free(da);
        free(db);
    }
    /* Roll-ups agree with the assignments they summarise. */
    ck_assert_int_eq(scalar_ll(a.url, "SELECT sum(reports) FROM campaigns"), nreports);
    ck_assert_int_eq(scalar_ll(a.url, "SELECT count(*) FROM (SELECT coalesce(c.merged_into, c.id)"
                                      " AS k, count(*) AS n FROM report_assignments r JOIN"
                                      " campaigns c ON c.id = r.campaign_id GROUP BY 1) x JOIN"
                                      " campaigns s ON s.id = x.k WHERE s.reports <> x.n"),
                     0);
    ck_assert_int_eq(scalar_ll(a.url, "SELECT count(*) FROM cities WHERE key = 'US/NY/new-york'"),
                     1);
    /* The read API's roll-ups (schema/005) agree with the assignments too: every report in
     * one hour bucket and one channel facet of its live campaign, one sample row per live
     * campaign. */
    ck_assert_int_eq(scalar_ll(a.url, "SELECT sum(reports) FROM campaign_hours"), nreports);
    ck_assert_int_eq(scalar_ll(a.url, "SELECT sum(reports) FROM campaign_facets WHERE kind = 4"),
                     nreports);
    ck_assert_int_eq(scalar_ll(a.url, "SELECT count(*) FROM campaign_hours h JOIN campaigns c"
                                      " ON c.id = h.campaign_id WHERE c.merged_into IS NOT NULL"),
                     0);
    ck_assert_int_eq(scalar_ll(a.url, "SELECT count(*) FROM campaign_samples"), ncampaigns);
    ck_assert_int_eq(scalar_ll(a.url, "SELECT count(*) FROM (SELECT coalesce(c.merged_into, c.id)"
                                      " AS k, max(r.report_id) AS l FROM report_assignments r"
                                      " JOIN campaigns c ON c.id = r.campaign_id GROUP BY 1) x"
                                      " JOIN campaign_samples s ON s.campaign_id = x.k"
                                      " WHERE s.last_report <> x.l"),
                     0);
    /* schema/006's roll-ups agree with what they summarise, merges included. */
    static const char *const agree[] = {
        "SELECT count(*) FROM senders s FULL JOIN (SELECT sender, count(*) AS n,"
        " min(ingested_at) AS f, max(ingested_at) AS l FROM reports WHERE sender_kind <> 'unknown'"
        " AND sender <> '' GROUP BY 1) x USING (sender) WHERE s.reports IS DISTINCT FROM x.n"
        " OR s.first_seen IS DISTINCT FROM x.f OR s.last_seen IS DISTINCT FROM x.l",
        "SELECT count(*) FROM (SELECT coalesce(c.merged_into, c.id) AS id, sum(s.reports) AS n"
        " FROM senders s JOIN sender_clusters c ON c.id = s.cluster_id GROUP BY 1) x"
        " FULL JOIN (SELECT id, reports FROM sender_clusters WHERE merged_into IS NULL) y"
        " USING (id) WHERE x.n IS DISTINCT FROM y.reports",
        "SELECT count(*) FROM sender_cluster_cities s FULL JOIN (SELECT coalesce(c.merged_into,"
        " c.id) AS cluster_id, a.city_key, count(*) AS n FROM report_assignments a"
        " JOIN sender_clusters c ON c.id = a.sender_cluster_id WHERE a.city_key IS NOT NULL"
        " GROUP BY 1, 2) x USING (cluster_id, city_key) WHERE s.reports IS DISTINCT FROM x.n",
        "SELECT count(*) FROM city_campaign_counts c FULL JOIN (SELECT city_key, count(*) AS n"
        " FROM campaign_cities GROUP BY 1) x USING (city_key)"
        " WHERE coalesce(c.campaigns, 0) <> coalesce(x.n, 0)",
        "SELECT count(*) FROM report_minutes m FULL JOIN (SELECT floor(date_part('epoch',"
        " r.ingested_at) / 60)::bigint AS minute, count(*) AS n FROM report_assignments a"
        " JOIN reports r ON r.id = a.report_id GROUP BY 1) x USING (minute)"
        " WHERE m.reports IS DISTINCT FROM x.n",
        "SELECT count(*) FROM campaign_status_counts s FULL JOIN (SELECT status, count(*) AS n"
        " FROM campaigns WHERE merged_into IS NULL GROUP BY 1) x USING (status)"
        " WHERE coalesce(s.campaigns, 0) <> coalesce(x.n, 0)",
        "SELECT count(*) FROM entity_totals WHERE reports <> (SELECT count(*) FROM"
        " report_assignments) OR sender_clusters <> (SELECT count(*) FROM sender_clusters"
        " WHERE merged_into IS NULL) OR senders <> (SELECT count(*) FROM senders)"
        " OR cities <> (SELECT count(*) FROM cities)",
    };
    for (size_t q = 0; q < sizeof agree / sizeof agree[0]; q++)
        ck_assert_msg(scalar_ll(a.url, agree[q]) == 0, "roll-up disagrees: %s", agree[q]);
    ck_assert(scalar_ll(a.url, "SELECT count(*) FROM sender_cluster_merges") > 0);

    /* Reading back through the API (the shared gateway still runs on database a). */
    ck_assert_msg(
        sgwt_key_create(a.url, "analyst", "cl-analyst", g_analyst_key, sizeof g_analyst_key) == 0,
        "%s", sgwt_errmsg());
    char auth[300], path[64];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_analyst_key);
    const char *h[] = {auth, NULL};
    struct sgwt_response r;
    long long merged = scalar_ll(a.url, "SELECT coalesce(min(old_id), 0) FROM campaign_merges");
    long long rid = scalar_ll(a.url, "SELECT min(id) FROM reports");
    snprintf(path, sizeof path, "/v1/reports/%lld", rid);
    SGWT_ASSERT_HTTP(sgwt_http_request(srv.port, "GET", path, h, NULL, 0, &r), &r, 200, &srv);
    json_t *j = sgwt_response_json(&r);
    ck_assert(j && json_integer_value(json_object_get(j, "campaign_id")) > 0);
    ck_assert(json_object_get(j, "reporter") == NULL);
    json_decref(j);
    sgwt_response_fini(&r);
    if (merged > 0) {
        snprintf(path, sizeof path, "/v1/campaigns/%lld", merged);
        SGWT_ASSERT_HTTP(sgwt_http_request(srv.port, "GET", path, h, NULL, 0, &r), &r, 200, &srv);
        j = sgwt_response_json(&r);
        ck_assert(j != NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "merged_from")), merged);
        ck_assert_int_lt(json_integer_value(json_object_get(j, "id")), merged);
        ck_assert(json_is_array(json_object_get(j, "cities")));
        ck_assert(json_is_array(json_object_get(j, "senders")));
        ck_assert(json_is_array(json_object_get(j, "indicators")));
        json_decref(j);
        sgwt_response_fini(&r);
    }
    SGWT_ASSERT_HTTP(sgwt_http_request(srv.port, "GET", "/v1/campaigns/999999999", h, NULL, 0, &r),
                     &r, 404, &srv);
    sgwt_assert_error_body(&r, "not_found", "id");
    sgwt_response_fini(&r);
    SGWT_ASSERT_HTTP(sgwt_http_request(srv.port, "GET", "/v1/reports/12x", h, NULL, 0, &r), &r, 400,
                     &srv);
    sgwt_assert_error_body(&r, "invalid_field", "id");
    sgwt_response_fini(&r);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_reporter_key);
    SGWT_ASSERT_HTTP(sgwt_http_request(srv.port, "GET", "/v1/reports/1", h, NULL, 0, &r), &r, 403,
                     &srv);
    sgwt_response_fini(&r);

    ck_assert_int_eq(sgwt_server_stop(&srv, NULL), 0);
    sgwt_server_remove_log(&srv);
    sgwt_db_drop(&a);
    sgwt_db_drop(&b);
    remove_logs();
}
END_TEST

static long long
lock_holders(const char *url)
{
    return scalar_ll(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                          " AND objid = 727602 AND granted AND database ="
                          " (SELECT oid FROM pg_database WHERE datname = current_database())");
}

static void
post_n(int port, const char *key, int n, const char *tag)
{
    char auth[300], body[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *h[] = {auth, "Content-Type: application/json", NULL};
    for (int i = 0; i < n; i++) {
        struct sgwt_response r;
        /* Two unrelated templates: one campaign per tag. */
        if (strcmp(tag, "alpha") == 0)
            snprintf(body, sizeof body,
                     "{\"content\":\"Your parcel %d is held at the depot, pay the fee at"
                     " hxxp://alpha.top/p\",\"sender\":\"+12125550%03d\",\"city\":\"NYC\"}",
                     i, i);
        else
            snprintf(body, sizeof body,
                     "{\"content\":\"Congratulations, loan %d approved! Reply YES to claim"
                     " your cash today at beta-loans.xyz\",\"sender\":\"+13105550%03d\"}",
                     i, i);
        SGWT_ASSERT_HTTP(sgwt_http_post_json(port, "/v1/reports", key, body, NULL, &r), &r, 202,
                         NULL);
        sgwt_response_fini(&r);
    }
    (void)h;
}

START_TEST(test_standby_takeover)
{
    struct sgwt_db c;
    struct sgwt_server srv;
    struct proc p1 = {0}, p2 = {0};
    const char *extra[] = {"--cluster", "off", NULL};
    char key[256];

    memset(&srv, 0, sizeof srv);
    ck_assert_msg(sgwt_db_fresh(&c, "cluster_standby") == 0, "%s", sgwt_errmsg());
    ck_assert_msg(sgwt_key_create(c.url, "reporter", "sb-reporter", key, sizeof key) == 0, "%s",
                  sgwt_errmsg());
    ck_assert_msg(sgwt_server_start(&srv, "cluster-sb", c.url, NULL, extra) == 0, "%s",
                  sgwt_errmsg());
    ck_assert_int_eq(spawn_cluster(&p1, "sb1", c.url, "5000"), 0);
    ck_assert_int_eq(spawn_cluster(&p2, "sb2", c.url, "5000"), 0);

    long long t0 = sgwt_now_ms();
    struct proc *active = NULL, *standby = NULL;
    while (sgwt_now_ms() - t0 < 10000 && active == NULL) {
        int a1 = log_has(&p1, "event=cluster_lock_acquired");
        int a2 = log_has(&p2, "event=cluster_lock_acquired");
        ck_assert_msg(!(a1 && a2), "both workers took the lock");
        if (a1 && log_has(&p2, "event=cluster_standby"))
            active = &p1, standby = &p2;
        else if (a2 && log_has(&p1, "event=cluster_standby"))
            active = &p2, standby = &p1;
        else
            sgwt_sleep_ms(20);
    }
    if (active == NULL) {
        print_log(&p1);
        print_log(&p2);
        ck_abort_msg("no worker became active with the other on standby");
    }
    ck_assert_int_eq(lock_holders(c.url), 1);

    post_n(srv.port, key, 30, "alpha");
    ck_assert_msg(wait_caught_up(c.url, 10000) == 0, "the active worker did not assign");
    ck_assert(!log_has(standby, "event=cluster_lock_acquired"));

    kill9(active);
    t0 = sgwt_now_ms();
    while (!log_has(standby, "event=cluster_lock_acquired") && sgwt_now_ms() - t0 < 10000)
        sgwt_sleep_ms(20);
    long long took = sgwt_now_ms() - t0;
    fprintf(stderr, "itest_cluster: standby took over in %lld ms\n", took);
    ck_assert_msg(log_has(standby, "event=cluster_lock_acquired"), "the standby never took over");
    ck_assert_msg(took < 5000, "takeover took %lld ms", took);
    ck_assert_int_eq(lock_holders(c.url), 1);

    post_n(srv.port, key, 30, "beta");
    ck_assert_msg(wait_caught_up(c.url, 10000) == 0, "the new worker did not assign");
    ck_assert_int_eq(scalar_ll(c.url, "SELECT count(*) FROM report_assignments"), 60);
    ck_assert_int_eq(scalar_ll(c.url, "SELECT count(*) FROM campaigns WHERE merged_into IS NULL"),
                     2);
    ck_assert_int_eq(term(standby), 0);
    ck_assert_int_eq(sgwt_server_stop(&srv, NULL), 0);
    sgwt_server_remove_log(&srv);
    sgwt_db_drop(&c);
    remove_logs();
}
END_TEST

START_TEST(test_facts_fence)
{
    struct sgwt_db c;
    char err[256];
    size_t n = 99;
    int64_t w1 = 0, w2 = 0;

    ck_assert_msg(sgwt_db_fresh(&c, "cluster_fence") == 0, "%s", sgwt_errmsg());
    struct sgw_db_conn *d1 = sgw_db_connect(c.url, 10000, err, sizeof err);
    ck_assert_msg(d1 != NULL, "%s", err);
    struct sgw_db_conn *d2 = sgw_db_connect(c.url, 10000, err, sizeof err);
    ck_assert_msg(d2 != NULL, "%s", err);
    ck_assert_int_eq(sgw_facts_follow_chunk(d1, &w1, 10, 100, NULL, &n, err, sizeof err), SGW_OK);
    ck_assert_int_eq(w1, 10);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(sgw_facts_follow_chunk(d2, &w2, 10, 100, NULL, &n, err, sizeof err),
                     SGW_CONFLICT);
    ck_assert_int_eq(w2, 0);
    ck_assert_int_eq(scalar_ll(c.url, "SELECT facts_watermark FROM cluster_facts_state"), 10);
    /* The loser's connection is usable again (its transaction rolled back). */
    w2 = 10;
    ck_assert_int_eq(sgw_facts_follow_chunk(d2, &w2, 12, 100, NULL, &n, err, sizeof err), SGW_OK);
    ck_assert_int_eq(scalar_ll(c.url, "SELECT facts_watermark FROM cluster_facts_state"), 12);
    sgw_db_close(d1);
    sgw_db_close(d2);
    sgwt_db_drop(&c);
}
END_TEST

int
main(void)
{
    sgwt_require_env();
    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(kill_children);
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("crash_equality");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_crash_equality);
    suite_add_tcase(s, tc);
    tc = tcase_create("standby");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_standby_takeover);
    suite_add_tcase(s, tc);
    tc = tcase_create("facts_fence");
    tcase_add_test(tc, test_facts_fence);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
