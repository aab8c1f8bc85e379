#!/usr/bin/env python3
"""End-to-end test of paperclust-mpi: the same reports as `paperclust run`,
for any number of processes (README, "Several processes: paperclust-mpi").

usage: e2e_mpi.py PAPERCLUST PAPERCLUST_MPI MPIRUN SOURCE_DIR CASE
CASE seed:     datasets/seed_papers.csv with the default options, run by 1, 2,
               3 and 4 processes; its papers 7 times over (364 papers, 6 lane
               blocks of the related stage) by 2, 3 and 4; then, by 3
               processes, other options (bisection, a k sweep, hybrid
               similarity, feedback and the silhouette, bigrams and stems,
               clustering on the LSA, a saved model); and the progress display
               (rank 0's, on a pipe only with --progress, not after --quiet).
CASE classic4: ../shared/corpora/classic4.csv (-k 4 --top 10 --links
               cisi_links.csv) by 1, 2, 3 and 4 processes; then by 4, the
               traffic per stage that PAPERCLUST_MPI_TRACE prints (every rank's
               stages, their sum, k-means' bytes bounded); then in four shards
               made here, against their concatenation; exits 77 when absent.
CASE shares:   each rank reads its share of the papers (also of shards: several
               input files, which must give the reports of their
               concatenation, and a shard with another header refused): 3 papers by 4
               processes (one rank's share is empty); a label column empty
               but in one paper, and one empty throughout (kept, dropped, as
               for the whole input); an input with ragged rows, duplicate
               ids, invalid UTF-8 and over-long texts, whose warnings (rank
               0 checks every paper) must be those of `paperclust run`.
CASE files:    ranks read only their own shards when there are as many as
               processes or more (file f by rank f mod P): 5 shards (one
               gzipped, one without its last newline, an empty file) by 1 to 4
               processes, exact and approximate related papers; 4 shards by 4
               (one each) and 2 by 3 and 4 (fewer files than processes: every
               rank reads all); shards without an id column (ids are record
               numbers of the whole input); messy shards whose warnings (ragged
               rows, invalid UTF-8, over-long texts, duplicate ids in files
               that different ranks read) must be `paperclust run`'s lines; a
               shard with another header read by rank 2 and a malformed one
               read by rank 3 only (one line naming it, exit 1, no reports);
               and PAPERCLUST_MPI_TRACE's input bytes parsed: about a quarter
               of the input per rank for 4 equal shards by 4.
CASE approx:   approximate related papers (--related approx) by 1, 2, 3 and 4
               processes: probing alone, each rank holding only its range of
               the rows (PAPERCLUST_MPI_TRACE: no rank gathers the matrix),
               and refined, each rank scoring the pairs of its own rows in each
               refinement round as the rows come by in chunks, and by the
               heaviest terms (--index terms: each rank its range of the rows,
               the cut rows gathered whole, the rows coming by in chunks): the
               seed papers 7 times over, probing alone, refined and by terms;
               then classic4 (skipped when absent), probing alone, refined and
               by terms, no rank gathering the matrix for any of them;
               then a rank failing in a refinement round's exchange.
CASE errors:   a rank failing mid-run (the test hook PAPERCLUST_MPI_FAIL makes
               one rank fail at a chosen collective: rank 2 after reading and in
               the related stage's exchange, ranks 1 and 3 when the
               processes check in before the reports, the last collective,
               counted with PAPERCLUST_MPI_TRACE) ends the job with exit status 1, one line on
               stderr naming the rank, and no reports; standard input and an
               unknown command are refused with one line and exit status 2.

Under the sanitizers (PC_SANITIZED set) fewer runs: 1 and 3 processes (the
repeated corpus 4, classic4 3), and of the option sets only the sweep, hybrid
and feedback ones.  The reference is `paperclust run` with the default thread count; the
processes run one thread each (the machine's cores are few).  Reports are
compared byte for byte: summary.csv and report.html without the seconds_*,
threads and processes rows (e2e_util.comparable).
"""
import csv
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

import e2e_util
from e2e_util import check, run, same_reports

