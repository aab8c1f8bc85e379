/*
 * test_metrics.c — the evaluation scores on small cases computed by hand,
 * their degenerate cases, error paths and injected allocation failures.
 *
 * Two extra modes serve tests/metrics_sklearn_check.py, which compares our
 * numbers with scikit-learn's:
 *   test_metrics --score FILE       FILE: "cluster,label" integer lines;
 *                                   prints nmi ari homogeneity completeness
 *                                   v_measure purity n_scored
 *   test_metrics --silhouette FILE  FILE: "n_rows n_cols k sample seed threads",
 *                                   then one line per row: "cluster nnz col val ...";
 *                                   prints the mean silhouette, the
 *                                   Calinski-Harabasz index and the
 *                                   silhouette's standard error
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperclust/metrics.h"
#include "test.h"

#define TOL 1e-12

static void check_scores(const pc_label_scores *s, double nmi, double ari, double h, double c,
                         double v, double purity)
{
    CHECK_NEAR(s->nmi, nmi, TOL);
    CHECK_NEAR(s->ari, ari, TOL);
    CHECK_NEAR(s->homogeneity, h, TOL);
    CHECK_NEAR(s->completeness, c, TOL);
    CHECK_NEAR(s->v_measure, v, TOL);
    CHECK_NEAR(s->purity, purity, TOL);
}

static void test_labels_encode(void)
{
    const char *labels[] = {"cs", "", "math", NULL, "cs", "bio", "Math"};
    int32_t codes[7], n_classes = -1;
    CHECK_INT(pc_labels_encode(7, labels, codes, &n_classes, NULL), PC_OK);
    int32_t expect[] = {0, -1, 1, -1, 0, 2, 3};
    for (int i = 0; i < 7; i++)
        CHECK_INT(codes[i], expect[i]);
    CHECK_INT(n_classes, 4);
    CHECK_INT(pc_labels_encode(0, NULL, NULL, &n_classes, NULL), PC_OK);
    CHECK_INT(n_classes, 0);
    pc_error err;
    CHECK_INT(pc_labels_encode(-1, labels, codes, &n_classes, &err), PC_ERR_INVALID);
}

/*
 * Six documents, two clusters, two classes A = 0, B = 1:
 *   cluster: 0 0 0 1 1 1
 *   label:   A A B B B B
 * Contingency n_ij (rows clusters, columns classes):
 *          A  B | a_i
 *     c0   2  1 |  3
 *     c1   0  3 |  3
 *     b_j  2  4 |  N = 6
 * H(K) = ln 2;  H(C) = -(1/3 ln 1/3 + 2/3 ln 2/3) = ln 3 - 2/3 ln 2
 * I = 2/6 ln(6·2/(3·2)) + 1/6 ln(6·1/(3·4)) + 3/6 ln(6·3/(3·4))
 *   = 1/3 ln 2 - 1/6 ln 2 + 1/2 ln 3/2 = 1/2 ln 3 - 1/3 ln 2   (≈ 0.318257)
 * homogeneity  = I / H(C) = 1/2 exactly (H(C) = 2 I)
 * completeness = I / H(K) = ln 3 / (2 ln 2) - 1/3              (≈ 0.459148)
 * V = 2hc/(h+c), and NMI (arithmetic) = I / ((H(C)+H(K))/2) = V  (≈ 0.478704)
 * ARI with pair counts: Σ C(n_ij,2) = 1+0+3 = 4, Σ C(a_i,2) = 3+3 = 6,
 *   Σ C(b_j,2) = 1+6 = 7, C(6,2) = 15, expected = 6·7/15 = 2.8, max = 6.5:
 *   ARI = (4 - 2.8) / (6.5 - 2.8) = 12/37
 * purity = (2 + 3) / 6 = 5/6
 */
