"""Remote attachments: rows from incoming posts, replaced on Update, domain rules, the cache job, prune."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohappyeyeballs import AddrInfoType
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.media import remote_cache
from federation.client import OutboundClient
from federation.services import Services
from inbox.apply.statuses import apply_edit, parse_status, store_status
from storage import settings
from storage.blobs import BlobStore
from storage.db import session_maker
from storage.models import MEDIA_FAILED, Actor, DomainRule, Job, MediaAttachment, Status
from storage.worker import Registry, Worker, drain
from tests import media_samples as samples
from tests.actors.factories import remote_actor, seed
from tests.network_fakes import FakeResolver

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def note(author: Actor, attachments: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"id": f"{author.uri}/notes/1", "type": "Note", "attributedTo": author.uri, "content": "<p>hi</p>",
            "to": [PUBLIC], "attachment": attachments, **fields}


def image(url: str, name: str = "a photo", **fields: Any) -> dict[str, Any]:
    return {"type": "Document", "mediaType": "image/png", "url": url, "name": name,
            "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "focalPoint": [0.5, 0.5], "width": 64, "height": 48,
            **fields}


@pytest.fixture
async def rita(engine: AsyncEngine) -> Actor:
    actor = remote_actor("rita", "remote.example")
    await seed(engine, actor)
    return actor


async def receive(services: Services, author: Actor, doc: dict[str, Any]) -> Status:
    async with services.sessions() as session, session.begin():
        status = await store_status(session, parse_status(doc, author), author)
    assert status is not None
    return status


async def attachments_of(services: Services, status_id: int | None = None) -> list[MediaAttachment]:
    query = select(MediaAttachment).order_by(MediaAttachment.position, MediaAttachment.id)
    if status_id is not None:
        query = query.where(MediaAttachment.status_id == status_id)
    async with services.sessions() as session:
        return list((await session.scalars(query)).all())


async def cache_jobs(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Job)
                                        .where(Job.kind == remote_cache.CACHE_KIND)) or 0)


async def set_setting(services: Services, key: str, value: Any) -> None:
    async with services.sessions() as session, session.begin():
        await settings.set_value(session, key, value)


async def test_a_remote_posts_attachments_are_stored_as_metadata(services: Services, rita: Actor) -> None:
    status = await receive(services, rita, note(rita, [
        image("https://files.remote.example/1.png", name="<b>bold</b> cat"),
        {"type": "Document", "mediaType": "video/mp4", "url": "https://files.remote.example/2.mp4"},
        image("javascript:alert(1)")]))
    rows = await attachments_of(services, status.id)
    assert [(r.type, r.remote_url, r.file_key) for r in rows] == [
        ("image", "https://files.remote.example/1.png", None),
        ("video", "https://files.remote.example/2.mp4", None)]
    assert rows[0].description == "<b>bold</b> cat"  # plain text: escaped wherever it is shown
    assert (rows[0].focus_x, rows[0].meta["original"]["size"]) == (0.5, "64x48")
    assert await cache_jobs(services) == 0  # cache_remote_media is off by default


async def test_reject_media_stores_no_attachment_rows(services: Services, engine: AsyncEngine,
                                                      rita: Actor) -> None:
    async with session_maker(engine)() as session, session.begin():
        session.add(DomainRule(domain="remote.example", policy="silence", reject_media=True))
    await set_setting(services, "cache_remote_media", True)
    status = await receive(services, rita, note(rita, [image("https://cdn.elsewhere.example/1.png")]))
    assert status.content == "<p>hi</p>"
    assert await attachments_of(services) == [] and await cache_jobs(services) == 0


async def test_an_update_replaces_the_attachments(services: Services, rita: Actor) -> None:
    status = await receive(services, rita, note(rita, [image("https://files.remote.example/1.png")]))
    edited = note(rita, [image("https://files.remote.example/2.png", name="new")],
                  updated="2030-01-01T00:00:00Z")
    async with services.sessions() as session, session.begin():
        stored = await session.get(Status, status.id)
        assert stored is not None
        assert await apply_edit(session, stored, parse_status(edited, rita)) is True
    rows = await attachments_of(services, status.id)
    assert [(r.remote_url, r.description) for r in rows] == [("https://files.remote.example/2.png", "new")]


# -- the cache job ----------------------------------------------------------------------

class NoSockets:
    """A socket factory that records every connection attempt and opens none but loopback."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __call__(self, addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, address = addr_info
        self.attempts.append(str(address[0]))
        if address[0] != "127.0.0.1":
            raise OSError(f"test refuses to connect to {address[0]}")
        return socket.socket(family, kind, proto)


@pytest.fixture
async def file_server(aiohttp_server: AiohttpServer) -> AsyncIterator[str]:
    bodies = {"/cat.png": (samples.jpeg_with_gps_and_orientation(), "image/png"),  # the type lies
              "/page.png": (b"<html><script>x</script></html>", "image/png"),
              "/page.html": (b"<html></html>", "text/html")}

    async def serve(request: web.Request) -> web.Response:
        body, kind = bodies[request.path]
        return web.Response(body=body, content_type=kind)

    app = web.Application()
    app.router.add_get("/{name}", serve)
    server = await aiohttp_server(app)
    yield f"http://127.0.0.1:{server.port}"


