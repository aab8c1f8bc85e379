#!/usr/bin/python3
"""Choosing k and repeated bisection, measured (issue 11, sections 1 and 2).

usage: bench/ksweep_bench.py PAPERCLUST [--corpora DIR] [--runs N] [--seeds N]
                             [--only sweep|choice|bisect] [--json OUT]

Three measurements, each printed as a Markdown table (the figures behind
bench/RESULTS.md's section "Choosing k and repeated bisection"):

sweep   arxiv.csv: `paperclust run arxiv.csv -k 5:60:5` against the twelve runs
        `paperclust run arxiv.csv -k K` for K = 5, 10, ..., 60 (the sweep's
        ks, one process each), default options otherwise (--top 10,
        report.html, 3 restarts) and --threads 2; the two alternate, N times
        each (--runs, default 3); wall time of the whole process(es), medians.
        The sweep's k_sweep.csv and chosen k are printed too, and the sum of
        the first ten separate runs (K = 5..50) beside the twelve.
choice  the k that -k auto and -k 2:12 choose on classic4.csv, and -k auto on
        arxiv.csv (--top 0 --no-html), with k_sweep.csv.
bisect  --method bisect against the default k-means (-k 4 on classic4, -k 20
        on arxiv, --top 0 --no-html, --threads 2), seeds 1..N (--seeds,
        default 5): NMI against the labels, NMI between the two methods'
        clusters (the same seed), and seconds_kmeans (the clustering stage);
        medians.
The machine is shared: runs alternate, and medians are quoted.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def summary(out):
    return {r["key"]: r["value"] for r in read(os.path.join(out, "summary.csv"))}


def run(binary, args):
    started = time.monotonic()
    p = subprocess.run([binary, "run"] + args + ["--quiet"], capture_output=True, text=True)
    wall = time.monotonic() - started
    if p.returncode != 0:
        raise SystemExit(f"paperclust {' '.join(args)} failed: {p.stderr}")
    return wall


def nmi(a, b):
    from sklearn.metrics import normalized_mutual_info_score
    return normalized_mutual_info_score(a, b)


def assignments(out):
    return [int(r["cluster"]) for r in read(os.path.join(out, "assignments.csv"))]


def sweep(binary, corpora, runs, tmp, results):
    corpus = os.path.join(corpora, "arxiv.csv")
    ks = list(range(5, 61, 5))
    common = ["--threads", "2"]
    sweep_walls, separate_walls, first_ten = [], [], []
    for r in range(runs):
        out = os.path.join(tmp, "sweep")
        sweep_walls.append(run(binary, [corpus, "-k", "5:60:5", "-o", out] + common))
        print(f"run {r + 1}: sweep {sweep_walls[-1]:.1f} s", flush=True)
        walls = []
        for k in ks:
            walls.append(run(binary, [corpus, "-k", str(k), "-o", os.path.join(tmp, f"k{k}")] + common))
        separate_walls.append(sum(walls))
        first_ten.append(sum(walls[:10]))
        print(f"run {r + 1}: separate {separate_walls[-1]:.1f} s ({' '.join(f'{w:.1f}' for w in walls)})",
              flush=True)
    rows = read(os.path.join(tmp, "sweep", "k_sweep.csv"))
    s = summary(os.path.join(tmp, "sweep"))
    results["sweep"] = {"sweep": sweep_walls, "separate": separate_walls, "separate_first_ten": first_ten,
                        "k_sweep": rows, "k_chosen": s.get("k_chosen"), "nmi": s.get("nmi"),
                        "seconds": {k: v for k, v in s.items() if k.startswith("seconds_")}}
    print("\n| | wall (s), median of %d | runs |" % runs)
    print("|---|---:|---|")
    print(f"| `-k 5:60:5` (one process) | {statistics.median(sweep_walls):.1f} | "
          f"{', '.join(f'{w:.1f}' for w in sweep_walls)} |")
    print(f"| `-k 5`, `-k 10`, ... `-k 60` (12 processes) | {statistics.median(separate_walls):.1f} | "
          f"{', '.join(f'{w:.1f}' for w in separate_walls)} |")
    print(f"| of which `-k 5` ... `-k 50` (10 processes) | {statistics.median(first_ten):.1f} | "
          f"{', '.join(f'{w:.1f}' for w in first_ten)} |")
    print(f"\nk_chosen {s.get('k_chosen')}, NMI {s.get('nmi')}; k_sweep.csv:")
    print_sweep(rows)


def print_sweep(rows):
    print("\n| k | objective | silhouette | ± se | Calinski-Harabasz | iterations | seconds |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['k']} | {float(r['objective']):.1f} | {float(r['silhouette']):.5f} | "
              f"{float(r['silhouette_se']):.5f} | {float(r['calinski_harabasz']):.2f} | "
              f"{r['iterations']} | {float(r['seconds']):.2f} |")


def choice(binary, corpora, tmp, results):
    results["choice"] = {}
    for name, spec in [("classic4.csv", "auto"), ("classic4.csv", "2:12"), ("arxiv.csv", "auto")]:
        out = os.path.join(tmp, "choice")
        wall = run(binary, [os.path.join(corpora, name), "-k", spec, "-o", out, "--top", "0", "--no-html",
                            "--threads", "2"])
        s = summary(out)
        rows = read(os.path.join(out, "k_sweep.csv"))
        results["choice"][f"{name} -k {spec}"] = {"k_chosen": s["k_chosen"], "nmi": s.get("nmi"),
                                                  "wall": wall, "k_sweep": rows}
        print(f"\n{name} -k {spec}: k_chosen {s['k_chosen']}, NMI {s.get('nmi')}, {wall:.1f} s")
        print_sweep(rows)


def bisect(binary, corpora, seeds, tmp, results):
    results["bisect"] = {}
    for name, k in [("classic4.csv", 4), ("arxiv.csv", 20)]:
        corpus = os.path.join(corpora, name)
        got = {"kmeans": {"nmi": [], "seconds": []}, "bisect": {"nmi": [], "seconds": []}, "between": []}
        for seed in range(1, seeds + 1):
            parts = {}
            for method in ["kmeans", "bisect"]:
                out = os.path.join(tmp, method)
                run(binary, [corpus, "-k", str(k), "--method", method, "--seed", str(seed), "-o", out,
                             "--top", "0", "--no-html", "--threads", "2"])
                s = summary(out)
                got[method]["nmi"].append(float(s["nmi"]))
                got[method]["seconds"].append(float(s["seconds_kmeans"]))
                parts[method] = assignments(out)
            got["between"].append(nmi(parts["kmeans"], parts["bisect"]))
            print(f"{name} seed {seed}: k-means NMI {got['kmeans']['nmi'][-1]:.4f} "
                  f"({got['kmeans']['seconds'][-1]:.2f} s), bisect {got['bisect']['nmi'][-1]:.4f} "
                  f"({got['bisect']['seconds'][-1]:.2f} s), between {got['between'][-1]:.4f}", flush=True)
        results["bisect"][name] = got
    print(f"\n| corpus, k | method | NMI vs labels, seeds 1-{seeds} | median | clustering (s), median | "
          f"NMI between the methods, median |")
    print("|---|---|---|---:|---:|---:|")
    for name, got in results["bisect"].items():
        k = 4 if name.startswith("classic4") else 20
        for method in ["kmeans", "bisect"]:
            print(f"| {name}, {k} | {method} | {', '.join(f'{v:.4f}' for v in got[method]['nmi'])} | "
                  f"{statistics.median(got[method]['nmi']):.4f} | "
                  f"{statistics.median(got[method]['seconds']):.2f} | "
                  f"{statistics.median(got['between']):.4f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--corpora", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                      "shared", "corpora"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", choices=["sweep", "choice", "bisect"])
    ap.add_argument("--json")
    args = ap.parse_args()
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "binary": args.binary}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "choice"):
            choice(args.binary, args.corpora, tmp, results)
        if args.only in (None, "bisect"):
            bisect(args.binary, args.corpora, args.seeds, tmp, results)
        if args.only in (None, "sweep"):
            sweep(args.binary, args.corpora, args.runs, tmp, results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
