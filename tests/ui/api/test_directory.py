"""The directory and follow suggestions list only accounts that opted in (`discoverable`), and
never suspended ones, nor those the member blocks, mutes or dismissed."""

from __future__ import annotations

import pytest

from storage.models import Block, Mute, SuggestionDismissal, utcnow
from tests.ui.api.discovery_schemas import SUGGESTION
from tests.ui.api.schemas import ACCOUNT, assert_entity
from tests.ui.api.timeline_helpers import add, follow, remote, status
from tests.ui.client_api import Api


@pytest.fixture
def api(any_api: Api) -> Api:
    """Each test on each engine (the counters and upserts differ between them)."""
    return any_api


def _names(accounts: list[dict[str, str]]) -> list[str]:
    return [a["acct"] for a in accounts]


async def test_the_directory_never_lists_accounts_that_are_not_discoverable(api: Api) -> None:
    await api.member("shy")
    await api.member("open", discoverable=True)
    await remote(api, "far", discoverable=True)
    await remote(api, "quiet")
    listed = await api.json("GET", "/api/v1/directory")
    assert sorted(_names(listed)) == ["far@remote.example", "open"]
    for entity in listed:
        assert_entity(entity, ACCOUNT)
    assert _names(await api.json("GET", "/api/v1/directory?local=true")) == ["open"]


async def test_the_directory_leaves_out_suspended_blocked_and_muted_accounts(api: Api) -> None:
    ana = await api.member("ana")
    await api.member("fine", discoverable=True)
    await remote(api, "gone", discoverable=True, suspended_at=utcnow())
    blocked = await remote(api, "blocked", discoverable=True)
    muted = await remote(api, "muted", discoverable=True)
    blocker = await remote(api, "blocker", discoverable=True)
    await add(api, Block(actor_id=ana.id, target_id=blocked.id, uri="https://localhost/b/1"),
              Mute(actor_id=ana.id, target_id=muted.id),
              Block(actor_id=blocker.id, target_id=ana.id, uri="https://remote.example/b/2"))
    token = await api.token_for("ana")
    assert _names(await api.json("GET", "/api/v1/directory", token)) == ["fine"]
    assert sorted(_names(await api.json("GET", "/api/v1/directory"))) == [
        "blocked@remote.example", "blocker@remote.example", "fine", "muted@remote.example"]


async def test_the_directory_orders_by_latest_post_or_by_newest_account(api: Api) -> None:
    old = await api.member("old", discoverable=True)
    await api.member("new", discoverable=True)
    await status(api, old, "still here")
    assert _names(await api.json("GET", "/api/v1/directory?order=active")) == ["old", "new"]
    assert _names(await api.json("GET", "/api/v1/directory?order=new")) == ["new", "old"]
    assert _names(await api.json("GET", "/api/v1/directory?order=new&offset=1&limit=1")) == ["old"]


async def test_bad_directory_parameters_are_refused(api: Api) -> None:
    for query in ("order=best", "offset=-1", "offset=x", "limit=many"):
        answer = await api.json("GET", f"/api/v1/directory?{query}", status=422)
        assert "error" in answer


async def test_suggestions_are_discoverable_accounts_the_member_does_not_follow(api: Api) -> None:
    ana, bob = await api.member("ana"), await api.member("bob", discoverable=True)
    pop = await remote(api, "pop", discoverable=True)
    hidden = await remote(api, "hidden")
    gone = await remote(api, "gone", discoverable=True, suspended_at=utcnow())
    muted = await remote(api, "muted", discoverable=True)
    for target in (pop, hidden, gone, muted):
        await follow(api, bob, target)
    await follow(api, ana, bob)
    await add(api, Mute(actor_id=ana.id, target_id=muted.id))
    answer = await api.json("GET", "/api/v2/suggestions", await api.token_for("ana"))
    for entity in answer:
        assert_entity(entity, SUGGESTION)
    assert [(s["account"]["acct"], s["sources"]) for s in answer] == [
        ("pop@remote.example", ["friends_of_friends"])]
    assert _names(await api.json("GET", "/api/v1/suggestions", await api.token_for("ana"))) == [
        "pop@remote.example"]


async def test_a_dismissed_suggestion_is_not_suggested_again(api: Api) -> None:
    await api.member("ana")
    bob = await api.member("bob", discoverable=True)
    cyd = await api.member("cyd", discoverable=True)
    pop = await remote(api, "pop", discoverable=True)
    await follow(api, bob, pop)
    await follow(api, cyd, pop)
    token = await api.token_for("ana")
    assert _names([s["account"] for s in await api.json("GET", "/api/v2/suggestions", token)]) == [
        "pop@remote.example"]
    assert await api.json("DELETE", f"/api/v1/suggestions/{pop.id}", token) == {}
    assert await api.json("DELETE", f"/api/v1/suggestions/{pop.id}", token) == {}
    assert await api.json("GET", "/api/v2/suggestions", token) == []
    assert await api.count(SuggestionDismissal) == 1
    await api.member("dee")
    theirs = await api.json("GET", "/api/v2/suggestions", await api.token_for("dee"))
    assert [(s["account"]["acct"], s["sources"]) for s in theirs] == [
        ("pop@remote.example", ["most_followed"])]


async def test_dismissing_an_unknown_or_malformed_account_stores_nothing(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    for target in ("123456789", "abc", "1%20OR%201=1"):
        answer = await api.json("DELETE", f"/api/v1/suggestions/{target}", token, status=404)
        assert answer == {"error": "Record not found"}
    assert await api.count(SuggestionDismissal) == 0
    assert (await api.request("GET", "/api/v2/suggestions")).status == 401
