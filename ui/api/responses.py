"""JSON answers and errors of the client API, shaped as Mastodon's (`{"error": "…"}`)."""

from __future__ import annotations

from typing import Any, NoReturn

import orjson
from aiohttp import web

_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
    409: web.HTTPConflict, 422: web.HTTPUnprocessableEntity, 429: web.HTTPTooManyRequests,
    503: web.HTTPServiceUnavailable,
}
NOT_FOUND = "Record not found"


def json_ok(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, headers=headers,
                        content_type="application/json")


def api_error(status: int, message: str, *, headers: dict[str, str] | None = None) -> NoReturn:
    """Raise a Mastodon-shaped error; the error middleware passes JSON bodies through as they are."""
    raise _ERRORS[status](text=orjson.dumps({"error": message}).decode(), content_type="application/json",
                          headers=headers)
