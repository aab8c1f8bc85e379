/*
 * model.c — the saved model's file: writing it, mapping it, checking it.
 *
 * The format is documented byte by byte in model.h.  Writing lays the file
 * out as a list of sections (pointers into the run's own arrays, plus the
 * string lists flattened into offsets and bytes), then streams it twice:
 * once through zlib's crc32, once into a temporary file in the folder, which
 * is renamed over the old model only when complete (as report.c does for the
 * reports).
 *
 * Reading maps the file read-only and trusts nothing before it is checked:
 * the fixed header first (magic → a foreign file; version → an older or newer
 * paperclust; byte order; the size field against the file's length →
 * truncated), then the CRC-32 over every byte (→ damaged: any bit flip ends
 * here), then, for files whose checksum holds but whose contents could still
 * be wrong (a bug, or a file made by hand), every count against its section's
 * size, every offset against the file, every string, index and float.  Only
 * then are the pointer arrays built that let the rest of the library use the
 * mapping as a pc_vocab, pc_clusters and pc_csr.  Cost: one pass over the
 * file (about 30 ms for the arXiv model's 45 MB).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "internal.h"
#include "paperclust/model.h"
#include "paperclust/tree.h"
#include "progress_internal.h"

static const unsigned char magic[8] = {0x89, 'P', 'C', 'M', '\r', '\n', 0x1A, '\n'};

#define BYTE_ORDER_MARK 0x01020304u
#define HEADER_SIZE 64
#define ENTRY_SIZE 24
#define ALIGNMENT 64
#define CRC_AT 24
#define META_FIELDS 16

enum section_id {
    S_META = 1, S_STEM, S_TERM_OFFSETS, S_TERM_BYTES, S_DF, S_IDF, S_STOP_OFFSETS, S_STOP_BYTES,
    S_CENTROIDS, S_SIZES, S_ORIGINS, S_LABEL_OFFSETS, S_LABEL_BYTES, S_ROW_PTR, S_COL, S_VAL,
    S_ID_OFFSETS, S_ID_BYTES, S_SPLIT_CHILDREN, S_SPLIT_CENTROIDS,
    N_SECTIONS = S_SPLIT_CENTROIDS
};

static const char *const section_name[N_SECTIONS + 1] = {
    "", "meta", "stem", "term_offsets", "term_bytes", "df", "idf", "stop_offsets",
    "stop_bytes", "centroids", "sizes", "origins", "label_offsets", "label_bytes", "row_ptr",
    "col", "val", "id_offsets", "id_bytes", "split_children", "split_centroids"};

enum meta_field {
    M_N_DOCS, M_N_TERMS, M_K, M_NNZ, M_N_STOP, M_NGRAM_MAX, M_MIN_TOKEN_LEN, M_STRIP_MARKUP,
    M_SKLEARN_TOKENS, M_SUBLINEAR_TF, M_SMOOTH_IDF, M_NORMALIZE, M_SEED, M_METHOD
};

typedef struct section {
    const void *data;
    uint64_t offset;
    uint64_t size;
} section;

static uint64_t align_up(uint64_t x)
{
    return (x + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
}

/* ---- writing ---- */

/* A list of strings flattened as the format stores it. */
typedef struct flat_strings {
    uint64_t *offsets;
    char *bytes;
} flat_strings;

/* Flattens the n strings get(ctx, i) (NULL: left out); 0, or -1 when out of memory. */
static int flatten(int32_t n, const char *(*get)(const void *ctx, int32_t i), const void *ctx,
                   flat_strings *out, int32_t *kept)
{
    size_t bytes = 0;
    for (int32_t i = 0; i < n; i++) {
        const char *s = get(ctx, i);
        bytes += s ? strlen(s) + 1 : 0;
    }
    out->offsets = pc_malloc_array((size_t)n + 1, sizeof *out->offsets);
    out->bytes = pc_malloc(bytes + 1);
    if (!out->offsets || !out->bytes)
        return -1;
    int32_t m = 0;
    out->offsets[0] = 0;
    for (int32_t i = 0; i < n; i++) {
        const char *s = get(ctx, i);
        if (!s)
            continue;
        size_t len = strlen(s) + 1;
        memcpy(out->bytes + out->offsets[m], s, len);
        out->offsets[m + 1] = out->offsets[m] + len;
        m++;
    }
    if (kept)
        *kept = m;
    return 0;
}

static const char *get_term(const void *ctx, int32_t i)
{
    return ((const pc_vocab *)ctx)->term[i];
}

static const char *get_id(const void *ctx, int32_t i)
{
    return ((const pc_corpus *)ctx)->id[i];
}

static const char *get_label(const void *ctx, int32_t i)
{
    const pc_description *d = ctx;
    return d && d->cluster[i].label ? d->cluster[i].label : "";
}

/* A stop word, unless it holds a NUL byte (no token does). */
static const char *get_stop_word(const void *ctx, int32_t i)
{
    size_t len = 0;
    const char *w = pc_stoplist_word(ctx, i, &len);
    return strlen(w) == len ? w : NULL;
}

