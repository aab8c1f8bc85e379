/*
 * sgemm_peak.c — this machine's single-precision matrix-product peak, as the serial
 * OpenBLAS that paperclust links reaches it on one core.
 *
 * The k-means assignment step and the related-paper stage are float32 products; their
 * achieved GFLOP/s mean something only beside what a dense cblas_sgemm reaches on the
 * same machine. This program times C = A·B for N×N matrices (N = 2048 by default:
 * 48 MiB in all, far beyond the caches, and long enough — a fraction of a second per
 * product — for the clock to be exact) and reports the best of R products, after one
 * untimed warm-up (page faults, CPU frequency ramp). Best, not mean: on a shared
 * machine the other tenants only ever make a run slower.
 *
 * Flops counted as 2·N³ (one multiply and one add per inner-product term). The serial
 * OpenBLAS uses one core; the ceiling of a T-thread run of paperclust is about T times
 * the figure printed (bench/run_bench.py says so beside it).
 *
 * usage: sgemm_peak [-n N] [-r REPEATS]
 * Prints one line: `n=2048 repeats=5 best_seconds=0.1234 gflops=139.25`. Exit 0, 1 when
 * out of memory, 2 on a usage error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Parses a positive int no larger than max; 0 on any error. */
static int parse_positive(const char *text, long max)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1 || value > max)
        return 0;
    return (int)value;
}

static void usage(void)
{
    fprintf(stderr, "usage: sgemm_peak [-n N (1..16384, default 2048)] "
                    "[-r REPEATS (1..1000, default 5)]\n");
}

/* Fills with values in [-0.5, 0.5) from a fixed LCG: no denormals, no zeros to skip. */
static void fill(float *m, size_t count, uint32_t state)
{
    for (size_t i = 0; i < count; i++) {
        state = state * 1664525u + 1013904223u;
        m[i] = (float)(state >> 8) / 16777216.0f - 0.5f;
    }
}

int main(int argc, char **argv)
{
    int n = 2048, repeats = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        }
        int *target = strcmp(argv[i], "-n") == 0   ? &n
                      : strcmp(argv[i], "-r") == 0 ? &repeats
                                                   : NULL;
        if (target == NULL || i + 1 >= argc) {
            usage();
            return 2;
        }
        *target = parse_positive(argv[++i], target == &n ? 16384 : 1000);
        if (*target == 0) {
            fprintf(stderr, "sgemm_peak: bad value '%s' for %s\n", argv[i], argv[i - 1]);
            return 2;
        }
    }

    /* n <= 16384, so n·n·sizeof(float) <= 1 GiB: no overflow in size_t. */
    size_t count = (size_t)n * (size_t)n;
    float *a = malloc(count * sizeof *a);
    float *b = malloc(count * sizeof *b);
    float *c = malloc(count * sizeof *c);
    int status = 0;
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "sgemm_peak: out of memory for three %dx%d float matrices\n", n, n);
        status = 1;
        goto done;
    }
    fill(a, count, 1u);
    fill(b, count, 2u);
    memset(c, 0, count * sizeof *c);

    double best = 0.0;
    for (int r = -1; r < repeats; r++) { /* r = -1: the untimed warm-up */
        double start = now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n,
                    0.0f, c, n);
        double seconds = now_seconds() - start;
        if (r >= 0 && (best == 0.0 || seconds < best))
            best = seconds;
    }
    double flops = 2.0 * (double)n * (double)n * (double)n;
    printf("n=%d repeats=%d best_seconds=%.6f gflops=%.2f\n", n, repeats, best,
           flops / best / 1e9);

done:
    free(a);
    free(b);
    free(c);
    return status;
}
