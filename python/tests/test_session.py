"""Generation sessions (lib/Runtime/session.c, sampling.c) and their Python
API on the hand-written fake generation artifact
test/Runtime/Inputs/fake_gen_model.c: a bigram-like LM whose next token
depends on the whole history read back from its KV cache, and which fails a
run-time check whenever the runtime breaks the cache protocol (mask,
positions, pad ids, reading a position no call wrote, writing past the
capacity)."""
import ctypes
import os
import subprocess
import threading

import numpy as np
import pytest

import seqc
from conftest import REPO, runtime_lib

FAKE_GEN = REPO / "test" / "Runtime" / "Inputs" / "fake_gen_model.c"
FAKE_PLAIN = REPO / "test" / "Runtime" / "Inputs" / "fake_model.c"
V, EOS, LMAX, BATCH = 16, 15, 32, 2


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    lib = runtime_lib()
    if not lib.exists():
        pytest.fail(f"{lib} not found: build it with scripts/build.sh "
                    "seqc_runtime")
    out = tmp_path_factory.mktemp("gen")
    cache = {}

    def build_so(src=FAKE_GEN, *defines):
        key = (src, defines)
        if key not in cache:
            so = out / f"gen{len(cache)}.so"
            subprocess.run([os.environ.get("CC", "cc"), "-fPIC", "-shared",
                            "-o", str(so), str(src),
                            *[f"-D{d}" for d in defines],
                            "-Wl,--whole-archive", str(lib),
                            "-Wl,--no-whole-archive", "-lm",
                            "-Wl,-Bsymbolic"], check=True)
            cache[key] = so
        return cache[key]

    return build_so


@pytest.fixture
def art(build):
    # A fresh load per test would share the library (dlopen refcount), so
    # the call counters are reset instead.
    a = seqc.load(build())
    calls(a)[:] = [0, 0, 0]
    return a


def calls(art):
    return (ctypes.c_int64 * 3).in_dll(art._lib, "fake_gen_calls")


# The fake model, in Python.
def target(toks, b=0):
    h = sum(t * (r + 1) for r, t in enumerate(toks))
    return (5 * h + 3 * len(toks) + b) % V


def dist(v, t):
    d = (v - t) % V
    return min(d, V - d)


def ref_logits(toks, b=0):
    t = target(toks, b)
    return np.array([-dist(v, t) for v in range(V)], np.float32)


def ref_generate(prompt, n, eos=EOS):
    toks, out = list(prompt), []
    while len(out) < n:
        t = target(toks)
        out.append(t)
        if t == eos:
            break
        toks.append(t)
    return out


PROMPTS = [[1], [1, 2, 3], [4, 5, 6, 7], [3] * 13, list(range(1, 15)),
           [9, 9, 1, 0, 2, 7, 7, 8, 11]]


@pytest.mark.parametrize("prompt", PROMPTS, ids=lambda p: f"n{len(p)}")
def test_greedy_matches_reference(art, prompt):
    got = art.generate(prompt, max_new_tokens=12, eos_id=-2)
    assert got == ref_generate(prompt, 12, eos=None)
    assert len(got) == 12


def test_chunked_prefill_plan(art):
    # 13 tokens at length 0: the fresh T=8 variant, then T=4, then T=1.
    with art.session() as s:
        logits = s.prefill([3] * 13)
        assert list(calls(art)) == [1, 1, 1]
        np.testing.assert_array_equal(logits[0], ref_logits([3] * 13))
        assert len(s) == 13
        # 3 more tokens: one padded T=4 call beats three T=1 calls; the
        # fresh variant is not used at length > 0.
        s.prefill([1, 2, 3])
        assert list(calls(art)) == [1, 2, 1]
        assert len(s) == 16
        # 8 more at length 16: fresh T=8 not allowed -> T=4 twice.
        logits = s.prefill([5] * 8)
        assert list(calls(art)) == [1, 4, 1]
        np.testing.assert_array_equal(
            logits[0], ref_logits([3] * 13 + [1, 2, 3] + [5] * 8))
    # At length 0: 3 tokens take the smallest variant that covers them
    # (T=4); 6 tokens the fresh T=8 (one call of 8 is taken to cost less than
    # T=4 + T=4 or T=4 + 2 x T=1).
    for prompt, plan in (([1, 2, 3], [0, 1, 0]), ([1] * 6, [0, 0, 1])):
        calls(art)[:] = [0, 0, 0]
        with art.session() as s:
            logits = s.prefill(prompt)
            assert list(calls(art)) == plan
            np.testing.assert_array_equal(logits[0], ref_logits(prompt))


