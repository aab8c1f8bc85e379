/*
 * tokenize.c — from a document's UTF-8 text to its terms.
 *
 * One left-to-right pass over the bytes.  In the separator state each byte is
 * classified: ASCII through a couple of comparisons, anything else decoded
 * with utf8proc_iterate (an invalid sequence is a one-byte separator) and
 * classified by its general category.  A token is then the maximal run of
 * token characters from there:
 *   - default: letters (L*), combining marks (M*) and digits (Nd, Nl, No).
 *     A run of pure ASCII is lower-cased byte by byte (the fast path: no
 *     utf8proc call at all); any other run goes through utf8proc_decompose +
 *     utf8proc_normalize_utf32 with COMPOSE|CASEFOLD, i.e. NFC and full case
 *     folding ("Straße" → "strasse"), into a reused code-point buffer.
 *   - sklearn_tokens: Python's re `\w` on the lower-cased text, which is what
 *     scikit-learn's token_pattern (?u)\b\w\w+\b sees after doc.lower():
 *     str.isalnum() (L*, N*) plus '_', not combining marks; str.lower() is the
 *     simple lower-case mapping (utf8proc_tolower) except for two cases that
 *     Python takes from SpecialCasing.txt: U+0130 'İ' becomes "i" + U+0307,
 *     and U+0307 is not \w, so the token ends after the "i"; and a capital
 *     sigma becomes final 'ς' in the Final_Sigma context, judged on the whole
 *     text as Python does.  Checked against Python 3.11 over every code point:
 *     identical for all characters assigned in Unicode 14; characters new in
 *     Unicode 15 (utf8proc 2.8) are letters here and unassigned there.
 *
 * With strip_markup (default mode only), the separator state also removes
 * LaTeX math — $...$, $$...$$, \(...\), \[...\]; an opener without a closer
 * is only a separator; "\$" is a literal dollar, never math — LaTeX control
 * words outside math ("\emph", "\cite"), and URLs: a token starting with
 * http://, https:// or www. (any case) is skipped up to the next white space.
 * A failed search for a closer is remembered for the rest of the text, so
 * stray openers cannot make the pass quadratic.
 *
 * A token shorter than min_token_len code points (counted after folding) or in
 * the stop list (checked on the folded, unstemmed form) is dropped.  With a
 * Snowball language, kept tokens are stemmed through a per-tokenizer cache: a
 * pc_strmap from surface form to id and a parallel array of stems, so each
 * distinct surface form meets libstemmer once.  With ngram_max 2 the bigrams
 * of consecutive kept tokens follow the unigrams (as scikit-learn's
 * ngram_range=(1, 2) orders them).
 *
 * Memory: every buffer (folded word, output bytes, term arrays, stem cache)
 * lives in the tokenizer and only grows, so in steady state a call allocates
 * nothing.  Output terms are NUL-terminated copies in one byte arena.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "internal.h"
#include "paperclust/tokenize.h"
#include "strmap_internal.h"

/* NFC + full case folding; stopwords.c folds file words with the same options. */
#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

#define CAPITAL_SIGMA 0x03A3
#define SMALL_SIGMA 0x03C3
#define FINAL_SIGMA 0x03C2
#define CAPITAL_I_DOT 0x0130

struct pc_tokenizer {
    int sklearn;
    int strip_markup;
    int ngram_max;
    size_t min_len;
    const pc_stoplist *stoplist;

    /* Stemming: surface form id (stem_map) → stem_bytes[stem_offset[id] ..
     * stem_offset[id + 1] - 1), NUL-terminated. */
    struct sb_stemmer *stemmer;
    pc_strmap *stem_map;
    size_t *stem_offset;
    size_t stem_offset_cap;
    char *stem_bytes;
    size_t stem_bytes_len, stem_bytes_cap;

    /* Scratch for one token. */
    utf8proc_int32_t *fold;
    size_t fold_cap;
    char *word;
    size_t word_cap;

