"""Corpus for the scale benchmark: real passages, their real MiniLM vectors, and a stand-in.

Embedding a million passages with the real model takes hours on these machines, so the
benchmark's corpus is built in two steps (see :func:`base` and :func:`stand_in`):

1. **Base**: real passages of the eval articles (``polnear_train``, ``polnear_dev``,
   ``squad_dev``), chunked by the project's own chunker and embedded with the real model
   (a few thousand; minutes).
2. **Stand-in corpus of N passages**: passage *k* joins the sentences of two real base
   passages *i* and *j* (text recombined from real article text), and its vector is the
   same recombination of their real vectors plus small Gaussian noise, re-normalised:
   ``normalise(a·v_i + (1−a)·v_j + σ·g)`` with ``a ~ U(0.55, 1)`` and ``σ = 0.35/√d``.
   Its text takes its first sentences from *i* and the rest from *j*, as many sentences in
   all as *i* has (so passages keep real lengths). Articles group 8 consecutive passages.
   Questions are always embedded by the real model at ask time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SETS = ("polnear_train", "polnear_dev", "squad_dev")
NOISE = 0.35


@dataclass
class Base:
    texts: list[str]
    titles: list[str]
    vectors: np.ndarray


def _articles(eval_dir: Path) -> Iterator[dict]:
    for name in SETS:
        path = eval_dir / name / "articles.jsonl"
        if path.exists():
            with path.open() as handle:
                for line in handle:
                    if line.strip():
                        yield json.loads(line)


def base(eval_dir: Path, cache: Path, count: int, embedder: object | None = None) -> Base:
    """``count`` real passages with real vectors (embedded once, then read from ``cache``)."""
    path = cache / f"base-{count}.npz"
    if path.exists():
        data = np.load(path, allow_pickle=False)
        return Base(list(data["texts"]), list(data["titles"]), data["vectors"])
    from index.chunking import chunk_article

    texts, titles, seen = [], [], set()
    for article in _articles(eval_dir):
        for passage in chunk_article(article["text"]):
            words = len(passage.text.split())
            if words < 12 or passage.text in seen:
                continue
            seen.add(passage.text)
            texts.append(passage.text)
            titles.append(article.get("title") or "Untitled")
    rng = np.random.default_rng(7)
    chosen = sorted(rng.choice(len(texts), size=min(count, len(texts)), replace=False))
    texts = [texts[i] for i in chosen]
    titles = [titles[i] for i in chosen]
    if embedder is None:
        from index.embedder import load_embedder

        embedder = load_embedder(threads=1)
    vectors = np.concatenate(
        [embedder.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)]  # type: ignore[attr-defined]
    ).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.array(texts), titles=np.array(titles), vectors=vectors)
    return Base(texts, titles, vectors)


def _sentences(text: str) -> list[str]:
    from index.sentences import split_sentences

    return [text[s:e] for s, e in split_sentences(text, 0, len(text))] or [text]


@dataclass
class StandIn:
    """Passages ``texts[k]`` grouped into articles ``articles[a] = (title, [k...])``."""

    texts: list[str]
    vectors: np.ndarray
    articles: list[tuple[str, list[int]]]


def stand_in_vectors(
    real: np.ndarray, count: int, seed: int = 11
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``count`` stand-in vectors recombined from ``real`` (see the module docstring), with
    the two real passages each one mixes and the weight of the first."""
    rng = np.random.default_rng(seed)
    n, dimension = real.shape
    first = rng.integers(0, n, count)
    second = rng.integers(0, n, count)
    weight = rng.uniform(0.55, 1.0, count).astype(np.float32)
    vectors = np.empty((count, dimension), dtype=np.float32)
    step = 100_000
    for lo in range(0, count, step):
        hi = min(count, lo + step)
        mix = (
            weight[lo:hi, None] * real[first[lo:hi]]
            + (1 - weight[lo:hi, None]) * real[second[lo:hi]]
            + rng.standard_normal((hi - lo, dimension), dtype=np.float32)
            * (NOISE / np.sqrt(dimension))
        )
        vectors[lo:hi] = mix / np.linalg.norm(mix, axis=1, keepdims=True)
    return vectors, first, second, weight


def stand_in(real: Base, count: int, seed: int = 11, per_article: int = 8) -> StandIn:
    """``count`` recombined passages and vectors (see the module docstring)."""
    vectors, first, second, weight = stand_in_vectors(real.vectors, count, seed)
    split = [_sentences(t) for t in real.texts]
    texts = []
    for k in range(count):
        a, b = split[first[k]], split[second[k]]
        keep = max(1, round(len(a) * float(weight[k])))
        texts.append(" ".join(a[:keep] + b[: max(0, len(a) - keep)]))  # as long as a
    articles = []
    for lo in range(0, count, per_article):
        ids = list(range(lo, min(count, lo + per_article)))
        articles.append((real.titles[first[lo]], ids))
    return StandIn(texts, vectors, articles)


def digest(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


if __name__ == "__main__":  # python benchmarks/scale_corpus.py EVAL_DIR CACHE COUNT
    import sys
    import time

    started = time.perf_counter()
    result = base(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
    print(len(result.texts), result.vectors.shape, f"{time.perf_counter() - started:.0f} s")


def questions(eval_dir: Path, count: int = 200, seed: int = 3) -> list[str]:
    """``count`` varied real questions: half SQuAD (general), half PolNeAR (person)."""
    rng = np.random.default_rng(seed)
    chosen: list[str] = []
    for name, share in (("squad_dev", 0.5), ("polnear_dev", 0.5)):
        path = eval_dir / name / "questions.jsonl"
        lines = [json.loads(line)["question"] for line in path.open() if line.strip()]
        picks = rng.choice(len(lines), size=min(len(lines), round(count * share)), replace=False)
        chosen += [lines[i] for i in sorted(picks)]
    return chosen


def question_vectors(eval_dir: Path, cache: Path, count: int, embedder: object) -> np.ndarray:
    path = cache / f"questions-{count}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode(questions(eval_dir, count))  # type: ignore[attr-defined]
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
