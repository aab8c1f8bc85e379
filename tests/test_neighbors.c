/* Tests of neighbors.c: exact top-N against brute force, ties, padding, threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "paperclust/neighbors.h"
#include "test.h"
#include "test_util.h"

static double row_dot(const pc_csr *m, int32_t a, int32_t b)
{
    return test_rows_dot(m, a, m, b);
}

/* Checks one result against an independent brute-force ranking. */
static void check_against_brute_force(const pc_csr *m, const pc_neighbors *nb)
{
    int32_t n = m->n_rows, top = nb->top;
    double *sim = malloc((size_t)n * sizeof *sim);
    for (int32_t d = 0; d < n; d++) {
        for (int32_t e = 0; e < n; e++)
            sim[e] = e == d ? -1.0 : row_dot(m, d, e);
        for (int32_t r = 0; r < top; r++) { /* r-th best by selection */
            int32_t best = -1;
            for (int32_t e = 0; e < n; e++)
                if (sim[e] > 1e-12 && (best < 0 || sim[e] > sim[best]))
                    best = e;
            int32_t got = nb->id[(size_t)d * top + r];
            if (best < 0) {
                CHECK_INT(got, -1);
                break;
            }
            /* equal similarities may come in either order: compare values, then ids when clear */
            CHECK_NEAR(nb->similarity[(size_t)d * top + r], sim[best], 1e-5);
            if (got >= 0 && fabs(sim[got] - sim[best]) > 1e-6)
                CHECK_INT(got, best);
            CHECK(got != d);
            sim[best] = -1.0;
        }
    }
    free(sim);
}

static void topn_matches_brute_force(void)
{
    pc_csr *m = test_random_sparse(400, 300, 12, 7);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 10;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
    check_against_brute_force(m, nb);
    pc_neighbors_free(nb);
    pc_csr_free(m);
}

static void same_result_for_any_thread_count(void)
{
    pc_csr *m = test_random_sparse(500, 200, 10, 11);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 7;
    pc_neighbors *one = NULL, *two = NULL;
    opt.threads = 1;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &one, NULL), PC_OK);
    for (int threads = 2; threads <= 5; threads += 3) { /* 5 threads contend for the lists */
        opt.threads = threads;
        CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &two, NULL), PC_OK);
        CHECK(memcmp(one->id, two->id, 500 * 7 * sizeof *one->id) == 0);
        CHECK(memcmp(one->similarity, two->similarity, 500 * 7 * sizeof *one->similarity) == 0);
        pc_neighbors_free(two);
    }
    pc_neighbors_free(one);
    pc_csr_free(m);
}

/* Rows 0 and 1 are identical, 2 shares nothing: ties go to the lower index,
 * a lone row gets an empty list, top larger than n - 1 pads with -1. */
static void ties_isolation_and_padding(void)
{
    pc_csr *m = NULL;
    CHECK_INT(pc_csr_new(4, 3, 5, &m, NULL), PC_OK);
    int64_t ptr[] = {0, 1, 2, 3, 5};
    int32_t col[] = {0, 0, 2, 0, 1};
    float val[] = {1.0f, 1.0f, 1.0f, 0.6f, 0.8f};
    memcpy(m->row_ptr, ptr, sizeof ptr);
    memcpy(m->col, col, sizeof col);
    memcpy(m->val, val, sizeof val);
    pc_neighbors_options opt = {.top = 5, .threads = 1, .head_terms = -1};
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
    CHECK_INT(nb->id[0 * 5 + 0], 1); /* row 0: row 1 (1.0), then row 3 (0.6) */
    CHECK_INT(nb->id[0 * 5 + 1], 3);
    CHECK_INT(nb->id[0 * 5 + 2], -1);
    CHECK_INT(nb->id[2 * 5 + 0], -1); /* row 2 shares no term */
    CHECK_INT(nb->id[3 * 5 + 0], 0);  /* row 3: rows 0 and 1 tie at 0.6, lower first */
    CHECK_INT(nb->id[3 * 5 + 1], 1);
    CHECK_NEAR(nb->similarity[3 * 5 + 1], 0.6, 1e-7);
    pc_neighbors_free(nb);
    pc_csr_free(m);
}

/*
 * A corpus shaped like text: a third of a document's terms are drawn from
 * the whole vocabulary, term t with probability ∝ 1/(t+1) (Zipf), the rest
 * from its topic's own 30 terms; weights are like tf-idf, ln(n/df) + 0.1
 * times a random factor, so the common terms weigh little.  Rows are unit
 * length.
 */
