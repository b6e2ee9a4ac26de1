"""The composition root: the one place that wires storage, federation, actors, inbox and ui."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from storage.config import NodeConfig
from storage.db import claim_process_tag, create_engine, session_maker
from storage.worker import Worker
from ui import health
from ui.jobs import build_registry
from ui.keys import CONFIG, ENGINE, HTTP, REGISTRY, SESSIONS, WORKER
from ui.middlewares import errors, request_context

USER_AGENT = "Amity/0.1.0"


def create_app(config: NodeConfig, *, run_workers: bool = True,
               transport: aiohttp.BaseConnector | None = None) -> web.Application:
    """Build the web application. `transport` replaces the outbound connector (tests)."""
    app = web.Application(
        middlewares=[request_context, errors],
        client_max_size=config.limits.max_request_bytes,
    )
    app[CONFIG] = config
    app[REGISTRY] = build_registry()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_client(transport))
    if run_workers:
        app.cleanup_ctx.append(_workers)
    health.setup(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[CONFIG].database_url)
    app[ENGINE] = engine
    app[SESSIONS] = session_maker(engine)
    await claim_process_tag(engine)
    yield
    await engine.dispose()


def _http_client(
    transport: aiohttp.BaseConnector | None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=30, connect=10, sock_read=20)
        session = aiohttp.ClientSession(
            connector=transport, timeout=timeout, headers={"User-Agent": USER_AGENT},
            connector_owner=transport is None,
        )
        app[HTTP] = session
        yield
        await session.close()
    return ctx


async def _workers(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    worker = Worker(
        app[ENGINE], app[REGISTRY], deps=None,
        concurrency=config.limits.worker_concurrency,
        batch_size=config.limits.job_batch_size,
        lease_seconds=config.limits.job_lease_seconds,
    )
    app[WORKER] = worker
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop), name="amity-worker")
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
