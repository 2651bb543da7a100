"""Compile test cases on one machine, check the artifacts on another.

seqc compiles ahead of time: the machine that builds an artifact needs
seqc (LLVM/MLIR, ptxas), the machine that runs it needs neither. A pack is
a folder of compiled cases with their reference data, so a GPU host with
only Python, numpy and onnx can check what a build host compiled:

  python3 -m seqc.pack make OUT --seqc-arg=--target=cuda \\
      --seqc-arg=--gpu-arch=sm_90 CASE_DIR...      # build host, no GPU
  python3 -m seqc.pack check OUT [-j N] [-v]       # GPU host, no seqc

A case directory holds model.onnx and test_data_set_0/{input,output}_K.pb
(ONNX node tests, the shared model exports). `make` compiles each with the
same input specialization as seqc.conformance and records the tolerances;
`check` runs each artifact through the C ABI (one process per case, so a
fault in one does not end the rest) and compares as seq-run does. Exit
status: 0 when every compiled case matches, 1 otherwise.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

MANIFEST = "manifest.json"


# --------------------------------------------------------------------------
# make (build host)
# --------------------------------------------------------------------------


def _make_case(case_dir: Path, out: Path, seqc: str, extra: List[str],
               tol, tmp: Path) -> dict:
    from . import conformance as cf

    op, out_types = cf._inspect_model(case_dir)
    entry = {"case": case_dir.name, "op": op}
    dest = out / case_dir.name
    dest.mkdir(parents=True, exist_ok=True)
    so = dest / "model.so"
    rc, text, bound = cf.compile_case(case_dir, seqc, so, extra)
    if rc != 0:
        shutil.rmtree(dest, ignore_errors=True)
        status = "unsupported" if rc == 1 and "error:" in text else "crash"
        detail = (cf._first_line(text) if status == "unsupported" else
                  cf._crash_detail("seqc", rc, text, cf.COMPILE_TIMEOUT_S))
        entry.update(status=status, detail=detail)
        return entry
    data, note = cf._usable_data(case_dir, case_dir / "test_data_set_0", tmp)
    (dest / "data").mkdir(exist_ok=True)
    for pb in data.glob("*.pb"):
        shutil.copy(pb, dest / "data" / pb.name)
    rtol, atol = cf._tolerances(out_types)
    rtol = tol[0] if tol[0] is not None else rtol
    atol = tol[1] if tol[1] is not None else atol
    entry.update(status="compiled", rtol=rtol, atol=atol, bound=bound,
                 note=note)
    return entry


def make(args) -> int:
    import tempfile

    from ._driver import find_tool

    seqc = args.seqc or find_tool("seqc")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cases = [Path(c) for c in args.cases]
    missing = [str(c) for c in cases if not (c / "model.onnx").is_file()]
    if missing:
        print(f"seqc.pack: error: no model.onnx in {', '.join(missing)}",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="seqc-pack-") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            entries = list(pool.map(
                lambda c: _make_case(c, out, seqc, args.seqc_arg,
                                     (args.rtol, args.atol), Path(tmp)),
                cases))
    manifest = {"seqc_args": args.seqc_arg, "cases": entries,
                "made": time.strftime("%Y-%m-%d %H:%M:%S")}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    n_ok = sum(e["status"] == "compiled" for e in entries)
    for e in entries:
        if e["status"] != "compiled":
            print(f"{e['status']:11} {e['case']}  {e['detail']}")
    print(f"seqc.pack: {n_ok}/{len(entries)} compiled into {out}")
    return 0 if n_ok == len(entries) else 1


# --------------------------------------------------------------------------
# check (run host)
# --------------------------------------------------------------------------


def compare(got, want, rtol: float, atol: float):
    """(ok, max_abs_err, message) with seq-run's rule: exact for integers
    and bools, NaN only equals NaN, else |got - want| <= atol + rtol*|want|."""
    import numpy as np

    if got.shape != want.shape or got.dtype != want.dtype:
        return False, float("inf"), (f"reference is {want.dtype}"
                                     f"{list(want.shape)}, got {got.dtype}"
                                     f"{list(got.shape)}")
    if got.dtype.kind not in "fc" and str(got.dtype) not in (
            "bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
            "float8_e5m2fnuz", "float4_e2m1fn", "float8_e8m0fnu"):
        bad = got != want
        err = 0.0 if not bad.any() else float("inf")
    else:
        a = got.astype(np.float64)
        b = want.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - b)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            bad = ~same & ~(diff <= atol + rtol * np.abs(b))
        diff = np.where(same, 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)
        err = float(diff.max()) if diff.size else 0.0
    n_bad = int(np.count_nonzero(bad))
    if n_bad == 0:
        return True, err, "OK"
    first = int(np.flatnonzero(bad.reshape(-1))[0])
    return False, err, (f"{n_bad} of {bad.size} elements differ; first at "
                        f"flat index {first}: got {got.reshape(-1)[first]}, "
                        f"expected {want.reshape(-1)[first]}")


def check_one(case_dir: Path, rtol: float, atol: float) -> int:
    """Runs one packed case in this process; prints one line per output."""
    from . import load
    from .onnx_io import read_test_data

    inputs, wants = read_test_data(case_dir / "data")
    art = load(case_dir / "model.so")
    t0 = time.perf_counter()
    gots = art.run(*inputs)
    ms = (time.perf_counter() - t0) * 1e3
    ok = len(gots) == len(wants)
    if not ok:
        print(f"{len(gots)} outputs, {len(wants)} references")
    for spec, got, want in zip(art.info.outputs, gots, wants):
        good, err, msg = compare(got, want, rtol, atol)
        ok &= good
        print(f"output '{spec.name}' max_abs_err={err:.3g} {msg}")
    print(f"target {art.info.target}, first run {ms:.1f} ms")
    return 0 if ok else 1


def _check_case(out: Path, e: dict, timeout: int):
    cmd = [sys.executable, "-m", "seqc.pack", "_one", str(out / e["case"]),
           str(e["rtol"]), str(e["atol"])]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, env=env)
        rc, text = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        rc, text = None, f"timed out after {timeout} s"
    status = {0: "pass", 1: "wrong"}.get(rc, "crash")
    if rc == 1 and "Error" in text and "output '" not in text:
        status = "crash"  # an exception (SeqcError, load failure)
    return e["case"], status, text.strip(), time.monotonic() - t0


def check(args) -> int:
    out = Path(args.pack)
    try:
        manifest = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError) as e:
        print(f"seqc.pack: error: {out / MANIFEST}: {e}", file=sys.stderr)
        return 2
    entries = [e for e in manifest["cases"] if e["status"] == "compiled"]
    skipped = [e for e in manifest["cases"] if e["status"] != "compiled"]
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(
            lambda e: _check_case(out, e, args.timeout), entries))
    counts = {}
    for case, status, text, secs in results:
        counts[status] = counts.get(status, 0) + 1
        if args.verbose or status != "pass":
            lines = [l for l in text.splitlines()
                     if args.verbose or not l.rstrip().endswith(" OK")]
            print(f"{status:6} {case} ({secs:.1f} s)")
            for l in lines[-6:]:
                print(f"         {l}")
    total = len(results)
    print(f"seqc.pack: {counts.get('pass', 0)}/{total} pass, "
          f"{counts.get('wrong', 0)} wrong, {counts.get('crash', 0)} crash "
          f"({len(skipped)} not compiled: "
          f"{', '.join(e['case'] for e in skipped) or 'none'}); "
          f"seqc args {' '.join(manifest.get('seqc_args', []))}; "
          f"{time.monotonic() - start:.0f} s")
    if args.report:
        with open(args.report, "w") as f:
            for case, status, text, secs in results:
                f.write(f"{status}\t{case}\t{secs:.2f}\t"
                        f"{' | '.join(text.splitlines()[-3:])}\n")
    return 0 if counts.get("pass", 0) == total else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="seqc.pack",
                                 description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="compile cases into a pack (build host)")
    m.add_argument("out")
    m.add_argument("cases", nargs="+", help="case directories")
    m.add_argument("--seqc-arg", action="append", default=[],
                   help="extra seqc argument (repeatable), e.g. "
                   "--seqc-arg=--target=cuda")
    m.add_argument("--seqc", help="seqc binary (default: the build's)")
    m.add_argument("--rtol", type=float, help="relative tolerance for all "
                   "cases (default: seqc.conformance's per output type)")
    m.add_argument("--atol", type=float, help="absolute tolerance, likewise")
    m.add_argument("-j", "--jobs", type=int, default=2)
    c = sub.add_parser("check", help="run a pack's artifacts (run host)")
    c.add_argument("pack")
    c.add_argument("-j", "--jobs", type=int, default=4)
    c.add_argument("-v", "--verbose", action="store_true")
    c.add_argument("--timeout", type=int, default=300)
    c.add_argument("--report", help="write one line per case to this file")
    one = sub.add_parser("_one")  # internal: one case, in its own process
    one.add_argument("dir")
    one.add_argument("rtol", type=float)
    one.add_argument("atol", type=float)
    args = ap.parse_args(argv)
    if args.cmd == "make":
        return make(args)
    if args.cmd == "check":
        return check(args)
    return check_one(Path(args.dir), args.rtol, args.atol)


if __name__ == "__main__":
    sys.exit(main())
