/* Integration suite for deploy/: what operators install is checked as shipped.
 *
 * nginx: deploy/nginx-spamgw.conf, with only its lines marked "test:" replaced (ports, the
 * certificate and log paths), passes `nginx -t` and fronts a real spamgw over TLS (curl): a
 * report goes through (202, the row is in PostgreSQL, the client's X-Request-Id comes back),
 * a 9 MB body gets spamgw's JSON error shape from nginx (413 payload_too_large), /metrics is
 * reachable from 127.0.0.1, a ?key= never reaches the access log, and with spamgw stopped the
 * answer is 503 "unavailable" with Retry-After instead of nginx's HTML page.
 *
 * systemd: every unit and timer in deploy/ passes `systemd-analyze verify` (ExecStart pointed
 * at the built binary); a deliberately broken unit fails it, so the check can fail.
 *
 * env example: every SPAMGW_* variable deploy/spamgw.env.example sets is one spamgw reads
 * (`spamgw help-config --markdown`). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/common.h"
#include "tests/support/db.h"
#include "tests/support/keys.h"
#include "tests/support/proc.h"
#include "tests/support/server.h"
#include "tests/support/suite.h"

static char g_tmp[512];
static pid_t g_nginx;

static const char *
src_dir(void)
{
    return sgwt_env_required("SPAMGW_SOURCE_DIR");
}

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_int_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static int
have(const char *path)
{
    return access(path, X_OK) == 0;
}

/* Runs argv; returns the exit status and leaves stdout+stderr in *out (caller frees). */
static int
run(const char *const argv[], char **out)
{
    struct sgwt_proc_result r = {0};
    sgwt_run(argv, 60000, &r);
    size_t n = (r.out ? r.out_len : 0) + (r.err ? r.err_len : 0);
    char *s = malloc(n + 1);
    size_t o = 0;
    if (r.out) {
        memcpy(s, r.out, r.out_len);
        o = r.out_len;
    }
    if (r.err)
        memcpy(s + o, r.err, r.err_len);
    s[n] = '\0';
    int st = r.status;
    sgwt_proc_result_fini(&r);
    if (out)
        *out = s;
    else
        free(s);
    return st;
}

static void
mk_tmp(void)
{
    snprintf(g_tmp, sizeof g_tmp, "%s/sgwt-deploy-XXXXXX", sgwt_tmpdir());
    ck_assert_ptr_nonnull(mkdtemp(g_tmp));
    /* nginx workers drop to an unprivileged user when started as root: they must reach it. */
    chmod(g_tmp, 0755);
}

static void
rm_tmp(void)
{
    if (g_tmp[0] == '\0')
        return;
    const char *argv[] = {"/bin/rm", "-rf", g_tmp, NULL};
    run(argv, NULL);
    g_tmp[0] = '\0';
}

static void
stop_nginx(void)
{
    if (g_nginx > 0) {
        kill(g_nginx, SIGTERM);
        waitpid(g_nginx, NULL, 0);
        g_nginx = 0;
    }
}

/* A free TCP port on 127.0.0.1 (bind to 0, read it back, close). */
static int
free_port(void)
{
    char *out = NULL;
    const char *argv[] = {"/usr/bin/python3", "-c",
                          "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0));"
                          " print(s.getsockname()[1])",
                          NULL};
    ck_assert_int_eq(run(argv, &out), 0);
    int p = atoi(out);
    free(out);
    ck_assert_int_gt(p, 0);
    return p;
}

