"""Link preview cards: one guarded fetch per URL, shared, refreshed, and hostile pages refused.

Pages are served on loopback by a fake server named `cards.test` (the only private host the
node may reach here); `internal.test` resolves to a private address the guard must refuse.
Names resolve through `FakeResolver` and every connection attempt is recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.outgoing.fanout import FANOUT_KIND, run_fanout
from actors.posts import cards, posting
from actors.posts.cards import CARD_KIND, card_for, fetch_card
from federation.client import OutboundClient
from federation.services import Services
from storage.db import session_maker
from storage.models import Actor, MediaAttachment, PreviewCard, Status, StatusCard, utcnow
from storage.worker import Registry, Worker, drain
from tests.actors.factories import jobs, post, remote_actor, seed
from tests.conftest import make_config
from tests.inbox.fakes import Peer, Recorder
from tests.network_fakes import FakeResolver

OG_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Riverside Community Centre</title>
<meta property="og:title" content="Spring fair at Riverside">
<meta property="og:description" content="Stalls, music &amp; a bake sale, Saturday 10-4.">
<meta property="og:image" content="/img/fair.jpg"><meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630"><meta property="og:site_name" content="Riverside CC">
</head><body><p>Welcome</p></body></html>"""


def html(body: bytes, *, content_type: str = "text/html; charset=utf-8", status: int = 200) -> Any:
    async def respond(_request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, status=status, headers={"Content-Type": content_type})
    return respond


@pytest.fixture
async def pages(aiohttp_server: AiohttpServer) -> Peer:
    fake = Peer()
    server = await aiohttp_server(fake.app(), host="127.0.0.1")
    assert server.port is not None
    fake.port = server.port
    return fake


@pytest.fixture
def resolver() -> FakeResolver:
    fake = FakeResolver()
    fake.table["cards.test"] = ["127.0.0.1"]
    fake.table["internal.test"] = ["10.0.0.5"]
    return fake


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def services(module_db: str, engine: AsyncEngine, tmp_path: Path, resolver: FakeResolver,
                   recorder: Recorder) -> AsyncIterator[Services]:
    config = make_config(module_db, tmp_path, allowed_private_hosts=["cards.test"])
    client = OutboundClient.from_config(config, resolver=resolver, socket_factory=recorder)
    client.signer = lambda method, url, body, content_type: {"Signature": "would-be-signed"}
    yield Services(config=config, engine=engine, sessions=session_maker(engine), client=client)
    await client.close()


async def rows(engine: AsyncEngine, model: Any, *where: Any) -> list[Any]:
    async with session_maker(engine)() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def posted_with_link(services: Services, author: Actor, url: str, **kwargs: Any) -> Status:
    return await post(services, author, text=f"See {url} for details", **kwargs)


async def card_id(services: Services, status: Status) -> int | None:
    """The id of the card shown with `status` (None: it has none)."""
    async with services.sessions() as session:
        card = await card_for(session, status.id)
    return None if card is None else card.id


# --- the card ------------------------------------------------------------------------------------

