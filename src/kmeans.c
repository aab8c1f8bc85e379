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
 * Several processes (opt->comm): each process computes the assignment step
 * and the seeding's products for its range of documents, and the ranges are
 * shared (moved, never summed); the sums (centroids, objective, D²) are taken
 * by every process over all documents in the one-process order, so the
 * result is the same bits for any number of processes.  With opt->ranges a
 * process holds only its range's rows: at the start each process also gets
 * every document's row restricted to its slice of the columns (column_slice,
 * once), takes the centroid sums of its slice over all documents in document
 * order — each sum added as one process adds it — and the slices are
 * gathered each iteration (gather_sums: one bit per sum and the non-zero
 * values), so the sums are split P ways with no chain between the ranks; the similarities to
 * the final centroids are computed by their rows' holders and shared, and
 * the seeding's picked rows are sent by their holders; the per-document
 * arrays (assignments, similarities, D²) stay whole on every process.
 * Prediction (pc_kmeans_predict) runs the same assignment kernel over new
 * rows, the centroids in the order k-means numbered them; for bisection's
 * clusters it descends the tree, each split's two centroids (its rule, kept
 * sparse while the bisection runs and dense in the result) transposed as
 * the split's 2-means had them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/kmeans.h"
#include "progress_internal.h"
#include "rng_internal.h"
#include "share_internal.h"

#define BLOCK 256 /* documents per assignment task */

void pc_kmeans_options_default(pc_kmeans_options *opt)
{
    opt->k = 0;
    opt->n_init = 3;
    opt->max_iter = 100;
    opt->tol = 1e-4;
    opt->seed = 1;
    opt->threads = 0;
    opt->comm = NULL;
    opt->ranges = 0;
}

