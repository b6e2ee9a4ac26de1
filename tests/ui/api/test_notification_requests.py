"""Notification policies and requests (Mastodon 4.3): what a member's policy holds back lands in
requests, out of the notifications and counts; accepting moves it to the notifications and lets
the sender through, dismissing deletes it; `drop` stores nothing."""

from __future__ import annotations

from typing import Any

from actors.reading.notifications import notify
from storage.models import Actor, Mention, Notification, NotificationPolicy, NotificationRequest, Status
from tests.ui.api.notification_helpers import kinds, listed, notified
from tests.ui.api.schemas import NOTIFICATION_POLICY, NOTIFICATION_REQUEST, assert_entity
from tests.ui.api.timeline_helpers import follow, remote, status
from tests.ui.client_api import Api

POLICY = "/api/v2/notifications/policy"
REQUESTS = "/api/v1/notifications/requests"


async def _mention(api: Api, recipient: Actor, sender: Actor, text: str = "hi", **fields: Any
                   ) -> tuple[Status, Notification | None]:
    """A post by `sender` mentioning `recipient`, and the notification `notify` gives it."""
    post = await status(api, sender, text, **fields)
    async with api.services.sessions() as session, session.begin():
        session.add(Mention(status_id=post.id, actor_id=recipient.id))
        to, by = await session.get(Actor, recipient.id), await session.get(Actor, sender.id)
        assert to is not None and by is not None
        return post, await notify(session, to, "mention", by, post.id)


async def _policy(api: Api, token: str, **values: str) -> dict[str, Any]:
    return dict(await api.json("PATCH", POLICY, token, data=values))


async def test_the_policy_has_mastodons_defaults_and_a_summary(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    assert await api.json("GET", POLICY, token) == {
        "for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
        "for_private_mentions": "filter", "for_limited_accounts": "filter",
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}}
    changed = await _policy(api, token, for_not_following="filter", for_new_accounts="drop")
    assert (changed["for_not_following"], changed["for_new_accounts"], changed["for_private_mentions"]) == (
        "filter", "drop", "filter")
    assert (await api.json("GET", POLICY, token))["for_new_accounts"] == "drop"


