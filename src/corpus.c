/*
 * corpus.c — ingest: turn CSV, JSON Lines or plain-text blocks into a pc_corpus.
 *
 * Each format reader only finds *records* and, for each, the byte ranges of
 * the wanted fields (id, the text columns, the label); everything else is
 * shared by add_record(): UTF-8 repair (each maximal ill-formed subsequence
 * becomes one U+FFFD, as Unicode §3.9 recommends; NUL becomes a space),
 * joining the text parts with "\n", cutting over-long texts at a character
 * boundary, the "categories" label rule, the duplicate-id check, and copying
 * the strings into the corpus.
 *
 * Columns are resolved once per input against a schema — the CSV header, the
 * keys of the first JSON object, or {title, abstract} for plain text — so the
 * rules for missing columns are the same for every format.  Problems that do
 * not stop reading (ragged rows, empty ids, bad bytes, long texts, duplicate
 * ids) are counted and reported at the end with one warning per kind that
 * names the first line, instead of one warning per row.
 *
 * Strings live in an arena of 1 MiB blocks (a string longer than a quarter
 * block gets a block of its own), so a million documents cost a few hundred
 * allocations rather than three million.  CSV goes through csvio.c (libcsv);
 * JSON Lines and plain text through a small line reader over the chunks of
 * source.c (zlib, which reads plain files as they are and gunzips gzip
 * content).
 *
 * Texts: pc_corpus_read keeps every text.  pc_corpus_read_each hands each
 * text to the caller's function instead (the counting stage tokenizes it
 * there and then) and keeps only what the reports need: ids, labels, dates,
 * the display title (at most PC_TITLE_MAX bytes) and a 64-bit hash of the
 * text for the canonical order.  Reading the input again (pc_corpus_texts)
 * fetches the texts of a few chosen documents later: the same reader, with a
 * function that copies only the wanted records' texts and stores nothing else.
 * Progress is the share of the file's (compressed) bytes consumed.
 *
 * pc_corpus_sort puts the documents into a canonical order (by id, then by
 * the text's hash and everything else read), so that every later stage sees
 * the same arrays whatever the order of the input rows: a qsort of small key
 * records, then one gather per per-document array.  Only pointers move; the
 * strings stay where the arena has them.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csvio_internal.h"
#include "internal.h"
#include "paperclust/corpus.h"
#include "progress_internal.h"
#include "share_internal.h"
#include "source_internal.h"
#include "strmap_internal.h"

#define ARENA_BLOCK ((size_t)1 << 20)
#define MIN_FIELD_BOUND ((size_t)64 << 20)

void pc_read_options_default(pc_read_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->format = PC_FORMAT_AUTO;
    opt->id_col = "id";
    opt->text_cols = "title,abstract";
    opt->label_col = NULL;
    opt->label_optional = 0;
    opt->time_col = NULL;
    opt->max_doc_bytes = (size_t)1 << 20;
}

/* ---- string arena ---------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char bytes[];
} arena_block;

typedef struct corpus_storage {
    arena_block *head;  /* the block being filled; dedicated blocks follow it */
    size_t capacity;    /* of the corpus arrays */
    /* how to read the input again (pc_corpus_texts): a path, or a seekable
     * stream (borrowed) and where it started; the options, strings in the arena */
    const char *path;
    FILE *stream;
    long long stream_start;
    FILE *spool;        /* standard input copied to a temporary file (owned) */
    pc_read_options opt;
    /* read as a share (pc_corpus_read_share): every process's documents, and
     * what the input's schema has, whether or not this share has documents */
    int32_t n_read;
    int has_id, has_label, has_time, title_first;
    int64_t parsed;         /* bytes of input parsed (after gunzip) */
    /* the file rule: what each file of the input held (zeros for the files
     * another process read), and the problems of the whole input */
    pc_file_counts *files;
    int n_files;
    pc_read_tally problem[PC_READ_PROBLEMS];
} corpus_storage;

static char *arena_copy(corpus_storage *store, const char *s, size_t len)
{
    if (len >= SIZE_MAX - sizeof(arena_block))
        return NULL;
    arena_block *b = store->head;
    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > ARENA_BLOCK / 4 ? len + 1 : ARENA_BLOCK;
        arena_block *fresh = pc_malloc(sizeof *fresh + size);
        if (!fresh)
            return NULL;
        fresh->used = 0;
        fresh->size = size;
        if (b && size != ARENA_BLOCK) { /* a big string: keep filling the current block */
            fresh->next = b->next;
            b->next = fresh;
        } else {
            fresh->next = b;
            store->head = fresh;
        }
        b = fresh;
    }
    char *copy = b->bytes + b->used;
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    b->used += len + 1;
    return copy;
}

static void arena_free(corpus_storage *store)
{
    if (!store)
        return;
    free(store->files);
    arena_block *b = store->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(store);
}

void pc_corpus_free(pc_corpus *corpus)
{
    if (!corpus)
        return;
    corpus_storage *store = corpus->storage;
    if (store && store->spool)
        fclose(store->spool);
    arena_free(store);
    free(corpus->id);
    free(corpus->text);
    free(corpus->title);
    free(corpus->text_hash);
    free(corpus->title_len);
    free(corpus->label);
    free(corpus->time);
    free(corpus->line);
    free(corpus->input_index);
    free(corpus);
}

/* ---- growable byte buffer -------------------------------------------- */

typedef struct buffer {
    char *data;
    size_t len, cap;
} buffer;

/* Room for `more` bytes after b->len, and a NUL after them. */
static int buffer_reserve(buffer *b, size_t more)
{
    return more < SIZE_MAX ? pc_reserve_bytes(&b->data, &b->cap, b->len, more + 1) : -1;
}

static int buffer_append(buffer *b, const char *s, size_t len)
{
    if (buffer_reserve(b, len) != 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

/* ---- UTF-8 repair ---------------------------------------------------- */

enum { FLAG_BAD_UTF8 = 1, FLAG_NUL = 2, FLAG_CUT = 4 };

/* Appends s to b as valid UTF-8 without NUL bytes; sets FLAG_* in *flags. */
static int append_clean(buffer *b, const char *s, size_t len, unsigned *flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t run = i, bad = 0, step;
        while (run < len && u[run] != 0 &&
               (step = pc_utf8_sequence(u + run, len - run, &bad)) > 0)
            run += step;
        if (buffer_append(b, s + i, run - i) != 0)
            return -1;
        i = run;
        if (i == len)
            break;
        if (u[i] == 0) {
            *flags |= FLAG_NUL;
            bad = 1;
            if (buffer_append(b, " ", 1) != 0)
                return -1;
        } else {
            *flags |= FLAG_BAD_UTF8;
            if (buffer_append(b, "\xEF\xBF\xBD", 3) != 0)
                return -1;
        }
        i += bad;
    }
    return 0;
}

/* ---- the ingest state shared by the format readers ------------------- */

/* Problems that do not stop reading, counted per kind (pc_read_tally: how
 * many, the first one's line); ids_seen finds the duplicates. */
typedef pc_read_tally tally;
enum { RAGGED, EMPTY_ID, BAD_UTF8, NUL_BYTES, CUT, DUPLICATE };

typedef struct field {
    const char *data;
    size_t len;
} field;

/* Where each record goes besides the corpus arrays (pc_corpus_read_each). */
typedef struct record_sink {
    pc_text_fn fn;
    void *ctx;
    int store_nothing;           /* 1: only count the records (reading texts again) */
    int (*wants)(void *ctx, int32_t doc); /* NULL, or 0 for records fn need not see */
    int shares;    /* 0: keep every document; else keep those whose number is share modulo
                      shares (pc_corpus_read_share) */
    int share;
    int check_all; /* with shares: check every document (warnings as for the whole input) */
    int by_file;   /* with shares: read files share, share + shares, ... and keep all their
                      documents (the file rule: read_own_files) */
} record_sink;

typedef struct ingest {
    const char *name;            /* for messages */
    const record_sink *sink;     /* NULL: keep the texts */
    struct pc_source *src;       /* the bytes being read, for progress */
    pc_progress progress;
    const char *unit;            /* "row", "line", "block" */
    const pc_monitor *mon;
    size_t max_doc_bytes;
    size_t field_bound;
    pc_corpus *corpus;
    corpus_storage *store;

    /* wanted columns, and whether / where the schema has them */
    char *names;                 /* copy of text_cols, split in place */
    const char **text_name;
    size_t n_text;
    const char *id_name;
    const char *label_name;
    const char *time_name;       /* the date column, NULL for none */
    int has_id, has_label, has_time, categories;
    size_t id_col, label_col, time_col, *text_col;

    /* the record being added, filled by a format reader */
    field id, label, time, *text;
    unsigned flags;
    long n_records;              /* records seen, skipped ones included */
    buffer id_buf, text_buf, label_buf, time_buf, line_buf, json_buf;
    buffer *column_buf;          /* n_text + 3 scratch buffers for JSON values */
    int title_first;             /* the first text column is "title": record its length */
    int32_t n_read;              /* with a share: documents read, every share's counted */
    int32_t doc;                 /* with a share: the number of the document being added */
    int64_t lines, parsed;       /* of the file just read (file_done), and in all */
    size_t title_len;            /* of the record being added */

    pc_strmap *ids_seen;
    tally problem[PC_READ_PROBLEMS];
} ingest;

static void count(tally *t, int64_t line)
{
    if (t->count++ == 0)
        t->first_line = line;
}

static pc_status nomem(const ingest *c, int64_t line, pc_error *err)
{
    return pc_fail(err, PC_ERR_NOMEM, "%s:%lld: out of memory while reading", c->name,
                   (long long)line);
}

/* Splits text_cols at commas into trimmed, non-empty names. */
static pc_status split_text_names(ingest *c, const char *list, pc_error *err)
{
    size_t len = strlen(list), n = 1;
    for (size_t i = 0; i < len; i++)
        n += list[i] == ',';
    c->names = pc_strndup(list, len);
    c->text_name = pc_malloc_array(n, sizeof *c->text_name);
    c->text_col = pc_malloc_array(n, sizeof *c->text_col);
    c->text = pc_calloc(n, sizeof *c->text);
    c->column_buf = pc_calloc(n + 3, sizeof *c->column_buf); /* id, label, texts, time */
    if (!c->names || !c->text_name || !c->text_col || !c->text || !c->column_buf)
        return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", c->name);
    for (char *part = c->names, *end; part; part = end) {
        end = strchr(part, ',');
        if (end)
            *end++ = '\0';
        while (*part == ' ' || *part == '\t')
            part++;
        size_t plen = strlen(part);
        while (plen && (part[plen - 1] == ' ' || part[plen - 1] == '\t'))
            part[--plen] = '\0';
        if (plen)
            c->text_name[c->n_text++] = part;
    }
    c->title_first = c->n_text > 0 && strcmp(c->text_name[0], "title") == 0;
    if (c->n_text == 0 && list[0] != '\0') { /* "" on purpose: ids and labels only */
        char shown[PC_MESSAGE_NAME_MAX];
        return pc_fail(err, PC_ERR_INVALID, "%s: no text columns given (text_cols \"%s\")",
                       c->name, pc_message_text(shown, sizeof shown, list, len));
    }
    return PC_OK;
}

/* The longest CSV field or JSON line accepted: 4 × max_doc_bytes, at least
 * 64 MiB (0: unbounded).  It stops a runaway quoted field, not long texts. */
static size_t field_bound(size_t max_doc_bytes)
{
    if (max_doc_bytes == 0 || max_doc_bytes > SIZE_MAX / 4)
        return 0;
    return 4 * max_doc_bytes > MIN_FIELD_BOUND ? 4 * max_doc_bytes : MIN_FIELD_BOUND;
}

static pc_status ingest_init(ingest *c, const char *name, const pc_read_options *opt,
                             const pc_monitor *mon, pc_error *err)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->unit = "row";
    c->mon = mon;
    c->max_doc_bytes = opt->max_doc_bytes;
    c->field_bound = field_bound(opt->max_doc_bytes);
    c->id_name = opt->id_col && opt->id_col[0] ? opt->id_col : "id";
    c->label_name = opt->label_col && opt->label_col[0] ? opt->label_col : NULL;
    c->categories = c->label_name && strcmp(c->label_name, "categories") == 0;
    c->time_name = opt->time_col && opt->time_col[0] ? opt->time_col : NULL;
    c->corpus = pc_calloc(1, sizeof *c->corpus);
    if (!c->corpus)
        return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", name);
    c->store = pc_calloc(1, sizeof *c->store);
    c->corpus->storage = c->store; /* owned by the corpus from here on */
    c->ids_seen = pc_strmap_new();
    if (!c->store || !c->ids_seen)
        return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", name);
    c->corpus->source = arena_copy(c->store, name, strlen(name));
    if (!c->corpus->source)
        return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", name);
    return split_text_names(c, opt->text_cols ? opt->text_cols : "title,abstract", err);
}

