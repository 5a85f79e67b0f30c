#!/usr/bin/env bash
# The README's first command: installs what is missing (scripts/setup.sh), builds `qazna` (release preset) and
# runs the main job, `qazna demo`: a fresh data directory (data/demo-venue), a venue served on
# http://127.0.0.1:8080 with markets BTCKZT, ETHKZT, USDTKZT, BTCUSDT and ETHUSDT, demo traders with funded
# balances and API keys (printed), and a market maker inside that keeps the books two-sided and trades moving.
# Ctrl-C stops it. Arguments go to `qazna demo` (e.g. --port 9000, --data DIR). `qazna run-demo` is the older,
# non-serving walk through the engine and the journal.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$QZ_ROOT/scripts/build.sh" release -- --target qazna
cd "$QZ_ROOT"
qazna="$(qz_build_dir release)/apps/qazna/qazna"
echo "demo: $qazna demo $*"
echo
exec "$qazna" demo "$@"
