"""/ingest url|file|text via SimCord: what goes in, what is refused (and why), per server."""

from __future__ import annotations

import json

import discord
import pytest
import simcord

from bot.client import guild_collection
from tests.bot_helpers import World, embed_text, make_world, plain
from tests.test_bot_ask import WHEAT

pytest_plugins = ["tests.bot_fixtures"]

ORCHARD = (
    "Cider orchards in Somerset bloom early\n"
    "Apple trees in the Somerset cider orchards blossomed three weeks early this spring, "
    'growers said. "We have never seen blossom in March," said grower Tom Ashby.\n\n'
    "The early bloom worries growers because a late frost could destroy the harvest."
)


@pytest.mark.parametrize("bot_options", [{"allow_private_urls": True}])
async def test_ingest_url_then_ask_about_it(world: World, article_server: str) -> None:
    result = await world.alice.slash(
        world.channel, "ingest url", url=f"{article_server}/lighthouse"
    )

    assert result.ephemeral
    reply = plain(result.response.content)
    assert "Added" in reply and "Lighthouse keepers return to Skerry Point" in reply
    assert "passages" in reply and "id " in reply
    article = (
        await world.bot.library.list_articles(
            collections=[guild_collection(world.guild.id)], offset=0, limit=10
        )
    )[0]
    assert article.added_by == str(world.alice.id) and article.id in reply

    answer = await world.bob.slash(world.channel, "ask", question="What did Ida Munro say?")
    shown = embed_text(answer.response)
    assert "The lamp needs people again" in shown and "Lighthouse keepers" in shown


async def test_private_url_is_refused_with_an_ephemeral_error(
    world: World, article_server: str, simcord_env: simcord.Env
) -> None:
    result = await world.alice.slash(
        world.channel, "ingest url", url=f"{article_server}/lighthouse"
    )

    assert result.ephemeral
    assert "127.0.0.1" in result.response.content or "private" in result.response.content.lower()
    assert "Added" not in result.response.content
    assert (
        await world.bot.library.count_articles(collections=[guild_collection(world.guild.id)]) == 0
    )
    assert any(type(e.__cause__).__name__ == "UrlRefused" for e in simcord_env.errors)


async def test_ingest_file_then_ask_and_progress_is_shown(
    world: World, simcord_env: simcord.Env
) -> None:
    result = await world.alice.slash(
        world.channel, "ingest file", file=("orchard.txt", ORCHARD.encode())
    )
    assert result.ephemeral and "Cider orchards in Somerset bloom early" in plain(
        result.response.content
    )
    answer = await world.bob.slash(world.channel, "ask", question="What did Tom Ashby say?")
    assert "We have never seen blossom in March" in embed_text(answer.response)

    lines = [
        json.dumps(
            {"title": f"Harbour notice {n}", "text": f"Notice {n}: " + "The ferry runs late. " * 5}
        )
        for n in range(3)
    ]
    batch = await world.alice.slash(
        world.channel, "ingest file", file=("notices.jsonl", "\n".join(lines).encode())
    )
    assert plain(batch.response.content).count("Added") == 3
    edits = [
        request.json.get("content", "")
        for request in simcord_env.http_requests
        if request.method == "PATCH"
        and request.path.endswith("/messages/@original")
        and isinstance(request.json, dict)
    ]
    assert any("Indexing… 1/3" in text for text in edits)


