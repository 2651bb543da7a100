"""Exhaustive Cast to/from the 8-/4-bit floats: every float16 value plus
random floats over 16 decades and the specials, cast with saturate 0/1 and
back to float, with the ONNX reference outputs:
small_float_casts.py OUT_DIR -> OUT_DIR/model.onnx, OUT_DIR/data/*.pb."""
import warnings
warnings.simplefilter("ignore")
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
out = sys.argv[1]; os.makedirs(out + "/data", exist_ok=True)
xs = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
rng = np.random.default_rng(0)
xs = np.concatenate([xs, (rng.standard_normal(20000) * 10.0 ** rng.integers(-8, 8, 20000)).astype(np.float32),
                     np.array([np.inf, -np.inf, np.nan, -np.nan, 1e30, -1e30, 0, -0.0, 3e38, -3e38, 1e-40], np.float32)])
nodes, outs = [], []
i = 0
for to in [TP.FLOAT8E4M3FN, TP.FLOAT8E4M3FNUZ, TP.FLOAT8E5M2, TP.FLOAT8E5M2FNUZ, TP.FLOAT4E2M1, TP.FLOAT8E8M0]:
    for sat in ([1] if to == TP.FLOAT4E2M1 else [0, 1]):
        n = f"o{i}"; i += 1
        nodes.append(helper.make_node("Cast", ["x"], [n], to=to, saturate=sat))
        outs.append(helper.make_tensor_value_info(n, to, None))
        n2 = f"o{i}"; i += 1
        nodes.append(helper.make_node("Cast", [n], [n2], to=TP.FLOAT))
        outs.append(helper.make_tensor_value_info(n2, TP.FLOAT, None))
# Doubles near the ties: rounded once, from the double (the spec's RNE of x;
# ml_dtypes >= 0.7 does the same; seqc rounds the double to f32 "to odd").
xd = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float64)
xd = np.concatenate([xd * (1 + 2.0 ** -40), xd * (1 - 2.0 ** -40)])
# Casting negative values to FLOAT8E8M0 is unspecified: that one gets |x|.
nodes.append(helper.make_node("Abs", ["xd"], ["xd_abs"]))
for to in [TP.FLOAT8E4M3FN, TP.FLOAT8E5M2FNUZ, TP.FLOAT4E2M1, TP.FLOAT8E8M0]:
    n = f"o{i}"; i += 1
    src = "xd_abs" if to == TP.FLOAT8E8M0 else "xd"
    nodes.append(helper.make_node("Cast", [src], [n], to=to))
    outs.append(helper.make_tensor_value_info(n, to, None))
g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TP.FLOAT, [len(xs)]),
                                   helper.make_tensor_value_info("xd", TP.DOUBLE, [len(xd)])], outs)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 24)]); m.ir_version = 11
onnx.save(m, out + "/model.onnx")
res = ReferenceEvaluator(m).run(None, {"x": xs, "xd": xd})
# FLOAT8E8M0 rounds up (round_mode="up"): the power of two >= x. The
# reference rounds the double to float32 first, which loses x's excess over a
# power of two (2^-24 * (1 + 2^-40) must give 2^-23, not 2^-24); recompute
# those from the exact double.
e8 = np.asarray(res[-1]).copy()
xa = np.abs(xd)
frac, exp = np.frexp(xa)  # xa = frac * 2^exp, frac in [0.5, 1)
ok = np.isfinite(xa) & (xa >= 2.0 ** -127) & (xa <= 2.0 ** 127)
up = np.where(frac == 0.5, exp - 1, exp).astype(np.float64)
e8[ok] = np.exp2(up[ok]).astype(e8.dtype)
res[-1] = e8
open(out + "/data/input_0.pb", "wb").write(numpy_helper.from_array(xs, "x").SerializeToString())
open(out + "/data/input_1.pb", "wb").write(numpy_helper.from_array(xd, "xd").SerializeToString())
for k, (o, v) in enumerate(zip(outs, res)):
    open(out + f"/data/output_{k}.pb", "wb").write(numpy_helper.from_array(np.asarray(v), o.name).SerializeToString())
