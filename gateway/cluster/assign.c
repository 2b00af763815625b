/* Campaign assignment. Every choice breaks ties by id, never by hash-table order or time, so
 * a restarted worker that reloads the same state decides exactly as an uninterrupted one. It
 * must never read the clock or the database. */
#include "gateway/cluster/assign.h"

#include "gateway/cluster/maps.h"
#include "gateway/common/mem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HITS 256
#define MAX_CANDIDATES 64

struct sgw_assign {
    struct sgw_assign_config cfg;
    struct sgw_lsh *lsh;
    struct sgw_uf *uf;
    struct sgw_map *indicators; /* string -> int64_t campaign */
    struct sgw_map *repcount;   /* campaign root -> int32_t */
    struct sgw_lsh_hit hits[MAX_HITS];
};

void
sgw_assign_config_default(struct sgw_assign_config *c)
{
    c->threshold = 0.8; /* measured: tests/eval (precision first) */
    c->rep_similar = 0.9;
    c->reps_per_campaign = 8;
    c->max_reps = 1000000;
    c->max_bridge = 4;
    c->max_indicators = 16;
}

int
sgw_assign_indicator_strong(const char *s)
{
    /* Generic domains (shorteners, big platforms) and bare hosts say nothing about the sender:
     * only their full URL is strong. */
    static const char *const strong[] = {"url:", "domain:",   "phone:",    "email:", "wechat:",
                                         "qq:",  "whatsapp:", "telegram:", "line:",  "handle:"};
    for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++) {
        size_t n = strlen(strong[i]);
        if (strncmp(s, strong[i], n) == 0 && s[n] != '\0')
            return 1;
    }
    return 0;
}

struct sgw_assign *
sgw_assign_new(const struct sgw_assign_config *cfg)
{
    struct sgw_assign *a = sgw_xcalloc(1, sizeof *a);
    a->cfg = *cfg;
    a->lsh = sgw_lsh_new(cfg->max_reps);
    a->uf = sgw_uf_new();
    a->indicators = sgw_map_new(sizeof(int64_t));
    a->repcount = sgw_map_new(sizeof(int32_t));
    return a;
}

void
sgw_assign_free(struct sgw_assign *a)
{
    if (a == NULL)
        return;
    sgw_lsh_free(a->lsh);
    sgw_uf_free(a->uf);
    sgw_map_free(a->indicators);
    sgw_map_free(a->repcount);
    free(a);
}

int64_t
sgw_assign_resolve(struct sgw_assign *a, int64_t id)
{
    return sgw_uf_find(a->uf, id);
}

static void
repcount_add(struct sgw_assign *a, int64_t campaign, int32_t delta)
{
    int32_t *c = sgw_map_iput(a->repcount, campaign, NULL);
    *c += delta;
    if (*c <= 0)
        sgw_map_idel(a->repcount, campaign);
}

static int32_t
repcount_get(struct sgw_assign *a, int64_t campaign)
{
    int32_t *c = sgw_map_iget(a->repcount, campaign);
    return c ? *c : 0;
}

static void
add_rep(struct sgw_assign *a, int64_t report_id, int64_t campaign, const struct sgw_minhash *sig,
        int64_t *evicted)
{
    int64_t ev_report, ev_campaign;
    sgw_lsh_add(a->lsh, report_id, campaign, sig, &ev_report, &ev_campaign);
    if (ev_report != 0)
        repcount_add(a, sgw_uf_find(a->uf, ev_campaign), -1);
    repcount_add(a, campaign, 1);
    if (evicted)
        *evicted = ev_report;
}

void
sgw_assign_load_merge(struct sgw_assign *a, int64_t old_id, int64_t survivor)
{
    sgw_uf_set(a->uf, old_id, survivor);
}

void
sgw_assign_load_rep(struct sgw_assign *a, int64_t report_id, int64_t campaign_id,
                    const struct sgw_minhash *sig)
{
    add_rep(a, report_id, sgw_uf_find(a->uf, campaign_id), sig, NULL);
}

void
sgw_assign_indicator_put(struct sgw_assign *a, const char *indicator, int64_t campaign_id)
{
    *(int64_t *)sgw_map_sput(a->indicators, indicator, NULL) = campaign_id;
}

void
sgw_assign_indicators_clear(struct sgw_assign *a)
{
    sgw_map_clear(a->indicators);
}

static int
usable(const struct sgw_minhash *sig)
{
    return sig != NULL && !(sig->flags & (SGW_MINHASH_EMPTY | SGW_MINHASH_WEAK));
}

struct cand {
    int64_t root;
    double sim; /* best LSH similarity; -1 when only through an indicator */
};

