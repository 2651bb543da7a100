"""onnxruntime-genai int4 builds (MatMulNBits block 32, accuracy_level 4,
GatherBlockQuantized embeddings) against their shipped onnxruntime
references: llama_og_int4 (random weights) and seedlm/og_int4 (trained).

seqc computes MatMulNBits like onnxruntime's accuracy level 4 (activations
quantized to int8 per row and block of 32), so the logits match to f32
rounding, except where one activation lands on the other side of an int8
rounding boundary (seedlm's 16-token prefill: one element in layer 3 at
position 4, 0.034 on logits up to 13, every top-1 unchanged)."""
import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import seqc
from conftest import SHARED

MODELS = SHARED / "models"


def load_set(d):
    ins = {}
    for f in sorted(d.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[1])):
        t = onnx.load_tensor(str(f))
        ins[t.name] = numpy_helper.to_array(t)
    outs = [numpy_helper.to_array(onnx.load_tensor(str(f)))
            for f in sorted(d.glob("output_*.pb"), key=lambda p: int(p.stem.split("_")[1]))]
    return ins, outs


@pytest.mark.parametrize("model,tset,atol", [
    ("llama_og_int4", 0, 1e-4), ("llama_og_int4", 1, 1e-4),
    ("seedlm/og_int4", 0, 0.05), ("seedlm/og_int4", 1, 1e-4)])
def test_og_int4(tmp_path, model, tset, atol):
    d = MODELS / model
    if not d.exists():
        pytest.skip(f"{d} not found (../shared is not available)")
    ins, outs = load_set(d / f"test_data_set_{tset}")
    seq, past = ins["input_ids"].shape[1], ins["past_key_values.0.key"].shape[2]
    dims = {"batch_size": 1, "sequence_length": seq, "past_sequence_length": past,
            "total_sequence_length": seq + past}
    args = [x for k, v in dims.items() for x in ("--dim", f"{k}={v}")]
    art = seqc.compile(d / "model.onnx", tmp_path / "m.so", extra_args=args, load=True)
    got = art.run(**ins)
    for g, w in zip(got, outs):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=atol)
    logits = got[0].reshape(-1, got[0].shape[-1])
    ref = outs[0].reshape(-1, outs[0].shape[-1])
    assert (logits.argmax(-1) == ref.argmax(-1)).all()


def ort_greedy_steps(model_dir, prompt, tokens):
    """onnxruntime teacher-forced on `tokens` (the model's own greedy tokens,
    as onnxruntime-genai 0.18 produces them, bit for bit): the logits of
    each step and the feeds of each step."""
    ort = pytest.importorskip("onnxruntime")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(model_dir / "model.onnx"), so,
                                providers=["CPUExecutionProvider"])
    ins = [i.name for i in sess.get_inputs()]
    outs = [o.name for o in sess.get_outputs()]
    past = {n: np.zeros((1, 2, 0, 16), np.float32) for n in ins if n.startswith("past")}
    ids, n, logits, feeds_per_step = np.array([prompt], np.int64), len(prompt), [], []
    for t in tokens:
        feeds = {"input_ids": ids, "attention_mask": np.ones((1, n), np.int64), **past}
        res = dict(zip(outs, sess.run(None, feeds)))
        logits.append(res["logits"][0, -1])
        feeds_per_step.append(feeds)
        past = {k: res[k.replace("past_key_values", "present")] for k in past}
        ids, n = np.array([[t]], np.int64), n + 1
    return np.stack(logits), feeds_per_step


def test_og_int4_generate(tmp_path):
    """llama_og_int4's generate.json through a generation artifact: all 20
    greedy tokens of onnxruntime-genai. Step 9 is a near tie (onnxruntime's
    top two, tokens 18 and 432, are 1.6e-3 apart on random weights) that one
    int8 activation rounding the other way used to flip (8/20 tokens):
    MatMulNBits accuracy_level 4 now adds in MLAS's AVX-512 VNNI order
    (seq.quant_matmul {mlas_order}), bit for bit onnxruntime's result
    (test_quant_mlas_order.py), so the KV cache that step reads differs from
    onnxruntime's only by the other ops' ulps (RMSNorm, rotary, attention,
    SkipSimplifiedLayerNormalization; bench/og_int4_first_diff.py).
    Teacher-forced on onnxruntime's tokens, the logits of 19 of the 20 steps
    are within 1e-6 of onnxruntime's (3.6e-7 measured); at step 19 one int8
    activation still lands on the other side of a rounding boundary (1.6e-3,
    4.0e-2 below that step's top-1 margin). Same with 1 and 2 threads."""
    import json
    import subprocess
    d = MODELS / "llama_og_int4"
    if not d.exists():
        pytest.skip(f"{d} not found (../shared is not available)")
    g = json.loads((d / "generate.json").read_text())
    prompt, greedy = g["prompt"], g["greedy"]
    assert len(greedy) == 20
    so = tmp_path / "gen.so"
    r = subprocess.run([seqc.find_tool("seqc"), str(d / "model.onnx"), "--max-seq-len",
                        "64", "-o", str(so)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    want, _ = ort_greedy_steps(d, prompt, greedy)
    for threads in (1, 2):
        with seqc.load(so, threads=threads) as art:
            assert art.generate(prompt, max_new_tokens=20) == greedy, f"threads={threads}"
            s = art.session()
            got = [s.prefill(prompt)[0]] + [s.decode([t])[0] for t in greedy[:-1]]
        got = np.stack(got)
        err = np.abs(got - want).max(-1)
        assert (err <= 1e-6).sum() >= 19, err
        assert err.max() < 5e-3, err
        assert (got.argmax(-1) == np.array(greedy)).all()
