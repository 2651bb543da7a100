"""Generation artifacts from opset-24 static-cache graphs (issue #13, form
2): each layer's cache is a fixed-size buffer [B, Hkv, Lmax, D] updated by
`present = TensorScatter(past, new, write_indices)` and read by Attention
(opset 24) with `nonpad_kv_seqlen`. seq-kv-cache-state
(lib/Transforms/KVCacheScatter.cpp) turns the buffer into the session's
cache written in place; the session supplies write_indices = p and
nonpad_kv_seqlen = p + T.

The test decoder is built here with onnx.helper (2 layers, hidden 64, 4
heads, 2 KV heads, vocab 97, seeded random weights); onnxruntime runs the
same graph step by step, feeding its present buffers back, as the oracle.
"""
import re
import subprocess

import numpy as np
import pytest

import seqc

from conftest import REPO


def _tool(name):
    try:
        return seqc.find_tool(name)  # honours $SEQC_BIN / $SEQ_RUN_BIN
    except FileNotFoundError:
        return str(REPO / "build" / "bin" / name)


SEQC = _tool("seqc")
SEQ_RUN = _tool("seq-run")

LAYERS, HIDDEN, HEADS, KV_HEADS, VOCAB = 2, 64, 4, 2, 97
HEAD = HIDDEN // HEADS


