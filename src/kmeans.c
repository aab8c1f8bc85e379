/*
 * kmeans.c — spherical k-means (Lloyd iterations on the unit sphere).
 *
 * Assignment: each document goes to the centroid of highest cosine.  With the
 * centroids stored transposed (dim × k), a block of documents times Cᵀ is one
 * sparse × dense product (linalg.c), nnz × k multiply-adds, vectorised over k
 * and run in parallel over blocks of documents.
 * Update: the members of each cluster are summed in document order (a counting
 * sort by cluster gives that order), one cluster per task, then the sums are
 * normalised; because every sum runs in a fixed order the centroids are the
 * same bit for bit whatever the thread count.
 * Seeding: greedy k-means++ (as scikit-learn): 2 + ln k candidates drawn with
 * probability ∝ D² = 2 - 2·cos to the nearest chosen centre, keeping the one
 * that lowers the total D² most; the candidates' cosines to all documents are
 * again one sparse × dense product.
 * Empty clusters are re-seeded with the documents that fit their centroid
 * worst.  Iterations stop when no document moves, when the objective gains
 * less than tol × itself, or after max_iter updates, always just after an
 * assignment step, so each document ends with its nearest final centroid;
 * n_init restarts keep the best.
 * Prediction (pc_kmeans_predict) runs the same assignment kernel over new
 * rows, the centroids in the order k-means numbered them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/kmeans.h"
#include "progress_internal.h"
#include "rng_internal.h"

#define BLOCK 256 /* documents per assignment task */

void pc_kmeans_options_default(pc_kmeans_options *opt)
{
    opt->k = 0;
    opt->n_init = 3;
    opt->max_iter = 100;
    opt->tol = 1e-4;
    opt->seed = 1;
    opt->threads = 0;
}

/* The working state of one restart. */
typedef struct fit {
    const pc_csr *X;
    int32_t k;
    int32_t dim;
    int threads;
    float *centroid;   /* k × dim */
    float *centroid_t; /* dim × k */
    int32_t *assign;
    float *sim;
    int64_t *size;
    int32_t *order;    /* documents sorted by cluster, stable */
    int64_t *start;    /* k + 1 offsets into order */
    float *scratch;    /* threads × BLOCK × max(k, trials) */
    int32_t scratch_width;
    double objective;
    int iterations;
} fit;

static void fit_free(fit *f)
{
    free(f->centroid);
    free(f->centroid_t);
    free(f->assign);
    free(f->sim);
    free(f->size);
    free(f->order);
    free(f->start);
    free(f->scratch);
}

static int32_t n_trials(int32_t k)
{
    return 2 + (int32_t)log((double)k);
}

static pc_status fit_alloc(fit *f, const pc_csr *X, int32_t k, int threads, pc_error *err)
{
    memset(f, 0, sizeof *f);
    f->X = X;
    f->k = k;
    f->dim = X->n_cols;
    f->threads = threads;
    f->scratch_width = k > n_trials(k) ? k : n_trials(k);
    size_t cells = (size_t)k * (size_t)X->n_cols;
    if (X->n_cols != 0 && cells / (size_t)X->n_cols != (size_t)k)
        return pc_fail_nomem(err, "allocating centroids");
    f->centroid = pc_malloc_array(cells, sizeof(float));
    f->centroid_t = pc_malloc_array(cells, sizeof(float));
    f->assign = pc_malloc_array((size_t)X->n_rows, sizeof(int32_t));
    f->sim = pc_malloc_array((size_t)X->n_rows, sizeof(float));
    f->size = pc_malloc_array((size_t)k, sizeof(int64_t));
    f->order = pc_malloc_array((size_t)X->n_rows, sizeof(int32_t));
    f->start = pc_malloc_array((size_t)k + 1, sizeof(int64_t));
    f->scratch = pc_malloc_array((size_t)threads * BLOCK * (size_t)f->scratch_width,
                                 sizeof(float));
    if (!f->centroid || !f->centroid_t || !f->assign || !f->sim || !f->size || !f->order ||
        !f->start || !f->scratch) {
        fit_free(f);
        return pc_fail_nomem(err, "allocating k-means state");
    }
    return PC_OK;
}

/*
 * out (n_rows × m) = X · B for a dense dim × m matrix B, block by block in
 * parallel; each thread works in its own slice of scratch.
 */
