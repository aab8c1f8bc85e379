/*
 * share_internal.h — reading and counting split among processes
 * (paperclust-mpi): each process reads and tokenizes its share of the
 * documents; the vocabulary and document frequencies are merged; the
 * canonical order is decided over every process's documents (src/share.c,
 * with the pieces it needs from corpus.c and vocab.c).
 */
#ifndef PC_SHARE_INTERNAL_H
#define PC_SHARE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "paperclust/comm.h"
#include "paperclust/corpus.h"
#include "paperclust/vocab.h"
#include "strmap_internal.h"

/* ---- corpus.c ---- */

/* A kind of problem that does not stop reading: how many, the first one's line. */
typedef struct pc_read_tally {
    int64_t count;
    int64_t first_line;
} pc_read_tally;

/* Ragged rows, empty ids, invalid UTF-8, NUL bytes, texts cut, duplicate ids. */
#define PC_READ_PROBLEMS 6

/*
 * What one file of the input held, read alone (the file rule of
 * pc_corpus_read_share): lines as the concatenation counts them (a last line
 * without its newline too; its header included), records after the header
 * (skipped ones too), documents, the schema (bits: id, label, date columns
 * present), and the problems, their first lines counted in the file.  Only
 * integers, zero for a file not read: the processes' counts add up.
 */
typedef struct pc_file_counts {
    int64_t lines, records, docs, columns;
    pc_read_tally problem[PC_READ_PROBLEMS];
} pc_file_counts;

/*
 * As pc_corpus_read_each from `path` (and opt->more_inputs, the shards), but
 * keeping only this process's share, by one of two rules:
 *   - the file rule, for CSV given in `shares` files or more: this process
 *     reads only the files share, share + shares, share + 2 × shares, ...
 *     (by their place in the list), each as if alone, after checking its
 *     first line against the input's header (of which it reads only that
 *     line), and keeps all their documents; the documents' numbers, lines and
 *     the problems are then the files' own, until pc_corpus_share_numbers
 *     makes them the whole input's (pc_corpus_file_counts tells the rule and
 *     the counts it needs); no warnings are given, check_all is not needed and
 *     a share without documents is no failure;
 *   - else every process parses the whole input (a record may span lines:
 *     quoted newlines) and keeps the documents whose number (0, 1, ... in
 *     input order) is `share` modulo `shares`; another share's document costs
 *     only its id.  check_all: every document is checked (its text built, its
 *     id compared) so that this process's warnings are those of the whole
 *     input.  No documents in the whole input is PC_ERR_EMPTY as for
 *     pc_corpus_read; a share may be empty.
 * fn sees the kept texts, doc counting them from 0; input_index holds each
 * kept document's number in the whole input (the file rule: once numbered),
 * and *n_read the number of documents of the whole input (the file rule: of
 * this share, until numbered).  The share is in input order.  An optional
 * label column is kept even when this share's labels are all empty
 * (pc_corpus_gathered decides for the whole input).
 */
pc_status pc_corpus_read_share(const char *path, const pc_read_options *opt,
                               const pc_monitor *mon, pc_text_fn fn, void *ctx, int share,
                               int shares, int check_all, pc_corpus **out, int32_t *n_read,
                               pc_error *err);

/*
 * The file rule's counts of share (NULL with the other rule): *n_files of
 * them, one per file of the input, zeros for the files another process read;
 * and in *parsed the bytes of input this share parsed (after gunzip; with
 * the other rule, the whole input).
 */
const pc_file_counts *pc_corpus_file_counts(const pc_corpus *share, int *n_files,
                                            int64_t *parsed);

/*
 * The file rule, once every file's counts are known (all: every process's
 * pc_corpus_file_counts added up): this share's documents get their numbers
 * and lines in the whole input (as the concatenation of the files counts
 * them: the first file's header once, later files' left out), ids that are
 * record numbers too, and n_skipped and the problems are the whole input's;
 * *n_docs is the number of documents of the whole input.  Errors as
 * pc_corpus_read on the whole input: PC_ERR_EMPTY (no header, no documents),
 * PC_ERR_INVALID (too many documents), PC_ERR_NOMEM.
 */
pc_status pc_corpus_share_numbers(pc_corpus *share, const pc_file_counts *all,
                                  int32_t *n_docs, pc_error *err);

/*
 * The file rule's warnings through mon: those one process reading the whole
 * input gives (the same lines, in the same order), from share's problems
 * (pc_corpus_share_numbers) and the duplicate ids of `whole`, every
 * process's documents (pc_corpus_gathered).
 */
void pc_corpus_share_warn(const pc_corpus *share, const pc_corpus *whole,
                          const pc_monitor *mon);

/* Packs document i (id, title, label, date, hash, line, title length, input
 * number) into out (NULL: only measures); returns the bytes. */
size_t pc_corpus_pack(const pc_corpus *corpus, int32_t i, char *out);

