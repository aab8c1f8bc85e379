/*
 * vocab.c — tokenize every document, count terms, prune, build raw counts.
 *
 * Phase 1 (parallel): the documents are cut into one contiguous slice per
 * thread.  Each thread tokenizes its slice with its own tokenizer and numbers
 * terms in a thread-local table; per document it records (local term, count)
 * pairs, counting repeats in O(1) with a "last document seen" stamp per term.
 *
 * Phase 2 (serial, over distinct terms only): the local tables meet in one
 * table; document frequencies and corpus counts are summed from the pairs;
 * terms are pruned by min_df / max_df and then max_features exactly as
 * scikit-learn's CountVectorizer does; the survivors are sorted by byte order,
 * which fixes their ids whatever the thread count.
 *
 * Phase 3 (parallel): each thread writes its documents' rows of the count
 * matrix, translating local ids to final ones and sorting each row by column.
 *
 * Memory: the pairs (8 bytes per distinct term per document) plus the CSR
 * result, both proportional to the non-zeros.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "paperclust/vocab.h"
#include "progress_internal.h"
#include "strmap_internal.h"

void pc_vocab_options_default(pc_vocab_options *opt)
{
    memset(opt, 0, sizeof *opt);
    pc_tokenize_options_default(&opt->tokenize);
    opt->min_df = (pc_df_bound){2.0, 0};
    opt->max_df = (pc_df_bound){0.5, 1};
    opt->max_features = 0;
    opt->relax_bounds = 0;
    opt->threads = 0;
}

/* What one thread learns about its slice of documents. */
typedef struct slice {
    int32_t doc_begin, doc_end;
    pc_strmap *terms;       /* local term → local id */
    int32_t *last_doc;      /* per local term: last document it was seen in */
    int32_t *pair_of;       /* per local term: index of its pair in that document */
    size_t terms_cap;
    int32_t *pair_term;     /* (local term, count) pairs, document after document */
    int32_t *pair_count;
    size_t n_pairs, pairs_cap;
    int32_t *to_global;     /* local id → id in the merged table, then final id (or -1) */
    int64_t unknown;        /* tokens not in a fixed vocabulary (pc_vocab_count) */
    pc_status status;
    pc_error err;
} slice;

static void slice_free(slice *s)
{
    pc_strmap_free(s->terms);
    free(s->last_doc);
    free(s->pair_of);
    free(s->pair_term);
    free(s->pair_count);
    free(s->to_global);
}

static int grow_terms(slice *s, size_t need)
{
    if (need <= s->terms_cap)
        return 0;
    size_t cap = s->terms_cap ? s->terms_cap * 2 : 4096;
    while (cap < need)
        cap *= 2;
    int32_t *last = pc_realloc_array(s->last_doc, cap, sizeof *last);
    if (!last)
        return -1;
    for (size_t i = s->terms_cap; i < cap; i++)
        last[i] = -1; /* no document yet (read before any write with a fixed vocabulary) */
    s->last_doc = last;
    int32_t *pair = pc_realloc_array(s->pair_of, cap, sizeof *pair);
    if (!pair)
        return -1;
    s->pair_of = pair;
    s->terms_cap = cap;
    return 0;
}

static int grow_pairs(slice *s, size_t need)
{
    if (need <= s->pairs_cap)
        return 0;
    size_t cap = s->pairs_cap ? s->pairs_cap * 2 : 65536;
    while (cap < need)
        cap *= 2;
    int32_t *term = pc_realloc_array(s->pair_term, cap, sizeof *term);
    if (!term)
        return -1;
    s->pair_term = term;
    int32_t *count = pc_realloc_array(s->pair_count, cap, sizeof *count);
    if (!count)
        return -1;
    s->pair_count = count;
    s->pairs_cap = cap;
    return 0;
}

/*
 * Adds one document's tokens to the slice; *distinct receives its distinct
 * terms.  Without `known` every term is numbered in the slice's own table;
 * with it (a fixed vocabulary, read-only) terms take its ids and the others
 * are dropped, counted in s->unknown.
 */
