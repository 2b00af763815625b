/* spamgw: the one binary. Subcommands: serve, migrate, key, cluster, export, help-config. This file
 * only parses the command line and wires the modules together; it holds no domain logic. */
#include "db/conversation.h"
#include "db/db.h"
#include "db/keycache.h"
#include "db/keys.h"
#include "db/migrate.h"
#include "db/ticker.h"
#include "db/writer.h"
#include "gateway/cluster/worker.h"
#include "gateway/common/config.h"
#include "gateway/common/log.h"
#include "gateway/common/metrics.h"
#include "gateway/common/timeutil.h"
#include "gateway/export/export.h"
#include "gateway/http/cors.h"
#include "gateway/http/server.h"
#include "gateway/intake/country.h"
#include "gateway/intake/sms7726.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2

struct command {
    const char *name;
    int cmd;
    const char *usage;
    const char *summary;
    int (*run)(struct sgw_config *cfg, struct sgw_config_parse *p);
    struct sgw_opt *extra;
};

static int
usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "spamgw %s: %s (see 'spamgw %s --help')\n", cmd, msg, cmd);
    return EXIT_USAGE;
}

static void
apply_log_level(const struct sgw_config *cfg)
{
    enum sgw_log_level lvl;
    if (sgw_log_level_parse(cfg->log_level, &lvl) == 0)
        sgw_log_threshold = (int)lvl;
}

static struct sgw_db_conn *
connect_or_say(const struct sgw_config *cfg, const char *cmd)
{
    char err[512];
    struct sgw_db_conn *c = sgw_db_connect(cfg->database_url, 0, err, sizeof err);
    if (c == NULL)
        fprintf(stderr, "spamgw %s: cannot connect to the database: %s\n", cmd, err);
    return c;
}

/* --- migrate ----------------------------------------------------------------------------- */

static int
cmd_migrate(struct sgw_config *cfg, struct sgw_config_parse *p)
{
    char err[512];
    int applied = 0, version = 0, rc = 1;
    struct sgw_db_conn *c;

    if (p->npositional > 0)
        return usage_error("migrate", "takes no arguments");
    c = connect_or_say(cfg, "migrate");
    if (c == NULL)
        return 1;
    if (sgw_migrate_run(c, &applied, err, sizeof err) != 0) {
        fprintf(stderr, "spamgw migrate: %s\n", err);
        goto done;
    }
    if (sgw_migrate_current(c, &version, err, sizeof err) != 0) {
        fprintf(stderr, "spamgw migrate: %s\n", err);
        goto done;
    }
    printf("schema at version %d (%d migration%s applied)\n", version, applied,
           applied == 1 ? "" : "s");
    rc = 0;
done:
    sgw_db_close(c);
    return rc;
}

/* --- key --------------------------------------------------------------------------------- */

static struct sgw_opt key_opts[] = {
    {"role", "ROLE", "key create: reporter, relay, analyst or admin", NULL},
    {"name", "NAME", "key create: who or what uses the key (1-100 characters)", NULL},
    {NULL, NULL, NULL, NULL},
};

