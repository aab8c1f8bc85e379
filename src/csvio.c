/*
 * csvio.c — the seam to libcsv: a pull-style row reader and RFC 4180 writing.
 *
 * libcsv is push-based: csv_parse() consumes bytes and calls back once per
 * field and once per row.  To offer "give me the next row" without holding
 * more than one row in memory, the reader feeds libcsv one *segment* at a
 * time — the bytes up to and including the next CR or LF of a 64 KiB chunk
 * from source.c (zlib: plain files are read as they are and gzip content is
 * gunzipped, whatever the file is called).  A row can only end on a CR or LF,
 * so at most one row completes per segment, and the loop stops as soon as one
 * has.  Field callbacks copy each field into a row buffer (libcsv reuses its
 * entry buffer for the next field).
 *
 * Line numbers count LF bytes.  A row starts on the line of the first segment
 * fed while no row is open that does not begin with CR or LF (libcsv skips
 * those as blank lines); that is the line reported for the row and for an
 * unterminated quote found at end of input.
 *
 * Parser options: CSV_STRICT | CSV_STRICT_FINI, and a space function that
 * says "never a space".  Strict mode rejects a quote inside an unquoted field
 * and text after a closing quote, so an unbalanced quote is reported near
 * where it happens instead of silently swallowing the rest of the file;
 * STRICT_FINI (which needs STRICT) turns a quoted field still open at end of
 * input into an error.  Without a space function libcsv would trim spaces
 * around unquoted fields; RFC 4180 says they are part of the field.
 *
 * Memory: the source's 64 KiB chunk, the current row, and libcsv's entry
 * buffer, which grows in 64 KiB steps and is checked against max_field_bytes
 * after every segment, so a runaway field is stopped within one block of the
 * bound.
 */
#define _POSIX_C_SOURCE 200809L

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "csvio_internal.h"
#include "internal.h"
#include "source_internal.h"

#define PARSER_BLOCK (64u * 1024u) /* libcsv entry-buffer growth step */

struct pc_csv_reader {
    pc_source *source;
    const char *name;           /* the source's, for messages */
    struct csv_parser parser;
    int parser_ready;
    size_t max_field;           /* 0: unbounded */

    const unsigned char *chunk; /* the source's bytes; chunk[pos, len) not yet parsed */
    size_t chunk_len, chunk_pos;
    int at_start;               /* nothing read yet: look for a BOM */
    int finished;               /* end of input reached and csv_fini called */
    pc_status failed;           /* a previous call failed: the reader is unusable */
    int64_t line;               /* line of chunk[chunk_pos] */

    int row_open;               /* a row has begun and not yet ended */
    int row_ready;              /* the row callback has fired */
    int64_t row_line;           /* line where the current row starts */
    pc_status callback_status;  /* a failure inside a callback */

    char *bytes;                /* the row's fields, each NUL-terminated */
    size_t bytes_len, bytes_cap;
    size_t *offset;             /* per field: start in bytes */
    size_t *length;
    char **field;
    size_t n_fields, fields_cap;
};

/* RFC 4180: spaces are data, so nothing is a space to libcsv. */
static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* libcsv grows its entry buffer through this, so fault injection reaches it. */
static void *parser_realloc(void *ptr, size_t size)
{
    return pc_realloc_array(ptr, size, 1);
}

static int reserve_fields(pc_csv_reader *r)
{
    if (r->n_fields < r->fields_cap)
        return 0;
    size_t cap = r->fields_cap ? 2 * r->fields_cap : 16;
    size_t *offset = pc_realloc_array(r->offset, cap, sizeof *offset);
    if (!offset)
        return -1;
    r->offset = offset;
    size_t *length = pc_realloc_array(r->length, cap, sizeof *length);
    if (!length)
        return -1;
    r->length = length;
    char **field = pc_realloc_array(r->field, cap, sizeof *field);
    if (!field)
        return -1;
    r->field = field;
    r->fields_cap = cap;
    return 0;
}

