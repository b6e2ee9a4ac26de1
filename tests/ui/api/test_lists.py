"""Lists through the client API: CRUD, members (only followed accounts, Mastodon's wording),
`accounts/:id/lists`, the list timeline with `replies_policy`, exclusive lists and the home
timeline, scopes, and other members' lists (404, nothing changed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import ListAccount, MemberList, Mention, TimelineEntry
from tests.ui.api.schemas import ACCOUNT, LIST, VIEWER_STATUS, assert_entity
from tests.ui.api.timeline_helpers import add, follow, remote, status
from tests.ui.client_api import Api

LISTS = "/api/v1/lists"
HOME = "/api/v1/timelines/home"


def _texts(body: list[dict[str, Any]]) -> list[str]:
    return [(s["reblog"] or s)["content"].removeprefix("<p>").removesuffix("</p>") for s in body]


async def _list(api: Api, token: str, title: str = "friends", **fields: Any) -> dict[str, Any]:
    return dict(await api.json("POST", LISTS, token, json={"title": title, **fields}))


async def test_a_list_is_created_shown_changed_and_deleted(any_api: Api) -> None:
    await any_api.member("ana")
    token = await any_api.token_for("ana")
    made = await _list(any_api, token)
    assert_entity(made, LIST)
    assert (made["title"], made["replies_policy"], made["exclusive"]) == ("friends", "list", False)
    assert await any_api.json("GET", LISTS, token) == [made]
    assert await any_api.json("GET", f"{LISTS}/{made['id']}", token) == made
    changed = await any_api.json("PUT", f"{LISTS}/{made['id']}", token,
                                 data={"title": "close", "replies_policy": "followed", "exclusive": "true"})
    assert changed == {**made, "title": "close", "replies_policy": "followed", "exclusive": True}
    assert await any_api.json("PUT", f"{LISTS}/{made['id']}", token, json={"exclusive": False}) == {
        **changed, "exclusive": False}  # what is not sent stays
    assert await any_api.json("DELETE", f"{LISTS}/{made['id']}", token) == {}
    assert await any_api.json("GET", LISTS, token) == []
    assert await any_api.count(MemberList) == 0


async def test_bad_lists_are_refused_and_nothing_is_stored(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    blank = await api.json("POST", LISTS, token, json={"title": "  "}, status=422)
    assert blank == {"error": "Validation failed: Title can't be blank"}
    policy = await api.json("POST", LISTS, token, json={"title": "x", "replies_policy": "all"}, status=422)
    assert policy == {"error": "'all' is not a valid replies_policy"}
    assert (await api.request("POST", LISTS, token, json={"title": "x", "exclusive": "maybe"})).status == 422
    assert (await api.request("POST", LISTS, token, json={"title": "x" * 256})).status == 422
    assert await api.count(MemberList) == 0


async def test_other_members_lists_answer_404_and_stay_as_they_were(api: Api) -> None:
    ana, bea, cid = await api.member("ana"), await api.member("bea"), await api.member("cid")
    await follow(api, ana, cid)
    await follow(api, bea, cid)
    bea_token, ana_token = await api.token_for("bea"), await api.token_for("ana")
    theirs = await _list(api, bea_token, "bea's")
    await api.json("POST", f"{LISTS}/{theirs['id']}/accounts", bea_token, data={"account_ids[]": str(cid.id)})
    path = f"{LISTS}/{theirs['id']}"
    for method, where, body in [("GET", path, None), ("PUT", path, {"title": "mine now"}),
                                ("DELETE", path, None), ("GET", f"{path}/accounts", None),
                                ("POST", f"{path}/accounts", {"account_ids[]": str(cid.id)}),
                                ("DELETE", f"{path}/accounts", {"account_ids[]": str(cid.id)}),
                                ("GET", f"/api/v1/timelines/list/{theirs['id']}", None)]:
        answer = await api.json(method, where, ana_token, data=body, status=404)
        assert answer == {"error": "Record not found"}, (method, where)
    for bad in ("x", "-1", "99999999999999999999"):
        assert (await api.request("GET", f"{LISTS}/{bad}", ana_token)).status == 404
    assert await api.json("GET", path, bea_token) == theirs
    async with api.services.sessions() as session:
        members = (await session.execute(select(ListAccount.list_id, ListAccount.account_id))).all()
    assert members == [(int(theirs["id"]), cid.id)]
    assert await api.count(MemberList) == 1


async def test_only_followed_accounts_join_in_mastodons_words(any_api: Api) -> None:
    ana, bea = await any_api.member("ana"), await any_api.member("bea")
    far = await remote(any_api, "far")
    token = await any_api.token_for("ana")
    made = await _list(any_api, token)
    accounts = f"{LISTS}/{made['id']}/accounts"
    refused = await any_api.json("POST", accounts, token, data={"account_ids[]": str(bea.id)}, status=422)
    assert refused == {"error": "You must follow @bea before adding this account to a list."}
    refused = await any_api.json("POST", accounts, token, data={"account_ids[]": str(far.id)}, status=422)
    assert refused == {"error": "You must follow @far@remote.example before adding this account to a list."}
    assert (await any_api.request("POST", accounts, token, data={"account_ids[]": "12345"})).status == 404
    assert (await any_api.request("POST", accounts, token, data={})).status == 422
    flood = await any_api.json("POST", accounts, token, json={"account_ids": [str(bea.id)] * 251}, status=422)
    assert flood == {"error": "account_ids takes at most 250 accounts"}
    assert await any_api.count(ListAccount) == 0
    await follow(any_api, ana, bea)
    await follow(any_api, ana, far, state="pending")  # a request counts, as Mastodon
    ids = [str(bea.id), str(far.id), str(ana.id)]
    assert await any_api.json("POST", accounts, token, json={"account_ids": ids}) == {}
    again = await any_api.json("POST", accounts, token, data={"account_ids[]": str(bea.id)}, status=422)
    assert "already" in again["error"]
    page = await any_api.request("GET", f"{accounts}?limit=2", token)
    body = await page.json()
    assert [a["id"] for a in body] == [str(ana.id), str(far.id)] and 'rel="next"' in page.headers["Link"]
    assert_entity(body[0], ACCOUNT)
    everyone = await any_api.json("GET", f"{accounts}?limit=0", token)
    assert {a["id"] for a in everyone} == {str(ana.id), str(bea.id), str(far.id)}
    assert await any_api.json("GET", f"/api/v1/accounts/{bea.id}/lists", token) == [made]
    assert await any_api.json("DELETE", accounts, token, data={"account_ids[]": str(bea.id)}) == {}
    assert await any_api.json("GET", f"/api/v1/accounts/{bea.id}/lists", token) == []
    assert (await any_api.request("GET", "/api/v1/accounts/12345/lists", token)).status == 404


async def test_an_unfollowed_account_leaves_the_list(api: Api) -> None:
    await api.member("ana")
    bea = await api.member("bea")
    token = await api.token_for("ana")
    await api.json("POST", f"/api/v1/accounts/{bea.id}/follow", token)
    made = await _list(api, token)
    await api.json("POST", f"{LISTS}/{made['id']}/accounts", token, data={"account_ids[]": str(bea.id)})
    await api.json("POST", f"/api/v1/accounts/{bea.id}/unfollow", token)
    assert await api.json("GET", f"{LISTS}/{made['id']}/accounts", token) == []
    assert await api.json("GET", LISTS, token) == [made]  # the list itself stays


async def test_the_list_timeline_follows_the_replies_policy(any_api: Api) -> None:
    ana, bea, cid, dan = [await any_api.member(n) for n in ("ana", "bea", "cid", "dan")]
    await follow(any_api, ana, bea)
    await follow(any_api, ana, cid)
    token = await any_api.token_for("ana")
    root = await status(any_api, bea, "root")
    by_cid, by_dan, by_ana = (await status(any_api, cid, "c"), await status(any_api, dan, "d"),
                              await status(any_api, ana, "a"))
    await status(any_api, bea, "to self", in_reply_to_id=root.id)
    await status(any_api, bea, "to cid", in_reply_to_id=by_cid.id)  # followed, not listed
    await status(any_api, bea, "to dan", in_reply_to_id=by_dan.id)  # neither: never shown
    await status(any_api, bea, "to ana", in_reply_to_id=by_ana.id)  # the owner
    await status(any_api, bea, "unknown parent", in_reply_to_uri="https://gone.example/1")  # never shown
    await status(any_api, dan, "not listed")
    direct = await status(any_api, bea, "just for ana", visibility="direct")
    await add(any_api, Mention(status_id=direct.id, actor_id=ana.id))  # ana may see it, but not in a list
    made = await _list(any_api, token, replies_policy="none")
    await any_api.json("POST", f"{LISTS}/{made['id']}/accounts", token, data={"account_ids[]": str(bea.id)})
    timeline = f"/api/v1/timelines/list/{made['id']}"
    first = await any_api.json("GET", timeline, token)
    assert_entity(first[0], VIEWER_STATUS)
    assert _texts(first) == ["to ana", "to self", "root"]
    await any_api.json("PUT", f"{LISTS}/{made['id']}", token, data={"replies_policy": "followed"})
    assert _texts(await any_api.json("GET", timeline, token)) == ["to ana", "to cid", "to self", "root"]
    await any_api.json("PUT", f"{LISTS}/{made['id']}", token, data={"replies_policy": "list"})
    await any_api.json("POST", f"{LISTS}/{made['id']}/accounts", token, data={"account_ids[]": str(cid.id)})
    listed = await any_api.json("GET", timeline, token)
    assert _texts(listed) == ["to ana", "to cid", "to self", "c", "root"]
    response = await any_api.request("GET", f"{timeline}?limit=2", token)
    assert _texts(await response.json()) == ["to ana", "to cid"] and "max_id=" in response.headers["Link"]


async def test_an_exclusive_lists_members_leave_the_home_timeline_at_once(any_api: Api) -> None:
    ana, bea, cid = [await any_api.member(n) for n in ("ana", "bea", "cid")]
    await follow(any_api, ana, bea)
    await follow(any_api, ana, cid)
    token = await any_api.token_for("ana")
    posts = [await status(any_api, bea, "bea"), await status(any_api, cid, "cid")]
    await add(any_api, *(TimelineEntry(owner_id=ana.id, status_id=p.id) for p in posts))
    assert _texts(await any_api.json("GET", HOME, token)) == ["cid", "bea"]
    made = await _list(any_api, token, exclusive=True)
    await any_api.json("POST", f"{LISTS}/{made['id']}/accounts", token, data={"account_ids[]": str(bea.id)})
    assert _texts(await any_api.json("GET", HOME, token)) == ["cid"]
    assert _texts(await any_api.json("GET", f"/api/v1/timelines/list/{made['id']}", token)) == ["bea"]
    await any_api.json("PUT", f"{LISTS}/{made['id']}", token, data={"exclusive": "false"})
    assert _texts(await any_api.json("GET", HOME, token)) == ["cid", "bea"]


async def test_lists_need_the_lists_scopes(api: Api) -> None:
    await api.member("ana")
    reader = await api.token_for("ana", scope="read:lists")
    assert await api.json("GET", LISTS, reader) == []
    assert (await api.request("POST", LISTS, reader, json={"title": "x"})).status == 403
    writer = await api.token_for("ana", scope="write:lists")
    assert (await api.request("POST", LISTS, writer, json={"title": "x"})).status == 200
    assert (await api.request("GET", LISTS, writer)).status == 403
    assert (await api.request("GET", LISTS)).status == 401
