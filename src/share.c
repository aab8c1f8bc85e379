/*
 * share.c — reading and counting split among processes (paperclust-mpi).
 *
 * Each process reads and tokenizes its share of the documents
 * (pc_corpus_read_share), by one of two rules:
 *   - files: a CSV input given as F >= P files (shards, papers-*.csv.gz):
 *     process r parses only files r, r + P, r + 2P, ... (round robin by
 *     their place on the command line), each as if alone, and keeps all
 *     their documents.  Then every process sends its counts of each file
 *     (lines, records, documents, the problems found; one allgather of F
 *     records), so that each numbers its documents, lines and record-number
 *     ids as in the concatenation of the files; rank 0 gives the whole
 *     input's warnings once every document has been gathered (the duplicate
 *     ids are found there).  A file's header is checked against the input's
 *     (of which a process reads only the first line).  A record cannot span
 *     two files here, as it could in the concatenation, and errors name the
 *     shard and its own line.
 *   - documents: otherwise (one file, fewer files than processes, JSON Lines
 *     or plain text), each process parses the whole input and keeps every
 *     P-th document (by document number); rank 0 alone also checks the other
 *     shares' documents, so that its warnings are those of the whole input.
 * Either way the tokenizing, the costly part of reading, is split P ways;
 * the texts that the reports show (titles, descriptions) are read again at
 * the end from all the files by the process that needs them (rank 0,
 * pc_corpus_texts), whatever the rule.  Then:
 *   - the vocabulary: every process sends its distinct terms with their
 *     document frequencies and corpus counts; each merges them (integers:
 *     the sums do not depend on the order) and prunes over all documents, so
 *     every process holds the same vocabulary as one process would;
 *   - the canonical order: right after reading (before the vocabulary, so
 *     that the warnings of the file rule come before any later one), every
 *     process sends its documents (what pc_corpus_sort compares them by, the
 *     display title, line and input number); each builds the whole corpus in
 *     input order and sorts it (pc_corpus_gathered); once the vocabulary is
 *     known, each count row, in the final term ids, goes to the process
 *     whose range of that order holds it.
 * For now every process ends holding the whole corpus and count matrix, as
 * one process does, and the later stages run as before: only reading and
 * tokenizing are split.  (A process holding only its contiguous range of the
 * canonical order is the next step: the documents would then go to their
 * range's owner instead of to everyone.)
 *
 * Messages: variable-sized gathers (pc_comm_allgatherv) over the
 * communicator's fixed-size allgather, in pieces, the shorter processes
 * padding theirs.  Costs per process: its files parsed (by documents: the
 * whole input); its share tokenized; received: 112 bytes per file (the file
 * rule), every process's distinct terms (P × the vocabulary at most) and
 * every document's record and row (≈ 40 bytes + its strings + 8 per
 * non-zero).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "share_internal.h"

#define PIECE ((size_t)4 << 20) /* bytes per process per allgather: size × that in flight */

/* Every process's byte count: at (size + 1 offsets) and *most, the largest. */
static pc_status gather_sizes(const pc_comm *comm, size_t bytes, size_t *at, size_t *most,
                              pc_error *err)
{
    const size_t p = (size_t)comm->size;
    uint64_t own = bytes, *sizes = pc_malloc_array(p, sizeof *sizes);
    pc_status status = comm->check(comm, sizes ? PC_OK : pc_fail_nomem(err, "gathering"), err);
    if (status == PC_OK)
        status = comm->allgather(comm, &own, sizeof own, sizes, err);
    *most = 0;
    at[0] = 0;
    for (size_t r = 0; status == PC_OK && r < p; r++) {
        at[r + 1] = at[r] + (size_t)sizes[r];
        *most = sizes[r] > *most ? (size_t)sizes[r] : *most;
    }
    free(sizes);
    return status;
}

