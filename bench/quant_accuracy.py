#!/usr/bin/env python3
"""Accuracy of `seqc --quantize` against fp32, per model of ../shared/models.

For every model.onnx with test_data_set_N folders (models that already ship
quantized weights are skipped), compiles seqc fp32 and each --quantize spec
with the symbolic dims of each test set bound (--dim), runs the test inputs
and compares the first output (logits) of the quantized artifact with the fp32
artifact: max abs error (and the largest |logit|, for scale) and top-1
agreement (argmax over the last axis, every position).

  PYTHONPATH=python python3 bench/quant_accuracy.py [--specs w8,w4:group=32]
      [--models gpt2,seedlm/og_fp32] [--markdown]
"""
import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
SHARED = REPO.parent / "shared"

import seqc  # noqa: E402


def load_set(d):
    import onnx
    from onnx import numpy_helper
    feeds = {}
    for f in sorted(d.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[1])):
        t = onnx.load_tensor(str(f))
        feeds[t.name] = numpy_helper.to_array(t)
    return feeds


def dims_for(model, feeds):
    """--dim bindings: every dim_param of a graph input, from the test data."""
    dims = {}
    for vi in model.graph.input:
        if vi.name not in feeds:
            continue
        for d, n in zip(vi.type.tensor_type.shape.dim, feeds[vi.name].shape):
            if d.dim_param and all(c.isalnum() or c == "_" for c in d.dim_param):
                dims[d.dim_param] = n
    return dims


def is_quantized(model):
    return any(n.op_type in ("MatMulNBits", "DequantizeLinear", "MatMulInteger")
               for n in model.graph.node)


def main():
    import onnx
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specs", default="w8,w4:group=32")
    ap.add_argument("--models", default="",
                    help="comma-separated paths under ../shared/models (default: all)")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} not found: this report needs ../shared")
    root = SHARED / "models"
    paths = ([root / m / "model.onnx" for m in a.models.split(",")] if a.models
             else sorted(root.rglob("model.onnx")))
    specs = a.specs.split(",")
    work = Path(tempfile.mkdtemp(prefix="quant-acc-"))
    rows = []
    for path in paths:
        name = str(path.parent.relative_to(root))
        model = onnx.load(str(path), load_external_data=False)
        if is_quantized(model):
            print(f"{name}: skipped (ships quantized weights)", flush=True)
            continue
        sets = sorted(path.parent.glob("test_data_set_*"))
        if not sets:
            print(f"{name}: skipped (no test sets)", flush=True)
            continue
        for ts in sets:
            feeds = load_set(ts)
            dims = dims_for(model, feeds)
            args = [x for k, v in dims.items() for x in ("--dim", f"{k}={v}")]
            tag = name.replace("/", "_") + "_" + ts.name
            try:
                ref_art = seqc.compile(path, work / f"{tag}_fp32.so", extra_args=args,
                                       load=True)
                ref = np.asarray(ref_art.run(**feeds)[0], np.float64)
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"{name} {ts.name}: fp32 failed: {str(e).strip()[:200]}", flush=True)
                continue
            for spec in specs:
                try:
                    art = seqc.compile(path, work / f"{tag}_{spec.replace(':', '_')}.so",
                                       extra_args=[*args, f"--quantize={spec}"], load=True)
                    got = np.asarray(art.run(**feeds)[0], np.float64)
                except Exception as e:  # noqa: BLE001
                    print(f"{name} {ts.name} {spec}: failed: {str(e).strip()[:200]}",
                          flush=True)
                    continue
                err = float(np.abs(got - ref).max())
                scale = float(np.abs(ref).max())
                top1 = float((got.reshape(-1, got.shape[-1]).argmax(-1) ==
                              ref.reshape(-1, ref.shape[-1]).argmax(-1)).mean())
                rows.append((name, ts.name, spec, err, scale, top1))
                print(f"{name:<22} {ts.name:<16} {spec:<14} max_abs_err={err:.4g} "
                      f"(max|logit| {scale:.3g}) top1={top1:.1%}", flush=True)
    if a.markdown:
        print("\n| model | test set | --quantize | logits max abs err | max abs logit "
              "| top-1 agreement |\n| --- | --- | --- | --- | --- | --- |")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.4g} | {r[4]:.3g} | {r[5]:.1%} |")


if __name__ == "__main__":
    main()
