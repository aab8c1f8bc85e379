/*
 * Tests of model.c: a hand-made model saved and read back field by field;
 * the byte layout model.h documents, read here independently; every bit
 * flip, every truncation, other versions, byte order and foreign files
 * refused with one line naming the file; damaged contents behind a valid
 * checksum refused; out of memory and failed file steps leave no file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "paperclust/model.h"
#include "test.h"

/* ---- a hand-made model: 3 papers, 4 terms, 2 clusters made by bisection ---- */

static char *terms[] = {"alpha", "beta", "gamma delta", "\xc3\xa9t\xc3\xa9"}; /* été */
static int32_t df[] = {2, 1, 2, 1};
static char *ids[] = {"p1", "p2", "p3"};
static int64_t row_ptr[] = {0, 2, 3, 5};
static int32_t col[] = {0, 2, 1, 0, 3};
static float val[] = {0.6f, 0.8f, 1.0f, 0.28f, 0.96f};
static float centroid[] = {0.5f, 0.0f, 0.5f, 0.70710677f, /* cluster 0 */
                           0.0f, 1.0f, 0.0f, 0.0f};       /* cluster 1 */
static int64_t sizes[] = {2, 1};
static int32_t origins[] = {1, 0};
/* the one split: side 0 is cluster 1, side 1 cluster 0; its rule sends p2 to
 * side 0 (product .8 against 0) and p1, p3 to side 1 (.84 > 0, .676 > .576) */
static int32_t split_child[] = {1, 0};
static float split_centroid[] = {0.0f, 0.8f, 0.0f, 0.6f,         /* side 0 */
                                 0.6f, 0.0f, 0.6f, 0.52915026f}; /* side 1 */

typedef struct fixture {
    pc_vocab vocab;
    pc_csr X;
    pc_corpus corpus;
    pc_clusters clusters;
    pc_cluster_description cluster[2];
    pc_description description;
    pc_tokenize_options tokenize;
    pc_tfidf_options tfidf;
    pc_stoplist *stop;
    pc_model_input in;
} fixture;

static void fixture_make(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->vocab = (pc_vocab){4, 3, terms, df, NULL, 0, NULL};
    f->X = (pc_csr){3, 4, 5, row_ptr, col, val};
    f->corpus.n_docs = 3;
    f->corpus.id = ids;
    f->clusters = (pc_clusters){2, 3, 4, NULL, NULL, centroid, sizes, 0.0, 1, 0, origins,
                                split_child, split_centroid};
    f->cluster[0].label = "alpha, gamma delta";
    f->cluster[1].label = "beta";
    f->description = (pc_description){2, f->cluster};
    const char *words[] = {"the", "of", "\xc3\xbc" "ber"};
    if (pc_stoplist_new_words(3, words, &f->stop, NULL) != PC_OK)
        abort();
    pc_tokenize_options_default(&f->tokenize);
    f->tokenize.stoplist = f->stop;
    f->tokenize.stem_lang = "english";
    f->tokenize.ngram_max = 2;
    f->tokenize.min_token_len = 3;
    pc_tfidf_options_default(&f->tfidf);
    f->tfidf.sublinear_tf = 0;
    f->in = (pc_model_input){&f->vocab, &f->tokenize, &f->tfidf, &f->clusters, &f->description,
                             &f->X, &f->corpus, 42};
}

static char tmp_dir[] = "/tmp/test_model.XXXXXX";

static char *model_path(void)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/model.bin", tmp_dir);
    return path;
}

/* The saved file's bytes in an 8-aligned buffer (*size); caller frees. */
static unsigned char *saved_bytes(size_t *size)
{
    FILE *in = fopen(model_path(), "rb");
    if (!in)
        return NULL;
    fseek(in, 0, SEEK_END);
    *size = (size_t)ftell(in);
    rewind(in);
    unsigned char *data = aligned_alloc(64, (*size + 63) / 64 * 64);
    if (fread(data, 1, *size, in) != *size)
        abort();
    fclose(in);
    return data;
}

static uint32_t u32_at(const unsigned char *d, size_t at)
{
    uint32_t v;
    memcpy(&v, d + at, 4);
    return v;
}

