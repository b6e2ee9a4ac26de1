"""Filters v2 and v1: Mastodon's entity shapes, keywords and status filters, the v1 mapping, and
hostile input (bad contexts, too many keywords, another member's ids) that stores nothing."""

from __future__ import annotations

from typing import Any

from actors.social.filters import MAX_FILTERS, MAX_KEYWORDS
from storage.models import CustomFilter, FilterKeyword, FilterStatus
from tests.ui.api.schemas import FILTER, FILTER_KEYWORD, FILTER_STATUS, V1_FILTER, assert_entity
from tests.ui.api.timeline_helpers import status
from tests.ui.client_api import Api

FILTERS = "/api/v2/filters"


async def _rows(api: Api) -> tuple[int, int, int]:
    return (await api.count(CustomFilter), await api.count(FilterKeyword), await api.count(FilterStatus))


async def _create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    body = {"title": "t", "context": ["home"], **body}
    result: dict[str, Any] = await api.json("POST", FILTERS, token, json=body)
    return result


async def _add_status(api: Api, token: str, made: dict[str, Any], status_id: object, *, status: int = 200
                      ) -> Any:
    path = f"{FILTERS}/{made['id']}/statuses"
    return await api.json("POST", path, token, data={"status_id": str(status_id)}, status=status)


async def test_a_filter_with_keywords_and_statuses_has_mastodons_shape(api: Api) -> None:
    ana = await api.member("ana")
    token = await api.token_for("ana")
    post = await status(api, ana, "mine")
    made = await _create(api, token, title="Spoilers", context=["home", "public"], filter_action="hide",
                         expires_in=3600, keywords_attributes=[{"keyword": "dune", "whole_word": False}])
    assert_entity(made, FILTER)
    assert made["title"] == "Spoilers" and made["filter_action"] == "hide" and made["expires_at"]
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [("dune", False)]
    added = await _add_status(api, token, made, post.id)
    assert_entity(added, FILTER_STATUS)
    keyword = await api.json("POST", f"{FILTERS}/{made['id']}/keywords", token,
                             data={"keyword": "arrakis", "whole_word": "true"})
    assert_entity(keyword, FILTER_KEYWORD)
    [listed] = await api.json("GET", FILTERS, token)
    assert_entity(listed, FILTER)
    assert [k["keyword"] for k in listed["keywords"]] == ["dune", "arrakis"]
    assert listed["statuses"] == [added]
    assert await api.json("GET", f"{FILTERS}/keywords/{keyword['id']}", token) == keyword
    assert await api.json("GET", f"{FILTERS}/statuses/{added['id']}", token) == added
    assert await api.json("GET", f"{FILTERS}/{made['id']}/keywords", token) == listed["keywords"]
    assert await api.json("GET", f"{FILTERS}/{made['id']}/statuses", token) == [added]


