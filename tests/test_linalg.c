/* Tests of linalg.c: the 2-D map of the centroids (classical MDS through LAPACKE), the
 * sparse × table product against a plain double loop, the QR of padded blocks, and the
 * dense tile kernel against double sums, cell by cell and from several threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "internal.h"
#include "linalg_internal.h"
#include "test.h"

static double distance(const double *xy, int a, int b)
{
    return hypot(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1]);
}

static double chord(const float *C, int dim, int a, int b)
{
    double s = 0.0;
    for (int j = 0; j < dim; j++)
        s += ((double)C[a * dim + j] - C[b * dim + j]) * ((double)C[a * dim + j] - C[b * dim + j]);
    return sqrt(s);
}

/* Points that lie in a plane keep every distance exactly: classical MDS
 * recovers any configuration of rank 2 up to rotation and reflection. */
static void planar_points_keep_their_distances(void)
{
    const double angle[5] = {0.0, 30.0, 90.0, 200.0, 310.0};
    float C[5 * 4] = {0}; /* unit vectors in the plane of the 2nd and 4th axes of 4-D */
    for (int i = 0; i < 5; i++) {
        C[i * 4 + 1] = (float)cos(angle[i] * 3.14159265358979323846 / 180.0);
        C[i * 4 + 3] = (float)sin(angle[i] * 3.14159265358979323846 / 180.0);
    }
    double xy[10];
    CHECK_INT(pc_map_points(C, 5, 4, xy), 0);
    for (int a = 0; a < 5; a++)
        for (int b = a + 1; b < 5; b++)
            CHECK_NEAR(distance(xy, a, b), chord(C, 4, a, b), 1e-5);
    double mx = 0, my = 0; /* centred: the mean is the origin */
    for (int i = 0; i < 5; i++) {
        mx += xy[2 * i];
        my += xy[2 * i + 1];
    }
    CHECK_NEAR(mx, 0.0, 1e-6);
    CHECK_NEAR(my, 0.0, 1e-6);
}

/* Three orthogonal unit vectors are an equilateral triangle of side √2; four
 * are a regular tetrahedron, which no plane holds: the map keeps the two
 * directions of largest spread, so every distance shrinks, none grows. */
static void orthogonal_points(void)
{
    float C[4 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    double xy[8];
    CHECK_INT(pc_map_points(C, 3, 4, xy), 0);
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            CHECK_NEAR(distance(xy, a, b), sqrt(2.0), 1e-5);
    CHECK_INT(pc_map_points(C, 4, 4, xy), 0);
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++)
            CHECK(distance(xy, a, b) <= sqrt(2.0) + 1e-6);
}

/* The axes' signs are fixed (each axis's largest entry positive), so the same
 * centroids always give the same picture; fewer than two points sit at 0. */
static void fixed_signs_and_small_cases(void)
{
    float C[3 * 3] = {1, 0, 0, 0.6f, 0.8f, 0, 0, 0.6f, 0.8f};
    double xy[6], again[6];
    CHECK_INT(pc_map_points(C, 3, 3, xy), 0);
    CHECK_INT(pc_map_points(C, 3, 3, again), 0);
    for (int axis = 0; axis < 2; axis++) {
        int biggest = 0;
        for (int i = 1; i < 3; i++)
            if (fabs(xy[2 * i + axis]) > fabs(xy[2 * biggest + axis]))
                biggest = i;
        CHECK(xy[2 * biggest + axis] > 0.0);
    }
    for (int i = 0; i < 6; i++)
        CHECK(xy[i] == again[i]);
    double one[2] = {7, 7};
    CHECK_INT(pc_map_points(C, 1, 3, one), 0);
    CHECK(one[0] == 0.0 && one[1] == 0.0);
}