static int
cmd_key(struct sgw_config *cfg, struct sgw_config_parse *p)
{
    char err[512];
    int rc = 1;
    struct sgw_db_conn *c = NULL;
    const char *role = key_opts[0].value, *name = key_opts[1].value;

    if (p->npositional == 0)
        return usage_error("key", "needs an action: create, list or revoke");
    const char *action = p->positional[0];
    if (strcmp(action, "create") == 0) {
        if (p->npositional != 1)
            return usage_error("key", "create takes no arguments besides --role and --name");
        if (role == NULL || sgw_role_parse(role) == SGW_ROLE_NONE)
            return usage_error("key", "--role must be reporter, relay, analyst or admin");
        if (name == NULL || name[0] == '\0' || strlen(name) > 100)
            return usage_error("key", "--name must be 1 to 100 characters");
    } else if (strcmp(action, "list") == 0) {
        if (p->npositional != 1)
            return usage_error("key", "list takes no arguments");
    } else if (strcmp(action, "revoke") == 0) {
        char *end;
        if (p->npositional != 2)
            return usage_error("key", "revoke takes one key id");
        long long id = strtoll(p->positional[1], &end, 10);
        if (*end != '\0' || id <= 0)
            return usage_error("key", "the key id must be a positive whole number");
    } else {
        return usage_error("key", "unknown action (create, list or revoke)");
    }

    c = connect_or_say(cfg, "key");
    if (c == NULL)
        return 1;
    if (strcmp(action, "create") == 0) {
        char key[SGW_KEY_LEN + 1];
        int64_t id;
        if (sgw_db_key_create(c, sgw_role_parse(role), name, key, &id, err, sizeof err) != 0) {
            fprintf(stderr, "spamgw key create: %s\n", err);
            goto done;
        }
        /* stdout carries only the key so scripts can capture it; it is never shown again. */
        printf("%s\n", key);
        fprintf(stderr,
                "created key id=%lld role=%s name=%s (store it now: only its hash is kept)\n",
                (long long)id, role, name);
    } else if (strcmp(action, "list") == 0) {
        PGresult *res = sgw_db_exec(c, SGW_STMT_key_list, NULL);
        if (!sgw_db_ok(res)) {
            sgw_db_error(c, res, err, sizeof err);
            fprintf(stderr, "spamgw key list: %s\n", err);
            PQclear(res);
            goto done;
        }
        printf("%-6s %-9s %-21s %-21s %s\n", "ID", "ROLE", "CREATED", "REVOKED", "NAME");
        for (int i = 0; i < PQntuples(res); i++) {
            const char *rev = PQgetvalue(res, i, 4);
            printf("%-6s %-9s %-21s %-21s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                   PQgetvalue(res, i, 3), rev[0] ? rev : "-", PQgetvalue(res, i, 2));
        }
        PQclear(res);
    } else {
        int64_t id = strtoll(p->positional[1], NULL, 10);
        int r = sgw_db_key_revoke(c, id, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "spamgw key revoke: %s\n", err);
            goto done;
        }
        if (r == 1) {
            fprintf(stderr, "spamgw key revoke: no key with id %lld\n", (long long)id);
            goto done;
        }
        printf(r == 2 ? "key %lld was already revoked\n" : "key %lld revoked\n", (long long)id);
    }
    rc = 0;
done:
    sgw_db_close(c);
    return rc;
}

/* --- serve ------------------------------------------------------------------------------- */

static int
check_schema_for(const struct sgw_config *cfg, const char *cmd)
{
    char err[512];
    int version = 0, rc = 1;
    struct sgw_db_conn *c = connect_or_say(cfg, cmd);
    if (c == NULL)
        return 1;
    if (sgw_migrate_current(c, &version, err, sizeof err) != 0) {
        fprintf(stderr, "spamgw %s: cannot read the schema version: %s\n", cmd, err);
    } else if (version < sgw_migrate_latest()) {
        fprintf(stderr,
                "spamgw %s: the database schema is at version %d, this spamgw needs %d: "
                "run 'spamgw migrate' with the same --database-url first\n",
                cmd, version, sgw_migrate_latest());
    } else if (version > sgw_migrate_latest()) {
        fprintf(stderr,
                "spamgw %s: the database schema (version %d) is newer than this spamgw "
                "(%d): upgrade spamgw\n",
                cmd, version, sgw_migrate_latest());
    } else {
        rc = 0;
    }
    sgw_db_close(c);
    return rc;
}

static int
check_schema(const struct sgw_config *cfg)
{
    return check_schema_for(cfg, "serve");
}

/* The read pool's pacing asks the writer whether intake is busy (readpool.h knows no writer). */
static int
intake_busy(void *writer)
{
    return sgw_db_writer_busy(writer);
}

