/*
 * index.c — the partitions of the inverted-file index (index.h).
 *
 * Training: a seeded sample of PC_PARTITION_TRAIN documents per partition
 * (pc_rng_sample), clustered by spherical k-means (kmeans.c, one restart,
 * max_iter iterations): the sample keeps training at O(partitions² × 64 ×
 * nnz per row) however large the corpus.  Probing lists: every document's
 * products with all centroids, a block of documents at a time, by the
 * kernel of k-means' assignment step (pc_csr_times_dense, CSR × Cᵀ with the
 * centroids transposed, nnz × partitions multiply-adds, in parallel over
 * blocks), then the `probe` best kept in a short sorted list (insertion:
 * O(partitions × probe) per document at worst, nearly always one
 * comparison).  Each document's list depends on its row and the centroids
 * alone, so nothing depends on the thread count (nor on the number of
 * processes: with opt->comm k-means splits its assignment steps, each
 * process lists every size-th block, and the lists are gathered,
 * share_lists; with opt->ranges each process holds its range of the rows
 * only: the training sample's rows are gathered on every process, each lists
 * its own rows, share_range_lists).
 * Members: a counting sort of the documents by their own partition, stable.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/index.h"
#include "paperclust/kmeans.h"
#include "progress_internal.h"
#include "rng_internal.h"
#include "share_internal.h"

#define BLOCK 256 /* documents per product block */

void pc_partitions_options_default(pc_partitions_options *opt)
{
    opt->partitions = 0;
    opt->probe = 1;
    opt->max_iter = 10;
    opt->seed = 1;
    opt->threads = 0;
    opt->comm = NULL;
    opt->ranges = 0;
}

int32_t pc_partitions_default_count(int32_t n_docs)
{
    long p = lround(sqrt((double)n_docs));
    return (int32_t)(p < 1 ? 1 : p > n_docs && n_docs > 0 ? n_docs : p);
}

void pc_partitions_free(pc_partitions *partitions)
{
    if (!partitions)
        return;
    free(partitions->nearest);
    free(partitions->start);
    free(partitions->member);
    free(partitions);
}

/*
 * The centroids of k-means on a seeded sample of the n documents (X's rows,
 * or with opt->ranges every process's), transposed (n_cols × P) into
 * *centroid_t (new); *train gets the sample's size.
 */
static pc_status train(const pc_csr *X, int32_t n, const pc_partitions_options *opt, int32_t P,
                       const pc_monitor *mon, float **centroid_t, int32_t *train_size,
                       pc_error *err)
{
    const int64_t want = (int64_t)P * PC_PARTITION_TRAIN;
    const int32_t m = want < n ? (int32_t)want : n;
    int32_t *chosen = pc_malloc_array((size_t)m + 1, sizeof *chosen);
    pc_csr *S = NULL;
    pc_clusters *clusters = NULL;
    pc_status status = chosen ? PC_OK : pc_fail_nomem(err, "building the partitions");
    if (status == PC_OK && pc_rng_sample(n, m, opt->seed, chosen) != 0)
        status = pc_fail_nomem(err, "building the partitions");
    if (opt->ranges) /* the sample's rows from the processes holding them, on every one */
        status = pc_share_rows_at(X, n, chosen, m, opt->comm, status, &S, err);
    else if (status == PC_OK)
        status = pc_csr_rows(X, chosen, m, &S, err);
    pc_kmeans_options kopt;
    pc_kmeans_options_default(&kopt);
    kopt.k = P;
    kopt.n_init = 1;
    kopt.max_iter = opt->max_iter;
    kopt.seed = opt->seed;
    kopt.threads = opt->threads;
    kopt.comm = opt->comm; /* the assignment steps split between the processes */
    if (status == PC_OK)
        status = pc_kmeans_fit(S, &kopt, mon, &clusters, err);
    const size_t dim = (size_t)X->n_cols, k = (size_t)P;
    if (status == PC_OK && !(*centroid_t = pc_malloc_array(dim * k + 1, sizeof **centroid_t)))
        status = pc_fail_nomem(err, "building the partitions");
    for (size_t c = 0; status == PC_OK && c < k; c++)
        for (size_t t = 0; t < dim; t++)
            (*centroid_t)[t * k + c] = clusters->centroid[c * dim + t];
    *train_size = m;
    pc_clusters_free(clusters);
    pc_csr_free(S);
    free(chosen);
    return status;
}