/* A random n_rows × n_cols CSR with `per_row` distinct sorted columns a row. */
static pc_csr *random_csr(int32_t n_rows, int32_t n_cols, int32_t per_row, uint64_t *state)
{
    pc_csr *X = NULL;
    if (pc_csr_new(n_rows, n_cols, (int64_t)n_rows * per_row, &X, NULL) != PC_OK)
        return NULL;
    int32_t step = n_cols / per_row;
    for (int32_t i = 0; i < n_rows; i++) {
        for (int32_t t = 0; t < per_row; t++) {
            *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
            X->col[(int64_t)i * per_row + t] = t * step + (int32_t)((*state >> 33) % (uint64_t)step);
            X->val[(int64_t)i * per_row + t] = (float)((*state >> 40) % 1000) / 500.0f - 1.0f;
        }
        X->row_ptr[i + 1] = (int64_t)(i + 1) * per_row;
    }
    return X;
}

/* pc_csr_times_table equals Σ x·B[col] summed in double, for widths of one
 * vector up to several slices (224 floats: two slices on AVX-512, four on
 * AVX), rows longer than the prefetch distance, a block not starting at row 0. */
static void table_product_equals_plain_sums(void)
{
    uint64_t state = 99;
    pc_csr *X = random_csr(40, 300, 37, &state);
    const int32_t widths[3] = {PC_TABLE_FLOATS, 112, 224};
    for (int w = 0; X && w < 3; w++) {
        int32_t width = widths[w];
        float *B = pc_aligned_array(64, (size_t)300 * width, sizeof *B);
        float *out = pc_aligned_array(64, (size_t)40 * width, sizeof *out);
        for (size_t k = 0; B && k < (size_t)300 * width; k++)
            B[k] = (float)((k * 2654435761u) % 1001) / 1000.0f - 0.5f;
        if (B && out) {
            memset(out, 0, (size_t)40 * width * sizeof *out);
            pc_csr_times_table(X, 5, 40, B, width, out + (size_t)5 * width);
            double worst = 0.0;
            for (int32_t i = 5; i < 40; i++)
                for (int32_t c = 0; c < width; c++) {
                    double want = 0.0;
                    for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
                        want += (double)X->val[p] * B[(size_t)X->col[p] * width + c];
                    worst = fmax(worst, fabs(out[(size_t)i * width + c] - want));
                }
            CHECK(worst < 1e-4);
            CHECK(out[0] == 0.0f && out[(size_t)5 * width - 1] == 0.0f); /* rows 0-4 untouched */
        }
        free(B);
        free(out);
    }
    pc_csr_free(X);
}

/* Σ x[i·stride]·y[i·stride] over i < n, in double. */
static double dot_in_double(const float *x, const float *y, int32_t n, size_t stride)
{
    double s = 0.0;
    for (int32_t i = 0; i < n; i++)
        s += (double)x[(size_t)i * stride] * y[(size_t)i * stride];
    return s;
}

/* Columns of A (rows ld floats apart) orthonormal to `tolerance`. */
static double orthonormality_error(const float *A, int32_t rows, int32_t cols, int32_t ld)
{
    double worst = 0.0;
    for (int32_t a = 0; a < cols; a++)
        for (int32_t b = 0; b < cols; b++) {
            double s = dot_in_double(A + a, A + b, rows, (size_t)ld);
            worst = fmax(worst, fabs(s - (a == b)));
        }
    return worst;
}

/* pc_orthonormalize and pc_qr_r on a block padded to ld = 16 floats a row:
 * one of condition number about 1000 (Cholesky QR, where one round leaves
 * Q's columns off by ~0.04 and R needs both rounds' factors), and one of
 * rank 2 in 3 columns, which Cholesky QR cannot do (Householder).  Either
 * way Q is orthonormal, RᵀR = AᵀA, and the padding stays as it was. */
