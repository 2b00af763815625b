/* The one entry point intake calls per report: fold, find indicators, template, skeleton,
 * MinHash, tags. It owns no state and does no I/O; all it allocates belongs to the caller's
 * struct sgw_features until sgw_features_fini. */
#include "gateway/intake/features.h"

#include "gateway/common/mem.h"
#include "gateway/intake/textnorm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add_tag(struct sgw_features *f, const char *kind, const char *value)
{
    size_t need = strlen(kind) + 1 + strlen(value) + 1;
    char *tag = sgw_xmalloc(need);
    snprintf(tag, need, "%s:%s", kind, value);
    for (size_t k = 0; k < f->n_tags; k++) {
        if (strcmp(f->tags[k], tag) == 0) {
            free(tag);
            return;
        }
    }
    if (f->n_tags == SGW_FEATURES_MAX_TAGS) {
        free(tag);
        return;
    }
    f->tags[f->n_tags++] = tag;
}

/* Strong-indicator tags: a generic domain (shortener, platform) is tagged as such and gives no
 * host or domain tag, so that only its full URL can join campaigns. */
static void
make_tags(struct sgw_features *f)
{
    const struct sgw_indicators *ind = &f->ind;
    f->tags = sgw_xcalloc(SGW_FEATURES_MAX_TAGS, sizeof *f->tags);
    for (size_t k = 0; k < ind->n_urls; k++)
        add_tag(f, "url", ind->urls[k].url);
    for (size_t k = 0; k < ind->n_urls; k++) {
        const struct sgw_url *u = &ind->urls[k];
        if (u->generic) {
            add_tag(f, "generic_domain", u->domain);
            continue;
        }
        if (strcmp(u->host, u->domain) != 0)
            add_tag(f, "host", u->host);
        add_tag(f, "domain", u->domain);
    }
    for (size_t k = 0; k < ind->n_phones; k++)
        add_tag(f, "phone", ind->phones[k]);
    for (size_t k = 0; k < ind->n_emails; k++)
        add_tag(f, "email", ind->emails[k]);
    for (int kind = 0; kind < SGW_HANDLE_COUNT; kind++) {
        for (size_t k = 0; k < ind->n_handles; k++) {
            if ((int)ind->handles[k].kind == kind)
                add_tag(f, sgw_handle_kind_name(ind->handles[k].kind), ind->handles[k].id);
        }
    }
}

int
sgw_features_compute(const char *content, size_t len, const char *region, struct sgw_features *out)
{
    char *compact = NULL, *match = NULL;
    size_t compact_len = 0, match_len = 0;
    enum sgw_status st;

    memset(out, 0, sizeof *out);
    st = sgw_textnorm_fold(content, len, &out->folded, &out->folded_len);
    if (st != SGW_OK)
        goto fail;
    st = sgw_indicators_extract(out->folded, out->folded_len, region, &out->ind);
    if (st != SGW_OK)
        goto fail;
    st = sgw_textnorm_template(out->folded, out->folded_len, out->ind.spans, out->ind.n_spans,
                               &out->tmpl, &out->tmpl_len, &compact, &compact_len);
    if (st != SGW_OK)
        goto fail;
    st = sgw_textnorm_skeleton(out->folded, out->folded_len, &out->key, &out->key_len);
    if (st != SGW_OK)
        goto fail;
    st = sgw_textnorm_matchtext(compact, compact_len, &match, &match_len);
    if (st != SGW_OK)
        goto fail;
    sgw_minhash_compute(match, match_len, &out->sig);
    make_tags(out);
    st = SGW_OK;
fail:
    free(match);
    free(compact);
    return (int)st;
}

void
sgw_features_fini(struct sgw_features *f)
{
    if (f == NULL)
        return;
    free(f->folded);
    free(f->key);
    free(f->tmpl);
    sgw_indicators_fini(&f->ind);
    for (size_t k = 0; k < f->n_tags; k++)
        free(f->tags[k]);
    free(f->tags);
    memset(f, 0, sizeof *f);
}

void
sgw_features_signature_bytes(const struct sgw_features *f, unsigned char out[SGW_MINHASH_BYTES])
{
    sgw_minhash_to_bytes(&f->sig, out);
}

char *
sgw_features_tags_pg_array(const struct sgw_features *f)
{
    size_t need = 3;
    for (size_t k = 0; k < f->n_tags; k++)
        need += 2 * strlen(f->tags[k]) + 3;
    char *s = sgw_xmalloc(need), *p = s;
    *p++ = '{';
    for (size_t k = 0; k < f->n_tags; k++) {
        if (k > 0)
            *p++ = ',';
        *p++ = '"';
        for (const char *t = f->tags[k]; *t; t++) {
            if (*t == '"' || *t == '\\')
                *p++ = '\\';
            *p++ = *t;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}
