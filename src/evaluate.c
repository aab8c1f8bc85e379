/*
 * evaluate.c — scoring against labels and links, from memory or from files.
 *
 * The metric arithmetic lives in metrics.c; this module only gathers its
 * inputs: it encodes labels, maps document ids to indexes, reads links and
 * the CSV outputs of any tool (assignments.csv, related.csv) back into
 * arrays, and writes the scores as summary rows.
 */
#include <stdlib.h>
#include <string.h>

#include "csvio_internal.h"
#include "internal.h"
#include "paperclust/evaluate.h"
#include "paperclust/metrics.h"
#include "strmap_internal.h"

struct pc_id_index {
    pc_strmap *map;  /* id → position of first appearance in `doc` */
    int32_t *doc;    /* map id → document index */
};

pc_status pc_id_index_new(int32_t n_docs, char *const *ids, pc_id_index **out, pc_error *err)
{
    *out = NULL;
    pc_id_index *x = pc_calloc(1, sizeof *x);
    if (!x || !(x->map = pc_strmap_new()) ||
        !(x->doc = pc_malloc_array((size_t)n_docs, sizeof *x->doc)))
        goto nomem;
    for (int32_t i = 0; i < n_docs; i++) {
        int inserted;
        int32_t id = pc_strmap_intern(x->map, ids[i], strlen(ids[i]), &inserted);
        if (id < 0)
            goto nomem;
        if (inserted)
            x->doc[id] = i;
    }
    *out = x;
    return PC_OK;
nomem:
    pc_id_index_free(x);
    return pc_fail_nomem(err, "indexing document ids");
}

int32_t pc_id_index_find(const pc_id_index *index, const char *id)
{
    int32_t k = pc_strmap_find(index->map, id, strlen(id));
    return k < 0 ? -1 : index->doc[k];
}

void pc_id_index_free(pc_id_index *index)
{
    if (!index)
        return;
    pc_strmap_free(index->map);
    free(index->doc);
    free(index);
}

/* ---- reading CSV tables by column name ---- */

typedef struct table {
    pc_csv_reader *reader;
    const char *path;
    char **field;
    size_t *length;
    size_t n_fields;
    size_t need;     /* fields a row must have: 1 + the last wanted column */
    int64_t line;
} table;

/* Opens `path` and finds each of the n names in its header (col[i]). */
static pc_status table_open(table *t, const char *path, const char *const *names, size_t n,
                            size_t *col, pc_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    pc_status status = pc_csv_reader_open(path, 0, &t->reader, err);
    if (status == PC_OK)
        status = pc_csv_read_row(t->reader, &t->field, &t->length, &t->n_fields, &t->line, err);
    if (status == PC_OK && t->n_fields == 0)
        status = pc_fail(err, PC_ERR_EMPTY, "%s: empty file: no header row", path);
    for (size_t i = 0; status == PC_OK && i < n; i++) {
        size_t c = 0;
        while (c < t->n_fields && strcmp(t->field[c], names[i]) != 0)
            c++;
        if (c == t->n_fields)
            status = pc_fail(err, PC_ERR_FORMAT, "%s:%lld: no %s column", path,
                             (long long)t->line, names[i]);
        col[i] = c;
        if (c + 1 > t->need)
            t->need = c + 1;
    }
    if (status != PC_OK) {
        pc_csv_reader_close(t->reader);
        t->reader = NULL;
    }
    return status;
}

/* The next row, which must have every wanted column; 0 at the end, -1 on error. */
static int table_next(table *t, pc_status *status, pc_error *err)
{
    for (;;) {
        *status = pc_csv_read_row(t->reader, &t->field, &t->length, &t->n_fields, &t->line, err);
        if (*status != PC_OK)
            return -1;
        if (t->n_fields == 0)
            return 0;
        if (t->n_fields >= t->need)
            return 1;
        *status = pc_fail(err, PC_ERR_FORMAT, "%s:%lld: expected %zu fields, found %zu",
                          t->path, (long long)t->line, t->need, t->n_fields);
        return -1;
    }
}

/* Parses a whole non-negative decimal number, or returns -1. */
static long long whole_number(const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    return end != text && *end == '\0' && v >= 0 ? v : -1;
}

/* ---- links ---- */

static int push_link(int32_t **src, int32_t **dst, int64_t *n, int64_t *cap, int32_t a,
                     int32_t b)
{
    if (*n == *cap) {
        int64_t grown = *cap ? *cap * 2 : 1024;
        int32_t *s = pc_realloc_array(*src, (size_t)grown, sizeof *s);
        if (!s)
            return -1;
        *src = s;
        int32_t *d = pc_realloc_array(*dst, (size_t)grown, sizeof *d);
        if (!d)
            return -1;
        *dst = d;
        *cap = grown;
    }
    (*src)[*n] = a;
    (*dst)[*n] = b;
    (*n)++;
    return 0;
}