    /* Output of the last call. */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *offset;
    size_t *length;
    const char **term;
    size_t n_terms, term_cap;

    /* Per call: no closer of this kind occurs after the current position. */
    int no_dollar, no_double_dollar, no_paren_close, no_bracket_close;
};

/* ---- buffers ---------------------------------------------------------- */

/* `buf` grown to hold `need` elements of `size` bytes (capacity *cap), or NULL
 * when out of memory (then `buf` is untouched and still owned by the caller). */
static void *grow(void *buf, size_t *cap, size_t need, size_t size)
{
    if (buf && need <= *cap)
        return buf;
    size_t n = *cap > 16 ? *cap : 16;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    void *p = pc_realloc_array(buf, n, size);
    if (p)
        *cap = n;
    return p;
}

static int reserve_bytes(char **buf, size_t *cap, size_t need)
{
    char *p = grow(*buf, cap, need, 1);
    if (!p)
        return -1;
    *buf = p;
    return 0;
}

/* Room for `need` output terms in the three parallel term arrays. */
static int reserve_terms(pc_tokenizer *tok, size_t need)
{
    if (need <= tok->term_cap)
        return 0;
    size_t cap = tok->term_cap, cap1 = cap, cap2 = cap;
    size_t *offset = grow(tok->offset, &cap, need, sizeof *offset);
    if (!offset)
        return -1;
    tok->offset = offset;
    size_t *length = grow(tok->length, &cap1, need, sizeof *length);
    if (!length)
        return -1;
    tok->length = length;
    const char **term = grow(tok->term, &cap2, need, sizeof *term);
    if (!term)
        return -1;
    tok->term = term;
    tok->term_cap = cap < cap1 ? (cap < cap2 ? cap : cap2) : (cap1 < cap2 ? cap1 : cap2);
    return 0;
}

/* Appends one term (copied) to the output. */
static int push_term(pc_tokenizer *tok, const char *s, size_t len)
{
    if (reserve_terms(tok, tok->n_terms + 1) != 0 ||
        reserve_bytes(&tok->arena, &tok->arena_cap, tok->arena_len + len + 1) != 0)
        return -1;
    memcpy(tok->arena + tok->arena_len, s, len);
    tok->arena[tok->arena_len + len] = '\0';
    tok->offset[tok->n_terms] = tok->arena_len;
    tok->length[tok->n_terms] = len;
    tok->n_terms++;
    tok->arena_len += len + 1;
    return 0;
}

/* ---- character classes ------------------------------------------------ */

static int ascii_alnum(unsigned b)
{
    return (unsigned)((b | 0x20u) - 'a') < 26u || (unsigned)(b - '0') < 10u;
}

static int ascii_token_byte(unsigned b, int sklearn)
{
    return ascii_alnum(b) || (sklearn && b == '_');
}

static unsigned char ascii_lower(unsigned char b)
{
    return (unsigned char)((unsigned)(b - 'A') < 26u ? b + 32 : b);
}

/* Default tokens: letters, combining marks, digits. */
static int default_token_cp(utf8proc_int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO;
}

/* Python's \w: str.isalnum() (L*, N*) or '_'. */
static int python_word_cp(utf8proc_int32_t c)
{
    if (c == '_')
        return 1;
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO);
}

/* Whether a non-ASCII code point, lower-cased as Python does, is \w.
 * U+0130 lowers to "i" + U+0307: its first half is. */
static int sklearn_token_cp(utf8proc_int32_t c)
{
    return c == CAPITAL_I_DOT || python_word_cp(utf8proc_tolower(c));
}

static int token_cp(const pc_tokenizer *tok, utf8proc_int32_t c)
{
    return tok->sklearn ? sklearn_token_cp(c) : default_token_cp(c);
}

/* ---- Final_Sigma (sklearn mode) ---------------------------------------- */

