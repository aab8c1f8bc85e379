/*
 * neighbors_internal.h — one pair's similarity as the exact stage forms it,
 * for the modules that score pairs one at a time (descent.c).
 *
 * The rows of X are split into head and tail terms as pc_neighbors_topn
 * splits them (the same head_terms option, the same ranks), and a pair's
 * sum is formed in the lanes' order — shared tail terms by term id, then
 * shared head terms by rank, with the lanes' floating-point contraction —
 * so pc_pair_sum gives the float pc_neighbors_topn lists for that pair,
 * bit for bit, whichever of the two rows is spread.
 */
#ifndef PC_NEIGHBORS_INTERNAL_H
#define PC_NEIGHBORS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "paperclust/comm.h"
#include "paperclust/matrix.h"
#include "paperclust/neighbors.h"
#include "paperclust/status.h"

/* New lists of n × top (id and similarity not filled), recall NaN; PC_ERR_NOMEM. */
pc_status pc_neighbors_alloc(int32_t n, int32_t top, pc_neighbors **out, pc_error *err);

/* A bounded heap of the best candidates, worst on top: id and sim hold cap
 * entries (the caller's storage), size of them in use. */
typedef struct pc_heap {
    int32_t size, cap;
    int32_t *id;
    float *sim;
} pc_heap;

/* Offers (sim, id): kept while the heap has room or when it beats the worst
 * (higher similarity, or equal and a lower index). */
void pc_heap_push(pc_heap *h, float sim, int32_t id);

/* The similarity a candidate must reach to enter: the worst once full, else 0. */
float pc_heap_floor(const pc_heap *h);

/* Empties the heap into out_id/out_sim (cap entries), best first, padding with -1 / 0. */
void pc_heap_drain(pc_heap *h, int32_t *out_id, float *out_sim);

/*
 * Several processes (comm), each with lists of every document that hold the
 * best of the pairs it met: every process's lists and work are gathered and
 * each document's merged (the best top under the lists' order), so every
 * process gets the one-process lists when each pair was met by one process.
 * status: this process's so far (a failure reaches the others instead; nb
 * may then be NULL).  PC_ERR_NOMEM, or another process's failure.
 */
pc_status pc_neighbors_exchange(const pc_comm *comm, pc_status status, pc_neighbors *nb,
                                pc_error *err);

/* pc_neighbors_alloc with every list empty (ids -1, similarities 0). */
pc_status pc_neighbors_empty(int32_t n, int32_t top, pc_neighbors **out, pc_error *err);

/*
 * Every process's range's lists (mine: this process's, by document - its
 * first) and work, gathered into *out on every process: n lists in document
 * order (the ranges follow each other), work summed.  status: this
 * process's so far (a failure reaches the others instead; mine may then be
 * NULL).  PC_ERR_NOMEM, or another process's failure.
 */
pc_status pc_neighbors_gather(const pc_neighbors *mine, int64_t work, int32_t n,
                              const pc_comm *comm, pc_status status, pc_neighbors **out,
                              pc_error *err);

typedef struct pc_pair_scorer pc_pair_scorer;

/* The split rows of X, head terms chosen as pc_neighbors_options.head_terms
 * says from df, the document frequencies of the n_docs documents X's rows
 * are some of (NULL: X's own, of its rows): rows split by the same df pair
 * alike in any scorer.  *out is new, freed with pc_pair_scorer_free;
 * *sum_df2 gets Σ_t df_t².  PC_ERR_NOMEM. */
pc_status pc_pair_scorer_new(const pc_csr *X, const int64_t *df, int32_t n_docs,
                             int32_t head_terms, pc_pair_scorer **out, int64_t *sum_df2,
                             pc_error *err);

void pc_pair_scorer_free(pc_pair_scorer *scorer);

/* Floats of scratch one thread needs (zeroed before its first spread). */
size_t pc_pair_scorer_scratch(const pc_pair_scorer *scorer);

/* Row i's weights spread into a thread's zeroed scratch, or (clear) zeroed again. */
void pc_pair_spread(const pc_pair_scorer *scorer, int32_t i, float *scratch, int clear);

/* The similarity of the spread row (spread by this scorer or another of the same df) and
 * row j (j may be the spread row itself). */
float pc_pair_sum(const pc_pair_scorer *scorer, const float *scratch, int32_t j);

/* out[q] = pc_pair_sum(scorer, scratch, j[q]) for q < m, four pairs at a time. */
void pc_pair_sums(const pc_pair_scorer *scorer, const float *scratch, const int32_t *j,
                  int32_t m, float *out);

/* What pc_pair_chunks hands on for each chunk: its rows C (papers c0 .. c0 + C->n_rows - 1)
 * and their scorer.  0, or -1 when out of memory. */
typedef int pc_chunk_fn(void *ctx, const pc_csr *C, const pc_pair_scorer *sc, int32_t c0);

/*
 * Several processes, each holding its range of the rows (X, of n in all:
 * pc_share_range's): the rows of all of them come by in chunks of `chunk`
 * papers, in document order (one variable allgather each,
 * pc_share_rows_span), each split by a scorer of the whole's document
 * frequencies df (rows split alike in every scorer: pc_pair_scorer_new) and
 * handed to fn, under the progress stage `stage` (papers).  status: this
 * process's so far; a failure reaches the others at the next chunk's
 * exchange (one found in the last chunk, at the caller's next collective).
 * PC_ERR_NOMEM, PC_ERR_INTERRUPTED, or another process's failure.
 */
pc_status pc_pair_chunks(const pc_csr *X, int32_t n, const int64_t *df, int32_t head_terms,
                         int32_t chunk, const pc_comm *comm, pc_status status,
                         const pc_monitor *mon, const char *stage, pc_chunk_fn *fn, void *ctx,
                         pc_error *err);

#endif
