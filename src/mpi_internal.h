/*
 * mpi_internal.h — the Open MPI side of the pc_comm seam (src/mpi.c), for
 * the paperclust-mpi program only: the library never links MPI.
 */
#ifndef PC_MPI_INTERNAL_H
#define PC_MPI_INTERNAL_H

#include <stdio.h>

#include "paperclust/comm.h"

/*
 * Starts MPI (MPI_Init with the program's arguments) and returns, in *out, a
 * communicator over all its processes (MPI_COMM_WORLD), freed by
 * pc_mpi_finish().  Test hook: the environment variable PAPERCLUST_MPI_FAIL
 * = "RANK:N" makes rank RANK report an injected failure at its N-th
 * collective (1-based) instead of taking part in it, as a rank whose stage
 * failed does.  PC_ERR_NOMEM; PC_ERR_INVALID for a malformed hook.
 */
pc_status pc_mpi_start(int *argc, char ***argv, pc_comm **out, pc_error *err);

/*
 * Every rank at once (MPI itself, not a collective of the seam): marks the
 * stage "end" (what followed the last mark), then rank 0 writes to out one
 * line per rank per stage marked (pc_comm_stage), in rank order, then in
 * the order the stages first ended: "paperclust-mpi: rank R: stage NAME: C
 * collectives, S bytes sent, B bytes received, peak RSS M MiB" (then ", I
 * input bytes parsed" for a stage that parsed input, pc_comm_input) — the
 * collectives the stage entered, the payload bytes the rank sent to other
 * ranks (an allgather's own part once, none with one process; a sendrecv's
 * to itself not at all)
 * and received from them, and the process's peak resident memory (VmHWM)
 * when the stage ended.  Marks of the same name add up (the peak: the
 * largest).
 */
void pc_mpi_trace(const pc_comm *comm, FILE *out);

/* The collectives this rank has entered so far, and the payload bytes it sent to the others. */
void pc_mpi_counts(const pc_comm *comm, long *collectives, long long *bytes);

/* Ends MPI (MPI_Finalize) and frees comm; NULL is allowed (MPI is then not ended). */
void pc_mpi_finish(pc_comm *comm);

#endif
