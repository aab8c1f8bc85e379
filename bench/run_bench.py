#!/usr/bin/python3
"""The paperclust benchmark: paperclust against its scikit-learn peer, stage by stage.

usage: bench/run_bench.py [--corpora A,B,...] [--runs N] [--k K | --k NAME=K,...]
                          [--top N] [--n-init I] [--threads T] [--no-peer-above DOCS]
                          [--no-related-above DOCS] [--build DIR] [--corpus-dir DIR]
                          [--cache DIR] [--results FILE] [--json FILE] [--report-only]

For each corpus (every CSV of ../shared/corpora/ but cisi_links.csv, then the generated
gen10k, gen100k and gen1m), run after run, it starts

    paperclust run FILE -k K --top 10 --n-init 1 --seed S --threads 2 --quiet -o DIR
    /usr/bin/python3 bench/sklearn_peer.py FILE -k K --top 10 --n-init 1 --seed S
                                           --sublinear-tf --threads 2 -o DIR

alternately (ours, peer, ours, peer, ...; run r uses seed S = r), each as a child whose
wall time (time.perf_counter around spawn and wait) and peak resident set (os.wait4's
ru_maxrss) are measured. Each tool's summary.csv gives the stage times:

    stage               paperclust                             scikit-learn peer
    read                seconds_read                           seconds_read
    tokenize + tf-idf   seconds_vocabulary + seconds_tfidf     seconds_tfidf
    k-means             seconds_kmeans                         seconds_kmeans
    related             seconds_related                        seconds_related

Both tools' assignments.csv and related.csv are scored by the same code,
`paperclust evaluate --labels FILE --assignments A --related R` (NMI, ARI,
label_precision_at_top), when the corpus has labels.

Per corpus, once: `paperclust vectorize FILE` gives the documents, terms and non-zeros and,
from vocabulary.csv's df column, S2 = sum of df^2: the multiply-adds of the exact related
stage (X·Xᵀ by the inverted index: term t pairs its df documents with each other, self
included). Achieved rates: k-means 2·nnz·k·iterations / seconds_kmeans (the assignment
product, CSR × Cᵀ, per Lloyd iteration), related 2·S2 / seconds_related. They are printed
beside this machine's cblas_sgemm peak (bench/sgemm_peak, serial OpenBLAS, one core,
2048³, best of 5). The vectorize figures are cached in the cache folder, keyed by the
corpus' and the binary's size and time stamp.

Defaults: --runs 3, --top 10, --n-init 1, --threads 2; k is 4 for classic4, 20 for arxiv,
the planted topic count (10) for generated corpora and otherwise paperclust's own rule,
round(sqrt(documents / 2)) clamped to 2..50, passed explicitly to both tools. Corpora of
more than --no-related-above documents (default 500000: the 1M generated one) run both
tools with --top 0, the exact related papers skipped (the table says so); the peer is not
run at all on corpora of more than --no-peer-above documents (default 200000).

Generated corpora are made once by the build's gencorpus (-n N -t 10 -s 1, its other
defaults) into the cache folder (default bench/.cache/, git-ignored), which also holds the
tools' output folders (runs/CORPUS/TOOL/, overwritten run after run).

Writes bench/results.json (every run's raw figures, rewritten after each corpus, so an
interrupted benchmark keeps what it measured) and bench/RESULTS.md (machine, date, exact
commands, and per corpus the medians over the runs of both tools, with the ratio
peer/ours). --report-only rewrites RESULTS.md from results.json without running anything.
A run with fewer than 3 runs is headed as a smoke run; one of 3 or more runs on some of
the default corpora only, as a partial benchmark.

Run it from anywhere with /usr/bin/python3 (standard library only; the peer needs
Debian's python3-sklearn). Build first:
    cmake -S . -B build && cmake --build build -j
Exit status 0, 1 when a tool or a file is missing, 2 on a usage error. A failed run is
reported (its stderr tail printed, "failed" in the tables) and the benchmark goes on.
"""
import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from argtypes import non_negative_int, positive_int

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"
PEER = os.path.join(REPO, "bench", "sklearn_peer.py")
SKIPPED_CORPORA = {"cisi_links.csv"}   # links, not papers
GENERATED = (("gen10k", 10_000), ("gen100k", 100_000), ("gen1m", 1_000_000))
GEN_TOPICS = 10
GEN_SEED = 1
DEFAULT_K = {"classic4": 4, "arxiv": 20}
TOOLS = ("ours", "peer")
TOOL_NAMES = {"ours": "paperclust", "peer": "scikit-learn"}
STAGES = (("read", "read"), ("tfidf", "tokenize + tf-idf"), ("kmeans", "k-means"),
          ("related", "related"))
