/* Connection set-up and the prepared-statement registry. Statements are prepared lazily, once
 * per connection; the connection struct remembers which. */
#include "db/db.h"

#include "gateway/common/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stmt_def {
    const char *name;
    int nparams;
    const char *sql;
};

static const struct stmt_def stmts[] = {
#define SGW_STMT(name, nparams, sql) {"sgw_" #name, nparams, sql},
#include "db/statements.def"
#undef SGW_STMT
};

const char *
sgw_db_stmt_name(enum sgw_stmt stmt)
{
    return stmts[stmt].name + 4; /* without the "sgw_" of the prepared name */
}

const char *
sgw_db_stmt_sql(enum sgw_stmt stmt)
{
    return stmts[stmt].sql;
}

int
sgw_db_stmt_nparams(enum sgw_stmt stmt)
{
    return stmts[stmt].nparams;
}

static void
notice_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

struct sgw_db_conn *
sgw_db_connect(const char *url, long statement_timeout_ms, char *err, size_t errsz)
{
    char options[128];
    /* Session settings ride in the startup packet: no extra round trip. expand_dbname lets
     * url be a URI or a conninfo string. */
    const char *keys[] = {"dbname",
                          "options",
                          "application_name",
                          "client_encoding",
                          "connect_timeout",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          NULL};
    snprintf(options, sizeof options, "-c synchronous_commit=on -c statement_timeout=%ld",
             statement_timeout_ms > 0 ? statement_timeout_ms : 30000L);
    const char *vals[] = {url, options, "spamgw", "UTF8", "5", "10", "5", "3", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);

    if (pg == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *m = PQerrorMessage(pg);
        size_t n = strcspn(m, "\n");
        /* libpq's messages end in newlines and sometimes span two lines: keep one. */
        snprintf(err, errsz, "%.*s", (int)n, m);
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, notice_quiet, NULL);
    struct sgw_db_conn *c = sgw_xcalloc(1, sizeof *c);
    c->pg = pg;
    return c;
}

void
sgw_db_close(struct sgw_db_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->pg);
    free(c);
}

int
sgw_db_alive(const struct sgw_db_conn *c)
{
    return c != NULL && PQstatus(c->pg) == CONNECTION_OK;
}

static PGresult *
exec_prepared(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params,
              const int *lengths, const int *formats, int result_format)
{
    const struct stmt_def *d = &stmts[stmt];

    if (!(c->prepared[stmt / 64] & (1ULL << (stmt % 64)))) {
        PGresult *res = PQprepare(c->pg, d->name, d->sql, d->nparams, NULL);
        if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
            return res;
        PQclear(res);
        c->prepared[stmt / 64] |= 1ULL << (stmt % 64);
    }
    return PQexecPrepared(c->pg, d->name, d->nparams, params, lengths, formats, result_format);
}

PGresult *
sgw_db_exec_params(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params,
                   const int *lengths, const int *formats)
{
    return exec_prepared(c, stmt, params, lengths, formats, 0);
}

PGresult *
sgw_db_exec_binary(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params,
                   const int *lengths, const int *formats)
{
    return exec_prepared(c, stmt, params, lengths, formats, 1);
}

PGresult *
sgw_db_exec(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params)
{
    return sgw_db_exec_params(c, stmt, params, NULL, NULL);
}

int
sgw_db_simple(struct sgw_db_conn *c, const char *sql, char *err, size_t errsz)
{
    PGresult *res = PQexec(c->pg, sql);
    int rc = sgw_db_ok(res) ? 0 : -1;
    if (rc != 0 && err)
        sgw_db_error(c, res, err, errsz);
    PQclear(res);
    return rc;
}

int
sgw_db_ok(const PGresult *res)
{
    if (res == NULL)
        return 0;
    switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK: return 1;
    default: return 0;
    }
}

void
sgw_db_error(const struct sgw_db_conn *c, const PGresult *res, char *err, size_t errsz)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (msg == NULL || *msg == '\0')
        msg = c ? PQerrorMessage(c->pg) : "no connection";
    if (msg == NULL || *msg == '\0')
        msg = "unknown database error";
    size_t n = strcspn(msg, "\n");
    snprintf(err, errsz, "%.*s", (int)n, msg);
}
