"""`languages[]` on follow: stored on the follow, changed by following again, shown in the
Relationship entity (null: every language); bad codes are a 422 that changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Follow, OutboxActivity
from tests.ui.api.schemas import RELATIONSHIP, assert_entity
from tests.ui.client_api import Api

ACC = "/api/v1/accounts"


async def _languages(api: Api) -> list[list[str] | None]:
    async with api.services.sessions() as session:
        return [f.languages for f in (await session.scalars(select(Follow))).all()]


async def test_follow_in_some_languages_then_change_them(any_api: Api) -> None:
    api = any_api
    await api.member("ana")
    bea = await api.member("bea")
    token = await api.token_for("ana", "read write follow")
    follow = f"{ACC}/{bea.id}/follow"
    rel = await api.json("POST", follow, token, data=[("languages[]", "en"), ("languages[]", "PT")])
    assert_entity(rel, RELATIONSHIP)
    assert rel["following"] is True and rel["languages"] == ["en", "pt"]
    assert await _languages(api) == [["en", "pt"]]
    [listed] = await api.json("GET", f"{ACC}/relationships?id[]={bea.id}", token)
    assert listed["languages"] == ["en", "pt"]
    rel = await api.json("POST", follow, token, json={"languages": ["de"]})  # following again: replaced
    assert rel["languages"] == ["de"]
    rel = await api.json("POST", follow, token, json={"notify": True})  # not sent: kept
    assert rel["languages"] == ["de"] and rel["notifying"] is True
    rel = await api.json("POST", follow, token, json={"languages": []})  # none chosen: every language
    assert rel["languages"] is None and await _languages(api) == [None]


async def test_bad_language_codes_are_refused_and_change_nothing(any_api: Api) -> None:
    api = any_api
    await api.member("ana")
    bea = await api.member("bea")
    token = await api.token_for("ana", "read write follow")
    follow = f"{ACC}/{bea.id}/follow"
    for bad in (["english"], ["en", "x1"], ["<script>"], [a + b for a in "ab" for b in "abcdefghijklmnop"]):
        response = await api.request("POST", follow, token, json={"languages": bad})
        assert response.status == 422, bad
        assert "language" in (await response.json())["error"]
    assert await _languages(api) == []
    await api.json("POST", follow, token, json={"languages": ["fr"]})
    refused = await api.request("POST", follow, token, json={"languages": ["french"]})
    assert refused.status == 422 and await _languages(api) == [["fr"]]
    async with api.services.sessions() as session:
        assert (await session.scalars(select(OutboxActivity))).all() == []  # a local follow sends nothing
