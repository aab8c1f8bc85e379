/*
 * describe.c — what each cluster is about (see describe.h for the scores).
 *
 * One pass sorts the documents into clusters (pc_clusters_members).  Each
 * cluster then, on its own thread:
 *   - keeps its best centroid terms and its most central papers with partial
 *     selections, O(dim + size);
 *   - counts, in a V-sized counter of its thread, the documents of the
 *     cluster holding each term (the pattern of X's rows), and ranks the
 *     terms it touched by the log-odds z-score of Monroe et al. (2008)
 *     against the rest of the corpus: O(non-zeros of the cluster), then the
 *     counter is cleared term by term, never wholesale;
 *   - chooses its phrase_docs most central papers.
 * Then the texts of every chosen paper are fetched at once (pc_corpus_texts:
 * from memory, or by reading the input again when the corpus keeps no
 * texts), and each group, on its own thread, reads its papers through a
 * tokenizer without stop words (so that "learning of graphs" is not the
 * phrase "learning graphs"), counting which of its top terms follow which,
 * and builds its label from the terms and phrases.
 * Last, the quality figures: bit sets over the papers (or a sample) of every
 * top term of every cluster, one pass over their non-zeros, and NPMI per pair
 * of a cluster's top terms from popcounts of the bit sets' intersections.
 *
 * Any group of documents is described the same way (pc_describe_groups, for
 * the inner nodes of the cluster tree): a group is a range of a members
 * array, its centroid the normalised sum of its rows and its members'
 * similarities the cosines to it, computed in the thread's scratch.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "internal.h"
#include "linalg_internal.h"
#include "paperclust/describe.h"
#include "rng_internal.h"
#include "share_internal.h"
#include "strmap_internal.h"

void pc_describe_options_default(pc_describe_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->n_terms = 20;
    opt->n_distinctive = 20;
    opt->n_label = 3;
    opt->n_central = 5;
    opt->n_quality = 10;
    opt->phrase_docs = 300;
    opt->coherence_sample = 100000;
    opt->seed = 1;
}

/* Keeps the `cap` best (value desc, then index asc) of a stream, sorted, in
 * best_idx/best_val; the stream may come in any order. */
static void keep_best(int32_t *best_idx, float *best_val, int32_t *count, int32_t cap,
                      int32_t idx, float val)
{
    int32_t n = *count;
    if (cap <= 0)
        return;
    if (n == cap && !(val > best_val[n - 1] || (val == best_val[n - 1] && idx < best_idx[n - 1])))
        return;
    int32_t pos = n < cap ? n : cap - 1;
    while (pos > 0 &&
           (val > best_val[pos - 1] || (val == best_val[pos - 1] && idx < best_idx[pos - 1]))) {
        best_idx[pos] = best_idx[pos - 1];
        best_val[pos] = best_val[pos - 1];
        pos--;
    }
    best_idx[pos] = idx;
    best_val[pos] = val;
    if (n < cap)
        *count = n + 1;
}

/* Everything the clusters share, read-only while they are described. */
typedef struct context {
    const pc_describe_input *in;
    const pc_describe_options *opt;
    const int32_t *members;   /* group g's documents are members[begin[g] .. end[g]) */
    const int64_t *begin;
    const int64_t *end;
    const float *member_sim;  /* aligned with members: each one's cosine to its group's
                                 centroid; NULL: the groups' centroids are computed */
    const int32_t *df;        /* V: documents holding each term */
    double total;             /* Σ df: the prior's α0 */
    const unsigned char *boilerplate; /* V: 1 for terms that never rank as distinctive */
    int32_t *chosen;          /* n_groups × phrase_docs: each group's papers read for phrases */
    int32_t *n_chosen;        /* n_groups */
    const char **chosen_text; /* aligned with chosen */
    int32_t first;            /* ranges (in->comm): X's first row is this document; else 0 */
    int32_t n_docs;           /* the documents of the whole */
    int32_t n_groups;         /* the groups described */
    const char *counts;       /* ranges: every process's term counts of its members of */
    const size_t *count_at;   /* each group (gather_counts), process q's of group g at
                                 counts + count_at[q × n_groups + g] */
    const float *centroids;   /* ranges, groups without member_sim: n_groups × V, each
                                 group's unit centroid (group_centroids), */
    const float *sims;        /* and its members' cosines to it, group g's from */
    const int64_t *sim_at;    /* sims + sim_at[g] */
} context;

/* What one thread reuses from cluster to cluster. */
typedef struct scratch {
    int32_t *count;           /* V, zero between clusters */
    int32_t *touched;         /* the terms counted */
    pc_tokenizer *tokenizer;  /* for phrases; NULL without a corpus */
    int32_t *phrase_doc;      /* phrase_docs */
    float *phrase_sim;
    char *text;               /* a label being built */
    size_t text_cap;
    int32_t *slot;            /* per token of a text: its top-term slot or -1 */
    size_t slot_cap;
    float *centroid;          /* V: a computed group's centroid */
    float *sim;               /* n_docs: its members' cosines to it */
} scratch;

/* One group of documents being described: a cluster, or a union of clusters. */
typedef struct group {
    const int32_t *members;
    int64_t n;
    const float *centroid;    /* dim: unit length (or zero) */
    const float *sim;         /* n: each member's cosine to the centroid */
} group;

/* ---- centroid terms, central papers, cohesion ---- */

static int describe_centroid(const context *x, const group *g, pc_cluster_description *out)
{
    int32_t n_terms = x->opt->n_terms, n_central = x->opt->n_central;
    int32_t dim = x->member_sim ? x->in->clusters->dim : x->in->X->n_cols;
    out->size = g->n;
    out->term = pc_malloc_array((size_t)n_terms, sizeof *out->term);
    out->weight = pc_malloc_array((size_t)n_terms, sizeof *out->weight);
    out->central = pc_malloc_array((size_t)n_central, sizeof *out->central);
    float *central_sim = pc_malloc_array((size_t)n_central, sizeof *central_sim);
    if (!out->term || !out->weight || !out->central || !central_sim) {
        free(central_sim);
        return -1;
    }
    for (int32_t j = 0; j < dim; j++)
        if (g->centroid[j] > 0.0f)
            keep_best(out->term, out->weight, &out->n_terms, n_terms, j, g->centroid[j]);
    double total = 0.0;
    for (int64_t m = 0; m < g->n; m++) {
        total += g->sim[m];
        keep_best(out->central, central_sim, &out->n_central, n_central, g->members[m],
                  g->sim[m]);
    }
    out->cohesion = g->n > 0 ? total / (double)g->n : 0.0;
    free(central_sim);
    return 0;
}

/* ---- distinctive terms ---- */

/* Monroe et al.'s z for a term of y_c of the cluster's n_c and y_r of the
 * rest's n_r document-term pairs, with prior alpha (α0 = total). */
static double log_odds_z(double y_c, double n_c, double y_r, double n_r, double alpha,
                         double total)
{
    double delta = log((y_c + alpha) / (n_c + total - y_c - alpha)) -
                   log((y_r + alpha) / (n_r + total - y_r - alpha));
    return delta / sqrt(1.0 / (y_c + alpha) + 1.0 / (y_r + alpha));
}

/*
 * Counts, into s->count (the terms touched listed in s->touched), the
 * documents of the group holding each term, and returns their document-term
 * pairs; ranges: those of this process's members (x->first on), or (gi >= 0)
 * every process's counts of cluster gi added up.
 */
