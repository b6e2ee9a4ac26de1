"""Follow, unfollow, remove from followers, block, mute, follow requests, blocks, mutes,
domain blocks, familiar followers: answers, rows, activities, pagination."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import (
    ACCEPTED,
    PENDING,
    Actor,
    Block,
    Follow,
    Mute,
    Notification,
    OutboxActivity,
    UserDomainBlock,
)
from tests.ui.api.schemas import ACCOUNT, RELATIONSHIP, ListOf, assert_entity
from tests.ui.client_api import Api

ACC = "/api/v1/accounts"


async def _remote(api: Api, name: str, domain: str = "remote.example", **fields: Any) -> Actor:
    uri = f"https://{domain}/users/{name}"
    actor = Actor(username=name, domain=domain, uri=uri, inbox_url=f"{uri}/inbox",
                  url=f"https://{domain}/@{name}", **fields)
    async with api.services.sessions() as session, session.begin():
        session.add(actor)
    return actor


async def _follows(api: Api) -> list[tuple[int, int, str, bool, bool]]:
    async with api.services.sessions() as session:
        rows = (await session.scalars(select(Follow))).all()
    return sorted((f.follower_id, f.followee_id, f.state, f.show_reblogs, f.notify) for f in rows)


async def _sent(api: Api) -> list[dict[str, Any]]:
    async with api.services.sessions() as session:
        rows = await session.scalars(select(OutboxActivity).order_by(OutboxActivity.id))
        return [a.body for a in rows.all()]


async def test_follow_a_local_member_with_options_then_unfollow(any_api: Api) -> None:
    api = any_api
    ana, bea = await api.member("ana"), await api.member("bea")
    token = await api.token_for("ana", "read write follow")
    rel = await api.json("POST", f"{ACC}/{bea.id}/follow", token, data={"reblogs": "false", "notify": "1"})
    assert_entity(rel, RELATIONSHIP)
    assert (rel["id"], rel["following"], rel["showing_reblogs"], rel["notifying"], rel["requested"]) == (
        str(bea.id), True, False, True, False)
    assert await _follows(api) == [(ana.id, bea.id, ACCEPTED, False, True)]
    again = await api.json("POST", f"{ACC}/{bea.id}/follow", token, json={"reblogs": True})
    assert again["showing_reblogs"] is True and again["notifying"] is True
    rel = await api.json("POST", f"{ACC}/{bea.id}/unfollow/", token)
    assert rel["following"] is False and await _follows(api) == []
    assert await _sent(api) == []  # nothing leaves the node for local members


async def test_following_a_locked_member_is_a_request_they_authorize_or_reject(api: Api) -> None:
    ana, bea, cid = await api.member("ana"), await api.member("bea", locked=True), await api.member("cid")
    bea_token = await api.token_for("bea", "read write")
    for name in ("ana", "cid"):
        rel = await api.json("POST", f"{ACC}/{bea.id}/follow", await api.token_for(name, "write:follows"))
        assert rel["requested"] is True and rel["following"] is False
    listed = await api.json("GET", "/api/v1/follow_requests", bea_token)
    assert_entity(listed, ListOf(ACCOUNT))
    assert [a["id"] for a in listed] == [str(cid.id), str(ana.id)]  # newest request first
    rel = await api.json("POST", f"/api/v1/follow_requests/{ana.id}/authorize", bea_token)
    assert rel["followed_by"] is True and rel["requested_by"] is False
    rel = await api.json("POST", f"/api/v1/follow_requests/{cid.id}/reject", bea_token)
    assert rel["followed_by"] is False and rel["requested_by"] is False
    assert await _follows(api) == [(ana.id, bea.id, ACCEPTED, True, False)]
    assert await api.json("GET", "/api/v1/follow_requests", bea_token) == []
    await api.json("POST", f"/api/v1/follow_requests/{cid.id}/authorize", bea_token, status=404)
    async with api.services.sessions() as session:
        assert (await session.scalars(select(Notification.type).where(
            Notification.recipient_id == bea.id))).all() == []


async def test_following_a_remote_account_sends_a_follow_and_waits(any_api: Api) -> None:
    api = any_api
    ana, carl = await api.member("ana"), await _remote(api, "carl")
    token = await api.token_for("ana", "follow")
    rel = await api.json("POST", f"{ACC}/{carl.id}/follow", token)
    assert rel["requested"] is True and rel["following"] is False
    [sent] = await _sent(api)
    assert (sent["type"], sent["actor"], sent["object"]) == ("Follow", ana.uri, carl.uri)
    await api.json("POST", f"{ACC}/{carl.id}/unfollow", token)
    undo = (await _sent(api))[-1]
    assert undo["type"] == "Undo" and undo["object"]["id"] == sent["id"]


async def test_remove_from_followers_rejects_a_remote_follower(api: Api) -> None:
    ana, carl = await api.member("ana"), await _remote(api, "carl")
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=carl.id, followee_id=ana.id, state=ACCEPTED, uri=f"{carl.uri}#f1"))
    token = await api.token_for("ana", "write")
    rel = await api.json("POST", f"{ACC}/{carl.id}/remove_from_followers", token)
    assert rel["followed_by"] is False and await _follows(api) == []
    [sent] = await _sent(api)
    assert sent["type"] == "Reject" and sent["object"]["id"] == f"{carl.uri}#f1"


async def test_block_ends_follows_both_ways_and_federates_then_unblock(any_api: Api) -> None:
    api = any_api
    ana, carl = await api.member("ana"), await _remote(api, "carl")
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=carl.id, followee_id=ana.id, state=ACCEPTED, uri=f"{carl.uri}#f1"))
        session.add(Follow(follower_id=ana.id, followee_id=carl.id, state=ACCEPTED, uri=f"{ana.uri}#f2"))
    token = await api.token_for("ana", "read write")
    rel = await api.json("POST", f"{ACC}/{carl.id}/block", token)
    assert (rel["blocking"], rel["following"], rel["followed_by"]) == (True, False, False)
    assert await _follows(api) == []
    await api.json("POST", f"{ACC}/{carl.id}/block", token)  # again: one row, one activity
    [sent] = await _sent(api)
    assert (sent["type"], sent["object"]) == ("Block", carl.uri)
    listed = await api.json("GET", "/api/v1/blocks", token)
    assert [a["id"] for a in listed] == [str(carl.id)]
    refused = await api.request("POST", f"{ACC}/{carl.id}/follow", token)
    assert refused.status == 403 and await _follows(api) == []
    rel = await api.json("POST", f"{ACC}/{carl.id}/unblock", token)
    assert rel["blocking"] is False and await api.count(Block) == 0
    undo = (await _sent(api))[-1]
    assert undo["type"] == "Undo" and undo["object"]["id"] == sent["id"]


async def test_mute_with_duration_and_without_notifications(api: Api) -> None:
    await api.member("ana")
    bea = await api.member("bea")
    token = await api.token_for("ana", "read write")
    rel = await api.json("POST", f"{ACC}/{bea.id}/mute", token, data={"notifications": "false",
                                                                        "duration": "3600"})
    assert rel["muting"] is True and rel["muting_notifications"] is False
    assert rel["muting_expires_at"] is not None
    [muted] = await api.json("GET", "/api/v1/mutes", token)
    assert muted["id"] == str(bea.id) and muted["mute_expires_at"] == rel["muting_expires_at"]
    rel = await api.json("POST", f"{ACC}/{bea.id}/unmute", token)
    assert rel["muting"] is False and await api.count(Mute) == 0
    assert await _sent(api) == []


async def test_hostile_relationship_requests_change_nothing(api: Api) -> None:
    ana = await api.member("ana")
    bea = await api.member("bea")
    read_only = await api.token_for("ana", "read")
    writer = await api.token_for("ana", "write")
    assert (await api.request("POST", f"{ACC}/{bea.id}/follow")).status == 401
    assert (await api.request("POST", f"{ACC}/{bea.id}/follow", read_only)).status == 403
    assert (await api.request("POST", f"{ACC}/{bea.id}/block", read_only)).status == 403
    assert (await api.request("POST", f"{ACC}/999/follow", writer)).status == 404
    assert (await api.request("POST", f"{ACC}/nope/follow", writer)).status == 404
    assert (await api.request("POST", f"{ACC}/{ana.id}/follow", writer)).status == 422
    assert (await api.request("POST", f"{ACC}/{ana.id}/block", writer)).status == 422
    bad = await api.request("POST", f"{ACC}/{bea.id}/mute", writer, data={"duration": "-5"})
    assert bad.status == 422 and "duration" in (await bad.json())["error"]
    bad = await api.request("POST", f"{ACC}/{bea.id}/follow", writer, data={"notify": "maybe"})
    assert bad.status == 422
    assert await _follows(api) == [] and await api.count(Mute) == 0 and await api.count(Block) == 0


async def test_blocks_are_link_paginated_newest_first(api: Api) -> None:
    await api.member("ana")
    others = [await api.member(f"m{i}") for i in range(5)]
    token = await api.token_for("ana", "read write")
    for other in others:
        await api.json("POST", f"{ACC}/{other.id}/block", token)
    first = await api.request("GET", "/api/v1/blocks?limit=2", token)
    assert [a["id"] for a in await first.json()] == [str(o.id) for o in others[::-1][:2]]
    links = {rel: url for url, rel in _links(first.headers["Link"])}
    second = await api.json("GET", _path(links["next"]), token)
    assert [a["id"] for a in second] == [str(o.id) for o in others[::-1][2:4]]
    newer = await api.json("GET", _path(links["prev"]), token)
    assert newer == []
    last = await api.request("GET", _path(links["next"]).replace("limit=2", "limit=40"), token)
    assert [a["id"] for a in await last.json()] == [str(o.id) for o in others[::-1][2:]]
    assert 'rel="next"' not in last.headers["Link"]  # a short page is the last one
    async with api.services.sessions() as session:
        keys = sorted((await session.scalars(select(Block.id))).all())
    around = await api.json("GET", f"/api/v1/blocks?min_id={keys[0]}&limit=2", token)
    assert [a["id"] for a in around] == [str(others[2].id), str(others[1].id)]


def _links(header: str) -> list[tuple[str, str]]:
    parts = [p.strip() for p in header.split(",")]
    return [(p.split(";")[0].strip("<>"), p.split('rel="')[1].rstrip('"')) for p in parts]


def _path(url: str) -> str:
    return url[url.index("/api/"):]


async def test_domain_blocks_add_list_remove(any_api: Api) -> None:
    api = any_api
    ana, carl = await api.member("ana"), await _remote(api, "carl", "noisy.example")
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=carl.id, followee_id=ana.id, state=ACCEPTED, uri=f"{carl.uri}#f1"))
    token = await api.token_for("ana", "read write")
    assert await api.json("POST", "/api/v1/domain_blocks", token, data={"domain": "Noisy.Example"}) == {}
    assert await api.json("GET", "/api/v1/domain_blocks", token) == ["noisy.example"]
    [rel] = await api.json("GET", f"{ACC}/relationships?id[]={carl.id}", token)
    assert rel["domain_blocking"] is True and rel["followed_by"] is False
    bad = await api.request("POST", "/api/v1/domain_blocks", token, data={"domain": "not a domain"})
    assert bad.status == 422
    assert (await api.request("POST", "/api/v1/domain_blocks", token)).status == 400
    assert (await api.request("POST", "/api/v1/domain_blocks", await api.token_for("ana", "read"),
                              data={"domain": "other.example"})).status == 403
    assert await api.count(UserDomainBlock) == 1
    assert await api.json("DELETE", "/api/v1/domain_blocks", token, data={"domain": "noisy.example"}) == {}
    assert await api.json("GET", "/api/v1/domain_blocks", token) == []


async def test_familiar_followers_are_followers_the_member_follows(any_api: Api) -> None:
    api = any_api
    ana, bea, cid, dan, eve = [await api.member(n) for n in ("ana", "bea", "cid", "dan", "eve")]
    edges = ((ana, bea), (ana, cid), (ana, dan), (bea, dan), (cid, dan), (eve, dan), (dan, bea))
    async with api.services.sessions() as session, session.begin():
        for follower, followee in edges:
            session.add(Follow(follower_id=follower.id, followee_id=followee.id, state=ACCEPTED,
                               uri=f"{follower.uri}#follows/{followee.id}"))
        session.add(Follow(follower_id=ana.id, followee_id=eve.id, state=PENDING, uri=f"{ana.uri}#p"))
    token = await api.token_for("ana", "read")
    answer = await api.json("GET", f"{ACC}/familiar_followers?id[]={dan.id}&id[]={bea.id}&id[]=12", token)
    assert [a["id"] for a in answer] == [str(dan.id), str(bea.id), "12"]
    assert sorted(a["id"] for a in answer[0]["accounts"]) == sorted([str(bea.id), str(cid.id)])  # not eve
    assert [a["id"] for a in answer[1]["accounts"]] == [str(dan.id)]
    assert answer[2]["accounts"] == []
    for entity in answer[0]["accounts"]:
        assert_entity(entity, ACCOUNT)
    assert (await api.request("GET", f"{ACC}/familiar_followers?id[]={dan.id}")).status == 401


async def test_authorizing_a_remote_request_sends_an_accept(api: Api) -> None:
    bea, carl = await api.member("bea", locked=True), await _remote(api, "carl")
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=carl.id, followee_id=bea.id, state=PENDING, uri=f"{carl.uri}#f1"))
    token = await api.token_for("bea", "read write")
    [listed] = await api.json("GET", "/api/v1/follow_requests", token)
    assert listed["acct"] == "carl@remote.example"
    rel = await api.json("POST", f"/api/v1/follow_requests/{carl.id}/authorize", token)
    assert rel["followed_by"] is True
    [sent] = await _sent(api)
    assert (sent["type"], sent["object"]["id"], sent["to"]) == ("Accept", f"{carl.uri}#f1", [carl.uri])
    other = await api.token_for("bea", "read")
    assert (await api.request("POST", f"/api/v1/follow_requests/{carl.id}/reject", other)).status == 403
    assert await _follows(api) == [(carl.id, bea.id, ACCEPTED, True, False)]