/* The bytes themselves, into out (at[size] bytes), in pieces of at most PIECE. */
static pc_status gather_pieces(const pc_comm *comm, const void *mine, size_t bytes,
                               const size_t *at, size_t most, char *out, pc_error *err)
{
    const size_t p = (size_t)comm->size, piece = most < PIECE ? most : PIECE;
    char *send = pc_malloc(piece), *got = pc_malloc_array(p, piece);
    pc_status status = comm->check(comm, out && send && got ? PC_OK
                                                            : pc_fail_nomem(err, "gathering"),
                                   err);
    for (size_t from = 0; status == PC_OK && from < most; from += piece) {
        const size_t step = most - from < piece ? most - from : piece; /* the last is shorter */
        size_t len = from < bytes ? (bytes - from < step ? bytes - from : step) : 0;
        memset(send, 0, step);
        if (len)
            memcpy(send, (const char *)mine + from, len);
        status = comm->allgather(comm, send, step, got, err);
        for (size_t r = 0; status == PC_OK && r < p; r++) {
            size_t have = at[r + 1] - at[r];
            size_t n = from < have ? (have - from < step ? have - from : step) : 0;
            if (n)
                memcpy(out + at[r] + from, got + r * step, n);
        }
    }
    free(send);
    free(got);
    return status;
}

pc_status pc_comm_allgatherv(const pc_comm *comm, const void *mine, size_t bytes, char **all,
                             size_t *at, pc_error *err)
{
    size_t most = 0;
    *all = NULL;
    pc_status status = gather_sizes(comm, bytes, at, &most, err);
    if (status != PC_OK)
        return status;
    char *out = pc_malloc(at[comm->size]);
    status = gather_pieces(comm, mine, bytes, at, most, out, err);
    if (status != PC_OK) {
        free(out);
        return status;
    }
    *all = out;
    return PC_OK;
}

static pc_status gather_documents(const pc_corpus *share, int32_t n_docs, const pc_comm *comm,
                                  pc_corpus **corpus, pc_error *err);

static pc_status add_text(void *ctx, int32_t doc, const char *id, const char *text,
                          size_t len, pc_error *err)
{
    (void)doc;
    (void)id;
    return pc_term_lists_add(ctx, text, len, NULL, err);
}

/*
 * The file rule: every process's counts of every file (n of them, zeros for
 * the files it did not read) added up, so that each numbers its documents in
 * the whole input (pc_corpus_share_numbers).  One allgather of n × 112 bytes.
 */
static pc_status number_files(pc_corpus *share, const pc_file_counts *mine, int n,
                              const pc_comm *comm, int32_t *n_docs, pc_error *err)
{
    const size_t p = (size_t)comm->size, bytes = (size_t)n * sizeof *mine;
    pc_file_counts *each = pc_malloc_array(p * (size_t)n, sizeof *each);
    pc_file_counts *all = pc_calloc((size_t)n, sizeof *all);
    pc_status status = comm->check(comm, each && all ? PC_OK
                                                     : pc_fail_nomem(err, "counting the files"),
                                   err);
    if (status == PC_OK)
        status = comm->allgather(comm, mine, bytes, each, err);
    for (size_t r = 0; status == PC_OK && r < p; r++) { /* integers: any order */
        const int64_t *from = (const int64_t *)(each + r * (size_t)n);
        int64_t *to = (int64_t *)all;
        for (size_t i = 0; i < bytes / sizeof *to; i++)
            to[i] += from[i];
    }
    if (status == PC_OK)
        status = pc_corpus_share_numbers(share, all, n_docs, err);
    free(each);
    free(all);
    return comm->check(comm, status, err);
}

