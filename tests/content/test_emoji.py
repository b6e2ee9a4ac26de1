"""Custom emoji: image checks, the `amity emoji` commands, remote emoji rows, the /media/ route."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.posts import emoji
from federation.services import Services
from storage.blobs import BlobStore
from storage.errors import Invalid
from storage.models import CustomEmoji
from tests.conftest import make_config
from tests.content.emoji_images import png
from ui.app import create_app
from ui.cli import main


@pytest.mark.parametrize(("fmt", "expected"), [("PNG", ("image/png", "png")), ("GIF", ("image/gif", "gif")),
                                               ("WEBP", ("image/webp", "webp"))])
def test_png_gif_and_webp_are_accepted(fmt: str, expected: tuple[str, str]) -> None:
    assert emoji.inspect_image(png(fmt=fmt)) == expected


@pytest.mark.parametrize(("data", "message"), [
    (png(size=(8, 8), fmt="BMP"), "PNG, GIF or WebP"),
    (png(size=(600, 10)), "at most 512x512"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a readable"),
    (png()[:40], "not a readable"),
    (b"\x89PNG" + b"\0" * (300 * 1024), "at most 256 KiB"),
])
def test_other_files_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        emoji.inspect_image(data)


@pytest.mark.parametrize("name", ["a", "has space", "dash-ed", "../x", ":x:", "x" * 65])
def test_shortcodes_are_letters_digits_and_underscores(name: str) -> None:
    with pytest.raises(Invalid):
        emoji.check_shortcode(name)


@pytest.fixture
def node(tmp_path: Path) -> Path:
    config = tmp_path / "amity.toml"
    assert main(["--config", str(config), "init", "--domain", "localhost:8080",
                 "--admin-password", "owner pw"]) == 0
    return config


def test_emoji_add_list_remove(node: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = tmp_path / "party.png"
    image.write_bytes(png())
    assert main(["--config", str(node), "emoji", "add", "party", str(image), "--category", "fun"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added :party: (image/png") and "/media/" in out
    stored = list((tmp_path / "media").rglob("*.png"))
    assert len(stored) == 1 and stored[0].read_bytes() == image.read_bytes()
    assert main(["--config", str(node), "emoji", "list"]) == 0
    listing = capsys.readouterr().out
    assert ":party:" in listing and "fun" in listing
    assert main(["--config", str(node), "emoji", "add", "party", str(image)]) == 1
    assert "already an emoji :party:" in capsys.readouterr().err
    assert main(["--config", str(node), "emoji", "remove", "party"]) == 0
    assert not stored[0].exists()
    assert main(["--config", str(node), "emoji", "remove", "party"]) == 1
    assert "no emoji :party:" in capsys.readouterr().err


def test_a_bad_file_or_name_is_one_line_and_stores_nothing(node: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    assert main(["--config", str(node), "emoji", "add", "fake", str(fake)]) == 1
    assert main(["--config", str(node), "emoji", "add", "bad name", str(fake)]) == 1
    assert main(["--config", str(node), "emoji", "add", "missing", str(tmp_path / "nope.png")]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("amity: ") for e in errors)
    assert "not a readable" in errors[0] and "letters, digits or underscores" in errors[1]
    assert "cannot read" in errors[2]
    assert not (tmp_path / "media").exists() or not list((tmp_path / "media").rglob("*.*"))
    main(["--config", str(node), "emoji", "list"])
    assert "no custom emoji" in capsys.readouterr().out


async def test_remote_emoji_are_stored_per_domain_and_refreshed_when_updated(
        services: Services, engine: AsyncEngine) -> None:
    first = emoji.RemoteEmoji("blob", "https://r.example/emojis/1", "https://r.example/blob.png", "image/png",
                              datetime(2025, 1, 1, tzinfo=UTC))
    async with services.sessions() as session, session.begin():
        [row] = await emoji.upsert_remote(session, "r.example", [first])
        [same] = await emoji.upsert_remote(session, "r.example", [first])
        assert same.id == row.id
        newer = emoji.RemoteEmoji("blob", first.uri, "https://r.example/blob2.png", "image/gif",
                                  datetime(2025, 2, 1, tzinfo=UTC))
        older = emoji.RemoteEmoji("blob", first.uri, "https://r.example/old.png", "image/png",
                                  datetime(2024, 1, 1, tzinfo=UTC))
        await emoji.upsert_remote(session, "r.example", [newer])
        await emoji.upsert_remote(session, "r.example", [older])
        [other] = await emoji.upsert_remote(session, "s.example", [first])
    async with services.sessions() as session:
        rows = (await session.scalars(select(CustomEmoji).order_by(CustomEmoji.domain))).all()
    assert [(r.domain, r.image_url, r.content_type) for r in rows] == [
        ("r.example", "https://r.example/blob2.png", "image/gif"),
        ("s.example", "https://r.example/blob.png", "image/png")]
    assert other.id != row.id and not rows[0].visible_in_picker


async def test_local_emoji_files_are_served_from_media_with_safe_headers(
        aiohttp_client: AiohttpClient, sqlite_url: str, tmp_path: Path) -> None:
    config = make_config(sqlite_url, tmp_path)
    client: TestClient = await aiohttp_client(create_app(config, run_workers=False))
    key = BlobStore(config.media_dir).put(png(), suffix="png")
    response = await client.get(f"/media/{key}")
    assert response.status == 200 and await response.read() == png()
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    for bad in ("../amity.toml", "ab/cd/" + "0" * 40 + ".png", "%2e%2e/%2e%2e/etc/passwd", key + "x"):
        assert (await client.get(f"/media/{bad}")).status == 404, bad
