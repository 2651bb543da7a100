"""Generation sessions on real generation artifacts (seqc --max-seq-len):
the shared models' greedy references through Artifact.generate/stream and
Session, the prompt prefilled in one call and in pieces (other chunk plans
of the runtime), and seeded sampling reproducible. Skips when ../shared is
absent."""
import json

import numpy as np
import onnx
import pytest

import seqc
from conftest import SHARED

MODELS = SHARED / "models"
# name -> (decode graph, prefill graph or None, reference dir of a prefill)
CASES = {
    "qwen2_gen": ("qwen2_gen/decode/model.onnx", "qwen2_gen/prefill/model.onnx",
                  "qwen2_gen/prefill/test_data_set_0"),
    "llama_og_fp32": ("llama_og_fp32/model.onnx", None,
                      "llama_og_fp32/test_data_set_0"),
    "seedlm_og_fp32": ("seedlm/og_fp32/model.onnx", None,
                       "seedlm/og_fp32/test_data_set_0"),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def model(request, tmp_path_factory):
    decode, prefill, ref = CASES[request.param]
    if not (MODELS / decode).exists():
        pytest.skip(f"shared test material not available: {MODELS / decode} "
                    "is absent (only on developer machines and CI)")
    args = ["--max-seq-len", "128"]
    if prefill:
        args += ["--prefill", str(MODELS / prefill)]
    so = tmp_path_factory.mktemp(request.param) / "gen.so"
    art = seqc.compile(MODELS / decode, so, extra_args=args, load=True,
                       threads=2)
    gen = json.loads((MODELS / decode).parent.joinpath(
        "generate.json" if not prefill else "../generate.json").read_text())
    yield art, gen, MODELS / ref
    art.close()


def test_greedy_reference(model):
    art, gen, _ = model
    want = gen["greedy"]
    assert art.generate(gen["prompt"], len(want), eos_id=-2) == want
    assert list(art.stream(gen["prompt"], len(want), eos_id=-2)) == want


def test_prefill_logits_and_pieces(model):
    art, gen, ref = model
    tensors = {}
    for f in sorted(ref.glob("*.pb")):
        t = onnx.TensorProto()
        t.ParseFromString(f.read_bytes())
        tensors[f.stem] = onnx.numpy_helper.to_array(t)
    ids, logits = tensors["input_0"][0], tensors["output_0"][0, -1]
    with art.session() as s:
        got = s.prefill(ids)
        assert len(s) == len(ids)
        np.testing.assert_allclose(got[0], logits, rtol=1e-4, atol=1e-4)
    # The prompt in three pieces, then greedy decode steps by hand: the same
    # tokens as one prefill + seqc_generate.
    prompt, want = gen["prompt"], gen["greedy"][:8]
    with art.session() as s:
        for piece in (prompt[:1], prompt[1:6], prompt[6:]):
            out = s.prefill(piece)
        toks = []
        for _ in range(len(want)):
            toks.append(int(np.argmax(out[0])))
            out = s.decode([toks[-1]])
        assert toks == want
        assert len(s) == len(prompt) + len(want)


def test_sampling_reproducible(model):
    art, gen, _ = model
    kw = dict(max_new_tokens=10, temperature=0.8, top_k=40, top_p=0.95,
              eos_id=-2)
    a = art.generate(gen["prompt"], seed=11, **kw)
    assert len(a) == 10
    assert art.generate(gen["prompt"], seed=11, **kw) == a


def test_qwen2_max_len_equal_to_prefill_chunk(tmp_path):
    """A prefill chunk as long as the cache replaces it with a copy (an
    insert_slice covering the cache folded away and left it unwritten)."""
    decode, prefill, _ = CASES["qwen2_gen"]
    if not (MODELS / decode).exists():
        pytest.skip(f"shared test material not available: {MODELS / decode} "
                    "is absent (only on developer machines and CI)")
    art = seqc.compile(MODELS / decode, tmp_path / "gen.so", load=True,
                       extra_args=["--max-seq-len", "64", "--prefill",
                                   str(MODELS / prefill)])
    gen = json.loads((MODELS / "qwen2_gen" / "generate.json").read_text())
    try:
        # Token by token (T=1 steps only) is right at this length...
        with art.session() as s:
            s.prefill(gen["prompt"][:1])
            out = s.prefill(gen["prompt"][1:])
            assert int(np.argmax(out[0])) == gen["greedy"][0]
        # ... and so is the fresh T=64 prefill.
        assert art.generate(gen["prompt"], 5, eos_id=-2) == gen["greedy"][:5]
    finally:
        art.close()


def test_sessions_in_threads(model):
    """Sessions on several threads share the artifact's thread pool and
    weights (packed once) but nothing else: each reproduces the reference."""
    import threading
    art, gen, _ = model
    want, bad = gen["greedy"][:10], []

    def worker():
        try:
            for _ in range(3):
                with art.session() as s:
                    got = s.generate(gen["prompt"], len(want), eos_id=-2)
                if got != want:
                    bad.append(got)
        except Exception as e:  # reported below
            bad.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad
