/* Unit tests for gateway/common/config.h: defaults, precedence (flag over SPAMGW_* environment
 * over default), both flag spellings, bounds and type errors with their messages, subcommand
 * scoping, extra options, positional arguments, and the help / Markdown renderers. Every test
 * starts with all SPAMGW_* variables of the table unset, so the caller's environment cannot leak
 * in; the list comes from config.def itself. */
#include "gateway/common/config.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const env_names[] = {
#define SGW_CONFIG(f, flag, type, def, min, max, env, cmds, help) env,
#include "gateway/common/config.def"
#undef SGW_CONFIG
};

static const char *const flag_names[] = {
#define SGW_CONFIG(f, flag, type, def, min, max, env, cmds, help) flag,
#include "gateway/common/config.def"
#undef SGW_CONFIG
};

static void
clear_env(void)
{
    for (size_t i = 0; i < NELEM(env_names); i++)
        unsetenv(env_names[i]);
}

/* Loads argv (argv[0] is the subcommand) for cmd with optional extra options. The struct
 * sgw_config is finalised by the caller on success. */
static int
load(struct sgw_config *cfg, struct sgw_config_parse *p, int cmd, struct sgw_opt *extra,
     char **argv)
{
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->extra = extra;
    return sgw_config_load(cfg, p, argc, argv);
}

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

START_TEST(test_defaults)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve")), 0);
    ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
    ck_assert_str_eq(cfg.database_url, "postgresql:///spamgw");
    ck_assert_int_eq(cfg.threads, 0);
    ck_assert_int_eq(cfg.writers, 2);
    ck_assert_int_eq(cfg.batch_max, 1024);
    ck_assert_int_eq(cfg.queue_capacity, 16384);
    ck_assert_int_eq(cfg.max_body, 65536);
    ck_assert_int_eq(cfg.connection_limit, 4096);
    ck_assert_int_eq(cfg.connection_timeout, 30);
    ck_assert_int_eq(cfg.commit_timeout, 10);
    ck_assert_int_eq(cfg.rate_limit, 0);
    ck_assert_int_eq(cfg.retry_after, 1);
    ck_assert_str_eq(cfg.reporter_secret, "");
    ck_assert_str_eq(cfg.log_level, "info");
    ck_assert_str_eq(cfg.default_region, "US");
    ck_assert_int_eq(p.npositional, 0);
    ck_assert_int_eq(p.help, 0);
    ck_assert_str_eq(p.error, "");
    sgw_config_fini(&cfg);
    ck_assert_ptr_null(cfg.listen);
    ck_assert_ptr_null(cfg.database_url);
}
END_TEST

/* One setting through default, environment and flag, in every combination. */
struct precedence_case {
    const char *env;  /* SPAMGW_WRITERS, NULL: unset */
    const char *flag; /* --writers value, NULL: absent */
    long want;
};

static const struct precedence_case precedence_cases[] = {
    {NULL, NULL, 2}, {"5", NULL, 5}, {NULL, "7", 7}, {"5", "7", 7}, {"32", "1", 1},
};

START_TEST(test_precedence_int)
{
    const struct precedence_case *c = &precedence_cases[_i];
    struct sgw_config cfg;
    struct sgw_config_parse p;
    if (c->env)
        setenv("SPAMGW_WRITERS", c->env, 1);
    int rc = c->flag
                 ? load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", "--writers", (char *)c->flag))
                 : load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve"));
    ck_assert_msg(rc == 0, "env %s flag %s: %s", c->env, c->flag, p.error);
    ck_assert_msg(cfg.writers == c->want, "env %s flag %s: writers %ld, want %ld",
                  c->env ? c->env : "unset", c->flag ? c->flag : "absent", cfg.writers, c->want);
    sgw_config_fini(&cfg);
    clear_env();
}
END_TEST

START_TEST(test_precedence_str)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;

    setenv("SPAMGW_LISTEN", "0.0.0.0:9000", 1);
    setenv("SPAMGW_LOG_LEVEL", "debug", 1);
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve")), 0);
    ck_assert_str_eq(cfg.listen, "0.0.0.0:9000");
    ck_assert_str_eq(cfg.log_level, "debug");
    sgw_config_fini(&cfg);

    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL,
                          ARGV("serve", "--listen=127.0.0.1:0", "--log-level", "warn")),
                     0);
    ck_assert_str_eq(cfg.listen, "127.0.0.1:0");
    ck_assert_str_eq(cfg.log_level, "warn");
    sgw_config_fini(&cfg);

    /* An empty environment variable is a value, not "unset". */
    setenv("SPAMGW_REPORTER_SECRET", "", 1);
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve")), 0);
    ck_assert_str_eq(cfg.reporter_secret, "");
    sgw_config_fini(&cfg);
    clear_env();
}
END_TEST

/* The same flag twice: the last one wins (and the first value is not leaked). */
START_TEST(test_repeated_flag)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;
    ck_assert_int_eq(
        load(&cfg, &p, SGW_CMD_SERVE, NULL,
             ARGV("serve", "--listen=a:1", "--listen", "b:2", "--threads=3", "--threads=4")),
        0);
    ck_assert_str_eq(cfg.listen, "b:2");
    ck_assert_int_eq(cfg.threads, 4);
    sgw_config_fini(&cfg);
}
END_TEST

/* Both spellings, for INT and STR settings. */
START_TEST(test_flag_spellings)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL,
                          ARGV("serve", "--threads=8", "--batch-max", "500", "--listen=[::1]:8080",
                               "--database-url", "postgresql://u@h/db?x=1", "--default-region=CN")),
                     0);
    ck_assert_int_eq(cfg.threads, 8);
    ck_assert_int_eq(cfg.batch_max, 500);
    ck_assert_str_eq(cfg.listen, "[::1]:8080");
    ck_assert_str_eq(cfg.database_url, "postgresql://u@h/db?x=1");
    ck_assert_str_eq(cfg.default_region, "CN");
    sgw_config_fini(&cfg);

    /* "--name=value" splits at the first '=': the value may contain more of them. */
    ck_assert_int_eq(
        load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", "--database-url=host=db port=5432")), 0);
    ck_assert_str_eq(cfg.database_url, "host=db port=5432");
    sgw_config_fini(&cfg);

    /* "--name value" takes the next argument whatever it looks like. */
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", "--listen", "--x")), 0);
    ck_assert_str_eq(cfg.listen, "--x");
    sgw_config_fini(&cfg);
}
END_TEST

/* Rejected command lines and environments: the error names the offender and says why. */
struct error_case {
    int cmd;
    const char *env_name; /* NULL: none */
    const char *env_value;
    const char *args[6];    /* after the subcommand, NULL-terminated */
    const char *needles[3]; /* substrings the error must contain */
};

