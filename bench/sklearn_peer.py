#!/usr/bin/python3
"""The scikit-learn peer of `paperclust run`, for benchmarks.

usage: sklearn_peer.py FILE -k K [--top N] [--n-init I] [--seed S] [-o OUTDIR]
                       [--min-df X] [--max-df X] [--algorithm lloyd|elkan]
                       [--max-iter M] [--tol T] [--threads T] [--keep-zero] [--verbose]

Does with scikit-learn what `paperclust run FILE -k K --top N --n-init I --seed S -o OUTDIR`
does, the way a typical scikit-learn user would write it, and writes the same report files:

  read     the csv module; text = title + "\\n" + abstract; columns found by name
           (id, title, abstract, optional label)
  tfidf    TfidfVectorizer(stop_words='english', min_df, max_df, sublinear_tf, dtype=float32)
           (smooth idf, rows L2-normalised: the same weights as ours with --sklearn-tokens
           --stopwords sklearn)
  kmeans   KMeans(n_clusters=K, n_init=I, random_state=S, algorithm=lloyd) on the sparse
           TF-IDF rows: Euclidean k-means, which on unit rows is close to, but not the same
           as, our spherical k-means
  related  NearestNeighbors(n_neighbors=N+1, metric='cosine', algorithm='brute')
           .fit(X).kneighbors(X), then each paper itself is dropped from its list

Dropping self is not "drop column 0": a paper whose text duplicates another's is at
distance 0 from both itself and its twin, and the tie may put the twin first (in
classic4, 5 of 5,478 papers; the self-distance is also not exactly 0 in float32, up to
~4e-7). So the paper's own index is removed wherever it appears, and when it is absent
(a paper with more than N exact twins, or one with no terms, which is at distance 1 from
everything, itself included) the last of the N+1 is dropped instead. Like ours,
related.csv then leaves out papers with similarity <= 0 (no shared term), unless
--keep-zero is given, which writes every row scikit-learn returned.

Outputs in OUTDIR (created if needed), UTF-8 CSV, header row, '\\n' line ends:
  assignments.csv  doc_id,cluster,similarity[,label]  input order; similarity is the
                   cosine of the row to its cluster's centroid; cluster numbers are
                   scikit-learn's own (ours renumbers largest first)
  related.csv      doc_id,rank,related_id,similarity   (not written with --top 0)
  summary.csv      key,value: documents, terms, nonzeros, k, seconds_read, seconds_tfidf,
                   seconds_kmeans, seconds_related, seconds_total, then the parameters
                   and the k-means result (iterations, inertia)
Each stage is timed with time.perf_counter(); seconds_total runs from the start of the
read to the end of the related stage (writing the reports is not counted, as in ours).

Defaults: --top 10, --n-init 3, --seed 1, --min-df 2, --max-df 0.5 and -o out, as in
`paperclust run`; --max-iter 300 and --tol 1e-4 are scikit-learn's own. --min-df and
--max-df follow scikit-learn: written as an integer they are document counts, written
with a '.' or an exponent they are fractions of the documents.

--threads T limits BLAS and OpenMP threads (KMeans runs OpenMP threads): the
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS variables are set before numpy
is imported, and threadpoolctl, when installed, also limits the loaded pools. Without
--threads every library uses its default (all cores). TfidfVectorizer and the sparse
products of the cosine neighbours are single-threaded whatever T.

Nothing is printed on stdout unless --verbose. Exit status 0, 1 on a data error, 2 on
a usage error. Run it with Debian's /usr/bin/python3 (python3-sklearn).
"""
import argparse
import csv
import os
import sys
import time

from argtypes import non_negative_int, positive_int


