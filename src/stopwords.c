/*
 * stopwords.c — stop lists: a set of case-folded words the tokenizer drops.
 *
 * A list is a pc_strmap used only as a set; once loaded it is never written
 * again, so lookups (pc_strmap_find) are safe from many threads at once.  The
 * built-in English list is the one scikit-learn ships as ENGLISH_STOP_WORDS
 * (sklearn/feature_extraction/_stop_words.py): the stop word list of the
 * Glasgow Information Retrieval Group, distributed by scikit-learn under the
 * BSD-3-Clause licence.  It was obtained with
 *     /usr/bin/python3 -c "from sklearn.feature_extraction.text import
 *         ENGLISH_STOP_WORDS as s; print(sorted(s))"
 * (scikit-learn 1.2.1, 318 words) and is kept sorted below.  "english" and
 * "sklearn" are the same list, so that the default pipeline and the
 * scikit-learn-compatible mode drop the same words.
 *
 * "science" is the list of scientific boilerplate in src/data/science_words.txt
 * (paper, propose, results, ...), embedded at build time; describe.c keeps
 * these words out of cluster labels.  Lists join with '+': "english+science".
 *
 * A stop list file holds one word per line, UTF-8; '#' starts a comment that
 * runs to the end of the line; surrounding blanks and blank lines are ignored;
 * a UTF-8 byte order mark at the start is skipped.  Each word is NFC-normalised
 * and fully case-folded (utf8proc) exactly as default tokens are, so "Über"
 * in the file matches the token "über".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#include "internal.h"
#include "paperclust/tokenize.h"
#include "strmap_internal.h"

/* Normalisation of file words: the same as default tokens (see tokenize.c). */
#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

struct pc_stoplist {
    pc_strmap *words; /* used as a set: the ids are not used */
};

/* scikit-learn's ENGLISH_STOP_WORDS (Glasgow IR Group list, BSD-3), sorted. */
static const char *const english_words[] = {
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost",
    "alone", "along", "already", "also", "although", "always", "am", "among", "amongst",
    "amoungst", "amount", "an", "and", "another", "any", "anyhow", "anyone", "anything",
    "anyway", "anywhere", "are", "around", "as", "at", "back", "be", "became", "because",
    "become", "becomes", "becoming", "been", "before", "beforehand", "behind", "being", "below",
    "beside", "besides", "between", "beyond", "bill", "both", "bottom", "but", "by", "call",
    "can", "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail",
    "do", "done", "down", "due", "during", "each", "eg", "eight", "either", "eleven", "else",
    "elsewhere", "empty", "enough", "etc", "even", "ever", "every", "everyone", "everything",
    "everywhere", "except", "few", "fifteen", "fifty", "fill", "find", "fire", "first", "five",
    "for", "former", "formerly", "forty", "found", "four", "from", "front", "full", "further",
    "get", "give", "go", "had", "has", "hasnt", "have", "he", "hence", "her", "here",
    "hereafter", "hereby", "herein", "hereupon", "hers", "herself", "him", "himself", "his",
    "how", "however", "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest", "into",
    "is", "it", "its", "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd",
    "made", "many", "may", "me", "meanwhile", "might", "mill", "mine", "more", "moreover",
    "most", "mostly", "move", "much", "must", "my", "myself", "name", "namely", "neither",
    "never", "nevertheless", "next", "nine", "no", "nobody", "none", "noone", "nor", "not",
    "nothing", "now", "nowhere", "of", "off", "often", "on", "once", "one", "only", "onto",
    "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over", "own",
    "part", "per", "perhaps", "please", "put", "rather", "re", "same", "see", "seem", "seemed",
    "seeming", "seems", "serious", "several", "she", "should", "show", "side", "since",
    "sincere", "six", "sixty", "so", "some", "somehow", "someone", "something", "sometime",
    "sometimes", "somewhere", "still", "such", "system", "take", "ten", "than", "that", "the",
    "their", "them", "themselves", "then", "thence", "there", "thereafter", "thereby",
    "therefore", "therein", "thereupon", "these", "they", "thick", "thin", "third", "this",
    "those", "though", "three", "through", "throughout", "thru", "thus", "to", "together",
    "too", "top", "toward", "towards", "twelve", "twenty", "two", "un", "under", "until", "up",
    "upon", "us", "very", "via", "was", "we", "well", "were", "what", "whatever", "when",
    "whence", "whenever", "where", "whereafter", "whereas", "whereby", "wherein", "whereupon",
    "wherever", "whether", "which", "while", "whither", "who", "whoever", "whole", "whom",
    "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours",
    "yourself", "yourselves",
};