static pc_status count_document(slice *s, const pc_strmap *known, int32_t doc,
                                const pc_tokens *tokens, int32_t *distinct)
{
    size_t first_pair = s->n_pairs;
    if (grow_pairs(s, s->n_pairs + tokens->count) != 0)
        return PC_ERR_NOMEM;
    for (size_t t = 0; t < tokens->count; t++) {
        int inserted = 0;
        int32_t id;
        if (known) {
            if ((id = pc_strmap_find(known, tokens->term[t], tokens->length[t])) < 0) {
                s->unknown++;
                continue;
            }
        } else {
            id = pc_strmap_intern(s->terms, tokens->term[t], tokens->length[t], &inserted);
        }
        if (id < 0 || grow_terms(s, (size_t)id + 1) != 0)
            return PC_ERR_NOMEM;
        if (inserted || s->last_doc[id] != doc) {
            s->last_doc[id] = doc;
            s->pair_of[id] = (int32_t)(s->n_pairs - first_pair);
            s->pair_term[s->n_pairs] = id;
            s->pair_count[s->n_pairs] = 1;
            s->n_pairs++;
        } else {
            s->pair_count[first_pair + (size_t)s->pair_of[id]]++;
        }
    }
    *distinct = (int32_t)(s->n_pairs - first_pair);
    return PC_OK;
}

/* Phase 1 for one thread (known: see count_document). */
static void count_slice(const pc_corpus *corpus, const pc_tokenize_options *topt,
                        const pc_strmap *known, int32_t *doc_terms, slice *s,
                        pc_progress *progress, int n_threads, const pc_monitor *mon,
                        volatile int *stop)
{
    pc_tokenizer *tokenizer = NULL;
    s->terms = pc_strmap_new();
    if (!s->terms) {
        s->status = pc_fail_nomem(&s->err, "counting terms");
        *stop = 1;
        return;
    }
    s->status = pc_tokenizer_new(topt, &tokenizer, &s->err);
    for (int32_t d = s->doc_begin; d < s->doc_end && s->status == PC_OK && !*stop; d++) {
        pc_tokens tokens;
        const char *text = corpus->text[d];
        s->status = pc_tokenize(tokenizer, text, strlen(text), &tokens, &s->err);
        if (s->status == PC_OK && count_document(s, known, d, &tokens, &doc_terms[d]) != PC_OK)
            s->status = pc_fail_nomem(&s->err, "counting terms");
        if (((d - s->doc_begin) & 255) == 255) {
            if (pc_cancelled(mon))
                s->status = pc_fail(&s->err, PC_ERR_INTERRUPTED, "interrupted while tokenizing");
            if (progress)
                pc_progress_update(progress, (double)(d - s->doc_begin) * n_threads);
        }
    }
    if (s->status != PC_OK)
        *stop = 1;
    pc_tokenizer_free(tokenizer);
}

/* Phase 2a: merges the local tables; fills each slice's to_global. */
static pc_status merge_tables(slice *slices, int n_slices, pc_strmap **merged, pc_error *err)
{
    pc_strmap *all = pc_strmap_new();
    if (!all)
        return pc_fail_nomem(err, "merging term tables");
    for (int t = 0; t < n_slices; t++) {
        int32_t n = pc_strmap_count(slices[t].terms);
        slices[t].to_global = pc_malloc_array((size_t)n, sizeof(int32_t));
        if (!slices[t].to_global)
            goto nomem;
        for (int32_t l = 0; l < n; l++) {
            size_t len;
            const char *key = pc_strmap_key(slices[t].terms, l, &len);
            int32_t g = pc_strmap_intern(all, key, len, NULL);
            if (g < 0)
                goto nomem;
            slices[t].to_global[l] = g;
        }
    }
    *merged = all;
    return PC_OK;
nomem:
    pc_strmap_free(all);
    return pc_fail_nomem(err, "merging term tables");
}

typedef struct term_rank {
    const char *key;
    int64_t count;
    int32_t id;
} term_rank;