/* libcsv field callback: copy the field, it is overwritten by the next one. */
static void on_field(void *data, size_t len, void *ctx)
{
    pc_csv_reader *r = ctx;
    if (r->callback_status != PC_OK)
        return;
    if (r->max_field && len > r->max_field) {
        r->callback_status = PC_ERR_FORMAT;
        return;
    }
    if (reserve_fields(r) != 0 ||
        pc_reserve_bytes(&r->bytes, &r->bytes_cap, r->bytes_len, len + 1) != 0) {
        r->callback_status = PC_ERR_NOMEM;
        return;
    }
    r->offset[r->n_fields] = r->bytes_len;
    r->length[r->n_fields] = len;
    if (len)
        memcpy(r->bytes + r->bytes_len, data, len);
    r->bytes[r->bytes_len + len] = '\0';
    r->bytes_len += len + 1;
    r->n_fields++;
}

/* libcsv row callback: the row is complete; point the fields into it. */
static void on_row(int terminator, void *ctx)
{
    pc_csv_reader *r = ctx;
    (void)terminator;
    r->row_ready = 1;
    r->row_open = 0;
    for (size_t i = 0; i < r->n_fields; i++)
        r->field[i] = r->bytes + r->offset[i];
}

static pc_status too_long(pc_csv_reader *r, pc_error *err)
{
    return pc_fail(err, PC_ERR_FORMAT,
                   "%s:%lld: field longer than %zu bytes (an unbalanced quote?)", r->name,
                   (long long)r->row_line, r->max_field);
}

static pc_status callback_failure(pc_csv_reader *r, pc_error *err)
{
    if (r->callback_status == PC_ERR_FORMAT)
        return too_long(r, err);
    return pc_fail(err, PC_ERR_NOMEM, "%s:%lld: out of memory while reading a row", r->name,
                   (long long)r->row_line);
}

static pc_status parse_failure(pc_csv_reader *r, pc_error *err)
{
    int code = csv_error(&r->parser);
    if (code == CSV_EPARSE)
        return pc_fail(err, PC_ERR_FORMAT,
                       "%s:%lld: malformed quoting (a quote inside an unquoted field, or text "
                       "after a closing quote)",
                       r->name, (long long)r->line);
    if (code == CSV_ENOMEM)
        return pc_fail(err, PC_ERR_NOMEM, "%s:%lld: out of memory while reading a field",
                       r->name, (long long)r->row_line);
    return too_long(r, err);
}

