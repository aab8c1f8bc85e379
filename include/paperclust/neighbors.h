/*
 * neighbors.h — relate: the top-N most similar other documents of each one.
 *
 * Exact cosine top-N over unit-length sparse rows, computed a block of query
 * documents at a time against an inverted index (the transpose), so memory is
 * O(nnz + threads × n_docs + n_docs × N), never n_docs².  Ties are broken by
 * the lower document index, so the result does not depend on the thread count.
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
    int32_t top;   /* default 10: neighbours per document */
    int threads;   /* default 0: all available */
    int prune;     /* default 1: skip work that provably cannot change the result; 0: all of Σ df² */
    const int32_t *order; /* default NULL; else a permutation of the rows, the order in which
                             queries are batched: similar documents together (e.g. by cluster)
                             share posting lists and run faster.  The result is the same. */
} pc_neighbors_options;

void pc_neighbors_options_default(pc_neighbors_options *opt);

typedef struct pc_neighbors {
    int32_t n_docs;
    int32_t top;
    int32_t *id;      /* n_docs × top: neighbour indexes, best first; -1 pads a short list */
    float *similarity;/* n_docs × top */
    int64_t work;     /* multiply-adds done, pruning's bounds and checks included */
    int64_t work_all; /* multiply-adds without pruning: Σ_t df_t², the sparse product X·Xᵀ */
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