/* Unicode Case_Ignorable: Mn, Me, Cf, Lm, Sk, or Word_Break MidLetter,
 * MidNumLet or Single_Quote. */
static int case_ignorable(utf8proc_int32_t c)
{
    switch (c) {
    case 0x0027: case 0x002E: case 0x003A: case 0x00B7: case 0x0387: case 0x055F:
    case 0x05F4: case 0x2018: case 0x2019: case 0x2024: case 0x2027: case 0xFE13:
    case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E: case 0xFF1A:
        return 1;
    default:
        break;
    }
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK:
        return 1;
    default:
        return 0;
    }
}

/* Unicode Cased (for characters that are not case-ignorable): Lu, Ll, Lt,
 * anything with a case mapping, and the few Other_Lowercase/Other_Uppercase
 * characters that have none. */
static int cased(utf8proc_int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    if (k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT)
        return 1;
    if (utf8proc_tolower(c) != c || utf8proc_toupper(c) != c)
        return 1;
    return c == 0x00AA || c == 0x00BA || (c >= 0x1F130 && c <= 0x1F149) ||
           (c >= 0x1F150 && c <= 0x1F169) || (c >= 0x1F170 && c <= 0x1F189);
}

/* The code point ending just before byte `pos` (> 0) and where it starts; an
 * invalid byte reads as -1 (neither cased nor ignorable). */
static size_t previous_cp(const unsigned char *s, size_t pos, utf8proc_int32_t *c)
{
    size_t q = pos - 1;
    while (q > 0 && pos - q < 4 && (s[q] & 0xC0) == 0x80)
        q--;
    if (utf8proc_iterate(s + q, (utf8proc_ssize_t)(pos - q), c) == (utf8proc_ssize_t)(pos - q))
        return q;
    *c = -1;
    return pos - 1;
}

/* Python's str.lower() of the capital sigma at bytes [start, end) of the
 * whole text: final when a cased letter precedes it and none follows it,
 * case-ignorable characters skipped both ways. */
static utf8proc_int32_t lower_sigma(const unsigned char *s, size_t len, size_t start, size_t end)
{
    utf8proc_int32_t c = -1;
    size_t j = start;
    int found = 0;
    while (j > 0) {
        j = previous_cp(s, j, &c);
        if (c < 0 || !case_ignorable(c)) {
            found = 1;
            break;
        }
    }
    if (!found || c < 0 || !cased(c))
        return SMALL_SIGMA;
    for (j = end; j < len;) {
        utf8proc_ssize_t n = utf8proc_iterate(s + j, (utf8proc_ssize_t)(len - j), &c);
        if (n < 0)
            return FINAL_SIGMA; /* an invalid byte: not cased */
        if (!case_ignorable(c))
            return cased(c) ? SMALL_SIGMA : FINAL_SIGMA;
        j += (size_t)n;
    }
    return FINAL_SIGMA;
}

/* ---- markup ------------------------------------------------------------ */

/* First i >= from with s[i] == a and s[i + 1] == b, or len. */
static size_t find_pair(const unsigned char *s, size_t len, size_t from, unsigned char a,
                        unsigned char b)
{
    while (from + 1 < len) {
        const unsigned char *q = memchr(s + from, a, len - from - 1);
        if (!q)
            break;
        size_t i = (size_t)(q - s);
        if (s[i + 1] == b)
            return i;
        from = i + 1;
    }
    return len;
}

/* Skips the math or control word opened by '$' or '\\' at `p`; returns where
 * scanning resumes.  An unmatched opener is just a separator. */
static size_t skip_latex(pc_tokenizer *tok, const unsigned char *s, size_t len, size_t p)
{
    if (s[p] == '$') {
        if (p + 1 < len && s[p + 1] == '$') {
            size_t q = tok->no_double_dollar ? len : find_pair(s, len, p + 2, '$', '$');
            if (q < len)
                return q + 2;
            tok->no_double_dollar = 1;
            return p + 2;
        }
        const unsigned char *q = tok->no_dollar ? NULL : memchr(s + p + 1, '$', len - p - 1);
        if (q)
            return (size_t)(q - s) + 1;
        tok->no_dollar = 1;
        return p + 1;
    }
    if (p + 1 >= len)
        return p + 1;
    unsigned char next = s[p + 1];
    if (next == '(' || next == '[') {
        int *none = next == '(' ? &tok->no_paren_close : &tok->no_bracket_close;
        size_t q = *none ? len : find_pair(s, len, p + 2, '\\', next == '(' ? ')' : ']');
        if (q < len)
            return q + 2;
        *none = 1;
        return p + 2;
    }
    if (next == '$')
        return p + 2; /* "\$": a dollar sign, not math */
    size_t q = p + 1;
    while (q < len && (unsigned)((s[q] | 0x20u) - 'a') < 26u)
        q++; /* a control word such as \emph; q == p + 1 for a control symbol */
    return q;
}

static int prefix_ci(const unsigned char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        if (ascii_lower(s[i]) != (unsigned char)prefix[i])
            return 0;
    }
    return 1;
}

static int url_at(const unsigned char *s, size_t n)
{
    return prefix_ci(s, n, "http://") || prefix_ci(s, n, "https://") || prefix_ci(s, n, "www.");
}

/* The end of the URL at `p`: the next white space (ASCII, or Unicode Zs/Zl/Zp). */
static size_t skip_url(const unsigned char *s, size_t len, size_t p)
{
    while (p < len) {
        unsigned b = s[p];
        if (b < 0x80) {
            if (b == ' ' || (b >= '\t' && b <= '\r'))
                return p;
            p++;
            continue;
        }
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate(s + p, (utf8proc_ssize_t)(len - p), &c);
        if (n < 0) {
            p++;
            continue;
        }
        utf8proc_category_t k = utf8proc_category(c);
        if (k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP)
            return p;
        p += (size_t)n;
    }
    return p;
}

/* ---- one token --------------------------------------------------------- */

/* The stem of the folded word w[0..wl) through the cache; -1 when out of memory. */
static int stem_of(pc_tokenizer *tok, const char *w, size_t wl, const char **stem,
                   size_t *stem_len)
{
    int32_t id = pc_strmap_find(tok->stem_map, w, wl);
    if (id < 0) {
        if (wl > INT_MAX) {
            *stem = w;
            *stem_len = wl;
            return 0;
        }
        const sb_symbol *out = sb_stemmer_stem(tok->stemmer, (const sb_symbol *)w, (int)wl);
        if (!out)
            return -1;
        size_t sl = (size_t)sb_stemmer_length(tok->stemmer);
        size_t count = (size_t)pc_strmap_count(tok->stem_map);
        size_t *offset = grow(tok->stem_offset, &tok->stem_offset_cap, count + 2,
                              sizeof *offset);
        if (!offset)
            return -1;
        tok->stem_offset = offset;
        size_t start = tok->stem_bytes_len; /* == stem_offset[count] */
        if (reserve_bytes(&tok->stem_bytes, &tok->stem_bytes_cap, start + sl + 1) != 0)
            return -1;
        memcpy(tok->stem_bytes + start, out, sl);
        tok->stem_bytes[start + sl] = '\0';
        tok->stem_bytes_len = start + sl + 1;
        tok->stem_offset[count + 1] = tok->stem_bytes_len;
        id = pc_strmap_intern(tok->stem_map, w, wl, NULL);
        if (id < 0) {
            /* The map may have kept the key while failing to grow; drop the
             * stem only when it did not. */
            if ((size_t)pc_strmap_count(tok->stem_map) == count)
                tok->stem_bytes_len = start;
            return -1;
        }
    }
    size_t start = tok->stem_offset[id];
    *stem = tok->stem_bytes + start;
    *stem_len = tok->stem_offset[id + 1] - start - 1;
    return 0;
}

