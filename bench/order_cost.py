#!/usr/bin/python3
"""What putting the papers into canonical order costs (issue 11, section 4).

usage: bench/order_cost.py WITH WITHOUT CORPUS [--runs N] [--threads T]

WITH is a paperclust binary as built; WITHOUT the same source built with the
pc_corpus_sort call in src/pipeline.c (read_and_weight) replaced by PC_OK.
Both run `run CORPUS --threads T --quiet -o DIR` (default options otherwise,
OMP_WAIT_POLICY=PASSIVE so that waiting threads do not burn CPU), alternating,
N times each (default 5).  Prints the medians of the wall time and of the
CPU time (user + system) of the whole process and of seconds_read (reading,
which includes the sort), every run's figures, and the differences.  The
machine is shared: CPU time is the steadier figure under load; quote the load.
"""
import argparse
import csv
import os
import resource
import statistics
import subprocess
import tempfile
import time


def one_run(binary, corpus, threads, out):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([binary, "run", corpus, "--threads", str(threads), "--quiet", "-o", out],
                   check=True, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(os.path.join(out, "summary.csv"), newline="", encoding="utf-8") as f:
        summary = dict(csv.reader(f))
    return wall, cpu, float(summary["seconds_read"])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("with_sort")
    ap.add_argument("without_sort")
    ap.add_argument("corpus")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    names = {"with": args.with_sort, "without": args.without_sort}
    walls = {n: [] for n in names}
    cpus = {n: [] for n in names}
    reads = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.runs):
            for name, binary in names.items():
                wall, cpu, read = one_run(binary, args.corpus, args.threads,
                                          os.path.join(tmp, name))
                walls[name].append(wall)
                cpus[name].append(cpu)
                reads[name].append(read)
                print(f"run {r + 1} {name} sort: wall {wall:.2f} s, CPU {cpu:.2f} s, "
                      f"seconds_read {read:.3f}", flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}\n")
    print("| | with the sort | without | difference |")
    print("|---|---:|---:|---:|")
    for label, table in (("wall time (s)", walls), ("CPU time (s)", cpus),
                         ("seconds_read (s)", reads)):
        a, b = statistics.median(table["with"]), statistics.median(table["without"])
        print(f"| {label}, median of {args.runs} | {a:.3f} | {b:.3f} | "
              f"{a - b:+.3f} ({100 * (a - b) / b:+.1f}%) |")


if __name__ == "__main__":
    main()
