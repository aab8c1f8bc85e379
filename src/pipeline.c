/*
 * pipeline.c — the whole run in one call: read → count → weight → cluster →
 * describe → relate → report, timing each stage into summary.csv.  The
 * command-line program only fills a pc_options and calls pc_run().
 * Several processes (opt->comm, paperclust-mpi): every process runs this
 * same pipeline; each reads and tokenizes its share of the input, the shares
 * are merged (src/share.c: one vocabulary, the canonical order over all
 * papers), and each weights its range of the rows.  k-means, the
 * descriptions, the TF-IDF related lists (exact or approximate, refined
 * too) and report.html's map work from the ranges, each stage taking
 * the communicator; the stages that do not yet (LSA, bisection, a k sweep,
 * the silhouette, the other related lists, a saved model) make every
 * process gather the whole matrix first (needs_whole).  Before the reports
 * every process checks in, so that a failure anywhere leaves no report;
 * rank 0 alone writes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/paperclust.h"
#include "progress_internal.h"
#include "report_html_internal.h"
#include "share_internal.h"

void pc_options_default(pc_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->output_dir = "out";
    opt->stopwords = "english";
    pc_read_options_default(&opt->read);
    pc_vocab_options_default(&opt->vocab);
    opt->vocab.relax_bounds = 1; /* until the user gives a bound */
    pc_tfidf_options_default(&opt->tfidf);
    pc_kmeans_options_default(&opt->kmeans);
    pc_timeline_options_default(&opt->timeline);
    pc_lsa_options_default(&opt->lsa);
    opt->lsa.dims = 0; /* off until asked for (--lsa) */
    pc_related_options_default(&opt->related);
    pc_describe_options_default(&opt->describe);
    opt->n_label_terms = 10;
    opt->label_stopwords = "science";
    opt->html = 1;
    opt->silhouette_sample = 10000;
}

static pc_status check_df(pc_df_bound b, const char *name, pc_error *err)
{
    if (!(b.value >= 0.0) || (b.is_fraction && b.value > 1.0) || isinf(b.value))
        return pc_fail(err, PC_ERR_INVALID,
                       "--%s must be a count >= 0 or a fraction between 0 and 1", name);
    return PC_OK;
}

pc_status pc_options_check(const pc_options *opt, pc_error *err)
{
    if (!opt->input || !opt->input[0])
        return pc_fail(err, PC_ERR_INVALID, "no input file given");
    for (int i = 0; i < opt->read.n_more_inputs; i++)
        if (strcmp(opt->input, "-") == 0 || strcmp(opt->read.more_inputs[i], "-") == 0)
            return pc_fail(err, PC_ERR_INVALID, "several inputs are files read one after the "
                                                "other: standard input ('-') is not one of them");
    if (!opt->output_dir || !opt->output_dir[0])
        return pc_fail(err, PC_ERR_INVALID, "no output folder given");
    if (opt->kmeans.k < 0)
        return pc_fail(err, PC_ERR_INVALID, "-k must be at least 1 (or 0 for the default rule)");
    const pc_k_range *r = &opt->k_range;
    if (!r->automatic && r->min != 0 && (r->min < 1 || r->max < r->min || r->step < 1))
        return pc_fail(err, PC_ERR_INVALID, "-k MIN:MAX:STEP needs 1 <= MIN <= MAX and STEP >= 1");
    if (opt->method != PC_METHOD_KMEANS && opt->method != PC_METHOD_BISECT)
        return pc_fail(err, PC_ERR_INVALID, "unknown clustering method %d", (int)opt->method);
    if (opt->kmeans.n_init < 1)
        return pc_fail(err, PC_ERR_INVALID, "--n-init must be at least 1");
    if (opt->kmeans.max_iter < 1)
        return pc_fail(err, PC_ERR_INVALID, "--max-iter must be at least 1");
    if (!(opt->kmeans.tol >= 0.0))
        return pc_fail(err, PC_ERR_INVALID, "--tol must be >= 0");
    if (opt->related.neighbors.top < 0)
        return pc_fail(err, PC_ERR_INVALID, "--top must be >= 0");
    const pc_related_options *rel = &opt->related;
    if (rel->similarity < PC_SIMILARITY_TFIDF || rel->similarity > PC_SIMILARITY_HYBRID)
        return pc_fail(err, PC_ERR_INVALID, "unknown similarity %d", (int)rel->similarity);
    if (!(rel->hybrid_weight >= 0.0f && rel->hybrid_weight <= 1.0f))
        return pc_fail(err, PC_ERR_INVALID, "--hybrid-weight must be from 0 to 1");
    if (rel->feedback < 0 || !(rel->feedback_weight >= 0.0f) || isinf(rel->feedback_weight))
        return pc_fail(err, PC_ERR_INVALID, "--feedback must be >= 0 (its weight too)");
    if (rel->search != PC_RELATED_EXACT && rel->search != PC_RELATED_APPROX)
        return pc_fail(err, PC_ERR_INVALID, "unknown related-paper search %d", (int)rel->search);
    if (rel->probe < 0 || rel->partitions < 0)
        return pc_fail(err, PC_ERR_INVALID, "--probe and --partitions must be at least 1");
    if (rel->index != PC_INDEX_PARTITIONS && rel->index != PC_INDEX_TERMS)
        return pc_fail(err, PC_ERR_INVALID, "unknown approximate index %d", (int)rel->index);
    const int by_terms = rel->index == PC_INDEX_TERMS;
    if (rel->search != PC_RELATED_APPROX && (by_terms || rel->mass != 0.0f))
        return pc_fail(err, PC_ERR_INVALID, "--index and --mass need --related approx");
    if (!(rel->mass >= 0.0f && rel->mass <= 1.0f))
        return pc_fail(err, PC_ERR_INVALID, "--mass must be above 0 and at most 1");
    if (rel->mass > 0.0f && !by_terms)
        return pc_fail(err, PC_ERR_INVALID, "--mass needs --index terms");
    if (rel->search != PC_RELATED_APPROX && (rel->probe > 0 || rel->partitions > 0))
        return pc_fail(err, PC_ERR_INVALID, "--probe and --partitions need --related approx");
    if (by_terms && (rel->probe > 0 || rel->partitions > 0 || rel->refine > 0))
        return pc_fail(err, PC_ERR_INVALID, "--probe, --partitions and --refine need --index "
                                            "partitions, not terms");
    if (rel->refine < 0 || rel->candidates < 0)
        return pc_fail(err, PC_ERR_INVALID, "--refine and --candidates must be at least 1");
    if (rel->search != PC_RELATED_APPROX && rel->refine > 0)
        return pc_fail(err, PC_ERR_INVALID, "--refine needs --related approx");
    if (rel->refine == 0 && rel->candidates > 0 && !by_terms)
        return pc_fail(err, PC_ERR_INVALID, "--candidates needs --refine or --index terms");
    if (rel->search != PC_RELATED_EXACT && rel->similarity != PC_SIMILARITY_TFIDF)
        return pc_fail(err, PC_ERR_INVALID, "--related %s scores by the TF-IDF cosine only, "
                                            "not --similarity %s",
                       pc_related_search_name(rel->search), pc_similarity_name(rel->similarity));
    if (rel->search != PC_RELATED_EXACT && rel->feedback > 0)
        return pc_fail(err, PC_ERR_INVALID, "--related %s cannot be combined with --feedback",
                       pc_related_search_name(rel->search));
    if (opt->lsa.dims < 0)
        return pc_fail(err, PC_ERR_INVALID, "--lsa must be at least 1");
    if (opt->cluster_on != PC_CLUSTER_ON_TFIDF && opt->cluster_on != PC_CLUSTER_ON_LSA)
        return pc_fail(err, PC_ERR_INVALID, "unknown clustering space %d", (int)opt->cluster_on);
    if (opt->cluster_on == PC_CLUSTER_ON_LSA && opt->save_model)
        return pc_fail(err, PC_ERR_INVALID, "--save-model needs clusters found on the TF-IDF "
                                            "rows (a model places papers by them), not "
                                            "--cluster-on lsa");
    if (opt->vocab.max_features < 0)
        return pc_fail(err, PC_ERR_INVALID, "--max-features must be >= 0");
    if (opt->vocab.tokenize.ngram_max != 1 && opt->vocab.tokenize.ngram_max != 2)
        return pc_fail(err, PC_ERR_INVALID, "--ngrams must be 1 or 2");
    if (opt->vocab.tokenize.min_token_len < 1)
        return pc_fail(err, PC_ERR_INVALID, "the minimum token length must be at least 1");
    if (opt->threads < 0)
        return pc_fail(err, PC_ERR_INVALID, "--threads must be >= 0");
    if (opt->describe.n_terms < 0 || opt->describe.n_distinctive < 0 ||
        opt->describe.n_central < 0 || opt->describe.n_label < 0 || opt->n_label_terms < 0)
        return pc_fail(err, PC_ERR_INVALID, "numbers of terms and papers must be >= 0");
    if (opt->silhouette_sample < 0)
        return pc_fail(err, PC_ERR_INVALID, "the silhouette sample must be >= 0");
    if (opt->save_model && !opt->save_model[0])
        return pc_fail(err, PC_ERR_INVALID, "no model folder given");
    if (opt->comm && strcmp(opt->input, "-") == 0)
        return pc_fail(err, PC_ERR_INVALID, "paperclust-mpi reads files, not standard input "
                                            "('-'): give the input as a file");
    if (opt->read.max_doc_bytes < 16)
        return pc_fail(err, PC_ERR_INVALID, "--max-doc-bytes must be at least 16");
    pc_status status = check_df(opt->vocab.min_df, "min-df", err);
    if (status == PC_OK)
        status = check_df(opt->vocab.max_df, "max-df", err);
    return status;
}

