#!/usr/bin/env bash
# The README's second command: sets up, builds with warnings as errors, and runs every test.
#
#   scripts/test.sh [preset]        preset: release (default) or asan (ASan + UBSan with clang), or debug
#
# Steps, each counted in the summary:
#   1. scripts/setup.sh and a -DQZ_WERROR=ON build of the preset (one check: the build);
#   2. ctest --output-on-failure -j2 (one check per test); with the release preset and clang++ present, the
#      whole suite again in the asan preset (ASan + UBSan; one check; QZ_SANITIZERS=0 skips it);
#   3. when clang++ is present, the fuzz smoke run: scripts/fuzz.sh QZ_FUZZ_SECONDS (default 20) per target
#      (one check per target), in the asan build when step 1 or 2 made it, else in the fuzz preset's;
#   4. `qazna bench ledger --tiny`, `qazna bench orders --tiny` and `qazna bench screen --tiny` (one check each);
#   5. with the release preset, the real-client conformance run: tests/client/run.sh (npm ccxt and the binance SDK
#      against `qazna demo`; one check).
# Build directories are reused between runs (build/<preset>, build/asan, build/fuzz). Keeps going after a failure, prints
# what failed, and ends with the line "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

preset=${1:-release}
fuzz_seconds=${QZ_FUZZ_SECONDS:-20}
dir=$(qz_build_dir "$preset")
passed=0
failed=0
failures=()
started=$(date +%s)

pass() { passed=$((passed + $1)); }
fail() {
  failed=$((failed + 1))
  failures+=("$1")
}
step() { echo; echo "== $* ($(($(date +%s) - started))s)"; }

step "build: preset $preset, warnings as errors"
built=0
if "$QZ_ROOT/scripts/build.sh" "$preset" -DQZ_WERROR=ON; then
  pass 1
  built=1
else
  fail "build ($preset)"
fi

if ((built)); then
  step "ctest"
  log="$dir/ctest.log"
  ctest --test-dir "$dir" --output-on-failure -j2 2>&1 | tee "$log"
  summary=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [[ -z $summary ]]; then
    fail "ctest (no test summary; see ${log#"$QZ_ROOT"/})"
  else
    read -r failed_tests _ _ _ _ total_tests <<<"$summary"
    pass $((total_tests - failed_tests))
    while IFS= read -r name; do
      fail "ctest: $name"
    done < <(sed -n '/The following tests FAILED:/,$p' "$log" | sed -nE 's/^[[:space:]]*[0-9]+ - ([^ ]+) .*/\1/p')
    # Failures the list above did not name (should not happen) still count.
    named=$(sed -n '/The following tests FAILED:/,$p' "$log" | grep -cE '^[[:space:]]*[0-9]+ - ')
    for ((i = named; i < failed_tests; i++)); do fail "ctest: unnamed failure"; done
  fi
fi

# The trading API against the real clients: npm ccxt and the binance SDK against `qazna demo` (tests/client).
if ((built)) && [[ $preset == release ]]; then
  step "client: ccxt and the binance SDK against qazna demo (tests/client/run.sh)"
  if command -v npm >/dev/null 2>&1; then
    if QZ_BIN="$dir/apps/qazna/qazna" bash "$QZ_ROOT/tests/client/run.sh"; then
      pass 1
    else
      fail "client conformance (tests/client/run.sh)"
    fi
  else
    fail "client conformance: npm not found (scripts/setup.sh installs it)"
  fi
fi

# The whole suite again under AddressSanitizer + UBSan (clang), as one check; QZ_SANITIZERS=0 skips it. The asan
# build also has the fuzz targets (its libraries carry libFuzzer's coverage instrumentation), so the fuzz run
# below uses it instead of building the fuzz preset's copy of the same libraries (as it does when the preset
# given is asan itself).
fuzz_preset=fuzz
[[ $preset == asan ]] && fuzz_preset=asan
if [[ $preset == release && ${QZ_SANITIZERS:-1} != 0 ]] && command -v clang++ >/dev/null 2>&1; then
  fuzz_preset=asan
  step "sanitizers: preset asan (ASan + UBSan), build and ctest"
  asan_dir=$(qz_build_dir asan)
  asan_log="$asan_dir/ctest.log"
  # The book's differential test runs 3 seeds per shape here instead of 6 (its coverage checks still hold): under
  # ASan it was the suite's longest test at 133 s; the release run above keeps all 6.
  if "$QZ_ROOT/scripts/build.sh" asan -DQZ_WERROR=ON && mkdir -p "$asan_dir" &&
    QZ_BOOK_RUNS=${QZ_BOOK_RUNS:-3} ctest --test-dir "$asan_dir" --output-on-failure -j2 2>&1 | tee "$asan_log" &&
    grep -q ' 0 tests failed out of' "$asan_log"; then
    pass 1
  else
    fail "sanitizers (asan preset; see ${asan_log#"$QZ_ROOT"/})"
  fi
fi

if command -v clang++ >/dev/null 2>&1; then
  step "fuzz: ${fuzz_seconds}s per target"
  log="$(qz_build_dir "$fuzz_preset")/fuzz-smoke.log"
  mkdir -p "$(dirname "$log")"
  QZ_FUZZ_PRESET=$fuzz_preset "$QZ_ROOT/scripts/fuzz.sh" "$fuzz_seconds" 2>&1 | tee "$log"
  fuzz_status=${PIPESTATUS[0]}
  pass "$(grep -cE '^fuzz: [a-z0-9_]+ passed' "$log")"
  while IFS= read -r target; do fail "fuzz: $target"; done < <(sed -nE 's/^fuzz: ([a-z0-9_]+) FAILED.*/\1/p' "$log")
  if grep -q '^fuzz: build FAILED' "$log" || { ((fuzz_status != 0)) && ! grep -q 'FAILED' "$log"; }; then
    fail "fuzz build"
  fi
else
  step "fuzz: skipped (clang++ not found)"
fi

if ((built)); then
  step "bench: qazna bench ledger --tiny"
  if "$dir/apps/qazna/qazna" bench ledger --tiny; then
    pass 1
  else
    fail "qazna bench ledger --tiny"
  fi
  stream="$QZ_ROOT/../shared/bench/pub_W1.lbops.zst"
  if [[ -f "$stream" ]]; then
    step "bench: qazna bench orders --tiny (full path: orders through Engine::apply)"
    if "$dir/apps/qazna/qazna" bench orders "$stream" --tiny --runs 1; then
      pass 1
    else
      fail "qazna bench orders --tiny"
    fi
  fi
  if [[ -d "$QZ_ROOT/../shared/data/sanctions" ]]; then
    step "bench: qazna bench screen --tiny (the sanctions lists loaded, names screened)"
    if "$dir/apps/qazna/qazna" bench screen --tiny --lists "$QZ_ROOT/../shared/data/sanctions"; then
      pass 1
    else
      fail "qazna bench screen --tiny"
    fi
  fi
fi

step "summary"
for failure in "${failures[@]}"; do echo "FAILED: $failure"; done
echo "$passed passed, $failed failed"
((failed == 0))
