"""Notifications v1: what a member is shown, filters, paging, one, dismiss, clear, and scopes."""

from __future__ import annotations

from sqlalchemy import event, select

from storage.models import Notification, UserDomainBlock
from tests.actors.posts.poll_helpers import run_jobs
from tests.ui.api.notification_helpers import kinds, listed, notified
from tests.ui.api.schemas import NOTIFICATION, STATUS_NOTIFICATION, assert_entity
from tests.ui.api.test_account_lists import _links
from tests.ui.api.timeline_helpers import add, follow, remote, status
from tests.ui.client_api import Api


async def test_favourite_boost_reply_and_follow_are_listed_newest_first(any_api: Api) -> None:
    ana, _bob = await any_api.member("ana"), await any_api.member("bob")
    ana_token, bob_token = await any_api.token_for("ana"), await any_api.token_for("bob")
    post = await any_api.json("POST", "/api/v1/statuses", ana_token, json={"status": "hello"})
    await any_api.json("POST", f"/api/v1/statuses/{post['id']}/favourite", bob_token)
    await any_api.json("POST", f"/api/v1/statuses/{post['id']}/reblog", bob_token)
    reply = await any_api.json("POST", "/api/v1/statuses", bob_token,
                               json={"status": "@ana hi back", "in_reply_to_id": post["id"]})
    await run_jobs(any_api.services)  # the reply's fan-out notifies the mentioned
    await any_api.json("POST", f"/api/v1/accounts/{ana.id}/follow", bob_token)
    found = await listed(any_api, ana_token)
    assert kinds(found) == [("follow", "bob"), ("mention", "bob"), ("reblog", "bob"), ("favourite", "bob")]
    assert [n["status"]["id"] for n in found[1:]] == [reply["id"], post["id"], post["id"]]
    assert "status" not in found[0]
    assert_entity(found[0], NOTIFICATION)
    for entity in found[1:]:
        assert_entity(entity, STATUS_NOTIFICATION)
    # the status as ana sees it
    assert found[2]["status"]["reblogged"] is False and found[3]["status"]["favourited"] is False
    assert found[0]["group_key"].startswith("follow-")
    assert found[1]["group_key"] == f"ungrouped-{found[1]['id']}"
    assert await listed(any_api, bob_token) == []


async def test_types_exclude_types_and_account_id_filter(api: Api) -> None:
    ana, bob, cem = await api.member("ana"), await api.member("bob"), await api.member("cem")
    post = await status(api, ana)
    await notified(api, ana, "favourite", bob, post.id)
    await notified(api, ana, "follow", bob)
    await notified(api, ana, "favourite", cem, post.id)
    token = await api.token_for("ana")
    assert kinds(await listed(api, token, "?types[]=follow")) == [("follow", "bob")]
    assert kinds(await listed(api, token, "?exclude_types[]=favourite")) == [("follow", "bob")]
    assert kinds(await listed(api, token, f"?account_id={bob.id}")) == [
        ("follow", "bob"), ("favourite", "bob")]
    assert kinds(await listed(api, token, "?types[]=favourite&types[]=follow&exclude_types[]=follow")) == [
        ("favourite", "cem"), ("favourite", "bob")]
    assert await listed(api, token, "?types[]=nonsense") == []  # unknown types select nothing
    assert await listed(api, token, "?account_id=abc") == []


async def test_pages_with_link_headers(any_api: Api) -> None:
    ana = await any_api.member("ana")
    fans = [await remote(any_api, f"fan{i}") for i in range(5)]
    rows = [await notified(any_api, ana, "follow", fan) for fan in fans]
    token = await any_api.token_for("ana")
    response = await any_api.request("GET", "/api/v1/notifications?limit=2", token)
    body = await response.json()
    assert [n["id"] for n in body] == [str(rows[4].id), str(rows[3].id)]
    links = _links(response.headers["Link"])
    assert links["next"] == {"limit": "2", "max_id": str(rows[3].id)}
    assert links["prev"] == {"limit": "2", "min_id": str(rows[4].id)}
    older = await listed(any_api, token, f"?limit=2&max_id={rows[3].id}")
    assert [n["id"] for n in older] == [str(rows[2].id), str(rows[1].id)]
    after = await listed(any_api, token, f"?limit=2&min_id={rows[0].id}")
    assert [n["id"] for n in after] == [str(rows[2].id), str(rows[1].id)]
    since = await listed(any_api, token, f"?limit=2&since_id={rows[0].id}")
    assert [n["id"] for n in since] == [str(rows[4].id), str(rows[3].id)]
    bad = await any_api.request("GET", "/api/v1/notifications?max_id=x", token)
    assert bad.status == 422 and await bad.json() == {"error": "max_id must be an id"}


async def test_show_dismiss_and_clear_touch_only_the_members_own(api: Api) -> None:
    ana, bob, cem = await api.member("ana"), await api.member("bob"), await api.member("cem")
    first = await notified(api, ana, "follow", bob)
    second = await notified(api, ana, "follow", cem)
    theirs = await notified(api, bob, "follow", cem)
    ana_token = await api.token_for("ana")
    one = await api.json("GET", f"/api/v1/notifications/{first.id}", ana_token)
    assert one["id"] == str(first.id) and one["account"]["acct"] == "bob"
    await api.json("GET", f"/api/v1/notifications/{theirs.id}", ana_token, status=404)
    await api.json("POST", f"/api/v1/notifications/{theirs.id}/dismiss", ana_token, status=404)
    await api.json("GET", "/api/v1/notifications/nonsense", ana_token, status=404)
    assert await api.json("POST", f"/api/v1/notifications/{first.id}/dismiss", ana_token) == {}
    assert [n["id"] for n in await listed(api, ana_token)] == [str(second.id)]
    assert await api.json("POST", "/api/v1/notifications/clear", ana_token) == {}
    assert await listed(api, ana_token) == []
    async with api.services.sessions() as session:  # bob's are untouched
        left = (await session.scalars(select(Notification.id))).all()
    assert list(left) == [theirs.id]


