/*
 * model.h — a saved model: what `paperclust assign` needs to place new papers
 * in the clusters of a finished run, in one versioned, checksummed binary file.
 *
 * pc_model_save() writes DIR/model.bin from a run: the vocabulary with each
 * term's df and idf; the tokenizer options actually used, the stop words
 * themselves (not the name of a list or file, so the file is self-contained),
 * the stemming language, bigrams, minimum token length, markup stripping,
 * scikit-learn tokens; the tf-idf options (sublinear or raw tf, smooth idf,
 * normalisation); the centroids (k × terms, the only dense block: nothing of
 * size papers × terms); each cluster's size, label and k-means number
 * (origin: ties between centroids go to the lower, as in k-means); the
 * corpus's TF-IDF rows (CSR) with the paper ids, for related papers; and,
 * for clusters made by repeated bisection, the method, the tree and its
 * splits' rules (two centroids each), so that new papers descend the tree as
 * the bisection split the corpus (pc_kmeans_predict).  The
 * file is written to a temporary file in DIR and renamed into place, so an
 * earlier model stays whole until the new one is complete.
 *
 * pc_model_open() memory-maps the file (nothing is copied but pointer arrays
 * of n_terms + n_docs + k entries) and checks everything before trusting any
 * number: magic, version, byte order, the file size against the header, the
 * checksum over every byte, then each section's size against the counts,
 * offsets inside the file, strings terminated, valid UTF-8 and sorted where
 * they must be, row pointers and columns in range, floats finite, sizes
 * summing to the papers, origins a permutation, the bisection's tree one
 * binary tree.  Each problem is one line
 * naming the file (PC_ERR_FORMAT unless the file cannot be read: PC_ERR_IO).
 * A file changed while mapped is not detected (it may end the process with
 * SIGBUS, as with any mapped file).
 *
 * File format, version 1
 * ----------------------
 * Numbers are in the byte order of the machine that wrote the file
 * (little-endian on x86-64 and arm64); a reader on the other byte order
 * refuses the file.  Offsets and sizes count bytes from the start of the
 * file; u32/u64 are unsigned, i32/i64 two's complement, f32/f64 IEEE 754.
 *
 *   offset  size  field
 *        0     8  magic 89 50 43 4D 0D 0A 1A 0A ("\x89PCM\r\n\x1a\n", PNG's
 *                 pattern: a text-mode or 7-bit transfer breaks it)
 *        8     4  u32 format version, 1
 *       12     4  u32 byte-order mark 0x01020304 (read as 0x04030201 on the
 *                 other byte order)
 *       16     8  u64 file size in bytes
 *       24     4  u32 CRC-32 (zlib's crc32) of the whole file, these 4 bytes
 *                 counted as zeros
 *       28     4  u32 number of sections, 20
 *       32    32  reserved, zeros
 *       64   480  the section table: 20 entries of 24 bytes, one per section
 *                 in the order of their ids: u32 id, u32 reserved (0),
 *                 u64 offset, u64 size
 *      544        the sections in the order of their ids, each at an offset
 *                 that is a multiple of 64 (zeros between them), the last
 *                 one ending at the end of the file
 *
 *   id  section        size (bytes)         contents
 *    1  meta           128                  16 × i64: n_docs (>= 1), n_terms
 *                                           (>= 1), k (1 .. n_docs), nnz,
 *                                           n_stopwords, ngram_max (1, 2),
 *                                           min_token_len (>= 1), strip_markup,
 *                                           sklearn_tokens, sublinear_tf,
 *                                           smooth_idf, normalize (each 0 or 1),
 *                                           seed, method (0 k-means, 1
 *                                           repeated bisection), 2 reserved
 *                                           zeros
 *    2  stem           >= 1                 the Snowball language, NUL-terminated
 *                                           ("" when not stemming)
 *    3  term_offsets   8 × (n_terms + 1)    the vocabulary (strings, below), in
 *    4  term_bytes                          strictly increasing byte order; a
 *                                           term's id is its index
 *    5  df             4 × n_terms          i32: documents holding the term
 *    6  idf            8 × n_terms          f64: its idf, finite and > 0
 *    7  stop_offsets   8 × (n_stopwords+1)  the stop words (strings), as the
 *    8  stop_bytes                          tokenizer compares them (folded)
 *    9  centroids      4 × k × n_terms      f32, row-major, cluster 0 first
 *                                           (clusters numbered largest first)
 *   10  sizes          8 × k                i64: papers per cluster, summing to
 *                                           n_docs
 *   11  origins        4 × k                i32: each cluster's k-means number,
 *                                           a permutation of 0 .. k-1
 *   12  label_offsets  8 × (k + 1)          the cluster labels (strings)
 *   13  label_bytes
 *   14  row_ptr        8 × (n_docs + 1)     i64: the TF-IDF rows in CSR, row_ptr[0]
 *   15  col            4 × nnz              = 0, non-decreasing, row_ptr[n_docs] =
 *   16  val            4 × nnz              nnz; col i32, strictly increasing within
 *                                           a row, < n_terms; val f32, finite
 *   17  id_offsets     8 × (n_docs + 1)     the paper ids (strings), non-empty, in
 *   18  id_bytes                            the order of the rows
 *   19  split_children 4 × 2 × (k − 1),     i32: the bisection's tree, merge m's
 *                      0 for k-means        side-0 then side-1 child: an id below
 *                                           k a cluster, k + i merge i (i < m);
 *                                           every id of 0 .. 2k − 3 exactly once,
 *                                           the root merge k − 2 (SciPy's linkage
 *                                           convention, clusters numbered as above)
 *   20  split_centroids 4 × 2 × (k − 1)     f32, finite: merge m's rule, its
 *                      × n_terms, 0 for     side-0 then side-1 centroid (rows of
 *                      k-means              n_terms): a paper goes to the side of
 *                                           higher dot product (ties: side 0)
 *
 * Strings: a list of n strings is an offsets section of n + 1 u64 and a bytes
 * section; string i is bytes[offsets[i] .. offsets[i+1]), valid UTF-8 whose
 * last byte is its only NUL; offsets[0] = 0 and offsets[n] = the size of the
 * bytes section.
 *
 * A new format version gets a new number; this paperclust reads version 1
 * only and says whether a file is older or newer.
 */
