"""`actors.posts.posting.NewStatus`: what a post leaves out is the member's own default, decided in
posting itself (not by each caller), and a reply to what the author may not see answers as a
reply to nothing."""

from __future__ import annotations

import pytest
from aiohttp import FormData

from actors.posts import posting
from storage.errors import Invalid
from storage.models import Actor, Status
from tests.media_samples import png
from tests.ui.client_api import Api


async def _create(api: Api, author: Actor, new: posting.NewStatus) -> Status:
    async with api.services.sessions() as session, session.begin():
        return await posting.create_status(session, api.services, author, new)


async def test_visibility_left_out_is_the_members_default_privacy(api: Api) -> None:
    ana = await api.member("ana")
    await api.update_user(ana, default_privacy="private")
    assert (await _create(api, ana, posting.NewStatus(text="default"))).visibility == "private"
    chosen = await _create(api, ana, posting.NewStatus(text="chosen", visibility="unlisted"))
    assert chosen.visibility == "unlisted"


async def test_sensitive_left_out_is_the_members_default_for_posts_with_media(api: Api) -> None:
    ana = await api.member("ana")
    await api.update_user(ana, default_sensitive=True)
    token = await api.token_for("ana")
    form = FormData()
    form.add_field("file", png(), filename="a.png", content_type="image/png")
    media_id = (await api.json("POST", "/api/v2/media", token, data=form))["id"]
    assert (await _create(api, ana, posting.NewStatus(text="photo", media_ids=[media_id]))).sensitive
    assert not (await _create(api, ana, posting.NewStatus(text="no photo"))).sensitive
    assert not (await _create(api, ana, posting.NewStatus(text="said so", sensitive=False))).sensitive


async def test_the_application_is_recorded_on_the_status(api: Api) -> None:
    ana = await api.member("ana")
    token = await api.token_for("ana")
    posted = await api.json("POST", "/api/v1/statuses", token, json={"status": "from an app"})
    assert posted["application"] is not None and posted["application"]["name"] == "Test app"
    assert (await _create(api, ana, posting.NewStatus(text="no app"))).application_id is None


async def test_replying_to_a_hidden_status_is_refused_as_replying_to_none(api: Api) -> None:
    ana, bea = await api.member("ana"), await api.member("bea")
    private = await _create(api, bea, posting.NewStatus(text="just me", visibility="direct"))
    errors = []
    for target in (private.id, private.id + 1_000_000):
        with pytest.raises(Invalid) as refused:
            await _create(api, ana, posting.NewStatus(text="hi", in_reply_to_id=target))
        errors.append(str(refused.value))
    assert errors[0] == errors[1]
    reply = await _create(api, bea, posting.NewStatus(text="to myself", in_reply_to_id=private.id))
    assert reply.in_reply_to_id == private.id
