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
} pc_neighbors_options;

void pc_neighbors_options_default(pc_neighbors_options *opt);

typedef struct pc_neighbors {
    int32_t n_docs;
    int32_t top;
    int32_t *id;      /* n_docs × top: neighbour indexes, best first; -1 pads a short list */
    float *similarity;/* n_docs × top */
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
