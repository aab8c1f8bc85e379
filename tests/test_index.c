/*
 * Tests of index.c (the partitions) and of the approximate related papers
 * built on them: pc_neighbors_probe (neighbors.c) and pc_related_recall
 * (related.c).  The checks are brute force or hand computation: the
 * partitions' lists against the cosines to their members' normalised means,
 * the probed lists against a brute-force top-N over the probed papers, the
 * recall against hand-made lists.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperclust/related.h"
#include "rng_internal.h"
#include "test.h"
#include "test_util.h"

static pc_partitions *partitions(const pc_csr *m, int32_t count, int32_t probe, int threads)
{
    pc_partitions_options opt;
    pc_partitions_options_default(&opt);
    opt.partitions = count;
    opt.probe = probe;
    opt.max_iter = 100;
    opt.threads = threads;
    pc_partitions *pt = NULL;
    CHECK_INT(pc_partitions_build(m, &opt, NULL, &pt, NULL), PC_OK);
    return pt;
}

/* Two groups of three rows on disjoint terms: two partitions, one per group. */
static void hand_made_groups_split(void)
{
    pc_csr *m = NULL;
    CHECK_INT(pc_csr_new(6, 4, 12, &m, NULL), PC_OK);
    for (int32_t i = 0; i < 6; i++) {
        const int32_t base = i % 2 ? 2 : 0; /* odd rows use terms 2, 3; even rows 0, 1 */
        m->col[2 * i] = base;
        m->col[2 * i + 1] = base + 1;
        m->val[2 * i] = 0.6f + 0.1f * (float)(i / 2);
        m->val[2 * i + 1] = 1.0f;
        m->row_ptr[i + 1] = 2 * i + 2;
    }
    test_normalize_rows(m);
    pc_partitions *pt = partitions(m, 2, 2, 1);
    CHECK_INT(pt->n_partitions, 2);
    CHECK_INT(pt->probe, 2);
    CHECK_INT(pt->train, 6);
    const int32_t even = pt->nearest[0], odd = pt->nearest[2];
    CHECK(even != odd);
    for (int32_t i = 0; i < 6; i++) {
        CHECK_INT(pt->nearest[2 * i], i % 2 ? odd : even);
        CHECK_INT(pt->nearest[2 * i + 1], i % 2 ? even : odd);
    }
    CHECK_INT((int)pt->start[even + 1] - (int)pt->start[even], 3);
    for (int32_t r = 0; r < 3; r++) /* members ascending */
        CHECK_INT(pt->member[pt->start[even] + r], 2 * r);
    pc_partitions_free(pt);
    pc_csr_free(m);
}

/*
 * On converged k-means every row's list is its partitions ranked by the
 * cosine to the normalised mean of their members (the fixed point): the
 * first its own, none left out better than the last listed.
 */
static void lists_rank_partitions_by_cosine(void)
{
    int32_t label[240];
    pc_csr *m = test_planted(240, 6, 20, 30, 0.9, 5, label);
    const int32_t P = 6, probe = 3;
    pc_partitions *pt = partitions(m, P, probe, 2);
    CHECK_INT(pt->train, 240); /* up to 40 per partition: all */
    double *mean = calloc((size_t)P * (size_t)m->n_cols, sizeof *mean);
    for (int32_t p = 0; p < P; p++) {
        double *c = mean + (size_t)p * (size_t)m->n_cols, norm = 0.0;
        for (int64_t e = pt->start[p]; e < pt->start[p + 1]; e++)
            for (int64_t q = m->row_ptr[pt->member[e]]; q < m->row_ptr[pt->member[e] + 1]; q++)
                c[m->col[q]] += m->val[q];
        for (int32_t t = 0; t < m->n_cols; t++)
            norm += c[t] * c[t];
        for (int32_t t = 0; norm > 0 && t < m->n_cols; t++)
            c[t] /= sqrt(norm);
    }
    int64_t counted = 0;
    for (int32_t i = 0; i < m->n_rows; i++) {
        double cos[6] = {0};
        for (int32_t p = 0; p < P; p++)
            for (int64_t q = m->row_ptr[i]; q < m->row_ptr[i + 1]; q++)
                cos[p] += m->val[q] * mean[(size_t)p * (size_t)m->n_cols + (size_t)m->col[q]];
        const int32_t *list = pt->nearest + (size_t)i * probe;
        for (int32_t r = 1; r < probe; r++)
            CHECK(cos[list[r]] <= cos[list[r - 1]] + 1e-5);
        for (int32_t p = 0; p < P; p++) {
            int listed = 0;
            for (int32_t r = 0; r < probe; r++)
                listed |= list[r] == p;
            if (!listed)
                CHECK(cos[p] <= cos[list[probe - 1]] + 1e-5);
        }
        counted += pt->start[list[0]] <= pt->start[P]; /* a valid partition */
    }
    CHECK_INT(counted, 240);
    free(mean);
    pc_partitions_free(pt);
    pc_csr_free(m);
}

