/*
 * share.c — reading and counting split among processes (paperclust-mpi).
 *
 * Each process reads the input and keeps every P-th document (its share,
 * by document number: pc_corpus_read_share), tokenizing only those, so the
 * tokenizing — the costly part of reading — is split P ways; rank 0 alone
 * also checks the other shares' documents, so that its warnings are those of
 * the whole input.  Then:
 *   - the vocabulary: every process sends its distinct terms with their
 *     document frequencies and corpus counts; each merges them (integers:
 *     the sums do not depend on the order) and prunes over all documents, so
 *     every process holds the same vocabulary as one process would;
 *   - the canonical order: every process sends its documents (what
 *     pc_corpus_sort compares them by, the display title, line and input
 *     number) with their count rows in the final term ids; each builds the
 *     whole corpus in input order and sorts it (pc_corpus_gathered), then
 *     takes the rows in that order.
 * For now every process ends holding the whole corpus and count matrix, as
 * one process does, and the later stages run as before: only reading and
 * tokenizing are split.  (A process holding only its contiguous range of the
 * canonical order is the next step: the documents would then go to their
 * range's owner instead of to everyone.)
 *
 * Messages: variable-sized gathers (pc_comm_allgatherv) over the
 * communicator's fixed-size allgather, in pieces, the shorter processes
 * padding theirs.  Costs per process: the whole input parsed; its share
 * tokenized; received: every process's distinct terms (P × the vocabulary at
 * most) and every document's record and row (≈ 40 bytes + its strings + 8
 * per non-zero).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "share_internal.h"

#define PIECE ((size_t)16 << 20) /* bytes per process per allgather */

pc_status pc_comm_allgatherv(const pc_comm *comm, const void *mine, size_t bytes, char **all,
                             size_t *at, pc_error *err)
{
    const size_t p = (size_t)comm->size;
    *all = NULL;
    uint64_t own = bytes, *sizes = pc_malloc_array(p, sizeof *sizes);
    pc_status status = comm->check(comm, sizes ? PC_OK : pc_fail_nomem(err, "gathering"), err);
    if (status == PC_OK)
        status = comm->allgather(comm, &own, sizeof own, sizes, err);
    if (status != PC_OK) {
        free(sizes);
        return status;
    }
    size_t most = 0;
    at[0] = 0;
    for (size_t r = 0; r < p; r++) {
        at[r + 1] = at[r] + (size_t)sizes[r];
        most = sizes[r] > most ? (size_t)sizes[r] : most;
    }
    free(sizes);
    size_t piece = most < PIECE ? most : PIECE;
    char *out = pc_malloc(at[p]), *send = pc_malloc(piece), *got = pc_malloc_array(p, piece);
    status = comm->check(comm, out && send && got ? PC_OK : pc_fail_nomem(err, "gathering"),
                         err);
    for (size_t from = 0; status == PC_OK && from < most; from += piece) {
        size_t len = from < bytes ? (bytes - from < piece ? bytes - from : piece) : 0;
        memset(send, 0, piece);
        if (len)
            memcpy(send, (const char *)mine + from, len);
        status = comm->allgather(comm, send, piece, got, err);
        for (size_t r = 0; status == PC_OK && r < p; r++) {
            size_t have = at[r + 1] - at[r];
            size_t n = from < have ? (have - from < piece ? have - from : piece) : 0;
            if (n)
                memcpy(out + at[r] + from, got + r * piece, n);
        }
    }
    free(send);
    free(got);
    if (status != PC_OK) {
        free(out);
        return status;
    }
    *all = out;
    return PC_OK;
}

static pc_status add_text(void *ctx, int32_t doc, const char *id, const char *text,
                          size_t len, pc_error *err)
{
    (void)doc;
    (void)id;
    return pc_term_lists_add(ctx, text, len, NULL, err);
}

pc_status pc_share_read(const char *path, const pc_read_options *ropt,
                        const pc_tokenize_options *topt, int threads, int32_t batch_docs,
                        const pc_comm *comm, const pc_monitor *mon, pc_corpus **share,
                        pc_term_lists **lists, int32_t *n_docs, pc_error *err)
{
    *share = NULL;
    *lists = NULL;
    *n_docs = 0;
    pc_status status = pc_term_lists_new(topt, NULL, threads, batch_docs, lists, err);
    if (status == PC_OK)
        status = pc_corpus_read_share(path, ropt, mon, add_text, *lists, comm->rank,
                                      comm->size, comm->rank == 0, share, n_docs, err);
    if (status == PC_OK)
        status = pc_term_lists_flush(*lists, mon, err);
    if (status == PC_OK && (*share)->n_docs > 0)
        status = pc_corpus_sort(*share, err);
    return comm->check(comm, status, err);
}

