/*
 * status.c — error messages, warnings and the allocation seam.
 *
 * All allocations of the library pass through pc_malloc and friends.  Besides
 * checking n × size for overflow, they count down a fault-injection budget
 * (pc_alloc_fail_after) so that tests can make the n-th allocation fail and
 * watch every error path return PC_ERR_NOMEM instead of crashing.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

static atomic_long alloc_budget; /* 0: injection off; else allocations left + 1 */

void pc_alloc_fail_after(long n)
{
    atomic_store(&alloc_budget, n > 0 ? n : 0);
}

static int injected_failure(void)
{
    long budget = atomic_load(&alloc_budget);
    while (budget > 1) {
        if (atomic_compare_exchange_weak(&alloc_budget, &budget, budget - 1))
            return 0;
    }
    return budget == 1;
}

void *pc_malloc(size_t size)
{
    if (injected_failure())
        return NULL;
    return malloc(size ? size : 1);
}

void *pc_calloc(size_t n, size_t size)
{
    if (injected_failure())
        return NULL;
    if (n == 0 || size == 0)
        n = size = 1;
    return calloc(n, size);
}

void *pc_malloc_array(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    return pc_malloc(n * size);
}

void *pc_realloc_array(void *ptr, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    if (injected_failure())
        return NULL;
    size_t bytes = n * size;
    return realloc(ptr, bytes ? bytes : 1);
}

char *pc_strndup(const char *s, size_t len)
{
    char *copy = pc_malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

const char *pc_strerror(pc_status status)
{
    switch (status) {
    case PC_OK: return "success";
    case PC_ERR_NOMEM: return "out of memory";
    case PC_ERR_IO: return "input/output error";
    case PC_ERR_FORMAT: return "malformed input";
    case PC_ERR_INVALID: return "invalid argument";
    case PC_ERR_EMPTY: return "nothing to work on";
    case PC_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}

pc_status pc_fail(pc_error *err, pc_status status, const char *format, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(err->message, sizeof err->message, format, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

pc_status pc_fail_nomem(pc_error *err, const char *what)
{
    return pc_fail(err, PC_ERR_NOMEM, "out of memory while %s", what);
}

void pc_warn(const pc_monitor *mon, const char *format, ...)
{
    if (!mon || !mon->warn)
        return;
    char line[PC_ERROR_MAX];
    va_list ap;
    va_start(ap, format);
    vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    mon->warn(mon->ctx, line);
}

int pc_cancelled(const pc_monitor *mon)
{
    return mon && mon->cancel && *mon->cancel;
}

int pc_thread_count(int requested)
{
    if (requested > 0)
        return requested;
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

double pc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
