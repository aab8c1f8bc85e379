/*
 * heavy.h — relate, approximately: candidates from the terms that weigh most
 * in each paper, scored exactly.
 *
 * Each row of X is cut to its heaviest entries that hold `mass` of its
 * squared weight (at least one).  A paper's candidates are the rows whose
 * cut shares a term with its cut, ranked by the product of the two cuts; the
 * best `candidates` of them are scored exactly (the float the exact stage
 * lists for the pair, bit for bit) and the best `top` of those listed, ties
 * to the lower index.  Every paper is done alone, so the result does not
 * depend on the thread count.  Cost Σ_t df_t(cut)² + n × candidates pair
 * sums (the lists' work counts both: a cut product, and a candidate's
 * non-zeros for each pair sum); memory: the cut rows twice (as rows and as
 * postings), a split copy of X for the pair sums, and threads × n sums.
 */
#ifndef PAPERCLUST_HEAVY_H
#define PAPERCLUST_HEAVY_H

#include <stdint.h>

#include "matrix.h"
#include "neighbors.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PC_HEAVY_MASS 0.6f
#define PC_HEAVY_CANDIDATES 200

typedef struct pc_heavy_options {
    float mass;         /* default PC_HEAVY_MASS: the share of each row's squared weight kept */
    int32_t candidates; /* default PC_HEAVY_CANDIDATES: scored exactly per paper (at least top) */
} pc_heavy_options;

void pc_heavy_options_default(pc_heavy_options *opt);

/*
 * Each row's nopt->top related rows (nopt: top, threads, head_terms, comm,
 * ranges and chunk read).  With comm, every process gets every list, the
 * one process's:
 *   - without ranges, every process calls with the whole X and takes every
 *     size-th batch of papers;
 *   - with ranges, X is this process's range of the rows (as
 *     pc_neighbors_topn's): the cut rows are gathered whole on every process
 *     (each finds its own papers' candidates), then the rows come by in
 *     chunks of nopt->chunk (0: 65,536) for each process to score its
 *     candidates.  Memory per process: the whole's cut rows twice, its own
 *     rows twice, a chunk's rows twice, and its papers' candidates (4 bytes
 *     each: `candidates` a paper).
 * PC_ERR_INVALID for bad options (dense rows); PC_ERR_NOMEM;
 * PC_ERR_INTERRUPTED; with comm, another process's failure.
 */
pc_status pc_neighbors_heavy(const pc_csr *X, const pc_heavy_options *hopt,
                             const pc_neighbors_options *nopt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
