/*
 * descent.c — approximate related papers by NN-descent (descent.h).
 *
 * The graph: per paper a list of `candidates` (K) entries, best first
 * (similarity descending, ties to the lower index), each flagged new (it
 * entered in an earlier round and has not been joined yet), old, or fresh
 * (it entered in this round).  Lists are shared by the threads: an offer
 * takes the lock of the paper's stripe, after a lock-free look at the
 * list's floor (its worst entry once full, read atomically) that turns
 * away nearly every offer that cannot enter.  A list ends each round as the
 * best K of all it held and was offered, whatever the order the offers came
 * in (an offer below the floor could not have been among them), so the
 * graph after a round does not depend on the threads.
 *
 * A round (Dong et al.'s algorithm 2, with their sampling):
 *   1. every paper picks at most S = sample · K of its new entries (the S
 *      smallest hashes of (seed, round, paper, entry)), which become old;
 *      its other old entries are listed too;
 *   2. the reverse lists — who picked whom — are built by counting, and
 *      each paper keeps at most S of each kind (smallest hashes again);
 *   3. each paper joins its new set (own picks + reverse) with itself and
 *      with its old set: each pair's similarity, one row spread into a
 *      thread's dense scratch and the other's non-zeros gathered from it
 *      (pc_pair_sum: the exact stage's float), is offered to both lists;
 *   4. entries that entered become new, and are counted: fewer than
 *      stop · n · K, or max_rounds reached, ends the search.
 * The first lists are the caller's candidates (probing's: index.c and
 * pc_neighbors_probe), each pair also offered to the other paper.  Only
 * pairs of positive similarity are offered.  Several processes: every one
 * runs steps 1, 2 and 4 on the whole graph, joins (step 3) only its chunks
 * of papers, and share_fresh makes the graphs one again before step 4.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "neighbors_internal.h"
#include "paperclust/descent.h"
#include "progress_internal.h"
#include "share_internal.h"

#define CHUNK 256    /* papers a thread takes at a time */
#define RANGES_CHUNK 4096 /* by ranges: the papers whose rows come by at once */

enum { OLD = 0, NEW = 1, FRESH = 2 };

void pc_descent_options_default(pc_descent_options *opt)
{
    opt->sample = 1.0f;
    opt->max_rounds = 3;
    opt->stop = 0.001;
    opt->seed = 1;
    opt->start = NULL;
}

/* The lists, and the locks that guard them. */
typedef struct graph {
    int32_t n, K;
    int32_t *id; /* n × K, best first */
    float *sim;
    unsigned char *flag;
    int32_t *size;
    _Atomic float *floor; /* the worst entry of a full list, else -inf */
    pc_stripes *locks;
} graph;

static void graph_free(graph *g)
{
    if (!g)
        return;
    pc_stripes_free(g->locks);
    free(g->id);
    free(g->sim);
    free(g->flag);
    free(g->size);
    free((void *)g->floor);
    free(g);
}

static graph *graph_new(int32_t n, int32_t K)
{
    graph *g = pc_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n = n;
    g->K = K;
    const size_t cells = (size_t)n * (size_t)K + 1;
    g->id = pc_malloc_array(cells, sizeof *g->id);
    g->sim = pc_malloc_array(cells, sizeof *g->sim);
    g->flag = pc_calloc(cells, sizeof *g->flag); /* cells past a short list stay OLD */
    g->size = pc_calloc((size_t)n + 1, sizeof *g->size);
    g->floor = pc_malloc_array((size_t)n + 1, sizeof *g->floor);
    g->locks = pc_stripes_new();
    if (!g->id || !g->sim || !g->flag || !g->size || !g->floor || !g->locks) {
        graph_free(g);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++)
        atomic_init(&g->floor[i], -INFINITY);
    return g;
}

/* 1 when (sa, ia) ranks below (sb, ib): lower similarity, or equal and higher index. */
static int worse(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa < sb || (sa == sb && ia > ib);
}

/* Offers b, of similarity s, to a's list (flagged `flag` if it enters). */
static void offer(graph *g, int32_t a, int32_t b, float s, unsigned char flag)
{
    if (s < atomic_load_explicit(&g->floor[a], memory_order_relaxed))
        return;
    pc_stripes_lock(g->locks, a);
    const int32_t K = g->K;
    int32_t *id = g->id + (size_t)a * (size_t)K;
    float *sim = g->sim + (size_t)a * (size_t)K;
    unsigned char *fl = g->flag + (size_t)a * (size_t)K;
    int32_t size = g->size[a], at = size < K ? size : K - 1;
    int known = 0;
    for (int32_t r = 0; r < size && !known; r++)
        known = id[r] == b;
    if (!known && (size < K || worse(sim[K - 1], id[K - 1], s, b))) {
        for (; at > 0 && worse(sim[at - 1], id[at - 1], s, b); at--) {
            id[at] = id[at - 1];
            sim[at] = sim[at - 1];
            fl[at] = fl[at - 1];
        }
        id[at] = b;
        sim[at] = s;
        fl[at] = flag;
        g->size[a] = size < K ? size + 1 : K;
        if (g->size[a] == K)
            atomic_store_explicit(&g->floor[a], sim[K - 1], memory_order_relaxed);
    }
    pc_stripes_unlock(g->locks, a);
}

/* A 64-bit mix (splitmix64's finalizer). */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

/* The hash that orders paper v's choices among its entries u in a round (salt: what for). */
static uint64_t choice_key(uint64_t seed, int32_t round, int salt, int32_t v, int32_t u)
{
    return mix(mix(mix(seed ^ ((uint64_t)round << 8 | (uint64_t)salt)) ^ (uint64_t)v) ^
               (uint64_t)u);
}

