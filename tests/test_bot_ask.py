"""/ask, mentions, reply follow-ups, paging, manners (no pings, limits, cooldowns) via SimCord."""

from __future__ import annotations

import dataclasses

import pytest
import simcord

from bot.client import guild_collection
from bot.render import EMBED_TOTAL_LIMIT, embed_problems
from index.models import ArticleInput
from tests.bot_helpers import World, button_states, embed_text, make_world, plain

pytest_plugins = ["tests.bot_fixtures"]

MARKS = "Additional weapons from North Korea to Russia?"
HERTLING_QUOTES = ("This will generate a lot of attention", "two desperate leaders")
SEED_ID = "bi-2023-09-05-putin-kim-jong-un"

WHEAT = ArticleInput(
    title="Wheat harvest hits record in Kansas",
    source="Prairie Ledger",
    published="2024-07-01",
    url="https://ledger.example/wheat",
    text="\n\n".join(
        f"Farmer {name} said the wheat harvest in Kansas was the best in {n} years. "
        f"The wheat crop near {town} produced {n * 7} bushels an acre this summer."
        for n, (name, town) in enumerate(
            [
                ("Ann Lee", "Salina"),
                ("Bo Park", "Hays"),
                ("Cy Moss", "Dodge City"),
                ("Di Ford", "Emporia"),
                ("Ed Cole", "Garden City"),
                ("Flo Hart", "Liberal"),
                ("Gus Reed", "Pratt"),
                ("Hal Shaw", "Colby"),
            ],
            start=3,
        )
    ),
)


async def test_ask_quotes_marks_with_citations_and_sources(world: World) -> None:
    result = await world.alice.slash(world.channel, "ask", question="What did Marks say?")

    assert result.response is not None and not result.ephemeral
    shown = embed_text(result.response)
    assert MARKS in shown
    assert 'James "Spider" Marks' in shown
    assert not any(quote in shown for quote in HERTLING_QUOTES)
    assert "[1]" in shown and "Business Insider" in shown and "<t:1693915200:D>" in shown
    assert "Vladimir Putin is getting so desperate" in shown  # the cited title (no URL)
    assert embed_problems(result.response.embeds[0]) == []

    sources = await world.bob.click(result.response, label="Sources")
    assert sources.ephemeral
    listed = embed_text(sources.response)
    assert SEED_ID in listed and "Business Insider" in listed


async def test_not_found_is_short_and_honest(world: World) -> None:
    result = await world.alice.slash(
        world.channel, "ask", question="What is the price of bananas in Peru?"
    )
    embed = result.response.embeds[0]
    assert "couldn't find" in plain(embed.description)
    assert "[1]" not in plain(embed.description)
    assert result.response.components == []  # no More/Sources under a non-answer


async def test_next_button_pages_through_further_quotes(
    world: World, simcord_env: simcord.Env
) -> None:
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    result = await world.alice.slash(world.channel, "ask", question="How was the wheat harvest?")
    first = embed_text(result.response)
    assert "[1]" in first and "[3]" in first and "[4]" not in first
    assert "Page 1 of" in first
    assert button_states(simcord_env, world.channel.id, result.response.id) == {
        "Previous": True,
        "Next": False,
        "Sources": False,
    }

    # The asker turns the public page...
    more = await world.alice.click(result.response, label="Next")
    assert not more.ephemeral
    second = embed_text(more.response)
    assert "[4]" in second and "[1]" not in second and "Page 2 of" in second
    assert "wheat" in second.lower()
    back = await world.alice.click(more.response, label="Previous")
    assert "[1]" in embed_text(back.response)

    # ...anyone else gets a private copy to page through; the public answer stays put.
    theirs = await world.bob.click(result.response, label="Next")
    assert theirs.ephemeral and "Page 2 of" in embed_text(theirs.response)
    again = await world.bob.click(theirs.response, label="Next")
    assert again.response.ephemeral and "Page 3 of" in embed_text(again.response)
    public = world.channel.last_message
    assert public.id == result.response.id and "Page 1 of" in embed_text(public)


