/*
 * sort_bench — what putting a corpus into canonical order costs (issue 11,
 * section 4): reads FILE as `paperclust run` does, then times
 * pc_corpus_sort on fresh copies of the read, RUNS times (default 5), and
 * prints each time and the median in milliseconds.  The sort runs on one
 * core, so the machine's load changes the figure less than a whole run's.
 *
 * usage: sort_bench FILE [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "paperclust/corpus.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sort_bench FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1 || runs > 100)
        runs = 5;
    pc_read_options opt;
    pc_read_options_default(&opt);
    double ms[100];
    int32_t n = 0;
    for (int r = 0; r < runs; r++) {
        pc_corpus *corpus = NULL;
        pc_error err = {0};
        if (pc_corpus_read(argv[1], &opt, NULL, &corpus, &err) != PC_OK) {
            fprintf(stderr, "sort_bench: %s\n", err.message);
            return 1;
        }
        double started = now();
        if (pc_corpus_sort(corpus, &err) != PC_OK) {
            fprintf(stderr, "sort_bench: %s\n", err.message);
            return 1;
        }
        ms[r] = 1000.0 * (now() - started);
        n = corpus->n_docs;
        pc_corpus_free(corpus);
        printf("run %d: %.1f ms\n", r + 1, ms[r]);
    }
    qsort(ms, (size_t)runs, sizeof *ms, by_value);
    printf("%d papers: pc_corpus_sort median %.1f ms of %d runs\n", (int)n, ms[runs / 2], runs);
    return 0;
}
