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
               refused with one line.  --refine 2 after --probe 2: recall
               above probing alone and the estimate equal to the recall
               from related.csv; every listed similarity the exact run's
               (printed) for that pair; threads 1 and 3 the same reports.
               --index terms: with --mass 1 and every paper a candidate,
               exactly the exact run's related.csv; with --mass 0.3
               --candidates 6, a recall below 1 and the estimate equal to
               the recall from related.csv, exact similarities, the
               summary's rows, threads 1 and 3 the same reports.
CASE classic4: ../shared/corpora/classic4.csv (exits 77 when absent): the
               estimate on its 1000-paper sample within 0.04 of the recall over
               all 5478 papers computed here (four standard errors of a
               1000-paper mean), below 1 and above 0.5 at --probe 3;
               --probe 2 --refine 3: recall above 0.9 and at least 0.25
               above --probe 2 alone, estimate within 0.04; --index terms
               (its defaults): recall from 0.9 to 1, estimate within 0.04.

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
    refine_checks(tmp, exact, approx, papers, two)
    terms_checks(tmp, exact, papers)
    bad = [(["--probe", "0"] + approx, "--probe"),
           (["--refine", "2"], "--refine needs --related approx"),
           (["--candidates", "8"] + approx, "--candidates needs --refine"),
           (["--refine", "0"] + approx, "--refine"),
           (["--probe", "3"], "need --related approx"),
           (["--partitions", "3"], "need --related approx"),
           (["--related", "approx", "--similarity", "lsa", "--lsa", "5"], "TF-IDF cosine only"),
           (["--related", "approx", "--feedback", "2"], "--feedback"),
           (["--related", "approximate"], "exact or approx"),
           (["--index", "terms"], "--index and --mass need --related approx"),
           (["--related", "approx", "--mass", "0.5"], "--mass needs --index terms"),
           (["--related", "approx", "--index", "terms", "--mass", "0"], "--mass must be above 0"),
           (["--related", "approx", "--index", "terms", "--mass", "1.5"], "at most 1"),
           (["--related", "approx", "--index", "terms", "--probe", "3"], "not terms"),
           (["--related", "approx", "--index", "terms", "--refine", "2"], "not terms"),
           (["--related", "approx", "--index", "trees"], "partitions or terms")]
    for args, words in bad:
        err = paperclust(tmp, "bad", SEED_CORPUS, *args, status=2)
        lines = err.strip().splitlines()
        check(len(lines) == 1 and words in err, f"{args}: want one line with {words!r}: {err!r}")


def pairs(out):
    with open(os.path.join(out, "related.csv"), newline="", encoding="utf-8") as f:
        return {(r["doc_id"], r["related_id"]): r["similarity"] for r in csv.DictReader(f)}


def refine_checks(tmp, exact, approx, papers, probed):
    """--refine after a poor probe: better lists, exact similarities, any thread count."""
    one = paperclust(tmp, "refine1", SEED_CORPUS, *approx, "--probe", "2", "--refine", "2",
                     "--candidates", "8", "--threads", "1")
    base = probed
    s = summary(one)
    want, before = recall(exact, one, papers), recall(exact, base, papers)
    got = float(s.get("related_recall_estimate", "nan"))
    check(abs(got - want) < 1e-6, f"seed --refine 2: estimate {got}, recall from related.csv {want}")
    check(want > before, f"seed --refine 2: recall {want}, probing alone {before}")
    for key, value in (("refine", "2"), ("candidates", "8"), ("probe", "2")):
        check(s.get(key) == value, f"summary {key}: {s.get(key)!r}, want {value!r}")
    check("refine" not in summary(probed), "--probe 2 run without --refine: summary has refine")
    rounds = int(s.get("refine_rounds", "0"))
    check(1 <= rounds <= 2, f"refine_rounds {rounds}")
    all_pairs = pairs(paperclust(tmp, "exact51", SEED_CORPUS, "--top", "51"))
    wrong = [(k, v, all_pairs.get(k)) for k, v in pairs(one).items() if all_pairs.get(k) != v]
    check(not wrong, f"--refine: similarities unlike the exact run's: {wrong[:3]}")
    three = paperclust(tmp, "refine3", SEED_CORPUS, *approx, "--probe", "2", "--refine", "2",
                       "--candidates", "8", "--threads", "3")
    same_reports("--refine, --threads 3 against 1", three, one, names=REPORTS)


