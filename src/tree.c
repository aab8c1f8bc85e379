/*
 * tree.c — the topic tree: a binary hierarchy whose leaves are the clusters.
 *
 * A tree is built from a merge list (SciPy's linkage convention): the sizes
 * and lowest cluster id of every group come out in one pass over the merges,
 * then an explicit-stack preorder walk numbers the nodes (larger child
 * first), sets parents and depths and lists the leaves in walk order, so
 * that every node's clusters are one run of that list.
 *
 * The agglomeration for k-means is average link (UPGMA) on the centroids'
 * cosines.  The k × k cosines come from dot products of the centroids, rows
 * in parallel, each dot in a fixed order.  The merges are found by the
 * nearest-neighbour chain: follow each group's most similar group until two
 * groups are each other's nearest, merge them, update the merged group's
 * links by Lance and Williams' formula (size-weighted mean of the two rows),
 * and go on from the rest of the chain.  Average link is reducible, so the
 * chain finds the same merges as the textbook O(k³) loop; sorting them by
 * decreasing link (a stable sort: a group's own merge, found first, stays
 * first) and relabelling with a union-find gives SciPy's ids.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/tree.h"

/* ---- the tree from merges ---- */

/* The merges make one binary tree: every id below k + j in merge j, each
 * used once. */
pc_status pc_tree_check_merges(int32_t k, const int32_t *merges, pc_error *err)
{
    uint8_t *used = pc_calloc(k > 0 ? 2 * (size_t)k - 1 : 1, 1);
    if (!used)
        return pc_fail_nomem(err, "checking the cluster tree");
    pc_status status = PC_OK;
    for (int32_t j = 0; j < k - 1 && status == PC_OK; j++)
        for (int h = 0; h < 2 && status == PC_OK; h++) {
            int32_t id = merges[2 * j + h];
            if (id < 0 || id >= k + j || used[id])
                status = pc_fail(err, PC_ERR_INVALID,
                                 "tree: merge %d joins %d, which is not a cluster or an earlier "
                                 "group still unmerged", (int)j, (int)id);
            else
                used[id] = 1;
        }
    free(used);
    return status;
}

/* 1 when group a goes before group b among two children. */
static int comes_first(const int64_t *size, const int32_t *lowest, int32_t a, int32_t b)
{
    return size[a] > size[b] || (size[a] == size[b] && lowest[a] < lowest[b]);
}

/* Numbers the groups in preorder from the root (2k − 2), the larger child first. */
static void walk(pc_tree *t, const int32_t *merges, const int64_t *size, const int32_t *lowest,
                 int32_t *stack)
{
    int32_t k = t->k, n_stack = 0, next = 0, leaves = 0;
    int32_t *parent_of = stack + (2 * k - 1); /* the preorder number of each stacked id's parent */
    stack[n_stack] = 2 * k - 2;
    parent_of[n_stack++] = -1;
    while (n_stack > 0) {
        int32_t id = stack[--n_stack], parent = parent_of[n_stack], v = next++;
        pc_tree_node *node = &t->node[v];
        node->parent = parent;
        node->depth = parent < 0 ? 0 : t->node[parent].depth + 1;
        node->size = size[id];
        node->first_leaf = leaves;
        node->child[0] = node->child[1] = -1;
        if (parent >= 0)
            t->node[parent].child[t->node[parent].child[0] < 0 ? 0 : 1] = v;
        if (id < k) {
            node->cluster = id;
            node->n_leaves = 1;
            t->leaf[leaves++] = id;
            continue;
        }
        node->cluster = -1;
        int32_t a = merges[2 * (id - k)], b = merges[2 * (id - k) + 1];
        if (!comes_first(size, lowest, a, b)) {
            int32_t swap = a;
            a = b;
            b = swap;
        }
        stack[n_stack] = b; /* popped second */
        parent_of[n_stack++] = v;
        stack[n_stack] = a;
        parent_of[n_stack++] = v;
    }
    for (int32_t v = t->n_nodes - 1; v >= 0; v--) { /* leaves under each node, bottom up */
        pc_tree_node *node = &t->node[v];
        if (node->cluster < 0)
            node->n_leaves = t->node[node->child[0]].n_leaves + t->node[node->child[1]].n_leaves;
    }
}

