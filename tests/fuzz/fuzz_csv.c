/*
 * fuzz_csv.c — libFuzzer target for the CSV path: the pull-style row reader
 * (csvio.c: libcsv over the zlib byte source of source.c) and
 * pc_corpus_read_stream() on CSV.
 *
 * The row reader runs twice per input: without a field bound, and with a
 * bound of 100 bytes (so the "field longer than" path is reached by short
 * inputs).  Checked, from csvio_internal.h: every row has n_fields > 0 and
 * NUL-terminated fields of the stated length, no longer than the bound; row
 * lines are >= 1 and never decrease; end of input is PC_OK with no fields
 * and stays so; an error carries a one-line UTF-8 message (fuzz_util.h) and
 * every later call fails too.
 * Then the corpus reader runs with the option sets of fuzz_corpus.h.
 *
 * Inputs beginning with the gzip magic bytes go through zlib's inflate path.
 */
#include "fuzz_util.h"

#include "csvio_internal.h"
#include "fuzz_corpus.h"

static void read_rows(const uint8_t *data, size_t size, size_t max_field)
{
    FILE *stream = fuzz_memory_stream(data, size);
    int free_fd = fuzz_lowest_free_fd();
    pc_csv_reader *reader = NULL;
    pc_error err = {PC_OK, ""};
    pc_status status = pc_csv_reader_open_stream(stream, "fuzz.csv", max_field, &reader, &err);
    FUZZ_CHECK(status == PC_OK && reader, "open failed: %s", err.message);

    int64_t last_line = 1;
    for (;;) {
        char **fields = NULL;
        size_t *lengths = NULL, n_fields = 99;
        int64_t line = 0;
        status = pc_csv_read_row(reader, &fields, &lengths, &n_fields, &line, &err);
        if (status != PC_OK) {
            FUZZ_CHECK(n_fields == 0, "an error with %zu fields", n_fields);
            FUZZ_CHECK(err.status == status && err.message[0], "error %d without a message",
                       (int)status);
            FUZZ_CHECK(fuzz_one_line_message(err.message),
                       "an error message that is not one line of UTF-8: \"%s\"", err.message);
            FUZZ_CHECK(status == PC_ERR_FORMAT || status == PC_ERR_IO,
                       "unexpected status %d: %s", (int)status, err.message);
            pc_error again = {PC_OK, ""};
            FUZZ_CHECK(pc_csv_read_row(reader, &fields, &lengths, &n_fields, &line, &again) ==
                           status,
                       "a failed reader read on");
            break;
        }
        if (n_fields == 0) { /* end of input: stays there */
            FUZZ_CHECK(pc_csv_read_row(reader, &fields, &lengths, &n_fields, &line, &err) ==
                               PC_OK &&
                           n_fields == 0,
                       "a row after the end of input");
            break;
        }
        FUZZ_CHECK(line >= last_line, "row at line %lld after line %lld", (long long)line,
                   (long long)last_line);
        last_line = line;
        for (size_t i = 0; i < n_fields; i++) {
            FUZZ_CHECK(fields[i][lengths[i]] == '\0', "field %zu not NUL-terminated", i);
            FUZZ_CHECK(!max_field || lengths[i] <= max_field,
                       "field %zu of %zu bytes > bound %zu", i, lengths[i], max_field);
        }
    }
    pc_csv_reader_close(reader);
    FUZZ_CHECK(fuzz_lowest_free_fd() == free_fd, "the reader leaked its descriptor");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_rows(data, size, 0);
    read_rows(data, size, 100);
    fuzz_read_corpus(data, size, PC_FORMAT_CSV);
    return 0;
}
