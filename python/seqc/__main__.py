"""`python -m seqc <command>`:

    compile model.onnx [-o model.so] [seqc options]   run the seqc compiler
    run model.so [--data DIR] [--rtol R] [--atol A]   run (and check) an artifact
    info model.so                                      print its signature
    bisect model.onnx [--data DIR]                     first node that differs from onnxruntime
    generate gen.so --tokenizer tokenizer.json --prompt TEXT   text in, text out
"""
import argparse
import subprocess
import sys

import numpy as np

PROG = "python -m seqc"


def _error(cmd: str, msg) -> int:
    print(f"{PROG} {cmd}: error: {msg}", file=sys.stderr)
    return 1


def cmd_compile(argv) -> int:
    from ._driver import find_tool
    try:
        exe = find_tool("seqc")
    except FileNotFoundError as e:
        return _error("compile", e)
    return subprocess.call([exe, *argv])


def _compare(name, got, want, rtol, atol) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        print(f"output '{name}': shape {list(got.shape)}, expected "
              f"{list(want.shape)} MISMATCH")
        return False
    if want.dtype.kind in "fc":
        g, w = got.astype(np.float64), want.astype(np.float64)
        err = np.abs(g - w)
        bad = (err > atol + rtol * np.abs(w)) & ~(np.isnan(g) & np.isnan(w))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(w != 0, err / np.abs(w), 0)
        abs_err = float(np.nanmax(err)) if err.size else 0.0
        rel_err = float(np.nanmax(rel)) if rel.size else 0.0
    else:
        bad = got != want
        abs_err = rel_err = float(np.count_nonzero(bad))
    ok = not np.any(bad)
    print(f"output '{name}' {list(want.shape)} {want.dtype}: "
          f"max_abs_err={abs_err:.2g} max_rel_err={rel_err:.2g} "
          f"{'OK' if ok else 'MISMATCH'}")
    return ok


def cmd_run(argv) -> int:
    ap = argparse.ArgumentParser(prog=f"{PROG} run",
                                 description="Runs an artifact through "
                                 "seqc.load (ctypes) and compares its outputs "
                                 "with DIR/output_K.pb when present.")
    ap.add_argument("artifact")
    ap.add_argument("--data", metavar="DIR")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--threads", type=int)
    a = ap.parse_args(argv)
    from . import onnx_io
    from ._runtime import SeqcError, load
    try:
        with load(a.artifact, threads=a.threads) as art:
            if a.data:
                ins, refs = onnx_io.read_test_data(a.data)
            else:
                rng = np.random.default_rng(0)
                ins, refs = [], []
                for s in art.inputs:
                    if any(d is None for d in s.shape):
                        return _error("run", f"input '{s.name}' has a dynamic "
                                      "shape: pass --data DIR")
                    ins.append(rng.standard_normal(s.shape).astype(s.dtype)
                               if s.dtype.kind == "f" else
                               np.zeros(s.shape, s.dtype))
            outs = art.run(*ins)
            ok = True
            for spec, got, want in zip(art.outputs, outs, refs):
                ok &= _compare(spec.name, got, want, a.rtol, a.atol)
            for spec, got in list(zip(art.outputs, outs))[len(refs):]:
                print(f"output '{spec.name}' {list(got.shape)} {got.dtype}")
            return 0 if ok else 1
    except (SeqcError, FileNotFoundError, TypeError) as e:
        return _error("run", e)


def cmd_info(argv) -> int:
    ap = argparse.ArgumentParser(prog=f"{PROG} info")
    ap.add_argument("artifact")
    a = ap.parse_args(argv)
    from ._runtime import SeqcError, load
    try:
        with load(a.artifact) as art:
            print(f"model '{art.info.name}', target {art.info.target}, "
                  f"{art.num_threads} threads, generation session: "
                  f"{'yes' if art.has_session else 'no'}")
            for kind, specs in (("input", art.inputs), ("output", art.outputs)):
                for s in specs:
                    dims = ["?" if d is None else d for d in s.shape]
                    print(f"  {kind} {s.name}: {s.dtype}{dims}")
        return 0
    except SeqcError as e:
        return _error("info", e)


def cmd_bisect(argv) -> int:
    from .bisect import main
    return main(argv, prog=f"{PROG} bisect")


def cmd_generate(argv) -> int:
    from .text import main
    return main(argv, prog=f"{PROG} generate")


COMMANDS = {
    "compile": cmd_compile,
    "run": cmd_run,
    "info": cmd_info,
    "bisect": cmd_bisect,
    "generate": cmd_generate,
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 1
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        return _error(argv[0], f"unknown command (one of "
                      f"{', '.join(COMMANDS)})")
    return cmd(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