int32_t pc_default_k(int32_t n_docs)
{
    if (n_docs <= 1)
        return 1;
    long k = lround(sqrt(n_docs / 2.0));
    return (int32_t)(k < 2 ? 2 : k > 50 ? 50 : k);
}

/* Everything a run owns, freed in one place. */
typedef struct run_state {
    pc_corpus *corpus;
    pc_stoplist *stoplist;
    pc_vocab *vocab;
    pc_csr *X;
    pc_clusters *clusters;
    pc_description *description;
    pc_neighbors *neighbors;
    pc_timeline *timeline;
    pc_lsa *lsa;
    pc_csr *L;                 /* --cluster-on lsa: the unit LSA rows the clusters are fit on */
    pc_csr *rows;              /* several processes: this one's range of the TF-IDF rows
                                  (pc_share_range), k-means' rows; X is then the whole
                                  matrix gathered (needs_whole), or NULL */
    int32_t n_docs;            /* the matrix's rows, terms, non-zeros and empty rows (of */
    int32_t n_terms;           /* all processes) */
    int64_t nnz;
    int32_t empty;
    float *idf;
    pc_summary summary;
    pc_tree *tree;
    pc_description *tree_groups; /* the tree's inner nodes */
    pc_k_sweep_row *sweep;     /* a k sweep's rows, NULL without one */
    int32_t n_sweep, chosen;
    pc_k_range range;          /* the swept range */
    pc_memory_meter meter;     /* each stage's peak memory */
    const pc_comm *comm;       /* several processes: the communicator, else NULL */
} run_state;

static void run_state_free(run_state *s)
{
    pc_memory_meter_stop(&s->meter);
    pc_corpus_free(s->corpus);
    pc_stoplist_free(s->stoplist);
    pc_vocab_free(s->vocab);
    pc_csr_free(s->X);
    pc_clusters_free(s->clusters);
    pc_description_free(s->description);
    pc_neighbors_free(s->neighbors);
    pc_timeline_free(s->timeline);
    pc_lsa_free(s->lsa);
    pc_csr_free(s->L);
    pc_csr_free(s->rows);
    free(s->idf);
    pc_summary_clear(&s->summary);
    pc_tree_free(s->tree);
    pc_description_free(s->tree_groups);
    free(s->sweep);
}

/* Records the seconds and peak memory of the stage ended under key, and
 * begins the next; several processes: marks the end of `stage` (what the
 * communicator counts since the previous mark, pc_comm_stage). */
static pc_status lap(run_state *s, const char *key, const char *stage, double *clock)
{
    pc_comm_stage(s->comm, stage);
    return pc_summary_stage(&s->summary, key, clock, &s->meter);
}

static double df_documents(pc_df_bound bound, int32_t n_docs)
{
    return bound.is_fraction ? bound.value * n_docs : bound.value;
}

static int stage_threads(int own, int common)
{
    return own > 0 ? own : common;
}

/*
 * The default bounds (min-df 2 documents, max-df half of them) leave no room
 * in a corpus of fewer than 4 documents; there, and only when the bounds
 * may be relaxed (the user gave none), every term is kept instead, with a
 * warning.  Larger corpora whose terms all fall outside the bounds are
 * relaxed step by step by pc_vocab_build (see relax_bounds in vocab.h).
 */
static void relax_default_bounds(pc_vocab_options *vopt, int32_t n_docs, const char *source,
                                 const pc_monitor *mon)
{
    if (!vopt->relax_bounds ||
        df_documents(vopt->max_df, n_docs) >= df_documents(vopt->min_df, n_docs))
        return;
    vopt->min_df = (pc_df_bound){1.0, 0};
    vopt->max_df = (pc_df_bound){1.0, 1};
    pc_warn(mon, "%s: only %d document%s: keeping every term (min-df 1, max-df 1.0)", source,
            (int)n_docs, n_docs == 1 ? "" : "s");
}

/*
 * Several processes: each reads and tokenizes its share, then the shares are
 * merged (src/share.c) into the corpus and vocabulary one process would have,
 * and s->X holds, until weight_shared, the count rows of this process's range
 * of the canonical order.
 */
