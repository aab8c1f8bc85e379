/*
 * test_corpus.c — ingest: CSV, JSON Lines and plain text into a pc_corpus,
 * the column rules, the counted warnings, UTF-8 repair and the error messages;
 * shards read one file per process (pc_corpus_read_share's file rule).
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperclust/corpus.h"
#include "share_internal.h"
#include "test.h"
#include "test_files.h"

/* Warnings collected from the monitor, one per line. */
static char warnings[2048];
static int n_warnings;

static void collect(void *ctx, const char *message)
{
    (void)ctx;
    size_t used = strlen(warnings);
    snprintf(warnings + used, sizeof warnings - used, "%s\n", message);
    n_warnings++;
}

static const pc_monitor monitor = {collect, NULL, NULL, NULL};

static pc_error err;

/* Reads `path` with `opt` (NULL: defaults), resetting the collected warnings. */
static pc_status read_corpus(const char *path, const pc_read_options *opt, pc_corpus **out)
{
    warnings[0] = '\0';
    n_warnings = 0;
    memset(&err, 0, sizeof err);
    return pc_corpus_read(path, opt, &monitor, out, &err);
}

/* The default read options with label_col set (NULL: none). */
static pc_read_options options(const char *label_col)
{
    pc_read_options opt;
    pc_read_options_default(&opt);
    opt.label_col = label_col;
    return opt;
}

/* Reads `path` expecting PC_OK and n_docs documents; returns the corpus, or
 * NULL after a failed check that names the file and the error. */
static pc_corpus *read_ok(const char *path, const pc_read_options *opt, int32_t n_docs)
{
    pc_corpus *c = NULL;
    pc_status status = read_corpus(path, opt, &c);
    if (status != PC_OK || !c || c->n_docs != n_docs) {
        fprintf(stderr, "reading %s: status %d, %d documents (want %d): %s\n", path,
                (int)status, c ? (int)c->n_docs : -1, (int)n_docs, err.message);
        pc_corpus_free(c);
        pc_test_failures++;
        return NULL;
    }
    return c;
}

/* Reads `path` expecting `status`, no corpus, and the message PATH + suffix. */
static void read_fails(const char *path, const pc_read_options *opt, pc_status status,
                       const char *suffix)
{
    pc_corpus *c = NULL;
    CHECK_INT(read_corpus(path, opt, &c), status);
    CHECK(c == NULL);
    CHECK_STR(err.message, with_path(path, suffix));
    pc_corpus_free(c);
}

static void test_defaults(void)
{
    pc_read_options opt;
    memset(&opt, 0xff, sizeof opt);
    pc_read_options_default(&opt);
    CHECK_INT(opt.format, PC_FORMAT_AUTO);
    CHECK_STR(opt.id_col, "id");
    CHECK_STR(opt.text_cols, "title,abstract");
    CHECK(opt.label_col == NULL);
    CHECK_INT(opt.label_optional, 0);
    CHECK_INT(opt.max_doc_bytes, 1 << 20);
}

static void test_csv_basic(void)
{
    const char *path = write_text("basic.csv",
                                  "extra,abstract,id,title,label\n"
                                  "x,\"First, abstract\",p1,Title one,A\n"
                                  "y,\"multi\nline\",p2,,B\n");
    pc_read_options opt = options("label");
    pc_corpus *c = read_ok(path, &opt, 2);
    if (!c)
        return;
    CHECK_STR(c->id[0], "p1");
    CHECK_STR(c->text[0], "Title one\nFirst, abstract");
    CHECK_STR(c->text[1], "multi\nline"); /* the empty title is skipped */
    CHECK(c->label != NULL);
    if (c->label) {
        CHECK_STR(c->label[0], "A");
        CHECK_STR(c->label[1], "B");
    }
    CHECK_INT(c->line[0], 2);
    CHECK_INT(c->line[1], 3);
    CHECK_STR(c->source, path);
    CHECK_INT(n_warnings, 0);
    pc_corpus_free(c);
}

static void test_csv_row_number_ids(void)
{
    const char *path = write_text("noid.csv", "title,abstract\nA,a\nB,b,extra\nC,c\n");
    pc_corpus *c = read_ok(path, NULL, 2);
    if (!c)
        return;
    CHECK_STR(c->id[0], "1");
    CHECK_STR(c->id[1], "3"); /* the skipped row keeps its number */
    CHECK(c->label == NULL);
    pc_corpus_free(c);
}

