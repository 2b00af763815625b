/* Configuration from the declared table in config.def: flag over environment over default.
 * Parsing never exits: it returns a status and a one-line message for the caller to print. */
#ifndef SGW_CONFIG_H
#define SGW_CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum {
    SGW_CMD_SERVE = 1 << 0,
    SGW_CMD_MIGRATE = 1 << 1,
    SGW_CMD_KEY = 1 << 2,
    SGW_CMD_CLUSTER = 1 << 3,
    SGW_CMD_EXPORT = 1 << 4,
};

struct sgw_config {
#define SGW_CONFIG_INT(f) long f;
#define SGW_CONFIG_STR(f) char *f;
#define SGW_CONFIG(f, flag, type, def, min, max, env, cmds, help) SGW_CONFIG_##type(f)
#include "gateway/common/config.def"
#undef SGW_CONFIG
#undef SGW_CONFIG_INT
#undef SGW_CONFIG_STR
};

/* Options a subcommand reads besides the table (e.g. `key create --role`). */
struct sgw_opt {
    const char *name; /* flag without dashes */
    const char *arg;  /* placeholder for help, NULL for a boolean flag */
    const char *help;
    const char *value; /* out: points into argv or "1" for booleans; NULL if absent */
};

#define SGW_CONFIG_MAX_POSITIONAL 8

struct sgw_config_parse {
    int cmd;                                           /* SGW_CMD_* bit of the subcommand */
    struct sgw_opt *extra;                             /* optional, terminated by name == NULL */
    const char *positional[SGW_CONFIG_MAX_POSITIONAL]; /* out: non-flag arguments */
    int npositional;                                   /* out */
    int help;                                          /* out: --help was given */
    char error[256];                                   /* out: one clear line when parsing fails */
};

/* Fills cfg from defaults, then env, then argv (argv[0] is the subcommand name).
 * Returns 0, or -1 with p->error set (exit status 2). cfg owns its strings. */
int sgw_config_load(struct sgw_config *cfg, struct sgw_config_parse *p, int argc, char **argv);
void sgw_config_fini(struct sgw_config *cfg);

/* Help lines for the options of subcommand cmd (and the extra ones). */
void sgw_config_print_help(FILE *out, int cmd, const struct sgw_opt *extra);
/* The whole table as Markdown, for the README. */
void sgw_config_print_markdown(FILE *out);

#endif
