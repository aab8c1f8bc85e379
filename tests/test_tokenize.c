/*
 * test_tokenize.c — the tokenizer and stop lists.
 *
 * Each case tokenizes a short text and compares the terms, joined by '|', with
 * an expectation worked out by hand from the rules in tokenize.h.  The
 * sklearn_tokens cases were checked against scikit-learn itself (the Python
 * command is next to them), never against our own output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "paperclust/tokenize.h"
#include "test.h"

static char joined[8192];

/* The terms of `text` joined by '|' (in a static buffer), or "<error>". */
static const char *tokens_of(pc_tokenizer *tok, const char *text, size_t len)
{
    pc_tokens out;
    pc_error err;
    if (pc_tokenize(tok, text, len, &out, &err) != PC_OK)
        return "<error>";
    size_t used = 0;
    joined[0] = '\0';
    for (size_t i = 0; i < out.count; i++) {
        size_t k = out.length[i];
        if (strlen(out.term[i]) != k || used + k + 2 > sizeof joined)
            return "<bad term>";
        if (i)
            joined[used++] = '|';
        memcpy(joined + used, out.term[i], k);
        used += k;
        joined[used] = '\0';
    }
    return joined;
}

static const char *tok_str(pc_tokenizer *tok, const char *text)
{
    return tokens_of(tok, text, strlen(text));
}

/* A tokenizer with the defaults and the given changes; aborts the test
 * program when it cannot be made (every later check would fail anyway). */
static pc_tokenizer *make(const pc_stoplist *stop, const char *stem, int ngram_max, int min_len,
                          int strip, int sklearn)
{
    pc_tokenize_options opt;
    pc_tokenize_options_default(&opt);
    opt.stoplist = stop;
    opt.stem_lang = stem;
    opt.ngram_max = ngram_max;
    opt.min_token_len = min_len;
    opt.strip_markup = strip;
    opt.sklearn_tokens = sklearn;
    pc_tokenizer *tok = NULL;
    pc_error err;
    if (pc_tokenizer_new(&opt, &tok, &err) != PC_OK) {
        fprintf(stderr, "pc_tokenizer_new: %s\n", err.message);
        exit(1);
    }
    return tok;
}

static pc_tokenizer *make_default(void)
{
    return make(NULL, NULL, 1, 2, 1, 0);
}

static pc_stoplist *load_stop(const char *spec)
{
    pc_stoplist *stop = NULL;
    pc_error err;
    if (pc_stoplist_load(spec, &stop, &err) != PC_OK) {
        fprintf(stderr, "pc_stoplist_load(%s): %s\n", spec, err.message);
        exit(1);
    }
    return stop;
}

static void test_defaults(void)
{
    pc_tokenize_options opt;
    pc_tokenize_options_default(&opt);
    CHECK(opt.stoplist == NULL);
    CHECK(opt.stem_lang == NULL);
    CHECK_INT(opt.ngram_max, 1);
    CHECK_INT(opt.min_token_len, 2);
    CHECK_INT(opt.strip_markup, 1);
    CHECK_INT(opt.sklearn_tokens, 0);
}

static void test_ascii_basics(void)
{
    pc_tokenizer *tok = make_default();
    CHECK_STR(tok_str(tok, "Hello, World! Clustering 42 PAPERS."),
              "hello|world|clustering|42|papers");
    CHECK_STR(tok_str(tok, "self-organizing maps; don't x_t"), "self|organizing|maps|don");
    CHECK_STR(tok_str(tok, "tab\tnew\nline\r\nend"), "tab|new|line|end");
    /* Not NUL-terminated: only `len` bytes count. */
    CHECK_STR(tokens_of(tok, "alpha beta gamma", 10), "alpha|beta");
    pc_tokenizer_free(tok);
}

static void test_min_length(void)
{
    pc_tokenizer *tok = make(NULL, NULL, 1, 1, 1, 0);
    CHECK_STR(tok_str(tok, "a bc d efg"), "a|bc|d|efg");
    pc_tokenizer_free(tok);
    tok = make_default();
    CHECK_STR(tok_str(tok, "a bc d efg"), "bc|efg");
    pc_tokenizer_free(tok);
    tok = make(NULL, NULL, 1, 3, 1, 0);
    CHECK_STR(tok_str(tok, "a bc d efg"), "efg");
    /* Code points, not bytes: "éé" is 4 bytes but 2 code points. */
    CHECK_STR(tok_str(tok, "\xC3\xA9\xC3\xA9 \xC3\xA9\xC3\xA9\xC3\xA9"),
              "\xC3\xA9\xC3\xA9\xC3\xA9");
    pc_tokenizer_free(tok);
}

