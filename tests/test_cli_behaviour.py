"""The command line's manners: exit codes, broken pipes, help, options, messages, limits.

Behaviour of the process itself (exit codes, a closed pipe, help, a terminal) is tested on
a real ``python -m bot.cli`` subprocess; formatting in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_BROKEN_PIPE, EXIT_PARTIAL, build_parser, format_answer
from index.models import Answer, Quote
from tests.cli_run import REPO, newsbot_env, run_newsbot


def _newsbot(
    data_dir: Path, *args: str, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return run_newsbot(*args, env=newsbot_env(data_dir, **extra), stdin=stdin)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-manners") / "data"


def test_usage_errors_version_and_help_need_no_library(tmp_path: Path) -> None:
    data = tmp_path / "never-created"
    for bad in ("0", "-1", "many"):
        result = _newsbot(data, "ask", "-n", bad, "What did Marks say?")
        assert result.returncode == 2, (bad, result.stderr)
        assert "-n/--limit" in result.stderr
        expected = "not a whole number" if bad == "many" else "between 1 and 50"
        assert expected in result.stderr
    version = _newsbot(data, "--version")
    assert version.returncode == 0 and version.stdout.startswith("newsbot ")
    helped = _newsbot(data, "ingest", "--help")
    assert helped.returncode == 0 and "--data-dir" in helped.stdout
    assert "folders of them" in helped.stdout
    assert not data.exists()  # nothing was opened


def test_every_command_and_option_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    assert set(helps) == set(subparsers.choices) and all(helps.values())
    for name, sub in [("newsbot", parser), *subparsers.choices.items()]:
        for action in sub._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{name} {action.option_strings or action.dest}"
    assert "3 some inputs refused" in (parser.epilog or "")


def test_exit_codes_messages_and_global_options_after_the_command(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "ferry.txt").write_text(
        "Night ferry service returns\n\nThe night ferry will run again from May, the "
        "harbour authority said on Tuesday morning."
    )
    (folder / "blank.txt").write_text("\n\n")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    result = _newsbot(tmp_path / "unused", "ingest", "--data-dir", str(data_dir), str(folder))
    assert result.returncode == EXIT_PARTIAL == 3, result.stderr
    assert "(1 passage)" in result.stdout and "1 passages" not in result.stdout
    errors = result.stderr.strip().splitlines()
    assert errors and all(line.startswith("newsbot: ") for line in errors), errors
    assert any("skipped" in line and "scan.pdf" in line for line in errors)
    assert any("refused" in line and "blank.txt" in line for line in errors)
    assert not (tmp_path / "unused").exists()  # --data-dir after the command won

    unknown = _newsbot(data_dir, "ask", "--collection", "guild:42", "What did Marks say?")
    assert unknown.returncode == 1
    assert "no collection 'guild:42'" in unknown.stderr and "global" in unknown.stderr
    assert unknown.stderr.startswith("newsbot: ")


def test_file_cap_is_a_setting_and_jsonl_feeds_are_capped_per_article(
    data_dir: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("A long story\n\n" + "The long story goes on and on. " * 80)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(
            json.dumps({"title": f"Feed item {n}", "text": f"Feed item {n} says hello. " * 8})
            for n in range(20)
        )
    )
    assert big.stat().st_size > 1000 and feed.stat().st_size > 1000
    result = _newsbot(data_dir, "ingest", str(big), str(feed), NEWSBOT_MAX_FILE_BYTES="1000")
    assert result.returncode == 3, result.stderr
    assert f"refused {big}" in result.stderr and "NEWSBOT_MAX_FILE_BYTES" in result.stderr
    assert result.stdout.count("added") == 20


def test_a_closed_pipe_ends_quietly(data_dir: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=newsbot_env(data_dir),
        cwd=REPO,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"What did Marks say?\n" * 50)
    process.stdin.close()
    first = process.stdout.readline()  # like `| head -1`
    process.stdout.close()
    assert json.loads(first)["question"] == "What did Marks say?"
    assert process.wait(timeout=300) == EXIT_BROKEN_PIPE
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def _on_a_terminal(data_dir: Path, args: list[str], typed: bytes) -> tuple[bytes, bytes]:
    """Run ``newsbot ARGS`` with a terminal as stdin, type ``typed`` into it; its output."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=newsbot_env(data_dir),
        cwd=REPO,
    )
    os.close(secondary)
    os.write(main, typed)
    stdout, stderr = process.communicate(timeout=300)
    os.close(main)
    assert process.returncode == 0, stderr
    return stdout, stderr


