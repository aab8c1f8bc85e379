/*
 * fuzz_corpus.h — reads one fuzz input through pc_corpus_read_stream() with
 * a few option sets and checks what corpus.h promises about the result.
 * Shared by fuzz_csv.c and fuzz_jsonl.c (which differ only in the format).
 *
 * The option sets: the defaults (id, title + abstract, no label); an
 * arXiv-like one (a "categories" label, optional; only "title"; texts cut at
 * 7 bytes, so the cut lands inside multi-byte characters often); and one with
 * a named id column ("title"), no text columns, a required label ("abstract")
 * and no length limit.  The seeds have all these columns, so every set reads
 * them; mutations reach the missing-column errors.
 *
 * A corpus that reads must hold n_docs > 0 documents with non-empty ids,
 * texts of well-formed UTF-8 no longer than max_doc_bytes (empty without text
 * columns), a label for each document when labels are present or required
 * (a first category has no white space in it), line numbers >= 1 that never
 * decrease, and no optional labels that are all empty.  A failure must come
 * with its status in the pc_error, a message, and *out left NULL.  Every
 * message, error or warning, must be one line of valid UTF-8 (status.h),
 * whatever bytes of the input it quotes.
 * Then pc_corpus_sort: the documents must come out in canonical order (id,
 * the text's 64-bit FNV-1a hash — checked against the text here —, label,
 * date, title length, each compared as unsigned), with input_index a
 * permutation under which the line numbers increase again, and a second sort
 * must change nothing.
 * Last, the same bytes read again without keeping the texts
 * (pc_corpus_read_each): the same documents, each text handed over once in
 * input order, the titles pc_corpus_title gives for the kept texts, and after
 * sorting, the texts pc_corpus_texts reads again (seeking back in the
 * stream) equal to the kept ones.
 */
#ifndef PC_FUZZ_CORPUS_H
#define PC_FUZZ_CORPUS_H

#include "fuzz_util.h"

#include "paperclust/corpus.h"

static inline void fuzz_on_warning(void *ctx, const char *message)
{
    (void)ctx;
    FUZZ_CHECK(fuzz_one_line_message(message), "a warning that is not one line of UTF-8: \"%s\"",
               message ? message : "(null)");
}

static inline void fuzz_check_corpus(const pc_corpus *corpus,
                                     const pc_read_options *opt)
{
    FUZZ_CHECK(corpus->n_docs > 0, "PC_OK with %d documents", (int)corpus->n_docs);
    FUZZ_CHECK(corpus->id && corpus->text && corpus->line, "missing arrays");
    FUZZ_CHECK(corpus->label || !opt->label_col || opt->label_optional, "labels missing");
    int64_t last_line = 1;
    for (int32_t i = 0; i < corpus->n_docs; i++) {
        const char *id = corpus->id[i], *text = corpus->text[i];
        FUZZ_CHECK(id && id[0], "document %d: empty id", (int)i);
        FUZZ_CHECK(fuzz_valid_utf8(id, strlen(id), NULL), "document %d: id not UTF-8", (int)i);
        FUZZ_CHECK(text != NULL, "document %d: NULL text", (int)i);
        size_t len = strlen(text);
        FUZZ_CHECK(fuzz_valid_utf8(text, len, NULL), "document %d: text not UTF-8", (int)i);
        FUZZ_CHECK(opt->text_cols[0] || len == 0, "document %d: text without text columns",
                   (int)i);
        FUZZ_CHECK(!opt->max_doc_bytes || len <= opt->max_doc_bytes,
                   "document %d: text of %zu bytes > max_doc_bytes %zu", (int)i, len,
                   opt->max_doc_bytes);
        FUZZ_CHECK(corpus->line[i] >= last_line, "document %d: line %lld after line %lld",
                   (int)i, (long long)corpus->line[i], (long long)last_line);
        last_line = corpus->line[i];
        if (corpus->label) {
            const char *label = corpus->label[i];
            FUZZ_CHECK(label != NULL, "document %d: NULL label", (int)i);
            FUZZ_CHECK(fuzz_valid_utf8(label, strlen(label), NULL),
                       "document %d: label not UTF-8", (int)i);
            if (opt->label_col && strcmp(opt->label_col, "categories") == 0)
                FUZZ_CHECK(strpbrk(label, " \t\r\n\v\f") == NULL,
                           "document %d: category label \"%s\" holds white space", (int)i,
                           label);
        }
    }
    FUZZ_CHECK(corpus->source && strcmp(corpus->source, "fuzz") == 0, "source is not the name");
}