/*
 * A corpus of the n packed records (pc_corpus_pack of the shares of `like`'s
 * input, any order; their input numbers must be 0 .. n - 1 once each, else
 * PC_ERR_INVALID), put in canonical order (pc_corpus_sort) exactly as one
 * process reading the whole input would; it reads texts again from `like`'s
 * input (pc_corpus_texts).  PC_ERR_NOMEM.
 */
pc_status pc_corpus_gathered(const pc_corpus *like, int32_t n, const char *const *records,
                             pc_corpus **out, pc_error *err);

/* ---- vocab.c ---- */

/* Counts the texts still waiting in the batch. */
pc_status pc_term_lists_flush(pc_term_lists *lists, const pc_monitor *mon, pc_error *err);

/* Every term counted so far (global ids), with its document frequency and
 * corpus count per id (pc_term_lists_flush first). */
const pc_strmap *pc_term_lists_terms(const pc_term_lists *lists, const int32_t **df,
                                     const int64_t **count);

/*
 * Prunes terms (strings `all`, document frequencies df, counts `count`, over
 * n_docs documents; `source` names them in messages) as pc_term_lists_finish
 * does, into a new *vocab; final_id (may be NULL; else room for every term of
 * all) maps each term's id to its vocabulary id or -1.
 */
pc_status pc_vocab_prune(const pc_strmap *all, const int32_t *df, const int64_t *count,
                         int32_t n_docs, const char *source, const pc_vocab_options *opt,
                         const pc_monitor *mon, int32_t *final_id, pc_vocab **vocab,
                         pc_error *err);

/* The count matrix of the texts added, row i the order[i]-th, terms mapped
 * into `vocab` (by their strings; others dropped), rows sorted by column.  The
 * pairs are used up. */
pc_status pc_term_lists_rows(pc_term_lists *lists, const pc_vocab *vocab,
                             const int32_t *order, pc_csr **counts, pc_error *err);

/* ---- share.c ---- */

/* Appends n bytes to *buf (growing it: *len used, *cap allocated); 0, or -1
 * when out of memory. */
int pc_bytes_put(char **buf, size_t *len, size_t *cap, const void *bytes, size_t n);

/* Appends row i of rows to *buf (growing it: *len used, *cap allocated) as
 * sent between processes: pos (its place, e.g. in the canonical order), its
 * length, columns and values.  0, or -1 when out of memory. */
int pc_rows_put(char **buf, size_t *len, size_t *cap, int32_t pos, const pc_csr *rows,
                int32_t i);

/* The rows in buf[0 .. size) (len[q] bytes each, pc_rows_put's) whose places
 * are first .. end - 1, once each, as a new CSR of end - first rows (n_cols
 * columns).  A place missing is an empty row when `sparse`, else
 * PC_ERR_INVALID; PC_ERR_NOMEM. */
pc_status pc_rows_take(char *const *buf, const size_t *len, int size, int32_t first,
                       int32_t end, int32_t n_cols, int sparse, pc_csr **out, pc_error *err);

/*
 * Every process gives `bytes` bytes at `mine` (any number, its own); *all (a
 * new buffer, freed with free()) receives them all, rank 0's first, on every
 * process, process r's at (*all)[at[r] .. at[r + 1]) (at: size + 1 offsets).
 * Sent in pieces of at most 4 MiB per process, the last as long as the
 * longest process's rest; a process with fewer bytes pads its pieces.  Failures as the communicator's.
 */
pc_status pc_comm_allgatherv(const pc_comm *comm, const void *mine, size_t bytes, char **all,
                             size_t *at, pc_error *err);

/*
 * Every process at once: out[q] (out_len[q] bytes; freed and set to NULL as
 * it is sent) goes to process q, and in[q] (a new buffer, in_len[q] bytes)
 * receives what process q sent this one.  P ring steps (this process
 * first), each a sendrecv of the size, then of the bytes.  Failures as the
 * communicator's (every out[q] is freed all the same).
 */
pc_status pc_comm_alltoallv(const pc_comm *comm, char **out, const size_t *out_len, char **in,
                            size_t *in_len, pc_error *err);

/*
 * Every process at once: each gives its rows packed by pc_rows_put (buf, len
 * bytes; freed here), and every process gets the rows at places first .. end
 * - 1 of them all as *rows (pc_rows_take, `sparse` as there): one variable
 * allgather.  status is this process's failure so far (PC_OK: none),
 * reported to the others first.
 */
pc_status pc_rows_allgather(const pc_comm *comm, pc_status status, char *buf, size_t len,
                            int32_t first, int32_t end, int32_t n_cols, int sparse,
                            pc_csr **rows, pc_error *err);

/*
 * Every process at once: out[q] (out_len[q] bytes of rows packed by
 * pc_rows_put; out may be NULL only with a failure) goes to process q
 * (pc_comm_alltoallv), and the rows received whose places are first .. end
 * - 1 become *rows (pc_rows_take).  status is this process's failure so far
 * (PC_OK: none), reported to the others first.  out's buffers are freed and
 * set to NULL; the arrays out and out_len stay the caller's.
 */
