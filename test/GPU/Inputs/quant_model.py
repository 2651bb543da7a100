"""Writes DIR/model.onnx: Y = com.microsoft::MatMulNBits(A [M, K] f32, B)
with a random packed int4/int8 weight, per-block f32 scales and optionally
(packed) zero points, and DIR/test_data_set_0 with A and the float64 numpy
reference of A @ dequantize(B) (for the CUDA target's tests and packs).

usage: quant_model.py DIR M K N BITS BLOCK [zp]
BITS = 32 writes a plain MatMul with a constant f32 weight [K, N] instead
(for `seqc --quantize`; BLOCK is ignored, the reference is exact f32).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
m, k, n, bits, block = (int(v) for v in sys.argv[2:7])
zp = len(sys.argv) > 7 and sys.argv[7] == "zp"
rng = np.random.default_rng(m * 7919 + k * 31 + n)
data = os.path.join(out, "test_data_set_0")
os.makedirs(data, exist_ok=True)
a = rng.standard_normal((m, k)).astype(np.float32)


def save(model, y):
    onnx.save(model, os.path.join(out, "model.onnx"))
    onnx.save_tensor(numpy_helper.from_array(a, "a"),
                     os.path.join(data, "input_0.pb"))
    onnx.save_tensor(numpy_helper.from_array(y.astype(np.float32), "y"),
                     os.path.join(data, "output_0.pb"))


def make_model(nodes, inits, domains):
    graph = helper.make_graph(
        nodes, "quant_matmul",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        inits)
    return helper.make_model(graph, opset_imports=[
        helper.make_opsetid(d, 1 if d else 18) for d in domains])


if bits == 32:
    w = (rng.standard_normal((k, n)) * 0.05).astype(np.float32)
    save(make_model([helper.make_node("MatMul", ["a", "w"], ["y"])],
                    [numpy_helper.from_array(w, "w")], [""]),
         a.astype(np.float64) @ w)
    sys.exit(0)
blocks = -(-k // block)
q = rng.integers(0, 1 << bits, size=(n, blocks * block))
if bits == 4:
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
else:
    packed = q.astype(np.uint8)
packed = packed.reshape(n, blocks, block * bits // 8)
scales = (rng.random((n, blocks)) * 0.05 + 0.01).astype(np.float32)
inits = [numpy_helper.from_array(packed, "b"),
         numpy_helper.from_array(scales.reshape(-1), "scales")]
inputs = ["a", "b", "scales"]
zq = np.full((n, blocks), 1 << (bits - 1))
if zp:
    zq = rng.integers(0, 1 << bits, size=(n, blocks))
    if bits == 4:  # two per byte, low nibble first, per column rows padded
        zpad = np.zeros((n, blocks + blocks % 2), dtype=np.int64)
        zpad[:, :blocks] = zq
        zbytes = (zpad[:, 0::2] | (zpad[:, 1::2] << 4)).astype(np.uint8)
    else:
        zbytes = zq.astype(np.uint8)
    inits.append(numpy_helper.from_array(zbytes.reshape(-1), "zero_points"))
    inputs.append("zero_points")
node = helper.make_node("MatMulNBits", inputs, ["y"], domain="com.microsoft",
                        K=k, N=n, bits=bits, block_size=block)
kb = np.arange(k) // block
w = (q[:, :k] - zq[:, kb]) * scales.astype(np.float64)[:, kb]  # [N, K]
save(make_model([node], inits, ["", "com.microsoft"]),
     a.astype(np.float64) @ w.T)
