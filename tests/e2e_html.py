#!/usr/bin/env python3
"""End-to-end test of report.html: the real binary's page, opened in headless Chromium.

usage: e2e_html.py PAPERCLUST SOURCE_DIR CASE SCREENSHOT.png [--fixture]
CASE seed:      datasets/seed_papers.csv with -k 5.
CASE classic4:  ../shared/corpora/classic4.csv with -k 4 (exit 77 when absent).

Runs `paperclust run CORPUS -k K -o OUT --quiet`, then opens OUT/report.html
once in Chromium (scripts/install-deps --tests installs it) with the address
hook #lookup=TITLE, which makes the page type TITLE into its paper lookup and
select the first match, and reads back the page's DOM (--dump-dom), its
console (--enable-logging) and a screenshot (SCREENSHOT.png, 1400x2400).
Checks:
 1. the script ran: <body data-ready="1">, no data-error, and the page wrote
    nothing to the console (it never logs; an uncaught error would show);
 2. exactly k .cluster-card elements, data-cluster 0..k-1 in order, whose
    .cluster-label texts equal clusters.csv's label column in order;
 3. #cluster-map holds exactly k circle.cluster-circle, one per cluster;
 4. TITLE (one corpus title, first line, that no other paper's id or title
    contains) selects that paper: #lookup-result shows its title and id, one
    .related-row per related.csv row of the paper, with the related ids in
    rank order and similarities within 0.0005 of the CSV's;
 5. the screenshot was written;
 6. the cluster tree is drawn: #tree-section shown, one .tree-node per row of
    tree.csv in its order (data-node, data-parent and data-depth as the CSV
    has them, labels as its label column), k of them .tree-leaf with
    data-cluster 0..k-1, each leaf's label its cluster's in clusters.csv.
--fixture (development): the page is built by tests/html_fixture.py from the
run's CSVs instead of the binary's report.html, so that a change to the
template can be tried without rebuilding (labels missing from clusters.csv,
as in runs of older binaries, are then taken from the page's own data).
"""
import csv
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from html.parser import HTMLParser

import e2e_util
from e2e_util import check

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--window-size=1400,2400", "--enable-logging=stderr", "--v=0"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find(self, tag=None, cls=None, id=None):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.classes()) and (id is None or n.attrs.get("id") == id)]


class DomReader(HTMLParser):
    """The serialized DOM (Chromium's --dump-dom) as a tree of Nodes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.at = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, attrs, self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def page_data(path):
    """The JSON the page received: the text of its #paperclust-data element."""
    with open(path, encoding="utf-8") as f:
        page = f.read()
    found = re.findall(r'<script type="application/json" id="paperclust-data">(.*?)</script>', page, re.S)
    if not found:
        print("FAIL: report.html has no <script type=\"application/json\" id=\"paperclust-data\"> element")
        sys.exit(1)
    return json.loads(found[-1])


