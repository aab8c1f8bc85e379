"""The scale curve of `paperclust run` on the realistic corpus (issue 12, section 1).

usage: /usr/bin/python3 bench/scale_bench.py [--sizes arxiv,74722,300k,1m] [--related exact]
                                             [--probe N] [--runs 1] [--report-only]

For each size, smallest first: "arxiv" (or "75k") is ../shared/corpora/arxiv.csv
itself (74,722 papers); any other size N (74722, 300k, 1m, 10m, or a plain number) is
bench/realcorpus's corpus of N papers, seed 1, made once into --data (default /work/data) as
realcorpus-N-s1.csv (or .csv.gz with --gzip) and reused afterwards. Each corpus is run as

    nice -n 5 paperclust run CORPUS --top 10 --threads 2 --seed 1 --no-html --quiet -o OUT

(default k: round(sqrt(n/2)) capped at 50, so 50 for every size here), plus
`--related approx [--probe N]` when asked (the option does not exist yet; exact is the
default and passes nothing). The harness measures the whole run's wall time and peak
RSS (os.wait4's ru_maxrss: since paperclust restarts the kernel's peak at each stage,
only the peak after the last restart) and the load average before and after; it reads
each stage's seconds_<stage> and, where summary.csv has them, peak_rss_mib_<stage> and
peak_rss_mib_total, the run's peak. Over the sizes it
fits, per stage, the growth exponent b of time ≈ a·n^b (least squares on log time
against log documents) over the generated corpora (arxiv.csv itself is shown beside
them, not fitted), and the same for the whole run and for peak RSS.

Raw figures go to --json (default DATA/scale_bench.json, merged with earlier runs: a
size already measured with the same options is kept unless --again); the section
"Scale curve on the realistic corpus (issue 12)" of bench/RESULTS.md is rewritten from
every size in the JSON. --report-only rewrites it without running anything.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from argtypes import non_negative_int, positive_int  # noqa: E402
from results_md import git_commit, machine, write_section  # noqa: E402

TITLE = "## Scale curve on the realistic corpus (issue 12)"
STAGES = ["read", "vocabulary", "tfidf", "kmeans", "describe", "related", "total"]


def size_value(text):
    t = text.strip().lower()
    if t == "75k" or t == "arxiv":
        return "arxiv"
    mult = {"k": 1000, "m": 1000000}.get(t[-1:], 1)
    try:
        n = int(float(t[:-1] if t[-1:] in "km" else t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size (75k, 300k, 1m, 10m, 250000)")
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size >= 1")
    return n


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scale_bench.py", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="arxiv,74722,300k,1m",
                   help="comma-separated: arxiv or 75k (arxiv.csv itself), 74722, 300k, 1m, "
                        "10m, 250000")
    p.add_argument("--related", choices=["exact", "approx"], default="exact")
    p.add_argument("--probe", type=positive_int, help="with --related approx")
    p.add_argument("--top", type=non_negative_int, default=10,
                   help="0 skips the related stage: such a run's related, total and "
                        "whole-run figures are left out of its table (shown as —)")
    p.add_argument("--threads", type=positive_int, default=2)
    p.add_argument("--runs", type=positive_int, default=1, help="runs per size (median kept)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (the run's is 1)")
    p.add_argument("--gzip", action="store_true", help="generate .csv.gz corpora")
    p.add_argument("--nice", type=int, default=5)
    p.add_argument("--again", action="store_true", help="measure sizes already in the JSON")
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--arxiv", default=os.path.join(HERE, "..", "..", "shared", "corpora",
                                                   "arxiv.csv"))
    p.add_argument("--data", default="/work/data")
    p.add_argument("--json")
    p.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)
    args.sizes = [size_value(s) for s in args.sizes.split(",") if s.strip()]
    args.json = args.json or os.path.join(args.data, "scale_bench.json")
    if args.probe and args.related != "approx":
        p.error("--probe needs --related approx")
    return args


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)


def corpus_path(args, size):
    """The input of `size`, generated when absent (written aside, then renamed)."""
    if size == "arxiv":
        return args.arxiv
    ext = ".csv.gz" if args.gzip else ".csv"
    path = os.path.join(args.data, f"realcorpus-{size}-s{args.seed}{ext}")
    if not os.path.exists(path):
        tool = os.path.join(args.build, "bench", "realcorpus")
        tmp = path.replace(ext, ".part" + ext)
        log(f"generating {path}")
        started = time.time()
        subprocess.run([tool, "-i", args.arxiv, "-n", str(size), "-s", str(args.seed), "-q",
                        "-o", tmp], check=True)
        os.replace(tmp, path)
        log(f"  {os.path.getsize(path) / 1e9:.2f} GB in {time.time() - started:.1f} s")
    return path


def run_command(args, corpus, out):
    cmd = [os.path.join(args.build, "paperclust"), "run", corpus, "--top", str(args.top),
           "--threads", str(args.threads), "--seed", "1", "--no-html", "--quiet", "-o", out]
    if args.related == "approx":
        cmd += ["--related", "approx"] + (["--probe", str(args.probe)] if args.probe else [])
    return (["nice", "-n", str(args.nice)] if args.nice else []) + cmd


def read_summary(out):
    with open(os.path.join(out, "summary.csv"), newline="", encoding="utf-8") as f:
        return {r["key"]: r["value"] for r in csv.DictReader(f)}


def measure(args, size):
    corpus = corpus_path(args, size)
    out = os.path.join(args.data, "scale_bench_out", f"{size}-{args.related}")
    cmd = run_command(args, corpus, out)
    log("running " + " ".join(cmd))
    load_before = os.getloadavg()
    started = time.time()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.time() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"scale_bench: {' '.join(cmd)} failed ({status})")
    s = read_summary(out)
    run = {"wall": wall, "max_rss_mib": usage.ru_maxrss / 1024.0,
           "load_before": load_before, "load_after": os.getloadavg(),
           "user": usage.ru_utime, "system": usage.ru_stime, "command": " ".join(cmd),
           "summary": s, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    log(f"  {s.get('documents')} papers: {wall:.1f} s, {run['max_rss_mib']:.0f} MiB, "
        f"related {s.get('seconds_related')} s, load {load_before[0]:.1f}")
    return run


def key(args, size):
    probe = f"-probe{args.probe}" if args.probe else ""
    return f"{size}|{args.related}{probe}|top{args.top}|t{args.threads}"


def mode_name(args):
    """The table a run belongs to: --top 0 runs join their mode's --top 10 table."""
    top = args.top if args.top else 10
    return (f"{args.related}" + (f", --probe {args.probe}" if args.probe else "")
            + f", --top {top}, --threads {args.threads}")


