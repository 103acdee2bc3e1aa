#!/usr/bin/env bash
# Builds the addon with AddressSanitizer (debug, -O1, frame pointers) into build-asan/ and
# runs the native test suite (and, optionally, a short fuzz run) against that build with
# libasan preloaded into node. Any ASan report aborts the run with a non-zero exit.
#
#   scripts/native/asan.sh              # build + test/native suite
#   scripts/native/asan.sh 20000        # ... + fuzz with 20000 inputs per function
#
# The normal build in build/ is left alone; the loader is pointed at the ASan build with
# HYPERIO_NATIVE_PATH and must not fall back (HYPERIO_REQUIRE_NATIVE=1).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/build-asan"
fuzz_inputs="${1:-0}"

node_gyp="${npm_config_node_gyp:-}"
if [[ -z "$node_gyp" ]]; then
  node_gyp="$(node -p "try { require.resolve('node-gyp/bin/node-gyp.js') } catch { require('path').join(require('path').dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js') }")"
fi
nodedir_args=()
prefix="$(dirname "$(dirname "$(command -v node)")")"
if [[ -z "${npm_config_nodedir:-}" && -f "$prefix/include/node/node_api.h" ]]; then
  nodedir_args=("--nodedir=$prefix")
fi

libasan="$(${CXX:-g++} -print-file-name=libasan.so)"
if [[ ! -e "$libasan" ]]; then
  echo "asan.sh: libasan.so not found (${CXX:-g++} -print-file-name=libasan.so)" >&2
  exit 1
fi

# node-gyp always builds into ./build: give it a private copy of the sources.
rm -rf "$out"
mkdir -p "$out"
cp "$root/binding.gyp" "$out/"
cp -r "$root/native" "$out/native"
(
  cd "$out"
  node "$node_gyp" configure --debug "${nodedir_args[@]}" -- -Dhyperio_asan=1
  node "$node_gyp" build --debug "${nodedir_args[@]}" -j 2
)
addon="$out/build/Debug/hyperio_native.node"
echo "asan.sh: built $addon"

export LD_PRELOAD="$libasan"
# Node itself is not built with ASan: ignore its allocations at exit, stop on our first error.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_odr_violation=0:allow_user_segv_handler=1"
export HYPERIO_NATIVE_PATH="$addon"
export HYPERIO_REQUIRE_NATIVE=1

cd "$root"
node test/run.mjs native
if [[ "$fuzz_inputs" != "0" ]]; then
  node --import tsx scripts/native/fuzz.ts "$fuzz_inputs"
fi
echo "asan.sh: no AddressSanitizer reports"
