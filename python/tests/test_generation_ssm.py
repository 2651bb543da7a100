"""Generation artifacts whose session owns recurrent states (issue #15):
the gated-delta-rule test LM of ssm_lm.py (CausalConvWithState +
LinearAttention with past_state in / present_state out, opset 27) compiled
with `seqc --max-seq-len`. seq-ssm-state makes each past_state a session
buffer updated in place; present_state is no output of the artifact.

* Greedy generation of 20 tokens equals the float64 numpy reference loop
  (and onnxruntime's, which runs opset-27 LinearAttention); logits at rtol
  1e-4, through chunked prefill (chunks of 16, the rest as decode steps:
  a state takes in every position, so chunks are never padded).
* Reset zeroes the states; two sessions are independent.
* A prefill graph without past states (--prefill) fills them.
No shared test material needed: the model is generated (fixed seed).
"""
import subprocess

import numpy as np
import onnx
import pytest

import seqc
import ssm_lm

from conftest import REPO

SEQC = REPO / "build" / "bin" / "seqc"
SEQ_RUN = REPO / "build" / "bin" / "seq-run"
PROMPT = [(7 * i + 3) % 256 for i in range(37)]  # 2 chunks of 16 + 5 steps
N_NEW = 20


def compile_gen(out, model, *args):
    r = subprocess.run([str(SEQC), str(model), "-o", str(out),
                        *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    d = tmp_path_factory.mktemp("ssm")
    onnx.save(ssm_lm.make_model(), d / "lm.onnx")
    onnx.save(ssm_lm.make_model(past=False), d / "prefill.onnx")
    return d


@pytest.fixture(scope="module")
def gen(lm):
    so = compile_gen(lm / "gen.so", lm / "lm.onnx", "--max-seq-len", 128,
                     "--prefill-chunk", 16)
    return seqc.load(so, threads=2)


@pytest.fixture(scope="module")
def weights():
    return ssm_lm.make_weights()


@pytest.fixture(scope="module")
def reference(weights):
    return ssm_lm.greedy_reference(weights, PROMPT, N_NEW)


def test_states_are_no_outputs(gen):
    # Only the logits remain; the states are inputs the session owns.
    assert [o.name for o in gen.outputs] == ["logits"]
    names = [i.name for i in gen.inputs]
    assert names[0] == "input_ids"
    assert sorted(names[1:]) == sorted(
        f"past_{k}.{i}" for i in range(2) for k in ("conv", "state"))


def test_greedy_matches_reference(gen, reference):
    ids, _ = reference
    assert gen.generate(PROMPT, max_new_tokens=N_NEW) == ids


def test_greedy_matches_onnxruntime(lm, reference):
    ort = pytest.importorskip("onnxruntime")
    s = ort.InferenceSession(str(lm / "lm.onnx"),
                             providers=["CPUExecutionProvider"])
    feeds = ssm_lm.zero_states()
    ids, tokens = np.array([PROMPT]), []
    for _ in range(N_NEW):
        out = s.run(None, dict(input_ids=ids, **feeds))
        tokens.append(int(np.argmax(out[0][0, -1])))
        names = [o.name for o in s.get_outputs()][1:]
        feeds = {n.replace("present", "past"): v
                 for n, v in zip(names, out[1:])}
        ids = np.array([[tokens[-1]]])
    assert tokens == reference[0]


def test_logits_match_reference(gen, reference):
    ids, ref_logits = reference
    with gen.session() as s:
        got = [s.prefill(PROMPT)[0]]
        for t in ids[:-1]:
            got.append(s.decode([t])[0])
    assert len(got) == len(ref_logits)
    for i, (g, r) in enumerate(zip(got, ref_logits)):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4,
                                   err_msg=f"call {i}")


def test_reset_zeroes_states_and_sessions_are_independent(gen, reference):
    ids, ref_logits = reference
    with gen.session() as a, gen.session() as b:
        la = a.prefill(PROMPT)
        # b runs another prompt in between; a must not notice.
        b.prefill([5, 6, 7])
        b.decode([9])
        la2 = a.decode([ids[0]])
        np.testing.assert_allclose(la[0], ref_logits[0], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(la2[0], ref_logits[1], rtol=1e-4,
                                   atol=1e-4)
        # After reset, b computes exactly what a fresh session does.
        b.reset()
        assert len(b) == 0
        # (Not bit-exact when onnxruntime ran in this process: its threads
        # change the thread pool's timing; a state left over would differ
        # by far more.)
        lb = b.prefill(PROMPT)
        np.testing.assert_allclose(lb, la, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(b.decode([ids[0]]), la2, rtol=1e-6,
                                   atol=1e-6)


def test_prompt_lengths_and_chunks(gen, weights):
    # 1 token (decode step only), exactly one chunk, a chunk + 1.
    for n in (1, 16, 17):
        prompt = PROMPT[:n]
        ref, _ = ssm_lm.reference_step(weights, np.array([prompt]),
                                       ssm_lm.zero_states())
        with gen.session() as s:
            np.testing.assert_allclose(s.prefill(prompt)[0], ref[0, -1],
                                       rtol=1e-4, atol=1e-4,
                                       err_msg=f"prompt of {n}")


def test_fresh_prefill_graph(lm, reference):
    # --prefill: a graph without past states writes them at position 0.
    so = compile_gen(lm / "gen_p.so", lm / "lm.onnx", "--max-seq-len", 128,
                     "--prefill", lm / "prefill.onnx", "--prefill-chunk", 16)
    art = seqc.load(so, threads=2)
    assert [o.name for o in art.outputs] == ["logits"]
    assert art.generate(PROMPT, max_new_tokens=N_NEW) == reference[0]


def test_seq_run_generate(lm, gen, reference):
    r = subprocess.run([str(SEQ_RUN), str(lm / "gen.so"), "--prompt",
                        ",".join(map(str, PROMPT)), "--generate", str(N_NEW)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert [int(t) for t in r.stdout.splitlines()[0].split(",")] == \
        reference[0]


def test_state_raised_in_seq_ir(lm):
    r = subprocess.run([str(SEQC), str(lm / "lm.onnx"), "--max-seq-len", "128",
                        "--emit=seq"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('seq.role = "state"') == 4
    sig = next(l for l in r.stdout.splitlines() if "func.func @main" in l)
    assert "present" not in sig.split(") -> ")[1], sig  # no state output
    assert r.stdout.count("bufferization.materialize_in_destination") == 4


def test_unraised_state_is_an_error(lm, tmp_path):
    # present_state.0 = final state + 0 is no final state of a scan: the
    # past input keeps no role, which the compiler reports by name.
    m = ssm_lm.make_model()
    g = m.graph
    for n in g.node:
        for j, o in enumerate(n.output):
            if o == "present_state.0":
                n.output[j] = "fs0"
    g.node.append(onnx.helper.make_node("Add", ["fs0", "eps"],
                                        ["present_state.0"]))
    onnx.save(m, tmp_path / "bad.onnx")
    r = subprocess.run([str(SEQC), str(tmp_path / "bad.onnx"),
                        "--max-seq-len", "128", "-o", str(tmp_path / "b.so")],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "past_state.0" in r.stderr and "has no role" in r.stderr, r.stderr


@pytest.mark.parametrize("with_prefill", [False, True])
def test_hybrid_caches_and_states(tmp_path, with_prefill):
    # Layer 1 an ONNX Attention block with past_key/past_value: the session
    # owns two KV caches and two states; greedy ids and logits match.
    hyb = dict(attn_layers=(1,))
    onnx.save(ssm_lm.make_model(**hyb), tmp_path / "hyb.onnx")
    args = ["--max-seq-len", 128, "--prefill-chunk", 16]
    if with_prefill:
        onnx.save(ssm_lm.make_model(past=False, **hyb), tmp_path / "p.onnx")
        args += ["--prefill", tmp_path / "p.onnx"]
    art = seqc.load(compile_gen(tmp_path / "hyb.so", tmp_path / "hyb.onnx",
                                *args), threads=2)
    assert [o.name for o in art.outputs] == ["logits"]
    ids, ref_logits = ssm_lm.greedy_reference(ssm_lm.make_weights(), PROMPT,
                                              N_NEW, **hyb)
    assert art.generate(PROMPT, max_new_tokens=N_NEW) == ids
    with art.session() as s:
        got = [s.prefill(PROMPT)[0]] + [s.decode([t])[0] for t in ids[:-1]]
    for i, (g, r) in enumerate(zip(got, ref_logits)):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4,
                                   err_msg=f"call {i}")
