#!/usr/bin/env python3
"""End-to-end tests of the README's input formats and options: the real
`paperclust` binary, its reports read back.

usage: e2e_options.py PAPERCLUST SOURCE_DIR GROUP
GROUP input:      standard input (CSV by default, --format jsonl/text, gzip on
                  stdin), .gz files (same reports; truncated: error naming the
                  file), JSON Lines by extension, --label-col categories, .txt
                  blocks, --id-col, --text-cols.
GROUP terms:      --stem, --ngrams 2 (and the '_' of top_terms), --no-strip,
                  --stopwords FILE|none|english|sklearn, --max-features.
GROUP clustering: --seed, --n-init, --max-iter, --tol, --top 0, -o/--output
                  (and the default folder), the default k rule.
GROUP empty:      documents with no term left: warning, cluster 0, similarity
                  0, no related papers.
GROUP threads:    ../shared/corpora/classic4.csv (more than one 64-paper block)
                  gives the same `run` and `vectorize` reports with 1, 2 and 3
                  threads; exits 77 when the corpus is absent.
GROUP stoplist_sklearn: the built-in english and sklearn lists are
                  scikit-learn's ENGLISH_STOP_WORDS, word for word; exits 77
                  when scikit-learn is not importable.
Every corpus except classic4 is written here, into a temporary folder.
Expected terms come from the small tokenizer below (README: runs of letters
and digits, case-folded, at least 2 characters), not from paperclust.
"""
import gzip
import json
import math
import os
import random
import re
import sys
import tempfile

import e2e_util
from e2e_util import (check, comparable, read_csv, run, same_reports, RUN_REPORTS,
                      VECTORIZE_REPORTS)

# The cores are shared: OpenMP workers spinning while they wait made each
# short run up to 10 times slower under load.  Waiting does not change results.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SEED_CORPUS = os.path.join(SOURCE, "datasets", "seed_papers.csv")
CLASSIC4 = os.path.join(SOURCE, "..", "shared", "corpora", "classic4.csv")
# Every term kept, so expected vocabularies are plain word sets.
ALL_TERMS = ["--stopwords", "none", "--min-df", "1", "--max-df", "1.0", "--quiet"]

# id, title, abstract, arXiv-style categories (first one = the label)
PAPERS = [
    ("2101.00001", "Graph neural networks", "Message passing on molecular graphs predicts "
     "properties.", "cs.LG stat.ML"),
    ("2101.00002", "Scalable graph embeddings", "Random walks embed large graphs; message "
     "passing compared.", "cs.SI"),
    ("2101.00003", "Graph attention for citation networks", "Attention weights neighbours "
     "in citation graphs.", "cs.LG"),
    ("2101.00004", "Spectral graph clustering", "Laplacian eigenvectors partition graphs "
     "into communities.", "math.SP cs.LG"),
    ("2102.00001", "Protein folding with deep learning", "Predicted structures of proteins "
     "match crystal structures.", "q-bio.BM"),
    ("2102.00002", "Protein structure alignment", "Aligning folded protein structures finds "
     "distant homologues.", "q-bio.BM cs.CE"),
    ("2102.00003", "Molecular dynamics of protein folding", "Simulated folding pathways of "
     "small proteins.", "physics.bio-ph"),
    ("2102.00004", "Enzyme design", "Designed enzymes fold into stable protein structures.",
     "q-bio.BM"),
    ("2103.00001", "Stock market volatility", "Volatility of stock prices rises after "
     "market shocks.", "q-fin.ST"),
    ("2103.00002", "Market microstructure", "Order books shape prices in the stock market.",
     "q-fin.TR q-fin.ST"),
    ("2103.00003", "Forecasting stock prices", "Neural forecasts of stock prices beat random "
     "walks.", "q-fin.ST cs.LG"),
    ("2103.00004", "Straße pricing in markets", "Road tolls on the Straße shape market "
     "prices.", "econ.GN"),
]


def words(text):
    """The README's tokens without a stop list: runs of letters and digits
    (not '_'), case-folded ("Straße" -> "strasse"), at least 2 characters."""
    return [w for w in re.findall(r"[^\W_]+", text.casefold()) if len(w) >= 2]


def csv_field(text):
    return '"' + text.replace('"', '""') + '"' if re.search(r'[",\n\r]', text) else text


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def csv_text(header, rows):
    return "".join(",".join(csv_field(v) for v in row) + "\n" for row in [header] + rows)


def dict_rows(path):
    rows = read_csv(path)
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def summary(out):
    return dict(read_csv(os.path.join(out, "summary.csv"))[1:])


