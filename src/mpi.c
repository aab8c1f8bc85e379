/*
 * mpi.c — the pc_comm seam over Open MPI: the only library-side file that
 * includes mpi.h (cli/main_mpi.c, which starts it, is the other).
 *
 * Every collective begins with the same step, an MPI_Allreduce (MAX) of a
 * failure flag, so that a rank whose stage failed can take part in whatever
 * collective the others are at: it calls check() with its failure, which is
 * that same first step with the flag raised.  When any flag is raised, every
 * rank then exchanges (status, message) records with one MPI_Allgather and
 * returns the lowest failing rank's, and the payload is never sent; the job
 * ends with one message, and later collectives return it at once without
 * communicating (the ranks leave by different paths).  Otherwise the payload moves: allgather is one
 * MPI_Allgather of bytes (in pieces of at most 64 MiB per rank, MPI counts
 * being ints, so that size × 64 MiB is the most held in flight).  Costs: two
 * latency-bound steps per collective on top of the payload; a run makes a
 * few per k-means iteration and a few more in all.
 */
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mpi_internal.h"

#define PIECE ((size_t)1 << 26) /* bytes per rank per MPI_Allgather (64 MiB: size × that in flight) */
#define MAX_STAGES 24            /* stages counted apart (pc_comm_stage); later ones go to the last */

/* What a rank communicated during a stage, and its memory at the stage's end. */
typedef struct pc_mpi_stage_count {
    char name[24];
    long long calls, sent, received, parsed;
    double peak_mib; /* the process's peak resident memory so far (VmHWM) */
} stage_count;

typedef struct mpi_state {
    long calls;    /* collectives entered so far */
    long long sent; /* payload bytes this rank has sent to the others (an allgather's once) */
    long long received; /* payload bytes it received from the other ranks */
    long long marked[3]; /* calls, sent and received at the last stage mark */
    long long parsed;    /* input bytes parsed since the last stage mark (pc_comm_input) */
    int n_stages;
    stage_count stage[MAX_STAGES];
    int fail_rank; /* test hook: this rank fails at collective fail_at (-1: never) */
    long fail_at;
    pc_error failed; /* the failure agreed on (status PC_OK until one is) */
} mpi_state;

typedef struct failure_record {
    int status;
    char message[PC_ERROR_MAX];
} failure_record;

/*
 * The first step of every collective: status is this rank's (PC_OK, or its
 * failure with *err's message).  Returns PC_OK when no rank failed, else the
 * lowest failing rank's status, its message in *err.
 */
static pc_status agree(const pc_comm *comm, pc_status status, pc_error *err)
{
    mpi_state *st = comm->ctx;
    if (st->failed.status != PC_OK) { /* agreed already: no rank communicates again */
        if (err)
            *err = st->failed;
        return st->failed.status;
    }
    st->calls++;
    if (status == PC_OK && comm->rank == st->fail_rank && st->calls == st->fail_at)
        status = pc_fail(err, PC_ERR_IO, "rank %d: injected failure at collective %ld "
                                              "(PAPERCLUST_MPI_FAIL)", comm->rank, st->calls);
    int mine = status != PC_OK, any = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (!any)
        return PC_OK;
    failure_record own;
    memset(&own, 0, sizeof own);
    own.status = (int)status;
    if (status != PC_OK)
        snprintf(own.message, sizeof own.message, "%s", err ? err->message : pc_strerror(status));
    failure_record *all = calloc((size_t)comm->size, sizeof *all); /* not pc_calloc: the
                                                                      failure must get through */
    if (!all)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Allgather(&own, (int)sizeof own, MPI_BYTE, all, (int)sizeof own, MPI_BYTE,
                  MPI_COMM_WORLD);
    int r = 0;
    while (r < comm->size - 1 && all[r].status == PC_OK)
        r++;
    st->failed.status = (pc_status)all[r].status;
    snprintf(st->failed.message, sizeof st->failed.message, "%s", all[r].message);
    free(all);
    if (err)
        *err = st->failed;
    return st->failed.status;
}

