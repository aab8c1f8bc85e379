#!/usr/bin/python3
"""Related papers by every --similarity mode, measured (issue 14, part 3).

usage: bench/related_modes.py PAPERCLUST [--corpora DIR] [--runs N] [--threads T]
                              [--only tune|normalise|modes|cluster|gemm|kernel]
                              [--baseline PAPERCLUST] [--json OUT]

tune       the hybrid weight α, chosen on classic4's labels only (label
           precision@10 of `run classic4.csv --similarity hybrid --hybrid-weight
           α`, α = 0.1 ... 0.9, LSA 100 and 200 dimensions), so that the figures
           the default is judged on (arxiv labels, CISI links) are held out.
normalise  LSA cosine against the plain inner product of the LSA coordinates (the
           issue's probe: TruncatedSVD output, not normalised): the top 10 of
           both computed with numpy from `vectorize --lsa D`'s lsa.csv, label
           precision@10 on arxiv and classic4, CISI link precision@10.
modes      the table: each mode (tfidf; lsa 100 and 200; hybrid 100 and 200;
           tfidf and hybrid with --feedback 3) run on arxiv.csv and
           classic4.csv (with --links cisi_links.csv): label precision@10
           (summary.csv's label_precision_at_top), CISI link precision@10 and
           recall@10, and the wall time of the whole process, median of N runs
           (--runs, default 3; the modes alternate run by run). Options as
           bench/run_bench.py: -k 20 (arxiv) / 4 (classic4), --top 10,
           --n-init 1, --threads 2, --no-html.
cluster    --cluster-on lsa (LSA 100) against the default --cluster-on tfidf: NMI
           against the labels of arxiv (-k 20) and classic4 (-k 4), seeds 1..5
           (--n-init 1 --top 0), medians.
gemm       the dense related-paper kernel's rate: `--similarity lsa` on arxiv
           (LSA 100 and 200), 2·related_dense_multiply_adds / seconds_related,
           against bench/sgemm_peak (one core) × threads.
kernel     the dense tiles across thread counts: `--similarity lsa` and `hybrid`
           (D = 100) on arxiv with --threads 1 and 2: the related stage's
           seconds (summary.csv's seconds_related) and the dense part's GFLOP/s
           (2·related_dense_multiply_adds / seconds_related; for hybrid the
           stage's sparse work is in the seconds too), median of N runs; with
           --baseline (another build, e.g. main's), each run alternates with
           the baseline's.  bench/sgemm_peak (one core) runs before each round.
Quality figures do not depend on the run (same seed, same lists); times do, on
this shared machine: medians.
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

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def summary(out):
    return {r[0]: r[1] for r in read_rows(os.path.join(out, "summary.csv"))[1:]}


def paperclust(binary, args):
    started = time.monotonic()
    done = subprocess.run([binary] + args, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"related_modes: {' '.join([binary] + args)} failed: {done.stderr.strip()}")
    return wall


CORPORA = {  # name: (file, k, links)
    "arxiv": ("arxiv.csv", 20, None),
    "classic4": ("classic4.csv", 4, "cisi_links.csv"),
}

MODES = [  # label, options
    ("tfidf (today)", ["--similarity", "tfidf"]),
    ("lsa, D = 100", ["--similarity", "lsa", "--lsa", "100"]),
    ("lsa, D = 200", ["--similarity", "lsa", "--lsa", "200"]),
    ("hybrid, D = 100", ["--similarity", "hybrid", "--lsa", "100"]),
    ("hybrid, D = 200", ["--similarity", "hybrid", "--lsa", "200"]),
    ("tfidf + feedback 3", ["--similarity", "tfidf", "--feedback", "3"]),
    ("hybrid D = 100 + feedback 3", ["--similarity", "hybrid", "--lsa", "100", "--feedback", "3"]),
]


def run_args(args, name, out, extra):
    file, k, links = CORPORA[name]
    a = ["run", os.path.join(args.corpora, file), "-k", str(k), "--top", "10", "--n-init", "1",
         "--threads", str(args.threads), "--no-html", "--quiet", "-o", out] + extra
    if links:
        a += ["--links", os.path.join(args.corpora, links)]
    return a


def tune(args, tmp):
    rows = []
    for dims in (100, 200):
        for alpha in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            out = os.path.join(tmp, "tune")
            paperclust(args.paperclust, run_args(args, "classic4", out, [
                "--similarity", "hybrid", "--lsa", str(dims), "--hybrid-weight", str(alpha)]))
            m = summary(out)
            rows.append({"dims": dims, "alpha": alpha,
                         "label_p10": float(m["label_precision_at_top"])})
            print(f"tune: D={dims} alpha={alpha}: classic4 label P@10 "
                  f"{rows[-1]['label_p10']:.4f}", flush=True)
    print("\n| α (TF-IDF's share) | " + " | ".join(f"{a}" for a in sorted({r['alpha'] for r in rows}))
          + " |")
    print("|---|" + "---:|" * len({r['alpha'] for r in rows}))
    for dims in (100, 200):
        print(f"| classic4 label P@10, D = {dims} | " + " | ".join(
            f"{r['label_p10']:.4f}" for r in rows if r["dims"] == dims) + " |")
    return rows


def top10(Z, normalise, block=256):
    """Each row's 10 best other rows by cosine or inner product (numpy, by blocks)."""
    import numpy as np
    Z = Z.astype(np.float32)
    if normalise:
        Z = Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-30)
    best = np.empty((len(Z), 10), dtype=np.int64)
    for a in range(0, len(Z), block):
        S = Z[a:a + block] @ Z.T
        S[np.arange(len(S)), np.arange(a, a + len(S))] = -np.inf
        best[a:a + block] = np.argpartition(S, -10, axis=1)[:, -10:]
    return best


