#!/bin/bash
# Before/after figures of the streaming ingest (RESULTS.md, issue 12 §3):
# two paperclust binaries run alternately, 3 times each, on arxiv.csv
# (--top 10) and on a 1M-paper file from repeat_corpus.py (--top 0 -k 10),
# under nice -n 5; each run's summary.csv is kept as sum-<corpus>-<tag>-<i>.csv
# and the load average at each start and end goes to log.txt.
#   bench/stream_memory.sh BEFORE_BIN AFTER_BIN ARXIV_CSV BIG_CSV OUT_DIR
set -eu
before=$1 after=$2 arxiv=$3 big=$4 out=$5
mkdir -p "$out" && cd "$out"
for i in 1 2 3; do
  for corpus in arxiv 1m; do
    for tag in before after; do
      bin=$before; [ $tag = after ] && bin=$after
      if [ $corpus = arxiv ]; then in=$arxiv; opts="--top 10"; else in=$big; opts="--top 0 -k 10"; fi
      echo "$(date +%T) start $corpus $tag $i load $(cut -d' ' -f1-3 /proc/loadavg)" >> log.txt
      nice -n 5 "$bin" run "$in" -o run-out --quiet $opts > /dev/null 2>&1
      cp run-out/summary.csv "sum-$corpus-$tag-$i.csv"
      rm -rf run-out
      echo "$(date +%T) end $corpus $tag $i load $(cut -d' ' -f1-3 /proc/loadavg)" >> log.txt
    done
  done
done