async def test_a_local_post_with_a_link_gets_a_card_from_the_pages_opengraph(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    seen: list[dict[str, str]] = []

    async def page(request: web.Request) -> web.StreamResponse:
        seen.append(dict(request.headers))
        return web.Response(body=OG_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    url = pages.url("cards.test", "/fair")
    pages.serve(url, page)
    status = await posted_with_link(services, author, url)
    async with services.sessions() as session:
        (job,) = await jobs(session, CARD_KIND)
    assert job.payload == {"status_id": status.id}
    card = await fetch_card(services, status.id)
    assert card is not None and await card_id(services, status) == card.id
    assert (card.url, card.type, card.title) == (url, "link", "Spring fair at Riverside")
    assert card.description == "Stalls, music & a bake sale, Saturday 10-4."
    assert (card.image_url, card.width, card.height) == (pages.url("cards.test", "/img/fair.jpg"), 1200, 630)
    assert (card.provider_name, card.language, card.error) == ("Riverside CC", "en", None)
    assert "/img/fair.jpg" not in " ".join(pages.hits)  # the image is not fetched
    (headers,) = seen
    assert headers["Accept"] == "text/html" and "Signature" not in headers  # a plain browser-like GET


async def test_a_second_post_with_the_same_link_reuses_the_card_without_a_fetch(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    url = pages.url("cards.test", "/fair")
    pages.serve(url, html(OG_PAGE))
    first = await posted_with_link(services, author, url)
    second = await posted_with_link(services, author, url)
    one, two = await fetch_card(services, first.id), await fetch_card(services, second.id)
    assert one is not None and two is not None and one.id == two.id
    assert pages.hits.count("cards.test/fair") == 1
    assert len(await rows(engine, PreviewCard)) == 1 and len(await rows(engine, StatusCard)) == 2


async def test_a_card_is_fetched_again_after_two_weeks(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    url = pages.url("cards.test", "/fair")
    pages.serve(url, html(OG_PAGE))
    await fetch_card(services, (await posted_with_link(services, author, url)).id)
    pages.serve(url, html(OG_PAGE.replace(b"Spring fair", b"Summer fair")))
    async with services.sessions() as session, session.begin():
        await session.execute(update(PreviewCard).values(fetched_at=utcnow() - timedelta(days=15)))
    card = await fetch_card(services, (await posted_with_link(services, author, url)).id)
    assert card is not None and card.title == "Summer fair at Riverside"
    assert pages.hits.count("cards.test/fair") == 2


async def test_posts_with_media_a_content_warning_or_no_link_get_no_card(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    url = pages.url("cards.test", "/fair")
    pages.serve(url, html(OG_PAGE))
    warned = await posted_with_link(services, author, url, summary="spoilers")
    plain = await post(services, author, text="no link at all")
    with_media = await posted_with_link(services, author, url)
    async with services.sessions() as session:
        assert [j.payload["status_id"] for j in await jobs(session, CARD_KIND)] == [with_media.id]
    async with services.sessions() as session, session.begin():
        session.add(MediaAttachment(actor_id=author.id, status_id=with_media.id, type="image"))
    for status in (warned, plain, with_media):
        assert await fetch_card(services, status.id) is None
    assert pages.hits == [] and await rows(engine, PreviewCard) == []


async def test_an_edit_that_changes_the_link_changes_the_card(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    old, new = pages.url("cards.test", "/fair"), pages.url("cards.test", "/market")
    pages.serve(old, html(OG_PAGE))
    pages.serve(new, html(b"<html><head><title>Farmers market</title></head></html>"))
    status = await posted_with_link(services, author, old)
    await fetch_card(services, status.id)
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Status, status.id)
        assert fresh is not None
        await posting.edit_status(session, services, author, fresh, text=f"Moved: {new}")
    assert await card_id(services, status) is None
    card = await fetch_card(services, status.id)
    assert card is not None and card.title == "Farmers market" and await card_id(services, status) == card.id


async def test_a_remote_post_gets_its_card_job_spread_over_a_minute(
        services: Services, engine: AsyncEngine, pages: Peer) -> None:
    from inbox.apply.statuses import parse_status, store_status
    rita = remote_actor("rita", "p.example")
    await seed(engine, rita)
    url = pages.url("cards.test", "/fair")
    doc = {"id": "https://p.example/notes/1", "type": "Note", "attributedTo": rita.uri,
           "content": f'<p>Look <a href="{url}">here</a></p>',
           "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    async with services.sessions() as session, session.begin():
        status = await store_status(session, parse_status(doc, rita), rita)
    assert status is not None
    async with services.sessions() as session:
        (job,) = await jobs(session, CARD_KIND)
    assert job.payload == {"status_id": status.id} and job.run_after >= job.created_at + 1000
    pages.serve(url, html(OG_PAGE))
    assert await fetch_card(services, status.id) is not None


# --- hostile pages -------------------------------------------------------------------------------

async def _failed(services: Services, engine: AsyncEngine, author: Actor, url: str) -> PreviewCard:
    """Fetch the card of a new post linking `url`; it must fail, be remembered and not linked."""
    status = await posted_with_link(services, author, url)
    assert await fetch_card(services, status.id) is None
    (card,) = await rows(engine, PreviewCard)
    assert card.error and card.fetched_at is not None and card.title == ""
    assert await rows(engine, StatusCard) == []
    return card


async def test_a_script_in_the_title_is_stored_as_plain_text(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    url = pages.url("cards.test", "/xss")
    pages.serve(url, html(b"<html><head><title><script>alert(document.cookie)</script>Fair &lt;b&gt;day"
                          b"</title><meta name=description content='<img src=x onerror=alert(1)>hi'>"
                          b"<meta property='og:image' content='javascript:alert(1)'></head></html>"))
    card = await fetch_card(services, (await posted_with_link(services, author, url)).id)
    assert card is not None and card.title == "Fair day" and card.description == "hi"
    assert card.image_url is None


@pytest.mark.parametrize("content_type", ["application/json", "image/svg+xml", "text/plain"])
async def test_a_page_that_is_not_html_gives_no_card(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer, content_type: str) -> None:
    url = pages.url("cards.test", "/data")
    pages.serve(url, html(OG_PAGE, content_type=content_type))
    card = await _failed(services, engine, author, url)
    assert "Content-Type" in (card.error or "")


async def test_a_failing_page_ends_its_job_and_is_not_retried_in_a_loop(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    url = pages.url("cards.test", "/gone")
    pages.serve(url, 500)
    await posted_with_link(services, author, url)
    registry = Registry()
    registry.register(CARD_KIND, cards.run_card, policy=cards.CARD_POLICY)
    registry.register(FANOUT_KIND, run_fanout)
    assert await drain(Worker(engine, registry, deps=services, queues=("default",))) == 2
    async with services.sessions() as session:
        assert await jobs(session, CARD_KIND) == []  # done, not waiting for a retry
    (card,) = await rows(engine, PreviewCard)
    assert "500" in (card.error or "") and await rows(engine, StatusCard) == []
    assert await fetch_card(services, (await posted_with_link(services, author, url)).id) is None
    assert pages.hits.count("cards.test/gone") == 1  # the failure is remembered
    async with services.sessions() as session, session.begin():
        await session.execute(update(PreviewCard).values(fetched_at=utcnow() - timedelta(days=2)))
    pages.serve(url, html(OG_PAGE))
    assert await fetch_card(services, (await posted_with_link(services, author, url)).id) is not None


async def test_a_huge_page_is_read_only_up_to_the_cap(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer) -> None:
    total = 64 * 1024 * 1024
    sent: list[int] = []

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<html><head><title>")
        written, chunk = 0, b"x" * 65536
        try:
            while written < total:
                await response.write(chunk)
                written += len(chunk)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            sent.append(written)
        return response
    url = pages.url("cards.test", "/huge")
    pages.serve(url, huge)
    card = await _failed(services, engine, author, url)
    assert "has no title" in (card.error or "")  # the title never ended within 1 MiB
    for _ in range(100):  # the server notices the closed connection when it next writes
        if sent:
            break
        await asyncio.sleep(0.05)
    assert sent and sent[0] < total


async def test_a_redirect_to_a_private_address_is_refused_before_connecting(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer, recorder: Recorder) -> None:
    url = pages.url("cards.test", "/go")

    async def redirect(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("http://internal.test/admin")
    pages.serve(url, redirect)
    card = await _failed(services, engine, author, url)
    assert "internal.test" in (card.error or "")
    assert {address for address, _port in recorder.attempts} == {"127.0.0.1"}  # never 10.0.0.5
    assert pages.hits == ["cards.test/go"]


async def test_a_redirect_to_a_loopback_address_is_refused(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer, recorder: Recorder) -> None:
    url = pages.url("cards.test", "/go")

    async def redirect(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"http://127.0.0.1:{pages.port}/secret")  # allowed only by name
    pages.serve(url, redirect)
    card = await _failed(services, engine, author, url)
    assert "127.0.0.1" in (card.error or "")
    assert pages.hits == ["cards.test/go"]  # /secret never reached


async def test_a_page_slower_than_the_time_limit_gives_no_card(
        services: Services, engine: AsyncEngine, author: Actor, pages: Peer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cards, "FETCH_SECONDS", 0.2)
    release = asyncio.Event()

    async def slow(_request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response(body=OG_PAGE, content_type="text/html")
    url = pages.url("cards.test", "/slow")
    pages.serve(url, slow)
    try:
        card = await _failed(services, engine, author, url)
    finally:
        release.set()
    assert "took longer than 0.2 s" in (card.error or "")
