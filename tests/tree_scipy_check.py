#!/usr/bin/python3
"""Cross-check of pc_tree_average_link against SciPy.

Usage: tree_scipy_check.py PATH/TO/test_tree

Random unit vectors (fixed seed; sparse like centroids of TF-IDF rows, plus
a zero row in one case) are written as "k dim" and k rows, linked by
`test_tree --average-link FILE`, and compared with
scipy.cluster.hierarchy.linkage(X, method='average', metric='cosine') on the
same float32 values: the same pair of ids in every merge (SciPy writes the
lower first, as we do) and link = 1 - SciPy's distance within 1e-6 (SciPy
computes its cosine distances in double from the float32 values; we take dot
products of float32 vectors accumulated in double).  The zero row has cosine
distance NaN in SciPy, so that case is compared with a precomputed distance
matrix 1 - X Xᵀ (zero row: distance 1).

Exit status: 0 all agree, 1 a mismatch, 77 (CTest skip) without SciPy.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"skip: SciPy is not importable ({exc})")
    sys.exit(77)

failures = 0


def ours(binary, x):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(f"{x.shape[0]} {x.shape[1]}\n")
        for row in x:
            f.write(" ".join(repr(float(v)) for v in row) + "\n")
        path = f.name
    try:
        out = subprocess.run([binary, "--average-link", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        raise SystemExit(f"{binary} failed ({out.returncode}): {out.stderr.strip()}")
    rows = [line.split() for line in out.stdout.splitlines()]
    return [(int(a), int(b)) for a, b, _ in rows], [float(l) for _, _, l in rows]


def compare(case, binary, x, z):
    global failures
    pairs, links = ours(binary, x)
    want_pairs = [(int(a), int(b)) for a, b in z[:, :2]]
    want_links = [1.0 - d for d in z[:, 2]]
    bad = [j for j in range(len(want_pairs))
           if pairs[j] != want_pairs[j] or abs(links[j] - want_links[j]) > 1e-6]
    if bad or len(pairs) != len(want_pairs):
        failures += 1
        j = bad[0] if bad else 0
        print(f"FAIL {case}: merge {j}: ours {pairs[j]} {links[j]:.9f}, "
              f"SciPy {want_pairs[j]} {want_links[j]:.9f} ({len(bad)} differ)")
    else:
        print(f"ok   {case}: {len(pairs)} merges, last link {links[-1]:.6f}")


def unit_rows(rng, k, dim, density):
    x = np.where(rng.random((k, dim)) < density, rng.random((k, dim)), 0.0)
    x[x.sum(axis=1) == 0, 0] = 1.0
    return (x / np.linalg.norm(x, axis=1)[:, None]).astype(np.float32)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    rng = np.random.default_rng(20261201)
    for k, dim, density in [(2, 5, 1.0), (7, 12, 0.5), (40, 200, 0.1), (120, 500, 0.05)]:
        x = unit_rows(rng, k, dim, density)
        z = linkage(x.astype(np.float64), method="average", metric="cosine")
        compare(f"{k} vectors of {dim}", binary, x, z)
    x = unit_rows(rng, 30, 60, 0.2)
    x[11] = 0.0
    x64 = x.astype(np.float64)
    d = 1.0 - x64 @ x64.T
    np.fill_diagonal(d, 0.0)
    z = linkage(squareform(d, checks=False), method="average")
    compare("30 vectors, one zero", binary, x, z)
    print(f"{failures} mismatch(es)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
