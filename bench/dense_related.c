/*
 * dense_related.c — the rate of the related-paper stage's dense kernel: the
 * exact top-N of n random unit vectors of D dimensions by cosine
 * (pc_neighbors_topn with dense rows and sparse weight 0: what
 * `--similarity lsa` runs), as GFLOP/s = 2 × the dense multiply-adds done
 * (summary.csv's related_dense_multiply_adds) / seconds, beside
 * bench/sgemm_peak's one-core figure × threads.
 *
 * usage: dense_related [-n N] [-d D] [-t THREADS] [-r REPEATS] [--top N]
 * Prints one line per repeat and the best: `n=74722 d=100 threads=2 seconds=...
 * gflops=...`.  The vectors come from a fixed seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperclust/paperclust.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = 74722, d = 100, threads = 2, repeats = 3, top = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        long v = strtol(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "-n") == 0) n = v;
        else if (strcmp(argv[i], "-d") == 0) d = v;
        else if (strcmp(argv[i], "-t") == 0) threads = v;
        else if (strcmp(argv[i], "-r") == 0) repeats = v;
        else if (strcmp(argv[i], "--top") == 0) top = v;
        else {
            fprintf(stderr, "usage: dense_related [-n N] [-d D] [-t THREADS] [-r REPEATS] [--top N]\n");
            return 2;
        }
    }
    if (n < 2 || d < 1 || threads < 1 || repeats < 1 || top < 1) {
        fprintf(stderr, "dense_related: sizes must be positive\n");
        return 2;
    }
    float *z = malloc((size_t)n * (size_t)d * sizeof *z);
    pc_csr *x = NULL;
    if (!z || pc_csr_new((int32_t)n, 1, 0, &x, NULL) != PC_OK) {
        fprintf(stderr, "dense_related: out of memory\n");
        return 1;
    }
    unsigned long long state = 88172645463325252ULL; /* xorshift64: a fixed, portable stream */
    for (long i = 0; i < n; i++) {
        double norm = 0.0;
        for (long c = 0; c < d; c++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            float v = (float)((double)(state >> 11) / 9007199254740992.0 - 0.3);
            z[i * d + c] = v;
            norm += (double)v * v;
        }
        for (long c = 0; c < d; c++)
            z[i * d + c] = (float)(z[i * d + c] / sqrt(norm));
    }
    pc_neighbors_dense dense = {(int32_t)d, z, NULL, 0.0f};
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = (int32_t)top;
    opt.threads = (int)threads;
    opt.dense = &dense;
    double best = 0.0;
    for (long r = 0; r < repeats; r++) {
        pc_neighbors *nb = NULL;
        pc_error err;
        double started = now_seconds();
        if (pc_neighbors_topn(x, &opt, NULL, &nb, &err) != PC_OK) {
            fprintf(stderr, "dense_related: %s\n", err.message);
            return 1;
        }
        double seconds = now_seconds() - started;
        double gflops = 2.0 * (double)nb->dense_work / seconds / 1e9;
        best = gflops > best ? gflops : best;
        printf("n=%ld d=%ld threads=%ld seconds=%.3f gflops=%.1f\n", n, d, threads, seconds,
               gflops);
        pc_neighbors_free(nb);
    }
    printf("best gflops=%.1f\n", best);
    free(z);
    pc_csr_free(x);
    return 0;
}
