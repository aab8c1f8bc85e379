#!/usr/bin/python3
"""The LSA stage against scikit-learn's TruncatedSVD(algorithm="randomized").

usage: lsa_vs_sklearn.py PAPERCLUST CORPUS DIMS [ROWS]
With ROWS, only the corpus's first ROWS papers (a slice of arxiv.csv: its
non-ASCII text, 46 categories).  Both factorize the same TF-IDF matrix (`vectorize --sklearn-tokens
--stopwords sklearn --min-df 1 --max-df 1.0`, equal to scikit-learn's
TfidfVectorizer(stop_words='english', sublinear_tf=True), a test of its own):
- the singular values (ours: the norms of lsa.csv's columns, U·Σ) agree
  within 1%;
- the spaces spanned by the leading components agree: the cosines of the
  principal angles between our and scikit-learn's first 10 coordinates are
  at least 0.999 (all of them printed for the first DIMS/2 and DIMS, where
  both randomized methods approximate the slowly decaying tail differently);
- the explained variance ratio (summary.csv) agrees within 1%.
Exits 77 when scikit-learn or the corpus is absent.
"""
import csv
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
except ImportError:
    print("SKIP: scikit-learn is not installed for /usr/bin/python3")
    sys.exit(77)

binary, corpus, dims = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = int(sys.argv[4]) if len(sys.argv) > 4 else None
if not os.path.exists(corpus):
    print(f"SKIP: {corpus} is absent")
    sys.exit(77)
failures = 0
scratch = tempfile.TemporaryDirectory()
if rows is not None:  # the first ROWS papers, as a corpus of their own
    with open(corpus, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))[:rows + 1]
    corpus = os.path.join(scratch.name, "slice.csv")
    with open(corpus, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table)


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


def cosines(a, b):
    return np.linalg.svd(np.linalg.qr(a)[0].T @ np.linalg.qr(b)[0], compute_uv=False)


texts = []
with open(corpus, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        texts.append(row["title"] + "\n" + row["abstract"])
with tempfile.TemporaryDirectory() as out:
    subprocess.run([binary, "vectorize", corpus, "--lsa", str(dims), "--sklearn-tokens",
                    "--stopwords", "sklearn", "--min-df", "1", "--max-df", "1.0", "-o", out,
                    "--quiet"], check=True)
    ours = np.loadtxt(os.path.join(out, "lsa.csv"), delimiter=",", skiprows=1,
                      usecols=range(1, dims + 1), ndmin=2)
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        summary = dict(csv.reader(f))
X = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32).fit_transform(texts)
svd = TruncatedSVD(dims, algorithm="randomized", random_state=0)
theirs = svd.fit_transform(X)
ours_s, theirs_s = np.linalg.norm(ours, axis=0), svd.singular_values_
rel = np.abs(ours_s - theirs_s) / theirs_s
check(rel.max() < 0.01, f"singular values within 1%: largest difference {rel.max():.5f} "
      f"(component {rel.argmax() + 1}); first three {ours_s[:3]} vs {theirs_s[:3]}")
for k in (10, dims // 2, dims):
    c = cosines(ours[:, :k], theirs[:, :k])
    print(f"principal angles, first {k} components: cosines min {c.min():.6f}, "
          f"median {np.median(c):.6f}")
    if k == 10:
        check(c.min() >= 0.999, f"first 10 components span the same space (min cosine {c.min():.6f})")
ratio = float(summary["lsa_explained_variance"])
want = svd.explained_variance_ratio_.sum()
check(abs(ratio - want) <= 0.01 * want, f"explained variance {ratio:.6f} vs {want:.6f}")
sys.exit(1 if failures else 0)
