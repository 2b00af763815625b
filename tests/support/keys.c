/* API key creation and revocation through the spamgw CLI. */
#include "tests/support/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/proc.h"

int
sgwt_key_create(const char *url, const char *role, const char *name, char *out, size_t outsz)
{
    const char *argv[] = {sgwt_bin(), "key", "create",         "--role", role,
                          "--name",   name,  "--database-url", url,      NULL};
    struct sgwt_proc_result res;
    int rc = -1;
    if (sgwt_run(argv, 30000, &res) != 0)
        goto done;
    if (res.status != 0) {
        sgwt_set_err("spamgw key create --role %s exited %d\nstdout: %s\nstderr: %s", role,
                     res.status, res.out, res.err);
        goto done;
    }
    /* Exactly one line: "sgw_...\n" (the final newline optional). */
    size_t n = res.out_len;
    if (n > 0 && res.out[n - 1] == '\n')
        n--;
    if (n == 0 || memchr(res.out, '\n', n) || strncmp(res.out, "sgw_", 4) != 0 ||
        memchr(res.out, '\r', n) || memchr(res.out, ' ', n) || n >= outsz) {
        sgwt_set_err("spamgw key create printed something other than one key line: [%s] "
                     "(stderr: %s)",
                     res.out, res.err);
        goto done;
    }
    memcpy(out, res.out, n);
    out[n] = '\0';
    rc = 0;
done:
    sgwt_proc_result_fini(&res);
    return rc;
}

long long
sgwt_key_id(const char *url, const char *name)
{
    PGconn *c = sgwt_db_connect(url);
    if (!c)
        return -1;
    long long id =
        sgwt_db_count(c, "SELECT id FROM api_keys WHERE name = $1", (const char *[]){name, NULL});
    PQfinish(c);
    return id;
}

int
sgwt_key_revoke(const char *url, long long id)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *argv[] = {sgwt_bin(), "key", "revoke", ids, "--database-url", url, NULL};
    struct sgwt_proc_result res;
    int rc = -1;
    if (sgwt_run(argv, 30000, &res) != 0)
        goto done;
    if (res.status != 0) {
        sgwt_set_err("spamgw key revoke %s exited %d\nstdout: %s\nstderr: %s", ids, res.status,
                     res.out, res.err);
        goto done;
    }
    rc = 0;
done:
    sgwt_proc_result_fini(&res);
    return rc;
}

int
sgwt_key_revoke_name(const char *url, const char *name)
{
    long long id = sgwt_key_id(url, name);
    if (id < 0) {
        sgwt_set_err("no api key named %s", name);
        return -1;
    }
    return sgwt_key_revoke(url, id);
}
