/*
 * test_stream.c — the ingest that tokenizes as it reads (pc_vocab_read,
 * pc_term_lists) and keeps no text: the same vocabulary and counts as the
 * in-memory path (pc_corpus_read + pc_corpus_sort + pc_vocab_build) for any
 * batch size and thread count, texts not kept (the corpus' bytes, the
 * largest batch), texts read again on demand, progress by file bytes, and
 * the canonical order's tie-break on streamed corpora.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paperclust/corpus.h"
#include "paperclust/vocab.h"
#include "test.h"
#include "test_files.h"

static pc_error err;

/* A deterministic generator (xorshift64*), so the corpora are the same every run. */
static uint64_t rng_state = 88172645463325252ULL;
static uint32_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

/*
 * A CSV of n papers: ids in shuffled order (every seventh repeats an earlier
 * id, with another text), a title of three words and an abstract of `words`
 * words drawn from 400 with a skewed distribution, plus a label.
 */
static char *make_csv(int n, int words, int shuffled)
{
    size_t cap = (size_t)n * ((size_t)words * 8 + 64) + 64, len = 0;
    char *csv = malloc(cap);
    if (!csv)
        return NULL;
    len += (size_t)snprintf(csv, cap, "id,title,abstract,label\n");
    for (int i = 0; i < n; i++) {
        int id = shuffled ? (int)((i * 7919L) % n) : i;
        if (shuffled && i % 7 == 6)
            id = (int)((i - 3) * 7919L % n);
        len += (size_t)snprintf(csv + len, cap - len, "p%05d,Title w%u w%u,", id,
                                next_random() % 40, next_random() % 40);
        for (int w = 0; w < words; w++) {
            uint32_t r = next_random() % 400;
            r = r * r / 400; /* common words are commoner */
            len += (size_t)snprintf(csv + len, cap - len, "%sw%u", w ? " " : "", r);
        }
        len += (size_t)snprintf(csv + len, cap - len, ",L%d\n", i % 3);
    }
    return csv;
}

static pc_vocab_options vocab_options(int threads, int32_t batch)
{
    pc_vocab_options opt;
    pc_vocab_options_default(&opt);
    opt.tokenize.stoplist = NULL;
    opt.min_df = (pc_df_bound){2, 0};
    opt.max_df = (pc_df_bound){0.9, 1};
    opt.threads = threads;
    opt.batch_docs = batch;
    return opt;
}

static pc_read_options read_options(void)
{
    pc_read_options opt;
    pc_read_options_default(&opt);
    opt.label_col = "label";
    return opt;
}

/* The in-memory path: every text kept, then counted. */
static int reference(const char *path, pc_corpus **corpus, pc_vocab **vocab, pc_csr **X)
{
    pc_read_options ropt = read_options();
    pc_vocab_options vopt = vocab_options(1, 0);
    return pc_corpus_read(path, &ropt, NULL, corpus, &err) == PC_OK &&
                   pc_corpus_sort(*corpus, &err) == PC_OK &&
                   pc_vocab_build(*corpus, &vopt, NULL, vocab, X, &err) == PC_OK
               ? 0
               : -1;
}

/* The streaming path with a batch size and thread count. */
static int streamed(const char *path, int threads, int32_t batch, pc_corpus **corpus,
                    pc_vocab **vocab, pc_csr **X)
{
    pc_read_options ropt = read_options();
    pc_vocab_options vopt = vocab_options(threads, batch);
    pc_term_lists *lists = NULL;
    pc_status status = pc_vocab_read(path, &ropt, &vopt.tokenize, NULL, threads, batch, NULL,
                                     corpus, &lists, &err);
    if (status == PC_OK)
        status = pc_term_lists_finish(lists, *corpus, (*corpus)->input_index, &vopt, NULL,
                                      vocab, X, NULL, &err);
    pc_term_lists_free(lists);
    return status == PC_OK ? 0 : -1;
}

