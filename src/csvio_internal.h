/*
 * csvio_internal.h — the one seam to libcsv: a pull-style CSV row reader over
 * a (possibly gzip-compressed) byte source, and RFC 4180 field writing.
 * Report writers and the corpus/links readers use this; nothing else includes csv.h.
 */
#ifndef PC_CSVIO_INTERNAL_H
#define PC_CSVIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "paperclust/status.h"
#include "source_internal.h"

typedef struct pc_csv_reader pc_csv_reader;

/*
 * Opens `path` ("-": standard input) for reading rows; gzip input is
 * recognised by its magic bytes.  `name` (may be NULL: path) is used in
 * messages.  A UTF-8 BOM at the start is skipped.  max_field_bytes bounds one
 * field (0: no bound); a longer field is an error naming its line.
 */
pc_status pc_csv_reader_open(const char *path, size_t max_field_bytes, pc_csv_reader **out,
                             pc_error *err);
/* As above over an open stream (borrowed). */
pc_status pc_csv_reader_open_stream(FILE *stream, const char *name, size_t max_field_bytes,
                                    pc_csv_reader **out, pc_error *err);
/* As above over an open source (source_internal.h; owned from here on, closed
 * on failure too), named as the source is. */
pc_status pc_csv_reader_open_source(pc_source *source, size_t max_field_bytes,
                                    pc_csv_reader **out, pc_error *err);

/*
 * Reads the next row.  On PC_OK with *n_fields > 0, fields[i] (NUL-terminated,
 * lengths in lengths[i]) are valid until the next call, and *line is the
 * 1-based line where the row starts.  At end of input returns PC_OK with
 * *n_fields == 0.  Blank lines are skipped.  PC_ERR_FORMAT (e.g. an
 * unterminated quoted field at end of file) names the file and line.
 */
pc_status pc_csv_read_row(pc_csv_reader *reader, char ***fields, size_t **lengths,
                          size_t *n_fields, int64_t *line, pc_error *err);

/* The byte source the reader parses (for progress: pc_source_done). */
struct pc_source *pc_csv_reader_source(pc_csv_reader *reader);

void pc_csv_reader_close(pc_csv_reader *reader);

/* Writes one field with RFC 4180 quoting (quoted only when it holds a comma,
 * quote, CR or LF), preceded by a comma unless first.  Returns 0 or -1 on a
 * write error (errno set). */
int pc_csv_write_field(FILE *out, const char *field, size_t len, int first);

/* Writes a whole row of n NUL-terminated fields and the line end "\n". */
int pc_csv_write_row(FILE *out, const char *const *fields, size_t n);

#endif