static void test_digits(void)
{
    pc_tokenizer *tok = make_default();
    CHECK_STR(tok_str(tok, "H2O in 3D, x1 2024 1.5"), "h2o|in|3d|x1|2024");
    /* U+00B2 superscript two (No) and U+0663 Arabic-Indic three (Nd) are digits. */
    CHECK_STR(tok_str(tok, "x\xC2\xB2 \xD9\xA3\xD9\xA3"), "x\xC2\xB2|\xD9\xA3\xD9\xA3");
    pc_tokenizer_free(tok);
}

static void test_case_folding(void)
{
    pc_tokenizer *tok = make_default();
    CHECK_STR(tok_str(tok, "Stra\xC3\x9F" "e"), "strasse");
    CHECK_STR(tok_str(tok, "\xC3\x89" "COLE"), "\xC3\xA9" "cole");
    /* ΣΟΦΙΑ → σοφια; full folding maps a final sigma to σ too. */
    CHECK_STR(tok_str(tok, "\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91"),
              "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");
    CHECK_STR(tok_str(tok, "\xCE\xBB\xCF\x8C\xCE\xB3\xCE\xBF\xCF\x82"),
              "\xCE\xBB\xCF\x8C\xCE\xB3\xCE\xBF\xCF\x83");
    /* The ligature U+FB01 folds to "fi". */
    CHECK_STR(tok_str(tok, "\xEF\xAC\x81nal"), "final");
    /* Mixed ASCII and non-ASCII in one run. */
    CHECK_STR(tok_str(tok, "Erd\xC5\x91s-R\xC3\xA9nyi"), "erd\xC5\x91s|r\xC3\xA9nyi");
    pc_tokenizer_free(tok);
}

static void test_combining_marks(void)
{
    pc_tokenizer *tok = make_default();
    /* e + U+0301 composes to é (NFC). */
    CHECK_STR(tok_str(tok, "Cafe\xCC\x81 na\xC3\xAFve"), "caf\xC3\xA9|na\xC3\xAFve");
    /* U+0332 combining low line has no composition: it stays inside the token. */
    CHECK_STR(tok_str(tok, "ab\xCC\xB2" "cd"), "ab\xCC\xB2" "cd");
    pc_tokenizer_free(tok);
}

static void test_stop_words(void)
{
    pc_stoplist *stop = load_stop("english");
    pc_tokenizer *tok = make(stop, NULL, 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "The analysis of THE networks is, however, new"),
              "analysis|networks|new");
    pc_tokenizer_free(tok);
    pc_stoplist_free(stop);

    pc_stoplist *none = load_stop("none");
    tok = make(none, NULL, 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "the of and"), "the|of|and");
    pc_tokenizer_free(tok);
    pc_stoplist_free(none);
}

static void test_builtin_lists(void)
{
    pc_stoplist *sk = load_stop("sklearn");
    pc_stoplist *en = load_stop("english");
    pc_stoplist *null_spec = load_stop(NULL);
    const char *in[] = {"a", "about", "amoungst", "bill", "yourselves", "system", "de", "thru"};
    const char *out[] = {"network", "The", "", "just", "don", "s", "t"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        CHECK_INT(pc_stoplist_contains(sk, in[i], strlen(in[i])), 1);
        CHECK_INT(pc_stoplist_contains(en, in[i], strlen(in[i])), 1);
        CHECK_INT(pc_stoplist_contains(null_spec, in[i], strlen(in[i])), 1);
    }
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        CHECK_INT(pc_stoplist_contains(sk, out[i], strlen(out[i])), 0);
        CHECK_INT(pc_stoplist_contains(en, out[i], strlen(out[i])), 0);
    }
    /* A prefix of a stop word is not one. */
    CHECK_INT(pc_stoplist_contains(sk, "abou", 4), 0);
    CHECK_INT(pc_stoplist_contains(NULL, "the", 3), 0);
    pc_stoplist_free(sk);
    pc_stoplist_free(en);
    pc_stoplist_free(null_spec);
    pc_stoplist_free(NULL);
}