/* deploy/nginx-spamgw.conf with its "test:" lines replaced. */
static char *
nginx_site(int upstream, int listen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/deploy/nginx-spamgw.conf", src_dir());
    char *src = read_file(path);
    size_t cap = strlen(src) + 4096, o = 0;
    char *out = malloc(cap);
    int replaced = 0;
    for (char *line = src, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *mark = strstr(line, "# test: ");
        char repl[1100] = "";
        if (mark != NULL) {
            const char *what = mark + 8;
            replaced++;
            if (strcmp(what, "upstream") == 0)
                snprintf(repl, sizeof repl, "    server 127.0.0.1:%d;", upstream);
            else if (strcmp(what, "listen") == 0)
                snprintf(repl, sizeof repl, "    listen 127.0.0.1:%d ssl http2;", listen);
            else if (strcmp(what, "listen6") == 0)
                snprintf(repl, sizeof repl, "    # (no IPv6 listener in the test)");
            else if (strcmp(what, "cert") == 0)
                snprintf(repl, sizeof repl, "    ssl_certificate %s/cert.pem;", g_tmp);
            else if (strcmp(what, "key") == 0)
                snprintf(repl, sizeof repl, "    ssl_certificate_key %s/key.pem;", g_tmp);
            else if (strcmp(what, "access_log") == 0)
                snprintf(repl, sizeof repl, "    access_log %s/access.log spamgw;", g_tmp);
            else if (strcmp(what, "error_log") == 0)
                snprintf(repl, sizeof repl, "    error_log %s/error.log warn;", g_tmp);
            else
                ck_abort_msg("unknown test marker in nginx-spamgw.conf: %s", what);
        }
        o += (size_t)snprintf(out + o, cap - o, "%s\n", mark ? repl : line);
    }
    free(src);
    ck_assert_int_eq(replaced, 7);
    return out;
}

/* curl -k through nginx; returns the HTTP status, headers and body in the given files. */
static int
curl(int port, const char *method, const char *path, const char *const *headers,
     const char *data_file, const char *tag)
{
    char url[256], hdr_out[700], body_out[700];
    snprintf(url, sizeof url, "https://127.0.0.1:%d%s", port, path);
    snprintf(hdr_out, sizeof hdr_out, "%s/%s.headers", g_tmp, tag);
    snprintf(body_out, sizeof body_out, "%s/%s.body", g_tmp, tag);
    const char *argv[32];
    int n = 0;
    argv[n++] = "/usr/bin/curl";
    argv[n++] = "-sk";
    argv[n++] = "--max-time";
    argv[n++] = "20";
    argv[n++] = "-X";
    argv[n++] = method;
    argv[n++] = "-D";
    argv[n++] = hdr_out;
    argv[n++] = "-o";
    argv[n++] = body_out;
    argv[n++] = "-w";
    argv[n++] = "%{http_code}";
    for (size_t i = 0; headers && headers[i]; i++) {
        argv[n++] = "-H";
        argv[n++] = headers[i];
    }
    char at[700];
    if (data_file) {
        snprintf(at, sizeof at, "@%s", data_file);
        argv[n++] = "--data-binary";
        argv[n++] = at;
    }
    argv[n++] = url;
    argv[n] = NULL;
    char *out = NULL;
    run(argv, &out);
    int code = atoi(out);
    free(out);
    return code;
}

static char *
tmp_read(const char *tag, const char *ext)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.%s", g_tmp, tag, ext);
    return read_file(path);
}

