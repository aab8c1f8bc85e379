/*
 * related.c — the related-paper score (TF-IDF, LSA or their blend) and
 * Rocchio pseudo-relevance feedback, on top of neighbors.c's exact top-N.
 *
 * The modes only choose what neighbors.c compares: the TF-IDF rows alone
 * (exactly the lists of pc_neighbors_topn, untouched), the unit-length LSA
 * coordinates alone (sparse weight 0), or both blended by α.  Feedback runs
 * that first pass for the N nearest, builds each paper's expanded query
 * (its row plus β times the mean of its neighbours' rows, scaled to unit
 * length: sparse rows merged through one dense accumulator, dense rows
 * summed) and ranks every paper against the queries with
 * pc_neighbors_query, the paper itself excluded.  The sparse queries grow to
 * about N + 1 times the non-zeros of X, so they are made and ranked a slice
 * of papers at a time (each slice about nnz(X) non-zeros).  Every sum is
 * taken in an order fixed by the documents (the row, then its neighbours
 * best first), so the result does not depend on the thread count.
 *
 * Approximate search builds the partitions (index.c), probes them
 * (pc_neighbors_probe) and measures its recall on a seeded sample: the
 * sample's rows are the queries of one pc_neighbors_query against the whole
 * corpus, itself excluded, so their exact lists come from the same kernels
 * as a full exact run (|sample| × n pairs, about 2·|sample| / n of the exact
 * stage's work).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"
#include "rng_internal.h"
#include "share_internal.h"
#include "paperclust/related.h"

void pc_related_options_default(pc_related_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->similarity = PC_SIMILARITY_TFIDF;
    opt->hybrid_weight = PC_HYBRID_WEIGHT;
    opt->feedback = 0;
    opt->feedback_weight = PC_FEEDBACK_WEIGHT;
    pc_neighbors_options_default(&opt->neighbors);
    opt->search = PC_RELATED_EXACT;
    opt->index = PC_INDEX_PARTITIONS;
    opt->mass = 0.0f;
    opt->probe = 0;
    opt->partitions = 0;
    opt->recall_sample = PC_RECALL_SAMPLE;
    opt->seed = 1;
}

static const char *const search_names[] = {"exact", "approx"};

const char *pc_related_search_name(pc_related_search search)
{
    return search == PC_RELATED_EXACT || search == PC_RELATED_APPROX ? search_names[search]
                                                                      : "unknown";
}

pc_status pc_related_search_parse(const char *text, pc_related_search *out, pc_error *err)
{
    for (int s = PC_RELATED_EXACT; s <= PC_RELATED_APPROX; s++)
        if (strcmp(text, search_names[s]) == 0) {
            *out = (pc_related_search)s;
            return PC_OK;
        }
    return pc_fail(err, PC_ERR_INVALID, "--related must be exact or approx, not '%s'", text);
}

static const char *const index_names[] = {"partitions", "terms"};

const char *pc_related_index_name(pc_related_index index)
{
    return index == PC_INDEX_PARTITIONS || index == PC_INDEX_TERMS ? index_names[index]
                                                                   : "unknown";
}

pc_status pc_related_index_parse(const char *text, pc_related_index *out, pc_error *err)
{
    for (int s = PC_INDEX_PARTITIONS; s <= PC_INDEX_TERMS; s++)
        if (strcmp(text, index_names[s]) == 0) {
            *out = (pc_related_index)s;
            return PC_OK;
        }
    return pc_fail(err, PC_ERR_INVALID, "--index must be partitions or terms, not '%s'", text);
}

static const char *const similarity_names[] = {"tfidf", "lsa", "hybrid"};

const char *pc_similarity_name(pc_similarity similarity)
{
    return similarity >= PC_SIMILARITY_TFIDF && similarity <= PC_SIMILARITY_HYBRID
               ? similarity_names[similarity]
               : "unknown";
}

pc_status pc_similarity_parse(const char *text, pc_similarity *out, pc_error *err)
{
    for (int s = PC_SIMILARITY_TFIDF; s <= PC_SIMILARITY_HYBRID; s++)
        if (strcmp(text, similarity_names[s]) == 0) {
            *out = (pc_similarity)s;
            return PC_OK;
        }
    return pc_fail(err, PC_ERR_INVALID, "--similarity must be tfidf, lsa or hybrid, not '%s'",
                   text);
}

int pc_related_needs_lsa(const pc_related_options *opt)
{
    return opt->similarity == PC_SIMILARITY_LSA || opt->similarity == PC_SIMILARITY_HYBRID;
}

/* What every pass shares: the unit LSA rows and the blend, or no dense part. */
typedef struct scoring {
    const pc_csr *X;
    float *unit;              /* n × dims, NULL for tfidf */
    pc_neighbors_dense dense;
    int sparse;               /* 1: the TF-IDF rows enter the score */
} scoring;

