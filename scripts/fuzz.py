#!/usr/bin/env python3
"""Mutation fuzzing of seqc (model bytes) and of compiled artifacts (input
data), over the ONNX node tests in ../shared. Bad input must end in a clean
error (exit 1), never a signal: every other exit status is reported with the
mutated file kept for reproduction.

  scripts/fuzz.py models [--seed N] [--iters N]   # corrupt model.onnx, run seqc
  scripts/fuzz.py inputs [--seed N] [--iters N] [--cases N]
                                      # compile cases, corrupt input_K.pb,
                                      # run seq-run on the artifact

Found this way (fixed, with tests): gather/scatter indices out of range
(test/e2e/index-checks-run.test), integer division by zero and MIN / -1
(test/e2e/int-div-run.test).
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    if not b:
        return bytes(b)
    mode = rng.choice(["flip", "trunc", "insert", "zero", "max"])
    i = rng.randrange(len(b))
    if mode == "flip":
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif mode == "trunc":
        del b[i:]
    elif mode == "insert":
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif mode == "zero":
        b[i:i + 8] = bytes(8)
    else:  # a large positive int64 / NaN-ish float bytes
        b[i:i + 8] = bytes([0xFF] * 7 + [0x7F])
    return bytes(b)


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           errors="replace", timeout=timeout)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["models", "inputs"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--cases", type=int, default=150,
                    help="inputs mode: how many node tests to compile")
    ap.add_argument("--tests", type=Path,
                    default=ROOT.parent / "shared" / "onnx-node-tests")
    ap.add_argument("--keep", type=Path, default=Path("fuzz-crashes"),
                    help="where crashing inputs are kept")
    args = ap.parse_args(argv)
    from seqc import conformance as cf
    from seqc._driver import find_tool

    if not args.tests.is_dir():
        print(f"fuzz: skipped: {args.tests} not found")
        return 0
    seqc, seq_run = find_tool("seqc"), find_tool("seq-run")
    rng = random.Random(args.seed)
    cases = sorted(d for d in args.tests.iterdir()
                   if (d / "model.onnx").is_file())
    work = Path(tempfile.mkdtemp(prefix="seqc-fuzz-"))
    crashes = 0

    def report(what, rc, err, files):
        nonlocal crashes
        crashes += 1
        keep = args.keep / f"crash_{crashes}"
        keep.mkdir(parents=True, exist_ok=True)
        for f in files:
            if f.is_dir():
                shutil.copytree(f, keep / f.name, dirs_exist_ok=True)
            else:
                shutil.copy(f, keep / f.name)
        last = err.strip().splitlines()[-1:] if err else []
        print(f"CRASH ({'timeout' if rc is None else rc}) {what}: kept in "
              f"{keep} {last}")

    try:
        if args.mode == "models":
            for _ in range(args.iters):
                case = rng.choice(cases)
                m = work / "model.onnx"
                m.write_bytes(mutate(rng, (case / "model.onnx").read_bytes()))
                target = rng.choice([[], ["--target=cuda"]])
                rc, err = run([seqc, str(m), "-o", str(work / "m.so")] + target)
                if rc not in (0, 1):
                    report(f"seqc {' '.join(target)} on a mutated "
                           f"{case.name}", rc, err, [m])
        else:
            rng.shuffle(cases)
            arts = []
            for case in cases[:args.cases]:
                so = work / f"{case.name}.so"
                rc, _, _ = cf.compile_case(case, seqc, so)
                if rc == 0:
                    arts.append((case, so))
            print(f"fuzz: {len(arts)} artifacts compiled")
            for _ in range(args.iters):
                case, so = rng.choice(arts)
                data = work / "data"
                shutil.rmtree(data, ignore_errors=True)
                shutil.copytree(case / "test_data_set_0", data)
                inputs = sorted(data.glob("input_*.pb"))
                if not inputs:
                    continue
                f = rng.choice(inputs)
                f.write_bytes(mutate(rng, f.read_bytes()))
                rc, err = run([seq_run, str(so), "--data", str(data)], 30)
                if rc not in (0, 1):
                    report(f"seq-run {case.name} with a mutated {f.name}", rc,
                           err, [data])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"fuzz: {args.mode}, seed {args.seed}, {args.iters} runs: "
          f"{crashes} crash(es)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
