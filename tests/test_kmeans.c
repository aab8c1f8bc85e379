/* Tests of kmeans.c: planted clusters recovered, determinism, edge cases. */
#include <stdlib.h>

#include "internal.h"
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

/* A clustering method, as the tests call it. */
typedef pc_status (*fit_fn)(const pc_csr *X, const pc_kmeans_options *opt, pc_clusters **out);

static pc_status fit_kmeans(const pc_csr *X, const pc_kmeans_options *opt, pc_clusters **out)
{
    return pc_kmeans_fit(X, opt, NULL, out, NULL);
}

static pc_status fit_bisect(const pc_csr *X, const pc_kmeans_options *opt, pc_clusters **out)
{
    return pc_bisect_fit(X, opt, NULL, out, NULL, NULL);
}

/* 1200 documents over 8 topics, 70 % of each document's words from its
 * topic: found by `fit` for seeds 1-3 (NMI 1.0000 measured for both methods);
 * with `sorted`, clusters come numbered largest first. */
static void recovers_planted_with(fit_fn fit, int sorted)
{
    int32_t n = 1200, label[1200];
    pc_csr *m = test_planted(n, 8, 40, 40, 0.7, 3, label);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        pc_kmeans_options opt = options(8, seed, 0);
        pc_clusters *c = NULL;
        CHECK_INT(fit(m, &opt, &c), PC_OK);
        double nmi = nmi_of(c, label);
        if (nmi < 0.99)
            fprintf(stderr, "seed %llu: NMI %.4f\n", (unsigned long long)seed, nmi);
        CHECK(nmi >= 0.99);
        int64_t total = 0;
        for (int32_t j = 0; j < c->k; j++) {
            total += c->size[j];
            if (sorted && j > 0)
                CHECK(c->size[j - 1] >= c->size[j]);
        }
        CHECK_INT(total, n);
        pc_clusters_free(c);
    }
    pc_csr_free(m);
}

static void recovers_planted_clusters(void)
{
    recovers_planted_with(fit_kmeans, 0);
}

/*
 * What a method returns is consistent: similarities are the cosines to the
 * returned centroids, centroids the normalised means of their members (so
 * unit length), the objective the sum of the similarities; sizes count the
 * members.
 */
static void check_consistent(const pc_csr *m, const pc_clusters *c)
{
    double *mean = calloc((size_t)c->k * (size_t)c->dim, sizeof *mean);
    int64_t *counted = calloc((size_t)c->k, sizeof *counted);
    double objective = 0.0;
    for (int32_t i = 0; i < m->n_rows; i++) {
        const float *centroid = c->centroid + (size_t)c->assign[i] * (size_t)c->dim;
        double s = 0.0;
        for (int64_t p = m->row_ptr[i]; p < m->row_ptr[i + 1]; p++) {
            s += (double)m->val[p] * centroid[m->col[p]];
            mean[(size_t)c->assign[i] * c->dim + m->col[p]] += m->val[p];
        }
        CHECK_NEAR(c->similarity[i], s, 1e-5);
        objective += s;
        counted[c->assign[i]]++;
    }
    CHECK_NEAR(c->objective, objective, 1e-3);
    for (int32_t j = 0; j < c->k; j++) {
        CHECK_INT(counted[j], c->size[j]);
        double norm = 0.0;
        for (int32_t t = 0; t < c->dim; t++)
            norm += mean[(size_t)j * c->dim + t] * mean[(size_t)j * c->dim + t];
        for (int32_t t = 0; t < c->dim; t++)
            CHECK_NEAR(c->centroid[(size_t)j * c->dim + t], mean[(size_t)j * c->dim + t] / sqrt(norm),
                       1e-5);
    }
    free(mean);
    free(counted);
}

