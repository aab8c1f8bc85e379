/*
 * corpus.h — ingest: read papers from CSV, JSON Lines or plain text.
 *
 * A corpus is a list of documents, each with an id, a text (the chosen text
 * columns joined by a newline) and, when asked for, a label.  Inputs may be
 * gzip-compressed (".gz", detected by content), and the path "-" reads
 * standard input.
 *
 * Texts: pc_corpus_read keeps every text in memory.  pc_corpus_read_each
 * (what `paperclust run` uses, for 50 papers as for 10 million) hands each
 * text to the caller as it is read and keeps none: a document then costs its
 * id, label and date, its display title (at most PC_TITLE_MAX - 1 bytes) and
 * 40 to 56 bytes of arrays (pointers, hash, line, title end, input position),
 * whatever the length of its text; pc_corpus_texts
 * reads the texts of a few chosen documents again when they are needed.
 * Reading reports progress (stage "read") as the share of the file's bytes
 * consumed (compressed bytes for a .gz file); none for a pipe.
 *
 *   CSV        RFC 4180 (libcsv): header row; quoted, multi-line and CRLF
 *              fields; a UTF-8 BOM is skipped.  Columns are found by name.
 *   JSON Lines one JSON object per line with the same field names (the arXiv
 *              metadata snapshot's format); numbers are taken as text.
 *   plain text documents separated by blank lines; the first line of a block
 *              is its title, the rest its abstract; ids are 1, 2, 3, ...
 *
 * CSV details: RFC 4180 strictly — spaces around fields are data, and a
 * quote inside an unquoted field or text after a closing quote is an error
 * ("papers.csv:12: malformed quoting ..."), as is a quoted field still open
 * at end of input ("papers.csv:12: unterminated quoted field", the line where
 * its row starts).  Blank lines are skipped.  Column names match exactly.
 *
 * JSON Lines details: blank lines are skipped; a line that is not a JSON
 * object is an error naming its line.  Strings are taken as they are, numbers
 * as their shortest text (42, 704.0001), true/false as words, arrays by
 * joining their strings and numbers with a space; null, objects and absent
 * fields are empty.  The keys of the first object play the role of the CSV
 * header: the column rules below are checked against it, and a later object
 * lacking a field gets an empty value (an empty id skips the object).
 *
 * Columns (every format; plain text has only "title" and "abstract"):
 *   - id_col absent: when it is the default "id", ids are record numbers
 *     (1 = the first data row, line or block, skipped ones counted); any other
 *     absent id_col is PC_ERR_FORMAT naming the file and the column.
 *   - an absent text column is PC_ERR_FORMAT naming it.  The text is the
 *     non-empty text columns joined by "\n".
 *   - label_col absent: PC_ERR_FORMAT, or no labels when label_optional.
 *     A label column named "categories" (arXiv: "cs.LG stat.ML") gives the
 *     first whitespace-separated category as the label.
 *
 * Problems that do not stop reading are counted, and each kind produces one
 * warning through mon->warn when reading ends, naming the first line
 * ("papers.csv: 3 rows skipped: wrong number of fields (first at line 17)"):
 *   - CSV rows with a different number of fields than the header: skipped;
 *   - records with an empty id: skipped;
 *   - invalid UTF-8 (in any field): each maximal ill-formed sequence becomes
 *     U+FFFD; NUL bytes become spaces;
 *   - texts longer than max_doc_bytes: cut at a UTF-8 character boundary;
 *   - duplicate ids: kept.
 * When no document remains the result is PC_ERR_EMPTY ("papers.csv: no
 * documents"); an empty file or a header-only CSV says so in the message.  A
 * single CSV field or JSON line longer than max(64 MiB, 4 × max_doc_bytes) is
 * PC_ERR_FORMAT (it usually means an unbalanced quote).
 */
#ifndef PAPERCLUST_CORPUS_H
#define PAPERCLUST_CORPUS_H

