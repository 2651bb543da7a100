"""ONNX node conformance runner.

Compiles every case of the ONNX node test suite (``../shared/onnx-node-tests``
beside the repository root, or ``--cases DIR``) with ``seqc``, runs it with
``seq-run`` against ``test_data_set_0`` and classifies the result:

* ``pass``        compiled, ran, outputs match;
* ``wrong``       compiled, but ``seq-run`` reported a mismatch or an error;
* ``unsupported`` ``seqc`` exited 1 with a clean ``error:`` diagnostic;
* ``crash``       ``seqc`` or ``seq-run`` was killed by a signal, timed out or
                  exited with a code other than 0/1 (or ``seqc`` exited 1
                  without an ``error:`` line). Crashes are bugs.

Random ops. A case whose graph contains a random op (RandomUniform,
RandomUniformLike, RandomNormal, RandomNormalLike, Bernoulli, Multinomial)
has no reproducible reference values, so, as ONNX's own backend runner does,
its outputs are not compared by value: the artifact is run (in a child
process) and every output must have the reference's shape and dtype and lie
in the range the graph implies for it (``_random_output_ranges``):

* an output computed by RandomUniform / RandomUniformLike (through
  Identity): every value in ``[low, high)``;
* an output computed by Bernoulli, or by a Cast of a comparison (Bernoulli's
  function body: ``Cast(Greater(RandomUniformLike(x), x))``): every value 0
  or 1;
* any other output: finite (float) values; shape and dtype only.

Writes a Markdown report (``docs/conformance.md`` by default), prints the
totals and exits 1 if any case crashed. Usage::

    PYTHONPATH=python python3 -m seqc.conformance [-j N] [--filter REGEX]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

STATUSES = ("pass", "wrong", "unsupported", "crash")
COMPILE_TIMEOUT_S = 60
RUN_TIMEOUT_S = 120
FLOAT_TOL = (1e-3, 1e-4)  # rtol, atol
HALF_TOL = (1e-2, 1e-2)  # float16 / bfloat16 outputs


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


class Result(NamedTuple):
    case: str
    op: str
    status: str
    detail: str  # first line of the diagnostic ("" on pass)
    seconds: float
    # Graph inputs bound with ``seqc --const-input`` (from test_data_set_0)
    # because the static-shape artifact needs their values at compile time.
    specialized: tuple = ()


# --------------------------------------------------------------------------
# Model inspection (op name, output dtypes)
# --------------------------------------------------------------------------

_SCHEMA_NAMES: Optional[Dict[str, str]] = None


def _schema_names() -> Dict[str, str]:
    """Lower-case op name -> ONNX op name, for every known schema."""
    global _SCHEMA_NAMES
    if _SCHEMA_NAMES is None:
        names: Dict[str, str] = {}
        try:
            from onnx import defs

            for s in defs.get_all_schemas_with_history():
                if s.domain in ("", "ai.onnx"):
                    names.setdefault(s.name.lower(), s.name)
        except Exception:  # pragma: no cover - onnx without defs
            pass
        _SCHEMA_NAMES = names
    return _SCHEMA_NAMES


# Case-name spellings that are not the op name with underscores removed.
_NAME_ALIASES = {
    "greaterequal": "GreaterOrEqual",
    "lessequal": "LessOrEqual",
    "sce": "SoftmaxCrossEntropyLoss",
    "nllloss": "NegativeLogLikelihoodLoss",
}


def _op_from_case_name(case: str) -> Optional[str]:
    """Longest run of leading name tokens that spells an ONNX op name."""
    tokens = re.sub(r"^test_", "", case).split("_")
    names = _schema_names()
    for k in range(len(tokens), 0, -1):
        key = "".join(tokens[:k]).lower()
        op = _NAME_ALIASES.get(key) or names.get(key)
        if op:
            return op
    return None


def _inspect_model(case_dir: Path):
    """Returns (op name, list of output elem types) for a case."""
    case = case_dir.name
    first_op = None
    out_types: List[int] = []
    try:
        import onnx

        m = onnx.load(str(case_dir / "model.onnx"), load_external_data=False)
        for n in m.graph.node:
            if n.op_type != "Constant":
                first_op = n.op_type
                break
        for o in m.graph.output:
            if o.type.HasField("tensor_type"):
                out_types.append(o.type.tensor_type.elem_type)
    except Exception:
        pass
    if "_expanded" in case or first_op is None:
        op = _op_from_case_name(case) or first_op
    else:
        op = first_op
    if op is None:
        op = re.sub(r"^test_", "", case).split("_")[0]
    if "_expanded" in case:
        op += " (expanded)"
    return op, out_types


def _tolerances(out_types: List[int]):
    # TensorProto.FLOAT16 = 10, BFLOAT16 = 16
    if any(t in (10, 16) for t in out_types):
        return HALF_TOL
    return FLOAT_TOL


# --------------------------------------------------------------------------
# Running one case
# --------------------------------------------------------------------------


def _first_line(text: str, prefer: str = "error:") -> str:
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in lines:
        if prefer in l:
            return l
    return lines[0] if lines else ""


def _shorten(s: str, n: int = 120) -> str:
    s = s.replace("|", "\\|")
    return s if len(s) <= n else s[: n - 3] + "..."


def _exec(cmd: List[str], timeout: int):
    """Returns (rc, output); rc None on timeout."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, text=True, errors="replace")
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        return None, out


