/*
 * vocab.c — count terms as the texts arrive, prune, build raw counts.
 *
 * Texts arrive one by one (pc_term_lists_add: from the reader as it reads,
 * pc_vocab_read, or from a corpus that kept its texts) and wait in a batch
 * (BATCH_DOCS documents or BATCH_BYTES bytes of text).  A full batch is cut
 * into one contiguous slice per thread; each thread tokenizes its slice with
 * its own tokenizer and numbers terms in its own table, kept from batch to
 * batch, recording per document (local term, count) pairs, repeats counted in
 * O(1) with a "last document seen" stamp per term.  Then, serially and in
 * document order, each thread's new local terms get global ids (the growing
 * vocabulary, or a fixed one's ids), each pair is appended to the global
 * lists as (global term, count) and the global document frequencies and
 * corpus counts grow.  The batch's texts are then dropped.  Nothing here
 * depends on the thread count or the batch size but the global ids, which
 * pc_term_lists_finish replaces by the byte order of the kept terms.
 *
 * Finishing: terms are pruned by min_df / max_df and then max_features
 * exactly as scikit-learn's CountVectorizer does; the survivors, sorted by
 * byte order, get their final ids; the pairs become the CSR.  When the rows
 * are wanted in the order they were added, the pair arrays become the CSR's
 * column and value arrays in place (8 bytes per non-zero in all); otherwise
 * (the corpus was sorted) the rows are gathered into a new matrix, one copy
 * (16 bytes per non-zero at the peak), and the pairs are freed.  Each row
 * is then sorted by column.  All of this is the progress stage "vocabulary"
 * (16 s on 1M papers, nearly all of it the rows and their sorting), counted
 * in pairs, with a cancel check every 1024 rows.
 *
 * Memory: 8 bytes per (document, distinct term) pair, 4 per document, the
 * terms' strings (once globally, once per thread) and one batch of text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "paperclust/vocab.h"
#include "share_internal.h"
#include "progress_internal.h"
#include "strmap_internal.h"

#define BATCH_DOCS 4096
#define BATCH_BYTES ((size_t)32 << 20)
/* The vocabulary stage's progress counts a distinct term as this many pairs.
 * Measured on the 1M-paper realistic corpus (bench/realcorpus.c, 2 threads):
 * pruning its 115,017 terms took 0.07 s, putting its 121.6M pairs into rows
 * 7.3 s and sorting the rows 8.6 s, so a term costs about ten pairs and the
 * pairs (counted twice) are nearly all of the stage. */
#define PRUNE_UNITS 10.0

void pc_vocab_options_default(pc_vocab_options *opt)
{
    memset(opt, 0, sizeof *opt);
    pc_tokenize_options_default(&opt->tokenize);
    opt->min_df = (pc_df_bound){2.0, 0};
    opt->max_df = (pc_df_bound){0.5, 1};
    opt->max_features = 0;
    opt->relax_bounds = 0;
    opt->threads = 0;
    opt->batch_docs = 0;
}

/* What one thread keeps from batch to batch. */
typedef struct worker {
    pc_tokenizer *tokenizer;
    pc_strmap *terms;       /* local term → local id */
    int32_t *last_doc;      /* per local term: last document it was seen in */
    int32_t *pair_of;       /* per local term: index of its pair in that document */
    int32_t *to_global;     /* per local term: global id (-1: not in a fixed vocabulary) */
    size_t terms_cap;
    int32_t n_mapped;       /* local terms given a global id so far */
    int32_t *pair_term;     /* this batch's (local term, count) pairs, document after document */
    int32_t *pair_count;
    size_t n_pairs, pairs_cap;
    int32_t doc_begin, doc_end; /* its slice of the batch */
    pc_status status;
    pc_error err;
} worker;

struct pc_term_lists {
    const pc_tokenize_options *topt;
    int n_workers;
    worker *workers;
    int32_t batch_docs;
    pc_strmap *known;          /* a fixed vocabulary's terms → its ids, or NULL */
    int32_t known_terms;
    pc_strmap *all;            /* without it: every term seen, by global id */
    int32_t *df;               /* per global id */
    int64_t *count;
    size_t all_cap;

