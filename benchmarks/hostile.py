"""Cost of hostile inputs (issue 12): HTML extraction bounds and one-line-paragraph articles.

    python benchmarks/hostile.py            # extraction times, passage counts
    python benchmarks/hostile.py --embed    # plus encoding CPU time with the real model

Prints CPU seconds (process time, all threads) so the numbers mean something on a busy
machine; wall time is printed beside them.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import chunking
from index.errors import BadArticle
from index.extract import extract_html

PAGES: dict[str, Callable[[], str]] = {
    "200,000 <p>Word.</p> (2.4 MB)": lambda: "<p>Word.</p>" * 200_000,
    "29,000 <p>Word.</p> (at the cap)": lambda: (
        "<html><body>" + "<p>Word.</p>" * 29_000 + "</body></html>"
    ),
    "29,000 <span> in one <p>": lambda: (
        "<html><body><article><p>"
        + "<span>Some words here.</span> " * 29_000
        + "</p></article></body></html>"
    ),
    "14,000 <p> with a link each": lambda: (
        "<html><body><article>"
        + "<p>See <a href='/x'>this</a> now.</p>" * 14_000
        + "</article></body></html>"
    ),
}


def _timed(job: Callable[[], object]) -> tuple[object, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = job()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def extraction() -> None:
    extract_html("<html><body><article><p>" + "Warm up the imports. " * 10 + "</p></article>")
    for name, make in PAGES.items():
        html = make()

        def run(html: str = html) -> str:
            try:
                return f"{len(extract_html(html, origin='page').text):,} chars"
            except BadArticle as error:
                return "refused: " + str(error).split(": ", 1)[1][:60]

        outcome, cpu, wall = _timed(run)
        print(f"{name:36} cpu {cpu:6.2f} s  wall {wall:6.2f} s  {outcome}")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def one_line_paragraphs(embed: bool) -> None:
    text = "\n".join(["Word."] * 49_833)  # 299,000 characters
    passages, cpu, _ = _timed(lambda: chunking.chunk_article(text))
    budget = chunking.BUDGET_BASE
    chunking.BUDGET_BASE = 10**9  # no budget: one passage per paragraph, as before
    try:
        unbounded = chunking.chunk_article(text)
    finally:
        chunking.BUDGET_BASE = budget
    print(
        f"300k chars of one-line paragraphs: {len(unbounded):,} passages unbounded, "
        f"{len(passages):,} with the budget (chunking {cpu:.2f} s)"
    )
    if not embed:
        return
    from index.embedder import load_embedder

    embedder = load_embedder()
    embedder.encode(["warm up"])
    sample = [p.text for p in unbounded[:2000]]
    _, before, _ = _timed(lambda: embedder.encode(sample))
    _, after, _ = _timed(lambda: embedder.encode([p.text for p in passages]))
    print(
        f"encoding CPU: unbounded {before * len(unbounded) / len(sample):.0f} s "
        f"(extrapolated from {len(sample)}), with the budget {after:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", action="store_true", help="also time the real encoder")
    args = parser.parse_args()
    extraction()
    one_line_paragraphs(args.embed)


if __name__ == "__main__":
    main()
