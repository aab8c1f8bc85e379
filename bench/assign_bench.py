#!/usr/bin/python3
"""Placing new papers with a saved model: `paperclust assign` against scikit-learn's
transform + predict + kneighbors on the same corpus.

usage: assign_bench.py [--corpus ../shared/corpora/arxiv.csv] [--sample 10000] [--seed 1]
                       [--runs 5] [-k 20] [--top 10] [--threads 2] [--build build]
                       [--work bench/.cache/assign] [--results bench/RESULTS.md]

1. The model, untimed: `paperclust run CORPUS -k K --save-model WORK/model --threads T
   --quiet --no-html -o WORK/run`.
2. The papers: a seeded sample of SAMPLE rows of CORPUS itself (random.Random(seed),
   written in corpus order to WORK/sample.csv with their ids, titles, abstracts, labels).
   They are papers the model has seen, so all their terms are known (truly new papers
   drop unknown terms earlier, which only saves work); their work is otherwise that of
   new papers.  `paperclust assign` recognises each as a model paper (same id, same
   row) and leaves it out of its own related list; scikit-learn lists it first.
3. The peer, fitted once and untimed, in a worker process with T BLAS/OpenMP threads:
   TfidfVectorizer(stop_words='english', min_df=2, max_df=0.5, sublinear_tf=True,
   dtype=float32).fit_transform(corpus), KMeans(K, n_init=1, random_state=seed).fit,
   NearestNeighbors(n_neighbors=top, metric='cosine', algorithm='brute').fit (the
   settings of bench/sklearn_peer.py, which match paperclust's defaults).
4. RUNS rounds, alternating: `paperclust assign WORK/model WORK/sample.csv -o WORK/out
   --top TOP --threads T --quiet` as a child process (wall time and peak RSS by
   os.wait4; stage times from its summary.csv), then one timed pass of the peer: read
   the sample (the csv module), vectorizer.transform, kmeans.predict,
   nn.kneighbors(n_neighbors=TOP).  Medians are reported; papers per second =
   SAMPLE / wall time.  paperclust's wall time is its whole process: mapping and
   checking the model, reading, placing, related papers, writing the three reports.
   The peer's is the four timed steps only (no interpreter start, no fitting, no
   writing).
5. A section "## Placing new papers with a saved model" is written into RESULTS
   after the marker line that bench/run_bench.py keeps (replacing an earlier one).

Run with Debian's /usr/bin/python3 (python3-sklearn).
"""
import argparse
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from results_md import git_commit, machine, write_section  # noqa: E402

TITLE = "## Placing new papers with a saved model"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="assign_bench.py", description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpora",
                                                    "arxiv.csv"))
    p.add_argument("--sample", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("-k", type=int, default=20)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--work", default=os.path.join(HERE, ".cache", "assign"))
    p.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---- the peer, in its own process ----------------------------------------

def worker(args):
    """Fits once, then answers each 'go' line on stdin with one timed pass (JSON)."""
    from sklearn_peer import limit_threads_by_environment, read_corpus
    limit_threads_by_environment(args.threads)
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import NearestNeighbors
    t0 = time.perf_counter()
    _, texts, _ = read_corpus(args.corpus)
    vectorizer = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5, sublinear_tf=True,
                                 dtype=np.float32)
    X = vectorizer.fit_transform(texts)
    kmeans = KMeans(n_clusters=args.k, n_init=1, random_state=args.seed).fit(X)
    nn = NearestNeighbors(n_neighbors=args.top, metric="cosine", algorithm="brute").fit(X)
    print(json.dumps({"fit_seconds": time.perf_counter() - t0, "terms": X.shape[1]}),
          flush=True)
    sample = os.path.join(args.work, "sample.csv")
    for line in sys.stdin:
        if line.strip() != "go":
            break
        t = [time.perf_counter()]
        _, new_texts, _ = read_corpus(sample)
        t.append(time.perf_counter())
        Q = vectorizer.transform(new_texts)
        t.append(time.perf_counter())
        clusters = kmeans.predict(Q)
        t.append(time.perf_counter())
        distance, index = nn.kneighbors(Q, n_neighbors=args.top)
        t.append(time.perf_counter())
        steps = [b - a for a, b in zip(t, t[1:])]
        print(json.dumps({"read": steps[0], "transform": steps[1], "predict": steps[2],
                          "kneighbors": steps[3], "wall": t[-1] - t[0],
                          "papers": len(new_texts), "clusters": int(len(set(clusters))),
                          "listed": int(index.shape[1])}), flush=True)


# ---- the harness ---------------------------------------------------------

def timed_child(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in MiB); raises on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024.0


def summary(path):
    with open(os.path.join(path, "summary.csv"), newline="", encoding="utf-8") as f:
        return {r[0]: r[1] for r in list(csv.reader(f))[1:]}