def test_prefill_decode_logits_and_batch(art):
    rows = [[1, 2, 3, 4, 5], [7, 0, 0, 9, 2]]
    with art.session(batch=2) as s:
        logits = s.prefill(rows)
        assert logits.shape == (2, V)
        for b in range(2):
            np.testing.assert_array_equal(logits[b], ref_logits(rows[b], b))
        for step in range(6):
            nxt = [int(np.argmax(logits[b])) for b in range(2)]
            assert nxt == [target(rows[b], b) for b in range(2)]
            for b in range(2):
                rows[b].append(nxt[b])
            logits = s.decode(nxt)
            for b in range(2):
                np.testing.assert_array_equal(logits[b],
                                              ref_logits(rows[b], b))
        assert len(s) == 11
        with pytest.raises(seqc.SeqcError, match="batch 2; generate runs "
                           "batch-1"):
            s.generate([1, 2])
        with pytest.raises(ValueError, match=r"expected shape \(2,\)"):
            s.decode([1])


def test_eos_stops(art):
    # A prompt whose greedy continuation starts with the model's EOS (15).
    prompt = next(p for p in ([a, b] for a in range(V) for b in range(V))
                  if ref_generate(p, 1, eos=None) == [EOS])
    assert art.generate(prompt, max_new_tokens=10) == [EOS]
    # eos_id=-2 disables it.
    free = ref_generate(prompt, 10, eos=None)
    assert art.generate(prompt, 10, eos_id=-2) == free
    # Another id replaces it: generation stops after its first occurrence.
    stop = next(i for i in range(2, 10) if free[i] not in free[:i])
    assert art.generate(prompt, 10, eos_id=free[stop]) == free[:stop + 1]


def test_on_token_and_stream(art):
    prompt = [2, 7, 1]
    want = ref_generate(prompt, 9, eos=None)
    seen = []
    assert art.generate(prompt, 9, eos_id=-2, on_token=seen.append) == want
    assert seen == want
    # Returning True stops after that token.
    got = art.generate(prompt, 9, eos_id=-2, on_token=lambda t: t == want[2])
    assert got == want[:want.index(want[2]) + 1]
    assert list(art.stream(prompt, 9, eos_id=-2)) == want
    sampled = art.generate(prompt, 9, temperature=1.0, seed=5, eos_id=-2)
    assert list(art.stream(prompt, 9, temperature=1.0, seed=5,
                           eos_id=-2)) == sampled
    # Closing the stream early stops the runtime's generation.
    it = art.stream(prompt, 9, eos_id=-2)
    assert [next(it), next(it)] == want[:2]
    it.close()
    with pytest.raises(ZeroDivisionError):
        art.generate(prompt, 3, on_token=lambda t: 1 / 0)


def test_sampling_reproducible_and_filtered(art):
    prompt = [3, 1, 4, 1, 5]
    kw = dict(max_new_tokens=12, temperature=1.0, eos_id=-2)
    a = art.generate(prompt, seed=7, **kw)
    assert art.generate(prompt, seed=7, **kw) == a
    outs = {tuple(art.generate(prompt, seed=s, **kw)) for s in range(8)}
    assert len(outs) > 1, "different seeds never differ"
    greedy = ref_generate(prompt, 12, eos=None)
    assert tuple(greedy) not in outs or len(outs) > 2
    # top_k=1 and a tiny top_p are greedy.
    assert art.generate(prompt, seed=3, top_k=1, **kw) == greedy
    assert art.generate(prompt, seed=3, top_p=0.3, **kw) == greedy

    def check_within(ids, radius):
        toks = list(prompt)
        for t in ids:
            assert dist(t, target(toks)) <= radius, (ids, toks)
            toks.append(t)

    for s in range(6):
        # Only the 3 best (the target and its two neighbours) survive top_k=3.
        check_within(art.generate(prompt, seed=s, top_k=3, **kw), 1)
        # p(target) = 1/sum(e^-d) ~ 0.46 at T=1, so top_p=0.5 keeps the
        # target and one neighbour.
        check_within(art.generate(prompt, seed=s, top_p=0.5, **kw), 1)
        check_within(art.generate(prompt, seed=s, top_k=5, top_p=0.9, **kw),
                     2)
    # Over many seeds the first token follows softmax(logits): the target
    # has probability ~0.46 at temperature 1 and ~0.98 at temperature 0.25.
    def target_rate(temperature):
        firsts = [art.generate(prompt, 1, temperature=temperature, seed=s)[0]
                  for s in range(300)]
        return np.mean([t == target(prompt) for t in firsts])

    assert 0.36 < target_rate(1.0) < 0.56
    assert target_rate(0.25) > 0.93