static int64_t count_terms(const context *x, const group *g, int32_t gi, scratch *s,
                           int32_t *n_touched)
{
    int64_t pairs = 0;
    *n_touched = 0;
    for (int q = 0; gi >= 0 && q < x->in->comm->size; q++) {
        const char *at = x->counts + x->count_at[(size_t)q * (size_t)x->n_groups + gi];
        int64_t n_c;
        int32_t n_terms, tc[2];
        memcpy(&n_c, at, sizeof n_c);
        memcpy(&n_terms, at + sizeof n_c, sizeof n_terms);
        pairs += n_c;
        for (int32_t j = 0; j < n_terms; j++) {
            memcpy(tc, at + sizeof n_c + sizeof n_terms + (size_t)j * sizeof tc, sizeof tc);
            if (s->count[tc[0]] == 0)
                s->touched[(*n_touched)++] = tc[0];
            s->count[tc[0]] += tc[1];
        }
    }
    const pc_csr *X = x->in->X;
    for (int64_t m = 0; gi < 0 && m < g->n; m++) {
        const int32_t i = g->members[m] - x->first;
        if (i < 0 || i >= X->n_rows)
            continue;
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            int32_t t = X->col[p];
            if (s->count[t]++ == 0)
                s->touched[(*n_touched)++] = t;
        }
        pairs += X->row_ptr[i + 1] - X->row_ptr[i];
    }
    return pairs;
}

/* The group's distinctive terms (gi: its cluster, for ranges' gathered counts). */
static int distinctive_terms(const context *x, const group *g, int32_t gi, scratch *s,
                             pc_cluster_description *out)
{
    int32_t cap = x->opt->n_distinctive, n_touched = 0;
    out->distinctive = pc_malloc_array((size_t)cap, sizeof *out->distinctive);
    out->score = pc_malloc_array((size_t)cap, sizeof *out->score);
    if (!out->distinctive || !out->score)
        return -1;
    double n_c = (double)count_terms(x, g, x->counts ? gi : -1, s, &n_touched);
    double n_r = x->total - n_c;
    for (int32_t j = 0; j < n_touched; j++) {
        int32_t t = s->touched[j];
        double y_c = s->count[t], y_r = (double)x->df[t] - y_c;
        s->count[t] = 0;
        if (y_c < 2 || x->boilerplate[t])
            continue;
        double z = log_odds_z(y_c, n_c, y_r, n_r, x->df[t], x->total);
        if (z > 0.0 && isfinite(z))
            keep_best(out->distinctive, out->score, &out->n_distinctive, cap, t, (float)z);
    }
    return 0;
}

/* ---- labels ---- */

#define MAX_TOP 16   /* top terms a phrase may join (n_quality, at most this) */
#define MAX_WORDS 4  /* words in one label item */

/*
 * How the cluster's top distinctive terms sit in its central papers: how
 * often each appears, how often b follows a directly or across one stop word
 * ("chain of thought"), and which other words come right before or after a
 * top term ("large language" → "models").
 */
typedef struct phrase_stats {
    int32_t n;
    const char *top[MAX_TOP];
    size_t top_len[MAX_TOP];
    int32_t single[MAX_TOP];
    int32_t direct[MAX_TOP][MAX_TOP];
    int32_t across[MAX_TOP][MAX_TOP];     /* with one stop word between */
    int32_t connector[MAX_TOP][MAX_TOP];  /* that stop word (majority vote), a word id */
    int32_t votes[MAX_TOP][MAX_TOP];
    pc_strmap *words;                     /* other words seen next to a top term */
    int32_t *next, *prev;                 /* [word × MAX_TOP]: after / before top term j */
    int32_t words_cap;
} phrase_stats;

/* The slot of `term` among the top terms, or -1. */
static int32_t slot_of(const phrase_stats *f, const char *term, size_t len)
{
    for (int32_t j = 0; j < f->n; j++)
        if (f->top_len[j] == len && memcmp(f->top[j], term, len) == 0)
            return j;
    return -1;
}

/* The id of a word next to a top term, its counters grown to fit; -1 when out of memory. */
static int32_t word_id(phrase_stats *f, const char *word, size_t len)
{
    int32_t id = pc_strmap_intern(f->words, word, len, NULL);
    if (id < 0 || id < f->words_cap)
        return id;
    int32_t cap = f->words_cap ? 2 * f->words_cap : 256;
    int32_t *next = pc_realloc_array(f->next, (size_t)cap * MAX_TOP, sizeof *next);
    if (!next)
        return -1;
    f->next = next;
    int32_t *prev = pc_realloc_array(f->prev, (size_t)cap * MAX_TOP, sizeof *prev);
    if (!prev)
        return -1;
    f->prev = prev;
    memset(f->next + (size_t)f->words_cap * MAX_TOP, 0,
           (size_t)(cap - f->words_cap) * MAX_TOP * sizeof *next);
    memset(f->prev + (size_t)f->words_cap * MAX_TOP, 0,
           (size_t)(cap - f->words_cap) * MAX_TOP * sizeof *prev);
    f->words_cap = cap;
    return id;
}

/* Counts the top terms and their neighbours in one tokenized text. */
static int count_text(phrase_stats *f, const pc_tokens *tokens, const pc_stoplist *stop,
                      int32_t *slot)
{
    size_t m = tokens->count;
    for (size_t t = 0; t < m; t++)
        slot[t] = slot_of(f, tokens->term[t], tokens->length[t]);
    for (size_t t = 0; t < m; t++) {
        int32_t a = slot[t];
        if (a < 0)
            continue;
        f->single[a]++;
        if (t + 1 < m && slot[t + 1] >= 0) {
            f->direct[a][slot[t + 1]]++;
        } else if (t + 1 < m) {
            int is_stop = pc_stoplist_contains(stop, tokens->term[t + 1], tokens->length[t + 1]);
            int32_t w = word_id(f, tokens->term[t + 1], tokens->length[t + 1]);
            if (w < 0)
                return -1;
            if (is_stop && t + 2 < m && slot[t + 2] >= 0) {
                int32_t b = slot[t + 2];
                f->across[a][b]++;
                if (f->votes[a][b] == 0) /* Boyer-Moore majority vote */
                    f->connector[a][b] = w;
                f->votes[a][b] += f->connector[a][b] == w ? 1 : -1;
            } else if (!is_stop) {
                f->next[(size_t)w * MAX_TOP + (size_t)a]++;
            }
        }
        if (t > 0 && slot[t - 1] < 0 &&
            !pc_stoplist_contains(stop, tokens->term[t - 1], tokens->length[t - 1])) {
            int32_t w = word_id(f, tokens->term[t - 1], tokens->length[t - 1]);
            if (w < 0)
                return -1;
            f->prev[(size_t)w * MAX_TOP + (size_t)a]++;
        }
    }
    return 0;
}

/* The number of top terms phrases may join in description d. */
static int32_t phrase_terms(const context *x, const pc_cluster_description *d)
{
    int32_t n = d->n_distinctive < x->opt->n_quality ? d->n_distinctive : x->opt->n_quality;
    return n > MAX_TOP ? MAX_TOP : n;
}

/* Group gi's papers chosen for phrases: its phrase_docs most central. */
static void choose_papers(const context *x, int32_t gi, const group *g, scratch *s,
                          const pc_cluster_description *d)
{
    int32_t n_docs = 0;
    x->n_chosen[gi] = 0;
    if (!s->tokenizer || phrase_terms(x, d) == 0)
        return;
    for (int64_t m = 0; m < g->n; m++)
        keep_best(s->phrase_doc, s->phrase_sim, &n_docs, x->opt->phrase_docs, g->members[m],
                  g->sim[m]);
    memcpy(x->chosen + (size_t)gi * (size_t)x->opt->phrase_docs, s->phrase_doc,
           (size_t)n_docs * sizeof *s->phrase_doc);
    x->n_chosen[gi] = n_docs;
}

