#!/usr/bin/python3
"""Related papers by --similarity tfidf|lsa|hybrid and --feedback N, through the binary.

usage: e2e_related.py PAPERCLUST SOURCE_DIR GROUP
GROUP:
  seed      datasets/seed_papers.csv: every mode, with and without feedback,
            against lists computed here with numpy from the tfidf.csv and
            lsa.csv that `vectorize` writes (independent of the C code: dense
            matrices, the Rocchio queries built from the formula in the
            README); the same related.csv for 1 and 3 threads and for the input
            rows reversed; summary.csv records the mode; bad values refused.
  classic4  the same brute-force check and thread test on 1,500 papers of
            ../shared/corpora/classic4.csv (hybrid with feedback); skipped
            (77) when it is absent.
  sklearn   --similarity lsa on classic4 against scikit-learn's own
            TruncatedSVD + cosine_similarity top 10 on the same TF-IDF matrix:
            label precision@10 within 0.01 of it (the two randomized SVDs
            differ in the tail components, so lists overlap only ~75%: at
            least 60% required); skipped (77) without scikit-learn or ../shared.
  cluster_on --cluster-on lsa on the seed papers: the clusters are a spherical
            k-means fixed point of the unit LSA rows (lsa.csv), the similarities
            in assignments.csv the cosines to the TF-IDF centroids (tfidf.csv),
            1 and 3 threads give the same reports, --save-model is refused.
A list is right when each listed score equals the brute-force score (1e-5),
scores decrease, and no unlisted paper scores above the last listed one (above
0 when the list is short): near-ties may come in either order.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import check, dict_rows, read_csv, run, summary  # noqa: E402
import e2e_util  # noqa: E402

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not installed for /usr/bin/python3")
    sys.exit(77)

BETA = 0.5  # the README's feedback weight


def vectors(binary, corpus, tmp, dims, sparse=False):
    """ids, the TF-IDF rows (dense, or scipy CSR) and the LSA coordinates `vectorize` writes."""
    out = os.path.join(tmp, "vec")
    run(binary, ["vectorize", corpus, "-o", out, "--lsa", str(dims), "--quiet"])
    ids = [r[0] for r in read_csv(os.path.join(out, "lsa.csv"))[1:]]
    index = {d: i for i, d in enumerate(ids)}
    terms = {}
    rows, cols, vals = [], [], []
    for r in read_csv(os.path.join(out, "tfidf.csv"))[1:]:
        rows.append(index[r[0]])
        cols.append(terms.setdefault(r[1], len(terms)))
        vals.append(float(r[2]))
    if sparse:
        from scipy.sparse import csr_matrix
        T = csr_matrix((vals, (rows, cols)), shape=(len(ids), len(terms)))
    else:
        T = np.zeros((len(ids), len(terms)))
        T[rows, cols] = vals
    Z = np.array([[float(v) for v in r[1:]] for r in read_csv(os.path.join(out, "lsa.csv"))[1:]])
    return ids, T, Z


def unit(A):
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return np.divide(A, norms, out=np.zeros_like(A), where=norms > 0)


def scores(mode, alpha, QT, QZ, T, Z):
    """The mode's score of each query row against every paper."""
    if mode == "tfidf":
        return QT @ T.T
    if mode == "lsa":
        return QZ @ Z.T
    return alpha * (QT @ T.T) + (1 - alpha) * (QZ @ Z.T)


def nearest(S, i, n):
    """Row i's n best positive scores (itself excluded), best first; and whether the n-th
    is clear of the next by 1e-5 (else a near-tie may pick either)."""
    s = S[i].copy()
    s[i] = -np.inf
    order = np.argsort(-s, kind="stable")
    picked = [j for j in order[:n] if s[j] > 0]
    clear = len(picked) < n or n >= len(s) - 1 or s[order[n - 1]] - s[order[n]] > 1e-5
    return picked, clear


