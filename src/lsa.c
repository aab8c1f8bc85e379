/*
 * lsa.c — latent semantic analysis by randomized truncated SVD (lsa.h has
 * the method).  The heavy parts are the sparse products X·B and Xᵀ·B with a
 * dense n × l or V × l block, 2 × (power_iterations + 1) of them, nnz × l
 * multiply-adds each, run over blocks of rows of about equal non-zeros in
 * parallel through linalg.c's table kernel (each row's sums in registers,
 * the blocks' rows padded to 16 floats, 64-byte aligned, on huge pages);
 * then the Cholesky QRs of the n × l and V × l blocks (OpenBLAS ssyrk and
 * strsm) and the l × l SVD (LAPACKE).  Every random draw comes from one
 * seeded generator, in a fixed order, and every parallel loop writes
 * disjoint rows in an order fixed by the data, so the result does not
 * depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/lsa.h"
#include "progress_internal.h"
#include "rng_internal.h"

#define BLOCK_NONZEROS 32768 /* a parallel task: rows holding about this many non-zeros */
#define BLOCK_ROWS 512

void pc_lsa_options_default(pc_lsa_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->dims = 100;
    opt->oversample = 10;
    opt->power_iterations = 5;
    opt->seed = 1;
}

/* The end of the block of rows that starts at `first`: about BLOCK_NONZEROS
 * non-zeros, at most BLOCK_ROWS rows, at least one row. */
static int32_t block_end(const pc_csr *A, int32_t first)
{
    int32_t i = first + 1;
    while (i < A->n_rows && i - first < BLOCK_ROWS &&
           A->row_ptr[i + 1] - A->row_ptr[first] <= BLOCK_NONZEROS)
        i++;
    return i;
}

/* A's rows cut into blocks (block_end): the tasks of a row-parallel product,
 * as even as rows of very different lengths (Xᵀ's terms) allow, and the same
 * whatever the thread count.  bounds[0..*count] are the blocks' first rows
 * and A->n_rows; NULL when out of memory. */
static int32_t *row_blocks(const pc_csr *A, int32_t *count)
{
    int32_t n = 0;
    for (int32_t i = 0; i < A->n_rows; i = block_end(A, i))
        n++;
    int32_t *bounds = pc_malloc_array((size_t)n + 1, sizeof *bounds);
    if (!bounds)
        return NULL;
    n = 0;
    for (int32_t i = 0; i < A->n_rows; i = block_end(A, i))
        bounds[n++] = i;
    bounds[n] = A->n_rows;
    *count = n;
    return bounds;
}

/* out (A->n_rows × width) = A · B (A->n_cols × width), blocks of rows in
 * parallel, each row's sums in registers (pc_csr_times_table). */
static void sparse_times(const pc_csr *A, const int32_t *bounds, int32_t blocks, const float *B,
                         int32_t width, float *out, int threads)
{
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int32_t b = 0; b < blocks; b++)
        pc_csr_times_table(A, bounds[b], bounds[b + 1], B, width,
                           out + (size_t)bounds[b] * (size_t)width);
}

/* Variance of each column of X (rows as samples), summed: the total variance
 * TruncatedSVD's explained_variance_ratio_ divides by. */
static double total_variance(const pc_csr *X, double *sum, double *squares)
{
    memset(sum, 0, (size_t)X->n_cols * sizeof *sum);
    memset(squares, 0, (size_t)X->n_cols * sizeof *squares);
    for (int64_t p = 0; p < X->nnz; p++) {
        sum[X->col[p]] += X->val[p];
        squares[X->col[p]] += (double)X->val[p] * X->val[p];
    }
    double n = X->n_rows, total = 0.0;
    for (int32_t j = 0; j < X->n_cols; j++)
        total += squares[j] / n - (sum[j] / n) * (sum[j] / n);
    return total;
}

typedef struct work {
    pc_csr *Xt;
    int32_t *x_bounds, *xt_bounds, x_blocks, xt_blocks;
    int32_t l, width; /* columns of the random projection; floats a row of Y and Z */
    float *Y, *Z, *R, *U, *Vt;
    double *sum, *squares;
    int threads;
} work;

static void work_free(work *w)
{
    pc_csr_free(w->Xt);
    free(w->x_bounds);
    free(w->xt_bounds);
    free(w->Y);
    free(w->Z);
    free(w->R);
    free(w->U);
    free(w->Vt);
    free(w->sum);
    free(w->squares);
}

/* Y (n × l) = X · Z (V × l), and Z = Xᵀ · Y. */
static void times_x(const pc_csr *X, work *w)
{
    sparse_times(X, w->x_bounds, w->x_blocks, w->Z, w->width, w->Y, w->threads);
}

