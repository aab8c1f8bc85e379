/*
 * kmeans.h — cluster: spherical k-means on unit-length sparse rows.
 *
 * The objective is the sum over documents of the cosine to their centroid
 * (maximised); centroids are the normalised means of their members (Dhillon &
 * Modha, "Concept decompositions for large sparse text data using
 * clustering", Machine Learning 42, 2001).  Seeding is k-means++ (Arthur &
 * Vassilvitskii, 2007) with the distance 1 - cosine and 2 + ln k local trials
 * per centre, drawn from GSL's RNG; n_init restarts keep the best objective;
 * a cluster left empty is re-seeded with the documents that fit their own
 * centroid worst.  Each restart ends on an assignment step (like
 * scikit-learn's final E-step): the final centroids are those the documents
 * were last assigned to, so pc_kmeans_predict() gives the fitted rows their
 * own clusters back.  Results depend on the seed only, not on the thread
 * count.
 */
#ifndef PAPERCLUST_KMEANS_H
#define PAPERCLUST_KMEANS_H

#include <stdint.h>

#include "comm.h"
#include "matrix.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_kmeans_options {
    int32_t k;          /* number of clusters, >= 1 and <= the number of documents */
    int n_init;         /* default 3: restarts, the best objective is kept */
    int max_iter;       /* default 100: Lloyd iterations per restart */
    double tol;         /* default 1e-4: stop when the objective improves by less than tol × itself */
    uint64_t seed;      /* default 1 */
    int threads;        /* default 0: all available */
    const pc_comm *comm; /* default NULL: one process.  Else (pc_kmeans_fit only; bisection
                            ignores it) every process of comm calls with the same X and
                            options; the assignment step and k-means++'s products are split
                            by ranges of documents and shared (the values moved, not summed),
                            everything else is done by every process: the result is the
                            one-process result, bit for bit */
    int ranges;         /* default 0.  1 (with comm): X holds only this process's range of
                           the documents, ceil(n / size) each in document order (as
                           paperclust-mpi deals them); the centroid sums pass from rank to
                           rank in document order, the picked seeds from their holders; the
                           result covers all n documents, the same on every process and
                           the one-process result, bit for bit */
} pc_kmeans_options;

void pc_kmeans_options_default(pc_kmeans_options *opt);

/* How the clusters are made: Lloyd's spherical k-means (pc_kmeans_fit) or
 * repeated bisection (pc_bisect_fit). */
typedef enum pc_cluster_method { PC_METHOD_KMEANS = 0, PC_METHOD_BISECT = 1 } pc_cluster_method;

typedef struct pc_clusters {
    int32_t k;
    int32_t n_docs;
    int32_t dim;
    int32_t *assign;     /* n_docs: cluster of each document */
    float *similarity;   /* n_docs: cosine of each document to its centroid */
    float *centroid;     /* k × dim row-major, unit rows (a zero row for an empty cluster) */
    int64_t *size;       /* k */
    double objective;    /* sum of similarity */
    int iterations;      /* of the kept restart: update steps (a restart ends on an
                            assignment step, so every document is with its nearest
                            centroid); bisection: of all kept splits */
    int best_init;       /* which restart was kept, 0-based (bisection: 0) */
    int32_t *origin;     /* k: each cluster's number before pc_clusters_sort_by_size()
                            (0 .. k-1 in order until then; NULL is read so): ties between
                            centroids go to the lower origin, as in k-means itself */
    /* Repeated bisection's tree and the rules of its splits (NULL for k-means).
     * split_child: (k − 1) × 2 ids, merge m's side-0 then side-1 child, as
     * pc_bisect_fit's merges (an id below k a cluster, k + i merge i; the
     * root, the first split, merge k − 2).  split_centroid: (k − 1) × 2 × dim,
     * merge m's side-0 then side-1 centroid, those of the split's kept 2-means
     * restart as its last assignment step used them: a document went to the
     * side of higher product (ties: side 0).  pc_kmeans_predict() descends
     * them.  Memory: 2 (k − 1) × dim floats, twice the centroids'. */
    int32_t *split_child;
    float *split_centroid;
} pc_clusters;

