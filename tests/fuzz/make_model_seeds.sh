#!/bin/sh
# Remakes the seed models of fuzz_model (tests/fuzz/corpus_fuzz_model/) with
# a built paperclust: four runs over six small papers, the tokenizer and
# tf-idf options varied, one of them clustered by repeated bisection (its
# model carries the tree and the splits' rules).  Run it after a change of
# the model format:  tests/fuzz/make_model_seeds.sh build/paperclust
set -eu
bin=${1:?usage: make_model_seeds.sh PATH/TO/paperclust}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/small.csv" <<'CSV'
id,title,abstract
g0,graph study,graph methods for graph data
g1,protein study,protein methods for protein data
g2,graph neural,graph networks and graph data
g3,protein folding,protein structure and folding data
g4,market study,market methods for market prices
g5,market risk,market prices and risk
CSV
seed() { # NAME OPTIONS...
    name=$1
    shift
    "$bin" run "$tmp/small.csv" --min-df 1 --seed 1 --quiet -o "$tmp/out" \
        --save-model "$tmp/$name" "$@"
    cp "$tmp/$name/model.bin" "$here/corpus_fuzz_model/$name.bin"
}
seed english_stop_words -k 2
seed stemmed_bigrams_science -k 3 --stem english --ngrams 2 --stopwords english+science
seed sklearn_tokens_no_stop_words -k 2 --sklearn-tokens --stopwords none --raw-tf \
    --max-features 8
seed bisect_tree -k 4 --method bisect --stem english --ngrams 2
