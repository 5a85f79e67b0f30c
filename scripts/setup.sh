#!/usr/bin/env bash
# Installs every Debian package Qazna needs to build, test, benchmark and fuzz (Debian 12).
#
# Idempotent and quiet: when everything is installed it prints nothing and touches nothing. Otherwise it runs
# `apt-get update` and installs only what is missing, without recommended packages. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config git zstd
  clang libclang-rt-14-dev                  # libFuzzer and the sanitizer runtimes (fuzz and asan presets)
  libssl-dev                                # SHA-256 (base)
  libsqlite3-dev sqlite3                    # the journal
  libsodium-dev                             # Ed25519 block signatures
  libcli11-dev libsimdjson-dev              # the qazna command line and its JSON input
  libzstd-dev                               # reading the compressed order-book replay streams
  libicu-dev                                # name transliteration (screening)
  libboost-dev                              # the server: Boost.Beast and Asio
  libjemalloc-dev                           # the allocator of programs and tests
  libgtest-dev libgmock-dev libbenchmark-dev
)

# Node.js and npm for the real-client tests (tests/client): Debian's, unless a node with npm is already there.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: dpkg-query not found; this script installs Debian packages (Debian 12)." >&2
  echo "setup: install these by other means: ${packages[*]}" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

sudo=()
if [[ $(id -u) != 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup: missing packages (${missing[*]}) and not root, and sudo is not available." >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1 ||
   ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
       "${missing[@]}" >>"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: apt-get failed (output above)" >&2
  exit 1
fi
echo "setup: done"