async def run_cache_jobs(services: Services) -> int:
    registry = Registry()
    registry.register(remote_cache.CACHE_KIND, remote_cache.run_cache)
    return await drain(Worker(services.engine, registry, deps=services, queues=("default",)))


async def test_the_cache_job_copies_a_remote_image_and_processes_it(
        services: Services, rita: Actor, file_server: str) -> None:
    await set_setting(services, "cache_remote_media", True)
    status = await receive(services, rita, note(rita, [image(f"{file_server}/cat.png")]))
    assert await cache_jobs(services) == 1
    assert await run_cache_jobs(services) == 1
    [row] = await attachments_of(services, status.id)
    assert row.cached_at is not None and row.file_key and row.thumbnail_key
    assert row.content_type == "image/jpeg"  # by content, whatever the server said
    assert row.meta["original"]["size"] == "48x64" and row.meta["focus"] == {"x": 0.5, "y": 0.5}
    data = BlobStore(services.config.media_dir).read(row.file_key)
    assert b"Exif" not in data and row.remote_url == f"{file_server}/cat.png"


@pytest.mark.parametrize("path", ["/page.png", "/page.html"])
async def test_the_cache_job_refuses_what_is_not_media(
        services: Services, rita: Actor, file_server: str, path: str) -> None:
    await set_setting(services, "cache_remote_media", True)
    status = await receive(services, rita, note(rita, [image(f"{file_server}{path}")]))
    await run_cache_jobs(services)
    [row] = await attachments_of(services, status.id)
    assert row.file_key is None and row.processing == MEDIA_FAILED
    media_dir = Path(services.config.media_dir)
    assert not media_dir.exists() or not any(p.is_file() for p in media_dir.rglob("*"))


async def test_the_cache_job_never_connects_to_a_private_address(
        services: Services, rita: Actor) -> None:
    resolver, sockets = FakeResolver(), NoSockets()
    resolver.table["files.remote.example"] = ["169.254.169.254"]
    await services.client.close()
    services.client = OutboundClient(resolver=resolver, socket_factory=sockets)
    await set_setting(services, "cache_remote_media", True)
    status = await receive(services, rita, note(rita, [image("http://files.remote.example/a.png")]))
    await run_cache_jobs(services)
    [row] = await attachments_of(services, status.id)
    assert row.file_key is None and row.processing == MEDIA_FAILED
    assert sockets.attempts == []


async def test_a_rule_added_after_the_post_stops_the_fetch(
        services: Services, engine: AsyncEngine, rita: Actor, file_server: str) -> None:
    await set_setting(services, "cache_remote_media", True)
    status = await receive(services, rita, note(rita, [image(f"{file_server}/cat.png")]))
    async with session_maker(engine)() as session, session.begin():
        session.add(DomainRule(domain="remote.example", policy="silence", reject_media=True))
    await run_cache_jobs(services)
    [row] = await attachments_of(services, status.id)
    assert row.file_key is None and row.processing != MEDIA_FAILED


# -- prune ------------------------------------------------------------------------------

async def test_prune_drops_old_copies_keeps_their_rows_and_removes_orphans(
        services: Services, engine: AsyncEngine, rita: Actor, file_server: str) -> None:
    await set_setting(services, "cache_remote_media", True)
    old = await receive(services, rita, note(rita, [image(f"{file_server}/cat.png")]))
    fresh_doc = note(rita, [image(f"{file_server}/cat.png?2")], id=f"{rita.uri}/notes/2")
    await run_cache_jobs(services)
    fresh = await receive(services, rita, fresh_doc)
    await run_cache_jobs(services)
    [old_row] = await attachments_of(services, old.id)
    [fresh_row] = await attachments_of(services, fresh.id)
    assert old_row.file_key and fresh_row.file_key
    async with session_maker(engine)() as session, session.begin():
        await session.execute(update(MediaAttachment).where(MediaAttachment.id == old_row.id)
                              .values(cached_at=old_row.cached_at - timedelta(days=40)))  # type: ignore[operator]
        orphan = MediaAttachment(actor_id=rita.id, remote_url="https://files.remote.example/gone.png",
                                 file_key=BlobStore(services.config.media_dir).put(b"x", suffix="png"))
        session.add(orphan)
    store = BlobStore(services.config.media_dir)
    seen: list[int] = []
    result = await remote_cache.prune(services.sessions, store, older_than=timedelta(days=30),
                                     batch_size=1, progress=lambda r, total: seen.append(total))
    assert (result.attachments, result.orphans, result.files) == (1, 1, 4)
    assert seen == [2, 2]
    [pruned] = await attachments_of(services, old.id)
    assert pruned.file_key is None and pruned.cached_at is None and pruned.remote_url == old_row.remote_url
    assert not store.exists(str(old_row.file_key)) and store.exists(str(fresh_row.file_key))
    async with services.sessions() as session:
        assert await session.get(MediaAttachment, orphan.id) is None
        assert await remote_cache.ensure_cached(session, [pruned]) == 1  # copied again on demand
