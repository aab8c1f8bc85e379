#!/usr/bin/env python3
"""Bad input, degenerate corpora, faults: the real binary must give a clear
one-line error and a documented exit status (0 ok, 1 data/runtime, 2 usage),
or a well-defined result; never a crash, a NaN, or a half-written report.

usage: e2e_errors.py PAPERCLUST SOURCE_DIR [GROUP]
GROUP errors (the default): README's "Bad input" table: bad and degenerate
      corpora, an unwritable output folder, bad values given to `evaluate`.
GROUP disk_full: the output folder's file system fills up before the first
      report, in the middle of the set, or has no free inode (small tmpfs
      mounts, which need root).
GROUP out_of_memory: classic4 under address-space limits (ulimit -v) from
      one that suffices down to one the program cannot even load under
      (needs ../shared/corpora; not in sanitizer builds, see there).
GROUP interrupt: SIGINT and SIGTERM sent when the progress display, drawn on
      a pseudo-terminal, shows k-means, related papers or report writing.
A group that cannot run here exits 77, CTest's skip, saying why.

Each case runs the binary in a folder that already holds reports from a good
run and checks the exit status, stderr (valid UTF-8, one line per message),
that no temporary file is left, that the old reports are untouched after a
failure, and after a success what the new ones hold: the ids in
assignments.csv, the document count in summary.csv and clusters.csv, and the
rows of related.csv, computed here from the text by README's definitions.
"""
import collections
import contextlib
import csv
import errno
import math
import os
import random
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time

import e2e_util
from e2e_util import check

BINARY = sys.argv[1]
SOURCE = sys.argv[2]
CLASSIC4 = os.path.join(SOURCE, "..", "shared", "corpora", "classic4.csv")
REPORTS = ["assignments.csv", "clusters.csv", "cluster_terms.csv", "related.csv", "summary.csv"]
SKIP = 77
HEADER = "id,title,abstract\n"
# the good corpus: (id, title, abstract)
GOOD_ROWS = [(f"g{i}", f"{t} study", f"{t} methods for {t} data")
             for i, t in enumerate(["graph", "protein", "graph", "protein", "market", "market"])]
GOOD = HEADER + "".join(",".join(row) + "\n" for row in GOOD_ROWS)
GOOD_IDS = [row[0] for row in GOOD_ROWS]
GOOD_TEXTS = [f"{row[1]}\n{row[2]}" for row in GOOD_ROWS]


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def snapshot(out):
    got = {}
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name), "rb") as f:
            got[name] = f.read()
    return got


def leftovers(out):
    return [n for n in os.listdir(out) if ".tmp-" in n]


