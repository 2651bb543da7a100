#!/usr/bin/env bash
# Builds seqc and runs the CPU benchmarks against onnxruntime (same threads,
# same inputs, outputs compared); writes docs/benchmarks.md.
#   scripts/bench.sh [--threads N] [--runs N] [--only REGEX] [--out FILE|-]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" seqc seq-run seqc_runtime
cd "$root"
PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" exec python3 bench/run_bench.py "$@"