static pc_status scoring_init(const pc_csr *X, const pc_lsa *lsa, const pc_related_options *opt,
                              scoring *sc, pc_error *err)
{
    memset(sc, 0, sizeof *sc);
    sc->X = X;
    sc->sparse = opt->similarity != PC_SIMILARITY_LSA;
    if (!pc_related_needs_lsa(opt))
        return PC_OK;
    if (!lsa || lsa->n_rows != X->n_rows || lsa->dims < 1)
        return pc_fail(err, PC_ERR_INVALID, "related papers: the LSA does not match the rows");
    const size_t size = (size_t)lsa->n_rows * (size_t)lsa->dims;
    if (!(sc->unit = pc_malloc_array(size + 1, sizeof *sc->unit)))
        return pc_fail_nomem(err, "finding related papers");
    memcpy(sc->unit, lsa->coord, size * sizeof *sc->unit);
    pc_normalize_rows(sc->unit, lsa->n_rows, lsa->dims);
    sc->dense = (pc_neighbors_dense){lsa->dims, sc->unit, NULL,
                                     opt->similarity == PC_SIMILARITY_HYBRID ? opt->hybrid_weight
                                                                             : 0.0f};
    return PC_OK;
}

static void add_work(pc_neighbors *to, const pc_neighbors *from)
{
    to->work += from->work;
    to->work_all += from->work_all;
    to->dense_work += from->dense_work;
}

/* Adds w · row r of X into the accumulator (acc over all terms, touched: the terms set). */
static void accumulate(const pc_csr *X, int32_t r, float w, float *acc, unsigned char *seen,
                       int32_t *touched, int32_t *n_touched)
{
    for (int64_t p = X->row_ptr[r]; p < X->row_ptr[r + 1]; p++) {
        const int32_t t = X->col[p];
        if (!seen[t]) {
            seen[t] = 1;
            touched[(*n_touched)++] = t;
        }
        acc[t] += w * X->val[p];
    }
}

/* Neighbours listed for row i among its first `n` (a short list stops at -1). */
static int32_t listed(const pc_neighbors *first, int32_t i, int32_t n)
{
    int32_t m = 0;
    while (m < n && first->id[(size_t)i * first->top + m] >= 0)
        m++;
    return m;
}

/*
 * The expanded sparse queries of rows a .. b-1 into a new Q (b - a rows):
 * row i, plus β/m times each of its m listed neighbours, scaled to unit
 * length.  Work space: acc and seen over the terms, touched.
 */
