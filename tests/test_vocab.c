/* Tests of vocab.c and tfidf.c: counting, pruning by df, weights by hand. */
#include <signal.h>
#include <stdlib.h>

#include "paperclust/tfidf.h"
#include "paperclust/vocab.h"
#include "test.h"

/* apple: df 1, count 2 · banana: df 3 · cherry: df 2 · date: df 1 · eggplant: df 1 */
static char *ids[] = {"a", "b", "c", "d"};
static char *texts[] = {"apple banana apple", "banana cherry", "cherry date banana", "eggplant"};

static pc_corpus small_corpus(void)
{
    pc_corpus c;
    memset(&c, 0, sizeof c);
    c.n_docs = 4;
    c.id = ids;
    c.text = texts;
    c.source = "small";
    return c;
}

static pc_vocab_options keep_all(void)
{
    pc_vocab_options opt;
    pc_vocab_options_default(&opt);
    opt.tokenize.stoplist = NULL;
    opt.min_df = (pc_df_bound){1, 0};
    opt.max_df = (pc_df_bound){1.0, 1};
    return opt;
}

/* The kept terms, space-separated, into buf. */
static const char *terms_of(const pc_vocab *v, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int32_t t = 0; t < v->n_terms; t++) {
        if (t)
            strncat(buf, " ", cap - strlen(buf) - 1);
        strncat(buf, v->term[t], cap - strlen(buf) - 1);
    }
    return buf;
}

static const char *build_terms(pc_vocab_options opt, char *buf, size_t cap, pc_status *status)
{
    pc_corpus c = small_corpus();
    pc_vocab *v = NULL;
    pc_csr *m = NULL;
    *status = pc_vocab_build(&c, &opt, NULL, &v, &m, NULL);
    buf[0] = '\0';
    if (*status == PC_OK)
        terms_of(v, buf, cap);
    pc_vocab_free(v);
    pc_csr_free(m);
    return buf;
}

static void counts_and_sorted_ids(void)
{
    pc_corpus c = small_corpus();
    pc_vocab_options opt = keep_all();
    pc_vocab *v = NULL;
    pc_csr *m = NULL;
    CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v, &m, NULL), PC_OK);
    char buf[256];
    CHECK_STR(terms_of(v, buf, sizeof buf), "apple banana cherry date eggplant");
    CHECK_INT(v->df[0], 1);
    CHECK_INT(v->count[0], 2);
    CHECK_INT(v->df[1], 3);
    CHECK_INT(v->df[2], 2);
    CHECK_INT(pc_vocab_lookup(v, "cherry"), 2);
    CHECK_INT(pc_vocab_lookup(v, "fig"), -1);
    CHECK_INT(m->nnz, 8);
    /* row 0: apple ×2, banana ×1, columns ascending */
    CHECK_INT(m->row_ptr[1], 2);
    CHECK_INT(m->col[0], 0);
    CHECK_NEAR(m->val[0], 2.0, 0.0);
    CHECK_INT(m->col[1], 1);
    CHECK_NEAR(m->val[1], 1.0, 0.0);
    /* row 2: banana, cherry, date sorted by column although met in another order */
    CHECK_INT(m->col[m->row_ptr[2]], 1);
    CHECK_INT(m->col[m->row_ptr[2] + 1], 2);
    CHECK_INT(m->col[m->row_ptr[2] + 2], 3);
    pc_vocab_free(v);
    pc_csr_free(m);
}