static void
cand_add(struct cand *c, size_t *n, int64_t root, double sim)
{
    for (size_t i = 0; i < *n; i++) {
        if (c[i].root == root) {
            if (sim > c[i].sim)
                c[i].sim = sim;
            return;
        }
    }
    if (*n < MAX_CANDIDATES)
        c[(*n)++] = (struct cand){root, sim};
}

static int
cmp_root(const void *x, const void *y)
{
    int64_t a = ((const struct cand *)x)->root, b = ((const struct cand *)y)->root;
    return (a > b) - (a < b);
}

void
sgw_assign_report(struct sgw_assign *a, const struct sgw_assign_input *in,
                  struct sgw_assign_result *out)
{
    struct cand cands[MAX_CANDIDATES];
    size_t ncand = 0, nhits = 0;
    size_t nind = in->nindicators;

    memset(out, 0, sizeof *out);
    if (usable(in->sig)) {
        nhits = sgw_lsh_query(a->lsh, in->sig, a->hits, MAX_HITS);
        if (nhits > MAX_HITS)
            nhits = MAX_HITS;
        for (size_t i = 0; i < nhits; i++) {
            if (a->hits[i].similarity > out->best_similarity)
                out->best_similarity = a->hits[i].similarity;
            if (a->hits[i].similarity >= a->cfg.threshold)
                cand_add(cands, &ncand, sgw_uf_find(a->uf, a->hits[i].campaign_id),
                         a->hits[i].similarity);
        }
    }
    int looked = 0;
    for (size_t i = 0; i < nind && looked < a->cfg.max_indicators; i++) {
        if (!sgw_assign_indicator_strong(in->indicators[i]))
            continue;
        looked++;
        int64_t *c = sgw_map_sget(a->indicators, in->indicators[i]);
        if (c != NULL)
            cand_add(cands, &ncand, sgw_uf_find(a->uf, *c), -1);
    }

    if (ncand == 0) {
        out->campaign_id = in->report_id;
        out->new_campaign = 1;
    } else {
        qsort(cands, ncand, sizeof cands[0], cmp_root);
        if (ncand > (size_t)a->cfg.max_bridge || ncand - 1 > SGW_ASSIGN_MAX_MERGES) {
            /* A report that matches many campaigns at once (a message stuffed with other
             * campaigns' links, a generic text) must not glue them: it joins its closest one
             * (best similarity, then lowest id) and merges nothing. */
            size_t best = 0;
            for (size_t i = 1; i < ncand; i++) {
                if (cands[i].sim > cands[best].sim)
                    best = i;
            }
            out->campaign_id = cands[best].root;
            out->bridged_too_many = 1;
        } else {
            int64_t survivor = cands[0].root;
            for (size_t i = 1; i < ncand; i++) {
                int64_t away = 0;
                sgw_uf_union(a->uf, survivor, cands[i].root, &away);
                if (away == 0)
                    continue;
                out->merged[out->nmerged++] = away;
                int32_t moved = repcount_get(a, away);
                if (moved > 0) {
                    sgw_map_idel(a->repcount, away);
                    repcount_add(a, survivor, moved);
                }
            }
            out->campaign_id = survivor;
        }
    }

    /* New strong indicators now point at this campaign. */
    looked = 0;
    for (size_t i = 0; i < nind && looked < a->cfg.max_indicators; i++) {
        if (!sgw_assign_indicator_strong(in->indicators[i]))
            continue;
        looked++;
        int created = 0;
        int64_t *c = sgw_map_sput(a->indicators, in->indicators[i], &created);
        if (created) {
            *c = out->campaign_id;
            if (out->nnew_indicators < sizeof out->new_indicators / sizeof out->new_indicators[0])
                out->new_indicators[out->nnew_indicators++] = i;
        }
    }

    /* A representative only when the campaign has none this similar, and room is left. */
    if (usable(in->sig)) {
        double near = 0;
        for (size_t i = 0; i < nhits; i++) {
            if (a->hits[i].similarity > near &&
                sgw_uf_find(a->uf, a->hits[i].campaign_id) == out->campaign_id)
                near = a->hits[i].similarity;
        }
        if (near < a->cfg.rep_similar &&
            repcount_get(a, out->campaign_id) < a->cfg.reps_per_campaign) {
            add_rep(a, in->report_id, out->campaign_id, in->sig, &out->evicted_report);
            out->rep_added = 1;
        }
    }
}

size_t
sgw_assign_reps(const struct sgw_assign *a)
{
    return sgw_lsh_count(a->lsh);
}

size_t
sgw_assign_bytes(const struct sgw_assign *a)
{
    return sgw_lsh_bytes(a->lsh) + sgw_uf_bytes(a->uf) + sgw_map_bytes(a->indicators) +
           sgw_map_bytes(a->repcount);
}