/* Frees the scratch state; the corpus too unless it was handed out. */
static void ingest_free(ingest *c)
{
    free(c->names);
    free(c->text_name);
    free(c->text_col);
    free(c->text);
    if (c->column_buf)
        for (size_t i = 0; i < c->n_text + 3; i++)
            free(c->column_buf[i].data);
    free(c->column_buf);
    free(c->id_buf.data);
    free(c->text_buf.data);
    free(c->label_buf.data);
    free(c->time_buf.data);
    free(c->line_buf.data);
    free(c->json_buf.data);
    pc_strmap_free(c->ids_seen);
    pc_corpus_free(c->corpus);
}

/* ---- column resolution ----------------------------------------------- */

static int find_column(const char *const *schema, size_t n, const char *name, size_t *at)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(schema[i], name) == 0) {
            *at = i;
            return 1;
        }
    }
    return 0;
}

/* "FILE:LINE:" or, when line is 0, "FILE:". */
static void locate(char *out, size_t cap, const char *name, int64_t line)
{
    if (line > 0)
        snprintf(out, cap, "%s:%lld:", name, (long long)line);
    else
        snprintf(out, cap, "%s:", name);
}

/* "a, b, c" (cut with "..." when long), for messages about missing columns;
 * each name as pc_message_text shows it, so the message stays one line. */
static void list_columns(char *out, size_t cap, const char *const *schema, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char name[PC_MESSAGE_NAME_MAX];
        pc_message_text(name, sizeof name, schema[i], strlen(schema[i]));
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", name);
        /* keep room for ", ..." after every name but the last */
        if (w < 0 || (size_t)w + (i + 1 < n ? 5 : 0) >= cap - used) {
            snprintf(out + used, cap - used, "%s...", i ? ", " : "");
            return;
        }
        used += (size_t)w;
    }
}

static pc_status missing(const ingest *c, const char *what, const char *column,
                         const char *const *schema, size_t n, int64_t line, pc_error *err)
{
    char where[256], have[256], wanted[PC_MESSAGE_NAME_MAX];
    locate(where, sizeof where, c->name, line);
    list_columns(have, sizeof have, schema, n);
    pc_message_text(wanted, sizeof wanted, column, strlen(column));
    return pc_fail(err, PC_ERR_FORMAT, "%s no %s column \"%s\" (the input has: %s)", where, what,
                   wanted, n ? have : "nothing");
}

/*
 * Finds the wanted columns in `schema`.  The default id column may be absent
 * (ids are then record numbers); any other absent id or text column is an
 * error, and so is an absent label column unless it is optional.
 */
static pc_status resolve_columns(ingest *c, const char *const *schema, size_t n,
                                 int label_optional, int64_t line, pc_error *err)
{
    c->has_id = find_column(schema, n, c->id_name, &c->id_col);
    if (!c->has_id && strcmp(c->id_name, "id") != 0)
        return missing(c, "id", c->id_name, schema, n, line, err);
    for (size_t i = 0; i < c->n_text; i++)
        if (!find_column(schema, n, c->text_name[i], &c->text_col[i]))
            return missing(c, "text", c->text_name[i], schema, n, line, err);
    if (c->label_name) {
        c->has_label = find_column(schema, n, c->label_name, &c->label_col);
        if (!c->has_label && !label_optional)
            return missing(c, "label", c->label_name, schema, n, line, err);
    }
    if (c->time_name) {
        c->has_time = find_column(schema, n, c->time_name, &c->time_col);
        if (!c->has_time)
            return missing(c, "date", c->time_name, schema, n, line, err);
    }
    return PC_OK; /* the label and date arrays are allocated with the others, in grow_arrays */
}

/* ---- adding one record ----------------------------------------------- */

/* Cuts text_buf to max_doc_bytes, backing up to a character boundary. */
static void cut_text(ingest *c)
{
    buffer *t = &c->text_buf;
    if (!c->max_doc_bytes || t->len <= c->max_doc_bytes)
        return;
    size_t at = c->max_doc_bytes;
    while (at > 0 && ((unsigned char)t->data[at] & 0xC0) == 0x80)
        at--;
    t->len = at;
    t->data[at] = '\0';
    c->flags |= FLAG_CUT;
}

