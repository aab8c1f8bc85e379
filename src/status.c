/*
 * status.c — error messages, warnings and the allocation seam.
 *
 * All allocations of the library pass through pc_malloc and friends.  Besides
 * checking n × size for overflow, they count down a fault-injection budget
 * (pc_alloc_fail_after) so that tests can make the n-th allocation fail and
 * watch every error path return PC_ERR_NOMEM instead of crashing.
 * pc_large_array asks Linux for transparent huge pages (madvise): first
 * touching a fresh 4 KiB page costs a page fault, several microseconds in a
 * virtual machine, so a 64 MiB array fresh from malloc costs a quarter of a
 * second before it holds anything; with 2 MiB pages, a hundredth of that.
 *
 * Messages: status.h promises that a pc_error message (and a warning) is one
 * line.  Input bytes reach messages — column names, field values, jansson's
 * "near '...'" excerpts, file names — so every message passes through
 * pc_message_text() on its way out of pc_fail() and pc_warn(): line breaks
 * and other control characters are shown as escapes, invalid UTF-8 becomes
 * U+FFFD (as in the corpus), and a cut never splits a character.  Readers
 * also pass each input-derived piece through it before formatting, with a
 * small bound, so one long header name cannot crowd out the rest.
 */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

static atomic_long alloc_budget; /* 0: injection off; else allocations left + 1 */
static atomic_long file_budget;  /* the same for file-system steps of report writing */

void pc_alloc_fail_after(long n)
{
    atomic_store(&alloc_budget, n > 0 ? n : 0);
}

void pc_file_fail_after(long n)
{
    atomic_store(&file_budget, n > 0 ? n : 0);
}

/* Counts one step down a budget: 1 when this step is the one to fail (and
 * every later one, since the budget stays at 1 once reached). */
static int spend(atomic_long *budget)
{
    long left = atomic_load(budget);
    while (left > 1) {
        if (atomic_compare_exchange_weak(budget, &left, left - 1))
            return 0;
    }
    return left == 1;
}

static _Thread_local long thread_budget; /* pc_alloc_fail_after_here's, this thread's */

void pc_alloc_fail_after_here(long n)
{
    thread_budget = n > 0 ? n : 0;
}

static int injected_failure(void)
{
    if (thread_budget > 1)
        thread_budget--;
    else if (thread_budget == 1)
        return 1;
    return spend(&alloc_budget);
}