pc_status pc_share_read(const char *path, const pc_read_options *ropt,
                        const pc_tokenize_options *topt, int threads, int32_t batch_docs,
                        const pc_comm *comm, const pc_monitor *mon, pc_corpus **share,
                        pc_term_lists **lists, pc_corpus **corpus, int32_t *n_docs,
                        pc_error *err)
{
    *share = NULL;
    *lists = NULL;
    *corpus = NULL;
    *n_docs = 0;
    const pc_file_counts *files = NULL;
    int n_files = 0;
    int64_t parsed = 0;
    pc_status status = pc_term_lists_new(topt, NULL, threads, batch_docs, lists, err);
    if (status == PC_OK)
        status = pc_corpus_read_share(path, ropt, mon, add_text, *lists, comm->rank,
                                      comm->size, comm->rank == 0, share, n_docs, err);
    if (status == PC_OK)
        status = pc_term_lists_flush(*lists, mon, err);
    if (status == PC_OK)
        files = pc_corpus_file_counts(*share, &n_files, &parsed);
    status = comm->check(comm, status, err);
    if (status == PC_OK && files)
        status = number_files(*share, files, n_files, comm, n_docs, err);
    pc_comm_input(comm, parsed);
    pc_comm_stage(comm, "read");
    if (status == PC_OK)
        status = gather_documents(*share, *n_docs, comm, corpus, err);
    status = comm->check(comm, status, err);
    pc_comm_stage(comm, "order");
    if (status == PC_OK && files && comm->rank == 0)
        pc_corpus_share_warn(*share, *corpus, mon);
    return status;
}

int pc_bytes_put(char **buf, size_t *len, size_t *cap, const void *bytes, size_t n)
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
        if (pc_bytes_put(buf, len, &cap, key, n + 1) ||
            pc_bytes_put(buf, len, &cap, &df[g], sizeof *df) ||
            pc_bytes_put(buf, len, &cap, &count[g], sizeof *count))
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

void pc_share_range(int32_t n_docs, const pc_comm *comm, int32_t *first, int32_t *end)
{
    const int64_t n = n_docs, p = pc_comm_size(comm), r = pc_comm_rank(comm);
    const int64_t each = (n + p - 1) / p;
    *first = (int32_t)(r * each < n ? r * each : n);
    *end = (int32_t)((r + 1) * each < n ? (r + 1) * each : n);
}

/* Every document of this share as sent: record length and record. */
static pc_status pack_documents(const pc_corpus *share, char **buf, size_t *len, pc_error *err)
{
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    for (int32_t i = 0; i < share->n_docs; i++) {
        uint32_t n = (uint32_t)pc_corpus_pack(share, i, NULL);
        if (pc_bytes_put(buf, len, &cap, &n, sizeof n) ||
            pc_reserve_bytes(buf, &cap, *len, n) != 0)
            return pc_fail_nomem(err, "gathering the documents");
        pc_corpus_pack(share, i, *buf + *len);
        *len += n;
    }
    return PC_OK;
}

/* Every process's documents, gathered into the whole corpus in canonical order. */
static pc_status gather_documents(const pc_corpus *share, int32_t n_docs, const pc_comm *comm,
                                  pc_corpus **corpus, pc_error *err)
{
    char *mine = NULL, *all = NULL;
    size_t len = 0, *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    const char **record = pc_malloc_array((size_t)n_docs + 1, sizeof *record);
    pc_status status = at && record ? pack_documents(share, &mine, &len, err)
                                    : pc_fail_nomem(err, "gathering the documents");
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, len, &all, at, err);
    free(mine);
    int32_t seen = 0;
    for (size_t p = 0; status == PC_OK && p < at[comm->size] && seen < n_docs; seen++) {
        uint32_t n;
        memcpy(&n, all + p, sizeof n);
        record[seen] = all + p + sizeof n;
        p += sizeof n + n;
    }
    if (status == PC_OK && seen != n_docs)
        status = pc_fail(err, PC_ERR_INVALID, "%s: the processes read %d documents, not %d",
                         share->source, (int)seen, (int)n_docs);
    if (status == PC_OK)
        status = pc_corpus_gathered(share, n_docs, record, corpus, err);
    free(all);
    free(at);
    free(record);
    return status;
}

int pc_rows_put(char **buf, size_t *len, size_t *cap, int32_t pos, const pc_csr *rows,
                int32_t i)
{
    const int64_t first = rows->row_ptr[i];
    const int32_t nnz = (int32_t)(rows->row_ptr[i + 1] - first);
    return pc_bytes_put(buf, len, cap, &pos, sizeof pos) ||
           pc_bytes_put(buf, len, cap, &nnz, sizeof nnz) ||
           (nnz && (pc_bytes_put(buf, len, cap, rows->col + first,
                                 (size_t)nnz * sizeof(int32_t)) ||
                    pc_bytes_put(buf, len, cap, rows->val + first,
                                 (size_t)nnz * sizeof(float))));
}