def count_or_fraction(text):
    """scikit-learn's min_df/max_df convention: int = count, float = fraction."""
    try:
        if any(c in text for c in ".eE"):
            value = float(text)
            if not 0.0 <= value <= 1.0:
                raise ValueError
        else:
            value = int(text)
            if value < 0:
                raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is neither a count (integer >= 0) nor a fraction (0.0 to 1.0)")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sklearn_peer.py",
        description="scikit-learn equivalent of `paperclust run` (TF-IDF, KMeans, cosine top-N)")
    p.add_argument("file", help="CSV with columns id,title,abstract[,label]")
    p.add_argument("-k", type=positive_int, required=True, help="number of clusters")
    p.add_argument("--top", type=non_negative_int, default=10,
                   help="related papers per paper; 0 skips the stage (default 10)")
    p.add_argument("--n-init", type=positive_int, default=3, help="KMeans restarts (default 3)")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="KMeans random_state (default 1)")
    p.add_argument("--min-df", type=count_or_fraction, default=2,
                   help="TfidfVectorizer min_df: count, or fraction with a '.' (default 2)")
    p.add_argument("--max-df", type=count_or_fraction, default=0.5,
                   help="TfidfVectorizer max_df: count, or fraction with a '.' (default 0.5)")
    p.add_argument("--sublinear-tf", action="store_true",
                   help="TfidfVectorizer sublinear_tf=True: 1 + ln(count), like paperclust's "
                        "--sublinear-tf")
    p.add_argument("--algorithm", choices=("lloyd", "elkan"), default="lloyd",
                   help="KMeans algorithm (default lloyd)")
    p.add_argument("--max-iter", type=positive_int, default=300,
                   help="KMeans max_iter (default 300, scikit-learn's)")
    p.add_argument("--tol", type=float, default=1e-4, help="KMeans tol (default 1e-4)")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="BLAS/OpenMP threads (default: the libraries' own, all cores)")
    p.add_argument("--keep-zero", action="store_true",
                   help="also write related papers with similarity <= 0")
    p.add_argument("-o", "--output", default="out", help="output folder (default out)")
    p.add_argument("--verbose", action="store_true", help="print stage timings on stdout")
    return p.parse_args(argv)


def limit_threads_by_environment(threads):
    """Must run before numpy is imported: the pools read these once, at load time."""
    if threads is None:
        return
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


class DataError(Exception):
    pass


def read_corpus(path):
    """Returns (ids, texts, labels or None), like paperclust's CSV reader by column name."""
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise DataError(f"{path}: empty file, no header row")
        column = {name.strip(): j for j, name in enumerate(header)}
        for needed in ("id", "title", "abstract"):
            if needed not in column:
                raise DataError(f"{path}:1: no '{needed}' column in the header")
        i_id, i_title, i_abstract = column["id"], column["title"], column["abstract"]
        i_label = column.get("label")
        width = max(i_id, i_title, i_abstract, -1 if i_label is None else i_label) + 1
        ids, texts, labels = [], [], [] if i_label is not None else None
        for row in reader:
            if not row:
                continue
            if len(row) < width:
                raise DataError(f"{path}:{reader.line_num}: {len(row)} fields, "
                                f"expected at least {width}")
            ids.append(row[i_id])
            texts.append(row[i_title] + "\n" + row[i_abstract])
            if labels is not None:
                labels.append(row[i_label])
    if not ids:
        raise DataError(f"{path}: no documents")
    return ids, texts, labels


def related_without_self(distance, index, top):
    """Drops each row's own index from kneighbors' N+1 columns (see the module comment).

    Returns (index, similarity), both n x top, similarity = 1 - cosine distance."""
    import numpy as np
    n = index.shape[0]
    is_self = index == np.arange(n)[:, None]
    missing = ~is_self.any(axis=1)
    is_self[missing, -1] = True  # no self in the list: drop the farthest instead
    # Exactly one True per row: keep the other `top` columns, in their order.
    keep = ~is_self
    return (index[keep].reshape(n, top),
            (1.0 - distance[keep].astype(np.float64)).reshape(n, top))


def centroid_similarity(X, centers, assign):
    """Cosine of each (unit or empty) row to its own cluster centre."""
    import numpy as np
    centers = np.asarray(centers, dtype=np.float64)
    norms = np.linalg.norm(centers, axis=1)
    norms[norms == 0] = 1.0
    unit = centers / norms[:, None]
    # Row i · unit[assign[i]]: one sparse row-wise product, O(nnz).
    coo = X.tocoo()
    products = coo.data.astype(np.float64) * unit[assign[coo.row], coo.col]
    return np.bincount(coo.row, weights=products, minlength=X.shape[0])


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_reports(out, ids, labels, assign, similarity, related, summary):
    os.makedirs(out, exist_ok=True)
    if labels is None:
        rows = ((d, int(c), f"{s:.6f}") for d, c, s in zip(ids, assign, similarity))
        write_csv(os.path.join(out, "assignments.csv"), ("doc_id", "cluster", "similarity"), rows)
    else:
        rows = ((d, int(c), f"{s:.6f}", l) for d, c, s, l in zip(ids, assign, similarity, labels))
        write_csv(os.path.join(out, "assignments.csv"),
                  ("doc_id", "cluster", "similarity", "label"), rows)
    if related is not None:
        index, sim, keep_zero = related

        def related_rows():
            for i, d in enumerate(ids):
                rank = 0
                for j, s in zip(index[i], sim[i]):
                    if s <= 0.0 and not keep_zero:
                        break  # sorted by decreasing similarity: the rest are <= 0 too
                    rank += 1
                    yield d, rank, ids[j], f"{s:.6f}"

        write_csv(os.path.join(out, "related.csv"),
                  ("doc_id", "rank", "related_id", "similarity"), related_rows())
    write_csv(os.path.join(out, "summary.csv"), ("key", "value"), summary)


