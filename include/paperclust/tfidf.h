/*
 * tfidf.h — weight: raw counts to L2-normalised TF-IDF, in place.
 *
 * tf is the raw count, or 1 + ln(count) with sublinear_tf; idf is
 * ln((1 + n) / (1 + df)) + 1 with smooth_idf (scikit-learn's default) or
 * ln(n / df) + 1 without; each row is scaled to unit L2 norm (rows with no
 * terms stay empty).  Arithmetic is double, stored as float32.
 */
#ifndef PAPERCLUST_TFIDF_H
#define PAPERCLUST_TFIDF_H

#include "matrix.h"
#include "status.h"
#include "vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_tfidf_options {
    int sublinear_tf; /* default 1: tf = 1 + ln(count); 0: the raw count */
    int smooth_idf;   /* default 1 */
    int normalize;    /* default 1 */
    int threads;      /* default 0: all available */
} pc_tfidf_options;

void pc_tfidf_options_default(pc_tfidf_options *opt);

/*
 * Turns the count matrix from pc_vocab_build() into TF-IDF weights in place.
 * When idf is non-NULL, *idf receives a new array of vocab->n_terms weights
 * the caller frees with free().
 */
pc_status pc_tfidf_apply(pc_csr *counts, const pc_vocab *vocab, const pc_tfidf_options *opt,
                         float **idf, pc_error *err);

/*
 * As pc_tfidf_apply for some of the rows of a corpus of n_docs documents
 * (vocab's document frequencies are the whole corpus'): the idf is that of
 * n_docs documents, so each row gets the bits it gets in the whole matrix
 * (paperclust-mpi: each process weights its range of rows).
 */
pc_status pc_tfidf_apply_part(pc_csr *counts, const pc_vocab *vocab, int32_t n_docs,
                              const pc_tfidf_options *opt, float **idf, pc_error *err);

/*
 * The idf of each of vocab's terms for a corpus of n_docs documents (from
 * vocab->df, as above): *idf is a new array of vocab->n_terms doubles the
 * caller frees with free().  PC_ERR_NOMEM.
 */
pc_status pc_tfidf_idf(const pc_vocab *vocab, int32_t n_docs, const pc_tfidf_options *opt,
                       double **idf, pc_error *err);

/*
 * Weights raw counts in place with a given idf (counts->n_cols entries, e.g. a
 * saved model's), as pc_tfidf_apply() does: the same arithmetic, so a row
 * gets the same bits from either.  Never fails.
 */
void pc_tfidf_weight(pc_csr *counts, const double *idf, const pc_tfidf_options *opt);

#ifdef __cplusplus
}
#endif
#endif