def normalise(args, tmp):
    import numpy as np
    result = {}
    links_path = os.path.join(args.corpora, "cisi_links.csv")
    for name, dims in (("arxiv", 100), ("classic4", 100), ("classic4", 200)):
        file = os.path.join(args.corpora, CORPORA[name][0])
        out = os.path.join(tmp, "vec")
        paperclust(args.paperclust, ["vectorize", file, "--lsa", str(dims), "--threads",
                                     str(args.threads), "--quiet", "-o", out])
        table = read_rows(os.path.join(out, "lsa.csv"))[1:]
        ids = [r[0] for r in table]
        Z = np.array([[float(v) for v in r[1:]] for r in table])
        label = {r[0]: r[-1] for r in read_rows(file)[1:]}
        links = {}
        if name == "classic4":
            for s, t in read_rows(links_path)[1:]:
                links.setdefault(s, set()).add(t)
                links.setdefault(t, set()).add(s)
        for norm in (True, False):
            best = top10(Z, norm)
            lp = np.mean([[label[ids[j]] == label[ids[i]] for j in best[i]]
                          for i in range(len(ids))])
            key = f"{name} D={dims} {'cosine' if norm else 'inner product'}"
            result[key] = {"label_p10": float(lp)}
            if links:
                have = [i for i in range(len(ids)) if ids[i] in links]
                result[key]["link_p10"] = float(np.mean(
                    [sum(ids[j] in links[ids[i]] for j in best[i]) / 10 for i in have]))
            print(f"normalise: {key}: {result[key]}", flush=True)
    return result


