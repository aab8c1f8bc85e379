/*
 * metrics.c — evaluation: external cluster scores, related-paper scores and
 * the cosine silhouette.
 *
 * External scores all derive from the contingency table n_ij (documents in
 * cluster i and class j).  It is built sparse: each scored document becomes
 * a 64-bit key (cluster in the high half, class in the low half), the keys are
 * sorted, and runs of equal keys are the non-zero cells, already grouped by
 * cluster; a second sort of the class codes gives the class sizes.  Memory is
 * O(n) and time O(n log n) however many clusters and classes there are.  The
 * formulas and every degenerate case follow scikit-learn 1.2
 * (sklearn/metrics/cluster/_supervised.py): mutual information summed over
 * non-zero cells with terms below machine epsilon dropped, NMI with the
 * arithmetic mean of the entropies, ARI from the pair confusion matrix
 * (Hubert & Arabie, "Comparing partitions", J. Classification 2, 1985),
 * V-measure from Rosenberg & Hirschberg (EMNLP 2007).
 *
 * Related papers are scored against labels (micro-averaged over pairs) or
 * against links (P@N and R@N averaged over papers with links); the links are
 * grouped by source with a counting sort and each row sorted, so that each
 * listed neighbour is looked up by binary search.
 *
 * The silhouette (Rousseeuw, J. Comput. Appl. Math. 20, 1987) uses the
 * linearity of the dot product: Σ_{y∈C} x·y = x · S_C with S_C the sum of the
 * rows of cluster C.  The k sums are stored term-major (sums[term × k + c]),
 * so a sampled row x gets its dot with all k sums in one pass over its
 * non-zeros, each touching k contiguous doubles: O(nnz(x) × k) per sample,
 * O(n_cols × k) memory, never an n × n matrix.  Samples run in parallel into
 * a per-sample array that is then summed in sample order, so the result does
 * not depend on the thread count.  The sample can be drawn once and scored
 * against several clusterings (pc_silhouette_sample, then
 * pc_silhouette_cosine_rows), as a k sweep does.
 *
 * The Calinski-Harabasz index needs only ||S_c||² per cluster: the same
 * term-major sums, then one pass over them (W and B by the identities in
 * metrics.h, no second pass over the rows).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "internal.h"
#include "paperclust/metrics.h"
#include "rng_internal.h"
#include "strmap_internal.h"

/* ---------------------------------------------------------------- labels */

pc_status pc_labels_encode(int32_t n, const char *const *labels, int32_t *codes,
                           int32_t *n_classes, pc_error *err)
{
    pc_status status = PC_OK;
    pc_strmap *map = NULL;
    if (n_classes)
        *n_classes = 0;
    if (n < 0 || (n > 0 && (!labels || !codes)))
        return pc_fail(err, PC_ERR_INVALID, "labels_encode: %d labels, or a NULL array", (int)n);
    map = pc_strmap_new();
    if (!map) {
        status = pc_fail_nomem(err, "encoding labels");
        goto fail;
    }
    for (int32_t i = 0; i < n; i++) {
        const char *s = labels[i];
        if (!s || !*s) {
            codes[i] = -1;
            continue;
        }
        codes[i] = pc_strmap_intern(map, s, strlen(s), NULL);
        if (codes[i] < 0) {
            status = pc_fail_nomem(err, "encoding labels");
            goto fail;
        }
    }
    if (n_classes)
        *n_classes = pc_strmap_count(map);
fail:
    pc_strmap_free(map);
    return status;
}

/* ------------------------------------------------------- label scores */

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sizes of the classes: runs of the sorted class codes. */
typedef struct class_sizes {
    int32_t *code;  /* distinct codes, increasing */
    int64_t *size;
    int32_t count;
} class_sizes;

