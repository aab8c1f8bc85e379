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
    int show_progress;     /* stderr is a terminal and not --quiet */
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

/* `paperclust run` (vectorize 0) or `paperclust vectorize` (1); returns the exit status. */
int pc_cli_run(int argc, char **argv, int vectorize);
/* `paperclust evaluate`; returns the exit status. */
int pc_cli_evaluate(int argc, char **argv);

#endif
