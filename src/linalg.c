/*
 * linalg.c — sparse × dense kernels and every call into CBLAS (OpenBLAS).
 *
 * The hot kernel is pc_csr_times_dense: for each non-zero x_ij of a row it
 * adds x_ij times row j of B (m contiguous floats) to the row's output.  With
 * B = centroidsᵀ this is the k-means assignment step, nnz × k multiply-adds,
 * and with B holding k-means++ candidates it is the seeding step.  A call to
 * cblas_saxpy per non-zero would cost more in call overhead than the m ≈ 10–50
 * flops it does, so the inner loop is plain C that the compiler vectorises.
 * pc_rows_times_lanes is the same product with B of a fixed width of 64
 * floats, written with the compiler's vector types (the widest the target
 * has) so that the 64 sums of a row stay in registers while the row's
 * non-zeros stream by: the related-paper stage's head terms.
 * Dense work (norms, scaling, dot products, matrix products) goes to BLAS.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"

void pc_csr_times_dense_part(const pc_csr *X, int32_t row_begin, int32_t row_end,
                             const float *B, int64_t ldb, float *out, int64_t ldo, int32_t width)
{
    for (int32_t i = row_begin; i < row_end; i++) {
        float *restrict o = out + (size_t)(i - row_begin) * (size_t)ldo;
        memset(o, 0, (size_t)width * sizeof *o);
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            const float v = X->val[p];
            const float *restrict b = B + (size_t)X->col[p] * (size_t)ldb;
            for (int32_t c = 0; c < width; c++)
                o[c] += v * b[c];
        }
    }
}

void pc_csr_times_dense(const pc_csr *X, int32_t row_begin, int32_t row_end, const float *B,
                        int32_t m, float *out)
{
    pc_csr_times_dense_part(X, row_begin, row_end, B, m, out, m, m);
}

/* The widest vector register the target has: AVX-512, AVX or SSE (or a pair of floats' worth
 * of plain code elsewhere, which the compiler lowers as it can). */
#if defined(__AVX512F__)
#define VEC_BYTES 64
#elif defined(__AVX__)
#define VEC_BYTES 32
#else
#define VEC_BYTES 16
#endif
typedef float vecf __attribute__((vector_size(VEC_BYTES)));
#define VECS_PER_LANE_ROW (PC_LANES * 4 / VEC_BYTES)

void pc_rows_times_lanes(const int64_t *ptr, const uint16_t *column, const float *val,
                         int32_t j0, int32_t j1, const float *table, float *out)
{
    const vecf *restrict rows = (const vecf *)table;
    for (int32_t j = j0; j < j1; j++) {
        vecf *restrict o = (vecf *)out + (size_t)(j - j0) * VECS_PER_LANE_ROW;
        vecf sum[VECS_PER_LANE_ROW];
        for (int v = 0; v < VECS_PER_LANE_ROW; v++)
            sum[v] = o[v];
        for (int64_t p = ptr[j]; p < ptr[j + 1]; p++) { /* 64 multiply-adds a non-zero */
            const vecf *restrict r = rows + (size_t)column[p] * VECS_PER_LANE_ROW;
            const float x = val[p];
            for (int v = 0; v < VECS_PER_LANE_ROW; v++)
                sum[v] += x * r[v];
        }
        for (int v = 0; v < VECS_PER_LANE_ROW; v++)
            o[v] = sum[v];
    }
}

void pc_normalize_rows(float *A, int32_t rows, int64_t cols)
{
    for (int32_t r = 0; r < rows; r++) {
        float *row = A + (size_t)r * (size_t)cols;
        float norm = cblas_snrm2((blasint)cols, row, 1);
        if (norm > 0.0f)
            cblas_sscal((blasint)cols, 1.0f / norm, row, 1);
    }
}

double pc_dot(const float *x, const float *y, int64_t n)
{
    return cblas_dsdot((blasint)n, x, 1, y, 1);
}

void pc_gemm_nt(int32_t m, int32_t n, int32_t kk, const float *A, const float *B, float *C)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, kk, 1.0f, A, kk, B, kk, 0.0f, C,
                n);
}

void pc_blas_threads(int threads)
{
    openblas_set_num_threads(threads);
}

