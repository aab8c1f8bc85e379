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
 * Dense work (norms, scaling, dot products, matrix products) goes to BLAS,
 * except the related stage's tiles, which threads call at once: our own
 * register-blocked kernel (pc_gemm_nt_blend, below).
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
/* The most sums a row keeps in registers: 8 vectors (of 16 registers on AVX,
 * 32 on AVX-512, where more were slower: a wider slice of a table larger
 * than the cache misses it more often). */
#define MAX_SUM_VECS 8
typedef float vecf __attribute__((vector_size(VEC_BYTES)));
#define VEC_FLOATS (VEC_BYTES / 4)
#define VECS_PER_LANE_ROW (PC_LANES * 4 / VEC_BYTES)

/*
 * The one kernel behind both table products: sum[0..nv) (+)= Σ_p val[p] ·
 * rows[column[p]][0..nv) over the non-zeros p0 ≤ p < p1, rows `stride`
 * vectors apart, the nv sums in registers while the non-zeros stream by.
 * The columns come as 16-bit (column16) or 32-bit (column32) ids, the other
 * pointer NULL.  With `prefetch`, the row PREFETCH_AHEAD non-zeros on is
 * asked for ahead of time: a table larger than the cache is read at random,
 * and the loads would otherwise wait for memory one row at a time (a third
 * off the time of Xᵀ·Y in the LSA).  Every caller passes constants for nv,
 * the column width and prefetch, so the compiler makes one unrolled loop of
 * each.
 */
#define PREFETCH_AHEAD 16
static inline __attribute__((always_inline)) void
row_times_table(const float *val, const uint16_t *column16, const int32_t *column32, int64_t p0,
                int64_t p1, const vecf *restrict rows, size_t stride, const int nv,
                const int prefetch, vecf *restrict sum)
{
    for (int64_t p = p0; p < p1; p++) { /* nv vector multiply-adds a non-zero */
        size_t c = column16 ? (size_t)column16[p] : (size_t)column32[p];
        const vecf *restrict r = rows + c * stride;
        const float x = val[p];
        if (prefetch && p + PREFETCH_AHEAD < p1) { /* the row a few non-zeros on */
            size_t ahead = column16 ? (size_t)column16[p + PREFETCH_AHEAD]
                                    : (size_t)column32[p + PREFETCH_AHEAD];
            const char *next = (const char *)(rows + ahead * stride);
            for (int b = 0; b < nv * VEC_BYTES; b += 64)
                __builtin_prefetch(next + b);
        }
        for (int v = 0; v < nv; v++)
            sum[v] += x * r[v];
    }
}

void pc_rows_times_lanes(const int64_t *ptr, const uint16_t *column, const float *val,
                         int32_t j0, int32_t j1, const float *table, float *out)
{
    for (int32_t j = j0; j < j1; j++) {
        vecf *restrict o = (vecf *)out + (size_t)(j - j0) * VECS_PER_LANE_ROW;
        vecf sum[VECS_PER_LANE_ROW];
        for (int v = 0; v < VECS_PER_LANE_ROW; v++)
            sum[v] = o[v];
        row_times_table(val, column, NULL, ptr[j], ptr[j + 1], (const vecf *)table,
                        VECS_PER_LANE_ROW, VECS_PER_LANE_ROW, 0, sum);
        for (int v = 0; v < VECS_PER_LANE_ROW; v++)
            o[v] = sum[v];
    }
}

/* Fused where the target fuses pc_rows_times_lanes' multiply-adds (-ffp-contract=fast with
 * FMA), spelled out: the compiler may vectorize a gather loop as separate products added
 * in order, which would round each product. */
#ifdef __FMA__
#define GATHER_ADD(s, v, d) ((s) = fmaf((v), (d), (s)))
#else
#define GATHER_ADD(s, v, d) ((s) += (v) * (d))
#endif