/* "science" is the embedded boilerplate list; '+' joins lists. */
static void test_joined_lists(void)
{
    pc_stoplist *sci = load_stop("science");
    pc_stoplist *both = load_stop("english+science");
    pc_stoplist *en = load_stop("english");
    CHECK_INT(pc_stoplist_contains(sci, "propose", 7), 1);
    CHECK_INT(pc_stoplist_contains(sci, "results", 7), 1);
    CHECK_INT(pc_stoplist_contains(sci, "the", 3), 0);   /* not an English stop list */
    CHECK_INT(pc_stoplist_contains(sci, "graph", 5), 0); /* topics are not boilerplate */
    CHECK_INT(pc_stoplist_contains(sci, "model", 5), 0);
    CHECK_INT(pc_stoplist_contains(en, "propose", 7), 0);
    CHECK_INT(pc_stoplist_contains(both, "propose", 7), 1);
    CHECK_INT(pc_stoplist_contains(both, "the", 3), 1);
    CHECK_INT(pc_stoplist_contains(both, "graph", 5), 0);
    pc_stoplist_free(sci);
    pc_stoplist_free(both);
    pc_stoplist_free(en);
    pc_stoplist *bad = NULL;
    pc_error err;
    CHECK_INT(pc_stoplist_load("english+no/such/list.txt", &bad, &err), PC_ERR_IO);
    CHECK(bad == NULL);
    CHECK(strstr(err.message, "no/such/list.txt: cannot open") != NULL);
}

static void test_stemming(void)
{
    pc_tokenizer *tok = make(NULL, "english", 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "networks running Clustered"), "network|run|cluster");
    /* The cache: repeats, within a call and across calls, stem the same. */
    for (int round = 0; round < 3; round++)
        CHECK_STR(tok_str(tok, "networks running networks connection running connections"),
                  "network|run|network|connect|run|connect");
    pc_tokenizer_free(tok);

    tok = make(NULL, "porter", 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "generalization"), "gener");
    pc_tokenizer_free(tok);

    /* "none" means no stemming. */
    tok = make(NULL, "none", 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "networks"), "networks");
    pc_tokenizer_free(tok);

    /* Stop words are checked on the unstemmed form. */
    pc_stoplist *stop = load_stop("english");
    tok = make(stop, "english", 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "becoming networks"), "network");
    pc_tokenizer_free(tok);
    pc_stoplist_free(stop);
}

static void test_stem_cache_growth(void)
{
    /* 3000 distinct words, each twice, make the cache and its arrays grow.
     * Every stem must equal what libstemmer itself gives for that word (a
     * stemmer of our own, outside the tokenizer and its cache), on the first
     * and on a second pass. */
    static char text[120000];
    static const char *suffix[] = {"ings", "ations", "ness", "ers", "ed", "ly"};
    size_t used = 0;
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(text + used, sizeof text - used, "z%dq%s ", i, suffix[i % 6]);
        memcpy(text + used + (size_t)n, text + used, (size_t)n);
        used += 2 * (size_t)n;
    }
    pc_tokenizer *tok = make(NULL, "english", 1, 2, 1, 0);
    struct sb_stemmer *stemmer = sb_stemmer_new("english", "UTF_8");
    CHECK(stemmer != NULL);
    for (int pass = 0; pass < 2 && stemmer; pass++) {
        pc_tokens out;
        CHECK_INT(pc_tokenize(tok, text, used, &out, NULL), PC_OK);
        CHECK_INT(out.count, 6000);
        int mismatches = 0, changed = 0;
        for (size_t i = 0; i < out.count && i < 6000; i += 2) {
            char word[64];
            int len = snprintf(word, sizeof word, "z%dq%s", (int)(i / 2), suffix[(i / 2) % 6]);
            const char *stem = (const char *)sb_stemmer_stem(stemmer, (const sb_symbol *)word, len);
            if (strcmp(out.term[i], stem) != 0 || strcmp(out.term[i + 1], stem) != 0)
                mismatches++;
            changed += strcmp(stem, word) != 0;
        }
        CHECK_INT(mismatches, 0);
        CHECK_INT(changed, 2000); /* -ings, -ations, -ers, -ly lose a part; -ness, -ed (after "q") stay */
    }
    sb_stemmer_delete(stemmer);
    pc_tokenizer_free(tok);
}

