/*
 * gencorpus.c — a synthetic corpus of "papers" with planted topics, for benchmarks.
 *
 * Promise: the same seed, sizes and topic share (-s, -n, -t, -v, -p) give a byte-identical
 * corpus, on any machine with IEEE doubles (made and checked with GSL 2.7). Every random
 * choice comes from one GSL mt19937 stream (fixed by its definition) in a fixed order;
 * the floating point is + − × ÷ only (the Zipf weights are 1/(r+1), no libm call), so
 * nothing depends on the C library's maths either. The tables depend
 * on -s, -t and -v only and the documents are drawn one after another, so with the other
 * options equal the corpus of `-n 1000` is the first 1000 rows of that of `-n 2000`.
 * (GSL's mt19937 treats seed 0 as its default seed 4357: -s 0 and -s 4357 are the same.)
 *
 * Output: CSV `id,title,abstract,label`, RFC 4180, '\n' line ends. Ids are 1..N; the
 * label is "topic-<t>" (t from 0) of the planted topic; the abstract is quoted (it holds
 * commas), the other fields need no quoting.
 *
 * Model, in the spirit of zstd's datagen.c (a cheap generator whose statistics resemble
 * the real thing enough to exercise the code):
 * - Vocabulary: V distinct pronounceable words built from consonant+vowel syllables.
 *   Every word holds exactly one syllable with the onset 'z' or 'j', letters that no
 *   word of scikit-learn's English stop list (ours too) contains, so no word is ever a
 *   stop word; the other onsets never use 'z' or 'j', so a word parses back to its
 *   syllables and distinct codes give distinct words. Which syllable is which is shuffled
 *   by the seed. Word r (its frequency rank) is short for small r, as in real text.
 * - Background: Zipf with exponent 1 over the V words, P(r) ∝ 1/(r+1); the most frequent
 *   words behave like corpus-specific stop words (max_df prunes them).
 * - Topics: T topics, each a Zipf (exponent 1) over its own TOPIC_WORDS-or-fewer words
 *   drawn at random among the words of rank >= V/50 (topics may share a few words by
 *   chance); topic weights uniform in [0.5, 1.5), so classes are unequal in size.
 * - Document: a topic t (by weight), a topic share q = p × U[0.5, 1.5) capped at 1, a
 *   title of 6–12 words and an abstract of 80–200 words (uniform); each word is from
 *   topic t with probability q, else from the background. Abstracts are sentences of
 *   8–20 words with an occasional comma.
 * At the default p = 0.1, scikit-learn (TF-IDF min_df 2, max_df 0.5; KMeans k = T,
 * n_init 1) finds the 10 topics of 10,000 documents with NMI about 0.8 (0.79, 0.83, 0.84
 * for seeds 1–3): recoverable, not trivial. p = 0.06 gives 0.69 and p = 0.04 0.60 (seed
 * 1). Above p ≈ 0.2 the topics are nearly separable and what remains is k-means' own
 * local minima (NMI 0.83 to 0.99 depending on the seed).
 *
 * Speed: the tables are built once (O(V + T × TOPIC_WORDS)); each word then costs two
 * generator outputs (one for topic-or-background and comma, one inside the O(1) alias
 * draw, gsl_ran_discrete, Walker's method) and a fixed-size memcpy into a 4 MiB output
 * buffer written with fwrite; nothing is allocated per document.
 *
 * usage: gencorpus [-n DOCS] [-t TOPICS] [-v VOCAB] [-s SEED] [-p TOPIC_SHARE] [-o FILE]
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

enum {
    TOPIC_WORDS = 1000,     /* words per topic, at most */
    TITLE_MIN = 6, TITLE_MAX = 12,
    ABSTRACT_MIN = 80, ABSTRACT_MAX = 200,
    SENTENCE_MIN = 8, SENTENCE_MAX = 20,
    COMMA_BITS = 4,         /* a comma after about one word in 2^4 */
    WORD_MAX = 16,          /* longest word in bytes: up to VOCAB_MAX, 4 syllables of <= 3 */
    OUT_BUFFER = 1 << 22,
    DOC_MAX = (TITLE_MAX + ABSTRACT_MAX) * (WORD_MAX + 3) + 64 /* one row, bytes, at most */
};

static const long VOCAB_MAX = 20000000; /* 18 × (117 + 117² + 117³) > VOCAB_MAX */

typedef struct {
    long docs, topics, vocab;
    unsigned long seed;
    double share;
    const char *output;
} options;

/* Syllables: a consonant onset and a vowel nucleus (1 or 2 letters). */
static const char *const ONSETS[] = {"b", "d", "f", "g", "k", "l", "m",
                                     "n", "p", "r", "s", "t", "v"};