#include <stdint.h>
#include <stdio.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pc_format {
    PC_FORMAT_AUTO = 0, /* by file name: .jsonl/.ndjson/.json → JSONL, .txt → TEXT, else CSV (".gz" stripped first) */
    PC_FORMAT_CSV,
    PC_FORMAT_JSONL,
    PC_FORMAT_TEXT
} pc_format;

typedef struct pc_read_options {
    pc_format format;          /* default PC_FORMAT_AUTO */
    const char *id_col;        /* default "id"; when this default column is absent, ids are row numbers 1, 2, ... */
    const char *text_cols;     /* default "title,abstract": comma-separated; every one must exist;
                                  "" reads ids and labels only (texts are empty) */
    const char *label_col;     /* default NULL (no labels) */
    int label_optional;        /* 1: a missing label column, or one whose values are all empty,
                                  means "no labels"; 0 (default): a missing one is an error */
    const char *time_col;      /* default NULL: a column of dates (read as text; see
                                  timeline.h); a missing one is an error */
    size_t max_doc_bytes;      /* default 1 MiB: longer texts are cut (at a UTF-8 boundary) with a warning; 0: no limit */
    const char *const *more_inputs; /* default NULL: shards, n_more_inputs files (paths,
                                  borrowed) read after the input as its continuation, as
                                  if concatenated: the format is the first file's; a CSV
                                  shard's first line must be the first file's header and
                                  is skipped; line numbers in messages count through the
                                  files as one, headers once, naming the first file */
    int n_more_inputs;
} pc_read_options;

/* Fills *opt with the documented defaults. */
void pc_read_options_default(pc_read_options *opt);

/* The longest display title kept, with its NUL (see pc_corpus_title). */
#define PC_TITLE_MAX 512

typedef struct pc_corpus {
    int32_t n_docs;
    char **id;       /* n_docs NUL-terminated strings */
    char **text;     /* n_docs NUL-terminated strings (valid UTF-8); NULL when the texts
                        were not kept (pc_corpus_read_each) */
    char **title;    /* without texts: n_docs display titles (pc_corpus_title with cap
                        PC_TITLE_MAX); NULL when the texts are kept */
    uint64_t *text_hash; /* n_docs: 64-bit FNV-1a of each text's bytes (see pc_corpus_sort) */
    char **label;    /* n_docs strings, or NULL when the corpus has no labels */
    char **time;     /* n_docs date strings as written, or NULL without a time_col */
    int32_t *title_len; /* n_docs: the title is text[i][0 .. title_len[i]) — the first text
                           column when it is named "title" (plain text: the first line);
                           NULL when the first text column is something else */
    int64_t *line;   /* n_docs: 1-based input line where each document starts */
    int32_t *input_index; /* n_docs: document i was the input_index[i]-th read (0-based);
                             NULL while the documents are in input order (see
                             pc_corpus_sort) */
    char *source;    /* the name the corpus was read from ("-" → "<stdin>") */
    int64_t n_skipped; /* records skipped (wrong number of fields, empty id) */
    void *storage;   /* private: the string arena */
} pc_corpus;

/*
 * Reads a corpus from `path` ("-" for standard input).  On success *out is a
 * new corpus the caller frees with pc_corpus_free().  Errors name the file and
 * line: PC_ERR_IO (cannot open/read), PC_ERR_FORMAT (malformed input, missing
 * column), PC_ERR_EMPTY (no documents), PC_ERR_NOMEM.  `mon` may be NULL.
 */
pc_status pc_corpus_read(const char *path, const pc_read_options *opt, const pc_monitor *mon,
                         pc_corpus **out, pc_error *err);

/* As pc_corpus_read, from an open stream (borrowed, not closed; read from its
 * descriptor, so bytes it has already buffered are not seen); `name` (NULL:
 * "<stream>") is used in messages and, with PC_FORMAT_AUTO, to pick the format. */
pc_status pc_corpus_read_stream(FILE *stream, const char *name, const pc_read_options *opt,
                                const pc_monitor *mon, pc_corpus **out, pc_error *err);