#define ENGLISH_COUNT (sizeof english_words / sizeof english_words[0])

/* Reusable buffers for folding the words of a file. */
typedef struct fold_buffers {
    utf8proc_int32_t *cps;
    size_t cps_cap;
    char *bytes;
    size_t bytes_cap;
} fold_buffers;

static int add_builtin(pc_stoplist *list)
{
    for (size_t i = 0; i < ENGLISH_COUNT; i++) {
        if (pc_strmap_intern(list->words, english_words[i], strlen(english_words[i]), NULL) < 0)
            return -1;
    }
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int valid_utf8(const char *s, size_t len)
{
    size_t p = 0;
    while (p < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + p,
                                              (utf8proc_ssize_t)(len - p), &c);
        if (n <= 0)
            return 0;
        p += (size_t)n;
    }
    return 1;
}

/*
 * Case-folds `word` (valid UTF-8) and adds it to the list.  0, or -1 when out
 * of memory.
 */
static int add_folded(pc_stoplist *list, fold_buffers *fb, const char *word, size_t len)
{
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)word;
    utf8proc_ssize_t m;
    for (;;) {
        m = utf8proc_decompose(s, (utf8proc_ssize_t)len, fb->cps, (utf8proc_ssize_t)fb->cps_cap,
                               FOLD_OPTIONS);
        if (m < 0)
            return 0; /* cannot happen for valid UTF-8; skip the word */
        if ((size_t)m <= fb->cps_cap)
            break;
        utf8proc_int32_t *cps = pc_realloc_array(fb->cps, (size_t)m, sizeof *cps);
        if (!cps)
            return -1;
        fb->cps = cps;
        fb->cps_cap = (size_t)m;
    }
    m = utf8proc_normalize_utf32(fb->cps, m, FOLD_OPTIONS);
    if (m < 0)
        return 0;
    size_t need = (size_t)m * 4 + 1;
    if (need > fb->bytes_cap) {
        char *bytes = pc_realloc_array(fb->bytes, need, 1);
        if (!bytes)
            return -1;
        fb->bytes = bytes;
        fb->bytes_cap = need;
    }
    size_t n = 0;
    for (utf8proc_ssize_t i = 0; i < m; i++)
        n += (size_t)utf8proc_encode_char(fb->cps[i], (utf8proc_uint8_t *)fb->bytes + n);
    if (n == 0)
        return 0;
    return pc_strmap_intern(list->words, fb->bytes, n, NULL) < 0 ? -1 : 0;
}