int pc_injected_file_failure(void)
{
    return spend(&file_budget);
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

void *pc_aligned_array(size_t alignment, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size > 0 ? n * size : 1;
    if (bytes > SIZE_MAX - alignment)
        return NULL;
    bytes = (bytes + alignment - 1) / alignment * alignment; /* C11: a multiple of the alignment */
    if (injected_failure())
        return NULL;
    return aligned_alloc(alignment, bytes);
}

#define HUGE_PAGE ((size_t)2 << 20)

void *pc_large_array(size_t n, size_t size)
{
    if (size == 0 || n <= HUGE_PAGE / size)
        return pc_aligned_array(64, n, size);
    void *p = pc_aligned_array(HUGE_PAGE, n, size);
#if defined(MADV_HUGEPAGE)
    if (p) /* a hint: without huge pages the array still works */
        madvise(p, (n * size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
#endif
    return p;
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

int pc_reserve_bytes(char **data, size_t *cap, size_t len, size_t more)
{
    if (more > SIZE_MAX - len)
        return -1;
    size_t need = len + more;
    if (need <= *cap)
        return 0;
    size_t grown = *cap ? *cap : 256;
    while (grown < need)
        grown = grown > SIZE_MAX / 2 ? need : 2 * grown;
    char *bytes = pc_realloc_array(*data, grown, 1);
    if (!bytes)
        return -1;
    *data = bytes;
    *cap = grown;
    return 0;
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

/* ---- text for messages ---- */

size_t pc_utf8_sequence(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

/* The code point of the well-formed sequence s[0..len). */
static uint32_t code_point(const unsigned char *s, size_t len)
{
    static const unsigned char lead_bits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_bits[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3Fu);
    return cp;
}

/*
 * Writes into esc (8 bytes) how code point cp is shown in a message when it
 * may not appear as it is, and returns the length; 0 when it may.  Escaped:
 * C0 controls and DEL (\n, \r, \t, else \xNN), and as \uNNNN the C1
 * controls, U+2028/U+2029 (line and paragraph separators, which some readers
 * break lines at) and the bidirectional overrides, which reorder what follows.
 */
static size_t escape_code_point(uint32_t cp, char esc[8])
{
    int n = 0;
    if (cp == '\n' || cp == '\r' || cp == '\t')
        n = snprintf(esc, 8, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
    else if (cp < 0x20 || cp == 0x7F)
        n = snprintf(esc, 8, "\\x%02X", (unsigned)cp);
    else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
             (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        n = snprintf(esc, 8, "\\u%04X", (unsigned)cp);
    return n > 0 ? (size_t)n : 0;
}

char *pc_message_text(char *out, size_t cap, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t used = 0, mark = 0; /* mark: the last cut point with room for "..." */
    if (cap == 0)
        return out;
    for (size_t i = 0; i < len;) {
        char esc[8];
        const char *piece = esc;
        size_t bad = 0, step = pc_utf8_sequence(s + i, len - i, &bad), n;
        if (step == 0) {
            piece = "\xEF\xBF\xBD"; /* U+FFFD for the maximal ill-formed subpart */
            n = 3;
            step = bad;
        } else if ((n = escape_code_point(code_point(s + i, step), esc)) == 0) {
            piece = text + i;
            n = step;
        }
        if (used + n > cap - 1) { /* no room: cut at the mark, where "..." fits */
            if (cap > 3) {
                memcpy(out + mark, "...", 3);
                used = mark + 3;
            } else {
                used = 0;
            }
            break;
        }
        memcpy(out + used, piece, n);
        used += n;
        i += step;
        if (used + 3 <= cap - 1)
            mark = used;
    }
    out[used] = '\0';
    return out;
}

pc_status pc_fail(pc_error *err, pc_status status, const char *format, ...)
{
    if (err) {
        char raw[4 * PC_ERROR_MAX]; /* longer than any message: a cut shows as "..." */
        va_list ap;
        va_start(ap, format);
        vsnprintf(raw, sizeof raw, format, ap);
        va_end(ap);
        pc_message_text(err->message, sizeof err->message, raw, strlen(raw));
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
    char raw[4 * PC_ERROR_MAX], line[PC_ERROR_MAX];
    va_list ap;
    va_start(ap, format);
    vsnprintf(raw, sizeof raw, format, ap);
    va_end(ap);
    mon->warn(mon->ctx, pc_message_text(line, sizeof line, raw, strlen(raw)));
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

int pc_thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

struct pc_stripes {
#ifdef _OPENMP
    omp_lock_t lock[PC_STRIPES];
#else
    char unused;
#endif
};

pc_stripes *pc_stripes_new(void)
{
    pc_stripes *s = pc_malloc(sizeof *s);
#ifdef _OPENMP
    for (int i = 0; s && i < PC_STRIPES; i++)
        omp_init_lock(&s->lock[i]);
#endif
    return s;
}

void pc_stripes_free(pc_stripes *stripes)
{
#ifdef _OPENMP
    for (int i = 0; stripes && i < PC_STRIPES; i++)
        omp_destroy_lock(&stripes->lock[i]);
#endif
    free(stripes);
}

void pc_stripes_lock(pc_stripes *stripes, int64_t item)
{
#ifdef _OPENMP
    omp_set_lock(&stripes->lock[item % PC_STRIPES]);
#else
    (void)stripes;
    (void)item;
#endif
}

void pc_stripes_unlock(pc_stripes *stripes, int64_t item)
{
#ifdef _OPENMP
    omp_unset_lock(&stripes->lock[item % PC_STRIPES]);
#else
    (void)stripes;
    (void)item;
#endif
}

static void *idle(void *arg)
{
    return arg;
}

pc_status pc_threads_start(int requested, pc_error *err)
{
    int n = pc_thread_count(requested);
    if (n <= 1)
        return PC_OK;
    /* libgomp exits the process with its own message when it cannot create a
     * thread (out of address space under ulimit -v, say): try as many
     * threads with the same default attributes first, where a failure can
     * still be reported */
    pthread_t *probe = pc_malloc_array((size_t)n, sizeof *probe);
    if (!probe)
        return pc_fail_nomem(err, "starting threads");
    int started = 0;
    while (started < n - 1 && pthread_create(&probe[started], NULL, idle, NULL) == 0)
        started++;
    for (int t = 0; t < started; t++)
        pthread_join(probe[t], NULL);
    free(probe);
    if (started < n - 1)
        return pc_fail(err, PC_ERR_NOMEM, "out of memory while starting %d threads (--threads 1 "
                                          "needs none)", n);
#ifdef _OPENMP
    int team = 0;
#pragma omp parallel num_threads(n) reduction(+ : team)
    team += 1; /* libgomp keeps these threads for the stages' parallel regions */
    (void)team;
#endif
    return PC_OK;
}

double pc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A field of /proc/self/status or statm in KiB: VmHWM (the process's peak
 * resident memory) when `hwm`, else the resident memory now; -1 when unknown. */
static long memory_kib(int hwm)
{
    long kib = -1;
    if (hwm) {
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
            return -1;
        char line[256];
        while (kib < 0 && fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kib) != 1)
                kib = -1;
        fclose(f);
        return kib;
    }
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[128];
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    long pages = -1, resident = -1;
    if (got > 0) {
        buf[got] = '\0';
        if (sscanf(buf, "%ld %ld", &pages, &resident) != 2)
            resident = -1;
    }
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void raise_to(atomic_long *max, long value)
{
    long seen = atomic_load(max);
    while (value > seen && !atomic_compare_exchange_weak(max, &seen, value)) {
    }
}

static void *sample(void *arg)
{
    pc_memory_meter *m = arg;
    const struct timespec pause = {0, 10 * 1000 * 1000};
    while (!atomic_load(&m->stop)) {
        raise_to(&m->stage_kib, memory_kib(0));
        nanosleep(&pause, NULL);
    }
    return NULL;
}

void pc_memory_meter_start(pc_memory_meter *m)
{
    atomic_init(&m->stop, 0);
    atomic_init(&m->stage_kib, memory_kib(0));
    m->hwm_kib = memory_kib(1);
    m->sampling = pthread_create(&m->thread, NULL, sample, m) == 0;
}

void pc_memory_meter_stop(pc_memory_meter *m)
{
    if (!m->sampling)
        return;
    atomic_store(&m->stop, 1);
    pthread_join(m->thread, NULL);
    m->sampling = 0;
}

double pc_memory_meter_lap(pc_memory_meter *m)
{
    long hwm = memory_kib(1), now = memory_kib(0);
    raise_to(&m->stage_kib, now);
    long peak = hwm > m->hwm_kib ? hwm : atomic_load(&m->stage_kib);
    m->hwm_kib = hwm;
    atomic_store(&m->stage_kib, now);
    return peak < 0 ? 0.0 : (double)peak / 1024.0;
}

double pc_memory_peak_mib(void)
{
    long kib = memory_kib(1);
    if (kib < 0) {
        struct rusage usage;
        kib = getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : 0;
    }
    return (double)kib / 1024.0;
}

int pc_compare_int32(const void *a, const void *b)
{
    const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}