def _crash_detail(tool: str, rc: Optional[int], out: str, timeout: int) -> str:
    if rc is None:
        what = f"{tool}: timeout after {timeout} s"
    elif rc < 0:
        what = f"{tool}: killed by signal {-rc}"
    else:
        what = f"{tool}: exit code {rc}"
    line = _first_line(out)
    return f"{what}: {line}" if line else what


_BIND_RX = re.compile(r"graph input '([^']+)', which must be known at "
                      r"compile time")


def _input_to_bind(out: str) -> Optional[str]:
    m = _BIND_RX.search(out)
    return m.group(1) if m else None


def _input_file(data: Path, name: str) -> Optional[Path]:
    """The input_K.pb of ``data`` whose TensorProto is named ``name``."""
    try:
        import onnx

        for pb in sorted(data.glob("input_*.pb")):
            t = onnx.TensorProto()
            t.ParseFromString(pb.read_bytes())
            if t.name == name:
                return pb
    except Exception:
        pass
    return None



def _usable_data(case: Path, data: Path, tmp: Path):
    """Returns (data dir, note). A few ONNX 1.23 cases ship a 0-byte
    output_K.pb (a scalar output lost when the suite was generated). For
    those, recompute the reference with onnx's ReferenceEvaluator into a copy
    of the data dir and say so in the report, instead of failing on it."""
    empty = [p for p in data.glob("output_*.pb") if p.stat().st_size == 0]
    if not empty:
        return data, ""
    try:
        import numpy as np
        import onnx
        from onnx import numpy_helper
        from onnx.reference import ReferenceEvaluator

        model = onnx.load(str(case / "model.onnx"))
        feeds = {}
        for pb in sorted(data.glob("input_*.pb")):
            t = onnx.TensorProto()
            t.ParseFromString(pb.read_bytes())
            feeds[t.name] = numpy_helper.to_array(t)
        outs = ReferenceEvaluator(model).run(None, feeds)
        fixed = tmp / (case.name + "_data")
        fixed.mkdir(exist_ok=True)
        for pb in data.glob("input_*.pb"):
            shutil.copy(pb, fixed / pb.name)
        for k, (o, v) in enumerate(zip(model.graph.output, outs)):
            t = numpy_helper.from_array(np.asarray(v), o.name)
            (fixed / f"output_{k}.pb").write_bytes(t.SerializeToString())
        return fixed, ("reference recomputed with onnx.reference "
                       "(empty output file in the suite)")
    except Exception as e:  # keep the original data: seq-run reports it
        return data, ""


def compile_case(case_dir: Path, seqc: str, so: Path,
                 extra: Sequence[str] = ()) -> Tuple[Optional[int], str,
                                                     List[str]]:
    """Compiles case_dir/model.onnx to `so`; returns (rc, output, bound).
    An input that must be known at compile time is specialized to its value
    in test_data_set_0 (the runtime checks it) and the compile retried;
    `bound` lists those inputs."""
    bound: List[str] = []
    bind_args: List[str] = []
    while True:
        rc, out = _exec([seqc, str(case_dir / "model.onnx"), "-o", str(so)] +
                        list(extra) + bind_args, COMPILE_TIMEOUT_S)
        name = _input_to_bind(out) if rc == 1 else None
        if not name or name in bound or len(bound) >= 8:
            return rc, out, bound
        pb = _input_file(case_dir / "test_data_set_0", name)
        if pb is None:
            return rc, out, bound
        bound.append(name)
        bind_args += ["--const-input", f"{name}={pb}"]


# --------------------------------------------------------------------------
# Cases with random ops: checked by shape, dtype and value range
# --------------------------------------------------------------------------

RANDOM_OPS = frozenset({"RandomUniform", "RandomUniformLike", "RandomNormal",
                        "RandomNormalLike", "Bernoulli", "Multinomial"})
