#!/usr/bin/env bash
# Compares two builds of `bench_load` in alternating pairs, the way docs/benchmarks.md compares code: on this
# machine the speed moves by a third within minutes, so one run of each says little, and only pairs run back to
# back, the order alternating (ABBA), compare code.
#
#   scripts/pairs.sh [--pairs N] BASE NEW [bench_load arguments...]
#
# BASE and NEW are `bench_load` binaries (copy build/release/bench/load/bench_load aside before rebuilding the
# other). Pair i runs BASE then NEW when i is odd, NEW then BASE when it is even. The bench_load arguments default
# to `--mode orders --connections 256 --seconds 5 --warmup 2 --runs 1` (the two cores saturated; at 64 connections
# the closed loop's latency bounds orders/s, not the CPU); give `--mode steady --rate 10000 --seconds 10 --warmup 2
# --runs 1` for the latency target. 8 pairs by default.
#
# Each run's figures are printed as it ends; then, for each figure, both medians, the change, and in how many pairs
# NEW was higher: orders/s, CPU per order (every thread's, the generator's too), history's CPU per order (its
# thread's share of a core over orders/s) and p99.
set -euo pipefail

pairs=8
if [[ ${1:-} == --pairs ]]; then
  pairs=${2:?"--pairs needs a number"}
  shift 2
fi
if (($# < 2)); then
  echo "usage: scripts/pairs.sh [--pairs N] BASE NEW [bench_load arguments...]" >&2
  exit 2
fi
base=$1
new=$2
shift 2
for binary in "$base" "$new"; do
  [[ -x $binary ]] || { echo "pairs: $binary is not an executable" >&2; exit 2; }
done
args=("$@")
((${#args[@]} > 0)) || args=(--mode orders --connections 256 --seconds 5 --warmup 2 --runs 1)

# One run's figures, space-separated: orders/s, CPU per order (µs), history's CPU per order (µs), p99 (ms).
run_once() {
  local out orders cpu history p99
  out=$("$1" "${args[@]}" 2>&1) || { echo "pairs: $1 failed:" >&2; echo "$out" >&2; return 1; }
  orders=$(sed -n 's/^  run 1: \([0-9,]*\) orders\/s.*/\1/p' <<<"$out" | tr -d ,)
  p99=$(sed -n 's/^  run 1: .* \/ p99 \([0-9.]*\) \/.*/\1/p' <<<"$out")
  cpu=$(sed -n 's/.*CPU per order \([0-9.]*\) us.*/\1/p' <<<"$out" | head -1)
  history=$(sed -n 's/.*CPU: process .* qz-history \([0-9]*\)%.*/\1/p' <<<"$out" | head -1)
  if [[ -z $orders || -z $p99 || -z $cpu ]]; then
    echo "pairs: no figures in the output of $1:" >&2
    echo "$out" >&2
    return 1
  fi
  # A thread's share of one core (percent) over orders/s, in µs an order.
  history=$(awk -v p="${history:-0}" -v n="$orders" 'BEGIN { printf "%.1f", (n > 0 ? p * 1e4 / n : 0) }')
  echo "$orders $cpu $history $p99"
}

declare -a base_runs new_runs
for ((i = 1; i <= pairs; i++)); do
  if ((i % 2 == 1)); then order=(base new); else order=(new base); fi
  for which in "${order[@]}"; do
    binary=$base
    [[ $which == new ]] && binary=$new
    figures=$(run_once "$binary")
    read -r orders cpu history p99 <<<"$figures"
    printf 'pair %d %-4s %9s orders/s  CPU %6s us/order  history %5s us/order  p99 %7s ms\n' \
      "$i" "$which" "$orders" "$cpu" "$history" "$p99"
    if [[ $which == base ]]; then base_runs[i]=$figures; else new_runs[i]=$figures; fi
  done
done

# Medians and wins per figure (column 1-4 of the runs' figures).
summary() {
  local column=$1 name=$2 unit=$3
  local base_values new_values
  base_values=$(for ((i = 1; i <= pairs; i++)); do cut -d' ' -f"$column" <<<"${base_runs[i]}"; done)
  new_values=$(for ((i = 1; i <= pairs; i++)); do cut -d' ' -f"$column" <<<"${new_runs[i]}"; done)
  paste <(echo "$base_values") <(echo "$new_values") | awk -v name="$name" -v unit="$unit" '
    function median(values, n,    sorted, i, j, t) {
      for (i = 1; i <= n; i++) sorted[i] = values[i]
      for (i = 2; i <= n; i++) for (j = i; j > 1 && sorted[j - 1] > sorted[j]; j--) {
        t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t
      }
      return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
    }
    { a[NR] = $1; b[NR] = $2; if ($2 > $1) higher++ }
    END {
      ma = median(a, NR); mb = median(b, NR)
      printf "%-26s base %10.1f  new %10.1f %-3s (%+.1f%%); new higher in %d of %d\n", name, ma, mb, unit,
             (ma != 0 ? (mb / ma - 1) * 100 : 0), higher + 0, NR
    }'
}
echo "medians over $pairs pairs, ${args[*]}:"
summary 1 "orders/s" ""
summary 2 "CPU per order" "us"
summary 3 "history's CPU per order" "us"
summary 4 "p99" "ms"