/* Reads group gi's chosen papers into f.  0, or -1 when out of memory. */
static int count_phrases(const context *x, int32_t gi, scratch *s,
                         const pc_cluster_description *d, phrase_stats *f)
{
    const pc_stoplist *stop = x->in->tokenize ? x->in->tokenize->stoplist : NULL;
    f->n = phrase_terms(x, d);
    for (int32_t j = 0; j < f->n; j++) {
        f->top[j] = x->in->vocab->term[d->distinctive[j]];
        f->top_len[j] = strlen(f->top[j]);
    }
    if (!s->tokenizer || f->n == 0)
        return 0;
    if (!(f->words = pc_strmap_new()))
        return -1;
    size_t first = (size_t)gi * (size_t)x->opt->phrase_docs;
    for (int32_t k = 0; k < x->n_chosen[gi]; k++) {
        const char *text = x->chosen_text[first + (size_t)k];
        pc_tokens tokens;
        if (pc_tokenize(s->tokenizer, text, strlen(text), &tokens, NULL) != PC_OK)
            return -1;
        if (tokens.count > s->slot_cap) {
            int32_t *slot = pc_realloc_array(s->slot, tokens.count, sizeof *slot);
            if (!slot)
                return -1;
            s->slot = slot;
            s->slot_cap = tokens.count;
        }
        if (count_text(f, &tokens, stop, s->slot) != 0)
            return -1;
    }
    return 0;
}

static void phrase_stats_free(phrase_stats *f)
{
    pc_strmap_free(f->words);
    free(f->next);
    free(f->prev);
}

/* How strongly b follows a: directly or across a stop word. */
static int32_t strength(const phrase_stats *f, int32_t a, int32_t b)
{
    return f->direct[a][b] + f->across[a][b];
}

/* 1 when a and b make a phrase (see describe.h): b follows a at least 3
 * times, in at least half the occurrences of the rarer of the two and a
 * fifth of the commoner's (so that "networks (CNNs)" is no phrase). */
static int is_phrase(const phrase_stats *f, int32_t a, int32_t b)
{
    int32_t together = strength(f, a, b);
    int32_t rarer = f->single[a] < f->single[b] ? f->single[a] : f->single[b];
    int32_t commoner = f->single[a] < f->single[b] ? f->single[b] : f->single[a];
    return a != b && together >= 3 && 2 * together >= rarer && 5 * together >= commoner;
}

/* The unused top term making the strongest phrase after (after = 1) or
 * before `j`, or -1 (ties: the better-ranked term). */
static int32_t best_partner(const phrase_stats *f, const unsigned char *used, int32_t j,
                            int after)
{
    int32_t best = -1, best_strength = 0;
    for (int32_t e = 0; e < f->n; e++) {
        int32_t a = after ? j : e, b = after ? e : j;
        if (!used[e] && is_phrase(f, a, b) && strength(f, a, b) > best_strength) {
            best = e;
            best_strength = strength(f, a, b);
        }
    }
    return best;
}

/* How often word (a top term >= 0, another word -1 - id) comes right after
 * (after = 1) or before top term j. */
static int32_t times_next_to(const phrase_stats *f, int32_t j, int32_t word, int after)
{
    if (word >= 0)
        return after ? f->direct[j][word] : f->direct[word][j];
    return (after ? f->next : f->prev)[(size_t)(-1 - word) * MAX_TOP + (size_t)j];
}

/* The word most often right after (after = 1) or before top term j — an
 * unused top term or any other word that is not a stop word — when it is
 * there in at least half of j's occurrences, at least 3 times ("large
 * language" → "models", "anomaly" → "detection"): 1 and *word (as in
 * times_next_to), else 0. */
static int completion(const phrase_stats *f, const unsigned char *used, int32_t j, int after,
                      int32_t *word)
{
    int32_t best_times = 0, others = f->words ? pc_strmap_count(f->words) : 0;
    for (int32_t e = 0; e < f->n; e++)
        if (!used[e] && times_next_to(f, j, e, after) > best_times) {
            *word = e;
            best_times = times_next_to(f, j, e, after);
        }
    for (int32_t w = 0; w < others; w++)
        if (times_next_to(f, j, -1 - w, after) > best_times) {
            *word = -1 - w;
            best_times = times_next_to(f, j, -1 - w, after);
        }
    return best_times >= 3 && 2 * best_times >= f->single[j];
}

/* One label item: up to MAX_WORDS words, each a top term (>= 0) or another
 * word (-1 - its id), with the stop word (a word id, or -1) before each. */
typedef struct label_item {
    int32_t n;
    int32_t word[MAX_WORDS];
    int32_t joint[MAX_WORDS];
} label_item;

static void item_add(label_item *item, int32_t word, int32_t joint, int front)
{
    if (front) {
        memmove(item->word + 1, item->word, (size_t)item->n * sizeof *item->word);
        memmove(item->joint + 1, item->joint, (size_t)item->n * sizeof *item->joint);
        item->joint[1] = joint;
        item->word[0] = word;
        item->joint[0] = -1;
    } else {
        item->word[item->n] = word;
        item->joint[item->n] = joint;
    }
    item->n++;
}

/* The stop word to show between top terms a and b, or -1 when they meet directly. */
static int32_t joint_of(const phrase_stats *f, int32_t a, int32_t b)
{
    return f->across[a][b] > f->direct[a][b] ? f->connector[a][b] : -1;
}

/* Grows top term j into a phrase: the top terms it makes phrases with (at
 * most three), then a completing word on either side (at most four words). */
static label_item grow_item(const phrase_stats *f, unsigned char *used, int32_t j)
{
    label_item item = {1, {j}, {-1}};
    used[j] = 1;
    for (int round = 0; round < 2 && item.n < 3; round++) {
        int32_t first = item.word[0], last = item.word[item.n - 1];
        int32_t right = best_partner(f, used, last, 1);
        int32_t left = right < 0 ? best_partner(f, used, first, 0) : -1;
        if (right >= 0) {
            used[right] = 1;
            item_add(&item, right, joint_of(f, last, right), 0);
        } else if (left >= 0) {
            used[left] = 1;
            item_add(&item, left, joint_of(f, left, first), 1);
        } else {
            break;
        }
    }
    for (int after = 1; after >= 0; after--) {
        int32_t end = after ? item.word[item.n - 1] : item.word[0];
        if (item.n == MAX_WORDS || end < 0)
            continue;
        int32_t w;
        if (!completion(f, used, end, after, &w))
            continue;
        if (w >= 0)
            used[w] = 1;
        item_add(&item, w, -1, !after);
    }
    return item;
}

/* 1 when one word is the other's plural by a final "s" or "y" → "ies"
 * ("agent" / "agents", "anomaly" / "anomalies"). */
static int plural_pair(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > lb)
        return plural_pair(b, a);
    if (lb == la + 1 && b[la] == 's' && memcmp(a, b, la) == 0)
        return 1;
    return la >= 2 && lb == la + 2 && a[la - 1] == 'y' && memcmp(a, b, la - 1) == 0 &&
           strcmp(b + la - 1, "ies") == 0;
}