_COMPARISONS = frozenset({"Equal", "Less", "LessOrEqual", "Greater",
                          "GreaterOrEqual", "Not", "And", "Or", "Xor"})


def _random_output_ranges(case_dir: Path):
    """None when the graph has no random op; else, per graph output, the
    allowed values: ("uniform", low, high), ("binary",) or None (shape and
    dtype only). See the module docstring."""
    try:
        import onnx
        from onnx import helper

        m = onnx.load(str(case_dir / "model.onnx"), load_external_data=False)
    except Exception:
        return None
    nodes = list(m.graph.node)
    if not any(n.op_type in RANDOM_OPS for n in nodes):
        return None
    producer = {o: n for n in nodes for o in n.output}

    def attr(n, name, dflt):
        for a in n.attribute:
            if a.name == name:
                return helper.get_attribute_value(a)
        return dflt

    ranges = []
    for out in m.graph.output:
        n = producer.get(out.name)
        while n is not None and n.op_type == "Identity":
            n = producer.get(n.input[0])
        r = None
        if n is not None and n.op_type in ("RandomUniform",
                                           "RandomUniformLike"):
            r = ("uniform", float(attr(n, "low", 0.0)),
                 float(attr(n, "high", 1.0)))
        elif n is not None and n.op_type == "Bernoulli":
            r = ("binary",)
        elif n is not None and n.op_type == "Cast":
            src = producer.get(n.input[0])
            if src is not None and src.op_type in _COMPARISONS:
                r = ("binary",)
        ranges.append(r)
    return ranges


