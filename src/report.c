/*
 * report.c — the CSV reports, written as a set or not at all.
 *
 * Each report is written to a hidden temporary file in the output folder
 * (".NAME.tmp-PID"); write errors are caught at every row and at fclose (a
 * full disk often shows only there).  Only when all are complete are they
 * renamed over the old reports, each old one first kept aside as a hard link
 * (".NAME.tmp-PID.old"), so that a rename failing partway through can put
 * the old set back (see write_set).  On any failure, or when the caller's
 * cancel flag is raised, the folder holds the old reports as they were and
 * no hidden file.  Fields go through csvio.c (libcsv's quoting).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvio_internal.h"
#include "internal.h"
#include "progress_internal.h"
#include "report_html_internal.h"
#include "paperclust/report.h"

/* ---- summary rows ---- */

pc_status pc_summary_stage(pc_summary *summary, const char *key, double *clock, double *peak_mib)
{
    double now = pc_now(), peak = pc_peak_memory_mib();
    const char *stage = strncmp(key, "seconds_", 8) == 0 ? key + 8 : key;
    char name[64];
    snprintf(name, sizeof name, "peak_rss_mib_%s", stage);
    pc_status status = pc_summary_add(summary, key, "%.3f", now - *clock);
    if (status == PC_OK)
        status = pc_summary_add(summary, name, "%.0f", peak);
    if (peak > *peak_mib)
        *peak_mib = peak;
    pc_peak_memory_restart();
    *clock = pc_now();
    return status;
}

pc_status pc_summary_add(pc_summary *summary, const char *key, const char *format, ...)
{
    if (summary->count == summary->capacity) {
        size_t cap = summary->capacity ? summary->capacity * 2 : 32;
        char **keys = pc_realloc_array(summary->key, cap, sizeof *keys);
        if (!keys)
            return PC_ERR_NOMEM;
        summary->key = keys;
        char **values = pc_realloc_array(summary->value, cap, sizeof *values);
        if (!values)
            return PC_ERR_NOMEM;
        summary->value = values;
        summary->capacity = cap;
    }
    char value[256];
    va_list ap;
    va_start(ap, format);
    vsnprintf(value, sizeof value, format, ap);
    va_end(ap);
    char *k = pc_strndup(key, strlen(key)), *v = pc_strndup(value, strlen(value));
    if (!k || !v) {
        free(k);
        free(v);
        return PC_ERR_NOMEM;
    }
    summary->key[summary->count] = k;
    summary->value[summary->count] = v;
    summary->count++;
    return PC_OK;
}

const char *pc_summary_get(const pc_summary *summary, const char *key)
{
    for (size_t i = 0; i < summary->count; i++)
        if (strcmp(summary->key[i], key) == 0)
            return summary->value[i];
    return NULL;
}

void pc_summary_clear(pc_summary *summary)
{
    for (size_t i = 0; i < summary->count; i++) {
        free(summary->key[i]);
        free(summary->value[i]);
    }
    free(summary->key);
    free(summary->value);
    memset(summary, 0, sizeof *summary);
}

pc_status pc_summary_write(FILE *out, const pc_summary *summary, pc_error *err)
{
    int failed = pc_csv_write_row(out, (const char *const[]){"key", "value"}, 2) != 0;
    for (size_t i = 0; !failed && i < summary->count; i++)
        failed = pc_csv_write_row(out, (const char *const[]){summary->key[i], summary->value[i]},
                                  2) != 0;
    if (failed || fflush(out) != 0)
        return pc_fail(err, PC_ERR_IO, "cannot write the scores: %s", strerror(errno));
    return PC_OK;
}

/* ---- one report file ---- */

#define N_REPORTS 10 /* the most files one set holds */

typedef struct report_file {
    FILE *out;
    char final_path[4096];
    char temp_path[4096];   /* "" when there is none (not opened, renamed or removed) */
    char backup_path[4096]; /* the old report kept aside while the set is committed, or "" */
    int moved_aside;        /* 1 when the old report was renamed to backup_path, not linked */
    int committed;          /* 1 once renamed into place */
    int failed;             /* errno of the first write error, or 0 */
} report_file;

typedef void (*report_writer)(report_file *, const pc_report_input *);

static void cell(report_file *f, const char *text, int first)
{
    if (!f->failed && pc_csv_write_field(f->out, text, strlen(text), first) != 0)
        f->failed = errno ? errno : EIO;
}

