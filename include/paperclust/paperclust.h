/*
 * paperclust.h — the whole library, and the pipeline in one call.
 *
 * A corpus flows one way: ingest (corpus.h) → tokenize and count (tokenize.h,
 * vocab.h) → TF-IDF (tfidf.h) → spherical k-means (kmeans.h) → related papers
 * (neighbors.h) → cluster descriptions (describe.h) → evaluation (metrics.h)
 * → CSV reports (report.h).  pc_run() does all of it with one options struct,
 * which is what the `paperclust run` command fills from its arguments.
 */
#ifndef PAPERCLUST_H
#define PAPERCLUST_H

#include "corpus.h"
#include "describe.h"
#include "evaluate.h"
#include "index.h"
#include "assign.h"
#include "comm.h"
#include "kmeans.h"
#include "lsa.h"
#include "matrix.h"
#include "metrics.h"
#include "model.h"
#include "neighbors.h"
#include "related.h"
#include "report.h"
#include "status.h"
#include "tfidf.h"
#include "timeline.h"
#include "tokenize.h"
#include "tree.h"
#include "vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PC_VERSION "0.1.0"
#define PC_LSA_DIMS 100 /* LSA dimensions when a stage needs them and --lsa is not given */

/* A range of k to sweep: min, min + step, ... up to max (or the automatic
 * range, see pc_auto_k_range). */
typedef struct pc_k_range {
    int32_t min, max, step;       /* min > 0: a sweep (step >= 1, max >= min) */
    int automatic;                /* 1: -k auto */
} pc_k_range;

/* What k-means clusters: the TF-IDF rows, or the documents' unit LSA coordinates (the
 * classic LSA clustering); either way the clusters are described by TF-IDF centroids. */
typedef enum pc_cluster_space { PC_CLUSTER_ON_TFIDF = 0, PC_CLUSTER_ON_LSA = 1 } pc_cluster_space;

typedef struct pc_options {
    const char *input;            /* path, or "-" for standard input */
    const char *output_dir;       /* default "out" */
    const char *stopwords;        /* default "english"; see pc_stoplist_load() */
    pc_read_options read;
    pc_vocab_options vocab;       /* vocab.tokenize.stoplist is set by pc_run() */
    pc_tfidf_options tfidf;
    pc_kmeans_options kmeans;     /* kmeans.k == 0: pc_default_k() */
    pc_cluster_method method;     /* default PC_METHOD_KMEANS; PC_METHOD_BISECT: repeated
                                     bisection (pc_bisect_fit) */
    pc_cluster_space cluster_on;  /* default PC_CLUSTER_ON_TFIDF; PC_CLUSTER_ON_LSA: k-means
                                     (or bisection, or a sweep) on the unit LSA rows, the
                                     clusters then recentred on the TF-IDF rows
                                     (pc_clusters_recenter); not with save_model */
    pc_k_range k_range;           /* a sweep over k (kmeans.k is then not used): each k
                                     clustered, scored into k_sweep.csv, one chosen by
                                     pc_k_sweep_choose(); default none */
    pc_related_options related;   /* what related papers are scored by (default tfidf),
                                     feedback (default off); related.neighbors.top == 0: no
                                     related papers */
    pc_lsa_options lsa;           /* lsa.dims == 0 (the default here): PC_LSA_DIMS when
                                     something uses the LSA (the related-paper score,
                                     cluster_on), else no LSA stage */
    pc_describe_options describe; /* terms per cluster in cluster_terms.csv (20 of each
                                     kind), label items (3), central papers (5), ... */
    int32_t n_label_terms;        /* default 10: terms in clusters.csv's top_terms and
                                     distinctive_terms */
    const char *label_stopwords;  /* default "science": words kept out of distinctive terms
                                     and labels (a pc_stoplist_load() spec) */
    const char *links;            /* default NULL: a source_id,target_id CSV to score related papers */
    int silhouette;               /* default 0: 1 adds the mean cosine silhouette */
    int html;                     /* default 1: also write report.html */
    int32_t silhouette_sample;    /* default 10000 documents (0: all) for the silhouette */
    pc_timeline_options timeline; /* topics over time, when read.time_col names a date column */
    int threads;                  /* default 0: all available; copied into every stage */
    const char *save_model;       /* default NULL; else a folder: after the reports, the model
                                     is saved there (model.h) for `paperclust assign` */
    const pc_comm *comm;          /* default NULL: one process; else the processes of
                                     paperclust-mpi (comm.h, borrowed): each runs pc_run with
                                     the same options; k-means' assignment steps and the
                                     related stage are split between them (the rest is done
                                     by each); they check in with each other before rank 0
                                     alone writes the reports (and the model), in which
                                     summary.csv gains a `processes` row: the reports are
                                     otherwise the same bytes.  input "-" is refused
                                     (PC_ERR_INVALID) */
} pc_options;