static void test_bigrams(void)
{
    pc_stoplist *stop = load_stop("english");
    pc_tokenizer *tok = make(stop, NULL, 2, 2, 1, 0);
    CHECK_STR(tok_str(tok, "Deep neural networks for the graphs"),
              "deep|neural|networks|graphs|deep neural|neural networks|networks graphs");
    CHECK_STR(tok_str(tok, "single"), "single");
    CHECK_STR(tok_str(tok, "the of"), "");
    pc_tokenizer_free(tok);

    tok = make(stop, "english", 2, 2, 1, 0);
    CHECK_STR(tok_str(tok, "running networks"), "run|network|run network");
    pc_tokenizer_free(tok);
    pc_stoplist_free(stop);
}

static void test_latex(void)
{
    pc_tokenizer *tok = make_default();
    CHECK_STR(tok_str(tok, "energy $E = mc^2$ mass"), "energy|mass");
    CHECK_STR(tok_str(tok, "for $x^2$-terms"), "for|terms");
    CHECK_STR(tok_str(tok, "$$\\int f dx$$ after"), "after");
    CHECK_STR(tok_str(tok, "a$$$$b dollars"), "dollars"); /* empty display math; "a", "b" too short */
    CHECK_STR(tok_str(tok, "before \\(x_1 + yy\\) and \\[zz\\] after"), "before|and|after");
    CHECK_STR(tok_str(tok, "math$inside$word"), "math|word");
    /* "\$" is a dollar sign, and control words go. */
    CHECK_STR(tok_str(tok, "cost \\$5 per \\$6 item"), "cost|per|item");
    CHECK_STR(tok_str(tok, "an \\emph{important} result"), "an|important|result");
    pc_tokenizer_free(tok);

    tok = make(NULL, NULL, 1, 2, 0, 0);
    CHECK_STR(tok_str(tok, "energy $Emc$ mass \\emph"), "energy|emc|mass|emph");
    pc_tokenizer_free(tok);
}

static void test_unmatched_markup(void)
{
    pc_tokenizer *tok = make_default();
    CHECK_STR(tok_str(tok, "price $5 and more"), "price|and|more");
    CHECK_STR(tok_str(tok, "$$ open only $ end"), "open|only|end");
    CHECK_STR(tok_str(tok, "left \\( alone"), "left|alone");
    CHECK_STR(tok_str(tok, "left \\[ alone \\( too"), "left|alone|too");
    CHECK_STR(tok_str(tok, "trailing $"), "trailing");
    CHECK_STR(tok_str(tok, "trailing \\"), "trailing");
    /* A remembered failed search must not hide a later complete pair of
     * another kind. */
    CHECK_STR(tok_str(tok, "aa \\( bb $cc$ dd"), "aa|bb|dd");
    pc_tokenizer_free(tok);
}

static void test_urls(void)
{
    pc_tokenizer *tok = make_default();
    CHECK_STR(tok_str(tok, "see https://arxiv.org/abs/1234 and www.example.com/x, "
                           "HTTP://FOO.BAR/Q done"),
              "see|and|done");
    CHECK_STR(tok_str(tok, "(http://a.org/x)\nnext"), "next");
    /* Only at the start of a token, and "http" alone is a word. */
    CHECK_STR(tok_str(tok, "xhttp://ab http www"), "xhttp|ab|http|www");
    /* U+00A0 no-break space ends a URL. */
    CHECK_STR(tok_str(tok, "www.a.b\xC2\xA0tail"), "tail");
    pc_tokenizer_free(tok);

    tok = make(NULL, NULL, 1, 2, 0, 0);
    CHECK_STR(tok_str(tok, "http://ab.org"), "http|ab|org");
    pc_tokenizer_free(tok);
}

static void test_invalid_utf8(void)
{
    pc_tokenizer *tok = make_default();
    /* A stray byte, a truncated 2-byte and 3-byte sequence, an overlong '/',
     * an encoded surrogate, a code point above U+10FFFF. */
    CHECK_STR(tok_str(tok, "abc\xFF" "def\xC3(gh\xE2\x82xy\xC0\xAFzz\xED\xA0\x80ww\xF4\x90\x80\x80vv"),
              "abc|def|gh|xy|zz|ww|vv");
    CHECK_STR(tok_str(tok, "\x80\x80\x80"), "");
    CHECK_STR(tok_str(tok, "end\xC3"), "end");
    pc_tokenizer_free(tok);
}