float pc_gather_sum(const uint16_t *rank, const float *val, int64_t n, const float *dense,
                    float sum)
{
    for (int64_t p = 0; p < n; p++)
        GATHER_ADD(sum, val[p], dense[rank[p]]);
    return sum;
}

void pc_gather_sum4(const uint16_t *const rank[4], const float *const val[4], const int64_t n[4],
                    const float *dense, float sum[4])
{
    int64_t common = n[0];
    for (int c = 1; c < 4; c++)
        common = n[c] < common ? n[c] : common;
    float s0 = sum[0], s1 = sum[1], s2 = sum[2], s3 = sum[3];
    for (int64_t p = 0; p < common; p++) {
        GATHER_ADD(s0, val[0][p], dense[rank[0][p]]);
        GATHER_ADD(s1, val[1][p], dense[rank[1][p]]);
        GATHER_ADD(s2, val[2][p], dense[rank[2][p]]);
        GATHER_ADD(s3, val[3][p], dense[rank[3][p]]);
    }
    sum[0] = s0;
    sum[1] = s1;
    sum[2] = s2;
    sum[3] = s3;
    for (int c = 0; c < 4; c++)
        for (int64_t p = common; p < n[c]; p++)
            GATHER_ADD(sum[c], val[c][p], dense[rank[c][p]]);
}

/* Rows i0 ≤ i < i1 of X times nv vectors of each row of B, the rows
 * stride vectors apart, into out, the same. */
static inline __attribute__((always_inline)) void
csr_times_slice(const pc_csr *X, int32_t i0, int32_t i1, const vecf *B, size_t stride,
                const int nv, vecf *out)
{
    for (int32_t i = i0; i < i1; i++) {
        vecf sum[MAX_SUM_VECS];
        for (int v = 0; v < nv; v++)
            sum[v] = (vecf){0};
        row_times_table(X->val, NULL, X->col, X->row_ptr[i], X->row_ptr[i + 1], B, stride, nv, 1,
                        sum);
        vecf *restrict o = out + (size_t)(i - i0) * stride;
        for (int v = 0; v < nv; v++)
            o[v] = sum[v];
    }
}

#define SLICE_CASE(n)                                                                        \
    case n:                                                                                   \
        csr_times_slice(X, row_begin, row_end, b, stride, n, o);                              \
        break

void pc_csr_times_table(const pc_csr *X, int32_t row_begin, int32_t row_end, const float *B,
                        int32_t width, float *out)
{
    size_t stride = (size_t)width / VEC_FLOATS;
    size_t slices = (stride + MAX_SUM_VECS - 1) / MAX_SUM_VECS;
    for (size_t s = 0, v0 = 0; s < slices; s++) { /* equal slices of at most MAX_SUM_VECS */
        size_t v1 = stride * (s + 1) / slices;
        const vecf *b = (const vecf *)B + v0;
        vecf *o = (vecf *)out + v0;
        switch (v1 - v0) {
            SLICE_CASE(1); SLICE_CASE(2); SLICE_CASE(3); SLICE_CASE(4);
            SLICE_CASE(5); SLICE_CASE(6); SLICE_CASE(7); SLICE_CASE(8);
        }
        v0 = v1;
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

void pc_gemm_nn(int32_t m, int32_t n, int32_t kk, const float *A, int64_t lda, const float *B,
                float *C)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, kk, 1.0f, A, (blasint)lda, B, n,
                0.0f, C, n);
}

/*
 * LAPACK works on column-major arrays; LAPACKE would copy a row-major one
 * both ways.  A row-major rows × cols array (rows ld floats apart) is the
 * column-major cols × rows transpose, so the QR factorization of A is done
 * as the LQ factorization of Aᵀ in place (sgelqf): Aᵀ = L·Q_A, so A =
 * Q_Aᵀ·Lᵀ, and the row-major buffer of Q_A (sorglq) is the orthonormal
 * rows × cols basis itself.
 */
