/*
 * main_mpi.c — the paperclust-mpi command: `mpirun -np P paperclust-mpi run
 * FILE [options]` runs `paperclust run` as P processes (src/mpi.c's
 * communicator in pc_options.comm) and writes the same reports.  Only rank 0
 * speaks: the other ranks' standard output and error go to /dev/null, and a
 * failure on any rank reaches rank 0's one-line error through the
 * communicator.  Test and bench hook: with PAPERCLUST_MPI_TRACE set, rank 0
 * ends with a line per rank per stage (pc_mpi_trace: collectives, bytes sent
 * and received, peak memory), then a line counting its collectives and the
 * bytes it sent.  Exit status as paperclust's (mpirun -q keeps Open MPI's own
 * notices about it quiet).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mpi_internal.h"

static void usage(FILE *out)
{
    fputs("usage: mpirun [-q] -np P paperclust-mpi run FILE [options]\n"
          "       paperclust-mpi --help | --version\n"
          "\n"
          "Runs 'paperclust run' as P processes that share the work and write the same\n"
          "reports (summary.csv adds a 'processes' row).  The options are those of\n"
          "'paperclust run --help'; the few not supported across processes yet are\n"
          "refused by name.  Exit status: 0 success, 1 data or runtime error, 2 usage\n"
          "error.\n",
          out);
}

/* The command line, as rank 0 says it; returns the exit status. */
static int dispatch(int argc, char **argv, const pc_comm *comm)
{
    if (argc < 2) {
        fputs("paperclust-mpi: no command given (see 'paperclust-mpi --help')\n", stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("paperclust-mpi %s\n", PC_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "paperclust-mpi: unknown command '%s' (only 'run'; see "
                        "'paperclust-mpi --help')\n", argv[1]);
        return EXIT_USAGE;
    }
    return pc_cli_run(argc - 1, argv + 1, 0, comm);
}

int main(int argc, char **argv)
{
    pc_comm *comm = NULL;
    pc_error err = {PC_OK, ""};
    pc_status status = pc_mpi_start(&argc, &argv, &comm, &err);
    if (comm && comm->rank != 0 && (!freopen("/dev/null", "w", stdout) ||
                                    !freopen("/dev/null", "w", stderr)))
        MPI_Abort(MPI_COMM_WORLD, 1);
    if (status != PC_OK) {
        fprintf(stderr, "paperclust-mpi: %s\n", err.message);
        pc_mpi_finish(comm);
        return EXIT_USAGE;
    }
    int code = dispatch(argc, argv, comm);
    if (getenv("PAPERCLUST_MPI_TRACE")) { /* test hook: what the run exchanged */
        pc_mpi_trace(comm, stderr);
        long collectives = 0;
        long long bytes = 0;
        pc_mpi_counts(comm, &collectives, &bytes);
        fprintf(stderr, "paperclust-mpi: rank %d: %ld collectives, %lld bytes sent\n",
                comm->rank, collectives, bytes);
    }
    pc_mpi_finish(comm);
    return code;
}
