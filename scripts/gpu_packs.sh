#!/usr/bin/env bash
# Compiles the CUDA checks on this (build) machine and packs them for a GPU
# host that has Python, numpy, onnx and ml_dtypes (and torch for the
# benchmark) but no seqc:
#   OUT/fa      fused flash-attention cases (numpy references; f16/bf16/f32,
#               causal GQA, split-K decode)
#   OUT/models  gpt2, llama_gqa, llama_gqa_opset23 (../shared/models)
#   OUT/quant*  weight-only int4/int8 matmul kernels: MatMulNBits cases on
#               the GEMV and tf32 mma.sync paths (numpy references),
#               --quantize=w4/w8 of f32 weights (against exact f32) and
#               of gpt2, llama_gqa, qwen3_moe (against seqc's CPU build),
#               llama_og_int4 (onnxruntime accuracy_level 4 references)
#   OUT/attn    the ONNX Attention node tests (../shared/onnx-node-tests)
#   OUT/all     (--all) every other node test
#   OUT/bench   bench/gpu_attention.py's artifacts
# and writes OUT.tgz. On the GPU host, from a checkout of this repository:
#   tar xzf OUT.tgz -C P && export PYTHONPATH=$PWD/python
#   for p in fa models quant quant_w4 quant_w8 quant_models \
#       quant_models_w4 quant_models_w8 attn; do
#     python3 -m seqc.pack check P/$p -j 8; done
#   python3 bench/gpu_attention.py --artifacts P/bench
#
# usage: scripts/gpu_packs.sh OUT [--gpu-arch sm_90] [--all]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?usage: scripts/gpu_packs.sh OUT [--gpu-arch sm_XX] [--all]}"
shift
ARCH=sm_90
ALL=0
while [ $# -gt 0 ]; do
  case "$1" in
  --gpu-arch) ARCH="$2"; shift 2 ;;
  --all) ALL=1; shift ;;
  *) echo "gpu_packs.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
SHARED="$ROOT/../shared"
export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"
A=(--seqc-arg=--target=cuda "--seqc-arg=--gpu-arch=$ARCH")
INPUTS="$ROOT/test/GPU/Inputs"
rm -rf "$OUT" && mkdir -p "$OUT"
SRC="$(mktemp -d)"
trap 'rm -rf "$SRC"' EXIT

# name: dtype B Hq Hkv Sq Skv D [causal] [scale=S]
while read -r name args; do
  python3 "$INPUTS/attention_model.py" "$SRC/$name" $args
  python3 "$INPUTS/attention_reference.py" "$SRC/$name/test_data_set_0" $args
done <<'EOF'
fa_f16_causal_gqa float16 1 4 2 128 128 64 causal
fa_f16_decode_splitk float16 2 8 2 1 1024 128
fa_f32_causal float 1 4 2 100 160 64 causal scale=0.2
fa_bf16_causal_d128 bfloat16 2 8 8 300 300 128 causal
fa_bf16_decode_gqa bfloat16 1 32 8 1 2048 128
EOF
python3 -m seqc.pack make "$OUT/fa" "${A[@]}" "$SRC"/fa_* --rtol 2e-2 --atol 5e-3

if [ -d "$SHARED/models" ]; then
  python3 -m seqc.pack make "$OUT/models" "${A[@]}" --rtol 1e-4 --atol 1e-5 \
    "$SHARED"/models/{gpt2,llama_gqa,llama_gqa_opset23}
else
  echo "gpu_packs.sh: $SHARED/models absent: no models pack"
fi
# name: M K N BITS BLOCK [zp] (BITS 32: an f32 weight for --quantize)
while read -r name args; do
  python3 "$INPUTS/quant_model.py" "$SRC/$name" $args
done <<'EOF'
q_gemv_int4_m1 1 4096 1000 4 32 zp
q_gemv_int8_m3 3 2000 511 8 128
q_mma_int4_m37 37 1024 515 4 64 zp
q_mma_int8_m256 256 512 384 8 32
q_f32_m1 1 1024 512 32 0
q_f32_m16 16 1024 512 32 0
EOF
python3 -m seqc.pack make "$OUT/quant" "${A[@]}" "$SRC"/q_{gemv,mma}_* \
  --rtol 1e-2 --atol 1e-2
# --quantize rounds the weights: compared with the exact f32 reference
# (outputs ~N(0, 1.6^2); the CPU build's max abs errors: w4 0.52, w8 0.062).
python3 -m seqc.pack make "$OUT/quant_w4" "${A[@]}" --seqc-arg=--quantize=w4 \
  "$SRC"/q_f32_* --rtol 0.1 --atol 0.6
python3 -m seqc.pack make "$OUT/quant_w8" "${A[@]}" --seqc-arg=--quantize=w8 \
  "$SRC"/q_f32_* --rtol 2e-2 --atol 0.08
if [ -d "$SHARED/models" ]; then
  # --quantize of whole models, against the CPU build of the same quantized
  # model (int8 activations there, f32/tf32 on the GPU: ~1e-2 on logits).
  for spec in w4:group=32 w8; do
    tag=${spec%%:*}
    for m in gpt2 llama_gqa qwen3_moe; do
      python3 "$INPUTS/quant_reference.py" "$SHARED/models/$m" \
        "$SRC/qref_$tag/$m" "$spec"
    done
    python3 -m seqc.pack make "$OUT/quant_models_$tag" "${A[@]}" \
      "--seqc-arg=--quantize=$spec" --rtol 5e-2 --atol 5e-2 "$SRC/qref_$tag"/*
  done
  # Its prefill set (12 tokens, past 0: the mma kernel); f32 activations
  # against onnxruntime's accuracy_level 4 (int8) outputs, hence 2e-2.
  python3 -m seqc.pack make "$OUT/quant_models" "${A[@]}" --rtol 2e-2 \
    --atol 2e-2 --seqc-arg=--dim=batch_size=1 \
    --seqc-arg=--dim=sequence_length=12 --seqc-arg=--dim=past_sequence_length=0 \
    --seqc-arg=--dim=total_sequence_length=12 "$SHARED"/models/llama_og_int4
fi

if [ -d "$SHARED/onnx-node-tests" ]; then
  python3 -m seqc.pack make "$OUT/attn" "${A[@]}" \
    "$SHARED"/onnx-node-tests/test_attention*
  if [ "$ALL" = 1 ]; then
    # Cases seqc does not support on any target are reported, not fatal.
    python3 -m seqc.pack make "$OUT/all" "${A[@]}" \
      $(ls -d "$SHARED"/onnx-node-tests/* | grep -v /test_attention) || true
  fi
else
  echo "gpu_packs.sh: $SHARED/onnx-node-tests absent: no node-test packs"
fi
python3 "$ROOT/bench/gpu_attention.py" --compile-only "$OUT/bench" \
  --gpu-arch "$ARCH"
tar czf "$OUT.tgz" -C "$OUT" .
echo "gpu_packs.sh: wrote $OUT and $OUT.tgz ($(du -h "$OUT.tgz" | cut -f1))"
