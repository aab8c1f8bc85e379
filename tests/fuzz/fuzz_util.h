/*
 * fuzz_util.h — helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * A fuzz target may only abort() when the library breaks a promise its
 * header makes; every check here names the promise.  The helpers are static
 * so each target stays one translation unit.
 *
 * Memory streams: the readers take a FILE * but read from its *descriptor*
 * (corpus.h: "read from its descriptor"; source.c dup()s fileno(stream)).  A
 * glibc fmemopen() stream is a cookie stream whose fileno() is -1, so every
 * read through it fails with "cannot open: Bad file descriptor".  Instead the
 * input goes into a memfd (an anonymous in-memory file: no disk, no cleanup),
 * created once and rewound for each input; the library's dup() shares the
 * file offset, so rewinding the memfd rewinds what the library sees.
 */
#ifndef PC_FUZZ_UTIL_H
#define PC_FUZZ_UTIL_H

#define _GNU_SOURCE /* memfd_create */

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "paperclust/status.h"

/* Prints what broke and aborts, so libFuzzer saves the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                                     \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* Length of the well-formed UTF-8 sequence at s[0..n) (Unicode 14, Table
 * 3-7: no overlongs, no surrogates, nothing above U+10FFFF), or 0. */
static inline size_t fuzz_utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* 1 when s[0..n) is well-formed UTF-8; *code_points gets their count. */
static inline int fuzz_valid_utf8(const char *s, size_t n, size_t *code_points)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t count = 0;
    for (size_t i = 0; i < n; count++) {
        size_t len = fuzz_utf8_sequence(u + i, n - i);
        if (len == 0)
            return 0;
        i += len;
    }
    if (code_points)
        *code_points = count;
    return 1;
}

/*
 * 1 when `message` keeps status.h's promise for a pc_error message or a
 * warning: non-empty, shorter than PC_ERROR_MAX, and one line of valid UTF-8
 * — no C0 control (so no LF, CR or TAB), no DEL, no C1 control (U+0085 is a
 * line break to some readers) and no U+2028 or U+2029 (line and paragraph
 * separators).  Input bytes reach messages (column names, field values,
 * parser excerpts), so a reader that copies them raw fails this.
 */
static inline int fuzz_one_line_message(const char *message)
{
    size_t n = message ? strlen(message) : 0;
    const unsigned char *u = (const unsigned char *)message;
    if (n == 0 || n >= PC_ERROR_MAX)
        return 0;
    for (size_t i = 0; i < n;) {
        size_t len = fuzz_utf8_sequence(u + i, n - i);
        if (len == 0 || u[i] < 0x20 || u[i] == 0x7F)
            return 0;
        if (len == 2 && u[i] == 0xC2 && u[i + 1] <= 0x9F) /* U+0080..U+009F */
            return 0;
        if (len == 3 && u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
            return 0;
        i += len;
    }
    return 1;
}

/*
 * A FILE * whose descriptor holds exactly data[0..size), positioned at the
 * start.  The same stream is returned every time (the previous input is
 * replaced); it is never closed.
 */
static inline FILE *fuzz_memory_stream(const uint8_t *data, size_t size)
{
    static FILE *stream;
    if (!stream) {
        int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        stream = fdopen(fd, "r+");
        FUZZ_CHECK(stream != NULL, "fdopen failed");
    }
    int fd = fileno(stream);
    FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        FUZZ_CHECK(w > 0, "pwrite failed");
        done += (size_t)w;
    }
    FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek failed");
    return stream;
}

/* The lowest free descriptor: equal before and after a call that opened and
 * closed its own dup()s, so a descriptor leak shows up as a difference. */
static inline int fuzz_lowest_free_fd(void)
{
    int fd = fcntl(STDERR_FILENO, F_DUPFD, 0);
    FUZZ_CHECK(fd >= 0, "F_DUPFD failed");
    close(fd);
    return fd;
}

#endif