static int build_text(ingest *c)
{
    c->text_buf.len = 0;
    if (buffer_reserve(&c->text_buf, 0) != 0)
        return -1;
    c->text_buf.data[0] = '\0';
    c->title_len = 0;
    for (size_t i = 0; i < c->n_text; i++) {
        if (c->text[i].len == 0)
            continue;
        if (c->text_buf.len && buffer_append(&c->text_buf, "\n", 1) != 0)
            return -1;
        if (append_clean(&c->text_buf, c->text[i].data, c->text[i].len, &c->flags) != 0)
            return -1;
        if (i == 0 && c->title_first) /* the title: the cleaned first column */
            c->title_len = c->text_buf.len;
    }
    cut_text(c);
    if (c->title_len > c->text_buf.len)
        c->title_len = c->text_buf.len;
    return 0;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* The label, or for a "categories" column its first category ("cs.LG stat.ML" → "cs.LG"). */
static int build_label(ingest *c)
{
    buffer *b = &c->label_buf;
    b->len = 0;
    if (buffer_reserve(b, 0) != 0 || append_clean(b, c->label.data, c->label.len, &c->flags) != 0)
        return -1;
    if (c->categories) {
        size_t start = 0, end;
        while (start < b->len && is_blank(b->data[start]))
            start++;
        end = start;
        while (end < b->len && !is_blank(b->data[end]))
            end++;
        memmove(b->data, b->data + start, end - start);
        b->len = end - start;
        b->data[b->len] = '\0';
    }
    return 0;
}

/* The date, as written (repaired like every field). */
static int build_time(ingest *c)
{
    c->time_buf.len = 0;
    return buffer_reserve(&c->time_buf, 0) != 0 ||
                   append_clean(&c->time_buf, c->time.data, c->time.len, &c->flags) != 0
               ? -1
               : 0;
}

static int grow_arrays(ingest *c)
{
    pc_corpus *k = c->corpus;
    size_t cap = c->store->capacity ? 2 * c->store->capacity : 1024;
    char **id = pc_realloc_array(k->id, cap, sizeof *id);
    if (!id)
        return -1;
    k->id = id;
    if (!c->sink) {
        char **text = pc_realloc_array(k->text, cap, sizeof *text);
        if (!text)
            return -1;
        k->text = text;
    } else {
        char **title = pc_realloc_array(k->title, cap, sizeof *title);
        if (!title)
            return -1;
        k->title = title;
    }
    uint64_t *hash = pc_realloc_array(k->text_hash, cap, sizeof *hash);
    if (!hash)
        return -1;
    k->text_hash = hash;
    int64_t *line = pc_realloc_array(k->line, cap, sizeof *line);
    if (!line)
        return -1;
    k->line = line;
    if (c->has_label) {
        char **label = pc_realloc_array(k->label, cap, sizeof *label);
        if (!label)
            return -1;
        k->label = label;
    }
    if (c->has_time) {
        char **time = pc_realloc_array(k->time, cap, sizeof *time);
        if (!time)
            return -1;
        k->time = time;
    }
    if (c->title_first) {
        int32_t *title_len = pc_realloc_array(k->title_len, cap, sizeof *title_len);
        if (!title_len)
            return -1;
        k->title_len = title_len;
    }
    if (c->sink && c->sink->shares) {
        int32_t *input = pc_realloc_array(k->input_index, cap, sizeof *input);
        if (!input)
            return -1;
        k->input_index = input;
    }
    c->store->capacity = cap;
    return 0;
}

/* 64-bit FNV-1a: the canonical order's stand-in for the text (see corpus.h). */
static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t make_title(const char *text, size_t len, int have_len, char *out, size_t cap);

/* Stores the record; a sink sees the text first.  PC_ERR_NOMEM, or the sink's failure. */
static pc_status append_document(ingest *c, int64_t line, pc_error *err)
{
    pc_corpus *k = c->corpus;
    size_t n = (size_t)k->n_docs;
    if (c->sink) {
        pc_status status = !c->sink->fn ? PC_OK
                                        : c->sink->fn(c->sink->ctx, k->n_docs, c->id_buf.data,
                                                      c->text_buf.data, c->text_buf.len, err);
        if (status != PC_OK || c->sink->store_nothing) {
            k->n_docs += status == PC_OK;
            return status;
        }
    }
    if (n == c->store->capacity && grow_arrays(c) != 0)
        return nomem(c, line, err);
    k->id[n] = arena_copy(c->store, c->id_buf.data, c->id_buf.len);
    if (!k->id[n])
        return nomem(c, line, err);
    k->text_hash[n] = text_hash(c->text_buf.data, c->text_buf.len);
    if (!c->sink) {
        k->text[n] = arena_copy(c->store, c->text_buf.data, c->text_buf.len);
        if (!k->text[n])
            return nomem(c, line, err);
    } else {
        char title[PC_TITLE_MAX];
        size_t len = make_title(c->text_buf.data, c->title_first ? c->title_len : 0,
                                c->title_first, title, sizeof title);
        if (!(k->title[n] = arena_copy(c->store, title, len)))
            return nomem(c, line, err);
    }
    if (c->has_label) {
        k->label[n] = arena_copy(c->store, c->label_buf.data, c->label_buf.len);
        if (!k->label[n])
            return nomem(c, line, err);
    }
    if (c->has_time) {
        k->time[n] = arena_copy(c->store, c->time_buf.data, c->time_buf.len);
        if (!k->time[n])
            return nomem(c, line, err);
    }
    if (c->title_first)
        k->title_len[n] = (int32_t)(c->title_len < INT32_MAX ? c->title_len : INT32_MAX);
    k->line[n] = line;
    if (c->sink && c->sink->shares)
        k->input_index[n] = c->doc;
    k->n_docs++;
    return PC_OK;
}

/* Reports the share of the input read, every 256 records (always when `now`). */
static void report_reading(ingest *c, int now)
{
    if (!c->src || (!now && (c->n_records & 255) != 0) || !c->progress.mon)
        return;
    double total, done = pc_source_done(c->src, &total);
    if (total > 0.0) {
        c->progress.total = total;
        pc_progress_update(&c->progress, done < total ? done : total);
    }
}

/* The end of a file (or of the shards read as one): its size for progress,
 * its lines and the bytes parsed. */
static void file_done(ingest *c)
{
    int64_t bytes = 0;
    report_reading(c, 1); /* the file's size, also when it is short */
    c->lines = pc_source_lines(c->src, &bytes);
    c->parsed += bytes;
}

/* The id: the id field repaired, or the record number. */
static int build_id(ingest *c)
{
    c->id_buf.len = 0;
    if (c->has_id)
        return append_clean(&c->id_buf, c->id.data, c->id.len, &c->flags);
    char number[32];
    int w = snprintf(number, sizeof number, "%ld", c->n_records);
    return buffer_append(&c->id_buf, number, (size_t)w);
}

static void count_flags(ingest *c, int64_t line)
{
    if (c->flags & FLAG_BAD_UTF8)
        count(&c->problem[BAD_UTF8], line);
    if (c->flags & FLAG_NUL)
        count(&c->problem[NUL_BYTES], line);
    if (c->flags & FLAG_CUT)
        count(&c->problem[CUT], line);
}

/* Adds the record in c->id / c->text / c->label (starting at `line`). */
static pc_status add_record(ingest *c, int64_t line, pc_error *err)
{
    pc_status status = PC_OK;
    int inserted = 0, skip = 0;
    const record_sink *sink = c->sink;
    report_reading(c, 0);
    if (pc_cancelled(c->mon)) {
        status = pc_fail(err, PC_ERR_INTERRUPTED, "%s:%lld: interrupted", c->name,
                         (long long)line);
        goto done;
    }
    if ((sink && sink->shares ? c->n_read : c->corpus->n_docs) == INT32_MAX) {
        status = pc_fail(err, PC_ERR_INVALID, "%s:%lld: more than %ld documents", c->name,
                         (long long)line, (long)INT32_MAX);
        goto done;
    }
    if (build_id(c) != 0)
        goto fail;
    if (c->id_buf.len == 0) {
        count(&c->problem[EMPTY_ID], line);
        goto done;
    }
    if (sink && sink->wants && !sink->wants(sink->ctx, c->corpus->n_docs)) {
        c->corpus->n_docs++; /* reading again: a record not asked for costs only its id */
        goto done;
    }
    if (sink && sink->shares) { /* another share's document costs only its id */
        c->doc = c->n_read++;
        skip = !sink->by_file && c->doc % sink->shares != sink->share;
        if (skip && !sink->check_all)
            goto done;
    }
    if (build_text(c) != 0 || (c->has_label && build_label(c) != 0) ||
        (c->has_time && build_time(c) != 0))
        goto fail;
    if (!sink || !(sink->store_nothing || sink->by_file)) { /* by file: pc_corpus_share_warn */
        if (pc_strmap_intern(c->ids_seen, c->id_buf.data, c->id_buf.len, &inserted) < 0)
            goto fail;
        if (!inserted)
            count(&c->problem[DUPLICATE], line);
    }
    count_flags(c, line);
    status = skip ? PC_OK : append_document(c, line, err);
done:
    c->flags = 0;
    return status;

fail:
    c->flags = 0;
    return nomem(c, line, err);
}

/* ---- CSV ------------------------------------------------------------- */

static pc_status no_header(const char *name, pc_error *err)
{
    return pc_fail(err, PC_ERR_EMPTY, "%s: empty file: no header row", name);
}

static pc_status csv_header(ingest *c, pc_csv_reader *r, const pc_read_options *opt,
                            size_t *n_columns, pc_error *err)
{
    char **fields;
    size_t *lengths, n;
    int64_t line;
    pc_status status = pc_csv_read_row(r, &fields, &lengths, &n, &line, err);
    if (status != PC_OK)
        return status;
    if (n == 0)
        return no_header(c->name, err);
    *n_columns = n;
    return resolve_columns(c, (const char *const *)fields, n, opt->label_optional, line, err);
}

static void csv_pick(ingest *c, char **fields, const size_t *lengths)
{
    if (c->has_id)
        c->id = (field){fields[c->id_col], lengths[c->id_col]};
    for (size_t i = 0; i < c->n_text; i++)
        c->text[i] = (field){fields[c->text_col[i]], lengths[c->text_col[i]]};
    if (c->has_label)
        c->label = (field){fields[c->label_col], lengths[c->label_col]};
    if (c->has_time)
        c->time = (field){fields[c->time_col], lengths[c->time_col]};
}

static pc_status read_csv(ingest *c, const char *path, FILE *stream,
                          const pc_read_options *opt, pc_error *err)
{
    pc_csv_reader *r = NULL;
    pc_source *source = NULL;
    size_t n_columns = 0;
    pc_status status = stream
        ? pc_csv_reader_open_stream(stream, c->name, c->field_bound, &r, err)
        : pc_source_open_shards(path, opt->more_inputs, opt->n_more_inputs, 1, &source, err);
    if (status == PC_OK && !stream)
        status = pc_csv_reader_open_source(source, c->field_bound, &r, err);
    if (status != PC_OK)
        goto fail;
    c->src = pc_csv_reader_source(r);
    status = csv_header(c, r, opt, &n_columns, err);
    if (status != PC_OK)
        goto fail;
    for (;;) {
        char **fields;
        size_t *lengths, n;
        int64_t line;
        status = pc_csv_read_row(r, &fields, &lengths, &n, &line, err);
        if (status != PC_OK || n == 0)
            break;
        c->n_records++;
        if (n != n_columns) {
            count(&c->problem[RAGGED], line);
            continue;
        }
        csv_pick(c, fields, lengths);
        status = add_record(c, line, err);
        if (status != PC_OK)
            break;
    }
    if (status == PC_OK)
        file_done(c);
fail:
    pc_csv_reader_close(r);
    return status;
}

/* ---- lines over zlib (JSON Lines and plain text) --------------------- */

typedef struct line_reader {
    pc_source *source;
    const char *name;
    const unsigned char *chunk; /* the source's bytes; chunk[pos, len) not yet split */
    size_t len, pos;
    int eof;
    size_t bound;       /* longest line accepted; 0: no bound */
    int64_t line_no;    /* number of the line last returned */
} line_reader;

static pc_status line_open(line_reader *lr, const char *path, FILE *stream, const ingest *c,
                           const pc_read_options *opt, pc_error *err)
{
    memset(lr, 0, sizeof *lr);
    lr->name = c->name;
    lr->bound = c->field_bound;
    return stream ? pc_source_open_stream(stream, c->name, &lr->source, err)
                  : pc_source_open_shards(path, opt->more_inputs, opt->n_more_inputs, 0,
                                          &lr->source, err);
}

static void line_close(line_reader *lr)
{
    pc_source_close(lr->source);
}

static pc_status line_refill(line_reader *lr, pc_error *err)
{
    pc_status status = pc_source_read(lr->source, lr->line_no + 1, &lr->chunk, &lr->len, err);
    if (status != PC_OK)
        return status;
    lr->pos = 0;
    lr->eof = lr->len == 0;
    return PC_OK;
}

/*
 * Reads the next line into `out` (without its LF or CR LF; a BOM on line 1
 * is dropped).  *got is 0 at end of input.
 */
static pc_status line_next(line_reader *lr, buffer *out, int *got, pc_error *err)
{
    int any = 0;
    out->len = 0;
    *got = 0;
    for (;;) {
        if (lr->pos == lr->len) {
            pc_status status = lr->eof ? PC_OK : line_refill(lr, err);
            if (status != PC_OK)
                return status;
            if (lr->eof)
                break;
            continue;
        }
        const unsigned char *start = lr->chunk + lr->pos;
        const unsigned char *nl = memchr(start, '\n', lr->len - lr->pos);
        size_t take = nl ? (size_t)(nl - start) : lr->len - lr->pos;
        if (lr->bound && out->len + take > lr->bound)
            return pc_fail(err, PC_ERR_FORMAT, "%s:%lld: line longer than %zu bytes", lr->name,
                           (long long)lr->line_no + 1, lr->bound);
        if (buffer_append(out, (const char *)start, take) != 0)
            return pc_fail(err, PC_ERR_NOMEM, "%s:%lld: out of memory while reading", lr->name,
                           (long long)lr->line_no + 1);
        lr->pos += take + (nl != NULL);
        any = 1;
        if (nl)
            break;
    }
    if (!any)
        return PC_OK;
    *got = 1;
    if (++lr->line_no == 1 && out->len >= 3 && memcmp(out->data, "\xEF\xBB\xBF", 3) == 0) {
        memmove(out->data, out->data + 3, out->len - 3);
        out->len -= 3;
    }
    if (out->len && out->data[out->len - 1] == '\r')
        out->len--;
    out->data[out->len] = '\0';
    return PC_OK;
}

static int blank_line(const buffer *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (!is_blank(b->data[i]))
            return 0;
    return 1;
}

/* ---- JSON Lines ------------------------------------------------------ */

/*
 * Numbers as text.  jansson turns numbers into int64 or double, which loses
 * how they were written (1.50 becomes 1.5, so ids 1501.00010 and 1501.0001
 * collide) and rejects the whole line when an integer needs more than 64 bits
 * or a real overflows a double.  So before a line is parsed, every number
 * where a value stands — after ':' or '[', or after ',' inside an array — is
 * put in quotes, and jansson reads it as the string of its own characters.
 * Only tokens that follow the JSON number grammar (RFC 8259 §6) up to a
 * delimiter are quoted, and never where an object key or a top-level value
 * is expected, so a line that was not valid JSON does not become valid; the
 * bracket stack is exact whenever the line parses, which is all that counts.
 */

#ifdef JSON_PARSER_MAX_DEPTH
#define JSON_MAX_DEPTH JSON_PARSER_MAX_DEPTH /* deeper lines fail to parse anyway */
#else
#define JSON_MAX_DEPTH 2048
#endif

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static size_t skip_digits(const char *s, size_t j, size_t len)
{
    while (j < len && is_digit(s[j]))
        j++;
    return j;
}

/* The end of the JSON number that starts at s[i] and runs to a delimiter
 * (white space, ',', ']', '}' or the end), or i when there is none. */
static size_t json_number_end(const char *s, size_t i, size_t len)
{
    size_t j = i + (s[i] == '-');
    if (j < len && s[j] == '0')
        j++;
    else if (j < len && is_digit(s[j]))
        j = skip_digits(s, j, len);
    else
        return i;
    if (j < len && s[j] == '.') {
        size_t k = skip_digits(s, j + 1, len);
        if (k == j + 1)
            return i;
        j = k;
    }
    if (j < len && (s[j] == 'e' || s[j] == 'E')) {
        size_t from = j + 1 + (j + 1 < len && (s[j + 1] == '+' || s[j + 1] == '-'));
        size_t k = skip_digits(s, from, len);
        if (k == from)
            return i;
        j = k;
    }
    if (j < len && !is_blank(s[j]) && s[j] != ',' && s[j] != ']' && s[j] != '}')
        return i;
    return j;
}

/* A bare token (a literal, or something jansson will reject): to its end. */
static size_t json_word_end(const char *s, size_t j, size_t len)
{
    while (j < len && !is_blank(s[j]) && !strchr(",:[]{}\"", s[j]))
        j++;
    return j;
}

/* Copies the JSON text s[0..len) into out with each number that stands as a
 * value in quotes; returns 0, or -1 when out of memory. */
static int quote_numbers(buffer *out, const char *s, size_t len)
{
    char open[JSON_MAX_DEPTH]; /* the open brackets, innermost last */
    size_t depth = 0;
    char last = 0;             /* the last token outside strings: 0, '"' (any value) or itself */
    out->len = 0;
    if (buffer_reserve(out, len) != 0)
        return -1;
    for (size_t i = 0, j; i < len; i = j) {
        char ch = s[i];
        j = i + 1;
        if (ch == '"') {
            while (j < len && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            j = j < len ? j + 1 : len;
            last = '"';
        } else if (ch == '-' || is_digit(ch)) {
            int in_array = depth > 0 && depth <= JSON_MAX_DEPTH && open[depth - 1] == '[';
            size_t end = json_number_end(s, i, len);
            if (end > i && (last == ':' || last == '[' || (last == ',' && in_array))) {
                if (buffer_append(out, "\"", 1) != 0 || buffer_append(out, s + i, end - i) != 0 ||
                    buffer_append(out, "\"", 1) != 0)
                    return -1;
                j = end;
                last = '"';
                continue;
            }
            j = json_word_end(s, j, len);
            last = '"';
        } else if (ch == '{' || ch == '[') {
            if (depth < JSON_MAX_DEPTH)
                open[depth] = ch;
            depth++;
            last = ch;
        } else if (ch == '}' || ch == ']') {
            depth -= depth > 0;
            last = '"';
        } else if (ch == ':' || ch == ',') {
            last = ch;
        } else if (!is_blank(ch)) {
            j = json_word_end(s, j, len);
            last = '"';
        }
        if (buffer_append(out, s + i, j - i) != 0)
            return -1;
    }
    return 0;
}

/* jansson's column in the quoted line, less the quotes quote_numbers added
 * before the error.  Each added quote stands where the original has a
 * number's first character or the delimiter after it, never a quote, so a
 * walk that matches equal bytes finds exactly the added ones. */
static int unquoted_column(const buffer *original, const buffer *quoted,
                           const json_error_t *jerr)
{
    size_t i = 0, added = 0;
    size_t end = jerr->position > 0 ? (size_t)jerr->position : 0;
    for (size_t j = 0; j < end && j < quoted->len; j++) {
        if (i < original->len && quoted->data[j] == original->data[i])
            i++;
        else
            added++;
    }
    return jerr->column - (int)added;
}

/* Appends a string (numbers are strings by now, see quote_numbers) or a
 * boolean; returns 1 if it did, 0 for other types, -1 on OOM. */
static int append_json_scalar(buffer *b, json_t *v, const char *separator)
{
    const char *s;
    size_t len;
    if (json_is_string(v)) {
        s = json_string_value(v);
        len = json_string_length(v);
    } else if (json_is_boolean(v)) {
        s = json_is_true(v) ? "true" : "false";
        len = strlen(s);
    } else {
        return 0;
    }
    if (b->len && buffer_append(b, separator, strlen(separator)) != 0)
        return -1;
    return buffer_append(b, s, len) == 0 ? 1 : -1;
}

/* A JSON value as text: strings (and numbers) as is, arrays joined by a space. */
static int render_json(buffer *b, json_t *v, field *out)
{
    b->len = 0;
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (append_json_scalar(b, item, " ") < 0)
                return -1;
        }
    } else if (v && append_json_scalar(b, v, "") < 0) {
        return -1;
    }
    *out = (field){b->data ? b->data : "", b->len};
    return 0;
}

