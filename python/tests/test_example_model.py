"""The bundled example model builder (no compiler needed)."""
import numpy as np
import onnx

from seqc import models, onnx_io


def test_build_example(tmp_path):
    out = models.build_example(tmp_path / "ex")
    model = onnx.load(str(out / "model.onnx"))
    assert model.opset_import[0].version == 18
    assert {n.op_type for n in model.graph.node} <= models.SUPPORTED_OPS
    ins, outs = onnx_io.read_test_data(out / "test_data_set_0")
    assert ins[0].dtype == np.int64 and ins[0].shape == (1, 16)
    assert outs[0].dtype == np.float32 and outs[0].shape == (1, 16, 256)
    assert np.isfinite(outs[0]).all() and outs[0].std() > 0.1


def test_example_is_deterministic():
    a = models.build_model().SerializeToString()
    b = models.build_model().SerializeToString()
    assert a == b


def test_example_is_causal(tmp_path):
    """Changing the last token must not change earlier positions' logits."""
    path = tmp_path / "m.onnx"
    onnx.save(models.build_model(), str(path))
    (ids,) = models.example_inputs()
    ids2 = ids.copy()
    ids2[0, -1] = (ids2[0, -1] + 1) % models.VOCAB
    (a,) = models.reference_outputs(path, [ids])
    (b,) = models.reference_outputs(path, [ids2])
    np.testing.assert_array_equal(a[:, :-1], b[:, :-1])
    assert not np.array_equal(a[:, -1], b[:, -1])