static void similarities_match_centroids(void)
{
    int32_t label[300];
    pc_csr *m = test_planted(300, 4, 30, 30, 0.6, 5, label);
    pc_kmeans_options opt = options(4, 2, 0);
    pc_clusters *c = NULL;
    CHECK_INT(fit_kmeans(m, &opt, &c), PC_OK);
    check_consistent(m, c);
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

/* ---- repeated bisection ---- */

/* A matrix from dense rows (n × dim), rows normalised. */
static pc_csr *dense_rows(int32_t n, int32_t dim, const double *rows)
{
    pc_csr *m = NULL;
    if (pc_csr_new(n, dim, (int64_t)n * dim, &m, NULL) != PC_OK)
        abort();
    int64_t at = 0;
    for (int32_t i = 0; i < n; i++) {
        double norm = 0;
        for (int32_t j = 0; j < dim; j++)
            norm += rows[i * dim + j] * rows[i * dim + j];
        for (int32_t j = 0; j < dim; j++)
            if (rows[i * dim + j] != 0) {
                m->col[at] = j;
                m->val[at++] = (float)(rows[i * dim + j] / sqrt(norm));
            }
        m->row_ptr[i + 1] = at;
    }
    m->nnz = at;
    return m;
}

/*
 * Nine documents: P = five copies of e1; Q = two of q2 = (0, .95, 0, .31) and
 * two of q3 = (0, 0, .95, .31) (cos(q2, q3) = .31² ≈ .096), normalised.
 * k = 2: P against Q gives ||S_P|| + ||S_Q|| = 5 + ||(0, 1.9, 1.9, 1.24)|| / ||q2||
 * ≈ 5 + 2.96 = 7.96, better than P + q2's against q3's (≈ 5.38 + 2): P | Q.
 * k = 3: splitting P (5 identical documents) gains 0, splitting Q into its
 * two pairs gains 2 + 2 − 2.96 ≈ 1.04: Q is split although P is larger.
 * Clusters by size: 0 = P (5), then the pairs (2 each); the tree joins the
 * pairs first (merge 0 = {1, 2}), then P with them (merge 1 = {0, 3}).
 */
static void bisect_splits_largest_gain(void)
{
    double a = .95, b = .31;
    double rows[9 * 4] = {0};
    for (int i = 0; i < 5; i++)
        rows[i * 4] = 1;
    for (int i = 5; i < 9; i++) {
        rows[i * 4 + (i < 7 ? 1 : 2)] = a;
        rows[i * 4 + 3] = b;
    }
    pc_csr *m = dense_rows(9, 4, rows);
    double q_norm = sqrt(2 * (2 * a) * (2 * a) + (4 * b) * (4 * b)) / sqrt(a * a + b * b);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        pc_kmeans_options opt = options(2, seed, 0);
        pc_clusters *c = NULL;
        int32_t *merges = NULL;
        CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, &merges, NULL), PC_OK);
        for (int i = 0; i < 9; i++)
            CHECK_INT(c->assign[i], i < 5 ? 0 : 1);
        CHECK_NEAR(c->objective, 5 + q_norm, 1e-4);
        CHECK(merges && merges[0] + merges[1] == 1);
        pc_clusters_free(c);
        free(merges);

        opt.k = 3;
        CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, &merges, NULL), PC_OK);
        CHECK_INT(c->size[0], 5);
        CHECK_INT(c->size[1], 2);
        CHECK_INT(c->size[2], 2);
        for (int i = 0; i < 5; i++)
            CHECK_INT(c->assign[i], 0);
        CHECK(c->assign[5] == c->assign[6] && c->assign[7] == c->assign[8]);
        CHECK(c->assign[5] != c->assign[7] && c->assign[5] > 0 && c->assign[7] > 0);
        CHECK_NEAR(c->objective, 9.0, 1e-4);
        CHECK(merges && merges[0] + merges[1] == 3 && merges[0] * merges[1] == 2);
        CHECK(merges && merges[2] + merges[3] == 3 && merges[2] * merges[3] == 0);
        CHECK(c->iterations >= 2);
        pc_clusters_free(c);
        free(merges);
    }
    pc_csr_free(m);
}

/* 1200 planted documents over 8 topics: bisection finds them, clusters
 * numbered largest first. */
static void bisect_recovers_planted_clusters(void)
{
    recovers_planted_with(fit_bisect, 1);
}

/* The same consistency for bisection (centroids from the leaves). */
static void bisect_result_is_consistent(void)
{
    int32_t label[400];
    pc_csr *m = test_planted(400, 5, 20, 25, 0.5, 8, label);
    pc_kmeans_options opt = options(7, 3, 0);
    pc_clusters *c = NULL;
    CHECK_INT(fit_bisect(m, &opt, &c), PC_OK);
    check_consistent(m, c);
    pc_clusters_free(c);
    pc_csr_free(m);
}

/* The clusters for k = 5 are the groups left by undoing the last three
 * splits of the k = 8 tree (its merges 0, 1, 2), for the same seed. */
