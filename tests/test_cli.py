"""The `newsbot` command as a user runs it: a subprocess on a fresh data directory."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli_run import newsbot_env, run_newsbot


def _newsbot(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_newsbot(*args, env=newsbot_env(data_dir), stdin=stdin)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli") / "data"


def test_ask_json_from_stdin_on_fresh_install(data_dir: Path) -> None:
    result = _newsbot(
        data_dir, "ask", "--json", stdin="What did Marks say?\nWho won the 1998 Tour de France?\n"
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "What did Marks say?",
        "Who won the 1998 Tour de France?",
    ]
    marks, unrelated = lines
    assert marks["answered"] and "Additional weapons" in marks["quotes"][0]["text"]
    assert "Marks" in marks["quotes"][0]["speaker"]
    assert unrelated == {"question": unrelated["question"], "answered": False, "quotes": []}


def test_ingest_reports_refusals_and_answers_new_article(data_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "ferry.txt"
    good.write_text(
        "Night ferry service returns\n\n"
        "The night ferry will run again from May, the harbour authority said. "
        '"Shift workers asked for it for years," said Lena Okafor, the authority\'s director.'
    )
    bad = tmp_path / "blank.txt"
    bad.write_text("\n\n")
    result = _newsbot(data_dir, "ingest", str(good), str(bad))
    assert result.returncode == 3  # some inputs refused, the rest went in
    assert "added" in result.stdout and "Night ferry service returns" in result.stdout
    assert f"{bad}: the file is empty" in result.stderr
    asked = _newsbot(data_dir, "ask", "What did Okafor say?")
    assert asked.returncode == 0
    assert "Shift workers asked for it for years" in asked.stdout
    assert "Lena Okafor" in asked.stdout and "paragraph 1" in asked.stdout
    missing = _newsbot(data_dir, "remove", "no-such-article")
    assert missing.returncode == 1
    assert "No article with id 'no-such-article'" in missing.stderr


def test_ingest_dash_reads_one_pasted_article_from_stdin(data_dir: Path) -> None:
    pasted = (
        "School board keeps Pine Avenue school open\n"
        "The school board voted on Thursday to keep the Pine Avenue school open for another "
        'year. "We heard the parents," board chair Amy Lin said.\n'
    )
    result = _newsbot(data_dir, "ingest", "-", stdin=pasted)
    assert result.returncode == 0, result.stderr
    assert (
        "added" in result.stdout and "School board keeps Pine Avenue school open" in result.stdout
    )
    asked = _newsbot(data_dir, "ask", "What did Amy Lin say?")
    assert "We heard the parents" in asked.stdout and "Amy Lin" in asked.stdout
    empty = _newsbot(data_dir, "ingest", "-", stdin="\n")
    assert empty.returncode == 1
    assert "stdin.txt: the file is empty" in empty.stderr
    huge = run_newsbot(
        "ingest",
        "-",
        env={**newsbot_env(data_dir), "NEWSBOT_MAX_FILE_BYTES": "100"},
        stdin="Title\n" + "word " * 100,
    )
    assert huge.returncode == 1
    assert "more than 100 bytes" in huge.stderr


def test_bad_number_setting_is_named(data_dir: Path) -> None:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_THREADS": "lots"}
    result = run_newsbot("stats", env=env, timeout=120)
    assert result.returncode == 1
    assert "NEWSBOT_THREADS='lots' is not a number" in result.stderr
