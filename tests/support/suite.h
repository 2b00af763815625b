/* The end of an integration suite that ran its tests against one shared gateway and one
 * database. */
#ifndef SGWT_SUITE_H
#define SGWT_SUITE_H

#include "tests/support/db.h"
#include "tests/support/server.h"

/* Stops srv: a gateway that died during the suite or did not stop cleanly counts as one more
 * failure, with its log tail on stderr. Keeps the gateway log only when something failed,
 * drops db, and returns EXIT_SUCCESS or EXIT_FAILURE for main(). suite names the messages. */
int sgwt_suite_finish(const char *suite, int failed, struct sgwt_server *srv, struct sgwt_db *db);

#endif
