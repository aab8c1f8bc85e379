/*
 * heavy.c — approximate related papers from the terms that weigh most in
 * each paper (heavy.h).
 *
 * The cut rows' inverted index (their transpose) is walked from each paper's
 * cut terms, adding the cut products of the rows met into a sum per row (the
 * rows reaching a floor listed after); the best `candidates` of them
 * go through the pair scorer of the exact stage (neighbors_internal.h).
 * Papers are taken BATCH at a time.  Several processes with the whole matrix
 * each take every size-th batch and exchange the lists
 * (pc_neighbors_exchange); by ranges (heavy_ranges), each finds its own
 * papers' candidates from the whole's cut rows, keeps them, and scores them
 * as the rows come by in chunks.
 */
#include "paperclust/heavy.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "neighbors_internal.h"
#include "progress_internal.h"
#include "share_internal.h"

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
    int32_t *met_id;  /* rows met (rows_reaching), n + 1 */
    float *met_sum;   /* their sums */
    int32_t *cand_id; /* candidates */
    float *cand_sim;
    float *exact;     /* candidates */
    int32_t *best_id; /* top */
    float *best_sim;
    float *scratch;   /* the pair scorer's */
    float floor;      /* shortlist_of's: a share of the last paper's worst candidate */
} shortlist;

static void shortlist_free(shortlist *s)
{
    free(s->sum);
    free(s->met_id);
    free(s->met_sum);
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
    s->met_id = pc_large_array((size_t)n + 1, sizeof *s->met_id);
    s->met_sum = pc_large_array((size_t)n + 1, sizeof *s->met_sum);
    s->cand_id = pc_malloc_array((size_t)candidates, sizeof *s->cand_id);
    s->cand_sim = pc_malloc_array((size_t)candidates, sizeof *s->cand_sim);
    s->exact = pc_malloc_array((size_t)candidates, sizeof *s->exact);
    s->best_id = pc_malloc_array((size_t)top, sizeof *s->best_id);
    s->best_sim = pc_malloc_array((size_t)top, sizeof *s->best_sim);
    s->scratch = pc_calloc(scratch, sizeof *s->scratch);
    if (!s->sum || !s->met_id || !s->met_sum || !s->cand_id || !s->cand_sim || !s->exact ||
        !s->best_id || !s->best_sim || !s->scratch)
        return -1;
    memset(s->sum, 0, (size_t)n * sizeof *s->sum);
    return 0;
}

/* 1 when (sa, ia) ranks above (sb, ib): higher, or equal and a lower index. */
static int better(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa > sb || (sa == sb && ia < ib);
}

/* The floor of a paper's candidates, as a share of the last paper's worst (shortlist_of):
 * lower lists more rows, higher more often lists them all (measured on 300k papers at
 * mass 0.5, 100 candidates: 0.7 lists 1,040 rows a paper, and all of them for 3 % of
 * papers). */
#define FLOOR_SHARE 0.7f

/* Adds paper i's cut products into s->sum: each row met gains its product with i. */
static void add_cut_products(const pc_csr *C, const pc_csr *T, int32_t i, float *restrict sum,
                             int64_t *work)
{
    const int32_t *restrict row = T->col;
    const float *restrict weight = T->val;
    for (int64_t p = C->row_ptr[i]; p < C->row_ptr[i + 1]; p++) {
        const int32_t t = C->col[p];
        const float w = C->val[p];
        *work += T->row_ptr[t + 1] - T->row_ptr[t];
        for (int64_t q = T->row_ptr[t]; q < T->row_ptr[t + 1]; q++)
            sum[row[q]] += w * weight[q];
    }
}

/* The rows met by paper i's cut terms whose sum reaches `floor`, but i, into s->met_id
 * (ids) and s->met_sum, once each; every row met cleared.  Returns how many. */
static int32_t rows_reaching(const pc_csr *C, const pc_csr *T, int32_t i, float floor,
                             shortlist *s)
{
    const int32_t *restrict row = T->col;
    float *restrict sum = s->sum;
    int32_t m = 0;
    for (int64_t p = C->row_ptr[i]; p < C->row_ptr[i + 1]; p++) {
        const int32_t t = C->col[p];
        for (int64_t q = T->row_ptr[t]; q < T->row_ptr[t + 1]; q++) {
            const int32_t j = row[q];
            const float v = sum[j];
            sum[j] = 0.0f;
            if (v >= floor && v > 0.0f && j != i) { /* rare: a branch, not a dependence */
                s->met_id[m] = j;
                s->met_sum[m++] = v;
            }
        }
    }
    return m;
}