static int by_count_then_bytes(const void *a, const void *b)
{
    const term_rank *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(((const term_rank *)a)->key, ((const term_rank *)b)->key);
}

static double df_limit(pc_df_bound bound, int32_t n_docs)
{
    return bound.is_fraction ? bound.value * n_docs : bound.value;
}

/* The terms within [min_docs, max_docs], the max_features most frequent of
 * them when that is set, into rank; returns their number. */
static int32_t select_terms(const pc_strmap *all, const int32_t *df, const int64_t *count,
                            double min_docs, double max_docs, int32_t max_features,
                            term_rank *rank)
{
    int32_t n = pc_strmap_count(all), m = 0;
    for (int32_t g = 0; g < n; g++)
        if (df[g] >= min_docs && df[g] <= max_docs)
            rank[m++] = (term_rank){pc_strmap_key(all, g, NULL), count[g], g};
    if (max_features > 0 && m > max_features) {
        qsort(rank, (size_t)m, sizeof *rank, by_count_then_bytes);
        m = max_features;
    }
    return m;
}

/*
 * Phase 2b: chooses the surviving terms.  On success *kept holds them in
 * byte order and *n_kept their number; final_id maps merged ids to final
 * ids or -1.  With opt->relax_bounds, bounds that leave no term are relaxed
 * step by step, with a warning: first max_df to every document, then min_df
 * to one document as well.
 */
static pc_status prune_terms(const pc_strmap *all, const int32_t *df, const int64_t *count,
                             const pc_corpus *corpus, const pc_vocab_options *opt,
                             const pc_monitor *mon, term_rank **kept, int32_t *n_kept,
                             int32_t *final_id, pc_error *err)
{
    int32_t n_docs = corpus->n_docs;
    double min_docs = df_limit(opt->min_df, n_docs), max_docs = df_limit(opt->max_df, n_docs);
    if (max_docs < min_docs)
        return pc_fail(err, PC_ERR_INVALID,
                       "%s: with %d documents, max-df keeps terms of at most %g documents but "
                       "min-df asks for at least %g",
                       corpus->source, (int)n_docs, max_docs, min_docs);
    int32_t n = pc_strmap_count(all);
    if (n == 0)
        return pc_fail(err, PC_ERR_EMPTY,
                       "%s: no terms at all: every text is empty or only stop words and "
                       "one-character tokens",
                       corpus->source);
    term_rank *rank = pc_malloc_array((size_t)n, sizeof *rank);
    if (!rank)
        return pc_fail_nomem(err, "pruning the vocabulary");
    int32_t m = select_terms(all, df, count, min_docs, max_docs, opt->max_features, rank);
    if (m == 0 && opt->relax_bounds) {
        const char *kept_now = "terms found in more than the max-df share of documents "
                               "(max-df 1.0)";
        m = select_terms(all, df, count, min_docs, n_docs, opt->max_features, rank);
        if (m == 0) {
            kept_now = "every term (min-df 1, max-df 1.0)";
            m = select_terms(all, df, count, 1, n_docs, opt->max_features, rank);
        }
        pc_warn(mon, "%s: the default document-frequency bounds leave none of the %d "
                     "distinct terms; keeping %s",
                corpus->source, (int)n, kept_now);
    }
    if (m == 0) {
        free(rank);
        return pc_fail(err, PC_ERR_EMPTY,
                       "%s: no terms remain after pruning (%d distinct terms before): lower "
                       "--min-df or raise --max-df",
                       corpus->source, (int)n);
    }
    for (int32_t g = 0; g < n; g++)
        final_id[g] = -1;
    qsort(rank, (size_t)m, sizeof *rank, by_bytes);
    for (int32_t f = 0; f < m; f++)
        final_id[rank[f].id] = f;
    *kept = rank;
    *n_kept = m;
    return PC_OK;
}

