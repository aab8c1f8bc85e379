/*
 * display.c — what the user sees on stderr: one-line warnings and errors, and
 * for long stages a progress line with an estimate of the time left, redrawn
 * in place — when stderr is a terminal and --quiet was not given, or when
 * --progress was (quiet < 0).
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
    display->show_progress = quiet < 0 || (!quiet && isatty(STDERR_FILENO));
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

#define RESULT_CLUSTERS 20 /* cluster lines shown at most */

/* "1,234,567": digits grouped by thousands. */
static const char *grouped(long long n, char *out, size_t cap)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n), at = 0;
    size_t o = 0;
    if (n < 0 && o + 1 < cap)
        out[o++] = '-';
    for (; at < len && o + 2 < cap; at++) {
        if (at > 0 && (len - at) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[at];
    }
    out[o] = '\0';
    return out;
}

static void show_trends(const pc_run_result *r, const char *what, const int32_t *clusters,
                        int32_t n)
{
    if (n == 0)
        return;
    fprintf(stderr, "%s:", what);
    for (int32_t i = 0; i < n; i++)
        fprintf(stderr, "%s %d %s (%+.2f points a %s)", i ? ";" : "", (int)clusters[i],
                r->label[clusters[i]], 100.0 * r->trend[clusters[i]], r->period);
    fputc('\n', stderr);
}

/* "Read N papers from SOURCE (M skipped, ...)", the start of both closings. */
static void show_read(int32_t documents, const char *source, int64_t skipped)
{
    char a[32];
    fprintf(stderr, "Read %s papers from %s", grouped(documents, a, sizeof a), source);
    if (skipped > 0)
        fprintf(stderr, " (%s skipped, see the warning above)", grouped(skipped, a, sizeof a));
}

/* One line per cluster (at most RESULT_CLUSTERS): number, papers, label. */
static void show_clusters(int32_t k, const int64_t *papers, char *const *label,
                          const char *more_in)
{
    char a[32];
    for (int32_t c = 0; c < k && c < RESULT_CLUSTERS; c++)
        fprintf(stderr, "  %3d %9s  %s\n", (int)c, grouped(papers[c], a, sizeof a),
                label[c][0] ? label[c] : "(no terms)");
    if (k > RESULT_CLUSTERS)
        fprintf(stderr, "  ... and %d more in %s\n", (int)(k - RESULT_CLUSTERS), more_in);
}

/* The folder's length without trailing slashes, to print it with one. */
static int dir_length(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    return (int)len;
}

void pc_display_result(const pc_run_result *r)
{
    char a[32];
    show_read(r->documents, r->source, r->skipped);
    fprintf(stderr, "; kept %s terms", grouped(r->terms, a, sizeof a));
    if (r->empty_documents > 0)
        fprintf(stderr, " (%s papers have none)", grouped(r->empty_documents, a, sizeof a));
    fprintf(stderr, ".\n%d clusters, largest first:\n", (int)r->k);
    show_clusters(r->k, r->size, r->label, "clusters.csv");
    if (r->n_swept > 0)
        fprintf(stderr, "k = %d chosen among %d values from %d to %d by the silhouette "
                        "(every one in k_sweep.csv).\n",
                (int)r->k, (int)r->n_swept, (int)r->k_first, (int)r->k_last);
    show_trends(r, "Rising", r->rising, r->n_rising);
    show_trends(r, "Falling", r->falling, r->n_falling);
    fprintf(stderr, "Reports in %.*s/: assignments.csv, clusters.csv, cluster_terms.csv, "
                    "related.csv%s, summary.csv%s%s%s%s%s%.*s%s (%.1f s).\n",
            dir_length(r->output_dir), r->output_dir, r->related ? "" : " (empty: --top 0)",
            r->timeline ? ", topics_over_time.csv" : "", r->html ? ", report.html" : "",
            r->tree ? ", tree.csv" : "", r->n_swept > 0 ? ", k_sweep.csv" : "",
            r->model_dir ? "; model in " : "", r->model_dir ? dir_length(r->model_dir) : 0,
            r->model_dir ? r->model_dir : "", r->model_dir ? "/" PC_MODEL_FILE : "",
            r->seconds);
}

void pc_display_assign_result(const pc_assign_result *r)
{
    char a[32];
    show_read(r->documents, r->source, r->skipped);
    fprintf(stderr, "; %s of their terms are not in the model",
            grouped(r->unknown_tokens, a, sizeof a));
    if (r->empty_documents > 0)
        fprintf(stderr, " (%s papers have none it knows)",
                grouped(r->empty_documents, a, sizeof a));
    fprintf(stderr, ".\nPlaced in the %d clusters of %s (%s papers):\n", (int)r->k, r->model,
            grouped(r->model_documents, a, sizeof a));
    show_clusters(r->k, r->count, r->label, "assignments.csv");
    fprintf(stderr, "Reports in %.*s/: assignments.csv, related.csv%s, summary.csv (%.1f s).\n",
            dir_length(r->output_dir), r->output_dir, r->related ? "" : " (empty: --top 0)",
            r->seconds);
}