/* Filters, stems and appends the folded token word[0..wl) of n_cp code points. */
static int emit(pc_tokenizer *tok, size_t wl, size_t n_cp)
{
    const char *w = tok->word;
    if (n_cp < tok->min_len)
        return 0;
    if (tok->stoplist && pc_stoplist_contains(tok->stoplist, w, wl))
        return 0;
    if (tok->stemmer && stem_of(tok, w, wl, &w, &wl) != 0)
        return -1;
    if (wl == 0)
        return 0;
    return push_term(tok, w, wl);
}

/* NFC + full case folding of the valid UTF-8 run s[0..n) into tok->word. */
static int fold_run(pc_tokenizer *tok, const unsigned char *s, size_t n, size_t *wl,
                    size_t *n_cp)
{
    utf8proc_ssize_t m;
    for (;;) {
        m = utf8proc_decompose(s, (utf8proc_ssize_t)n, tok->fold,
                               (utf8proc_ssize_t)tok->fold_cap, FOLD_OPTIONS);
        if (m < 0) {
            *wl = *n_cp = 0; /* cannot happen on a valid run: drop it */
            return 0;
        }
        if ((size_t)m <= tok->fold_cap)
            break;
        utf8proc_int32_t *fold = grow(tok->fold, &tok->fold_cap, (size_t)m, sizeof *fold);
        if (!fold)
            return -1;
        tok->fold = fold;
    }
    m = utf8proc_normalize_utf32(tok->fold, m, FOLD_OPTIONS);
    if (m < 0)
        m = 0;
    if (reserve_bytes(&tok->word, &tok->word_cap, (size_t)m * 4 + 1) != 0)
        return -1;
    size_t k = 0;
    for (utf8proc_ssize_t i = 0; i < m; i++)
        k += (size_t)utf8proc_encode_char(tok->fold[i], (utf8proc_uint8_t *)tok->word + k);
    *wl = k;
    *n_cp = (size_t)m;
    return 0;
}

/*
 * The token starting at p (a token character); sets *end past it and emits
 * it.  Cost: one classification per byte (ASCII) or code point, then a copy;
 * utf8proc's normaliser only for runs that are not pure ASCII.
 */
static int scan_token(pc_tokenizer *tok, const unsigned char *s, size_t len, size_t p,
                      size_t *end)
{
    const int sklearn = tok->sklearn;
    size_t q = p;
    int ascii = 1;
    for (;;) {
        while (q < len && s[q] < 0x80 && ascii_token_byte(s[q], sklearn))
            q++;
        if (q >= len || s[q] < 0x80)
            break;
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate(s + q, (utf8proc_ssize_t)(len - q), &c);
        if (n < 0 || !token_cp(tok, c))
            break;
        ascii = 0;
        q += (size_t)n;
        if (sklearn && c == CAPITAL_I_DOT)
            break; /* lowers to "i" + U+0307, and U+0307 is not \w */
    }
    *end = q;

    size_t wl = 0, n_cp = 0;
    if (reserve_bytes(&tok->word, &tok->word_cap, 4 * (q - p) + 1) != 0)
        return -1;
    if (ascii) {
        for (size_t i = p; i < q; i++)
            tok->word[i - p] = (char)ascii_lower(s[i]);
        wl = n_cp = q - p;
    } else if (!sklearn) {
        if (fold_run(tok, s + p, q - p, &wl, &n_cp) != 0)
            return -1;
    } else {
        /* Python's str.lower(), one code point at a time; never more than
         * 4 bytes out per input byte. */
        for (size_t i = p; i < q; n_cp++) {
            if (s[i] < 0x80) {
                tok->word[wl++] = (char)ascii_lower(s[i++]);
                continue;
            }
            utf8proc_int32_t c;
            utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(q - i), &c);
            size_t start = i;
            i += (size_t)n; /* valid: the scan above decoded it */
            if (c == CAPITAL_SIGMA)
                c = lower_sigma(s, len, start, i);
            else
                c = utf8proc_tolower(c);
            wl += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)tok->word + wl);
        }
    }
    return emit(tok, wl, n_cp);
}

