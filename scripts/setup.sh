#!/usr/bin/env bash
# Installs what seqc needs to build and test, and only what is missing:
# Debian packages (LLVM/MLIR 22, protobuf, onnx schema, build tools) and the
# Python packages used by the tests. Fast and silent when all is present.
set -euo pipefail

apt_pkgs=(libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
          libprotobuf-dev protobuf-compiler libonnx-dev ccache ninja-build cmake
          python3 python3-pip)
py_pkgs=(numpy onnx onnxruntime pytest)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# python3/pip may come from elsewhere (pyenv, a venv): then Debian's are not needed.
have_python=0 have_pip=0
command -v python3 >/dev/null && have_python=1
[ $have_python = 1 ] && python3 -m pip --version >/dev/null 2>&1 && have_pip=1
missing=()
status=$(dpkg-query -W -f='${Package} ${Status}\n' "${apt_pkgs[@]}" 2>/dev/null || true)
for p in "${apt_pkgs[@]}"; do
  [ "$p" = python3 ] && [ $have_python = 1 ] && continue
  [ "$p" = python3-pip ] && [ $have_pip = 1 ] && continue
  grep -q "^$p install ok installed$" <<<"$status" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # Debian's packages are the only registry seqc installs from.
  policy=$(apt-cache policy libmlir-22-dev 2>/dev/null || true)
  if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
    echo "setup: error: Debian has no libmlir-22-dev candidate (check the bookworm and bookworm-security sources)" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
fi

# find_spec locates the packages without importing them (onnxruntime is slow).
read -r -a missing_py <<<"$(python3 -c '
import importlib.util, sys
print(" ".join(p for p in sys.argv[1:] if importlib.util.find_spec(p) is None))
' "${py_pkgs[@]}")"
if [ ${#missing_py[@]} -gt 0 ]; then
  echo "setup: pip installing ${missing_py[*]}"
  # Debian's own python3 is "externally managed" (PEP 668).
  python3 -m pip install -q "${missing_py[@]}" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "${missing_py[@]}"
fi
