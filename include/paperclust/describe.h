/*
 * describe.h — describe each cluster: its highest-weight centroid terms, its
 * most central papers (highest cosine to the centroid) and its cohesion (mean
 * cosine of its members to the centroid).
 */
#ifndef PAPERCLUST_DESCRIBE_H
#define PAPERCLUST_DESCRIBE_H

#include <stdint.h>

#include "kmeans.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_cluster_description {
    int64_t size;
    double cohesion;       /* mean cosine to the centroid; 0 for an empty cluster */
    int32_t n_terms;       /* <= the requested number: only terms of positive weight */
    int32_t *term;         /* term ids, highest centroid weight first (ties: lower id) */
    float *weight;         /* their centroid weights */
    int32_t n_central;
    int32_t *central;      /* document indexes, most central first (ties: lower index) */
} pc_cluster_description;

typedef struct pc_description {
    int32_t k;
    pc_cluster_description *cluster; /* k */
} pc_description;

/* Describes every cluster with up to n_terms terms and n_central papers. */
pc_status pc_describe(const pc_clusters *clusters, int32_t n_terms, int32_t n_central,
                      pc_description **out, pc_error *err);

void pc_description_free(pc_description *description);

#ifdef __cplusplus
}
#endif
#endif