/* ---- public ------------------------------------------------------------ */

void pc_tokenize_options_default(pc_tokenize_options *opt)
{
    opt->stoplist = NULL;
    opt->stem_lang = NULL;
    opt->ngram_max = 1;
    opt->min_token_len = 2;
    opt->strip_markup = 1;
    opt->sklearn_tokens = 0;
}

/* "unknown stemming language 'x' (known: ...)" or PC_ERR_NOMEM when libstemmer
 * knows `lang` but could not allocate. */
static pc_status stemmer_failure(const char *lang, pc_error *err)
{
    char known[PC_ERROR_MAX] = "";
    size_t used = 0;
    for (const char **name = sb_stemmer_list(); *name; name++) {
        if (strcmp(*name, lang) == 0)
            return pc_fail_nomem(err, "creating a stemmer");
        size_t k = strlen(*name);
        if (used + k + 3 < sizeof known) {
            if (used) {
                memcpy(known + used, ", ", 2);
                used += 2;
            }
            memcpy(known + used, *name, k + 1);
            used += k;
        }
    }
    return pc_fail(err, PC_ERR_INVALID, "unknown stemming language '%s' (known: %s)", lang,
                   known);
}

pc_status pc_tokenizer_new(const pc_tokenize_options *opt, pc_tokenizer **out, pc_error *err)
{
    pc_status st = PC_OK;
    pc_tokenizer *tok = NULL;
    pc_tokenize_options defaults;

    *out = NULL;
    if (!opt) {
        pc_tokenize_options_default(&defaults);
        opt = &defaults;
    }
    if (opt->ngram_max != 1 && opt->ngram_max != 2)
        return pc_fail(err, PC_ERR_INVALID, "ngram_max must be 1 or 2, not %d", opt->ngram_max);
    if (opt->min_token_len < 1)
        return pc_fail(err, PC_ERR_INVALID, "min_token_len must be at least 1, not %d",
                       opt->min_token_len);

    tok = pc_calloc(1, sizeof *tok);
    if (!tok)
        return pc_fail_nomem(err, "creating a tokenizer");
    tok->sklearn = opt->sklearn_tokens != 0;
    tok->strip_markup = opt->strip_markup && !tok->sklearn;
    tok->ngram_max = opt->ngram_max;
    tok->min_len = (size_t)opt->min_token_len;
    if (tok->sklearn && tok->min_len < 2)
        tok->min_len = 2; /* \w\w+ */
    tok->stoplist = opt->stoplist;

    if (opt->stem_lang && strcmp(opt->stem_lang, "none") != 0) {
        tok->stemmer = sb_stemmer_new(opt->stem_lang, "UTF_8");
        if (!tok->stemmer) {
            st = stemmer_failure(opt->stem_lang, err);
            goto fail;
        }
        tok->stem_map = pc_strmap_new();
        tok->stem_offset = grow(NULL, &tok->stem_offset_cap, 1024, sizeof *tok->stem_offset);
        if (!tok->stem_map || !tok->stem_offset ||
            reserve_bytes(&tok->stem_bytes, &tok->stem_bytes_cap, 8192) != 0)
            goto nomem;
        tok->stem_offset[0] = 0;
    }
    tok->fold = grow(NULL, &tok->fold_cap, 256, sizeof *tok->fold);
    if (!tok->fold || reserve_bytes(&tok->word, &tok->word_cap, 256) != 0 ||
        reserve_bytes(&tok->arena, &tok->arena_cap, 4096) != 0 || reserve_terms(tok, 256) != 0)
        goto nomem;
    *out = tok;
    return PC_OK;
nomem:
    st = pc_fail_nomem(err, "creating a tokenizer");
fail:
    pc_tokenizer_free(tok);
    return st;
}

