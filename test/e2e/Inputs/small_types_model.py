"""Writes a model exercising unsigned, 8/4/2-bit and quantization types, and
its ONNX-reference outputs: small_types_model.py OUT_DIR -> OUT_DIR/model.onnx
and OUT_DIR/data/{input,output}_*.pb."""
import os
import sys

import ml_dtypes
import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)

x = np.array([0.3, -1.7, 2.5, -2.5, 3.5, 100.0, -1e6, 1e6, 7.9, -8.6, 0.0,
              -0.0, 0.126, 460.0, 57000.0, 1e-7], np.float32)
a = np.array([200, 7, 255, 0], np.uint8)
b = np.array([3, 250, 255, 1], np.uint8)

nodes, outputs = [], []


def out_(name, elem):
    outputs.append(helper.make_tensor_value_info(name, elem, None))


def cast(name, to, saturate=None):
    attrs = {"to": to}
    if saturate is not None:
        attrs["saturate"] = saturate
    nodes.append(helper.make_node("Cast", ["x"], [name], **attrs))
    out_(name, to)


cast("e4m3fn", TP.FLOAT8E4M3FN)
cast("e4m3fn_nosat", TP.FLOAT8E4M3FN, 0)
cast("e4m3fnuz", TP.FLOAT8E4M3FNUZ)
cast("e5m2_nosat", TP.FLOAT8E5M2, 0)
cast("e5m2fnuz", TP.FLOAT8E5M2FNUZ)
cast("f4", TP.FLOAT4E2M1)
# Round trip through f8 back to float.
nodes.append(helper.make_node("Cast", ["e4m3fn"], ["e4m3fn_back"], to=TP.FLOAT))
out_("e4m3fn_back", TP.FLOAT)
# Small integer values: float -> int casts of out-of-range values are
# undefined (ONNX Cast), so int4 gets values in [-7, 7].
nodes.append(helper.make_node("Clip", ["x", "lo", "hi"], ["xc"]))
nodes.append(helper.make_node("Cast", ["xc"], ["i4"], to=TP.INT4))
out_("i4", TP.INT4)
nodes.append(helper.make_node("Cast", ["i4"], ["i4_i8"], to=TP.INT8))
out_("i4_i8", TP.INT8)
# Float -> fixed point is "undefined if OOR" (ONNX Cast), so uint2 gets
# values in [0, 3] only.
nodes.append(helper.make_node("Clip", ["x", "zero", "three"], ["xu2"]))
nodes.append(helper.make_node("Cast", ["xu2"], ["u2"], to=TP.UINT2))
out_("u2", TP.UINT2)
# Unsigned arithmetic and comparisons.
for op in ["Div", "Less", "Max", "Sub"]:
    name = "u8_" + op.lower()
    nodes.append(helper.make_node(op, ["a", "b"], [name]))
    out_(name, TP.BOOL if op == "Less" else TP.UINT8)
nodes.append(helper.make_node("Cast", ["a"], ["a_f"], to=TP.FLOAT))
out_("a_f", TP.FLOAT)
# Quantization, per tensor to uint8 and per axis (axis 0 of [4, 4]) to int4.
nodes.append(helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["q"]))
out_("q", TP.UINT8)
nodes.append(helper.make_node("DequantizeLinear", ["q", "scale", "zp"], ["dq"]))
out_("dq", TP.FLOAT)
nodes.append(helper.make_node("Reshape", ["x", "shape44"], ["x44"]))
nodes.append(helper.make_node("QuantizeLinear", ["x44", "scale4", "zp4"],
                              ["q4"], axis=0))
out_("q4", TP.INT4)
nodes.append(helper.make_node("DynamicQuantizeLinear", ["xc"],
                              ["dy", "dy_scale", "dy_zp"]))
out_("dy", TP.UINT8)
out_("dy_scale", TP.FLOAT)
out_("dy_zp", TP.UINT8)