/*
 * Clusters the rows of X (unit L2 norm, or empty).  Empty rows (documents
 * without terms) get similarity 0 and join the cluster with the most
 * non-empty rows (ties: lower id), which pc_clusters_sort_by_size() numbers 0.  *out is new and freed with
 * pc_clusters_free().  PC_ERR_INVALID when k is out of range.
 */
pc_status pc_kmeans_fit(const pc_csr *X, const pc_kmeans_options *opt, const pc_monitor *mon,
                        pc_clusters **out, pc_error *err);

/*
 * Repeated bisection (CLUTO's "rb", Zhao & Karypis, "Hierarchical clustering
 * algorithms for document datasets", Data Mining and Knowledge Discovery
 * 10(2), 2005; Spark MLlib's BisectingKMeans): all documents start in one
 * cluster; each cluster, when made, gets its best split by spherical 2-means
 * (k-means++ seeding as above, opt->n_init restarts keeping the higher
 * objective, opt->max_iter and opt->tol as above, on the sub-matrix of its
 * rows); then, k − 1 times, the cluster whose split gains most is split:
 * gain = ||S_a|| + ||S_b|| − ||S||, the rise of the objective (CLUTO's I2,
 * the sum of the members' cosines to their normalised mean; S is the sum of a
 * cluster's rows, S_a and S_b those of its halves).  Ties: the cluster made
 * first.  A cluster of fewer than 2 documents is split only when no other can
 * be (into itself and an empty cluster); identical documents stay together
 * (a cluster of them splits into itself and an empty cluster too).  Every random draw comes from one
 * generator seeded with opt->seed, in the order the clusters are made, so the
 * result depends on the seed only, not on the thread count; and the clusters
 * for k are those after the first k − 1 splits of a run with a larger k.
 * The clusters are the tree's leaves (none re-seeded, so some may be empty
 * when there are few distinct documents); centroids are their normalised
 * means, similarities the cosines to them; documents without terms join the
 * cluster with the most documents that have terms (as in pc_kmeans_fit).
 * split_child and split_centroid hold the tree and its splits' rules, so
 * that pc_kmeans_predict() places the documents as the bisection did.  iterations counts the Lloyd
 * iterations of the k − 1 kept splits.  *out is new (pc_clusters_free),
 * numbered largest first as pc_clusters_sort_by_size numbers.  When merges is
 * not NULL, *merges receives the bisection tree, a new array (free()) of
 * (k − 1) × 2 ids: merge j joins (*merges)[2j] and (*merges)[2j + 1], where an
 * id below k is a cluster and k + i the group merge i made (i < j), so the
 * last split is merge 0 and the first (the root) merge k − 2 (SciPy's linkage
 * convention).  PC_ERR_INVALID when k is out of range.
 */
pc_status pc_bisect_fit(const pc_csr *X, const pc_kmeans_options *opt, const pc_monitor *mon,
                        pc_clusters **out, int32_t **merges, pc_error *err);

/*
 * What pc_bisect_fit_each hands over for each k: *clusters and *merges as
 * pc_bisect_fit would return them for that k; the visitor may keep them (and
 * set the pointers to NULL), else they are freed when it returns.  seconds:
 * the time spent bisecting since the previous visit (or the start).  Any
 * status but PC_OK stops the bisection and is returned.
 */
typedef pc_status (*pc_bisect_visit)(void *ctx, pc_clusters **clusters, int32_t **merges,
                                     double seconds, pc_error *err);

/*
 * One bisection up to the largest of ks[0 .. n_ks) (increasing, each in
 * [1, documents]; opt->k is not used), calling visit each time the number of
 * clusters reaches one of them: the results for every k at the cost of the
 * largest alone, each the same as pc_bisect_fit(k) gives.  Progress: the
 * stage "bisecting", in bisections.  PC_ERR_INVALID for a k out of range or
 * out of order.
 */
pc_status pc_bisect_fit_each(const pc_csr *X, const pc_kmeans_options *opt, const int32_t *ks,
                             int32_t n_ks, const pc_monitor *mon, pc_bisect_visit visit,
                             void *ctx, pc_error *err);

/* Renumbers clusters by size, largest first (ties: lower old id first). */
pc_status pc_clusters_sort_by_size(pc_clusters *clusters, pc_error *err);