typedef struct keyed {
    uint64_t key;
    int32_t id;
    int32_t kind; /* NEW or OLD in a join set */
} keyed;

static int compare_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int compare_id_kind(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->kind < y->kind) - (x->kind > y->kind); /* NEW before OLD */
}

/*
 * The at most `keep` of ids[0 .. m) with the smallest choice keys, appended
 * to set[*len ..] as `kind`; ids is not changed.
 */
static void pick(const int32_t *ids, int64_t m, int32_t keep, uint64_t seed, int32_t round,
                 int salt, int32_t v, int32_t kind, keyed *scratch, keyed *set, int32_t *len)
{
    if (m <= keep) {
        for (int64_t q = 0; q < m; q++)
            set[(*len)++] = (keyed){0, ids[q], kind};
        return;
    }
    for (int64_t q = 0; q < m; q++)
        scratch[q] = (keyed){choice_key(seed, round, salt, v, ids[q]), ids[q], kind};
    qsort(scratch, (size_t)m, sizeof *scratch, compare_key);
    for (int32_t q = 0; q < keep; q++)
        set[(*len)++] = scratch[q];
}

/* Per round: each paper's picked new entries and its old ones, and who picked whom. */
typedef struct round_sets {
    int32_t S;
    int32_t *pick_new, *n_new; /* n × S */
    int32_t *old, *n_old;      /* n × K */
    int64_t *rev_new_ptr, *rev_old_ptr;
    int32_t *rev_new, *rev_old;
} round_sets;

static void round_sets_free(round_sets *r)
{
    free(r->pick_new);
    free(r->n_new);
    free(r->old);
    free(r->n_old);
    free(r->rev_new_ptr);
    free(r->rev_old_ptr);
    free(r->rev_new);
    free(r->rev_old);
}

static int round_sets_alloc(round_sets *r, int32_t n, int32_t K, int32_t S)
{
    memset(r, 0, sizeof *r);
    r->S = S;
    r->pick_new = pc_malloc_array((size_t)n * (size_t)S + 1, sizeof *r->pick_new);
    r->n_new = pc_malloc_array((size_t)n + 1, sizeof *r->n_new);
    r->old = pc_malloc_array((size_t)n * (size_t)K + 1, sizeof *r->old);
    r->n_old = pc_malloc_array((size_t)n + 1, sizeof *r->n_old);
    r->rev_new_ptr = pc_malloc_array((size_t)n + 2, sizeof *r->rev_new_ptr);
    r->rev_old_ptr = pc_malloc_array((size_t)n + 2, sizeof *r->rev_old_ptr);
    r->rev_new = pc_malloc_array((size_t)n * (size_t)S + 1, sizeof *r->rev_new);
    r->rev_old = pc_malloc_array((size_t)n * (size_t)K + 1, sizeof *r->rev_old);
    return r->pick_new && r->n_new && r->old && r->n_old && r->rev_new_ptr && r->rev_old_ptr &&
                   r->rev_new && r->rev_old
               ? 0
               : -1;
}

/* Step 1 for paper v: its picks among its new entries (now old), and its old entries. */
static void pick_entries(graph *g, round_sets *r, int32_t v, uint64_t seed, int32_t round,
                         keyed *scratch)
{
    const int32_t K = g->K;
    const int32_t *id = g->id + (size_t)v * (size_t)K;
    unsigned char *fl = g->flag + (size_t)v * (size_t)K;
    int32_t *old = r->old + (size_t)v * (size_t)K, n_old = 0, n_fresh = 0;
    int32_t *picks = r->pick_new + (size_t)v * (size_t)r->S;
    for (int32_t q = 0; q < g->size[v]; q++) {
        if (fl[q] == OLD)
            old[n_old++] = id[q];
        else
            scratch[n_fresh++] = (keyed){choice_key(seed, round, 0, v, id[q]), id[q], NEW};
    }
    r->n_old[v] = n_old;
    if (n_fresh > r->S)
        qsort(scratch, (size_t)n_fresh, sizeof *scratch, compare_key);
    const int32_t n_new = n_fresh < r->S ? n_fresh : r->S;
    for (int32_t q = 0; q < n_new; q++)
        picks[q] = scratch[q].id;
    r->n_new[v] = n_new;
    for (int32_t q = 0; q < g->size[v]; q++) /* the picked ones are joined now: old after */
        for (int32_t p = 0; p < n_new && fl[q] != OLD; p++)
            if (id[q] == picks[p])
                fl[q] = OLD;
}

/* Step 2: rev[ptr[u] .. ptr[u+1]) = the papers v whose list[v] (cnt[v] of width w) holds u. */
static void reverse_lists(int32_t n, const int32_t *list, const int32_t *cnt, int32_t w,
                          int64_t *ptr, int32_t *rev)
{
    memset(ptr, 0, ((size_t)n + 2) * sizeof *ptr);
    for (int32_t v = 0; v < n; v++)
        for (int32_t q = 0; q < cnt[v]; q++)
            ptr[list[(size_t)v * (size_t)w + (size_t)q] + 2]++;
    for (int32_t u = 0; u < n; u++)
        ptr[u + 2] += ptr[u + 1];
    for (int32_t v = 0; v < n; v++) /* papers ascending within each list */
        for (int32_t q = 0; q < cnt[v]; q++)
            rev[ptr[list[(size_t)v * (size_t)w + (size_t)q] + 1]++] = v;
}

