/*
 * main.c — the paperclust command: dispatches to a subcommand.
 * Exit status: 0 success, 1 data or runtime error, 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: paperclust run FILE [options]        cluster papers and find related ones\n"
          "       paperclust vectorize FILE [options]  export the vocabulary and TF-IDF rows\n"
          "       paperclust assign MODEL FILE [options] place new papers in a saved model's\n"
          "                                            clusters (run --save-model MODEL)\n"
          "       paperclust evaluate --labels CORPUS [--assignments A] [--related R] [--links L]\n"
          "                                            score any tool's clusters and related papers\n"
          "       paperclust --help | --version\n"
          "\n"
          "FILE is CSV (id,title,abstract[,label]), JSON Lines (.jsonl) or plain text\n"
          "(.txt), optionally gzip-compressed; '-' reads standard input.\n"
          "Run 'paperclust run --help' for the options.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("paperclust: no command given (see 'paperclust --help')\n", stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(command, "--version") == 0) {
        printf("paperclust %s\n", PC_VERSION);
        return EXIT_OK;
    }
    if (strcmp(command, "run") == 0)
        return pc_cli_run(argc - 1, argv + 1, 0, NULL);
    if (strcmp(command, "vectorize") == 0)
        return pc_cli_run(argc - 1, argv + 1, 1, NULL);
    if (strcmp(command, "assign") == 0)
        return pc_cli_assign(argc - 1, argv + 1);
    if (strcmp(command, "evaluate") == 0)
        return pc_cli_evaluate(argc - 1, argv + 1);
    fprintf(stderr, "paperclust: unknown command '%s' (see 'paperclust --help')\n", command);
    return EXIT_USAGE;
}