void pc_tokenizer_free(pc_tokenizer *tokenizer)
{
    if (!tokenizer)
        return;
    if (tokenizer->stemmer)
        sb_stemmer_delete(tokenizer->stemmer);
    pc_strmap_free(tokenizer->stem_map);
    free(tokenizer->stem_offset);
    free(tokenizer->stem_bytes);
    free(tokenizer->fold);
    free(tokenizer->word);
    free(tokenizer->arena);
    free(tokenizer->offset);
    free(tokenizer->length);
    free(tokenizer->term);
    free(tokenizer);
}

/* Appends "a b" for each pair of consecutive unigrams. */
static int add_bigrams(pc_tokenizer *tok)
{
    size_t n = tok->n_terms;
    if (n < 2)
        return 0;
    size_t need = tok->arena_len;
    for (size_t i = 0; i + 1 < n; i++)
        need += tok->length[i] + tok->length[i + 1] + 2;
    if (reserve_terms(tok, 2 * n - 1) != 0 ||
        reserve_bytes(&tok->arena, &tok->arena_cap, need) != 0)
        return -1;
    for (size_t i = 0; i + 1 < n; i++) {
        char *dst = tok->arena + tok->arena_len;
        size_t a = tok->length[i], b = tok->length[i + 1];
        memcpy(dst, tok->arena + tok->offset[i], a);
        dst[a] = ' ';
        memcpy(dst + a + 1, tok->arena + tok->offset[i + 1], b);
        dst[a + 1 + b] = '\0';
        tok->offset[tok->n_terms] = tok->arena_len;
        tok->length[tok->n_terms] = a + 1 + b;
        tok->n_terms++;
        tok->arena_len += a + b + 2;
    }
    return 0;
}

pc_status pc_tokenize(pc_tokenizer *tokenizer, const char *text, size_t len, pc_tokens *out,
                      pc_error *err)
{
    pc_tokenizer *tok = tokenizer;
    const unsigned char *s = (const unsigned char *)text;

    out->count = 0;
    out->term = NULL;
    out->length = NULL;
    tok->n_terms = 0;
    tok->arena_len = 0;
    tok->no_dollar = tok->no_double_dollar = tok->no_paren_close = tok->no_bracket_close = 0;

    size_t p = 0;
    while (p < len) {
        unsigned b = s[p];
        if (b < 0x80) {
            if (!ascii_token_byte(b, tok->sklearn)) {
                p = tok->strip_markup && (b == '$' || b == '\\') ? skip_latex(tok, s, len, p)
                                                                 : p + 1;
                continue;
            }
            if (tok->strip_markup && ((b | 0x20u) == 'h' || (b | 0x20u) == 'w') &&
                url_at(s + p, len - p)) {
                p = skip_url(s, len, p);
                continue;
            }
        } else {
            utf8proc_int32_t c;
            utf8proc_ssize_t n = utf8proc_iterate(s + p, (utf8proc_ssize_t)(len - p), &c);
            if (n < 0) {
                p++; /* an invalid byte separates */
                continue;
            }
            if (!token_cp(tok, c)) {
                p += (size_t)n;
                continue;
            }
        }
        if (scan_token(tok, s, len, p, &p) != 0)
            goto nomem;
    }
    if (tok->ngram_max == 2 && add_bigrams(tok) != 0)
        goto nomem;
    for (size_t i = 0; i < tok->n_terms; i++)
        tok->term[i] = tok->arena + tok->offset[i];
    out->count = tok->n_terms;
    out->term = tok->term;
    out->length = tok->length;
    return PC_OK;
nomem:
    tok->n_terms = 0;
    return pc_fail_nomem(err, "tokenizing");
}