START_TEST(test_nginx_front)
{
    if (!have("/usr/sbin/nginx") || !have("/usr/bin/openssl") || !have("/usr/bin/curl"))
        ck_abort_msg("nginx, openssl and curl are installed by tests/run (SGW_TEST_PACKAGES)");
    mk_tmp();
    struct sgwt_db db;
    ck_assert_msg(sgwt_db_fresh(&db, "deploy") == 0, "%s", sgwt_errmsg());
    char key[128];
    ck_assert_msg(sgwt_key_create(db.url, "reporter", "deploy-test", key, sizeof key) == 0, "%s",
                  sgwt_errmsg());
    struct sgwt_server srv = {0};
    ck_assert_msg(sgwt_server_start(&srv, "deploy", db.url, NULL, NULL) == 0, "%s", sgwt_errmsg());

    char cert[600], pkey[600];
    snprintf(cert, sizeof cert, "%s/cert.pem", g_tmp);
    snprintf(pkey, sizeof pkey, "%s/key.pem", g_tmp);
    const char *gen[] = {"/usr/bin/openssl",
                         "req",
                         "-x509",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:prime256v1",
                         "-nodes",
                         "-keyout",
                         pkey,
                         "-out",
                         cert,
                         "-days",
                         "1",
                         "-subj",
                         "/CN=127.0.0.1",
                         NULL};
    char *out = NULL;
    ck_assert_msg(run(gen, &out) == 0, "openssl: %s", out);
    free(out);

    int port = free_port();
    char *site = nginx_site(srv.port, port);
    char path[700], conf[8192];
    snprintf(path, sizeof path, "%s/spamgw.conf", g_tmp);
    write_file(path, site);
    free(site);
    const char *temps[] = {"body", "proxy", "fastcgi", "uwsgi", "scgi"};
    for (size_t i = 0; i < 5; i++) {
        char d[700];
        snprintf(d, sizeof d, "%s/%s", g_tmp, temps[i]);
        mkdir(d, 0777);
        chmod(d, 0777);
    }
    snprintf(conf, sizeof conf,
             "worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/main-error.log;\n"
             "events { worker_connections 256; }\n"
             "http {\n  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
             "  fastcgi_temp_path %s/fastcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
             "  scgi_temp_path %s/scgi;\n  access_log off;\n  include %s/spamgw.conf;\n}\n",
             g_tmp, g_tmp, g_tmp, g_tmp, g_tmp, g_tmp, g_tmp, g_tmp);
    char main_conf[700];
    snprintf(main_conf, sizeof main_conf, "%s/nginx.conf", g_tmp);
    write_file(main_conf, conf);

    const char *t[] = {"/usr/sbin/nginx", "-t", "-q", "-c", main_conf, NULL};
    ck_assert_msg(run(t, &out) == 0, "nginx -t rejects the shipped site:\n%s", out);
    free(out);

    g_nginx = fork();
    ck_assert_int_ge(g_nginx, 0);
    if (g_nginx == 0) {
        execl("/usr/sbin/nginx", "nginx", "-c", main_conf, "-g", "daemon off;", (char *)NULL);
        _exit(127);
    }
    int code = 0;
    for (int i = 0; i < 100 && code == 0; i++) {
        sgwt_sleep_ms(100);
        code = curl(port, "GET", "/healthz", NULL, NULL, "health");
    }
    ck_assert_msg(code == 200, "GET /healthz through nginx: %d", code);

    /* A report through the front: 202, stored, the request id echoed. */
    char body_file[700], auth[200];
    snprintf(body_file, sizeof body_file, "%s/report.json", g_tmp);
    write_file(body_file, "{\"sender\":\"+12125550100\",\"content\":\"Your parcel is held: pay"
                          " the fee at hxxp://parcel-fee[.]example\",\"city\":\"New York\","
                          "\"country\":\"US\"}");
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *h[] = {auth, "Content-Type: application/json", "X-Request-Id: deploy-test-42",
                       NULL};
    code = curl(port, "POST", "/v1/reports", h, body_file, "post");
    char *rb = tmp_read("post", "body"), *rh = tmp_read("post", "headers");
    ck_assert_msg(code == 202, "POST through nginx: %d %s", code, rb);
    ck_assert_msg(strstr(rh, "deploy-test-42") != NULL, "X-Request-Id not echoed:\n%s", rh);
    long long id = atoll(strstr(rb, "\"id\":") ? strstr(rb, "\"id\":") + 5 : "0");
    free(rb);
    free(rh);
    PGconn *c = sgwt_db_connect(db.url);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *p1[] = {ids, NULL};
    ck_assert_int_eq(sgwt_db_count(c, "SELECT count(*) FROM reports WHERE id = $1::int8", p1), 1);
    PQfinish(c);

    /* Past nginx's own ceiling: spamgw's error shape, from nginx. */
    char big[700];
    snprintf(big, sizeof big, "%s/big.json", g_tmp);
    FILE *f = fopen(big, "w");
    for (int i = 0; i < 9 * 1024; i++)
        fprintf(f, "%01024d", 0);
    fclose(f);
    code = curl(port, "POST", "/v1/reports", h, big, "big");
    rb = tmp_read("big", "body");
    ck_assert_msg(code == 413 && strstr(rb, "\"payload_too_large\"") != NULL, "9 MB: %d %s", code,
                  rb);
    free(rb);

    /* /metrics from 127.0.0.1; a key in the query string stays out of the access log. */
    code = curl(port, "GET", "/metrics", NULL, NULL, "metrics");
    ck_assert_int_eq(code, 200);
    code = curl(port, "GET", "/v1/relay/kannel?key=sgw_SECRETSECRETSECRET&text=x", NULL, NULL,
                "kannel");
    ck_assert_msg(code == 401, "relay with a wrong key: %d", code);
    sgwt_sleep_ms(300);
    char *log = tmp_read("access", "log");
    ck_assert_msg(strstr(log, "/v1/relay/kannel") != NULL, "access log misses the relay line");
    ck_assert_msg(strstr(log, "SECRETSECRET") == NULL, "the key reached the access log:\n%s", log);
    ck_assert_msg(strstr(log, "req=deploy-test-42") != NULL, "no request id in the access log");
    free(log);

    /* The gateway down: JSON 503 with Retry-After, not nginx's HTML. */
    sgwt_server_stop(&srv, NULL);
    code = curl(port, "POST", "/v1/reports", h, body_file, "down");
    rb = tmp_read("down", "body");
    rh = tmp_read("down", "headers");
    ck_assert_msg(code == 503 && strstr(rb, "\"unavailable\"") != NULL, "gateway down: %d %s", code,
                  rb);
    ck_assert_msg(strcasestr(rh, "Retry-After: 1") != NULL, "no Retry-After:\n%s", rh);
    free(rb);
    free(rh);

    stop_nginx();
    sgwt_server_remove_log(&srv);
    sgwt_db_drop(&db);
}
END_TEST