static pc_status sparse_queries(const pc_csr *X, const pc_neighbors *first, int32_t n_fb,
                                float beta, int32_t a, int32_t b, int64_t nnz_bound, pc_csr **Q,
                                pc_error *err)
{
    float *acc = pc_calloc((size_t)X->n_cols + 1, sizeof *acc);
    unsigned char *seen = pc_calloc((size_t)X->n_cols + 1, 1);
    int32_t *touched = pc_malloc_array((size_t)X->n_cols + 1, sizeof *touched);
    pc_status status = acc && seen && touched ? pc_csr_new(b - a, X->n_cols, nnz_bound, Q, err)
                                              : pc_fail_nomem(err, "expanding the queries");
    int64_t at = 0;
    for (int32_t i = a; i < b && status == PC_OK; i++) {
        int32_t n_touched = 0, m = listed(first, i, n_fb);
        accumulate(X, i, 1.0f, acc, seen, touched, &n_touched);
        for (int32_t r = 0; r < m; r++)
            accumulate(X, first->id[(size_t)i * first->top + r], beta / (float)m, acc, seen,
                       touched, &n_touched);
        qsort(touched, (size_t)n_touched, sizeof *touched, pc_compare_int32);
        double norm = 0.0;
        for (int32_t k = 0; k < n_touched; k++)
            norm += (double)acc[touched[k]] * acc[touched[k]];
        const float scale = norm > 0.0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
        for (int32_t k = 0; k < n_touched; k++, at++) {
            const int32_t t = touched[k];
            (*Q)->col[at] = t;
            (*Q)->val[at] = acc[t] * scale;
            acc[t] = 0.0f;
            seen[t] = 0;
        }
        (*Q)->row_ptr[i - a + 1] = at;
    }
    if (status == PC_OK)
        (*Q)->nnz = at;
    free(acc);
    free(seen);
    free(touched);
    return status;
}

/* The expanded dense queries of rows a .. b-1 (unit rows of sc), into q ((b - a) × dims). */
static void dense_queries(const scoring *sc, const pc_neighbors *first, int32_t n_fb, float beta,
                          int32_t a, int32_t b, float *q)
{
    const size_t d = (size_t)sc->dense.dims;
    for (int32_t i = a; i < b; i++) {
        float *row = q + (size_t)(i - a) * d;
        const int32_t m = listed(first, i, n_fb);
        memcpy(row, sc->unit + (size_t)i * d, d * sizeof *row);
        for (int32_t r = 0; r < m; r++) {
            const float *z = sc->unit + (size_t)first->id[(size_t)i * first->top + r] * d;
            for (size_t c = 0; c < d; c++)
                row[c] += beta / (float)m * z[c];
        }
    }
    pc_normalize_rows(q, b - a, (int64_t)d);
}

/* The end of the slice that starts at row a: rows whose queries hold at most nnz(X)
 * non-zeros in all (or one row); *bound gets their non-zeros' upper bound. */
static int32_t slice_end(const pc_csr *X, const pc_neighbors *first, int32_t n_fb, int32_t a,
                         int64_t *bound)
{
    const int64_t budget = X->nnz;
    int32_t b = a;
    *bound = 0;
    while (b < X->n_rows) {
        int64_t row = X->row_ptr[b + 1] - X->row_ptr[b];
        for (int32_t r = 0, m = listed(first, b, n_fb); r < m; r++) {
            const int32_t j = first->id[(size_t)b * first->top + r];
            row += X->row_ptr[j + 1] - X->row_ptr[j];
        }
        if (b > a && *bound + row > budget)
            break;
        *bound += row;
        b++;
    }
    return b;
}

/* The positions of order (a permutation of all rows) that fall in a .. b-1, less a, in order. */
static void slice_order(const int32_t *order, int32_t n, int32_t a, int32_t b, int32_t *out)
{
    int32_t k = 0;
    for (int32_t p = 0; p < n; p++)
        if (order[p] >= a && order[p] < b)
            out[k++] = order[p] - a;
}