typedef int (*sink_fn)(void *ctx, const void *data, size_t n);

/* Streams the file (header with `crc`, table, sections, zero padding) to sink. */
static int emit(const section *sec, uint64_t file_size, uint32_t crc, sink_fn sink, void *ctx)
{
    static const unsigned char zeros[ALIGNMENT];
    unsigned char header[HEADER_SIZE];
    memset(header, 0, sizeof header);
    const uint32_t version = PC_MODEL_VERSION, mark = BYTE_ORDER_MARK, n = N_SECTIONS;
    memcpy(header, magic, 8);
    memcpy(header + 8, &version, 4);
    memcpy(header + 12, &mark, 4);
    memcpy(header + 16, &file_size, 8);
    memcpy(header + CRC_AT, &crc, 4);
    memcpy(header + 28, &n, 4);
    if (sink(ctx, header, sizeof header) != 0)
        return -1;
    for (uint32_t id = 1; id <= N_SECTIONS; id++) {
        unsigned char entry[ENTRY_SIZE];
        const uint32_t reserved = 0;
        memcpy(entry, &id, 4);
        memcpy(entry + 4, &reserved, 4);
        memcpy(entry + 8, &sec[id].offset, 8);
        memcpy(entry + 16, &sec[id].size, 8);
        if (sink(ctx, entry, sizeof entry) != 0)
            return -1;
    }
    uint64_t at = HEADER_SIZE + (uint64_t)N_SECTIONS * ENTRY_SIZE;
    for (int id = 1; id <= N_SECTIONS; id++) {
        if (sink(ctx, zeros, (size_t)(sec[id].offset - at)) != 0)
            return -1;
        if (sec[id].size && sink(ctx, sec[id].data, (size_t)sec[id].size) != 0)
            return -1;
        at = sec[id].offset + sec[id].size;
    }
    return 0;
}

static int crc_sink(void *ctx, const void *data, size_t n)
{
    uLong *crc = ctx;
    *crc = crc32_z(*crc, data, n);
    return 0;
}

typedef struct file_sink {
    FILE *out;
    pc_progress progress;
    double written;
} file_sink;

static int write_sink(void *ctx, const void *data, size_t n)
{
    file_sink *f = ctx;
    if (n && fwrite(data, 1, n, f->out) != n)
        return -1;
    f->written += (double)n;
    pc_progress_update(&f->progress, f->written);
    return 0;
}

/* Everything pc_model_save builds besides the run's own arrays. */
typedef struct save_parts {
    int64_t meta[META_FIELDS];
    flat_strings terms, stops, labels, ids;
    double *idf;
    int32_t *origin; /* 0 .. k-1, for clusters that have no origins */
} save_parts;

static void save_parts_free(save_parts *p)
{
    flat_strings *lists[] = {&p->terms, &p->stops, &p->labels, &p->ids};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        free(lists[i]->offsets);
        free(lists[i]->bytes);
    }
    free(p->idf);
    free(p->origin);
}

static pc_status check_input(const pc_model_input *in, pc_error *err)
{
    const pc_clusters *c = in->clusters;
    if (in->X->n_cols != in->vocab->n_terms || c->dim != in->vocab->n_terms ||
        in->corpus->n_docs != in->X->n_rows || c->k < 1 ||
        (in->description && in->description->k != c->k))
        return pc_fail(err, PC_ERR_INVALID, "saving the model: its parts do not fit together");
    return PC_OK;
}

