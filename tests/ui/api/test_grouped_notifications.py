"""Grouped notifications (API v2): groups, counts and samples, paging, one group and its
accounts, dismissing a group, the unread count of groups; v1 and v2 agree."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from storage.models import Actor, Notification, utcnow
from tests.ui.api.notification_helpers import listed, notified
from tests.ui.api.schemas import (
    ACCOUNT,
    GROUPED_NOTIFICATIONS,
    NOTIFICATION_GROUP,
    PARTIAL_ACCOUNT,
    ListOf,
    assert_entity,
)
from tests.ui.api.test_account_lists import _links
from tests.ui.api.timeline_helpers import add, remote, status
from tests.ui.client_api import Api

V2 = "/api/v2/notifications"


async def test_thirty_favourites_are_one_group_in_v2_and_thirty_entries_in_v1(any_api: Api) -> None:
    ana = await any_api.member("ana")
    post = await status(any_api, ana, "popular")
    fans = [await remote(any_api, f"fan{i:02d}") for i in range(30)]
    for fan in fans:
        await notified(any_api, ana, "favourite", fan, post.id)
    token = await any_api.token_for("ana")
    v1 = await listed(any_api, token, "?limit=80")
    assert len(v1) == 30 and {n["type"] for n in v1} == {"favourite"}
    assert len({n["group_key"] for n in v1}) == 1
    body = await any_api.json("GET", V2, token)
    assert_entity(body, GROUPED_NOTIFICATIONS)
    (group,) = body["notification_groups"]
    assert group["notifications_count"] == 30 and group["type"] == "favourite"
    assert group["group_key"] == v1[0]["group_key"] and group["status_id"] == str(post.id)
    newest_first = [str(f.id) for f in reversed(fans)]
    assert group["sample_account_ids"] == newest_first[:8]
    assert group["most_recent_notification_id"] == v1[0]["id"] == group["page_max_id"]
    assert group["page_min_id"] == v1[-1]["id"]
    assert sorted(a["id"] for a in body["accounts"]) == sorted(newest_first[:8])
    assert [s["id"] for s in body["statuses"]] == [str(post.id)]


async def test_groups_keep_other_types_apart_and_honour_grouped_types(api: Api) -> None:
    ana = await api.member("ana")
    post, other = await status(api, ana, "one"), await status(api, ana, "two")
    bob, cem = await remote(api, "bob"), await remote(api, "cem")
    await notified(api, ana, "favourite", bob, post.id)
    await notified(api, ana, "favourite", cem, post.id)
    await notified(api, ana, "favourite", bob, other.id)
    await notified(api, ana, "reblog", bob, post.id)
    await notified(api, ana, "follow", bob)
    await notified(api, ana, "follow", cem)
    await notified(api, ana, "mention", bob, other.id)
    token = await api.token_for("ana")
    groups = (await api.json("GET", V2, token))["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [
        ("mention", 1), ("follow", 2), ("reblog", 1), ("favourite", 1), ("favourite", 2)]
    assert groups[0]["group_key"].startswith("ungrouped-") and "status_id" not in groups[1]
    only_favourites = (await api.json("GET", f"{V2}?grouped_types[]=favourite", token))["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in only_favourites] == [
        ("mention", 1), ("follow", 1), ("follow", 1), ("reblog", 1), ("favourite", 1), ("favourite", 2)]
    follows = (await api.json("GET", f"{V2}?types[]=follow", token))["notification_groups"]
    assert [g["notifications_count"] for g in follows] == [2]
    assert (await api.json("GET", f"{V2}/unread_count", token)) == {"count": 5}
    assert (await api.json("GET", f"{V2}/unread_count?limit=2", token)) == {"count": 2}


async def test_a_group_ends_twelve_hours_after_it_began(api: Api) -> None:
    ana = await api.member("ana")
    post = await status(api, ana, "slow burn")
    old = await notified(api, ana, "favourite", await remote(api, "early"), post.id)
    async with api.services.sessions() as session, session.begin():  # the first came 13 hours ago
        bucket = int((utcnow() - timedelta(hours=13)).timestamp()) // 3600
        await session.execute(update(Notification).where(Notification.id == old.id).values(
            group_key=f"favourite-{post.id}-{bucket}"))
    late = await notified(api, ana, "favourite", await remote(api, "late"), post.id)
    later = await notified(api, ana, "favourite", await remote(api, "later"), post.id)
    assert late.group_key == later.group_key != f"favourite-{post.id}-{bucket}"
    token = await api.token_for("ana")
    groups = (await api.json("GET", V2, token))["notification_groups"]
    assert [g["notifications_count"] for g in groups] == [2, 1]


async def test_pages_of_groups_with_link_headers(api: Api) -> None:
    ana = await api.member("ana")
    posts = [await status(api, ana, f"post {i}") for i in range(3)]
    rows = []
    for post in posts:  # three groups of two
        for name in ("a", "b"):
            rows.append(await notified(api, ana, "favourite", await remote(api, f"{name}{post.id}"), post.id))
    token = await api.token_for("ana")
    response = await api.request("GET", f"{V2}?limit=2", token)
    groups = (await response.json())["notification_groups"]
    assert [g["status_id"] for g in groups] == [str(posts[2].id), str(posts[1].id)]
    assert [g["notifications_count"] for g in groups] == [2, 2]
    links = _links(response.headers["Link"])
    assert links["next"]["max_id"] == groups[-1]["page_min_id"] == str(rows[2].id)
    assert links["prev"]["min_id"] == groups[0]["page_max_id"] == str(rows[5].id)
    older = (await api.json("GET", f"{V2}?limit=2&max_id={rows[2].id}", token))["notification_groups"]
    assert [g["status_id"] for g in older] == [str(posts[0].id)]
    newer = (await api.json("GET", f"{V2}?limit=1&min_id={rows[1].id}", token))["notification_groups"]
    assert [g["status_id"] for g in newer] == [str(posts[1].id)]


async def test_one_group_its_accounts_and_dismissing_it(any_api: Api) -> None:
    ana, bob = await any_api.member("ana"), await any_api.member("bob")
    post = await status(any_api, ana, "liked")
    fans = [await remote(any_api, f"fan{i}") for i in range(3)]
    for fan in fans:
        await notified(any_api, ana, "favourite", fan, post.id)
    follow = await notified(any_api, ana, "follow", bob)
    theirs = await notified(any_api, bob, "follow", fans[0])
    token = await any_api.token_for("ana")
    key = (await listed(any_api, token, "?types[]=favourite"))[0]["group_key"]
    one = await any_api.json("GET", f"{V2}/{key}", token)
    (group,) = one["notification_groups"]
    assert_entity(group, NOTIFICATION_GROUP)
    assert group["notifications_count"] == 3 and "page_min_id" not in group
    response = await any_api.request("GET", f"{V2}/{key}/accounts?limit=2", token)
    accounts = await response.json()
    assert_entity(accounts, ListOf(ACCOUNT))
    assert [a["username"] for a in accounts] == ["fan2", "fan1"]
    assert "next" in _links(response.headers["Link"])
    await any_api.json("GET", f"{V2}/ungrouped-{theirs.id}", token, status=404)  # bob's
    await any_api.json("GET", f"{V2}/nonsense", token, status=404)
    assert await any_api.json("POST", f"{V2}/ungrouped-{theirs.id}/dismiss", token) == {}
    assert await any_api.count(Notification) == 5  # bob's stays
    assert await any_api.json("POST", f"{V2}/{key}/dismiss", token) == {}
    assert [n["id"] for n in await listed(any_api, token)] == [str(follow.id)]
    follow_key = f"ungrouped-{follow.id}"
    await any_api.json("GET", f"{V2}/{follow.group_key}", token)
    assert await any_api.json("POST", f"{V2}/{follow_key}/dismiss", token) == {}  # an ungrouped key
    assert await listed(any_api, token) == []


async def test_partial_avatars_keep_each_groups_latest_account_full(api: Api) -> None:
    ana = await api.member("ana")
    post = await status(api, ana, "liked")
    for i in range(3):
        await notified(api, ana, "favourite", await remote(api, f"fan{i}"), post.id)
    token = await api.token_for("ana")
    body = await api.json("GET", f"{V2}?expand_accounts=partial_avatars", token)
    assert [a["username"] for a in body["accounts"]] == ["fan2"]
    assert sorted(a["acct"] for a in body["partial_accounts"]) == [
        "fan0@remote.example", "fan1@remote.example"]
    for partial in body["partial_accounts"]:
        assert_entity(partial, PARTIAL_ACCOUNT)
    bad = await api.request("GET", f"{V2}?expand_accounts=everything", token)
    assert bad.status == 422


async def test_v1_and_v2_apply_the_same_rules(api: Api) -> None:
    ana, bob = await api.member("ana"), await api.member("bob")
    post = await status(api, ana, "liked")
    await notified(api, ana, "favourite", bob, post.id)
    await notified(api, ana, "favourite", await remote(api, "kept"), post.id)
    token = await api.token_for("ana")
    await api.json("POST", f"/api/v1/accounts/{bob.id}/block", token)
    (group,) = (await api.json("GET", V2, token))["notification_groups"]
    assert group["notifications_count"] == 1 == len(await listed(api, token))
    assert (await api.request("GET", V2, await api.token_for("ana", "read:statuses"))).status == 403


async def test_a_group_larger_than_one_read_is_counted_whole(api: Api) -> None:
    ana = await api.member("ana")
    post = await status(api, ana, "viral")
    fans = [Actor(username=f"fan{i}", domain="remote.example", uri=f"https://remote.example/users/fan{i}")
            for i in range(250)]
    await add(api, *fans)
    key = f"favourite-{post.id}-1"
    await add(api, *[Notification(recipient_id=ana.id, type="favourite", from_actor_id=fan.id,
                                  status_id=post.id, group_key=key) for fan in fans])
    await notified(api, ana, "follow", await remote(api, "late"))
    token = await api.token_for("ana")
    groups = (await api.json("GET", f"{V2}?limit=2", token))["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [("follow", 1), ("favourite", 250)]
    assert len(groups[1]["sample_account_ids"]) == 8