static uint64_t u64_at(const unsigned char *d, size_t at)
{
    uint64_t v;
    memcpy(&v, d + at, 8);
    return v;
}

/* Section `id`'s offset and size, from the table as model.h lays it out. */
static uint64_t section_at(const unsigned char *d, int id, uint64_t *size)
{
    size_t entry = 64 + (size_t)(id - 1) * 24;
    if (size)
        *size = u64_at(d, entry + 16);
    return u64_at(d, entry + 8);
}

/* Recomputes the CRC-32 of the file (its 4 bytes at 24 counted as zeros). */
static void fix_crc(unsigned char *d, size_t size)
{
    memset(d + 24, 0, 4);
    uint32_t crc = (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), d, size);
    memcpy(d + 24, &crc, 4);
}

/* 1 when msg is one line that starts with `name` and holds `part`. */
static int one_line_about(const char *msg, const char *name, const char *part)
{
    int ok = strncmp(msg, name, strlen(name)) == 0 && strchr(msg, '\n') == NULL &&
             strstr(msg, part) != NULL;
    if (!ok)
        fprintf(stderr, "message \"%s\" lacks \"%s\" or \"%s\"\n", msg, name, part);
    return ok;
}

static pc_status read_bytes(const unsigned char *d, size_t size, pc_error *err)
{
    pc_model *m = NULL;
    pc_status status = pc_model_read_memory(d, size, "M", &m, err);
    if ((status == PC_OK) != (m != NULL))
        CHECK(!"a model returned with a failure, or none with PC_OK");
    pc_model_free(m);
    return status;
}

/* ---- tests ---- */

/* Saved and opened again: every field as given. */
static void round_trip(void)
{
    fixture f;
    fixture_make(&f);
    CHECK_INT(pc_model_save(tmp_dir, &f.in, NULL, NULL), PC_OK);
    pc_model *m = NULL;
    pc_error err;
    CHECK_INT(pc_model_open(tmp_dir, &m, &err), PC_OK);
    if (!m)
        return;
    CHECK_INT(m->n_docs, 3);
    CHECK_INT(m->n_terms, 4);
    CHECK_INT(m->k, 2);
    CHECK_INT(m->seed, 42);
    for (int t = 0; t < 4; t++) {
        CHECK_STR(m->vocab.term[t], terms[t]);
        CHECK_INT(m->vocab.df[t], df[t]);
    }
    /* smooth idf by hand: ln(4 / (1 + df)) + 1 */
    CHECK_NEAR(m->idf[0], 1.2876820724517808, 1e-15);
    CHECK_NEAR(m->idf[1], 1.6931471805599454, 1e-15);
    CHECK_STR(m->tokenize.stem_lang, "english");
    CHECK_INT(m->tokenize.ngram_max, 2);
    CHECK_INT(m->tokenize.min_token_len, 3);
    CHECK_INT(m->tokenize.strip_markup, 1);
    CHECK_INT(m->tokenize.sklearn_tokens, 0);
    CHECK_INT(pc_stoplist_count(m->tokenize.stoplist), 3);
    CHECK(pc_stoplist_contains(m->tokenize.stoplist, "\xc3\xbc" "ber", 5));
    CHECK(!pc_stoplist_contains(m->tokenize.stoplist, "alpha", 5));
    CHECK_INT(m->tfidf.sublinear_tf, 0);
    CHECK_INT(m->tfidf.smooth_idf, 1);
    CHECK_INT(m->tfidf.normalize, 1);
    CHECK_INT(m->clusters.k, 2);
    CHECK_INT(m->clusters.dim, 4);
    CHECK(memcmp(m->clusters.centroid, centroid, sizeof centroid) == 0);
    CHECK(memcmp(m->clusters.size, sizes, sizeof sizes) == 0);
    CHECK(memcmp(m->clusters.origin, origins, sizeof origins) == 0);
    CHECK_INT(m->method, PC_METHOD_BISECT);
    CHECK(m->clusters.split_child &&
          memcmp(m->clusters.split_child, split_child, sizeof split_child) == 0);
    CHECK(m->clusters.split_centroid &&
          memcmp(m->clusters.split_centroid, split_centroid, sizeof split_centroid) == 0);
    CHECK_STR(m->label[0], "alpha, gamma delta");
    CHECK_STR(m->label[1], "beta");
    CHECK_INT(m->rows.n_rows, 3);
    CHECK_INT(m->rows.nnz, 5);
    CHECK(memcmp(m->rows.row_ptr, row_ptr, sizeof row_ptr) == 0);
    CHECK(memcmp(m->rows.col, col, sizeof col) == 0);
    CHECK(memcmp(m->rows.val, val, sizeof val) == 0);
    for (int i = 0; i < 3; i++)
        CHECK_STR(m->id[i], ids[i]);
    pc_model_free(m);
    /* the file itself may be named too */
    CHECK_INT(pc_model_open(model_path(), &m, NULL), PC_OK);
    pc_model_free(m);
    /* clusters without origins (never sorted) are saved with origins 0 .. k-1 */
    f.clusters.origin = NULL;
    char other[300];
    snprintf(other, sizeof other, "%s/plain", tmp_dir);
    CHECK_INT(pc_model_save(other, &f.in, NULL, NULL), PC_OK);
    CHECK_INT(pc_model_open(other, &m, NULL), PC_OK);
    CHECK(m && m->clusters.origin[0] == 0 && m->clusters.origin[1] == 1);
    pc_model_free(m);
    /* k-means clusters (no tree): method 0, the split sections empty */
    f.clusters.split_child = NULL;
    f.clusters.split_centroid = NULL;
    CHECK_INT(pc_model_save(other, &f.in, NULL, NULL), PC_OK);
    CHECK_INT(pc_model_open(other, &m, NULL), PC_OK);
    CHECK(m && m->method == PC_METHOD_KMEANS && !m->clusters.split_child &&
          !m->clusters.split_centroid);
    pc_model_free(m);
    snprintf(other, sizeof other, "%s/plain/model.bin", tmp_dir);
    unlink(other);
    snprintf(other, sizeof other, "%s/plain", tmp_dir);
    rmdir(other);
    pc_stoplist_free(f.stop);
}

