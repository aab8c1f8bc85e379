/*
 * report_html.c — report.html: one self-contained page over a run's results.
 *
 * The page is a template (src/report_html/report.html, embedded at build time)
 * holding one marker line, <!--PAPERCLUST-DATA-->, where this module puts the
 * run's data as JSON in <script type="application/json"
 * id="paperclust-data">; the template's own script draws everything from it.
 * No HTML is made here.  The JSON is built with jansson and streamed out with
 * every '<' written as \u003c, so no text of the corpus can close the script
 * element or open an HTML comment inside it.
 *
 * What the page holds (the schema is documented in src/report_html/README.md):
 *   - the summary rows, the corpus figures;
 *   - per cluster its label, terms, figures, central papers and a 2-D
 *     position: classical MDS of the centroids (linalg.c);
 *   - a map of at most PC_HTML_MAP_PAPERS papers, each placed at the mean of
 *     the cluster positions weighted by exp(β × its cosine to each
 *     centroid), β set from the corpus (see map_points), so that a paper
 *     sits near its own cluster and papers between topics lie between them;
 *   - the papers' ids, titles and clusters (all of them up to
 *     PC_HTML_PAGE_PAPERS, else a sample), and related lists for all papers
 *     up to PC_HTML_RELATED_ALL papers, else for a sample of
 *     PC_HTML_RELATED_SOME (or PC_HTML_RELATED_FEW above PC_HTML_PAGE_PAPERS),
 *     whose related papers join the page;
 *   - the topics over time, when the run has them;
 *   - the cluster tree, when the run has one: its nodes in preorder with
 *     their labels.
 * Samples are chosen by a hash of each paper's id and the seed: the same
 * papers whatever their order in the input.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"
#include "report_html_internal.h"
#include "rng_internal.h"

extern const unsigned char pc_embed_report_html[];
extern const size_t pc_embed_report_html_size;

/* How strongly a map point is drawn to its nearest clusters (see map_points). */
#define MAP_CONTRAST 3.0
#define MAP_SHARPNESS_MIN 5.0
#define MAP_SHARPNESS_MAX 200.0

/* ---- building the data ---- */

/* Appends `value` to `array` (which takes it); 0, or -1 when out of memory. */
static int push(json_t *array, json_t *value)
{
    return value && json_array_append_new(array, value) == 0 ? 0 : -1;
}

/* Sets key to `value` in `object` (which takes it); 0, or -1. */
static int put(json_t *object, const char *key, json_t *value)
{
    return value && json_object_set_new(object, key, value) == 0 ? 0 : -1;
}

/* A JSON number, or null for NaN. */
static json_t *figure(double value)
{
    return isnan(value) || isinf(value) ? json_null() : json_real(value);
}

/* Marks with `bit` about `want` of the papers that have all the bits of
 * `among` (0: of all papers; every one when they are no more than want). */
static void sample(const pc_corpus *corpus, int32_t want, uint64_t seed, unsigned char among,
                   unsigned char bit, unsigned char *mark)
{
    int32_t n = 0, taken = 0;
    for (int32_t i = 0; i < corpus->n_docs; i++)
        n += (mark[i] & among) == among;
    double share = ldexp((double)want / (n > 0 ? n : 1), 64);
    uint64_t cut = want >= n || share >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)share;
    for (int32_t i = 0; i < corpus->n_docs && taken < want; i++)
        if ((mark[i] & among) == among &&
            pc_id_hash(corpus->id[i], seed * 0x9E3779B97F4A7C15ULL) <= cut) {
            mark[i] |= bit;
            taken++;
        }
}

enum { IN_PAGE = 1, HAS_LIST = 2, ON_MAP = 4 };

typedef struct page {
    const pc_report_input *in;
    unsigned char *mark;  /* per paper: IN_PAGE | HAS_LIST | ON_MAP */
    int32_t *index;       /* per paper: its index in the page's arrays, or -1 */
    int32_t n_page;
    double *xy;           /* k × 2: the clusters' positions */
} page;

