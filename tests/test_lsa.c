/* Tests of lsa.c: exact singular values of a matrix of known rank, the same
 * bits for any thread count, bad options. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperclust/lsa.h"
#include "test.h"

/*
 * 60 rows in three blocks of 10, 20 and 30 identical unit rows with
 * disjoint supports (terms 0-3, 4-7, 8-11, each weight 1/2): X has rank 3,
 * XᵀX has eigenvalues 10, 20, 30, so the singular values are √30, √20, √10;
 * every row's coordinates have length 1 (X = U·Σ·Vᵀ is exact at rank 3).
 */
static pc_csr *three_blocks(void)
{
    pc_csr *X = NULL;
    if (pc_csr_new(60, 12, 240, &X, NULL) != PC_OK)
        return NULL;
    for (int32_t i = 0; i < 60; i++) {
        int32_t block = i < 10 ? 0 : i < 30 ? 1 : 2;
        for (int32_t t = 0; t < 4; t++) {
            X->col[i * 4 + t] = block * 4 + t;
            X->val[i * 4 + t] = 0.5f;
        }
        X->row_ptr[i + 1] = (int64_t)(i + 1) * 4;
    }
    return X;
}

static void exact_at_known_rank(void)
{
    pc_csr *X = three_blocks();
    pc_lsa_options opt;
    pc_lsa_options_default(&opt);
    opt.dims = 3;
    opt.oversample = 2;
    pc_lsa *lsa = NULL;
    CHECK_INT(pc_lsa_fit(X, &opt, NULL, &lsa, NULL), PC_OK);
    if (lsa) {
        CHECK_INT(lsa->dims, 3);
        CHECK_NEAR(lsa->singular[0], sqrt(30.0), 1e-4);
        CHECK_NEAR(lsa->singular[1], sqrt(20.0), 1e-4);
        CHECK_NEAR(lsa->singular[2], sqrt(10.0), 1e-4);
        for (int32_t i = 0; i < 60; i++) {
            double norm = 0.0;
            for (int32_t c = 0; c < 3; c++)
                norm += (double)lsa->coord[i * 3 + c] * lsa->coord[i * 3 + c];
            CHECK_NEAR(sqrt(norm), 1.0, 1e-4);
        }
        /* rows of one block share their coordinates; the largest entry of
         * each column is positive */
        CHECK_NEAR(lsa->coord[35 * 3], lsa->coord[59 * 3], 1e-5);
        for (int32_t c = 0; c < 3; c++) {
            float biggest = 0.0f;
            for (int32_t i = 0; i < 60; i++)
                if (fabsf(lsa->coord[i * 3 + c]) > fabsf(biggest))
                    biggest = lsa->coord[i * 3 + c];
            CHECK(biggest > 0.0f);
        }
        /* all the variance of X is in 3 components */
        CHECK_NEAR(lsa->explained_total, 1.0, 1e-4);
    }
    pc_lsa_free(lsa);
    pc_csr_free(X);
}

/* A random sparse matrix: the same bits with 1 and 3 threads. */
static void same_bits_for_any_thread_count(void)
{
    pc_csr *X = NULL;
    CHECK_INT(pc_csr_new(700, 300, 700 * 12, &X, NULL), PC_OK);
    uint64_t state = 12345;
    for (int32_t i = 0; i < 700; i++) {
        for (int32_t t = 0; t < 12; t++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            X->col[i * 12 + t] = (int32_t)((uint32_t)(state >> 33) % 25) + t * 25;
            X->val[i * 12 + t] = (float)((state >> 40) % 1000 + 1) / 1000.0f;
        }
        X->row_ptr[i + 1] = (int64_t)(i + 1) * 12;
    }
    pc_lsa_options opt;
    pc_lsa_options_default(&opt);
    opt.dims = 20;
    pc_lsa *one = NULL, *three = NULL;
    opt.threads = 1;
    CHECK_INT(pc_lsa_fit(X, &opt, NULL, &one, NULL), PC_OK);
    opt.threads = 3;
    CHECK_INT(pc_lsa_fit(X, &opt, NULL, &three, NULL), PC_OK);
    if (one && three) {
        CHECK(memcmp(one->coord, three->coord, 700 * 20 * sizeof(float)) == 0);
        CHECK(memcmp(one->singular, three->singular, 20 * sizeof(float)) == 0);
        for (int32_t c = 1; c < 20; c++)
            CHECK(one->singular[c] <= one->singular[c - 1]);
    }
    pc_lsa_free(one);
    pc_lsa_free(three);
    pc_csr_free(X);
}

static void bad_options(void)
{
    pc_csr *X = three_blocks();
    pc_lsa_options opt;
    pc_lsa_options_default(&opt);
    pc_lsa *lsa = NULL;
    pc_error err;
    opt.dims = 0;
    CHECK_INT(pc_lsa_fit(X, &opt, NULL, &lsa, &err), PC_ERR_INVALID);
    CHECK(lsa == NULL);
    opt.dims = 500; /* more than the 12 columns: cut down */
    CHECK_INT(pc_lsa_fit(X, &opt, NULL, &lsa, &err), PC_OK);
    CHECK(lsa && lsa->dims == 12);
    pc_lsa_free(lsa);
    pc_csr_free(X);
}

int main(void)
{
    RUN_TEST(exact_at_known_rank);
    RUN_TEST(same_bits_for_any_thread_count);
    RUN_TEST(bad_options);
    return TEST_EXIT();
}
