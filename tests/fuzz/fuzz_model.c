/*
 * fuzz_model.c — libFuzzer target for the saved model's reader (model.c:
 * pc_model_read_memory, the checks pc_model_open runs on a mapped file).
 *
 * Each input is read twice: as it is (a mutation then almost always fails
 * the checksum or an earlier header check), and with its size field and
 * CRC-32 made right first (when it is long enough to have them), so that
 * mutations reach the checks behind the checksum: the section table, the
 * counts against the section sizes, the strings, the numbers.  The input is
 * copied into a buffer aligned to 64 bytes, as a mapping would be.
 *
 * Checked, from model.h: a failure is PC_ERR_FORMAT with the status in the
 * pc_error, a one-line UTF-8 message (fuzz_util.h) that names the input, and
 * no model.  A model that reads is used as `paperclust assign` uses it, which
 * is what the checks must make safe: its tokenizer options make a tokenizer,
 * three small texts are counted against its vocabulary (pc_vocab_count),
 * weighted with its idf (pc_tfidf_weight), placed in its clusters
 * (pc_kmeans_predict, down the tree of a bisection model: every cluster in
 * 0 .. k-1) and related to its rows (pc_neighbors_query: every related index
 * a row of the model).  The seeds in corpus_fuzz_model/ (a bisection model
 * among them) are made by make_model_seeds.sh.
 */
#include "fuzz_util.h"

#include <zlib.h>

#include "paperclust/kmeans.h"
#include "paperclust/model.h"
#include "paperclust/neighbors.h"
#include "paperclust/tfidf.h"
#include "paperclust/vocab.h"

static char *ids[] = {"a", "b", "c"};
static char *texts[] = {"graph neural networks for molecules", "the the of",
                        "\xc3\xa9t\xc3\xa9 protein folding $x^2$ http://example.org"};

/* Uses a model that read: nothing may crash and every index must be in range. */
static void use(const pc_model *m)
{
    pc_corpus corpus;
    memset(&corpus, 0, sizeof corpus);
    corpus.n_docs = 3;
    corpus.id = ids;
    corpus.text = texts;
    corpus.source = "fuzz";
    pc_csr *X = NULL;
    int64_t unknown = 0;
    pc_error err;
    pc_status status = pc_vocab_count(&corpus, &m->vocab, &m->tokenize, 1, NULL, &X, &unknown,
                                      &err);
    FUZZ_CHECK(status == PC_OK, "counting against a model that read: %s", err.message);
    pc_tfidf_weight(X, m->idf, &m->tfidf);
    int32_t assign[3];
    float sim[3];
    status = pc_kmeans_predict(&m->clusters, X, 1, assign, sim, &err);
    FUZZ_CHECK(status == PC_OK, "placing in a model that read: %s", err.message);
    for (int i = 0; i < 3; i++)
        FUZZ_CHECK(assign[i] >= 0 && assign[i] < m->k, "paper %d in cluster %d of %d", i,
                   (int)assign[i], (int)m->k);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = 3;
    opt.threads = 1;
    pc_neighbors *nb = NULL;
    status = pc_neighbors_query(&m->rows, X, NULL, &opt, NULL, &nb, &err);
    FUZZ_CHECK(status == PC_OK, "relating to a model that read: %s", err.message);
    for (int i = 0; i < 3 * 3; i++)
        FUZZ_CHECK(nb->id[i] >= -1 && nb->id[i] < m->n_docs, "related index %d of %d",
                   (int)nb->id[i], (int)m->n_docs);
    for (int32_t t = 0; t < m->n_terms; t++)
        FUZZ_CHECK(m->vocab.term[t][0] != '\0', "an empty term");
    pc_neighbors_free(nb);
    pc_csr_free(X);
}

static void read_once(const uint8_t *data, size_t size)
{
    pc_model *m = (pc_model *)1; /* must be overwritten */
    pc_error err = {PC_OK, ""};
    pc_status status = pc_model_read_memory(data, size, "fuzz.bin", &m, &err);
    if (status == PC_OK) {
        FUZZ_CHECK(m != NULL, "PC_OK without a model");
        use(m);
    } else {
        FUZZ_CHECK(m == NULL, "status %d but *out is set", (int)status);
        FUZZ_CHECK(status == PC_ERR_FORMAT, "status %d: %s", (int)status, err.message);
        FUZZ_CHECK(err.status == status, "status %d, pc_error %d", (int)status, (int)err.status);
        FUZZ_CHECK(fuzz_one_line_message(err.message),
                   "an error message that is not one line of UTF-8: \"%s\"", err.message);
        FUZZ_CHECK(strncmp(err.message, "fuzz.bin: ", 10) == 0, "the message does not name "
                   "the file: \"%s\"", err.message);
    }
    pc_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = aligned_alloc(64, (size + 64) / 64 * 64);
    FUZZ_CHECK(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    read_once(copy, size);
    if (size >= 28) { /* the size field and CRC-32 made right: past the checksum */
        uint64_t size64 = size;
        memcpy(copy + 16, &size64, 8);
        memset(copy + 24, 0, 4);
        uint32_t crc = (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), copy, size);
        memcpy(copy + 24, &crc, 4);
        read_once(copy, size);
    }
    free(copy);
    return 0;
}