static const char *const MARKERS[] = {"z", "j"};
static const char *const NUCLEI[] = {"a", "e", "i", "o", "u", "ai", "ei", "ou", "ia"};
#define COUNT(a) (sizeof(a) / sizeof(a)[0])
#define N_NUCLEI COUNT(NUCLEI)
#define N_PLAIN (COUNT(ONSETS) * N_NUCLEI)   /* 117 */
#define N_MARKED (COUNT(MARKERS) * N_NUCLEI) /* 18 */

typedef struct {
    char text[4];
} syllable;

typedef struct {
    char *slots;            /* word r is slots[r × WORD_MAX ..], no terminator */
    unsigned char *length;  /* its length in bytes */
} vocabulary;

typedef struct {
    char *data;
    size_t used;
    FILE *out;
    const char *name;
} writer;

static void die(const char *what)
{
    fprintf(stderr, "gencorpus: %s\n", what);
    exit(1);
}

/* Prints the usage; on stderr with exit status 2 after a problem, else on stdout. */
static void usage(const char *problem)
{
    FILE *to = problem ? stderr : stdout;
    if (problem)
        fprintf(to, "gencorpus: %s\n", problem);
    fprintf(to,
            "usage: gencorpus [-n DOCS] [-t TOPICS] [-v VOCAB] [-s SEED] [-p TOPIC_SHARE] "
            "[-o FILE]\n"
            "  -n DOCS         documents (default 10000)\n"
            "  -t TOPICS       planted topics (default 10)\n"
            "  -v VOCAB        vocabulary words, 100..%ld (default 20000)\n"
            "  -s SEED         random seed (default 1)\n"
            "  -p TOPIC_SHARE  mean probability that a word comes from the document's topic,\n"
            "                  0..1 (default 0.1)\n"
            "  -o FILE         output file (default standard output)\n"
            "Same seed and sizes, byte-identical corpus.\n",
            VOCAB_MAX);
    exit(problem ? 2 : 0);
}

static long parse_count(const char *text, const char *option, long min, long max)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < min || value > max) {
        char message[160];
        snprintf(message, sizeof message, "%s '%s': expected an integer from %ld to %ld",
                 option, text, min, max);
        usage(message);
    }
    return value;
}

static options parse_options(int argc, char **argv)
{
    options o = {10000, 10, 20000, 1, 0.1, NULL};
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0)
            usage(NULL);
        if (strlen(flag) != 2 || flag[0] != '-' || !strchr("ntvspo", flag[1])) {
            char message[160];
            snprintf(message, sizeof message, "unknown option '%s'", flag);
            usage(message);
        }
        if (i + 1 >= argc) {
            char message[64];
            snprintf(message, sizeof message, "%s needs a value", flag);
            usage(message);
        }
        const char *value = argv[++i];
        char *end;
        switch (flag[1]) {
        case 'n': o.docs = parse_count(value, "-n", 1, LONG_MAX); break;
        case 't': o.topics = parse_count(value, "-t", 1, 100000); break;
        case 'v': o.vocab = parse_count(value, "-v", 100, VOCAB_MAX); break;
        case 's':
            errno = 0;
            o.seed = strtoul(value, &end, 10);
            if (errno || end == value || *end || value[0] == '-')
                usage("-s: expected a non-negative integer");
            break;
        case 'p':
            errno = 0;
            o.share = strtod(value, &end);
            if (errno || end == value || *end || !(o.share >= 0.0 && o.share <= 1.0))
                usage("-p: expected a number from 0 to 1");
            break;
        default: o.output = value; break;
        }
    }
    return o;
}