/* Appends `piece` to the label being built in s->text (*len bytes so far). */
static int append_text(scratch *s, size_t *len, const char *piece)
{
    size_t add = strlen(piece);
    if (pc_reserve_bytes(&s->text, &s->text_cap, *len, add + 1) != 0)
        return -1;
    memcpy(s->text + *len, piece, add + 1);
    *len += add;
    return 0;
}

static const char *word_text(const phrase_stats *f, int32_t word)
{
    return word >= 0 ? f->top[word] : pc_strmap_key(f->words, -1 - word, NULL);
}

/* 1 when top term j repeats a word of the label so far, or its plural. */
static int repeats(const phrase_stats *f, const label_item *items, int32_t n_items, int32_t j)
{
    for (int32_t i = 0; i < n_items; i++)
        for (int32_t w = 0; w < items[i].n; w++) {
            const char *word = word_text(f, items[i].word[w]);
            if (strcmp(word, f->top[j]) == 0 || plural_pair(word, f->top[j]))
                return 1;
        }
    return 0;
}

/*
 * The label: the best distinctive terms in rank order, each grown into a
 * phrase (grow_item), skipping terms already in the label or differing from
 * one only by a plural "s".  Without distinctive terms, the best centroid
 * terms.  Items are joined by ", ".
 */
static int build_label(const context *x, int32_t gi, scratch *s, pc_cluster_description *d)
{
    const pc_vocab *vocab = x->in->vocab;
    size_t len = 0;
    if (append_text(s, &len, "") != 0)
        return -1;
    if (d->n_distinctive == 0) {
        for (int32_t j = 0; vocab && j < d->n_terms && j < x->opt->n_label; j++)
            if ((j && append_text(s, &len, ", ") != 0) ||
                append_text(s, &len, vocab->term[d->term[j]]) != 0)
                return -1;
        d->label = pc_strndup(s->text, len);
        return d->label ? 0 : -1;
    }
    phrase_stats *f = pc_calloc(1, sizeof *f);
    label_item items[MAX_TOP];
    unsigned char used[MAX_TOP] = {0};
    int32_t n_items = 0;
    int failed = !f || count_phrases(x, gi, s, d, f) != 0;
    for (int32_t j = 0; !failed && j < f->n && n_items < x->opt->n_label; j++)
        if (!used[j] && !repeats(f, items, n_items, j))
            items[n_items++] = grow_item(f, used, j);
    for (int32_t i = 0; !failed && i < n_items; i++) {
        failed |= i > 0 && append_text(s, &len, ", ") != 0;
        for (int32_t w = 0; !failed && w < items[i].n; w++) {
            failed |= w > 0 && append_text(s, &len, " ") != 0;
            if (!failed && items[i].joint[w] >= 0)
                failed |= append_text(s, &len, word_text(f, -1 - items[i].joint[w])) != 0 ||
                          append_text(s, &len, " ") != 0;
            failed |= !failed && append_text(s, &len, word_text(f, items[i].word[w])) != 0;
        }
    }
    if (f)
        phrase_stats_free(f);
    free(f);
    if (failed)
        return -1;
    d->label = pc_strndup(s->text, len);
    return d->label ? 0 : -1;
}

/* ---- one group ---- */

/* Group g: a cluster with its own centroid and similarities, or (without
 * member_sim) documents whose normalised mean and cosines are computed into
 * the thread's scratch, O(dim + non-zeros of the group). */
static void make_group(const context *x, int32_t g, scratch *s, group *out)
{
    int64_t lo = x->begin[g];
    out->members = x->members + lo;
    out->n = x->end[g] - lo;
    if (x->member_sim) {
        const pc_clusters *clusters = x->in->clusters;
        out->centroid = clusters->centroid + (size_t)g * (size_t)clusters->dim;
        out->sim = x->member_sim + lo;
        return;
    }
    if (x->centroids) { /* ranges: computed beforehand, by every process together */
        out->centroid = x->centroids + (size_t)g * (size_t)x->in->X->n_cols;
        out->sim = x->sims + x->sim_at[g];
        return;
    }
    const pc_csr *X = x->in->X;
    memset(s->centroid, 0, (size_t)X->n_cols * sizeof *s->centroid);
    for (int64_t m = 0; m < out->n; m++) {
        int32_t i = out->members[m];
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
            s->centroid[X->col[p]] += X->val[p];
    }
    pc_normalize_rows(s->centroid, 1, X->n_cols);
    for (int64_t m = 0; m < out->n; m++) {
        int32_t i = out->members[m];
        double dot = 0.0;
        for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
            dot += (double)X->val[p] * s->centroid[X->col[p]];
        s->sim[m] = (float)dot;
    }
    out->centroid = s->centroid;
    out->sim = s->sim;
}

static int describe_one(const context *x, int32_t g, scratch *s, pc_cluster_description *out)
{
    group grp;
    make_group(x, g, s, &grp);
    out->coherence = out->exclusivity = NAN;
    out->centroid_coherence = out->centroid_exclusivity = NAN;
    if (describe_centroid(x, &grp, out) != 0)
        return -1;
    if (x->in->X && x->in->vocab && distinctive_terms(x, &grp, g, s, out) != 0)
        return -1;
    choose_papers(x, g, &grp, s, out);
    return 0;
}

/* ---- quality: coherence and exclusivity ---- */

/* The top n terms of cluster c's list of one kind (0 centroid, 1 distinctive). */
static int32_t top_list(const pc_cluster_description *d, int kind, int32_t n,
                        const int32_t **terms)
{
    *terms = kind ? d->distinctive : d->term;
    int32_t have = kind ? d->n_distinctive : d->n_terms;
    return have < n ? have : n;
}

typedef struct bitsets {
    int32_t n_sets;
    size_t words;             /* 64-bit words per set */
    uint64_t *bits;           /* n_sets × words */
    int32_t *slot;            /* V: the set of each top term, or -1 */
    double n_sampled;
} bitsets;

/* Marks, for every top term of any cluster, the sampled papers holding it. */
static int fill_bitsets(const context *x, const pc_description *d, bitsets *b)
{
    const pc_csr *X = x->in->X;
    int32_t V = X->n_cols, q = x->opt->n_quality;
    b->slot = pc_malloc_array((size_t)V, sizeof *b->slot);
    if (!b->slot)
        return -1;
    for (int32_t t = 0; t < V; t++)
        b->slot[t] = -1;
    for (int32_t c = 0; c < d->k; c++)
        for (int kind = 0; kind < 2; kind++) {
            const int32_t *terms;
            int32_t n = top_list(&d->cluster[c], kind, q, &terms);
            for (int32_t j = 0; j < n; j++)
                if (b->slot[terms[j]] < 0)
                    b->slot[terms[j]] = b->n_sets++;
        }
    int64_t sample = x->opt->coherence_sample;
    const int32_t n = x->n_docs;
    int all = sample <= 0 || n <= sample || !x->in->corpus;
    double share = ldexp((double)sample / n, 64); /* of the hash range */
    uint64_t cut = all || share >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)share;
    b->words = ((size_t)n + 63) / 64;
    b->bits = pc_calloc((size_t)b->n_sets > 0 ? (size_t)b->n_sets : 1, b->words * sizeof *b->bits);
    if (!b->bits)
        return -1;
    for (int32_t r = 0; r < X->n_rows; r++) {
        const int32_t i = x->first + r; /* ranges: X holds documents first .. */
        if (!all && pc_id_hash(x->in->corpus->id[i], x->opt->seed) > cut)
            continue;
        b->n_sampled++;
        for (int64_t p = X->row_ptr[r]; p < X->row_ptr[r + 1]; p++) {
            int32_t s = b->slot[X->col[p]];
            if (s >= 0)
                b->bits[(size_t)s * b->words + (size_t)i / 64] |= 1ULL << (i % 64);
        }
    }
    return 0;
}

