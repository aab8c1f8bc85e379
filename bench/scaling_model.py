#!/usr/bin/env python3
"""A wall-time and memory model for paperclust-mpi on N machines of 32 cores,
from one measured run of one process and one thread (bench/SCALING.md says
how the inputs were measured and what is assumed).

usage: scaling_model.py DIR   (DIR: the output folder of `paperclust-mpi run
       ... --threads 1` by one process with PAPERCLUST_MPI_TRACE=1, DIR.trace
       its stderr)

Assumptions (stated again in SCALING.md):
- one rank per machine, 32 threads each; a stage's threads scale linearly
  to 32 cores, and stages split between ranks scale linearly to N x 32;
- cost per paper is constant for read, vocabulary, TF-IDF, k-means (same k,
  same number of iterations) and description (non-zeros grow linearly with
  papers, b = 1.00 measured); the exact related stage grows with sum df^2,
  as papers squared (b = 2.00 measured, bench/RESULTS.md);
- reading is parsed whole by every rank and is taken as serial (the
  tokenizing after it is split, but the parse is not: an upper bound);
  vocabulary + order, description and everything after related (reports)
  are not split between ranks (every rank does all of it, with 32 threads);
- network: 1.25 GB/s into each machine (10 Gb/s), 50 us per collective;
  every rank receives, per run: every paper's record (the order stage), the
  whole matrix (the gather, 8 bytes per non-zero), k-means' sums each
  iteration (a bit per k x terms cell and 4 bytes per non-zero sum) and
  the related lists of every rank (8 bytes per candidate);
- memory per rank: the measured peak of the one-process run grows linearly
  with papers and does not shrink with N (the whole matrix is gathered).
"""
import csv
import re
import sys

CORES = 32
NET = 1.25e9        # bytes/s into a machine
LATENCY = 50e-6     # s per collective


def main():
    run = sys.argv[1]
    with open(run + "/summary.csv", newline="", encoding="utf-8") as f:
        s = {r[0]: r[1] for r in csv.reader(f) if len(r) == 2}
    n0, nnz0, k = int(s["documents"]), int(s["nonzeros"]), int(s["k"])
    terms = int(s["terms"])
    sec = {key[8:]: float(v) for key, v in s.items() if key.startswith("seconds_")}
    peak_mib = float(s["peak_rss_mib_total"])
    calls = 0
    with open(run + ".trace", encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.fullmatch(r"paperclust-mpi: rank 0: (\d+) collectives, \d+ bytes sent",
                             line.strip())
            if m:
                calls = int(m.group(1))
    order_bytes = 130.0  # bytes per paper of the order stage's records (measured, arxiv)
    print(f"base: {run}: {n0:,} papers, {nnz0:,} non-zeros, {terms:,} terms, k = {k}; "
          f"one thread: " + ", ".join(f"{key} {v:.1f} s" for key, v in sec.items()))
    print(f"peak {peak_mib:.0f} MiB; {calls} collectives\n")
    print("| papers | machines | read | vocabulary + order | tf-idf | k-means | describe | "
          "related (exact) | network | total | memory per rank |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (2_500_000, 100_000_000):
        g = n / n0
        nnz = nnz0 * g
        for machines in (1, 4, 16, 64, 256):
            all_cores = CORES * machines
            read = sec.get("read", 0) * g  # serial parse on every rank (upper bound)
            vocab = sec.get("vocabulary", 0) * g / CORES
            tfidf = sec.get("tfidf", 0) * g / all_cores
            kmeans = sec.get("kmeans", 0) * g / all_cores
            describe = sec.get("describe", 0) * g / CORES
            related = sec.get("related", 0) * g * g / all_cores
            iterations = int(s.get("iterations", 20)) * int(s.get("n_init", 3))
            sums = k * terms * (0.125 + 4 * 0.5)  # half the sums non-zero (arxiv: about half)
            received = (order_bytes * n + 8 * nnz + iterations * sums * (machines - 1) / machines
                        + (8 * int(s.get("top", 10)) * n * machines if machines > 1 else 0))
            network = (received / NET + calls * LATENCY) if machines > 1 else 0.0
            total = read + vocab + tfidf + kmeans + describe + related + network
            mem = peak_mib * g / 1024
            print(f"| {n:,} | {machines} | {read:,.0f} | {vocab:,.0f} | {tfidf:,.1f} | "
                  f"{kmeans:,.0f} | {describe:,.0f} | {related:,.0f} | {network:,.0f} | "
                  f"{total:,.0f} s ({total / 3600:,.1f} h) | {mem:,.0f} GiB |")


if __name__ == "__main__":
    main()