static pc_csr *zipf_corpus(int32_t n, int32_t vocab, int32_t per_row, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    double *cdf = malloc((size_t)vocab * sizeof *cdf), total = 0.0;
    for (int32_t t = 0; t < vocab; t++)
        cdf[t] = total += 1.0 / (t + 1);
    char *used = calloc((size_t)vocab, 1);
    pc_csr *m = NULL;
    if (pc_csr_new(n, vocab, (int64_t)n * per_row, &m, NULL) != PC_OK)
        abort();
    int32_t n_topics = vocab / 2 / 30;
    int64_t nnz = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t topic = (int32_t)gsl_rng_uniform_int(rng, (unsigned long)n_topics);
        for (int32_t k = 0; k < per_row; k++) {
            if (k % 3) {
                used[vocab / 2 + topic * 30 + (int32_t)gsl_rng_uniform_int(rng, 30)] = 1;
                continue;
            }
            double u = gsl_rng_uniform(rng) * total;
            int32_t lo = 0, hi = vocab - 1;
            while (lo < hi) { /* the first t with cdf[t] > u */
                int32_t mid = lo + (hi - lo) / 2;
                if (cdf[mid] > u)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            used[lo] = 1;
        }
        for (int32_t t = 0; t < vocab; t++)
            if (used[t]) {
                m->col[nnz] = t;
                m->val[nnz++] = (float)gsl_rng_uniform_pos(rng);
                used[t] = 0;
            }
        m->row_ptr[i + 1] = nnz;
    }
    m->nnz = nnz;
    int64_t *df = calloc((size_t)vocab, sizeof *df);
    for (int64_t p = 0; p < nnz; p++)
        df[m->col[p]]++;
    for (int64_t p = 0; p < nnz; p++)
        m->val[p] *= (float)(log((double)n / (double)df[m->col[p]]) + 0.1);
    free(df);
    free(used);
    free(cdf);
    gsl_rng_free(rng);
    test_normalize_rows(m);
    return m;
}

/*
 * The work a split into `head` dense terms and the rest does, counted from
 * its definition: 64 lanes × the head non-zeros of every document up to the
 * end of each block of 64, and the tail postings of each block's documents
 * up to its end.  n is a multiple of 64 here, so every block is full.
 */
static int64_t expected_work(const pc_csr *m, int32_t head, const int64_t *df)
{
    int32_t n = m->n_rows;
    char *in_head = calloc((size_t)m->n_cols, 1);
    for (int32_t h = 0; h < head; h++) { /* the `head` highest df, ties to the lower id */
        int32_t best = -1;
        for (int32_t t = 0; t < m->n_cols; t++)
            if (!in_head[t] && (best < 0 || df[t] > df[best]))
                best = t;
        in_head[best] = 1;
    }
    int64_t *head_prefix = calloc((size_t)n + 1, sizeof *head_prefix);
    for (int32_t i = 0; i < n; i++) {
        head_prefix[i + 1] = head_prefix[i];
        for (int64_t p = m->row_ptr[i]; p < m->row_ptr[i + 1]; p++)
            head_prefix[i + 1] += in_head[m->col[p]];
    }
    int64_t work = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t end = (i / 64 + 1) * 64; /* document i's block meets the rows before `end` */
        if (i % 64 == 0)
            work += head_prefix[end] * 64;
        for (int64_t p = m->row_ptr[i]; p < m->row_ptr[i + 1]; p++) {
            if (in_head[m->col[p]])
                continue;
            for (int32_t j = 0; j < end; j++) /* j's postings of the same term */
                for (int64_t q = m->row_ptr[j]; q < m->row_ptr[j + 1]; q++)
                    work += m->col[q] == m->col[p];
        }
    }
    free(head_prefix);
    free(in_head);
    return work;
}

/*
 * Every split of the terms into dense head and sparse tail gives the exact
 * lists (only a near-tie may swap), does the work it should, and reports Σ df².
 */
