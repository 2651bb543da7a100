"""Writes DIR/div.onnx (int32 Div and Mod fmod=1 of x by d) with data whose
divisors include 0 and -1 (and x = INT32_MIN): integer division traps
(SIGFPE) there in plain machine code; seqc gives numpy's answers instead
(x / 0 = x % 0 = 0, MIN / -1 = MIN, MIN % -1 = 0).

usage: int_div_model.py DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
t = lambda n: helper.make_tensor_value_info(n, TensorProto.INT32, [8])
g = helper.make_graph(
    [helper.make_node("Div", ["x", "d"], ["q"], name="div"),
     helper.make_node("Mod", ["x", "d"], ["r"], fmod=1, name="mod")],
    "int_div", [t("x"), t("d")], [t("q"), t("r")])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)]),
          os.path.join(out, "div.onnx"))
imin = np.iinfo(np.int32).min
x = np.array([7, -7, 7, 5, imin, imin, 9, -9], np.int32)
d = np.array([2, 2, -2, 0, -1, 0, -1, 4], np.int32)
q = np.array([3, -3, -3, 0, imin, 0, -9, -2], np.int32)  # C truncation
r = np.array([1, -1, 1, 0, 0, 0, 0, -1], np.int32)  # sign of the dividend
for name, arr in [("input_0", x), ("input_1", d), ("output_0", q),
                  ("output_1", r)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(arr).SerializeToString())