static int64_t class_size_of(const class_sizes *cs, int32_t code)
{
    int32_t lo = 0, hi = cs->count - 1;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (cs->code[mid] < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cs->size[lo];
}

/* -Σ p ln p over the sizes, written as scikit-learn's entropy(). */
static double entropy_term(int64_t size, double log_total, double total)
{
    double s = (double)size;
    return -(s / total) * (log(s) - log_total);
}

/* Everything the scores need from the sparse contingency table. */
typedef struct contingency_stats {
    int64_t total, n_clusters, n_classes;
    double h_cluster, h_class, mutual_info;
    int64_t sum_cells_sq, sum_clusters_sq, sum_classes_sq, sum_cluster_max;
} contingency_stats;

/* Walks the sorted (cluster, class) keys: cells are runs of equal keys,
 * clusters are runs of equal high halves.  Summation is in key order. */
static void scan_contingency(const uint64_t *key, int64_t m, const class_sizes *cs,
                             contingency_stats *st)
{
    double total = (double)m, log_total = log(total);
    st->total = m;
    st->n_classes = cs->count;
    for (int32_t j = 0; j < cs->count; j++) {
        st->h_class += entropy_term(cs->size[j], log_total, total);
        st->sum_classes_sq += cs->size[j] * cs->size[j];
    }
    /* One pass: a cluster's keys are contiguous, so its size a is known
     * before its cells are visited. */
    int64_t start = 0;
    double mi = 0.0;
    while (start < m) {
        uint64_t cluster_bits = key[start] >> 32;
        int64_t end = start;
        while (end < m && key[end] >> 32 == cluster_bits)
            end++;
        int64_t a = end - start, cell_max = 0;
        st->n_clusters++;
        st->h_cluster += entropy_term(a, log_total, total);
        st->sum_clusters_sq += a * a;
        for (int64_t c = start; c < end;) {
            int64_t c_end = c;
            while (c_end < end && key[c_end] == key[c])
                c_end++;
            int64_t nij = c_end - c;
            int64_t b = class_size_of(cs, (int32_t)(uint32_t)(key[c] & 0xffffffffu));
            st->sum_cells_sq += nij * nij;
            if (nij > cell_max)
                cell_max = nij;
            /* scikit-learn's mutual_info_score term for one non-zero cell */
            double p = (double)nij / total;
            double log_outer = -log((double)a * (double)b) + log_total + log_total;
            double term = p * (log((double)nij) - log_total) + p * log_outer;
            if (fabs(term) >= DBL_EPSILON)
                mi += term;
            c = c_end;
        }
        st->sum_cluster_max += cell_max;
        start = end;
    }
    if (st->n_clusters == 1 || st->n_classes == 1)
        mi = 0.0;
    st->mutual_info = mi > 0.0 ? mi : 0.0;
}

static void scores_from_stats(const contingency_stats *st, pc_label_scores *out)
{
    double mi = st->mutual_info, hc = st->h_class, hk = st->h_cluster;
    out->n_scored = st->total;
    out->purity = (double)st->sum_cluster_max / (double)st->total;

    if (st->n_clusters == 1 && st->n_classes == 1)
        out->nmi = 1.0;
    else if (mi == 0.0)
        out->nmi = 0.0;
    else
        out->nmi = mi / ((hc + hk) / 2.0);

    /* Ordered pairs, as scikit-learn's pair_confusion_matrix; N² < 2^62. */
    int64_t n = st->total;
    int64_t tp = st->sum_cells_sq - n;
    int64_t fp = st->sum_clusters_sq - st->sum_cells_sq; /* same cluster, other class */
    int64_t fn = st->sum_classes_sq - st->sum_cells_sq;  /* same class, other cluster */
    int64_t tn = n * n - fp - fn - st->sum_cells_sq;
    if (fn == 0 && fp == 0) {
        out->ari = 1.0;
    } else {
        long double ltp = (long double)tp, ltn = (long double)tn;
        long double lfp = (long double)fp, lfn = (long double)fn;
        long double num = 2.0L * (ltp * ltn - lfn * lfp);
        long double den = (ltp + lfn) * (lfn + ltn) + (ltp + lfp) * (lfp + ltn);
        out->ari = (double)(num / den); /* den > 0 since fn > 0 or fp > 0 */
    }

    out->homogeneity = hc != 0.0 ? mi / hc : 1.0;
    out->completeness = hk != 0.0 ? mi / hk : 1.0;
    double h = out->homogeneity, c = out->completeness;
    out->v_measure = h + c == 0.0 ? 0.0 : 2.0 * h * c / (h + c);
}

pc_status pc_label_scores_compute(int32_t n, const int32_t *cluster, const int32_t *label,
                                  pc_label_scores *out, pc_error *err)
{
    pc_status status = PC_OK;
    uint64_t *key = NULL;
    class_sizes cs = {NULL, NULL, 0};
    if (out)
        memset(out, 0, sizeof *out);
    if (n < 0 || !out || (n > 0 && (!cluster || !label)))
        return pc_fail(err, PC_ERR_INVALID, "label_scores: %d documents, or a NULL array",
                       (int)n);
    int64_t m = 0;
    for (int32_t i = 0; i < n; i++)
        m += label[i] >= 0;
    if (m == 0)
        return pc_fail(err, PC_ERR_EMPTY, "label_scores: none of %d documents has a label",
                       (int)n);

    key = pc_malloc_array((size_t)m, sizeof *key);
    cs.code = pc_malloc_array((size_t)m, sizeof *cs.code);
    cs.size = pc_malloc_array((size_t)m, sizeof *cs.size);
    if (!key || !cs.code || !cs.size) {
        status = pc_fail_nomem(err, "building a contingency table");
        goto fail;
    }
    int64_t at = 0;
    for (int32_t i = 0; i < n; i++) {
        if (label[i] < 0)
            continue;
        /* flipping the sign bit keeps negative cluster ids in order */
        uint64_t high = (uint64_t)((uint32_t)cluster[i] ^ 0x80000000u);
        key[at] = high << 32 | (uint64_t)(uint32_t)label[i];
        cs.code[at++] = label[i];
    }
    qsort(key, (size_t)m, sizeof *key, compare_u64);
    qsort(cs.code, (size_t)m, sizeof *cs.code, pc_compare_int32);
    for (int64_t i = 0; i < m; i++) { /* compact the sorted codes into runs */
        if (cs.count > 0 && cs.code[cs.count - 1] == cs.code[i]) {
            cs.size[cs.count - 1]++;
        } else {
            cs.code[cs.count] = cs.code[i];
            cs.size[cs.count++] = 1;
        }
    }
    contingency_stats st;
    memset(&st, 0, sizeof st);
    scan_contingency(key, m, &cs, &st);
    scores_from_stats(&st, out);
fail:
    free(key);
    free(cs.code);
    free(cs.size);
    return status;
}

/* ------------------------------------------------------ related papers */

static pc_status check_neighbors(const pc_neighbors *nb, pc_error *err)
{
    if (!nb || nb->n_docs < 0 || nb->top < 0 || (nb->n_docs > 0 && nb->top > 0 && !nb->id))
        return pc_fail(err, PC_ERR_INVALID, "related papers: malformed neighbour table");
    int64_t cells = (int64_t)nb->n_docs * nb->top;
    for (int64_t c = 0; c < cells; c++) {
        if (nb->id[c] >= nb->n_docs)
            return pc_fail(err, PC_ERR_INVALID,
                           "related papers: document %lld lists document %d, beyond the %d documents",
                           (long long)(c / nb->top), (int)nb->id[c], (int)nb->n_docs);
    }
    return PC_OK;
}

pc_status pc_related_label_precision(const pc_neighbors *nb, const int32_t *label,
                                     double *precision, pc_error *err)
{
    if (precision)
        *precision = 0.0;
    if (!precision || (nb && nb->n_docs > 0 && !label))
        return pc_fail(err, PC_ERR_INVALID, "related label precision: NULL argument");
    pc_status status = check_neighbors(nb, err);
    if (status != PC_OK)
        return status;
    int64_t pairs = 0, same = 0;
    for (int32_t p = 0; p < nb->n_docs; p++) {
        if (label[p] < 0)
            continue;
        const int32_t *row = nb->id + (int64_t)p * nb->top;
        for (int32_t r = 0; r < nb->top; r++) {
            if (row[r] < 0 || label[row[r]] < 0)
                continue;
            pairs++;
            same += label[row[r]] == label[p];
        }
    }
    if (pairs == 0)
        return pc_fail(err, PC_ERR_EMPTY,
                       "related label precision: no labelled paper lists a labelled related paper");
    *precision = (double)same / (double)pairs;
    return PC_OK;
}

/* Groups link targets by source (counting sort), sorts each group and drops
 * duplicates and self-links; row p is target[start[p] .. start[p]+len[p]). */
static void group_links(int32_t n_docs, int64_t n_links, const int32_t *source,
                             const int32_t *target, int64_t *start, int64_t *len,
                             int32_t *grouped)
{
    memset(len, 0, (size_t)n_docs * sizeof *len);
    for (int64_t l = 0; l < n_links; l++)
        len[source[l]]++;
    int64_t sum = 0;
    for (int32_t p = 0; p < n_docs; p++) {
        start[p] = sum;
        sum += len[p];
        len[p] = 0;
    }
    for (int64_t l = 0; l < n_links; l++)
        grouped[start[source[l]] + len[source[l]]++] = target[l];
    for (int32_t p = 0; p < n_docs; p++) {
        int32_t *row = grouped + start[p];
        qsort(row, (size_t)len[p], sizeof *row, pc_compare_int32);
        int64_t kept = 0;
        for (int64_t i = 0; i < len[p]; i++) {
            if (row[i] == p || (kept > 0 && row[kept - 1] == row[i]))
                continue;
            row[kept++] = row[i];
        }
        len[p] = kept;
    }
}

static int sorted_contains(const int32_t *row, int64_t len, int32_t value)
{
    int64_t lo = 0, hi = len;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (row[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < len && row[lo] == value;
}

pc_status pc_related_link_scores(const pc_neighbors *nb, int64_t n_links, const int32_t *source,
                                 const int32_t *target, pc_link_scores *out, pc_error *err)
{
    pc_status status = PC_OK;
    int64_t *start = NULL, *len = NULL;
    int32_t *grouped = NULL;
    if (out)
        memset(out, 0, sizeof *out);
    if (!out || n_links < 0 || (n_links > 0 && (!source || !target)))
        return pc_fail(err, PC_ERR_INVALID, "related link scores: %lld links, or a NULL array",
                       (long long)n_links);
    status = check_neighbors(nb, err);
    if (status != PC_OK)
        return status;
    if (nb->top < 1)
        return pc_fail(err, PC_ERR_INVALID, "related link scores: no related papers listed (top = 0)");
    for (int64_t l = 0; l < n_links; l++) {
        if (source[l] < 0 || source[l] >= nb->n_docs || target[l] < 0 || target[l] >= nb->n_docs)
            return pc_fail(err, PC_ERR_INVALID,
                           "related link scores: link %lld (%d -> %d) is outside the %d documents",
                           (long long)l, (int)source[l], (int)target[l], (int)nb->n_docs);
    }
    start = pc_malloc_array((size_t)nb->n_docs, sizeof *start);
    len = pc_malloc_array((size_t)nb->n_docs, sizeof *len);
    grouped = pc_malloc_array((size_t)n_links, sizeof *grouped);
    if (!start || !len || !grouped) {
        status = pc_fail_nomem(err, "grouping links");
        goto fail;
    }
    group_links(nb->n_docs, n_links, source, target, start, len, grouped);

    double sum_precision = 0.0, sum_recall = 0.0;
    int64_t queries = 0;
    for (int32_t p = 0; p < nb->n_docs; p++) {
        if (len[p] == 0)
            continue;
        const int32_t *listed = nb->id + (int64_t)p * nb->top;
        int64_t hits = 0;
        for (int32_t r = 0; r < nb->top; r++)
            hits += listed[r] >= 0 && sorted_contains(grouped + start[p], len[p], listed[r]);
        sum_precision += (double)hits / (double)nb->top;
        sum_recall += (double)hits / (double)len[p];
        queries++;
    }
    if (queries == 0) {
        status = pc_fail(err, PC_ERR_EMPTY, "related link scores: no paper has a link to another");
        goto fail;
    }
    out->precision = sum_precision / (double)queries;
    out->recall = sum_recall / (double)queries;
    out->n_queries = queries;
fail:
    free(start);
    free(len);
    free(grouped);
    return status;
}

/* ------------------------------------------------------------ silhouette */

/* s(x) of row x given its dots with the k cluster sums. */
static double silhouette_of(const pc_csr *X, int32_t x, int32_t own, int32_t k,
                            const int64_t *size, const double *sums, double *dots)
{
    if (size[own] <= 1)
        return 0.0;
    memset(dots, 0, (size_t)k * sizeof *dots);
    double self = 0.0;
    /* O(nnz(x) × k): k contiguous multiply-adds per non-zero of x */
    for (int64_t e = X->row_ptr[x]; e < X->row_ptr[x + 1]; e++) {
        double v = X->val[e];
        const double *term = sums + (size_t)X->col[e] * (size_t)k;
        self += v * v;
        for (int32_t c = 0; c < k; c++)
            dots[c] += v * term[c];
    }
    double a = 1.0 - (dots[own] - self) / (double)(size[own] - 1);
    double b = INFINITY;
    for (int32_t c = 0; c < k; c++) {
        if (c == own || size[c] == 0)
            continue;
        double mean = 1.0 - dots[c] / (double)size[c];
        if (mean < b)
            b = mean;
    }
    /* distances are >= 0; only rounding could make a mean negative */
    a = a > 0.0 ? a : 0.0;
    b = b > 0.0 ? b : 0.0;
    double larger = a > b ? a : b;
    return larger > 0.0 ? (b - a) / larger : 0.0;
}

static pc_status check_silhouette_args(const pc_csr *X, const int32_t *cluster, int32_t k,
                                       int32_t sample, int64_t *size, pc_error *err)
{
    for (int32_t i = 0; i < X->n_rows; i++) {
        if (cluster[i] < 0 || cluster[i] >= k)
            return pc_fail(err, PC_ERR_INVALID,
                           "silhouette: document %d is in cluster %d, outside [0, %d)", (int)i,
                           (int)cluster[i], (int)k);
        size[cluster[i]]++;
    }
    int32_t non_empty = 0;
    for (int32_t c = 0; c < k; c++)
        non_empty += size[c] > 0;
    if (non_empty < 2)
        return pc_fail(err, PC_ERR_INVALID,
                       "silhouette: %d non-empty cluster(s); at least 2 are needed", (int)non_empty);
    if (sample < 0)
        return pc_fail(err, PC_ERR_INVALID, "silhouette: sample size %d < 0", (int)sample);
    return PC_OK;
}

pc_status pc_silhouette_sample(int32_t n, int32_t sample, uint64_t seed, int32_t **rows,
                               int32_t *count, pc_error *err)
{
    *rows = NULL;
    *count = 0;
    if (n < 0 || sample < 0)
        return pc_fail(err, PC_ERR_INVALID, "silhouette: sample size %d or %d rows < 0",
                       (int)sample, (int)n);
    int32_t m = sample == 0 || sample >= n ? n : sample;
    int32_t *chosen = pc_malloc_array((size_t)m > 0 ? (size_t)m : 1, sizeof *chosen);
    if (!chosen)
        return pc_fail_nomem(err, "drawing a silhouette sample");
    if (m == n) {
        for (int32_t i = 0; i < n; i++)
            chosen[i] = i;
    } else {
        pc_status status = pc_rng_sample(n, m, seed, chosen) == 0
                                ? PC_OK
                                : pc_fail_nomem(err, "drawing a silhouette sample");
        if (status != PC_OK) {
            free(chosen);
            return status;
        }
    }
    *rows = chosen;
    *count = m;
    return PC_OK;
}

pc_status pc_silhouette_cosine_rows(const pc_csr *X, const int32_t *cluster, int32_t k,
                                    const int32_t *rows, int32_t count, int threads, double *out,
                                    double *standard_error, pc_error *err)
{
    pc_status status = PC_OK;
    int64_t *size = NULL;
    double *sums = NULL, *dots = NULL, *value = NULL;
    if (out)
        *out = 0.0;
    if (standard_error)
        *standard_error = 0.0;
    if (!X || !out || k < 1 || (X->n_rows > 0 && !cluster) || count < 0 || (count > 0 && !rows))
        return pc_fail(err, PC_ERR_INVALID, "silhouette: NULL argument or k = %d < 1", (int)k);
    size = pc_calloc((size_t)k, sizeof *size);
    if (!size) {
        status = pc_fail_nomem(err, "computing the silhouette");
        goto fail;
    }
    status = check_silhouette_args(X, cluster, k, 0, size, err);
    if (status != PC_OK)
        goto fail;
    for (int32_t t = 0; t < count; t++)
        if (rows[t] < 0 || rows[t] >= X->n_rows) {
            status = pc_fail(err, PC_ERR_INVALID, "silhouette: sampled row %d outside [0, %d)",
                             (int)rows[t], (int)X->n_rows);
            goto fail;
        }

    int32_t n = X->n_rows, m = count;
    int nthreads = pc_thread_count(threads);
    sums = pc_calloc((size_t)X->n_cols * (size_t)k, sizeof *sums);
    dots = pc_malloc_array((size_t)nthreads * (size_t)k, sizeof *dots);
    value = pc_malloc_array((size_t)m > 0 ? (size_t)m : 1, sizeof *value);
    if (!sums || !dots || !value) {
        status = pc_fail_nomem(err, "computing the silhouette (k × terms cluster sums)");
        goto fail;
    }

    /* cluster sums, term-major; O(nnz), sequential so the sums are reproducible */
    for (int32_t i = 0; i < n; i++)
        for (int64_t e = X->row_ptr[i]; e < X->row_ptr[i + 1]; e++)
            sums[(size_t)X->col[e] * (size_t)k + (size_t)cluster[i]] += X->val[e];

#pragma omp parallel for schedule(dynamic, 64) num_threads(nthreads)
    for (int32_t t = 0; t < m; t++) {
        const int tid = pc_thread_id();
        int32_t x = rows[t];
        value[t] = silhouette_of(X, x, cluster[x], k, size, sums, dots + (size_t)tid * (size_t)k);
    }
    double total = 0.0, squares = 0.0;
    for (int32_t t = 0; t < m; t++)
        total += value[t];
    *out = m > 0 ? total / (double)m : 0.0;
    for (int32_t t = 0; t < m; t++)
        squares += (value[t] - *out) * (value[t] - *out);
    if (standard_error && m > 1)
        *standard_error = sqrt(squares / (double)(m - 1) / (double)m);
fail:
    free(size);
    free(sums);
    free(dots);
    free(value);
    return status;
}

pc_status pc_silhouette_cosine(const pc_csr *X, const int32_t *cluster, int32_t k, int32_t sample,
                               uint64_t seed, int threads, double *out, pc_error *err)
{
    if (out)
        *out = 0.0;
    if (!X || !out || k < 1 || (X->n_rows > 0 && !cluster))
        return pc_fail(err, PC_ERR_INVALID, "silhouette: NULL argument or k = %d < 1", (int)k);
    int64_t *size = pc_calloc((size_t)k, sizeof *size);
    if (!size)
        return pc_fail_nomem(err, "computing the silhouette");
    pc_status status = check_silhouette_args(X, cluster, k, sample, size, err);
    free(size);
    int32_t *rows = NULL, count = 0;
    if (status == PC_OK)
        status = pc_silhouette_sample(X->n_rows, sample, seed, &rows, &count, err);
    if (status == PC_OK)
        status = pc_silhouette_cosine_rows(X, cluster, k, rows, count, threads, out, NULL, err);
    free(rows);
    return status;
}

/* ------------------------------------------------------ Calinski-Harabasz */

pc_status pc_calinski_harabasz(const pc_csr *X, const int32_t *cluster, int32_t k, double *out,
                               pc_error *err)
{
    if (out)
        *out = 0.0;
    if (!X || !out || k < 1 || (X->n_rows > 0 && !cluster))
        return pc_fail(err, PC_ERR_INVALID, "Calinski-Harabasz: NULL argument or k = %d < 1",
                       (int)k);
    int32_t n = X->n_rows;
    int64_t *size = pc_calloc((size_t)k, sizeof *size);
    double *sums = pc_calloc((size_t)X->n_cols * (size_t)k, sizeof *sums); /* term-major */
    double *total = pc_calloc((size_t)X->n_cols > 0 ? (size_t)X->n_cols : 1, sizeof *total);
    double *norm2 = pc_calloc((size_t)k, sizeof *norm2);
    pc_status status = PC_OK;
    if (!size || !sums || !total || !norm2) {
        status = pc_fail_nomem(err, "computing the Calinski-Harabasz index (k × terms sums)");
        goto fail;
    }
    for (int32_t i = 0; i < n; i++) {
        if (cluster[i] < 0 || cluster[i] >= k) {
            status = pc_fail(err, PC_ERR_INVALID,
                             "Calinski-Harabasz: document %d is in cluster %d, outside [0, %d)",
                             (int)i, (int)cluster[i], (int)k);
            goto fail;
        }
        size[cluster[i]]++;
    }
    int32_t labels = 0;
    for (int32_t c = 0; c < k; c++)
        labels += size[c] > 0;
    if (labels < 2 || labels >= n) {
        status = pc_fail(err, PC_ERR_INVALID,
                         "Calinski-Harabasz: %d non-empty cluster(s) for %d documents; it needs "
                         "2 to documents - 1", (int)labels, (int)n);
        goto fail;
    }
    /* O(nnz) sums in document order, then O(n_cols × k): reproducible */
    double squares = 0.0;
    for (int32_t i = 0; i < n; i++)
        for (int64_t e = X->row_ptr[i]; e < X->row_ptr[i + 1]; e++) {
            double v = X->val[e];
            sums[(size_t)X->col[e] * (size_t)k + (size_t)cluster[i]] += v;
            total[X->col[e]] += v;
            squares += v * v;
        }
    double all2 = 0.0;
    for (int32_t t = 0; t < X->n_cols; t++) {
        const double *row = sums + (size_t)t * (size_t)k;
        for (int32_t c = 0; c < k; c++)
            norm2[c] += row[c] * row[c];
        all2 += total[t] * total[t];
    }
    double between_plus = 0.0; /* Σ_c ||S_c||² / n_c */
    for (int32_t c = 0; c < k; c++)
        if (size[c] > 0)
            between_plus += norm2[c] / (double)size[c];
    double within = squares - between_plus, between = between_plus - all2 / (double)n;
    if (within < 0.0)
        within = 0.0; /* rounding */
    if (between < 0.0)
        between = 0.0;
    *out = within == 0.0 ? 1.0 : between * (double)(n - labels) / (within * (double)(labels - 1));
fail:
    free(size);
    free(sums);
    free(total);
    free(norm2);
    return status;
}