    int32_t n_docs;
    int32_t *doc_terms;        /* per document added: its pairs */
    size_t docs_cap;
    int32_t *term;             /* the pairs, document after document: global id, count */
    int32_t *tf;
    int64_t n_pairs;
    size_t pairs_cap;
    int64_t unknown;           /* tokens outside the fixed vocabulary */

    char *text;                /* the batch: its texts, each NUL-terminated */
    size_t text_len, text_cap, peak_text;
    size_t *offset;            /* per batch document: start in text */
    int32_t n_batch;
};

static void worker_free(worker *w)
{
    pc_tokenizer_free(w->tokenizer);
    pc_strmap_free(w->terms);
    free(w->last_doc);
    free(w->pair_of);
    free(w->to_global);
    free(w->pair_term);
    free(w->pair_count);
}

void pc_term_lists_free(pc_term_lists *lists)
{
    if (!lists)
        return;
    for (int t = 0; lists->workers && t < lists->n_workers; t++)
        worker_free(&lists->workers[t]);
    free(lists->workers);
    pc_strmap_free(lists->all);
    pc_strmap_free(lists->known);
    free(lists->df);
    free(lists->count);
    free(lists->doc_terms);
    free(lists->term);
    free(lists->tf);
    free(lists->text);
    free(lists->offset);
    free(lists);
}

/* The fixed vocabulary's map; its terms must be distinct. */
static pc_status know(pc_term_lists *l, const pc_vocab *vocab, pc_error *err)
{
    if (!(l->known = pc_strmap_new()))
        return pc_fail_nomem(err, "counting terms");
    l->known_terms = vocab->n_terms;
    for (int32_t t = 0; t < vocab->n_terms; t++) {
        int32_t id = pc_strmap_intern(l->known, vocab->term[t], strlen(vocab->term[t]), NULL);
        if (id != t)
            return id < 0 ? pc_fail_nomem(err, "counting terms")
                          : pc_fail(err, PC_ERR_INVALID, "the vocabulary repeats a term");
    }
    return PC_OK;
}

pc_status pc_term_lists_new(const pc_tokenize_options *topt, const pc_vocab *known,
                            int threads, int32_t batch_docs, pc_term_lists **out, pc_error *err)
{
    *out = NULL;
    pc_term_lists *l = pc_calloc(1, sizeof *l);
    if (!l)
        return pc_fail_nomem(err, "counting terms");
    l->topt = topt;
    l->n_workers = pc_thread_count(threads);
    l->batch_docs = batch_docs > 0 ? batch_docs : BATCH_DOCS;
    l->workers = pc_calloc((size_t)l->n_workers, sizeof *l->workers);
    l->offset = pc_malloc_array((size_t)l->batch_docs + 1, sizeof *l->offset);
    l->all = pc_strmap_new();
    pc_status status = l->workers && l->offset && l->all ? PC_OK
                                                        : pc_fail_nomem(err, "counting terms");
    if (status == PC_OK && known)
        status = know(l, known, err);
    for (int t = 0; status == PC_OK && t < l->n_workers; t++) {
        worker *w = &l->workers[t];
        status = pc_tokenizer_new(topt, &w->tokenizer, err);
        if (status == PC_OK && !(w->terms = pc_strmap_new()))
            status = pc_fail_nomem(err, "counting terms");
    }
    if (status != PC_OK) {
        pc_term_lists_free(l);
        return status;
    }
    *out = l;
    return PC_OK;
}

static int grow_terms(worker *w, size_t need)
{
    if (need <= w->terms_cap)
        return 0;
    size_t cap = w->terms_cap ? w->terms_cap * 2 : 4096;
    while (cap < need)
        cap *= 2;
    int32_t *last = pc_realloc_array(w->last_doc, cap, sizeof *last);
    if (!last)
        return -1;
    for (size_t i = w->terms_cap; i < cap; i++)
        last[i] = -1;
    w->last_doc = last;
    int32_t *pair = pc_realloc_array(w->pair_of, cap, sizeof *pair);
    if (!pair)
        return -1;
    w->pair_of = pair;
    int32_t *global = pc_realloc_array(w->to_global, cap, sizeof *global);
    if (!global)
        return -1;
    w->to_global = global;
    w->terms_cap = cap;
    return 0;
}

