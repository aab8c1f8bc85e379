#!/usr/bin/python3
"""The LSA stage against scikit-learn's TruncatedSVD (issue 14), on one corpus.

usage: bench/lsa_bench.py [--corpus FILE] [--dims 100,200] [--runs N] [--threads T]
                          [--sklearn-tokens] [--build DIR]

For each D of --dims, run after run, alternately (ours, peer, ours, peer, ...), it starts

    paperclust vectorize FILE --lsa D --threads T --quiet -o DIR
    /usr/bin/python3 bench/lsa_bench.py --peer D --corpus FILE --threads T

The SVD stage is compared with the SVD stage:
  ours   seconds_lsa from summary.csv: the transpose of X, the random projection, the power
         iterations, the QR and small SVD, the coordinates and their explained variance;
  peer   time.perf_counter() around TruncatedSVD(n_components=D, algorithm="randomized",
         random_state=0).fit_transform(X): its defaults, n_iter=5 and n_oversamples=10, the
         same as ours (power_iteration_normalizer="auto", which is LU for 5 iterations);
         X is TfidfVectorizer(stop_words='english', min_df=2, max_df=0.5, sublinear_tf=True,
         dtype=np.float32) of title + "\\n" + abstract, as bench/sklearn_peer.py builds it,
         fitted before the clock starts. The input is float32 and so is the whole
         factorization: randomized_range_finder draws the projection in the input's dtype,
         and fit_transform returns float32.
For reference it also gives each tool's whole wall time (spawn to exit: for ours reading,
tokenizing, weighting, the LSA and writing lsa.csv; for the peer the same minus writing).

paperclust's default tokenizer and scikit-learn's differ a little, so the matrices differ a
little (the table gives both shapes); --sklearn-tokens adds `--sklearn-tokens --stopwords
sklearn` to ours, which then factorizes the same matrix as the peer.

Thread limits: the peer gets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS = T
(set before numpy loads); ours gets --threads T.

Prints a Markdown table: per D, the medians over the runs of both tools' SVD stage and wall
times and the ratio peer/ours, then every run's figures. Defaults: --corpus
../shared/corpora/arxiv.csv (beside the repository), --dims 100,200, --runs 5, --threads 2,
--build build. Exit status 0, 1 when a tool or the corpus is missing or a run fails, 2 on a
usage error.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from argtypes import positive_int  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def dims_list(text):
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of D >= 1")
    return values


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora", "arxiv.csv"))
    p.add_argument("--dims", type=dims_list, default=[100, 200])
    p.add_argument("--runs", type=positive_int, default=5)
    p.add_argument("--threads", type=positive_int, default=2)
    p.add_argument("--sklearn-tokens", action="store_true",
                   help="ours with --sklearn-tokens --stopwords sklearn: the peer's matrix")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--peer", type=positive_int, metavar="D",
                   help="(internal) run the scikit-learn side once and print JSON")
    return p.parse_args(argv)


def peer(args):
    """One scikit-learn run: TF-IDF untimed, TruncatedSVD timed; JSON on stdout."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn_peer import read_corpus
    _, texts, _ = read_corpus(args.corpus)
    X = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5, sublinear_tf=True,
                        dtype=np.float32).fit_transform(texts)
    started = time.perf_counter()
    svd = TruncatedSVD(n_components=args.peer, algorithm="randomized", random_state=0)
    coords = svd.fit_transform(X)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds_svd": seconds, "documents": X.shape[0], "terms": X.shape[1],
                      "nonzeros": int(X.nnz), "dtype": str(coords.dtype),
                      "explained_variance": float(svd.explained_variance_ratio_.sum()),
                      "singular_1": float(svd.singular_values_[0])}))


def timed(cmd):
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"lsa_bench: {' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return wall, done.stdout


def run_ours(args, binary, dims, out):
    cmd = [binary, "vectorize", args.corpus, "--lsa", str(dims), "--threads", str(args.threads),
           "--quiet", "-o", out]
    if args.sklearn_tokens:
        cmd += ["--sklearn-tokens", "--stopwords", "sklearn"]
    wall, _ = timed(cmd)
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        summary = dict(csv.reader(f))
    return {"seconds_svd": float(summary["seconds_lsa"]), "wall": wall,
            "documents": int(summary["documents"]), "terms": int(summary["terms"]),
            "nonzeros": int(summary["nonzeros"]),
            "explained_variance": float(summary["lsa_explained_variance"]),
            "singular_1": float(summary["lsa_singular_values"].split()[0])}


def run_peer(args, dims):
    wall, out = timed(["/usr/bin/python3", os.path.abspath(__file__), "--peer", str(dims),
                       "--corpus", args.corpus, "--threads", str(args.threads)])
    figures = json.loads(out)
    figures["wall"] = wall
    return figures


def report(args, results):
    median = statistics.median
    print(f"LSA stage on {os.path.basename(args.corpus)}, {args.threads} threads, "
          f"median of {args.runs} alternating runs each\n")
    print("| D | matrix (ours / scikit-learn) | paperclust seconds_lsa | TruncatedSVD "
          "fit_transform | ratio | paperclust vectorize wall | scikit-learn process wall |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for dims, (ours, theirs) in results.items():
        o, t = ours[0], theirs[0]
        svd_o = median(r["seconds_svd"] for r in ours)
        svd_t = median(r["seconds_svd"] for r in theirs)
        print(f"| {dims} | {o['documents']} × {o['terms']}, {o['nonzeros']} nnz / "
              f"{t['documents']} × {t['terms']}, {t['nonzeros']} nnz | {svd_o:.2f} s | "
              f"{svd_t:.2f} s | **{svd_t / svd_o:.1f}×** | "
              f"{median(r['wall'] for r in ours):.2f} s | "
              f"{median(r['wall'] for r in theirs):.2f} s |")
    print("\nEvery run (SVD stage / whole wall, seconds; explained variance ratio):\n")
    for dims, (ours, theirs) in results.items():
        for name, runs in (("paperclust", ours), ("scikit-learn", theirs)):
            figures = ", ".join(f"{r['seconds_svd']:.2f}/{r['wall']:.2f}" for r in runs)
            print(f"- D={dims} {name}: {figures} (explained {runs[0]['explained_variance']:.4f}, "
                  f"σ₁ {runs[0]['singular_1']:.3f})")


def main(argv):
    args = parse_args(argv)
    if not os.path.exists(args.corpus):
        print(f"lsa_bench: {args.corpus}: no such corpus", file=sys.stderr)
        return 1
    if args.peer:
        peer(args)
        return 0
    binary = os.path.join(args.build, "paperclust")
    if not os.access(binary, os.X_OK):
        print(f"lsa_bench: {binary}: not built (cmake --build {args.build})", file=sys.stderr)
        return 1
    results = {}
    with tempfile.TemporaryDirectory() as out:
        for dims in args.dims:
            ours, theirs = [], []
            for r in range(args.runs):
                ours.append(run_ours(args, binary, dims, out))
                theirs.append(run_peer(args, dims))
                print(f"D={dims} run {r + 1}: ours {ours[-1]['seconds_svd']:.2f} s, "
                      f"scikit-learn {theirs[-1]['seconds_svd']:.2f} s", file=sys.stderr)
            results[dims] = (ours, theirs)
    report(args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
