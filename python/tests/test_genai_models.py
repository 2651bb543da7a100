"""onnxruntime-genai builder ops (lib/Import/GenAIOps.cpp):
com.microsoft::GroupQueryAttention, SimplifiedLayerNormalization and
com.microsoft::SkipSimplifiedLayerNormalization.

* Single-node models against onnxruntime (the reference implementation of
  these contrib ops): packed and separate QKV, rotary (half / interleaved /
  partial), past (decode) and first prompt, local window, softcap.
* The shared builder models (llama_og_*, seedlm/og_*): every test set
  compiled with its own shapes (`--dim` for each symbolic input dim) and run
  with seq-run at rtol 1e-4; skipped with a message when ../shared is absent.
  The int4 builds (same GroupQueryAttention import, plus MatMulNBits and
  GatherBlockQuantized) are checked by test_quant_og_int4.py.
"""
import json
import subprocess
import zlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import seqc

from conftest import SHARED

ort = pytest.importorskip("onnxruntime")

F = TensorProto.FLOAT


def _model(nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(
        g, opset_imports=[helper.make_opsetid("", 21),
                          helper.make_opsetid("com.microsoft", 1)],
        ir_version=10)


def _check(model, feeds, tmp_path, rtol=1e-4, atol=1e-5):
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)
    art = seqc.compile(path, tmp_path / "model.so", load=True)
    try:
        got = art.run(**feeds)
    finally:
        art.close()
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"output {i}: {g.shape} vs {w.shape}"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol,
                                   err_msg=f"output {i}")


def _rope_cache(max_pos, rot, rng):
    inv = 1.0 / (10000 ** (np.arange(0, rot, 2) / rot))
    ang = np.outer(np.arange(max_pos), inv)
    # A little noise so a wrong row (position) cannot match by smoothness.
    ang = ang + rng.uniform(0, 0.1, ang.shape)
    return np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)


GQA_CASES = {
    # name: (packed, S, P, heads, kv_heads, D, attrs, rotary_dim); onnxruntime
    # needs D % 16 == 0.
    "prompt_packed_rotary": (True, 7, 0, 4, 2, 16, {"do_rotary": 1}, 16),
    "decode_packed_rotary": (True, 1, 9, 4, 2, 16, {"do_rotary": 1}, 16),
    "chunk_separate_rotary": (False, 3, 5, 4, 1, 16, {"do_rotary": 1}, 16),
    "interleaved_partial": (True, 4, 6, 2, 2, 32,
                            {"do_rotary": 1, "rotary_interleaved": 1}, 16),
    "interleaved_full": (False, 1, 7, 4, 2, 16,
                         {"do_rotary": 1, "rotary_interleaved": 1}, 16),
    "no_rotary_scale": (False, 5, 4, 6, 3, 16, {"scale": 0.3}, 0),
    "window_softcap": (True, 6, 10, 4, 2, 16,
                       {"do_rotary": 1, "local_window_size": 4,
                        "softcap": 2.0}, 16),
    "prompt_window": (False, 9, 0, 2, 1, 16, {"local_window_size": 3}, 0),
    "batch2_decode": (True, 1, 6, 4, 2, 16, {"do_rotary": 1}, 16),
    "batch2_prompt": (False, 5, 0, 4, 2, 16, {"do_rotary": 1}, 16),
    "position_ids_decode": (True, 1, 5, 4, 2, 16, {"do_rotary": 1}, 16),
    "position_ids_prompt": (False, 4, 0, 2, 2, 16, {"do_rotary": 1}, 16),
    "attention_bias_decode": (True, 2, 6, 4, 2, 16, {"do_rotary": 1}, 16),
    "attention_bias_prompt": (False, 5, 0, 2, 2, 16, {}, 0),
    "batch2_position_ids_prompt": (True, 3, 0, 2, 1, 16, {"do_rotary": 1},
                                   16),
}