/* Builds the flattened lists, idf and meta fields, and lays the sections out. */
static pc_status build_parts(const pc_model_input *in, save_parts *p, section *sec,
                             uint64_t *file_size, pc_error *err)
{
    const pc_vocab *v = in->vocab;
    const pc_clusters *c = in->clusters;
    const pc_tokenize_options *t = in->tokenize;
    int32_t n_stop = 0;
    if (pc_tfidf_idf(v, in->X->n_rows, in->tfidf, &p->idf, err) != PC_OK ||
        flatten(v->n_terms, get_term, v, &p->terms, NULL) != 0 ||
        flatten(pc_stoplist_count(t->stoplist), get_stop_word, t->stoplist, &p->stops,
                &n_stop) != 0 ||
        flatten(c->k, get_label, in->description, &p->labels, NULL) != 0 ||
        flatten(in->corpus->n_docs, get_id, in->corpus, &p->ids, NULL) != 0)
        return pc_fail_nomem(err, "saving the model");
    const int32_t *origin = c->origin;
    if (!origin) { /* never renumbered: cluster c is k-means' cluster c */
        if (!(p->origin = pc_malloc_array((size_t)c->k, sizeof *p->origin)))
            return pc_fail_nomem(err, "saving the model");
        for (int32_t j = 0; j < c->k; j++)
            p->origin[j] = j;
        origin = p->origin;
    }
    const char *stem = t->stem_lang && strcmp(t->stem_lang, "none") != 0 ? t->stem_lang : "";
    const int64_t meta[META_FIELDS] = {
        in->X->n_rows, v->n_terms, c->k, in->X->nnz, n_stop, t->ngram_max, t->min_token_len,
        t->sklearn_tokens ? 0 : t->strip_markup != 0, t->sklearn_tokens != 0,
        in->tfidf->sublinear_tf != 0, in->tfidf->smooth_idf != 0, in->tfidf->normalize != 0,
        (int64_t)in->seed, c->split_child ? PC_METHOD_BISECT : PC_METHOD_KMEANS, 0, 0};
    memcpy(p->meta, meta, sizeof meta);
    const size_t n = (size_t)in->X->n_rows, terms = (size_t)v->n_terms, k = (size_t)c->k;
    const size_t splits = c->split_child ? 2 * (k - 1) : 0; /* merges × 2 sides */
    const section parts[N_SECTIONS + 1] = {
        [S_META] = {p->meta, 0, sizeof p->meta},
        [S_STEM] = {stem, 0, strlen(stem) + 1},
        [S_TERM_OFFSETS] = {p->terms.offsets, 0, 8 * (terms + 1)},
        [S_TERM_BYTES] = {p->terms.bytes, 0, p->terms.offsets[terms]},
        [S_DF] = {v->df, 0, 4 * terms},
        [S_IDF] = {p->idf, 0, 8 * terms},
        [S_STOP_OFFSETS] = {p->stops.offsets, 0, 8 * ((size_t)n_stop + 1)},
        [S_STOP_BYTES] = {p->stops.bytes, 0, p->stops.offsets[n_stop]},
        [S_CENTROIDS] = {c->centroid, 0, 4 * k * terms},
        [S_SIZES] = {c->size, 0, 8 * k},
        [S_ORIGINS] = {origin, 0, 4 * k},
        [S_LABEL_OFFSETS] = {p->labels.offsets, 0, 8 * (k + 1)},
        [S_LABEL_BYTES] = {p->labels.bytes, 0, p->labels.offsets[k]},
        [S_ROW_PTR] = {in->X->row_ptr, 0, 8 * (n + 1)},
        [S_COL] = {in->X->col, 0, 4 * (uint64_t)in->X->nnz},
        [S_VAL] = {in->X->val, 0, 4 * (uint64_t)in->X->nnz},
        [S_ID_OFFSETS] = {p->ids.offsets, 0, 8 * (n + 1)},
        [S_ID_BYTES] = {p->ids.bytes, 0, p->ids.offsets[n]},
        [S_SPLIT_CHILDREN] = {c->split_child, 0, 4 * splits},
        [S_SPLIT_CENTROIDS] = {c->split_centroid, 0, 4 * splits * terms}};
    uint64_t at = HEADER_SIZE + (uint64_t)N_SECTIONS * ENTRY_SIZE;
    for (int id = 1; id <= N_SECTIONS; id++) {
        sec[id] = parts[id];
        sec[id].offset = align_up(at);
        at = sec[id].offset + sec[id].size;
    }
    *file_size = at;
    return PC_OK;
}

/* Writes the laid-out file to `path` through a temporary file; see pc_model_save. */
static pc_status write_file(const char *dir, const section *sec, uint64_t file_size,
                            uint32_t crc, const pc_monitor *mon, pc_error *err)
{
    char path[4096], temp[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, PC_MODEL_FILE) >= (int)sizeof path ||
        snprintf(temp, sizeof temp, "%s/.%s.tmp-%ld", dir, PC_MODEL_FILE, (long)getpid()) >=
            (int)sizeof temp)
        return pc_fail(err, PC_ERR_IO, "%s: cannot write the model: %s", dir,
                       strerror(ENAMETOOLONG));
    file_sink f;
    memset(&f, 0, sizeof f);
    errno = 0;
    f.out = pc_injected_file_failure() ? (errno = EIO, NULL) : fopen(temp, "wb");
    if (!f.out)
        return pc_fail(err, PC_ERR_IO, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
    pc_progress_start(&f.progress, mon, "saving the model", (double)file_size);
    errno = 0;
    int failed = emit(sec, file_size, crc, write_sink, &f) != 0 ? (errno ? errno : EIO) : 0;
    if (fclose(f.out) != 0 && !failed)
        failed = errno ? errno : EIO;
    if (!failed && pc_cancelled(mon)) {
        unlink(temp);
        return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while saving the model");
    }
    if (!failed && (pc_injected_file_failure() ? (errno = EIO, -1) : rename(temp, path)) != 0)
        failed = errno ? errno : EIO;
    if (failed) {
        unlink(temp);
        return pc_fail(err, PC_ERR_IO, "%s: write failed: %s", path, strerror(failed));
    }
    pc_progress_finish(&f.progress);
    return PC_OK;
}