static pc_neighbors *probe_lists(const pc_csr *m, const pc_partitions *pt, int32_t top,
                                 int threads, int32_t head)
{
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = top;
    opt.threads = threads;
    opt.head_terms = head;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_probe(m, pt, &opt, NULL, &nb, NULL), PC_OK);
    return nb;
}

static pc_neighbors *exact_lists(const pc_csr *m, int32_t top, int32_t head)
{
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    opt.top = top;
    opt.head_terms = head;
    pc_neighbors *nb = NULL;
    CHECK_INT(pc_neighbors_topn(m, &opt, NULL, &nb, NULL), PC_OK);
    return nb;
}

/* Probing every partition is the exact search, bit for bit, for any head. */
static void probing_all_is_exact(void)
{
    int32_t label[700];
    pc_csr *m = test_planted(700, 7, 15, 25, 0.6, 9, label);
    pc_partitions *pt = partitions(m, 9, 9, 2);
    const int32_t heads[] = {-1, 0, 7};
    for (int h = 0; h < 3; h++) {
        pc_neighbors *exact = exact_lists(m, 8, heads[h]);
        pc_neighbors *probed = probe_lists(m, pt, 8, 2, heads[h]);
        CHECK(test_same_lists(exact, probed));
        pc_neighbors_free(exact);
        pc_neighbors_free(probed);
    }
    pc_partitions_free(pt);
    pc_csr_free(m);
}

/*
 * With 2 of 20 partitions probed, each list is the brute-force top-N over
 * the rows of those partitions (itself excluded, ties to the lower index),
 * and every similarity listed is the same float as the exact search gives
 * the pair whenever both list it.  Threads 1 and 3 give the same lists.
 */
