#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer, ASan + UBSan) and runs each fuzz target for a while.
#
#   scripts/fuzz.sh [seconds] [target...]      default: 60 seconds each, all targets
#   scripts/fuzz.sh 600 fuzz_block_decoder
#
# Targets run QZ_JOBS at a time (default: one per core). QZ_FUZZ_PRESET=asan uses the asan preset's build, which
# has the fuzz targets too (the test command does, after the sanitizer run has built it).
#
# Seeds come from fuzz_make_seeds (regenerated every run, so they follow the formats). What a run discovers is
# kept in build/fuzz/corpus/<target> (build/<preset>/...) and reused by the next run; a crashing input is written
# to build/fuzz/artifacts/<target>/ and can be replayed with `build/fuzz/fuzz/<target> FILE`.
# Prints one line per target: "fuzz: <target> passed ..." or "fuzz: <target> FAILED ..."; exits non-zero if any
# target failed or the build did.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds=${1:-60}
[[ $# -gt 0 ]] && shift
targets=("$@")
((${#targets[@]} > 0)) || targets=(fuzz_decimal fuzz_command_decoder fuzz_order_decoder fuzz_block_decoder fuzz_engine fuzz_snapshot_decoder
                                   fuzz_sanctions_csv fuzz_sanctions_xml fuzz_monitor_config fuzz_ivms101 fuzz_kyc_record fuzz_exec_input
                                   fuzz_query_params fuzz_ws_control fuzz_ws_frames fuzz_entry_chunks
                                   fuzz_http_request)

# The longest input worth trying per target: decimals are short, commands are 64 bytes (a little more to try
# wrong sizes), blocks a header, a signature and a few commands.
max_len() {
  case "$1" in
    fuzz_decimal) echo 64 ;;
    fuzz_command_decoder) echo 96 ;;
    fuzz_order_decoder) echo 64 ;;
    fuzz_engine) echo 2080 ;;           # 32 commands of 65 bytes
    fuzz_sanctions_csv) echo 4096 ;;    # a few list rows with long remarks
    fuzz_sanctions_xml) echo 4096 ;;    # a few UN list entries
    *) echo 2048 ;;
  esac
}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (scripts/setup.sh installs it)" >&2
  exit 1
fi

"$QZ_ROOT/scripts/setup.sh"
preset=${QZ_FUZZ_PRESET:-fuzz}
dir=$(qz_build_dir "$preset")
mkdir -p "$dir"
cd "$QZ_ROOT"
echo "fuzz: building preset '$preset' in ${dir#"$QZ_ROOT"/}"
if ! qz_quiet "$dir/configure.log" cmake --preset "$preset" -B "$dir" ||
   ! qz_quiet "$dir/build.log" cmake --build "$dir" --parallel "$(qz_jobs)" --target fuzz_make_seeds "${targets[@]}"; then
  echo "fuzz: build FAILED"
  exit 1
fi

rm -rf "$dir/seeds"
"$dir/fuzz/fuzz_make_seeds" "$dir/seeds"

# One target's run; its verdict line goes to $dir/logs/<target>.result.
run_target() {
  local target=$1
  local corpus="$dir/corpus/$target" artifacts="$dir/artifacts/$target" log="$dir/logs/$target.log"
  local result="$dir/logs/$target.result"
  mkdir -p "$corpus" "$artifacts" "$dir/seeds/$target"  # a target fuzz_make_seeds has no seeds for
  if "$dir/fuzz/$target" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 \
       -rss_limit_mb=2048 -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$artifacts/" \
       "$corpus" "$dir/seeds/$target" >"$log" 2>&1; then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target passed (${runs:-?} inputs in ${seconds}s, corpus $(find "$corpus" -type f | wc -l) files)" >"$result"
  else
    echo "fuzz: $target FAILED (log: ${log#"$QZ_ROOT"/}; inputs: ${artifacts#"$QZ_ROOT"/}/)" >"$result"
  fi
}

# The targets run QZ_JOBS at a time (one per core by default); their lines are printed in the order listed.
mkdir -p "$dir/logs"
for target in "${targets[@]}"; do rm -f "$dir/logs/$target.result"; done
running=0
for target in "${targets[@]}"; do
  if ((running >= $(qz_jobs))); then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait || true

failed=0
for target in "${targets[@]}"; do
  result="$dir/logs/$target.result"
  if [[ -f $result ]] && grep -q '^fuzz: [a-z0-9_]* passed' "$result"; then
    cat "$result"
  else
    failed=$((failed + 1))
    tail -n 40 "$dir/logs/$target.log" >&2 || true
    if [[ -f $result ]]; then cat "$result"; else echo "fuzz: $target FAILED (no verdict; log: ${dir#"$QZ_ROOT"/}/logs/$target.log)"; fi
  fi
done
exit $((failed > 0))