/*
 * Paper i's candidates: the rows sharing a cut term with it, by their cut
 * product, the best `candidates` of them into s->cand_id (as many as it
 * returns, in no order).  *work gains the cut products added.
 *
 * Only the rows whose sum reaches a floor (a share of the last paper's
 * worst candidate) are listed: most rows met are not, so listing them costs
 * a rarely taken branch instead of a store that waits for every sum.  When
 * fewer than `candidates` reach it, the sums are added again and every row
 * met is listed.  So the floor only decides how much is read, never what is
 * kept: the best of every row met, ties to the lower index.
 */
static int32_t shortlist_of(const pc_csr *C, const pc_csr *T, int32_t i, int32_t candidates,
                            shortlist *s, int64_t *work)
{
    add_cut_products(C, T, i, s->sum, work);
    int32_t m = rows_reaching(C, T, i, s->floor, s);
    if (m < candidates && s->floor > 0.0f) {
        int64_t again = 0; /* not counted: the floor, and so this, depends on the thread */
        add_cut_products(C, T, i, s->sum, &again);
        m = rows_reaching(C, T, i, 0.0f, s);
    }
    pc_heap h = {0, candidates, s->cand_id, s->cand_sim};
    for (int32_t r = 0; r < m; r++) {
        const int32_t j = s->met_id[r];
        const float v = s->met_sum[r];
        if (h.size < h.cap || better(v, j, h.sim[0], h.id[0])) /* the worst on top */
            pc_heap_push(&h, v, j);
    }
    s->floor = h.size == h.cap ? FLOOR_SHARE * h.sim[0] : 0.0f;
    return h.size;
}

/*
 * List l of `lists` with the m candidates in s->cand_id taken in: each
 * scored exactly against paper `paper` of `own` (spread into s->scratch,
 * cleared after) by the pair scorer of `rows` (the candidates' rows there;
 * base + the row the paper), and the best top of the list and them kept,
 * ties to the lower id, whatever the order they come in.
 */
static void score_candidates(const pc_pair_scorer *own, int32_t paper,
                             const pc_pair_scorer *rows, int32_t m, int32_t base,
                             pc_neighbors *lists, int32_t l, shortlist *s)
{
    pc_pair_spread(own, paper, s->scratch, 0);
    pc_pair_sums(rows, s->scratch, s->cand_id, m, s->exact);
    pc_pair_spread(own, paper, s->scratch, 1);
    const int32_t top = lists->top;
    int32_t *id = lists->id + (size_t)l * (size_t)top;
    float *sim = lists->similarity + (size_t)l * (size_t)top;
    pc_heap best = {0, top, s->best_id, s->best_sim};
    for (int32_t r = 0; r < top && id[r] >= 0; r++)
        pc_heap_push(&best, sim[r], id[r]);
    for (int32_t r = 0; r < m; r++)
        if (s->exact[r] > 0.0f)
            pc_heap_push(&best, s->exact[r], base + s->cand_id[r]);
    pc_heap_drain(&best, id, sim);
}

enum {
    BATCH = 256,  /* papers a step */
    CHUNK = 65536 /* by ranges: the rows sent to every process at once (nopt->chunk 0) */
};

/* 1 when this process takes the batch starting at paper i0. */
static int batch_is_mine(const pc_comm *comm, int32_t i0)
{
    return !comm || (i0 / BATCH) % comm->size == comm->rank;
}

/* What a process keeps of its papers' candidates by ranges: their ids (ascending), K a
 * paper, count[l] of them for paper first + l, the next to score at at[l]. */
typedef struct kept_candidates {
    int32_t K;
    int32_t *id, *count, *at;
} kept_candidates;

