#!/usr/bin/python3
"""Cluster labels side by side: paperclust's against scikit-learn's usual recipe.

usage: label_table.py CORPUS OUTDIR -k K [--seed S] [--n-init I]

OUTDIR holds a finished `paperclust run CORPUS -k K ...` (clusters.csv,
assignments.csv).  The script clusters the same corpus the way a typical
scikit-learn user labels topics -- TfidfVectorizer(stop_words='english',
min_df=2, max_df=0.5, sublinear_tf=True), KMeans(K, n_init, random_state=S),
then each cluster's 10 highest centroid weights (`cluster_centers_.argsort()`)
-- matches each of our clusters to the scikit-learn cluster sharing most
papers (Hungarian assignment on the overlap), and prints a Markdown table:
our size, label and distinctive terms beside the matched cluster's top
terms.  Then the two quality figures README defines, computed here
independently on scikit-learn's document-term matrix for both labelings:
coherence (mean NPMI over pairs of a cluster's top 10 terms, a pair never
seen together counting -1) and exclusivity (share of its top 10 terms in no
other cluster's top 10).  Prints means for: our distinctive terms, our
centroid terms (both re-scored here), scikit-learn's centroid terms.
"""
import argparse
import csv
import math
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer


def read_corpus(path):
    ids, texts = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ids.append(row["id"])
            texts.append(row.get("title", "") + "\n" + row.get("abstract", ""))
    return ids, texts


def npmi_mean(terms, index, X, n):
    cols = [index[t] for t in terms if t in index]
    if len(cols) < 2:
        return float("nan")
    sub = (X[:, cols] > 0).astype(np.float64)
    single = np.asarray(sub.sum(axis=0)).ravel() / n
    pair = (sub.T @ sub).toarray() / n
    total, count = 0.0, 0
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            p = pair[i, j]
            if p <= 0:
                total += -1.0
            elif p >= 1:
                total += 1.0
            else:
                total += math.log(p / (single[i] * single[j])) / -math.log(p)
            count += 1
    return total / count


def exclusivity(lists):
    seen = {}
    for terms in lists:
        for t in set(terms):
            seen[t] = seen.get(t, 0) + 1
    return [sum(seen[t] == 1 for t in terms) / len(terms) if terms else float("nan")
            for terms in lists]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("outdir")
    ap.add_argument("-k", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n-init", type=int, default=1)
    a = ap.parse_args()
    ids, texts = read_corpus(a.corpus)
    vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5, sublinear_tf=True,
                          dtype=np.float32)
    X = vec.fit_transform(texts)
    vocab = vec.get_feature_names_out()
    index = {t: i for i, t in enumerate(vocab)}
    km = KMeans(n_clusters=a.k, n_init=a.n_init, random_state=a.seed).fit(X)
    sk_top = [[vocab[j] for j in np.argsort(-c)[:10]] for c in km.cluster_centers_]

    with open(f"{a.outdir}/clusters.csv", newline="", encoding="utf-8") as f:
        ours = list(csv.DictReader(f))
    with open(f"{a.outdir}/assignments.csv", newline="", encoding="utf-8") as f:
        our_assign = {r["doc_id"]: int(r["cluster"]) for r in csv.DictReader(f)}
    overlap = np.zeros((len(ours), a.k))
    for i, doc in enumerate(ids):
        overlap[our_assign[doc], km.labels_[i]] += 1
    rows, cols = linear_sum_assignment(-overlap)
    match = dict(zip(rows, cols))

    print(f"| # | papers | paperclust label | paperclust distinctive terms | "
          f"scikit-learn top centroid terms (matched cluster, shared papers) |")
    print("|---:|---:|---|---|---|")
    for c, row in enumerate(ours):
        m = match.get(c)
        sk = " ".join(sk_top[m][:6]) if m is not None else ""
        shared = int(overlap[c, m]) if m is not None else 0
        dist = " ".join(row["distinctive_terms"].split()[:6])
        print(f"| {c} | {row['size']} | {row['label']} | {dist} | {sk} ({shared}) |")

    n = X.shape[0]
    kinds = {
        "paperclust distinctive terms": [r["distinctive_terms"].split() for r in ours],
        "paperclust centroid terms": [r["top_terms"].split() for r in ours],
        "scikit-learn centroid terms": sk_top,
    }
    print()
    print("| terms (top 10 per cluster) | mean coherence (NPMI) | mean exclusivity |")
    print("|---|---:|---:|")
    for name, lists in kinds.items():
        lists = [[t.replace("_", " ") for t in terms] for terms in lists]
        coh = [npmi_mean(terms, index, X, n) for terms in lists]
        exc = exclusivity(lists)
        coh = [v for v in coh if not math.isnan(v)]
        exc = [v for v in exc if not math.isnan(v)]
        print(f"| {name} | {sum(coh) / len(coh):.4f} | {sum(exc) / len(exc):.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
