/*
 * test_comm.c — the pc_comm seam without MPI: P threads play P processes,
 * their collectives met at a barrier (a communicator "that behaves alike",
 * comm.h).  k-means and the related-paper lists split between them must be
 * the one-process result bit for bit; a rank failing at a collective must
 * make every rank return its message; pc_run must write no report when a
 * collective fails.  Runs in the sanitizer build with leak checks, which
 * the Open MPI end-to-end tests cannot have.
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "paperclust/paperclust.h"
#include "share_internal.h"
#include "test.h"
#include "test_files.h"
#include "test_util.h"

#define MAX_RANKS 4

/* What the ranks share: the barrier and the slots they post into. */
typedef struct world {
    int size;
    pthread_barrier_t barrier;
    pc_status status[MAX_RANKS];
    char message[MAX_RANKS][PC_ERROR_MAX];
    const void *posted[MAX_RANKS];
    int sent_to[MAX_RANKS];      /* sendrecv: each rank's partner and bytes */
    size_t sent_bytes[MAX_RANKS];
    int fail_rank; /* this rank fails at its collective number fail_at (-1: none) */
    long fail_at;
    int kind[MAX_RANKS]; /* the collective each rank is in (collective_kind) */
    int mismatched;      /* some ranks met in different collectives */
} world;

/* Which collective a rank is in: all ranks must be in the same one. */
typedef enum collective_kind { IN_CHECK = 1, IN_ALLGATHER, IN_SENDRECV } collective_kind;

typedef struct rank_state {
    world *w;
    long calls;
    pc_error failed; /* sticky, as in mpi.c */
    pc_comm comm;
} rank_state;

/* The first step of every collective, as mpi.c's: agree on failure. */
static pc_status agree(const pc_comm *comm, pc_status status, collective_kind kind,
                       pc_error *err)
{
    rank_state *r = comm->ctx;
    world *w = r->w;
    if (r->failed.status != PC_OK) {
        if (err)
            *err = r->failed;
        return r->failed.status;
    }
    r->calls++;
    char mine[PC_ERROR_MAX] = "";
    if (status == PC_OK && comm->rank == w->fail_rank && r->calls == w->fail_at) {
        status = PC_ERR_IO;
        snprintf(mine, sizeof mine, "rank %d: injected at %ld", comm->rank, r->calls);
    } else if (status != PC_OK && err) {
        snprintf(mine, sizeof mine, "%s", err->message);
    }
    w->status[comm->rank] = status;
    w->kind[comm->rank] = kind;
    memcpy(w->message[comm->rank], mine, sizeof mine);
    pthread_barrier_wait(&w->barrier);
    int failing = 0; /* a failure ends every collective at this step: any may meet it */
    for (int q = 0; q < w->size; q++)
        failing |= w->status[q] != PC_OK;
    for (int q = 1; q < w->size && !failing; q++)
        if (w->kind[q] != w->kind[0]) { /* in MPI: a hang, or garbage; here every rank fails */
            if (comm->rank == 0)
                w->mismatched = 1;
            r->failed.status = PC_ERR_INVALID;
            snprintf(r->failed.message, sizeof r->failed.message,
                     "collectives do not match: rank 0 in %d, rank %d in %d", w->kind[0], q,
                     w->kind[q]);
            pthread_barrier_wait(&w->barrier);
            if (err)
                *err = r->failed;
            return r->failed.status;
        }
    int first = -1;
    for (int q = 0; q < w->size && first < 0; q++)
        if (w->status[q] != PC_OK)
            first = q;
    if (first >= 0) {
        r->failed.status = w->status[first];
        memcpy(r->failed.message, w->message[first], sizeof r->failed.message);
    }
    pthread_barrier_wait(&w->barrier);
    if (first < 0)
        return PC_OK;
    if (err)
        *err = r->failed;
    return r->failed.status;
}

static pc_status fake_check(const pc_comm *comm, pc_status status, pc_error *err)
{
    return agree(comm, status, IN_CHECK, err);
}

static pc_status fake_allgather(const pc_comm *comm, const void *mine, size_t bytes, void *all,
                                pc_error *err)
{
    pc_status status = agree(comm, PC_OK, IN_ALLGATHER, err);
    if (status != PC_OK)
        return status;
    world *w = ((rank_state *)comm->ctx)->w;
    w->posted[comm->rank] = mine;
    pthread_barrier_wait(&w->barrier);
    for (int q = 0; q < w->size; q++)
        memcpy((char *)all + (size_t)q * bytes, w->posted[q], bytes);
    pthread_barrier_wait(&w->barrier);
    return PC_OK;
}

/* Each rank posts what it sends; after the barrier each copies what its
 * `from` posted for it. */
static pc_status fake_sendrecv(const pc_comm *comm, int to, const void *send, size_t send_bytes,
                               int from, void *recv, size_t recv_bytes, pc_error *err)
{
    pc_status status = agree(comm, PC_OK, IN_SENDRECV, err);
    if (status != PC_OK)
        return status;
    world *w = ((rank_state *)comm->ctx)->w;
    w->posted[comm->rank] = send;
    w->sent_to[comm->rank] = to;
    w->sent_bytes[comm->rank] = send_bytes;
    pthread_barrier_wait(&w->barrier);
    if (recv_bytes && (w->sent_to[from] != comm->rank || w->sent_bytes[from] != recv_bytes))
        abort(); /* a caller's mistake: the partners do not match */
    if (recv_bytes)
        memcpy(recv, w->posted[from], recv_bytes);
    pthread_barrier_wait(&w->barrier);
    return PC_OK;
}