static void test_hand_example(void)
{
    int32_t cluster[] = {0, 0, 0, 1, 1, 1};
    int32_t label[] = {0, 0, 1, 1, 1, 1};
    pc_label_scores s;
    CHECK_INT(pc_label_scores_compute(6, cluster, label, &s, NULL), PC_OK);
    double mi = 0.5 * log(3.0) - log(2.0) / 3.0;
    double hc = log(3.0) - 2.0 / 3.0 * log(2.0), hk = log(2.0);
    double h = 0.5, c = mi / hk, v = 2 * h * c / (h + c);
    check_scores(&s, v, 12.0 / 37.0, h, c, v, 5.0 / 6.0);
    /* the same, against the decimals worked out above (not our own formulas) */
    CHECK_NEAR(s.nmi, 0.478703971385680, 1e-14);
    CHECK_NEAR(s.completeness, 0.459147917027245, 1e-14);
    CHECK_INT(s.n_scored, 6);

    /* Unlabelled documents (-1) are left out whatever their cluster, and
     * cluster ids are opaque (negative and huge ones too).  Scored documents:
     * cluster 7 = {A, A}, cluster -3 = {B, B, B}, cluster 2e9 = {B}.
     * N = 6, a = (2, 3, 1), b = (2, 4); every cluster is pure, so
     *   homogeneity = 1, I = H(C) = ln 3 - 2/3 ln 2, purity = 1,
     *   H(K) = -(1/3 ln 1/3 + 1/2 ln 1/2 + 1/6 ln 1/6), completeness = I / H(K);
     *   Σ C(n_ij,2) = 1+3+0 = 4, Σ C(a_i,2) = 1+3+0 = 4, Σ C(b_j,2) = 7,
     *   expected = 4·7/15 = 28/15, max = 5.5: ARI = (4 - 28/15)/(5.5 - 28/15) = 64/109 */
    int32_t cluster2[] = {7, -3, 7, 7, 2000000000, -3, -3, 2000000000};
    int32_t label2[] = {0, 1, -1, 0, -1, 1, 1, 1};
    CHECK_INT(pc_label_scores_compute(8, cluster2, label2, &s, NULL), PC_OK);
    CHECK_INT(s.n_scored, 6);
    double hk2 = -(log(1.0 / 3) / 3 + log(0.5) / 2 + log(1.0 / 6) / 6);
    double c2 = hc / hk2, v2 = 2 * c2 / (1 + c2);
    check_scores(&s, hc / ((hc + hk2) / 2), 64.0 / 109.0, 1.0, c2, v2, 1.0);
}

/* A permuted perfect labelling scores 1 everywhere. */
static void test_perfect_permuted(void)
{
    int32_t cluster[] = {0, 0, 1, 1, 2, 2, 2};
    int32_t label[] = {2, 2, 0, 0, 1, 1, 1};
    pc_label_scores s;
    CHECK_INT(pc_label_scores_compute(7, cluster, label, &s, NULL), PC_OK);
    check_scores(&s, 1, 1, 1, 1, 1, 1);
    CHECK_INT(s.n_scored, 7);
}

/*
 * scikit-learn's degenerate cases:
 *  - one cluster, one class: everything 1;
 *  - one cluster, two classes 2 + 2: I = 0 so NMI 0; H(C) > 0 so h = 0;
 *    H(K) = 0 so c = 1; V = 0; pairs: tp = Σn_ij² - N = 8 - 4 = 4,
 *    fp = Σa² - Σn² = 16 - 8 = 8, fn = Σb² - Σn² = 0, tn = 16 - 8 - 0 - 8 = 0,
 *    ARI = 2(4·0 - 0·8) / (...) = 0; purity 2/4;
 *  - singleton clusters, one class: NMI 0, ARI 0 (tp = fp = tn = 0), h = 1, c = 0, V = 0;
 *  - singletons on both sides: I = ln 3 = H(C) = H(K): NMI 1, ARI 1 (fn = fp = 0);
 *  - one document: one cluster and one class.
 */
static void test_degenerate(void)
{
    pc_label_scores s;
    int32_t zeros[] = {0, 0, 0, 0};
    int32_t two_classes[] = {0, 0, 1, 1};
    CHECK_INT(pc_label_scores_compute(4, zeros, zeros, &s, NULL), PC_OK);
    check_scores(&s, 1, 1, 1, 1, 1, 1);
    CHECK_INT(pc_label_scores_compute(4, zeros, two_classes, &s, NULL), PC_OK);
    check_scores(&s, 0, 0, 0, 1, 0, 0.5);

    int32_t singletons[] = {0, 1, 2};
    int32_t one_class[] = {4, 4, 4};
    int32_t other_singletons[] = {5, 7, 6};
    CHECK_INT(pc_label_scores_compute(3, singletons, one_class, &s, NULL), PC_OK);
    check_scores(&s, 0, 0, 1, 0, 0, 1);
    CHECK_INT(pc_label_scores_compute(3, singletons, other_singletons, &s, NULL), PC_OK);
    check_scores(&s, 1, 1, 1, 1, 1, 1);
    CHECK_INT(pc_label_scores_compute(1, singletons, one_class, &s, NULL), PC_OK);
    check_scores(&s, 1, 1, 1, 1, 1, 1);

    pc_error err;
    int32_t unlabelled[] = {-1, -1, -1};
    CHECK_INT(pc_label_scores_compute(3, singletons, unlabelled, &s, &err), PC_ERR_EMPTY);
    CHECK_INT(s.n_scored, 0);
    CHECK_INT(pc_label_scores_compute(0, NULL, NULL, &s, &err), PC_ERR_EMPTY);
    CHECK_INT(pc_label_scores_compute(-1, singletons, one_class, &s, &err), PC_ERR_INVALID);
}