@pytest.mark.parametrize("case", sorted(GQA_CASES))
def test_group_query_attention(case, tmp_path):
    packed, S, P, N, NKV, D, attrs, rot = GQA_CASES[case]
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    B, T, max_pos = 2 if case.startswith("batch2") else 1, P + S, 32
    feeds, inputs, names = {}, [], []

    def add(name, arr, elem=F):
        feeds[name] = arr
        inputs.append(helper.make_tensor_value_info(name, elem, arr.shape))

    if packed:
        add("qkv", rng.standard_normal((B, S, (N + 2 * NKV) * D), np.float32))
        names += ["qkv", "", ""]
    else:
        add("q", rng.standard_normal((B, S, N * D), np.float32))
        add("k", rng.standard_normal((B, S, NKV * D), np.float32))
        add("v", rng.standard_normal((B, S, NKV * D), np.float32))
        names += ["q", "k", "v"]
    add("past_k", rng.standard_normal((B, NKV, P, D), np.float32))
    add("past_v", rng.standard_normal((B, NKV, P, D), np.float32))
    add("seqlens_k", np.full((B,), T - 1, np.int32), TensorProto.INT32)
    add("total_len", np.array(T, np.int32), TensorProto.INT32)
    names += ["past_k", "past_v", "seqlens_k", "total_len"]
    inits = []
    if rot:
        cos, sin = _rope_cache(max_pos, rot, rng)
        inits = [onnx.numpy_helper.from_array(cos, "cos"),
                 onnx.numpy_helper.from_array(sin, "sin")]
        names += ["cos", "sin"]
    if "position_ids" in case:
        # Explicit positions (not the cache length): rows the default
        # would not pick.
        add("pos", np.arange(S, dtype=np.int64) * 3 + 2 +
            5 * np.arange(B, dtype=np.int64)[:, None], TensorProto.INT64)
        names += ["pos"]
    if "bias" in case:
        while len(names) < 10:
            names.append("")
        add("bias", rng.standard_normal((B, 1, S, T)).astype(np.float32))
        names.append("bias")
    node = helper.make_node("GroupQueryAttention", names,
                            ["out", "present_k", "present_v"],
                            domain="com.microsoft", name="gqa", num_heads=N,
                            kv_num_heads=NKV, **attrs)
    outs = [helper.make_tensor_value_info("out", F, (B, S, N * D)),
            helper.make_tensor_value_info("present_k", F, (B, NKV, T, D)),
            helper.make_tensor_value_info("present_v", F, (B, NKV, T, D))]
    _check(_model([node], inputs, outs, inits), feeds, tmp_path)


@pytest.mark.parametrize("with_bias", [False, True])
def test_skip_simplified_layer_norm(with_bias, tmp_path):
    rng = np.random.default_rng(3)
    shape, H = (2, 5, 32), 32
    feeds = {"x": rng.standard_normal(shape, np.float32),
             "skip": rng.standard_normal(shape, np.float32)}
    inits = [onnx.numpy_helper.from_array(
        rng.standard_normal(H).astype(np.float32), "gamma")]
    ins = ["x", "skip", "gamma"]
    if with_bias:
        inits.append(onnx.numpy_helper.from_array(
            rng.standard_normal(H).astype(np.float32), "bias"))
        ins.append("bias")
    node = helper.make_node("SkipSimplifiedLayerNormalization", ins,
                            ["y", "", "inv", "sum"], domain="com.microsoft",
                            epsilon=1e-5)
    outs = [helper.make_tensor_value_info("y", F, shape),
            helper.make_tensor_value_info("inv", F, None),
            helper.make_tensor_value_info("sum", F, shape)]
    inputs = [helper.make_tensor_value_info(n, F, shape) for n in feeds]
    _check(_model([node], inputs, outs, inits), feeds, tmp_path)


def test_simplified_layer_norm(tmp_path):
    rng = np.random.default_rng(4)
    shape = (3, 4, 24)
    feeds = {"x": rng.standard_normal(shape, np.float32)}
    inits = [onnx.numpy_helper.from_array(
        rng.standard_normal(24).astype(np.float32), "scale")]
    node = helper.make_node("SimplifiedLayerNormalization", ["x", "scale"],
                            ["y", "inv"], epsilon=1e-6, axis=-1, stash_type=1)
    outs = [helper.make_tensor_value_info("y", F, shape),
            helper.make_tensor_value_info("inv", F, None)]
    inputs = [helper.make_tensor_value_info("x", F, shape)]
    _check(_model([node], inputs, outs, inits), feeds, tmp_path)