static void test_empty(void)
{
    pc_tokenizer *tok = make_default();
    pc_tokens out;
    CHECK_INT(pc_tokenize(tok, "", 0, &out, NULL), PC_OK);
    CHECK_INT(out.count, 0);
    CHECK_INT(pc_tokenize(tok, NULL, 0, &out, NULL), PC_OK);
    CHECK_INT(out.count, 0);
    CHECK_STR(tok_str(tok, " ,;: -- !"), "");
    CHECK_STR(tok_str(tok, "$$ $$"), "");
    pc_tokenizer_free(tok);
}

static void test_long_token(void)
{
    /* Longer than every initial buffer: 3000 × "É" folds to 3000 × "é". */
    static char text[6001];
    pc_tokenizer *tok = make_default();
    for (int i = 0; i < 3000; i++)
        memcpy(text + 2 * i, "\xC3\x89", 2);
    pc_tokens out;
    CHECK_INT(pc_tokenize(tok, text, 6000, &out, NULL), PC_OK);
    CHECK_INT(out.count, 1);
    if (out.count == 1) {
        CHECK_INT(out.length[0], 6000);
        CHECK(memcmp(out.term[0], "\xC3\xA9\xC3\xA9", 4) == 0);
    }
    pc_tokenizer_free(tok);
}

/*
 * Expectations from scikit-learn 1.2.1 (Python 3.11), obtained with
 *   /usr/bin/python3 -c 'from sklearn.feature_extraction.text import TfidfVectorizer as T;
 *       a = T().build_analyzer(); print(a(TEXT))'
 * for each TEXT below (written as Python literals in the comments).
 */
static void test_sklearn_mode(void)
{
    pc_tokenizer *tok = make(NULL, NULL, 1, 2, 1, 1);
    /* "Let x_t be the state; ell_infty norm of a vector, __init__ and _a_." */
    CHECK_STR(tok_str(tok, "Let x_t be the state; ell_infty norm of a vector, __init__ and _a_."),
              "let|x_t|be|the|state|ell_infty|norm|of|vector|__init__|and|_a_");
    /* "\u0130stanbul \u03a3\u039f\u03a6\u0399\u0391\u03a3. \u0391\u03a3.\u0392 Stra\u00dfe
     *  \u00c9COLE cafe\u0301 caf\u00e9"
     * → ['stanbul', 'σοφιας', 'ασ', 'straße', 'école', 'cafe', 'café'] */
    CHECK_STR(tok_str(tok, "\xC4\xB0stanbul \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91\xCE\xA3. "
                           "\xCE\x91\xCE\xA3.\xCE\x92 Stra\xC3\x9F" "e \xC3\x89" "COLE cafe\xCC\x81 "
                           "caf\xC3\xA9"),
              "stanbul|\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1\xCF\x82|\xCE\xB1\xCF\x83|"
              "stra\xC3\x9F" "e|\xC3\xA9" "cole|cafe|caf\xC3\xA9");
    /* "na\u00efve 3D models, 1st-order x\u00b2 \u00bd 42 \u2160\u2161 \u0301ab"
     * → ['naïve', '3d', 'models', '1st', 'order', 'x²', '42', 'ⅰⅱ', 'ab'] */
    CHECK_STR(tok_str(tok, "na\xC3\xAFve 3D models, 1st-order x\xC2\xB2 \xC2\xBD 42 "
                           "\xE2\x85\xA0\xE2\x85\xA1 \xCC\x81" "ab"),
              "na\xC3\xAFve|3d|models|1st|order|x\xC2\xB2|42|\xE2\x85\xB0\xE2\x85\xB1|ab");
    /* "X\u0130 \u0130\u0130ab \u0391\u03a3\u0301 \u0391\u03a3\u0301\u0392"
     * → ['xi', 'ab', 'ας', 'ασ']: U+0130 lowers to "i" + U+0307, which ends the
     * token; U+0301 is case-ignorable for the final sigma rule. */
    CHECK_STR(tok_str(tok, "X\xC4\xB0 \xC4\xB0\xC4\xB0" "ab \xCE\x91\xCE\xA3\xCC\x81 "
                           "\xCE\x91\xCE\xA3\xCC\x81\xCE\x92"),
              "xi|ab|\xCE\xB1\xCF\x82|\xCE\xB1\xCF\x83");
    /* "Deep networks for $x^2$ http://example.org running": no markup stripping
     * → ['deep', 'networks', 'for', 'http', 'example', 'org', 'running'] */
    CHECK_STR(tok_str(tok, "Deep networks for $x^2$ http://example.org running"),
              "deep|networks|for|http|example|org|running");
    pc_tokenizer_free(tok);

    /* TfidfVectorizer(stop_words='english', ngram_range=(1, 2)).build_analyzer()(
     *     "The networks are running on the GPU, and the networks converge.")
     * → ['networks', 'running', 'gpu', 'networks', 'converge', 'networks running',
     *    'running gpu', 'gpu networks', 'networks converge'] */
    pc_stoplist *stop = load_stop("sklearn");
    tok = make(stop, NULL, 2, 2, 1, 1);
    CHECK_STR(tok_str(tok, "The networks are running on the GPU, and the networks converge."),
              "networks|running|gpu|networks|converge|networks running|running gpu|"
              "gpu networks|networks converge");
    pc_tokenizer_free(tok);
    pc_stoplist_free(stop);

    /* min_token_len 1 cannot go below \w\w+. */
    tok = make(NULL, NULL, 1, 1, 1, 1);
    CHECK_STR(tok_str(tok, "a bc _ __"), "bc|__");
    pc_tokenizer_free(tok);
}