static void product_all(const fit *f, const float *B, int32_t m, float *out)
{
    const pc_csr *X = f->X;
    int32_t n_blocks = (X->n_rows + BLOCK - 1) / BLOCK;
#pragma omp parallel for num_threads(f->threads) schedule(dynamic, 4)
    for (int32_t b = 0; b < n_blocks; b++) {
        int32_t lo = b * BLOCK, hi = lo + BLOCK < X->n_rows ? lo + BLOCK : X->n_rows;
        pc_csr_times_dense(X, lo, hi, B, m, out + (size_t)lo * (size_t)m);
    }
}

/*
 * Rows lo .. hi-1 of X against k centroids given transposed (dim × k): each
 * row's column of highest product (the first of equal ones) into assign[i],
 * the product into sim[i]; buf holds BLOCK × k floats.  Returns how many
 * rows changed column.  Cost (nnz of the rows) × k multiply-adds.
 */
static int64_t nearest_in_block(const pc_csr *X, int32_t lo, int32_t hi, const float *centroid_t,
                                int32_t k, float *buf, int32_t *assign, float *sim)
{
    int64_t changed = 0;
    pc_csr_times_dense(X, lo, hi, centroid_t, k, buf);
    for (int32_t i = lo; i < hi; i++) {
        const float *s = buf + (size_t)(i - lo) * (size_t)k;
        int32_t best = 0;
        for (int32_t c = 1; c < k; c++)
            if (s[c] > s[best])
                best = c;
        changed += assign[i] != best;
        assign[i] = best;
        sim[i] = s[best];
    }
    return changed;
}

/* Assignment step; returns how many documents changed cluster. */
static int64_t assign_step(fit *f)
{
    const pc_csr *X = f->X;
    int32_t n_blocks = (X->n_rows + BLOCK - 1) / BLOCK;
    int64_t changed = 0;
#pragma omp parallel num_threads(f->threads) reduction(+ : changed)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        float *buf = f->scratch + (size_t)tid * BLOCK * (size_t)f->scratch_width;
#pragma omp for schedule(dynamic, 4)
        for (int32_t b = 0; b < n_blocks; b++) {
            int32_t lo = b * BLOCK, hi = lo + BLOCK < X->n_rows ? lo + BLOCK : X->n_rows;
            changed += nearest_in_block(X, lo, hi, f->centroid_t, f->k, buf, f->assign, f->sim);
        }
    }
    return changed;
}

/* Cosine of row i of X to `centroid`, summed in double in the row's order:
 * the similarity every clustering reports. */
static float row_similarity(const pc_csr *X, int32_t i, const float *centroid)
{
    double s = 0.0;
    for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
        s += (double)X->val[p] * centroid[X->col[p]];
    return (float)s;
}

/* Cosine of every document to its own centroid; returns their sum. */
static double score_step(fit *f)
{
    const pc_csr *X = f->X;
#pragma omp parallel for num_threads(f->threads) schedule(dynamic, 1024)
    for (int32_t i = 0; i < X->n_rows; i++)
        f->sim[i] = row_similarity(X, i, f->centroid + (size_t)f->assign[i] * (size_t)f->dim);
    double total = 0.0;
    for (int32_t i = 0; i < X->n_rows; i++)
        total += f->sim[i];
    return total;
}

static void count_sizes(fit *f)
{
    memset(f->size, 0, (size_t)f->k * sizeof *f->size);
    for (int32_t i = 0; i < f->X->n_rows; i++)
        f->size[f->assign[i]]++;
}

/* Moves the worst-fitting documents into empty clusters (they seed them). */
static void reseed_empty(fit *f)
{
    const pc_csr *X = f->X;
    for (int32_t c = 0; c < f->k; c++) {
        if (f->size[c] != 0)
            continue;
        int32_t worst = -1;
        for (int32_t i = 0; i < X->n_rows; i++) {
            if (X->row_ptr[i] == X->row_ptr[i + 1] || f->size[f->assign[i]] <= 1)
                continue;
            if (worst < 0 || f->sim[i] < f->sim[worst])
                worst = i;
        }
        if (worst < 0)
            return; /* fewer distinct non-empty documents than clusters */
        f->size[f->assign[worst]]--;
        f->assign[worst] = c;
        f->sim[worst] = 1.0f;
        f->size[c] = 1;
    }
}

