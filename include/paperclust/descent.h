/*
 * descent.h — refine approximate related papers: a neighbour graph that
 * improves itself (NN-descent: Dong, Charikar & Li, "Efficient k-nearest
 * neighbor graph construction for generic similarity measures", WWW 2011).
 *
 * Every paper keeps a list of its K best papers found so far, starting from
 * candidate lists the caller gives (probing an inverted-file index, say),
 * and the lists improve round by round on the principle that a neighbour of
 * a neighbour is likely a neighbour: in each round, for every paper, the
 * papers that entered its list since it was last joined (new: at most
 * sample · K of them) and those that were there before (old), in both
 * directions (the papers listing it too), are compared with each other pair
 * by pair, and each is offered to the other's list.  Pairs of two old
 * papers were compared before, so only pairs with a new member are taken.
 * It stops after max_rounds, or sooner when a round changes fewer than
 * stop · n · K entries.
 *
 * Each pair's similarity is the exact stage's float, bit for bit (the same
 * split of the terms and the same order of the sums, neighbors_internal.h),
 * so a listed similarity is the one `--related exact` lists, ties go to the
 * lower index, and a list is the exact top-N of the papers it met.  The
 * samples are drawn by a hash of (seed, round, paper, candidate), and a
 * list ends each round as the best of all it was offered under a total
 * order, so the result depends on the seed, never on the thread count.
 * Several processes (nopt->comm), each with the whole matrix: each joins
 * every size-th chunk of papers; each with its range of the rows
 * (nopt->ranges): each scores the pairs of every join whose new member's
 * row it holds, as the rows come by in chunks of nopt->chunk papers.  In
 * both the entries that entered are exchanged after each round, so every
 * process holds the one-process graph (and the same result) throughout.
 *
 * Cost per round at most n · (K + 3 · sample · K)² / 2 pair sums of a row's
 * non-zeros each, far fewer once the lists settle: independent of the corpus
 * size per paper, where the exact stage's grows with it.  Memory
 * O(nnz + n × K); by ranges, per process, its rows' and one chunk's
 * non-zeros, O(n × K) for the graph and the join sets, and a batch of
 * pairs (at most 256 a paper of the chunk, 12 bytes each).
 */
#ifndef PAPERCLUST_DESCENT_H
#define PAPERCLUST_DESCENT_H

#include <stdint.h>

#include "matrix.h"
#include "neighbors.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_descent_options {
    const pc_neighbors *start; /* the first lists (required, borrowed): K = start->top
                                  entries kept per paper, at least the top asked for */
    float sample;       /* default 1: share of the list's new entries joined per round */
    int32_t max_rounds; /* default 3 */
    double stop;        /* default 0.001: stop when a round changes fewer entries than
                           stop · n · K */
    uint64_t seed;      /* default 1: the samples */
} pc_descent_options;

void pc_descent_options_default(pc_descent_options *opt);

/*
 * Each row's nopt->top most similar other rows of X (unit rows: cosine),
 * approximately: opt->start's lists refined by NN-descent rounds.  The
 * start's similarities must be the exact stage's (pc_neighbors_probe's
 * are).  nopt->head_terms as for pc_neighbors_topn; nopt->order is not
 * read; nopt->dense is refused; nopt->comm splits the joins, and with
 * nopt->ranges X is this process's range of the rows (pc_share_range's;
 * nopt->chunk: default 0, 4,096 papers), the start every paper's lists
 * (above).  Only scores above 0 are listed.
 * work counts the non-zeros of the rows met in pair sums, work_all is
 * Σ_t df_t²; *rounds gets the rounds run.  Progress: "related (refining:
 * round R)", a stage a round.  PC_ERR_INVALID for top < 1, a start of
 * other rows or shorter than top, bad options; PC_ERR_NOMEM;
 * PC_ERR_INTERRUPTED.
 */
pc_status pc_neighbors_descent(const pc_csr *X, const pc_neighbors_options *nopt,
                               const pc_descent_options *opt, const pc_monitor *mon,
                               pc_neighbors **out, int32_t *rounds, pc_error *err);

#ifdef __cplusplus
}
#endif

#endif
