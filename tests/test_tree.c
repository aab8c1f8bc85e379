/*
 * Tests of tree.c: trees from merge lists (hand-made), average link on
 * hand-made unit vectors, the documents under each node, thread counts.
 *
 * Also a helper for tests/tree_scipy_check.py:
 *   test_tree --average-link FILE   FILE: "k dim" then k rows of dim numbers;
 *                                   prints each merge as "a b link"
 */
#include <stdlib.h>

#include "internal.h"
#include "paperclust/tree.h"
#include "test.h"

/* Checks the invariants every tree keeps: preorder, parents, depths, sizes,
 * leaves. */
static void check_shape(const pc_tree *t, const int64_t *size)
{
    CHECK_INT(t->n_nodes, 2 * t->k - 1);
    CHECK_INT(t->node[0].parent, -1);
    CHECK_INT(t->node[0].depth, 0);
    int32_t leaves = 0;
    for (int32_t v = 0; v < t->n_nodes; v++) {
        const pc_tree_node *n = &t->node[v];
        if (v > 0) {
            CHECK(n->parent >= 0 && n->parent < v);
            CHECK_INT(n->depth, t->node[n->parent].depth + 1);
        }
        if (n->cluster >= 0) {
            CHECK(n->child[0] < 0 && n->child[1] < 0);
            CHECK_INT(n->size, size[n->cluster]);
            CHECK_INT(t->leaf[n->first_leaf], n->cluster);
            CHECK_INT(n->first_leaf, leaves);
            leaves++;
        } else {
            const pc_tree_node *a = &t->node[n->child[0]], *b = &t->node[n->child[1]];
            CHECK_INT(a->parent, v);
            CHECK_INT(b->parent, v);
            CHECK_INT(n->child[0], v + 1);
            CHECK_INT(n->size, a->size + b->size);
            CHECK(a->size >= b->size);
            CHECK_INT(n->n_leaves, a->n_leaves + b->n_leaves);
        }
    }
    CHECK_INT(leaves, t->k);
}

/*
 * Four clusters, merges (0 1) → 4, (2 3) → 5, (4 5) → 6.  Sizes 10 5 7 1:
 * group 4 has 15, group 5 8, so the preorder is
 *   0 root(23)  1 g4(15)  2 c0(10)  3 c1(5)  4 g5(8)  5 c2(7)  6 c3(1).
 * Sizes 1 5 7 10 turn both pairs round and put g5 (17) first:
 *   0 root  1 g5  2 c3  3 c2  4 g4  5 c1  6 c0.
 */
static void tree_from_hand_merges(void)
{
    int32_t merges[] = {0, 1, 2, 3, 4, 5};
    int64_t size_a[] = {10, 5, 7, 1}, size_b[] = {1, 5, 7, 10};
    pc_tree *t = NULL;
    CHECK_INT(pc_tree_from_merges(4, merges, size_a, &t, NULL), PC_OK);
    check_shape(t, size_a);
    int32_t parent_a[] = {-1, 0, 1, 1, 0, 4, 4}, cluster_a[] = {-1, -1, 0, 1, -1, 2, 3};
    int32_t depth_a[] = {0, 1, 2, 2, 1, 2, 2};
    int64_t node_size_a[] = {23, 15, 10, 5, 8, 7, 1};
    for (int v = 0; v < 7; v++) {
        CHECK_INT(t->node[v].parent, parent_a[v]);
        CHECK_INT(t->node[v].cluster, cluster_a[v]);
        CHECK_INT(t->node[v].depth, depth_a[v]);
        CHECK_INT(t->node[v].size, node_size_a[v]);
    }
    CHECK_INT(t->node[4].first_leaf, 2);
    CHECK_INT(t->node[4].n_leaves, 2);
    pc_tree_free(t);

    CHECK_INT(pc_tree_from_merges(4, merges, size_b, &t, NULL), PC_OK);
    check_shape(t, size_b);
    int32_t cluster_b[] = {-1, -1, 3, 2, -1, 1, 0}, leaf_b[] = {3, 2, 1, 0};
    for (int v = 0; v < 7; v++)
        CHECK_INT(t->node[v].cluster, cluster_b[v]);
    for (int j = 0; j < 4; j++)
        CHECK_INT(t->leaf[j], leaf_b[j]);
    CHECK_INT(t->node[1].size, 17);
    pc_tree_free(t);

    /* equal sizes: the child holding the lower cluster id first */
    int32_t chain[] = {2, 1, 3, 0}; /* (2 1) → 3, (3 0) → 4 */
    int64_t equal[] = {2, 1, 1};
    CHECK_INT(pc_tree_from_merges(3, chain, equal, &t, NULL), PC_OK);
    check_shape(t, equal);
    int32_t cluster_c[] = {-1, 0, -1, 1, 2};
    for (int v = 0; v < 5; v++)
        CHECK_INT(t->node[v].cluster, cluster_c[v]);
    pc_tree_free(t);

    /* one cluster: a lone root leaf */
    int64_t one[] = {7};
    CHECK_INT(pc_tree_from_merges(1, NULL, one, &t, NULL), PC_OK);
    CHECK_INT(t->n_nodes, 1);
    CHECK_INT(t->node[0].cluster, 0);
    CHECK_INT(t->node[0].size, 7);
    pc_tree_free(t);
}