static void transpose_centroids(fit *f)
{
    for (int32_t c = 0; c < f->k; c++)
        for (int32_t j = 0; j < f->dim; j++)
            f->centroid_t[(size_t)j * (size_t)f->k + (size_t)c] =
                f->centroid[(size_t)c * (size_t)f->dim + (size_t)j];
}

/* Update step: centroids = normalised sums of their members, in document order. */
static void update_step(fit *f)
{
    const pc_csr *X = f->X;
    count_sizes(f);
    reseed_empty(f);
    f->start[0] = 0;
    for (int32_t c = 0; c < f->k; c++)
        f->start[c + 1] = f->start[c] + f->size[c];
    int64_t *next = f->size; /* reused as fill cursors, recounted below */
    for (int32_t c = 0; c < f->k; c++)
        next[c] = f->start[c];
    for (int32_t i = 0; i < X->n_rows; i++)
        f->order[next[f->assign[i]]++] = i;
    for (int32_t c = 0; c < f->k; c++)
        f->size[c] = f->start[c + 1] - f->start[c];
#pragma omp parallel for num_threads(f->threads) schedule(dynamic, 1)
    for (int32_t c = 0; c < f->k; c++) {
        float *row = f->centroid + (size_t)c * (size_t)f->dim;
        memset(row, 0, (size_t)f->dim * sizeof *row);
        for (int64_t o = f->start[c]; o < f->start[c + 1]; o++) {
            int32_t i = f->order[o];
            for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
                row[X->col[p]] += X->val[p];
        }
    }
    pc_normalize_rows(f->centroid, f->k, f->dim);
    transpose_centroids(f);
}

/* Dense copy of document i into row `out` (length dim). */
static void copy_row(const pc_csr *X, int32_t i, float *out, int32_t dim)
{
    memset(out, 0, (size_t)dim * sizeof *out);
    for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
        out[X->col[p]] = X->val[p];
}

/* Greedy k-means++ seeding into f->centroid (k rows). */
static pc_status seed_plusplus(fit *f, pc_rng *rng, pc_error *err)
{
    const pc_csr *X = f->X;
    int32_t n = X->n_rows, k = f->k, trials = n_trials(k), dim = f->dim;
    pc_status status = PC_OK;
    double *d2 = pc_malloc_array((size_t)n, sizeof *d2);
    double *cum = pc_malloc_array((size_t)n, sizeof *cum);
    float *cand = pc_calloc((size_t)dim * (size_t)trials, sizeof *cand); /* dim × trials */
    float *sims = pc_malloc_array((size_t)n * (size_t)trials, sizeof *sims);
    double *potential = pc_malloc_array((size_t)trials, sizeof *potential);
    int32_t *pick = pc_malloc_array((size_t)trials, sizeof *pick);
    if (!d2 || !cum || !cand || !sims || !potential || !pick) {
        status = pc_fail_nomem(err, "seeding k-means");
        goto done;
    }
    /* First centre: uniform over the documents that have terms. */
    for (int32_t i = 0; i < n; i++) {
        d2[i] = X->row_ptr[i + 1] > X->row_ptr[i] ? 2.0 : 0.0;
        cum[i] = (i ? cum[i - 1] : 0.0) + (d2[i] > 0.0);
    }
    if (cum[n - 1] <= 0.0) {
        status = pc_fail(err, PC_ERR_EMPTY, "no document has any term left to cluster on");
        goto done;
    }
    int32_t first = (int32_t)pc_rng_weighted(rng, cum, (size_t)n);
    for (int32_t c = 0; c < k; c++) {
        int32_t m = c == 0 ? 1 : trials;
        if (c == 0) {
            pick[0] = first;
        } else {
            for (int32_t i = 0; i < n; i++)
                cum[i] = (i ? cum[i - 1] : 0.0) + d2[i];
            for (int32_t t = 0; t < m; t++) /* all documents on a centre: any one will do */
                pick[t] = cum[n - 1] > 0.0 ? (int32_t)pc_rng_weighted(rng, cum, (size_t)n)
                                           : (int32_t)pc_rng_below(rng, (uint64_t)n);
        }
        for (int32_t t = 0; t < m; t++)
            for (int64_t p = X->row_ptr[pick[t]]; p < X->row_ptr[pick[t] + 1]; p++)
                cand[(size_t)X->col[p] * (size_t)m + (size_t)t] = X->val[p];
        product_all(f, cand, m, sims);
        for (int32_t t = 0; t < m; t++) /* clear for the next round */
            for (int64_t p = X->row_ptr[pick[t]]; p < X->row_ptr[pick[t] + 1]; p++)
                cand[(size_t)X->col[p] * (size_t)m + (size_t)t] = 0.0f;
#pragma omp parallel for num_threads(f->threads) schedule(static, 1)
        for (int32_t t = 0; t < m; t++) {
            double sum = 0.0;
            for (int32_t i = 0; i < n; i++) {
                double d = 2.0 - 2.0 * sims[(size_t)i * (size_t)m + (size_t)t];
                sum += d2[i] < d ? d2[i] : (d > 0.0 ? d : 0.0);
            }
            potential[t] = sum;
        }
        int32_t best = 0;
        for (int32_t t = 1; t < m; t++)
            if (potential[t] < potential[best])
                best = t;
        copy_row(X, pick[best], f->centroid + (size_t)c * (size_t)dim, dim);
        for (int32_t i = 0; i < n; i++) {
            double d = 2.0 - 2.0 * sims[(size_t)i * (size_t)m + (size_t)best];
            if (d < 0.0)
                d = 0.0;
            if (d < d2[i])
                d2[i] = d;
        }
    }
    transpose_centroids(f);
done:
    free(d2);
    free(cum);
    free(cand);
    free(sims);
    free(potential);
    free(pick);
    return status;
}

