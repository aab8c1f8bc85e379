/*
 * realcorpus.c — a large corpus made of a real corpus' sentences, for the scale benchmarks.
 *
 * Promise: the same input file, seed and size (-i, -s, -n) give the same papers, byte for
 * byte, on any machine: whatever the shard count (--shards), the thread count (--threads)
 * and the compression (concatenating the shards' rows, or decompressing, gives the rows
 * of the single plain file). Paper g (0-based) depends only on the seed, g and the input:
 * its random numbers are a splitmix64 stream started from a hash of (seed, g), integer
 * arithmetic only, no libc generator and no floating point. So the papers of `-n 1000` are
 * the first 1000 of `-n 2000`, and shards can be written in parallel.
 *
 * Input: a CSV with id,title,abstract,label (arXiv's `../shared/corpora/arxiv.csv`: the
 * label is the first arXiv category), read with the paperclust library (pc_corpus_read).
 * Papers with an empty label are left out of the model.
 *
 * Model: the input's papers are the population; a generated paper is built as follows.
 * - Draw a source paper p uniformly. Its label is the new paper's category (so categories
 *   follow the real distribution), its title is p's title, and the new abstract has as many
 *   sentences as p's abstract (so the sentence count follows the real per-category
 *   distribution, jointly with the title's category).
 * - Each sentence is drawn uniformly, with replacement, from the pool of every sentence of
 *   every abstract of that category, and the sentences are joined with one space.
 * Whole real titles, not titles cut into phrases and recombined: a title has no reliable
 * phrase boundary, and a recombined one reads as nonsense to the describe stage (central
 * papers, report titles) while adding nothing the abstracts' terms lack (a title is about a
 * tenth of a paper's tokens). The cost: each title repeats about n / 74,722 times.
 *
 * Sentence splitting (documented so that a test can check it independently): an abstract,
 * with leading and trailing ASCII white space (space, tab, CR, LF) removed, is cut after a
 * '.', '?' or '!' that is followed by a run of ASCII white space and then an ASCII upper-case
 * letter or digit; the punctuation stays with its sentence, the white space is dropped.
 * "e.g. the" does not split; "et al. We" does. A sentence keeps its inner text as written.
 *
 * What is not realistic: the vocabulary is the input's (it does not grow with n as Heaps'
 * law predicts: a 10M corpus has fewer distinct terms than the real 10M papers would);
 * sentences repeat (each about n × 8 / 600k times at 8 sentences a paper); terms of one
 * paper co-occur only within a category, not within a paper's own topic; the titles repeat.
 *
 * Output: CSV `id,title,abstract,label`, RFC 4180 quoting (a field holding a comma, a quote
 * or a line break is quoted, its quotes doubled), '\n' line ends, ids 1..n. A name ending
 * in ".gz" is written gzip-compressed by zlib (--level, default 1). With --shards S the
 * output name is a pattern: "DIR/papers.csv.gz" becomes DIR/papers-00000-of-0000S.csv.gz and
 * so on, shard s holding papers [s·n/S, (s+1)·n/S), each file with a header row.
 *
 * Speed: the input's sentences are indexed once (pointers into the corpus read in memory);
 * each paper then costs 2 + m generator outputs and memcpy-like copies into a 1 MiB buffer
 * per output file. Nothing is allocated per paper; memory is the input corpus and its
 * sentence index (about 3× the input file), whatever n.
 *
 * usage: realcorpus -i INPUT.csv -n PAPERS [-s SEED] [-o OUT] [--shards S] [--level L]
 *                   [--threads T] [--quiet]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "paperclust/corpus.h"

enum { OUT_BUFFER = 1 << 20 };

typedef struct {
    const char *input, *output;
    int64_t papers;
    uint64_t seed;
    int shards, level, threads, quiet;
} options;

/* One sentence: a slice of the input corpus' text. */
typedef struct {
    const char *text;
    uint32_t len;
} slice;

/* The model drawn from: source papers and, per category, its sentence pool. */
typedef struct {
    pc_corpus *corpus;
    int32_t n_papers;      /* source papers (labelled ones) */
    int32_t *paper;        /* n_papers: their corpus indexes */
    int32_t *category;     /* n_papers: category of each */
    uint32_t *n_sentences; /* n_papers: sentences of its abstract */
    int32_t n_categories;
    const char **name;     /* n_categories labels, in byte order */
    int64_t *first;        /* n_categories + 1: the pool of c is sentence[first[c] .. first[c+1]) */
    slice *sentence;       /* every sentence, grouped by category */
} model;

