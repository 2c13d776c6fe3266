#!/usr/bin/env bash
# Runs a fuzz target once on each of the files given after it; fails when the
# target fails (a crash, a sanitizer report, a broken invariant) on any.
# Usage: run_corpus.sh FUZZ_TARGET FILE...
set -euo pipefail
target=$1
shift
(($# > 0)) || { echo "run_corpus.sh: no corpus files" >&2; exit 1; }
# Standalone builds and libFuzzer both run each file given as an argument
# once; stdin is closed so that no input can make the target wait on it.
"$target" "$@" </dev/null
echo "ran $# corpus inputs through $(basename "$target")"
