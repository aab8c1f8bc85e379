"""Does bench/realcorpus keep arxiv's term statistics? (issue 12, section 1)

usage: /usr/bin/python3 bench/realcorpus_terms.py [--papers 74722] [--seed 1]
                                                  [--build build] [--data /work/data]

Generates a corpus of --papers papers (default: as many as arxiv.csv has) from
../shared/corpora/arxiv.csv, runs `paperclust vectorize --min-df 1 --max-df 1.0` (every
term, no pruning) on both, and compares the vocabularies (vocabulary.csv: term, df):
  - overlap: terms of each, common terms, and the share of arxiv's term occurrences (Σdf)
    that falls on terms the generated corpus has;
  - document-frequency ranks: Spearman's rho between the two df columns over arxiv's terms
    (a term absent from the generated corpus counts df 0), over its terms with df >= 2
    (those paperclust keeps by default) and over its 10,000 most frequent;
  - the median relative df difference |df_gen / df_arxiv - 1| for terms with df >= 100;
  - the terms kept by paperclust's default pruning (min_df 2, max_df 0.5) in each.
Prints the figures and rewrites the section "Term statistics of the realistic corpus
(issue 12)" of bench/RESULTS.md (--results; --no-results to leave it alone).
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import time

from scipy.stats import spearmanr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from results_md import git_commit, machine, write_section  # noqa: E402

TITLE = "## Term statistics of the realistic corpus (issue 12)"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="realcorpus_terms.py", description=__doc__.split("\n")[0])
    p.add_argument("--papers", type=int, default=74722)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--arxiv", default=os.path.join(HERE, "..", "..", "shared", "corpora",
                                                   "arxiv.csv"))
    p.add_argument("--data", default="/work/data")
    p.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--no-results", action="store_true")
    return p.parse_args(argv)


def vectorize(args, corpus, out, *options):
    subprocess.run([os.path.join(args.build, "paperclust"), "vectorize", corpus, "--quiet",
                    "--threads", "2", "-o", out, *options], check=True)
    with open(os.path.join(out, "vocabulary.csv"), newline="", encoding="utf-8") as f:
        df = {r["term"]: int(r["df"]) for r in csv.DictReader(f)}
    with open(os.path.join(out, "summary.csv"), newline="", encoding="utf-8") as f:
        summary = {r["key"]: r["value"] for r in csv.DictReader(f)}
    os.remove(os.path.join(out, "tfidf.csv"))   # hundreds of MB, not needed
    return df, summary


def compare(real, gen):
    common = set(real) & set(gen)
    mass = sum(real.values())
    f = {
        "terms_arxiv": len(real), "terms_generated": len(gen), "common": len(common),
        "generated_not_in_arxiv": len(set(gen) - set(real)),
        "arxiv_mass_covered": sum(real[t] for t in common) / mass,
    }
    ranked = sorted(real, key=lambda t: (-real[t], t))
    for name, terms in (("rho_all", ranked), ("rho_df2", [t for t in ranked if real[t] >= 2]),
                        ("rho_top10k", ranked[:10000])):
        f[name] = spearmanr([real[t] for t in terms], [gen.get(t, 0) for t in terms]).correlation
    big = [t for t in ranked if real[t] >= 100]
    f["df100_terms"] = len(big)
    f["df100_median_rel_diff"] = statistics.median(abs(gen.get(t, 0) / real[t] - 1) for t in big)
    f["df100_median_ratio"] = statistics.median(gen.get(t, 0) / real[t] for t in big)
    for cut in (1, 2, 5):
        kept = [t for t in ranked if real[t] == cut]
        f[f"df{cut}_kept"] = sum(1 for t in kept if t in gen) / max(len(kept), 1)
    return f


def section(args, f, pruned, generate_cmd, when):
    return "\n".join([
        TITLE, "",
        f"Measured {when} on {machine()}; commit {git_commit()}.", "",
        "```", generate_cmd,
        f"/usr/bin/python3 bench/realcorpus_terms.py --papers {args.papers} --seed {args.seed}",
        "```", "",
        "`paperclust vectorize --min-df 1 --max-df 1.0` (every term) on arxiv.csv and on the "
        f"generated corpus of {args.papers:,} papers:", "",
        "| figure | value |", "|---|---|",
        f"| terms: arxiv / generated / common | {f['terms_arxiv']:,} / {f['terms_generated']:,}"
        f" / {f['common']:,} |",
        f"| generated terms arxiv lacks | {f['generated_not_in_arxiv']:,} |",
        f"| share of arxiv's term occurrences (Σdf) on common terms | {f['arxiv_mass_covered']:.4f} |",
        f"| arxiv terms of df 1 / 2 / 5 present in the generated corpus | {f['df1_kept']:.2f} / "
        f"{f['df2_kept']:.2f} / {f['df5_kept']:.2f} |",
        f"| Spearman ρ of df, all arxiv terms (absent = 0) | {f['rho_all']:.3f} |",
        f"| Spearman ρ of df, arxiv terms with df ≥ 2 | {f['rho_df2']:.3f} |",
        f"| Spearman ρ of df, arxiv's 10,000 most frequent terms | {f['rho_top10k']:.3f} |",
        f"| median \\|df_gen / df_arxiv − 1\\|, the {f['df100_terms']:,} terms of df ≥ 100 | "
        f"{f['df100_median_rel_diff']:.3f} |",
        f"| median df_gen / df_arxiv, the same terms | {f['df100_median_ratio']:.3f} |",
        f"| terms after the default pruning (min_df 2, max_df 0.5): arxiv / generated | "
        f"{pruned[0]} / {pruned[1]} |",
        f"| non-zeros after the default pruning: arxiv / generated | {pruned[2]} / {pruned[3]} |",
        "",
        "The generated corpus draws its sentences with replacement, so about 1 − 1/e of "
        "arxiv's sentences appear in a corpus of the same size: rare terms (df 1) are lost, "
        "and a rare term whose sentence is drawn twice reaches df 2, so more terms pass "
        "min_df 2 than in arxiv. A term repeated in several sentences of one real abstract "
        "lands in several generated papers: document frequencies are inflated (the median "
        "ratio above) and a paper's terms co-occur less than in a real abstract (more "
        "non-zeros per paper spread over more papers). The vocabulary cannot grow past "
        "arxiv's at any size (no Heaps' law growth): see `terms` in the scale-curve table.", ""])


def main(argv):
    args = parse_args(argv)
    if not os.path.exists(args.arxiv):
        print(f"realcorpus_terms: {args.arxiv} is absent", file=sys.stderr)
        return 1
    work = os.path.join(args.data, "realcorpus_terms")
    os.makedirs(work, exist_ok=True)
    gen = os.path.join(work, f"realcorpus-{args.papers}-s{args.seed}.csv")
    cmd = [os.path.join(args.build, "bench", "realcorpus"), "-i", args.arxiv, "-n",
           str(args.papers), "-s", str(args.seed), "-q", "-o", gen]
    subprocess.run(cmd, check=True)
    when = time.strftime("%Y-%m-%d", time.gmtime())
    every = ("--min-df", "1", "--max-df", "1.0")
    real, _ = vectorize(args, args.arxiv, os.path.join(work, "arxiv-all"), *every)
    generated, _ = vectorize(args, gen, os.path.join(work, "gen-all"), *every)
    _, s_real = vectorize(args, args.arxiv, os.path.join(work, "arxiv-default"))
    _, s_gen = vectorize(args, gen, os.path.join(work, "gen-default"))
    f = compare(real, generated)
    pruned = (s_real.get("terms", "?"), s_gen.get("terms", "?"), s_real.get("nonzeros", "?"),
              s_gen.get("nonzeros", "?"))
    for k, v in f.items():
        print(f"{k}: {v}")
    print(f"default pruning: terms arxiv {pruned[0]}, generated {pruned[1]}; "
          f"non-zeros arxiv {pruned[2]}, generated {pruned[3]}")
    shown = "build/bench/realcorpus -i ../shared/corpora/arxiv.csv -n %d -s %d -o GEN.csv" % (
        args.papers, args.seed)
    if not args.no_results:
        write_section(args.results, TITLE, section(args, f, pruned, shown, when))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
