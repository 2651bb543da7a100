"""Generation batches with per-row lengths (issue #13, docs/generation.md
"Batches"): rows of different lengths are left-padded (attention_mask 0 on
the pad slots, position_ids counted from each row's first token) so that
every row appends at the same cache position.

* A small HF-style decoder (hf_lm.py, symbolic batch): a batch of 3 prompts
  of different lengths generates exactly the greedy (and seeded sampled)
  ids of each prompt alone; prefill and decode logits per row match
  onnxruntime running the same graph on the same padded inputs.
* ../shared/models/qwen2_gen (static batch 1): the batch API reproduces
  transformers' generate.json; --batch 3 is a compile error.
* llama_og_fp32 (GroupQueryAttention reads the mask as seqlens_k, a valid
  length): not left-padded (its rows are right-padded with per-row cache
  positions, test_generation_batch_gqa.py); equal rows generate.
* Bad calls are SEQC_ERR_ARGUMENT with a message.
Tests that need ../shared skip with a message when it is absent.
"""
import json
import re
import subprocess

import numpy as np
import pytest

import seqc
from conftest import REPO, SHARED
from hf_lm import hf_lm

SEQC = REPO / "build" / "bin" / "seqc"
SEQ_RUN = REPO / "build" / "bin" / "seq-run"
QWEN = SHARED / "models" / "qwen2_gen"
OG = SHARED / "models" / "llama_og_fp32"

PROMPTS = [[5, 17, 3, 40, 22, 9, 11], [8, 1, 30], [2, 44, 7, 7, 13]]


def need(path):
    if not path.exists():
        pytest.skip(f"{path} not found (the shared test material is absent)")


