#!/usr/bin/env python3
"""End-to-end tests of `paperclust run`: the real binary on real corpora.

usage: e2e_run.py PAPERCLUST SOURCE_DIR CASE
CASE seed:        the bundled seed corpus: five reports, headers, row counts,
                  reproducibility across runs and thread counts.
CASE classic4:    ../shared/corpora/classic4.csv with -k 4 reaches NMI >= 0.70
                  against its labels (skips with exit 77 when absent); the scores
                  of `run --links --silhouette` equal those of `evaluate` on its files.
CASE evaluate:    `paperclust evaluate` on a hand-made case scored by hand.
NMI is computed here, independently of the library (arithmetic mean
normalisation, as scikit-learn's default).
"""
import csv
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter

import e2e_util
from e2e_util import check

REPORTS = {
    "assignments.csv": ["doc_id", "cluster", "similarity", "label"],
    "clusters.csv": ["cluster", "size", "top_terms", "central_doc_ids", "cohesion", "label",
                     "distinctive_terms", "central_titles", "coherence", "exclusivity"],
    "cluster_terms.csv": ["cluster", "rank", "term", "weight", "kind"],
    "related.csv": ["doc_id", "rank", "related_id", "similarity"],
    "summary.csv": ["key", "value"],
}


def run(binary, args):
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    if p.returncode != 0:
        print("command failed:", binary, *args, "\n", p.stderr)
        sys.exit(1)
    return p


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def nmi(a, b):
    n = len(a)
    ca, cb, cab = Counter(a), Counter(b), Counter(zip(a, b))
    mi = sum(c / n * math.log(c * n / (ca[x] * cb[y])) for (x, y), c in cab.items())
    ha = -sum(c / n * math.log(c / n) for c in ca.values())
    hb = -sum(c / n * math.log(c / n) for c in cb.values())
    return mi / ((ha + hb) / 2) if ha + hb > 0 else 1.0


def comparable(outdir):
    """Every report's bytes, with summary.csv's timing and thread rows left out."""
    got = {}
    for name in REPORTS:
        with open(os.path.join(outdir, name), "rb") as f:
            data = f.read()
        if name == "summary.csv":
            data = b"\n".join(l for l in data.split(b"\n")
                              if not l.startswith(b"seconds_") and not l.startswith(b"threads,"))
        got[name] = data
    return got


def case_seed(binary, source):
    corpus = os.path.join(source, "datasets", "seed_papers.csv")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        run(binary, ["run", corpus, "-k", "5", "--top", "10", "-o", out, "--quiet"])
        for name, header in REPORTS.items():
            if name == "assignments.csv":  # the seed corpus's label column is empty: no label
                header = header[:3]
            rows = read(os.path.join(out, name))
            check(rows and rows[0] == header, f"{name} header {rows[0] if rows else None}")
        assign = read(os.path.join(out, "assignments.csv"))[1:]
        ids = [r[0] for r in read(corpus)[1:]]
        check([r[0] for r in assign] == ids, "assignments.csv: one row per paper, input order")
        clusters = read(os.path.join(out, "clusters.csv"))[1:]
        check(len(clusters) == 5, f"clusters.csv has {len(clusters)} rows, want 5")
        sizes = [int(r[1]) for r in clusters]
        check(sizes == sorted(sizes, reverse=True), "clusters sorted by size")
        check(sum(sizes) == 52, "cluster sizes add up to 52")
        counted = Counter(int(r[1]) for r in assign)
        check(all(counted[int(r[0])] == int(r[1]) for r in clusters), "sizes match assignments")
        terms = read(os.path.join(out, "cluster_terms.csv"))[1:]
        for kind in ("centroid", "distinctive"):
            per_cluster = Counter(r[0] for r in terms if r[4] == kind)
            check(all(0 < c <= 20 for c in per_cluster.values()) and len(per_cluster) == 5,
                  f"cluster_terms.csv: up to 20 {kind} terms per cluster: {per_cluster}")
        related = read(os.path.join(out, "related.csv"))[1:]
        check(len(related) == 520, f"related.csv has {len(related)} rows, want 52 x 10")
        check(all(r[0] != r[2] for r in related), "a paper is never related to itself")
        for doc in ids:
            sims = [float(r[3]) for r in related if r[0] == doc]
            check(sims == sorted(sims, reverse=True), f"related of {doc} sorted")
        summary = dict(read(os.path.join(out, "summary.csv"))[1:])
        for key in ["documents", "terms", "nonzeros", "k", "seed", "iterations", "objective",
                    "seconds_read", "seconds_vocabulary", "seconds_tfidf", "seconds_kmeans",
                    "seconds_related"]:
            check(key in summary, f"summary.csv has {key}")
        check(summary.get("documents") == "52", "summary documents = 52")

        # Same input + seed: identical reports, with 1 or 2 threads, run after run.
        first = comparable(out)
        for threads in ["1", "2"]:
            again = os.path.join(tmp, "again" + threads)
            run(binary, ["run", corpus, "-k", "5", "--top", "10", "-o", again, "--quiet",
                         "--threads", threads])
            second = comparable(again)
            for name in REPORTS:
                check(first[name] == second[name], f"{name} identical with {threads} thread(s)")