/*
 * Four papers, two related papers each (-1 pads):
 *   paper  label  related   labelled pairs (same?)
 *     0      0    1, 2      (0,1) yes  (0,2) no
 *     1      0    3, 0      3 unlabelled: left out; (1,0) yes
 *     2      1    0, -1     (2,0) no
 *     3     -1    0, 1      paper unlabelled: left out
 * label precision = 2 same / 4 pairs = 0.5
 */
static int32_t tiny_ids[] = {1, 2, 3, 0, 0, -1, 0, 1};
static float tiny_sims[] = {.9f, .5f, .8f, .7f, .6f, 0, .9f, .2f};
static pc_neighbors tiny_nb = {.n_docs = 4, .top = 2, .id = tiny_ids, .similarity = tiny_sims};

static void test_label_precision(void)
{
    int32_t label[] = {0, 0, 1, -1};
    double p = -1;
    CHECK_INT(pc_related_label_precision(&tiny_nb, label, &p, NULL), PC_OK);
    CHECK_NEAR(p, 0.5, TOL);

    pc_error err;
    int32_t none[] = {-1, -1, -1, -1};
    CHECK_INT(pc_related_label_precision(&tiny_nb, none, &p, &err), PC_ERR_EMPTY);
    CHECK_NEAR(p, 0, 0);
    int32_t bad_ids[] = {1, 2, 3, 4, 0, -1, 0, 1};
    pc_neighbors bad = {.n_docs = 4, .top = 2, .id = bad_ids, .similarity = tiny_sims};
    CHECK_INT(pc_related_label_precision(&bad, label, &p, &err), PC_ERR_INVALID);
}

/*
 * Links on the same table (N = 2):
 *   0→1, 0→3, 0→2, 0→1 (duplicate), 1→1 (self-link), 2→3, 2→0
 *   paper  links L      listed R   hits  P@2   R@2
 *     0    {1, 2, 3}    {1, 2}     2     2/2   2/3
 *     1    {} (self dropped)  — not a query
 *     2    {0, 3}       {0}        1     1/2   1/2   (short list not excused)
 *     3    {}           — not a query
 * precision = (1 + 1/2) / 2 = 3/4, recall = (2/3 + 1/2) / 2 = 7/12, Q = 2
 */
static void test_link_scores(void)
{
    int32_t source[] = {0, 0, 0, 0, 1, 2, 2};
    int32_t target[] = {1, 3, 2, 1, 1, 3, 0};
    pc_link_scores s;
    CHECK_INT(pc_related_link_scores(&tiny_nb, 7, source, target, &s, NULL), PC_OK);
    CHECK_NEAR(s.precision, 0.75, TOL);
    CHECK_NEAR(s.recall, 7.0 / 12.0, TOL);
    CHECK_INT(s.n_queries, 2);

    pc_error err;
    CHECK_INT(pc_related_link_scores(&tiny_nb, 1, source + 4, target + 4, &s, &err),
              PC_ERR_EMPTY);
    CHECK_INT(pc_related_link_scores(&tiny_nb, 0, NULL, NULL, &s, &err), PC_ERR_EMPTY);
    int32_t out_of_range[] = {4};
    CHECK_INT(pc_related_link_scores(&tiny_nb, 1, source, out_of_range, &s, &err),
              PC_ERR_INVALID);
    CHECK(strstr(err.message, "link 0") != NULL);
    pc_neighbors empty_lists = {.n_docs = 4, .top = 0};
    CHECK_INT(pc_related_link_scores(&empty_lists, 7, source, target, &s, &err), PC_ERR_INVALID);
}

