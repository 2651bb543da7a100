#!/usr/bin/env bash
# Builds seqc, generates the bundled example model (a tiny llama-style
# transformer block), compiles it to a shared library and runs it against the
# onnxruntime reference, then benchmarks it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
scripts/build.sh
python3 examples/make_example.py examples/tiny_llama
build/bin/seqc examples/tiny_llama/model.onnx -o build/tiny_llama.so
build/bin/seq-run build/tiny_llama.so --data examples/tiny_llama/test_data_set_0 --print --bench 20
