/*
 * tree.h — a hierarchy over the clusters: the topic tree.
 *
 * A binary tree whose k leaves are the k clusters.  It comes from a list of
 * k − 1 merges (SciPy's linkage convention, see pc_bisect_fit in kmeans.h):
 * repeated bisection makes one as it splits; for k-means,
 * pc_tree_average_link() makes one over the final centroids.
 *
 * Nodes are numbered in preorder: node 0 is the root, every node comes
 * before its children and its whole subtree is the nodes that follow it up
 * to the next node of its depth or less.  Of two children the larger (more
 * documents) comes first; between equal sizes, the one holding the lower
 * cluster id.  A preorder walk therefore meets the leaves of any node
 * consecutively: node v's clusters are leaf[first_leaf .. first_leaf +
 * n_leaves).
 */
#ifndef PAPERCLUST_TREE_H
#define PAPERCLUST_TREE_H

#include <stdint.h>

#include "kmeans.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_tree_node {
    int32_t parent;     /* -1 for the root */
    int32_t child[2];   /* the larger first; -1, -1 for a leaf */
    int32_t depth;      /* 0 for the root */
    int32_t cluster;    /* a leaf's cluster, -1 for an internal node */
    int64_t size;       /* documents in the clusters under it */
    int32_t first_leaf; /* its clusters: leaf[first_leaf .. first_leaf + n_leaves) */
    int32_t n_leaves;
} pc_tree_node;

typedef struct pc_tree {
    int32_t k;
    int32_t n_nodes;     /* 2k − 1 */
    pc_tree_node *node;  /* n_nodes, in preorder */
    int32_t *leaf;       /* k clusters, in the order a preorder walk meets them */
} pc_tree;

/*
 * The tree of k clusters from k − 1 merges: merge j joins merges[2j] and
 * merges[2j + 1], each a cluster (< k) or the group an earlier merge i made
 * (k + i, i < j); every id but the last group's is used exactly once.  size
 * holds the k clusters' documents.  k = 1 gives a lone root leaf (merges
 * unused).  *out is new (pc_tree_free).  PC_ERR_INVALID for merges that do not
 * make one binary tree over the k clusters, PC_ERR_NOMEM.
 */
pc_status pc_tree_from_merges(int32_t k, const int32_t *merges, const int64_t *size,
                              pc_tree **out, pc_error *err);

/* PC_OK when the k − 1 merges make one binary tree over the k clusters as
 * pc_tree_from_merges takes them; else PC_ERR_INVALID naming the first merge
 * that does not; PC_ERR_NOMEM. */
pc_status pc_tree_check_merges(int32_t k, const int32_t *merges, pc_error *err);

/*
 * Average-link agglomeration (UPGMA; Sokal & Michener 1958) over k unit
 * vectors (k × dim, row-major; a zero row has cosine 0 to everything): start
 * from k groups of one vector; repeatedly merge the two groups of highest
 * average link, the mean cosine over all pairs of their vectors (each vector
 * counts once, whatever its cluster's size).  Written to merges ((k − 1) × 2,
 * the pair of each merge lower id first, merges by decreasing link: SciPy's
 * linkage(C, 'average', 'cosine') with cosine distance 1 − link) and, when
 * not NULL, the link of each merge to similarity (k − 1).  Found by the
 * nearest-neighbour chain (Murtagh, "A survey of recent advances in
 * hierarchical clustering algorithms", Computer Journal 26(4), 1983) with the
 * Lance-Williams update: O(k² · dim) for the cosines, then O(k²) time and k²
 * doubles.  Ties go to the lower id; the result does not depend on
 * `threads` (0: all; the cosines are computed in parallel).  PC_ERR_INVALID
 * when k < 1, PC_ERR_NOMEM.
 */
pc_status pc_tree_average_link(const float *centroid, int32_t k, int32_t dim, int threads,
                               int32_t *merges, double *similarity, pc_error *err);

/*
 * The documents under every node: members (clusters->n_docs entries) lists
 * the documents cluster by cluster in the tree's leaf order, each cluster in
 * document order, and node v's documents are members[begin[v] .. end[v])
 * (begin and end: tree->n_nodes entries).  The tree must be over
 * clusters->k clusters of those sizes.
 */
void pc_tree_members(const pc_tree *tree, const pc_clusters *clusters, int32_t *members,
                     int64_t *begin, int64_t *end);

void pc_tree_free(pc_tree *tree);

#ifdef __cplusplus
}
#endif
#endif