_RUN_RANDOM_SCRIPT = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import seqc
from seqc.onnx_io import read_test_data
inputs, _ = read_test_data(sys.argv[3])
outs = seqc.load(sys.argv[2]).run(*inputs)
np.savez(sys.argv[4], *[np.asarray(o) for o in outs])
"""


def _check_random_outputs(got, want, ranges) -> str:
    """'' when `got` fits the shape/dtype/range rule, else the first
    problem."""
    import numpy as np

    if len(got) != len(want):
        return f"{len(got)} outputs, the reference has {len(want)}"
    for k, (g, w, r) in enumerate(zip(got, want, ranges)):
        if g.shape != w.shape or g.dtype != w.dtype:
            return (f"output {k}: {g.dtype}{list(g.shape)}, the reference is "
                    f"{w.dtype}{list(w.shape)}")
        v = g.astype(np.float64)
        if np.issubdtype(g.dtype, np.floating) and not np.isfinite(v).all():
            return f"output {k}: non-finite values"
        if r and r[0] == "uniform" and v.size and not (
                (v >= r[1]).all() and (v < r[2]).all()):
            return (f"output {k}: values in [{v.min()}, {v.max()}] outside "
                    f"[{r[1]}, {r[2]})")
        if r and r[0] == "binary" and not np.isin(v, (0.0, 1.0)).all():
            return f"output {k}: values other than 0 and 1"
    return ""


def _run_random_case(so: Path, data: Path, ranges, tmp: Path):
    """Runs a random-op case; returns (status, detail)."""
    from seqc.onnx_io import read_test_data
    import numpy as np

    npz = so.with_suffix(".npz")
    rc, out = _exec([sys.executable, "-c", _RUN_RANDOM_SCRIPT,
                     str(_repo_root() / "python"), str(so), str(data),
                     str(npz)], RUN_TIMEOUT_S)
    if rc is None or rc < 0:
        return "crash", _crash_detail("seqc.load(...).run", rc, out,
                                      RUN_TIMEOUT_S)
    if rc != 0:
        return "wrong", _first_line(out, "Error")
    with np.load(npz) as z:
        got = [z[f"arr_{k}"] for k in range(len(z.files))]
    npz.unlink()
    _, want = read_test_data(data)
    problem = _check_random_outputs(got, want, ranges)
    if problem:
        return "wrong", "random op (shape/dtype/range check): " + problem
    return "pass", "random op: checked shape, dtype and value range"


def run_case(case_dir: Path, seqc: str, seq_run: str, tmp: Path) -> Result:
    case = case_dir.name
    op, out_types = _inspect_model(case_dir)
    start = time.monotonic()

    def done(status, detail=""):
        # Drop the (long, repeated) case paths from diagnostics.
        detail = detail.replace(str(case_dir) + "/", "").replace(str(tmp) + "/", "")
        return Result(case, op, status, detail, time.monotonic() - start)

    so = tmp / f"{case}.so"
    rc, out, bound = compile_case(case_dir, seqc, so)
    if rc != 0:
        if rc == 1 and "error:" in out:
            return done("unsupported", _first_line(out))
        return done("crash", _crash_detail("seqc", rc, out, COMPILE_TIMEOUT_S))
    data = case_dir / "test_data_set_0"
    data, note = _usable_data(case_dir, data, tmp)
    ranges = _random_output_ranges(case_dir)
    if ranges is not None:
        status, detail = _run_random_case(so, data, ranges, tmp)
        try:
            so.unlink()
        except OSError:
            pass
        return done(status, detail)
    rtol, atol = _tolerances(out_types)
    rc, out = _exec([seq_run, str(so), "--data", str(data), "--rtol",
                     str(rtol), "--atol", str(atol)], RUN_TIMEOUT_S)
    try:
        so.unlink()
    except OSError:
        pass
    if rc == 0:
        if note:
            return done("pass", note)
        if bound:
            return done("pass", "specialized: --const-input " +
                        ", ".join(bound))._replace(specialized=tuple(bound))
        return done("pass")
    if rc == 1:
        bad = [l for l in out.splitlines()
               if l.strip() and not l.rstrip().endswith(" OK")]
        return done("wrong", _first_line("\n".join(bad)))
    return done("crash", _crash_detail("seq-run", rc, out, RUN_TIMEOUT_S))


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:.1f}%" if total else "-"


def totals_line(results: List[Result]) -> str:
    n = len(results)
    parts = []
    for s in STATUSES:
        k = sum(1 for r in results if r.status == s)
        parts.append(f"{s} {k} ({_pct(k, n)})")
        if s == "pass":
            k = sum(1 for r in results if r.status == s and r.specialized)
            parts[-1] += f" [{k} specialized]"
    return f"{n} cases: " + ", ".join(parts)


def write_report(path: Path, results: List[Result], wall: float, jobs: int,
                 cases_dir: Path, filt: Optional[str]) -> None:
    n = len(results)
    lines = ["# ONNX node conformance", ""]
    lines.append("Generated by `scripts/conformance.sh` (`python3 -m "
                 "seqc.conformance`) over the ONNX node tests in "
                 "`../shared/onnx-node-tests` (`test_data_set_0` of each "
                 "case). Tolerances: rtol 1e-3, atol 1e-4; rtol/atol 1e-2 "
                 "when an output is float16/bfloat16.")
    lines.append("")
    if filt:
        lines.append(f"Filter: `{filt}`.")
        lines.append("")
    lines.append(f"Wall time: {wall:.0f} s with `-j {jobs}`.")
    lines.append("")
    lines += ["| status | cases | % |", "| --- | ---: | ---: |"]
    for s in STATUSES:
        k = sum(1 for r in results if r.status == s)
        lines.append(f"| {s} | {k} | {_pct(k, n)} |")
    lines.append(f"| total | {n} | |")
    lines.append("")
    spec = [r for r in results if r.status == "pass" and r.specialized]
    lines.append(f"**pass (specialized)**: {len(spec)} of the passing cases "
                 "compile only with `seqc --const-input` binding graph inputs "
                 "that determine shapes (axes, shape, starts...) to the values "
                 "of `test_data_set_0`; the artifact keeps those inputs and "
                 "rejects any other value at run time.")
    lines.append("")
    lines.append("Status: **pass** (matches the reference), **wrong** "
                 "(compiled, but mismatched or failed at run time), "
                 "**unsupported** (seqc rejected it with an `error:` "
                 "diagnostic), **crash** (a signal, a timeout, or an "
                 "unexpected exit code: a bug).")
    lines.append("")

    lines += ["## Per op", "",
              "| op | cases | pass | wrong | unsupported | crash |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    per_op: Dict[str, Dict[str, int]] = {}
    for r in results:
        d = per_op.setdefault(r.op, {s: 0 for s in STATUSES})
        d[r.status] += 1
    for op in sorted(per_op, key=str.lower):
        d = per_op[op]
        lines.append(f"| {op} | {sum(d.values())} | " +
                     " | ".join(str(d[s]) for s in STATUSES) + " |")
    lines.append("")

    # Ops named by "unsupported ONNX ops: A (...), B (...)" diagnostics.
    missing: Dict[str, int] = {}
    for r in results:
        m = re.search(r"unsupported ONNX ops: (.*)", r.detail)
        if r.status == "unsupported" and m:
            for op in re.findall(r"(?:^|, )([A-Za-z0-9_.]+) \(", m.group(1)):
                missing[op] = missing.get(op, 0) + 1
    if missing:
        lines += ["## Ops missing from the importer", "",
                  "Cases whose diagnostic names the op as unsupported "
                  "(a case can name several).", "",
                  "| op | cases |", "| --- | ---: |"]
        for op, k in sorted(missing.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {op} | {k} |")
        lines.append("")

    if spec:
        lines += [f"## pass (specialized) ({len(spec)})", "",
                  "| case | op | inputs bound with --const-input |",
                  "| --- | --- | --- |"]
        for r in spec:
            lines.append(f"| {r.case} | {r.op} | {', '.join(r.specialized)} |")
        lines.append("")

    recomputed = [r for r in results
                  if r.status == "pass" and "reference recomputed" in r.detail]
    if recomputed:
        lines += [f"## pass (reference recomputed) ({len(recomputed)})", "",
                  "These cases ship a 0-byte `output_0.pb`; the runner "
                  "compares against `onnx.reference.ReferenceEvaluator` "
                  "instead.", ""]
        lines += [f"- {r.case}" for r in recomputed] + [""]

    rand = [r for r in results
            if r.status == "pass" and r.detail.startswith("random op")]
    if rand:
        lines += [f"## pass (random ops) ({len(rand)})", "",
                  "These cases contain a random op; their outputs were "
                  "checked by shape, dtype and value range, not by value "
                  "(see `seqc.conformance`).", ""]
        lines += [f"- {r.case}" for r in rand] + [""]

    lines += ["## Failing cases", ""]
    for s in ("crash", "wrong", "unsupported"):
        bad = [r for r in results if r.status == s]
        lines.append(f"### {s} ({len(bad)})")
        lines.append("")
        if bad:
            lines += ["| case | op | diagnostic |", "| --- | --- | --- |"]
            for r in bad:
                lines.append(f"| {r.case} | {r.op} | `{_shorten(r.detail)}` |"
                             if r.detail else f"| {r.case} | {r.op} | |")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def _find_tool(name: str, build: Path) -> Optional[str]:
    p = build / "bin" / name
    if p.is_file() and os.access(p, os.X_OK):
        return str(p)
    return shutil.which(name)


def main(argv=None) -> int:
    root = _repo_root()
    ap = argparse.ArgumentParser(prog="seqc.conformance",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path,
                    default=root.parent / "shared" / "onnx-node-tests",
                    help="directory of ONNX node test cases")
    ap.add_argument("--build", type=Path,
                    default=Path(os.environ.get("SEQC_BUILD_DIR",
                                                root / "build")),
                    help="build directory holding bin/seqc and bin/seq-run")
    ap.add_argument("--filter", help="only cases whose name matches REGEX "
                    "(re.search)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-o", "--report", type=Path,
                    default=root / "docs" / "conformance.md",
                    help="Markdown report to write ('-' for none)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every case's status")
    args = ap.parse_args(argv)

    if not args.cases.is_dir():
        print(f"conformance: skipped: {args.cases} not found (the ONNX node "
              "tests live in ../shared beside the repository root)")
        return 0
    seqc = _find_tool("seqc", args.build)
    seq_run = _find_tool("seq-run", args.build)
    if not seqc or not seq_run:
        print("conformance: error: seqc / seq-run not found; build them with "
              "scripts/build.sh seqc seq-run seqc_runtime", file=sys.stderr)
        return 2

    cases = sorted(d for d in args.cases.iterdir()
                   if (d / "model.onnx").is_file())
    if args.filter:
        rx = re.compile(args.filter)
        cases = [d for d in cases if rx.search(d.name)]
    if not cases:
        print("conformance: no cases selected")
        return 0

    start = time.monotonic()
    results: List[Result] = []
    with tempfile.TemporaryDirectory(prefix="seqc-conformance-") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_case, d, seqc, seq_run, Path(tmp))
                       for d in cases]
            for i, f in enumerate(futures):
                r = f.result()
                results.append(r)
                if args.verbose or r.status == "crash":
                    msg = f"  {r.detail}" if r.status != "pass" else ""
                    print(f"[{i + 1}/{len(cases)}] {r.status:11} {r.case}{msg}",
                          flush=True)
    wall = time.monotonic() - start

    if str(args.report) != "-":
        write_report(args.report, results, wall, args.jobs, args.cases,
                     args.filter)
        print(f"conformance: wrote {args.report}")
    print(f"conformance: {totals_line(results)}; wall time {wall:.0f} s")
    crashes = [r for r in results if r.status == "crash"]
    if crashes:
        print(f"conformance: {len(crashes)} crash(es):")
        for r in crashes:
            print(f"  {r.case}: {_shorten(r.detail, 200)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