/* The `probe` best of scores[0 .. P) into list, best first (ties: lower partition). */
static void nearest_of(const float *scores, int32_t P, int32_t probe, int32_t *list)
{
    int32_t size = 0;
    for (int32_t c = 0; c < P; c++) {
        const float s = scores[c];
        if (size == probe && !(s > scores[list[size - 1]]))
            continue;
        int32_t at = size < probe ? size++ : probe - 1;
        for (; at > 0 && s > scores[list[at - 1]]; at--)
            list[at] = list[at - 1];
        list[at] = c;
    }
}

/* The documents in block b of n documents (BLOCK, the last fewer). */
static int32_t block_docs(int32_t b, int32_t n)
{
    return n - b * BLOCK < BLOCK ? n - b * BLOCK : BLOCK;
}

/* 1 when process `part` of `parts` lists the documents of block b. */
static int block_is_mine(int32_t b, int part, int parts)
{
    return b % parts == part;
}

/* The probe list of every row of X (this process's blocks: part of parts) into
 * nearest (by row), block by block in parallel; 0, or 1 when cancelled. */
static int probe_lists(const pc_csr *X, const float *centroid_t, int threads, float *scratch,
                       int part, int parts, pc_partitions *pt, int32_t *nearest,
                       const pc_monitor *mon)
{
    const int32_t n = X->n_rows, P = pt->n_partitions, n_blocks = (n + BLOCK - 1) / BLOCK;
    double mine = 0.0;
    for (int32_t b = 0; b < n_blocks; b++)
        mine += block_is_mine(b, part, parts) ? block_docs(b, n) : 0;
    pc_progress progress;
    pc_progress_start(&progress, mon, "partitions", mine);
    double done = 0.0;
    volatile int stop = 0;
#pragma omp parallel num_threads(threads)
    {
        const int tid = pc_thread_id();
        float *buf = scratch + (size_t)tid * BLOCK * (size_t)P;
#pragma omp for schedule(dynamic, 1)
        for (int32_t b = 0; b < n_blocks; b++) {
            if (stop || !block_is_mine(b, part, parts))
                continue;
            const int32_t lo = b * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
            pc_csr_times_dense(X, lo, hi, centroid_t, P, buf); /* nnz × P multiply-adds */
            for (int32_t i = lo; i < hi; i++)
                nearest_of(buf + (size_t)(i - lo) * (size_t)P, P, pt->probe,
                           nearest + (size_t)i * (size_t)pt->probe);
            pc_progress_parallel(&progress, &done, hi - lo, tid, &stop);
        }
    }
    if (stop)
        return 1;
    pc_progress_finish(&progress);
    return 0;
}

/*
 * Several processes, after probe_lists: each process's blocks' lists go to
 * all (one variable-sized gather, 4 · probe bytes a document), so that every
 * process holds every document's list.  status: this process's so far.
 */
static pc_status share_lists(pc_partitions *pt, const pc_comm *comm, pc_status status,
                             pc_error *err)
{
    const int32_t n = pt->n_docs, n_blocks = (n + BLOCK - 1) / BLOCK;
    const size_t row = (size_t)pt->probe * sizeof *pt->nearest;
    size_t bytes = 0;
    for (int32_t b = 0; b < n_blocks; b++)
        if (block_is_mine(b, comm->rank, comm->size))
            bytes += (size_t)block_docs(b, n) * row;
    char *mine = pc_malloc(bytes + 1), *all = NULL;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    if (status == PC_OK && (!mine || !at))
        status = pc_fail_nomem(err, "building the partitions");
    for (int32_t b = 0, k = 0; status == PC_OK && b < n_blocks; b++) { /* k: blocks packed */
        if (!block_is_mine(b, comm->rank, comm->size))
            continue;
        const size_t len = (size_t)block_docs(b, n) * row;
        memcpy(mine + (size_t)k++ * BLOCK * row, (char *)pt->nearest + (size_t)b * BLOCK * row,
               len);
    }
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, bytes, &all, at, err);
    for (int32_t b = 0; status == PC_OK && b < n_blocks; b++) {
        const int q = b % comm->size; /* block b is process q's (b / size)-th */
        const size_t len = (size_t)block_docs(b, n) * row;
        memcpy((char *)pt->nearest + (size_t)b * BLOCK * row,
               all + at[q] + (size_t)(b / comm->size) * BLOCK * row, len);
    }
    free(all);
    free(at);
    free(mine);
    return status;
}

/*
 * Ranges, after probe_lists: each process's range's lists (from
 * pt->nearest's place `first`, `rows` of them) go to all, one variable-sized
 * gather of 4 · probe bytes a document; the ranges follow each other, rank
 * 0's first.  status as share_lists.
 */