def scatter_lm(path, cache_len="max_cache_len", mode="linear", axis=2,
               output_present=True, causal=True, seed=0, max_pos=256):
    """Writes a small decoder with opset-24 static KV caches to `path`:
    inputs input_ids, position_ids [B, T], past_key_i / past_value_i
    [B, Hkv, cache_len, D], write_indices and nonpad_kv_seqlen [B]; outputs
    logits [B, T, V] and present_key_i / present_value_i (the scattered
    buffers). Each layer: LayerNorm, Q/K/V projections, TensorScatter of
    the new K/V at write_indices, causal Attention over the buffers with
    nonpad_kv_seqlen (bottom-right aligned: a step's queries follow the
    cached keys), output projection, ReLU MLP, residuals; learned position
    embeddings gathered by position_ids."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    inits = []

    def weight(name, shape, scale=None):
        scale = scale or 1.0 / np.sqrt(shape[0])
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name))

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))

    weight("E", (VOCAB, HIDDEN), 1.0)
    weight("P", (max_pos, HIDDEN), 0.5)
    const("ln_s", np.ones(HIDDEN, np.float32))
    const("ln_b", np.zeros(HIDDEN, np.float32))
    const("q_shape", np.array([0, 0, HEADS, HEAD], np.int64))
    const("kv_shape", np.array([0, 0, KV_HEADS, HEAD], np.int64))
    const("merged", np.array([0, 0, HIDDEN], np.int64))
    node = helper.make_node
    nodes = [node("Gather", ["E", "input_ids"], ["tok"]),
             node("Gather", ["P", "position_ids"], ["pos"]),
             node("Add", ["tok", "pos"], ["h0"])]
    ids_info = lambda n: helper.make_tensor_value_info(
        n, TensorProto.INT64, ["batch", "seq"])
    cache = lambda n: helper.make_tensor_value_info(
        n, TensorProto.FLOAT, ["batch", KV_HEADS, cache_len, HEAD])
    inputs = [ids_info("input_ids"), ids_info("position_ids")]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                             ["batch", "seq", VOCAB])]
    h = "h0"
    for i in range(LAYERS):
        p = f"l{i}_"
        for n, o in [("Wq", HIDDEN), ("Wk", KV_HEADS * HEAD),
                     ("Wv", KV_HEADS * HEAD), ("Wo", HIDDEN),
                     ("W1", 2 * HIDDEN)]:
            weight(p + n, (HIDDEN, o))
        weight(p + "W2", (2 * HIDDEN, HIDDEN))
        nodes.append(node("LayerNormalization", [h, "ln_s", "ln_b"],
                          [p + "x"], axis=-1))
        for n, shape in [("q", "q_shape"), ("k", "kv_shape"),
                         ("v", "kv_shape")]:
            nodes += [node("MatMul", [p + "x", p + "W" + n], [p + n + "0"]),
                      node("Reshape", [p + n + "0", shape], [p + n + "1"]),
                      node("Transpose", [p + n + "1"], [p + n],
                           perm=[0, 2, 1, 3])]
        pk, pv = f"past_key_{i}", f"past_value_{i}"
        sk, sv = ((f"present_key_{i}", f"present_value_{i}") if output_present
                  else (p + "sk", p + "sv"))
        nodes += [
            node("TensorScatter", [pk, p + "k", "write_indices"], [sk],
                 axis=axis, mode=mode, name=p + "scatter_k"),
            node("TensorScatter", [pv, p + "v", "write_indices"], [sv],
                 axis=axis, mode=mode, name=p + "scatter_v"),
            node("Attention",
                 [p + "q", sk, sv, "", "", "", "nonpad_kv_seqlen"], [p + "y"],
                 is_causal=int(causal)),
            node("Transpose", [p + "y"], [p + "y1"], perm=[0, 2, 1, 3]),
            node("Reshape", [p + "y1", "merged"], [p + "y2"]),
            node("MatMul", [p + "y2", p + "Wo"], [p + "o"]),
            node("Add", [h, p + "o"], [p + "h1"]),
            node("LayerNormalization", [p + "h1", "ln_s", "ln_b"],
                 [p + "x2"], axis=-1),
            node("MatMul", [p + "x2", p + "W1"], [p + "m1"]),
            node("Relu", [p + "m1"], [p + "m2"]),
            node("MatMul", [p + "m2", p + "W2"], [p + "m3"]),
            node("Add", [p + "h1", p + "m3"], [p + "h2"])]
        h = p + "h2"
        inputs += [cache(pk), cache(pv)]
        if output_present:
            outputs += [cache(sk), cache(sv)]
    weight("Wlm", (HIDDEN, VOCAB))
    nodes += [node("LayerNormalization", [h, "ln_s", "ln_b"], ["hf"],
                   axis=-1),
              node("MatMul", ["hf", "Wlm"], ["logits"])]
    inputs += [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch"])
               for n in ("write_indices", "nonpad_kv_seqlen")]
    graph = helper.make_graph(nodes, "scatter_lm", inputs, outputs, inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 24)])
    model.ir_version = 10
    onnx.save(model, str(path))
    return path


CACHES = [f"past_{kv}_{i}" for i in range(LAYERS) for kv in ("key", "value")]


class Reference:
    """onnxruntime running the graph one call at a time, its present
    buffers fed back as the next call's past."""

    def __init__(self, path, cache_len, batch=1):
        ort = pytest.importorskip("onnxruntime")
        so = ort.SessionOptions()
        so.log_severity_level = 3  # TensorScatter's copy warnings
        self.sess = ort.InferenceSession(str(path), so,
                                         providers=["CPUExecutionProvider"])
        self.caches = {n: np.zeros((batch, KV_HEADS, cache_len, HEAD),
                                   np.float32) for n in CACHES}
        self.p = 0

    def step(self, ids):
        ids = np.asarray(ids, np.int64)
        b, t = ids.shape
        feeds = {"input_ids": ids,
                 "position_ids": np.tile(np.arange(self.p, self.p + t),
                                         (b, 1)).astype(np.int64),
                 "write_indices": np.full(b, self.p, np.int64),
                 "nonpad_kv_seqlen": np.full(b, self.p + t, np.int64),
                 **self.caches}
        out = self.sess.run(None, feeds)
        self.caches = dict(zip(CACHES, out[1:]))
        self.p += t
        return out[0][:, -1]  # [B, V]: the logits after the last token