SCORES = (("nmi", "NMI"), ("ari", "ARI"), ("label_precision_at_top", "label precision@top"))
SGEMM_N, SGEMM_REPEATS = 2048, 5


class HarnessError(Exception):
    pass


# ---------------------------------------------------------------- options

def k_option(text):
    """An integer (every corpus) or NAME=K pairs separated by commas."""
    if "=" not in text:
        return {"*": positive_int(text)}
    pairs = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        if not name.strip():
            raise argparse.ArgumentTypeError(f"'{item}' is not NAME=K")
        pairs[name.strip()] = positive_int(value)
    return pairs


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="run_bench.py",
        description="paperclust against scikit-learn: stage times, peak memory, quality.",
        epilog="Full benchmark: /usr/bin/python3 bench/run_bench.py  "
               "(smoke test: --corpora classic4,seed_papers,gen10k --runs 2)")
    p.add_argument("--corpora", default=None,
                   help="comma-separated corpus names (file stems of the shared corpora, "
                        "gen10k, gen100k, gen1m; default: all)")
    p.add_argument("--runs", type=positive_int, default=3, help="runs per tool (default 3)")
    p.add_argument("--k", type=k_option, default={},
                   help="clusters: K for every corpus, or NAME=K,... (default: 4 classic4, "
                        "20 arxiv, 10 generated, else round(sqrt(docs/2)) in 2..50)")
    p.add_argument("--top", type=non_negative_int, default=10,
                   help="related papers per paper (default 10)")
    p.add_argument("--n-init", type=positive_int, default=1, help="k-means restarts (default 1)")
    p.add_argument("--threads", type=positive_int, default=2, help="threads (default 2)")
    p.add_argument("--no-peer-above", type=non_negative_int, default=200_000, metavar="DOCS",
                   help="skip the peer on corpora of more documents (default 200000)")
    p.add_argument("--no-related-above", type=non_negative_int, default=500_000,
                   metavar="DOCS",
                   help="run both tools with --top 0 on corpora of more documents "
                        "(default 500000)")
    p.add_argument("--build", default=os.path.join(REPO, "build"),
                   help="CMake build folder holding paperclust, bench/gencorpus and "
                        "bench/sgemm_peak (default build/)")
    p.add_argument("--corpus-dir", default=os.path.join(REPO, "..", "shared", "corpora"),
                   help="folder of the real corpora (default ../shared/corpora)")
    p.add_argument("--cache", default=os.path.join(REPO, "bench", ".cache"),
                   help="generated corpora and run outputs (default bench/.cache)")
    p.add_argument("--results", default=os.path.join(REPO, "bench", "RESULTS.md"),
                   help="report to write (default bench/RESULTS.md)")
    p.add_argument("--json", default=os.path.join(REPO, "bench", "results.json"),
                   help="raw per-run figures (default bench/results.json)")
    p.add_argument("--report-only", action="store_true",
                   help="rewrite the report from --json; run nothing")
    return p.parse_args(argv)


# ---------------------------------------------------------------- small helpers

def rel(path):
    """A path as shown in the report: relative to the repository when inside or beside it."""
    r = os.path.relpath(os.path.abspath(path), REPO)
    return r if not r.startswith("../../") else os.path.abspath(path)


def quote(args):
    return " ".join(shlex.quote(rel(a) if os.path.isabs(a) else a) for a in args)


def read_key_values(path):
    """key,value CSV (summary.csv, evaluate's output) to a dict of strings."""
    with open(path, newline="", encoding="utf-8") as f:
        return key_values(f.read())


