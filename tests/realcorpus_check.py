"""bench/realcorpus against its promise, on the first 10,000 papers of
../shared/corpora/arxiv.csv (skipped, exit 77, when that file is absent).

usage: realcorpus_check.py REALCORPUS PAPERCLUST ARXIV_CSV

Checks, each on its own (a failure prints what was compared):
  1. reproducible: the same seed gives the same bytes; another seed other bytes; the
     rows are the same written as 3 shards by 2 threads, gzip-compressed, and the papers
     of -n 2000 are the first 2000 of -n N;
  2. category proportions: each category's count within 4.5 standard deviations of
     N x its share of the input (binomial), no category arxiv lacks;
  3. sentences: every generated abstract cuts into sentences (the rule of realcorpus.c's
     header, written again here as a regular expression) each of which is a sentence of
     an arxiv abstract of the paper's category; its title is an arxiv title of that
     category; the mean sentence count is arxiv's within 3%;
  4. read back: paperclust reads the plain and the gzip file (header, RFC 4180 quoting of
     the commas, quotes present in the sample) and finds every id with its label.
"""
import collections
import csv
import gzip
import math
import os
import re
import subprocess
import sys
import tempfile

N = 20000       # papers generated
SLICE = 10000   # the first papers of arxiv.csv, the generator's input here (it indexes
                # them in 0.2 s against 2.5 s for the whole file)
READ_BACK = 2000  # papers paperclust reads back
failures = 0

# The documented rule: cut after . ? ! followed by ASCII white space and an ASCII
# upper-case letter or digit, on the abstract stripped of ASCII white space.
WS = " \t\r\n"
BOUNDARY = re.compile(r"(?<=[.?!])[ \t\r\n]+(?=[A-Z0-9])")


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def sentences(abstract):
    text = abstract.strip(WS)
    return BOUNDARY.split(text) if text else []


def rows(data):
    return list(csv.reader(data.decode("utf-8").splitlines(keepends=True)))


def generate(tool, arxiv, out, *args):
    subprocess.run([tool, "-i", arxiv, "-q", "-o", out, *args], check=True)
    with open(out, "rb") as f:
        return f.read()


def segment(text, pool):
    """Sentences of pool joined by single spaces that make text: their count, or None.
    Cuts are tried only at spaces (a generated abstract joins its sentences so)."""
    starts = {0: 0}   # where a sentence may begin → sentences before it
    for end in [i for i, c in enumerate(text) if c == " "] + [len(text)]:
        k = next((n for b, n in starts.items() if text[b:end] in pool), None)
        if k is not None:
            if end == len(text):
                return k + 1
            starts[end + 1] = k + 1
    return None


def write_slice(arxiv, path):
    with open(arxiv, newline="", encoding="utf-8") as f, \
            open(path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out, lineterminator="\n")
        for i, r in enumerate(csv.reader(f)):
            if i > SLICE:
                break
            w.writerow(r)
    return path


def check_reproducible(tool, arxiv, tmp):
    a = generate(tool, arxiv, os.path.join(tmp, "a.csv"), "-n", str(N), "-s", "7")
    b = generate(tool, arxiv, os.path.join(tmp, "b.csv"), "-n", str(N), "-s", "7")
    c = generate(tool, arxiv, os.path.join(tmp, "c.csv"), "-n", str(N), "-s", "8")
    check(a == b, "seed 7 twice: %d and %d bytes, equal" % (len(a), len(b)))
    check(a != c, "seed 7 against seed 8: different bytes")
    generate(tool, arxiv, os.path.join(tmp, "z.csv.gz"), "-n", str(N), "-s", "7")
    with gzip.open(os.path.join(tmp, "z.csv.gz"), "rb") as f:
        check(f.read() == a, "the .csv.gz decompressed equals the .csv")
    generate(tool, arxiv, os.path.join(tmp, "r.csv.gz"), "-n", str(READ_BACK), "-s", "7")
    subprocess.run([tool, "-i", arxiv, "-q", "-n", str(N), "-s", "7", "--shards", "3",
                    "--threads", "2", "-o", os.path.join(tmp, "part.csv")], check=True)
    joined = []
    for s in range(3):
        part = rows(open(os.path.join(tmp, "part-%05d-of-00003.csv" % s), "rb").read())
        check(part[0] == ["id", "title", "abstract", "label"], "shard %d header" % s)
        joined += part[1:]
    whole = rows(a)
    check(whole[0] == ["id", "title", "abstract", "label"], "header %s" % whole[0])
    check(joined == whole[1:], "3 shards (2 threads): %d rows, the single file's %d"
          % (len(joined), len(whole) - 1))
    head = generate(tool, arxiv, os.path.join(tmp, "r.csv"), "-n", str(READ_BACK), "-s", "7")
    check(rows(head) == whole[:READ_BACK + 1], "-n %d is the first %d papers of -n %d"
          % (READ_BACK, READ_BACK, N))
    return whole


