"""A suspended domain is never contacted, not even for WebFinger: not by a search with
`resolve=true`, not by a mention in a new post, whatever the spelling of the handle's host or
of the rule. A user domain block in any spelling hides the same server."""

from __future__ import annotations

from typing import NoReturn

import pytest

from federation.resolve import webfinger
from storage.errors import Invalid
from storage.models import Actor, DomainRule, UserDomainBlock
from tests.federation.test_domains import full_width
from tests.ui.api.timeline_helpers import remote, status
from tests.ui.client_api import Api


def no_network(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []

    def refuse() -> NoReturn:  # every outbound request takes the client's session from here
        opened.append("session")
        raise AssertionError("a suspended domain must not be contacted")

    monkeypatch.setattr(api.services.client, "_get_session", refuse)
    return opened


async def suspend(api: Api, rule: str) -> None:
    async with api.services.sessions() as session, session.begin():
        session.add(DomainRule(domain=rule, policy="suspend"))


@pytest.mark.parametrize("rule", ["EVIL.test.", full_width("evil.test")])
async def test_webfinger_does_not_ask_a_suspended_domain(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                         rule: str) -> None:
    opened = no_network(api, monkeypatch)
    await suspend(api, rule)
    for host in ("evil.test", "Evil.Test.", "a.evil.test", "evil.test:443"):
        with pytest.raises(Invalid, match="suspended"):
            await webfinger(api.services, "mallory", host)
    assert opened == []


async def test_search_and_mentions_do_not_reach_a_suspended_domain(api: Api,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "read write")
    opened = no_network(api, monkeypatch)
    await suspend(api, "Evil.Test")
    actors = await api.count(Actor)
    for q in ("@mallory@evil.test", "mallory@EVIL.test.", "https://evil.test/users/mallory"):
        found = await api.json("GET", f"/api/v2/search?q={q}&resolve=true", token)
        assert found["accounts"] == [], q
    await api.json("POST", "/api/v1/statuses", token,
                   data={"status": "hi @mallory@Evil.Test and @eve@evil.test"})
    assert opened == []
    assert await api.count(Actor) == actors


async def test_a_user_domain_block_in_any_spelling_is_stored_canonically(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "read write")
    for spelling in ("EVIL.test.", "https://Evil.Test:443/", full_width("evil.test"), "BÜCHER.test"):
        assert await api.json("POST", "/api/v1/domain_blocks", token, data={"domain": spelling}) == {}
    blocked = await api.json("GET", "/api/v1/domain_blocks", token)
    assert sorted(blocked) == ["evil.test", "xn--bcher-kva.test"]
    assert await api.count(UserDomainBlock) == 2
    bad = await api.request("POST", "/api/v1/domain_blocks", token, data={"domain": "evil_test.example"})
    assert bad.status == 422


async def test_a_user_domain_block_in_another_spelling_hides_the_server_on_timelines(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "read write")
    carl = await remote(api, "carl", "xn--bcher-kva.test")  # bücher.test
    hidden = await status(api, carl, "from a blocked server")
    assert [s["id"] for s in await api.json("GET", "/api/v1/timelines/public", token)] == [str(hidden.id)]
    await api.json("POST", "/api/v1/domain_blocks", token, data={"domain": "BÜCHER.test."})
    assert await api.json("GET", "/api/v1/timelines/public", token) == []
