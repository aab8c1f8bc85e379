/*
 * assign.h — place new papers in a saved model's clusters, and find their
 * related papers among the model's corpus (`paperclust assign`).
 *
 * pc_assign() opens the model (model.h), reads the papers with the same
 * input options as pc_run(), tokenizes them exactly as the model's run did
 * (its stop words, stemming, bigrams, minimum length, markup stripping,
 * scikit-learn tokens), counts only the terms the model knows (the others are
 * dropped and counted), weights them with the model's idf and tf options,
 * places each in the cluster of the nearest centroid (pc_kmeans_predict:
 * cosine; papers left without terms join cluster 0 with similarity 0) and,
 * with top > 0, finds its `top` most similar papers among the model's corpus
 * (pc_neighbors_query: exact cosine of the TF-IDF rows).  A new paper that
 * is one of the model's papers — the same id and the same TF-IDF row — does
 * not list itself.  Reports (report.h, pc_report_write_assigned):
 * assignments.csv, related.csv and summary.csv, with the columns of `run`.
 *
 * Assigning the model's own corpus, read with its run's input options, gives
 * that run's assignments.csv byte for byte, and its related.csv too when the
 * ids are distinct (a run lists a paper's namesakes; assign never lists a
 * paper of the same id and row).
 */
#ifndef PAPERCLUST_ASSIGN_H
#define PAPERCLUST_ASSIGN_H

#include <stdint.h>

#include "corpus.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_assign_options {
    const char *model;       /* a model folder, or its model.bin (pc_model_open) */
    const char *input;       /* the papers: a path, or "-" for standard input */
    const char *output_dir;  /* default "assigned" */
    pc_read_options read;    /* default as `paperclust run`: label_col "label", optional */
    int32_t top;             /* default 10: related papers per paper; 0: none */
    int threads;             /* default 0: all available */
} pc_assign_options;

void pc_assign_options_default(pc_assign_options *opt);

/* Checks the options before any file is read (PC_ERR_INVALID). */
pc_status pc_assign_options_check(const pc_assign_options *opt, pc_error *err);

/* What an assignment did, for the caller to show (the library never prints). */
typedef struct pc_assign_result {
    char *source;            /* the input's name */
    char *model;             /* the model file read */
    char *output_dir;
    int32_t documents;       /* papers placed */
    int64_t skipped;         /* records skipped while reading (warned about) */
    int32_t empty_documents; /* papers with no term the model knows */
    int64_t unknown_tokens;  /* tokens (and bigrams) not in the model's vocabulary */
    int32_t model_documents; /* papers in the model */
    int32_t k;
    int64_t *count;          /* k: new papers per cluster */
    char **label;            /* k: the model's cluster labels */
    int related;             /* 1 when related.csv lists related papers */
    double seconds;          /* wall time */
} pc_assign_result;

/*
 * Places the papers of opt->input in the model opt->model and writes the
 * reports into opt->output_dir.  On PC_OK, when result is not NULL, *result
 * says what was done (free it with pc_assign_result_free()).  Errors are
 * those of pc_model_open(), pc_corpus_read() and the report writers, one
 * line naming the file; PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_assign(const pc_assign_options *opt, const pc_monitor *mon,
                    pc_assign_result **result, pc_error *err);

void pc_assign_result_free(pc_assign_result *result);

#ifdef __cplusplus
}
#endif
#endif
