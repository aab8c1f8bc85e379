/* Tests of describe.c: top terms, central papers and cohesion of hand-made clusters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperclust/describe.h"
#include "rng_internal.h"
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
    pc_clusters c = {2, 5, 4, assign, similarity, centroid, size, 0.0, 1, 0, NULL, NULL, NULL};
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
    pc_clusters c = {2, 2, 2, assign, similarity, centroid, size, 0.0, 1, 0, NULL, NULL, NULL};
    pc_description *d = NULL;
    CHECK_INT(describe_simple(&c, 5, 5, &d), PC_OK);
    CHECK_INT(d->cluster[1].size, 0);
    CHECK_INT(d->cluster[1].n_terms, 0);
    CHECK_INT(d->cluster[1].n_central, 0);
    CHECK_NEAR(d->cluster[1].cohesion, 0.0, 0.0);
    pc_description_free(d);
}

/* ---- distinctive terms, labels, quality: a corpus built from texts ---- */

typedef struct built {
    pc_corpus corpus;
    pc_vocab *vocab;
    pc_csr *X;
    pc_clusters clusters;
    float *centroid;
    float *similarity;
    int64_t size[4];
} built;

/* Tokenizes texts (every term kept, `stop` as stop list) into a corpus and
 * its count rows; clusters are given; similarity falls with the index, so
 * the first papers of a cluster are its most central. */
static int build(built *b, char **texts, char **ids, int32_t n, const int32_t *assign,
                 int32_t k, const pc_stoplist *stop)
{
    memset(b, 0, sizeof *b);
    b->corpus = (pc_corpus){.n_docs = n, .id = ids, .text = texts, .source = "hand"};
    pc_vocab_options vopt;
    pc_vocab_options_default(&vopt);
    vopt.tokenize.stoplist = stop;
    vopt.min_df = (pc_df_bound){1, 0};
    vopt.max_df = (pc_df_bound){1.0, 1};
    if (pc_vocab_build(&b->corpus, &vopt, NULL, &b->vocab, &b->X, NULL) != PC_OK)
        return -1;
    b->centroid = calloc((size_t)k * (size_t)b->X->n_cols, sizeof *b->centroid);
    b->similarity = malloc((size_t)n * sizeof *b->similarity);
    for (int32_t i = 0; i < n; i++) {
        b->similarity[i] = 1.0f - 0.01f * (float)i;
        b->size[assign[i]]++;
    }
    b->clusters = (pc_clusters){k, n, b->X->n_cols, (int32_t *)assign, b->similarity,
                                b->centroid, b->size, 0.0, 1, 0, NULL, NULL, NULL};
    return 0;
}

static void built_free(built *b)
{
    pc_vocab_free(b->vocab);
    pc_csr_free(b->X);
    free(b->centroid);
    free(b->similarity);
}

static pc_status describe_built(built *b, const pc_tokenize_options *topt,
                                const pc_stoplist *boilerplate, int threads,
                                pc_description **d)
{
    pc_describe_options opt;
    pc_describe_options_default(&opt);
    opt.threads = threads;
    pc_describe_input in = {.clusters = &b->clusters, .X = b->X, .vocab = b->vocab,
                            .corpus = &b->corpus, .tokenize = topt, .boilerplate = boilerplate};
    return pc_describe(&in, &opt, d, NULL);
}

static const char *term(const built *b, int32_t t)
{
    return b->vocab->term[t];
}

/*
 * Cluster 0 = {graph neural networks graph, graph neural networks, graph
 * theory}, cluster 1 = {protein folding, protein structure networks, protein
 * graph}.  Document counts: graph 4 (3 in cluster 0), neural 2 (2), networks
 * 3 (2), protein 3 (0), theory, folding, structure 1 each; Σ = 15, n_0 = 8,
 * n_1 = 7, α_t = df_t.  Monroe et al.'s z (computed apart, in Python):
 *   cluster 0: neural 0.859606, graph 0.678172, networks 0.332643
 *              (theory: z 0.565952 but in 1 document only — left out)
 *   cluster 1: protein 1.295831 (folding, structure: 1 document each)
 * Coherence of cluster 0's top terms over the 6 papers, NPMI per pair:
 *   neural-graph    ln((2/6) / (2/6 · 4/6)) / ln 3 = ln 1.5 / ln 3 = 0.369070
 *   neural-networks ln((2/6) / (2/6 · 3/6)) / ln 3 = ln 2 / ln 3   = 0.630930
 *   graph-networks  ln((2/6) / (4/6 · 3/6)) / ln 3 = 0
 *   mean 1/3.  Exclusivity 1 (cluster 1 lists only protein); cluster 1 has
 *   one term: no pair, coherence undefined (NaN).
 */