static void times_xt(work *w)
{
    sparse_times(w->Xt, w->xt_bounds, w->xt_blocks, w->Y, w->width, w->Z, w->threads);
}

/* Ω (V × l standard normal draws, in Z, padding columns zero). */
static pc_status draw_omega(const pc_csr *X, work *w, uint64_t seed, pc_error *err)
{
    pc_rng *rng = pc_rng_new(seed);
    if (!rng)
        return pc_fail_nomem(err, "drawing the LSA's random projection");
    for (int32_t j = 0; j < X->n_cols; j++) {
        float *row = w->Z + (size_t)j * (size_t)w->width;
        for (int32_t c = 0; c < w->width; c++)
            row[c] = c < w->l ? (float)pc_rng_gaussian(rng) : 0.0f;
    }
    pc_rng_free(rng);
    return PC_OK;
}

/*
 * Q (in Y, n × l): the orthonormal basis of the randomized range finder.
 * Normalizing a block by a QR only changes its basis, not its span, so one
 * normalization per power iteration is enough: Z ← orth(Xᵀ·X·Z) spans the
 * same space as Halko et al.'s orth(Xᵀ·orth(X·Z)).  Each is one round of
 * Cholesky QR (the next product only needs a well-conditioned basis; Z's
 * condition is about (σ_1/σ_l)²), on the smaller side (V × l: the terms,
 * when fewer than the documents); the last, Q, is orthonormal to rounding
 * (two rounds).
 */
static pc_status range_finder(const pc_csr *X, work *w, const pc_lsa_options *opt,
                              const pc_monitor *mon, pc_error *err)
{
    pc_status status = draw_omega(X, w, opt->seed, err);
    if (status != PC_OK)
        return status;
    pc_progress progress;
    pc_progress_start(&progress, mon, "LSA", opt->power_iterations + 2);
    times_x(X, w);
    for (int it = 0; it < opt->power_iterations; it++) {
        if (pc_cancelled(mon))
            return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted during the LSA");
        int terms_side = X->n_cols <= X->n_rows;
        if (!terms_side && pc_orthonormalize(w->Y, X->n_rows, w->l, w->width, 1) != 0)
            return pc_fail_nomem(err, "orthonormalizing in the LSA");
        times_xt(w);
        if (terms_side && pc_orthonormalize(w->Z, X->n_cols, w->l, w->width, 1) != 0)
            return pc_fail_nomem(err, "orthonormalizing in the LSA");
        times_x(X, w);
        pc_progress_update(&progress, it + 1);
    }
    if (pc_orthonormalize(w->Y, X->n_rows, w->l, w->width, 2) != 0)
        return pc_fail_nomem(err, "orthonormalizing in the LSA");
    pc_progress_finish(&progress);
    return PC_OK;
}

/* The coordinates U·Σ = Q·W_R·Σ (first dims columns), with fixed signs. */
static void coordinates(const work *w, int32_t n, pc_lsa *out)
{
    int32_t dims = out->dims, l = w->l;
    float *M = w->R; /* reused: l × dims, M[j][c] = Vt[c][j] · s[c] */
    for (int32_t j = 0; j < l; j++)
        for (int32_t c = 0; c < dims; c++)
            M[(size_t)j * dims + c] = w->Vt[(size_t)c * l + j] * out->singular[c];
    pc_gemm_nn(n, dims, l, w->Y, w->width, M, out->coord);
    float *biggest = w->U; /* reused: each column's largest entry, made positive */
    for (int32_t c = 0; c < dims; c++)
        biggest[c] = 0.0f;
    for (int32_t i = 0; i < n; i++)
        for (int32_t c = 0; c < dims; c++)
            if (fabsf(out->coord[(size_t)i * dims + c]) > fabsf(biggest[c]))
                biggest[c] = out->coord[(size_t)i * dims + c];
    for (int32_t i = 0; i < n; i++)
        for (int32_t c = 0; c < dims; c++)
            if (biggest[c] < 0.0f)
                out->coord[(size_t)i * dims + c] = -out->coord[(size_t)i * dims + c];
}

/* Each coordinate's variance over the documents, as a share of X's. */
static void explained_variance(const pc_csr *X, work *w, pc_lsa *out)
{
    double total = total_variance(X, w->sum, w->squares);
    int32_t dims = out->dims;
    double *s = w->sum, *s2 = w->squares; /* reused: dims ≤ V */
    memset(s, 0, (size_t)dims * sizeof *s);
    memset(s2, 0, (size_t)dims * sizeof *s2);
    for (int32_t i = 0; i < out->n_rows; i++)
        for (int32_t c = 0; c < dims; c++) {
            double v = out->coord[(size_t)i * dims + c];
            s[c] += v;
            s2[c] += v * v;
        }
    double n = out->n_rows;
    out->explained_total = 0.0;
    for (int32_t c = 0; c < dims; c++) {
        double var = s2[c] / n - (s[c] / n) * (s[c] / n);
        out->explained[c] = total > 0.0 ? var / total : 0.0;
        out->explained_total += out->explained[c];
    }
}

