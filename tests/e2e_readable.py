#!/usr/bin/env python3
"""End-to-end tests of what a person reads: the closing lines of a run, the
label columns, and the topics over time (--time-col, --period).

usage: e2e_readable.py PAPERCLUST SOURCE_DIR CASE
CASE lines:   the seed corpus without --quiet: the closing lines on stderr say
              what clusters.csv and summary.csv say (papers, terms, sizes,
              labels, where the reports are); with --quiet, nothing at all.
CASE time:    a hand-made corpus with dates of every accepted form and some
              bad ones: topics_over_time.csv and clusters.csv's trend against
              counts and a weighted least-squares slope computed here from
              assignments.csv and the dates; one warning per kind of bad date;
              the rising/falling lines; --period week/quarter/year labels; an
              old topics_over_time.csv removed by a run without --time-col.
"""
import csv
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

import e2e_util
from e2e_util import check, read_csv, run

BINARY, SOURCE = sys.argv[1], sys.argv[2]
SEED_CORPUS = os.path.join(SOURCE, "datasets", "seed_papers.csv")


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def case_lines():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        p = run(BINARY, ["run", SEED_CORPUS, "-k", "5", "-o", out])
        if p.returncode != 0:
            return
        err = p.stderr.decode("utf-8").splitlines()
        clusters = rows(os.path.join(out, "clusters.csv"))
        summary = {r["key"]: r["value"] for r in rows(os.path.join(out, "summary.csv"))}
        want_first = (f"Read {summary['documents']} papers from {SEED_CORPUS}; kept "
                      f"{int(summary['terms']):,} terms.")
        check(err and err[0] == want_first, f"first line {err[:1]}, want {want_first!r}")
        check(len(err) > 1 and err[1] == "5 clusters, largest first:",
              f"second line {err[1:2]}")
        for c, row in enumerate(clusters):
            line = err[2 + c] if len(err) > 2 + c else ""
            m = re.fullmatch(r"\s+(\d+)\s+([\d,]+)\s+(.*)", line)
            check(m and int(m.group(1)) == c and m.group(2).replace(",", "") == row["size"]
                  and m.group(3) == row["label"],
                  f"cluster line {line!r}, want {c} {row['size']} {row['label']!r}")
        last = err[-1] if err else ""
        check(re.fullmatch(re.escape(f"Reports in {out}/: assignments.csv, clusters.csv, "
                                     f"cluster_terms.csv, related.csv, summary.csv, "
                                     f"report.html, tree.csv (") + r"[\d.]+ s\)\.", last) is not None,
              f"last line {last!r}")
        check(len(err) == 2 + len(clusters) + 1, f"{len(err)} lines: {err}")
        # a sweep says which k it chose, among how many, and lists k_sweep.csv
        p = run(BINARY, ["run", SEED_CORPUS, "-k", "3:9:3", "-o", out])
        err = p.stderr.decode("utf-8").splitlines()
        summary = {r["key"]: r["value"] for r in rows(os.path.join(out, "summary.csv"))}
        want = (f"k = {summary.get('k_chosen')} chosen among 3 values from 3 to 9 by the "
                f"silhouette (every one in k_sweep.csv).")
        k = int(summary.get("k_chosen", 0))
        check(len(err) > 2 + k and err[2 + k] == want, f"line after the clusters {err[2 + k:3 + k]}, "
              f"want {want!r}")
        check(err and err[-1].startswith(f"Reports in {out}/: ") and
              ", report.html, tree.csv, k_sweep.csv (" in err[-1], f"last line {err[-1:]}")
        labels = [r["label"] for r in clusters]
        check(all(labels) and len(set(labels)) == len(labels), f"labels {labels}")
        q = run(BINARY, ["run", SEED_CORPUS, "-k", "5", "-o", out, "--quiet"])
        check(q.stderr == b"", f"--quiet: stderr {q.stderr!r}")


# Three topics whose papers grow, shrink and stay over four months.
TOPICS = {
    "graph": "graph neural networks message passing over graphs",
    "protein": "protein folding structure prediction for proteins",
    "market": "stock market prices volatility in markets",
}
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]
PER_MONTH = {"graph": [10, 20, 30, 40], "protein": [40, 30, 20, 10], "market": [25, 25, 25, 25]}


def date_forms(month, i):
    """The same month written in every accepted form, by turns."""
    y, m = month.split("-")
    forms = [f"{month}", f"{month}-{(i % 27) + 1:02d}", f"{month}-{(i % 27) + 1:02d}T10:22:00Z",
             f"{month}-05 08:00", f"{y[2:]}{m}.{10000 + i:05d}", f"arXiv:{y[2:]}{m}.{20000 + i}v2",
             f" {month}-11T23:30-05:00 "]
    return forms[i % len(forms)]


def time_corpus(path):
    rng = random.Random(3)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "abstract", "date"])
        n = 0
        for mi, month in enumerate(MONTHS):
            for topic, counts in PER_MONTH.items():
                for _ in range(counts[mi]):
                    words = TOPICS[topic].split()
                    rng.shuffle(words)
                    w.writerow([f"p{n}", f"{topic} study {n}", " ".join(words),
                                date_forms(month, n)])
                    n += 1
        # bad dates: not understood, missing, and (for weeks) too coarse
        for bad in ["yesterday", "2025-13", "2025-02-30"]:
            w.writerow([f"bad{bad}", "graph study", TOPICS["graph"], bad])
        w.writerow(["nodate", "market study", TOPICS["market"], ""])


