#!/usr/bin/env python3
"""The saved model and `paperclust assign`, through the real binary.

usage: e2e_model.py PAPERCLUST SOURCE_DIR GROUP
GROUP seed: `run --save-model` on datasets/seed_papers.csv, then `assign` of
      the same corpus gives run's assignments.csv and related.csv byte for
      byte, with 1 or 2 threads, from CSV or the same papers as JSON Lines;
      the model holds its tokenizer options (a stop-word file changed or
      removed after the run changes nothing; stemming, bigrams, --no-strip,
      --raw-tf kept); a copy of a paper under a new id gets the paper's
      cluster and similarity and lists the paper first at 1.000000; a paper
      of unknown words goes to cluster 0 at 0 with no related papers; summary
      rows counted by hand.
GROUP sklearn: new papers against a model made with scikit-learn's settings
      (--sklearn-tokens --stopwords sklearn --min-df 1 --max-df 1.0): their
      related.csv equals TfidfVectorizer.transform + brute-force cosine
      against fit_transform of the corpus (ids, and similarity within 1e-5).
GROUP bisect: a model made by --method bisect places papers down the
      bisection's tree: assign of the corpus gives run's assignments.csv and
      related.csv byte for byte with 1 and 2 threads, on the seed corpus
      (-k 8) and on 100 made-up papers of 5 overlapping topics (-k 6) where
      some papers' nearest centroid (computed here from model.bin, read as
      model.h lays it out) is another cluster; those papers shuffled get the
      same rows; summary says method bisect.
GROUP classic4: the same byte-for-byte reproduction on classic4 (-k 4),
      with 1 and 2 threads, by k-means and by bisection (skipped without
      ../shared).
GROUP errors: a missing, empty, truncated, bit-flipped (60 places, header
      included), older-version, newer-version, other-byte-order or foreign
      model, usage errors, an unwritable output folder and an unwritable
      --save-model folder: a one-line error naming the file, exit 1 (2 for
      usage), never a crash, earlier reports untouched.
Exits 77 (CTest's skip) when the group cannot run here, saying why.
"""
import csv
import json
import os
import random
import shutil
import struct
import sys
import tempfile
import zlib

import e2e_util
from e2e_util import check, read_csv, run

BINARY = sys.argv[1]
SOURCE = sys.argv[2]
SEED = os.path.join(SOURCE, "datasets", "seed_papers.csv")
CLASSIC4 = os.path.join(SOURCE, "..", "shared", "corpora", "classic4.csv")
SKIP = 77


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def same_file(a, b, what):
    check(read_bytes(a) == read_bytes(b), f"{what}: {a} and {b} differ")


def run_and_assign(tmp, corpus, run_args, assign_args=(), assign_corpus=None, name="m"):
    """run CORPUS --save-model, then assign the same (or another) corpus;
    returns (run folder, model folder, assign folder)."""
    out, model, assigned = (os.path.join(tmp, f"{name}-{x}") for x in ("run", "model", "assign"))
    run(BINARY, ["run", corpus, "-o", out, "--save-model", model, "--quiet"] + list(run_args))
    run(BINARY, ["assign", model, assign_corpus or corpus, "-o", assigned, "--quiet"] +
        list(assign_args))
    return out, model, assigned


def reproduces(out, assigned, what, related=True):
    same_file(os.path.join(out, "assignments.csv"), os.path.join(assigned, "assignments.csv"),
              f"{what}: assignments.csv")
    if related:
        same_file(os.path.join(out, "related.csv"), os.path.join(assigned, "related.csv"),
                  f"{what}: related.csv")


