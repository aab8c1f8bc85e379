#!/usr/bin/env python3
"""Bad input, degenerate corpora, faults: the real binary must give a clear
one-line error and a documented exit status (0 ok, 1 data/runtime, 2 usage),
or a well-defined result; never a crash, a NaN, or a half-written report.

usage: e2e_errors.py PAPERCLUST SOURCE_DIR
Each case runs the binary in a fresh folder that already holds reports from a
good run, and checks the exit status, stderr (always valid UTF-8, one line
per message), and that the old reports are untouched (on failure) and no
temporary file is left behind.  The disk-full cases mount small tmpfs
filesystems, which needs root; without it they are skipped, saying so.
"""
import contextlib
import csv
import errno
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time

import e2e_util
from e2e_util import check

BINARY = sys.argv[1]
CLASSIC4 = os.path.join(sys.argv[2], "..", "shared", "corpora", "classic4.csv")
REPORTS = ["assignments.csv", "clusters.csv", "cluster_terms.csv", "related.csv", "summary.csv"]
GOOD = "id,title,abstract\n" + "".join(
    f"g{i},{t} study,{t} methods for {t} data\n"
    for i, t in enumerate(["graph", "protein", "graph", "protein", "market", "market"]))


def snapshot(out):
    got = {}
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name), "rb") as f:
            got[name] = f.read()
    return got


