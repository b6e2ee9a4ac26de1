"""A status, poll or media id that exists but may not be seen answers exactly as one that never
existed: same status code, same body (with the id itself set aside), on every route that takes
one. Otherwise anyone could probe ids for private posts and others' uploads."""

from __future__ import annotations

from typing import Any

from aiohttp import FormData

from storage.models import Bookmark, Favourite, Pin, Status
from storage.models.base import new_id
from tests.media_samples import png
from tests.ui.client_api import Api

READS = ("", "/context", "/history", "/source", "/favourited_by", "/reblogged_by")
ACTIONS = ("favourite", "unfavourite", "reblog", "unreblog", "bookmark", "unbookmark", "pin", "unpin",
           "mute", "unmute")


async def _answer(api: Api, token: str, method: str, path: str, probe: str, **kwargs: Any) -> tuple[int, str]:
    response = await api.request(method, path, token, **kwargs)
    return response.status, (await response.text()).replace(probe, "ID")


async def _same(api: Api, token: str, hidden: str, method: str, template: str,
                data: Any = None) -> None:
    """`template` (with `{id}`) answers the same for the hidden id and for an unused one."""
    unused = str(new_id())
    answers = [await _answer(api, token, method, template.format(id=probe), probe,
                             data=data(probe) if callable(data) else data) for probe in (hidden, unused)]
    assert answers[0] == answers[1], (method, template, answers)
    assert answers[0][0] >= 400, (method, template, answers)


async def _upload(api: Api, token: str) -> str:
    form = FormData()
    form.add_field("file", png(), filename="picture.png", content_type="image/png")
    return str((await api.json("POST", "/api/v2/media", token, data=form))["id"])


async def _setup(api: Api) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    await api.member("alice")
    await api.member("bob")
    alice, bob = await api.token_for("alice"), await api.token_for("bob")
    hidden = await api.json("POST", "/api/v1/statuses", alice,
                            data={"status": "secret", "visibility": "private"})
    poll = await api.json("POST", "/api/v1/statuses", alice, data=[
        ("status", "secret poll"), ("visibility", "private"), ("poll[options][]", "a"),
        ("poll[options][]", "b"), ("poll[expires_in]", "3600")])
    return alice, bob, hidden, poll


async def _counts(api: Api) -> list[int]:
    return [await api.count(model) for model in (Status, Favourite, Bookmark, Pin)]


async def test_status_routes_answer_a_hidden_status_as_a_missing_one(any_api: Api) -> None:
    api = any_api
    _, bob, hidden, _ = await _setup(api)
    before = await _counts(api)
    for suffix in READS:
        await _same(api, bob, hidden["id"], "GET", "/api/v1/statuses/{id}" + suffix)
    for action in ACTIONS:
        await _same(api, bob, hidden["id"], "POST", "/api/v1/statuses/{id}/" + action)
    await _same(api, bob, hidden["id"], "PUT", "/api/v1/statuses/{id}", data={"status": "mine now"})
    await _same(api, bob, hidden["id"], "DELETE", "/api/v1/statuses/{id}")
    await _same(api, bob, hidden["id"], "POST", "/api/v1/statuses",
                data=lambda probe: {"status": "a reply", "in_reply_to_id": probe})
    assert await _counts(api) == before  # nothing favourited, boosted, bookmarked, pinned or posted


async def test_poll_routes_answer_a_hidden_poll_as_a_missing_one(api: Api) -> None:
    _, bob, _, poll = await _setup(api)
    await _same(api, bob, poll["poll"]["id"], "GET", "/api/v1/polls/{id}")
    await _same(api, bob, poll["poll"]["id"], "POST", "/api/v1/polls/{id}/votes", data={"choices[]": "0"})


async def test_another_members_upload_answers_as_a_missing_one(api: Api) -> None:
    alice, bob, _, _ = await _setup(api)
    theirs = await _upload(api, alice)
    attached = await _upload(api, alice)
    await api.json("POST", "/api/v1/statuses", alice, data={"status": "a picture", "media_ids[]": attached})
    before = await _counts(api)
    for media in (theirs, attached):
        await _same(api, bob, media, "GET", "/api/v1/media/{id}")
        await _same(api, bob, media, "PUT", "/api/v1/media/{id}", data={"description": "stolen"})
        await _same(api, bob, media, "POST", "/api/v1/statuses",
                    data=lambda probe: {"status": "look", "media_ids[]": probe})
    assert await _counts(api) == before


async def test_activitypub_and_pages_answer_a_hidden_status_as_a_missing_one(api: Api) -> None:
    _, _, hidden, _ = await _setup(api)
    unused = str(new_id())
    for template, accept in (("/users/alice/statuses/{id}", "application/activity+json"),
                             ("/users/alice/statuses/{id}/activity", "application/activity+json"),
                             ("/@alice/{id}", "text/html")):
        answers = []
        for probe in (hidden["id"], unused):
            response = await api.client.get(template.format(id=probe), headers={"Accept": accept},
                                            allow_redirects=False)
            answers.append((response.status, (await response.text()).replace(probe, "ID")))
        assert answers[0] == answers[1] and answers[0][0] == 404, (template, answers)