pc_status pc_links_read(const char *path, const pc_id_index *ids, const pc_monitor *mon,
                        int64_t *n_links, int32_t **source, int32_t **target, pc_error *err)
{
    const char *names[] = {"source_id", "target_id"};
    size_t col[2];
    table t;
    int32_t *src = NULL, *dst = NULL;
    int64_t n = 0, cap = 0, unknown = 0, first_unknown = 0;
    pc_status status = table_open(&t, path, names, 2, col, err);
    if (status != PC_OK)
        return status;
    while (table_next(&t, &status, err) > 0) {
        int32_t a = pc_id_index_find(ids, t.field[col[0]]);
        int32_t b = pc_id_index_find(ids, t.field[col[1]]);
        if (a < 0 || b < 0) {
            if (unknown++ == 0)
                first_unknown = t.line;
            continue;
        }
        if (a != b && (push_link(&src, &dst, &n, &cap, a, b) != 0 ||
                       push_link(&src, &dst, &n, &cap, b, a) != 0)) {
            status = pc_fail_nomem(err, "reading links");
            break;
        }
    }
    pc_csv_reader_close(t.reader);
    if (status != PC_OK) {
        free(src);
        free(dst);
        return status;
    }
    if (unknown)
        pc_warn(mon, "%s: %lld links skipped: unknown paper id (first at line %lld)", path,
                (long long)unknown, (long long)first_unknown);
    *n_links = n;
    *source = src;
    *target = dst;
    return PC_OK;
}

/* ---- scores into a summary ---- */

static pc_status add_cluster_scores(const pc_score_input *in, const int32_t *code,
                                    int32_t n_classes, pc_summary *m, pc_error *err)
{
    int32_t *label = pc_malloc_array((size_t)in->n_docs, sizeof *label);
    if (!label)
        return pc_fail_nomem(err, "scoring clusters");
    for (int32_t i = 0; i < in->n_docs; i++) /* unclustered papers are not scored */
        label[i] = in->cluster[i] < 0 ? -1 : code[i];
    pc_label_scores s;
    pc_status status = pc_label_scores_compute(in->n_docs, in->cluster, label, &s, err);
    free(label);
    if (status == PC_ERR_EMPTY)
        return PC_OK;
    const char *keys[] = {"nmi", "ari", "homogeneity", "completeness", "v_measure", "purity"};
    const double values[] = {s.nmi, s.ari, s.homogeneity, s.completeness, s.v_measure,
                             s.purity};
    if (status == PC_OK)
        status = pc_summary_add(m, "labelled_documents", "%lld", (long long)s.n_scored);
    if (status == PC_OK)
        status = pc_summary_add(m, "classes", "%d", (int)n_classes);
    for (size_t k = 0; status == PC_OK && k < sizeof keys / sizeof *keys; k++)
        status = pc_summary_add(m, keys[k], "%.6f", values[k]);
    return status;
}

static pc_status add_label_scores(const pc_score_input *in, pc_summary *m, pc_error *err)
{
    int32_t n_classes = 0;
    int32_t *code = pc_malloc_array((size_t)in->n_docs, sizeof *code);
    if (!code)
        return pc_fail_nomem(err, "scoring against labels");
    pc_status status = pc_labels_encode(in->n_docs, (const char *const *)in->label, code,
                                        &n_classes, err);
    if (status == PC_OK && in->cluster)
        status = add_cluster_scores(in, code, n_classes, m, err);
    if (status == PC_OK && in->neighbors) {
        double precision;
        status = pc_related_label_precision(in->neighbors, code, &precision, err);
        if (status == PC_OK)
            status = pc_summary_add(m, "label_precision_at_top", "%.6f", precision);
        else if (status == PC_ERR_EMPTY)
            status = PC_OK;
    }
    free(code);
    return status;
}

pc_status pc_scores_summarize(const pc_score_input *in, pc_summary *summary, pc_error *err)
{
    pc_status status = PC_OK;
    if (in->label)
        status = add_label_scores(in, summary, err);
    if (status == PC_OK && in->neighbors && in->n_links > 0) {
        pc_link_scores s;
        status = pc_related_link_scores(in->neighbors, in->n_links, in->link_source,
                                        in->link_target, &s, err);
        if (status == PC_OK)
            status = pc_summary_add(summary, "link_precision_at_top", "%.6f", s.precision);
        if (status == PC_OK)
            status = pc_summary_add(summary, "link_recall_at_top", "%.6f", s.recall);
        if (status == PC_OK)
            status = pc_summary_add(summary, "link_queries", "%lld", (long long)s.n_queries);
        if (status == PC_ERR_EMPTY)
            status = PC_OK;
    }
    return status;
}

/* ---- from files ---- */

void pc_evaluate_options_default(pc_evaluate_options *opt)
{
    memset(opt, 0, sizeof *opt);
    pc_read_options_default(&opt->read);
    opt->read.label_col = "label";
}

