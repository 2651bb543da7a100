"""Generation sessions of a seqc generation artifact (seqc --max-seq-len).

Wraps the session C ABI of include/seqc/Runtime/seqc_runtime.h: the
artifact owns the KV cache, prefill/decode append tokens to it, and
search (greedy, seeded temperature/top-k/top-p sampling, EOS) runs in the
runtime, so Python and C callers get the same tokens for the same seed.

    art = seqc.load("gen.so")
    ids = art.generate([12, 5, 77], max_new_tokens=20)
    for tok in art.stream([12, 5, 77], max_new_tokens=20, temperature=0.8):
        ...
    with art.session() as s:
        logits = s.prefill([12, 5, 77])      # [batch, vocab]
        logits = s.decode([int(logits[0].argmax())])
    # Rows of different lengths (left-padded for models that read
    # attention_mask key by key, right-padded with per-row cache positions
    # for GroupQueryAttention; compiled with --batch >= the rows):
    rows = art.generate([[12, 5, 77], [4, 9]], max_new_tokens=20)
"""
import ctypes
import queue
import threading
from typing import Iterator, List, Optional, Sequence

import numpy as np

_ON_TOKEN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p)
_ON_STEP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p,
                            ctypes.c_void_p)


class _Sampling(ctypes.Structure):
    _fields_ = [("temperature", ctypes.c_float), ("top_k", ctypes.c_int32),
                ("top_p", ctypes.c_float), ("seed", ctypes.c_uint64),
                ("eos_id", ctypes.c_int64)]


def _bind(lib):
    """Declares the session functions of `lib` once; False if the artifact
    was built before sessions existed."""
    if getattr(lib, "_seqc_session_bound", None) is not None:
        return lib._seqc_session_bound
    p, i64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32
    sigs = {
        "seqc_is_generator": (ctypes.c_int, []),
        "seqc_vocab_size": (i64, []),
        "seqc_max_seq_len": (i64, []),
        "seqc_session_create": (ctypes.c_int, [i64, i32, ctypes.POINTER(p)]),
        "seqc_session_prefill": (ctypes.c_int, [p, p, i64, p]),
        "seqc_session_decode": (ctypes.c_int, [p, p, p]),
        "seqc_session_reset": (ctypes.c_int, [p]),
        "seqc_session_destroy": (ctypes.c_int, [p]),
        "seqc_session_length": (i64, [p]),
        "seqc_generate": (ctypes.c_int, [p, p, i64, i64,
                                         ctypes.POINTER(_Sampling), p,
                                         ctypes.POINTER(i64), _ON_TOKEN, p]),
    }
    try:
        for name, (res, args) in sigs.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
    except AttributeError:
        lib._seqc_session_bound = False
        return False
    # Per-row lengths (artifacts linked before them lack these).
    optional = {
        "seqc_session_prefill_ragged": (ctypes.c_int, [p, p, p, i64, p]),
        "seqc_session_row_length": (i64, [p, i32]),
        "seqc_generate_batch": (ctypes.c_int, [p, p, p, i64, i64,
                                               ctypes.POINTER(_Sampling), p,
                                               p, _ON_STEP, p]),
    }
    for name, (res, args) in optional.items():
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype, fn.argtypes = res, args
    lib._seqc_session_bound = True
    return True


def is_generator(art) -> bool:
    lib = art._check_open()
    return bool(_bind(lib) and lib.seqc_is_generator())


def _sampling(temperature, top_k, top_p, seed, eos_id) -> _Sampling:
    return _Sampling(float(temperature), int(top_k), float(top_p),
                     int(seed) & (2**64 - 1), -1 if eos_id is None else int(eos_id))


