"""`seqc bisect`: the first ONNX node whose output differs between a seqc
artifact and onnxruntime.

A debug variant of the model exposes every intermediate node output that
some node consumes as an extra graph output; seqc compiles it (with the same
extra arguments as the real compile) and onnxruntime runs it on the same
inputs. The nodes' outputs are then compared in topological order (the
order of graph.node, which ONNX requires to be topological) and the first
one beyond tolerance is reported with both values.

    python -m seqc bisect model.onnx --data test_data_set_0
    seq-run --bisect model.onnx --data test_data_set_0
"""
import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import onnx_io
from ._driver import CompileError, compile as seqc_compile
from ._runtime import SeqcError, load


@dataclass
class Mismatch:
    node: str  # node name (or "#K <op_type>" for an unnamed node)
    op_type: str
    index: int  # position in graph.node
    output: str  # the differing output's value name
    shape: tuple
    dtype: str
    where: tuple  # index of the worst element
    got: object  # seqc's value there
    want: object  # onnxruntime's value there
    max_abs_err: float
    bad: int  # elements beyond tolerance

    def describe(self) -> str:
        return (f"first differing node: '{self.node}' ({self.op_type}, node "
                f"#{self.index}), output '{self.output}' {list(self.shape)} "
                f"{self.dtype}: {self.bad} element(s) beyond tolerance, "
                f"max_abs_err={self.max_abs_err:.3g}; at {list(self.where)}: "
                f"seqc={self.got!r} onnxruntime={self.want!r}")


@dataclass
class Result:
    mismatch: Optional[Mismatch]
    compared: int  # node outputs compared
    nodes: int  # nodes with at least one compared output
    later: List[str]  # further differing nodes (names), after the first


def _node_name(node, index: int) -> str:
    return node.name or f"#{index} {node.op_type}"