static pc_status read_assignments(const char *path, const pc_id_index *ids, int32_t *cluster,
                                  pc_error *err)
{
    const char *names[] = {"doc_id", "cluster"};
    size_t col[2];
    table t;
    pc_status status = table_open(&t, path, names, 2, col, err);
    if (status != PC_OK)
        return status;
    while (table_next(&t, &status, err) > 0) {
        int32_t doc = pc_id_index_find(ids, t.field[col[0]]);
        long long c = whole_number(t.field[col[1]]);
        if (c < 0 || c > INT32_MAX) {
            char shown[PC_MESSAGE_NAME_MAX];
            status = pc_fail(err, PC_ERR_FORMAT, "%s:%lld: cluster '%s' is not a whole number",
                             path, (long long)t.line,
                             pc_message_text(shown, sizeof shown, t.field[col[1]],
                                             t.length[col[1]]));
            break;
        }
        if (doc >= 0)
            cluster[doc] = (int32_t)c;
    }
    pc_csv_reader_close(t.reader);
    return status;
}

static pc_status read_related(const char *path, const pc_id_index *ids, int32_t n_docs,
                              pc_neighbors **out, pc_error *err)
{
    enum { MAX_TOP = 100000 };
    const char *names[] = {"doc_id", "rank", "related_id"};
    size_t col[3];
    table t;
    pc_neighbors *nb = NULL;
    pc_status status = PC_OK;
    int32_t top = 0;
    for (int pass = 0; pass < 2 && status == PC_OK; pass++) { /* 1: find top, 2: fill */
        if ((status = table_open(&t, path, names, 3, col, err)) != PC_OK)
            break;
        while (table_next(&t, &status, err) > 0) {
            long long rank = whole_number(t.field[col[1]]);
            if (rank < 1 || rank > MAX_TOP) {
                char shown[PC_MESSAGE_NAME_MAX];
                status = pc_fail(err, PC_ERR_FORMAT, "%s:%lld: rank '%s' is not 1..%d", path,
                                 (long long)t.line,
                                 pc_message_text(shown, sizeof shown, t.field[col[1]],
                                                 t.length[col[1]]),
                                 MAX_TOP);
                break;
            }
            int32_t doc = pc_id_index_find(ids, t.field[col[0]]);
            int32_t rel = pc_id_index_find(ids, t.field[col[2]]);
            if (pass == 0 && rank > top)
                top = (int32_t)rank;
            else if (pass == 1 && doc >= 0 && rel >= 0)
                nb->id[(size_t)doc * (size_t)top + (size_t)(rank - 1)] = rel;
        }
        pc_csv_reader_close(t.reader);
        if (status == PC_OK && pass == 0) {
            nb = pc_calloc(1, sizeof *nb);
            if (nb && top > 0) {
                nb->id = pc_malloc_array((size_t)n_docs * (size_t)top, sizeof *nb->id);
                nb->similarity = pc_calloc((size_t)n_docs * (size_t)top, sizeof *nb->similarity);
            }
            if (!nb || (top > 0 && (!nb->id || !nb->similarity)))
                status = pc_fail_nomem(err, "reading related papers");
            else {
                nb->n_docs = n_docs;
                nb->top = top;
                for (size_t i = 0; i < (size_t)n_docs * (size_t)top; i++)
                    nb->id[i] = -1;
            }
        }
    }
    if (status != PC_OK || top == 0) {
        pc_neighbors_free(nb);
        nb = NULL;
    }
    *out = nb;
    return status;
}

pc_status pc_evaluate(const pc_evaluate_options *opt, const pc_monitor *mon,
                      pc_summary *summary, pc_error *err)
{
    pc_corpus *corpus = NULL;
    pc_id_index *ids = NULL;
    pc_neighbors *nb = NULL;
    int32_t *cluster = NULL, *src = NULL, *dst = NULL;
    int64_t n_links = 0;
    if (!opt->labels)
        return pc_fail(err, PC_ERR_INVALID, "evaluate needs --labels (the corpus)");
    /* ids and labels only: the texts are dropped as they are read */
    pc_status status = pc_corpus_read_each(opt->labels, NULL, NULL, &opt->read, mon, NULL, NULL,
                                           &corpus, err);
    if (status == PC_OK)
        status = pc_id_index_new(corpus->n_docs, corpus->id, &ids, err);
    if (status == PC_OK && opt->assignments) {
        cluster = pc_malloc_array((size_t)corpus->n_docs, sizeof *cluster);
        if (!cluster)
            status = pc_fail_nomem(err, "reading assignments");
        for (int32_t i = 0; cluster && i < corpus->n_docs; i++)
            cluster[i] = -1;
        if (status == PC_OK)
            status = read_assignments(opt->assignments, ids, cluster, err);
    }
    if (status == PC_OK && opt->related)
        status = read_related(opt->related, ids, corpus->n_docs, &nb, err);
    if (status == PC_OK && opt->links)
        status = pc_links_read(opt->links, ids, mon, &n_links, &src, &dst, err);
    if (status == PC_OK) {
        pc_score_input in = {corpus->n_docs, cluster, corpus->label, nb, n_links, src, dst};
        status = pc_summary_add(summary, "documents", "%d", (int)corpus->n_docs);
        if (status == PC_OK)
            status = pc_scores_summarize(&in, summary, err);
    }
    pc_corpus_free(corpus);
    pc_id_index_free(ids);
    pc_neighbors_free(nb);
    free(cluster);
    free(src);
    free(dst);
    return status;
}
