/*
 * Tests of heavy.c (approximate related papers by each paper's heaviest
 * terms).  The references: the exact stage itself (pc_neighbors_topn, every
 * pair's similarity with top = n − 1), and the method's definition written
 * here the slow way: each row cut to its heaviest entries holding `mass` of
 * its squared weight, the candidates of a paper every row whose cut shares
 * a term with its cut.
 */
#include <stdlib.h>
#include <string.h>

#include "paperclust/heavy.h"
#include "test.h"
#include "test_util.h"

#define N_DOCS 500

static pc_neighbors *exact_lists(const pc_csr *m, int32_t top)
{
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = top;
    opt.threads = 2;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
    return nb;
}

static pc_neighbors *heavy_lists(const pc_csr *m, float mass, int32_t candidates, int32_t top,
                                 int threads)
{
    pc_heavy_options hopt;
    pc_heavy_options_default(&hopt);
    hopt.mass = mass;
    hopt.candidates = candidates;
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = top;
    opt.threads = threads;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_heavy(m, &hopt, &opt, NULL, &nb, NULL), PC_OK);
    return nb;
}

/* Row i's cut, the slow way: marks kept[col] for its heaviest entries. */
static void cut_of(const pc_csr *m, int32_t i, float mass, char *kept)
{
    const int64_t a = m->row_ptr[i], b = m->row_ptr[i + 1];
    double total = 0.0, held = 0.0;
    for (int64_t p = a; p < b; p++)
        total += (double)(m->val[p] * m->val[p]);
    for (int64_t taken = 0; taken < b - a && (taken == 0 || held < (double)mass * total);
         taken++) {
        int64_t best = -1; /* the heaviest not yet kept; the first of equals */
        for (int64_t p = a; p < b; p++)
            if (!kept[m->col[p]] && (best < 0 || m->val[p] * m->val[p] > m->val[best] * m->val[best]))
                best = p;
        kept[m->col[best]] = 1;
        held += (double)(m->val[best] * m->val[best]);
    }
}

/* With every candidate scored (mass 1: every row sharing a term), the exact lists, bit
 * for bit. */
static void whole_rows_are_the_exact_stage(void)
{
    pc_csr *m = test_random_sparse(N_DOCS, 300, 12, 3);
    pc_neighbors *want = exact_lists(m, 10);
    pc_neighbors *got = heavy_lists(m, 1.0f, N_DOCS, 10, 2);
    CHECK(test_same_lists(got, want));
    CHECK_INT(got->candidates, N_DOCS);
    CHECK(got->work > 0 && got->work_all == want->work_all);
    pc_neighbors_free(got);
    pc_neighbors_free(want);
    pc_csr_free(m);
}

/*
 * With a cut (mass 0.4) and every candidate scored: paper i's list is the
 * exact top 10 among the rows whose cut shares a term with i's cut, each
 * similarity the exact stage's float, ties to the lower index; and some
 * lists differ from the exact ones (the cut does leave pairs out).
 */
static void lists_are_the_top_of_the_cut_candidates(void)
{
    int32_t label[N_DOCS];
    pc_csr *m = test_planted(N_DOCS, 8, 40, 30, 0.6, 3, label);
    const float mass = 0.4f;
    pc_neighbors *all = exact_lists(m, N_DOCS - 1);
    pc_neighbors *exact = exact_lists(m, 10);
    pc_neighbors *got = heavy_lists(m, mass, N_DOCS, 10, 2);
    char *cut = calloc((size_t)N_DOCS * (size_t)m->n_cols, 1);
    for (int32_t i = 0; i < N_DOCS; i++)
        cut_of(m, i, mass, cut + (size_t)i * (size_t)m->n_cols);
    int wrong = 0, differ = 0;
    for (int32_t i = 0; i < N_DOCS; i++) {
        int32_t want[10], w = 0;
        for (int32_t r = 0; r < all->top && w < 10; r++) {
            const int32_t j = all->id[(size_t)i * all->top + r];
            if (j < 0)
                break;
            int shared = 0;
            for (int32_t t = 0; t < m->n_cols && !shared; t++)
                shared = cut[(size_t)i * m->n_cols + t] && cut[(size_t)j * m->n_cols + t];
            if (shared) {
                wrong += memcmp(&all->similarity[(size_t)i * all->top + r],
                                &got->similarity[(size_t)i * 10 + w], sizeof(float)) != 0;
                want[w++] = j;
            }
        }
        for (int32_t r = 0; r < 10; r++)
            wrong += got->id[(size_t)i * 10 + r] != (r < w ? want[r] : -1);
        differ += memcmp(&got->id[(size_t)i * 10], &exact->id[(size_t)i * 10],
                         10 * sizeof(int32_t)) != 0;
    }
    CHECK_INT(wrong, 0);
    CHECK(differ > 0);
    free(cut);
    pc_neighbors_free(got);
    pc_neighbors_free(exact);
    pc_neighbors_free(all);
    pc_csr_free(m);
}

