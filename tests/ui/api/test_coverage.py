"""docs/client-api.md's coverage table stays true: what it calls done exists, what it calls
not yet answers 404, and every row of the route table (`ui.api.routes`) and every OAuth route
of the app is in it."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import make_mocked_request

from tests.ui.client_api import Api
from ui.api.routes import ROUTES

DOC = Path(__file__).resolve().parents[3] / "docs" / "client-api.md"
_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (\S+)` \| (done|partial|not yet) \|", re.MULTILINE)
PREFIXES = ("/oauth/", "/.well-known/oauth")  # not in the route table; /auth/ has pages: not all listed


def _rows() -> list[tuple[str, str, str]]:
    rows = _ROW.findall(DOC.read_text())
    assert len(rows) > 50, "the coverage table was not found"
    return rows


def _concrete(path: str) -> str:
    return re.sub(r":\w+", "1", path)


async def test_every_done_row_is_a_route(api: Api) -> None:
    router = api.client.app.router
    for method, path, status in _rows():
        if status == "not yet":
            continue
        match = await router.resolve(make_mocked_request(method, _concrete(path), app=api.client.app))
        assert match.http_exception is None, f"{method} {path} is marked {status} but is not routed"


async def test_every_not_yet_row_answers_404(api: Api) -> None:
    for method, path, status in _rows():
        if status != "not yet":
            continue
        response = await api.request(method, _concrete(path))
        assert response.status in (404, 405), f"{method} {path} is marked not yet: {response.status}"


def _documented(path: str) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", r":\1", path.rstrip("/"))  # both slash forms are served


def test_the_docs_api_rows_are_the_route_table() -> None:
    """Every row of `ui.api.routes` is listed done or partial, and every such `/api/` row is one."""
    listed = {(method, path) for method, path, status in _rows()
              if status != "not yet" and path.startswith("/api/")}
    table = {(row.method, _documented(row.path)) for row in ROUTES}
    assert not table - listed, f"missing from {DOC.name} (or marked not yet): {sorted(table - listed)}"
    assert not listed - table, f"listed in {DOC.name} but not in ui/api/routes.py: {sorted(listed - table)}"


async def test_every_oauth_route_is_in_the_doc(api: Api) -> None:
    listed = {(method, path) for method, path, _ in _rows()}
    for route in api.client.app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method in ("HEAD", "OPTIONS") or not path.startswith(PREFIXES):
            continue
        assert (route.method, _documented(path)) in listed, f"{route.method} {path} is missing: {DOC.name}"