static void qr_of_padded_blocks(void)
{
    enum { ROWS = 50, COLS = 3, LD = 16 };
    for (int rank_deficient = 0; rank_deficient < 2; rank_deficient++) {
        float A[ROWS * LD], Q[ROWS * LD], R[COLS * COLS];
        for (int i = 0; i < ROWS; i++)
            for (int c = 0; c < LD; c++)
                A[i * LD + c] = c >= COLS ? 7.0f : (float)(((i + 1) * (c + 3) * 37) % 17) - 8.0f;
        for (int i = 0; i < ROWS; i++) /* column 2 nearly (or exactly) dependent */
            A[i * LD + 2] = A[i * LD] + 2.0f * A[i * LD + 1] +
                            (rank_deficient ? 0.0f : 0.02f * (float)((i * 7) % 5 - 2));
        memcpy(Q, A, sizeof A);
        CHECK_INT(pc_orthonormalize(Q, ROWS, COLS, LD, 2), 0);
        CHECK(orthonormality_error(Q, ROWS, COLS, LD) < 1e-5);
        CHECK(Q[7 * LD + COLS] == 7.0f);
        memcpy(Q, A, sizeof A);
        CHECK_INT(pc_qr_r(Q, ROWS, COLS, LD, R), 0);
        double worst = 0.0, scale = 0.0; /* RᵀR = AᵀA */
        for (int a = 0; a < COLS; a++)
            for (int b = 0; b < COLS; b++) {
                double g = 0.0, r = 0.0;
                for (int i = 0; i < ROWS; i++)
                    g += (double)A[i * LD + a] * A[i * LD + b];
                for (int k = 0; k < COLS; k++)
                    r += (double)R[k * COLS + a] * R[k * COLS + b];
                worst = fmax(worst, fabs(g - r));
                scale = fmax(scale, fabs(g));
            }
        CHECK(worst < 1e-5 * scale);
        for (int a = 1; a < COLS; a++)
            CHECK(R[a * COLS] == 0.0f); /* upper triangular */
    }
}

/* n × kk floats in [-1, 1) from a fixed LCG. */
static float *random_floats(size_t count, uint64_t state)
{
    float *v = malloc(count * sizeof *v + 1);
    for (size_t i = 0; v && i < count; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (float)(state >> 40) / 8388608.0f - 1.0f;
    }
    return v;
}

/* pc_gemm_nt_blend's C (m × n in a wider tile) against α·Σ_k A_ik·B_jk + β·C in double. */
static double blend_error(int32_t m, int32_t n, int32_t kk, float alpha, float beta,
                          const float *A, const float *B, const float *before, const float *C,
                          int64_t ldc)
{
    double worst = 0.0;
    for (int32_t i = 0; i < m; i++)
        for (int32_t j = 0; j < n; j++) {
            double dot = dot_in_double(A + (size_t)i * kk, B + (size_t)j * kk, kk, 1);
            double want = alpha * dot + (beta != 0.0f ? beta * before[(size_t)i * ldc + j] : 0.0);
            double error = fabs(C[(size_t)i * ldc + j] - want);
            if (isnan(error))
                return INFINITY;
            worst = fmax(worst, error);
        }
    return worst;
}

/*
 * The dense tile kernel: C = α·A·Bᵀ + β·C equals the double sums for shapes
 * with ragged row blocks and panels (m = 29, n = 1, 37, 64; kk = 1, 7, 100),
 * β = 0 reads nothing (C starts as NaN), and the tile's columns past n are
 * untouched.  Each cell is the same bits as the 1 × 1 product of its two rows
 * and as the transposed product's cell: it depends on the rows alone, not on
 * the tile's shape or its place in it.
 */