static void cellf(report_file *f, int first, const char *format, ...) PC_PRINTF(3, 4);
static void cellf(report_file *f, int first, const char *format, ...)
{
    char text[64];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    cell(f, text, first);
}

static void end_row(report_file *f)
{
    if (!f->failed && fputc('\n', f->out) == EOF)
        f->failed = errno ? errno : EIO;
}

static void header(report_file *f, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cell(f, names[i], i == 0);
    end_row(f);
}

/* ---- the five reports ---- */

/* The documents in input order (pc_corpus_input_order), or NULL with f->failed set. */
static int32_t *input_order(report_file *f, const pc_corpus *corpus)
{
    int32_t *order = pc_malloc_array((size_t)corpus->n_docs + 1, sizeof *order);
    if (order)
        pc_corpus_input_order(corpus, order);
    else
        f->failed = ENOMEM;
    return order;
}

static void write_assignments(report_file *f, const pc_report_input *in)
{
    const pc_corpus *corpus = in->corpus;
    const char *names[] = {"doc_id", "cluster", "similarity", "label"};
    header(f, names, corpus->label ? 4 : 3);
    int32_t *order = input_order(f, corpus);
    for (int32_t p = 0; order && p < corpus->n_docs && !f->failed; p++) {
        int32_t i = order[p];
        cell(f, corpus->id[i], 1);
        cellf(f, 0, "%d", (int)in->clusters->assign[i]);
        cellf(f, 0, "%.6f", (double)in->clusters->similarity[i]);
        if (corpus->label)
            cell(f, corpus->label[i], 0);
        end_row(f);
    }
    free(order);
}

/* Appends `piece` (with `sep` before it unless first) to a growing string. */
static int append(char **buf, size_t *len, size_t *cap, const char *piece, const char *sep)
{
    size_t add = strlen(piece) + (*len ? strlen(sep) : 0);
    if (pc_reserve_bytes(buf, cap, *len, add + 1) != 0)
        return -1;
    if (*len) {
        memcpy(*buf + *len, sep, strlen(sep));
        *len += strlen(sep);
    }
    memcpy(*buf + *len, piece, strlen(piece));
    *len += strlen(piece);
    (*buf)[*len] = '\0';
    return 0;
}

/* Joins up to n terms with spaces; a bigram's own space becomes '_'. */
static int join_terms(const pc_vocab *vocab, const int32_t *terms, int32_t n, char **buf,
                      size_t *cap)
{
    size_t len = 0;
    if (append(buf, &len, cap, "", "") != 0)
        return -1;
    for (int32_t t = 0; t < n; t++) {
        size_t start = len;
        if (append(buf, &len, cap, vocab->term[terms[t]], " ") != 0)
            return -1;
        for (size_t j = start + (start ? 1 : 0); j < len; j++)
            if ((*buf)[j] == ' ')
                (*buf)[j] = '_';
    }
    return 0;
}

static int join_ids(const pc_report_input *in, const pc_cluster_description *c, char **buf,
                    size_t *cap)
{
    size_t len = 0;
    if (append(buf, &len, cap, "", "") != 0)
        return -1;
    for (int32_t m = 0; m < c->n_central; m++)
        if (append(buf, &len, cap, in->corpus->id[c->central[m]], " ") != 0)
            return -1;
    return 0;
}

/* The central papers' titles, joined by " | ". */
static int join_titles(const pc_report_input *in, const pc_cluster_description *c, char **buf,
                       size_t *cap)
{
    char title[512];
    size_t len = 0;
    if (append(buf, &len, cap, "", "") != 0)
        return -1;
    for (int32_t m = 0; m < c->n_central; m++) {
        pc_corpus_title(in->corpus, c->central[m], title, sizeof title);
        if (append(buf, &len, cap, title, " | ") != 0)
            return -1;
    }
    return 0;
}

/* A figure with 6 decimals, or an empty field when it is undefined (NaN). */
static void cell_figure(report_file *f, double value)
{
    if (isnan(value))
        cell(f, "", 0);
    else
        cellf(f, 0, "%.6f", value);
}

