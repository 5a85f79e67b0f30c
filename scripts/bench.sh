#!/usr/bin/env bash
# The trading API's speed targets measured in one go, outside the test command (docs/benchmarks.md): builds the
# release preset's `qazna`, `bench_load` and `bench_floor`, then runs, one after the other on this machine,
#
#   control   qazna bench ledger --only in_memory      how fast the machine is right now (Engine::apply alone)
#   floor     bench_floor, closed loop and 10,000/s      what any durable-before-answer server gets here
#   orders    bench_load --mode orders                   signed placements/s, 64 and 256 connections (>= 50,000)
#   steady    bench_load --mode steady, 10,000/s         p50 / p99 / p99.9 over a minute (p99 under 2 ms)
#   ws        bench_load --mode ws                       1,000 subscribers, 10,000 book changes/s: delivery lag
#
# and prints each one's summary lines. The whole output goes to build/release/bench-logs/<UTC time>.log, so a
# figure quoted later can be traced to its run. About 6 minutes (--quick: about 2, with shorter and fewer runs).
#
#   scripts/bench.sh [--quick] [--only control,floor,orders,steady,ws]
#
# The figures move with whatever else runs: check `uptime` first, and compare builds only in alternating pairs
# (docs/benchmarks.md). The control is printed first so that a slow hour is visible as such.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

quick=false
only="control,floor,orders,steady,ws"
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=true ;;
    --only)
      [[ $# -ge 2 ]] || { echo "bench: --only needs a list, e.g. --only orders,steady" >&2; exit 2; }
      only=$2
      shift
      ;;
    -h | --help)
      sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bench: unknown argument '$1' (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done
IFS=, read -r -a parts <<<"$only"
for part in "${parts[@]}"; do
  case $part in
    control | floor | orders | steady | ws) ;;
    *)
      echo "bench: unknown part '$part' (control, floor, orders, steady, ws)" >&2
      exit 2
      ;;
  esac
done
wanted() { [[ ",$only," == *",$1,"* ]]; }

"$QZ_ROOT/scripts/build.sh" release -- --target qazna bench_load bench_floor
dir=$(qz_build_dir release)
qazna="$dir/apps/qazna/qazna"
load="$dir/bench/load/bench_load"
floor="$dir/bench/load/bench_floor"

logs="$dir/bench-logs"
mkdir -p "$logs"
log="$logs/$(date -u +%Y%m%dT%H%M%SZ).log"

if $quick; then
  seconds=5 runs=1 steady_seconds=20 ws_seconds=5
else
  seconds=10 runs=3 steady_seconds=60 ws_seconds=10
fi

{
  echo "bench: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git -C "$QZ_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    git -C "$QZ_ROOT" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$log"

# Runs one part: its command's whole output to the log, the lines that carry its figures to the terminal.
# Usage: run NAME PATTERN command args...
run() {
  local name=$1 pattern=$2
  shift 2
  echo | tee -a "$log"
  echo "== $name: ${*#"$dir/"}" | tee -a "$log"
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  printf '%s\n' "$out" >>"$log"
  printf '%s\n' "$out" | grep -E "$pattern" || true
  if [[ $rc -ne 0 ]]; then
    echo "bench: $name exited with status $rc; its output is in $log" >&2
    failed=1
  fi
}
failed=0

if wanted control; then
  run control "RESULT|check: |checks passed" "$qazna" bench ledger --only in_memory
fi
if wanted floor; then
  run "floor, closed loop" "median|check: " "$floor" --mode orders --seconds "$seconds" --runs "$runs"
  run "floor, 10,000/s" "median|check: " "$floor" --mode steady --rate 10000 --seconds "$seconds" --runs "$runs"
fi
if wanted orders; then
  run "orders, 64 connections" "^  run |CPU per order|median|target|check: " \
    "$load" --mode orders --seconds "$seconds" --runs "$runs"
  run "orders, 256 connections" "^  run |CPU per order|median|target|check: " \
    "$load" --mode orders --connections 256 --seconds "$seconds" --runs "$runs"
fi
if wanted steady; then
  run "steady 10,000/s" "^  run |CPU per order|median|target|check: " \
    "$load" --mode steady --rate 10000 --seconds "$steady_seconds" --runs 1
fi
if wanted ws; then
  run "ws, 1,000 subscribers" "kept up|FELL BEHIND|median|target|check: " "$load" --mode ws --seconds "$ws_seconds" --runs 1
fi

echo
echo "bench: the whole output is in ${log#"$QZ_ROOT"/}"
exit "$failed"
