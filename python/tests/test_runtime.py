"""The C runtime and the ctypes wrapper, on the hand-written fake artifact
test/Runtime/Inputs/fake_model.c (y = x*2+1, next_ids = ids+1)."""
import ctypes
import threading

import numpy as np
import pytest

import seqc
from seqc import onnx_io

X = np.arange(6, dtype=np.float32).reshape(2, 3)
IDS = np.array([1, 2, 3, 1 << 40], dtype=np.int64)


def test_info(build_fake):
    art = seqc.load(build_fake())
    info = art.info
    assert (info.abi_version, info.name, info.target) == (1, "fake", "cpu")
    assert [(t.name, t.dtype, t.shape) for t in info.inputs] == [
        ("x", np.float32, (2, 3)), ("token ids", np.int64, (4,))]
    assert [(t.name, t.dtype, t.shape) for t in info.outputs] == [
        ("y", np.float32, (2, 3)), ("next ids", np.int64, (4,))]
    assert "fake" in repr(art)


def test_run_positional_and_named(build_fake):
    art = seqc.load(build_fake())
    y, nxt = art.run(X, IDS)
    np.testing.assert_array_equal(y, X * 2 + 1)
    np.testing.assert_array_equal(nxt, IDS + 1)
    y2, _ = art.run(**{"x": X, "token ids": IDS})
    np.testing.assert_array_equal(y2, y)
    # Non-contiguous input and a list are made contiguous / converted.
    y3, _ = art.run(np.asfortranarray(X), IDS.tolist())
    np.testing.assert_array_equal(y3, y)


def test_shape_error_names_tensor(build_fake):
    art = seqc.load(build_fake())
    with pytest.raises(seqc.SeqcError,
                       match=r"input 'x': expected shape \[2,3\], got \[2,4\]"):
        art.run(np.zeros((2, 4), np.float32), IDS)
    with pytest.raises(seqc.SeqcError, match=r"input 'token ids': expected shape \[4\], got \[1,4\]"):
        art.run(X, IDS[None])
    with pytest.raises(seqc.SeqcError, match="expected dtype"):
        art.run(X, IDS.astype(np.float32))
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        art.run(X)
    with pytest.raises(TypeError, match="missing input"):
        art.run(x=X)


def _c_api(so):
    lib = ctypes.CDLL(str(so))
    from seqc._runtime import _Tensor
    lib.seqc_run.argtypes = [ctypes.POINTER(_Tensor), ctypes.c_int32,
                             ctypes.POINTER(_Tensor), ctypes.c_int32]
    lib.seqc_last_error.restype = ctypes.c_char_p
    return lib, _Tensor


def test_c_api_errors(build_fake):
    lib, T = _c_api(build_fake())
    ins, outs = (T * 2)(), (T * 2)()
    assert lib.seqc_run(ins, 1, outs, 2) == 1  # SEQC_ERR_ARGUMENT
    assert lib.seqc_last_error() == b"model 'fake' expects 2 inputs and 2 outputs, got 1 and 2"
    # Right count, but NULL data / dtype 0.
    assert lib.seqc_run(ins, 2, outs, 2) == 1
    assert lib.seqc_last_error() == b"input 'x': expected dtype 1, got 0"
    # Valid inputs; the runtime fills in dtype/rank/dims of outputs.
    x, ids = X.copy(), IDS.copy()
    y, nxt = np.zeros_like(X), np.zeros_like(IDS)
    for t, a, code in ((ins[0], x, 1), (ins[1], ids, 7)):
        t.data, t.dtype, t.rank = a.ctypes.data, code, a.ndim
        t.dims[:a.ndim] = a.shape
    outs[0].data, outs[1].data = y.ctypes.data, nxt.ctypes.data
    assert lib.seqc_run(ins, 2, outs, 2) == 0, lib.seqc_last_error()
    assert lib.seqc_last_error() == b""
    assert (outs[0].dtype, outs[0].rank, list(outs[0].dims[:2])) == (1, 2, [2, 3])
    np.testing.assert_array_equal(y, X * 2 + 1)
    # A caller-set output shape is checked, not overwritten.
    outs[0].dims[1] = 5
    assert lib.seqc_run(ins, 2, outs, 2) == 1
    assert lib.seqc_last_error() == b"output 'y': expected shape [2,3], got [2,5]"
    # Missing output buffer.
    outs[0].dims[1], outs[0].data = 3, None
    assert lib.seqc_run(ins, 2, outs, 2) == 1
    assert lib.seqc_last_error() == b"output 'y': data is NULL"
    # Sizes.
    lib.seqc_dtype_size.restype = ctypes.c_int64
    sizes = {c: lib.seqc_dtype_size(c) for c in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16, 0, 8)}
    assert sizes == {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8,
                     12: 4, 13: 8, 16: 2, 0: 0, 8: 0}