static const char *write_file(const char *name, const char *content)
{
    FILE *f = fopen(name, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", name);
        exit(1);
    }
    fputs(content, f);
    fclose(f);
    return name;
}

static void test_stoplist_file(void)
{
    const char *path = write_file("test_tokenize_stop.txt",
                                  "\xEF\xBB\xBF# a comment line\n"
                                  "\n"
                                  "Foo\n"
                                  "  Bar   # trailing comment\n"
                                  "\xC3\x9C" "BER\r\n"
                                  "Stra\xC3\x9F" "e\n"
                                  "   \t\n"
                                  "last");
    pc_stoplist *stop = NULL;
    pc_error err;
    CHECK_INT(pc_stoplist_load(path, &stop, &err), PC_OK);
    CHECK_INT(pc_stoplist_contains(stop, "foo", 3), 1);
    CHECK_INT(pc_stoplist_contains(stop, "bar", 3), 1);
    CHECK_INT(pc_stoplist_contains(stop, "\xC3\xBC" "ber", 5), 1);
    CHECK_INT(pc_stoplist_contains(stop, "strasse", 7), 1);
    CHECK_INT(pc_stoplist_contains(stop, "last", 4), 1);
    CHECK_INT(pc_stoplist_contains(stop, "comment", 7), 0);
    CHECK_INT(pc_stoplist_contains(stop, "the", 3), 0);
    pc_tokenizer *tok = make(stop, NULL, 1, 2, 1, 0);
    CHECK_STR(tok_str(tok, "FOO bar \xC3\x9C" "ber the STRASSE Stra\xC3\x9F" "e baz"), "the|baz");
    pc_tokenizer_free(tok);
    pc_stoplist_free(stop);
    remove(path);
}

static void test_stoplist_errors(void)
{
    static char dummy;
    pc_stoplist *stop = (pc_stoplist *)(void *)&dummy; /* must be reset to NULL */
    pc_error err;
    CHECK_INT(pc_stoplist_load("no/such/dir/stopwords.txt", &stop, &err), PC_ERR_IO);
    CHECK(stop == NULL);
    CHECK_INT(err.status, PC_ERR_IO);
    CHECK(strstr(err.message, "no/such/dir/stopwords.txt: cannot open: ") == err.message);

    const char *path = write_file("test_tokenize_bad.txt", "good\nfine\nba\xFF" "d\n");
    CHECK_INT(pc_stoplist_load(path, &stop, &err), PC_ERR_FORMAT);
    CHECK(stop == NULL);
    CHECK_STR(err.message, "test_tokenize_bad.txt:3: invalid UTF-8");
    remove(path);
}

