/*
 * vocab.h — count: tokenize every document and build the vocabulary.
 *
 * Texts are tokenized as they arrive, in batches (batch_docs documents or 32
 * MiB of text, whichever fills first), each batch in parallel (OpenMP, one
 * tokenizer per thread, a contiguous slice of the batch each), and dropped:
 * what stays is, per document, its list of (term, count) pairs — 8 bytes per
 * distinct term of a document — and the growing vocabulary with document
 * frequencies.  `paperclust run` reads this way straight from the file
 * (pc_vocab_read, then pc_term_lists_finish), so no text is kept; pc_vocab_build
 * does the same over a corpus that holds its texts.  The final ids follow the
 * byte order of the terms (UTF-8 byte order is code-point order, as
 * scikit-learn sorts its vocabulary), so nothing depends on the thread count
 * or the batch size.  Terms are then pruned by document frequency (min_df,
 * max_df) and by corpus frequency (max_features), as TfidfVectorizer does, and
 * the result is the vocabulary and a document × term matrix of raw counts.
 *
 * Memory: the pairs become the matrix in place when its rows are in the order
 * the texts came (8 bytes per non-zero + 8 per document); when the corpus was
 * reordered (pc_corpus_sort), the rows are gathered into a new matrix and the
 * pairs freed, 16 bytes per non-zero at that moment.
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
    int32_t batch_docs;      /* default 0: 4096 documents per batch (results do not depend on it) */
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
 * the caller frees both.  Progress: "tokenize" (the texts), then
 * "vocabulary" (pruning, the rows, sorting each row).  PC_ERR_EMPTY when no
 * term survives, PC_ERR_INVALID for bounds that exclude everything (min_df
 * above max_df), PC_ERR_NOMEM, PC_ERR_INTERRUPTED (mon's cancel flag).
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

/* Term lists being counted: texts in, pairs and document frequencies out. */
typedef struct pc_term_lists pc_term_lists;

/*
 * New, empty term lists tokenizing with `topt` (borrowed until freed; its stop
 * list too).  With `known` (borrowed only during this call; its terms must be
 * distinct) the terms are that vocabulary's and other tokens are dropped and
 * counted (pc_term_lists_finish's *unknown); without, the vocabulary grows.
 * threads 0: all; batch_docs 0: 4096.  PC_ERR_INVALID (a repeated term or bad
 * tokenizer options), PC_ERR_NOMEM.  Freed with pc_term_lists_free (NULL-safe).
 */
pc_status pc_term_lists_new(const pc_tokenize_options *topt, const pc_vocab *known,
                            int threads, int32_t batch_docs, pc_term_lists **out,
                            pc_error *err);
/* Adds the next document's text (len bytes, copied into the batch; a full
 * batch is counted now).  PC_ERR_NOMEM, PC_ERR_INTERRUPTED. */
pc_status pc_term_lists_add(pc_term_lists *lists, const char *text, size_t len,
                            const pc_monitor *mon, pc_error *err);
/* The pairs counted so far (texts still waiting in the batch not included). */
int64_t pc_term_lists_pairs(const pc_term_lists *lists);
/* The most text bytes ever held at once (the largest batch). */
size_t pc_term_lists_peak_text(const pc_term_lists *lists);
/*
 * Counts the last batch, prunes (with opt; unused with a known vocabulary)
 * and builds *counts (and, without a known vocabulary, *vocab; vocab may be
 * NULL with one): row i is the order[i]-th text added (order NULL: the i-th),
 * as pc_corpus_sort's input_index gives.  corpus gives the number of
 * documents (it must match the texts added) and the name for messages.  The
 * pairs are used up: call once.  Progress "vocabulary", in pairs handled
 * (each twice: into rows, then sorted; a distinct term counts as ten).
 * Errors as pc_vocab_build.
 */
pc_status pc_term_lists_finish(pc_term_lists *lists, const pc_corpus *corpus,
                               const int32_t *order, const pc_vocab_options *opt,
                               const pc_monitor *mon, pc_vocab **vocab, pc_csr **counts,
                               int64_t *unknown, pc_error *err);
void pc_term_lists_free(pc_term_lists *lists);

/*
 * Reads `path` (see pc_corpus_read_each: no text is kept) and tokenizes each
 * text as it is read; then puts the corpus in canonical order
 * (pc_corpus_sort).  On success *corpus and *lists are new (the caller frees
 * both); pass corpus->input_index as pc_term_lists_finish's order.  Errors
 * those of pc_corpus_read and pc_term_lists_new.
 */
pc_status pc_vocab_read(const char *path, const pc_read_options *ropt,
                        const pc_tokenize_options *topt, const pc_vocab *known, int threads,
                        int32_t batch_docs, const pc_monitor *mon, pc_corpus **corpus,
                        pc_term_lists **lists, pc_error *err);

/* The id of `term`, or -1 (binary search). */
int32_t pc_vocab_lookup(const pc_vocab *vocab, const char *term);

void pc_vocab_free(pc_vocab *vocab);

#ifdef __cplusplus
}
#endif
#endif