static void pruning_by_document_frequency(void)
{
    char buf[256];
    pc_status status;
    pc_vocab_options opt = keep_all();
    opt.min_df = (pc_df_bound){2, 0}; /* at least 2 documents */
    CHECK_STR(build_terms(opt, buf, sizeof buf, &status), "banana cherry");
    opt = keep_all();
    opt.max_df = (pc_df_bound){0.5, 1}; /* at most half of 4 documents */
    CHECK_STR(build_terms(opt, buf, sizeof buf, &status), "apple cherry date eggplant");
    opt = keep_all();
    opt.max_df = (pc_df_bound){1, 0}; /* at most 1 document */
    CHECK_STR(build_terms(opt, buf, sizeof buf, &status), "apple date eggplant");
    opt = keep_all();
    opt.min_df = (pc_df_bound){0.5, 1}; /* at least 2 of 4 */
    CHECK_STR(build_terms(opt, buf, sizeof buf, &status), "banana cherry");
    opt = keep_all();
    opt.max_features = 2; /* banana (3), then apple and cherry tie at 2: byte order */
    CHECK_STR(build_terms(opt, buf, sizeof buf, &status), "apple banana");
}

static void impossible_bounds(void)
{
    char buf[256];
    pc_status status;
    pc_vocab_options opt = keep_all();
    opt.min_df = (pc_df_bound){3, 0};
    opt.max_df = (pc_df_bound){2, 0};
    build_terms(opt, buf, sizeof buf, &status);
    CHECK_INT(status, PC_ERR_INVALID);
    opt = keep_all();
    opt.min_df = (pc_df_bound){4, 0}; /* no term is in all 4 documents */
    build_terms(opt, buf, sizeof buf, &status);
    CHECK_INT(status, PC_ERR_EMPTY);
}

/* Records warnings for the relaxation test. */
static char last_warning[512];
static int warnings;
static void remember_warning(void *ctx, const char *message)
{
    (void)ctx;
    snprintf(last_warning, sizeof last_warning, "%s", message);
    warnings++;
}

/*
 * Bounds that leave no term (df: apple 1, banana 3, cherry 2, date 1,
 * eggplant 1): an error unless relax_bounds is set; then max_df is lifted
 * first, and min_df too when that is not enough, each time with one warning
 * naming the step.  Bounds that keep something are never relaxed, and bounds
 * with max below min stay an error.
 */
static void relaxed_bounds(void)
{
    char buf[256];
    pc_status status;
    pc_corpus c = small_corpus();
    pc_monitor mon = {.warn = remember_warning};
    pc_vocab *v = NULL;
    pc_csr *m = NULL;
    pc_vocab_options opt = keep_all();
    opt.min_df = (pc_df_bound){0.625, 1}; /* [2.5, 2.8] documents: no term */
    opt.max_df = (pc_df_bound){0.7, 1};
    build_terms(opt, buf, sizeof buf, &status);
    CHECK_INT(status, PC_ERR_EMPTY);
    opt.relax_bounds = 1; /* max_df lifted: [2.5, 4] keeps banana */
    warnings = 0;
    CHECK_INT(pc_vocab_build(&c, &opt, &mon, &v, &m, NULL), PC_OK);
    CHECK_STR(terms_of(v, buf, sizeof buf), "banana");
    CHECK_INT(warnings, 1);
    CHECK(strstr(last_warning, "small: the default document-frequency bounds leave none of "
                               "the 5 distinct terms; keeping terms found in more") != NULL);
    pc_vocab_free(v);
    pc_csr_free(m);

    opt.min_df = (pc_df_bound){4, 0}; /* [4, 2.8]: max below min is refused, relaxed or not */
    build_terms(opt, buf, sizeof buf, &status);
    CHECK_INT(status, PC_ERR_INVALID);
    opt.max_df = (pc_df_bound){1.0, 1}; /* [4, 4]: no term; lifting max_df adds nothing */
    warnings = 0;
    CHECK_INT(pc_vocab_build(&c, &opt, &mon, &v, &m, NULL), PC_OK);
    CHECK_STR(terms_of(v, buf, sizeof buf), "apple banana cherry date eggplant");
    CHECK_INT(warnings, 1);
    CHECK(strstr(last_warning, "keeping every term (min-df 1, max-df 1.0)") != NULL);
    pc_vocab_free(v);
    pc_csr_free(m);

    opt.min_df = (pc_df_bound){2, 0}; /* [2, 4] keeps banana and cherry: untouched */
    warnings = 0;
    CHECK_STR(build_terms(opt, buf, sizeof buf, &status), "banana cherry");
    CHECK_INT(warnings, 0);
}