/*
 * Paper v's join set (step 3): its new set (own picks, reverse new) and its
 * old set (old entries, reverse old), as distinct papers in members, the
 * new ones first, each part by id ascending; returns how many, *n_new of
 * them new.  set and scratch: a thread's.
 */
static int32_t join_members(const graph *g, const round_sets *r, int32_t v, uint64_t seed,
                            int32_t round, keyed *scratch, keyed *set, int32_t *members,
                            int32_t *n_new)
{
    const int32_t S = r->S;
    int32_t len = 0;
    const int32_t *mine = r->pick_new + (size_t)v * (size_t)S;
    for (int32_t q = 0; q < r->n_new[v]; q++)
        set[len++] = (keyed){0, mine[q], NEW};
    pick(r->rev_new + r->rev_new_ptr[v], r->rev_new_ptr[v + 1] - r->rev_new_ptr[v], S, seed,
         round, 1, v, NEW, scratch, set, &len);
    const int32_t *old = r->old + (size_t)v * (size_t)g->K;
    for (int32_t q = 0; q < r->n_old[v]; q++)
        set[len++] = (keyed){0, old[q], OLD};
    pick(r->rev_old + r->rev_old_ptr[v], r->rev_old_ptr[v + 1] - r->rev_old_ptr[v], S, seed,
         round, 2, v, OLD, scratch, set, &len);
    qsort(set, (size_t)len, sizeof *set, compare_id_kind);
    int32_t n_members = 0; /* distinct papers (a NEW sorts first), new ones first */
    for (int32_t kind = NEW; kind >= OLD; kind--) {
        for (int32_t q = 0; q < len; q++)
            if ((q == 0 || set[q].id != set[q - 1].id) && set[q].kind == kind)
                members[n_members++] = set[q].id;
        if (kind == NEW)
            *n_new = n_members;
    }
    return n_members;
}

/* Step 3 for paper v: its join set's pairs with a new member, each offered both ways. */
static int64_t join(graph *g, const round_sets *r, const pc_pair_scorer *sc, const pc_csr *X,
                    int32_t v, uint64_t seed, int32_t round, keyed *scratch, keyed *set,
                    int32_t *members, float *sims, float *dense)
{
    int32_t n_new = 0;
    const int32_t n_members =
        join_members(g, r, v, seed, round, scratch, set, members, &n_new);
    int64_t work = 0;
    for (int32_t a = 0; a < n_new; a++) {
        const int32_t i = members[a];
        pc_pair_spread(sc, i, dense, 0);
        pc_pair_sums(sc, dense, members + a + 1, n_members - a - 1, sims);
        pc_pair_spread(sc, i, dense, 1);
        for (int32_t b = a + 1; b < n_members; b++) {
            const int32_t j = members[b];
            const float s = sims[b - a - 1];
            work += X->row_ptr[j + 1] - X->row_ptr[j];
            if (s > 0.0f) {
                offer(g, i, j, s, FRESH);
                offer(g, j, i, s, FRESH);
            }
        }
    }
    return work;
}

/* The first lists: each paper's given candidates, each pair also offered to the other. */
static void start_lists(graph *g, const pc_neighbors *start, int32_t v)
{
    const int32_t *ids = start->id + (size_t)v * (size_t)start->top;
    const float *sims = start->similarity + (size_t)v * (size_t)start->top;
    for (int32_t q = 0; q < start->top && ids[q] >= 0; q++) {
        offer(g, v, ids[q], sims[q], NEW);
        offer(g, ids[q], v, sims[q], NEW);
    }
}

/* The entries that entered this round become new; returns how many. */
static int64_t settle(graph *g, int threads)
{
    int64_t changed = 0;
    const size_t cells = (size_t)g->n * (size_t)g->K;
#pragma omp parallel for num_threads(threads) reduction(+ : changed) schedule(static)
    for (size_t c = 0; c < cells; c++)
        if (g->flag[c] == FRESH) {
            g->flag[c] = NEW;
            changed++;
        }
    return changed;
}

/* Each paper's top entries above 0 into the lists. */
static void take_lists(const graph *g, pc_neighbors *nb)
{
    const int32_t top = nb->top;
    for (int32_t v = 0; v < g->n; v++) {
        int32_t *id = nb->id + (size_t)v * (size_t)top;
        float *sim = nb->similarity + (size_t)v * (size_t)top;
        const int32_t *gid = g->id + (size_t)v * (size_t)g->K;
        const float *gsim = g->sim + (size_t)v * (size_t)g->K;
        int32_t q = 0;
        for (; q < top && q < g->size[v] && gsim[q] > 0.0f; q++) {
            id[q] = gid[q];
            sim[q] = gsim[q];
        }
        for (; q < top; q++) {
            id[q] = -1;
            sim[q] = 0.0f;
        }
    }
}

/* What a sweep over the papers needs: the graph, the round's sets, the threads' scratch. */
typedef struct sweep {
    graph *g;
    round_sets *r;
    const pc_pair_scorer *sc;
    const pc_csr *X;
    const pc_neighbors *start;
    uint64_t seed;
    int32_t round; /* 0: the first lists */
    keyed *scratch, *set;
    int32_t *members;
    float *sims, *dense;
    size_t scratch_each, set_each, dense_each;
    int part, parts; /* a join sweep runs the chunks c with c % parts == part */
} sweep;

/* 1 when this process joins the chunk of papers starting at v0 (every chunk in round 0). */
static int chunk_is_mine(const sweep *sw, int32_t v0)
{
    return sw->round == 0 || (v0 / CHUNK) % sw->parts == sw->part;
}

