#!/usr/bin/env bash
# Instructions an order, by thread, counted by callgrind: the figure that does not move with the machine, for
# changes too small for scripts/pairs.sh to resolve (on this machine the speed moves by a third within minutes).
# Runs `bench_load` under `valgrind --tool=callgrind` and prints, per order placed (calls of Venue::handle),
# the inclusive instructions of each thread's entry point (the I/O threads, the journal, history, the projector,
# the generator) and of the order path's main parts on the I/O threads.
#
#   scripts/instructions.sh [BENCH_LOAD] [bench_load arguments...]
#
# BENCH_LOAD defaults to build/release/bench/load/bench_load, the arguments to `--mode orders --connections 16
# --seconds 20 --warmup 2 --runs 1`. Valgrind runs one thread at a time, about 400 orders/s, so blocks hold an
# order or two: the journal's figure is mostly its per-block signature, not what it costs under load. The counts
# are of user-space instructions only: the kernel's share (system calls, loopback TCP, fsync) is not in them.
# Compare two builds by running this on each (copy build/release/bench/load/bench_load aside before
# rebuilding); runs of one build differ by about 1%.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

binary=$root/build/release/bench/load/bench_load
if [[ ${1:-} != "" && ${1:-} != --* ]]; then
  binary=$1
  shift
fi
[[ -x $binary ]] || { echo "instructions: $binary is not an executable (scripts/build.sh release builds it)" >&2; exit 2; }
args=("$@")
((${#args[@]} > 0)) || args=(--mode orders --connections 16 --seconds 20 --warmup 2 --runs 1)
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
  else
    echo "instructions: valgrind is missing (as root: apt-get install valgrind)" >&2
    exit 2
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/callgrind.out
echo "instructions: valgrind --tool=callgrind $binary ${args[*]}" >&2
valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" "${args[@]}" >"$work/run.txt" 2>&1 ||
  { echo "instructions: the run failed:" >&2; cat "$work/run.txt" >&2; exit 1; }
grep -E '^  run 1:' "$work/run.txt" >&2 || true

# Orders: the calls of Venue::handle, summed over the call sites (the file names a function once, by number).
orders=$(perl -ne '
  if (/^(c?fn)=\((\d+)\)(?: (.*))?/) { $name{$2} = $3 if defined $3; $callee = $2 if $1 eq "cfn"; next }
  $calls{$callee} += $1 if /^calls=(\d+)/ && defined $callee;
  END {
    for my $id (keys %name) { $n += $calls{$id} if $name{$id} =~ /^qz::server::Venue::handle\(/ }
    print $n + 0;
  }' "$out")
((orders > 0)) || { echo "instructions: no orders in the profile" >&2; exit 1; }

echo "per order, $orders orders ($(basename "$binary") ${args[*]})"
callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null | perl -e '
  my $orders = shift;
  my @parts = (
    ["I/O threads", "HttpServer::start()::{lambda()#1}> > >::_M_run() ["],
    ["  a request, read to handed over", "HttpSession::process() ["],
    ["  of it, the handler", "Venue::handle("],
    ["  an answer, built", "place_order(std::shared_ptr<qz::server::Call> const&, bool)::{lambda(qz::Status const&, qz::SubmitResult&&)#2}::operator"],
    ["  an answer, written", "HttpSession::write("],
    ["journal", "run_journal() ["],
    ["history", "run_history() ["],
    ["projector", "run_projector() ["],
    ["generator", "run_orders("],
    ["the whole program", "PROGRAM TOTALS"],
  );
  my %found;
  while (<STDIN>) {
    next unless /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)/;
    my ($count, $name) = ($1, $2);
    $count =~ tr/,//d;
    for my $part (@parts) {
      next if exists $found{$part->[0]} || index($name, $part->[1]) < 0;
      $found{$part->[0]} = $count;
    }
  }
  for my $part (@parts) {
    my $value = exists $found{$part->[0]} ? sprintf("%9.0f", $found{$part->[0]} / $orders) : "        -";
    printf "%s  %s\n", $value, $part->[0];
  }' "$orders"
