/*
 * neighbors.h — relate: the top-N most similar other documents of each one.
 *
 * Exact cosine top-N over unit-length sparse rows.  Each pair of documents is
 * compared once, 64 documents at a time against all earlier ones, so memory
 * is O(nnz + n_docs × N), never n_docs².  A pair's similarity is
 * summed in an order that depends only on the two documents, and ties are
 * broken by the lower document index, so the result depends neither on the
 * thread count nor on the order the documents are taken in.
 */
#ifndef PAPERCLUST_NEIGHBORS_H
#define PAPERCLUST_NEIGHBORS_H

#include <stdint.h>

#include "matrix.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_neighbors_options {
    int32_t top;          /* default 10: neighbours per document */
    int threads;          /* default 0: all available */
    int32_t head_terms;   /* default -1: automatic (the terms found in at least 1/64 of the
                             documents, at most 2048); else how many of the most common terms
                             are compared as dense tables, the rest through the inverted index
                             (0: every term there).  Only speed and float rounding change. */
    const int32_t *order; /* default NULL; else a permutation of the rows, the order in which
                             documents are taken 64 at a time: similar documents together
                             (e.g. by cluster) share terms and run faster.  The result is
                             the same. */
} pc_neighbors_options;

void pc_neighbors_options_default(pc_neighbors_options *opt);

typedef struct pc_neighbors {
    int32_t n_docs;
    int32_t top;
    int32_t *id;      /* n_docs × top: neighbour indexes, best first; -1 pads a short list */
    float *similarity;/* n_docs × top */
    int64_t work;     /* multiply-adds done: 64 per head non-zero met (the dense lanes),
                         one per tail posting met */
    int64_t work_all; /* Σ_t df_t²: the multiply-adds of the sparse product X·Xᵀ */
} pc_neighbors;

/*
 * Finds each row's `top` most similar other rows by dot product (cosine for
 * unit rows).  Documents with no similar document (cosine 0) are not listed.
 */
pc_status pc_neighbors_topn(const pc_csr *X, const pc_neighbors_options *opt,
                            const pc_monitor *mon, pc_neighbors **out, pc_error *err);

/*
 * For each row of Q (queries: new documents weighted like X, Q->n_cols ==
 * X->n_cols), its `top` most similar rows of X by dot product: neighbour
 * indexes are rows of X.  self (NULL, or Q->n_rows entries): the row of X
 * that query q is, never listed, or -1.  The same lane blocks and kernels
 * as pc_neighbors_topn, the queries in the lanes and every row of X met by
 * each block (opt->order: the order the queries are taken in; head terms
 * chosen on X), so a pair's sum is formed exactly as there: a query equal to
 * row i of X, with self[q] = i, gets the very list row i gets from
 * pc_neighbors_topn(X).  work counts as there; work_all is Σ_t df_t(Q) ·
 * df_t(X), the multiply-adds of the sparse product Q·Xᵀ.  Cost O(|Q| / 64
 * × nnz_head(X) × 64 + Σ_tail df_t(Q)·df_t(X)); memory O(nnz(X) + nnz(Q) +
 * |Q| × top).  PC_ERR_INVALID for top < 1, columns that differ, a bad order
 * or self; PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_neighbors_query(const pc_csr *X, const pc_csr *Q, const int32_t *self,
                             const pc_neighbors_options *opt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err);

void pc_neighbors_free(pc_neighbors *neighbors);

#ifdef __cplusplus
}
#endif
#endif
