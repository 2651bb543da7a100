"""End-to-end checks of the indexing / conv / per-channel norm ops against
the ONNX reference implementation (onnx.reference), one single-node model
per case: Einsum, ArgMax/ArgMin, Hardmax, TopK, CumSum, Trilu, Tile,
GatherElements, GatherND, ScatterElements, ScatterND, Conv,
BatchNormalization, InstanceNormalization, GroupNormalization."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import seqc

RNG = np.random.default_rng(0)
_ONNX = {np.dtype(np.float32): TensorProto.FLOAT,
         np.dtype(np.int32): TensorProto.INT32,
         np.dtype(np.int64): TensorProto.INT64,
         np.dtype(np.uint8): TensorProto.UINT8,
         np.dtype(np.uint64): TensorProto.UINT64}


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def run_case(tmp_path, op, inputs, attrs=None, consts=None, opset=18,
             n_out=1, rtol=1e-4, atol=1e-5):
    """Builds `op` over graph inputs `inputs` (name -> array) and constant
    initializers `consts`, compiles it and compares with onnx.reference."""
    consts = consts or {}
    names = list(inputs) + list(consts)
    node = helper.make_node(op, names, [f"y{i}" for i in range(n_out)],
                            **(attrs or {}))
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(k, _ONNX[v.dtype], v.shape)
         for k, v in inputs.items()],
        [helper.make_tensor_value_info(f"y{i}", TensorProto.UNDEFINED, None)
         for i in range(n_out)],
        [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    want = ReferenceEvaluator(model).run(None, inputs)
    model = onnx.shape_inference.infer_shapes(model)
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    art = seqc.load(seqc.compile(path, tmp_path / "m.so"))
    got = art.run(**inputs)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("iij->ji", [(3, 3, 2)]),
])
def test_einsum(tmp_path, eq, shapes):
    ins = {f"x{i}": f32(*s) for i, s in enumerate(shapes)}
    run_case(tmp_path, "Einsum", ins, {"equation": eq}, opset=12)


def test_einsum_int(tmp_path):
    ins = {"a": RNG.integers(-5, 5, (3, 4)).astype(np.int32),
           "b": RNG.integers(-5, 5, (4, 2)).astype(np.int32)}
    run_case(tmp_path, "Einsum", ins, {"equation": "ij,jk->ik"}, opset=12)


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis,keep,last", [(0, 1, 0), (1, 0, 1), (-1, 1, 1),
                                            (2, 0, 0)])
def test_arg_reduce(tmp_path, op, axis, keep, last):
    x = RNG.integers(0, 3, (3, 4, 5)).astype(np.float32)  # many ties
    run_case(tmp_path, op, {"x": x},
             {"axis": axis, "keepdims": keep, "select_last_index": last})


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("last", [0, 1])
def test_arg_reduce_nan(tmp_path, op, last):
    x = RNG.standard_normal((3, 6)).astype(np.float32)
    x[0, 1] = x[0, 4] = x[2, 5] = np.nan  # numpy: NaN wins
    run_case(tmp_path, op, {"x": x}, {"axis": 1, "select_last_index": last})


def test_argmax_int(tmp_path):
    x = RNG.integers(-9, 9, (4, 6)).astype(np.int32)
    run_case(tmp_path, "ArgMax", {"x": x}, {"axis": 1})


@pytest.mark.parametrize("axis", [-1, 0])
def test_hardmax(tmp_path, axis):
    x = RNG.integers(0, 3, (3, 4)).astype(np.float32)
    run_case(tmp_path, "Hardmax", {"x": x}, {"axis": axis}, opset=13)


@pytest.mark.parametrize("axis,k,largest", [(-1, 2, 1), (0, 3, 0), (1, 5, 1)])
def test_topk(tmp_path, axis, k, largest):
    x = RNG.integers(0, 4, (3, 5)).astype(np.float32)  # ties: lower index first
    run_case(tmp_path, "TopK", {"x": x}, {"axis": axis, "largest": largest},
             consts={"k": np.array([k], np.int64)}, n_out=2)


@pytest.mark.parametrize("exclusive,reverse", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_cumsum(tmp_path, exclusive, reverse):
    run_case(tmp_path, "CumSum", {"x": f32(2, 5, 3)},
             {"exclusive": exclusive, "reverse": reverse},
             consts={"axis": np.array(1, np.int32)}, opset=14)


def test_cumsum_int(tmp_path):
    x = RNG.integers(-5, 5, (6,)).astype(np.int64)
    run_case(tmp_path, "CumSum", {"x": x}, consts={"axis": np.array(0, np.int64)},
             opset=14)


@pytest.mark.parametrize("upper,k", [(1, 0), (0, 0), (1, -1), (0, 2), (1, 5)])
def test_trilu(tmp_path, upper, k):
    run_case(tmp_path, "Trilu", {"x": f32(2, 3, 4)}, {"upper": upper},
             consts={"k": np.array(k, np.int64)}, opset=14)


@pytest.mark.parametrize("reps", [[2, 3], [1, 1], [3, 1]])
def test_tile(tmp_path, reps):
    run_case(tmp_path, "Tile", {"x": f32(2, 3)},
             consts={"repeats": np.array(reps, np.int64)})


@pytest.mark.parametrize("axis", [0, 1, -2])  # the reference breaks on -1
def test_gather_elements(tmp_path, axis):
    x = f32(3, 4)
    n = x.shape[axis]
    idx = RNG.integers(-n, n, (3, 2) if axis == 1 else (2, 4)).astype(np.int64)
    run_case(tmp_path, "GatherElements", {"x": x, "i": idx}, {"axis": axis})


@pytest.mark.parametrize("dshape,ishape,bd", [((2, 3, 4), (5, 2), 0),
                                             ((2, 3, 4), (2, 1), 1),
                                             ((2, 3, 4), (2, 3, 1), 2),
                                             ((3, 4), (2, 2), 0)])
def test_gather_nd(tmp_path, dshape, ishape, bd):
    x = f32(*dshape)
    m = ishape[-1]
    bounds = dshape[bd:bd + m]
    idx = np.stack([RNG.integers(-b, b, ishape[:-1]) for b in bounds], -1)
    run_case(tmp_path, "GatherND", {"x": x, "i": idx.astype(np.int64)},
             {"batch_dims": bd})


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
@pytest.mark.parametrize("axis", [0, 1])
def test_scatter_elements(tmp_path, reduction, axis):
    x = f32(3, 4)
    n = x.shape[axis]
    idx = RNG.integers(-n, n, (5, 4) if axis == 0 else (3, 6)).astype(np.int64)
    upd = f32(*idx.shape)
    run_case(tmp_path, "ScatterElements", {"x": x, "i": idx, "u": upd},
             {"axis": axis, "reduction": reduction})


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
def test_scatter_nd(tmp_path, reduction):
    x = f32(4, 3, 2)
    idx = RNG.integers(-4, 4, (5, 1)).astype(np.int64)  # duplicates
    run_case(tmp_path, "ScatterND", {"x": x, "i": idx, "u": f32(5, 3, 2)},
             {"reduction": reduction})


def test_scatter_nd_elements(tmp_path):
    x = f32(4, 3)
    idx = np.array([[0, 1], [3, 2], [-1, 0]], np.int64)
    run_case(tmp_path, "ScatterND", {"x": x, "i": idx, "u": f32(3)})


@pytest.mark.parametrize("xs,ws,attrs", [
    ((1, 2, 9), (3, 2, 3), {}),
    ((2, 4, 7, 6), (6, 2, 3, 2), {"group": 2, "pads": [1, 0, 2, 1],
                                  "strides": [2, 1]}),
    ((1, 3, 8, 8), (4, 3, 3, 3), {"dilations": [2, 1], "auto_pad": "SAME_UPPER"}),
    ((1, 3, 7, 7), (4, 3, 2, 2), {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 4, 5, 5), (4, 1, 3, 3), {"group": 4, "auto_pad": "VALID"}),
    ((1, 2, 4, 4, 4), (2, 2, 2, 2, 2), {"pads": [1, 0, 1, 0, 1, 0]}),
])
@pytest.mark.parametrize("bias", [False, True])
def test_conv(tmp_path, xs, ws, attrs, bias):
    ins = {"x": f32(*xs), "w": f32(*ws)}
    if bias:
        ins["b"] = f32(ws[0])
    run_case(tmp_path, "Conv", ins, attrs, opset=11)


@pytest.mark.parametrize("training", [0, 1])
def test_batchnorm(tmp_path, training):
    c = 3
    ins = {"x": f32(2, c, 4, 5), "s": f32(c), "b": f32(c), "m": f32(c),
           "v": RNG.uniform(0.5, 2, c).astype(np.float32)}
    run_case(tmp_path, "BatchNormalization", ins,
             {"training_mode": training, "epsilon": 1e-3}, opset=15,
             n_out=3 if training else 1)


@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 2, 3, 4)])
def test_instancenorm(tmp_path, shape):
    c = shape[1]
    run_case(tmp_path, "InstanceNormalization",
             {"x": f32(*shape), "s": f32(c), "b": f32(c)}, {"epsilon": 1e-4})


@pytest.mark.parametrize("opset", [18, 21])
def test_groupnorm(tmp_path, opset):
    g, c = 2, 6
    n = g if opset < 21 else c
    run_case(tmp_path, "GroupNormalization",
             {"x": f32(2, c, 3, 2), "s": f32(n), "b": f32(n)},
             {"num_groups": g}, opset=opset)


def test_unsigned(tmp_path):
    """Unsigned elements compare and combine as unsigned (values >= 2^63)."""
    x = RNG.integers(0, 2**64 - 1, (3, 5), dtype=np.uint64)
    # One directory per model: dlopen caches a loaded path.
    for sub in ("a", "b", "c"):
        (tmp_path / sub).mkdir()
    run_case(tmp_path / "a", "TopK", {"x": x},
             consts={"k": np.array([2], np.int64)}, n_out=2)
    run_case(tmp_path / "b", "ArgMin", {"x": x}, {"axis": 1})
    d = RNG.integers(0, 255, (4, 3), dtype=np.uint8)
    idx = RNG.integers(0, 4, (6, 3)).astype(np.int64)
    upd = RNG.integers(0, 255, (6, 3), dtype=np.uint8)
    run_case(tmp_path / "c", "ScatterElements", {"x": d, "i": idx, "u": upd},
             {"reduction": "max"})
