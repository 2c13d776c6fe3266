#!/usr/bin/env bash
# Runs mfgate's fuzz targets (//fuzz) with libFuzzer, under AddressSanitizer
# and UndefinedBehaviorSanitizer (bazel --config=fuzz).
#
#   tools/fuzz.sh [--seconds N] [--parallel N] [--out DIR] [--junit FILE] [TARGET...]
#
#   --seconds N   how long each target fuzzes (default 30)
#   --parallel N  how many targets run at once (default 1)
#   --out DIR     work directory (default .fuzz-out): per target its growing
#                 corpus, the inputs of what it found, its log, and the
#                 executions it has survived over all runs in DIR
#   --junit FILE  one test case per target, for tools/test_summary.py
#   TARGET        e.g. session_fuzzer (default: every target in fuzz/BUILD)
#
# Each target starts from its committed corpus (fuzz/corpus/<target>/, but
# for the files named crash-*: known crashes whose fixes have not landed,
# listed in README.md) and what earlier runs in DIR found. A target fails on a
# crash, a sanitizer report, a broken invariant, a leak, an input that runs
# over 25 s or one that needs over 2 GB; the input is kept in DIR/<target>/
# and named in the output. A crash that fuzz/known_crashes.txt lists is
# reported as KNOWN (its input kept in DIR/<target>/known/) and the target
# fuzzes on. Exits non-zero when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=30 parallel=1 out=.fuzz-out junit="" targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --junit) junit=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^ *name = "\(.*_fuzzer\)",$/\1/p' fuzz/BUILD)
fi
out=$(realpath -m "$out")
mkdir -p "$out"

bazel build --config=fuzz "${targets[@]/#/\/\/fuzz:}" || exit 1
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)/fuzz

# libFuzzer flags of a target beyond the common ones. The two targets whose
# work runs on other threads skip libFuzzer's leak check after each input
# (it stops every thread whenever an input's allocations outlive it, which
# theirs do until their threads are done); LeakSanitizer still checks them
# when each run ends.
declare -A target_flags=(
  [session_fuzzer]="-detect_leaks=0"
  [http_fuzzer]="-detect_leaks=0"
)

# Whether the report in log $2 of target $1 is a known crash
# (fuzz/known_crashes.txt).
known_crash() {
  local pattern
  while read -r name pattern; do
    [[ $name == "$1" ]] && grep -qE -- "$pattern" "$2" && return 0
  done < <(grep -v '^#' fuzz/known_crashes.txt | grep -v '^ *$')
  return 1
}

# Runs one target; writes DIR/<target>/result: "ok|failed EXECUTIONS SECONDS
# WHY". A known crash ends one libFuzzer run, not the target's: the next run
# goes on for the time left.
fuzz_one() {
  local target=$1 dir=$out/$1
  mkdir -p "$dir/corpus" "$dir/seeds" "$dir/known"
  rm -f "$dir/seeds"/*
  find "fuzz/corpus/$target" -type f ! -name 'crash-*' -exec cp {} "$dir/seeds/" \;
  local start=$SECONDS runs=0 status=0 why="" left
  while left=$((seconds - (SECONDS - start))); ((left > 0)); do
    ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer \
      "$bin/$target" -max_total_time="$left" -timeout=25 -rss_limit_mb=2048 \
      -max_len=8192 -print_final_stats=1 -artifact_prefix="$dir/" \
      ${target_flags[$target]:-} "$dir/corpus" "$dir/seeds" </dev/null >"$dir/log" 2>&1
    status=$?
    local n
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    runs=$((runs + ${n:-0}))
    ((status == 0)) && break
    local input
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$dir/log" | tail -1)
    if [[ -n $input ]] && known_crash "$target" "$dir/log"; then
      echo "KNOWN $(basename "$input"): $(grep -m1 -E 'what\(\)|ERROR: ' "$dir/log")" \
        >>"$dir/known/list"
      mv "$input" "$dir/known/"
      status=0
      continue
    fi
    why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: |deadly signal' "$dir/log")
    why=${why:-"exit status $status"}
    break
  done
  if ((status == 0)); then  # Executions survived, over every clean run in DIR.
    echo $(( $(cat "$dir/executions" 2>/dev/null || echo 0) + runs )) >"$dir/executions"
  fi
  echo "$([ $status = 0 ] && echo ok || echo failed) $runs $((SECONDS - start)) $why" >"$dir/result"
}

running=0
for target in "${targets[@]}"; do
  echo "== fuzz $target (${seconds}s)"
  fuzz_one "$target" &
  if (( ++running >= parallel )); then wait -n; ((running--)); fi
done
wait

status=0 cases=""
for target in "${targets[@]}"; do
  read -r outcome runs took why <"$out/$target/result"
  total=$(cat "$out/$target/executions" 2>/dev/null || echo 0)
  printf '%-22s %-6s %12s executions in %4ss (%s in all in %s)\n' \
    "$target" "$outcome" "$runs" "$took" "$total" "$out"
  failure=""
  if [[ -s $out/$target/known/list ]]; then
    sort "$out/$target/known/list" | cut -c1-160 | sed 's/^/   /'
  fi
  if [[ $outcome != ok ]]; then
    status=1
    echo "   $why"
    ls -1 "$out/$target" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed "s#^#   input: $out/$target/#"
    failure="<failure message=\"$(sed 's/&/\&amp;/g; s/</\&lt;/g; s/"/\&quot;/g' <<<"$why")\"/>"
  fi
  cases+="<testcase classname=\"fuzz\" name=\"$target\" time=\"$took\">$failure</testcase>"
done
if [[ -n $junit ]]; then
  echo "<testsuites><testsuite name=\"fuzz\">$cases</testsuite></testsuites>" >"$junit"
fi
exit $status
