"""Writes input_0.pb / output_0.pb for rms-decomposed.pbtxt (numpy)."""
import os
import sys

import numpy as np
from onnx import numpy_helper

x = np.linspace(-2.0, 3.0, 12, dtype=np.float32).reshape(3, 4)
w = np.array([0.5, 1.0, 1.5, 2.0], np.float32)
y = (x / np.sqrt((x * x).mean(-1, keepdims=True) + np.float32(1e-6)) * w).astype(np.float32)
for name, arr in (("input_0.pb", x), ("output_0.pb", y)):
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(numpy_helper.from_array(arr).SerializeToString())