static pc_status read_and_count_shared(const pc_options *opt, pc_vocab_options *vopt,
                                       const pc_monitor *mon, run_state *s, double *clock,
                                       pc_error *err)
{
    pc_corpus *share = NULL;
    pc_term_lists *lists = NULL;
    int32_t n_docs = 0;
    pc_status status = pc_share_read(opt->input, &opt->read, &vopt->tokenize, vopt->threads,
                                     vopt->batch_docs, opt->comm, mon, &share, &lists,
                                     &s->corpus, &n_docs, err);
    if (status == PC_OK)
        status = lap(s, "seconds_read", "read", clock);
    if (status == PC_OK) {
        relax_default_bounds(vopt, n_docs, share->source, mon);
        status = pc_share_finish(lists, share, s->corpus, vopt, opt->comm, mon, &s->vocab,
                                 &s->X, err);
    }
    pc_term_lists_free(lists);
    pc_corpus_free(share);
    if (status == PC_OK)
        status = lap(s, "seconds_vocabulary", "order", clock);
    return status;
}

/*
 * Reading tokenizes as it goes (pc_vocab_read: no text is kept), so
 * seconds_read covers tokenizing too; seconds_vocabulary is the pruning and
 * the building of the count matrix.
 */
static pc_status read_and_count(const pc_options *opt, const pc_monitor *mon, run_state *s,
                                double *clock, pc_error *err)
{
    pc_vocab_options vopt = opt->vocab;
    pc_term_lists *lists = NULL;
    pc_status status = pc_stoplist_load(opt->stopwords, &s->stoplist, err);
    if (status != PC_OK)
        return status;
    vopt.tokenize.stoplist = s->stoplist;
    vopt.threads = stage_threads(vopt.threads, opt->threads);
    if (opt->comm)
        return read_and_count_shared(opt, &vopt, mon, s, clock, err);
    status = pc_vocab_read(opt->input, &opt->read, &vopt.tokenize, NULL, vopt.threads,
                           vopt.batch_docs, mon, &s->corpus, &lists, err);
    if (status == PC_OK)
        status = lap(s, "seconds_read", "read", clock);
    if (status == PC_OK) {
        relax_default_bounds(&vopt, s->corpus->n_docs, s->corpus->source, mon);
        status = pc_term_lists_finish(lists, s->corpus, s->corpus->input_index, &vopt, mon,
                                      &s->vocab, &s->X, NULL, err);
    }
    pc_term_lists_free(lists);
    if (status == PC_OK)
        status = lap(s, "seconds_vocabulary", "vocabulary", clock);
    return status;
}

static int sweeping(const pc_options *opt)
{
    return opt->k_range.automatic || opt->k_range.min > 0;
}

/* The related lists that work from the ranges: on the TF-IDF rows, without feedback, exact
 * or approximate (by partitions, refined or not, or by the heaviest terms). */
static int lists_by_ranges(const pc_related_options *r)
{
    return r->similarity == PC_SIMILARITY_TFIDF && r->feedback == 0;
}

/*
 * Several processes: whether a stage of this run needs every row on every
 * process — those that do not work on ranges yet: LSA, bisection, a k
 * sweep's silhouettes, --silhouette, the related lists other than
 * lists_by_ranges' (LSA or hybrid scores, feedback), and a saved
 * model.  k-means, the descriptions (the tree's too), the TF-IDF related
 * lists, exact or approximate, and report.html's map work from the ranges.
 */
static int needs_whole(const pc_options *opt)
{
    const pc_related_options *r = &opt->related;
    return opt->lsa.dims > 0 || opt->cluster_on == PC_CLUSTER_ON_LSA ||
           opt->method == PC_METHOD_BISECT || sweeping(opt) || opt->silhouette ||
           opt->save_model ||
           (r->neighbors.top > 0 && !lists_by_ranges(r));
}

/*
 * Several processes: each weights its range of rows (kept in s->rows); the
 * whole matrix is gathered on every process only when a stage needs it
 * (needs_whole), else s->X is NULL.  s gets the whole matrix's sizes (one
 * allgather of 16 bytes).
 */
static pc_status weight_shared(const pc_options *opt, const pc_tfidf_options *topt,
                               run_state *s, pc_error *err)
{
    const pc_comm *comm = opt->comm;
    pc_csr *whole = NULL;
    pc_status status = pc_tfidf_apply_part(s->X, s->vocab, s->vocab->n_docs, topt, &s->idf, err);
    int64_t mine[2] = {s->X->nnz, pc_csr_empty_rows(s->X)};
    int64_t *all = pc_malloc_array((size_t)comm->size, sizeof mine);
    if (status == PC_OK && !all)
        status = pc_fail_nomem(err, "weighting the rows");
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = comm->allgather(comm, mine, sizeof mine, all, err);
    for (int q = 0; status == PC_OK && q < comm->size; q++) {
        s->nnz += all[2 * q];
        s->empty += (int32_t)all[2 * q + 1];
    }
    free(all);
    pc_comm_stage(comm, "tfidf");
    if (status == PC_OK && needs_whole(opt))
        status = pc_share_gather_rows(s->X, s->vocab->n_docs, comm, &whole, err);
    if (status == PC_OK) {
        s->rows = s->X;
        s->X = whole;
    }
    return status;
}

static pc_status count_and_weight(const pc_options *opt, const pc_monitor *mon, run_state *s,
                                  double *clock, pc_error *err)
{
    pc_status status = read_and_count(opt, mon, s, clock, err);
    if (status != PC_OK)
        return status;
    pc_tfidf_options topt = opt->tfidf;
    topt.threads = stage_threads(topt.threads, opt->threads);
    s->n_docs = s->vocab->n_docs;
    s->n_terms = s->vocab->n_terms;
    status = opt->comm ? weight_shared(opt, &topt, s, err)
                       : pc_tfidf_apply(s->X, s->vocab, &topt, &s->idf, err);
    if (status == PC_OK)
        status = lap(s, "seconds_tfidf", opt->comm ? "gather" : "tfidf", clock);
    if (status != PC_OK)
        return status;
    if (!opt->comm) {
        s->nnz = s->X->nnz;
        s->empty = pc_csr_empty_rows(s->X);
    }
    if (s->empty > 0)
        pc_warn(mon, "%s: %d of %d documents have no terms left after tokenizing and pruning; "
                     "they join the first cluster with similarity 0",
                s->corpus->source, (int)s->empty, (int)s->n_docs);
    return status;
}

/* ---- choosing k, the method, the tree ---- */

int32_t pc_k_range_values(const pc_k_range *range, int32_t n_docs, int32_t *ks)
{
    int32_t n = 0;
    if (!range->automatic) {
        for (int64_t k = range->min; range->step > 0 && k <= range->max && k <= n_docs;
             k += range->step, n++)
            if (ks)
                ks[n] = (int32_t)k;
        return n;
    }
    int64_t top = 2 * (int64_t)pc_default_k(n_docs);
    top = top < 10 ? 10 : top > 60 ? 60 : top;
    top = top < n_docs ? top : n_docs;
    for (int64_t k = top >= 2 ? 2 : top; k <= top; n++) {
        if (ks)
            ks[n] = (int32_t)k;
        int64_t next = llround(1.25 * (double)k);
        next = next > k + 1 ? next : k + 1;
        k = k < top && next > top ? top : next;
    }
    return n;
}