def weighted_slope(counts, papers, trended):
    """Least-squares slope of share over period index, weighted by papers."""
    xs = [i for i, t in enumerate(trended) if t]
    w = [papers[i] for i in xs]
    y = [counts[i] / papers[i] for i in xs]
    sw = sum(w)
    mx = sum(wi * x for wi, x in zip(w, xs)) / sw
    my = sum(wi * yi for wi, yi in zip(w, y)) / sw
    num = sum(wi * (x - mx) * (yi - my) for wi, x, yi in zip(w, xs, y))
    den = sum(wi * (x - mx) ** 2 for wi, x in zip(w, xs))
    return num / den


def case_time():
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "dated.csv")
        time_corpus(corpus)
        dates = {r["id"]: r["date"] for r in rows(corpus)}
        out = os.path.join(tmp, "out")
        p = run(BINARY, ["run", corpus, "-k", "3", "--time-col", "date", "-o", out])
        if p.returncode != 0:
            return
        err = p.stderr.decode("utf-8").splitlines()
        warn = [l for l in err if l.startswith("paperclust: warning:")]
        check(any("3 dates not understood" in l and "'yesterday'" in l for l in warn),
              f"warning for bad dates: {warn}")
        check(any("1 paper without a date" in l for l in warn), f"warning for no date: {warn}")
        assign = {r["doc_id"]: int(r["cluster"]) for r in rows(os.path.join(out, "assignments.csv"))}
        # independent table: month of each good paper from the date text
        counts = defaultdict(Counter)
        for doc, c in assign.items():
            if not doc.startswith("p"):  # the bad and missing dates
                continue
            d = dates[doc].strip()
            m = re.match(r"(?:arXiv:)?(\d\d)(\d\d)\.\d+", d)
            month = f"20{m.group(1)}-{m.group(2)}" if m else d[:7]
            if month in MONTHS:
                counts[month][c] += 1
        table = rows(os.path.join(out, "topics_over_time.csv"))
        k = 3
        check(len(table) == len(MONTHS) * k, f"{len(table)} rows, want {len(MONTHS) * k}")
        for r in table:
            want = counts[r["period"]][int(r["cluster"])]
            total = sum(counts[r["period"]].values())
            check(int(r["papers"]) == want and abs(float(r["share"]) - want / total) < 1e-6
                  and r["in_trend"] == "1",
                  f"row {r}: want papers {want}, share {want / total:.6f}")
        clusters = rows(os.path.join(out, "clusters.csv"))
        papers = [sum(counts[m].values()) for m in MONTHS]
        slopes = {}
        for c, row in enumerate(clusters):
            want = weighted_slope([counts[m][c] for m in MONTHS], papers, [1] * len(MONTHS))
            slopes[c] = want
            check(abs(float(row["trend"]) - want) < 1e-6,
                  f"cluster {c} trend {row['trend']}, computed {want:.6f}")
        summary = {r["key"]: r["value"] for r in rows(os.path.join(out, "summary.csv"))}
        check(summary.get("dated_papers") == str(sum(papers)) and summary.get("periods") == "4"
              and summary.get("period") == "month", f"summary {summary}")
        rising = max(slopes, key=slopes.get)
        falling = min(slopes, key=slopes.get)
        rise_line = [l for l in err if l.startswith("Rising:")]
        fall_line = [l for l in err if l.startswith("Falling:")]
        check(rise_line and rise_line[0].startswith(f"Rising: {rising} "),
              f"rising {rise_line}, want cluster {rising} first ({slopes})")
        check(fall_line and fall_line[0].startswith(f"Falling: {falling} "),
              f"falling {fall_line}, want cluster {falling} first")
        # other periods: labels, and dates too coarse for weeks
        for period, pattern in [("quarter", r"2025-Q1|2025-Q2"), ("year", r"2025"),
                                ("week", r"2025-W\d\d")]:
            q = run(BINARY, ["run", corpus, "-k", "3", "--time-col", "date", "--period", period,
                             "-o", out, "--quiet"])
            if q.returncode != 0:
                continue
            labels = {r["period"] for r in rows(os.path.join(out, "topics_over_time.csv"))}
            check(labels and all(re.fullmatch(pattern, l) for l in labels),
                  f"--period {period}: labels {sorted(labels)}")
        q = run(BINARY, ["run", corpus, "-k", "3", "--time-col", "date", "--period", "week",
                         "-o", out])
        coarse = [l for l in q.stderr.decode().splitlines() if "too coarse for --period week" in l]
        check(len(coarse) == 1, f"--period week: one warning for coarse dates: {coarse}")
        q = run(BINARY, ["run", corpus, "-k", "3", "--period", "fortnight", "-o", out],
                status=2)
        check(b"--period" in q.stderr, f"bad --period: {q.stderr!r}")
        # a run without --time-col leaves no stale topics_over_time.csv
        run(BINARY, ["run", corpus, "-k", "3", "-o", out, "--quiet"])
        check(not os.path.exists(os.path.join(out, "topics_over_time.csv")),
              "topics_over_time.csv of an earlier run left behind")
        header = list(rows(os.path.join(out, "clusters.csv"))[0].keys())
        check("trend" not in header, f"clusters.csv without --time-col: {header}")
        q = run(BINARY, ["run", corpus, "-k", "3", "--time-col", "when", "-o", out, "--quiet"],
                status=1)
        check(b'"when"' in q.stderr, f"missing date column: {q.stderr!r}")


if __name__ == "__main__":
    {"lines": case_lines, "time": case_time}[sys.argv[3]]()
    e2e_util.finish()
