/*
 * cli.h — shared pieces of the paperclust command: exit statuses, the
 * terminal display of warnings and progress, and the subcommands.
 */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <signal.h>

#include "paperclust/paperclust.h"

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

/* What the display callbacks need; one per process. */
typedef struct pc_display {
    int show_progress;     /* stderr is a terminal and not --quiet, or --progress */
    const char *stage;     /* the stage being shown */
    double stage_started;  /* when it started (monotonic seconds) */
    int line_open;         /* a progress line is on screen */
} pc_display;

/* Sets up a monitor that prints to stderr; SIGINT/SIGTERM raise its cancel flag. */
void pc_display_init(pc_display *display, int quiet, pc_monitor *monitor);
/* Clears any progress line (call before printing anything else). */
void pc_display_end(pc_display *display);
/* Prints "paperclust: MESSAGE" on stderr and returns the exit status for `status`. */
int pc_display_error(pc_display *display, pc_status status, const char *message);

/* The few lines that end a run: what was read, the clusters and their labels
 * (largest first, at most 20), the k a sweep chose, rising and falling
 * topics, where the reports are and how long it took. */
void pc_display_result(const pc_run_result *result);

/*
 * The input options of every command that reads papers (run, vectorize,
 * assign): --format, --id-col, --text-cols, --label-col, --max-doc-bytes.
 * Their codes, their getopt_long entries (put PC_CLI_INPUT_OPTIONS in a
 * command's table), and pc_cli_input_option(), which applies one.
 */
enum {
    PC_CLI_OPT_FORMAT = 1000, PC_CLI_OPT_ID_COL, PC_CLI_OPT_TEXT_COLS, PC_CLI_OPT_LABEL_COL,
    PC_CLI_OPT_MAX_DOC_BYTES
};
#define PC_CLI_INPUT_OPTIONS                                                             \
    {"format", required_argument, NULL, PC_CLI_OPT_FORMAT},                               \
    {"id-col", required_argument, NULL, PC_CLI_OPT_ID_COL},                               \
    {"text-cols", required_argument, NULL, PC_CLI_OPT_TEXT_COLS},                         \
    {"label-col", required_argument, NULL, PC_CLI_OPT_LABEL_COL},                         \
    {"max-doc-bytes", required_argument, NULL, PC_CLI_OPT_MAX_DOC_BYTES}
/* Applies option c when it is an input option: 0, or -1 after printing a
 * usage error; 1 when c is another option. */
int pc_cli_input_option(int c, const char *arg, pc_read_options *read);

/* Option values: 0, or -1 after printing a usage error naming the option (`name`). */
int pc_cli_parse_long(const char *name, const char *text, long long lo, long long hi,
                      long long *out);
int pc_cli_parse_double(const char *name, const char *text, double *out);
/* --top N (0 .. 100000) and --threads N (1 .. 1024), as every command takes them. */
int pc_cli_parse_top(const char *text, int32_t *out);
int pc_cli_parse_threads(const char *text, int *out);
int pc_cli_parse_format(const char *text, pc_format *out);
/* Prints the usage error for getopt_long's '?' (unknown option) or ':' (missing
 * value) and returns EXIT_USAGE. */
int pc_cli_bad_option(int c, char **argv, const char *command);

/* The lines that end an assignment: what was read, where the papers went,
 * where the reports are. */
void pc_display_assign_result(const pc_assign_result *result);

/* `paperclust run` (vectorize 0) or `paperclust vectorize` (1); returns the exit status.
 * comm: NULL for one process, else the processes of paperclust-mpi (run only). */
int pc_cli_run(int argc, char **argv, int vectorize, const pc_comm *comm);
/* `paperclust evaluate`; returns the exit status. */
int pc_cli_evaluate(int argc, char **argv);
/* `paperclust assign`; returns the exit status. */
int pc_cli_assign(int argc, char **argv);

#endif
