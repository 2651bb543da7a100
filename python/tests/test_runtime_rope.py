"""Exports that compute RoPE's cos/sin tables at run time (Range -> MatMul ->
Cos/Sin) compile and match: the qwen2_gen prefill/decode pair, with its
symbolic sequence and past lengths fixed by `seqc --dim` (the Shape of a
dynamic dim is still an importer error). Skips when ../shared is absent."""
import subprocess

import onnx
import pytest
from onnx import numpy_helper

import seqc

from conftest import SHARED

GEN = SHARED / "models" / "qwen2_gen"


def _shape(pb):
    t = onnx.TensorProto()
    t.ParseFromString(pb.read_bytes())
    return numpy_helper.to_array(t).shape


@pytest.mark.parametrize("part,dim,data,axis_of", [
    ("prefill", "seq", "test_data_set_0", (0, 1)),   # input_ids [1, seq]
    ("decode", "past", "test_data_set_0", (2, 2)),   # past key [1, 2, past, 32]
    ("decode", "past", "test_data_set_1", (2, 2)),
])
def test_runtime_rope_tables(part, dim, data, axis_of, tmp_path):
    model_dir = GEN / part
    if not model_dir.is_dir():
        pytest.skip(f"shared test material not available: {model_dir} is absent "
                    "(only on developer machines and CI)")
    m = onnx.load(model_dir / "model.onnx", load_external_data=False)
    assert {"Cos", "Sin"} <= {n.op_type for n in m.graph.node}
    value = _shape(model_dir / data / f"input_{axis_of[0]}.pb")[axis_of[1]]
    so = tmp_path / "m.so"
    seqc.compile(model_dir / "model.onnx", so, extra_args=["--dim", f"{dim}={value}"])
    cmd = [seqc.find_tool("seq-run"), str(so), "--data", str(model_dir / data),
           "--rtol", "1e-4"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(" OK") == len(m.graph.output)