/* One restart: seeding, then Lloyd iterations. */
static pc_status run_once(fit *f, const pc_kmeans_options *opt, pc_rng *rng, int init,
                          pc_progress *progress, const pc_monitor *mon, pc_error *err)
{
    pc_status status = seed_plusplus(f, rng, err);
    if (status != PC_OK)
        return status;
    for (int32_t i = 0; i < f->X->n_rows; i++)
        f->assign[i] = -1;
    double previous = 0.0;
    f->iterations = 0;
    /* Every restart ends on an assignment step, never on an update: each
     * document then sits with the centroid of highest cosine among the final
     * ones (scikit-learn ends with such an E-step too), so that
     * pc_kmeans_predict() on the fitted rows gives back their clusters. */
    for (int it = 0;; it++) {
        if (pc_cancelled(mon))
            return pc_fail(err, PC_ERR_INTERRUPTED, "interrupted during k-means");
        int64_t changed = assign_step(f);
        double objective = 0.0;
        for (int32_t i = 0; i < f->X->n_rows; i++)
            objective += f->sim[i];
        if (it == opt->max_iter ||
            (it > 0 && (changed == 0 || objective - previous <= opt->tol * fabs(objective))))
            break;
        update_step(f);
        f->iterations = it + 1;
        pc_progress_update(progress, (double)init * opt->max_iter + it + 1);
        previous = objective;
    }
    f->objective = score_step(f);
    return PC_OK;
}

static pc_status check_options(const pc_csr *X, const pc_kmeans_options *opt, pc_error *err)
{
    if (opt->k < 1 || opt->k > X->n_rows)
        return pc_fail(err, PC_ERR_INVALID, "k = %d must be between 1 and the %d documents",
                       (int)opt->k, (int)X->n_rows);
    if (opt->n_init < 1 || opt->max_iter < 1 || !(opt->tol >= 0.0))
        return pc_fail(err, PC_ERR_INVALID,
                       "k-means needs n_init >= 1, max_iter >= 1 and tol >= 0");
    return PC_OK;
}

/*
 * Documents without terms fit every centroid equally (cosine 0), so the
 * assignment step leaves them in cluster 0 whatever it holds.  At the end
 * they join the cluster with the most documents that have terms (ties: the
 * lower id): pc_clusters_sort_by_size() then numbers it 0, as README promises.
 */
static void place_termless(fit *f)
{
    const pc_csr *X = f->X;
    int has_termless = 0;
    memset(f->size, 0, (size_t)f->k * sizeof *f->size);
    for (int32_t i = 0; i < X->n_rows; i++) {
        if (X->row_ptr[i] == X->row_ptr[i + 1])
            has_termless = 1;
        else
            f->size[f->assign[i]]++;
    }
    if (!has_termless)
        return;
    int32_t largest = 0;
    for (int32_t c = 1; c < f->k; c++)
        if (f->size[c] > f->size[largest])
            largest = c;
    for (int32_t i = 0; i < X->n_rows; i++) {
        if (X->row_ptr[i] == X->row_ptr[i + 1]) {
            f->assign[i] = largest;
            f->sim[i] = 0.0f;
        }
    }
}

