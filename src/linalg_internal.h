/*
 * linalg_internal.h — the numeric kernels and the one seam to CBLAS.
 * Nothing else in the library includes cblas.h.
 */
#ifndef PC_LINALG_INTERNAL_H
#define PC_LINALG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "paperclust/matrix.h"

/*
 * out[i - row_begin][0..m) = Σ_j X[i][j] · B[j][0..m) for rows row_begin ≤ i <
 * row_end: a sparse row times a dense n_cols × m row-major matrix (for
 * k-means, B = centroidsᵀ).  Cost nnz(rows) × m multiply-adds, the inner loop
 * runs over m contiguous floats and vectorises.
 */
void pc_csr_times_dense(const pc_csr *X, int32_t row_begin, int32_t row_end, const float *B,
                        int32_t m, float *out);

/*
 * The same product for `width` columns of wider arrays: B's rows are ldb
 * floats apart, out's ldo (pass B and out already offset to the first
 * column).  A product with many columns taken a slice of columns at a time
 * keeps B's slice in cache while the non-zeros stream past.
 */
void pc_csr_times_dense_part(const pc_csr *X, int32_t row_begin, int32_t row_end,
                             const float *B, int64_t ldb, float *out, int64_t ldo, int32_t width);

/* Dense tables for pc_csr_times_table: rows padded to a multiple of this
 * many floats (64 bytes), the array 64-byte aligned. */
#define PC_TABLE_FLOATS 16

/*
 * out[i - row_begin][0..width) = Σ_j X[i][j] · B[j][0..width) for rows
 * row_begin ≤ i < row_end, with B and out `width` floats a row, width a
 * multiple of PC_TABLE_FLOATS, both 64-byte aligned (out pointing at row
 * row_begin's place).  Each row's sums stay in vector registers while its
 * non-zeros stream by: nnz(rows) × width multiply-adds, one load of
 * B's row and no store per non-zero (wide tables are done in a few column
 * slices, each of them so).
 */
void pc_csr_times_table(const pc_csr *X, int32_t row_begin, int32_t row_end, const float *B,
                        int32_t width, float *out);

/* The width of a lane table: the documents one pass of the related-paper stage compares. */
#define PC_LANES 64

/*
 * Sparse rows times a dense table of PC_LANES-wide rows: for rows j0 ≤ j <
 * j1 of (ptr, column, val), whose columns index rows of `table`,
 *     out[j - j0][0..PC_LANES) += Σ_p val[p] · table[column[p]][0..PC_LANES),
 * the terms taken in the row's order.  table and out are 64-byte aligned,
 * PC_LANES floats a row.  Cost: (non-zeros of the rows) × PC_LANES
 * multiply-adds, in the target's widest vectors, the row's sums in registers.
 */
void pc_rows_times_lanes(const int64_t *ptr, const uint16_t *column, const float *val,
                         int32_t j0, int32_t j1, const float *table, float *out);

/*
 * sum plus val[p] · dense[rank[p]] for p = 0 .. n-1 in that order, each
 * added as pc_rows_times_lanes adds a lane's (this file's floating-point
 * contraction): with a row's head terms by rank and another row spread into
 * `dense` by rank, one pair's head-term sum, bit for bit.
 */
float pc_gather_sum(const uint16_t *rank, const float *val, int64_t n, const float *dense,
                    float sum);

/*
 * Four pc_gather_sum at once, interleaved (four independent chains of
 * multiply-adds keep the unit busy where one waits on each add): sum[c]
 * plus the products of rank[c], val[c] (n[c] of them), each sum formed
 * exactly as pc_gather_sum forms it.
 */
void pc_gather_sum4(const uint16_t *const rank[4], const float *const val[4], const int64_t n[4],
                    const float *dense, float sum[4]);

/* Scales each of the `rows` rows (length `cols`) of A to unit L2 norm; zero rows stay zero. */
void pc_normalize_rows(float *A, int32_t rows, int64_t cols);

/* Dot product of two dense float vectors (BLAS sdot, accumulated in double). */
double pc_dot(const float *x, const float *y, int64_t n);

/* C (m × n) = A (m × kk) · Bᵀ (n × kk), all row-major (cblas_sgemm). */
void pc_gemm_nt(int32_t m, int32_t n, int32_t kk, const float *A, const float *B, float *C);

/*
 * 2-D positions xy (k × 2, row-major) for k vectors C (k × dim, row-major)
 * that keep their inner products as well as two dimensions can: classical
 * multidimensional scaling (Torgerson 1952; for unit vectors, distances
 * 2 − 2 cos): the two leading eigenvectors of the double-centred Gram
 * matrix J·C·Cᵀ·J (orthogonal iteration, map.c), scaled by the roots of
 * their eigenvalues — the same as projecting on the first two principal
 * axes.  Each axis's sign is fixed (its largest entry positive) so runs
 * agree.  k < 2 gives zeros.  Returns 0, or -1 when out of memory.
 */
int pc_map_points(const float *C, int32_t k, int32_t dim, double *xy);

/* C (m × n) = A (m × kk, rows lda floats apart) · B (kk × n), all row-major
 * (cblas_sgemm). */
void pc_gemm_nn(int32_t m, int32_t n, int32_t kk, const float *A, int64_t lda, const float *B,
                float *C);

/* Replaces the rows × cols (rows >= cols) row-major A, rows ld floats
 * apart, by a basis of its column space: Cholesky QR repeated `rounds`
 * times (2: orthonormal to rounding; 1: to about ε·κ(A)², enough to keep a
 * power iteration well conditioned), Householder QR (LAPACKE sgelqf +
 * sorglq) when A is too ill-conditioned for it.  0, or -1 when LAPACK fails
 * or memory runs out. */
int pc_orthonormalize(float *A, int64_t rows, int32_t cols, int64_t ld, int rounds);

/* The cols × cols upper-triangular R (row-major, cols floats a row) of the
 * QR factorization of the rows × cols (rows >= cols) row-major A, rows ld
 * floats apart: CholeskyQR2, or Householder when A is too ill-conditioned
 * for it (A is overwritten).  0, or -1. */
int pc_qr_r(float *A, int64_t rows, int32_t cols, int64_t ld, float *R);

/* SVD of the n × n row-major A (destroyed): A = U · diag(s) · Vt, s
 * decreasing (LAPACKE sgesdd).  0, or -1. */
int pc_svd_square(float *A, int32_t n, float *s, float *U, float *Vt);

/*
 * C (m × n, rows ldc floats apart) = alpha · A (m × kk) · Bᵀ (n × kk) +
 * beta · C, A and B row-major and packed (beta 0: C is not read).  The
 * related-paper stage's dense tiles, rows × lanes: our own kernel (linalg.c),
 * safe to call from several threads at once, each with its own `scratch`
 * (64-byte aligned, pc_gemm_nt_blend_scratch(n, kk) floats, a multiple of 16).  Each element
 * is one sum over k = 0 .. kk−1 in order, so it depends only on its two
 * rows, never on m, n, its place in C or the thread; it differs from
 * sgemm's in the last bits.  2·m·n·kk flops.
 */
void pc_gemm_nt_blend(int32_t m, int32_t n, int32_t kk, float alpha, const float *A,
                      const float *B, float beta, float *C, int64_t ldc, float *scratch);

/* The floats of scratch pc_gemm_nt_blend needs for n rows of B of kk floats. */
size_t pc_gemm_nt_blend_scratch(int32_t n, int32_t kk);

/* Sets the BLAS library's own thread count. */
void pc_blas_threads(int threads);

#endif
