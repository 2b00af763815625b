/* Test-side database access: parameters, never quoting, except the one place SQL cannot take a
 * parameter (CREATE/DROP DATABASE), where the name goes through PQescapeIdentifier. */
#include "tests/support/db.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/common/mem.h"
#include "tests/support/common.h"
#include "tests/support/proc.h"

#define MAX_TRACKED 16

static struct {
    struct sgwt_db db;
    pid_t owner;
    int used;
} tracked[MAX_TRACKED];
static int atexit_done;

PGconn *
sgwt_db_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        sgwt_set_err("connect to %s: %s", url, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    return c;
}

PGresult *
sgwt_db_query(PGconn *c, const char *sql, const char *const *params)
{
    int n = 0;
    while (params && params[n])
        n++;
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK: return r;
    default:
        sgwt_set_err("query failed: %s\n  SQL: %s", PQresultErrorMessage(r), sql);
        PQclear(r);
        return NULL;
    }
}

int
sgwt_db_scalar(PGconn *c, const char *sql, const char *const *params, char **out)
{
    *out = NULL;
    PGresult *r = sgwt_db_query(c, sql, params);
    if (!r)
        return -1;
    int found = 0;
    if (PQntuples(r) > 0 && PQnfields(r) > 0) {
        found = 1;
        if (!PQgetisnull(r, 0, 0))
            *out = sgw_xstrdup(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return found;
}

long long
sgwt_db_count(PGconn *c, const char *sql, const char *const *params)
{
    char *v = NULL;
    int found = sgwt_db_scalar(c, sql, params, &v);
    if (found != 1 || !v) {
        if (found >= 0)
            sgwt_set_err("no value from: %s", sql);
        free(v);
        return -1;
    }
    long long n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

const char *
sgwt_db_get(const PGresult *r, int row, const char *col)
{
    int f = PQfnumber(r, col);
    if (f < 0) {
        fprintf(stderr, "sgwt_db_get: no column %s in result\n", col);
        abort();
    }
    if (row >= PQntuples(r) || PQgetisnull(r, row, f))
        return NULL;
    return PQgetvalue(r, row, f);
}

/* ---- URLs ---- */

static void
pct(char **o, const char *end, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s && *o + 4 < end; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            *(*o)++ = (char)ch;
        } else {
            *(*o)++ = '%';
            *(*o)++ = hex[ch >> 4];
            *(*o)++ = hex[ch & 15];
        }
    }
    **o = '\0';
}

static void
lit(char **o, const char *end, const char *s)
{
    while (*s && *o + 1 < end)
        *(*o)++ = *s++;
    **o = '\0';
}

int
sgwt_db_url_with_dbname(const char *url, const char *dbname, char *out, size_t outsz)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &errmsg);
    if (!opts) {
        sgwt_set_err("cannot parse database URL %s: %s", url, errmsg ? errmsg : "?");
        PQfreemem(errmsg);
        return -1;
    }
    const char *user = NULL, *password = NULL, *host = NULL, *port = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp(o->keyword, "user") == 0)
            user = o->val;
        else if (strcmp(o->keyword, "password") == 0)
            password = o->val;
        else if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
    }
    /* A plain host (name or IPv4) goes in the authority; a socket directory, a host list or
     * an IPv6 address goes into the query string, which libpq also accepts. */
    int host_in_authority = host && !strpbrk(host, "/,:");
    char *o = out, *end = out + outsz;
    lit(&o, end, "postgresql://");
    if (user) {
        pct(&o, end, user);
        if (password) {
            lit(&o, end, ":");
            pct(&o, end, password);
        }
        lit(&o, end, "@");
    }
    if (host_in_authority) {
        pct(&o, end, host);
        if (port && !strchr(port, ',')) {
            lit(&o, end, ":");
            pct(&o, end, port);
        }
    }
    lit(&o, end, "/");
    pct(&o, end, dbname);
    char sep = '?';
    for (PQconninfoOption *p = opts; p->keyword; p++) {
        if (!p->val || !*p->val)
            continue;
        const char *k = p->keyword;
        if (strcmp(k, "user") == 0 || strcmp(k, "password") == 0 || strcmp(k, "dbname") == 0)
            continue;
        if (host_in_authority &&
            (strcmp(k, "host") == 0 || (strcmp(k, "port") == 0 && !strchr(p->val, ','))))
            continue;
        char s[2] = {sep, 0};
        lit(&o, end, s);
        sep = '&';
        pct(&o, end, k);
        lit(&o, end, "=");
        pct(&o, end, p->val);
    }
    PQconninfoFree(opts);
    if (o + 5 >= end) {
        sgwt_set_err("database URL too long");
        return -1;
    }
    return 0;
}