/* The rows the clusters are fit on: the TF-IDF rows, or the unit LSA rows (--cluster-on lsa). */
static const pc_csr *cluster_rows(const run_state *s)
{
    return s->L ? s->L : s->X;
}

/* k-means' options as the run gives them: the run's threads and processes. */
static pc_kmeans_options kmeans_options(const pc_options *opt)
{
    pc_kmeans_options kopt = opt->kmeans;
    kopt.threads = stage_threads(kopt.threads, opt->threads);
    kopt.comm = opt->comm;
    return kopt;
}

/* Clusters into k (0: the default rule) by the chosen method, into s->clusters
 * (a bisection's tree comes with them: split_child). */
static pc_status fit_one(const pc_options *opt, const pc_monitor *mon, run_state *s, int32_t k,
                         pc_error *err)
{
    pc_kmeans_options kopt = kmeans_options(opt);
    kopt.k = k ? k : pc_default_k(s->n_docs);
    if (kopt.k > s->n_docs)
        return pc_fail(err, PC_ERR_INVALID, "-k %d is more than the %d document%s of %s",
                       (int)kopt.k, (int)s->n_docs, s->n_docs == 1 ? "" : "s",
                       s->corpus->source);
    pc_clusters_free(s->clusters);
    s->clusters = NULL;
    if (opt->method == PC_METHOD_BISECT)
        return pc_bisect_fit(cluster_rows(s), &kopt, mon, &s->clusters, NULL, err);
    kopt.ranges = s->rows && !s->L; /* each process its range of the TF-IDF rows */
    return pc_kmeans_fit(kopt.ranges ? s->rows : cluster_rows(s), &kopt, mon, &s->clusters,
                         err);
}

/* The ks of the sweep (pc_k_range_values); those of a given range above the
 * number of documents are left out, with a warning. */
static pc_status sweep_ks(const pc_options *opt, const pc_monitor *mon, run_state *s,
                          int32_t **ks, int32_t *n_ks, pc_error *err)
{
    int32_t n = s->n_docs;
    const pc_k_range *r = &opt->k_range;
    if (!r->automatic && r->min > n)
        return pc_fail(err, PC_ERR_INVALID, "-k %d:%d: %s has only %d document%s", (int)r->min,
                       (int)r->max, s->corpus->source, (int)n, n == 1 ? "" : "s");
    *n_ks = pc_k_range_values(r, n, NULL);
    *ks = pc_malloc_array((size_t)*n_ks, sizeof **ks);
    if (!*ks)
        return pc_fail_nomem(err, "choosing k");
    pc_k_range_values(r, n, *ks);
    s->range = (pc_k_range){(*ks)[0], (*ks)[*n_ks - 1], r->automatic ? 0 : r->step,
                            r->automatic};
    if (!r->automatic && (int64_t)r->min + (int64_t)(*n_ks) * r->step <= r->max)
        pc_warn(mon, "%s: %d document%s: -k %d:%d:%d stops at k = %d", s->corpus->source, (int)n,
                n == 1 ? "" : "s", (int)r->min, (int)r->max, (int)r->step,
                (int)(*ks)[*n_ks - 1]);
    return PC_OK;
}

/* What the sweep carries from k to k. */
typedef struct sweep_state {
    const pc_options *opt;
    const pc_monitor *mon;
    run_state *s;
    int32_t *sample;           /* the silhouette's documents, drawn once */
    int32_t n_sample;
    int32_t retained;          /* the row whose clusters s->clusters holds, or -1 */
    pc_progress progress;
    double done;
} sweep_state;

/* A score that is undefined for these clusters (fewer than 2 non-empty) is NaN. */
static pc_status defined_or_nan(pc_status status, double *value)
{
    if (status == PC_ERR_INVALID) {
        *value = NAN;
        return PC_OK;
    }
    return status;
}

/* Scores one k's clusters into the next row, and keeps them when the rule,
 * on the rows so far, picks them (for an argmax rule, the final choice is
 * then always kept).  A bisection's merges are not kept: its clusters carry
 * the same tree (split_child). */
static pc_status sweep_visit(void *ctx, pc_clusters **clusters, int32_t **merges, double seconds,
                             pc_error *err)
{
    (void)merges;
    sweep_state *w = ctx;
    run_state *s = w->s;
    const pc_clusters *c = *clusters;
    pc_k_sweep_row *row = &s->sweep[s->n_sweep];
    int threads = w->opt->threads;
    *row = (pc_k_sweep_row){c->k, c->objective, NAN, NAN, c->iterations, seconds, NAN};
    pc_status status = defined_or_nan(
        pc_silhouette_cosine_rows(cluster_rows(s), c->assign, c->k, w->sample, w->n_sample,
                                  threads,
                                  &row->silhouette, &row->silhouette_se, err),
        &row->silhouette);
    if (isnan(row->silhouette))
        row->silhouette_se = NAN;
    if (status == PC_OK)
        status = defined_or_nan(pc_calinski_harabasz(cluster_rows(s), c->assign, c->k,
                                                     &row->calinski_harabasz, err),
                                &row->calinski_harabasz);
    if (status != PC_OK)
        return status;
    s->n_sweep++;
    if (pc_k_sweep_choose(s->sweep, s->n_sweep) == s->n_sweep - 1) {
        pc_clusters_free(s->clusters);
        s->clusters = *clusters;
        *clusters = NULL;
        w->retained = s->n_sweep - 1;
    }
    w->done += c->k;
    pc_progress_update(&w->progress, w->done);
    if (pc_cancelled(w->mon))
        return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while choosing k");
    return PC_OK;
}

/* k-means for each k, one after the other (each as a run with that -k). */
static pc_status sweep_kmeans(sweep_state *w, const int32_t *ks, int32_t n_ks, pc_error *err)
{
    run_state *s = w->s;
    pc_kmeans_options kopt = kmeans_options(w->opt);
    pc_monitor quiet = w->mon ? *w->mon : (pc_monitor){0};
    quiet.progress = NULL; /* the sweep shows its own */
    pc_status status = PC_OK;
    for (int32_t j = 0; j < n_ks && status == PC_OK; j++) {
        pc_clusters *c = NULL;
        double started = pc_now();
        kopt.k = ks[j];
        status = pc_kmeans_fit(cluster_rows(s), &kopt, &quiet, &c, err);
        if (status == PC_OK)
            status = sweep_visit(w, &c, NULL, pc_now() - started, err);
        pc_clusters_free(c);
    }
    return status;
}

/*
 * A k sweep: every k of the range clustered on the same matrix and scored
 * on the same silhouette sample; k-means runs once per k, bisection once for
 * all (pc_bisect_fit_each).  The rule picks a row; its clusters are the run's.
 */
