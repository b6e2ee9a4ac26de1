"""URL search matches an object by its id first, and by its page `url` only on the object's own
host: an actor (or post) on evil.example claiming `https://victim.example/@alice` is never
what pasting that address finds."""

from __future__ import annotations

from typing import Any

import pytest

from federation.client import FetchError
from storage.models import Actor
from tests.ui.api.timeline_helpers import add, status
from tests.ui.client_api import Api

PAGE = "https://victim.example/@alice"


async def remote(api: Api, name: str, domain: str, **fields: Any) -> Actor:
    uri = f"https://{domain}/users/{name}"
    actor = Actor(username=name, domain=domain, uri=uri, inbox_url=f"{uri}/inbox", **fields)
    await add(api, actor)
    return actor


def _record_fetches(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    fetched: list[str] = []

    async def fetch(url: str) -> None:
        fetched.append(url)
        raise FetchError(f"{url} is unreachable in this test")
    monkeypatch.setattr(api.services.client, "fetch_object", fetch)
    return fetched


@pytest.mark.parametrize("path", ["/api/v2/search", "/api/v1/accounts/search"])
async def test_an_impersonator_claiming_a_victim_page_is_not_found_by_it(
        api: Api, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    fetched = _record_fetches(api, monkeypatch)
    await api.member("ana")
    await remote(api, "alice", "evil.example", url=PAGE)  # stored as it was before pages were checked
    token = await api.token_for("ana")
    body = await api.json("GET", path, token, params={"q": PAGE, "resolve": "true"})
    accounts = body["accounts"] if isinstance(body, dict) else body
    assert accounts == []
    assert set(fetched) == {PAGE}  # asked from the victim's own server, which is unreachable here


async def test_the_genuine_account_is_found_by_its_page_next_to_an_impersonator(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = _record_fetches(api, monkeypatch)
    await api.member("ana")
    await remote(api, "aaa", "evil.example", url=PAGE)  # sorts first by username
    alice = await remote(api, "alice", "victim.example", url=PAGE)
    token = await api.token_for("ana")
    body = await api.json("GET", "/api/v2/search", token, params={"q": PAGE, "resolve": "true"})
    assert [a["id"] for a in body["accounts"]] == [str(alice.id)]
    assert fetched == []


async def test_a_post_claiming_a_victim_page_is_not_found_by_it(api: Api,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = _record_fetches(api, monkeypatch)
    await api.member("ana")
    evil = await remote(api, "mallory", "evil.example")
    await status(api, evil, "fake", url=f"{PAGE}/1")
    token = await api.token_for("ana")
    body = await api.json("GET", "/api/v2/search", token, params={"q": f"{PAGE}/1", "resolve": "true"})
    assert body["statuses"] == [] and body["accounts"] == []
    assert set(fetched) == {f"{PAGE}/1"}


async def test_objects_are_found_by_id_whatever_their_page(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = _record_fetches(api, monkeypatch)
    await api.member("ana")
    evil = await remote(api, "mallory", "evil.example", url=PAGE)
    post = await status(api, evil, "mine", url=f"{PAGE}/1")
    token = await api.token_for("ana")
    by_id = await api.json("GET", "/api/v2/search", token, params={"q": post.uri, "resolve": "true"})
    assert [s["id"] for s in by_id["statuses"]] == [str(post.id)]
    account = await api.json("GET", "/api/v2/search", token, params={"q": evil.uri, "resolve": "true"})
    assert [a["id"] for a in account["accounts"]] == [str(evil.id)]
    assert fetched == []
