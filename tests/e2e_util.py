"""What the end-to-end test scripts share: counting failed checks, reading
reports, running the binary."""
import csv
import os
import re
import subprocess
import sys

failures = 0


def check(cond, what):
    """Records a failed check and says what it compared."""
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def finish():
    """Ends a script: with failed checks, says how many and exits 1; else prints "ok" and
    exits 0."""
    if failures:
        print(f"{failures} check(s) failed")
        sys.exit(1)
    print("ok")
    sys.exit(0)


# ---- helpers more than one e2e script needs ------------------------------
# (e2e_run.py still has its own copies of read/run/comparable; new scripts
# use these.)

RUN_REPORTS = ["assignments.csv", "clusters.csv", "cluster_terms.csv", "related.csv",
               "summary.csv", "report.html", "tree.csv"]
VECTORIZE_REPORTS = ["vocabulary.csv", "tfidf.csv", "summary.csv"]


def read_csv(path):
    """All rows of a UTF-8 CSV file, header first."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def dict_rows(path):
    """The rows of a CSV file as dicts by its header."""
    table = read_csv(path)
    return [dict(zip(table[0], r)) for r in table[1:]]


def summary(outdir):
    """summary.csv of a run as {key: value}."""
    return dict(read_csv(os.path.join(outdir, "summary.csv"))[1:])


def run(binary, args, stdin=None, cwd=None, status=0):
    """Runs the binary (stdin: bytes) and checks its exit status; on a
    mismatch the failure names the command and shows its stderr.  Returns
    the CompletedProcess (stdout and stderr as bytes)."""
    p = subprocess.run([binary] + args, input=stdin, capture_output=True, cwd=cwd,
                       timeout=300)
    check(p.returncode == status,
          f"exit {p.returncode}, want {status}: {binary} {' '.join(args)}\n"
          f"{p.stderr.decode('utf-8', 'replace')}")
    return p


def comparable(outdir, names=RUN_REPORTS, drop=()):
    """Every report's bytes, with summary.csv's seconds_*, peak_rss_mib_* and threads rows
    (and any row whose key is in `drop`, e.g. "input") and k_sweep.csv's
    seconds column left out."""
    got = {}
    for name in names:
        with open(os.path.join(outdir, name), "rb") as f:
            data = f.read()
        if name == "summary.csv":
            keys = [k.encode() + b"," for k in ("threads",) + tuple(drop)]
            data = b"\n".join(l for l in data.split(b"\n")
                              if not l.startswith((b"seconds_", b"peak_rss_mib_"))
                              and not any(l.startswith(k) for k in keys))
        if name == "k_sweep.csv":
            data = b"\n".join(b",".join(c for i, c in enumerate(l.split(b",")) if i != 5)
                              for l in data.split(b"\n"))
        if name == "report.html":  # the page shows the same summary rows
            for key in ("seconds_[a-z_]+", "peak_rss_mib_[a-z_]+", "threads") + tuple(drop):
                data = re.sub(rb'\["' + key.encode() + rb'","[^"]*"\],?', b"", data)
            data = data.replace(b'"],]', b'"]]')  # the summary's last row was one of them
            if "input" in drop:  # and names the input in its title and figures
                data = re.sub(rb'"(title|source)":"[^"]*"', b"", data)
        got[name] = data
    return got


def same_reports(what, out, base, drop=("input",), names=RUN_REPORTS):
    """Checks that the reports in `out` are byte for byte those in `base`
    (summary.csv without seconds_*, threads and the `drop` rows); a failure
    shows the first line that differs."""
    got, want = comparable(out, names, drop), comparable(base, names, drop)
    for name in names:
        if got[name] == want[name]:
            continue
        a, b = got[name].split(b"\n"), want[name].split(b"\n")
        line = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        x, y = (lines[line] if line < len(lines) else b"(end)" for lines in (a, b))
        at = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        start = max(0, at - 60)  # long lines (report.html's data) from near the difference
        show = lambda text: ("..." if start else "") + text[start:start + 160].decode(
            "utf-8", "replace")
        check(False, f"{what}: {name} differs from the reference run's at line {line + 1}: "
                     f"{show(x)!r}, want {show(y)!r} ({len(a)} and {len(b)} lines)")