static pc_status json_schema(ingest *c, json_t *object, const pc_read_options *opt,
                             int64_t line, pc_error *err)
{
    size_t n = json_object_size(object), i = 0;
    const char **keys = pc_malloc_array(n ? n : 1, sizeof *keys);
    if (!keys)
        return nomem(c, line, err);
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) {
        (void)value;
        keys[i++] = key;
    }
    pc_status status = resolve_columns(c, keys, i, opt->label_optional, line, err);
    free(keys);
    return status;
}

static pc_status json_pick(ingest *c, json_t *object, int64_t line, pc_error *err)
{
    buffer *bufs = c->column_buf;
    int failed = 0;
    if (c->has_id)
        failed |= render_json(&bufs[0], json_object_get(object, c->id_name), &c->id);
    for (size_t i = 0; i < c->n_text; i++)
        failed |= render_json(&bufs[2 + i], json_object_get(object, c->text_name[i]),
                              &c->text[i]);
    if (c->has_label)
        failed |= render_json(&bufs[1], json_object_get(object, c->label_name), &c->label);
    if (c->has_time)
        failed |= render_json(&bufs[2 + c->n_text], json_object_get(object, c->time_name),
                              &c->time);
    return failed ? nomem(c, line, err) : PC_OK;
}

static pc_status json_bad(const ingest *c, const char *text, int64_t line,
                          const json_error_t *jerr, int column, pc_error *err)
{
    if (!jerr)
        return pc_fail(err, PC_ERR_FORMAT, "%s:%lld: not a JSON object%s", c->name,
                       (long long)line,
                       text[0] == '[' ? " (JSON Lines has one object per line)" : "");
    char what[PC_ERROR_MAX]; /* jansson quotes the input near the error */
    pc_message_text(what, sizeof what, jerr->text, strlen(jerr->text));
    return pc_fail(err, PC_ERR_FORMAT, "%s:%lld: invalid JSON: %s (column %d)", c->name,
                   (long long)line, what, column);
}