#ifndef PAPERCLUST_MODEL_H
#define PAPERCLUST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "describe.h"
#include "kmeans.h"
#include "matrix.h"
#include "status.h"
#include "tfidf.h"
#include "tokenize.h"
#include "vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PC_MODEL_FILE "model.bin" /* the file in a model folder */
#define PC_MODEL_VERSION 1        /* the format version written and read */

/* What a model is saved from; all borrowed. */
typedef struct pc_model_input {
    const pc_vocab *vocab;                /* the terms the run used (after pruning) */
    const pc_tokenize_options *tokenize;  /* as the run tokenized; its stop list's words are saved */
    const pc_tfidf_options *tfidf;
    const pc_clusters *clusters;          /* sorted by size (numbers as in the reports) */
    const pc_description *description;    /* the labels; NULL: empty labels */
    const pc_csr *X;                      /* the TF-IDF rows, n_docs × vocab->n_terms */
    const pc_corpus *corpus;              /* the paper ids */
    uint64_t seed;                        /* recorded only */
} pc_model_input;

/*
 * Writes dir/model.bin (dir is created if missing) atomically: a temporary
 * file in dir renamed into place, removed on any failure (PC_ERR_IO naming
 * the file and the system error, PC_ERR_NOMEM, PC_ERR_INTERRUPTED when
 * mon's cancel flag is raised).  PC_ERR_INVALID when the parts do not fit
 * together.  Stop words holding a NUL byte (which no token holds) are left out.
 */
pc_status pc_model_save(const char *dir, const pc_model_input *in, const pc_monitor *mon,
                        pc_error *err);

/* A model read back: every pointer points into the file's read-only mapping. */
typedef struct pc_model {
    const char *path;               /* the file, as named in messages */
    int32_t n_docs;
    int32_t n_terms;
    int32_t k;
    uint64_t seed;
    pc_vocab vocab;                 /* n_terms, n_docs, term, df (count: NULL) */
    const double *idf;              /* n_terms */
    pc_tokenize_options tokenize;   /* stoplist: the model's words; stem_lang NULL or a language */
    pc_tfidf_options tfidf;         /* threads 0 */
    pc_cluster_method method;       /* how the clusters were made */
    pc_clusters clusters;           /* k, dim = n_terms, centroid, size, origin, and for
                                       bisection split_child, split_centroid (else NULL);
                                       n_docs 0, no assign or similarity: never
                                       pc_clusters_free() it */
    char **label;                   /* k cluster labels */
    pc_csr rows;                    /* the corpus's TF-IDF rows, n_docs × n_terms */
    char **id;                      /* n_docs paper ids, in the order of the rows */
    void *storage;                  /* private */
} pc_model;

/*
 * Opens the model in `path`: a model folder (its model.bin is read) or the
 * file itself.  On PC_OK *out is a new model the caller frees with
 * pc_model_free().  Errors, one line naming the file: PC_ERR_IO (missing,
 * unreadable), PC_ERR_FORMAT (not a model, another version or byte order,
 * truncated, checksum mismatch, damaged), PC_ERR_NOMEM.
 */
pc_status pc_model_open(const char *path, pc_model **out, pc_error *err);

/*
 * The same checks on a model already in memory: `data` (size bytes, aligned
 * to 8 bytes; borrowed, it must outlive the model) named `name` in messages.
 */
pc_status pc_model_read_memory(const void *data, size_t size, const char *name, pc_model **out,
                               pc_error *err);

/* Frees a model and unmaps its file; NULL is allowed. */
void pc_model_free(pc_model *model);

#ifdef __cplusplus
}
#endif
#endif