/* The rows for each process, by where their documents fall in the canonical order. */
static pc_status pack_rows(const pc_corpus *share, const pc_csr *rows, const int32_t *pos,
                           int32_t n_docs, const pc_comm *comm, char **buf, size_t *len,
                           pc_error *err)
{
    int32_t each = (int32_t)(((int64_t)n_docs + comm->size - 1) / comm->size);
    for (int q = 0; q < comm->size; q++) {
        size_t cap = 0;
        for (int32_t i = 0; i < share->n_docs; i++) {
            int32_t at = pos[share->input_index[i]];
            if (at / each == q && pc_rows_put(&buf[q], &len[q], &cap, at, rows, i) != 0)
                return pc_fail_nomem(err, "sending the rows");
        }
    }
    return PC_OK;
}

pc_status pc_rows_take(char *const *buf, const size_t *len, int size, int32_t first,
                       int32_t end, int32_t n_cols, int sparse, pc_csr **out, pc_error *err)
{
    const char **row = pc_calloc((size_t)(end - first) + 1, sizeof *row);
    if (!row)
        return pc_fail_nomem(err, "receiving the rows");
    int64_t nnz = 0;
    int32_t got = 0;
    for (int q = 0; q < size; q++)
        for (size_t p = 0; p < len[q]; got++) {
            int32_t at, n;
            memcpy(&at, buf[q] + p, sizeof at);
            memcpy(&n, buf[q] + p + sizeof at, sizeof n);
            if (at >= first && at < end && !row[at - first])
                row[at - first] = buf[q] + p + sizeof at;
            nnz += n;
            p += sizeof at + sizeof n + (size_t)n * 8;
        }
    pc_status status = sparse || got == end - first
                           ? pc_csr_new(end - first, n_cols, nnz, out, err)
                           : pc_fail(err, PC_ERR_INVALID, "%d rows received for %d documents",
                                     (int)got, (int)(end - first));
    for (int32_t i = 0; status == PC_OK && i < end - first; i++) {
        int32_t n = 0;
        if (row[i])
            memcpy(&n, row[i], sizeof n);
        int64_t o = (*out)->row_ptr[i];
        if (n > 0) {
            memcpy((*out)->col + o, row[i] + sizeof n, (size_t)n * sizeof(int32_t));
            memcpy((*out)->val + o, row[i] + sizeof n + (size_t)n * sizeof(int32_t),
                   (size_t)n * sizeof(float));
        }
        (*out)->row_ptr[i + 1] = o + n;
    }
    free(row);
    return status;
}

pc_status pc_rows_allgather(const pc_comm *comm, pc_status status, char *buf, size_t len,
                            int32_t first, int32_t end, int32_t n_cols, int sparse,
                            pc_csr **rows, pc_error *err)
{
    *rows = NULL;
    char *all = NULL;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    if (status == PC_OK && !at)
        status = pc_fail_nomem(err, "gathering rows");
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, buf, len, &all, at, err);
    free(buf);
    if (status == PC_OK)
        status = pc_rows_take(&all, &at[comm->size], 1, first, end, n_cols, sparse, rows, err);
    free(all);
    free(at);
    return status;
}

pc_status pc_comm_alltoallv(const pc_comm *comm, char **out, const size_t *out_len, char **in,
                            size_t *in_len, pc_error *err)
{
    const int size = comm->size;
    pc_status status = PC_OK;
    for (int s = 0; s < size; s++) {
        int to = (comm->rank + s) % size, from = (comm->rank - s + size) % size;
        uint64_t send = out_len[to], recv = 0;
        status = comm->check(comm, status, err);
        if (status == PC_OK)
            status = comm->sendrecv(comm, to, &send, sizeof send, from, &recv, sizeof recv,
                                    err);
        if (status == PC_OK && !(in[from] = pc_malloc((size_t)recv)))
            status = pc_fail_nomem(err, "receiving from the other processes");
        status = comm->check(comm, status, err);
        if (status == PC_OK)
            status = comm->sendrecv(comm, to, out[to], (size_t)send, from, in[from],
                                    (size_t)recv, err);
        if (status == PC_OK)
            in_len[from] = (size_t)recv;
        free(out[to]);
        out[to] = NULL;
    }
    return status;
}

