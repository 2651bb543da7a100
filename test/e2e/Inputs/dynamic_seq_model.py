"""Builds a small transformer-like block whose sequence length is the
symbolic dim "S" (embedding Gather, RMS norm as exported (Pow/ReduceMean/
Sqrt/Div), LayerNormalization, MatMul, head split Reshape/Transpose,
scaled dot-product attention as MatMul+Softmax, head merge, residual Add),
and test data for several sequence lengths from the ONNX reference
evaluator.

usage: dynamic_seq_model.py DIR S...   (writes DIR/model.onnx, DIR/data_<S>/)
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

V, H, NH = 50, 8, 2
D = H // NH
rng = np.random.default_rng(0)


def init(name, array):
    return numpy_helper.from_array(array, name)


inits = [
    init("emb", rng.standard_normal((V, H)).astype(np.float32)),
    init("g", rng.uniform(0.5, 1.5, H).astype(np.float32)),
    init("b", rng.uniform(-0.5, 0.5, H).astype(np.float32)),
    init("two", np.array(2.0, dtype=np.float32)),
    init("eps", np.array(1e-6, dtype=np.float32)),
    init("axm1", np.array([-1], dtype=np.int64)),
    init("wq", (rng.standard_normal((H, H)) / 3).astype(np.float32)),
    init("wk", (rng.standard_normal((H, H)) / 3).astype(np.float32)),
    init("wv", (rng.standard_normal((H, H)) / 3).astype(np.float32)),
    init("split", np.array([0, 0, NH, D], dtype=np.int64)),
    init("merge", np.array([0, 0, H], dtype=np.int64)),
    init("scale", np.array(1 / np.sqrt(D), dtype=np.float32)),
]
nodes = [
    helper.make_node("Gather", ["emb", "ids"], ["x"]),
    # RMS norm as exporters write it (seq-raise makes it seq.rms_norm).
    helper.make_node("Pow", ["x", "two"], ["x2"]),
    helper.make_node("ReduceMean", ["x2", "axm1"], ["ms"]),
    helper.make_node("Add", ["ms", "eps"], ["mse"]),
    helper.make_node("Sqrt", ["mse"], ["rms"]),
    helper.make_node("Div", ["x", "rms"], ["xn0"]),
    helper.make_node("Mul", ["xn0", "g"], ["xn"]),
    helper.make_node("LayerNormalization", ["x", "g", "b"], ["ln"], axis=-1),
    helper.make_node("MatMul", ["xn", "wq"], ["q0"]),
    helper.make_node("MatMul", ["ln", "wk"], ["k0"]),
    helper.make_node("MatMul", ["xn", "wv"], ["v0"]),
]
for n in ("q", "k", "v"):
    nodes += [
        helper.make_node("Reshape", [n + "0", "split"], [n + "1"]),
        helper.make_node("Transpose", [n + "1"], [n],
                         perm=[0, 2, 1, 3] if n != "k" else [0, 2, 3, 1]),
    ]
nodes += [
    helper.make_node("MatMul", ["q", "k"], ["s0"]),
    helper.make_node("Mul", ["s0", "scale"], ["s"]),
    helper.make_node("Softmax", ["s"], ["p"], axis=-1),
    helper.make_node("MatMul", ["p", "v"], ["o0"]),
    helper.make_node("Transpose", ["o0"], ["o1"], perm=[0, 2, 1, 3]),
    helper.make_node("Reshape", ["o1", "merge"], ["o"]),
    helper.make_node("Add", ["o", "x"], ["y"]),
    helper.make_node("ReduceSum", ["y", "axm1"], ["ysum"], keepdims=0),
]
graph = helper.make_graph(
    nodes, "dynamic_seq",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, ["B", "S"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "S", H]),
     helper.make_tensor_value_info("ysum", TensorProto.FLOAT, ["B", "S"])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(out, "model.onnx"))

ref = ReferenceEvaluator(model)
for s in lengths:
    d = os.path.join(out, "data_%d" % s)
    os.makedirs(d, exist_ok=True)
    ids = rng.integers(0, V, (2 if s == 7 else 1, s)).astype(np.int64)
    res = ref.run(None, {"ids": ids})
    onnx.save_tensor(numpy_helper.from_array(ids, "ids"),
                     os.path.join(d, "input_0.pb"))
    for i, (name, r) in enumerate(zip(["y", "ysum"], res)):
        onnx.save_tensor(numpy_helper.from_array(r, name),
                         os.path.join(d, "output_%d.pb" % i))

# A wrong-rank input for the error test.
d = os.path.join(out, "data_badrank")
os.makedirs(d, exist_ok=True)
onnx.save_tensor(numpy_helper.from_array(np.zeros((1, 2, 3), np.int64), "ids"),
                 os.path.join(d, "input_0.pb"))