def modes(args, tmp):
    results = {}
    for r in range(args.runs):
        for name in CORPORA:
            for label, extra in MODES:
                out = os.path.join(tmp, "modes")
                wall = paperclust(args.paperclust, run_args(args, name, out, extra))
                m = summary(out)
                entry = results.setdefault(f"{name}|{label}", {"wall": [], "related": [],
                                                                "lsa": []})
                entry["wall"].append(wall)
                entry["related"].append(float(m["seconds_related"]))
                entry["lsa"].append(float(m.get("seconds_lsa", "0")))
                entry["label_p10"] = float(m["label_precision_at_top"])
                if "link_precision_at_top" in m:
                    entry["link_p10"] = float(m["link_precision_at_top"])
                    entry["link_r10"] = float(m["link_recall_at_top"])
                print(f"modes: run {r + 1} {name} {label}: wall {wall:.2f} s, related "
                      f"{entry['related'][-1]:.2f} s, lsa {entry['lsa'][-1]:.2f} s, label P@10 "
                      f"{entry['label_p10']:.4f}"
                      + (f", links P@10 {entry['link_p10']:.4f} R@10 {entry['link_r10']:.4f}"
                         if "link_p10" in entry else ""), flush=True)
    med = statistics.median
    print("\n| mode | arxiv label P@10 | classic4 label P@10 | CISI links P@10 | CISI links "
          "R@10 | arxiv wall (s) | arxiv LSA + related (s) | classic4 wall (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, _ in MODES:
        a, c = results[f"arxiv|{label}"], results[f"classic4|{label}"]
        print(f"| {label} | {a['label_p10']:.4f} | {c['label_p10']:.4f} | {c['link_p10']:.4f} | "
              f"{c['link_r10']:.4f} | {med(a['wall']):.1f} | {med(a['lsa']):.1f} + "
              f"{med(a['related']):.1f} | {med(c['wall']):.1f} |")
    return results


def cluster(args, tmp):
    rows = {}
    for name in ("classic4", "arxiv"):
        for space in ("tfidf", "lsa"):
            nmis = []
            for seed in range(1, 6):
                out = os.path.join(tmp, "cluster")
                a = run_args(args, name, out, ["--cluster-on", space, "--seed", str(seed)])
                a[a.index("--top") + 1] = "0"
                paperclust(args.paperclust, a)
                nmis.append(float(summary(out)["nmi"]))
                print(f"cluster: {name} --cluster-on {space} seed {seed}: NMI {nmis[-1]:.4f}",
                      flush=True)
            rows[f"{name}|{space}"] = nmis
    print("\n| corpus | --cluster-on tfidf: NMI, seeds 1-5 (median) | --cluster-on lsa (D = 100) |")
    print("|---|---|---|")
    for name in ("classic4", "arxiv"):
        cells = [", ".join(f"{v:.4f}" for v in rows[f"{name}|{sp}"]) +
                 f" (**{statistics.median(rows[f'{name}|{sp}']):.4f}**)" for sp in ("tfidf", "lsa")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def gemm(args, tmp):
    peak = subprocess.run([os.path.join(os.path.dirname(args.paperclust), "bench",
                                        "sgemm_peak")], capture_output=True, text=True)
    fields = dict(f.split("=") for f in peak.stdout.split())
    ceiling = float(fields["gflops"]) * args.threads
    rows = {}
    for dims in (100, 200):
        rates = []
        for _ in range(args.runs):
            out = os.path.join(tmp, "gemm")
            paperclust(args.paperclust, run_args(args, "arxiv", out, [
                "--similarity", "lsa", "--lsa", str(dims)]))
            m = summary(out)
            rates.append(2 * int(m["related_dense_multiply_adds"]) / float(m["seconds_related"])
                         / 1e9)
            print(f"gemm: D={dims}: {rates[-1]:.1f} GFLOP/s ({rates[-1] / ceiling:.0%} of "
                  f"{ceiling:.0f})", flush=True)
        rows[dims] = {"gflops": rates, "ceiling": ceiling}
    print(f"\n| LSA dims | dense related GFLOP/s (median) | % of {args.threads} × sgemm peak |")
    print("|---:|---:|---:|")
    for dims, r in rows.items():
        g = statistics.median(r["gflops"])
        print(f"| {dims} | {g:.1f} | {g / ceiling:.0%} |")
    return rows


def kernel(args, tmp):
    builds = [("this", args.paperclust)] + ([("baseline", args.baseline)] if args.baseline else [])
    peak = os.path.join(os.path.dirname(args.paperclust), "bench", "sgemm_peak")
    cases = [(mode, threads) for mode in ("lsa", "hybrid") for threads in (1, 2)]
    rows = {f"{b}|{m}|{t}": [] for b, _ in builds for m, t in cases}
    peaks = []
    for run in range(args.runs):
        done = subprocess.run([peak, "-r", "3"], capture_output=True, text=True)
        peaks.append(float(dict(f.split("=") for f in done.stdout.split())["gflops"]))
        print(f"kernel: round {run + 1}: sgemm peak {peaks[-1]:.1f} GFLOP/s, "
              f"{os.getloadavg()[0]:.2f} load", flush=True)
        for mode, threads in cases:
            for name, binary in builds:
                out = os.path.join(tmp, "kernel")
                one = argparse.Namespace(**{**vars(args), "threads": threads})
                paperclust(binary, run_args(one, "arxiv", out, [
                    "--similarity", mode, "--lsa", "100"]))
                m = summary(out)
                seconds = float(m["seconds_related"])
                gflops = 2 * int(m["related_dense_multiply_adds"]) / seconds / 1e9
                rows[f"{name}|{mode}|{threads}"].append({"seconds": seconds, "gflops": gflops})
                print(f"kernel: {name} {mode} --threads {threads}: related {seconds:.2f} s, "
                      f"dense {gflops:.1f} GFLOP/s", flush=True)
    print(f"\nsgemm peak, one core (runs): {', '.join(f'{p:.1f}' for p in peaks)}")
    print("\n| mode (D = 100) | threads | " +
          " | ".join(f"{b}: related s (runs) | {b}: median s, GFLOP/s" for b, _ in builds) + " |")
    print("|---|---:|" + "---|---:|" * len(builds))
    for mode, threads in cases:
        cells = []
        for b, _ in builds:
            r = rows[f"{b}|{mode}|{threads}"]
            s = [x["seconds"] for x in r]
            cells += [", ".join(f"{x:.2f}" for x in s),
                      f"**{statistics.median(s):.2f}**, "
                      f"{statistics.median(x['gflops'] for x in r):.1f}"]
        print(f"| {mode} | {threads} | " + " | ".join(cells) + " |")
    return {"rows": rows, "sgemm_peak": peaks}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("paperclust")
    p.add_argument("--corpora", default=os.path.join(REPO, "..", "shared", "corpora"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", choices=["tune", "normalise", "modes", "cluster", "gemm", "kernel"])
    p.add_argument("--baseline", help="kernel: another paperclust build to alternate with")
    p.add_argument("--json")
    args = p.parse_args()
    args.paperclust = os.path.abspath(args.paperclust)
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for part in ("tune", "normalise", "modes", "cluster", "gemm", "kernel"):
            if args.only in (None, part):
                results[part] = globals()[part](args, tmp)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