def pick_title(corpus, data, related_ids):
    """A title a person would type, as the corpus has it (first line), that finds
    exactly its own paper: no other paper's id or title holds it.  The search
    starts a third of the way into the corpus, so that it is not the first row."""
    papers = data["papers"]
    hay = [(i + "\x01" + t).lower() for i, t in zip(papers["id"], papers["title"])]
    kept = None
    if not data["related"].get("complete", True):
        kept = {papers["id"][p] for p in data["related"]["paper"]}
    n = len(corpus)
    for j in list(range(n // 3, n)) + list(range(n // 3)):
        doc, title = corpus[j]["id"], corpus[j]["title"].split("\n")[0].strip()
        if len(title) < 8 or not related_ids.get(doc) or (kept is not None and doc not in kept):
            continue
        q = title.lower()
        if sum(1 for h in hay if q in h) == 1:
            return doc, title
    return None, None


def chromium(url, screenshot):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        print("FAIL: chromium not found; scripts/install-deps --tests installs it")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile, "--screenshot=" + screenshot,
                                           "--dump-dom", url]
        started = time.monotonic()
        # its own process group, so that a hung browser goes with all its children
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            print("FAIL: chromium did not finish within 90 s")
            sys.exit(1)
        print(f"chromium: {time.monotonic() - started:.1f} s, exit {p.returncode}")
        if p.returncode != 0:
            print("FAIL: chromium failed:", err[-3000:])
            sys.exit(1)
        return out, err


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    binary, source, case, screenshot = sys.argv[1:5]
    fixture = "--fixture" in sys.argv[5:]
    if case == "seed":
        corpus_path, k = os.path.join(source, "datasets", "seed_papers.csv"), 5
    elif case == "classic4":
        corpus_path, k = os.path.join(source, "..", "shared", "corpora", "classic4.csv"), 4
        if not os.path.exists(corpus_path):
            print("SKIP: ../shared/corpora/classic4.csv is absent")
            sys.exit(77)
    else:
        sys.exit(f"unknown case {case}")

    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        p = subprocess.run([binary, "run", corpus_path, "-k", str(k), "-o", out, "--quiet"],
                           capture_output=True, text=True)
        print(f"paperclust run: {time.monotonic() - started:.1f} s, exit {p.returncode}")
        if p.returncode != 0:
            print("FAIL: paperclust run failed:", p.stderr)
            sys.exit(1)
        page = os.path.join(out, "report.html")
        if fixture:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "html_fixture.py"), corpus_path, out, "-o", page], check=True)
        if not os.path.exists(page):
            print(f"FAIL: report.html not written: {out} holds {sorted(os.listdir(out))}")
            sys.exit(1)

        corpus = read_csv(corpus_path)
        clusters = read_csv(os.path.join(out, "clusters.csv"))
        tree = read_csv(os.path.join(out, "tree.csv"))
        related_ids, related_sims = {}, {}
        for r in read_csv(os.path.join(out, "related.csv")):
            related_ids.setdefault(r["doc_id"], []).append(r["related_id"])
            related_sims.setdefault(r["doc_id"], []).append(float(r["similarity"]))
        data = page_data(page)
        if clusters and "label" in clusters[0]:
            labels = [r["label"] for r in clusters]
        elif fixture:
            labels = [c["label"] for c in data["clusters"]]
            print("fixture mode: clusters.csv has no label column; labels taken from the page's data")
        else:
            print(f"FAIL: clusters.csv has no label column: {list(clusters[0]) if clusters else []}")
            sys.exit(1)
        check(len(clusters) == k, f"clusters.csv has {len(clusters)} rows, want {k}")

        doc, title = pick_title(corpus, data, related_ids)
        if doc is None:
            print("FAIL: no corpus title finds exactly one paper")
            sys.exit(1)
        print(f"lookup: {title!r} (paper {doc}, {len(related_ids[doc])} related)")
        url = "file://" + os.path.abspath(page) + "#lookup=" + urllib.parse.quote(title, safe="")
        if os.path.exists(screenshot):
            os.remove(screenshot)
        dom_text, log = chromium(url, screenshot)

    reader = DomReader()
    reader.feed(dom_text)
    dom = reader.root
    body = (dom.find("body") or [None])[0]
    check(body is not None, "the DOM has a <body>")
    if body is None:
        return
    # 1. the script ran without error
    check(body.attrs.get("data-ready") == "1",
          f"<body data-ready=\"1\">: got {body.attrs.get('data-ready')!r}; error: {body.attrs.get('data-error')!r}")
    check("data-error" not in body.attrs, f"no data-error: {body.attrs.get('data-error')!r}")
    errors = dom.find(id="error")
    check(errors and "hidden" in errors[0].attrs, f"#error is hidden: {errors[0].text() if errors else 'missing'}")
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    check(not console, f"the page wrote nothing to the console: {console[:5]}")
    print(f"render: {body.attrs.get('data-render-ms')} ms in the page's script")

    # 2. one card per cluster, labels as clusters.csv
    cards = dom.find(cls="cluster-card")
    check(len(cards) == k, f"{len(cards)} .cluster-card elements, want {k}")
    check([c.attrs.get("data-cluster") for c in cards] == [str(i) for i in range(len(cards))],
          f"cards' data-cluster in order: {[c.attrs.get('data-cluster') for c in cards]}")
    shown = []
    for c in cards:
        found = c.find(cls="cluster-label")
        shown.append(found[0].text() if len(found) == 1 else f"<{len(found)} .cluster-label>")
    check(shown == labels, f"card labels {shown} == clusters.csv labels {labels}")

    # 3. the map: one circle per cluster
    maps = dom.find(id="cluster-map")
    check(len(maps) == 1, f"one #cluster-map, got {len(maps)}")
    circles = maps[0].find(tag="circle", cls="cluster-circle") if maps else []
    check(len(circles) == k, f"#cluster-map holds {len(circles)} circle.cluster-circle, want {k}")
    check(sorted(c.attrs.get("data-cluster") for c in circles) == sorted(str(i) for i in range(k)),
          f"circles' data-cluster: {[c.attrs.get('data-cluster') for c in circles]}")

    # 4. the lookup of a known title shows its related papers as related.csv has them
    results = dom.find(id="lookup-result")
    check(len(results) == 1, f"one #lookup-result, got {len(results)}")
    result = results[0] if results else Node("div", {}, None)
    ids_shown = [n.text() for n in result.find(cls="paper-id")]
    check(ids_shown == [doc], f"#lookup-result shows paper {ids_shown}, want [{doc!r}]")
    titles = [n.text() for n in result.find(cls="ptitle")]
    check(titles == [title], f"#lookup-result's title {titles} == the corpus's [{title!r}]")
    rows = result.find(cls="related-row")
    want_ids, want_sims = related_ids[doc], related_sims[doc]
    check(len(rows) == len(want_ids), f"{len(rows)} .related-row, want {len(want_ids)} (related.csv)")
    got_ids = [(r.find(cls="rid") or [Node("x", {}, None)])[0].text() for r in rows]
    check(got_ids == want_ids, f"related ids {got_ids} == related.csv {want_ids}")
    check(all(i in r.text() for i, r in zip(want_ids, rows)), "each .related-row's text holds its paper's id")
    got_sims = []
    for r in rows:
        s = r.find(cls="sim")
        try:
            got_sims.append(float(s[0].text()))
        except (ValueError, IndexError):
            got_sims.append(None)
    check(len(got_sims) == len(want_sims) and
          all(g is not None and abs(g - w) <= 0.0005 + 1e-9 for g, w in zip(got_sims, want_sims)),
          f"similarities {got_sims} ~ related.csv {want_sims}")

    # 5. the screenshot
    size = png_size(screenshot) if os.path.exists(screenshot) else None
    check(size == (1400, 2400), f"screenshot {screenshot}: PNG of 1400x2400, got {size}")

    # 6. the tree, as tree.csv has it
    section = dom.find(id="tree-section")
    check(len(section) == 1 and "hidden" not in section[0].attrs, "#tree-section is shown")
    rows = dom.find(cls="tree-node")
    check(len(rows) == len(tree) == 2 * k - 1, f"{len(rows)} .tree-node, tree.csv {len(tree)} rows, "
          f"want 2k - 1 = {2 * k - 1}")
    got = [(r.attrs.get("data-node"), r.attrs.get("data-parent"), r.attrs.get("data-depth")) for r in rows]
    want = [(t["node"], t["parent"], t["depth"]) for t in tree]
    check(got == want, f"tree rows (node, parent, depth) {got[:6]}... == tree.csv {want[:6]}...")
    shown = [((r.find(cls="tl") or [Node("x", {}, None)])[0].text()) for r in rows]
    want_text = [(f"#{t['cluster']}" if t["cluster"] != "-1" else "") + t["label"] for t in tree]
    check(shown == want_text, f"tree labels {shown[:4]}... == tree.csv {want_text[:4]}...")
    leaves = dom.find(cls="tree-leaf")
    check(sorted(int(r.attrs.get("data-cluster", -1)) for r in leaves) == list(range(k)),
          f"{len(leaves)} .tree-leaf with data-cluster {[r.attrs.get('data-cluster') for r in leaves]}, "
          f"want 0..{k - 1}")
    leaf_labels = {t["cluster"]: t["label"] for t in tree if t["cluster"] != "-1"}
    check(all(leaf_labels.get(str(i)) == labels[i] for i in range(k)),
          f"tree.csv's leaf labels {leaf_labels} are clusters.csv's {labels}")


if __name__ == "__main__":
    main()
    e2e_util.finish()
