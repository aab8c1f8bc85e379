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

void pc_neighbors_free(pc_neighbors *neighbors);

#ifdef __cplusplus
}
#endif
#endif