/*
 * Ranges: every process's bits (the words its range of documents falls in)
 * and sampled count, added into b on every process: one allgather of 16
 * bytes and 8 a word of every set.  status: this process's so far.
 */
static pc_status share_bits(const context *x, bitsets *b, pc_status status, pc_error *err)
{
    const pc_comm *comm = x->in->comm;
    const size_t sets = (size_t)b->n_sets, w0 = (size_t)x->first / 64;
    const size_t held = (size_t)x->in->X->n_rows; /* documents first .. first + held - 1 */
    const size_t w1 = held > 0 ? ((size_t)x->first + held - 1) / 64 + 1 : w0;
    const size_t bytes = 2 * sizeof(int64_t) + sets * (w1 - w0) * sizeof(uint64_t);
    char *mine = status == PC_OK ? pc_malloc(bytes) : NULL, *all = NULL;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    if (status == PC_OK && (!mine || !at))
        status = pc_fail_nomem(err, "describing clusters");
    if (status == PC_OK) {
        const int64_t head[2] = {(int64_t)b->n_sampled, (int64_t)w0};
        memcpy(mine, head, sizeof head);
        for (size_t s = 0; s < sets; s++)
            memcpy(mine + sizeof head + s * (w1 - w0) * sizeof(uint64_t),
                   b->bits + s * b->words + w0, (w1 - w0) * sizeof(uint64_t));
    }
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, bytes, &all, at, err);
    free(mine);
    if (status == PC_OK)
        b->n_sampled = 0.0;
    for (int q = 0; status == PC_OK && q < comm->size; q++) {
        int64_t head[2];
        memcpy(head, all + at[q], sizeof head);
        b->n_sampled += (double)head[0];
        const size_t words = sets > 0 ? (at[q + 1] - at[q] - sizeof head) / sets / sizeof(uint64_t)
                                      : 0;
        for (size_t s = 0; s < sets; s++)
            for (size_t w = 0; w < words; w++) {
                uint64_t v;
                memcpy(&v, all + at[q] + sizeof head + (s * words + w) * sizeof v, sizeof v);
                b->bits[s * b->words + (size_t)head[1] + w] |= v;
            }
    }
    free(all);
    free(at);
    return status;
}

static double papers_with(const bitsets *b, int32_t s, int32_t other)
{
    const uint64_t *u = b->bits + (size_t)s * b->words, *v = b->bits + (size_t)other * b->words;
    uint64_t n = 0;
    for (size_t w = 0; w < b->words; w++)
        n += (uint64_t)__builtin_popcountll(other >= 0 ? u[w] & v[w] : u[w]);
    return (double)n;
}

/* Mean NPMI over the pairs of terms[0..n): ln(P(a,b)/(P(a)P(b))) / −ln P(a,b),
 * −1 for a pair never seen together, 1 for two terms in every paper. */
static double mean_npmi(const bitsets *b, const int32_t *terms, int32_t n)
{
    if (n < 2 || b->n_sampled == 0)
        return NAN;
    double sum = 0.0;
    int32_t pairs = 0;
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = i + 1; j < n; j++, pairs++) {
            int32_t si = b->slot[terms[i]], sj = b->slot[terms[j]];
            double pa = papers_with(b, si, -1) / b->n_sampled;
            double pb = papers_with(b, sj, -1) / b->n_sampled;
            double pab = papers_with(b, si, sj) / b->n_sampled;
            if (pab <= 0.0)
                sum += -1.0;
            else if (pab >= 1.0)
                sum += 1.0;
            else
                sum += log(pab / (pa * pb)) / -log(pab);
        }
    return sum / pairs;
}

/* Coherence and exclusivity of every cluster; status as share_bits'. */
static pc_status score_quality(const context *x, pc_description *d, pc_status status,
                               pc_error *err)
{
    const pc_csr *X = x->in->X;
    bitsets b = {0};
    int32_t *lists = status == PC_OK ? pc_calloc((size_t)X->n_cols, sizeof *lists) : NULL;
    if (status == PC_OK && (!lists || fill_bitsets(x, d, &b) != 0))
        status = pc_fail_nomem(err, "describing clusters");
    if (x->in->comm)
        status = share_bits(x, &b, status, err);
    if (status != PC_OK) {
        free(lists);
        free(b.slot);
        free(b.bits);
        return status;
    }
    for (int kind = 0; kind < 2; kind++) {
        const int32_t *terms;
        memset(lists, 0, (size_t)X->n_cols * sizeof *lists);
        for (int32_t c = 0; c < d->k; c++)
            for (int32_t j = 0, n = top_list(&d->cluster[c], kind, x->opt->n_quality, &terms);
                 j < n; j++)
                lists[terms[j]]++;
        for (int32_t c = 0; c < d->k; c++) {
            pc_cluster_description *cd = &d->cluster[c];
            int32_t n = top_list(cd, kind, x->opt->n_quality, &terms), alone = 0;
            for (int32_t j = 0; j < n; j++)
                alone += lists[terms[j]] == 1;
            double coherence = mean_npmi(&b, terms, n);
            double exclusivity = n > 0 ? (double)alone / n : NAN;
            if (kind) {
                cd->coherence = coherence;
                cd->exclusivity = exclusivity;
            } else {
                cd->centroid_coherence = coherence;
                cd->centroid_exclusivity = exclusivity;
            }
        }
    }
    free(lists);
    free(b.slot);
    free(b.bits);
    return PC_OK;
}

/* ---- the whole ---- */

/* Marks the terms that are boilerplate or, for a bigram, hold a boilerplate
 * word; the list's words pass through the tokenizer first, so that stems
 * match stems. */
static int mark_boilerplate(const pc_describe_input *in, pc_tokenizer *tok, unsigned char *mark)
{
    const pc_vocab *vocab = in->vocab;
    pc_strmap *words = pc_strmap_new();
    if (!words)
        return -1;
    for (int32_t i = 0; i < pc_stoplist_count(in->boilerplate); i++) {
        size_t len;
        const char *word = pc_stoplist_word(in->boilerplate, i, &len);
        pc_tokens tokens;
        if (pc_strmap_intern(words, word, len, NULL) < 0 ||
            (tok && pc_tokenize(tok, word, len, &tokens, NULL) != PC_OK)) {
            pc_strmap_free(words);
            return -1;
        }
        for (size_t t = 0; tok && t < tokens.count; t++)
            if (pc_strmap_intern(words, tokens.term[t], tokens.length[t], NULL) < 0) {
                pc_strmap_free(words);
                return -1;
            }
    }
    for (int32_t t = 0; t < vocab->n_terms; t++) {
        const char *term = vocab->term[t], *space = strchr(term, ' ');
        size_t len = strlen(term);
        mark[t] = pc_strmap_find(words, term, len) >= 0 ||
                  (space && (pc_strmap_find(words, term, (size_t)(space - term)) >= 0 ||
                             pc_strmap_find(words, space + 1, strlen(space + 1)) >= 0));
    }
    pc_strmap_free(words);
    return 0;
}

