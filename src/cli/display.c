/*
 * display.c — what the user sees on stderr: one-line warnings and errors, and
 * for long stages a progress line with an estimate of the time left, redrawn
 * in place — only when stderr is a terminal and --quiet was not given.
 * SIGINT and SIGTERM raise the monitor's cancel flag; the library then stops
 * at its next check and removes any half-written report.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t cancel_flag;

static void on_signal(int signo)
{
    (void)signo;
    cancel_flag = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void show_warning(void *ctx, const char *message)
{
    pc_display_end(ctx);
    fprintf(stderr, "paperclust: warning: %s\n", message);
}

static void show_progress(void *ctx, const char *stage, double done, double total)
{
    pc_display *d = ctx;
    if (!d->show_progress)
        return;
    if (!d->stage || strcmp(d->stage, stage) != 0) {
        pc_display_end(d);
        d->stage = stage;
        d->stage_started = now();
    }
    double fraction = total > 0 ? done / total : 0.0;
    double elapsed = now() - d->stage_started;
    char left[32] = "";
    if (fraction > 0.02 && fraction < 1.0)
        snprintf(left, sizeof left, ", about %.0f s left", elapsed * (1.0 - fraction) / fraction);
    fprintf(stderr, "\r\033[K%s: %3.0f%%%s", stage, 100.0 * fraction, left);
    fflush(stderr);
    d->line_open = 1;
}

void pc_display_init(pc_display *display, int quiet, pc_monitor *monitor)
{
    memset(display, 0, sizeof *display);
    display->show_progress = !quiet && isatty(STDERR_FILENO);
    memset(monitor, 0, sizeof *monitor);
    monitor->warn = show_warning;
    monitor->progress = show_progress;
    monitor->ctx = display;
    monitor->cancel = &cancel_flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void pc_display_end(pc_display *display)
{
    if (display && display->line_open) {
        fputs("\r\033[K", stderr);
        display->line_open = 0;
    }
}

int pc_display_error(pc_display *display, pc_status status, const char *message)
{
    pc_display_end(display);
    fprintf(stderr, "paperclust: %s\n", message && message[0] ? message : pc_strerror(status));
    return status == PC_ERR_INVALID ? EXIT_USAGE : EXIT_DATA;
}