/* Counting does not depend on how many threads share the documents. */
static void same_counts_for_any_thread_count(void)
{
    enum { N = 300 };
    static char text_store[N][64];
    char *many[N], *many_ids[N];
    const char *words[] = {"alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa"};
    for (int i = 0; i < N; i++) {
        snprintf(text_store[i], sizeof text_store[i], "%s %s %s %s", words[i % 7],
                 words[(i * 3) % 7], words[(i / 7) % 7], words[(i * 5 + 1) % 7]);
        many[i] = text_store[i];
        many_ids[i] = text_store[i];
    }
    pc_corpus c = small_corpus();
    c.n_docs = N;
    c.text = many;
    c.id = many_ids;
    pc_vocab_options opt = keep_all();
    pc_vocab *v1 = NULL, *v2 = NULL;
    pc_csr *m1 = NULL, *m2 = NULL;
    opt.threads = 1;
    CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v1, &m1, NULL), PC_OK);
    opt.threads = 2;
    CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v2, &m2, NULL), PC_OK);
    CHECK_INT(v1->n_terms, v2->n_terms);
    CHECK_INT(m1->nnz, m2->nnz);
    CHECK(memcmp(m1->row_ptr, m2->row_ptr, (N + 1) * sizeof *m1->row_ptr) == 0);
    CHECK(memcmp(m1->col, m2->col, (size_t)m1->nnz * sizeof *m1->col) == 0);
    CHECK(memcmp(m1->val, m2->val, (size_t)m1->nnz * sizeof *m1->val) == 0);
    pc_vocab_free(v1);
    pc_vocab_free(v2);
    pc_csr_free(m1);
    pc_csr_free(m2);
}

/* What the "vocabulary" stage reported: how often, the first and last done
 * and the total; `cancel_at_start` raises the cancel flag at the stage's
 * first report. */
typedef struct stage_log {
    int reports, cancel_at_start;
    double first, last, total;
    volatile sig_atomic_t cancel;
} stage_log;

static void log_vocabulary(void *ctx, const char *stage, double done, double total)
{
    stage_log *s = ctx;
    if (strcmp(stage, "vocabulary") != 0)
        return;
    if (s->reports++ == 0) {
        s->first = done;
        s->total = total;
        s->cancel = s->cancel_at_start;
    }
    s->last = done;
}

/*
 * The vocabulary stage (pruning, the rows, their sorting) reports progress
 * from 0 to its total (reports in between come at most five times a second:
 * none here), both when the rows keep the order
 * the texts came in (pc_vocab_build) and when they are gathered in another
 * (pc_term_lists_finish with an order), with 2,500 documents (three steps of
 * rows); and a cancel raised as it starts ends it: PC_ERR_INTERRUPTED, no
 * vocabulary, no matrix.
 */
