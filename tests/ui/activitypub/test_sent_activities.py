"""`/activities/{id}`: the activities we send answer as AS2 to those who may see them, before and
after their outbox rows are pruned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from actors.outgoing.outbox_retention import PRUNE_KIND, prune, run_prune
from actors.posts import interactions
from actors.social import blocks, follows
from storage import settings
from storage.models import Actor, Favourite, Job, KeptActivity, OutboxActivity, Status, utcnow
from storage.periodic import ensure_scheduled
from storage.worker import Registry, Worker, drain
from tests.ui.activitypub.conftest import Node, Remote


def _path(node: Node, uri: str) -> str:
    assert uri.startswith(node.base_url)
    return uri.removeprefix(node.base_url)


async def _answers(node: Node, uri: str, *signers: Remote | None) -> list[int]:
    return [(await (node.signed_get(_path(node, uri), s) if s else node.get(_path(node, uri)))).status
            for s in signers]


async def _prune_all(node: Node) -> None:
    async with node.services.sessions() as session, session.begin():
        await prune(session, older_than=utcnow() + timedelta(days=1), base_url=node.base_url)


async def _count(node: Node, model: Any) -> int:
    async with node.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _favourite(node: Node, fan: Actor, status: Status) -> Favourite:
    async with node.services.sessions() as session, session.begin():
        await interactions.favourite(session, node.services, fan, status)
        row = await session.scalar(select(Favourite).where(Favourite.actor_id == fan.id,
                                                           Favourite.status_id == status.id))
    assert row is not None
    return row


async def test_a_like_follows_the_liked_posts_visibility_before_and_after_pruning(any_node: Node) -> None:
    node = any_node
    alice, fan = await node.user("alice"), await node.user("fan")
    follower, stranger = await node.remote("follower"), await node.remote("stranger")
    await node.follow(follower.actor, alice)
    await node.follow(fan, alice)
    public, private = await node.status(alice), await node.status(alice, visibility="private")
    liked = {"public": await _favourite(node, fan, public), "private": await _favourite(node, fan, private)}
    for _ in range(2):  # as stored, then once the outbox rows are gone
        like = await node.json(_path(node, liked["public"].uri))
        assert like["type"] == "Like" and like["object"] == public.uri and like["actor"] == fan.uri
        assert await _answers(node, liked["private"].uri, None, stranger, follower) == [404, 404, 200]
        hidden, unused = (await node.get(_path(node, liked["private"].uri))), await node.get("/activities/1")
        assert (hidden.status, await hidden.read()) == (unused.status, await unused.read())  # no oracle
        await _prune_all(node)


async def test_a_like_undone_answers_404_even_while_its_outbox_row_is_kept(node: Node) -> None:
    alice, fan = await node.user("alice"), await node.remote("fan")
    bea = await node.user("bea")
    status = await node.status(alice)
    remote_post = Status(uri="https://remote.example/notes/1", actor_id=fan.actor.id, local=False,
                         visibility="public", content="<p>hi</p>")
    async with node.services.sessions() as session, session.begin():
        session.add(remote_post)
    row = await _favourite(node, bea, remote_post)  # a remote post: the Like is delivered
    assert await _count(node, OutboxActivity) == 1
    async with node.services.sessions() as session, session.begin():
        await interactions.unfavourite(session, node.services, bea, remote_post)
    assert (await node.get(_path(node, row.uri))).status == 404
    undo = await node.json(_path(node, f"{row.uri}/undo"))
    assert undo["type"] == "Undo" and undo["object"]["id"] == row.uri
    assert status.uri  # alice's post is unrelated


async def test_follow_and_block_are_shown_to_the_two_parties_only(any_node: Node) -> None:
    node = any_node
    alice = await node.user("alice")
    bob, stranger = await node.remote("bob"), await node.remote("stranger")
    carol = await node.remote("carol")
    async with node.services.sessions() as session, session.begin():
        follow = await follows.follow(session, alice, bob.actor, base_url=node.base_url)
        block = await blocks.block(session, alice, carol.actor, base_url=node.base_url)
    assert await _answers(node, follow.uri, None, stranger, bob) == [404, 404, 200]
    assert await _answers(node, block.uri, None, stranger, carol) == [404, 404, 200]
    doc = await node.json(_path(node, follow.uri), signer=bob)
    assert (doc["type"], doc["actor"], doc["object"]) == ("Follow", alice.uri, bob.actor.uri)
    await _prune_all(node)
    assert await _answers(node, follow.uri, bob) == [200]
    assert await _answers(node, block.uri, carol) == [200]


async def test_an_undo_stays_dereferenceable_to_its_party_after_pruning(any_node: Node) -> None:
    node = any_node
    alice = await node.user("alice")
    bob, stranger = await node.remote("bob"), await node.remote("stranger")
    async with node.services.sessions() as session, session.begin():
        follow = await follows.follow(session, alice, bob.actor, base_url=node.base_url)
    async with node.services.sessions() as session, session.begin():
        await follows.unfollow(session, alice, bob.actor, base_url=node.base_url)
        sent = (await session.scalars(select(OutboxActivity))).all()
    [undo_uri] = [row.uri for row in sent if row.body["type"] == "Undo"]
    before = await node.json(_path(node, undo_uri), signer=bob)
    await _prune_all(node)
    assert await _count(node, OutboxActivity) == 0 and await _count(node, KeptActivity) == 1
    after = await node.json(_path(node, undo_uri), signer=bob)
    assert after["type"] == "Undo" and after["id"] == before["id"] and after["to"] == [bob.actor.uri]
    assert after["object"] == {"id": follow.uri, "type": "Follow", "actor": alice.uri,
                               "object": bob.actor.uri}
    assert await _answers(node, undo_uri, None, stranger) == [404, 404]
    assert await _answers(node, follow.uri, bob) == [404]  # the follow was undone


async def test_an_announce_follows_the_boosts_visibility(node: Node) -> None:
    alice, bea = await node.user("alice"), await node.user("bea")
    stranger = await node.remote("stranger")
    public, local_only = await node.status(alice), await node.status(alice, local_only=True)
    async with node.services.sessions() as session, session.begin():
        boosts = [await interactions.reblog(session, node.services, bea, s) for s in (public, local_only)]
    announce = await node.json(_path(node, boosts[0].uri))
    assert (announce["type"], announce["object"]) == ("Announce", public.uri)
    assert await _answers(node, boosts[1].uri, None, stranger) == [404, 404]


async def test_pruning_keeps_recent_rows_and_the_job_reschedules_itself(node: Node) -> None:
    alice, bob = await node.user("alice"), await node.remote("bob")
    async with node.services.sessions() as session, session.begin():
        await follows.follow(session, alice, bob.actor, base_url=node.base_url)
        await settings.set_value(session, "outbox_retention_days", 4)
    assert await ensure_scheduled(node.services.sessions, PRUNE_KIND)
    assert not await ensure_scheduled(node.services.sessions, PRUNE_KIND)  # a second call queues nothing more
    registry = Registry()
    registry.register(PRUNE_KIND, run_prune)
    await drain(Worker(node.services.engine, registry, deps=node.services, queues=("default",)))
    assert await _count(node, OutboxActivity) == 1  # a fresh row stays
    async with node.services.sessions() as session:
        queued = (await session.scalars(select(Job).where(Job.kind == PRUNE_KIND,
                                                          Job.state == "queued"))).all()
    assert len(queued) == 1 and queued[0].run_after > queued[0].created_at  # the next run, an hour on


async def test_the_retention_setting_refuses_less_than_the_delivery_horizon() -> None:
    for bad in ("3", "0", "-1", "ten"):
        try:
            settings.parse_value("outbox_retention_days", bad)
        except settings.SettingError:
            continue
        raise AssertionError(bad)
    assert settings.parse_value("outbox_retention_days", "30") == 30


async def test_unused_and_malformed_activity_ids_answer_404(node: Node) -> None:
    for path in ("/activities/1", "/activities/99999999999/undo"):
        response = await node.get(path)
        assert response.status == 404 and "error" in await response.json(content_type=None)
    assert (await node.get("/activities/abc")).status == 404
