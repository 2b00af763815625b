/* Unit tests for gateway/cluster/unionfind.h: lowest id survives whatever the order of
 * unions, repeated unions are no-ops, loaded merges resolve, and many unions stay consistent
 * (checked against a naive array implementation). */
#include "gateway/cluster/unionfind.h"
#include "tests/support/suite.h"

#include <check.h>
#include <stdlib.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct uf_case {
    int64_t pairs[6][2]; /* unions in order; {0,0} ends */
    int64_t query, root;
};

static const struct uf_case cases[] = {
    {{{5, 3}}, 5, 3},
    {{{3, 5}}, 5, 3},
    {{{7, 9}, {9, 2}}, 7, 2},
    {{{9, 2}, {7, 9}}, 7, 2},
    {{{10, 20}, {30, 40}, {20, 40}}, 30, 10},
    {{{10, 20}, {30, 40}}, 40, 30},
    {{{1, 1}}, 1, 1},
    {{{4, 8}, {8, 4}, {4, 8}}, 8, 4},
    {{{0, 0}}, 42, 42},
};

START_TEST(test_table)
{
    const struct uf_case *c = &cases[_i];
    struct sgw_uf *u = sgw_uf_new();
    for (int i = 0; i < 6 && c->pairs[i][0] != 0; i++)
        sgw_uf_union(u, c->pairs[i][0], c->pairs[i][1], NULL);
    ck_assert_int_eq(sgw_uf_find(u, c->query), c->root);
    sgw_uf_free(u);
}
END_TEST

START_TEST(test_merged_away)
{
    struct sgw_uf *u = sgw_uf_new();
    int64_t away = -1;
    ck_assert_int_eq(sgw_uf_union(u, 12, 4, &away), 4);
    ck_assert_int_eq(away, 12);
    ck_assert_int_eq(sgw_uf_union(u, 4, 12, &away), 4);
    ck_assert_int_eq(away, 0);
    ck_assert_uint_eq(sgw_uf_size(u), 1);
    sgw_uf_set(u, 4, 2); /* loaded merge */
    ck_assert_int_eq(sgw_uf_find(u, 12), 2);
    sgw_uf_free(u);
    sgw_uf_free(NULL);
}
END_TEST

static int64_t
naive_find(int64_t *p, int64_t x)
{
    while (p[x] != x)
        x = p[x];
    return x;
}

START_TEST(test_random_against_naive)
{
    enum { N = 5000 };
    int64_t *p = malloc((N + 1) * sizeof *p);
    struct sgw_uf *u = sgw_uf_new();
    unsigned seed = 12345;
    for (int64_t i = 0; i <= N; i++)
        p[i] = i;
    for (int k = 0; k < 20000; k++) {
        seed = seed * 1103515245u + 12345u;
        int64_t a = 1 + (seed >> 8) % N;
        seed = seed * 1103515245u + 12345u;
        int64_t b = 1 + (seed >> 8) % N;
        int64_t ra = naive_find(p, a), rb = naive_find(p, b);
        if (ra != rb) {
            if (ra < rb)
                p[rb] = ra;
            else
                p[ra] = rb;
        }
        ck_assert_int_eq(sgw_uf_union(u, a, b, NULL), naive_find(p, a));
    }
    for (int64_t i = 1; i <= N; i++)
        ck_assert_int_eq(sgw_uf_find(u, i), naive_find(p, i));
    sgw_uf_free(u);
    free(p);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("unionfind");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_table, 0, (int)NELEM(cases));
    tcase_add_test(tc, test_merged_away);
    tcase_add_test(tc, test_random_against_naive);
    suite_add_tcase(s, tc);
    int failed = sgwt_suite_run(s);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
