#!/usr/bin/env python3
"""End-to-end test: approximate related papers (--related approx, README
"Large corpora").

usage: e2e_approx.py PAPERCLUST SOURCE_DIR CASE
CASE seed:     datasets/seed_papers.csv, 7 partitions (52 papers, so the
               recall sample is every paper).  Probing all 7 partitions gives
               exactly the exact run's related.csv; probing 2 gives a recall
               estimate equal (to 1e-6) to the recall computed here from the
               exact and approximate related.csv; threads 1 and 3 give the
               same reports; shuffled and reversed input rows give the same
               reports; summary.csv's rows; bad option combinations are
               refused with one line.
CASE classic4: ../shared/corpora/classic4.csv (exits 77 when absent): the
               estimate on its 1000-paper sample within 0.04 of the recall over
               all 5478 papers computed here (four standard errors of a
               1000-paper mean), below 1 and above 0.5 at --probe 3.

The recall computed here: recall_i = |{j in approx_i : sim(i, j) >= the lowest
similarity of exact_i}| / |exact_i|, 1 when exact_i is empty (summary.csv's
definition), from the printed similarities.
"""
import csv
import os
import random
import sys
import tempfile

import e2e_util
from e2e_util import check, run, same_reports, summary, RUN_REPORTS

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # shared cores: see e2e_order.py
BINARY, SOURCE, CASE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
SEED_CORPUS = os.path.join(SOURCE, "datasets", "seed_papers.csv")
CLASSIC4 = os.path.join(SOURCE, "..", "shared", "corpora", "classic4.csv")
REPORTS = [r for r in RUN_REPORTS if r != "report.html"]


def lists(out):
    found = {}
    with open(os.path.join(out, "related.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["doc_id"], []).append(float(row["similarity"]))
    return found


def recall(exact_out, approx_out, papers):
    exact, approx = lists(exact_out), lists(approx_out)
    total = 0.0
    for doc in papers:
        best = exact.get(doc, [])
        if not best:
            total += 1.0
            continue
        total += sum(1 for s in approx.get(doc, []) if s >= best[-1]) / len(best)
    return total / len(papers)


def ids(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r["id"] for r in csv.DictReader(f)]


def paperclust(tmp, name, corpus, *args, status=0):
    out = os.path.join(tmp, name)
    p = run(BINARY, ["run", corpus, "-o", out, "--quiet", "--no-html", "-k", "4"] + list(args),
            status=status)
    return out if status == 0 else p.stderr.decode("utf-8", "replace")


def seed(tmp):
    approx = ["--top", "5", "--related", "approx", "--partitions", "7"]
    exact = paperclust(tmp, "exact", SEED_CORPUS, "--top", "5")
    every = paperclust(tmp, "all7", SEED_CORPUS, *approx, "--probe", "7")
    with open(os.path.join(exact, "related.csv"), "rb") as a, \
         open(os.path.join(every, "related.csv"), "rb") as b:
        check(a.read() == b.read(), "probing all 7 partitions: related.csv differs from exact")
    two = paperclust(tmp, "probe2", SEED_CORPUS, *approx, "--probe", "2", "--threads", "1")
    s = summary(two)
    papers = ids(SEED_CORPUS)
    want = recall(exact, two, papers)
    got = float(s.get("related_recall_estimate", "nan"))
    check(abs(got - want) < 1e-6, f"seed --probe 2: estimate {got}, recall from related.csv {want}")
    check(want < 1.0, f"seed --probe 2 of 7 found every exact neighbour (recall {want})")
    for key, value in (("related", "approx"), ("probe", "2"), ("partitions", "7"),
                       ("related_recall_sample", str(len(papers)))):
        check(s.get(key) == value, f"summary {key}: {s.get(key)!r}, want {value!r}")
    check(summary(exact).get("related") == "exact", "exact run: summary related != exact")
    check("probe" not in summary(exact), "exact run: summary has a probe row")
    three = paperclust(tmp, "probe2t3", SEED_CORPUS, *approx, "--probe", "2", "--threads", "3")
    same_reports("--threads 3 against 1", three, two, names=REPORTS)
    with open(SEED_CORPUS, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for order in ("shuffled", "reversed"):
        body = rows[1:]
        if order == "reversed":
            body.reverse()
        else:
            random.Random(5).shuffle(body)
        path = os.path.join(tmp, order + ".csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows([rows[0]] + body)
        moved = paperclust(tmp, order, path, *approx, "--probe", "2")
        same_reports(order + " rows", moved, two, names=[r for r in REPORTS
                                                          if r != "assignments.csv"])
    bad = [(["--probe", "0"] + approx, "--probe"),
           (["--probe", "3"], "need --related approx"),
           (["--partitions", "3"], "need --related approx"),
           (["--related", "approx", "--similarity", "lsa", "--lsa", "5"], "TF-IDF cosine only"),
           (["--related", "approx", "--feedback", "2"], "--feedback"),
           (["--related", "approximate"], "exact or approx")]
    for args, words in bad:
        err = paperclust(tmp, "bad", SEED_CORPUS, *args, status=2)
        lines = err.strip().splitlines()
        check(len(lines) == 1 and words in err, f"{args}: want one line with {words!r}: {err!r}")


def classic4(tmp):
    if not os.path.exists(CLASSIC4):
        print("SKIP: ../shared/corpora/classic4.csv is absent")
        sys.exit(77)
    exact = paperclust(tmp, "exact", CLASSIC4, "--top", "10", "--n-init", "1")
    approx = paperclust(tmp, "approx", CLASSIC4, "--top", "10", "--n-init", "1",
                        "--related", "approx", "--probe", "3")
    s = summary(approx)
    want = recall(exact, approx, ids(CLASSIC4))
    got = float(s.get("related_recall_estimate", "nan"))
    check(s.get("related_recall_sample") == "1000", f"sample {s.get('related_recall_sample')}")
    check(abs(got - want) < 0.04, f"classic4 --probe 3: estimate {got}, all papers {want}")
    check(0.5 < want < 1.0, f"classic4 --probe 3: recall {want} outside 0.5 .. 1")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        {"seed": seed, "classic4": classic4}[CASE](tmp)
    e2e_util.finish()


if __name__ == "__main__":
    main()
