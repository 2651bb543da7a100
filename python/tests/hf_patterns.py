"""Small decoder layers spelled the way torch.onnx exports Hugging Face
models (eager attention, opset 17), for the raising tests
(test_raise_patterns.py):

  gemma2  softcapped scores (tanh(s / c) * c before the mask), a sliding-
          window causal mask built from Shape/Gather/Range/LessOrEqual/
          Greater/And/Where (key j visible to query i iff i - W < j <= i),
          Gemma's (1 + w) RMSNorms incl. post-attention and post-FFN norms,
          GeGLU MLP (tanh-GELU(gate) * up), GQA via Unsqueeze/Expand/Reshape.
  phi3    one fused QKV MatMul then Split into q/k/v, fused gate_up MatMul
          then Split, SwiGLU.
  qwen2   q/k/v projections with a bias Add, SwiGLU, GQA.

`build(name, path)` writes the model and returns it. One layer, static
[1, S, C] hidden states in and out, random seeded weights."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
N = helper.make_node


class _G:
    """Collects nodes and initializers with unique names."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, arr, name=None):
        self.n += 1
        name = name or f"c{self.n}"
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def w(self, *shape, scale=1.0):
        a = self.rng.standard_normal(shape) / np.sqrt(shape[0]) * scale
        return self.const(a.astype(np.float32))

    def op(self, kind, ins, nout=1, **attrs):
        self.n += 1
        outs = [f"t{self.n}_{i}" for i in range(nout)]
        self.nodes.append(N(kind, ins, outs, **attrs))
        return outs[0] if nout == 1 else outs

    def i64(self, *vals):
        return self.const(np.array(vals, np.int64))

    def f32(self, v):
        return self.const(np.array(v, np.float32))

    # -- exporter idioms ---------------------------------------------------
    def dim(self, x, axis):
        """Shape -> Gather(axis) scalar, as the exporter reads sizes."""
        s = self.op("Shape", [x])
        return self.op("Gather", [s, self.const(np.array(axis, np.int64))], axis=0)

    def rms_norm(self, x, C, gemma):
        """HF LlamaRMSNorm / Gemma2RMSNorm: x * rsqrt(mean(x^2) + eps) * w
        (Gemma: * (1 + w), the 1 + w computed in the graph)."""
        p = self.op("Pow", [x, self.f32(2.0)])
        m = self.op("ReduceMean", [p], axes=[-1], keepdims=1)
        e = self.op("Add", [m, self.f32(1e-6)])
        r = self.op("Sqrt", [e])
        inv = self.op("Reciprocal", [r])
        xn = self.op("Mul", [x, inv])
        w = self.const((self.rng.standard_normal(C) * 0.1).astype(np.float32))
        if gemma:
            w = self.op("Add", [w, self.f32(1.0)])
        return self.op("Mul", [xn, w])

    def heads(self, x, S, H, D):
        r = self.op("Reshape", [x, self.i64(1, S, H, D)])
        return self.op("Transpose", [r], perm=[0, 2, 1, 3])

    def repeat_kv(self, x, S, Hkv, G, D):
        """HF repeat_kv: x[:, :, None].expand(B, Hkv, G, S, D).reshape."""
        if G == 1:
            return x
        u = self.op("Unsqueeze", [x, self.i64(2)])
        e = self.op("Expand", [u, self.i64(1, Hkv, G, S, D)])
        return self.op("Reshape", [e, self.i64(1, Hkv * G, S, D)])

    def mask(self, x, window):
        """Additive mask from the sequence length of x: causal (and sliding
        window) as Where(allowed, 0, finfo.min)."""
        S = self.dim(x, 1)
        zero, one = self.const(np.array(0, np.int64)), self.const(np.array(1, np.int64))
        q = self.op("Range", [zero, S, one])
        k = self.op("Range", [zero, S, one])
        qc = self.op("Unsqueeze", [q, self.i64(1)])
        allowed = self.op("LessOrEqual", [k, qc])
        if window is not None:
            lo = self.op("Sub", [qc, self.const(np.array(window, np.int64))])
            inwin = self.op("Greater", [k, lo])
            allowed = self.op("And", [allowed, inwin])
        fmin = self.f32(np.finfo(np.float32).min)
        return self.op("Where", [allowed, self.f32(0.0), fmin])

    def attention(self, q, k, v, S, H, Hkv, D, mask, softcap=None,
                  softcap_out=None):
        G = H // Hkv
        k = self.repeat_kv(k, S, Hkv, G, D)
        v = self.repeat_kv(v, S, Hkv, G, D)
        kt = self.op("Transpose", [k], perm=[0, 1, 3, 2])
        s = self.op("MatMul", [q, kt])
        s = self.op("Mul", [s, self.f32(D ** -0.5)])
        if softcap is not None:
            s = self.op("Div", [s, self.f32(softcap)])
            s = self.op("Tanh", [s])
            s = self.op("Mul", [s, self.f32(softcap_out or softcap)])
        s = self.op("Add", [s, mask])
        p = self.op("Softmax", [s], axis=-1)
        o = self.op("MatMul", [p, v])
        o = self.op("Transpose", [o], perm=[0, 2, 1, 3])
        return self.op("Reshape", [o, self.i64(1, S, H * D)])

    def gelu_tanh(self, x):
        """torch's gelu(approximate='tanh') as exported before opset 20."""
        x3 = self.op("Pow", [x, self.f32(3.0)])
        a = self.op("Mul", [x3, self.f32(0.044715)])
        b = self.op("Add", [x, a])
        c = self.op("Mul", [b, self.f32(np.sqrt(2 / np.pi))])
        t = self.op("Tanh", [c])
        d = self.op("Add", [t, self.f32(1.0)])
        h = self.op("Mul", [x, self.f32(0.5)])
        return self.op("Mul", [h, d])

    def silu(self, x):
        return self.op("Mul", [x, self.op("Sigmoid", [x])])