static pc_status choose_k(const pc_options *opt, const pc_monitor *mon, run_state *s,
                          pc_error *err)
{
    int32_t *ks = NULL, n_ks = 0;
    sweep_state w = {.opt = opt, .mon = mon, .s = s, .retained = -1};
    pc_status status = sweep_ks(opt, mon, s, &ks, &n_ks, err);
    if (status == PC_OK && !(s->sweep = pc_calloc((size_t)n_ks, sizeof *s->sweep)))
        status = pc_fail_nomem(err, "choosing k");
    if (status == PC_OK)
        status = pc_silhouette_sample(s->n_docs, opt->silhouette_sample, opt->kmeans.seed,
                                      &w.sample, &w.n_sample, err);
    double total = 0.0;
    for (int32_t j = 0; j < n_ks; j++)
        total += ks[j];
    if (status == PC_OK && opt->method == PC_METHOD_BISECT) {
        pc_kmeans_options kopt = kmeans_options(opt);
        pc_progress_start(&w.progress, NULL, "", total); /* bisection shows its own */
        status = pc_bisect_fit_each(cluster_rows(s), &kopt, ks, n_ks, mon, sweep_visit, &w,
                                    err);
    } else if (status == PC_OK) {
        pc_progress_start(&w.progress, mon, "choosing k", total);
        status = sweep_kmeans(&w, ks, n_ks, err);
        if (status == PC_OK)
            pc_progress_finish(&w.progress);
    }
    if (status == PC_OK) {
        s->chosen = pc_k_sweep_choose(s->sweep, s->n_sweep);
        if (s->chosen != w.retained) /* a rule that changed its mind: cluster again */
            status = fit_one(opt, mon, s, s->sweep[s->chosen].k, err);
    }
    free(ks);
    free(w.sample);
    return status;
}

/* The tree's shape: the bisection's own (split_child), or average link over the centroids. */
static pc_status build_tree(const pc_options *opt, run_state *s, pc_error *err)
{
    const pc_clusters *c = s->clusters;
    if (c->split_child)
        return pc_tree_from_merges(c->k, c->split_child, c->size, &s->tree, err);
    int32_t *merges = pc_malloc_array(c->k > 1 ? 2 * (size_t)(c->k - 1) : 1, sizeof *merges);
    if (!merges)
        return pc_fail_nomem(err, "building the cluster tree");
    pc_status status = pc_tree_average_link(c->centroid, c->k, c->dim, opt->threads, merges,
                                            NULL, err);
    if (status == PC_OK)
        status = pc_tree_from_merges(c->k, merges, c->size, &s->tree, err);
    free(merges);
    return status;
}

/* Descriptions of the tree's inner nodes (the leaves are the clusters). */
static pc_status describe_tree(run_state *s, const pc_describe_input *in,
                               const pc_describe_options *dopt, pc_error *err)
{
    const pc_tree *t = s->tree;
    int32_t inner = t->n_nodes - t->k;
    int32_t *members = pc_malloc_array((size_t)s->corpus->n_docs + 1, sizeof *members);
    int64_t *begin = pc_malloc_array((size_t)t->n_nodes, sizeof *begin);
    int64_t *end = pc_malloc_array((size_t)t->n_nodes, sizeof *end);
    pc_status status = PC_OK;
    if (!members || !begin || !end) {
        status = pc_fail_nomem(err, "describing the cluster tree");
        if (in->comm) /* by ranges: the others wait in its first exchange */
            status = in->comm->check(in->comm, status, err);
    } else {
        pc_tree_members(t, s->clusters, members, begin, end);
        int32_t g = 0; /* the inner nodes' ranges, in preorder, packed in front */
        for (int32_t v = 0; v < t->n_nodes; v++)
            if (t->node[v].cluster < 0) {
                begin[g] = begin[v];
                end[g++] = end[v];
            }
        status = pc_describe_groups(in, dopt, inner, members, begin, end, &s->tree_groups, err);
    }
    free(members);
    free(begin);
    free(end);
    return status;
}

/* summary.csv's rows on the method and, after a sweep, the choice of k. */
static pc_status summarize_choice(const pc_options *opt, const run_state *s)
{
    pc_summary *m = (pc_summary *)&s->summary;
    pc_status status = pc_summary_add(m, "method", "%s",
                                      opt->method == PC_METHOD_BISECT ? "bisect" : "kmeans");
    if (status == PC_OK)
        status = pc_summary_add(m, "cluster_on", "%s",
                                opt->cluster_on == PC_CLUSTER_ON_LSA ? "lsa" : "tfidf");
    if (status == PC_OK && s->sweep && s->range.automatic)
        status = pc_summary_add(m, "k_range", "auto (%d to %d)", (int)s->range.min,
                                (int)s->range.max);
    else if (status == PC_OK && s->sweep)
        status = pc_summary_add(m, "k_range", "%d:%d:%d", (int)s->range.min, (int)s->range.max,
                                (int)s->range.step);
    if (status == PC_OK && s->sweep)
        status = pc_summary_add(m, "k_chosen", "%d", (int)s->sweep[s->chosen].k);
    if (status == PC_OK && s->sweep)
        status = pc_summary_add(m, "k_rule", "%s", PC_K_RULE);
    return status;
}

/* Cluster descriptions: terms, labels, central papers, quality figures. */
static pc_status describe(const pc_options *opt, const pc_monitor *mon, run_state *s,
                          pc_error *err)
{
    pc_stoplist *boilerplate = NULL;
    pc_status status = PC_OK;
    if (opt->label_stopwords)
        status = pc_stoplist_load(opt->label_stopwords, &boilerplate, err);
    if (status != PC_OK)
        return status;
    pc_tokenize_options topt = opt->vocab.tokenize;
    topt.stoplist = s->stoplist; /* phrases may hold one ("chain of thought") */
    pc_describe_options dopt = opt->describe;
    dopt.threads = stage_threads(dopt.threads, opt->threads);
    dopt.seed = opt->kmeans.seed;
    pc_describe_input in = {.clusters = s->clusters, .X = s->X, .vocab = s->vocab,
                            .corpus = s->corpus, .tokenize = &topt, .boilerplate = boilerplate,
                            .monitor = mon};
    if (s->rows) { /* several processes: each works on its own range */
        in.X = s->rows;
        in.comm = opt->comm;
    }
    status = pc_describe(&in, &dopt, &s->description, err);
    if (status == PC_OK && s->tree)
        status = describe_tree(s, &in, &dopt, err);
    pc_stoplist_free(boilerplate);
    return status;
}

static pc_status cluster(const pc_options *opt, const pc_monitor *mon, run_state *s,
                         double *clock, pc_error *err)
{
    pc_status status = sweeping(opt) ? choose_k(opt, mon, s, err)
                                     : fit_one(opt, mon, s, opt->kmeans.k, err);
    if (status == PC_OK && s->L) /* described, mapped and reported by their TF-IDF centroids */
        status = pc_clusters_recenter(s->clusters, s->X, opt->threads, err);
    if (status == PC_OK)
        status = pc_clusters_sort_by_size(s->clusters, err);
    if (status == PC_OK)
        status = lap(s, "seconds_kmeans", "kmeans", clock);
    if (status == PC_OK)
        status = build_tree(opt, s, err);
    if (status == PC_OK)
        status = describe(opt, mon, s, err);
    if (status == PC_OK)
        status = lap(s, "seconds_describe", "describe", clock);
    return status;
}