/*
 * The documents grouped by cluster, each group in document order: cluster c's
 * members are members[start[c] .. start[c+1]).  start holds k + 1 entries,
 * members n_docs.
 */
void pc_clusters_members(const pc_clusters *clusters, int64_t *start, int32_t *members);

/*
 * Places new rows (unit L2 norm, weighted like the fitted ones, X->n_cols ==
 * clusters->dim) in the clusters (borrowed: k, dim, centroid, size, origin,
 * split_child, split_centroid are read).  k-means clusters (no split_child):
 * each row goes to the centroid of highest cosine, computed by the kernel of
 * the assignment step with ties to the lower origin.  Bisection's clusters
 * (split_child): each row descends the tree from the root as the bisection
 * split its documents, at each split to the side of higher product with
 * split_centroid, computed by the kernel and layout the split's 2-means used
 * (ties: side 0), down to a cluster (as Spark's BisectingKMeansModel
 * predicts).  similarity[i] is the row's cosine to its cluster's centroid
 * computed as the fit reports it.  Rows without terms join the largest
 * cluster (ties: the lower number; cluster 0 once sorted) with similarity 0,
 * as the fit places them.  So the rows a clustering was fitted on get back
 * its assign and similarity exactly, bit for bit.  assign and similarity
 * hold X->n_rows entries.  PC_ERR_INVALID when the columns do not match;
 * PC_ERR_NOMEM.
 */
pc_status pc_kmeans_predict(const pc_clusters *clusters, const pc_csr *X, int threads,
                            int32_t *assign, float *similarity, pc_error *err);

/*
 * Gives clusters found on one representation of the documents (their LSA
 * coordinates, say) the centroids of another, X (the TF-IDF rows): each
 * centroid becomes the normalised sum of its members' rows of X (one update
 * step), each similarity the member's cosine to it, the objective their
 * sum; dim becomes X->n_cols.  The assignment stays (an empty cluster is
 * re-seeded by the worst-fitting document, as in k-means), so a document
 * need not be with its nearest new centroid.  PC_ERR_INVALID when X has
 * other documents; PC_ERR_NOMEM (the clusters are then unchanged).
 */
pc_status pc_clusters_recenter(pc_clusters *clusters, const pc_csr *X, int threads,
                               pc_error *err);

void pc_clusters_free(pc_clusters *clusters);

/* ---- choosing k ---- */

/* One k of a k sweep: a row of k_sweep.csv. */
typedef struct pc_k_sweep_row {
    int32_t k;
    double objective;          /* Σ cosine of each document to its centroid */
    double silhouette;         /* mean cosine silhouette on the sweep's sample; NaN if undefined */
    double calinski_harabasz;  /* pc_calinski_harabasz; NaN if undefined */
    int iterations;            /* pc_clusters.iterations */
    double seconds;            /* clustering time for this k */
    double silhouette_se;      /* the silhouette's standard error over its sample; NaN with it */
} pc_k_sweep_row;

/* The rule's name, as summary.csv records it. */
#define PC_K_RULE "silhouette_1se"

/*
 * The rule that picks k from the rows of a sweep (k increasing): the
 * smallest k whose mean silhouette is at least the next k's minus that one's
 * standard error: s(k_j) >= s(k_j+1) − se(k_j+1), i.e. the first k that the
 * next one does not beat by more than its sampling noise.  This is the
 * one-standard-error rule of the gap statistic (Tibshirani, Walther & Hastie,
 * "Estimating the number of clusters in a data set via the gap statistic",
 * J. R. Statist. Soc. B 63(2), 2001) applied to the silhouette (Rousseeuw,
 * 1987; Kaufman & Rousseeuw, "Finding Groups in Data", 1990, choose k by the
 * silhouette).  Rows without a silhouette (k = 1) are passed over; when every
 * k beats the one before, the largest k.  Returns the index of the chosen
 * row (0 when no row has a silhouette).  The choice among the first rows
 * never changes once a later row is known to stop it, so a sweep can keep the
 * clusters of the row chosen so far only.
 */
int32_t pc_k_sweep_choose(const pc_k_sweep_row *rows, int32_t n);

#ifdef __cplusplus
}
#endif
#endif