/* ---- random numbers: splitmix64 (Steele, Lea & Flood 2014), per paper ---- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The state paper g starts from: two rounds of the mixer over (seed, g). */
static uint64_t paper_state(uint64_t seed, int64_t g)
{
    uint64_t s = seed;
    uint64_t h = splitmix64(&s) ^ (uint64_t)g;
    return splitmix64(&h);
}

/* Uniform in [0, n) for n < 2^32: the high 32 bits times n, shifted (Lemire's method without
 * the rejection step; the bias is below n / 2^32, under 2e-4 for the largest pool). */
static uint32_t below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(((splitmix64(state) >> 32) * (uint64_t)n) >> 32);
}

/* ---- sentence splitting (see the header) ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int starts_sentence(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Calls emit(ctx, start, len) for each sentence of text[0 .. len); returns the count. */
static uint32_t split_sentences(const char *text, size_t len,
                                void (*emit)(void *, const char *, size_t), void *ctx)
{
    size_t a = 0, b = len;
    while (a < b && is_space(text[a]))
        a++;
    while (b > a && is_space(text[b - 1]))
        b--;
    uint32_t count = 0;
    size_t start = a;
    for (size_t i = a; i < b; i++) {
        if (text[i] != '.' && text[i] != '?' && text[i] != '!')
            continue;
        size_t j = i + 1;
        while (j < b && is_space(text[j]))
            j++;
        if (j == i + 1 || j >= b || !starts_sentence(text[j]))
            continue;
        if (emit)
            emit(ctx, text + start, i + 1 - start);
        count++;
        start = j;
        i = j - 1;
    }
    if (start < b) {
        if (emit)
            emit(ctx, text + start, b - start);
        count++;
    }
    return count;
}

/* ---- the model ---- */

static const char *abstract_of(const pc_corpus *corpus, int32_t i, size_t *len)
{
    const char *text = corpus->text[i];
    size_t title = corpus->title_len ? (size_t)corpus->title_len[i] : 0;
    const char *abstract = text + title;
    if (*abstract == '\n')
        abstract++;
    *len = strlen(abstract);
    return abstract;
}

static const pc_corpus *sort_corpus; /* qsort has no context argument */

static int by_label(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    int c = strcmp(sort_corpus->label[x], sort_corpus->label[y]);
    return c ? c : (x > y) - (x < y);
}

typedef struct {
    slice *out;
    int64_t at;
} pool_fill;

static void add_sentence(void *ctx, const char *text, size_t len)
{
    pool_fill *fill = ctx;
    fill->out[fill->at].text = text;
    fill->out[fill->at].len = (uint32_t)len;
    fill->at++;
}

static void model_free(model *m)
{
    pc_corpus_free(m->corpus);
    free(m->paper);
    free(m->category);
    free(m->n_sentences);
    free(m->name);
    free(m->first);
    free(m->sentence);
}

