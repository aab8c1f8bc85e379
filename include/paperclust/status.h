/*
 * status.h — errors, warnings, progress and cancellation shared by every stage.
 *
 * Every library function that can fail returns a pc_status and, when given a
 * non-NULL pc_error, fills it with a one-line message that names the file,
 * line and field where the problem is known ("papers.csv:12: unterminated
 * quoted field").  Messages and warnings are valid UTF-8 without control
 * characters, whatever the input: bytes they quote from it (a column name, a
 * field) are shown escaped ("ti\ntle"), invalid UTF-8 as U+FFFD.  The
 * library never prints: warnings and progress reach the caller through the
 * callbacks of a pc_monitor, which every long stage takes.
 */
#ifndef PAPERCLUST_STATUS_H
#define PAPERCLUST_STATUS_H

#include <signal.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pc_status {
    PC_OK = 0,
    PC_ERR_NOMEM,       /* an allocation failed */
    PC_ERR_IO,          /* a file could not be opened, read, written or renamed */
    PC_ERR_FORMAT,      /* the input is malformed */
    PC_ERR_INVALID,     /* an argument or option is out of range */
    PC_ERR_EMPTY,       /* nothing to work on: no documents, no terms */
    PC_ERR_INTERRUPTED  /* the caller's cancel flag was raised */
} pc_status;

#define PC_ERROR_MAX 512

typedef struct pc_error {
    pc_status status;
    char message[PC_ERROR_MAX]; /* one line of UTF-8, no trailing newline */
} pc_error;

/* A short English description of a status ("out of memory"); never NULL. */
const char *pc_strerror(pc_status status);

/*
 * Callbacks from the library to its caller.  All members may be NULL.
 * warn:     a one-line warning (e.g. "papers.csv: 3 rows skipped: empty id").
 * progress: stage `stage` has done `done` of `total` units; called from one
 *           thread at a time, at most a few times a second.
 * cancel:   when non-NULL and *cancel becomes non-zero (a signal handler may
 *           set it), long stages stop and return PC_ERR_INTERRUPTED.
 */
typedef struct pc_monitor {
    void (*warn)(void *ctx, const char *message);
    void (*progress)(void *ctx, const char *stage, double done, double total);
    void *ctx;
    volatile sig_atomic_t *cancel;
} pc_monitor;

/*
 * Test hook (SQLite-style fault injection): make the n-th library allocation
 * from now on fail, and every one after it; n <= 0 turns injection off.
 */
void pc_alloc_fail_after(long n);

/*
 * Test hook, the same for the file-system steps of writing a report set
 * (opening a temporary file, keeping an old report, renaming into place):
 * the n-th step from now on fails with EIO, and every one after it; n <= 0
 * turns injection off.
 */
void pc_file_fail_after(long n);

#ifdef __cplusplus
}
#endif
#endif