pc_status pc_rows_exchange(const pc_comm *comm, pc_status status, char **out,
                           const size_t *out_len, int32_t first, int32_t end, int32_t n_cols,
                           pc_csr **rows, pc_error *err)
{
    const int size = comm->size;
    char **in = pc_calloc((size_t)size, sizeof *in);
    size_t *in_len = pc_calloc((size_t)size, sizeof *in_len);
    if (status == PC_OK && (!out || !in || !in_len))
        status = pc_fail_nomem(err, "exchanging rows");
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_alltoallv(comm, out, out_len, in, in_len, err);
    if (status == PC_OK)
        status = pc_rows_take(in, in_len, size, first, end, n_cols, 0, rows, err);
    for (int q = 0; q < size; q++) {
        if (out) {
            free(out[q]);
            out[q] = NULL;
        }
        if (in)
            free(in[q]);
    }
    free(in);
    free(in_len);
    return status;
}

/*
 * Sends each of this share's rows to the process whose range of the
 * canonical order holds its document (pc_rows_exchange) and returns this
 * process's range.  Memory: *rows is freed once packed, and each packed part
 * once sent, so that at most the rows as received and the range are held,
 * 16 bytes per non-zero of the range.
 */
static pc_status redistribute(const pc_corpus *share, pc_csr **rows, const pc_corpus *corpus,
                              const pc_comm *comm, pc_csr **range, pc_error *err)
{
    const int size = comm->size, n = corpus->n_docs;
    int32_t *pos = pc_malloc_array((size_t)n + 1, sizeof *pos);
    char **out = pc_calloc((size_t)size, sizeof *out);
    size_t *out_len = pc_calloc((size_t)size, sizeof *out_len);
    pc_status status = pos && out && out_len ? PC_OK : pc_fail_nomem(err, "sending the rows");
    for (int32_t i = 0; status == PC_OK && i < n; i++)
        pos[corpus->input_index ? corpus->input_index[i] : i] = i;
    const int32_t n_cols = (*rows)->n_cols;
    if (status == PC_OK)
        status = pack_rows(share, *rows, pos, n, comm, out, out_len, err);
    pc_csr_free(*rows);
    *rows = NULL;
    int32_t first, end;
    pc_share_range(n, comm, &first, &end);
    status = pc_rows_exchange(comm, status, out, out_len, first, end, n_cols, range, err);
    free(pos);
    free(out);
    free(out_len);
    return status;
}

pc_status pc_share_finish(pc_term_lists *lists, const pc_corpus *share,
                          const pc_corpus *corpus, const pc_vocab_options *vopt,
                          const pc_comm *comm, const pc_monitor *mon, pc_vocab **vocab,
                          pc_csr **range, pc_error *err)
{
    *vocab = NULL;
    *range = NULL;
    pc_csr *rows = NULL;
    int32_t *order = pc_malloc_array((size_t)share->n_docs + 1, sizeof *order);
    pc_status status = merge_vocab(lists, corpus->n_docs, share->source, vopt, comm, mon, vocab,
                                   err);
    if (status == PC_OK && !order)
        status = pc_fail_nomem(err, "counting the share");
    for (int32_t i = 0; status == PC_OK && i < share->n_docs; i++)
        order[i] = i; /* the share is in input order, as its texts were added */
    if (status == PC_OK)
        status = pc_term_lists_rows(lists, *vocab, order, &rows, err);
    free(order);
    status = comm->check(comm, status, err);
    pc_comm_stage(comm, "vocabulary");
    if (status == PC_OK)
        status = redistribute(share, &rows, corpus, comm, range, err);
    pc_csr_free(rows);
    if (status != PC_OK) {
        pc_vocab_free(*vocab);
        *vocab = NULL;
    }
    return status;
}

