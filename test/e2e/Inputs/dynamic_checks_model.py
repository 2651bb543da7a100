"""Models whose dynamic dims must agree at run time, with matching and
mismatching inputs (test/e2e/dynamic-checks-run.test).

  add.onnx:     z = x + y, x: [N,4], y: [M,4] (N == M required)
  reshape.onnx: a: [1,S,32] -> [1,16,-1,16] (S*32 a multiple of 256),
                b: [T,4] -> [2,6] (T == 3)

Usage: dynamic_checks_model.py OUT_DIR; writes the models and data dirs
add_ok, add_bad, reshape_ok, reshape_bad_a, reshape_bad_b.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
F = TensorProto.FLOAT


def save_model(name, nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))


def save_data(name, inputs, outputs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for prefix, items in (("input", inputs), ("output", outputs)):
        for i, (n, a) in enumerate(items):
            with open(os.path.join(d, f"{prefix}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(a), n)
                        .SerializeToString())


rng = np.random.default_rng(0)
def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


save_model("add", [helper.make_node("Add", ["x", "y"], ["z"], name="add0")],
           [helper.make_tensor_value_info("x", F, ["N", 4]),
            helper.make_tensor_value_info("y", F, ["M", 4])],
           [helper.make_tensor_value_info("z", F, None)])
x, y = rand(2, 4), rand(2, 4)
save_data("add_ok", [("x", x), ("y", y)], [("z", x + y)])
save_data("add_bad", [("x", rand(2, 4)), ("y", rand(3, 4))], [])

save_model(
    "reshape",
    [helper.make_node("Reshape", ["a", "shape_a"], ["ra"], name="split_heads"),
     helper.make_node("Reshape", ["b", "shape_b"], ["rb"], name="to_2x6")],
    [helper.make_tensor_value_info("a", F, [1, "S", 32]),
     helper.make_tensor_value_info("b", F, ["T", 4])],
    [helper.make_tensor_value_info("ra", F, None),
     helper.make_tensor_value_info("rb", F, None)],
    [numpy_helper.from_array(np.array([1, 16, -1, 16], np.int64), "shape_a"),
     numpy_helper.from_array(np.array([2, 6], np.int64), "shape_b")])
a, b = rand(1, 8, 32), rand(3, 4)
save_data("reshape_ok", [("a", a), ("b", b)],
          [("ra", a.reshape(1, 16, -1, 16)), ("rb", b.reshape(2, 6))])
save_data("reshape_bad_a", [("a", rand(1, 3, 32)), ("b", b)], [])
save_data("reshape_bad_b", [("a", a), ("b", rand(2, 4))], [])