def make_sample(args):
    csv.field_size_limit(1 << 30)
    with open(args.corpus, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    picked = sorted(random.Random(args.seed).sample(range(len(rows)), args.sample))
    path = os.path.join(args.work, "sample.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows[i] for i in picked)
    return len(rows)


def median(values):
    return statistics.median(values)


def ratio(theirs, ours):
    """theirs / ours as "12×" or "0.8×"."""
    if ours <= 0:
        return "—"
    r = theirs / ours
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"


def walls(runs):
    return ", ".join("%.2f" % r["wall"] for r in runs)


def section(args, n_corpus, model_wall, model_bytes, fit, ours, peer, started):
    binary = os.path.relpath(os.path.join(args.build, "paperclust"), os.path.join(HERE, ".."))
    corpus = os.path.relpath(args.corpus, os.path.join(HERE, ".."))
    o = {key: median([r[key] for r in ours]) for key in ours[0]}
    p = {key: median([r[key] for r in peer]) for key in peer[0]}
    rate_o, rate_p = args.sample / o["wall"], args.sample / p["wall"]
    rows = [
        ("read the papers", o["seconds_read"], p["read"]),
        ("tokenize + weight (transform)", o["seconds_vocabulary"] + o["seconds_tfidf"],
         p["transform"]),
        ("nearest cluster (predict)", o["seconds_assign"], p["predict"]),
        (f"related papers, exact top {args.top} (kneighbors)", o["seconds_related"],
         p["kneighbors"]),
    ]
    lines = [TITLE, "",
             f"Measured {started} on {machine()}; commit {git_commit()}; "
             f"`bench/assign_bench.py --runs {args.runs}` (medians of {args.runs} alternating "
             f"runs, {args.threads} threads each).", "",
             "```sh",
             f"{binary} run {corpus} -k {args.k} --save-model M --threads {args.threads} "
             f"--no-html -o RUN          # the model, untimed",
             f"{binary} assign M sample.csv --top {args.top} --threads {args.threads} "
             f"--quiet -o OUT        # timed",
             "```", "",
             f"The model: {n_corpus:,} papers, {model_bytes / 2**20:.1f} MiB "
             f"(`model.bin`), saved by a run of {model_wall:.1f} s. The papers placed: a "
             f"seeded sample (`random.Random({args.seed})`) of {args.sample:,} of the "
             f"corpus's own rows, so every term is known (truly new papers drop unknown "
             f"terms first, which only saves work); paperclust recognises them as model "
             f"papers (same id, same row) and leaves each out of its own list, "
             f"scikit-learn lists it first. scikit-learn {fit['version']}: "
             f"`TfidfVectorizer(stop_words='english', min_df=2, max_df=0.5, "
             f"sublinear_tf=True, dtype=float32)`, `KMeans({args.k}, n_init=1)`, "
             f"`NearestNeighbors(metric='cosine', algorithm='brute')`, fitted on the whole "
             f"corpus once ({fit['fit_seconds']:.0f} s, untimed), then timed: reading the "
             f"sample, `transform`, `predict`, `kneighbors(n_neighbors={args.top})` "
             f"(its sparse product runs on one thread whatever the thread setting).", "",
             "| stage (s) | paperclust assign | scikit-learn | ratio |",
             "|---|---:|---:|---:|"]
    for name, a, b in rows:
        lines.append(f"| {name} | {a:.3f} | {b:.3f} | {ratio(b, a)} |")
    lines += [
        f"| **wall time** | **{o['wall']:.2f}** | **{p['wall']:.2f}** | "
        f"**{ratio(p['wall'], o['wall'])}** |",
        f"| **papers per second** | **{rate_o:,.0f}** | **{rate_p:,.0f}** | |",
        f"| peak RSS (MiB) | {o['rss']:.0f} | — | |", "",
        f"paperclust's wall time is the whole process: mapping and checking the model "
        f"({o['seconds_model']:.3f} s), the stages above and writing assignments.csv, "
        f"related.csv and summary.csv. scikit-learn's is the four steps above in a "
        f"process that has already started Python and fitted the model. Every run: "
        f"paperclust {walls(ours)} s; scikit-learn {walls(peer)} s.", ""]
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    started = time.strftime("%Y-%m-%d")
    binary = os.path.join(args.build, "paperclust")
    if not os.path.exists(args.corpus):
        log(f"assign_bench: {args.corpus} is absent")
        return 1
    os.makedirs(args.work, exist_ok=True)
    model = os.path.join(args.work, "model")
    log("assign_bench: building the model (untimed)")
    model_wall, _ = timed_child([binary, "run", args.corpus, "-k", str(args.k), "--save-model",
                                 model, "--threads", str(args.threads), "--no-html", "--quiet",
                                 "-o", os.path.join(args.work, "run")])
    model_bytes = os.path.getsize(os.path.join(model, "model.bin"))
    n_corpus = make_sample(args)
    log("assign_bench: fitting scikit-learn (untimed)")
    env = dict(os.environ)
    peer = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"] + argv,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    fit = json.loads(peer.stdout.readline())
    import sklearn
    fit["version"] = sklearn.__version__
    ours, theirs = [], []
    out = os.path.join(args.work, "out")
    for r in range(args.runs):
        wall, rss = timed_child([binary, "assign", model, os.path.join(args.work, "sample.csv"),
                                 "--top", str(args.top), "--threads", str(args.threads),
                                 "--quiet", "-o", out])
        s = summary(out)
        ours.append({"wall": wall, "rss": rss, **{k: float(v) for k, v in s.items()
                                                    if k.startswith("seconds_")}})
        peer.stdin.write("go\n")
        peer.stdin.flush()
        theirs.append(json.loads(peer.stdout.readline()))
        log(f"assign_bench: run {r + 1}: paperclust {wall:.2f} s, scikit-learn "
            f"{theirs[-1]['wall']:.2f} s")
    peer.stdin.close()
    peer.wait()
    text = section(args, n_corpus, model_wall, model_bytes, fit, ours, theirs, started)
    print(text)
    write_section(args.results, TITLE, text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
