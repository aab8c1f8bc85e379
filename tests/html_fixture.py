#!/usr/bin/env python3
"""Builds a report.html from a finished run's CSV reports, for trying the page on other data.

usage: html_fixture.py CORPUS RUN_DIR [-o OUT.html] [--template FILE]
                       [--max-papers N] [--max-related N] [--map-points N]
                       [--nasty] [--slash-only] [--seed N]

The data follows schema version 1 (src/report_html/README.md) and is stitched
into the template exactly as the C side does it (stitch() below): the line
holding only the data marker is replaced by
    <script type="application/json" id="paperclust-data">JSON</script>
with compact JSON in which every "<" is written "\\u003c" (src/report_html.c).

What comes from the run (RUN_DIR): sizes, centroid terms, central papers,
cohesion, and, from runs that have them, labels, coherence, exclusivity
(clusters.csv) and distinctive terms (cluster_terms.csv rows of kind
"distinctive"); assignments, related lists, summary rows.  What comes from
the corpus: ids and titles (first line).  What this script makes up: whatever
of the above an older run lacks (labels: the three highest centroid terms no
larger cluster took; distinctive scores: a term's centroid weight over its
mean weight in the other clusters' lists; stand-in coherence and
exclusivity), the map (each paper's cosines to the k centroids of a
scikit-learn TF-IDF, projected on their first two principal axes; a cluster's
position is its members' mean) and the timeline (months from arXiv ids,
periods of fewer than 20 papers out of the trend, the weighted trend of
timeline.h).  The binary writes the real page itself (src/report_html.c);
this script is for trying the page on data the binary does not easily
produce: samples, partial related lists, hostile strings, a timeline without
--time-col.

--max-papers N keeps a random sample of N papers (papers.sampled true; their
related lists keep only papers of the sample).  --max-related N keeps related
lists for N random papers (related.complete false).  --nasty puts markup,
quotes, a script end tag, "<!--<script>", emoji and right-to-left text into
a few titles and a label, to see that they show as text.
"""
import argparse
import csv
import json
import os
import random
import re
import sys
from collections import defaultdict

MARKER = "<!--PAPERCLUST-DATA-->"
HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "..", "src", "report_html", "report.html")

csv.field_size_limit(1 << 30)