@pytest.mark.parametrize("bot_options", [{"max_upload_bytes": 100}])
async def test_oversize_and_wrong_type_files_are_refused_before_download(
    world: World, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_download(self: discord.Attachment, **kwargs: object) -> bytes:
        raise AssertionError("the attachment was downloaded")

    monkeypatch.setattr(discord.Attachment, "read", no_download)
    big = await world.alice.slash(
        world.channel, "ingest file", file=("big.txt", b"Title\n" + b"word " * 100)
    )
    assert big.ephemeral and "the limit is 100 bytes" in big.response.content
    assert "NEWSBOT_" not in big.response.content  # no setting Discord users cannot change
    wrong = await world.alice.slash(world.channel, "ingest file", file=("scan.pdf", b"%PDF"))
    assert wrong.ephemeral and ".pdf" in wrong.response.content
    assert len(simcord_env.errors) == 2


async def test_ingest_text_modal_then_ask(world: World) -> None:
    shown = await world.alice.slash(world.channel, "ingest text")
    assert shown.modal is not None

    submitted = await world.alice.submit_modal(
        shown,
        {
            "title": "Glacier museum opens in Tromsø",
            "text": 'A museum about glaciers opened in Tromsø on Friday. "Ice is an archive '
            'of our climate," said curator Liv Dahl at the opening.',
            "url": "https://arctic.example/glacier-museum",
            "outlet": "Arctic Post",
        },
    )
    assert submitted.ephemeral
    assert "Glacier museum opens in Tromsø" in plain(submitted.response.content)

    answer = await world.bob.slash(world.channel, "ask", question="What did Liv Dahl say?")
    text = embed_text(answer.response)
    assert "Ice is an archive of our climate" in text and "Arctic Post" in text
    assert "https://arctic.example/glacier-museum" in answer.response.embeds[0].description


async def test_an_article_in_one_server_is_not_visible_from_another(
    world: World, simcord_env: simcord.Env
) -> None:
    other = make_world(simcord_env, "elsewhere")
    await world.alice.slash(world.channel, "ingest file", file=("orchard.txt", ORCHARD.encode()))

    here = await world.bob.slash(world.channel, "ask", question="What did Tom Ashby say?")
    there = await other.bob.slash(other.channel, "ask", question="What did Tom Ashby say?")
    assert "We have never seen blossom in March" in embed_text(here.response)
    assert "We have never seen blossom in March" not in embed_text(there.response)
    listing = await other.alice.slash(other.channel, "articles")
    assert "Cider orchards" not in embed_text(listing.response)
    assert "Vladimir Putin" in embed_text(listing.response)  # global stays shared


async def test_a_member_cannot_replace_another_members_article(
    world: World, simcord_env: simcord.Env
) -> None:
    home = guild_collection(world.guild.id)
    report = await world.bot.library.ingest([WHEAT], collection=home, added_by=str(world.alice.id))
    alices = report.ingested[0].article_id

    # Bob pastes other text under the same URL: refused, Alice's text stays.
    shown = await world.bob.slash(world.channel, "ingest text")
    refused = await world.bob.submit_modal(
        shown,
        {
            "title": WHEAT.title,
            "text": "Farmer Ann Lee said the wheat harvest in Kansas was a total failure.",
            "url": WHEAT.url or "",
        },
    )
    assert refused.ephemeral
    message = plain(refused.response.content)
    assert "Not added" in message and "added by someone else" in message
    assert "Updated" not in message
    stored = await world.bot.library.get_article(alices, collections=[home])
    assert stored.text == WHEAT.text and stored.added_by == str(world.alice.id)

    # Nor by uploading a file with the same id...
    upload = json.dumps({"id": alices, "title": "x", "text": "Different text. " * 5}).encode()
    by_file = await world.bob.slash(world.channel, "ingest file", file=("a.json", upload))
    assert "added by someone else" in plain(by_file.response.content)
    stored = await world.bot.library.get_article(alices, collections=[home])
    assert stored.text == WHEAT.text

    # ...and he still cannot remove it.
    removal = await world.bob.slash(world.channel, "remove", article=alices)
    assert removal.ephemeral and "only articles you added" in removal.response.content
    assert any(type(e).__name__ == "NotAdmin" for e in simcord_env.errors)

    # Alice herself, or an admin, may update it; it stays Alice's.
    by_admin = await world.admin.slash(world.channel, "ingest file", file=("a.json", upload))
    assert "Updated" in plain(by_admin.response.content)
    stored = await world.bot.library.get_article(alices, collections=[home])
    assert stored.text.startswith("Different text.") and stored.added_by == str(world.alice.id)


@pytest.mark.parametrize("name", ["orchard.markdown", "orchard.htm"])
async def test_markdown_and_htm_uploads_are_accepted(world: World, name: str) -> None:
    data = ORCHARD.encode()
    if name.endswith(".htm"):
        title, _, body = ORCHARD.partition("\n")
        paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
        data = (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>"
        ).encode()
    result = await world.alice.slash(world.channel, "ingest file", file=(name, data))
    assert "Added" in plain(result.response.content)
    assert "Cider orchards in Somerset bloom early" in plain(result.response.content)
