"""--const-input end to end from Python: the conformance runner retries a
case whose shape-determining graph input must be constant, binding it to
test_data_set_0, and the artifact rejects any other value at run time."""
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import seqc
from seqc import conformance

REPO = Path(__file__).resolve().parents[2]
SEQC = REPO / "build" / "bin" / "seqc"
SEQ_RUN = REPO / "build" / "bin" / "seq-run"


def _reshape_case(root: Path) -> Path:
    case = root / "test_reshape_by_input"
    data = case / "test_data_set_0"
    data.mkdir(parents=True)
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 2]),
         helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.save(model, case / "model.onnx")
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    for k, (name, a) in enumerate([("x", x), ("shape", np.array([4, -1]))]):
        (data / f"input_{k}.pb").write_bytes(
            numpy_helper.from_array(a, name).SerializeToString())
    (data / "output_0.pb").write_bytes(
        numpy_helper.from_array(x.reshape(4, 3), "y").SerializeToString())
    return case


@pytest.fixture
def tools():
    if not SEQC.exists() or not SEQ_RUN.exists():
        pytest.skip("build seqc and seq-run first")
    return str(SEQC), str(SEQ_RUN)


def test_runner_specializes_and_reports(tmp_path, tools):
    case = _reshape_case(tmp_path / "cases")
    r = conformance.run_case(case, *tools, tmp_path)
    assert r.status == "pass", r.detail
    assert r.specialized == ("shape",)
    report = tmp_path / "report.md"
    conformance.write_report(report, [r], 1.0, 1, tmp_path, None)
    text = report.read_text()
    assert "**pass (specialized)**: 1 of the passing cases" in text
    assert "| test_reshape_by_input | Reshape | shape |" in text
    assert "[1 specialized]" in conformance.totals_line([r])


def test_bound_input_is_checked_at_run_time(tmp_path, tools):
    case = _reshape_case(tmp_path / "cases")
    so = tmp_path / "m.so"
    seqc.compile(case / "model.onnx", so,
                 extra_args=["--const-input", "shape=4,-1"])
    art = seqc.load(str(so))
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    (y,) = art.run(x, np.array([4, -1], dtype=np.int64))
    np.testing.assert_array_equal(y, x.reshape(4, 3))
    with pytest.raises(seqc.SeqcError, match=r"input 'shape' was bound at "
                       r"compile time \(seqc --const-input\) and must equal "
                       r"that value: element 0 is 3, expected 4"):
        art.run(x, np.array([3, -1], dtype=np.int64))