static void test_option_errors(void)
{
    pc_tokenize_options opt;
    pc_tokenizer *tok = NULL;
    pc_error err;

    pc_tokenize_options_default(&opt);
    opt.stem_lang = "klingon";
    CHECK_INT(pc_tokenizer_new(&opt, &tok, &err), PC_ERR_INVALID);
    CHECK(tok == NULL);
    CHECK(strstr(err.message, "klingon") != NULL);
    CHECK(strstr(err.message, "english") != NULL); /* the known languages are listed */

    pc_tokenize_options_default(&opt);
    opt.ngram_max = 3;
    CHECK_INT(pc_tokenizer_new(&opt, &tok, &err), PC_ERR_INVALID);
    opt.ngram_max = 0;
    CHECK_INT(pc_tokenizer_new(&opt, &tok, &err), PC_ERR_INVALID);

    pc_tokenize_options_default(&opt);
    opt.min_token_len = 0;
    CHECK_INT(pc_tokenizer_new(&opt, &tok, &err), PC_ERR_INVALID);

    /* NULL options mean the defaults. */
    CHECK_INT(pc_tokenizer_new(NULL, &tok, &err), PC_OK);
    CHECK_STR(tok_str(tok, "A Bc"), "bc");
    pc_tokenizer_free(tok);
    pc_tokenizer_free(NULL);
}

/* Every allocation failing in turn: creation and tokenizing either succeed or
 * report PC_ERR_NOMEM, and never crash or leak (ASan checks the latter). */
static void test_out_of_memory(void)
{
    static char text[20000];
    size_t used = 0;
    for (int i = 0; i < 600; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "Caf\xC3\xA9%d word%d ", i, i);
    int saw_nomem = 0, saw_ok = 0;
    for (long n = 1; n < 200; n++) {
        pc_stoplist *stop = NULL;
        pc_tokenizer *tok = NULL;
        pc_error err;
        pc_tokenize_options opt;
        pc_tokenize_options_default(&opt);
        opt.stem_lang = "english";
        opt.ngram_max = 2;
        pc_alloc_fail_after(n);
        pc_status st = pc_stoplist_load("english", &stop, &err);
        if (st == PC_OK) {
            opt.stoplist = stop;
            st = pc_tokenizer_new(&opt, &tok, &err);
        }
        if (st == PC_OK) {
            pc_tokens out;
            st = pc_tokenize(tok, text, used, &out, &err);
            if (st != PC_OK)
                CHECK_INT(out.count, 0);
        }
        pc_alloc_fail_after(0);
        CHECK(st == PC_OK || st == PC_ERR_NOMEM);
        if (st == PC_ERR_NOMEM) {
            CHECK_INT(err.status, PC_ERR_NOMEM);
            saw_nomem = 1;
        } else {
            saw_ok = 1;
        }
        /* A tokenizer that failed in pc_tokenize still works afterwards. */
        if (tok)
            CHECK_STR(tok_str(tok, "running networks"), "run|network|run network");
        pc_tokenizer_free(tok);
        pc_stoplist_free(stop);
    }
    CHECK(saw_nomem);
    CHECK(saw_ok);
}

int main(void)
{
    RUN_TEST(test_defaults);
    RUN_TEST(test_ascii_basics);
    RUN_TEST(test_min_length);
    RUN_TEST(test_digits);
    RUN_TEST(test_case_folding);
    RUN_TEST(test_combining_marks);
    RUN_TEST(test_stop_words);
    RUN_TEST(test_builtin_lists);
    RUN_TEST(test_stemming);
    RUN_TEST(test_stem_cache_growth);
    RUN_TEST(test_bigrams);
    RUN_TEST(test_latex);
    RUN_TEST(test_unmatched_markup);
    RUN_TEST(test_urls);
    RUN_TEST(test_invalid_utf8);
    RUN_TEST(test_empty);
    RUN_TEST(test_long_token);
    RUN_TEST(test_sklearn_mode);
    RUN_TEST(test_stoplist_file);
    RUN_TEST(test_joined_lists);
    RUN_TEST(test_stoplist_errors);
    RUN_TEST(test_option_errors);
    RUN_TEST(test_out_of_memory);
    return TEST_EXIT();
}