/* Moves the arrays of restart `f` into a new pc_clusters. */
static pc_status take_result(fit *f, int best_init, pc_clusters **out, pc_error *err)
{
    pc_clusters *c = pc_calloc(1, sizeof *c);
    int32_t *origin = pc_malloc_array((size_t)f->k, sizeof *origin);
    if (!c || !origin) {
        free(c);
        free(origin);
        return pc_fail_nomem(err, "storing clusters");
    }
    for (int32_t j = 0; j < f->k; j++)
        origin[j] = j;
    c->origin = origin;
    c->k = f->k;
    c->n_docs = f->X->n_rows;
    c->dim = f->dim;
    c->assign = f->assign;
    c->similarity = f->sim;
    c->centroid = f->centroid;
    c->size = f->size;
    c->objective = f->objective;
    c->iterations = f->iterations;
    c->best_init = best_init;
    place_termless(f);
    count_sizes(f);
    f->assign = NULL;
    f->sim = NULL;
    f->centroid = NULL;
    f->size = NULL;
    *out = c;
    return PC_OK;
}

pc_status pc_kmeans_fit(const pc_csr *X, const pc_kmeans_options *opt, const pc_monitor *mon,
                        pc_clusters **out, pc_error *err)
{
    *out = NULL;
    pc_status status = check_options(X, opt, err);
    if (status != PC_OK)
        return status;
    int threads = pc_thread_count(opt->threads);
    pc_blas_threads(threads);
    fit best, trial;
    int best_init = -1;
    pc_rng *rng = pc_rng_new(opt->seed);
    if (!rng)
        return pc_fail_nomem(err, "creating the random generator");
    status = fit_alloc(&best, X, opt->k, threads, err);
    if (status == PC_OK && (status = fit_alloc(&trial, X, opt->k, threads, err)) != PC_OK)
        fit_free(&best);
    if (status != PC_OK) {
        pc_rng_free(rng);
        return status;
    }
    pc_progress progress;
    pc_progress_start(&progress, mon, "k-means", (double)opt->n_init * opt->max_iter);
    for (int init = 0; init < opt->n_init && status == PC_OK; init++) {
        status = run_once(&trial, opt, rng, init, &progress, mon, err);
        if (status == PC_OK && (best_init < 0 || trial.objective > best.objective)) {
            fit swap = best;
            best = trial;
            trial = swap;
            best_init = init;
        }
    }
    if (status == PC_OK) {
        pc_progress_finish(&progress);
        status = take_result(&best, best_init, out, err);
    }
    fit_free(&best);
    fit_free(&trial);
    pc_rng_free(rng);
    return status;
}

void pc_clusters_members(const pc_clusters *clusters, int64_t *start, int32_t *members)
{
    int32_t k = clusters->k, n = clusters->n_docs;
    memset(start, 0, ((size_t)k + 1) * sizeof *start);
    for (int32_t i = 0; i < n; i++)
        start[clusters->assign[i] + 1]++;
    for (int32_t c = 0; c < k; c++)
        start[c + 1] += start[c];
    for (int32_t i = 0; i < n; i++) /* start[c] runs ahead as cluster c's fill cursor */
        members[start[clusters->assign[i]]++] = i;
    for (int32_t c = k; c > 0; c--)
        start[c] = start[c - 1];
    start[0] = 0;
}