pc_status pc_share_gather_rows(const pc_csr *range, int32_t n_docs, const pc_comm *comm,
                               pc_csr **out, pc_error *err)
{
    *out = NULL;
    size_t most = 0, *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    int32_t *len = pc_malloc_array((size_t)range->n_rows + 1, sizeof *len);
    char *lengths = NULL;
    pc_status status = comm->check(comm, at && len ? PC_OK
                                                   : pc_fail_nomem(err, "gathering the rows"),
                                   err);
    for (int32_t i = 0; status == PC_OK && i < range->n_rows; i++)
        len[i] = (int32_t)(range->row_ptr[i + 1] - range->row_ptr[i]);
    if (status == PC_OK) /* the rows' lengths, then their columns and values in place */
        status = pc_comm_allgatherv(comm, len, (size_t)range->n_rows * sizeof *len, &lengths,
                                    at, err);
    free(len);
    if (status == PC_OK && at[comm->size] != (size_t)n_docs * sizeof *len)
        status = pc_fail(err, PC_ERR_INVALID, "the processes hold %d rows, not %d",
                         (int)(at[comm->size] / sizeof *len), (int)n_docs);
    const size_t bytes = (size_t)range->nnz * sizeof(float);
    if (status == PC_OK)
        status = gather_sizes(comm, bytes, at, &most, err);
    pc_status made = status == PC_OK ? pc_csr_new(n_docs, range->n_cols,
                                                  (int64_t)(at[comm->size] / sizeof(float)), out,
                                                  err)
                                     : status;
    if (status == PC_OK) /* a failure to allocate reaches the others in gather_pieces */
        status = gather_pieces(comm, range->col, bytes, at, most,
                               made == PC_OK ? (char *)(*out)->col : NULL, err);
    if (status == PC_OK)
        status = gather_pieces(comm, range->val, bytes, at, most, (char *)(*out)->val, err);
    for (int32_t i = 0; status == PC_OK && i < n_docs; i++) {
        int32_t n;
        memcpy(&n, lengths + (size_t)i * sizeof n, sizeof n);
        (*out)->row_ptr[i + 1] = (*out)->row_ptr[i] + n;
    }
    free(lengths);
    free(at);
    if (status != PC_OK) {
        pc_csr_free(*out);
        *out = NULL;
    }
    return status;
}

pc_status pc_share_check_range(const pc_comm *comm, int64_t total, int64_t first, int32_t rows,
                               pc_error *err)
{
    int32_t want_first = 0, want_end = 0;
    if (total <= INT32_MAX)
        pc_share_range((int32_t)total, comm, &want_first, &want_end);
    if (total <= INT32_MAX && want_first == first && want_end - want_first == rows)
        return PC_OK;
    return pc_fail(err, PC_ERR_INVALID, "rank %d holds rows %lld .. %lld, not its range "
                   "%d .. %d", comm->rank, (long long)first, (long long)(first + rows),
                   (int)want_first, (int)want_end);
}

pc_status pc_share_shape(const pc_csr *X, const pc_comm *comm, int32_t *n, int32_t *first,
                         int64_t **df, pc_error *err)
{
    const size_t V = (size_t)X->n_cols, p = (size_t)comm->size;
    int64_t *mine = pc_calloc(V + 1, sizeof *mine);
    int64_t *all = pc_malloc_array(p * (V + 1), sizeof *all);
    *df = pc_calloc(V + 1, sizeof **df);
    pc_status status = mine && all && *df ? PC_OK
                                          : pc_fail_nomem(err, "gathering the ranges' shape");
    status = comm->check(comm, status, err);
    if (status == PC_OK) {
        mine[V] = X->n_rows;
        for (int64_t e = 0; e < X->nnz; e++)
            mine[X->col[e]]++;
        status = comm->allgather(comm, mine, (V + 1) * sizeof *mine, all, err);
    }
    int64_t total = 0, before = 0;
    for (size_t r = 0; status == PC_OK && r < p; r++) {
        const int64_t *part = all + r * (V + 1);
        before += r < (size_t)comm->rank ? part[V] : 0;
        total += part[V];
        for (size_t t = 0; t < V; t++)
            (*df)[t] += part[t];
    }
    if (status == PC_OK)
        status = pc_share_check_range(comm, total, before, X->n_rows, err);
    *n = (int32_t)total;
    *first = (int32_t)before;
    free(mine);
    free(all);
    if (status != PC_OK) {
        free(*df);
        *df = NULL;
    }
    return status;
}