/* Room for `need` pairs in two parallel int32 arrays (*cap counts pairs). */
static int grow_pairs(int32_t **a, int32_t **b, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : first;
    while (c < need)
        c *= 2;
    int32_t *x = pc_realloc_array(*a, c, sizeof *x);
    if (!x)
        return -1;
    *a = x;
    int32_t *y = pc_realloc_array(*b, c, sizeof *y);
    if (!y)
        return -1;
    *b = y;
    *cap = c;
    return 0;
}

/* Adds one document's tokens to the worker's pairs; *distinct receives its
 * distinct terms.  doc is the document's number over all batches. */
static pc_status count_document(worker *w, int32_t doc, const pc_tokens *tokens,
                                int32_t *distinct)
{
    size_t first_pair = w->n_pairs;
    if (grow_pairs(&w->pair_term, &w->pair_count, &w->pairs_cap, w->n_pairs + tokens->count,
                   65536) != 0)
        return PC_ERR_NOMEM;
    for (size_t t = 0; t < tokens->count; t++) {
        int inserted = 0;
        int32_t id = pc_strmap_intern(w->terms, tokens->term[t], tokens->length[t], &inserted);
        if (id < 0 || grow_terms(w, (size_t)id + 1) != 0)
            return PC_ERR_NOMEM;
        if (inserted || w->last_doc[id] != doc) {
            w->last_doc[id] = doc;
            w->pair_of[id] = (int32_t)(w->n_pairs - first_pair);
            w->pair_term[w->n_pairs] = id;
            w->pair_count[w->n_pairs] = 1;
            w->n_pairs++;
        } else {
            w->pair_count[first_pair + (size_t)w->pair_of[id]]++;
        }
    }
    *distinct = (int32_t)(w->n_pairs - first_pair);
    return PC_OK;
}

/* One thread's slice of the batch: tokenize and count. */
static void count_slice(pc_term_lists *l, worker *w, int32_t first_doc,
                        const pc_monitor *mon, volatile int *stop)
{
    w->n_pairs = 0;
    for (int32_t d = w->doc_begin; d < w->doc_end && w->status == PC_OK && !*stop; d++) {
        pc_tokens tokens;
        const char *text = l->text + l->offset[d];
        size_t len = l->offset[d + 1] - l->offset[d] - 1;
        w->status = pc_tokenize(w->tokenizer, text, len, &tokens, &w->err);
        if (w->status == PC_OK &&
            count_document(w, first_doc + d, &tokens, &l->doc_terms[first_doc + d]) != PC_OK)
            w->status = pc_fail_nomem(&w->err, "counting terms");
        if ((d & 255) == 255 && pc_cancelled(mon))
            w->status = pc_fail(&w->err, PC_ERR_INTERRUPTED, "interrupted while tokenizing");
    }
    if (w->status != PC_OK)
        *stop = 1;
}

/* Global ids for the worker's local terms numbered since the last batch. */
static pc_status map_new_terms(pc_term_lists *l, worker *w, pc_error *err)
{
    int32_t n = pc_strmap_count(w->terms);
    for (int32_t id = w->n_mapped; id < n; id++) {
        size_t len;
        const char *key = pc_strmap_key(w->terms, id, &len);
        int32_t g;
        if (l->known) {
            g = pc_strmap_find(l->known, key, len);
        } else {
            g = pc_strmap_intern(l->all, key, len, NULL);
            if (g >= 0 && (size_t)g >= l->all_cap) {
                size_t cap = l->all_cap ? 2 * l->all_cap : 65536;
                int32_t *df = pc_realloc_array(l->df, cap, sizeof *df);
                if (df)
                    l->df = df;
                int64_t *count = df ? pc_realloc_array(l->count, cap, sizeof *count) : NULL;
                if (!count)
                    return pc_fail_nomem(err, "counting terms");
                l->count = count;
                memset(l->df + l->all_cap, 0, (cap - l->all_cap) * sizeof *l->df);
                memset(l->count + l->all_cap, 0, (cap - l->all_cap) * sizeof *l->count);
                l->all_cap = cap;
            }
            if (g < 0)
                return pc_fail_nomem(err, "counting terms");
        }
        w->to_global[id] = g;
    }
    w->n_mapped = n;
    return PC_OK;
}