/*
 * Few candidates scored (12 for a top 10): the lists hold only exact
 * similarities of other papers, best first, no paper twice; the same lists
 * for 1, 2 and 3 threads; and scoring more candidates finds more of the
 * exact lists.
 */
static void few_candidates_and_any_thread_count(void)
{
    int32_t label[N_DOCS];
    pc_csr *m = test_planted(N_DOCS, 8, 40, 30, 0.6, 3, label);
    pc_neighbors *all = exact_lists(m, N_DOCS - 1);
    pc_neighbors *one = heavy_lists(m, 0.6f, 12, 10, 1);
    int wrong = 0;
    for (int32_t i = 0; i < N_DOCS; i++)
        for (int32_t r = 0; r < 10 && one->id[(size_t)i * 10 + r] >= 0; r++) {
            const int32_t j = one->id[(size_t)i * 10 + r];
            const float s = one->similarity[(size_t)i * 10 + r];
            wrong += j == i;
            wrong += r > 0 && !(s <= one->similarity[(size_t)i * 10 + r - 1]);
            for (int32_t q = 0; q < r; q++)
                wrong += one->id[(size_t)i * 10 + q] == j;
            int listed = 0;
            for (int32_t q = 0; q < all->top && !listed; q++)
                if (all->id[(size_t)i * all->top + q] == j)
                    listed = memcmp(&all->similarity[(size_t)i * all->top + q], &s, sizeof s) == 0;
            wrong += !listed;
        }
    CHECK_INT(wrong, 0);
    for (int threads = 2; threads <= 3; threads++) {
        pc_neighbors *other = heavy_lists(m, 0.6f, 12, 10, threads);
        CHECK(test_same_lists(other, one));
        pc_neighbors_free(other);
    }
    pc_neighbors *exact = exact_lists(m, 10);
    pc_neighbors *more = heavy_lists(m, 0.6f, 100, 10, 2);
    int hits_few = 0, hits_more = 0;
    for (size_t c = 0; c < (size_t)N_DOCS * 10; c++) {
        for (size_t q = c - c % 10; q < c - c % 10 + 10; q++) {
            hits_few += exact->id[c] >= 0 && one->id[q] == exact->id[c];
            hits_more += exact->id[c] >= 0 && more->id[q] == exact->id[c];
        }
    }
    CHECK(hits_more > hits_few);
    pc_neighbors_free(more);
    pc_neighbors_free(exact);
    pc_neighbors_free(one);
    pc_neighbors_free(all);
    pc_csr_free(m);
}

static void bad_options_are_refused(void)
{
    pc_csr *m = test_random_sparse(50, 40, 5, 1);
    pc_heavy_options hopt;
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    pc_neighbors *nb = NULL;
    pc_error err;
    const float masses[] = {0.0f, -0.5f, 1.5f, NAN};
    for (int c = 0; c < 4; c++) {
        pc_heavy_options_default(&hopt);
        hopt.mass = masses[c];
        CHECK_INT(pc_neighbors_heavy(m, &hopt, &opt, NULL, &nb, &err), PC_ERR_INVALID);
        CHECK(nb == NULL);
    }
    pc_heavy_options_default(&hopt);
    hopt.candidates = 0;
    CHECK_INT(pc_neighbors_heavy(m, &hopt, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    pc_heavy_options_default(&hopt);
    opt.top = 0;
    CHECK_INT(pc_neighbors_heavy(m, &hopt, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "heaviest terms") != NULL);
    CHECK(nb == NULL);
    pc_csr_free(m);
}

int main(void)
{
    RUN_TEST(whole_rows_are_the_exact_stage);
    RUN_TEST(lists_are_the_top_of_the_cut_candidates);
    RUN_TEST(few_candidates_and_any_thread_count);
    RUN_TEST(bad_options_are_refused);
    return TEST_EXIT();
}