static void bisect_smaller_k_is_a_prefix(void)
{
    int32_t label[900];
    pc_csr *m = test_planted(900, 6, 30, 30, 0.45, 12, label);
    pc_kmeans_options opt = options(8, 5, 0);
    pc_clusters *big = NULL, *small = NULL;
    int32_t *merges = NULL;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &big, &merges, NULL), PC_OK);
    opt.k = 5;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &small, NULL, NULL), PC_OK);
    int32_t group[8 + 3]; /* each cluster's group once merges 0..2 are applied */
    for (int32_t c = 0; c < 8; c++)
        group[c] = c;
    for (int32_t j = 0; j < 3; j++) {
        int32_t a = merges[2 * j], b = merges[2 * j + 1];
        for (int32_t c = 0; c < 8; c++)
            if (group[c] == a || group[c] == b)
                group[c] = 8 + j;
    }
    /* the same partition: a one-to-one map between groups and small clusters */
    int32_t to_small[11], to_group[5];
    for (int32_t g = 0; g < 11; g++)
        to_small[g] = -1;
    for (int32_t c = 0; c < 5; c++)
        to_group[c] = -1;
    int consistent = 1;
    for (int32_t i = 0; i < m->n_rows; i++) {
        int32_t g = group[big->assign[i]], c = small->assign[i];
        if (to_small[g] < 0 && to_group[c] < 0) {
            to_small[g] = c;
            to_group[c] = g;
        }
        consistent &= to_small[g] == c && to_group[c] == g;
    }
    CHECK(consistent);
    pc_clusters_free(big);
    pc_clusters_free(small);
    free(merges);
    pc_csr_free(m);
}

static void bisect_any_thread_count(void)
{
    int32_t label[2000];
    pc_csr *m = test_planted(2000, 10, 30, 30, 0.5, 9, label);
    pc_kmeans_options opt = options(10, 4, 1);
    pc_clusters *one = NULL, *two = NULL;
    int32_t *m1 = NULL, *m2 = NULL;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &one, &m1, NULL), PC_OK);
    opt.threads = 2;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &two, &m2, NULL), PC_OK);
    CHECK(memcmp(one->assign, two->assign, 2000 * sizeof *one->assign) == 0);
    CHECK(memcmp(one->similarity, two->similarity, 2000 * sizeof *one->similarity) == 0);
    CHECK(memcmp(one->centroid, two->centroid,
                 (size_t)one->k * (size_t)one->dim * sizeof *one->centroid) == 0);
    CHECK(memcmp(m1, m2, 2 * 9 * sizeof *m1) == 0);
    CHECK(one->objective == two->objective);
    pc_clusters_free(one);
    pc_clusters_free(two);
    free(m1);
    free(m2);
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
    pc_clusters c = {2, 0, 2, NULL, NULL, centroid, size, 0.0, 0, 0, origin, NULL, NULL};
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

/*
 * Edge cases: k = 1 (no merge; one cluster), k = n (every document alone),
 * documents without terms (they join cluster 0, the largest, with similarity
 * 0), and fewer documents with terms than clusters (the surplus clusters
 * are empty, the merges still a tree).
 */
static void bisect_edge_cases(void)
{
    pc_csr *m = test_random_sparse(12, 50, 6, 21);
    pc_kmeans_options opt = options(1, 1, 0);
    pc_clusters *c = NULL;
    int32_t *merges = NULL;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, &merges, NULL), PC_OK);
    CHECK_INT(c->size[0], 12);
    pc_clusters_free(c);
    free(merges);
    opt.k = 12;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, &merges, NULL), PC_OK);
    for (int32_t j = 0; j < 12; j++)
        CHECK_INT(c->size[j], 1);
    CHECK_NEAR(c->objective, 12.0, 1e-4);
    pc_clusters_free(c);
    free(merges);
    opt.k = 13;
    pc_error err;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, &merges, &err), PC_ERR_INVALID);
    CHECK(c == NULL && merges == NULL);
    pc_csr_free(m);

    /* rows 1 and 3 without terms; rows 0 and 2 differ */
    CHECK_INT(pc_csr_new(4, 2, 2, &m, NULL), PC_OK);
    int64_t ptr[] = {0, 1, 1, 2, 2};
    memcpy(m->row_ptr, ptr, sizeof ptr);
    m->col[0] = 0;
    m->col[1] = 1;
    m->val[0] = m->val[1] = 1.0f;
    opt.k = 2;
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, NULL, NULL), PC_OK);
    CHECK(c->assign[0] != c->assign[2]);
    CHECK_INT(c->assign[1], 0);
    CHECK_INT(c->assign[3], 0);
    CHECK_NEAR(c->similarity[1], 0.0, 0.0);
    CHECK_NEAR(c->objective, 2.0, 1e-6);
    pc_clusters_free(c);
    opt.k = 4; /* two documents with terms, four clusters */
    CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, &merges, NULL), PC_OK);
    int64_t total = 0;
    for (int32_t j = 0; j < 4; j++)
        total += c->size[j];
    CHECK_INT(total, 4);
    int32_t used[7] = {0};
    for (int32_t e = 0; merges && e < 6; e++)
        used[merges[e]]++;
    for (int32_t id = 0; id < 6; id++)
        CHECK_INT(used[id], 1);
    pc_clusters_free(c);
    free(merges);
    pc_csr_free(m);
}