static void distinctive_terms_by_log_odds(void)
{
    char *texts[] = {"graph neural networks graph", "graph neural networks", "graph theory",
                     "protein folding", "protein structure networks", "protein graph"};
    char *ids[] = {"a1", "a2", "a3", "b1", "b2", "b3"};
    int32_t assign[] = {0, 0, 0, 1, 1, 1};
    built b;
    CHECK_INT(build(&b, texts, ids, 6, assign, 2, NULL), 0);
    /* centroid terms: cluster 0 graph, networks; cluster 1 protein, networks,
     * folding — networks is in both lists: exclusivity 1/2 and 2/3 */
    int32_t V = b.X->n_cols;
    b.centroid[pc_vocab_lookup(b.vocab, "graph")] = 0.8f;
    b.centroid[pc_vocab_lookup(b.vocab, "networks")] = 0.6f;
    b.centroid[V + pc_vocab_lookup(b.vocab, "protein")] = 0.8f;
    b.centroid[V + pc_vocab_lookup(b.vocab, "networks")] = 0.5f;
    b.centroid[V + pc_vocab_lookup(b.vocab, "folding")] = 0.3f;
    pc_description *d = NULL;
    CHECK_INT(describe_built(&b, NULL, NULL, 1, &d), PC_OK);
    if (d) {
        const pc_cluster_description *c0 = &d->cluster[0], *c1 = &d->cluster[1];
        CHECK_INT(c0->n_distinctive, 3);
        CHECK_STR(term(&b, c0->distinctive[0]), "neural");
        CHECK_STR(term(&b, c0->distinctive[1]), "graph");
        CHECK_STR(term(&b, c0->distinctive[2]), "networks");
        CHECK_NEAR(c0->score[0], 0.859606, 1e-6);
        CHECK_NEAR(c0->score[1], 0.678172, 1e-6);
        CHECK_NEAR(c0->score[2], 0.332643, 1e-6);
        CHECK_INT(c1->n_distinctive, 1);
        CHECK_STR(term(&b, c1->distinctive[0]), "protein");
        CHECK_NEAR(c1->score[0], 1.295831, 1e-6);
        CHECK_NEAR(c0->coherence, 1.0 / 3.0, 1e-9);
        CHECK_NEAR(c0->exclusivity, 1.0, 0.0);
        CHECK(isnan(c1->coherence));
        CHECK_NEAR(c1->exclusivity, 1.0, 0.0);
        CHECK_STR(c1->label, "protein");
        CHECK_NEAR(c0->centroid_exclusivity, 0.5, 1e-12);
        CHECK_NEAR(c1->centroid_exclusivity, 2.0 / 3.0, 1e-12);
        /* graph-networks NPMI 0 (above); protein-networks: 1 paper of 6,
         * ln((1/6)/(3/6 · 3/6)) / ln 6; protein-folding: ln((1/6)/(3/6 · 1/6)) / ln 6;
         * networks-folding: never together, -1 */
        CHECK_NEAR(c0->centroid_coherence, 0.0, 1e-12);
        CHECK_NEAR(c1->centroid_coherence,
                   (log((1.0 / 6) / (0.25)) / log(6.0) + log(2.0) / log(6.0) - 1.0) / 3, 1e-9);
    }
    pc_description_free(d);
    built_free(&b);
}

/*
 * Labels from the central papers: "graph neural networks" (three top terms
 * that always follow each other), "chain of thought" (across the stop word
 * "of"), "large language" completed by "models" (in every paper of every
 * cluster: not distinctive, z < 0 here), plurals skipped ("molecule" after
 * "molecules"), and boilerplate ("propose") never a distinctive term.
 */