static pc_status check_input(const pc_describe_input *in, const pc_describe_options *opt,
                             pc_error *err)
{
    if (opt->n_terms < 0 || opt->n_central < 0 || opt->n_distinctive < 0 || opt->n_label < 0 ||
        opt->n_quality < 0 || opt->phrase_docs < 0)
        return pc_fail(err, PC_ERR_INVALID, "describe: negative number of terms or papers");
    const pc_csr *X = in->X;
    const int32_t n = in->clusters->n_docs; /* ranges: X's rows are checked by pc_share_shape */
    if (X && ((!in->comm && X->n_rows != n) || !in->vocab || in->vocab->n_terms != X->n_cols ||
              (in->corpus && in->corpus->n_docs != n)))
        return pc_fail(err, PC_ERR_INVALID, "describe: the matrix, vocabulary, corpus and "
                                            "clusters do not match");
    return PC_OK;
}

/* How texts and word lists are tokenized here: as the run tokenized them,
 * but word by word (no bigrams) and keeping stop words. */
static pc_tokenize_options word_options(const pc_describe_input *in)
{
    pc_tokenize_options topt;
    if (in->tokenize)
        topt = *in->tokenize;
    else
        pc_tokenize_options_default(&topt);
    topt.stoplist = NULL;
    topt.ngram_max = 1;
    return topt;
}

/* Per-thread buffers; the tokenizers only when phrases are read, the
 * centroid and similarities only when groups' centroids are computed. */
static int scratch_new(const context *x, scratch *s)
{
    const pc_describe_input *in = x->in;
    const pc_describe_options *opt = x->opt;
    memset(s, 0, sizeof *s);
    if (in->X) {
        s->count = pc_calloc((size_t)in->X->n_cols, sizeof *s->count);
        s->touched = pc_malloc_array((size_t)in->X->n_cols, sizeof *s->touched);
        if (!s->count || !s->touched)
            return -1;
    }
    if (!x->member_sim) {
        s->centroid = pc_malloc_array((size_t)in->X->n_cols + 1, sizeof *s->centroid);
        s->sim = pc_malloc_array((size_t)in->X->n_rows + 1, sizeof *s->sim);
        if (!s->centroid || !s->sim)
            return -1;
    }
    if (in->X && in->corpus && opt->phrase_docs > 0) {
        pc_tokenize_options topt = word_options(in);
        s->phrase_doc = pc_malloc_array((size_t)opt->phrase_docs, sizeof *s->phrase_doc);
        s->phrase_sim = pc_malloc_array((size_t)opt->phrase_docs, sizeof *s->phrase_sim);
        if (!s->phrase_doc || !s->phrase_sim ||
            pc_tokenizer_new(&topt, &s->tokenizer, NULL) != PC_OK)
            return -1;
    }
    return 0;
}

static void scratch_free(scratch *s)
{
    free(s->count);
    free(s->touched);
    pc_tokenizer_free(s->tokenizer);
    free(s->phrase_doc);
    free(s->phrase_sim);
    free(s->text);
    free(s->slot);
    free(s->centroid);
    free(s->sim);
}

static int compare_docs(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The texts of every group's chosen papers, each distinct paper fetched once
 * (pc_corpus_texts); *hold and *texts for pc_corpus_texts_free. */
static pc_status fetch_chosen(context *x, int32_t n_groups, const char ***texts, void **hold,
                              pc_error *err)
{
    size_t per = (size_t)x->opt->phrase_docs, n = 0;
    int32_t *docs = pc_malloc_array((size_t)n_groups * per + 1, sizeof *docs);
    if (!docs)
        return pc_fail_nomem(err, "describing clusters");
    for (int32_t g = 0; g < n_groups; g++)
        for (int32_t k = 0; k < x->n_chosen[g]; k++)
            docs[n++] = x->chosen[(size_t)g * per + (size_t)k];
    qsort(docs, n, sizeof *docs, compare_docs);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (distinct == 0 || docs[i] != docs[distinct - 1])
            docs[distinct++] = docs[i];
    pc_status status = distinct == 0 ? PC_OK /* no phrases: nothing to read */
                                     : pc_corpus_texts(x->in->corpus, (int32_t)distinct, docs,
                                                       x->in->monitor, texts, hold, err);
    for (int32_t g = 0; status == PC_OK && g < n_groups; g++)
        for (int32_t k = 0; k < x->n_chosen[g]; k++) {
            size_t at = (size_t)g * per + (size_t)k;
            const int32_t *found = bsearch(&x->chosen[at], docs, distinct, sizeof *docs,
                                           compare_docs);
            x->chosen_text[at] = (*texts)[found - docs];
        }
    free(docs);
    return status;
}

/*
 * Ranges, groups whose centroids are computed (no member_sim): every group's
 * unit centroid and its members' cosines to it, as make_group forms them in
 * one process, into *centroids (n_groups × V), *sims and *sim_at (see
 * context).  Each process holds every document's row restricted to its
 * slice of the terms (pc_share_column_slice) and sums its terms' cells over
 * the group's members in their order, each sum the one-process bits; the
 * slices are gathered and the whole normalised on every process; each
 * member's cosine is taken by the process holding its row, over the row in
 * order, and the cosines are gathered.  Two variable allgathers a group.
 * status: this process's so far.
 */
static pc_status group_centroids(const context *x, pc_status status, float **centroids,
                                 float **sims, int64_t **sim_at, pc_error *err)
{
    const pc_comm *comm = x->in->comm;
    const pc_csr *X = x->in->X;
    const int32_t V = X->n_cols, n = x->n_docs, g_count = x->n_groups;
    const int64_t each_col = ((int64_t)V + comm->size - 1) / comm->size;
    const int64_t each_doc = ((int64_t)n + comm->size - 1) / comm->size;
    int32_t c0 = 0, c1 = 0;
    pc_share_range(V, comm, &c0, &c1);
    *centroids = NULL;
    *sims = NULL;
    *sim_at = pc_malloc_array((size_t)g_count + 1, sizeof **sim_at);
    pc_csr *slice = NULL;
    if (status == PC_OK && !*sim_at)
        status = pc_fail_nomem(err, "describing the tree");
    for (int32_t g = 0; status == PC_OK && g <= g_count; g++)
        (*sim_at)[g] = g == 0 ? 0 : (*sim_at)[g - 1] + (x->end[g - 1] - x->begin[g - 1]);
    status = comm->check(comm, status, err);
    if (status == PC_OK && comm->size > 1) /* one process: its range is every row whole */
        status = pc_share_column_slice(X, n, x->first, comm, &slice, err);
    const pc_csr *cols = slice ? slice : X;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    float *part = pc_calloc((size_t)(c1 - c0) + 1, sizeof *part);
    float *mine = NULL;
    char *all = NULL;
    int64_t most = 0;
    for (int32_t g = 0; g < g_count; g++)
        most = x->end[g] - x->begin[g] > most ? x->end[g] - x->begin[g] : most;
    if (status == PC_OK &&
        (!at || !part || !(mine = pc_malloc_array((size_t)most + 1, sizeof *mine)) ||
         !(*centroids = pc_malloc_array((size_t)g_count * (size_t)V + 1, sizeof **centroids)) ||
         !(*sims = pc_malloc_array((size_t)(*sim_at)[g_count] + 1, sizeof **sims))))
        status = pc_fail_nomem(err, "describing the tree");
    for (int32_t g = 0; g < g_count; g++) {
        float *centroid = status == PC_OK ? *centroids + (size_t)g * (size_t)V : NULL;
        for (int64_t m = x->begin[g]; status == PC_OK && m < x->end[g]; m++) {
            const int32_t i = x->members[m];
            for (int64_t p = cols->row_ptr[i]; p < cols->row_ptr[i + 1]; p++)
                part[cols->col[p] - c0] += cols->val[p];
        }
        status = comm->check(comm, status, err);
        if (status == PC_OK)
            status = pc_comm_allgatherv(comm, part, (size_t)(c1 - c0) * sizeof *part, &all, at,
                                        err);
        for (int q = 0; status == PC_OK && q < comm->size; q++)
            memcpy(centroid + (size_t)q * (size_t)each_col, all + at[q], at[q + 1] - at[q]);
        free(all);
        all = NULL;
        if (status == PC_OK) {
            memset(part, 0, (size_t)(c1 - c0) * sizeof *part);
            pc_normalize_rows(centroid, 1, V);
        }
        int64_t held = 0;
        for (int64_t m = x->begin[g]; status == PC_OK && m < x->end[g]; m++) {
            const int32_t i = x->members[m] - x->first;
            if (i < 0 || i >= X->n_rows)
                continue;
            double dot = 0.0;
            for (int64_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++)
                dot += (double)X->val[p] * centroid[X->col[p]];
            mine[held++] = (float)dot;
        }
        status = comm->check(comm, status, err);
        if (status == PC_OK)
            status = pc_comm_allgatherv(comm, mine, (size_t)held * sizeof *mine, &all, at, err);
        for (int64_t m = x->begin[g]; status == PC_OK && m < x->end[g]; m++) {
            const int q = (int)(x->members[m] / each_doc); /* its holder's next cosine */
            memcpy(*sims + (*sim_at)[g] + (m - x->begin[g]), all + at[q], sizeof(float));
            at[q] += sizeof(float);
        }
        free(all);
        all = NULL;
    }
    pc_csr_free(slice);
    free(at);
    free(part);
    free(mine);
    if (status != PC_OK) {
        free(*centroids);
        free(*sims);
        free(*sim_at);
        *centroids = *sims = NULL;
        *sim_at = NULL;
    }
    return status;
}

/*
 * Ranges: this process's term counts of its members of each cluster
 * (count_terms), gathered from every process into *all; (*count_at)[q × k
 * + c] is where process q's record of cluster c starts: its document-term
 * pairs (int64), its terms (int32), then each term and its count (two
 * int32).  s: a thread's scratch.  status: this process's so far.
 */
static pc_status gather_counts(const context *x, scratch *s, pc_status status, char **all,
                               size_t **count_at, pc_error *err)
{
    const pc_comm *comm = x->in->comm;
    const int32_t k = x->n_groups;
    char *buf = NULL;
    size_t len = 0, cap = 0, *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    *all = NULL;
    *count_at = pc_malloc_array((size_t)comm->size * (size_t)k + 1, sizeof **count_at);
    if (status == PC_OK && (!at || !*count_at))
        status = pc_fail_nomem(err, "describing clusters");
    for (int32_t c = 0; status == PC_OK && c < k; c++) {
        group g;
        int32_t n_touched = 0;
        make_group(x, c, s, &g);
        const int64_t pairs = count_terms(x, &g, -1, s, &n_touched);
        int failed = pc_bytes_put(&buf, &len, &cap, &pairs, sizeof pairs) ||
                     pc_bytes_put(&buf, &len, &cap, &n_touched, sizeof n_touched);
        for (int32_t j = 0; j < n_touched; j++) {
            const int32_t t = s->touched[j], tc[2] = {t, s->count[t]};
            s->count[t] = 0;
            failed = failed || pc_bytes_put(&buf, &len, &cap, tc, sizeof tc);
        }
        if (failed)
            status = pc_fail_nomem(err, "describing clusters");
    }
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, buf, len, all, at, err);
    free(buf);
    for (int q = 0; status == PC_OK && q < comm->size; q++)
        for (size_t p = at[q], c = 0; c < (size_t)k; c++) {
            int32_t n_terms;
            (*count_at)[(size_t)q * (size_t)k + c] = p;
            memcpy(&n_terms, *all + p + sizeof(int64_t), sizeof n_terms);
            p += sizeof(int64_t) + sizeof n_terms + (size_t)n_terms * 2 * sizeof(int32_t);
        }
    free(at);
    return status;
}

