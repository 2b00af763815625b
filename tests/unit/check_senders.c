/* Unit tests for gateway/cluster/senders.h: a new sender adopts its campaign's cluster, a known
 * sender in another cluster's campaign unions the two with the bigger cluster (reports so far,
 * loaded sizes plus this chunk's reports) surviving and the lower id on a tie, the union caps
 * stop bridging, and a campaign merge unions the campaigns' clusters. */
#include "gateway/cluster/senders.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static struct sgw_senders *
fresh(void)
{
    struct sgw_senders_config cfg;
    sgw_senders_config_default(&cfg);
    return sgw_senders_new(&cfg);
}

static int64_t
report(struct sgw_senders *s, int64_t id, const char *sender, int64_t campaign)
{
    int created;
    return sgw_senders_report(s, id, sender, 1, campaign, &created);
}

/* The only merge of the chunk so far. */
static void
assert_one_merge(struct sgw_senders *s, int64_t old_id, int64_t survivor, int64_t at)
{
    size_t n;
    const struct sgw_senders_merge *m = sgw_senders_merges(s, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(m[0].old_id, old_id);
    ck_assert_int_eq(m[0].survivor, survivor);
    ck_assert_int_eq(m[0].at_report, at);
}

START_TEST(test_bigger_loaded_cluster_survives)
{
    struct sgw_senders *s = fresh();
    /* Cluster 10 has 5 reports, cluster 3 one: the higher id survives. */
    sgw_senders_load_sender(s, "+12125550100", 10, 0);
    sgw_senders_load_campaign(s, 100, 3, 0);
    sgw_senders_load_size(s, 10, 5);
    sgw_senders_load_size(s, 3, 1);
    ck_assert_int_eq(report(s, 1000, "+12125550100", 100), 10);
    assert_one_merge(s, 3, 10, 1000);
    ck_assert_int_eq(sgw_senders_resolve(s, 3), 10);
    sgw_senders_free(s);
}
END_TEST

START_TEST(test_tie_keeps_lower_id)
{
    struct sgw_senders *s = fresh();
    sgw_senders_load_sender(s, "+12125550100", 10, 0);
    sgw_senders_load_campaign(s, 100, 3, 0);
    sgw_senders_load_size(s, 10, 4);
    sgw_senders_load_size(s, 3, 4);
    ck_assert_int_eq(report(s, 1000, "+12125550100", 100), 3);
    assert_one_merge(s, 10, 3, 1000);
    sgw_senders_free(s);
}
END_TEST

/* Sizes grow with the chunk's own reports, in report order. */
START_TEST(test_sizes_count_this_chunks_reports)
{
    struct sgw_senders *s = fresh();
    ck_assert_int_eq(report(s, 1, "a@example.com", 50), 1); /* creates cluster 1 */
    ck_assert_int_eq(report(s, 2, "b@example.com", 50), 1);
    ck_assert_int_eq(report(s, 3, "c@example.com", 50), 1); /* cluster 1: 3 reports */
    ck_assert_int_eq(report(s, 4, "w@example.com", 70), 4); /* creates cluster 4 */
    for (int64_t id = 5; id <= 7; id++) {
        char sender[32];
        snprintf(sender, sizeof sender, "x%lld@example.com", (long long)id);
        ck_assert_int_eq(report(s, id, sender, 70), 4); /* cluster 4: 4 reports */
    }
    /* w (cluster 4, 4 reports) in campaign 50 (cluster 1, 3 reports): 4 survives. */
    ck_assert_int_eq(report(s, 8, "w@example.com", 50), 4);
    assert_one_merge(s, 1, 4, 8);
    ck_assert_int_eq(sgw_senders_resolve(s, 1), 4);
    ck_assert_int_eq(report(s, 9, "a@example.com", 50), 4);
    sgw_senders_free(s);
}
END_TEST

START_TEST(test_union_cap_stops_bridging)
{
    struct sgw_senders *s = fresh();
    /* A sender that has made its 4 unions keeps its own cluster: nothing is glued. */
    sgw_senders_load_sender(s, "SHARED", 10, 4);
    sgw_senders_load_campaign(s, 100, 3, 0);
    ck_assert_int_eq(report(s, 1000, "SHARED", 100), 10);
    size_t n;
    (void)sgw_senders_merges(s, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(sgw_senders_resolve(s, 3), 3);
    sgw_senders_free(s);
}
END_TEST

START_TEST(test_campaign_merge_unions_clusters)
{
    struct sgw_senders *s = fresh();
    sgw_senders_load_campaign(s, 100, 7, 0);
    sgw_senders_load_campaign(s, 50, 20, 0);
    sgw_senders_load_size(s, 7, 2);
    sgw_senders_load_size(s, 20, 9);
    sgw_senders_campaign_merge(s, 100, 50, 500); /* campaign 100 merges into 50 */
    assert_one_merge(s, 7, 20, 500);
    ck_assert_int_eq(sgw_senders_resolve(s, 7), 20);
    /* After clear_rows the sizes are forgotten with the rows; the merge stays. */
    sgw_senders_clear_rows(s);
    ck_assert_int_eq(sgw_senders_resolve(s, 7), 20);
    sgw_senders_free(s);
}
END_TEST

START_TEST(test_unknown_kind_takes_no_part)
{
    struct sgw_senders *s = fresh();
    int created = 1;
    ck_assert_int_eq(sgw_senders_report(s, 1, "Someone", 0, 50, &created), 0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(sgw_senders_report(s, 2, NULL, 1, 50, &created), 0);
    sgw_senders_free(s);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("senders");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bigger_loaded_cluster_survives);
    tcase_add_test(tc, test_tie_keeps_lower_id);
    tcase_add_test(tc, test_sizes_count_this_chunks_reports);
    tcase_add_test(tc, test_union_cap_stops_bridging);
    tcase_add_test(tc, test_campaign_merge_unions_clusters);
    tcase_add_test(tc, test_unknown_kind_takes_no_part);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
