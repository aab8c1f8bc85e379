#!/usr/bin/python3
"""Cross-check: our vocabulary, idf and TF-IDF rows equal scikit-learn's.

usage: sklearn_tfidf_check.py PAPERCLUST CORPUS.csv [--non-ascii-slice]
Runs `paperclust vectorize` with scikit-learn's settings (--min-df 1
--max-df 1.0 --stopwords sklearn --sklearn-tokens) and
TfidfVectorizer(stop_words='english') on the same texts (title + newline +
abstract), twice: tf = 1 + ln(count) (our default; sublinear_tf=True) and the
raw count (--raw-tf; scikit-learn's default), and compares term sets,
document frequencies, idf and every weight within 1e-5.
--non-ascii-slice: only the papers whose title or abstract holds a non-ASCII
character, and every 50th other paper (written to a temporary CSV); fails
unless at least 100 papers hold non-ASCII letters, so that the comparison
really covers Unicode case folding and letter classes.
Exits 77 (skipped) when scikit-learn is not installed or CORPUS is absent.
"""
import csv
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter

try:
    import numpy as np
    from scipy.sparse import coo_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer
except ImportError as e:
    print(f"SKIP: scikit-learn is not available to {sys.executable}: {e}")
    sys.exit(77)

TOL = 1e-5


def main(binary, corpus, non_ascii_slice=False):
    """Both term weightings: paperclust's default, 1 + ln(count), and --raw-tf."""
    if not os.path.exists(corpus):
        print(f"SKIP: {corpus} is absent")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        if non_ascii_slice:
            rows, corpus = take_non_ascii_slice(corpus, tmp)
            if not rows:
                return 1
        else:
            with open(corpus, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        return max(compare(binary, corpus, rows, sublinear) for sublinear in (True, False))


def non_ascii_letters(text):
    return {ch for ch in text if ord(ch) > 127 and unicodedata.category(ch)[0] == "L"}


def take_non_ascii_slice(corpus, tmp):
    """The papers with a non-ASCII character and every 50th other one, written
    to tmp/slice.csv; ([], None) after a message when too few hold non-ASCII
    letters."""
    kept, letters, with_letters, total = [], Counter(), 0, 0
    with open(corpus, newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            total += 1
            text = r["title"] + r["abstract"]
            if i % 50 == 0 or not text.isascii():
                kept.append(r)
                found = non_ascii_letters(text)
                letters.update(found)
                with_letters += bool(found)
    print(f"slice: {len(kept)} of {total} papers, {with_letters} with non-ASCII letters; "
          f"{len(letters)} distinct: {''.join(sorted(letters))}")
    if with_letters < 100:
        print(f"FAIL: only {with_letters} papers of the slice hold non-ASCII letters, want 100")
        return [], None
    path = os.path.join(tmp, "slice.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "title", "abstract"], extrasaction="ignore")
        w.writeheader()
        w.writerows(kept)
    return kept, path


def compare(binary, corpus, rows, sublinear):
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        print(f"FAIL: {corpus} has duplicate ids: weights cannot be matched by id")
        return 1
    texts = ["\n".join(p for p in (r["title"], r["abstract"]) if p) for r in rows]
    vec = TfidfVectorizer(stop_words="english", min_df=1, max_df=1.0, sublinear_tf=sublinear)
    X = vec.fit_transform(texts).tocsr()
    terms = vec.get_feature_names_out()
    df = np.asarray((X > 0).sum(axis=0)).ravel()
    idf = vec.idf_  # a property that sums a sparse diagonal on every access

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([binary, "vectorize", corpus, "--min-df", "1", "--max-df", "1.0",
                        "--stopwords", "sklearn", "--sklearn-tokens", "-o", tmp, "--quiet",
                        "--sublinear-tf" if sublinear else "--raw-tf"],
                       check=True)
        with open(os.path.join(tmp, "vocabulary.csv"), newline="", encoding="utf-8") as f:
            vocab = list(csv.DictReader(f))
        with open(os.path.join(tmp, "tfidf.csv"), newline="", encoding="utf-8") as f:
            weights = list(csv.reader(f))[1:]  # doc_id,term,weight

    failures = 0
    ours = [v["term"] for v in vocab]
    if ours != list(terms):
        only_ours = sorted(set(ours) - set(terms))[:20]
        only_theirs = sorted(set(terms) - set(ours))[:20]
        print(f"FAIL: vocabularies differ ({len(ours)} vs {len(terms)} terms); only ours: "
              f"{only_ours}; only scikit-learn's: {only_theirs}")
        return 1
    for j, v in enumerate(vocab):
        if int(v["df"]) != df[j] or abs(float(v["idf"]) - idf[j]) > TOL:
            print(f"FAIL: term {v['term']}: df {v['df']} vs {df[j]}, idf {v['idf']} vs {idf[j]}")
            failures += 1
    # Ours as a sparse matrix in scikit-learn's row and column order (one
    # X[i, j] lookup per weight would take minutes on a corpus like classic4).
    row_of = {d: i for i, d in enumerate(ids)}
    col_of = {t: j for j, t in enumerate(terms)}
    rows_, cols_, vals_ = zip(*((row_of[d], col_of[t], float(w)) for d, t, w in weights))
    Y = coo_matrix((vals_, (rows_, cols_)), shape=X.shape).tocsr()
    worst = abs(Y - X).max()
    if len(weights) != X.nnz:
        print(f"FAIL: {len(weights)} non-zeros vs scikit-learn's {X.nnz}")
        failures += 1
    if worst > TOL:
        print(f"FAIL: largest weight difference {worst:.3g} > {TOL}")
        failures += 1
    print(f"sublinear_tf={sublinear}: {len(terms)} terms, {X.nnz} non-zeros compared; "
          f"largest weight difference {worst:.3g}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--non-ascii-slice"]):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:] == ["--non-ascii-slice"]))
