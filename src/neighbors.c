/*
 * neighbors.c — exact top-N cosine neighbours of every document.
 *
 * Documents are taken in the caller's order (by cluster), 64 at a time: a
 * lane block.  A block is compared with every document up to its own end,
 * so each pair of documents is met once, by the later one's block, and both
 * lists learn of it: the lane's own heap, and the earlier document's heap of
 * later ones (shared by the threads, under striped locks), merged at the
 * end.  That halves the work of the sparse product X·Xᵀ, Σ_t df_t²
 * multiply-adds, which is quadratic in the corpus.
 *
 * The terms are split by document frequency.  The head — the most common
 * terms, found in at least 1/64 of the documents (at most 2048 of them) —
 * holds nearly all of Σ df² (98 % on 75k arXiv abstracts: 1,328 terms,
 * 70 % of the non-zeros).  For those terms the block's weights form a dense
 * table, one 64-float row per term, lane b holding document b's weight; a
 * document's head terms then give its sums with all 64 lanes at once, four
 * 16-wide vector multiply-adds per non-zero (pc_rows_times_lanes, linalg.c),
 * most of them by zero but none of them scattered: n · nnz_head · 64 / 2
 * lane operations in all, in registers (Σ df² counts only the non-zero
 * products, but scattered ones cost several times more each).  The tail —
 * the rare terms, of which each lane holds few — goes through the inverted
 * index: each lane adds its tail terms' postings into a tile of DOC_BLOCK
 * documents × 64 lanes, which stays in L2 cache, Σ_tail df² / 2 scalar
 * multiply-adds.
 *
 * A pair's sum is formed in an order that depends only on the pair: its
 * shared tail terms by term id (the lane's row order, which is by id), then
 * its shared head terms by rank; multiplication commutes, and adding the
 * zero of a term the lane lacks changes nothing.  So the similarity of two
 * documents is the same bits whichever of them is the lane, whatever the
 * order, blocking or thread; ties are broken by the lower document index,
 * and the result is the top-N of a fixed set under a total order.
 *
 * pc_neighbors_query runs the same lane blocks with other documents in the
 * lanes (new papers, split into head and tail by the corpus's head terms)
 * against every row of the corpus, without the lists of later documents: a
 * pass (struct pass) names the lanes and the rows.  The sum of a pair is
 * formed in the same order, so a new paper equal to a corpus paper gets that
 * paper's similarities bit for bit.
 *
 * Dense rows (pc_neighbors_dense: LSA coordinates) blend into the same
 * tiles: after the sparse kernels have filled a tile of DOC_BLOCK rows × 64
 * lanes, one product adds (1 − α)·Z_rows·Z_lanesᵀ to α times it (the tile is
 * row-major rows × lanes, which is what C = A·Bᵀ with A the rows' dense
 * vectors gives), 2·rows·lanes·dims flops in a register-blocked kernel of
 * our own (pc_gemm_nt_blend, linalg.c: the serial OpenBLAS's sgemm is not
 * safe from several threads at once), and the tile then meets the heaps as
 * before.  With α = 0 the sparse kernels are skipped.  Each pair's dense
 * sum is one sum over the dimensions in order, whatever the tile, so the
 * lists do not depend on the thread count.
 */
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "internal.h"
#include "linalg_internal.h"
#include "neighbors_internal.h"
#include "paperclust/neighbors.h"
#include "progress_internal.h"
#include "share_internal.h"

#define LANES PC_LANES
#ifndef DOC_BLOCK
#define DOC_BLOCK 4096 /* documents per tile: 4096 × 64 floats = 1 MiB, in L2 */
#endif
#define HEAD_MAX 2048         /* the automatic head: its table is 2048 × 64 floats = 512 KiB */
#define HEAD_DF_DIVISOR 64    /* the automatic head: terms in at least n / 64 documents */
#define HEAD_LIMIT 65535      /* ranks are stored in 16 bits */

void pc_neighbors_options_default(pc_neighbors_options *opt)
{
    opt->top = 10;
    opt->threads = 0;
    opt->head_terms = -1;
    opt->order = NULL;
    opt->dense = NULL;
    opt->comm = NULL;
    opt->ranges = 0;
    opt->chunk = 0;
}

typedef pc_heap heap;

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

void pc_heap_push(heap *h, float sim, int32_t id)
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

/* The similarity a candidate must reach to enter a heap: its worst once full, else 0. */
float pc_heap_floor(const heap *h)
{
    return h->size == h->cap ? h->sim[0] : 0.0f;
}

