"""/health (the process answers) and /ready (database reachable, schema current)."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from storage import migrate
from ui.keys import ENGINE

log = logging.getLogger("amity.health")


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    checks = {"database": "ok", "migrations": "current"}
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        if not await migrate.is_current(engine):
            checks["migrations"] = "pending: run `amity migrate`"
    except Exception as exc:
        log.warning("ready.database_unreachable", extra={"error": type(exc).__name__})
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    ok = checks == {"database": "ok", "migrations": "current"}
    return web.json_response({"status": "ready" if ok else "not ready", **checks},
                             status=200 if ok else 503)


def setup(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