def test_session_limits_reset_and_length(art):
    with art.session(max_len=10) as s:
        # Stops when the session is full: 8 + 2 decoded = 10 tokens, and the
        # third generated id is not fed back.
        got = s.generate([1] * 8, 5, eos_id=-2)
        assert got == ref_generate([1] * 8, 3, eos=None)
        assert len(s) == 10
        with pytest.raises(seqc.SeqcError,
                           match="1 tokens do not fit: the session holds 10 "
                           "of at most 10"):
            s.decode([got[-1]])
        assert len(s) == 10
        s.reset()
        assert len(s) == 0
        assert s.generate([1] * 8, 5, eos_id=-2) == got
    with pytest.raises(seqc.SeqcError, match=r"max_len 33 is outside \[1, "
                       r"32\]"):
        art.session(max_len=33)
    with pytest.raises(seqc.SeqcError, match=r"batch 3 is outside \[1, 2\]"):
        art.session(batch=3)
    with art.session() as s:
        assert s.max_len == LMAX
        with pytest.raises(seqc.SeqcError, match="33 tokens do not fit"):
            s.prefill([1] * 33)
        s.prefill([1] * 32)
        assert len(s) == 32


def test_errors(art):
    s = art.session()
    s.prefill([1, 2])
    with pytest.raises(seqc.SeqcError, match=r"seqc_session_prefill: token id "
                       r"16 at \[0\]\[1\] is outside the vocabulary \[0, 16\)"):
        s.prefill([3, 16, 4])
    with pytest.raises(seqc.SeqcError, match="token id -1 at"):
        s.decode([-1])
    with pytest.raises(seqc.SeqcError, match="seqc_generate: token id 99"):
        s.generate([99])
    with pytest.raises(seqc.SeqcError, match="n is 0, expected at least 1"):
        s.prefill([])
    with pytest.raises(seqc.SeqcError, match="invalid sampling parameters"):
        s.generate([1], top_k=-1)
    with pytest.raises(seqc.SeqcError, match="invalid sampling parameters"):
        s.generate([1], temperature=float("nan"))
    with pytest.raises(seqc.SeqcError, match="invalid sampling parameters"):
        s.generate([1], eos_id=V)
    assert len(s) == 2  # failed calls change nothing
    # The session is busy while its generate runs: a call from on_token
    # is refused, not run concurrently.
    errors = []

    def reenter(tok):
        try:
            s.decode([tok])
        except seqc.SeqcError as e:
            errors.append(str(e))
        return True

    s.generate([1], 3, on_token=reenter)
    assert errors and "in use by another call" in errors[0]
    s.close()
    with pytest.raises(seqc.SeqcError, match="session is closed"):
        s.decode([1])