static void vocabulary_stage_reports_progress(void)
{
    enum { N = 2500 };
    static char text_store[N][48];
    static char *many[N];
    static int32_t reverse[N];
    for (int i = 0; i < N; i++) {
        snprintf(text_store[i], sizeof text_store[i], "aa%d bb%d cc%d dd%d", i % 97, i % 89,
                 (i * 7) % 101, i % 13);
        many[i] = text_store[i];
        reverse[i] = N - 1 - i;
    }
    pc_corpus c = small_corpus();
    c.n_docs = N;
    c.text = many;
    c.id = many;
    pc_vocab_options opt = keep_all();
    for (int gathered = 0; gathered < 2; gathered++)
        for (int cancel = 0; cancel < 2; cancel++) {
            stage_log s = {0, cancel, -1, 0, 0, 0};
            pc_monitor mon = {NULL, log_vocabulary, &s, &s.cancel};
            pc_vocab *v = NULL;
            pc_csr *m = NULL;
            pc_status status;
            if (!gathered) {
                status = pc_vocab_build(&c, &opt, &mon, &v, &m, NULL);
            } else {
                pc_term_lists *l = NULL;
                status = pc_term_lists_new(&opt.tokenize, NULL, 2, 0, &l, NULL);
                for (int i = 0; i < N && status == PC_OK; i++)
                    status = pc_term_lists_add(l, many[i], strlen(many[i]), NULL, NULL);
                if (status == PC_OK)
                    status = pc_term_lists_finish(l, &c, reverse, &opt, &mon, &v, &m, NULL,
                                                  NULL);
                pc_term_lists_free(l);
            }
            if (cancel) {
                CHECK_INT(status, PC_ERR_INTERRUPTED);
                CHECK(v == NULL && m == NULL);
            } else {
                CHECK_INT(status, PC_OK);
                CHECK(s.reports >= 2 && s.first == 0.0 && s.total > 0.0 && s.last == s.total);
                CHECK(m && m->nnz == (int64_t)N * 4);
            }
            pc_vocab_free(v);
            pc_csr_free(m);
        }
}

/*
 * Row 0 is apple ×2 (df 1), banana ×1 (df 3), n = 4.  By hand:
 *   idf(apple)  = ln(5/2) + 1 = 1.916290731874155
 *   idf(banana) = ln(5/4) + 1 = 1.2231435513142097
 *   weights 2 × 1.91629 = 3.832581, 1.223144; norm 4.023029
 *   → apple 0.952660704833514, banana 0.30403549376037087
 * sublinear tf (1 + ln 2 for apple) → 0.9357178475989908, 0.35274935816342984
 * without smoothing, idf = ln(n/df) + 1 → 0.9654757443644331, 0.2604929692792953
 */
static void tfidf_by_hand(void)
{
    const double expect[3][2] = {{0.952660704833514, 0.30403549376037087},
                                 {0.9357178475989908, 0.35274935816342984},
                                 {0.9654757443644331, 0.2604929692792953}};
    for (int variant = 0; variant < 3; variant++) {
        pc_corpus c = small_corpus();
        pc_vocab_options opt = keep_all();
        pc_vocab *v = NULL;
        pc_csr *m = NULL;
        CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v, &m, NULL), PC_OK);
        pc_tfidf_options topt;
        pc_tfidf_options_default(&topt);
        topt.sublinear_tf = variant == 1;
        topt.smooth_idf = variant != 2;
        float *idf = NULL;
        CHECK_INT(pc_tfidf_apply(m, v, &topt, &idf, NULL), PC_OK);
        CHECK_NEAR(m->val[0], expect[variant][0], 1e-6);
        CHECK_NEAR(m->val[1], expect[variant][1], 1e-6);
        if (variant == 0) {
            CHECK_NEAR(idf[0], 1.916290731874155, 1e-6);
            CHECK_NEAR(idf[1], 1.2231435513142097, 1e-6);
            CHECK_NEAR(m->val[m->row_ptr[3]], 1.0, 1e-7); /* a one-term row has weight 1 */
        }
        free(idf);
        pc_vocab_free(v);
        pc_csr_free(m);
    }
}

/*
 * A fixed vocabulary: the terms pc_vocab_build kept (min-df 2: banana,
 * cherry) counted in new texts, the rest dropped and counted.  By hand:
 * "banana fig banana" → banana ×2, 1 unknown (fig); "kiwi" → no term, 1
 * unknown; "cherry apple banana cherry" → banana 1, cherry 2, 1 unknown
 * (apple: pruned at df 1).  Counting the training corpus itself gives its
 * count rows back, with 1, 2 or 3 threads.
 */