static int householder(float *A, int64_t rows, int32_t cols, int64_t ld, int form_q)
{
    float *tau = pc_malloc_array((size_t)cols, sizeof *tau);
    if (!tau)
        return -1;
    LAPACKE_set_nancheck(0); /* our products are finite; the check costs a pass */
    lapack_int status =
        LAPACKE_sgelqf(LAPACK_COL_MAJOR, cols, (lapack_int)rows, A, (lapack_int)ld, tau);
    if (status == 0 && form_q)
        status = LAPACKE_sorglq(LAPACK_COL_MAJOR, cols, (lapack_int)rows, cols, A,
                                (lapack_int)ld, tau);
    free(tau);
    return status == 0 ? 0 : -1;
}

/* Whether the Cholesky factor R (c × c, row-major) of a float Gram matrix
 * can be trusted: its diagonal within a factor CHOLESKY_KAPPA of its
 * largest entry, a bound on κ(A) that keeps the Gram's rounding (ε·κ(A)²
 * relative) well below 1.  A rank-deficient A fails it. */
#define CHOLESKY_KAPPA 300.0
static int well_conditioned(const double *R, size_t c)
{
    double biggest = 0.0, smallest = INFINITY;
    for (size_t i = 0; i < c; i++) {
        biggest = fmax(biggest, R[i * c + i]);
        smallest = fmin(smallest, R[i * c + i]);
    }
    return smallest * CHOLESKY_KAPPA > biggest;
}

/*
 * Cholesky QR (Stathopoulos & Wu 2002; `rounds` = 2: CholeskyQR2, Fukaya et
 * al. 2014): G = AᵀA (one ssyrk: level-3, no copy), G = RᵀR (dpotrf on the
 * small cols × cols, in double), A ← A·R⁻¹ (strsm).  Twice, A's columns come
 * out orthonormal to rounding when A is not too ill-conditioned (κ(A)² well
 * below 1/ε); once, to about ε·κ(A)².  With R given (cols × cols), it
 * receives the product of the rounds' factors, A's R (of the rounds done,
 * A = A_now · R).  When a Cholesky
 * factorization fails or looks ill-conditioned (well_conditioned), 1 is
 * returned and A is untouched by the failed round; -1 when out of memory.
 */
static int cholesky_qr(float *A, int64_t rows, int32_t cols, int64_t ld, int rounds, float *R)
{
    size_t c = (size_t)cols;
    float *G = pc_malloc_array(c * c, sizeof *G);
    double *D = pc_malloc_array(c * c, sizeof *D);
    int status = !G || !D ? -1 : 0;
    for (size_t i = 0; R && i < c * c; i++)
        R[i] = i % (c + 1) == 0 ? 1.0f : 0.0f;
    for (int round = 0; status == 0 && round < rounds; round++) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, (blasint)rows, 1.0f, A,
                    (blasint)ld, 0.0f, G, cols);
        for (size_t i = 0; i < c; i++)
            for (size_t j = 0; j < c; j++)
                D[i * c + j] = j >= i ? G[i * c + j] : 0.0;
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', cols, D, cols) != 0 || !well_conditioned(D, c)) {
            status = 1;
            break;
        }
        for (size_t i = 0; i < c; i++)
            for (size_t j = 0; j < c; j++)
                G[i * c + j] = j >= i ? (float)D[i * c + j] : 0.0f;
        cblas_strsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                    (blasint)rows, cols, 1.0f, G, cols, A, (blasint)ld);
        if (R) /* R ← R_round · R */
            cblas_strmm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, cols,
                        cols, 1.0f, G, cols, R, cols);
    }
    free(G);
    free(D);
    return status;
}

int pc_orthonormalize(float *A, int64_t rows, int32_t cols, int64_t ld, int rounds)
{
    if (rows < cols || cols < 1)
        return -1;
    int status = cholesky_qr(A, rows, cols, ld, rounds, NULL);
    return status == 1 ? householder(A, rows, cols, ld, 1) : status;
}

