/*
 * comm.h — the seam to several processes (paperclust-mpi): a communicator
 * the stages use when they are given one.
 *
 * pc_run and the stages take a `const pc_comm *`; NULL means one process, the
 * ordinary run, which never calls through it.  A pc_comm is a few function
 * pointers over some message-passing layer: src/mpi.c fills one with Open
 * MPI (the only file besides cli/main_mpi.c that includes mpi.h), and a test
 * could fill one with anything that behaves alike.
 *
 * Every rank runs the same pipeline on the same options and calls the same
 * collectives in the same order (sendrecv too: every rank calls it at once,
 * each with its own partners, possibly none).  Results must not depend on the number of
 * processes: a stage splits work between the ranks only where each piece's
 * result is formed in an order that does not depend on who computes it, and
 * it combines the pieces in a fixed order (integers, or floats that were
 * summed by one rank).
 *
 * Failure: a rank whose stage fails calls check() with its failure instead of
 * the next collective; every rank's next collective (whichever it is) then
 * returns the failure, with the message of the lowest failing rank, so the
 * whole job ends with that one message.  After a collective has returned a
 * failure, no rank calls another.
 */
#ifndef PAPERCLUST_COMM_H
#define PAPERCLUST_COMM_H

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_comm pc_comm;

struct pc_comm {
    int rank;  /* this process, 0 .. size - 1; rank 0 writes the reports */
    int size;  /* the number of processes, at least 1 */
    void *ctx; /* the implementation's */
    /*
     * Every rank gives `bytes` bytes (the same number on every rank) at
     * `mine`; `all` (size × bytes) receives them all, rank 0's first, on
     * every rank.  Returns PC_OK, or the failure of the lowest failing rank
     * (its status and message in *err) when any rank failed.
     */
    pc_status (*allgather)(const pc_comm *comm, const void *mine, size_t bytes, void *all,
                           pc_error *err);
    /*
     * Every rank calls it at once, each with its own partners: this rank
     * sends send_bytes bytes at `send` to rank `to` and receives recv_bytes
     * bytes into `recv` from rank `from` (who sends exactly that many to
     * it; `to` and `from` may be this rank; 0 bytes is no message at all).
     * A ring step, a redistribution step, a chain step.  Failures as
     * allgather.
     */
    pc_status (*sendrecv)(const pc_comm *comm, int to, const void *send, size_t send_bytes,
                          int from, void *recv, size_t recv_bytes, pc_error *err);
    /*
     * Every rank says how it is doing: status PC_OK (waits for the others,
     * returns PC_OK when none failed) or its failure, described by *err
     * (returned, with the lowest failing rank's message).
     */
    pc_status (*check)(const pc_comm *comm, pc_status status, pc_error *err);
    /*
     * Optional (NULL: none), a measuring hook: the stage `name` has ended on
     * this rank.  The implementation may count what this rank communicated
     * since the previous mark (and its memory) under that name; marks with
     * the same name add up.  Not a collective: it never communicates.
     */
    void (*stage)(const pc_comm *comm, const char *name);
    /*
     * Optional (NULL: none), a measuring hook as stage: this rank has parsed
     * `bytes` bytes of input (as read, after gunzip), counted under the
     * stage that ends next.  Not a collective.
     */
    void (*input)(const pc_comm *comm, long long bytes);
};

/* The number of processes of comm (1 for NULL) and this one's rank (0 for NULL). */
static inline int pc_comm_size(const pc_comm *comm)
{
    return comm ? comm->size : 1;
}
static inline int pc_comm_rank(const pc_comm *comm)
{
    return comm ? comm->rank : 0;
}

/*
 * comm's check, for a job that may run in one process (comm NULL: status as
 * it is).  At the end of a job whose processes meet in collectives, it makes
 * every process return the same status: a failure of one (e.g. out of
 * memory after the last collective, or before one the others wait in)
 * reaches all.
 */
static inline pc_status pc_comm_agree(const pc_comm *comm, pc_status status, pc_error *err)
{
    return comm ? comm->check(comm, status, err) : status;
}

/* Marks the end of stage `name` on comm, when it has the hook (else nothing). */
static inline void pc_comm_stage(const pc_comm *comm, const char *name)
{
    if (comm && comm->stage)
        comm->stage(comm, name);
}

/* Counts `bytes` of input parsed on comm, when it has the hook (else nothing). */
static inline void pc_comm_input(const pc_comm *comm, long long bytes)
{
    if (comm && comm->input)
        comm->input(comm, bytes);
}

#ifdef __cplusplus
}
#endif
#endif