/* Empties the heap into out_id/out_sim, best first, padding with -1 / 0. */
void pc_heap_drain(heap *h, int32_t *out_id, float *out_sim)
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
 * The documents by position (the caller's order), their terms split into
 * head and tail, and the inverted index of the tail; read-only while the
 * blocks run.
 */
typedef struct related_index {
    int32_t n, n_terms, head;
    int32_t *doc;        /* position → document */
    int64_t *head_ptr;   /* per position: its head terms, by rank ... */
    uint16_t *head_rank;
    float *head_val;
    pc_csr *tail;        /* ... and its tail terms, by term id (rows = positions) */
    pc_csr *postings;    /* tailᵀ: per term, the positions holding it, ascending */
    int64_t max_tail;    /* the most tail terms of one document */
    int32_t *id;         /* NULL: position i's document is doc[i]; else (ranges) id[i] */
    int32_t *gpos;       /* NULL: the positions are all of them; else (ranges) some, their
                            places in the whole order, ascending */
} related_index;

/* The document at position i, as the lists name it. */
static int32_t doc_id(const related_index *ri, int32_t i)
{
    return ri->id ? ri->id[i] : ri->doc[i];
}

/* How many of ri's positions come before place g of the whole order. */
static int32_t rows_before(const related_index *ri, int64_t g)
{
    if (!ri->gpos)
        return (int32_t)(g < ri->n ? g : ri->n);
    int32_t lo = 0, hi = ri->n;
    while (lo < hi) {
        const int32_t mid = lo + (hi - lo) / 2;
        if (ri->gpos[mid] < g)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void related_index_free(related_index *ri)
{
    free(ri->doc);
    free(ri->head_ptr);
    free(ri->head_rank);
    free(ri->head_val);
    pc_csr_free(ri->tail);
    pc_csr_free(ri->postings);
    free(ri->id);
    free(ri->gpos);
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

/*
 * rank[t]: term t's place in descending df order (ties: lower id first) for
 * the head terms, else -1, given every term's document frequency df[t] (V
 * terms) in n_docs documents; returns the head size and Σ df² in *sum_df2.
 */
static int32_t rank_head(const int64_t *df, int32_t V, int32_t n_docs, int32_t head_terms,
                         int32_t *rank, int64_t *sum_df2, int *nomem)
{
    term_df *order = pc_malloc_array((size_t)V + 1, sizeof *order);
    if (!order) {
        *nomem = 1;
        return 0;
    }
    *sum_df2 = 0;
    for (int32_t t = 0; t < V; t++) {
        order[t] = (term_df){df[t], t};
        *sum_df2 += df[t] * df[t];
    }
    qsort(order, (size_t)V, sizeof *order, compare_df_descending);
    int32_t head = 0;
    if (head_terms >= 0) {
        head = head_terms < V ? head_terms : V;
        head = head < HEAD_LIMIT ? head : HEAD_LIMIT;
    } else {
        const int64_t min_df = ((int64_t)n_docs + HEAD_DF_DIVISOR - 1) / HEAD_DF_DIVISOR;
        while (head < V && head < HEAD_MAX && order[head].df >= min_df && order[head].df > 0)
            head++;
    }
    for (int32_t t = 0; t < V; t++)
        rank[t] = -1;
    for (int32_t r = 0; r < head; r++)
        rank[order[r].term] = r;
    free(order);
    return head;
}

/* Each term's document frequency in X (a new array of X->n_cols), NULL when out of memory. */
static int64_t *column_counts(const pc_csr *X)
{
    int64_t *df = pc_calloc((size_t)X->n_cols + 1, sizeof *df);
    for (int64_t p = 0; df && p < X->nnz; p++)
        df[X->col[p]]++;
    return df;
}

typedef struct ranked {
    int32_t rank;
    float weight;
} ranked;

static int compare_rank(const void *a, const void *b)
{
    int32_t x = ((const ranked *)a)->rank, y = ((const ranked *)b)->rank;
    return (x > y) - (x < y);
}

#define INDEX_STEP 65536 /* rows between two progress reports while an index is built */

/* How many head terms each position's document has (head_ptr), and max_tail;
 * progress counts the rows. */
static int64_t count_rows(const pc_csr *X, const int32_t *rank, related_index *ri,
                          pc_progress *progress)
{
    int64_t max_head = 0;
    for (int32_t i = 0; i < ri->n; i++) {
        if (i % INDEX_STEP == 0)
            pc_progress_update(progress, i);
        const int32_t d = ri->doc[i];
        int64_t h = 0;
        for (int64_t p = X->row_ptr[d]; p < X->row_ptr[d + 1]; p++)
            h += rank[X->col[p]] >= 0;
        const int64_t tail = X->row_ptr[d + 1] - X->row_ptr[d] - h;
        max_head = h > max_head ? h : max_head;
        ri->max_tail = tail > ri->max_tail ? tail : ri->max_tail;
        ri->head_ptr[i + 1] = ri->head_ptr[i] + h;
    }
    return max_head;
}

/* Each position's document row split: head terms sorted by rank, tail terms by id;
 * progress counts the rows after count_rows'. */
static int split_rows(const pc_csr *X, const int32_t *rank, int64_t max_head, related_index *ri,
                      pc_progress *progress)
{
    ranked *row = pc_malloc_array((size_t)max_head + 1, sizeof *row);
    if (!row)
        return -1;
    for (int32_t i = 0; i < ri->n; i++) {
        if (i % INDEX_STEP == 0)
            pc_progress_update(progress, (double)ri->n + i);
        const int32_t d = ri->doc[i];
        pc_csr *tail = ri->tail;
        int64_t h = 0, t = tail->row_ptr[i];
        for (int64_t p = X->row_ptr[d]; p < X->row_ptr[d + 1]; p++) {
            if (rank[X->col[p]] >= 0) {
                row[h++] = (ranked){rank[X->col[p]], X->val[p]};
            } else {
                tail->col[t] = X->col[p];
                tail->val[t++] = X->val[p];
            }
        }
        tail->row_ptr[i + 1] = t;
        qsort(row, (size_t)h, sizeof *row, compare_rank);
        for (int64_t q = 0; q < h; q++) {
            ri->head_rank[ri->head_ptr[i] + q] = (uint16_t)row[q].rank;
            ri->head_val[ri->head_ptr[i] + q] = row[q].weight;
        }
    }
    free(row);
    return 0;
}

/*
 * rank and head (see rank_head) from the document frequencies df (V terms,
 * n_docs documents): a new array of V ranks the caller frees, or NULL when
 * out of memory.
 */
static int32_t *head_ranks_of(const int64_t *df, int32_t V, int32_t n_docs, int32_t head_terms,
                              int32_t *head, int64_t *sum_df2)
{
    int32_t *rank = pc_malloc_array((size_t)V + 1, sizeof *rank);
    int nomem = !rank;
    if (!nomem)
        *head = rank_head(df, V, n_docs, head_terms, rank, sum_df2, &nomem);
    if (nomem) {
        free(rank);
        return NULL;
    }
    return rank;
}

/* head_ranks_of the rows of X. */
static int32_t *head_ranks(const pc_csr *X, int32_t head_terms, int32_t *head, int64_t *sum_df2)
{
    int64_t *df = column_counts(X);
    int32_t *rank = df ? head_ranks_of(df, X->n_cols, X->n_rows, head_terms, head, sum_df2)
                       : NULL;
    free(df);
    return rank;
}

/*
 * The rows of M (in `order`, NULL: as they are) split by the ranks of
 * another matrix's head terms; with `postings`, also the inverted index of
 * their tail terms.  Progress to mon (NULL: none) as "related (index)",
 * the transpose counted as a third pass over the rows.
 */
static pc_status index_rows(const pc_csr *M, const int32_t *order, const int32_t *rank,
                            int32_t head, int postings, const pc_monitor *mon,
                            related_index *ri, pc_error *err)
{
    memset(ri, 0, sizeof *ri);
    pc_progress progress;
    pc_progress_start(&progress, mon, "related (index)", (2.0 + (postings != 0)) * M->n_rows);
    ri->n = M->n_rows;
    ri->n_terms = M->n_cols;
    ri->head = head;
    ri->doc = pc_malloc_array((size_t)ri->n + 1, sizeof *ri->doc);
    ri->head_ptr = pc_calloc((size_t)ri->n + 1, sizeof *ri->head_ptr);
    int nomem = !ri->doc || !ri->head_ptr;
    int64_t max_head = 0;
    if (!nomem) {
        for (int32_t i = 0; i < ri->n; i++)
            ri->doc[i] = order ? order[i] : i;
        max_head = count_rows(M, rank, ri, &progress);
        const size_t n_head = (size_t)ri->head_ptr[ri->n] + 1;
        ri->head_rank = pc_malloc_array(n_head, sizeof *ri->head_rank);
        ri->head_val = pc_malloc_array(n_head, sizeof *ri->head_val);
        nomem = !ri->head_rank || !ri->head_val;
    }
    pc_status status = PC_OK;
    if (!nomem)
        status = pc_csr_new(ri->n, ri->n_terms, M->nnz - ri->head_ptr[ri->n], &ri->tail, err);
    if (!nomem && status == PC_OK) {
        nomem = split_rows(M, rank, max_head, ri, &progress) != 0;
        pc_progress_update(&progress, 2.0 * ri->n);
        if (!nomem && postings)
            status = pc_csr_transpose(ri->tail, &ri->postings, err);
    }
    if (nomem)
        return pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK)
        pc_progress_finish(&progress);
    return status;
}

static pc_status related_index_build(const pc_csr *X, const pc_neighbors_options *opt,
                                     const pc_monitor *mon, related_index *ri, int64_t *sum_df2,
                                     pc_error *err)
{
    memset(ri, 0, sizeof *ri);
    int32_t head = 0;
    int32_t *rank = head_ranks(X, opt->head_terms, &head, sum_df2);
    if (!rank)
        return pc_fail_nomem(err, "finding related papers");
    pc_status status = index_rows(X, opt->order, rank, head, 1, mon, ri, err);
    free(rank);
    return status;
}


/*
 * Every document's heap of the later documents it was found to be similar
 * to, shared by the threads.  A push takes the lock of the document's
 * stripe; the floor (the heap's worst once full) is read without it,
 * atomically, so a row that offers nothing takes no lock.  Pushes arrive in
 * any order, but a heap ends as the best `top` of all that was offered to
 * it (a candidate below the floor could not have been among them), so the
 * result does not depend on that order.
 */
typedef struct later_lists {
    int32_t *id; /* n × top */
    float *sim;
    int32_t *size;
    _Atomic float *floor;
    pc_stripes *locks;
} later_lists;

static void later_lists_free(later_lists *l)
{
    if (!l)
        return;
    pc_stripes_free(l->locks);
    free(l->id);
    free(l->sim);
    free(l->size);
    free((void *)l->floor);
    free(l);
}

static later_lists *later_lists_new(int32_t n, int32_t top)
{
    later_lists *l = pc_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->id = pc_malloc_array((size_t)n * (size_t)top + 1, sizeof *l->id);
    l->sim = pc_malloc_array((size_t)n * (size_t)top + 1, sizeof *l->sim);
    l->size = pc_calloc((size_t)n + 1, sizeof *l->size);
    l->floor = pc_malloc_array((size_t)n + 1, sizeof *l->floor);
    l->locks = pc_stripes_new();
    if (!l->id || !l->sim || !l->size || !l->floor || !l->locks) {
        later_lists_free(l);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++)
        atomic_init(&l->floor[i], 0.0f);
    return l;
}

/* Offers the sums[b] of the lanes in `hits` (block lo) to position j's list of later documents. */
static void offer_later(later_lists *l, const related_index *ri, int32_t j, int32_t lo,
                        uint64_t hits, const float *sums, int32_t top)
{
    pc_stripes_lock(l->locks, j);
    heap h = {l->size[j], top, l->id + (size_t)j * (size_t)top, l->sim + (size_t)j * (size_t)top};
    for (; hits; hits &= hits - 1) {
        const int b = __builtin_ctzll(hits);
        pc_heap_push(&h, sums[b], doc_id(ri, lo + b));
    }
    l->size[j] = h.size;
    atomic_store_explicit(&l->floor[j], pc_heap_floor(&h), memory_order_relaxed);
    pc_stripes_unlock(l->locks, j);
}

/* One thread's scratch space: the lane block's tables and heaps. */
typedef struct workspace {
    float *table;        /* head × LANES: lane b's head weights in column b */
    float *tile;         /* DOC_BLOCK × LANES partial sums, zero between row blocks */
    float *dense_scratch; /* dense rows only: pc_gemm_nt_blend's packed panels */
    int64_t *cursor;     /* per claim (a lane's tail term, in row order): its next posting, */
    int64_t *claim_end;  /* the end of the term's postings, */
    float *claim_weight; /* and the lane's weight; probing: cursor is the claim's lane and */
    int64_t *term_claim; /* claim_end the previous claim on its term, term_claim[t] the last
                            (-1: none), NULL unless probing */
    int64_t claim_start[LANES + 1];
    heap lane[LANES];
    float lane_floor[LANES];
    int32_t skip[LANES]; /* each lane's own row position (never its neighbour), or -1 */
    later_lists *later;  /* shared by all threads (comparing documents with themselves) */
    int64_t work;
    int64_t dense_work;
} workspace;

static void workspace_free(workspace *w)
{
    free(w->table);
    free(w->tile);
    free(w->dense_scratch);
    free(w->cursor);
    free(w->claim_end);
    free(w->claim_weight);
    free(w->term_claim);
    for (int b = 0; b < LANES; b++) {
        free(w->lane[b].id);
        free(w->lane[b].sim);
    }
}

static int workspace_alloc(workspace *w, const related_index *ri, int32_t top, int probing)
{
    memset(w, 0, sizeof *w);
    if (probing && !(w->term_claim = pc_malloc_array((size_t)ri->n_terms + 1,
                                                     sizeof *w->term_claim)))
        return -1;
    for (int32_t t = 0; probing && t < ri->n_terms; t++)
        w->term_claim[t] = -1;
    const size_t claims = (size_t)LANES * (size_t)ri->max_tail + 1;
    w->table = pc_aligned_array(64, (size_t)ri->head * LANES + LANES, sizeof *w->table);
    w->tile = pc_aligned_array(64, (size_t)DOC_BLOCK * LANES, sizeof *w->tile);
    w->cursor = pc_malloc_array(claims, sizeof *w->cursor);
    w->claim_end = pc_malloc_array(claims, sizeof *w->claim_end);
    w->claim_weight = pc_malloc_array(claims, sizeof *w->claim_weight);
    int ok = w->table && w->tile && w->cursor && w->claim_end && w->claim_weight;
    for (int b = 0; b < LANES; b++) {
        w->lane[b].cap = top;
        w->lane[b].id = pc_malloc_array((size_t)top, sizeof *w->lane[b].id);
        w->lane[b].sim = pc_malloc_array((size_t)top, sizeof *w->lane[b].sim);
        ok = ok && w->lane[b].id && w->lane[b].sim;
    }
    if (ok) {
        memset(w->tile, 0, (size_t)DOC_BLOCK * LANES * sizeof *w->tile);
        memset(w->table, 0, (size_t)ri->head * LANES * sizeof *w->table);
    }
    return ok ? 0 : -1;
}

/*
 * What a run of lane blocks compares: the documents that fill the lanes, 64
 * at a time, and the rows they meet (with the postings of the rows' tail
 * terms).  pc_neighbors_topn compares the documents with themselves (lanes ==
 * rows, each block with the rows up to its end, later lists shared);
 * pc_neighbors_query compares queries (lanes) with every row.
 */
typedef struct pass {
    const related_index *lanes;
    const related_index *rows;
    int self;               /* 1: lanes and rows are the same documents */
    const int32_t *skip;    /* queries only: per query document, the row position it
                               must not list (itself), or -1; NULL: none */
    int sparse;             /* 1: the sparse rows' products enter the score */
    const float *dense_lanes; /* NULL, or the lanes' dense rows by position (lanes->n × dims) */
    const float *dense_rows;  /* ... and the rows' (rows->n × dims) */
    int32_t dims;
    float alpha;            /* the sparse part's weight when blended */
    const int32_t *lane_at; /* NULL: lane i is position i of `lanes`; else its position */
    int32_t row_begin;      /* probing (lane_at): the rows met are row_begin .. row_end-1, */
    int32_t row_end;        /* their tail met from their side; else 0 and 0: every row
                               (queries), every row up to the block's end (self) */
    int keep;               /* 1: each lane's heap starts from its list in `out` */
    int part, parts;        /* this process runs the lane blocks b (b = lo / LANES) with
                               b % parts == part; parts 0 or 1: every block */
    int32_t lane_first;     /* self with lanes other than the rows (ranges): lane i is place
                               lane_first + i of the whole order, and rows->gpos places the
                               rows; else 0 */
} pass;

/* The position of lane lo + b. */
static int32_t lane_position(const pass *ps, int32_t lane)
{
    return ps->lane_at ? ps->lane_at[lane] : lane;
}

/*
 * The rows lane block lo .. lo+nl-1 meets (before probing's row_end): every
 * row up to the block's end (self), or every row.
 */
static int32_t block_rows(const pass *ps, int32_t lo, int32_t nl)
{
    return ps->self ? rows_before(ps->rows, (int64_t)ps->lane_first + lo + nl) : ps->rows->n;
}

/* 1 when this process runs the lane block starting at position lo. */
static int block_is_mine(const pass *ps, int32_t lo)
{
    return ps->parts <= 1 || (lo / LANES) % ps->parts == ps->part;
}

/*
 * Loads the lane block lo .. lo+nl-1: the head table (zero outside the
 * lanes' terms: unload_lanes clears what this wrote), and each lane's
 * claims on its tail terms, their cursors at the terms' first postings
 * (probing: chained by term instead, for the rows to find); with ps->keep,
 * each heap starts from the lane's list in `out`.
 */
static void load_lanes(const pass *ps, int32_t lo, int32_t nl, workspace *w,
                       const pc_neighbors *out)
{
    const related_index *ri = ps->lanes;
    const pc_csr *postings = ps->rows->postings;
    int64_t c = 0;
    for (int32_t b = 0; b < nl; b++) {
        const int32_t i = lane_position(ps, lo + b);
        for (int64_t p = ri->head_ptr[i]; p < ri->head_ptr[i + 1]; p++)
            w->table[(size_t)ri->head_rank[p] * LANES + (size_t)b] = ri->head_val[p];
        w->claim_start[b] = c;
        for (int64_t p = ri->tail->row_ptr[i]; p < ri->tail->row_ptr[i + 1]; p++, c++) {
            const int32_t t = ri->tail->col[p];
            w->claim_weight[c] = ri->tail->val[p];
            if (ps->lane_at) {
                w->cursor[c] = b;
                w->claim_end[c] = w->term_claim[t];
                w->term_claim[t] = c;
            } else {
                w->cursor[c] = postings->row_ptr[t];
                w->claim_end[c] = postings->row_ptr[t + 1];
            }
        }
    }
    for (int32_t b = nl; b <= LANES; b++)
        w->claim_start[b] = c;
    for (int b = 0; b < LANES; b++) {
        w->lane[b].size = 0;
        w->lane_floor[b] = 0.0f;
        w->skip[b] = -1;
        if (b >= nl)
            continue;
        const int32_t i = lane_position(ps, lo + b);
        if (ps->lanes == ps->rows)
            w->skip[b] = i; /* a document is not its own neighbour */
        else if (ps->skip)
            w->skip[b] = ps->skip[ri->doc[i]];
        const size_t row = (size_t)ri->doc[i] * (size_t)out->top;
        for (int32_t r = 0; ps->keep && r < out->top && out->id[row + r] >= 0; r++)
            pc_heap_push(&w->lane[b], out->similarity[row + r], out->id[row + r]);
        w->lane_floor[b] = pc_heap_floor(&w->lane[b]);
    }
}

/* Clears the head table's cells (and the chains by term) load_lanes set for lanes lo .. lo+nl-1. */
static void unload_lanes(const pass *ps, int32_t lo, int32_t nl, workspace *w)
{
    const related_index *ri = ps->lanes;
    for (int32_t b = 0; b < nl; b++) {
        const int32_t i = lane_position(ps, lo + b);
        for (int64_t p = ri->head_ptr[i]; p < ri->head_ptr[i + 1]; p++)
            w->table[(size_t)ri->head_rank[p] * LANES + (size_t)b] = 0.0f;
        for (int64_t p = ri->tail->row_ptr[i]; ps->lane_at && p < ri->tail->row_ptr[i + 1]; p++)
            w->term_claim[ri->tail->col[p]] = -1;
    }
}

/*
 * The tail part of the block's sums with rows j0 .. j1-1, into the tile:
 * each lane adds the postings of its terms there (they follow the previous
 * row block's) into its column.
 */
static void add_tail(const related_index *rows, int32_t nl, int32_t j0, int32_t j1, workspace *w)
{
    const int32_t *restrict pos = rows->postings->col;
    const float *restrict val = rows->postings->val;
    float *restrict tile = w->tile;
    for (int32_t b = 0; b < nl; b++) {
        const ptrdiff_t lane = b - (ptrdiff_t)j0 * LANES; /* row j's cell: j·LANES + lane */
        for (int64_t c = w->claim_start[b]; c < w->claim_start[b + 1]; c++) {
            const int64_t start = w->cursor[c], end = w->claim_end[c];
            const float weight = w->claim_weight[c];
            int64_t s = start;
            for (; s < end && pos[s] < j1; s++) /* Σ_tail df² / 2 in all */
                tile[(ptrdiff_t)pos[s] * LANES + lane] += weight * val[s];
            w->cursor[c] = s;
            w->work += s - start;
        }
    }
}

/*
 * The same tail part, met from the rows' side (probing: few rows, so a
 * search of every lane's postings for them would cost more than the sums):
 * each row's tail terms, by id, add into the cells of the lanes that claim
 * them.  A cell still adds its pair's shared tail terms by term id, lane
 * weight times row weight, so the sums are those add_tail forms.
 */
static void add_tail_by_rows(const related_index *rows, int32_t j0, int32_t j1, workspace *w)
{
    const pc_csr *tail = rows->tail;
    for (int32_t j = j0; j < j1; j++) {
        float *restrict cell = w->tile + (size_t)(j - j0) * LANES;
        for (int64_t p = tail->row_ptr[j]; p < tail->row_ptr[j + 1]; p++)
            for (int64_t c = w->term_claim[tail->col[p]]; c >= 0; c = w->claim_end[c]) {
                cell[w->cursor[c]] += w->claim_weight[c] * tail->val[p];
                w->work++;
            }
    }
}

/*
 * Bit b set when sums[b] > 0 and sums[b] >= max(floor[b], least): the lanes
 * that may enter a heap.  Most rows have none, so this is the filter every
 * row passes through.
 */
static uint64_t lanes_reaching(const float *restrict sums, const float *restrict floor,
                               float least)
{
    uint64_t hits = 0;
#if defined(__AVX512F__)
    const __m512 zero = _mm512_setzero_ps(), bound = _mm512_set1_ps(least);
    for (int v = 0; v < LANES / 16; v++) {
        const __m512 s = _mm512_load_ps(sums + 16 * v);
        const __m512 f = _mm512_max_ps(_mm512_loadu_ps(floor + 16 * v), bound);
        const __mmask16 reach = _mm512_cmp_ps_mask(s, f, _CMP_GE_OQ);
        const __mmask16 positive = _mm512_cmp_ps_mask(s, zero, _CMP_GT_OQ);
        hits |= (uint64_t)(reach & positive) << (16 * v);
    }
#else
    for (int b = 0; b < LANES; b++) {
        const float f = floor[b] > least ? floor[b] : least;
        hits |= (uint64_t)(sums[b] > 0.0f && sums[b] >= f) << b;
    }
#endif
    return hits;
}

static const float no_floor[LANES]; /* zeros: the earlier documents' test has one floor */

/*
 * Offers the sums of rows j0 .. j1-1 with the block lo .. lo+nl-1 to the
 * lanes' heaps and, comparing documents with themselves, for the rows before
 * the block (the first `before`) to the rows' lists of later documents;
 * clears the tile.  A lane's
 * own row (skip) was zeroed and never reaches a heap.
 */
static void collect(const pass *ps, int32_t lo, int32_t nl, int32_t before, int32_t j0, int32_t j1,
                    int32_t top, workspace *w)
{
    for (int32_t b = 0; b < nl; b++)
        if (w->skip[b] >= j0 && w->skip[b] < j1)
            w->tile[(size_t)(w->skip[b] - j0) * LANES + (size_t)b] = 0.0f;
    for (int32_t j = j0; j < j1; j++) {
        float *restrict sums = w->tile + (size_t)(j - j0) * LANES;
        uint64_t hits = lanes_reaching(sums, w->lane_floor, 0.0f);
        for (; hits; hits &= hits - 1) {
            const int b = __builtin_ctzll(hits);
            pc_heap_push(&w->lane[b], sums[b], doc_id(ps->rows, j));
            w->lane_floor[b] = pc_heap_floor(&w->lane[b]);
        }
        if (ps->self && j < before) {
            const float least = atomic_load_explicit(&w->later->floor[j], memory_order_relaxed);
            if ((hits = lanes_reaching(sums, no_floor, least)) != 0)
                offer_later(w->later, ps->lanes, j, lo, hits, sums, top);
        }
        memset(sums, 0, LANES * sizeof *sums);
    }
}

/*
 * Lane block lo .. lo+nl-1 against the rows (itself: every document up to
 * its end; queries: every row; or ps->row_begin .. ps->row_end-1), row block
 * by row block; the lanes' lists go to their rows of `out` (merged later
 * when comparing with themselves).
 */
static void lane_block(const pass *ps, int32_t lo, int32_t nl, workspace *w, pc_neighbors *out)
{
    const related_index *rows = ps->rows;
    load_lanes(ps, lo, nl, w, out);
    const int32_t end = ps->row_end > 0 ? ps->row_end : block_rows(ps, lo, nl);
    const int32_t before = ps->self ? rows_before(rows, (int64_t)ps->lane_first + lo) : 0;
    for (int32_t j0 = ps->row_begin; j0 < end; j0 += DOC_BLOCK) {
        const int32_t j1 = j0 + DOC_BLOCK < end ? j0 + DOC_BLOCK : end;
        if (ps->sparse) {
            if (ps->lane_at)
                add_tail_by_rows(rows, j0, j1, w);
            else
                add_tail(rows, nl, j0, j1, w);
            pc_rows_times_lanes(rows->head_ptr, rows->head_rank, rows->head_val, j0, j1,
                                w->table, w->tile);
            w->work += (rows->head_ptr[j1] - rows->head_ptr[j0]) * LANES;
        }
        if (ps->dense_rows) { /* tile = (1 − α)·Z_rows·Z_lanesᵀ + α·tile */
            const size_t d = (size_t)ps->dims;
            pc_gemm_nt_blend(j1 - j0, nl, ps->dims, 1.0f - ps->alpha, ps->dense_rows + j0 * d,
                             ps->dense_lanes + lo * d, ps->sparse ? ps->alpha : 0.0f, w->tile,
                             LANES, w->dense_scratch);
            w->dense_work += (int64_t)(j1 - j0) * nl * ps->dims;
        }
        collect(ps, lo, nl, before, j0, j1, out->top, w);
    }
    unload_lanes(ps, lo, nl, w);
    for (int32_t b = 0; b < nl; b++) {
        const size_t row = (size_t)ps->lanes->doc[lane_position(ps, lo + b)] * (size_t)out->top;
        pc_heap_drain(&w->lane[b], out->id + row, out->similarity + row);
    }
}

/*
 * Merges the list at id/sim (at most count entries, -1 ends it early) into
 * list `row` of nb, keeping the best nb->top.  h: scratch of capacity top.
 */
static void merge_into(pc_neighbors *nb, int32_t row, const int32_t *id, const float *sim,
                       int32_t count, heap *h)
{
    const size_t at = (size_t)row * (size_t)nb->top;
    h->size = 0;
    for (int32_t r = 0; r < nb->top && nb->id[at + r] >= 0; r++)
        pc_heap_push(h, nb->similarity[at + r], nb->id[at + r]);
    for (int32_t r = 0; r < count && id[r] >= 0; r++)
        pc_heap_push(h, sim[r], id[r]);
    pc_heap_drain(h, nb->id + at, nb->similarity + at);
}

/* Position i's list: its lane list (in `out`) and its list of later documents. */
static void merge_lists(const related_index *ri, int32_t i, const later_lists *later, heap *h,
                        pc_neighbors *out)
{
    const size_t mine = (size_t)i * (size_t)out->top;
    merge_into(out, ri->doc[i], later->id + mine, later->sim + mine, later->size[i], h);
}

pc_status pc_neighbors_alloc(int32_t n, int32_t top, pc_neighbors **out, pc_error *err)
{
    pc_neighbors *nb = pc_calloc(1, sizeof *nb);
    if (!nb)
        return pc_fail_nomem(err, "allocating related papers");
    nb->n_docs = n;
    nb->top = top;
    nb->recall = NAN;
    nb->id = pc_malloc_array((size_t)n * (size_t)top, sizeof *nb->id);
    nb->similarity = pc_malloc_array((size_t)n * (size_t)top, sizeof *nb->similarity);
    if (!nb->id || !nb->similarity) {
        pc_neighbors_free(nb);
        return pc_fail_nomem(err, "allocating related papers");
    }
    *out = nb;
    return PC_OK;
}

/* Every list empty (neighbors_internal.h). */
pc_status pc_neighbors_empty(int32_t n, int32_t top, pc_neighbors **out, pc_error *err)
{
    pc_status status = pc_neighbors_alloc(n, top, out, err);
    for (size_t e = 0; status == PC_OK && e < (size_t)n * (size_t)top; e++) {
        (*out)->id[e] = -1;
        (*out)->similarity[e] = 0.0f;
    }
    return status;
}

/* PC_OK when order holds each of 0 .. n-1 once, else PC_ERR_INVALID (or PC_ERR_NOMEM). */
static pc_status check_permutation(const int32_t *order, int32_t n, pc_error *err)
{
    unsigned char *seen = pc_calloc((size_t)n + 1, 1);
    if (!seen)
        return pc_fail_nomem(err, "finding related papers");
    int ok = 1;
    for (int32_t i = 0; ok && i < n; i++) {
        ok = order[i] >= 0 && order[i] < n && !seen[order[i]];
        if (ok)
            seen[order[i]] = 1;
    }
    free(seen);
    return ok ? PC_OK
              : pc_fail(err, PC_ERR_INVALID, "related papers: the query order is not a permutation");
}

/* The rows this process's lane blocks of the pass meet, in all (the progress's amount). */
static double pass_rows(const pass *ps)
{
    const int32_t n = ps->lanes->n;
    double rows = 0.0;
    for (int32_t lo = 0; lo < n; lo += LANES)
        if (block_is_mine(ps, lo))
            rows += block_rows(ps, lo, lo + LANES < n ? LANES : n - lo);
    return rows;
}

/*
 * Runs every lane block, the largest first, counting the rows met into
 * progress (*done so far); comparing documents with themselves, then merges
 * each one's two lists.  0, or 1 when cancelled.
 */
static int run_blocks(const pass *ps, workspace *ws, int threads, pc_progress *progress,
                      double *done, pc_neighbors *nb)
{
    const int32_t n = ps->lanes->n, n_blocks = (n + LANES - 1) / LANES;
    volatile int stop = 0;
#pragma omp parallel num_threads(threads)
    {
        const int tid = pc_thread_id();
#pragma omp for schedule(dynamic, 1)
        for (int32_t k = 0; k < n_blocks; k++) {
            if (stop)
                continue;
            const int32_t lo = (n_blocks - 1 - k) * LANES, nl = lo + LANES < n ? LANES : n - lo;
            if (!block_is_mine(ps, lo))
                continue;
            lane_block(ps, lo, nl, &ws[tid], nb);
            pc_progress_parallel(progress, done, block_rows(ps, lo, nl), tid, &stop);
        }
        /* the loop's implicit barrier: every block is done before any list is merged */
        if (!stop && ps->self && ps->lanes == ps->rows) {
#pragma omp for schedule(static)
            for (int32_t i = 0; i < n; i++)
                merge_lists(ps->lanes, i, ws[tid].later, &ws[tid].lane[0], nb);
        }
    }
    return stop ? 1 : 0;
}

/*
 * Runs a pass with `threads` workspaces: *out gets ps->lanes->n lists of
 * `top`.  later: the shared lists of later documents (self), else NULL.
 */
static pc_status run_pass(const pass *ps, int32_t top, int threads, later_lists *later,
                          const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    pc_neighbors *nb = NULL;
    workspace *ws = pc_calloc((size_t)threads, sizeof *ws);
    /* the lane lists of other processes' blocks stay empty */
    pc_status status = !ws             ? pc_fail_nomem(err, "finding related papers")
                       : ps->parts > 1 ? pc_neighbors_empty(ps->lanes->n, top, &nb, err)
                                       : pc_neighbors_alloc(ps->lanes->n, top, &nb, err);
    for (int t = 0; t < threads && status == PC_OK; t++) {
        if (workspace_alloc(&ws[t], ps->lanes, top, 0) != 0 ||
            (ps->dense_rows &&
             !(ws[t].dense_scratch = pc_aligned_array(
                   64, pc_gemm_nt_blend_scratch(LANES, ps->dims), sizeof(float)))))
            status = pc_fail_nomem(err, "finding related papers");
        ws[t].later = later;
    }
    pc_progress progress;
    double done = 0.0;
    if (status == PC_OK) {
        pc_progress_start(&progress, mon, "related", pass_rows(ps));
        if (run_blocks(ps, ws, threads, &progress, &done, nb) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        else
            pc_progress_finish(&progress);
    }
    if (status == PC_OK) {
        nb->work = nb->dense_work = 0;
        for (int t = 0; t < threads; t++) {
            nb->work += ws[t].work;
            nb->dense_work += ws[t].dense_work;
        }
        *out = nb;
        nb = NULL;
    }
    for (int t = 0; ws && t < threads; t++)
        workspace_free(&ws[t]);
    free(ws);
    pc_neighbors_free(nb);
    return status;
}

/* PC_ERR_INVALID unless dense (when given) has rows, queries when `query`, dims >= 1 and
 * a weight from 0 to 1. */
static pc_status check_dense(const pc_neighbors_dense *dense, int query, pc_error *err)
{
    if (dense && (dense->dims < 1 || !dense->rows || (query && !dense->queries) ||
                  !(dense->sparse_weight >= 0.0f && dense->sparse_weight <= 1.0f)))
        return pc_fail(err, PC_ERR_INVALID, "related papers: bad dense rows (dims %d, weight %g)",
                       (int)dense->dims, (double)dense->sparse_weight);
    return PC_OK;
}

static void set_dense(pass *ps, const pc_neighbors_dense *dense)
{
    ps->dims = dense->dims;
    ps->alpha = dense->sparse_weight;
    ps->sparse = dense->sparse_weight > 0.0f;
}

/*
 * The dense rows of the documents in the positions' order (ri->doc): `rows`
 * itself when that is their own order, else a new copy in *copy (n × dims
 * floats: memory of the order of the lists').  NULL when out of memory.
 */
static const float *dense_in_order(const float *rows, int32_t dims, const related_index *ri,
                                   float **copy)
{
    *copy = NULL;
    int32_t i = 0;
    while (i < ri->n && ri->doc[i] == i)
        i++;
    if (i == ri->n)
        return rows;
    const size_t d = (size_t)dims;
    if (!(*copy = pc_malloc_array((size_t)ri->n * d + 1, sizeof **copy)))
        return NULL;
    for (i = 0; i < ri->n; i++)
        memcpy(*copy + (size_t)i * d, rows + (size_t)ri->doc[i] * d, d * sizeof **copy);
    return *copy;
}

/*
 * Several processes (opt->comm): each has run its share of the lane blocks,
 * so each document's list in nb holds the best of the pairs its blocks met
 * (its own block's, and the later documents' of its blocks).  Every pair was
 * met by exactly one block, so the top of the union of the processes' lists
 * is the one-process list: one allgather of every process's lists and work
 * (16 + n × top × 8 bytes each), then a heap per document over them, in
 * rank order (the order does not matter: the heap keeps the top under a
 * total order).  Memory: size × that, transiently.  status: this process's
 * so far (a failure is reported to the others instead).
 */
pc_status pc_neighbors_exchange(const pc_comm *comm, pc_status status, pc_neighbors *nb,
                                pc_error *err)
{
    if (status != PC_OK) /* nb may be missing: the others wait in the exchange, and hear of it */
        return comm->check(comm, status, err);
    const size_t cells = (size_t)nb->n_docs * (size_t)nb->top, p = (size_t)comm->size;
    const size_t bytes = 2 * sizeof(int64_t) + cells * (sizeof(int32_t) + sizeof(float));
    char *mine = pc_malloc(bytes), *all = pc_malloc_array(p, bytes);
    heap h = {0, nb->top, pc_malloc_array((size_t)nb->top, sizeof(int32_t)),
              pc_malloc_array((size_t)nb->top, sizeof(float))};
    status = mine && all && h.id && h.sim ? PC_OK : pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK) {
        int64_t work[2] = {nb->work, nb->dense_work};
        memcpy(mine, work, sizeof work);
        memcpy(mine + sizeof work, nb->id, cells * sizeof(int32_t));
        memcpy(mine + sizeof work + cells * sizeof(int32_t), nb->similarity, cells * sizeof(float));
    }
    /* a rank short of memory still takes part, so that every rank learns of it */
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = comm->allgather(comm, mine, bytes, all, err);
    if (status == PC_OK) {
        nb->work = nb->dense_work = 0;
        for (size_t r = 0; r < p; r++) {
            int64_t work[2];
            memcpy(work, all + r * bytes, sizeof work);
            nb->work += work[0];
            nb->dense_work += work[1];
        }
        for (size_t i = 0; i < (size_t)nb->n_docs; i++) {
            h.size = 0;
            for (size_t r = 0; r < p; r++) {
                const char *part = all + r * bytes + 2 * sizeof(int64_t);
                for (size_t c = i * (size_t)nb->top; c < (i + 1) * (size_t)nb->top; c++) {
                    int32_t id;
                    float sim;
                    memcpy(&id, part + c * sizeof id, sizeof id);
                    if (id < 0)
                        break;
                    memcpy(&sim, part + cells * sizeof id + c * sizeof sim, sizeof sim);
                    pc_heap_push(&h, sim, id);
                }
            }
            pc_heap_drain(&h, nb->id + i * (size_t)nb->top, nb->similarity + i * (size_t)nb->top);
        }
    }
    free(mine);
    free(all);
    free(h.id);
    free(h.sim);
    return status;
}

/*
 * ---- Ranges: each process holds its range of the rows (opt->ranges) ----
 *
 * The lane blocks are those of one process: 64 places of the whole order at
 * a time, each meeting the rows up to its end.  The rows a block meets are
 * now spread over the processes, so the block goes to all of them: the
 * order is cut into chunks of opt->chunk places, and for each chunk every
 * process contributes the rows it holds (one variable allgather), then runs
 * every lane block of the chunk against its own rows up to the block's end
 * (their places: rows->gpos), offering to the lanes' heaps and, for its rows
 * before the block, to their lists of later documents, as one process does.
 * So every pair is met once, by the same block as in one process, each sum
 * formed in the same order, and the work counted is one process's, split.
 * Each lane's list from each process then goes to the process holding its
 * document, which merges it into its own (one exchange a chunk); at the end
 * each process merges its later lists into its range's lists, and the
 * lists of all n documents are gathered on every process.  Memory per
 * process: its rows twice (as held and split, with postings), one chunk's
 * rows and lists, its range's lists twice and all lists once.
 */
#define CHUNK_DEFAULT 16384

/*
 * This process's rows, split as one process splits them (rank, head), in
 * the whole order's places (order, NULL: by document), with postings: ri
 * names them by document (first + row) and places them (ri->gpos).
 */
static pc_status index_range(const pc_csr *X, const int32_t *order, int32_t n, int32_t first,
                             const int32_t *rank, int32_t head, const pc_monitor *mon,
                             related_index *ri, pc_error *err)
{
    const int32_t m = X->n_rows;
    int32_t *local = pc_malloc_array((size_t)m + 1, sizeof *local);
    int32_t *gpos = pc_malloc_array((size_t)m + 1, sizeof *gpos);
    if (!local || !gpos) {
        free(local);
        free(gpos);
        memset(ri, 0, sizeof *ri);
        return pc_fail_nomem(err, "finding related papers");
    }
    for (int32_t g = 0, i = 0; g < n; g++) {
        const int32_t d = order ? order[g] : g;
        if (d >= first && d < first + m) {
            local[i] = d - first;
            gpos[i++] = g;
        }
    }
    pc_status status = index_rows(X, local, rank, head, 1, mon, ri, err);
    free(local);
    ri->gpos = gpos;
    if (status == PC_OK && !(ri->id = pc_malloc_array((size_t)m + 1, sizeof *ri->id)))
        status = pc_fail_nomem(err, "finding related papers");
    for (int32_t i = 0; status == PC_OK && i < m; i++)
        ri->id[i] = first + ri->doc[i];
    return status;
}

/*
 * Appends position j of ri (rows split by split_rows) to buf as one row of
 * head + n_terms columns: its head terms by rank (columns below head, in
 * rank order), then its tail terms (head + term id, ascending).  col and
 * val hold a row (head + ri->max_tail entries).  0, or -1 when out of
 * memory.
 */
static int put_split_row(char **buf, size_t *len, size_t *cap, int32_t pos,
                         const related_index *ri, int32_t j, int32_t *col, float *val)
{
    int64_t m = 0;
    for (int64_t p = ri->head_ptr[j]; p < ri->head_ptr[j + 1]; p++, m++) {
        col[m] = ri->head_rank[p];
        val[m] = ri->head_val[p];
    }
    const pc_csr *T = ri->tail;
    for (int64_t p = T->row_ptr[j]; p < T->row_ptr[j + 1]; p++, m++) {
        col[m] = ri->head + T->col[p];
        val[m] = T->val[p];
    }
    int64_t row_ptr[2] = {0, m};
    const pc_csr row = {1, ri->head + ri->n_terms, m, row_ptr, col, val};
    return pc_rows_put(buf, len, cap, pos, &row, 0);
}

/* put_split_row's rows M back into *ri (no postings), without sorting again. */
static pc_status take_split_rows(const pc_csr *M, int32_t head, related_index *ri,
                                 pc_error *err)
{
    memset(ri, 0, sizeof *ri);
    ri->n = M->n_rows;
    ri->n_terms = M->n_cols - head;
    ri->head = head;
    ri->doc = pc_malloc_array((size_t)ri->n + 1, sizeof *ri->doc);
    ri->head_ptr = pc_calloc((size_t)ri->n + 1, sizeof *ri->head_ptr);
    if (!ri->doc || !ri->head_ptr)
        return pc_fail_nomem(err, "finding related papers");
    for (int32_t i = 0; i < ri->n; i++) {
        int64_t p = M->row_ptr[i];
        while (p < M->row_ptr[i + 1] && M->col[p] < head)
            p++;
        const int64_t tail = M->row_ptr[i + 1] - p;
        ri->max_tail = tail > ri->max_tail ? tail : ri->max_tail;
        ri->head_ptr[i + 1] = ri->head_ptr[i] + (p - M->row_ptr[i]);
        ri->doc[i] = i;
    }
    const int64_t n_head = ri->head_ptr[ri->n];
    ri->head_rank = pc_malloc_array((size_t)n_head + 1, sizeof *ri->head_rank);
    ri->head_val = pc_malloc_array((size_t)n_head + 1, sizeof *ri->head_val);
    if (!ri->head_rank || !ri->head_val)
        return pc_fail_nomem(err, "finding related papers");
    pc_status status = pc_csr_new(ri->n, ri->n_terms, M->nnz - n_head, &ri->tail, err);
    for (int32_t i = 0; status == PC_OK && i < ri->n; i++) {
        int64_t h = ri->head_ptr[i], t = ri->tail->row_ptr[i];
        for (int64_t p = M->row_ptr[i]; p < M->row_ptr[i + 1]; p++) {
            if (M->col[p] < head) {
                ri->head_rank[h] = (uint16_t)M->col[p];
                ri->head_val[h++] = M->val[p];
            } else {
                ri->tail->col[t] = M->col[p] - head;
                ri->tail->val[t++] = M->val[p];
            }
        }
        ri->tail->row_ptr[i + 1] = t;
    }
    return status;
}

/*
 * The rows of documents doc[a .. b) (doc NULL: a .. b-1), each from the
 * process holding it (this one holds documents first .. first +
 * rows->n - 1, split in `rows`, row_of[d - first] being d's position), on
 * every process: *lanes, split as rows are (no postings; sent split, so
 * that no process sorts a lane's terms again), lane i being document
 * doc[a + i].  status: this process's so far (a failure is reported to the
 * others instead).
 */
static pc_status gather_lanes(const related_index *rows, const int32_t *row_of, int32_t first,
                              const int32_t *doc, int64_t a, int64_t b, const pc_comm *comm,
                              pc_status status, related_index *lanes, pc_error *err)
{
    memset(lanes, 0, sizeof *lanes);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int32_t *col = pc_malloc_array((size_t)rows->head + (size_t)rows->max_tail + 1, sizeof *col);
    float *val = pc_malloc_array((size_t)rows->head + (size_t)rows->max_tail + 1, sizeof *val);
    if (status == PC_OK && (!col || !val))
        status = pc_fail_nomem(err, "finding related papers");
    for (int64_t g = a; status == PC_OK && g < b; g++) {
        const int32_t d = doc ? doc[g] : (int32_t)g;
        if (d >= first && d - first < rows->n &&
            put_split_row(&buf, &len, &cap, (int32_t)(g - a), rows, row_of[d - first], col,
                          val) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    }
    free(col);
    free(val);
    pc_csr *M = NULL;
    status = pc_rows_allgather(comm, status, buf, len, 0, (int32_t)(b - a),
                               rows->head + rows->n_terms, 0, &M, err);
    if (status == PC_OK)
        status = take_split_rows(M, rows->head, lanes, err);
    pc_csr_free(M);
    if (status == PC_OK && !(lanes->id = pc_malloc_array((size_t)(b - a) + 1, sizeof *lanes->id)))
        status = pc_fail_nomem(err, "finding related papers");
    for (int64_t g = a; status == PC_OK && g < b; g++)
        lanes->id[g - a] = doc ? doc[g] : (int32_t)g;
    return status;
}

/*
 * Sends each lane's list of this chunk (lists: lane i's, document
 * lanes->id[i]) to the process holding its document, which merges it into
 * its range's list (mine, by document - first): one exchange of 4 + 8 × top
 * bytes a lane.  status as gather_lanes.
 */
static pc_status send_lists(const pc_neighbors *lists, const related_index *lanes, int32_t n,
                            int32_t first, const pc_comm *comm, pc_status status,
                            pc_neighbors *mine, heap *h, pc_error *err)
{
    const int size = comm->size;
    const int32_t top = h->cap, each = (int32_t)(((int64_t)n + size - 1) / size);
    const size_t record = sizeof(int32_t) + (size_t)top * (sizeof(int32_t) + sizeof(float));
    char **out = pc_calloc((size_t)size, sizeof *out), **in = pc_calloc((size_t)size, sizeof *in);
    size_t *out_len = pc_calloc((size_t)size, sizeof *out_len);
    size_t *in_len = pc_calloc((size_t)size, sizeof *in_len);
    if (status == PC_OK && (!out || !in || !out_len || !in_len))
        status = pc_fail_nomem(err, "finding related papers");
    for (int32_t i = 0; status == PC_OK && i < lanes->n; i++)
        out_len[lanes->id[i] / each] += record;
    for (int q = 0; status == PC_OK && q < size; q++)
        if (!(out[q] = pc_malloc(out_len[q] + 1)))
            status = pc_fail_nomem(err, "finding related papers");
    for (int q = 0; status == PC_OK && q < size; q++)
        out_len[q] = 0;
    for (int32_t i = 0; status == PC_OK && i < lanes->n; i++) {
        const int q = lanes->id[i] / each;
        char *at = out[q] + out_len[q];
        const size_t cells = (size_t)i * (size_t)top;
        memcpy(at, &lanes->id[i], sizeof(int32_t));
        memcpy(at + sizeof(int32_t), lists->id + cells, (size_t)top * sizeof(int32_t));
        memcpy(at + sizeof(int32_t) * (1 + (size_t)top), lists->similarity + cells,
               (size_t)top * sizeof(float));
        out_len[q] += record;
    }
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_alltoallv(comm, out, out_len, in, in_len, err);
    int32_t *id = pc_malloc_array((size_t)top, sizeof *id);
    float *sim = pc_malloc_array((size_t)top, sizeof *sim);
    if (status == PC_OK && (!id || !sim)) /* every list was sent: no one waits on this */
        status = pc_fail_nomem(err, "finding related papers");
    for (int q = 0; status == PC_OK && q < size; q++)
        for (size_t p = 0; p + record <= in_len[q]; p += record) {
            int32_t doc;
            memcpy(&doc, in[q] + p, sizeof doc);
            memcpy(id, in[q] + p + sizeof doc, (size_t)top * sizeof *id);
            memcpy(sim, in[q] + p + sizeof doc * (1 + (size_t)top), (size_t)top * sizeof *sim);
            merge_into(mine, doc - first, id, sim, top, h);
        }
    for (int q = 0; q < size; q++) {
        if (out)
            free(out[q]);
        if (in)
            free(in[q]);
    }
    free(out);
    free(in);
    free(out_len);
    free(in_len);
    free(id);
    free(sim);
    return status;
}

/* Every process's range's lists gathered (neighbors_internal.h). */
pc_status pc_neighbors_gather(const pc_neighbors *mine, int64_t work, int32_t n,
                              const pc_comm *comm, pc_status status, pc_neighbors **out,
                              pc_error *err)
{
    *out = NULL;
    const int32_t top = mine ? mine->top : 0;
    const size_t cells = mine ? (size_t)mine->n_docs * (size_t)top : 0;
    const size_t bytes = sizeof work + cells * (sizeof(int32_t) + sizeof(float));
    char *buf = status == PC_OK ? pc_malloc(bytes) : NULL, *all = NULL;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    if (status == PC_OK && (!buf || !at))
        status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK) {
        memcpy(buf, &work, sizeof work);
        memcpy(buf + sizeof work, mine->id, cells * sizeof(int32_t));
        memcpy(buf + sizeof work + cells * sizeof(int32_t), mine->similarity,
               cells * sizeof(float));
    }
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, buf, bytes, &all, at, err);
    free(buf);
    if (status == PC_OK)
        status = pc_neighbors_alloc(n, top, out, err);
    if (status == PC_OK) {
        (*out)->work = 0;
        size_t row = 0;
        for (int q = 0; q < comm->size; q++) {
            const char *part = all + at[q];
            const size_t got =
                (at[q + 1] - at[q] - sizeof work) / (sizeof(int32_t) + sizeof(float));
            memcpy(&work, part, sizeof work);
            (*out)->work += work;
            memcpy((*out)->id + row, part + sizeof work, got * sizeof(int32_t));
            memcpy((*out)->similarity + row, part + sizeof work + got * sizeof(int32_t),
                   got * sizeof(float));
            row += got;
        }
    }
    free(all);
    free(at);
    return status;
}

/* What each process holds for a job by ranges (topn_ranges, probe_ranges). */
typedef struct range_job {
    int32_t n, first, head; /* the documents in all, this process's first, the head terms */
    int64_t sum_df2;
    related_index rows;     /* this process's rows, placed in the whole order */
    int32_t *row_of;        /* this process's row → its position in rows */
    int threads;
    workspace *ws;
    heap h;                 /* scratch for merging lists */
    pc_neighbors *mine;     /* this process's range's lists (by document - first), empty */
} range_job;

/*
 * Starts a job by ranges: the whole's shape and head terms (pc_share_shape:
 * one process splits its rows by the same ranks), this process's rows
 * indexed in `order` (over all n, NULL: by document) and their positions
 * (row_of), the workspaces
 * (probing: with the chains by term) sized for the longest tail of any
 * process's rows (one allgather), and this range's lists.  Failures as
 * gather_lanes (rj is range_job_finish's in every case).
 */
static pc_status range_job_start(const pc_csr *X, const pc_neighbors_options *opt,
                                 const int32_t *order, int probing, const pc_monitor *mon,
                                 range_job *rj, pc_error *err)
{
    const pc_comm *comm = opt->comm;
    const int32_t top = opt->top;
    memset(rj, 0, sizeof *rj);
    rj->threads = pc_thread_count(opt->threads);
    int64_t *df = NULL;
    pc_status status = pc_share_shape(X, comm, &rj->n, &rj->first, &df, err);
    if (status == PC_OK && order)
        status = check_permutation(order, rj->n, err);
    int32_t *rank = NULL;
    if (status == PC_OK && !(rank = head_ranks_of(df, X->n_cols, rj->n, opt->head_terms,
                                                  &rj->head, &rj->sum_df2)))
        status = pc_fail_nomem(err, "finding related papers");
    free(df);
    if (status == PC_OK)
        status = index_range(X, order, rj->n, rj->first, rank, rj->head, mon, &rj->rows, err);
    free(rank);
    if (status == PC_OK && !(rj->row_of = pc_malloc_array((size_t)X->n_rows + 1,
                                                          sizeof *rj->row_of)))
        status = pc_fail_nomem(err, "finding related papers");
    for (int32_t j = 0; status == PC_OK && j < rj->rows.n; j++)
        rj->row_of[rj->rows.doc[j]] = j;
    int64_t max_tail[2] = {rj->rows.max_tail, 0};
    int64_t *tails = pc_malloc_array((size_t)comm->size, sizeof *tails);
    if (status == PC_OK && !tails)
        status = pc_fail_nomem(err, "finding related papers");
    status = comm->check(comm, status, err);
    if (status == PC_OK) /* the longest tail of any lane: the workspaces' claims */
        status = comm->allgather(comm, &max_tail[0], sizeof max_tail[0], tails, err);
    for (int q = 0; status == PC_OK && q < comm->size; q++)
        max_tail[1] = tails[q] > max_tail[1] ? tails[q] : max_tail[1];
    free(tails);
    rj->ws = pc_calloc((size_t)rj->threads, sizeof *rj->ws);
    rj->h = (heap){0, top, pc_malloc_array((size_t)top, sizeof(int32_t)),
                   pc_malloc_array((size_t)top, sizeof(float))};
    if (status == PC_OK && (!rj->ws || !rj->h.id || !rj->h.sim))
        status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK)
        status = pc_neighbors_empty(X->n_rows, top, &rj->mine, err);
    const related_index shape = {.n_terms = X->n_cols, .head = rj->head, .max_tail = max_tail[1]};
    for (int t = 0; status == PC_OK && t < rj->threads; t++)
        if (workspace_alloc(&rj->ws[t], &shape, top, probing) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    return status;
}

/*
 * Ends a job by ranges: the work added up, rj freed, and every process's
 * range's lists gathered into *out on every process (pc_neighbors_gather, work_all
 * the whole's Σ df²).  status: this process's so far.
 */
static pc_status range_job_finish(range_job *rj, const pc_comm *comm, pc_status status,
                                  pc_neighbors **out, pc_error *err)
{
    int64_t work = 0;
    for (int t = 0; rj->ws && t < rj->threads; t++) {
        work += rj->ws[t].work;
        workspace_free(&rj->ws[t]);
    }
    free(rj->ws);
    related_index_free(&rj->rows);
    free(rj->row_of);
    free(rj->h.id);
    free(rj->h.sim);
    status = pc_neighbors_gather(rj->mine, work, rj->n, comm, status, out, err);
    if (status == PC_OK)
        (*out)->work_all = rj->sum_df2;
    pc_neighbors_free(rj->mine);
    memset(rj, 0, sizeof *rj);
    if (status != PC_OK) {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    return status;
}

/* pc_neighbors_topn with opt->ranges (see the section's comment). */
static pc_status topn_ranges(const pc_csr *X, const pc_neighbors_options *opt,
                             const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    const pc_comm *comm = opt->comm;
    const int32_t top = opt->top, chunk = opt->chunk > 0 ? opt->chunk : CHUNK_DEFAULT;
    if (opt->dense || chunk % LANES != 0)
        return pc_fail(err, PC_ERR_INVALID, "related papers by ranges: the sparse rows only, "
                                            "in chunks of a multiple of %d documents", LANES);
    range_job rj;
    pc_status status = range_job_start(X, opt, opt->order, 0, mon, &rj, err);
    const int32_t n = rj.n, first = rj.first;
    later_lists *later = NULL;
    pc_neighbors *lists = NULL;
    int32_t *skip = pc_malloc_array((size_t)chunk, sizeof *skip);
    if (status == PC_OK && (!skip || !(later = later_lists_new(X->n_rows, top))))
        status = pc_fail_nomem(err, "finding related papers");
    for (int t = 0; status == PC_OK && t < rj.threads; t++)
        rj.ws[t].later = later;
    related_index lanes;
    memset(&lanes, 0, sizeof lanes);
    pc_progress progress;
    double total = 0.0, done = 0.0;
    for (int64_t lo = 0; status == PC_OK && lo < n; lo += LANES)
        total += rows_before(&rj.rows, lo + LANES < n ? lo + LANES : n);
    pc_progress_start(&progress, mon, "related", total);
    for (int32_t a = 0; a < n; a += chunk) {
        const int32_t b = n - a > chunk ? a + chunk : n;
        status = gather_lanes(&rj.rows, rj.row_of, first, opt->order, a, b, comm, status, &lanes,
                              err);
        for (int32_t i = 0; status == PC_OK && i < b - a; i++) {
            const int32_t d = lanes.id[i], j = rows_before(&rj.rows, a + i);
            skip[i] = d >= first && d < first + X->n_rows ? j : -1; /* not its own neighbour */
        }
        if (status == PC_OK)
            status = pc_neighbors_alloc(b - a, top, &lists, err);
        const pass ps = {.lanes = &lanes, .rows = &rj.rows, .self = 1, .skip = skip,
                         .sparse = 1, .alpha = 1.0f, .parts = 1, .lane_first = a};
        if (status == PC_OK && run_blocks(&ps, rj.ws, rj.threads, &progress, &done, lists) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        status = send_lists(lists, &lanes, n, first, comm, status, rj.mine, &rj.h, err);
        pc_neighbors_free(lists);
        lists = NULL;
        related_index_free(&lanes);
        if (status != PC_OK)
            break;
    }
    if (status == PC_OK)
        pc_progress_finish(&progress);
    for (int32_t i = 0; status == PC_OK && i < rj.rows.n; i++)
        merge_lists(&rj.rows, i, later, &rj.h, rj.mine);
    later_lists_free(later);
    free(skip);
    return range_job_finish(&rj, comm, status, out, err);
}

static pc_status neighbors_topn(const pc_csr *X, const pc_neighbors_options *opt,
                                const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (opt->top < 1)
        return pc_fail(err, PC_ERR_INVALID, "related papers: top must be at least 1");
    if (opt->comm && opt->ranges)
        return topn_ranges(X, opt, mon, out, err);
    pc_status status = opt->order ? check_permutation(opt->order, X->n_rows, err) : PC_OK;
    if (status == PC_OK)
        status = check_dense(opt->dense, 0, err);
    if (status != PC_OK)
        return status;
    int threads = pc_thread_count(opt->threads);
    related_index ri;
    int64_t sum_df2 = 0;
    later_lists *later = NULL;
    float *ordered = NULL;
    pass ps = {.lanes = &ri, .rows = &ri, .self = 1, .sparse = 1, .alpha = 1.0f,
               .part = pc_comm_rank(opt->comm), .parts = pc_comm_size(opt->comm)};
    status = related_index_build(X, opt, mon, &ri, &sum_df2, err);
    if (status == PC_OK && !(later = later_lists_new(X->n_rows, opt->top)))
        status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK && opt->dense) {
        set_dense(&ps, opt->dense);
        ps.dense_rows = ps.dense_lanes = dense_in_order(opt->dense->rows, opt->dense->dims, &ri, &ordered);
        if (!ps.dense_rows)
            status = pc_fail_nomem(err, "finding related papers");
    }
    if (status == PC_OK)
        status = run_pass(&ps, opt->top, threads, later, mon, out, err);
    if (opt->comm)
        status = pc_neighbors_exchange(opt->comm, status, *out, err);
    if (status != PC_OK) {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    if (status == PC_OK)
        (*out)->work_all = sum_df2;
    free(ordered);
    later_lists_free(later);
    related_index_free(&ri);
    return status;
}

pc_status pc_neighbors_topn(const pc_csr *X, const pc_neighbors_options *opt,
                            const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    pc_status status = pc_comm_agree(opt->comm, neighbors_topn(X, opt, mon, out, err), err);
    if (status != PC_OK) {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    return status;
}

/* *work = Σ_t df_t(Q) · df[t] (df: X's document frequencies), the multiply-adds of the
 * sparse product Q·Xᵀ; 0, or -1 when out of memory. */
static int product_work(const int64_t *df, const pc_csr *Q, int64_t *work)
{
    int64_t *df_q = pc_calloc((size_t)Q->n_cols + 1, sizeof *df_q);
    if (!df_q)
        return -1;
    for (int64_t p = 0; p < Q->nnz; p++)
        df_q[Q->col[p]]++;
    *work = 0;
    for (int32_t t = 0; t < Q->n_cols; t++)
        *work += df_q[t] * df[t];
    free(df_q);
    return 0;
}

/*
 * The queries Q against the rows of X (split by the head ranks `rank` of
 * `head` terms; self by X's rows, as pc_neighbors_query's), into *out (work
 * counted, not work_all).  first >= 0: X's row j is document first + j in
 * the lists (ranges).
 */
static pc_status query_rows(const pc_csr *X, const pc_csr *Q, const int32_t *self,
                            const pc_neighbors_options *opt, const int32_t *rank, int32_t head,
                            int32_t first, const pc_monitor *mon, pc_neighbors **out,
                            pc_error *err)
{
    const int threads = pc_thread_count(opt->threads);
    related_index rows, lanes;
    memset(&lanes, 0, sizeof lanes);
    float *ordered = NULL;
    pass ps = {.lanes = &lanes, .rows = &rows, .skip = self, .sparse = 1, .alpha = 1.0f,
               .parts = 1};
    pc_status status = index_rows(X, NULL, rank, head, 1, mon, &rows, err);
    if (status == PC_OK && first >= 0 &&
        !(rows.id = pc_malloc_array((size_t)X->n_rows + 1, sizeof *rows.id)))
        status = pc_fail_nomem(err, "finding related papers");
    for (int32_t j = 0; status == PC_OK && first >= 0 && j < X->n_rows; j++)
        rows.id[j] = first + j;
    if (status == PC_OK)
        status = index_rows(Q, opt->order, rank, head, 0, NULL, &lanes, err);
    if (status == PC_OK && opt->dense) {
        set_dense(&ps, opt->dense);
        ps.dense_rows = opt->dense->rows; /* the rows are X's, in their own order */
        ps.dense_lanes = dense_in_order(opt->dense->queries, opt->dense->dims, &lanes, &ordered);
        if (!ps.dense_lanes)
            status = pc_fail_nomem(err, "finding related papers");
    }
    if (status == PC_OK)
        status = run_pass(&ps, opt->top, threads, NULL, mon, out, err);
    free(ordered);
    related_index_free(&rows);
    related_index_free(&lanes);
    return status;
}

/*
 * pc_neighbors_query with opt->ranges: each process lists the queries' best
 * among its own rows (split by the whole's head terms, named by document),
 * then the lists are exchanged and merged (pc_neighbors_exchange): one process's
 * lists and work.  self names documents of the whole.
 */
static pc_status query_ranges(const pc_csr *X, const pc_csr *Q, const int32_t *self,
                              const pc_neighbors_options *opt, const pc_monitor *mon,
                              pc_neighbors **out, pc_error *err)
{
    int32_t n = 0, first = 0, head = 0;
    int64_t *df = NULL, sum_df2 = 0, work_all = 0;
    pc_status status = pc_share_shape(X, opt->comm, &n, &first, &df, err);
    for (int32_t q = 0; status == PC_OK && self && q < Q->n_rows; q++)
        if (self[q] < -1 || self[q] >= n)
            status = pc_fail(err, PC_ERR_INVALID, "related papers: query %d is document %d of %d",
                             (int)q, (int)self[q], (int)n);
    int32_t *rank = NULL, *mine = NULL;
    if (status == PC_OK &&
        (!(rank = head_ranks_of(df, X->n_cols, n, opt->head_terms, &head, &sum_df2)) ||
         (self && !(mine = pc_malloc_array((size_t)Q->n_rows + 1, sizeof *mine))) ||
         product_work(df, Q, &work_all) != 0))
        status = pc_fail_nomem(err, "finding related papers");
    for (int32_t q = 0; status == PC_OK && mine && q < Q->n_rows; q++)
        mine[q] = self[q] >= first && self[q] - first < X->n_rows ? self[q] - first : -1;
    free(df);
    if (status == PC_OK)
        status = query_rows(X, Q, mine, opt, rank, head, first, mon, out, err);
    free(rank);
    free(mine);
    status = pc_neighbors_exchange(opt->comm, status, *out, err);
    if (status == PC_OK)
        (*out)->work_all = work_all;
    return status;
}

pc_status pc_neighbors_query(const pc_csr *X, const pc_csr *Q, const int32_t *self,
                             const pc_neighbors_options *opt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (opt->top < 1)
        return pc_fail(err, PC_ERR_INVALID, "related papers: top must be at least 1");
    if (Q->n_cols != X->n_cols)
        return pc_fail(err, PC_ERR_INVALID, "related papers: queries of %d terms for rows of %d",
                       (int)Q->n_cols, (int)X->n_cols);
    const int ranges = opt->comm && opt->ranges;
    for (int32_t q = 0; !ranges && self && q < Q->n_rows; q++)
        if (self[q] < -1 || self[q] >= X->n_rows)
            return pc_fail(err, PC_ERR_INVALID, "related papers: query %d is row %d of %d",
                           (int)q, (int)self[q], (int)X->n_rows);
    pc_status status = opt->order ? check_permutation(opt->order, Q->n_rows, err) : PC_OK;
    if (status == PC_OK && ranges && opt->dense)
        status = pc_fail(err, PC_ERR_INVALID, "related papers by ranges: the sparse rows only");
    if (status == PC_OK)
        status = check_dense(opt->dense, 1, err);
    if (status != PC_OK)
        return status;
    if (ranges)
        status = query_ranges(X, Q, self, opt, mon, out, err);
    else {
        int32_t head = 0;
        int64_t sum_df2 = 0, *df = column_counts(X);
        int32_t *rank = df ? head_ranks_of(df, X->n_cols, X->n_rows, opt->head_terms, &head,
                                           &sum_df2)
                           : NULL;
        status = rank ? query_rows(X, Q, self, opt, rank, head, -1, mon, out, err)
                      : pc_fail_nomem(err, "finding related papers");
        if (status == PC_OK && product_work(df, Q, &(*out)->work_all) != 0)
            status = pc_fail_nomem(err, "finding related papers");
        free(rank);
        free(df);
    }
    if (status != PC_OK) {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    return status;
}

/*
 * The probe plan: for each partition, the positions of the documents that
 * probe it (ascending), lanes[lane_start[p] .. lane_start[p+1]); NULL when
 * out of memory.  The positions are the documents' places in
 * parts->member, so partition p's rows are positions start[p] ..
 * start[p+1]-1.
 */
static int32_t *probe_plan(const pc_partitions *parts, int64_t *lane_start)
{
    const int32_t n = parts->n_docs, P = parts->n_partitions, probe = parts->probe;
    int32_t *lanes = pc_malloc_array((size_t)n * (size_t)probe + 1, sizeof *lanes);
    if (!lanes)
        return NULL;
    memset(lane_start, 0, ((size_t)P + 1) * sizeof *lane_start);
    for (int64_t e = 0; e < (int64_t)n * probe; e++)
        lane_start[parts->nearest[e] + 1]++;
    for (int32_t p = 0; p < P; p++)
        lane_start[p + 1] += lane_start[p];
    for (int32_t i = 0; i < n; i++) { /* positions in order, so each list ascends */
        const int32_t *near = parts->nearest + (size_t)parts->member[i] * (size_t)probe;
        for (int32_t r = 0; r < probe; r++)
            lanes[lane_start[near[r]]++] = i;
    }
    for (int32_t p = P; p > 0; p--)
        lane_start[p] = lane_start[p - 1];
    lane_start[0] = 0;
    return lanes;
}

/*
 * What probing compares: the lanes (probe_plan's slots: lane_at[s - slot0]
 * is the lane position of slot s) and the rows, both placed in the order of
 * parts->member (the rows of partition p are those before place start[p +
 * 1] and not before start[p]: rows_before).  skip: NULL when lanes == rows,
 * else per lane position its own row's position or -1.  keep: each lane's
 * heap starts from its list in the output.
 */
typedef struct probe_view {
    const related_index *lanes, *rows;
    const int32_t *lane_at;
    int64_t slot0;
    const int32_t *skip;
    int keep;
} probe_view;

/* Partition p's pass in view v (lane_start: probe_plan's). */
static pass probe_pass(const probe_view *v, const pc_partitions *parts, const int64_t *lane_start,
                       int32_t p)
{
    return (pass){.lanes = v->lanes, .rows = v->rows, .skip = v->skip, .sparse = 1,
                  .alpha = 1.0f, .lane_at = v->lane_at + (lane_start[p] - v->slot0),
                  .row_begin = rows_before(v->rows, parts->start[p]),
                  .row_end = rows_before(v->rows, parts->start[p + 1]), .keep = v->keep,
                  .parts = 1};
}

/* The rows process `part` of `parts_of`'s lane blocks meet when probing `rows`, placed
 * as in a probe_view (the progress's amount; see run_probe). */
static double probe_amount(const related_index *rows, const pc_partitions *parts,
                           const int64_t *lane_start, int part, int parts_of)
{
    double total = 0.0;
    for (int32_t p = 0, block = 0; p < parts->n_partitions; p++) {
        const int32_t met = rows_before(rows, parts->start[p + 1]) -
                            rows_before(rows, parts->start[p]);
        for (int64_t lo = lane_start[p]; lo < lane_start[p + 1]; lo += LANES)
            total += block++ % parts_of == part ? (double)met : 0.0;
    }
    return total;
}

/*
 * Partitions pa .. pb-1 in turn: the documents that probe each fill the
 * lanes, 64 at a time in parallel, against the partition's rows, each lane's
 * heap starting from what its earlier partitions gave (v->keep; a document
 * is in one lane block per partition, so no two threads hold its list at
 * once).  Several processes with the whole rows: the lane blocks of all
 * partitions are numbered in turn, and process `part` of `parts_of` runs
 * those whose number is part modulo parts_of (a partition of one block goes
 * to one process, the next partition's to the next; pa must be 0 then).
 * The rows met are counted into progress (*done so far).  0, or 1 when
 * cancelled.
 */
static int run_probe(const probe_view *v, const pc_partitions *parts, const int64_t *lane_start,
                     int32_t pa, int32_t pb, workspace *ws, int threads, int part, int parts_of,
                     pc_progress *progress, double *done, pc_neighbors *nb)
{
    volatile int stop = 0;
#pragma omp parallel num_threads(threads)
    {
        const int tid = pc_thread_id();
        int32_t first_block = 0; /* the number of partition p's first lane block */
        for (int32_t p = pa; p < pb; p++) {
            const int32_t n_lanes = (int32_t)(lane_start[p + 1] - lane_start[p]);
            const pass ps = probe_pass(v, parts, lane_start, p);
            const int32_t blocks = (n_lanes + LANES - 1) / LANES;
            first_block += blocks;
            if (ps.row_end == ps.row_begin) /* no rows of the partition: nothing to meet */
                continue;
#pragma omp for schedule(dynamic, 1)
            for (int32_t lo = 0; lo < n_lanes; lo += LANES) {
                if (stop || (first_block - blocks + lo / LANES) % parts_of != part)
                    continue;
                lane_block(&ps, lo, n_lanes - lo < LANES ? n_lanes - lo : LANES, &ws[tid], nb);
                pc_progress_parallel(progress, done, ps.row_end - ps.row_begin, tid, &stop);
            }
        }
    }
    return stop ? 1 : 0;
}

/*
 * The rows a step of partitions pa .. pb-1 needs, packed by put_split_row
 * into *buf from this process's (rj): first the partitions' members (places
 * 0 .. m-1, in the partitions' order), then the documents of slots a .. b-1
 * (places m .. m + b - a - 1), those of them this process holds.  0, or -1
 * when out of memory.
 */
static int put_step_rows(const range_job *rj, const pc_partitions *parts, const int32_t *slot_doc,
                         int32_t pa, int32_t pb, int64_t a, int64_t b, char **buf, size_t *len,
                         int32_t *col, float *val)
{
    size_t cap = 0;
    const int32_t g0 = (int32_t)parts->start[pa], m = (int32_t)parts->start[pb] - g0;
    for (int64_t i = 0; i < m + (b - a); i++) {
        const int32_t d = i < m ? parts->member[g0 + i] : slot_doc[a + i - m];
        if (d >= rj->first && d - rj->first < rj->rows.n &&
            put_split_row(buf, len, &cap, (int32_t)i, &rj->rows, rj->row_of[d - rj->first], col,
                          val) != 0)
            return -1;
    }
    return 0;
}

/* Rows a .. b-1 of M (a view, no copy). */
static pc_csr rows_view(const pc_csr *M, int32_t a, int32_t b)
{
    return (pc_csr){b - a, M->n_cols, M->row_ptr[b] - M->row_ptr[a], M->row_ptr + a, M->col,
                    M->val};
}

/*
 * A step's rows as received (M: put_step_rows' places) into *members (the
 * partitions' members, with postings, placed in the partitions' order from
 * g0, named by document) and *lanes (the slots' documents, named so).
 */
static pc_status take_step_rows(const pc_csr *M, int32_t head, const pc_partitions *parts,
                                int32_t g0, int32_t m, const int32_t *slot_doc, int64_t a,
                                related_index *members, related_index *lanes, pc_error *err)
{
    const pc_csr mv = rows_view(M, 0, m), lv = rows_view(M, m, M->n_rows);
    pc_status status = take_split_rows(&mv, head, members, err);
    if (status == PC_OK)
        status = take_split_rows(&lv, head, lanes, err);
    if (status == PC_OK)
        status = pc_csr_transpose(members->tail, &members->postings, err);
    if (status == PC_OK &&
        (!(members->gpos = pc_malloc_array((size_t)m + 1, sizeof *members->gpos)) ||
         !(members->id = pc_malloc_array((size_t)m + 1, sizeof *members->id)) ||
         !(lanes->id = pc_malloc_array((size_t)lanes->n + 1, sizeof *lanes->id))))
        status = pc_fail_nomem(err, "finding related papers");
    for (int32_t i = 0; status == PC_OK && i < m; i++) {
        members->gpos[i] = g0 + i;
        members->id[i] = parts->member[g0 + i];
    }
    for (int32_t i = 0; status == PC_OK && i < lanes->n; i++)
        lanes->id[i] = slot_doc[a + i];
    return status;
}

/* A step of probing by ranges: slots a .. b-1, in partitions pa .. pb-1. */
typedef struct probe_step {
    int64_t a, b;
    int32_t pa, pb;
    double cost; /* lane blocks × the partition's members, summed */
} probe_step;

/*
 * Cuts the slots (lane_start: probe_plan's) into steps for `size`
 * processes, at the lane blocks' boundaries (a partition's blocks are one
 * process's): each step at most `most` slots and about a quarter of a
 * process's share of the cost, so that the steps of a round cost about the
 * same; a large partition's lanes may span several steps.  *n_steps; NULL
 * when out of memory.
 */
static probe_step *cut_steps(const pc_partitions *parts, const int64_t *lane_start, int64_t most,
                             int size, int32_t *n_steps)
{
    const int32_t P = parts->n_partitions;
    double total = 0.0;
    int64_t blocks = 0;
    for (int32_t p = 0; p < P; p++) {
        const int64_t b = (lane_start[p + 1] - lane_start[p] + LANES - 1) / LANES;
        blocks += b;
        total += (double)b * (double)(parts->start[p + 1] - parts->start[p]);
    }
    const double target = total / (4.0 * size);
    probe_step *st = pc_malloc_array((size_t)blocks + 1, sizeof *st);
    if (!st)
        return NULL;
    int32_t n = 0;
    probe_step cur = {0, 0, 0, 0, 0.0};
    for (int32_t p = 0; p < P; p++)
        for (int64_t lo = lane_start[p]; lo < lane_start[p + 1]; lo += LANES) {
            if (lo > cur.a && (lo - cur.a >= most || cur.cost >= target)) {
                cur.b = lo;
                cur.pb = lo > lane_start[p] ? p + 1 : p;
                st[n++] = cur;
                cur = (probe_step){lo, 0, p, 0, 0.0};
            }
            cur.cost += (double)(parts->start[p + 1] - parts->start[p]);
        }
    cur.b = lane_start[P];
    cur.pb = P;
    st[n++] = cur;
    *n_steps = n;
    return st;
}

/*
 * pc_neighbors_probe with opt->ranges: each process holds its range of the
 * rows (split, range_job_start).  The slots (a slot: a document probing a
 * partition, probe_plan's) go in steps of about equal cost (cut_steps: at
 * most opt->chunk slots, about 4 per process); step s is process s mod P's,
 * and in each round
 * every process receives its step's rows from the processes holding them
 * (one exchange: the partitions' members once, each slot's document once
 * per partition it probes), runs the step's lane blocks as one process runs
 * them against the partitions' members, and sends each slot's list to the
 * process holding its document (send_lists), which merges it into its own.
 * A pair's sum is formed as in one process and every list is the top of a
 * fixed set under a total order, so the lists and the work are one
 * process's.  Per process: (1 + probe) × its share of the rows received in
 * all, and memory for its range (held and split), n × probe slots, one
 * step's rows and lists, its range's lists and all lists once.
 */
static pc_status probe_ranges(const pc_csr *X, const pc_partitions *parts,
                              const pc_neighbors_options *opt, const pc_monitor *mon,
                              pc_neighbors **out, pc_error *err)
{
    const pc_comm *comm = opt->comm;
    const int32_t P = parts->n_partitions;
    const int size = comm->size, me = comm->rank;
    range_job rj;
    pc_status status = range_job_start(X, opt, parts->member, 1, mon, &rj, err);
    if (status == PC_OK && rj.n != parts->n_docs)
        status = pc_fail(err, PC_ERR_INVALID, "related papers: partitions of %d documents for %d",
                         (int)parts->n_docs, (int)rj.n);
    int64_t *lane_start = pc_malloc_array((size_t)P + 1, sizeof *lane_start);
    int32_t *slot_doc = status == PC_OK && lane_start ? probe_plan(parts, lane_start) : NULL;
    int32_t n_steps = 0;
    probe_step *step = status == PC_OK && slot_doc
                           ? cut_steps(parts, lane_start, opt->chunk > 0 ? opt->chunk
                                                                         : CHUNK_DEFAULT,
                                       size, &n_steps)
                           : NULL;
    int64_t *clip = pc_malloc_array((size_t)P + 1, sizeof *clip); /* lane_start, a step's ends */
    int32_t *place = pc_malloc_array((size_t)rj.n + 1, sizeof *place);
    int32_t *col = pc_malloc_array((size_t)rj.head + (size_t)rj.rows.max_tail + 1, sizeof *col);
    float *val = pc_malloc_array((size_t)rj.head + (size_t)rj.rows.max_tail + 1, sizeof *val);
    char **buf = pc_calloc((size_t)size, sizeof *buf);
    size_t *len = pc_calloc((size_t)size, sizeof *len);
    if (status == PC_OK && (!slot_doc || !step || !clip || !place || !col || !val || !buf || !len))
        status = pc_fail_nomem(err, "finding related papers");
    for (int64_t e = 0; status == PC_OK && e < (int64_t)rj.n * parts->probe; e++)
        slot_doc[e] = parts->member[slot_doc[e]]; /* the slots' places → their documents */
    for (int32_t g = 0; status == PC_OK && g < rj.n; g++)
        place[parts->member[g]] = g;
    int64_t widest = 0; /* the most slots of one step */
    double total = 0.0; /* this process's rows met (run_probe's progress) */
    for (int32_t t = 0; status == PC_OK && t < n_steps; t++) {
        widest = step[t].b - step[t].a > widest ? step[t].b - step[t].a : widest;
        total += t % size == me ? step[t].cost : 0.0;
    }
    for (int32_t p = 0; status == PC_OK && p <= P; p++)
        clip[p] = lane_start[p];
    int32_t *at = pc_malloc_array((size_t)widest + 1, sizeof *at);
    int32_t *skip = pc_malloc_array((size_t)widest + 1, sizeof *skip);
    if (status == PC_OK && (!at || !skip))
        status = pc_fail_nomem(err, "finding related papers");
    for (int64_t i = 0; status == PC_OK && i < widest; i++)
        at[i] = (int32_t)i;
    related_index members, lanes;
    memset(&members, 0, sizeof members);
    memset(&lanes, 0, sizeof lanes);
    pc_neighbors *lists = NULL;
    pc_progress progress;
    double done = 0.0;
    pc_progress_start(&progress, mon, "related (probing)", total);
    for (int32_t round = 0; status == PC_OK && round * size < n_steps; round++) {
        for (int q = 0; status == PC_OK && q < size; q++) {
            const int32_t t = round * size + q;
            if (t < n_steps && put_step_rows(&rj, parts, slot_doc, step[t].pa, step[t].pb,
                                             step[t].a, step[t].b, &buf[q], &len[q], col,
                                             val) != 0)
                status = pc_fail_nomem(err, "finding related papers");
        }
        const int32_t t = round * size + me;
        const probe_step my = t < n_steps ? step[t] : (probe_step){lane_start[P], lane_start[P],
                                                                   P, P, 0.0};
        const int32_t pa = my.pa, pb = my.pb, g0 = (int32_t)parts->start[pa];
        const int32_t m = (int32_t)parts->start[pb] - g0;
        const int64_t a = my.a, b = my.b;
        pc_csr *M = NULL;
        status = pc_rows_exchange(comm, status, buf, len, 0, m + (int32_t)(b - a),
                                  rj.head + X->n_cols, &M, err);
        for (int q = 0; q < size; q++)
            len[q] = 0;
        if (status == PC_OK)
            status = take_step_rows(M, rj.head, parts, g0, m, slot_doc, a, &members, &lanes, err);
        pc_csr_free(M);
        for (int64_t e = a; status == PC_OK && e < b; e++) /* not its own neighbour */
            skip[e - a] = place[slot_doc[e]] >= g0 && place[slot_doc[e]] < g0 + m
                              ? place[slot_doc[e]] - g0
                              : -1;
        if (status == PC_OK)
            status = pc_neighbors_empty((int32_t)(b - a), opt->top, &lists, err);
        const probe_view v = {.lanes = &lanes, .rows = &members, .lane_at = at, .slot0 = a,
                              .skip = skip};
        clip[pa] = a; /* the step's first and last partitions cut to its slots */
        clip[pb] = b;
        if (status == PC_OK &&
            run_probe(&v, parts, clip, pa, pb, rj.ws, rj.threads, 0, 1, &progress, &done,
                      lists) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        clip[pa] = lane_start[pa];
        clip[pb] = lane_start[pb];
        status = send_lists(lists, &lanes, rj.n, rj.first, comm, status, rj.mine, &rj.h, err);
        pc_neighbors_free(lists);
        lists = NULL;
        related_index_free(&members);
        related_index_free(&lanes);
        memset(&members, 0, sizeof members);
        memset(&lanes, 0, sizeof lanes);
    }
    if (status == PC_OK)
        pc_progress_finish(&progress);
    for (int q = 0; buf && q < size; q++)
        free(buf[q]);
    free(buf);
    free(len);
    free(lane_start);
    free(slot_doc);
    free(step);
    free(clip);
    free(place);
    free(col);
    free(val);
    free(at);
    free(skip);
    return range_job_finish(&rj, comm, status, out, err);
}

pc_status pc_neighbors_probe(const pc_csr *X, const pc_partitions *parts,
                             const pc_neighbors_options *opt, const pc_monitor *mon,
                             pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (opt->top < 1)
        return pc_fail(err, PC_ERR_INVALID, "related papers: top must be at least 1");
    if (parts->probe < 1 || (parts->n_docs != X->n_rows && !(opt->comm && opt->ranges)))
        return pc_fail(err, PC_ERR_INVALID, "related papers: partitions of %d documents for %d",
                       (int)parts->n_docs, (int)X->n_rows);
    if (opt->dense)
        return pc_fail(err, PC_ERR_INVALID,
                       "related papers: probing compares the TF-IDF rows only, not dense rows");
    if (opt->comm && opt->ranges)
        return probe_ranges(X, parts, opt, mon, out, err);
    const int threads = pc_thread_count(opt->threads);
    pc_neighbors_options iopt = *opt;
    iopt.order = parts->member; /* positions: the documents by partition */
    related_index ri;
    int64_t sum_df2 = 0;
    pc_neighbors *nb = NULL;
    int64_t *lane_start = pc_malloc_array((size_t)parts->n_partitions + 1, sizeof *lane_start);
    int32_t *lanes = lane_start ? probe_plan(parts, lane_start) : NULL;
    workspace *ws = pc_calloc((size_t)threads, sizeof *ws);
    pc_status status = related_index_build(X, &iopt, mon, &ri, &sum_df2, err);
    if (status == PC_OK && (!lanes || !ws))
        status = pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK)
        status = pc_neighbors_empty(X->n_rows, opt->top, &nb, err);
    for (int t = 0; t < threads && status == PC_OK; t++)
        if (workspace_alloc(&ws[t], &ri, opt->top, 1) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    const int part = pc_comm_rank(opt->comm), parts_of = pc_comm_size(opt->comm);
    const probe_view v = {.lanes = &ri, .rows = &ri, .lane_at = lanes, .keep = 1};
    pc_progress progress;
    double done = 0.0;
    if (status == PC_OK) {
        pc_progress_start(&progress, mon, "related (probing)",
                          probe_amount(&ri, parts, lane_start, part, parts_of));
        if (run_probe(&v, parts, lane_start, 0, parts->n_partitions, ws, threads, part,
                      parts_of, &progress, &done, nb) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        else
            pc_progress_finish(&progress);
    }
    if (status == PC_OK) {
        nb->work = 0;
        for (int t = 0; t < threads; t++)
            nb->work += ws[t].work;
        nb->work_all = sum_df2;
    }
    if (opt->comm) /* every list is the top of its blocks' across processes */
        status = pc_neighbors_exchange(opt->comm, status, nb, err);
    if (status == PC_OK) {
        *out = nb;
        nb = NULL;
    }
    for (int t = 0; ws && t < threads; t++)
        workspace_free(&ws[t]);
    free(ws);
    free(lanes);
    free(lane_start);
    pc_neighbors_free(nb);
    related_index_free(&ri);
    return status;
}

/*
 * One pair at a time (neighbors_internal.h): the rows split as
 * pc_neighbors_topn splits them, in their own order, without postings.  A
 * pair's sum: the spread row's tail weights by term id met by the other
 * row's tail terms, one product added at a time as add_tail adds them, then
 * the head terms by rank as pc_rows_times_lanes adds them (pc_gather_sum,
 * linalg.c's contraction).  A term only one row has adds a zero product,
 * which changes nothing, as in the lanes' table.
 */
struct pc_pair_scorer {
    related_index ri;
};

pc_status pc_pair_scorer_new(const pc_csr *X, const int64_t *df, int32_t n_docs,
                             int32_t head_terms, pc_pair_scorer **out, int64_t *sum_df2,
                             pc_error *err)
{
    *out = NULL;
    pc_pair_scorer *sc = pc_calloc(1, sizeof *sc);
    int32_t head = 0;
    int32_t *rank = !sc ? NULL
                    : df ? head_ranks_of(df, X->n_cols, n_docs, head_terms, &head, sum_df2)
                         : head_ranks(X, head_terms, &head, sum_df2);
    pc_status status = rank ? index_rows(X, NULL, rank, head, 0, NULL, &sc->ri, err)
                            : pc_fail_nomem(err, "finding related papers");
    free(rank);
    if (status != PC_OK) {
        pc_pair_scorer_free(sc);
        return status;
    }
    *out = sc;
    return PC_OK;
}

void pc_pair_scorer_free(pc_pair_scorer *scorer)
{
    if (!scorer)
        return;
    related_index_free(&scorer->ri);
    free(scorer);
}

size_t pc_pair_scorer_scratch(const pc_pair_scorer *scorer)
{
    return (size_t)scorer->ri.n_terms + (size_t)scorer->ri.head + 1;
}

void pc_pair_spread(const pc_pair_scorer *scorer, int32_t i, float *scratch, int clear)
{
    const related_index *ri = &scorer->ri;
    float *head_i = scratch + ri->n_terms;
    for (int64_t p = ri->tail->row_ptr[i]; p < ri->tail->row_ptr[i + 1]; p++)
        scratch[ri->tail->col[p]] = clear ? 0.0f : ri->tail->val[p];
    for (int64_t p = ri->head_ptr[i]; p < ri->head_ptr[i + 1]; p++)
        head_i[ri->head_rank[p]] = clear ? 0.0f : ri->head_val[p];
}

float pc_pair_sum(const pc_pair_scorer *scorer, const float *scratch, int32_t j)
{
    const related_index *ri = &scorer->ri;
    const pc_csr *tail = ri->tail;
    float s = 0.0f;
    for (int64_t q = tail->row_ptr[j]; q < tail->row_ptr[j + 1]; q++)
        s += scratch[tail->col[q]] * tail->val[q];
    const int64_t h = ri->head_ptr[j];
    return pc_gather_sum(ri->head_rank + h, ri->head_val + h, ri->head_ptr[j + 1] - h,
                         scratch + ri->n_terms, s);
}

void pc_pair_sums(const pc_pair_scorer *scorer, const float *scratch, const int32_t *j,
                  int32_t m, float *out)
{
    const related_index *ri = &scorer->ri;
    const pc_csr *tail = ri->tail;
    int32_t q = 0;
    for (; q + 4 <= m; q += 4) { /* four chains of adds at once, each in its pair's order */
        const int32_t *col[4];
        const float *val[4], *head_val[4];
        const uint16_t *head_rank[4];
        int64_t n[4], n_head[4], common = INT64_MAX;
        for (int c = 0; c < 4; c++) {
            const int32_t r = j[q + c];
            col[c] = tail->col + tail->row_ptr[r];
            val[c] = tail->val + tail->row_ptr[r];
            n[c] = tail->row_ptr[r + 1] - tail->row_ptr[r];
            common = n[c] < common ? n[c] : common;
            head_rank[c] = ri->head_rank + ri->head_ptr[r];
            head_val[c] = ri->head_val + ri->head_ptr[r];
            n_head[c] = ri->head_ptr[r + 1] - ri->head_ptr[r];
        }
        float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int64_t p = 0; p < common; p++)
            for (int c = 0; c < 4; c++)
                s[c] += scratch[col[c][p]] * val[c][p];
        for (int c = 0; c < 4; c++)
            for (int64_t p = common; p < n[c]; p++)
                s[c] += scratch[col[c][p]] * val[c][p];
        pc_gather_sum4(head_rank, head_val, n_head, scratch + ri->n_terms, s);
        for (int c = 0; c < 4; c++)
            out[q + c] = s[c];
    }
    for (; q < m; q++)
        out[q] = pc_pair_sum(scorer, scratch, j[q]);
}

pc_status pc_pair_chunks(const pc_csr *X, int32_t n, const int64_t *df, int32_t head_terms,
                         int32_t chunk, const pc_comm *comm, pc_status status,
                         const pc_monitor *mon, const char *stage, pc_chunk_fn *fn, void *ctx,
                         pc_error *err)
{
    pc_progress progress;
    pc_progress_start(&progress, mon, stage, (double)n);
    for (int32_t c0 = 0; c0 < n; c0 += chunk) {
        const int32_t c1 = n - c0 > chunk ? c0 + chunk : n;
        pc_csr *C = NULL;
        pc_pair_scorer *sc = NULL;
        int64_t unused = 0;
        status = pc_share_rows_span(X, n, c0, c1, comm, status, &C, err);
        if (status != PC_OK) /* every process's failure so far, on every process */
            break;
        status = pc_pair_scorer_new(C, df, n, head_terms, &sc, &unused, err);
        if (status == PC_OK && fn(ctx, C, sc, c0) != 0)
            status = pc_fail_nomem(err, "finding related papers");
        pc_pair_scorer_free(sc);
        pc_csr_free(C);
        if (status == PC_OK && pc_cancelled(mon))
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        pc_progress_update(&progress, (double)c1);
    }
    if (status == PC_OK)
        pc_progress_finish(&progress);
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