static pc_status relate(const pc_options *opt, const pc_monitor *mon, run_state *s,
                        double *clock, pc_error *err)
{
    if (opt->related.neighbors.top == 0)
        return PC_OK;
    pc_related_options ropt = opt->related;
    pc_neighbors_options *nopt = &ropt.neighbors;
    nopt->threads = stage_threads(nopt->threads, opt->threads);
    /* papers of one cluster share terms: batching them together saves work */
    int32_t *order = pc_malloc_array((size_t)s->n_docs + 1, sizeof *order);
    int64_t *start = pc_malloc_array((size_t)s->clusters->k + 1, sizeof *start);
    if (!order || !start) {
        free(order);
        free(start);
        return pc_fail_nomem(err, "finding related papers");
    }
    pc_clusters_members(s->clusters, start, order);
    free(start);
    nopt->order = order;
    nopt->comm = opt->comm; /* the lane blocks split between the processes */
    /* TF-IDF lists: each process compares the lane blocks with its own range */
    nopt->ranges = s->rows && lists_by_ranges(&ropt);
    ropt.seed = opt->kmeans.seed;
    pc_status status = pc_related_find(nopt->ranges ? s->rows : s->X, s->lsa, &ropt, mon,
                                       &s->neighbors, err);
    free(order);
    if (status == PC_OK)
        status = lap(s, "seconds_related", "related", clock);
    return status;
}

/* One warning for the documents of one kind left out of the time table. */
static void warn_dates(const pc_monitor *mon, const run_state *s, const pc_timeline_skipped *k,
                       const char *what)
{
    if (k->count == 0)
        return;
    char shown[48];
    const char *date = s->corpus->time[k->first];
    pc_warn(mon, "%s: %d %s %s, left out of the topics over time (first: '%s' at line %lld)",
            s->corpus->source, (int)k->count, k->count == 1 ? "date" : "dates", what,
            pc_message_text(shown, sizeof shown, date, strlen(date)),
            (long long)s->corpus->line[k->first]);
}

/* Topics over time, when the corpus has dates (--time-col). */
static pc_status place_in_time(const pc_options *opt, const pc_monitor *mon, run_state *s,
                               double *clock, pc_error *err)
{
    if (!s->corpus->time)
        return PC_OK;
    pc_timeline_options topt = opt->timeline;
    topt.input_index = s->corpus->input_index; /* warnings name the first bad date in the file */
    pc_status status = pc_timeline_compute(s->corpus->n_docs, (const char *const *)s->corpus->time,
                                           s->clusters->assign, s->clusters->k, &topt,
                                           &s->timeline, err);
    if (status != PC_OK)
        return status;
    const pc_timeline *t = s->timeline;
    if (t->missing.count > 0)
        pc_warn(mon, "%s: %d paper%s without a date (first at line %lld), left out of the "
                     "topics over time", s->corpus->source, (int)t->missing.count,
                t->missing.count == 1 ? "" : "s", (long long)s->corpus->line[t->missing.first]);
    warn_dates(mon, s, &t->invalid, "not understood");
    char coarse[64];
    snprintf(coarse, sizeof coarse, "too coarse for --period %s",
             pc_period_name(opt->timeline.period));
    warn_dates(mon, s, &t->coarse, coarse);
    if (t->n_periods == 0)
        pc_warn(mon, "%s: no paper has a usable date: topics_over_time.csv is empty",
                s->corpus->source);
    return lap(s, "seconds_timeline", "timeline", clock);
}

/* Summary rows every command writes: the input and the matrix. */
static pc_status summarize_matrix(const pc_options *opt, run_state *s, double started)
{
    pc_summary *m = &s->summary;
    pc_status status = pc_summary_add(m, "seconds_total", "%.3f", pc_now() - started);
    if (status == PC_OK)
        status = pc_summary_add(m, "peak_rss_mib_total", "%.0f",
                                pc_memory_peak_mib());
    if (status == PC_OK)
        status = pc_summary_add(m, "input", "%s", s->corpus->source);
    if (status == PC_OK)
        status = pc_summary_add(m, "documents", "%d", (int)s->n_docs);
    if (status == PC_OK)
        status = pc_summary_add(m, "terms", "%d", (int)s->n_terms);
    if (status == PC_OK)
        status = pc_summary_add(m, "nonzeros", "%lld", (long long)s->nnz);
    if (status == PC_OK)
        status = pc_summary_add(m, "threads", "%d", pc_thread_count(opt->threads));
    if (status == PC_OK && opt->comm)
        status = pc_summary_add(m, "processes", "%d", opt->comm->size);
    return status;
}

static pc_status summarize_clusters(const pc_options *opt, run_state *s)
{
    const pc_clusters *c = s->clusters;
    pc_summary *m = &s->summary;
    pc_status status = PC_OK;
#define ADD(key, ...)                                                                      \
    if (status == PC_OK)                                                                   \
    status = pc_summary_add(m, key, __VA_ARGS__)
    ADD("k", "%d", (int)c->k);
    ADD("seed", "%llu", (unsigned long long)opt->kmeans.seed);
    ADD("n_init", "%d", opt->kmeans.n_init);
    ADD("best_init", "%d", c->best_init);
    ADD("iterations", "%d", c->iterations);
    ADD("objective", "%.6f", c->objective);
    ADD("mean_similarity", "%.6f", c->n_docs ? c->objective / c->n_docs : 0.0);
    ADD("top", "%d", (int)opt->related.neighbors.top);
    const pc_related_options *rel = &opt->related;
    ADD("similarity", "%s", pc_similarity_name(rel->similarity));
    if (rel->similarity == PC_SIMILARITY_HYBRID)
        ADD("hybrid_weight", "%g", (double)rel->hybrid_weight);
    ADD("feedback", "%d", (int)rel->feedback);
    if (rel->feedback > 0)
        ADD("feedback_weight", "%g", (double)rel->feedback_weight);
    ADD("related", "%s", pc_related_search_name(rel->search));
    if (s->neighbors && rel->search == PC_RELATED_APPROX) { /* approximate: the index, its recall */
        ADD("index", "%s", pc_related_index_name(rel->index));
        if (rel->index == PC_INDEX_TERMS) {
            ADD("mass", "%g", (double)s->neighbors->mass);
            ADD("candidates", "%d", (int)s->neighbors->candidates);
        } else {
            ADD("partitions", "%d", (int)s->neighbors->partitions);
            ADD("probe", "%d", (int)s->neighbors->probe);
        }
        if (rel->index == PC_INDEX_PARTITIONS && s->neighbors->candidates > 0) {
            ADD("candidates", "%d", (int)s->neighbors->candidates); /* refined: the lists kept, */
            ADD("refine", "%d", (int)rel->refine);                 /* the rounds run */
            ADD("refine_rounds", "%d", (int)s->neighbors->rounds);
        }
        if (rel->index == PC_INDEX_PARTITIONS)
            ADD("seconds_related_partitions", "%.3f", s->neighbors->seconds_partitions);
        ADD("seconds_related_recall", "%.3f", s->neighbors->seconds_recall);
        ADD("related_recall_sample", "%d", (int)s->neighbors->recall_sample);
        if (s->neighbors->recall_sample > 0)
            ADD("related_recall_estimate", "%.6f", s->neighbors->recall);
    }

    double sums[4] = {0}; /* coherence and exclusivity: distinctive, then centroid */
    int32_t counted[4] = {0};
    for (int32_t j = 0; j < s->description->k; j++) {
        const pc_cluster_description *d = &s->description->cluster[j];
        double v[4] = {d->coherence, d->exclusivity, d->centroid_coherence,
                       d->centroid_exclusivity};
        for (int f = 0; f < 4; f++)
            if (!isnan(v[f])) {
                sums[f] += v[f];
                counted[f]++;
            }
    }
    static const char *const quality[4] = {"mean_coherence", "mean_exclusivity",
                                           "mean_coherence_centroid_terms",
                                           "mean_exclusivity_centroid_terms"};
    for (int f = 0; f < 4; f++)
        if (counted[f] > 0)
            ADD(quality[f], "%.6f", sums[f] / counted[f]);
    if (s->timeline) {
        ADD("period", "%s", pc_period_name(opt->timeline.period));
        ADD("dated_papers", "%d", (int)s->timeline->n_dated);
        ADD("periods", "%d", (int)s->timeline->n_periods);
        ADD("trended_periods", "%d", (int)s->timeline->n_trended);
    }
    if (s->neighbors) { /* the related stage's work, and that of the sparse product X·Xᵀ */
        ADD("related_multiply_adds", "%lld", (long long)s->neighbors->work);
        ADD("related_sum_df2", "%lld", (long long)s->neighbors->work_all);
        if (s->neighbors->dense_work > 0)
            ADD("related_dense_multiply_adds", "%lld", (long long)s->neighbors->dense_work);
    }
#undef ADD
    return status;
}

