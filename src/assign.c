/*
 * assign.c — new papers into a saved model: open → read → count against the
 * model's vocabulary → weight with its idf → nearest centroid (or down the
 * bisection's tree) → related
 * papers among the model's rows → reports.
 *
 * Every step is a stage the run itself uses, given the model's parts instead
 * of the corpus's own: pc_vocab_count (the run's tokenizer and counting, on a
 * fixed vocabulary), pc_tfidf_weight (the run's arithmetic, the model's idf),
 * pc_kmeans_predict (the k-means assignment kernel, ties as k-means broke
 * them; for a bisection model, its tree descended by the splits' own rules
 * with the kernel they were made with) and pc_neighbors_query (the related-paper kernels, the new papers in
 * the lanes).  That is why a paper of the model's own corpus gets back the
 * very numbers its run reported.  Memory: the model is mapped, not copied;
 * the new papers cost their non-zeros and top related papers each.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/paperclust.h"

void pc_assign_options_default(pc_assign_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->output_dir = "assigned";
    pc_read_options_default(&opt->read);
    opt->read.label_col = "label";
    opt->read.label_optional = 1;
    opt->top = 10;
}

pc_status pc_assign_options_check(const pc_assign_options *opt, pc_error *err)
{
    if (!opt->model || !opt->model[0])
        return pc_fail(err, PC_ERR_INVALID, "no model given");
    if (!opt->input || !opt->input[0])
        return pc_fail(err, PC_ERR_INVALID, "no input file given");
    if (!opt->output_dir || !opt->output_dir[0])
        return pc_fail(err, PC_ERR_INVALID, "no output folder given");
    if (opt->top < 0)
        return pc_fail(err, PC_ERR_INVALID, "--top must be >= 0");
    if (opt->threads < 0)
        return pc_fail(err, PC_ERR_INVALID, "--threads must be >= 0");
    if (opt->read.max_doc_bytes < 16)
        return pc_fail(err, PC_ERR_INVALID, "--max-doc-bytes must be at least 16");
    return PC_OK;
}

/* Everything an assignment owns, freed in one place. */
typedef struct assign_state {
    pc_model *model;
    pc_corpus *corpus;
    pc_csr *X;               /* the new papers' TF-IDF rows */
    int64_t unknown;
    pc_clusters placed;      /* k, n_docs, assign, similarity of the new papers */
    pc_neighbors *neighbors;
    pc_summary summary;
    double clock;
    pc_memory_meter meter; /* each stage's peak memory */
} assign_state;

static void assign_state_free(assign_state *s)
{
    pc_memory_meter_stop(&s->meter);
    pc_model_free(s->model);
    pc_corpus_free(s->corpus);
    pc_csr_free(s->X);
    free(s->placed.assign);
    free(s->placed.similarity);
    pc_neighbors_free(s->neighbors);
    pc_summary_clear(&s->summary);
}

/* Records the seconds and peak memory of the stage just done under `key`. */
static pc_status timed(assign_state *s, const char *key, pc_status status, pc_error *err)
{
    if (status == PC_OK &&
        pc_summary_stage(&s->summary, key, &s->clock, &s->meter) != PC_OK)
        status = pc_fail_nomem(err, "writing the summary");
    return status;
}

/* Read and tokenize as in a run (no text kept; the corpus in canonical order
 * as in a run: related.csv ties by id), count against the model's
 * vocabulary, weight with its idf. */
static pc_status vectorize(const pc_assign_options *opt, const pc_monitor *mon, assign_state *s,
                           pc_error *err)
{
    const pc_model *m = s->model;
    pc_term_lists *lists = NULL;
    pc_status status = pc_vocab_read(opt->input, &opt->read, &m->tokenize, &m->vocab,
                                     opt->threads, 0, mon, &s->corpus, &lists, err);
    status = timed(s, "seconds_read", status, err);
    if (status == PC_OK)
        status = pc_term_lists_finish(lists, s->corpus, s->corpus->input_index, NULL, mon, NULL,
                                      &s->X, &s->unknown, err);
    pc_term_lists_free(lists);
    status = timed(s, "seconds_vocabulary", status, err);
    if (status != PC_OK)
        return status;
    pc_tfidf_options topt = m->tfidf;
    topt.threads = opt->threads;
    pc_tfidf_weight(s->X, m->idf, &topt);
    int32_t empty = pc_csr_empty_rows(s->X);
    if (empty > 0)
        pc_warn(mon, "%s: %d of %d papers have no term the model knows; they join cluster 0 "
                     "with similarity 0", s->corpus->source, (int)empty, (int)s->X->n_rows);
    return timed(s, "seconds_tfidf", PC_OK, err);
}