static const struct error_case error_cases[] = {
    {SGW_CMD_SERVE, NULL, NULL, {"--bogus"}, {"unknown", "--bogus"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--bogus=1"}, {"unknown", "--bogus'"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--Threads=1"}, {"unknown", "--Threads"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--thread=1"}, {"unknown", "--thread'"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads-x=1"}, {"unknown", "--threads-x"}},
    /* Options of another subcommand. */
    {SGW_CMD_KEY, NULL, NULL, {"--listen", "0.0.0.0:1"}, {"unknown", "--listen"}},
    {SGW_CMD_KEY, NULL, NULL, {"--threads=4"}, {"unknown", "--threads"}},
    {SGW_CMD_MIGRATE, NULL, NULL, {"--reporter-secret=abc"}, {"unknown", "--reporter-secret"}},
    {0, NULL, NULL, {"--database-url=x"}, {"unknown", "--database-url"}},
    /* Out of bounds: the message gives the bounds and the value. */
    {SGW_CMD_SERVE, NULL, NULL, {"--writers=0"}, {"--writers", "1 and 32", "0"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--writers", "33"}, {"--writers", "1 and 32", "33"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads=-1"}, {"--threads", "0 and 256"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--max-body=1023"}, {"--max-body", "1024 and 67108864"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--queue-capacity=10000001"}, {"--queue-capacity", "10000000"}},
    /* Not a whole number. */
    {SGW_CMD_SERVE, NULL, NULL, {"--threads=four"}, {"--threads", "whole number", "four"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads="}, {"--threads", "whole number"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads=4x"}, {"--threads", "whole number"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads=4.5"}, {"--threads", "whole number"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads=0x10"}, {"--threads", "whole number"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--threads=99999999999999999999999"}, {"--threads"}},
    /* Missing value. */
    {SGW_CMD_SERVE, NULL, NULL, {"--threads"}, {"--threads", "needs a value"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--listen"}, {"--listen", "needs a value"}},
    /* String limits and the log level. */
    {SGW_CMD_SERVE, NULL, NULL, {"--default-region=USA"}, {"--default-region", "2 bytes"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--log-level=verbose"}, {"--log-level", "verbose"}},
    {SGW_CMD_SERVE, NULL, NULL, {"--log-level=INFO"}, {"--log-level"}},
    {SGW_CMD_KEY, NULL, NULL, {"--writers=2"}, {"unknown", "--writers"}},
    /* The same checks apply to the environment, and the message names the variable. */
    {SGW_CMD_SERVE, "SPAMGW_WRITERS", "0", {NULL}, {"SPAMGW_WRITERS", "1 and 32"}},
    {SGW_CMD_SERVE, "SPAMGW_THREADS", "many", {NULL}, {"SPAMGW_THREADS", "whole number"}},
    {SGW_CMD_SERVE, "SPAMGW_LOG_LEVEL", "loud", {NULL}, {"SPAMGW_LOG_LEVEL"}},
    {SGW_CMD_KEY, "SPAMGW_LOG_LEVEL", "loud", {NULL}, {"SPAMGW_LOG_LEVEL"}},
    /* A bad environment value is refused even when a flag would override it. */
    {SGW_CMD_SERVE, "SPAMGW_WRITERS", "x", {"--writers=2"}, {"SPAMGW_WRITERS"}},
    /* Too many positional arguments. */
    {SGW_CMD_KEY, NULL, NULL, {"1", "2", "3", "4", "5"}, {"too many"}},
};

START_TEST(test_errors)
{
    const struct error_case *c = &error_cases[_i];
    char *argv[16];
    int argc = 0;
    struct sgw_config cfg;
    struct sgw_config_parse p;

    argv[argc++] = "cmd";
    /* Five more positionals than the four given make nine: one over the limit. */
    if (strcmp(c->needles[0], "too many") == 0) {
        for (int i = 0; i < SGW_CONFIG_MAX_POSITIONAL - 4; i++)
            argv[argc++] = "p";
    }
    for (int i = 0; c->args[i] != NULL; i++)
        argv[argc++] = (char *)c->args[i];
    argv[argc] = NULL;
    if (c->env_name)
        setenv(c->env_name, c->env_value, 1);

    memset(&p, 0, sizeof p);
    p.cmd = c->cmd;
    int rc = sgw_config_load(&cfg, &p, argc, argv);
    ck_assert_msg(rc == -1, "case %d (%s ...): accepted", _i, argc > 1 ? argv[1] : "");
    for (int i = 0; i < 3 && c->needles[i]; i++)
        ck_assert_msg(strstr(p.error, c->needles[i]) != NULL,
                      "case %d: error \"%s\" does not mention \"%s\"", _i, p.error, c->needles[i]);
    ck_assert_msg(strchr(p.error, '\n') == NULL, "case %d: error is not one line: %s", _i, p.error);
    /* Nothing left allocated after a failure: the sanitizer build checks for leaks. */
    ck_assert_ptr_null(cfg.listen);
    ck_assert_ptr_null(cfg.database_url);
    clear_env();
}
END_TEST

/* Values at the bounds are accepted. */
START_TEST(test_bounds_inclusive)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL,
                          ARGV("serve", "--writers=1", "--threads=256", "--max-body=67108864",
                               "--rate-limit=0", "--default-region=", "--log-level=error")),
                     0);
    ck_assert_int_eq(cfg.writers, 1);
    ck_assert_int_eq(cfg.threads, 256);
    ck_assert_int_eq(cfg.max_body, 67108864);
    ck_assert_int_eq(cfg.rate_limit, 0);
    ck_assert_str_eq(cfg.default_region, "");
    ck_assert_str_eq(cfg.log_level, "error");
    sgw_config_fini(&cfg);

    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", "--writers=32")), 0);
    ck_assert_int_eq(cfg.writers, 32);
    sgw_config_fini(&cfg);
}
END_TEST

/* A subcommand ignores the environment of settings it does not read, even invalid values. */
START_TEST(test_env_scoped_to_command)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;

    setenv("SPAMGW_THREADS", "not a number", 1);
    setenv("SPAMGW_LISTEN", "0.0.0.0:1", 1);
    setenv("SPAMGW_DATABASE_URL", "postgresql://elsewhere/db", 1);
    ck_assert_msg(load(&cfg, &p, SGW_CMD_KEY, NULL, ARGV("key", "list")) == 0, "%s", p.error);
    ck_assert_str_eq(cfg.listen, "127.0.0.1:8080");
    ck_assert_int_eq(cfg.threads, 0);
    ck_assert_str_eq(cfg.database_url, "postgresql://elsewhere/db");
    sgw_config_fini(&cfg);

    ck_assert_msg(load(&cfg, &p, SGW_CMD_MIGRATE, NULL, ARGV("migrate")) == 0, "%s", p.error);
    ck_assert_str_eq(cfg.database_url, "postgresql://elsewhere/db");
    sgw_config_fini(&cfg);

    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve")), -1);
    ck_assert_ptr_nonnull(strstr(p.error, "SPAMGW_THREADS"));
    clear_env();
}
END_TEST

START_TEST(test_help)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;

    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", "--help")), 0);
    ck_assert_int_eq(p.help, 1);
    sgw_config_fini(&cfg);
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, NULL, ARGV("key", "-h")), 0);
    ck_assert_int_eq(p.help, 1);
    sgw_config_fini(&cfg);
    /* --help does not excuse other mistakes on the same line... */
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", "--help", "--bogus")), -1);
    /* ...and the flag is reset by the next load. */
    memset(&p, 0, sizeof p);
    p.cmd = SGW_CMD_SERVE;
    p.help = 1;
    char *argv[] = {"serve", NULL};
    ck_assert_int_eq(sgw_config_load(&cfg, &p, 1, argv), 0);
    ck_assert_int_eq(p.help, 0);
    sgw_config_fini(&cfg);
}
END_TEST