static void test_csv_missing_columns(void)
{
    const char *path = write_text("cols.csv", "id,title,abstract\n1,t,a\n");
    pc_read_options opt = options(NULL);
    opt.id_col = "paper_id";
    read_fails(path, &opt, PC_ERR_FORMAT,
               ":1: no id column \"paper_id\" (the input has: id, title, abstract)");

    opt = options(NULL);
    opt.text_cols = "title, summary";
    read_fails(path, &opt, PC_ERR_FORMAT,
               ":1: no text column \"summary\" (the input has: id, title, abstract)");

    opt = options("label");
    read_fails(path, &opt, PC_ERR_FORMAT,
               ":1: no label column \"label\" (the input has: id, title, abstract)");

    opt.label_optional = 1;
    pc_corpus *c = read_ok(path, &opt, 1);
    if (c)
        CHECK(c->label == NULL);
    pc_corpus_free(c);

    opt = options(NULL);
    opt.text_cols = " , ";
    read_fails(path, &opt, PC_ERR_INVALID, ": no text columns given (text_cols \" , \")");
}

/* Header names are input: in a message they are shown escaped and cut, so
 * the message stays one line of valid UTF-8 (the fuzz finding
 * csv_error_message_holds_header_newline_and_bad_utf8). */
static void test_csv_missing_column_message_one_line(void)
{
    static const char data[] = "id,\"ti\ntle\",\xFF,\"a\tb\r\",\"\xE2\x80\xA8\x1B[31m\"\n1,2,3,4,5\n";
    const char *path = write_file("header_bytes.csv", data, sizeof data - 1);
    read_fails(path, NULL, PC_ERR_FORMAT,
               ":1: no text column \"title\" (the input has: id, ti\\ntle, \xEF\xBF\xBD, "
               "a\\tb\\r, \\u2028\\x1B[31m)");

    /* a long name is cut to 60 bytes and "..."; the list of names after the
     * last that leaves room for ", ..." in 255 bytes: "id, " (4) + the cut
     * name (63) + ", abstract" (10) + 15 × ", column_NN" (11) = 242 */
    char header[4096] = "id,";
    memset(header + 3, 'n', 100);
    strcpy(header + 103, ",abstract");
    for (int i = 0; i < 40; i++)
        snprintf(header + strlen(header), sizeof header - strlen(header), ",column_%02d", i);
    strcat(header, "\n1,2,3\n");
    char want[512];
    int w = snprintf(want, sizeof want,
                     ":1: no text column \"title\" (the input has: id, %.60s..., abstract",
                     header + 3);
    for (int i = 0; i < 15; i++)
        w += snprintf(want + w, sizeof want - (size_t)w, ", column_%02d", i);
    snprintf(want + w, sizeof want - (size_t)w, ", ...)");
    read_fails(write_text("long_header.csv", header), NULL, PC_ERR_FORMAT, want);

    /* the wanted name, from the options, is shown the same way */
    pc_read_options opt = options(NULL);
    opt.text_cols = "sum\nmary";
    path = write_text("cols2.csv", "id,title\n1,t\n");
    read_fails(path, &opt, PC_ERR_FORMAT,
               ":1: no text column \"sum\\nmary\" (the input has: id, title)");
}

static void test_csv_ragged_and_empty_ids(void)
{
    const char *path = write_text("ragged.csv",
                                  "id,title,abstract\n"
                                  "1,t,a\n"
                                  "2,t\n"
                                  ",t,a\n"
                                  "3,t,a,x\n"
                                  "\"\",t,a\n"
                                  "4,t,a\n");
    pc_corpus *c = read_ok(path, NULL, 2);
    if (!c)
        return;
    CHECK_STR(c->id[1], "4");
    CHECK_INT(c->line[1], 7);
    char want[2048];
    snprintf(want, sizeof want,
             "%s: 2 rows skipped: wrong number of fields (first at line 3)\n"
             "%s: 2 rows skipped: empty id (first at line 4)\n",
             path, path);
    CHECK_STR(warnings, want);
    pc_corpus_free(c);
}

static void test_csv_empty_inputs(void)
{
    read_fails(write_text("empty.csv", ""), NULL, PC_ERR_EMPTY, ": empty file: no header row");
    read_fails(write_text("header.csv", "id,title,abstract\n"), NULL, PC_ERR_EMPTY,
               ": no documents: the file has only a header row");
    read_fails(write_text("allbad.csv", "id,title,abstract\n1,2\n"), NULL, PC_ERR_EMPTY,
               ": no documents");
    CHECK_INT(n_warnings, 1); /* the reason is reported too */
}