/* ---- P ranks running one job ---- */

typedef enum job_kind {
    JOB_KMEANS,
    JOB_NEIGHBORS,
    JOB_KMEANS_RANGES,
    JOB_NEIGHBORS_RANGES,
    JOB_DESCRIBE_RANGES,
    JOB_GROUPS_RANGES,
    JOB_APPROX,
    JOB_APPROX_RANGES,
    JOB_APPROX_REFINE_RANGES,
    JOB_APPROX_TERMS,
    JOB_APPROX_TERMS_RANGES,
    JOB_GATHER
} job_kind;

/* The describing jobs' clusters, vocabulary and corpus (every rank the same). */
static const pc_clusters *describe_clusters;
static const pc_vocab *describe_vocab;
static const pc_corpus *describe_corpus;
/* The groups' jobs' groups: members[begin[g] .. end[g]) (pc_describe_groups). */
static const int32_t *group_members;
static const int64_t *group_begin, *group_end;
static int32_t n_groups;

/* This rank's library allocation number alloc_at, and every later one, fail
 * (alloc_rank -1: none), counted from the job's call into the library. */
static int alloc_rank = -1;
static long alloc_at;

/* Arms the allocation failure for the library call that follows, on its rank. */
static void arm(const pc_comm *comm)
{
    if (comm && comm->rank == alloc_rank)
        pc_alloc_fail_after_here(alloc_at);
}

/* The related-paper jobs' order (NULL: by row), head terms (-1: automatic)
 * and, by ranges, chunk (0: the default). */
static const int32_t *neighbor_order;
static int32_t neighbor_head = -1, neighbor_chunk;

/* Rank r's bytes for JOB_GATHER: byte i of rank r is (r * 7 + i * 13) mod 251;
 * rank 0 sends more than two 4 MiB pieces, rank 1 none, rank 2 one piece and
 * a bit. */
static size_t gather_bytes(int rank)
{
    return rank == 0 ? ((size_t)9 << 20) + 5 : rank == 1 ? 0 : ((size_t)4 << 20) + 3;
}

static unsigned char gather_byte(int rank, size_t i)
{
    return (unsigned char)(((size_t)rank * 7 + i * 13) % 251);
}

/* Rows [first, end) of X, the range of `rank` of `size` (ceil(n / size) each). */
static pc_csr *range_of(const pc_csr *X, int rank, int size)
{
    int32_t each = (X->n_rows + size - 1) / size;
    int32_t first = rank * each < X->n_rows ? rank * each : X->n_rows;
    int32_t end = first + each < X->n_rows ? first + each : X->n_rows;
    int64_t from = X->row_ptr[first], nnz = X->row_ptr[end] - from;
    pc_csr *R = NULL;
    pc_error err;
    if (pc_csr_new(end - first, X->n_cols, nnz, &R, &err) != PC_OK)
        return NULL;
    for (int32_t i = first; i <= end; i++)
        R->row_ptr[i - first] = X->row_ptr[i] - from;
    if (nnz) {
        memcpy(R->col, X->col + from, (size_t)nnz * sizeof *R->col);
        memcpy(R->val, X->val + from, (size_t)nnz * sizeof *R->val);
    }
    return R;
}

typedef struct job {
    job_kind kind;
    const pc_csr *X;
    const pc_comm *comm; /* NULL: one process, the reference */
    int gathered_right;  /* JOB_GATHER: every rank's bytes arrived, in place */
    pc_status status;
    pc_error err;
    pc_clusters *clusters;
    pc_neighbors *neighbors;
    pc_description *description;
} job;