pc_status pc_rows_exchange(const pc_comm *comm, pc_status status, char **out,
                           const size_t *out_len, int32_t first, int32_t end, int32_t n_cols,
                           pc_csr **rows, pc_error *err);

/*
 * Reads this process's share of `path` (pc_corpus_read_share: its own files,
 * or its documents of the whole input) and tokenizes it into new term lists
 * (topt, threads and batch_docs as pc_term_lists_new); *share is in input
 * order, its documents numbered in the whole input; then gathers every
 * process's documents into *corpus (all of them, in canonical order, as
 * pc_vocab_read gives it to one process) on every process; *n_docs is the
 * number of documents of the whole input.  Rank 0 gives the whole input's
 * warnings (the file rule: once every file's counts and every id are known).
 */
pc_status pc_share_read(const char *path, const pc_read_options *ropt,
                        const pc_tokenize_options *topt, int threads, int32_t batch_docs,
                        const pc_comm *comm, const pc_monitor *mon, pc_corpus **share,
                        pc_term_lists **lists, pc_corpus **corpus, int32_t *n_docs,
                        pc_error *err);

/* The range [*first, *end) of the canonical order that process `comm`'s rank
 * holds: ceil(n_docs / size) documents each, the last ranks fewer (k-means'
 * ranges too). */
void pc_share_range(int32_t n_docs, const pc_comm *comm, int32_t *first, int32_t *end);

/*
 * Merges the shares (pc_share_read's): the vocabulary over every process's
 * terms and document frequencies (pruned with vopt over all n_docs
 * documents) into *vocab, the same on every process; and each share's count
 * rows sent to the process whose range (pc_share_range) of corpus's
 * canonical order holds them, so that *range holds the count rows of this
 * process's range, the rows one process would have there.  The lists are
 * used up; share may be freed afterwards.
 */
pc_status pc_share_finish(pc_term_lists *lists, const pc_corpus *share,
                          const pc_corpus *corpus, const pc_vocab_options *vopt,
                          const pc_comm *comm, const pc_monitor *mon, pc_vocab **vocab,
                          pc_csr **range, pc_error *err);

/*
 * Every process's range of rows (pc_share_range) gathered into the whole
 * matrix of n_docs rows, on every process: what the stages not yet split
 * between the processes need.
 */
pc_status pc_share_gather_rows(const pc_csr *range, int32_t n_docs, const pc_comm *comm,
                               pc_csr **out, pc_error *err);

/* PC_OK when rows first .. first + rows - 1 of `total` are this process's
 * range (pc_share_range's), else PC_ERR_INVALID naming both. */
pc_status pc_share_check_range(const pc_comm *comm, int64_t total, int64_t first, int32_t rows,
                               pc_error *err);

/*
 * The shape of the whole from every process's range of rows (pc_share_range's,
 * else PC_ERR_INVALID): the documents in all (*n), this process's first
 * (*first), and every term's document frequency over all of them (*df, new,
 * range->n_cols): one allgather of 8 bytes a term (and 8) per process.
 */
pc_status pc_share_shape(const pc_csr *range, const pc_comm *comm, int32_t *n, int32_t *first,
                         int64_t **df, pc_error *err);

/*
 * The rows of the documents marked in want (n_docs bytes) from every
 * process's range (pc_share_range's), as *out on every process: n_docs rows,
 * the others empty.  One variable allgather of the marked rows.  status:
 * this process's so far (a failure is reported to the others instead).
 */
pc_status pc_share_rows_of(const pc_csr *range, int32_t n_docs, const unsigned char *want,
                           const pc_comm *comm, pc_status status, pc_csr **out, pc_error *err);

/*
 * The rows of documents lo .. hi - 1 (0 <= lo <= hi <= n_docs) from every
 * process's range (pc_share_range's), as *out on every process: hi - lo
 * rows in document order.  One variable allgather of those rows.  status
 * as pc_share_rows_of.
 */
pc_status pc_share_rows_span(const pc_csr *range, int32_t n_docs, int32_t lo, int32_t hi,
                             const pc_comm *comm, pc_status status, pc_csr **out, pc_error *err);

/*
 * The rows of documents ids[0 .. m) (0 <= id < n_docs) from every process's
 * range, as *out on every process: m rows in that order (pc_share_rows_of,
 * then pc_csr_rows).  status as pc_share_rows_of.
 */
pc_status pc_share_rows_at(const pc_csr *range, int32_t n_docs, const int32_t *ids, int32_t m,
                           const pc_comm *comm, pc_status status, pc_csr **out, pc_error *err);

/*
 * Ranges: every document's row restricted to this process's columns
 * (pc_share_range of X's columns), as *slice (n rows, document order), from
 * X, this process's range (its first document `base`): each process sends
 * every other the part of each of its rows that falls in that one's columns
 * (pc_rows_exchange; nnz × 8 bytes in all, and 8 per row per process).
 */
pc_status pc_share_column_slice(const pc_csr *X, int32_t n, int32_t base, const pc_comm *comm,
                                pc_csr **slice, pc_error *err);

#endif