/* Reads `path` and indexes its sentences by category; 0, or -1 after a message. */
static int model_build(model *m, const char *path)
{
    memset(m, 0, sizeof *m);
    pc_read_options ro;
    pc_read_options_default(&ro);
    ro.label_col = "label";
    ro.max_doc_bytes = 0;
    pc_error err = {0};
    if (pc_corpus_read(path, &ro, NULL, &m->corpus, &err) != PC_OK) {
        fprintf(stderr, "realcorpus: %s\n", err.message);
        return -1;
    }
    const pc_corpus *c = m->corpus;
    if (!c->title_len) {
        fprintf(stderr, "realcorpus: %s: the first text column is not a title\n", path);
        return -1;
    }
    size_t n = (size_t)c->n_docs;
    m->paper = malloc(n * sizeof *m->paper);
    m->category = malloc(n * sizeof *m->category);
    m->n_sentences = malloc(n * sizeof *m->n_sentences);
    m->name = malloc(n * sizeof *m->name);
    m->first = malloc((n + 1) * sizeof *m->first);
    if (!m->paper || !m->category || !m->n_sentences || !m->name || !m->first)
        goto nomem;
    /* papers in label order (ties by input order), so that each pool is one range */
    for (int32_t i = 0; i < c->n_docs; i++)
        if (c->label[i][0])
            m->paper[m->n_papers++] = i;
    if (m->n_papers == 0) {
        fprintf(stderr, "realcorpus: %s: no labelled papers\n", path);
        return -1;
    }
    sort_corpus = c;
    qsort(m->paper, (size_t)m->n_papers, sizeof *m->paper, by_label);
    int64_t total = 0;
    for (int32_t k = 0; k < m->n_papers; k++) {
        int32_t i = m->paper[k];
        if (k == 0 || strcmp(c->label[i], m->name[m->n_categories - 1]) != 0) {
            m->first[m->n_categories] = total;
            m->name[m->n_categories++] = c->label[i];
        }
        m->category[k] = m->n_categories - 1;
        size_t len;
        const char *abstract = abstract_of(c, i, &len);
        m->n_sentences[k] = split_sentences(abstract, len, NULL, NULL);
        total += m->n_sentences[k];
    }
    m->first[m->n_categories] = total;
    m->sentence = malloc((size_t)(total ? total : 1) * sizeof *m->sentence);
    if (!m->sentence)
        goto nomem;
    pool_fill fill = {m->sentence, 0};
    for (int32_t k = 0; k < m->n_papers; k++) {
        size_t len;
        const char *abstract = abstract_of(c, m->paper[k], &len);
        split_sentences(abstract, len, add_sentence, &fill);
    }
    for (int32_t k = 0; k < m->n_categories; k++)
        if (m->first[k + 1] - m->first[k] > UINT32_MAX) {
            fprintf(stderr, "realcorpus: %s: a category holds 2^32 sentences or more\n", path);
            return -1;
        }
    return 0;
nomem:
    fprintf(stderr, "realcorpus: out of memory indexing %s\n", path);
    return -1;
}

/* ---- output ---- */

typedef struct {
    FILE *file;
    gzFile gz;
    const char *path;
    char *buf;
    size_t len;
    int failed;
} sink;

static void sink_flush(sink *s)
{
    if (s->failed || s->len == 0) {
        s->len = 0;
        return;
    }
    if (s->gz ? gzwrite(s->gz, s->buf, (unsigned)s->len) != (int)s->len
              : fwrite(s->buf, 1, s->len, s->file) != s->len)
        s->failed = 1;
    s->len = 0;
}

static void put(sink *s, const char *text, size_t len)
{
    while (len > 0) {
        if (s->len == OUT_BUFFER)
            sink_flush(s);
        size_t room = OUT_BUFFER - s->len, take = len < room ? len : room;
        memcpy(s->buf + s->len, text, take);
        s->len += take;
        text += take;
        len -= take;
    }
}

static int needs_quotes(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == ',' || text[i] == '"' || text[i] == '\n' || text[i] == '\r')
            return 1;
    return 0;
}

/* text[0 .. len) inside a quoted field: quotes doubled. */
static void put_quoted_part(sink *s, const char *text, size_t len)
{
    const char *quote;
    while ((quote = memchr(text, '"', len)) != NULL) {
        size_t upto = (size_t)(quote - text) + 1;
        put(s, text, upto);
        put(s, "\"", 1);
        text += upto;
        len -= upto;
    }
    put(s, text, len);
}

static void put_field(sink *s, const char *text, size_t len)
{
    if (!needs_quotes(text, len)) {
        put(s, text, len);
        return;
    }
    put(s, "\"", 1);
    put_quoted_part(s, text, len);
    put(s, "\"", 1);
}

/* The abstract: sentences drawn[0 .. m) joined by one space, quoted when any needs it. */
static void put_abstract(sink *s, const slice *drawn, uint32_t m)
{
    int quoted = 0;
    for (uint32_t j = 0; j < m && !quoted; j++)
        quoted = needs_quotes(drawn[j].text, drawn[j].len);
    if (quoted)
        put(s, "\"", 1);
    for (uint32_t j = 0; j < m; j++) {
        if (j)
            put(s, " ", 1);
        if (quoted)
            put_quoted_part(s, drawn[j].text, drawn[j].len);
        else
            put(s, drawn[j].text, drawn[j].len);
    }
    if (quoted)
        put(s, "\"", 1);
}