/* k-means (k 5, 2 restarts, tol 0) or the top 7 related rows, one thread, by j->comm. */
static void *run_job(void *arg)
{
    job *j = arg;
    if (j->kind == JOB_GATHER) {
        size_t n = gather_bytes(j->comm->rank), at[MAX_RANKS + 1];
        unsigned char *mine = malloc(n + 1);
        char *all = NULL;
        for (size_t i = 0; mine && i < n; i++)
            mine[i] = gather_byte(j->comm->rank, i);
        j->status = pc_comm_allgatherv(j->comm, mine, n, &all, at, &j->err);
        j->gathered_right = mine && j->status == PC_OK;
        for (int r = 0; j->gathered_right && r < j->comm->size; r++) {
            j->gathered_right = at[r + 1] - at[r] == gather_bytes(r);
            for (size_t i = 0; j->gathered_right && i < gather_bytes(r); i++)
                j->gathered_right = (unsigned char)all[at[r] + i] == gather_byte(r, i);
        }
        free(mine);
        free(all);
    } else if (j->kind == JOB_DESCRIBE_RANGES || j->kind == JOB_GROUPS_RANGES) {
        pc_describe_options opt;
        pc_describe_options_default(&opt);
        opt.phrase_docs = 0;         /* the texts are not at hand */
        opt.coherence_sample = 300;  /* of 700: the hashed sample */
        opt.threads = 1;
        pc_describe_input in = {.clusters = describe_clusters, .X = j->X,
                                .vocab = describe_vocab, .corpus = describe_corpus,
                                .comm = j->comm};
        pc_csr *R = j->comm ? range_of(j->X, j->comm->rank, j->comm->size) : NULL;
        in.X = R ? R : j->X;
        arm(j->comm);
        j->status = j->kind == JOB_GROUPS_RANGES
                        ? pc_describe_groups(&in, &opt, n_groups, group_members, group_begin,
                                             group_end, &j->description, &j->err)
                        : pc_describe(&in, &opt, &j->description, &j->err);
        pc_csr_free(R);
    } else if (j->kind == JOB_APPROX || j->kind == JOB_APPROX_RANGES ||
               j->kind == JOB_APPROX_REFINE_RANGES || j->kind == JOB_APPROX_TERMS ||
               j->kind == JOB_APPROX_TERMS_RANGES) {
        /* JOB_APPROX: every rank the whole matrix, refining; JOB_APPROX_RANGES: each rank
         * its range, no refining; JOB_APPROX_REFINE_RANGES: each rank its range,
         * refining; JOB_APPROX_TERMS: by the
         * heaviest terms, every rank the whole matrix; JOB_APPROX_TERMS_RANGES: by the
         * heaviest terms, each rank its range */
        const int terms = j->kind == JOB_APPROX_TERMS || j->kind == JOB_APPROX_TERMS_RANGES;
        pc_related_options opt;
        pc_related_options_default(&opt);
        opt.search = PC_RELATED_APPROX;
        opt.partitions = 12;
        opt.probe = 2;
        opt.recall_sample = 40;
        opt.refine = j->kind == JOB_APPROX || j->kind == JOB_APPROX_REFINE_RANGES ? 2 : 0;
        if (j->kind == JOB_APPROX_REFINE_RANGES)
            opt.candidates = 12; /* join sets of a few dozen: a quick job to fail often */
        if (terms) {
            opt.index = PC_INDEX_TERMS;
            opt.mass = 0.5f;
            opt.candidates = 12;
            opt.partitions = opt.probe = 0;
        }
        opt.seed = 3;
        opt.neighbors.top = 7;
        opt.neighbors.threads = 1;
        opt.neighbors.comm = j->comm;
        opt.neighbors.chunk = neighbor_chunk;
        opt.neighbors.ranges =
            (j->kind == JOB_APPROX_RANGES || j->kind == JOB_APPROX_REFINE_RANGES ||
             j->kind == JOB_APPROX_TERMS_RANGES) &&
            j->comm;
        pc_csr *R = opt.neighbors.ranges ? range_of(j->X, j->comm->rank, j->comm->size) : NULL;
        arm(j->comm);
        j->status = pc_related_find(R ? R : j->X, NULL, &opt, NULL, &j->neighbors, &j->err);
        pc_csr_free(R);
    } else if (j->kind == JOB_KMEANS || j->kind == JOB_KMEANS_RANGES) {
        pc_kmeans_options opt;
        pc_kmeans_options_default(&opt);
        opt.k = 5;
        opt.n_init = 2;
        opt.tol = 0.0; /* iterations stop when no document moves: the count all ranks add */
        opt.threads = 1;
        opt.comm = j->comm;
        opt.ranges = j->kind == JOB_KMEANS_RANGES && j->comm;
        pc_csr *R = opt.ranges ? range_of(j->X, j->comm->rank, j->comm->size) : NULL;
        arm(j->comm);
        j->status = pc_kmeans_fit(R ? R : j->X, &opt, NULL, &j->clusters, &j->err);
        pc_csr_free(R);
    } else {
        pc_neighbors_options opt;
        pc_neighbors_options_default(&opt);
        opt.top = 7;
        opt.threads = 1;
        opt.comm = j->comm;
        opt.order = neighbor_order;
        opt.head_terms = neighbor_head;
        opt.chunk = neighbor_chunk;
        opt.ranges = j->kind == JOB_NEIGHBORS_RANGES && j->comm;
        pc_csr *R = opt.ranges ? range_of(j->X, j->comm->rank, j->comm->size) : NULL;
        arm(j->comm);
        j->status = pc_neighbors_topn(R ? R : j->X, &opt, NULL, &j->neighbors, &j->err);
        pc_csr_free(R);
    }
    pc_alloc_fail_after_here(0);
    return NULL;
}

static void job_free(job *j)
{
    pc_clusters_free(j->clusters);
    pc_neighbors_free(j->neighbors);
    pc_description_free(j->description);
}