async def test_mention_and_reply_follow_up_stay_on_the_cited_articles(world: World) -> None:
    me = world.bot.user
    assert me is not None
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    question = await world.alice.send(world.channel, f"<@{me.id}> What did Marks say?")

    answer = world.channel.last_message
    assert answer is not None and answer.author.id == me.id
    assert answer.reference is not None and answer.reference.message_id == question.id
    assert MARKS in embed_text(answer)

    # The same question, fresh, is about the wheat article...
    await world.alice.send(world.channel, f"<@{me.id}> What did the farmer say about wheat?")
    fresh = embed_text(world.channel.last_message)
    assert "Kansas" in fresh

    # ...but as a reply to the Marks answer it may only quote the seed article.
    await world.alice.send(world.channel, "What did the farmer say about wheat?", reply_to=answer)
    follow_up = world.channel.last_message
    assert follow_up.author.id == me.id
    text = embed_text(follow_up)
    assert "Kansas" not in text and "Prairie Ledger" not in text
    assert "Business Insider" in text or "couldn't find" in text

    # A mention with no question gets a hint, not a crash.
    await world.bob.send(world.channel, f"<@{me.id}>")
    assert "Ask me a question" in world.channel.last_message.content

    # Ordinary chatter is ignored.
    before = world.channel.last_message.id
    await world.bob.send(world.channel, "What did Marks say?")
    assert world.channel.last_message.author.id == world.bob.id
    assert world.channel.last_message.id != before


async def test_everyone_in_an_article_pings_nobody(world: World, simcord_env: simcord.Env) -> None:
    me = world.bot.user
    assert me is not None
    await world.bot.library.ingest(
        [
            ArticleInput(
                title="Town hall notice",
                text=(
                    f"The mayor wrote @everyone and @here and <@{world.bob.id}> about the flood "
                    "barrier vote. The flood barrier vote is on Tuesday at the town hall."
                ),
            )
        ],
        collection=guild_collection(world.guild.id),
        added_by=str(world.alice.id),
    )
    result = await world.alice.slash(world.channel, "ask", question="flood barrier vote mayor")
    await world.alice.send(world.channel, f"<@{me.id}> flood barrier vote mayor")
    replied = world.channel.last_message

    for message_id in (result.response.id, replied.id):
        stored = simcord_env.backend.get_message(world.channel.id, message_id)
        assert "@everyone" in plain(stored.embeds[0]["description"])  # shown as written...
        assert stored.mention_everyone is False  # ...but pings nobody
        assert stored.ping_user_ids == [] and stored.ping_role_ids == []
        policy = stored.allowed_mentions
        assert policy.everyone is False and policy.users == frozenset()
        assert policy.replied_user is False


async def test_oversize_answer_stays_within_limits(world: World) -> None:
    endless = " ".join(f"clause {i} of the very long treaty sentence" for i in range(400))
    await world.bot.library.ingest(
        [
            ArticleInput(
                title="Treaty " * 80,
                source="Gazette " * 60,
                text=f"The treaty text was published. {endless}. The treaty text ends here.",
            )
        ],
        collection=guild_collection(world.guild.id),
        added_by=str(world.alice.id),
    )
    result = await world.alice.slash(
        world.channel, "ask", question="What does the very long treaty sentence say?"
    )
    embed = result.response.embeds[0]
    assert embed_problems(embed) == [] and len(embed) <= EMBED_TOTAL_LIMIT
    assert "clause 1 of the very long treaty sentence" in plain(embed.description)
    assert "…" in (embed.description or "")


@pytest.mark.parametrize("bot_options", [{"ask_cooldown": 30}])
async def test_ask_cooldown_is_per_user_and_ephemeral(
    world: World, simcord_env: simcord.Env
) -> None:
    me = world.bot.user
    assert me is not None
    first = await world.alice.slash(world.channel, "ask", question="What did Marks say?")
    assert MARKS in embed_text(first.response)

    second = await world.alice.slash(world.channel, "ask", question="What did Marks say?")
    assert second.ephemeral and "try again in 30 s" in second.response.content
    await world.alice.send(world.channel, f"<@{me.id}> What did Marks say?")
    assert "try again in" in world.channel.last_message.content

    other = await world.bob.slash(world.channel, "ask", question="What did Marks say?")
    assert not other.ephemeral and MARKS in embed_text(other.response)
    assert any(type(e).__name__ == "CommandOnCooldown" for e in simcord_env.errors)


async def test_ask_in_a_dm_sees_only_shared_articles(world: World) -> None:
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    dm = await world.alice.user.slash("ask", question="What did Marks say?")
    assert MARKS in embed_text(dm.response)
    dm = await world.alice.user.slash("ask", question="How was the wheat harvest in Kansas?")
    assert "Prairie Ledger" not in embed_text(dm.response)


