#!/usr/bin/env python3
"""Where seqc and onnxruntime first differ, bit for bit, on llama_og_int4's
prefill (generate.json's prompt): every intermediate tensor of the model
becomes a graph output, both engines run the copy (onnxruntime: default
session options, all optimizations, 1 thread, as onnxruntime-genai runs it),
and each tensor is compared bitwise (count of differing elements, max ulp).

Then the single nodes of layer 0 run on onnxruntime's own inputs (so each
op's difference is its own), and onnxruntime's MatMulNBits (accuracy_level
4, block 32) is re-derived in numpy with MLAS's AVX-512 VNNI summation order
to show what a bitwise match would need:
  - activations: int8 per row and block of 32, scale max|x|/127, q =
    round_half_even(x * (1 / scale));
  - per column, 16 f32 lanes per 128 k: lane (j, e) holds the integer dot
    product of the unsigned weights with 8 activations (k = 64 * (e // 2) +
    16 j + 4 (e % 2) + {0..3, 8..11}), times scale_a * scale_b of its block
    (one FMA per lane), lanes folded 16 -> 8 (lo + hi) -> ((l0+l1)+l2)+l3
    per half -> half0 + half1;
  - the zero point afterwards, as an f32 GEMM over blocks:
    C += sum_b (scale_a[b] * sum(q_a[b])) * (-scale_b[b] * zp).
Since 57b9cf6 seqc computes MatMulNBits accuracy_level 4 (4 bits, block 32)
in exactly this order (seq.quant_matmul {mlas_order}; qgemm_packed.c), so
its MatMulNBits rows print 0 differing elements; llama_og_int4's generation
then reproduces all 20 greedy tokens of generate.json.

The next op that differs, SimplifiedLayerNormalization, is re-derived too
(numpy, matches onnxruntime 1.32 bit for bit on every row): the sum of
squares in 8 f32 lanes (lane l: elements l, l+8, ..., one FMA each), lanes
folded by halves (8 -> 4 -> 2 -> 1), a tail of n % 8 elements added with
scalar FMAs after the fold, mean = sum / n, r = 1 / sqrt(mean + eps) in
f32, y = (x * r) * w. seqc's lowering still sums in its own order (1-2 ulp).

  PYTHONPATH=python python3 bench/og_int4_first_diff.py
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
SHARED = REPO.parent / "shared"

import seqc  # noqa: E402

F = np.float32


def bitdiff(a, b):
    a = np.ascontiguousarray(a, F)
    b = np.ascontiguousarray(np.asarray(b, F).reshape(a.shape))
    ulp = np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64))
    return int((ulp > 0).sum()), int(ulp.max()) if ulp.size else 0


def mlas_matmulnbits(a, bq, scales):
    """onnxruntime's MatMulNBits (4 bits, block 32, accuracy_level 4, no zero
    points) in MLAS's AVX-512 VNNI summation order; K % 128 == 0."""
    n, nb, _ = bq.shape
    k = nb * 32
    assert k % 128 == 0 and a.shape[1] == k
    bu = np.zeros((n, k), np.int64)
    bu[:, 0::2] = (bq & 15).reshape(n, k // 2)
    bu[:, 1::2] = (bq >> 4).reshape(n, k // 2)
    s = scales.reshape(n, nb).astype(F)

    def fma(x, y, z):  # f32 * f32 is exact in f64
        return F(np.float64(x) * np.float64(y) + np.float64(z))
    m = a.shape[0]
    q = np.zeros((m, k), np.int64)
    sa = np.zeros((m, nb), F)
    for r in range(m):
        for b in range(nb):
            blk = a[r, 32 * b:32 * b + 32]
            sc = F(F(np.abs(blk).max()) / F(127))
            inv = F(F(1) / sc) if sc != 0 else F(0)
            q[r, 32 * b:32 * b + 32] = np.clip(np.rint(F(blk * inv)), -127, 127)
            sa[r, b] = sc
    c = np.zeros((m, n), F)
    for r in range(m):
        for col in range(n):
            acc = np.zeros(16, F)
            for it in range(nb // 4):
                for j in range(4):
                    for e in range(4):
                        base = 128 * it + 64 * (e // 2) + 16 * j + 4 * (e % 2)
                        idx = list(range(base, base + 4)) + list(range(base + 8, base + 12))
                        part = int((q[r, idx] * bu[col, idx]).sum())
                        blk = 4 * it + (j // 2 if e < 2 else 2 + j // 2)
                        acc[4 * j + e] = fma(F(part), F(s[col, blk] * sa[r, blk]), acc[4 * j + e])
            h = F(acc[:8] + acc[8:])
            t0 = F(F(F(h[0] + h[1]) + h[2]) + h[3])
            t1 = F(F(F(h[4] + h[5]) + h[6]) + h[7])
            z = F(0)
            for b in range(nb):
                z = fma(F(sa[r, b] * F(q[r, 32 * b:32 * b + 32].sum())), F(-s[col, b] * F(8)), z)
            c[r, col] = F(F(t0 + t1) + z)
    return c


def ort_rmsnorm(x, w, eps):
    """onnxruntime 1.32's SimplifiedLayerNormalization (f32) on rows of x."""
    def fma(a, b, c):  # f32 * f32 is exact in f64
        return F(np.float64(a) * np.float64(b) + np.float64(c))
    x = np.ascontiguousarray(x, F).reshape(-1, w.size)
    n, y = w.size, np.empty_like(x)
    for r in range(x.shape[0]):
        v, acc = x[r], np.zeros(8, F)
        for i in range(0, n // 8 * 8, 8):
            acc = np.array([fma(v[i + j], v[i + j], acc[j]) for j in range(8)], F)
        while acc.size > 1:
            acc = F(acc[:acc.size // 2] + acc[acc.size // 2:])
        s = acc[0]
        for t in v[n // 8 * 8:]:
            s = fma(t, t, s)
        rr = F(F(1) / F(np.sqrt(F(F(s / F(n)) + F(eps)))))
        y[r] = F(F(v * rr) * w)
    return y


def main():
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper
    d = SHARED / "models" / "llama_og_int4"
    if not d.exists():
        sys.exit(f"{d} not found")
    prompt = json.loads((d / "generate.json").read_text())["prompt"]
    t = len(prompt)
    m = onnx.load(str(d / "model.onnx"))
    outs = {o.name for o in m.graph.output}
    names = [o for n in m.graph.node if n.op_type != "Constant" for o in n.output
             if o and o not in outs and ("layers." in o or "embed" in o)]
    for nm in names:
        m.graph.output.append(helper.make_tensor_value_info(nm, onnx.TensorProto.FLOAT, None))
    feeds = {"input_ids": np.array([prompt], np.int64),
             "attention_mask": np.ones((1, t), np.int64)}
    for i in m.graph.input:
        if i.name.startswith("past"):
            feeds[i.name] = np.zeros((1, 2, 0, 16), F)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    inits = {i.name: i for i in m.graph.initializer}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        onnx.save(m, tmp / "all.onnx")
        sess = ort.InferenceSession(str(tmp / "all.onnx"), so, providers=["CPUExecutionProvider"])
        onames = [o.name for o in sess.get_outputs()]
        ref = dict(zip(onames, sess.run(None, feeds)))
        dims = {"batch_size": 1, "sequence_length": t, "past_sequence_length": 0,
                "total_sequence_length": t}
        args = [x for k, v in dims.items() for x in ("--dim", f"{k}={v}")]
        art = seqc.compile(tmp / "all.onnx", tmp / "all.so", extra_args=args, load=True,
                           threads=1)
        got = dict(zip(onames, art.run(**feeds)))
        print(f"onnxruntime {ort.__version__} vs seqc, prefill of {t} tokens, whole model "
              "(elements differing bitwise / total, max ulp):")
        for nm in names:
            nd, mu = bitdiff(ref[nm], got[nm])
            print(f"  {nm:58s} {nd:5d}/{ref[nm].size:<5d} max ulp {mu}")

        print("\nlayer 0 nodes alone, on onnxruntime's inputs:")
        ref["/model/attn_mask_reformat/attn_mask_subgraph/Sub/Cast/output_0"] = np.array([t - 1], np.int32)
        ref["/model/attn_mask_reformat/attn_mask_subgraph/Gather/Cast/output_0"] = np.array(t, np.int32)
        for idx, node in enumerate(m.graph.node):
            if not node.name.startswith("/model/layers.0/") or node.op_type in ("Sigmoid", "Mul"):
                continue
            ins, inis, vals = [], [], {}
            for i in node.input:
                if not i:
                    continue
                if i in inits:
                    inis.append(inits[i])
                else:
                    v = ref[i] if i in ref else feeds[i]
                    vals[i] = v
                    ins.append(helper.make_tensor_value_info(
                        i, helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape)))
            o_names = [o for o in node.output if o]
            g = helper.make_graph([node], "g", ins,
                                  [helper.make_tensor_value_info(o, onnx.TensorProto.FLOAT, None)
                                   for o in o_names], inis)
            path = tmp / f"node{idx}.onnx"  # one artifact per node: dlopen caches by path
            onnx.save(helper.make_model(g, opset_imports=m.opset_import), path)
            r = ort.InferenceSession(str(path), so,
                                     providers=["CPUExecutionProvider"]).run(None, vals)
            s = seqc.compile(path, tmp / f"node{idx}.so", load=True, threads=1).run(**vals)
            for o, a, b in zip(o_names, r, s):
                nd, mu = bitdiff(a, b)
                print(f"  {node.op_type:34s} {o:48s} {nd:5d}/{a.size:<5d} max ulp {mu}")
            if node.op_type == "SimplifiedLayerNormalization":
                w = numpy_helper.to_array(inits[node.input[1]])
                eps = next(a.f for a in node.attribute if a.name == "epsilon")
                emu = ort_rmsnorm(vals[node.input[0]], w, eps)
                nd, mu = bitdiff(r[0].reshape(emu.shape), emu)
                print(f"  {'  numpy, onnxruntime order':34s} {o_names[0]:48s} {nd:5d}/{emu.size:<5d} "
                      f"max ulp {mu} (vs onnxruntime)")
            if node.op_type == "MatMulNBits" and node.name.endswith("qkv_proj/MatMul_Q4"):
                bq = numpy_helper.to_array(inits[node.input[1]])
                sc = numpy_helper.to_array(inits[node.input[2]])
                a_in = vals[node.input[0]].reshape(-1, bq.shape[1] * 32)
                emu = mlas_matmulnbits(a_in, bq, sc)
                nd, mu = bitdiff(r[0].reshape(emu.shape), emu)
                print(f"  {'  numpy, MLAS VNNI order':34s} {o_names[0]:48s} {nd:5d}/{emu.size:<5d} "
                      f"max ulp {mu} (vs onnxruntime)")


if __name__ == "__main__":
    main()
