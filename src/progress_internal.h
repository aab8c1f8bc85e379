/*
 * progress_internal.h — throttled progress reports to the caller's monitor.
 * Call from one thread only (the master thread of a parallel region), except
 * pc_progress_parallel.
 */
#ifndef PC_PROGRESS_INTERNAL_H
#define PC_PROGRESS_INTERNAL_H

#include "paperclust/status.h"

typedef struct pc_progress {
    const pc_monitor *mon;
    const char *stage;
    double total;
    double last_report;
} pc_progress;

/* Starts a stage of `total` units and reports 0 done. */
void pc_progress_start(pc_progress *progress, const pc_monitor *mon, const char *stage,
                       double total);
/* Reports `done` units, at most five times a second. */
void pc_progress_update(pc_progress *progress, double done);
/* A step of work inside a parallel region, from any thread: adds `amount` to
 * the shared *done; thread 0 (tid) also sets *stop when the run is cancelled
 * and reports progress. */
void pc_progress_parallel(pc_progress *progress, double *done, double amount, int tid,
                          volatile int *stop);
/* Reports the stage complete. */
void pc_progress_finish(pc_progress *progress);

#endif