def key_values(text):
    rows = csv.reader(text.splitlines())
    next(rows, None)
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def number(values, key):
    try:
        return float(values[key])
    except (KeyError, ValueError):
        return None


def log(message):
    print(message, file=sys.stderr, flush=True)


def measure(args, stdout_path, stderr_path):
    """Runs args as a child; returns (exit code, wall seconds, peak RSS in bytes).

    os.wait4 gives the child's own rusage; Linux reports ru_maxrss in KiB."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 cwd=REPO)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return child.returncode, wall, usage.ru_maxrss * 1024


def tail(path, lines=5):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return ""


def write_atomically(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temporary, path)


# ---------------------------------------------------------------- machine

def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        load = "unknown"
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"cpu": model, "cores": os.cpu_count(),
            "cores_usable": len(os.sched_getaffinity(0)),
            "memory_bytes": memory, "load_at_start": load, "kernel": platform.release(),
            "python": platform.python_version(),
            "commit": commit + (" (with uncommitted changes)" if dirty else "")}


def sgemm_peak(binary):
    args = [binary, "-n", str(SGEMM_N), "-r", str(SGEMM_REPEATS)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
    match = re.search(r"gflops=([0-9.]+)", done.stdout)
    if done.returncode != 0 or not match:
        raise HarnessError(f"{quote(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return {"command": quote(args), "gflops": float(match.group(1)), "output": done.stdout.strip()}


# ---------------------------------------------------------------- corpora

def available_corpora(corpus_dir, cache):
    """[(name, path or None, generated size or None)] in benchmark order."""
    corpora = []
    if os.path.isdir(corpus_dir):
        for entry in sorted(os.listdir(corpus_dir), key=lambda e: os.path.getsize(
                os.path.join(corpus_dir, e))):
            if entry.endswith(".csv") and entry not in SKIPPED_CORPORA:
                corpora.append((entry[:-4], os.path.join(corpus_dir, entry), None))
    else:
        log(f"run_bench: {rel(corpus_dir)} is absent: the real corpora are skipped")
    for name, docs in GENERATED:
        corpora.append((name, os.path.join(cache, f"{name}-t{GEN_TOPICS}-s{GEN_SEED}.csv"), docs))
    return corpora


def generate(gencorpus, path, docs):
    """Makes a generated corpus once (to a temporary name, renamed when complete)."""
    if os.path.exists(path):
        return None
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".part"
    args = [gencorpus, "-n", str(docs), "-t", str(GEN_TOPICS), "-s", str(GEN_SEED),
            "-o", temporary]
    log(f"run_bench: generating {rel(path)} ({docs} documents)")
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise HarnessError(f"{quote(args)} failed: {done.stderr.strip()}")
    os.replace(temporary, path)
    return {"command": quote(args[:-2] + ["-o", path]),
            "seconds": round(time.perf_counter() - start, 3)}


def file_key(path):
    st = os.stat(path)
    return f"{st.st_size}:{int(st.st_mtime)}"


def corpus_statistics(paperclust, path, cache, name, threads):
    """documents, terms, nonzeros and sum of df² from `paperclust vectorize`, cached."""
    key = {"corpus": file_key(path), "paperclust": file_key(paperclust)}
    cached_path = os.path.join(cache, "stats", name + ".json")
    try:
        with open(cached_path, encoding="utf-8") as f:
            cached = json.load(f)
        if cached.get("key") == key:
            return cached["stats"]
    except (OSError, ValueError, KeyError):
        pass
    os.makedirs(os.path.dirname(cached_path), exist_ok=True)
    out = tempfile.mkdtemp(prefix="vectorize-", dir=cache)
    args = [paperclust, "vectorize", path, "--threads", str(threads), "--quiet", "-o", out]
    try:
        log(f"run_bench: {name}: paperclust vectorize (sum of df^2)")
        done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
        if done.returncode != 0:
            raise HarnessError(f"{quote(args)} failed: {done.stderr.strip()}")
        summary = read_key_values(os.path.join(out, "summary.csv"))
        sum_df = sum_df2 = 0
        with open(os.path.join(out, "vocabulary.csv"), newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                df = int(row["df"])
                sum_df += df
                sum_df2 += df * df
    finally:
        shutil.rmtree(out, ignore_errors=True)  # tfidf.csv is large and not needed
    stats = {"documents": int(summary["documents"]), "terms": int(summary["terms"]),
             "nonzeros": int(summary["nonzeros"]), "sum_df2": sum_df2,
             "command": quote(args[:-2] + ["-o", "DIR"])}
    if sum_df != stats["nonzeros"]:
        log(f"run_bench: {name}: warning: sum of df {sum_df} != nonzeros {stats['nonzeros']}")
    write_atomically(cached_path, json.dumps({"key": key, "stats": stats}, indent=1))
    return stats


def has_labels(path):
    """True when the corpus has a label column with at least one non-empty value."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows, [])]
        if "label" not in header:
            return False
        j = header.index("label")
        for count, row in enumerate(rows):
            if len(row) > j and row[j].strip():
                return True
            if count > 100_000:
                return False
    return False


