"""The composition root: health, readiness, error bodies by route family, request ids."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select

from inbox.maintenance import MAINTENANCE_KIND
from storage import queue
from storage.config import NodeConfig
from storage.models import Job
from storage.periodic import ensure_scheduled
from storage.probe import PROBE_KIND
from tests.conftest import make_config
from ui.app import create_app
from ui.jobs import PERIODIC
from ui.keys import SERVICES, WORKER

TestClient.__test__ = False


async def _client(aiohttp_client: AiohttpClient, config: NodeConfig, *, run_workers: bool = False,
                  extra: web.RouteTableDef | None = None) -> TestClient[web.Request, web.Application]:
    app = create_app(config, run_workers=run_workers)
    if extra is not None:
        app.router.add_routes(extra)
    return await aiohttp_client(app)


async def test_health_answers_without_the_database(aiohttp_client: AiohttpClient, config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config)
    response = await client.get("/health")
    assert response.status == 200 and await response.json() == {"status": "ok"}


async def test_ready_when_the_database_is_migrated(aiohttp_client: AiohttpClient, config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config)
    response = await client.get("/ready")
    assert response.status == 200
    assert await response.json() == {"status": "ready", "database": "ok", "migrations": "current"}


async def test_not_ready_while_migrations_are_pending(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    config = make_config(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", tmp_path)
    client = await _client(aiohttp_client, config)
    response = await client.get("/ready")
    assert response.status == 503
    assert (await response.json())["migrations"] == "pending: run `amity migrate`"


async def test_errors_are_shaped_by_route_family(aiohttp_client: AiohttpClient, config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config)
    api = await client.get("/api/v1/statuses/nope")
    assert api.status == 404 and api.content_type == "application/json"
    assert set(await api.json()) == {"error"}
    token = await client.post("/oauth/token/unknown")  # the middleware shapes this 404
    body = await token.json()
    assert token.status == 404 and body["error"] == "invalid_request" and "error_description" in body
    well_known = await client.get("/.well-known/nothing")
    assert well_known.content_type == "application/json"
    page = await client.get("/no/such/page")
    assert page.status == 404 and page.content_type == "text/html"
    assert "<h1>404 Not Found</h1>" in await page.text()


async def test_an_unexpected_error_leaks_no_traceback(aiohttp_client: AiohttpClient,
                                                      config: NodeConfig) -> None:
    routes = web.RouteTableDef()

    @routes.get("/api/v1/boom")
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals at /srv/amity")

    client = await _client(aiohttp_client, config, extra=routes)
    response = await client.get("/api/v1/boom")
    body = await response.json()
    assert response.status == 500
    assert "secret internals" not in body["error"] and "Traceback" not in body["error"]
    assert response.headers["X-Request-Id"] in body["error"]


async def test_each_response_carries_a_request_id(aiohttp_client: AiohttpClient, config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config)
    first = (await client.get("/health")).headers["X-Request-Id"]
    second = (await client.get("/health")).headers["X-Request-Id"]
    assert first != second and len(first) == 16
    echoed = await client.get("/health", headers={"X-Request-Id": "proxy-given-id-123"})
    assert echoed.headers["X-Request-Id"] == "proxy-given-id-123"
    refused = await client.get("/health", headers={"X-Request-Id": "<script>"})
    assert refused.headers["X-Request-Id"] != "<script>"


async def test_oversized_bodies_are_refused(aiohttp_client: AiohttpClient, tmp_path: Path,
                                            sqlite_url: str) -> None:
    routes = web.RouteTableDef()

    @routes.post("/api/v1/echo")
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"size": len(await request.read())})

    config = make_config(sqlite_url, tmp_path, limits={"max_request_bytes": 1000})
    client = await _client(aiohttp_client, config, extra=routes)
    assert (await client.post("/api/v1/echo", data=b"x" * 900)).status == 200
    response = await client.post("/api/v1/echo", data=b"x" * 5000)
    assert response.status == 413 and "error" in await response.json()


async def test_the_app_runs_its_own_workers(aiohttp_client: AiohttpClient, config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config, run_workers=True)
    app = client.app
    async with app[SERVICES].sessions() as session, session.begin():
        await queue.enqueue_many(session, PROBE_KIND, [{} for _ in range(25)])
    app[WORKER].wake()
    remaining = 25
    for _ in range(300):  # bounded: at most ~3 s
        async with app[SERVICES].sessions() as session:
            remaining = int(await session.scalar(
                select(func.count()).select_from(Job).where(Job.kind == PROBE_KIND)) or 0)
        if remaining == 0:
            break
        await asyncio.sleep(0.01)
    assert remaining == 0


async def test_starting_workers_queues_each_periodic_job_once(aiohttp_client: AiohttpClient,
                                                                 config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config, run_workers=True)
    sessions = client.app[SERVICES].sessions
    assert not await ensure_scheduled(sessions, MAINTENANCE_KIND)  # a second process starting
    async with client.app[SERVICES].sessions() as session:
        kinds = (await session.scalars(select(Job.kind))).all()
    assert sorted(kinds) == sorted(PERIODIC)


async def test_html_answers_carry_a_restrictive_content_security_policy(aiohttp_client: AiohttpClient,
                                                                       config: NodeConfig) -> None:
    client = await _client(aiohttp_client, config)
    page = await client.get("/no/such/page")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    api = await client.get("/health")
    assert "Content-Security-Policy" not in api.headers and api.headers["X-Content-Type-Options"] == "nosniff"
