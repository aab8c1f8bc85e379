/*
 * metrics.h — evaluate: how good are the clusters and the related papers?
 *
 * Three kinds of score:
 *   - external cluster scores against reference labels (NMI, ARI,
 *     homogeneity / completeness / V-measure, purity), computed as
 *     scikit-learn computes them, degenerate cases included;
 *   - related-paper scores against labels (same label?) or against known
 *     links between papers (citations, "see also"), precision and recall at N;
 *   - internal scores needing no labels: the mean cosine silhouette, exact
 *     for every sampled document yet without an n × n distance matrix, and
 *     the Calinski-Harabasz index.
 * Every score is a finite number; none is ever NaN.
 *
 * Labels are dense integer codes, -1 meaning "unlabelled"; pc_labels_encode()
 * turns the strings of a corpus's label column into such codes.
 */
#ifndef PAPERCLUST_METRICS_H
#define PAPERCLUST_METRICS_H

#include <stdint.h>

#include "matrix.h"
#include "neighbors.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Encodes n string labels as dense codes 0, 1, 2, ... in order of first
 * appearance (byte-wise comparison: "Physics" and "physics" differ).  A NULL
 * or empty label gets code -1 (unlabelled).  labels is borrowed; codes (n
 * entries) is filled by the caller's buffer; *n_classes receives the number of
 * distinct non-empty labels.  PC_ERR_INVALID when n < 0, PC_ERR_NOMEM when
 * out of memory.
 */
pc_status pc_labels_encode(int32_t n, const char *const *labels, int32_t *codes,
                           int32_t *n_classes, pc_error *err);

/*
 * External scores of a clustering against reference classes, over the
 * documents whose label is >= 0 (their number is n_scored).  With N scored
 * documents, n_ij documents in cluster i and class j, a_i = Σ_j n_ij,
 * b_j = Σ_i n_ij, natural logarithms:
 *   H(K) = -Σ_i a_i/N ln(a_i/N)      H(C) = -Σ_j b_j/N ln(b_j/N)
 *   I    = Σ_ij n_ij/N ln(N n_ij / (a_i b_j))          (0 if H(K) or H(C) is 0)
 *   nmi          = I / ((H(C) + H(K)) / 2)  (scikit-learn's average_method='arithmetic');
 *                  1 when there is one cluster and one class, else 0 when I = 0
 *   ari          = Hubert & Arabie's adjusted Rand index, in scikit-learn's
 *                  pair-counting form 2(tp·tn - fn·fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn));
 *                  1 when fn = fp = 0 (e.g. one cluster and one class, or all singletons
 *                  on both sides)
 *   homogeneity  = I / H(C), 1 when H(C) = 0        (Rosenberg & Hirschberg, 2007)
 *   completeness = I / H(K), 1 when H(K) = 0
 *   v_measure    = 2 h c / (h + c), 0 when h + c = 0  (beta = 1)
 *   purity       = Σ_i max_j n_ij / N
 */
typedef struct pc_label_scores {
    double nmi, ari, homogeneity, completeness, v_measure, purity;
    int64_t n_scored; /* documents with a label >= 0 */
} pc_label_scores;

/*
 * Computes pc_label_scores for cluster[0..n) (any int32 value is a cluster
 * id) against label[0..n) (-1 or any negative: not scored).  The contingency
 * table is sparse (sorted (cluster, label) pairs), so memory is O(n) whatever
 * the numbers of clusters and classes; time O(n log n).  Arrays are borrowed.
 * PC_ERR_INVALID when n < 0, PC_ERR_EMPTY when no document is labelled (then
 * *out is zero), PC_ERR_NOMEM when out of memory.
 */
pc_status pc_label_scores_compute(int32_t n, const int32_t *cluster, const int32_t *label,
                                  pc_label_scores *out, pc_error *err);

/*
 * Label precision of related papers: among the pairs (paper p, related paper
 * q) listed in nb where both p and q carry a label >= 0, the share with
 * label[q] == label[p] (micro-average over pairs).  Related papers without a
 * label are left out rather than counted as mismatches, so that gaps in the
 * labelling do not count against the neighbour search.  label has nb->n_docs
 * entries (borrowed).  PC_ERR_INVALID when a listed id is out of range,
 * PC_ERR_EMPTY when no pair qualifies (then *precision is 0).
 */
pc_status pc_related_label_precision(const pc_neighbors *nb, const int32_t *label,
                                     double *precision, pc_error *err);

/*
 * Related papers scored against known links.  Link l goes from paper
 * source[l] to paper target[l] (0-based document indexes); links are taken as
 * given, directed (symmetrize before calling to score both directions), and a
 * paper's links form a set: duplicates count once and self-links are ignored.
 * With N = nb->top, R(p) the related papers listed for p (ids >= 0, at most N)
 * and L(p) the set of p's link targets, over the Q papers with L(p) non-empty:
 *   precision = (1/Q) Σ_p |R(p) ∩ L(p)| / N        (trec_eval's P@N: a list shorter
 *                                                  than N is not excused)
 *   recall    = (1/Q) Σ_p |R(p) ∩ L(p)| / |L(p)|
 *   n_queries = Q
 * Arrays are borrowed; cost O(n_docs + n_links log n_links + n_docs N log n_links).
 * PC_ERR_INVALID when n_links < 0, a link endpoint is out of range or
 * nb->top < 1; PC_ERR_EMPTY when no paper has a link (then *out is zero).
 */