def compile_gen(out, model, *args):
    r = subprocess.run([str(SEQC), str(model), "-o", str(out),
                        *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    """The small LM compiled for batch 3; --max-seq-len 128 with
    --prefill-chunk 4 also gives a T=4 chunk variant (masked, so padded
    rows prefill in chunks)."""
    d = tmp_path_factory.mktemp("batch")
    model = d / "lm.onnx"
    cfg = hf_lm(str(model))
    so = compile_gen(d / "lm.so", model, "--max-seq-len", 128, "--batch", 3,
                     "--prefill-chunk", 4)
    art = seqc.load(so)
    yield art, model, so, cfg
    art.close()


def padded_inputs(prompts):
    """input_ids / attention_mask / position_ids of left-padded prompts, as
    Hugging Face's batched generate builds them."""
    n = max(map(len, prompts))
    ids = np.array([[0] * (n - len(p)) + p for p in prompts], np.int64)
    mask = np.array([[0] * (n - len(p)) + [1] * len(p) for p in prompts],
                    np.int64)
    pos = np.cumsum(mask, 1) - 1
    pos[mask == 0] = 1
    return ids, mask, pos


def test_desc_marks_padding_masks(lm):
    _, _, so, _ = lm
    data = so.read_bytes()
    assert b"in 0 1 mask pad\n" in data and b"in 1 1 mask pad\n" in data


def test_ragged_greedy_equals_alone(lm):
    art, _, _, _ = lm
    rows = art.generate(PROMPTS, max_new_tokens=12, eos_id=-2)
    alone = [art.generate(p, max_new_tokens=12, eos_id=-2) for p in PROMPTS]
    assert rows == alone
    assert all(len(r) == 12 for r in rows)
    # The single-list form is unchanged: one list of ids.
    assert isinstance(alone[0][0], int)


def test_ragged_sampling_equals_alone(lm):
    art, _, _, _ = lm
    kw = dict(temperature=0.9, top_k=20, seed=7, eos_id=-2)
    rows = art.generate(PROMPTS, max_new_tokens=10, **kw)
    assert rows == [art.generate(p, max_new_tokens=10, **kw) for p in PROMPTS]


def test_ragged_logits_match_onnxruntime(lm):
    """Prefill (in T=4 chunks and a T=1 step) and 6 decode steps of the
    padded batch, each row's logits vs onnxruntime on the same inputs."""
    ort = pytest.importorskip("onnxruntime")
    art, model, _, cfg = lm
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    B = len(PROMPTS)
    ids, mask, pos = padded_inputs(PROMPTS)
    past = {f"past_key_values.{l}.{kv}":
            np.zeros((B, cfg["heads"], 0, cfg["d"]), np.float32)
            for l in range(cfg["layers"]) for kv in ("key", "value")}
    names = [o.name for o in sess.get_outputs()]
    with art.session(batch=B) as s:
        got = s.prefill_rows(PROMPTS)
        assert [s.row_length(b) for b in range(B)] == list(map(len, PROMPTS))
        assert len(s) == ids.shape[1]
        for step in range(7):
            out = dict(zip(names, sess.run(None, {
                "input_ids": ids, "attention_mask": mask,
                "position_ids": pos, **past})))
            want = out["logits"][:, -1]
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5,
                                       err_msg=f"step {step}")
            past = {k: out[k.replace("past_key_values", "present")]
                    for k in past}
            tok = want.argmax(-1)
            ids = tok[:, None].astype(np.int64)
            mask = np.concatenate([mask, np.ones((B, 1), np.int64)], 1)
            pos = pos[:, -1:] + 1
            if step < 6:
                got = s.decode(tok)
        assert [s.row_length(b) for b in range(B)] == \
            [len(p) + 6 for p in PROMPTS]


def test_per_row_eos(lm):
    """A row that picks the EOS id stops (its EOS is its last id) while the
    others go on; each row equals its batch-1 generation."""
    art, _, _, _ = lm
    free = art.generate(PROMPTS, max_new_tokens=12, eos_id=-2)
    # An id that row 1 picks before the others: its first new id not in
    # the other rows' first few.
    eos = next(t for t in free[1][1:]
               if t not in free[0][:6] and t not in free[2][:6])
    rows = art.generate(PROMPTS, max_new_tokens=12, eos_id=eos)
    assert rows[1] == free[1][:free[1].index(eos) + 1]
    assert rows == [art.generate(p, max_new_tokens=12, eos_id=eos)
                    for p in PROMPTS]
    assert max(map(len, rows)) > len(rows[1])


def test_equal_rows_and_later_prefill(lm):
    """Equal lengths step together from any length; after a ragged prefill
    further tokens (prefill and decode) go to every row."""
    art, _, _, _ = lm
    with art.session(batch=3) as s:
        s.prefill_rows(PROMPTS)
        extra = [[1, 2], [3, 4], [5, 6]]
        got = s.prefill(np.array(extra))
        assert [s.row_length(b) for b in range(3)] == \
            [len(p) + 2 for p in PROMPTS]
    for b, p in enumerate(PROMPTS):
        with art.session() as one:
            want = one.prefill(p + extra[b])
        np.testing.assert_allclose(got[b], want[0], rtol=1e-4, atol=1e-5)


def test_seq_run_batch(lm):
    art, _, so, _ = lm
    r = subprocess.run([str(SEQ_RUN), str(so), "--prompt",
                        ";".join(",".join(map(str, p)) for p in PROMPTS[:2]),
                        "--prompt", ",".join(map(str, PROMPTS[2])),
                        "--generate", "8"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 4, r.stdout
    assert lines[-1].startswith("prefill ") and "3 rows" in lines[-1]
    got = [[int(t) for t in line.split(",")] for line in lines[:3]]
    assert got == [art.generate(p, max_new_tokens=8) for p in PROMPTS]


def test_bad_batch_calls(lm):
    art, _, _, _ = lm
    lib = art._lib
    with art.session(batch=3) as s:
        h = s._live()

        def ragged(ids, lengths, n_max):
            ids = np.ascontiguousarray(ids, np.int64)
            lengths = np.ascontiguousarray(lengths, np.int64)
            status = lib.seqc_session_prefill_ragged(
                h, ids.ctypes.data, lengths.ctypes.data, n_max, None)
            return status, art._last_error()

        ids = np.ones((3, 4), np.int64)
        for lengths, n_max, msg in [
                ([4, 0, 2], 4, r"lengths\[1\] is 0"),
                ([4, 5, 2], 4, r"lengths\[1\] is 5"),
                ([3, 2, 2], 4, "n_max is 4 but the longest row has 3"),
                ([4, 2, 2], 0, "n_max is 0")]:
            status, err = ragged(ids, lengths, n_max)
            assert status == 1 and re.search(msg, err), err
        bad = ids.copy()
        bad[2, 1] = s.vocab_size
        status, err = ragged(bad, [4, 4, 2], 4)
        assert status == 1 and "outside the vocabulary" in err, err
        assert len(s) == 0
        with pytest.raises(ValueError, match="2 rows for a batch-3"):
            s.prefill_rows(PROMPTS[:2])
        long = [[1] * 129, [1], [1]]
        with pytest.raises(seqc.SeqcError, match="do not fit"):
            s.prefill_rows(long)
        s.prefill_rows(PROMPTS)
        # Rows of different lengths start an empty session.
        with pytest.raises(seqc.SeqcError, match="need an empty session"):
            s.prefill_rows(PROMPTS)
        assert lib.seqc_session_row_length(h, 3) == -1
        assert lib.seqc_session_row_length(h, -1) == -1
        with pytest.raises(IndexError):
            s.row_length(3)
        s.reset()
        with pytest.raises(seqc.SeqcError, match="max_new_tokens"):
            s.generate_batch(PROMPTS, -1)
    assert lib.seqc_session_row_length(None, 0) == -1


def test_qwen2_batch_api_reference(tmp_path):
    """qwen2_gen's graph has a static batch of 1: the batch API on one row
    reproduces transformers' greedy ids (--batch 3 is a compile error)."""
    need(QWEN)
    g = json.loads((QWEN / "generate.json").read_text())
    so = compile_gen(tmp_path / "q.so", QWEN / "decode" / "model.onnx",
                     "--max-seq-len", 64, "--prefill",
                     QWEN / "prefill" / "model.onnx", "--prefill-chunk", 16)
    assert b"in 0 1 mask pad\n" in so.read_bytes()
    with seqc.load(so) as art:
        assert art.generate([g["prompt"]], max_new_tokens=20) == [g["greedy"]]


def test_qwen2_static_batch_is_compile_error(tmp_path):
    need(QWEN)
    r = subprocess.run([str(SEQC), str(QWEN / "decode" / "model.onnx"),
                        "--max-seq-len", "64", "--batch", "3", "-o",
                        str(tmp_path / "q3.so")], capture_output=True,
                       text=True)
    assert r.returncode != 0 and "static batch of 1" in r.stderr, r.stderr


def test_gqa_rows_not_left_padded(tmp_path):
    """GroupQueryAttention reads attention_mask as seqlens_k (a valid
    length per row): left padding would attend to the pad slots, so its
    mask is not "pad" but "rows" (right padding, per-row appends:
    test_generation_batch_gqa.py); equal rows generate what each generates
    alone."""
    need(OG)
    g = json.loads((OG / "generate.json").read_text())
    so = compile_gen(tmp_path / "og2.so", OG / "model.onnx", "--max-seq-len",
                     128, "--batch", 2, "--prefill-chunk", 8)
    data = so.read_bytes()
    assert b"in 0 1 mask rows\n" in data and b"mask pad" not in data
    with seqc.load(so) as art:
        other = list(reversed(g["prompt"]))
        rows = art.generate([g["prompt"], other], max_new_tokens=20,
                            eos_id=-2)
        assert rows[0] == g["greedy"]
        with art.session(batch=1) as s:
            assert s.generate(other, 20, eos_id=-2) == rows[1]
