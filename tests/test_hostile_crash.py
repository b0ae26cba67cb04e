"""kill -9 during ingest and during reindex (issue 12): nothing is lost, re-ingest is idempotent.

A child process (this repository's code, a slowed-down hashing embedder so the kill lands
mid-job) is killed with SIGKILL once it has reported some progress. The data directory
is then reopened here: every article the child reported stored is there, the vector index
agrees with the database, questions are answered with verbatim quotes, and ingesting the
same articles again adds only the missing ones.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from index.config import Settings
from index.library import Library
from index.models import ArticleInput
from tests.conftest import HashingEmbedder

REPO = Path(__file__).parent.parent
ARTICLES = 30

DRIVER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from index.config import Settings
    from index.library import Library
    from tests.conftest import HashingEmbedder
    from tests.test_hostile_crash import article

    class SlowEmbedder(HashingEmbedder):
        def encode(self, texts):
            time.sleep(0.002 * len(texts))
            return super().encode(texts)

    async def main():
        data_dir, mode, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        settings = Settings(data_dir=data_dir, seeds_dir=None)
        library = await Library.open(settings, embedder=SlowEmbedder())
        if mode == "ingest":
            for number in range(count):
                await library.ingest([article(number)], collection="global")
                print(f"stored {number}", flush=True)
        else:
            await library.reindex(lambda done, total: print(f"reindexed {done}", flush=True))
        await library.close()
        print("finished", flush=True)

    asyncio.run(main())
    """
)


def article(number: int) -> ArticleInput:
    """A distinct article of about 20 passages."""
    sentences = [
        f"Report {number} line {line}: the harbor council of town {number} met again today "
        f"and voted on plan {line * number}."
        for line in range(40)
    ]
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, 40, 4)]
    return ArticleInput(
        id=f"report-{number}", title=f"Council report {number}", text="\n\n".join(paragraphs)
    )


def _run_and_kill(data_dir: Path, mode: str, kill_after: int) -> list[str]:
    """Run the driver; SIGKILL it once it printed ``kill_after`` progress lines."""
    script = data_dir.parent / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), mode, str(ARTICLES)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert child.stdout is not None
    lines: list[str] = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if len(lines) >= kill_after:
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        child.stdout.close()
        child.wait(timeout=120)
    assert child.returncode == -signal.SIGKILL, lines  # killed mid-job, not finished
    assert "finished" not in lines
    return lines


async def _open(data_dir: Path) -> Library:
    return await Library.open(
        Settings(data_dir=data_dir, seeds_dir=None), embedder=HashingEmbedder()
    )


async def _check_consistent(library: Library) -> None:
    stats = await library.stats()
    assert stats.vectors == stats.passages
    answer = await library.ask(
        "What did the harbor council of town 3 vote on?", collections=["global"]
    )
    for quote in answer.quotes:
        text = (await library.get_article(quote.article_id, collections=["global"])).text
        assert text[quote.start : quote.end] == quote.text


@pytest.mark.parametrize("kill_after", [3, 11])
async def test_kill_9_during_ingest_loses_nothing_and_reingest_is_idempotent(
    tmp_path: Path, kill_after: int
) -> None:
    data_dir = tmp_path / "data"
    lines = _run_and_kill(data_dir, "ingest", kill_after)
    reported = [int(line.split()[1]) for line in lines if line.startswith("stored")]
    assert len(reported) == kill_after

    library = await _open(data_dir)
    try:
        count = await library.count_articles(collections=["global"])
        assert kill_after <= count <= kill_after + 1  # the one being written may be in
        for number in reported:
            stored = await library.get_article(f"report-{number}", collections=["global"])
            assert stored.text == article(number).text and stored.passage_count > 0
        await _check_consistent(library)

        again = await library.ingest([article(n) for n in range(ARTICLES)], collection="global")
        assert not again.failures
        statuses = {item.article_id: item.status for item in again.ingested}
        assert all(statuses[f"report-{n}"] == "unchanged" for n in reported)
        assert await library.count_articles(collections=["global"]) == ARTICLES
        await _check_consistent(library)
    finally:
        await library.close()


async def test_kill_9_during_reindex_loses_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    library = await _open(data_dir)
    report = await library.ingest([article(n) for n in range(ARTICLES)], collection="global")
    passages = sum(item.passages for item in report.ingested)
    await library.close()

    _run_and_kill(data_dir, "reindex", 8)

    library = await _open(data_dir)
    try:
        assert await library.count_articles(collections=["global"]) == ARTICLES
        stats = await library.stats()
        assert stats.passages == passages
        await _check_consistent(library)
        again = await library.ingest([article(n) for n in range(ARTICLES)], collection="global")
        assert {item.status for item in again.ingested} == {"unchanged"}
        finished = await library.reindex()
        assert (finished.articles, finished.passages) == (ARTICLES, passages)
        await _check_consistent(library)
    finally:
        await library.close()