int pc_svd_square(float *A, int32_t n, float *s, float *U, float *Vt)
{
    lapack_int status = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'A', n, n, A, n, s, U, n, Vt, n);
    return status == 0 ? 0 : -1;
}

int pc_qr_r(float *A, int64_t rows, int32_t cols, int64_t ld, float *R)
{
    if (rows < cols || cols < 1)
        return -1;
    int status = cholesky_qr(A, rows, cols, ld, 2, R);
    if (status != 1)
        return status;
    if (householder(A, rows, cols, ld, 0) != 0) /* A_now = Q·R_h: R ← R_h · R */
        return -1;
    /* R_h = Lᵀ: L's lower triangle, column-major, is R_h's upper one, row-major */
    cblas_strmm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, cols, cols,
                1.0f, A, (blasint)ld, R, cols);
    return 0;
}

/*
 * The related stage's dense tiles, C = alpha·A·Bᵀ + beta·C, A m × kk and B
 * n × kk row-major: our own kernel, not sgemm, because it is called from
 * several threads at once and Debian's serial OpenBLAS (0.3.21, built
 * without USE_LOCKING) shares its buffers between concurrent calls.  The
 * method is GotoBLAS's (Goto & van de Geijn 2008) in its smallest form: B
 * is packed once a call into panels of GEMM_NR columns, k-major (one
 * panel's kk rows of GEMM_NR floats), A a block of GEMM_MR rows at a time,
 * k-major too, into the caller's buffer (one per thread), zeros padding
 * both; the micro-kernel keeps the GEMM_MR × GEMM_NR sums in vector
 * registers (24 of AVX-512's 32, 12 of AVX's or SSE's 16) and adds, for
 * each k, a broadcast of A's GEMM_MR values times B's GEMM_NV vectors:
 * 2·MR·NV multiply-adds for NV loads and MR broadcasts.  The block of A
 * stays in L1 while it meets every panel of B (L2: 64 × 300 floats =
 * 75 KiB at most), and A streams through once.
 *
 * Every element's sum is formed the same way wherever it sits in the tile
 * and whatever the tile's shape: one accumulator, k = 0, 1, ..., kk−1 in
 * turn (a fused multiply-add each where the target has one); a block at a
 * ragged edge is computed whole on the zero padding and blended through a
 * copy by the same code.  So a pair's score depends only on its two rows,
 * and is the same whichever of them is the lane (multiplication commutes).
 */
#if VEC_BYTES == 64
#define GEMM_MR 12
#else
#define GEMM_MR 6
#endif
#define GEMM_NV 2 /* vectors across a panel */
#define GEMM_NR (GEMM_NV * VEC_FLOATS)

size_t pc_gemm_nt_blend_scratch(int32_t n, int32_t kk)
{
    size_t panels = ((size_t)n + GEMM_NR - 1) / GEMM_NR;
    size_t floats = (panels * GEMM_NR + GEMM_MR) * (size_t)kk;
    return (floats + 15) / 16 * 16; /* whole 64-byte lines: scratches side by side stay aligned */
}

/* dst[k][0..width) = rows r0 .. r0+count-1 of the `ld`-float rows of src
 * at column k, zeros for r >= count: `width` rows made k-major. */
static void pack_rows(const float *src, int64_t ld, int32_t count, int32_t width, int32_t kk,
                      float *restrict dst)
{
    for (int32_t k = 0; k < kk; k++) {
        float *d = dst + (size_t)k * (size_t)width;
        for (int32_t r = 0; r < count; r++)
            d[r] = src[(size_t)r * (size_t)ld + (size_t)k];
        for (int32_t r = count; r < width; r++)
            d[r] = 0.0f;
    }
}

/* C's GEMM_MR × GEMM_NR block at c (rows ldc floats apart) = alpha · sum +
 * beta · itself (beta 0: not read).  The one place a tile's value is made. */
