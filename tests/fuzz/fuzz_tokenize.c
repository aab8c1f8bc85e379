/*
 * fuzz_tokenize.c — libFuzzer target for pc_tokenize() over arbitrary bytes
 * (the text need not be UTF-8 or NUL-terminated: libFuzzer's buffer is
 * exactly `size` bytes, so AddressSanitizer sees any read past its end).
 *
 * Four tokenizers, built fresh for every input so a crash reproduces alone:
 *   0 the defaults (English stop words, markup stripped);
 *   1 sklearn_tokens with the "sklearn" stop list;
 *   2 Snowball "english" stemming and bigrams;
 *   3 strip_markup off and min_token_len 1, no stop words.
 * Each tokenizes the whole text, then its second half, then the whole text
 * again: the first and last results must be identical (the tokenizer's
 * buffers and stem cache are reused in between).
 *
 * Checked, from tokenize.h: pc_tokenize returns PC_OK; every term is non-empty
 * well-formed UTF-8, NUL-terminated at its stated length with no NUL inside;
 * unigrams hold no space, and without stemming they have at least
 * min_token_len code points and are not stop words; with ngram_max 2 the
 * terms are the U unigrams then the U - 1 bigrams "u[i] u[i+1]".
 */
#include "fuzz_util.h"

#include "paperclust/tokenize.h"

#define N_CONFIGS 4

static pc_stoplist *english_stop, *sklearn_stop;

/* A private copy of a result, to compare with a later one. */
typedef struct saved_tokens {
    size_t count;
    char **term;
    size_t *length;
} saved_tokens;

static void configure(int which, pc_tokenize_options *opt)
{
    pc_tokenize_options_default(opt);
    opt->stoplist = english_stop;
    switch (which) {
    case 1:
        opt->sklearn_tokens = 1;
        opt->stoplist = sklearn_stop;
        break;
    case 2:
        opt->stem_lang = "english";
        opt->ngram_max = 2;
        break;
    case 3:
        opt->strip_markup = 0;
        opt->min_token_len = 1;
        opt->stoplist = NULL;
        break;
    default:
        break;
    }
}

static int is_stemmed(const pc_tokenize_options *opt)
{
    return opt->stem_lang && strcmp(opt->stem_lang, "none") != 0;
}

static void check_terms(const pc_tokenize_options *opt, const pc_tokens *tokens, int which)
{
    size_t unigrams = tokens->count;
    if (opt->ngram_max == 2) { /* U unigrams then U - 1 bigrams: find U */
        unigrams = 0;
        while (unigrams < tokens->count && !memchr(tokens->term[unigrams], ' ',
                                                   tokens->length[unigrams]))
            unigrams++;
        size_t bigrams = unigrams ? unigrams - 1 : 0;
        FUZZ_CHECK(tokens->count == unigrams + bigrams,
                   "config %d: %zu terms for %zu unigrams", which, tokens->count, unigrams);
    }
    for (size_t i = 0; i < tokens->count; i++) {
        const char *term = tokens->term[i];
        size_t len = tokens->length[i], code_points = 0;
        FUZZ_CHECK(term != NULL && len > 0, "config %d: term %zu is empty", which, i);
        FUZZ_CHECK(term[len] == '\0' && strlen(term) == len,
                   "config %d: term %zu: length %zu, strlen %zu", which, i, len, strlen(term));
        FUZZ_CHECK(fuzz_valid_utf8(term, len, &code_points),
                   "config %d: term %zu is not valid UTF-8", which, i);
        if (i < unigrams) {
            FUZZ_CHECK(!memchr(term, ' ', len), "config %d: unigram %zu \"%s\" holds a space",
                       which, i, term);
            if (!is_stemmed(opt)) {
                FUZZ_CHECK(code_points >= (size_t)opt->min_token_len,
                           "config %d: unigram \"%s\" shorter than %d code points", which, term,
                           opt->min_token_len);
                FUZZ_CHECK(!pc_stoplist_contains(opt->stoplist, term, len),
                           "config %d: stop word \"%s\" kept", which, term);
            }
        } else {
            size_t j = i - unigrams, a = tokens->length[j], b = tokens->length[j + 1];
            FUZZ_CHECK(len == a + 1 + b && memcmp(term, tokens->term[j], a) == 0 &&
                           term[a] == ' ' && memcmp(term + a + 1, tokens->term[j + 1], b) == 0,
                       "config %d: bigram %zu \"%s\" is not \"%s %s\"", which, j, term,
                       tokens->term[j], tokens->term[j + 1]);
        }
    }
}

static void save(const pc_tokens *tokens, saved_tokens *out)
{
    out->count = tokens->count;
    out->term = calloc(tokens->count ? tokens->count : 1, sizeof *out->term);
    out->length = calloc(tokens->count ? tokens->count : 1, sizeof *out->length);
    FUZZ_CHECK(out->term && out->length, "out of memory in the harness");
    for (size_t i = 0; i < tokens->count; i++) {
        out->length[i] = tokens->length[i];
        out->term[i] = malloc(tokens->length[i] + 1);
        FUZZ_CHECK(out->term[i], "out of memory in the harness");
        memcpy(out->term[i], tokens->term[i], tokens->length[i] + 1);
    }
}

static void check_same(const saved_tokens *first, const pc_tokens *again, int which)
{
    FUZZ_CHECK(first->count == again->count, "config %d: %zu terms, then %zu", which,
               first->count, again->count);
    for (size_t i = 0; i < first->count; i++)
        FUZZ_CHECK(first->length[i] == again->length[i] &&
                       memcmp(first->term[i], again->term[i], first->length[i]) == 0,
                   "config %d: term %zu \"%s\", then \"%s\"", which, i, first->term[i],
                   again->term[i]);
}

static void release(saved_tokens *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->term[i]);
    free(s->term);
    free(s->length);
}

static void tokenize_checked(pc_tokenizer *tokenizer, const pc_tokenize_options *opt,
                             const char *text, size_t len, pc_tokens *out, int which)
{
    pc_error err = {PC_OK, ""};
    pc_status status = pc_tokenize(tokenizer, text, len, out, &err);
    FUZZ_CHECK(status == PC_OK, "config %d: status %d: %s", which, (int)status, err.message);
    check_terms(opt, out, which);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pc_error err = {PC_OK, ""};
    FUZZ_CHECK(pc_stoplist_load("english", &english_stop, &err) == PC_OK, "%s", err.message);
    FUZZ_CHECK(pc_stoplist_load("sklearn", &sklearn_stop, &err) == PC_OK, "%s", err.message);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    for (int which = 0; which < N_CONFIGS; which++) {
        pc_tokenize_options opt;
        pc_tokenizer *tokenizer = NULL;
        pc_error err = {PC_OK, ""};
        configure(which, &opt);
        FUZZ_CHECK(pc_tokenizer_new(&opt, &tokenizer, &err) == PC_OK, "config %d: %s", which,
                   err.message);
        pc_tokens tokens;
        saved_tokens first;
        tokenize_checked(tokenizer, &opt, text, size, &tokens, which);
        save(&tokens, &first);
        tokenize_checked(tokenizer, &opt, text + size / 2, size - size / 2, &tokens, which);
        tokenize_checked(tokenizer, &opt, text, size, &tokens, which);
        check_same(&first, &tokens, which);
        release(&first);
        pc_tokenizer_free(tokenizer);
    }
    return 0;
}