async def test_a_bad_policy_value_is_refused_and_nothing_is_stored(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    response = await api.request("PATCH", POLICY, token, data={"for_not_following": "filter",
                                                               "for_new_accounts": "maybe"})
    assert response.status == 422
    assert await response.json() == {"error": "for_new_accounts must be one of accept, filter, drop"}
    assert await api.count(NotificationPolicy) == 0
    assert (await api.request("PATCH", POLICY, await api.token_for("ana", "read"), data={})).status == 403


async def test_a_strangers_mention_lands_in_requests_and_accepting_moves_it(any_api: Api) -> None:
    ana, friend = await any_api.member("ana"), await remote(any_api, "friend")
    stranger = await remote(any_api, "stranger")
    await follow(any_api, ana, friend)
    token = await any_api.token_for("ana")
    await _policy(any_api, token, for_not_following="filter")
    post, held = await _mention(any_api, ana, stranger, "hello ana")
    await _mention(any_api, ana, friend, "hi from a friend")
    assert held is not None and held.filtered
    assert kinds(await listed(any_api, token)) == [("mention", "friend@remote.example")]
    groups = (await any_api.json("GET", "/api/v2/notifications", token))["notification_groups"]
    assert [g["sample_account_ids"] for g in groups] == [[str(friend.id)]]
    assert await any_api.json("GET", "/api/v1/notifications/unread_count", token) == {"count": 1}
    assert len(await listed(any_api, token, "?include_filtered=true")) == 2
    (request,) = await any_api.json("GET", REQUESTS, token)
    assert_entity(request, NOTIFICATION_REQUEST)
    assert_entity(await any_api.json("GET", POLICY, token), NOTIFICATION_POLICY)
    assert request["account"]["acct"] == "stranger@remote.example" and request["notifications_count"] == "1"
    assert request["last_status"]["id"] == str(post.id)
    assert (await any_api.json("GET", f"{REQUESTS}/{request['id']}", token))["id"] == request["id"]
    assert (await any_api.json("GET", POLICY, token))["summary"] == {
        "pending_requests_count": 1, "pending_notifications_count": 1}
    assert await any_api.json("POST", f"{REQUESTS}/{request['id']}/accept", token) == {}
    assert kinds(await listed(any_api, token)) == [("mention", "friend@remote.example"),
                                                  ("mention", "stranger@remote.example")]
    assert await any_api.json("GET", REQUESTS, token) == []
    assert await any_api.json("GET", f"{REQUESTS}/merged", token) == {"merged": True}
    _later, again = await _mention(any_api, ana, stranger, "thanks")  # let through from now on
    assert again is not None and not again.filtered


async def test_dismissing_deletes_what_was_held_and_a_new_mention_asks_again(api: Api) -> None:
    ana, stranger = await api.member("ana"), await remote(api, "stranger")
    token = await api.token_for("ana")
    await _policy(api, token, for_not_following="filter")
    await _mention(api, ana, stranger, "one")
    await notified(api, ana, "favourite", stranger, (await status(api, ana, "mine")).id)
    (request,) = await api.json("GET", REQUESTS, token)
    assert request["notifications_count"] == "2"
    await api.json("POST", f"{REQUESTS}/{request['id']}/dismiss", token)
    assert await api.count(Notification) == 0 and await api.count(NotificationRequest) == 0
    await _mention(api, ana, stranger, "two")
    (fresh,) = await api.json("GET", REQUESTS, token)
    assert fresh["id"] != request["id"] and fresh["notifications_count"] == "1"


async def test_private_mentions_out_of_the_blue_are_held_by_default(api: Api) -> None:
    ana, stranger = await api.member("ana"), await remote(api, "stranger")
    token = await api.token_for("ana")
    _post, public = await _mention(api, ana, stranger, "public hello")
    _dm, direct = await _mention(api, ana, stranger, "psst", visibility="direct")
    assert public is not None and not public.filtered
    assert direct is not None and direct.filtered
    mine = await status(api, ana, "my question", visibility="direct")
    _answer, replied = await _mention(api, ana, stranger, "my answer", visibility="direct",
                                      in_reply_to_id=mine.id)
    assert replied is not None and not replied.filtered  # an answer to ana's own post is not held
    assert [n["status"]["content"] for n in await listed(api, token)] == [
        "<p>my answer</p>", "<p>public hello</p>"]


async def test_drop_stores_nothing_and_unfilterable_types_pass(api: Api) -> None:
    ana, stranger = await api.member("ana"), await remote(api, "stranger")
    token = await api.token_for("ana")
    await _policy(api, token, for_not_following="drop", for_not_followers="drop")
    _post, dropped = await _mention(api, ana, stranger)
    assert dropped is None
    boosted = await status(api, stranger, "edited later")
    await notified(api, ana, "update", stranger, boosted.id)  # updates and staff types are not filtered
    assert kinds(await listed(api, token)) == [("update", "stranger@remote.example")]
    assert await api.count(NotificationRequest) == 0


async def test_bulk_accept_and_dismiss_and_someone_elses_request(api: Api) -> None:
    ana, bob = await api.member("ana"), await api.member("bob")
    senders = [await remote(api, f"s{i}") for i in range(3)]
    ana_token, bob_token = await api.token_for("ana"), await api.token_for("bob")
    for token in (ana_token, bob_token):
        await _policy(api, token, for_not_following="filter")
    for sender in senders:
        await _mention(api, ana, sender)
    await _mention(api, bob, senders[0])
    requests = await api.json("GET", REQUESTS, ana_token)
    assert [r["account"]["username"] for r in requests] == ["s2", "s1", "s0"]
    bobs = (await api.json("GET", REQUESTS, bob_token))[0]["id"]
    await api.json("POST", f"{REQUESTS}/{bobs}/accept", ana_token, status=404)
    await api.json("GET", f"{REQUESTS}/{bobs}", ana_token, status=404)
    await api.json("POST", f"{REQUESTS}/accept", ana_token, data={"id[]": [requests[0]["id"], bobs]})
    await api.json("POST", f"{REQUESTS}/dismiss", ana_token, data={"id[]": [requests[1]["id"]]})
    assert [r["account"]["username"] for r in await api.json("GET", REQUESTS, ana_token)] == ["s0"]
    assert kinds(await listed(api, ana_token)) == [("mention", "s2@remote.example")]
    assert len(await api.json("GET", REQUESTS, bob_token)) == 1  # bob's was not touched


async def test_hostile_bulk_and_key_input_is_refused_and_changes_nothing(api: Api) -> None:
    ana, stranger = await api.member("ana"), await remote(api, "stranger")
    token = await api.token_for("ana")
    await _policy(api, token, for_not_following="filter")
    await _mention(api, ana, stranger)
    (request,) = await api.json("GET", REQUESTS, token)
    too_many = await api.request("POST", f"{REQUESTS}/dismiss", token,
                                 data={"id[]": [request["id"]] * 101})
    assert too_many.status == 422 and await too_many.json() == {"error": "at most 100 ids at once"}
    await api.json("POST", f"{REQUESTS}/accept", token, data={"id[]": ["x", "-1", "9" * 30]})
    assert await api.count(NotificationRequest) == 1 and await api.count(Notification) == 1
    for key in ("ungrouped-x", "ungrouped-", "%00", "favourite-1-1%27%20OR%201=1"):
        assert (await api.request("GET", f"/api/v2/notifications/{key}", token)).status == 404
        assert await api.json("POST", f"/api/v2/notifications/{key}/dismiss", token) == {}
    assert await api.count(Notification) == 1