static void any_head_gives_the_same_lists(void)
{
    const int32_t n = 1024, vocab = 1500;
    pc_csr *m = zipf_corpus(n, vocab, 25, 5);
    int64_t sum_df2 = 0, *df = calloc((size_t)vocab, sizeof *df);
    for (int64_t p = 0; p < m->nnz; p++)
        df[m->col[p]]++;
    for (int32_t t = 0; t < vocab; t++)
        sum_df2 += df[t] * df[t];
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 10;
    opt.threads = 2;
    pc_neighbors *first = NULL;
    const int32_t heads[] = {0, 40, -1, vocab};
    for (int h = 0; h < 4; h++) {
        pc_neighbors *nb = NULL;
        opt.head_terms = heads[h];
        CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
        CHECK_INT(nb->work_all, sum_df2);
        if (heads[h] >= 0)
            CHECK_INT(nb->work, expected_work(m, heads[h], df));
        if (heads[h] == 0) /* each pair once: about half of Σ df² */
            CHECK(nb->work < sum_df2 / 2 + sum_df2 / 10);
        check_against_brute_force(m, nb);
        if (!first) {
            first = nb;
            continue;
        }
        int swaps = 0;
        for (size_t i = 0; i < (size_t)n * 10; i++) {
            CHECK_NEAR(nb->similarity[i], first->similarity[i], 1e-6);
            int32_t d = (int32_t)(i / 10), a = nb->id[i], b = first->id[i];
            if (a != b) { /* only a near-tie may swap: the two papers are as near to d */
                swaps++;
                CHECK(a >= 0 && b >= 0);
                if (a >= 0 && b >= 0)
                    CHECK_NEAR(row_dot(m, d, a), row_dot(m, d, b), 1e-6);
            }
        }
        CHECK(swaps <= n / 10); /* near-ties are rare: not a wholesale reordering */
        pc_neighbors_free(nb);
    }
    pc_neighbors_free(first);
    free(df);
    pc_csr_free(m);
}

/* Any query order gives the same bits; a bad order is refused. */
static void query_order_changes_nothing(void)
{
    pc_csr *m = zipf_corpus(1000, 800, 20, 9);
    int32_t *order = malloc(1000 * sizeof *order);
    for (int32_t i = 0; i < 1000; i++)
        order[i] = (i * 337) % 1000; /* 337 is prime to 1000: a permutation */
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 5;
    pc_neighbors *plain = NULL, *ordered = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &plain, NULL), PC_OK);
    opt.order = order;
    opt.threads = 2;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &ordered, NULL), PC_OK);
    CHECK(memcmp(plain->id, ordered->id, 1000 * 5 * sizeof *plain->id) == 0);
    CHECK(memcmp(plain->similarity, ordered->similarity, 1000 * 5 * sizeof(float)) == 0);
    order[1] = order[0]; /* a repeat */
    pc_neighbors *bad = NULL;
    pc_error err;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &bad, &err), PC_ERR_INVALID);
    CHECK(bad == NULL);
    free(order);
    pc_neighbors_free(plain);
    pc_neighbors_free(ordered);
    pc_csr_free(m);
}

/* Every allocation that can fail fails cleanly: PC_ERR_NOMEM, no result, nothing leaked. */
static void out_of_memory_fails_cleanly(void)
{
    pc_csr *m = test_random_sparse(200, 100, 8, 3);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.threads = 2;
    int succeeded = 0;
    for (long n = 1; n < 400 && !succeeded; n++) {
        pc_neighbors *nb = NULL;
        pc_error err;
        pc_alloc_fail_after(n);
        pc_status status = pc_neighbors_topn(m, &opt, NULL, &nb, &err);
        pc_alloc_fail_after(0);
        if (status == PC_OK) {
            succeeded = 1;
            CHECK(nb != NULL);
        } else {
            CHECK_INT(status, PC_ERR_NOMEM);
            CHECK(nb == NULL);
            CHECK(strstr(err.message, "out of memory") != NULL);
        }
        pc_neighbors_free(nb);
    }
    CHECK(succeeded); /* the allocations were all tried */
    succeeded = 0; /* the same for queries (the first 50 rows) */
    pc_csr q = *m;
    q.n_rows = 50;
    q.nnz = m->row_ptr[50];
    for (long n = 1; n < 400 && !succeeded; n++) {
        pc_neighbors *nb = NULL;
        pc_error err;
        pc_alloc_fail_after(n);
        pc_status status = pc_neighbors_query(m, &q, NULL, &opt, NULL, &nb, &err);
        pc_alloc_fail_after(0);
        succeeded = status == PC_OK;
        CHECK(succeeded ? nb != NULL : status == PC_ERR_NOMEM && nb == NULL);
        pc_neighbors_free(nb);
    }
    CHECK(succeeded);
    pc_csr_free(m);
}

