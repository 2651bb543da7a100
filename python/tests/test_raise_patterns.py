"""Issue #17: HF-exported decoder layers beyond llama/gpt2 (hf_patterns.py)
match onnxruntime through seqc, and `--emit=seq` shows the raised ops."""
import collections
import re
import subprocess

import numpy as np
import pytest

import seqc
from hf_patterns import build

ort = pytest.importorskip("onnxruntime")

# name -> (build kwargs, minimum counts of seq ops after seq-raise).
CASES = {
    # softcap + sliding window -> one seq.attention; 4 (1+w) RMSNorms incl.
    # the post-attention and post-FFN norms; tanh-GELU gate of the GeGLU.
    "gemma2": ({}, {"seq.attention": 1, "seq.rms_norm": 4, "seq.gelu": 1}),
    # long enough for several 64-key tiles: the window skips whole tiles.
    "gemma2_long": ({"S": 80, "window": 20},
                    {"seq.attention": 1, "seq.rms_norm": 4, "seq.gelu": 1}),
    # near miss: tanh(s / 2) * 3 is no softcap; nothing raises the attention,
    # the generic lowering must still match.
    "gemma2_capmismatch": ({"softcap_out": 3.0},
                           {"seq.tanh": 1, "seq.softmax": 1, "seq.rms_norm": 4}),
    # no softcap, plain causal window: the same layer without the extras.
    "gemma2_nocap": ({"softcap": None, "window": None},
                     {"seq.attention": 1, "seq.rms_norm": 4, "seq.gelu": 1}),
    # fused QKV / gate_up MatMul + Split feeding attention and SwiGLU.
    "phi3": ({}, {"seq.attention": 1, "seq.rms_norm": 2, "seq.swiglu": 1}),
    # biased q/k/v projections, GQA.
    "qwen2": ({}, {"seq.attention": 1, "seq.rms_norm": 2, "seq.swiglu": 1}),
}

# Ops that must be gone once raised (no leftover decomposition).
ABSENT = {"gemma2": ["seq.tanh", "seq.softmax"],
          "gemma2_long": ["seq.tanh", "seq.softmax"],
          "gemma2_capmismatch": ["seq.attention"], "phi3": ["seq.softmax"],
          "qwen2": ["seq.softmax"], "gemma2_nocap": ["seq.softmax"]}


def op_counts(ir):
    return collections.Counter(re.findall(r"\b(seq\.[a-z_0-9]+)\b", ir))


@pytest.mark.parametrize("name", sorted(CASES))
def test_pattern_matches_onnxruntime_and_raises(tmp_path, name):
    kw, want = CASES[name]
    path = tmp_path / f"{name}.onnx"
    build(name.split("_")[0], path, **kw)
    S = kw.get("S", 6)
    x = np.random.default_rng(1).standard_normal((1, S, 32)).astype(np.float32)
    (ref,) = ort.InferenceSession(str(path)).run(None, {"x": x})

    ir = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=seq", "-o", "-"],
                        capture_output=True, text=True, check=True).stdout
    counts = op_counts(ir)
    for op, n in want.items():
        assert counts[op] >= n, f"{op}: {counts[op]} < {n}\n{ir}"
    for op in ABSENT[name]:
        assert counts[op] == 0, f"{op} left after raising\n{ir}"
    if name in ("gemma2", "gemma2_long"):
        # softcap 2.0, HF window W -> causal + window_left = W - 1.
        w = kw.get("window", 3) - 1
        assert re.search(r"seq\.attention .* causal \{softcap = 2\.0+e\+00 : f32, "
                         rf"window_left = {w} : si64\}}", ir), ir
        cascade = subprocess.run(
            [seqc.find_tool("seqc"), str(path), "--emit=cascade", "-o", "-"],
            capture_output=True, text=True, check=True).stdout
        assert "online-tiled" in cascade, cascade
        if name == "gemma2_long":  # tiles outside the window are skipped
            tiles = re.search(r"(\d+)/(\d+) Bq=", cascade)
            assert tiles and int(tiles[1]) < int(tiles[2]), cascade

    so = tmp_path / f"{name}.so"
    seqc.compile(path, so)
    (y,) = seqc.load(so).run(x=x)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
