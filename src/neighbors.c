/*
 * neighbors.c — exact top-N cosine neighbours of every document.
 *
 * The transpose of X is an inverted index: for term t it lists the documents
 * containing t with their weights.  For a query document d, walking the
 * postings of d's terms and adding w_dt · w_et into a dense accumulator gives
 * dot(d, e) for every e sharing a term with d; a bounded min-heap keeps the N
 * best.  Total work is Σ_t df_t² multiply-adds (the sparse product X·Xᵀ),
 * memory is the index (nnz) plus a small accumulator per thread plus the
 * n × N result — never n².  Queries run in parallel in chunks; each
 * query's sums are formed in the same order whatever thread runs it, and ties
 * are broken by the lower document index, so results are thread-independent.
 */
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "paperclust/neighbors.h"
#include "progress_internal.h"

#define CHUNK 64 /* queries per scheduling unit */

void pc_neighbors_options_default(pc_neighbors_options *opt)
{
    opt->top = 10;
    opt->threads = 0;
}

/* A bounded heap of the best candidates, worst on top. */
typedef struct heap {
    int32_t size, cap;
    int32_t *id;
    float *sim;
} heap;

/* 1 when (sa, ia) ranks below (sb, ib): lower similarity, or equal and higher index. */
static int worse(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa < sb || (sa == sb && ia > ib);
}

static void heap_swap(heap *h, int32_t a, int32_t b)
{
    int32_t i = h->id[a];
    h->id[a] = h->id[b];
    h->id[b] = i;
    float s = h->sim[a];
    h->sim[a] = h->sim[b];
    h->sim[b] = s;
}

static void heap_sift_down(heap *h, int32_t i)
{
    for (int32_t child; (child = 2 * i + 1) < h->size; i = child) {
        if (child + 1 < h->size &&
            worse(h->sim[child + 1], h->id[child + 1], h->sim[child], h->id[child]))
            child++;
        if (!worse(h->sim[child], h->id[child], h->sim[i], h->id[i]))
            return;
        heap_swap(h, i, child);
    }
}

static void heap_push(heap *h, float sim, int32_t id)
{
    if (h->size == h->cap) {
        if (!worse(h->sim[0], h->id[0], sim, id))
            return;
        h->sim[0] = sim;
        h->id[0] = id;
        heap_sift_down(h, 0);
        return;
    }
    int32_t i = h->size++;
    h->sim[i] = sim;
    h->id[i] = id;
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (!worse(h->sim[i], h->id[i], h->sim[parent], h->id[parent]))
            break;
        heap_swap(h, i, parent);
        i = parent;
    }
}

/* Empties the heap into out_id/out_sim, best first, padding with -1 / 0. */
static void heap_drain(heap *h, int32_t *out_id, float *out_sim)
{
    for (int32_t r = h->cap - 1; r >= h->size; r--) {
        out_id[r] = -1;
        out_sim[r] = 0.0f;
    }
    while (h->size > 0) {
        int32_t r = h->size - 1;
        out_id[r] = h->id[0];
        out_sim[r] = h->sim[0];
        h->size--;
        if (h->size > 0) {
            h->id[0] = h->id[h->size];
            h->sim[0] = h->sim[h->size];
            heap_sift_down(h, 0);
        }
    }
}

#define DOC_BLOCK 4096 /* accumulator floats per block: 16 KiB, stays in L1 */

/* Per-thread scratch space. */
typedef struct workspace {
    float *acc;        /* DOC_BLOCK partial dot products, zero between blocks */
    int64_t *cursor;   /* per term of the query: next posting to read */
    heap best;
} workspace;

static void workspace_free(workspace *w)
{
    free(w->acc);
    free(w->cursor);
    free(w->best.id);
    free(w->best.sim);
}

static int workspace_alloc(workspace *w, int32_t max_row, int32_t top)
{
    memset(w, 0, sizeof *w);
    w->acc = pc_calloc(DOC_BLOCK, sizeof *w->acc);
    w->cursor = pc_malloc_array((size_t)max_row + 1, sizeof *w->cursor);
    w->best.id = pc_malloc_array((size_t)top, sizeof *w->best.id);
    w->best.sim = pc_malloc_array((size_t)top, sizeof *w->best.sim);
    w->best.cap = top;
    return w->acc && w->cursor && w->best.id && w->best.sim ? 0 : -1;
}

/*
 * The top-N of query d, written to its rows of the result.  The documents are
 * visited in blocks of DOC_BLOCK ids: each of d's posting lists is read up to
 * the end of the block (a cursor per term keeps the place), so the
 * accumulator of one block stays in L1 cache however large the corpus.  For
 * any one pair (d, e) the products are still added in the order of d's terms,
 * so the sums do not depend on the blocking.
 */