/* Builds the pc_vocab of the kept terms (copies their strings). */
static pc_status make_vocab(const term_rank *kept, int32_t n_kept, int32_t n_docs,
                            int32_t n_distinct, const int32_t *df, const int64_t *count,
                            pc_vocab **out, pc_error *err)
{
    size_t bytes = 0;
    for (int32_t f = 0; f < n_kept; f++)
        bytes += strlen(kept[f].key) + 1;
    pc_vocab *v = pc_calloc(1, sizeof *v);
    if (!v)
        return pc_fail_nomem(err, "building the vocabulary");
    v->n_terms = n_kept;
    v->n_docs = n_docs;
    v->n_pruned = n_distinct - n_kept;
    v->term = pc_malloc_array((size_t)n_kept, sizeof *v->term);
    v->df = pc_malloc_array((size_t)n_kept, sizeof *v->df);
    v->count = pc_malloc_array((size_t)n_kept, sizeof *v->count);
    v->storage = pc_malloc(bytes);
    if (!v->term || !v->df || !v->count || !v->storage) {
        pc_vocab_free(v);
        return pc_fail_nomem(err, "building the vocabulary");
    }
    char *p = v->storage;
    for (int32_t f = 0; f < n_kept; f++) {
        size_t len = strlen(kept[f].key) + 1;
        memcpy(p, kept[f].key, len);
        v->term[f] = p;
        p += len;
        v->df[f] = df[kept[f].id];
        v->count[f] = count[kept[f].id];
    }
    *out = v;
    return PC_OK;
}

/* Sifts entry `root` down the max-heap col[0..len) (values move along). */
static void sift_down(int32_t *col, float *val, int64_t root, int64_t len)
{
    for (int64_t child; (child = 2 * root + 1) < len; root = child) {
        if (child + 1 < len && col[child + 1] > col[child])
            child++;
        if (col[root] >= col[child])
            return;
        int32_t c = col[root];
        col[root] = col[child];
        col[child] = c;
        float v = val[root];
        val[root] = val[child];
        val[child] = v;
    }
}

/* Sorts one row by column, in place, without allocating (heapsort). */
static void sort_row(int32_t *col, float *val, int64_t len)
{
    for (int64_t i = len / 2 - 1; i >= 0; i--)
        sift_down(col, val, i, len);
    for (int64_t end = len - 1; end > 0; end--) {
        int32_t c = col[0];
        col[0] = col[end];
        col[end] = c;
        float v = val[0];
        val[0] = val[end];
        val[end] = v;
        sift_down(col, val, 0, end);
    }
}

/* Phase 3 for one slice: writes its rows of the count matrix (to_global
 * gives final ids, -1 for pruned terms; NULL: the pairs hold final ids). */
static void fill_rows(const slice *s, const int32_t *doc_terms, pc_csr *m)
{
    size_t pair = 0;
    for (int32_t d = s->doc_begin; d < s->doc_end; d++) {
        int64_t out = m->row_ptr[d];
        for (int32_t j = 0; j < doc_terms[d]; j++, pair++) {
            int32_t f = s->to_global ? s->to_global[s->pair_term[pair]] : s->pair_term[pair];
            if (f >= 0) {
                m->col[out] = f;
                m->val[out] = (float)s->pair_count[pair];
                out++;
            }
        }
        sort_row(m->col + m->row_ptr[d], m->val + m->row_ptr[d], out - m->row_ptr[d]);
    }
}

/* Phase 3: the n_docs × n_cols count matrix of the slices' pairs. */
static pc_status make_counts(int32_t n_docs, int32_t n_cols, slice *slices, int n_slices,
                             const int32_t *doc_terms, pc_csr **counts, pc_error *err)
{
    int32_t *kept_len = pc_malloc_array((size_t)n_docs, sizeof *kept_len);
    if (!kept_len)
        return pc_fail_nomem(err, "building the count matrix");
    int64_t nnz = 0;
    for (int t = 0; t < n_slices; t++) {
        const slice *s = &slices[t];
        size_t pair = 0;
        for (int32_t d = s->doc_begin; d < s->doc_end; d++) {
            kept_len[d] = 0;
            for (int32_t j = 0; j < doc_terms[d]; j++, pair++)
                kept_len[d] += !s->to_global || s->to_global[s->pair_term[pair]] >= 0;
            nnz += kept_len[d];
        }
    }
    pc_csr *m = NULL;
    pc_status status = pc_csr_new(n_docs, n_cols, nnz, &m, err);
    if (status == PC_OK)
        for (int32_t d = 0; d < n_docs; d++)
            m->row_ptr[d + 1] = m->row_ptr[d] + kept_len[d];
    free(kept_len);
    if (status != PC_OK)
        return status;
#pragma omp parallel for num_threads(n_slices) schedule(static, 1)
    for (int t = 0; t < n_slices; t++)
        fill_rows(&slices[t], doc_terms, m);
    *counts = m;
    return PC_OK;
}

