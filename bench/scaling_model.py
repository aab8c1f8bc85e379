#!/usr/bin/env python3
"""A wall-time and memory model for paperclust-mpi on N machines of 32 cores,
from one measured run of one process and one thread (bench/SCALING.md says
how the inputs were measured and what is assumed).

usage: scaling_model.py DIR [TRACE_A PA TRACE_B PB]
       (DIR: the output folder of `paperclust-mpi run ... --threads 1` by one
       process with PAPERCLUST_MPI_TRACE=1, DIR.trace its stderr; TRACE_A and
       TRACE_B: the stderr of the same run by PA and PB processes, whose
       largest per-rank peaks give the memory model)

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
  every rank receives, per run: every paper's record (the order stage),
  every row once in the related stage (the lanes, 8 bytes per non-zero)
  and its share of the others' rows for the tree's column slice (8 bytes
  per non-zero), k-means' sums each iteration (a bit per k x terms cell and
  4 bytes per non-zero sum), the lanes' lists from every rank and all the
  lists at the end (20 bytes per candidate taken for both: about 16 and 4
  per paper measured);
- memory per rank: a + b / N times the papers' growth, a and b fitted to
  the largest per-rank peaks of two measured runs (PA and PB processes):
  a is what every rank holds whole (the corpus's records, every paper's
  list, per-paper arrays), b the rows split between the ranks; without
  those runs, the one-process peak, not shrinking with N.

A run with `--related approx` (no --refine) models that stage instead:
- its seconds grow as papers^1.5: sqrt(papers) partitions by default, so
  with a fixed --probe each paper meets probe x sqrt(papers) others, and
  the nearest-partition pass is non-zeros x partitions (the multiply-adds
  measured from 1M to 10M papers grew with exponent 1.53, RESULTS.md); it
  is split between all cores as the exact stage is;
- its bytes per rank: what the rank receiving most received in the related
  stage of the PA and PB runs, fitted as F (P - 1) / P + R (P - 1) / P^2:
  F what every rank gets whole from the others (the partitions' training
  sums, the nearest-partition lists, every paper's list), R the rows the
  probing steps spread over the ranks (each rank receives its steps'
  members and lanes, about (1 + probe) x the rows / P); both taken to grow
  linearly with papers (F's training sums grow more slowly: an upper
  bound); they replace the "every row once" and the lists of the exact
  model;
- the recall at that --probe is the measured run's estimate; how it changes
  with the number of papers is not modelled (at --probe 2 it fell from
  0.59, with --refine 3, at 1M to 0.30 at 10M on the realistic corpus).
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
    fixed_mib, split_mib = peak_mib, 0.0
    if len(sys.argv) == 6:  # a + b / P through the two runs' largest per-rank peaks
        peaks = []
        for trace, p in ((sys.argv[2], int(sys.argv[3])), (sys.argv[4], int(sys.argv[5]))):
            with open(trace, encoding="utf-8", errors="replace") as f:
                peak = max(int(m.group(1)) for m in
                           re.finditer(r"peak RSS (\d+) MiB", f.read()))
            peaks.append((p, peak))
        (pa, ma), (pb, mb) = peaks
        split_mib = (ma - mb) / (1.0 / pa - 1.0 / pb)
        fixed_mib = ma - split_mib / pa
        print(f"memory per rank: {fixed_mib:.0f} MiB + {split_mib:.0f} MiB / P at {n0:,} "
              f"papers (peaks {ma} MiB at P = {pa}, {mb} MiB at P = {pb})")
    print(f"base: {run}: {n0:,} papers, {nnz0:,} non-zeros, {terms:,} terms, k = {k}; "
          f"one thread: " + ", ".join(f"{key} {v:.1f} s" for key, v in sec.items()))
    approx = s.get("related") == "approx"
    whole, spread = 0.0, 0.0  # F and R (bytes at the base's size), approx only
    if approx:
        if len(sys.argv) != 6:
            sys.exit("scaling_model.py: an approx run needs the two traces (its bytes per rank)")
        got = []
        for trace, p in ((sys.argv[2], int(sys.argv[3])), (sys.argv[4], int(sys.argv[5]))):
            with open(trace, encoding="utf-8", errors="replace") as f:
                got.append((p, max(int(m.group(1)) for m in re.finditer(
                    r"stage related: \d+ collectives, \d+ bytes sent, (\d+) bytes received",
                    f.read()))))
        (pa, ba), (pb, bb) = got  # ba = F (pa-1)/pa + R (pa-1)/pa^2, the same for pb
        a1, a2, b1, b2 = (pa - 1) / pa, (pa - 1) / pa ** 2, (pb - 1) / pb, (pb - 1) / pb ** 2
        spread = (ba * b1 - bb * a1) / (a2 * b1 - b2 * a1)
        whole = (ba - spread * a2) / a1
        print(f"approx: --probe {s['probe']} of {s['partitions']} partitions, recall estimate "
              f"{s.get('related_recall_estimate', '?')}; related stage received {ba / 1e6:.1f} "
              f"MB (P = {pa}) and {bb / 1e6:.1f} MB (P = {pb}) by the rank receiving most: "
              f"F = {whole / 1e6:.1f} MB whole, R = {spread / 1e6:.1f} MB spread")
    print(f"peak {peak_mib:.0f} MiB; {calls} collectives\n")
    related_name = f"related (approx, probe {s['probe']})" if approx else "related (exact)"
    print("| papers | machines | read | vocabulary + order | tf-idf | k-means | describe | "
          f"{related_name} | network | total | memory per rank |")
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
            related = sec.get("related", 0) * (g ** 1.5 if approx else g * g) / all_cores
            iterations = int(s.get("iterations", 20)) * int(s.get("n_init", 3))
            sums = k * terms * (0.125 + 4 * 0.5)  # half the sums non-zero (arxiv: about half)
            top = int(s.get("top", 10))
            share = (machines - 1) / machines
            related_received = ((whole * share + spread * share / machines) * g
                                if approx else 8 * nnz + 20 * top * n)
            received = (order_bytes * n + related_received + 8 * nnz * share
                        + iterations * sums * share) if machines > 1 else 0.0
            network = (received / NET + calls * LATENCY) if machines > 1 else 0.0
            total = read + vocab + tfidf + kmeans + describe + related + network
            mem = (fixed_mib + split_mib / machines) * g / 1024
            print(f"| {n:,} | {machines} | {read:,.0f} | {vocab:,.0f} | {tfidf:,.1f} | "
                  f"{kmeans:,.0f} | {describe:,.0f} | {related:,.0f} | {network:,.0f} | "
                  f"{total:,.0f} s ({total / 3600:,.1f} h) | {mem:,.0f} GiB |")


if __name__ == "__main__":
    main()