/*
 * The layout of model.h: magic, version 1, byte-order mark, size, 20
 * sections in order at multiples of 64, the last ending the file, the
 * CRC-32 of the file with its own field as zeros, meta values in place (the
 * method: 1, bisection), the tree and its rule as given.
 */
static void layout_as_documented(void)
{
    size_t size = 0;
    unsigned char *d = saved_bytes(&size);
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(memcmp(d, "\x89PCM\r\n\x1a\n", 8) == 0);
    CHECK_INT(u32_at(d, 8), 1);
    CHECK_INT(u32_at(d, 12), 0x01020304);
    CHECK_INT(u64_at(d, 16), size);
    CHECK_INT(u32_at(d, 28), 20);
    uint32_t stored = u32_at(d, 24);
    fix_crc(d, size);
    CHECK_INT(u32_at(d, 24), stored);
    uint64_t end = 64 + 20 * 24, bytes = 0;
    for (int id = 1; id <= 20; id++) {
        uint64_t at = section_at(d, id, &bytes);
        CHECK_INT(u32_at(d, 64 + (size_t)(id - 1) * 24), id);
        CHECK_INT(at % 64, 0);
        CHECK(at >= end);
        end = at + bytes;
    }
    CHECK_INT(end, size);
    uint64_t meta = section_at(d, 1, &bytes);
    CHECK_INT(bytes, 128);
    const int64_t want[16] = {3, 4, 2, 5, 3, 2, 3, 1, 0, 0, 1, 1, 42, 1, 0, 0};
    for (int i = 0; i < 16; i++)
        CHECK_INT((int64_t)u64_at(d, meta + 8 * (size_t)i), want[i]);
    uint64_t stem = section_at(d, 2, &bytes);
    CHECK_INT(bytes, 8);
    CHECK(memcmp(d + stem, "english", 8) == 0);
    uint64_t idf = section_at(d, 6, &bytes);
    CHECK_INT(bytes, 32);
    double idf0;
    memcpy(&idf0, d + idf, 8);
    CHECK_NEAR(idf0, 1.2876820724517808, 1e-15);
    uint64_t children = section_at(d, 19, &bytes);
    CHECK_INT(bytes, 8);
    CHECK_INT(u32_at(d, children), 1);
    CHECK_INT(u32_at(d, children + 4), 0);
    uint64_t rule = section_at(d, 20, &bytes);
    CHECK_INT(bytes, 32);
    CHECK(memcmp(d + rule, split_centroid, 32) == 0);
    free(d);
}

