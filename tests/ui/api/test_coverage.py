"""docs/client-api.md's coverage table stays true: what it calls done exists, what it calls
not yet answers 404, and every client API route of the app is in it."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import make_mocked_request

from tests.ui.client_api import Api

DOC = Path(__file__).resolve().parents[3] / "docs" / "client-api.md"
_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (\S+)` \| (done|partial|not yet) \|", re.MULTILINE)
PREFIXES = ("/api/", "/oauth/", "/.well-known/oauth")  # /auth/ also has web pages: not all listed


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


async def test_every_client_api_route_is_in_the_table(api: Api) -> None:
    listed = {(method, path) for method, path, _ in _rows()}
    for route in api.client.app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method in ("HEAD", "OPTIONS") or not path.startswith(PREFIXES):
            continue
        documented = re.sub(r"\{(\w+)(:[^}]*)?\}", r":\1", path.rstrip("/"))  # both slash forms are served
        assert (route.method, documented) in listed, f"{route.method} {path} is missing from {DOC.name}"
