#!/usr/bin/env python3
"""Mutation fuzzing of seqc (model bytes) and of compiled artifacts (input
data), over the ONNX node tests in ../shared. Bad input must end in a clean
error (exit 1), never a signal: every other exit status is reported with the
mutated file kept for reproduction.

  scripts/fuzz.py models [--seed N] [--iters N]   # corrupt model.onnx, run seqc
  scripts/fuzz.py graphs [--seed N] [--iters N]   # valid protobuf, wrong graph:
                                      # dims, ranks, types, attributes,
                                      # dropped inputs, opset; run seqc
  scripts/fuzz.py inputs [--seed N] [--iters N] [--cases N]
                                      # compile cases, corrupt input_K.pb,
                                      # run seq-run on the artifact

Found this way (fixed, with tests): gather/scatter indices out of range
(test/e2e/index-checks-run.test), integer division by zero and MIN / -1
(test/e2e/int-div-run.test), empty variadic inputs and LayerNorm scales
that do not broadcast (test/Import/error-variadic-empty.pbtxt,
error-layernorm-scale.pbtxt).
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


def mutate_graph(rng: random.Random, m):
    """One structural change to an onnx.ModelProto (in place)."""
    import onnx

    g = m.graph
    mode = rng.choice(["dim", "rank", "type", "attr_int", "attr_del",
                       "drop_input", "opset", "init_dims"])
    ints = (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)
    if mode in ("dim", "rank", "type") and g.input:
        t = rng.choice(g.input).type.tensor_type
        if mode == "type":
            t.elem_type = rng.choice([1, 2, 3, 5, 6, 7, 9, 10, 11, 16])
        elif mode == "dim" and t.shape.dim:
            rng.choice(t.shape.dim).dim_value = rng.choice(
                [0, 1, 2, 3, 7, 1000, 2**31])
        elif mode == "rank" and t.shape.dim and rng.random() < 0.5:
            del t.shape.dim[-1]
        elif mode == "rank":
            t.shape.dim.add().dim_value = rng.choice([1, 2, 5])
    elif mode == "attr_int":
        nodes = [n for n in g.node if any(a.type in ints for a in n.attribute)]
        if nodes:
            a = rng.choice([a for a in rng.choice(nodes).attribute
                            if a.type in ints])
            v = rng.choice([-5, -1, 0, 1, 2, 7, 99, -2**40])
            if a.type == onnx.AttributeProto.INT:
                a.i = v
            elif a.ints:
                a.ints[rng.randrange(len(a.ints))] = v
            else:
                a.ints.append(v)
    elif mode == "attr_del":
        nodes = [n for n in g.node if n.attribute]
        if nodes:
            n = rng.choice(nodes)
            del n.attribute[rng.randrange(len(n.attribute))]
    elif mode == "drop_input":
        nodes = [n for n in g.node if n.input]
        if nodes:
            n = rng.choice(nodes)
            if rng.random() < 0.5:
                del n.input[-1]
            else:
                n.input[rng.randrange(len(n.input))] = ""
    elif mode == "opset":
        m.opset_import[0].version = rng.choice([1, 7, 11, 13, 17, 21, 23, 24,
                                                30])
    elif mode == "init_dims" and g.initializer:
        t = rng.choice(g.initializer)
        if t.dims:
            t.dims[rng.randrange(len(t.dims))] += rng.choice([-1, 1, 5])
    return mode


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           errors="replace", timeout=timeout)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["models", "graphs", "inputs"])
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
        if args.mode == "graphs":
            import onnx

            for _ in range(args.iters):
                case = rng.choice(cases)
                model = onnx.load(str(case / "model.onnx"))
                mode = mutate_graph(rng, model)
                m = work / "model.onnx"
                onnx.save(model, str(m))
                rc, err = run([seqc, str(m), "-o", str(work / "m.so")], 120)
                if rc not in (0, 1):
                    report(f"seqc on {case.name} after a {mode} change", rc,
                           err, [m])
        elif args.mode == "models":
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