static void test_csv_errors_name_line(void)
{
    read_fails(write_text("open.csv", "id,title,abstract\n1,t,a\n2,t,\"never\nclosed\n"), NULL,
               PC_ERR_FORMAT, ":3: unterminated quoted field");
    pc_corpus *c = NULL;
    CHECK_INT(read_corpus(temp_path("absent.csv"), NULL, &c), PC_ERR_IO);
    CHECK(strstr(err.message, "absent.csv: cannot open") != NULL);
}

static void test_invalid_utf8_and_nul(void)
{
    /* é in Latin-1; a truncated 3-byte sequence; a surrogate; a NUL byte */
    static const char data[] = "id,title,abstract\n"
                               "1,caf\xE9,x\n"
                               "2,\xE2\x82" "A,\xED\xA0\x80\n"
                               "3,a\0b,ok\n"
                               "4,fine \xC3\xA9,ok\n";
    const char *path = write_file("utf8.csv", data, sizeof data - 1);
    pc_corpus *c = read_ok(path, NULL, 4);
    if (!c)
        return;
    CHECK_STR(c->text[0], "caf\xEF\xBF\xBD\nx");
    CHECK_STR(c->text[1], "\xEF\xBF\xBD" "A\n\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(c->text[2], "a b\nok");
    CHECK_STR(c->text[3], "fine \xC3\xA9\nok");
    char want[2048];
    snprintf(want, sizeof want,
             "%s: 2 documents with invalid UTF-8 (replaced by U+FFFD) (first at line 2)\n"
             "%s: 1 document with NUL bytes (replaced by spaces) (first at line 4)\n",
             path, path);
    CHECK_STR(warnings, want);
    pc_corpus_free(c);
}

static void test_cut_long_texts(void)
{
    const char *path = write_text("long.csv", "id,title,abstract\n1,abcd\xC3\xA9" "f,\n2,ab,\n");
    pc_read_options opt = options(NULL);
    opt.max_doc_bytes = 5; /* byte 5 is inside the é: cut before it */
    pc_corpus *c = read_ok(path, &opt, 2);
    if (!c)
        return;
    CHECK_STR(c->text[0], "abcd");
    CHECK_STR(c->text[1], "ab");
    CHECK_STR(warnings, with_path(path, ": 1 text longer than 5 bytes cut (first at line 2)\n"));
    pc_corpus_free(c);
}

static void test_duplicate_ids_kept(void)
{
    const char *path = write_text("dup.csv", "id,title,abstract\na,1,\nb,2,\na,3,\na,4,\n");
    pc_corpus *c = read_ok(path, NULL, 4);
    if (!c)
        return;
    CHECK_STR(warnings, with_path(path, ": 2 duplicate ids kept (first at line 4)\n"));
    pc_corpus_free(c);
}

static void test_csv_gzip(void)
{
    const char *data = "\xEF\xBB\xBFid,title,abstract\r\nz1,T,\"A, b\"\r\n";
    pc_corpus *c = read_ok(write_gzip("papers.csv.gz", data, strlen(data)), NULL, 1);
    if (!c)
        return;
    CHECK_STR(c->id[0], "z1");
    CHECK_STR(c->text[0], "T\nA, b");
    pc_corpus_free(c);
}

static void test_jsonl(void)
{
    const char *path = write_text("papers.jsonl",
                                  "{\"id\": \"0704.0001\", \"title\": \"Gluons\", \"abstract\": "
                                  "\"We study\", \"categories\": \"hep-ph stat.ML\", \"n\": 1}\n"
                                  "\n"
                                  "{\"id\": 42, \"title\": [\"A\", \"list\", 3], \"abstract\": null, "
                                  "\"categories\": \"  cs.LG\"}\n"
                                  "{\"id\": 704.0001, \"title\": \"T\\u0000x\", \"abstract\": true}\r\n");
    pc_read_options opt = options("categories");
    pc_corpus *c = read_ok(path, &opt, 3);
    if (!c)
        return;
    CHECK_STR(c->id[0], "0704.0001");
    CHECK_STR(c->id[1], "42");
    CHECK_STR(c->id[2], "704.0001");
    CHECK_STR(c->text[0], "Gluons\nWe study");
    CHECK_STR(c->text[1], "A list 3");
    CHECK_STR(c->text[2], "T x\ntrue");
    CHECK(c->label != NULL);
    if (c->label) {
        CHECK_STR(c->label[0], "hep-ph");
        CHECK_STR(c->label[1], "cs.LG");
        CHECK_STR(c->label[2], "");
    }
    CHECK_INT(c->line[1], 3);
    CHECK_STR(warnings, with_path(path, ": 1 document with NUL bytes (replaced by spaces) "
                                        "(first at line 4)\n"));
    pc_corpus_free(c);
}

/* Numbers are taken as written, whatever their size: an integer beyond 64
 * bits, a real beyond a double, and the digits a double would lose. */
static void test_jsonl_numbers_as_text(void)
{
    const char *path = write_text("numbers.jsonl",
                                  "{\"id\": 123456789012345678901234567890, \"title\": [1.50, -0, "
                                  "2e400, 5E-324, 9007199254740993], \"abstract\": 1e+2}\n"
                                  "{\"id\":1501.00010,\"title\":{\"n\":99999999999999999999},"
                                  "\"abstract\":[[7],-12.5e-1]}\n"
                                  "{\"id\": 1501.0001, \"title\": \"x\", \"abstract\": \"\"}\n");
    pc_corpus *c = read_ok(path, NULL, 3);
    if (!c)
        return;
    CHECK_STR(c->id[0], "123456789012345678901234567890");
    CHECK_STR(c->text[0], "1.50 -0 2e400 5E-324 9007199254740993\n1e+2");
    CHECK_STR(c->id[1], "1501.00010"); /* not 1501.0001, the next id */
    CHECK_STR(c->text[1], "-12.5e-1");  /* objects and nested arrays hold no text */
    CHECK_STR(c->id[2], "1501.0001");
    CHECK_INT(n_warnings, 0);            /* so no duplicate id either */
    pc_corpus_free(c);
}

static void test_jsonl_errors(void)
{
    pc_corpus *c = NULL;
    const char *path = write_text("bad.jsonl", "{\"title\": \"a\", \"abstract\": \"b\"}\n"
                                               "{\"title\": \"c\", \"abstract\": \"d\"}\n"
                                               "{\"title\": oops}\n");
    CHECK_INT(read_corpus(path, NULL, &c), PC_ERR_FORMAT);
    CHECK(starts_with(err.message, with_path(path, ":3: invalid JSON: ")));

    read_fails(write_text("array.json", "[{\"title\": \"a\", \"abstract\": \"b\"}]\n"), NULL,
               PC_ERR_FORMAT, ":1: not a JSON object (JSON Lines has one object per line)");

    pc_read_options opt = options("categories");
    read_fails(write_text("nolabel.ndjson", "{\"title\": \"a\", \"abstract\": \"b\"}\n"), &opt,
               PC_ERR_FORMAT, ":1: no label column \"categories\" (the input has: title, "
                              "abstract)");

    read_fails(write_text("blank.jsonl", "\n  \n"), NULL, PC_ERR_EMPTY,
               ": no documents: the input is empty");
}

/*
 * Numbers are quoted before jansson parses a line, yet an error still names
 * the column of the line as written (jansson's column: the characters up to
 * the end of the offending token, counted by hand here), numbers only become
 * strings where a value stands (a number as a key stays an error), and
 * jansson's excerpt of the input is shown escaped (here an ESC, which would
 * drive a terminal, and a line separator).
 */
static void test_jsonl_error_columns_and_excerpts(void)
{
    read_fails(write_text("col.jsonl", "{\"id\": 1, \"title\": oops}\n"), NULL, PC_ERR_FORMAT,
               ":1: invalid JSON: invalid token near 'oops' (column 23)");
    read_fails(write_text("col2.jsonl", "{\"id\": 123456789012345678901234567890, \"t\": [1, "
                                        "2.5}\n"),
               NULL, PC_ERR_FORMAT, ":1: invalid JSON: ']' expected near '}' (column 52)");
    read_fails(write_text("col3.jsonl", "{\"t\": \"caf\xC3\xA9\", \"x\": 01}\n"), NULL,
               PC_ERR_FORMAT, ":1: invalid JSON: invalid token near '0' (column 20)");
    read_fails(write_text("key.jsonl", "{\"title\": \"a\", 5: 3}\n"), NULL, PC_ERR_FORMAT,
               ":1: invalid JSON: string or '}' expected near '5' (column 16)");
    read_fails(write_text("top.jsonl", "42\n"), NULL, PC_ERR_FORMAT,
               ":1: invalid JSON: '[' or '{' expected near '42' (column 2)");
    read_fails(write_text("esc.jsonl", "{\"a\": \x1B[31m}\n"), NULL, PC_ERR_FORMAT,
               ":1: invalid JSON: invalid token near '\\x1B' (column 7)");
    read_fails(write_text("sep.jsonl", "{\"a\": \xE2\x80\xA8}\n"), NULL, PC_ERR_FORMAT,
               ":1: invalid JSON: invalid token near '\\u2028' (column 7)");
}

static void test_jsonl_row_numbers_and_missing_ids(void)
{
    const char *path = write_text("ids.jsonl", "{\"title\": \"a\", \"abstract\": \"b\"}\n"
                                               "{\"id\": \"x\", \"title\": \"c\"}\n");
    pc_corpus *c = read_ok(path, NULL, 2);
    if (c) {
        CHECK_STR(c->id[0], "1"); /* the first object has no id: numbers for all */
        CHECK_STR(c->id[1], "2");
        CHECK_STR(c->text[1], "c");
    }
    pc_corpus_free(c);

    path = write_text("gap.jsonl", "{\"id\": \"a\", \"title\": \"t\", \"abstract\": \"b\"}\n"
                                   "{\"title\": \"c\", \"abstract\": \"d\"}\n");
    c = read_ok(path, NULL, 1);
    CHECK_STR(warnings, with_path(path, ": 1 line skipped: empty id (first at line 2)\n"));
    pc_corpus_free(c);
}

static void test_jsonl_gzip_invalid_utf8(void)
{
    const char *data = "{\"id\": \"1\", \"title\": \"bad \xFF byte\", \"abstract\": \"\"}\n";
    pc_corpus *c = read_ok(write_gzip("arxiv.json.gz", data, strlen(data)), NULL, 1);
    if (c)
        CHECK_STR(c->text[0], "bad \xEF\xBF\xBD byte");
    CHECK_INT(n_warnings, 1);
    pc_corpus_free(c);
}

static void test_plain_text(void)
{
    const char *path = write_text("papers.txt",
                                  "\n"
                                  "First title\r\n"
                                  "first abstract line\r\n"
                                  "second line\r\n"
                                  "   \r\n"
                                  "\n"
                                  "Second title\n"
                                  "\n"
                                  "Third title\n"
                                  "third abstract");
    pc_corpus *c = read_ok(path, NULL, 3);
    if (!c)
        return;
    CHECK_STR(c->id[0], "1");
    CHECK_STR(c->id[2], "3");
    CHECK_STR(c->text[0], "First title\nfirst abstract line\nsecond line");
    CHECK_STR(c->text[1], "Second title");
    CHECK_STR(c->text[2], "Third title\nthird abstract");
    CHECK_INT(c->line[0], 2);
    CHECK_INT(c->line[1], 7);
    CHECK_INT(c->line[2], 9);
    pc_corpus_free(c);

    pc_read_options opt = options(NULL);
    opt.text_cols = "abstract";
    c = read_ok(path, &opt, 3);
    if (c)
        CHECK_STR(c->text[0], "first abstract line\nsecond line");
    pc_corpus_free(c);

    opt = options("label");
    read_fails(path, &opt, PC_ERR_FORMAT,
               ": no label column \"label\" (the input has: title, abstract)");
}

static void test_format_option_overrides_name(void)
{
    const char *path = write_text("looks_like.csv", "{\"title\": \"a\", \"abstract\": \"b\"}\n");
    pc_read_options opt = options(NULL);
    opt.format = PC_FORMAT_JSONL;
    pc_corpus *c = read_ok(path, &opt, 1);
    if (c)
        CHECK_STR(c->text[0], "a\nb");
    pc_corpus_free(c);
}

static void test_read_stream(void)
{
    const char *path = write_text("stream.csv", "id,title,abstract\ns1,t,a\n");
    FILE *f = fopen(path, "rb");
    pc_corpus *c = NULL;
    CHECK_INT(pc_corpus_read_stream(f, "named.csv", NULL, NULL, &c, &err), PC_OK);
    if (c) {
        CHECK_STR(c->source, "named.csv");
        CHECK_STR(c->id[0], "s1");
    }
    pc_corpus_free(c);
    fclose(f);
}

static void test_cancel(void)
{
    volatile sig_atomic_t stop = 1;
    pc_monitor mon = {NULL, NULL, NULL, &stop};
    const char *path = write_text("cancel.csv", "id,title,abstract\n1,t,a\n");
    pc_corpus *c = NULL;
    CHECK_INT(pc_corpus_read(path, NULL, &mon, &c, &err), PC_ERR_INTERRUPTED);
    CHECK(c == NULL);
}

/* Every allocation failure gives PC_ERR_NOMEM and no leak (checked by ASan). */
static void test_allocation_failures(void)
{
    const char *csv = write_text("oom.csv", "id,title,abstract,label\n1,t,\"a\nb\",x\n1,u,c,y\n");
    char csv_path[512];
    snprintf(csv_path, sizeof csv_path, "%s", csv);
    const char *jsonl = write_text("oom.jsonl", "{\"id\": 1, \"title\": \"t\", \"label\": \"x\","
                                                " \"abstract\": [\"a\", \"b\"]}\n");
    const char *paths[] = {csv_path, jsonl};
    pc_read_options opt = options("label");
    for (int p = 0; p < 2; p++) {
        int nomem = 0, ok = 0;
        for (long n = 1; n < 60; n++) {
            pc_corpus *c = NULL;
            pc_alloc_fail_after(n);
            pc_status status = pc_corpus_read(paths[p], &opt, NULL, &c, &err);
            pc_alloc_fail_after(0);
            CHECK(status == PC_OK || status == PC_ERR_NOMEM);
            CHECK((status == PC_OK) == (c != NULL));
            nomem += status == PC_ERR_NOMEM;
            ok += status == PC_OK;
            pc_corpus_free(c);
        }
        CHECK(nomem > 0);
        CHECK(ok > 0);
    }
}

/* An optional label column whose values are all empty gives no labels. */
static void test_empty_optional_labels(void)
{
    const char *path = write_text("labels.csv", "id,title,abstract,label\n1,a,b,\n2,c,d,\n");
    pc_read_options opt = options("label");
    opt.label_optional = 1;
    pc_corpus *c = read_ok(path, &opt, 2);
    CHECK(c && c->label == NULL);
    pc_corpus_free(c);
    path = write_text("labels2.csv", "id,title,abstract,label\n1,a,b,\n2,c,d,x\n");
    c = read_ok(path, &opt, 2);
    CHECK(c && c->label != NULL && strcmp(c->label[1], "x") == 0 && c->label[0][0] == '\0');
    pc_corpus_free(c);
}

/*
 * Canonical order, worked out by hand: by id (bytes as unsigned: "z" before
 * "\xC3\xA9"), then the text's 64-bit FNV-1a hash, label, date, title
 * length, then input order.  The hashes, from an independent computation
 * (python3: h = 0xcbf29ce484222325; for b in text: h = ((h ^ b) *
 * 0x100000001b3) % 2**64): "T\nx" 0x6bb1e219e0fff4a9, "T\ny"
 * 0x6bb1e119e0fff2f6, so "T\ny" comes first although it is the greater text.
 * Lines 6 and 9 are the same record; line 7 has the same text as line 6 with
 * an empty title (title length 0 against 1).
 */
static void test_sort(void)
{
    const char *path = write_text("sort.csv", "id,title,abstract,label,date\n"
                                              "b,T,x,L1,2025-01\n"    /* line 2, input 0 */
                                              "a,T,y,L1,2025\n"       /* 3, input 1 */
                                              "a,T,x,L2,2025\n"       /* 4, input 2 */
                                              "a,T,x,L1,2025-02\n"    /* 5, input 3 */
                                              "a,T,x,L1,2025-01\n"    /* 6, input 4 */
                                              "a,,\"T\nx\",L1,2025-01\n" /* 7-8, input 5 */
                                              "a,T,x,L1,2025-01\n"    /* 9, input 6 */
                                              "\xC3\xA9,T,x,L1,2025\n" /* 10, input 7 */
                                              "z,T,x,L1,2025\n");     /* 11, input 8 */
    pc_read_options opt = options("label");
    opt.time_col = "date";
    pc_corpus *c = read_ok(path, &opt, 9);
    if (!c)
        return;
    CHECK(c->input_index == NULL);
    for (long n = 1; n <= 3; n++) { /* out of memory: the corpus is left as it was */
        pc_alloc_fail_after(n);
        CHECK_INT(pc_corpus_sort(c, &err), PC_ERR_NOMEM);
        pc_alloc_fail_after(0);
        CHECK(c->input_index == NULL);
        CHECK_INT(c->line[0], 2);
    }
    CHECK_INT(pc_corpus_sort(c, &err), PC_OK);
    static const int64_t lines[9] = {3, 7, 6, 9, 5, 4, 2, 11, 10};
    static const int32_t input[9] = {1, 5, 4, 6, 3, 2, 0, 8, 7};
    static const int32_t title_len[9] = {1, 0, 1, 1, 1, 1, 1, 1, 1};
    static const char *const ids[9] = {"a", "a", "a", "a", "a", "a", "b", "z", "\xC3\xA9"};
    static const char *const dates[9] = {"2025", "2025-01", "2025-01", "2025-01", "2025-02",
                                         "2025", "2025-01", "2025", "2025"};
    for (int pass = 0; pass < 2; pass++) { /* sorting again changes nothing */
        CHECK(c->input_index != NULL);
        for (int32_t i = 0; c->input_index && i < 9; i++) {
            CHECK_INT(c->line[i], lines[i]);
            CHECK_INT(c->input_index[i], input[i]);
            CHECK_INT(c->title_len[i], title_len[i]);
            CHECK_STR(c->id[i], ids[i]);
            CHECK_STR(c->time[i], dates[i]);
            CHECK_STR(c->label[i], i == 5 ? "L2" : "L1");
            CHECK_STR(c->text[i], i == 0 ? "T\ny" : "T\nx");
        }
        CHECK_INT(pc_corpus_sort(c, &err), PC_OK);
    }
    int32_t order[9];
    static const int32_t want[9] = {6, 0, 5, 4, 2, 1, 3, 8, 7};
    pc_corpus_input_order(c, order);
    for (int p = 0; p < 9; p++)
        CHECK_INT(order[p], want[p]);
    pc_corpus_free(c);
    /* already in order: nothing moves, input_index stays NULL */
    path = write_text("sorted.csv", "id,title,abstract\na,T,y\na,T,x\nb,T,x\n");
    c = read_ok(path, NULL, 3);
    if (!c)
        return;
    CHECK_INT(pc_corpus_sort(c, &err), PC_OK);
    CHECK(c->input_index == NULL);
    pc_corpus_input_order(c, order);
    CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2);
    pc_corpus_free(c);
}

