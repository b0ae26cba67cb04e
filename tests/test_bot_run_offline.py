"""``newsbot run`` without a network is a one-line message and exit code 1 (it used to
end in an aiohttp traceback from the login request)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

import bot.client
from bot.client import run_bot


class _Unreachable:
    def run(self, *args: Any, **kwargs: Any) -> None:
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")


def test_run_without_network_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(bot.client, "create_bot", lambda **kwargs: _Unreachable())
    assert run_bot() == 1
    err = capsys.readouterr().err
    assert err.startswith("newsbot: could not reach Discord") and "discord.com" in err
    assert err.count("\n") == 1
