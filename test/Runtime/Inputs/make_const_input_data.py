"""Writes test data for ../const-input.test: x [2,3,2] reshaped by `shape`.

usage: make_const_input_data.py DIR SHAPE (comma-separated, e.g. 3,-1)
"""
import os
import sys

import numpy as np
from onnx import numpy_helper

out, shape = sys.argv[1], [int(v) for v in sys.argv[2].split(",")]
os.makedirs(out, exist_ok=True)
x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
inputs = [("x", x), ("shape", np.array(shape, dtype=np.int64))]
for i, (name, a) in enumerate(inputs):
    with open(os.path.join(out, f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(a, name).SerializeToString())
with open(os.path.join(out, "output_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(x.reshape(3, 4), "y").SerializeToString())
