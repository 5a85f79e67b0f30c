# Shared by the scripts in this directory (sourced, not run). Sets QZ_ROOT and defines small helpers.
#
# Build directories: build/<preset> under the repository, as CMakePresets.json says. QZ_BUILD_ROOT moves them
# all elsewhere (for example to keep a second checkout's builds apart); QZ_JOBS caps build parallelism.

QZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The build directory of a preset.
qz_build_dir() {
  echo "${QZ_BUILD_ROOT:-$QZ_ROOT/build}/$1"
}

qz_jobs() {
  echo "${QZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
}

# Runs a command with its output captured in a log; prints the log only when the command fails.
# Usage: qz_quiet LOGFILE command args...
qz_quiet() {
  local log=$1
  shift
  mkdir -p "$(dirname "$log")"
  if "$@" >"$log" 2>&1; then
    return 0
  fi
  local rc=$?
  cat "$log" >&2
  return "$rc"
}
