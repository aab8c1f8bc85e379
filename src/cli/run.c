/*
 * run.c — `paperclust run FILE [options]` and `paperclust vectorize FILE
 * [options]`: parse the options into a pc_options, validate them, and call
 * pc_run() or pc_vectorize().  No algorithm lives here.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char run_help[] =
    "usage: paperclust run FILE... [options]\n"
    "\n"
    "Reads papers from FILE (several FILEs: shards read one after the other as one\n"
    "input, each CSV shard beginning with the same header), clusters them by topic,\n"
    "finds each paper's related\n"
    "papers and writes assignments.csv, clusters.csv, cluster_terms.csv,\n"
    "related.csv, summary.csv, tree.csv and report.html (and k_sweep.csv after\n"
    "a sweep over k) into the output folder.\n"
    "\n"
    "Input:\n"
    "  --format F          csv, jsonl or text (default: from the file name;\n"
    "                      .jsonl/.ndjson/.json = JSON Lines, .txt = text, else CSV)\n"
    "  --id-col NAME       column of the paper ids (default id; when absent, ids\n"
    "                      are the row numbers 1, 2, ...)\n"
    "  --text-cols A,B     columns whose text is clustered (default title,abstract)\n"
    "  --label-col NAME    column of known labels, copied to assignments.csv\n"
    "                      (default: 'label' when the input has it)\n"
    "  --time-col NAME     column of each paper's date (2025, 2025-03, 2025-03-17,\n"
    "                      with or without a time, or an arXiv id such as\n"
    "                      2503.11731): adds topics_over_time.csv and a trend\n"
    "  --period P          year, quarter, month (default) or week\n"
    "  --max-doc-bytes N   longer texts are cut, with a warning (default 1048576)\n"
    "Terms:\n"
    "  --stopwords S       english (built in, default), sklearn (scikit-learn's\n"
    "                      list), science (scientific boilerplate: paper,\n"
    "                      propose, results, ...), none, or a file with one word\n"
    "                      per line; join lists with '+' (english+science)\n"
    "  --stem LANG         Snowball stemming (english, porter, french, german, ...;\n"
    "                      default: none)\n"
    "  --ngrams N          1 = words (default), 2 = words and bigrams\n"
    "  --no-strip          keep LaTeX math and URLs (default: removed)\n"
    "  --sklearn-tokens    tokenize exactly like scikit-learn's default pattern\n"
    "                      (\\w\\w+ with '_', lower-case, no stripping)\n"
    "  --min-df X          drop terms in fewer documents: a count (2, the default)\n"
    "                      or, written with a '.', a fraction (0.001)\n"
    "  --max-df X          drop terms in more documents: a fraction (0.5, the\n"
    "                      default; 1.0 keeps all) or a count (5000)\n"
    "  --max-features N    keep only the N most frequent terms (default: all)\n"
    "  --lsa D             LSA dimensions (randomized truncated SVD): vectorize\n"
    "                      writes lsa.csv; run uses them for --similarity lsa or\n"
    "                      hybrid (default 100 there)\n"
    "  --sublinear-tf      weight terms by 1 + ln(count) (the default)\n"
    "  --raw-tf            weight terms by their count instead\n";

/* The help goes on (ISO C only promises string literals of 4095 bytes). */
static const char run_help_more[] =
    "Clustering:\n"
    "  -k N                number of clusters (default: round(sqrt(documents/2)),\n"
    "                      between 2 and 50)\n"
    "  -k MIN:MAX[:STEP]   try every k from MIN to MAX (step STEP, default 1),\n"
    "                      score each in k_sweep.csv and keep the best (see README)\n"
    "  -k auto             the same over a range from the number of documents\n"
    "  --method M          kmeans (spherical k-means, the default) or bisect\n"
    "                      (repeated bisection); both write tree.csv\n"
    "  --cluster-on S      tfidf (the TF-IDF rows, the default) or lsa (the LSA\n"
    "                      coordinates, --lsa D, default 100); clusters are\n"
    "                      described by their TF-IDF centroids either way\n"
    "  --n-init N          k-means restarts, the best is kept (default 3)\n"
    "  --max-iter N        iterations per restart (default 100)\n"
    "  --tol X             stop when the objective gains less than X times itself\n"
    "                      (default 1e-4)\n"
    "  --seed N            random seed; same input, options and seed give the same\n"
    "                      reports whatever the thread count or row order (default 1)\n"
    "Related papers:\n"
    "  --top N             related papers per paper (default 10; 0 = none)\n"
    "  --similarity S      tfidf (cosine of the TF-IDF rows, the default), lsa\n"
    "                      (cosine of the LSA coordinates) or hybrid (a weighted\n"
    "                      sum of both)\n"
    "  --hybrid-weight A   TF-IDF's share A of the hybrid score (default 0.5)\n"
    "  --feedback N        pseudo-relevance feedback: each paper's query plus 0.5 x\n"
    "                      the mean of its N nearest, ranked again (default 0: off)\n"
    "  --related M         exact (every pair, the default) or approx (tfidf score,\n"
    "                      no feedback; recall on 1000 papers in summary.csv)\n"
    "  --index I           approx: partitions (probe an inverted-file index of fine\n"
    "                      partitions, the default) or terms (candidates sharing\n"
    "                      each paper's heaviest terms, scored exactly)\n"
    "  --probe N           partitions: partitions searched per paper (default 128)\n"
    "  --partitions P      partitions: how many (default sqrt(papers))\n"
    "  --refine R          partitions: R rounds of NN-descent after probing\n"
    "  --candidates K      with --refine: papers kept per paper (default 30);\n"
    "                      terms: papers scored exactly per paper (default 200)\n"
    "  --mass F            terms: share of each paper's squared TF-IDF weight its\n"
    "                      heaviest terms hold (default 0.6)\n"
    "Evaluation (added to summary.csv):\n"
    "                      with labels: nmi, ari, homogeneity, completeness,\n"
    "                      v_measure, purity, label_precision_at_top\n"
    "  --links FILE        source_id,target_id pairs of related papers (e.g.\n"
    "                      citations): precision and recall of related.csv\n"
    "  --silhouette        mean cosine silhouette, on a sample of 10000 papers\n"
    "  --silhouette-sample N  papers in that sample, also the one a k sweep\n"
    "                      scores every k on (default 10000; 0 = all)\n"
    "Output and running:\n"
    "  -o, --output DIR    output folder, created if needed (default out)\n"
    "  --no-html           do not write report.html\n"
    "  --save-model DIR    also save the model in DIR (DIR/model.bin), to place new\n"
    "                      papers later with 'paperclust assign DIR FILE'\n"
    "  --threads N         worker threads (default: all cores)\n"
    "  --quiet             no progress display (it is shown only on a terminal)\n"
    "  --progress          the progress display even when standard error is not a\n"
    "                      terminal (under mpirun, whose ranks' standard error never is)\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 success, 1 data or runtime error, 2 usage error.\n";

