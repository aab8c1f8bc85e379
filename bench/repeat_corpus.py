#!/usr/bin/env python3
"""Writes the first N papers of a corpus repeated: arxiv.csv's rows again and
again, each repetition's ids prefixed with r<repetition>- so every id is new.
It keeps the real texts and vocabulary but not a real corpus' growth of the
vocabulary (bench/realcorpus is for that); it is what the memory figures of
the streaming ingest in RESULTS.md were measured on.

    python3 bench/repeat_corpus.py ../shared/corpora/arxiv.csv /work/data/arxiv1m.csv 1000000
"""
import csv
import sys

csv.field_size_limit(1 << 30)


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    with open(dst, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        k = 0
        while k < n:
            rep = k // len(body)
            for r in body:
                if k >= n:
                    break
                w.writerow([f"r{rep}-{r[0]}"] + r[1:])
                k += 1


if __name__ == "__main__":
    main()