static int same_matrix(const pc_csr *a, const pc_csr *b)
{
    return a->n_rows == b->n_rows && a->n_cols == b->n_cols && a->nnz == b->nnz &&
           memcmp(a->row_ptr, b->row_ptr, (size_t)(a->n_rows + 1) * sizeof *a->row_ptr) == 0 &&
           memcmp(a->col, b->col, (size_t)a->nnz * sizeof *a->col) == 0 &&
           memcmp(a->val, b->val, (size_t)a->nnz * sizeof *a->val) == 0;
}

static int same_vocab(const pc_vocab *a, const pc_vocab *b)
{
    if (a->n_terms != b->n_terms || a->n_pruned != b->n_pruned)
        return 0;
    for (int32_t t = 0; t < a->n_terms; t++)
        if (strcmp(a->term[t], b->term[t]) != 0 || a->df[t] != b->df[t] ||
            a->count[t] != b->count[t])
            return 0;
    return 1;
}

/* Same ids in the same order, and the kept titles are the texts' titles. */
static int same_documents(const pc_corpus *kept, const pc_corpus *c)
{
    if (kept->n_docs != c->n_docs || c->text || !c->title)
        return 0;
    for (int32_t i = 0; i < c->n_docs; i++) {
        char a[PC_TITLE_MAX], b[PC_TITLE_MAX];
        pc_corpus_title(kept, i, a, sizeof a);
        pc_corpus_title(c, i, b, sizeof b);
        if (strcmp(kept->id[i], c->id[i]) != 0 || strcmp(a, b) != 0 ||
            strcmp(kept->label[i], c->label[i]) != 0 || kept->line[i] != c->line[i])
            return 0;
    }
    return 1;
}

/* Shuffled ids exercise the gathered rows, sorted ones the rows made in place. */
static void same_counts_for_any_batch_and_thread_count(void)
{
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        char *csv = make_csv(700, 30, shuffled);
        CHECK(csv != NULL);
        if (!csv)
            return;
        const char *path = write_text(shuffled ? "shuffled.csv" : "sorted.csv", csv);
        free(csv);
        pc_corpus *rc = NULL;
        pc_vocab *rv = NULL;
        pc_csr *rX = NULL;
        CHECK(reference(path, &rc, &rv, &rX) == 0);
        CHECK(rc && (rc->input_index != NULL) == shuffled);
        static const int threads[] = {1, 2, 3, 2, 1};
        static const int32_t batch[] = {1, 7, 64, 0, 699};
        for (int k = 0; rX && k < 5; k++) {
            pc_corpus *c = NULL;
            pc_vocab *v = NULL;
            pc_csr *X = NULL;
            CHECK(streamed(path, threads[k], batch[k], &c, &v, &X) == 0);
            if (X) {
                CHECK(same_documents(rc, c));
                CHECK(same_vocab(rv, v));
                CHECK(same_matrix(rX, X));
            }
            pc_corpus_free(c);
            pc_vocab_free(v);
            pc_csr_free(X);
        }
        pc_corpus_free(rc);
        pc_vocab_free(rv);
        pc_csr_free(rX);
    }
}

/*
 * 2000 papers of about 3.3 KB each (6.6 MB of text): kept, the corpus holds
 * them all; streamed, it holds ids, labels and titles (well under 2 MiB:
 * two 1 MiB arena blocks at most) and no batch held more than 64 texts.
 */