/* A CSR from dense rows (test helper; zeros are skipped). */
static pc_csr *csr_from_dense(int32_t rows, int32_t cols, const float *dense)
{
    int64_t nnz = 0;
    for (int64_t i = 0; i < (int64_t)rows * cols; i++)
        nnz += dense[i] != 0;
    pc_csr *m = NULL;
    if (pc_csr_new(rows, cols, nnz, &m, NULL) != PC_OK)
        return NULL;
    int64_t at = 0;
    for (int32_t i = 0; i < rows; i++) {
        for (int32_t j = 0; j < cols; j++) {
            if (dense[(int64_t)i * cols + j] != 0) {
                m->col[at] = j;
                m->val[at++] = dense[(int64_t)i * cols + j];
            }
        }
        m->row_ptr[i + 1] = at;
    }
    return m;
}

/*
 * Five unit rows in 3-D, three clusters:
 *   d0 = (1, 0, 0)      cluster 0
 *   d1 = (.6, .8, 0)    cluster 0
 *   d2 = (0, 1, 0)      cluster 1
 *   d3 = (0, .6, .8)    cluster 1
 *   d4 = (0, 0, 1)      cluster 2 (singleton: s = 0)
 * Dots: d0·d1 = .6, d1·d2 = .8, d1·d3 = .48, d2·d3 = .6, d3·d4 = .8, others 0.
 * Distances 1 - dot; a = own cluster mean, b = nearest other cluster mean:
 *   d0: a = .4, b = min(mean(1, 1), 1) = 1                → s = .6/1  = .6
 *   d1: a = .4, b = min(mean(.2, .52) = .36, 1) = .36      → s = -.04/.4 = -.1
 *   d2: a = .4, b = min(mean(1, .2) = .6, 1) = .6          → s = .2/.6 = 1/3
 *   d3: a = .4, b = min(mean(1, .52) = .76, .2) = .2       → s = -.2/.4 = -.5
 *   d4: 0
 * mean = (.6 - .1 + 1/3 - .5 + 0) / 5 = 1/15
 * (float32 storage of .6 and .8 limits agreement to ~1e-7.)
 */
static const float five_rows[] = {1, 0, 0, .6f, .8f, 0, 0, 1, 0, 0, .6f, .8f, 0, 0, 1};
static const int32_t five_clusters[] = {0, 0, 1, 1, 2};
static const double five_s[] = {.6, -.1, 1.0 / 3, -.5, 0};

static void test_silhouette_hand(void)
{
    pc_csr *X = csr_from_dense(5, 3, five_rows);
    CHECK(X != NULL);
    if (!X)
        return;
    double s = -2;
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 3, 0, 1, 1, &s, NULL), PC_OK);
    CHECK_NEAR(s, 1.0 / 15.0, 1e-6);
    /* sample >= n is the whole set; an unused fourth cluster changes nothing */
    double s_all = -2;
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 4, 9, 1, 2, &s_all, NULL), PC_OK);
    CHECK(s_all == s);

    /* A sample of 3 is the mean over some 3 of the 5 documents, the same for
     * every thread count and for the same seed. */
    double s1 = -2, s3 = -2, again = -2;
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 3, 3, 42, 1, &s1, NULL), PC_OK);
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 3, 3, 42, 3, &s3, NULL), PC_OK);
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 3, 3, 42, 1, &again, NULL), PC_OK);
    CHECK(s1 == s3 && s1 == again);
    int found = 0;
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            for (int l = j + 1; l < 5; l++)
                found += fabs((five_s[i] + five_s[j] + five_s[l]) / 3 - s1) < 1e-6;
    CHECK(found >= 1);

    pc_error err;
    int32_t one_cluster[] = {0, 0, 0, 0, 0};
    int32_t out_of_range[] = {0, 0, 1, 3, 2};
    CHECK_INT(pc_silhouette_cosine(X, one_cluster, 3, 0, 1, 1, &s, &err), PC_ERR_INVALID);
    CHECK_INT(pc_silhouette_cosine(X, out_of_range, 3, 0, 1, 1, &s, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "document 3") != NULL);
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 0, 0, 1, 1, &s, &err), PC_ERR_INVALID);
    CHECK_INT(pc_silhouette_cosine(X, five_clusters, 3, -1, 1, 1, &s, &err), PC_ERR_INVALID);
    pc_csr_free(X);
}

