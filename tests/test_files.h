/*
 * test_files.h — a temporary directory per test program and the few ways the
 * reader tests fill it: raw bytes, text, and gzip-compressed bytes; and the
 * expected messages, which start with the file's path.  Paths come back in
 * one static buffer, valid until the next call that makes one, so a test
 * that needs two paths at once copies the first.
 */
#ifndef PC_TEST_FILES_H
#define PC_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test.h"

static char test_dir[64];
static char test_path[512];

/* Makes /tmp/pc_test_<program>_XXXXXX; returns 0, or -1 after printing why. */
static inline int make_temp_dir(const char *program)
{
    snprintf(test_dir, sizeof test_dir, "/tmp/pc_test_%s_XXXXXX", program);
    if (!mkdtemp(test_dir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* Removes the directory and everything in it. */
static inline void remove_temp_dir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_dir);
}

/* The path of `name` inside the directory (the file need not exist). */
static inline const char *temp_path(const char *name)
{
    snprintf(test_path, sizeof test_path, "%s/%s", test_dir, name);
    return test_path;
}

/* PATH + suffix, for expected messages (one static buffer, like the paths). */
static inline const char *with_path(const char *path, const char *suffix)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", path, suffix);
    return buf;
}

/* 1 when s starts with prefix (messages that end with a library's own words). */
static inline int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Writes len bytes of data to the file `name`; returns its path. */
static inline const char *write_file(const char *name, const char *data, size_t len)
{
    const char *path = temp_path(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
    return path;
}

/* Writes the NUL-terminated text to the file `name`; returns its path. */
static inline const char *write_text(const char *name, const char *data)
{
    return write_file(name, data, strlen(data));
}

/* Writes len bytes of data gzip-compressed to the file `name`; returns its path. */
static inline const char *write_gzip(const char *name, const char *data, size_t len)
{
    const char *path = temp_path(name);
    gzFile gz = gzopen(path, "wb");
    CHECK(gz != NULL);
    if (gz) {
        CHECK(gzwrite(gz, data, (unsigned)len) == (int)len);
        gzclose(gz);
    }
    return path;
}

#endif