typedef int (*group_step)(const context *x, int32_t g, scratch *s, pc_cluster_description *out);

/* Runs `step` on every group, in parallel, each thread with its scratch; 0 or -1. */
static int each_group(const context *x, scratch *s, int threads, pc_description *d,
                      group_step step)
{
    int failed = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(| : failed)
    for (int32_t c = 0; c < d->k; c++) {
        const int t = pc_thread_id();
        failed |= step(x, c, &s[t], &d->cluster[c]) != 0;
    }
    return failed ? -1 : 0;
}

/* Describes every group, in parallel: all but the labels, the texts for
 * phrases, then the labels.  PC_OK, PC_ERR_NOMEM, or reading's errors.
 * status: so far (ranges: a failure is reported to the other processes). */
static pc_status describe_all(context *x, int threads, pc_description *d, pc_status status,
                              pc_error *err)
{
    if (status != PC_OK) { /* only with ranges: the others wait in the next exchange */
        char *counts = NULL;
        size_t *count_at = NULL;
        float *centroids = NULL, *sims = NULL;
        int64_t *sim_at = NULL;
        if (!x->member_sim)
            status = group_centroids(x, status, &centroids, &sims, &sim_at, err);
        status = gather_counts(x, NULL, status, &counts, &count_at, err);
        free(counts);
        free(count_at);
        return status;
    }
    scratch *s = pc_calloc((size_t)threads, sizeof *s);
    size_t per = (size_t)x->opt->phrase_docs * (size_t)d->k;
    x->chosen = pc_malloc_array(per + 1, sizeof *x->chosen);
    x->chosen_text = pc_malloc_array(per + 1, sizeof *x->chosen_text);
    x->n_chosen = pc_calloc((size_t)d->k + 1, sizeof *x->n_chosen);
    const char **texts = NULL;
    void *hold = NULL;
    int failed = !s || !x->chosen || !x->chosen_text || !x->n_chosen;
    for (int t = 0; !failed && t < threads; t++)
        failed = scratch_new(x, &s[t]) != 0;
    if (failed)
        status = pc_fail_nomem(err, "describing clusters");
    char *counts = NULL;
    size_t *count_at = NULL;
    float *centroids = NULL, *sims = NULL;
    int64_t *sim_at = NULL;
    if (x->in->comm && !x->member_sim) {
        status = group_centroids(x, status, &centroids, &sims, &sim_at, err);
        x->centroids = centroids;
        x->sims = sims;
        x->sim_at = sim_at;
    }
    if (x->in->comm && x->in->X) {
        status = gather_counts(x, s ? &s[0] : NULL, status, &counts, &count_at, err);
        x->counts = counts;
        x->count_at = count_at;
    }
    if (status == PC_OK && each_group(x, s, threads, d, describe_one) != 0)
        status = pc_fail_nomem(err, "describing clusters");
    if (status == PC_OK)
        status = fetch_chosen(x, d->k, &texts, &hold, err);
    if (status == PC_OK && each_group(x, s, threads, d, build_label) != 0)
        status = pc_fail_nomem(err, "describing clusters");
    pc_corpus_texts_free(texts, hold);
    for (int t = 0; s && t < threads; t++)
        scratch_free(&s[t]);
    free(s);
    free(x->chosen);
    free(x->chosen_text);
    free(x->n_chosen);
    free(counts);
    free(count_at);
    free(centroids);
    free(sims);
    free(sim_at);
    x->counts = NULL;
    x->count_at = NULL;
    x->centroids = x->sims = NULL;
    x->sim_at = NULL;
    return status;
}