/* Four shards (no id column: ids are record numbers; ragged rows; an empty
 * file; a last line without its newline; the fourth's header third_header),
 * their paths in path[4]; returns the options that read them as one input
 * (the later ones in more). */
static pc_read_options write_four_shards(char path[4][512], const char *more[3],
                                         const char *third_header)
{
    const char *text[4] = {"title,abstract\nA,a\nB,b,extra\nC,c\n", "",
                           "title,abstract\nD,d\n,\nE,e", "title,abstract\nF,f\nG\nH,h\n"};
    char third[128];
    snprintf(third, sizeof third, "%s\nF,f\nG\nH,h\n", third_header);
    for (int f = 0; f < 4; f++) {
        char name[32];
        snprintf(name, sizeof name, "shard%d.csv", f);
        snprintf(path[f], 512, "%s", write_text(name, f == 3 ? third : text[f]));
        if (f > 0)
            more[f - 1] = path[f];
    }
    pc_read_options opt = options(NULL);
    opt.more_inputs = more;
    opt.n_more_inputs = 3;
    return opt;
}

/* Each of `shares` processes reads its files (the file rule), then numbers
 * them with every file's counts added up; share[r] as pc_share_read has it. */
static pc_status read_by_file(const char *first, const pc_read_options *opt, int shares,
                              pc_corpus **share, int32_t *n_docs)
{
    pc_file_counts all[4];
    memset(all, 0, sizeof all);
    memset(&err, 0, sizeof err);
    for (int r = 0; r < shares; r++) {
        int32_t n = 0;
        int n_files = 0;
        int64_t parsed = 0;
        pc_status status = pc_corpus_read_share(first, opt, NULL, NULL, NULL, r, shares, 0,
                                                &share[r], &n, &err);
        if (status != PC_OK)
            return status;
        const pc_file_counts *mine = pc_corpus_file_counts(share[r], &n_files, &parsed);
        CHECK(mine != NULL && n_files == 4);
        for (size_t i = 0; mine && i < sizeof all / (sizeof(int64_t)); i++)
            ((int64_t *)all)[i] += ((const int64_t *)mine)[i];
    }
    for (int r = 0; r < shares; r++) {
        pc_status status = pc_corpus_share_numbers(share[r], all, n_docs, &err);
        if (status != PC_OK)
            return status;
    }
    return PC_OK;
}

