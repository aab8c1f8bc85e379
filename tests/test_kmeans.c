/* Tests of kmeans.c: planted clusters recovered, determinism, edge cases. */
#include <stdlib.h>

#include "paperclust/kmeans.h"
#include "paperclust/metrics.h"
#include "test.h"
#include "test_util.h"

static pc_kmeans_options options(int32_t k, uint64_t seed, int threads)
{
    pc_kmeans_options opt;
    pc_kmeans_options_default(&opt);
    opt.k = k;
    opt.seed = seed;
    opt.threads = threads;
    return opt;
}

static double nmi_of(const pc_clusters *c, const int32_t *label)
{
    pc_label_scores s;
    if (pc_label_scores_compute(c->n_docs, c->assign, label, &s, NULL) != PC_OK)
        return -1.0;
    return s.nmi;
}

/* 1200 documents over 8 topics, 70 % of each document's words from its topic. */
static void recovers_planted_clusters(void)
{
    int32_t n = 1200, label[1200];
    pc_csr *m = test_planted(n, 8, 40, 40, 0.7, 3, label);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        pc_kmeans_options opt = options(8, seed, 0);
        pc_clusters *c = NULL;
        CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
        double nmi = nmi_of(c, label);
        if (nmi < 0.99)
            fprintf(stderr, "seed %llu: NMI %.4f\n", (unsigned long long)seed, nmi);
        CHECK(nmi >= 0.99); /* 1.0000 measured for seeds 1-3 */
        int64_t total = 0;
        for (int32_t j = 0; j < c->k; j++)
            total += c->size[j];
        CHECK_INT(total, n);
        pc_clusters_free(c);
    }
    pc_csr_free(m);
}

/* The reported similarity is the cosine to the reported (unit) centroid. */
static void similarities_match_centroids(void)
{
    int32_t label[300];
    pc_csr *m = test_planted(300, 4, 30, 30, 0.6, 5, label);
    pc_kmeans_options opt = options(4, 2, 0);
    pc_clusters *c = NULL;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
    double objective = 0.0;
    for (int32_t i = 0; i < m->n_rows; i++) {
        const float *centroid = c->centroid + (size_t)c->assign[i] * (size_t)c->dim;
        double s = 0.0;
        for (int64_t p = m->row_ptr[i]; p < m->row_ptr[i + 1]; p++)
            s += (double)m->val[p] * centroid[m->col[p]];
        CHECK_NEAR(c->similarity[i], s, 1e-5);
        objective += s;
    }
    CHECK_NEAR(c->objective, objective, 1e-3);
    for (int32_t j = 0; j < c->k; j++) {
        double norm = 0.0;
        for (int32_t t = 0; t < c->dim; t++)
            norm += (double)c->centroid[(size_t)j * c->dim + t] * c->centroid[(size_t)j * c->dim + t];
        CHECK_NEAR(norm, 1.0, 1e-5);
    }
    pc_clusters_free(c);
    pc_csr_free(m);
}

static void same_result_for_any_thread_count(void)
{
    int32_t label[2000];
    pc_csr *m = test_planted(2000, 10, 30, 30, 0.5, 9, label);
    pc_kmeans_options opt = options(10, 4, 1);
    pc_clusters *one = NULL, *two = NULL;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &one, NULL), PC_OK);
    opt.threads = 2;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &two, NULL), PC_OK);
    CHECK(memcmp(one->assign, two->assign, 2000 * sizeof *one->assign) == 0);
    CHECK(memcmp(one->similarity, two->similarity, 2000 * sizeof *one->similarity) == 0);
    CHECK(memcmp(one->centroid, two->centroid,
                 (size_t)one->k * (size_t)one->dim * sizeof *one->centroid) == 0);
    CHECK(one->objective == two->objective);
    pc_clusters_free(one);
    pc_clusters_free(two);
    pc_csr_free(m);
}