static void texts_are_not_kept(void)
{
    char *csv = make_csv(2000, 600, 1);
    CHECK(csv != NULL);
    if (!csv)
        return;
    const char *path = write_text("big.csv", csv);
    size_t longest = 0;
    for (char *line = strchr(csv, '\n'); line; line = strchr(line + 1, '\n')) {
        char *end = strchr(line + 1, '\n');
        if (end && (size_t)(end - line) > longest)
            longest = (size_t)(end - line);
    }
    free(csv);
    pc_read_options ropt = read_options();
    pc_corpus *kept = NULL;
    CHECK_INT(pc_corpus_read(path, &ropt, NULL, &kept, &err), PC_OK);
    if (kept)
        CHECK(pc_corpus_bytes(kept) > (size_t)6000000);
    pc_corpus_free(kept);

    pc_vocab_options vopt = vocab_options(2, 64);
    pc_term_lists *lists = NULL;
    pc_corpus *c = NULL;
    CHECK_INT(pc_vocab_read(path, &ropt, &vopt.tokenize, NULL, 2, 64, NULL, &c, &lists, &err),
              PC_OK);
    if (c && lists) {
        CHECK(c->text == NULL);
        CHECK(pc_corpus_bytes(c) < ((size_t)2 << 20));
        CHECK(pc_term_lists_peak_text(lists) <= 64 * longest);
        CHECK(pc_term_lists_peak_text(lists) > 0);
        CHECK(pc_term_lists_pairs(lists) > 2000 * 100);
    }
    pc_term_lists_free(lists);
    pc_corpus_free(c);
}

static int find_id(const pc_corpus *c, const char *id)
{
    for (int32_t i = 0; i < c->n_docs; i++)
        if (strcmp(c->id[i], id) == 0)
            return i;
    return -1;
}

/* pc_corpus_texts gives the kept corpus' texts, from a path and from a stream;
 * an input that changed in between is an error. */
static void texts_read_again(void)
{
    char *csv = make_csv(300, 20, 1);
    CHECK(csv != NULL);
    if (!csv)
        return;
    const char *path = write_text("again.csv", csv);
    pc_read_options ropt = read_options();
    pc_corpus *kept = NULL;
    CHECK_INT(pc_corpus_read(path, &ropt, NULL, &kept, &err), PC_OK);
    CHECK_INT(pc_corpus_sort(kept, &err), PC_OK);
    pc_corpus *c = NULL;
    pc_term_lists *lists = NULL;
    pc_vocab_options vopt = vocab_options(2, 16);
    CHECK_INT(pc_vocab_read(path, &ropt, &vopt.tokenize, NULL, 2, 16, NULL, &c, &lists, &err),
              PC_OK);
    pc_term_lists_free(lists);
    const int32_t docs[5] = {17, 0, 17, 299, 123};
    for (int pass = 0; c && kept && pass < 2; pass++) {
        const char **texts = NULL;
        void *hold = NULL;
        CHECK_INT(pc_corpus_texts(c, 5, docs, NULL, &texts, &hold, &err), PC_OK);
        for (int j = 0; texts && j < 5; j++)
            CHECK_STR(texts[j], kept->text[docs[j]]);
        pc_corpus_texts_free(texts, hold);
    }
    /* the same from a stream (borrowed, read again after seeking back) */
    FILE *stream = fopen(path, "rb");
    pc_corpus *s = NULL;
    CHECK(stream != NULL);
    if (stream && pc_corpus_read_each(NULL, stream, "again.csv", &ropt, NULL, NULL, NULL, &s,
                                      &err) == PC_OK) {
        CHECK_INT(pc_corpus_sort(s, &err), PC_OK);
        const char **texts = NULL;
        void *hold = NULL;
        CHECK_INT(pc_corpus_texts(s, 5, docs, NULL, &texts, &hold, &err), PC_OK);
        for (int j = 0; texts && j < 5; j++)
            CHECK_STR(texts[j], kept->text[docs[j]]);
        pc_corpus_texts_free(texts, hold);
    }
    pc_corpus_free(s);
    if (stream)
        fclose(stream);
    /* one id changed since: the check against the corpus' ids fails */
    char *p = strstr(csv, kept ? kept->id[123] : "p");
    if (p)
        p[1] = 'q';
    write_text("again.csv", csv);
    free(csv);
    if (c && kept && find_id(c, kept->id[123]) == 123) {
        const char **texts = NULL;
        void *hold = NULL;
        const int32_t one = 123;
        CHECK_INT(pc_corpus_texts(c, 1, &one, NULL, &texts, &hold, &err), PC_ERR_IO);
        CHECK(strstr(err.message, "changed after it was read") != NULL);
    }
    pc_corpus_free(c);
    pc_corpus_free(kept);
}

