#!/usr/bin/env python3
"""End-to-end test: the reports do not depend on the order of the input rows
(README, "Output files").

usage: e2e_order.py PAPERCLUST SOURCE_DIR CASE
CASE seed:       datasets/seed_papers.csv (-k 5 --top 5 --silhouette), and
                 `vectorize`: vocabulary.csv the same, tfidf.csv the same rows
                 in the input's order.
CASE classic4:   ../shared/corpora/classic4.csv (-k 4 --top 5 --n-init 1
                 --links cisi_links.csv --silhouette); exits 77 when absent.
CASE duplicates: a corpus made here with repeated ids and texts: the same
                 row three times, one id with three texts, one text under
                 three ids, and rows equal but for their label, their date,
                 or where the title ends; with dates (--time-col), bad ones
                 among them, and --top 1 so that which of two equal papers
                 comes first shows in the label precision.

Each corpus is written again with its rows shuffled by three seeds and in
reverse, and run.  Against the run of the rows as given: assignments.csv has
the same rows (as a set), listed in the order of its own input file; every
other report is the same byte for byte (summary.csv and report.html without
timings, thread count and input name); the closing lines on stderr are the
same once the file name and wall time are taken out; a warning about bad
dates names the first one in its own file, and its line.
"""
import csv
import io
import os
import random
import re
import sys
import tempfile

import e2e_util
from e2e_util import check, read_csv, run, same_reports, RUN_REPORTS

# The cores are shared: OpenMP workers spinning while they wait made each
# short run up to 10 times slower under load.  Waiting does not change results.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SEED_CORPUS = os.path.join(SOURCE, "datasets", "seed_papers.csv")
CORPORA = os.path.join(SOURCE, "..", "shared", "corpora")
ORDERS = ["shuffled (seed 1)", "shuffled (seed 2)", "shuffled (seed 3)", "reversed"]
WARNING = "paperclust: warning: "


def read_rows(path):
    """Header and rows of a CSV file, as strings."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_rows(path, header, rows):
    """Writes the CSV; returns each row's first line number (header = 1)."""
    lines, line = [], 2
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(row)
            f.write(buf.getvalue())
            lines.append(line)
            line += buf.getvalue().count("\n")
    return lines


def reorder(rows, order):
    rows = list(rows)
    if order == "reversed":
        rows.reverse()
    else:
        random.Random(int(order[-2])).shuffle(rows)
    return rows


def closing_lines(stderr, path, out):
    """stderr without warnings, the input's and output's names and the wall time."""
    text = stderr.decode("utf-8").replace(path, "FILE").replace(out, "OUT")
    return [re.sub(r" \([\d.]+ s\)\.$", ".", l) for l in text.splitlines()
            if not l.startswith(WARNING)]


def date_warnings(stderr):
    return [l for l in stderr.decode("utf-8").splitlines()
            if l.startswith(WARNING) and "topics over time" in l]


def first_bad_date(header, rows, lines):
    """What the warning of dates not understood must name: the first such
    date in the file, and its line."""
    at = header.index("date")
    for row, line in zip(rows, lines):
        if row[at] in BAD_DATES:
            return f"(first: '{row[at]}' at line {line})"
    return None


def check_assignments(what, out, base, ids):
    got, want = read_csv(os.path.join(out, "assignments.csv")), \
        read_csv(os.path.join(base, "assignments.csv"))
    check(got[:1] == want[:1], f"{what}: assignments.csv header {got[:1]}, want {want[:1]}")
    check(sorted(got[1:]) == sorted(want[1:]),
          f"{what}: assignments.csv rows differ (as a set): only here "
          f"{sorted(set(map(tuple, got[1:])) - set(map(tuple, want[1:])))[:3]}, only in the "
          f"reference {sorted(set(map(tuple, want[1:])) - set(map(tuple, got[1:])))[:3]}")
    order = [r[0] for r in got[1:]]
    check(order == ids, f"{what}: assignments.csv is not in input order: first ids {order[:5]}, "
                        f"want {ids[:5]}")


def check_orders(tmp, name, header, rows, options, time=False, extra=()):
    """Runs the rows as given and in every order of ORDERS; compares (also
    the reports named in `extra`)."""
    names = [n for n in RUN_REPORTS if n != "assignments.csv"] + list(extra)
    names += ["topics_over_time.csv"] if time else []
    runs = {}
    for order in ["as given"] + ORDERS:
        permuted = rows if order == "as given" else reorder(rows, order)
        tag = order.split()[0] + re.sub(r"\D", "", order)
        path = os.path.join(tmp, f"{name}-{tag}.csv")
        lines = write_rows(path, header, permuted)
        out = os.path.join(tmp, f"out-{name}-{tag}")
        p = run(BINARY, ["run", path, "-o", out] + options)
        if p.returncode != 0:
            return
        runs[order] = (out, path, closing_lines(p.stderr, path, out))
        what = f"{name} {order}"
        if time:
            want = first_bad_date(header, permuted, lines)
            got = [l for l in date_warnings(p.stderr) if "not understood" in l]
            check(len(got) == 1 and got[0].endswith(want),
                  f"{what}: date warning {got}, want one ending {want!r}")
        if order == "as given":
            continue
        base, _, want = runs["as given"]
        same_reports(what, out, base, drop=("input",), names=names)
        check_assignments(what, out, base, [r[0] for r in permuted])
        got = runs[order][2]
        check(got == want, f"{what}: closing lines {got}, want {want}")
        check(len(want) > 2, f"{what}: no closing lines: {want}")


