#!/usr/bin/env python3
"""Bad input, degenerate corpora, faults: the real binary must give a clear
one-line error and a documented exit status (0 ok, 1 data/runtime, 2 usage),
or a well-defined result; never a crash, a NaN, or a half-written report.

usage: e2e_errors.py PAPERCLUST SOURCE_DIR
Each case runs the binary in a fresh folder that already holds reports from a
good run, and checks the exit status, stderr, and that the old reports are
untouched (on failure) and no temporary file is left behind.
"""
import csv
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


def case(name, data, args, status, message=None, warning=None, binary_data=False,
         limit_memory=None):
    """Runs `paperclust run FILE args` where FILE holds data; checks the outcome."""
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
                           capture_output=True, text=True, errors="replace", preexec_fn=limit,
                           timeout=120)
        err = p.stderr.strip().splitlines()
        errors = [l for l in err if not l.startswith("paperclust: warning:")]
        check(p.returncode == status, f"{name}: exit {p.returncode}, want {status}; stderr {err}")
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
        return out


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
    case("all documents identical", header + "".join(f"{i},same words,same\n" for i in range(5)),
         ["-k", "3"], 1, "no terms remain after pruning")
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