static void *allocate(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        die("out of memory (size overflow)");
    size_t bytes = count * size;
    void *p = malloc(bytes > 0 ? bytes : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* The syllable tables in a seed-dependent order. */
static void make_syllables(gsl_rng *rng, syllable *plain, syllable *marked)
{
    for (size_t i = 0; i < N_PLAIN; i++)
        snprintf(plain[i].text, sizeof plain[i].text, "%s%s", ONSETS[i / N_NUCLEI],
                 NUCLEI[i % N_NUCLEI]);
    for (size_t i = 0; i < N_MARKED; i++)
        snprintf(marked[i].text, sizeof marked[i].text, "%s%s", MARKERS[i / N_NUCLEI],
                 NUCLEI[i % N_NUCLEI]);
    gsl_ran_shuffle(rng, plain, N_PLAIN, sizeof *plain);
    gsl_ran_shuffle(rng, marked, N_MARKED, sizeof *marked);
}

/*
 * Word r: marker syllable r mod 18, then the rest q = r / 18 as a bijective base-117
 * number (1 plain syllable for q < 117, 2 for the next 117², ...), the marker placed
 * before plain syllable q mod (L + 1). Distinct r give distinct words since the marker
 * onsets appear nowhere else and syllables parse back unambiguously.
 */
static size_t spell_word(size_t r, const syllable *plain, const syllable *marked, char *out)
{
    size_t q = r / N_MARKED, digits[8], count = 1, span = N_PLAIN;
    while (q >= span) {
        q -= span;
        span *= N_PLAIN;
        count++;
    }
    for (size_t d = 0; d < count; d++) {
        digits[d] = q % N_PLAIN;
        q /= N_PLAIN;
    }
    size_t at = r / N_MARKED % (count + 1), length = 0;
    for (size_t d = 0; d <= count; d++) {
        const char *s = d == at ? marked[r % N_MARKED].text : plain[digits[d - (d > at)]].text;
        size_t n = strlen(s);
        memcpy(out + length, s, n);
        length += n;
    }
    return length;
}

static vocabulary make_vocabulary(gsl_rng *rng, size_t n)
{
    syllable plain[N_PLAIN], marked[N_MARKED];
    make_syllables(rng, plain, marked);
    vocabulary v;
    v.slots = allocate(n, WORD_MAX);
    v.length = allocate(n, 1);
    memset(v.slots, 0, n * WORD_MAX); /* put_word copies whole slots: no unset bytes */
    for (size_t r = 0; r < n; r++)
        v.length[r] = (unsigned char)spell_word(r, plain, marked, v.slots + r * WORD_MAX);
    return v;
}

/* Alias table of P(i) ∝ 1/(i+1), i < n. */
static gsl_ran_discrete_t *zipf_table(size_t n, double *scratch)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = 1.0 / (double)(i + 1);
    gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(n, scratch);
    if (!table)
        die("out of memory");
    return table;
}

/*
 * Each topic's words: a random TOPIC_WORDS-subset (in random order, which sets their
 * within-topic frequency ranks) of the ranks from V/50 up, by a partial Fisher–Yates
 * shuffle of the candidate list, O(words) per topic.
 */
static uint32_t *topic_words(gsl_rng *rng, size_t vocab, size_t topics, size_t per_topic)
{
    size_t first = vocab / 50, n = vocab - first;
    uint32_t *candidates = allocate(n, sizeof *candidates);
    uint32_t *words = allocate(topics, per_topic * sizeof *words);
    for (size_t i = 0; i < n; i++)
        candidates[i] = (uint32_t)(first + i);
    for (size_t t = 0; t < topics; t++) {
        for (size_t i = 0; i < per_topic; i++) {
            size_t j = i + (size_t)gsl_rng_uniform_int(rng, n - i);
            uint32_t swap = candidates[i];
            candidates[i] = candidates[j];
            candidates[j] = swap;
            words[t * per_topic + i] = candidates[i];
        }
    }
    free(candidates);
    return words;
}

static void flush(writer *w)
{
    if (w->used && fwrite(w->data, 1, w->used, w->out) != w->used) {
        fprintf(stderr, "gencorpus: writing %s: %s\n", w->name, strerror(errno));
        exit(1);
    }
    w->used = 0;
}

static void put(writer *w, const char *s, size_t n)
{
    memcpy(w->data + w->used, s, n);
    w->used += n;
}

/*
 * Appends one word, capitalised (ASCII) when asked. It copies the word's whole WORD_MAX
 * slot (the buffer has that much slack) and keeps its length: a constant-size memcpy
 * compiles to two moves, where a variable one is a call.
 */
static void put_word(writer *w, const vocabulary *v, size_t r, int capital)
{
    size_t n = v->length[r];
    char *at = w->data + w->used;
    memcpy(at, v->slots + r * WORD_MAX, WORD_MAX);
    if (capital)
        at[0] = (char)(at[0] - 'a' + 'A');
    w->used += n;
}

typedef struct {
    const vocabulary *vocab;
    gsl_ran_discrete_t *background, *topic_rank, *topic_pick;
    const uint32_t *words; /* topics × per_topic */
    size_t per_topic;
    double share;
} model;

/*
 * One word: `bits` is a fresh 32-bit mt19937 output; its top 28 bits decide topic or
 * background (against share × 2^28), its low COMMA_BITS whether a comma follows, so a
 * word costs two generator calls (this one and the alias draw's).
 */
static size_t draw_word(gsl_rng *rng, const model *m, size_t topic, unsigned long threshold,
                        unsigned long bits)
{
    if (bits >> COMMA_BITS < threshold)
        return m->words[topic * m->per_topic + gsl_ran_discrete(rng, m->topic_rank)];
    return gsl_ran_discrete(rng, m->background);
}

static size_t uniform_between(gsl_rng *rng, unsigned long low, unsigned long high)
{
    return (size_t)(low + gsl_rng_uniform_int(rng, high - low + 1));
}

static void write_document(writer *w, gsl_rng *rng, const model *m, long id)
{
    size_t topic = gsl_ran_discrete(rng, m->topic_pick);
    double share = m->share * (0.5 + gsl_rng_uniform(rng));
    unsigned long threshold = share >= 1.0 ? 1UL << (32 - COMMA_BITS)
                                           : (unsigned long)(share * (double)(1UL << (32 - COMMA_BITS)));
    size_t title = uniform_between(rng, TITLE_MIN, TITLE_MAX);
    size_t abstract = uniform_between(rng, ABSTRACT_MIN, ABSTRACT_MAX);
    if (OUT_BUFFER - w->used < DOC_MAX)
        flush(w);
    w->used += (size_t)snprintf(w->data + w->used, 32, "%ld,", id);
    for (size_t i = 0; i < title; i++) {
        if (i)
            put(w, " ", 1);
        put_word(w, m->vocab, draw_word(rng, m, topic, threshold, gsl_rng_get(rng)), i == 0);
    }
    put(w, ",\"", 2);
    size_t left_in_sentence = 0;
    for (size_t i = 0; i < abstract; i++) {
        int starts = left_in_sentence == 0;
        if (starts)
            left_in_sentence = uniform_between(rng, SENTENCE_MIN, SENTENCE_MAX);
        if (i)
            put(w, " ", 1);
        unsigned long bits = gsl_rng_get(rng);
        put_word(w, m->vocab, draw_word(rng, m, topic, threshold, bits), starts);
        left_in_sentence--;
        if (left_in_sentence == 0 || i + 1 == abstract)
            put(w, ".", 1);
        else if ((bits & ((1UL << COMMA_BITS) - 1)) == 0)
            put(w, ",", 1);
    }
    w->used += (size_t)snprintf(w->data + w->used, 32, "\",topic-%zu\n", topic);
}

int main(int argc, char **argv)
{
    options o = parse_options(argc, argv);
    size_t vocab = (size_t)o.vocab, topics = (size_t)o.topics;
    size_t per_topic = (vocab - vocab / 50) / topics;
    if (per_topic > TOPIC_WORDS)
        per_topic = TOPIC_WORDS;
    if (per_topic < 10)
        usage("too many topics for the vocabulary: need at least 10 words per topic "
              "(raise -v or lower -t)");

    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        die("out of memory");
    gsl_rng_set(rng, o.seed);
    if (gsl_rng_min(rng) != 0 || gsl_rng_max(rng) != 0xffffffffUL)
        die("expected GSL's mt19937 to give 32-bit outputs");

    /* The tables, in a fixed order of draws: syllables, topic words, topic weights. */
    vocabulary words = make_vocabulary(rng, vocab);
    uint32_t *topic_list = topic_words(rng, vocab, topics, per_topic);
    double *scratch = allocate(vocab > topics ? vocab : topics, sizeof *scratch);
    gsl_ran_discrete_t *background = zipf_table(vocab, scratch);
    gsl_ran_discrete_t *topic_rank = zipf_table(per_topic, scratch);
    for (size_t t = 0; t < topics; t++)
        scratch[t] = 0.5 + gsl_rng_uniform(rng);
    gsl_ran_discrete_t *topic_pick = gsl_ran_discrete_preproc(topics, scratch);
    if (!topic_pick)
        die("out of memory");
    free(scratch);
    model m = {&words, background, topic_rank, topic_pick, topic_list, per_topic, o.share};

    writer w = {allocate(OUT_BUFFER, 1), 0, stdout, "standard output"};
    if (o.output) {
        w.out = fopen(o.output, "wb");
        w.name = o.output;
        if (!w.out) {
            fprintf(stderr, "gencorpus: cannot create %s: %s\n", o.output, strerror(errno));
            return 1;
        }
    }
    setvbuf(w.out, NULL, _IONBF, 0); /* our own 4 MiB buffer is the only one */
    put(&w, "id,title,abstract,label\n", 24);
    for (long id = 1; id <= o.docs; id++)
        write_document(&w, rng, &m, id);
    flush(&w);
    if (o.output ? fclose(w.out) != 0 : fflush(w.out) != 0) {
        fprintf(stderr, "gencorpus: writing %s: %s\n", w.name, strerror(errno));
        return 1;
    }

    free(w.data);
    gsl_ran_discrete_free(topic_pick);
    gsl_ran_discrete_free(topic_rank);
    gsl_ran_discrete_free(background);
    free(topic_list);
    free(words.slots);
    free(words.length);
    gsl_rng_free(rng);
    return 0;
}