/* Appends to *buf (growing it) `len` bytes; 0, or -1 when out of memory. */
static int put(char **buf, size_t *len, size_t *cap, const void *bytes, size_t n)
{
    if (pc_reserve_bytes(buf, cap, *len, n) != 0)
        return -1;
    memcpy(*buf + *len, bytes, n);
    *len += n;
    return 0;
}

/* This process's terms: each its string and NUL, document frequency and count. */
static pc_status pack_terms(const pc_term_lists *lists, char **buf, size_t *len,
                            pc_error *err)
{
    const int32_t *df;
    const int64_t *count;
    const pc_strmap *terms = pc_term_lists_terms(lists, &df, &count);
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    for (int32_t g = 0; g < pc_strmap_count(terms); g++) {
        size_t n;
        const char *key = pc_strmap_key(terms, g, &n);
        if (put(buf, len, &cap, key, n + 1) || put(buf, len, &cap, &df[g], sizeof *df) ||
            put(buf, len, &cap, &count[g], sizeof *count))
            return pc_fail_nomem(err, "gathering the vocabulary");
    }
    return PC_OK;
}

/* Every process's terms, merged: strings, summed frequencies and counts. */
typedef struct merged {
    pc_strmap *terms;
    int32_t *df;
    int64_t *count;
    size_t cap;
} merged;

static int merge_term(merged *m, const char *key, size_t len, int32_t df, int64_t count)
{
    int inserted = 0;
    int32_t g = pc_strmap_intern(m->terms, key, len, &inserted);
    if (g < 0)
        return -1;
    if ((size_t)g >= m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 4096;
        int32_t *d = pc_realloc_array(m->df, cap, sizeof *d);
        if (d)
            m->df = d;
        int64_t *c = pc_realloc_array(m->count, cap, sizeof *c);
        if (c)
            m->count = c;
        if (!d || !c)
            return -1;
        m->cap = cap;
    }
    m->df[g] = inserted ? df : m->df[g] + df;
    m->count[g] = inserted ? count : m->count[g] + count;
    return 0;
}

/* The vocabulary of every process's terms, pruned over n_docs documents. */
static pc_status merge_vocab(const pc_term_lists *lists, int32_t n_docs, const char *source,
                             const pc_vocab_options *vopt, const pc_comm *comm,
                             const pc_monitor *mon, pc_vocab **vocab, pc_error *err)
{
    char *mine = NULL, *all = NULL;
    size_t len = 0, *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    merged m = {pc_strmap_new(), NULL, NULL, 0};
    pc_status status = at && m.terms ? pack_terms(lists, &mine, &len, err)
                                     : pc_fail_nomem(err, "gathering the vocabulary");
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, len, &all, at, err);
    free(mine);
    for (size_t p = 0; status == PC_OK && p < at[comm->size];) {
        size_t n = strlen(all + p);
        int32_t df;
        int64_t count;
        memcpy(&df, all + p + n + 1, sizeof df);
        memcpy(&count, all + p + n + 1 + sizeof df, sizeof count);
        if (merge_term(&m, all + p, n, df, count) != 0)
            status = pc_fail_nomem(err, "merging the vocabulary");
        p += n + 1 + sizeof df + sizeof count;
    }
    free(all);
    free(at);
    if (status == PC_OK)
        status = pc_vocab_prune(m.terms, m.df, m.count, n_docs, source, vopt, mon, NULL, vocab,
                                err);
    pc_strmap_free(m.terms);
    free(m.df);
    free(m.count);
    return status;
}

/* One document as sent: input number, record length and record, then its row. */
static pc_status pack_documents(const pc_corpus *share, const pc_csr *rows, char **buf,
                                size_t *len, pc_error *err)
{
    size_t cap = 0, most = 0;
    *buf = NULL;
    *len = 0;
    for (int32_t i = 0; i < share->n_docs; i++) {
        size_t n = pc_corpus_pack(share, i, NULL);
        most = n > most ? n : most;
    }
    char *record = pc_malloc(most);
    for (int32_t i = 0; record && i < share->n_docs; i++) {
        uint32_t n = (uint32_t)pc_corpus_pack(share, i, record);
        int32_t nnz = (int32_t)(rows->row_ptr[i + 1] - rows->row_ptr[i]);
        const int64_t first = rows->row_ptr[i];
        if (put(buf, len, &cap, &share->input_index[i], sizeof(int32_t)) ||
            put(buf, len, &cap, &n, sizeof n) || put(buf, len, &cap, record, n) ||
            put(buf, len, &cap, &nnz, sizeof nnz) ||
            (nnz && (put(buf, len, &cap, rows->col + first, (size_t)nnz * sizeof(int32_t)) ||
                     put(buf, len, &cap, rows->val + first, (size_t)nnz * sizeof(float))))) {
            free(record);
            return pc_fail_nomem(err, "gathering the documents");
        }
    }
    free(record);
    return record || share->n_docs == 0 ? PC_OK : pc_fail_nomem(err, "gathering the documents");
}

