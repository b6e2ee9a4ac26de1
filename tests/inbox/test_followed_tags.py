"""A remote Create with a hashtag reaches the home timeline of the members who follow the tag
(`actors.reading.home_membership`), whoever else it was delivered for."""

from __future__ import annotations

from sqlalchemy import select

from actors.social.tag_choices import follow_tag, tag_named
from storage.models import Actor, Status, TimelineEntry
from tests.inbox.conftest import Node


async def _follows_tag(node: Node, member: Actor, name: str) -> None:
    async with node.services.sessions() as session, session.begin():
        tag = await tag_named(session, name, create=True)
        assert tag is not None
        await follow_tag(session, member.id, tag)


async def _home(node: Node, member: Actor) -> set[str]:
    async with node.services.sessions() as session:
        rows = await session.scalars(
            select(Status.uri).join(TimelineEntry, TimelineEntry.status_id == Status.id)
            .where(TimelineEntry.owner_id == member.id))
        return set(rows.all())


async def test_a_remote_post_with_a_followed_tag_reaches_the_tag_follower(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)  # someone here follows alice, so her posts are delivered here
    gardener, cook = await node.local("gardener"), await node.local("cook")
    await _follows_tag(node, gardener, "garden")
    await _follows_tag(node, cook, "kitchen")
    hashtag = {"type": "Hashtag", "name": "#Garden", "href": "https://remote.test/tags/garden"}
    tagged = alice.note(1, tag=[hashtag])
    quiet = alice.note(2, tag=[hashtag], to=[alice.followers], cc=[])  # followers-only: not for tags
    await node.deliver(alice, alice.activity("Create", tagged))
    await node.deliver(alice, alice.activity("Create", quiet, number=2))
    assert await _home(node, gardener) == {tagged["id"]}
    assert await _home(node, cook) == set()