/* Each new paper's cluster: nearest centroid, or down a bisection's tree. */
static pc_status place(const pc_assign_options *opt, assign_state *s, pc_error *err)
{
    const int32_t n = s->X->n_rows;
    s->placed.k = s->model->k;
    s->placed.n_docs = n;
    s->placed.dim = s->model->n_terms;
    s->placed.assign = pc_malloc_array((size_t)n, sizeof *s->placed.assign);
    s->placed.similarity = pc_malloc_array((size_t)n, sizeof *s->placed.similarity);
    if (!s->placed.assign || !s->placed.similarity)
        return pc_fail_nomem(err, "placing the papers");
    pc_status status = pc_kmeans_predict(&s->model->clusters, s->X, opt->threads,
                                         s->placed.assign, s->placed.similarity, err);
    return timed(s, "seconds_assign", status, err);
}

/*
 * self[q]: the model paper that new paper q is (the first of its id, when
 * its TF-IDF row is the same bits), or -1.
 */
static pc_status find_selves(const assign_state *s, int32_t *self, pc_error *err)
{
    const pc_model *m = s->model;
    pc_id_index *ids = NULL;
    pc_status status = pc_id_index_new(m->n_docs, m->id, &ids, err);
    for (int32_t q = 0; status == PC_OK && q < s->X->n_rows; q++) {
        int32_t j = pc_id_index_find(ids, s->corpus->id[q]);
        const int64_t a = s->X->row_ptr[q], b = j >= 0 ? m->rows.row_ptr[j] : 0;
        const int64_t len = s->X->row_ptr[q + 1] - a;
        self[q] = j >= 0 && m->rows.row_ptr[j + 1] - b == len &&
                          memcmp(s->X->col + a, m->rows.col + b, (size_t)len * 4) == 0 &&
                          memcmp(s->X->val + a, m->rows.val + b, (size_t)len * 4) == 0
                      ? j
                      : -1;
    }
    pc_id_index_free(ids);
    return status;
}

/* The new papers' related papers among the model's, taken cluster by cluster. */
static pc_status relate(const pc_assign_options *opt, const pc_monitor *mon, assign_state *s,
                        pc_error *err)
{
    if (opt->top == 0)
        return PC_OK;
    const int32_t n = s->X->n_rows;
    int32_t *self = pc_malloc_array((size_t)n, sizeof *self);
    int32_t *order = pc_malloc_array((size_t)n, sizeof *order);
    int64_t *start = pc_malloc_array((size_t)s->placed.k + 1, sizeof *start);
    pc_status status = self && order && start ? find_selves(s, self, err)
                                              : pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK) {
        pc_clusters_members(&s->placed, start, order);
        pc_neighbors_options nopt;
        pc_neighbors_options_default(&nopt);
        nopt.top = opt->top;
        nopt.threads = opt->threads;
        nopt.order = order;
        status = pc_neighbors_query(&s->model->rows, s->X, self, &nopt, mon, &s->neighbors,
                                    err);
    }
    free(self);
    free(order);
    free(start);
    return timed(s, "seconds_related", status, err);
}