# OpenMP workers spinning while they wait slow oversubscribed ranks down badly.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
BINARY, MPI_BINARY, MPIRUN = (os.path.abspath(a) for a in sys.argv[1:4])
SOURCE, CASE = os.path.abspath(sys.argv[4]), sys.argv[5]
SEED_CORPUS = os.path.join(SOURCE, "datasets", "seed_papers.csv")
CORPORA = os.path.join(SOURCE, "..", "shared", "corpora")
DROP = ("processes",)
# Under the sanitizers (PC_SANITIZED) each run is several times slower: fewer
# process counts, the same code paths.
SANITIZED = bool(os.environ.get("PC_SANITIZED"))
ALL = [1, 3] if SANITIZED else [1, 2, 3, 4]


def mpirun(processes, args, status=0, env=None, stdin=None):
    """paperclust-mpi ARGS by `processes` processes (stdin: an open file);
    checks the exit status and returns the CompletedProcess."""
    command = [MPIRUN, "-q", "--oversubscribe", "-np", str(processes)]
    if os.geteuid() == 0:
        command.append("--allow-run-as-root")
    command += [MPI_BINARY] + args
    # Each launch its own Open MPI session directory: two tests launching at
    # once in the shared one can remove it under each other (ORTE_ERROR_LOG
    # in session_dir.c, exit 1).
    with tempfile.TemporaryDirectory() as session:
        p = subprocess.run(command, capture_output=True, timeout=300, stdin=stdin,
                           env=dict(os.environ, OMPI_MCA_orte_tmpdir_base=session,
                                    **(env or {})))
    check(p.returncode == status,
          f"exit {p.returncode}, want {status}: {' '.join(command)}\n"
          f"{p.stderr.decode('utf-8', 'replace')}")
    return p


def same_as_one_process(tmp, name, corpus, options, counts, extra_reports=()):
    """Runs `paperclust run` once and paperclust-mpi by each count of
    processes with the same options; compares every report."""
    base = os.path.join(tmp, name + "-paperclust")
    run(BINARY, ["run", corpus, "-o", base, "--quiet"] + options)
    names = e2e_util.RUN_REPORTS + [r for r in extra_reports
                                    if os.path.exists(os.path.join(base, r))]
    for p in counts:
        out = os.path.join(tmp, f"{name}-np{p}")
        mpirun(p, ["run", corpus, "-o", out, "--quiet", "--threads", "1"] + options)
        summary = e2e_util.summary(out)
        check(summary.get("processes") == str(p),
              f"{name}: summary.csv's processes row is {summary.get('processes')}, want {p}")
        same_reports(f"{name}, {p} process(es)", out, base, drop=DROP, names=names)
        print(f"{name}: {p} process(es) compared")