/* One line: repair bytes, quote numbers, parse, fix the schema on the first
 * object, add. */
static pc_status json_line(ingest *c, const buffer *raw, int64_t line,
                           const pc_read_options *opt, pc_error *err)
{
    buffer *clean = &c->text_buf; /* free until add_record builds the text */
    buffer *quoted = &c->json_buf;
    json_error_t jerr;
    json_t *object = NULL;
    pc_status status = PC_OK;
    clean->len = 0;
    if (append_clean(clean, raw->data, raw->len, &c->flags) != 0 ||
        quote_numbers(quoted, clean->data, clean->len) != 0) {
        status = nomem(c, line, err);
        goto fail;
    }
    object = json_loadb(quoted->data, quoted->len, JSON_ALLOW_NUL, &jerr);
    if (!object || !json_is_object(object)) {
        status = json_bad(c, clean->data, line, object ? NULL : &jerr,
                          object ? 0 : unquoted_column(clean, quoted, &jerr), err);
        goto fail;
    }
    if (c->n_records == 0)
        status = json_schema(c, object, opt, line, err);
    c->n_records++;
    if (status == PC_OK)
        status = json_pick(c, object, line, err);
    if (status == PC_OK)
        status = add_record(c, line, err);
fail:
    json_decref(object);
    c->flags = 0;
    return status;
}

static pc_status read_jsonl(ingest *c, line_reader *lr, const pc_read_options *opt,
                            pc_error *err)
{
    c->unit = "line";
    for (;;) {
        int got;
        pc_status status = line_next(lr, &c->line_buf, &got, err);
        if (status != PC_OK || !got)
            return status;
        if (blank_line(&c->line_buf))
            continue;
        status = json_line(c, &c->line_buf, lr->line_no, opt, err);
        if (status != PC_OK)
            return status;
    }
}

/* ---- plain text ------------------------------------------------------ */

static pc_status text_block(ingest *c, int64_t line, pc_error *err)
{
    const buffer *part = c->column_buf; /* [0] title, [1] abstract, as in the schema */
    c->n_records++;
    for (size_t i = 0; i < c->n_text; i++)
        c->text[i] = (field){part[c->text_col[i]].data, part[c->text_col[i]].len};
    return add_record(c, line, err);
}

static pc_status read_text(ingest *c, line_reader *lr, const pc_read_options *opt,
                           pc_error *err)
{
    static const char *const schema[] = {"title", "abstract"};
    buffer *title = &c->column_buf[0], *abstract = &c->column_buf[1];
    int64_t block_line = 0;
    c->unit = "block";
    pc_status status = resolve_columns(c, schema, 2, opt->label_optional, 0, err);
    while (status == PC_OK) {
        int got;
        status = line_next(lr, &c->line_buf, &got, err);
        if (status != PC_OK)
            break;
        int blank = !got || blank_line(&c->line_buf);
        if (blank && block_line)
            status = text_block(c, block_line, err);
        if (!got)
            break;
        if (blank) {
            block_line = 0;
            continue;
        }
        buffer *to = block_line ? abstract : title;
        if (!block_line) {
            block_line = lr->line_no;
            abstract->len = 0;
            title->len = 0;
        } else if (abstract->len && buffer_append(abstract, "\n", 1) != 0) {
            return nomem(c, lr->line_no, err);
        }
        if (buffer_append(to, c->line_buf.data, c->line_buf.len) != 0)
            return nomem(c, lr->line_no, err);
    }
    return status;
}

/* ---- format choice, warnings, entry points --------------------------- */

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

static pc_format detect_format(const char *name)
{
    size_t len = strlen(name);
    if (ends_with(name, len, ".gz"))
        len -= 3;
    if (ends_with(name, len, ".jsonl") || ends_with(name, len, ".ndjson") ||
        ends_with(name, len, ".json"))
        return PC_FORMAT_JSONL;
    if (ends_with(name, len, ".txt"))
        return PC_FORMAT_TEXT;
    return PC_FORMAT_CSV;
}

static void warn_tally(const pc_monitor *mon, const char *name, const tally *t,
                       const char *what)
{
    if (t->count)
        pc_warn(mon, "%s: %lld %s (first at line %lld)", name, (long long)t->count, what,
                (long long)t->first_line);
}

/* One warning per kind of problem found (t: PC_READ_PROBLEMS tallies), in a
 * fixed order; unit names the records ("row", "line", "block"). */
static void warn_problems(const pc_monitor *mon, const char *name, const char *unit,
                          size_t max_doc_bytes, const tally *t)
{
    char what[160];
    snprintf(what, sizeof what, "%s%s skipped: wrong number of fields", unit,
             t[RAGGED].count == 1 ? "" : "s");
    warn_tally(mon, name, &t[RAGGED], what);
    snprintf(what, sizeof what, "%s%s skipped: empty id", unit,
             t[EMPTY_ID].count == 1 ? "" : "s");
    warn_tally(mon, name, &t[EMPTY_ID], what);
    warn_tally(mon, name, &t[BAD_UTF8], t[BAD_UTF8].count == 1
                                        ? "document with invalid UTF-8 (replaced by U+FFFD)"
                                        : "documents with invalid UTF-8 (replaced by U+FFFD)");
    warn_tally(mon, name, &t[NUL_BYTES],
               t[NUL_BYTES].count == 1 ? "document with NUL bytes (replaced by spaces)"
                                       : "documents with NUL bytes (replaced by spaces)");
    snprintf(what, sizeof what, "text%s longer than %zu bytes cut", t[CUT].count == 1 ? "" : "s",
             max_doc_bytes);
    warn_tally(mon, name, &t[CUT], what);
    warn_tally(mon, name, &t[DUPLICATE],
               t[DUPLICATE].count == 1 ? "duplicate id kept" : "duplicate ids kept");
}

static void report_tallies(const ingest *c)
{
    c->corpus->n_skipped = c->problem[RAGGED].count + c->problem[EMPTY_ID].count;
    warn_problems(c->mon, c->name, c->unit, c->max_doc_bytes, c->problem);
}

static pc_status read_format(ingest *c, pc_format format, const char *path, FILE *stream,
                             const pc_read_options *opt, pc_error *err)
{
    pc_status status;
    if (format == PC_FORMAT_CSV) {
        status = read_csv(c, path, stream, opt, err); /* reports the end itself */
    } else {
        line_reader lr;
        status = line_open(&lr, path, stream, c, opt, err);
        c->src = lr.source;
        if (status == PC_OK)
            status = format == PC_FORMAT_JSONL ? read_jsonl(c, &lr, opt, err)
                                               : read_text(c, &lr, opt, err);
        if (status == PC_OK)
            file_done(c);
        line_close(&lr);
    }
    c->src = NULL; /* closed with its reader */
    return status;
}

/* The input read had no documents in `records` records. */
static pc_status no_documents(const char *name, int64_t records, pc_format format,
                              pc_error *err)
{
    if (records == 0 && format == PC_FORMAT_CSV)
        return pc_fail(err, PC_ERR_EMPTY, "%s: no documents: the file has only a header row",
                       name);
    if (records == 0)
        return pc_fail(err, PC_ERR_EMPTY, "%s: no documents: the input is empty", name);
    return pc_fail(err, PC_ERR_EMPTY, "%s: no documents", name);
}

/* The path of file f of the input (0: path, then opt->more_inputs). */
static const char *input_file(const char *path, const pc_read_options *opt, int f)
{
    return f ? opt->more_inputs[f - 1] : path;
}

/* File f of the input, read as if alone, its counts into c->store->files[f]
 * (its lines and records counted from its own start). */
static pc_status read_one_file(ingest *c, const char *path, const pc_read_options *opt, int f,
                               pc_error *err)
{
    pc_read_options alone = *opt;
    alone.more_inputs = NULL;
    alone.n_more_inputs = 0;
    const int32_t docs = c->n_read;
    memset(c->problem, 0, sizeof c->problem);
    c->n_records = 0; /* ids that are record numbers count from the file's start */
    c->name = input_file(path, opt, f); /* errors name the file and its own line */
    pc_status status = read_csv(c, c->name, NULL, &alone, err);
    c->name = c->corpus->source;
    pc_file_counts *counts = &c->store->files[f];
    counts->lines = c->lines;
    counts->records = c->n_records;
    counts->docs = c->n_read - docs;
    counts->columns = c->has_id | c->has_label << 1 | c->has_time << 2;
    memcpy(counts->problem, c->problem, sizeof c->problem);
    return status;
}