pc_status pc_model_save(const char *dir, const pc_model_input *in, const pc_monitor *mon,
                        pc_error *err)
{
    pc_status status = check_input(in, err);
    if (status != PC_OK)
        return status;
    if (pc_make_dirs(dir) != 0)
        return pc_fail(err, PC_ERR_IO, "%s: cannot create the model folder: %s", dir,
                       strerror(errno));
    save_parts parts;
    memset(&parts, 0, sizeof parts);
    section sec[N_SECTIONS + 1];
    uint64_t file_size = 0;
    status = build_parts(in, &parts, sec, &file_size, err);
    if (status == PC_OK) {
        uLong crc = crc32_z(0L, Z_NULL, 0);
        emit(sec, file_size, 0, crc_sink, &crc);
        status = write_file(dir, sec, file_size, (uint32_t)crc, mon, err);
    }
    save_parts_free(&parts);
    return status;
}

/* ---- reading ---- */

typedef struct storage {
    void *map;          /* the mapping, or NULL for a caller's buffer */
    size_t map_size;
    char *path;
    char **term, **stop, **label, **id;
    pc_stoplist *stoplist;
} storage;

/* What the checks work on: the bytes, their name, and each section's place. */
typedef struct reader {
    const unsigned char *data;
    uint64_t size;
    const char *name;
    section sec[N_SECTIONS + 1];
    const int64_t *meta;
    pc_error *err;
} reader;

#define DAMAGED(r, ...) pc_fail((r)->err, PC_ERR_FORMAT, __VA_ARGS__)

static uint32_t read_u32(const reader *r, size_t at)
{
    uint32_t v;
    memcpy(&v, r->data + at, 4);
    return v;
}

static uint64_t read_u64(const reader *r, size_t at)
{
    uint64_t v;
    memcpy(&v, r->data + at, 8);
    return v;
}

/* Magic, version, byte order and size: what says what kind of file this is. */
static pc_status check_header(reader *r)
{
    const char *name = r->name;
    size_t have = r->size < 8 ? (size_t)r->size : 8;
    if (r->size == 0)
        return DAMAGED(r, "%s: empty file, not a paperclust model", name);
    if (memcmp(r->data, magic, have) != 0)
        return DAMAGED(r, "%s: not a paperclust model (no model magic number at its start)",
                       name);
    if (r->size < HEADER_SIZE)
        return DAMAGED(r, "%s: truncated: %llu bytes, shorter than a model's header", name,
                       (unsigned long long)r->size);
    uint32_t version = read_u32(r, 8), mark = read_u32(r, 12);
    if (mark == 0x04030201u)
        return DAMAGED(r, "%s: written on a machine of the other byte order; save the model "
                          "again on this one", name);
    if (version < PC_MODEL_VERSION)
        return DAMAGED(r, "%s: model format version %u, older than this paperclust's %d: save "
                          "it again with 'paperclust run --save-model'", name, version,
                       PC_MODEL_VERSION);
    if (version > PC_MODEL_VERSION)
        return DAMAGED(r, "%s: model format version %u, newer than this paperclust's %d: read "
                          "it with a newer paperclust", name, version, PC_MODEL_VERSION);
    if (mark != BYTE_ORDER_MARK)
        return DAMAGED(r, "%s: damaged: byte-order mark 0x%08x, not 0x%08x", name, mark,
                       BYTE_ORDER_MARK);
    uint64_t stated = read_u64(r, 16);
    if (r->size < stated)
        return DAMAGED(r, "%s: truncated: %llu bytes of the %llu its header gives", name,
                       (unsigned long long)r->size, (unsigned long long)stated);
    if (r->size > stated)
        return DAMAGED(r, "%s: damaged: %llu bytes, but its header gives %llu", name,
                       (unsigned long long)r->size, (unsigned long long)stated);
    uLong crc = crc32_z(0L, Z_NULL, 0);
    static const unsigned char zero[4];
    crc = crc32_z(crc, r->data, CRC_AT);
    crc = crc32_z(crc, zero, 4);
    crc = crc32_z(crc, r->data + CRC_AT + 4, (size_t)r->size - CRC_AT - 4);
    if ((uint32_t)crc != read_u32(r, CRC_AT))
        return DAMAGED(r, "%s: damaged: checksum mismatch (CRC-32 %08x, the header says %08x)",
                       name, (unsigned)crc, read_u32(r, CRC_AT));
    return PC_OK;
}

