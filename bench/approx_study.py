#!/usr/bin/python3
"""How much of the corpus must an approximate search read for recall@10 >= 0.95?

A study, not a benchmark of paperclust's code: it reads the TF-IDF rows that
`paperclust vectorize` writes (tfidf.csv) and measures, on a seeded sample of
query papers whose exact top-10 it computes with scipy, two ways of choosing
the papers each paper is compared with:

  ivf    FAISS-style inverted file: spherical k-means partitions trained as
         src/index.c trains them (40 sampled papers per partition, 10
         iterations), every paper in its nearest partition, each query
         probing its nearest partitions by centroid cosine.  Reported: the
         recall@10 of the exact top-10 among the probed papers, and the share
         of the corpus they hold (what each query is compared with).
  heavy  candidates from each paper's heaviest terms: rows cut to their
         heaviest terms holding a share of the row's squared weight, the top
         M by that cut product, re-scored exactly.  Reported: the recall@10
         after re-scoring, and Σ_t df_t² of the cut rows as a share of the
         full rows' (the sparse product's multiply-adds).
  ranking  the same candidates ranked other ways: the query's row and the
         others' cut at different shares, or both ways at once.

The exact stage meets each pair once (half of the all-pairs product), so an
approximate method must read well under 5 % of the corpus per paper, both
sides counted, to be 10x faster.

    paperclust vectorize CORPUS.csv -o DIR
    bench/approx_study.py DIR --partitions 273,1000 --probe-share 0.02,0.1,0.3
    bench/approx_study.py DIR --heavy 0.6,0.7,0.8 --candidates 50,100,200
    bench/approx_study.py DIR --ranking 0.5:0.5,0.7:0.4,0.4/0.7 --candidates 100,400,5000
"""
import argparse
import csv

import numpy as np
import scipy.sparse as sp


def load_tfidf(folder):
    docs, terms, rows, cols, vals = {}, {}, [], [], []
    with open(folder + "/tfidf.csv", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for doc, term, weight in reader:
            rows.append(docs.setdefault(doc, len(docs)))
            cols.append(terms.setdefault(term, len(terms)))
            vals.append(float(weight))
    return sp.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(len(docs), len(terms)))


def exact_top(X, queries, top):
    S = (X[queries] @ X.T).toarray()
    S[np.arange(len(queries)), queries] = -np.inf
    return S, [set(r) for r in np.argpartition(-S, top, axis=1)[:, :top]]


def spherical_kmeans(X, parts, rng, iterations=10):
    sample = X[rng.choice(X.shape[0], min(X.shape[0], 40 * parts), replace=False)]
    C = sample[rng.choice(sample.shape[0], parts, replace=False)].toarray()
    for _ in range(iterations):
        a = np.asarray((sample @ C.T).argmax(axis=1)).ravel()
        M = sp.csr_matrix((np.ones(len(a)), (a, np.arange(len(a)))), shape=(parts, len(a)))
        C = np.asarray((M @ sample).todense())
        norm = np.linalg.norm(C, axis=1, keepdims=True)
        C /= np.where(norm > 0, norm, 1)
    member = np.concatenate([np.asarray((X[s:s + 5000] @ C.T).argmax(axis=1)).ravel()
                             for s in range(0, X.shape[0], 5000)])
    return C, member


def study_ivf(X, queries, S, truth, top, parts, shares, rng):
    C, member = spherical_kmeans(X, parts, rng)
    size = np.bincount(member, minlength=parts)
    ranked = np.argsort(-(X[queries] @ C.T), axis=1)
    for share in shares:
        probe = max(1, int(round(share * parts)))
        found = read = 0
        for q in range(len(queries)):
            chosen = ranked[q, :probe]
            s = np.where(np.isin(member, chosen), S[q], -np.inf)
            found += len(set(np.argpartition(-s, top)[:top]) & truth[q])
            read += size[chosen].sum()
        print("ivf partitions %d probe %d (%.0f%%): recall %.3f, corpus read per paper %.3f "
              "(largest partition %d papers, median %d)"
              % (parts, probe, 100 * share, found / (top * len(queries)),
                 read / len(queries) / X.shape[0], size.max(), np.median(size)), flush=True)


def heaviest(X, mass):
    keep = np.zeros(X.nnz, bool)
    for i in range(X.shape[0]):
        a, b = X.indptr[i], X.indptr[i + 1]
        w = X.data[a:b]
        order = np.lexsort((X.indices[a:b], -w))
        k = int(np.searchsorted(np.cumsum(w[order] ** 2), mass * (w ** 2).sum())) + 1
        keep[a + order[:k]] = True
    Y = X.copy()
    Y.data = np.where(keep, Y.data, 0).astype(np.float32)
    Y.eliminate_zeros()
    return Y


