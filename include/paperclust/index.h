/*
 * index.h — an inverted-file index over fine partitions of the documents,
 * for approximate related papers (FAISS' IVF: Jégou, Douze & Schmid,
 * "Product quantization for nearest neighbor search", IEEE TPAMI 33(1),
 * 2011, section IV-A; Johnson, Douze & Jégou, "Billion-scale similarity
 * search with GPUs", 2017).
 *
 * The partitions are spherical k-means clusters of the TF-IDF rows, many
 * more of them than the user's topics and independent of -k: by default
 * round(sqrt(n)), at most n (FAISS recommends between 4·√n and 16·√n
 * lists for its quantizers; √n, fewer and larger partitions, is a choice not
 * yet compared with other counts: only the default count has been measured,
 * see README "Approximate related papers").  k-means is trained on a seeded
 * sample of PC_PARTITION_TRAIN documents per partition (FAISS accepts 39 to
 * 256 and warns below 39), one restart of at most max_iter iterations, then
 * every document's products with all centroids are computed with the
 * assignment kernel of k-means (nnz × partitions multiply-adds, CSR × Cᵀ):
 * each document belongs to its nearest partition (its own) and probes its
 * `probe` nearest, best first, ties to the lower partition number.  The
 * result depends on the seed only, not on the thread count.
 * Memory: partitions × terms floats for the centroids while building (freed
 * before it returns), n × probe partition numbers.
 */
#ifndef PAPERCLUST_INDEX_H
#define PAPERCLUST_INDEX_H

#include <stdint.h>

#include "comm.h"
#include "matrix.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PC_PARTITION_TRAIN 40 /* training documents per partition */

typedef struct pc_partitions_options {
    int32_t partitions; /* default 0: automatic, pc_partitions_default_count(n) */
    int32_t probe;      /* default 1: nearest partitions listed per document (capped at
                           the number of partitions) */
    int max_iter;       /* default 10: k-means iterations (FAISS' IVF trains 10) */
    uint64_t seed;      /* default 1: the training sample and k-means' seeding */
    int threads;        /* default 0: all available */
    const pc_comm *comm; /* default NULL: one process.  Else every process of comm calls
                            with the same X and options; k-means' training splits its
                            assignment steps (kmeans.h), each process lists the nearest
                            partitions of every size-th block of documents, and the lists
                            are gathered (4 · probe bytes a document): every process gets
                            the one-process partitions */
    int ranges;         /* default 0.  1 (with comm): X holds only this process's range of
                           the rows (pc_share_range's: ceil(n / size) documents each, in
                           rank order); the training sample's rows are gathered on every
                           process, each lists the partitions of its own rows, and the
                           lists are gathered: every process gets the one-process
                           partitions of all n documents */
} pc_partitions_options;

void pc_partitions_options_default(pc_partitions_options *opt);

/* round(sqrt(n_docs)), at least 1 and at most n_docs (1 for an empty corpus). */
int32_t pc_partitions_default_count(int32_t n_docs);

typedef struct pc_partitions {
    int32_t n_docs;
    int32_t n_partitions;
    int32_t probe;    /* entries per document in `nearest` */
    int32_t *nearest; /* n_docs × probe: each document's nearest partitions, best first;
                         nearest[i·probe] is its own */
    int64_t *start;   /* n_partitions + 1: partition p's documents are */
    int32_t *member;  /* member[start[p] .. start[p+1]), ascending */
    int32_t train;    /* documents k-means was trained on */
} pc_partitions;

/*
 * Partitions the rows of X (unit L2 norm, or empty: a row without terms
 * belongs to partition 0 and probes 0 .. probe-1).  *out is new, freed with
 * pc_partitions_free().  Progress: k-means' stage, then "partitions" over
 * the documents.  PC_ERR_INVALID for partitions < 0 or probe < 1;
 * PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_partitions_build(const pc_csr *X, const pc_partitions_options *opt,
                              const pc_monitor *mon, pc_partitions **out, pc_error *err);

void pc_partitions_free(pc_partitions *partitions);

#ifdef __cplusplus
}
#endif
#endif
