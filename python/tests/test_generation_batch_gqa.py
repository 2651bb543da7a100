"""Per-row lengths for GroupQueryAttention models (issue #13,
docs/generation.md "Batches"): onnxruntime-genai builds read
attention_mask as a length per row (seqlens_k = ReduceSum(mask) - 1), and
seq-kv-cache-state writes each row's new K/V at its own kv_seqlen - T
(seq.kv_cache_append with an i64 [B] position; desc `mask rows`). Rows of
different lengths are right-padded; a batch of 3 prompts of different
lengths must give each prompt's batch-1 greedy ids and logits.
Tests need ../shared/models/llama_og_fp32 and skip with a message without it.
"""
import json
import subprocess

import numpy as np
import pytest

import seqc
from conftest import REPO, SHARED

SEQC = REPO / "build" / "bin" / "seqc"
OG = SHARED / "models" / "llama_og_fp32"


def need(path):
    if not path.exists():
        pytest.skip(f"{path} not found (the shared test material is absent)")


def compile_gen(out, *args):
    r = subprocess.run([str(SEQC), str(OG / "model.onnx"), "-o", str(out),
                        *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def og3(tmp_path_factory):
    """llama_og_fp32 for batch 3; --prefill-chunk 8 adds a T=8 variant, so
    the padded prefill runs in chunks (12 = 8 + 3 + the per-row step)."""
    need(OG)
    d = tmp_path_factory.mktemp("gqa")
    so = compile_gen(d / "og3.so", "--max-seq-len", 128, "--batch", 3,
                     "--prefill-chunk", 8)
    g = json.loads((OG / "generate.json").read_text())
    p = g["prompt"]
    # Three lengths (12, 5, 8), the longest not first.
    prompts = [p[:5], p, p[3:11]]
    with seqc.load(so) as art:
        yield art, so, g, prompts


def test_desc_marks_per_row_masks(og3):
    _, so, _, _ = og3
    data = so.read_bytes()
    assert b"in 0 1 mask rows\n" in data and b"in 1 1 mask rows\n" in data
    assert b"mask pad" not in data


def test_ragged_greedy_equals_each_alone(og3):
    art, _, g, prompts = og3
    rows = art.generate(prompts, max_new_tokens=20, eos_id=-2)
    assert rows[1] == g["greedy"]
    with art.session(batch=1) as s:
        for q, r in zip(prompts, rows):
            s.reset()
            assert s.generate(q, 20, eos_id=-2) == r
    # Not a trivial pass: the three rows differ.
    assert len({tuple(r) for r in rows}) == 3


def test_ragged_logits_and_row_lengths(og3):
    """Prefill logits of each row (at its own last token) and three decode
    steps' logits equal the row's batch-1 logits."""
    art, _, _, prompts = og3
    alone = []
    with art.session(batch=1) as s:
        for q in prompts:
            s.reset()
            steps = [s.prefill(np.array([q]))[0].copy()]
            for _ in range(3):
                t = int(np.argmax(steps[-1]))
                steps.append(s.decode(np.array([t]))[0].copy())
            alone.append(steps)
    with art.session(batch=3) as s:
        got = [s.prefill_rows(prompts).copy()]
        assert [s.row_length(b) for b in range(3)] == list(map(len, prompts))
        for i in range(3):
            t = np.array([int(np.argmax(got[-1][b])) for b in range(3)])
            got.append(s.decode(t).copy())
        assert [s.row_length(b) for b in range(3)] == [
            len(q) + 3 for q in prompts]
    for b in range(3):
        for i in range(4):
            np.testing.assert_allclose(got[i][b], alone[b][i], rtol=1e-4,
                                       atol=1e-4, err_msg=f"row {b} step {i}")


def test_ragged_needs_empty_session(og3):
    art, _, _, prompts = og3
    with art.session(batch=3) as s:
        s.prefill_rows([prompts[0]] * 3)
        with pytest.raises(seqc.SeqcError, match="need an empty session"):
            s.prefill_rows(prompts)
        assert [s.row_length(b) for b in range(3)] == [5, 5, 5]


def test_paged_keeps_one_position(tmp_path):
    """A paged cache appends at one position: ragged rows stay refused
    with a message, equal rows generate."""
    need(OG)
    so = compile_gen(tmp_path / "og2p.so", "--max-seq-len", 128, "--batch",
                     2, "--kv-block-size", 16)
    data = so.read_bytes()
    assert b"in 0 1 mask\n" in data and b"mask rows" not in data
    g = json.loads((OG / "generate.json").read_text())
    with seqc.load(so) as art:
        with pytest.raises(seqc.SeqcError, match="reads it as a valid length"):
            art.generate([g["prompt"], g["prompt"][:5]], max_new_tokens=4)
        rows = art.generate([g["prompt"], g["prompt"]], max_new_tokens=20,
                            eos_id=-2)
        assert rows == [g["greedy"], g["greedy"]]


def test_ragged_kv8(tmp_path):
    """--quantize=kv8 keeps the per-row positions (the int8 values and
    their scales are appended per row): each row of a ragged batch gives
    the kv8 artifact's batch-1 greedy ids."""
    need(OG)
    so = compile_gen(tmp_path / "og3kv8.so", "--max-seq-len", 128, "--batch",
                     3, "--quantize=kv8")
    assert b"in 0 1 mask rows\n" in so.read_bytes()
    g = json.loads((OG / "generate.json").read_text())
    p = g["prompt"]
    prompts = [p[:5], p, p[3:11]]
    with seqc.load(so) as art:
        rows = art.generate(prompts, max_new_tokens=12, eos_id=-2)
        with art.session(batch=1) as s:
            for q, r in zip(prompts, rows):
                s.reset()
                assert s.generate(q, 12, eos_id=-2) == r


def test_ragged_then_multi_token_append(og3):
    """After a ragged prefill, 4 more tokens per row in one call (the T=8
    chunk variant, padded): each row writes at its own position and its
    causal offset is its own kv_seqlen - T; logits equal the row's batch-1
    prefill of prompt + the 4 tokens."""
    art, _, _, prompts = og3
    extra = [7, 91, 300, 12]
    with art.session(batch=3) as s:
        s.prefill_rows(prompts)
        got = s.prefill(np.array([extra] * 3)).copy()
        assert [s.row_length(b) for b in range(3)] == [
            len(q) + 4 for q in prompts]
    with art.session(batch=1) as s:
        for b, q in enumerate(prompts):
            s.reset()
            want = s.prefill(np.array([q + extra]))[0]
            np.testing.assert_allclose(got[b], want, rtol=1e-4, atol=1e-4,
                                       err_msg=f"row {b}")