def choose_k(args, name, generated, documents):
    if name in args.k:
        return args.k[name], "--k"
    if "*" in args.k:
        return args.k["*"], "--k"
    if generated:
        return GEN_TOPICS, "planted topics"
    if name in DEFAULT_K:
        return DEFAULT_K[name], "default for this corpus"
    k = int(math.floor(math.sqrt(documents / 2.0) + 0.5))
    return min(max(k, 2), 50), "paperclust's rule round(sqrt(docs/2))"


# ---------------------------------------------------------------- one run

def tool_command(tool, paperclust, path, k, top, args, seed, out):
    if tool == "ours":
        return [paperclust, "run", path, "-k", str(k), "--top", str(top),
                "--n-init", str(args.n_init), "--seed", str(seed),
                "--threads", str(args.threads), "--quiet", "-o", out]
    # paperclust's default tf is 1 + ln(count): the peer is given the same
    return [PYTHON, PEER, path, "-k", str(k), "--top", str(top),
            "--n-init", str(args.n_init), "--seed", str(seed), "--sublinear-tf",
            "--threads", str(args.threads), "-o", out]


def stage_seconds(tool, summary):
    if tool == "ours":
        vocabulary, tfidf = number(summary, "seconds_vocabulary"), number(summary, "seconds_tfidf")
        tokenize = None if vocabulary is None or tfidf is None else vocabulary + tfidf
    else:
        tokenize = number(summary, "seconds_tfidf")
    return {"read": number(summary, "seconds_read"), "tfidf": tokenize,
            "kmeans": number(summary, "seconds_kmeans"),
            "related": number(summary, "seconds_related"),
            "total": number(summary, "seconds_total")}


def evaluate(paperclust, path, out, top):
    args = [paperclust, "evaluate", "--labels", path,
            "--assignments", os.path.join(out, "assignments.csv")]
    if top > 0:
        args += ["--related", os.path.join(out, "related.csv")]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        log(f"run_bench: {quote(args)} failed: {done.stderr.strip()}")
        return {}
    values = key_values(done.stdout)
    return {key: number(values, key) for key, _ in SCORES if key in values}


def one_run(tool, paperclust, corpus, k, top, args, seed, out_root, labelled):
    out = os.path.join(out_root, tool)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    command = tool_command(tool, paperclust, corpus, k, top, args, seed, out)
    stdout_path, stderr_path = out + ".stdout", out + ".stderr"
    code, wall, rss = measure(command, stdout_path, stderr_path)
    run = {"tool": tool, "seed": seed, "exit": code, "wall_seconds": round(wall, 3),
           "peak_rss_bytes": rss}
    if code != 0:
        log(f"run_bench: {TOOL_NAMES[tool]} failed (exit {code}): {quote(command)}\n"
            f"{tail(stderr_path)}")
        return run
    summary = read_key_values(os.path.join(out, "summary.csv"))
    run["seconds"] = stage_seconds(tool, summary)
    for key in ("documents", "terms", "nonzeros", "k", "iterations", "related_multiply_adds"):
        value = number(summary, key)
        run[key] = None if value is None else int(value)
    if labelled:
        run["scores"] = evaluate(paperclust, corpus, out, top)
    return run


