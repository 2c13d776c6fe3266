#!/usr/bin/env bash
# Copies an example dbt project (e.g. examples/shop) to DEST and builds it with
# dbt (seeds, models, semantic manifest), offline, into its DuckDB file.
# Usage: tools/make-example-project.sh SRC DEST    (skips work already done)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$(realpath "$1")
dest=$(realpath -m "$2")
export DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false
if [[ -f "$dest/target/semantic_manifest.json" && -f "$dest/shop.duckdb" ]]; then
  echo "$dest"
  exit 0
fi
mkdir -p "$dest"
cp -r "$src/." "$dest/"
(cd "$dest" && "$root/.venv/bin/dbt" build --profiles-dir "$dest" --project-dir "$dest" >&2)
echo "$dest"