static int
cmd_serve(struct sgw_config *cfg, struct sgw_config_parse *p)
{
    struct sgw_server srv;
    struct sgw_cluster *cluster = NULL;
    struct sgw_db_ticker *sweeper = NULL;
    struct sgw_sms_sweep sweep = {.limit = 1000};
    sigset_t sigs;
    char err[512];
    int sig = 0, rc = 1;

    memset(&srv, 0, sizeof srv);
    if (p->npositional > 0)
        return usage_error("serve", "takes no arguments");
    if (strlen(cfg->reporter_secret) < 16)
        return usage_error("serve", "the reporter secret (SPAMGW_REPORTER_SECRET or "
                                    "--reporter-secret) must be at least 16 bytes");
    char region[3];
    if (strlen(cfg->default_region) != 2)
        return usage_error("serve", "--default-region must be an ISO 3166-1 alpha-2 code");
    if (sgw_country_normalise(cfg->default_region, region) != 0)
        return usage_error("serve", "--default-region must be an ISO 3166-1 alpha-2 code");
    if (!sgw_sms7726_short_codes_valid(cfg->sms_short_codes))
        return usage_error("serve", "--sms-short-codes must be short codes of 3 to 15 digits, "
                                    "separated by commas");
    if (strcmp(cfg->cluster, "auto") != 0 && strcmp(cfg->cluster, "off") != 0)
        return usage_error("serve", "--cluster must be auto or off");
    if (!sgw_cors_origins_valid(cfg->cors_origins))
        return usage_error("serve", "--cors-origins must be * or origins like "
                                    "https://dash.example.net (no path), separated by commas");
    if (check_schema(cfg) != 0)
        return 1;

    /* Signals go to sigwait below, not to whichever thread happens to run. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    srv.cfg = cfg;
    srv.listen_fd = -1;
    srv.intake.secret = (const unsigned char *)cfg->reporter_secret;
    srv.intake.secret_len = strlen(cfg->reporter_secret);
    srv.intake.default_region = region;
    srv.keys = sgw_db_keycache_new(cfg->database_url);
    if (sgw_db_keycache_start(srv.keys, err, sizeof err) != 0) {
        fprintf(stderr, "spamgw serve: cannot load API keys: %s\n", err);
        goto done;
    }
    struct sgw_db_writer_config wc = {cfg->database_url, (int)cfg->writers, (int)cfg->batch_max,
                                      (int)cfg->queue_capacity, cfg->commit_timeout * 1000};
    srv.writer = sgw_db_writer_new(&wc);
    if (sgw_db_writer_start(srv.writer) != 0)
        goto done;
    sgw_metrics_gauge("spamgw_queue_depth", "Reports waiting for commit.", sgw_db_writer_depth,
                      srv.writer);
    struct sgw_db_readpool_config rpc = {
        cfg->read_database_url[0] ? cfg->read_database_url : cfg->database_url,
        (int)cfg->read_connections, 1024, cfg->read_timeout * 1000};
    struct sgw_db_readpool_pacing pacing = {(int)cfg->read_share, intake_busy, srv.writer, 0};
    srv.reads = sgw_db_readpool_new(&rpc);
    sgw_db_readpool_set_pacing(srv.reads, &pacing);
    if (sgw_db_readpool_start(srv.reads) != 0)
        goto done;
    sgw_metrics_gauge("spamgw_read_queue_depth", "API reads waiting for a read connection.",
                      sgw_db_readpool_depth, srv.reads);
    /* Expired 7726 reports are also stored lazily at the subscriber's next message; the sweep
     * covers subscribers who never write again. */
    if (cfg->sms_sweep_interval > 0)
        sweeper = sgw_db_ticker_start(srv.writer, cfg->sms_sweep_interval * 1000,
                                      sgw_db_sms7726_sweep, &sweep, sgw_db_sms7726_sweep_done);
    if (strcmp(cfg->cluster, "auto") == 0) {
        struct sgw_cluster_config cc;
        sgw_cluster_config_from(cfg, region, &cc);
        cluster = sgw_cluster_new(&cc);
        if (sgw_cluster_start(cluster) != 0)
            goto done;
    }
    if (sgw_server_start(&srv) != 0)
        goto done;

    sigwait(&sigs, &sig);
    sgw_info("event=shutdown signal=%d outstanding=%ld", sig, atomic_load(&srv.outstanding));
    sgw_server_quiesce(&srv);
    sgw_server_drain(&srv, 10000); /* answers what is in flight while the writer runs */
    sgw_db_ticker_stop(sweeper);   /* waits for a sweep in flight; the writer still runs */
    sweeper = NULL;
    sgw_db_writer_stop(srv.writer);  /* commits anything still queued and answers it */
    sgw_db_readpool_stop(srv.reads); /* answers the reads still queued */
    sgw_server_drain(&srv, 2000);
    sgw_info("event=stopped unanswered=%ld", atomic_load(&srv.active));
    rc = 0;
done:
    sgw_server_stop(&srv);
    sgw_cluster_free(cluster); /* stops after its chunk in flight */
    sgw_db_ticker_stop(sweeper);
    sgw_metrics_reset_gauges();
    sgw_db_readpool_stop(srv.reads); /* its pacing asks the writer, which goes first */
    if (srv.writer) {
        sgw_db_writer_stop(srv.writer);
        sgw_db_writer_free(srv.writer);
    }
    sgw_db_readpool_free(srv.reads);
    sgw_db_keycache_free(srv.keys);
    return rc;
}

