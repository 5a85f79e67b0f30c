#!/usr/bin/env bash
# The README's first command: installs what is missing (scripts/setup.sh), builds `qazna` (release preset) and
# runs the main job, `qazna run-demo`: a fresh data directory (data/demo), a demo venue of assets, accounts,
# transfers, linked trades and holds driven through the engine and the signed journal, the chain verified from
# genesis, and what happened printed. Arguments go to run-demo (e.g. --data DIR). Exit status is run-demo's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$QZ_ROOT/scripts/build.sh" release -- --target qazna
cd "$QZ_ROOT"
qazna="$(qz_build_dir release)/apps/qazna/qazna"
if [[ $# -eq 0 ]]; then
  set -- --data data/demo
fi
echo "demo: $qazna run-demo $*"
echo
exec "$qazna" run-demo "$@"