/* k equal to the number of documents: every document alone, none empty. */
static void k_equal_to_documents(void)
{
    pc_csr *m = test_random_sparse(12, 50, 6, 21);
    pc_kmeans_options opt = options(12, 1, 0);
    pc_clusters *c = NULL;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
    for (int32_t j = 0; j < 12; j++)
        CHECK_INT(c->size[j], 1);
    CHECK_NEAR(c->objective, 12.0, 1e-4);
    pc_clusters_free(c);
    pc_csr_free(m);
}

static void rejects_bad_k(void)
{
    pc_csr *m = test_random_sparse(5, 20, 3, 2);
    pc_clusters *c = NULL;
    pc_error err;
    pc_kmeans_options opt = options(6, 1, 0);
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "k = 6") != NULL);
    opt.k = 0;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, &err), PC_ERR_INVALID);
    CHECK(c == NULL);
    pc_csr_free(m);
}

/* Documents without terms: no crash, similarity 0, never chosen as seeds. */
static void empty_documents(void)
{
    pc_csr *m = NULL;
    CHECK_INT(pc_csr_new(4, 2, 2, &m, NULL), PC_OK);
    int64_t ptr[] = {0, 1, 1, 2, 2};
    memcpy(m->row_ptr, ptr, sizeof ptr);
    m->col[0] = 0;
    m->col[1] = 1;
    m->val[0] = m->val[1] = 1.0f;
    pc_kmeans_options opt = options(2, 1, 0);
    pc_clusters *c = NULL;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
    CHECK(c->assign[0] != c->assign[2]);
    CHECK_NEAR(c->similarity[1], 0.0, 0.0);
    CHECK_NEAR(c->similarity[3], 0.0, 0.0);
    CHECK_NEAR(c->objective, 2.0, 1e-6);
    pc_clusters_free(c);
    /* all rows empty: a clear error */
    int64_t none[] = {0, 0, 0, 0, 0};
    memcpy(m->row_ptr, none, sizeof none);
    pc_error err;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, &err), PC_ERR_EMPTY);
    pc_csr_free(m);
}

/*
 * Planted documents of 4 topics, one topic much smaller (20 documents, the
 * others 75), and 8 documents without terms spread through the corpus.
 * After sorting, the term-less ones are all in cluster 0 (the largest), with
 * similarity 0, and every cluster's size counts its members.  (Left where
 * the assignment step puts them, they would sit in whatever cluster happens
 * to be numbered 0 before sorting: the small one for some seeds.)
 */
static void termless_join_cluster_zero(void)
{
    int32_t label[300];
    pc_csr *full = test_planted(300, 4, 30, 30, 0.8, 17, label);
    pc_csr *m = NULL;
    const int32_t n = 245 + 8;
    CHECK_INT(pc_csr_new(n, full->n_cols, full->nnz, &m, NULL), PC_OK);
    int is_empty[245 + 8] = {0};
    int32_t row = 0, small = 0;
    int64_t at = 0;
    for (int32_t d = 0; d < 300; d++) {
        if (label[d] == 0 && small++ >= 20)
            continue;
        if (d % 37 == 3 && row < n) { /* a term-less document before this one */
            is_empty[row] = 1;
            m->row_ptr[++row] = at;
        }
        for (int64_t p = full->row_ptr[d]; p < full->row_ptr[d + 1]; p++, at++) {
            m->col[at] = full->col[p];
            m->val[at] = full->val[p];
        }
        m->row_ptr[++row] = at;
    }
    CHECK_INT(row, n);
    m->nnz = at;
    int seeds_with_small_zero = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        pc_kmeans_options opt = options(4, seed, 0);
        pc_clusters *c = NULL;
        CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
        CHECK_INT(pc_clusters_sort_by_size(c, NULL), PC_OK);
        int64_t counted[4] = {0};
        for (int32_t i = 0; i < n; i++) {
            counted[c->assign[i]]++;
            if (is_empty[i]) {
                CHECK_INT(c->assign[i], 0);
                CHECK_NEAR(c->similarity[i], 0.0, 0.0);
            }
        }
        for (int32_t j = 0; j < 4; j++)
            CHECK_INT(counted[j], c->size[j]);
        seeds_with_small_zero += c->size[0] < 70;
        pc_clusters_free(c);
    }
    CHECK_INT(seeds_with_small_zero, 0);
    pc_csr_free(m);
    pc_csr_free(full);
}

