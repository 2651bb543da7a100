"""Writes DIR/model.onnx: Y = Relu(A @ B) with A [M,K], B [K,N] of a given
element type (float16 | bfloat16 | float), for the CUDA target's tests."""
import os
import sys

import onnx
from onnx import TensorProto, helper

out, dtype = sys.argv[1], sys.argv[2]
m, k, n = (int(v) for v in (sys.argv[3:6] if len(sys.argv) > 3 else (64, 32, 48)))
et = {"float16": TensorProto.FLOAT16, "bfloat16": TensorProto.BFLOAT16,
      "float": TensorProto.FLOAT}[dtype]
graph = helper.make_graph(
    [helper.make_node("MatMul", ["a", "b"], ["ab"]),
     helper.make_node("Relu", ["ab"], ["y"])],
    "matmul",
    [helper.make_tensor_value_info("a", et, [m, k]),
     helper.make_tensor_value_info("b", et, [k, n])],
    [helper.make_tensor_value_info("y", et, [m, n])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
os.makedirs(out, exist_ok=True)
onnx.save(model, os.path.join(out, "model.onnx"))