static double last_done, last_total;
static int read_reports;

static void on_progress(void *ctx, const char *stage, double done, double total)
{
    (void)ctx;
    if (strcmp(stage, "read") != 0)
        return;
    read_reports++;
    last_done = done;
    last_total = total;
}

/* Reading reports the file's bytes: the plain size, or the compressed size. */
static void progress_counts_file_bytes(void)
{
    char *csv = make_csv(400, 20, 0);
    CHECK(csv != NULL);
    if (!csv)
        return;
    const char *plain = write_text("progress.csv", csv);
    char plain_path[512];
    snprintf(plain_path, sizeof plain_path, "%s", plain);
    const char *gz = write_gzip("progress.csv.gz", csv, strlen(csv));
    char gz_path[512];
    snprintf(gz_path, sizeof gz_path, "%s", gz);
    free(csv);
    const pc_monitor mon = {NULL, on_progress, NULL, NULL};
    const char *paths[2] = {plain_path, gz_path};
    for (int k = 0; k < 2; k++) {
        struct stat st;
        CHECK(stat(paths[k], &st) == 0);
        read_reports = 0;
        last_done = last_total = -1;
        pc_corpus *c = NULL;
        pc_read_options ropt = read_options();
        CHECK_INT(pc_corpus_read(paths[k], &ropt, &mon, &c, &err), PC_OK);
        CHECK(read_reports >= 2); /* the start, the end */
        CHECK(last_total == (double)st.st_size);
        CHECK(last_done == last_total);
        pc_corpus_free(c);
    }
}

/*
 * The tie-break after the id on a streamed corpus: the FNV-1a hashes of
 * "Alpha\nx" 0xa21f7471d728a971, "Gamma\nz" 0xcfdc3ab4bc64dc8e and
 * "Beta\ny" 0xd5ae19e83211656a (python3, as in test_corpus.c) put Gamma
 * before Beta, against the byte order of the texts; titles move with them.
 */
static void streamed_order_ties_by_hash(void)
{
    const char *path = write_text("ties.csv", "id,title,abstract\n"
                                              "b,Zeta,w\n"
                                              "a,Beta,y\n"
                                              "a,Gamma,z\n"
                                              "a,Alpha,x\n");
    pc_read_options ropt;
    pc_read_options_default(&ropt);
    pc_corpus *c = NULL;
    CHECK_INT(pc_corpus_read_each(path, NULL, NULL, &ropt, NULL, NULL, NULL, &c, &err), PC_OK);
    CHECK_INT(pc_corpus_sort(c, &err), PC_OK);
    static const char *const titles[4] = {"Alpha", "Gamma", "Beta", "Zeta"};
    static const int32_t input[4] = {3, 2, 1, 0};
    for (int32_t i = 0; c && c->input_index && i < 4; i++) {
        char t[PC_TITLE_MAX];
        pc_corpus_title(c, i, t, sizeof t);
        CHECK_STR(t, titles[i]);
        CHECK_INT(c->input_index[i], input[i]);
    }
    CHECK(c && c->input_index);
    pc_corpus_free(c);
}

int main(void)
{
    if (make_temp_dir("stream") != 0)
        return 1;
    RUN_TEST(same_counts_for_any_batch_and_thread_count);
    RUN_TEST(texts_are_not_kept);
    RUN_TEST(texts_read_again);
    RUN_TEST(progress_counts_file_bytes);
    RUN_TEST(streamed_order_ties_by_hash);
    remove_temp_dir();
    return TEST_EXIT();
}