/* What every group's description reads: document frequencies and the
 * boilerplate marks (with a tokenizer for the boilerplate words). */
typedef struct shared {
    int32_t *df;
    unsigned char *boilerplate;
    pc_tokenizer *tok;
} shared;

static void shared_free(shared *sh)
{
    free(sh->df);
    free(sh->boilerplate);
    pc_tokenizer_free(sh->tok);
}

/* The document frequencies (ranges: over every process's rows), their total
 * and the boilerplate marks, into sh and x. */
static pc_status prepare(const pc_describe_input *in, context *x, shared *sh, pc_error *err)
{
    memset(sh, 0, sizeof *sh);
    x->n_docs = in->clusters->n_docs;
    if (!in->X)
        return PC_OK;
    const pc_csr *X = in->X;
    int64_t *whole = NULL;
    int32_t n = x->n_docs;
    pc_status status = in->comm ? pc_share_shape(X, in->comm, &n, &x->first, &whole, err) : PC_OK;
    if (status == PC_OK && n != x->n_docs)
        return pc_fail(err, PC_ERR_INVALID, "describe: the processes hold %d documents, the "
                                            "clusters %d", (int)n, (int)x->n_docs);
    sh->df = pc_calloc((size_t)X->n_cols, sizeof *sh->df);
    sh->boilerplate = pc_calloc((size_t)X->n_cols, 1);
    if (status == PC_OK && (!sh->df || !sh->boilerplate))
        status = pc_fail_nomem(err, "describing clusters");
    for (int64_t p = 0; status == PC_OK && !whole && p < X->nnz; p++)
        sh->df[X->col[p]]++;
    x->total = 0.0;
    for (int32_t t = 0; status == PC_OK && t < X->n_cols; t++) {
        sh->df[t] = whole ? (int32_t)whole[t] : sh->df[t];
        x->total += sh->df[t];
    }
    free(whole);
    x->df = sh->df;
    x->boilerplate = sh->boilerplate;
    if (status != PC_OK || !in->boilerplate)
        return status;
    pc_tokenize_options topt = word_options(in);
    topt.min_token_len = 1;
    if (pc_tokenizer_new(&topt, &sh->tok, NULL) != PC_OK ||
        mark_boilerplate(in, sh->tok, sh->boilerplate) != 0)
        return pc_fail_nomem(err, "describing clusters");
    return PC_OK;
}

/* Describes the n groups of x (and scores their quality when asked) into *out. */
static pc_status describe_groups(context *x, int32_t n, int quality, pc_description **out,
                                 pc_error *err)
{
    shared sh;
    pc_description *d = pc_calloc(1, sizeof *d);
    int failed = !d || !(d->cluster = pc_calloc((size_t)n > 0 ? (size_t)n : 1,
                                                sizeof *d->cluster));
    if (d)
        d->k = n;
    x->n_groups = n;
    pc_status status = prepare(x->in, x, &sh, err);
    if (status == PC_OK && failed)
        status = pc_fail_nomem(err, "describing clusters");
    /* ranges: describe_all and score_quality exchange, so they run on any failure, to
       report it to the other processes (their first step) */
    if (status == PC_OK || x->in->comm)
        status = describe_all(x, pc_thread_count(x->opt->threads), d, status, err);
    if ((status == PC_OK || x->in->comm) && quality && x->in->X)
        status = score_quality(x, d, status, err);
    shared_free(&sh);
    if (status != PC_OK) {
        pc_description_free(d);
        return status;
    }
    *out = d;
    return PC_OK;
}

static pc_status describe_job(const pc_describe_input *in, const pc_describe_options *opt,
                              pc_description **out, pc_error *err)
{
    *out = NULL;
    pc_status status = check_input(in, opt, err);
    if (status != PC_OK)
        return status;
    const pc_clusters *clusters = in->clusters;
    int32_t k = clusters->k, n = clusters->n_docs;
    int64_t *start = pc_calloc((size_t)k + 1, sizeof *start);
    int32_t *members = pc_malloc_array((size_t)n + 1, sizeof *members);
    float *member_sim = pc_malloc_array((size_t)n + 1, sizeof *member_sim);
    if (!start || !members || !member_sim) {
        status = pc_fail_nomem(err, "describing clusters");
        if (in->comm) /* the others wait in the first exchange */
            status = in->comm->check(in->comm, status, err);
    } else {
        pc_clusters_members(clusters, start, members);
        for (int32_t m = 0; m < n; m++)
            member_sim[m] = clusters->similarity[members[m]];
        context x = {.in = in, .opt = opt, .members = members, .begin = start,
                     .end = start + 1, .member_sim = member_sim};
        status = describe_groups(&x, k, 1, out, err);
    }
    free(start);
    free(members);
    free(member_sim);
    return status;
}

pc_status pc_describe(const pc_describe_input *in, const pc_describe_options *opt,
                      pc_description **out, pc_error *err)
{
    pc_status status = pc_comm_agree(in->comm, describe_job(in, opt, out, err), err);
    if (status != PC_OK) {
        pc_description_free(*out);
        *out = NULL;
    }
    return status;
}

static pc_status describe_groups_job(const pc_describe_input *in,
                                     const pc_describe_options *opt, int32_t n_groups,
                                     const int32_t *members, const int64_t *begin,
                                     const int64_t *end, pc_description **out, pc_error *err)
{
    *out = NULL;
    pc_status status = check_input(in, opt, err);
    if (status != PC_OK)
        return status;
    if (!in->X || n_groups < 0)
        return pc_fail(err, PC_ERR_INVALID, "describe: groups need the matrix, and n >= 0");
    const int32_t n = in->comm ? in->clusters->n_docs : in->X->n_rows;
    for (int32_t g = 0; g < n_groups; g++) {
        if (begin[g] < 0 || end[g] < begin[g])
            return pc_fail(err, PC_ERR_INVALID, "describe: group %d spans [%lld, %lld)",
                           (int)g, (long long)begin[g], (long long)end[g]);
        for (int64_t m = begin[g]; m < end[g]; m++)
            if (members[m] < 0 || members[m] >= n)
                return pc_fail(err, PC_ERR_INVALID, "describe: group %d holds document %d, "
                               "outside [0, %d)", (int)g, (int)members[m], (int)n);
    }
    context x = {.in = in, .opt = opt, .members = members, .begin = begin, .end = end};
    return describe_groups(&x, n_groups, 0, out, err);
}

pc_status pc_describe_groups(const pc_describe_input *in, const pc_describe_options *opt,
                             int32_t n_groups, const int32_t *members, const int64_t *begin,
                             const int64_t *end, pc_description **out, pc_error *err)
{
    pc_status status = pc_comm_agree(in->comm, describe_groups_job(in, opt, n_groups, members,
                                                                   begin, end, out, err),
                                     err);
    if (status != PC_OK) {
        pc_description_free(*out);
        *out = NULL;
    }
    return status;
}

void pc_description_free(pc_description *description)
{
    if (!description)
        return;
    for (int32_t c = 0; description->cluster && c < description->k; c++) {
        pc_cluster_description *d = &description->cluster[c];
        free(d->term);
        free(d->weight);
        free(d->central);
        free(d->distinctive);
        free(d->score);
        free(d->label);
    }
    free(description->cluster);
    free(description);
}
