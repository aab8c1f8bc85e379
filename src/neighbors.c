/*
 * neighbors.c — exact top-N cosine neighbours of every document.
 *
 * The transpose of X is an inverted index: for term t it lists the documents
 * containing t with their weights.  For a query document d, walking the
 * postings of d's terms and adding w_dt · w_et into a dense accumulator gives
 * dot(d, e) for every e sharing a term with d; a bounded min-heap keeps the N
 * best.  Unpruned, the work is Σ_t df_t² multiply-adds (the sparse product
 * X·Xᵀ); memory is the index (nnz) plus a small tile per thread plus the
 * n × N result — never n².  Queries run in parallel in batches; each query's
 * sums are formed in the same order whatever its batch or thread, and ties
 * are broken by the lower document index, so results are thread-independent.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "paperclust/neighbors.h"
#include "progress_internal.h"


void pc_neighbors_options_default(pc_neighbors_options *opt)
{
    opt->top = 10;
    opt->threads = 0;
    opt->prune = 1;
    opt->order = NULL;
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

/*
 * Queries run in batches of BATCH documents against blocks of DOC_BLOCK
 * document ids.  A batch's accumulators form a BATCH × DOC_BLOCK tile that
 * stays in L2 cache, and each posting list segment of a block is read from
 * memory once per batch and then reused, from L1, by every query of the batch
 * that holds the term.  Reading the postings once per query instead makes the
 * stage bound by memory bandwidth: a query's terms' postings are megabytes.
 *
 * Pruning, exact (the prefix filter of the all-pairs line of work): most of
 * the Σ df² work is in the few most common terms, whose tf-idf weights are
 * small.  A first pass over a query's rare terms only gives partial sums,
 * which are lower bounds (weights are non-negative); the N-th best of them,
 * θ, is a lower bound of the N-th best similarity.  The query's most common
 * terms R are then left out of the second, full pass as long as ‖d_R‖ < θ: a
 * document sharing only terms of R has similarity at most ‖d_R‖, so it cannot
 * be among the N best.  A document found by the second pass has its R part
 * added exactly, unless even its bound, sum + ‖d_R‖·‖e_head‖, falls short,
 * e_head being e restricted to the shortest "head" of the ranking (the 4, 16,
 * 64, ... most common terms) that holds R.
 */
#ifndef BATCH
#define BATCH 32
#endif
#ifndef DOC_BLOCK
#define DOC_BLOCK 2048
#endif
#ifndef RARE_WORK
#define RARE_WORK 0.05 /* the rare terms are those holding this share of Σ df² */
#endif
#ifndef CANDIDATES
#define CANDIDATES 3 /* the first pass keeps this many times N candidates */
#endif
#define N_HEADS 6 /* the "heads" of the ranking, for bounds: ranks below 4, 16, 64, ... */
#define MARGIN 1e-4f /* covers float rounding in the bounds: sums of ≲ 10³ products in [0, 1] */

/* The inverted index and what pruning needs; read-only during the queries. */
typedef struct related_index {
    const pc_csr *X;
    pc_csr *postings;    /* Xᵀ: per term, the documents holding it, ascending */
    int32_t *rank;       /* per term: place in descending df order (ties: lower term first) */
    int32_t n_common;    /* the terms ranked below this are the common ones */
    pc_csr *common;      /* X restricted to the common terms, columns = ranks, ascending */
    float *head_norm;    /* N_HEADS × n_docs: row h, document e: the norm of e's terms
                            ranked below head_rank(h), the most common ones */
} related_index;

/* The ranks below which head h lies: 4, 16, 64, ..., the last one all common terms. */
static int32_t head_rank(const related_index *ri, int h)
{
    return h == N_HEADS - 1 || (4 << 2 * h) > ri->n_common ? ri->n_common : 4 << 2 * h;
}

/* One query's claim on a term: its place in the batch and its weight. */
typedef struct claim {
    int32_t query;
    float weight;
} claim;

