/* Tests of neighbors.c: exact top-N against brute force, ties, padding, threads. */
#include <stdlib.h>

#include "paperclust/neighbors.h"
#include "test.h"
#include "test_util.h"

/* Dot product of rows a and b by merging their sorted columns. */
static double row_dot(const pc_csr *m, int32_t a, int32_t b)
{
    double s = 0.0;
    int64_t p = m->row_ptr[a], q = m->row_ptr[b];
    while (p < m->row_ptr[a + 1] && q < m->row_ptr[b + 1]) {
        if (m->col[p] == m->col[q])
            s += (double)m->val[p++] * m->val[q++];
        else if (m->col[p] < m->col[q])
            p++;
        else
            q++;
    }
    return s;
}

/* Checks one result against an independent brute-force ranking. */
static void check_against_brute_force(const pc_csr *m, const pc_neighbors *nb)
{
    int32_t n = m->n_rows, top = nb->top;
    double *sim = malloc((size_t)n * sizeof *sim);
    for (int32_t d = 0; d < n; d++) {
        for (int32_t e = 0; e < n; e++)
            sim[e] = e == d ? -1.0 : row_dot(m, d, e);
        for (int32_t r = 0; r < top; r++) { /* r-th best by selection */
            int32_t best = -1;
            for (int32_t e = 0; e < n; e++)
                if (sim[e] > 1e-12 && (best < 0 || sim[e] > sim[best]))
                    best = e;
            int32_t got = nb->id[(size_t)d * top + r];
            if (best < 0) {
                CHECK_INT(got, -1);
                break;
            }
            /* equal similarities may come in either order: compare values, then ids when clear */
            CHECK_NEAR(nb->similarity[(size_t)d * top + r], sim[best], 1e-5);
            if (got >= 0 && fabs(sim[got] - sim[best]) > 1e-6)
                CHECK_INT(got, best);
            CHECK(got != d);
            sim[best] = -1.0;
        }
    }
    free(sim);
}

static void topn_matches_brute_force(void)
{
    pc_csr *m = test_random_sparse(400, 300, 12, 7);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 10;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
    check_against_brute_force(m, nb);
    pc_neighbors_free(nb);
    pc_csr_free(m);
}

static void same_result_for_any_thread_count(void)
{
    pc_csr *m = test_random_sparse(500, 200, 10, 11);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 7;
    pc_neighbors *one = NULL, *two = NULL;
    opt.threads = 1;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &one, NULL), PC_OK);
    opt.threads = 2;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &two, NULL), PC_OK);
    CHECK(memcmp(one->id, two->id, 500 * 7 * sizeof *one->id) == 0);
    CHECK(memcmp(one->similarity, two->similarity, 500 * 7 * sizeof *one->similarity) == 0);
    pc_neighbors_free(one);
    pc_neighbors_free(two);
    pc_csr_free(m);
}

/* Rows 0 and 1 are identical, 2 shares nothing: ties go to the lower index,
 * a lone row gets an empty list, top larger than n - 1 pads with -1. */
static void ties_isolation_and_padding(void)
{
    pc_csr *m = NULL;
    CHECK_INT(pc_csr_new(4, 3, 5, &m, NULL), PC_OK);
    int64_t ptr[] = {0, 1, 2, 3, 5};
    int32_t col[] = {0, 0, 2, 0, 1};
    float val[] = {1.0f, 1.0f, 1.0f, 0.6f, 0.8f};
    memcpy(m->row_ptr, ptr, sizeof ptr);
    memcpy(m->col, col, sizeof col);
    memcpy(m->val, val, sizeof val);
    pc_neighbors_options opt = {5, 1};
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
    CHECK_INT(nb->id[0 * 5 + 0], 1); /* row 0: row 1 (1.0), then row 3 (0.6) */
    CHECK_INT(nb->id[0 * 5 + 1], 3);
    CHECK_INT(nb->id[0 * 5 + 2], -1);
    CHECK_INT(nb->id[2 * 5 + 0], -1); /* row 2 shares no term */
    CHECK_INT(nb->id[3 * 5 + 0], 0);  /* row 3: rows 0 and 1 tie at 0.6, lower first */
    CHECK_INT(nb->id[3 * 5 + 1], 1);
    CHECK_NEAR(nb->similarity[3 * 5 + 1], 0.6, 1e-7);
    pc_neighbors_free(nb);
    pc_csr_free(m);
}

static void rejects_zero_top(void)
{
    pc_csr *m = test_random_sparse(10, 10, 3, 1);
    pc_neighbors_options opt = {0, 1};
    pc_neighbors *nb = NULL;
    pc_error err;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    pc_csr_free(m);
}

int main(void)
{
    RUN_TEST(topn_matches_brute_force);
    RUN_TEST(same_result_for_any_thread_count);
    RUN_TEST(ties_isolation_and_padding);
    RUN_TEST(rejects_zero_top);
    return TEST_EXIT();
}