static pc_status mpi_check(const pc_comm *comm, pc_status status, pc_error *err)
{
    return agree(comm, status, err);
}

static pc_status mpi_allgather(const pc_comm *comm, const void *mine, size_t bytes, void *all,
                               pc_error *err)
{
    pc_status status = agree(comm, PC_OK, err);
    if (status != PC_OK || bytes == 0)
        return status;
    const size_t p = (size_t)comm->size;
    ((mpi_state *)comm->ctx)->sent += p > 1 ? (long long)bytes : 0; /* to the others, once */
    ((mpi_state *)comm->ctx)->received += (long long)(bytes * (p - 1));
    if (bytes <= PIECE) {
        MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, MPI_COMM_WORLD);
        return PC_OK;
    }
    char *piece = malloc(p * PIECE); /* the same on every rank: no rank may bail out alone */
    if (!piece)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (size_t at = 0; at < bytes; at += PIECE) {
        size_t len = bytes - at < PIECE ? bytes - at : PIECE;
        MPI_Allgather((const char *)mine + at, (int)len, MPI_BYTE, piece, (int)len, MPI_BYTE,
                      MPI_COMM_WORLD);
        for (size_t r = 0; r < p; r++)
            memcpy((char *)all + r * bytes + at, piece + r * len, len);
    }
    free(piece);
    return PC_OK;
}

/* Point-to-point in pieces of at most 64 MiB (MPI counts are ints), all
 * posted at once and waited for together, so that no rank waits on another's
 * order of sends. */
static pc_status mpi_sendrecv(const pc_comm *comm, int to, const void *send, size_t send_bytes,
                              int from, void *recv, size_t recv_bytes, pc_error *err)
{
    pc_status status = agree(comm, PC_OK, err);
    if (status != PC_OK)
        return status;
    ((mpi_state *)comm->ctx)->sent += (long long)(to == comm->rank ? 0 : send_bytes);
    ((mpi_state *)comm->ctx)->received += (long long)(from == comm->rank ? 0 : recv_bytes);
    size_t n_send = (send_bytes + PIECE - 1) / PIECE, n_recv = (recv_bytes + PIECE - 1) / PIECE;
    MPI_Request *req = malloc((n_send + n_recv + 1) * sizeof *req); /* not pc_malloc: the
                                                                     others wait on it */
    if (!req)
        MPI_Abort(MPI_COMM_WORLD, 1);
    int n = 0;
    for (size_t at = 0; at < recv_bytes; at += PIECE)
        MPI_Irecv((char *)recv + at, (int)(recv_bytes - at < PIECE ? recv_bytes - at : PIECE),
                  MPI_BYTE, from, 0, MPI_COMM_WORLD, &req[n++]);
    for (size_t at = 0; at < send_bytes; at += PIECE)
        MPI_Isend((const char *)send + at,
                  (int)(send_bytes - at < PIECE ? send_bytes - at : PIECE), MPI_BYTE, to, 0,
                  MPI_COMM_WORLD, &req[n++]);
    MPI_Waitall(n, req, MPI_STATUSES_IGNORE);
    free(req);
    return PC_OK;
}

/* The stage hook: what this rank communicated since the last mark, under name. */
static void mpi_stage(const pc_comm *comm, const char *name)
{
    mpi_state *st = comm->ctx;
    int s = 0;
    while (s < st->n_stages && strcmp(st->stage[s].name, name) != 0)
        s++;
    if (s == st->n_stages) {
        if (st->n_stages == MAX_STAGES)
            s = MAX_STAGES - 1;
        else
            snprintf(st->stage[st->n_stages++].name, sizeof st->stage[0].name, "%s", name);
    }
    stage_count *c = &st->stage[s];
    c->calls += st->calls - st->marked[0];
    c->sent += st->sent - st->marked[1];
    c->received += st->received - st->marked[2];
    c->parsed += st->parsed;
    st->parsed = 0;
    double peak = pc_memory_peak_mib();
    c->peak_mib = peak > c->peak_mib ? peak : c->peak_mib;
    st->marked[0] = st->calls;
    st->marked[1] = st->sent;
    st->marked[2] = st->received;
}