def log_run(name, run):
    if run["exit"] != 0:
        return
    stages = " ".join(f"{key} {fmt(run['seconds'][key])}" for key, _ in STAGES)
    scores = " ".join(f"{key}={value:.4f}" for key, value in run.get("scores", {}).items()
                      if value is not None)
    log(f"run_bench: {name} seed {run['seed']} {TOOL_NAMES[run['tool']]:>12}: "
        f"wall {run['wall_seconds']:.2f} s, {stages}, "
        f"peak {run['peak_rss_bytes'] / 2**20:.0f} MiB {scores}")


# ---------------------------------------------------------------- the benchmark

def benchmark(args):
    paperclust = os.path.join(args.build, "paperclust")
    gencorpus = os.path.join(args.build, "bench", "gencorpus")
    sgemm = os.path.join(args.build, "bench", "sgemm_peak")
    for binary in (paperclust, gencorpus, sgemm):
        if not os.access(binary, os.X_OK):
            raise HarnessError(f"{binary} not found: build first with "
                               f"cmake -S {rel(REPO)} -B {rel(args.build)} && "
                               f"cmake --build {rel(args.build)} -j")
    corpora = available_corpora(args.corpus_dir, args.cache)
    names = [name for name, _, _ in corpora]
    selected = names
    if args.corpora:
        selected = [c.strip() for c in args.corpora.split(",") if c.strip()]
        for c in selected:
            if c not in names:
                log(f"run_bench: no corpus '{c}' (available: {', '.join(names)}): skipped")
        if not set(selected) & set(names):
            raise HarnessError("none of the chosen corpora is available")
    full = set(selected) >= set(names) and args.runs >= 3 and bool(
        [n for n, _, g in corpora if g is None])
    kind = "benchmark" if full else "partial" if args.runs >= 3 else "smoke"

    log("run_bench: measuring the cblas_sgemm peak")
    results = {"kind": kind,
               "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "command": quote([PYTHON, os.path.abspath(__file__)] + sys.argv[1:]),
               "options": {"runs": args.runs, "top": args.top, "n_init": args.n_init,
                           "threads": args.threads, "no_peer_above": args.no_peer_above,
                           "no_related_above": args.no_related_above},
               "machine": machine_info(), "sgemm": sgemm_peak(sgemm), "corpora": []}
    for name, path, generated in corpora:
        if name not in selected:
            continue
        entry = {"name": name, "file": rel(path), "generated": generated}
        if generated:
            made = generate(gencorpus, path, generated)
            if made:
                entry["generation"] = made
        stats = corpus_statistics(paperclust, path, args.cache, name, args.threads)
        entry["stats"] = stats
        k, k_reason = choose_k(args, name, generated, stats["documents"])
        top = 0 if stats["documents"] > args.no_related_above else args.top
        peer = stats["documents"] <= args.no_peer_above
        labelled = has_labels(path)
        entry.update({"k": k, "k_reason": k_reason, "top": top, "peer": peer,
                      "labelled": labelled, "runs": []})
        if top != args.top:
            log(f"run_bench: {name}: {stats['documents']} documents > --no-related-above "
                f"{args.no_related_above}: --top 0 (related papers skipped)")
        if not peer:
            log(f"run_bench: {name}: {stats['documents']} documents > --no-peer-above "
                f"{args.no_peer_above}: the peer is not run")
        tools = TOOLS if peer else ("ours",)
        out_root = os.path.join(args.cache, "runs", name)
        entry["commands"] = {
            tool: quote(tool_command(tool, paperclust, path, k, top, args, "S",
                                     os.path.join(out_root, tool))) for tool in tools}
        if labelled:
            entry["commands"]["evaluate"] = quote(
                [paperclust, "evaluate", "--labels", path, "--assignments", "DIR/assignments.csv"]
                + (["--related", "DIR/related.csv"] if top > 0 else []))
        for seed in range(1, args.runs + 1):
            for tool in tools:
                run = one_run(tool, paperclust, path, k, top, args, seed, out_root, labelled)
                log_run(name, run)
                entry["runs"].append(run)
        results["corpora"].append(entry)
        write_atomically(args.json, json.dumps(results, indent=1) + "\n")
    write_atomically(args.json, json.dumps(results, indent=1) + "\n")
    return results


