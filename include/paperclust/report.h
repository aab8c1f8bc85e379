/*
 * report.h — write the CSV reports (UTF-8, header row, RFC 4180 quoting).
 *
 *   assignments.csv    doc_id,cluster,similarity[,label]   one row per document, input order
 *   clusters.csv       cluster,size,top_terms,central_doc_ids,cohesion   largest first
 *   cluster_terms.csv  cluster,rank,term,weight
 *   related.csv        doc_id,rank,related_id,similarity   documents in corpus order
 *   summary.csv        key,value
 *   topics_over_time.csv period,cluster,papers,share,in_trend   with a timeline only
 *   report.html        one self-contained page over all of them          with html only
 *   tree.csv           node,parent,depth,size,cluster,label,top_terms    with a tree only
 *   k_sweep.csv        k,objective,silhouette,calinski_harabasz,iterations,seconds
 *                                                                        after a k sweep only
 *
 * "Input order" follows corpus->input_index (pc_corpus_input_order): the
 * order the documents were read in, also after pc_corpus_sort; "corpus order"
 * is the order of the corpus arrays, canonical once sorted.
 *
 * Every file is first written to a temporary file in the output folder; only
 * when all are complete are they renamed into place, so a failed run leaves
 * the earlier reports untouched and no temporary file behind.
 */
#ifndef PAPERCLUST_REPORT_H
#define PAPERCLUST_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "corpus.h"
#include "describe.h"
#include "kmeans.h"
#include "lsa.h"
#include "matrix.h"
#include "neighbors.h"
#include "status.h"
#include "timeline.h"
#include "tree.h"
#include "vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An ordered list of key,value rows for summary.csv. */
typedef struct pc_summary {
    size_t count;
    size_t capacity;
    char **key;
    char **value;
} pc_summary;

/* Appends a row whose value is printf-formatted.  Returns PC_ERR_NOMEM on failure. */
pc_status pc_summary_add(pc_summary *summary, const char *key, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The value stored under `key`, or NULL. */
const char *pc_summary_get(const pc_summary *summary, const char *key);
/* Writes the rows as key,value CSV (with a header row) to `out`. */
pc_status pc_summary_write(FILE *out, const pc_summary *summary, pc_error *err);
/* Frees the rows (not the struct, which is usually on the stack). */
void pc_summary_clear(pc_summary *summary);

typedef struct pc_report_input {
    const pc_corpus *corpus;
    const pc_vocab *vocab;
    const pc_clusters *clusters;
    const pc_description *description;
    const pc_neighbors *neighbors;   /* NULL: related.csv has its header only */
    const pc_timeline *timeline;     /* NULL: no topics_over_time.csv, no trend column */
    const pc_summary *summary;
    int32_t n_label_terms;           /* terms in clusters.csv's top_terms (default 10) */
    const pc_csr *matrix;            /* the TF-IDF rows: pc_report_write_vectors writes them;
                                        report.html places its map's papers with them */
    int html;                        /* 1: pc_report_write also writes report.html */
    const pc_lsa *lsa;               /* pc_report_write_vectors: lsa.csv when not NULL */
    uint64_t seed;                   /* which papers report.html samples, when it must */
    const float *idf;                /* for pc_report_write_vectors: n_terms idf weights */
    char *const *related_ids;        /* the ids the neighbours' indexes name (paperclust
                                        assign: the model's papers); NULL: corpus->id */
    const pc_tree *tree;             /* NULL: no tree.csv */
    const pc_description *tree_groups; /* the tree's inner nodes, in preorder */
    const pc_k_sweep_row *sweep;     /* NULL: no k_sweep.csv (an older one is removed) */
    int32_t n_sweep;
} pc_report_input;

/*
 * Writes the reports into `dir` (created if missing) atomically as a set; an
 * optional report this run does not write (topics_over_time.csv,
 * report.html, tree.csv, k_sweep.csv) that an earlier run left is removed
 * with the set.  PC_ERR_IO names the file and the system error.
 */
pc_status pc_report_write(const char *dir, const pc_report_input *input, const pc_monitor *mon,
                          pc_error *err);

/*
 * Writes the features instead of the clusters, as a set like the above:
 *   vocabulary.csv  term,df,idf        one row per term, in byte order of the terms
 *   tfidf.csv       doc_id,term,weight one row per non-zero, documents in input order
 *   lsa.csv         doc_id,lsa_1..lsa_D  with an LSA: each document's coordinates
 *   summary.csv     key,value
 */
pc_status pc_report_write_vectors(const char *dir, const pc_report_input *input,
                                  const pc_monitor *mon, pc_error *err);

/*
 * Writes the reports of papers placed in a saved model's clusters
 * (paperclust assign), as a set like the above, with run's columns:
 *   assignments.csv  doc_id,cluster,similarity[,label]   (in->clusters: assign, similarity)
 *   related.csv      doc_id,rank,related_id,similarity   (related_id from in->related_ids)
 *   summary.csv      key,value
 * Other files in dir are left as they are.
 */
pc_status pc_report_write_assigned(const char *dir, const pc_report_input *input,
                                   const pc_monitor *mon, pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
