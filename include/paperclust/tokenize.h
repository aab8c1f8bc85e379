/*
 * tokenize.h — turn a document's text into terms.
 *
 * Default tokens are maximal runs of Unicode letters, combining marks and
 * digits, case-folded with utf8proc (NFC, full case folding: "Straße" →
 * "strasse"); tokens shorter than min_token_len code points and stop words are
 * dropped; LaTeX math ($...$, $$...$$, \(...\), \[...\]), LaTeX control words
 * (\emph) and URLs (http://, https://, www., up to white space) are removed
 * first; an opener without its closer is only a separator, "\$" is a dollar
 * sign.  Invalid UTF-8 bytes separate tokens.  With a Snowball language the
 * remaining tokens are stemmed (libstemmer); each tokenizer caches the stem of
 * every distinct surface form so no word is stemmed twice.  With ngram_max 2
 * the bigrams of consecutive kept tokens follow the unigrams, joined by a space.
 *
 * sklearn_tokens reproduces scikit-learn's default token_pattern (?u)\b\w\w+\b
 * with lowercase=True: runs of Unicode alphanumerics and '_' (not combining
 * marks) of at least 2 code points, taken from the text as Python's str.lower()
 * leaves it (simple lower-casing, plus 'İ' → "i" + U+0307 and the final sigma
 * rule), no markup stripping; with the "sklearn" stop list this yields
 * TfidfVectorizer(stop_words="english")'s exact analyzer output (identical for
 * every character of Unicode 14, Python 3.11's version).
 */
#ifndef PAPERCLUST_TOKENIZE_H
#define PAPERCLUST_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A read-only set of stop words, shareable across threads. */
typedef struct pc_stoplist pc_stoplist;

/*
 * Loads a stop list: "english" (built in, the default; also when spec is
 * NULL), "sklearn" (scikit-learn's ENGLISH_STOP_WORDS, the same 318 words),
 * "science" (built in: scientific boilerplate such as "paper", "propose",
 * "results"), "none" (empty), or else the path of a UTF-8 file with one word
 * per line ('#' starts a comment, blank lines are ignored; write "./english"
 * for a file of that name).  Several join with '+' ("english+science",
 * "english+my_words.txt"), unless spec names an existing file.  Words are case-folded like default tokens.  The caller frees
 * *out with pc_stoplist_free() (NULL-safe).  Errors: PC_ERR_IO "FILE: cannot
 * open: REASON", PC_ERR_FORMAT "FILE:LINE: invalid UTF-8", PC_ERR_NOMEM.
 */
pc_status pc_stoplist_load(const char *spec, pc_stoplist **out, pc_error *err);
/* A stop list of exactly the n NUL-terminated `words`, taken as they are (not
 * folded again: e.g. the words of another list, which a saved model keeps).
 * PC_ERR_NOMEM. */
pc_status pc_stoplist_new_words(int32_t n, const char *const *words, pc_stoplist **out,
                                pc_error *err);
void pc_stoplist_free(pc_stoplist *stoplist);
/* 1 when `word` (already case-folded, `len` bytes) is in the list; 0 for a
 * NULL list.  Read-only: safe from several threads at once. */
int pc_stoplist_contains(const pc_stoplist *stoplist, const char *word, size_t len);
/* The number of words (0 for NULL), and word i (0 <= i < count) with its length. */
int32_t pc_stoplist_count(const pc_stoplist *stoplist);
const char *pc_stoplist_word(const pc_stoplist *stoplist, int32_t i, size_t *len);

typedef struct pc_tokenize_options {
    const pc_stoplist *stoplist; /* borrowed; NULL means no stop words */
    const char *stem_lang;       /* NULL (default) or "none": no stemming; else a libstemmer language ("english", "porter", ...) */
    int ngram_max;               /* 1 (default) or 2 */
    int min_token_len;           /* default 2, in code points after folding; >= 1 (sklearn_tokens: at least 2) */
    int strip_markup;            /* default 1: remove LaTeX math and URLs (ignored with sklearn_tokens) */
    int sklearn_tokens;          /* default 0: see above */
} pc_tokenize_options;

void pc_tokenize_options_default(pc_tokenize_options *opt);

/* A tokenizer holds buffers, the stemmer and its cache: use one per thread. */
typedef struct pc_tokenizer pc_tokenizer;

/*
 * Creates a tokenizer from `opt` (copied; NULL means the defaults; the stop
 * list stays borrowed and must outlive the tokenizer).  PC_ERR_INVALID for an
 * unknown stemming language (the message lists the known ones), ngram_max
 * other than 1 or 2, or min_token_len < 1; PC_ERR_NOMEM.  The caller frees it
 * with pc_tokenizer_free() (NULL-safe).
 */
pc_status pc_tokenizer_new(const pc_tokenize_options *opt, pc_tokenizer **out, pc_error *err);
void pc_tokenizer_free(pc_tokenizer *tokenizer);

/* The terms of one text, owned by the tokenizer: pointers stay valid until
 * the tokenizer is used again or freed. */
typedef struct pc_tokens {
    size_t count;
    const char *const *term;  /* count NUL-terminated UTF-8 strings */
    const size_t *length;     /* count byte lengths */
} pc_tokens;

/*
 * Tokenizes `len` bytes of `text` (borrowed; need not be NUL-terminated;
 * invalid UTF-8 sequences are treated as separators): the kept unigrams in
 * text order, then (ngram_max 2) the bigrams.  Fails only with PC_ERR_NOMEM,
 * leaving out->count 0.  In steady state it allocates nothing.
 */
pc_status pc_tokenize(pc_tokenizer *tokenizer, const char *text, size_t len, pc_tokens *out,
                      pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