pc_status pc_tree_from_merges(int32_t k, const int32_t *merges, const int64_t *size,
                              pc_tree **out, pc_error *err)
{
    *out = NULL;
    if (k < 1)
        return pc_fail(err, PC_ERR_INVALID, "tree: k = %d < 1", (int)k);
    size_t ids = 2 * (size_t)k - 1;
    pc_tree *t = pc_calloc(1, sizeof *t);
    int64_t *group_size = pc_malloc_array(ids, sizeof *group_size);
    int32_t *lowest = pc_malloc_array(ids, sizeof *lowest);
    int32_t *stack = pc_malloc_array(2 * ids, sizeof *stack);
    pc_status status = PC_OK;
    if (!t || !group_size || !lowest || !stack ||
        !(t->node = pc_malloc_array(ids, sizeof *t->node)) ||
        !(t->leaf = pc_malloc_array((size_t)k, sizeof *t->leaf))) {
        status = pc_fail_nomem(err, "building the cluster tree");
        goto done;
    }
    t->k = k;
    t->n_nodes = (int32_t)ids;
    if ((status = pc_tree_check_merges(k, merges, err)) != PC_OK)
        goto done;
    for (int32_t c = 0; c < k; c++) {
        group_size[c] = size[c];
        lowest[c] = c;
    }
    for (int32_t j = 0; j < k - 1; j++) {
        int32_t a = merges[2 * j], b = merges[2 * j + 1];
        group_size[k + j] = group_size[a] + group_size[b];
        lowest[k + j] = lowest[a] < lowest[b] ? lowest[a] : lowest[b];
    }
    walk(t, merges, group_size, lowest, stack);
done:
    free(group_size);
    free(lowest);
    free(stack);
    if (status != PC_OK) {
        pc_tree_free(t);
        return status;
    }
    *out = t;
    return PC_OK;
}

/* ---- average link over the centroids ---- */

typedef struct raw_merge {
    int32_t a, b;      /* a cluster in each group (the slots' own ids) */
    double link;
} raw_merge;

/* Sorts merges by decreasing link, stably (insertion sort: k is small, and
 * the chain finds them nearly in order). */
static void sort_merges(raw_merge *m, int32_t n)
{
    for (int32_t i = 1; i < n; i++) {
        raw_merge x = m[i];
        int32_t j = i;
        for (; j > 0 && m[j - 1].link < x.link; j--)
            m[j] = m[j - 1];
        m[j] = x;
    }
}

static int32_t find_root(int32_t *up, int32_t x)
{
    while (up[x] != x) {
        up[x] = up[up[x]];
        x = up[x];
    }
    return x;
}

/* SciPy's ids for merges sorted by link: merge j makes group k + j. */
static void relabel(const raw_merge *m, int32_t k, int32_t *up, int32_t *id_of, int32_t *merges,
                    double *similarity)
{
    for (int32_t c = 0; c < k; c++) {
        up[c] = c;
        id_of[c] = c;
    }
    for (int32_t j = 0; j < k - 1; j++) {
        int32_t ra = find_root(up, m[j].a), rb = find_root(up, m[j].b);
        int32_t ia = id_of[ra], ib = id_of[rb];
        merges[2 * j] = ia < ib ? ia : ib;
        merges[2 * j + 1] = ia < ib ? ib : ia;
        if (similarity)
            similarity[j] = m[j].link;
        up[rb] = ra;
        id_of[ra] = k + j;
    }
}

/* The most similar active group to a (ties: `prefer`, then the lower slot). */
static int32_t nearest(const double *S, const uint8_t *active, int32_t k, int32_t a, int32_t prefer)
{
    int32_t best = -1;
    const double *row = S + (size_t)a * (size_t)k;
    for (int32_t j = 0; j < k; j++)
        if (j != a && active[j] && (best < 0 || row[j] > row[best]))
            best = j;
    if (prefer >= 0 && row[prefer] == row[best])
        best = prefer;
    return best;
}