def stderr_lines(name, raw):
    """stderr as lines; checks that it is valid UTF-8 (status.h's promise)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        check(False, f"{name}: stderr is not valid UTF-8 ({e}): {raw!r}")
        text = raw.decode("utf-8", errors="replace")
    return text.strip().splitlines()  # also splits at U+0085, U+2028, U+2029


def case(name, data, args, status, message=None, warning=None, binary_data=False,
         limit_memory=None, lines=None, inspect=None):
    """Runs `paperclust run FILE args` where FILE holds data; checks the outcome.
    lines: how many lines stderr must have in all; inspect(out): more checks
    on the output folder."""
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        out = os.path.join(tmp, "out")
        subprocess.run([BINARY, "run", good, "-k", "2", "-o", out, "--quiet"], check=True,
                       capture_output=True)
        before = snapshot(out)
        path = os.path.join(tmp, "input.csv")
        with open(path, "wb" if binary_data else "w") as f:
            f.write(data)
        limit = (lambda: resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))
                 ) if limit_memory else None
        p = subprocess.run([BINARY, "run", path, "-o", out, "--quiet"] + args,
                           capture_output=True, preexec_fn=limit, timeout=120)
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
        leftovers = [n for n in os.listdir(out) if ".tmp-" in n]
        check(not leftovers, f"{name}: temporary files left: {leftovers}")
        if status == 0:
            for n in REPORTS:
                with open(os.path.join(out, n), "rb") as f:
                    text = f.read()
                check(b"nan" not in text.lower().replace(b"nano", b""), f"{name}: NaN in {n}")
                try:
                    text.decode("utf-8")
                except UnicodeDecodeError:
                    check(False, f"{name}: {n} is not valid UTF-8")
        if inspect:
            inspect(out)


def main():
    header = "id,title,abstract\n"
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
    # repaired or well-defined: exit 0 with a warning where something was changed
    case("one document", header + "1,Graph networks,Message passing on graphs\n", [], 0,
         warning="only 1 document")
    case("fewer documents than default k", header + "1,alpha beta,x\n2,beta gamma,y\n", [], 0)
    case("ragged row skipped", GOOD + "9,too,many,fields\n", ["-k", "2"], 0,
         warning="1 row skipped: wrong number of fields")
    case("duplicate ids", GOOD + "g0,graph study,graph data\n", ["-k", "2"], 0,
         warning="duplicate id kept")
    case("invalid UTF-8 replaced", (GOOD + "z1,bad \xff byte graph,graph\n").encode("latin-1"),
         ["-k", "2"], 0, warning="invalid UTF-8", binary_data=True)
    case("NUL byte", (GOOD + "z1,nul\0graph,graph\n").encode(), ["-k", "2"], 0,
         warning="NUL", binary_data=True)
    case("BOM and CRLF", ("\ufeff" + GOOD.replace("\n", "\r\n")).encode(), ["-k", "2"], 0,
         binary_data=True)
    case("no trailing newline", GOOD.rstrip("\n"), ["-k", "2"], 0)
    case("giant field cut", header + "1,big," + "graph " * 400000 + "\n" + GOOD[len(header):],
         ["-k", "2", "--max-doc-bytes", "100000"], 0, warning="longer than 100000 bytes cut")
    case("top above corpus", GOOD, ["-k", "2", "--top", "50"], 0)
    # JSON Lines numbers of any size are taken as written
    big_ids = "".join(
        f'{{"id": {i}, "title": "{t} study", "abstract": "{t} methods for {t} data"}}\n'
        for i, t in [("123456789012345678901234567890", "graph"), ("1501.00010", "protein"),
                     ("1501.0001", "graph"), ("-0", "protein"), ("2e400", "market"),
                     ("9007199254740993", "market")])
    def ids_as_written(out):
        with open(os.path.join(out, "assignments.csv"), newline="") as f:
            ids = [row["doc_id"] for row in csv.DictReader(f)]
        want = ["123456789012345678901234567890", "1501.00010", "1501.0001", "-0", "2e400",
                "9007199254740993"]
        check(ids == want, f"JSON Lines numbers: ids {ids}, want {want}")
    case("JSON Lines numbers beyond 64 bits", big_ids, ["--format", "jsonl", "-k", "2"], 0,
         lines=0, inspect=ids_as_written)
    case("all documents identical, bounds given",
         header + "".join(f"{i},same words,same\n" for i in range(5)),
         ["-k", "3", "--max-df", "0.5"], 1, "no terms remain after pruning")
    # default bounds that leave nothing are relaxed, with a warning
    near = header + "".join(f"{i},Deep learning for graphs {i},We study graph neural "
                            f"networks number {i} in detail\n" for i in range(20))
    def relaxed(out):
        with open(os.path.join(out, "summary.csv"), newline="") as f:
            summary = dict(csv.reader(f))
        check(summary.get("documents") == "20" and summary.get("terms") == "8",
              f"20 near-identical papers: {summary.get('documents')} documents, "
              f"{summary.get('terms')} terms, want 20 and 8 (the shared words)")
    case("20 near-identical papers, default bounds", near, [], 0,
         warning="the default document-frequency bounds leave none of the 18 distinct terms; "
                 "keeping terms found in more than the max-df share", inspect=relaxed)
    case("20 near-identical papers, bounds given", near, ["--min-df", "2"], 1,
         "no terms remain after pruning")
    case("all documents identical, all terms kept",
         header + "".join(f"{i},same words,same\n" for i in range(5)),
         ["-k", "3", "--max-df", "1.0"], 0)
    # faults: allocation failure is an error, not a crash or a hang
    if os.environ.get("PC_SANITIZED"):
        print("SKIP allocation failure case: sanitizer builds need more address space than "
              "the limit leaves")
    elif os.path.exists(CLASSIC4):
        with open(CLASSIC4, encoding="utf-8") as f:
            case("allocation failure under ulimit -v", f.read(), ["-k", "4"], 1,
                 "out of memory", limit_memory=60 * 2**20)
    else:
        print("SKIP allocation failure case: ../shared/corpora/classic4.csv is absent")
    unwritable()
    evaluate_bad_values()
    disk_full()
    interrupted()
    print("failures:", e2e_util.failures)
    return 1 if e2e_util.failures else 0


def unwritable():
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        blocker = os.path.join(tmp, "file")
        open(blocker, "w").close()
        p = subprocess.run([BINARY, "run", good, "-k", "2", "-o", os.path.join(blocker, "out"),
                            "--quiet"], capture_output=True, text=True)
        check(p.returncode == 1 and "cannot create the output folder" in p.stderr,
              f"unwritable folder: exit {p.returncode}, {p.stderr!r}")


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


@contextlib.contextmanager
def small_output(where, options, good):
    """Mounts a tmpfs with `options` at `where` and fills out/ in it with the
    reports of a good run on `good`; yields the path of out/, or None (after
    saying why) when no tmpfs can be mounted.  Unmounts it afterwards."""
    os.mkdir(where)
    if os.geteuid() != 0:
        print("SKIP disk full cases: mounting a small tmpfs needs root")
        yield None
        return
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", where],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"SKIP disk full cases: cannot mount a tmpfs: {p.stderr.strip()}")
        yield None
        return
    try:
        out = os.path.join(where, "out")
        subprocess.run([BINARY, "run", good, "-k", "2", "-o", out, "--quiet"], check=True,
                       capture_output=True)
        yield out
    finally:
        subprocess.run(["umount", where], check=True)


def fill(folder):
    """Writes a file in `folder` until its filesystem is full."""
    with open(os.path.join(folder, "filler"), "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise


def write_fails(name, corpus, out, reason):
    """Runs on `corpus` into `out`, whose filesystem cannot take the reports:
    exit 1, one line naming a report in `out` and the reason, the earlier
    reports untouched, no temporary file left."""
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
    leftovers = [n for n in os.listdir(out) if ".tmp-" in n]
    check(not leftovers, f"{name}: temporary files left: {leftovers}")
    return named


def disk_full():
    """The output folder's filesystem fills up: before the first report, in
    the middle of the set (related.csv is larger than what is left, after the
    smaller reports were written), and when no file can be created at all.
    The small filesystem is 256 KiB: the good run's reports take about 80 KiB of
    it (report.html, 55 KiB of page template, and 4 KiB pages for the rest)."""
    rng = random.Random(11)
    words = [f"topic{i}" for i in range(60)]
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        many = os.path.join(tmp, "many.csv")  # related.csv (230 KB) > what is left
        with open(many, "w") as f:
            f.write("id,title,abstract\n")
            for i in range(800):
                f.write(f"paper{i},{' '.join(rng.choices(words, k=4))},"
                        f"{' '.join(rng.choices(words, k=12))}\n")
        with small_output(os.path.join(tmp, "small"), "size=256k", good) as out:
            if not out:
                return
            named = write_fails("disk full midway", many, out, ": No space left on device")
            check(named and named[0] not in REPORTS[:1],
                  f"disk full midway: failed at {named}, want a report after the first "
                  f"(so that finished temporary files had to be removed)")
            fill(os.path.dirname(out))
            write_fails("disk full", good, out, ": No space left on device")
        # no room for another file: the good run used all the inodes but one
        # (the root folder, out/ and its 5 reports: 7 of 8)
        with small_output(os.path.join(tmp, "few"), "size=1m,nr_inodes=8", good) as out:
            if out:
                write_fails("no free inode", good, out, ": No space left on device")


def interrupted():
    """SIGINT in the middle of a long run: exit 1, old reports kept, no temp files."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(3000)]
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.csv")
        with open(big, "w") as f:
            f.write("id,title,abstract\n")
            for i in range(40000):
                f.write(f"{i},{' '.join(rng.choices(words, k=8))},"
                        f"{' '.join(rng.choices(words, k=120))}\n")
        out = os.path.join(tmp, "out")
        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write(GOOD)
        subprocess.run([BINARY, "run", good, "-k", "2", "-o", out, "--quiet"], check=True)
        before = snapshot(out)
        for sig in (signal.SIGINT, signal.SIGTERM):
            p = subprocess.Popen([BINARY, "run", big, "-k", "5", "-o", out, "--quiet"],
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            p.send_signal(sig)
            _, err = p.communicate(timeout=60)
            check(p.returncode == 1 and "interrupted" in err,
                  f"{sig.name}: exit {p.returncode}, stderr {err!r}")
            check(snapshot(out) == before, f"{sig.name}: earlier reports changed")


if __name__ == "__main__":
    sys.exit(main())