static void probing_some_is_top_n_of_the_probed(void)
{
    int32_t label[700];
    pc_csr *m = test_planted(700, 7, 15, 25, 0.4, 9, label);
    const int32_t top = 6, n = m->n_rows;
    pc_partitions *pt = partitions(m, 20, 2, 1);
    pc_neighbors *probed = probe_lists(m, pt, top, 1, -1);
    pc_neighbors *three = probe_lists(m, pt, top, 3, -1);
    CHECK(test_same_lists(probed, three));
    pc_neighbors *exact = exact_lists(m, top, -1);
    int32_t *home = malloc((size_t)n * sizeof *home);
    for (int32_t p = 0; p < pt->n_partitions; p++)
        for (int64_t e = pt->start[p]; e < pt->start[p + 1]; e++)
            home[pt->member[e]] = p;
    double *sim = malloc((size_t)n * sizeof *sim);
    int64_t shared = 0, differ = 0;
    for (int32_t i = 0; i < n; i++) {
        for (int32_t j = 0; j < n; j++) {
            const int probed_j = home[j] == pt->nearest[2 * i] || home[j] == pt->nearest[2 * i + 1];
            sim[j] = j != i && probed_j ? test_rows_dot(m, i, m, j) : -1.0;
        }
        for (int32_t r = 0; r < top; r++) {
            int32_t best = -1;
            for (int32_t j = 0; j < n; j++)
                if (sim[j] > 1e-12 && (best < 0 || sim[j] > sim[best]))
                    best = j;
            const int32_t got = probed->id[(size_t)i * top + r];
            if (best < 0) {
                CHECK_INT(got, -1);
                break;
            }
            CHECK(got >= 0 && got != i);
            CHECK_NEAR(probed->similarity[(size_t)i * top + r], sim[best], 1e-5);
            if (got < 0)
                continue;
            CHECK(sim[got] >= sim[best] - 1e-6); /* probed, and as good as the best left */
            sim[got] = -1.0;
            for (int32_t s = 0; s < top; s++)
                if (got >= 0 && exact->id[(size_t)i * top + s] == got) {
                    shared++;
                    differ += exact->similarity[(size_t)i * top + s] !=
                              probed->similarity[(size_t)i * top + r];
                }
        }
    }
    CHECK(shared > n); /* the check below met many pairs */
    CHECK_INT(differ, 0);
    CHECK(!test_same_lists(probed, exact)); /* 2 of 20 partitions do miss some */
    free(sim);
    free(home);
    pc_neighbors_free(exact);
    pc_neighbors_free(three);
    pc_neighbors_free(probed);
    pc_partitions_free(pt);
    pc_csr_free(m);
}

/* The same partitions whatever the thread count. */
static void partitions_same_for_any_thread_count(void)
{
    int32_t label[500];
    pc_csr *m = test_planted(500, 5, 20, 20, 0.5, 3, label);
    pc_partitions *one = partitions(m, 0, 4, 1), *three = partitions(m, 0, 4, 3);
    CHECK_INT(one->n_partitions, 22); /* round(sqrt(500)) */
    CHECK(memcmp(one->nearest, three->nearest, 500 * 4 * sizeof *one->nearest) == 0);
    CHECK(memcmp(one->member, three->member, 500 * sizeof *one->member) == 0);
    pc_partitions_free(one);
    pc_partitions_free(three);
    pc_csr_free(m);
}

static void default_count_is_square_root(void)
{
    CHECK_INT(pc_partitions_default_count(0), 1);
    CHECK_INT(pc_partitions_default_count(1), 1);
    CHECK_INT(pc_partitions_default_count(52), 7);
    CHECK_INT(pc_partitions_default_count(74722), 273);
    CHECK_INT(pc_partitions_default_count(1000000), 1000);
}

/*
 * Row 0 = (1, 0, 0); rows 1 and 2 tie with it at 0.6 (0.6, 0.8, 0) and
 * (0.6, 0, 0.8); row 3 = (0, 0.6, 0.8) meets rows 1 (0.48) and 2 (0.64);
 * row 4 = (0, 0, 0, 1) meets nobody.  top 1.  Exact lists: 0 → 1 (tie
 * with 2), 1 → 0 (0.6 > 0.48), 2 → 3 (0.64), 3 → 2, 4 → none.
 * Hand-made "found" lists: 0 → 2 (tied: counts), 1 → 3 (0.48 < 0.6: a
 * miss), 2 → 3, 3 → none (a miss), 4 → none (nothing to find: 1).
 * Recall over all five: (1 + 0 + 1 + 0 + 1) / 5 = 0.6.
 */
