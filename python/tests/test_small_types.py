"""The Python runtime passes unsigned, 8-/4-/2-bit and fp8/fp4 tensors
through the C ABI (ml_dtypes arrays, one element per byte) and gets the
ONNX reference results back."""
import subprocess
import sys

import numpy as np
import pytest

import seqc

from conftest import REPO

ml_dtypes = pytest.importorskip("ml_dtypes")


def test_small_types_roundtrip(tmp_path):
    subprocess.run([sys.executable, str(REPO / "test" / "e2e" / "Inputs" /
                                        "small_types_model.py"), str(tmp_path)],
                   check=True)
    so = seqc.compile(tmp_path / "model.onnx", tmp_path / "m.so")
    art = seqc.load(so)
    assert [s.dtype for s in art.info.inputs] == [
        np.dtype(np.float32), np.dtype(np.uint8), np.dtype(np.uint8)]
    dtypes = {s.name: s.dtype for s in art.info.outputs}
    assert dtypes["e4m3fn"] == np.dtype(ml_dtypes.float8_e4m3fn)
    assert dtypes["f4"] == np.dtype(ml_dtypes.float4_e2m1fn)
    assert dtypes["i4"] == np.dtype(ml_dtypes.int4)
    assert dtypes["u2"] == np.dtype(ml_dtypes.uint2)

    import onnx
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator
    model = onnx.load(tmp_path / "model.onnx")
    feeds = {}
    for i, inp in enumerate(model.graph.input):
        t = onnx.TensorProto()
        t.ParseFromString((tmp_path / "data" / f"input_{i}.pb").read_bytes())
        feeds[inp.name] = numpy_helper.to_array(t)
    want = ReferenceEvaluator(model).run(None, feeds)
    got = art.run(**feeds)
    for spec, g, w in zip(art.info.outputs, got, want):
        w = np.asarray(w)
        assert g.dtype == w.dtype, spec.name
        np.testing.assert_array_equal(g.astype(np.float64), w.astype(np.float64),
                                      err_msg=spec.name)