static pc_status summarize(const pc_assign_options *opt, assign_state *s, double started,
                           pc_error *err)
{
    pc_summary *m = &s->summary;
    double objective = 0.0;
    for (int32_t i = 0; i < s->X->n_rows; i++)
        objective += s->placed.similarity[i];
    pc_status status = PC_OK;
#define ADD(key, ...)                                                                      \
    if (status == PC_OK)                                                                   \
    status = pc_summary_add(m, key, __VA_ARGS__)
    ADD("seconds_total", "%.3f", pc_now() - started);
    ADD("peak_rss_mib_total", "%.0f", pc_memory_peak_mib());
    ADD("input", "%s", s->corpus->source);
    ADD("model", "%s", s->model->path);
    ADD("documents", "%d", (int)s->X->n_rows);
    ADD("terms", "%d", (int)s->X->n_cols);
    ADD("nonzeros", "%lld", (long long)s->X->nnz);
    ADD("threads", "%d", pc_thread_count(opt->threads));
    ADD("unknown_tokens", "%lld", (long long)s->unknown);
    ADD("empty_documents", "%d", (int)pc_csr_empty_rows(s->X));
    ADD("model_documents", "%d", (int)s->model->n_docs);
    ADD("k", "%d", (int)s->model->k);
    ADD("method", "%s", s->model->method == PC_METHOD_BISECT ? "bisect" : "kmeans");
    ADD("mean_similarity", "%.6f", s->X->n_rows ? objective / s->X->n_rows : 0.0);
    ADD("top", "%d", (int)opt->top);
    if (s->neighbors) {
        ADD("related_multiply_adds", "%lld", (long long)s->neighbors->work);
        ADD("related_sum_df2", "%lld", (long long)s->neighbors->work_all);
    }
#undef ADD
    if (status != PC_OK)
        return pc_fail_nomem(err, "writing the summary");
    pc_score_input in = {s->corpus->n_docs, s->placed.assign, s->corpus->label, NULL, 0, NULL,
                         NULL};
    return pc_scores_summarize(&in, m, err);
}

static pc_assign_result *make_result(const pc_assign_options *opt, const assign_state *s,
                                     double started)
{
    const pc_model *m = s->model;
    pc_assign_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->k = m->k;
    r->count = pc_calloc((size_t)m->k, sizeof *r->count);
    r->label = pc_calloc((size_t)m->k, sizeof *r->label);
    r->source = pc_strndup(s->corpus->source, strlen(s->corpus->source));
    r->model = pc_strndup(m->path, strlen(m->path));
    r->output_dir = pc_strndup(opt->output_dir, strlen(opt->output_dir));
    int ok = r->count && r->label && r->source && r->model && r->output_dir;
    for (int32_t c = 0; ok && c < m->k; c++)
        ok = (r->label[c] = pc_strndup(m->label[c], strlen(m->label[c]))) != NULL;
    if (!ok) {
        pc_assign_result_free(r);
        return NULL;
    }
    for (int32_t i = 0; i < s->X->n_rows; i++)
        r->count[s->placed.assign[i]]++;
    r->documents = s->X->n_rows;
    r->skipped = s->corpus->n_skipped;
    r->empty_documents = pc_csr_empty_rows(s->X);
    r->unknown_tokens = s->unknown;
    r->model_documents = m->n_docs;
    r->related = s->neighbors != NULL;
    r->seconds = pc_now() - started;
    return r;
}

void pc_assign_result_free(pc_assign_result *result)
{
    if (!result)
        return;
    for (int32_t c = 0; result->label && c < result->k; c++)
        free(result->label[c]);
    free(result->label);
    free(result->count);
    free(result->source);
    free(result->model);
    free(result->output_dir);
    free(result);
}

pc_status pc_assign(const pc_assign_options *opt, const pc_monitor *mon,
                    pc_assign_result **result, pc_error *err)
{
    if (result)
        *result = NULL;
    assign_state s;
    memset(&s, 0, sizeof s);
    pc_memory_meter_start(&s.meter);
    double started = pc_now();
    s.clock = started;
    pc_status status = pc_assign_options_check(opt, err);
    if (status == PC_OK)
        status = pc_threads_start(opt->threads, err);
    if (status == PC_OK)
        status = timed(&s, "seconds_model", pc_model_open(opt->model, &s.model, err), err);
    if (status == PC_OK)
        status = vectorize(opt, mon, &s, err);
    if (status == PC_OK)
        status = place(opt, &s, err);
    if (status == PC_OK)
        status = relate(opt, mon, &s, err);
    if (status == PC_OK)
        status = summarize(opt, &s, started, err);
    if (status == PC_OK) {
        pc_report_input in = {.corpus = s.corpus,
                              .clusters = &s.placed,
                              .neighbors = s.neighbors,
                              .summary = &s.summary,
                              .related_ids = s.model->id};
        status = pc_report_write_assigned(opt->output_dir, &in, mon, err);
    }
    if (status == PC_OK && result && (*result = make_result(opt, &s, started)) == NULL)
        status = pc_fail_nomem(err, "summing up the assignment");
    assign_state_free(&s);
    return status;
}