/*
 * Renumbering by size is a relabelling: the same partition, each cluster's
 * centroid moving with it, similarities unchanged, sizes in decreasing order
 * with ties in the order of the old ids.  Hand-made: old clusters 0..3 of
 * sizes 2, 5, 1, 5 over 13 documents become 2, 0, 3, 1 (old 1 and 3 tie at
 * 5: old 1 first).
 */
static void sort_by_size_renumbers(void)
{
    enum { N = 13, K = 4, DIM = 2 };
    const int32_t old_assign[N] = {1, 3, 0, 1, 3, 3, 2, 1, 0, 3, 1, 3, 1};
    const int32_t want[K] = {2, 0, 3, 1};
    pc_clusters *c = calloc(1, sizeof *c);
    c->k = K;
    c->n_docs = N;
    c->dim = DIM;
    c->assign = malloc(N * sizeof *c->assign);
    c->similarity = malloc(N * sizeof *c->similarity);
    c->centroid = malloc(K * DIM * sizeof *c->centroid);
    c->size = calloc(K, sizeof *c->size);
    for (int32_t i = 0; i < N; i++) {
        c->assign[i] = old_assign[i];
        c->similarity[i] = 0.5f + 0.01f * (float)i;
        c->size[old_assign[i]]++;
    }
    for (int32_t j = 0; j < K * DIM; j++)
        c->centroid[j] = (float)(10 * (j / DIM) + j % DIM); /* old cluster j: (10j, 10j+1) */
    CHECK_INT(pc_clusters_sort_by_size(c, NULL), PC_OK);
    const int64_t sizes[K] = {5, 5, 2, 1};
    for (int32_t j = 0; j < K; j++)
        CHECK_INT(c->size[j], sizes[j]);
    for (int32_t i = 0; i < N; i++) {
        CHECK_INT(c->assign[i], want[old_assign[i]]);
        CHECK_NEAR(c->similarity[i], 0.5f + 0.01f * (float)i, 0.0);
    }
    for (int32_t old = 0; old < K; old++) {
        CHECK_INT(c->origin[want[old]], old); /* the number k-means gave it */
        CHECK_NEAR(c->centroid[want[old] * DIM], 10.0 * old, 0.0);
        CHECK_NEAR(c->centroid[want[old] * DIM + 1], 10.0 * old + 1, 0.0);
    }
    pc_clusters_free(c);
}

/*
 * Predicting the rows a clustering was fitted on gives back its clusters and
 * similarities bit for bit, after renumbering by size, for restarts stopped
 * by the tolerance, by max_iter or by convergence, with 1 or 2 threads; a
 * row without terms goes to cluster 0 with similarity 0.
 */