def study_heavy(X, queries, S, truth, top, masses, candidates):
    df2 = lambda M: (np.diff(M.tocsc().indptr).astype(np.float64) ** 2).sum()
    full = df2(X)
    for mass in masses:
        Y = heaviest(X, mass)
        P = (Y[queries] @ Y.T).toarray()
        P[np.arange(len(queries)), queries] = -np.inf
        out = []
        for m in candidates:
            cand = np.argpartition(-P, m, axis=1)[:, :m]
            found = sum(len(set(c[np.argsort(-S[q, c])[:top]]) & truth[q])
                        for q, c in enumerate(cand))
            out.append("M=%d %.3f" % (m, found / (top * len(queries))))
        print("heavy mass %.2f: %.1f terms a paper, Σdf² share %.4f, recall %s"
              % (mass, Y.nnz / X.shape[0], df2(Y) / full, ", ".join(out)), flush=True)


def study_ranking(X, queries, S, truth, top, specs, candidates):
    """Other ways to rank the heaviest terms' candidates: "q:i" cuts the
    query's row at share q and the others' at i (q = i: the symmetric cut);
    "s/b" adds both ways, query s against others b and query b against
    others s, the s:s products once.  Reported per query: the cut products
    added (the scattered sums' work), the papers met, and the recall@top
    after re-scoring the best M met."""
    cuts = {}
    cut = lambda m: cuts.setdefault(m, heaviest(X, m) if m < 1 else X)
    df = lambda M: np.diff(M.tocsc().indptr).astype(np.float64)
    for spec in specs:
        if "/" in spec:
            a, b = (float(x) for x in spec.split("/"))
            Qa, Qb, Ia, Ib = cut(a)[queries], cut(b)[queries], cut(a), cut(b)
            P = (Qb @ Ia.T + Qa @ Ib.T - Qa @ Ia.T).toarray()
            adds = df(Ia)[Qb.indices].sum() + df(Ib)[Qa.indices].sum()
        else:
            q, i = (float(x) for x in spec.split(":"))
            Q, I = cut(q)[queries], cut(i)
            P = (Q @ I.T).toarray()
            adds = df(I)[Q.indices].sum()
        P[np.arange(len(queries)), queries] = 0
        out = []
        for m in candidates:
            cand = np.argpartition(-P, m, axis=1)[:, :m]
            found = 0
            for q, c in enumerate(cand):
                c = c[P[q, c] > 0]
                found += len(set(c[np.argsort(-S[q, c])[:top]]) & truth[q])
            out.append("M=%d %.3f" % (m, found / (top * len(queries))))
        print("ranking %s: %.0f cut products and %.0f papers met a query, recall %s"
              % (spec, adds / len(queries), (P > 0).sum(1).mean(), ", ".join(out)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", help="a `paperclust vectorize` output folder (tfidf.csv)")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--partitions", default="", help="comma list: IVF partition counts")
    ap.add_argument("--probe-share", default="0.02,0.05,0.1,0.2,0.3")
    ap.add_argument("--heavy", default="", help="comma list: squared-weight shares kept")
    ap.add_argument("--candidates", default="50,100,200")
    ap.add_argument("--ranking", default="",
                    help="comma list of Q:I (query and others' cut shares) or S/B (both ways)")
    a = ap.parse_args()
    X = load_tfidf(a.folder)
    rng = np.random.default_rng(a.seed)
    queries = rng.choice(X.shape[0], min(a.queries, X.shape[0]), replace=False)
    S, truth = exact_top(X, queries, a.top)
    print("%d papers, %d terms, %d non-zeros; %d queries" % (X.shape + (X.nnz, len(queries))))
    for parts in [int(p) for p in a.partitions.split(",") if p]:
        study_ivf(X, queries, S, truth, a.top, parts,
                  [float(s) for s in a.probe_share.split(",")], rng)
    if a.ranking:
        study_ranking(X, queries, S, truth, a.top, a.ranking.split(","),
                      [int(m) for m in a.candidates.split(",")])
    if a.heavy:
        study_heavy(X, queries, S, truth, a.top, [float(m) for m in a.heavy.split(",")],
                    [int(m) for m in a.candidates.split(",")])


if __name__ == "__main__":
    main()
