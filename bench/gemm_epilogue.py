#!/usr/bin/env python3
"""GEMM epilogues (#17): prefill with and without fusing bias / residual /
activation into the GEMM tiles, same run, vs onnxruntime.

Each model is compiled twice: `SEQC_GEMM_EPILOGUES=0` (every consumer is its
own pass over C, as before) and the default (consumers folded into
seqc_uk_sgemm_ep). Both artifacts and an onnxruntime session run the same
inputs at --threads threads in alternating blocks (medians); outputs are
compared with onnxruntime. Models:
  gpt2_style_h768   4 GPT-2 blocks as torch exports them (LayerNorm,
                    MatMul + bias Add, tanh GELU written with Pow/Tanh,
                    residual Adds; single-head attention), S=128
  qwen2_style_h768  4 Qwen2-style blocks: biased q/k/v projections,
                    attention, o_proj + residual, SwiGLU MLP + residual
  gpt2, qwen2_gen   the shared exports (../shared/models), when present

  PYTHONPATH=python python3 bench/gemm_epilogue.py [--threads 2] [--runs 30]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import seqc  # noqa: E402
from benchutil import isa_line  # noqa: E402
from seqc.onnx_io import read_test_data  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"


class Graph:
    def __init__(self, seed=0):
        self.nodes, self.inits, self.rng, self.n = [], [], np.random.default_rng(seed), 0

    def name(self, p):
        self.n += 1
        return f"{p}_{self.n}"

    def w(self, *shape, scale=None):
        scale = scale or 1 / np.sqrt(shape[0])
        t = self.name("w")
        self.inits.append(numpy_helper.from_array(
            (self.rng.standard_normal(shape) * scale).astype(np.float32), t))
        return t

    def c(self, v):
        t = self.name("c")
        self.inits.append(numpy_helper.from_array(np.array(v, np.float32), t))
        return t

    def op(self, kind, *ins, **attrs):
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, list(ins), [out], **attrs))
        return out

    def linear(self, x, din, dout, bias=True):
        y = self.op("MatMul", x, self.w(din, dout))
        return self.op("Add", y, self.w(dout, scale=0.1)) if bias else y

    def layernorm(self, x, h):
        return self.op("LayerNormalization", x, self.c(np.ones(h)),
                       self.c(np.zeros(h)), axis=-1, epsilon=1e-5)

    def gelu_tanh(self, x):  # as torch exports GELU(approximate='tanh')
        cube = self.op("Pow", x, self.c(3.0))
        inner = self.op("Add", x, self.op("Mul", cube, self.c(0.044715)))
        t = self.op("Tanh", self.op("Mul", inner, self.c(np.sqrt(2 / np.pi))))
        return self.op("Mul", self.op("Mul", x, self.c(0.5)),
                       self.op("Add", t, self.c(1.0)))

    def attention(self, q, k, v, d):
        s = self.op("MatMul", q, self.op("Transpose", k, perm=[0, 2, 1]))
        p = self.op("Softmax", self.op("Div", s, self.c(np.sqrt(d))), axis=-1)
        return self.op("MatMul", p, v)

    def save(self, path, x, out, s, h):
        g = helper.make_graph(
            self.nodes, "g",
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, s, h])],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
            self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
        onnx.save(m, str(path))


def gpt2_style(path, layers=4, s=128, h=768):
    g = Graph(1)
    x = hs = "x"
    for _ in range(layers):
        ln = g.layernorm(hs, h)
        a = g.attention(g.linear(ln, h, h), g.linear(ln, h, h),
                        g.linear(ln, h, h), h)
        hs = g.op("Add", hs, g.linear(a, h, h))
        u = g.gelu_tanh(g.linear(g.layernorm(hs, h), h, 4 * h))
        hs = g.op("Add", hs, g.linear(u, 4 * h, h))
    g.save(path, x, hs, s, h)


def qwen2_style(path, layers=4, s=128, h=768, inter=2048):
    g = Graph(2)
    x = hs = "x"
    for _ in range(layers):
        ln = g.layernorm(hs, h)
        a = g.attention(g.linear(ln, h, h), g.linear(ln, h, h),
                        g.linear(ln, h, h), h)
        hs = g.op("Add", hs, g.linear(a, h, h, bias=False))
        ln2 = g.layernorm(hs, h)
        gate = g.linear(ln2, h, inter, bias=False)
        up = g.linear(ln2, h, inter, bias=False)
        act = g.op("Mul", g.op("Mul", gate, g.op("Sigmoid", gate)), up)
        hs = g.op("Add", hs, g.linear(act, inter, h, bias=False))
    g.save(path, x, hs, s, h)


def interleaved(fns, runs, block=5, budget_s=90.0):
    times = [[] for _ in fns]
    start = time.perf_counter()
    order = list(range(len(fns)))
    while len(times[0]) < runs:
        for i in order:
            fns[i]()
            for _ in range(block):
                t = time.perf_counter()
                fns[i]()
                times[i].append((time.perf_counter() - t) * 1e3)
            time.sleep(0.2)  # onnxruntime's spinning workers go idle
        order = order[::-1]
        if time.perf_counter() - start > budget_s and len(times[0]) >= 10:
            break
    return [statistics.median(t) for t in times], len(times[0])


def fused_calls(so_dir, model, args):
    mlir = so_dir / "uk.mlir"
    seqc.compile(str(model), str(mlir), extra_args=args + ["--emit=llvm-dialect"])
    text = mlir.read_text()
    return text.count("call @seqc_uk_sgemm_ep("), text.count("call @seqc_uk_sgemm(")


def bench(name, model, inputs, args, threads, runs, tmp):
    import onnxruntime as ort
    arts = []
    for env in ("0", "1"):
        so = tmp / f"{name}_{env}.so"
        os.environ["SEQC_GEMM_EPILOGUES"] = env
        seqc.compile(str(model), str(so), extra_args=args)
        arts.append(seqc.load(str(so), threads=threads))
    fused, plain = fused_calls(tmp, model, args)
    os.environ.pop("SEQC_GEMM_EPILOGUES")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
    peer = sess.run(None, feeds)
    err = [0.0, 0.0]
    for k, art in enumerate(arts):
        for got, want in zip(art.run(*inputs), peer):
            got = np.asarray(got)
            assert got.shape == want.shape, (name, got.shape, want.shape)
            scale = float(np.max(np.abs(want))) or 1.0
            err[k] = max(err[k], float(np.max(np.abs(got - want))) / scale)
    (before, after, ort_ms), n = interleaved(
        [lambda: arts[0].run(*inputs), lambda: arts[1].run(*inputs),
         lambda: sess.run(None, feeds)], runs)
    print(f"{name:<18} {fused:>3}/{fused + plain:<3} {before:9.3f} {after:9.3f} "
          f"{before / after:8.3f} {ort_ms:9.3f} {ort_ms / after:8.2f} "
          f"{err[0]:9.1e} {err[1]:9.1e} {n:5d}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--only", help="substring of the model names to run")
    a = ap.parse_args()
    import onnxruntime as ort
    print(isa_line())
    print(f"seqc kernel: {seqc.kernel_name() if hasattr(seqc, 'kernel_name') else '?'}; "
          f"onnxruntime {ort.__version__}; {a.threads} threads; medians of "
          "alternating blocks")
    print(f"{'model':<18} {'fused':>7} {'before ms':>9} {'after ms':>9} "
          f"{'speedup':>8} {'ort ms':>9} {'ort/seqc':>8} {'err bef':>9} "
          f"{'err aft':>9} {'runs':>5}")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cases = []
        for name, build in (("gpt2_style_h768", gpt2_style),
                            ("qwen2_style_h768", qwen2_style)):
            p = tmp / f"{name}.onnx"
            build(p)
            cases.append((name, p, [rng.standard_normal((1, 128, 768))
                                    .astype(np.float32)], []))
        models = SHARED / "models"
        if (models / "gpt2").is_dir():
            ins, _ = read_test_data(models / "gpt2" / "test_data_set_0")
            cases.append(("gpt2", models / "gpt2" / "model.onnx", ins, []))
        else:
            print(f"skip gpt2, qwen2_gen: {models} is absent")
        q = models / "qwen2_gen" / "prefill"
        if q.is_dir():
            ids = rng.integers(0, 500, (1, 128)).astype(np.int64)
            cases.append(("qwen2_gen_s128", q / "model.onnx", [ids],
                          ["--dim", "seq=128"]))
        for name, model, inputs, args in cases:
            if a.only and a.only not in name:
                continue
            bench(name, model, inputs, args, a.threads, a.runs, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