/* Rows of m predicted in c: how many land elsewhere than c->assign says,
 * and how many similarities differ in any bit. */
static void predict_misses(const pc_clusters *c, const pc_csr *m, int threads, int32_t *moved,
                           int32_t *off)
{
    int32_t *assign = malloc((size_t)m->n_rows * sizeof *assign);
    float *sim = malloc((size_t)m->n_rows * sizeof *sim);
    CHECK_INT(pc_kmeans_predict(c, m, threads, assign, sim, NULL), PC_OK);
    *moved = *off = 0;
    for (int32_t i = 0; i < m->n_rows; i++) {
        *moved += assign[i] != c->assign[i];
        *off += memcmp(&sim[i], &c->similarity[i], sizeof sim[i]) != 0;
    }
    free(assign);
    free(sim);
}

/* c renumbered by the permutation to[old id] = new id, as an unsorted
 * clustering would come (the tree's leaves with it). */
static void renumber(pc_clusters *c, const int32_t *to)
{
    int32_t k = c->k;
    float *centroid = malloc((size_t)k * (size_t)c->dim * sizeof *centroid);
    int64_t size[16];
    for (int32_t j = 0; j < k; j++) {
        memcpy(centroid + (size_t)to[j] * c->dim, c->centroid + (size_t)j * c->dim,
               (size_t)c->dim * sizeof *centroid);
        size[to[j]] = c->size[j];
    }
    memcpy(c->centroid, centroid, (size_t)k * (size_t)c->dim * sizeof *centroid);
    memcpy(c->size, size, (size_t)k * sizeof *size);
    for (int32_t i = 0; i < c->n_docs; i++)
        c->assign[i] = to[c->assign[i]];
    for (int32_t e = 0; e < 2 * (k - 1); e++)
        if (c->split_child[e] < k)
            c->split_child[e] = to[c->split_child[e]];
    free(c->origin);
    c->origin = NULL;
    free(centroid);
}

/*
 * Bisection's clusters predicted on the rows they were fitted on come back
 * bit for bit (assign and similarity), by descending the tree: planted data
 * with overlapping topics, k from 2 to 8, seeds 1-3 (2-means stopped by
 * convergence, the tolerance, max_iter), predicting with 1 and 2
 * threads (and fitting with 2 for seed 1, the same rules); also
 * after renumbering the clusters in reverse and sorting them by size again.
 * The rules are a tree over 0 .. 2k − 2 (each id once, the root last) of
 * unit centroids, the same for 1 and 2 threads.  The nearest leaf centroid
 * (the clusters without their tree) would misplace some of these rows: the
 * data is hard enough that descending matters.
 */