/* Scores against labels and links, and the silhouette, when asked for. */
static pc_status summarize_scores(const pc_options *opt, const pc_monitor *mon, run_state *s,
                                  pc_error *err)
{
    pc_id_index *ids = NULL;
    int32_t *src = NULL, *dst = NULL;
    int64_t n_links = 0;
    pc_status status = PC_OK;
    if (opt->links) {
        status = pc_id_index_new(s->corpus->n_docs, s->corpus->id, &ids, err);
        if (status == PC_OK)
            status = pc_links_read(opt->links, ids, mon, &n_links, &src, &dst, err);
    }
    if (status == PC_OK) {
        pc_score_input in = {s->corpus->n_docs, s->clusters->assign, s->corpus->label,
                             s->neighbors, n_links, src, dst};
        status = pc_scores_summarize(&in, &s->summary, err);
    }
    if (status == PC_OK && opt->silhouette) {
        double silhouette = 0.0;
        int32_t sample = opt->silhouette_sample;
        status = pc_silhouette_cosine(s->X, s->clusters->assign, s->clusters->k, sample,
                                      opt->kmeans.seed, opt->threads, &silhouette, err);
        if (status == PC_OK)
            status = pc_summary_add(&s->summary, "silhouette", "%.6f", silhouette);
        if (status == PC_OK)
            status = pc_summary_add(&s->summary, "silhouette_sample", "%d",
                                    (int)(sample > 0 && sample < s->n_docs ? sample
                                                                           : s->n_docs));
        if (status == PC_ERR_INVALID) { /* fewer than two non-empty clusters: undefined */
            pc_warn(mon, "silhouette skipped: %s", err ? err->message : "undefined");
            status = PC_OK;
        }
    }
    pc_id_index_free(ids);
    free(src);
    free(dst);
    return status;
}

/* The LSA coordinates as unit sparse rows with every dimension stored (n × dims: of the
 * order of the TF-IDF rows' non-zeros), so that k-means runs on them unchanged; a
 * document without terms keeps an empty row. */
static pc_status lsa_rows(const pc_lsa *lsa, pc_csr **out, pc_error *err)
{
    const int64_t d = lsa->dims;
    pc_status status = pc_csr_new(lsa->n_rows, lsa->dims, (int64_t)lsa->n_rows * d, out, err);
    if (status != PC_OK)
        return status;
    pc_csr *L = *out;
    int64_t at = 0;
    for (int32_t i = 0; i < lsa->n_rows; i++) {
        const float *z = lsa->coord + (size_t)i * (size_t)d;
        double norm = 0.0;
        for (int64_t c = 0; c < d; c++)
            norm += (double)z[c] * z[c];
        for (int64_t c = 0; norm > 0.0 && c < d; c++, at++) {
            L->col[at] = (int32_t)c;
            L->val[at] = (float)(z[c] / sqrt(norm));
        }
        L->row_ptr[i + 1] = at;
    }
    L->nnz = at;
    return PC_OK;
}

/* [reduce]: the LSA of the TF-IDF rows, when asked for. */
static pc_status reduce(const pc_options *opt, const pc_monitor *mon, run_state *s,
                        double *clock, pc_error *err)
{
    pc_lsa_options lopt = opt->lsa;
    if (lopt.dims <= 0 && (opt->cluster_on == PC_CLUSTER_ON_LSA ||
                           (pc_related_needs_lsa(&opt->related) && opt->related.neighbors.top > 0)))
        lopt.dims = PC_LSA_DIMS;
    if (lopt.dims <= 0)
        return PC_OK;
    lopt.threads = stage_threads(lopt.threads, opt->threads);
    lopt.seed = opt->kmeans.seed;
    pc_status status = pc_lsa_fit(s->X, &lopt, mon, &s->lsa, err);
    if (status == PC_OK)
        status = lap(s, "seconds_lsa", "lsa", clock);
    if (status != PC_OK)
        return status;
    char values[256];
    size_t used = 0;
    for (int32_t c = 0; c < s->lsa->dims && c < 10; c++) /* the 10 largest */
        used += (size_t)snprintf(values + used, sizeof values - used, "%s%.4g", c ? " " : "",
                                 (double)s->lsa->singular[c]);
    if (opt->cluster_on == PC_CLUSTER_ON_LSA && (status = lsa_rows(s->lsa, &s->L, err)) != PC_OK)
        return status;
    if (pc_summary_add(&s->summary, "lsa_dims", "%d", (int)s->lsa->dims) != PC_OK ||
        pc_summary_add(&s->summary, "lsa_explained_variance", "%.6f",
                       s->lsa->explained_total) != PC_OK ||
        pc_summary_add(&s->summary, "lsa_singular_values", "%s", values) != PC_OK)
        return pc_fail_nomem(err, "writing the summary");
    return PC_OK;
}

/* Reading and weighting, shared by pc_run and pc_vectorize. */
static pc_status read_and_weight(const pc_options *opt, const pc_monitor *mon, run_state *s,
                                 double *clock, pc_error *err)
{
    pc_status status = pc_options_check(opt, err);
    if (status == PC_OK)
        status = pc_threads_start(opt->threads, err);
    if (status == PC_OK)
        status = count_and_weight(opt, mon, s, clock, err);
    if (status == PC_OK)
        status = reduce(opt, mon, s, clock, err);
    return status;
}

/*
 * Several processes without the whole matrix: the rows report.html's map
 * reads (its papers', pc_html_map_papers), gathered from the ranges into
 * *rows (every document's row, the others empty).  status: so far.
 */
