#!/usr/bin/env bash
# Sets up (scripts/setup.sh), configures a CMake preset and builds it.
#
#   scripts/build.sh [preset] [cmake configure options...]     preset: release (default), debug, asan, fuzz
#   scripts/build.sh release -DQZ_WERROR=ON
#
# The build directory is build/<preset> (QZ_BUILD_ROOT moves it) and is reused, so a second run only rebuilds
# what changed. With CI=true warnings are errors. Without it the option is left as the directory last had it.
# Extra build arguments after `--` go to `cmake --build` (for example `-- --target qazna`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

preset=release
if [[ $# -gt 0 && $1 != -* ]]; then
  preset=$1
  shift
fi
configure_args=()
build_args=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == -- ]]; then
    shift
    build_args=("$@")
    break
  fi
  configure_args+=("$1")
  shift
done
[[ ${CI:-} == true ]] && configure_args+=(-DQZ_WERROR=ON)

"$QZ_ROOT/scripts/setup.sh"

dir=$(qz_build_dir "$preset")
mkdir -p "$dir"
cd "$QZ_ROOT"
echo "build: configuring preset '$preset' in ${dir#"$QZ_ROOT"/}"
qz_quiet "$dir/configure.log" cmake --preset "$preset" -B "$dir" "${configure_args[@]}"
echo "build: building (-j$(qz_jobs))"
cmake --build "$dir" --parallel "$(qz_jobs)" "${build_args[@]}"
