"""Writes DIR/input_{0,1,2}.pb (q, k, v) and DIR/output_0.pb (numpy
attention in float64, rounded to the element type) for the model of
attention_model.py with the same arguments.

usage: attention_reference.py DIR float16|bfloat16|float B Hq Hkv Sq Skv D
       [causal] [scale=S]"""
import os
import sys

import numpy as np
from onnx import numpy_helper

out, dtype = sys.argv[1], sys.argv[2]
b, hq, hkv, sq, skv, d = (int(v) for v in sys.argv[3:9])
extra = sys.argv[9:]
causal = "causal" in extra
scale = 1.0 / np.sqrt(d)
for e in extra:
    if e.startswith("scale="):
        scale = float(e.split("=", 1)[1])
dt = {"float16": np.float16, "float": np.float32}.get(dtype)
if dtype == "bfloat16":
    import ml_dtypes
    dt = ml_dtypes.bfloat16
rng = np.random.default_rng(0)
q = rng.standard_normal((b, hq, sq, d)).astype(dt)
k = rng.standard_normal((b, hkv, skv, d)).astype(dt)
v = rng.standard_normal((b, hkv, skv, d)).astype(dt)
g = hq // hkv
kk = np.repeat(k, g, axis=1).astype(np.float64)
vv = np.repeat(v, g, axis=1).astype(np.float64)
s = np.einsum("bhid,bhjd->bhij", q.astype(np.float64), kk) * scale
if causal:  # top-left aligned: key j <= query i
    s = np.where(np.arange(skv)[None, :] > np.arange(sq)[:, None], -np.inf, s)
p = np.exp(s - s.max(-1, keepdims=True))
p /= p.sum(-1, keepdims=True)
y = np.einsum("bhij,bhjd->bhid", p, vv).astype(dt)
os.makedirs(out, exist_ok=True)
for i, arr in enumerate((q, k, v)):
    with open(os.path.join(out, f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(arr).SerializeToString())
with open(os.path.join(out, "output_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(y).SerializeToString())
