/*
 * lsa.c — latent semantic analysis by randomized truncated SVD (lsa.h has
 * the method).  The heavy parts are the sparse products X·B and Xᵀ·B with a
 * dense n × l or V × l block, run over row blocks in parallel through
 * linalg.c's CSR × dense kernel (cost nnz × l multiply-adds each, 2 ×
 * (power_iterations + 1) + 1 of them); the QR factorizations (n × l and
 * V × l) and the l × l SVD go through LAPACKE.  Every random draw comes from
 * one seeded generator, in a fixed order, and every parallel loop writes
 * disjoint rows, so the result does not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/lsa.h"
#include "progress_internal.h"
#include "rng_internal.h"

#define ROW_BLOCK 256
#define COLUMN_SLICE 32

void pc_lsa_options_default(pc_lsa_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->dims = 100;
    opt->oversample = 10;
    opt->power_iterations = 5;
    opt->seed = 1;
}

/* out (A->n_rows × l) = A · B (A->n_cols × l): COLUMN_SLICE columns at a
 * time (B's slice, A->n_cols × 32 floats, stays in cache while A's
 * non-zeros stream past), row blocks in parallel. */
static void sparse_times(const pc_csr *A, const float *B, int32_t l, float *out, int threads)
{
    int32_t blocks = (A->n_rows + ROW_BLOCK - 1) / ROW_BLOCK;
    for (int32_t c0 = 0; c0 < l; c0 += COLUMN_SLICE) {
        int32_t width = l - c0 < COLUMN_SLICE ? l - c0 : COLUMN_SLICE;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (int32_t b = 0; b < blocks; b++) {
            int32_t lo = b * ROW_BLOCK,
                    hi = lo + ROW_BLOCK < A->n_rows ? lo + ROW_BLOCK : A->n_rows;
            pc_csr_times_dense_part(A, lo, hi, B + c0, l, out + (size_t)lo * (size_t)l + c0, l,
                                    width);
        }
    }
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
    float *omega, *Y, *Z, *R, *U, *Vt;
    double *sum, *squares;
} work;

static void work_free(work *w)
{
    pc_csr_free(w->Xt);
    free(w->omega);
    free(w->Y);
    free(w->Z);
    free(w->R);
    free(w->U);
    free(w->Vt);
    free(w->sum);
    free(w->squares);
}

/* Q (in Y, n × l): the orthonormal basis of the randomized range finder. */
static pc_status range_finder(const pc_csr *X, work *w, int32_t l, const pc_lsa_options *opt,
                              int threads, const pc_monitor *mon, pc_error *err)
{
    pc_rng *rng = pc_rng_new(opt->seed);
    if (!rng)
        return pc_fail_nomem(err, "drawing the LSA's random projection");
    for (size_t i = 0; i < (size_t)X->n_cols * (size_t)l; i++)
        w->omega[i] = (float)pc_rng_gaussian(rng);
    pc_rng_free(rng);
    pc_progress progress;
    pc_progress_start(&progress, mon, "LSA", opt->power_iterations + 2);
    sparse_times(X, w->omega, l, w->Y, threads);
    if (pc_orthonormalize(w->Y, X->n_rows, l) != 0)
        return pc_fail_nomem(err, "orthonormalizing in the LSA");
    for (int it = 0; it < opt->power_iterations; it++) {
        if (pc_cancelled(mon))
            return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted during the LSA");
        sparse_times(w->Xt, w->Y, l, w->Z, threads);
        if (pc_orthonormalize(w->Z, X->n_cols, l) != 0)
            return pc_fail_nomem(err, "orthonormalizing in the LSA");
        sparse_times(X, w->Z, l, w->Y, threads);
        if (pc_orthonormalize(w->Y, X->n_rows, l) != 0)
            return pc_fail_nomem(err, "orthonormalizing in the LSA");
        pc_progress_update(&progress, it + 1);
    }
    pc_progress_finish(&progress);
    return PC_OK;
}