static void query(const pc_csr *X, const pc_csr *index, int32_t d, workspace *w,
                  pc_neighbors *out)
{
    float *restrict acc = w->acc;
    const int64_t first = X->row_ptr[d], n_terms = X->row_ptr[d + 1] - first;
    for (int64_t i = 0; i < n_terms; i++)
        w->cursor[i] = index->row_ptr[X->col[first + i]];
    for (int32_t lo = 0; lo < X->n_rows; lo += DOC_BLOCK) {
        const int32_t hi = lo + DOC_BLOCK < X->n_rows ? lo + DOC_BLOCK : X->n_rows;
        for (int64_t i = 0; i < n_terms; i++) {
            const float wd = X->val[first + i];
            const int64_t end = index->row_ptr[X->col[first + i] + 1];
            int64_t q = w->cursor[i];
            for (; q < end && index->col[q] < hi; q++) /* Σ_t df_t² iterations in all */
                acc[index->col[q] - lo] += wd * index->val[q];
            w->cursor[i] = q;
        }
        for (int32_t j = 0; j < hi - lo; j++) {
            if (acc[j] > 0.0f) {
                if (lo + j != d)
                    heap_push(&w->best, acc[j], lo + j);
                acc[j] = 0.0f;
            }
        }
    }
    heap_drain(&w->best, out->id + (size_t)d * (size_t)out->top,
               out->similarity + (size_t)d * (size_t)out->top);
}

static pc_status neighbors_alloc(int32_t n, int32_t top, pc_neighbors **out, pc_error *err)
{
    pc_neighbors *nb = pc_calloc(1, sizeof *nb);
    if (!nb)
        return pc_fail_nomem(err, "allocating related papers");
    nb->n_docs = n;
    nb->top = top;
    nb->id = pc_malloc_array((size_t)n * (size_t)top, sizeof *nb->id);
    nb->similarity = pc_malloc_array((size_t)n * (size_t)top, sizeof *nb->similarity);
    if (!nb->id || !nb->similarity) {
        pc_neighbors_free(nb);
        return pc_fail_nomem(err, "allocating related papers");
    }
    *out = nb;
    return PC_OK;
}

pc_status pc_neighbors_topn(const pc_csr *X, const pc_neighbors_options *opt,
                            const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (opt->top < 1)
        return pc_fail(err, PC_ERR_INVALID, "related papers: top must be at least 1");
    int32_t n = X->n_rows, top = opt->top;
    for (int64_t p = 0; p < X->nnz; p++)
        if (!(X->val[p] >= 0.0f))
            return pc_fail(err, PC_ERR_INVALID,
                           "related papers need non-negative weights (row weight %g)",
                           (double)X->val[p]);
    int threads = pc_thread_count(opt->threads);
    pc_csr *index = NULL;
    pc_neighbors *nb = NULL;
    workspace *ws = pc_calloc((size_t)threads, sizeof *ws);
    if (!ws)
        return pc_fail_nomem(err, "finding related papers");
    pc_status status = pc_csr_transpose(X, &index, err);
    if (status == PC_OK)
        status = neighbors_alloc(n, top, &nb, err);
    int32_t max_row = 0;
    for (int32_t i = 0; i < n; i++)
        if (X->row_ptr[i + 1] - X->row_ptr[i] > max_row)
            max_row = (int32_t)(X->row_ptr[i + 1] - X->row_ptr[i]);
    for (int t = 0; t < threads && status == PC_OK; t++)
        if (workspace_alloc(&ws[t], max_row, top) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    if (status != PC_OK)
        goto done;

    pc_progress progress;
    pc_progress_start(&progress, mon, "related", n);
    int64_t done_queries = 0;
    volatile int stop = 0;
#pragma omp parallel num_threads(threads)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
#pragma omp for schedule(dynamic, 1)
        for (int32_t chunk = 0; chunk < (n + CHUNK - 1) / CHUNK; chunk++) {
            if (stop)
                continue;
            int32_t hi = (chunk + 1) * CHUNK < n ? (chunk + 1) * CHUNK : n;
            for (int32_t d = chunk * CHUNK; d < hi; d++)
                query(X, index, d, &ws[tid], nb);
#pragma omp atomic
            done_queries += hi - chunk * CHUNK;
            if (tid == 0) {
                int64_t so_far;
#pragma omp atomic read
                so_far = done_queries;
                if (pc_cancelled(mon))
                    stop = 1;
                pc_progress_update(&progress, (double)so_far);
            }
        }
    }
    if (stop) {
        status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        goto done;
    }
    pc_progress_finish(&progress);
    *out = nb;
    nb = NULL;
done:
    for (int t = 0; t < threads; t++)
        workspace_free(&ws[t]);
    free(ws);
    pc_csr_free(index);
    pc_neighbors_free(nb);
    return status;
}

void pc_neighbors_free(pc_neighbors *neighbors)
{
    if (!neighbors)
        return;
    free(neighbors->id);
    free(neighbors->similarity);
    free(neighbors);
}
