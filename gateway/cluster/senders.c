/* Sender-cluster decisions. Why the guard is on unions made, not on raw degree: a campaign of
 * rotating throwaway numbers legitimately has thousands of senders, and each new one adopts
 * the campaign's cluster without any union; what glues unrelated groups together is a value
 * that keeps bridging existing clusters, e.g. a spoofed or shared short code reported in many
 * campaigns, or a generic template matched across groups. A sender may bridge 4 times (a
 * spammer reusing a number across a few of its own campaigns) and a campaign 32 times, then
 * they stop bridging. Deterministic, O(1) per report, and one counter per row. */
#include "gateway/cluster/senders.h"

#include "gateway/cluster/maps.h"
#include "gateway/cluster/unionfind.h"
#include "gateway/common/mem.h"

#include <stdlib.h>

struct sgw_senders {
    struct sgw_senders_config cfg;
    struct sgw_uf *uf;
    struct sgw_map *senders;   /* string -> struct sgw_senders_row */
    struct sgw_map *campaigns; /* int64 -> struct sgw_senders_row */
    struct sgw_map *sizes;     /* root -> int64 reports so far (this chunk's roots) */
    struct sgw_senders_merge *merges;
    size_t nmerges, capmerges;
};

void
sgw_senders_config_default(struct sgw_senders_config *c)
{
    c->sender_union_cap = 4;
    c->campaign_union_cap = 32;
}

struct sgw_senders *
sgw_senders_new(const struct sgw_senders_config *cfg)
{
    struct sgw_senders *s = sgw_xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->uf = sgw_uf_new();
    s->senders = sgw_map_new(sizeof(struct sgw_senders_row));
    s->campaigns = sgw_map_new(sizeof(struct sgw_senders_row));
    s->sizes = sgw_map_new(sizeof(int64_t));
    return s;
}

void
sgw_senders_free(struct sgw_senders *s)
{
    if (s == NULL)
        return;
    sgw_uf_free(s->uf);
    sgw_map_free(s->senders);
    sgw_map_free(s->campaigns);
    sgw_map_free(s->sizes);
    free(s->merges);
    free(s);
}

void
sgw_senders_load_merge(struct sgw_senders *s, int64_t old_id, int64_t survivor)
{
    sgw_uf_set(s->uf, old_id, survivor);
}

void
sgw_senders_load_sender(struct sgw_senders *s, const char *sender, int64_t cluster_id, int unions)
{
    struct sgw_senders_row *r = sgw_map_sput(s->senders, sender, NULL);
    r->cluster_id = cluster_id;
    r->unions = unions;
}

void
sgw_senders_load_campaign(struct sgw_senders *s, int64_t campaign_id, int64_t cluster_id,
                          int unions)
{
    struct sgw_senders_row *r = sgw_map_iput(s->campaigns, campaign_id, NULL);
    r->cluster_id = cluster_id;
    r->unions = unions;
}

void
sgw_senders_load_size(struct sgw_senders *s, int64_t root, int64_t reports)
{
    *(int64_t *)sgw_map_iput(s->sizes, root, NULL) = reports;
}

void
sgw_senders_clear_rows(struct sgw_senders *s)
{
    sgw_map_clear(s->senders);
    sgw_map_clear(s->campaigns);
    sgw_map_clear(s->sizes);
}

void
sgw_senders_each_root(struct sgw_senders *s, void (*fn)(void *arg, int64_t root), void *arg)
{
    struct sgw_map *seen = sgw_map_new(sizeof(char));
    struct sgw_map *rows[2] = {s->senders, s->campaigns};
    void *v;
    for (int t = 0; t < 2; t++) {
        size_t pos = 0;
        while ((pos = sgw_map_next(rows[t], pos, NULL, NULL, &v)) != 0) {
            const struct sgw_senders_row *r = v;
            int created = 0;
            if (r->cluster_id == 0)
                continue;
            int64_t root = sgw_uf_find(s->uf, r->cluster_id);
            sgw_map_iput(seen, root, &created);
            if (created)
                fn(arg, root);
        }
    }
    sgw_map_free(seen);
}

static int64_t *
size_of(struct sgw_senders *s, int64_t root)
{
    return sgw_map_iput(s->sizes, root, NULL); /* 0 when new */
}

/* The report counts towards its cluster's size; returns the cluster. */
static int64_t
counted(struct sgw_senders *s, int64_t root)
{
    if (root != 0)
        (*size_of(s, root))++;
    return root;
}

int64_t
sgw_senders_resolve(struct sgw_senders *s, int64_t cluster_id)
{
    return cluster_id ? sgw_uf_find(s->uf, cluster_id) : 0;
}

