#!/usr/bin/env bash
# Configures (once) and builds seqc into build/. Extra arguments are ninja targets.
# Concurrent invocations are serialized with a lock so parallel work never
# corrupts the ninja state.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQC_BUILD_DIR:-$root/build}
mkdir -p "$build"
# Paths relative to the checkout in ccache's keys: a fresh clone elsewhere
# (CI) reuses what an earlier build of the same sources compiled.
export CCACHE_BASEDIR="$root"
exec 9>"$build/.build.lock"
flock 9
if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    "${launcher[@]}"
fi
ninja -C "$build" -j"${SEQC_JOBS:-2}" "$@"