/*
 * Every paper in parallel, CHUNK at a time, under a progress stage: round 0
 * offers the first lists, a later round joins.  0, or 1 when cancelled.
 */
static int run_sweep(sweep *sw, int threads, const pc_monitor *mon, const char *stage,
                     int64_t *work)
{
    const int32_t n = sw->g->n;
    double mine = 0.0;
    for (int32_t v0 = 0; v0 < n; v0 += CHUNK)
        mine += chunk_is_mine(sw, v0) ? (double)(v0 + CHUNK < n ? CHUNK : n - v0) : 0.0;
    pc_progress progress;
    pc_progress_start(&progress, mon, stage, mine);
    double done = 0.0;
    volatile int stop = 0;
    int64_t w = 0;
#pragma omp parallel num_threads(threads) reduction(+ : w)
    {
        const int tid = pc_thread_id();
        keyed *scratch = sw->scratch + (size_t)tid * sw->scratch_each;
        keyed *set = sw->set + (size_t)tid * sw->set_each;
        int32_t *members = sw->members + (size_t)tid * sw->set_each;
        float *dense = sw->dense + (size_t)tid * sw->dense_each;
#pragma omp for schedule(dynamic, 1)
        for (int32_t v0 = 0; v0 < n; v0 += CHUNK) {
            if (stop || !chunk_is_mine(sw, v0))
                continue;
            const int32_t v1 = v0 + CHUNK < n ? v0 + CHUNK : n;
            for (int32_t v = v0; v < v1; v++) {
                if (sw->round == 0)
                    start_lists(sw->g, sw->start, v);
                else
                    w += join(sw->g, sw->r, sw->sc, sw->X, v, sw->seed, sw->round, scratch, set,
                              members, sw->sims + (size_t)tid * sw->set_each, dense);
            }
            pc_progress_parallel(&progress, &done, v1 - v0, tid, &stop);
        }
    }
    if (stop)
        return 1;
    pc_progress_finish(&progress);
    *work += w;
    return 0;
}

/* The longest list of ptr (n lists). */
static int64_t longest(const int64_t *ptr, int32_t n)
{
    int64_t most = 0;
    for (int32_t u = 0; u < n; u++)
        most = ptr[u + 1] - ptr[u] > most ? ptr[u + 1] - ptr[u] : most;
    return most;
}

/* Step 1 for every paper (each writes only its own entries), then step 2; the threads'
 * scratch grows to the longest reverse list.  0, or -1 when out of memory. */
static int pick_all(graph *g, round_sets *r, sweep *sw, int threads)
{
    const int32_t n = g->n;
#pragma omp parallel num_threads(threads)
    {
        keyed *scratch = sw->scratch + (size_t)pc_thread_id() * sw->scratch_each;
#pragma omp for schedule(dynamic, CHUNK)
        for (int32_t v = 0; v < n; v++)
            pick_entries(g, r, v, sw->seed, sw->round, scratch);
    }
    reverse_lists(n, r->pick_new, r->n_new, r->S, r->rev_new_ptr, r->rev_new);
    reverse_lists(n, r->old, r->n_old, g->K, r->rev_old_ptr, r->rev_old);
    const int64_t a = longest(r->rev_new_ptr, n), b = longest(r->rev_old_ptr, n);
    const size_t need = (size_t)(a > b ? a : b) + 1;
    if (need <= sw->scratch_each)
        return 0;
    keyed *grown = pc_realloc_array(sw->scratch, (size_t)threads * need, sizeof *grown);
    if (!grown)
        return -1;
    sw->scratch = grown;
    sw->scratch_each = need;
    return 0;
}

/* A fresh entry as sent between processes: a paper, the entry, their similarity. */
typedef struct sent_entry {
    int32_t paper, entry;
    float sim;
} sent_entry;

/*
 * Several processes, after a join sweep: each has joined its own chunks, so
 * its graph holds the best K of the lists it began the round with and of its
 * own offers.  Every entry that entered this round (FRESH) on any process
 * goes to all of them (one variable-sized gather of 12 bytes an entry, after
 * this process's work of the round), and each process offers the others'
 * entries to its own graph.  A list then holds the best K of the round's
 * first lists and of every process's offers — an offer that its own process
 * turned away had K better ones there, which every process now holds — so
 * the graphs are the same on every process, and the same as one process's.
 * *work becomes the round's work summed over the processes.  status: this
 * process's so far (a failure is reported to the others instead).
 */
static pc_status share_fresh(graph *g, const pc_comm *comm, pc_status status, int threads,
                             int64_t *work, pc_error *err)
{
    if (status != PC_OK)
        return comm->check(comm, status, err);
    const size_t cells = (size_t)g->n * (size_t)g->K;
    size_t fresh = 0;
    for (size_t c = 0; c < cells; c++)
        fresh += g->flag[c] == FRESH;
    const size_t bytes = sizeof *work + fresh * sizeof(sent_entry);
    char *mine = pc_malloc(bytes), *all = NULL;
    size_t *at = pc_malloc_array((size_t)comm->size + 1, sizeof *at);
    status = mine && at ? PC_OK : pc_fail_nomem(err, "finding related papers");
    if (status == PC_OK) {
        memcpy(mine, work, sizeof *work);
        size_t k = 0;
        for (int32_t v = 0; v < g->n; v++)
            for (int32_t q = 0; q < g->size[v]; q++) {
                const size_t c = (size_t)v * (size_t)g->K + (size_t)q;
                if (g->flag[c] != FRESH)
                    continue;
                const sent_entry e = {v, g->id[c], g->sim[c]};
                memcpy(mine + sizeof *work + k++ * sizeof e, &e, sizeof e);
            }
    }
    status = comm->check(comm, status, err);
    if (status == PC_OK)
        status = pc_comm_allgatherv(comm, mine, bytes, &all, at, err);
    *work = 0;
    for (int r = 0; status == PC_OK && r < comm->size; r++) {
        const char *from = all + at[r];
        int64_t w;
        memcpy(&w, from, sizeof w);
        *work += w;
        if (r == comm->rank)
            continue;
        const int64_t m = (int64_t)((at[r + 1] - at[r] - sizeof w) / sizeof(sent_entry));
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int64_t k = 0; k < m; k++) {
            sent_entry e;
            memcpy(&e, from + sizeof w + (size_t)k * sizeof e, sizeof e);
            offer(g, e.paper, e.entry, e.sim, FRESH);
        }
    }
    free(all);
    free(at);
    free(mine);
    return status;
}