static int compare_float_descending(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

/*
 * θ for query d from the candidates of its first pass, emptying their heap:
 * the N-th best of their exact similarities (each found through `dense`,
 * which is left zero), or 0 with fewer than N candidates.  N documents this
 * similar exist, so the N-th best similarity is at least θ.
 */
static float exact_floor(const related_index *ri, int32_t d, int32_t top, heap *best,
                         float *restrict dense, int64_t *work)
{
    const pc_csr *X = ri->X;
    for (int64_t p = X->row_ptr[d]; p < X->row_ptr[d + 1]; p++)
        dense[X->col[p]] = X->val[p];
    for (int32_t i = 0; i < best->size; i++) { /* exact sums replace the partial ones */
        int32_t e = best->id[i];
        float sum = 0.0f;
        for (int64_t p = X->row_ptr[e]; p < X->row_ptr[e + 1]; p++)
            sum += dense[X->col[p]] * X->val[p];
        *work += X->row_ptr[e + 1] - X->row_ptr[e];
        best->sim[i] = sum;
    }
    for (int64_t p = X->row_ptr[d]; p < X->row_ptr[d + 1]; p++)
        dense[X->col[p]] = 0.0f;
    float theta = 0.0f;
    if (best->size >= top) {
        qsort(best->sim, (size_t)best->size, sizeof *best->sim, compare_float_descending);
        theta = best->sim[top - 1];
    }
    best->size = 0;
    return theta;
}

/* The norm √sum_sq in float, rounded up so that it stays a bound. */
static float norm_bound(double sum_sq)
{
    return (float)sqrt(sum_sq) * (1.0f + 1e-6f);
}

/* A common term of a query, for planning: its rank and the query's weight. */
typedef struct ranked {
    int32_t rank;
    float weight;
} ranked;

/* Per-thread scratch space. */
typedef struct workspace {
    float *tile;      /* BATCH × DOC_BLOCK partial dot products, zero between blocks */
    int32_t *count;   /* per term: claims in this batch (zero between batches) */
    int32_t *terms;   /* the batch's distinct claimed terms, ascending */
    int64_t *start;   /* per distinct term: first claim; one more entry at the end */
    int64_t *cursor;  /* per distinct term: next posting to read */
    int32_t *next;    /* per distinct term: the document of that posting (n: none left) */
    claim *claims;    /* grouped by term, ascending query within a term */
    float *dense;     /* per term or term rank: a query's weight, else 0 */
    ranked *ranked;        /* one query's common terms, for planning */
    heap best[BATCH];
    int32_t cutoff[BATCH]; /* query b claims the terms of rank >= cutoff[b] */
    float theta[BATCH];    /* lower bound of query b's N-th best similarity */
    float rest[BATCH];     /* ‖d_R‖ of query b's unclaimed terms R */
    int32_t doc[BATCH];    /* the document of query b */
    int64_t work;          /* multiply-adds done by this thread */
} workspace;

static void workspace_free(workspace *w)
{
    free(w->tile);
    free(w->count);
    free(w->terms);
    free(w->start);
    free(w->cursor);
    free(w->next);
    free(w->claims);
    free(w->dense);
    free(w->ranked);
    for (int b = 0; b < BATCH; b++) {
        free(w->best[b].id);
        free(w->best[b].sim);
    }
}

static int workspace_alloc(workspace *w, int32_t n_terms, int64_t max_claims, int64_t max_row,
                           int32_t top)
{
    memset(w, 0, sizeof *w);
    w->tile = pc_calloc((size_t)BATCH * DOC_BLOCK, sizeof *w->tile);
    w->count = pc_calloc((size_t)n_terms + 1, sizeof *w->count);
    w->terms = pc_malloc_array((size_t)max_claims + 1, sizeof *w->terms);
    w->start = pc_malloc_array((size_t)max_claims + 2, sizeof *w->start);
    w->cursor = pc_malloc_array((size_t)max_claims + 1, sizeof *w->cursor);
    w->next = pc_malloc_array((size_t)max_claims + 1, sizeof *w->next);
    w->claims = pc_malloc_array((size_t)max_claims + 1, sizeof *w->claims);
    w->dense = pc_calloc((size_t)n_terms + 1, sizeof *w->dense);
    w->ranked = pc_malloc_array((size_t)max_row + 1, sizeof *w->ranked);
    int ok = w->tile && w->count && w->terms && w->start && w->cursor && w->next && w->claims &&
             w->dense && w->ranked;
    for (int b = 0; b < BATCH; b++) {
        w->best[b].id = pc_malloc_array((size_t)top * CANDIDATES, sizeof *w->best[b].id);
        w->best[b].sim = pc_malloc_array((size_t)top * CANDIDATES, sizeof *w->best[b].sim);
        w->best[b].cap = top;
        ok = ok && w->best[b].id && w->best[b].sim;
    }
    return ok ? 0 : -1;
}

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/*
 * Groups the claimed terms of the batch's documents by term: the
 * distinct terms ascending, and for each its claims in query order.  Returns
 * the number of distinct terms.
 */
static int64_t batch_group(const related_index *ri, int32_t size, workspace *w)
{
    const pc_csr *X = ri->X;
    int64_t n_distinct = 0;
    for (int32_t b = 0; b < size; b++)
        for (int64_t p = X->row_ptr[w->doc[b]]; p < X->row_ptr[w->doc[b] + 1]; p++)
            if (ri->rank[X->col[p]] >= w->cutoff[b] && w->count[X->col[p]]++ == 0)
                w->terms[n_distinct++] = X->col[p];
    qsort(w->terms, (size_t)n_distinct, sizeof *w->terms, compare_int32);
    int64_t at = 0;
    for (int64_t u = 0; u < n_distinct; u++) {
        int32_t t = w->terms[u];
        w->start[u] = at;
        at += w->count[t];
        w->count[t] = (int32_t)u; /* from here on: the term's distinct index */
    }
    w->start[n_distinct] = at;
    for (int64_t u = 0; u < n_distinct; u++)
        w->cursor[u] = w->start[u]; /* fill positions, reset by the caller */
    for (int32_t b = 0; b < size; b++)
        for (int64_t p = X->row_ptr[w->doc[b]]; p < X->row_ptr[w->doc[b] + 1]; p++)
            if (ri->rank[X->col[p]] >= w->cutoff[b]) {
                int64_t u = w->count[X->col[p]];
                w->claims[w->cursor[u]++] = (claim){b, X->val[p]};
            }
    for (int64_t u = 0; u < n_distinct; u++)
        w->count[w->terms[u]] = 0;
    return n_distinct;
}

/* Moves the block's positive sums of query document d into its heap, as they are. */
static void collect_plain(const float *restrict row, int32_t lo, int32_t width, int32_t d,
                          heap *best)
{
    for (int32_t j0 = 0; j0 < width; j0 += 8) {
        const int32_t j1 = j0 + 8 < width ? j0 + 8 : width;
        /* documents arrive in ascending order, so an equal sum never displaces a kept one */
        float threshold = best->size == best->cap ? best->sim[0] : 0.0f;
        int any = 0; /* branch-free, vectorised: most blocks of 8 hold nothing to keep */
        for (int32_t j = j0; j < j1; j++)
            any |= row[j] > threshold;
        for (int32_t j = j0; any && j < j1; j++) {
            threshold = best->size == best->cap ? best->sim[0] : 0.0f;
            if (row[j] > threshold && lo + j != d)
                heap_push(best, row[j], lo + j);
        }
    }
}

/*
 * The same for a query that left out its terms R (norm `rest`, weights in
 * w->dense): each sum that could still rank gets the R part added exactly.
 */
static void collect_verified(const related_index *ri, const float *restrict row, int32_t lo,
                             int32_t width, int32_t d, int32_t cutoff, float theta, float rest,
                             const float *restrict dense, heap *best, int64_t *work)
{
    const pc_csr *common = ri->common;
    int h = 0; /* the shortest head holding all of R */
    while (h < N_HEADS - 1 && head_rank(ri, h) < cutoff)
        h++;
    const float *restrict norm = ri->head_norm + (size_t)h * (size_t)ri->X->n_rows + lo;
    float floor = theta - MARGIN; /* the N-th best is at least this */
    for (int32_t j0 = 0; j0 < width; j0 += 8) {
        const int32_t j1 = j0 + 8 < width ? j0 + 8 : width;
        int any = 0; /* an upper bound reaches the floor: branch-free, vectorised */
        for (int32_t j = j0; j < j1; j++)
            any |= row[j] + rest * norm[j] >= floor;
        for (int32_t j = j0; any && j < j1; j++) {
            float sum = row[j];
            if (!(sum > 0.0f) || sum + rest * norm[j] < floor || lo + j == d)
                continue;
            /* e's common terms by rank: those of R come first */
            int64_t p = common->row_ptr[lo + j];
            for (; p < common->row_ptr[lo + j + 1] && common->col[p] < cutoff; p++)
                sum += dense[common->col[p]] * common->val[p];
            *work += 1 + p - common->row_ptr[lo + j]; /* the bound and the products */
            float threshold = best->size == best->cap ? best->sim[0] : 0.0f;
            if (sum > threshold) {
                heap_push(best, sum, lo + j);
                if (best->size == best->cap && best->sim[0] - MARGIN > floor)
                    floor = best->sim[0] - MARGIN;
            }
        }
    }
}

/* Puts query d's weights of the terms ranked below `cutoff` into dense by rank (or 0 back). */
static void scatter_left_out(const related_index *ri, int32_t d, int32_t cutoff, float *dense,
                             int clear)
{
    const pc_csr *X = ri->X;
    for (int64_t p = X->row_ptr[d]; p < X->row_ptr[d + 1]; p++)
        if (ri->rank[X->col[p]] < cutoff)
            dense[ri->rank[X->col[p]]] = clear ? 0.0f : X->val[p];
}

/*
 * One pass of the batch's queries over all documents, each query
 * claiming its terms ranked at or above its cutoff.  The sums of a pair
 * (d, e) are formed in the order of d's terms (ascending term ids) whatever
 * the batching, blocking or thread.  `verify`: collect with the left-out
 * terms' parts added (second pass); else as they are.
 */
static void batch_pass(const related_index *ri, int32_t size, workspace *w,
                       int verify)
{
    const pc_csr *index = ri->postings;
    const int32_t n = ri->X->n_rows;
    const int64_t n_distinct = batch_group(ri, size, w);
    const int32_t *restrict col = index->col;
    const float *restrict val = index->val;
    for (int64_t u = 0; u < n_distinct; u++) {
        w->cursor[u] = index->row_ptr[w->terms[u]];
        w->next[u] = col[w->cursor[u]]; /* every term has a posting */
    }
    for (int32_t lo = 0; lo < n; lo += DOC_BLOCK) {
        const int32_t hi = lo + DOC_BLOCK < n ? lo + DOC_BLOCK : n;
        for (int64_t u = 0; u < n_distinct; u++) {
            if (w->next[u] >= hi)
                continue; /* the term's next posting is in a later block */
            const int64_t begin = w->cursor[u], end = index->row_ptr[w->terms[u] + 1];
            int64_t stop = begin;
            while (stop < end && col[stop] < hi)
                stop++;
            w->cursor[u] = stop;
            w->next[u] = stop < end ? col[stop] : n;
            w->work += (stop - begin) * (w->start[u + 1] - w->start[u]);
            for (int64_t c = w->start[u]; c < w->start[u + 1]; c++) {
                float *restrict acc = w->tile + (size_t)w->claims[c].query * DOC_BLOCK - lo;
                const float wd = w->claims[c].weight;
                for (int64_t q = begin; q < stop; q++) /* Σ_t df_t² iterations unpruned */
                    acc[col[q]] += wd * val[q];
            }
        }
        for (int32_t b = 0; b < size; b++) {
            float *row = w->tile + (size_t)b * DOC_BLOCK;
            if (verify && w->rest[b] > 0.0f) {
                scatter_left_out(ri, w->doc[b], w->cutoff[b], w->dense, 0);
                collect_verified(ri, row, lo, hi - lo, w->doc[b], w->cutoff[b], w->theta[b],
                                 w->rest[b], w->dense, &w->best[b], &w->work);
                scatter_left_out(ri, w->doc[b], w->cutoff[b], w->dense, 1);
            } else {
                collect_plain(row, lo, hi - lo, w->doc[b], &w->best[b]);
            }
            memset(row, 0, (size_t)(hi - lo) * sizeof *row);
        }
    }
}

static int compare_rank(const void *a, const void *b)
{
    int32_t x = ((const ranked *)a)->rank, y = ((const ranked *)b)->rank;
    return (x > y) - (x < y);
}

/*
 * Chooses the terms query d (place b of the batch) leaves out of its full
 * pass, from w->theta[b]: its most common terms, as many as keep their norm
 * below θ with a margin for rounding.  Sets w->cutoff[b] and w->rest[b].
 */
static void plan_query(const related_index *ri, int32_t d, int b, workspace *w)
{
    const pc_csr *X = ri->X;
    int64_t n_common = 0;
    for (int64_t p = X->row_ptr[d]; p < X->row_ptr[d + 1]; p++)
        if (ri->rank[X->col[p]] < ri->n_common)
            w->ranked[n_common++] = (ranked){ri->rank[X->col[p]], X->val[p]};
    qsort(w->ranked, (size_t)n_common, sizeof *w->ranked, compare_rank);
    double sum_sq = 0.0;
    int64_t m = 0;
    for (; m < n_common; m++) {
        double next = sum_sq + (double)w->ranked[m].weight * w->ranked[m].weight;
        if (!(sqrt(next) < (double)w->theta[b] - 2.0 * MARGIN))
            break;
        sum_sq = next;
    }
    w->cutoff[b] = m == 0 ? 0 : m < n_common ? w->ranked[m].rank : ri->n_common;
    w->rest[b] = m == 0 ? 0.0f : norm_bound(sum_sq);
}

/*
 * The top-N of the documents order[first .. first+size-1] (without an order:
 * documents first .. first+size-1), written to their rows of the result.
 */
static void query_batch(const related_index *ri, const int32_t *order, int32_t first,
                        int32_t size, workspace *w, pc_neighbors *out)
{
    int prune = ri->n_common > 0;
    for (int32_t b = 0; b < size; b++) {
        w->doc[b] = order ? order[first + b] : first + b;
        w->cutoff[b] = prune ? ri->n_common : 0;
        w->theta[b] = 0.0f;
        w->rest[b] = 0.0f;
    }
    if (prune) {
        for (int32_t b = 0; b < size; b++)
            w->best[b].cap = out->top * CANDIDATES;
        batch_pass(ri, size, w, 0); /* the rare terms only: candidates */
        for (int32_t b = 0; b < size; b++) {
            w->theta[b] = exact_floor(ri, w->doc[b], out->top, &w->best[b], w->dense, &w->work);
            w->best[b].cap = out->top;
            plan_query(ri, w->doc[b], b, w);
        }
    }
    batch_pass(ri, size, w, 1);
    for (int32_t b = 0; b < size; b++) {
        size_t row = (size_t)(w->doc[b]) * (size_t)out->top;
        heap_drain(&w->best[b], out->id + row, out->similarity + row);
    }
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

typedef struct term_df {
    int64_t df;
    int32_t term;
} term_df;

static int compare_df_descending(const void *a, const void *b)
{
    const term_df *x = a, *y = b;
    if (x->df != y->df)
        return x->df < y->df ? 1 : -1;
    return (x->term > y->term) - (x->term < y->term);
}

static void related_index_free(related_index *ri)
{
    pc_csr_free(ri->postings);
    free(ri->rank);
    pc_csr_free(ri->common);
    free(ri->head_norm);
}

/*
 * Ranks the terms by df and splits them: the rare ones, from the least
 * frequent up, while they hold at most RARE_WORK of Σ df², and the common
 * rest.  Without pruning every term counts as rare.
 */
static pc_status rank_terms(related_index *ri, int prune, pc_error *err)
{
    const pc_csr *index = ri->postings;
    int32_t V = index->n_rows;
    term_df *order = pc_malloc_array((size_t)V + 1, sizeof *order);
    ri->rank = pc_malloc_array((size_t)V + 1, sizeof *ri->rank);
    if (!order || !ri->rank) {
        free(order);
        return pc_fail_nomem(err, "finding related papers");
    }
    double total = 0.0;
    for (int32_t t = 0; t < V; t++) {
        order[t] = (term_df){index->row_ptr[t + 1] - index->row_ptr[t], t};
        total += (double)order[t].df * (double)order[t].df;
    }
    qsort(order, (size_t)V, sizeof *order, compare_df_descending);
    ri->n_common = 0;
    double rare = 0.0;
    for (int32_t r = V - 1; prune && r >= 0; r--) {
        rare += (double)order[r].df * (double)order[r].df;
        if (rare > RARE_WORK * total) {
            ri->n_common = r + 1;
            break;
        }
    }
    for (int32_t r = 0; r < V; r++)
        ri->rank[order[r].term] = r;
    free(order);
    return PC_OK;
}

/*
 * X restricted to the common terms, with ranks for columns, ascending, and
 * each row's norm there.
 */
static pc_status split_common(related_index *ri, pc_error *err)
{
    const pc_csr *X = ri->X;
    int64_t nnz = 0, max_row = 0;
    for (int32_t i = 0; i < X->n_rows; i++) {
        int64_t m = 0;
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
            m += ri->rank[X->col[p]] < ri->n_common;
        nnz += m;
        max_row = m > max_row ? m : max_row;
    }
    pc_status status = pc_csr_new(X->n_rows, ri->n_common, nnz, &ri->common, err);
    if (status != PC_OK)
        return status;
    ri->head_norm = pc_malloc_array((size_t)N_HEADS * (size_t)X->n_rows + 1, sizeof *ri->head_norm);
    ranked *row = pc_malloc_array((size_t)max_row + 1, sizeof *row);
    if (!ri->head_norm || !row) {
        free(row);
        return pc_fail_nomem(err, "finding related papers");
    }
    pc_csr *c = ri->common;
    int64_t at = 0;
    for (int32_t i = 0; i < X->n_rows; i++) {
        int64_t m = 0;
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
            if (ri->rank[X->col[p]] < ri->n_common)
                row[m++] = (ranked){ri->rank[X->col[p]], X->val[p]};
        qsort(row, (size_t)m, sizeof *row, compare_rank);
        double sum_sq = 0.0;
        int h = 0;
        for (int64_t q = 0; q < m; q++, at++) {
            for (; h < N_HEADS && row[q].rank >= head_rank(ri, h); h++)
                ri->head_norm[(size_t)h * (size_t)X->n_rows + i] = norm_bound(sum_sq);
            c->col[at] = row[q].rank;
            c->val[at] = row[q].weight;
            sum_sq += (double)row[q].weight * row[q].weight;
        }
        for (; h < N_HEADS; h++)
            ri->head_norm[(size_t)h * (size_t)X->n_rows + i] = norm_bound(sum_sq);
        c->row_ptr[i + 1] = at;
    }
    free(row);
    return PC_OK;
}

static pc_status related_index_build(const pc_csr *X, int prune, related_index *ri,
                                     pc_error *err)
{
    memset(ri, 0, sizeof *ri);
    ri->X = X;
    pc_status status = pc_csr_transpose(X, &ri->postings, err);
    if (status == PC_OK)
        status = rank_terms(ri, prune, err);
    if (status == PC_OK)
        status = split_common(ri, err);
    return status;
}

/* 1 when order holds each of 0 .. n-1 once. */
static int is_permutation(const int32_t *order, int32_t n)
{
    unsigned char *seen = pc_calloc((size_t)n + 1, 1);
    int ok = seen != NULL;
    for (int32_t i = 0; ok && i < n; i++) {
        ok = order[i] >= 0 && order[i] < n && !seen[order[i]];
        if (ok)
            seen[order[i]] = 1;
    }
    free(seen);
    return ok;
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
    if (opt->order && !is_permutation(opt->order, n))
        return pc_fail(err, PC_ERR_INVALID, "related papers: the query order is not a permutation");
    int threads = pc_thread_count(opt->threads);
    related_index ri;
    pc_neighbors *nb = NULL;
    workspace *ws = pc_calloc((size_t)threads, sizeof *ws);
    if (!ws)
        return pc_fail_nomem(err, "finding related papers");
    pc_status status = related_index_build(X, opt->prune, &ri, err);
    if (status == PC_OK)
        status = neighbors_alloc(n, top, &nb, err);
    int64_t max_row = 0;
    for (int32_t i = 0; i < n; i++)
        if (X->row_ptr[i + 1] - X->row_ptr[i] > max_row)
            max_row = X->row_ptr[i + 1] - X->row_ptr[i];
    int64_t max_claims = BATCH * max_row;
    for (int t = 0; t < threads && status == PC_OK; t++)
        if (workspace_alloc(&ws[t], X->n_cols, max_claims, max_row, top) != 0)
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
        for (int32_t chunk = 0; chunk < (n + BATCH - 1) / BATCH; chunk++) {
            if (stop)
                continue;
            int32_t hi = (chunk + 1) * BATCH < n ? (chunk + 1) * BATCH : n;
            query_batch(&ri, opt->order, chunk * BATCH, hi - chunk * BATCH, &ws[tid], nb);
#pragma omp atomic
            done_queries += hi - chunk * BATCH;
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
    nb->work = 0;
    for (int t = 0; t < threads; t++)
        nb->work += ws[t].work;
    nb->work_all = 0;
    for (int32_t t = 0; t < X->n_cols; t++) {
        int64_t df = ri.postings->row_ptr[t + 1] - ri.postings->row_ptr[t];
        nb->work_all += df * df;
    }
    *out = nb;
    nb = NULL;
done:
    for (int t = 0; t < threads; t++)
        workspace_free(&ws[t]);
    free(ws);
    related_index_free(&ri);
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