static const char vectorize_help[] =
    "usage: paperclust vectorize FILE [options]\n"
    "\n"
    "Reads and weights the papers like 'paperclust run' (same input and term\n"
    "options) and writes the features instead of clusters: vocabulary.csv\n"
    "(term,df,idf), tfidf.csv (doc_id,term,weight: the L2-normalised TF-IDF\n"
    "rows) and summary.csv.  Clustering, related-paper and model options are\n"
    "ignored.\n"
    "See 'paperclust run --help' for the options.\n";

enum {
    OPT_TOP = 256, OPT_SEED, OPT_THREADS,
    OPT_MIN_DF, OPT_MAX_DF, OPT_MAX_FEATURES, OPT_SUBLINEAR, OPT_RAW_TF, OPT_STEM, OPT_NGRAMS,
    OPT_STOPWORDS, OPT_NO_STRIP, OPT_SKLEARN_TOKENS, OPT_N_INIT, OPT_MAX_ITER, OPT_TOL,
    OPT_QUIET, OPT_PROGRESS, OPT_LINKS, OPT_SILHOUETTE, OPT_TIME_COL, OPT_PERIOD,
    OPT_NO_HTML, OPT_SAVE_MODEL, OPT_LSA, OPT_METHOD,
    OPT_SILHOUETTE_SAMPLE, OPT_SIMILARITY, OPT_HYBRID_WEIGHT, OPT_FEEDBACK, OPT_CLUSTER_ON,
    OPT_RELATED, OPT_PROBE, OPT_PARTITIONS, OPT_CANDIDATES, OPT_REFINE, OPT_INDEX, OPT_MASS
};