def fit_exponent(points):
    """b of y ≈ a·x^b by least squares on the logs; None with fewer than 2 points."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx > 0 else None


def median_run(runs):
    ordered = sorted(runs, key=lambda r: r["wall"])
    return ordered[len(ordered) // 2]


def num(s, k):
    try:
        return float(s[k])
    except (KeyError, ValueError):
        return None


def fmt(v, digits=1):
    return "—" if v is None else f"{v:,.{digits}f}"


def section(results):
    """The RESULTS.md section: one table per mode, sizes ascending."""
    modes = sorted({v["mode"] for v in results.values()})
    lines = [TITLE, ""]
    for mode in modes:
        entries = sorted((v for v in results.values() if v["mode"] == mode),
                         key=lambda v: (v["documents"], v["size"] != "arxiv"))
        runs = [median_run(e["runs"]) for e in entries]
        docs = [e["documents"] for e in entries]
        names = [(f"arxiv.csv, {d:,} papers" if e["size"] == "arxiv" else f"{d:,} papers")
                 + (" (`--top 0`)" if e.get("top") == 0 else "") for e, d in zip(entries, docs)]
        partial = [e.get("top") == 0 for e in entries]   # no related stage
        fitted = [e["size"] != "arxiv" for e in entries]   # generated corpora only
        rss_rows = sorted({k[len("peak_rss_mib_"):] for r in runs for k in r["summary"]
                           if k.startswith("peak_rss_mib_")},
                          key=lambda st: STAGES.index(st) if st in STAGES else 99)
        lines += [f"### {mode}", "",
                  f"Measured on {entries[0].get('machine', '?')}; commit "
                  f"{entries[0].get('commit', '?')}. Corpora: `../shared/corpora/arxiv.csv` "
                  "itself, and `bench/realcorpus -i arxiv.csv -n N -s 1` (see bench/README.md) "
                  "at each size N, the first of the same size as arxiv.csv; the exponents are "
                  "fitted over the generated corpora only (arxiv.csv has fewer non-zeros "
                  "per paper than its resampled copies: see the term statistics). "
                  "One run per size unless stated; the machine is a shared 2-core VM, so the "
                  "load average (1-minute, before → after each run) is given with every column.",
                  ""]
        head = "| | " + " | ".join(names) + " | growth exponent b |"
        lines += [head, "|---" * (len(docs) + 2) + "|"]

        def row(name, values, digits=1, whole=False):
            if whole:   # a figure that includes the related stage
                values = [None if p else v for v, p in zip(values, partial)]
            b = fit_exponent([(d, v) for d, v, f in zip(docs, values, fitted) if f])
            lines.append(f"| {name} | " + " | ".join(fmt(v, digits) for v in values)
                         + f" | {fmt(b, 2)} |")

        late = ("related", "total")
        for st in STAGES:
            row(f"seconds_{st}", [num(r["summary"], f"seconds_{st}") for r in runs],
                whole=st in late)
        row("whole run wall (s)", [r["wall"] for r in runs], whole=True)
        row("whole run CPU, user + system (s)", [r["user"] + r["system"] for r in runs],
            whole=True)
        for st in rss_rows:
            row(f"peak_rss_mib_{st}", [num(r["summary"], f"peak_rss_mib_{st}") for r in runs], 0,
                whole=st in late)
        if "total" in rss_rows:   # the stages restart VmHWM, so ru_maxrss is no longer the run's
            row("ru_maxrss (MiB): the peak since the last restart", [r["max_rss_mib"] for r in runs],
                0, whole=True)
        else:
            row("whole run peak RSS (MiB)", [r["max_rss_mib"] for r in runs], 0, whole=True)
        row("terms", [num(r["summary"], "terms") for r in runs], 0)
        row("nonzeros", [num(r["summary"], "nonzeros") for r in runs], 0)
        row("related_sum_df2", [num(r["summary"], "related_sum_df2") for r in runs], 0,
            whole=True)
        row("k-means iterations", [num(r["summary"], "iterations") for r in runs], 0)
        lines.append("| load average before → after | " + " | ".join(
            f"{r['load_before'][0]:.1f} → {r['load_after'][0]:.1f}" for r in runs) + " | |")
        lines.append("| measured | " + " | ".join(r["when"] for r in runs) + " | |")
        lines += ["", "Commands (each under `nice -n 5`):", "", "```"]
        lines += [" ".join(os.path.normpath(t) if "/" in t else t for t in r["command"].split())
                  for r in runs] + ["```", ""]
        if "total" in rss_rows:
            lines += ["The run's peak memory is `peak_rss_mib_total`. paperclust restarts the "
                      "kernel's peak (VmHWM, through /proc/self/clear_refs) at each stage, which "
                      "also lowers the ru_maxrss a parent reads with wait4: that row is the peak "
                      "since the last restart (writing the reports), not the run's.", ""]
        if not rss_rows:
            lines += ["summary.csv had no `peak_rss_mib_<stage>` rows for these runs: peak "
                      "memory is the whole run's only.", ""]
    lines += ["The exponent b is the slope of log(time) against log(papers) by least squares "
              "over the sizes of the table (two sizes: the slope between them). With k fixed "
              "at 50 by the default rule, k-means grows with the non-zeros times iterations; "
              "the exact related stage with Σdf² (`related_sum_df2`), which on a corpus that "
              "keeps its term distribution grows as n².", ""]
    return "\n".join(lines)


def save(path, k, entry):
    """Adds entry under k to the JSON at path as it is now (another run may have added
    sizes since this one started)."""
    results = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    results[k] = entry
    tmp = path + f".tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    os.replace(tmp, path)
    return results


def main(argv):
    args = parse_args(argv)
    results = {}
    if os.path.exists(args.json):
        with open(args.json, encoding="utf-8") as f:
            results = json.load(f)
    if not args.report_only:
        if not os.path.exists(args.arxiv):
            print(f"scale_bench: {args.arxiv} is absent", file=sys.stderr)
            return 1
        os.makedirs(args.data, exist_ok=True)
        mode = mode_name(args)
        for size in args.sizes:
            k = key(args, size)
            if k in results and not args.again:
                log(f"{size}: measured already ({k}); --again to measure anew")
                continue
            m = machine()
            runs = [measure(args, size) for _ in range(args.runs)]
            results[k] = {"mode": mode, "size": str(size), "top": args.top, "runs": runs,
                          "machine": m,
                          "commit": git_commit(),
                          "documents": int(runs[0]["summary"]["documents"])}
            results = save(args.json, k, results[k])
            write_section(args.results, TITLE, section(results))
    if results:
        write_section(args.results, TITLE, section(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
