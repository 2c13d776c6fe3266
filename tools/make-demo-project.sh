#!/usr/bin/env bash
# Creates the demo project: MetricFlow's tutorial project on DuckDB, written by
# `mf tutorial` into DIR/mf_tutorial_project and built with `dbt build`
# (seeds, models, semantic manifest), offline. Skips what is already done.
# Usage: tools/make-demo-project.sh DIR      (prints the project's path)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(realpath -m "$1")
project="$dir/mf_tutorial_project"
export DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false
if [[ -f "$project/target/semantic_manifest.json" && -f "$project/mf_tutorial.duckdb" ]]; then
  echo "$project"
  exit 0
fi
mkdir -p "$dir"
(cd "$dir" && "$root/.venv/bin/mf" tutorial --yes </dev/null >/dev/null)
(cd "$project" && "$root/.venv/bin/dbt" build --profiles-dir "$project" \
   --project-dir "$project" >&2)
echo "$project"