def load_arxiv(arxiv):
    pools = collections.defaultdict(set)
    titles = collections.defaultdict(set)
    counts = collections.Counter()
    n_sentences = 0
    with open(arxiv, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if not r["label"]:
                continue
            counts[r["label"]] += 1
            titles[r["label"]].add(r["title"])
            s = sentences(r["abstract"])
            n_sentences += len(s)
            pools[r["label"]].update(s)
    return pools, titles, counts, n_sentences / sum(counts.values())


def check_proportions(generated, counts):
    total = sum(counts.values())
    got = collections.Counter(r[3] for r in generated)
    worst = 0.0
    for label, c in counts.items():
        p = c / total
        sd = math.sqrt(N * p * (1 - p))
        z = abs(got[label] - N * p) / max(sd, 1e-9)
        if got[label] != round(N * p):
            worst = max(worst, z)
        check(abs(got[label] - N * p) <= 4.5 * sd + 1,
              "category %s: %d papers, expected %.1f (sd %.1f)" % (label, got[label], N * p, sd))
    unknown = set(got) - set(counts)
    check(not unknown, "categories arxiv lacks: %s" % sorted(unknown)[:5])
    print("categories: %d in arxiv, %d generated, largest |z| %.2f" % (len(counts), len(got), worst))


def check_sentences(generated, pools, titles, mean_real):
    bad = 0
    total = 0
    for r in generated:
        label, title, abstract = r[3], r[1], r[2]
        pool = pools.get(label, set())
        check(title in titles.get(label, ()), "paper %s: title %r is an arxiv title of %s"
              % (r[0], title[:60], label))
        count = 0
        for piece in sentences(abstract):
            if piece in pool:
                count += 1
                continue
            k = segment(piece, pool)   # a sentence that begins lower-case joins its
            if k is None:              # predecessor when cut again
                bad += 1
                if bad <= 3:
                    print("not a sentence of %s: %r" % (label, piece[:100]))
            else:
                count += k
        total += count
    check(bad == 0, "%d pieces of generated abstracts are no %s sentence" % (bad, "arxiv"))
    mean = total / len(generated)
    check(abs(mean - mean_real) <= 0.03 * mean_real,
          "mean sentences a paper: %.3f generated, %.3f in arxiv" % (mean, mean_real))
    print("sentences: mean %.3f a paper generated, %.3f in arxiv" % (mean, mean_real))


def check_read_back(paperclust, tmp, generated):
    quoted = sum(1 for r in generated[:READ_BACK] if '"' in r[1] + r[2])
    commas = sum(1 for r in generated[:READ_BACK] if "," in r[1] + r[2])
    check(quoted > 0 and commas > 0, "the sample holds quotes (%d papers) and commas (%d)"
          % (quoted, commas))
    expect = {r[0]: r[3] for r in generated}
    check(len(expect) == len(generated), "ids unique")
    expect = {r[0]: r[3] for r in generated[:READ_BACK]}
    for name in ("r.csv", "r.csv.gz"):
        out = os.path.join(tmp, "out-" + name)
        p = subprocess.run([paperclust, "run", os.path.join(tmp, name), "-k", "2", "--n-init", "1",
                            "--max-iter", "2", "--top", "0", "--no-html", "--quiet",
                            "--threads", "2", "-o", out], capture_output=True, text=True)
        check(p.returncode == 0 and not p.stderr, "paperclust run %s: exit %d, stderr %r"
              % (name, p.returncode, p.stderr[:200]))
        if p.returncode:
            continue
        with open(os.path.join(out, "assignments.csv"), newline="", encoding="utf-8") as f:
            got = {r["doc_id"]: r.get("label") for r in csv.DictReader(f)}
        check(got == expect, "%s read back: %d papers with their labels, %d written"
              % (name, len(got), len(expect)))


def main():
    tool, paperclust, arxiv = sys.argv[1:4]
    if not os.path.exists(arxiv):
        print("SKIP: %s is absent (../shared is not here)" % arxiv)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        arxiv = write_slice(arxiv, os.path.join(tmp, "arxiv-slice.csv"))
        generated = check_reproducible(tool, arxiv, tmp)[1:]
        pools, titles, counts, mean_real = load_arxiv(arxiv)
        check_proportions(generated, counts)
        check_sentences(generated, pools, titles, mean_real)
        check_read_back(paperclust, tmp, generated)
    print("%d failed checks" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
