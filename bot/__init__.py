"""newsbot's front ends: the Discord bot and the ``newsbot`` command line.

``create_bot()`` builds the Discord bot from the environment without logging in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.client import NewsBot


def create_bot(**overrides: Any) -> NewsBot:
    """Build the bot exactly as ``newsbot run`` does, without connecting to Discord."""
    from bot.client import create_bot as _create

    return _create(**overrides)


__all__ = ["create_bot"]
