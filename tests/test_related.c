/* Tests of related.c: the modes' plumbing, feedback's slices, threads, refusals, faults.
 * (The lists themselves are checked against brute force by test_neighbors for the
 * blended scores and by e2e_related.py, with numpy, for every mode and feedback.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/related.h"
#include "test.h"
#include "test_util.h"

/* A made-up LSA of n rows: dims coordinates drawn from the seed (any dense rows do). */
static pc_lsa *fake_lsa(int32_t n, int32_t dims, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    pc_lsa *lsa = calloc(1, sizeof *lsa);
    lsa->n_rows = n;
    lsa->dims = dims;
    lsa->coord = malloc((size_t)n * (size_t)dims * sizeof *lsa->coord);
    for (size_t i = 0; i < (size_t)n * (size_t)dims; i++)
        lsa->coord[i] = (float)(gsl_rng_uniform(rng) - 0.3) * 3.0f; /* not unit length */
    gsl_rng_free(rng);
    return lsa;
}

static void free_fake_lsa(pc_lsa *lsa)
{
    free(lsa->coord);
    free(lsa);
}

static int same_lists(const pc_neighbors *a, const pc_neighbors *b)
{
    size_t cells = (size_t)a->n_docs * (size_t)a->top;
    return a->n_docs == b->n_docs && a->top == b->top &&
           memcmp(a->id, b->id, cells * sizeof *a->id) == 0 &&
           memcmp(a->similarity, b->similarity, cells * sizeof *a->similarity) == 0;
}

static void names_and_needs(void)
{
    pc_similarity s;
    pc_error err;
    const pc_similarity all[] = {PC_SIMILARITY_TFIDF, PC_SIMILARITY_LSA, PC_SIMILARITY_HYBRID};
    for (int i = 0; i < 3; i++) {
        CHECK_INT(pc_similarity_parse(pc_similarity_name(all[i]), &s, &err), PC_OK);
        CHECK_INT(s, all[i]);
    }
    CHECK_STR(pc_similarity_name(PC_SIMILARITY_HYBRID), "hybrid");
    CHECK_INT(pc_similarity_parse("cosine", &s, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "tfidf, lsa or hybrid") != NULL);
    pc_related_options opt;
    pc_related_options_default(&opt);
    CHECK(!pc_related_needs_lsa(&opt));
    CHECK_NEAR(opt.hybrid_weight, 0.5, 0);
    CHECK_NEAR(opt.feedback_weight, 0.5, 0);
    CHECK_INT(opt.feedback, 0);
    opt.similarity = PC_SIMILARITY_LSA;
    CHECK(pc_related_needs_lsa(&opt));
}

/* tfidf without feedback is pc_neighbors_topn itself; the LSA is not even looked at. */
static void tfidf_mode_is_the_plain_top_n(void)
{
    pc_csr *x = test_random_sparse(300, 120, 8, 3);
    pc_related_options opt;
    pc_related_options_default(&opt);
    opt.neighbors.top = 6;
    pc_neighbors *a = NULL, *b = NULL;
    CHECK_INT(pc_related_find(x, NULL, &opt, NULL, &a, NULL), PC_OK);
    CHECK_INT(pc_neighbors_topn(x, &opt.neighbors, NULL, &b, NULL), PC_OK);
    CHECK(same_lists(a, b));
    CHECK(a->work == b->work && a->work_all == b->work_all && a->dense_work == 0);
    pc_neighbors_free(a);
    pc_neighbors_free(b);
    pc_csr_free(x);
}

/*
 * Feedback in every mode: the same bytes for 1 and 3 threads and any lane
 * order, the slices (about nnz(X) query non-zeros each, so several here) join
 * into whole lists, and no paper lists itself.
 */