/* Ranks every row against the expanded queries of rows a .. b-1, into out's rows a .. b-1. */
static pc_status rank_slice(const scoring *sc, const pc_related_options *opt,
                            const pc_neighbors *first, int32_t a, int32_t b, int64_t bound,
                            int32_t *work, const pc_monitor *mon, pc_neighbors *out,
                            pc_error *err)
{
    const pc_csr *X = sc->X;
    const int32_t n = b - a;
    pc_csr *Q = NULL;
    pc_neighbors *part = NULL;
    float *qz = NULL;
    pc_neighbors_dense dense = sc->dense;
    pc_neighbors_options nopt = opt->neighbors;
    pc_status status = sc->sparse ? sparse_queries(X, first, opt->feedback, opt->feedback_weight,
                                                   a, b, bound, &Q, err)
                                  : pc_csr_new(n, X->n_cols, 0, &Q, err); /* never read */
    if (status == PC_OK && sc->unit) {
        if (!(qz = pc_malloc_array((size_t)n * (size_t)dense.dims + 1, sizeof *qz)))
            status = pc_fail_nomem(err, "expanding the queries");
        else
            dense_queries(sc, first, opt->feedback, opt->feedback_weight, a, b, qz);
        dense.queries = qz;
        nopt.dense = &dense;
    }
    for (int32_t q = 0; q < n; q++) /* work: the rows the queries are (never listed) */
        work[q] = a + q;
    if (status == PC_OK && opt->neighbors.order) {
        slice_order(opt->neighbors.order, X->n_rows, a, b, work + n);
        nopt.order = work + n;
    }
    if (status == PC_OK)
        status = pc_neighbors_query(X, Q, work, &nopt, mon, &part, err);
    if (status == PC_OK) {
        const size_t top = (size_t)out->top;
        memcpy(out->id + (size_t)a * top, part->id, (size_t)n * top * sizeof *out->id);
        memcpy(out->similarity + (size_t)a * top, part->similarity,
               (size_t)n * top * sizeof *out->similarity);
        add_work(out, part);
    }
    pc_neighbors_free(part);
    pc_csr_free(Q);
    free(qz);
    return status;
}

/* The second pass of feedback: every row ranked against the expanded queries, slice by slice. */
static pc_status rank_expanded(const scoring *sc, const pc_related_options *opt,
                               const pc_neighbors *first, const pc_monitor *mon,
                               pc_neighbors **out, pc_error *err)
{
    const int32_t n = sc->X->n_rows, top = opt->neighbors.top;
    pc_neighbors *nb = pc_calloc(1, sizeof *nb);
    int32_t *work = pc_malloc_array(2 * (size_t)n + 1, sizeof *work);
    if (nb) {
        *nb = (pc_neighbors){.n_docs = n, .top = top};
        nb->id = pc_malloc_array((size_t)n * (size_t)top + 1, sizeof *nb->id);
        nb->similarity = pc_malloc_array((size_t)n * (size_t)top + 1, sizeof *nb->similarity);
    }
    pc_status status = nb && nb->id && nb->similarity && work
                           ? PC_OK
                           : pc_fail_nomem(err, "finding related papers");
    for (int32_t a = 0, b; a < n && status == PC_OK; a = b) {
        int64_t bound = 0;
        b = slice_end(sc->X, first, opt->feedback, a, &bound);
        status = rank_slice(sc, opt, first, a, b, bound, work, mon, nb, err);
    }
    free(work);
    if (status == PC_OK) {
        add_work(nb, first);
        *out = nb;
    } else {
        pc_neighbors_free(nb);
    }
    return status;
}

/* Row q's recall: the share of its exact list's length that `found` reaches (see related.h). */
static double list_recall(const pc_neighbors *found, int32_t i, const pc_neighbors *exact,
                          int32_t q)
{
    const int32_t top = exact->top;
    const int32_t *eid = exact->id + (size_t)q * (size_t)top;
    const float *esim = exact->similarity + (size_t)q * (size_t)top;
    int32_t listed_exact = 0;
    while (listed_exact < top && eid[listed_exact] >= 0)
        listed_exact++;
    if (listed_exact == 0)
        return 1.0;
    const float least = esim[listed_exact - 1];
    const int32_t *fid = found->id + (size_t)i * (size_t)found->top;
    const float *fsim = found->similarity + (size_t)i * (size_t)found->top;
    int32_t hits = 0;
    for (int32_t r = 0; r < found->top && fid[r] >= 0; r++) {
        int32_t before = 0; /* a paper listed twice is found once */
        while (before < r && fid[before] != fid[r])
            before++;
        hits += fsim[r] >= least && fid[r] != i && before == r;
    }
    return (double)hits / listed_exact;
}

