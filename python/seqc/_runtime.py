"""Loading a seqc artifact (model.so) through its C ABI with ctypes.

The structures mirror include/seqc/Runtime/seqc_runtime.h.
"""
import ctypes
import os
import shutil
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

MAX_RANK = 8
ABI_VERSION = 1

# ONNX TensorProto.DataType codes -> numpy dtypes.
ONNX_TO_NUMPY = {
    1: np.dtype(np.float32),
    2: np.dtype(np.uint8),
    3: np.dtype(np.int8),
    4: np.dtype(np.uint16),
    5: np.dtype(np.int16),
    6: np.dtype(np.int32),
    7: np.dtype(np.int64),
    9: np.dtype(np.bool_),
    10: np.dtype(np.float16),
    11: np.dtype(np.float64),
    12: np.dtype(np.uint32),
    13: np.dtype(np.uint64),
}
try:  # bfloat16 needs ml_dtypes (installed with recent onnx)
    import ml_dtypes

    ONNX_TO_NUMPY[16] = np.dtype(ml_dtypes.bfloat16)
    # 8-, 4- and 2-bit types: one element per byte, as seqc's ABI (and
    # ml_dtypes) store them.
    for _code, _name in [(17, "float8_e4m3fn"), (18, "float8_e4m3fnuz"),
                         (19, "float8_e5m2"), (20, "float8_e5m2fnuz"),
                         (21, "uint4"), (22, "int4"), (23, "float4_e2m1fn"),
                         (24, "float8_e8m0fnu"), (25, "uint2"), (26, "int2")]:
        if hasattr(ml_dtypes, _name):
            ONNX_TO_NUMPY[_code] = np.dtype(getattr(ml_dtypes, _name))
except ImportError:  # pragma: no cover
    pass

# Sub-byte types: bits per element (outputs' upper bits are unspecified).
_SUB_BYTE_BITS = {21: 4, 22: 4, 23: 4, 25: 2, 26: 2}


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MAX_RANK)]


class _ModelInfo(ctypes.Structure):
    _fields_ = [("abi_version", ctypes.c_int32),
                ("model_name", ctypes.c_char_p),
                ("target", ctypes.c_char_p),
                ("num_inputs", ctypes.c_int32),
                ("num_outputs", ctypes.c_int32),
                ("inputs", ctypes.POINTER(_TensorInfo)),
                ("outputs", ctypes.POINTER(_TensorInfo))]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MAX_RANK)]


class SeqcError(RuntimeError):
    """An error reported by the artifact (seqc_last_error())."""


@dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: np.dtype  # numpy dtype
    onnx_dtype: int  # TensorProto.DataType code
    shape: Tuple[Optional[int], ...]  # None for a dynamic dimension


@dataclass(frozen=True)
class ModelInfo:
    abi_version: int
    name: str
    target: str
    inputs: Tuple[TensorSpec, ...]
    outputs: Tuple[TensorSpec, ...]


@dataclass(frozen=True)
class _RunPlan:
    outputs: tuple  # (shape or None if dynamic, numpy dtype) per output
    dynamic: tuple  # indices of dynamically shaped outputs
    run: object  # seqc_run, or seqc_run_alloc with dynamic outputs
    sub_byte: tuple  # (index, bits) of outputs with sub-byte elements


def _spec(ti: _TensorInfo) -> TensorSpec:
    name = ti.name.decode()
    if ti.dtype not in ONNX_TO_NUMPY:
        raise SeqcError(f"tensor '{name}': unsupported dtype {ti.dtype}")
    shape = tuple(None if d < 0 else int(d) for d in ti.dims[:ti.rank])
    return TensorSpec(name, ONNX_TO_NUMPY[ti.dtype], ti.dtype, shape)