/* Phases 2 and 3: from the slices to the vocabulary and the count matrix. */
static pc_status build_outputs(const pc_corpus *corpus, const pc_vocab_options *opt,
                               const pc_monitor *mon, slice *slices, int n_slices,
                               int32_t *doc_terms, pc_vocab **vocab, pc_csr **counts,
                               pc_error *err)
{
    pc_strmap *all = NULL;
    int32_t *df = NULL, *final_id = NULL;
    int64_t *count = NULL;
    term_rank *kept = NULL;
    int32_t n_kept = 0;
    pc_status status = merge_tables(slices, n_slices, &all, err);
    if (status != PC_OK)
        return status;
    int32_t n = pc_strmap_count(all);
    df = pc_calloc((size_t)n, sizeof *df);
    count = pc_calloc((size_t)n, sizeof *count);
    final_id = pc_malloc_array((size_t)n, sizeof *final_id);
    if (!df || !count || !final_id) {
        status = pc_fail_nomem(err, "counting document frequencies");
        goto done;
    }
    for (int t = 0; t < n_slices; t++) {
        for (size_t p = 0; p < slices[t].n_pairs; p++) {
            int32_t g = slices[t].to_global[slices[t].pair_term[p]];
            df[g]++;
            count[g] += slices[t].pair_count[p];
        }
    }
    status = prune_terms(all, df, count, corpus, opt, mon, &kept, &n_kept, final_id, err);
    if (status != PC_OK)
        goto done;
    status = make_vocab(kept, n_kept, corpus->n_docs, n, df, count, vocab, err);
    if (status != PC_OK)
        goto done;

    /* Local ids straight to final ones, then the rows. */
    for (int t = 0; t < n_slices; t++)
        for (int32_t l = 0; l < pc_strmap_count(slices[t].terms); l++)
            slices[t].to_global[l] = final_id[slices[t].to_global[l]];
    status = make_counts(corpus->n_docs, n_kept, slices, n_slices, doc_terms, counts, err);
done:
    if (status != PC_OK && *vocab) {
        pc_vocab_free(*vocab);
        *vocab = NULL;
    }
    pc_strmap_free(all);
    free(df);
    free(count);
    free(final_id);
    free(kept);
    return status;
}

/*
 * Phase 1 over the whole corpus: *slices (n_slices of them, freed by the
 * caller with slice_free and free) and *doc_terms (each document's distinct
 * terms) on PC_OK.  known: see count_document.
 */
