"""`GET /api/v1/accounts/lookup` answers from this node's database only, as Mastodon's (its
ResolveAccountService with `skip_webfinger: true`): an unknown remote acct is a 404 and nothing
is fetched (no WebFinger, no actor document) and nothing is stored."""

from __future__ import annotations

from typing import NoReturn

import pytest

from storage.models import Actor, Job
from tests.ui.client_api import Api


async def test_an_unknown_remote_acct_is_404_without_any_fetch(any_api: Api,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    api = any_api
    await api.member("ana")
    opened: list[str] = []

    def no_network() -> NoReturn:  # every outbound request takes a session from here
        opened.append("session")
        raise AssertionError("lookup must not reach the network")

    monkeypatch.setattr(api.services.client, "_get_session", no_network)
    actors, jobs = await api.count(Actor), await api.count(Job)
    for acct in ("someone@unknown.example", "@someone@unknown.example", "ana@unknown.example"):
        assert await api.json("GET", f"/api/v1/accounts/lookup?acct={acct}", status=404) == {
            "error": "Record not found"}, acct
    assert opened == []
    assert (await api.count(Actor), await api.count(Job)) == (actors, jobs)
    found = await api.json("GET", "/api/v1/accounts/lookup?acct=ana")
    assert found["username"] == "ana" and opened == []
