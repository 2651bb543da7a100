"""Makes a pack case for a model compiled with `seqc --quantize=SPEC`: OUT
gets the model and test_data_set_0's inputs, with outputs computed by the
CPU target's build of the same quantized model (so a GPU host compares the
CUDA build with seqc's CPU one, not with the unquantized reference; the CPU
kernels quantize activations to int8 where the CUDA ones keep f32/tf32,
hence a tolerance of a few 1e-2 on logits).

usage: quant_reference.py MODEL_DIR OUT SPEC   (needs PYTHONPATH=python)
"""
import shutil
import sys
import tempfile
from pathlib import Path

import onnx
from onnx import numpy_helper

import seqc

src, out, spec = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
data = src / "test_data_set_0"
(out / "test_data_set_0").mkdir(parents=True, exist_ok=True)
shutil.copy(src / "model.onnx", out / "model.onnx")
inputs = {}
for f in sorted(data.glob("input_*.pb")):
    t = onnx.load_tensor(str(f))
    inputs[t.name] = numpy_helper.to_array(t)
    shutil.copy(f, out / "test_data_set_0" / f.name)
names = [o.name for o in onnx.load(str(src / "model.onnx"),
                                   load_external_data=False).graph.output]
with tempfile.TemporaryDirectory() as tmp:
    art = seqc.compile(src / "model.onnx", Path(tmp) / "m.so",
                       extra_args=[f"--quantize={spec}"], load=True)
    outs = art.run(**inputs)
for i, (name, y) in enumerate(zip(names, outs)):
    onnx.save_tensor(numpy_helper.from_array(y, name),
                     str(out / "test_data_set_0" / f"output_{i}.pb"))