static void write_clusters(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"cluster", "size", "top_terms", "central_doc_ids", "cohesion",
                           "label", "distinctive_terms", "central_titles", "coherence",
                           "exclusivity", "trend"};
    header(f, names, in->timeline ? 11 : 10);
    char *buf = NULL;
    size_t cap = 0;
    for (int32_t c = 0; c < in->description->k && !f->failed; c++) {
        const pc_cluster_description *d = &in->description->cluster[c];
        int32_t n_top = d->n_terms < in->n_label_terms ? d->n_terms : in->n_label_terms;
        int32_t n_dist = d->n_distinctive < in->n_label_terms ? d->n_distinctive
                                                              : in->n_label_terms;
        cellf(f, 1, "%d", (int)c);
        cellf(f, 0, "%lld", (long long)d->size);
        if (join_terms(in->vocab, d->term, n_top, &buf, &cap) != 0)
            goto nomem;
        cell(f, buf, 0);
        if (join_ids(in, d, &buf, &cap) != 0)
            goto nomem;
        cell(f, buf, 0);
        cellf(f, 0, "%.6f", d->cohesion);
        cell(f, d->label ? d->label : "", 0);
        if (join_terms(in->vocab, d->distinctive, n_dist, &buf, &cap) != 0)
            goto nomem;
        cell(f, buf, 0);
        if (join_titles(in, d, &buf, &cap) != 0)
            goto nomem;
        cell(f, buf, 0);
        cell_figure(f, d->coherence);
        cell_figure(f, d->exclusivity);
        if (in->timeline)
            cell_figure(f, in->timeline->n_periods ? in->timeline->trend[c] : NAN);
        end_row(f);
    }
    free(buf);
    return;
nomem:
    f->failed = ENOMEM;
    free(buf);
}

/* Rows of one kind of terms: centroid weights or distinctive z-scores. */
static void term_rows(report_file *f, const pc_report_input *in, int32_t c, const int32_t *terms,
                      const float *weights, int32_t n, const char *kind)
{
    for (int32_t t = 0; t < n && !f->failed; t++) {
        cellf(f, 1, "%d", (int)c);
        cellf(f, 0, "%d", (int)t + 1);
        cell(f, in->vocab->term[terms[t]], 0);
        cellf(f, 0, "%.6f", (double)weights[t]);
        cell(f, kind, 0);
        end_row(f);
    }
}

static void write_cluster_terms(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"cluster", "rank", "term", "weight", "kind"};
    header(f, names, 5);
    for (int32_t c = 0; c < in->description->k && !f->failed; c++) {
        const pc_cluster_description *d = &in->description->cluster[c];
        term_rows(f, in, c, d->term, d->weight, d->n_terms, "centroid");
        term_rows(f, in, c, d->distinctive, d->score, d->n_distinctive, "distinctive");
    }
}

static void write_related(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"doc_id", "rank", "related_id", "similarity"};
    header(f, names, 4);
    const pc_neighbors *nb = in->neighbors;
    char *const *related_ids = in->related_ids ? in->related_ids : in->corpus->id;
    for (int32_t i = 0; nb && i < nb->n_docs && !f->failed; i++) {
        for (int32_t r = 0; r < nb->top; r++) {
            size_t at = (size_t)i * (size_t)nb->top + (size_t)r;
            if (nb->id[at] < 0)
                break;
            cell(f, in->corpus->id[i], 1);
            cellf(f, 0, "%d", (int)r + 1);
            cell(f, related_ids[nb->id[at]], 0);
            cellf(f, 0, "%.6f", (double)nb->similarity[at]);
            end_row(f);
        }
    }
}

static void write_topics_over_time(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"period", "cluster", "papers", "share", "in_trend"};
    header(f, names, 5);
    const pc_timeline *t = in->timeline;
    char label[PC_PERIOD_LABEL_MAX];
    for (int32_t p = 0; p < t->n_periods && !f->failed; p++) {
        pc_timeline_label(t, p, label);
        for (int32_t c = 0; c < t->k; c++) {
            size_t at = (size_t)p * (size_t)t->k + (size_t)c;
            cell(f, label, 1);
            cellf(f, 0, "%d", (int)c);
            cellf(f, 0, "%d", (int)t->count[at]);
            cellf(f, 0, "%.6f", t->share[at]);
            cellf(f, 0, "%d", (int)t->trended[p]);
            end_row(f);
        }
    }
}

/* The description of tree node v: its cluster's for a leaf, else the v-th
 * inner node's (inner = inner nodes before v, in preorder). */