/* The coordinates U·Σ = Q·W_R·Σ (first dims columns), with fixed signs. */
static void coordinates(const work *w, int32_t n, int32_t l, pc_lsa *out)
{
    int32_t dims = out->dims;
    float *M = w->R; /* reused: l × dims, M[j][c] = Vt[c][j] · s[c] */
    for (int32_t j = 0; j < l; j++)
        for (int32_t c = 0; c < dims; c++)
            M[(size_t)j * dims + c] = w->Vt[(size_t)c * l + j] * out->singular[c];
    pc_gemm_nn(n, dims, l, w->Y, M, out->coord);
    for (int32_t c = 0; c < dims; c++) { /* each column's largest entry positive */
        float biggest = 0.0f;
        for (int32_t i = 0; i < n; i++)
            if (fabsf(out->coord[(size_t)i * dims + c]) > fabsf(biggest))
                biggest = out->coord[(size_t)i * dims + c];
        if (biggest < 0.0f)
            for (int32_t i = 0; i < n; i++)
                out->coord[(size_t)i * dims + c] = -out->coord[(size_t)i * dims + c];
    }
}

static void explained_variance(const pc_csr *X, work *w, pc_lsa *out)
{
    double total = total_variance(X, w->sum, w->squares);
    out->explained_total = 0.0;
    for (int32_t c = 0; c < out->dims; c++) {
        double s = 0.0, s2 = 0.0;
        for (int32_t i = 0; i < out->n_rows; i++) {
            double v = out->coord[(size_t)i * out->dims + c];
            s += v;
            s2 += v * v;
        }
        double var = s2 / out->n_rows - (s / out->n_rows) * (s / out->n_rows);
        out->explained[c] = total > 0.0 ? var / total : 0.0;
        out->explained_total += out->explained[c];
    }
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
    size_t n = (size_t)X->n_rows, V = (size_t)X->n_cols, L = (size_t)l;
    work w = {0};
    pc_lsa *lsa = pc_calloc(1, sizeof *lsa);
    pc_status status = PC_OK;
    if (!lsa || (status = pc_csr_transpose(X, &w.Xt, err)) != PC_OK)
        goto fail;
    lsa->n_rows = X->n_rows;
    lsa->dims = dims;
    w.omega = pc_malloc_array(V * L, sizeof *w.omega);
    w.Y = pc_malloc_array(n * L, sizeof *w.Y);
    w.Z = pc_malloc_array(V * L, sizeof *w.Z);
    w.R = pc_calloc(L * L, sizeof *w.R);
    w.U = pc_malloc_array(L * L, sizeof *w.U);
    w.Vt = pc_malloc_array(L * L, sizeof *w.Vt);
    w.sum = pc_malloc_array(V, sizeof *w.sum);
    w.squares = pc_malloc_array(V, sizeof *w.squares);
    lsa->coord = pc_malloc_array(n * (size_t)dims, sizeof *lsa->coord);
    lsa->singular = pc_malloc_array(L, sizeof *lsa->singular);
    lsa->explained = pc_malloc_array((size_t)dims, sizeof *lsa->explained);
    if (!w.omega || !w.Y || !w.Z || !w.R || !w.U || !w.Vt || !w.sum || !w.squares ||
        !lsa->coord || !lsa->singular || !lsa->explained) {
        status = pc_fail_nomem(err, "computing the LSA");
        goto fail;
    }
    if ((status = range_finder(X, &w, l, opt, threads, mon, err)) != PC_OK)
        goto fail;
    /* Zᵀ = Xᵀ·Q = Q2·R; R = U_R·Σ·W_Rᵀ */
    sparse_times(w.Xt, w.Y, l, w.Z, threads);
    if (pc_qr_r(w.Z, X->n_cols, l, w.R) != 0 || pc_svd_square(w.R, l, lsa->singular, w.U, w.Vt) != 0) {
        status = pc_fail_nomem(err, "factorizing in the LSA");
        goto fail;
    }
    coordinates(&w, X->n_rows, l, lsa);
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
