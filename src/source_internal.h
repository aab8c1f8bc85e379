/*
 * source_internal.h — a byte source read in 64 KiB chunks through zlib, so
 * that every input reader takes plain and gzip-compressed files alike.  The
 * CSV reader (csvio.c) and the line reader for JSON Lines and plain text
 * (corpus.c) sit on top of it; it knows nothing of rows or lines except the
 * line number a caller passes in for its messages.
 */
#ifndef PC_SOURCE_INTERNAL_H
#define PC_SOURCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "paperclust/status.h"

typedef struct pc_source pc_source;

/*
 * Opens `path` ("-": standard input, called "<stdin>" in messages; any other
 * path is called by itself).  gzread passes plain bytes through as they are
 * and gunzips gzip content, whatever the file is called.  Errors: PC_ERR_IO
 * "NAME: cannot open: REASON", PC_ERR_NOMEM "NAME: out of memory while
 * opening".  The caller closes *out with pc_source_close().
 */
pc_status pc_source_open(const char *path, pc_source **out, pc_error *err);

/*
 * As pc_source_open() over an open stream (borrowed): its descriptor is
 * duplicated, so closing the source leaves the stream open; bytes the stream
 * has already buffered are not seen.  `name` (NULL: "<stream>") is copied and
 * used in messages.
 */
pc_status pc_source_open_stream(FILE *stream, const char *name, pc_source **out,
                                pc_error *err);

/*
 * Shards: as pc_source_open(path), then each of more[0 .. n_more) (borrowed,
 * kept until the source is closed) read after it as the continuation of
 * one input, as if the files were concatenated: a file whose last byte is
 * not a newline is followed by one, and with skip_header each later file's
 * first line must be the same bytes as the first file's (its header) and is
 * left out, else PC_ERR_FORMAT "FILE: its first line (the header) is not
 * that of FIRST, the first input"; an empty file adds nothing.  Messages
 * name the first file; progress counts every file's bytes.
 */
pc_status pc_source_open_shards(const char *path, const char *const *more, int n_more,
                                int skip_header, pc_source **out, pc_error *err);

/* PC_ERR_FORMAT "PATH: its first line (the header) is not that of FIRST, the
 * first input": a shard whose header is not the first file's. */
pc_status pc_source_other_header(const char *path, const char *first, pc_error *err);

/*
 * The first line of `path` (plain or gzip), its newline included when it has
 * one, into *line (a new buffer, freed with free(); NULL and *len 0 for an
 * empty file).  Reads only as far as that line.  Errors as pc_source_open
 * and pc_source_read (line 1).
 */
pc_status pc_source_first_line(const char *path, char **line, size_t *len, pc_error *err);

/*
 * The lines handed out so far, as the concatenation of shards counts them
 * (newlines, and a last line without one), and in *bytes the bytes handed
 * out (as read: after gunzip).
 */
int64_t pc_source_lines(const pc_source *source, int64_t *bytes);

/* The name used in messages; valid until pc_source_close(). */
const char *pc_source_name(const pc_source *source);

/*
 * Reads the next chunk: *bytes (the source's buffer, valid until the next
 * call) holds *len bytes; *len == 0 means end of input.  `line` is the line
 * the caller is reading, for the message of a read error, which is PC_ERR_IO
 * "NAME:LINE: read error: REASON" (a gzip stream cut short gives the reason
 * "unexpected end of file").  On error *bytes and *len are left alone.
 */
pc_status pc_source_read(pc_source *source, int64_t line, const unsigned char **bytes,
                         size_t *len, pc_error *err);

/*
 * Progress: the bytes of the file consumed so far (compressed bytes for a
 * gzip file, read ahead by up to a chunk), and in *total the file's size from
 * where reading began, 0 when unknown (a pipe).
 */
double pc_source_done(const pc_source *source, double *total);

/* Closes the file (or the duplicated descriptor) and frees the source; NULL-safe. */
void pc_source_close(pc_source *source);

#endif