/* Appends the worker's pairs to the global lists, in document order. */
static pc_status append_pairs(pc_term_lists *l, worker *w, int32_t first_doc, pc_error *err)
{
    if (grow_pairs(&l->term, &l->tf, &l->pairs_cap, (size_t)l->n_pairs + w->n_pairs,
                   (size_t)1 << 20) != 0)
        return pc_fail_nomem(err, "counting terms");
    size_t p = 0;
    for (int32_t d = w->doc_begin; d < w->doc_end; d++) {
        int32_t kept = 0, distinct = l->doc_terms[first_doc + d];
        for (int32_t j = 0; j < distinct; j++, p++) {
            int32_t g = w->to_global[w->pair_term[p]], tf = w->pair_count[p];
            if (g < 0) {
                l->unknown += tf;
                continue;
            }
            if (!l->known) {
                l->df[g]++;
                l->count[g] += tf;
            }
            l->term[l->n_pairs] = g;
            l->tf[l->n_pairs] = tf;
            l->n_pairs++;
            kept++;
        }
        l->doc_terms[first_doc + d] = kept;
    }
    return PC_OK;
}

/* Tokenizes and counts the waiting batch, then drops its texts. */
static pc_status flush_batch(pc_term_lists *l, const pc_monitor *mon, pc_error *err)
{
    int32_t n = l->n_batch, first_doc = l->n_docs - n;
    if (n == 0)
        return PC_OK;
    int n_workers = l->n_workers < n ? l->n_workers : n;
    for (int t = 0; t < n_workers; t++) {
        worker *w = &l->workers[t];
        w->doc_begin = (int32_t)((int64_t)n * t / n_workers);
        w->doc_end = (int32_t)((int64_t)n * (t + 1) / n_workers);
        w->status = PC_OK;
    }
    volatile int stop = 0;
#pragma omp parallel for num_threads(n_workers) schedule(static, 1)
    for (int t = 0; t < n_workers; t++)
        count_slice(l, &l->workers[t], first_doc, mon, &stop);
    pc_status status = PC_OK;
    for (int t = 0; t < n_workers && status == PC_OK; t++) {
        worker *w = &l->workers[t];
        if ((status = w->status) != PC_OK && err)
            *err = w->err;
        if (status == PC_OK)
            status = map_new_terms(l, w, err);
        if (status == PC_OK)
            status = append_pairs(l, w, first_doc, err);
    }
    if (l->text_len > l->peak_text)
        l->peak_text = l->text_len;
    l->n_batch = 0;
    l->text_len = 0;
    return status;
}

pc_status pc_term_lists_add(pc_term_lists *lists, const char *text, size_t len,
                            const pc_monitor *mon, pc_error *err)
{
    pc_term_lists *l = lists;
    if (l->n_docs == INT32_MAX)
        return pc_fail(err, PC_ERR_INVALID, "more than %ld documents", (long)INT32_MAX);
    if ((size_t)l->n_docs == l->docs_cap) {
        size_t cap = l->docs_cap ? 2 * l->docs_cap : 4096;
        int32_t *doc_terms = pc_realloc_array(l->doc_terms, cap, sizeof *doc_terms);
        if (!doc_terms)
            return pc_fail_nomem(err, "counting terms");
        l->doc_terms = doc_terms;
        l->docs_cap = cap;
    }
    if (pc_reserve_bytes(&l->text, &l->text_cap, l->text_len, len + 1) != 0)
        return pc_fail_nomem(err, "counting terms");
    l->offset[l->n_batch] = l->text_len;
    memcpy(l->text + l->text_len, text, len);
    l->text[l->text_len + len] = '\0';
    l->text_len += len + 1;
    l->offset[++l->n_batch] = l->text_len;
    l->doc_terms[l->n_docs++] = 0;
    if (l->n_batch == l->batch_docs || l->text_len >= BATCH_BYTES)
        return flush_batch(l, mon, err);
    return PC_OK;
}

int64_t pc_term_lists_pairs(const pc_term_lists *lists)
{
    return lists->n_pairs;
}

