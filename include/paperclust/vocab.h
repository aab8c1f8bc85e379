/*
 * vocab.h — count: tokenize every document and build the vocabulary.
 *
 * Documents are tokenized in parallel (OpenMP, one tokenizer per thread, a
 * contiguous slice of documents each); every thread counts terms in a local
 * table, and the tables meet in one vocabulary whose ids follow the byte order
 * of the terms (UTF-8 byte order is code-point order, as scikit-learn sorts its
 * vocabulary), so ids do not depend on the thread count.  Terms are then pruned
 * by document frequency (min_df, max_df) and by corpus frequency
 * (max_features), as TfidfVectorizer does, and the result is the vocabulary and
 * a document × term matrix of raw counts.
 */
#ifndef PAPERCLUST_VOCAB_H
#define PAPERCLUST_VOCAB_H

#include <stdint.h>

#include "corpus.h"
#include "matrix.h"
#include "status.h"
#include "tokenize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A document-frequency bound: a count of documents, or a fraction of them. */
typedef struct pc_df_bound {
    double value;
    int is_fraction; /* 1: value in [0, 1] is a share of the documents */
} pc_df_bound;

typedef struct pc_vocab_options {
    pc_tokenize_options tokenize;
    pc_df_bound min_df;      /* default 2 documents */
    pc_df_bound max_df;      /* default 0.5 of the documents */
    int32_t max_features;    /* default 0: no limit; else keep the most frequent terms */
    int relax_bounds;        /* default 0: bounds that leave no term are an error; 1: they
                                are relaxed instead, with a warning: first max_df to all
                                documents, then also min_df to 1 (for bounds the user did
                                not choose; pc_run sets it unless the user gave one) */
    int threads;             /* default 0: all available */
} pc_vocab_options;

void pc_vocab_options_default(pc_vocab_options *opt);

typedef struct pc_vocab {
    int32_t n_terms;
    int32_t n_docs;
    char **term;       /* n_terms, sorted by byte order */
    int32_t *df;       /* n_terms: documents containing the term */
    int64_t *count;    /* n_terms: occurrences in the whole corpus */
    int32_t n_pruned;  /* distinct terms removed by min_df / max_df / max_features */
    void *storage;     /* private */
} pc_vocab;

/*
 * Tokenizes and counts `corpus`.  On success *vocab is the vocabulary and
 * *counts the n_docs × n_terms matrix of raw term counts (val holds counts);
 * the caller frees both.  PC_ERR_EMPTY when no term survives, PC_ERR_INVALID
 * for bounds that exclude everything (min_df above max_df).
 */
pc_status pc_vocab_build(const pc_corpus *corpus, const pc_vocab_options *opt,
                         const pc_monitor *mon, pc_vocab **vocab, pc_csr **counts,
                         pc_error *err);

/*
 * Counts the terms of `corpus` that `vocab` holds (borrowed, e.g. a saved
 * model's; its terms must be distinct), tokenized with `tokenize`; other
 * tokens are dropped and counted in *unknown (may be NULL).  *counts is a new
 * n_docs × vocab->n_terms matrix of raw counts, rows sorted by column, the
 * caller frees: the same rows pc_vocab_build() gives the documents of the
 * corpus that built vocab.  Documents are tokenized in parallel (`threads`, 0:
 * all); the result does not depend on the thread count.  PC_ERR_EMPTY for a
 * corpus without documents, PC_ERR_INVALID for a vocabulary repeating a term,
 * PC_ERR_NOMEM, PC_ERR_INTERRUPTED.
 */
pc_status pc_vocab_count(const pc_corpus *corpus, const pc_vocab *vocab,
                         const pc_tokenize_options *tokenize, int threads,
                         const pc_monitor *mon, pc_csr **counts, int64_t *unknown,
                         pc_error *err);

/* The id of `term`, or -1 (binary search). */
int32_t pc_vocab_lookup(const pc_vocab *vocab, const char *term);

void pc_vocab_free(pc_vocab *vocab);

#ifdef __cplusplus
}
#endif
#endif