START_TEST(test_positional)
{
    struct sgw_config cfg;
    struct sgw_config_parse p;

    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, NULL,
                          ARGV("key", "revoke", "--database-url", "postgresql:///x", "42")),
                     0);
    ck_assert_int_eq(p.npositional, 2);
    ck_assert_str_eq(p.positional[0], "revoke");
    ck_assert_str_eq(p.positional[1], "42");
    ck_assert_str_eq(cfg.database_url, "postgresql:///x");
    sgw_config_fini(&cfg);

    /* Exactly the maximum is fine. */
    char *argv[SGW_CONFIG_MAX_POSITIONAL + 2];
    static char names[SGW_CONFIG_MAX_POSITIONAL][4];
    argv[0] = "key";
    for (int i = 0; i < SGW_CONFIG_MAX_POSITIONAL; i++) {
        snprintf(names[i], sizeof names[i], "a%d", i);
        argv[i + 1] = names[i];
    }
    argv[SGW_CONFIG_MAX_POSITIONAL + 1] = NULL;
    memset(&p, 0, sizeof p);
    p.cmd = SGW_CMD_KEY;
    ck_assert_int_eq(sgw_config_load(&cfg, &p, SGW_CONFIG_MAX_POSITIONAL + 1, argv), 0);
    ck_assert_int_eq(p.npositional, SGW_CONFIG_MAX_POSITIONAL);
    for (int i = 0; i < SGW_CONFIG_MAX_POSITIONAL; i++)
        ck_assert_str_eq(p.positional[i], names[i]);
    sgw_config_fini(&cfg);
}
END_TEST