static inline __attribute__((always_inline)) void
blend_block(vecf sum[GEMM_MR][GEMM_NV], float alpha, float beta, float *c, int64_t ldc)
{
    for (int r = 0; r < GEMM_MR; r++)
        for (int v = 0; v < GEMM_NV; v++) {
            float *at = c + (size_t)r * (size_t)ldc + (size_t)v * VEC_FLOATS;
            vecf old = {0};
            if (beta != 0.0f)
                memcpy(&old, at, sizeof old);
            vecf value = beta != 0.0f ? alpha * sum[r][v] + beta * old : alpha * sum[r][v];
            memcpy(at, &value, sizeof value);
        }
}

/* The micro-kernel: GEMM_MR rows of packed A (a) times one panel of packed
 * B (b), blended into C's rows × cols block at c (rows, cols at most
 * GEMM_MR, GEMM_NR).  2 · GEMM_MR · GEMM_NR · kk flops in registers. */
static void micro_tile(int32_t kk, const float *restrict a, const vecf *restrict b, float alpha,
                       float beta, float *c, int64_t ldc, int32_t rows, int32_t cols)
{
    vecf sum[GEMM_MR][GEMM_NV];
    for (int r = 0; r < GEMM_MR; r++)
        for (int v = 0; v < GEMM_NV; v++)
            sum[r][v] = (vecf){0};
    for (int32_t k = 0; k < kk; k++) {
        const float *ak = a + (size_t)k * GEMM_MR;
        const vecf *bk = b + (size_t)k * GEMM_NV;
        for (int r = 0; r < GEMM_MR; r++)
            for (int v = 0; v < GEMM_NV; v++)
                sum[r][v] += ak[r] * bk[v];
    }
    if (rows == GEMM_MR && cols == GEMM_NR) {
        blend_block(sum, alpha, beta, c, ldc);
        return;
    }
    float edge[GEMM_MR * GEMM_NR] = {0}; /* a ragged block: through a whole copy */
    for (int32_t r = 0; r < rows && beta != 0.0f; r++)
        memcpy(edge + r * GEMM_NR, c + (size_t)r * (size_t)ldc, (size_t)cols * sizeof *edge);
    blend_block(sum, alpha, beta, edge, GEMM_NR);
    for (int32_t r = 0; r < rows; r++)
        memcpy(c + (size_t)r * (size_t)ldc, edge + r * GEMM_NR, (size_t)cols * sizeof *edge);
}

void pc_gemm_nt_blend(int32_t m, int32_t n, int32_t kk, float alpha, const float *A,
                      const float *B, float beta, float *C, int64_t ldc, float *scratch)
{
    const int32_t panels = (n + GEMM_NR - 1) / GEMM_NR;
    float *b_packed = scratch, *a_packed = scratch + (size_t)panels * GEMM_NR * (size_t)kk;
    for (int32_t p = 0; p < panels; p++) {
        const int32_t j0 = p * GEMM_NR;
        pack_rows(B + (size_t)j0 * (size_t)kk, kk, n - j0 < GEMM_NR ? n - j0 : GEMM_NR, GEMM_NR,
                  kk, b_packed + (size_t)j0 * (size_t)kk);
    }
    for (int32_t i0 = 0; i0 < m; i0 += GEMM_MR) {
        const int32_t rows = m - i0 < GEMM_MR ? m - i0 : GEMM_MR;
        pack_rows(A + (size_t)i0 * (size_t)kk, kk, rows, GEMM_MR, kk, a_packed);
        for (int32_t p = 0; p < panels; p++) {
            const int32_t j0 = p * GEMM_NR;
            micro_tile(kk, a_packed, (const vecf *)(b_packed + (size_t)j0 * (size_t)kk), alpha,
                       beta, C + (size_t)i0 * (size_t)ldc + (size_t)j0, ldc, rows,
                       n - j0 < GEMM_NR ? n - j0 : GEMM_NR);
        }
    }
}
