/* Loads struct sgw_config from the table in config.def. Every bound is checked here, so the
 * rest of the program trusts the values; it never prints the reporter secret. */
#include "gateway/common/config.h"

#include "gateway/common/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { T_INT, T_STR };

struct entry {
    const char *field;
    const char *flag;
    enum opt_type type;
    const char *def;
    long min, max;
    const char *env;
    int cmds;
    const char *help;
    size_t offset;
};

static const struct entry table[] = {
#define SGW_CONFIG(f, flag, type, def, min, max, env, cmds, help)                                  \
    {#f, flag, T_##type, def, min, max, env, cmds, help, offsetof(struct sgw_config, f)},
#include "gateway/common/config.def"
#undef SGW_CONFIG
};
#define NENTRIES (sizeof table / sizeof table[0])

static int
set_value(struct sgw_config *cfg, const struct entry *e, const char *val, const char *source,
          char *err, size_t errsz)
{
    char *base = (char *)cfg + e->offset;

    if (e->type == T_INT) {
        char *end = NULL;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno != 0 || end == val || *end != '\0') {
            snprintf(err, errsz, "%s must be a whole number (got '%.40s')", source, val);
            return -1;
        }
        if (v < e->min || v > e->max) {
            snprintf(err, errsz, "%s must be between %ld and %ld (got %ld)", source, e->min, e->max,
                     v);
            return -1;
        }
        *(long *)base = v;
        return 0;
    }
    if (e->max > 0 && strlen(val) > (size_t)e->max) {
        snprintf(err, errsz, "%s is longer than %ld bytes", source, e->max);
        return -1;
    }
    if (strcmp(e->field, "log_level") == 0 && strcmp(val, "debug") != 0 &&
        strcmp(val, "info") != 0 && strcmp(val, "warn") != 0 && strcmp(val, "error") != 0) {
        snprintf(err, errsz, "%s must be debug, info, warn or error (got '%.20s')", source, val);
        return -1;
    }
    char **slot = (char **)base;
    free(*slot);
    *slot = sgw_xstrdup(val);
    return 0;
}

static const struct entry *
find_entry(const char *name, size_t len, int cmd)
{
    for (size_t i = 0; i < NENTRIES; i++) {
        if ((table[i].cmds & cmd) && strlen(table[i].flag) == len &&
            strncmp(table[i].flag, name, len) == 0)
            return &table[i];
    }
    return NULL;
}

static struct sgw_opt *
find_extra(struct sgw_opt *extra, const char *name, size_t len)
{
    for (; extra && extra->name; extra++) {
        if (strlen(extra->name) == len && strncmp(extra->name, name, len) == 0)
            return extra;
    }
    return NULL;
}

int
sgw_config_load(struct sgw_config *cfg, struct sgw_config_parse *p, int argc, char **argv)
{
    char source[128];

    memset(cfg, 0, sizeof *cfg);
    p->npositional = 0;
    p->help = 0;
    p->error[0] = '\0';
    for (size_t i = 0; i < NENTRIES; i++) {
        if (set_value(cfg, &table[i], table[i].def, "default", p->error, sizeof p->error) != 0)
            goto fail;
    }
    for (size_t i = 0; i < NENTRIES; i++) {
        const char *v = getenv(table[i].env);
        if (v == NULL || !(table[i].cmds & p->cmd))
            continue;
        snprintf(source, sizeof source, "%s", table[i].env);
        if (set_value(cfg, &table[i], v, source, p->error, sizeof p->error) != 0)
            goto fail;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            p->help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (p->npositional == SGW_CONFIG_MAX_POSITIONAL) {
                snprintf(p->error, sizeof p->error, "too many arguments");
                goto fail;
            }
            p->positional[p->npositional++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct entry *e = find_entry(name, len, p->cmd);
        struct sgw_opt *x = e ? NULL : find_extra(p->extra, name, len);
        if (e == NULL && x == NULL) {
            snprintf(p->error, sizeof p->error, "unknown option '--%.*s'",
                     (int)(len > 60 ? 60 : len), name);
            goto fail;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (x != NULL && x->arg == NULL) {
            if (val != NULL) {
                snprintf(p->error, sizeof p->error, "option '--%s' takes no value", x->name);
                goto fail;
            }
            x->value = "1";
            continue;
        }
        if (val == NULL) {
            if (i + 1 >= argc) {
                snprintf(p->error, sizeof p->error, "option '--%.*s' needs a value", (int)len,
                         name);
                goto fail;
            }
            val = argv[++i];
        }
        if (x != NULL) {
            x->value = val;
            continue;
        }
        snprintf(source, sizeof source, "--%s", e->flag);
        if (set_value(cfg, e, val, source, p->error, sizeof p->error) != 0)
            goto fail;
    }
    return 0;
fail:
    sgw_config_fini(cfg);
    return -1;
}

void
sgw_config_fini(struct sgw_config *cfg)
{
    for (size_t i = 0; i < NENTRIES; i++) {
        if (table[i].type == T_STR) {
            char **slot = (char **)((char *)cfg + table[i].offset);
            free(*slot);
            *slot = NULL;
        }
    }
}

void
sgw_config_print_help(FILE *out, int cmd, const struct sgw_opt *extra)
{
    for (; extra && extra->name; extra++) {
        char lhs[64];
        snprintf(lhs, sizeof lhs, "--%s%s%s", extra->name, extra->arg ? " " : "",
                 extra->arg ? extra->arg : "");
        fprintf(out, "  %-28s %s\n", lhs, extra->help);
    }
    for (size_t i = 0; i < NENTRIES; i++) {
        const struct entry *e = &table[i];
        char lhs[64];
        if (!(e->cmds & cmd))
            continue;
        snprintf(lhs, sizeof lhs, "--%s %s", e->flag, e->type == T_INT ? "N" : "VALUE");
        fprintf(out, "  %-28s %s\n  %-28s [env %s; default '%s'", lhs, e->help, "", e->env, e->def);
        if (e->type == T_INT)
            fprintf(out, "; %ld..%ld", e->min, e->max);
        fprintf(out, "]\n");
    }
    fprintf(out, "  %-28s %s\n", "--help", "show this help");
}

void
sgw_config_print_markdown(FILE *out)
{
    fprintf(out, "| flag | environment | default | bounds | meaning |\n");
    fprintf(out, "|---|---|---|---|---|\n");
    for (size_t i = 0; i < NENTRIES; i++) {
        const struct entry *e = &table[i];
        char bounds[64];
        if (e->type == T_INT)
            snprintf(bounds, sizeof bounds, "%ld..%ld", e->min, e->max);
        else if (e->max > 0)
            snprintf(bounds, sizeof bounds, "≤ %ld bytes", e->max);
        else
            snprintf(bounds, sizeof bounds, "-");
        fprintf(out, "| `--%s` | `%s` | `%s` | %s | %s |\n", e->flag, e->env,
                e->def[0] ? e->def : "(none)", bounds, e->help);
    }
}