def compile_gen(out, model, *args):
    r = subprocess.run([str(SEQC), str(model), "-o", str(out),
                        *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def compile_error(tmp_path, model, *args):
    out = tmp_path / "bad.so"
    r = subprocess.run([str(SEQC), str(model), "-o", str(out),
                        *map(str, args)], capture_output=True, text=True)
    assert r.returncode != 0, r.stdout
    assert "PLEASE submit a bug report" not in r.stderr, r.stderr
    assert not out.exists()
    return r.stderr


PROMPT = [3, 17, 5, 9, 40, 61, 2, 88, 11, 30, 7]


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    d = tmp_path_factory.mktemp("scatter")
    model = scatter_lm(d / "lm.onnx")
    # Chunks of 4: the 11-token prompt is 4 + 4 + a padded 3.
    so = compile_gen(d / "lm.so", model, "--max-seq-len", 128,
                     "--prefill-chunk", 4)
    return model, so


def test_greedy_matches_onnxruntime(lm):
    """20 greedy tokens equal the step-by-step onnxruntime loop on the same
    graph; the logits of every step match at rtol 1e-4."""
    model, so = lm
    ref = Reference(model, 128)
    logits = [ref.step([PROMPT])[0]]
    tokens = []
    for _ in range(20):
        tokens.append(int(logits[-1].argmax()))
        logits.append(ref.step([[tokens[-1]]])[0])
    with seqc.load(so) as art:
        assert art.generate(PROMPT, max_new_tokens=20) == tokens
        with art.session() as s:
            got = [s.prefill(PROMPT)[0]]
            for tok in tokens:
                got.append(s.decode([tok])[0])
    for step, (g, r) in enumerate(zip(got, logits)):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4 * abs(r).max(),
                                   err_msg=f"step {step}")


def test_seq_run_generate(lm):
    model, so = lm
    ref = Reference(model, 128)
    logits, tokens = ref.step([PROMPT])[0], []
    for _ in range(12):
        tokens.append(int(logits.argmax()))
        logits = ref.step([[tokens[-1]]])[0]
    r = subprocess.run([str(SEQ_RUN), str(so), "--prompt",
                        ",".join(map(str, PROMPT)), "--generate", "12"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert [int(t) for t in lines[0].split(",")] == tokens
    assert re.match(r"prefill [\d.]+ ms, decode [\d.]+ ms/token", lines[-1])


def test_batch_of_two(tmp_path):
    """--batch 2: both rows (equal lengths) step together and match the
    batched onnxruntime loop; rows of different lengths are refused."""
    model = scatter_lm(tmp_path / "lm.onnx")
    so = compile_gen(tmp_path / "lm2.so", model, "--max-seq-len", 64,
                     "--batch", 2, "--prefill-chunk", 8)
    prompts = np.array([PROMPT[:6], PROMPT[5:11]])
    ref = Reference(model, 64, batch=2)
    with seqc.load(so) as art, art.session(batch=2) as s:
        got, want = s.prefill(prompts), ref.step(prompts)
        for _ in range(8):
            np.testing.assert_allclose(got, want, rtol=1e-4,
                                       atol=1e-4 * abs(want).max())
            tok = want.argmax(-1)
            got, want = s.decode(tok), ref.step(tok[:, None])
        # Rows of different lengths would need per-row write_indices (or a
        # mask for left padding): refused, never a wrong row.
        with pytest.raises(seqc.SeqcError, match="rows of different lengths"):
            art.generate([PROMPT[:6], PROMPT[:3]], max_new_tokens=4)


def test_fixed_cache_length(tmp_path):
    """A graph whose buffers have a fixed length compiles at exactly that
    --max-seq-len (the session's caches hold max_len positions)."""
    model = scatter_lm(tmp_path / "fixed.onnx", cache_len=64)
    so = compile_gen(tmp_path / "fixed.so", model, "--max-seq-len", 64)
    ref = Reference(model, 64)
    logits, tokens = ref.step([PROMPT])[0], []
    for _ in range(10):
        tokens.append(int(logits.argmax()))
        logits = ref.step([[tokens[-1]]])[0]
    with seqc.load(so) as art:
        assert art.generate(PROMPT, max_new_tokens=10) == tokens
    err = compile_error(tmp_path, model, "--max-seq-len", 128)
    assert "'past_key_0' holds 64 positions" in err, err


def test_present_is_no_copy(lm, tmp_path):
    """The present outputs disappear (only logits is returned), the scatters
    become in-place appends at the session's position, attention reads
    kv_seqlen, and after bufferization no buffer of a cache's size
    (1x2x128x16) is allocated or copied from."""
    model, _ = lm
    r = subprocess.run([str(SEQC), str(model), "--max-seq-len", "128",
                        "--emit=seq"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    main = next(line for line in r.stdout.splitlines() if "func.func @main" in line)
    ret = main.split(") -> ")[1]
    assert ret.count("seq.name") == 1 and '"logits"' in ret, main
    assert "write_indices" not in main and "nonpad_kv_seqlen" not in main
    assert main.count('seq.role = "cache"') == 2 * LAYERS, main
    assert r.stdout.count("seq.kv_cache_append") == 2 * LAYERS
    assert "seq.scatter_elements" not in r.stdout
    assert len(re.findall(r"seq\.attention .* kv_seqlen ", r.stdout)) == LAYERS
    r = subprocess.run([str(SEQC), str(model), "--max-seq-len", "128",
                        "-o", str(tmp_path / "x.so"),
                        "--mlir-print-ir-after=one-shot-bufferize"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ir = r.stderr.split("one-shot-bufferize")[1]  # the decode step
    assert not re.search(r"memref\.alloc\(\) [^\n]*: memref<1x2x128x16xf32>", ir)
    for line in ir.splitlines():
        if "memref.copy" in line:
            src = line.split(":")[1].split(" to ")[0]
            assert "128x16" not in src, line


def test_scatter_stays_generic_without_max_seq_len(tmp_path):
    """Compiled as a plain forward pass (no --max-seq-len), the same graph
    keeps its TensorScatter and present outputs and matches onnxruntime."""
    model = scatter_lm(tmp_path / "lm.onnx", cache_len=64)
    art = seqc.compile(model, tmp_path / "plain.so", load=True,
                       extra_args=["--dim", "batch=1", "--dim", "seq=3"])
    ref = Reference(model, 64)
    ref.step([PROMPT[:4]])
    past = dict(ref.caches)
    want_logits = ref.step([PROMPT[4:7]])
    feeds = {"input_ids": np.array([PROMPT[4:7]], np.int64),
             "position_ids": np.array([[4, 5, 6]], np.int64),
             "write_indices": np.array([4], np.int64),
             "nonpad_kv_seqlen": np.array([7], np.int64), **past}
    with art:
        got = art.run(**feeds)
    np.testing.assert_allclose(got[0][:, -1], want_logits, rtol=1e-4,
                               atol=1e-5)
    for name, g in zip(CACHES, got[1:]):
        np.testing.assert_allclose(g, ref.caches[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    ({"mode": "circular"},
     "TensorScatter 'l0_scatter_k' writes the cache 'past_key_0' in mode "
     "'circular'"),
    ({"axis": 3}, "TensorScatter 'l0_scatter_k' writes 'past_key_0' along "
     "axis 3"),
    ({"output_present": False},
     "the TensorScatter into 'past_key_0' is not a KV-cache write: its result "
     "is not a graph output"),
])
def test_unsupported_scatters_are_errors(tmp_path, kwargs, message):
    """A ring buffer, a scatter along another axis, or a scattered buffer
    that is not returned cannot be the session's cache: a compile error
    naming the node or input, never a wrong result."""
    model = scatter_lm(tmp_path / "bad.onnx", **kwargs)
    err = compile_error(tmp_path, model, "--max-seq-len", 64)
    assert message in err, err


def test_non_causal_needs_single_token_steps(tmp_path):
    """Attention without is_causal over the static cache: a prefill chunk
    would let tokens see later ones and the chunk's padding, so chunks are
    refused; one token a step (--prefill-chunk 1) is exact."""
    model = scatter_lm(tmp_path / "nc.onnx", causal=False)
    err = compile_error(tmp_path, model, "--max-seq-len", 64,
                        "--prefill-chunk", 4)
    assert "attention over the static cache 'past_key_0' is not causal" in err
    so = compile_gen(tmp_path / "nc.so", model, "--max-seq-len", 64,
                     "--prefill-chunk", 1)
    ref = Reference(model, 64)
    for tok in PROMPT:
        logits = ref.step([[tok]])[0]
    tokens = []
    for _ in range(10):
        tokens.append(int(logits.argmax()))
        logits = ref.step([[tokens[-1]]])[0]
    with seqc.load(so) as art:
        assert art.generate(PROMPT, max_new_tokens=10) == tokens


@pytest.mark.parametrize("layout", ["paged", "kv8"])
def test_cache_layouts(tmp_path, layout):
    """Static caches in the other cache layouts: paged (--kv-block-size 16)
    generates onnxruntime's tokens exactly; int8 caches (--quantize=kv8)
    follow onnxruntime's logits teacher-forced within 2e-2 of their range."""
    model = scatter_lm(tmp_path / "lm.onnx")
    args = ["--kv-block-size", 16] if layout == "paged" else ["--quantize=kv8"]
    so = compile_gen(tmp_path / "lm.so", model, "--max-seq-len", 128,
                     "--prefill-chunk", 4, *args)
    ref = Reference(model, 128)
    logits = [ref.step([PROMPT])[0]]
    tokens = []
    for _ in range(20):
        tokens.append(int(logits[-1].argmax()))
        logits.append(ref.step([[tokens[-1]]])[0])
    with seqc.load(so) as art, art.session() as s:
        got = [s.prefill(PROMPT)[0]] + [s.decode([t])[0] for t in tokens]
        if layout == "paged":
            assert art.generate(PROMPT, max_new_tokens=20) == tokens
    tol = 1e-4 if layout == "paged" else 2e-2
    for step, (g, r) in enumerate(zip(got, logits)):
        err = np.abs(g - r).max() / np.abs(r).max()
        assert err < tol, (step, err)