static void predict_gives_back_the_fit(void)
{
    int32_t label[600];
    pc_csr *m = test_planted(600, 6, 30, 20, 0.4, 11, label);
    const double tols[] = {1e-2, 1e-4, 0.0};
    const int max_iters[] = {100, 2, 100};
    int32_t *assign = malloc(600 * sizeof *assign);
    float *sim = malloc(600 * sizeof *sim);
    for (int v = 0; v < 3; v++) {
        for (uint64_t seed = 1; seed <= 3; seed++) {
            pc_kmeans_options opt = options(6, seed, 2);
            opt.tol = tols[v];
            opt.max_iter = max_iters[v];
            opt.n_init = 1;
            pc_clusters *c = NULL;
            CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
            CHECK_INT(pc_clusters_sort_by_size(c, NULL), PC_OK);
            for (int threads = 1; threads <= 2; threads++) {
                CHECK_INT(pc_kmeans_predict(c, m, threads, assign, sim, NULL), PC_OK);
                int32_t moved = 0, off = 0;
                for (int32_t i = 0; i < 600; i++) {
                    moved += assign[i] != c->assign[i];
                    off += memcmp(&sim[i], &c->similarity[i], sizeof sim[i]) != 0;
                }
                if (moved || off)
                    fprintf(stderr, "tol %g max_iter %d seed %llu: %d moved, %d other similarities\n",
                            tols[v], max_iters[v], (unsigned long long)seed, (int)moved, (int)off);
                CHECK_INT(moved, 0);
                CHECK_INT(off, 0);
            }
            pc_clusters_free(c);
        }
    }
    /* a row without terms */
    pc_kmeans_options opt = options(6, 1, 1);
    pc_clusters *c = NULL;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
    CHECK_INT(pc_clusters_sort_by_size(c, NULL), PC_OK);
    pc_csr *empty = NULL;
    CHECK_INT(pc_csr_new(1, m->n_cols, 0, &empty, NULL), PC_OK);
    assign[0] = 5;
    sim[0] = 0.5f;
    CHECK_INT(pc_kmeans_predict(c, empty, 1, assign, sim, NULL), PC_OK);
    CHECK_INT(assign[0], 0);
    CHECK_NEAR(sim[0], 0.0, 0.0);
    pc_csr_free(empty);
    pc_clusters_free(c);
    free(assign);
    free(sim);
    pc_csr_free(m);
}

/*
 * Ties between equal centroids go to the lower origin (k-means' own number),
 * not the lower number after sorting: clusters 0 and 1 both (0.6, 0.8), origins
 * 1 and 0, so the row (1, 0) goes to cluster 1 (origin 0); without origins,
 * to cluster 0.  Its similarity is 0.6.  A row of the wrong width is refused.
 */
static void predict_ties_follow_origin(void)
{
    float centroid[4] = {0.6f, 0.8f, 0.6f, 0.8f};
    int64_t size[2] = {3, 3};
    int32_t origin[2] = {1, 0};
    pc_clusters c = {2, 0, 2, NULL, NULL, centroid, size, 0.0, 0, 0, origin};
    pc_csr *row = NULL;
    CHECK_INT(pc_csr_new(1, 2, 1, &row, NULL), PC_OK);
    row->row_ptr[1] = 1;
    row->col[0] = 0;
    row->val[0] = 1.0f;
    int32_t assign = -1;
    float sim = -1.0f;
    CHECK_INT(pc_kmeans_predict(&c, row, 1, &assign, &sim, NULL), PC_OK);
    CHECK_INT(assign, 1);
    CHECK_NEAR(sim, 0.6f, 0.0);
    c.origin = NULL;
    CHECK_INT(pc_kmeans_predict(&c, row, 1, &assign, &sim, NULL), PC_OK);
    CHECK_INT(assign, 0);
    row->n_cols = 3;
    CHECK_INT(pc_kmeans_predict(&c, row, 1, &assign, &sim, NULL), PC_ERR_INVALID);
    pc_csr_free(row);
}

int main(void)
{
    RUN_TEST(recovers_planted_clusters);
    RUN_TEST(similarities_match_centroids);
    RUN_TEST(same_result_for_any_thread_count);
    RUN_TEST(k_equal_to_documents);
    RUN_TEST(rejects_bad_k);
    RUN_TEST(empty_documents);
    RUN_TEST(termless_join_cluster_zero);
    RUN_TEST(sort_by_size_renumbers);
    RUN_TEST(predict_gives_back_the_fit);
    RUN_TEST(predict_ties_follow_origin);
    return TEST_EXIT();
}
