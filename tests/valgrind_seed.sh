#!/bin/sh
# Memcheck on the seed-corpus run (the tool built without AVX-512, which
# valgrind cannot run): no memory errors, no definite or indirect
# leaks (libgomp's per-thread stacks show as "possibly lost" and are not ours).
# usage: valgrind_seed.sh PAPERCLUST SOURCE_DIR; exit 77 (skipped) without valgrind.
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind is not installed"; exit 77; }
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    "$1" run "$2/datasets/seed_papers.csv" -k 5 -o "$out" --quiet --threads 2
