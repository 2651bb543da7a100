"""A small Hugging Face-style decoder graph for generation tests
(test_generation_batch.py): input_ids / attention_mask / position_ids,
past K/V concatenated with the new ones on axis 2 (present outputs), RoPE
from position_ids, and the causal & padding mask as an additive bias
(Where(mask, 0, finfo.min)), as torch exports of HF models compute it. The
batch and sequence dims are symbolic, so it compiles with any --batch and
a prefill chunk. Random weights, seeded."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def hf_lm(path, vocab=48, heads=2, d=8, layers=2, max_pos=256, seed=0):
    """HF-style decoder: input_ids/attention_mask/position_ids, past K/V
    concatenated on axis 2, RoPE from position_ids, causal & padding mask as
    an additive bias (Where(mask, 0, min)), symbolic batch and sequence."""
    rng = np.random.default_rng(seed)
    hd = heads * d
    f = lambda *s: (rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32)
    inv = 1.0 / (10000 ** (np.arange(0, d, 2) / d))
    ang = np.arange(max_pos)[:, None] * inv[None]
    emb = np.concatenate([ang, ang], -1)
    inits = [numpy_helper.from_array(a, n) for n, a in [
        ("E", f(vocab, hd) * 4), ("Wout", f(hd, vocab)),
        ("cos_t", np.cos(emb).astype(np.float32)), ("sin_t", np.sin(emb).astype(np.float32)),
        ("heads_shape", np.array([0, 0, heads, d], np.int64)),
        ("merged_shape", np.array([0, 0, hd], np.int64)),
        ("half_lo", np.array([0], np.int64)), ("half_mid", np.array([d // 2], np.int64)),
        ("half_hi", np.array([d], np.int64)), ("ax3", np.array([3], np.int64)),
        ("ax1", np.array([1], np.int64)), ("ax12", np.array([1, 2], np.int64)),
        ("i2", np.array([2], np.int64)),
        ("zero", np.array(0, np.int64)), ("one", np.array(1, np.int64)),
        ("fzero", np.array(0.0, np.float32)),
        ("fmin", np.array(np.finfo(np.float32).min, np.float32)),
        ("scale", np.array(1 / np.sqrt(d), np.float32))]]
    N = helper.make_node
    nodes = [N("Gather", ["E", "input_ids"], ["h0"]),
             # RoPE tables for the positions: [B, 1, S, d]
             N("Gather", ["cos_t", "position_ids"], ["cos0"]),
             N("Gather", ["sin_t", "position_ids"], ["sin0"]),
             N("Unsqueeze", ["cos0", "ax1"], ["cos"]),
             N("Unsqueeze", ["sin0", "ax1"], ["sin"]),
             # mask: causal (key <= past + query) & padding, as a bias
             N("Shape", ["past_key_values.0.key"], ["pshape"]),
             N("Gather", ["pshape", "i2"], ["past_len1"]),
             N("Squeeze", ["past_len1"], ["past_len"]),
             N("Shape", ["input_ids"], ["ishape"]),
             N("Gather", ["ishape", "ax1"], ["seq_len1"]),
             N("Squeeze", ["seq_len1"], ["seq_len"]),
             N("Add", ["past_len", "seq_len"], ["total"]),
             N("Range", ["zero", "seq_len", "one"], ["qoff"]),
             N("Add", ["qoff", "past_len"], ["qpos"]),
             N("Range", ["zero", "total", "one"], ["kpos"]),
             N("Unsqueeze", ["qpos", "ax1"], ["qcol"]),
             N("LessOrEqual", ["kpos", "qcol"], ["causal"]),
             N("Cast", ["attention_mask"], ["mbool"], to=TensorProto.BOOL),
             N("Unsqueeze", ["mbool", "ax12"], ["m4"]),
             N("And", ["causal", "m4"], ["allowed"]),
             N("Where", ["allowed", "fzero", "fmin"], ["bias"])]
    x = "h0"
    for l in range(layers):
        p = f"l{l}_"
        for n in "qkvo":
            inits.append(numpy_helper.from_array(f(hd, hd), p + "W" + n))
        nodes.append(N("Mul", [x, x], [p + "sq"]))
        nodes.append(N("ReduceMean", [p + "sq"], [p + "ms"], axes=[-1]))
        nodes.append(N("Add", [p + "ms", p + "eps"], [p + "mse"]))
        inits.append(numpy_helper.from_array(np.array(1e-6, np.float32), p + "eps"))
        nodes.append(N("Sqrt", [p + "mse"], [p + "rms"]))
        nodes.append(N("Div", [x, p + "rms"], [p + "xn"]))
        for n in "qkv":
            nodes += [N("MatMul", [p + "xn", p + "W" + n], [p + n + "0"]),
                      N("Reshape", [p + n + "0", "heads_shape"], [p + n + "1"]),
                      N("Transpose", [p + n + "1"], [p + n + "2"], perm=[0, 2, 1, 3])]
        for n in "qk":
            a = p + n + "2"
            nodes += [N("Slice", [a, "half_lo", "half_mid", "ax3"], [a + "lo"]),
                      N("Slice", [a, "half_mid", "half_hi", "ax3"], [a + "hi"]),
                      N("Neg", [a + "hi"], [a + "nhi"]),
                      N("Concat", [a + "nhi", a + "lo"], [a + "rot"], axis=3),
                      N("Mul", [a, "cos"], [a + "c"]),
                      N("Mul", [a + "rot", "sin"], [a + "s"]),
                      N("Add", [a + "c", a + "s"], [p + n + "r"])]
        nodes += [N("Concat", [f"past_key_values.{l}.key", p + "kr"], [f"present.{l}.key"], axis=2),
                  N("Concat", [f"past_key_values.{l}.value", p + "v2"], [f"present.{l}.value"], axis=2),
                  N("Transpose", [f"present.{l}.key"], [p + "kt"], perm=[0, 1, 3, 2]),
                  N("MatMul", [p + "qr", p + "kt"], [p + "s0"]),
                  N("Mul", [p + "s0", "scale"], [p + "s1"]),
                  N("Add", [p + "s1", "bias"], [p + "s2"]),
                  N("Softmax", [p + "s2"], [p + "pr"], axis=-1),
                  N("MatMul", [p + "pr", f"present.{l}.value"], [p + "y0"]),
                  N("Transpose", [p + "y0"], [p + "y1"], perm=[0, 2, 1, 3]),
                  N("Reshape", [p + "y1", "merged_shape"], [p + "y2"]),
                  N("MatMul", [p + "y2", p + "Wo"], [p + "y3"]),
                  N("Add", [x, p + "y3"], [p + "h"])]
        x = p + "h"
    nodes.append(N("MatMul", [x, "Wout"], ["logits"]))
    vi = helper.make_tensor_value_info
    past = [vi(f"past_key_values.{l}.{kv}", TensorProto.FLOAT, ["batch", heads, "past", d])
            for l in range(layers) for kv in ("key", "value")]
    pres = [vi(f"present.{l}.{kv}", TensorProto.FLOAT, ["batch", heads, "total", d])
            for l in range(layers) for kv in ("key", "value")]
    g = helper.make_graph(nodes, "hf_lm", [
        vi("input_ids", TensorProto.INT64, ["batch", "seq"]),
        vi("attention_mask", TensorProto.INT64, ["batch", "total"]),
        vi("position_ids", TensorProto.INT64, ["batch", "seq"])] + past,
        [vi("logits", TensorProto.FLOAT, ["batch", "seq", vocab])] + pres, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return dict(vocab=vocab, heads=heads, d=d, layers=layers)