/*
 * As pc_corpus_read (path given) or pc_corpus_read_stream (path NULL, stream
 * and name given), but each document's text goes to fn(ctx, doc, id, text,
 * len, err) as it is read — doc counts the documents from 0 in input order,
 * text is valid UTF-8 with a NUL after its len bytes, both only valid during
 * the call — and is not kept: corpus->text is NULL and corpus->title holds
 * the display titles (fn NULL: the texts are only dropped).  fn returns PC_OK, or a status (with err filled) that
 * stops reading and is returned.  The path or stream is remembered for
 * pc_corpus_texts: a stream must then stay open and be seekable.
 */
typedef pc_status (*pc_text_fn)(void *ctx, int32_t doc, const char *id, const char *text,
                                size_t len, pc_error *err);
pc_status pc_corpus_read_each(const char *path, FILE *stream, const char *name,
                              const pc_read_options *opt, const pc_monitor *mon,
                              pc_text_fn fn, void *ctx, pc_corpus **out, pc_error *err);

/*
 * The texts of documents docs[0 .. n) (indexes in the corpus' current order):
 * *texts is a new array of n pointers, freed with pc_corpus_texts_free(*texts,
 * *hold).  With texts kept they point into the corpus; otherwise the input is
 * read again (progress stage "read texts"; one pass over the file, keeping
 * only the wanted texts) and each record is checked against the corpus' id:
 * PC_ERR_IO "FILE: the input changed after it was read ..." when it differs,
 * or when a stream cannot seek back; PC_ERR_NOMEM; PC_ERR_INTERRUPTED.
 */
pc_status pc_corpus_texts(const pc_corpus *corpus, int32_t n, const int32_t *docs,
                          const pc_monitor *mon, const char ***texts, void **hold,
                          pc_error *err);
void pc_corpus_texts_free(const char **texts, void *hold);

/*
 * Document i's title, for display: the title (see title_len) or, without
 * one, the first line of the text; when that is empty, the first 120 bytes
 * of the text.  Runs of white space become one space.
 * Writes at most cap - 1 bytes and a NUL into out, cutting at a character
 * boundary; returns the bytes written.
 */
size_t pc_corpus_title(const pc_corpus *corpus, int32_t i, char *out, size_t cap);

/*
 * Puts the documents into canonical order, the same for every order of the
 * same records: by id, then the 64-bit hash of the text (text_hash, as an
 * unsigned number), then label, then date, then title length (strings
 * compared byte by byte as unsigned, like strcmp).  The hash stands in for
 * the text, which pc_corpus_read_each does not keep: documents with the same
 * id and different texts are ordered by their hashes, not by their texts.
 * Two different texts of one id collide with probability about 2^-64 (FNV-1a
 * is not cryptographic: texts made on purpose can collide); colliding
 * documents equal in every other key keep their input order, so only then
 * could the result depend on the order of the input rows.  Documents equal
 * in all keys are interchangeable for every computation on the corpus;
 * among them the input order is kept.  Every per-document array (id, text,
 * title, text_hash, label, time, title_len, line) is permuted alike, and input_index says where
 * each document came from, so a caller can still list documents in input
 * order (pc_corpus_input_order).  Sorting again is harmless.  Costs one
 * comparison sort of n_docs records (ids usually decide) and 60 bytes per
 * document while it runs (nothing when the documents are already in order).
 * PC_ERR_NOMEM leaves the corpus as it was.
 */
pc_status pc_corpus_sort(pc_corpus *corpus, pc_error *err);

/*
 * Fills order[0 .. n_docs) with the documents in input order: order[p] is the
 * document read p-th (the identity when the corpus was never sorted).
 */
void pc_corpus_input_order(const pc_corpus *corpus, int32_t *order);

/* The bytes the corpus holds: its string arena (whole 1 MiB blocks) and its
 * per-document arrays (at their allocated capacity). */
size_t pc_corpus_bytes(const pc_corpus *corpus);

/* Frees a corpus; NULL is allowed. */
void pc_corpus_free(pc_corpus *corpus);

#ifdef __cplusplus
}
#endif
#endif