/*
 * The file rule of pc_corpus_read_share: this process's files (share, share
 * + shares, ... of the input) each read as if alone, after its first line
 * was checked against the input's header (the first line of its first file
 * that is not empty, as the concatenation takes it: only that line of it is
 * read); empty files are passed over, as the concatenation does.  What each
 * file held goes to c->store->files, for pc_corpus_share_numbers.
 */
static pc_status read_own_files(ingest *c, const char *path, const pc_read_options *opt,
                                pc_error *err)
{
    const int n = opt->n_more_inputs + 1;
    char *header = NULL, *line = NULL;
    size_t header_len = 0, len = 0;
    int first = -1; /* the file whose first line is the header */
    c->store->files = pc_calloc((size_t)n, sizeof *c->store->files);
    c->store->n_files = n;
    pc_status status = c->store->files ? PC_OK : pc_fail_nomem(err, "reading the shards");
    while (status == PC_OK && header_len == 0 && ++first < n)
        status = pc_source_first_line(input_file(path, opt, first), &header, &header_len, err);
    if (status == PC_OK && header_len && header[header_len - 1] != '\n') {
        char *ended = pc_realloc_array(header, header_len + 1, 1); /* the concatenation ends it */
        status = ended ? PC_OK : pc_fail_nomem(err, "reading the shards");
        header = ended ? ended : header;
        if (ended)
            header[header_len++] = '\n';
    }
    for (int f = c->sink->share; status == PC_OK && f < n; f += c->sink->shares) {
        const char *file = input_file(path, opt, f);
        int empty = 0;
        if (f != first) { /* the header's own file is neither empty nor another header */
            status = pc_source_first_line(file, &line, &len, err);
            empty = len == 0;
            if (status == PC_OK && !empty &&
                (len != header_len || memcmp(line, header, len) != 0))
                status = pc_source_other_header(file, path, err);
            free(line);
            line = NULL;
        }
        if (status == PC_OK && !empty)
            status = read_one_file(c, path, opt, f, err);
    }
    free(header);
    return status;
}

/* An optional label column with nothing in it is no label column at all. */
static void drop_empty_labels(pc_corpus *corpus)
{
    if (!corpus->label)
        return;
    for (int32_t i = 0; i < corpus->n_docs; i++)
        if (corpus->label[i][0])
            return;
    free(corpus->label); /* the strings themselves live in the arena */
    corpus->label = NULL;
}

/* Copies `s` (may be NULL) into the corpus arena; 0, or -1 when out of memory. */
static int keep_string(corpus_storage *store, const char **s)
{
    return !*s || (*s = arena_copy(store, *s, strlen(*s))) ? 0 : -1;
}

/* Remembers how the input was read, for pc_corpus_texts. */
static int remember_input(corpus_storage *store, const char *path, FILE *stream,
                          long long start, const pc_read_options *opt)
{
    store->opt = *opt;
    store->stream = stream;
    store->stream_start = start;
    store->path = path;
    return keep_string(store, &store->path) || keep_string(store, &store->opt.id_col) ||
                   keep_string(store, &store->opt.text_cols) ||
                   keep_string(store, &store->opt.label_col) ||
                   keep_string(store, &store->opt.time_col)
               ? -1
               : 0;
}

static pc_status read_any(const char *path, FILE *stream, const char *name,
                          const pc_read_options *opt, const pc_monitor *mon,
                          const record_sink *sink, pc_corpus **out, pc_error *err)
{
    pc_read_options defaults;
    ingest c;
    if (!opt) {
        pc_read_options_default(&defaults);
        opt = &defaults;
    }
    long long start = stream ? (long long)lseek(fileno(stream), 0, SEEK_CUR) : 0;
    pc_format format = opt->format == PC_FORMAT_AUTO ? detect_format(name) : opt->format;
    pc_status status = ingest_init(&c, name, opt, mon, err);
    if (status != PC_OK)
        goto fail;
    c.sink = sink;
    /* the file's size is known once it is open: progress counts its bytes */
    pc_progress_start(&c.progress, mon, sink && sink->store_nothing ? "read texts" : "read",
                      1.0);
    if (remember_input(c.store, path, stream, start, opt) != 0) {
        status = pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", name);
        goto fail;
    }
    int by_file = sink && sink->by_file;
    status = by_file ? read_own_files(&c, path, opt, err)
                     : read_format(&c, format, path, stream, opt, err);
    if (status != PC_OK)
        goto fail;
    pc_progress_finish(&c.progress);
    if (!by_file) /* else the whole input's, once numbered: pc_corpus_share_warn */
        report_tallies(&c);
    int shared = sink && sink->shares;
    if ((shared ? c.n_read : c.corpus->n_docs) == 0 && !(sink && sink->store_nothing) &&
        !by_file) {
        status = no_documents(c.name, c.n_records, format, err);
        goto fail;
    }
    if (opt->label_optional && !shared) /* a share cannot tell: see pc_corpus_gathered */
        drop_empty_labels(c.corpus);
    c.store->n_read = c.n_read;
    c.store->parsed = c.parsed;
    c.store->has_id = c.has_id;
    c.store->has_label = c.has_label;
    c.store->has_time = c.has_time;
    c.store->title_first = c.title_first;
    *out = c.corpus;
    c.corpus = NULL;
fail:
    ingest_free(&c);
    return status;
}

/* The progress of reading runs from 0 to 1 (the share of the file). */
static pc_status read_path(const char *path, FILE *stream, const char *name,
                           const pc_read_options *opt, const pc_monitor *mon,
                           const record_sink *sink, pc_corpus **out, pc_error *err)
{
    *out = NULL;
    if (path && strcmp(path, "-") == 0)
        name = "<stdin>";
    return read_any(path, stream, name, opt, mon, sink, out, err);
}

pc_status pc_corpus_read(const char *path, const pc_read_options *opt, const pc_monitor *mon,
                         pc_corpus **out, pc_error *err)
{
    return read_path(path, NULL, path, opt, mon, NULL, out, err);
}

pc_status pc_corpus_read_stream(FILE *stream, const char *name, const pc_read_options *opt,
                                const pc_monitor *mon, pc_corpus **out, pc_error *err)
{
    return read_path(NULL, stream, name ? name : "<stream>", opt, mon, NULL, out, err);
}

/* Standard input, copied as it is (gzip or not) into a temporary file that
 * can be read again; NULL with *err filled when that fails. */