/*
 * ---- Several processes, each holding its range of the rows (nopt->ranges) ----
 *
 * A round's pairs are one process's: every process builds every paper's
 * join set from the whole graph (each holds it, as above).  Each pair of
 * papers {x, y} is scored by the process holding the row of one of them,
 * the lower id or the higher by the pair's parity (scored_by: about half
 * the pairs each way, whatever the ranges).  The rows come by in chunks of
 * papers, in document order (one variable allgather each).  For a chunk,
 * each process lists the pairs of every set that it scores and whose other
 * member is in the chunk — a set being by id in each of its two parts, its
 * own members are two runs of it and the chunk's two more, which cursors
 * follow from chunk to chunk — in batches of at most PAIRS_PER_PAPER pairs
 * per paper of the chunk (1 Mi for the default chunk of 4,096), sorts a
 * batch by its own row (by counting), and scores each of its rows against
 * its partners (a partner met again in the chunk is skipped: a
 * repeated offer changes nothing), offering both ways.  The work counted
 * is one process's: each pair as often as the sets meet it, the non-zeros
 * of the member after the other in its set.  share_fresh then makes the
 * graphs one.  Memory per process: its rows and one chunk's, each also
 * split by a scorer; every paper's join set; a batch's pairs (12 bytes
 * each); the graph.  No process holds every row.  Chunks small enough
 * for the cache pay more than the longer lists of partners larger ones
 * give: on arXiv by 2 processes the related stage took 19.0 s in chunks of
 * 4,096 papers, 23.1 and 28.2 s in chunks of 16,384 (bench/SCALING.md).
 */
#define PAIRS_PER_PAPER 256 /* a batch's pairs: at most this many per paper of a chunk */

/* Where paper v's join set meets the rows held here, and the chunks met so far. */
typedef struct set_runs {
    int32_t n_new;            /* its members [0, n_new) are new, the rest old */
    int32_t mine[4];          /* the members held here: new [0] .. [1], old [2] .. [3] */
    int32_t at_new, at_old;   /* its first new and old member in the chunks to come */
} set_runs;

typedef struct by_ranges {
    const pc_comm *comm;
    const pc_csr *X;            /* this process's rows: papers first .. first + X->n_rows - 1 */
    const pc_pair_scorer *sc;   /* X's rows split */
    const int64_t *df;          /* every term's document frequency over all the papers */
    int32_t first, chunk;       /* papers sent at a time */
    int32_t head_terms;
    int64_t *set_ptr;           /* n + 1: paper v's join set is member[set_ptr[v] ..) */
    int32_t *member;
    set_runs *runs;             /* n */
    int64_t *pair_ptr;          /* n + 1: paper v's pairs in this chunk */
    uint64_t *pair;             /* a batch's: (row here) << 32 | (row of the chunk) */
    int32_t *partner;           /* the batch's pairs by row here: x's at partner_ptr[x] .. */
    int64_t *partner_ptr;
    float *sims;                /* the threads' sums */
    int32_t *seen;              /* the threads' marks: a chunk's row met by row here + 1 */
    int64_t pair_cap, partner_cap, sims_cap;
} by_ranges;

static void by_ranges_free(by_ranges *br)
{
    free(br->set_ptr);
    free(br->member);
    free(br->runs);
    free(br->pair_ptr);
    free(br->pair);
    free(br->partner);
    free(br->partner_ptr);
    free(br->sims);
    free(br->seen);
}

static int by_ranges_alloc(by_ranges *br, int32_t n, int threads)
{
    br->set_ptr = pc_malloc_array((size_t)n + 1, sizeof *br->set_ptr);
    br->runs = pc_malloc_array((size_t)n + 1, sizeof *br->runs);
    br->pair_ptr = pc_malloc_array((size_t)n + 1, sizeof *br->pair_ptr);
    br->partner_ptr = pc_malloc_array((size_t)br->X->n_rows + 2, sizeof *br->partner_ptr);
    br->seen = pc_malloc_array((size_t)threads * (size_t)br->chunk, sizeof *br->seen);
    return br->set_ptr && br->runs && br->pair_ptr && br->partner_ptr && br->seen ? 0 : -1;
}

/* The first of m[at .. end) at or past c (m ascending there). */
static int32_t run_end(const int32_t *m, int32_t at, int32_t end, int32_t c)
{
    while (at < end && m[at] < c)
        at++;
    return at;
}

/* Every paper's join set of the round into br (twice: the sizes, then the members), with
 * the runs of its members held here; the cursors at the start.  0, or -1 (memory). */
