"""Uploads and attachments of local accounts: what is stored, what is refused, what a post carries."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.media import remote_cache, transcoding, uploads
from actors.posts import posting
from actors.reading.parts import load_parts
from federation.render import note_document
from federation.services import Services
from storage import settings
from storage.blobs import BlobStore
from storage.db import session_maker
from storage.errors import Invalid, NotFound
from storage.models import Actor, MediaAttachment, Status, utcnow
from tests import av_samples as av
from tests import media_samples as samples
from tests.actors.factories import add, delivered, follows, local_actor, post, remote_actor, run_fanouts, seed


async def upload(services: Services, author: Actor, data: bytes, **kwargs: Any) -> MediaAttachment:
    kwargs.setdefault("filename", "upload.bin")
    async with services.sessions() as session, session.begin():
        return await uploads.upload(session, services, author, data, **kwargs)


async def rows(engine: AsyncEngine) -> int:
    async with session_maker(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(MediaAttachment)) or 0)


def files_under(root: Path) -> set[Path]:
    return set(root.rglob("*")) if root.exists() else set()


async def test_an_upload_is_stored_under_random_names_with_its_renditions(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    row = await upload(services, author, samples.jpeg_with_gps_and_orientation(), filename="me at home.jpg",
                       declared_type="image/jpeg", description="  My garden  ", focus=(0.5, -0.5))
    assert (row.type, row.content_type, row.status_id, row.description) == ("image", "image/jpeg", None,
                                                                             "My garden")
    assert (row.focus_x, row.focus_y) == (0.5, -0.5) and row.meta["focus"] == {"x": 0.5, "y": -0.5}
    assert row.meta["original"]["size"] == "48x64"  # turned by its EXIF orientation
    store = BlobStore(services.config.media_dir)
    assert row.file_key and row.thumbnail_key and row.small_key and row.blurhash
    assert all(store.exists(k) for k in (row.file_key, row.thumbnail_key, row.small_key))
    assert "garden" not in row.file_key and "home" not in row.file_key
    with Image.open(store.path(row.file_key)) as original:
        assert len(original.getexif()) == 0 and original.size == (48, 64)
    assert row.file_size == store.path(row.file_key).stat().st_size


async def test_audio_and_video_are_processing_until_their_job_transcodes_them(
        services: Services, author: Actor) -> None:
    av.require_ffmpeg()
    video = await upload(services, author, av.video(), declared_type="video/webm", focus=(0.5, 0.5))
    audio = await upload(services, author, av.audio())
    for row, kind, content_type in ((video, "video", "video/mp4"), (audio, "audio", "audio/mpeg")):
        assert (row.type, row.content_type, row.processing) == (kind, content_type, "processing")
        assert row.file_key is None
        await transcoding.transcode(services, row.id)
    store = BlobStore(services.config.media_dir)
    async with services.sessions() as session:
        video, audio = [m for m in [await session.get(MediaAttachment, i) for i in (video.id, audio.id)] if m]
    assert video.processing == "ready" and video.file_key and video.file_key.endswith(".mp4")
    assert video.thumbnail_key and store.exists(video.thumbnail_key) and video.blurhash
    assert video.meta["focus"] == {"x": 0.5, "y": 0.5} and video.meta["original"]["size"] == "64x48"
    assert audio.processing == "ready" and audio.file_key and audio.file_key.endswith(".mp3")
    assert audio.thumbnail_key is None and audio.file_size == store.path(audio.file_key).stat().st_size


# -- hostile uploads: a clear error, no file anywhere, no row ------------------------------

HOSTILE = {
    "bomb": (samples.png_bomb(), "bomb.png", "image/png", "100000x100000 pixels"),
    "svg": (samples.SVG, "logo.png", "image/png", "SVG images, HTML and other text files are not accepted"),
    "html_named_png": (b"<!doctype html><script>x</script>", "cat.png", "image/png", "are not accepted"),
    "damaged": (samples.png()[:70], "x.png", "image/png", "damaged"),
    "heic": (samples.heic_head(), "IMG_0001.HEIC", "image/heic", "HEIC/HEIF images are not accepted"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_uploads_are_refused_and_leave_nothing(
        services: Services, engine: AsyncEngine, author: Actor, tmp_path: Path, case: str) -> None:
    data, filename, declared, message = HOSTILE[case]
    before = files_under(tmp_path)
    with pytest.raises(Invalid, match=message):
        await upload(services, author, data, filename=filename, declared_type=declared)
    assert files_under(tmp_path) == before
    assert files_under(Path(services.config.media_dir)) == set()
    assert await rows(engine) == 0


async def test_an_oversized_image_is_refused_before_it_is_decoded(
        services: Services, engine: AsyncEngine, author: Actor, tmp_path: Path) -> None:
    data = samples.png() + b"\x00" * services.config.limits.max_image_bytes  # valid PNG, padded
    with pytest.raises(Invalid, match=r"an image may be at most 16\.0 MiB"):
        await upload(services, author, data)
    assert files_under(Path(services.config.media_dir)) == set() and await rows(engine) == 0


async def test_an_oversized_upload_is_refused_before_it_is_read() -> None:
    reads: list[int] = []

    async def read(size: int) -> bytes:
        reads.append(size)
        return b"x" * size

    with pytest.raises(Invalid, match=r"the file is 50\.0 MiB; a file may be at most 40\.0 MiB"):
        await uploads.read_limited(read, declared_length=50 * 1_048_576, limit=40 * 1_048_576)
    assert reads == []


async def test_an_undeclared_oversized_upload_stops_at_the_limit() -> None:
    reads: list[int] = []

    async def read(size: int) -> bytes:
        reads.append(size)
        return b"x" * size

    with pytest.raises(Invalid, match="more than 1,000 bytes"):
        await uploads.read_limited(read, declared_length=None, limit=1000, chunk=300)
    assert len(reads) == 4  # 1,200 bytes read, not the endless stream


async def test_a_file_whose_name_and_declared_type_lie_is_taken_by_its_content(
        services: Services, author: Actor) -> None:
    row = await upload(services, author, samples.png(), filename="photo.jpg", declared_type="image/jpeg")
    assert row.content_type == "image/png" and str(row.file_key).endswith(".png")


@pytest.mark.parametrize("filename", ["../../x.png", "/etc/passwd", "x\x00.html", "..\\..\\x.png",
                                      "a/b/c.png"])
async def test_the_filename_never_becomes_a_path(services: Services, author: Actor, tmp_path: Path,
                                                 filename: str) -> None:
    row = await upload(services, author, samples.png(), filename=filename)
    media_dir = Path(services.config.media_dir).resolve()
    written = {p for p in files_under(tmp_path) if p.is_file()}
    assert written and all(p.resolve().is_relative_to(media_dir) for p in written)
    assert all(p.suffix in (".png", ".jpg", ".webp") and len(p.stem) == 40 for p in written)
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{40}\.png", str(row.file_key))
    assert not (tmp_path.parent / "x.png").exists()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"description": "x" * 1501}, "a description is at most 1500 characters"),
    ({"focus": (0.0, 1.5)}, "focus must be two numbers from -1 to 1"),
    ({"focus": (float("nan"), 0.0)}, "focus must be two numbers from -1 to 1"),
])
async def test_descriptions_and_focus_are_checked_before_anything_is_stored(
        services: Services, engine: AsyncEngine, author: Actor, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        await upload(services, author, samples.png(), **kwargs)
    assert files_under(Path(services.config.media_dir)) == set() and await rows(engine) == 0


def test_focus_is_read_from_mastodons_form_field() -> None:
    assert uploads.parse_focus("0.5,-0.25") == (0.5, -0.25)
    with pytest.raises(Invalid):
        uploads.parse_focus("1,2,3")


def test_the_limits_apps_are_told_are_the_enforced_ones(services: Services) -> None:
    limits = uploads.api_limits(services.config)
    assert limits["image_size_limit"] == services.config.limits.max_image_bytes
    assert limits["image_matrix_limit"] == 40_000_000 and limits["description_limit"] == 1500
    types = limits["supported_mime_types"]
    assert "image/png" in types and "image/svg+xml" not in types and "text/html" not in types


# -- attaching to posts ------------------------------------------------------------------

async def create(services: Services, author: Actor, **kwargs: Any) -> Status:
    return await post(services, author, **kwargs)


async def test_a_post_carries_its_attachments_in_order_and_they_federate(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    follower = remote_actor("rita", "remote.example")
    await seed(engine, follower)
    await add(engine, *follows([follower], author))
    first = await upload(services, author, samples.png(), description="first")
    second = await upload(services, author, samples.webp(), description="second")
    status = await create(services, author, text="", media_ids=[str(second.id), first.id])
    async with services.sessions() as session:
        parts = (await load_parts(session, [status.id]))[status.id]
    assert [m.id for m in parts.media] == [second.id, first.id]
    await run_fanouts(services)
    note = next(iter((await delivered(engine)).values()))[0]["object"]
    assert [a["name"] for a in note["attachment"]] == ["second", "first"]
    image = note["attachment"][1]
    assert image["type"] == "Document" and image["mediaType"] == "image/png"
    assert image["url"] == f"http://amity.test/media/{first.file_key}"
    assert image["width"] == 64 and image["height"] == 48 and image["focalPoint"] == [0.0, 0.0]
    assert image["blurhash"] == first.blurhash


@pytest.mark.parametrize("problem", ["too_many", "twice", "someone_elses", "missing", "attached"])
async def test_media_ids_are_checked(services: Services, engine: AsyncEngine, author: Actor,
                                     problem: str) -> None:
    other = local_actor("bo")
    await seed(engine, other)
    mine = [await upload(services, author, samples.png()) for _ in range(5 if problem == "too_many" else 1)]
    ids: list[int] = [m.id for m in mine]
    expected = {"too_many": "at most 4 attachments", "twice": "listed twice",
                "someone_elses": "does not exist or is not yours",
                "missing": "does not exist or is not yours",
                "attached": "already attached to another status"}[problem]
    if problem == "twice":
        ids = ids * 2
    elif problem == "someone_elses":
        ids = [(await upload(services, other, samples.png())).id]
    elif problem == "missing":
        ids = [12345]
    elif problem == "attached":
        await create(services, author, media_ids=ids)
    with pytest.raises(Invalid, match=expected):
        await create(services, author, text="again", media_ids=ids)
    async with services.sessions() as session:
        texts = (await session.scalars(select(Status.content))).all()
    assert all("again" not in t for t in texts)


async def test_a_post_needs_text_or_media(services: Services, author: Actor) -> None:
    with pytest.raises(Invalid, match="a status needs some text"):
        await create(services, author, text="")


async def test_require_alt_text_refuses_an_undescribed_attachment_by_name(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    async with services.sessions() as session, session.begin():
        await settings.set_value(session, "require_alt_text", True)
    described = await upload(services, author, samples.png(), description="a chart")
    bare = await upload(services, author, samples.png())
    with pytest.raises(Invalid, match=rf"attachment 2 of 2 \(id {bare.id}\) has none"):
        await create(services, author, text="look", media_ids=[described.id, bare.id])
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Status)) == 0
        assert (await session.get(MediaAttachment, bare.id)).status_id is None  # type: ignore[union-attr]
    status = await create(services, author, text="look", media_ids=[described.id])
    assert status.id


async def test_an_edit_changes_the_set_and_the_descriptions(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    one = await upload(services, author, samples.png(), description="one")
    two = await upload(services, author, samples.png(), description="two")
    three = await upload(services, author, samples.webp())
    status = await create(services, author, text="v1", media_ids=[one.id, two.id])
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Status, status.id)
        assert fresh is not None
        await posting.edit_status(session, services, author, fresh, text="v2", media_ids=[three.id, one.id],
                                  media_changes=[uploads.MediaChange(three.id, description="three",
                                                                   focus=(0.1, 0.2))])
    async with services.sessions() as session:
        parts = (await load_parts(session, [status.id]))[status.id]
        detached = await session.get(MediaAttachment, two.id)
    assert [(m.id, m.description) for m in parts.media] == [(three.id, "three"), (one.id, "one")]
    assert (parts.media[0].focus_x, parts.media[0].focus_y) == (0.1, 0.2)
    assert detached is not None and detached.status_id is None


async def test_an_edit_cannot_describe_what_the_status_does_not_carry(
        services: Services, author: Actor) -> None:
    one = await upload(services, author, samples.png())
    loose = await upload(services, author, samples.png())
    status = await create(services, author, text="v1", media_ids=[one.id])
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Status, status.id)
        assert fresh is not None
        with pytest.raises(Invalid, match=f"attachment {loose.id} is not part of this status"):
            await posting.edit_status(session, services, author, fresh, text="v2",
                                      media_changes=[uploads.MediaChange(loose.id, description="x")])


async def test_an_unposted_upload_can_be_described_only_by_its_owner(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    other = local_actor("cy")
    await seed(engine, other)
    row = await upload(services, author, samples.png())
    async with services.sessions() as session, session.begin():
        changed = await uploads.update_media(session, services.config, author, row.id,
                                           description="now described")
        assert changed.description == "now described"
        with pytest.raises(NotFound):
            await uploads.update_media(session, services.config, other, row.id, description="mine now")


async def test_note_document_of_a_status_without_media_has_an_empty_attachment_list(
        services: Services, author: Actor) -> None:
    status = await create(services, author, text="plain")
    async with services.sessions() as session:
        parts = (await load_parts(session, [status.id]))[status.id]
    assert note_document(status, author, local_domain="amity.test", parts=parts)["attachment"] == []


async def test_prune_removes_old_unposted_uploads_and_keeps_posted_and_recent_ones(
        services: Services, engine: AsyncEngine, author: Actor) -> None:
    posted = await upload(services, author, samples.png())
    await create(services, author, text="with a picture", media_ids=[posted.id])
    stale = await upload(services, author, samples.png())
    recent = await upload(services, author, samples.png())
    async with session_maker(engine)() as session, session.begin():
        for row_id in (posted.id, stale.id):
            await session.execute(update(MediaAttachment).where(MediaAttachment.id == row_id)
                                  .values(created_at=utcnow() - timedelta(days=3)))
    store = BlobStore(services.config.media_dir)
    result = await remote_cache.prune(services.sessions, store, older_than=timedelta(days=1))
    assert (result.orphans, result.files) == (1, 3)
    async with services.sessions() as session:
        assert await session.get(MediaAttachment, stale.id) is None
        assert await session.get(MediaAttachment, posted.id) is not None
        assert await session.get(MediaAttachment, recent.id) is not None
    assert not store.exists(str(stale.file_key)) and store.exists(str(posted.file_key))
