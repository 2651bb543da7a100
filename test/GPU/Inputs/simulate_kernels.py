"""Runs the GPU kernels of a small MLIR function on the CPU and compares the
result with numpy attention: a check of seq-gpu-flash-attention's index
math (fragment layouts, ldmatrix addressing, masks, cp.async ordering,
split-K merge) on a machine without a GPU.

usage: simulate_kernels.py IR B Hq Hkv Sq Skv D dtype causal(0|1) scale
       simulate_kernels.py --input B Hq Hkv Sq Skv D dtype causal scale
         (prints the seq.attention function to build IR from)
       simulate_kernels.py --norm IR KIND ROWS N dtype
       simulate_kernels.py --norm-input KIND ROWS N dtype
         (KIND: rms, layer, layer_bias, softmax, log_softmax: the one-kernel
         row normalizations of seq-gpu-fused-norms against numpy)
       simulate_kernels.py --matmul IR M K N
       simulate_kernels.py --matmul-input M K N
         (f32 C += A @ B of seq-gpu-tensor-core-matmul{allow-tf32=true}:
         mma.m16n8k8 .tf32 and cvt.rna.tf32.f32; the function to build from)

IR is the output of `seq-opt --seq-gpu-flash-attention
--mlir-print-op-generic` on a function (q, k, v, out) holding the marker
call. The interpreter runs every thread of a CTA in lockstep (values are
numpy arrays over the threads; scf.if masks threads). Warp-level ops follow
the PTX ISA: mma.m16n8k16 (.f16/.bf16, f32 accumulators), ldmatrix .x4
(.trans), shfl.bfly, mma.m16n8k8 .tf32 and cvt.rna.tf32.f32. cp.async copies land only when a cp.async.wait_group
requires them, so a read before the matching wait sees stale data. This
checks the generated IR against the author's reading of those semantics,
not real hardware.
"""
import re
import sys

import numpy as np

# ---------------------------------------------------------------- parsing

OP_RE = re.compile(r'^\s*(?:(%[\w]+)(?::(\d+))?\s*=\s*)?"([\w.]+)"\((.*?)\)(.*)$')


BLOCK_LINES = {}  # block arguments -> the "^bb" line (their types)


class Op:
    def __init__(self, results, name, operands, rest):
        self.results, self.name, self.operands = results, name, operands
        self.rest = rest  # properties/attributes/types text
        self.regions = []  # list of (block_args, ops)


def parse_operands(text):
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_region_body(lines, i):
    """Parses ops until a line starting with '}' (not consumed)."""
    args, ops = [], []
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s.startswith("}"):
            return args, ops, i
        if s.startswith("^bb"):
            args = re.findall(r"(%[\w]+):", s)
            BLOCK_LINES[tuple(args)] = s
            i += 1
            continue
        m = OP_RE.match(line)
        if not m:
            raise SystemExit(f"cannot parse: {line}")
        res, n, name, operands, rest = m.groups()
        results = []
        if res:
            n = int(n or 1)
            results = [res] if n == 1 else [f"{res}#{j}" for j in range(n)]
        op = Op(results, name, parse_operands(operands), rest)
        i += 1
        if rest.rstrip().endswith("({"):
            while True:
                a, body, i = parse_region_body(lines, i)
                op.regions.append((a, body))
                closing = lines[i].strip()
                i += 1
                if closing.startswith("}, {"):
                    continue
                op.rest = rest + closing  # "}) {attrs} : types"
                break
        ops.append(op)
    return args, ops, i


def parse_module(text):
    lines = [l for l in text.split("\n") if l.strip()]
    # Find the function with a body (not the private declarations).
    for i, line in enumerate(lines):
        if '"func.func"' in line and line.rstrip().endswith("({"):
            args, ops, _ = parse_region_body(lines, i + 1)
            if ops:
                return args, ops
    raise SystemExit("no function body found")


def attr_int(op, key):
    m = re.search(key + r" = (-?\d+)", op.rest)
    return int(m.group(1)) if m else None


def result_types(op):
    m = re.search(r"->\s*(.*)$", op.rest)
    return m.group(1).strip() if m else ""


# ---------------------------------------------------------------- values

def bf16_round(x):
    x = np.asarray(x, dtype=np.float32)
    b = x.view(np.uint32).astype(np.uint64)
    b = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) << 16
    return b.astype(np.uint32).view(np.float32)