/* The section table: every section once, in order, aligned, inside the file. */
static pc_status check_table(reader *r)
{
    const uint32_t n = read_u32(r, 28);
    if (n != N_SECTIONS)
        return DAMAGED(r, "%s: damaged: %u sections, version %d has %d", r->name, n,
                       PC_MODEL_VERSION, N_SECTIONS);
    for (size_t at = 32; at < HEADER_SIZE; at++)
        if (r->data[at] != 0)
            return DAMAGED(r, "%s: damaged: reserved header bytes are not zero", r->name);
    uint64_t end = HEADER_SIZE + (uint64_t)N_SECTIONS * ENTRY_SIZE;
    if (r->size < end)
        return DAMAGED(r, "%s: damaged: no room for the section table", r->name);
    for (uint32_t id = 1; id <= N_SECTIONS; id++) {
        size_t at = HEADER_SIZE + (size_t)(id - 1) * ENTRY_SIZE;
        uint64_t offset = read_u64(r, at + 8), size = read_u64(r, at + 16);
        if (read_u32(r, at) != id || read_u32(r, at + 4) != 0)
            return DAMAGED(r, "%s: damaged: section table entry %u", r->name, id);
        if (offset % ALIGNMENT != 0 || offset < end || offset > r->size ||
            size > r->size - offset)
            return DAMAGED(r, "%s: damaged: section %s (offset %llu, %llu bytes) outside the "
                              "file of %llu bytes", r->name, section_name[id],
                           (unsigned long long)offset, (unsigned long long)size,
                           (unsigned long long)r->size);
        r->sec[id] = (section){r->data + offset, offset, size};
        end = offset + size;
    }
    if (end != r->size)
        return DAMAGED(r, "%s: damaged: %llu bytes after the last section", r->name,
                       (unsigned long long)(r->size - end));
    return PC_OK;
}

/* Section `id` must hold `count` items of `item` bytes. */
static pc_status check_size(reader *r, int id, uint64_t count, uint64_t item)
{
    if (count > r->size / item || r->sec[id].size != count * item)
        return DAMAGED(r, "%s: damaged: section %s holds %llu bytes, not %llu × %llu", r->name,
                       section_name[id], (unsigned long long)r->sec[id].size,
                       (unsigned long long)count, (unsigned long long)item);
    return PC_OK;
}

/* The meta fields in their ranges; the fixed-size sections' sizes. */
static pc_status check_meta(reader *r)
{
    pc_status status = check_size(r, S_META, META_FIELDS, 8);
    if (status != PC_OK)
        return status;
    const int64_t *m = r->meta = r->sec[S_META].data;
    if (m[M_N_DOCS] < 1 || m[M_N_DOCS] >= INT32_MAX || m[M_N_TERMS] < 1 ||
        m[M_N_TERMS] >= INT32_MAX || m[M_K] < 1 || m[M_K] > m[M_N_DOCS] || m[M_NNZ] < 0 ||
        m[M_N_STOP] < 0 || m[M_N_STOP] >= INT32_MAX)
        return DAMAGED(r, "%s: damaged: counts out of range (papers %lld, terms %lld, k %lld)",
                       r->name, (long long)m[M_N_DOCS], (long long)m[M_N_TERMS],
                       (long long)m[M_K]);
    if ((m[M_NGRAM_MAX] != 1 && m[M_NGRAM_MAX] != 2) || m[M_MIN_TOKEN_LEN] < 1 ||
        m[M_MIN_TOKEN_LEN] > 1000000)
        return DAMAGED(r, "%s: damaged: tokenizer options out of range", r->name);
    for (int f = M_STRIP_MARKUP; f <= M_NORMALIZE; f++)
        if (m[f] != 0 && m[f] != 1)
            return DAMAGED(r, "%s: damaged: a yes/no option holds %lld", r->name,
                           (long long)m[f]);
    if (m[M_METHOD] != PC_METHOD_KMEANS && m[M_METHOD] != PC_METHOD_BISECT)
        return DAMAGED(r, "%s: damaged: clustering method %lld", r->name,
                       (long long)m[M_METHOD]);
    for (int f = M_METHOD + 1; f < META_FIELDS; f++)
        if (m[f] != 0)
            return DAMAGED(r, "%s: damaged: reserved meta fields are not zero", r->name);
    const uint64_t n = (uint64_t)m[M_N_DOCS], terms = (uint64_t)m[M_N_TERMS],
                   k = (uint64_t)m[M_K], nnz = (uint64_t)m[M_NNZ];
    const uint64_t splits = m[M_METHOD] == PC_METHOD_BISECT ? 2 * (k - 1) : 0;
    const struct { int id; uint64_t count, item; } sizes[] = {
        {S_TERM_OFFSETS, terms + 1, 8}, {S_DF, terms, 4}, {S_IDF, terms, 8},
        {S_STOP_OFFSETS, (uint64_t)m[M_N_STOP] + 1, 8}, {S_SIZES, k, 8}, {S_ORIGINS, k, 4},
        {S_LABEL_OFFSETS, k + 1, 8}, {S_ROW_PTR, n + 1, 8}, {S_COL, nnz, 4}, {S_VAL, nnz, 4},
        {S_ID_OFFSETS, n + 1, 8}, {S_SPLIT_CHILDREN, splits, 4}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && status == PC_OK; i++)
        status = check_size(r, sizes[i].id, sizes[i].count, sizes[i].item);
    if (status == PC_OK && k > r->size / terms)
        return DAMAGED(r, "%s: damaged: %llu centroids of %llu terms", r->name,
                       (unsigned long long)k, (unsigned long long)terms);
    if (status == PC_OK)
        status = check_size(r, S_CENTROIDS, k * terms, 4);
    if (status == PC_OK) /* k * terms fits in the file, so 2 (k - 1) * terms in a u64 */
        status = check_size(r, S_SPLIT_CENTROIDS, splits * terms, 4);
    return status;
}

