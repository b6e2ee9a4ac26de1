"""`GET /api/v1/accounts?id[]=` and private notes (`POST /api/v1/accounts/:id/note`)."""

from __future__ import annotations

from storage.models import AccountNote
from tests.ui.api.schemas import ACCOUNT, RELATIONSHIP, ListOf, assert_entity
from tests.ui.client_api import Api

ACCOUNTS = "/api/v1/accounts"


async def test_several_accounts_at_once_in_the_order_asked(api: Api) -> None:
    ana, bob, cem = [await api.member(n) for n in ("ana", "bob", "cem")]
    body = await api.json("GET", f"{ACCOUNTS}?id[]={cem.id}&id[]=999&id[]={ana.id}&id[]=x&id[]={cem.id}")
    assert_entity(body, ListOf(ACCOUNT))
    assert [a["username"] for a in body] == ["cem", "ana"]
    assert await api.json("GET", ACCOUNTS) == []
    too_many = "&".join(f"id[]={i}" for i in range(41))
    response = await api.request("GET", f"{ACCOUNTS}?{too_many}")
    assert response.status == 422 and "40" in (await response.json())["error"]
    assert (await api.request("GET", f"{ACCOUNTS}?id[]={bob.id}", "bogus-token")).status == 401


async def test_a_note_is_private_to_its_author_and_can_be_removed(any_api: Api) -> None:
    api = any_api
    await api.member("ana")
    bob, _ = await api.member("bob"), await api.member("cem")
    ana_token, cem_token = await api.token_for("ana"), await api.token_for("cem")
    relationship = await api.json("POST", f"{ACCOUNTS}/{bob.id}/note", ana_token,
                                  data={"comment": "met at the fair"})
    assert_entity(relationship, RELATIONSHIP)
    assert relationship["id"] == str(bob.id) and relationship["note"] == "met at the fair"
    [seen] = await api.json("GET", f"{ACCOUNTS}/relationships?id[]={bob.id}", ana_token)
    assert seen["note"] == "met at the fair"
    [other] = await api.json("GET", f"{ACCOUNTS}/relationships?id[]={bob.id}", cem_token)
    assert other["note"] == ""
    changed = await api.json("POST", f"{ACCOUNTS}/{bob.id}/note", ana_token, json={"comment": "neighbour"})
    assert changed["note"] == "neighbour" and await api.count(AccountNote) == 1
    removed = await api.json("POST", f"{ACCOUNTS}/{bob.id}/note", ana_token, data={"comment": ""})
    assert removed["note"] == "" and await api.count(AccountNote) == 0


async def test_bad_notes_are_refused_and_store_nothing(api: Api) -> None:
    await api.member("ana")
    bob = await api.member("bob")
    token = await api.token_for("ana")
    response = await api.request("POST", f"{ACCOUNTS}/{bob.id}/note", token, data={"comment": "x" * 2001})
    assert response.status == 422 and "2000" in (await response.json())["error"]
    assert (await api.request("POST", f"{ACCOUNTS}/424242/note", token, data={"comment": "hi"})).status == 404
    read_only = await api.token_for("ana", "read")
    response = await api.request("POST", f"{ACCOUNTS}/{bob.id}/note", read_only, data={"comment": "hi"})
    assert response.status == 403
    assert await api.count(AccountNote) == 0