def repeated_corpus(tmp, times):
    """The seed corpus with each paper `times` times under new ids (copy j of
    paper X is X-j): enough papers for several lane blocks of 64, and many
    equal similarities, whose ties the processes must break alike."""
    header, *rows = e2e_util.read_csv(SEED_CORPUS)
    path = os.path.join(tmp, "repeated.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for j in range(times):
            for r in rows:
                w.writerow([f"{r[0]}-{j}"] + r[1:])
    return path


def case_seed(tmp):
    same_as_one_process(tmp, "seed", SEED_CORPUS, [], ALL)
    same_as_one_process(tmp, "repeated", repeated_corpus(tmp, 7), ["--top", "12"],
                        [4] if SANITIZED else [2, 3, 4])
    model = os.path.join(tmp, "model-one")
    option_sets = {
        "bisect": ["--method", "bisect", "-k", "6", "--top", "5"],
        "sweep": ["-k", "2:6", "--top", "3"],
        "hybrid": ["--similarity", "hybrid", "--lsa", "12", "-k", "4"],
        "feedback": ["--feedback", "3", "--top", "4", "--silhouette"],
        "ngrams": ["--ngrams", "2", "--stem", "english", "--min-df", "1", "--seed", "7"],
        "cluster_on_lsa": ["--cluster-on", "lsa", "--lsa", "10", "-k", "4", "--n-init", "2"],
    }
    for name, options in option_sets.items():
        if SANITIZED and name not in ("sweep", "hybrid", "feedback"):
            continue  # the paths through the communicator are those three's
        same_as_one_process(tmp, name, SEED_CORPUS, options, [3], ["k_sweep.csv"])
    # a saved model: rank 0 saves it, the same bytes as one process saves
    run(BINARY, ["run", SEED_CORPUS, "-o", os.path.join(tmp, "m1"), "--quiet",
                 "--save-model", model])
    mpirun(3, ["run", SEED_CORPUS, "-o", os.path.join(tmp, "m3"), "--quiet", "--threads", "1",
               "--save-model", model + "-np3"])
    with open(os.path.join(model, "model.bin"), "rb") as a, \
            open(os.path.join(model + "-np3", "model.bin"), "rb") as b:
        check(a.read() == b.read(), "model.bin saved by 3 processes differs from one process's")
    # the ranks' stderr is a pipe under mpirun: progress only with --progress, from rank 0
    for flag, want in (([], False), (["--progress"], True), (["--progress", "--quiet"], False)):
        p = mpirun(2, ["run", SEED_CORPUS, "-o", os.path.join(tmp, "progress"), "--threads", "1",
                       "--top", "3", "--no-html"] + flag)
        lines = [x for x in p.stderr.decode("utf-8", "replace").replace("\r", "\n")
                 .split("\n") if "related: 100%" in x]
        check((len(lines) > 0) == want,
              f"paperclust-mpi {' '.join(flag)}: {len(lines)} progress lines 'related: 100%' "
              f"on stderr, want {'some' if want else 'none'}")


def case_classic4(tmp):
    corpus, links = (os.path.join(CORPORA, n) for n in ("classic4.csv", "cisi_links.csv"))
    for path in (corpus, links):
        if not os.path.exists(path):
            print(f"SKIP: {path} is absent")
            sys.exit(77)
    same_as_one_process(tmp, "classic4", corpus, ["-k", "4", "--top", "10", "--n-init", "1",
                                                  "--links", links], [3] if SANITIZED else ALL)
    traffic_per_stage(tmp, corpus, 3 if SANITIZED else 4)
    shards = make_shards(tmp, "classic4", corpus, [1500, 1501, 4000])
    same_as_concatenation(tmp, "classic4-shards", shards, ["-k", "4", "--top", "10",
                                                           "--n-init", "1"],
                          [3] if SANITIZED else ALL)


def case_approx(tmp):
    repeated = repeated_corpus(tmp, 7)
    counts = [3] if SANITIZED else ALL
    same_as_one_process(tmp, "approx-probe", repeated,
                        ["--top", "8", "--related", "approx", "--probe", "3"], counts)
    refine = ["--top", "8", "--related", "approx", "--probe", "2", "--refine", "3",
              "--candidates", "16"]
    same_as_one_process(tmp, "approx-refine", repeated, refine, counts)
    same_as_one_process(tmp, "approx-terms", repeated,
                        ["--top", "8", "--related", "approx", "--index", "terms", "--mass", "0.5",
                         "--candidates", "12"], counts)
    corpus = os.path.join(CORPORA, "classic4.csv")
    if not os.path.exists(corpus):
        print(f"SKIP: {corpus} is absent")
        sys.exit(77)
    probing = ["-k", "4", "--top", "10", "--n-init", "1", "--related", "approx", "--probe", "4"]
    same_as_one_process(tmp, "classic4-approx", corpus, probing, counts)
    same_as_one_process(tmp, "classic4-approx-refine", corpus, probing + ["--refine", "2"],
                        counts)
    terms = ["-k", "4", "--top", "10", "--n-init", "1", "--related", "approx", "--index",
             "terms", "--mass", "0.5", "--candidates", "40"]
    same_as_one_process(tmp, "classic4-approx-terms", corpus, terms, counts)
    # the terms work from the ranges too: no rank gathers the matrix
    p = mpirun(3, ["run", corpus, "-o", os.path.join(tmp, "classic4-terms-trace"), "--quiet",
                   "--threads", "1"] + terms, env={"PAPERCLUST_MPI_TRACE": "1"})
    check_no_gather(stage_lines(p.stderr.decode("utf-8", "replace").strip().splitlines()[:-1]),
                    3, "approx by terms")
    # refining works from the ranges too
    p = mpirun(3, ["run", corpus, "-o", os.path.join(tmp, "classic4-refine-trace"), "--quiet",
                   "--threads", "1"] + probing + ["--refine", "2"],
               env={"PAPERCLUST_MPI_TRACE": "1"})
    check_no_gather(stage_lines(p.stderr.decode("utf-8", "replace").strip().splitlines()[:-1]),
                    3, "approx refined")
    # probing alone works from the ranges: no rank gathers the matrix
    p = mpirun(3, ["run", corpus, "-o", os.path.join(tmp, "classic4-approx-trace"), "--quiet",
                   "--threads", "1"] + probing, env={"PAPERCLUST_MPI_TRACE": "1"})
    stages = stage_lines(p.stderr.decode("utf-8", "replace").strip().splitlines()[:-1])
    check_no_gather(stages, 3, "approx")
    # the partitions' steps are spread over the ranks: each receives about as much
    got = [stages.get((rank, "related"), [0, 0, 0, 0])[2] for rank in range(3)]
    check(max(got) <= 1.25 * sum(got) / 3,
          f"approx: the ranks received {got} bytes in the related stage, want each within "
          f"1.25 x their mean (the probing steps shared out)")
    # a rank failing in the last refinement round's exchange: the job ends with its line
    args = ["--quiet", "--threads", "1"] + refine
    at = last_related_collective(3, ["run", repeated, "-o", os.path.join(tmp, "approx-count")]
                                 + args)
    out = os.path.join(tmp, "approx-fail")
    p = mpirun(3, ["run", repeated, "-o", out] + args, status=1,
               env={"PAPERCLUST_MPI_FAIL": f"2:{at}"})
    one_line_failure("approx, rank 2 failing while refining", p, 1,
                     f"rank 2: injected failure at collective {at}")
    left = os.listdir(out) if os.path.isdir(out) else []
    check(left == [], f"approx: a failed job left reports: {left}")


def make_shards(tmp, name, corpus, cuts, plain_end=None):
    """The papers of `corpus` cut into shards before the paper numbers in
    `cuts` (each shard a CSV with the header; the second one gzipped), and
    their concatenation (the header once, then every shard's records) as
    shards[0]: the reference `paperclust run` reads.  plain_end: that shard
    ends without its last newline."""
    header, *rows = e2e_util.read_csv(corpus)
    return write_shards(tmp, name, header, rows, cuts, plain_end)


def write_shards(tmp, name, header, rows, cuts, plain_end=None):
    """make_shards of the rows under header (which may hold any bytes)."""
    bounds = [0] + cuts + [len(rows)]
    paths = [os.path.join(tmp, f"{name}-all.csv")]
    write_csv(paths[0], header, rows)
    for i in range(len(bounds) - 1):
        path = os.path.join(tmp, f"{name}-{i}.csv")
        write_csv(path, header, rows[bounds[i]:bounds[i + 1]])
        if i == plain_end:
            with open(path, "rb+") as f:
                f.truncate(os.path.getsize(path) - 1)
        if i == 1:
            with open(path, "rb") as f, gzip.open(path + ".gz", "wb") as g:
                g.write(f.read())
            os.remove(path)
            path += ".gz"
        paths.append(path)
    return paths


def same_as_concatenation(tmp, name, shards, options, counts):
    """`paperclust run` on the shards, and paperclust-mpi by each count of
    processes, write the reports `paperclust run` writes on their
    concatenation (shards[0]); summary.csv's input row (the first file's
    name) aside."""
    base = os.path.join(tmp, name + "-reference")
    run(BINARY, ["run", shards[0], "-o", base, "--quiet"] + options)
    out = os.path.join(tmp, name + "-one")
    run(BINARY, ["run"] + shards[1:] + ["-o", out, "--quiet"] + options)
    same_reports(f"{name}: paperclust run on the shards", out, base, drop=("input",))
    for p in counts:
        out = os.path.join(tmp, f"{name}-np{p}")
        mpirun(p, ["run"] + shards[1:] + ["-o", out, "--quiet", "--threads", "1"] + options)
        same_reports(f"{name}, {p} process(es)", out, base, drop=("input",) + DROP)
        print(f"{name}: {p} process(es) compared")


STAGE_LINE = re.compile(r"paperclust-mpi: rank (\d+): stage (\w+): (\d+) collectives, "
                        r"(\d+) bytes sent, (\d+) bytes received, peak RSS (\d+) MiB"
                        r"(?:, (\d+) input bytes parsed)?")


def stage_lines(lines):
    """PAPERCLUST_MPI_TRACE's stage lines: {(rank, stage): [collectives,
    bytes sent, bytes received, peak RSS MiB]}."""
    stages = {}
    for line in lines:
        m = STAGE_LINE.fullmatch(line)
        check(m is not None, f"PAPERCLUST_MPI_TRACE: unexpected line {line!r}")
        if m:
            stages[(int(m.group(1)), m.group(2))] = [int(g) for g in m.group(3, 4, 5, 6)]
    return stages


def check_no_gather(stages, processes, what):
    """No rank sent or received a byte gathering the whole matrix."""
    for rank in range(processes):
        moved = stages.get((rank, "gather"), [0, -1, -1, 0])[1:3]
        check(moved == [0, 0], f"{what}: rank {rank} sent and received {moved} bytes "
                               f"gathering the matrix, want none (each rank holds only its "
                               f"range)")


def traffic_per_stage(tmp, corpus, processes):
    """PAPERCLUST_MPI_TRACE: a line per rank per stage, read to the end;
    rank 0's stages add up to its total; and k-means, whose centroid sums
    each rank takes for its slice of the terms (1 / P of the k x terms sums,
    4 bytes and a bit each at most) and gathers, sends from rank 0 its
    rows' slices once (8 bytes a non-zero and a paper; its range holds
    about 1 / P of the non-zeros, 1.5 / P allowed), then less than half of
    the k x terms floats per iteration (the chain of running sums sent them
    twice per iteration from rank 0); and no rank gathers the whole matrix
    (no stage of this run needs it)."""
    out = os.path.join(tmp, "classic4-trace")
    p = mpirun(processes, ["run", corpus, "-o", out, "--quiet", "--threads", "1", "-k", "4",
                           "--top", "10", "--n-init", "1"], env={"PAPERCLUST_MPI_TRACE": "1"})
    lines = p.stderr.decode("utf-8", "replace").strip().splitlines()
    stages = stage_lines(lines[:-1])
    want = ["read", "order", "vocabulary", "tfidf", "gather", "kmeans", "describe", "related",
            "end"]
    for rank in range(processes):
        got = [s for (r, s) in stages if r == rank]
        check(got == want, f"rank {rank}'s stages are {got}, want {want}")
        check(all(stages[(rank, s)][3] > 0 for s in got), f"rank {rank}: a peak RSS of 0 MiB")
    total = re.fullmatch(r"paperclust-mpi: rank 0: (\d+) collectives, (\d+) bytes sent",
                         lines[-1])
    check(total is not None, f"PAPERCLUST_MPI_TRACE: unexpected last line {lines[-1]!r}")
    if total:
        for i, what in ((0, "collectives"), (1, "bytes sent")):
            added = sum(v[i] for (r, _), v in stages.items() if r == 0)
            check(added == int(total.group(i + 1)),
                  f"rank 0's stages add up to {added} {what}, its total is {total.group(i + 1)}")
    summary = e2e_util.summary(out)
    cells = int(summary["k"]) * int(summary["terms"])
    kmeans_sent = stages.get((0, "kmeans"), [0, 1 << 62])[1]
    once = 8 * (int(summary["nonzeros"]) * 3 // (2 * processes) + int(summary["documents"]))
    bound = once + cells * 4 * int(summary["iterations"]) // 2
    check(kmeans_sent < bound, f"k-means: rank 0 sent {kmeans_sent} bytes, want less than "
                               f"{bound} (its slices once, then half of k x terms floats per "
                               f"iteration)")
    # no stage of this run needs the whole matrix: no rank gathers it
    check_no_gather(stages, processes, "exact")
    print(f"trace: {processes} processes, k-means sent {kmeans_sent} bytes from rank 0 "
          f"(bound {bound})")


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def warnings(stderr):
    return [l for l in stderr.decode("utf-8", "replace").splitlines() if ": warning: " in l]


def case_shares(tmp):
    header, *rows = e2e_util.read_csv(SEED_CORPUS)
    few = write_csv(os.path.join(tmp, "few.csv"), header, rows[:3])
    same_as_one_process(tmp, "few", few, ["-k", "2"], [4])
    title, abstract = header.index("title"), header.index("abstract")
    papers = [[r[0], r[title], r[abstract]] for r in rows]
    one = write_csv(os.path.join(tmp, "one-label.csv"), ["id", "title", "abstract", "label"],
                    [p + ["x" if i == 1 else ""] for i, p in enumerate(papers)])
    same_as_one_process(tmp, "one_label", one, ["-k", "3"], [3])
    none = write_csv(os.path.join(tmp, "no-label.csv"), ["id", "title", "abstract", "label"],
                     [p + [""] for p in papers])
    same_as_one_process(tmp, "no_label", none, ["-k", "3"], [3])
    messy = []
    for i, p in enumerate(papers):
        p = list(p)
        if i % 7 == 3:
            p[0] = papers[0][0]  # a duplicate id
        if i % 5 == 2:
            p[2] += " caf\udce9"  # an invalid byte (0xE9 alone)
        messy.append(p)
        if i % 11 == 5:
            messy.append(["ragged", "row"])
    messy_csv = write_csv(os.path.join(tmp, "messy.csv"), ["id", "title", "abstract"], messy)
    options = ["-k", "3", "--max-doc-bytes", "600"]
    base = os.path.join(tmp, "messy-paperclust")
    want = warnings(run(BINARY, ["run", messy_csv, "-o", base] + options).stderr)
    check(len(want) == 4, f"messy.csv should give 4 warnings, got {want}")
    for p in [2, 3]:
        out = os.path.join(tmp, f"messy-np{p}")
        got = warnings(mpirun(p, ["run", messy_csv, "-o", out, "--threads", "1"] +
                              options).stderr)
        check(got == want, f"messy.csv by {p} processes: warnings {got}, want {want}")
        same_reports(f"messy.csv, {p} processes", out, base, drop=DROP)
        print(f"messy: {p} processes compared")
    # shards: the seed papers in four (the second gzipped and only a header,
    # the third without its last newline) and an empty file among them
    shards = make_shards(tmp, "seed", SEED_CORPUS, [10, 10, 30], plain_end=2)
    empty = os.path.join(tmp, "empty.csv")
    open(empty, "w").close()
    shards.insert(3, empty)
    same_as_concatenation(tmp, "seed-shards", shards, ["--top", "5"], ALL)
    # a shard whose header is not the first's: one line, exit 1, no reports
    other = os.path.join(tmp, "other-header.csv")
    header, *rows = e2e_util.read_csv(SEED_CORPUS)
    write_csv(other, ["paper_id"] + header[1:], rows[:3])
    out = os.path.join(tmp, "bad-shards")
    p = mpirun(2, ["run", shards[1], other, "-o", out, "--quiet"], status=1)
    one_line_failure("a shard with another header", p, 1,
                     "other-header.csv: its first line (the header) is not that of")
    check(not os.path.exists(out) or os.listdir(out) == [], "reports written after a bad shard")


def input_parsed(stderr):
    """PAPERCLUST_MPI_TRACE's input bytes parsed per rank, {rank: bytes}."""
    parsed = {}
    for line in stderr.decode("utf-8", "replace").splitlines():
        m = STAGE_LINE.fullmatch(line)
        if m and m.group(7):
            parsed[int(m.group(1))] = parsed.get(int(m.group(1)), 0) + int(m.group(7))
    return parsed


def read_line(stderr):
    """The closing's first line, "Read N papers from FILE (M skipped, ...); ..."."""
    return next((l for l in stderr.decode("utf-8", "replace").splitlines()
                 if l.startswith("Read ")), None)


def messy_papers():
    """The seed papers with problems: duplicate ids (of paper 0 and of
    paper 20, whose copies land in other shards), invalid UTF-8, ragged
    rows, over-long texts with --max-doc-bytes 600, and an empty id only
    in the last shard of write_shards(..., [12, 25, 40]) (its line is
    counted through the shards before it)."""
    header, *rows = e2e_util.read_csv(SEED_CORPUS)
    title, abstract = header.index("title"), header.index("abstract")
    messy = []
    for i, r in enumerate(rows):
        p = [r[0], r[title], r[abstract]]
        if i % 7 == 3:
            p[0] = rows[0][0] if i < 30 else rows[20][0]
        if i % 5 == 2:
            p[2] += " caf\udce9"
        messy.append(p)
        if i % 11 == 5:
            messy.append(["ragged", "row"])
        if i == 45:
            messy.append(["", "no id", "a paper without its id"])
    return ["id", "title", "abstract"], messy


def case_files(tmp):
    five = make_shards(tmp, "five", SEED_CORPUS, [9, 20, 31, 40], plain_end=3)
    empty = os.path.join(tmp, "empty.csv")
    open(empty, "w").close()
    five.insert(4, empty)  # the fourth file of six: by 4 processes rank 3 reads it alone
    same_as_concatenation(tmp, "five", five, ["--top", "5"], ALL)
    same_as_concatenation(tmp, "five-approx", five, ["--top", "5", "--related", "approx",
                                                     "--probe", "2"], ALL)
    four = make_shards(tmp, "four", SEED_CORPUS, [13, 26, 39])
    same_as_concatenation(tmp, "four", four, ["--top", "5"], [4])
    two = make_shards(tmp, "two", SEED_CORPUS, [25])
    same_as_concatenation(tmp, "two", two, ["--top", "5"], [3] if SANITIZED else [3, 4])
    # no id column: ids are the record numbers of the whole input
    header, *rows = e2e_util.read_csv(SEED_CORPUS)
    no_id = write_csv(os.path.join(tmp, "no-id.csv"), header[1:], [r[1:] for r in rows])
    shards = make_shards(tmp, "no-id", no_id, [7, 30, 44])
    same_as_concatenation(tmp, "no-id", shards, ["--top", "5"], [2, 4])
    # warnings: those of paperclust run on the concatenation, line for line
    header, messy = messy_papers()
    shards = write_shards(tmp, "messy", header, messy, [12, 25, 40])
    options = ["-k", "3", "--max-doc-bytes", "600"]
    base = os.path.join(tmp, "messy-paperclust")
    one = run(BINARY, ["run", shards[0], "-o", base] + options)
    want = warnings(one.stderr)
    check(len(want) == 5, f"the messy shards should give 5 warnings, got {want}")
    want = [w.replace(shards[0], shards[1]) for w in want]  # named after the first file
    # "Read N papers from FILE (M skipped, ...)": the whole input's count
    want_read = read_line(one.stderr).replace(shards[0], shards[1])
    for p in ALL:
        out = os.path.join(tmp, f"messy-files-np{p}")
        many = mpirun(p, ["run"] + shards[1:] + ["-o", out, "--threads", "1"] + options)
        got = warnings(many.stderr)
        check(got == want, f"messy shards by {p} processes: warnings {got}, want {want}")
        got_read = read_line(many.stderr)
        check(got_read == want_read, f"messy shards by {p} processes: {got_read!r}, "
                                     f"want {want_read!r}")
        same_reports(f"messy shards, {p} processes", out, base, drop=("input",) + DROP)
        print(f"messy shards: {p} processes compared")
    # a shard with another header, read by rank 2 only
    four_shards = four[1:]
    other = os.path.join(tmp, "other-header.csv")
    write_csv(other, ["paper_id"] + header[1:], [["x1", "a title", "an abstract"]])
    out = os.path.join(tmp, "bad-header")
    p = mpirun(4, ["run"] + four_shards[:2] + [other] + four_shards[3:] + ["-o", out,
                                                                           "--quiet"], status=1)
    one_line_failure("a shard with another header read by rank 2", p, 1,
                     "other-header.csv: its first line (the header) is not that of")
    check(not os.path.exists(out) or os.listdir(out) == [], "reports written after a bad header")
    # a malformed record in the shard that rank 3 alone reads: its file and line
    bad = os.path.join(tmp, "malformed.csv")
    with open(four_shards[3], "rb") as f:
        lines = f.read().split(b"\n")
    lines.insert(3, b'bad-1,"a title" and more,abstract')
    with open(bad, "wb") as f:
        f.write(b"\n".join(lines))
    out = os.path.join(tmp, "malformed")
    p = mpirun(4, ["run"] + four_shards[:3] + [bad, "-o", out, "--quiet"], status=1)
    one_line_failure("a malformed record read by rank 3", p, 1, "malformed.csv:4: malformed")
    check(not os.path.exists(out) or os.listdir(out) == [], "reports written after a bad shard")
    # each rank parses its own shard: about a quarter of the input each
    total = 0
    for path in four_shards:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            total += len(f.read())
    p = mpirun(4, ["run"] + four_shards + ["-o", os.path.join(tmp, "parsed"), "--quiet",
                                            "--threads", "1"],
               env={"PAPERCLUST_MPI_TRACE": "1"})
    parsed = input_parsed(p.stderr)
    check(sorted(parsed) == [0, 1, 2, 3], f"input bytes parsed by ranks {sorted(parsed)}, "
                                          f"want 0 to 3")
    for rank, got in parsed.items():
        check(0.15 * total < got < 0.35 * total, f"rank {rank} parsed {got} bytes of the "
                                                 f"input's {total}, want about a quarter")
    print(f"input bytes parsed by 4 ranks of 4 shards ({total} bytes): {parsed}")


def one_line_failure(what, p, want_status, want_text):
    """The stderr of p is one line that starts with paperclust: and holds want_text."""
    lines = p.stderr.decode("utf-8", "replace").splitlines()
    check(len(lines) == 1 and lines[0].startswith("paperclust") and want_text in lines[0],
          f"{what}: stderr should be one line with {want_text!r}, got {lines!r}")


def collectives(processes, args):
    """How many collectives a run makes (PAPERCLUST_MPI_TRACE)."""
    p = mpirun(processes, args, env={"PAPERCLUST_MPI_TRACE": "1"})
    line = p.stderr.decode("utf-8", "replace").strip().splitlines()[-1]
    m = re.fullmatch(r"paperclust-mpi: rank 0: (\d+) collectives, \d+ bytes sent", line)
    check(m is not None, f"PAPERCLUST_MPI_TRACE: unexpected line {line!r}")
    return int(m.group(1)) if m else 3


def last_related_collective(processes, args):
    """The number of the related stage's last collective (PAPERCLUST_MPI_TRACE:
    rank 0's collectives through the end of that stage)."""
    p = mpirun(processes, args, env={"PAPERCLUST_MPI_TRACE": "1"})
    through, total = 0, 0
    for line in p.stderr.decode("utf-8", "replace").strip().splitlines()[:-1]:
        m = STAGE_LINE.fullmatch(line)
        if m and m.group(1) == "0":
            total += int(m.group(3))
            through = total if m.group(2) == "related" else through
    check(through > 0, "PAPERCLUST_MPI_TRACE: rank 0 has no related stage")
    return through


def case_errors(tmp):
    # The last three collectives: the related stage's exchange (a check, the
    # allgather), then every rank checking in before rank 0 writes; the first
    # is the check after each rank read its share of the input.
    last = collectives(3, ["run", SEED_CORPUS, "-o", os.path.join(tmp, "count"), "--quiet",
                           "--threads", "1"])
    for rank, at, processes in [(2, 1, 3), (2, last - 1, 3), (1, last, 3), (3, last, 4)]:
        out = os.path.join(tmp, f"fail-{rank}-{at}")
        p = mpirun(processes, ["run", SEED_CORPUS, "-o", out, "--quiet", "--threads", "1"],
                   status=1, env={"PAPERCLUST_MPI_FAIL": f"{rank}:{at}"})
        one_line_failure(f"rank {rank} failing at collective {at}", p, 1,
                         f"rank {rank}: injected failure at collective {at}")
        left = os.listdir(out) if os.path.isdir(out) else []
        check(left == [], f"rank {rank} failing at collective {at}: no reports should be "
                          f"written, found {left}")
    # an output folder that holds reports keeps them as they were
    out = os.path.join(tmp, "kept")
    mpirun(2, ["run", SEED_CORPUS, "-o", out, "--quiet", "--threads", "1"])
    before = {n: open(os.path.join(out, n), "rb").read() for n in os.listdir(out)}
    last = collectives(2, ["run", SEED_CORPUS, "-o", os.path.join(tmp, "count2"), "--quiet",
                           "--threads", "1"])  # the ring steps' number depends on P
    mpirun(2, ["run", SEED_CORPUS, "-o", out, "--quiet", "--threads", "1", "--top", "3"],
           status=1, env={"PAPERCLUST_MPI_FAIL": f"1:{last}"})
    after = {n: open(os.path.join(out, n), "rb").read() for n in os.listdir(out)}
    check(before == after, "a failed run changed the reports already in its output folder")
    with open(SEED_CORPUS, "rb") as f:
        p = mpirun(2, ["run", "-", "-o", os.path.join(tmp, "stdin")], status=2, stdin=f)
    one_line_failure("standard input", p, 2, "not standard input")
    p = mpirun(2, ["vectorize", SEED_CORPUS], status=2)
    one_line_failure("vectorize", p, 2, "unknown command 'vectorize'")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        {"seed": case_seed, "classic4": case_classic4, "shares": case_shares,
         "files": case_files, "approx": case_approx, "errors": case_errors}[CASE](tmp)
    e2e_util.finish()


if __name__ == "__main__":
    main()
