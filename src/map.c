/*
 * map.c — the 2-D map of the clusters: classical multidimensional scaling
 * (Torgerson 1952) of the centroids, i.e. their first two principal axes.
 *
 * The Gram matrix comes from level-1 BLAS dot products (linalg.c), and its
 * top two eigenvectors from orthogonal (subspace) iteration with a
 * Rayleigh-Ritz step (Golub & Van Loan, Matrix Computations, 4th ed., 8.2.4,
 * 8.3.3), done here on the small k × k matrix.  Not LAPACK or GSL's solvers
 * through BLAS: OpenBLAS's level-2 and level-3 routines take a 128 MiB
 * buffer on first use and, when memory is short, retry that allocation
 * forever instead of failing (seen under ulimit -v, in dsymv and ssyrk); and
 * GSL's BLAS-free Jacobi solver waits for off-diagonal entries of exactly 0,
 * which rounding does not always give.  Cost: O(k² · dim) for the Gram
 * matrix, O(k²) per iteration.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"

#define MAX_ITERATIONS 20000
#define TOLERANCE 1e-13

/* Makes columns 0 and 1 of V (k × 2, row-major) orthonormal (Gram-Schmidt). */
static void orthonormalize(double *V, int32_t k)
{
    for (int c = 0; c < 2; c++) {
        if (c == 1) {
            double dot = 0.0;
            for (int32_t i = 0; i < k; i++)
                dot += V[2 * i] * V[2 * i + 1];
            for (int32_t i = 0; i < k; i++)
                V[2 * i + 1] -= dot * V[2 * i];
        }
        double norm = 0.0;
        for (int32_t i = 0; i < k; i++)
            norm += V[2 * i + c] * V[2 * i + c];
        norm = sqrt(norm);
        for (int32_t i = 0; i < k; i++)
            V[2 * i + c] = norm > 0.0 ? V[2 * i + c] / norm : (i == c ? 1.0 : 0.0);
    }
}

/* W = B·V for the symmetric k × k B and k × 2 V. */
static void times(const double *B, const double *V, double *W, int32_t k)
{
    for (int32_t i = 0; i < k; i++) {
        double w0 = 0.0, w1 = 0.0;
        for (int32_t j = 0; j < k; j++) {
            w0 += B[(size_t)i * k + j] * V[2 * j];
            w1 += B[(size_t)i * k + j] * V[2 * j + 1];
        }
        W[2 * i] = w0;
        W[2 * i + 1] = w1;
    }
}

/*
 * The two leading eigenpairs of the symmetric positive semi-definite B:
 * values[0] >= values[1], vectors k × 2 (column c for values[c]).
 */
static void top_two(const double *B, int32_t k, double *V, double *W, double values[2])
{
    for (int32_t i = 0; i < k; i++) { /* a fixed start, not orthogonal to any axis */
        V[2 * i] = 1.0 + (double)i / k;
        V[2 * i + 1] = (i % 2 ? -1.0 : 1.0) * (1.0 + (double)(k - i) / k);
    }
    orthonormalize(V, k);
    for (int it = 0; it < MAX_ITERATIONS; it++) {
        times(B, V, W, k);
        orthonormalize(W, k);
        double change = 0.0;
        for (int32_t i = 0; i < 2 * k; i++) {
            change = fmax(change, fabs(W[i] - V[i]));
            V[i] = W[i];
        }
        if (change < TOLERANCE)
            break;
    }
    /* Rayleigh-Ritz: H = Vᵀ B V (2 × 2), its eigenvectors rotate V */
    times(B, V, W, k);
    double h00 = 0.0, h01 = 0.0, h11 = 0.0;
    for (int32_t i = 0; i < k; i++) {
        h00 += V[2 * i] * W[2 * i];
        h01 += V[2 * i] * W[2 * i + 1];
        h11 += V[2 * i + 1] * W[2 * i + 1];
    }
    double half = 0.5 * (h00 + h11), gap = hypot(0.5 * (h00 - h11), h01);
    values[0] = half + gap;
    values[1] = half - gap;
    double angle = 0.5 * atan2(2.0 * h01, h00 - h11), c = cos(angle), s = sin(angle);
    for (int32_t i = 0; i < k; i++) {
        double v0 = V[2 * i], v1 = V[2 * i + 1];
        V[2 * i] = c * v0 + s * v1;
        V[2 * i + 1] = -s * v0 + c * v1;
    }
}

int pc_map_points(const float *C, int32_t k, int32_t dim, double *xy)
{
    memset(xy, 0, (size_t)k * 2 * sizeof *xy);
    if (k < 2)
        return 0;
    double *B = pc_malloc_array((size_t)k * (size_t)k, sizeof *B);
    double *mean = pc_calloc((size_t)k, sizeof *mean);
    double *V = pc_malloc_array((size_t)k * 2, sizeof *V);
    double *W = pc_malloc_array((size_t)k * 2, sizeof *W);
    if (!B || !mean || !V || !W) {
        free(B);
        free(mean);
        free(V);
        free(W);
        return -1;
    }
    for (int32_t i = 0; i < k; i++) /* the Gram matrix of the centroids */
        for (int32_t j = i; j < k; j++)
            B[(size_t)i * k + j] = B[(size_t)j * k + i] =
                pc_dot(C + (size_t)i * dim, C + (size_t)j * dim, dim);
    double total = 0.0;
    for (int32_t i = 0; i < k; i++) {
        for (int32_t j = 0; j < k; j++)
            mean[i] += B[(size_t)i * k + j] / k;
        total += mean[i] / k;
    }
    for (int32_t i = 0; i < k; i++) /* double centring: J G J */
        for (int32_t j = 0; j < k; j++)
            B[(size_t)i * k + j] += total - mean[i] - mean[j];
    double values[2];
    top_two(B, k, V, W, values);
    for (int axis = 0; axis < 2; axis++) {
        double scale = values[axis] > 0.0 ? sqrt(values[axis]) : 0.0, sign = 1.0, biggest = 0.0;
        for (int32_t i = 0; i < k; i++) /* a fixed sign: the largest entry positive */
            if (fabs(V[2 * i + axis]) > biggest + 1e-9) {
                biggest = fabs(V[2 * i + axis]);
                sign = V[2 * i + axis] < 0.0 ? -1.0 : 1.0;
            }
        for (int32_t i = 0; i < k; i++)
            xy[(size_t)i * 2 + axis] = sign * scale * V[2 * i + axis];
    }
    free(B);
    free(mean);
    free(V);
    free(W);
    return 0;
}