static FILE *spool_stdin(pc_error *err)
{
    FILE *spool = tmpfile();
    if (!spool) {
        pc_fail(err, PC_ERR_IO, "<stdin>: cannot make a temporary copy: %s", strerror(errno));
        return NULL;
    }
    char block[1 << 16];
    ssize_t got;
    while ((got = read(STDIN_FILENO, block, sizeof block)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && fwrite(block, 1, (size_t)got, spool) != (size_t)got)
            break;
    if (got != 0 || fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0) {
        pc_fail(err, PC_ERR_IO, "<stdin>: cannot make a temporary copy: %s", strerror(errno));
        fclose(spool);
        return NULL;
    }
    return spool;
}

pc_status pc_corpus_read_each(const char *path, FILE *stream, const char *name,
                              const pc_read_options *opt, const pc_monitor *mon,
                              pc_text_fn fn, void *ctx, pc_corpus **out, pc_error *err)
{
    record_sink sink = {fn, ctx, 0, NULL, 0, 0, 0, 0};
    *out = NULL;
    if (path && strcmp(path, "-") == 0) { /* read again later: keep a copy */
        FILE *spool = spool_stdin(err);
        if (!spool)
            return PC_ERR_IO;
        pc_status status = read_path(NULL, spool, "<stdin>", opt, mon, &sink, out, err);
        if (status == PC_OK)
            ((corpus_storage *)(*out)->storage)->spool = spool;
        else
            fclose(spool);
        return status;
    }
    if (!path && !name)
        name = "<stream>";
    return read_path(path, stream, path ? path : name, opt, mon, &sink, out, err);
}

/* ---- reading chosen texts again ---------------------------------------- */

/* A wanted document: its position in the input and its slot in the answer. */
typedef struct wanted {
    int32_t input;
    int32_t slot;
} wanted;

typedef struct fetch {
    const pc_corpus *corpus;
    const int32_t *docs;
    const wanted *want;   /* sorted by input position */
    int32_t n, next;
    const char **texts;
    corpus_storage *store;
} fetch;

static int by_input(const void *a, const void *b)
{
    const wanted *x = a, *y = b;
    return x->input != y->input ? (x->input > y->input) - (x->input < y->input)
                                : (x->slot > y->slot) - (x->slot < y->slot);
}

static pc_status changed(const pc_corpus *corpus, pc_error *err)
{
    return pc_fail(err, PC_ERR_IO, "%s: the input changed after it was read: cannot read its "
                                   "texts again", corpus->source);
}

static int fetch_wants(void *ctx, int32_t doc)
{
    const fetch *f = ctx;
    return f->next < f->n && f->want[f->next].input == doc;
}

static pc_status fetch_text(void *ctx, int32_t doc, const char *id, const char *text,
                            size_t len, pc_error *err)
{
    fetch *f = ctx;
    for (; f->next < f->n && f->want[f->next].input == doc; f->next++) {
        int32_t slot = f->want[f->next].slot;
        if (doc >= f->corpus->n_docs || strcmp(id, f->corpus->id[f->docs[slot]]) != 0)
            return changed(f->corpus, err);
        if (!(f->texts[slot] = arena_copy(f->store, text, len)))
            return pc_fail_nomem(err, "reading texts again");
    }
    return PC_OK;
}

/* The monitor for reading again: cancellation only, no repeated warnings. */
static pc_status read_again(const pc_corpus *corpus, const pc_monitor *mon, fetch *f,
                            pc_error *err)
{
    const corpus_storage *kept = corpus->storage;
    pc_monitor quiet = {0};
    if (mon) {
        quiet.cancel = mon->cancel;
        quiet.progress = mon->progress;
        quiet.ctx = mon->ctx;
    }
    if (kept->stream && lseek(fileno(kept->stream), (off_t)kept->stream_start, SEEK_SET) < 0)
        return pc_fail(err, PC_ERR_IO, "%s: cannot read its texts again: the stream cannot "
                                       "seek", corpus->source);
    record_sink sink = {fetch_text, f, 1, fetch_wants, 0, 0, 0, 0};
    pc_corpus *again = NULL;
    pc_status status = read_any(kept->path, kept->stream, corpus->source, &kept->opt, &quiet,
                                &sink, &again, err);
    if (status == PC_OK && (again->n_docs != corpus->n_docs || f->next != f->n))
        status = changed(corpus, err);
    pc_corpus_free(again);
    return status;
}

pc_status pc_corpus_texts(const pc_corpus *corpus, int32_t n, const int32_t *docs,
                          const pc_monitor *mon, const char ***texts, void **hold,
                          pc_error *err)
{
    *texts = NULL;
    *hold = NULL;
    const char **out = pc_calloc((size_t)n + 1, sizeof *out);
    if (!out)
        return pc_fail_nomem(err, "reading texts again");
    if (corpus->text) { /* kept: nothing to read */
        for (int32_t j = 0; j < n; j++)
            out[j] = corpus->text[docs[j]];
        *texts = out;
        return PC_OK;
    }
    wanted *want = pc_malloc_array((size_t)n + 1, sizeof *want);
    corpus_storage *store = pc_calloc(1, sizeof *store);
    pc_status status = want && store ? PC_OK : pc_fail_nomem(err, "reading texts again");
    if (status == PC_OK) {
        for (int32_t j = 0; j < n; j++)
            want[j] = (wanted){corpus->input_index ? corpus->input_index[docs[j]] : docs[j], j};
        qsort(want, (size_t)n, sizeof *want, by_input);
        fetch f = {corpus, docs, want, n, 0, out, store};
        status = n > 0 ? read_again(corpus, mon, &f, err) : PC_OK;
    }
    free(want);
    if (status != PC_OK) {
        free(out);
        arena_free(store);
        return status;
    }
    *texts = out;
    *hold = store;
    return PC_OK;
}

void pc_corpus_texts_free(const char **texts, void *hold)
{
    free((void *)texts);
    arena_free(hold);
}

/* ---- canonical order ------------------------------------------------- */

/* What a document is compared by: everything read about it, then where it was read. */
typedef struct sort_key {
    const char *id;
    uint64_t hash;
    const char *label, *time;
    int32_t title_len;
    int32_t input;  /* its position in the input: equal documents keep input order */
    int32_t index;  /* its position before this sort */
} sort_key;

static int compare_ints(int32_t a, int32_t b)
{
    return (a > b) - (a < b);
}

static int compare_keys(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c == 0)
        c = (x->hash > y->hash) - (x->hash < y->hash);
    if (c == 0)
        c = strcmp(x->label, y->label);
    if (c == 0)
        c = strcmp(x->time, y->time);
    if (c == 0)
        c = compare_ints(x->title_len, y->title_len);
    return c != 0 ? c : compare_ints(x->input, y->input);
}

/* Rearranges array (n elements of `size` bytes) so that i holds what key[i].index held;
 * scratch has room for n elements. */
static void permute(void *array, size_t size, const sort_key *key, int32_t n, char *scratch)
{
    if (!array)
        return;
    for (int32_t i = 0; i < n; i++)
        memcpy(scratch + (size_t)i * size, (const char *)array + (size_t)key[i].index * size,
               size);
    memcpy(array, scratch, (size_t)n * size);
}

pc_status pc_corpus_sort(pc_corpus *corpus, pc_error *err)
{
    int32_t n = corpus->n_docs;
    sort_key *key = pc_malloc_array((size_t)n, sizeof *key);
    if (!key)
        return pc_fail_nomem(err, "sorting the documents");
    int sorted = 1;
    for (int32_t i = 0; i < n; i++) {
        key[i] = (sort_key){corpus->id[i], corpus->text_hash[i],
                            corpus->label ? corpus->label[i] : "",
                            corpus->time ? corpus->time[i] : "",
                            corpus->title_len ? corpus->title_len[i] : 0,
                            corpus->input_index ? corpus->input_index[i] : i, i};
        sorted = sorted && (i == 0 || compare_keys(&key[i - 1], &key[i]) < 0);
    }
    if (sorted) { /* already canonical: common, as files are often sorted by id */
        free(key);
        return PC_OK;
    }
    char *scratch = pc_malloc_array((size_t)n, sizeof(int64_t)); /* the widest element */
    int32_t *input = corpus->input_index ? corpus->input_index
                                         : pc_malloc_array((size_t)n, sizeof *input);
    if (!scratch || !input) {
        free(key);
        free(scratch);
        if (input != corpus->input_index)
            free(input);
        return pc_fail_nomem(err, "sorting the documents");
    }
    qsort(key, (size_t)n, sizeof *key, compare_keys);
    permute(corpus->id, sizeof *corpus->id, key, n, scratch);
    permute(corpus->text, sizeof *corpus->text, key, n, scratch);
    permute(corpus->title, sizeof *corpus->title, key, n, scratch);
    permute(corpus->text_hash, sizeof *corpus->text_hash, key, n, scratch);
    permute(corpus->label, sizeof *corpus->label, key, n, scratch);
    permute(corpus->time, sizeof *corpus->time, key, n, scratch);
    permute(corpus->title_len, sizeof *corpus->title_len, key, n, scratch);
    permute(corpus->line, sizeof *corpus->line, key, n, scratch);
    for (int32_t i = 0; i < n; i++)
        input[i] = key[i].input;
    corpus->input_index = input;
    free(key);
    free(scratch);
    return PC_OK;
}

size_t pc_corpus_bytes(const pc_corpus *corpus)
{
    const corpus_storage *store = corpus->storage;
    size_t cap = store ? store->capacity : 0, bytes = sizeof *corpus;
    for (const arena_block *b = store ? store->head : NULL; b; b = b->next)
        bytes += sizeof *b + b->size;
    bytes += cap * (sizeof *corpus->id + sizeof *corpus->text_hash + sizeof *corpus->line);
    bytes += corpus->text ? cap * sizeof *corpus->text : 0;
    bytes += corpus->title ? cap * sizeof *corpus->title : 0;
    bytes += corpus->label ? cap * sizeof *corpus->label : 0;
    bytes += corpus->time ? cap * sizeof *corpus->time : 0;
    bytes += corpus->title_len ? cap * sizeof *corpus->title_len : 0;
    bytes += corpus->input_index ? (size_t)corpus->n_docs * sizeof *corpus->input_index : 0;
    return bytes;
}

void pc_corpus_input_order(const pc_corpus *corpus, int32_t *order)
{
    for (int32_t i = 0; i < corpus->n_docs; i++)
        order[corpus->input_index ? corpus->input_index[i] : i] = i;
}

/* The display title of a text whose title is its first title_len bytes
 * (have_len), else its first line (see pc_corpus_title). */
static size_t make_title(const char *text, size_t len, int have_len, char *out, size_t cap)
{
    size_t n = 0;
    int space = 0;
    if (cap == 0)
        return 0;
    if (!have_len)
        len = strcspn(text, "\n");
    if (len == 0) { /* no title: the text's beginning, at most a line's worth */
        len = strlen(text);
        if (cap > 121)
            cap = 121;
    }
    for (size_t p = 0; p < len; p++) {
        char ch = text[p];
        if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
            space = n > 0;
            continue;
        }
        if (n + (space ? 2 : 1) >= cap)
            break;
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = ch;
    }
    /* a cut may have split the last character (the text is valid UTF-8) */
    size_t last = n;
    while (last > 0 && ((unsigned char)out[last - 1] & 0xC0) == 0x80)
        last--;
    if (last > 0) {
        unsigned char lead = (unsigned char)out[last - 1];
        size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (last - 1 + want > n)
            n = last - 1;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}

size_t pc_corpus_title(const pc_corpus *corpus, int32_t i, char *out, size_t cap)
{
    if (corpus->text)
        return make_title(corpus->text[i], corpus->title_len ? (size_t)corpus->title_len[i] : 0,
                          corpus->title_len != NULL, out, cap);
    /* kept already made: making it again only cuts it to cap */
    const char *title = corpus->title[i];
    return make_title(title, strlen(title), 1, out, cap);
}

/* ---- a share of the input, for several processes ------------------------ */

pc_status pc_corpus_read_share(const char *path, const pc_read_options *opt,
                               const pc_monitor *mon, pc_text_fn fn, void *ctx, int share,
                               int shares, int check_all, pc_corpus **out, int32_t *n_read,
                               pc_error *err)
{
    /* The rule: CSV in as many files as processes or more.  (Not JSON Lines,
     * whose first object decides the schema, nor plain text, whose last block
     * in a file may go on in the next: their files are not read alone.) */
    pc_format format = !opt || opt->format == PC_FORMAT_AUTO ? detect_format(path) : opt->format;
    int by_file = opt && opt->n_more_inputs + 1 >= shares && format == PC_FORMAT_CSV;
    record_sink sink = {fn, ctx, 0, NULL, shares, share, check_all && !by_file, by_file};
    *n_read = 0;
    pc_status status = read_path(path, NULL, path, opt, mon, &sink, out, err);
    if (status == PC_OK)
        *n_read = ((const corpus_storage *)(*out)->storage)->n_read;
    return status;
}