# ---------------------------------------------------------------- the report

def median_of(runs, get):
    values = [v for v in (get(r) for r in runs if r["exit"] == 0) if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=3):
    """digits < 0: that many significant digits (rates span 0.001 to 100 GFLOP/s)."""
    if value is None:
        return "—"
    if digits < 0:
        return f"{value:#.{-digits}g}".rstrip(".") if value else "0"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(peer, ours):
    if peer is None or ours is None or ours <= 0:
        return "—"
    return f"{peer / ours:.1f}×" if peer / ours < 100 else f"{peer / ours:.0f}×"


def gflops(flops, seconds):
    return None if flops is None or not seconds else flops / seconds / 1e9


def kmeans_flops(run):
    if run.get("nonzeros") is None or run.get("k") is None or run.get("iterations") is None:
        return None
    return 2.0 * run["nonzeros"] * run["k"] * run["iterations"]


def corpus_table(entry):
    runs = {tool: [r for r in entry["runs"] if r["tool"] == tool] for tool in TOOLS}
    ok = {tool: [r for r in runs[tool] if r["exit"] == 0] for tool in TOOLS}
    stats = entry["stats"]
    lines = []
    title = (f"### {entry['name']} — {stats['documents']:,} documents, k = {entry['k']} "
             f"({entry['k_reason']}), top {entry['top']}")
    lines.append(title)
    lines.append("")
    notes = [f"`{entry['file']}`"]
    if entry["generated"]:
        notes.append(f"generated by gencorpus -n {entry['generated']} -t {GEN_TOPICS} "
                     f"-s {GEN_SEED}")
    notes.append(f"paperclust vectorize: {stats['terms']:,} terms, "
                 f"{stats['nonzeros']:,} non-zeros, Σdf² = {stats['sum_df2']:,}")
    for tool in TOOLS:
        failed = len(runs[tool]) - len(ok[tool])
        if failed:
            notes.append(f"**{TOOL_NAMES[tool]}: {failed} of {len(runs[tool])} runs failed**")
    if entry["top"] == 0:
        notes.append("**related papers skipped (`--top 0`) for both tools**: the stage is "
                     "exact and quadratic at this size")
    if not entry["peer"]:
        notes.append("**scikit-learn not run** (more documents than --no-peer-above)")
    if not entry["labelled"]:
        notes.append("no labels: no quality scores")
    lines.append("; ".join(notes) + ".")
    lines.append("")
    n = len(runs["ours"])
    lines.append((f"Medians over {n} runs (seeds 1–{n})" if n > 1 else "One run (seed 1)")
                 + "; the ratio is scikit-learn / paperclust (above 1: paperclust is faster "
                 "or smaller).")
    lines.append("")
    lines.append("| | paperclust | scikit-learn | ratio |")
    lines.append("|---|---:|---:|---:|")

    def row(label, get, digits=3, with_ratio=True):
        m = {tool: median_of(runs[tool], get) for tool in TOOLS}
        r = ratio(m["peer"], m["ours"]) if with_ratio else ""
        lines.append(f"| {label} | {fmt(m['ours'], digits)} | {fmt(m['peer'], digits)} | {r} |")

    for key, label in STAGES:
        if key == "related" and entry["top"] == 0:
            peer_cell = "skipped" if entry["peer"] else "—"
            lines.append(f"| related (s) | skipped | {peer_cell} | |")
            continue
        row(f"{label} (s)", lambda r, key=key: r["seconds"][key])
    row("stages total, summary.csv (s)", lambda r: r["seconds"]["total"])
    row("**wall, whole process (s)**", lambda r: r["wall_seconds"])
    row("**peak RSS (MiB)**", lambda r: r["peak_rss_bytes"] / 2**20, 0)
    row("terms", lambda r: r.get("terms"), 0, False)
    row("non-zeros", lambda r: r.get("nonzeros"), 0, False)
    row("k-means iterations", lambda r: r.get("iterations"), 0, False)
    row("k-means GFLOP/s (2·nnz·k·iter / s)",
        lambda r: gflops(kmeans_flops(r), r["seconds"]["kmeans"]), -3, False)
    if entry["top"] > 0:
        row("related GFLOP/s, effective (2·Σdf² / s)",
            lambda r: gflops(2.0 * stats["sum_df2"], r["seconds"]["related"]), -3, False)
        row("related multiply-adds done / Σdf² (dense lanes' zeros included)",
            lambda r: r["related_multiply_adds"] / stats["sum_df2"]
            if r.get("related_multiply_adds") is not None else None, 3, False)
        row("related GFLOP/s, achieved (2·multiply-adds done / s)",
            lambda r: gflops(2.0 * r["related_multiply_adds"], r["seconds"]["related"])
            if r.get("related_multiply_adds") is not None else None, -3, False)
    if entry["labelled"]:
        for key, label in SCORES:
            if key == "label_precision_at_top" and entry["top"] == 0:
                continue
            label = label.replace("@top", f"@{entry['top']}")
            row(label, lambda r, key=key: r.get("scores", {}).get(key), 4, False)
    lines.append("")
    return lines


