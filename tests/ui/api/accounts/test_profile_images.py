"""Avatar and header uploads in `update_credentials`, and `DELETE /api/v1/profile/avatar|header`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from aiohttp import FormData
from PIL import Image
from sqlalchemy import select

from actors.accounts.profile_images import MAX_PROFILE_IMAGE_BYTES
from storage.models import ACCEPTED, Actor, Follow, OutboxActivity
from tests import media_samples
from tests.ui.client_api import Api

UPDATE = "/api/v1/accounts/update_credentials"
MISSING_AVATAR = "http://amity.test/avatars/original/missing.png"


def _form(**files: bytes) -> FormData:
    form = FormData({"display_name": "Changed"})
    for name, data in files.items():
        form.add_field(name, io.BytesIO(data), filename=f"{name}.png", content_type="image/png")
    return form


def _blobs(api: Api) -> list[Path]:
    return [p for p in Path(api.config.media_dir).rglob("*") if p.is_file()]


async def _actor(api: Api, actor_id: int) -> Actor:
    async with api.services.sessions() as session:
        actor = await session.get(Actor, actor_id)
    assert actor is not None
    return actor


async def _with_remote_follower(api: Api, ana: Actor) -> None:
    uri = "https://remote.example/users/carl"
    async with api.services.sessions() as session, session.begin():
        carl = Actor(username="carl", domain="remote.example", uri=uri, inbox_url=f"{uri}/inbox")
        session.add(carl)
        await session.flush()
        session.add(Follow(follower_id=carl.id, followee_id=ana.id, state=ACCEPTED, uri=f"{uri}#f"))


def _image_at(api: Api, url: str) -> Image.Image:
    key = url.removeprefix("http://amity.test/media/")
    return Image.open(io.BytesIO((Path(api.config.media_dir) / key).read_bytes()))


async def test_avatar_is_cropped_header_shrunk_both_stored_and_federated(any_api: Api) -> None:
    api = any_api
    ana = await api.member("ana")
    await _with_remote_follower(api, ana)
    token = await api.token_for("ana", "write:accounts")
    photo = media_samples.jpeg_with_gps_and_orientation(800, 600)
    wide = media_samples.encode(media_samples.gradient(2000, 500), "PNG")  # 1,000,000 pixels
    body = await api.json("PATCH", UPDATE, token, data=_form(avatar=photo, header=wide))
    assert body["display_name"] == "Changed"
    assert body["avatar"].startswith("http://amity.test/media/") and body["avatar"].endswith(".jpg")
    assert body["avatar_static"] == body["avatar"] and body["header_static"] == body["header"]
    avatar, header = _image_at(api, body["avatar"]), _image_at(api, body["header"])
    assert avatar.size == (400, 400)  # cropped to fill, as Mastodon
    assert header.size == (1732, 433)  # shrunk to at most 750,000 pixels, shape kept, as Mastodon
    assert not avatar.getexif()  # the GPS position and orientation tag are gone
    actor = await _actor(api, ana.id)
    assert actor.avatar_url == body["avatar"] and actor.header_url == body["header"]
    assert actor.avatar_blob is not None and body["avatar"].endswith(actor.avatar_blob)
    async with api.services.sessions() as session:
        [sent] = (await session.scalars(select(OutboxActivity))).all()
    assert sent.body["type"] == "Update"
    assert sent.body["object"]["icon"] == {"type": "Image", "mediaType": "image/jpeg", "url": body["avatar"]}
    assert sent.body["object"]["image"]["url"] == body["header"]
    assert len(_blobs(api)) == 2


async def test_a_new_avatar_replaces_and_deletes_the_old_one(api: Api) -> None:
    ana = await api.member("ana")
    token = await api.token_for("ana", "write:accounts")
    first = await api.json("PATCH", UPDATE, token, data=_form(avatar=media_samples.png()))
    old = await _actor(api, ana.id)
    second = await api.json("PATCH", UPDATE, token, data=_form(avatar=media_samples.webp()))
    assert second["avatar"] != first["avatar"] and second["avatar"].endswith(".webp")
    assert old.avatar_blob is not None and not (Path(api.config.media_dir) / old.avatar_blob).exists()
    assert len(_blobs(api)) == 1


async def test_an_animated_gif_becomes_a_still_png(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "write:accounts")
    body = await api.json("PATCH", UPDATE, token, data=_form(avatar=media_samples.gif(animated=True)))
    assert body["avatar"].endswith(".png") and _image_at(api, body["avatar"]).size == (400, 400)


@pytest.mark.parametrize("how", ["empty field", "json", "delete"])
async def test_removing_the_avatar(any_api: Api, how: str) -> None:
    api = any_api
    ana = await api.member("ana")
    await _with_remote_follower(api, ana)
    token = await api.token_for("ana", "write:accounts")
    await api.json("PATCH", UPDATE, token, data=_form(avatar=media_samples.png(), header=media_samples.png()))
    if how == "empty field":
        body = await api.json("PATCH", UPDATE, token, data=FormData({"avatar": ""}))
    elif how == "json":
        body = await api.json("PATCH", UPDATE, token, json={"avatar": ""})
    else:
        body = await api.json("DELETE", "/api/v1/profile/avatar", token)
    assert body["avatar"] == MISSING_AVATAR and body["header"].startswith("http://amity.test/media/")
    actor = await _actor(api, ana.id)
    assert (actor.avatar_blob, actor.avatar_url) == (None, None) and actor.header_blob is not None
    assert len(_blobs(api)) == 1
    async with api.services.sessions() as session:
        sent = (await session.scalars(select(OutboxActivity).order_by(OutboxActivity.id))).all()
    assert [a.body["type"] for a in sent] == ["Update", "Update"] and "icon" not in sent[1].body["object"]


async def test_deleting_an_absent_header_changes_nothing(api: Api) -> None:
    ana = await api.member("ana")
    await _with_remote_follower(api, ana)
    token = await api.token_for("ana", "write:accounts")
    body = await api.json("DELETE", "/api/v1/profile/header", token)
    assert body["header"] == "http://amity.test/headers/original/missing.png"
    assert await api.count(OutboxActivity) == 0
    await api.json("DELETE", "/api/v1/profile/header", await api.token_for("ana", "read"), status=403)


@pytest.mark.parametrize(("data", "status", "message"),
                         ids=["html", "text", "svg", "video", "bomb", "damaged", "oversized"], argvalues=[
    (media_samples.HTML_PAYLOAD, 422, "not accepted"),
    (b'{"not": "an image"}', 422, "the avatar must be a PNG, JPEG, GIF or WebP image"),
    (media_samples.SVG, 422, "SVG"),
    (media_samples.mp4_head(), 422, "must be a PNG, JPEG, GIF or WebP image, not video/mp4"),
    (media_samples.png_bomb(), 422, "pixels"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 16, 422, "could not be read"),
    (b"\xff\xd8\xff" + b"\0" * (MAX_PROFILE_IMAGE_BYTES + 1), 413, "at most 8.0 MiB"),
])
async def test_hostile_images_are_refused_and_nothing_is_kept(api: Api, data: bytes, status: int,
                                                               message: str) -> None:
    ana = await api.member("ana", display_name="Ana")
    await _with_remote_follower(api, ana)
    token = await api.token_for("ana", "write:accounts")
    body = await api.json("PATCH", UPDATE, token, status=status, data=_form(avatar=data))
    assert message in body["error"]
    assert _blobs(api) == []
    actor = await _actor(api, ana.id)
    assert (actor.display_name, actor.avatar_blob, actor.avatar_url) == ("Ana", None, None)
    assert await api.count(OutboxActivity) == 0


async def test_a_good_image_with_a_bad_field_keeps_nothing(api: Api) -> None:
    ana = await api.member("ana", display_name="Ana")
    token = await api.token_for("ana", "write:accounts")
    form = _form(avatar=media_samples.png())
    form.add_field("note", "n" * 501)
    body = await api.json("PATCH", UPDATE, token, status=422, data=form)
    assert "note" in body["error"] and _blobs(api) == []
    assert (await _actor(api, ana.id)).avatar_blob is None


async def test_a_file_sent_as_text_is_refused(api: Api) -> None:
    await api.member("ana")
    token = await api.token_for("ana", "write:accounts")
    body = await api.json("PATCH", UPDATE, token, status=422, json={"avatar": "data:image/png;base64,AAAA"})
    assert "multipart" in body["error"] and _blobs(api) == []