def test_gqa_unsupported_attribute_is_clean_error(tmp_path):
    node = helper.make_node(
        "GroupQueryAttention", ["qkv", "", "", "", "", "sk", "tot"], ["o"],
        domain="com.microsoft", name="my_gqa", num_heads=2, kv_num_heads=1,
        smooth_softmax=1)
    model = _model(
        [node],
        [helper.make_tensor_value_info("qkv", F, (1, 3, 32)),
         helper.make_tensor_value_info("sk", TensorProto.INT32, (1,)),
         helper.make_tensor_value_info("tot", TensorProto.INT32, ())],
        [helper.make_tensor_value_info("o", F, (1, 3, 16))])
    path = tmp_path / "bad.onnx"
    onnx.save(model, path)
    proc = subprocess.run([seqc.find_tool("seqc"), str(path), "-o",
                           str(tmp_path / "bad.so")], capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert "GroupQueryAttention node 'my_gqa'" in proc.stderr
    assert "smooth_softmax" in proc.stderr


SHARED_GENAI = ["llama_og_fp32", "seedlm/og_fp32"]


def _dim_args(model_path, data_dir):
    """--dim NAME=N for every symbolic input dim, from the test set's
    inputs."""
    m = onnx.load(str(model_path), load_external_data=False)
    args, seen = [], {}
    for i, vi in enumerate(m.graph.input):
        t = onnx.TensorProto()
        t.ParseFromString((data_dir / f"input_{i}.pb").read_bytes())
        assert t.name in ("", vi.name), (t.name, vi.name)
        for d, n in zip(vi.type.tensor_type.shape.dim, t.dims):
            if d.dim_param and d.dim_param not in seen:
                seen[d.dim_param] = n
                args += ["--dim", f"{d.dim_param}={n}"]
    return args


@pytest.mark.parametrize("name", SHARED_GENAI)
@pytest.mark.parametrize("data_set", [0, 1])
def test_shared_genai_model(name, data_set, tmp_path):
    model_dir = SHARED / "models" / name
    if not model_dir.is_dir():
        pytest.skip(f"shared test material not available: {model_dir} is "
                    "absent (only on developer machines and CI)")
    data = model_dir / f"test_data_set_{data_set}"
    so = tmp_path / "model.so"
    cmd = [seqc.find_tool("seqc"), str(model_dir / "model.onnx"), "-o",
           str(so), *_dim_args(model_dir / "model.onnx", data)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stderr}"
    run = [seqc.find_tool("seq-run"), str(so), "--data", str(data),
           "--rtol", "1e-4"]
    proc = subprocess.run(run, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(run)}:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("name", ["llama_og_fp32", "seedlm/og_fp32"])
def test_greedy_generation_slow(name, tmp_path):
    """The 20 greedy tokens of onnxruntime-genai (generate.json), one
    artifact per step (static past/sequence dims), the present outputs fed
    back as the next past."""
    model_dir = SHARED / "models" / name
    if not model_dir.is_dir():
        pytest.skip(f"shared test material not available: {model_dir} is "
                    "absent (only on developer machines and CI)")
    gen = json.loads((model_dir / "generate.json").read_text())
    model = onnx.load(str(model_dir / "model.onnx"), load_external_data=False)
    past_vis = [i for i in model.graph.input if "past_key_values" in i.name]
    pdims = past_vis[0].type.tensor_type.shape.dim
    heads_kv = pdims[1].dim_value
    cfg = json.loads((model_dir / "genai_config.json").read_text())
    head = cfg["model"]["decoder"]["head_size"]
    past = {i.name: np.zeros((1, heads_kv, 0, head), np.float32)
            for i in past_vis}
    tokens, cur, p = [], list(gen["prompt"]), 0
    for step in range(len(gen["greedy"])):
        so = tmp_path / f"step{step}.so"
        dims = {"batch_size": 1, "past_sequence_length": p,
                "sequence_length": len(cur),
                "total_sequence_length": p + len(cur)}
        args = [a for k, v in dims.items() for a in ("--dim", f"{k}={v}")]
        art = seqc.compile(model_dir / "model.onnx", so, extra_args=args,
                           load=True, threads=1)
        try:
            feeds = {"input_ids": np.array([cur], np.int64),
                     "attention_mask": np.ones((1, p + len(cur)), np.int64),
                     **past}
            outs = dict(zip([o.name for o in art.info.outputs],
                            art.run(**feeds)))
        finally:
            art.close()
        tokens.append(int(np.argmax(outs["logits"][0, -1])))
        past = {n: outs[n.replace("past_key_values", "present")]
                for n in past}
        p, cur = p + len(cur), [tokens[-1]]
    assert tokens == gen["greedy"]


def test_generation_artifact_max_len_64(tmp_path):
    """With --max-seq-len 64 (= the prefill chunk) the only prefill variant
    has a static empty past: GroupQueryAttention must still emit
    present = Concat(past, new) for the KV-cache raising to find the cache.
    The artifact reproduces onnxruntime-genai's greedy tokens."""
    model_dir = SHARED / "models" / "llama_og_fp32"
    if not model_dir.is_dir():
        pytest.skip(f"shared test material not available: {model_dir} is "
                    "absent (only on developer machines and CI)")
    gen = json.loads((model_dir / "generate.json").read_text())
    art = seqc.compile(model_dir / "model.onnx", tmp_path / "gen.so",
                       extra_args=["--max-seq-len", "64"], load=True,
                       threads=1)
    try:
        want = gen["greedy"]
        assert art.generate(gen["prompt"], len(want), eos_id=-2) == want
    finally:
        art.close()