static void labels_with_phrases(void)
{
    char *texts[] = {
        "we propose graph neural networks for molecules with models",
        "graph neural networks on molecule data with models",
        "graph neural networks predict molecules by models",
        "molecules and graph neural networks as models",
        "we propose graph neural networks molecule for models",
        "graph neural networks and molecules in models",
        "chain of thought for large language models", "large language models with chain of thought",
        "chain of thought prompting large language models", "we propose chain of thought models",
        "chain of thought helps large language models", "models think by chain of thought",
        "models of proteins", "models of weather", "models of rivers"};
    char *ids[] = {"g1", "g2", "g3", "g4", "g5", "g6", "c1", "c2", "c3", "c4", "c5", "c6", "x1",
                   "x2", "x3"};
    int32_t assign[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2};
    pc_stoplist *english = NULL, *science = NULL;
    CHECK_INT(pc_stoplist_load("english", &english, NULL), PC_OK);
    CHECK_INT(pc_stoplist_load("science", &science, NULL), PC_OK);
    built b;
    CHECK_INT(build(&b, texts, ids, 15, assign, 3, english), 0);
    pc_tokenize_options topt;
    pc_tokenize_options_default(&topt);
    topt.stoplist = english;
    pc_description *d = NULL;
    CHECK_INT(describe_built(&b, &topt, science, 2, &d), PC_OK);
    if (d) {
        CHECK_STR(d->cluster[0].label, "graph neural networks, molecules");
        CHECK_STR(d->cluster[1].label, "chain of thought, large language models");
        for (int32_t c = 0; c < 3; c++)
            for (int32_t j = 0; j < d->cluster[c].n_distinctive; j++)
                CHECK(strcmp(term(&b, d->cluster[c].distinctive[j]), "propose") != 0);
    }
    pc_description *again = NULL;
    CHECK_INT(describe_built(&b, &topt, science, 1, &again), PC_OK); /* any thread count */
    for (int32_t c = 0; d && again && c < 3; c++) {
        CHECK_STR(again->cluster[c].label, d->cluster[c].label);
        CHECK_INT(again->cluster[c].n_distinctive, d->cluster[c].n_distinctive);
        for (int32_t j = 0; j < d->cluster[c].n_distinctive; j++)
            CHECK(again->cluster[c].score[j] == d->cluster[c].score[j]);
    }
    pc_description_free(again);
    pc_description_free(d);
    /* without the boilerplate list, "propose" (in 2 of cluster 0's 6 papers,
     * 1 of the other 9) ranks among cluster 0's distinctive terms */
    d = NULL;
    CHECK_INT(describe_built(&b, &topt, NULL, 1, &d), PC_OK);
    int found = 0;
    for (int32_t j = 0; d && j < d->cluster[0].n_distinctive; j++)
        found |= strcmp(term(&b, d->cluster[0].distinctive[j]), "propose") == 0;
    CHECK(found);
    pc_description_free(d);
    built_free(&b);
    pc_stoplist_free(english);
    pc_stoplist_free(science);
}

/*
 * Groups (pc_describe_groups) over the corpus of distinctive_terms_by_log_odds,
 * members listed in the order b3 a1 a2 a3 b1 b2 b3:
 *   - {a1, a2, a3} (members[1..4)) has cluster 0's distinctive terms and
 *     z-scores (hand values above), whatever the clusters say;
 *   - all six papers, members[1..7): no distinctive term (the rest is empty); its centroid is
 *     the normalised sum of the count rows, graph 5, networks 3, protein 3,
 *     neural 2, the others 1: Σ² = 50, graph's weight 5/√50; its label the
 *     first three centroid terms; its central papers rank the dots with that
 *     sum, a1 15, a2 10, b3 8, b2 7, a3 6, b1 4 (rows are counts here).
 */
static void describes_groups_of_clusters(void)
{
    char *texts[] = {"graph neural networks graph", "graph neural networks", "graph theory",
                     "protein folding", "protein structure networks", "protein graph"};
    char *ids[] = {"a1", "a2", "a3", "b1", "b2", "b3"};
    int32_t assign[] = {1, 1, 0, 0, 0, 1}; /* not the groups: ignored */
    built b;
    CHECK_INT(build(&b, texts, ids, 6, assign, 2, NULL), 0);
    pc_describe_options opt;
    pc_describe_options_default(&opt);
    pc_describe_input in = {.clusters = &b.clusters, .X = b.X, .vocab = b.vocab,
                            .corpus = &b.corpus};
    int32_t members[] = {5, 0, 1, 2, 3, 4, 5};
    int64_t begin[] = {1, 1}, end[] = {4, 7};
    pc_description *d = NULL;
    CHECK_INT(pc_describe_groups(&in, &opt, 2, members, begin, end, &d, NULL), PC_OK);
    if (d) {
        const pc_cluster_description *g0 = &d->cluster[0], *all = &d->cluster[1];
        CHECK_INT(d->k, 2);
        CHECK_INT(g0->size, 3);
        CHECK_INT(g0->n_distinctive, 3);
        CHECK_STR(term(&b, g0->distinctive[0]), "neural");
        CHECK_NEAR(g0->score[0], 0.859606, 1e-6);
        CHECK_NEAR(g0->score[2], 0.332643, 1e-6);
        CHECK(isnan(g0->coherence));
        CHECK_INT(all->size, 6);
        CHECK_INT(all->n_distinctive, 0);
        CHECK_STR(term(&b, all->term[0]), "graph");
        CHECK_NEAR(all->weight[0], 5 / sqrt(50.0), 1e-6);
        CHECK_NEAR(all->weight[1], 3 / sqrt(50.0), 1e-6);
        CHECK_NEAR(all->weight[3], 2 / sqrt(50.0), 1e-6);
        CHECK_STR(term(&b, all->term[3]), "neural");
        char want[64];
        snprintf(want, sizeof want, "graph, %s, %s", term(&b, all->term[1]), term(&b, all->term[2]));
        CHECK_STR(all->label, want);
        int32_t central[] = {0, 1, 5, 4, 2};
        CHECK_INT(all->n_central, 5);
        for (int32_t m = 0; m < 5; m++)
            CHECK_INT(all->central[m], central[m]);
        CHECK_NEAR(all->cohesion, (15 + 10 + 6 + 4 + 7 + 8) / sqrt(50.0) / 6, 1e-5);
    }
    pc_description_free(d);
    pc_error err;
    int64_t reversed[] = {4, 0};
    CHECK_INT(pc_describe_groups(&in, &opt, 2, members, begin, reversed, &d, &err),
              PC_ERR_INVALID);
    CHECK(d == NULL && strstr(err.message, "group 1") != NULL);
    members[6] = 6; /* not a document */
    CHECK_INT(pc_describe_groups(&in, &opt, 2, members, begin, end, &d, &err), PC_ERR_INVALID);
    CHECK(d == NULL && strstr(err.message, "document 6") != NULL);
    built_free(&b);
}

