"""Discord-side settings (token, cooldowns, admin role...), read from the environment.

The library's own settings live in :mod:`index.config`; ``.env.example`` documents both.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from index.errors import NewsbotError

DEFAULT_MAX_UPLOAD_BYTES = 2_000_000


class ConfigError(NewsbotError):
    """A Discord setting is missing or malformed; the message names the variable."""


def _text(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _bool(name: str, default: bool) -> bool:
    value = _text(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _checked(
    name: str, default: Any, convert: Callable[[str], Any], what: str, *, zero: bool = False
) -> Any:
    """The variable ``name`` converted (``default`` if unset): above zero, or with ``zero``
    at least zero; a clear :class:`ConfigError` otherwise."""
    value = _text(name)
    if value is None:
        return default
    try:
        number = convert(value)
    except ValueError:
        raise ConfigError(f"{name} must be {what}, not {value!r}") from None
    if zero and number < 0:
        raise ConfigError(f"{name} cannot be negative")
    if not zero and number <= 0:
        raise ConfigError(f"{name} must be positive")
    return number


def _number(name: str, default: float) -> float:
    return _checked(name, default, float, "a number of seconds", zero=True)


def _days(name: str, default: float) -> float:
    return _checked(name, default, float, "a number of days")


def _int(name: str, default: int | None) -> int | None:
    return _checked(name, default, int, "a whole number")


@dataclass(frozen=True)
class BotSettings:
    """Everything the Discord front end needs besides the library settings."""

    token: str | None = None
    dev_guild: int | None = None
    """Sync slash commands to this server only (instant); ``None`` syncs globally."""
    admin_role: str | None = None
    """Name or id of a role allowed to use admin commands besides Manage Server."""
    global_visible: bool = True
    """Whether servers (and DMs) see the ``global`` collection."""
    ask_cooldown: float = 5.0
    ingest_cooldown: float = 20.0
    reindex_cooldown: float = 600.0
    """Least seconds between two ``/reindex`` runs in one server."""
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    progress_interval: float = 2.0
    """Least seconds between two progress edits of a reply."""
    answer_memory: int = 10_000
    """How many answers are kept (in the database) for paging and reply follow-ups."""
    answer_days: float = 30.0
    """Answers older than this many days are forgotten: their buttons and replies to them
    then ask for a new question."""
    sync_commands: bool = True

    @classmethod
    def from_env(cls) -> BotSettings:
        """Read ``DISCORD_TOKEN`` and the ``NEWSBOT_*`` Discord settings."""
        return cls(
            token=_text("DISCORD_TOKEN"),
            dev_guild=_int("NEWSBOT_DEV_GUILD", None),
            admin_role=_text("NEWSBOT_ADMIN_ROLE"),
            global_visible=_bool("NEWSBOT_GLOBAL_VISIBLE", True),
            ask_cooldown=_number("NEWSBOT_ASK_COOLDOWN", 5.0),
            ingest_cooldown=_number("NEWSBOT_INGEST_COOLDOWN", 20.0),
            reindex_cooldown=_number("NEWSBOT_REINDEX_COOLDOWN", 600.0),
            max_upload_bytes=_int("NEWSBOT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
            or DEFAULT_MAX_UPLOAD_BYTES,
            answer_memory=_int("NEWSBOT_ANSWER_MEMORY", 10_000) or 10_000,
            answer_days=_days("NEWSBOT_ANSWER_DAYS", 30.0),
        )