void pc_gemm_nn(int32_t m, int32_t n, int32_t kk, const float *A, const float *B, float *C)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, kk, 1.0f, A, kk, B, n, 0.0f, C,
                n);
}

/*
 * LAPACK works on column-major arrays; LAPACKE would copy a row-major one
 * both ways.  A row-major rows × cols array is the column-major cols × rows
 * transpose, so the QR factorization of A is done as the LQ factorization
 * of Aᵀ in place (sgelqf): Aᵀ = L·Q_A, so A = Q_Aᵀ·Lᵀ, and the row-major
 * buffer of Q_A (sorglq) is the orthonormal rows × cols basis itself.
 */
static int householder(float *A, int64_t rows, int32_t cols, int form_q)
{
    float *tau = pc_malloc_array((size_t)cols, sizeof *tau);
    if (!tau)
        return -1;
    LAPACKE_set_nancheck(0); /* our products are finite; the check costs a pass */
    lapack_int status = LAPACKE_sgelqf(LAPACK_COL_MAJOR, cols, (lapack_int)rows, A, cols, tau);
    if (status == 0 && form_q)
        status = LAPACKE_sorglq(LAPACK_COL_MAJOR, cols, (lapack_int)rows, cols, A, cols, tau);
    free(tau);
    return status == 0 ? 0 : -1;
}

/*
 * Cholesky QR (Stathopoulos & Wu 2002; twice: Fukaya et al. 2014): G = AᵀA
 * (one ssyrk: level-3, no copy), G = RᵀR (dpotrf on the small cols × cols,
 * in double), A ← A·R⁻¹ (strsm).  Twice, so A's columns come out orthonormal
 * to rounding when A is not too ill-conditioned (κ(A)² well below 1/ε);
 * when the Cholesky factorization fails, 1 is returned and A is untouched
 * by the failed round.  -1 when out of memory.
 */
static int cholesky_qr(float *A, int64_t rows, int32_t cols)
{
    size_t c = (size_t)cols;
    float *G = pc_malloc_array(c * c, sizeof *G);
    double *D = pc_malloc_array(c * c, sizeof *D);
    int status = !G || !D ? -1 : 0;
    for (int round = 0; status == 0 && round < 2; round++) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, (blasint)rows, 1.0f, A, cols,
                    0.0f, G, cols);
        for (size_t i = 0; i < c; i++)
            for (size_t j = 0; j < c; j++)
                D[i * c + j] = j >= i ? G[i * c + j] : 0.0;
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', cols, D, cols) != 0) {
            status = 1;
            break;
        }
        for (size_t i = 0; i < c; i++)
            for (size_t j = 0; j < c; j++)
                G[i * c + j] = j >= i ? (float)D[i * c + j] : 0.0f;
        cblas_strsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                    (blasint)rows, cols, 1.0f, G, cols, A, cols);
    }
    free(G);
    free(D);
    return status;
}

int pc_orthonormalize(float *A, int64_t rows, int32_t cols)
{
    if (rows < cols || cols < 1)
        return -1;
    int status = cholesky_qr(A, rows, cols);
    return status == 1 ? householder(A, rows, cols, 1) : status;
}

int pc_svd_square(float *A, int32_t n, float *s, float *U, float *Vt)
{
    lapack_int status = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'A', n, n, A, n, s, U, n, Vt, n);
    return status == 0 ? 0 : -1;
}

int pc_qr_r(float *A, int64_t rows, int32_t cols, float *R)
{
    if (rows < cols || cols < 1 || householder(A, rows, cols, 0) != 0)
        return -1;
    /* R = Lᵀ: L's lower triangle, column-major, is R's upper one, row-major, in place */
    for (int32_t i = 0; i < cols; i++)
        for (int32_t j = 0; j < cols; j++)
            R[(size_t)i * cols + j] = j >= i ? A[(size_t)i * cols + j] : 0.0f;
    return 0;
}

void pc_gemm_nt_blend(int32_t m, int32_t n, int32_t kk, float alpha, const float *A,
                      const float *B, float beta, float *C, int64_t ldc)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, kk, alpha, A, kk, B, kk, beta, C,
                (blasint)ldc);
}