def check_vectorize(tmp, name, header, rows):
    """vectorize --lsa 5: the same vocabulary.csv; tfidf.csv's and lsa.csv's
    rows the same, listed paper by paper in input order."""
    outs = {}
    for order in ["as given", "reversed"]:
        permuted = rows if order == "as given" else reorder(rows, order)
        path = os.path.join(tmp, f"{name}-vec-{order.split()[0]}.csv")
        write_rows(path, header, permuted)
        out = os.path.join(tmp, f"out-{name}-vec-{order.split()[0]}")
        if run(BINARY, ["vectorize", path, "-o", out, "--quiet", "--lsa", "5"]).returncode != 0:
            return
        outs[order] = out
        tfidf = read_csv(os.path.join(out, "tfidf.csv"))[1:]
        listed = [r[0] for i, r in enumerate(tfidf) if i == 0 or tfidf[i - 1][0] != r[0]]
        ids = [r[0] for r in permuted]
        check(listed == [i for i in ids if i in set(listed)],
              f"{name} vectorize {order}: tfidf.csv not in input order: {listed[:5]}, "
              f"want {ids[:5]}")
        lsa = [r[0] for r in read_csv(os.path.join(out, "lsa.csv"))[1:]]
        check(lsa == ids, f"{name} vectorize {order}: lsa.csv not in input order: {lsa[:5]}, "
                          f"want {ids[:5]}")
    got, want = outs["reversed"], outs["as given"]
    same_reports(f"{name} vectorize reversed", got, want, drop=("input",),
                 names=["vocabulary.csv"])
    for report in ("tfidf.csv", "lsa.csv"):
        rows_got = sorted(read_csv(os.path.join(got, report)))
        rows_want = sorted(read_csv(os.path.join(want, report)))
        check(rows_got == rows_want, f"{name} vectorize reversed: {report} rows differ")


def case_seed(tmp):
    header, rows = read_rows(SEED_CORPUS)
    check_orders(tmp, "seed", header, rows, ["-k", "5", "--top", "5", "--silhouette"])
    check_orders(tmp, "seed-bisect", header, rows, ["-k", "2:6", "--method", "bisect", "--top", "5"],
                 extra=["k_sweep.csv"])
    check_vectorize(tmp, "seed", header, rows)


def case_classic4(tmp):
    corpus, links = os.path.join(CORPORA, "classic4.csv"), os.path.join(CORPORA, "cisi_links.csv")
    if not os.path.exists(corpus) or not os.path.exists(links):
        print(f"SKIP: {corpus} or {links} is absent")
        sys.exit(77)
    header, rows = read_rows(corpus)
    check_orders(tmp, "classic4", header, rows, ["-k", "4", "--top", "5", "--n-init", "1",
                                                 "--links", links, "--silhouette"])


TOPICS = {
    "graph": "graph neural network message passing node edge embedding citation",
    "protein": "protein folding structure enzyme residue binding molecular dynamics",
    "market": "stock market price volatility trading order book forecast",
}
BAD_DATES = ["yesterday", "2025-13"]


def duplicates_corpus():
    """id, title, abstract, label, date rows: 10 plain papers per topic, then
    the repeats."""
    rng = random.Random(5)
    rows = []
    text = lambda topic, n=6: " ".join(rng.sample(TOPICS[topic].split(), n))
    for topic in TOPICS:
        for j in range(10):
            rows.append([f"{topic}-{j:02d}", f"{topic} study {j}", text(topic), topic,
                         f"2025-0{1 + j % 4}"])
    same = text("graph")
    rows += [["dup", "graph study", same, "graph", "2025-02"]] * 3     # one row three times
    rows += [["twin", "twin", text(t), "graph", "2025-03"] for t in TOPICS]  # one id, 3 texts
    shared = text("market")
    rows += [[f"copy-{c}", "market copy", shared, "market", "2025-01"] for c in "abc"]
    # equal but for the label; "able" lists one of them first (--top 1)
    tie = text("protein")
    rows += [["lab", "protein lab", tie, label, "2025-04"] for label in ["protein", "market"]]
    rows += [["able", "protein lab", tie, "protein", "2025-04"]]
    when = text("market")
    rows += [["when", "market when", when, "market", d] for d in ["2025-01", "2025-04"]]
    # equal but for where the title ends: the same text, two titles
    words = text("protein").split()
    rows += [["split", "", " ".join(words[:2]) + "\n" + " ".join(words[2:]), "protein", "2025-02"],
             ["split", " ".join(words[:2]), " ".join(words[2:]), "protein", "2025-02"]]
    rows += [[f"bad-{i}", "graph bad date", text("graph"), "graph", d]
             for i, d in enumerate(BAD_DATES + ["", "2025"])]
    return ["id", "title", "abstract", "label", "date"], rows


def case_duplicates(tmp):
    header, rows = duplicates_corpus()
    check_orders(tmp, "duplicates", header, rows,
                 ["-k", "3", "--top", "1", "--time-col", "date", "--period", "month"], time=True)


CASES = {"seed": case_seed, "classic4": case_classic4, "duplicates": case_duplicates}

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        CASES[sys.argv[3]](tmp)
    e2e_util.finish()
