/*
 * dense_tile.c — the related stage's dense tile kernel (pc_gemm_nt_blend,
 * src/linalg.c) against cblas_sgemm on the same tiles.
 *
 * A tile is what the related-paper stage asks for: C (4096 rows × 64 lanes,
 * 64 floats a row) = A (4096 × D) · Bᵀ (64 × D), A and B row-major.  The
 * program times `-r` rounds of `-b` tiles each (different rows of a 64k-row
 * A, the same 64 lanes: as a lane block meets its row blocks), in three
 * ways: cblas_sgemm from one thread (serial OpenBLAS), our kernel from one
 * thread, and our kernel from T threads at once (-t; each its own tiles and
 * scratch: sgemm cannot be called so, Debian's serial OpenBLAS has no
 * locking).  Best of the rounds, after one untimed warm-up round; GFLOP/s
 * = 2·4096·64·D·tiles / seconds.
 *
 * usage: dense_tile [-d D] [-t THREADS] [-r ROUNDS] [-b TILES]
 * Prints one line per way: `way=kernel threads=1 d=100 seconds=... gflops=...`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "internal.h"
#include "linalg_internal.h"

enum { ROWS = 4096, LANES = 64, A_ROWS = 65536 };

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Values in [-0.5, 0.5) from a fixed LCG. */
static void fill(float *m, size_t count, unsigned state)
{
    for (size_t i = 0; i < count; i++) {
        state = state * 1664525u + 1013904223u;
        m[i] = (float)(state >> 8) / 16777216.0f - 0.5f;
    }
}

/* The A rows of tile t. */
static const float *tile_rows(const float *A, long t, long d)
{
    return A + (size_t)((t * ROWS) % A_ROWS) * (size_t)d;
}

/* One round of `tiles` tiles by `way` (0: sgemm, 1: kernel) on `threads` threads; seconds. */
static double round_of(int way, int threads, long tiles, long d, const float *A, const float *B,
                       float *C, float *scratch, size_t scratch_floats)
{
    double start = now_seconds();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long t = 0; t < tiles; t++) {
        const int tid = pc_thread_id();
        float *c = C + (size_t)tid * ROWS * LANES;
        if (way == 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ROWS, LANES, (int)d, 1.0f,
                        tile_rows(A, t, d), (int)d, B, (int)d, 0.0f, c, LANES);
        else
            pc_gemm_nt_blend(ROWS, LANES, (int32_t)d, 1.0f, tile_rows(A, t, d), B, 0.0f, c,
                             LANES, scratch + (size_t)tid * scratch_floats);
    }
    return now_seconds() - start;
}

int main(int argc, char **argv)
{
    long d = 100, threads = 2, rounds = 5, tiles = 64;
    for (int i = 1; i < argc; i++) {
        long *target = strcmp(argv[i], "-d") == 0   ? &d
                       : strcmp(argv[i], "-t") == 0 ? &threads
                       : strcmp(argv[i], "-r") == 0 ? &rounds
                       : strcmp(argv[i], "-b") == 0 ? &tiles
                                                    : NULL;
        if (!target || i + 1 >= argc || (*target = strtol(argv[++i], NULL, 10)) < 1 ||
            *target > 4096) {
            fprintf(stderr, "usage: dense_tile [-d D] [-t THREADS] [-r ROUNDS] [-b TILES] "
                            "(each 1..4096)\n");
            return 2;
        }
    }
    size_t scratch_floats = pc_gemm_nt_blend_scratch(LANES, (int32_t)d);
    float *A = malloc((size_t)A_ROWS * (size_t)d * sizeof *A);
    float *B = malloc((size_t)LANES * (size_t)d * sizeof *B);
    float *C = pc_aligned_array(64, (size_t)threads * ROWS * LANES, sizeof *C);
    float *scratch = pc_aligned_array(64, (size_t)threads * scratch_floats, sizeof *scratch);
    if (!A || !B || !C || !scratch) {
        fprintf(stderr, "dense_tile: out of memory\n");
        return 1;
    }
    fill(A, (size_t)A_ROWS * (size_t)d, 1u);
    fill(B, (size_t)LANES * (size_t)d, 2u);
    const struct { const char *name; int way, threads; } ways[3] = {
        {"sgemm", 0, 1}, {"kernel", 1, 1}, {"kernel", 1, (int)threads}};
    for (int w = 0; w < 3; w++) {
        double best = 0.0;
        for (long r = -1; r < rounds; r++) {
            double s = round_of(ways[w].way, ways[w].threads, tiles, d, A, B, C, scratch,
                                scratch_floats);
            if (r >= 0 && (best == 0.0 || s < best))
                best = s;
        }
        printf("way=%s threads=%d d=%ld seconds=%.4f gflops=%.1f\n", ways[w].name,
               ways[w].threads, d, best, 2.0 * ROWS * LANES * (double)d * (double)tiles / best / 1e9);
    }
    free(A);
    free(B);
    free(C);
    free(scratch);
    return 0;
}