def gemma2(g, S=6, C=32, H=4, Hkv=2, D=8, I=48, window=3, softcap=2.0,
           softcap_out=None):
    """softcap_out: a different constant for the multiply after the tanh
    (a near miss that is not a softcap)."""
    x = "x"
    m = g.mask(x, window)
    h = g.rms_norm(x, C, gemma=True)
    q = g.heads(g.op("MatMul", [h, g.w(C, H * D)]), S, H, D)
    k = g.heads(g.op("MatMul", [h, g.w(C, Hkv * D)]), S, Hkv, D)
    v = g.heads(g.op("MatMul", [h, g.w(C, Hkv * D)]), S, Hkv, D)
    a = g.attention(q, k, v, S, H, Hkv, D, m, softcap=softcap,
                    softcap_out=softcap_out)
    a = g.op("MatMul", [a, g.w(H * D, C)])
    a = g.rms_norm(a, C, gemma=True)  # post_attention_layernorm
    x1 = g.op("Add", [x, a])
    h = g.rms_norm(x1, C, gemma=True)  # pre_feedforward_layernorm
    gate = g.op("MatMul", [h, g.w(C, I)])
    up = g.op("MatMul", [h, g.w(C, I)])
    f = g.op("Mul", [g.gelu_tanh(gate), up])
    f = g.op("MatMul", [f, g.w(I, C)])
    f = g.rms_norm(f, C, gemma=True)  # post_feedforward_layernorm
    return g.op("Add", [x1, f])


def phi3(g, S=6, C=32, H=4, D=8, I=48):
    x = "x"
    m = g.mask(x, None)
    h = g.rms_norm(x, C, gemma=False)
    qkv = g.op("MatMul", [h, g.w(C, 3 * H * D)])
    q, k, v = g.op("Split", [qkv, g.i64(H * D, H * D, H * D)], nout=3, axis=-1)
    q, k, v = (g.heads(t, S, H, D) for t in (q, k, v))
    a = g.attention(q, k, v, S, H, H, D, m)
    x1 = g.op("Add", [x, g.op("MatMul", [a, g.w(H * D, C)])])
    h = g.rms_norm(x1, C, gemma=False)
    gu = g.op("MatMul", [h, g.w(C, 2 * I)])
    gate, up = g.op("Split", [gu, g.i64(I, I)], nout=2, axis=-1)
    f = g.op("Mul", [up, g.silu(gate)])
    return g.op("Add", [x1, g.op("MatMul", [f, g.w(I, C)])])


def qwen2(g, S=6, C=32, H=4, Hkv=2, D=8, I=48):
    x = "x"
    m = g.mask(x, None)
    h = g.rms_norm(x, C, gemma=False)

    def proj(n):
        y = g.op("MatMul", [h, g.w(C, n)])
        return g.op("Add", [y, g.const((g.rng.standard_normal(n) * 0.1).astype(np.float32))])

    q = g.heads(proj(H * D), S, H, D)
    k = g.heads(proj(Hkv * D), S, Hkv, D)
    v = g.heads(proj(Hkv * D), S, Hkv, D)
    a = g.attention(q, k, v, S, H, Hkv, D, m)
    x1 = g.op("Add", [x, g.op("MatMul", [a, g.w(H * D, C)])])
    h = g.rms_norm(x1, C, gemma=False)
    gate = g.op("MatMul", [h, g.w(C, I)])
    up = g.op("MatMul", [h, g.w(C, I)])
    f = g.op("Mul", [g.silu(gate), up])
    return g.op("Add", [x1, g.op("MatMul", [f, g.w(I, C)])])


PATTERNS = {"gemma2": gemma2, "phi3": phi3, "qwen2": qwen2}


def build(name, path, S=6, C=32, seed=0, **kw):
    g = _G(seed)
    y = PATTERNS[name](g, S=S, C=C, **kw)
    g.nodes.append(N("Identity", [y], ["y"]))
    graph = helper.make_graph(
        g.nodes, name, [helper.make_tensor_value_info("x", F, [1, S, C])],
        [helper.make_tensor_value_info("y", F, [1, S, C])], g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, str(path))
    return m