/*
 * Calinski-Harabasz by hand: x1 = (1, 0), x2 = (.6, .8) in cluster 0, x3 =
 * (0, 1) in cluster 1.  Cluster 0's mean is (.8, .4): W = .2 + .2 = .4; the
 * overall mean is (1.6/3, .6): B = 2 ||(.8, .4) − (1.6/3, .6)||² +
 * ||(0, 1) − (1.6/3, .6)||² = 2/9 + 4/9 = 2/3; n = 3, m = 2:
 * CH = (2/3 / 1) / (.4 / 1) = 5/3.  Two identical pairs: W = 0, CH = 1.
 */
static void test_calinski_harabasz_hand(void)
{
    static const float rows[] = {1, 0, .6f, .8f, 0, 1};
    static const int32_t cluster[] = {0, 0, 1};
    pc_csr *X = csr_from_dense(3, 2, rows);
    CHECK(X != NULL);
    if (!X)
        return;
    double ch = 0;
    CHECK_INT(pc_calinski_harabasz(X, cluster, 2, &ch, NULL), PC_OK);
    CHECK_NEAR(ch, 5.0 / 3.0, 1e-6);
    pc_csr_free(X);
    static const float pairs[] = {1, 0, 1, 0, 0, 1, 0, 1};
    static const int32_t two[] = {0, 0, 1, 1}, one[] = {0, 0, 0, 0}, apart[] = {0, 1, 2, 3};
    X = csr_from_dense(4, 2, pairs);
    CHECK_INT(pc_calinski_harabasz(X, two, 2, &ch, NULL), PC_OK);
    CHECK(ch == 1.0);
    pc_error err;
    CHECK_INT(pc_calinski_harabasz(X, one, 2, &ch, &err), PC_ERR_INVALID);
    CHECK_INT(pc_calinski_harabasz(X, apart, 4, &ch, &err), PC_ERR_INVALID); /* m = n */
    CHECK_INT(pc_calinski_harabasz(X, apart, 3, &ch, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "document 3") != NULL);
    pc_csr_free(X);
}

/* A sample drawn once and scored with pc_silhouette_cosine_rows is the mean
 * of the hand-computed s(x) over exactly those rows, and pc_silhouette_cosine
 * gives the same for the same sample size and seed; another clustering
 * scored on the same rows gives the same as pc_silhouette_cosine for it. */
static void test_silhouette_shared_sample(void)
{
    pc_csr *X = csr_from_dense(5, 3, five_rows);
    CHECK(X != NULL);
    if (!X)
        return;
    int32_t other[] = {0, 1, 1, 1, 2};
    for (int32_t size = 0; size <= 5; size++) {
        int32_t *rows = NULL, count = -1;
        CHECK_INT(pc_silhouette_sample(5, size, 42, &rows, &count, NULL), PC_OK);
        CHECK_INT(count, size == 0 ? 5 : size);
        double want = 0;
        for (int32_t t = 0; t < count; t++) {
            if (t > 0)
                CHECK(rows[t - 1] < rows[t]);
            want += five_s[rows[t]] / count;
        }
        double whole = -2, shared = -3, other_whole = -4, other_shared = -5, se = -1;
        CHECK_INT(pc_silhouette_cosine_rows(X, five_clusters, 3, rows, count, 2, &shared, &se, NULL),
                  PC_OK);
        CHECK_NEAR(shared, want, 1e-6);
        double spread = 0;
        for (int32_t t = 0; t < count; t++)
            spread += (five_s[rows[t]] - want) * (five_s[rows[t]] - want);
        CHECK_NEAR(se, count > 1 ? sqrt(spread / (count - 1) / count) : 0.0, 1e-6);
        CHECK_INT(pc_silhouette_cosine(X, five_clusters, 3, size, 42, 1, &whole, NULL), PC_OK);
        CHECK(whole == shared);
        CHECK_INT(pc_silhouette_cosine(X, other, 3, size, 42, 1, &other_whole, NULL), PC_OK);
        CHECK_INT(pc_silhouette_cosine_rows(X, other, 3, rows, count, 1, &other_shared, NULL, NULL),
                  PC_OK);
        CHECK(other_whole == other_shared);
        free(rows);
    }
    int32_t bad[] = {0, 5};
    double s;
    pc_error err;
    CHECK_INT(pc_silhouette_cosine_rows(X, five_clusters, 3, bad, 2, 1, &s, NULL, &err),
              PC_ERR_INVALID);
    CHECK(strstr(err.message, "row 5") != NULL);
    pc_csr_free(X);
}

