/*
 * test_csvio.c — the CSV seam: RFC 4180 reading over plain and gzip input,
 * line numbers, error messages, bounds, and writer round trips.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvio_internal.h"
#include "test.h"
#include "test_files.h"

/* Up to 8 rows × 8 fields of a small file, copied out of the reader. */
typedef struct table {
    size_t n_rows;
    size_t n_fields[8];
    char field[8][8][128];
    int64_t line[8];
    pc_status status;
    pc_error err;
} table;

static table *read_table(const char *path, size_t max_field)
{
    static table t;
    memset(&t, 0, sizeof t);
    pc_csv_reader *r = NULL;
    t.status = pc_csv_reader_open(path, max_field, &r, &t.err);
    while (t.status == PC_OK) {
        char **fields;
        size_t *lengths, n;
        int64_t line;
        t.status = pc_csv_read_row(r, &fields, &lengths, &n, &line, &t.err);
        if (t.status != PC_OK || n == 0 || t.n_rows == 8)
            break;
        t.n_fields[t.n_rows] = n;
        t.line[t.n_rows] = line;
        for (size_t i = 0; i < n && i < 8; i++) {
            CHECK_INT(strlen(fields[i]), lengths[i]);
            snprintf(t.field[t.n_rows][i], 128, "%s", fields[i]);
        }
        t.n_rows++;
    }
    pc_csv_reader_close(r);
    return &t;
}

/* Reads `path` expecting `status` and the message PATH + suffix. */
static void read_fails(const char *path, size_t max_field, pc_status status, const char *suffix)
{
    table *t = read_table(path, max_field);
    CHECK_INT(t->status, status);
    CHECK_STR(t->err.message, with_path(path, suffix));
}

static void test_quoted_fields(void)
{
    const char *path = write_text("quoted.csv", "a,\"b,c\",\"say \"\"hi\"\"\",\"\"\n");
    table *t = read_table(path, 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 1);
    CHECK_INT(t->n_fields[0], 4);
    CHECK_STR(t->field[0][0], "a");
    CHECK_STR(t->field[0][1], "b,c");
    CHECK_STR(t->field[0][2], "say \"hi\"");
    CHECK_STR(t->field[0][3], "");
}

static void test_multiline_fields_and_lines(void)
{
    const char *path = write_text("multi.csv", "id,text\n1,\"line one\nline two\"\n\n2,x\n");
    table *t = read_table(path, 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 3);
    CHECK_STR(t->field[1][1], "line one\nline two");
    CHECK_INT(t->line[0], 1);
    CHECK_INT(t->line[1], 2);
    CHECK_INT(t->line[2], 5); /* after the blank line 4 */
}

static void test_crlf(void)
{
    const char *path = write_text("crlf.csv", "a,b\r\n1,\"x\r\ny\"\r\n2,3\r\n");
    table *t = read_table(path, 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 3);
    CHECK_STR(t->field[0][1], "b");
    CHECK_STR(t->field[1][1], "x\r\ny"); /* a quoted line end is data */
    CHECK_STR(t->field[2][1], "3");
    CHECK_INT(t->line[1], 2);
    CHECK_INT(t->line[2], 4);
}

static void test_bom_and_no_trailing_newline(void)
{
    const char *path = write_text("bom.csv", "\xEF\xBB\xBFid,title\n7,last");
    table *t = read_table(path, 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 2);
    CHECK_STR(t->field[0][0], "id");
    CHECK_STR(t->field[1][1], "last");
    CHECK_INT(t->line[1], 2);
}

