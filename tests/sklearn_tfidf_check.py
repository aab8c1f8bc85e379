#!/usr/bin/python3
"""Cross-check: our vocabulary, idf and TF-IDF rows equal scikit-learn's.

usage: sklearn_tfidf_check.py PAPERCLUST CORPUS.csv
Runs `paperclust vectorize` with scikit-learn's settings (--min-df 1
--max-df 1.0 --stopwords sklearn --sklearn-tokens) and
TfidfVectorizer(stop_words='english') on the same texts (title + newline +
abstract), twice: tf = 1 + ln(count) (our default; sublinear_tf=True) and the
raw count (--raw-tf; scikit-learn's default), and compares term sets,
document frequencies, idf and every weight within 1e-5.  Exits 77 (skipped) when scikit-learn is not installed.
"""
import csv
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
except ImportError as e:
    print(f"SKIP: scikit-learn is not available to {sys.executable}: {e}")
    sys.exit(77)

TOL = 1e-5


def main(binary, corpus):
    """Both term weightings: paperclust's default, 1 + ln(count), and --raw-tf."""
    return max(compare(binary, corpus, sublinear) for sublinear in (True, False))


def compare(binary, corpus, sublinear):
    with open(corpus, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [r["id"] for r in rows]
    texts = ["\n".join(p for p in (r["title"], r["abstract"]) if p) for r in rows]
    vec = TfidfVectorizer(stop_words="english", min_df=1, max_df=1.0, sublinear_tf=sublinear)
    X = vec.fit_transform(texts).tocsr()
    terms = vec.get_feature_names_out()
    df = np.asarray((X > 0).sum(axis=0)).ravel()

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([binary, "vectorize", corpus, "--min-df", "1", "--max-df", "1.0",
                        "--stopwords", "sklearn", "--sklearn-tokens", "-o", tmp, "--quiet",
                        "--sublinear-tf" if sublinear else "--raw-tf"],
                       check=True)
        with open(os.path.join(tmp, "vocabulary.csv"), newline="", encoding="utf-8") as f:
            vocab = list(csv.DictReader(f))
        with open(os.path.join(tmp, "tfidf.csv"), newline="", encoding="utf-8") as f:
            weights = list(csv.DictReader(f))

    failures = 0
    ours = [v["term"] for v in vocab]
    if ours != list(terms):
        only_ours = sorted(set(ours) - set(terms))[:20]
        only_theirs = sorted(set(terms) - set(ours))[:20]
        print(f"FAIL: vocabularies differ ({len(ours)} vs {len(terms)} terms); only ours: "
              f"{only_ours}; only scikit-learn's: {only_theirs}")
        return 1
    for j, v in enumerate(vocab):
        if int(v["df"]) != df[j] or abs(float(v["idf"]) - vec.idf_[j]) > TOL:
            print(f"FAIL: term {v['term']}: df {v['df']} vs {df[j]}, idf {v['idf']} vs {vec.idf_[j]}")
            failures += 1
    index = {t: j for j, t in enumerate(terms)}
    row_of = {d: i for i, d in enumerate(ids)}
    worst = 0.0
    for w in weights:
        i, j = row_of[w["doc_id"]], index[w["term"]]
        worst = max(worst, abs(float(w["weight"]) - X[i, j]))
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
    sys.exit(main(sys.argv[1], sys.argv[2]))
