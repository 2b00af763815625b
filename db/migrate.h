/* Versioned schema migrations compiled in from schema/NNN_name.sql. */
#ifndef SGW_MIGRATE_H
#define SGW_MIGRATE_H

#include "db/db.h"

struct sgw_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct sgw_migration sgw_migrations[]; /* sorted by version */
extern const int sgw_migrations_count;

/* The newest version this binary knows. */
int sgw_migrate_latest(void);

/* Reads the database's schema version (0 when never migrated); -1 on error (err set). */
int sgw_migrate_current(struct sgw_db_conn *c, int *version, char *err, size_t errsz);

/* Applies every pending migration, each in its own transaction, under an advisory lock so
 * two migrators never race. *applied counts what ran. Refuses a database newer than this
 * binary. 0 on success, -1 with err set. */
int sgw_migrate_run(struct sgw_db_conn *c, int *applied, char *err, size_t errsz);

#endif