START_TEST(test_extra_options)
{
    struct sgw_opt extra[] = {
        {"role", "ROLE", "key role", NULL}, {"name", "NAME", "key name", NULL},
        {"force", NULL, "boolean", NULL},   {"dry-run", NULL, "boolean", NULL},
        {NULL, NULL, NULL, NULL},
    };
    struct sgw_config cfg;
    struct sgw_config_parse p;

    ck_assert_msg(load(&cfg, &p, SGW_CMD_KEY, extra,
                       ARGV("key", "create", "--role=reporter", "--name", "my app", "--force",
                            "--log-level=debug")) == 0,
                  "%s", p.error);
    ck_assert_str_eq(extra[0].value, "reporter");
    ck_assert_str_eq(extra[1].value, "my app");
    ck_assert_str_eq(extra[2].value, "1");
    ck_assert_ptr_null(extra[3].value);
    ck_assert_int_eq(p.npositional, 1);
    ck_assert_str_eq(p.positional[0], "create");
    ck_assert_str_eq(cfg.log_level, "debug");
    sgw_config_fini(&cfg);

    /* A boolean takes no value; "--force=1" is an error, "--force 1" a positional. */
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, extra, ARGV("key", "--force=1")), -1);
    ck_assert_ptr_nonnull(strstr(p.error, "--force"));
    ck_assert_ptr_nonnull(strstr(p.error, "no value"));
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, extra, ARGV("key", "--dry-run", "1")), 0);
    ck_assert_str_eq(extra[3].value, "1");
    ck_assert_int_eq(p.npositional, 1);
    ck_assert_str_eq(p.positional[0], "1");
    sgw_config_fini(&cfg);

    /* An option with an argument needs one. */
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, extra, ARGV("key", "--role")), -1);
    ck_assert_ptr_nonnull(strstr(p.error, "--role"));

    /* Extra options belong to the command that passed them. */
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, NULL, ARGV("key", "--role=admin")), -1);
    ck_assert_ptr_nonnull(strstr(p.error, "--role"));

    /* Table settings of the command still work next to extras with a similar name. */
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_KEY, extra, ARGV("key", "--nam=x")), -1);
    ck_assert_ptr_nonnull(strstr(p.error, "--nam'"));
}
END_TEST

START_TEST(test_long_unknown_flag)
{
    char flag[600];
    struct sgw_config cfg;
    struct sgw_config_parse p;

    memcpy(flag, "--", 2);
    memset(flag + 2, 'z', sizeof flag - 3);
    flag[sizeof flag - 1] = '\0';
    ck_assert_int_eq(load(&cfg, &p, SGW_CMD_SERVE, NULL, ARGV("serve", flag)), -1);
    ck_assert_ptr_nonnull(strstr(p.error, "unknown option '--zzzz"));
    ck_assert_uint_lt(strlen(p.error), sizeof p.error);
}
END_TEST

/* Renders with f into a heap string (caller frees). */
static char *
render(void (*f)(FILE *, int, const struct sgw_opt *), int cmd, const struct sgw_opt *extra)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(out);
    f(out, cmd, extra);
    fclose(out);
    return buf;
}