static void tree_rejects_bad_merges(void)
{
    int64_t size[] = {1, 1, 1};
    int32_t twice[] = {0, 1, 1, 2}, ahead[] = {0, 4, 3, 2}, outside[] = {0, 1, 3, 5};
    const int32_t *bad[] = {twice, ahead, outside};
    for (int b = 0; b < 3; b++) {
        pc_tree *t = (pc_tree *)1;
        pc_error err;
        CHECK_INT(pc_tree_from_merges(3, bad[b], size, &t, &err), PC_ERR_INVALID);
        CHECK(t == NULL);
        CHECK(strstr(err.message, "merge") != NULL);
    }
}

/*
 * Unit vectors in the plane at 0°, 15°, 65° and 90°: cosines
 * c(0,1) = cos 15°, c(2,3) = cos 25°, c(1,2) = cos 50°, c(0,2) = cos 65°,
 * c(1,3) = cos 75°, c(0,3) = 0.  Average link merges (0 1) at cos 15°, then
 * (2 3) at cos 25°, then the two groups at the mean of their four cross
 * cosines, (cos 65° + 0 + cos 50° + cos 75°) / 4 = 0.33105 (single link would
 * give cos 50° = 0.643, complete link 0).  A fifth, zero vector has cosine 0
 * to everything: it joins the group of the other four last, at link 0.
 */
static void average_link_by_hand(void)
{
    const double rad = 3.14159265358979323846 / 180.0;
    double angle[] = {0, 15, 65, 90};
    float C[5 * 3] = {0};
    for (int i = 0; i < 4; i++) {
        C[i * 3] = (float)cos(angle[i] * rad);
        C[i * 3 + 1] = (float)sin(angle[i] * rad);
    }
    int32_t merges[8];
    double link[4];
    CHECK_INT(pc_tree_average_link(C, 4, 3, 1, merges, link, NULL), PC_OK);
    int32_t want[] = {0, 1, 2, 3, 4, 5};
    for (int m = 0; m < 6; m++)
        CHECK_INT(merges[m], want[m]);
    CHECK_NEAR(link[0], cos(15 * rad), 1e-6);
    CHECK_NEAR(link[1], cos(25 * rad), 1e-6);
    CHECK_NEAR(link[2], (cos(65 * rad) + 0.0 + cos(50 * rad) + cos(75 * rad)) / 4, 1e-6);

    CHECK_INT(pc_tree_average_link(C, 5, 3, 2, merges, link, NULL), PC_OK);
    int32_t want5[] = {0, 1, 2, 3, 5, 6, 4, 7};
    for (int m = 0; m < 8; m++)
        CHECK_INT(merges[m], want5[m]);
    CHECK_NEAR(link[3], 0.0, 1e-12);

    /* 0°, 4°, 10°, 80°: (0 1) at cos 4°, then 2 joins at (cos 10° + cos 6°) / 2,
     * then 3 joins the group of three at (cos 80° + cos 76° + cos 70°) / 3 —
     * each vector counting once (halving the two links at each step, WPGMA,
     * would give ((cos 80° + cos 76°) / 2 + cos 70°) / 2 instead). */
    double fan[] = {0, 4, 10, 80};
    for (int i = 0; i < 4; i++) {
        C[i * 3] = (float)cos(fan[i] * rad);
        C[i * 3 + 1] = (float)sin(fan[i] * rad);
    }
    CHECK_INT(pc_tree_average_link(C, 4, 3, 1, merges, link, NULL), PC_OK);
    int32_t want_fan[] = {0, 1, 2, 4, 3, 5};
    for (int m = 0; m < 6; m++)
        CHECK_INT(merges[m], want_fan[m]);
    CHECK_NEAR(link[0], cos(4 * rad), 1e-6);
    CHECK_NEAR(link[1], (cos(10 * rad) + cos(6 * rad)) / 2, 1e-6);
    CHECK_NEAR(link[2], (cos(80 * rad) + cos(76 * rad) + cos(70 * rad)) / 3, 1e-6);
}