/* What the passes over the papers read and write. */
typedef struct terms_pass {
    const pc_csr *X;          /* one process: the rows (by ranges: NULL) */
    const pc_csr *C, *T;      /* the whole's cut rows and their postings */
    const pc_pair_scorer *sc; /* one process: X's */
    int32_t candidates, first; /* first: this process's first paper (by ranges) */
    pc_neighbors *out;        /* one process: every paper's list */
    kept_candidates *kc;      /* by ranges: this process's papers' candidates */
} terms_pass;

/*
 * Paper i's list: its candidates (shortlist_of) scored exactly, the best
 * top of them into tp->out.  Returns the multiply-adds: the cut products
 * added, and a candidate's non-zeros for each pair scored.
 */
static int64_t one_paper(const terms_pass *tp, int32_t i, shortlist *s)
{
    const pc_csr *X = tp->X;
    int64_t work = 0;
    const int32_t m = shortlist_of(tp->C, tp->T, i, tp->candidates, s, &work);
    score_candidates(tp->sc, i, tp->sc, m, 0, tp->out, i, s);
    for (int32_t r = 0; r < m; r++)
        work += X->row_ptr[s->cand_id[r] + 1] - X->row_ptr[s->cand_id[r]];
    return work;
}

/* By ranges, this process's paper first + l: its candidates kept in tp->kc, by id.
 * Returns the cut products added. */
static int64_t keep_candidates(const terms_pass *tp, int32_t l, shortlist *s)
{
    kept_candidates *kc = tp->kc;
    int32_t *ids = kc->id + (size_t)l * (size_t)kc->K;
    int64_t work = 0;
    kc->count[l] = shortlist_of(tp->C, tp->T, tp->first + l, kc->K, s, &work);
    memcpy(ids, s->cand_id, (size_t)kc->count[l] * sizeof *ids);
    qsort(ids, (size_t)kc->count[l], sizeof *ids, pc_compare_int32);
    kc->at[l] = 0;
    return work;
}

typedef int64_t (*paper_step)(const terms_pass *tp, int32_t paper, shortlist *s);

/* step for papers 0 .. papers - 1, BATCH at a time, with progress (with `batches`,
 * only this process's batches: batch_is_mine); *work gains the steps' returns.  0, or
 * 1 when cancelled. */
static int each_paper(const terms_pass *tp, paper_step step, int32_t papers,
                      const pc_comm *batches, int threads, shortlist *s, const pc_monitor *mon,
                      int64_t *work)
{
    double mine = 0.0;
    for (int32_t i0 = 0; i0 < papers; i0 += BATCH)
        mine += batch_is_mine(batches, i0) ? (double)(i0 + BATCH < papers ? BATCH : papers - i0)
                                           : 0.0;
    pc_progress progress;
    pc_progress_start(&progress, mon, "related (heaviest terms)", mine);
    double done = 0.0;
    volatile int stop = 0;
    int64_t added = 0;
#pragma omp parallel num_threads(threads) reduction(+ : added)
    {
        const int tid = pc_thread_id();
#pragma omp for schedule(dynamic, 1)
        for (int32_t i0 = 0; i0 < papers; i0 += BATCH) {
            if (stop || !batch_is_mine(batches, i0))
                continue;
            const int32_t i1 = i0 + BATCH < papers ? i0 + BATCH : papers;
            for (int32_t i = i0; i < i1; i++)
                added += step(tp, i, &s[tid]);
            pc_progress_parallel(&progress, &done, i1 - i0, tid, &stop);
        }
    }
    if (stop)
        return 1;
    pc_progress_finish(&progress);
    *work += added;
    return 0;
}

/* This process's cut rows (X: its range, from row first of n), gathered whole on every
 * process.  status: this process's so far (a failure reaches the others instead). */
