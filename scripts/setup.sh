#!/usr/bin/env bash
# Installs what seqc needs to build and test, and only what is missing:
# Debian packages (LLVM/MLIR 22, protobuf, onnx schema, build tools) and the
# Python packages pinned in requirements.txt. Fast and silent when all is present.
set -euo pipefail

apt_pkgs=(libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
          libprotobuf-dev protobuf-compiler libonnx-dev ccache ninja-build cmake
          python3 python3-pip)

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

# Python packages: exactly the versions in requirements.txt (compared through
# importlib.metadata, without importing anything).
req="$(cd "$(dirname "$0")/.." && pwd)/requirements.txt"
stale=$(python3 - "$req" <<'PY'
import re, sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = re.split(r"\s*==\s*", line)
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = None
    if have != want:
        print(f"{name}=={want}(have {have})")
PY
)
if [ -n "$stale" ]; then
  echo "setup: pip installing requirements.txt:" $stale
  # Debian's own python3 is "externally managed" (PEP 668).
  python3 -m pip install -q -r "$req" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages -r "$req"
fi
