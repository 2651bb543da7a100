#!/usr/bin/env python3
"""Writes the tiny binary ONNX inputs of test/Import (run from this folder).

tiny.onnx:      Add of a [1, 20] input and a 20-float initializer (raw_data).
ext.onnx/.bin:  the same model with the initializer in external data
                (ext.bin, 8 bytes of padding then 80 bytes of floats).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))


def model(init):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 20])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 20])
    node = helper.make_node("Add", ["x", "w"], ["y"], name="add")
    graph = helper.make_graph([node], "tiny", [x], [y], [init])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    m.producer_name = "gen_inputs.py"
    return m


w = np.arange(20, dtype=np.float32) / 4
onnx.save(model(numpy_helper.from_array(w, "w")), os.path.join(here, "tiny.onnx"))

ext = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[20])
ext.data_location = TensorProto.EXTERNAL
for k, v in (("location", "ext.bin"), ("offset", "8"), ("length", "80")):
    e = ext.external_data.add()
    e.key, e.value = k, v
with open(os.path.join(here, "ext.onnx"), "wb") as f:
    f.write(model(ext).SerializeToString())
with open(os.path.join(here, "ext.bin"), "wb") as f:
    f.write(b"\0" * 8 + w.tobytes())
