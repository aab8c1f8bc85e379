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

/* Row i's cut, the slow way: cut[col] = the weight of each of its heaviest entries. */
static void cut_of(const pc_csr *m, int32_t i, float mass, float *cut)
{
    const int64_t a = m->row_ptr[i], b = m->row_ptr[i + 1];
    double total = 0.0, held = 0.0;
    for (int64_t p = a; p < b; p++)
        total += (double)(m->val[p] * m->val[p]);
    for (int64_t taken = 0; taken < b - a && (taken == 0 || held < (double)mass * total);
         taken++) {
        int64_t best = -1; /* the heaviest not yet kept; the first of equals */
        for (int64_t p = a; p < b; p++)
            if (cut[m->col[p]] == 0.0f &&
                (best < 0 || m->val[p] * m->val[p] > m->val[best] * m->val[best]))
                best = p;
        cut[m->col[best]] = m->val[best];
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

typedef struct scored {
    double product;
    int32_t id;
} scored;

/* Larger cut product first, then the lower index. */
static int compare_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->product != y->product)
        return x->product > y->product ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/*
 * heavy_lists(m, mass, candidates, 10) against the definition: paper i's
 * candidates are the `candidates` rows (i aside) whose cut shares most with
 * i's cut by the cut product, and its list is the exact top 10 among them,
 * each similarity the exact stage's float, ties to the lower index.  A paper
 * whose last candidate and the next row met are within rounding of each
 * other is left out (*unclear counts them).  Returns the entries that
 * differ; *differ counts the lists unlike the exact ones.
 */
static int cut_lists_wrong(const pc_csr *m, float mass, int32_t candidates, int *differ,
                           int *unclear)
{
    const int32_t V = m->n_cols;
    pc_neighbors *all = exact_lists(m, N_DOCS - 1);
    pc_neighbors *exact = exact_lists(m, 10);
    pc_neighbors *got = heavy_lists(m, mass, candidates, 10, 2);
    float *cut = calloc((size_t)N_DOCS * (size_t)V, sizeof *cut);
    char *is_candidate = calloc(N_DOCS, 1);
    scored *met = calloc(N_DOCS, sizeof *met);
    for (int32_t i = 0; i < N_DOCS; i++)
        cut_of(m, i, mass, cut + (size_t)i * (size_t)V);
    int wrong = 0;
    *differ = *unclear = 0;
    for (int32_t i = 0; i < N_DOCS; i++) {
        int32_t n_met = 0;
        for (int32_t j = 0; j < N_DOCS; j++) {
            double product = 0.0;
            for (int32_t t = 0; t < V; t++)
                product += (double)cut[(size_t)i * V + t] * (double)cut[(size_t)j * V + t];
            if (j != i && product > 0.0)
                met[n_met++] = (scored){product, j};
        }
        qsort(met, (size_t)n_met, sizeof *met, compare_scored);
        const int32_t kept = n_met < candidates ? n_met : candidates;
        if (kept < n_met && met[kept - 1].product - met[kept].product < 1e-5) {
            ++*unclear;
            continue;
        }
        memset(is_candidate, 0, N_DOCS);
        for (int32_t r = 0; r < kept; r++)
            is_candidate[met[r].id] = 1;
        int32_t want[10], w = 0;
        for (int32_t r = 0; r < all->top && w < 10; r++) {
            const int32_t j = all->id[(size_t)i * all->top + r];
            if (j < 0)
                break;
            if (is_candidate[j]) {
                wrong += memcmp(&all->similarity[(size_t)i * all->top + r],
                                &got->similarity[(size_t)i * 10 + w], sizeof(float)) != 0;
                want[w++] = j;
            }
        }
        for (int32_t r = 0; r < 10; r++)
            wrong += got->id[(size_t)i * 10 + r] != (r < w ? want[r] : -1);
        *differ += memcmp(&got->id[(size_t)i * 10], &exact->id[(size_t)i * 10],
                          10 * sizeof(int32_t)) != 0;
    }
    free(met);
    free(is_candidate);
    free(cut);
    pc_neighbors_free(got);
    pc_neighbors_free(exact);
    pc_neighbors_free(all);
    return wrong;
}

/*
 * With a cut (mass 0.4), every candidate scored and then 20: the lists are
 * those of the definition (cut_lists_wrong), and some differ from the exact
 * ones (the cut does leave pairs out).  With 20 candidates most papers meet
 * more rows than they score, so the shortlist's floor, and its falling back
 * to every row met, are both at work.
 */
static void lists_are_the_top_of_the_cut_candidates(void)
{
    int32_t label[N_DOCS];
    pc_csr *m = test_planted(N_DOCS, 8, 40, 30, 0.6, 3, label);
    for (int64_t p = 0; p < m->row_ptr[N_DOCS]; p++) /* weights unlike one another: few ties */
        m->val[p] *= 1.0f + (float)((p * 7919) % 1000) / 1000.0f;
    test_normalize_rows(m);
    const int32_t candidates[] = {N_DOCS, 20};
    for (int c = 0; c < 2; c++) {
        int differ = 0, unclear = 0;
        CHECK_INT(cut_lists_wrong(m, 0.4f, candidates[c], &differ, &unclear), 0);
        CHECK(differ > 0);
        CHECK(unclear < N_DOCS / 10);
    }
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