/* Chooses the papers of the page, their related lists and the map's points. */
static int choose_papers(page *p, uint64_t seed)
{
    const pc_report_input *in = p->in;
    const pc_corpus *corpus = in->corpus;
    int32_t n = corpus->n_docs;
    p->mark = pc_calloc((size_t)n > 0 ? (size_t)n : 1, 1);
    p->index = pc_malloc_array((size_t)n > 0 ? (size_t)n : 1, sizeof *p->index);
    if (!p->mark || !p->index)
        return -1;
    int32_t lists = n <= PC_HTML_RELATED_ALL    ? n
                    : n <= PC_HTML_PAGE_PAPERS ? PC_HTML_RELATED_SOME
                                               : PC_HTML_RELATED_FEW;
    sample(corpus, PC_HTML_PAGE_PAPERS, seed, 0, IN_PAGE, p->mark);
    if (in->neighbors) /* the map's papers among those with a list, so a click shows one */
        sample(corpus, lists, seed + 2, 0, HAS_LIST | IN_PAGE, p->mark);
    sample(corpus, PC_HTML_MAP_PAPERS, seed + 1, in->neighbors ? HAS_LIST : 0, ON_MAP | IN_PAGE,
           p->mark);
    for (int32_t c = 0; c < in->description->k; c++) /* central papers are shown by title */
        for (int32_t m = 0; m < in->description->cluster[c].n_central; m++)
            p->mark[in->description->cluster[c].central[m]] |= IN_PAGE;
    const pc_neighbors *nb = in->neighbors;
    for (int32_t i = 0; nb && i < n; i++) /* the papers a kept list names */
        for (int32_t r = 0; (p->mark[i] & HAS_LIST) && r < nb->top; r++) {
            int32_t j = nb->id[(size_t)i * (size_t)nb->top + (size_t)r];
            if (j >= 0)
                p->mark[j] |= IN_PAGE;
        }
    for (int32_t i = 0; i < n; i++)
        p->index[i] = p->mark[i] & IN_PAGE ? p->n_page++ : -1;
    return 0;
}

static json_t *corpus_figures(const pc_report_input *in)
{
    json_t *o = json_object();
    const pc_summary *s = in->summary;
    static const char *const keys[] = {"documents", "terms", "nonzeros", "k", "seed"};
    if (!o || put(o, "source", json_string(in->corpus->source)) != 0)
        goto fail;
    for (size_t i = 0; s && i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = pc_summary_get(s, keys[i]);
        if (v && put(o, keys[i], json_integer(strtoll(v, NULL, 10))) != 0)
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *summary_rows(const pc_summary *s)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && s && i < s->count; i++) {
        json_t *row = json_array();
        if (push(rows, row) != 0 || push(row, json_string(s->key[i])) != 0 ||
            push(row, json_string(s->value[i])) != 0) {
            json_decref(rows);
            return NULL;
        }
    }
    return rows;
}

