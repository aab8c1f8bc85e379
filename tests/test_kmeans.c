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
        if (nmi < 0.95)
            fprintf(stderr, "seed %llu: NMI %.4f\n", (unsigned long long)seed, nmi);
        CHECK(nmi >= 0.95);
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

static void sort_by_size_renumbers(void)
{
    int32_t label[600];
    pc_csr *m = test_planted(600, 5, 30, 30, 0.8, 13, label);
    pc_kmeans_options opt = options(5, 3, 0);
    pc_clusters *c = NULL;
    CHECK_INT(pc_kmeans_fit(m, &opt, NULL, &c, NULL), PC_OK);
    int32_t before[600];
    memcpy(before, c->assign, sizeof before);
    CHECK_INT(pc_clusters_sort_by_size(c, NULL), PC_OK);
    for (int32_t j = 1; j < c->k; j++)
        CHECK(c->size[j - 1] >= c->size[j]);
    int64_t counted[5] = {0};
    for (int32_t i = 0; i < 600; i++)
        counted[c->assign[i]]++;
    for (int32_t j = 0; j < 5; j++)
        CHECK_INT(counted[j], c->size[j]);
    for (int32_t i = 1; i < 600; i++) /* same partition, new names */
        CHECK((before[i] == before[0]) == (c->assign[i] == c->assign[0]));
    pc_clusters_free(c);
    pc_csr_free(m);
}

int main(void)
{
    RUN_TEST(recovers_planted_clusters);
    RUN_TEST(similarities_match_centroids);
    RUN_TEST(same_result_for_any_thread_count);
    RUN_TEST(k_equal_to_documents);
    RUN_TEST(rejects_bad_k);
    RUN_TEST(empty_documents);
    RUN_TEST(sort_by_size_renumbers);
    return TEST_EXIT();
}