# 8-bit float quantization (saturating) and back.
nodes.append(helper.make_node("QuantizeLinear", ["x", "scale", "zp8"], ["q8"]))
out_("q8", TP.FLOAT8E4M3FN)
nodes.append(helper.make_node("DequantizeLinear", ["q8", "scale"], ["dq8"]))
out_("dq8", TP.FLOAT)
# Blocked (block 3 over a dim of 4: the last block is partial) to int16.
nodes.append(helper.make_node("QuantizeLinear", ["x44", "scaleb"], ["qb"],
                              axis=1, block_size=3,
                              output_dtype=TP.INT16))
out_("qb", TP.INT16)
# MatMulInteger with a per-column zero point for B.
nodes.append(helper.make_node("Reshape", ["a", "shape22"], ["a22"]))
nodes.append(helper.make_node("Reshape", ["b", "shape22"], ["b22"]))
nodes.append(helper.make_node("MatMulInteger", ["a22", "b22", "azp", "bzp"],
                              ["mmi"]))
out_("mmi", TP.INT32)

# Initializers over 16 elements of sub-byte / 8-bit float types (dense
# attributes: LLVM has no constant data arrays of them).
for name, elem in [("big_i4", TP.INT4), ("big_f8", TP.FLOAT8E5M2)]:
    nodes.append(helper.make_node("Cast", [name], [name + "_f"], to=TP.FLOAT))
    out_(name + "_f", TP.FLOAT)

inits = [
    numpy_helper.from_array(np.array(-7.0, np.float32), "lo"),
    numpy_helper.from_array(np.array(7.0, np.float32), "hi"),
    numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
    numpy_helper.from_array(np.array(3.0, np.float32), "three"),
    numpy_helper.from_array(np.array(0.5, np.float32), "scale"),
    numpy_helper.from_array(np.array(10, np.uint8), "zp"),
    numpy_helper.from_array(np.array([4, 4], np.int64), "shape44"),
    numpy_helper.from_array(np.array([1.0, 0.5, 2.0, 100.0], np.float32),
                            "scale4"),
    helper.make_tensor("zp4", TP.INT4, [4], [1, -2, 0, 3]),
    helper.make_tensor("zp8", TP.FLOAT8E4M3FN, [], [0]),
    numpy_helper.from_array(np.array([[0.5, 2.0], [1.0, 0.25], [4.0, 1.0],
                                      [0.125, 8.0]], np.float32), "scaleb"),
    numpy_helper.from_array(np.array([2, 2], np.int64), "shape22"),
    helper.make_tensor("big_i4", TP.INT4, [20], [i % 16 - 8 for i in range(20)]),
    numpy_helper.from_array(
        (np.arange(20, dtype=np.float32) * 0.37 - 3).astype(ml_dtypes.float8_e5m2),
        "big_f8"),
    numpy_helper.from_array(np.array(3, np.uint8), "azp"),
    numpy_helper.from_array(np.array([1, 250], np.uint8), "bzp"),
]
graph = helper.make_graph(
    nodes, "small_types",
    [helper.make_tensor_value_info("x", TP.FLOAT, [16]),
     helper.make_tensor_value_info("a", TP.UINT8, [4]),
     helper.make_tensor_value_info("b", TP.UINT8, [4])],
    outputs, inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
model.ir_version = 10
onnx.save(model, os.path.join(out, "model.onnx"))

feeds = {"x": x, "a": a, "b": b}
results = ReferenceEvaluator(model).run(None, feeds)
for i, (name, v) in enumerate(feeds.items()):
    t = numpy_helper.from_array(v, name)
    open(os.path.join(out, "data", f"input_{i}.pb"), "wb").write(
        t.SerializeToString())
for i, (o, v) in enumerate(zip(outputs, results)):
    t = numpy_helper.from_array(np.asarray(v), o.name)
    open(os.path.join(out, "data", f"output_{i}.pb"), "wb").write(
        t.SerializeToString())