def read_rows(out, name):
    with open(os.path.join(out, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def stderr_lines(name, raw):
    """stderr as lines; checks that it is valid UTF-8 (status.h's promise)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{name}: stderr is not valid UTF-8 ({e}): {raw!r}")
        text = raw.decode("utf-8", errors="replace")
    return text.strip().splitlines()  # also splits at U+0085, U+2028, U+2029


def good_run(out):
    """Fills `out` with the reports of a good run: the earlier reports."""
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        subprocess.run([BINARY, "run", good, "-k", "2", "-o", out, "--quiet"], check=True,
                       capture_output=True)


# ---- what a successful run must have written, computed independently ----

# The words of the built-in stop list (scikit-learn's English list) that the
# corpora of these cases use; every other word they use is not a stop word.
STOP_WORDS = {"and", "detail", "for", "in", "many", "of", "on", "same", "the", "too", "we",
              "with"}


def tokens(text):
    """README's terms of an ASCII text: runs of letters and digits, lower-cased,
    at least 2 characters, stop words removed."""
    return [w for w in re.findall(r"[a-z0-9]+", text.lower())
            if len(w) >= 2 and w not in STOP_WORDS]


def tfidf(texts, bounds=None):
    """README's TF-IDF rows of the texts, {term: weight}, unit length: tf
    1 + ln(count), idf ln((1+n)/(1+df)) + 1, terms kept when min_df <= df <=
    max_df·n, bounds (min_df, max_df) as given, or None for the defaults (2,
    0.5), which README relaxes: with fewer than 4 documents every term is
    kept; where they leave no term, max-df becomes 1.0, then min-df 1."""
    n = len(texts)
    counts = [collections.Counter(tokens(t)) for t in texts]
    df = collections.Counter(term for c in counts for term in c)
    min_df, max_df = bounds or (2, 0.5)
    if bounds is None:
        kept = lambda low, high: any(low <= d <= high * n for d in df.values())
        if n < 4:
            min_df, max_df = 1, 1.0
        elif not kept(min_df, max_df):
            max_df = 1.0
            min_df = min_df if kept(min_df, max_df) else 1
    rows = []
    for c in counts:
        w = {t: (1 + math.log(k)) * (math.log((1 + n) / (1 + df[t])) + 1)
             for t, k in c.items() if min_df <= df[t] <= max_df * n}
        norm = math.sqrt(sum(v * v for v in w.values()))
        rows.append({t: v / norm for t, v in w.items()})
    return rows


def related_lists(rows):
    """related.csv's rows in file order, cut into one list per paper (a list
    starts at rank 1): [(doc_id, [(related_id, similarity), ...]), ...]."""
    lists = []
    for r in rows:
        if r["rank"] == "1":
            lists.append((r["doc_id"], []))
        if not lists or r["doc_id"] != lists[-1][0] or int(r["rank"]) != len(lists[-1][1]) + 1:
            return None
        lists[-1][1].append((r["related_id"], float(r["similarity"])))
    return lists


def expect_reports(ids, texts, top=10, df=None):
    """inspect(name, out) for a successful run on papers `ids` with `texts`
    (title + newline + abstract), with the df bounds `df` given on the
    command line (None: the defaults): assignments.csv lists the ids in input
    order; summary.csv's documents and clusters.csv's sizes count them;
    papers with no term left are in cluster 0 with similarity 0; related.csv
    lists for each paper the `top` most similar of the other papers it shares
    a kept term with (all of them in these small corpora), rank 1 first, with
    the cosine of README's TF-IDF vectors, to 1e-5."""
    rows = tfidf(texts, df)
    want = collections.defaultdict(list)  # doc_id -> [(related_id, similarity)]
    for i, doc in enumerate(ids):
        sims = [(sum(w * rows[j].get(t, 0.0) for t, w in rows[i].items()), j)
                for j in range(len(ids)) if j != i and rows[i].keys() & rows[j].keys()]
        sims.sort(key=lambda s: (-s[0], ids[s[1]], texts[s[1]]))  # ties: by id, then text
        want[doc] += [(ids[j], s) for s, j in sims[:top]]

    def inspect(name, out):
        assign = read_rows(out, "assignments.csv")
        got_ids = [r["doc_id"] for r in assign]
        check(got_ids == ids, f"{name}: assignments.csv ids {got_ids}, want {ids}")
        empty = [(r["doc_id"], r["cluster"], r["similarity"])
                 for r, terms in zip(assign, rows) if not terms]
        check(all(c == "0" and float(s) == 0.0 for _, c, s in empty),
              f"{name}: papers with no term left (doc_id, cluster, similarity): {empty}, "
              f"want cluster 0 and similarity 0")
        summary = {r["key"]: r["value"] for r in read_rows(out, "summary.csv")}
        check(summary.get("documents") == str(len(ids)),
              f"{name}: summary.csv documents {summary.get('documents')}, want {len(ids)}")
        sizes = [int(r["size"]) for r in read_rows(out, "clusters.csv")]
        check(sum(sizes) == len(ids), f"{name}: clusters.csv sizes {sizes}, want {len(ids)} in all")
        related = read_rows(out, "related.csv")
        lists = related_lists(related)
        check(lists is not None, f"{name}: related.csv is not one list per paper with ranks "
              f"1, 2, ...: {[(r['doc_id'], r['rank']) for r in related]}")
        got = collections.defaultdict(list)
        for doc, entries in lists or []:
            check(all(a[1] >= b[1] for a, b in zip(entries, entries[1:])),
                  f"{name}: related.csv of {doc} not by decreasing similarity: {entries}")
            got[doc] += entries
        for doc in sorted(set(want) | set(got)):
            g, w = sorted(got[doc]), sorted(want[doc])
            same = len(g) == len(w) and all(a[0] == b[0] and abs(a[1] - b[1]) < 1e-5
                                            for a, b in zip(g, w))
            check(same, f"{name}: related.csv of {doc}: {g}, want {[(i, round(s, 6)) for i, s in w]}")
    return inspect


# ---- the ordinary cases ----

def case(name, data, args, status, message=None, warning=None, binary_data=False, lines=None,
         expect=None):
    """Runs `paperclust run FILE args` where FILE holds data; checks the outcome.
    lines: how many lines stderr must have in all; expect: for a success, the
    inspect function of expect_reports (required)."""
    assert (status == 0) == (expect is not None), f"{name}: a success needs expect"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        good_run(out)
        before = snapshot(out)
        path = os.path.join(tmp, "input.csv")
        with open(path, "wb" if binary_data else "w") as f:
            f.write(data)
        p = subprocess.run([BINARY, "run", path, "-o", out, "--quiet"] + args,
                           capture_output=True, timeout=120)
        err = stderr_lines(name, p.stderr)
        errors = [l for l in err if not l.startswith("paperclust: warning:")]
        check(p.returncode == status, f"{name}: exit {p.returncode}, want {status}; stderr {err}")
        if lines is not None:
            check(len(err) == lines, f"{name}: {len(err)} stderr lines, want {lines}: {err}")
        if status != 0:
            check(len(errors) == 1 and errors[0].startswith("paperclust: "),
                  f"{name}: one error line, got {errors}")
            check(snapshot(out) == before, f"{name}: earlier reports changed")
        if message:
            check(any(message in l for l in errors), f"{name}: error {errors} lacks {message!r}")
        if warning:
            check(any(warning in l for l in err if "warning" in l),
                  f"{name}: warnings {err} lack {warning!r}")
        check(not leftovers(out), f"{name}: temporary files left: {leftovers(out)}")
        if status == 0 and p.returncode == 0:
            for n in REPORTS:
                with open(os.path.join(out, n), "rb") as f:
                    text = f.read()
                check(b"nan" not in text.lower().replace(b"nano", b""), f"{name}: NaN in {n}")
                try:
                    text.decode("utf-8")
                except UnicodeDecodeError:
                    check(False, f"{name}: {n} is not valid UTF-8")
            expect(name, out)


def errors_group():
    header = HEADER
    good = expect_reports(GOOD_IDS, GOOD_TEXTS)
    # usage errors: exit 2
    case("k zero", GOOD, ["-k", "0"], 2, "-k expects a whole number")
    case("k negative", GOOD, ["-k", "-3"], 2, "-k expects a whole number")
    case("k above documents", GOOD, ["-k", "7"], 2, "-k 7 is more than the 6 documents")
    case("unknown option", GOOD, ["--frobnicate"], 2, "unknown option --frobnicate")
    case("bad min-df", GOOD, ["--min-df", "-1"], 2, "--min-df")
    case("impossible df bounds", GOOD, ["--min-df", "5", "--max-df", "2"], 2, "min-df asks for")
    case("missing text column", "id,abstract\n1,x\n", [], 1, 'no text column "title"')
    # header names are input: a quoted name with line breaks, invalid UTF-8
    # and an escape sequence is shown escaped, so the error stays one line
    case("header name with line breaks and bad bytes",
         b'id,"ti\r\ntle\nmore",\xff\xfe,"\x1b[2J\xe2\x80\xa8"\n1,2,3,4\n', [], 1,
         'no text column "title" (the input has: id, ti\\r\\ntle\\nmore, \ufffd\ufffd, '
         '\\x1B[2J\\u2028)', binary_data=True, lines=1)
    # data errors: exit 1, message names file and line
    case("unterminated quote", header + '1,a,"never closed\n2,b,c\n', [], 1,
         "input.csv:2: unterminated quoted field")
    case("empty file", "", [], 1, "input.csv: empty file")
    case("header only", header, [], 1, "only a header row")
    case("only stop words", header + "1,the of,and\n2,a an,the\n", [], 1, "no terms at all")
    case("binary garbage", bytes(random.Random(5).randrange(256) for _ in range(5000)), [], 1,
         "input.csv", binary_data=True)
    # repaired or well-defined: exit 0, a warning where something was changed,
    # and reports that hold what the input says
    case("one document", header + "1,Graph networks,Message passing on graphs\n", [], 0,
         warning="only 1 document", lines=1,
         expect=expect_reports(["1"], ["Graph networks\nMessage passing on graphs"]))
    case("fewer documents than default k", header + "1,alpha beta,x\n2,beta gamma,y\n", [], 0,
         warning="only 2 documents", lines=1,
         expect=expect_reports(["1", "2"], ["alpha beta\nx", "beta gamma\ny"]))
    case("ragged row skipped", GOOD + "9,too,many,fields\n", ["-k", "2"], 0,
         warning="1 row skipped: wrong number of fields (first at line 8)", lines=1, expect=good)
    case("duplicate ids", GOOD + "g0,graph study,graph data\n", ["-k", "2"], 0,
         warning="duplicate id kept", lines=1,
         expect=expect_reports(GOOD_IDS + ["g0"], GOOD_TEXTS + ["graph study\ngraph data"]))
    case("invalid UTF-8 replaced", (GOOD + "z1,bad \xff byte graph,graph\n").encode("latin-1"),
         ["-k", "2"], 0, warning="invalid UTF-8", binary_data=True, lines=1,
         expect=expect_reports(GOOD_IDS + ["z1"], GOOD_TEXTS + ["bad \ufffd byte graph\ngraph"]))
    # the NUL separates two words: z1 shares "zeta" with z2 only if the text
    # goes on after it
    case("NUL byte", (GOOD + "z1,nul\0zeta,graph\nz2,zeta methods,zeta\n").encode(), ["-k", "2"],
         0, warning="NUL", binary_data=True, lines=1,
         expect=expect_reports(GOOD_IDS + ["z1", "z2"],
                               GOOD_TEXTS + ["nul zeta\ngraph", "zeta methods\nzeta"]))
    # a BOM read as part of the header would make the id column "\ufeffid",
    # absent, and the ids row numbers
    case("BOM and CRLF", ("\ufeff" + GOOD.replace("\n", "\r\n")).encode(), ["-k", "2"], 0,
         binary_data=True, lines=0, expect=good)
    case("no trailing newline", GOOD.rstrip("\n"), ["-k", "2"], 0, lines=0, expect=good)
    giant = "graph " * 400000
    case("giant field cut", header + "1,big," + giant + "\n" + GOOD[len(header):],
         ["-k", "2", "--max-doc-bytes", "100000"], 0, warning="longer than 100000 bytes cut",
         lines=1, expect=expect_reports(["1"] + GOOD_IDS, ["big\n" + giant[:99990]] + GOOD_TEXTS))
    # --top above the corpus: every other paper sharing a term is listed, and
    # only those.  t6's words are each in one paper only: it has no term left.
    top_rows = [("t1", "graph neural networks", "graph learning"),
                ("t2", "graph theory", "spectral graph theory"),
                ("t3", "neural protein models", "protein structure"),
                ("t4", "protein structure", "structure prediction"),
                ("t5", "market models", "neural market prediction"),
                ("t6", "weather", "rain")]
    case("top above corpus", header + "".join(",".join(r) + "\n" for r in top_rows),
         ["-k", "2", "--top", "50"], 0, warning="1 of 6 documents have no terms left", lines=1,
         expect=expect_reports([r[0] for r in top_rows], [f"{r[1]}\n{r[2]}" for r in top_rows],
                               top=50))
    # JSON Lines numbers of any size are taken as written
    big_ids = ["123456789012345678901234567890", "1501.00010", "1501.0001", "-0", "2e400",
               "9007199254740993"]
    topics = ["graph", "protein", "graph", "protein", "market", "market"]
    case("JSON Lines numbers beyond 64 bits",
         "".join(f'{{"id": {i}, "title": "{t} study", "abstract": "{t} methods for {t} data"}}\n'
                 for i, t in zip(big_ids, topics)),
         ["--format", "jsonl", "-k", "2"], 0, lines=0, expect=expect_reports(big_ids, GOOD_TEXTS))
    same = header + "".join(f"{i},same words,same\n" for i in range(5))
    case("all documents identical, bounds given", same, ["-k", "3", "--max-df", "0.5"], 1,
         "no terms remain after pruning")
    # default bounds that leave nothing are relaxed, with a warning: the 8
    # shared words are in every paper, the numbers 10-19 in one each
    near_rows = [(str(i), f"Deep learning for graphs {i}",
                  f"We study graph neural networks number {i} in detail") for i in range(20)]
    near = header + "".join(",".join(r) + "\n" for r in near_rows)
    near_expect = expect_reports([r[0] for r in near_rows], [f"{r[1]}\n{r[2]}" for r in near_rows])
    def relaxed(name, out):
        near_expect(name, out)
        summary = {r["key"]: r["value"] for r in read_rows(out, "summary.csv")}
        check(summary.get("terms") == "8",
              f"{name}: {summary.get('terms')} terms, want 8 (the shared words)")
    case("20 near-identical papers, default bounds", near, [], 0, lines=1,
         warning="the default document-frequency bounds leave none of the 18 distinct terms; "
                 "keeping terms found in more than the max-df share", expect=relaxed)
    case("20 near-identical papers, bounds given", near, ["--min-df", "2"], 1,
         "no terms remain after pruning")
    case("all documents identical, all terms kept", same, ["-k", "3", "--max-df", "1.0"], 0,
         lines=0, expect=expect_reports([str(i) for i in range(5)], ["same words\nsame"] * 5,
                                        df=(2, 1.0)))
    unwritable()
    evaluate_bad_values()


def unwritable():
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        blocker = os.path.join(tmp, "file")
        open(blocker, "w").close()
        target = os.path.join(blocker, "out")
        p = subprocess.run([BINARY, "run", good, "-k", "2", "-o", target, "--quiet"],
                           capture_output=True)
        err = stderr_lines("unwritable folder", p.stderr)
        check(p.returncode == 1 and len(err) == 1 and
              err[0].startswith(f"paperclust: {target}: cannot create the output folder"),
              f"unwritable folder: exit {p.returncode}, stderr {err}")


def evaluate_bad_values():
    """`evaluate` quotes a bad cluster or rank from the file it reads: shown
    escaped, in one line of valid UTF-8."""
    with tempfile.TemporaryDirectory() as tmp:
        labels = os.path.join(tmp, "labels.csv")
        with open(labels, "w") as f:
            f.write("id,label\na,x\nb,y\n")
        for name, header, row, want in [
                ("assignments", b"doc_id,cluster\n", b'a,"1\n2\xff"\n',
                 ":2: cluster '1\\n2\ufffd' is not a whole number"),
                ("related", b"doc_id,rank,related_id\n", b'a,"\x1b[2J9",b\n',
                 ":2: rank '\\x1B[2J9' is not 1..100000")]:
            path = os.path.join(tmp, name + ".csv")
            with open(path, "wb") as f:
                f.write(header + row)
            p = subprocess.run([BINARY, "evaluate", "--labels", labels, f"--{name}", path],
                               capture_output=True, timeout=60)
            err = stderr_lines(f"evaluate {name}", p.stderr)
            check(p.returncode == 1 and err == [f"paperclust: {path}{want}"],
                  f"evaluate {name}: exit {p.returncode}, stderr {err}")


# ---- a full disk ----

def mount_tmpfs(where, options):
    os.makedirs(where, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", where],
                          capture_output=True, text=True)


@contextlib.contextmanager
def small_output(where, options):
    """Mounts a tmpfs with `options` at `where`, fills out/ in it with the
    reports of a good run, yields the path of out/; unmounts it afterwards."""
    p = mount_tmpfs(where, options)
    if p.returncode != 0:
        raise RuntimeError(f"mount -t tmpfs -o {options}: {p.stderr.strip()}")
    try:
        out = os.path.join(where, "out")
        good_run(out)
        yield out
    finally:
        subprocess.run(["umount", where], check=True)


def fill(folder):
    """Writes a file in `folder` until its file system is full."""
    with open(os.path.join(folder, "filler"), "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise


def write_fails(name, corpus, out, reason):
    """Runs on `corpus` into `out`, whose file system cannot take the reports:
    exit 1, one line naming a report in `out` and the reason, the earlier
    reports untouched, no temporary file left.  Returns the report named."""
    before = snapshot(out)
    p = subprocess.run([BINARY, "run", corpus, "-k", "3", "-o", out, "--quiet"],
                       capture_output=True, timeout=120)
    err = stderr_lines(name, p.stderr)
    named = [r for r in REPORTS if len(err) == 1 and
             err[0].startswith(f"paperclust: {os.path.join(out, r)}: ")]
    check(p.returncode == 1, f"{name}: exit {p.returncode}, want 1; stderr {err}")
    check(len(err) == 1 and named and err[0].endswith(reason),
          f"{name}: want one line naming a report in {out} and {reason!r}, got {err}")
    check(snapshot(out) == before, f"{name}: earlier reports changed")
    check(not leftovers(out), f"{name}: temporary files left: {leftovers(out)}")
    return named


def disk_full_group():
    """The output folder's file system fills up: in the middle of the set
    (related.csv is larger than what is left, after the smaller reports were
    written), before the first report, and when no file can be created."""
    if os.geteuid() != 0:
        skip("mounting a small tmpfs needs root")
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "probe")
        p = mount_tmpfs(probe, "size=64k")
        if p.returncode != 0:
            skip(f"cannot mount a tmpfs here: {' '.join(p.stderr.split())}")
        subprocess.run(["umount", probe], check=True)
        rng = random.Random(11)
        words = [f"topic{i}" for i in range(60)]
        many = os.path.join(tmp, "many.csv")  # related.csv (230 KB) > what is left
        with open(many, "w") as f:
            f.write(HEADER)
            for i in range(800):
                f.write(f"paper{i},{' '.join(rng.choices(words, k=4))},"
                        f"{' '.join(rng.choices(words, k=12))}\n")
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        # 256 KiB: the good run's reports take about 80 KiB of it (report.html
        # holds the 55 KiB page template; 4 KiB pages for the rest)
        with small_output(os.path.join(tmp, "small"), "size=256k") as out:
            named = write_fails("disk full midway", many, out, ": No space left on device")
            check(named and named[0] not in REPORTS[:1],
                  f"disk full midway: failed at {named}, want a report after the first "
                  f"(so that finished temporary files had to be removed)")
            fill(os.path.dirname(out))
            write_fails("disk full", good, out, ": No space left on device")
        # no room for another file: the good run used all the inodes but one
        # (the root folder, out/ and its 7 reports, report.html and tree.csv
        # included: 9 of 10), so the first temporary file is created and the
        # second is not
        with small_output(os.path.join(tmp, "few"), "size=1m,nr_inodes=10") as out:
            named = write_fails("no free inode", good, out, ": No space left on device")
            check(named and named[0] == REPORTS[1],
                  f"no free inode: failed at {named}, want {REPORTS[1]} (the first temporary "
                  f"file took the last inode, and had to be removed)")


# ---- out of memory ----

def out_of_memory_group():
    """classic4 under ulimit -v limits, 2 MiB apart, from one under which the
    run succeeds down to one under which the program cannot even be loaded
    (the dynamic loader's failure, exit 127): the limits in between make it
    run out of memory in one stage or another (reading, counting terms,
    pruning, ...), and each must give one line `paperclust: ... out of
    memory while ...`, exit 1, and leave the earlier reports and no temporary
    file.  With the default thread count: under some limits the worker
    threads cannot be created, which must say so the same way (libgomp would
    exit with its own message)."""
    if os.environ.get("PC_SANITIZED"):
        skip("AddressSanitizer reserves terabytes of address space for its shadow memory, so "
             "ulimit -v cannot limit this build's allocations")
    if not os.path.exists(CLASSIC4):
        skip(f"{CLASSIC4} is absent")
    args = [BINARY, "run", CLASSIC4, "-k", "4", "--threads", "2", "--quiet"]

    def limited(mib, out):
        limit = mib * 2**20
        return subprocess.run(args + ["-o", out], capture_output=True, timeout=120,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS,
                                                                    (limit, limit)))
    with tempfile.TemporaryDirectory() as tmp:
        mib = 64
        while limited(mib, os.path.join(tmp, "probe")).returncode != 0:
            mib *= 2
            if mib > 4096:
                check(False, "out of memory: classic4 does not run even under ulimit -v 4 GiB")
                return
        print(f"classic4 runs under ulimit -v {mib} MiB")
        stages = collections.Counter()
        for mib in range(mib, 0, -2):
            out = os.path.join(tmp, f"out{mib}")
            good_run(out)
            before = snapshot(out)
            p = limited(mib, out)
            err = stderr_lines(f"ulimit -v {mib} MiB", p.stderr)
            if p.returncode == 127 and "error while loading shared libraries" in p.stderr.decode():
                print(f"ulimit -v {mib} MiB: the program cannot be loaded: {err}")
                break
            name = f"out of memory under ulimit -v {mib} MiB"
            if p.returncode == 0:
                stages["none"] += 1
                check(not err, f"{name}: exit 0 with stderr {err}")
                continue
            stage = re.sub(r"^.*out of memory ?", "", err[0]) if len(err) == 1 else "?"
            stages[stage] += 1
            print(f"ulimit -v {mib} MiB: exit {p.returncode}, {err}")
            check(p.returncode == 1 and len(err) == 1 and err[0].startswith("paperclust: ") and
                  "out of memory while " in err[0],
                  f"{name}: exit {p.returncode}, stderr {err}; want exit 1 and one line "
                  f"'paperclust: ... out of memory while ...'")
            check(snapshot(out) == before, f"{name}: earlier reports changed")
            check(not leftovers(out), f"{name}: temporary files left: {leftovers(out)}")
        else:
            check(False, "out of memory: the program loads under any limit; no sweep end")
        print("outcomes by stage:", dict(stages))
        failed = sum(c for s, c in stages.items() if s != "none")
        check(failed >= 2, f"out of memory: only {failed} limit(s) made the run fail "
              f"({dict(stages)}): the sweep tests nothing")


