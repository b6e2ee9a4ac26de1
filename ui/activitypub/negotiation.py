"""Content negotiation between ActivityStreams JSON and HTML, and the responses of both.

Documents go out as `application/activity+json`; JSON-LD contexts are only the well-known
ones plus inline terms (`federation.vocab.CONTEXT`). Error bodies are AS2-friendly JSON,
already shaped, so the error middleware passes them through untouched.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, NoReturn

from aiohttp import web

from federation.vocab import AS2_CONTENT_TYPE

AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
_AS2_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/*", "*/*"})


_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 404: web.HTTPNotFound, 406: web.HTTPNotAcceptable,
}


class Wants(Enum):
    AS2 = "as2"
    HTML = "html"


def media_ranges(accept: str) -> list[tuple[str, dict[str, str], float]]:
    """(type, parameters, q) for each entry of an Accept header; malformed q counts as 0."""
    ranges = []
    for entry in accept.split(","):
        kind, *raw_params = (part.strip() for part in entry.split(";"))
        if not kind:
            continue
        params: dict[str, str] = {}
        for raw in raw_params:
            name, _, value = raw.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        ranges.append((kind.lower(), params, q))
    return ranges


def _is_as2(kind: str, params: dict[str, str]) -> bool:
    if kind not in _AS2_TYPES:
        return False
    # ld+json with some other profile (a DID document, say) is not a request for AS2.
    return kind != "application/ld+json" or params.get("profile", AS2_PROFILE) == AS2_PROFILE


def negotiate(request: web.Request) -> Wants | None:
    """What the client prefers: AS2, HTML, or None when it accepts neither.

    A missing Accept header means `*/*` (RFC 9110), so it gets HTML, like a browser. At equal
    quality an explicitly named AS2 type beats HTML and wildcards: fetchers name their type,
    browsers never list `application/activity+json`.
    """
    best_as2 = best_html = 0.0
    for kind, params, q in media_ranges(request.headers.get("Accept", "*/*")):
        if _is_as2(kind, params):
            best_as2 = max(best_as2, q)
        elif kind in _HTML_TYPES:
            best_html = max(best_html, q)
    if best_as2 == best_html == 0:
        return None
    return Wants.AS2 if best_as2 >= best_html else Wants.HTML


def as2_response(doc: dict[str, Any], *, status: int = 200, vary: bool = False) -> web.Response:
    response = web.Response(text=json.dumps(doc, ensure_ascii=False), status=status,
                            content_type=AS2_CONTENT_TYPE)
    if vary:
        response.headers["Vary"] = "Accept"
    return response


def html_response(body: str, *, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html")
    response.headers["Vary"] = "Accept"
    return response


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.HTTPException:
    """An HTTP error whose body is already `{"error": …}` JSON (kept as is by the middleware)."""
    return _ERRORS[status](text=json.dumps({"error": message}), content_type="application/json",
                       headers=headers)


def not_found(what: str = "Not found") -> NoReturn:
    raise json_error(404, what)


def wanted(request: web.Request) -> Wants:
    """`negotiate`, or a 406 when the client accepts neither AS2 nor HTML."""
    choice = negotiate(request)
    if choice is None:
        raise json_error(406, "this resource is available as application/activity+json or text/html")
    return choice