static void recall_counts_ties_and_empty_lists(void)
{
    pc_csr *m = NULL;
    CHECK_INT(pc_csr_new(5, 4, 8, &m, NULL), PC_OK);
    const int64_t ptr[] = {0, 1, 3, 5, 7, 8};
    const int32_t col[] = {0, 0, 1, 0, 2, 1, 2, 3};
    const float val[] = {1.0f, 0.6f, 0.8f, 0.6f, 0.8f, 0.6f, 0.8f, 1.0f};
    memcpy(m->row_ptr, ptr, sizeof ptr);
    memcpy(m->col, col, sizeof col);
    memcpy(m->val, val, sizeof val);
    pc_neighbors *found = exact_lists(m, 1, -1);
    CHECK_INT(found->id[0], 1);
    CHECK_INT(found->id[4], -1);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    double recall = 0.0;
    int32_t sampled = 0;
    CHECK_INT(pc_related_recall(m, found, 1000, 1, &opt, NULL, &recall, &sampled, NULL), PC_OK);
    CHECK_INT(sampled, 5);
    CHECK_NEAR(recall, 1.0, 1e-12);
    const int32_t id[] = {2, 3, 3, -1, -1};
    /* the kernel's sums: 1 × 0.6 for pairs (0, 1) and (0, 2) alike, row 2's own exact one */
    const float sim[] = {found->similarity[0], 0.48f, found->similarity[2], 0.0f, 0.0f};
    memcpy(found->id, id, sizeof id);
    memcpy(found->similarity, sim, sizeof sim);
    CHECK_INT(pc_related_recall(m, found, 5, 7, &opt, NULL, &recall, &sampled, NULL), PC_OK);
    CHECK_NEAR(recall, 0.6, 1e-12);
    CHECK_INT(pc_related_recall(m, found, 0, 7, &opt, NULL, &recall, &sampled, NULL), PC_OK);
    CHECK_INT(sampled, 0);
    CHECK(isnan(recall));
    pc_neighbors_free(found);
    pc_csr_free(m);
}

/* pc_related_recall of `found` on `sample` rows of m drawn with `seed` (default
 * options); *sampled gets the rows drawn. */
static double recall_of(const pc_csr *m, const pc_neighbors *found, int32_t sample,
                        uint64_t seed, int32_t *sampled)
{
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    double recall = 0.0;
    CHECK_INT(pc_related_recall(m, found, sample, seed, &opt, NULL, &recall, sampled, NULL),
              PC_OK);
    return recall;
}

/* Rows 0 = (1, 0) and 1 = (0.6, 0.8) are each other's only neighbour, row 2 =
 * (0, 0, 1) has none. */
static pc_csr *pair_and_loner(void)
{
    pc_csr *m = NULL;
    CHECK_INT(pc_csr_new(3, 3, 4, &m, NULL), PC_OK);
    const int64_t ptr[] = {0, 1, 3, 4};
    const int32_t col[] = {0, 0, 1, 2};
    const float val[] = {1.0f, 0.6f, 0.8f, 1.0f};
    memcpy(m->row_ptr, ptr, sizeof ptr);
    memcpy(m->col, col, sizeof col);
    memcpy(m->val, val, sizeof val);
    return m;
}

/* Lists shorter than top: pair_and_loner(), top 2.  The exact lists found
 * again have recall 1: a list counts against its own length,
 * (1/1 + 1/1 + 1) / 3, not against top ((1/2 + 1/2 + 1) / 3). */
static void recall_of_short_lists(void)
{
    pc_csr *m = pair_and_loner();
    pc_neighbors *found = exact_lists(m, 2, -1);
    CHECK_INT(found->id[1], -1); /* row 0's second place is empty */
    int32_t sampled = 0;
    CHECK_NEAR(recall_of(m, found, 10, 1, &sampled), 1.0, 1e-12);
    CHECK_INT(sampled, 3);
    pc_neighbors_free(found);
    pc_csr_free(m);
}

/* pair_and_loner(), top 2, with lists that cheat: row 0
 * lists itself (similarity 1, above the exact 0.6), row 1 lists row 0 twice,
 * row 2 nothing.  Only row 1's first entry and row 2's empty list count:
 * (0 + 1 + 1) / 3, where counting by similarity alone would give 4 / 3. */
