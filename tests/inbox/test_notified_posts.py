"""Remote posts and edits that notify members: `status` for followers who asked to be told of
an account's posts, `update` for members who boosted a post that was then edited."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import Follow, Notification, Status
from tests.inbox.conftest import Node


async def _notifications(node: Node) -> list[tuple[str, int, int | None]]:
    return [(n.type, n.recipient_id, n.status_id) for n in await node.rows(Notification)]


async def test_a_post_notifies_followers_with_notify_on_but_not_replies_to_others(node: Node) -> None:
    alice = node.remote()
    author = await node.followed(alice, "fan")
    await node.followed(alice, "quiet")
    (fan,) = [f for f in await node.rows(Follow) if f.follower_id != author.id][:1]
    async with node.services.sessions() as session, session.begin():
        await session.execute(update(Follow).where(Follow.id == fan.id).values(notify=True))
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    (post,) = await node.rows(Status)
    assert await _notifications(node) == [("status", fan.follower_id, post.id)]
    await node.deliver(alice, alice.activity("Create", alice.note(2, inReplyTo=f"{alice.uri}/statuses/1"),
                                                   number=2))
    assert len(await _notifications(node)) == 2  # a reply to herself tells them too
    await node.deliver(alice, alice.activity("Create", alice.note(3, inReplyTo="http://elsewhere.test/n/1"),
                                                   number=3))
    assert len(await _notifications(node)) == 2  # a reply to someone else does not


async def test_an_edit_notifies_the_members_who_boosted_it(node: Node) -> None:
    alice = node.remote()
    await node.followed(alice)
    bob = await node.local("bob")
    await node.deliver(alice, alice.activity("Create", alice.note(1)))
    (post,) = await node.rows(Status)
    async with node.services.sessions() as session, session.begin():
        session.add(Status(uri=f"{bob.uri}/statuses/9", actor_id=bob.id, local=True, reblog_of_id=post.id))
    edit = alice.activity("Update", alice.note(1, content="<p>edited</p>", updated="2031-01-03T00:00:00Z"))
    await node.deliver(alice, edit)
    assert await _notifications(node) == [("update", bob.id, post.id)]
    again = alice.activity("Update", alice.note(1, content="<p>twice</p>", updated="2031-01-04T00:00:00Z"),
                           number=2)
    first = (await node.rows(Notification))[0].id
    await node.deliver(alice, again)
    (latest,) = await node.rows(Notification)
    assert latest.type == "update" and latest.id > first  # each edit is news again