typedef struct pc_link_scores {
    double precision, recall;
    int64_t n_queries;
} pc_link_scores;

pc_status pc_related_link_scores(const pc_neighbors *nb, int64_t n_links, const int32_t *source,
                                 const int32_t *target, pc_link_scores *out, pc_error *err);

/*
 * Mean silhouette (Rousseeuw, 1987) with the cosine distance d(x, y) = 1 - x·y
 * (rows of X are taken as unit length, or empty) and clusters cluster[i] in
 * [0, k).  For a document x of cluster A with |A| > 1:
 *   a(x) = mean of d(x, y) over y in A, y != x
 *   b(x) = min over the other non-empty clusters B of the mean of d(x, y), y in B
 *   s(x) = (b - a) / max(a, b), and 0 when max(a, b) = 0
 * and s(x) = 0 when x is alone in its cluster (scikit-learn's convention).
 * The mean is over `sample` documents drawn without replacement with GSL's
 * MT19937 seeded with `seed` (sample = 0, or >= the number of rows: all
 * documents, no randomness).  Each s(x) is exact, against every document: the
 * sum of x·y over a cluster is x · (sum of the cluster's rows), so the k
 * cluster sums are formed once (O(nnz) time, k × n_cols doubles of memory)
 * and each sampled x costs O(nnz(x) × k).  Unlike scikit-learn, distances are
 * not clipped to [0, 2] pair by pair (they only differ by rounding for
 * non-negative unit rows).  `threads` (0: all) parallelise over samples; the
 * result does not depend on it.  PC_ERR_INVALID when k < 1, a cluster id is
 * out of range, sample < 0, or fewer than two clusters are non-empty;
 * PC_ERR_NOMEM when out of memory.
 */
pc_status pc_silhouette_cosine(const pc_csr *X, const int32_t *cluster, int32_t k, int32_t sample,
                               uint64_t seed, int threads, double *out, pc_error *err);

/*
 * The silhouette sample alone, to score several clusterings of the same rows
 * on the same documents (a k sweep draws it once): `sample` distinct rows of
 * n drawn as pc_silhouette_cosine draws them (sample 0 or >= n: every row),
 * sorted.  *rows is new (free() it), *count its length.  PC_ERR_INVALID when
 * n or sample < 0, PC_ERR_NOMEM.
 */
pc_status pc_silhouette_sample(int32_t n, int32_t sample, uint64_t seed, int32_t **rows,
                               int32_t *count, pc_error *err);

/*
 * pc_silhouette_cosine over the given rows (count of them, each in
 * [0, X->n_rows); e.g. from pc_silhouette_sample): the same value
 * pc_silhouette_cosine gives for the sample those rows are.  When
 * standard_error is not NULL it receives the standard error of that mean,
 * sd / √count with sd the sample standard deviation (n − 1) of the count
 * values s(x) (0 for fewer than 2 rows).  PC_ERR_INVALID also for a row out
 * of range.
 */
pc_status pc_silhouette_cosine_rows(const pc_csr *X, const int32_t *cluster, int32_t k,
                                    const int32_t *rows, int32_t count, int threads, double *out,
                                    double *standard_error, pc_error *err);

/*
 * The Calinski-Harabasz index (Caliński & Harabasz, "A dendrite method for
 * cluster analysis", Communications in Statistics 3(1), 1974) of the rows of
 * X as points of Euclidean space: with m = the number of non-empty clusters,
 * S_c the sum of cluster c's n_c rows and S that of all n rows,
 *   B = Σ_c ||S_c||²/n_c − ||S||²/n       (between-cluster dispersion)
 *   W = Σ_i ||x_i||² − Σ_c ||S_c||²/n_c   (within-cluster dispersion)
 *   CH = (B / (m − 1)) / (W / (n − m)),   1 when W = 0 (scikit-learn's rule).
 * On unit rows the squared distance is ||x − y||² = 2 − 2 cos(x, y), so this
 * is the index with the cosine dissimilarity spherical k-means minimises (the
 * cluster means are not renormalised: W is the scatter around the mean, as in
 * the original).  Higher is better.  The same value as scikit-learn's
 * calinski_harabasz_score on the dense rows.  O(nnz + n_cols × k) time,
 * n_cols × k doubles; sums in document order, so the result is reproducible.
 * PC_ERR_INVALID when a cluster id is out of range or m is not in
 * [2, n − 1]; PC_ERR_NOMEM.
 */
pc_status pc_calinski_harabasz(const pc_csr *X, const int32_t *cluster, int32_t k, double *out,
                               pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
