"""How newsbot's two CPU-heavy parts share the cores: the encoder and FAISS.

Both use their own thread pools (onnxruntime or torch intra-op threads; FAISS OpenMP).
Left at their defaults on a 2-core machine they each start a thread per core and spin
while waiting, and a question's embedding slowed from 14 ms to a p50 of 470 ms beside a
FAISS search (PERFORMANCE.md). So the encoder gets ``NEWSBOT_THREADS`` threads (default:
the available CPUs, at most 4) with spinning off, and FAISS searches one query on one
OpenMP thread: a single query's flat scan was *faster* on one thread than on two here
(58 vs 147 ms at 1M), and it then never competes with the encoder for the second core.
Code that runs big batched FAISS jobs (training, bulk search) may raise it around them.
"""

from __future__ import annotations

FAISS_THREADS = 1


def limit_faiss_threads(threads: int = FAISS_THREADS) -> None:
    """Set FAISS's OpenMP thread count for this process (imports faiss)."""
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