size_t pc_term_lists_peak_text(const pc_term_lists *lists)
{
    return lists->peak_text > lists->text_len ? lists->peak_text : lists->text_len;
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
                             int32_t n_docs, const char *source, const pc_vocab_options *opt,
                             const pc_monitor *mon, term_rank **kept, int32_t *n_kept,
                             int32_t *final_id, pc_error *err)
{
    double min_docs = df_limit(opt->min_df, n_docs), max_docs = df_limit(opt->max_df, n_docs);
    if (max_docs < min_docs)
        return pc_fail(err, PC_ERR_INVALID,
                       "%s: with %d documents, max-df keeps terms of at most %g documents but "
                       "min-df asks for at least %g",
                       source, (int)n_docs, max_docs, min_docs);
    int32_t n = pc_strmap_count(all);
    if (n == 0)
        return pc_fail(err, PC_ERR_EMPTY,
                       "%s: no terms at all: every text is empty or only stop words and "
                       "one-character tokens",
                       source);
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
                source, (int)n, kept_now);
    }
    if (m == 0) {
        free(rank);
        return pc_fail(err, PC_ERR_EMPTY,
                       "%s: no terms remain after pruning (%d distinct terms before): lower "
                       "--min-df or raise --max-df",
                       source, (int)n);
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

pc_status pc_vocab_prune(const pc_strmap *all, const int32_t *df, const int64_t *count,
                         int32_t n_docs, const char *source, const pc_vocab_options *opt,
                         const pc_monitor *mon, int32_t *final_id, pc_vocab **vocab,
                         pc_error *err)
{
    term_rank *kept = NULL;
    int32_t n_kept = 0, n = pc_strmap_count(all);
    int32_t *ids = final_id ? final_id : pc_malloc_array((size_t)n + 1, sizeof *ids);
    pc_status status = ids ? prune_terms(all, df, count, n_docs, source, opt, mon, &kept,
                                         &n_kept, ids, err)
                           : pc_fail_nomem(err, "pruning the vocabulary");
    if (status == PC_OK)
        status = make_vocab(kept, n_kept, n_docs, n, df, count, vocab, err);
    if (ids != final_id)
        free(ids);
    free(kept);
    return status;
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

/* The kept pairs of each added document (final ids; -1 dropped). */
static int64_t kept_pairs(const pc_term_lists *l, const int32_t *final_id, int32_t *kept)
{
    int64_t p = 0, nnz = 0;
    for (int32_t d = 0; d < l->n_docs; d++) {
        kept[d] = 0;
        for (int32_t j = 0; j < l->doc_terms[d]; j++, p++)
            kept[d] += !final_id || final_id[l->term[p]] >= 0;
        nnz += kept[d];
    }
    return nnz;
}

/* Rows a step of the parallel loops takes (one progress report, one cancel check). */
#define ROWS_A_STEP 1024

/* Sorts each row of m by column; progress: `per_nnz` units a non-zero.  1 when cancelled
 * (thread 0 checks after each of its steps; everyone stops at the next). */
static int sort_rows(pc_csr *m, int threads, pc_progress *progress, double *done,
                     double per_nnz)
{
    const int32_t steps = (m->n_rows + ROWS_A_STEP - 1) / ROWS_A_STEP;
    volatile int stop = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int32_t s = 0; s < steps; s++) {
        if (stop)
            continue;
        const int32_t i0 = s * ROWS_A_STEP;
        const int32_t i1 = i0 + ROWS_A_STEP < m->n_rows ? i0 + ROWS_A_STEP : m->n_rows;
        for (int32_t i = i0; i < i1; i++)
            if (m->row_ptr[i + 1] > m->row_ptr[i]) /* an empty matrix may have no arrays */
                sort_row(m->col + m->row_ptr[i], m->val + m->row_ptr[i],
                         m->row_ptr[i + 1] - m->row_ptr[i]);
        pc_progress_parallel(progress, done, per_nnz * (double)(m->row_ptr[i1] - m->row_ptr[i0]),
                             pc_thread_id(), &stop);
    }
    return stop || pc_cancelled(progress->mon); /* thread 0 may have had no step to see it */
}

/* Rows in the order the documents were added: the pair arrays become the
 * matrix's columns and values, in place.  Progress: one unit a pair, from *done. */
static pc_status rows_in_place(pc_term_lists *l, const int32_t *final_id, int32_t n_cols,
                               pc_progress *progress, double *done, pc_csr **out,
                               pc_error *err)
{
    pc_csr *m = pc_calloc(1, sizeof *m);
    int64_t *row_ptr = pc_calloc((size_t)l->n_docs + 1, sizeof *row_ptr);
    if (!m || !row_ptr) {
        free(m);
        free(row_ptr);
        return pc_fail_nomem(err, "building the count matrix");
    }
    int64_t in = 0, nnz = 0;
    for (int32_t d = 0; d < l->n_docs; d++) {
        if (d % ROWS_A_STEP == 0) {
            if (pc_cancelled(progress->mon)) {
                free(m);
                free(row_ptr);
                return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while building the "
                                                        "count matrix");
            }
            pc_progress_update(progress, *done + (double)in);
        }
        for (int32_t j = 0; j < l->doc_terms[d]; j++, in++) {
            int32_t f = final_id ? final_id[l->term[in]] : l->term[in];
            float v = (float)l->tf[in];
            if (f < 0)
                continue;
            l->term[nnz] = f;
            memcpy(&l->tf[nnz], &v, sizeof v); /* the count's slot now holds its float */
            nnz++;
        }
        row_ptr[d + 1] = nnz;
    }
    *done += (double)in;
    m->n_rows = l->n_docs;
    m->n_cols = n_cols;
    m->nnz = nnz;
    m->row_ptr = row_ptr;
    m->col = l->term;
    m->val = (float *)(void *)l->tf;
    l->term = NULL;
    l->tf = NULL;
    l->pairs_cap = 0;
    if (nnz > 0) { /* give back what pruning freed */
        int32_t *col = pc_realloc_array(m->col, (size_t)nnz, sizeof *col);
        if (col)
            m->col = col;
        float *val = pc_realloc_array(m->val, (size_t)nnz, sizeof *val);
        if (val)
            m->val = val;
    }
    *out = m;
    return PC_OK;
}