pc_status pc_related_recall(const pc_csr *X, const pc_neighbors *found, int32_t sample,
                            uint64_t seed, const pc_neighbors_options *opt,
                            const pc_monitor *mon, double *recall, int32_t *sampled,
                            pc_error *err)
{
    *recall = NAN;
    *sampled = 0;
    const int ranges = opt->comm && opt->ranges; /* X: this process's range of the rows */
    const int32_t n = ranges ? found->n_docs : X->n_rows;
    if ((found->n_docs != X->n_rows && !ranges) || found->top < 1 || sample < 0)
        return pc_fail(err, PC_ERR_INVALID, "recall: lists of %d rows for %d (sample %d)",
                       (int)found->n_docs, (int)X->n_rows, (int)sample);
    const int32_t m = sample < n ? sample : n;
    if (m == 0)
        return PC_OK;
    int32_t *chosen = pc_malloc_array((size_t)m, sizeof *chosen);
    pc_csr *Q = NULL;
    pc_neighbors *exact = NULL;
    pc_status status = chosen && pc_rng_sample(n, m, seed, chosen) == 0
                           ? PC_OK
                           : pc_fail_nomem(err, "measuring the recall");
    if (ranges) /* the sample's rows from the processes holding them */
        status = pc_share_rows_at(X, n, chosen, m, opt->comm, status, &Q, err);
    else if (status == PC_OK)
        status = pc_csr_rows(X, chosen, m, &Q, err);
    pc_neighbors_options qopt = *opt;
    qopt.top = found->top;
    qopt.order = NULL;
    qopt.dense = NULL;
    if (status == PC_OK)
        status = pc_neighbors_query(X, Q, chosen, &qopt, mon, &exact, err);
    if (status == PC_OK) {
        double sum = 0.0; /* in sample order: the same whatever the threads */
        for (int32_t q = 0; q < m; q++)
            sum += list_recall(found, chosen[q], exact, q);
        *recall = sum / m;
        *sampled = m;
    }
    pc_neighbors_free(exact);
    pc_csr_free(Q);
    free(chosen);
    return status;
}

/* The approximate lists by partitions (index.h): the partitions, probing, then refining. */
static pc_status lists_by_partitions(const pc_csr *X, const pc_related_options *opt,
                                     const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    pc_partitions_options popt;
    pc_partitions_options_default(&popt);
    popt.partitions = opt->partitions;
    popt.probe = opt->probe > 0 ? opt->probe : PC_DEFAULT_PROBE;
    popt.seed = opt->seed;
    popt.threads = opt->neighbors.threads;
    popt.comm = opt->neighbors.comm;
    popt.ranges = opt->neighbors.ranges;
    pc_partitions *parts = NULL;
    const double started = pc_now();
    pc_status status = pc_partitions_build(X, &popt, mon, &parts, err);
    const double built = pc_now();
    pc_neighbors_options nopt = opt->neighbors;
    const int32_t candidates = opt->candidates > 0 ? opt->candidates : PC_DEFAULT_CANDIDATES;
    if (opt->refine > 0)
        nopt.top = candidates > nopt.top ? candidates : nopt.top;
    if (status == PC_OK)
        status = pc_neighbors_probe(X, parts, &nopt, mon, out, err);
    int32_t rounds = 0;
    if (status == PC_OK && opt->refine > 0) {
        pc_descent_options dopt;
        pc_descent_options_default(&dopt);
        dopt.start = *out;
        dopt.max_rounds = opt->refine;
        dopt.seed = opt->seed;
        pc_neighbors *refined = NULL;
        status = pc_neighbors_descent(X, &opt->neighbors, &dopt, mon, &refined, &rounds, err);
        if (status == PC_OK) {
            refined->work += (*out)->work;
            refined->candidates = nopt.top;
            refined->rounds = rounds;
        }
        pc_neighbors_free(*out);
        *out = refined;
    }
    if (status == PC_OK) {
        (*out)->partitions = parts->n_partitions;
        (*out)->probe = parts->probe;
        (*out)->seconds_partitions = built - started;
    }
    pc_partitions_free(parts);
    return status;
}

