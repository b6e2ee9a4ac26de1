"""Block, Flag, Move, the policy pipeline, and activities nobody handles."""

from __future__ import annotations

from typing import Any

import pytest

from actors.accounts.local_users import create_local_user
from federation.urls import domain_of
from inbox.context import Incoming
from inbox.policies import Accept, Reject, Rewrite, Verdict, run_policies
from inbox.process import handler_for
from storage.models import ACCEPTED, PENDING, Actor, Block, DomainRule, Follow, Notification, Report, Status
from tests.inbox.conftest import Node


async def test_a_block_is_stored_and_ends_follows_both_ways(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    author = await node.seed(alice)
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=author.id, uri="http://amity.test/f/1",
                           state=ACCEPTED))
    await node.deliver(alice, alice.activity("Follow", bob.uri))
    block = alice.activity("Block", bob.uri)
    await node.deliver(alice, block)
    await node.reprocess(block["id"])
    (row,) = await node.rows(Block)
    assert (row.actor_id, row.target_id, row.uri) == (author.id, bob.id, block["id"])
    assert await node.count(Follow) == 0


async def test_undo_block_removes_it(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    block = alice.activity("Block", bob.uri)
    await node.deliver(alice, block)
    await node.deliver(alice, alice.activity("Undo", block))
    assert await node.count(Block) == 0


async def test_a_flag_becomes_a_report_and_moderators_are_told(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    async with node.services.sessions() as session, session.begin():
        moderator = await create_local_user(session, base_url=node.services.base_url, username="mod",
                                            email="mod@amity.test", password="long enough", role="moderator")
        post = Status(uri=f"{bob.uri}/statuses/1", actor_id=bob.id, local=True)
        session.add(post)
    flag = alice.activity("Flag", [bob.uri, post.uri, "http://amity.test/users/bob/statuses/404"],
                          content="spam <script>x</script>")
    await node.deliver(alice, flag)
    await node.reprocess(flag["id"])
    (report,) = await node.rows(Report)
    reporter = (await node.rows(Actor, Actor.uri == alice.uri))[0]
    assert (report.uri, report.reporter_id, report.target_id) == (flag["id"], reporter.id, bob.id)
    assert report.status_ids == [post.id] and report.comment == "spam"  # script contents dropped
    (note,) = await node.rows(Notification)
    assert (note.type, note.recipient_id, note.report_id) == ("admin.report", moderator.actor_id, report.id)


async def test_a_flag_from_a_domain_with_reject_reports_is_dropped(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    async with node.services.sessions() as session, session.begin():
        await create_local_user(session, base_url=node.services.base_url, username="mod",
                                email="mod@amity.test", password="long enough", role="moderator")
        session.add(DomainRule(domain=domain_of(alice.uri), policy="noop", reject_reports=True))
    flag = alice.activity("Flag", [bob.uri], content="spam")
    await node.deliver(alice, flag)
    await node.reprocess(flag["id"])
    assert await node.count(Report) == 0 and await node.count(Notification) == 0
    assert not (await node.item(flag["id"])).error  # dropped on purpose, not failed


async def test_a_flag_of_nothing_known_is_refused_in_processing(node: Node) -> None:
    alice = node.remote()
    flag = alice.activity("Flag", ["http://amity.test/users/ghost"])
    await node.deliver(alice, flag)
    assert await node.count(Report) == 0 and (await node.item(flag["id"])).error


async def test_a_confirmed_move_moves_local_followers(node: Node) -> None:
    old, new = node.remote(), node.remote("alice2", host="third.test", key=1)
    bob = await node.local("bob")
    old_row = await node.seed(old)
    node.peer.serve(new.uri, {**new.document(), "alsoKnownAs": [old.uri]})
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=old_row.id, uri="http://amity.test/f/1",
                           state=ACCEPTED))
    move = old.activity("Move", old.uri, target=new.uri)
    await node.deliver(old, move)
    await node.reprocess(move["id"])
    (follow,) = await node.rows(Follow)
    new_row = (await node.rows(Actor, Actor.uri == new.uri))[0]
    assert (follow.follower_id, follow.followee_id, follow.state) == (bob.id, new_row.id, PENDING)
    assert (await node.rows(Actor, Actor.id == old_row.id))[0].moved_to_id == new_row.id
    kinds = sorted((row.body["type"], row.body["object"] if isinstance(row.body["object"], str) else "undo")
                   for row in await node.outbox())
    assert kinds == [("Follow", new.uri), ("Undo", "undo")]
    (note,) = await node.rows(Notification)
    assert note.type == "move"


async def test_an_unconfirmed_move_changes_nothing(node: Node) -> None:
    old, new = node.remote(), node.remote("alice2", host="third.test", key=1)
    bob = await node.local("bob")
    old_row = await node.seed(old)
    async with node.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=old_row.id, uri="http://amity.test/f/1",
                           state=ACCEPTED))
    move = old.activity("Move", old.uri, target=new.uri)
    await node.deliver(old, move)
    (follow,) = await node.rows(Follow)
    assert follow.followee_id == old_row.id
    assert "alsoKnownAs" in ((await node.item(move["id"])).error or "")


