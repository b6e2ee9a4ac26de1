"""The route table (`ui.api.routes`) is the one source of the client API's routes: every row
says who may call it and its rate-limit bucket, the app serves exactly its rows, and the scope
check each handler runs is the one its row declares."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from tests.conftest import make_config
from ui import ratelimit
from ui.api import routing
from ui.api.auth import AppToken, IfToken, Member, Public, StaffMember
from ui.api.notifications.groups import grouped_body
from ui.api.notifications.pages import render_notifications
from ui.api.routes import ROUTES
from ui.api.statuses import entity
from ui.api.timelines import render_page
from ui.app import create_app


@pytest.fixture
def api_app(tmp_path: Path) -> web.Application:
    """The whole app, built but not started: its router as it serves."""
    return create_app(make_config(f"sqlite+aiosqlite:///{tmp_path}/unused.db", tmp_path), run_workers=False)


def _app() -> web.Application:
    app = web.Application()
    routing.register(app, ROUTES)
    return app


def test_every_row_declares_its_access_and_its_rate_limit_bucket() -> None:
    for row in ROUTES:
        where = f"{row.method} {row.path}"
        assert isinstance(row.access, Member | AppToken | IfToken | StaffMember | Public), \
            f"{where}: no access"
        assert row.limit is None or row.limit in ratelimit.BUCKETS, f"{where}: bucket {row.limit}"
        assert isinstance(row.statuses, bool)
    assert len({(row.method, row.path) for row in ROUTES}) == len(ROUTES), "a route is listed twice"


def test_every_limited_row_is_limited_by_its_bucket() -> None:
    for row in ROUTES:
        rule = ratelimit.RULES.get((row.method, row.path))
        expected = None if row.limit is None else ratelimit.BUCKETS[row.limit]
        assert rule is expected, f"{row.method} {row.path}"
    api_rules = {route for route in ratelimit.RULES if route[1].startswith("/api/")}
    assert api_rules == {(row.method, row.path) for row in ROUTES if row.limit is not None}


def test_the_app_serves_exactly_the_rows_in_their_order(api_app: web.Application) -> None:
    served = [(r.method, r.resource.canonical) for r in api_app.router.routes()
              if r.resource is not None and r.resource.canonical.startswith("/api/") and r.method != "HEAD"]
    assert served == [(row.method, form) for row in ROUTES for form in (row.path, f"{row.path}/")]


def _declared(handler: object) -> tuple[str, tuple[str, ...], bool, str | None]:
    code = getattr(handler, "__code__", None)
    if code is None or not code.co_qualname.endswith(".wrap.<locals>.run"):
        return "public", (), False, None
    names = inspect.getclosurevars(handler).nonlocals  # type: ignore[arg-type]
    return (code.co_qualname.split(".", 1)[0], tuple(names["needed"]), bool(names.get("remembered", False)),
            names.get("permission"))


def test_each_handler_checks_the_scopes_its_row_declares(api_app: web.Application) -> None:
    rows = {(row.method, row.path): row for row in ROUTES}
    for served in api_app.router.routes():
        path = served.resource.canonical.rstrip("/") if served.resource is not None else ""
        row = rows.get((served.method, path))
        if row is None:
            continue
        kind, needed, remembered, permission = _declared(served.handler)
        assert kind == row.access.kind, f"{row.method} {row.path}"
        assert permission == getattr(row.access, "permission", None), f"{row.method} {row.path}"
        assert needed == getattr(row.access, "scopes", ()), f"{row.method} {row.path}"
        assert remembered == getattr(row.access, "remembered", False), f"{row.method} {row.path}"


async def test_no_row_is_hidden_by_an_earlier_one() -> None:
    """Each row answers its own path: no `{id}` pattern takes a fixed one (the ORDER rows)."""
    app = _app()
    for row in ROUTES:
        concrete = re.sub(r"\{\w+\}", "1", row.path)
        match = await app.router.resolve(make_mocked_request(row.method, concrete, app=app))
        assert match.route.resource is not None
        assert match.route.resource.canonical == row.path, f"{row.method} {row.path}: {match.route}"


STATUS_RENDERERS = (entity.render_one, entity.render_for, render_page, render_notifications,
                    grouped_body)


def test_rows_that_render_statuses_reach_a_status_renderer() -> None:
    for row in ROUTES:
        if not row.statuses:
            continue
        module = inspect.getmodule(inspect.unwrap(row.handler))
        names = vars(module).values() if module is not None else ()
        assert any(value is renderer for value in names for renderer in STATUS_RENDERERS), \
            f"{row.method} {row.path} is marked as rendering statuses, but its module renders none"