/*
 * A list of n strings (offsets, bytes sections; see model.h); with
 * `sorted`, strictly increasing in byte order; with `nonempty`, none "".
 * On PC_OK, when ptrs is given, *ptrs is a new array of the n strings.
 */
static pc_status check_strings(reader *r, int offsets_id, uint64_t n, int sorted, int nonempty,
                               char ***ptrs)
{
    const uint64_t *off = r->sec[offsets_id].data;
    const char *bytes = r->sec[offsets_id + 1].data;
    const char *what = section_name[offsets_id + 1];
    if (off[0] != 0 || off[n] != r->sec[offsets_id + 1].size)
        return DAMAGED(r, "%s: damaged: section %s does not match its offsets", r->name, what);
    for (uint64_t i = 0; i < n; i++) {
        if (off[i + 1] <= off[i] || off[i + 1] > off[n])
            return DAMAGED(r, "%s: damaged: %s: offset %llu out of order", r->name, what,
                           (unsigned long long)i + 1);
        const char *s = bytes + off[i];
        size_t len = (size_t)(off[i + 1] - off[i]) - 1;
        if (s[len] != '\0' || memchr(s, '\0', len) != NULL)
            return DAMAGED(r, "%s: damaged: %s: string %llu is not terminated where its offsets "
                              "say", r->name, what, (unsigned long long)i);
        for (size_t p = 0, bad = 0; p < len;) {
            size_t step = pc_utf8_sequence((const unsigned char *)s + p, len - p, &bad);
            if (step == 0)
                return DAMAGED(r, "%s: damaged: %s: string %llu is not valid UTF-8", r->name,
                               what, (unsigned long long)i);
            p += step;
        }
        if ((nonempty && len == 0) || (sorted && i > 0 && strcmp(bytes + off[i - 1], s) >= 0))
            return DAMAGED(r, "%s: damaged: %s: string %llu is %s", r->name, what,
                           (unsigned long long)i, len == 0 ? "empty" : "out of order");
    }
    if (!ptrs)
        return PC_OK;
    *ptrs = pc_malloc_array((size_t)n + 1, sizeof **ptrs);
    if (!*ptrs)
        return pc_fail_nomem(r->err, "reading the model");
    for (uint64_t i = 0; i < n; i++)
        (*ptrs)[i] = (char *)bytes + off[i];
    return PC_OK;
}

/* 1 when all n floats (f32 or f64) are finite and, with positive, > 0. */
static int all_finite(const void *data, uint64_t n, int is_double, int positive)
{
    for (uint64_t i = 0; i < n; i++) {
        double v = is_double ? ((const double *)data)[i] : ((const float *)data)[i];
        if (!isfinite(v) || (positive && !(v > 0.0)))
            return 0;
    }
    return 1;
}

/* The numeric sections: df, idf, centroids, sizes, origins, the CSR rows,
 * the bisection's tree and rules. */
