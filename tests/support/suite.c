/* Suite epilogues shared by the Check suites (see suite.h). */
#include "tests/support/suite.h"

#include "tests/support/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
sgwt_suite_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

int
sgwt_suite_finish(const char *suite, int failed, struct sgwt_server *srv, struct sgwt_db *db)
{
    int alive = sgwt_server_alive(srv);
    int code = sgwt_server_stop(srv, NULL);
    if (!alive || code != 0) {
        fprintf(stderr, "%s: shared gateway %s (exit %d)\n", suite,
                alive ? "did not stop cleanly" : "died during the suite", code);
        sgwt_server_log_tail(srv, 40);
        failed++;
    }
    if (failed)
        fprintf(stderr, "%s: gateway log kept at %s\n", suite, srv->log_path);
    else
        unlink(srv->log_path);
    if (sgwt_db_drop(db) != 0)
        fprintf(stderr, "%s: drop database: %s\n", suite, sgwt_errmsg());
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
