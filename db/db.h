/* Connections and the statement registry (statements.def). Every PGresult is cleared by the
 * function that got it; callers of sgw_db_exec own the result they are given. */
#ifndef SGW_DB_H
#define SGW_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

enum sgw_stmt {
#define SGW_STMT(name, nparams, sql) SGW_STMT_##name,
#include "db/statements.def"
#undef SGW_STMT
    SGW_STMT_COUNT
};

struct sgw_db_conn {
    PGconn *pg;
    uint64_t prepared[(SGW_STMT_COUNT + 63) / 64]; /* bit per statement prepared here */
};

/* The registry itself, for tests that inspect every statement (plans, parameters): the name
 * as in statements.def ("api_campaign_json"), its SQL and its number of parameters. */
const char *sgw_db_stmt_name(enum sgw_stmt stmt);
const char *sgw_db_stmt_sql(enum sgw_stmt stmt);
int sgw_db_stmt_nparams(enum sgw_stmt stmt);

/* Connects with spamgw's session settings (UTF-8, synchronous_commit=on, application_name,
 * statement_timeout; 0 ms = the 30 s default). Returns the connection (free with
 * sgw_db_close) or NULL with a one-line reason in err. */
struct sgw_db_conn *sgw_db_connect(const char *url, long statement_timeout_ms, char *err,
                                   size_t errsz);
void sgw_db_close(struct sgw_db_conn *c); /* accepts NULL */

/* True while the connection is usable. */
int sgw_db_alive(const struct sgw_db_conn *c);

/* Runs a named statement with text parameters (NULL = SQL NULL), preparing it on first use
 * on this connection. Returns the result (caller PQclear()s); NULL only on out-of-memory. */
PGresult *sgw_db_exec(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params);

/* The same with explicit lengths and formats (1 = binary) per parameter. */
PGresult *sgw_db_exec_params(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params,
                             const int *lengths, const int *formats);

/* The same with every result column in binary format (bytea, arrays, int8 without text
 * parsing); read them with db/pgarray.h. */
PGresult *sgw_db_exec_binary(struct sgw_db_conn *c, enum sgw_stmt stmt, const char *const *params,
                             const int *lengths, const int *formats);

/* Runs plain SQL with no parameters (BEGIN, COMMIT, migrations); 0 when it succeeded, else -1
 * with the server's message in err (may be NULL). */
int sgw_db_simple(struct sgw_db_conn *c, const char *sql, char *err, size_t errsz);

/* True when the status of res means success. */
int sgw_db_ok(const PGresult *res);

/* The error text of res or the connection, first line only, for logs. */
void sgw_db_error(const struct sgw_db_conn *c, const PGresult *res, char *err, size_t errsz);

#endif