static void tile_kernel_equals_plain_sums(void)
{
    enum { M = 29, LDC = 64 };
    const int32_t ns[3] = {1, 37, 64}, kks[3] = {1, 7, 100};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int with_beta = 0; with_beta < 2; with_beta++) {
                const int32_t n = ns[a], kk = kks[b];
                const float alpha = 0.7f, beta = with_beta ? 0.3f : 0.0f;
                float *A = random_floats((size_t)M * kk, 5 + (uint64_t)kk);
                float *B = random_floats((size_t)n * kk, 9 + (uint64_t)n);
                float *before = random_floats((size_t)M * LDC, 13);
                float *C = pc_aligned_array(64, (size_t)M * LDC, sizeof *C);
                float *CT = pc_aligned_array(64, (size_t)LDC * LDC, sizeof *CT);
                float *scratch = pc_aligned_array(64, pc_gemm_nt_blend_scratch(LDC, kk),
                                                  sizeof *scratch);
                if (!A || !B || !before || !C || !CT || !scratch) {
                    CHECK(0);
                    return;
                }
                for (size_t c = 0; c < (size_t)M * LDC; c++)
                    C[c] = with_beta ? before[c] : NAN;
                for (int32_t i = 0; i < M; i++)
                    for (int32_t j = n; j < LDC; j++)
                        C[(size_t)i * LDC + j] = 5.0f;
                pc_gemm_nt_blend(M, n, kk, alpha, A, B, beta, C, LDC, scratch);
                CHECK(blend_error(M, n, kk, alpha, beta, A, B, before, C, LDC) <
                      1e-6 * (kk + 1));
                int untouched = 1, same_alone = 1, same_transposed = 1;
                for (int32_t i = 0; i < M; i++)
                    for (int32_t j = n; j < LDC; j++)
                        untouched &= C[(size_t)i * LDC + j] == 5.0f;
                pc_gemm_nt_blend(n, M, kk, alpha, B, A, 0.0f, CT, LDC, scratch);
                for (int32_t i = 0; i < M; i++)
                    for (int32_t j = 0; j < n; j++) {
                        float alone = with_beta ? before[(size_t)i * LDC + j] : NAN;
                        pc_gemm_nt_blend(1, 1, kk, alpha, A + (size_t)i * kk, B + (size_t)j * kk,
                                         beta, &alone, 1, scratch);
                        same_alone &= alone == C[(size_t)i * LDC + j];
                        if (!with_beta)
                            same_transposed &= CT[(size_t)j * LDC + i] == C[(size_t)i * LDC + j];
                    }
                CHECK(untouched);
                CHECK(same_alone);
                CHECK(same_transposed);
                free(A);
                free(B);
                free(before);
                free(C);
                free(CT);
                free(scratch);
            }
}

/* Tiles computed by two threads at once, each with its own scratch, are the
 * bits one thread computes (the kernel shares no state: the reason it replaced
 * the serial OpenBLAS's sgemm, which does). */
static void tile_kernel_from_threads(void)
{
    enum { M = 40, N = 64, KK = 50, TILES = 400 };
    float *A = random_floats((size_t)TILES * M * KK, 21);
    float *B = random_floats((size_t)TILES * N * KK, 23);
    float *one = pc_aligned_array(64, (size_t)TILES * M * N, sizeof *one);
    float *many = pc_aligned_array(64, (size_t)TILES * M * N, sizeof *many);
    const size_t floats = pc_gemm_nt_blend_scratch(N, KK);
    float *scratch = pc_aligned_array(64, 2 * floats, sizeof *scratch);
    if (!A || !B || !one || !many || !scratch) {
        CHECK(0);
        return;
    }
    for (int t = 0; t < TILES; t++)
        pc_gemm_nt_blend(M, N, KK, 1.0f, A + (size_t)t * M * KK, B + (size_t)t * N * KK, 0.0f,
                         one + (size_t)t * M * N, N, scratch);
#pragma omp parallel for num_threads(2) schedule(dynamic, 1)
    for (int t = 0; t < TILES; t++) {
        const int tid = pc_thread_id();
        pc_gemm_nt_blend(M, N, KK, 1.0f, A + (size_t)t * M * KK, B + (size_t)t * N * KK, 0.0f,
                         many + (size_t)t * M * N, N, scratch + (size_t)tid * floats);
    }
    CHECK(memcmp(one, many, (size_t)TILES * M * N * sizeof *one) == 0);
    free(A);
    free(B);
    free(one);
    free(many);
    free(scratch);
}

int main(void)
{
    RUN_TEST(planar_points_keep_their_distances);
    RUN_TEST(orthogonal_points);
    RUN_TEST(fixed_signs_and_small_cases);
    RUN_TEST(table_product_equals_plain_sums);
    RUN_TEST(qr_of_padded_blocks);
    RUN_TEST(tile_kernel_equals_plain_sums);
    RUN_TEST(tile_kernel_from_threads);
    return TEST_EXIT();
}