static void bisect_predict_descends_the_tree(void)
{
    int32_t label[500];
    pc_csr *m = test_planted(500, 6, 25, 20, 0.35, 17, label);
    int32_t nearest_misses = 0;
    for (int32_t k = 2; k <= 8; k++) {
        for (uint64_t seed = 1; seed <= 3; seed++) {
            pc_kmeans_options opt = options(k, seed, 1);
            opt.tol = seed == 2 ? 1e-2 : opt.tol; /* 2-means stopped by the tolerance */
            opt.max_iter = seed == 3 ? 2 : opt.max_iter; /* or by max_iter */
            pc_clusters *c = NULL, *c2 = NULL;
            CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, NULL, NULL), PC_OK);
            opt.threads = seed == 1 ? 2 : 1; /* 2 threads: once per k, slow on a busy machine */
            CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c2, NULL, NULL), PC_OK);
            if (!c || !c2 || !c->split_child || !c->split_centroid) {
                CHECK(!"no split rules");
                return;
            }
            size_t rule_floats = 2 * (size_t)(k - 1) * (size_t)m->n_cols;
            CHECK(memcmp(c->split_child, c2->split_child,
                         2 * (size_t)(k - 1) * sizeof *c->split_child) == 0);
            CHECK(memcmp(c->split_centroid, c2->split_centroid,
                         rule_floats * sizeof *c->split_centroid) == 0);
            int32_t used[15] = {0};
            for (int32_t e = 0; e < 2 * (k - 1); e++) {
                int32_t id = c->split_child[e];
                CHECK(id >= 0 && id < k + e / 2);
                used[id >= 0 && id < 15 ? id : 14]++;
            }
            for (int32_t id = 0; id < 2 * k - 2; id++)
                CHECK_INT(used[id], 1);
            for (size_t r = 0; r < 2 * (size_t)(k - 1); r++) {
                double norm = 0.0;
                for (int32_t t = 0; t < m->n_cols; t++)
                    norm += (double)c->split_centroid[r * m->n_cols + t] *
                            c->split_centroid[r * m->n_cols + t];
                CHECK_NEAR(norm, 1.0, 1e-5);
            }
            for (int threads = 1; threads <= 2; threads++) {
                int32_t moved, off;
                predict_misses(c, m, threads, &moved, &off);
                if (moved || off)
                    fprintf(stderr, "k %d seed %llu threads %d: %d moved, %d other similarities\n",
                            (int)k, (unsigned long long)seed, threads, (int)moved, (int)off);
                CHECK_INT(moved, 0);
                CHECK_INT(off, 0);
            }
            int32_t reverse[8];
            for (int32_t j = 0; j < k; j++)
                reverse[j] = k - 1 - j;
            renumber(c, reverse);
            int32_t moved, off;
            predict_misses(c, m, 1, &moved, &off);
            CHECK_INT(moved, 0);
            CHECK_INT(pc_clusters_sort_by_size(c, NULL), PC_OK);
            int32_t to[8] = {-1, -1, -1, -1, -1, -1, -1, -1}; /* sizes may tie: the same
                                                                 clusters, maybe reordered */
            for (int32_t i = 0; i < 500; i++)
                to[c->assign[i]] = c2->assign[i];
            int32_t same = 0;
            for (int32_t i = 0; i < 500; i++)
                same += to[c->assign[i]] == c2->assign[i];
            for (int32_t e = 0; e < 2 * (k - 1); e++)
                same += (c->split_child[e] < k ? to[c->split_child[e]] : c->split_child[e]) ==
                        c2->split_child[e];
            CHECK_INT(same, 500 + 2 * (k - 1));
            predict_misses(c, m, 2, &moved, &off);
            CHECK_INT(moved + off, 0);
            int32_t *tree = c->split_child;
            c->split_child = NULL; /* the nearest leaf centroid instead */
            predict_misses(c, m, 1, &moved, &off);
            nearest_misses += moved;
            c->split_child = tree;
            pc_clusters_free(c);
            pc_clusters_free(c2);
        }
    }
    fprintf(stderr, "nearest leaf centroid: %d rows misplaced\n", (int)nearest_misses);
    CHECK(nearest_misses > 0);
    pc_csr_free(m);

    /* identical documents: any rule keeps them together, so a split of them
     * leaves an empty half, and the clusters stay the tree's leaves (three
     * e1, two e2, two (e1 + e2) / √2; k = 4 .. 7: three clusters of 3, 2, 2
     * documents, the rest empty) */
    double rows[7 * 2] = {1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1};
    m = dense_rows(7, 2, rows);
    for (int32_t k = 4; k <= 7; k++) {
        pc_kmeans_options opt = options(k, 1, 1);
        pc_clusters *c = NULL;
        CHECK_INT(pc_bisect_fit(m, &opt, NULL, &c, NULL, NULL), PC_OK);
        const int64_t sizes[7] = {3, 2, 2, 0, 0, 0, 0};
        for (int32_t j = 0; j < k; j++)
            CHECK_INT(c->size[j], sizes[j]);
        int32_t moved, off;
        predict_misses(c, m, 1, &moved, &off);
        CHECK_INT(moved + off, 0);
        pc_clusters_free(c);
    }
    pc_csr_free(m);
}

