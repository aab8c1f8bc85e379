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
 * Shards (pc_source_open_shards): the files are read one after the other as
 * one input; the first line of the first file is kept as it passes, and
 * each later file's first line, read before any of its bytes are handed
 * out, must be the same bytes (its header) and is skipped; a file whose
 * last byte is not a newline is followed by one.
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
    /* shards: the files after the first, and what reading them needs */
    const char *const *more;
    int n_more, next;      /* more[next] is the next file to open */
    int skip_header;       /* the later files' first lines are the first's: skipped */
    double done_before;    /* bytes (compressed) of the files already read */
    char *header;          /* the first file's first line as read so far, with its newline */
    size_t header_len, header_cap;
    int header_done;       /* 1 once the header's newline has passed */
    unsigned char last;    /* the last byte handed out ('\n' before any) */
    int64_t newlines;      /* newline bytes handed out */
    int64_t handed;        /* bytes handed out (as read: after gunzip) */
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

/* One chunk of the current file (as pc_source_read, without the shards). */
static pc_status read_file(pc_source *source, int64_t line, const unsigned char **bytes,
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

/* Shards: keeps the first file's first line as its bytes pass. */
static int keep_header(pc_source *source, const unsigned char *bytes, size_t len)
{
    size_t n = 0;
    while (n < len && bytes[n] != '\n')
        n++;
    source->header_done = n < len;
    n += n < len;
    if (pc_reserve_bytes(&source->header, &source->header_cap, source->header_len, n) != 0)
        return -1;
    memcpy(source->header + source->header_len, bytes, n);
    source->header_len += n;
    return 0;
}

/* Shards: opens the next file and reads past its first line, which must be
 * the first file's; *bytes and *len then hold the rest of that chunk. */
static pc_status open_next(pc_source *source, int64_t line, const unsigned char **bytes,
                           size_t *len, pc_error *err)
{
    const char *path = source->more[source->next++];
    z_off_t was = gzoffset(source->gz);
    source->done_before += was > 0 ? (double)was : 0.0;
    gzclose(source->gz);
    errno = 0;
    source->gz = gzopen(path, "rb");
    if (!source->gz)
        return pc_fail(err, PC_ERR_IO, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    gzbuffer(source->gz, CHUNK_BYTES);
    *len = 0;
    for (size_t at = 0; source->skip_header;) {
        pc_status status = read_file(source, line, bytes, len, err);
        if (status != PC_OK)
            return status;
        if (*len == 0 && at == 0)
            return PC_OK; /* an empty file: no header, no records */
        size_t n = 0;
        while (n < *len && at + n < source->header_len && (*bytes)[n] == source->header[at + n])
            n++;
        at += n;
        if (at == source->header_len) { /* the whole header, its newline included */
            *bytes += n;
            *len -= n;
            return *len > 0 ? PC_OK : read_file(source, line, bytes, len, err);
        }
        if (n < *len || *len == 0)
            return pc_source_other_header(path, source->name, err);
    }
    return PC_OK;
}

pc_status pc_source_read(pc_source *source, int64_t line, const unsigned char **bytes,
                         size_t *len, pc_error *err)
{
    pc_status status = read_file(source, line, bytes, len, err);
    while (status == PC_OK && *len == 0 && source->next < source->n_more) {
        if (source->last != '\n') { /* the file's last line ends here */
            source->chunk[0] = '\n';
            *bytes = source->chunk;
            *len = 1;
            break;
        }
        status = open_next(source, line, bytes, len, err);
    }
    if (status == PC_OK && *len > 0) {
        source->last = (*bytes)[*len - 1];
        source->handed += (int64_t)*len;
        for (const unsigned char *p = *bytes, *end = p + *len;
             (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
            source->newlines++;
        if (source->skip_header && !source->header_done && keep_header(source, *bytes, *len))
            return pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", source->name);
    }
    return status;
}

pc_status pc_source_open_shards(const char *path, const char *const *more, int n_more,
                                int skip_header, pc_source **out, pc_error *err)
{
    pc_status status = pc_source_open(path, out, err);
    if (status != PC_OK || n_more == 0)
        return status;
    pc_source *source = *out;
    source->more = more;
    source->n_more = n_more;
    source->skip_header = skip_header;
    source->last = '\n';
    for (int i = 0; i < n_more; i++) {
        struct stat st;
        if (stat(more[i], &st) == 0)
            source->size += regular_size(&st);
    }
    return PC_OK;
}

pc_status pc_source_other_header(const char *path, const char *first, pc_error *err)
{
    return pc_fail(err, PC_ERR_FORMAT, "%s: its first line (the header) is not that of %s, the "
                                       "first input", path, first);
}

pc_status pc_source_first_line(const char *path, char **line, size_t *len, pc_error *err)
{
    pc_source *source;
    size_t cap = 0;
    *line = NULL;
    *len = 0;
    pc_status status = pc_source_open(path, &source, err);
    int done = 0;
    while (status == PC_OK && !done) {
        const unsigned char *bytes;
        size_t n = 0;
        status = read_file(source, 1, &bytes, &n, err);
        const unsigned char *nl = status == PC_OK ? memchr(bytes, '\n', n) : NULL;
        done = n == 0 || nl;
        n = nl ? (size_t)(nl - bytes) + 1 : n;
        if (status == PC_OK && n && pc_reserve_bytes(line, &cap, *len, n) != 0)
            status = pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while reading", path);
        if (status == PC_OK && n) {
            memcpy(*line + *len, bytes, n);
            *len += n;
        }
    }
    pc_source_close(source);
    if (status != PC_OK) {
        free(*line);
        *line = NULL;
        *len = 0;
    }
    return status;
}

int64_t pc_source_lines(const pc_source *source, int64_t *bytes)
{
    *bytes = source->handed;
    return source->newlines + (source->handed > 0 && source->last != '\n');
}

double pc_source_done(const pc_source *source, double *total)
{
    *total = source->size;
    z_off_t done = gzoffset(source->gz);
    return source->done_before + (done > 0 ? (double)done : 0.0);
}

void pc_source_close(pc_source *source)
{
    if (!source)
        return;
    if (source->gz)
        gzclose(source->gz); /* set from the source's creation on, NULL if a shard failed */
    free(source->header);
    free(source->name);
    free(source->chunk);
    free(source);
}
