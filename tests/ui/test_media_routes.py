"""`GET /media/{key}` and `amity media prune`: files served so that none can act as a page."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from actors.media import uploads
from storage import ffmpeg
from storage.blobs import BlobStore
from storage.config import NodeConfig, load_config
from storage.db import create_engine, session_maker
from storage.models import Actor, MediaAttachment, Status, utcnow
from tests import media_samples as samples
from tests.actors.factories import local_actor, remote_actor, seed
from ui.app import create_app
from ui.cli import main
from ui.keys import ENGINE, SERVICES

TestClient.__test__ = False
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, config: NodeConfig) -> Client:
    return await aiohttp_client(create_app(config, run_workers=False))


async def uploaded(client: Client, data: bytes) -> MediaAttachment:
    app = client.app
    assert app is not None
    author: Actor = local_actor(f"u{id(data) % 10_000}")
    await seed(app[ENGINE], author)
    services = app[SERVICES]
    async with services.sessions() as session, session.begin():
        return await uploads.upload(session, services, author, data, filename="../../index.html")


async def test_an_image_is_served_with_its_verified_type_and_safe_headers(client: Client) -> None:
    row = await uploaded(client, samples.png())
    response = await client.get(f"/media/{row.file_key}")
    assert response.status == 200 and response.content_type == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "immutable" in response.headers["Cache-Control"] and "Content-Disposition" not in response.headers
    assert client.app is not None
    assert await response.read() == BlobStore(client.app[SERVICES].config.media_dir).read(str(row.file_key))
    for key in (row.thumbnail_key, row.small_key):
        preview = await client.get(f"/media/{key}")
        assert preview.status == 200 and preview.content_type in ("image/jpeg", "image/webp")


async def test_a_polyglot_is_served_as_an_image_without_its_payload(client: Client) -> None:
    row = await uploaded(client, samples.polyglot_png())
    response = await client.get(f"/media/{row.file_key}")
    body = await response.read()
    assert response.content_type == "image/png" and b"<script" not in body


async def test_an_animated_gif_with_a_payload_still_cannot_act_as_a_page(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ffmpeg, "FFMPEG", "not-installed")  # kept as a GIF, not made a video
    row = await uploaded(client, samples.gif(animated=True) + samples.HTML_PAYLOAD)
    response = await client.get(f"/media/{row.file_key}")
    assert response.content_type == "image/gif"  # kept as uploaded, payload and all
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_audio_is_served_in_ranges(client: Client, config: NodeConfig) -> None:
    key = BlobStore(config.media_dir).put(samples.mp3_head(), suffix="mp3")  # as transcoding stores it
    response = await client.get(f"/media/{key}", headers={"Range": "bytes=0-9"})
    assert response.status == 206 and response.content_type == "audio/mpeg"
    assert await response.read() == samples.mp3_head()[:10]
    assert response.headers["Content-Range"].startswith("bytes 0-9/")


async def test_a_file_of_no_media_type_is_a_download_never_a_page(client: Client, config: NodeConfig) -> None:
    key = BlobStore(config.media_dir).put(samples.HTML_PAYLOAD, suffix="html")
    response = await client.get(f"/media/{key}")
    assert response.content_type == "application/octet-stream"
    assert response.headers["Content-Disposition"] == "attachment"


@pytest.mark.parametrize("path", [
    "/media/", "/media/ab/", "/media/ab/cd/" + "0" * 40 + ".png", "/media/..%2F..%2Fsecret.txt",
    "/media/ab/cd/../../../secret.txt", "/media/%2e%2e/%2e%2e/secret.txt", "/media//etc/passwd",
    "/media/ab/cd/" + "0" * 40 + ".png%00.html",
])
async def test_unknown_keys_are_not_found(client: Client, config: NodeConfig, path: str) -> None:
    (Path(config.media_dir).parent / "secret.txt").write_text("secret")
    response = await client.get(path)
    assert response.status == 404
    assert "secret" not in await response.text()


# -- amity media prune --------------------------------------------------------------------

def test_prune_deletes_old_cached_copies_and_says_how_many(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    config_path = tmp_path / "data" / "amity.toml"
    assert main(["--config", str(config_path), "init", "--domain", "localhost:8080",
                 "--admin-password", "owner password"]) == 0
    config = load_config(config_path)
    store = BlobStore(config.media_dir)
    key = store.put(b"cached copy", suffix="png")

    async def add_cached_attachment() -> None:
        engine = create_engine(config.database_url)
        try:
            rita = remote_actor("rita", "remote.example")
            await seed(engine, rita)
            async with session_maker(engine)() as session, session.begin():
                status = Status(uri="https://remote.example/notes/1", actor_id=rita.id)
                session.add(status)
                await session.flush()
                session.add(MediaAttachment(actor_id=rita.id, status_id=status.id, file_key=key, file_size=11,
                                            remote_url="https://remote.example/a.png",
                                            cached_at=utcnow() - timedelta(days=9)))
        finally:
            await engine.dispose()

    asyncio.run(add_cached_attachment())
    capsys.readouterr()
    assert main(["--config", str(config_path), "media", "prune", "--older-than", "10"]) == 0
    assert store.exists(key) and "0 files deleted" in capsys.readouterr().out
    assert main(["--config", str(config_path), "media", "prune", "--older-than", "7"]) == 0
    out = capsys.readouterr().out
    assert not store.exists(key)
    assert "1/1 attachments" in out and "1 files deleted" in out and "1 cached copies dropped" in out


def test_prune_refuses_a_negative_age(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["media", "prune", "--older-than", "-1"]) == 2
    assert "--older-than must be 0 or more days" in capsys.readouterr().err