/* Every process's documents have the number, line and id of the same
 * document of the concatenation, and the warnings are the concatenation's. */
static void test_share_by_file(void)
{
    char path[4][512];
    const char *more[3];
    pc_read_options opt = write_four_shards(path, more, "title,abstract");
    pc_corpus *whole = read_ok(path[0], &opt, 7), *share[3] = {NULL, NULL, NULL};
    if (!whole)
        return;
    CHECK_INT(whole->line[6], 10); /* H: the shards' headers once */
    char want[2048];
    snprintf(want, sizeof want, "%s", warnings);
    CHECK(strstr(want, "2 rows skipped: wrong number of fields (first at line 3)") != NULL);
    int32_t n_docs = 0;
    CHECK_INT(read_by_file(path[0], &opt, 3, share, &n_docs), PC_OK);
    CHECK_INT(n_docs, 7);
    int32_t seen = 0;
    for (int r = 0; r < 3 && share[r]; r++) {
        for (int32_t i = 0; i < share[r]->n_docs; i++, seen++) {
            int32_t g = share[r]->input_index[i];
            CHECK(g >= 0 && g < 7);
            if (g < 0 || g >= 7)
                continue;
            CHECK_STR(share[r]->id[i], whole->id[g]);
            CHECK_INT(share[r]->line[i], whole->line[g]);
        }
        CHECK_INT(share[r]->n_skipped, 2);
    }
    CHECK_INT(seen, 7);
    CHECK_INT(share[1] ? share[1]->n_docs : -1, 0); /* the empty file */
    warnings[0] = '\0';
    if (share[0])
        pc_corpus_share_warn(share[0], whole, &monitor);
    CHECK_STR(warnings, want);
    for (int r = 0; r < 3; r++)
        pc_corpus_free(share[r]);
    pc_corpus_free(whole);
}

