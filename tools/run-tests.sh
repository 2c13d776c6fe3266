#!/usr/bin/env bash
# Runs every test of mfgate and ends with one summary line:
#   tests: N passed, N failed
# Usage: tools/run-tests.sh DEMO_PROJECT_DIR OUTPUT_DIR
# Exits non-zero when any test failed (or could not run).
set -uo pipefail
cd "$(dirname "$0")/.."
demo_project=$(realpath "$1")
out=$(realpath -m "$2")
rm -rf "$out" && mkdir -p "$out"
status=0

# 1. Unit and integration tests (GoogleTest under Bazel). Integration tests are
#    tagged manual (they need the demo project) and are listed explicitly.
mapfile -t targets < <(bazel query 'tests(//...)' 2>/dev/null; \
                       bazel query 'attr(tags, manual, tests(//...))' 2>/dev/null)
echo "== bazel test (${#targets[@]} targets)"
start=$(date +%s)
bazel test --nocache_test_results --test_env=MFGATE_DEMO_PROJECT="$demo_project" \
  --test_env=MFGATE_REPO="$PWD" "${targets[@]}" || status=1

bazel build //tests/conformance:fixture_server || status=1

# 2. Engine-host, end-to-end (the official MCP Python client over stdio, SSE
#    and Streamable HTTP), MCP conformance and Kubernetes manifest tests
#    (pytest).
echo "== pytest"
MFGATE_DEMO_PROJECT="$demo_project" MFGATE_PROTO_PATH="$PWD/bazel-bin/proto" \
  .venv/bin/python -m pytest -q -p no:cacheprovider \
  --junitxml="$out/pytest.xml" worker/engine/host tests/e2e tests/conformance tests/k8s || status=1

.venv/bin/python tools/test_summary.py --bazel-testlogs bazel-testlogs \
  --newer-than "$start" \
  --junit "$out/pytest.xml" "${targets[@]}" || status=1
exit $status