static const struct option long_options[] = {
    {"top", required_argument, NULL, OPT_TOP},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    PC_CLI_INPUT_OPTIONS,
    {"min-df", required_argument, NULL, OPT_MIN_DF},
    {"max-df", required_argument, NULL, OPT_MAX_DF},
    {"max-features", required_argument, NULL, OPT_MAX_FEATURES},
    {"sublinear-tf", no_argument, NULL, OPT_SUBLINEAR},
    {"raw-tf", no_argument, NULL, OPT_RAW_TF},
    {"stem", required_argument, NULL, OPT_STEM},
    {"ngrams", required_argument, NULL, OPT_NGRAMS},
    {"stopwords", required_argument, NULL, OPT_STOPWORDS},
    {"no-strip", no_argument, NULL, OPT_NO_STRIP},
    {"sklearn-tokens", no_argument, NULL, OPT_SKLEARN_TOKENS},
    {"n-init", required_argument, NULL, OPT_N_INIT},
    {"max-iter", required_argument, NULL, OPT_MAX_ITER},
    {"tol", required_argument, NULL, OPT_TOL},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"links", required_argument, NULL, OPT_LINKS},
    {"silhouette", no_argument, NULL, OPT_SILHOUETTE},
    {"time-col", required_argument, NULL, OPT_TIME_COL},
    {"period", required_argument, NULL, OPT_PERIOD},
    {"no-html", no_argument, NULL, OPT_NO_HTML},
    {"save-model", required_argument, NULL, OPT_SAVE_MODEL},
    {"lsa", required_argument, NULL, OPT_LSA},
    {"method", required_argument, NULL, OPT_METHOD},
    {"silhouette-sample", required_argument, NULL, OPT_SILHOUETTE_SAMPLE},
    {"similarity", required_argument, NULL, OPT_SIMILARITY},
    {"hybrid-weight", required_argument, NULL, OPT_HYBRID_WEIGHT},
    {"feedback", required_argument, NULL, OPT_FEEDBACK},
    {"related", required_argument, NULL, OPT_RELATED},
    {"probe", required_argument, NULL, OPT_PROBE},
    {"candidates", required_argument, NULL, OPT_CANDIDATES},
    {"refine", required_argument, NULL, OPT_REFINE},
    {"partitions", required_argument, NULL, OPT_PARTITIONS},
    {"index", required_argument, NULL, OPT_INDEX},
    {"mass", required_argument, NULL, OPT_MASS},
    {"cluster-on", required_argument, NULL, OPT_CLUSTER_ON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* A document-frequency bound: with a '.' or an exponent a fraction, else a count. */
static int parse_df(const char *name, const char *text, pc_df_bound *out)
{
    if (pc_cli_parse_double(name, text, &out->value) != 0)
        return -1;
    out->is_fraction = strpbrk(text, ".eE") != NULL;
    if (!out->is_fraction && out->value != floor(out->value)) {
        fprintf(stderr, "paperclust: %s: a count must be whole: '%s'\n", name, text);
        return -1;
    }
    return 0;
}

/* -k N, -k MIN:MAX[:STEP] or -k auto. */
static int parse_k(const char *text, pc_options *opt)
{
    long long v[3] = {0, 0, 1};
    opt->k_range = (pc_k_range){0, 0, 0, 0};
    if (strcmp(text, "auto") == 0) {
        opt->k_range.automatic = 1;
        return 0;
    }
    const char *colon = strchr(text, ':');
    if (!colon) {
        if (pc_cli_parse_long("-k", text, 1, INT32_MAX, &v[0]) != 0)
            return -1;
        opt->kmeans.k = (int32_t)v[0];
        return 0;
    }
    char copy[96], *part[4];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", text);
    for (char *at = copy; at && n < 4; n++) {
        part[n] = at;
        at = strchr(at, ':');
        if (at)
            *at++ = '\0';
    }
    if (n > 3 || strlen(text) >= sizeof copy) {
        fprintf(stderr, "paperclust: -k expects N, MIN:MAX, MIN:MAX:STEP or auto, not '%s'\n",
                text);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (pc_cli_parse_long(i == 0 ? "-k MIN" : i == 1 ? "-k MAX" : "-k STEP", part[i], 1,
                              INT32_MAX, &v[i]) != 0)
            return -1;
    if (v[1] < v[0]) {
        fprintf(stderr, "paperclust: -k %s: MAX must be at least MIN\n", text);
        return -1;
    }
    opt->k_range = (pc_k_range){(int32_t)v[0], (int32_t)v[1], (int32_t)v[2], 0};
    return 0;
}

static int parse_method(const char *text, pc_cluster_method *out)
{
    if (strcmp(text, "kmeans") == 0)
        *out = PC_METHOD_KMEANS;
    else if (strcmp(text, "bisect") == 0)
        *out = PC_METHOD_BISECT;
    else {
        fprintf(stderr, "paperclust: --method must be kmeans or bisect, not '%s'\n", text);
        return -1;
    }
    return 0;
}

/* 0 when a library parser took the value, else -1 after printing its message (after prefix). */
static int usage_unless_ok(pc_status status, const char *prefix, const pc_error *err)
{
    if (status == PC_OK)
        return 0;
    fprintf(stderr, "paperclust: %s%s\n", prefix, err->message);
    return -1;
}

/* Applies one parsed option; returns 0, or -1 after printing a usage error. */
static int apply_option(int c, const char *arg, pc_options *opt, int *quiet)
{
    long long v = 0;
    int input = pc_cli_input_option(c, arg, &opt->read);
    if (input <= 0)
        return input;
    switch (c) {
    case 'k':
        return parse_k(arg, opt);
    case OPT_METHOD:
        return parse_method(arg, &opt->method);
    case OPT_TOP:
        return pc_cli_parse_top(arg, &opt->related.neighbors.top);
    case OPT_SEED:
        if (pc_cli_parse_long("--seed", arg, 0, LLONG_MAX, &v) != 0)
            return -1;
        opt->kmeans.seed = (uint64_t)v;
        return 0;
    case OPT_THREADS:
        return pc_cli_parse_threads(arg, &opt->threads);
    case OPT_N_INIT:
        if (pc_cli_parse_long("--n-init", arg, 1, 1000, &v) != 0)
            return -1;
        opt->kmeans.n_init = (int)v;
        return 0;
    case OPT_MAX_ITER:
        if (pc_cli_parse_long("--max-iter", arg, 1, 100000, &v) != 0)
            return -1;
        opt->kmeans.max_iter = (int)v;
        return 0;
    case OPT_MAX_FEATURES:
        if (pc_cli_parse_long("--max-features", arg, 1, INT32_MAX, &v) != 0)
            return -1;
        opt->vocab.max_features = (int32_t)v;
        return 0;
    case OPT_LSA:
        if (pc_cli_parse_long("--lsa", arg, 1, 10000, &v) != 0)
            return -1;
        opt->lsa.dims = (int32_t)v;
        return 0;
    case OPT_NGRAMS:
        if (pc_cli_parse_long("--ngrams", arg, 1, 2, &v) != 0)
            return -1;
        opt->vocab.tokenize.ngram_max = (int)v;
        return 0;
    case OPT_TOL:
        return pc_cli_parse_double("--tol", arg, &opt->kmeans.tol);
    case OPT_MIN_DF:
        opt->vocab.relax_bounds = 0; /* the user's bounds hold, even when they leave nothing */
        return parse_df("--min-df", arg, &opt->vocab.min_df);
    case OPT_MAX_DF:
        opt->vocab.relax_bounds = 0;
        return parse_df("--max-df", arg, &opt->vocab.max_df);
    case OPT_STEM: opt->vocab.tokenize.stem_lang = arg; return 0;
    case OPT_STOPWORDS: opt->stopwords = arg; return 0;
    case OPT_SUBLINEAR: opt->tfidf.sublinear_tf = 1; return 0;
    case OPT_RAW_TF: opt->tfidf.sublinear_tf = 0; return 0;
    case OPT_NO_STRIP: opt->vocab.tokenize.strip_markup = 0; return 0;
    case OPT_SKLEARN_TOKENS:
        opt->vocab.tokenize.sklearn_tokens = 1;
        opt->vocab.tokenize.strip_markup = 0;
        return 0;
    case 'o': opt->output_dir = arg; return 0;
    case OPT_QUIET: *quiet = 1; return 0;
    case OPT_PROGRESS: *quiet = -1; return 0; /* the last of the two given counts */
    case OPT_LINKS: opt->links = arg; return 0;
    case OPT_TIME_COL: opt->read.time_col = arg; return 0;
    case OPT_NO_HTML: opt->html = 0; return 0;
    case OPT_SAVE_MODEL: opt->save_model = arg; return 0;
    case OPT_PERIOD: {
        pc_error err;
        return usage_unless_ok(pc_period_parse(arg, &opt->timeline.period, &err), "--period: ",
                               &err);
    }
    case OPT_SILHOUETTE: opt->silhouette = 1; return 0;
    case OPT_SIMILARITY: {
        pc_error err;
        return usage_unless_ok(pc_similarity_parse(arg, &opt->related.similarity, &err), "",
                               &err);
    }
    case OPT_HYBRID_WEIGHT: {
        double a = 0.0;
        if (pc_cli_parse_double("--hybrid-weight", arg, &a) != 0)
            return -1;
        opt->related.hybrid_weight = (float)a; /* its range: pc_options_check */
        return 0;
    }
    case OPT_CLUSTER_ON:
        if (strcmp(arg, "tfidf") != 0 && strcmp(arg, "lsa") != 0) {
            fprintf(stderr, "paperclust: --cluster-on must be tfidf or lsa, not '%s'\n", arg);
            return -1;
        }
        opt->cluster_on = strcmp(arg, "lsa") == 0 ? PC_CLUSTER_ON_LSA : PC_CLUSTER_ON_TFIDF;
        return 0;
    case OPT_FEEDBACK:
        if (pc_cli_parse_long("--feedback", arg, 0, 1000, &v) != 0)
            return -1;
        opt->related.feedback = (int32_t)v;
        return 0;
    case OPT_RELATED: {
        pc_error err;
        return usage_unless_ok(pc_related_search_parse(arg, &opt->related.search, &err), "",
                               &err);
    }
    case OPT_INDEX: {
        pc_error err;
        return usage_unless_ok(pc_related_index_parse(arg, &opt->related.index, &err), "", &err);
    }
    case OPT_MASS: {
        double a = 0.0;
        if (pc_cli_parse_double("--mass", arg, &a) != 0)
            return -1;
        if (!(a > 0.0 && a <= 1.0)) {
            fprintf(stderr, "paperclust: --mass must be above 0 and at most 1, not '%s'\n", arg);
            return -1;
        }
        opt->related.mass = (float)a;
        return 0;
    }
    case OPT_PROBE:
    case OPT_PARTITIONS:
        if (pc_cli_parse_long(c == OPT_PROBE ? "--probe" : "--partitions", arg, 1, INT32_MAX,
                              &v) != 0)
            return -1;
        *(c == OPT_PROBE ? &opt->related.probe : &opt->related.partitions) = (int32_t)v;
        return 0;
    case OPT_CANDIDATES:
    case OPT_REFINE:
        if (pc_cli_parse_long(c == OPT_REFINE ? "--refine" : "--candidates", arg, 1,
                              c == OPT_REFINE ? 1000 : 10000, &v) != 0)
            return -1;
        *(c == OPT_REFINE ? &opt->related.refine : &opt->related.candidates) = (int32_t)v;
        return 0;
    case OPT_SILHOUETTE_SAMPLE:
        if (pc_cli_parse_long("--silhouette-sample", arg, 0, INT32_MAX, &v) != 0)
            return -1;
        opt->silhouette_sample = (int32_t)v;
        return 0;
    default: return -1;
    }
}

int pc_cli_run(int argc, char **argv, int vectorize, const pc_comm *comm)
{
    const char *command = vectorize ? "vectorize" : "run";
    pc_options opt;
    pc_options_default(&opt);
    opt.read.label_col = "label";
    opt.read.label_optional = 1;
    int quiet = 0, c; /* 1: --quiet, -1: --progress */
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:o:h", long_options, NULL)) != -1) {
        if (c == 'h') {
            fputs(vectorize ? vectorize_help : run_help, stdout);
            if (!vectorize)
                fputs(run_help_more, stdout);
            return EXIT_OK;
        }
        if (c == '?' || c == ':')
            return pc_cli_bad_option(c, argv, command);
        if (apply_option(c, optarg, &opt, &quiet) != 0)
            return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "paperclust: %s takes an input FILE (or several shards of one), '-' "
                        "for stdin (see 'paperclust %s --help')\n", command, command);
        return EXIT_USAGE;
    }
    opt.input = argv[optind];
    opt.read.more_inputs = (const char *const *)(argv + optind + 1);
    opt.read.n_more_inputs = argc - optind - 1;
    opt.comm = comm;
    if (!vectorize && opt.lsa.dims > 0 && !pc_related_needs_lsa(&opt.related) &&
        opt.cluster_on != PC_CLUSTER_ON_LSA) {
        fprintf(stderr, "paperclust: --lsa D sets the dimensions of the LSA that --similarity "
                        "lsa or hybrid or --cluster-on lsa use: give one of them (or use "
                        "'paperclust vectorize')\n");
        return EXIT_USAGE;
    }
    if (!vectorize && opt.cluster_on == PC_CLUSTER_ON_LSA && opt.save_model) {
        fprintf(stderr, "paperclust: --save-model needs --cluster-on tfidf (a saved model places "
                        "papers by the TF-IDF centroids)\n");
        return EXIT_USAGE;
    }

    pc_display display;
    pc_monitor monitor;
    pc_error err = {PC_OK, ""};
    pc_display_init(&display, quiet, &monitor);
    pc_run_result *result = NULL;
    pc_status status = pc_options_check(&opt, &err);
    if (status == PC_OK)
        status = vectorize ? pc_vectorize(&opt, &monitor, &err)
                           : pc_run_with_result(&opt, &monitor, &result, &err);
    pc_display_end(&display);
    if (status != PC_OK)
        return pc_display_error(&display, status, err.message);
    if (quiet <= 0 && result) /* not --quiet */
        pc_display_result(result);
    pc_run_result_free(result);
    return EXIT_OK;
}