/* Reads the next chunk; chunk_len == 0 afterwards means end of input. */
static pc_status refill(pc_csv_reader *r, pc_error *err)
{
    pc_status status = pc_source_read(r->source, r->line, &r->chunk, &r->chunk_len, err);
    if (status != PC_OK)
        return status;
    r->chunk_pos = 0;
    if (r->at_start && r->chunk_len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
        r->chunk_pos = 3;
    r->at_start = 0;
    return PC_OK;
}

/* Feeds libcsv the bytes up to and including the next CR or LF. */
static pc_status feed_segment(pc_csv_reader *r, pc_error *err)
{
    const unsigned char *s = r->chunk + r->chunk_pos;
    size_t avail = r->chunk_len - r->chunk_pos, n = 0;
    while (n < avail && s[n] != '\n' && s[n] != '\r')
        n++;
    int ends_line = n < avail && s[n] == '\n';
    if (n < avail)
        n++;
    if (!r->row_open && s[0] != '\n' && s[0] != '\r') {
        r->row_open = 1;
        r->row_line = r->line;
    }
    size_t used = csv_parse(&r->parser, s, n, on_field, on_row, r);
    if (used < n)
        return parse_failure(r, err);
    if (r->callback_status != PC_OK)
        return callback_failure(r, err);
    if (r->max_field && csv_get_buffer_size(&r->parser) > r->max_field + PARSER_BLOCK)
        return too_long(r, err);
    r->chunk_pos += n;
    if (ends_line)
        r->line++;
    return PC_OK;
}

/* End of input: let libcsv submit a last row that has no line end. */
static pc_status finish(pc_csv_reader *r, pc_error *err)
{
    r->finished = 1;
    if (csv_fini(&r->parser, on_field, on_row, r) != 0)
        return pc_fail(err, PC_ERR_FORMAT, "%s:%lld: unterminated quoted field", r->name,
                       (long long)r->row_line);
    if (r->callback_status != PC_OK)
        return callback_failure(r, err);
    return PC_OK;
}

/* Wraps a source (owned from here on: closed on failure too) in a reader. */
static pc_status reader_new(pc_source *source, size_t max_field_bytes, pc_csv_reader **out,
                            pc_error *err)
{
    pc_status status;
    pc_csv_reader *r = pc_calloc(1, sizeof *r);
    if (!r)
        goto fail;
    r->source = source;
    r->name = pc_source_name(source);
    r->max_field = max_field_bytes;
    r->at_start = 1;
    r->line = 1;
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        goto fail;
    r->parser_ready = 1;
    csv_set_space_func(&r->parser, never_space);
    csv_set_realloc_func(&r->parser, parser_realloc);
    csv_set_free_func(&r->parser, free);
    csv_set_blk_size(&r->parser, PARSER_BLOCK);
    *out = r;
    return PC_OK;

fail:
    status = pc_fail(err, PC_ERR_NOMEM, "%s: out of memory while opening",
                     pc_source_name(source));
    if (r)
        pc_csv_reader_close(r); /* closes the source */
    else
        pc_source_close(source);
    return status;
}

pc_status pc_csv_reader_open(const char *path, size_t max_field_bytes, pc_csv_reader **out,
                             pc_error *err)
{
    pc_source *source;
    *out = NULL;
    pc_status status = pc_source_open(path, &source, err);
    return status == PC_OK ? reader_new(source, max_field_bytes, out, err) : status;
}

pc_status pc_csv_reader_open_source(pc_source *source, size_t max_field_bytes,
                                    pc_csv_reader **out, pc_error *err)
{
    *out = NULL;
    return reader_new(source, max_field_bytes, out, err);
}

/* The stream is borrowed: see pc_source_open_stream(). */
pc_status pc_csv_reader_open_stream(FILE *stream, const char *name, size_t max_field_bytes,
                                    pc_csv_reader **out, pc_error *err)
{
    pc_source *source;
    *out = NULL;
    pc_status status = pc_source_open_stream(stream, name, &source, err);
    return status == PC_OK ? reader_new(source, max_field_bytes, out, err) : status;
}

pc_status pc_csv_read_row(pc_csv_reader *reader, char ***fields, size_t **lengths,
                          size_t *n_fields, int64_t *line, pc_error *err)
{
    pc_csv_reader *r = reader;
    pc_status status = PC_OK;
    *n_fields = 0;
    if (r->failed != PC_OK)
        return pc_fail(err, r->failed, "%s: cannot read on after an error", r->name);
    r->n_fields = 0;
    r->bytes_len = 0;
    r->row_ready = 0;
    while (!r->row_ready) {
        if (r->chunk_pos == r->chunk_len) {
            if (r->finished)
                return PC_OK;
            status = refill(r, err);
            if (status == PC_OK && r->chunk_len == 0)
                status = finish(r, err);
        } else {
            status = feed_segment(r, err);
        }
        if (status != PC_OK) {
            r->failed = status;
            return status;
        }
    }
    *fields = r->field;
    *lengths = r->length;
    *n_fields = r->n_fields;
    *line = r->row_line;
    return PC_OK;
}

struct pc_source *pc_csv_reader_source(pc_csv_reader *reader)
{
    return reader->source;
}

void pc_csv_reader_close(pc_csv_reader *reader)
{
    if (!reader)
        return;
    if (reader->parser_ready)
        csv_free(&reader->parser);
    pc_source_close(reader->source);
    free(reader->bytes);
    free(reader->offset);
    free(reader->length);
    free(reader->field);
    free(reader);
}

static int needs_quotes(const char *field, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = field[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            return 1;
    }
    return 0;
}

int pc_csv_write_field(FILE *out, const char *field, size_t len, int first)
{
    if (!first && putc(',', out) == EOF)
        return -1;
    if (needs_quotes(field, len))
        return csv_fwrite(out, field, len) == 0 ? 0 : -1;
    if (len && fwrite(field, 1, len, out) != len)
        return -1;
    return 0;
}

/* A row of one empty field is written as "" so that it does not read back as
 * a blank line (which readers skip). */
int pc_csv_write_row(FILE *out, const char *const *fields, size_t n)
{
    if (n == 1 && (!fields[0] || !fields[0][0]))
        return fputs("\"\"\n", out) == EOF ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        const char *f = fields[i] ? fields[i] : "";
        if (pc_csv_write_field(out, f, strlen(f), i == 0) != 0)
            return -1;
    }
    return putc('\n', out) == EOF ? -1 : 0;
}
