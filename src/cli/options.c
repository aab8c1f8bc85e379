/*
 * options.c — what the subcommands share when they read their arguments:
 * numbers, the input format, and the one-line usage error for an unknown
 * option or a missing value.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int pc_cli_parse_long(const char *name, const char *text, long long lo, long long hi,
                      long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        fprintf(stderr, "paperclust: %s expects a whole number from %lld to %lld, not '%s'\n",
                name, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

int pc_cli_parse_double(const char *name, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v)) {
        fprintf(stderr, "paperclust: %s expects a number, not '%s'\n", name, text);
        return -1;
    }
    *out = v;
    return 0;
}

int pc_cli_parse_format(const char *text, pc_format *out)
{
    if (strcmp(text, "csv") == 0)
        *out = PC_FORMAT_CSV;
    else if (strcmp(text, "jsonl") == 0)
        *out = PC_FORMAT_JSONL;
    else if (strcmp(text, "text") == 0)
        *out = PC_FORMAT_TEXT;
    else {
        fprintf(stderr, "paperclust: --format must be csv, jsonl or text, not '%s'\n", text);
        return -1;
    }
    return 0;
}

int pc_cli_bad_option(int c, char **argv, const char *command)
{
    const char *what = c == ':' ? "missing value for" : "unknown option";
    if (optopt)
        fprintf(stderr, "paperclust: %s -%c (see 'paperclust %s --help')\n", what, optopt,
                command);
    else
        fprintf(stderr, "paperclust: %s %s (see 'paperclust %s --help')\n", what,
                argv[optind - 1], command);
    return EXIT_USAGE;
}

int pc_cli_input_option(int c, const char *arg, pc_read_options *read)
{
    long long v = 0;
    switch (c) {
    case PC_CLI_OPT_FORMAT: return pc_cli_parse_format(arg, &read->format);
    case PC_CLI_OPT_ID_COL: read->id_col = arg; return 0;
    case PC_CLI_OPT_TEXT_COLS: read->text_cols = arg; return 0;
    case PC_CLI_OPT_LABEL_COL:
        read->label_col = arg;
        read->label_optional = 0;
        return 0;
    case PC_CLI_OPT_MAX_DOC_BYTES:
        if (pc_cli_parse_long("--max-doc-bytes", arg, 16, LLONG_MAX, &v) != 0)
            return -1;
        read->max_doc_bytes = (size_t)v;
        return 0;
    default: return 1;
    }
}

int pc_cli_parse_top(const char *text, int32_t *out)
{
    long long v = 0;
    if (pc_cli_parse_long("--top", text, 0, 100000, &v) != 0)
        return -1;
    *out = (int32_t)v;
    return 0;
}

int pc_cli_parse_threads(const char *text, int *out)
{
    long long v = 0;
    if (pc_cli_parse_long("--threads", text, 1, 1024, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}
