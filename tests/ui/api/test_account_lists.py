"""Followers and following lists, account search, v2 search of accounts and hashtags, tags."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from storage.models import Actor, Bookmark, Favourite, Mention, Mute, utcnow
from tests.ui.api.schemas import ACCOUNT, VIEWER_STATUS, assert_entity
from tests.ui.api.timeline_helpers import add, follow, remote, status
from tests.ui.client_api import Api


def _links(header: str) -> dict[str, dict[str, str]]:
    found = {}
    for part in header.split(", <"):
        url, rel = part.strip("<").split(">; rel=")
        found[rel.strip('"')] = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return found


async def test_followers_are_paged_by_follow_with_link_headers(any_api: Api) -> None:
    ana = await any_api.member("ana")
    fans = [await remote(any_api, f"fan{i}") for i in range(5)]
    rows = [await follow(any_api, fan, ana) for fan in fans]
    await follow(any_api, await remote(any_api, "asking"), ana, state="pending")
    response = await any_api.request("GET", f"/api/v1/accounts/{ana.id}/followers?limit=2")
    body = await response.json()
    assert [a["username"] for a in body] == ["fan4", "fan3"]  # newest follow first
    assert_entity(body[0], ACCOUNT)
    links = _links(response.headers["Link"])
    assert links["next"] == {"limit": "2", "max_id": str(rows[3].id)}
    assert links["prev"] == {"limit": "2", "min_id": str(rows[4].id)}
    older = await any_api.json("GET", f"/api/v1/accounts/{ana.id}/followers?limit=2&max_id={rows[3].id}")
    assert [a["username"] for a in older] == ["fan2", "fan1"]
    # min_id: the entries just after it, still newest first
    after = await any_api.json("GET", f"/api/v1/accounts/{ana.id}/followers?limit=2&min_id={rows[0].id}")
    assert [a["username"] for a in after] == ["fan2", "fan1"]
    since = await any_api.json("GET", f"/api/v1/accounts/{ana.id}/followers?limit=2&since_id={rows[0].id}")
    assert [a["username"] for a in since] == ["fan4", "fan3"]
    following = await any_api.json("GET", f"/api/v1/accounts/{fans[0].id}/following")
    assert [a["username"] for a in following] == ["ana"]


async def test_follow_lists_edge_cases(api: Api) -> None:
    ana = await api.member("ana")
    empty = await api.request("GET", f"/api/v1/accounts/{ana.id}/followers")
    assert await empty.json() == [] and "Link" not in empty.headers
    assert (await api.request("GET", "/api/v1/accounts/12345/followers")).status == 404
    assert (await api.request("GET", "/api/v1/accounts/abc/following")).status == 404
    gone = await remote(api, "gone", suspended_at=utcnow())
    await follow(api, gone, ana)
    await follow(api, await remote(api, "kept"), ana)
    response = await api.request("GET", f"/api/v1/accounts/{ana.id}/followers?limit=999")
    assert [a["username"] for a in await response.json()] == ["kept"]  # suspended followers are not listed
    assert 'rel="next"' not in response.headers["Link"]  # not a full page: nothing older
    bad = await api.request("GET", f"/api/v1/accounts/{ana.id}/followers?max_id=nonsense")
    assert bad.status == 422 and await bad.json() == {"error": "max_id must be an id"}


async def test_account_search_by_name_and_handle(any_api: Api) -> None:
    await any_api.member("ana", display_name="Ana Lima")
    bea = await any_api.member("bea")
    await remote(any_api, "anabel", "far.example")
    await remote(any_api, "zed", "far.example", display_name="Friend of ana")
    token = await any_api.token_for("bea")
    found = await any_api.json("GET", "/api/v1/accounts/search?q=ana", token)
    assert [a["acct"] for a in found] == ["ana", "anabel@far.example", "zed@far.example"]
    handle = await any_api.json("GET", "/api/v1/accounts/search?q=@anabel@far.example", token)
    assert [a["acct"] for a in handle] == ["anabel@far.example"]
    await follow(any_api, bea, await _actor(any_api, "zed"))
    followed = await any_api.json("GET", "/api/v1/accounts/search?q=ana&following=true", token)
    assert [a["acct"] for a in followed] == ["zed@far.example"]
    paged = await any_api.request("GET", "/api/v1/accounts/search?q=ana&limit=1&offset=1", token)
    assert [a["acct"] for a in await paged.json()] == ["anabel@far.example"]
    assert _links(paged.headers["Link"])["next"]["offset"] == "2"
    percent = await any_api.json("GET", "/api/v1/accounts/search?q=%25", token)
    assert percent == []  # LIKE wildcards are matched literally
    assert (await any_api.request("GET", "/api/v1/accounts/search?q=ana")).status == 401
    assert (await any_api.request("GET", "/api/v1/accounts/search", token)).status == 400  # q missing


async def _actor(api: Api, username: str) -> Actor:
    async with api.services.sessions() as session:
        found = await session.scalar(select(Actor).where(Actor.username == username))
    assert found is not None
    return found


async def test_resolve_refuses_private_addresses_and_stores_nothing(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    before = await api.count(Actor)
    for q in ("https://127.0.0.1:9/users/x", "@x@127.0.0.1:9", "@x@10.1.2.3"):
        body = await api.json("GET", "/api/v2/search", token, params={"q": q, "resolve": "true"})
        assert body["accounts"] == []
    anonymous = await api.json("GET", "/api/v2/search", params={"q": "@x@127.0.0.1:9", "resolve": "true"})
    assert anonymous["accounts"] == []
    assert await api.count(Actor) == before


async def test_v2_search_hashtags_accounts_and_tag_entity(any_api: Api) -> None:
    ana = await any_api.member("ana")
    await status(any_api, ana, tags=("Gardening",))
    await status(any_api, ana, tags=("garden",), published_at=utcnow() - timedelta(days=2))
    await status(any_api, ana, tags=("gardening",), visibility="private")  # not counted
    token = await any_api.token_for("ana")
    body = await any_api.json("GET", "/api/v2/search", token, params={"q": "#gard"})
    assert [t["name"] for t in body["hashtags"]] == ["garden", "Gardening"]
    assert body["statuses"] == [] and body["accounts"] == []
    garden = body["hashtags"][1]
    assert garden["url"] == "http://amity.test/tags/gardening" and garden["following"] is False
    assert [h["uses"] for h in garden["history"]] == ["1", "0", "0", "0", "0", "0", "0"]
    only = await any_api.json("GET", "/api/v2/search", token, params={"q": "ana", "type": "accounts"})
    assert [a["acct"] for a in only["accounts"]] == ["ana"] and only["hashtags"] == []
    bad = await any_api.request("GET", "/api/v2/search", token, params={"q": "a", "type": "toots"})
    assert bad.status == 422
    tag = await any_api.json("GET", "/api/v1/tags/GARDEN")
    assert tag["name"] == "garden" and "following" not in tag
    assert [h["uses"] for h in tag["history"]][:3] == ["0", "0", "1"]
    assert int(tag["history"][0]["day"]) % 86400 == 0
    assert (await any_api.request("GET", "/api/v1/tags/nothing")).status == 404


async def test_search_needs_a_member_for_offsets(api: Api) -> None:
    await api.member("ana")
    response = await api.request("GET", "/api/v2/search", params={"q": "ana", "offset": "5"})
    assert response.status == 422


async def test_status_search_covers_what_the_member_has_to_do_with(any_api: Api) -> None:
    ana, bea, cem = await any_api.member("ana"), await any_api.member("bea"), await any_api.member("cem")
    own = await status(any_api, ana, "Mural day at the Library")
    mention = await status(any_api, bea, "ana, the mural needs paint")
    liked = await status(any_api, cem, "A new MURAL downtown")
    await status(any_api, cem, "another mural nobody here touched")
    secret = await status(any_api, cem, "private mural", visibility="private")
    await add(any_api, Mention(status_id=mention.id, actor_id=ana.id),
              Favourite(actor_id=ana.id, status_id=liked.id, uri="https://amity.test/likes/9"),
              Bookmark(actor_id=ana.id, status_id=secret.id))  # a bookmark does not grant access
    token = await any_api.token_for("ana")
    found = await any_api.json("GET", "/api/v2/search", token, params={"q": "mural", "type": "statuses"})
    assert [s["id"] for s in found["statuses"]] == [str(liked.id), str(mention.id), str(own.id)]
    assert_entity(found["statuses"][0], VIEWER_STATUS)
    both = await any_api.json("GET", "/api/v2/search", token, params={"q": "library MURAL"})
    assert [s["id"] for s in both["statuses"]] == [str(own.id)]
    narrowed = await any_api.json("GET", "/api/v2/search", token,
                                  params={"q": "mural", "type": "statuses", "account_id": str(bea.id)})
    assert [s["id"] for s in narrowed["statuses"]] == [str(mention.id)]
    anonymous = await any_api.json("GET", "/api/v2/search", params={"q": "mural"})
    assert anonymous["statuses"] == []


async def test_resolving_a_known_url_fetches_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_fetch(url: str) -> None:
        raise AssertionError(f"fetched {url}")
    monkeypatch.setattr(api.services.client, "fetch_object", no_fetch)
    await api.member("ana")
    far = await remote(api, "far", "far.example")
    post = await status(api, far, "known post", url="https://far.example/@far/1")
    token = await api.token_for("ana")
    by_url = await api.json("GET", "/api/v2/search", token, params={"q": post.url, "resolve": "1"})
    assert [s["id"] for s in by_url["statuses"]] == [str(post.id)]
    account = await api.json("GET", "/api/v2/search", token, params={"q": far.uri, "resolve": "true"})
    assert [a["id"] for a in account["accounts"]] == [str(far.id)]
    await api.setting("federation_mode", "allowlist")  # far.example is not a partner: no fetch
    unknown = await api.json("GET", "/api/v2/search", token,
                             params={"q": "https://far.example/notes/2", "resolve": "true"})
    assert unknown == {"accounts": [], "statuses": [], "hashtags": []}


async def test_status_search_leaves_out_muted_authors(api: Api) -> None:
    ana, bea = await api.member("ana"), await api.member("bea")
    mention = await status(api, bea, "ana, about the mural")
    await add(api, Mention(status_id=mention.id, actor_id=ana.id), Mute(actor_id=ana.id, target_id=bea.id))
    token = await api.token_for("ana")
    found = await api.json("GET", "/api/v2/search", token, params={"q": "mural", "type": "statuses"})
    assert found["statuses"] == []
