#!/usr/bin/env bash
# Runs canary in each mode and checks that the build's sanitizer reports
# exactly the planted bugs: under --config=asan the heap overflow and the
# signed overflow, under --config=tsan the race and not the guarded writes;
# in other builds nothing is checked. The canary's reports go to files, not
# to this test's log, where tools/test_summary.py would count them.
# Usage: canary_test.sh CANARY asan|tsan|none
set -uo pipefail
canary=$1 sanitizer=$2
dir=${TEST_TMPDIR:-$(mktemp -d)}
status=0

# expect MODE caught|clean: runs the canary in MODE, checks its outcome.
expect() {
  local mode=$1 want=$2 got
  "$canary" "$mode" >"$dir/$mode.out" 2>&1
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|WARNING: ThreadSanitizer' \
      "$dir/$mode.out"; then
    got=caught
  else
    got=clean
  fi
  if [[ $got == "$want" ]]; then
    echo "$sanitizer $mode: $got, as it must be"
  else
    echo "$sanitizer $mode: $got, but must be $want"
    sed 's/Sanitizer/S.../g' "$dir/$mode.out" | head -20
    status=1
  fi
}

case $sanitizer in
  asan) expect heap-overflow caught; expect overflow caught; expect guarded clean ;;
  tsan) expect race caught; expect guarded clean ;;
  none) echo "no sanitizer in this build: nothing to check" ;;
  *) echo "unknown sanitizer $sanitizer"; exit 2 ;;
esac
exit $status