/* 64-bit FNV-1a, written again from its definition. */
static inline uint64_t fuzz_fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* -1, 0 or 1 as document a sorts before, with or after b (corpus.h's order, written again). */
static inline int fuzz_compare_docs(const pc_corpus *c, int32_t a, int32_t b)
{
    int d = strcmp(c->id[a], c->id[b]);
    FUZZ_CHECK(c->text_hash[a] == fuzz_fnv1a(c->text[a]), "document %d: wrong text hash",
               (int)a);
    if (d == 0)
        d = (c->text_hash[a] > c->text_hash[b]) - (c->text_hash[a] < c->text_hash[b]);
    if (d == 0 && c->label)
        d = strcmp(c->label[a], c->label[b]);
    if (d == 0 && c->time)
        d = strcmp(c->time[a], c->time[b]);
    if (d == 0 && c->title_len)
        d = (c->title_len[a] > c->title_len[b]) - (c->title_len[a] < c->title_len[b]);
    return (d > 0) - (d < 0);
}

static inline void fuzz_check_sort(pc_corpus *corpus)
{
    pc_error err = {PC_OK, ""};
    FUZZ_CHECK(pc_corpus_sort(corpus, &err) == PC_OK, "sort failed: %s", err.message);
    int32_t n = corpus->n_docs;
    for (int32_t i = 1; i < n; i++)
        FUZZ_CHECK(fuzz_compare_docs(corpus, i - 1, i) <= 0, "documents %d and %d out of order",
                   (int)(i - 1), (int)i);
    int32_t *order = malloc((size_t)n * sizeof *order);
    unsigned char *seen = calloc((size_t)n, 1);
    FUZZ_CHECK(order && seen, "out of memory");
    for (int32_t i = 0; i < n; i++) {
        int32_t p = corpus->input_index ? corpus->input_index[i] : i;
        FUZZ_CHECK(p >= 0 && p < n && !seen[p], "input_index is not a permutation");
        seen[p] = 1;
    }
    pc_corpus_input_order(corpus, order);
    for (int32_t p = 1; p < n; p++)
        FUZZ_CHECK(corpus->line[order[p - 1]] <= corpus->line[order[p]],
                   "input order is not the order of the lines");
    const int32_t *before = corpus->input_index;
    char *first = corpus->id[0];
    FUZZ_CHECK(pc_corpus_sort(corpus, &err) == PC_OK && corpus->input_index == before &&
                   corpus->id[0] == first,
               "a second sort changed the corpus");
    free(order);
    free(seen);
}

typedef struct fuzz_handed {
    const pc_corpus *kept;
    int32_t next;
} fuzz_handed;

static inline pc_status fuzz_on_text(void *ctx, int32_t doc, const char *id, const char *text,
                                     size_t len, pc_error *err)
{
    (void)err;
    fuzz_handed *h = ctx;
    FUZZ_CHECK(doc == h->next++, "text %d handed over out of order", (int)doc);
    FUZZ_CHECK(doc < h->kept->n_docs && strcmp(id, h->kept->id[doc]) == 0 &&
                   len == strlen(h->kept->text[doc]) && text[len] == '\0' &&
                   memcmp(text, h->kept->text[doc], len) == 0,
               "text %d differs from the kept one", (int)doc);
    return PC_OK;
}

/* The same input again, texts not kept; `kept` is the sorted corpus read with them. */
static inline void fuzz_check_streamed(const uint8_t *data, size_t size,
                                       const pc_read_options *opt, const pc_corpus *kept)
{
    FILE *stream = fuzz_memory_stream(data, size);
    pc_corpus *c = NULL;
    pc_error err = {PC_OK, ""};
    fuzz_handed h = {NULL, 0};
    pc_corpus *input = NULL; /* the kept corpus in input order, for the handed texts */
    pc_status status = pc_corpus_read_stream(stream, "fuzz", opt, NULL, &input, &err);
    FUZZ_CHECK(status == PC_OK, "a second read failed: %s", err.message);
    h.kept = input;
    stream = fuzz_memory_stream(data, size);
    status = pc_corpus_read_each(NULL, stream, "fuzz", opt, NULL, fuzz_on_text, &h, &c, &err);
    FUZZ_CHECK(status == PC_OK && c && !c->text && c->title && h.next == kept->n_docs,
               "reading without texts failed: %s", err.message);
    FUZZ_CHECK(pc_corpus_sort(c, &err) == PC_OK, "sort failed: %s", err.message);
    int32_t n = c->n_docs;
    int32_t *docs = malloc((size_t)n * sizeof *docs);
    FUZZ_CHECK(docs != NULL, "out of memory");
    for (int32_t i = 0; i < n; i++) {
        char a[PC_TITLE_MAX], b[PC_TITLE_MAX];
        pc_corpus_title(kept, i, a, sizeof a);
        pc_corpus_title(c, i, b, sizeof b);
        FUZZ_CHECK(strcmp(kept->id[i], c->id[i]) == 0 && kept->line[i] == c->line[i] &&
                       kept->text_hash[i] == c->text_hash[i] && strcmp(a, b) == 0,
                   "document %d differs without texts", (int)i);
        docs[i] = n - 1 - i;
    }
    const char **texts = NULL;
    void *hold = NULL;
    status = pc_corpus_texts(c, n, docs, NULL, &texts, &hold, &err);
    FUZZ_CHECK(status == PC_OK, "reading texts again failed: %s", err.message);
    for (int32_t j = 0; j < n; j++)
        FUZZ_CHECK(strcmp(texts[j], kept->text[docs[j]]) == 0, "text %d read again differs",
                   (int)docs[j]);
    pc_corpus_texts_free(texts, hold);
    free(docs);
    pc_corpus_free(c);
    pc_corpus_free(input);
}

/* Reads data[0..size) as `format` with each option set and checks the result. */
static inline void fuzz_read_corpus(const uint8_t *data, size_t size, pc_format format)
{
    pc_read_options opts[3];
    pc_read_options_default(&opts[0]);
    opts[0].format = format;
    pc_read_options_default(&opts[1]);
    opts[1].format = format;
    opts[1].text_cols = "title";
    opts[1].label_col = "categories";
    opts[1].label_optional = 1;
    opts[1].max_doc_bytes = 7;
    pc_read_options_default(&opts[2]);
    opts[2].format = format;
    opts[2].id_col = "title";
    opts[2].text_cols = "";
    opts[2].label_col = "abstract";
    opts[2].max_doc_bytes = 0;
    pc_monitor mon = {fuzz_on_warning, NULL, NULL, NULL};

    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        FILE *stream = fuzz_memory_stream(data, size);
        int free_fd = fuzz_lowest_free_fd();
        pc_corpus *corpus = (pc_corpus *)1; /* must be overwritten */
        pc_error err = {PC_OK, ""};
        pc_status status = pc_corpus_read_stream(stream, "fuzz", &opts[k], &mon, &corpus, &err);
        FUZZ_CHECK(fuzz_lowest_free_fd() == free_fd, "a descriptor leaked (options %zu)", k);
        if (status == PC_OK) {
            FUZZ_CHECK(corpus != NULL, "PC_OK without a corpus");
            fuzz_check_corpus(corpus, &opts[k]);
            if (opts[k].label_optional && corpus->label) { /* all empty means no labels */
                int32_t i = 0;
                while (i < corpus->n_docs && !corpus->label[i][0])
                    i++;
                FUZZ_CHECK(i < corpus->n_docs, "optional labels kept though all are empty");
            }
            fuzz_check_sort(corpus);
            fuzz_check_streamed(data, size, &opts[k], corpus);
        } else {
            FUZZ_CHECK(corpus == NULL, "status %d but *out is set", (int)status);
            FUZZ_CHECK(err.status == status && err.message[0],
                       "status %d without a matching pc_error (%d, \"%s\")", (int)status,
                       (int)err.status, err.message);
            FUZZ_CHECK(fuzz_one_line_message(err.message),
                       "an error message that is not one line of UTF-8: \"%s\"", err.message);
            FUZZ_CHECK(status != PC_ERR_NOMEM && status != PC_ERR_INVALID &&
                           status != PC_ERR_INTERRUPTED,
                       "unexpected status %d: %s", (int)status, err.message);
        }
        pc_corpus_free(corpus);
    }
}

#endif