const pc_file_counts *pc_corpus_file_counts(const pc_corpus *share, int *n_files,
                                            int64_t *parsed)
{
    const corpus_storage *store = share->storage;
    *n_files = store->n_files;
    *parsed = store->parsed;
    return store->files;
}

/* Merges file f's problems (first lines in the file, + shift) into t. */
static void add_problems(tally *t, const pc_file_counts *file, int64_t shift)
{
    for (int k = 0; k < PC_READ_PROBLEMS; k++) {
        if (file->problem[k].count && !t[k].count)
            t[k].first_line = file->problem[k].first_line + shift;
        t[k].count += file->problem[k].count;
    }
}

pc_status pc_corpus_share_numbers(pc_corpus *share, const pc_file_counts *all,
                                  int32_t *n_docs, pc_error *err)
{
    corpus_storage *store = share->storage;
    int64_t docs = 0, records = 0, lines = 0;
    int32_t i = 0, first = -1; /* this share's next document; the header's file */
    memset(store->problem, 0, sizeof store->problem);
    for (int32_t f = 0; f < store->n_files; f++) {
        /* a later file's header is left out of the concatenation: its line 2 follows */
        int64_t skip = first >= 0 && all[f].lines > 0;
        first = first < 0 && all[f].lines > 0 ? f : first;
        for (int64_t j = 0; j < store->files[f].docs; j++, i++) {
            share->input_index[i] = (int32_t)(docs + j);
            share->line[i] += lines - skip;
            if (!store->has_id) { /* ids are record numbers: the whole input's */
                char number[32];
                int w = snprintf(number, sizeof number, "%lld",
                                 (long long)(records + strtoll(share->id[i], NULL, 10)));
                if (!(share->id[i] = arena_copy(store, number, (size_t)w)))
                    return pc_fail_nomem(err, "numbering the documents");
            }
        }
        add_problems(store->problem, &all[f], lines - skip);
        docs += all[f].docs;
        records += all[f].records;
        lines += all[f].lines - skip;
    }
    if (first >= 0) { /* the schema is the header's, also for a share that read no file */
        store->has_id = (int)(all[first].columns & 1);
        store->has_label = (int)(all[first].columns >> 1 & 1);
        store->has_time = (int)(all[first].columns >> 2 & 1);
    }
    share->n_skipped = store->problem[RAGGED].count + store->problem[EMPTY_ID].count;
    store->n_read = docs < INT32_MAX ? (int32_t)docs : INT32_MAX;
    *n_docs = store->n_read;
    if (first < 0)
        return no_header(share->source, err);
    if (docs == 0)
        return no_documents(share->source, records, PC_FORMAT_CSV, err);
    if (docs > INT32_MAX)
        return pc_fail(err, PC_ERR_INVALID, "%s: more than %ld documents", share->source,
                       (long)INT32_MAX);
    return PC_OK;
}

void pc_corpus_share_warn(const pc_corpus *share, const pc_corpus *whole,
                          const pc_monitor *mon)
{
    const corpus_storage *store = share->storage;
    int32_t *order = pc_malloc_array((size_t)whole->n_docs + 1, sizeof *order);
    pc_strmap *seen = pc_strmap_new();
    tally problem[PC_READ_PROBLEMS], *duplicate = &problem[DUPLICATE];
    memcpy(problem, store->problem, sizeof problem);
    if (order && seen) { /* the ids in input order, as one process meets them */
        pc_corpus_input_order(whole, order);
        for (int32_t j = 0; j < whole->n_docs && duplicate->count >= 0; j++) {
            int inserted = 0;
            const char *id = whole->id[order[j]];
            if (pc_strmap_intern(seen, id, strlen(id), &inserted) < 0)
                duplicate->count = -1;
            else if (!inserted)
                count(duplicate, whole->line[order[j]]);
        }
    }
    if (!order || !seen || duplicate->count < 0) {
        pc_warn(mon, "%s: out of memory while looking for duplicate ids", share->source);
        duplicate->count = 0;
    }
    free(order);
    pc_strmap_free(seen);
    warn_problems(mon, share->source, "row", store->opt.max_doc_bytes, problem);
}

/* The record's strings, then its numbers (unaligned: copied byte by byte). */
typedef struct record_numbers {
    uint64_t hash;
    int64_t line;
    int32_t title_len, input;
} record_numbers;

static const char *or_empty(char **strings, int32_t i)
{
    return strings ? strings[i] : "";
}

size_t pc_corpus_pack(const pc_corpus *corpus, int32_t i, char *out)
{
    const char *s[4] = {corpus->id[i], or_empty(corpus->title, i), or_empty(corpus->label, i),
                        or_empty(corpus->time, i)};
    size_t at = 0;
    for (int j = 0; j < 4; j++) {
        size_t len = strlen(s[j]) + 1;
        if (out)
            memcpy(out + at, s[j], len);
        at += len;
    }
    record_numbers num = {corpus->text_hash[i], corpus->line[i],
                          corpus->title_len ? corpus->title_len[i] : 0,
                          corpus->input_index ? corpus->input_index[i] : i};
    if (out)
        memcpy(out + at, &num, sizeof num);
    return at + sizeof num;
}

/* The per-document arrays for n documents, as `like`'s input has them. */
static int gathered_arrays(pc_corpus *k, const corpus_storage *like, size_t n)
{
    n = n ? n : 1;
    k->id = pc_malloc_array(n, sizeof *k->id);
    k->title = pc_malloc_array(n, sizeof *k->title);
    k->text_hash = pc_malloc_array(n, sizeof *k->text_hash);
    k->line = pc_malloc_array(n, sizeof *k->line);
    k->label = like->has_label ? pc_malloc_array(n, sizeof *k->label) : NULL;
    k->time = like->has_time ? pc_malloc_array(n, sizeof *k->time) : NULL;
    k->title_len = like->title_first ? pc_malloc_array(n, sizeof *k->title_len) : NULL;
    return k->id && k->title && k->text_hash && k->line && (k->label || !like->has_label) &&
                   (k->time || !like->has_time) && (k->title_len || !like->title_first)
               ? 0
               : -1;
}

/* Stores one packed record at its place in the input (its input number). */
static int unpack_record(pc_corpus *k, corpus_storage *store, const char *record)
{
    const char *s[4];
    size_t at = 0;
    for (int j = 0; j < 4; j++) {
        s[j] = record + at;
        at += strlen(s[j]) + 1;
    }
    record_numbers num;
    memcpy(&num, record + at, sizeof num);
    int32_t i = num.input; /* checked by the caller */
    if (!(k->id[i] = arena_copy(store, s[0], strlen(s[0]))) ||
        !(k->title[i] = arena_copy(store, s[1], strlen(s[1]))) ||
        (k->label && !(k->label[i] = arena_copy(store, s[2], strlen(s[2])))) ||
        (k->time && !(k->time[i] = arena_copy(store, s[3], strlen(s[3])))))
        return -2;
    k->text_hash[i] = num.hash;
    k->line[i] = num.line;
    if (k->title_len)
        k->title_len[i] = num.title_len;
    return 0;
}

pc_status pc_corpus_gathered(const pc_corpus *like, int32_t n, const char *const *records,
                             pc_corpus **out, pc_error *err)
{
    const corpus_storage *kept = like->storage;
    *out = NULL;
    pc_corpus *k = pc_calloc(1, sizeof *k);
    corpus_storage *store = pc_calloc(1, sizeof *store);
    if (k)
        k->storage = store;
    if (!k || !store || gathered_arrays(k, kept, (size_t)n) != 0 ||
        !(k->source = arena_copy(store, like->source, strlen(like->source))) ||
        remember_input(store, kept->path, kept->stream, kept->stream_start, &kept->opt) != 0) {
        pc_corpus_free(k);
        return pc_fail_nomem(err, "gathering the documents");
    }
    store->capacity = (size_t)n;
    store->n_read = n;
    store->has_label = kept->has_label;
    store->has_time = kept->has_time;
    store->title_first = kept->title_first;
    k->n_docs = n;
    k->n_skipped = like->n_skipped;
    char *seen = pc_calloc((size_t)n + 1, 1);
    int bad = seen ? 0 : -2; /* -2: out of memory; -1: a number missing or repeated */
    for (int32_t r = 0; r < n && bad == 0; r++) {
        int32_t input;
        size_t at = 0;
        for (int j = 0; j < 4; j++)
            at += strlen(records[r] + at) + 1;
        memcpy(&input, records[r] + at + offsetof(record_numbers, input), sizeof input);
        bad = input < 0 || input >= n || seen[input] ? -1 : unpack_record(k, store, records[r]);
        if (bad == 0)
            seen[input] = 1;
    }
    free(seen);
    if (bad != 0) {
        pc_corpus_free(k);
        return bad == -2 ? pc_fail_nomem(err, "gathering the documents")
                         : pc_fail(err, PC_ERR_INVALID, "%s: the processes' documents do not "
                                                        "number 0 to %d once each",
                                   like->source, (int)n - 1);
    }
    if (kept->opt.label_optional)
        drop_empty_labels(k);
    pc_status status = pc_corpus_sort(k, err);
    if (status != PC_OK) {
        pc_corpus_free(k);
        return status;
    }
    *out = k;
    return PC_OK;
}