static pc_status count_all(const pc_corpus *corpus, const pc_tokenize_options *topt,
                           const pc_strmap *known, int threads, const pc_monitor *mon,
                           slice **slices_out, int *n_slices_out, int32_t **doc_terms_out,
                           pc_error *err)
{
    int n_slices = pc_thread_count(threads);
    if (n_slices > corpus->n_docs)
        n_slices = corpus->n_docs;
    slice *slices = pc_calloc((size_t)n_slices, sizeof *slices);
    int32_t *doc_terms = pc_calloc((size_t)corpus->n_docs, sizeof *doc_terms);
    if (!slices || !doc_terms) {
        free(slices);
        free(doc_terms);
        return pc_fail_nomem(err, "counting terms");
    }
    for (int t = 0; t < n_slices; t++) {
        slices[t].doc_begin = (int32_t)((int64_t)corpus->n_docs * t / n_slices);
        slices[t].doc_end = (int32_t)((int64_t)corpus->n_docs * (t + 1) / n_slices);
    }
    pc_progress progress;
    pc_progress_start(&progress, mon, "tokenize", corpus->n_docs);
    volatile int stop = 0;
#pragma omp parallel for num_threads(n_slices) schedule(static, 1)
    for (int t = 0; t < n_slices; t++)
        count_slice(corpus, topt, known, doc_terms, &slices[t], t == 0 ? &progress : NULL,
                    n_slices, mon, &stop);
    pc_status status = PC_OK;
    for (int t = 0; t < n_slices && status == PC_OK; t++) {
        if (slices[t].status != PC_OK) {
            status = slices[t].status;
            if (err)
                *err = slices[t].err;
        }
    }
    if (status == PC_OK)
        pc_progress_finish(&progress);
    *slices_out = slices;
    *n_slices_out = n_slices;
    *doc_terms_out = doc_terms;
    return status;
}

static void slices_free(slice *slices, int n_slices, int32_t *doc_terms)
{
    for (int t = 0; slices && t < n_slices; t++)
        slice_free(&slices[t]);
    free(slices);
    free(doc_terms);
}

pc_status pc_vocab_build(const pc_corpus *corpus, const pc_vocab_options *opt,
                         const pc_monitor *mon, pc_vocab **vocab, pc_csr **counts,
                         pc_error *err)
{
    *vocab = NULL;
    *counts = NULL;
    if (corpus->n_docs <= 0)
        return pc_fail(err, PC_ERR_EMPTY, "no documents to count");
    slice *slices = NULL;
    int n_slices = 0;
    int32_t *doc_terms = NULL;
    pc_status status = count_all(corpus, &opt->tokenize, NULL, opt->threads, mon, &slices,
                                 &n_slices, &doc_terms, err);
    if (status == PC_OK)
        status = build_outputs(corpus, opt, mon, slices, n_slices, doc_terms, vocab, counts,
                               err);
    slices_free(slices, n_slices, doc_terms);
    return status;
}

pc_status pc_vocab_count(const pc_corpus *corpus, const pc_vocab *vocab,
                         const pc_tokenize_options *tokenize, int threads,
                         const pc_monitor *mon, pc_csr **counts, int64_t *unknown,
                         pc_error *err)
{
    *counts = NULL;
    if (corpus->n_docs <= 0)
        return pc_fail(err, PC_ERR_EMPTY, "no documents to count");
    pc_strmap *known = pc_strmap_new();
    pc_status status = known ? PC_OK : pc_fail_nomem(err, "counting terms");
    for (int32_t t = 0; status == PC_OK && t < vocab->n_terms; t++) {
        int32_t id = pc_strmap_intern(known, vocab->term[t], strlen(vocab->term[t]), NULL);
        if (id != t)
            status = id < 0 ? pc_fail_nomem(err, "counting terms")
                            : pc_fail(err, PC_ERR_INVALID, "the vocabulary repeats a term");
    }
    slice *slices = NULL;
    int n_slices = 0;
    int32_t *doc_terms = NULL;
    if (status == PC_OK)
        status = count_all(corpus, tokenize, known, threads, mon, &slices, &n_slices,
                           &doc_terms, err);
    if (status == PC_OK)
        status = make_counts(corpus->n_docs, vocab->n_terms, slices, n_slices, doc_terms,
                             counts, err);
    if (status == PC_OK && unknown) {
        *unknown = 0;
        for (int t = 0; t < n_slices; t++)
            *unknown += slices[t].unknown;
    }
    slices_free(slices, n_slices, doc_terms);
    pc_strmap_free(known);
    return status;
}

int32_t pc_vocab_lookup(const pc_vocab *vocab, const char *term)
{
    int32_t lo = 0, hi = vocab->n_terms - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(vocab->term[mid], term);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void pc_vocab_free(pc_vocab *vocab)
{
    if (!vocab)
        return;
    free(vocab->term);
    free(vocab->df);
    free(vocab->count);
    free(vocab->storage);
    free(vocab);
}