/* Rows in another order (row i = the order[i]-th document added): one copy.
 * Progress: one unit a pair, added to *done. */
static pc_status rows_gathered(pc_term_lists *l, const int32_t *final_id, int32_t n_cols,
                               const int32_t *order, pc_progress *progress, double *done,
                               pc_csr **out, pc_error *err)
{
    int32_t n = l->n_docs;
    int32_t *kept = pc_malloc_array((size_t)n + 1, sizeof *kept);
    int64_t *start = pc_malloc_array((size_t)n + 1, sizeof *start);
    pc_csr *m = NULL;
    pc_status status = kept && start ? PC_OK : pc_fail_nomem(err, "building the count matrix");
    if (status == PC_OK)
        status = pc_csr_new(n, n_cols, kept_pairs(l, final_id, kept), &m, err);
    if (status == PC_OK) {
        start[0] = 0;
        for (int32_t d = 0; d < n; d++)
            start[d + 1] = start[d] + l->doc_terms[d];
        for (int32_t i = 0; i < n; i++)
            m->row_ptr[i + 1] = m->row_ptr[i] + kept[order[i]];
        const int32_t steps = (n + ROWS_A_STEP - 1) / ROWS_A_STEP;
        volatile int stop = 0;
#pragma omp parallel for num_threads(l->n_workers) schedule(dynamic, 1)
        for (int32_t s = 0; s < steps; s++) {
            int64_t pairs = 0;
            for (int32_t i = s * ROWS_A_STEP; i < n && i < (s + 1) * ROWS_A_STEP && !stop; i++) {
                int64_t o = m->row_ptr[i];
                for (int64_t p = start[order[i]]; p < start[order[i] + 1]; p++) {
                    int32_t f = final_id ? final_id[l->term[p]] : l->term[p];
                    if (f >= 0) {
                        m->col[o] = f;
                        m->val[o++] = (float)l->tf[p];
                    }
                }
                pairs += start[order[i] + 1] - start[order[i]];
            }
            pc_progress_parallel(progress, done, (double)pairs, pc_thread_id(), &stop);
        }
        if (stop || pc_cancelled(progress->mon)) { /* thread 0 may have had no step */
            pc_csr_free(m);
            m = NULL;
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while building the count "
                                                      "matrix");
        }
    }
    if (status == PC_OK) {
        free(l->term);
        free(l->tf);
        l->term = l->tf = NULL;
        l->pairs_cap = 0;
        *out = m;
    }
    free(kept);
    free(start);
    return status;
}