static pc_status work_new(const pc_csr *X, int32_t l, int threads, work *w, pc_error *err)
{
    size_t n = (size_t)X->n_rows, V = (size_t)X->n_cols, L = (size_t)l;
    w->l = l;
    w->width = (l + PC_TABLE_FLOATS - 1) / PC_TABLE_FLOATS * PC_TABLE_FLOATS;
    w->threads = threads;
    pc_status status = pc_csr_transpose(X, &w->Xt, err);
    if (status != PC_OK)
        return status;
    w->x_bounds = row_blocks(X, &w->x_blocks);
    w->xt_bounds = row_blocks(w->Xt, &w->xt_blocks);
    w->Y = pc_large_array(n * (size_t)w->width, sizeof *w->Y);
    w->Z = pc_large_array(V * (size_t)w->width, sizeof *w->Z);
    w->R = pc_calloc(L * L, sizeof *w->R);
    w->U = pc_malloc_array(L * L, sizeof *w->U);
    w->Vt = pc_malloc_array(L * L, sizeof *w->Vt);
    w->sum = pc_malloc_array(V, sizeof *w->sum);
    w->squares = pc_malloc_array(V, sizeof *w->squares);
    if (!w->x_bounds || !w->xt_bounds || !w->Y || !w->Z || !w->R || !w->U || !w->Vt ||
        !w->sum || !w->squares)
        return pc_fail_nomem(err, "computing the LSA");
    return PC_OK;
}

pc_status pc_lsa_fit(const pc_csr *X, const pc_lsa_options *opt, const pc_monitor *mon,
                     pc_lsa **out, pc_error *err)
{
    *out = NULL;
    int32_t limit = X->n_rows < X->n_cols ? X->n_rows : X->n_cols;
    if (opt->dims < 1 || opt->oversample < 0 || opt->power_iterations < 0 || limit < 1)
        return pc_fail(err, PC_ERR_INVALID, "LSA: dims must be at least 1, oversample and "
                                            "power iterations at least 0, the matrix not empty");
    int32_t l = opt->dims + opt->oversample < limit ? opt->dims + opt->oversample : limit;
    int32_t dims = opt->dims < l ? opt->dims : l;
    int threads = pc_thread_count(opt->threads);
    pc_blas_threads(threads);
    work w = {0};
    pc_lsa *lsa = pc_calloc(1, sizeof *lsa);
    pc_status status =
        lsa ? work_new(X, l, threads, &w, err) : pc_fail_nomem(err, "computing the LSA");
    if (status != PC_OK)
        goto fail;
    lsa->n_rows = X->n_rows;
    lsa->dims = dims;
    lsa->coord = pc_large_array((size_t)X->n_rows * (size_t)dims, sizeof *lsa->coord);
    lsa->singular = pc_malloc_array((size_t)l, sizeof *lsa->singular);
    lsa->explained = pc_malloc_array((size_t)dims, sizeof *lsa->explained);
    if (!lsa->coord || !lsa->singular || !lsa->explained) {
        status = pc_fail_nomem(err, "computing the LSA");
        goto fail;
    }
    if ((status = range_finder(X, &w, opt, mon, err)) != PC_OK)
        goto fail;
    /* Zᵀ = Xᵀ·Q = Q2·R; R = U_R·Σ·W_Rᵀ */
    times_xt(&w);
    if (pc_qr_r(w.Z, X->n_cols, l, w.width, w.R) != 0 ||
        pc_svd_square(w.R, l, lsa->singular, w.U, w.Vt) != 0) {
        status = pc_fail_nomem(err, "factorizing in the LSA");
        goto fail;
    }
    coordinates(&w, X->n_rows, lsa);
    explained_variance(X, &w, lsa);
    work_free(&w);
    *out = lsa;
    return PC_OK;
fail:
    work_free(&w);
    pc_lsa_free(lsa);
    return status != PC_OK ? status : pc_fail_nomem(err, "computing the LSA");
}

void pc_lsa_free(pc_lsa *lsa)
{
    if (!lsa)
        return;
    free(lsa->coord);
    free(lsa->singular);
    free(lsa->explained);
    free(lsa);
}