static pc_status check_numbers(reader *r)
{
    const int64_t *m = r->meta;
    const int64_t n = m[M_N_DOCS], terms = m[M_N_TERMS], k = m[M_K], nnz = m[M_NNZ];
    const int32_t *df = r->sec[S_DF].data;
    for (int64_t t = 0; t < terms; t++)
        if (df[t] < 0 || df[t] > n)
            return DAMAGED(r, "%s: damaged: term %lld has df %d", r->name, (long long)t,
                           (int)df[t]);
    if (!all_finite(r->sec[S_IDF].data, (uint64_t)terms, 1, 1))
        return DAMAGED(r, "%s: damaged: an idf is not a positive number", r->name);
    if (!all_finite(r->sec[S_CENTROIDS].data, (uint64_t)(k * terms), 0, 0) ||
        !all_finite(r->sec[S_SPLIT_CENTROIDS].data, r->sec[S_SPLIT_CENTROIDS].size / 4, 0, 0) ||
        !all_finite(r->sec[S_VAL].data, (uint64_t)nnz, 0, 0))
        return DAMAGED(r, "%s: damaged: a weight is not a finite number", r->name);
    if (m[M_METHOD] == PC_METHOD_BISECT) {
        pc_error why;
        pc_status status = pc_tree_check_merges((int32_t)k, r->sec[S_SPLIT_CHILDREN].data, &why);
        if (status != PC_OK)
            return status == PC_ERR_NOMEM
                       ? pc_fail_nomem(r->err, "reading the model")
                       : DAMAGED(r, "%s: damaged: section split_children: %s", r->name,
                                 why.message);
    }
    const int64_t *size = r->sec[S_SIZES].data;
    const int32_t *origin = r->sec[S_ORIGINS].data;
    int64_t total = 0;
    for (int64_t c = 0; c < k; c++) {
        if (size[c] < 0 || size[c] > n || origin[c] < 0 || origin[c] >= k)
            return DAMAGED(r, "%s: damaged: cluster %lld", r->name, (long long)c);
        total += size[c];
        for (int64_t d = 0; d < c; d++) /* k is small: a quadratic check is cheap */
            if (origin[d] == origin[c])
                return DAMAGED(r, "%s: damaged: two clusters share origin %d", r->name,
                               (int)origin[c]);
    }
    if (total != n)
        return DAMAGED(r, "%s: damaged: cluster sizes sum to %lld, not %lld papers", r->name,
                       (long long)total, (long long)n);
    const int64_t *row_ptr = r->sec[S_ROW_PTR].data;
    const int32_t *col = r->sec[S_COL].data;
    if (row_ptr[0] != 0 || row_ptr[n] != nnz)
        return DAMAGED(r, "%s: damaged: row pointers do not span the non-zeros", r->name);
    for (int64_t i = 0; i < n; i++) {
        if (row_ptr[i + 1] < row_ptr[i] || row_ptr[i + 1] > nnz)
            return DAMAGED(r, "%s: damaged: row %lld", r->name, (long long)i);
        for (int64_t p = row_ptr[i]; p < row_ptr[i + 1]; p++)
            if (col[p] < 0 || col[p] >= terms || (p > row_ptr[i] && col[p] <= col[p - 1]))
                return DAMAGED(r, "%s: damaged: row %lld: column %d", r->name, (long long)i,
                               (int)col[p]);
    }
    return PC_OK;
}

/* The strings: checked, and their pointer arrays made. */
static pc_status check_all_strings(reader *r, storage *st)
{
    const int64_t *m = r->meta;
    const section *stem = &r->sec[S_STEM];
    if (stem->size < 1 || stem->size > 64 || ((const char *)stem->data)[stem->size - 1] != '\0' ||
        strlen(stem->data) != stem->size - 1)
        return DAMAGED(r, "%s: damaged: section stem", r->name);
    pc_status status = check_strings(r, S_TERM_OFFSETS, (uint64_t)m[M_N_TERMS], 1, 1, &st->term);
    if (status == PC_OK)
        status = check_strings(r, S_STOP_OFFSETS, (uint64_t)m[M_N_STOP], 0, 0, &st->stop);
    if (status == PC_OK)
        status = check_strings(r, S_LABEL_OFFSETS, (uint64_t)m[M_K], 0, 0, &st->label);
    if (status == PC_OK)
        status = check_strings(r, S_ID_OFFSETS, (uint64_t)m[M_N_DOCS], 0, 1, &st->id);
    return status;
}

/* Fills the model's views of the checked sections; builds its stop list and
 * tries its tokenizer options (a stemming language this build lacks). */
static pc_status make_model(reader *r, storage *st, pc_model *model)
{
    const int64_t *m = r->meta;
    model->n_docs = (int32_t)m[M_N_DOCS];
    model->n_terms = (int32_t)m[M_N_TERMS];
    model->k = (int32_t)m[M_K];
    model->seed = (uint64_t)m[M_SEED];
    model->vocab = (pc_vocab){model->n_terms, model->n_docs, st->term,
                              (int32_t *)r->sec[S_DF].data, NULL, 0, NULL};
    model->idf = r->sec[S_IDF].data;
    pc_tokenize_options_default(&model->tokenize);
    const char *stem = r->sec[S_STEM].data;
    model->tokenize.stem_lang = stem[0] ? stem : NULL;
    model->tokenize.ngram_max = (int)m[M_NGRAM_MAX];
    model->tokenize.min_token_len = (int)m[M_MIN_TOKEN_LEN];
    model->tokenize.strip_markup = (int)m[M_STRIP_MARKUP];
    model->tokenize.sklearn_tokens = (int)m[M_SKLEARN_TOKENS];
    pc_tfidf_options_default(&model->tfidf);
    model->tfidf.sublinear_tf = (int)m[M_SUBLINEAR_TF];
    model->tfidf.smooth_idf = (int)m[M_SMOOTH_IDF];
    model->tfidf.normalize = (int)m[M_NORMALIZE];
    memset(&model->clusters, 0, sizeof model->clusters);
    model->clusters.k = model->k;
    model->clusters.dim = model->n_terms;
    model->clusters.centroid = (float *)r->sec[S_CENTROIDS].data;
    model->clusters.size = (int64_t *)r->sec[S_SIZES].data;
    model->clusters.origin = (int32_t *)r->sec[S_ORIGINS].data;
    model->method = (pc_cluster_method)m[M_METHOD];
    if (model->method == PC_METHOD_BISECT) { /* pc_kmeans_predict descends the tree */
        model->clusters.split_child = (int32_t *)r->sec[S_SPLIT_CHILDREN].data;
        model->clusters.split_centroid = (float *)r->sec[S_SPLIT_CENTROIDS].data;
    }
    model->label = st->label;
    model->rows = (pc_csr){model->n_docs, model->n_terms, m[M_NNZ],
                           (int64_t *)r->sec[S_ROW_PTR].data, (int32_t *)r->sec[S_COL].data,
                           (float *)r->sec[S_VAL].data};
    model->id = st->id;
    pc_status status = pc_stoplist_new_words((int32_t)m[M_N_STOP],
                                             (const char *const *)st->stop, &st->stoplist,
                                             r->err);
    model->tokenize.stoplist = st->stoplist;
    pc_tokenizer *tokenizer = NULL;
    pc_error why;
    if (status == PC_OK && pc_tokenizer_new(&model->tokenize, &tokenizer, &why) != PC_OK)
        status = why.status == PC_ERR_NOMEM
                     ? pc_fail_nomem(r->err, "reading the model")
                     : DAMAGED(r, "%s: its tokenizer cannot be made here: %s", r->name,
                               why.message);
    pc_tokenizer_free(tokenizer);
    return status;
}