def test_c_api_errors(art):
    from seqc._session import _bind
    lib = art._lib
    assert _bind(lib)  # argtypes: pointers are passed whole
    lib.seqc_last_error.restype = ctypes.c_char_p
    err = lambda: lib.seqc_last_error().decode()
    assert lib.seqc_is_generator() == 1
    assert lib.seqc_vocab_size() == V and lib.seqc_max_seq_len() == LMAX
    h = ctypes.c_void_p()
    assert lib.seqc_session_create(0, 1, None) == 1
    assert err() == "seqc_session_create: out is NULL"
    assert lib.seqc_session_create(0, 1, ctypes.byref(h)) == 0
    logits = np.zeros(V, np.float32)
    ids = np.array([1, 2], np.int64)
    assert lib.seqc_session_prefill(h, None, 2, logits.ctypes.data) == 1
    assert err() == "seqc_session_prefill: ids is NULL"
    assert lib.seqc_session_prefill(h, ids.ctypes.data, -5, None) == 1
    assert "n is -5" in err()
    # NULL logits are allowed.
    assert lib.seqc_session_prefill(h, ids.ctypes.data, 2, None) == 0
    assert lib.seqc_session_decode(h, None, None) == 1
    assert err() == "seqc_session_decode: tokens is NULL"
    n = ctypes.c_int64(-1)
    from seqc._session import _ON_TOKEN
    none = _ON_TOKEN()  # a NULL callback
    assert lib.seqc_generate(h, ids.ctypes.data, 2, 4, None, None,
                             ctypes.byref(n), none, None) == 1
    assert "out_ids or num_out is NULL" in err() and n.value == 0
    # A NULL session, a made-up handle and a destroyed one are detected.
    for bad in (None, ctypes.c_void_p(0x1234560)):
        assert lib.seqc_session_decode(bad, ids.ctypes.data, None) == 1
        assert lib.seqc_session_length(bad) == -1
    assert lib.seqc_session_destroy(h) == 0
    for call in (lambda: lib.seqc_session_decode(h, ids.ctypes.data, None),
                 lambda: lib.seqc_session_prefill(h, ids.ctypes.data, 2, None),
                 lambda: lib.seqc_session_reset(h),
                 lambda: lib.seqc_session_destroy(h),
                 lambda: lib.seqc_generate(h, ids.ctypes.data, 2, 1, None,
                                           ids.ctypes.data, ctypes.byref(n),
                                           none, None)):
        assert call() == 1
        assert "not a live session (destroyed or never created)" in err()
    assert lib.seqc_session_length(h) == -1
    # A new session never gets the destroyed handle back.
    h2 = ctypes.c_void_p()
    assert lib.seqc_session_create(0, 1, ctypes.byref(h2)) == 0
    assert h2.value != h.value
    assert lib.seqc_session_destroy(h2) == 0


def test_two_sessions_two_threads(art):
    prompts = [[1, 2, 3, 4, 5, 6, 7, 8, 9], [11, 0, 4]]
    want = [ref_generate(p, 20, eos=None) for p in prompts]
    failures = []

    def worker(i):
        try:
            with art.session() as s:
                for _ in range(15):
                    s.reset()
                    got = s.generate(prompts[i], 20, eos_id=-2)
                    if got != want[i]:
                        failures.append((i, got))
        except Exception as e:  # reported below
            failures.append((i, repr(e)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_not_a_generator(build):
    plain = seqc.load(build(FAKE_PLAIN))
    for call in (plain.session, lambda: plain.generate([1, 2]),
                 lambda: list(plain.stream([1, 2]))):
        with pytest.raises(seqc.SeqcError, match="seqc --max-seq-len"):
            call()
    # Ordinary runs are unaffected by the session code.
    y, _ = plain.run(np.ones((2, 3), np.float32), np.arange(4))
    np.testing.assert_array_equal(y, np.full((2, 3), 3, np.float32))


@pytest.mark.parametrize("define,message", [
    ("FAKE_GEN_NO_END", "generation description has no 'end' record"),
    ("FAKE_GEN_BAD_LOGITS", r"variant 0: output 1 \('unused'\) is no float "
     r"logits \[2,1,16\]"),
])
def test_bad_gen_desc(build, define, message):
    a = seqc.load(build(FAKE_GEN, define))
    lib = a._lib
    lib.seqc_last_error.restype = ctypes.c_char_p
    assert lib.seqc_is_generator() == 0
    h = ctypes.c_void_p()
    assert lib.seqc_session_create(0, 1, ctypes.byref(h)) == 1
    assert h.value is None
    import re
    assert re.search(message, lib.seqc_last_error().decode())