async def test_mutes_blocks_and_hidden_domains_added_later_hide_what_came_before(api: Api) -> None:
    ana, bob, cem, dan = [await api.member(n) for n in ("ana", "bob", "cem", "dan")]
    far = await remote(api, "far", "far.example")
    for sender in (bob, cem, dan, far):
        await notified(api, ana, "follow", sender)
    token = await api.token_for("ana")
    await api.json("POST", f"/api/v1/accounts/{bob.id}/mute", token, data={"notifications": "true"})
    await api.json("POST", f"/api/v1/accounts/{cem.id}/mute", token, data={"notifications": "false"})
    await api.json("POST", f"/api/v1/accounts/{dan.id}/block", token)
    await api.json("POST", "/api/v1/domain_blocks", token, data={"domain": "far.example"})
    assert kinds(await listed(api, token)) == [("follow", "cem")]  # a mute without notifications keeps them
    await api.json("POST", f"/api/v1/accounts/{bob.id}/unmute", token)
    await api.json("DELETE", "/api/v1/domain_blocks", token, data={"domain": "far.example"})
    assert kinds(await listed(api, token)) == [
        ("follow", "far@far.example"), ("follow", "cem"), ("follow", "bob")]
    await add(api, UserDomainBlock(actor_id=ana.id, domain="far.example"))
    count = await api.json("GET", "/api/v1/notifications/unread_count", token)
    assert count == {"count": 2}  # the count applies the same rules


async def test_a_muted_conversation_and_a_post_no_longer_visible_are_left_out(api: Api) -> None:
    ana, bob = await api.member("ana"), await api.member("bob")
    token = await api.token_for("ana")
    root = await status(api, ana, "root")
    reply = await status(api, bob, "reply", in_reply_to_id=root.id)
    other = await status(api, ana, "other")
    await notified(api, ana, "mention", bob, reply.id)
    await notified(api, ana, "favourite", bob, other.id)
    await follow(api, ana, bob)
    private = await status(api, bob, "for followers", visibility="private")
    await notified(api, ana, "status", bob, private.id)
    assert [n["type"] for n in await listed(api, token)] == ["status", "favourite", "mention"]
    await api.json("POST", f"/api/v1/statuses/{root.id}/mute", token)
    await api.json("POST", f"/api/v1/accounts/{bob.id}/unfollow", token)
    assert [n["type"] for n in await listed(api, token)] == ["favourite"]
    assert await api.json("GET", "/api/v1/notifications/unread_count", token) == {"count": 1}


async def test_a_page_is_filled_past_muted_conversations(api: Api) -> None:
    ana, bob = await api.member("ana"), await api.member("bob")
    token = await api.token_for("ana")
    root = await status(api, ana, "muted thread")
    for i in range(4):
        reply = await status(api, bob, f"reply {i}", in_reply_to_id=root.id)
        await notified(api, ana, "mention", bob, reply.id)
    kept = [await notified(api, ana, "follow", fan) for fan in [await remote(api, f"f{i}") for i in range(2)]]
    for i in range(4):
        reply = await status(api, bob, f"late reply {i}", in_reply_to_id=root.id)
        await notified(api, ana, "mention", bob, reply.id)
    await api.json("POST", f"/api/v1/statuses/{root.id}/mute", token)
    page = await listed(api, token, "?limit=2")
    assert [n["id"] for n in page] == [str(kept[1].id), str(kept[0].id)]


async def test_scopes_as_mastodon(api: Api) -> None:
    await api.member("ana")
    reader = await api.token_for("ana", "read:notifications")
    statuses_only = await api.token_for("ana", "read:statuses write:statuses")
    await api.json("GET", "/api/v1/notifications", reader)
    await api.json("GET", "/api/v1/notifications/unread_count", reader)
    refused = await api.request("GET", "/api/v1/notifications", statuses_only)
    assert refused.status == 403
    assert (await api.request("POST", "/api/v1/notifications/clear", reader)).status == 403
    assert (await api.request("GET", "/api/v1/notifications")).status == 401


async def _statements(api: Api, path: str, token: str) -> int:
    seen: list[str] = []

    def record(*_args: object) -> None:
        seen.append("statement")

    engine = api.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await api.json("GET", path, token)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


async def test_a_page_takes_the_same_statements_for_3_notifications_or_30(api: Api) -> None:
    """Senders, statuses and the viewer's marks are loaded in bulk, never per notification."""
    for name, count in (("ana", 3), ("bea", 30)):
        member = await api.member(name)
        for i in range(count):
            sender = await remote(api, f"{name}{i}")
            post = await status(api, member, f"post {i}")
            await notified(api, member, ("favourite", "reblog", "mention")[i % 3], sender, post.id)
            await notified(api, member, "follow", sender)
    few, many = await api.token_for("ana"), await api.token_for("bea")
    for path in ("/api/v1/notifications?limit=80", "/api/v2/notifications?limit=80"):
        counts = await _statements(api, path, few), await _statements(api, path, many)
        assert counts[0] == counts[1], path
