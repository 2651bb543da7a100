"""State-space exports raised to seq.linear_scan: HF Mamba (selective scan
unrolled per time step) and Mamba-2 (chunked SSD with Einsum/CumSum/segment
sums). `seqc --emit=seq` must show one linear_scan per layer and no
per-time-step chain (no gathers beyond the embedding, no SSD einsums), the
artifact must match the export's reference outputs, and the raised and
unraised (--no-fuse) artifacts must agree. Skips when ../shared is absent."""
import subprocess

import numpy as np
import pytest

import seqc
from seqc.onnx_io import read_test_data

from conftest import shared_model_dir

# model -> layers (one linear_scan and one causal_conv each)
MODELS = {"mamba_h96": 3, "mamba2": 2}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_emit_seq_shows_one_scan_per_layer(name):
    d = shared_model_dir(name)
    ir = subprocess.run([seqc.find_tool("seqc"), str(d / "model.onnx"),
                         "--emit=seq"], check=True, capture_output=True,
                        text=True).stdout
    layers = MODELS[name]
    assert ir.count("seq.linear_scan ") == layers, ir
    assert ir.count("seq.causal_conv ") == layers, ir
    # The per-step chain is gone: the only gather left is the embedding.
    assert ir.count("seq.gather ") == 1, ir
    assert "seq.einsum" not in ir and "seq.cumsum" not in ir, ir
    assert "seq.conv " not in ir, ir


def run(d, tmp_path, mode, args):
    inputs, refs = read_test_data(d / "test_data_set_0")
    so = tmp_path / f"{mode}.so"
    seqc.compile(d / "model.onnx", so, extra_args=args)
    art = seqc.load(str(so))
    try:
        return art.run(*inputs), refs
    finally:
        art.close()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_raised_model_matches_reference(name, tmp_path):
    outs, refs = run(shared_model_dir(name), tmp_path, "raised", ())
    for got, ref in zip(outs, refs):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)


# Compiling the unrolled chain (--no-fuse) takes about a minute.
@pytest.mark.parametrize("name", sorted(MODELS))
def test_raised_matches_unraised_slow(name, tmp_path):
    d = shared_model_dir(name)
    raised, _ = run(d, tmp_path, "raised", ())
    base, _ = run(d, tmp_path, "unraised", ("--no-fuse",))
    for got, want in zip(raised, base):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