def debug_model(model):
    """A copy of `model` whose graph also outputs every node output that
    another node consumes (untyped: seqc and onnxruntime infer the types).
    Returns (model, [(node index, output name)] in topological order)."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    consumed = {i for n in g.node for i in n.input if i}
    existing = {o.name for o in g.output}
    exposed = []
    for k, n in enumerate(g.node):
        if n.op_type == "Constant":  # weights, not computation
            continue
        for o in n.output:
            if not o or (o not in consumed and o not in existing):
                continue
            exposed.append((k, o))
            if o not in existing:
                g.output.append(onnx.ValueInfoProto(name=o))
                existing.add(o)
    return m, exposed


def _mismatch(got: np.ndarray, want: np.ndarray, rtol: float, atol: float):
    """(bad count, worst index, max abs err); shapes/dtypes already equal."""
    if want.size == 0:
        return 0, (), 0.0
    if want.dtype.kind in "biu":
        bad = got != want
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    else:
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        err = np.abs(g - w)
        nan_g, nan_w = np.isnan(g), np.isnan(w)
        bad = (err > atol + rtol * np.abs(w)) | (nan_g != nan_w)
        bad &= ~(nan_g & nan_w)
        err = np.where(nan_g | nan_w, np.where(nan_g == nan_w, 0, np.inf),
                       err)
        err = np.nan_to_num(err, nan=np.inf)
    n = int(np.count_nonzero(bad))
    if not n:
        return 0, (), float(err.max())
    worst = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), want.shape)
    return n, tuple(int(i) for i in worst), float(err[worst])


def _scalar(a: np.ndarray, where: tuple):
    v = a[where] if a.ndim else a[()]
    return v.item() if hasattr(v, "item") else v


def _dim_bindings(model, feeds: Dict[str, np.ndarray],
                  seqc_args: Sequence[str]) -> List[str]:
    """`--dim NAME=N` for every symbolic input dimension, from the shapes of
    the inputs at hand (the debug artifact only has to serve these), unless
    `seqc_args` binds NAME already."""
    given = set()
    for i, a in enumerate(seqc_args):
        spec = a[len("--dim="):] if a.startswith("--dim=") else (
            seqc_args[i + 1] if a == "--dim" and i + 1 < len(seqc_args)
            else None)
        if spec and "=" in spec:
            given.add(spec.split("=", 1)[0])
    dims: Dict[str, int] = {}
    for inp in model.graph.input:
        a = feeds.get(inp.name)
        shape = inp.type.tensor_type.shape.dim
        if a is None or len(shape) != a.ndim:
            continue
        for d, n in zip(shape, a.shape):
            if d.dim_param and d.dim_param not in given:
                dims.setdefault(d.dim_param, int(n))
    return [f"--dim={k}={v}" for k, v in dims.items()]


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK)


def _inputs(model, data_dir) -> Dict[str, np.ndarray]:
    import onnx
    from onnx import helper

    inits = {t.name for t in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in inits]
    if data_dir is not None:
        arrays, _ = onnx_io.read_test_data(data_dir)
        if len(arrays) != len(graph_inputs):
            raise ValueError(f"{data_dir}: {len(arrays)} input files, the model "
                             f"has {len(graph_inputs)} inputs")
        return {i.name: a for i, a in zip(graph_inputs, arrays)}
    # Generated as seq-run does: random floats, zero integers.
    rng = np.random.default_rng(0)
    out = {}
    for i in graph_inputs:
        tt = i.type.tensor_type
        shape = []
        for d in tt.shape.dim:
            if not d.HasField("dim_value"):
                raise ValueError(f"input '{i.name}' has a symbolic dimension "
                                 "('" + d.dim_param + "'): pass --data DIR")
            shape.append(d.dim_value)
        dtype = helper.tensor_dtype_to_np_dtype(tt.elem_type)
        if dtype.kind == "f":
            out[i.name] = rng.standard_normal(shape).astype(dtype)
        else:
            out[i.name] = np.zeros(shape, dtype)
    return out


def bisect(model_path, data_dir=None, *, rtol=1e-4, atol=1e-5,
           seqc_args: Sequence[str] = (), work_dir=None,
           threads: Optional[int] = None) -> Result:
    """Compiles the debug variant of `model_path` with seqc (extra command
    line `seqc_args`), runs it and onnxruntime on the inputs of `data_dir`
    (input_K.pb; generated when None) and compares every node output in
    topological order."""
    import onnx
    import onnxruntime as ort

    # External weights stay where they are (read by seqc and onnxruntime).
    model = onnx.load(str(model_path), load_external_data=False)
    dbg, exposed = debug_model(model)
    feeds = _inputs(model, data_dir)

    with tempfile.TemporaryDirectory(prefix="seqc-bisect-",
                                     dir=work_dir) as tmp:
        # External weights (location=...) resolve relative to the model
        # file: the debug model goes beside the original, or, where that is
        # not writable, into the temporary directory with a copy of them.
        src_dir = Path(model_path).resolve().parent
        dbg_path = Path(tmp) / "debug.onnx"
        external = any(t.data_location == onnx.TensorProto.EXTERNAL
                       for t in dbg.graph.initializer)
        if external and _writable(src_dir):
            dbg_path = src_dir / f".seqc-bisect-{os.getpid()}.onnx"
        elif external:
            from onnx.external_data_helper import load_external_data_for_model
            load_external_data_for_model(dbg, str(src_dir))
        try:
            if external and dbg_path.parent != src_dir:
                onnx.save(dbg, str(dbg_path), save_as_external_data=True,
                          location="debug.onnx.data")
            else:
                onnx.save(dbg, str(dbg_path))
            so = seqc_compile(dbg_path, Path(tmp) / "debug.so",
                              extra_args=["--name", "debug", *seqc_args,
                                          *_dim_bindings(model, feeds,
                                                         seqc_args)])
            so_opts = ort.SessionOptions()
            so_opts.graph_optimization_level = (
                ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
            if threads:
                so_opts.intra_op_num_threads = threads
            sess = ort.InferenceSession(str(dbg_path), so_opts,
                                        providers=["CPUExecutionProvider"])
        finally:
            if dbg_path.parent == src_dir:
                dbg_path.unlink(missing_ok=True)
        names = [o.name for o in sess.get_outputs()]
        want = dict(zip(names, sess.run(names, feeds)))
        with load(so, threads=threads) as art:
            got_list = art.run(**{s.name: feeds[s.name] for s in art.inputs})
            got = {s.name: a for s, a in zip(art.outputs, got_list)}

    first = None
    later: List[str] = []
    compared = 0
    nodes = set()
    for k, name in exposed:
        node = dbg.graph.node[k]
        if name not in got or name not in want:
            continue
        g, w = np.asarray(got[name]), np.asarray(want[name])
        compared += 1
        nodes.add(k)
        label = _node_name(node, k)
        if g.shape != w.shape or g.dtype != w.dtype:
            mm = Mismatch(label, node.op_type, k, name, w.shape, str(w.dtype),
                          (), f"{g.dtype}{list(g.shape)}",
                          f"{w.dtype}{list(w.shape)}", float("inf"), w.size)
        else:
            bad, where, err = _mismatch(g, w, rtol, atol)
            if not bad:
                continue
            mm = Mismatch(label, node.op_type, k, name, w.shape, str(w.dtype),
                          where, _scalar(g, where), _scalar(w, where), err,
                          bad)
        if first is None:
            first = mm
        elif label != first.node and label not in later:
            later.append(label)
    return Result(first, compared, len(nodes), later)


def main(argv=None, prog="seqc bisect") -> int:
    ap = argparse.ArgumentParser(
        prog=prog,
        description="Names the first ONNX node (topological order) whose "
        "output differs between the seqc artifact and onnxruntime.")
    ap.add_argument("model", help="model.onnx")
    ap.add_argument("--data", metavar="DIR",
                    help="inputs DIR/input_K.pb (default: generated)")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--threads", type=int, default=None,
                    help="threads of both runtimes")
    ap.add_argument("--seqc-arg", action="append", default=[], metavar="ARG",
                    help="extra seqc argument for the debug compile "
                    "(repeatable), e.g. --seqc-arg=--dim=seq=16")
    args = ap.parse_args(argv)
    if not Path(args.model).is_file():
        print(f"{prog}: error: {args.model}: no such file", file=sys.stderr)
        return 2
    try:
        res = bisect(args.model, args.data, rtol=args.rtol, atol=args.atol,
                     seqc_args=args.seqc_arg, threads=args.threads)
    except (CompileError, SeqcError, ValueError, FileNotFoundError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"{prog}: error: {e.name or e} is required (pip install "
              "onnx onnxruntime)", file=sys.stderr)
        return 2
    print(f"compared {res.compared} outputs of {res.nodes} nodes "
          f"(rtol {args.rtol:g}, atol {args.atol:g})")
    if res.mismatch is None:
        print("no node output differs beyond tolerance")
        return 0
    print(res.mismatch.describe())
    if res.later:
        shown = ", ".join(f"'{n}'" for n in res.later[:5])
        more = f" and {len(res.later) - 5} more" if len(res.later) > 5 else ""
        print(f"later differing nodes: {shown}{more}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
