/*
 * test_util.h — builders shared by the unit tests: random sparse matrices and
 * corpora with planted topics, all drawn from GSL's RNG so that every run of
 * a test sees the same data.
 */
#ifndef PC_TEST_UTIL_H
#define PC_TEST_UTIL_H

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperclust/matrix.h"
#include "paperclust/neighbors.h"

/* Scales every non-empty row of m to unit L2 norm. */
static inline void test_normalize_rows(pc_csr *m)
{
    for (int32_t r = 0; r < m->n_rows; r++) {
        double s = 0.0;
        for (int64_t p = m->row_ptr[r]; p < m->row_ptr[r + 1]; p++)
            s += (double)m->val[p] * m->val[p];
        for (int64_t p = m->row_ptr[r]; s > 0 && p < m->row_ptr[r + 1]; p++)
            m->val[p] = (float)(m->val[p] / sqrt(s));
    }
}

/* Dot product of row a of m and row b of n, in double, by merging their sorted columns. */
static inline double test_rows_dot(const pc_csr *m, int32_t a, const pc_csr *n, int32_t b)
{
    double s = 0.0;
    int64_t p = m->row_ptr[a], q = n->row_ptr[b];
    while (p < m->row_ptr[a + 1] && q < n->row_ptr[b + 1]) {
        if (m->col[p] == n->col[q])
            s += (double)m->val[p++] * n->val[q++];
        else if (m->col[p] < n->col[q])
            p++;
        else
            q++;
    }
    return s;
}

/*
 * n documents over `topics` planted topics: document i belongs to topic
 * i % topics (written to label[i]); each draws `len` tokens, a share
 * `purity` of them from its topic's own block of terms_per_topic terms and
 * the rest from all terms.  Returns unit-norm count rows (caller frees).
 */
static inline pc_csr *test_planted(int32_t n, int32_t topics, int32_t terms_per_topic,
                                   int32_t len, double purity, unsigned long seed,
                                   int32_t *label)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    int32_t dim = topics * terms_per_topic;
    float *dense = calloc((size_t)dim, sizeof *dense);
    pc_csr *m = NULL;
    if (pc_csr_new(n, dim, (int64_t)n * len, &m, NULL) != PC_OK)
        abort();
    int64_t nnz = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t topic = i % topics;
        label[i] = topic;
        for (int32_t t = 0; t < len; t++) {
            int32_t term = gsl_rng_uniform(rng) < purity
                               ? topic * terms_per_topic +
                                     (int32_t)gsl_rng_uniform_int(rng, (unsigned long)terms_per_topic)
                               : (int32_t)gsl_rng_uniform_int(rng, (unsigned long)dim);
            dense[term] += 1.0f;
        }
        for (int32_t j = 0; j < dim; j++) {
            if (dense[j] != 0.0f) {
                m->col[nnz] = j;
                m->val[nnz++] = dense[j];
                dense[j] = 0.0f;
            }
        }
        m->row_ptr[i + 1] = nnz;
    }
    m->nnz = nnz;
    free(dense);
    gsl_rng_free(rng);
    test_normalize_rows(m);
    return m;
}

/* A random sparse matrix with about `per_row` non-zeros per row in [0, 1), unit rows. */
static inline pc_csr *test_random_sparse(int32_t n, int32_t dim, int32_t per_row,
                                         unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    char *used = calloc((size_t)dim, 1);
    pc_csr *m = NULL;
    if (pc_csr_new(n, dim, (int64_t)n * per_row, &m, NULL) != PC_OK)
        abort();
    int64_t nnz = 0;
    for (int32_t i = 0; i < n; i++) {
        for (int32_t t = 0; t < per_row; t++)
            used[gsl_rng_uniform_int(rng, (unsigned long)dim)] = 1;
        for (int32_t j = 0; j < dim; j++) {
            if (used[j]) {
                m->col[nnz] = j;
                m->val[nnz++] = (float)gsl_rng_uniform_pos(rng);
                used[j] = 0;
            }
        }
        m->row_ptr[i + 1] = nnz;
    }
    m->nnz = nnz;
    free(used);
    gsl_rng_free(rng);
    test_normalize_rows(m);
    return m;
}

/* 1 when two sets of lists are the same, ids and similarities bit for bit. */
static inline int test_same_lists(const pc_neighbors *a, const pc_neighbors *b)
{
    const size_t cells = (size_t)a->n_docs * (size_t)a->top;
    return a->n_docs == b->n_docs && a->top == b->top &&
           memcmp(a->id, b->id, cells * sizeof *a->id) == 0 &&
           memcmp(a->similarity, b->similarity, cells * sizeof *a->similarity) == 0;
}

#endif