static const pc_cluster_description *tree_node_description(const pc_report_input *in, int32_t v,
                                                           int32_t inner)
{
    int32_t cluster = in->tree->node[v].cluster;
    return cluster >= 0 ? &in->description->cluster[cluster] : &in->tree_groups->cluster[inner];
}

static void write_tree(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"node", "parent", "depth", "size", "cluster", "label", "top_terms"};
    header(f, names, 7);
    char *buf = NULL;
    size_t cap = 0;
    for (int32_t v = 0, inner = 0; v < in->tree->n_nodes && !f->failed; v++) {
        const pc_tree_node *node = &in->tree->node[v];
        const pc_cluster_description *d = tree_node_description(in, v, inner);
        int32_t n_top = d->n_terms < in->n_label_terms ? d->n_terms : in->n_label_terms;
        inner += node->cluster < 0;
        cellf(f, 1, "%d", (int)v);
        cellf(f, 0, "%d", (int)node->parent);
        cellf(f, 0, "%d", (int)node->depth);
        cellf(f, 0, "%lld", (long long)node->size);
        cellf(f, 0, "%d", (int)node->cluster);
        cell(f, d->label ? d->label : "", 0);
        if (join_terms(in->vocab, d->term, n_top, &buf, &cap) != 0) {
            f->failed = ENOMEM;
            break;
        }
        cell(f, buf, 0);
        end_row(f);
    }
    free(buf);
}

/* A score with 9 significant digits (the rule compares silhouettes to their
 * standard errors: a reader recomputing it needs them all), or an empty field
 * when undefined. */
static void cell_score(report_file *f, double value)
{
    if (isnan(value))
        cell(f, "", 0);
    else
        cellf(f, 0, "%.9g", value);
}

static void write_k_sweep(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"k", "objective", "silhouette", "calinski_harabasz", "iterations",
                           "seconds", "silhouette_se"};
    header(f, names, 7);
    for (int32_t j = 0; j < in->n_sweep && !f->failed; j++) {
        const pc_k_sweep_row *row = &in->sweep[j];
        cellf(f, 1, "%d", (int)row->k);
        cellf(f, 0, "%.6f", row->objective);
        cell_score(f, row->silhouette);
        cell_score(f, row->calinski_harabasz);
        cellf(f, 0, "%d", row->iterations);
        cellf(f, 0, "%.3f", row->seconds);
        cell_score(f, row->silhouette_se);
        end_row(f);
    }
}

static void write_html(report_file *f, const pc_report_input *in)
{
    int e = pc_html_write(f->out, in, in->seed);
    if (e && !f->failed)
        f->failed = e;
}

static void write_summary(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"key", "value"};
    header(f, names, 2);
    for (size_t i = 0; in->summary && i < in->summary->count; i++) {
        cell(f, in->summary->key[i], 1);
        cell(f, in->summary->value[i], 0);
        end_row(f);
    }
}

/* ---- the set ---- */

