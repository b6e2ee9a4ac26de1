"""Statuses through the API: post, show, delete and redraft, edit, history, source, context,
and who may see what."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import select

from actors.reading.visibility import can_see
from storage.models import Actor, Block, Follow, MediaAttachment, Mute, Status, StatusEdit, utcnow
from tests.ui.api.schemas import CONTEXT, STATUS_EDIT, STATUS_SOURCE, VIEWER_STATUS, assert_entity
from tests.ui.api.statuses.test_attachments import png_bytes
from tests.ui.client_api import Api
from ui.api.statuses.entity import visible_among

STATUSES = "/api/v1/statuses"


async def _token(api: Api, name: str, scope: str = "read write follow") -> tuple[Actor, str]:
    actor = await api.member(name)
    return actor, await api.token_for(name, scope)


async def _post(api: Api, token: str, **data: Any) -> dict[str, Any]:
    return dict(await api.json("POST", STATUSES, token, data=data))


async def test_post_with_a_content_warning_and_read_it_back(any_api: Api) -> None:
    api = any_api
    _, token = await _token(api, "alice")
    posted = await _post(api, token, status="hello #garden", spoiler_text="plants", language="en")
    assert_entity(posted, VIEWER_STATUS)
    assert posted["spoiler_text"] == "plants" and posted["sensitive"] is True
    assert "hello" in posted["content"] and posted["language"] == "en"
    assert posted["visibility"] == "public" and posted["account"]["username"] == "alice"
    shown = await api.json("GET", f"{STATUSES}/{posted['id']}")  # anonymous: public
    assert shown["id"] == posted["id"] and "favourited" not in shown
    many = await api.json("GET", f"{STATUSES}?id[]={posted['id']}&id[]=12345", token)
    assert [s["id"] for s in many] == [posted["id"]]


@pytest.mark.parametrize("data, visibility, local_only", [
    ({"visibility": "unlisted"}, "unlisted", False),
    ({"visibility": "private"}, "private", False),
    ({"visibility": "direct"}, "direct", False),
    ({"visibility": "local"}, "public", True),
    ({"visibility": "unlisted", "local_only": "true"}, "unlisted", True),
])
async def test_each_visibility(api: Api, data: dict[str, str], visibility: str, local_only: bool) -> None:
    _, token = await _token(api, "alice")
    posted = await _post(api, token, status="hi", **data)
    assert posted["visibility"] == visibility
    assert posted.get("local_only", False) is local_only


async def test_private_and_direct_statuses_are_404_to_others(api: Api) -> None:
    alice, alice_token = await _token(api, "alice")
    bob, bob_token = await _token(api, "bob")
    private = await _post(api, alice_token, status="followers only", visibility="private")
    direct = await _post(api, alice_token, status="@bob just you", visibility="direct")
    for status in (private, direct):
        response = await api.request("GET", f"{STATUSES}/{status['id']}")
        assert response.status == 404 and (await response.json()) == {"error": "Record not found"}
    assert (await api.request("GET", f"{STATUSES}/{private['id']}", bob_token)).status == 404
    assert (await api.json("GET", f"{STATUSES}/{direct['id']}", bob_token))["id"] == direct["id"]
    assert await api.json("GET", f"{STATUSES}?id[]={private['id']}", bob_token) == []
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=alice.id, state="accepted",
                           uri=f"{bob.uri}#follows/1"))
    assert (await api.json("GET", f"{STATUSES}/{private['id']}", bob_token))["id"] == private["id"]
    async with api.services.sessions() as session, session.begin():
        session.add(Block(actor_id=alice.id, target_id=bob.id, uri=f"{alice.uri}#blocks/1"))
    assert (await api.request("GET", f"{STATUSES}/{private['id']}", bob_token)).status == 404


async def test_bad_posts_are_422_and_store_nothing(api: Api) -> None:
    _, token = await _token(api, "alice")
    for data, message in [({"status": "hi", "visibility": "everyone"}, "visibility"),
                          ({"status": "hi", "scheduled_at": "tomorrow"}, "scheduled_at"),
                          ({"status": ""}, "text"),
                          ({"status": "hi", "media_ids[]": "123"}, "attachment"),
                          ({"status": "x" * 6000}, "Text character limit of 5000 exceeded")]:
        response = await api.request("POST", STATUSES, token, data=data)
        assert response.status == 422, (data, await response.text())
        assert message in (await response.json())["error"]
    assert await api.count(Status) == 0


async def test_a_token_without_write_scope_cannot_post(api: Api) -> None:
    _, token = await _token(api, "alice", scope="read")
    response = await api.request("POST", STATUSES, token, data={"status": "hi"})
    assert response.status == 403
    assert (await api.request("POST", STATUSES, data={"status": "hi"})).status == 401
    assert await api.count(Status) == 0


async def test_the_same_idempotency_key_posts_once(api: Api) -> None:
    _, token = await _token(api, "alice")
    headers = {"Idempotency-Key": "abc-123"}
    first = await api.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
    second = await api.json("POST", STATUSES, token, data={"status": "once"}, headers=headers)
    assert first["id"] == second["id"]
    assert await api.count(Status) == 1
    other = await api.json("POST", STATUSES, token, data={"status": "once"}, headers={"Idempotency-Key": "x"})
    assert other["id"] != first["id"]


async def test_a_reply_and_its_context(api: Api) -> None:
    _, alice_token = await _token(api, "alice")
    _, bob_token = await _token(api, "bob")
    root = await _post(api, alice_token, status="root")
    reply = await _post(api, bob_token, status="@alice reply", in_reply_to_id=root["id"])
    hidden = await _post(api, alice_token, status="only for followers", visibility="private",
                         in_reply_to_id=reply["id"])
    deeper = await _post(api, alice_token, status="deeper", in_reply_to_id=reply["id"])
    assert reply["in_reply_to_id"] == root["id"]
    assert reply["in_reply_to_account_id"] == root["account"]["id"]
    context = await api.json("GET", f"{STATUSES}/{reply['id']}/context", bob_token)
    assert_entity(context, CONTEXT)
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    assert [s["id"] for s in context["descendants"]] == [deeper["id"]]  # not the private one
    mine = await api.json("GET", f"{STATUSES}/{root['id']}/context", alice_token)
    assert [s["id"] for s in mine["descendants"]] == [reply["id"], hidden["id"], deeper["id"]]


async def test_delete_answers_with_the_source_and_frees_the_media(api: Api) -> None:
    _, token = await _token(api, "alice")
    upload = await _upload(api, token, description="a red square")
    posted = await _post(api, token, status="with a picture", **{"media_ids[]": upload["id"]})
    assert posted["media_attachments"][0]["description"] == "a red square"
    deleted = await api.json("DELETE", f"{STATUSES}/{posted['id']}", token)
    assert deleted["text"] == "with a picture" and deleted["id"] == posted["id"]
    assert [m["id"] for m in deleted["media_attachments"]] == [upload["id"]]
    assert (await api.request("GET", f"{STATUSES}/{posted['id']}", token)).status == 404
    redraft = await _post(api, token, status=deleted["text"], **{"media_ids[]": upload["id"]})
    assert redraft["media_attachments"][0]["id"] == upload["id"]


async def test_only_the_author_deletes_or_edits(api: Api) -> None:
    _, alice_token = await _token(api, "alice")
    _, bob_token = await _token(api, "bob")
    posted = await _post(api, alice_token, status="mine")
    assert (await api.request("DELETE", f"{STATUSES}/{posted['id']}", bob_token)).status == 404
    response = await api.request("PUT", f"{STATUSES}/{posted['id']}", bob_token, data={"status": "theirs"})
    assert response.status == 404
    assert (await api.request("GET", f"{STATUSES}/{posted['id']}/source", bob_token)).status == 404
    assert await api.count(Status) == 1 and await api.count(StatusEdit) == 0


async def test_edit_history_and_source(any_api: Api) -> None:
    api = any_api
    _, token = await _token(api, "alice")
    posted = await _post(api, token, status="first words", spoiler_text="cw")
    edited = await api.json("PUT", f"{STATUSES}/{posted['id']}", token,
                            data={"status": "second words", "spoiler_text": ""})
    assert "second words" in edited["content"] and edited["edited_at"] is not None
    assert edited["spoiler_text"] == ""
    history = await api.json("GET", f"{STATUSES}/{posted['id']}/history", token)
    for version in history:
        assert_entity(version, STATUS_EDIT)
    assert ["first" in v["content"] for v in history] == [True, False]
    assert history[0]["spoiler_text"] == "cw"
    source = await api.json("GET", f"{STATUSES}/{posted['id']}/source", token)
    assert_entity(source, STATUS_SOURCE)
    assert source["text"] == "second words"


async def test_a_poll_is_posted_voted_and_shown(api: Api) -> None:
    _, alice_token = await _token(api, "alice")
    _, bob_token = await _token(api, "bob")
    posted = await _post(api, alice_token, status="which?", **{
        "poll[options][]": ["tea", "coffee"], "poll[expires_in]": "3600"})
    poll = posted["poll"]
    assert [o["title"] for o in poll["options"]] == ["tea", "coffee"] and poll["voted"] is True
    voted = await api.json("POST", f"/api/v1/polls/{poll['id']}/votes", bob_token, data={"choices[]": "1"})
    assert voted["voted"] is True and voted["own_votes"] == [1] and voted["votes_count"] == 1
    again = await api.request("POST", f"/api/v1/polls/{poll['id']}/votes", bob_token, data={"choices[]": "0"})
    assert again.status == 422
    shown = await api.json("GET", f"/api/v1/polls/{poll['id']}")
    assert [o["votes_count"] for o in shown["options"]] == [0, 1] and "voted" not in shown


async def _upload(api: Api, token: str, *, description: str = "", size: int = 8) -> dict[str, Any]:
    form = FormData()
    form.add_field("file", png_bytes(size), filename="a.png", content_type="image/png")
    if description:
        form.add_field("description", description)
    return dict(await api.json("POST", "/api/v2/media", token, data=form))


async def test_media_ids_of_someone_else_are_refused(api: Api) -> None:
    _, alice_token = await _token(api, "alice")
    _, bob_token = await _token(api, "bob")
    upload = await _upload(api, alice_token)
    response = await api.request("POST", STATUSES, bob_token,
                                 data={"status": "x", "media_ids[]": upload["id"]})
    assert response.status == 422
    async with api.services.sessions() as session:
        media = await session.scalar(select(MediaAttachment))
        assert media is not None and media.status_id is None


async def test_the_bulk_visibility_rule_agrees_with_can_see(any_api: Api) -> None:
    api = any_api
    alice, alice_token = await _token(api, "alice")
    bob, _ = await _token(api, "bob")
    carol, _ = await _token(api, "carol")
    dan, _ = await _token(api, "dan")
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=bob.id, followee_id=alice.id, state="accepted", uri=f"{bob.uri}#f"))
        session.add(Follow(follower_id=carol.id, followee_id=alice.id, state="pending", uri=f"{carol.uri}#f"))
        session.add(Block(actor_id=alice.id, target_id=dan.id, uri=f"{alice.uri}#blocks/1"))
    for visibility in ("public", "unlisted", "private", "direct"):
        await _post(api, alice_token, status=f"@carol {visibility}", visibility=visibility)
        await _post(api, alice_token, status=visibility, visibility=visibility)
    async with api.services.sessions() as session:
        statuses = list((await session.scalars(select(Status).order_by(Status.id))).all())
        for viewer in (None, alice, bob, carol, dan):
            expected = [s.id for s in statuses if await can_see(session, viewer, s)]
            found = [s.id for s in await visible_among(session, viewer, statuses)]
            assert found == expected, viewer.username if viewer else "anonymous"
        sizes = {len(await visible_among(session, v, statuses)) for v in (None, alice, bob, carol, dan)}
        assert len(sizes) > 3  # the viewers really differ


async def test_context_leaves_out_muted_accounts_and_suspended_authors_are_not_found(api: Api) -> None:
    alice, alice_token = await _token(api, "alice")
    bob, bob_token = await _token(api, "bob")
    root = await _post(api, alice_token, status="root")
    await _post(api, bob_token, status="@alice noise", in_reply_to_id=root["id"])
    async with api.services.sessions() as session, session.begin():
        session.add(Mute(actor_id=alice.id, target_id=bob.id))
    context = await api.json("GET", f"{STATUSES}/{root['id']}/context", alice_token)
    assert context["descendants"] == []
    async with api.services.sessions() as session, session.begin():
        row = await session.get(Actor, alice.id)
        assert row is not None
        row.suspended_at = utcnow()
    assert (await api.request("GET", f"{STATUSES}/{root['id']}", bob_token)).status == 404
    assert await api.json("GET", f"{STATUSES}?id[]={root['id']}", bob_token) == []


async def test_json_bodies_language_versions_and_accept_language(api: Api) -> None:
    _, token = await _token(api, "alice")
    posted = await api.json("POST", STATUSES, token, json={
        "status": "Our mural", "language": "en", "content_map": {"pt": "Nosso mural"},
        "poll": {"options": ["yes", "no"], "expires_in": 600, "multiple": True}})
    assert posted["poll"]["multiple"] is True and posted["language"] == "en"
    shown = await api.json("GET", f"{STATUSES}/{posted['id']}", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert "Nosso mural" in shown["content"] and shown["language"] == "pt"
    assert "Our mural" in (await api.json("GET", f"{STATUSES}/{posted['id']}"))["content"]


async def test_an_edit_changes_alt_text_and_drops_a_poll_not_sent(api: Api) -> None:
    _, token = await _token(api, "alice")
    upload = await _upload(api, token, description="old words")
    posted = await _post(api, token, status="picture", **{"media_ids[]": upload["id"]})
    edited = await api.json("PUT", f"{STATUSES}/{posted['id']}", token, json={
        "status": "picture, described", "media_ids": [upload["id"]],
        "media_attributes": [{"id": upload["id"], "description": "new words", "focus": "0.1,0.2"}]})
    assert edited["media_attachments"][0]["description"] == "new words"
    polled = await _post(api, token, status="poll", **{"poll[options][]": ["a", "b"],
                                                       "poll[expires_in]": "600"})
    unpolled = await api.json("PUT", f"{STATUSES}/{polled['id']}", token, data={"status": "no poll"})
    assert unpolled["poll"] is None  # as Mastodon: an edit without the poll removes it
    bad = await api.request("PUT", f"{STATUSES}/{posted['id']}", token,
                            json={"status": "x", "media_attributes": [{"id": "999", "description": "y"}]})
    assert bad.status == 422
    again = await api.json("GET", f"{STATUSES}/{posted['id']}", token)
    assert "described" in again["content"] and again["media_attachments"][0]["description"] == "new words"


async def test_concurrent_retries_with_one_idempotency_key_post_once(api: Api) -> None:
    _, token = await _token(api, "alice")
    headers = {"Idempotency-Key": "retry-1"}
    retries = [api.json("POST", STATUSES, token, data={"status": "once"}, headers=headers) for _ in range(3)]
    answers = await asyncio.gather(*retries)
    assert len({a["id"] for a in answers}) == 1
    assert await api.count(Status) == 1
    other_token = await api.token_for("alice")  # another token: the key is not shared
    other = await api.json("POST", STATUSES, other_token, data={"status": "once"}, headers=headers)
    assert other["id"] != answers[0]["id"] and await api.count(Status) == 2
