/*
 * internal.h — helpers every module of the library shares: allocation with
 * overflow checks and fault injection, error reporting, thread counts.
 * Not installed; never included by the CLI.
 */
#ifndef PC_INTERNAL_H
#define PC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
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
/* Test hook: pc_alloc_fail_after for the calling thread's allocations only
 * (e.g. one rank of threads playing processes); n <= 0 turns it off. */
void pc_alloc_fail_after_here(long n);
/* n × size bytes aligned to `alignment` (a power of two, e.g. 64 for a cache
 * line), freed with free(); NULL when n × size overflows or allocation fails. */
void *pc_aligned_array(size_t alignment, size_t n, size_t size);
/* pc_aligned_array for arrays that may be large (64-byte aligned): from
 * 2 MiB up, aligned to 2 MiB and backed by huge pages where the system
 * offers them (Linux's madvise), which makes their first touch much
 * cheaper.  Freed with free(). */
void *pc_large_array(size_t n, size_t size);

/* mkdir -p for `dir`: 0, or -1 with errno set (ENOTDIR when dir is a file). */
int pc_make_dirs(const char *dir);

/* 1 when pc_file_fail_after() says the current file-system step must fail. */
int pc_injected_file_failure(void);

/* Grows the byte array *data of *cap bytes, len of them in use, so that it
 * holds len + more, doubling from 256: returns 0, or -1 when the size
 * overflows or the allocation fails (*data and *cap are then unchanged). */
int pc_reserve_bytes(char **data, size_t *cap, size_t len, size_t more);

/* Fills err (when non-NULL) with status and a printf-formatted message, made
 * one line of valid UTF-8 by pc_message_text() (cut with "..." when longer
 * than PC_ERROR_MAX - 1 bytes); returns status so callers can write
 * `return pc_fail(...)`. */
pc_status pc_fail(pc_error *err, pc_status status, const char *format, ...) PC_PRINTF(3, 4);

/* pc_fail(err, PC_ERR_NOMEM, "out of memory while <what>"). */
pc_status pc_fail_nomem(pc_error *err, const char *what);

/* Sends a printf-formatted warning to mon->warn, if any; made one line of
 * valid UTF-8 like pc_fail()'s messages. */
void pc_warn(const pc_monitor *mon, const char *format, ...) PC_PRINTF(2, 3);

/*
 * Text from the input (a column name, a field, a parser's excerpt) made fit
 * for a one-line message: copies text[0..len) into out (cap bytes, always
 * NUL-terminated) as valid UTF-8 without line breaks or other controls.
 * LF, CR and TAB are shown as \n, \r, \t; other C0 controls and DEL as
 * \xNN; C1 controls, U+2028, U+2029 and the bidirectional overrides as
 * \uNNNN; each maximal ill-formed UTF-8 subpart becomes U+FFFD.  Text that
 * does not fit is cut at a character boundary and ends with "..." (cap >= 4).
 * Backslashes are kept as they are, so the function leaves its own output
 * unchanged.  Returns out, for use as a printf argument.
 */
char *pc_message_text(char *out, size_t cap, const char *text, size_t len);

/* Bytes of one input name in a message (see pc_message_text), NUL included:
 * longer names are cut with "...". */
#define PC_MESSAGE_NAME_MAX 64

/*
 * Length (1..4) of the well-formed UTF-8 sequence at s[0..n), n >= 1, or 0
 * when there is none; *bad then holds the length of the maximal ill-formed
 * subpart (Unicode §3.9: each becomes one U+FFFD).  The second-byte ranges
 * exclude overlong forms, surrogates and code points above U+10FFFF (Unicode
 * Table 3-7).
 */
size_t pc_utf8_sequence(const unsigned char *s, size_t n, size_t *bad);

/* 1 when the caller asked to stop (mon->cancel raised). */
int pc_cancelled(const pc_monitor *mon);

/* The number of threads to use: `requested` when > 0, else all available. */
int pc_thread_count(int requested);

/* This thread's number in its OpenMP team, 0 .. team size − 1 (0 outside a
 * parallel region and without OpenMP): the index of its per-thread buffers. */
int pc_thread_id(void);

/* qsort's comparison of two int32_t, ascending. */
int pc_compare_int32(const void *a, const void *b);

/* Striped locks: item i is guarded by lock i % PC_STRIPES (OpenMP locks; no-ops
 * without OpenMP).  pc_stripes_new returns NULL when out of memory. */
#define PC_STRIPES 4096
typedef struct pc_stripes pc_stripes;
pc_stripes *pc_stripes_new(void);
void pc_stripes_free(pc_stripes *stripes);
void pc_stripes_lock(pc_stripes *stripes, int64_t item);
void pc_stripes_unlock(pc_stripes *stripes, int64_t item);

/* Starts the OpenMP worker threads for `requested` (as pc_thread_count) now,
 * while a failure can still be reported: PC_ERR_NOMEM "out of memory while
 * starting N threads" instead of libgomp's own exit later on. */
pc_status pc_threads_start(int requested, pc_error *err);

/* Wall-clock seconds from a monotonic clock. */
double pc_now(void);

/*
 * The peak resident memory of each stage of a run, without touching the
 * kernel's own record of the process's peak (VmHWM, which /usr/bin/time and
 * a parent's wait4 report): when a stage raised VmHWM, VmHWM is the stage's
 * peak, exactly; otherwise the stage stayed below an earlier stage's peak,
 * and its own is the highest resident memory a sampling thread saw (every
 * 10 ms, /proc/self/statm), or at its start or end — a lower bound that can
 * miss a spike shorter than the sampling period.  Linux; where /proc cannot
 * be read the figures are 0.  A meter that cannot start its thread still
 * gives the exact figures and the resident memory at the stage's ends.
 */
typedef struct pc_memory_meter {
    atomic_long stage_kib; /* the highest resident memory seen in this stage */
    atomic_int stop;
    long hwm_kib;          /* VmHWM when the stage began */
    pthread_t thread;
    int sampling;
} pc_memory_meter;

void pc_memory_meter_start(pc_memory_meter *m); /* the first stage begins */
void pc_memory_meter_stop(pc_memory_meter *m);  /* harmless when not started */
/* The peak (MiB) of the stage now ended; the next one begins. */
double pc_memory_meter_lap(pc_memory_meter *m);
/* The process's peak resident memory so far (MiB): VmHWM, else ru_maxrss. */
double pc_memory_peak_mib(void);

typedef struct pc_summary pc_summary;

/*
 * Ends a stage of a run: adds `key` (seconds_<stage>) with the seconds since
 * *clock and peak_rss_mib_<stage> with the stage's peak resident memory
 * (pc_memory_meter_lap), and begins the next stage.  PC_ERR_NOMEM when a row
 * cannot be added.
 */
pc_status pc_summary_stage(pc_summary *summary, const char *key, double *clock,
                           pc_memory_meter *meter);

#endif