/* Deterministic pseudo-random numbers for test data (not the library's RNG). */
static uint64_t lcg_state = 88172645463325252ULL;
static uint32_t lcg_next(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

/* The silhouette of a larger random matrix is bit-identical across thread counts. */
static void test_silhouette_threads(void)
{
    enum { ROWS = 600, COLS = 50, K = 5 };
    float *dense = calloc((size_t)ROWS * COLS, sizeof *dense);
    int32_t *cluster = malloc(ROWS * sizeof *cluster);
    CHECK(dense && cluster);
    if (!dense || !cluster)
        goto done;
    for (int i = 0; i < ROWS; i++) {
        double norm = 0;
        for (int j = 0; j < COLS; j++) {
            if (lcg_next() % 5 == 0) {
                float v = (float)(lcg_next() % 1000 + 1);
                dense[i * COLS + j] = v;
                norm += (double)v * v;
            }
        }
        for (int j = 0; j < COLS && norm > 0; j++)
            dense[i * COLS + j] = (float)(dense[i * COLS + j] / sqrt(norm));
        cluster[i] = (int32_t)(lcg_next() % K);
    }
    pc_csr *X = csr_from_dense(ROWS, COLS, dense);
    CHECK(X != NULL);
    if (X) {
        double s1 = 0, s2 = 0, s4 = 0, sampled1 = 0, sampled4 = 0;
        CHECK_INT(pc_silhouette_cosine(X, cluster, K, 0, 7, 1, &s1, NULL), PC_OK);
        CHECK_INT(pc_silhouette_cosine(X, cluster, K, 0, 7, 2, &s2, NULL), PC_OK);
        CHECK_INT(pc_silhouette_cosine(X, cluster, K, 0, 7, 4, &s4, NULL), PC_OK);
        CHECK(s1 == s2 && s1 == s4);
        CHECK(s1 > -1 && s1 < 1);
        CHECK_INT(pc_silhouette_cosine(X, cluster, K, 100, 7, 1, &sampled1, NULL), PC_OK);
        CHECK_INT(pc_silhouette_cosine(X, cluster, K, 100, 7, 4, &sampled4, NULL), PC_OK);
        CHECK(sampled1 == sampled4);
        CHECK(sampled1 != s1); /* a different subset, almost surely a different mean */
    }
    pc_csr_free(X);
done:
    free(dense);
    free(cluster);
}

/* Every allocation of every function fails in turn: PC_ERR_NOMEM, no leak
 * (the sanitizer build checks), and success once the budget suffices. */
static void test_alloc_failures(void)
{
    const char *labels[] = {"a", "b", "a", "c"};
    int32_t codes[4], n_classes;
    int32_t cluster[] = {0, 0, 0, 1, 1, 1};
    int32_t label[] = {0, 0, 1, 1, 1, 1};
    int32_t source[] = {0, 0, 2};
    int32_t target[] = {1, 2, 0};
    pc_label_scores scores;
    pc_link_scores links;
    pc_csr *X = csr_from_dense(5, 3, five_rows);
    CHECK(X != NULL);
    if (!X)
        return;
    for (int which = 0; which < 5; which++) {
        int succeeded = 0;
        for (long n = 1; n < 50 && !succeeded; n++) {
            pc_error err;
            double value;
            pc_status st = PC_OK;
            pc_alloc_fail_after(n);
            switch (which) {
            case 0: st = pc_labels_encode(4, labels, codes, &n_classes, &err); break;
            case 1: st = pc_label_scores_compute(6, cluster, label, &scores, &err); break;
            case 2: st = pc_related_link_scores(&tiny_nb, 3, source, target, &links, &err); break;
            case 3: st = pc_silhouette_cosine(X, five_clusters, 3, 2, 5, 2, &value, &err); break;
            case 4: st = pc_calinski_harabasz(X, five_clusters, 3, &value, &err); break;
            }
            pc_alloc_fail_after(0);
            if (st == PC_OK)
                succeeded = 1;
            else
                CHECK_INT(st, PC_ERR_NOMEM);
        }
        CHECK(succeeded);
    }
    pc_csr_free(X);
}

/* --score FILE: "cluster,label" lines → our six scores and n_scored. */
static int score_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 2;
    }
    size_t n = 0, cap = 1024;
    int32_t *cluster = malloc(cap * sizeof *cluster), *label = malloc(cap * sizeof *label);
    long c, l;
    int rc = 2;
    while (cluster && label && fscanf(f, "%ld,%ld", &c, &l) == 2) {
        if (n == cap) {
            cap *= 2;
            int32_t *nc = realloc(cluster, cap * sizeof *nc);
            if (nc)
                cluster = nc;
            int32_t *nl = realloc(label, cap * sizeof *nl);
            if (nl)
                label = nl;
            if (!nc || !nl)
                break;
        }
        cluster[n] = (int32_t)c;
        label[n++] = (int32_t)l;
    }
    if (cluster && label && feof(f)) {
        pc_label_scores s;
        pc_error err;
        pc_status st = pc_label_scores_compute((int32_t)n, cluster, label, &s, &err);
        if (st == PC_OK) {
            printf("%.17g %.17g %.17g %.17g %.17g %.17g %lld\n", s.nmi, s.ari, s.homogeneity,
                   s.completeness, s.v_measure, s.purity, (long long)s.n_scored);
            rc = 0;
        } else {
            fprintf(stderr, "%s: %s\n", path, err.message);
        }
    } else {
        fprintf(stderr, "%s: unreadable line %zu\n", path, n + 1);
    }
    fclose(f);
    free(cluster);
    free(label);
    return rc;
}