/* pc_bisect_fit_each hands over, for every k, exactly what pc_bisect_fit(k) gives. */
typedef struct each_seen {
    const pc_csr *m;
    pc_kmeans_options opt;
    int visits;
    int same;
} each_seen;

static pc_status compare_visit(void *ctx, pc_clusters **clusters, int32_t **merges,
                               double seconds, pc_error *err)
{
    each_seen *e = ctx;
    pc_clusters *c = *clusters, *alone = NULL;
    int32_t *alone_merges = NULL;
    e->opt.k = c->k;
    pc_status status = pc_bisect_fit(e->m, &e->opt, NULL, &alone, &alone_merges, err);
    if (status != PC_OK)
        return status;
    size_t n = (size_t)c->n_docs;
    e->same += seconds >= 0 && alone->k == c->k && alone->objective == c->objective &&
               memcmp(alone->assign, c->assign, n * sizeof *c->assign) == 0 &&
               memcmp(alone->similarity, c->similarity, n * sizeof *c->similarity) == 0 &&
               memcmp(alone->centroid, c->centroid,
                      (size_t)c->k * (size_t)c->dim * sizeof *c->centroid) == 0 &&
               memcmp(alone->size, c->size, (size_t)c->k * sizeof *c->size) == 0 &&
               (c->k == 1 || memcmp(alone_merges, *merges,
                                    2 * (size_t)(c->k - 1) * sizeof *alone_merges) == 0);
    e->visits++;
    if (e->visits == 2) { /* the visitor may keep what it is given */
        pc_clusters_free(*clusters);
        *clusters = NULL;
    }
    pc_clusters_free(alone);
    free(alone_merges);
    return PC_OK;
}

static void bisect_each_k_as_alone(void)
{
    int32_t label[700];
    pc_csr *m = test_planted(700, 6, 30, 30, 0.5, 14, label);
    each_seen e = {m, options(0, 7, 0), 0, 0};
    int32_t ks[] = {1, 2, 5, 6, 9};
    CHECK_INT(pc_bisect_fit_each(m, &e.opt, ks, 5, NULL, compare_visit, &e, NULL), PC_OK);
    CHECK_INT(e.visits, 5);
    CHECK_INT(e.same, 5);
    int32_t unordered[] = {3, 2};
    pc_error err;
    CHECK_INT(pc_bisect_fit_each(m, &e.opt, unordered, 2, NULL, compare_visit, &e, &err),
              PC_ERR_INVALID);
    CHECK(strstr(err.message, "increase") != NULL);
    pc_csr_free(m);
}

/* Every allocation of bisection fails in turn: PC_ERR_NOMEM, no leak. */
static void bisect_alloc_failures(void)
{
    int32_t label[60];
    pc_csr *m = test_planted(60, 3, 10, 10, 0.7, 4, label);
    pc_kmeans_options opt = options(3, 1, 1);
    int succeeded = 0;
    for (long n = 1; n < 400 && !succeeded; n++) {
        pc_clusters *c = NULL;
        int32_t *merges = NULL;
        pc_alloc_fail_after(n);
        pc_status st = pc_bisect_fit(m, &opt, NULL, &c, &merges, NULL);
        pc_alloc_fail_after(0);
        if (st == PC_OK)
            succeeded = 1;
        else
            CHECK_INT(st, PC_ERR_NOMEM);
        pc_clusters_free(c);
        free(merges);
    }
    CHECK(succeeded);
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
    RUN_TEST(termless_join_cluster_zero);
    RUN_TEST(sort_by_size_renumbers);
    RUN_TEST(predict_gives_back_the_fit);
    RUN_TEST(predict_ties_follow_origin);
    RUN_TEST(bisect_splits_largest_gain);
    RUN_TEST(bisect_recovers_planted_clusters);
    RUN_TEST(bisect_result_is_consistent);
    RUN_TEST(bisect_smaller_k_is_a_prefix);
    RUN_TEST(bisect_any_thread_count);
    RUN_TEST(bisect_edge_cases);
    RUN_TEST(bisect_predict_descends_the_tree);
    RUN_TEST(bisect_each_k_as_alone);
    RUN_TEST(bisect_alloc_failures);
    return TEST_EXIT();
}
