/* Unit tests for gateway/cluster/assign.h. Table-driven scenarios: each is a stream of
 * reports (text and indicators) with the campaign every report must get and the merges it
 * must cause. Plus the property the worker's crash-equality rests on: deciding a stream in
 * one go equals deciding half, rebuilding the state from what was persisted (merges,
 * representatives in report order, indicator map) and deciding the rest. */
#include "gateway/cluster/assign.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXR 8

/* Template texts (match-text style: what the feature library hashes). */
#define PARCEL "yourparcelisheldatourdepotpaythefeenowattheusualsiteortrackitonline"
#define PARCEL2 "yourparcelisheldatourdepotpaythefeenowattheusualsiteortrackitonlinexk9"
#define LOAN "congratulationsyouarepreapprovedforaloanofuptofivethousanddollarsreplyyes"
#define LOAN2 "congratulationsyouarepreapprovedforaloanofuptofivethousanddollarsreplyyesnow"
#define DINNER "areyoustillcomingtodinnertonightihavebookedthetableforseven"
#define GAMBLE "澳门首家线上赌场注册即送八十八元彩金日赢百万等你来拿详情请加微信"

struct rep_in {
    const char *text;
    const char *ind[6];
};

struct scenario {
    const char *name;
    struct rep_in r[MAXR];
    int64_t want[MAXR];        /* campaign of report i+1 */
    int64_t want_merged[MAXR]; /* the one root report i+1 merged (0 = none) */
};

static const struct scenario scenarios[] = {
    {"near duplicates join", {{PARCEL, {0}}, {PARCEL2, {0}}, {PARCEL, {0}}}, {1, 1, 1}, {0}},
    {"unrelated stay apart", {{PARCEL, {0}}, {LOAN, {0}}, {DINNER, {0}}}, {1, 2, 3}, {0}},
    {"chinese near duplicates",
     {{GAMBLE, {0}}, {GAMBLE "abc", {0}}, {DINNER, {0}}},
     {1, 1, 3},
     {0}},
    {"strong indicator joins different texts",
     {{PARCEL, {"url:http://a.top/x"}}, {LOAN, {"url:http://a.top/x"}}},
     {1, 1},
     {0}},
    {"phone and handle are strong",
     {{PARCEL, {"phone:+12125550100"}},
      {LOAN, {"phone:+12125550100"}},
      {DINNER, {"wechat:abc1"}},
      {GAMBLE, {"wechat:abc1"}}},
     {1, 1, 3, 3},
     {0}},
    {"generic domain and host are not",
     {{PARCEL, {"generic_domain:bit.ly", "host:bit.ly"}},
      {LOAN, {"generic_domain:bit.ly", "host:bit.ly"}}},
     {1, 2},
     {0}},
    {"a bridge merges into the lowest id",
     {{PARCEL, {0}}, {LOAN, {"domain:loan.top"}}, {PARCEL2, {"domain:loan.top"}}, {LOAN2, {0}}},
     {1, 2, 1, 1},
     {0, 0, 2, 0}},
    {"too many bridges merge nothing",
     {{PARCEL, {"url:u1"}},
      {LOAN, {"url:u2"}},
      {DINNER, {"url:u3"}},
      {GAMBLE, {"url:u4"}},
      {"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", {"url:u5"}},
      {"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", {"url:u1", "url:u2", "url:u3", "url:u4", "url:u5"}},
      {LOAN2, {0}}},
     {1, 2, 3, 4, 5, 1, 2},
     {0}},
    {"empty and weak texts never join by similarity",
     {{"", {0}}, {"", {0}}, {"ok", {0}}, {"ok", {0}}},
     {1, 2, 3, 4},
     {0}},
};

struct state_log {
    int64_t merges[64][2];
    size_t nmerges;
    struct {
        int64_t report, campaign;
        struct sgw_minhash sig;
        int alive;
    } reps[64];
    size_t nreps;
    struct {
        const char *ind;
        int64_t campaign;
    } inds[64];
    size_t ninds;
};

static void
decide(struct sgw_assign *a, const struct rep_in *r, int64_t id, struct sgw_minhash *sig,
       struct sgw_assign_result *out, struct state_log *log)
{
    size_t n = 0;
    while (n < 6 && r->ind[n])
        n++;
    sgw_minhash_compute(r->text, strlen(r->text), sig);
    struct sgw_assign_input in = {id, sig, r->ind, n};
    sgw_assign_report(a, &in, out);
    if (log == NULL)
        return;
    for (size_t m = 0; m < out->nmerged; m++) {
        log->merges[log->nmerges][0] = out->merged[m];
        log->merges[log->nmerges++][1] = out->campaign_id;
    }
    for (size_t i = 0; i < out->nnew_indicators; i++) {
        log->inds[log->ninds].ind = r->ind[out->new_indicators[i]];
        log->inds[log->ninds++].campaign = out->campaign_id;
    }
    if (out->evicted_report) {
        for (size_t i = 0; i < log->nreps; i++) {
            if (log->reps[i].report == out->evicted_report)
                log->reps[i].alive = 0;
        }
    }
    if (out->rep_added) {
        log->reps[log->nreps].report = id;
        log->reps[log->nreps].campaign = out->campaign_id;
        log->reps[log->nreps].sig = *sig;
        log->reps[log->nreps++].alive = 1;
    }
}