def elt_of(type_text):
    for name in ("bf16", "f16", "f32", "index", "i32", "i64", "i1"):
        if re.search(r"\b" + name + r"\b", type_text) or type_text.endswith(
                "x" + name + ">") or ("x" + name) in type_text:
            return name
    return "f32"


def round_to(elt, x):
    if elt == "f16":
        return np.asarray(x, dtype=np.float32).astype(np.float16).astype(
            np.float32)
    if elt == "bf16":
        return bf16_round(x)
    return np.asarray(x, dtype=np.float32)


def _mma_maps():
    """Fragment element -> matrix position for mma.m16n8k16 (PTX ISA;
    g = lane / 4, t = lane % 4): A register r holds (row g + 8 (r % 2),
    cols 2t + 8 (r / 2) + {0, 1}); B register r (k 2t + 8r + {0, 1}, n g);
    C/D register r (row g + 8r, cols 2t + {0, 1})."""
    L = np.arange(32)[:, None, None]
    r = np.arange(4)[None, :, None]
    e2 = np.arange(2)[None, None, :]
    g, t = L // 4, L % 4
    ar = np.broadcast_to(g + 8 * (r % 2), (32, 4, 2))
    ac = np.broadcast_to(2 * t + 8 * (r // 2) + e2, (32, 4, 2))
    r2 = np.arange(2)[None, :, None]
    br = np.broadcast_to(2 * t + 8 * r2 + e2, (32, 2, 2))
    bc = np.broadcast_to(g, (32, 2, 2))
    cr = np.broadcast_to(g + 8 * r2, (32, 2, 2))
    cc = np.broadcast_to(2 * t + e2, (32, 2, 2))
    return ar, ac, br, bc, cr, cc


MMA_MAPS = _mma_maps()


def tf32_round(x):
    """cvt.rna.tf32.f32: 10 mantissa bits, nearest, ties away from zero (the
    value stays an f32 with the low 13 bits clear)."""
    b = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = ((b + 0x1000) & 0xFFFFE000) & 0xFFFFFFFF
    return b.astype(np.uint32).view(np.float32)


def _tf32_maps():
    """Fragment element -> matrix position for mma.m16n8k8 .tf32 (PTX ISA;
    g = lane / 4, t = lane % 4): A register r (row g + 8 (r % 2), col
    t + 4 (r / 2)); B register r (k t + 4r, n g); C/D register r (row
    g + 8 (r / 2), col 2t + r % 2)."""
    L = np.arange(32)[:, None]
    r4 = np.arange(4)[None, :]
    r2 = np.arange(2)[None, :]
    g, t = L // 4, L % 4
    return (g + 8 * (r4 % 2), t + 4 * (r4 // 2), t + 4 * r2, g + 0 * r2,
            g + 8 * (r4 // 2), 2 * t + r4 % 2)


TF32_MAPS = _tf32_maps()


class Mem:
    def __init__(self, array, elt):
        self.a, self.elt = array, elt


class Sim:
    def __init__(self):
        self.env = {}
        self.pending = []  # cp.async groups: list of lists of copies
        self.open_group = []

    def val(self, name):
        return self.env[name]

    # ---- execution
    def run_ops(self, ops, mask, T):
        for op in ops:
            self.run_op(op, mask, T)

    def set(self, op, *vals):
        for r, v in zip(op.results, vals):
            self.env[r] = v

    def run_op(self, op, mask, T):
        n = op.name
        V = [self.env[o] if o in self.env else None for o in op.operands]
        if n == "arith.constant":
            props = re.search(r"<\{value = (.*)\}>", op.rest).group(1)
            if props in ("true", "false"):
                self.set(op, np.full(T, props == "true"))
                return
            m = re.match(r"(?:dense<)?([^>]*?)>? : (.*)$", props)
            txt, typ = m.group(1).strip(), m.group(2).strip()
            if txt.startswith("0x"):
                num = float(np.array([int(txt, 16)], dtype=np.uint32).view(
                    np.float32)[0])
            else:
                num = float(txt) if typ[0] in "fbv" else int(txt)
            if typ.startswith("vector"):
                shape = [int(x) for x in re.findall(r"(\d+)x", typ)]
                v = np.full((T, *shape), num, dtype=np.float32)
            elif typ in ("index", "i32", "i64"):
                v = np.full(T, int(num), dtype=np.int64)
            else:
                v = np.full(T, num, dtype=np.float32)
            self.set(op, v)
        elif n in ("arith.addi", "arith.subi", "arith.muli", "arith.divui", "arith.remui",
                   "arith.minui", "arith.andi"):
            a, b = V
            f = {"arith.addi": np.add, "arith.subi": np.subtract,
                 "arith.muli": np.multiply,
                 "arith.divui": lambda x, y: x // np.maximum(y, 1),
                 "arith.remui": lambda x, y: x % np.maximum(y, 1),
                 "arith.minui": np.minimum,
                 "arith.andi": np.logical_and if a.dtype == bool else np.bitwise_and}[n]
            self.set(op, f(a, b))
        elif n in ("arith.addf", "arith.mulf", "arith.subf", "arith.divf",
                   "arith.maxnumf"):
            a, b = V
            with np.errstate(all="ignore"):
                f = {"arith.addf": np.add, "arith.mulf": np.multiply,
                     "arith.subf": np.subtract, "arith.divf": np.divide,
                     "arith.maxnumf": np.fmax}[n]
                self.set(op, f(a, b).astype(np.float32))
        elif n == "arith.negf":
            self.set(op, -V[0])
        elif n == "math.fma":
            self.set(op, (V[0] * V[1] + V[2]).astype(np.float32))
        elif n == "math.exp2":
            with np.errstate(all="ignore"):
                self.set(op, np.exp2(V[0]).astype(np.float32))
        elif n in ("math.rsqrt", "math.exp", "math.log"):
            f = {"math.rsqrt": lambda x: 1.0 / np.sqrt(x), "math.exp": np.exp,
                 "math.log": np.log}[n]
            with np.errstate(all="ignore"):
                self.set(op, f(V[0]).astype(np.float32))
        elif n == "arith.extf":
            self.set(op, V[0])
        elif n == "math.log2":
            with np.errstate(all="ignore"):
                self.set(op, np.log2(V[0]).astype(np.float32))
        elif n == "arith.cmpi":
            p = attr_int(op, "predicate")
            a, b = V
            f = {0: np.equal, 1: np.not_equal, 6: np.less, 7: np.less_equal,
                 8: np.greater, 9: np.greater_equal, 2: np.less,
                 3: np.less_equal, 4: np.greater, 5: np.greater_equal}[p]
            self.set(op, f(a, b))
        elif n == "arith.cmpf":
            p = attr_int(op, "predicate")
            a, b = V
            f = {1: np.equal, 2: np.greater, 3: np.greater_equal, 4: np.less,
                 5: np.less_equal}[p]
            self.set(op, f(a, b))
        elif n == "arith.select":
            c, a, b = V
            c = c.reshape(c.shape + (1,) * (a.ndim - c.ndim))
            self.set(op, np.where(c, a, b))
        elif n == "arith.truncf":
            self.set(op, round_to(elt_of(result_types(op)), V[0]))
        elif n == "vector.extract":
            pos = [int(x) for x in re.search(r"static_position = array<i64: ([\d, ]+)>",
                                             op.rest).group(1).split(",")]
            v = V[0]
            for p_ in pos:
                v = v[:, p_]
            self.set(op, v.copy())
        elif n == "vector.insert":
            pos = [int(x) for x in re.search(r"static_position = array<i64: ([\d, ]+)>",
                                             op.rest).group(1).split(",")]
            x, dst = V
            out = dst.copy()
            out[(slice(None), *pos)] = x
            self.set(op, out)
        elif n == "vector.bitcast":
            # vector<2xf16|bf16> <-> vector<1xi32>: keep the element pair.
            self.set(op, V[0].reshape(T, 1, -1) if "i32" in result_types(op)
                     else V[0].reshape(T, -1))
        elif n == "llvm.extractvalue":
            pos = int(re.search(r"position = array<i64: (\d+)>", op.rest).group(1))
            self.set(op, V[0][:, pos].copy())
        elif n == "memref.load":
            mem, idx = V[0], V[1:]
            ix = tuple(np.asarray(i)[mask] if np.ndim(i) else i for i in idx)
            out = np.zeros(T, dtype=np.float32)
            out[mask] = mem.a[ix]
            self.set(op, out)
        elif n == "vector.load":
            mem, idx = V[0], V[1:]
            width = int(re.search(r"vector<(\d+)x", result_types(op)).group(1))
            out = np.zeros((T, width), dtype=np.float32)
            for e in range(width):
                ix = tuple(i[mask] for i in idx[:-1]) + (idx[-1][mask] + e,)
                out[mask, e] = mem.a[ix]
            self.set(op, out)
        elif n in ("memref.store", "vector.store"):
            v, mem, idx = V[0], V[1], V[2:]
            v = round_to(mem.elt, v)
            if n == "memref.store":
                mem.a[tuple(i[mask] for i in idx)] = v[mask]
            else:
                for e in range(v.shape[1]):
                    ix = tuple(i[mask] for i in idx[:-1]) + (idx[-1][mask] + e,)
                    mem.a[ix] = v[mask, e]
        elif n == "nvgpu.device_async_copy":
            seg = [int(x) for x in re.search(r"operandSegmentSizes = array<i32: ([\d, ]+)>",
                                             op.rest).group(1).split(",")]
            it = iter(V)
            dst = next(it)
            didx = [next(it) for _ in range(seg[1])]
            src = next(it)
            sidx = [next(it) for _ in range(seg[3])]
            nsrc = next(it) if seg[4] else None
            width = attr_int(op, "dstElements")
            vals = np.zeros((T, width), dtype=np.float32)
            for e in range(width):
                ix = tuple(i[mask] for i in sidx[:-1]) + (sidx[-1][mask] + e,)
                vals[mask, e] = src.a[ix]
            if nsrc is not None:  # zero-fill past srcElements
                vals[np.arange(width)[None, :] >= nsrc[:, None]] = 0
            self.open_group.append((dst, didx[0][mask].copy(), vals[mask]))
            self.set(op, np.zeros(T))
        elif n == "nvvm.cp.async.commit.group":
            self.pending.append(self.open_group)
            self.open_group = []
        elif n == "nvvm.cp.async.wait.group":
            keep = attr_int(op, "n")
            while len(self.pending) > keep:
                for dst, base, vals in self.pending.pop(0):
                    for e in range(vals.shape[1]):
                        dst.a[base + e] = round_to(dst.elt, vals[:, e])
        elif n == "gpu.barrier":
            pass  # lockstep
        elif n == "gpu.shuffle":
            v, off = V[0], V[1]
            lane = np.arange(T)
            src = (lane & ~31) | ((lane & 31) ^ off)
            self.set(op, v[src], np.ones(T, dtype=bool))
        elif n == "nvgpu.ldmatrix":
            mem, addr = V
            W = T // 32
            # rows[w, i, r, c] = shared[addr of lane 8i + r of warp w, + c]
            idx = addr.reshape(W, 4, 8)[..., None] + np.arange(8)
            rows = mem.a[idx]
            if "transpose = true" in op.rest:
                rows = rows.swapaxes(2, 3)
            # lane L, matrix i: row L / 4, columns 2 (L % 4) + {0, 1}
            L = np.arange(32)
            out = rows[:, :, L // 4, :].reshape(W, 4, 32, 4, 2)
            out = out[:, :, L, L % 4, :]  # (W, 4, 32, 2)
            self.set(op, out.transpose(0, 2, 1, 3).reshape(T, 4, 2))
        elif n == "nvvm.convert.float.to.tf32":
            assert "rna" in op.rest, "only cvt.rna.tf32.f32 is modelled"
            self.set(op, tf32_round(V[0]))
        elif n == "nvvm.mma.sync" and "k = 8" in op.rest:
            assert "tf32" in op.rest, "only m16n8k8 .tf32 is modelled"
            a = np.stack(V[0:4], axis=1)  # (T,4)
            b = np.stack(V[4:6], axis=1)  # (T,2)
            c = np.stack(V[6:10], axis=1)  # (T,4)
            # The hardware reads only the tf32 bits of its registers.
            a, b = tf32_round(a), tf32_round(b)
            W = T // 32
            ar, ac, br, bc, cr, cc = TF32_MAPS
            A = np.full((W, 16, 8), np.nan); B = np.full((W, 8, 8), np.nan)
            C = np.full((W, 16, 8), np.nan)
            A[:, ar, ac] = a.reshape(W, 32, 4)
            B[:, br, bc] = b.reshape(W, 32, 2)
            C[:, cr, cc] = c.reshape(W, 32, 4)
            D = (A @ B + C).astype(np.float32)
            self.set(op, D[:, cr, cc].reshape(T, 4))
        elif n in ("nvgpu.mma.sync", "nvvm.mma.sync"):
            if n == "nvgpu.mma.sync":
                a, b, c = V  # (T,4,2), (T,2,2), (T,2,2)
            else:
                a = np.stack(V[0:4], axis=1)  # (T,4,2)
                b = np.stack(V[4:6], axis=1)
                c = np.stack(V[6:10], axis=1).reshape(T, 2, 2)
            W = T // 32
            ar, ac, br, bc, cr, cc = MMA_MAPS
            A = np.zeros((W, 16, 16)); B = np.zeros((W, 16, 8))
            C = np.zeros((W, 16, 8))
            A[:, ar, ac] = a.reshape(W, 32, 4, 2)
            B[:, br, bc] = b.reshape(W, 32, 2, 2)
            C[:, cr, cc] = c.reshape(W, 32, 2, 2)
            D = (A @ B + C).astype(np.float32)
            d = D[:, cr, cc].reshape(T, 2, 2)
            self.set(op, d if n == "nvgpu.mma.sync" else d.reshape(T, 4))
        elif n == "scf.for":
            lb, ub, step, inits = V[0], V[1], V[2], V[3:]
            lo, hi = int(lb[mask][0]), int(ub[mask][0])
            assert (lb[mask] == lo).all() and (ub[mask] == hi).all(), \
                "non-uniform loop bounds"
            args, body = op.regions[0]
            carried = list(inits)
            for iv in range(lo, hi, int(step[mask][0])):
                self.env[args[0]] = np.full(T, iv, dtype=np.int64)
                for a_, v_ in zip(args[1:], carried):
                    self.env[a_] = v_
                self.run_ops(body[:-1], mask, T)
                carried = [self.env[o] for o in body[-1].operands]
            self.set(op, *carried)
        elif n == "scf.if":
            cond = V[0]
            outs = []
            for ri, sel in ((0, cond), (1, ~cond)):
                if ri >= len(op.regions) or not op.regions[ri][1]:
                    outs.append(None)
                    continue
                _, body = op.regions[ri]
                self.run_ops(body[:-1], mask & sel, T)
                outs.append([self.env[o] for o in body[-1].operands])
            if op.results:
                res = []
                for tv, ev in zip(outs[0], outs[1]):
                    c = cond.reshape(cond.shape + (1,) * (tv.ndim - 1))
                    res.append(np.where(c, tv, ev))
                self.set(op, *res)
        elif n in ("scf.yield", "gpu.terminator", "func.return",
                   "memref.dealloc"):
            pass
        elif n == "memref.alloc":
            typ = result_types(op) or op.rest
            shape = [int(s) for s in re.findall(r"(\d+)x", typ)]
            self.set(op, Mem(np.zeros(shape, dtype=np.float32), elt_of(typ)))
        elif n == "gpu.launch":
            self.launch(op, V)
        else:
            raise SystemExit(f"unsupported op {n}")

    def launch(self, op, V):
        grid = [int(v[0]) for v in V[0:3]]
        block = [int(v[0]) for v in V[3:6]]
        assert block[1] == block[2] == 1
        T = block[0]
        args, body = op.regions[0]
        types = re.findall(r"memref<(\d+)x(\w+), #gpu.address_space<workgroup>>",
                           BLOCK_LINES[tuple(args)])
        for bz in range(grid[2]):
            for by in range(grid[1]):
                for bx in range(grid[0]):
                    full = np.ones(T, dtype=bool)
                    ids = [bx, by, bz]
                    for j in range(3):
                        self.env[args[j]] = np.full(T, ids[j], dtype=np.int64)
                    self.env[args[3]] = np.arange(T, dtype=np.int64)
                    self.env[args[4]] = np.zeros(T, dtype=np.int64)
                    self.env[args[5]] = np.zeros(T, dtype=np.int64)
                    for j in range(3):
                        self.env[args[6 + j]] = np.full(T, grid[j], dtype=np.int64)
                        self.env[args[9 + j]] = np.full(T, block[j], dtype=np.int64)
                    for j, (size, elt) in enumerate(types):
                        self.env[args[12 + j]] = Mem(
                            np.full(int(size), np.nan, dtype=np.float32), elt)
                    self.pending, self.open_group = [], []
                    self.run_ops(body, full, T)


def reference(q, k, v, causal, scale):
    b, hq, sq, d = q.shape
    hkv, skv = k.shape[1], k.shape[2]
    g = hq // hkv
    kk = np.repeat(k, g, axis=1).astype(np.float64)
    vv = np.repeat(v, g, axis=1).astype(np.float64)
    s = np.einsum("bhid,bhjd->bhij", q.astype(np.float64), kk) * scale
    if causal:
        s = np.where(np.arange(skv)[None, :] > np.arange(sq)[:, None], -np.inf, s)
    s = s - s.max(-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bhij,bhjd->bhid", p, vv)


def emit_input(b, hq, hkv, sq, skv, d, elt, causal, scale):
    """The seq.attention function the kernels are built from."""
    qt = f"tensor<{b}x{hq}x{sq}x{d}x{elt}>"
    kt = f"tensor<{b}x{hkv}x{skv}x{d}x{elt}>"
    print(f"func.func @f(%q: {qt}, %k: {kt}, %v: {kt}) -> {qt} {{\n"
          f"  %r = seq.attention %q, %k, %v scale = {scale}"
          f"{' causal' if causal else ''} : ({qt}, {kt}, {kt}) -> {qt}\n"
          f"  return %r : {qt}\n}}")


def matmul_main(argv):
    """C += A @ B in f32 through the tf32 tensor-core kernel."""
    if argv[0] == "--matmul-input":
        m, k, n = argv[1:4]
        at, bt, ct = (f"memref<{m}x{k}xf32>", f"memref<{k}x{n}xf32>",
                      f"memref<{m}x{n}xf32>")
        print(f"func.func @f(%a: {at}, %b: {bt}, %c: {ct}) {{\n"
              f"  linalg.matmul ins(%a, %b : {at}, {bt}) outs(%c : {ct})\n"
              f"  return\n}}")
        return 0
    path = argv[1]
    m, k, n = (int(x) for x in argv[2:5])
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    c = c0.copy()
    text = open(path).read()
    if "tf32" not in text:
        print("no tf32 mma in the IR: MISMATCH")
        return 1
    args, ops = parse_module(text)
    sim = Sim()
    for name, arr in zip(args, (a, b, c)):
        sim.env[name] = Mem(arr, "f32")
    sim.run_ops(ops, np.ones(1, dtype=bool), 1)
    # Exact layout check: numpy on the tf32-rounded inputs (f64 sums; only
    # the accumulation order differs). Then the tf32 error against exact f32:
    # each product loses up to about 2^-10 relative.
    ref_tf32 = tf32_round(a).astype(np.float64) @ tf32_round(b) + c0
    ref = a.astype(np.float64) @ b + c0
    scale = np.abs(a).astype(np.float64) @ np.abs(b) + np.abs(c0)
    err_layout = float(np.max(np.abs(c - ref_tf32) / scale))
    err_f32 = float(np.max(np.abs(c - ref) / scale))
    ok = (not np.isnan(c).any() and err_layout <= 1e-6 and
          err_f32 <= 2.0 ** -10)
    print(f"tf32 matmul {m}x{k}x{n}: max rel err vs tf32-rounded numpy "
          f"{err_layout:.3g} (tol 1e-6), vs f32 numpy {err_f32:.3g} "
          f"(tol 2^-10): {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


NORM_EPS = 1e-5


def norm_main(argv):
    """seq.rms_norm / seq.layer_norm / seq.softmax over the last axis of a
    [ROWS, N] tensor through seq-gpu-fused-norms' kernel."""
    kind, rows, n, elt = argv[1 if argv[0] == "--norm-input" else 2:][:4]
    rows, n = int(rows), int(n)
    xt, pt = f"tensor<{rows}x{n}x{elt}>", f"tensor<{n}x{elt}>"
    if argv[0] == "--norm-input":
        params = {"rms": 1, "layer": 1, "layer_bias": 2}.get(kind, 0)
        names = ["%x", "%s", "%b"][:1 + params]
        sig = ", ".join(f"{a}: {t}" for a, t in zip(names, [xt, pt, pt]))
        if kind == "rms":
            body = (f"seq.rms_norm %x, %s axis = 1 epsilon = {NORM_EPS:e} : "
                    f"({xt}, {pt}) -> {xt}")
        elif kind.startswith("layer"):
            ops = ", ".join(names)
            types = ", ".join([xt] + [pt] * params)
            body = (f"seq.layer_norm {ops} axis = 1 epsilon = {NORM_EPS:e} : "
                    f"({types}) -> {xt}")
        else:
            log = " log" if kind == "log_softmax" else ""
            body = f"seq.softmax %x axis = 1{log} : {xt}"
        print(f"func.func @f({sig}) -> {xt} {{\n  %r = {body}\n"
              f"  return %r : {xt}\n}}")
        return 0
    rng = np.random.default_rng(0)
    x = round_to(elt, rng.standard_normal((rows, n)) * 2 + 0.5)
    s = round_to(elt, rng.standard_normal(n))
    b = round_to(elt, rng.standard_normal(n))
    out = np.full((rows, n), np.nan, dtype=np.float32)
    args, ops = parse_module(open(argv[1]).read())
    arrays = {"rms": [x, s], "layer": [x, s], "layer_bias": [x, s, b]}.get(
        kind, [x]) + [out]
    sim = Sim()
    for name, arr in zip(args, arrays):
        sim.env[name] = Mem(arr, elt)
    sim.run_ops(ops, np.ones(1, dtype=bool), 1)
    xd = x.astype(np.float64)
    if kind == "rms":
        ref = xd / np.sqrt((xd * xd).mean(-1, keepdims=True) + NORM_EPS) * s
    elif kind.startswith("layer"):
        c = xd - xd.mean(-1, keepdims=True)
        ref = c / np.sqrt((c * c).mean(-1, keepdims=True) + NORM_EPS) * s
        if kind == "layer_bias":
            ref = ref + b
    else:
        z = xd - xd.max(-1, keepdims=True)
        lse = np.log(np.exp(z).sum(-1, keepdims=True))
        ref = z - lse if kind == "log_softmax" else np.exp(z - lse)
    err = float(np.max(np.abs(out - ref))) if not np.isnan(out).any() else float("nan")
    tol = {"f32": 1e-4, "f16": 1e-2, "bf16": 5e-2}[elt] * max(1.0, float(np.abs(ref).max()))
    ok = not np.isnan(out).any() and err <= tol
    print(f"{kind} {rows}x{n} {elt}: max |err| = {err:.3g} (tolerance {tol:.3g}): "
          f"{'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


def main():
    if sys.argv[1].startswith("--norm"):
        return norm_main(sys.argv[1:])
    if sys.argv[1].startswith("--matmul"):
        return matmul_main(sys.argv[1:])
    if sys.argv[1] == "--input":
        a = sys.argv[2:]
        emit_input(*a[:7], a[7] == "1", a[8])
        return 0
    path = sys.argv[1]
    b, hq, hkv, sq, skv, d = (int(x) for x in sys.argv[2:8])
    elt, causal, scale = sys.argv[8], sys.argv[9] == "1", float(sys.argv[10])
    rng = np.random.default_rng(0)
    q = round_to(elt, rng.standard_normal((b, hq, sq, d)))
    k = round_to(elt, rng.standard_normal((b, hkv, skv, d)))
    v = round_to(elt, rng.standard_normal((b, hkv, skv, d)))
    out = np.full((b, hq, sq, d), np.nan, dtype=np.float32)
    args, ops = parse_module(open(path).read())
    sim = Sim()
    for name, arr in zip(args, (q, k, v, out)):
        sim.env[name] = Mem(arr, elt)
    sim.run_ops(ops, np.ones(1, dtype=bool), 1)
    ref = reference(q, k, v, causal, scale)
    err = float(np.nanmax(np.abs(out - ref))) if not np.isnan(out).any() else float("nan")
    tol = {"f32": 1e-4, "f16": 1e-2, "bf16": 5e-2}[elt]
    ok = not np.isnan(out).any() and err <= tol
    print(f"max |err| = {err:.3g} (tolerance {tol}): {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