static void counts_with_a_fixed_vocabulary(void)
{
    pc_corpus c = small_corpus();
    pc_vocab_options opt = keep_all();
    opt.min_df = (pc_df_bound){2, 0};
    pc_vocab *v = NULL;
    pc_csr *m = NULL;
    CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v, &m, NULL), PC_OK);
    char buf[64];
    CHECK_STR(terms_of(v, buf, sizeof buf), "banana cherry");
    char *new_ids[] = {"x", "y", "z"};
    char *new_texts[] = {"banana fig banana", "kiwi", "cherry apple banana cherry"};
    pc_corpus fresh = small_corpus();
    fresh.n_docs = 3;
    fresh.id = new_ids;
    fresh.text = new_texts;
    pc_csr *counts = NULL;
    int64_t unknown = -1;
    CHECK_INT(pc_vocab_count(&fresh, v, &opt.tokenize, 2, NULL, &counts, &unknown, NULL), PC_OK);
    const int64_t want_ptr[] = {0, 1, 1, 3};
    const int32_t want_col[] = {0, 0, 1};
    const float want_val[] = {2, 1, 2};
    CHECK_INT(unknown, 3);
    CHECK_INT(counts->n_cols, 2);
    CHECK_INT(counts->nnz, 3);
    for (int i = 0; i <= 3; i++)
        CHECK_INT(counts->row_ptr[i], want_ptr[i]);
    for (int p = 0; p < 3 && counts->nnz == 3; p++) {
        CHECK_INT(counts->col[p], want_col[p]);
        CHECK_NEAR(counts->val[p], want_val[p], 0.0);
    }
    pc_csr_free(counts);
    for (int threads = 1; threads <= 3; threads++) {
        CHECK_INT(pc_vocab_count(&c, v, &opt.tokenize, threads, NULL, &counts, NULL, NULL), PC_OK);
        CHECK_INT(counts->nnz, m->nnz);
        CHECK(memcmp(counts->row_ptr, m->row_ptr, 5 * sizeof *m->row_ptr) == 0);
        CHECK(memcmp(counts->col, m->col, (size_t)m->nnz * sizeof *m->col) == 0);
        CHECK(memcmp(counts->val, m->val, (size_t)m->nnz * sizeof *m->val) == 0);
        pc_csr_free(counts);
    }
    pc_vocab_free(v);
    pc_csr_free(m);
}

/* Weighting with a given idf is pc_tfidf_apply's arithmetic: the same bits. */
static void weight_with_given_idf(void)
{
    pc_corpus c = small_corpus();
    pc_vocab_options opt = keep_all();
    pc_vocab *v = NULL, *v2 = NULL;
    pc_csr *a = NULL, *b = NULL;
    CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v, &a, NULL), PC_OK);
    CHECK_INT(pc_vocab_build(&c, &opt, NULL, &v2, &b, NULL), PC_OK);
    pc_vocab_free(v2);
    pc_tfidf_options topt;
    pc_tfidf_options_default(&topt);
    double *idf = NULL;
    CHECK_INT(pc_tfidf_apply(a, v, &topt, NULL, NULL), PC_OK);
    CHECK_INT(pc_tfidf_idf(v, 4, &topt, &idf, NULL), PC_OK);
    CHECK_NEAR(idf[0], 1.916290731874155, 1e-12); /* apple, by hand above */
    pc_tfidf_weight(b, idf, &topt);
    CHECK(memcmp(a->val, b->val, (size_t)a->nnz * sizeof *a->val) == 0);
    free(idf);
    pc_vocab_free(v);
    pc_csr_free(a);
    pc_csr_free(b);
}

int main(void)
{
    RUN_TEST(counts_and_sorted_ids);
    RUN_TEST(pruning_by_document_frequency);
    RUN_TEST(impossible_bounds);
    RUN_TEST(relaxed_bounds);
    RUN_TEST(same_counts_for_any_thread_count);
    RUN_TEST(vocabulary_stage_reports_progress);
    RUN_TEST(tfidf_by_hand);
    RUN_TEST(counts_with_a_fixed_vocabulary);
    RUN_TEST(weight_with_given_idf);
    return TEST_EXIT();
}