static pc_status gather_map_rows(const pc_comm *comm, const run_state *s,
                                 const pc_report_input *in, pc_status status, pc_csr **rows,
                                 pc_error *err)
{
    unsigned char *on_map = NULL;
    if (status == PC_OK && pc_html_map_papers(in, in->seed, &on_map) != 0)
        status = pc_fail_nomem(err, "choosing the map's papers");
    status = pc_share_rows_of(s->rows, s->n_docs, on_map, comm, status, rows, err);
    free(on_map);
    return status;
}

/* The model for `paperclust assign` (--save-model), after the reports. */
static pc_status save_model(const pc_options *opt, const pc_monitor *mon, run_state *s,
                            pc_error *err)
{
    pc_tokenize_options topt = opt->vocab.tokenize;
    topt.stoplist = s->stoplist;
    pc_model_input in = {s->vocab, &topt, &opt->tfidf, s->clusters, s->description, s->X,
                         s->corpus, opt->kmeans.seed};
    return pc_model_save(opt->save_model, &in, mon, err);
}

/* What the caller may show of a finished run. */
static pc_run_result *make_result(const pc_options *opt, const run_state *s, double started)
{
    const pc_description *d = s->description;
    pc_run_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->k = d->k;
    r->size = pc_malloc_array((size_t)d->k, sizeof *r->size);
    r->label = pc_calloc((size_t)d->k, sizeof *r->label);
    r->source = pc_strndup(s->corpus->source, strlen(s->corpus->source));
    r->output_dir = pc_strndup(opt->output_dir, strlen(opt->output_dir));
    if (opt->save_model)
        r->model_dir = pc_strndup(opt->save_model, strlen(opt->save_model));
    if (!r->size || !r->label || !r->source || !r->output_dir ||
        (opt->save_model && !r->model_dir)) {
        pc_run_result_free(r);
        return NULL;
    }
    for (int32_t c = 0; c < d->k; c++) {
        const char *label = d->cluster[c].label ? d->cluster[c].label : "";
        r->size[c] = d->cluster[c].size;
        if (!(r->label[c] = pc_strndup(label, strlen(label)))) {
            pc_run_result_free(r);
            return NULL;
        }
    }
    r->documents = s->n_docs;
    r->skipped = s->corpus->n_skipped;
    r->terms = s->n_terms;
    r->empty_documents = s->empty;
    r->related = s->neighbors != NULL;
    r->html = opt->html;
    if (s->timeline) {
        r->timeline = 1;
        r->period = pc_period_name(opt->timeline.period);
        if (!(r->trend = pc_malloc_array((size_t)d->k, sizeof *r->trend))) {
            pc_run_result_free(r);
            return NULL;
        }
        for (int32_t c = 0; c < d->k; c++)
            r->trend[c] = s->timeline->n_periods ? s->timeline->trend[c] : NAN;
        r->n_rising = pc_timeline_rising(s->timeline, PC_RESULT_TRENDS, r->rising);
        r->n_falling = pc_timeline_falling(s->timeline, PC_RESULT_TRENDS, r->falling);
    }
    r->tree = s->tree != NULL;
    if (s->sweep) {
        r->n_swept = s->n_sweep;
        r->k_first = s->sweep[0].k;
        r->k_last = s->sweep[s->n_sweep - 1].k;
    }
    r->seconds = pc_now() - started;
    return r;
}

void pc_run_result_free(pc_run_result *result)
{
    if (!result)
        return;
    for (int32_t c = 0; result->label && c < result->k; c++)
        free(result->label[c]);
    free(result->label);
    free(result->size);
    free(result->trend);
    free(result->source);
    free(result->output_dir);
    free(result->model_dir);
    free(result);
}

pc_status pc_run_with_result(const pc_options *opt, const pc_monitor *mon,
                             pc_run_result **result, pc_error *err)
{
    if (result)
        *result = NULL;
    run_state s;
    memset(&s, 0, sizeof s);
    s.comm = opt->comm;
    pc_memory_meter_start(&s.meter);
    double started = pc_now(), clock = started;
    pc_status status = read_and_weight(opt, mon, &s, &clock, err);
    if (status == PC_OK)
        status = cluster(opt, mon, &s, &clock, err);
    if (status == PC_OK)
        status = place_in_time(opt, mon, &s, &clock, err);
    if (status == PC_OK)
        status = relate(opt, mon, &s, &clock, err);
    if (status == PC_OK && (summarize_matrix(opt, &s, started) != PC_OK ||
                            summarize_clusters(opt, &s) != PC_OK ||
                            summarize_choice(opt, &s) != PC_OK))
        status = pc_fail_nomem(err, "writing the summary");
    if (status == PC_OK)
        status = summarize_scores(opt, mon, &s, err);
    pc_report_input in = {.corpus = s.corpus,
                          .vocab = s.vocab,
                          .clusters = s.clusters,
                          .description = s.description,
                          .neighbors = s.neighbors,
                          .timeline = s.timeline,
                          .summary = &s.summary,
                          .n_label_terms = opt->n_label_terms,
                          .matrix = s.X,
                          .html = opt->html,
                          .seed = opt->kmeans.seed,
                          .tree = s.tree,
                          .tree_groups = s.tree_groups,
                          .sweep = s.sweep,
                          .n_sweep = s.n_sweep};
    pc_csr *map_rows = NULL;
    if (opt->comm && opt->html && !s.X && s.rows) /* by ranges: the map's papers' rows */
        status = gather_map_rows(opt->comm, &s, &in, status, &map_rows, err);
    /* every process has done its part: rank 0 alone writes */
    status = pc_comm_agree(opt->comm, status, err);
    int writer = pc_comm_rank(opt->comm) == 0;
    if (status == PC_OK && writer) {
        in.matrix = s.X ? s.X : map_rows;
        status = pc_report_write(opt->output_dir, &in, mon, err);
    }
    pc_csr_free(map_rows);
    if (status == PC_OK && writer && opt->save_model)
        status = save_model(opt, mon, &s, err);
    if (status == PC_OK && result && (*result = make_result(opt, &s, started)) == NULL)
        status = pc_fail_nomem(err, "summing up the run");
    run_state_free(&s);
    return status;
}

pc_status pc_run(const pc_options *opt, const pc_monitor *mon, pc_error *err)
{
    return pc_run_with_result(opt, mon, NULL, err);
}

pc_status pc_vectorize(const pc_options *opt, const pc_monitor *mon, pc_error *err)
{
    run_state s;
    memset(&s, 0, sizeof s);
    pc_memory_meter_start(&s.meter);
    double started = pc_now(), clock = started;
    pc_status status = read_and_weight(opt, mon, &s, &clock, err);
    if (status == PC_OK && summarize_matrix(opt, &s, started) != PC_OK)
        status = pc_fail_nomem(err, "writing the summary");
    if (status == PC_OK) {
        pc_report_input in = {.corpus = s.corpus,
                              .vocab = s.vocab,
                              .summary = &s.summary,
                              .matrix = s.X,
                              .idf = s.idf,
                              .lsa = s.lsa};
        status = pc_report_write_vectors(opt->output_dir, &in, mon, err);
    }
    run_state_free(&s);
    return status;
}