/* --silhouette FILE: a sparse matrix with its clusters → the mean silhouette
 * (NaN when the sampled-rows path disagrees), Calinski-Harabasz, and the
 * silhouette's standard error. */
static int silhouette_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 2;
    }
    int rc = 2;
    pc_csr *X = NULL;
    int32_t *cluster = NULL;
    int rows, cols, k, sample, threads;
    unsigned long long seed;
    long long nnz;
    if (fscanf(f, "%d %d %d %d %llu %d %lld", &rows, &cols, &k, &sample, &seed, &threads,
               &nnz) != 7 ||
        pc_csr_new(rows, cols, nnz, &X, NULL) != PC_OK)
        goto done;
    cluster = malloc((size_t)rows * sizeof *cluster + 1);
    if (!cluster)
        goto done;
    int64_t at = 0;
    for (int i = 0; i < rows; i++) {
        int row_nnz;
        if (fscanf(f, "%d %d", &cluster[i], &row_nnz) != 2 || row_nnz < 0 || at + row_nnz > nnz)
            goto done;
        for (int e = 0; e < row_nnz; e++, at++) {
            double v;
            if (fscanf(f, "%d %lf", &X->col[at], &v) != 2)
                goto done;
            X->val[at] = (float)v;
        }
        X->row_ptr[i + 1] = at;
    }
    double s;
    pc_error err;
    if (pc_silhouette_cosine(X, cluster, k, sample, seed, threads, &s, &err) != PC_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        goto done;
    }
    double ch, again, se;
    int32_t *drawn = NULL, count = 0;
    if (pc_calinski_harabasz(X, cluster, k, &ch, &err) != PC_OK ||
        pc_silhouette_sample(X->n_rows, sample, seed, &drawn, &count, &err) != PC_OK ||
        pc_silhouette_cosine_rows(X, cluster, k, drawn, count, threads, &again, &se, &err) !=
            PC_OK) {
        free(drawn);
        fprintf(stderr, "%s: %s\n", path, err.message);
        goto done;
    }
    free(drawn);
    printf("%.17g %.17g %.17g\n", again == s ? s : NAN, ch, se);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "%s: could not read or score the matrix\n", path);
    fclose(f);
    pc_csr_free(X);
    free(cluster);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--score") == 0)
        return score_file(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--silhouette") == 0)
        return silhouette_file(argv[2]);
    RUN_TEST(test_labels_encode);
    RUN_TEST(test_hand_example);
    RUN_TEST(test_perfect_permuted);
    RUN_TEST(test_degenerate);
    RUN_TEST(test_label_precision);
    RUN_TEST(test_link_scores);
    RUN_TEST(test_silhouette_hand);
    RUN_TEST(test_silhouette_threads);
    RUN_TEST(test_calinski_harabasz_hand);
    RUN_TEST(test_silhouette_shared_sample);
    RUN_TEST(test_alloc_failures);
    return TEST_EXIT();
}