/* --- cluster ------------------------------------------------------------------------------ */

static int
cmd_cluster(struct sgw_config *cfg, struct sgw_config_parse *p)
{
    sigset_t sigs;
    int sig = 0;
    char region[3];

    if (p->npositional > 0)
        return usage_error("cluster", "takes no arguments");
    if (strlen(cfg->default_region) != 2 || sgw_country_normalise(cfg->default_region, region) != 0)
        return usage_error("cluster", "--default-region must be an ISO 3166-1 alpha-2 code");
    if (check_schema(cfg) != 0)
        return 1;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sgw_cluster_config cc;
    sgw_cluster_config_from(cfg, region, &cc);
    struct sgw_cluster *cluster = sgw_cluster_new(&cc);
    if (sgw_cluster_start(cluster) != 0) {
        sgw_cluster_free(cluster);
        return 1;
    }
    sgw_info("event=cluster_started");
    sigwait(&sigs, &sig);
    sgw_info("event=shutdown signal=%d", sig);
    sgw_cluster_free(cluster);
    sgw_info("event=stopped");
    return 0;
}

/* --- export ------------------------------------------------------------------------------ */

static struct sgw_opt export_opts[] = {
    {"format", "FORMAT", "csv, ndjson, stix (STIX 2.1 bundle) or blocklist", NULL},
    {"out", "DIR", "existing directory the files go to", NULL},
    {"since", "TIME", "only campaigns last seen at or after TIME (RFC 3339)", NULL},
    {"incremental", NULL,
     "only campaigns changed since the last successful run of the same --name and --format "
     "(watermark kept in PostgreSQL)",
     NULL},
    {"name", "NAME", "watermark name for --incremental (default: default)", NULL},
    {"min-reports", "N", "only campaigns with at least N reports", NULL},
    {"status", "STATUS",
     "only campaigns with this status (open, confirmed, false_positive, blocked)", NULL},
    {"city", "CITY", "only campaigns reported from this city (key, name or city)", NULL},
    {NULL, NULL, NULL, NULL},
};

static int
cmd_export(struct sgw_config *cfg, struct sgw_config_parse *p)
{
    struct sgw_export_options o = {.database_url = cfg->database_url,
                                   .name = "default",
                                   .now_us = sgw_now_us(),
                                   .wait_ms = 60000};
    struct sgw_export_summary sum;
    const char *fmt = export_opts[0].value, *since = export_opts[2].value;
    const char *minr = export_opts[5].value;
    char err[1024];

    if (p->npositional > 0)
        return usage_error("export", "takes no arguments besides its options");
    if (fmt == NULL || sgw_export_format_parse(fmt, &o.format) != 0)
        return usage_error("export", "--format must be csv, ndjson, stix or blocklist");
    o.out_dir = export_opts[1].value;
    if (o.out_dir == NULL || o.out_dir[0] == '\0')
        return usage_error("export", "--out DIR is required");
    o.incremental = export_opts[3].value != NULL;
    if (since != NULL) {
        if (o.incremental)
            return usage_error("export", "--since and --incremental exclude each other");
        if (sgw_rfc3339_parse(since, strlen(since), &o.since_us) != 0)
            return usage_error("export", "--since must be an RFC 3339 time such as "
                                         "2026-11-25T18:00:00Z");
        o.has_since = 1;
    }
    if (export_opts[4].value != NULL) {
        o.name = export_opts[4].value;
        if (o.name[0] == '\0' || strlen(o.name) > 100)
            return usage_error("export", "--name must be 1 to 100 characters");
    }
    if (minr != NULL) {
        char *end;
        long v = strtol(minr, &end, 10);
        if (minr[0] == '\0' || *end != '\0' || v < 0 || v > 1000000000)
            return usage_error("export", "--min-reports must be a whole number from 0");
        o.min_reports = v;
    }
    o.status = export_opts[6].value;
    if (o.status != NULL && strcmp(o.status, "open") != 0 && strcmp(o.status, "confirmed") != 0 &&
        strcmp(o.status, "false_positive") != 0 && strcmp(o.status, "blocked") != 0)
        return usage_error("export", "--status must be open, confirmed, false_positive or blocked");
    o.city = export_opts[7].value;
    if (o.city != NULL && (o.city[0] == '\0' || strlen(o.city) > 200))
        return usage_error("export", "--city must be 1 to 200 characters");
    struct stat st;
    if (stat(o.out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, sizeof err, "output directory %s: %s", o.out_dir,
                 errno ? strerror(errno) : "not a directory");
        if (stat(o.out_dir, &st) == 0)
            snprintf(err, sizeof err, "output directory %s: not a directory", o.out_dir);
        return usage_error("export", err);
    }
    if (check_schema_for(cfg, "export") != 0)
        return 1;

    int rc = sgw_export_run(&o, &sum, err, sizeof err);
    if (rc == SGW_EXPORT_USAGE)
        return usage_error("export", err);
    if (rc != SGW_EXPORT_OK) {
        fprintf(stderr, "spamgw export: %s (no file written, watermark unchanged)\n", err);
        return 1;
    }
    for (int i = 0; i < sum.nfiles; i++)
        printf("%s rows=%ld\n", sum.path[i], sum.file_rows[i]);
    return 0;
}

