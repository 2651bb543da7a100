"""Builds an ONNX Attention (opset 23) model with GQA (4 query heads, 2 KV
heads), causal masking and symbolic batch/sequence dims, plus test data for
several sequence lengths from the ONNX reference evaluator.

usage: dynamic_attention_model.py DIR S...   (writes DIR/model.onnx, DIR/data_<S>/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
lengths = [int(s) for s in sys.argv[2:]] or [1, 7, 33]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT
HQ, HKV, D = 4, 2, 8
graph = helper.make_graph(
    [helper.make_node("Attention", ["q", "k", "v"], ["y"], is_causal=1)],
    "dynamic_attention",
    [helper.make_tensor_value_info("q", F, ["B", HQ, "S", D]),
     helper.make_tensor_value_info("k", F, ["B", HKV, "S", D]),
     helper.make_tensor_value_info("v", F, ["B", HKV, "S", D])],
    [helper.make_tensor_value_info("y", F, ["B", HQ, "S", D])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
onnx.save(model, os.path.join(out, "model.onnx"))
ref = ReferenceEvaluator(model)
rng = np.random.default_rng(0)
for s in lengths:
    d = os.path.join(out, "data_%d" % s)
    os.makedirs(d, exist_ok=True)
    b = 2 if s == 7 else 1
    feeds = {n: rng.standard_normal((b, h, s, D)).astype(np.float32)
             for n, h in (("q", HQ), ("k", HKV), ("v", HKV))}
    for i, n in enumerate("qkv"):
        onnx.save_tensor(numpy_helper.from_array(feeds[n], n),
                         os.path.join(d, "input_%d.pb" % i))
    y, = ref.run(None, feeds)
    onnx.save_tensor(numpy_helper.from_array(y, "y"),
                     os.path.join(d, "output_0.pb"))
