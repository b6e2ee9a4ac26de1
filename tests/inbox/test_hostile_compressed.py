"""A compressed body is capped by what it inflates to, not by what crossed the wire.

aiohttp inflates `Content-Encoding: gzip` request bodies as they are read (fixed in 3.13.3 to
inflate in bounded steps, CVE-2025-69223); the inbox reads at most `max_request_bytes` of the
inflated stream, so 16 KiB of gzip that would inflate to 64 MiB is a 413 and nothing is kept.
"""

from __future__ import annotations

import gzip
import json

import pytest

from storage.models import Actor
from tests.inbox.conftest import Node
from tests.inbox.fakes import AS2_TYPE
from tests.inbox.test_hostile import assert_untouched, refused, signed, snapshot


@pytest.fixture
async def bob(node: Node) -> Actor:
    return await node.local("bob")


async def test_a_gzip_bomb_is_413_and_nothing_is_stored(node: Node, bob: Actor) -> None:
    alice = node.remote()
    _, headers = signed(alice, alice.activity("Follow", bob.uri))
    padding = json.dumps({"pad": ""}).encode()[:-2]  # a JSON prefix, then 64 MiB of spaces in a string
    bomb = gzip.compress(padding + b" " * (64 * 1024 * 1024) + b'"}', compresslevel=9)
    assert len(bomb) < node.services.config.limits.max_request_bytes
    before = await snapshot(node)
    error = await refused(node, 413, bomb, {**headers, "Content-Encoding": "gzip", "Content-Type": AS2_TYPE})
    assert "larger than the limit" in error
    await assert_untouched(node, before)