static pc_status share_range_lists(pc_partitions *pt, int32_t first, int32_t rows,
                                   const pc_comm *comm, pc_status status, pc_error *err)
{
    const size_t row = (size_t)pt->probe * sizeof *pt->nearest;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    char *all = NULL;
    if (status == PC_OK && !at)
        status = pc_fail_nomem(err, "building the partitions");
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, pt->nearest + (size_t)first * pt->probe,
                                    (size_t)rows * row, &all, at, err);
    if (status == PC_OK && at[comm->size] != (size_t)pt->n_docs * row)
        status = pc_fail(err, PC_ERR_INVALID, "partitions: the ranges hold %zu lists of %d",
                         at[comm->size] / row, (int)pt->n_docs);
    if (status == PC_OK)
        memcpy(pt->nearest, all, (size_t)pt->n_docs * row);
    free(all);
    free(at);
    return status;
}

/* start and member: the documents by their own partition (nearest[i·probe]), stable. */
static void group_members(pc_partitions *pt)
{
    for (int32_t i = 0; i < pt->n_docs; i++)
        pt->start[pt->nearest[(size_t)i * (size_t)pt->probe] + 1]++;
    for (int32_t p = 0; p < pt->n_partitions; p++)
        pt->start[p + 1] += pt->start[p];
    for (int32_t i = 0; i < pt->n_docs; i++) {
        const int32_t p = pt->nearest[(size_t)i * (size_t)pt->probe];
        pt->member[pt->start[p]++] = i;
    }
    for (int32_t p = pt->n_partitions; p > 0; p--)
        pt->start[p] = pt->start[p - 1];
    pt->start[0] = 0;
}

pc_status pc_partitions_build(const pc_csr *X, const pc_partitions_options *opt,
                              const pc_monitor *mon, pc_partitions **out, pc_error *err)
{
    *out = NULL;
    if (opt->partitions < 0 || opt->probe < 1 || opt->max_iter < 1)
        return pc_fail(err, PC_ERR_INVALID, "partitions: bad options (%d partitions, probe %d, "
                                            "%d iterations)",
                       (int)opt->partitions, (int)opt->probe, opt->max_iter);
    const int threads = pc_thread_count(opt->threads);
    int32_t n = X->n_rows, first = 0;
    if (opt->ranges && !opt->comm)
        return pc_fail(err, PC_ERR_INVALID, "partitions: ranges need a communicator");
    if (opt->ranges) { /* every process's range of rows: the documents in all */
        int64_t *df = NULL;
        pc_status status = pc_share_shape(X, opt->comm, &n, &first, &df, err);
        free(df);
        if (status != PC_OK)
            return status;
    }
    int32_t P = opt->partitions > 0 ? opt->partitions : pc_partitions_default_count(n);
    P = P > n && n > 0 ? n : P;
    pc_partitions *pt = pc_calloc(1, sizeof *pt);
    float *centroid_t = NULL, *scratch = NULL;
    if (!pt)
        return pc_fail_nomem(err, "building the partitions");
    pt->n_docs = n;
    pt->n_partitions = P;
    pt->probe = opt->probe < P ? opt->probe : P;
    pt->nearest = pc_malloc_array((size_t)n * (size_t)pt->probe + 1, sizeof *pt->nearest);
    pt->start = pc_calloc((size_t)P + 1, sizeof *pt->start);
    pt->member = pc_malloc_array((size_t)n + 1, sizeof *pt->member);
    pc_status status = pt->nearest && pt->start && pt->member
                           ? PC_OK
                           : pc_fail_nomem(err, "building the partitions");
    if (status == PC_OK && n > 0)
        status = train(X, n, opt, P, mon, &centroid_t, &pt->train, err);
    if (status == PC_OK && n > 0 &&
        !(scratch = pc_malloc_array((size_t)threads * BLOCK * (size_t)P, sizeof *scratch)))
        status = pc_fail_nomem(err, "building the partitions");
    /* ranges: this process's rows, all of them; else every size-th block of all rows */
    const int part = opt->ranges ? 0 : pc_comm_rank(opt->comm);
    const int parts = opt->ranges ? 1 : pc_comm_size(opt->comm);
    if (status == PC_OK && n > 0 &&
        probe_lists(X, centroid_t, threads, scratch, part, parts, pt,
                    pt->nearest + (size_t)first * (size_t)pt->probe, mon) != 0)
        status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while building the partitions");
    if (opt->ranges && n > 0)
        status = share_range_lists(pt, first, X->n_rows, opt->comm, status, err);
    else if (opt->comm && n > 0)
        status = share_lists(pt, opt->comm, status, err);
    if (status == PC_OK)
        group_members(pt);
    free(centroid_t);
    free(scratch);
    if (status != PC_OK) {
        pc_partitions_free(pt);
        return status;
    }
    *out = pt;
    return PC_OK;
}
