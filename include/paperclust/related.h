/*
 * related.h — relate, by more than the TF-IDF cosine: what "related papers"
 * are scored by, and pseudo-relevance feedback.
 *
 *   tfidf   the cosine of the TF-IDF rows (pc_neighbors_topn as it is);
 *   lsa     the cosine of the LSA coordinates (lsa.h), each row scaled to
 *           unit length first (Deerwester et al. 1990 rank by cosine in the
 *           reduced space);
 *   hybrid  α · cos_tfidf + (1 − α) · cos_lsa, α = hybrid_weight.
 * Every mode is an exact top-N over all pairs (neighbors.h: the dense part
 * through dense tile products, the sparse part through the lanes and the
 * inverted index, blended tile by tile), ties broken by the lower document
 * index, the same whatever the thread count.
 *
 * Feedback (Rocchio, "Relevance feedback in information retrieval", 1971;
 * pseudo-relevance: the top of a first ranking stands in for the judged
 * documents): each paper's query becomes
 *     q_i = x_i + β · mean(x_j : j among its N nearest by the mode's score),
 * scaled to unit length, and every paper is ranked again against q_i (the
 * paper itself excluded): in TF-IDF space for tfidf, LSA space for lsa,
 * both (blended by α) for hybrid.  The expanded sparse queries have up to
 * (N + 1) times a row's non-zeros; they are built and ranked a slice of
 * papers at a time, each slice holding about as many non-zeros as the
 * whole TF-IDF matrix, so memory stays O(nnz + n × (N + dims)).
 *
 * Approximate search (PC_RELATED_APPROX, TF-IDF score without feedback
 * only): an inverted-file index over fine k-means partitions (index.h),
 * each paper compared with the papers of its `probe` nearest partitions
 * only (pc_neighbors_probe: the exact kernels, so every similarity listed
 * is the exact one).  Then the exact lists of a seeded random sample of
 * min(recall_sample, n) papers are found against the whole corpus
 * (pc_neighbors_query) and the mean recall@N over the sample is reported
 * (pc_related_recall).
 *
 * With refine > 0 the probing keeps `candidates` per paper, and that many
 * rounds of NN-descent (descent.h: a neighbour of a neighbour is likely a
 * neighbour; each pair's similarity the exact one) improve them before the
 * top N are listed and the recall measured.
 */
#ifndef PAPERCLUST_RELATED_H
#define PAPERCLUST_RELATED_H

#include <stdint.h>

#include "descent.h"
#include "heavy.h"
#include "lsa.h"
#include "matrix.h"
#include "neighbors.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pc_similarity {
    PC_SIMILARITY_TFIDF = 0,
    PC_SIMILARITY_LSA,
    PC_SIMILARITY_HYBRID
} pc_similarity;

#define PC_HYBRID_WEIGHT 0.5f   /* α's default: see README, "Related papers" */
#define PC_FEEDBACK_WEIGHT 0.5f /* β's default */

/* Exact top-N over all pairs, or probing an inverted-file index (then refining). */
typedef enum pc_related_search { PC_RELATED_EXACT = 0, PC_RELATED_APPROX = 1 } pc_related_search;

/* Approximate search: what each paper is compared with (--index). */
typedef enum pc_related_index {
    PC_INDEX_PARTITIONS = 0, /* the papers of its probed partitions (index.h) */
    PC_INDEX_TERMS = 1       /* the best candidates by its heaviest terms (heavy.h) */
} pc_related_index;

#define PC_DEFAULT_PROBE 128      /* --probe's default: recall 0.9665 on arXiv (README, "Large corpora") */
#define PC_RECALL_SAMPLE 1000     /* papers whose exact lists measure the recall */
#define PC_DEFAULT_CANDIDATES 30  /* --candidates' default (README, "Large corpora") */

