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
} pc_kmeans_options;

void pc_kmeans_options_default(pc_kmeans_options *opt);

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
                            centroid) */
    int best_init;       /* which restart was kept, 0-based */
    int32_t *origin;     /* k: each cluster's number before pc_clusters_sort_by_size()
                            (0 .. k-1 in order until then; NULL is read so): ties between
                            centroids go to the lower origin, as in k-means itself */
} pc_clusters;

/*
 * Clusters the rows of X (unit L2 norm, or empty).  Empty rows (documents
 * without terms) get similarity 0 and join the cluster with the most
 * non-empty rows (ties: lower id), which pc_clusters_sort_by_size() numbers 0.  *out is new and freed with
 * pc_clusters_free().  PC_ERR_INVALID when k is out of range.
 */
pc_status pc_kmeans_fit(const pc_csr *X, const pc_kmeans_options *opt, const pc_monitor *mon,
                        pc_clusters **out, pc_error *err);

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
 * clusters->dim) in the clusters (borrowed: k, dim, centroid, size, origin
 * are read): each row goes to the centroid of highest cosine, computed by the
 * kernel of the assignment step with ties to the lower origin, and
 * similarity[i] is its cosine computed as pc_kmeans_fit() reports it.  Rows
 * without terms join the largest cluster (ties: the lower number; cluster 0
 * once sorted) with similarity 0, as pc_kmeans_fit() places them.  So the
 * rows a clustering was fitted on get back its assign and similarity
 * exactly, bit for bit.  assign and similarity hold X->n_rows entries.
 * PC_ERR_INVALID when the columns do not match; PC_ERR_NOMEM.
 */
pc_status pc_kmeans_predict(const pc_clusters *clusters, const pc_csr *X, int threads,
                            int32_t *assign, float *similarity, pc_error *err);

void pc_clusters_free(pc_clusters *clusters);

#ifdef __cplusplus
}
#endif
#endif
