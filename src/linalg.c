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

void pc_csr_times_dense(const pc_csr *X, int32_t row_begin, int32_t row_end, const float *B,
                        int32_t m, float *out)
{
    for (int32_t i = row_begin; i < row_end; i++) {
        float *restrict o = out + (size_t)(i - row_begin) * (size_t)m;
        memset(o, 0, (size_t)m * sizeof *o);
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            const float v = X->val[p];
            const float *restrict b = B + (size_t)X->col[p] * (size_t)m;
            for (int32_t c = 0; c < m; c++)
                o[c] += v * b[c];
        }
    }
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

int pc_map_points(const float *C, int32_t k, int32_t dim, double *xy)
{
    memset(xy, 0, (size_t)k * 2 * sizeof *xy);
    if (k < 2)
        return 0;
    float *gram = pc_malloc_array((size_t)k * (size_t)k, sizeof *gram);
    double *B = pc_malloc_array((size_t)k * (size_t)k, sizeof *B);
    double *mean = pc_calloc((size_t)k, sizeof *mean);
    double w[2];
    double *vec = pc_malloc_array((size_t)k * 2, sizeof *vec);
    lapack_int *support = pc_malloc_array((size_t)4, sizeof *support);
    int status = -1;
    if (!gram || !B || !mean || !vec || !support)
        goto done;
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, k, dim, 1.0f, C, dim, 0.0f, gram, k);
    for (int32_t i = 0; i < k; i++) /* the full symmetric Gram matrix, in double */
        for (int32_t j = i; j < k; j++)
            B[(size_t)i * k + j] = B[(size_t)j * k + i] = gram[(size_t)i * k + j];
    double total = 0.0;
    for (int32_t i = 0; i < k; i++) {
        for (int32_t j = 0; j < k; j++)
            mean[i] += B[(size_t)i * k + j] / k;
        total += mean[i] / k;
    }
    for (int32_t i = 0; i < k; i++) /* double centring: J G J */
        for (int32_t j = 0; j < k; j++)
            B[(size_t)i * k + j] += total - mean[i] - mean[j];
    lapack_int found = 0;
    if (LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', k, B, k, 0.0, 0.0, k - 1, k, 0.0,
                       &found, w, vec, 2, support) != 0 || found != 2)
        goto done;
    for (int axis = 0; axis < 2; axis++) { /* the largest eigenvalue first, as x */
        int column = 1 - axis;
        double scale = w[column] > 0.0 ? sqrt(w[column]) : 0.0, sign = 1.0, biggest = 0.0;
        for (int32_t i = 0; i < k; i++) /* a fixed sign: the largest entry positive */
            if (fabs(vec[(size_t)i * 2 + column]) > biggest + 1e-12) {
                biggest = fabs(vec[(size_t)i * 2 + column]);
                sign = vec[(size_t)i * 2 + column] < 0.0 ? -1.0 : 1.0;
            }
        for (int32_t i = 0; i < k; i++)
            xy[(size_t)i * 2 + axis] = sign * scale * vec[(size_t)i * 2 + column];
    }
    status = 0;
done:
    free(gram);
    free(B);
    free(mean);
    free(vec);
    free(support);
    return status;
}
