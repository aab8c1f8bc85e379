/*
 * evaluate.h — score clusters and related papers, in memory or from files.
 *
 * pc_scores_summarize() adds to a summary the agreement of clusters with
 * known labels (NMI, ARI, V-measure, purity: metrics.h), the label precision
 * of the related papers, and their precision and recall against known links.
 * pc_evaluate() does the same from CSV files (assignments.csv, related.csv, a
 * corpus with labels, a links file), so any tool's output, scikit-learn's
 * too, is scored by the same code.
 */
#ifndef PAPERCLUST_EVALUATE_H
#define PAPERCLUST_EVALUATE_H

#include <stdint.h>

#include "corpus.h"
#include "neighbors.h"
#include "report.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Document ids → document indexes (the first of duplicate ids wins). */
typedef struct pc_id_index pc_id_index;

pc_status pc_id_index_new(int32_t n_docs, char *const *ids, pc_id_index **out, pc_error *err);
/* The index of `id`, or -1. */
int32_t pc_id_index_find(const pc_id_index *index, const char *id);
void pc_id_index_free(pc_id_index *index);

/*
 * Reads links between papers from a CSV file with columns source_id,target_id
 * (header row).  Links count in both directions (relatedness is symmetric);
 * self-links and links naming an unknown paper are skipped, the latter with a
 * counted warning.  *source and *target (n_links entries each) are new arrays
 * the caller frees with free().
 */
pc_status pc_links_read(const char *path, const pc_id_index *ids, const pc_monitor *mon,
                        int64_t *n_links, int32_t **source, int32_t **target, pc_error *err);

typedef struct pc_score_input {
    int32_t n_docs;
    const int32_t *cluster;        /* n_docs, -1 = not clustered; NULL: no cluster scores */
    char *const *label;            /* n_docs, "" = unlabelled; NULL: no label scores */
    const pc_neighbors *neighbors; /* NULL: no related-paper scores */
    int64_t n_links;               /* links for precision/recall of the related papers */
    const int32_t *link_source;
    const int32_t *link_target;
} pc_score_input;

/*
 * Appends the scores that `in` allows to `summary`: labelled_documents,
 * classes, nmi, ari, homogeneity, completeness, v_measure, purity,
 * label_precision_at_top, link_precision_at_top, link_recall_at_top,
 * link_queries.  Scores with nothing to score are left out.
 */
pc_status pc_scores_summarize(const pc_score_input *in, pc_summary *summary, pc_error *err);

typedef struct pc_evaluate_options {
    const char *assignments; /* CSV with doc_id,cluster (NULL: no cluster scores) */
    const char *related;     /* CSV with doc_id,rank,related_id (NULL: none) */
    const char *labels;      /* the corpus: its ids define the papers, its labels the classes */
    const char *links;       /* CSV with source_id,target_id (NULL: none) */
    pc_read_options read;    /* how to read `labels` (label_col defaults to "label") */
} pc_evaluate_options;

void pc_evaluate_options_default(pc_evaluate_options *opt);

/* Reads the files and appends the scores to `summary`. */
pc_status pc_evaluate(const pc_evaluate_options *opt, const pc_monitor *mon,
                      pc_summary *summary, pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