static int build_sets(by_ranges *br, sweep *sw, int threads)
{
    const int32_t n = sw->g->n, end = br->first + br->X->n_rows;
    for (int pass = 0; pass < 2; pass++) {
#pragma omp parallel num_threads(threads)
        {
            const int tid = pc_thread_id();
            keyed *scratch = sw->scratch + (size_t)tid * sw->scratch_each;
            keyed *set = sw->set + (size_t)tid * sw->set_each;
            int32_t *members = sw->members + (size_t)tid * sw->set_each;
#pragma omp for schedule(dynamic, CHUNK)
            for (int32_t v = 0; v < n; v++) {
                int32_t *m = pass == 0 ? members : br->member + br->set_ptr[v], n_new = 0;
                const int32_t size = join_members(sw->g, sw->r, v, sw->seed, sw->round, scratch,
                                                  set, m, &n_new);
                if (pass == 0) {
                    br->set_ptr[v + 1] = size;
                    continue;
                }
                set_runs *sr = &br->runs[v];
                sr->n_new = n_new;
                sr->mine[0] = run_end(m, 0, n_new, br->first);
                sr->mine[1] = run_end(m, sr->mine[0], n_new, end);
                sr->mine[2] = run_end(m, n_new, size, br->first);
                sr->mine[3] = run_end(m, sr->mine[2], size, end);
                sr->at_new = 0;
                sr->at_old = n_new;
            }
        }
        if (pass == 1)
            break;
        br->set_ptr[0] = 0;
        for (int32_t v = 0; v < n; v++)
            br->set_ptr[v + 1] += br->set_ptr[v];
        free(br->member);
        if (!(br->member = pc_malloc_array((size_t)br->set_ptr[n] + 1, sizeof *br->member)))
            return -1;
    }
    return 0;
}

/* Of the pair of papers x and y, the one whose process scores it. */
static int32_t scored_by(int32_t x, int32_t y)
{
    const int32_t lo = x < y ? x : y, hi = x < y ? y : x;
    return (x ^ y) & 1 ? lo : hi;
}

static int64_t row_length(const pc_csr *M, int32_t i)
{
    return M->row_ptr[i + 1] - M->row_ptr[i];
}

/*
 * Paper v's pairs that this process scores with a member in the chunk
 * c0 .. c1 - 1 (its rows C): into out (NULL: only counted) as (row here,
 * row of the chunk), the cursors then moved past the chunk; *work gets
 * their work (when counted).  Returns how many.  A pair is (a, b) of the
 * set's members m, a new and before b.
 */
static int64_t chunk_pairs(by_ranges *br, int32_t v, int32_t c0, int32_t c1, const pc_csr *C,
                           uint64_t *out, int64_t *work)
{
    set_runs *sr = &br->runs[v];
    const int32_t *m = br->member + br->set_ptr[v];
    const int32_t size = (int32_t)(br->set_ptr[v + 1] - br->set_ptr[v]), first = br->first;
    const int32_t new_end = run_end(m, sr->at_new, sr->n_new, c1);
    const int32_t old_end = run_end(m, sr->at_old, size, c1);
    int64_t count = 0, w = 0;
    for (int part = 0; part < 2; part++) { /* a held here, b in the chunk, a scoring */
        const int32_t b1 = part ? old_end : new_end;
        for (int32_t b = part ? sr->at_old : sr->at_new; b < b1; b++)
            for (int32_t a = sr->mine[0]; a < sr->mine[1] && a < b; a++)
                if (scored_by(m[a], m[b]) == m[a]) {
                    if (out)
                        out[count] = (uint64_t)(m[a] - first) << 32 | (uint32_t)(m[b] - c0);
                    count++;
                    w += row_length(C, m[b] - c0);
                }
    }
    for (int part = 0; part < 2; part++) { /* b held here, a in the chunk, b scoring */
        const int32_t b1 = sr->mine[2 * part + 1];
        for (int32_t b = sr->mine[2 * part]; b < b1; b++)
            for (int32_t a = sr->at_new; a < new_end && a < b; a++)
                if (scored_by(m[a], m[b]) == m[b]) {
                    if (out)
                        out[count] = (uint64_t)(m[b] - first) << 32 | (uint32_t)(m[a] - c0);
                    count++;
                    w += row_length(br->X, m[b] - first);
                }
    }
    if (out) {
        sr->at_new = new_end;
        sr->at_old = old_end;
    } else {
        *work += w;
    }
    return count;
}

/* p (of *cap items of `size` bytes) with room for `need` items: p itself, or p grown (*cap
 * becomes need), or NULL when out of memory (p is kept). */
static void *room(void *p, int64_t *cap, int64_t need, size_t size)
{
    if (p && need <= *cap)
        return p;
    void *grown = pc_realloc_array(p, (size_t)need + 1, size);
    if (grown)
        *cap = need;
    return grown;
}

/*
 * The pairs of papers v0 .. v1 - 1 with the chunk (rows C scored by csc,
 * papers c0 ..): listed, sorted by the row held here, and each row held
 * here scored against its partners not yet met in the chunk, offered both
 * ways.  0, or -1 when out of memory.
 */
