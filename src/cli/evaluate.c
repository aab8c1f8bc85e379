/*
 * evaluate.c — `paperclust evaluate`: scores any tool's assignments.csv and
 * related.csv against a labelled corpus and known links, printing key,value
 * CSV.  All the work is pc_evaluate() in the library.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char evaluate_help[] =
    "usage: paperclust evaluate --labels CORPUS [--assignments A.csv] [--related R.csv]\n"
    "                           [--links L.csv] [--label-col NAME] [--id-col NAME]\n"
    "\n"
    "Scores clusters and related papers written by paperclust or any other tool\n"
    "and prints key,value CSV on standard output:\n"
    "  --labels CORPUS     the corpus (CSV, JSON Lines, ...): its ids name the papers,\n"
    "                      its label column (--label-col, default label) the classes\n"
    "  --assignments FILE  doc_id,cluster rows: nmi, ari, homogeneity, completeness,\n"
    "                      v_measure, purity against the labels\n"
    "  --related FILE      doc_id,rank,related_id rows: label_precision_at_top, and\n"
    "                      with --links link_precision_at_top and link_recall_at_top\n"
    "  --links FILE        source_id,target_id pairs (counted in both directions)\n"
    "Papers missing from a file are left out of its scores.\n";

enum { OPT_ASSIGNMENTS = 256, OPT_RELATED, OPT_LABELS, OPT_LINKS, OPT_LABEL_COL, OPT_ID_COL };

static const struct option long_options[] = {
    {"assignments", required_argument, NULL, OPT_ASSIGNMENTS},
    {"related", required_argument, NULL, OPT_RELATED},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"links", required_argument, NULL, OPT_LINKS},
    {"label-col", required_argument, NULL, OPT_LABEL_COL},
    {"id-col", required_argument, NULL, OPT_ID_COL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

int pc_cli_evaluate(int argc, char **argv)
{
    pc_evaluate_options opt;
    pc_evaluate_options_default(&opt);
    opt.read.text_cols = "";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(evaluate_help, stdout); return EXIT_OK;
        case OPT_ASSIGNMENTS: opt.assignments = optarg; break;
        case OPT_RELATED: opt.related = optarg; break;
        case OPT_LABELS: opt.labels = optarg; break;
        case OPT_LINKS: opt.links = optarg; break;
        case OPT_LABEL_COL: opt.read.label_col = optarg; break;
        case OPT_ID_COL: opt.read.id_col = optarg; break;
        default:
            fprintf(stderr, "paperclust: %s %s (see 'paperclust evaluate --help')\n",
                    c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind != argc || !opt.labels) {
        fputs("paperclust: evaluate needs --labels CORPUS and no other arguments (see "
              "'paperclust evaluate --help')\n", stderr);
        return EXIT_USAGE;
    }
    pc_display display;
    pc_monitor monitor;
    pc_error err = {PC_OK, ""};
    pc_summary scores = {0};
    pc_display_init(&display, 1, &monitor);
    pc_status status = pc_evaluate(&opt, &monitor, &scores, &err);
    if (status == PC_OK)
        status = pc_summary_write(stdout, &scores, &err);
    pc_summary_clear(&scores);
    return status == PC_OK ? EXIT_OK : pc_display_error(&display, status, err.message);
}