/* A cluster's term list: strings, or [term, score] pairs when scores is set. */
static json_t *term_list(const pc_vocab *vocab, const int32_t *terms, const float *scores,
                         int32_t n)
{
    json_t *list = json_array();
    for (int32_t t = 0; list && t < n; t++) {
        json_t *item = json_string(vocab->term[terms[t]]);
        if (scores && item) {
            json_t *pair = json_array();
            if (push(pair, item) != 0 || push(pair, json_real(scores[t])) != 0) {
                json_decref(pair);
                pair = NULL;
            }
            item = pair;
        }
        if (push(list, item) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* An empty array set under `key` in `o` (which keeps it), or NULL. */
static json_t *new_array(json_t *o, const char *key)
{
    json_t *array = json_array();
    return put(o, key, array) == 0 ? array : NULL;
}

static json_t *one_cluster(const page *p, int32_t c)
{
    const pc_report_input *in = p->in;
    const pc_cluster_description *d = &in->description->cluster[c];
    int32_t n_top = d->n_terms < in->n_label_terms ? d->n_terms : in->n_label_terms;
    double trend = in->timeline && in->timeline->n_periods ? in->timeline->trend[c] : NAN;
    json_t *o = json_object(), *central = o ? new_array(o, "central") : NULL;
    int failed = !central || put(o, "id", json_integer(c)) != 0 ||
                 put(o, "size", json_integer(d->size)) != 0 ||
                 put(o, "label", json_string(d->label ? d->label : "")) != 0 ||
                 put(o, "cohesion", figure(d->cohesion)) != 0 ||
                 put(o, "coherence", figure(d->coherence)) != 0 ||
                 put(o, "exclusivity", figure(d->exclusivity)) != 0 ||
                 put(o, "trend", figure(trend)) != 0 ||
                 put(o, "top_terms", term_list(in->vocab, d->term, NULL, n_top)) != 0 ||
                 put(o, "distinctive",
                     term_list(in->vocab, d->distinctive, d->score, d->n_distinctive)) != 0 ||
                 put(o, "x", json_real(p->xy[(size_t)c * 2])) != 0 ||
                 put(o, "y", json_real(p->xy[(size_t)c * 2 + 1])) != 0;
    for (int32_t m = 0; !failed && m < d->n_central; m++)
        failed = push(central, json_integer(p->index[d->central[m]])) != 0;
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *cluster_list(const page *p)
{
    json_t *list = json_array();
    for (int32_t c = 0; list && c < p->in->description->k; c++)
        if (push(list, one_cluster(p, c)) != 0) {
            json_decref(list);
            return NULL;
        }
    return list;
}

static json_t *paper_arrays(const page *p)
{
    const pc_corpus *corpus = p->in->corpus;
    json_t *o = json_object();
    json_t *ids = o ? new_array(o, "id") : NULL, *titles = o ? new_array(o, "title") : NULL;
    json_t *clusters = o ? new_array(o, "cluster") : NULL;
    char title[512];
    int failed = !ids || !titles || !clusters ||
                 put(o, "n_total", json_integer(corpus->n_docs)) != 0 ||
                 put(o, "sampled", json_boolean(p->n_page < corpus->n_docs)) != 0;
    for (int32_t i = 0; !failed && i < corpus->n_docs; i++) {
        if (p->index[i] < 0)
            continue;
        pc_corpus_title(corpus, i, title, sizeof title);
        failed = push(ids, json_string(corpus->id[i])) != 0 ||
                 push(titles, json_string(title)) != 0 ||
                 push(clusters, json_integer(p->in->clusters->assign[i])) != 0;
    }
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*
 * The map's points: [page index, x, y], each at the softmax-weighted mean of
 * the cluster positions, weights exp(β · (cos − best cos)).  β is set from
 * the corpus so that the median paper's own cluster outweighs the runner-up
 * e^MAP_CONTRAST times (β = MAP_CONTRAST / the median gap between a paper's
 * best and second-best cosine, within [MAP_SHARPNESS_MIN, MAP_SHARPNESS_MAX]):
 * papers gather at their clusters, and the ones between topics lie between,
 * whatever the corpus's typical cosines.
 */
static json_t *map_points(const page *p)
{
    const pc_csr *X = p->in->matrix;
    const pc_clusters *cl = p->in->clusters;
    int32_t k = cl->k, n = 0;
    for (int32_t i = 0; X && i < X->n_rows; i++)
        n += (p->mark[i] & ON_MAP) && X->row_ptr[i] < X->row_ptr[i + 1];
    json_t *points = json_array();
    double *sim = pc_malloc_array((size_t)(n > 0 ? n : 1) * (size_t)k, sizeof *sim);
    double *gap = pc_malloc_array((size_t)(n > 0 ? n : 1), sizeof *gap);
    int32_t *doc = pc_malloc_array((size_t)(n > 0 ? n : 1), sizeof *doc);
    int failed = !points || !sim || !gap || !doc;
    for (int32_t i = 0, m = 0; !failed && X && i < X->n_rows; i++) {
        if (!(p->mark[i] & ON_MAP) || X->row_ptr[i] == X->row_ptr[i + 1])
            continue;
        double best = -2.0, second = -2.0, *s = sim + (size_t)m * (size_t)k;
        for (int32_t c = 0; c < k; c++) {
            const float *centroid = cl->centroid + (size_t)c * (size_t)cl->dim;
            s[c] = 0.0;
            for (int64_t q = X->row_ptr[i]; q < X->row_ptr[i + 1]; q++)
                s[c] += (double)X->val[q] * centroid[X->col[q]];
            if (s[c] > best) {
                second = best;
                best = s[c];
            } else if (s[c] > second) {
                second = s[c];
            }
        }
        gap[m] = k > 1 ? best - second : 1.0;
        doc[m++] = i;
    }
    double sharpness = MAP_SHARPNESS_MAX;
    if (!failed && n > 0) {
        qsort(gap, (size_t)n, sizeof *gap, by_value);
        double median = gap[n / 2];
        if (median > 0.0 && MAP_CONTRAST / median < sharpness)
            sharpness = MAP_CONTRAST / median;
        if (sharpness < MAP_SHARPNESS_MIN)
            sharpness = MAP_SHARPNESS_MIN;
    }
    for (int32_t m = 0; !failed && m < n; m++) {
        const double *s = sim + (size_t)m * (size_t)k;
        double best = s[0], total = 0.0, x = 0.0, y = 0.0;
        for (int32_t c = 1; c < k; c++)
            best = s[c] > best ? s[c] : best;
        for (int32_t c = 0; c < k; c++) {
            double w = exp(sharpness * (s[c] - best));
            total += w;
            x += w * p->xy[(size_t)c * 2];
            y += w * p->xy[(size_t)c * 2 + 1];
        }
        json_t *point = json_array();
        failed = push(points, point) != 0 || push(point, json_integer(p->index[doc[m]])) != 0 ||
                 push(point, json_real(x / total)) != 0 || push(point, json_real(y / total)) != 0;
    }
    free(sim);
    free(gap);
    free(doc);
    if (failed) {
        json_decref(points);
        return NULL;
    }
    return points;
}

static json_t *related_lists(const page *p)
{
    const pc_neighbors *nb = p->in->neighbors;
    const pc_corpus *corpus = p->in->corpus;
    json_t *o = json_object();
    json_t *papers = o ? new_array(o, "paper") : NULL, *lists = o ? new_array(o, "list") : NULL;
    int32_t kept = 0;
    int failed = !papers || !lists;
    for (int32_t i = 0; !failed && nb && i < corpus->n_docs; i++) {
        if (!(p->mark[i] & HAS_LIST))
            continue;
        json_t *list = json_array();
        failed = push(papers, json_integer(p->index[i])) != 0 || push(lists, list) != 0;
        for (int32_t r = 0; !failed && r < nb->top; r++) {
            size_t at = (size_t)i * (size_t)nb->top + (size_t)r;
            if (nb->id[at] < 0)
                break;
            json_t *entry = json_array();
            failed = push(list, entry) != 0 ||
                     push(entry, json_integer(p->index[nb->id[at]])) != 0 ||
                     push(entry, json_real(nb->similarity[at])) != 0;
        }
        kept++;
    }
    if (failed || put(o, "top", json_integer(nb ? nb->top : 0)) != 0 ||
        put(o, "complete", json_boolean(nb && kept == corpus->n_docs)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *time_table(const pc_timeline *t)
{
    if (!t)
        return json_null();
    json_t *o = json_object();
    json_t *labels = o ? new_array(o, "labels") : NULL, *papers = o ? new_array(o, "papers") : NULL;
    json_t *counts = o ? new_array(o, "count") : NULL, *trended = o ? new_array(o, "trended") : NULL;
    char label[PC_PERIOD_LABEL_MAX];
    int failed = !labels || !papers || !counts || !trended ||
                 put(o, "period", json_string(pc_period_name(t->options.period))) != 0;
    for (int32_t q = 0; !failed && q < t->n_periods; q++) {
        json_t *row = json_array();
        pc_timeline_label(t, q, label);
        failed = push(labels, json_string(label)) != 0 ||
                 push(papers, json_integer(t->papers[q])) != 0 || push(counts, row) != 0 ||
                 push(trended, json_boolean(t->trended[q])) != 0;
        for (int32_t c = 0; !failed && c < t->k; c++)
            failed = push(row, json_integer(t->count[(size_t)q * (size_t)t->k + (size_t)c])) != 0;
    }
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The cluster tree: its nodes in preorder, each with its label and top terms
 * (a leaf's are its cluster's). */
static json_t *tree_nodes(const pc_report_input *in)
{
    const pc_tree *t = in->tree;
    if (!t)
        return json_null();
    json_t *o = json_object(), *nodes = o ? new_array(o, "nodes") : NULL;
    const char *method = pc_summary_get(in->summary, "method");
    int failed = !nodes || put(o, "method", json_string(method ? method : "kmeans")) != 0;
    for (int32_t v = 0, inner = 0; !failed && v < t->n_nodes; v++) {
        const pc_tree_node *n = &t->node[v];
        const pc_cluster_description *d = n->cluster >= 0 ? &in->description->cluster[n->cluster]
                                                          : &in->tree_groups->cluster[inner++];
        int32_t n_top = d->n_terms < in->n_label_terms ? d->n_terms : in->n_label_terms;
        json_t *node = json_object();
        failed = push(nodes, node) != 0 || put(node, "parent", json_integer(n->parent)) != 0 ||
                 put(node, "depth", json_integer(n->depth)) != 0 ||
                 put(node, "size", json_integer(n->size)) != 0 ||
                 put(node, "cluster", json_integer(n->cluster)) != 0 ||
                 put(node, "label", json_string(d->label ? d->label : "")) != 0 ||
                 put(node, "top_terms", term_list(in->vocab, d->term, NULL, n_top)) != 0;
    }
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *page_data(page *p, uint64_t seed)
{
    const pc_report_input *in = p->in;
    const pc_clusters *cl = in->clusters;
    p->xy = pc_calloc((size_t)cl->k * 2, sizeof *p->xy);
    if (!p->xy || choose_papers(p, seed) != 0 ||
        pc_map_points(cl->centroid, cl->k, cl->dim, p->xy) != 0)
        return NULL;
    char title[600];
    const char *base = strrchr(in->corpus->source, '/');
    snprintf(title, sizeof title, "paperclust report: %s", base ? base + 1 : in->corpus->source);
    json_t *o = json_object();
    if (!o || put(o, "version", json_integer(1)) != 0 || put(o, "title", json_string(title)) != 0 ||
        put(o, "corpus", corpus_figures(in)) != 0 || put(o, "summary", summary_rows(in->summary)) != 0 ||
        put(o, "clusters", cluster_list(p)) != 0 || put(o, "papers", paper_arrays(p)) != 0 ||
        put(o, "map", map_points(p)) != 0 || put(o, "related", related_lists(p)) != 0 ||
        put(o, "timeline", time_table(in->timeline)) != 0 || put(o, "tree", tree_nodes(in)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- writing ---- */

/* The JSON on its way out: jansson hands it over a token at a time, so it is
 * gathered here and written in large pieces, every '<' as \u003c (valid
 * JSON: it is only ever inside strings). */
typedef struct escaper {
    FILE *out;
    size_t used;
    int failed;
    char buffer[1 << 16];
} escaper;

static void flush(escaper *e)
{
    if (!e->failed && e->used && fwrite(e->buffer, 1, e->used, e->out) != e->used)
        e->failed = 1;
    e->used = 0;
}

static int write_escaped(const char *text, size_t size, void *data)
{
    escaper *e = data;
    for (size_t i = 0; i < size; i++) {
        if (e->used + 6 > sizeof e->buffer)
            flush(e);
        if (text[i] == '<') {
            memcpy(e->buffer + e->used, "\\u003c", 6);
            e->used += 6;
        } else {
            e->buffer[e->used++] = text[i];
        }
    }
    return e->failed ? -1 : 0;
}

int pc_html_map_papers(const pc_report_input *in, uint64_t seed, unsigned char **on_map)
{
    page p = {.in = in};
    *on_map = NULL;
    int failed = choose_papers(&p, seed) != 0;
    free(p.index);
    for (int32_t i = 0; !failed && i < in->corpus->n_docs; i++)
        p.mark[i] = (p.mark[i] & ON_MAP) != 0;
    if (failed) {
        free(p.mark);
        return ENOMEM;
    }
    *on_map = p.mark;
    return 0;
}

int pc_html_write(FILE *out, const pc_report_input *in, uint64_t seed)
{
    static const char marker[] = "<!--PAPERCLUST-DATA-->";
    const char *template = (const char *)pc_embed_report_html;
    const char *at = strstr(template, marker);
    if (!at)
        return EINVAL; /* a broken template is a build error, caught by the tests */
    page p = {in, NULL, NULL, 0, NULL};
    json_t *data = page_data(&p, seed);
    free(p.mark);
    free(p.index);
    free(p.xy);
    if (!data)
        return ENOMEM;
    size_t head = (size_t)(at - template), tail_at = head + sizeof marker - 1;
    static const char open[] = "<script type=\"application/json\" id=\"paperclust-data\">";
    static const char close[] = "</script>";
    escaper *e = pc_malloc(sizeof *e);
    int failed = !e;
    if (e) {
        *e = (escaper){.out = out};
        failed = fwrite(template, 1, head, out) != head ||
                 fwrite(open, 1, sizeof open - 1, out) != sizeof open - 1 ||
                 json_dump_callback(data, write_escaped, e,
                                    JSON_COMPACT | JSON_REAL_PRECISION(5)) != 0;
        flush(e);
        failed |= e->failed || fwrite(close, 1, sizeof close - 1, out) != sizeof close - 1 ||
                  fwrite(template + tail_at, 1, pc_embed_report_html_size - tail_at, out) !=
                      pc_embed_report_html_size - tail_at;
    }
    json_decref(data);
    if (!e)
        return ENOMEM;
    free(e);
    return failed ? (errno ? errno : EIO) : 0;
}