# ---- interrupted ----

PROGRESS = re.compile(r"^([a-z][a-z ()-]*): +\d+%")  # "related (index): 40%" too


def stderr_parts(raw):
    """A terminal's stderr cut at \\r and \\n, the erase-line sequences
    dropped: (progress stages in order, other lines)."""
    text = raw.decode("utf-8", errors="replace").replace("\x1b[K", "")
    stages, lines = [], []
    for part in re.split(r"[\r\n]+", text):
        m = PROGRESS.match(part)
        if m:
            stages.append(m.group(1))
        elif part.strip():
            lines.append(part)
    return stages, lines


def interrupt_at(name, args, stage, sig, out, timeout=120):
    """Runs the binary with stderr on a pseudo-terminal, so that it draws its
    progress lines; sends `sig` as soon as a line of `stage` appears.  Checks
    that the run stopped in that stage (no later stage drawn), exit 1, one
    line saying "interrupted", the earlier reports kept, no temporary file.
    Returns the stages drawn, in order, each once."""
    before = snapshot(out)
    master, slave = os.openpty()
    p = subprocess.Popen([BINARY] + args + ["-o", out], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    raw, sent_at, started = b"", None, time.monotonic()
    marker = re.compile(rb"\x1b\[K" + stage.encode() + rb": +\d+%")
    try:
        while time.monotonic() - started < timeout:
            if not select.select([master], [], [], 1.0)[0]:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the program exited and closed the terminal
                break
            if not chunk:
                break
            raw += chunk
            if sent_at is None and marker.search(raw):
                p.send_signal(sig)
                sent_at = len(raw)
        else:
            p.kill()
    finally:
        os.close(master)
    status = p.wait(timeout=60)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{name}: stderr is not valid UTF-8 ({e})")
    stages, lines = stderr_parts(raw)
    print(f"{name}: stages drawn {list(dict.fromkeys(stages))}, exit {status}, {lines}")
    check(sent_at is not None, f"{name}: no {stage!r} progress line within {timeout} s; "
          f"stages drawn {sorted(set(stages))}, exit {status}, lines {lines}")
    if sent_at is None:
        return list(dict.fromkeys(stages))
    later = sorted(set(stderr_parts(raw[sent_at:])[0]) - {stage})
    check(not later, f"{name}: the run went on to {later} after the signal")
    check(status == 1, f"{name}: exit {status}, want 1; stderr lines {lines}")
    check(len(lines) == 1 and lines[0].startswith("paperclust: ") and "interrupted" in lines[0],
          f"{name}: want one line 'paperclust: ... interrupted ...', got {lines}")
    check(snapshot(out) == before, f"{name}: earlier reports changed: "
          f"{sorted(n for n in set(before) | set(snapshot(out)) if before.get(n) != snapshot(out).get(n))}")
    check(not leftovers(out), f"{name}: temporary files left: {leftovers(out)}")
    return list(dict.fromkeys(stages))


def interrupt_group():
    """SIGINT and SIGTERM in k-means, in the related-paper stage, and while
    the reports are written; each run first draws the read, vocabulary and
    k-means lines in that order.  The corpus is made so that each of these
    stages lasts a good part of a second or more in both builds: 40,000
    papers in groups of 64 sharing a 20-word vocabulary (10,000 under the
    sanitizers, which are slower), and --top 50, for a related.csv of 2
    million rows (50 MB)."""
    n = 10000 if os.environ.get("PC_SANITIZED") else 40000
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.csv")
        with open(big, "w") as f:
            f.write(HEADER)
            for i in range(n):
                group = i % (n // 64)
                words = [f"g{group}w{j}" for j in rng.choices(range(20), k=8)]
                f.write(f"p{i},{' '.join(words[:3])},{' '.join(words[3:])}\n")
        args = ["run", big, "-k", "8", "--top", "50"]
        for stage in ["k-means", "related", "writing reports"]:
            for sig in (signal.SIGINT, signal.SIGTERM):
                out = os.path.join(tmp, f"out-{stage}-{sig.name}".replace(" ", "-"))
                good_run(out)
                drawn = interrupt_at(f"{sig.name} in {stage}", args, stage, sig, out)
                # every stage before it showed its line, the vocabulary's too
                check(drawn[:3] == ["read", "vocabulary", "k-means"],
                      f"{sig.name} in {stage}: stages drawn {drawn}, want read, vocabulary, "
                      "k-means first")


if __name__ == "__main__":
    group = sys.argv[3] if len(sys.argv) > 3 else "errors"
    {"errors": errors_group, "disk_full": disk_full_group,
     "out_of_memory": out_of_memory_group, "interrupt": interrupt_group}[group]()
    e2e_util.finish()
