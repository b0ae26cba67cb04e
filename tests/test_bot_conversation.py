"""Answers that survive a restart, and conversations by reply, via SimCord.

Buttons and reply follow-ups work from what the database keeps of each answer
(:mod:`index.conversations`); a follow-up resolves "he"/"she"/"more" against the answer it
replies to and never repeats a quote already shown; "thanks!" gets a reaction, no answer.
"""

from __future__ import annotations

import pytest
import simcord

from bot.client import NewsBot, create_bot, guild_collection
from index.followup import NOTHING_NEW
from tests.bot_helpers import World, embed_text, plain
from tests.test_bot_ask import MARKS, WHEAT

pytest_plugins = ["tests.bot_fixtures"]


async def _restart(env: simcord.Env, old: NewsBot) -> NewsBot:
    """A deploy: the running bot stops, a new process starts on the same data directory."""
    new = create_bot(settings=old.settings, bot_settings=old.bot_settings, embedder=old._embedder)
    await env.restart_bot(new)
    await old.close()
    return new


def _quotes(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("> ") and "— **" not in line]


async def test_buttons_and_replies_work_after_a_restart(
    world: World, simcord_env: simcord.Env
) -> None:
    old = world.bot
    await old.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    wheat = await world.alice.slash(world.channel, "ask", question="How was the wheat harvest?")
    me = old.user
    assert me is not None
    await world.alice.send(world.channel, f"<@{me.id}> What did Marks say?")
    marks = world.channel.last_message
    assert MARKS in embed_text(marks)

    new = await _restart(simcord_env, old)
    try:
        assert world.bot is new and old.is_closed()
        turned = await world.alice.click(wheat.response, label="Next")
        assert not turned.ephemeral and "Page 2 of" in embed_text(turned.response)
        sources = await world.bob.click(wheat.response, label="Sources")
        assert sources.ephemeral and "Prairie Ledger" in embed_text(sources.response)

        # A reply to an answer sent before the restart is still a follow-up about it.
        await world.alice.send(world.channel, "What else did he say?", reply_to=marks)
        follow_up = world.channel.last_message
        assert follow_up.author.id == me.id
        text = embed_text(follow_up)
        assert "What did Marks say?" in text  # "he" is Marks
        assert MARKS not in text  # never the same quote again
        assert NOTHING_NEW in text
    finally:
        await new.close()


async def test_tell_me_more_continues_without_repeating(world: World) -> None:
    me = world.bot.user
    assert me is not None
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    await world.alice.send(world.channel, f"<@{me.id}> How was the wheat harvest?")
    first = world.channel.last_message
    shown = _quotes(embed_text(first))
    assert len(shown) == 3

    await world.bob.send(world.channel, "Tell me more", reply_to=first)
    more = world.channel.last_message
    assert more.author.id == me.id
    text = embed_text(more)
    assert "How was the wheat harvest?" in text and "couldn't find" not in text
    again = _quotes(text)
    assert again and not set(again) & set(shown)

    # Replying to the follow-up goes on from there: nothing from either answer again.
    await world.bob.send(world.channel, "what else?", reply_to=more)
    third = _quotes(embed_text(world.channel.last_message))
    assert not set(third) & (set(shown) | set(again))


async def test_what_else_did_marks_say_does_not_repeat_the_quote(world: World) -> None:
    me = world.bot.user
    assert me is not None
    await world.alice.send(world.channel, f"<@{me.id}> What did Marks say?")
    answer = world.channel.last_message
    await world.alice.send(world.channel, "What else did Marks say?", reply_to=answer)
    text = embed_text(world.channel.last_message)
    assert MARKS not in text and NOTHING_NEW in text


@pytest.mark.parametrize("bot_options", [{"ask_cooldown": 30}])
async def test_thanks_gets_a_reaction_not_an_answer(world: World, simcord_env: simcord.Env) -> None:
    me = world.bot.user
    assert me is not None
    await world.alice.send(world.channel, f"<@{me.id}> What did Marks say?")
    answer = world.channel.last_message
    for chatter in ("thanks!", "lol", "😂", f"<@{me.id}> thank you so much"):
        sent = await world.alice.send(world.channel, chatter, reply_to=answer)
        assert world.channel.last_message.id == sent.id, chatter  # no answer
    stored = simcord_env.backend.get_message(world.channel.id, sent.id)
    assert stored.reactions and "👍" in str(stored.reactions)
    # Chatter is not a question: bob's cooldown is untouched, and alice's only by her
    # first question.
    await world.bob.send(world.channel, "What did he say?", reply_to=answer)
    assert world.channel.last_message.author.id == me.id


async def test_old_answers_are_forgotten(world: World, simcord_env: simcord.Env) -> None:
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    result = await world.alice.slash(world.channel, "ask", question="How was the wheat harvest?")
    conversations = world.bot.library.conversations
    assert await conversations.prune(world.bot.answer_seconds, now=1e12) >= 1
    late = await world.alice.click(result.response, label="Next")
    assert late.ephemeral and "too old" in plain(late.response.content)
