/*
 * describe.c — what each cluster is about: the terms of highest centroid
 * weight, the papers nearest the centroid, and the cohesion (mean cosine of
 * the members to their centroid).  One pass over the documents sorts them
 * into clusters; each cluster then keeps its best terms and papers with a
 * partial selection, O(dim + size) per cluster.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/describe.h"

/* Keeps the `cap` best (value desc, index asc) of a stream in best_idx/best_val, sorted. */
static void keep_best(int32_t *best_idx, float *best_val, int32_t *count, int32_t cap,
                      int32_t idx, float val)
{
    int32_t n = *count;
    if (n == cap && !(val > best_val[n - 1]))
        return; /* not better than the worst kept (equal values: lower index wins, and it came first) */
    int32_t pos = n < cap ? n : cap - 1;
    while (pos > 0 && val > best_val[pos - 1]) {
        best_idx[pos] = best_idx[pos - 1];
        best_val[pos] = best_val[pos - 1];
        pos--;
    }
    best_idx[pos] = idx;
    best_val[pos] = val;
    if (n < cap)
        *count = n + 1;
}

static pc_status describe_one(const pc_clusters *clusters, int32_t c, const int32_t *members,
                              int64_t n_members, int32_t n_terms, int32_t n_central,
                              pc_cluster_description *out)
{
    out->size = n_members;
    out->term = pc_malloc_array((size_t)n_terms, sizeof *out->term);
    out->weight = pc_malloc_array((size_t)n_terms, sizeof *out->weight);
    out->central = pc_malloc_array((size_t)n_central, sizeof *out->central);
    float *central_sim = pc_malloc_array((size_t)n_central, sizeof *central_sim);
    if (!out->term || !out->weight || !out->central || !central_sim) {
        free(central_sim);
        return PC_ERR_NOMEM;
    }
    const float *centroid = clusters->centroid + (size_t)c * (size_t)clusters->dim;
    for (int32_t j = 0; j < clusters->dim; j++)
        if (centroid[j] > 0.0f && n_terms > 0)
            keep_best(out->term, out->weight, &out->n_terms, n_terms, j, centroid[j]);
    double total = 0.0;
    for (int64_t m = 0; m < n_members; m++) {
        int32_t i = members[m];
        total += clusters->similarity[i];
        if (n_central > 0)
            keep_best(out->central, central_sim, &out->n_central, n_central, i,
                      clusters->similarity[i]);
    }
    out->cohesion = n_members > 0 ? total / (double)n_members : 0.0;
    free(central_sim);
    return PC_OK;
}

pc_status pc_describe(const pc_clusters *clusters, int32_t n_terms, int32_t n_central,
                      pc_description **out, pc_error *err)
{
    *out = NULL;
    if (n_terms < 0 || n_central < 0)
        return pc_fail(err, PC_ERR_INVALID, "describe: negative number of terms or papers");
    int32_t k = clusters->k, n = clusters->n_docs;
    pc_description *d = pc_calloc(1, sizeof *d);
    int64_t *start = pc_calloc((size_t)k + 1, sizeof *start);
    int32_t *members = pc_malloc_array((size_t)n, sizeof *members);
    pc_status status = PC_OK;
    if (!d || !start || !members || !(d->cluster = pc_calloc((size_t)k, sizeof *d->cluster))) {
        status = pc_fail_nomem(err, "describing clusters");
        goto done;
    }
    d->k = k;
    pc_clusters_members(clusters, start, members);
    for (int32_t c = 0; c < k && status == PC_OK; c++)
        if (describe_one(clusters, c, members + start[c], start[c + 1] - start[c], n_terms,
                         n_central, &d->cluster[c]) != PC_OK)
            status = pc_fail_nomem(err, "describing clusters");
done:
    free(start);
    free(members);
    if (status != PC_OK) {
        pc_description_free(d);
        return status;
    }
    *out = d;
    return PC_OK;
}

void pc_description_free(pc_description *description)
{
    if (!description)
        return;
    for (int32_t c = 0; description->cluster && c < description->k; c++) {
        free(description->cluster[c].term);
        free(description->cluster[c].weight);
        free(description->cluster[c].central);
    }
    free(description->cluster);
    free(description);
}