/*
 * A bisection model places papers by descending its tree, by hand: the row
 * e4 (only "été") has products .6 with side 0 and .529 with side 1, so it
 * goes to cluster 1 (similarity 0: cluster 1's centroid is e2), though
 * cluster 0's centroid is nearer (.707); p1 goes to side 1, cluster 0, with
 * similarity .6 × .5 + .8 × .5 = .7.
 */
static void bisect_model_places_by_descent(void)
{
    pc_model *m = NULL;
    CHECK_INT(pc_model_open(tmp_dir, &m, NULL), PC_OK);
    if (!m)
        return;
    int64_t ptr[] = {0, 1, 3};
    int32_t cols[] = {3, 0, 2};
    float vals[] = {1.0f, 0.6f, 0.8f};
    pc_csr X = {2, 4, 3, ptr, cols, vals};
    int32_t assign[2] = {-1, -1};
    float sim[2];
    CHECK_INT(pc_kmeans_predict(&m->clusters, &X, 1, assign, sim, NULL), PC_OK);
    CHECK_INT(assign[0], 1);
    CHECK_NEAR(sim[0], 0.0, 0.0);
    CHECK_INT(assign[1], 0);
    CHECK_NEAR(sim[1], 0.7, 1e-7);
    pc_clusters nearest = m->clusters; /* as a k-means model would place them */
    nearest.split_child = NULL;
    CHECK_INT(pc_kmeans_predict(&nearest, &X, 1, assign, sim, NULL), PC_OK);
    CHECK_INT(assign[0], 0);
    CHECK_NEAR(sim[0], 0.70710677, 1e-7);
    pc_model_free(m);
}

/* CRC-32 catches every single-bit error: each flip is refused, naming the file. */
static void every_bit_flip_refused(void)
{
    size_t size = 0;
    unsigned char *d = saved_bytes(&size);
    if (!d)
        return;
    int accepted = 0, bad_message = 0;
    for (size_t at = 0; at < size; at++) {
        for (int bit = 0; bit < 8; bit++) {
            pc_error err = {PC_OK, ""};
            d[at] ^= (unsigned char)(1u << bit);
            pc_status status = read_bytes(d, size, &err);
            d[at] ^= (unsigned char)(1u << bit);
            accepted += status == PC_OK;
            bad_message += status != PC_ERR_FORMAT || strncmp(err.message, "M: ", 3) != 0 ||
                           strchr(err.message, '\n') != NULL;
        }
    }
    CHECK_INT(accepted, 0);
    CHECK_INT(bad_message, 0);
    CHECK_INT(read_bytes(d, size, NULL), PC_OK); /* and the untouched file reads */
    free(d);
}

/* Cut anywhere: refused as truncated (empty at 0 bytes). */
static void every_truncation_refused(void)
{
    size_t size = 0;
    unsigned char *d = saved_bytes(&size);
    if (!d)
        return;
    int wrong = 0;
    for (size_t len = 0; len < size; len++) {
        pc_error err = {PC_OK, ""};
        pc_status status = read_bytes(d, len, &err);
        const char *want = len == 0 ? "empty file" : "truncated";
        if (status != PC_ERR_FORMAT || !strstr(err.message, want)) {
            if (wrong++ < 3)
                fprintf(stderr, "cut at %zu: \"%s\"\n", len, err.message);
        }
    }
    CHECK_INT(wrong, 0);
    free(d);
}

