"""Writes input_0.pb / output_0.pb for test/Driver/Inputs/mlp.pbtxt (numpy)."""
import os
import sys

import numpy as np
from onnx import numpy_helper

out = sys.argv[1]
x = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 1.0]], np.float32)
w1 = np.array([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9, -1.0, 1.1, 1.2], np.float32).reshape(4, 3)
b1 = np.array([0.01, 0.02, 0.03], np.float32)
w2 = np.array([1.0, -1.0, 0.5, 0.25, -0.5, 2.0], np.float32).reshape(3, 2)
logits = np.tanh(x @ w1 + b1) @ w2
e = np.exp(logits - logits.max(-1, keepdims=True))
probs = (e / e.sum(-1, keepdims=True)).astype(np.float32)
for name, arr in (("input_0.pb", x), ("output_0.pb", probs)):
    with open(os.path.join(out, name), "wb") as f:
        f.write(numpy_helper.from_array(arr).SerializeToString())