async def test_activities_from_a_domain_suspended_after_queueing_are_dropped(node: Node) -> None:
    alice = node.remote()
    bob = await node.local("bob")
    follow = alice.activity("Follow", bob.uri)
    assert (await node.post(alice, follow)).status == 202
    async with node.services.sessions() as session, session.begin():
        session.add(DomainRule(domain="remote.test", policy="suspend"))
    await node.process()
    assert await node.count(Follow) == 0
    item = await node.item(follow["id"])
    assert item.processed_at is not None and "suspended" in (item.error or "")


async def test_unknown_activity_types_are_accepted_and_ignored(node: Node) -> None:
    alice = node.remote()
    odd = alice.activity("EmojiReact", f"{alice.uri}/statuses/1", content="🙂")
    await node.deliver(alice, odd)
    item = await node.item(odd["id"])
    assert item.processed_at is not None and item.error is None


@pytest.mark.parametrize(("activity", "expected"), [
    ({"type": "Undo", "object": {"type": "Follow"}}, "undo_follow"),
    ({"type": "Undo", "object": "http://x/1"}, "undo_by_id"),
    ({"type": "Undo", "object": {"type": "Question"}}, None),
    ({"type": "Create", "object": {"type": "Article"}}, "handle"),
    ({"type": "Create", "object": {"type": "Person"}}, None),
    ({"type": "Update", "object": {"type": "Service"}}, "update_actor"),
    ({"type": "Update", "object": {"type": "Note"}}, "update_status"),
    ({"type": ["Like", "x:Extra"], "object": "http://x/1"}, "handle"),
    ({"type": "Arrive"}, None),
])
def test_dispatch_is_by_activity_and_object_type(activity: dict[str, Any], expected: str | None) -> None:
    handler = handler_for(activity)
    assert (handler.__name__ if handler else None) == expected


async def test_policies_run_in_order_and_a_reject_stops_them() -> None:
    seen: list[str] = []

    async def rewrite(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
        seen.append("rewrite")
        return Rewrite({**activity, "summary": "rewritten"})

    async def accept(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
        seen.append(f"accept:{activity['summary']}")
        return Accept()

    async def reject(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
        seen.append("reject")
        return Reject("no")

    async def never(ctx: Incoming, activity: dict[str, Any]) -> Verdict:
        raise AssertionError("runs after a reject")

    ctx: Any = None
    rewritten = await run_policies((rewrite, accept), ctx, {"type": "Note"})
    assert rewritten == {"type": "Note", "summary": "rewritten"}
    assert await run_policies((rewrite, reject, never), ctx, {"type": "Note"}) == Reject("no")
    assert seen == ["rewrite", "accept:rewritten", "rewrite", "reject"]