def terms_by_doc(out):
    """vectorize's tfidf.csv as {doc_id: set of terms}."""
    got = {}
    for r in dict_rows(os.path.join(out, "tfidf.csv")):
        got.setdefault(r["doc_id"], set()).add(r["term"])
    return got


def same_terms(what, got, want):
    """One check: every paper's term set (from terms_by_doc) is the expected one."""
    wrong = [d for d in want if got.get(d) != want[d]] + [d for d in got if d not in want]
    check(not wrong, f"{what}: {len(wrong)} of {len(want)} papers have other terms; first: "
                     + "; ".join(f"{d} has {sorted(got.get(d, []))}, want "
                                 f"{sorted(want.get(d, []))}" for d in wrong[:3]))


def vocabulary(out):
    return {r["term"]: r for r in dict_rows(os.path.join(out, "vocabulary.csv"))}


def attempt(args, stdin=None, cwd=None):
    """Runs the binary, expecting success; returns whether it succeeded."""
    return run(BINARY, args, stdin=stdin, cwd=cwd).returncode == 0


# ---- input ----------------------------------------------------------------

def text_format(papers):
    """The .txt form: blank-line separated blocks, title then a two-line
    abstract; one gap of two blank lines, a leading blank line, no final
    newline."""
    blocks = []
    for _, title, abstract, _ in papers:
        half = abstract.split(" ")
        cut = len(half) // 2
        blocks.append(f"{title}\n{' '.join(half[:cut])}\n{' '.join(half[cut:])}")
    return "\n" + "\n\n".join(blocks[:3]) + "\n\n\n" + "\n\n".join(blocks[3:])


