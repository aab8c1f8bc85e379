/*
 * progress.c — the library's side of progress reporting.  Stages call
 * pc_progress_update as often as they like; it forwards to the monitor's
 * callback at most five times a second, so reporting costs nothing in hot
 * loops.  What is shown, and whether anything is, is the caller's business
 * (the CLI draws a line with an estimate of the time left on a terminal).
 */
#include "internal.h"
#include "progress_internal.h"

#define REPORT_INTERVAL 0.2 /* seconds */

void pc_progress_start(pc_progress *progress, const pc_monitor *mon, const char *stage,
                       double total)
{
    progress->mon = (mon && mon->progress) ? mon : NULL;
    progress->stage = stage;
    progress->total = total;
    progress->last_report = 0.0;
    if (progress->mon) {
        progress->last_report = pc_now();
        progress->mon->progress(progress->mon->ctx, stage, 0.0, total);
    }
}

void pc_progress_update(pc_progress *progress, double done)
{
    if (!progress->mon)
        return;
    double now = pc_now();
    if (now - progress->last_report < REPORT_INTERVAL)
        return;
    progress->last_report = now;
    progress->mon->progress(progress->mon->ctx, progress->stage, done, progress->total);
}

void pc_progress_finish(pc_progress *progress)
{
    if (progress->mon)
        progress->mon->progress(progress->mon->ctx, progress->stage, progress->total,
                                progress->total);
}

void pc_progress_parallel(pc_progress *progress, double *done, double amount, int tid,
                          volatile int *stop)
{
#pragma omp atomic
    *done += amount;
    if (tid != 0)
        return;
    double so_far;
#pragma omp atomic read
    so_far = *done;
    if (pc_cancelled(progress->mon))
        *stop = 1;
    pc_progress_update(progress, so_far);
}
