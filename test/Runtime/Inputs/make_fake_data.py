"""Writes an ONNX test_data_set for Inputs/fake_model.c.

usage: make_fake_data.py DIR [--case ok|mismatch|wrong-shape|wrong-dtype|typed|no-ref]
"""
import argparse
import os

import numpy as np
from onnx import numpy_helper

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--case", default="ok")
args = p.parse_args()
os.makedirs(args.dir, exist_ok=True)

x = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
ids = np.array([3, -1, 7, 1 << 40], dtype=np.int64)
y = x * 2 + 1
nxt = ids + 1
if args.case == "mismatch":
    y = y.copy()
    y[1, 2] += 0.5
if args.case == "wrong-shape":
    x = np.zeros((2, 4), dtype=np.float32)
if args.case == "wrong-dtype":
    ids = ids.astype(np.int32)


def save(name, array, tensor_name):
    t = numpy_helper.from_array(array, tensor_name)
    if args.case == "typed":  # typed *_data fields instead of raw_data
        if array.dtype == np.float32:
            t.float_data.extend(array.flatten().tolist())
        else:
            t.int64_data.extend(array.flatten().tolist())
        t.ClearField("raw_data")
    with open(os.path.join(args.dir, name), "wb") as f:
        f.write(t.SerializeToString())


save("input_0.pb", x, "x")
save("input_1.pb", ids, "token ids")
if args.case != "no-ref":
    save("output_0.pb", y, "y")
    save("output_1.pb", nxt, "next ids")
