/*
 * neighbors.h — relate: the top-N most similar other documents of each one.
 *
 * Exact cosine top-N over unit-length sparse rows.  Each pair of documents is
 * compared once, 64 documents at a time against all earlier ones, so memory
 * is O(nnz + n_docs × N), never n_docs².  A pair's similarity is
 * summed in an order that depends only on the two documents, and ties are
 * broken by the lower document index, so the result depends neither on the
 * thread count nor on the order the documents are taken in.
 *
 * A dense second representation of the same documents (their LSA
 * coordinates, say) may be mixed into the score (pc_neighbors_dense): each
 * tile of pairs the sparse kernels fill is then blended with the dense
 * rows' dot products, one dense product per tile (C = (1 − α)·Z_rows·Z_laneᵀ +
 * α·C, a register-blocked kernel that threads run at once), before the tile
 * meets the heaps.  The top-N stays exact over every
 * pair — a dense score is non-zero for nearly all of them — and memory
 * stays O(nnz + n_docs × (N + dims)).
 */
#ifndef PAPERCLUST_NEIGHBORS_H
#define PAPERCLUST_NEIGHBORS_H

#include <stdint.h>

#include "comm.h"
#include "index.h"
#include "matrix.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Dense rows mixed into the similarity: for rows i, j
 *     score(i, j) = α · Σ_t X_it·X_jt + (1 − α) · Σ_c Z_ic·Z_jc,
 * α = sparse_weight (cosines when both kinds of rows have unit length).
 * α = 0: the dense part alone, the sparse rows' values are not read (X still
 * gives the number of rows).  Each pair's dense sum is one sum over the
 * dimensions in order, whichever tile it falls in, so results do not depend
 * on the thread count or the order.
 */
typedef struct pc_neighbors_dense {
    int32_t dims;          /* at least 1 */
    const float *rows;     /* X->n_rows × dims, row-major (borrowed) */
    const float *queries;  /* pc_neighbors_query only: Q->n_rows × dims (borrowed) */
    float sparse_weight;   /* α, from 0 to 1 */
} pc_neighbors_dense;

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
    const pc_neighbors_dense *dense; /* default NULL: the sparse rows alone; else blended
                                        with these dense rows (borrowed) */
    const pc_comm *comm;  /* default NULL: one process.  Else (pc_neighbors_topn,
                             pc_neighbors_probe) every process of comm calls with the same X
                             and options, takes every size-th lane block, and the lists are
                             exchanged and merged (one allgather of n_docs × top candidates
                             per process): every process gets the one-process result, work
                             included.  pc_neighbors_query ignores it (every process runs
                             every query) unless with ranges */
    int ranges;           /* default 0.  1 (with comm): X holds only this process's range of
                             the documents (pc_share_range's: ceil(n / size) each, in order;
                             the columns all of them) and order, when given, is over all n.
                             pc_neighbors_topn: the lane blocks go to every process a chunk
                             at a time, each compares them with the rows it holds;
                             pc_neighbors_probe: the partitions go in steps of whole
                             partitions shared out between the processes, each receiving
                             its steps' members and lanes from the processes holding them;
                             pc_neighbors_query: each process lists the queries'
                             best among its rows, and the lists are merged (self names
                             documents of all n).  Every process gets the one-process lists
                             of all n documents (the queries), work included.  The sparse
                             rows only (no dense) */
    int32_t chunk;        /* ranges: the documents sent to every process at once (probing:
                             the most probing slots of one step, whole partitions, fewer
                             to give each process 4 steps) (default 0: 16,384; refining,
                             descent.h: 4,096; else, for pc_neighbors_topn, a multiple of
                             64) */
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
    int64_t dense_work; /* multiply-adds of the dense part: dims per pair compared (0
                           without dense rows) */
    /* Approximate lists only (pc_related_find with PC_RELATED_APPROX or GRAPH; 0 / NaN
       otherwise): */
    int32_t partitions;    /* partitions of the index */
    int32_t probe;         /* partitions probed per document */
    int32_t candidates;    /* graph search: entries kept per document (by terms: scored
                              exactly per document), */
    int32_t rounds;        /* and the rounds it ran */
    float mass;            /* by terms (heavy.h): the share of squared weight cut rows keep */
    int32_t recall_sample; /* documents whose exact lists the recall was measured on */
    double recall;         /* mean recall@top on them (related.h), NaN when not measured */
    double seconds_partitions; /* wall time building the partitions, */
    double seconds_recall;     /* and measuring the recall (the rest: probing) */
} pc_neighbors;

/*
 * Finds each row's `top` most similar other rows by dot product (cosine for
 * unit rows), or by the blend with opt->dense.  Only scores above 0 are
 * listed: a document with fewer similar ones has a short list (padded).
 * PC_ERR_INVALID for top < 1, a bad order or bad dense rows; PC_ERR_NOMEM;
 * PC_ERR_INTERRUPTED.
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
 * |Q| × top).  With opt->dense, its `queries` are the queries' dense rows.
 * PC_ERR_INVALID for top < 1, columns that differ, a bad order, self or
 * dense rows; PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_neighbors_query(const pc_csr *X, const pc_csr *Q, const int32_t *self,
                             const pc_neighbors_options *opt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err);

/*
 * Approximate top-N by probing (FAISS' IVF search): each row's `top` most
 * similar other rows among the rows of the partitions it probes
 * (parts->nearest, its parts->probe nearest; index.h), by dot product.
 * The same lane blocks and kernels as pc_neighbors_topn, head terms chosen
 * on X with opt->head_terms: each partition in turn is met by the rows
 * that probe it, 64 at a time, so a pair's sum is formed exactly as there
 * and every similarity listed is the exact one, bit for bit; ties go to the
 * lower document index.  A row's list is the exact top-N of a smaller set,
 * so probing every partition gives pc_neighbors_topn's lists.  The result
 * depends neither on the thread count nor on the order of the rows.  Cost
 * Σ_p ⌈lanes_p / 64⌉ × (nnz_head of p's rows × 64 + tail postings), about
 * probe / partitions of the all-pairs product, done once from each side;
 * memory O(nnz + n × (top + probe)).  opt->order is not read (the rows go
 * by partition); dense rows are refused.  work_all is Σ_t df_t² as in
 * pc_neighbors_topn.  PC_ERR_INVALID for top < 1, partitions of other
 * rows or opt->dense; PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_neighbors_probe(const pc_csr *X, const pc_partitions *parts,
                             const pc_neighbors_options *opt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err);

void pc_neighbors_free(pc_neighbors *neighbors);

#ifdef __cplusplus
}
#endif
#endif