def expected_scores(mode, alpha, feedback, T, Z):
    """The final score matrix of a mode (with Rocchio queries when feedback > 0) and the
    rows whose first-pass neighbours are not clear (left unchecked)."""
    Zu = unit(Z)
    S = scores(mode, alpha, T, Zu, T, Zu)
    if feedback == 0:
        return S, set()
    QT, QZ, unclear = T.copy(), Zu.copy(), set()
    for i in range(len(T)):
        picked, clear = nearest(S, i, feedback)
        if not clear:
            unclear.add(i)
        if picked:
            QT[i] = T[i] + BETA * T[picked].mean(axis=0)
            QZ[i] = Zu[i] + BETA * Zu[picked].mean(axis=0)
    return scores(mode, alpha, unit(QT), unit(QZ), T, Zu), unclear


def check_lists(what, outdir, ids, S, top, unclear):
    """related.csv against the score matrix S (rows and columns in ids' order)."""
    index = {d: i for i, d in enumerate(ids)}
    lists = {d: [] for d in ids}
    for r in dict_rows(os.path.join(outdir, "related.csv")):
        lists[r["doc_id"]].append((int(r["rank"]), r["related_id"], float(r["similarity"])))
    bad = 0
    for d, rows in lists.items():
        i = index[d]
        if i in unclear:
            continue
        rows.sort()
        s = S[i].copy()
        s[i] = -np.inf
        ok = len(rows) <= top and [r[0] for r in rows] == list(range(1, len(rows) + 1))
        for k, (_, other, sim) in enumerate(rows):
            j = index[other]
            ok = ok and j != i and abs(sim - s[j]) <= 1e-5 and (k == 0 or sim <= rows[k - 1][2])
            s[j] = -np.inf
        floor = rows[-1][2] if len(rows) == top else 0.0
        ok = ok and s.max() <= floor + 1e-5
        if not ok and bad < 3:
            best = np.argsort(-S[i])[:top + 1]
            check(False, f"{what}: paper {d}: {rows} but brute force has "
                         f"{[(ids[j], round(S[i][j], 6)) for j in best if j != i]}")
        bad += not ok
    check(bad == 0, f"{what}: {bad} of {len(ids)} lists differ from brute force")
    check(len(unclear) <= len(ids) // 20, f"{what}: {len(unclear)} papers unchecked (near-ties)")


def related_bytes(outdir):
    with open(os.path.join(outdir, "related.csv"), "rb") as f:
        return f.read()


def check_modes(binary, corpus, tmp, dims, top, cases):
    ids, T, Z = vectors(binary, corpus, tmp, dims)
    for mode, feedback, alpha in cases:
        what = f"--similarity {mode} --feedback {feedback}"
        args = ["--similarity", mode, "--feedback", str(feedback), "--top", str(top),
                "--no-html", "--quiet"]
        if mode != "tfidf":
            args += ["--lsa", str(dims)]
        if alpha is not None:
            args += ["--hybrid-weight", str(alpha)]
        out1 = os.path.join(tmp, f"{mode}{feedback}_1")
        run(binary, ["run", corpus, "-o", out1, "--threads", "1"] + args)
        S, unclear = expected_scores(mode, 0.5 if alpha is None else alpha, feedback, T, Z)
        check_lists(what, out1, ids, S, top, unclear)
        m = summary(out1)
        check(m.get("similarity") == mode and m.get("feedback") == str(feedback),
              f"{what}: summary.csv says similarity {m.get('similarity')}, "
              f"feedback {m.get('feedback')}")
        if mode != "tfidf":
            check(m.get("lsa_dims") == str(dims) and "seconds_lsa" in m
                  and 0 < float(m.get("lsa_explained_variance", "0")) <= 1,
                  f"{what}: summary.csv lacks the LSA rows")
        out3 = os.path.join(tmp, f"{mode}{feedback}_3")
        run(binary, ["run", corpus, "-o", out3, "--threads", "3"] + args)
        check(related_bytes(out1) == related_bytes(out3),
              f"{what}: related.csv differs between 1 and 3 threads")
    return ids


def seed(binary, src, tmp):
    corpus = os.path.join(src, "datasets", "seed_papers.csv")
    cases = [("tfidf", 0, None), ("tfidf", 2, None), ("lsa", 0, None), ("lsa", 3, None),
             ("hybrid", 0, None), ("hybrid", 2, 0.3)]
    check_modes(binary, corpus, tmp, 8, 5, cases)
    # the input rows reversed: the same lists (canonical order), hybrid with feedback
    with open(corpus, encoding="utf-8") as f:
        lines = f.read().splitlines()
    reversed_csv = os.path.join(tmp, "reversed.csv")
    with open(reversed_csv, "w", encoding="utf-8") as f:
        f.write("\n".join([lines[0]] + lines[:0:-1]) + "\n")
    args = ["--similarity", "hybrid", "--lsa", "8", "--feedback", "2", "--top", "5", "--quiet"]
    run(binary, ["run", corpus, "-o", os.path.join(tmp, "fwd")] + args)
    run(binary, ["run", reversed_csv, "-o", os.path.join(tmp, "rev")] + args)
    check(related_bytes(os.path.join(tmp, "fwd")) == related_bytes(os.path.join(tmp, "rev")),
          "hybrid --feedback 2: related.csv differs when the input rows are reversed")
    # without --lsa the LSA has 100 dimensions (cut to the 52 papers here, as lsa.h says)
    run(binary, ["run", corpus, "-o", os.path.join(tmp, "lsa_default"), "--similarity", "lsa",
                 "--quiet", "--no-html"])
    m = summary(os.path.join(tmp, "lsa_default"))
    want = min(100, int(m["documents"]), int(m["terms"]))
    check(m.get("lsa_dims") == str(want), f"--similarity lsa: lsa_dims {m.get('lsa_dims')}, "
                                          f"want {want} (100 cut to the corpus)")
    # the default is recorded; bad values are usage errors
    run(binary, ["run", corpus, "-o", os.path.join(tmp, "default"), "--quiet"])
    m = summary(os.path.join(tmp, "default"))
    check(m.get("similarity") == "tfidf" and m.get("feedback") == "0",
          f"default run: summary.csv says {m.get('similarity')}, feedback {m.get('feedback')}")
    for bad in (["--similarity", "bm25"], ["--hybrid-weight", "1.5"], ["--feedback", "-1"],
                ["--lsa", "20"], ["--lsa", "0", "--similarity", "lsa"]):
        p = run(binary, ["run", corpus, "-o", os.path.join(tmp, "bad")] + bad, status=2)
        check(p.stderr.count(b"\n") == 1, f"{' '.join(bad)}: not a one-line error: {p.stderr!r}")


def classic4(binary, src, tmp):
    path = os.path.join(src, "..", "shared", "corpora", "classic4.csv")
    if not os.path.exists(path):
        print("SKIP: ../shared/corpora/classic4.csv is absent")
        sys.exit(77)
    with open(path, encoding="utf-8") as f:  # a slice: 1,500 papers of all four labels
        lines = f.read().splitlines()
    part = os.path.join(tmp, "classic4_part.csv")
    with open(part, "w", encoding="utf-8") as f:
        f.write("\n".join([lines[0]] + lines[1::4][:1500]) + "\n")
    check_modes(binary, part, tmp, 40, 10, [("hybrid", 3, None)])


def sklearn(binary, src, tmp):
    try:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.metrics.pairwise import cosine_similarity
    except ImportError:
        print("SKIP: scikit-learn is not installed for /usr/bin/python3")
        sys.exit(77)
    path = os.path.join(src, "..", "shared", "corpora", "classic4.csv")
    if not os.path.exists(path):
        print("SKIP: ../shared/corpora/classic4.csv is absent")
        sys.exit(77)
    ids, T, _ = vectors(binary, path, tmp, 100, sparse=True)
    Z = TruncatedSVD(n_components=100, algorithm="randomized", n_iter=5,
                     random_state=0).fit_transform(T)
    S = cosine_similarity(Z)
    np.fill_diagonal(S, -np.inf)
    theirs = np.argpartition(-S, 10, axis=1)[:, :10]
    out = os.path.join(tmp, "lsa")
    run(binary, ["run", path, "-o", out, "--similarity", "lsa", "--lsa", "100", "--no-html",
                 "--quiet"])
    index = {d: i for i, d in enumerate(ids)}
    label = {r["id"]: r["label"] for r in dict_rows(path)}
    ours = {i: set() for i in range(len(ids))}
    for r in dict_rows(os.path.join(out, "related.csv")):
        ours[index[r["doc_id"]]].add(index[r["related_id"]])
    overlap = np.mean([len(ours[i] & set(theirs[i])) / 10 for i in range(len(ids))])
    same = lambda i, js: sum(label[ids[j]] == label[ids[i]] for j in js)
    p_ours = sum(same(i, ours[i]) for i in ours) / sum(len(v) for v in ours.values())
    p_theirs = np.mean([same(i, theirs[i]) / 10 for i in range(len(ids))])
    print(f"classic4, LSA-100 cosine top 10: label precision {p_ours:.4f} (ours), "
          f"{p_theirs:.4f} (scikit-learn's TruncatedSVD); {overlap:.3f} of the lists shared "
          f"(the randomized SVDs differ in the tail components)")
    check(abs(p_ours - p_theirs) <= 0.01,
          f"label precision@10 {p_ours:.4f} against scikit-learn's {p_theirs:.4f}")
    check(overlap >= 0.6, f"only {overlap:.3f} of the LSA lists agree with scikit-learn's")


def cluster_on(binary, src, tmp):
    """--cluster-on lsa: k-means on the unit LSA rows, clusters recentred on the TF-IDF rows."""
    corpus = os.path.join(src, "datasets", "seed_papers.csv")
    ids, T, Z = vectors(binary, corpus, tmp, 8)
    index = {d: i for i, d in enumerate(ids)}
    args = ["--cluster-on", "lsa", "--lsa", "8", "-k", "4", "--no-html", "--quiet"]
    out1, out3 = os.path.join(tmp, "co1"), os.path.join(tmp, "co3")
    run(binary, ["run", corpus, "-o", out1, "--threads", "1"] + args)
    run(binary, ["run", corpus, "-o", out3, "--threads", "3"] + args)
    e2e_util.same_reports("--cluster-on lsa, 1 and 3 threads", out3, out1,
                          names=["assignments.csv", "clusters.csv", "related.csv", "summary.csv"])
    m = summary(out1)
    check(m.get("cluster_on") == "lsa" and m.get("lsa_dims") == "8",
          f"summary.csv: cluster_on {m.get('cluster_on')}, lsa_dims {m.get('lsa_dims')}")
    rows = dict_rows(os.path.join(out1, "assignments.csv"))
    assign = np.zeros(len(ids), dtype=int)
    sim = np.zeros(len(ids))
    for r in rows:
        assign[index[r["doc_id"]]] = int(r["cluster"])
        sim[index[r["doc_id"]]] = float(r["similarity"])
    k = assign.max() + 1
    check(k == 4, f"--cluster-on lsa -k 4 made {k} clusters")
    # a spherical k-means fixed point in LSA space: each paper is with the cluster whose
    # normalised mean of unit LSA rows is nearest
    Zu = unit(Z)
    C = unit(np.array([Zu[assign == c].sum(axis=0) for c in range(k)]))
    nearest_c = np.argmax(Zu @ C.T, axis=1)
    agree = np.mean(nearest_c == assign)
    check(agree >= 0.95, f"only {agree:.2f} of the papers are in their nearest LSA cluster")
    # reported in TF-IDF space: similarity = cosine of the TF-IDF row to the normalised mean
    # of its cluster's TF-IDF rows
    CT = unit(np.array([T[assign == c].sum(axis=0) for c in range(k)]))
    want = np.einsum("ij,ij->i", T, CT[assign])
    worst = np.max(np.abs(want - sim))
    check(worst <= 1e-5, f"assignments.csv similarity is {worst:.2g} off the TF-IDF centroid's")
    p = run(binary, ["run", corpus, "-o", os.path.join(tmp, "bad"), "--cluster-on", "lsa",
                     "--save-model", os.path.join(tmp, "model")], status=2)
    check(b"--save-model" in p.stderr, f"--save-model with --cluster-on lsa: {p.stderr!r}")
    run(binary, ["run", corpus, "-o", os.path.join(tmp, "bad"), "--cluster-on", "pca"], status=2)


def main():
    binary, src, group = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        {"seed": seed, "classic4": classic4, "sklearn": sklearn,
         "cluster_on": cluster_on}[group](binary, src, tmp)
    e2e_util.finish()


if __name__ == "__main__":
    main()