pc_status pc_share_column_slice(const pc_csr *X, int32_t n, int32_t base, const pc_comm *comm,
                               pc_csr **slice, pc_error *err)
{
    const int size = comm->size;
    const int64_t each = ((int64_t)X->n_cols + size - 1) / size;
    char **out = pc_calloc((size_t)size, sizeof *out);
    size_t *out_len = pc_calloc((size_t)size, sizeof *out_len);
    pc_status status = out && out_len ? PC_OK : pc_fail_nomem(err, "slicing columns");
    for (int q = 0; status == PC_OK && q < size; q++) {
        const int32_t lo = (int32_t)(q * each < X->n_cols ? q * each : X->n_cols);
        const int32_t hi = (int32_t)((q + 1) * each < X->n_cols ? (q + 1) * each : X->n_cols);
        size_t cap = 0;
        for (int32_t i = 0; status == PC_OK && i < X->n_rows; i++) {
            int64_t a = X->row_ptr[i], b = X->row_ptr[i + 1];
            while (a < b && X->col[a] < lo) /* the row's columns are sorted */
                a++;
            int64_t e = a;
            while (e < b && X->col[e] < hi)
                e++;
            int64_t part_ptr[2] = {0, e - a};
            const pc_csr part = {1, X->n_cols, e - a, part_ptr, X->col + a, X->val + a};
            if (pc_rows_put(&out[q], &out_len[q], &cap, base + i, &part, 0) != 0)
                status = pc_fail_nomem(err, "slicing columns");
        }
    }
    status = pc_rows_exchange(comm, status, out, out_len, 0, n, X->n_cols, slice, err);
    free(out);
    free(out_len);
    return status;
}

pc_status pc_share_rows_of(const pc_csr *range, int32_t n_docs, const unsigned char *want,
                           const pc_comm *comm, pc_status status, pc_csr **out, pc_error *err)
{
    int32_t first = 0, end = 0;
    pc_share_range(n_docs, comm, &first, &end);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (int32_t i = first; status == PC_OK && i < end; i++)
        if (want[i] && pc_rows_put(&buf, &len, &cap, i, range, i - first) != 0)
            status = pc_fail_nomem(err, "gathering rows");
    return pc_rows_allgather(comm, status, buf, len, 0, n_docs, range->n_cols, 1, out, err);
}

pc_status pc_share_rows_span(const pc_csr *range, int32_t n_docs, int32_t lo, int32_t hi,
                             const pc_comm *comm, pc_status status, pc_csr **out, pc_error *err)
{
    int32_t first = 0, end = 0;
    pc_share_range(n_docs, comm, &first, &end);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (int32_t i = lo > first ? lo : first; status == PC_OK && i < hi && i < end; i++)
        if (pc_rows_put(&buf, &len, &cap, i, range, i - first) != 0)
            status = pc_fail_nomem(err, "gathering rows");
    return pc_rows_allgather(comm, status, buf, len, lo, hi, range->n_cols, 0, out, err);
}

pc_status pc_share_rows_at(const pc_csr *range, int32_t n_docs, const int32_t *ids, int32_t m,
                           const pc_comm *comm, pc_status status, pc_csr **out, pc_error *err)
{
    *out = NULL;
    unsigned char *want = status == PC_OK ? pc_calloc((size_t)n_docs + 1, 1) : NULL;
    if (status == PC_OK && !want)
        status = pc_fail_nomem(err, "gathering rows");
    for (int32_t q = 0; status == PC_OK && q < m; q++)
        want[ids[q]] = 1;
    pc_csr *all = NULL;
    status = pc_share_rows_of(range, n_docs, want, comm, status, &all, err);
    free(want);
    if (status == PC_OK)
        status = pc_csr_rows(all, ids, m, out, err);
    pc_csr_free(all);
    return status;
}
