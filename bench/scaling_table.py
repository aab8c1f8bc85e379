#!/usr/bin/env python3
"""Tables for bench/SCALING.md from paperclust-mpi runs made with
PAPERCLUST_MPI_TRACE=1: per stage, the bytes each rank sent and received
and its peak resident memory when the stage ended, and the stage seconds of
rank 0's summary.csv.

usage: scaling_table.py NAME DIR...   (each DIR an output folder of one run,
DIR.trace its stderr; the number of processes is read from summary.csv)
"""
import csv
import re
import sys

LINE = re.compile(r"paperclust-mpi: rank (\d+): stage (\w+): (\d+) collectives, (\d+) bytes "
                  r"sent, (\d+) bytes received, peak RSS (\d+) MiB"
                  r"(?:, \d+ input bytes parsed)?")


def load(run):
    stages, order = {}, []
    with open(run + ".trace", encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.fullmatch(line.strip())
            if m:
                rank, stage = int(m.group(1)), m.group(2)
                stages[(rank, stage)] = [int(g) for g in m.group(3, 4, 5, 6)]
                if stage not in order:
                    order.append(stage)
    with open(run + "/summary.csv", newline="", encoding="utf-8") as f:
        summary = {r[0]: r[1] for r in csv.reader(f) if len(r) == 2}
    return stages, order, summary


def mb(n):
    return f"{n / 1e6:.1f}"


def main():
    name, runs = sys.argv[1], sys.argv[2:]
    loaded = [load(r) for r in runs]
    order = []
    for _, o, _ in loaded:
        order += [s for s in o if s not in order]
    print(f"#### {name}: bytes per stage (MB = 10^6 bytes; per rank: the largest of the "
          f"ranks, sent / received)\n")
    print("| P | " + " | ".join(order) + " | total |")
    print("|---:|" + "---:|" * (len(order) + 1))
    for stages, _, summary in loaded:
        p = int(summary.get("processes", 1))
        cells = []
        for s in order + ["total"]:
            if s == "total":
                sent = max(sum(v[1] for (r, _), v in stages.items() if r == q) for q in range(p))
                got = max(sum(v[2] for (r, _), v in stages.items() if r == q) for q in range(p))
            else:
                sent = max((stages.get((q, s), [0, 0, 0, 0])[1] for q in range(p)), default=0)
                got = max((stages.get((q, s), [0, 0, 0, 0])[2] for q in range(p)), default=0)
            cells.append(f"{mb(sent)} / {mb(got)}")
        print(f"| {p} | " + " | ".join(cells) + " |")
    print(f"\n#### {name}: peak resident memory per rank when each stage ended (MiB; "
          f"rank 0 .. P-1)\n")
    print("| P | " + " | ".join(order) + " |")
    print("|---:|" + "---:|" * len(order))
    for stages, _, summary in loaded:
        p = int(summary.get("processes", 1))
        cells = [" ".join(str(stages.get((q, s), [0, 0, 0, 0])[3]) for q in range(p))
                 for s in order]
        print(f"| {p} | " + " | ".join(cells) + " |")
    keys = [k for k in loaded[0][2] if k.startswith("seconds_")]
    print(f"\n#### {name}: seconds per stage (rank 0's summary.csv)\n")
    print("| P | " + " | ".join(k[len("seconds_"):] for k in keys) + " |")
    print("|---:|" + "---:|" * len(keys))
    for _, _, summary in loaded:
        print(f"| {summary.get('processes', 1)} | " +
              " | ".join(summary.get(k, "") for k in keys) + " |")
    print()


if __name__ == "__main__":
    main()