/* Other versions, the other byte order, foreign files. */
static void versions_and_foreign_files(void)
{
    size_t size = 0;
    unsigned char *d = saved_bytes(&size);
    if (!d)
        return;
    pc_error err;
    const uint32_t older = 0, newer = 2, swapped = 0x04030201;
    memcpy(d + 8, &older, 4);
    fix_crc(d, size);
    CHECK_INT(read_bytes(d, size, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: ", "version 0, older than"));
    memcpy(d + 8, &newer, 4);
    fix_crc(d, size);
    CHECK_INT(read_bytes(d, size, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: ", "version 2, newer than"));
    const uint32_t one = 1;
    memcpy(d + 8, &one, 4);
    memcpy(d + 12, &swapped, 4);
    fix_crc(d, size);
    CHECK_INT(read_bytes(d, size, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: ", "other byte order"));
    const char *csv = "id,title,abstract\n1,a,b\n";
    memcpy(d, csv, strlen(csv));
    CHECK_INT(read_bytes(d, strlen(csv), &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: ", "not a paperclust model"));
    memset(d, 0, 128);
    CHECK_INT(read_bytes(d, 128, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: ", "not a paperclust model"));
    /* a missing file, and a folder without one */
    pc_model *m = NULL;
    CHECK_INT(pc_model_open("/nonexistent/model", &m, &err), PC_ERR_IO);
    CHECK(m == NULL);
    CHECK(one_line_about(err.message, "/nonexistent/model/model.bin: ", "No such file"));
    CHECK_INT(pc_model_open("/tmp", &m, &err), PC_ERR_IO);
    CHECK(one_line_about(err.message, "/tmp/model.bin: ", "cannot open"));
    free(d);
}

/*
 * Contents a valid checksum does not make right (a file made by hand or by a
 * bug): each patched, the CRC fixed, refused as damaged.
 */
static void damaged_contents_behind_a_valid_checksum(void)
{
    size_t size = 0;
    unsigned char *clean = saved_bytes(&size);
    if (!clean)
        return;
    unsigned char *d = aligned_alloc(64, (size + 63) / 64 * 64);
    struct {
        int section;
        size_t at;
        int64_t value;
        int width;
        const char *what;
    } cases[] = {
        {1, 0, 0, 8, "counts out of range"},          /* n_docs 0 */
        {1, 16, 4, 8, "counts out of range"},         /* k 4 > 3 papers */
        {1, 24, 6, 8, "section col"},                 /* nnz 6 */
        {1, 40, 3, 8, "tokenizer options"},           /* ngram 3 */
        {1, 56, 2, 8, "yes/no"},                      /* strip_markup 2 */
        {1, 104, 2, 8, "clustering method"},         /* method 2 */
        {1, 104, 0, 8, "split_children holds 8 bytes"}, /* k-means with a tree */
        {1, 120, 7, 8, "reserved"},
        {3, 8, 7, 8, "term_bytes"},                   /* offsets out of step */
        {4, 0, 'c', 1, "out of order"},               /* "clpha" after... before "beta" */
        {4, 0, 0xFF, 1, "UTF-8"},
        {5, 0, 9, 4, "df"},
        {6, 0, 0, 8, "idf"},                          /* 0.0 */
        {9, 0, 0x7FC00000, 4, "finite"},              /* NaN centroid weight */
        {10, 0, 3, 8, "sum to"},
        {11, 0, 0, 4, "share origin"},
        {11, 0, 2, 4, "cluster 0"},
        {14, 8, 4, 8, "row 0"},                       /* row 0 ends past row 1's end */
        {15, 4, 0, 4, "column"},                      /* row 0: 0, 0 */
        {15, 16, 4, 4, "column"},                     /* row 2: columns 0, 4 of 4 terms */
        {16, 0, 0x7F800000, 4, "finite"},             /* +inf weight */
        {18, 0, 0, 1, "terminated"},                  /* id "p1" holds a NUL */
        {18, 2, 'x', 1, "terminated"},                /* "p1" runs into "p2" */
        {19, 0, 0, 4, "split_children"},              /* cluster 0 twice */
        {19, 4, 2, 4, "split_children"},              /* 2: the root itself */
        {19, 0, -1, 4, "split_children"},
        {20, 28, 0x7FC00000, 4, "finite"},            /* NaN in a rule */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(d, clean, size);
        uint64_t at = section_at(d, cases[c].section, NULL) + cases[c].at;
        memcpy(d + at, &cases[c].value, (size_t)cases[c].width); /* little-endian low bytes */
        fix_crc(d, size);
        pc_error err = {PC_OK, ""};
        CHECK_INT(read_bytes(d, size, &err), PC_ERR_FORMAT);
        if (!one_line_about(err.message, "M: damaged", cases[c].what))
            fprintf(stderr, "  case %zu (section %d)\n", c, cases[c].section);
        CHECK(strstr(err.message, cases[c].what) != NULL);
    }
    /* a section moved outside the file, and the table's count */
    memcpy(d, clean, size);
    uint64_t far = size + 64;
    memcpy(d + 64 + 17 * 24 + 8, &far, 8);
    fix_crc(d, size);
    pc_error err;
    CHECK_INT(read_bytes(d, size, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: damaged", "outside the file"));
    unsigned char *longer = aligned_alloc(64, (size + 64 + 63) / 64 * 64);
    memcpy(longer, clean, size);
    memset(longer + size, 0, 64);
    uint64_t longer_size = size + 64;
    memcpy(longer + 16, &longer_size, 8);
    fix_crc(longer, size + 64);
    CHECK_INT(read_bytes(longer, size + 64, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: damaged", "64 bytes after the last section"));
    free(longer);
    memcpy(d, clean, size);
    d[28] = 17;
    fix_crc(d, size);
    CHECK_INT(read_bytes(d, size, &err), PC_ERR_FORMAT);
    CHECK(one_line_about(err.message, "M: damaged", "17 sections"));
    free(d);
    free(clean);
}

/* Out of memory anywhere in saving or reading: PC_ERR_NOMEM, nothing left behind. */
static void out_of_memory_fails_cleanly(void)
{
    fixture f;
    fixture_make(&f);
    int saved = 0, opened = 0;
    for (long n = 1; n < 200 && !saved; n++) {
        pc_alloc_fail_after(n);
        pc_status status = pc_model_save(tmp_dir, &f.in, NULL, NULL);
        pc_alloc_fail_after(0);
        saved = status == PC_OK;
        CHECK(saved || status == PC_ERR_NOMEM);
    }
    for (long n = 1; n < 200 && !opened; n++) {
        pc_model *m = NULL;
        pc_alloc_fail_after(n);
        pc_status status = pc_model_open(tmp_dir, &m, NULL);
        pc_alloc_fail_after(0);
        opened = status == PC_OK;
        CHECK(opened ? m != NULL : status == PC_ERR_NOMEM && m == NULL);
        pc_model_free(m);
    }
    CHECK(saved && opened);
    pc_stoplist_free(f.stop);
}

/* A failed open or rename of the temporary file: PC_ERR_IO naming
 * model.bin, the old model untouched, no temporary file left. */
static void failed_writes_keep_the_old_model(void)
{
    fixture f;
    fixture_make(&f);
    size_t size = 0;
    unsigned char *before = saved_bytes(&size);
    f.in.seed = 7; /* a different file, were it written */
    for (long step = 1; step <= 2; step++) {
        pc_error err;
        pc_file_fail_after(step);
        pc_status status = pc_model_save(tmp_dir, &f.in, NULL, &err);
        pc_file_fail_after(0);
        CHECK_INT(status, PC_ERR_IO);
        CHECK(one_line_about(err.message, model_path(), "Input/output error"));
        size_t now_size = 0;
        unsigned char *now = saved_bytes(&now_size);
        CHECK(now && now_size == size && memcmp(now, before, size) == 0);
        free(now);
        char temp[300];
        snprintf(temp, sizeof temp, "%s/.model.bin.tmp-%ld", tmp_dir, (long)getpid());
        CHECK(access(temp, F_OK) != 0);
    }
    /* a model folder that is a file */
    pc_error err;
    CHECK_INT(pc_model_save(model_path(), &f.in, NULL, &err), PC_ERR_IO);
    CHECK(one_line_about(err.message, model_path(), "cannot create the model folder"));
    free(before);
    pc_stoplist_free(f.stop);
}

int main(void)
{
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(round_trip);
    RUN_TEST(layout_as_documented);
    RUN_TEST(bisect_model_places_by_descent);
    RUN_TEST(every_bit_flip_refused);
    RUN_TEST(every_truncation_refused);
    RUN_TEST(versions_and_foreign_files);
    RUN_TEST(damaged_contents_behind_a_valid_checksum);
    RUN_TEST(out_of_memory_fails_cleanly);
    RUN_TEST(failed_writes_keep_the_old_model);
    unlink(model_path());
    rmdir(tmp_dir);
    return TEST_EXIT();
}
