"""Writes DIR/model.onnx: Y = Attention(Q, K, V) (ONNX opset 23) with
Q [B,Hq,Sq,D], K/V [B,Hkv,Skv,D] of a given element type, for the CUDA
target's tests and bench/gpu_attention.py.

usage: attention_model.py DIR float16|bfloat16|float B Hq Hkv Sq Skv D
       [causal] [scale=S]"""
import os
import sys

import onnx
from onnx import TensorProto, helper

out, dtype = sys.argv[1], sys.argv[2]
b, hq, hkv, sq, skv, d = (int(v) for v in sys.argv[3:9])
extra = sys.argv[9:]
et = {"float16": TensorProto.FLOAT16, "bfloat16": TensorProto.BFLOAT16,
      "float": TensorProto.FLOAT}[dtype]
attrs = {"is_causal": 1 if "causal" in extra else 0}
for e in extra:
    if e.startswith("scale="):
        attrs["scale"] = float(e.split("=", 1)[1])
graph = helper.make_graph(
    [helper.make_node("Attention", ["q", "k", "v"], ["y"], **attrs)],
    "attention",
    [helper.make_tensor_value_info("q", et, [b, hq, sq, d]),
     helper.make_tensor_value_info("k", et, [b, hkv, skv, d]),
     helper.make_tensor_value_info("v", et, [b, hkv, skv, d])],
    [helper.make_tensor_value_info("y", et, [b, hq, sq, d])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
os.makedirs(out, exist_ok=True)
onnx.save(model, os.path.join(out, "model.onnx"))
