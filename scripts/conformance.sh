#!/usr/bin/env bash
# Runs the ONNX node conformance suite (../shared/onnx-node-tests) and writes
# docs/conformance.md. Arguments go to `python3 -m seqc.conformance`
# (e.g. -j 4, --filter '^test_gelu', --cases DIR, -o report.md).
# Build first: scripts/build.sh seqc seq-run seqc_runtime
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
exec python3 -m seqc.conformance "$@"