def group_input(tmp):
    path = lambda name: os.path.join(tmp, name)
    run_args = ["-k", "3", "--top", "3", "--quiet"]
    csv_data = csv_text(["id", "title", "abstract"], [list(p[:3]) for p in PAPERS])
    jsonl_data = "".join(json.dumps({"id": i, "title": t, "abstract": a, "categories": c},
                                    ensure_ascii=False) + "\n" for i, t, a, c in PAPERS)
    txt_data = text_format(PAPERS)
    write(path("corpus.csv"), csv_data)
    base = path("base")
    if not attempt(["run", path("corpus.csv"), "-o", base] + run_args):
        return
    ids = [r["doc_id"] for r in dict_rows(os.path.join(base, "assignments.csv"))]
    check(ids == [p[0] for p in PAPERS], f"corpus.csv: ids {ids}")

    # The same papers in every container and format give the same reports.
    gz = lambda text: gzip.compress(text.encode("utf-8"))
    variants = [  # (name, file name or None for stdin, bytes, extra options)
        ("stdin, CSV by default", None, csv_data.encode(), []),
        ("gzip on stdin, CSV", None, gz(csv_data), []),
        ("stdin --format jsonl", None, jsonl_data.encode(), ["--format", "jsonl"]),
        ("gzip on stdin --format jsonl", None, gz(jsonl_data), ["--format", "jsonl"]),
        (".csv.gz", "corpus.csv.gz", gz(csv_data), []),
        ("gzip content named .csv (recognised by content)", "packed.csv", gz(csv_data), []),
        ("plain content named .csv.gz", "plain.csv.gz", csv_data.encode(), []),
        (".jsonl", "corpus.jsonl", jsonl_data.encode(), []),
        (".ndjson", "corpus.ndjson", jsonl_data.encode(), []),
        (".json", "corpus.json", jsonl_data.encode(), []),
        (".jsonl.gz", "corpus.jsonl.gz", gz(jsonl_data), []),
    ]
    def same_as(base, what, name, data, extra, prefix):
        """Runs on `data` as file `name` (None: on standard input) and
        compares the reports with those in `base`."""
        out = path(prefix + what.replace(" ", "_").replace("/", "_"))
        if name:
            ok = attempt(["run", write(path(name), data), "-o", out] + run_args + extra)
        else:
            ok = attempt(["run", "-", "-o", out] + run_args + extra, stdin=data)
        if ok:
            same_reports(what, out, base)

    for what, name, data, extra in variants:
        same_as(base, what, name, data, extra, "out-")

    # Standard input longer than one 64 KiB read, plain and compressed.
    # (random words, so that even the compressed stream takes several reads)
    rng = random.Random(1)
    noise = lambda: " ".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))
                             for _ in range(8))
    big = csv_text(["id", "title", "abstract"], [[f"b{i}", p[1], f"{p[2]} {noise()}"]
                                                 for i, p in enumerate(PAPERS * 150)])
    assert len(gz(big)) > 65536, "the compressed corpus must be longer than one read"
    big_base = path("big")
    if attempt(["run", write(path("big.csv"), big), "-o", big_base] + run_args):
        for what, data in [("long stdin", big.encode()), ("long gzip on stdin", gz(big))]:
            out = path(what.replace(" ", "_"))
            if attempt(["run", "-", "-o", out] + run_args, stdin=data):
                same_reports(what, out, big_base)

    # Plain text: its own ids 1, 2, 3, ...; same reports from .txt, .txt.gz, stdin.
    txt_base = path("txt")
    if attempt(["run", write(path("corpus.txt"), txt_data), "-o", txt_base] + run_args):
        ids = [r["doc_id"] for r in dict_rows(os.path.join(txt_base, "assignments.csv"))]
        want = [str(i) for i in range(1, len(PAPERS) + 1)]
        check(ids == want, f".txt: ids {ids}, want {want}")
        for what, name, data, extra in [
                (".txt.gz", "corpus.txt.gz", gz(txt_data), []),
                ("stdin --format text", None, txt_data.encode(), ["--format", "text"]),
                ("gzip on stdin --format text", None, gz(txt_data), ["--format", "text"])]:
            same_as(txt_base, what, name, data, extra, "out-txt-")
    # .txt: the first line of a block is the title, the other lines the abstract.
    for cols, want_of in [("title", lambda p: words(p[1])), ("abstract", lambda p: words(p[2])),
                          ("title,abstract", lambda p: words(p[1] + "\n" + p[2]))]:
        out = path("txt-vec-" + cols.replace(",", "_"))
        if attempt(["vectorize", path("corpus.txt"), "--text-cols", cols, "-o", out]
                   + ALL_TERMS):
            same_terms(f".txt --text-cols {cols}", terms_by_doc(out),
                       {str(i): set(want_of(p)) for i, p in enumerate(PAPERS, 1)})

    # A truncated .gz: one error line naming the file, exit 1, no reports.
    many = [[f"t{i}", p[1], p[2]] for i, p in enumerate(PAPERS * 20)]
    whole = gz(csv_text(["id", "title", "abstract"], many))
    truncated = write(path("truncated.csv.gz"), whole[:len(whole) // 2])
    p = run(BINARY, ["run", truncated, "-o", path("trunc-out")] + run_args, status=1)
    err = p.stderr.decode("utf-8", "replace").strip().splitlines()
    check(len(err) == 1 and err[0].startswith(f"paperclust: {truncated}:"),
          f"truncated .gz: want one error line naming {truncated}, got {err}")
    check(not os.path.exists(os.path.join(path("trunc-out"), "assignments.csv")),
          "truncated .gz: reports were written")

    # --label-col categories: the first category is the label.
    out = path("categories")
    if attempt(["run", path("corpus.jsonl"), "--label-col", "categories", "-o", out]
               + run_args):
        got = [(r["doc_id"], r.get("label")) for r in
               dict_rows(os.path.join(out, "assignments.csv"))]
        want = [(i, c.split(" ")[0]) for i, _, _, c in PAPERS]
        check(got == want, f"--label-col categories: (id, label) {got}, want {want}")

    # --id-col, and row numbers when the default id column is absent.
    keys = [f"K{i}" for i in range(len(PAPERS))]
    write(path("keyed.csv"), csv_text(["key", "id", "title", "abstract"],
                                      [[k, p[0], p[1], p[2]] for k, p in zip(keys, PAPERS)]))
    write(path("noid.csv"), csv_text(["title", "abstract"], [[p[1], p[2]] for p in PAPERS]))
    for what, args, want in [
            ("--id-col key", [path("keyed.csv"), "--id-col", "key"], keys),
            ("default id column", [path("keyed.csv")], [p[0] for p in PAPERS]),
            ("no id column", [path("noid.csv")], [str(i) for i in range(1, len(PAPERS) + 1)])]:
        out = path("ids-" + what.replace(" ", "_"))
        if attempt(["run"] + args + ["-o", out] + run_args):
            got = [r["doc_id"] for r in dict_rows(os.path.join(out, "assignments.csv"))]
            check(got == want, f"{what}: ids {got}, want {want}")

    # --text-cols: only the named columns' words, joined without merging tokens.
    notes = [f"note{i} reviewed" for i in range(len(PAPERS))]
    write(path("notes.csv"), csv_text(["id", "title", "abstract", "notes"],
                                      [list(p[:3]) + [n] for p, n in zip(PAPERS, notes)]))
    for cols, want_of in [
            (None, lambda p, n: words(p[1] + "\n" + p[2])),
            ("title", lambda p, n: words(p[1])),
            ("notes,title", lambda p, n: words(n + "\n" + p[1]))]:
        out = path("cols-" + str(cols).replace(",", "_"))
        extra = ["--text-cols", cols] if cols else []
        if attempt(["vectorize", path("notes.csv"), "-o", out] + extra + ALL_TERMS):
            same_terms(f"--text-cols {cols}", terms_by_doc(out),
                       {p[0]: set(want_of(p, n)) for p, n in zip(PAPERS, notes)})


# ---- terms ----------------------------------------------------------------

def vectorize(tmp, name, docs, args):
    """Writes docs (abstracts) as a CSV, vectorizes it; the output folder or None."""
    corpus = write(os.path.join(tmp, name + ".csv"),
                   csv_text(["id", "title", "abstract"],
                            [[f"d{i}", "", d] for i, d in enumerate(docs)]))
    out = os.path.join(tmp, name + "-out")
    return out if attempt(["vectorize", corpus, "-o", out] + args) else None


def group_terms(tmp):
    # --stem english: Snowball's english stems (networks -> network,
    # studies/study -> studi, clustering/clusters/clustered -> cluster).
    docs = ["Neural networks", "A network of networks", "Case studies", "One study",
            "Clustering clusters", "Clustered"]
    stems = {"network": 2, "studi": 2, "cluster": 2}
    surface = {"networks", "studies", "study", "clustering", "clusters", "clustered"}
    out = vectorize(tmp, "stem", docs, ALL_TERMS + ["--stem", "english"])
    if out:
        v = vocabulary(out)
        check(all(t in v and int(v[t]["df"]) == df for t, df in stems.items()),
              f"--stem english: want {stems} (term: df) in {sorted(v)} "
              f"(df {[v[t]['df'] for t in stems if t in v]})")
        check(not surface & set(v), f"--stem english: unstemmed {sorted(surface & set(v))}")
    out = vectorize(tmp, "nostem", docs, ALL_TERMS)
    if out:
        v = vocabulary(out)
        want = {w for d in docs for w in words(d)}
        check(set(v) == want, f"no --stem: vocabulary {sorted(v)}, want {sorted(want)}")

    # --ngrams 2: unigrams and the bigrams of consecutive kept words (stop
    # words dropped first), written with a space.
    stop = {"of", "the", "on", "for"}
    stopfile = write(os.path.join(tmp, "ngram-stop.txt"), "\n".join(sorted(stop)) + "\n")
    docs = ["Graph neural networks for the prediction of molecular properties",
            "Message passing on graph neural networks", "Protein folding of small proteins"]
    kept = [[w for w in words(d) if w not in stop] for d in docs]
    want = {w for k in kept for w in k} | {f"{a} {b}" for k in kept for a, b in zip(k, k[1:])}
    args = ["--stopwords", stopfile, "--min-df", "1", "--max-df", "1.0", "--quiet"]
    out = vectorize(tmp, "bigrams", docs, args + ["--ngrams", "2"])
    if out:
        v = set(vocabulary(out))
        check(v == want, f"--ngrams 2: only ours {sorted(v - want)}, only expected "
                         f"{sorted(want - v)}")
    out = vectorize(tmp, "unigrams", docs, args)
    if out:
        v = set(vocabulary(out))
        check(v == {w for k in kept for w in k}, f"--ngrams 1 (default): vocabulary {sorted(v)}")
    ngram_reports(tmp)

    # --no-strip: LaTeX math and URLs are removed by default, kept with it.
    docs = [r"Quadratic forms $\alpha_{ij} x^2$ give \(\beta + \gamma\) bounds",
            "Code at https://example.org/paper/page and www.website.com today",
            "Plain words only here"]
    stripped = [re.sub(r"\$[^$]*\$|\\\(.*?\\\)|(https?://|www\.)\S*", " ", d) for d in docs]
    for what, extra, texts in [("default", [], stripped), ("--no-strip", ["--no-strip"], docs)]:
        out = vectorize(tmp, "strip" + "".join(extra), docs, ALL_TERMS + extra)
        if out:
            v, want = set(vocabulary(out)), {w for d in texts for w in words(d)}
            check(v == want, f"{what}: vocabulary {sorted(v)}, want {sorted(want)}")

    # --stopwords: none, english (default), sklearn, and a file with comments.
    doc = ("The system uses graph networks and protein data amoungst my stop list "
           "with comment trailing words")
    everything = set(words(doc))
    sklearn_words = {"the", "system", "and", "amoungst", "my", "with"}  # in ENGLISH_STOP_WORDS
    stopfile = write(os.path.join(tmp, "stop.txt"),
                     "# my stop list\ngraph   # trailing comment\n  NETWORKS\n\nProtein\n")
    bounds = ["--min-df", "1", "--max-df", "1.0", "--quiet"]
    for what, extra, want in [
            ("none", ["--stopwords", "none"], everything),
            ("english (default)", [], everything - sklearn_words),
            ("english", ["--stopwords", "english"], everything - sklearn_words),
            ("sklearn", ["--stopwords", "sklearn"], everything - sklearn_words),
            ("a file with # comments", ["--stopwords", stopfile],
             everything - {"graph", "networks", "protein"})]:
        out = vectorize(tmp, "stop-" + what.split(" ")[0], [doc], bounds + extra)
        if out:
            v = set(vocabulary(out))
            check(v == want, f"--stopwords {what}: only ours {sorted(v - want)}, only "
                             f"expected {sorted(want - v)}")

    # --max-features N: the N terms of highest count in the corpus (not of
    # highest document frequency: by df, epsilon would beat delta and alpha).
    docs = ["alpha " * 9 + "gamma", "beta " * 4 + "gamma " + "delta " * 3 + "epsilon",
            "beta gamma delta epsilon", "beta gamma zeta", "beta gamma epsilon zeta eta"]
    counts = {}
    for d in docs:
        for w in words(d):
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=lambda w: -counts[w])
    for n in (3, 4, len(counts) + 5):
        want = set(ranked[:n])
        if n < len(ranked):
            assert counts[ranked[n - 1]] > counts[ranked[n]], "the corpus must have no tie here"
        out = vectorize(tmp, f"maxfeat{n}", docs, ALL_TERMS + ["--max-features", str(n)])
        if out:
            v = set(vocabulary(out))
            check(v == want, f"--max-features {n}: {sorted(v)}, want {sorted(want)} "
                             f"(counts {counts})")


def ngram_reports(tmp):
    """With --ngrams 2 in `run`: bigrams in cluster_terms.csv keep their
    space; clusters.csv's top_terms are the cluster's first 10 of them, a
    bigram's space written '_'."""
    phrases = ["graph neural network", "protein folding dynamics", "stock market prices"]
    rng = random.Random(4)
    rows = []
    for i in range(30):
        topic = phrases[i % 3].split()
        filler = [f"w{rng.randrange(40)}" for _ in range(4)]
        rows.append([f"p{i}", " ".join(topic), " ".join(filler + topic)])
    corpus = write(os.path.join(tmp, "phrases.csv"), csv_text(["id", "title", "abstract"], rows))
    out = os.path.join(tmp, "phrases-out")
    if not attempt(["run", corpus, "-k", "3", "--ngrams", "2", "--max-df", "0.9", "--top", "0",
                    "-o", out, "--quiet"]):
        return
    terms = {}
    for r in dict_rows(os.path.join(out, "cluster_terms.csv")):
        terms.setdefault(r["cluster"], []).append(r["term"])
    bigrams = [t for ts in terms.values() for t in ts if " " in t]
    check(any(t in bigrams for t in ["graph neural", "protein folding", "stock market"]),
          f"--ngrams 2: no bigram in cluster_terms.csv: {terms}")
    for r in dict_rows(os.path.join(out, "clusters.csv")):
        want = [t.replace(" ", "_") for t in terms.get(r["cluster"], [])[:10]]
        check(r["top_terms"].split(" ") == want,
              f"--ngrams 2: cluster {r['cluster']} top_terms {r['top_terms']!r}, want {want}")


# ---- clustering -----------------------------------------------------------

def orthogonal_corpus(tmp, n=40):
    """n papers sharing no term.  k-means++ then picks its k centres uniformly
    among the papers (all at the same distance), the k-1 picked after the
    first stay alone in their clusters and every other paper joins the
    first: the reports name the drawn papers, so two seeds give the same
    reports only if they draw the same ordered 7 of 40 papers."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = lambda i, j: "".join(letters[(i * 7 + j * 3 + x) % 26] for x in range(3)) + f"{i}x{j}"
    rows = [[f"p{i}", word(i, 0), f"{word(i, 1)} {word(i, 2)}"] for i in range(n)]
    return write(os.path.join(tmp, "orthogonal.csv"), csv_text(["id", "title", "abstract"], rows))


def topics_corpus(tmp, name, n, seed=3):
    """n papers, each from one of 6 overlapping topics: k-means needs a dozen
    iterations to settle."""
    rng = random.Random(seed)
    topics = [[f"t{t}w{j}" for j in range(30)] for t in range(6)]
    shared = [f"common{j}" for j in range(60)]
    rows = []
    for i in range(n):
        t = rng.randrange(6)
        w = rng.choices(topics[t], k=8) + rng.choices(topics[(t + 1) % 6], k=4) + \
            rng.choices(shared, k=10)
        rows.append([f"d{i}", " ".join(w[:3]), " ".join(w[3:])])
    return write(os.path.join(tmp, name), csv_text(["id", "title", "abstract"], rows))


def group_clustering(tmp):
    path = lambda name: os.path.join(tmp, name)
    # --seed: same seed, same bytes; other seeds, other reports.
    corpus = orthogonal_corpus(tmp)
    args = ["run", corpus, "-k", "8", "--min-df", "1", "--max-df", "1.0", "--quiet"]
    outs = {}
    for label, seed in [("1", "1"), ("1 again", "1"), ("2", "2"), ("3", "3")]:
        outs[label] = path("seed-" + label.replace(" ", "_"))
        attempt(args + ["--seed", seed, "-o", outs[label]])
    if all(os.path.exists(os.path.join(o, "summary.csv")) for o in outs.values()):
        same_reports("--seed 1 twice", outs["1 again"], outs["1"], drop=())
        for a, b in [("1", "2"), ("1", "3"), ("2", "3")]:
            for name in ["assignments.csv", "clusters.csv"]:
                check(comparable(outs[a], [name])[name] != comparable(outs[b], [name])[name],
                      f"--seed {a} and --seed {b}: same {name} on the orthogonal corpus")

    # --n-init N: restart r is the same whatever N (one random stream, drawn
    # in the same order), so the objective kept with N restarts is the best
    # of restarts 0..N-1: it never falls as N grows, rises exactly when the
    # new restart is better (then best_init = N-1), and the reports are
    # those of --n-init best_init+1.  On the seed corpus with -k 4 restarts
    # 2 and 4 improve on the earlier ones.
    runs = {}
    for n in range(1, 6):
        out = path(f"ninit{n}")
        if attempt(["run", SEED_CORPUS, "-k", "4", "--top", "0", "--n-init", str(n), "-o", out,
                    "--quiet"]):
            s = summary(out)
            runs[n] = (float(s["objective"]), int(s["best_init"]), out)
    if len(runs) == 5:
        print("--n-init 1..5: (objective, best_init):", [runs[n][:2] for n in range(1, 6)])
        for n in range(2, 6):
            (prev, prev_best, _), (obj, best, out) = runs[n - 1], runs[n]
            check(obj >= prev, f"--n-init {n}: objective {obj} below --n-init {n - 1}'s {prev}")
            want_best = n - 1 if obj > prev else prev_best
            check(best == want_best, f"--n-init {n}: best_init {best}, want {want_best} "
                                     f"(objective {obj} after {prev})")
        for n in range(1, 6):
            _, best, out = runs[n]
            check(0 <= best < n, f"--n-init {n}: best_init {best}")
            if 0 <= best < n:
                same_reports(f"--n-init {n} against --n-init {best + 1}", out,
                             runs[best + 1][2], drop=("n_init",))
        check(any(runs[n][1] > 0 for n in runs),
              "--n-init: no restart after the first was ever kept (the test needs a corpus "
              "where restarts matter)")

    # --max-iter N: at most N iterations; exactly N when more are needed.
    # --tol X: a larger tolerance never iterates longer, a huge one stops early.
    topics = topics_corpus(tmp, "topics.csv", 300)
    base = ["run", topics, "-k", "6", "--n-init", "1", "--top", "0", "--quiet"]
    iterations = {}
    for what, extra in [("default", []), ("max-iter 1", ["--max-iter", "1"]),
                        ("max-iter 2", ["--max-iter", "2"]), ("max-iter 3", ["--max-iter", "3"]),
                        ("tol 0", ["--tol", "0"]), ("tol 1e-2", ["--tol", "1e-2"]),
                        ("tol 1e-1", ["--tol", "0.1"]), ("tol 1e9", ["--tol", "1e9"])]:
        out = path(what.replace(" ", "_"))
        if attempt(base + extra + ["-o", out]):
            iterations[what] = int(summary(out)["iterations"])
    print("iterations:", iterations)
    if len(iterations) == 8:
        natural = iterations["default"]
        check(natural > 3, f"the topics corpus needs {natural} iterations, the test wants > 3")
        for n in (1, 2, 3):
            check(iterations[f"max-iter {n}"] == min(n, natural),
                  f"--max-iter {n}: {iterations[f'max-iter {n}']} iterations, want {min(n, natural)}")
        tols = ["tol 0", "tol 1e-2", "tol 1e-1", "tol 1e9"]
        check(all(iterations[a] >= iterations[b] for a, b in zip(tols, tols[1:])),
              f"--tol: more iterations with a larger tolerance: {[iterations[t] for t in tols]}")
        check(iterations["tol 1e9"] < iterations["tol 0"],
              f"--tol 1e9 ran {iterations['tol 1e9']} iterations, --tol 0 {iterations['tol 0']}")

    # --top 0: related.csv holds its header only, summary.csv no related_* key;
    # --top 2 (the control) lists 2 per paper.
    for top, rows_per_paper in [("0", 0), ("2", 2)]:
        out = path("top" + top)
        if attempt(["run", SEED_CORPUS, "-k", "3", "--top", top, "-o", out, "--quiet"]):
            related = read_csv(os.path.join(out, "related.csv"))
            check(related[0] == ["doc_id", "rank", "related_id", "similarity"]
                  and len(related) - 1 == 52 * rows_per_paper,
                  f"--top {top}: related.csv has {len(related) - 1} rows, want {52 * rows_per_paper}")
            keys = sorted(k for k in summary(out) if k.startswith("related_"))
            want = [] if top == "0" else ["related_multiply_adds", "related_sum_df2"]
            check(keys == want, f"--top {top}: summary related_* keys {keys}, want {want}")

    # -o DIR, --output DIR (folders created, nested too), and the default ./out.
    for what, args, where in [("-o", ["-o", path("o/short")], path("o/short")),
                              ("--output", ["--output", path("o/long/er")], path("o/long/er")),
                              ("--output=", [f"--output={path('o/eq')}"], path("o/eq")),
                              ("no option", [], path("cwd/out"))]:
        os.makedirs(path("cwd"), exist_ok=True)
        if attempt(["run", SEED_CORPUS, "-k", "3", "--top", "2", "--quiet"] + args,
                   cwd=path("cwd")):
            present = sorted(os.listdir(where)) if os.path.isdir(where) else None
            check(present == sorted(RUN_REPORTS), f"{what}: {where} holds {present}")

    # --progress: the progress display on a pipe too (stderr here); the last of --quiet and
    # --progress counts; the closing lines stay but after --quiet.
    for flags, shown in [([], False), (["--progress"], True), (["--progress", "--quiet"], False),
                         (["--quiet", "--progress"], True)]:
        p = run(BINARY, ["run", SEED_CORPUS, "-k", "3", "--top", "2", "--no-html", "-o",
                         path("progress")] + flags)
        err = p.stderr.decode("utf-8", "replace")
        check(("k-means: 100%" in err) == shown,
              f"{' '.join(flags) or 'no flag'}: progress on a pipe {'k-means: 100%' in err}, "
              f"want {shown}")
        check(("Reports in" in err) == ("--quiet" not in flags[-1:]),
              f"{' '.join(flags) or 'no flag'}: closing lines {'Reports in' in err}")

    # Default k: round(sqrt(documents / 2)) clamped to 2..50, for sizes on
    # both sides of each rounding step and of the clamps.
    for n in [2, 3, 12, 13, 24, 25, 5100, 5101]:
        want = max(2, min(50, math.floor(math.sqrt(n / 2) + 0.5)))
        corpus = topics_corpus(tmp, f"size{n}.csv", n, seed=n)
        out = path(f"size{n}")
        if attempt(["run", corpus, "--top", "0", "--n-init", "1", "--max-iter", "2", "-o", out,
                    "--quiet"]):
            s = summary(out)
            check(s.get("documents") == str(n) and s.get("k") == str(want),
                  f"default k for {n} documents: summary k {s.get('k')} (documents "
                  f"{s.get('documents')}), want {want}")


# ---- documents with no terms ----------------------------------------------

def group_empty(tmp):
    """Papers of only stop words, one-letter words or words pruned by
    --min-df 2 have no term: a warning, cluster 0, similarity 0, never a
    related paper nor listed as one.  Several seeds, so that the cluster the
    empty papers sit in during k-means is sometimes not the largest."""
    rows = [[f"a{i}", "graph network", "graph network node edge"] for i in range(8)]
    rows += [[f"b{i}", "protein folding", "protein folding structure"] for i in range(5)]
    rows += [[f"c{i}", "market price", "market price stock"] for i in range(4)]
    empty = {"e0": ["the of", "and a"], "e1": ["x y z", "a b"], "e2": ["zyxwv", "qwertz"]}
    rows += [[i] + t for i, t in empty.items()]
    corpus = write(os.path.join(tmp, "empty.csv"), csv_text(["id", "title", "abstract"], rows))
    for seed in range(1, 9):
        out = os.path.join(tmp, f"empty{seed}")
        p = run(BINARY, ["run", corpus, "-k", "3", "--top", "5", "--seed", str(seed), "-o", out,
                         "--quiet"])
        if p.returncode != 0:
            continue
        warnings = [l for l in p.stderr.decode("utf-8", "replace").splitlines()
                    if l.startswith("paperclust: warning:")]
        check(any(f"{len(empty)} of {len(rows)} documents have no terms" in l for l in warnings),
              f"seed {seed}: no warning counting {len(empty)} empty papers of {len(rows)}: "
              f"{warnings}")
        got = [(r["doc_id"], r["cluster"], float(r["similarity"]))
               for r in dict_rows(os.path.join(out, "assignments.csv")) if r["doc_id"] in empty]
        want = [(i, "0", 0.0) for i in empty]
        check(got == want, f"seed {seed}: papers with no term (id, cluster, similarity) {got}, "
                           f"want {want}; clusters.csv "
                           f"{read_csv(os.path.join(out, 'clusters.csv'))[1:]}")
        listed = [r for r in dict_rows(os.path.join(out, "related.csv"))
                  if r["doc_id"] in empty or r["related_id"] in empty]
        check(not listed, f"seed {seed}: related.csv lists papers with no term: {listed}")


# ---- thread count ---------------------------------------------------------

def group_threads(tmp):
    if not os.path.exists(CLASSIC4):
        print(f"SKIP: {CLASSIC4} is absent: the thread-count test needs a corpus of many "
              "64-paper blocks")
        sys.exit(77)
    outs = {}
    for threads in ["1", "2", "3"]:
        for command, extra in [("run", ["-k", "4", "--n-init", "1", "--top", "10"]),
                               ("vectorize", [])]:
            out = os.path.join(tmp, f"{command}{threads}")
            if attempt([command, CLASSIC4, "--threads", threads, "-o", out, "--quiet"] + extra):
                outs[command, threads] = out
    for command, names in [("run", RUN_REPORTS), ("vectorize", VECTORIZE_REPORTS)]:
        for threads in ["2", "3"]:
            if (command, "1") in outs and (command, threads) in outs:
                same_reports(f"classic4 {command} --threads {threads} against --threads 1",
                             outs[command, threads], outs[command, "1"], drop=(), names=names)
    if ("run", "1") in outs:
        s = summary(outs["run", "1"])
        check(int(s["documents"]) > 64 * 4, f"classic4: {s['documents']} documents")
        related = read_csv(os.path.join(outs["run", "1"], "related.csv"))
        check(len(related) > 1, "classic4: no related papers were compared")


# ---- the built-in stop lists against scikit-learn's -----------------------

def group_stoplist_sklearn(tmp):
    try:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    except ImportError as e:
        print(f"SKIP: scikit-learn is not available to {sys.executable}: {e}")
        sys.exit(77)
    others = ["graph", "protein", "market", "computing"]
    doc = " ".join(sorted(ENGLISH_STOP_WORDS) + others)
    everything = {w for w in words(doc)}
    for what, spec, want in [("english", "english", set(others)),
                             ("sklearn", "sklearn", set(others)), ("none", "none", everything)]:
        out = vectorize(tmp, "sk-" + what, [doc, doc],
                        ["--stopwords", spec, "--min-df", "1", "--max-df", "1.0", "--quiet"])
        if out:
            v = set(vocabulary(out))
            check(v == want, f"--stopwords {what} against scikit-learn's {len(ENGLISH_STOP_WORDS)}"
                             f" words: only ours {sorted(v - want)}, only expected "
                             f"{sorted(want - v)}")


GROUPS = {"input": group_input, "terms": group_terms, "clustering": group_clustering,
          "empty": group_empty, "threads": group_threads,
          "stoplist_sklearn": group_stoplist_sklearn}

if __name__ == "__main__":
    group = sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        GROUPS[group](tmp)
    e2e_util.finish()
