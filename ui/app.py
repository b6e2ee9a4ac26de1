"""The composition root: the one place that wires storage, federation, actors, inbox and ui."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from federation.httpsig.fetch_gate import Budget
from federation.httpsig.keylookup import KEY_CACHE, KeyCache
from inbox import routes as inbox_routes
from storage.config import NodeConfig
from storage.settings import SettingCache
from storage.worker import Worker
from ui import activitypub, api, health, media, oauth, ratelimit
from ui import web as pages
from ui.jobs import QUEUES, build_registry, schedule_periodic
from ui.keys import CONFIG, ENGINE, REGISTRY, SERVICES, SETTINGS_CACHE, WORKER
from ui.middlewares import errors, request_context
from ui.services import Transport, open_services


def create_app(config: NodeConfig, *, run_workers: bool = True,
               transport: Transport | None = None) -> web.Application:
    """Build the web application. `transport` replaces outbound name resolution (tests)."""
    app = web.Application(
        middlewares=[request_context, errors, ratelimit.limits],
        client_max_size=config.limits.max_request_bytes,
    )
    app[CONFIG] = config
    app[REGISTRY] = build_registry()
    app[SETTINGS_CACHE] = SettingCache()  # instance settings, read a few seconds old
    app[KEY_CACHE] = KeyCache(Budget.from_limits(config.limits))  # shared by the inbox and signed GETs
    app.cleanup_ctx.append(_services(transport))
    ratelimit.setup(app)  # after the services: counters need the engine
    if run_workers:
        app.cleanup_ctx.append(_workers)
    health.setup(app)
    inbox_routes.setup(app)
    activitypub.setup(app)
    media.setup(app)
    oauth.setup(app)
    api.setup(app)
    pages.setup(app)
    return app


def _services(transport: Transport | None) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_services(app[CONFIG], transport) as services:
            app[SERVICES] = services
            app[ENGINE] = services.engine
            yield
    return ctx


def make_worker(app: web.Application) -> Worker:
    config = app[CONFIG]
    return Worker(
        app[ENGINE], app[REGISTRY], deps=app[SERVICES], queues=QUEUES,
        concurrency=config.limits.worker_concurrency,
        batch_size=config.limits.job_batch_size,
        lease_seconds=config.limits.job_lease_seconds,
    )


async def _workers(app: web.Application) -> AsyncIterator[None]:
    worker = make_worker(app)
    app[WORKER] = worker
    await schedule_periodic(app[SERVICES].sessions)
    app[SERVICES].wake_workers = worker.wake
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop), name="amity-worker")
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