static int score_batch(by_ranges *br, sweep *sw, const pc_csr *C, const pc_pair_scorer *csc,
                       int32_t c0, int32_t v0, int32_t v1, int threads)
{
    const int32_t rows = br->X->n_rows;
    const int64_t base = br->pair_ptr[v0], total = br->pair_ptr[v1] - base;
    uint64_t *pair = room(br->pair, &br->pair_cap, total, sizeof *pair);
    br->pair = pair ? pair : br->pair;
    int32_t *partner = pair ? room(br->partner, &br->partner_cap, total, sizeof *partner) : NULL;
    br->partner = partner ? partner : br->partner;
    if (!partner)
        return -1;
#pragma omp parallel for num_threads(threads) schedule(dynamic, CHUNK)
    for (int32_t v = v0; v < v1; v++)
        chunk_pairs(br, v, c0, c0 + C->n_rows, C, pair + br->pair_ptr[v] - base, NULL);
    int64_t *ptr = br->partner_ptr; /* by counting: row x's partners at ptr[x] .. ptr[x + 1] */
    memset(ptr, 0, ((size_t)rows + 2) * sizeof *ptr);
    for (int64_t p = 0; p < total; p++)
        ptr[(pair[p] >> 32) + 2]++;
    int64_t most = 0;
    for (int32_t x = 0; x < rows; x++) {
        most = ptr[x + 2] > most ? ptr[x + 2] : most;
        ptr[x + 2] += ptr[x + 1];
    }
    for (int64_t p = 0; p < total; p++)
        partner[ptr[(pair[p] >> 32) + 1]++] = (int32_t)(pair[p] & 0xFFFFFFFFu);
    float *sims_all = room(br->sims, &br->sims_cap, most * threads, sizeof *sims_all);
    if (!sims_all)
        return -1;
    br->sims = sims_all;
#pragma omp parallel num_threads(threads)
    {
        const int tid = pc_thread_id();
        float *dense = sw->dense + (size_t)tid * sw->dense_each;
        float *sims = sims_all + (size_t)tid * (size_t)most;
        int32_t *seen = br->seen + (size_t)tid * (size_t)br->chunk;
#pragma omp for schedule(dynamic, 64)
        for (int32_t x = 0; x < rows; x++) {
            int32_t *ys = partner + ptr[x], m = 0;
            for (int64_t q = 0; q < ptr[x + 1] - ptr[x]; q++)
                if (seen[ys[q]] != x + 1) {
                    seen[ys[q]] = x + 1;
                    ys[m++] = ys[q];
                }
            if (m == 0)
                continue;
            pc_pair_spread(br->sc, x, dense, 0);
            pc_pair_sums(csc, dense, ys, m, sims);
            pc_pair_spread(br->sc, x, dense, 1);
            for (int32_t q = 0; q < m; q++)
                if (sims[q] > 0.0f) {
                    offer(sw->g, br->first + x, c0 + ys[q], sims[q], FRESH);
                    offer(sw->g, c0 + ys[q], br->first + x, sims[q], FRESH);
                }
        }
    }
    return 0;
}

/* What a join round by ranges scores each chunk with. */
typedef struct chunk_round {
    by_ranges *br;
    sweep *sw;
    int threads;
    int64_t *work; /* gains the chunk's pairs' work */
} chunk_round;

/*
 * A chunk's pairs (the rows C, scored by csc, of papers c0 ..; pc_chunk_fn):
 * counted paper by paper, then scored in batches of papers with at most
 * PAIRS_PER_PAPER pairs per paper of the chunk (or one paper).  0, or -1
 * when out of memory.
 */
static int score_chunk(void *ctx, const pc_csr *C, const pc_pair_scorer *csc, int32_t c0)
{
    const chunk_round *cr = ctx;
    by_ranges *br = cr->br;
    const int32_t n = cr->sw->g->n;
    int64_t w = 0;
#pragma omp parallel for num_threads(cr->threads) schedule(dynamic, CHUNK) reduction(+ : w)
    for (int32_t v = 0; v < n; v++)
        br->pair_ptr[v + 1] = chunk_pairs(br, v, c0, c0 + C->n_rows, C, NULL, &w);
    br->pair_ptr[0] = 0;
    for (int32_t v = 0; v < n; v++)
        br->pair_ptr[v + 1] += br->pair_ptr[v];
    *cr->work += w;
    memset(br->seen, 0, (size_t)cr->threads * (size_t)br->chunk * sizeof *br->seen);
    const int64_t batch = (int64_t)PAIRS_PER_PAPER * br->chunk;
    for (int32_t v0 = 0, v1; v0 < n; v0 = v1) {
        for (v1 = v0 + 1; v1 < n && br->pair_ptr[v1 + 1] - br->pair_ptr[v0] <= batch;)
            v1++;
        if (score_batch(br, cr->sw, C, csc, c0, v0, v1, cr->threads) != 0)
            return -1;
    }
    return 0;
}

/*
 * A join round by ranges (the section's comment): the sets, then the
 * chunks in turn (pc_pair_chunks).  status: this process's so far (a
 * failure reaches the others at the first chunk's exchange; one found in
 * the last chunk, at share_fresh's).  *work gets this process's work of
 * the round.
 */
static pc_status join_by_ranges(by_ranges *br, sweep *sw, pc_status status, int threads,
                                const pc_monitor *mon, const char *stage, int64_t *work,
                                pc_error *err)
{
    if (status == PC_OK && build_sets(br, sw, threads) != 0)
        status = pc_fail_nomem(err, "finding related papers");
    chunk_round cr = {br, sw, threads, work};
    return pc_pair_chunks(br->X, sw->g->n, br->df, br->head_terms, br->chunk, br->comm, status,
                          mon, stage, score_chunk, &cr, err);
}

