"""Runs seq-gpu-quant-matmul's kernels (weight-only int4/int8 matmul, see
lib/Target/CUDA/QuantMatMul.cpp) on the CPU with simulate_kernels.py's
lockstep interpreter, extended with the integer ops of the in-register
dequantization (zero-extension, byte-to-word bitcasts, shifts, masks,
uitofp), and compares the result with numpy.

usage: simulate_quant.py --input M K N BITS GROUP ZP SCALES
         (prints the seq.quant_matmul function to build IR from; ZP 0|1,
         SCALES f32|f16)
       simulate_quant.py IR M K N BITS GROUP ZP SCALES

The weight is packed as seq.quant_matmul stores it (MatMulNBits: [N,
ceil(K/G), G*BITS/8] bytes, low nibble first), with random bytes in the
padding past K, which the kernel must ignore. Checks: the GEMV kernel
(exact f32 FMAs) within 1e-5 of float64 numpy, relative to |x| @ |W|; the
tf32 mma.sync kernel within 1e-5 of numpy on tf32-rounded activations (the
fragment layouts; the dequantized (q - z) are exact in tf32) and within
2^-10 of exact numpy (the tf32 rounding itself).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simulate_kernels as sk  # noqa: E402


class QuantSim(sk.Sim):
    """Integer values are int64 arrays; memory holds bytes as their unsigned
    values."""

    def run_op(self, op, mask, T):
        n = op.name
        V = [self.env.get(o) for o in op.operands]
        if n == "arith.extui":
            self.set(op, np.asarray(V[0]).astype(np.int64) & 0xFF
                     if "i8" in op.rest.split("->")[0] else
                     np.asarray(V[0]).astype(np.int64))
        elif n == "arith.shrui":
            self.set(op, np.right_shift(V[0].astype(np.int64),
                                        V[1].astype(np.int64)))
        elif n == "arith.andi" and V[0].dtype != bool:
            self.set(op, np.bitwise_and(V[0].astype(np.int64),
                                        V[1].astype(np.int64)))
        elif n == "arith.uitofp":
            self.set(op, V[0].astype(np.float32))
        elif n == "vector.bitcast" and "xi8>" in op.rest.split("->")[0]:
            # vector<4Nxi8> -> vector<Nxi32>: little-endian bytes.
            b = np.asarray(V[0]).astype(np.int64) & 0xFF
            b = b.reshape(T, -1, 4)
            self.set(op, (b << (8 * np.arange(4))).sum(-1))
        elif n == "arith.index_cast":
            self.set(op, V[0].astype(np.int64))
        else:
            super().run_op(op, mask, T)


def pack(q, k, bits, group, rng):
    """q [N, K] unsigned ints -> [N, G, group*bits/8] bytes; the padding of
    the last block gets random values."""
    n = q.shape[0]
    blocks = -(-k // group)
    full = rng.integers(0, 1 << bits, size=(n, blocks * group))
    full[:, :k] = q
    full = full.reshape(n, blocks, group)
    if bits == 8:
        return full.astype(np.uint8)
    return (full[..., 0::2] | (full[..., 1::2] << 4)).astype(np.uint8)


def signature(m, k, n, bits, group, zp, scales):
    blocks = -(-k // group)
    bb = group * bits // 8
    types = [f"tensor<{m}x{k}xf32>", f"tensor<{n}x{blocks}x{bb}xui8>",
             f"tensor<{n}x{blocks}x{scales}>"]
    if zp:
        types.append(f"tensor<{n}x{blocks}xui8>")
    return types, f"tensor<{m}x{n}xf32>"


def main():
    if sys.argv[1] == "--input":
        m, k, n, bits, group, zp = (int(x) for x in sys.argv[2:8])
        scales = sys.argv[8]
        types, rt = signature(m, k, n, bits, group, zp, scales)
        names = ["%x", "%w", "%s", "%z"][:len(types)]
        sig = ", ".join(f"{a}: {t}" for a, t in zip(names, types))
        print(f"func.func @f({sig}) -> {rt} {{\n"
              f"  %r = seq.quant_matmul {', '.join(names)} bits = {bits} "
              f"group = {group} : ({', '.join(types)}) -> {rt}\n"
              f"  return %r : {rt}\n}}")
        return 0
    path = sys.argv[1]
    m, k, n, bits, group, zp = (int(x) for x in sys.argv[2:8])
    scales = sys.argv[8]
    rng = np.random.default_rng(m * 1000003 + k * 1009 + n)
    blocks = -(-k // group)
    x = rng.standard_normal((m, k)).astype(np.float32)
    q = rng.integers(0, 1 << bits, size=(n, k))
    w = pack(q, k, bits, group, rng)
    s = (rng.random((n, blocks)) * 0.02 + 0.001).astype(np.float32)
    if scales == "f16":
        s = s.astype(np.float16).astype(np.float32)
    z = (rng.integers(0, 1 << bits, size=(n, blocks)).astype(np.uint8)
         if zp else None)
    out = np.full((m, n), np.nan, dtype=np.float32)
    text = open(path).read()
    args, ops = sk.parse_module(text)
    arrays = [(x, "f32"), (w.astype(np.float32), "i8"), (s, scales)]
    if zp:
        arrays.append((z.astype(np.float32), "i8"))
    arrays.append((out, "f32"))
    if len(args) != len(arrays):
        print(f"expected {len(arrays)} function arguments, got {len(args)}: "
              "MISMATCH")
        return 1
    sim = QuantSim()
    for name, (arr, elt) in zip(args, arrays):
        sim.env[name] = sk.Mem(arr, elt)
    sim.run_ops(ops, np.ones(1, dtype=bool), 1)

    zf = (z.astype(np.float64) if zp else
          np.full((n, blocks), float(1 << (bits - 1))))
    kb = np.arange(k) // group
    wd = (q - zf[:, kb]) * s.astype(np.float64)[:, kb]  # [N, K]
    ref = x.astype(np.float64) @ wd.T
    bound = np.abs(x).astype(np.float64) @ np.abs(wd).T + 1e-30
    mma = "nvvm.mma.sync" in text
    kind = "tf32 mma.sync" if mma else "gemv"
    if np.isnan(out).any():
        print(f"{kind} {m}x{k}x{n} int{bits} g{group}: unwritten outputs: "
              "MISMATCH")
        return 1
    err = float(np.max(np.abs(out - ref) / bound))
    if mma:
        ref_t = sk.tf32_round(x).astype(np.float64) @ wd.T
        err_layout = float(np.max(np.abs(out - ref_t) / bound))
        ok = err_layout <= 1e-5 and err <= 2.0 ** -10
        detail = (f"max rel err vs tf32-rounded numpy {err_layout:.3g} "
                  f"(tol 1e-5), vs exact {err:.3g} (tol 2^-10)")
    else:
        ok = err <= 1e-5
        detail = f"max rel err {err:.3g} (tol 1e-5)"
    print(f"{kind} {m}x{k}x{n} int{bits} group {group} "
          f"{'zp' if zp else 'sym'} {scales} scales: {detail}: "
          f"{'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
