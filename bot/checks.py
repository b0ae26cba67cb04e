"""Run-time checks shared by the cogs: admin rights, per-user cooldowns, where we are."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.client import NewsBot

T = TypeVar("T")


class NotAdmin(app_commands.CheckFailure):
    """The user lacks Manage Server (and the configured admin role)."""


class GuildOnly(app_commands.CheckFailure):
    """The command needs a server (its collection), not a DM."""


def admin_requirement(admin_role: str | None) -> str:
    """How to become an admin, in words."""
    if admin_role:
        return f"the Manage Server permission or the “{admin_role}” role"
    return "the Manage Server permission"


def has_admin_role(user: discord.abc.User, admin_role: str | None) -> bool:
    """Whether ``user`` (a member) holds the configured admin role, by id or by name."""
    if not admin_role or not isinstance(user, discord.Member):
        return False
    wanted = admin_role.strip()
    return any(str(role.id) == wanted or role.name == wanted for role in user.roles)


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in this server, or the NEWSBOT_ADMIN_ROLE role."""
    if interaction.guild is None:
        return False
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    bot: NewsBot = interaction.client  # type: ignore[assignment]
    return has_admin_role(interaction.user, bot.bot_settings.admin_role)


def admin_only() -> Callable[[T], T]:
    """App-command check: refuse non-admins at run time (server overrides can widen access)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise GuildOnly("This command works only in a server.")
        if not is_admin(interaction):
            bot: NewsBot = interaction.client  # type: ignore[assignment]
            raise NotAdmin(
                f"Only members with {admin_requirement(bot.bot_settings.admin_role)} can use "
                f"/{interaction.command.qualified_name if interaction.command else 'this'}."
            )
        return True

    return app_commands.check(predicate)


class Cooldowns:
    """Per-user cooldowns in named buckets (``ask``, ``ingest``), bounded in memory.

    Checking (:meth:`left`) and charging (:meth:`charge`) are separate: a command checks
    first and charges only once it starts real work, so refused input, a closed form or a
    hint costs nothing.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[tuple[str, int], tuple[float, float]] = {}

    def left(self, bucket: str, user_id: int) -> float:
        """Seconds until the user may go again (0 when they may)."""
        last = self._last.get((bucket, user_id))
        if last is None:
            return 0.0
        return max(0.0, last[0] + last[1] - self._clock())

    def charge(self, bucket: str, user_id: int, seconds: float) -> None:
        """Start a cooldown of ``seconds`` for the user."""
        if seconds <= 0:
            return
        now = self._clock()
        self._last[(bucket, user_id)] = (now, seconds)
        if len(self._last) > 10_000:
            self._last = {k: v for k, v in self._last.items() if now < v[0] + v[1]}

    def retry_after(self, bucket: str, user_id: int, seconds: float) -> float:
        """0 and charge a new cooldown when the user may go; else the seconds left."""
        if seconds <= 0:
            return 0.0
        left = self.left(bucket, user_id)
        if left > 0:
            return left
        self.charge(bucket, user_id, seconds)
        return 0.0


def cooldown(bucket: str, setting: str) -> Callable[[T], T]:
    """App-command check: refuse a user still cooling down from ``bucket``.

    Only checks; the command calls :func:`charge` when it starts work.
    """

    async def predicate(interaction: discord.Interaction) -> bool:
        bot: NewsBot = interaction.client  # type: ignore[assignment]
        seconds = float(getattr(bot.bot_settings, setting))
        left = bot.cooldowns.left(bucket, interaction.user.id)
        if left > 0:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(1, seconds), left)
        return True

    return app_commands.check(predicate)


def charge(interaction: discord.Interaction, bucket: str, setting: str) -> None:
    """Start the user's ``bucket`` cooldown (``bot_settings.<setting>`` seconds)."""
    bot: NewsBot = interaction.client  # type: ignore[assignment]
    bot.cooldowns.charge(bucket, interaction.user.id, float(getattr(bot.bot_settings, setting)))