/* ---- fresh databases ---- */

static void
drop_tracked(void)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i].used && tracked[i].owner == getpid())
            sgwt_db_drop(&tracked[i].db);
}

static void
track(const struct sgwt_db *db)
{
    if (!atexit_done) {
        atexit(drop_tracked);
        atexit_done = 1;
    }
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (!tracked[i].used || tracked[i].owner != getpid()) {
            tracked[i].db = *db;
            tracked[i].owner = getpid();
            tracked[i].used = 1;
            return;
        }
    }
}

static void
untrack(const struct sgwt_db *db)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i].used && tracked[i].owner == getpid() &&
            strcmp(tracked[i].db.name, db->name) == 0)
            tracked[i].used = 0;
}

static int
exec_ident(PGconn *c, const char *fmt, const char *name)
{
    char *ident = PQescapeIdentifier(c, name, strlen(name));
    if (!ident) {
        sgwt_set_err("escape identifier: %s", PQerrorMessage(c));
        return -1;
    }
    char sql[512];
    snprintf(sql, sizeof sql, fmt, ident);
    PQfreemem(ident);
    PGresult *r = sgwt_db_query(c, sql, NULL);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int
sgwt_db_create(struct sgwt_db *db, const char *suite)
{
    const char *base = sgwt_env_required("SPAMGW_TEST_DATABASE_URL");
    memset(db, 0, sizeof *db);
    snprintf(db->name, sizeof db->name, "spamgw_it_%s_%d", suite, (int)getpid());
    if (sgwt_db_url_with_dbname(base, "postgres", db->maint_url, sizeof db->maint_url) != 0 ||
        sgwt_db_url_with_dbname(base, db->name, db->url, sizeof db->url) != 0)
        return -1;
    PGconn *c = sgwt_db_connect(db->maint_url);
    if (!c)
        return -1;
    int rc = exec_ident(c, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
    if (rc == 0)
        rc = exec_ident(c, "CREATE DATABASE %s", db->name);
    PQfinish(c);
    if (rc == 0)
        track(db);
    return rc;
}

int
sgwt_db_migrate(const char *url)
{
    const char *argv[] = {sgwt_bin(), "migrate", "--database-url", url, NULL};
    struct sgwt_proc_result res;
    if (sgwt_run(argv, 60000, &res) != 0) {
        sgwt_proc_result_fini(&res);
        return -1;
    }
    int rc = 0;
    if (res.status != 0) {
        sgwt_set_err("spamgw migrate exited %d\nstdout: %s\nstderr: %s", res.status, res.out,
                     res.err);
        rc = -1;
    }
    sgwt_proc_result_fini(&res);
    return rc;
}

int
sgwt_db_fresh(struct sgwt_db *db, const char *suite)
{
    if (sgwt_db_create(db, suite) != 0)
        return -1;
    if (sgwt_db_migrate(db->url) != 0) {
        char msg[2048];
        snprintf(msg, sizeof msg, "%s", sgwt_errmsg());
        sgwt_db_drop(db);
        sgwt_set_err("%s", msg);
        return -1;
    }
    return 0;
}

int
sgwt_db_drop(struct sgwt_db *db)
{
    if (db->name[0] == '\0')
        return 0;
    PGconn *c = sgwt_db_connect(db->maint_url);
    if (!c)
        return -1;
    int rc = exec_ident(c, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
    PQfinish(c);
    if (rc == 0) {
        untrack(db);
        db->name[0] = '\0';
    }
    return rc;
}

int
sgwt_db_wait_ready(const char *url, int timeout_ms)
{
    long long deadline = sgwt_now_ms() + timeout_ms;
    for (;;) {
        PGconn *c = PQconnectdb(url);
        int ok = PQstatus(c) == CONNECTION_OK;
        if (!ok)
            sgwt_set_err("%s", PQerrorMessage(c));
        PQfinish(c);
        if (ok)
            return 0;
        if (sgwt_now_ms() >= deadline)
            return -1;
        sgwt_sleep_ms(100);
    }
}
