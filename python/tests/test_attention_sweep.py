"""Randomized sweep: the tiled 1-pass attention cascade (default) against the
naive 3-pass cascade (--no-fuse) and numpy, on ONNX-23 Attention models.

Covers MHA/GQA/MQA, query/key lengths that are and are not tile multiples
(padding, causal tile skipping, split-K decode), head dims, causal / sliding
window (a bool band mask) / none, bool and float masks, softcap and rows that
no key may see (output 0, as the naive lowering defines it).
"""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import seqc

RTOL = 1e-5
ATOL = 1e-6


def build_model(path, B, Hq, Hkv, Sq, Skv, D, Dv, causal, mask_kind, softcap):
    ins = [
        helper.make_tensor_value_info("q", TensorProto.FLOAT, [B, Hq, Sq, D]),
        helper.make_tensor_value_info("k", TensorProto.FLOAT, [B, Hkv, Skv, D]),
        helper.make_tensor_value_info("v", TensorProto.FLOAT, [B, Hkv, Skv, Dv]),
    ]
    node_ins = ["q", "k", "v"]
    if mask_kind != "none":
        et = TensorProto.BOOL if mask_kind.startswith("bool") else TensorProto.FLOAT
        ins.append(helper.make_tensor_value_info("mask", et, [Sq, Skv]))
        node_ins.append("mask")
    attrs = {"is_causal": int(causal)}
    if softcap:
        attrs["softcap"] = float(softcap)
    node = helper.make_node("Attention", node_ins, ["y"], **attrs)
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [B, Hq, Sq, Dv])
    graph = helper.make_graph([node], "attn", ins, [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    onnx.save(model, str(path))


def reference(q, k, v, mask, causal, softcap):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    G = q.shape[1] // k.shape[1]
    k = np.repeat(k, G, axis=1)
    v = np.repeat(v, G, axis=1)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    if softcap:
        s = softcap * np.tanh(s / softcap)
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    if causal:
        i = np.arange(s.shape[2])[:, None]
        j = np.arange(s.shape[3])[None, :]
        s = np.where(j > i, -np.inf, s)
    m = s.max(-1, keepdims=True)
    e = np.exp(s - np.where(np.isneginf(m), 0, m))
    den = e.sum(-1, keepdims=True)
    p = e / np.where(den == 0, 1, den)
    return p @ v


def make_mask(kind, Sq, Skv, rng):
    if kind == "none":
        return None
    if kind == "bool-window":  # sliding window of 5 keys ending at the diagonal
        i = np.arange(Sq)[:, None]
        j = np.arange(Skv)[None, :]
        return (i - j >= 0) & (i - j < 5)
    if kind == "bool-random":
        m = rng.random((Sq, Skv)) < 0.8
        m[Sq // 2, :] = False  # a row no key may see
        return m
    m = rng.standard_normal((Sq, Skv)).astype(np.float32)  # float additive
    m[rng.random((Sq, Skv)) < 0.1] = -np.inf
    return m


def configs():
    rng = np.random.default_rng(7)
    fixed = [
        # B, Hq, Hkv, Sq, Skv, D, Dv, causal, mask, softcap
        (1, 4, 2, 130, 130, 16, 16, True, "none", 0),       # GQA, padding, skip
        (1, 2, 2, 1, 700, 32, 32, False, "none", 0),        # decode, split-K
        (2, 4, 1, 3, 300, 8, 8, True, "none", 0),           # MQA, short query
        (1, 2, 2, 64, 200, 16, 8, False, "bool-window", 0), # window via mask
        (1, 2, 1, 70, 70, 16, 16, True, "bool-window", 0),  # causal + window
        (1, 2, 2, 50, 90, 16, 16, False, "bool-random", 0), # empty row
        (1, 3, 3, 65, 129, 8, 8, False, "float", 0),
        (1, 2, 2, 40, 40, 16, 16, True, "none", 30.0),      # softcap
    ]
    out = list(fixed)
    for _ in range(8):
        hkv = int(rng.choice([1, 2]))
        out.append((int(rng.integers(1, 3)), hkv * int(rng.choice([1, 2, 4])), hkv,
                    int(rng.integers(1, 150)), int(rng.integers(1, 200)),
                    int(rng.choice([8, 16, 32])), int(rng.choice([8, 16])),
                    bool(rng.integers(0, 2)),
                    str(rng.choice(["none", "bool-window", "bool-random", "float"])),
                    0))
    return out


@pytest.mark.parametrize("cfg", configs(), ids=lambda c: "-".join(map(str, c)))
def test_tiled_matches_naive_and_numpy(cfg, tmp_path):
    B, Hq, Hkv, Sq, Skv, D, Dv, causal, mask_kind, softcap = cfg
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    model = tmp_path / "attn.onnx"
    build_model(model, B, Hq, Hkv, Sq, Skv, D, Dv, causal, mask_kind, softcap)
    q = rng.standard_normal((B, Hq, Sq, D)).astype(np.float32)
    k = rng.standard_normal((B, Hkv, Skv, D)).astype(np.float32)
    v = rng.standard_normal((B, Hkv, Skv, Dv)).astype(np.float32)
    mask = make_mask(mask_kind, Sq, Skv, rng)
    inputs = [q, k, v] + ([mask] if mask is not None else [])

    results = {}
    for name, extra in (("tiled", ()), ("naive", ("--no-fuse",))):
        so = tmp_path / f"{name}.so"
        seqc.compile(model, so, extra_args=extra)
        (results[name],) = seqc.load(so).run(*inputs)
    ref = reference(q, k, v, mask, causal, softcap)
    np.testing.assert_allclose(results["tiled"], results["naive"], rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(results["tiled"], ref, rtol=RTOL, atol=ATOL)


def test_default_is_tiled(tmp_path):
    """The default pipeline emits the tiled cascade; --no-fuse the naive one."""
    import subprocess
    model = tmp_path / "attn.onnx"
    build_model(model, 1, 2, 2, 128, 128, 16, 16, True, "none", 0)
    tool = seqc.find_tool()
    tiled = subprocess.run([tool, str(model), "--emit=cascade", "-o", "-"],
                           capture_output=True, text=True, check=True).stdout
    naive = subprocess.run([tool, str(model), "--emit=cascade", "--no-fuse", "-o",
                            "-"], capture_output=True, text=True, check=True).stdout
    assert "scf.forall" in tiled and "online-tiled" in tiled
    assert "scf.forall" not in naive and " naive " in naive