/* The working state of one restart. */
typedef struct fit {
    const pc_csr *X;   /* the rows this process holds: all, or (ranges) documents base .. */
    int32_t n;         /* the documents in all */
    int32_t base;      /* the document of X's row 0 */
    const uint8_t *empty; /* ranges: per document, 1 when it has no terms; else NULL */
    const pc_csr *slice;  /* ranges: every document's row, only this process's columns
                             (pc_share_range of dim); else NULL */
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
    const pc_comm *comm; /* NULL: one process; else the assignment and seeding products are
                            split between the processes (pc_kmeans_fit only) */
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

/* n: the documents in all (X->n_rows, or more when X holds a range). */
static pc_status fit_alloc(fit *f, const pc_csr *X, int32_t n, int32_t k, int threads,
                           pc_error *err)
{
    memset(f, 0, sizeof *f);
    f->X = X;
    f->n = n;
    f->k = k;
    f->dim = X->n_cols;
    f->threads = threads;
    f->scratch_width = k > n_trials(k) ? k : n_trials(k);
    size_t cells = (size_t)k * (size_t)X->n_cols;
    if (X->n_cols != 0 && cells / (size_t)X->n_cols != (size_t)k)
        return pc_fail_nomem(err, "allocating centroids");
    f->centroid = pc_malloc_array(cells, sizeof(float));
    f->centroid_t = pc_malloc_array(cells, sizeof(float));
    f->assign = pc_malloc_array((size_t)f->n, sizeof(int32_t));
    f->sim = pc_malloc_array((size_t)f->n, sizeof(float));
    f->size = pc_malloc_array((size_t)k, sizeof(int64_t));
    f->order = pc_malloc_array((size_t)f->n, sizeof(int32_t));
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

/* The documents this process works on: all of them, or (several processes)
 * its range of ceil(n / size) of them in document order. */
static void my_rows(const fit *f, int32_t *lo, int32_t *hi)
{
    const int64_t n = f->n, p = pc_comm_size(f->comm), r = pc_comm_rank(f->comm);
    const int64_t each = (n + p - 1) / p, a = r * each < n ? r * each : n;
    *lo = (int32_t)a;
    *hi = (int32_t)(a + each < n ? a + each : n);
}

/*
 * Several processes: each computed its range (my_rows) of a (one int32 per
 * document, or NULL) and b (m floats per document); every process gets every
 * range, and *count becomes the sum of the processes' counts.  The values
 * are moved, never combined, so they are the bits one process computes.  One
 * allgather of 8 + ceil(n / size) × (4 + 4m) bytes per process.
 */
static pc_status share_rows(const fit *f, int32_t *a, float *b, int32_t m, int64_t *count,
                            pc_error *err)
{
    const pc_comm *comm = f->comm;
    const size_t n = (size_t)f->n, p = (size_t)comm->size, each = (n + p - 1) / p;
    const size_t ints = a ? each * sizeof(int32_t) : 0, floats = each * (size_t)m * sizeof(float);
    const size_t bytes = sizeof(int64_t) + ints + floats;
    char *mine = pc_calloc(1, bytes), *all = pc_malloc_array(p, bytes);
    pc_status status = comm->check(comm, mine && all ? PC_OK
                                                     : pc_fail_nomem(err, "sharing k-means rows"),
                                   err);
    int32_t lo, hi;
    my_rows(f, &lo, &hi);
    if (status == PC_OK) {
        memcpy(mine, count, sizeof *count);
        if (a)
            memcpy(mine + sizeof(int64_t), a + lo, (size_t)(hi - lo) * sizeof *a);
        memcpy(mine + sizeof(int64_t) + ints, b + (size_t)lo * (size_t)m,
               (size_t)(hi - lo) * (size_t)m * sizeof *b);
        status = comm->allgather(comm, mine, bytes, all, err);
    }
    for (size_t r = 0; status == PC_OK && r < p; r++) {
        const char *from = all + r * bytes;
        const size_t first = r * each < n ? r * each : n, len = first + each < n ? each : n - first;
        int64_t c;
        memcpy(&c, from, sizeof c);
        *count = r == 0 ? c : *count + c;
        if (a)
            memcpy(a + first, from + sizeof(int64_t), len * sizeof *a);
        memcpy(b + first * (size_t)m, from + sizeof(int64_t) + ints,
               len * (size_t)m * sizeof *b);
    }
    free(mine);
    free(all);
    return status;
}

/*
 * out (n_rows × m) = X · B for a dense dim × m matrix B, block by block in
 * parallel; each thread works in its own slice of scratch.  Several
 * processes: each its rows (my_rows), then shared.
 */
static pc_status product_all(const fit *f, const float *B, int32_t m, float *out, pc_error *err)
{
    const pc_csr *X = f->X;
    int32_t first, last;
    my_rows(f, &first, &last);
    int32_t n_blocks = (last - first + BLOCK - 1) / BLOCK;
#pragma omp parallel for num_threads(f->threads) schedule(dynamic, 4)
    for (int32_t b = 0; b < n_blocks; b++) {
        int32_t lo = first + b * BLOCK, hi = lo + BLOCK < last ? lo + BLOCK : last;
        pc_csr_times_dense(X, lo - f->base, hi - f->base, B, m, out + (size_t)lo * (size_t)m);
    }
    int64_t none = 0;
    return f->comm ? share_rows(f, NULL, out, m, &none, err) : PC_OK;
}

/*
 * Rows lo .. hi-1 of X against k centroids given transposed (dim × k): each
 * row's column of highest product (the first of equal ones) into assign[i],
 * the product into sim[i]; buf holds BLOCK × k floats.  Returns how many
 * rows changed column.  Cost (nnz of the rows) × k multiply-adds.
 */
static int64_t nearest_in_block(const pc_csr *X, int32_t base, int32_t lo, int32_t hi,
                                const float *centroid_t, int32_t k, float *buf, int32_t *assign,
                                float *sim)
{
    int64_t changed = 0;
    pc_csr_times_dense(X, lo - base, hi - base, centroid_t, k, buf);
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

/* Assignment step; *moved = how many documents changed cluster.  Several
 * processes: each assigns its rows (my_rows), then they are shared. */
static pc_status assign_step(fit *f, int64_t *moved, pc_error *err)
{
    const pc_csr *X = f->X;
    int32_t first, last;
    my_rows(f, &first, &last);
    int32_t n_blocks = (last - first + BLOCK - 1) / BLOCK;
    int64_t changed = 0;
#pragma omp parallel num_threads(f->threads) reduction(+ : changed)
    {
        const int tid = pc_thread_id();
        float *buf = f->scratch + (size_t)tid * BLOCK * (size_t)f->scratch_width;
#pragma omp for schedule(dynamic, 4)
        for (int32_t b = 0; b < n_blocks; b++) {
            int32_t lo = first + b * BLOCK, hi = lo + BLOCK < last ? lo + BLOCK : last;
            changed += nearest_in_block(X, f->base, lo, hi, f->centroid_t, f->k, buf, f->assign,
                                        f->sim);
        }
    }
    *moved = changed;
    return f->comm ? share_rows(f, f->assign, f->sim, 1, moved, err) : PC_OK;
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

/* Cosine of every document to its own centroid into f->sim; *total their
 * sum.  Ranges: each process its rows, then shared. */
static pc_status score_step(fit *f, double *total, pc_error *err)
{
    const pc_csr *X = f->X;
#pragma omp parallel for num_threads(f->threads) schedule(dynamic, 1024)
    for (int32_t i = 0; i < X->n_rows; i++)
        f->sim[f->base + i] = row_similarity(X, i, f->centroid + (size_t)f->assign[f->base + i] *
                                                                    (size_t)f->dim);
    int64_t none = 0;
    pc_status status = f->empty ? share_rows(f, NULL, f->sim, 1, &none, err) : PC_OK;
    *total = 0.0;
    for (int32_t i = 0; i < f->n; i++)
        *total += f->sim[i];
    return status;
}

/* 1 when document i has no terms. */
static int row_empty(const fit *f, int32_t i)
{
    return f->empty ? f->empty[i] : f->X->row_ptr[i] == f->X->row_ptr[i + 1];
}

static void count_sizes(fit *f)
{
    memset(f->size, 0, (size_t)f->k * sizeof *f->size);
    for (int32_t i = 0; i < f->n; i++)
        f->size[f->assign[i]]++;
}

/* Moves the worst-fitting documents into empty clusters (they seed them). */
static void reseed_empty(fit *f)
{
    for (int32_t c = 0; c < f->k; c++) {
        if (f->size[c] != 0)
            continue;
        int32_t worst = -1;
        for (int32_t i = 0; i < f->n; i++) {
            if (row_empty(f, i) || f->size[f->assign[i]] <= 1)
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

static void transpose_centroids(fit *f);

static void transpose_centroids(fit *f)
{
    for (int32_t c = 0; c < f->k; c++)
        for (int32_t j = 0; j < f->dim; j++)
            f->centroid_t[(size_t)j * (size_t)f->k + (size_t)c] =
                f->centroid[(size_t)c * (size_t)f->dim + (size_t)j];
}

/*
 * The sums of each cluster's members, in document order, of the columns
 * first .. first + width - 1 of rows (all documents, rows as f->assign
 * numbers them) into out (k × width): a counting sort by cluster gives each
 * cluster's members in document order, then one cluster per task.
 */
static void sum_members(fit *f, const pc_csr *rows, int32_t first, int32_t width, float *out)
{
    f->start[0] = 0;
    for (int32_t c = 0; c < f->k; c++)
        f->start[c + 1] = f->start[c] + f->size[c];
    int64_t *next = f->size; /* reused as fill cursors, recounted below */
    for (int32_t c = 0; c < f->k; c++)
        next[c] = f->start[c];
    for (int32_t i = 0; i < rows->n_rows; i++)
        f->order[next[f->assign[i]]++] = i;
    for (int32_t c = 0; c < f->k; c++)
        f->size[c] = f->start[c + 1] - f->start[c];
#pragma omp parallel for num_threads(f->threads) schedule(dynamic, 1)
    for (int32_t c = 0; c < f->k; c++) {
        float *row = out + (size_t)c * (size_t)width;
        memset(row, 0, (size_t)width * sizeof *row);
        for (int64_t o = f->start[c]; o < f->start[c + 1]; o++) {
            int32_t i = f->order[o];
            for (int64_t p = rows->row_ptr[i]; p < rows->row_ptr[i + 1]; p++)
                row[rows->col[p] - first] += rows->val[p];
        }
    }
}

/* 1 when v's bits are not those of +0.0 (it must be sent). */
static int sum_sent(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits != 0;
}

/* The `cells` sums at part as sent, into out (room for cells / 8 + 1 + 4 ×
 * cells bytes): one bit per sum, set when it is not +0.0, then the values
 * of those set, in order; returns the bytes. */
static size_t pack_sums(const float *part, size_t cells, char *out)
{
    const size_t bitmap = (cells + 7) / 8;
    memset(out, 0, bitmap);
    char *val = out + bitmap;
    for (size_t i = 0; i < cells; i++)
        if (sum_sent(part[i])) {
            out[i / 8] = (char)(out[i / 8] | 1 << (i % 8));
            memcpy(val, &part[i], sizeof part[i]);
            val += sizeof part[i];
        }
    return (size_t)(val - out);
}

/* The k × width sums in[0 .. bytes) (pack_sums') into columns first ..
 * first + width - 1 of f->centroid; PC_ERR_INVALID when they are not such
 * sums. */
static pc_status unpack_sums(fit *f, const char *in, size_t bytes, size_t first, size_t width,
                             int from, pc_error *err)
{
    const size_t cells = (size_t)f->k * width, bitmap = (cells + 7) / 8;
    const char *val = in + bitmap;
    int ok = bytes >= bitmap;
    for (size_t i = 0; ok && i < cells; i++) {
        float v = 0.0f;
        if (in[i / 8] >> (i % 8) & 1) {
            ok = (size_t)(in + bytes - val) >= sizeof v;
            if (ok)
                memcpy(&v, val, sizeof v);
            val += sizeof v;
        }
        f->centroid[i / width * (size_t)f->dim + first + i % width] = v;
    }
    if (!ok || val != in + bytes)
        return pc_fail(err, PC_ERR_INVALID, "k-means: rank %d sent malformed centroid sums "
                                            "(%zu bytes)", from, bytes);
    return PC_OK;
}

/*
 * Ranges: each process sums the columns of its slice (f->slice: every
 * document's row restricted to them) over all documents, in document order
 * as one process does — each sum the same bits — and the k × width slices
 * are gathered (one variable allgather) into every process's k × dim sums.
 * A slice is sent as one bit per sum, set when it is not +0.0 (the others
 * are), and the values of those set: 4 bytes and a bit per non-zero sum, a
 * bit per other (a cluster's sums are zero for the terms none of its members
 * has).
 */
static pc_status gather_sums(fit *f, pc_error *err)
{
    const pc_comm *comm = f->comm;
    const int64_t each = ((int64_t)f->dim + comm->size - 1) / comm->size;
    int32_t first, end;
    pc_share_range(f->dim, comm, &first, &end);
    const size_t k = (size_t)f->k, width = (size_t)(end - first), cells = k * width;
    float *part = pc_malloc_array(cells + 1, sizeof *part);
    char *packed = pc_malloc(cells / 8 + 1 + cells * sizeof *part);
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    char *all = NULL;
    pc_status status = comm->check(comm, part && packed && at
                                             ? PC_OK
                                             : pc_fail_nomem(err, "summing centroids"),
                                   err);
    if (status == PC_OK) {
        sum_members(f, f->slice, first, (int32_t)width, part);
        status = pc_comm_allgatherv(comm, packed, pack_sums(part, cells, packed), &all, at, err);
    }
    for (int q = 0; status == PC_OK && q < comm->size; q++) {
        const int64_t lo = q * each < f->dim ? q * each : f->dim;
        const int64_t hi = (q + 1) * each < f->dim ? (q + 1) * each : f->dim;
        status = unpack_sums(f, all + at[q], at[q + 1] - at[q], (size_t)lo, (size_t)(hi - lo),
                             q, err);
    }
    free(part);
    free(packed);
    free(at);
    free(all);
    return status;
}

/* Centroids = normalised sums of their members (f->size counted), in
 * document order.  Ranges: see gather_sums. */
static pc_status centroid_step(fit *f, pc_error *err)
{
    pc_status status = f->slice ? gather_sums(f, err) : PC_OK;
    if (status != PC_OK)
        return status;
    if (!f->slice)
        sum_members(f, f->X, 0, f->dim, f->centroid);
    pc_normalize_rows(f->centroid, f->k, f->dim);
    transpose_centroids(f);
    return PC_OK;
}

/* Update step: empty clusters re-seeded, then the centroids of the members. */
static pc_status update_step(fit *f, pc_error *err)
{
    count_sizes(f);
    reseed_empty(f);
    return centroid_step(f, err);
}

/* Dense copy of document i into row `out` (length dim). */
static void copy_row(const pc_csr *X, int32_t i, float *out, int32_t dim)
{
    memset(out, 0, (size_t)dim * sizeof *out);
    for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
        out[X->col[p]] = X->val[p];
}

/*
 * The rows of documents pick[0 .. m): *rows and, for pick t, its row
 * index[t] there.  One process: X itself.  Ranges: each process sends the
 * picked rows it holds (one variable allgather) into a new m-row matrix,
 * freed by the caller.
 */
static pc_status picked_rows(const fit *f, const int32_t *pick, int32_t m, const pc_csr **rows,
                             pc_csr **fetched, int32_t *index, pc_error *err)
{
    *fetched = NULL;
    for (int32_t t = 0; t < m; t++)
        index[t] = f->empty ? t : pick[t];
    *rows = f->X;
    if (!f->empty)
        return PC_OK;
    const pc_csr *X = f->X;
    char *mine = NULL;
    size_t len = 0, cap = 0;
    int fail = 0;
    for (int32_t t = 0; !fail && t < m; t++)
        if (pick[t] >= f->base && pick[t] < f->base + X->n_rows)
            fail = pc_rows_put(&mine, &len, &cap, t, X, pick[t] - f->base);
    pc_status status = pc_rows_allgather(f->comm, fail ? pc_fail_nomem(err, "seeding k-means")
                                                       : PC_OK,
                                         mine, len, 0, m, X->n_cols, 0, fetched, err);
    *rows = *fetched;
    return status;
}

/*
 * A restart's share of k-means' progress, in assignment steps' worth of
 * work: its seeding (each of the k centres compares trials candidates with
 * every document: about trials assignment steps in all) and its iterations.
 */
static double restart_span(const fit *f, const pc_kmeans_options *opt)
{
    return (double)n_trials(f->k) + opt->max_iter;
}

/* Greedy k-means++ seeding into f->centroid (k rows); progress goes from at
 * to at + n_trials(k) as the centres are chosen. */
static pc_status seed_plusplus(fit *f, pc_rng *rng, pc_progress *progress, double at,
                               pc_error *err)
{
    int32_t n = f->n, k = f->k, trials = n_trials(k), dim = f->dim;
    const pc_csr *P = NULL; /* the picked rows */
    pc_csr *fetched = NULL;
    int32_t index[64]; /* trials = 2 + ln k < 24 */
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
        d2[i] = !row_empty(f, i) ? 2.0 : 0.0;
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
        pc_csr_free(fetched);
        if ((status = picked_rows(f, pick, m, &P, &fetched, index, err)) != PC_OK)
            goto done;
        for (int32_t t = 0; t < m; t++)
            for (int64_t p = P->row_ptr[index[t]]; p < P->row_ptr[index[t] + 1]; p++)
                cand[(size_t)P->col[p] * (size_t)m + (size_t)t] = P->val[p];
        if ((status = product_all(f, cand, m, sims, err)) != PC_OK)
            goto done;
        for (int32_t t = 0; t < m; t++) /* clear for the next round */
            for (int64_t p = P->row_ptr[index[t]]; p < P->row_ptr[index[t] + 1]; p++)
                cand[(size_t)P->col[p] * (size_t)m + (size_t)t] = 0.0f;
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
        copy_row(P, index[best], f->centroid + (size_t)c * (size_t)dim, dim);
        for (int32_t i = 0; i < n; i++) {
            double d = 2.0 - 2.0 * sims[(size_t)i * (size_t)m + (size_t)best];
            if (d < 0.0)
                d = 0.0;
            if (d < d2[i])
                d2[i] = d;
        }
        pc_progress_update(progress, at + (double)trials * (c + 1) / k);
    }
    transpose_centroids(f);
done:
    pc_csr_free(fetched);
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
    const double at = init * restart_span(f, opt); /* this restart's start in the progress */
    pc_status status = seed_plusplus(f, rng, progress, at, err);
    if (status != PC_OK)
        return status;
    for (int32_t i = 0; i < f->n; i++)
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
        int64_t changed = 0;
        if ((status = assign_step(f, &changed, err)) != PC_OK)
            return status;
        double objective = 0.0;
        for (int32_t i = 0; i < f->n; i++)
            objective += f->sim[i];
        if (it == opt->max_iter ||
            (it > 0 && (changed == 0 || objective - previous <= opt->tol * fabs(objective))))
            break;
        if ((status = update_step(f, err)) != PC_OK)
            return status;
        f->iterations = it + 1;
        pc_progress_update(progress, at + n_trials(f->k) + it + 1);
        previous = objective;
    }
    return score_step(f, &f->objective, err);
}

static pc_status check_options(int32_t n, const pc_kmeans_options *opt, pc_error *err)
{
    if (opt->k < 1 || opt->k > n)
        return pc_fail(err, PC_ERR_INVALID, "k = %d must be between 1 and the %d documents",
                       (int)opt->k, (int)n);
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
    int has_termless = 0;
    memset(f->size, 0, (size_t)f->k * sizeof *f->size);
    for (int32_t i = 0; i < f->n; i++) {
        if (row_empty(f, i))
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
    for (int32_t i = 0; i < f->n; i++) {
        if (row_empty(f, i)) {
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
    c->n_docs = f->n;
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

/*
 * Ranges: the documents in all (*n), this process's first (*base), and which
 * have no terms (*empty, n bytes, new), from every process's range.  The
 * ranges must be pc_share_range's (my_rows'): ceil(n / size) each, in order.
 */
static pc_status gather_ranges(const pc_csr *X, const pc_comm *comm, int32_t *n, int32_t *base,
                               uint8_t **empty, pc_error *err)
{
    *empty = NULL;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    uint8_t *mine = pc_malloc((size_t)X->n_rows);
    char *all = NULL;
    pc_status status = comm->check(comm, at && mine ? PC_OK
                                                    : pc_fail_nomem(err, "starting k-means"),
                                   err);
    for (int32_t i = 0; status == PC_OK && i < X->n_rows; i++)
        mine[i] = X->row_ptr[i] == X->row_ptr[i + 1];
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, (size_t)X->n_rows, &all, at, err);
    free(mine);
    if (status == PC_OK) {
        status = pc_share_check_range(comm, (int64_t)at[comm->size], (int64_t)at[comm->rank],
                                      X->n_rows, err);
        *n = (int32_t)at[comm->size];
        *base = (int32_t)at[comm->rank];
    }
    free(at);
    if (status != PC_OK) {
        free(all);
        return status;
    }
    *empty = (uint8_t *)all;
    return PC_OK;
}

static pc_status kmeans_fit(const pc_csr *X, const pc_kmeans_options *opt,
                            const pc_monitor *mon, pc_clusters **out, pc_error *err)
{
    *out = NULL;
    uint8_t *empty = NULL;
    pc_csr *slice = NULL;
    int32_t n = X->n_rows, base = 0;
    pc_status status = opt->comm && opt->ranges ? gather_ranges(X, opt->comm, &n, &base, &empty,
                                                                err)
                                                : PC_OK;
    if (status == PC_OK && empty && opt->comm->size > 1) /* one process sums its rows */
        status = pc_share_column_slice(X, n, base, opt->comm, &slice, err);
    if (status == PC_OK)
        status = check_options(n, opt, err);
    if (status != PC_OK) {
        free(empty);
        pc_csr_free(slice);
        return status;
    }
    int threads = pc_thread_count(opt->threads);
    pc_blas_threads(threads);
    fit best, trial;
    int best_init = -1;
    pc_rng *rng = pc_rng_new(opt->seed);
    if (!rng) {
        free(empty);
        pc_csr_free(slice);
        return pc_fail_nomem(err, "creating the random generator");
    }
    status = fit_alloc(&best, X, n, opt->k, threads, err);
    if (status == PC_OK && (status = fit_alloc(&trial, X, n, opt->k, threads, err)) != PC_OK)
        fit_free(&best);
    if (status != PC_OK) {
        pc_rng_free(rng);
        free(empty);
        pc_csr_free(slice);
        return status;
    }
    best.comm = trial.comm = opt->comm;
    best.base = trial.base = base;
    best.empty = trial.empty = empty;
    best.slice = trial.slice = slice;
    pc_progress progress;
    pc_progress_start(&progress, mon, "k-means", opt->n_init * restart_span(&trial, opt));
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
    free(empty);
    pc_csr_free(slice);
    return status;
}

pc_status pc_kmeans_fit(const pc_csr *X, const pc_kmeans_options *opt, const pc_monitor *mon,
                        pc_clusters **out, pc_error *err)
{
    pc_status status = pc_comm_agree(opt->comm, kmeans_fit(X, opt, mon, out, err), err);
    if (status != PC_OK) {
        pc_clusters_free(*out);
        *out = NULL;
    }
    return status;
}

/* rank[new id] = old id: sizes descending, ties by lower old id. */
static void size_rank(const int64_t *size, int32_t k, int32_t *rank)
{
    for (int32_t c = 0; c < k; c++)
        rank[c] = c;
    for (int32_t a = 1; a < k; a++) { /* insertion sort: size desc, old id asc */
        int32_t c = rank[a], b = a;
        for (; b > 0 && size[rank[b - 1]] < size[c]; b--)
            rank[b] = rank[b - 1];
        rank[b] = c;
    }
}

/* ------------------------------------------------------------- bisection */

/*
 * Repeated bisection keeps the documents of each node of the tree in one
 * range of `order` (document order within it), so a split partitions its
 * range in place and the two halves are ranges again.  Every node gets its
 * best 2-means split (n_init restarts of run_once on the sub-matrix of its
 * rows) when it is made, and the leaf whose split gains most is split next.
 */
typedef struct bisect_node {
    int64_t lo, hi;        /* its documents: order[lo .. hi) */
    double objective;      /* ||sum of its rows|| = Σ cos to its normalised mean */
    double gain;           /* of its best split; -inf when it has fewer than 2 documents */
    double side_objective[2];
    int iterations;        /* of its split's kept restart */
    int32_t child[2];      /* node ids once split, else -1 */
    /* The split's rule: the kept restart's two centroids as its last
     * assignment step used them, transposed (term × side), the terms where
     * either is non-zero only; NULL (both zero: every row to side 0) when
     * the node has fewer than 2 documents. */
    int32_t rule_n;
    int32_t *rule_col;     /* rule_n terms, increasing */
    float *rule_val;       /* rule_n × 2 */
} bisect_node;

typedef struct bisect_state {
    const pc_csr *X;
    const pc_kmeans_options *opt;
    int threads;
    pc_rng *rng;
    int32_t *order;        /* documents with terms, each node a range of it */
    int32_t *buffer;       /* for partitions */
    uint8_t *side;         /* per document: the half its node's split puts it in */
    bisect_node *node;     /* 2k − 1 at most */
    int32_t n_nodes;
    pc_progress progress;
    double done;
    const pc_monitor *mon;
} bisect_state;

/* Keeps the centroids of 2-means restart f (transposed, as its last
 * assignment step used them) as node's rule, sparse. */
static pc_status keep_rule(bisect_node *node, const fit *f, pc_error *err)
{
    const float *ct = f->centroid_t; /* dim × 2 */
    int32_t n = 0;
    for (int32_t t = 0; t < f->dim; t++)
        n += ct[2 * (size_t)t] != 0.0f || ct[2 * (size_t)t + 1] != 0.0f;
    node->rule_col = pc_malloc_array(n > 0 ? (size_t)n : 1, sizeof *node->rule_col);
    node->rule_val = pc_malloc_array(n > 0 ? 2 * (size_t)n : 1, sizeof *node->rule_val);
    if (!node->rule_col || !node->rule_val)
        return pc_fail_nomem(err, "bisecting");
    node->rule_n = n;
    for (int32_t t = 0, r = 0; t < f->dim; t++)
        if (ct[2 * (size_t)t] != 0.0f || ct[2 * (size_t)t + 1] != 0.0f) {
            node->rule_col[r] = t;
            node->rule_val[2 * r] = ct[2 * (size_t)t];
            node->rule_val[2 * r + 1] = ct[2 * (size_t)t + 1];
            r++;
        }
    return PC_OK;
}

/* The best 2-means split of node v (n_init restarts): side[] of its documents,
 * the objectives of the halves, the gain over v's own objective, its rule. */
static pc_status best_split(bisect_state *b, int32_t v, pc_error *err)
{
    bisect_node *node = &b->node[v];
    int64_t n = node->hi - node->lo;
    const int32_t *rows = b->order + node->lo;
    node->gain = -INFINITY;
    node->side_objective[0] = node->objective;
    node->side_objective[1] = 0.0;
    node->iterations = 0;
    for (int64_t r = 0; r < n; r++)
        b->side[rows[r]] = 0;
    if (n < 2)
        return PC_OK;
    pc_csr *S = NULL;
    fit best, trial;
    pc_status status = pc_csr_rows(b->X, rows, n, &S, err);
    if (status != PC_OK)
        return status;
    pc_progress quiet; /* restarts are not shown one by one */
    pc_progress_start(&quiet, NULL, "", 0);
    if ((status = fit_alloc(&best, S, S->n_rows, 2, b->threads, err)) == PC_OK &&
        (status = fit_alloc(&trial, S, S->n_rows, 2, b->threads, err)) != PC_OK)
        fit_free(&best);
    if (status != PC_OK) {
        pc_csr_free(S);
        return status;
    }
    int have = 0;
    for (int init = 0; init < b->opt->n_init && status == PC_OK; init++) {
        status = run_once(&trial, b->opt, b->rng, init, &quiet, b->mon, err);
        if (status == PC_OK && (!have || trial.objective > best.objective)) {
            fit swap = best;
            best = trial;
            trial = swap;
            have = 1;
        }
    }
    if (status == PC_OK) {
        double half[2] = {0.0, 0.0};
        for (int64_t r = 0; r < n; r++) {
            b->side[rows[r]] = (uint8_t)best.assign[r];
            half[best.assign[r]] += best.sim[r];
        }
        node->side_objective[0] = half[0];
        node->side_objective[1] = half[1];
        node->gain = half[0] + half[1] - node->objective;
        node->iterations = best.iterations;
        status = keep_rule(node, &best, err);
    }
    fit_free(&best);
    fit_free(&trial);
    pc_csr_free(S);
    pc_progress_update(&b->progress, ++b->done);
    return status;
}

/* Splits leaf v into two new nodes (a stable partition of its range) and
 * finds their own best splits. */
static pc_status split_node(bisect_state *b, int32_t v, pc_error *err)
{
    bisect_node *node = &b->node[v];
    int64_t lo = node->lo, hi = node->hi, at = lo, back = 0;
    for (int64_t r = lo; r < hi; r++) {
        int32_t i = b->order[r];
        if (b->side[i] == 0)
            b->order[at++] = i;
        else
            b->buffer[back++] = i;
    }
    memcpy(b->order + at, b->buffer, (size_t)back * sizeof *b->order);
    int64_t bounds[3] = {lo, at, hi};
    pc_status status = PC_OK;
    for (int h = 0; h < 2 && status == PC_OK; h++) {
        int32_t c = b->n_nodes++;
        b->node[c] = (bisect_node){.lo = bounds[h], .hi = bounds[h + 1],
                                   .objective = b->node[v].side_objective[h],
                                   .child = {-1, -1}};
        b->node[v].child[h] = c;
        status = best_split(b, c, err);
    }
    return status;
}

/* ||Σ rows|| of all documents, summed in document order. */
static pc_status root_objective(const pc_csr *X, double *out, pc_error *err)
{
    double *sum = pc_calloc((size_t)X->n_cols > 0 ? (size_t)X->n_cols : 1, sizeof *sum);
    if (!sum)
        return pc_fail_nomem(err, "bisecting");
    for (int64_t p = 0; p < X->nnz; p++)
        sum[X->col[p]] += X->val[p];
    double norm2 = 0.0;
    for (int32_t t = 0; t < X->n_cols; t++)
        norm2 += sum[t] * sum[t];
    free(sum);
    *out = sqrt(norm2);
    return PC_OK;
}

/* Cluster ids for the leaves (in node order), the merges (last split first)
 * and each merge's rule: its side-0 then side-1 centroid, dense rows of
 * split_centroid (zeros: 2 (k − 1) × dim). */
static void bisect_numbering(const bisect_state *b, int32_t k, const int32_t *split_order,
                             int32_t *tree_id, int32_t *assign, int32_t *merges,
                             float *split_centroid)
{
    const size_t dim = (size_t)b->X->n_cols;
    int32_t leaves = 0;
    for (int32_t v = 0; v < b->n_nodes; v++)
        if (b->node[v].child[0] < 0)
            tree_id[v] = leaves++;
    for (int32_t s = 0; s < k - 1; s++)
        tree_id[split_order[s]] = k + (k - 2 - s);
    for (int32_t s = 0; s < k - 1; s++) {
        const bisect_node *node = &b->node[split_order[s]];
        const size_t m = (size_t)(k - 2 - s);
        merges[2 * m] = tree_id[node->child[0]];
        merges[2 * m + 1] = tree_id[node->child[1]];
        for (int32_t r = 0; r < node->rule_n; r++)
            for (size_t h = 0; h < 2; h++)
                split_centroid[(2 * m + h) * dim + (size_t)node->rule_col[r]] =
                    node->rule_val[2 * r + h];
    }
    for (int32_t v = 0; v < b->n_nodes; v++)
        if (b->node[v].child[0] < 0)
            for (int64_t r = b->node[v].lo; r < b->node[v].hi; r++)
                assign[b->order[r]] = tree_id[v];
}

/* The final clusters: normalised means of the leaves and the cosines to
 * them, as one k-means update and scoring step would make them, but with no
 * empty leaf re-seeded (the clusters are the tree's leaves, as descending
 * its rules finds them); with the tree's merges and rules. */
static pc_status bisect_result(bisect_state *b, int32_t k, const int32_t *split_order,
                               pc_clusters **out, int32_t **merges_out, pc_error *err)
{
    const pc_csr *X = b->X;
    const size_t n_merges = k > 1 ? (size_t)(k - 1) : 0;
    fit f;
    int32_t *tree_id = pc_malloc_array((size_t)b->n_nodes, sizeof *tree_id);
    int32_t *merges = pc_malloc_array(2 * n_merges + 1, sizeof *merges);
    float *split_centroid = pc_calloc(2 * n_merges * (size_t)X->n_cols + 1,
                                      sizeof *split_centroid);
    pc_status status = tree_id && merges && split_centroid
                           ? fit_alloc(&f, X, X->n_rows, k, b->threads, err)
                           : pc_fail_nomem(err, "bisecting");
    if (status != PC_OK) {
        free(tree_id);
        free(merges);
        free(split_centroid);
        return status;
    }
    for (int32_t i = 0; i < X->n_rows; i++) {
        f.assign[i] = 0; /* documents without terms, until place_termless */
        f.sim[i] = 0.0f;
    }
    bisect_numbering(b, k, split_order, tree_id, f.assign, merges, split_centroid);
    count_sizes(&f);
    (void)centroid_step(&f, err); /* one process: never fails */
    (void)score_step(&f, &f.objective, err);
    f.iterations = 0;
    for (int32_t s = 0; s < k - 1; s++)
        f.iterations += b->node[split_order[s]].iterations;
    status = take_result(&f, 0, out, err);
    if (status == PC_OK) { /* numbered by size, the merges with them */
        (*out)->split_child = merges;
        (*out)->split_centroid = split_centroid;
        merges = NULL;
        split_centroid = NULL;
        status = pc_clusters_sort_by_size(*out, err);
    }
    if (status == PC_OK && merges_out) {
        *merges_out = pc_malloc_array(2 * n_merges + 1, sizeof **merges_out);
        if (*merges_out)
            memcpy(*merges_out, (*out)->split_child, 2 * n_merges * sizeof **merges_out);
        else
            status = pc_fail_nomem(err, "bisecting");
    }
    if (status != PC_OK) {
        pc_clusters_free(*out);
        *out = NULL;
    }
    fit_free(&f);
    free(tree_id);
    free(merges);
    free(split_centroid);
    return status;
}

/* The splits, largest gain first (ties: the older node), up to ks[n_ks − 1]
 * clusters; each time there are ks[j], the clusters are handed to visit. */
static pc_status bisect_all(bisect_state *b, const int32_t *ks, int32_t n_ks,
                            int32_t *split_order, pc_bisect_visit visit, void *ctx,
                            pc_error *err)
{
    const pc_csr *X = b->X;
    int64_t n_with_terms = 0;
    double started = pc_now();
    for (int32_t i = 0; i < X->n_rows; i++)
        if (X->row_ptr[i + 1] > X->row_ptr[i])
            b->order[n_with_terms++] = i;
    b->node[0] = (bisect_node){.lo = 0, .hi = n_with_terms, .child = {-1, -1}};
    b->n_nodes = 1;
    pc_status status = root_objective(X, &b->node[0].objective, err);
    if (status == PC_OK)
        status = best_split(b, 0, err);
    for (int32_t k = 1, j = 0; j < n_ks && status == PC_OK; k++) {
        if (k == ks[j]) {
            pc_clusters *clusters = NULL;
            int32_t *merges = NULL;
            double seconds = pc_now() - started;
            status = bisect_result(b, k, split_order, &clusters, &merges, err);
            if (status == PC_OK)
                status = visit(ctx, &clusters, &merges, seconds, err);
            pc_clusters_free(clusters);
            free(merges);
            started = pc_now();
            j++;
        }
        if (j == n_ks || status != PC_OK)
            break;
        int32_t pick = -1;
        for (int32_t v = 0; v < b->n_nodes; v++)
            if (b->node[v].child[0] < 0 && (pick < 0 || b->node[v].gain > b->node[pick].gain))
                pick = v;
        split_order[k - 1] = pick;
        status = split_node(b, pick, err);
    }
    return status;
}

pc_status pc_bisect_fit_each(const pc_csr *X, const pc_kmeans_options *opt, const int32_t *ks,
                             int32_t n_ks, const pc_monitor *mon, pc_bisect_visit visit,
                             void *ctx, pc_error *err)
{
    pc_kmeans_options check = *opt;
    pc_status status = PC_OK;
    if (n_ks < 1)
        return pc_fail(err, PC_ERR_INVALID, "bisection: no k given");
    for (int32_t j = 0; j < n_ks && status == PC_OK; j++) {
        check.k = ks[j];
        status = check_options(X->n_rows, &check, err);
        if (status == PC_OK && j > 0 && ks[j] <= ks[j - 1])
            status = pc_fail(err, PC_ERR_INVALID, "bisection: k = %d after k = %d; the ks must "
                             "increase", (int)ks[j], (int)ks[j - 1]);
    }
    if (status != PC_OK)
        return status;
    int32_t k = ks[n_ks - 1];
    bisect_state b = {.X = X, .opt = opt, .threads = pc_thread_count(opt->threads), .mon = mon};
    pc_blas_threads(b.threads);
    int32_t *split_order = pc_malloc_array((size_t)k, sizeof *split_order);
    b.rng = pc_rng_new(opt->seed);
    b.order = pc_malloc_array((size_t)X->n_rows, sizeof *b.order);
    b.buffer = pc_malloc_array((size_t)X->n_rows, sizeof *b.buffer);
    b.side = pc_calloc((size_t)X->n_rows, sizeof *b.side);
    b.node = pc_malloc_array(2 * (size_t)k, sizeof *b.node);
    if (!split_order || !b.rng || !b.order || !b.buffer || !b.side || !b.node)
        status = pc_fail_nomem(err, "bisecting");
    pc_progress_start(&b.progress, mon, "bisecting", 2.0 * k - 1.0);
    if (status == PC_OK)
        status = bisect_all(&b, ks, n_ks, split_order, visit, ctx, err);
    if (status == PC_OK)
        pc_progress_finish(&b.progress);
    pc_rng_free(b.rng);
    for (int32_t v = 0; b.node && v < b.n_nodes; v++) {
        free(b.node[v].rule_col);
        free(b.node[v].rule_val);
    }
    free(split_order);
    free(b.order);
    free(b.buffer);
    free(b.side);
    free(b.node);
    return status;
}

/* pc_bisect_fit's visit: keeps what it is given. */
typedef struct kept {
    pc_clusters *clusters;
    int32_t *merges;
} kept;

static pc_status keep(void *ctx, pc_clusters **clusters, int32_t **merges, double seconds,
                      pc_error *err)
{
    kept *into = ctx;
    (void)seconds;
    (void)err;
    into->clusters = *clusters;
    into->merges = *merges;
    *clusters = NULL;
    *merges = NULL;
    return PC_OK;
}

pc_status pc_bisect_fit(const pc_csr *X, const pc_kmeans_options *opt, const pc_monitor *mon,
                        pc_clusters **out, int32_t **merges, pc_error *err)
{
    *out = NULL;
    if (merges)
        *merges = NULL;
    kept result = {NULL, NULL};
    pc_status status = pc_bisect_fit_each(X, opt, &opt->k, 1, mon, keep, &result, err);
    if (status == PC_OK) {
        *out = result.clusters;
        if (merges)
            *merges = result.merges;
        else
            free(result.merges);
    }
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
    size_rank(clusters->size, k, rank);
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
    for (int32_t m = 0; clusters->split_child && m < 2 * (k - 1); m++)
        if (clusters->split_child[m] < k)
            clusters->split_child[m] = new_id[clusters->split_child[m]];
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

pc_status pc_clusters_recenter(pc_clusters *clusters, const pc_csr *X, int threads,
                               pc_error *err)
{
    if (X->n_rows != clusters->n_docs)
        return pc_fail(err, PC_ERR_INVALID, "recentring %d documents' clusters on %d rows",
                       (int)clusters->n_docs, (int)X->n_rows);
    fit f;
    pc_status status = fit_alloc(&f, X, X->n_rows, clusters->k, pc_thread_count(threads), err);
    if (status != PC_OK)
        return status;
    memcpy(f.assign, clusters->assign, (size_t)X->n_rows * sizeof *f.assign);
    memcpy(f.sim, clusters->similarity, (size_t)X->n_rows * sizeof *f.sim);
    (void)update_step(&f, err); /* one process: never fails; an empty cluster is re-seeded
                                   as k-means would */
    (void)score_step(&f, &clusters->objective, err);
    count_sizes(&f);
    memcpy(clusters->assign, f.assign, (size_t)X->n_rows * sizeof *f.assign);
    memcpy(clusters->size, f.size, (size_t)f.k * sizeof *f.size);
    float *swap = clusters->similarity;
    clusters->similarity = f.sim;
    f.sim = swap;
    swap = clusters->centroid;
    clusters->centroid = f.centroid;
    f.centroid = swap;
    clusters->dim = f.dim;
    fit_free(&f);
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
    free(clusters->split_child);
    free(clusters->split_centroid);
    free(clusters);
}

/*
 * The bisection's rules as its 2-means used them: block m (dim × 2) holds
 * merge m's side-0 and side-1 centroids transposed.
 */
static void transpose_rules(const pc_clusters *c, float *blocks)
{
    const size_t dim = (size_t)c->dim;
    for (size_t m = 0; m + 1 < (size_t)c->k; m++)
        for (size_t h = 0; h < 2; h++)
            for (size_t t = 0; t < dim; t++)
                blocks[m * 2 * dim + 2 * t + h] = c->split_centroid[(2 * m + h) * dim + t];
}

/* Row i of X down the bisection tree from its root: at each split the side
 * of higher product (ties: side 0), as nearest_in_block chose it. */
static int32_t descend(const pc_clusters *c, const float *blocks, const pc_csr *X, int32_t i)
{
    const int32_t k = c->k;
    int32_t id = 2 * k - 2;
    while (id >= k) {
        const size_t m = (size_t)(id - k);
        float product[2];
        pc_csr_times_dense(X, i, i + 1, blocks + m * 2 * (size_t)c->dim, 2, product);
        id = c->split_child[2 * m + (product[1] > product[0])];
    }
    return id;
}

pc_status pc_kmeans_predict(const pc_clusters *clusters, const pc_csr *X, int threads,
                            int32_t *assign, float *similarity, pc_error *err)
{
    const int32_t k = clusters->k, dim = clusters->dim;
    if (k < 1 || X->n_cols != dim)
        return pc_fail(err, PC_ERR_INVALID, "predicting clusters: %d columns for centroids of %d",
                       (int)X->n_cols, (int)dim);
    threads = pc_thread_count(threads);
    const int tree = clusters->split_child != NULL;
    /* k-means: the centroids transposed in the order k-means numbered them, so
     * that the product and its ties come out as in its last assignment step;
     * bisection: the rules transposed */
    const size_t cells = tree ? 2 * (size_t)(k - 1) * (size_t)dim : (size_t)k * (size_t)dim;
    float *centroid_t = pc_malloc_array(cells + 1, sizeof *centroid_t);
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
        for (int32_t t = 0; !tree && t < dim; t++)
            centroid_t[(size_t)t * (size_t)k + (size_t)column] =
                clusters->centroid[(size_t)c * (size_t)dim + (size_t)t];
        if (clusters->size && clusters->size[c] > clusters->size[largest])
            largest = c;
    }
    if (tree)
        transpose_rules(clusters, centroid_t);
    const int32_t n_blocks = (X->n_rows + BLOCK - 1) / BLOCK;
#pragma omp parallel num_threads(threads)
    {
        const int tid = pc_thread_id();
        float *buf = scratch + (size_t)tid * BLOCK * (size_t)k;
#pragma omp for schedule(dynamic, 4)
        for (int32_t b = 0; b < n_blocks; b++) {
            int32_t lo = b * BLOCK, hi = lo + BLOCK < X->n_rows ? lo + BLOCK : X->n_rows;
            if (!tree) {
                memset(assign + lo, 0, (size_t)(hi - lo) * sizeof *assign);
                nearest_in_block(X, 0, lo, hi, centroid_t, k, buf, assign, similarity);
            }
            for (int32_t i = lo; i < hi; i++) {
                if (X->row_ptr[i] == X->row_ptr[i + 1]) { /* no term: as place_termless */
                    assign[i] = largest;
                    similarity[i] = 0.0f;
                    continue;
                }
                assign[i] = tree ? descend(clusters, centroid_t, X, i) : cluster_of[assign[i]];
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

/* ---------------------------------------------------------- choosing k */

/* The next row after j with a silhouette, or n. */
static int32_t next_scored(const pc_k_sweep_row *rows, int32_t n, int32_t j)
{
    for (j++; j < n && isnan(rows[j].silhouette); j++)
        ;
    return j;
}

int32_t pc_k_sweep_choose(const pc_k_sweep_row *rows, int32_t n)
{
    int32_t last = -1;
    for (int32_t j = next_scored(rows, n, -1); j < n; j = next_scored(rows, n, j)) {
        int32_t next = next_scored(rows, n, j);
        if (next < n && rows[j].silhouette >= rows[next].silhouette - rows[next].silhouette_se)
            return j;
        last = j;
    }
    return last >= 0 ? last : 0;
}
