"""Scale benchmark: questions, ingest, start-up and size at N passages, through the Library.

Usage (eval sets are not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/scale.py --passages 100000 [--eval ../shared/eval] \\
        [--cache DIR] [--questions 200] [--json]

The corpus (see :mod:`benchmarks.scale_corpus`) is N passages of real article text
recombined, with stand-in vectors made from real MiniLM vectors of 5,000 real passages
(recombined, plus noise); questions are real SQuAD and PolNeAR questions (half general,
half "What did X say ...?") embedded by the real model. The corpus is written through
:meth:`Store.write_article` (the same transaction an ingest uses, minus embedding and
attribution finding) into a data directory cached under ``--cache`` and reused by later
runs. Then, in one run:

- ``rebuild_s``: the vector index built from the database (first use after the build);
- ``first_ask_ms``: a fresh Library (index loaded from disk) answering its first question;
- ``ask_ms``: ``Library.ask`` latency over all questions, in the steady state: after the
  first question, the run waits for the library's background start-up work (the checksum
  of the memory-mapped index file, the passage count check; :meth:`Library.wait_idle`),
  calls :meth:`Library.warm_up` as the bot does after start (it settles the garbage
  collector, :mod:`index.pauses`) and asks 10 questions to warm caches before timing;
  ``stage_ms``: mean per stage;
- ``recall_at_10``: the approximate index (100 candidates re-scored, as :mod:`index.search`
  does) against
  exact search over the same vectors, for the question vectors;
- ``ingest_one_ms``: ``Library.ingest`` of one real article, its vectors precomputed
  (so: everything but the embedding);
- ``bytes_per_passage``: disk (database + index files) and vector RAM.

A second line gives the same for a flat (exact) index over the same vectors, measured in
the same run. One thread for torch; FAISS builds with its default threads and searches
with one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import scale_corpus
from index.config import Settings
from index.library import Library
from index.models import ArticleInput, Passage
from index.search import CANDIDATES, RESCORE_FACTOR, STAGES
from index.store import Store
from index.vectors import TieredIndex

BASE_PASSAGES = 5000
FETCHED = RESCORE_FACTOR * CANDIDATES
"""Candidates an approximate index is asked for per question (as :mod:`index.search`)."""


class TimedEmbedder:
    """The real model, timed; texts of the stand-in corpus get their stand-in vectors."""

    def __init__(self, model: object):
        self.model = model
        self.name = model.name  # type: ignore[attr-defined]
        self.dimension = model.dimension  # type: ignore[attr-defined]
        self.known: dict[str, np.ndarray] = {}
        self.spent = 0.0

    def encode(self, texts: list[str]) -> np.ndarray:
        if texts and all(t in self.known for t in texts):
            return np.stack([self.known[t] for t in texts])
        started = time.perf_counter()
        vectors = self.model.encode(texts)  # type: ignore[attr-defined]
        self.spent += time.perf_counter() - started
        return vectors


async def build_corpus(data_dir: Path, corpus: scale_corpus.StandIn, model_name: str) -> float:
    """Write the stand-in articles straight into a new database; returns seconds."""
    started = time.perf_counter()
    store = await Store.open(data_dir / "newsbot.sqlite3")
    try:
        await store.set_meta("model", model_name)
        await store.set_meta("dimension", str(corpus.vectors.shape[1]))
        await store.set_meta("seeded", "1")
        for number, (title, ids) in enumerate(corpus.articles):
            passages, offset, parts = [], 0, []
            for ordinal, k in enumerate(ids):
                text = corpus.texts[k]
                passages.append(Passage(ordinal, ordinal + 1, offset, offset + len(text), text))
                parts.append(text)
                offset += len(text) + 2
            article = ArticleInput(title=title, text="\n\n".join(parts), id=f"a{number}")
            await store.write_article(
                collection="global",
                article_id=f"a{number}",
                article=article,
                content_hash=f"h{number}",
                passages=passages,
                embeddings=corpus.vectors[ids],
                attributions=[],
                added_by=None,
                replace_pk=None,
            )
        await store.set_meta("scale_built", str(len(corpus.texts)))
    finally:
        await store.close()
    return time.perf_counter() - started


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99)}


async def ask_all(
    library: Library, embedder: TimedEmbedder, questions: list[str]
) -> tuple[list[float], dict[str, float]]:
    latencies: list[float] = []
    stages: dict[str, float] = {}
    for question in questions:
        embedder.spent = 0.0
        token = STAGES.set({})
        started = time.perf_counter()
        await library.ask(question, collections=["global"])
        latencies.append((time.perf_counter() - started) * 1000)
        recorded = STAGES.get() or {}
        STAGES.reset(token)
        recorded["embed"] = embedder.spent * 1000
        for stage, ms in recorded.items():
            stages[stage] = stages.get(stage, 0.0) + ms
    return latencies, {k: round(v / len(questions), 2) for k, v in stages.items()}


def recall_at_10(index: TieredIndex, vectors: np.ndarray, queries: np.ndarray) -> float:
    """Approximate search re-scored from the stored vectors vs exact search (ids = rows+1)."""
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    total = 0.0
    for row, query in enumerate(queries):
        found = np.array([i for i, _ in index.search(query, FETCHED)], dtype=np.int64) - 1
        top = found[np.argsort(-(vectors[found] @ query))[:10]]
        total += len(set(top.tolist()) & set(truth[row].tolist())) / 10
    return round(total / len(queries), 4)


async def run(args: argparse.Namespace) -> list[dict]:
    from index.embedder import load_embedder

    model = load_embedder(threads=1)
    embedder = TimedEmbedder(model)
    base = scale_corpus.base(args.eval, args.cache, BASE_PASSAGES, model)
    questions = scale_corpus.questions(args.eval, args.questions)
    corpus = scale_corpus.stand_in(base, args.passages)
    data_dir = args.cache / f"corpus-{args.passages}"
    settings = Settings(data_dir=data_dir, seeds_dir=None, exact_index_max=args.exact_max)
    built = None
    store = await Store.open(settings.database_path)
    try:
        ready = await store.get_meta("scale_built") == str(args.passages)
    finally:
        await store.close()
    if not ready:
        for path in [settings.database_path, *data_dir.glob("newsbot.sqlite3-*")]:
            path.unlink(missing_ok=True)
        built = await build_corpus(data_dir, corpus, model.name)
    stored = corpus.vectors.astype(np.float16).astype(np.float32)  # as the database holds them

    for path in settings.vectors_dir.glob("*"):
        path.unlink()
    library = await Library.open(settings, embedder=embedder)
    started = time.perf_counter()
    await library.stats()  # builds the index from the database
    rebuild = time.perf_counter() - started
    await library.close()
    faiss.omp_set_num_threads(1)  # questions: one thread each for torch and FAISS

    started = time.perf_counter()
    library = await Library.open(settings, embedder=embedder)
    await library.ask(questions[0], collections=["global"])
    first_ask = (time.perf_counter() - started) * 1000
    results = []
    try:
        await library.wait_idle()  # time the steady state, not the start-up checks
        await library.warm_up()  # as the bot does after start (settles the collector)
        index = library._indexes["global"]
        flat = TieredIndex.build(
            np.arange(1, len(stored) + 1, dtype=np.int64),
            stored,
            stored.shape[1],
            exact_max=len(stored),
        )
        query_vectors = model.encode(questions)
        for _kind, chosen in (("chosen", index), ("flat", flat)):
            library._indexes["global"] = chosen
            await ask_all(library, embedder, questions[:10])  # warm caches
            latencies, stages = await ask_all(library, embedder, questions)
            half = len(questions) // 2
            result = {
                "passages": args.passages,
                "index": chosen.kind,
                "ask_ms": percentiles(latencies),
                "ask_ms_general": percentiles(latencies[:half]),
                "ask_ms_person": percentiles(latencies[half:]),
                "stage_ms": stages,
                "recall_at_10": recall_at_10(chosen, stored, query_vectors),
                "bytes_per_passage": {"ram": round(chosen.memory_bytes() / len(stored))},
            }
            results.append(result)
        library._indexes["global"] = index
        article_texts = [base.texts[i : i + 8] for i in range(0, 40, 8)]
        timings = []
        for number, parts in enumerate(article_texts):
            text = "\n\n".join(parts)
            from index.chunking import chunk_article

            chunks = chunk_article(text)
            vectors = model.encode([c.text for c in chunks])
            embedder.known.update({c.text: v for c, v in zip(chunks, vectors, strict=True)})
            started = time.perf_counter()
            await library.ingest(
                [ArticleInput(title=f"Scale probe {number}", text=text, id=f"probe-{number}")],
                collection="global",
            )
            timings.append((time.perf_counter() - started) * 1000)
        for number in range(len(article_texts)):
            await library.remove_article(f"probe-{number}", collection="global")
    finally:
        await library.close()
    database = sum(p.stat().st_size for p in data_dir.glob("newsbot.sqlite3*"))
    vectors_disk = sum(p.stat().st_size for p in settings.vectors_dir.glob("*") if p.is_file())
    for result in results:
        result["ingest_one_ms"] = round(statistics.median(timings), 1)
        result["rebuild_s"] = round(rebuild, 1)
        result["first_ask_ms"] = round(first_ask)
        result["build_corpus_s"] = None if built is None else round(built)
        flat_disk = len(stored) * (4 * stored.shape[1] + 8)  # a saved IndexFlatIP + ids
        index_disk = vectors_disk if result is results[0] else flat_disk
        result["bytes_per_passage"]["disk"] = round((database + index_disk) / len(stored))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, required=True)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "newsbot-scale")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--exact-max", type=int, default=Settings.exact_index_max)
    parser.add_argument("--json", action="store_true", help="JSON lines only")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    for result in results:
        if args.json:
            print(json.dumps(result))
        else:
            print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
