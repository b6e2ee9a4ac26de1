"""What every request passes: request ids, access logs, error bodies shaped by route family,
security headers, CORS for the bearer-token paths, and the client's address.

*The address a request came from* (`client_ip`): the one function every surface asks (rate
limits, logs).

The TCP peer is the client, unless the peer is one of the node config's `trusted_proxies`.
Then `X-Forwarded-For` is read from the right (the entry the nearest proxy added) leftwards,
skipping further trusted proxies; the first address that is not one is the client. Entries
left of it were written by the client itself and are never believed, so a client cannot
choose its own address (and its own rate-limit counter) by sending the header. With no
trusted proxies configured (the default) the header is ignored entirely.
"""

from __future__ import annotations

import html
import ipaddress
import itertools
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import cache

from aiohttp import web

from storage.errors import AmityError, Conflict, Forbidden, Invalid, NotFound, RemoteUnavailable
from ui.keys import SERVICES
from ui.logs import request_id_var

log = logging.getLogger("amity.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ERROR_STATUS: dict[type[AmityError], int] = {
    NotFound: 404, Forbidden: 403, Invalid: 422, Conflict: 422, RemoteUnavailable: 502,
}
_JSON_PREFIXES = ("/.well-known/", "/users/", "/inbox", "/actor", "/nodeinfo", "/activities/",
                  "/health", "/ready")


def route_family(path: str) -> str:
    """Which error body a path gets: mastodon, oauth, json or html."""
    if path.startswith("/api/"):
        return "mastodon"
    if path.startswith(("/oauth/token", "/oauth/revoke")):
        return "oauth"
    if path.startswith(_JSON_PREFIXES):
        return "json"
    return "html"


def error_response(request: web.Request, status: int, message: str) -> web.Response:
    family = route_family(request.path)
    if family == "oauth":
        code = "invalid_request" if status < 500 else "server_error"
        return web.json_response({"error": code, "error_description": message}, status=status)
    if family in ("mastodon", "json"):
        return web.json_response({"error": message}, status=status)
    title = html.escape(f"{status} {message}")
    body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
            f"<main><h1>{title}</h1><p><a href=\"/\">Home</a></p></main></html>")
    return web.Response(text=body, status=status, content_type="text/html")


# Pages run no script and load nothing from other servers: remote content can never run code
# in a member's browser, even if something slipped through the sanitizer.
PAGE_CSP = ("default-src 'none'; img-src 'self' https: data:; media-src 'self' https:; "
            "style-src 'self' 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def _secure_headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)


# Request ids tie log lines together; they need to be unique, not secret, so no system
# randomness per request (a measurable cost on a busy inbox).
_REQUEST_ID_PREFIX = secrets.token_hex(4)
_request_numbers = itertools.count(1)


def _next_request_id() -> str:
    return f"{_REQUEST_ID_PREFIX}{next(_request_numbers):08x}"


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if _INCOMING_ID.match(incoming) else _next_request_id()
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = request_id
        _secure_headers(response)
        return response
    finally:
        log.info("http.request", extra={
            "method": request.method, "path": request.path, "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        })
        request_id_var.reset(token)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.empty_body:
            raise
        if exc.content_type == "application/json" or (exc.text and exc.text.startswith("{")):
            raise  # a handler already shaped this body
        message = exc.reason if exc.text in (None, "", f"{exc.status}: {exc.reason}") else exc.text
        response = error_response(request, exc.status, message or exc.reason)
        response.headers.extend({k: v for k, v in exc.headers.items()
                                 if k.lower() not in ("content-type", "content-length")})
        return response
    except AmityError as exc:
        status = next((s for cls, s in _ERROR_STATUS.items() if isinstance(exc, cls)), 400)
        return error_response(request, status, str(exc))
    except Exception:
        log.exception("http.unhandled", extra={"method": request.method, "path": request.path})
        return error_response(request, 500, "Internal server error: the admins can find "
                              f"details in the logs under request id {request_id_var.get()}")


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"  # no TCP peer address (not served over TCP)

_CLIENT_IP = web.RequestKey[str]("amity_client_ip")


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str) -> IpAddress | None:
    value = text.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _trusted(address: IpAddress, networks: tuple[IpNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve(peer: str | None, forwarded_for: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """The client's address from the TCP peer and the X-Forwarded-For headers (pure)."""
    address = _address(peer) if peer else None
    if address is None:
        return UNKNOWN
    networks = _networks(trusted_proxies)
    if not _trusted(address, networks):
        return str(address)
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        forwarded = _address(hop)
        if forwarded is None:
            break  # a proxy would not write this: stop at the last address we believe
        address = forwarded
        if not _trusted(address, networks):
            break
    return str(address)


def client_ip(request: web.Request) -> str:
    """This request's client address, computed once per request."""
    if _CLIENT_IP not in request:
        request[_CLIENT_IP] = resolve(request.remote, request.headers.getall("X-Forwarded-For", []),
                                      request.app[SERVICES].config.trusted_proxies)
    return request[_CLIENT_IP]


# Bearer tokens, never cookies, authorize these paths, so any origin may call them.
CORS_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server")
EXPOSED_HEADERS = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, Accept-Language, Idempotency-Key"
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


@web.middleware
async def preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS preflights (`OPTIONS`) for the API paths, answered before routing's 404/405."""
    if request.method != "OPTIONS" or not request.path.startswith(CORS_PREFIXES):
        return await handler(request)
    return web.Response(status=204, headers={
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "86400",
    })


async def cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(CORS_PREFIXES):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def setup_cors(app: web.Application) -> None:
    app.on_response_prepare.append(cors_headers)
    app.middlewares.append(preflight)
