"""The learned combinations of features: logistic regressions shipped as data.

``qa_model.json`` (beside this module) holds the general ranking score that abstention
reads and the abstention model; ``pool_model.json`` holds the one ranking of every
candidate of a question (general passages and a named person's statements, see
:mod:`index.qa.pool`). Each linear model is stored as its feature names, the
standardisation (mean, scale), the weights and the bias, written by
``benchmarks/train_qa.py`` (scikit-learn, offline). Here they are applied with numpy
only, so answering a question never imports scikit-learn.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("qa_model.json")
POOL_MODEL_PATH = Path(__file__).with_name("pool_model.json")


@dataclass(frozen=True)
class Linear:
    """A standardised linear model: ``((x - mean) / scale) · weights + bias``."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def from_json(cls, data: dict) -> Linear:
        return cls(
            tuple(data["features"]),
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["weights"], dtype=np.float64),
            float(data["bias"]),
        )

    def logits(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        x = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(self.features))
        return ((x - self.mean) / self.scale) @ self.weights + self.bias


@dataclass(frozen=True)
class QAModel:
    rank: Linear
    abstain: Linear
    answer_threshold: float
    """Minimum probability that the question is answerable for a general answer."""
    follow_up_threshold: float
    """The same for a follow-up, which already names its articles."""
    keep_margin: float
    """Quotes keep candidates whose rank logit is within this of the best one."""


@functools.cache
def load(path: Path = MODEL_PATH) -> QAModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return QAModel(
        Linear.from_json(data["rank"]),
        Linear.from_json(data["abstain"]),
        float(data["answer_threshold"]),
        float(data["follow_up_threshold"]),
        float(data["keep_margin"]),
    )


@dataclass(frozen=True)
class PoolModel:
    rank: Linear
    """The score of a pooled candidate (features: :data:`index.qa.pool.POOL_FEATURES`)."""
    keep_margin: float
    """Quotes keep candidates scored within this of the best one."""


@functools.cache
def load_pool(path: Path = POOL_MODEL_PATH) -> PoolModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return PoolModel(Linear.from_json(data["rank"]), float(data["keep_margin"]))


def probability(logit: float) -> float:
    return float(1.0 / (1.0 + np.exp(-logit)))