int pc_make_dirs(const char *dir)
{
    char path[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* The file-system steps that tests can make fail (pc_file_fail_after). */
static int injected(void)
{
    if (!pc_injected_file_failure())
        return 0;
    errno = EIO;
    return 1;
}

static FILE *open_temp(const char *path)
{
    return injected() ? NULL : fopen(path, "w");
}

/*
 * Keeps the old report at f->final_path (if any) under f->backup_path, so the
 * set can be rolled back: a hard link, which leaves the report in place; where
 * the file system has none, a rename.  Returns 0, or -1 with errno set.
 */
static int keep_old(report_file *f)
{
    struct stat st;
    f->backup_path[0] = '\0';
    if (lstat(f->final_path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        errno = EEXIST; /* a folder or device of that name: never moved aside */
        return -1;
    }
    if (snprintf(f->backup_path, sizeof f->backup_path, "%s.old", f->temp_path) >=
        (int)sizeof f->backup_path) {
        f->backup_path[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!injected() && link(f->final_path, f->backup_path) == 0)
        return 0;
    if (errno == EPERM || errno == ENOTSUP || errno == EXDEV || errno == EMLINK) {
        if (rename(f->final_path, f->backup_path) == 0) {
            f->moved_aside = 1;
            return 0;
        }
    }
    int e = errno;
    f->backup_path[0] = '\0';
    errno = e;
    return -1;
}

static int put_in_place(report_file *f)
{
    return injected() ? -1 : rename(f->temp_path, f->final_path);
}

/*
 * Undoes a partly committed set: each report already put in place gets its
 * old file back (or is removed when there was none), and every temporary file
 * and kept copy is removed.  These steps are not fault-injected: they are the
 * recovery being tested.
 */
static void roll_back(report_file *files, int n)
{
    for (int r = n - 1; r >= 0; r--) {
        report_file *f = &files[r];
        if (f->out)
            fclose(f->out);
        f->out = NULL;
        if (f->temp_path[0])
            unlink(f->temp_path);
        if (f->backup_path[0] && (f->committed || f->moved_aside))
            rename(f->backup_path, f->final_path); /* the old report back in its place */
        else if (f->backup_path[0])
            unlink(f->backup_path); /* a hard link: the old report never left */
        else if (f->committed)
            unlink(f->final_path); /* there was no old report */
        f->temp_path[0] = f->backup_path[0] = '\0';
        f->committed = f->moved_aside = 0;
    }
}

/* Writes report r into its temporary file; returns the errno of a failure, or 0. */
static int write_one(report_file *f, const char *dir, const char *name, report_writer writer,
                     const pc_report_input *in)
{
    int final_len = snprintf(f->final_path, sizeof f->final_path, "%s/%s", dir, name);
    int temp_len = snprintf(f->temp_path, sizeof f->temp_path, "%s/.%s.tmp-%ld", dir, name,
                            (long)getpid());
    if (final_len >= (int)sizeof f->final_path || temp_len >= (int)sizeof f->temp_path) {
        f->temp_path[0] = '\0';
        return ENAMETOOLONG;
    }
    if (!writer)
        return 0; /* retired: only its name is needed, to remove an old one */
    f->out = open_temp(f->temp_path);
    if (!f->out) {
        int e = errno;
        f->temp_path[0] = '\0';
        return e ? e : EIO;
    }
    writer(f, in);
    int closed = fclose(f->out);
    f->out = NULL;
    if (!f->failed && closed != 0)
        f->failed = errno ? errno : EIO;
    return f->failed;
}

/*
 * Writes the n reports into dir as a set: all in place, or none changed.
 * A report whose writer is NULL is retired: one left by an earlier run is
 * removed with the set (and put back with it), so the folder never mixes a
 * run's reports with an older run's optional ones.
 * First every report is written to a temporary file; a write error, a full
 * disk or the cancel flag there removes them all.  Then the set is committed
 * report by report: the old file is kept aside (a hard link), the new one
 * renamed over it.  If a step of the commit fails, every report already
 * renamed gets its old file back, so the folder holds the old set again.
 * (Readers opening the files while a set is committed may see some new and
 * some old reports for that moment; a run's outcome never leaves them so.)
 */
static pc_status write_set(const char *dir, const char *const *names,
                           const report_writer *writers, int n, const pc_report_input *in,
                           const pc_monitor *mon, pc_error *err)
{
    report_file files[N_REPORTS];
    memset(files, 0, sizeof files);
    if (pc_make_dirs(dir) != 0)
        return pc_fail(err, PC_ERR_IO, "%s: cannot create the output folder: %s", dir,
                       strerror(errno));
    pc_progress progress;
    pc_progress_start(&progress, mon, "writing reports", n);
    for (int r = 0; r < n; r++) {
        int e = write_one(&files[r], dir, names[r], writers[r], in);
        if (e == ENOMEM) {
            pc_fail(err, PC_ERR_NOMEM, "out of memory while writing %s", files[r].final_path);
            roll_back(files, n);
            return PC_ERR_NOMEM;
        }
        if (e) {
            const char *what = files[r].temp_path[0] ? "write failed" : "cannot write";
            pc_fail(err, PC_ERR_IO, "%s: %s: %s", files[r].final_path, what, strerror(e));
            roll_back(files, n);
            return PC_ERR_IO;
        }
        pc_progress_update(&progress, r + 1);
        if (pc_cancelled(mon)) {
            roll_back(files, n);
            return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while writing reports");
        }
    }
    for (int r = 0; r < n; r++) {
        report_file *f = &files[r];
        if (!writers[r]) { /* retired: an old one goes, kept aside like the others */
            if (keep_old(f) != 0) {
                int e = errno;
                roll_back(files, n);
                return pc_fail(err, PC_ERR_IO, "%s: cannot remove the earlier report: %s",
                               f->final_path, strerror(e));
            }
            if (f->backup_path[0] && !f->moved_aside)
                unlink(f->final_path);
            f->committed = 1;
            f->temp_path[0] = '\0';
            continue;
        }
        if (keep_old(f) != 0 || put_in_place(f) != 0) {
            int e = errno;
            roll_back(files, n);
            return pc_fail(err, PC_ERR_IO, "%s: cannot put in place, the earlier reports "
                           "are kept: %s", f->final_path, strerror(e));
        }
        f->committed = 1;
        f->temp_path[0] = '\0';
    }
    for (int r = 0; r < n; r++)
        if (files[r].backup_path[0])
            unlink(files[r].backup_path);
    pc_progress_finish(&progress);
    return PC_OK;
}

pc_status pc_report_write(const char *dir, const pc_report_input *in, const pc_monitor *mon,
                          pc_error *err)
{
    const report_writer writers[N_REPORTS] = {
        write_assignments, write_clusters, write_cluster_terms, write_related, write_summary,
        in->timeline ? write_topics_over_time : NULL, in->html ? write_html : NULL,
        in->tree ? write_tree : NULL, in->sweep ? write_k_sweep : NULL};
    static const char *const names[N_REPORTS] = {
        "assignments.csv", "clusters.csv", "cluster_terms.csv", "related.csv", "summary.csv",
        "topics_over_time.csv", "report.html", "tree.csv", "k_sweep.csv"};
    return write_set(dir, names, writers, 9, in, mon, err);
}

static void write_vocabulary(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"term", "df", "idf"};
    header(f, names, 3);
    for (int32_t t = 0; t < in->vocab->n_terms && !f->failed; t++) {
        cell(f, in->vocab->term[t], 1);
        cellf(f, 0, "%d", (int)in->vocab->df[t]);
        cellf(f, 0, "%.9g", (double)in->idf[t]);
        end_row(f);
    }
}

static void write_tfidf(report_file *f, const pc_report_input *in)
{
    const char *names[] = {"doc_id", "term", "weight"};
    header(f, names, 3);
    const pc_csr *X = in->matrix;
    int32_t *order = input_order(f, in->corpus);
    for (int32_t r = 0; order && r < X->n_rows && !f->failed; r++) {
        int32_t i = order[r];
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            cell(f, in->corpus->id[i], 1);
            cell(f, in->vocab->term[X->col[p]], 0);
            cellf(f, 0, "%.9g", (double)X->val[p]);
            end_row(f);
        }
    }
    free(order);
}

static void write_lsa(report_file *f, const pc_report_input *in)
{
    const pc_lsa *lsa = in->lsa;
    char name[32];
    cell(f, "doc_id", 1);
    for (int32_t c = 0; c < lsa->dims; c++) {
        snprintf(name, sizeof name, "lsa_%d", (int)c + 1);
        cell(f, name, 0);
    }
    end_row(f);
    int32_t *order = input_order(f, in->corpus);
    for (int32_t r = 0; order && r < lsa->n_rows && !f->failed; r++) {
        int32_t i = order[r];
        cell(f, in->corpus->id[i], 1);
        for (int32_t c = 0; c < lsa->dims; c++)
            cellf(f, 0, "%.6g", (double)lsa->coord[(size_t)i * lsa->dims + c]);
        end_row(f);
    }
    free(order);
}

pc_status pc_report_write_vectors(const char *dir, const pc_report_input *in,
                                  const pc_monitor *mon, pc_error *err)
{
    const report_writer writers[] = {write_vocabulary, write_tfidf, write_summary,
                                     in->lsa ? write_lsa : NULL};
    static const char *const names[] = {"vocabulary.csv", "tfidf.csv", "summary.csv", "lsa.csv"};
    return write_set(dir, names, writers, 4, in, mon, err);
}

pc_status pc_report_write_assigned(const char *dir, const pc_report_input *in,
                                   const pc_monitor *mon, pc_error *err)
{
    static const report_writer writers[] = {write_assignments, write_related, write_summary};
    static const char *const names[] = {"assignments.csv", "related.csv", "summary.csv"};
    return write_set(dir, names, writers, 3, in, mon, err);
}
