#!/usr/bin/env bash
# Real-client conformance tests of the Binance-compatible trading API: ccxt and the `binance` SDK against
# a fresh `qazna demo` venue (one per test file, so one file cannot leave the other a broken server).
# Usage: bash tests/client/run.sh            (binary: $QZ_BIN, else build/release/apps/qazna/qazna)
# Exit status: 0 when every check passed, 1 when any failed, 2 when the venue could not be started.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${QZ_BIN:-$repo/build/release/apps/qazna/qazna}"

if [[ ! -x "$bin" ]]; then
  echo "run.sh: no qazna binary at $bin (build it, or set QZ_BIN)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 2; }
command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 2; }

# Install the pinned clients only when node_modules is missing or the lock file changed since.
stamp="$here/node_modules/.qazna-lock.sha256"
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d "$here/node_modules" || ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "run.sh: npm ci failed in $here" >&2
    exit 2
  fi
  echo "$lock_sum" >"$stamp"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/qazna-client.XXXXXX")" || exit 2
server_pid=""
test_pid=""
tail_pid=""

stop_venue() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

cleanup() {
  # `timeout` passes the TERM on to node.
  [[ -n "$test_pid" ]] && kill -TERM "$test_pid" 2>/dev/null
  [[ -n "$tail_pid" ]] && kill -TERM "$tail_pid" 2>/dev/null
  stop_venue
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts `qazna demo` on 127.0.0.1 with a free port, waits for its banner and exports the venue's URL
# and the first two demo traders' keys for the test file.
start_venue() {
  local name="$1"
  local data="$work/$name-data" out="$work/$name.out" err="$work/$name.err"
  # --seconds bounds the venue's life even if this script is killed hard.
  "$bin" demo --data "$data" --address 127.0.0.1 --port 0 --seconds 300 >"$out" 2>"$err" &
  server_pid=$!
  local url=""
  for _ in $(seq 1 100); do
    url="$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*' "$out" 2>/dev/null || true)"
    if [[ -n "$url" ]] && [[ "$(grep -cE '^ +secret [^ ]+$' "$out" 2>/dev/null || true)" -ge 2 ]]; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then url=""; break; fi
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "run.sh: qazna demo did not start; its output:" >&2
    cat "$out" "$err" >&2 || true
    return 1
  fi
  # Banner lines: "  NAME  user N  apiKey KEY" and "             secret SECRET", one pair per trader.
  mapfile -t keys < <(sed -nE 's/^ +[^ ]+ +user [0-9]+ +apiKey ([^ ]+)$/\1/p' "$out")
  mapfile -t secrets < <(sed -nE 's/^ +secret ([^ ]+)$/\1/p' "$out")
  if [[ ${#keys[@]} -lt 2 || ${#secrets[@]} -lt 2 ]]; then
    echo "run.sh: could not read two traders' keys from the demo's banner:" >&2
    cat "$out" >&2
    return 1
  fi
  export QZ_URL="$url" QZ_KEY="${keys[0]}" QZ_SECRET="${secrets[0]}" QZ_KEY2="${keys[1]}" QZ_SECRET2="${secrets[1]}"
}

status=0
total_passed=0
total_failed=0
for test_file in ccxt_conformance.mjs sdk_conformance.mjs; do
  echo "# $test_file"
  start_venue "${test_file%.mjs}" || exit 2
  log="$work/${test_file%.mjs}.log"
  # In the background, so that a signal to this script is handled at once (bash runs traps only
  # between foreground commands, but interrupts `wait`); its output is shown as it comes.
  : >"$log"
  (cd "$here" && exec timeout 50 node "$test_file") >>"$log" 2>&1 &
  test_pid=$!
  tail -n +1 -s 0.2 -f --pid="$test_pid" "$log" &
  tail_pid=$!
  wait "$test_pid"
  test_status=$?
  test_pid=""
  wait "$tail_pid"
  tail_pid=""
  if [[ $test_status -ne 0 ]]; then status=1; fi
  stop_venue
  # The file's closing line is "<label>: N passed, N failed"; without one it died early.
  summary="$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1 || true)"
  if [[ -z "$summary" ]]; then
    echo "FAIL $test_file: ended without its summary line (crashed or timed out)"
    status=1
    total_failed=$((total_failed + 1))
  else
    read -r passed failed < <(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$summary")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
  fi
done

echo "client: $total_passed passed, $total_failed failed"
if [[ $total_failed -ne 0 ]]; then status=1; fi
exit $status