/* Writes paper g (0-based; its id is g + 1). drawn holds room for the longest abstract. */
static void write_paper(sink *s, const model *m, uint64_t seed, int64_t g, slice *drawn)
{
    const pc_corpus *c = m->corpus;
    uint64_t state = paper_state(seed, g);
    int32_t k = (int32_t)below(&state, (uint32_t)m->n_papers);
    int32_t p = m->paper[k], cat = m->category[k];
    uint32_t n_sent = m->n_sentences[k];
    uint32_t pool = (uint32_t)(m->first[cat + 1] - m->first[cat]);
    const slice *sentences = m->sentence + m->first[cat];
    for (uint32_t j = 0; j < n_sent; j++)
        drawn[j] = sentences[below(&state, pool)];
    char id[24];
    int id_len = snprintf(id, sizeof id, "%" PRId64 ",", g + 1);
    put(s, id, (size_t)id_len);
    put_field(s, c->text[p], (size_t)c->title_len[p]);
    put(s, ",", 1);
    put_abstract(s, drawn, n_sent);
    put(s, ",", 1);
    put_field(s, m->name[cat], strlen(m->name[cat]));
    put(s, "\n", 1);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The file name of shard `shard` of `shards` (the output itself when shards == 0). */
static char *shard_path(const char *output, int shard, int shards)
{
    size_t len = strlen(output) + 32;
    char *path = malloc(len);
    if (!path)
        return NULL;
    if (shards == 0) {
        snprintf(path, len, "%s", output);
        return path;
    }
    const char *ext = ends_with(output, ".csv.gz") ? ".csv.gz" : ".csv";
    int stem = (int)(strlen(output) - strlen(ext));
    snprintf(path, len, "%.*s-%05d-of-%05d%s", stem, output, shard, shards, ext);
    return path;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Writes papers [from, to) into `path` ("-": standard output); 0, or -1 after a message. */
static int write_range(const model *m, const options *o, const char *path, int64_t from,
                       int64_t to, uint32_t longest)
{
    sink s = {0};
    s.path = path;
    int to_stdout = strcmp(path, "-") == 0;
    slice *drawn = malloc((size_t)(longest ? longest : 1) * sizeof *drawn);
    s.buf = malloc(OUT_BUFFER);
    if (!drawn || !s.buf) {
        fprintf(stderr, "realcorpus: out of memory writing %s\n", path);
        free(drawn);
        free(s.buf);
        return -1;
    }
    if (to_stdout) {
        s.file = stdout;
    } else if (ends_with(path, ".gz")) {
        char mode[8];
        snprintf(mode, sizeof mode, "wb%d", o->level);
        s.gz = gzopen(path, mode);
        if (s.gz)
            gzbuffer(s.gz, 1 << 20);
    } else {
        s.file = fopen(path, "wb");
    }
    if (!s.file && !s.gz) {
        fprintf(stderr, "realcorpus: %s: %s\n", path, strerror(errno));
        free(drawn);
        free(s.buf);
        return -1;
    }
    double started = now(), shown = started;
    put(&s, "id,title,abstract,label\n", 24);
    for (int64_t g = from; g < to && !s.failed; g++) {
        write_paper(&s, m, o->seed, g, drawn);
        if (!o->quiet && o->shards == 0 && g > from && (g & 0xffff) == 0 &&
            now() - shown > 5.0) {
            shown = now();
            double done = (double)(g - from) / (double)(to - from);
            fprintf(stderr, "realcorpus: %" PRId64 " of %" PRId64 " papers, %.0f s, about %.0f s"
                    " left\n", g - from, to - from, shown - started,
                    (shown - started) * (1.0 - done) / done);
        }
    }
    sink_flush(&s);
    int failed = s.failed;
    if (s.gz)
        failed |= gzclose(s.gz) != Z_OK;
    else if (to_stdout)
        failed |= fflush(stdout) != 0;
    else
        failed |= fclose(s.file) != 0;
    if (failed)
        fprintf(stderr, "realcorpus: %s: write failed (%s)\n", path, strerror(errno));
    free(drawn);
    free(s.buf);
    return failed ? -1 : 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: realcorpus -i INPUT.csv -n PAPERS [-s SEED] [-o OUT] [--shards S]\n"
            "                  [--level L] [--threads T] [--quiet]\n"
            "  -i, --input FILE  real corpus, CSV id,title,abstract,label (e.g.\n"
            "                    ../shared/corpora/arxiv.csv)\n"
            "  -n, --papers N    papers to write (default 10000)\n"
            "  -s, --seed N      random seed (default 1)\n"
            "  -o, --output OUT  output file, '-' = standard output (default); '.gz' =\n"
            "                    gzip; with --shards a pattern: DIR/papers.csv(.gz) gives\n"
            "                    DIR/papers-00000-of-0000S.csv(.gz), ...\n"
            "  --shards S        split the papers into S files (1..99999)\n"
            "  --level L         gzip level 1..9 (default 1)\n"
            "  --threads T       shards written at once (default 1)\n"
            "  --stats           print the model (categories, pools) on stderr\n"
            "  -q, --quiet       no progress on stderr\n");
}

static int parse_int64(const char *text, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static void print_stats(const model *m)
{
    int64_t total = m->first[m->n_categories];
    fprintf(stderr, "realcorpus: %s: %d labelled papers of %d, %d categories, %" PRId64
            " sentences (%.2f a paper)\n", m->corpus->source, (int)m->n_papers,
            (int)m->corpus->n_docs, (int)m->n_categories, total,
            (double)total / (double)m->n_papers);
    for (int32_t k = 0; k < m->n_categories; k++) {
        int32_t papers = 0;
        for (int32_t i = 0; i < m->n_papers; i++)
            papers += m->category[i] == k;
        fprintf(stderr, "  %-20s %6d papers %8" PRId64 " sentences\n", m->name[k], (int)papers,
                m->first[k + 1] - m->first[k]);
    }
}

int main(int argc, char **argv)
{
    options o = {NULL, "-", 10000, 1, 0, 1, 1, 0};
    int stats = 0;
    static const struct option longs[] = {
        {"input", required_argument, NULL, 'i'},  {"papers", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},   {"output", required_argument, NULL, 'o'},
        {"shards", required_argument, NULL, 'S'}, {"level", required_argument, NULL, 'L'},
        {"threads", required_argument, NULL, 'T'}, {"stats", no_argument, NULL, 'x'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    int64_t v;
    while ((ch = getopt_long(argc, argv, "i:n:s:o:qh", longs, NULL)) != -1) {
        switch (ch) {
        case 'i': o.input = optarg; break;
        case 'o': o.output = optarg; break;
        case 'n':
            if (parse_int64(optarg, 1, INT64_MAX / 2, &o.papers)) goto bad;
            break;
        case 's':
            if (parse_int64(optarg, 0, INT64_MAX, &v)) goto bad;
            o.seed = (uint64_t)v;
            break;
        case 'S':
            if (parse_int64(optarg, 1, 99999, &v)) goto bad;
            o.shards = (int)v;
            break;
        case 'L':
            if (parse_int64(optarg, 1, 9, &v)) goto bad;
            o.level = (int)v;
            break;
        case 'T':
            if (parse_int64(optarg, 1, 1024, &v)) goto bad;
            o.threads = (int)v;
            break;
        case 'x': stats = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.input || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (o.shards && !ends_with(o.output, ".csv") && !ends_with(o.output, ".csv.gz")) {
        fprintf(stderr, "realcorpus: with --shards, -o must end in .csv or .csv.gz\n");
        return 2;
    }
    model m;
    double started = now();
    if (model_build(&m, o.input)) {
        model_free(&m);
        return 1;
    }
    if (stats)
        print_stats(&m);
    uint32_t longest = 0;
    for (int32_t k = 0; k < m.n_papers; k++)
        if (m.n_sentences[k] > longest)
            longest = m.n_sentences[k];
    double indexed = now();
    int shards = o.shards ? o.shards : 1, failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(o.threads) reduction(| : failed)
    for (int s = 0; s < shards; s++) {
        char *path = shard_path(o.output, s, o.shards);
        int64_t from = o.papers * s / shards, to = o.papers * (s + 1) / shards;
        if (!path) {
            fprintf(stderr, "realcorpus: out of memory\n");
            failed = 1;
        } else {
            failed |= write_range(&m, &o, path, from, to, longest) != 0;
        }
        free(path);
    }
    if (!o.quiet)
        fprintf(stderr, "realcorpus: %" PRId64 " papers from %d sentences of %s: index %.1f s,"
                " write %.1f s\n", o.papers, (int)m.first[m.n_categories], o.input,
                indexed - started, now() - indexed);
    model_free(&m);
    return failed ? 1 : 0;
bad:
    fprintf(stderr, "realcorpus: bad value '%s' for %s\n", optarg, argv[optind - 1]);
    usage(stderr);
    return 2;
}