/* Where each gathered document's record and row begin (by input number). */
static pc_status locate_documents(const char *all, size_t bytes, int32_t n_docs,
                                  const char **record, const char **row, int64_t *nnz,
                                  const char *source, pc_error *err)
{
    int32_t seen = 0;
    *nnz = 0;
    for (size_t p = 0; p < bytes; seen++) {
        int32_t input, n_row;
        uint32_t n;
        memcpy(&input, all + p, sizeof input);
        memcpy(&n, all + p + sizeof input, sizeof n);
        if (input < 0 || input >= n_docs || seen == n_docs)
            break;
        record[seen] = all + p + sizeof input + sizeof n;
        row[input] = record[seen] + n;
        memcpy(&n_row, row[input], sizeof n_row);
        *nnz += n_row;
        p += sizeof input + sizeof n + n + sizeof n_row + (size_t)n_row * 8;
    }
    return seen == n_docs ? PC_OK
                          : pc_fail(err, PC_ERR_INVALID, "%s: the processes read %d documents, "
                                                         "not %d", source, (int)seen,
                                    (int)n_docs);
}

/* The count matrix of the gathered rows, in the corpus' (canonical) order. */
static pc_status gathered_rows(const pc_corpus *corpus, const char *const *row, int64_t nnz,
                               int32_t n_cols, pc_csr **out, pc_error *err)
{
    pc_status status = pc_csr_new(corpus->n_docs, n_cols, nnz, out, err);
    if (status != PC_OK)
        return status;
    pc_csr *m = *out;
    for (int32_t i = 0; i < corpus->n_docs; i++) {
        const char *r = row[corpus->input_index ? corpus->input_index[i] : i];
        int32_t n;
        memcpy(&n, r, sizeof n);
        int64_t o = m->row_ptr[i];
        memcpy(m->col + o, r + sizeof n, (size_t)n * sizeof(int32_t));
        memcpy(m->val + o, r + sizeof n + (size_t)n * sizeof(int32_t), (size_t)n * sizeof(float));
        m->row_ptr[i + 1] = o + n;
    }
    return PC_OK;
}

pc_status pc_share_finish(pc_term_lists *lists, const pc_corpus *share, int32_t n_docs,
                          const pc_vocab_options *vopt, const pc_comm *comm,
                          const pc_monitor *mon, pc_corpus **corpus, pc_vocab **vocab,
                          pc_csr **counts, pc_error *err)
{
    *corpus = NULL;
    *vocab = NULL;
    *counts = NULL;
    pc_csr *rows = NULL;
    char *mine = NULL, *all = NULL;
    size_t len = 0, *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    int32_t *order = pc_malloc_array((size_t)share->n_docs + 1, sizeof *order);
    const char **record = pc_malloc_array((size_t)n_docs + 1, sizeof *record);
    const char **row = pc_calloc((size_t)n_docs + 1, sizeof *row);
    int64_t nnz = 0;
    pc_status status = merge_vocab(lists, n_docs, share->source, vopt, comm, mon, vocab, err);
    if (status == PC_OK && !(at && order && record && row))
        status = pc_fail_nomem(err, "gathering the documents");
    for (int32_t i = 0; status == PC_OK && i < share->n_docs; i++)
        order[i] = share->input_index[i] / comm->size; /* the i-th kept, as added */
    if (status == PC_OK)
        status = pc_term_lists_rows(lists, *vocab, order, &rows, err);
    if (status == PC_OK)
        status = pack_documents(share, rows, &mine, &len, err);
    pc_csr_free(rows);
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, len, &all, at, err);
    free(mine);
    if (status == PC_OK)
        status = locate_documents(all, at[comm->size], n_docs, record, row, &nnz,
                                  share->source, err);
    if (status == PC_OK)
        status = pc_corpus_gathered(share, n_docs, record, corpus, err);
    if (status == PC_OK)
        status = gathered_rows(*corpus, row, nnz, (*vocab)->n_terms, counts, err);
    free(all);
    free(at);
    free(order);
    free(record);
    free(row);
    if (status != PC_OK) {
        pc_corpus_free(*corpus);
        pc_vocab_free(*vocab);
        *corpus = NULL;
        *vocab = NULL;
    }
    return status;
}