class Session:
    """A KV-cache session: `prefill`/`decode` append tokens and return the
    logits after the last one ([batch, vocab] float32); `generate`/`stream`
    prefill a prompt and sample. One thread at a time per session; sessions
    are independent of each other."""

    def __init__(self, art, max_len: int = 0, batch: int = 1):
        from ._runtime import SeqcError
        lib = art._check_open()
        if int(batch) < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        if not _bind(lib) or not lib.seqc_is_generator():
            raise SeqcError(f"{art.path}: not a generation artifact "
                            "(compile with seqc --max-seq-len)")
        self._art = art
        self._lib = lib
        self.vocab_size = int(lib.seqc_vocab_size())
        handle = ctypes.c_void_p()
        self._check(lib.seqc_session_create(int(max_len), int(batch),
                                            ctypes.byref(handle)))
        self._handle = handle
        self.batch = int(batch)
        self.max_len = int(max_len) or int(lib.seqc_max_seq_len())

    def _check(self, status):
        if status != 0:
            from ._runtime import SeqcError
            raise SeqcError(self._art._last_error())

    def _live(self):
        from ._runtime import SeqcError
        if self._handle is None:
            raise SeqcError("the session is closed")
        self._art._check_open()
        return self._handle

    def __len__(self) -> int:
        """Tokens in the cache."""
        return int(self._lib.seqc_session_length(self._live()))

    def _ids(self, ids, what, shape=None) -> np.ndarray:
        a = np.asarray(ids)
        if a.dtype.kind not in "iu" and a.size:
            raise TypeError(f"{what} must be integer token ids, got {a.dtype}")
        a = np.ascontiguousarray(a, dtype=np.int64)
        if shape is not None and a.shape != shape:
            raise ValueError(f"{what}: expected shape {shape} for a batch-"
                             f"{self.batch} session, got {a.shape}")
        return a

    def _logits(self) -> np.ndarray:
        return np.empty((self.batch, self.vocab_size), np.float32)

    def prefill(self, ids) -> np.ndarray:
        """Appends ids ([n], or [batch, n]); returns the logits after the
        last token, [batch, vocab]."""
        a = np.asarray(ids)
        if a.ndim == 1 and self.batch == 1:
            a = a[None]
        n = a.shape[-1] if a.ndim == 2 else -1
        a = self._ids(a, "ids", (self.batch, n))
        out = self._logits()
        self._check(self._lib.seqc_session_prefill(
            self._live(), a.ctypes.data, n, out.ctypes.data))
        return out

    def _rows(self, rows, what):
        """[batch, n_max] ids (rows padded with 0 on the right) and their
        lengths, from a list of `batch` id lists."""
        if len(rows) != self.batch:
            raise ValueError(f"{what}: {len(rows)} rows for a batch-"
                             f"{self.batch} session")
        rows = [self._ids(r, what).reshape(-1) for r in rows]
        lengths = np.array([r.size for r in rows], np.int64)
        n_max = max(int(lengths.max()), 1)
        ids = np.zeros((self.batch, n_max), np.int64)
        for b, r in enumerate(rows):
            ids[b, :r.size] = r
        return ids, lengths, n_max

    def _ragged_fn(self, name):
        from ._runtime import SeqcError
        fn = getattr(self._lib, name, None)
        if fn is None:
            raise SeqcError(f"{self._art.path}: the artifact's runtime has no "
                            f"{name} (rebuild it with this seqc)")
        return fn

    def prefill_rows(self, rows) -> np.ndarray:
        """Appends row b's ids rows[b] (lists of different lengths: the
        session must be empty, shorter rows are padded); returns each
        row's logits after its last token, [batch, vocab]."""
        ids, lengths, n_max = self._rows(rows, "rows")
        out = self._logits()
        self._check(self._ragged_fn("seqc_session_prefill_ragged")(
            self._live(), ids.ctypes.data, lengths.ctypes.data, n_max,
            out.ctypes.data))
        return out

    def row_length(self, row: int) -> int:
        """Tokens of row `row`, its pad slots excluded."""
        n = int(self._ragged_fn("seqc_session_row_length")(self._live(),
                                                           int(row)))
        if n < 0:
            raise IndexError(f"row {row} is outside [0, {self.batch})")
        return n

    def generate_batch(self, prompts, max_new_tokens: int = 20,
                       temperature: float = 0.0, top_k: int = 0,
                       top_p: float = 1.0, seed: int = 0,
                       eos_id: Optional[int] = None) -> List[List[int]]:
        """Generates for every row (prompts: `batch` id lists, possibly of
        different lengths); returns one id list per row, each what the row
        generates alone (it stops at its EOS id)."""
        ids, lengths, n_max = self._rows(prompts, "prompts")
        params = _sampling(temperature, top_k, top_p, seed, eos_id)
        m = max(int(max_new_tokens), 0)
        out = np.zeros((self.batch, max(m, 1)), np.int64)
        counts = np.zeros(self.batch, np.int64)
        self._check(self._ragged_fn("seqc_generate_batch")(
            self._live(), ids.ctypes.data, lengths.ctypes.data, n_max,
            int(max_new_tokens), ctypes.byref(params), out.ctypes.data,
            counts.ctypes.data, _ON_STEP(), None))
        return [out[b, :counts[b]].tolist() for b in range(self.batch)]

    def decode(self, tokens) -> np.ndarray:
        """Appends one token per sequence ([batch] ids, or one int for a
        batch-1 session); returns the logits, [batch, vocab]."""
        a = self._ids(np.asarray(tokens).reshape(-1), "tokens", (self.batch,))
        out = self._logits()
        self._check(self._lib.seqc_session_decode(
            self._live(), a.ctypes.data, out.ctypes.data))
        return out

    def reset(self) -> None:
        self._check(self._lib.seqc_session_reset(self._live()))

    def close(self) -> None:
        """Destroys the session (idempotent)."""
        h, self._handle = getattr(self, "_handle", None), None
        if h is not None and not self._art.closed:
            self._lib.seqc_session_destroy(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def _run_generate(self, prompt, max_new_tokens, params, callback):
        a = self._ids(prompt, "prompt_ids").reshape(-1)
        out = np.zeros(max(int(max_new_tokens), 1), np.int64)
        count = ctypes.c_int64(0)
        cb = _ON_TOKEN(callback) if callback else _ON_TOKEN()
        status = self._lib.seqc_generate(
            self._live(), a.ctypes.data, a.size, int(max_new_tokens),
            ctypes.byref(params), out.ctypes.data, ctypes.byref(count), cb,
            None)
        self._check(status)
        return out[:count.value].tolist()

    def generate(self, prompt_ids: Sequence[int], max_new_tokens: int = 20,
                 temperature: float = 0.0, top_k: int = 0, top_p: float = 1.0,
                 seed: int = 0, eos_id: Optional[int] = None,
                 on_token=None) -> List[int]:
        """Prefills `prompt_ids` after what the session holds and returns up
        to `max_new_tokens` generated ids (the EOS id included when hit).
        temperature <= 0 is greedy. eos_id None: the model's; -2: none.
        `on_token(id)` is called for each id as it is picked; returning True
        stops the generation."""
        params = _sampling(temperature, top_k, top_p, seed, eos_id)
        if on_token is None:
            return self._run_generate(prompt_ids, max_new_tokens, params,
                                      None)
        raised = []

        def callback(tok, _user):
            try:
                return 1 if on_token(int(tok)) is True else 0
            except BaseException as e:  # re-raised after the C call
                raised.append(e)
                return 1

        ids = self._run_generate(prompt_ids, max_new_tokens, params, callback)
        if raised:
            raise raised[0]
        return ids

    def stream(self, prompt_ids: Sequence[int], max_new_tokens: int = 20,
               temperature: float = 0.0, top_k: int = 0, top_p: float = 1.0,
               seed: int = 0, eos_id: Optional[int] = None) -> Iterator[int]:
        """Like generate, yielding each id as soon as the runtime picked it.
        The runtime's generate runs on a helper thread that waits for the
        consumer after each token; closing the iterator stops it."""
        params = _sampling(temperature, top_k, top_p, seed, eos_id)
        tokens: "queue.Queue" = queue.Queue()
        resume = threading.Semaphore(0)
        stop = threading.Event()
        done = object()

        def on_token(tok, _user):
            tokens.put(int(tok))
            resume.acquire()
            return 1 if stop.is_set() else 0

        def worker():
            try:
                self._run_generate(prompt_ids, max_new_tokens, params,
                                   on_token)
                tokens.put(done)
            except BaseException as e:  # handed to the consumer
                tokens.put(e)

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        try:
            while True:
                item = tokens.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
                resume.release()
        finally:
            stop.set()
            resume.release()
            thread.join()


def _is_batch(prompt_ids) -> bool:
    """A list of prompts (id lists), not one prompt (an array is one prompt,
    as before batches existed)."""
    return (isinstance(prompt_ids, (list, tuple)) and len(prompt_ids) > 0
            and all(isinstance(r, (list, tuple, np.ndarray))
                    for r in prompt_ids))


def generate(art, prompt_ids, max_new_tokens=20, on_token=None, **sampling):
    """Artifact.generate: a fresh session per call (so concurrent calls from
    several threads are independent). A list of prompts (of any lengths)
    runs as one batch and returns one id list per prompt."""
    if _is_batch(prompt_ids):
        if on_token is not None:
            raise ValueError("on_token streams one prompt; a batch of "
                             "prompts returns its lists")
        with Session(art, batch=len(prompt_ids)) as s:
            return s.generate_batch(list(prompt_ids), max_new_tokens,
                                    **sampling)
    with Session(art) as s:
        return s.generate(prompt_ids, max_new_tokens, on_token=on_token,
                          **sampling)


def stream(art, prompt_ids, max_new_tokens=20, **sampling):
    """Artifact.stream: yields the ids of a fresh batch-1 session."""
    with Session(art) as s:
        yield from s.stream(prompt_ids, max_new_tokens, **sampling)