pc_status pc_clusters_sort_by_size(pc_clusters *clusters, pc_error *err)
{
    int32_t k = clusters->k;
    int32_t *rank = pc_malloc_array((size_t)k, sizeof *rank);   /* new id → old id */
    int32_t *new_id = pc_malloc_array((size_t)k, sizeof *new_id);
    float *centroid = pc_malloc_array((size_t)k * (size_t)clusters->dim, sizeof *centroid);
    int64_t *size = pc_malloc_array((size_t)k, sizeof *size);
    int32_t *origin = pc_malloc_array((size_t)k, sizeof *origin);
    if (!rank || !new_id || !centroid || !size || !origin) {
        free(rank);
        free(new_id);
        free(centroid);
        free(size);
        free(origin);
        return pc_fail_nomem(err, "sorting clusters");
    }
    for (int32_t c = 0; c < k; c++)
        rank[c] = c;
    for (int32_t a = 1; a < k; a++) { /* insertion sort: size desc, old id asc */
        int32_t c = rank[a], b = a;
        for (; b > 0 && clusters->size[rank[b - 1]] < clusters->size[c]; b--)
            rank[b] = rank[b - 1];
        rank[b] = c;
    }
    for (int32_t c = 0; c < k; c++) {
        new_id[rank[c]] = c;
        size[c] = clusters->size[rank[c]];
        origin[c] = clusters->origin ? clusters->origin[rank[c]] : rank[c];
        memcpy(centroid + (size_t)c * (size_t)clusters->dim,
               clusters->centroid + (size_t)rank[c] * (size_t)clusters->dim,
               (size_t)clusters->dim * sizeof *centroid);
    }
    for (int32_t i = 0; i < clusters->n_docs; i++)
        clusters->assign[i] = new_id[clusters->assign[i]];
    free(clusters->centroid);
    free(clusters->size);
    free(clusters->origin);
    clusters->centroid = centroid;
    clusters->size = size;
    clusters->origin = origin;
    free(rank);
    free(new_id);
    return PC_OK;
}

void pc_clusters_free(pc_clusters *clusters)
{
    if (!clusters)
        return;
    free(clusters->assign);
    free(clusters->similarity);
    free(clusters->centroid);
    free(clusters->size);
    free(clusters->origin);
    free(clusters);
}

pc_status pc_kmeans_predict(const pc_clusters *clusters, const pc_csr *X, int threads,
                            int32_t *assign, float *similarity, pc_error *err)
{
    const int32_t k = clusters->k, dim = clusters->dim;
    if (k < 1 || X->n_cols != dim)
        return pc_fail(err, PC_ERR_INVALID, "predicting clusters: %d columns for centroids of %d",
                       (int)X->n_cols, (int)dim);
    threads = pc_thread_count(threads);
    /* the centroids transposed in the order k-means numbered them, so that the
     * product and its ties come out as in its last assignment step */
    float *centroid_t = pc_malloc_array((size_t)dim * (size_t)k + 1, sizeof *centroid_t);
    int32_t *cluster_of = pc_malloc_array((size_t)k, sizeof *cluster_of);
    float *scratch = pc_malloc_array((size_t)threads * BLOCK * (size_t)k, sizeof *scratch);
    if (!centroid_t || !cluster_of || !scratch) {
        free(centroid_t);
        free(cluster_of);
        free(scratch);
        return pc_fail_nomem(err, "predicting clusters");
    }
    int32_t largest = 0;
    for (int32_t c = 0; c < k; c++) {
        const int32_t column = clusters->origin ? clusters->origin[c] : c;
        cluster_of[column] = c;
        for (int32_t t = 0; t < dim; t++)
            centroid_t[(size_t)t * (size_t)k + (size_t)column] =
                clusters->centroid[(size_t)c * (size_t)dim + (size_t)t];
        if (clusters->size && clusters->size[c] > clusters->size[largest])
            largest = c;
    }
    const int32_t n_blocks = (X->n_rows + BLOCK - 1) / BLOCK;
#pragma omp parallel num_threads(threads)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        float *buf = scratch + (size_t)tid * BLOCK * (size_t)k;
#pragma omp for schedule(dynamic, 4)
        for (int32_t b = 0; b < n_blocks; b++) {
            int32_t lo = b * BLOCK, hi = lo + BLOCK < X->n_rows ? lo + BLOCK : X->n_rows;
            memset(assign + lo, 0, (size_t)(hi - lo) * sizeof *assign);
            nearest_in_block(X, lo, hi, centroid_t, k, buf, assign, similarity);
            for (int32_t i = lo; i < hi; i++) {
                if (X->row_ptr[i] == X->row_ptr[i + 1]) { /* no term: as place_termless */
                    assign[i] = largest;
                    similarity[i] = 0.0f;
                    continue;
                }
                assign[i] = cluster_of[assign[i]];
                similarity[i] = row_similarity(
                    X, i, clusters->centroid + (size_t)assign[i] * (size_t)dim);
            }
        }
    }
    free(centroid_t);
    free(cluster_of);
    free(scratch);
    return PC_OK;
}