static void test_spaces_are_data(void)
{
    table *t = read_table(write_text("spaces.csv", " a , b \n"), 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_STR(t->field[0][0], " a ");
    CHECK_STR(t->field[0][1], " b ");
}

static void test_empty_file(void)
{
    table *t = read_table(write_text("empty.csv", ""), 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 0);
    t = read_table(write_text("blank.csv", "\n\r\n\n"), 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 0);
}

static void test_gzip_by_content(void)
{
    const char *csv = "id,text\n1,\"gz, quoted\"\n";
    table *t = read_table(write_gzip("papers.csv.gz", csv, strlen(csv)), 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 2);
    CHECK_STR(t->field[1][1], "gz, quoted");
    t = read_table(write_gzip("no_suffix.csv", csv, strlen(csv)), 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_STR(t->field[1][1], "gz, quoted");
}

static void test_truncated_gzip(void)
{
    static char text[200000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + (i * 7919 % 26));
    for (size_t i = 50; i < sizeof text; i += 51)
        text[i] = '\n';
    const char *path = write_gzip("cut.csv.gz", text, sizeof text);
    FILE *f = fopen(path, "rb");
    static char gz[300000];
    size_t n = f ? fread(gz, 1, sizeof gz, f) : 0;
    if (f)
        fclose(f);
    pc_csv_reader *r = NULL;
    pc_error err;
    pc_status status = pc_csv_reader_open(write_file("cut2.csv.gz", gz, n / 2), 0, &r, &err);
    size_t rows = 0, n_fields = 1;
    while (status == PC_OK && n_fields > 0) {
        char **fields;
        size_t *lengths;
        int64_t line;
        status = pc_csv_read_row(r, &fields, &lengths, &n_fields, &line, &err);
        rows += n_fields > 0;
    }
    pc_csv_reader_close(r);
    CHECK_INT(status, PC_ERR_IO);
    CHECK(rows > 100);
    CHECK(strstr(err.message, "cut2.csv.gz:") != NULL);
    CHECK(strstr(err.message, ": read error: unexpected end of file") != NULL);
}

static void test_unterminated_quote(void)
{
    const char *path = write_text("open.csv", "a,b\n1,2\n3,\"never\nclosed\n");
    read_fails(path, 0, PC_ERR_FORMAT, ":3: unterminated quoted field");
}

static void test_malformed_quote(void)
{
    read_fails(write_text("bad.csv", "a,b\n1,x\"y\n"), 0, PC_ERR_FORMAT,
               ":2: malformed quoting (a quote inside an unquoted field, or text after a "
               "closing quote)");
}

static void test_field_bound(void)
{
    read_fails(write_text("long.csv", "a,b\n1,abcdefghijklmnopqrstuvwxyz\n"), 10, PC_ERR_FORMAT,
               ":2: field longer than 10 bytes (an unbalanced quote?)");

    /* a runaway quoted field is stopped long before the end of the input */
    static char big[400000];
    memcpy(big, "x\n\"", 3);
    memset(big + 3, 'q', sizeof big - 3);
    read_fails(write_file("runaway.csv", big, sizeof big), 100, PC_ERR_FORMAT,
               ":2: field longer than 100 bytes (an unbalanced quote?)");
}

/* Many rows: rows, CR LF pairs and quoted fields fall across 64 KiB chunks. */
static void test_chunk_boundaries(void)
{
    const char *path = temp_path("many.csv");
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < 20000; i++)
        fprintf(f, "%d,\"row %d,\r\nsecond\",end\r\n", i, i);
    fclose(f);
    pc_csv_reader *r = NULL;
    pc_error err;
    CHECK_INT(pc_csv_reader_open(path, 0, &r, &err), PC_OK);
    int rows = 0, bad = 0;
    for (;;) {
        char **fields, want[64];
        size_t *lengths, n;
        int64_t line;
        if (pc_csv_read_row(r, &fields, &lengths, &n, &line, &err) != PC_OK || n == 0)
            break;
        snprintf(want, sizeof want, "row %d,\r\nsecond", rows);
        bad += n != 3 || strcmp(fields[1], want) != 0 || strcmp(fields[2], "end") != 0 ||
               line != 2 * rows + 1;
        rows++;
    }
    pc_csv_reader_close(r);
    CHECK_INT(rows, 20000);
    CHECK_INT(bad, 0);
}

static void test_missing_file(void)
{
    pc_csv_reader *r = NULL;
    pc_error err;
    CHECK_INT(pc_csv_reader_open(temp_path("absent.csv"), 0, &r, &err), PC_ERR_IO);
    CHECK(r == NULL);
    CHECK(strstr(err.message, "absent.csv: cannot open") != NULL);
}

static void test_stream(void)
{
    const char *path = write_text("stream.csv", "a,b\n1,2\n");
    FILE *f = fopen(path, "rb");
    pc_csv_reader *r = NULL;
    pc_error err;
    char **fields;
    size_t *lengths, n = 0;
    int64_t line;
    int fd = fileno(f); /* taken while surely open: fileno of a closed stream is undefined */
    CHECK_INT(pc_csv_reader_open_stream(f, "named", 0, &r, &err), PC_OK);
    CHECK_INT(pc_csv_read_row(r, &fields, &lengths, &n, &line, &err), PC_OK);
    CHECK_INT(n, 2);
    pc_csv_reader_close(r);
    /* borrowed: the descriptor is still open, so the reader did not close the stream */
    int still_open = fcntl(fd, F_GETFD) != -1;
    CHECK(still_open);
    if (still_open)
        fclose(f);
}

static void test_writer_exact(void)
{
    const char *path = temp_path("exact.csv");
    FILE *f = fopen(path, "wb");
    const char *row[] = {"plain", "a,b", "say \"hi\"", "", "two\nlines"};
    CHECK_INT(pc_csv_write_row(f, row, 5), 0);
    fclose(f);
    char got[128] = {0};
    f = fopen(path, "rb");
    CHECK(fread(got, 1, sizeof got - 1, f) > 0);
    fclose(f);
    CHECK_STR(got, "plain,\"a,b\",\"say \"\"hi\"\"\",,\"two\nlines\"\n");
}

static void test_writer_round_trip(void)
{
    const char *rows[4][3] = {{"id", "text", "note"},
                              {"1", "comma, \"quote\"", "new\nline and\r\ncrlf"},
                              {"2", "", " spaces "},
                              {"3", "\"", ",,"}};
    const char *path = temp_path("round.csv");
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 4; i++)
        CHECK_INT(pc_csv_write_row(f, rows[i], 3), 0);
    const char *lonely[] = {""};
    CHECK_INT(pc_csv_write_row(f, lonely, 1), 0);
    CHECK_INT(pc_csv_write_field(f, "x,y", 3, 1), 0);
    CHECK_INT(pc_csv_write_field(f, "z", 1, 0), 0);
    fputc('\n', f);
    fclose(f);
    table *t = read_table(path, 0);
    CHECK_INT(t->status, PC_OK);
    CHECK_INT(t->n_rows, 6);
    for (int i = 0; i < 4; i++) {
        CHECK_INT(t->n_fields[i], 3);
        for (int j = 0; j < 3; j++)
            CHECK_STR(t->field[i][j], rows[i][j]);
    }
    CHECK_INT(t->n_fields[4], 1);
    CHECK_STR(t->field[4][0], "");
    CHECK_STR(t->field[5][0], "x,y");
    CHECK_STR(t->field[5][1], "z");
}