START_TEST(test_systemd_units)
{
    if (!have("/usr/bin/systemd-analyze")) {
        /* Containers without systemd: the units cannot be checked here; say so loudly. */
        fprintf(stderr, "itest_deploy: systemd-analyze not found: units NOT verified\n");
        return;
    }
    mk_tmp();
    const char *units[] = {"spamgw.service", "spamgw-export.service", "spamgw-export.timer"};
    const char *argv[8];
    char paths[3][700];
    int n = 0;
    argv[n++] = "/usr/bin/systemd-analyze";
    argv[n++] = "verify";
    for (int i = 0; i < 3; i++) {
        char src[700];
        snprintf(src, sizeof src, "%s/deploy/%s", src_dir(), units[i]);
        char *text = read_file(src);
        /* ExecStart= must name an executable that exists: the built binary stands in. */
        size_t cap = strlen(text) * 2 + 1, o = 0;
        char *out = malloc(cap);
        const char *from = "/usr/local/bin/spamgw";
        for (const char *p = text; *p;) {
            if (strncmp(p, from, strlen(from)) == 0) {
                o += (size_t)snprintf(out + o, cap - o, "%s", sgwt_bin());
                p += strlen(from);
            } else {
                out[o++] = *p++;
            }
        }
        out[o] = '\0';
        snprintf(paths[i], sizeof paths[i], "%s/%s", g_tmp, units[i]);
        write_file(paths[i], out);
        free(out);
        free(text);
        argv[n++] = paths[i];
    }
    argv[n] = NULL;
    char *out = NULL;
    ck_assert_msg(run(argv, &out) == 0, "systemd-analyze verify:\n%s", out);
    free(out);

    char bad[700];
    snprintf(bad, sizeof bad, "%s/broken.service", g_tmp);
    write_file(bad, "[Service]\nExecStart=relative/path/spamgw serve\n");
    const char *argv2[] = {"/usr/bin/systemd-analyze", "verify", bad, NULL};
    ck_assert_msg(run(argv2, NULL) != 0, "systemd-analyze accepted a broken unit");
}
END_TEST

START_TEST(test_env_example)
{
    char path[700];
    snprintf(path, sizeof path, "%s/deploy/spamgw.env.example", src_dir());
    char *ex = read_file(path);
    const char *argv[] = {sgwt_bin(), "help-config", "--markdown", NULL};
    char *table = NULL;
    ck_assert_int_eq(run(argv, &table), 0);
    int vars = 0;
    for (char *line = ex; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, "SPAMGW_", 7) == 0 && strchr(line, '=') != NULL) {
            char name[128];
            snprintf(name, sizeof name, "`%.*s`", (int)(strchr(line, '=') - line), line);
            ck_assert_msg(strstr(table, name) != NULL,
                          "spamgw.env.example sets %s, which spamgw does not read", name);
            vars++;
        }
        line = next;
    }
    ck_assert_int_ge(vars, 4);
    free(ex);
    free(table);
}
END_TEST

static void
teardown(void)
{
    stop_nginx();
    rm_tmp();
}

int
main(void)
{
    sgwt_require_env();
    Suite *s = suite_create("deploy");
    TCase *tc = tcase_create("deploy");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_nginx_front);
    tcase_add_test(tc, test_systemd_units);
    tcase_add_test(tc, test_env_example);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
