/*
 * heavy.c — approximate related papers from the terms that weigh most in
 * each paper (heavy.h).
 *
 * The cut rows' inverted index (their transpose) is walked from each paper's
 * cut terms, adding the cut products of the rows met into a sum per row (the
 * rows touched listed as they are first met); the best `candidates` of them
 * go through the pair scorer of the exact stage (neighbors_internal.h).
 * Papers are taken BATCH at a time; with several processes, each takes every
 * size-th batch and the lists are exchanged (pc_neighbors_exchange).
 */
#include "paperclust/heavy.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "neighbors_internal.h"
#include "progress_internal.h"

void pc_heavy_options_default(pc_heavy_options *opt)
{
    opt->mass = PC_HEAVY_MASS;
    opt->candidates = PC_HEAVY_CANDIDATES;
}

typedef struct weighed {
    float w2;
    int32_t at; /* the entry's place in its row */
} weighed;

/* Heavier first; equal weights by their place in the row. */
static int compare_heavier(const void *a, const void *b)
{
    const weighed *x = a, *y = b;
    if (x->w2 != y->w2)
        return x->w2 > y->w2 ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Row i's entries heaviest first into scratch; returns how many the cut keeps: the fewest
 * whose squared weights reach `mass` of the row's, one at least. */
static int32_t heaviest(const pc_csr *X, int32_t i, float mass, weighed *scratch)
{
    const int64_t start = X->row_ptr[i];
    const int32_t len = (int32_t)(X->row_ptr[i + 1] - start);
    double total = 0.0;
    for (int32_t p = 0; p < len; p++) {
        const float v = X->val[start + p];
        scratch[p] = (weighed){v * v, p};
        total += (double)scratch[p].w2;
    }
    qsort(scratch, (size_t)len, sizeof *scratch, compare_heavier);
    double kept = 0.0;
    int32_t k = 0;
    while (k < len && (k == 0 || kept < (double)mass * total))
        kept += (double)scratch[k++].w2;
    return k;
}

static int32_t longest_row(const pc_csr *X)
{
    int64_t most = 0;
    for (int32_t i = 0; i < X->n_rows; i++)
        if (X->row_ptr[i + 1] - X->row_ptr[i] > most)
            most = X->row_ptr[i + 1] - X->row_ptr[i];
    return (int32_t)most;
}

enum { CUT_STEP = 1024 }; /* rows between progress reports */

/* X with each row cut to its heaviest entries (heaviest()), in column order.  Each row is
 * sorted once: its last entry kept (least) tells the second pass which to copy. */
static pc_status cut_rows(const pc_csr *X, float mass, int threads, const pc_monitor *mon,
                          pc_csr **out, pc_error *err)
{
    *out = NULL;
    const int32_t n = X->n_rows;
    const size_t each = (size_t)longest_row(X) + 1;
    int32_t *kept = pc_malloc_array((size_t)n, sizeof *kept);
    weighed *least = pc_malloc_array((size_t)n, sizeof *least);
    weighed *scratch = pc_malloc_array((size_t)threads * each, sizeof *scratch);
    pc_status status = kept && least && scratch ? PC_OK : pc_fail_nomem(err, "cutting the rows");
    if (status == PC_OK) {
        pc_progress progress;
        pc_progress_start(&progress, mon, "related (cutting the rows)", (double)n);
        double done = 0.0;
        volatile int stop = 0;
#pragma omp parallel num_threads(threads)
        {
            const int tid = pc_thread_id();
            weighed *s = scratch + (size_t)tid * each;
#pragma omp for schedule(dynamic, 1)
            for (int32_t i0 = 0; i0 < n; i0 += CUT_STEP) {
                if (stop)
                    continue;
                const int32_t i1 = i0 + CUT_STEP < n ? i0 + CUT_STEP : n;
                for (int32_t i = i0; i < i1; i++) {
                    kept[i] = heaviest(X, i, mass, s);
                    least[i] = kept[i] > 0 ? s[kept[i] - 1] : (weighed){0.0f, -1};
                }
                pc_progress_parallel(&progress, &done, i1 - i0, tid, &stop);
            }
        }
        if (stop)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while cutting the rows");
        else
            pc_progress_finish(&progress);
    }
    int64_t nnz = 0;
    for (int32_t i = 0; status == PC_OK && i < n; i++)
        nnz += kept[i];
    if (status == PC_OK)
        status = pc_csr_new(n, X->n_cols, nnz, out, err);
    if (status == PC_OK) {
        pc_csr *C = *out;
        for (int32_t i = 0; i < n; i++)
            C->row_ptr[i + 1] = C->row_ptr[i] + kept[i];
#pragma omp parallel for num_threads(threads) schedule(dynamic, CUT_STEP)
        for (int32_t i = 0; i < n; i++) {
            const int64_t from = X->row_ptr[i];
            int64_t to = C->row_ptr[i];
            for (int32_t p = 0; p < (int32_t)(X->row_ptr[i + 1] - from); p++) {
                const float v = X->val[from + p];
                const weighed w = {v * v, p};
                if (compare_heavier(&w, &least[i]) <= 0) {
                    C->col[to] = X->col[from + p];
                    C->val[to++] = v;
                }
            }
        }
    }
    free(kept);
    free(least);
    free(scratch);
    return status;
}

/* One thread's scratch. */
typedef struct shortlist {
    float *sum;       /* per row: its cut product with the paper, zero between papers */
    int32_t *touched; /* the rows met, n + 1 */
    int32_t *cand_id; /* candidates */
    float *cand_sim;
    float *exact;     /* candidates */
    int32_t *best_id; /* top */
    float *best_sim;
    float *scratch;   /* the pair scorer's */
} shortlist;

static void shortlist_free(shortlist *s)
{
    free(s->sum);
    free(s->touched);
    free(s->cand_id);
    free(s->cand_sim);
    free(s->exact);
    free(s->best_id);
    free(s->best_sim);
    free(s->scratch);
}

static int shortlist_alloc(shortlist *s, int32_t n, int32_t candidates, int32_t top,
                           size_t scratch)
{
    s->sum = pc_large_array((size_t)n, sizeof *s->sum);
    s->touched = pc_large_array((size_t)n + 1, sizeof *s->touched);
    s->cand_id = pc_malloc_array((size_t)candidates, sizeof *s->cand_id);
    s->cand_sim = pc_malloc_array((size_t)candidates, sizeof *s->cand_sim);
    s->exact = pc_malloc_array((size_t)candidates, sizeof *s->exact);
    s->best_id = pc_malloc_array((size_t)top, sizeof *s->best_id);
    s->best_sim = pc_malloc_array((size_t)top, sizeof *s->best_sim);
    s->scratch = pc_calloc(scratch, sizeof *s->scratch);
    if (!s->sum || !s->touched || !s->cand_id || !s->cand_sim || !s->exact || !s->best_id ||
        !s->best_sim || !s->scratch)
        return -1;
    memset(s->sum, 0, (size_t)n * sizeof *s->sum);
    return 0;
}

/* 1 when (sa, ia) ranks above (sb, ib): higher, or equal and a lower index. */
static int better(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa > sb || (sa == sb && ia < ib);
}

/*
 * Paper i's list: the rows sharing a cut term with it, by their cut
 * product; the best `candidates` of them scored exactly, the best top of
 * those into out.  Returns the multiply-adds: the cut products added, and
 * a candidate's non-zeros for each pair scored.
 */
static int64_t one_paper(const pc_csr *X, const pc_csr *C, const pc_csr *T,
                         const pc_pair_scorer *sc, int32_t i, int32_t candidates, shortlist *s,
                         pc_neighbors *out)
{
    const int32_t *restrict row = T->col;
    const float *restrict weight = T->val;
    float *restrict sum = s->sum;
    int32_t *restrict touched = s->touched;
    int32_t met = 0;
    int64_t work = 0;
    for (int64_t p = C->row_ptr[i]; p < C->row_ptr[i + 1]; p++) {
        const int32_t t = C->col[p];
        const float w = C->val[p];
        work += T->row_ptr[t + 1] - T->row_ptr[t];
        for (int64_t q = T->row_ptr[t]; q < T->row_ptr[t + 1]; q++) {
            const int32_t j = row[q];
            touched[met] = j;
            met += sum[j] == 0.0f; /* listed when first met: every product is positive */
            sum[j] += w * weight[q];
        }
    }
    sum[i] = 0.0f; /* a paper is not its own neighbour */
    pc_heap h = {0, candidates, s->cand_id, s->cand_sim};
    for (int32_t r = 0; r < met; r++) {
        const int32_t j = touched[r];
        if (sum[j] > 0.0f &&
            (h.size < h.cap || better(sum[j], j, h.sim[0], h.id[0]))) /* the worst on top */
            pc_heap_push(&h, sum[j], j);
        sum[j] = 0.0f;
    }
    const int32_t m = h.size;
    pc_pair_spread(sc, i, s->scratch, 0);
    pc_pair_sums(sc, s->scratch, s->cand_id, m, s->exact);
    pc_pair_spread(sc, i, s->scratch, 1);
    pc_heap best = {0, out->top, s->best_id, s->best_sim};
    for (int32_t r = 0; r < m; r++)
        if (s->exact[r] > 0.0f)
            pc_heap_push(&best, s->exact[r], s->cand_id[r]);
    pc_heap_drain(&best, out->id + (size_t)i * (size_t)out->top,
                  out->similarity + (size_t)i * (size_t)out->top);
    for (int32_t r = 0; r < m; r++)
        work += X->row_ptr[s->cand_id[r] + 1] - X->row_ptr[s->cand_id[r]];
    return work;
}

enum { BATCH = 256 };

/* 1 when this process takes the batch starting at paper i0. */
static int batch_is_mine(const pc_comm *comm, int32_t i0)
{
    return !comm || (i0 / BATCH) % comm->size == comm->rank;
}

/* Every paper's list, BATCH papers at a time; 0, or 1 when cancelled. */
static int run_batches(const pc_csr *X, const pc_csr *C, const pc_csr *T,
                       const pc_pair_scorer *sc, int32_t candidates, const pc_comm *comm,
                       int threads, shortlist *s, const pc_monitor *mon, pc_neighbors *out)
{
    const int32_t n = C->n_rows;
    double mine = 0.0;
    for (int32_t i0 = 0; i0 < n; i0 += BATCH)
        mine += batch_is_mine(comm, i0) ? (double)(i0 + BATCH < n ? BATCH : n - i0) : 0.0;
    pc_progress progress;
    pc_progress_start(&progress, mon, "related (heaviest terms)", mine);
    double done = 0.0;
    volatile int stop = 0;
    int64_t work = 0;
#pragma omp parallel num_threads(threads) reduction(+ : work)
    {
        const int tid = pc_thread_id();
#pragma omp for schedule(dynamic, 1)
        for (int32_t i0 = 0; i0 < n; i0 += BATCH) {
            if (stop || !batch_is_mine(comm, i0))
                continue;
            const int32_t i1 = i0 + BATCH < n ? i0 + BATCH : n;
            for (int32_t i = i0; i < i1; i++)
                work += one_paper(X, C, T, sc, i, candidates, &s[tid], out);
            pc_progress_parallel(&progress, &done, i1 - i0, tid, &stop);
        }
    }
    if (stop)
        return 1;
    pc_progress_finish(&progress);
    out->work = work;
    return 0;
}

pc_status pc_neighbors_heavy(const pc_csr *X, const pc_heavy_options *hopt,
                             const pc_neighbors_options *nopt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (nopt->top < 1 || !(hopt->mass > 0.0f && hopt->mass <= 1.0f) || hopt->candidates < 1 ||
        nopt->dense || (nopt->comm && nopt->ranges))
        return pc_fail(err, PC_ERR_INVALID, "related papers by heaviest terms: bad options "
                                            "(top %d, mass %g, candidates %d, dense rows %s, "
                                            "ranges %s)",
                       (int)nopt->top, (double)hopt->mass, (int)hopt->candidates,
                       nopt->dense ? "yes" : "no", nopt->comm && nopt->ranges ? "yes" : "no");
    const int threads = pc_thread_count(nopt->threads);
    const int32_t n = X->n_rows;
    const int32_t candidates = hopt->candidates > nopt->top ? hopt->candidates : nopt->top;
    pc_csr *C = NULL, *T = NULL;
    pc_pair_scorer *sc = NULL;
    int64_t sum_df2 = 0;
    shortlist *s = pc_calloc((size_t)threads, sizeof *s);
    pc_status status = s ? cut_rows(X, hopt->mass, threads, mon, &C, err)
                         : pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK)
        status = pc_csr_transpose(C, &T, err);
    if (status == PC_OK)
        status = pc_pair_scorer_new(X, nopt->head_terms, &sc, &sum_df2, err);
    if (status == PC_OK)
        status = pc_neighbors_alloc(n, nopt->top, out, err);
    const size_t scratch = sc ? pc_pair_scorer_scratch(sc) : 0;
    for (int t = 0; status == PC_OK && t < threads; t++)
        if (shortlist_alloc(&s[t], n, candidates, nopt->top, scratch) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK) {
        for (size_t c = 0; c < (size_t)n * (size_t)nopt->top; c++) { /* others' papers: empty */
            (*out)->id[c] = -1;
            (*out)->similarity[c] = 0.0f;
        }
        if (run_batches(X, C, T, sc, candidates, nopt->comm, threads, s, mon, *out) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
    }
    if (nopt->comm) /* a process that failed still takes part, so that all hear of it */
        status = pc_neighbors_exchange(nopt->comm, status, *out, err);
    if (status == PC_OK) {
        (*out)->work_all = sum_df2;
        (*out)->candidates = candidates;
        (*out)->mass = hopt->mass;
    } else {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    for (int t = 0; s && t < threads; t++)
        shortlist_free(&s[t]);
    free(s);
    pc_pair_scorer_free(sc);
    pc_csr_free(C);
    pc_csr_free(T);
    return status;
}