START_TEST(test_scenarios)
{
    const struct scenario *sc = &scenarios[_i];
    struct sgw_assign_config cfg;
    sgw_assign_config_default(&cfg);
    struct sgw_assign *a = sgw_assign_new(&cfg);
    for (int i = 0; i < MAXR && sc->r[i].text; i++) {
        struct sgw_minhash sig;
        struct sgw_assign_result out;
        decide(a, &sc->r[i], i + 1, &sig, &out, NULL);
        ck_assert_msg(out.campaign_id == sc->want[i], "%s: report %d got campaign %lld, want %lld",
                      sc->name, i + 1, (long long)out.campaign_id, (long long)sc->want[i]);
        if (sc->want_merged[i]) {
            ck_assert_msg(out.nmerged == 1 && out.merged[0] == sc->want_merged[i],
                          "%s: report %d merged %zu", sc->name, i + 1, out.nmerged);
        } else {
            ck_assert_msg(out.nmerged == 0, "%s: report %d merged %zu campaigns", sc->name, i + 1,
                          out.nmerged);
        }
    }
    sgw_assign_free(a);
}
END_TEST

/* A stream with merges, evictions (tiny bound) and indicators: all decisions of an
 * uninterrupted run equal those of a run rebuilt from persisted state at every cut point. */
START_TEST(test_restart_equals_uninterrupted)
{
    static const struct rep_in stream[] = {
        {PARCEL, {"url:p1"}},
        {LOAN, {0}},
        {DINNER, {0}},
        {GAMBLE, {"qq:123"}},
        {PARCEL2, {0}},
        {LOAN2, {"url:p1"}},
        {GAMBLE "x", {0}},
        {DINNER "now", {0}},
        {"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", {0}},
        {PARCEL "q", {0}},
        {LOAN "zz", {"qq:123"}},
        {GAMBLE "yy", {0}},
    };
    enum { N = NELEM(stream) };
    struct sgw_assign_config cfg;
    sgw_assign_config_default(&cfg);
    cfg.max_reps = 4;
    cfg.reps_per_campaign = 2;
    int64_t full[N];
    struct sgw_assign *a = sgw_assign_new(&cfg);
    for (size_t i = 0; i < N; i++) {
        struct sgw_minhash sig;
        struct sgw_assign_result out;
        decide(a, &stream[i], (int64_t)i + 1, &sig, &out, NULL);
        full[i] = out.campaign_id;
    }
    sgw_assign_free(a);

    for (size_t cut = 1; cut < N; cut++) {
        struct state_log *log = calloc(1, sizeof *log);
        a = sgw_assign_new(&cfg);
        for (size_t i = 0; i < cut; i++) {
            struct sgw_minhash sig;
            struct sgw_assign_result out;
            decide(a, &stream[i], (int64_t)i + 1, &sig, &out, log);
            ck_assert_int_eq(out.campaign_id, full[i]);
        }
        sgw_assign_free(a);
        a = sgw_assign_new(&cfg);
        for (size_t m = 0; m < log->nmerges; m++)
            sgw_assign_load_merge(a, log->merges[m][0], log->merges[m][1]);
        for (size_t r = 0; r < log->nreps; r++) {
            if (log->reps[r].alive)
                sgw_assign_load_rep(a, log->reps[r].report, log->reps[r].campaign,
                                    &log->reps[r].sig);
        }
        for (size_t k = 0; k < log->ninds; k++)
            sgw_assign_indicator_put(a, log->inds[k].ind, log->inds[k].campaign);
        for (size_t i = cut; i < N; i++) {
            struct sgw_minhash sig;
            struct sgw_assign_result out;
            decide(a, &stream[i], (int64_t)i + 1, &sig, &out, NULL);
            ck_assert_msg(sgw_assign_resolve(a, out.campaign_id) == sgw_assign_resolve(a, full[i]),
                          "cut %zu report %zu: %lld vs %lld", cut, i + 1,
                          (long long)out.campaign_id, (long long)full[i]);
            ck_assert_int_eq(out.campaign_id, full[i]);
        }
        sgw_assign_free(a);
        free(log);
    }
}
END_TEST

START_TEST(test_rep_bound_and_similarity_gate)
{
    struct sgw_assign_config cfg;
    sgw_assign_config_default(&cfg);
    cfg.reps_per_campaign = 2;
    struct sgw_assign *a = sgw_assign_new(&cfg);
    struct sgw_minhash sig;
    struct sgw_assign_result out;
    struct rep_in r = {PARCEL, {0}};
    decide(a, &r, 1, &sig, &out, NULL);
    ck_assert(out.rep_added);
    decide(a, &r, 2, &sig, &out, NULL); /* identical: not a new representative */
    ck_assert(!out.rep_added);
    ck_assert_uint_eq(sgw_assign_reps(a), 1);
    ck_assert(sgw_assign_indicator_strong("url:http://x"));
    ck_assert(sgw_assign_indicator_strong("telegram:abc"));
    ck_assert(!sgw_assign_indicator_strong("generic_domain:bit.ly"));
    ck_assert(!sgw_assign_indicator_strong("host:x.top"));
    ck_assert(!sgw_assign_indicator_strong("url:"));
    sgw_assign_free(a);
    sgw_assign_free(NULL);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("assign");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_scenarios, 0, (int)NELEM(scenarios));
    tcase_add_test(tc, test_restart_equals_uninterrupted);
    tcase_add_test(tc, test_rep_bound_and_similarity_gate);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