/* 1 when order is NULL or the identity. */
static int in_order(const int32_t *order, int32_t n)
{
    for (int32_t i = 0; order && i < n; i++)
        if (order[i] != i)
            return 0;
    return 1;
}

pc_status pc_term_lists_finish(pc_term_lists *lists, const pc_corpus *corpus,
                               const int32_t *order, const pc_vocab_options *opt,
                               const pc_monitor *mon, pc_vocab **vocab, pc_csr **counts,
                               int64_t *unknown, pc_error *err)
{
    pc_term_lists *l = lists;
    int32_t *final_id = NULL;
    int32_t n_cols = l->known ? l->known_terms : 0;
    *counts = NULL;
    if (vocab)
        *vocab = NULL;
    pc_status status = flush_batch(l, mon, err);
    if (status != PC_OK)
        return status;
    if (corpus->n_docs != l->n_docs)
        return pc_fail(err, PC_ERR_INVALID, "%s: %d documents but %d texts counted",
                       corpus->source, (int)corpus->n_docs, (int)l->n_docs);
    if (l->n_docs <= 0)
        return pc_fail(err, PC_ERR_EMPTY, "no documents to count");
    /* progress "vocabulary": the distinct terms (pruning and sorting them),
     * then the pairs twice (into rows, then each row sorted) */
    const double pairs = (double)l->n_pairs;
    const double term_units = l->known ? 0.0 : PRUNE_UNITS * (double)pc_strmap_count(l->all);
    double done = 0.0;
    pc_progress progress;
    pc_progress_start(&progress, mon, "vocabulary", term_units + 2.0 * pairs);
    if (!l->known) {
        int32_t n = pc_strmap_count(l->all);
        final_id = pc_malloc_array((size_t)n + 1, sizeof *final_id);
        if (!final_id)
            return pc_fail_nomem(err, "pruning the vocabulary");
        status = pc_vocab_prune(l->all, l->df, l->count, corpus->n_docs, corpus->source, opt,
                                mon, final_id, vocab, err);
        if (status == PC_OK)
            n_cols = (*vocab)->n_terms;
        pc_progress_update(&progress, done = term_units);
    }
    if (status == PC_OK)
        status = in_order(order, l->n_docs)
                     ? rows_in_place(l, final_id, n_cols, &progress, &done, counts, err)
                     : rows_gathered(l, final_id, n_cols, order, &progress, &done, counts, err);
    if (status == PC_OK &&
        sort_rows(*counts, l->n_workers, &progress, &done,
                  (*counts)->nnz > 0 ? pairs / (double)(*counts)->nnz : 0.0) != 0) {
        pc_csr_free(*counts);
        *counts = NULL;
        status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while sorting the count matrix");
    }
    if (status == PC_OK)
        pc_progress_finish(&progress);
    if (status != PC_OK && vocab && *vocab) {
        pc_vocab_free(*vocab);
        *vocab = NULL;
    }
    if (unknown)
        *unknown = l->unknown;
    free(final_id);
    return status;
}

/* ---- a process's share (share_internal.h) ---- */

pc_status pc_term_lists_flush(pc_term_lists *lists, const pc_monitor *mon, pc_error *err)
{
    return flush_batch(lists, mon, err);
}

const pc_strmap *pc_term_lists_terms(const pc_term_lists *lists, const int32_t **df,
                                     const int64_t **count)
{
    *df = lists->df;
    *count = lists->count;
    return lists->all;
}