def test_only_api_symbols_exported(build_fake):
    lib = ctypes.CDLL(str(build_fake()))
    for name in ("seqc_get_model_info", "seqc_run", "seqc_last_error", "seqc_dtype_size"):
        getattr(lib, name)
    for name in ("seqc_model_desc", "seqc_model_entry", "parse_desc", "fail"):
        with pytest.raises(AttributeError):
            getattr(lib, name)


def test_dynamic_dims(build_fake):
    art = seqc.load(build_fake("FAKE_DYNAMIC"))
    assert art.info.inputs[0].shape == (None, 3)
    # y comes back through seqc_run_alloc with its run-time shape.
    for rows in (1, 5):
        x = np.arange(rows * 3, dtype=np.float32).reshape(rows, 3)
        y, nxt = art.run(x, IDS)
        np.testing.assert_array_equal(y, x * 2 + 1)
        np.testing.assert_array_equal(nxt, IDS + 1)
    # Plain seqc_run cannot return it.
    lib = art._lib
    ins = (seqc._runtime._Tensor * 2)()
    outs = (seqc._runtime._Tensor * 2)()
    x, ids = np.zeros((1, 3), np.float32), IDS.copy()
    for t, a, code in ((ins[0], x, 1), (ins[1], ids, 7)):
        t.data, t.dtype, t.rank = a.ctypes.data, code, a.ndim
        for d, n in enumerate(a.shape):
            t.dims[d] = n
    assert lib.seqc_run(ins, 2, outs, 2) == 1
    assert "has the dynamic shape [?,3]" in art._last_error()


def test_bad_description(build_fake):
    with pytest.raises(seqc.SeqcError, match="malformed model description at line 3"):
        seqc.load(build_fake("FAKE_BAD_DESC"))


def test_not_an_artifact(tmp_path):
    with pytest.raises(seqc.SeqcError, match="cannot load"):
        seqc.load(tmp_path / "missing.so")


def test_thread_safety(build_fake):
    art = seqc.load(build_fake())
    errors = []

    def work(k):
        try:
            for i in range(200):
                x = np.full((2, 3), k + i, np.float32)
                if i % 7 == 0:  # interleave failing calls: errors are per thread
                    with pytest.raises(seqc.SeqcError, match="input 'x'"):
                        art.run(np.zeros((3, 3), np.float32), IDS)
                (y, _) = art.run(x, IDS)
                assert (y == x * 2 + 1).all()
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_onnx_io_roundtrip(tmp_path):
    ins = [X, IDS, np.array([True, False])]
    outs = [X * 2]
    onnx_io.write_test_data(tmp_path / "d", ins, outs, input_names=["x"])
    got_in, got_out = onnx_io.read_test_data(tmp_path / "d")
    assert len(got_in) == 3 and len(got_out) == 1
    for a, b in zip(ins + outs, got_in + got_out):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileNotFoundError):
        onnx_io.read_test_data(tmp_path / "nope")


def test_compile_error_without_binary(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQC_BIN", str(tmp_path / "no-seqc"))
    with pytest.raises(seqc.CompileError):
        seqc.compile(tmp_path / "m.onnx", tmp_path / "m.so")
    fake = tmp_path / "fake-seqc"
    fake.write_text("#!/bin/sh\necho 'error: unsupported op Foo' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SEQC_BIN", str(fake))
    with pytest.raises(seqc.CompileError, match="unsupported op Foo"):
        seqc.compile(tmp_path / "m.onnx", tmp_path / "m.so", extra_args=["--emit=so"])