static void recall_ignores_self_and_repeats(void)
{
    pc_csr *m = pair_and_loner();
    pc_neighbors *found = exact_lists(m, 2, -1);
    const float pair = found->similarity[0]; /* rows 0 and 1: 0.6 */
    const int32_t id[] = {0, -1, 0, 0, -1, -1};
    const float sim[] = {1.0f, 0.0f, pair, pair, 0.0f, 0.0f};
    memcpy(found->id, id, sizeof id);
    memcpy(found->similarity, sim, sizeof sim);
    int32_t sampled = 0;
    CHECK_NEAR(recall_of(m, found, 10, 1, &sampled), 2.0 / 3.0, 1e-12);
    CHECK_INT(sampled, 3);
    pc_neighbors_free(found);
    pc_csr_free(m);
}

/* A sample of 300 of 700 rows: the recall of the probed lists on exactly
 * those rows (drawn as the library draws them), recomputed here from
 * pc_neighbors_topn's lists. */
static void recall_on_a_sample(void)
{
    int32_t label[700];
    pc_csr *m = test_planted(700, 7, 15, 25, 0.4, 9, label);
    const int32_t top = 5;
    pc_partitions *pt = partitions(m, 20, 2, 2);
    pc_neighbors *probed = probe_lists(m, pt, top, 2, -1), *exact = exact_lists(m, top, -1);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    double recall = 0.0, all = 0.0;
    int32_t sampled = 0;
    CHECK_INT(pc_related_recall(m, probed, 300, 4, &opt, NULL, &recall, &sampled, NULL), PC_OK);
    CHECK_INT(sampled, 300);
    double per_row[700];
    for (int32_t i = 0; i < 700; i++) {
        int32_t listed = 0, hits = 0;
        while (listed < top && exact->id[i * top + listed] >= 0)
            listed++;
        for (int32_t r = 0; listed > 0 && r < top && probed->id[i * top + r] >= 0; r++)
            hits += probed->similarity[i * top + r] >= exact->similarity[i * top + listed - 1];
        per_row[i] = listed ? (double)hits / listed : 1.0;
        all += per_row[i] / 700;
    }
    CHECK(recall < 1.0 && all < 1.0);
    CHECK(fabs(recall - all) < 0.05); /* a sample of 300 of 700 */
    int32_t chosen[300]; /* the rows drawn, as pc_related_recall draws them */
    CHECK_INT(pc_rng_sample(700, 300, 4, chosen), 0);
    double mean = 0.0;
    for (int32_t q = 0; q < 300; q++)
        mean += per_row[chosen[q]];
    CHECK_NEAR(recall, mean / 300, 1e-12);
    pc_neighbors_free(probed);
    pc_neighbors_free(exact);
    pc_partitions_free(pt);
    pc_csr_free(m);
}

