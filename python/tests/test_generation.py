"""Generation artifacts (`seqc --max-seq-len`, lib/Driver/Generation.cpp):
the decode step compiled around a KV cache the artifact's sessions own.

* Token-exact greedy generation: ../shared/models/qwen2_gen (decode step,
  with and without its separate prefill graph) reproduces the 20 tokens of
  transformers' `generate`; llama_og_fp32 (one onnxruntime-genai model for
  prefill and decode) reproduces onnxruntime-genai's 20 tokens. Through
  `seq-run --generate` and through Python's `Artifact.generate`.
* No copies: after bufferization no buffer of the cache's size is
  allocated or copied; a step copies only its new rows into the cache.
* Bad input: clear compile errors, SEQC_ERR_ARGUMENT at run time.
Skipped with a message when ../shared is absent.
"""
import json
import re
import subprocess

import pytest

import seqc

from conftest import REPO, SHARED

SEQC = REPO / "build" / "bin" / "seqc"
SEQ_RUN = REPO / "build" / "bin" / "seq-run"
QWEN = SHARED / "models" / "qwen2_gen"
OG = SHARED / "models" / "llama_og_fp32"


def need(path):
    if not path.exists():
        pytest.skip(f"{path} not found (the shared test material is absent)")


def compile_gen(out, model, *args):
    r = subprocess.run([str(SEQC), str(model), "-o", str(out), *map(str, args)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def seq_run_generate(so, prompt, n):
    r = subprocess.run([str(SEQ_RUN), str(so), "--prompt",
                        ",".join(map(str, prompt)), "--generate", str(n)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert re.match(r"prefill [\d.]+ ms, decode [\d.]+ ms/token \([\d.]+ tok/s\)",
                    lines[-1]), r.stdout
    return [int(t) for t in lines[0].split(",")]


@pytest.fixture(scope="module")
def qwen_decode_only(tmp_path_factory):
    need(QWEN)
    return compile_gen(tmp_path_factory.mktemp("gen") / "qwen.so",
                       QWEN / "decode" / "model.onnx", "--max-seq-len", 64)


@pytest.fixture(scope="module")
def qwen_with_prefill(tmp_path_factory):
    need(QWEN)
    return compile_gen(tmp_path_factory.mktemp("gen") / "qwen_p.so",
                       QWEN / "decode" / "model.onnx", "--max-seq-len", 64,
                       "--prefill", QWEN / "prefill" / "model.onnx",
                       "--prefill-chunk", 16)


@pytest.fixture(scope="module")
def og(tmp_path_factory):
    need(OG)
    return compile_gen(tmp_path_factory.mktemp("gen") / "og.so",
                       OG / "model.onnx", "--max-seq-len", 128,
                       "--prefill-chunk", 8, "--eos", 2)


def reference(model_dir):
    g = json.loads((model_dir / "generate.json").read_text())
    return g["prompt"], g["greedy"]


def test_qwen2_decode_only_greedy(qwen_decode_only):
    prompt, greedy = reference(QWEN)
    # Token by token through the T = 1 decode step.
    assert seq_run_generate(qwen_decode_only, prompt, 20) == greedy


def test_qwen2_with_prefill_greedy(qwen_with_prefill):
    prompt, greedy = reference(QWEN)
    assert seq_run_generate(qwen_with_prefill, prompt, 20) == greedy
    with seqc.load(qwen_with_prefill) as art:
        assert art.generate(prompt, max_new_tokens=20) == greedy
        streamed = list(art.stream(prompt, max_new_tokens=20))
        assert streamed == greedy


def test_llama_og_greedy(og):
    # The 12-token prompt spans two 8-token prefill chunks (the second
    # padded), then 20 decode steps.
    prompt, greedy = reference(OG)
    assert seq_run_generate(og, prompt, 20) == greedy
    with seqc.load(og) as art:
        assert art.generate(prompt, max_new_tokens=20, eos_id=-2) == greedy


def test_sessions_are_independent(og):
    prompt, greedy = reference(OG)
    with seqc.load(og) as art:
        a, b = art.session(), art.session()
        a.prefill(prompt)
        b.prefill(prompt[:5])
        la = a.decode([greedy[0]])
        lb = b.decode([prompt[5]])
        assert int(la.argmax()) == greedy[1]
        assert len(a) == len(prompt) + 1 and len(b) == 6
        a.close()
        b.close()


def test_bad_calls_are_argument_errors(og):
    prompt, _ = reference(OG)
    with seqc.load(og) as art:
        s = art.session()
        with pytest.raises(seqc.SeqcError, match="vocab|range"):
            s.prefill([600])
        with pytest.raises(seqc.SeqcError, match="do not fit"):
            s.prefill(list(range(129)))
        s.close()
        with pytest.raises(seqc.SeqcError):
            s.decode([1])


def test_step_copies_no_cache(tmp_path):
    """After bufferization, no buffer of the cache's size (1x2x64x32) is
    allocated, and the only copies into cache views are the step's rows."""
    need(QWEN)
    r = subprocess.run([str(SEQC), str(QWEN / "decode" / "model.onnx"),
                        "--max-seq-len", "64", "-o", str(tmp_path / "x.so"),
                        "--mlir-print-ir-after=one-shot-bufferize"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ir = r.stderr
    assert "memref.copy" in ir  # the new rows
    assert not re.search(r"memref\.alloc\(\) [^\n]*: memref<1x2x64x32xf32>", ir)
    for line in ir.splitlines():
        if "memref.copy" in line:
            src = line.split(":")[1].split(" to ")[0]
            assert "64x32" not in src, line


@pytest.mark.parametrize("args,message", [
    (["--max-seq-len", "100"], "multiple of 64"),
    (["--prefill", "x.onnx"], "--prefill needs --max-seq-len"),
])
def test_compile_errors(tmp_path, args, message):
    need(QWEN)
    out = tmp_path / "bad.so"
    r = subprocess.run([str(SEQC), str(QWEN / "decode" / "model.onnx"), "-o",
                        str(out), *args], capture_output=True, text=True)
    assert r.returncode != 0 and message in r.stderr, r.stderr
    assert not out.exists()


def test_model_without_past_is_rejected(tmp_path):
    need(QWEN)
    out = tmp_path / "bad.so"
    r = subprocess.run([str(SEQC), str(QWEN / "prefill" / "model.onnx"),
                        "--max-seq-len", "64", "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "no past input" in r.stderr, r.stderr
    assert not out.exists()


def attention23_lm(path, vocab=32, heads=2, d=8):
    """A tiny LM around ONNX Attention (opset 23) with past_key/past_value:
    ids -> embedding -> Q/K/V -> Attention(past) -> logits."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    hd = heads * d
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
             for n, s in [("E", (vocab, hd)), ("Wq", (hd, hd)), ("Wk", (hd, hd)),
                          ("Wv", (hd, hd)), ("Wo", (hd, vocab))]]
    inits.append(numpy_helper.from_array(np.array([1, -1, heads, d], np.int64), "heads"))
    inits.append(numpy_helper.from_array(np.array([1, -1, hd], np.int64), "merged"))
    nodes = [helper.make_node("Gather", ["E", "input_ids"], ["x"])]
    for n in "qkv":
        nodes += [helper.make_node("MatMul", ["x", f"W{n}"], [f"{n}0"]),
                  helper.make_node("Reshape", [f"{n}0", "heads"], [f"{n}1"]),
                  helper.make_node("Transpose", [f"{n}1"], [n], perm=[0, 2, 1, 3])]
    nodes += [
        helper.make_node("Attention", ["q", "k", "v", "", "past_key", "past_value"],
                         ["y", "present_key", "present_value"]),
        helper.make_node("Transpose", ["y"], ["y1"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["y1", "merged"], ["y2"]),
        helper.make_node("MatMul", ["y2", "Wo"], ["logits"])]
    past = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, heads, "past", d])
    pres = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, heads, "total", d])
    g = helper.make_graph(
        nodes, "attn23_lm",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "seq"]),
         past("past_key"), past("past_value")],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, "seq", vocab]),
         pres("present_key"), pres("present_value")], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])
    m.ir_version = 10
    onnx.save(m, path)
    return vocab, heads, d


def test_opset23_attention_with_past(tmp_path):
    """Form 2 of the issue: ONNX Attention with past_key/past_value. One
    token a step (no causal mask needed), greedy, against onnxruntime
    running the same graph with its past fed back."""
    import numpy as np
    ort = pytest.importorskip("onnxruntime")
    model = tmp_path / "lm.onnx"
    vocab, heads, d = attention23_lm(str(model))
    so = compile_gen(tmp_path / "lm.so", model, "--max-seq-len", 64,
                     "--prefill-chunk", 1)
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    pk = np.zeros((1, heads, 0, d), np.float32)
    pv = pk.copy()
    prompt = [3, 17, 5, 9]
    tokens, out = list(prompt), []
    for step in range(len(prompt) + 10):
        ids = np.array([[tokens[step]]], np.int64)
        logits, pk, pv = sess.run(None, {"input_ids": ids, "past_key": pk,
                                         "past_value": pv})
        if step >= len(prompt) - 1:
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            tokens.append(nxt)
    out = out[:10]
    assert seq_run_generate(so, prompt, 10) == out


def test_batch_of_two(og, tmp_path):
    """--batch 2: two sequences of equal length step together; each row
    generates what it generates alone (the EOS id comes from
    genai_config.json)."""
    import numpy as np
    prompt, greedy = reference(OG)
    other = list(reversed(prompt))
    so2 = compile_gen(tmp_path / "og2.so", OG / "model.onnx", "--max-seq-len",
                      128, "--batch", 2)
    with seqc.load(so2) as art, art.session(batch=2) as s:
        logits = s.prefill(np.array([prompt, other]))
        rows = [[], []]
        for _ in range(20):
            tok = logits.argmax(-1)
            for b in range(2):
                rows[b].append(int(tok[b]))
            logits = s.decode(tok)
    assert rows[0] == greedy
    with seqc.load(og) as art:
        assert art.generate(other, max_new_tokens=20, eos_id=-2) == rows[1]


@pytest.mark.parametrize("which", ["qwen2", "og"])
def test_paged_cache_layout(tmp_path, which):
    """--kv-block-size 16: paged caches (block pools + a block table the
    session fills) give the same tokens as the contiguous layout."""
    if which == "qwen2":
        need(QWEN)
        prompt, greedy = reference(QWEN)
        so = compile_gen(tmp_path / "p.so", QWEN / "decode" / "model.onnx",
                         "--max-seq-len", 64, "--prefill",
                         QWEN / "prefill" / "model.onnx", "--prefill-chunk", 16,
                         "--kv-block-size", 16)
    else:
        need(OG)
        prompt, greedy = reference(OG)
        so = compile_gen(tmp_path / "p.so", OG / "model.onnx", "--max-seq-len",
                         128, "--prefill-chunk", 8, "--kv-block-size", 16)
    assert seq_run_generate(so, prompt, 20) == greedy
