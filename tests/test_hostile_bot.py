"""Hostile uploads through Discord (issue 12 items 1 and 2), via SimCord: /ingest file with
a 5,000-digit JSON integer or a lone surrogate on one line refuses that line, by name and
reason, in an ephemeral reply, and the good lines of the same file go in."""

from __future__ import annotations

import json

from tests.bot_helpers import World, plain

pytest_plugins = ["tests.bot_fixtures"]


async def test_upload_with_a_huge_integer_and_a_lone_surrogate_keeps_the_good_lines(
    world: World,
) -> None:
    good = json.dumps(
        {"id": "ferry", "title": "Ferry runs late", "text": "The ferry ran late. " * 5}
    )
    huge = '{"id": ' + "9" * 5000 + ', "title": "Huge", "text": "x"}'
    surrogate = json.dumps({"title": "Broken", "author": "\ud800", "text": "Words here. " * 5})
    upload = "\n".join([huge, good, surrogate]).encode()

    result = await world.alice.slash(world.channel, "ingest file", file=("batch.jsonl", upload))

    assert result.ephemeral
    reply = plain(result.response.content)
    assert "Ferry runs late" in reply
    assert "batch.jsonl:1" in reply and "5,000 digits" in reply
    assert "batch.jsonl:3" in reply and "not valid Unicode" in reply