static void bad_options_fail(void)
{
    pc_csr *m = test_random_sparse(50, 30, 5, 2);
    pc_partitions_options popt;
    pc_partitions_options_default(&popt);
    pc_partitions *pt = NULL;
    pc_error err;
    popt.probe = 0;
    CHECK_INT(pc_partitions_build(m, &popt, NULL, &pt, &err), PC_ERR_INVALID);
    CHECK(pt == NULL);
    popt.probe = 2;
    popt.partitions = -1;
    CHECK_INT(pc_partitions_build(m, &popt, NULL, &pt, &err), PC_ERR_INVALID);
    popt.partitions = 80; /* more than the rows: capped */
    CHECK_INT(pc_partitions_build(m, &popt, NULL, &pt, &err), PC_OK);
    CHECK_INT(pt->n_partitions, 50);
    pc_neighbors_options opt;
    pc_neighbors_options_default(&opt);
    pc_neighbors *nb = NULL;
    float z[50] = {0};
    pc_neighbors_dense dense = {1, z, NULL, 0.5f};
    opt.dense = &dense;
    CHECK_INT(pc_neighbors_probe(m, pt, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(strstr(err.message, "TF-IDF rows only") != NULL);
    opt.dense = NULL;
    pc_csr fewer = *m;
    fewer.n_rows = 40;
    CHECK_INT(pc_neighbors_probe(&fewer, pt, &opt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    pc_related_options ropt;
    pc_related_options_default(&ropt);
    ropt.search = PC_RELATED_APPROX;
    ropt.feedback = 2;
    CHECK_INT(pc_related_find(m, NULL, &ropt, NULL, &nb, &err), PC_ERR_INVALID);
    ropt.feedback = 0;
    ropt.similarity = PC_SIMILARITY_LSA;
    CHECK_INT(pc_related_find(m, NULL, &ropt, NULL, &nb, &err), PC_ERR_INVALID);
    CHECK(nb == NULL);
    pc_partitions_free(pt);
    pc_csr_free(m);
}

/* Approximate search through pc_related_find: the index, the lists, the recall. */
static void related_find_approx(void)
{
    int32_t label[600];
    pc_csr *m = test_planted(600, 6, 20, 30, 0.7, 12, label);
    pc_related_options ropt;
    pc_related_options_default(&ropt);
    ropt.search = PC_RELATED_APPROX;
    ropt.partitions = 8;
    ropt.probe = 8;
    ropt.neighbors.top = 5;
    pc_neighbors *nb = NULL, *exact = exact_lists(m, 5, -1);
    CHECK_INT(pc_related_find(m, NULL, &ropt, NULL, &nb, NULL), PC_OK);
    CHECK(test_same_lists(nb, exact));
    CHECK_INT(nb->partitions, 8);
    CHECK_INT(nb->probe, 8);
    CHECK_INT(nb->recall_sample, 600);
    CHECK_NEAR(nb->recall, 1.0, 1e-12);
    pc_neighbors_free(nb);
    ropt.probe = 0; /* the default, capped at the partitions */
    CHECK_INT(pc_related_find(m, NULL, &ropt, NULL, &nb, NULL), PC_OK);
    CHECK_INT(nb->probe, 8);
    pc_neighbors_free(nb);
    pc_neighbors_free(exact);
    pc_csr_free(m);
}

static void out_of_memory_fails_cleanly(void)
{
    int32_t label[40];
    pc_csr *m = test_planted(40, 4, 10, 12, 0.7, 4, label);
    pc_related_options ropt;
    pc_related_options_default(&ropt);
    ropt.search = PC_RELATED_APPROX;
    ropt.probe = 2;
    ropt.recall_sample = 10;
    ropt.neighbors.threads = 2;
    int succeeded = 0;
    for (long n = 1; n < 2000 && !succeeded; n++) {
        pc_neighbors *nb = NULL;
        pc_error err;
        pc_alloc_fail_after(n);
        pc_status status = pc_related_find(m, NULL, &ropt, NULL, &nb, &err);
        pc_alloc_fail_after(0);
        if (status == PC_OK) {
            succeeded = 1;
            CHECK(nb != NULL);
        } else {
            CHECK_INT(status, PC_ERR_NOMEM);
            CHECK(nb == NULL);
            CHECK(strstr(err.message, "out of memory") != NULL);
        }
        pc_neighbors_free(nb);
    }
    CHECK(succeeded);
    pc_csr_free(m);
}

int main(void)
{
    RUN_TEST(hand_made_groups_split);
    RUN_TEST(lists_rank_partitions_by_cosine);
    RUN_TEST(probing_all_is_exact);
    RUN_TEST(probing_some_is_top_n_of_the_probed);
    RUN_TEST(partitions_same_for_any_thread_count);
    RUN_TEST(default_count_is_square_root);
    RUN_TEST(recall_counts_ties_and_empty_lists);
    RUN_TEST(recall_of_short_lists);
    RUN_TEST(recall_ignores_self_and_repeats);
    RUN_TEST(recall_on_a_sample);
    RUN_TEST(bad_options_fail);
    RUN_TEST(related_find_approx);
    RUN_TEST(out_of_memory_fails_cleanly);
    return TEST_EXIT();
}