pc_status pc_term_lists_rows(pc_term_lists *lists, const pc_vocab *vocab,
                             const int32_t *order, pc_csr **counts, pc_error *err)
{
    pc_term_lists *l = lists;
    *counts = NULL;
    pc_status status = flush_batch(l, NULL, err);
    if (status != PC_OK)
        return status;
    int32_t n = pc_strmap_count(l->all);
    int32_t *final_id = pc_malloc_array((size_t)n + 1, sizeof *final_id);
    if (!final_id)
        return pc_fail_nomem(err, "building the count matrix");
    for (int32_t g = 0; g < n; g++)
        final_id[g] = pc_vocab_lookup(vocab, pc_strmap_key(l->all, g, NULL));
    pc_progress progress; /* none shown: no monitor, nothing cancels */
    pc_progress_start(&progress, NULL, "vocabulary", 0.0);
    double done = 0.0;
    status = rows_gathered(l, final_id, vocab->n_terms, order, &progress, &done, counts, err);
    if (status == PC_OK)
        sort_rows(*counts, l->n_workers, &progress, &done, 0.0);
    free(final_id);
    return status;
}

/* The texts of an in-memory corpus, in its order, with progress "tokenize". */
static pc_status add_corpus(pc_term_lists *l, const pc_corpus *corpus, const pc_monitor *mon,
                            pc_error *err)
{
    pc_progress progress;
    pc_progress_start(&progress, mon, "tokenize", corpus->n_docs);
    pc_status status = PC_OK;
    for (int32_t i = 0; i < corpus->n_docs && status == PC_OK; i++) {
        status = pc_term_lists_add(l, corpus->text[i], strlen(corpus->text[i]), mon, err);
        pc_progress_update(&progress, i);
    }
    if (status == PC_OK)
        pc_progress_finish(&progress);
    return status;
}

pc_status pc_vocab_build(const pc_corpus *corpus, const pc_vocab_options *opt,
                         const pc_monitor *mon, pc_vocab **vocab, pc_csr **counts,
                         pc_error *err)
{
    *vocab = NULL;
    *counts = NULL;
    if (corpus->n_docs <= 0)
        return pc_fail(err, PC_ERR_EMPTY, "no documents to count");
    pc_term_lists *l = NULL;
    pc_status status = pc_term_lists_new(&opt->tokenize, NULL, opt->threads, opt->batch_docs,
                                         &l, err);
    if (status == PC_OK)
        status = add_corpus(l, corpus, mon, err);
    if (status == PC_OK)
        status = pc_term_lists_finish(l, corpus, NULL, opt, mon, vocab, counts, NULL, err);
    pc_term_lists_free(l);
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
    pc_term_lists *l = NULL;
    pc_status status = pc_term_lists_new(tokenize, vocab, threads, 0, &l, err);
    if (status == PC_OK)
        status = add_corpus(l, corpus, mon, err);
    if (status == PC_OK)
        status = pc_term_lists_finish(l, corpus, NULL, NULL, mon, NULL, counts, unknown, err);
    pc_term_lists_free(l);
    return status;
}

/* pc_vocab_read's text function: each text goes straight to the lists. */
typedef struct reading {
    pc_term_lists *lists;
    const pc_monitor *mon;
} reading;

static pc_status count_text(void *ctx, int32_t doc, const char *id, const char *text,
                            size_t len, pc_error *err)
{
    (void)doc;
    (void)id;
    reading *r = ctx;
    return pc_term_lists_add(r->lists, text, len, r->mon, err);
}

pc_status pc_vocab_read(const char *path, const pc_read_options *ropt,
                        const pc_tokenize_options *topt, const pc_vocab *known, int threads,
                        int32_t batch_docs, const pc_monitor *mon, pc_corpus **corpus,
                        pc_term_lists **lists, pc_error *err)
{
    *corpus = NULL;
    *lists = NULL;
    pc_term_lists *l = NULL;
    pc_status status = pc_term_lists_new(topt, known, threads, batch_docs, &l, err);
    reading r = {l, mon};
    if (status == PC_OK)
        status = pc_corpus_read_each(path, NULL, NULL, ropt, mon, count_text, &r, corpus, err);
    if (status == PC_OK)
        status = flush_batch(l, mon, err);
    if (status == PC_OK) /* every stage works in canonical order: reports ignore row order */
        status = pc_corpus_sort(*corpus, err);
    if (status != PC_OK) {
        pc_term_lists_free(l);
        pc_corpus_free(*corpus);
        *corpus = NULL;
        return status;
    }
    *lists = l;
    return PC_OK;
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