def terms_checks(tmp, exact, papers):
    """--index terms: every candidate scored is the exact run; a cut and few candidates lose
    some neighbours, with the estimate equal to the recall from related.csv, exact
    similarities, the summary's rows and any thread count."""
    terms = ["--top", "5", "--related", "approx", "--index", "terms"]
    whole = paperclust(tmp, "terms-whole", SEED_CORPUS, *terms, "--mass", "1", "--candidates", "51")
    with open(os.path.join(exact, "related.csv"), "rb") as a, \
         open(os.path.join(whole, "related.csv"), "rb") as b:
        check(a.read() == b.read(), "--index terms --mass 1 --candidates 51: related.csv differs "
                                    "from exact")
    one = paperclust(tmp, "terms1", SEED_CORPUS, *terms, "--mass", "0.3", "--candidates", "6",
                     "--threads", "1")
    s = summary(one)
    want = recall(exact, one, papers)
    got = float(s.get("related_recall_estimate", "nan"))
    check(abs(got - want) < 1e-6, f"--index terms: estimate {got}, recall from related.csv {want}")
    check(0.3 < want < 1.0, f"--index terms --mass 0.3 --candidates 6: recall {want}")
    for key, value in (("related", "approx"), ("index", "terms"), ("mass", "0.3"),
                       ("candidates", "6"), ("related_recall_sample", str(len(papers)))):
        check(s.get(key) == value, f"--index terms: summary {key}: {s.get(key)!r}, want {value!r}")
    for key in ("probe", "partitions", "refine", "seconds_related_partitions"):
        check(key not in s, f"--index terms: summary has a {key} row")
    default = summary(paperclust(tmp, "terms-default", SEED_CORPUS, *terms))
    check(default.get("mass") == "0.6" and default.get("candidates") == "200",
          f"--index terms defaults: mass {default.get('mass')}, candidates {default.get('candidates')}")
    all_pairs = pairs(paperclust(tmp, "exact51t", SEED_CORPUS, "--top", "51"))
    wrong = [(k, v, all_pairs.get(k)) for k, v in pairs(one).items() if all_pairs.get(k) != v]
    check(not wrong, f"--index terms: similarities unlike the exact run's: {wrong[:3]}")
    three = paperclust(tmp, "terms3", SEED_CORPUS, *terms, "--mass", "0.3", "--candidates", "6",
                       "--threads", "3")
    same_reports("--index terms, --threads 3 against 1", three, one, names=REPORTS)


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
    args = ["--top", "10", "--n-init", "1", "--related", "approx", "--probe", "2"]
    probed = recall(exact, paperclust(tmp, "probe2", CLASSIC4, *args), ids(CLASSIC4))
    refined = paperclust(tmp, "refine3", CLASSIC4, *args, "--refine", "3")
    want = recall(exact, refined, ids(CLASSIC4))
    got = float(summary(refined).get("related_recall_estimate", "nan"))
    check(abs(got - want) < 0.04, f"classic4 --refine 3: estimate {got}, all papers {want}")
    check(want > 0.9 and want > probed + 0.25,
          f"classic4 --probe 2 --refine 3: recall {want}, probing alone {probed}")
    terms = paperclust(tmp, "terms", CLASSIC4, "--top", "10", "--n-init", "1", "--related",
                       "approx", "--index", "terms")
    want = recall(exact, terms, ids(CLASSIC4))
    got = float(summary(terms).get("related_recall_estimate", "nan"))
    check(abs(got - want) < 0.04, f"classic4 --index terms: estimate {got}, all papers {want}")
    check(0.9 < want < 1.0, f"classic4 --index terms: recall {want} outside 0.9 .. 1")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        {"seed": seed, "classic4": classic4}[CASE](tmp)
    e2e_util.finish()


if __name__ == "__main__":
    main()
