/* Check assertions shared by the integration suites: an HTTP exchange that must have worked
 * with a given status, and JSON error bodies. On failure they print the server's log tail and
 * the whole response, so a red test says what the server answered. Include after <check.h>. */
#ifndef SGWT_CHECK_H
#define SGWT_CHECK_H

#include <check.h>
#include <stdlib.h>

#include "tests/support/common.h"
#include "tests/support/http.h"
#include "tests/support/server.h"

/* rc is an sgwt_http_* result, resp a struct sgwt_response *, srv a struct sgwt_server *
 * (may be NULL). */
#define SGWT_ASSERT_HTTP(rc, resp, want, srv)                                                      \
    do {                                                                                           \
        int rc_ = (rc);                                                                            \
        const struct sgwt_server *srv_ = (srv);                                                    \
        if (rc_ != SGWT_HTTP_OK) {                                                                 \
            if (srv_)                                                                              \
                sgwt_server_log_tail(srv_, 25);                                                    \
            ck_abort_msg("HTTP exchange failed (%s): %s", sgwt_http_result_name(rc_),              \
                         sgwt_errmsg());                                                           \
        }                                                                                          \
        if ((resp)->status != (want)) {                                                            \
            char *d_ = sgwt_response_describe(resp);                                               \
            if (srv_)                                                                              \
                sgwt_server_log_tail(srv_, 25);                                                    \
            ck_abort_msg("expected HTTP %d, got:\n%s", (int)(want), d_);                           \
        }                                                                                          \
    } while (0)

/* Checks {"error":{"code":code,"message":non-empty string[,"field":field]}}; field NULL means
 * "no field or field null". Returns nothing; aborts the test with a message on mismatch. */
void sgwt_assert_error_body(const struct sgwt_response *resp, const char *code, const char *field);

/* Checks a 202/200 answer {"id":N,"status":"accepted"} and returns N. */
long long sgwt_assert_accepted(const struct sgwt_response *resp);

#endif