/* Union by size: the bigger root survives, the lower id on a tie. */
static int64_t
unite(struct sgw_senders *s, int64_t x, int64_t y, int64_t at_report)
{
    int64_t rx = sgw_uf_find(s->uf, x), ry = sgw_uf_find(s->uf, y);
    if (rx == ry)
        return rx;
    int64_t nx = *size_of(s, rx), ny = *size_of(s, ry);
    int64_t root = nx > ny ? rx : ny > nx ? ry : rx < ry ? rx : ry;
    int64_t away = root == rx ? ry : rx;
    sgw_uf_set(s->uf, away, root);
    *size_of(s, root) = nx + ny;
    if (s->nmerges == s->capmerges) {
        s->capmerges = s->capmerges ? s->capmerges * 2 : 64;
        s->merges = sgw_xrealloc(s->merges, s->capmerges * sizeof *s->merges);
    }
    s->merges[s->nmerges++] = (struct sgw_senders_merge){away, root, at_report};
    return root;
}

static struct sgw_senders_row *
campaign_row(struct sgw_senders *s, int64_t campaign)
{
    int created = 0;
    struct sgw_senders_row *r = sgw_map_iput(s->campaigns, campaign, &created);
    if (created)
        r->is_new = 1; /* not loaded: a campaign the database has no cluster for yet */
    return r;
}

void
sgw_senders_campaign_merge(struct sgw_senders *s, int64_t a, int64_t survivor, int64_t at_report)
{
    struct sgw_senders_row *ra = campaign_row(s, a);
    int64_t ca = sgw_senders_resolve(s, ra->cluster_id);
    struct sgw_senders_row *rs = campaign_row(s, survivor);
    int64_t cs = sgw_senders_resolve(s, rs->cluster_id);

    if (ca == 0)
        return;
    if (cs == 0) {
        rs->cluster_id = ca;
        rs->dirty = 1;
        return;
    }
    if (ca != cs && rs->unions < s->cfg.campaign_union_cap) {
        rs->cluster_id = unite(s, ca, cs, at_report);
        rs->unions++;
        rs->dirty = 1;
    }
}

int64_t
sgw_senders_report(struct sgw_senders *s, int64_t report_id, const char *sender, int kind_known,
                   int64_t campaign_id, int *created)
{
    int sender_new = 0;

    *created = 0;
    if (sender == NULL || sender[0] == '\0' || !kind_known)
        return 0;
    struct sgw_senders_row *rs = sgw_map_sput(s->senders, sender, &sender_new);
    struct sgw_senders_row *rc = campaign_row(s, campaign_id);
    int64_t cs = sender_new ? 0 : sgw_senders_resolve(s, rs->cluster_id);
    int64_t cc = sgw_senders_resolve(s, rc->cluster_id);

    if (sender_new) {
        rs->is_new = 1;
        rs->dirty = 1;
        rs->first_report = report_id;
        if (cc == 0) {
            cc = report_id;
            *created = 1;
            rc->cluster_id = cc;
            rc->dirty = 1;
        }
        rs->cluster_id = cc;
        return counted(s, cc);
    }
    if (cc == 0) {
        rc->cluster_id = cs;
        rc->dirty = 1;
        return counted(s, cs);
    }
    if (cs == cc)
        return counted(s, cs);
    if (rs->unions < s->cfg.sender_union_cap && rc->unions < s->cfg.campaign_union_cap) {
        int64_t root = unite(s, cs, cc, report_id);
        rs->unions++;
        rc->unions++;
        rs->dirty = rc->dirty = 1;
        rc->cluster_id = root;
        return counted(s, root);
    }
    return counted(s, cs); /* capped: the sender keeps its own cluster, nothing is glued */
}

const struct sgw_senders_merge *
sgw_senders_merges(const struct sgw_senders *s, size_t *n)
{
    *n = s->nmerges;
    return s->merges;
}

void
sgw_senders_merges_reset(struct sgw_senders *s)
{
    s->nmerges = 0;
}

size_t
sgw_senders_next_sender(const struct sgw_senders *s, size_t pos, const char **sender,
                        struct sgw_senders_row **row)
{
    void *v;
    size_t next = sgw_map_next(s->senders, pos, sender, NULL, &v);
    if (next)
        *row = v;
    return next;
}

size_t
sgw_senders_next_campaign(const struct sgw_senders *s, size_t pos, int64_t *campaign,
                          struct sgw_senders_row **row)
{
    void *v;
    size_t next = sgw_map_next(s->campaigns, pos, NULL, campaign, &v);
    if (next)
        *row = v;
    return next;
}

size_t
sgw_senders_bytes(const struct sgw_senders *s)
{
    return sgw_uf_bytes(s->uf) + sgw_map_bytes(s->senders) + sgw_map_bytes(s->campaigns);
}
