/* Tests of describe.c: top terms, central papers and cohesion of hand-made clusters. */
#include <stdlib.h>

#include "paperclust/describe.h"
#include "test.h"

/* Centroid terms and central papers only: no matrix, no corpus. */
static pc_status describe_simple(const pc_clusters *c, int32_t n_terms, int32_t n_central,
                                 pc_description **d)
{
    pc_describe_options opt;
    pc_describe_options_default(&opt);
    opt.n_terms = n_terms;
    opt.n_central = n_central;
    pc_describe_input in = {.clusters = c};
    return pc_describe(&in, &opt, d, NULL);
}

static void describes_hand_made_clusters(void)
{
    /* 5 documents, 2 clusters over 4 terms. */
    int32_t assign[5] = {0, 1, 0, 0, 1};
    float similarity[5] = {0.5f, 0.9f, 0.8f, 0.8f, 0.7f};
    float centroid[8] = {0.0f, 0.6f, 0.8f, 0.0f, /* cluster 0: terms 2, 1 */
                         0.5f, 0.5f, 0.5f, 0.5f}; /* cluster 1: a four-way tie */
    int64_t size[2] = {3, 2};
    pc_clusters c = {2, 5, 4, assign, similarity, centroid, size, 0.0, 1, 0};
    pc_description *d = NULL;
    CHECK_INT(describe_simple(&c, 3, 2, &d), PC_OK);
    CHECK_INT(d->k, 2);
    CHECK_INT(d->cluster[0].size, 3);
    CHECK_INT(d->cluster[0].n_terms, 2); /* only terms of positive weight */
    CHECK_INT(d->cluster[0].term[0], 2);
    CHECK_INT(d->cluster[0].term[1], 1);
    CHECK_NEAR(d->cluster[0].weight[0], 0.8, 1e-7);
    CHECK_INT(d->cluster[0].n_central, 2);
    CHECK_INT(d->cluster[0].central[0], 2); /* 0.8 tie between 2 and 3: lower index first */
    CHECK_INT(d->cluster[0].central[1], 3);
    CHECK_NEAR(d->cluster[0].cohesion, (0.5 + 0.8 + 0.8) / 3, 1e-6);
    CHECK_INT(d->cluster[1].n_terms, 3); /* ties: lowest term ids */
    CHECK_INT(d->cluster[1].term[0], 0);
    CHECK_INT(d->cluster[1].term[2], 2);
    CHECK_INT(d->cluster[1].central[0], 1);
    CHECK_NEAR(d->cluster[1].cohesion, 0.8, 1e-6);
    pc_description_free(d);
}

static void empty_cluster_has_zero_cohesion(void)
{
    int32_t assign[2] = {0, 0};
    float similarity[2] = {1.0f, 1.0f};
    float centroid[4] = {1.0f, 0.0f, 0.0f, 0.0f};
    int64_t size[2] = {2, 0};
    pc_clusters c = {2, 2, 2, assign, similarity, centroid, size, 0.0, 1, 0};
    pc_description *d = NULL;
    CHECK_INT(describe_simple(&c, 5, 5, &d), PC_OK);
    CHECK_INT(d->cluster[1].size, 0);
    CHECK_INT(d->cluster[1].n_terms, 0);
    CHECK_INT(d->cluster[1].n_central, 0);
    CHECK_NEAR(d->cluster[1].cohesion, 0.0, 0.0);
    pc_description_free(d);
}

int main(void)
{
    RUN_TEST(describes_hand_made_clusters);
    RUN_TEST(empty_cluster_has_zero_cohesion);
    return TEST_EXIT();
}
