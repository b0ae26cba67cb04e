"""Helpers for the Discord bot tests: a small SimCord world and displayed-text extraction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord
import simcord

from bot.client import NewsBot


@dataclass
class World:
    """One server with a channel, an admin and two ordinary members."""

    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    admin: simcord.MemberActor
    alice: simcord.MemberActor
    bob: simcord.MemberActor

    @property
    def bot(self) -> NewsBot:
        return self.env.bot  # type: ignore[return-value]


def make_world(env: simcord.Env, name: str = "newsroom") -> World:
    guild = env.create_guild(name)
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Editors", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user(f"{name}-admin"), roles=[admins])
    alice = guild.add_member(env.create_user(f"{name}-alice"))
    bob = guild.add_member(env.create_user(f"{name}-bob"))
    return World(env, guild, channel, admin, alice, bob)


def plain(text: str | None) -> str:
    """Displayed text: Markdown escapes and zero-width spaces removed."""
    return re.sub(r"\\(.)", r"\1", (text or "").replace("\u200b", ""))


def embed_text(message: Any) -> str:
    """Title, description, fields and footer of every embed, as displayed."""
    parts = []
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return plain("\n".join(parts))


def button_states(env: simcord.Env, channel_id: int, message_id: int) -> dict[str, bool]:
    """Label -> disabled, for the buttons of a stored message."""
    stored = env.backend.get_message(channel_id, message_id)
    return {
        component.get("label"): component.get("disabled", False)
        for row in stored.components
        for component in row.get("components", [])
    }