/* A shard whose header is not the first file's is refused by the process
 * that reads it, which has read only the first line of the first file. */
static void test_share_by_file_other_header(void)
{
    char path[4][512];
    const char *more[3];
    pc_read_options opt = write_four_shards(path, more, "id,title,abstract");
    pc_corpus *share[4] = {NULL, NULL, NULL, NULL};
    int32_t n_docs = 0;
    CHECK_INT(read_by_file(path[0], &opt, 4, share, &n_docs), PC_ERR_FORMAT);
    char want[1200];
    snprintf(want, sizeof want, "%s: its first line (the header) is not that of %s, the first "
                                "input", path[3], path[0]);
    CHECK_STR(err.message, want);
    for (int r = 0; r < 4; r++)
        pc_corpus_free(share[r]);
}

static void test_seed_papers(void)
{
    const char *source = getenv("PC_SOURCE_DIR");
    if (!source) {
        printf("     (PC_SOURCE_DIR not set: seed corpus not checked)\n");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/datasets/seed_papers.csv", source);
    pc_read_options opt = options("label");
    pc_corpus *c = read_ok(path, &opt, 52);
    if (!c)
        return;
    CHECK_STR(c->id[0], "seed-001");
    CHECK_INT(c->line[0], 2);
    CHECK(strncmp(c->text[0], "DIFFTACTILE: A Physics-based", 28) == 0);
    CHECK(c->label != NULL);
    CHECK_INT(n_warnings, 0);
    pc_corpus_free(c);
}

int main(void)
{
    if (make_temp_dir("corpus") != 0)
        return 1;
    RUN_TEST(test_defaults);
    RUN_TEST(test_csv_basic);
    RUN_TEST(test_csv_row_number_ids);
    RUN_TEST(test_csv_missing_columns);
    RUN_TEST(test_csv_missing_column_message_one_line);
    RUN_TEST(test_csv_ragged_and_empty_ids);
    RUN_TEST(test_csv_empty_inputs);
    RUN_TEST(test_csv_errors_name_line);
    RUN_TEST(test_invalid_utf8_and_nul);
    RUN_TEST(test_cut_long_texts);
    RUN_TEST(test_duplicate_ids_kept);
    RUN_TEST(test_csv_gzip);
    RUN_TEST(test_jsonl);
    RUN_TEST(test_jsonl_numbers_as_text);
    RUN_TEST(test_jsonl_errors);
    RUN_TEST(test_jsonl_error_columns_and_excerpts);
    RUN_TEST(test_jsonl_row_numbers_and_missing_ids);
    RUN_TEST(test_jsonl_gzip_invalid_utf8);
    RUN_TEST(test_plain_text);
    RUN_TEST(test_format_option_overrides_name);
    RUN_TEST(test_read_stream);
    RUN_TEST(test_cancel);
    RUN_TEST(test_allocation_failures);
    RUN_TEST(test_empty_optional_labels);
    RUN_TEST(test_sort);
    RUN_TEST(test_share_by_file);
    RUN_TEST(test_share_by_file_other_header);
    RUN_TEST(test_seed_papers);
    remove_temp_dir();
    return TEST_EXIT();
}