def stitch(template, data, escape_lt=True):
    """The page: the template with its marker line replaced by the data element.
    escape_lt False escapes "/" instead of "<", which a title holding
    "<!--<script>" breaks: see --slash-only."""
    lines = template.split("\n")
    at = [i for i, line in enumerate(lines) if line.strip() == MARKER]
    if len(at) != 1:
        raise ValueError(f"the template has {len(at)} marker lines, want 1")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if escape_lt:   # as src/report_html.c does
        text = text.replace("<", "\\u003c")
    else:           # JSON_ESCAPE_SLASH alone: not enough (src/report_html/README.md)
        text = text.replace("/", "\\/")
    lines[at[0]] = f'<script type="application/json" id="paperclust-data">{text}</script>'
    return "\n".join(lines)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def read_dicts(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def first_line(text):
    return text.split("\n", 1)[0].strip()


NASTY_TITLES = [
    '</script><script>document.body.dataset.error="injected"</script>',
    "<!--<script> comment & script in a title",
    '<b>Bold</b> & "quoted" \'single\' <img src=x onerror=alert(1)>',
    "Émojis 🧪🔬 and שלום עולם right-to-left — ünïcödé ∑∫√",
    "",
]


def projection(corpus_rows, assign, k, map_idx):
    """2-D positions: cosines to the k centroids, on their first two principal axes."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = [r.get("title", "") + "\n" + r.get("abstract", "") for r in corpus_rows]
    X = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5, stop_words="english",
                        dtype=np.float32).fit_transform(texts)
    labels = np.asarray(assign)
    C = np.vstack([np.asarray(X[labels == c].mean(axis=0)).ravel() for c in range(k)])
    C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
    S = np.asarray(X @ C.T)
    S /= np.maximum(np.linalg.norm(S, axis=1, keepdims=True), 1e-12)
    mean = S.mean(axis=0)
    _, _, vt = np.linalg.svd(S - mean, full_matrices=False)
    axes = vt[:2].T if vt.shape[0] >= 2 else np.hstack([vt[:1].T, np.zeros((k, 1))])
    P = (S - mean) @ axes
    centres = [P[labels == c].mean(axis=0) if (labels == c).any() else np.zeros(2) for c in range(k)]
    return ([[int(i), round(float(P[i, 0]), 5), round(float(P[i, 1]), 5)] for i in map_idx],
            [(round(float(x), 5), round(float(y), 5)) for x, y in centres])


def arxiv_month(doc_id):
    m = re.fullmatch(r"(?:arxiv:)?(\d\d)(\d\d)\.\d{4,5}(?:v\d+)?", doc_id, re.I)
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 7:
        return None
    return 2000 + int(m.group(1)), int(m.group(2))


def timeline(ids, assign, k, min_papers=20):
    months = [arxiv_month(i) for i in ids]
    dated = [(m, c) for m, c in zip(months, assign) if m]
    if len(dated) < len(ids) / 2:
        return None, [None] * k
    lo, hi = min(m for m, _ in dated), max(m for m, _ in dated)
    periods = []
    y, mo = lo
    while (y, mo) <= hi:
        periods.append((y, mo))
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    at = {p: i for i, p in enumerate(periods)}
    count = [[0] * k for _ in periods]
    for m, c in dated:
        count[at[m]][c] += 1
    papers = [sum(row) for row in count]
    trended = [n >= min_papers and n > 0 for n in papers]
    # timeline.h: trend_c = sum (x - xbar) count_c / sum w (x - xbar)^2 over trended periods
    w = sum(papers[t] for t in range(len(periods)) if trended[t])
    trend = [None] * k
    if sum(trended) >= 2:
        xbar = sum(t * papers[t] for t in range(len(periods)) if trended[t]) / w
        den = sum(papers[t] * (t - xbar) ** 2 for t in range(len(periods)) if trended[t])
        trend = [round(sum((t - xbar) * count[t][c] for t in range(len(periods)) if trended[t]) / den, 6)
                 for c in range(k)]
    return {"period": "month", "labels": [f"{y:04d}-{m:02d}" for y, m in periods], "papers": papers,
            "count": count, "trended": trended}, trend


def build(corpus_path, run_dir, args):
    rng = random.Random(args.seed)
    corpus = read_dicts(corpus_path)
    ids = [r["id"] for r in corpus]
    titles = [first_line(r.get("title", "")) for r in corpus]
    index = {}
    for i, d in enumerate(ids):
        index.setdefault(d, i)
    assign_rows = read_dicts(os.path.join(run_dir, "assignments.csv"))
    if [r["doc_id"] for r in assign_rows] != ids:
        sys.exit("assignments.csv does not list the corpus's papers in order")
    assign = [int(r["cluster"]) for r in assign_rows]
    cl_rows = read_dicts(os.path.join(run_dir, "clusters.csv"))
    k = len(cl_rows)
    terms, distinctive = defaultdict(list), defaultdict(list)   # kind centroid / distinctive
    for r in read_dicts(os.path.join(run_dir, "cluster_terms.csv")):
        kind = distinctive if r.get("kind") == "distinctive" else terms
        kind[int(r["cluster"])].append((r["term"], float(r["weight"])))
    summary = read_rows(os.path.join(run_dir, "summary.csv"))[1:]
    sdict = dict(summary)
    n = len(ids)

    if args.nasty:
        for j, t in enumerate(NASTY_TITLES):
            titles[(j * 7 + 3) % n] = t

    # papers kept on the page
    kept = list(range(n))
    sampled = args.max_papers is not None and n > args.max_papers
    central = [[index[d] for d in r["central_doc_ids"].split()] for r in cl_rows]
    if sampled:
        keep = set(rng.sample(range(n), args.max_papers)) | {p for c in central for p in c}
        kept = sorted(keep)
    pos = {p: i for i, p in enumerate(kept)}

    # labels and stand-in describe numbers
    weight = [{t: w for t, w in terms[c]} for c in range(k)]
    floor = [min(weight[c].values()) / 2 if weight[c] else 1e-3 for c in range(k)]
    clusters, taken = [], set()
    for c in range(k):
        if "label" in cl_rows[c]:
            label = cl_rows[c]["label"]
        else:
            words = [t for t, _ in terms[c] if t not in taken][:3]
            taken.update(words[:1])
            label = " · ".join(w.replace("_", " ") for w in words)
        dist = []
        for t, w in terms[c]:
            others = [weight[o].get(t, floor[o]) for o in range(k) if o != c] or [floor[c]]
            dist.append([t.replace("_", " "), round(w / (sum(others) / len(others)), 3)])
        dist.sort(key=lambda x: -x[1])
        top5 = [w for _, w in terms[c][:5]]
        excl = [weight[c][t] / sum(weight[o].get(t, 0) for o in range(k)) for t, _ in terms[c][:10]]
        clusters.append({
            "id": c, "size": int(cl_rows[c]["size"]), "label": label,
            "cohesion": float(cl_rows[c]["cohesion"]),
            "coherence": (float(cl_rows[c]["coherence"]) if cl_rows[c].get("coherence")
                          else round(-1 + sum(top5) / max(len(top5), 1) * 5, 4) if top5 else None),
            "exclusivity": (float(cl_rows[c]["exclusivity"]) if cl_rows[c].get("exclusivity")
                            else round(sum(excl) / len(excl), 4) if excl else None),
            "trend": None,
            "top_terms": [t.replace("_", " ") for t in cl_rows[c]["top_terms"].split()],
            "distinctive": ([[t.replace("_", " "), w] for t, w in distinctive[c]][:20]
                            if distinctive[c] else dist[:20]),
            "central": [pos[p] for p in central[c]],
        })
    if args.nasty and k:
        clusters[-1]["label"] = '<i>label</i> & "quotes" </script>'

    # map
    candidates = kept if len(kept) <= args.map_points else sorted(rng.sample(kept, args.map_points))
    points, centres = projection(corpus, assign, k, candidates)
    for c in range(k):
        clusters[c]["x"], clusters[c]["y"] = centres[c]
    points = [[pos[p], x, y] for p, x, y in points]

    # related
    top = int(sdict.get("top", "10"))
    lists = defaultdict(list)
    for r in read_dicts(os.path.join(run_dir, "related.csv")):
        lists[index[r["doc_id"]]].append((index[r["related_id"]], float(r["similarity"])))
    holders = kept
    complete = not sampled
    if args.max_related is not None and len(kept) > args.max_related:
        holders = sorted(rng.sample(kept, args.max_related))
        complete = False
    related = {"top": top, "complete": complete, "paper": [], "list": []}
    for p in holders:
        related["paper"].append(pos[p])
        related["list"].append([[pos[q], s] for q, s in lists.get(p, []) if q in pos])

    tl, trend = timeline(ids, assign, k)
    for c in range(k):
        clusters[c]["trend"] = trend[c]

    source = os.path.basename(corpus_path)
    return {
        "version": 1,
        "title": "paperclust report: " + source,
        "corpus": {"source": source, "documents": int(sdict.get("documents", n)),
                   "terms": int(sdict.get("terms", 0)), "nonzeros": int(sdict.get("nonzeros", 0)),
                   "k": int(sdict.get("k", k)), "seed": int(sdict.get("seed", 1)),
                   "threads": int(sdict.get("threads", 1))},
        "summary": summary,
        "clusters": clusters,
        "papers": {"n_total": n, "sampled": sampled, "id": [ids[p] for p in kept],
                   "title": [titles[p] for p in kept], "cluster": [assign[p] for p in kept]},
        "map": points,
        "related": related,
        "timeline": tl,
        "tree": tree_of(run_dir, sdict),
    }


def tree_of(run_dir, sdict):
    """The tree of tree.csv, as the C side writes it; None for older runs."""
    path = os.path.join(run_dir, "tree.csv")
    if not os.path.exists(path):
        return None
    nodes = [{"parent": int(r["parent"]), "depth": int(r["depth"]), "size": int(r["size"]),
              "cluster": int(r["cluster"]), "label": r["label"],
              "top_terms": [t.replace("_", " ") for t in r["top_terms"].split()]}
             for r in read_dicts(path)]
    return {"method": sdict.get("method", "kmeans"), "nodes": nodes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("run_dir")
    ap.add_argument("-o", "--out")
    ap.add_argument("--template", default=TEMPLATE)
    ap.add_argument("--max-papers", type=int)
    ap.add_argument("--max-related", type=int)
    ap.add_argument("--map-points", type=int, default=5000)
    ap.add_argument("--nasty", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slash-only", action="store_true", help='escape "/" (JSON_ESCAPE_SLASH), not "<": breaks on "<!--<script>"')
    args = ap.parse_args()
    data = build(args.corpus, args.run_dir, args)
    with open(args.template, encoding="utf-8") as f:
        page = stitch(f.read(), data, escape_lt=not args.slash_only)
    out = args.out or os.path.join(args.run_dir, "report.html")
    with open(out, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"{out}: {len(page.encode()) / 1e6:.1f} MB, {len(data['papers']['id'])} papers, "
          f"{len(data['map'])} map points, {len(data['related']['paper'])} related lists")


if __name__ == "__main__":
    main()