/* Deterministic pseudo-random numbers for test data. */
static uint64_t lcg_state = 12345;
static double lcg_uniform(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* 60 random unit vectors: the same merges and links for 1, 2 and 3 threads,
 * links never increasing, and a valid tree. */
static void average_link_any_thread_count(void)
{
    enum { K = 60, DIM = 40 };
    float *C = malloc(sizeof(float) * K * DIM);
    CHECK(C != NULL);
    if (!C)
        return;
    for (int i = 0; i < K; i++) {
        double norm = 0;
        for (int j = 0; j < DIM; j++) {
            double v = lcg_uniform() < 0.3 ? lcg_uniform() : 0.0;
            C[i * DIM + j] = (float)v;
            norm += v * v;
        }
        for (int j = 0; j < DIM && norm > 0; j++)
            C[i * DIM + j] = (float)(C[i * DIM + j] / sqrt(norm));
    }
    int32_t m1[2 * K], m2[2 * K], m3[2 * K];
    double l1[K], l2[K], l3[K];
    CHECK_INT(pc_tree_average_link(C, K, DIM, 1, m1, l1, NULL), PC_OK);
    CHECK_INT(pc_tree_average_link(C, K, DIM, 2, m2, l2, NULL), PC_OK);
    CHECK_INT(pc_tree_average_link(C, K, DIM, 3, m3, l3, NULL), PC_OK);
    CHECK(memcmp(m1, m2, sizeof(int32_t) * 2 * (K - 1)) == 0);
    CHECK(memcmp(m1, m3, sizeof(int32_t) * 2 * (K - 1)) == 0);
    CHECK(memcmp(l1, l2, sizeof(double) * (K - 1)) == 0);
    CHECK(memcmp(l1, l3, sizeof(double) * (K - 1)) == 0);
    for (int j = 1; j < K - 1; j++)
        CHECK(l1[j] <= l1[j - 1]);
    int64_t size[K];
    for (int c = 0; c < K; c++)
        size[c] = 1 + c % 7;
    pc_tree *t = NULL;
    CHECK_INT(pc_tree_from_merges(K, m1, size, &t, NULL), PC_OK);
    if (t)
        check_shape(t, size);
    pc_tree_free(t);
    free(C);
}

/* The documents under each node are those of its clusters, in document
 * order within each cluster. */
static void members_of_nodes(void)
{
    int32_t merges[] = {0, 1, 2, 3, 4, 5};
    int32_t assign[] = {2, 0, 1, 0, 3, 2, 0, 2, 1, 0};
    int64_t size[] = {4, 2, 3, 1};
    pc_clusters c = {0};
    c.k = 4;
    c.n_docs = 10;
    c.assign = assign;
    c.size = size;
    pc_tree *t = NULL;
    CHECK_INT(pc_tree_from_merges(4, merges, size, &t, NULL), PC_OK);
    if (!t)
        return;
    int32_t members[10];
    int64_t begin[7], end[7];
    pc_tree_members(t, &c, members, begin, end);
    /* preorder: root, g4 (c0 c1), c0, c1, g5 (c2 c3), c2, c3 */
    int32_t want[] = {1, 3, 6, 9, 2, 8, 0, 5, 7, 4};
    for (int i = 0; i < 10; i++)
        CHECK_INT(members[i], want[i]);
    int64_t want_begin[] = {0, 0, 0, 4, 6, 6, 9}, want_end[] = {10, 6, 4, 6, 10, 9, 10};
    for (int v = 0; v < 7; v++) {
        CHECK_INT(begin[v], want_begin[v]);
        CHECK_INT(end[v], want_end[v]);
    }
    pc_tree_free(t);

    int64_t all[] = {10};
    int32_t zero[10] = {0};
    c.k = 1;
    c.assign = zero;
    c.size = all;
    CHECK_INT(pc_tree_from_merges(1, NULL, all, &t, NULL), PC_OK);
    pc_tree_members(t, &c, members, begin, end);
    CHECK_INT(begin[0], 0);
    CHECK_INT(end[0], 10);
    for (int i = 0; i < 10; i++)
        CHECK_INT(members[i], i);
    pc_tree_free(t);
}

/* Every allocation fails in turn: PC_ERR_NOMEM, no leak (ASan). */
static void tree_alloc_failures(void)
{
    int32_t merges[] = {0, 1, 2, 3, 4, 5};
    int64_t size[] = {1, 2, 3, 4};
    float C[] = {1, 0, 0, 1, .6f, .8f, .8f, .6f};
    for (int which = 0; which < 2; which++) {
        int succeeded = 0;
        for (long n = 1; n < 30 && !succeeded; n++) {
            pc_tree *t = NULL;
            int32_t out[6];
            pc_alloc_fail_after(n);
            pc_status st = which == 0 ? pc_tree_from_merges(4, merges, size, &t, NULL)
                                      : pc_tree_average_link(C, 4, 2, 1, out, NULL, NULL);
            pc_alloc_fail_after(0);
            if (st == PC_OK)
                succeeded = 1;
            else
                CHECK_INT(st, PC_ERR_NOMEM);
            pc_tree_free(t);
        }
        CHECK(succeeded);
    }
}

/* --average-link FILE: k dim, k rows → "a b link" per merge. */
static int average_link_file(const char *path)
{
    FILE *f = fopen(path, "r");
    int k = 0, dim = 0, rc = 2;
    float *C = NULL;
    int32_t *merges = NULL;
    double *link = NULL;
    if (!f || fscanf(f, "%d %d", &k, &dim) != 2 || k < 1 || dim < 1)
        goto done;
    C = malloc(sizeof *C * (size_t)k * (size_t)dim);
    merges = malloc(sizeof *merges * 2 * (size_t)k);
    link = malloc(sizeof *link * (size_t)k);
    if (!C || !merges || !link)
        goto done;
    for (long i = 0; i < (long)k * dim; i++) {
        double v;
        if (fscanf(f, "%lf", &v) != 1)
            goto done;
        C[i] = (float)v;
    }
    if (pc_tree_average_link(C, k, dim, 0, merges, link, NULL) != PC_OK)
        goto done;
    for (int j = 0; j < k - 1; j++)
        printf("%d %d %.17g\n", (int)merges[2 * j], (int)merges[2 * j + 1], link[j]);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "%s: could not read or link the vectors\n", path);
    if (f)
        fclose(f);
    free(C);
    free(merges);
    free(link);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--average-link") == 0)
        return average_link_file(argv[2]);
    RUN_TEST(tree_from_hand_merges);
    RUN_TEST(tree_rejects_bad_merges);
    RUN_TEST(average_link_by_hand);
    RUN_TEST(average_link_any_thread_count);
    RUN_TEST(members_of_nodes);
    RUN_TEST(tree_alloc_failures);
    return TEST_EXIT();
}
