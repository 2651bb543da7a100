"""A small gated-delta-rule language model in ONNX (opset 27), built with
onnx.helper from a fixed seed: the test material of the state-space
generation tests (test_generation_ssm.py) and bench/ssm_decode.py.

    ids -> embedding -> L x [RMSNorm -> [q|k|v] projection ->
           CausalConvWithState (kernel 4, silu, conv state in/out) ->
           L2-normalised q, k; decay g = -exp(a) * softplus(x Wa + dt),
           beta = sigmoid(x Wb) -> LinearAttention (gated_delta, past_state
           in / present_state out) -> out projection, residual]
        -> RMSNorm -> logits

One graph with symbolic batch and sequence length serves prefill (T = n)
and decode (T = 1). Inputs: input_ids [batch, seq] int64, past_conv.i
[batch, 3 * H * D, 3], past_state.i [batch, H, D, D]; outputs: logits
[batch, seq, vocab], present_conv.i, present_state.i (the same shapes).
`reference_step` runs the same computation in numpy (float64).

attn_layers: those layers are attention blocks instead (a hybrid model):
RMSNorm -> [q|k|v] -> ONNX Attention (causal, past_key.i / past_value.i
[batch, H, past, D] in, present_key.i / present_value.i out) -> out
projection, residual.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KERNEL = 4


def _softplus(x):
    return np.logaddexp(0.0, x)


def make_weights(vocab=256, hidden=64, layers=2, heads=4, head_dim=16,
                 seed=0):
    rng = np.random.default_rng(seed)
    c = 3 * heads * head_dim

    def mat(i, o, s=None):
        return (rng.standard_normal((i, o)) * (s or 1 / np.sqrt(i))).astype(
            np.float32)

    w = {"embed": (rng.standard_normal((vocab, hidden)) * 0.5).astype(
        np.float32)}
    for i in range(layers):
        w[f"norm.{i}"] = (1 + 0.1 * rng.standard_normal(hidden)).astype(
            np.float32)
        w[f"wqkv.{i}"] = mat(hidden, c)
        w[f"conv.{i}"] = (rng.standard_normal((c, 1, KERNEL)) * 0.5).astype(
            np.float32)
        w[f"conv_b.{i}"] = (0.1 * rng.standard_normal(c)).astype(np.float32)
        w[f"wa.{i}"] = mat(hidden, heads)
        w[f"dt.{i}"] = (0.5 * rng.standard_normal(heads)).astype(np.float32)
        w[f"a.{i}"] = (np.log(rng.uniform(0.5, 4, heads))).astype(np.float32)
        w[f"wb.{i}"] = mat(hidden, heads)
        w[f"wo.{i}"] = mat(heads * head_dim, hidden)
    w["norm_f"] = (1 + 0.1 * rng.standard_normal(hidden)).astype(np.float32)
    w["lm_head"] = mat(hidden, vocab)
    return w


def make_model(vocab=256, hidden=64, layers=2, heads=4, head_dim=16, seed=0,
               batch="batch", seq="seq", past=True, attn_layers=()):
    """The ModelProto (opset 27). `batch`/`seq` are dim names or ints;
    past=False: a prefill graph without past inputs (zero states)."""
    w = make_weights(vocab, hidden, layers, heads, head_dim, seed)
    hd = heads * head_dim
    c = 3 * hd
    nodes, inits = [], [numpy_helper.from_array(v, k) for k, v in w.items()]

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, outs=None, **attrs):
        outs = outs or [f"{op.lower()}_{len(nodes)}"]
        nodes.append(helper.make_node(op, ins, outs, **attrs))
        return outs[0] if len(outs) == 1 else outs

    const("eps", np.array(1e-6, np.float32))
    const("heads_shape", np.array([0, 0, heads, head_dim], np.int64))
    const("packed_shape", np.array([0, 0, hd], np.int64))
    const("ax_last", np.array([-1], np.int64))
    const("split3", np.array([hd, hd, hd], np.int64))

    def l2norm(x):
        x4 = node("Reshape", [x, "heads_shape"])
        ss = node("ReduceSumSquare", [x4, "ax_last"], keepdims=1)
        inv = node("Reciprocal", [node("Sqrt", [node("Add", [ss, "eps"])])])
        return node("Reshape", [node("Mul", [x4, inv]), "packed_shape"])

    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64,
                                            [batch, seq])]
    outputs = [helper.make_tensor_value_info(
        "logits", TensorProto.FLOAT, [batch, seq, vocab])]
    x = node("Gather", ["embed", "input_ids"], axis=0)
    for i in range(layers):
        if i in attn_layers:
            x = _attention_block(node, inputs, outputs, x, i, batch, heads,
                                 head_dim, past)
            continue
        conv_shape = [batch, c, KERNEL - 1]
        state_shape = [batch, heads, head_dim, head_dim]
        if past:
            inputs += [
                helper.make_tensor_value_info(f"past_conv.{i}",
                                              TensorProto.FLOAT, conv_shape),
                helper.make_tensor_value_info(f"past_state.{i}",
                                              TensorProto.FLOAT, state_shape)]
        outputs += [
            helper.make_tensor_value_info(f"present_conv.{i}",
                                          TensorProto.FLOAT, conv_shape),
            helper.make_tensor_value_info(f"present_state.{i}",
                                          TensorProto.FLOAT, state_shape)]
        h = node("RMSNormalization", [x, f"norm.{i}"], axis=-1, epsilon=1e-6)
        qkv = node("MatMul", [h, f"wqkv.{i}"])
        qkv = node("Transpose", [qkv], perm=[0, 2, 1])
        y = node("CausalConvWithState",
                 [qkv, f"conv.{i}", f"conv_b.{i}",
                  f"past_conv.{i}" if past else ""],
                 [f"conv_out.{i}", f"present_conv.{i}"], activation="silu")[0]
        y = node("Transpose", [y], perm=[0, 2, 1])
        q, k, v = node("Split", [y, "split3"], [f"q.{i}", f"k.{i}", f"v.{i}"],
                       axis=-1)
        q, k = l2norm(q), l2norm(k)
        sp = node("Softplus", [node("Add", [node("MatMul", [h, f"wa.{i}"]),
                                            f"dt.{i}"])])
        g = node("Mul", [node("Neg", [node("Exp", [f"a.{i}"])]), sp])
        beta = node("Sigmoid", [node("MatMul", [h, f"wb.{i}"])])
        o = node("LinearAttention",
                 [q, k, v, f"past_state.{i}" if past else "", g, beta],
                 [f"attn.{i}", f"present_state.{i}"], q_num_heads=heads,
                 kv_num_heads=heads, update_rule="gated_delta")[0]
        x = node("Add", [x, node("MatMul", [o, f"wo.{i}"])])
    h = node("RMSNormalization", [x, "norm_f"], axis=-1, epsilon=1e-6)
    node("MatMul", [h, "lm_head"], ["logits"])
    used = {i for n in nodes for i in n.input}
    inits = [t for t in inits if t.name in used]  # attention blocks: fewer
    graph = helper.make_graph(nodes, "ssm_lm", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("",
                                                                        27)])
    model.ir_version = 11
    return model


def _attention_block(node, inputs, outputs, x, i, batch, heads, head_dim,
                     past):
    kv_shape = [batch, heads, "past_seq", head_dim]
    out_shape = [batch, heads, "total_seq", head_dim]
    if past:
        inputs += [helper.make_tensor_value_info(f"past_{n}.{i}",
                                                 TensorProto.FLOAT, kv_shape)
                   for n in ("key", "value")]
    outputs += [helper.make_tensor_value_info(f"present_{n}.{i}",
                                              TensorProto.FLOAT, out_shape)
                for n in ("key", "value")]
    h = node("RMSNormalization", [x, f"norm.{i}"], axis=-1, epsilon=1e-6)
    qkv = node("MatMul", [h, f"wqkv.{i}"])
    q, k, v = node("Split", [qkv, "split3"], [f"q.{i}", f"k.{i}", f"v.{i}"],
                   axis=-1)
    pk, pv = (f"past_key.{i}", f"past_value.{i}") if past else ("", "")
    o = node("Attention", [q, k, v, "", pk, pv],
             [f"attn.{i}", f"present_key.{i}", f"present_value.{i}"],
             is_causal=1, q_num_heads=heads, kv_num_heads=heads)[0]
    return node("Add", [x, node("MatMul", [o, f"wo.{i}"])])


def zero_states(batch=1, layers=2, heads=4, head_dim=16, attn_layers=()):
    c = 3 * heads * head_dim
    st = {}
    for i in range(layers):
        if i in attn_layers:
            for n in ("key", "value"):
                st[f"past_{n}.{i}"] = np.zeros((batch, heads, 0, head_dim),
                                               np.float32)
            continue
        st[f"past_conv.{i}"] = np.zeros((batch, c, KERNEL - 1), np.float32)
        st[f"past_state.{i}"] = np.zeros((batch, heads, head_dim, head_dim),
                                         np.float32)
    return st


def reference_step(w, ids, states, heads=4, head_dim=16):
    """One call of the graph in float64 numpy: logits [B, T, V] and the new
    states (dict keyed past_*). A sequential loop over the time steps."""
    layers = sum(1 for k in w if k.startswith("norm."))
    ids = np.asarray(ids)
    B, T = ids.shape
    x = w["embed"].astype(np.float64)[ids]
    new = {}

    def rms(x, s):
        return x / np.sqrt(np.mean(x * x, -1, keepdims=True) + 1e-6) * s

    for i in range(layers):
        h = rms(x, w[f"norm.{i}"])
        if f"past_key.{i}" in states:
            qkv = (h @ w[f"wqkv.{i}"]).reshape(B, T, 3, heads, head_dim)
            q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
            K = np.concatenate([states[f"past_key.{i}"], k], 2)
            V = np.concatenate([states[f"past_value.{i}"], v], 2)
            new[f"past_key.{i}"], new[f"past_value.{i}"] = K, V
            P = K.shape[2] - T
            sc = q @ K.transpose(0, 1, 3, 2) / np.sqrt(head_dim)
            sc = np.where(np.tril(np.ones((T, P + T)), P) > 0, sc, -np.inf)
            a = np.exp(sc - sc.max(-1, keepdims=True))
            o = (a / a.sum(-1, keepdims=True)) @ V
            x = x + o.transpose(0, 2, 1, 3).reshape(B, T, -1) @ w[f"wo.{i}"]
            continue
        qkv = (h @ w[f"wqkv.{i}"]).transpose(0, 2, 1)  # [B, C, T]
        cs = states[f"past_conv.{i}"].astype(np.float64)
        P = np.concatenate([cs, qkv], -1)
        kern = w[f"conv.{i}"][:, 0, :]
        y = np.stack([(P[:, :, t:t + KERNEL] * kern).sum(-1) for t in
                      range(T)], -1) + w[f"conv_b.{i}"][None, :, None]
        y = y / (1 + np.exp(-y))
        new[f"past_conv.{i}"] = P[:, :, T:]
        y = y.transpose(0, 2, 1).reshape(B, T, 3, heads, head_dim)
        q, k, v = y[:, :, 0], y[:, :, 1], y[:, :, 2]  # [B, T, H, D]
        q = q / np.sqrt((q * q).sum(-1, keepdims=True) + 1e-6)
        k = k / np.sqrt((k * k).sum(-1, keepdims=True) + 1e-6)
        g = -np.exp(w[f"a.{i}"]) * _softplus(h @ w[f"wa.{i}"] + w[f"dt.{i}"])
        beta = 1 / (1 + np.exp(-(h @ w[f"wb.{i}"])))
        S = states[f"past_state.{i}"].astype(np.float64).copy()
        o = np.zeros((B, T, heads, head_dim))
        scale = 1 / np.sqrt(head_dim)
        for t in range(T):
            S = S * np.exp(g[:, t])[:, :, None, None]
            r = np.einsum("bhkv,bhk->bhv", S, k[:, t])
            S = S + np.einsum("bhk,bhv->bhkv", k[:, t],
                              beta[:, t][:, :, None] * (v[:, t] - r))
            o[:, t] = scale * np.einsum("bhkv,bhk->bhv", S, q[:, t])
        new[f"past_state.{i}"] = S
        x = x + o.reshape(B, T, heads * head_dim) @ w[f"wo.{i}"]
    logits = rms(x, w["norm_f"]) @ w["lm_head"]
    return logits, new


def greedy_reference(w, prompt, n, heads=4, head_dim=16, attn_layers=()):
    """Greedy ids (n new tokens) and the logits of each call."""
    layers = sum(1 for k in w if k.startswith("norm."))
    st = zero_states(1, layers, heads, head_dim, attn_layers)
    logits, st = reference_step(w, np.array([prompt]), st, heads, head_dim)
    out, all_logits = [], [logits[0, -1]]
    for _ in range(n):
        tok = int(np.argmax(logits[0, -1]))
        out.append(tok)
        if len(out) == n:
            break
        logits, st = reference_step(w, np.array([[tok]]), st, heads, head_dim)
        all_logits.append(logits[0, -1])
    return out, all_logits


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--head-dim", type=int, default=16)
    a = ap.parse_args()
    onnx.save(make_model(a.vocab, a.hidden, a.layers, a.heads, a.head_dim),
              a.out)
