#!/usr/bin/python3
"""Cross-check of paperclust's evaluation scores against scikit-learn.

Usage: metrics_sklearn_check.py PATH/TO/test_metrics

Label scores: random and degenerate labellings (fixed seed) are written as
"cluster,label" lines, scored by `test_metrics --score FILE`, and compared
with sklearn.metrics normalized_mutual_info_score (arithmetic),
adjusted_rand_score, homogeneity_completeness_v_measure and the purity read
off sklearn's contingency_matrix, within 1e-9.  Label -1 marks an unlabelled
document: ours skips it, so sklearn is given the labelled ones only.

Silhouette: a random sparse matrix with unit rows stored as float32 (one empty
row, one singleton cluster, one unused cluster id) is scored by
`test_metrics --silhouette FILE` and compared with
sklearn.metrics.silhouette_score on the same float32 values:
  - metric='precomputed' on D = 1 - X Xᵀ (diagonal 0), our exact definition,
    within 1e-9;
  - metric='cosine', which renormalises rows (float32 norms are 1 ± 1e-7),
    within 1e-6.

Its standard error (printed third): the sample standard deviation of
sklearn's silhouette_samples over √n, within 1e-9.

Calinski-Harabasz: the same matrix and clusters (`--silhouette` prints it
second) against sklearn.metrics.calinski_harabasz_score on the float32 values
as points of Euclidean space, within 1e-9 relative.

Exit status: 0 all agree, 1 a mismatch, 77 (CTest skip) without scikit-learn.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn import metrics
    from sklearn.metrics.cluster import contingency_matrix
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"skip: scikit-learn is not importable ({exc})")
    sys.exit(77)

TOL = 1e-9
failures = 0


def run(binary, mode, text):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        out = subprocess.run([binary, mode, path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        raise SystemExit(f"{binary} {mode} failed ({out.returncode}): {out.stderr.strip()}")
    return out.stdout.split()


def compare(case, name, ours, theirs, tol):
    global failures
    ok = abs(ours - theirs) <= tol and np.isfinite(ours)
    if not ok:
        failures += 1
    print(f"{'ok  ' if ok else 'FAIL'} {case:28s} {name:13s} ours {ours:.15g} sklearn {theirs:.15g}")


def check_labels(binary, case, cluster, label):
    cluster = np.asarray(cluster, dtype=np.int64)
    label = np.asarray(label, dtype=np.int64)
    text = "".join(f"{c},{l}\n" for c, l in zip(cluster, label))
    values = run(binary, "--score", text)
    nmi, ari, h, c, v, purity = (float(x) for x in values[:6])
    n_scored = int(values[6])

    keep = label >= 0
    y_true, y_pred = label[keep], cluster[keep]
    if n_scored != len(y_true):
        global failures
        failures += 1
        print(f"FAIL {case}: n_scored {n_scored} != {len(y_true)}")
    sk_h, sk_c, sk_v = metrics.homogeneity_completeness_v_measure(y_true, y_pred)
    table = contingency_matrix(y_true, y_pred)  # rows classes, columns clusters
    expect = {
        "nmi": metrics.normalized_mutual_info_score(y_true, y_pred, average_method="arithmetic"),
        "ari": metrics.adjusted_rand_score(y_true, y_pred),
        "homogeneity": sk_h,
        "completeness": sk_c,
        "v_measure": sk_v,
        "purity": table.max(axis=0).sum() / len(y_true),
    }
    got = {"nmi": nmi, "ari": ari, "homogeneity": h, "completeness": c,
           "v_measure": v, "purity": purity}
    for name in expect:
        compare(case, name, got[name], float(expect[name]), TOL)


def label_cases(rng):
    n = 2000
    cluster = rng.integers(0, 7, n)
    yield "random 2000x7x5", cluster, rng.integers(0, 5, n)
    noisy = np.where(rng.random(n) < 0.3, rng.integers(0, 5, n), cluster % 5)
    yield "correlated 2000x7x5", cluster, noisy
    unlabelled = np.where(rng.random(n) < 0.1, -1, noisy)
    yield "10% unlabelled", cluster, unlabelled
    many = rng.integers(0, 400, n)
    yield "400 clusters x 300 classes", many, (many * 7 + rng.integers(0, 3, n)) % 300
    yield "odd cluster ids", np.array([-5, 1000000, -5, 7, 7, 1000000]), [0, 1, 1, 2, 2, 1]
    yield "one cluster one class", [3] * 10, [1] * 10
    yield "one cluster three classes", [0] * 9, [0, 1, 2] * 3
    yield "three clusters one class", [0, 1, 2] * 3, [4] * 9
    yield "singletons vs two classes", list(range(6)), [0, 0, 0, 1, 1, 1]
    yield "singletons both sides", list(range(5)), [9, 8, 7, 6, 5]
    yield "one document", [0], [0]
    yield "perfect permuted", [0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]


def check_silhouette(binary, rng):
    rows, cols, k = 300, 40, 6
    dense = np.where(rng.random((rows, cols)) < 0.12, rng.random((rows, cols)) + 0.01, 0.0)
    dense[17, :] = 0.0  # an empty row: distance 1 to everything
    norms = np.linalg.norm(dense, axis=1)
    norms[norms == 0] = 1.0
    x32 = (dense / norms[:, None]).astype(np.float32)
    labels = rng.integers(0, 4, rows)
    labels[123] = 4  # a singleton cluster; cluster 5 stays empty
    x = x32.astype(np.float64)  # exactly the values our float32 CSR holds

    nnz = int((x != 0).sum())
    lines = [f"{rows} {cols} {k} 0 1 2 {nnz}"]
    for i in range(rows):
        nz = np.flatnonzero(x[i])
        lines.append(f"{labels[i]} {len(nz)} " + " ".join(f"{j} {x[i, j]!r}" for j in nz))
    values = run(binary, "--silhouette", "\n".join(lines) + "\n")
    ours, ours_ch, ours_se = float(values[0]), float(values[1]), float(values[2])

    distance = 1.0 - x @ x.T
    np.fill_diagonal(distance, 0.0)
    exact = metrics.silhouette_score(distance, labels, metric="precomputed")
    compare("silhouette 300x40, k=6", "precomputed", ours, float(exact), TOL)
    cosine = metrics.silhouette_score(x, labels, metric="cosine")
    compare("silhouette 300x40, k=6", "cosine", ours, float(cosine), 1e-6)
    each = metrics.silhouette_samples(distance, labels, metric="precomputed")
    se = float(np.std(each, ddof=1) / np.sqrt(len(each)))
    compare("silhouette 300x40, k=6", "standard error", ours_se, se, TOL)
    ch = metrics.calinski_harabasz_score(x, labels)  # Euclidean, on the unit rows
    compare("Calinski-Harabasz 300x40", "calinski", ours_ch, float(ch), 1e-9 * max(1.0, abs(ch)))


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    rng = np.random.default_rng(20240601)
    for case, cluster, label in label_cases(rng):
        check_labels(binary, case, cluster, label)
    check_silhouette(binary, rng)
    print(f"{failures} mismatch(es)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