static pc_status gather_cut(const pc_csr *X, float mass, int threads, int32_t first, int32_t n,
                            const pc_comm *comm, pc_status status, const pc_monitor *mon,
                            pc_csr **C, pc_error *err)
{
    pc_csr *mine = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (status == PC_OK)
        status = cut_rows(X, mass, threads, mon, &mine, err);
    for (int32_t i = 0; status == PC_OK && i < X->n_rows; i++)
        if (pc_rows_put(&buf, &len, &cap, first + i, mine, i) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    pc_csr_free(mine);
    return pc_rows_allgather(comm, status, buf, len, 0, n, X->n_cols, 0, C, err);
}

/* What scoring this process's candidates chunk by chunk reads and writes. */
typedef struct chunk_scoring {
    const pc_pair_scorer *own; /* spreads this process's rows */
    int32_t rows;
    int threads;
    shortlist *s;
    kept_candidates *kc;
    pc_neighbors *mine;        /* this process's lists */
    int64_t *work;             /* gains a candidate's non-zeros for each pair */
} chunk_scoring;

/* Scores this process's candidates among rows a .. a + R->n_rows - 1 (R, split by
 * chunk) into its lists (pc_chunk_fn: 0). */
static int score_chunk(void *ctx, const pc_csr *R, const pc_pair_scorer *chunk, int32_t a)
{
    const chunk_scoring *cs = ctx;
    kept_candidates *kc = cs->kc;
    const int32_t b = a + R->n_rows;
    int64_t added = 0;
#pragma omp parallel num_threads(cs->threads) reduction(+ : added)
    {
        shortlist *t = &cs->s[pc_thread_id()];
#pragma omp for schedule(dynamic, BATCH)
        for (int32_t l = 0; l < cs->rows; l++) {
            const int32_t *ids = kc->id + (size_t)l * (size_t)kc->K;
            const int32_t from = kc->at[l];
            int32_t m = 0;
            while (from + m < kc->count[l] && ids[from + m] < b) {
                const int32_t j = ids[from + m] - a;
                t->cand_id[m++] = j; /* the chunk's row */
                added += R->row_ptr[j + 1] - R->row_ptr[j];
            }
            if (m == 0)
                continue;
            score_candidates(cs->own, l, chunk, m, a, cs->mine, l, t);
            kc->at[l] = from + m;
        }
    }
    *cs->work += added;
    return 0;
}

/*
 * pc_neighbors_heavy by ranges (X: this process's range of the rows).  Every
 * process cuts its rows and the cuts are gathered whole, so each finds its
 * own papers' candidates as one process would.  Then every process's rows
 * come by in chunks of nopt->chunk (0: CHUNK), gathered on every process,
 * each scoring its candidates in the chunk by the one process's pair sums
 * (the head terms from the whole's document frequencies) and merging them
 * into its papers' lists.  Each range's lists are then gathered
 * (pc_neighbors_gather).
 */
static pc_status heavy_ranges(const pc_csr *X, float mass, int32_t candidates,
                              const pc_neighbors_options *nopt, int threads, shortlist *s,
                              pc_status status, const pc_monitor *mon, pc_neighbors **out,
                              pc_error *err)
{
    const pc_comm *comm = nopt->comm;
    const int32_t rows = X->n_rows;
    int32_t n = 0, first = 0;
    int64_t *df = NULL, sum_df2 = 0, work = 0;
    pc_csr *C = NULL, *T = NULL;
    pc_pair_scorer *own = NULL;
    pc_neighbors *mine = NULL;
    kept_candidates kc = {candidates, pc_malloc_array((size_t)rows * (size_t)candidates + 1,
                                                      sizeof *kc.id),
                          pc_malloc_array((size_t)rows + 1, sizeof *kc.count),
                          pc_malloc_array((size_t)rows + 1, sizeof *kc.at)};
    status = comm->check(comm, status, err); /* then every process fails or none */
    if (status == PC_OK)
        status = pc_share_shape(X, comm, &n, &first, &df, err);
    if (status == PC_OK && (!kc.id || !kc.count || !kc.at))
        status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK)
        status = pc_neighbors_empty(rows, nopt->top, &mine, err);
    status = gather_cut(X, mass, threads, first, n, comm, status, mon, &C, err);
    if (status == PC_OK)
        status = pc_csr_transpose(C, &T, err);
    if (status == PC_OK)
        status = pc_pair_scorer_new(X, df, n, nopt->head_terms, &own, &sum_df2, err);
    const size_t scratch = own ? pc_pair_scorer_scratch(own) : 0;
    for (int t = 0; status == PC_OK && t < threads; t++)
        if (shortlist_alloc(&s[t], n, candidates, nopt->top, scratch) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    const terms_pass tp = {.C = C, .T = T, .candidates = candidates, .first = first, .kc = &kc};
    if (status == PC_OK && each_paper(&tp, keep_candidates, rows, NULL, threads, s, mon, &work))
        status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
    pc_csr_free(C);
    pc_csr_free(T);
    chunk_scoring cs = {own, rows, threads, s, &kc, mine, &work};
    status = pc_pair_chunks(X, n, df, nopt->head_terms, nopt->chunk > 0 ? nopt->chunk : CHUNK,
                            comm, status, mon, "related (scoring the candidates)", score_chunk,
                            &cs, err);
    status = pc_neighbors_gather(mine, work, n, comm, status, out, err);
    if (status == PC_OK)
        (*out)->work_all = sum_df2;
    pc_neighbors_free(mine);
    pc_pair_scorer_free(own);
    free(df);
    free(kc.id);
    free(kc.count);
    free(kc.at);
    return status;
}

/*
 * pc_neighbors_heavy with X whole: every paper's list, or with nopt->comm
 * (several processes, each with X whole) every size-th batch of papers on
 * each, the lists exchanged.
 */
static pc_status heavy_whole(const pc_csr *X, float mass, int32_t candidates,
                             const pc_neighbors_options *nopt, int threads, shortlist *s,
                             pc_status status, const pc_monitor *mon, pc_neighbors **out,
                             pc_error *err)
{
    const int32_t n = X->n_rows;
    pc_csr *C = NULL, *T = NULL;
    pc_pair_scorer *sc = NULL;
    int64_t sum_df2 = 0;
    if (status == PC_OK)
        status = cut_rows(X, mass, threads, mon, &C, err);
    if (status == PC_OK)
        status = pc_csr_transpose(C, &T, err);
    if (status == PC_OK)
        status = pc_pair_scorer_new(X, NULL, 0, nopt->head_terms, &sc, &sum_df2, err);
    if (status == PC_OK)
        status = pc_neighbors_empty(n, nopt->top, out, err);
    const size_t scratch = sc ? pc_pair_scorer_scratch(sc) : 0;
    for (int t = 0; status == PC_OK && t < threads; t++)
        if (shortlist_alloc(&s[t], n, candidates, nopt->top, scratch) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK) {
        const terms_pass tp = {X, C, T, sc, candidates, 0, *out, NULL};
        if (each_paper(&tp, one_paper, n, nopt->comm, threads, s, mon, &(*out)->work) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
    }
    if (nopt->comm) /* a process that failed still takes part, so that all hear */
        status = pc_neighbors_exchange(nopt->comm, status, *out, err);
    if (status == PC_OK)
        (*out)->work_all = sum_df2;
    pc_pair_scorer_free(sc);
    pc_csr_free(C);
    pc_csr_free(T);
    return status;
}

pc_status pc_neighbors_heavy(const pc_csr *X, const pc_heavy_options *hopt,
                             const pc_neighbors_options *nopt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (nopt->top < 1 || !(hopt->mass > 0.0f && hopt->mass <= 1.0f) || hopt->candidates < 1 ||
        nopt->dense)
        return pc_fail(err, PC_ERR_INVALID, "related papers by heaviest terms: bad options "
                                            "(top %d, mass %g, candidates %d, dense rows %s)",
                       (int)nopt->top, (double)hopt->mass, (int)hopt->candidates,
                       nopt->dense ? "yes" : "no");
    const int threads = pc_thread_count(nopt->threads);
    const int32_t candidates = hopt->candidates > nopt->top ? hopt->candidates : nopt->top;
    const int ranges = nopt->comm && nopt->ranges && nopt->comm->size > 1; /* else X whole */
    shortlist *s = pc_calloc((size_t)threads, sizeof *s);
    pc_status status = s ? PC_OK : pc_fail_nomem(err, "finding related papers");
    /* a process short of memory still takes part, so that all hear of it */
    status = (ranges ? heavy_ranges : heavy_whole)(X, hopt->mass, candidates, nopt, threads, s,
                                                   status, mon, out, err);
    if (status == PC_OK) {
        (*out)->candidates = candidates;
        (*out)->mass = hopt->mass;
    } else {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    for (int t = 0; s && t < threads; t++)
        shortlist_free(&s[t]);
    free(s);
    return status;
}