def test_ask_on_a_terminal_says_how_to_end_input(data_dir: Path) -> None:
    stdout, stderr = _on_a_terminal(data_dir, ["ask"], b"What did Marks say?\n\x04")
    assert b"type a question and press Enter (Ctrl-D to finish)" in stderr
    assert b"Additional weapons" in stdout


def test_ingest_dash_on_a_terminal_says_how_to_end_the_pasted_article(data_dir: Path) -> None:
    typed = b"Ferry timetable changes\nThe ferry will leave at nine from Monday, the port said.\n"
    stdout, stderr = _on_a_terminal(data_dir, ["ingest", "-"], typed + b"\x04")
    assert b"paste the article, its title on the first line, then press Ctrl-D" in stderr
    assert b"Ferry timetable changes" in stdout


def test_plain_answers_keep_paragraphs_and_whole_names() -> None:
    text = "First paragraph of the quote, long enough to need wrapping. " * 2 + "\n\nSecond."
    quote = Quote(
        article_id="a",
        collection="global",
        title="A rather long headline about ferries and the harbour authority's plans",
        source="Harbour Times",
        url="https://example.com/news/2024/03/04/ferries-return-to-the-harbour-at-night",
        published="2024-03-04",
        paragraph=2,
        start=0,
        end=len(text),
        text=text,
        speaker="Lena Maria Okafor-Smith",
        score=0.5,
    )
    for width in range(40, 101):
        shown = format_answer(Answer("What did Okafor say?", True, (quote,)), width=width)
        lines = shown.splitlines()
        assert all(len(line) <= width for line in lines if "https://" not in line), shown
        assert "" in lines  # the paragraph break is kept
        assert any("— Lena Maria Okafor-Smith" in line for line in lines), shown
        assert any(line.startswith("    ") and "Harbour Times" in line for line in lines)
        assert "\u00a0" not in shown


def test_unusable_data_directory_is_a_message_not_a_traceback_or_a_hang(tmp_path: Path) -> None:
    """A data dir that is a file, a database file that is not SQLite (or is a folder), or
    one written by a newer newsbot: exit 1 with a one-line message naming the path, quickly
    (the database thread used to keep the process alive after the error); the file is kept."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    not_sqlite = tmp_path / "garbage"
    not_sqlite.mkdir()
    (not_sqlite / "newsbot.sqlite3").write_bytes(b"hello, not a database " * 20)
    folder = tmp_path / "folder"
    (folder / "newsbot.sqlite3").mkdir(parents=True)
    newer = tmp_path / "newer"
    newer.mkdir()
    import sqlite3

    with sqlite3.connect(newer / "newsbot.sqlite3") as db:
        db.execute("PRAGMA user_version = 9999")
    for data, expected in (
        (a_file, "Cannot use"),
        (not_sqlite, "is not a newsbot database"),
        (folder, "a folder, not a file"),
        (newer, "newer newsbot"),
    ):
        result = run_newsbot(
            "--data-dir", str(data), "stats", env=newsbot_env(tmp_path / "unused"), timeout=60
        )
        assert result.returncode == 1, (data, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr  # one line: no thread noise
        assert result.stderr.startswith("newsbot: ") and expected in result.stderr
        assert "--data-dir" in result.stderr
    assert (not_sqlite / "newsbot.sqlite3").read_bytes() == b"hello, not a database " * 20