static void storage_free(storage *st)
{
    if (!st)
        return;
    if (st->map)
        munmap(st->map, st->map_size);
    free(st->path);
    free(st->term);
    free(st->stop);
    free(st->label);
    free(st->id);
    pc_stoplist_free(st->stoplist);
    free(st);
}

static pc_status read_model(const void *data, size_t size, const char *name, storage *st,
                            pc_model **out, pc_error *err)
{
    *out = NULL;
    reader r;
    memset(&r, 0, sizeof r);
    r.data = data;
    r.size = size;
    r.name = name;
    r.err = err;
    pc_model *model = pc_calloc(1, sizeof *model);
    if (!model) {
        storage_free(st);
        return pc_fail_nomem(err, "reading the model");
    }
    model->storage = st;
    model->path = st->path;
    pc_status status = check_header(&r);
    if (status == PC_OK)
        status = check_table(&r);
    if (status == PC_OK)
        status = check_meta(&r);
    if (status == PC_OK)
        status = check_numbers(&r);
    if (status == PC_OK)
        status = check_all_strings(&r, st);
    if (status == PC_OK)
        status = make_model(&r, st, model);
    if (status != PC_OK) {
        pc_model_free(model);
        return status;
    }
    *out = model;
    return PC_OK;
}

static storage *storage_new(const char *name)
{
    storage *st = pc_calloc(1, sizeof *st);
    if (st && !(st->path = pc_strndup(name, strlen(name)))) {
        free(st);
        st = NULL;
    }
    return st;
}

pc_status pc_model_read_memory(const void *data, size_t size, const char *name, pc_model **out,
                               pc_error *err)
{
    *out = NULL;
    if (((uintptr_t)data % 8) != 0)
        return pc_fail(err, PC_ERR_INVALID, "%s: a model in memory must be aligned to 8 bytes",
                       name);
    storage *st = storage_new(name);
    if (!st)
        return pc_fail_nomem(err, "reading the model");
    return read_model(data, size, st->path, st, out, err);
}

pc_status pc_model_open(const char *path, pc_model **out, pc_error *err)
{
    *out = NULL;
    char file[4096];
    struct stat st_path;
    int is_file = stat(path, &st_path) == 0 && S_ISREG(st_path.st_mode);
    if (snprintf(file, sizeof file, is_file ? "%s" : "%s/" PC_MODEL_FILE, path) >=
        (int)sizeof file)
        return pc_fail(err, PC_ERR_IO, "%s: cannot open the model: %s", path,
                       strerror(ENAMETOOLONG));
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return pc_fail(err, PC_ERR_IO, "%s: cannot open the model: %s%s", file, strerror(e),
                       e == ENOENT ? " (save one with 'paperclust run --save-model DIR')" : "");
    }
    if (!S_ISREG(info.st_mode)) {
        close(fd);
        return pc_fail(err, PC_ERR_IO, "%s: not a regular file", file);
    }
    storage *st = storage_new(file);
    if (!st) {
        close(fd);
        return pc_fail_nomem(err, "reading the model");
    }
    st->map_size = (size_t)info.st_size;
    if (st->map_size > 0) {
        void *map = mmap(NULL, st->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            int e = errno;
            close(fd);
            storage_free(st);
            return e == ENOMEM ? pc_fail_nomem(err, "mapping the model")
                               : pc_fail(err, PC_ERR_IO, "%s: cannot map: %s", file,
                                         strerror(e));
        }
        st->map = map;
    }
    close(fd);
    static const unsigned char nothing[8];
    return read_model(st->map ? st->map : nothing, st->map_size, st->path, st, out, err);
}

void pc_model_free(pc_model *model)
{
    if (!model)
        return;
    storage_free(model->storage);
    free(model);
}
