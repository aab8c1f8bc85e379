/*
 * source.c — the chunked byte source under every input reader.
 *
 * zlib does the reading: gzopen/gzdopen followed by gzread returns a plain
 * file's bytes as they are and gunzips gzip content, recognised by its magic
 * bytes rather than by the file's name.  Standard input and borrowed streams
 * are read through a dup() of their descriptor, so that gzclose() never
 * closes a descriptor the caller still owns.  Reads go through one 64 KiB
 * buffer (and zlib's own buffers, sized to match with gzbuffer), so memory
 * does not grow with the input.
 *
 * Progress: a regular file's size is taken when it is opened, and zlib's
 * gzoffset() tells how many of its (compressed) bytes have been consumed, so
 * readers can show progress through plain and gzip files alike.
 *
 * Errors: gzread reports a truncated gzip stream only when it returns 0, so
 * end of input also asks gzerror() whether the stream ended cleanly.  zlib's
 * messages start with its own "path: " prefix; the reason after the last
 * ": " is what goes into ours, which names the file and line instead.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "source_internal.h"

#define CHUNK_BYTES (64u * 1024u)

struct pc_source {
    gzFile gz;
    char *name;            /* for messages */
    double size;           /* bytes of the file (compressed), 0 when unknown (a pipe) */
    unsigned char *chunk;  /* CHUNK_BYTES, handed out by pc_source_read */
};

/* Takes ownership of gz (closed on failure too) and wraps it in a source. */
static pc_status source_new(gzFile gz, const char *name, pc_source **out, pc_error *err)
{
    pc_source *source = pc_calloc(1, sizeof *source);
    if (!source)
        goto fail;
    source->gz = gz;
    source->name = pc_strndup(name, strlen(name));
    source->chunk = pc_malloc(CHUNK_BYTES);
    if (!source->name || !source->chunk)
        goto fail;
    gzbuffer(gz, CHUNK_BYTES);
    *out = source;
    return PC_OK;

fail:
    if (source)
        pc_source_close(source); /* closes gz */
    else
        gzclose(gz);
    return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while opening", name);
}

/* The size of a regular file, 0 for anything else (a pipe, a terminal). */
static double regular_size(const struct stat *st)
{
    return S_ISREG(st->st_mode) ? (double)st->st_size : 0.0;
}

/* Wraps a descriptor we own (a dup) in zlib; closes it on failure. */
static pc_status open_descriptor(int fd, const char *name, pc_source **out, pc_error *err)
{
    if (fd < 0)
        return pc_fail(err, PC_ERR_IO, "%s: cannot open: %s", name, strerror(errno));
    struct stat st;
    double size = fstat(fd, &st) == 0 ? regular_size(&st) : 0.0;
    /* a stream need not be at its start: count from where it stands */
    off_t at = size > 0.0 ? lseek(fd, 0, SEEK_CUR) : 0;
    if (at > 0)
        size -= (double)at;
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while opening", name);
    }
    pc_status status = source_new(gz, name, out, err);
    if (status == PC_OK)
        (*out)->size = size;
    return status;
}

pc_status pc_source_open(const char *path, pc_source **out, pc_error *err)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return open_descriptor(dup(STDIN_FILENO), "<stdin>", out, err);
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return pc_fail(err, PC_ERR_IO, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    pc_status status = source_new(gz, path, out, err);
    struct stat st;
    if (status == PC_OK && stat(path, &st) == 0)
        (*out)->size = regular_size(&st);
    return status;
}

pc_status pc_source_open_stream(FILE *stream, const char *name, pc_source **out,
                                pc_error *err)
{
    *out = NULL;
    return open_descriptor(dup(fileno(stream)), name ? name : "<stream>", out, err);
}

const char *pc_source_name(const pc_source *source)
{
    return source->name;
}

/* zlib's messages start with its own "path: "; keep only the reason. */
static const char *zlib_reason(const char *message, int code)
{
    if (code == Z_ERRNO)
        return strerror(errno);
    if (!message)
        return "unknown error";
    const char *reason = message;
    for (const char *p = strstr(message, ": "); p; p = strstr(p + 1, ": "))
        reason = p + 2;
    return reason;
}

pc_status pc_source_read(pc_source *source, int64_t line, const unsigned char **bytes,
                         size_t *len, pc_error *err)
{
    int n = gzread(source->gz, source->chunk, CHUNK_BYTES);
    int code = Z_OK;
    /* n == 0: a truncated gzip stream ends with an error, not just with no bytes */
    const char *message = n <= 0 ? gzerror(source->gz, &code) : NULL;
    if (code == Z_MEM_ERROR)
        return pc_fail(err, PC_ERR_NOMEM, "%s:%lld: out of memory while reading", source->name,
                       (long long)line);
    if (n < 0 || code != Z_OK)
        return pc_fail(err, PC_ERR_IO, "%s:%lld: read error: %s", source->name,
                       (long long)line, zlib_reason(message, code));
    *bytes = source->chunk;
    *len = (size_t)n;
    return PC_OK;
}

double pc_source_done(const pc_source *source, double *total)
{
    *total = source->size;
    z_off_t done = gzoffset(source->gz);
    return done > 0 ? (double)done : 0.0;
}

void pc_source_close(pc_source *source)
{
    if (!source)
        return;
    gzclose(source->gz); /* set from the source's creation on */
    free(source->name);
    free(source->chunk);
    free(source);
}