static void rejects_zero_top(void)
{
    pc_csr *m = test_random_sparse(10, 10, 3, 1);
    pc_neighbors_options opt = {.top = 0, .threads = 1, .head_terms = -1};
    pc_neighbors *nb = NULL;
    pc_error err;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    pc_csr_free(m);
}

/* The rows `pick` of m followed by `extra` random rows of the same width: queries. */
static pc_csr *queries_of(const pc_csr *m, const int32_t *pick, int32_t n_pick, int32_t extra,
                          unsigned long seed)
{
    pc_csr *r = extra ? zipf_corpus(extra, m->n_cols, 20, seed) : NULL;
    int64_t nnz = r ? r->nnz : 0;
    for (int32_t i = 0; i < n_pick; i++)
        nnz += m->row_ptr[pick[i] + 1] - m->row_ptr[pick[i]];
    pc_csr *q = NULL;
    if (pc_csr_new(n_pick + extra, m->n_cols, nnz, &q, NULL) != PC_OK)
        abort();
    int64_t at = 0;
    for (int32_t i = 0; i < n_pick + extra; i++) {
        const pc_csr *src = i < n_pick ? m : r;
        int32_t row = i < n_pick ? pick[i] : i - n_pick;
        for (int64_t p = src->row_ptr[row]; p < src->row_ptr[row + 1]; p++, at++) {
            q->col[at] = src->col[p];
            q->val[at] = src->val[p];
        }
        q->row_ptr[i + 1] = at;
    }
    pc_csr_free(r);
    return q;
}

/*
 * Queries against rows: each query's list is the brute-force top of its
 * dot products with every row (here m's rows follow the queries in one
 * matrix, and brute force ranks only them); a query that is row i of m
 * (self = i) gets row i's list from pc_neighbors_topn bit for bit, with any
 * head size, query order and thread count; without self it lists row i
 * first.  Bad arguments are refused.
 */
