"""Accounts, first part: verify_credentials, update_credentials, show, lookup, relationships."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import select

from storage.models import (
    ACCEPTED,
    PENDING,
    Actor,
    Block,
    Follow,
    Mute,
    OutboxActivity,
    Status,
    User,
    UserDomainBlock,
    utcnow,
)
from storage.models.base import new_id
from tests.ui.api.schemas import ACCOUNT, CREDENTIAL_ACCOUNT, RELATIONSHIP, assert_entity
from tests.ui.client_api import Api
from ui.api.entities import iso_datetime

VERIFY = "/api/v1/accounts/verify_credentials"
UPDATE = "/api/v1/accounts/update_credentials"


async def _remote(api: Api, name: str, domain: str = "remote.example", **fields: Any) -> Actor:
    uri = f"https://{domain}/users/{name}"
    actor = Actor(username=name, domain=domain, uri=uri, inbox_url=f"{uri}/inbox", url=f"https://{domain}/@{name}",
                  **fields)
    async with api.services.sessions() as session, session.begin():
        session.add(actor)
    return actor


async def _follow(api: Api, follower: Actor, followee: Actor, state: str = ACCEPTED) -> None:
    async with api.services.sessions() as session, session.begin():
        session.add(Follow(follower_id=follower.id, followee_id=followee.id, state=state,
                           uri=f"{follower.uri}#follows/{followee.id}"))


async def _status(api: Api, author: Actor, visibility: str = "public") -> None:
    status_id = new_id()
    async with api.services.sessions() as session, session.begin():
        session.add(Status(id=status_id, uri=f"{author.uri}/statuses/{status_id}", actor_id=author.id,
                           local=True, visibility=visibility, content="<p>hi</p>"))


async def test_verify_credentials_is_a_credential_account(api: Api) -> None:
    ana = await api.member("ana", display_name="Ana", note="<p>Hello<br>world</p><p>two</p>",
                           fields=[{"name": "Web", "value": "https://ana.example"}])
    bea, remote = await api.member("bea"), await _remote(api, "carl")
    await _follow(api, bea, ana)
    await _follow(api, remote, ana, state=PENDING)
    await _follow(api, ana, remote)
    await _status(api, ana)
    await _status(api, ana, visibility="direct")
    token = await api.token_for("ana", "read")
    body = await api.json("GET", VERIFY, token)
    assert_entity(body, CREDENTIAL_ACCOUNT)
    assert body["id"] == str(ana.id) and body["acct"] == "ana" and body["url"] == "http://amity.test/@ana"
    assert (body["followers_count"], body["following_count"], body["statuses_count"]) == (1, 1, 1)
    assert body["source"]["note"] == "Hello\nworld\n\ntwo" and body["source"]["follow_requests_count"] == 1
    assert body["source"]["fields"] == [{"name": "Web", "value": "https://ana.example", "verified_at": None}]
    assert body["fields"][0]["value"].startswith('<a href="https://ana.example"')
    assert body["avatar"] == "http://amity.test/avatars/original/missing.png"
    assert body["role"]["id"] == "-99" and body["roles"] == []


async def test_the_default_images_exist(api: Api) -> None:
    for path in ("/avatars/original/missing.png", "/headers/original/missing.png"):
        response = await api.client.get(path)
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")


async def test_update_credentials_from_a_form(api: Api) -> None:
    ana = await api.member("ana")
    token = await api.token_for("ana", "read write")
    body = await api.json("PATCH", UPDATE, token, data={
        "display_name": "Ana Lima", "note": "Librarian\nin Porto Alegre", "locked": "1", "bot": "false",
        "discoverable": "true", "fields_attributes[0][name]": "Pronouns",
        "fields_attributes[0][value]": "she/her",
        "fields_attributes[1][name]": "", "fields_attributes[1][value]": "",
        "source[privacy]": "private", "source[sensitive]": "1", "source[language]": "pt"})
    assert_entity(body, CREDENTIAL_ACCOUNT)
    assert (body["display_name"], body["locked"], body["bot"], body["discoverable"]) == (
        "Ana Lima", True, False, True)
    assert body["note"] == "<p>Librarian<br>in Porto Alegre</p>"
    assert body["source"]["note"] == "Librarian\nin Porto Alegre"
    assert body["fields"] == [{"name": "Pronouns", "value": "she/her", "verified_at": None}]
    assert body["source"] | {"note": "", "fields": []} == body["source"] | {
        "privacy": "private", "sensitive": True, "language": "pt", "note": "", "fields": []}
    async with api.services.sessions() as session:
        user = await session.scalar(select(User).where(User.actor_id == ana.id))
    assert user is not None and (user.default_privacy, user.default_sensitive, user.default_language) == (
        "private", True, "pt")


async def test_update_credentials_from_json_and_multipart(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "write:accounts")
    body = await api.json("PATCH", UPDATE, token, json={
        "display_name": "From JSON", "locked": True, "source": {"privacy": "unlisted"},
        "fields_attributes": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]})
    assert body["display_name"] == "From JSON" and body["locked"] is True
    assert [f["name"] for f in body["fields"]] == ["A", "B"] and body["source"]["privacy"] == "unlisted"
    form = FormData({"display_name": "From multipart", "locked": "0"})
    body = await api.json("PATCH", UPDATE, token, data=form)
    assert body["display_name"] == "From multipart" and body["locked"] is False
    assert [f["name"] for f in body["fields"]] == ["A", "B"]  # untouched when not sent


async def test_a_profile_change_is_sent_to_followers_servers(api: Api) -> None:
    ana = await api.member("ana")
    await _follow(api, await _remote(api, "carl"), ana)
    token = await api.token_for("ana", "write")
    await api.json("PATCH", UPDATE, token, data={"display_name": "New name"})
    async with api.services.sessions() as session:
        sent = (await session.scalars(select(OutboxActivity))).all()
    assert [a.body["type"] for a in sent] == ["Update"]
    assert sent[0].body["object"]["name"] == "New name"


async def test_changing_only_posting_defaults_sends_nothing(api: Api) -> None:
    ana = await api.member("ana")
    await _follow(api, await _remote(api, "carl"), ana)
    token = await api.token_for("ana", "write")
    await api.json("PATCH", UPDATE, token, data={"source[privacy]": "private"})
    assert await api.count(OutboxActivity) == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"display_name": "x" * 101}, "display name"),
    ({"locked": "perhaps"}, "locked must be true or false"),
    ({"source[privacy]": "direct"}, "source[privacy]"),
    ({"source[language]": "english"}, "source[language]"),
    ({"fields_attributes[0][name]": "n" * 256, "fields_attributes[0][value]": "v"}, "at most 255"),
    ({f"fields_attributes[{i}][name]": f"f{i}" for i in range(5)}, "at most 4 profile fields"),
    ({"fields_attributes": "not a hash"}, "fields_attributes"),
])
async def test_bad_updates_are_422_and_change_nothing(api: Api, data: dict[str, str], message: str) -> None:
    ana = await api.member("ana", display_name="Ana")
    token = await api.token_for("ana", "write")
    body = await api.json("PATCH", UPDATE, token, status=422, data={"note": "changed", **data})
    assert message in body["error"]
    async with api.services.sessions() as session:
        actor = await session.get(Actor, ana.id)
        user = await session.scalar(select(User).where(User.actor_id == ana.id))
    assert actor is not None and user is not None
    assert (actor.display_name, actor.note, user.default_privacy) == ("Ana", "", "public")
    assert await api.count(OutboxActivity) == 0


async def test_show_a_local_and_a_remote_account(api: Api) -> None:
    ana = await api.member("ana", role="moderator")
    carl = await _remote(api, "carl", display_name="Carl", note="<p>hi<script>x</script></p>",
                         fields=[{"name": "Site", "value": '<a href="https://c.example" onclick="x">c</a>'}])
    body = await api.json("GET", f"/api/v1/accounts/{ana.id}")
    assert_entity(body, ACCOUNT)
    assert "source" not in body and body["roles"] == [{"id": "1", "name": "Moderator", "color": ""}]
    remote = await api.json("GET", f"/api/v1/accounts/{carl.id}")
    assert_entity(remote, ACCOUNT)
    assert remote["acct"] == "carl@remote.example" and remote["url"] == "https://remote.example/@carl"
    assert "<script" not in remote["note"] and "onclick" not in remote["fields"][0]["value"]


async def test_a_suspended_account_shows_only_its_handle(api: Api) -> None:
    carl = await _remote(api, "carl", display_name="Spammer", note="<p>buy</p>")
    async with api.services.sessions() as session, session.begin():
        row = await session.get(Actor, carl.id)
        assert row is not None
        row.suspended_at = row.created_at
    body = await api.json("GET", f"/api/v1/accounts/{carl.id}")
    assert body["suspended"] is True and body["display_name"] == "" and body["note"] == ""


async def test_unknown_accounts_are_404(any_api: Api) -> None:
    for unknown in ("123", "abc", "1%27", "99999999999999999999", "9223372036854775808", "%D9%A1"):
        path = f"/api/v1/accounts/{unknown}"
        assert await any_api.json("GET", path, status=404) == {"error": "Record not found"}, path
    token = await any_api.token_for((await any_api.member("ana")).username, "read")
    body = await any_api.json("GET", "/api/v1/accounts/relationships?id[]=9223372036854775808&id[]=1", token)
    assert body == []


async def test_lookup_by_acct(api: Api) -> None:
    ana = await api.member("ana")
    carl = await _remote(api, "carl")
    for acct in ("ana", "@ana", "ANA", "ana@amity.test", "@ana@amity.test"):
        assert (await api.json("GET", f"/api/v1/accounts/lookup?acct={acct}"))["id"] == str(ana.id), acct
    for acct in ("carl@remote.example", "@carl@REMOTE.example"):
        assert (await api.json("GET", f"/api/v1/accounts/lookup?acct={acct}"))["id"] == str(carl.id), acct
    for acct in ("nobody", "carl", "ana@remote.example"):
        assert await api.json("GET", f"/api/v1/accounts/lookup?acct={acct}", status=404) == {
            "error": "Record not found"}
    assert "acct" in (await api.json("GET", "/api/v1/accounts/lookup", status=400))["error"]


async def test_relationships_in_the_order_asked(api: Api) -> None:
    ana, bea, carl, dan = (await api.member("ana"), await api.member("bea"), await _remote(api, "carl"),
                           await api.member("dan"))
    await _follow(api, ana, bea)
    await _follow(api, carl, ana, state=PENDING)
    await _follow(api, ana, dan, state=PENDING)
    async with api.services.sessions() as session, session.begin():
        session.add(Block(actor_id=dan.id, target_id=ana.id, uri="http://amity.test/blocks/1"))
    token = await api.token_for("ana", "read")
    body = await api.json("GET", f"/api/v1/accounts/relationships?id[]={dan.id}&id[]={bea.id}&id[]=999"
                                 f"&id[]={carl.id}&id[]=x", token)
    for entity in body:
        assert_entity(entity, RELATIONSHIP)
    assert [r["id"] for r in body] == [str(dan.id), str(bea.id), str(carl.id)]
    dan_rel, bea_rel, carl_rel = body
    assert dan_rel["requested"] and dan_rel["blocked_by"] and not dan_rel["following"]
    assert bea_rel["following"] and bea_rel["showing_reblogs"] and not bea_rel["followed_by"]
    assert carl_rel["requested_by"] and not carl_rel["followed_by"]
    single = await api.json("GET", f"/api/v1/accounts/relationships?id={bea.id}", token)
    assert [r["id"] for r in single] == [str(bea.id)]


async def test_relationships_show_mutes_and_hidden_domains(api: Api) -> None:
    ana, bea, carl, erin = (await api.member("ana"), await api.member("bea"), await _remote(api, "carl"),
                            await api.member("erin"))
    later = utcnow() + timedelta(days=1)
    async with api.services.sessions() as session, session.begin():
        session.add_all([Mute(actor_id=ana.id, target_id=bea.id, notifications=False, expires_at=later),
                         Mute(actor_id=ana.id, target_id=erin.id, expires_at=utcnow() - timedelta(days=1)),
                         UserDomainBlock(actor_id=ana.id, domain="remote.example")])
    token = await api.token_for("ana", "read")
    bea_rel, carl_rel, erin_rel = await api.json(
        "GET", f"/api/v1/accounts/relationships?id[]={bea.id}&id[]={carl.id}&id[]={erin.id}", token)
    assert bea_rel["muting"] and not bea_rel["muting_notifications"]
    assert bea_rel["muting_expires_at"] == iso_datetime(later) and not bea_rel["domain_blocking"]
    assert carl_rel["domain_blocking"] and not carl_rel["muting"]
    assert not erin_rel["muting"]  # that mute has expired


async def test_no_account_data_of_another_member_leaks_through_credentials(api: Api) -> None:
    await api.member("ana")
    bea = await api.member("bea")
    await api.update_user(bea, default_privacy="private")
    body = await api.json("GET", VERIFY, await api.token_for("ana", "read"))
    assert body["username"] == "ana" and body["source"]["privacy"] == "public"