/* The nearest-neighbour chain over the k × k links S (updated in place). */
static void chain_merges(double *S, int32_t k, uint8_t *active, int32_t *count, int32_t *chain,
                         raw_merge *out)
{
    int32_t n_chain = 0, n_out = 0;
    for (int32_t c = 0; c < k; c++) {
        active[c] = 1;
        count[c] = 1;
    }
    while (n_out < k - 1) {
        if (n_chain == 0)
            for (int32_t c = 0; c < k && n_chain == 0; c++)
                if (active[c])
                    chain[n_chain++] = c;
        int32_t a = chain[n_chain - 1], prev = n_chain > 1 ? chain[n_chain - 2] : -1;
        int32_t b = nearest(S, active, k, a, prev);
        if (b != prev) {
            chain[n_chain++] = b;
            continue;
        }
        n_chain -= 2;
        int32_t keep = a < b ? a : b, gone = a < b ? b : a;
        out[n_out++] = (raw_merge){keep, gone, S[(size_t)a * (size_t)k + (size_t)b]};
        double wa = count[keep], wb = count[gone];
        for (int32_t c = 0; c < k; c++) {
            if (!active[c] || c == keep || c == gone)
                continue;
            double link = (wa * S[(size_t)keep * k + c] + wb * S[(size_t)gone * k + c]) / (wa + wb);
            S[(size_t)keep * k + c] = S[(size_t)c * k + keep] = link;
        }
        count[keep] += count[gone];
        active[gone] = 0;
    }
}

pc_status pc_tree_average_link(const float *centroid, int32_t k, int32_t dim, int threads,
                               int32_t *merges, double *similarity, pc_error *err)
{
    if (k < 1 || dim < 0)
        return pc_fail(err, PC_ERR_INVALID, "average link: k = %d < 1", (int)k);
    size_t cells = (size_t)k * (size_t)k;
    double *S = pc_malloc_array(cells, sizeof *S);
    uint8_t *active = pc_malloc_array((size_t)k, 1);
    int32_t *count = pc_malloc_array((size_t)k, sizeof *count);
    int32_t *chain = pc_malloc_array((size_t)k, sizeof *chain);
    int32_t *up = pc_malloc_array((size_t)k, sizeof *up);
    int32_t *id_of = pc_malloc_array((size_t)k, sizeof *id_of);
    raw_merge *raw = pc_malloc_array((size_t)k, sizeof *raw);
    pc_status status = PC_OK;
    if (!S || !active || !count || !chain || !up || !id_of || !raw) {
        status = pc_fail_nomem(err, "linking the clusters into a tree");
        goto done;
    }
    int nthreads = pc_thread_count(threads);
    /* O(k² · dim): one dot per pair, rows in parallel */
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (int32_t i = 0; i < k; i++)
        for (int32_t j = i; j < k; j++) {
            double d = pc_dot(centroid + (size_t)i * (size_t)dim,
                              centroid + (size_t)j * (size_t)dim, dim);
            S[(size_t)i * k + j] = S[(size_t)j * k + i] = d;
        }
    chain_merges(S, k, active, count, chain, raw);
    sort_merges(raw, k - 1);
    relabel(raw, k, up, id_of, merges, similarity);
done:
    free(S);
    free(active);
    free(count);
    free(chain);
    free(up);
    free(id_of);
    free(raw);
    return status;
}

/* ---- members ---- */

void pc_tree_members(const pc_tree *tree, const pc_clusters *clusters, int32_t *members,
                     int64_t *begin, int64_t *end)
{
    int32_t k = tree->k;
    /* scratch before the answers: end[c] = cluster c's place in the leaf order (k <= 2k − 1
     * entries), run[j] = the offsets of leaf j's documents (k + 1 entries, in begin when it
     * has room) */
    int64_t two[2], *run = k >= 2 ? begin : two;
    for (int32_t j = 0; j < k; j++)
        end[tree->leaf[j]] = j;
    memset(run, 0, ((size_t)k + 1) * sizeof *run);
    for (int32_t i = 0; i < clusters->n_docs; i++)
        run[end[clusters->assign[i]] + 1]++;
    for (int32_t j = 0; j < k; j++)
        run[j + 1] += run[j];
    for (int32_t i = 0; i < clusters->n_docs; i++) /* run[j] moves on as leaf j's cursor */
        members[run[end[clusters->assign[i]]]++] = i;
    /* run[j] is now where leaf j's documents end, and a node's end that of its last leaf */
    for (int32_t v = tree->n_nodes - 1; v >= 0; v--)
        end[v] = run[tree->node[v].first_leaf + tree->node[v].n_leaves - 1];
    for (int32_t v = 0; v < tree->n_nodes; v++)
        begin[v] = end[v] - tree->node[v].size;
}

void pc_tree_free(pc_tree *tree)
{
    if (!tree)
        return;
    free(tree->node);
    free(tree->leaf);
    free(tree);
}
