#!/usr/bin/env bash
# Runs every test of mfgate and ends with one summary line:
#   tests: N passed, N failed
# Usage: tools/run-tests.sh [--k8s] DEMO_PROJECT_DIR OUTPUT_DIR
#   --k8s: only the Kubernetes suites (step 2b)
# Exits non-zero when any test failed (or could not run).
set -uo pipefail
cd "$(dirname "$0")/.."
k8s_only=false
[[ "$1" == "--k8s" ]] && { k8s_only=true; shift; }
demo_project=$(realpath "$1")
out=$(realpath -m "$2")
rm -rf "$out" && mkdir -p "$out"
status=0
start=$(date +%s)
targets=()
pytest() {
  MFGATE_DEMO_PROJECT="$demo_project" MFGATE_PROTO_PATH="$PWD/bazel-bin/proto" \
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
}

# 2b. Kubernetes: the manifests rendered and linted, every overlay applied
#    to a real API server, the pods run from the built images under runc
#    and driven end to end (make test-k8s builds what they need). Run right
#    after step 2, while bazel-bin still holds the plain build.
kubernetes() {
  echo "== pytest tests/k8s"
  local started=$(date +%s)
  pytest --junitxml="$out/k8s.xml" tests/k8s || status=1
  echo "== tests/k8s took $(( $(date +%s) - started )) s"
}

if $k8s_only; then
  kubernetes
  .venv/bin/python tools/test_summary.py --bazel-testlogs bazel-testlogs \
    --junit "$out/k8s.xml" || status=1
  exit $status
fi

# 1. Unit and integration tests (GoogleTest under Bazel). Integration tests are
#    tagged manual (they need the demo project) and are listed explicitly.
mapfile -t targets < <(bazel query 'tests(//...)' 2>/dev/null; \
                       bazel query 'attr(tags, manual, tests(//...))' 2>/dev/null)
echo "== bazel test (${#targets[@]} targets)"
bazel test --nocache_test_results --test_env=MFGATE_DEMO_PROJECT="$demo_project" \
  --test_env=MFGATE_REPO="$PWD" "${targets[@]}" || status=1
testlogs=$(bazel info bazel-testlogs 2>/dev/null)

# Programs the pytest suites run beside the two binaries.
bazel build //tests/conformance:fixture_server \
  //worker/manifest:mfgate-manifest-index || status=1

# 2. Engine-host, end-to-end (the official MCP Python client over stdio, SSE
#    and Streamable HTTP) and MCP conformance tests (pytest).
echo "== pytest"
pytest --junitxml="$out/pytest.xml" worker/engine/host tests/e2e tests/conformance || status=1

kubernetes

# 3. The unit and integration tests again under AddressSanitizer +
#    UndefinedBehaviorSanitizer, and the unit tests that make no gRPC calls
#    under ThreadSanitizer (README.md, Hardening). Any report fails the test
#    it came from, from whichever process printed it.
echo "== bazel test --config=asan (${#targets[@]} targets)"
printf '%s\n' "${targets[@]}" >"$out/asan-targets"
# The worker is built as a target of its own too: the integration tests run
# it, and it finds its engine host in the runfiles built beside it.
bazel test --config=asan --nocache_test_results \
  --test_env=MFGATE_DEMO_PROJECT="$demo_project" --test_env=MFGATE_REPO="$PWD" \
  //worker:mfgate-worker "${targets[@]}" || status=1
asan_testlogs=$(bazel info --config=asan bazel-testlogs 2>/dev/null)

# The thread-safety analysis (in the asan build, as in every clang build)
# must refuse a planted violation.
echo "== thread-safety analysis"
case=thread_safety_analysis_refuses_a_violation
bazel build --config=asan //tests/sanitizers:thread_safety_violation \
  >"$out/thread-safety.log" 2>&1
if grep -m1 'thread_safety_violation.cc:.*requires holding mutex' "$out/thread-safety.log"; then
  echo "<testsuite><testcase classname=\"checks\" name=\"$case\"/></testsuite>" >"$out/checks.xml"
else
  echo "the analysis did not refuse a read of a guarded member without its mutex"
  echo "<testsuite><testcase classname=\"checks\" name=\"$case\"><failure/></testcase></testsuite>" >"$out/checks.xml"
  status=1
fi

mapfile -t tsan_targets < <(bazel query \
  'tests(//...) except attr(tags, "\bgrpc\b", tests(//...))' 2>/dev/null)
echo "== bazel test --config=tsan (${#tsan_targets[@]} targets)"
printf '%s\n' "${tsan_targets[@]}" >"$out/tsan-targets"
bazel test --config=tsan --nocache_test_results "${tsan_targets[@]}" || status=1
tsan_testlogs=$(bazel info --config=tsan bazel-testlogs 2>/dev/null)

# 4. Each fuzz target for a bounded time, from its corpus (libFuzzer, ASan +
#    UBSan); tools/fuzz.sh and `make fuzz` run them longer.
echo "== fuzz"
tools/fuzz.sh --seconds "${MFGATE_FUZZ_SECONDS:-30}" --out "$out/fuzz" \
  --junit "$out/fuzz.xml" || status=1

.venv/bin/python tools/test_summary.py --bazel-testlogs "$testlogs" \
  --newer-than "$start" \
  --sanitizer-run asan "$asan_testlogs" "$out/asan-targets" \
  --sanitizer-run tsan "$tsan_testlogs" "$out/tsan-targets" \
  --junit "$out/pytest.xml" --junit "$out/k8s.xml" --junit "$out/checks.xml" \
  --junit "$out/fuzz.xml" "${targets[@]}" || status=1
exit $status