def rate_table(results):
    peak = results["sgemm"]["gflops"]
    threads = results["options"]["threads"]
    ceiling = peak * threads
    lines = ["| corpus | k-means GFLOP/s | % of ceiling | related GFLOP/s, effective | "
             "% of ceiling | related GFLOP/s, achieved | % of ceiling |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for entry in results["corpora"]:
        ours = [r for r in entry["runs"] if r["tool"] == "ours"]
        km = median_of(ours, lambda r: gflops(kmeans_flops(r), r["seconds"]["kmeans"]))
        rel_rate = done_rate = None
        if entry["top"] > 0:
            rel_rate = median_of(ours, lambda r: gflops(2.0 * entry["stats"]["sum_df2"],
                                                        r["seconds"]["related"]))
            done_rate = median_of(ours, lambda r: gflops(2.0 * r["related_multiply_adds"],
                                                         r["seconds"]["related"])
                                  if r.get("related_multiply_adds") is not None else None)
        def pct(g):
            if g is None:
                return "—"
            share = 100 * g / ceiling
            return f"{share:.1f} %" if share >= 1 else f"{share:.2g} %"
        related = entry["top"] > 0
        lines.append(f"| {entry['name']} | {fmt(km, -3)} | {pct(km)} | "
                     f"{fmt(rel_rate, -3) if related else 'skipped'} | "
                     f"{pct(rel_rate) if related else ''} | "
                     f"{fmt(done_rate, -3) if related else 'skipped'} | "
                     f"{pct(done_rate) if related else ''} |")
    return lines


def report(results):
    m = results["machine"]
    o = results["options"]
    peak = results["sgemm"]["gflops"]
    lines = []
    if results["kind"] == "smoke":
        lines += ["# Smoke run — NOT the benchmark", "",
                  "A small run that checks the harness end to end (a subset of the corpora "
                  "and/or fewer than 3 runs). Its figures are examples of the report's form, "
                  "not results to quote: the tiny corpora time start-up more than work. "
                  "The full benchmark is `/usr/bin/python3 bench/run_bench.py` "
                  "(see bench/README.md)."]
    elif results["kind"] == "partial":
        lines += ["# Benchmark results (partial): paperclust and scikit-learn", "",
                  "Measured as the full benchmark is (3 or more alternating runs, medians), "
                  "but on some of the corpora only: "
                  + ", ".join(e["name"] for e in results["corpora"]) + ". The full run is "
                  "`/usr/bin/python3 bench/run_bench.py` (see bench/README.md)."]
    else:
        lines += ["# Benchmark results: paperclust and scikit-learn"]
    lines += ["", "## Machine and run", "",
              f"- date: {results['date']}",
              f"- CPU: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable), memory "
              f"{m['memory_bytes'] / 2**30:.1f} GiB" if m.get("memory_bytes") else
              f"- CPU: {m['cpu']}, {m['cores']} cores",
              f"- load average at start: {m['load_at_start']} (the machine is shared)",
              f"- Linux {m['kernel']}, Python {m['python']}, paperclust commit {m['commit']}",
              f"- cblas_sgemm peak (serial OpenBLAS, one core, {SGEMM_N}³, best of "
              f"{SGEMM_REPEATS}): **{peak:.1f} GFLOP/s**; with `--threads {o['threads']}` the "
              f"ceiling is {o['threads']} × that = {peak * o['threads']:.1f} GFLOP/s",
              f"- options: {o['runs']} runs per tool, alternating paperclust and scikit-learn, "
              f"run r with seed r; `--top {o['top']}`, `--n-init {o['n_init']}`, "
              f"`--threads {o['threads']}`; scikit-learn skipped above "
              f"{o['no_peer_above']:,} documents, related papers skipped above "
              f"{o['no_related_above']:,}",
              "", "## Commands", "", "```sh", results["command"], "```", "",
              "run by it, per corpus (S = 1, 2, ... the run; DIR the tool's output folder):", "",
              "```sh", results["sgemm"]["command"]]
    for entry in results["corpora"]:
        lines.append(f"# {entry['name']}")
        if entry.get("generation"):
            lines.append(entry["generation"]["command"])
        lines.append(entry["stats"]["command"])
        for key in ("ours", "peer", "evaluate"):
            if key in entry["commands"]:
                lines.append(entry["commands"][key])
    lines += ["```", "",
              "Stages: paperclust's `seconds_read` → read, `seconds_vocabulary` + "
              "`seconds_tfidf` → tokenize + tf-idf, `seconds_kmeans` → k-means, "
              "`seconds_related` → related (its `seconds_describe`, the cluster "
              "descriptions, is only in the stages total); the peer's `seconds_read`, "
              "`seconds_tfidf`, `seconds_kmeans`, `seconds_related`. The stages total is "
              "`seconds_total` (reading to the end of the related stage, reports not "
              "written). Wall is the whole process, from spawn to exit: it includes "
              "writing the reports and, for scikit-learn, starting Python and importing "
              "numpy and scikit-learn. Peak RSS is `ru_maxrss` of the child (os.wait4), "
              "for scikit-learn including the interpreter. Quality: `paperclust evaluate` "
              "on each tool's assignments.csv and related.csv. The tools tokenize "
              "almost alike (the terms and non-zeros rows show how far) and cluster differently "
              "(spherical k-means against scikit-learn's Euclidean Lloyd on unit rows).", "",
              "## Arithmetic rate of paperclust's kernels", "",
              f"Medians; k-means: 2·nnz·k·iterations / seconds_kmeans (the assignment "
              f"product; the whole stage is timed, so this is a lower bound on the kernel's "
              f"rate); related, effective: 2·Σdf² / seconds_related (Σdf² over the vocabulary "
              f"of `paperclust vectorize`: the multiply-adds of the sparse product X·Xᵀ by an "
              f"inverted index); related, achieved: 2·related_multiply_adds / seconds_related "
              f"(the multiply-adds done, from summary.csv: each pair once, the common terms' "
              f"dense 64-wide lanes counted whole, zeros included). Ceiling: "
              f"{o['threads']} × the one-core sgemm peak = {peak * o['threads']:.1f} GFLOP/s.",
              ""]
    lines += rate_table(results)
    lines += ["", "## Per corpus", ""]
    for entry in results["corpora"]:
        lines += corpus_table(entry)
    return "\n".join(lines).rstrip() + "\n"


KEEP_MARKER = "<!-- The sections below are measured by other tools; run_bench.py keeps them. -->"


def kept_sections(path):
    """The part of an existing report from KEEP_MARKER on (label quality and
    other measurements made apart from this harness), or ""."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return ""
    at = text.find(KEEP_MARKER)
    return "\n" + text[at:] if at >= 0 else ""


def main(argv):
    args = parse_args(argv)
    try:
        if args.report_only:
            with open(args.json, encoding="utf-8") as f:
                results = json.load(f)
        else:
            results = benchmark(args)
        write_atomically(args.results, report(results) + kept_sections(args.results))
    except HarnessError as e:
        log(f"run_bench: {e}")
        return 1
    except (OSError, ValueError) as e:
        log(f"run_bench: {e}")
        return 1
    log(f"run_bench: wrote {rel(args.results)}"
        + ("" if args.report_only else f" and {rel(args.json)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