static void queries_match_brute_force_and_topn(void)
{
    const int32_t n = 700, vocab = 900, picks = 90, extra = 60;
    pc_csr *m = zipf_corpus(n, vocab, 25, 21);
    int32_t pick[90], self[150], order[150];
    for (int32_t i = 0; i < picks; i++)
        pick[i] = (i * 211 + 5) % n;
    pc_csr *q = queries_of(m, pick, picks, extra, 33);
    for (int32_t i = 0; i < picks + extra; i++) {
        self[i] = i < picks ? pick[i] : -1;
        order[i] = (i * 7) % (picks + extra);
    }
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 7;
    const int32_t heads[] = {-1, 0, 50};
    for (int h = 0; h < 3; h++) {
        opt.head_terms = heads[h];
        opt.order = NULL;
        opt.threads = 1;
        pc_neighbors *all = NULL, *nb = NULL;
        CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &all, NULL), PC_OK);
        opt.order = h == 2 ? order : NULL;
        opt.threads = h == 0 ? 1 : 2;
        CHECK_INT(pc_neighbors_query(m, q, self, &opt, NULL, &nb, NULL), PC_OK);
        CHECK_INT(nb->n_docs, picks + extra);
        for (int32_t i = 0; i < picks; i++) {
            size_t a = (size_t)i * 7, b = (size_t)pick[i] * 7;
            CHECK(memcmp(nb->id + a, all->id + b, 7 * sizeof *nb->id) == 0);
            CHECK(memcmp(nb->similarity + a, all->similarity + b, 7 * sizeof(float)) == 0);
        }
        double *dots = malloc((size_t)n * sizeof *dots);
        for (int32_t i = 0; i < picks + extra; i++) { /* brute force over m's rows */
            for (int32_t e = 0; e < n; e++)
                dots[e] = e == self[i] ? 0.0 : test_rows_dot(q, i, m, e);
            double best_prev = 2.0;
            int32_t prev = -1;
            for (int32_t r = 0; r < 7; r++) {
                double best = 0.0;
                int32_t at = -1;
                for (int32_t e = 0; e < n; e++) {
                    const double d = dots[e];
                    int after_prev = d < best_prev - 1e-6 ||
                                     (fabs(d - best_prev) <= 1e-6 && e > prev);
                    if (d > 1e-12 && after_prev && (at < 0 || d > best + 1e-6))
                        best = d, at = e;
                }
                int32_t got = nb->id[(size_t)i * 7 + r];
                if (at < 0) {
                    CHECK_INT(got, -1);
                    break;
                }
                CHECK_NEAR(nb->similarity[(size_t)i * 7 + r], best, 1e-5);
                CHECK(got != self[i]);
                best_prev = nb->similarity[(size_t)i * 7 + r];
                prev = got;
            }
        }
        free(dots);
        pc_neighbors_free(all);
        pc_neighbors_free(nb);
    }
    /* without self, a copied row lists itself first, at its own length (1) */
    pc_neighbors *nb = NULL;
    opt.head_terms = -1;
    opt.order = NULL;
    CHECK_INT(pc_neighbors_query(m, q, NULL, &opt, NULL, &nb, NULL), PC_OK);
    for (int32_t i = 0; i < picks; i++) {
        CHECK_INT(nb->id[(size_t)i * 7], pick[i]);
        CHECK_NEAR(nb->similarity[(size_t)i * 7], 1.0, 1e-5);
    }
    pc_neighbors_free(nb);
    /* refused: a self out of range, a width that differs, top 0 */
    pc_error err;
    self[3] = n;
    CHECK_INT(pc_neighbors_query(m, q, self, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    q->n_cols = vocab + 1;
    CHECK_INT(pc_neighbors_query(m, q, NULL, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    q->n_cols = vocab;
    opt.top = 0;
    CHECK_INT(pc_neighbors_query(m, q, NULL, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    pc_csr_free(q);
    pc_csr_free(m);
}

/* ---- dense rows, alone and blended with the sparse ones ---- */

/* n × dims normal draws, rows unit length; rows 2k+1 copy rows 2k for k < ties (exact ties),
 * and the rows listed in `zero` are zero (nothing is similar to them). */
static float *dense_rows(int32_t n, int32_t dims, int32_t ties, const int32_t *zero,
                         int32_t n_zero, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    float *z = malloc((size_t)n * (size_t)dims * sizeof *z);
    for (int32_t i = 0; i < n; i++) {
        double norm = 0.0;
        float *row = z + (size_t)i * dims;
        for (int32_t c = 0; c < dims; c++) {
            double u1 = gsl_rng_uniform_pos(rng), u2 = gsl_rng_uniform(rng);
            row[c] = (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
            norm += (double)row[c] * row[c];
        }
        for (int32_t c = 0; c < dims; c++)
            row[c] = (float)(row[c] / sqrt(norm));
    }
    for (int32_t k = 0; k < ties; k++)
        memcpy(z + (size_t)(2 * k + 1) * dims, z + (size_t)(2 * k) * dims, (size_t)dims * sizeof *z);
    for (int32_t k = 0; k < n_zero; k++)
        memset(z + (size_t)zero[k] * dims, 0, (size_t)dims * sizeof *z);
    gsl_rng_free(rng);
    return z;
}

/* What a pair scores: α · sparse dot + (1 − α) · dense dot, in double. */
typedef struct blend {
    const pc_csr *xq, *x;     /* sparse query and candidate rows (NULL: no sparse part) */
    const float *zq, *z;      /* dense ones */
    int32_t dims;
    double alpha;
} blend;

static double blend_score(const blend *b, int32_t q, int32_t e)
{
    double dense = 0.0;
    for (int32_t c = 0; c < b->dims; c++)
        dense += (double)b->zq[(size_t)q * b->dims + c] * b->z[(size_t)e * b->dims + c];
    double sparse = b->x ? test_rows_dot(b->xq, q, b->x, e) : 0.0;
    return b->alpha * sparse + (1.0 - b->alpha) * dense;
}

/*
 * Query q's list against brute force over the n candidates (skip never
 * listed): each listed score right, decreasing, no candidate left out that
 * scores above the last listed (or above 0 when the list is short), -1
 * padding, equal scores in index order.  Returns how many exact ties it saw.
 */
static int check_blend_list(const pc_neighbors *nb, int32_t q, int32_t n, int32_t skip,
                            const blend *b, double *score)
{
    const int32_t top = nb->top;
    const int32_t *id = nb->id + (size_t)q * top;
    const float *sim = nb->similarity + (size_t)q * top;
    int ties = 0;
    for (int32_t e = 0; e < n; e++)
        score[e] = e == skip ? -HUGE_VAL : blend_score(b, q, e);
    int32_t m = 0;
    while (m < top && id[m] >= 0) {
        CHECK(id[m] < n && id[m] != skip);
        CHECK_NEAR(sim[m], score[id[m]], 1e-5);
        CHECK(sim[m] > 0.0f);
        if (m > 0) {
            CHECK(sim[m] <= sim[m - 1]);
            if (sim[m] == sim[m - 1]) {
                CHECK(id[m] > id[m - 1]);
                ties++;
            }
        }
        score[id[m]] = -HUGE_VAL; /* listed once */
        m++;
    }
    for (int32_t r = m; r < top; r++)
        CHECK_INT(id[r], -1);
    const double floor = m == top ? sim[top - 1] : 0.0;
    for (int32_t e = 0; e < n; e++)
        if (score[e] > floor + 1e-5) {
            CHECK(score[e] <= floor + 1e-5);
            break;
        }
    return ties;
}

/*
 * The dense part alone (α = 0) on 4,133 rows: more than one 4,096-row tile
 * and a last lane block of 37; ties, zero rows (empty lists), padding; the
 * same bytes for 1, 2 and 3 threads and for any order of the lane blocks.
 */
static void dense_topn_matches_brute_force(void)
{
    const int32_t n = 4133, dims = 5, top = 6, zero[] = {7, 4100, 4132};
    float *z = dense_rows(n, dims, 40, zero, 3, 5);
    pc_csr *x = test_random_sparse(n, 50, 4, 9); /* its values are not read */
    pc_neighbors_dense dense = {dims, z, NULL, 0.0f};
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = top;
    opt.threads = 1;
    opt.dense = &dense;
    pc_neighbors *one = NULL, *other = NULL;
    CHECK_INT(pc_neighbors_topn(x, &opt, NULL, &one, NULL), PC_OK);
    int64_t pairs = 0; /* each block of 64 against every row up to its end */
    for (int32_t lo = 0; lo < n; lo += 64)
        pairs += (int64_t)(lo + 64 < n ? 64 : n - lo) * (lo + 64 < n ? lo + 64 : n);
    CHECK(one->dense_work == pairs * dims);
    CHECK(one->work == 0);
    blend b = {NULL, NULL, z, z, dims, 0.0};
    double *score = malloc((size_t)n * sizeof *score);
    int ties = 0;
    for (int32_t q = 0; q < n; q++) /* brute force for a sample: the copies, the tile edges */
        if (q < 100 || q % 11 == 0 || (q >= 4030 && q < 4160))
            ties += check_blend_list(one, q, n, q, &b, score);
    CHECK(ties > 0); /* the copied rows gave exact ties */
    CHECK_INT(one->id[(size_t)7 * top], -1); /* a zero row relates to nothing */
    int32_t *order = malloc((size_t)n * sizeof *order);
    for (int32_t i = 0; i < n; i++)
        order[i] = (int32_t)(((int64_t)i * 1237 + 11) % n);
    for (int threads = 2; threads <= 3; threads++) {
        opt.threads = threads;
        opt.order = threads == 3 ? order : NULL;
        CHECK_INT(pc_neighbors_topn(x, &opt, NULL, &other, NULL), PC_OK);
        CHECK(memcmp(one->id, other->id, (size_t)n * top * sizeof *one->id) == 0);
        CHECK(memcmp(one->similarity, other->similarity, (size_t)n * top * sizeof(float)) == 0);
        pc_neighbors_free(other);
    }
    free(order);
    free(score);
    free(z);
    pc_neighbors_free(one);
    pc_csr_free(x);
}

/* α·sparse + (1 − α)·dense for every pair, through topn and queries, against brute force. */
static void blended_scores_match_brute_force(void)
{
    const int32_t n = 700, dims = 7, top = 8, picks = 40, extra = 25;
    pc_csr *x = zipf_corpus(n, 600, 20, 41);
    float *z = dense_rows(n, dims, 0, NULL, 0, 43);
    pc_neighbors_dense dense = {dims, z, NULL, 0.3f};
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = top;
    opt.dense = &dense;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(x, &opt, NULL, &nb, NULL), PC_OK);
    CHECK(nb->work > 0 && nb->dense_work > 0);
    blend b = {x, x, z, z, dims, 0.3};
    double *score = malloc((size_t)n * sizeof *score);
    for (int32_t q = 0; q < n; q++)
        check_blend_list(nb, q, n, q, &b, score);
    pc_neighbors_free(nb);
    /* queries: copies of some rows (themselves skipped) and new ones */
    int32_t pick[40], self[65];
    for (int32_t i = 0; i < picks; i++)
        pick[i] = (i * 37 + 3) % n;
    pc_csr *q = queries_of(x, pick, picks, extra, 47);
    float *zq = dense_rows(picks + extra, dims, 0, NULL, 0, 49);
    for (int32_t i = 0; i < picks + extra; i++)
        self[i] = i < picks ? pick[i] : -1;
    for (int32_t i = 0; i < picks; i++)
        memcpy(zq + (size_t)i * dims, z + (size_t)pick[i] * dims, (size_t)dims * sizeof *zq);
    dense.queries = zq;
    blend bq = {q, x, zq, z, dims, 0.3};
    int32_t order[65];
    for (int32_t i = 0; i < picks + extra; i++)
        order[i] = (i * 11) % (picks + extra);
    pc_neighbors *first = NULL;
    for (int variant = 0; variant < 2; variant++) {
        opt.threads = 1 + variant;
        opt.order = variant ? order : NULL;
        CHECK_INT(pc_neighbors_query(x, q, self, &opt, NULL, &nb, NULL), PC_OK);
        for (int32_t i = 0; i < picks + extra; i++)
            check_blend_list(nb, i, n, self[i], &bq, score);
        if (variant == 0) {
            first = nb;
            continue;
        }
        CHECK(memcmp(first->id, nb->id, (size_t)(picks + extra) * top * sizeof *nb->id) == 0);
        pc_neighbors_free(nb);
    }
    pc_neighbors_free(first);
    /* refused: no dense queries, no dims, a weight above 1 */
    pc_error err;
    opt.order = NULL;
    dense.queries = NULL;
    CHECK_INT(pc_neighbors_query(x, q, self, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    dense = (pc_neighbors_dense){0, z, zq, 0.3f};
    CHECK_INT(pc_neighbors_topn(x, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    dense = (pc_neighbors_dense){dims, z, zq, 1.5f};
    CHECK_INT(pc_neighbors_topn(x, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    free(score);
    free(z);
    free(zq);
    pc_csr_free(q);
    pc_csr_free(x);
}

/* The dense path's allocations (the reordered copies) fail cleanly too. */
static void dense_out_of_memory_fails_cleanly(void)
{
    const int32_t n = 150, dims = 4;
    pc_csr *x = test_random_sparse(n, 60, 5, 13);
    float *z = dense_rows(n, dims, 0, NULL, 0, 17);
    int32_t order[150];
    for (int32_t i = 0; i < n; i++)
        order[i] = n - 1 - i;
    pc_neighbors_dense dense = {dims, z, z, 0.5f};
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.threads = 2;
    opt.order = order;
    opt.dense = &dense;
    for (int query = 0; query < 2; query++) {
        int succeeded = 0;
        for (long k = 1; k < 500 && !succeeded; k++) {
            pc_neighbors *nb = NULL;
            pc_error err;
            pc_alloc_fail_after(k);
            pc_status status = query ? pc_neighbors_query(x, x, NULL, &opt, NULL, &nb, &err)
                                     : pc_neighbors_topn(x, &opt, NULL, &nb, &err);
            pc_alloc_fail_after(0);
            succeeded = status == PC_OK;
            CHECK(succeeded ? nb != NULL : status == PC_ERR_NOMEM && nb == NULL);
            if (!succeeded && status != PC_ERR_NOMEM)
                fprintf(stderr, "%s\n", err.message);
            pc_neighbors_free(nb);
        }
        CHECK(succeeded);
    }
    free(z);
    pc_csr_free(x);
}

int main(void)
{
    RUN_TEST(topn_matches_brute_force);
    RUN_TEST(same_result_for_any_thread_count);
    RUN_TEST(ties_isolation_and_padding);
    RUN_TEST(rejects_zero_top);
    RUN_TEST(out_of_memory_fails_cleanly);
    RUN_TEST(any_head_gives_the_same_lists);
    RUN_TEST(query_order_changes_nothing);
    RUN_TEST(queries_match_brute_force_and_topn);
    RUN_TEST(dense_topn_matches_brute_force);
    RUN_TEST(blended_scores_match_brute_force);
    RUN_TEST(dense_out_of_memory_fails_cleanly);
    return TEST_EXIT();
}