async def test_unexpected_errors_are_logged_and_apologised_for(
    world: World, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(world.bot.library, "ask", broken)
    result = await world.alice.slash(world.channel, "ask", question="What did Marks say?")
    messages = [m for m in [result.response, *result.followups] if m is not None]
    assert messages and all(m.ephemeral for m in messages)
    assert "Sorry, something went wrong" in messages[-1].content
    assert "disk on fire" not in messages[-1].content
    assert any("disk on fire" in str(e) for e in simcord_env.errors)


async def test_answer_buttons_never_time_out(world: World, simcord_env: simcord.Env) -> None:
    me = world.bot.user
    assert me is not None
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    result = await world.alice.slash(world.channel, "ask", question="How was the wheat harvest?")
    await world.alice.send(world.channel, f"<@{me.id}> How was the wheat harvest?")
    mentioned = world.channel.last_message

    await simcord_env.advance_time(60 * 60)  # long past the interaction token's 15 minutes
    for message_id in (result.response.id, mentioned.id):
        after = button_states(simcord_env, world.channel.id, message_id)
        assert after == {"Previous": True, "Next": False, "Sources": False}, after
    turned = await world.alice.click(result.response, label="Next")
    assert "Page 2 of" in embed_text(turned.response)
    turned = await world.alice.click(mentioned, label="Next")
    assert "Page 2 of" in embed_text(turned.response)


async def test_a_forwarded_answer_is_not_a_follow_up(
    world: World, simcord_env: simcord.Env
) -> None:
    me = world.bot.user
    assert me is not None
    await world.alice.send(world.channel, f"<@{me.id}> What did Marks say?")
    answer = world.channel.last_message
    assert answer.author.id == me.id

    forwarded = await world.bob.forward(answer, world.channel)
    assert world.channel.last_message.id == forwarded.id  # no reply to a forward
    other = make_world(simcord_env, "elsewhere")
    both = other.guild.add_member(world.alice.user)
    forwarded = await both.forward(answer, other.channel)
    assert other.channel.last_message.id == forwarded.id


@pytest.mark.parametrize("bot_options", [{"ask_cooldown": 30}])
async def test_bare_mentions_cost_no_question_and_do_not_spam_hints(world: World) -> None:
    me = world.bot.user
    assert me is not None
    await world.bob.send(world.channel, f"<@{me.id}>")
    assert "Ask me a question" in world.channel.last_message.content
    hint = world.channel.last_message.id
    repeated = await world.bob.send(world.channel, f"<@{me.id}>")
    assert world.channel.last_message.id == repeated.id  # no second hint meanwhile
    # The hint did not spend bob's question.
    await world.bob.send(world.channel, f"<@{me.id}> What did Marks say?")
    assert MARKS in embed_text(world.channel.last_message)
    assert world.channel.last_message.id != hint


async def test_sources_show_ids_verbatim(world: World) -> None:
    await world.bot.library.ingest(
        [dataclasses.replace(WHEAT, id="wheat_2024_*record*")],
        collection=guild_collection(world.guild.id),
        added_by=str(world.alice.id),
    )
    result = await world.alice.slash(world.channel, "ask", question="How was the wheat harvest?")
    sources = await world.alice.click(result.response, label="Sources")
    assert "id `wheat_2024_*record*`" in sources.response.embeds[0].description


async def test_one_article_is_named_once_per_page_and_one_page_has_no_pager(
    world: World,
) -> None:
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    result = await world.alice.slash(world.channel, "ask", question="How was the wheat harvest?")
    description = result.response.embeds[0].description or ""
    assert description.count("Wheat harvest hits record in Kansas") == 1
    assert description.count("same article as [1]") == 2
    assert "<t:1719835200:D>" in description  # 2024-07-01 as a Discord timestamp

    single = await world.alice.slash(world.channel, "ask", question="What did Marks say?")
    labels = [c.get("label") for row in single.response.components for c in row["components"]]
    assert labels == ["Sources"]


async def test_remove_offers_members_only_their_own_articles(world: World) -> None:
    library = world.bot.library
    home = guild_collection(world.guild.id)
    await library.ingest([WHEAT], collection=home, added_by=str(world.alice.id))
    await library.ingest(
        [
            dataclasses.replace(
                WHEAT, title="Barley report", url=None, text=WHEAT.text.replace("wheat", "barley")
            )
        ],
        collection=home,
        added_by=str(world.bob.id),
    )
    alices = await world.alice.autocomplete(world.channel, "remove", "article", "")
    assert [c["name"].split(" (")[0] for c in alices] == ["Wheat harvest hits record in Kansas"]
    admins = await world.admin.autocomplete(world.channel, "remove", "article", "")
    assert len(admins) == 2