void pc_options_default(pc_options *opt);

/* Checks option ranges and combinations before any file is read (PC_ERR_INVALID). */
pc_status pc_options_check(const pc_options *opt, pc_error *err);

/* The default number of clusters: round(sqrt(n_docs / 2)), at least 2 and at most 50 (1 for one document). */
int32_t pc_default_k(int32_t n_docs);

/*
 * The ks a sweep tries on n_docs documents, increasing, none above n_docs:
 * MIN, MIN + STEP, ... up to MAX; for -k auto, from 2 to
 * K = min(60, n_docs, max(10, 2 × pc_default_k(n_docs))), each next k the
 * larger of k + 1 and round(1.25 k), and K itself last (2 3 4 5 6 8 10 12 15
 * 19 24 30 38 48 60 for a large corpus; one document: 1).  Writes them to ks
 * unless it is NULL; returns how many.
 */
int32_t pc_k_range_values(const pc_k_range *range, int32_t n_docs, int32_t *ks);

/* Runs the whole pipeline and writes the reports into opt->output_dir. */
pc_status pc_run(const pc_options *opt, const pc_monitor *mon, pc_error *err);

#define PC_RESULT_TRENDS 3 /* rising and falling topics named in a pc_run_result */

/* What a finished run did, for the caller to show (the library never prints). */
typedef struct pc_run_result {
    char *source;            /* the input's name */
    char *output_dir;        /* where the reports are */
    int32_t documents;       /* papers clustered */
    int64_t skipped;         /* records skipped while reading (warned about) */
    int32_t empty_documents; /* papers with no term left */
    int32_t terms;           /* terms kept */
    int32_t k;
    int64_t *size;           /* k cluster sizes, largest first */
    char **label;            /* k cluster labels */
    int related;             /* 1 when related.csv lists related papers */
    int timeline;            /* 1 when topics_over_time.csv was written */
    int html;                /* 1 when report.html was written */
    char *model_dir;         /* where the model was saved (--save-model), or NULL */
    const char *period;      /* its period: "month", ... */
    double *trend;           /* k trends (share per period), NULL without a timeline */
    int32_t n_rising, rising[PC_RESULT_TRENDS];   /* clusters, fastest rising first */
    int32_t n_falling, falling[PC_RESULT_TRENDS]; /* clusters, fastest falling first */
    double seconds;          /* wall time of the whole run */
    int tree;                /* 1 when tree.csv was written */
    int32_t n_swept;         /* ks tried by a sweep (k_sweep.csv), 0 without one */
    int32_t k_first, k_last; /* the first and last of them */
} pc_run_result;

/* pc_run, and on success *result (when result is not NULL) says what the
 * run did; free it with pc_run_result_free(). */
pc_status pc_run_with_result(const pc_options *opt, const pc_monitor *mon,
                             pc_run_result **result, pc_error *err);
void pc_run_result_free(pc_run_result *result);

/* Reads and weights only, and writes vocabulary.csv, tfidf.csv and summary.csv
 * (see pc_report_write_vectors) into opt->output_dir. */
pc_status pc_vectorize(const pc_options *opt, const pc_monitor *mon, pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
