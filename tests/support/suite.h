/* The end of a Check suite's main(): running it, and for an integration suite that ran its
 * tests against one shared gateway and one database, stopping those. */
#ifndef SGWT_SUITE_H
#define SGWT_SUITE_H

#include "tests/support/db.h"
#include "tests/support/server.h"

#include <check.h>

/* Runs every test of s (forking per test, CK_NORMAL output), frees the runner and the suite,
 * and returns the number of tests that failed. */
int sgwt_suite_run(Suite *s);

/* Stops srv: a gateway that died during the suite or did not stop cleanly counts as one more
 * failure, with its log tail on stderr. Keeps the gateway log only when something failed,
 * drops db, and returns EXIT_SUCCESS or EXIT_FAILURE for main(). suite names the messages. */
int sgwt_suite_finish(const char *suite, int failed, struct sgwt_server *srv, struct sgwt_db *db);

#endif