/* Every allocation failure is reported as PC_ERR_NOMEM, never a crash or leak. */
static void test_allocation_failures(void)
{
    const char *path = write_text("oom.csv", "id,text\n1,\"a\nb\"\n2,c\n");
    int nomem = 0, ok = 0;
    for (long n = 1; n < 40; n++) {
        pc_alloc_fail_after(n);
        table *t = read_table(path, 0);
        pc_alloc_fail_after(0);
        CHECK(t->status == PC_OK || t->status == PC_ERR_NOMEM);
        if (t->status == PC_OK)
            CHECK_INT(t->n_rows, 3);
        nomem += t->status == PC_ERR_NOMEM;
        ok += t->status == PC_OK;
    }
    CHECK(nomem > 0);
    CHECK(ok > 0);
}

int main(void)
{
    if (make_temp_dir("csvio") != 0)
        return 1;
    RUN_TEST(test_quoted_fields);
    RUN_TEST(test_multiline_fields_and_lines);
    RUN_TEST(test_crlf);
    RUN_TEST(test_bom_and_no_trailing_newline);
    RUN_TEST(test_spaces_are_data);
    RUN_TEST(test_empty_file);
    RUN_TEST(test_gzip_by_content);
    RUN_TEST(test_truncated_gzip);
    RUN_TEST(test_unterminated_quote);
    RUN_TEST(test_malformed_quote);
    RUN_TEST(test_field_bound);
    RUN_TEST(test_chunk_boundaries);
    RUN_TEST(test_missing_file);
    RUN_TEST(test_stream);
    RUN_TEST(test_writer_exact);
    RUN_TEST(test_writer_round_trip);
    RUN_TEST(test_allocation_failures);
    remove_temp_dir();
    return TEST_EXIT();
}