def case_classic4(binary, source):
    corpus = os.path.join(source, "..", "shared", "corpora", "classic4.csv")
    if not os.path.exists(corpus):
        print("SKIP: ../shared/corpora/classic4.csv is absent")
        sys.exit(77)
    links = os.path.join(source, "..", "shared", "corpora", "cisi_links.csv")
    with tempfile.TemporaryDirectory() as tmp:
        run(binary, ["run", corpus, "-k", "4", "--top", "10", "-o", tmp, "--quiet",
                     "--links", links, "--silhouette"])
        rows = read(os.path.join(tmp, "assignments.csv"))[1:]
        score = nmi([r[1] for r in rows], [r[3] for r in rows])
        print(f"classic4 -k 4: NMI {score:.4f} over {len(rows)} documents")
        check(len(rows) == 5478, f"{len(rows)} documents, want 5478")
        check(score >= 0.70, f"NMI {score:.4f} >= 0.70")
        summary = dict(read(os.path.join(tmp, "summary.csv"))[1:])
        check(abs(float(summary["nmi"]) - score) < 1e-5, f"summary nmi {summary['nmi']} = {score}")
        check(-1 <= float(summary.get("silhouette", "nan")) <= 1, "silhouette in [-1, 1]")
        p = run(binary, ["evaluate", "--labels", corpus, "--links", links,
                         "--assignments", os.path.join(tmp, "assignments.csv"),
                         "--related", os.path.join(tmp, "related.csv")])
        scores = dict(r for r in csv.reader(p.stdout.splitlines()[1:]))
        for key in ["nmi", "ari", "v_measure", "purity", "label_precision_at_top",
                    "link_precision_at_top", "link_recall_at_top", "link_queries"]:
            check(scores.get(key) == summary.get(key),
                  f"evaluate {key} {scores.get(key)} == run's {summary.get(key)}")


def case_evaluate(binary, source):
    """Labels x x y y; clusters perfect; related a:[b,c] b:[a] c:[d] d:[a]; links a-b, c-d.
    Label precision: pairs (a,b)+ (a,c)- (b,a)+ (c,d)+ (d,a)- → 3/5.
    Links (both directions), N = 2: hits a 1, b 1, c 1, d 0 → precision mean(1/2,1/2,1/2,0)
    = 0.375, recall mean(1,1,1,0) = 0.75."""
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "corpus.csv": "id,title,abstract,label\na,t,x,x\nb,t,x,x\nc,t,y,y\nd,t,y,y\n",
            "assignments.csv": "doc_id,cluster,similarity\na,0,1\nb,0,1\nc,1,1\nd,1,1\n",
            "related.csv": "doc_id,rank,related_id,similarity\na,1,b,.9\na,2,c,.1\nb,1,a,.9\n"
                           "c,1,d,.5\nd,1,a,.2\n",
            "links.csv": "source_id,target_id\na,b\nd,c\nzz,a\n",
        }
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        path = lambda name: os.path.join(tmp, name)
        p = run(binary, ["evaluate", "--labels", path("corpus.csv"), "--assignments",
                         path("assignments.csv"), "--related", path("related.csv"),
                         "--links", path("links.csv")])
        got = dict(r for r in csv.reader(p.stdout.splitlines()[1:]))
        want = {"nmi": 1.0, "ari": 1.0, "purity": 1.0, "label_precision_at_top": 0.6,
                "link_precision_at_top": 0.375, "link_recall_at_top": 0.75, "link_queries": 4}
        for key, value in want.items():
            check(key in got and abs(float(got[key]) - value) < 1e-9, f"{key}: {got.get(key)} vs {value}")
        check("1 links skipped: unknown paper id" in p.stderr, f"unknown-id warning: {p.stderr!r}")


if __name__ == "__main__":
    binary, source, case = sys.argv[1:4]
    {"seed": case_seed, "classic4": case_classic4, "evaluate": case_evaluate}[case](binary, source)
    print("failures:", e2e_util.failures)
    sys.exit(1 if e2e_util.failures else 0)
