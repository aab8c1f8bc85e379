/*
 * internal.h — helpers every module of the library shares: allocation with
 * overflow checks and fault injection, error reporting, thread counts.
 * Not installed; never included by the CLI.
 */
#ifndef PC_INTERNAL_H
#define PC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "paperclust/status.h"

#if defined(__GNUC__)
#define PC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PC_PRINTF(f, a)
#endif

/* Allocation: every library allocation goes through these, so that
 * pc_alloc_fail_after() can make any of them fail.  pc_malloc_array and
 * pc_realloc_array return NULL when n × size overflows. */
void *pc_malloc(size_t size);
void *pc_calloc(size_t n, size_t size);
void *pc_malloc_array(size_t n, size_t size);
void *pc_realloc_array(void *ptr, size_t n, size_t size);
char *pc_strndup(const char *s, size_t len);

/* Fills err (when non-NULL) with status and a printf-formatted one-line
 * message; returns status so callers can write `return pc_fail(...)`. */
pc_status pc_fail(pc_error *err, pc_status status, const char *format, ...) PC_PRINTF(3, 4);

/* pc_fail(err, PC_ERR_NOMEM, "out of memory while <what>"). */
pc_status pc_fail_nomem(pc_error *err, const char *what);

/* Sends a printf-formatted warning to mon->warn, if any. */
void pc_warn(const pc_monitor *mon, const char *format, ...) PC_PRINTF(2, 3);

/* 1 when the caller asked to stop (mon->cancel raised). */
int pc_cancelled(const pc_monitor *mon);

/* The number of threads to use: `requested` when > 0, else all available. */
int pc_thread_count(int requested);

/* Wall-clock seconds from a monotonic clock. */
double pc_now(void);

#endif
