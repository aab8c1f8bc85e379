#!/usr/bin/python3
"""Approximate related papers (--related approx) against exact (issue 12, part 2).

usage: bench/approx_bench.py PAPERCLUST INPUT [--probes 8,16,32] [--partitions P]
                             [--runs N] [--threads T] [--top N] [--no-exact]
                             [--exact-dir DIR] [--json OUT]

For INPUT (e.g. ../shared/corpora/arxiv.csv) runs `paperclust run INPUT --top N
-k 20 --n-init 1 --no-html --threads T` once exactly and once per probe setting
with `--related approx --probe P` (runs alternate, N rounds, medians), and
reports per setting: seconds_related (the whole related stage: the index, the
probing and the recall sample), its parts (seconds_related_partitions,
seconds_related_recall), related_multiply_adds, the recall estimate the run
wrote (related_recall_estimate, on its 1000-paper sample) and the recall over
every paper computed here from the two related.csv files, independently of
paperclust's own estimate: recall_i = |{j in approx_i : sim(i, j) >= the
lowest similarity of exact_i}| / |exact_i| (1 when exact_i is empty), the
definition summary.csv documents; similarities are compared as printed.
--no-exact skips the exact runs (a corpus too large for them): the recall is
then the run's own estimate only.  --exact-dir reuses the related.csv of an
exact run already made.  The load average is recorded with every run.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def summary(out):
    with open(os.path.join(out, "summary.csv"), newline="", encoding="utf-8") as f:
        return {r[0]: r[1] for r in list(csv.reader(f))[1:]}


def lists(out):
    found = {}
    with open(os.path.join(out, "related.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["doc_id"], []).append((row["related_id"], float(row["similarity"])))
    return found


def recall_all(exact, approx):
    """Mean recall@N over every paper of the exact lists (papers without any are 1)."""
    total = 0.0
    for doc, best in exact.items():
        least = best[-1][1]
        hits = sum(1 for _, s in approx.get(doc, []) if s >= least)
        total += hits / len(best)
    return total / len(exact) if exact else float("nan")


def run(binary, args, out):
    load = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run(["nice", "-n", "5", binary, "run"] + args + ["-o", out, "--quiet"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"approx_bench: {' '.join(args)} failed: {done.stderr.strip()}")
    s = summary(out)
    s["wall"] = time.monotonic() - started
    s["load_before"] = load
    s["load_after"] = os.getloadavg()[0]
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paperclust")
    ap.add_argument("input")
    ap.add_argument("--probes", default="8,16,32")
    ap.add_argument("--partitions", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--no-exact", action="store_true")
    ap.add_argument("--exact-dir")
    ap.add_argument("--json")
    a = ap.parse_args()
    common = [a.input, "--top", str(a.top), "-k", "20", "--n-init", "1", "--no-html",
              "--threads", str(a.threads)]
    probes = [int(p) for p in a.probes.split(",") if p]
    settings = ([] if a.no_exact or a.exact_dir else [("exact", [])]) + [
        (f"probe {p}", ["--related", "approx", "--probe", str(p)] +
         (["--partitions", str(a.partitions)] if a.partitions else [])) for p in probes]
    results = {name: [] for name, _ in settings}
    work = tempfile.mkdtemp(prefix="approx_bench.")
    exact_dir = a.exact_dir
    for r in range(a.runs):
        for name, extra in settings:
            out = os.path.join(work, name.replace(" ", "_") + f".{r}")
            s = run(a.paperclust, common + extra, out)
            if name == "exact":
                exact_dir = exact_dir or out
            s["dir"] = out
            results[name].append(s)
            print(f"{name}: seconds_related {s['seconds_related']}  recall estimate "
                  f"{s.get('related_recall_estimate', '-')}  load {s['load_before']:.1f}",
                  file=sys.stderr)
    exact = lists(exact_dir) if exact_dir else None
    table = []
    for name, _ in settings:
        runs = results[name]
        med = lambda key: statistics.median(float(s[key]) for s in runs) if key in runs[0] else None
        row = {"setting": name, "runs": len(runs),
               "seconds_related": med("seconds_related"),
               "seconds_related_partitions": med("seconds_related_partitions"),
               "seconds_related_recall": med("seconds_related_recall"),
               "related_multiply_adds": int(runs[0]["related_multiply_adds"]),
               "partitions": runs[0].get("partitions"), "probe": runs[0].get("probe"),
               "recall_estimate": runs[0].get("related_recall_estimate"),
               "recall_sample": runs[0].get("related_recall_sample"),
               "load": [round(s["load_before"], 1) for s in runs]}
        if exact is not None and name != "exact":
            row["recall_all"] = round(recall_all(exact, lists(runs[0]["dir"])), 4)
        table.append(row)
    print("| setting | partitions | seconds_related (median) | of it: partitions, recall | "
          "multiply-adds | recall estimate (sample) | recall, all papers | load |")
    print("|---|---|---|---|---|---|---|---|")
    for t in table:
        parts = ("" if t["seconds_related_partitions"] is None else
                 f"{t['seconds_related_partitions']:.1f}, {t['seconds_related_recall']:.1f}")
        print(f"| {t['setting']} | {t['partitions'] or '-'} | {t['seconds_related']:.1f} | "
              f"{parts} | {t['related_multiply_adds']:.3g} | "
              f"{t['recall_estimate'] or '-'} ({t['recall_sample'] or '-'}) | "
              f"{t.get('recall_all', '-')} | {t['load']} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"input": a.input, "args": common, "rows": table}, f, indent=1)


if __name__ == "__main__":
    main()