static void feedback_is_thread_and_order_independent(void)
{
    const int32_t n = 400, top = 5;
    pc_csr *x = test_random_sparse(n, 150, 9, 5);
    pc_lsa *lsa = fake_lsa(n, 6, 7);
    int32_t *order = malloc((size_t)n * sizeof *order);
    for (int32_t i = 0; i < n; i++)
        order[i] = (int32_t)(((int64_t)i * 97 + 13) % n);
    const pc_similarity modes[] = {PC_SIMILARITY_TFIDF, PC_SIMILARITY_LSA, PC_SIMILARITY_HYBRID};
    for (int m = 0; m < 3; m++) {
        pc_related_options opt;
        pc_related_options_default(&opt);
        opt.similarity = modes[m];
        opt.feedback = 3;
        opt.neighbors.top = top;
        opt.neighbors.threads = 1;
        pc_neighbors *one = NULL, *other = NULL, *plain = NULL;
        CHECK_INT(pc_related_find(x, lsa, &opt, NULL, &one, NULL), PC_OK);
        for (int32_t i = 0; i < n; i++)
            for (int32_t r = 0; r < top; r++)
                CHECK(one->id[(size_t)i * top + r] != i);
        opt.neighbors.threads = 3;
        opt.neighbors.order = order;
        CHECK_INT(pc_related_find(x, lsa, &opt, NULL, &other, NULL), PC_OK);
        CHECK(same_lists(one, other));
        opt.feedback = 0; /* feedback changes the lists */
        CHECK_INT(pc_related_find(x, lsa, &opt, NULL, &plain, NULL), PC_OK);
        CHECK(!same_lists(one, plain));
        CHECK(modes[m] == PC_SIMILARITY_TFIDF ? one->dense_work == 0 : one->dense_work > 0);
        CHECK(modes[m] == PC_SIMILARITY_LSA ? one->work == 0 : one->work > 0);
        pc_neighbors_free(one);
        pc_neighbors_free(other);
        pc_neighbors_free(plain);
    }
    free(order);
    free_fake_lsa(lsa);
    pc_csr_free(x);
}

static void refuses_bad_options(void)
{
    pc_csr *x = test_random_sparse(50, 40, 5, 9);
    pc_lsa *lsa = fake_lsa(49, 4, 1); /* one row short */
    pc_related_options opt;
    pc_related_options_default(&opt);
    pc_neighbors *nb = NULL;
    pc_error err;
    opt.similarity = PC_SIMILARITY_LSA;
    CHECK_INT(pc_related_find(x, NULL, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK_INT(pc_related_find(x, lsa, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "LSA") != NULL);
    opt.similarity = PC_SIMILARITY_HYBRID;
    opt.hybrid_weight = 1.5f;
    CHECK_INT(pc_related_find(x, lsa, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    pc_related_options_default(&opt);
    opt.feedback = -1;
    CHECK_INT(pc_related_find(x, NULL, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    free_fake_lsa(lsa);
    pc_csr_free(x);
}

/* Every allocation of a hybrid run with feedback fails cleanly: PC_ERR_NOMEM, no result. */
static void out_of_memory_fails_cleanly(void)
{
    pc_csr *x = test_random_sparse(40, 30, 4, 11);
    pc_lsa *lsa = fake_lsa(40, 3, 13);
    pc_related_options opt;
    pc_related_options_default(&opt);
    opt.similarity = PC_SIMILARITY_HYBRID;
    opt.feedback = 1; /* two slices */
    opt.neighbors.threads = 1;
    int succeeded = 0;
    for (long k = 1; k < 2000 && !succeeded; k++) {
        pc_neighbors *nb = NULL;
        pc_error err;
        pc_alloc_fail_after(k);
        pc_status status = pc_related_find(x, lsa, &opt, NULL, &nb, &err);
        pc_alloc_fail_after(0);
        succeeded = status == PC_OK;
        CHECK(succeeded ? nb != NULL : status == PC_ERR_NOMEM && nb == NULL);
        pc_neighbors_free(nb);
    }
    CHECK(succeeded);
    free_fake_lsa(lsa);
    pc_csr_free(x);
}

int main(void)
{
    RUN_TEST(names_and_needs);
    RUN_TEST(tfidf_mode_is_the_plain_top_n);
    RUN_TEST(feedback_is_thread_and_order_independent);
    RUN_TEST(refuses_bad_options);
    RUN_TEST(out_of_memory_fails_cleanly);
    return TEST_EXIT();
}