pc_status pc_neighbors_descent(const pc_csr *X, const pc_neighbors_options *nopt,
                               const pc_descent_options *opt, const pc_monitor *mon,
                               pc_neighbors **out, int32_t *rounds, pc_error *err)
{
    *out = NULL;
    *rounds = 0;
    const pc_neighbors *start = opt->start;
    const int ranges = nopt->comm && nopt->ranges; /* X: this process's range of the rows */
    if (nopt->top < 1 || !start || (start->n_docs != X->n_rows && !ranges) ||
        start->top < nopt->top ||
        !(opt->sample > 0.0f) || opt->sample > 1.0f || opt->max_rounds < 0 || !(opt->stop >= 0.0))
        return pc_fail(err, PC_ERR_INVALID, "related papers: bad refinement options (top %d, "
                                            "%d candidates for %d rows, sample %g, rounds %d)",
                       (int)nopt->top, start ? (int)start->top : 0,
                       start ? (int)start->n_docs : 0, (double)opt->sample,
                       (int)opt->max_rounds);
    if (nopt->dense)
        return pc_fail(err, PC_ERR_INVALID, "related papers: the refinement compares TF-IDF "
                                            "rows only");
    const int32_t n = start->n_docs, K = start->top;
    const int threads = pc_thread_count(nopt->threads);
    int32_t S = (int32_t)ceilf(opt->sample * (float)K);
    S = S < 1 ? 1 : S > K ? K : S;
    pc_pair_scorer *sc = NULL;
    int64_t sum_df2 = 0, work = 0;
    by_ranges br = {.comm = nopt->comm, .X = X, .head_terms = nopt->head_terms,
                    .chunk = nopt->chunk > 0 ? nopt->chunk : RANGES_CHUNK};
    int64_t *df = NULL; /* by ranges: the whole's, for splitting the rows as one process */
    pc_status status = PC_OK;
    if (ranges) {
        int32_t whole = 0;
        status = pc_share_shape(X, nopt->comm, &whole, &br.first, &df, err);
        if (status == PC_OK && whole != n)
            status = pc_fail(err, PC_ERR_INVALID, "related papers: %d lists for %d rows",
                             (int)n, (int)whole);
        if (status == PC_OK && by_ranges_alloc(&br, n, threads) != 0)
            status = pc_fail_nomem(err, "finding related papers");
    }
    if (status == PC_OK)
        status = pc_pair_scorer_new(X, df, n, nopt->head_terms, &sc, &sum_df2, err);
    br.sc = sc;
    br.df = df;
    graph *g = status == PC_OK ? graph_new(n, K) : NULL;
    round_sets r;
    const int sets_failed = round_sets_alloc(&r, n, K, S);
    sweep sw = {g, &r, sc, X, start, opt->seed, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, 0,
                pc_comm_rank(nopt->comm), pc_comm_size(nopt->comm)};
    if (status == PC_OK && (!g || sets_failed))
        status = pc_fail_nomem(err, "finding related papers");
    pc_neighbors *nb = NULL;
    if (status == PC_OK)
        status = pc_neighbors_alloc(n, nopt->top, &nb, err);
    /* a join set: S own picks, S reverse new, K old, S reverse old */
    sw.scratch_each = (size_t)K + 1;
    sw.set_each = (size_t)K + 3 * (size_t)S + 1;
    sw.dense_each = status == PC_OK ? pc_pair_scorer_scratch(sc) : 0;
    if (status == PC_OK) {
        sw.scratch = pc_malloc_array((size_t)threads * sw.scratch_each, sizeof *sw.scratch);
        sw.set = pc_malloc_array((size_t)threads * sw.set_each, sizeof *sw.set);
        sw.members = pc_malloc_array((size_t)threads * sw.set_each, sizeof *sw.members);
        sw.sims = pc_malloc_array((size_t)threads * sw.set_each, sizeof *sw.sims);
        sw.dense = pc_calloc((size_t)threads * sw.dense_each, sizeof *sw.dense);
        if (!sw.scratch || !sw.set || !sw.members || !sw.sims || !sw.dense)
            status = pc_fail_nomem(err, "finding related papers");
    }
    char stage[48];
    if (status == PC_OK && n > 1 &&
        run_sweep(&sw, threads, mon, "related (refining: first lists)", &work) != 0)
        status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
    /* every process is ready for the rounds, or all hear why not */
    status = pc_comm_agree(nopt->comm, status, err);
    for (int32_t round = 1; status == PC_OK && n > 1 && round <= opt->max_rounds; round++) {
        sw.round = round;
        if (pick_all(g, &r, &sw, threads) != 0)
            status = pc_fail_nomem(err, "finding related papers");
        snprintf(stage, sizeof stage, "related (refining: round %d)", (int)round);
        int64_t round_work = 0;
        if (ranges) /* a process failing still takes part in the exchanges */
            status = join_by_ranges(&br, &sw, status, threads, mon, stage, &round_work, err);
        else if (status == PC_OK && run_sweep(&sw, threads, mon, stage, &round_work) != 0)
            status = pc_fail(err, PC_ERR_INTERRUPTED, "interrupted while finding related papers");
        if (nopt->comm) /* a process interrupted still takes part, so that all hear of it */
            status = share_fresh(g, nopt->comm, status, threads, &round_work, err);
        if (status != PC_OK)
            break;
        work += round_work;
        *rounds = round;
        const int64_t changed = settle(g, threads);
        if ((double)changed < opt->stop * (double)n * (double)K)
            break;
    }
    if (status == PC_OK) {
        take_lists(g, nb);
        nb->work = work;
        nb->work_all = sum_df2;
        *out = nb;
        nb = NULL;
    }
    pc_neighbors_free(nb);
    free(sw.scratch);
    free(sw.set);
    free(sw.members);
    free(sw.sims);
    free(sw.dense);
    round_sets_free(&r);
    by_ranges_free(&br);
    free(df);
    graph_free(g);
    pc_pair_scorer_free(sc);
    return status;
}