/* The input hook: counted under the next stage mark. */
static void mpi_input(const pc_comm *comm, long long bytes)
{
    ((mpi_state *)comm->ctx)->parsed += bytes;
}

/* PAPERCLUST_MPI_FAIL = "RANK:N" into st; 0, or -1 when malformed. */
static int read_fail_hook(mpi_state *st)
{
    st->fail_rank = -1;
    const char *hook = getenv("PAPERCLUST_MPI_FAIL");
    if (!hook || !hook[0])
        return 0;
    char *end = NULL;
    long rank = strtol(hook, &end, 10);
    if (*end != ':' || rank < 0 || rank > INT_MAX)
        return -1;
    long at = strtol(end + 1, &end, 10);
    if (*end != '\0' || at < 1)
        return -1;
    st->fail_rank = (int)rank;
    st->fail_at = at;
    return 0;
}

pc_status pc_mpi_start(int *argc, char ***argv, pc_comm **out, pc_error *err)
{
    *out = NULL;
    MPI_Init(argc, argv);
    pc_comm *comm = pc_calloc(1, sizeof *comm);
    mpi_state *st = pc_calloc(1, sizeof *st);
    if (!comm || !st) {
        free(comm);
        free(st);
        MPI_Finalize();
        return pc_fail_nomem(err, "starting MPI");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &comm->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &comm->size);
    comm->ctx = st;
    comm->allgather = mpi_allgather;
    comm->sendrecv = mpi_sendrecv;
    comm->check = mpi_check;
    comm->stage = mpi_stage;
    comm->input = mpi_input;
    *out = comm;
    if (read_fail_hook(st) != 0)
        return pc_fail(err, PC_ERR_INVALID, "PAPERCLUST_MPI_FAIL must be RANK:N (N >= 1), not "
                                            "'%s'", getenv("PAPERCLUST_MPI_FAIL"));
    return PC_OK;
}

void pc_mpi_counts(const pc_comm *comm, long *collectives, long long *bytes)
{
    const mpi_state *st = comm->ctx;
    *collectives = st->calls;
    *bytes = st->sent;
}

void pc_mpi_trace(const pc_comm *comm, FILE *out)
{
    mpi_state *st = comm->ctx;
    mpi_stage(comm, "end");
    stage_count *all = calloc((size_t)comm->size * MAX_STAGES, sizeof *all);
    int *n = calloc((size_t)comm->size, sizeof *n);
    if (!all || !n)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Gather(&st->n_stages, 1, MPI_INT, n, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Gather(st->stage, (int)sizeof st->stage, MPI_BYTE, all, (int)sizeof st->stage, MPI_BYTE,
               0, MPI_COMM_WORLD);
    for (int r = 0; comm->rank == 0 && r < comm->size; r++)
        for (int s = 0; s < n[r]; s++) {
            const stage_count *c = &all[(size_t)r * MAX_STAGES + (size_t)s];
            fprintf(out, "paperclust-mpi: rank %d: stage %s: %lld collectives, %lld bytes sent, "
                         "%lld bytes received, peak RSS %.0f MiB", r, c->name, c->calls,
                    c->sent, c->received, c->peak_mib);
            if (c->parsed) /* the stages that parsed input: read */
                fprintf(out, ", %lld input bytes parsed", c->parsed);
            fputc('\n', out);
        }
    free(all);
    free(n);
}

void pc_mpi_finish(pc_comm *comm)
{
    if (!comm)
        return;
    free(comm->ctx);
    free(comm);
    MPI_Finalize();
}
