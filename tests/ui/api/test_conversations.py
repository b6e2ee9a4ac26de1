"""Conversations: a reply joins its parent's, a new post starts one; direct messages list the
conversations a member takes part in, unread until read; removing one hides it until the next
message. And `GET /api/v1/preferences`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import AccountConversation, Status
from tests.ui.api.discovery_schemas import CONVERSATION, PREFERENCES
from tests.ui.api.schemas import assert_entity
from tests.ui.client_api import Api


@pytest.fixture
def api(any_api: Api) -> Api:
    """Each test on each engine (the counters and upserts differ between them)."""
    return any_api


async def _post(api: Api, token: str, text: str, **fields: str) -> dict[str, str]:
    return dict(await api.json("POST", "/api/v1/statuses", token, json={"status": text, **fields}))


async def _conversation_of(api: Api, status_id: str) -> int | None:
    async with api.services.sessions() as session:
        return await session.scalar(select(Status.conversation_id).where(Status.id == int(status_id)))


async def test_a_reply_joins_its_parents_conversation_and_a_new_post_starts_one(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    first = await _post(api, token, "one")
    reply = await _post(api, token, "two", in_reply_to_id=first["id"])
    other = await _post(api, token, "three")
    assert await _conversation_of(api, reply["id"]) == await _conversation_of(api, first["id"]) is not None
    assert await _conversation_of(api, other["id"]) not in (None, await _conversation_of(api, first["id"]))


async def test_direct_messages_are_listed_for_their_participants(api: Api) -> None:
    ana, bob = await api.member("ana"), await api.member("bob")
    await api.member("cyd")
    ana_token, bob_token = await api.token_for("ana"), await api.token_for("bob")
    cyd_token = await api.token_for("cyd")
    dm = await _post(api, ana_token, "@bob psst", visibility="direct")
    await _post(api, ana_token, "public, not a conversation")
    [mine] = await api.json("GET", "/api/v1/conversations", ana_token)
    [theirs] = await api.json("GET", "/api/v1/conversations", bob_token)
    assert_entity(theirs, CONVERSATION)
    assert (mine["unread"], theirs["unread"]) == (False, True)
    assert theirs["last_status"]["id"] == dm["id"] and theirs["id"] == mine["id"]
    assert [a["id"] for a in theirs["accounts"]] == [str(ana.id)]
    assert [a["id"] for a in mine["accounts"]] == [str(bob.id)]
    assert await api.json("GET", "/api/v1/conversations", cyd_token) == []

    reply = await _post(api, bob_token, "@ana ok", visibility="direct", in_reply_to_id=dm["id"])
    [again] = await api.json("GET", "/api/v1/conversations", ana_token)
    assert (again["id"], again["unread"], again["last_status"]["id"]) == (mine["id"], True, reply["id"])


async def test_reading_marks_it_read_for_that_member_only(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    ana_token, bob_token = await api.token_for("ana"), await api.token_for("bob")
    await _post(api, ana_token, "@bob psst", visibility="direct")
    [theirs] = await api.json("GET", "/api/v1/conversations", bob_token)
    answer = await api.json("POST", f"/api/v1/conversations/{theirs['id']}/read", bob_token)
    assert_entity(answer, CONVERSATION)
    assert answer["unread"] is False
    [listed] = await api.json("GET", "/api/v1/conversations", bob_token)
    assert listed["unread"] is False


async def test_removing_hides_it_until_the_next_message(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    ana_token, bob_token = await api.token_for("ana"), await api.token_for("bob")
    dm = await _post(api, ana_token, "@bob psst", visibility="direct")
    [theirs] = await api.json("GET", "/api/v1/conversations", bob_token)
    assert await api.json("DELETE", f"/api/v1/conversations/{theirs['id']}", bob_token) == {}
    assert await api.json("GET", "/api/v1/conversations", bob_token) == []
    assert len(await api.json("GET", "/api/v1/conversations", ana_token)) == 1
    await _post(api, ana_token, "@bob still there?", visibility="direct", in_reply_to_id=dm["id"])
    [back] = await api.json("GET", "/api/v1/conversations", bob_token)
    assert back["id"] == theirs["id"] and back["unread"] is True


async def test_someone_elses_conversation_is_not_found(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    await api.member("cyd")
    ana_token, cyd_token = await api.token_for("ana"), await api.token_for("cyd")
    await _post(api, ana_token, "@bob psst", visibility="direct")
    [mine] = await api.json("GET", "/api/v1/conversations", ana_token)
    before = await api.count(AccountConversation)
    for method, path in (("POST", f"/api/v1/conversations/{mine['id']}/read"),
                         ("DELETE", f"/api/v1/conversations/{mine['id']}"),
                         ("POST", "/api/v1/conversations/not-an-id/read")):
        assert await api.json(method, path, cyd_token, status=404) == {"error": "Record not found"}
    assert await api.count(AccountConversation) == before


async def test_conversations_are_paged_newest_first_with_link_headers(api: Api) -> None:
    await api.member("ana")
    for name in ("bob", "cyd", "dee"):
        await api.member(name)
    token = await api.token_for("ana")
    posted = [await _post(api, token, f"@{name} hi", visibility="direct") for name in ("bob", "cyd", "dee")]
    response = await api.request("GET", "/api/v1/conversations?limit=2", token)
    page = await response.json()
    assert [c["last_status"]["id"] for c in page] == [posted[2]["id"], posted[1]["id"]]
    assert f"max_id={posted[1]['id']}" in response.headers["Link"]
    older = await api.json("GET", f"/api/v1/conversations?max_id={posted[1]['id']}", token)
    assert [c["last_status"]["id"] for c in older] == [posted[0]["id"]]
    async with api.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AccountConversation)) == 6


async def test_conversations_need_a_member_token_with_the_scope(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", scope="read:accounts")
    assert (await api.request("GET", "/api/v1/conversations")).status == 401
    assert (await api.request("GET", "/api/v1/conversations", token)).status == 403


async def test_preferences_are_the_members_posting_defaults(api: Api) -> None:
    ana = await api.member("ana")
    await api.update_user(ana, default_privacy="unlisted", default_sensitive=True, default_language="de")
    answer = await api.json("GET", "/api/v1/preferences", await api.token_for("ana"))
    assert_entity(answer, PREFERENCES)
    assert answer == {"posting:default:visibility": "unlisted", "posting:default:sensitive": True,
                      "posting:default:language": "de", "reading:expand:media": "default",
                      "reading:expand:spoilers": False}


async def test_deleting_the_newest_message_falls_back_to_the_one_before(api: Api) -> None:
    await api.member("ana")
    await api.member("bob")
    ana_token, bob_token = await api.token_for("ana"), await api.token_for("bob")
    first = await _post(api, ana_token, "@bob one", visibility="direct")
    second = await _post(api, ana_token, "@bob two", visibility="direct", in_reply_to_id=first["id"])
    await api.json("DELETE", f"/api/v1/statuses/{second['id']}", ana_token)
    [theirs] = await api.json("GET", "/api/v1/conversations", bob_token)
    assert theirs["last_status"]["id"] == first["id"]
    await api.json("DELETE", f"/api/v1/statuses/{first['id']}", ana_token)
    assert await api.json("GET", "/api/v1/conversations", bob_token) == []
    assert await api.json("GET", "/api/v1/conversations", ana_token) == []
    assert await api.count(AccountConversation) == 0
