"""Recall, speed and size of candidate approximate vector indexes, on real MiniLM vectors.

Usage (vectors are not part of this repository; see the README "Performance" section):

    .venv/bin/python benchmarks/recall_real.py --real /tmp/scale/real \\
        --questions /tmp/scale/cache/questions-200.npy --base /tmp/scale/cache/base-5000.npz \\
        --sizes 100000,200000,300000 [--standin] [--kinds ivf-sq8,hnsw-sq4] [--json]

``--real`` is a folder of ``chunk-NNN.npy`` files (float16, 10,000 real MiniLM vectors
each, in passage order: real passages recombined from real article text, as
``benchmarks/scale_corpus.stand_in(base, 300000, seed=23)`` writes them, embedded by the
real model). ``--standin`` measures the same on the benchmark's stand-in vectors of the
*same* passages (their vectors recombined from the base passages' vectors plus noise),
to learn how far the stand-in used by ``benchmarks/scale.py`` is from real vectors;
``--standin-only N`` builds stand-in vectors of N passages only (e.g. 1,000,000, for
build and search time at a size no real vectors exist for).

The recombined corpus repeats texts (a passage whose first base passage has one sentence
is that sentence alone), so the real vectors hold exact duplicates (100k: 34,557 distinct):
recall@10 counts a returned passage as a hit when its exact score ties or beats the exact
10th (``recall_at_10``); the id-set overlap is printed too (``recall_at_10_ids``), which
counts a tied copy as a miss.

For each size and index kind: build seconds (FAISS's default threads), then for each
search setting (``nprobe`` / ``efSearch``) search p50/p95 ms (one thread, one question at a
time) and recall@10 after exact re-scoring of the fetched candidates (100, as
:mod:`index.search` asks for) against exact search over the same (float16-stored) vectors,
plus vector RAM and file bytes per vector. Index construction goes through
:mod:`index.vectors` (the code the library runs).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import vectors as vx
from index.search import CANDIDATES, RESCORE_FACTOR

FETCHED = RESCORE_FACTOR * CANDIDATES
TIE = 1e-5
"""Scores this close to the exact 10th count as ties (float32 dot products of the same
float16 vectors)."""
REAL_TOTAL = 300_000
"""Passages of the corpus the real chunks were embedded from (``stand_in(..., seed=23)``)."""


def real_vectors(folder: Path, count: int) -> np.ndarray:
    chunks = sorted(folder.glob("chunk-[0-9][0-9][0-9].npy"))
    parts, held = [], 0
    for path in chunks:
        if held >= count:
            break
        parts.append(np.load(path))
        held += len(parts[-1])
    if held < count:
        raise SystemExit(f"only {held} real vectors in {folder}, {count} asked for")
    return np.concatenate(parts)[:count].astype(np.float32)


def standin_vectors(base: Path, count: int, total: int, seed: int = 23) -> np.ndarray:
    """The stand-in vectors of the first ``count`` of ``total`` passages, exactly as
    ``scale_corpus.stand_in`` makes them (same generator, same order of draws)."""
    from benchmarks import scale_corpus

    real = np.load(base, allow_pickle=False)["vectors"].astype(np.float32)
    return scale_corpus.stand_in_vectors(real, total, seed)[0][:count]


KINDS = {
    "hnsw-sq4": ("efSearch", (128, 256, 512)),
    "ivf-sq8": ("nprobe", None),
    "ivf-sq4": ("nprobe", None),
    "ivf1-sq8": ("nprobe", None),
    "ivfh-sq8": ("nprobe", None),
    "ivf2-sq8": ("nprobe", None),
}
"""Candidate kinds: ``ivf-*`` has ``vx.ivf_lists(N)`` lists (√N), ``ivfh-*`` half as many,
``ivf2-*`` twice as many.
(IVF lists assigned in a PCA-128 space were tried too: recall stalled at .83.)"""


def build_hnsw(ids: np.ndarray, vectors: np.ndarray, m: int = 24) -> faiss.Index:
    """HNSW over 4-bit scalar-quantised vectors, as the library used before IVF (M=24,
    efConstruction 40, the quantiser trained on 50,000 vectors)."""
    hnsw = faiss.IndexHNSWSQ(
        vectors.shape[1], faiss.ScalarQuantizer.QT_4bit, m, faiss.METRIC_INNER_PRODUCT
    )
    hnsw.hnsw.efConstruction = 40
    hnsw.train(vx._sample(vectors, 50_000, 1234))
    index = faiss.IndexIDMap(hnsw)
    vx._add_in_chunks(index, ids, vectors)
    return index


def build(kind: str, ids: np.ndarray, vectors: np.ndarray) -> faiss.Index:
    if kind == "hnsw-sq4":
        return build_hnsw(ids, vectors)
    if kind == "ivfh-sq8":
        return vx.build_ivf(ids, vectors, nlist=vx.ivf_lists(len(ids)) // 2)
    if kind == "ivf2-sq8":
        return vx.build_ivf(ids, vectors, nlist=2 * vx.ivf_lists(len(ids)))
    bits = faiss.ScalarQuantizer.QT_4bit if kind.endswith("sq4") else None
    nlist = round(np.sqrt(len(ids))) if kind.startswith("ivf1") else None
    return vx.build_ivf(ids, vectors, nlist=nlist, quantizer_type=bits)


def settings(kind: str, index: faiss.Index) -> list[int]:
    if kind == "hnsw-sq4":
        return [128, 256, 512]
    nlist = faiss.extract_index_ivf(index).nlist
    shares = (0.02, 0.05, 0.08, 0.1, 0.12, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5)
    vx.set_nprobe(index)  # and the library's own setting
    return sorted({max(1, round(s * nlist)) for s in shares} | {index.nprobe})


def apply(kind: str, index: faiss.Index, value: int) -> None:
    if kind == "hnsw-sq4":
        faiss.downcast_index(index.index).hnsw.efSearch = value
    else:
        faiss.extract_index_ivf(index).nprobe = value


def ram_bytes(kind: str, index: faiss.Index) -> int:
    if kind == "hnsw-sq4":
        inner = faiss.downcast_index(index.index)
        links = faiss.vector_to_array(inner.hnsw.neighbors).nbytes
        codes = faiss.downcast_index(inner.storage).code_size * index.ntotal
        return links + codes + 8 * index.ntotal
    ivf = faiss.extract_index_ivf(index)
    return index.ntotal * (ivf.code_size + 8) + ivf.nlist * 4 * ivf.d


def measure(
    kind: str,
    vectors: np.ndarray,
    queries: np.ndarray,
    truth: tuple[np.ndarray, np.ndarray],
    source: str,
) -> list[dict]:
    count = len(vectors)
    ids = np.arange(count, dtype=np.int64)
    faiss.omp_set_num_threads(2)
    started = time.perf_counter()
    index = build(kind, ids, vectors)
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "index")
        faiss.write_index(index, path)
        file_bytes = Path(path).stat().st_size
    faiss.omp_set_num_threads(1)
    rows = []
    for value in settings(kind, index):
        apply(kind, index, value)
        times, recall, by_id = [], 0.0, 0.0
        best_scores, best_ids = truth
        for row, query in enumerate(queries):
            started = time.perf_counter()
            _, found = index.search(query[None, :], FETCHED)
            times.append((time.perf_counter() - started) * 1000)
            found = found[0][found[0] >= 0]
            scores = vectors[found] @ query
            order = np.argsort(-scores)[:10]
            # A hit scores at least the exact 10th score: identical vectors (the recombined
            # corpus repeats texts) tie, and exact search keeps an arbitrary copy.
            recall += int(np.sum(scores[order] >= best_scores[row, 9] - TIE)) / 10
            by_id += len(set(found[order].tolist()) & set(best_ids[row].tolist())) / 10
        rows.append(
            {
                "vectors": source,
                "n": count,
                "kind": kind,
                KINDS[kind][0]: value,
                "build_s": round(built, 1),
                "search_ms": {
                    "p50": round(float(np.percentile(times, 50)), 2),
                    "p95": round(float(np.percentile(times, 95)), 2),
                },
                "recall_at_10": round(recall / len(queries), 4),
                "recall_at_10_ids": round(by_id / len(queries), 4),
                "ram_b": round(ram_bytes(kind, index) / count),
                "file_b": round(file_bytes / count),
            }
        )
    return rows


def exact_truth(vectors: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, ids)`` of the exact top 10 of each query."""
    faiss.omp_set_num_threads(2)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat.search(queries, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=Path("/tmp/scale/real"))
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--kinds", default="ivf-sq8,ivf-sq4,ivf1-sq8,hnsw-sq4")
    parser.add_argument("--standin", action="store_true", help="also the stand-in vectors")
    parser.add_argument("--standin-only", type=int, default=0, metavar="N")
    parser.add_argument("--json", action="store_true", help="JSON lines only")
    args = parser.parse_args()
    queries = np.ascontiguousarray(np.load(args.questions), dtype=np.float32)
    kinds = args.kinds.split(",")
    jobs: list[tuple[str, int]] = []
    if args.standin_only:
        jobs.append(("stand-in", args.standin_only))
    else:
        for size in (int(s) for s in args.sizes.split(",")):
            jobs.append(("real", size))
            if args.standin:
                jobs.append(("stand-in", size))
    for source, size in jobs:
        if source == "real":
            vectors = real_vectors(args.real, size)
        else:
            vectors = standin_vectors(args.base, size, max(size, REAL_TOTAL))
        vectors = vectors.astype(np.float16).astype(np.float32)  # as SQLite stores them
        truth = exact_truth(vectors, queries)
        for kind in kinds:
            for row in measure(kind, vectors, queries, truth, source):
                if args.json:
                    print(json.dumps(row), flush=True)
                else:
                    value = row.get("nprobe", row.get("efSearch"))
                    print(
                        f"{source:8} {size:>8} {kind:9} {value:>5} build {row['build_s']:6.1f}s "
                        f"search p50 {row['search_ms']['p50']:6.2f} p95 "
                        f"{row['search_ms']['p95']:6.2f} ms recall@10 {row['recall_at_10']:.3f} "
                        f"(ids {row['recall_at_10_ids']:.3f}) "
                        f"RAM {row['ram_b']} B file {row['file_b']} B",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