typedef struct pc_related_options {
    pc_similarity similarity;       /* default PC_SIMILARITY_TFIDF */
    float hybrid_weight;            /* default PC_HYBRID_WEIGHT: α, TF-IDF's share */
    int32_t feedback;               /* default 0 (off): N, the nearest papers that expand
                                       each query */
    float feedback_weight;          /* default PC_FEEDBACK_WEIGHT: β */
    pc_neighbors_options neighbors; /* top, threads, order, head terms (dense: set here) */
    pc_related_search search;       /* default PC_RELATED_EXACT */
    pc_related_index index;         /* default PC_INDEX_PARTITIONS (approx) */
    float mass;                     /* default 0: PC_HEAVY_MASS (approx by terms) */
    int32_t probe;                  /* default 0: PC_DEFAULT_PROBE partitions probed (approx) */
    int32_t partitions;             /* default 0: automatic (index.h) */
    int32_t refine;                 /* default 0: NN-descent rounds after probing (approx) */
    int32_t candidates;             /* default 0: PC_DEFAULT_CANDIDATES kept per paper while
                                       refining (at least top); by terms, PC_HEAVY_CANDIDATES
                                       scored exactly per paper */
    int32_t recall_sample;          /* default PC_RECALL_SAMPLE (0: no recall estimate) */
    uint64_t seed;                  /* default 1: the partitions' training and the sample */
} pc_related_options;

void pc_related_options_default(pc_related_options *opt);

/* "exact" or "approx". */
const char *pc_related_search_name(pc_related_search search);

/* Parses a name of pc_related_search_name(); PC_ERR_INVALID naming the choices otherwise. */
pc_status pc_related_search_parse(const char *text, pc_related_search *out, pc_error *err);

/* "partitions" or "terms". */
const char *pc_related_index_name(pc_related_index index);

/* Parses a name of pc_related_index_name(); PC_ERR_INVALID naming the choices otherwise. */
pc_status pc_related_index_parse(const char *text, pc_related_index *out, pc_error *err);

/* "tfidf", "lsa" or "hybrid". */
const char *pc_similarity_name(pc_similarity similarity);

/* Parses a name of pc_similarity_name(); PC_ERR_INVALID naming the choices otherwise. */
pc_status pc_similarity_parse(const char *text, pc_similarity *out, pc_error *err);

/* 1 when the options score related papers with the LSA coordinates. */
int pc_related_needs_lsa(const pc_related_options *opt);

/*
 * Each row's opt->neighbors.top related rows of X (the L2-normalised TF-IDF
 * rows) by the chosen score.  lsa (borrowed; its rows are X's) is needed
 * when pc_related_needs_lsa(opt), else ignored (may be NULL).  *out is new,
 * freed with pc_neighbors_free(); its work counts add up every pass.
 * Approximate search fills its partitions, probe, recall_sample and recall
 * (progress: k-means, "partitions", "related (probing)", "related").
 * PC_ERR_INVALID for bad options (approx with another score than tfidf or
 * with feedback, probe < 0) or an LSA of other rows; PC_ERR_NOMEM;
 * PC_ERR_INTERRUPTED.
 */
pc_status pc_related_find(const pc_csr *X, const pc_lsa *lsa, const pc_related_options *opt,
                          const pc_monitor *mon, pc_neighbors **out, pc_error *err);

/*
 * The recall of lists `found` (found->top per row of X, e.g. approximate)
 * measured on min(sample, n) rows drawn with `seed` (distinct, uniform): for
 * each, its exact top-N (N = found->top) against every row of X by
 * pc_neighbors_query with opt's head terms (the same sums, so a pair has
 * the same similarity in both lists), and
 *     recall_i = |{ j in found_i, j != i : sim(i, j) >= s_i }| / |exact_i|,
 * s_i the lowest similarity of the exact list: a neighbour tied with the
 * exact N-th counts as found (another exact list could hold it); a row
 * listing itself, or a paper twice, gains nothing by it.  A row
 * with an empty exact list (nothing similar) has recall 1.  *recall is the
 * mean over the sample (NaN when it is empty), *sampled its size.
 * PC_ERR_INVALID for lists of other rows; PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_related_recall(const pc_csr *X, const pc_neighbors *found, int32_t sample,
                            uint64_t seed, const pc_neighbors_options *opt,
                            const pc_monitor *mon, double *recall, int32_t *sampled,
                            pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