/* Runs the job on `size` threads-as-ranks; jobs[r] holds rank r's result. */
static void run_ranks(job_kind kind, const pc_csr *X, int size, int fail_rank, long fail_at,
                      job *jobs)
{
    world w;
    memset(&w, 0, sizeof w);
    w.size = size;
    w.fail_rank = fail_rank;
    w.fail_at = fail_at;
    pthread_barrier_init(&w.barrier, NULL, (unsigned)size);
    rank_state ranks[MAX_RANKS];
    pthread_t thread[MAX_RANKS];
    for (int r = 0; r < size; r++) {
        memset(&ranks[r], 0, sizeof ranks[r]);
        ranks[r].w = &w;
        ranks[r].comm = (pc_comm){r, size, &ranks[r], fake_allgather, fake_sendrecv, fake_check, NULL, NULL};
        jobs[r] = (job){kind, X, &ranks[r].comm, 0, PC_OK, {PC_OK, ""}, NULL, NULL, NULL};
        CHECK_INT(pthread_create(&thread[r], NULL, run_job, &jobs[r]), 0);
    }
    for (int r = 0; r < size; r++)
        pthread_join(thread[r], NULL);
    pthread_barrier_destroy(&w.barrier);
    CHECK(!w.mismatched);
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* Checks that a rank's result is the reference's, bit for bit. */
static void same_result(const job *got, const job *want)
{
    CHECK_INT(got->status, PC_OK);
    const size_t n = (size_t)want->X->n_rows;
    const pc_clusters *c = got->clusters, *wc = want->clusters;
    if (c && wc) {
        CHECK(memcmp(c->assign, wc->assign, n * sizeof *c->assign) == 0);
        CHECK(same_floats(c->similarity, wc->similarity, n));
        CHECK(same_floats(c->centroid, wc->centroid, (size_t)wc->k * (size_t)wc->dim));
        CHECK(c->objective == wc->objective);
        CHECK_INT(c->iterations, wc->iterations);
        CHECK_INT(c->best_init, wc->best_init);
    }
    const pc_neighbors *nb = got->neighbors, *wn = want->neighbors;
    if (nb && wn) {
        CHECK(memcmp(nb->id, wn->id, n * (size_t)wn->top * sizeof *nb->id) == 0);
        CHECK(same_floats(nb->similarity, wn->similarity, n * (size_t)wn->top));
        CHECK(nb->work == wn->work);
        CHECK(nb->work_all == wn->work_all);
        CHECK_INT(nb->recall_sample, wn->recall_sample);
        CHECK(nb->recall == wn->recall || (isnan(nb->recall) && isnan(wn->recall)));
        CHECK_INT(nb->partitions, wn->partitions);
    }
    const pc_description *d = got->description, *wd = want->description;
    for (int32_t g = 0; d && wd && g < wd->k; g++) {
        const pc_cluster_description *a = &d->cluster[g], *b = &wd->cluster[g];
        CHECK_INT(a->n_distinctive, b->n_distinctive);
        CHECK(memcmp(a->distinctive, b->distinctive,
                     (size_t)b->n_distinctive * sizeof *b->distinctive) == 0);
        CHECK(same_floats(a->score, b->score, (size_t)b->n_distinctive));
        CHECK_STR(a->label, b->label);
        CHECK_INT(a->n_terms, b->n_terms);
        CHECK(memcmp(a->term, b->term, (size_t)b->n_terms * sizeof *b->term) == 0);
        CHECK(same_floats(a->weight, b->weight, (size_t)b->n_terms));
        CHECK_INT(a->n_central, b->n_central);
        CHECK(memcmp(a->central, b->central, (size_t)b->n_central * sizeof *b->central) == 0);
        CHECK(memcmp(&a->cohesion, &b->cohesion, sizeof a->cohesion) == 0);
        CHECK(memcmp(&a->coherence, &b->coherence, sizeof a->coherence) == 0);
        CHECK(memcmp(&a->exclusivity, &b->exclusivity, sizeof a->exclusivity) == 0);
        CHECK(memcmp(&a->centroid_coherence, &b->centroid_coherence,
                     sizeof a->centroid_coherence) == 0);
    }
    CHECK((c != NULL) == (wc != NULL) && (nb != NULL) == (wn != NULL) &&
          (d != NULL) == (wd != NULL) && (!d || d->k == wd->k));
}

/* The job by 1 to 4 ranks against the job without a communicator. */
static void split_is_one_process(job_kind kind, const pc_csr *X)
{
    job want = {kind, X, NULL, 0, PC_OK, {PC_OK, ""}, NULL, NULL, NULL};
    run_job(&want);
    CHECK_INT(want.status, PC_OK);
    for (int size = 1; size <= MAX_RANKS; size++) {
        job jobs[MAX_RANKS];
        run_ranks(kind, X, size, -1, 0, jobs);
        for (int r = 0; r < size; r++) {
            same_result(&jobs[r], &want);
            job_free(&jobs[r]);
        }
    }
    job_free(&want);
}

static void kmeans_split_is_one_process(void)
{
    int32_t label[700];
    /* 12 iterations, the last ones moving few documents: whether any moved is
     * the sum of every rank's count */
    pc_csr *X = test_planted(700, 5, 30, 40, 0.3, 3, label);
    split_is_one_process(JOB_KMEANS, X);
    pc_csr_free(X);
}

/* Each rank holding only its range of the rows of a planted corpus (700
 * documents of `len` draws from 5 topics of `terms` terms; every 97th row
 * emptied): a few documents without terms among them, and enough rows for
 * several seeding rounds' picks on every rank. */
static void fails_cleanly(job_kind kind, const pc_csr *X);

static void kmeans_ranges_of_planted(int32_t terms, int32_t len)
{
    int32_t label[700];
    pc_csr *P = test_planted(700, 5, terms, len, 0.3, 3, label), *X = NULL;
    pc_error err;
    CHECK_INT(pc_csr_new(700, P->n_cols, P->nnz, &X, &err), PC_OK);
    for (int32_t i = 0; i < 700; i++) { /* every 97th row emptied */
        int64_t o = X->row_ptr[i];
        for (int64_t p = P->row_ptr[i]; i % 97 != 0 && p < P->row_ptr[i + 1]; p++, o++) {
            X->col[o] = P->col[p];
            X->val[o] = P->val[p];
        }
        X->row_ptr[i + 1] = o;
    }
    X->nnz = X->row_ptr[700];
    split_is_one_process(JOB_KMEANS_RANGES, X);
    if (terms == 30)
        fails_cleanly(JOB_KMEANS_RANGES, X);
    pc_csr_free(P);
    pc_csr_free(X);
}

/* 150 terms, 40 draws a document: nearly every sum of every rank's slice of
 * the terms is non-zero (nearly every bit set when the slices are gathered). */
static void kmeans_ranges_are_one_process(void)
{
    kmeans_ranges_of_planted(30, 40);
}

/* 2,000 terms, 6 draws a document: most sums of each rank's slice of the
 * terms are zero (few bits set when the slices are gathered). */
static void kmeans_ranges_send_sparse_sums(void)
{
    kmeans_ranges_of_planted(400, 6);
}

/* Variable gathers in several pieces, some ranks sending none. */
static void allgatherv_in_pieces(void)
{
    job jobs[3];
    run_ranks(JOB_GATHER, NULL, 3, -1, 0, jobs);
    for (int r = 0; r < 3; r++) {
        CHECK_INT(jobs[r].status, PC_OK);
        CHECK(jobs[r].gathered_right);
    }
}

/*
 * Approximate lists (partitions, probing, refining, the recall sample) with
 * the lane blocks split between ranks: one process's lists, recall and work;
 * a failure at any collective or allocation of rank 1 reaches every rank.
 */
static void approx_split_is_one_process(void)
{
    int32_t label[700];
    pc_csr *X = test_planted(700, 5, 200, 10, 0.3, 3, label);
    split_is_one_process(JOB_APPROX, X);
    fails_cleanly(JOB_APPROX, X);
    pc_csr_free(X);
}

/*
 * Approximate lists by the heaviest terms, every rank the whole matrix and
 * every size-th batch of 256 papers (700: three batches, so one rank of four
 * has none): one process's lists, recall and work; a failure at any
 * collective or allocation of rank 1 reaches every rank.
 */
static void approx_terms_split_is_one_process(void)
{
    int32_t label[700];
    pc_csr *X = test_planted(700, 5, 200, 10, 0.3, 3, label);
    split_is_one_process(JOB_APPROX_TERMS, X);
    fails_cleanly(JOB_APPROX_TERMS, X);
    pc_csr_free(X);
}

/* The approximate job `kind` by ranges on 700 planted rows is one process's, in
 * chunks of the default and of `chunk`, and fails cleanly. */
static void ranges_are_one_process(job_kind kind, int32_t chunk)
{
    int32_t label[700];
    pc_csr *X = test_planted(700, 5, 200, 10, 0.3, 3, label);
    split_is_one_process(kind, X);
    neighbor_chunk = chunk;
    split_is_one_process(kind, X);
    fails_cleanly(kind, X);
    neighbor_chunk = 0;
    pc_csr_free(X);
}

/*
 * Approximate lists by the heaviest terms, each rank holding only its range
 * of the rows: one process's lists, recall and work, with the rows coming by
 * in one chunk (the default) and in chunks of 100 (not a range's edges); a
 * failure at any collective or allocation of rank 1 reaches every rank.
 */
static void approx_terms_ranges_are_one_process(void)
{
    ranges_are_one_process(JOB_APPROX_TERMS_RANGES, 100);
}

/*
 * Approximate lists (partitions, probing, the recall sample) with each rank
 * holding only its range of the rows: one process's lists, recall and work,
 * in one chunk of partitions and in chunks of at least 64 probing slots; a
 * failure at any collective or allocation of rank 1 reaches every rank.
 */
static void approx_ranges_are_one_process(void)
{
    ranges_are_one_process(JOB_APPROX_RANGES, 64);
    int32_t label[700];
    pc_csr *X = NULL;
    /* the rows by topic, nearly pure, with few terms each: a rank holds none of many
     * partitions, and many lists are short (fewer than 7 papers share a term) */
    X = test_planted(700, 5, 400, 3, 0.95, 5, label);
    int32_t by_topic[700], at = 0;
    for (int32_t t = 0; t < 5; t++)
        for (int32_t i = 0; i < 700; i++)
            if (label[i] == t)
                by_topic[at++] = i;
    pc_csr *S = NULL;
    pc_error err;
    CHECK_INT(pc_csr_rows(X, by_topic, 700, &S, &err), PC_OK);
    split_is_one_process(JOB_APPROX_RANGES, S);
    pc_csr_free(S);
    pc_csr_free(X);
}

/*
 * Approximate lists refined by NN-descent (two rounds) with each rank
 * holding only its range of the rows: one process's lists, recall and
 * work, the rows coming by in one chunk (the default) and in chunks of 64
 * papers (not a range's edges); a failure at any collective or allocation
 * of rank 1, the rows coming by in three chunks, reaches every rank.
 */
static void approx_refine_ranges_are_one_process(void)
{
    int32_t label[700];
    pc_csr *X = test_planted(700, 5, 200, 10, 0.3, 3, label);
    split_is_one_process(JOB_APPROX_REFINE_RANGES, X);
    neighbor_chunk = 64;
    split_is_one_process(JOB_APPROX_REFINE_RANGES, X);
    neighbor_chunk = 256;
    fails_cleanly(JOB_APPROX_REFINE_RANGES, X);
    neighbor_chunk = 0;
    pc_csr_free(X);
}

static void neighbor_split_is_one_process(void)
{
    pc_csr *X = test_random_sparse(700, 60, 6, 5); /* 11 lane blocks of 64 */
    split_is_one_process(JOB_NEIGHBORS, X);
    pc_csr_free(X);
}

/* Where fails_cleanly makes rank 1 fail; which one it is at, for the watchdog. */
typedef enum fault { AT_COLLECTIVE, AT_ALLOCATION } fault;
static const char *const fault_name[] = {"collective", "allocation"};
static volatile int watched_fault;
static volatile long watched_at;

static void hung(int sig)
{
    (void)sig;
    char line[96];
    int n = snprintf(line, sizeof line, "FAIL: ranks hung after rank 1's %s %ld failed\n",
                     fault_name[watched_fault], (long)watched_at);
    if (write(STDOUT_FILENO, line, (size_t)n) < 0)
        _exit(2);
    _exit(1);
}

/*
 * Rank 1 of 3 failing at its collective 1, 2, ... in turn, then out of
 * memory at its library allocation 1, 2, ... in turn (and every one after),
 * until the job has fewer: every rank returns rank 1's failure and message
 * (at a collective: "rank 1: injected at N"; out of memory: PC_ERR_NOMEM),
 * whether rank 1 failed before a collective the others wait in or after the
 * last one (the job ends in an agreement, pc_comm_agree), and nothing else.
 * No rank waits for ever (a 30 s watchdog), none meets the others in a
 * different collective while all is well (run_ranks), nothing leaks (the
 * sanitizer build).
 */
static void fails_cleanly(job_kind kind, const pc_csr *X)
{
    const long most[] = {400, 100000};
    signal(SIGALRM, hung);
    for (int where = AT_COLLECTIVE; where <= AT_ALLOCATION; where++) {
        int ran_out = 0;
        long at = 1;
        for (; at < most[where] && !ran_out; at++) {
            job jobs[3];
            alloc_rank = where == AT_ALLOCATION ? 1 : -1;
            alloc_at = watched_at = at;
            watched_fault = where;
            alarm(30);
            run_ranks(kind, X, 3, where == AT_COLLECTIVE ? 1 : -1, at, jobs);
            alarm(0);
            alloc_rank = -1;
            ran_out = jobs[1].status == PC_OK; /* past its last collective or allocation */
            char want[64];
            snprintf(want, sizeof want, "rank 1: injected at %ld", at);
            for (int r = 0; r < 3; r++) {
                if (!ran_out) {
                    CHECK_INT(jobs[r].status, where == AT_COLLECTIVE ? PC_ERR_IO : PC_ERR_NOMEM);
                    CHECK_STR(jobs[r].err.message,
                              where == AT_COLLECTIVE ? want : jobs[1].err.message);
                    CHECK(jobs[r].description == NULL && jobs[r].neighbors == NULL &&
                          jobs[r].clusters == NULL);
                } else {
                    CHECK_INT(jobs[r].status, PC_OK);
                }
                job_free(&jobs[r]);
            }
        }
        CHECK(ran_out);
        printf("     (rank 1's %ss in the job: %ld)\n", fault_name[where], at - 2);
    }
    signal(SIGALRM, SIG_DFL);
}

/*
 * Each rank holding only its range of the rows: the lists and the work of
 * one process, in chunks of `chunk` documents (0: one chunk here), the
 * documents taken by a shuffled order or by row, with `head` head terms.
 */
static void neighbor_ranges_of(const pc_csr *X, int32_t chunk, int shuffle, int32_t head)
{
    int32_t *order = NULL;
    if (shuffle) {
        order = malloc((size_t)X->n_rows * sizeof *order);
        CHECK(order != NULL);
        if (!order)
            return;
        for (int32_t i = 0; i < X->n_rows; i++)
            order[i] = i;
        for (int32_t i = X->n_rows - 1; i > 0; i--) { /* a fixed shuffle */
            const int32_t j = (int32_t)(((uint32_t)i * 2654435761u) % (uint32_t)(i + 1));
            const int32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    neighbor_order = order;
    neighbor_chunk = chunk;
    neighbor_head = head;
    split_is_one_process(JOB_NEIGHBORS_RANGES, X);
    if (chunk == 128 && shuffle) /* several chunks: each exchange failing in turn */
        fails_cleanly(JOB_NEIGHBORS_RANGES, X);
    neighbor_order = NULL;
    neighbor_chunk = 0;
    neighbor_head = -1;
    free(order);
}

/* Head terms only, tail terms only, and both, with several chunks (the
 * last one short) and one, by row and shuffled; empty rows among them. */
static void neighbor_ranges_are_one_process(void)
{
    pc_csr *X = test_random_sparse(700, 60, 6, 5); /* every term common: all in the head */
    neighbor_ranges_of(X, 128, 1, -1);
    neighbor_ranges_of(X, 128, 0, 0); /* no head: every term through the postings */
    pc_csr_free(X);
    int32_t label[700];
    pc_csr *P = test_planted(700, 5, 400, 6, 0.3, 3, label); /* rare terms: a head and a tail */
    for (int32_t i = 0; i < 700; i += 97) /* emptied rows */
        for (int64_t p = P->row_ptr[i]; p < P->row_ptr[i + 1]; p++)
            P->val[p] = 0.0f;
    neighbor_ranges_of(P, 192, 1, -1);
    neighbor_ranges_of(P, 0, 1, -1);
    neighbor_ranges_of(P, 64, 0, 5);
    pc_csr_free(P);
}

/*
 * Each rank holding only its range of the rows: the distinctive terms,
 * labels and quality figures of one process (term counts and bit sets
 * exchanged), on planted topics clustered by k-means, coherence on a hashed
 * sample of 300 of the 700 papers.
 */
static void describe_ranges_are_one_process(void)
{
    int32_t label[700];
    pc_csr *X = test_planted(700, 5, 40, 12, 0.3, 3, label);
    pc_kmeans_options kopt;
    pc_kmeans_options_default(&kopt);
    kopt.k = 6;
    kopt.threads = 1;
    pc_clusters *clusters = NULL;
    pc_error err;
    CHECK_INT(pc_kmeans_fit(X, &kopt, NULL, &clusters, &err), PC_OK);
    static char text[700][12];
    char *term[700], *id[700];
    for (int32_t i = 0; i < 700; i++) { /* papers 2401.00000 ...; terms named alike */
        snprintf(text[i], sizeof text[i], "2401.%05d", (int)i);
        id[i] = term[i] = text[i];
    }
    pc_vocab vocab = {.n_terms = X->n_cols, .n_docs = 700, .term = term};
    pc_corpus corpus = {.n_docs = 700, .id = id, .source = "planted"};
    CHECK(X->n_cols <= 700);
    describe_clusters = clusters;
    describe_vocab = &vocab;
    describe_corpus = &corpus;
    if (clusters && X->n_cols <= 700) {
        split_is_one_process(JOB_DESCRIBE_RANGES, X);
        fails_cleanly(JOB_DESCRIBE_RANGES, X);
    }
    /* groups: clusters 0 and 1, 2 to 5, every paper (its own order reversed), cluster 3 */
    int32_t *members = malloc(2 * 700 * sizeof *members);
    int64_t *start = calloc(8, sizeof *start), begin[4], end[4];
    CHECK(members && start);
    if (clusters && members && start) {
        pc_clusters_members(clusters, start, members);
        for (int32_t i = 0; i < 700; i++)
            members[700 + i] = 699 - i;
        int64_t b[4] = {start[0], start[2], 700, start[3]};
        int64_t e[4] = {start[2], start[6], 1400, start[4]};
        memcpy(begin, b, sizeof b);
        memcpy(end, e, sizeof e);
        group_members = members;
        group_begin = begin;
        group_end = end;
        n_groups = 4;
        split_is_one_process(JOB_GROUPS_RANGES, X);
        fails_cleanly(JOB_GROUPS_RANGES, X);
        group_members = NULL;
        n_groups = 0;
    }
    free(members);
    free(start);
    describe_clusters = NULL;
    describe_vocab = NULL;
    describe_corpus = NULL;
    pc_clusters_free(clusters);
    pc_csr_free(X);
}

/* A rank failing at collective `at`: every rank returns its message, nothing else. */
static void failure_reaches_every_rank(void)
{
    int32_t label[300];
    pc_csr *X = test_planted(300, 5, 30, 40, 0.6, 4, label);
    const job_kind kinds[] = {JOB_KMEANS, JOB_NEIGHBORS, JOB_NEIGHBORS, JOB_NEIGHBORS_RANGES,
                              JOB_NEIGHBORS_RANGES, JOB_NEIGHBORS_RANGES};
    const long at[] = {3, 1, 2, 1, 3, 6};
    for (int t = 0; t < 6; t++) {
        job jobs[3];
        run_ranks(kinds[t], X, 3, 1, at[t], jobs);
        char want[64];
        snprintf(want, sizeof want, "rank 1: injected at %ld", at[t]);
        for (int r = 0; r < 3; r++) {
            CHECK_INT(jobs[r].status, PC_ERR_IO);
            CHECK_STR(jobs[r].err.message, want);
            CHECK(jobs[r].clusters == NULL && jobs[r].neighbors == NULL);
            job_free(&jobs[r]);
        }
    }
    pc_csr_free(X);
}

/* ---- pc_run with one rank: every collective failing in turn ---- */

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0; /* temp files too */
    if (d)
        closedir(d);
    return n;
}

typedef struct pipeline_job {
    const char *input, *out;
    const pc_comm *comm;
    pc_status status;
    pc_error err;
} pipeline_job;

static void *run_rank(void *arg)
{
    pipeline_job *j = arg;
    pc_options opt;
    pc_options_default(&opt);
    opt.input = j->input;
    opt.output_dir = j->out;
    opt.threads = 1;
    opt.kmeans.k = 3;
    opt.kmeans.n_init = 1;
    opt.related.neighbors.top = 3;
    opt.html = 0;
    opt.comm = j->comm;
    j->status = pc_run(&opt, NULL, &j->err);
    return NULL;
}

/* pc_run by `size` threads-as-ranks, rank fail_rank failing at its collective
 * fail_at (0: none); rank 0's status and message, and its collectives. */
static pc_status run_ranks_run(const char *input, const char *out, int size, int fail_rank,
                               long fail_at, long *calls, pc_error *err)
{
    world w;
    memset(&w, 0, sizeof w);
    w.size = size;
    w.fail_rank = fail_at > 0 ? fail_rank : -1;
    w.fail_at = fail_at;
    pthread_barrier_init(&w.barrier, NULL, (unsigned)size);
    rank_state ranks[MAX_RANKS];
    pipeline_job jobs[MAX_RANKS];
    pthread_t thread[MAX_RANKS];
    for (int r = 0; r < size; r++) {
        memset(&ranks[r], 0, sizeof ranks[r]);
        ranks[r].w = &w;
        ranks[r].comm = (pc_comm){r, size, &ranks[r], fake_allgather, fake_sendrecv, fake_check, NULL, NULL};
        jobs[r] = (pipeline_job){input, out, &ranks[r].comm, PC_OK, {PC_OK, ""}};
        CHECK_INT(pthread_create(&thread[r], NULL, run_rank, &jobs[r]), 0);
    }
    for (int r = 0; r < size; r++)
        pthread_join(thread[r], NULL);
    pthread_barrier_destroy(&w.barrier);
    for (int r = 1; r < size; r++) { /* every rank ends alike */
        CHECK_INT(jobs[r].status, jobs[0].status);
        CHECK_STR(jobs[r].err.message, jobs[0].err.message);
    }
    *calls = ranks[0].calls;
    *err = jobs[0].err;
    return jobs[0].status;
}

/* pc_run by `size` ranks, once whole, then with rank fail_rank failing at each
 * collective in turn: every rank returns its message, and no report is written. */
static void run_writes_nothing_after_a_failure_of(int size, int fail_rank)
{
    char text[8192];
    size_t used = (size_t)snprintf(text, sizeof text, "id,title,abstract\n");
    static const char *const topic[] = {"protein folding enzyme kinetics", "galaxy redshift "
                                        "telescope survey", "compiler register allocation"};
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "p%02d,paper %d,%s %s study %d\n",
                                 (i * 7) % 30, i, topic[i % 3], topic[(i / 3) % 3], i % 5);
    char input[512];
    snprintf(input, sizeof input, "%s", write_text("papers.csv", text));
    char out[600];
    snprintf(out, sizeof out, "%.500s-%d", temp_path("out"), size);
    long total = 0;
    pc_error err = {PC_OK, ""};
    CHECK_INT(run_ranks_run(input, out, size, -1, 0, &total, &err), PC_OK);
    CHECK(total >= 3);
    printf("     (%d rank(s): %ld collectives in the run)\n", size, total);
    CHECK(files_in(out) > 0);
    for (long at = 1; at <= total; at++) {
        char dir[700];
        snprintf(dir, sizeof dir, "%s-fail-%ld", out, at);
        long calls = 0;
        CHECK_INT(run_ranks_run(input, dir, size, fail_rank, at, &calls, &err), PC_ERR_IO);
        char want[64];
        snprintf(want, sizeof want, "rank %d: injected at %ld", fail_rank, at);
        CHECK_STR(err.message, want);
        CHECK_INT(files_in(dir), 0);
    }
}

/* One rank; and three, rank 2 failing (its share is read, sent and received
 * like the others'). */
static void run_writes_nothing_after_a_failure(void)
{
    run_writes_nothing_after_a_failure_of(1, 0);
    run_writes_nothing_after_a_failure_of(3, 2);
}

int main(void)
{
    if (make_temp_dir("comm") != 0)
        return 1;
    RUN_TEST(kmeans_split_is_one_process);
    RUN_TEST(kmeans_ranges_are_one_process);
    RUN_TEST(kmeans_ranges_send_sparse_sums);
    RUN_TEST(allgatherv_in_pieces);
    RUN_TEST(neighbor_split_is_one_process);
    RUN_TEST(approx_split_is_one_process);
    RUN_TEST(approx_terms_split_is_one_process);
    RUN_TEST(approx_terms_ranges_are_one_process);
    RUN_TEST(approx_ranges_are_one_process);
    RUN_TEST(approx_refine_ranges_are_one_process);
    RUN_TEST(neighbor_ranges_are_one_process);
    RUN_TEST(describe_ranges_are_one_process);
    RUN_TEST(failure_reaches_every_rank);
    RUN_TEST(run_writes_nothing_after_a_failure);
    remove_temp_dir();
    return TEST_EXIT();
}