/* --- help-config ------------------------------------------------------------------------- */

static struct sgw_opt helpcfg_opts[] = {
    {"markdown", NULL, "print the configuration table as Markdown (for the README)", NULL},
    {NULL, NULL, NULL, NULL},
};

static int
cmd_help_config(struct sgw_config *cfg, struct sgw_config_parse *p)
{
    (void)cfg;
    (void)p;
    if (helpcfg_opts[0].value != NULL) {
        sgw_config_print_markdown(stdout);
    } else {
        sgw_config_print_help(stdout, SGW_CMD_SERVE | SGW_CMD_MIGRATE | SGW_CMD_KEY, NULL);
    }
    return 0;
}

static struct command commands[] = {
    {"serve", SGW_CMD_SERVE, "spamgw serve [options]",
     "run the HTTP gateway (reports in, durable in PostgreSQL before 202)", cmd_serve, NULL},
    {"migrate", SGW_CMD_MIGRATE, "spamgw migrate [options]",
     "apply pending schema migrations (safe to run again)", cmd_migrate, NULL},
    {"key", SGW_CMD_KEY,
     "spamgw key create --role reporter|relay|analyst|admin --name NAME\n"
     "       spamgw key list\n"
     "       spamgw key revoke ID",
     "manage API keys (the key is printed once; only its SHA-256 is stored)", cmd_key, key_opts},
    {"cluster", SGW_CMD_CLUSTER, "spamgw cluster [options]",
     "run only the cluster worker (campaigns, sender clusters, city roll-ups); one per fleet "
     "holds the lock, others wait as hot standbys",
     cmd_cluster, NULL},
    {"export", SGW_CMD_EXPORT,
     "spamgw export --format csv|ndjson|stix|blocklist --out DIR [--since TIME | --incremental "
     "[--name "
     "N]]\n"
     "       [--min-reports N] [--status S] [--city C]",
     "write campaigns to a timestamped file in DIR (atomically, with manifest.json)", cmd_export,
     export_opts},
    {"help-config", 0, "spamgw help-config [--markdown]",
     "print every configuration setting with its flag, environment variable and default",
     cmd_help_config, helpcfg_opts},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void
print_usage(FILE *out)
{
    fprintf(out,
            "spamgw %s — carrier spam-report gateway\n\nUsage: spamgw COMMAND [options]\n\n"
            "Commands:\n",
            SGW_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'spamgw COMMAND --help' for a command's options. Options can also be set\n"
                 "with SPAMGW_* environment variables; flags win over the environment.\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("spamgw %s\n", SGW_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        struct command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        struct sgw_config cfg;
        struct sgw_config_parse p;
        memset(&p, 0, sizeof p);
        p.cmd = c->cmd;
        p.extra = c->extra;
        if (sgw_config_load(&cfg, &p, argc - 1, argv + 1) != 0)
            return usage_error(c->name, p.error);
        if (p.help) {
            printf("Usage: %s\n\n%s\n\nOptions:\n", c->usage, c->summary);
            sgw_config_print_help(stdout, c->cmd, c->extra);
            sgw_config_fini(&cfg);
            return 0;
        }
        apply_log_level(&cfg);
        int rc = c->run(&cfg, &p);
        sgw_config_fini(&cfg);
        return rc;
    }
    fprintf(stderr, "spamgw: unknown command '%.40s' (see 'spamgw --help')\n", argv[1]);
    return EXIT_USAGE;
}