async def test_update_changes_adds_and_destroys_keywords(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    made = await _create(api, token, keywords_attributes=[{"keyword": "a"}, {"keyword": "b"}])
    first, second = made["keywords"]
    changed = await api.json("PUT", f"{FILTERS}/{made['id']}", token, json={
        "title": "renamed", "context": ["thread"], "filter_action": "warn", "keywords_attributes": [
            {"id": first["id"], "keyword": "aa", "whole_word": False},
            {"id": second["id"], "_destroy": True}, {"keyword": "c"}]})
    assert changed["title"] == "renamed" and changed["context"] == ["thread"]
    assert [(k["keyword"], k["whole_word"]) for k in changed["keywords"]] == [("aa", False), ("c", True)]
    renamed = await api.json("PUT", f"{FILTERS}/keywords/{first['id']}", token, data={"keyword": "z"})
    assert renamed["keyword"] == "z"
    assert await api.json("DELETE", f"{FILTERS}/keywords/{first['id']}", token) == {}
    assert await api.json("DELETE", f"{FILTERS}/{made['id']}", token) == {}
    assert await _rows(api) == (0, 0, 0)


async def test_v1_filters_are_keywords_of_v2_filters(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    made = await api.json("POST", "/api/v1/filters", token, data={
        "phrase": "Dune", "context[]": ["home", "notifications"], "irreversible": "true",
        "whole_word": "false"})
    assert_entity(made, V1_FILTER)
    assert made["phrase"] == "Dune" and made["irreversible"] is True and made["whole_word"] is False
    [v2] = await api.json("GET", FILTERS, token)
    assert v2["title"] == "Dune" and v2["filter_action"] == "hide" and v2["keywords"][0]["id"] == made["id"]
    assert await api.json("GET", "/api/v1/filters", token) == [made]
    changed = await api.json("PUT", f"/api/v1/filters/{made['id']}", token,
                             data={"phrase": "Arrakis", "context[]": ["public"], "irreversible": "false"})
    assert changed["phrase"] == "Arrakis" and changed["context"] == ["public"] and not changed["irreversible"]
    await api.json("POST", f"{FILTERS}/{v2['id']}/keywords", token, data={"keyword": "spice"})
    refused = await api.request("PUT", f"/api/v1/filters/{made['id']}", token, data={"context[]": ["home"]})
    assert refused.status == 422 and "more than one filter keyword" in (await refused.json())["error"]
    assert (await api.json("GET", f"{FILTERS}/{v2['id']}", token))["context"] == ["public"]
    assert len(await api.json("GET", "/api/v1/filters", token)) == 2
    for one in await api.json("GET", "/api/v1/filters", token):
        assert await api.json("DELETE", f"/api/v1/filters/{one['id']}", token) == {}
    assert await _rows(api) == (0, 0, 0)  # the emptied filter went with its last keyword


async def test_bad_contexts_actions_and_blank_titles_store_nothing(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    for body, message in (
            ({"context": ["home", "x"]}, "Validation failed: Context None or invalid context supplied"),
            ({"context": []}, "Validation failed: Context can't be blank"),
            ({"title": " "}, "Validation failed: Title can't be blank"),
            ({"filter_action": "explode"}, "'explode' is not a valid filter_action"),
            ({"expires_in": "soon"}, "expires_in must be a number of seconds"),
            ({"keywords_attributes": [{"keyword": ""}]}, "Validation failed: Keyword can't be blank"),
            ({"keywords_attributes": "dune"}, "keywords_attributes must be a list")):
        response = await api.request("POST", FILTERS, token, json={"title": "t", "context": ["home"], **body})
        assert response.status == 422, body
        assert (await response.json())["error"].startswith(message), body
    v1 = await api.request("POST", "/api/v1/filters", token, data={"phrase": "x", "context[]": "nowhere"})
    assert v1.status == 422
    assert await _rows(api) == (0, 0, 0)


async def test_keywords_and_filters_are_capped(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    too_many = [{"keyword": f"k{i}"} for i in range(MAX_KEYWORDS + 1)]
    response = await api.request("POST", FILTERS, token, json={"title": "t", "context": ["home"],
                                                               "keywords_attributes": too_many})
    assert response.status == 422
    assert (await response.json())["error"] == (
        f"Validation failed: Keywords are too many (at most {MAX_KEYWORDS} per filter)")
    assert await _rows(api) == (0, 0, 0)
    full = await _create(api, token, keywords_attributes=too_many[:MAX_KEYWORDS])
    one_more = await api.request("POST", f"{FILTERS}/{full['id']}/keywords", token, data={"keyword": "x"})
    assert one_more.status == 422
    update = await api.request("PUT", f"{FILTERS}/{full['id']}", token,
                               json={"keywords_attributes": [{"keyword": "x"}]})
    assert update.status == 422
    assert await _rows(api) == (1, MAX_KEYWORDS, 0)
    for _ in range(MAX_FILTERS - 1):
        await _create(api, token)
    assert (await api.request("POST", FILTERS, token, json={"title": "t", "context": ["home"]})).status == 422
    assert await api.count(CustomFilter) == MAX_FILTERS


async def test_another_members_filters_are_not_found_and_untouched(api: Api) -> None:
    ana, bea = await api.member("ana"), await api.member("bea")
    ana_token, bea_token = await api.token_for("ana"), await api.token_for("bea")
    made = await _create(api, ana_token, keywords_attributes=[{"keyword": "dune"}])
    post = await status(api, ana, "hello")
    added = await _add_status(api, ana_token, made, post.id)
    keyword_id = made["keywords"][0]["id"]
    before = await _rows(api)
    for method, path, body in (
            ("GET", f"{FILTERS}/{made['id']}", None), ("PUT", f"{FILTERS}/{made['id']}", {"title": "mine"}),
            ("DELETE", f"{FILTERS}/{made['id']}", None), ("GET", f"{FILTERS}/{made['id']}/keywords", None),
            ("POST", f"{FILTERS}/{made['id']}/keywords", {"keyword": "x"}),
            ("POST", f"{FILTERS}/{made['id']}/statuses", {"status_id": str(post.id)}),
            ("GET", f"{FILTERS}/keywords/{keyword_id}", None),
            ("PUT", f"{FILTERS}/keywords/{keyword_id}", {"keyword": "x"}),
            ("DELETE", f"{FILTERS}/keywords/{keyword_id}", None),
            ("GET", f"{FILTERS}/statuses/{added['id']}", None),
            ("DELETE", f"{FILTERS}/statuses/{added['id']}", None),
            ("GET", f"/api/v1/filters/{keyword_id}", None),
            ("PUT", f"/api/v1/filters/{keyword_id}", {"phrase": "x"}),
            ("DELETE", f"/api/v1/filters/{keyword_id}", None), ("GET", f"{FILTERS}/999", None),
            ("GET", f"{FILTERS}/nope", None)):
        response = await api.request(method, path, bea_token, json=body)
        assert response.status == 404, (method, path)
        assert await response.json() == {"error": "Record not found"}
    assert await api.json("GET", FILTERS, bea_token) == []
    assert await _rows(api) == before
    assert (await api.json("GET", f"{FILTERS}/{made['id']}", ana_token))["title"] == "t"
    del bea


async def test_a_status_filter_needs_a_status_the_member_may_see(api: Api) -> None:
    await api.member("ana")
    bea = await api.member("bea")
    token = await api.token_for("ana")
    made = await _create(api, token)
    hidden = await status(api, bea, "followers only", visibility="private")
    for status_id in (str(hidden.id), "12345", "x"):
        response = await _add_status(api, token, made, status_id, status=404)
        assert response == {"error": "Record not found"}, status_id
    seen = await status(api, bea, "public")
    await _add_status(api, token, made, seen.id)
    await _add_status(api, token, made, seen.id, status=422)
    assert await _rows(api) == (1, 0, 1)


async def test_filters_need_their_scopes(api: Api) -> None:
    await api.member("ana")
    reader = await api.token_for("ana", scope="read:filters")
    assert (await api.request("GET", FILTERS, reader)).status == 200
    body = {"title": "t", "context": ["home"]}
    assert (await api.request("POST", FILTERS, reader, json=body)).status == 403
    other = await api.token_for("ana", scope="read:statuses")
    assert (await api.request("GET", FILTERS, other)).status == 403
    assert (await api.request("GET", FILTERS)).status == 401
    assert await _rows(api) == (0, 0, 0)


async def test_a_refused_update_changes_nothing(api: Api) -> None:
    await api.member("ana")
    await api.member("bea")
    token, other = await api.token_for("ana"), await api.token_for("bea")
    made = await _create(api, token, title="kept", keywords_attributes=[{"keyword": "dune"}])
    theirs = await _create(api, other, keywords_attributes=[{"keyword": "spice"}])
    path, their_keyword = f"{FILTERS}/{made['id']}", theirs["keywords"][0]["id"]
    for body, status_code in (
            ({"title": "new", "context": ["home", "bad"]}, 422),
            ({"title": "new", "keywords_attributes": [{"keyword": "x"}, {"keyword": " "}]}, 422),
            ({"title": "new", "keywords_attributes": [{"id": their_keyword, "_destroy": True}]}, 404),
            ({"title": "new", "filter_action": "nuke"}, 422), ({"title": "new", "expires_in": -5}, 422)):
        response = await api.request("PUT", path, token, json=body)
        assert response.status == status_code, body
    assert await api.json("GET", path, token) == made
    assert await api.json("GET", f"{FILTERS}/{theirs['id']}", other) == theirs
    assert await _rows(api) == (2, 2, 0)


async def test_blur_is_accepted_as_an_action(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana")
    made = await _create(api, token, filter_action="blur")
    assert made["filter_action"] == "blur"