/* The approximate lists by the heaviest terms (heavy.h). */
static pc_status lists_by_terms(const pc_csr *X, const pc_related_options *opt,
                                const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    pc_heavy_options hopt;
    pc_heavy_options_default(&hopt);
    if (opt->mass > 0.0f)
        hopt.mass = opt->mass;
    if (opt->candidates > 0)
        hopt.candidates = opt->candidates;
    return pc_neighbors_heavy(X, &hopt, &opt->neighbors, mon, out, err);
}

/* The approximate lists (by partitions or by terms), then their recall on a sample. */
static pc_status find_approx(const pc_csr *X, const pc_related_options *opt,
                             const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    pc_status status = opt->index == PC_INDEX_TERMS ? lists_by_terms(X, opt, mon, out, err)
                                                    : lists_by_partitions(X, opt, mon, out, err);
    const double listed = pc_now();
    if (status == PC_OK)
        status = pc_related_recall(X, *out, opt->recall_sample, opt->seed, &opt->neighbors, mon,
                                   &(*out)->recall, &(*out)->recall_sample, err);
    if (status == PC_OK)
        (*out)->seconds_recall = pc_now() - listed;
    if (status != PC_OK) {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    return status;
}

static pc_status related_find(const pc_csr *X, const pc_lsa *lsa, const pc_related_options *opt,
                              const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    *out = NULL;
    if (opt->search == PC_RELATED_APPROX &&
        (opt->similarity != PC_SIMILARITY_TFIDF || opt->feedback > 0 || opt->probe < 0 ||
         opt->partitions < 0 || opt->recall_sample < 0 || opt->refine < 0 ||
         opt->candidates < 0 || !(opt->mass >= 0.0f && opt->mass <= 1.0f) ||
         (opt->index != PC_INDEX_PARTITIONS && opt->index != PC_INDEX_TERMS)))
        return pc_fail(err, PC_ERR_INVALID, "related papers: approximate search needs the tfidf "
                                            "score without feedback and sound options (probe %d, "
                                            "partitions %d, mass %g)",
                       (int)opt->probe, (int)opt->partitions, (double)opt->mass);
    if (opt->search == PC_RELATED_APPROX && opt->neighbors.top >= 1)
        return find_approx(X, opt, mon, out, err);
    if (opt->neighbors.top < 1 || opt->feedback < 0 || !(opt->hybrid_weight >= 0.0f) ||
        opt->hybrid_weight > 1.0f || !(opt->feedback_weight >= 0.0f) ||
        opt->similarity < PC_SIMILARITY_TFIDF || opt->similarity > PC_SIMILARITY_HYBRID)
        return pc_fail(err, PC_ERR_INVALID, "related papers: bad options (top %d, feedback %d, "
                                            "weights %g and %g)",
                       (int)opt->neighbors.top, (int)opt->feedback, (double)opt->hybrid_weight,
                       (double)opt->feedback_weight);
    scoring sc;
    pc_status status = scoring_init(X, lsa, opt, &sc, err);
    pc_neighbors_options nopt = opt->neighbors;
    nopt.dense = sc.unit ? &sc.dense : NULL;
    if (opt->feedback > 0)
        nopt.top = opt->feedback;
    pc_neighbors *first = NULL;
    if (status == PC_OK)
        status = pc_neighbors_topn(X, &nopt, mon, &first, err);
    if (status == PC_OK && opt->feedback > 0) {
        status = rank_expanded(&sc, opt, first, mon, out, err);
        pc_neighbors_free(first);
    } else if (status == PC_OK) {
        *out = first;
    }
    free(sc.unit);
    return status;
}

pc_status pc_related_find(const pc_csr *X, const pc_lsa *lsa, const pc_related_options *opt,
                          const pc_monitor *mon, pc_neighbors **out, pc_error *err)
{
    pc_status status = pc_comm_agree(opt->neighbors.comm, related_find(X, lsa, opt, mon, out, err),
                                     err);
    if (status != PC_OK) {
        pc_neighbors_free(*out);
        *out = NULL;
    }
    return status;
}
