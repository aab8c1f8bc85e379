/*
 * assign.c — `paperclust assign MODEL FILE [options]`: parse the options into
 * a pc_assign_options and call pc_assign().  No algorithm lives here.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char assign_help[] =
    "usage: paperclust assign MODEL FILE [options]\n"
    "\n"
    "Places the papers of FILE in the clusters of a model saved by 'paperclust run\n"
    "--save-model MODEL', and lists each one's related papers among the model's\n"
    "papers: writes assignments.csv, related.csv and summary.csv (the columns of\n"
    "'paperclust run') into the output folder.  The papers are tokenized and\n"
    "weighted exactly as the model's run did; terms the model does not know are\n"
    "dropped.  MODEL is the model folder or its model.bin.\n"
    "\n"
    "Input (as for 'paperclust run'):\n"
    "  --format F          csv, jsonl or text (default: from the file name)\n"
    "  --id-col NAME       column of the paper ids (default id; when absent, ids\n"
    "                      are the row numbers 1, 2, ...)\n"
    "  --text-cols A,B     columns whose text is read (default title,abstract)\n"
    "  --label-col NAME    column of known labels, copied to assignments.csv\n"
    "                      (default: 'label' when the input has it)\n"
    "  --max-doc-bytes N   longer texts are cut, with a warning (default 1048576)\n"
    "Output and running:\n"
    "  --top N             related papers per paper (default 10; 0 = none)\n"
    "  -o, --output DIR    output folder, created if needed (default assigned)\n"
    "  --threads N         worker threads (default: all cores)\n"
    "  --quiet             no progress display and no closing lines\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 success, 1 data or runtime error (including a missing, damaged\n"
    "or foreign model), 2 usage error.\n";

enum { OPT_TOP = 256, OPT_THREADS, OPT_QUIET };

static const struct option long_options[] = {
    PC_CLI_INPUT_OPTIONS,
    {"top", required_argument, NULL, OPT_TOP},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* Applies one parsed option; returns 0, or -1 after printing a usage error. */
static int apply_option(int c, const char *arg, pc_assign_options *opt, int *quiet)
{
    int input = pc_cli_input_option(c, arg, &opt->read);
    if (input <= 0)
        return input;
    switch (c) {
    case OPT_TOP:
        return pc_cli_parse_top(arg, &opt->top);
    case OPT_THREADS:
        return pc_cli_parse_threads(arg, &opt->threads);
    case 'o': opt->output_dir = arg; return 0;
    case OPT_QUIET: *quiet = 1; return 0;
    default: return -1;
    }
}

int pc_cli_assign(int argc, char **argv)
{
    pc_assign_options opt;
    pc_assign_options_default(&opt);
    int quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        if (c == 'h') {
            fputs(assign_help, stdout);
            return EXIT_OK;
        }
        if (c == '?' || c == ':')
            return pc_cli_bad_option(c, argv, "assign");
        if (apply_option(c, optarg, &opt, &quiet) != 0)
            return EXIT_USAGE;
    }
    if (optind != argc - 2) {
        fputs("paperclust: assign takes a MODEL folder and one input FILE, '-' for stdin (see "
              "'paperclust assign --help')\n", stderr);
        return EXIT_USAGE;
    }
    opt.model = argv[optind];
    opt.input = argv[optind + 1];

    pc_display display;
    pc_monitor monitor;
    pc_error err = {PC_OK, ""};
    pc_display_init(&display, quiet, &monitor);
    pc_assign_result *result = NULL;
    pc_status status = pc_assign(&opt, &monitor, &result, &err);
    pc_display_end(&display);
    if (status != PC_OK)
        return pc_display_error(&display, status, err.message);
    if (!quiet && result)
        pc_display_assign_result(result);
    pc_assign_result_free(result);
    return EXIT_OK;
}