/* Reads all of `f` into a new NUL-terminated buffer; NULL with errno set on failure. */
static char *read_all(FILE *f, size_t *len, int *nomem)
{
    size_t cap = 4096, n = 0;
    char *buf = pc_malloc(cap);
    *nomem = 0;
    if (!buf) {
        *nomem = 1;
        return NULL;
    }
    for (;;) {
        if (cap - n < 2) {
            char *bigger = cap <= SIZE_MAX / 2 ? pc_realloc_array(buf, cap * 2, 1) : NULL;
            if (!bigger) {
                free(buf);
                *nomem = 1;
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Adds the words of a stop list's text (the file format above); `name`
 * names it in messages. */
static pc_status add_text(pc_stoplist *list, const char *text, size_t len, const char *name,
                          pc_error *err)
{
    pc_status st = PC_OK;
    fold_buffers fb = {0};
    size_t p = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p = 3;
    for (long line = 1; p < len; line++) {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (!valid_utf8(text + p, end - p)) {
            st = pc_fail(err, PC_ERR_FORMAT, "%s:%ld: invalid UTF-8", name, line);
            break;
        }
        const char *hash = memchr(text + p, '#', end - p);
        size_t stop = hash ? (size_t)(hash - text) : end;
        size_t start = p;
        while (start < stop && is_blank(text[start]))
            start++;
        while (stop > start && is_blank(text[stop - 1]))
            stop--;
        if (stop > start && add_folded(list, &fb, text + start, stop - start) != 0) {
            st = pc_fail_nomem(err, "loading a stop list");
            break;
        }
        p = end + 1;
    }
    free(fb.cps);
    free(fb.bytes);
    return st;
}

static pc_status load_file(pc_stoplist *list, const char *path, pc_error *err)
{
    size_t len = 0;
    int nomem = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pc_fail(err, PC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    errno = 0;
    char *text = read_all(f, &len, &nomem);
    pc_status st;
    if (!text)
        st = nomem ? pc_fail_nomem(err, "reading a stop list")
                   : pc_fail(err, PC_ERR_IO, "%s: cannot read: %s", path,
                             strerror(errno ? errno : EIO));
    else
        st = add_text(list, text, len, path, err);
    free(text);
    fclose(f);
    return st;
}

extern const unsigned char pc_embed_science_words[];
extern const size_t pc_embed_science_words_size;

/* Adds one list named by `spec` (no '+'): a built-in name or a file. */
static pc_status add_list(pc_stoplist *list, const char *spec, pc_error *err)
{
    if (strcmp(spec, "english") == 0 || strcmp(spec, "sklearn") == 0) {
        if (add_builtin(list) != 0)
            return pc_fail_nomem(err, "creating a stop list");
        return PC_OK;
    }
    if (strcmp(spec, "science") == 0)
        return add_text(list, (const char *)pc_embed_science_words, pc_embed_science_words_size,
                        "science", err);
    if (strcmp(spec, "none") == 0)
        return PC_OK;
    return load_file(list, spec, err);
}

pc_status pc_stoplist_load(const char *spec, pc_stoplist **out, pc_error *err)
{
    pc_status st = PC_OK;
    pc_stoplist *list = NULL;
    char *parts = NULL;

    *out = NULL;
    if (!spec)
        spec = "english";
    list = pc_calloc(1, sizeof *list);
    if (!list || !(list->words = pc_strmap_new())) {
        st = pc_fail_nomem(err, "creating a stop list");
        goto fail;
    }
    if (!strchr(spec, '+') || access(spec, F_OK) == 0) { /* one list (a file may hold '+') */
        st = add_list(list, spec, err);
        goto done;
    }
    parts = pc_strndup(spec, strlen(spec));
    if (!parts) {
        st = pc_fail_nomem(err, "creating a stop list");
        goto fail;
    }
    for (char *part = parts, *next; part && st == PC_OK; part = next) {
        next = strchr(part, '+');
        if (next)
            *next++ = '\0';
        st = add_list(list, part, err);
    }
done:
    if (st != PC_OK)
        goto fail;
    free(parts);
    *out = list;
    return PC_OK;
fail:
    free(parts);
    pc_stoplist_free(list);
    return st;
}

pc_status pc_stoplist_new_words(int32_t n, const char *const *words, pc_stoplist **out,
                                pc_error *err)
{
    *out = NULL;
    pc_stoplist *list = pc_calloc(1, sizeof *list);
    if (!list || !(list->words = pc_strmap_new())) {
        pc_stoplist_free(list);
        return pc_fail_nomem(err, "creating a stop list");
    }
    for (int32_t i = 0; i < n; i++) {
        if (pc_strmap_intern(list->words, words[i], strlen(words[i]), NULL) < 0) {
            pc_stoplist_free(list);
            return pc_fail_nomem(err, "creating a stop list");
        }
    }
    *out = list;
    return PC_OK;
}

void pc_stoplist_free(pc_stoplist *stoplist)
{
    if (!stoplist)
        return;
    pc_strmap_free(stoplist->words);
    free(stoplist);
}

int pc_stoplist_contains(const pc_stoplist *stoplist, const char *word, size_t len)
{
    return stoplist && pc_strmap_find(stoplist->words, word, len) >= 0;
}

int32_t pc_stoplist_count(const pc_stoplist *stoplist)
{
    return stoplist ? pc_strmap_count(stoplist->words) : 0;
}

const char *pc_stoplist_word(const pc_stoplist *stoplist, int32_t i, size_t *len)
{
    return pc_strmap_key(stoplist->words, i, len);
}