static void
markdown_adapter(FILE *out, int cmd, const struct sgw_opt *extra)
{
    (void)cmd;
    (void)extra;
    sgw_config_print_markdown(out);
}

START_TEST(test_markdown)
{
    char *md = render(markdown_adapter, 0, NULL);
    size_t rows = 0;
    char *save = NULL;

    ck_assert_msg(strncmp(md, "| flag |", 8) == 0, "no header row:\n%s", md);
    for (char *line = strtok_r(md, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        ck_assert_msg(line[0] == '|' && line[strlen(line) - 1] == '|', "not a table row: %s", line);
        if (strncmp(line, "| `--", 5) != 0)
            continue;
        /* Row i describes setting i, in table order, with its variable. */
        ck_assert_msg(rows < NELEM(flag_names), "more rows than settings: %s", line);
        char want[64];
        snprintf(want, sizeof want, "| `--%s` | `%s` |", flag_names[rows], env_names[rows]);
        ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "row %zu: %s\nwant start %s", rows,
                      line, want);
        rows++;
    }
    ck_assert_uint_eq(rows, NELEM(flag_names));
    free(md);

    md = render(markdown_adapter, 0, NULL);
    ck_assert_ptr_nonnull(strstr(md, "| `--writers` | `SPAMGW_WRITERS` | `2` | 1..32 |"));
    ck_assert_ptr_nonnull(
        strstr(md, "| `--reporter-secret` | `SPAMGW_REPORTER_SECRET` | `(none)` |"));
    ck_assert_ptr_nonnull(strstr(md, "| `--default-region` | `SPAMGW_DEFAULT_REGION` | `US` |"));
    free(md);
}
END_TEST

START_TEST(test_help_text)
{
    struct sgw_opt extra[] = {{"role", "ROLE", "key role", NULL},
                              {"force", NULL, "boolean", NULL},
                              {NULL, NULL, NULL, NULL}};

    char *serve = render(sgw_config_print_help, SGW_CMD_SERVE, NULL);
    ck_assert_ptr_nonnull(strstr(serve, "--listen VALUE"));
    ck_assert_ptr_nonnull(strstr(serve, "--threads N"));
    ck_assert_ptr_nonnull(strstr(serve, "SPAMGW_THREADS"));
    ck_assert_ptr_nonnull(strstr(serve, "0..256"));
    ck_assert_ptr_nonnull(strstr(serve, "--help"));
    free(serve);

    char *key = render(sgw_config_print_help, SGW_CMD_KEY, extra);
    ck_assert_ptr_null(strstr(key, "--listen"));
    ck_assert_ptr_null(strstr(key, "--threads"));
    ck_assert_ptr_nonnull(strstr(key, "--database-url"));
    ck_assert_ptr_nonnull(strstr(key, "--role ROLE"));
    ck_assert_ptr_nonnull(strstr(key, "--force "));
    ck_assert_ptr_null(strstr(key, "--force ROLE"));
    free(key);
}
END_TEST

static Suite *
config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, clear_env, clear_env);
    tcase_add_test(tc, test_defaults);
    tcase_add_loop_test(tc, test_precedence_int, 0, (int)NELEM(precedence_cases));
    tcase_add_test(tc, test_precedence_str);
    tcase_add_test(tc, test_repeated_flag);
    tcase_add_test(tc, test_flag_spellings);
    tcase_add_test(tc, test_bounds_inclusive);
    tcase_add_test(tc, test_env_scoped_to_command);
    tcase_add_test(tc, test_help);
    tcase_add_test(tc, test_positional);
    tcase_add_test(tc, test_extra_options);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, clear_env, clear_env);
    tcase_add_loop_test(tc, test_errors, 0, (int)NELEM(error_cases));
    tcase_add_test(tc, test_long_unknown_flag);
    suite_add_tcase(s, tc);

    tc = tcase_create("render");
    tcase_add_test(tc, test_markdown);
    tcase_add_test(tc, test_help_text);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int failed = sgwt_suite_run(config_suite());
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
