"""Writes DIR/{gather,gather_nd,scatter}.onnx with in-range (DIR/*_ok) and
out-of-range (DIR/*_bad) test data: an index outside [-size, size) must fail
the run with a message naming the node, never read or write outside the
tensor.

usage: index_checks_model.py DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def save(name, nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    onnx.save(m, os.path.join(out, f"{name}.onnx"))


def data(name, arrays, outputs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for i, a in enumerate(arrays):
        with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())
    for i, a in enumerate(outputs):
        with open(os.path.join(d, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())


# Token embedding: Gather(table[50, 8], ids[1, 6]) (as gpt2/llama export it).
table = rng.standard_normal((50, 8)).astype(np.float32)
save("gather",
     [helper.make_node("Gather", ["table", "ids"], ["y"], name="embed")],
     [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 6])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 8])],
     [numpy_helper.from_array(table, "table")])
ids = np.array([[0, 3, 49, -1, -50, 7]], dtype=np.int64)
data("gather_ok", [ids], [table[ids]])
data("gather_bad", [np.array([[0, 3, 50, 1, 2, 7]], dtype=np.int64)],
     [np.zeros((1, 6, 8), np.float32)])
data("gather_bad_neg", [np.array([[0, -51, 1, 1, 2, 7]], dtype=np.int64)],
     [np.zeros((1, 6, 8), np.float32)])

# GatherND over [4, 5] with (row, col) tuples: each position its own size.
x = rng.standard_normal((4, 5)).astype(np.float32)
save("gather_nd",
     [helper.make_node("GatherND", ["x", "idx"], ["y"], name="pick")],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 5]),
      helper.make_tensor_value_info("idx", TensorProto.INT64, [3, 2])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
idx = np.array([[3, 4], [0, 0], [-4, -5]], dtype=np.int64)
data("gather_nd_ok", [x, idx], [x[idx[:, 0], idx[:, 1]]])
# 4 is a valid column but not a valid row.
data("gather_nd_bad", [x, np.array([[3, 4], [4, 0], [0, 0]], np.int64)],
     [np.zeros(3, np.float32)])

# ScatterElements along axis 1 of [2, 4]: a bad index would write outside.
save("scatter",
     [helper.make_node("ScatterElements", ["x", "idx", "u"], ["y"], axis=1,
                       name="put")],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4]),
      helper.make_tensor_value_info("idx", TensorProto.INT64, [2, 1]),
      helper.make_tensor_value_info("u", TensorProto.FLOAT, [2, 1])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])])
xs = np.zeros((2, 4), np.float32)
u = np.array([[1.0], [2.0]], np.float32)
ys = xs.copy()
ys[0, 3], ys[1, 0] = 1.0, 2.0
data("scatter_ok", [xs, np.array([[3], [-4]], np.int64), u], [ys])
data("scatter_bad", [xs, np.array([[3], [1000000]], np.int64), u], [ys])