class Artifact:
    """A loaded artifact. `info` (or `inputs`/`outputs`) describes its
    signature; `run` calls it. `close()`, or leaving a `with` block, unloads
    the library; a closed Artifact raises SeqcError when used."""

    _owned_dir = None  # a temporary directory of seqc.compile(), removed by close()
    _lib = None

    def __init__(self, so_path):
        # An absolute path: dlopen() searches the library path for bare names.
        self.path = os.path.abspath(str(so_path))
        try:
            self._lib = ctypes.CDLL(self.path, mode=ctypes.RTLD_LOCAL)
        except OSError as e:
            raise SeqcError(f"{self.path}: cannot load: {e}") from None
        lib = self._lib
        try:
            lib.seqc_get_model_info.restype = ctypes.POINTER(_ModelInfo)
            lib.seqc_get_model_info.argtypes = []
            lib.seqc_run.restype = ctypes.c_int
            lib.seqc_run.argtypes = [ctypes.POINTER(_Tensor), ctypes.c_int32,
                                     ctypes.POINTER(_Tensor), ctypes.c_int32]
            lib.seqc_last_error.restype = ctypes.c_char_p
            lib.seqc_last_error.argtypes = []
        except AttributeError as e:
            raise SeqcError(f"{self.path}: not a seqc artifact ({e})") from None
        ptr = lib.seqc_get_model_info()
        if not ptr:
            raise SeqcError(f"{self.path}: invalid model description: "
                            f"{self._last_error()}")
        mi = ptr.contents
        self.info = ModelInfo(
            mi.abi_version, mi.model_name.decode(), mi.target.decode(),
            tuple(_spec(mi.inputs[i]) for i in range(mi.num_inputs)),
            tuple(_spec(mi.outputs[i]) for i in range(mi.num_outputs)))

    @property
    def inputs(self) -> Tuple[TensorSpec, ...]:
        return self.info.inputs

    @property
    def outputs(self) -> Tuple[TensorSpec, ...]:
        return self.info.outputs

    @property
    def closed(self) -> bool:
        return self._lib is None

    def _check_open(self):
        if self._lib is None:
            raise SeqcError(f"{self.path}: the artifact is closed")
        return self._lib

    def close(self) -> None:
        """Unloads the library (idempotent). dlclose() only happens when the
        runtime can stop its worker threads first (seqc_release_threads);
        otherwise the code stays mapped and only this object is released."""
        lib, self._lib = self._lib, None
        self._run_plan = None
        if lib is not None:
            release = getattr(lib, "seqc_release_threads", None)
            if release is not None:
                release.restype = None
                release.argtypes = []
                release()
                import _ctypes
                _ctypes.dlclose(lib._handle)
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None

    def __enter__(self):
        self._check_open()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        # Only the temporary directory: unloading stays explicit.
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)

    @property
    def num_threads(self) -> int:
        """Threads the artifact's parallel loops and matmuls use."""
        fn = getattr(self._check_open(), "seqc_get_num_threads", None)
        if fn is None:  # artifacts built before the thread pool existed
            return 1
        fn.restype = ctypes.c_int32
        return int(fn())

    def set_num_threads(self, n: int) -> None:
        """Sets the artifact's thread count (default: $SEQC_NUM_THREADS,
        else all CPUs)."""
        fn = getattr(self._check_open(), "seqc_set_num_threads", None)
        if fn is None:
            raise SeqcError(f"{self.path}: artifact has no thread pool")
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_int32]
        if fn(int(n)) != 0:
            raise SeqcError(f"invalid thread count {n}")

    def _last_error(self) -> str:
        return (self._lib.seqc_last_error() or b"").decode(errors="replace")

    def run(self, *arrays, **named):
        """Runs the model on inputs given in order or by name; returns the
        outputs as a list of numpy arrays."""
        self._check_open()
        specs = self.info.inputs
        if arrays and named:
            raise TypeError("pass inputs either positionally or by name")
        if named:
            unknown = set(named) - {s.name for s in specs}
            if unknown:
                raise TypeError(f"unknown input(s) {sorted(unknown)}; "
                                f"the model has {[s.name for s in specs]}")
            missing = [s.name for s in specs if s.name not in named]
            if missing:
                raise TypeError(f"missing input(s) {missing}")
            arrays = tuple(named[s.name] for s in specs)
        if len(arrays) != len(specs):
            raise TypeError(f"model '{self.info.name}' takes {len(specs)} "
                            f"inputs, got {len(arrays)}")

        plan = self._run_plan or self._make_run_plan()
        keep = []  # keeps the contiguous copies alive during the call
        ins = (_Tensor * max(len(arrays), 1))()
        for i, (a, spec) in enumerate(zip(arrays, specs)):
            # Fast path (the common case: a C-contiguous array of the right
            # dtype): per-call Python work is most of a tiny model's run.
            if not (type(a) is np.ndarray and a.dtype == spec.dtype
                    and a.flags.c_contiguous):
                a = np.asarray(a)
                if a.dtype != spec.dtype and not np.can_cast(
                        a.dtype, spec.dtype, "same_kind"):
                    raise SeqcError(f"input '{spec.name}': expected dtype "
                                    f"{spec.dtype}, got {a.dtype}")
                # np.require keeps rank 0 (ascontiguousarray makes it [1])
                # and passes a matching array through uncopied.
                a = np.require(a, dtype=spec.dtype, requirements="C")
            if a.ndim > MAX_RANK:
                raise SeqcError(f"input '{spec.name}': rank {a.ndim} exceeds "
                                f"{MAX_RANK}")
            keep.append(a)
            t = ins[i]
            t.data = a.ctypes.data
            t.dtype = spec.onnx_dtype
            t.rank = a.ndim
            t.dims[:a.ndim] = a.shape

        outs = (_Tensor * max(len(self.info.outputs), 1))()
        results = []
        for i, (shape, dtype) in enumerate(plan.outputs):
            if shape is None:
                # Allocated by the artifact (seqc_run_alloc), copied below.
                results.append(None)
                continue
            out = np.empty(shape, dtype=dtype)
            results.append(out)
            outs[i].data = out.ctypes.data
        status = plan.run(ins, len(arrays), outs, len(self.info.outputs))
        if status != 0:
            raise SeqcError(self._last_error())
        for i in plan.dynamic:
            spec = self.info.outputs[i]
            shape = tuple(outs[i].dims[:outs[i].rank])
            n = int(np.prod(shape, dtype=np.int64))
            buf = (ctypes.c_char * (n * np.dtype(spec.dtype).itemsize)).from_address(
                outs[i].data) if n else b""
            results[i] = np.frombuffer(bytes(buf), dtype=spec.dtype).reshape(
                shape).copy()
            self._lib.seqc_free(outs[i].data)
        for i, bits in plan.sub_byte:
            if results[i] is not None:
                results[i].view(np.uint8)[...] &= (1 << bits) - 1
        return results

    def profile(self, *arrays, runs=1, **named):
        """Runs the model `runs` times with profiling on (an artifact
        compiled with ``extra_args=["--profile-hooks"]``) and returns
        ``(outputs, rows)``: the last run's outputs, and one dict per timed
        site (kernel call, parallel region, loop nest), slowest first, with
        ``name``, ``label``, ``calls``, ``ms`` (per run), ``share`` (of the
        runs' wall time, %), ``gflops`` (None where FLOPs are unknown) and
        ``gflops_upper_bound`` (FLOPs of loops with a dynamic trip count at
        its static upper bound).
        A last row ``name="(outside timed regions)"`` holds the rest."""
        import time
        lib = self._check_open()
        if getattr(lib, "seqc_profile_rows", None) is None:
            raise SeqcError(f"{self.path}: artifact has no profiling runtime")

        class _Row(ctypes.Structure):
            _fields_ = [("name", ctypes.c_char_p), ("label", ctypes.c_char_p),
                        ("calls", ctypes.c_int64), ("ns", ctypes.c_int64),
                        ("flops", ctypes.c_int64),
                        ("flops_upper_bound", ctypes.c_int64)]

        lib.seqc_profile_enable.argtypes = [ctypes.c_int32]
        lib.seqc_profile_rows.restype = ctypes.c_int64
        lib.seqc_profile_rows.argtypes = [ctypes.POINTER(_Row), ctypes.c_int64]
        lib.seqc_profile_reset()
        wall = 0
        try:
            for _ in range(max(int(runs), 1)):
                lib.seqc_profile_enable(1)
                start = time.perf_counter_ns()
                outputs = self.run(*arrays, **named)
                wall += time.perf_counter_ns() - start
                lib.seqc_profile_enable(0)
        finally:
            lib.seqc_profile_enable(0)
        n = lib.seqc_profile_rows(None, 0)
        if n <= 0:
            raise SeqcError(f"{self.path}: no profile hooks ran: compile the "
                            "model with seqc --profile-hooks")
        buf = (_Row * n)()
        n = min(n, lib.seqc_profile_rows(buf, n))
        runs = max(int(runs), 1)
        rows = [{"name": r.name.decode(errors="replace"),
                 "label": (r.label or b"").decode(errors="replace"),
                 "calls": r.calls / runs, "ms": r.ns / runs / 1e6,
                 "share": 100.0 * r.ns / wall if wall else 0.0,
                 "gflops": r.flops / r.ns if r.flops > 0 and r.ns > 0 else None,
                 "gflops_upper_bound": bool(r.flops_upper_bound)}
                for r in buf[:n]]
        other = wall - sum(r.ns for r in buf[:n])
        rows.append({"name": "(outside timed regions)", "label": "",
                     "calls": 0, "ms": other / runs / 1e6,
                     "share": 100.0 * other / wall if wall else 0.0,
                     "gflops": None, "gflops_upper_bound": False})
        return outputs, rows

    _run_plan = None

    def _make_run_plan(self):
        """What run() needs of the signature, computed once: each output's
        static shape (None: dynamic) and dtype, the entry point, the
        sub-byte outputs to mask."""
        outs = self.info.outputs
        dynamic = tuple(i for i, s in enumerate(outs) if any(d is None for d in s.shape))
        run = self._lib.seqc_run
        if dynamic:
            run = getattr(self._lib, "seqc_run_alloc", None)
            if run is None:
                raise SeqcError(f"{self.path}: the model has dynamically "
                                "shaped outputs but no seqc_run_alloc")
            run.restype = ctypes.c_int
            run.argtypes = self._lib.seqc_run.argtypes
            self._lib.seqc_free.restype = None
            self._lib.seqc_free.argtypes = [ctypes.c_void_p]
        self._run_plan = _RunPlan(
            tuple((None if i in dynamic else s.shape, s.dtype)
                  for i, s in enumerate(outs)),
            dynamic, run,
            tuple((i, _SUB_BYTE_BITS[s.onnx_dtype]) for i, s in enumerate(outs)
                  if s.onnx_dtype in _SUB_BYTE_BITS))
        return self._run_plan

    @property
    def has_session(self) -> bool:
        """Whether the artifact is a generation artifact (seqc --max-seq-len:
        the seqc_session_* ABI of include/seqc/Runtime/seqc_runtime.h)."""
        from ._session import is_generator
        return is_generator(self)

    def _require_session(self):
        if not self.has_session:
            raise SeqcError(
                f"{self.path}: model '{self.info.name}' has no generation "
                "session (not compiled with seqc --max-seq-len, or built "
                "before seqc_session_* existed)")

    def generate(self, prompt_ids, max_new_tokens=20, *, on_token=None,
                 **sampling):
        """Generates up to `max_new_tokens` ids after `prompt_ids` in a fresh
        session; `on_token(id)` is called for each as it is picked
        (streaming). `sampling`: temperature, top_k, top_p, seed, eos_id
        (greedy by default). See seqc._session.Session.generate."""
        self._require_session()
        from ._session import generate as _generate
        return _generate(self, prompt_ids, max_new_tokens, on_token=on_token,
                         **sampling)

    def stream(self, prompt_ids, max_new_tokens=20, **sampling):
        """Like generate, yielding each id as soon as it is picked."""
        self._require_session()
        from ._session import stream as _stream
        return _stream(self, prompt_ids, max_new_tokens, **sampling)

    def session(self, max_len=0, batch=1):
        """A KV-cache session (prefill/decode -> logits, reset, close; see
        seqc._session.Session); max_len 0: the compiled maximum."""
        self._require_session()
        from ._session import Session
        return Session(self, max_len, batch)

    def __repr__(self):
        sig = lambda ts: ", ".join(
            f"{t.name}: {t.dtype}{list(t.shape)}" for t in ts)
        return (f"<seqc.Artifact '{self.info.name}' ({sig(self.info.inputs)}) "
                f"-> ({sig(self.info.outputs)})>")


def load(so_path, *, threads=None) -> Artifact:
    """Loads a compiled artifact; `threads` sets its thread count."""
    art = Artifact(so_path)
    if threads is not None:
        art.set_num_threads(threads)
    return art