/*
 * The coherence sample draws papers whatever their ids look like: 700 papers
 * with arXiv-style ids sharing their first bytes ("2401.00000" ...), a
 * sample of 300.  Before the hash's finaliser every one of these ids fell
 * outside the cut (an empty sample: coherence NaN).
 */
static void coherence_sample_spreads_over_ids(void)
{
    enum { N = 700 };
    static char id_text[N][12], doc_text[N][64];
    char *ids[N], *texts[N];
    int32_t assign[N];
    const char *words[2][4] = {{"graph", "neural", "networks", "nodes"},
                               {"protein", "folding", "structure", "amino"}};
    for (int32_t i = 0; i < N; i++) {
        const int c = i % 2;
        snprintf(id_text[i], sizeof id_text[i], "2401.%05d", (int)i);
        snprintf(doc_text[i], sizeof doc_text[i], "%s %s %s", words[c][0],
                 words[c][1 + i % 3], words[c][1 + (i / 3) % 3]);
        ids[i] = id_text[i];
        texts[i] = doc_text[i];
        assign[i] = c;
    }
    built b;
    CHECK_INT(build(&b, texts, ids, N, assign, 2, NULL), 0);
    pc_describe_options opt;
    pc_describe_options_default(&opt);
    opt.coherence_sample = 300;
    opt.phrase_docs = 0;
    pc_describe_input in = {.clusters = &b.clusters, .X = b.X, .vocab = b.vocab,
                            .corpus = &b.corpus};
    pc_description *d = NULL;
    CHECK_INT(pc_describe(&in, &opt, &d, NULL), PC_OK);
    for (int32_t c = 0; d && c < 2; c++) {
        CHECK(d->cluster[c].n_distinctive >= 2);
        CHECK(isfinite(d->cluster[c].coherence));
    }
    pc_description_free(d);
    built_free(&b);
}

/* The ids' hash spreads papers whose ids share a prefix: of 20,000 ids
 * 2401.00000 .. 2401.19999, a cut at a tenth of the range takes 9–11 % of
 * them, and 5–15 % of every block of 1,000 consecutive ids. */
static void id_hash_spreads_a_shared_prefix(void)
{
    const uint64_t cut = UINT64_MAX / 10;
    int32_t in_all = 0;
    for (int32_t block = 0; block < 20; block++) {
        int32_t in = 0;
        for (int32_t i = block * 1000; i < block * 1000 + 1000; i++) {
            char id[16];
            snprintf(id, sizeof id, "2401.%05d", (int)i);
            in += pc_id_hash(id, 1) <= cut;
        }
        CHECK(in >= 50 && in <= 150);
        in_all += in;
    }
    CHECK(in_all >= 1800 && in_all <= 2200);
}

int main(void)
{
    RUN_TEST(describes_hand_made_clusters);
    RUN_TEST(empty_cluster_has_zero_cohesion);
    RUN_TEST(distinctive_terms_by_log_odds);
    RUN_TEST(labels_with_phrases);
    RUN_TEST(describes_groups_of_clusters);
    RUN_TEST(coherence_sample_spreads_over_ids);
    RUN_TEST(id_hash_spreads_a_shared_prefix);
    return TEST_EXIT();
}