def summary(path):
    return {r[0]: r[1] for r in read_csv(os.path.join(path, "summary.csv"))[1:]}


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def seed_rows():
    with open(SEED, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---- seed ----------------------------------------------------------------

def group_seed(tmp):
    # the corpus itself, 1 and 2 threads, CSV and JSON Lines
    out, model, assigned = run_and_assign(tmp, SEED, ["-k", "5", "--threads", "2"],
                                          ["--threads", "1"])
    reproduces(out, assigned, "seed, 1 thread")
    again = os.path.join(tmp, "again")
    run(BINARY, ["assign", model, SEED, "-o", again, "--quiet", "--threads", "2"])
    reproduces(out, again, "seed, 2 threads")
    jsonl = os.path.join(tmp, "seed.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for r in seed_rows():
            f.write(json.dumps(r) + "\n")
    as_json = os.path.join(tmp, "json")
    run(BINARY, ["assign", model, jsonl, "-o", as_json, "--quiet"])
    reproduces(out, as_json, "seed as JSON Lines")
    s = summary(assigned)
    check(s.get("documents") == "52" and s.get("model_documents") == "52" and s.get("k") == "5",
          f"summary: documents/model_documents/k: {s}")

    # tokenizer options travel in the model: a stop-word file changed after the run
    stop = os.path.join(tmp, "stop.txt")
    with open(stop, "w") as f:
        f.write("learning\nmodel\nmodels\ndata\n")
    cases = [("stopfile", ["--stopwords", stop + "+english"]),
             ("stem-bigrams", ["--stem", "english", "--ngrams", "2"]),
             ("nostrip-rawtf", ["--no-strip", "--raw-tf", "--min-df", "1"]),
             ("sklearn", ["--sklearn-tokens", "--stopwords", "sklearn", "--max-features", "300"])]
    for name, args in cases:
        o = os.path.join(tmp, f"{name}-run")
        m = os.path.join(tmp, f"{name}-model")
        a = os.path.join(tmp, f"{name}-assign")
        run(BINARY, ["run", SEED, "-k", "4", "-o", o, "--save-model", m, "--quiet"] + args)
        if name == "stopfile":
            with open(stop, "w") as f:
                f.write("the\n")  # another list now: the model must not read it
        run(BINARY, ["assign", m, SEED, "-o", a, "--quiet"])
        reproduces(o, a, f"seed with {' '.join(args)}")
    os.remove(stop)
    a = os.path.join(tmp, "stopfile-gone")
    run(BINARY, ["assign", os.path.join(tmp, "stopfile-model"), SEED, "-o", a, "--quiet"])
    reproduces(os.path.join(tmp, "stopfile-run"), a, "seed, stop-word file removed")

    # the pipeline's corners: bounds relaxed (near-identical papers), a paper
    # with no term (cluster 0, similarity 0), fewer than 4 papers (every term kept)
    same = [[f"s{i}", "graph networks", "graph networks for molecules"] for i in range(20)] + \
        [["empty", "The of", "and the"]]  # identical papers: equal centroids, ties
    for name, rows, k in [("relaxed", same, "3"), ("three", same[:2] + same[-1:], "2")]:
        corpus = write_csv(os.path.join(tmp, f"{name}.csv"), ["id", "title", "abstract"], rows)
        o, m, a = (os.path.join(tmp, f"{name}-{x}") for x in ("run", "model", "assign"))
        p = run(BINARY, ["run", corpus, "-k", k, "-o", o, "--save-model", m, "--quiet"])
        err = p.stderr.decode("utf-8", "replace")
        check("no terms left" in err and ("bounds leave none" in err or "only 3 documents" in err),
              f"{name}: the run should warn of relaxed bounds and a paper without terms: {err!r}")
        run(BINARY, ["assign", m, corpus, "-o", a, "--quiet"])
        reproduces(o, a, f"{name} corpus")
        rows_out = {r["doc_id"]: r for r in csv.DictReader(open(os.path.join(a, "assignments.csv")))}
        check((rows_out["empty"]["cluster"], rows_out["empty"]["similarity"]) == ("0", "0.000000"),
              f"{name}: the paper without terms: {rows_out['empty']}")

    # a copy under a new id, a paper of unknown words, a hand-counted one
    rows = seed_rows()
    original = rows[7]
    fresh = write_csv(os.path.join(tmp, "fresh.csv"), ["id", "title", "abstract"], [
        ["copy-of-8", original["title"], original["abstract"]],
        ["nonsense", "Zqxv wprt", "blorf snarx quuxel zzyzx"],
        ["counted", "Zqxv reinforcement", "the learning of blorf"],
    ])
    got = os.path.join(tmp, "fresh-out")
    p = run(BINARY, ["assign", model, fresh, "-o", got])
    err = p.stderr.decode("utf-8", "replace")
    check("1 of 3 papers have no term the model knows" in err,
          f"warning about the paper of unknown words: {err!r}")
    check("Placed in the 5 clusters of" in err and "Reports in" in err,
          f"closing lines: {err!r}")
    ours = {r["doc_id"]: r for r in csv.DictReader(open(os.path.join(out, "assignments.csv")))}
    new = {r["doc_id"]: r for r in csv.DictReader(open(os.path.join(got, "assignments.csv")))}
    want = ours[original["id"]]
    check((new["copy-of-8"]["cluster"], new["copy-of-8"]["similarity"]) ==
          (want["cluster"], want["similarity"]),
          f"a copy of {original['id']}: {new['copy-of-8']} against {want}")
    check((new["nonsense"]["cluster"], new["nonsense"]["similarity"]) == ("0", "0.000000"),
          f"unknown words: {new['nonsense']}")
    related = [r for r in read_csv(os.path.join(got, "related.csv"))[1:]]
    first = [r for r in related if r[0] == "copy-of-8" and r[1] == "1"]
    check(first == [["copy-of-8", "1", original["id"], "1.000000"]],
          f"a copy lists the original first at 1: {first}")
    check(not any(r[0] == "nonsense" for r in related), "a paper of unknown words has no related")
    # unknown tokens counted by hand: the default tokenizer keeps lower-cased
    # words of 2+ letters that are not English stop words ("the", "of"); a
    # token is unknown unless the run's vocabulary.csv (vectorize, the same
    # options) holds it
    words = os.path.join(tmp, "words")
    run(BINARY, ["vectorize", SEED, "-o", words, "--quiet"])
    known = {r[0] for r in read_csv(os.path.join(words, "vocabulary.csv"))[1:]}
    texts = ["Zqxv wprt\nblorf snarx quuxel zzyzx", "Zqxv reinforcement\nthe learning of blorf"]
    tokens = [w for t in texts for w in t.lower().split() if w not in ("the", "of")]
    unknown = sum(w not in known for w in tokens)
    print(f"{len(tokens)} tokens, {unknown} unknown: {tokens}")
    check(unknown >= 7 and unknown < len(tokens), f"the words do not test both kinds: {tokens}")
    counted = write_csv(os.path.join(tmp, "counted.csv"), ["id", "title", "abstract"],
                        [["nonsense", "Zqxv wprt", "blorf snarx quuxel zzyzx"],
                         ["counted", "Zqxv reinforcement", "the learning of blorf"]])
    got = os.path.join(tmp, "counted-out")
    run(BINARY, ["assign", model, counted, "-o", got, "--quiet"])
    s = summary(got)
    check(s.get("unknown_tokens") == str(unknown) and s.get("empty_documents") == "1" and
          s.get("documents") == "2" and s.get("top") == "10",
          f"summary of the new papers: {s}")


# ---- sklearn -------------------------------------------------------------

def group_sklearn(tmp):
    try:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError as e:
        skip(f"scikit-learn is not available to {sys.executable}: {e}")
    rows = seed_rows()
    train, new = rows[:40], rows[40:]
    train_csv = write_csv(os.path.join(tmp, "train.csv"), ["id", "title", "abstract"],
                          [[r["id"], r["title"], r["abstract"]] for r in train])
    new_rows = [[f"new-{r['id']}", r["title"], r["abstract"]] for r in new]
    new_rows.append(["mixed", train[3]["title"], new[2]["abstract"]])
    new_csv = write_csv(os.path.join(tmp, "new.csv"), ["id", "title", "abstract"], new_rows)
    top = 5
    args = ["-k", "3", "--sklearn-tokens", "--stopwords", "sklearn", "--min-df", "1",
            "--max-df", "1.0", "--top", str(top)]
    out, model, got = run_and_assign(tmp, train_csv, args, ["--top", str(top)], new_csv)
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float64)
    X = vec.fit_transform([r["title"] + "\n" + r["abstract"] for r in train])
    Q = vec.transform([r[1] + "\n" + r[2] for r in new_rows])
    sims = (Q @ X.T).toarray()
    want = {}
    for q, r in enumerate(new_rows):
        order = sorted(range(len(train)), key=lambda j: (-sims[q, j], j))
        want[r[0]] = [(train[j]["id"], sims[q, j]) for j in order[:top] if sims[q, j] > 0]
    have = {}
    for r in read_csv(os.path.join(got, "related.csv"))[1:]:
        have.setdefault(r[0], []).append((r[2], float(r[3])))
    compared = 0
    for doc, expect in want.items():
        mine = have.get(doc, [])
        check(len(mine) == len(expect), f"{doc}: {len(mine)} related, scikit-learn {len(expect)}")
        for (a, sa), (b, sb) in zip(mine, expect):
            compared += 1
            check(abs(sa - sb) <= 1e-5, f"{doc}: similarity {sa} against scikit-learn's {sb}")
            if a != b:  # only a near-tie may swap
                sim_a = sims[new_rows.index(next(x for x in new_rows if x[0] == doc)),
                             [t["id"] for t in train].index(a)]
                check(abs(sim_a - sb) <= 1e-5, f"{doc}: {a} listed where scikit-learn has {b}")
    print(f"compared {compared} related papers of {len(new_rows)} new papers with scikit-learn")
    check(compared >= len(new_rows) * top - 5, f"only {compared} related papers compared")


# ---- bisect --------------------------------------------------------------

def model_sections(path):
    """The sections of a model.bin, by id, as model.h lays them out."""
    data = read_bytes(os.path.join(path, "model.bin"))
    n = struct.unpack_from("<I", data, 28)[0]
    table = [struct.unpack_from("<IIQQ", data, 64 + 24 * i) for i in range(n)]
    return {sid: data[off:off + size] for sid, _, off, size in table}


def nearest_elsewhere(model, out):
    """Papers of the run (out) whose nearest centroid in the model is not
    their cluster: where descending the tree matters."""
    sec = model_sections(model)
    meta = struct.unpack("<16q", sec[1])
    n, terms, k, nnz, method = meta[0], meta[1], meta[2], meta[3], meta[13]
    check(method == 1, f"the model's method is {method}, not 1 (bisection)")
    check(len(sec[19]) == 4 * 2 * (k - 1) and len(sec[20]) == 4 * 2 * (k - 1) * terms,
          f"split sections of {len(sec[19])} and {len(sec[20])} bytes for k = {k}")
    centroid = struct.unpack(f"<{k * terms}f", sec[9])
    row_ptr = struct.unpack(f"<{n + 1}q", sec[14])
    col = struct.unpack(f"<{nnz}i", sec[15])
    val = struct.unpack(f"<{nnz}f", sec[16])
    ids = sec[18].split(b"\0")[:-1]
    cluster = {r["doc_id"]: int(r["cluster"])
               for r in csv.DictReader(open(os.path.join(out, "assignments.csv")))}
    elsewhere = 0
    for i in range(n):
        dots = [sum(val[p] * centroid[c * terms + col[p]] for p in range(row_ptr[i], row_ptr[i + 1]))
                for c in range(k)]
        own = cluster[ids[i].decode("utf-8")]
        elsewhere += row_ptr[i + 1] > row_ptr[i] and max(dots) > dots[own] + 1e-6
    return elsewhere


def bisect_reproduced(tmp, corpus, args, what, must_matter=True):
    """run --method bisect, assign with 1 and 2 threads: run's reports back;
    with must_matter, some paper's nearest centroid is another cluster."""
    out, model, assigned = run_and_assign(tmp, corpus, args + ["--method", "bisect"],
                                          ["--threads", "1"], name=what)
    reproduces(out, assigned, f"{what}, bisection, 1 thread")
    again = os.path.join(tmp, f"{what}-again")
    run(BINARY, ["assign", model, corpus, "-o", again, "--quiet", "--threads", "2"])
    reproduces(out, again, f"{what}, bisection, 2 threads")
    check(summary(assigned).get("method") == "bisect", f"{what}: summary's method")
    elsewhere = nearest_elsewhere(model, out)
    print(f"{what}: {elsewhere} papers have their nearest centroid in another cluster")
    check(elsewhere > 0 or not must_matter,
          f"{what}: no paper tells descending from the nearest centroid")
    return out, model


def overlapping_topics(n=100, topics=5, purity=0.3, seed=5):
    """n made-up papers: 14 words each, a share `purity` from their topic's
    12 words, the rest from 40 words all topics share."""
    rng = random.Random(seed)
    pools = [[f"t{t}w{j}" for j in range(12)] for t in range(topics)]
    common = [f"cw{j}" for j in range(40)]
    rows = []
    for i in range(n):
        words = [rng.choice(pools[i % topics]) if rng.random() < purity else rng.choice(common)
                 for _ in range(14)]
        rows.append([f"p{i:03d}", " ".join(words[:2]), " ".join(words[2:]), f"topic{i % topics}"])
    return rows


def group_bisect(tmp):
    bisect_reproduced(tmp, SEED, ["-k", "8", "--threads", "2"], "seed", must_matter=False)
    rows = overlapping_topics()
    header = ["id", "title", "abstract", "label"]
    mixed = write_csv(os.path.join(tmp, "mixed.csv"), header, rows)
    out, model = bisect_reproduced(tmp, mixed, ["-k", "6"], "mixed")
    random.Random(3).shuffle(rows)
    shuffled = write_csv(os.path.join(tmp, "shuffled.csv"), header, rows)
    got = os.path.join(tmp, "shuffled-out")
    run(BINARY, ["assign", model, shuffled, "-o", got, "--quiet"])
    want = sorted(read_csv(os.path.join(out, "assignments.csv"))[1:])
    have = sorted(read_csv(os.path.join(got, "assignments.csv"))[1:])
    check(have == want, "a shuffled corpus: other assignments than the run's")


# ---- classic4 ------------------------------------------------------------

def group_classic4(tmp):
    if not os.path.exists(CLASSIC4):
        skip(f"{CLASSIC4} is absent")
    out, model, assigned = run_and_assign(tmp, CLASSIC4, ["-k", "4", "--no-html", "--threads", "2"],
                                          ["--threads", "1"])
    reproduces(out, assigned, "classic4, 1 thread")
    again = os.path.join(tmp, "again")
    run(BINARY, ["assign", model, CLASSIC4, "-o", again, "--quiet", "--threads", "2"])
    reproduces(out, again, "classic4, 2 threads")
    s, r = summary(assigned), summary(out)
    check(s.get("nmi") == r.get("nmi"), f"nmi {s.get('nmi')} against the run's {r.get('nmi')}")
    bisect_reproduced(tmp, CLASSIC4, ["-k", "4", "--no-html", "--threads", "2"], "classic4")


# ---- errors --------------------------------------------------------------

def fix_crc(data):
    data = bytearray(data)
    data[24:28] = b"\0\0\0\0"
    data[24:28] = struct.pack("<I", zlib.crc32(bytes(data)))
    return bytes(data)


def refused(model, what, want, status=1, corpus=None):
    """assign with `model` must fail with one line naming the model file and holding want."""
    out = refused.out
    before = {n: read_bytes(os.path.join(out, n)) for n in os.listdir(out)}
    p = run(BINARY, ["assign", model, corpus or SEED, "-o", out], status=status)
    err = p.stderr.decode("utf-8", "replace")
    lines = err.strip().split("\n")
    check(p.returncode >= 0, f"{what}: killed by signal {-p.returncode}")
    check(len(lines) == 1 and lines[0].startswith("paperclust: "),
          f"{what}: not one line: {err!r}")
    check(want in err, f"{what}: {err!r} lacks {want!r}")
    after = {n: read_bytes(os.path.join(out, n)) for n in os.listdir(out)}
    check(before == after, f"{what}: the earlier reports changed")
    return err


def group_errors(tmp):
    out, model, assigned = run_and_assign(tmp, SEED, ["-k", "5", "--top", "3"])
    refused.out = assigned
    file = os.path.join(model, "model.bin")
    good = read_bytes(file)

    def variant(name, data):
        folder = os.path.join(tmp, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "model.bin"), "wb") as f:
            f.write(data)
        return folder

    missing = os.path.join(tmp, "nowhere")
    refused(missing, "missing", f"{missing}/model.bin: cannot open the model: No such file")
    refused(tmp, "folder without a model", f"{tmp}/model.bin: cannot open the model")
    m = variant("empty", b"")
    refused(m, "empty", f"{m}/model.bin: empty file, not a paperclust model")
    for cut in (5, 40, len(good) // 2, len(good) - 1):
        m = variant(f"cut{cut}", good[:cut])
        refused(m, f"truncated at {cut}", f"{m}/model.bin: truncated")
    rng = random.Random(11)
    places = [0, 7, 8, 12, 16, 24, 28, 40, 64, 100] + \
        sorted(rng.randrange(len(good)) for _ in range(50))
    for at in places:
        data = bytearray(good)
        data[at] ^= 1 << rng.randrange(8)
        m = variant("flip", bytes(data))
        refused(m, f"bit flip at byte {at}", f"{m}/model.bin: ")
    m = variant("crc", good[:len(good) - 1] + bytes([good[-1] ^ 0x10]))
    refused(m, "last byte flipped", f"{m}/model.bin: damaged: checksum mismatch")
    m = variant("older", fix_crc(good[:8] + struct.pack("<I", 0) + good[12:]))
    refused(m, "older version", "model format version 0, older than this paperclust's 1")
    m = variant("newer", fix_crc(good[:8] + struct.pack("<I", 2) + good[12:]))
    refused(m, "newer version", "model format version 2, newer than this paperclust's 1")
    m = variant("swapped", fix_crc(good[:12] + struct.pack(">I", 0x01020304) + good[16:]))
    refused(m, "other byte order", "other byte order")
    m = variant("foreign", read_bytes(SEED))
    refused(m, "a CSV file", f"{m}/model.bin: not a paperclust model")
    m = variant("gzip", b"\x1f\x8b\x08\x00" + bytes(200))
    refused(m, "a gzip file", "not a paperclust model")
    p = run(BINARY, ["assign", file, SEED, "-o", os.path.join(tmp, "byfile"), "--quiet"])
    check(p.returncode == 0, "the model file named directly")

    # usage errors (exit 2) and an unwritable output folder (exit 1)
    for args in (["assign"], ["assign", model], ["assign", model, SEED, "extra"],
                 ["assign", model, SEED, "--top", "-1"], ["assign", model, SEED, "-k", "3"],
                 ["assign", model, SEED, "--format", "xml"]):
        p = run(BINARY, args, status=2)
        check(len(p.stderr.decode().strip().split("\n")) == 1, f"{args}: not one line")
    blocker = os.path.join(tmp, "blocker")
    open(blocker, "w").close()
    p = run(BINARY, ["assign", model, SEED, "-o", blocker, "--quiet"], status=1)
    check(b"cannot create the output folder" in p.stderr, f"output folder a file: {p.stderr!r}")
    # --save-model where a file stands: the reports are written, the model is not
    o = os.path.join(tmp, "blocked-run")
    p = run(BINARY, ["run", SEED, "-k", "3", "-o", o, "--save-model", blocker, "--quiet"],
            status=1)
    check(b"cannot create the model folder" in p.stderr and blocker.encode() in p.stderr,
          f"--save-model on a file: {p.stderr!r}")
    # a bad input for assign: the input's own error
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write('id,title,abstract\n1,"open\n')
    refused(model, "a malformed input", f"{bad}:2: unterminated quoted field", corpus=bad)


def main():
    group = sys.argv[3] if len(sys.argv) > 3 else "seed"
    groups = {"seed": group_seed, "bisect": group_bisect, "sklearn": group_sklearn,
              "classic4": group_classic4, "errors": group_errors}
    with tempfile.TemporaryDirectory() as tmp:
        groups[group](tmp)
    e2e_util.finish()


if __name__ == "__main__":
    main()