def run(args):
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import NearestNeighbors
    import sklearn

    timings = []
    started = clock = time.perf_counter()

    def lap(key):
        nonlocal clock
        now = time.perf_counter()
        timings.append((key, f"{now - clock:.3f}"))
        clock = now
        if args.verbose:
            print(f"{key} {timings[-1][1]}", flush=True)

    ids, texts, labels = read_corpus(args.file)
    lap("seconds_read")

    vectorizer = TfidfVectorizer(stop_words="english", min_df=args.min_df, max_df=args.max_df,
                                 sublinear_tf=args.sublinear_tf, dtype=np.float32)
    try:
        X = vectorizer.fit_transform(texts).tocsr()
    except ValueError as e:  # e.g. "After pruning, no terms remain"
        raise DataError(f"{args.file}: {e}")
    del texts
    lap("seconds_tfidf")

    n = X.shape[0]
    if args.k > n:
        raise DataError(f"-k {args.k} is more than the {n} documents of {args.file}")
    kmeans = KMeans(n_clusters=args.k, n_init=args.n_init, random_state=args.seed,
                    algorithm=args.algorithm, max_iter=args.max_iter, tol=args.tol)
    assign = kmeans.fit_predict(X)
    similarity = centroid_similarity(X, kmeans.cluster_centers_, assign)
    lap("seconds_kmeans")

    related = None
    top = min(args.top, n - 1)
    if top > 0:
        nn = NearestNeighbors(n_neighbors=top + 1, metric="cosine", algorithm="brute").fit(X)
        distance, index = nn.kneighbors(X)
        index, sim = related_without_self(distance, index, top)
        related = (index, sim, args.keep_zero)
        lap("seconds_related")
    total = time.perf_counter() - started

    summary = [("documents", n), ("terms", X.shape[1]), ("nonzeros", X.nnz), ("k", args.k)]
    summary += timings
    if top <= 0:
        summary.append(("seconds_related", "0.000"))
    summary.append(("seconds_total", f"{total:.3f}"))
    summary += [("input", args.file), ("seed", args.seed), ("n_init", args.n_init),
                ("algorithm", args.algorithm), ("max_iter", args.max_iter), ("tol", args.tol),
                ("min_df", args.min_df), ("max_df", args.max_df),
                ("iterations", kmeans.n_iter_), ("inertia", f"{kmeans.inertia_:.6f}"),
                ("mean_similarity", f"{similarity.mean():.6f}"), ("top", top),
                ("threads", args.threads if args.threads else "default"),
                ("sklearn", sklearn.__version__)]
    write_reports(args.output, ids, labels, assign, similarity, related, summary)
    if args.verbose:
        print(f"seconds_total {total:.3f}")
        print(f"{n} documents, {X.shape[1]} terms, {X.nnz} nonzeros, k={args.k}, "
              f"{kmeans.n_iter_} iterations; reports in {args.output}")


def main(argv):
    args = parse_args(argv)
    limit_threads_by_environment(args.threads)
    # Loaded now (and not timed) so that threadpoolctl sees numpy's BLAS and
    # scikit-learn's OpenMP runtime: it limits only libraries already loaded.
    import numpy  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.neighbors  # noqa: F401
    try:
        if args.threads is not None:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:
                run(args)
            else:
                with threadpool_limits(limits=args.threads):
                    run(args)
        else:
            run(args)
    except (DataError, OSError, UnicodeDecodeError) as e:
        print(f"sklearn_peer.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
