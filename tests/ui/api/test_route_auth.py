"""Every client API route of the app, taken from its router, refuses a missing, revoked or
under-scoped token with Mastodon's status. Which scopes a route needs is read from how it is
declared (the `ui.api.auth` decorator that wraps its handler), so a new route is checked the day it
is added; a route that takes no token must be listed in PUBLIC below, so none becomes public by
accident."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import update

from storage.models import OAuthAccessToken, utcnow
from tests.ui.client_api import Api
from ui.api.auth import app_scoped, scoped, scoped_if_token, staff_scoped
from ui.oauth import store

INVALID = {"error": "The access token is invalid"}
REVOKED = {"error": "The access token was revoked"}
OUT_OF_SCOPE = {"error": "This action is outside the authorized scopes"}

# Routes anyone may call without a token. `scoped_if_token` ones still refuse a bad token that is sent.
PUBLIC = {
    ("POST", "/api/v1/apps"),
    ("GET", "/api/v1/instance"), ("GET", "/api/v2/instance"), ("GET", "/api/v1/instance/rules"),
    ("GET", "/api/v1/instance/peers"), ("GET", "/api/v1/instance/activity"),  # members only in allowlist mode
    ("GET", "/api/v1/custom_emojis"),
    ("GET", "/api/v1/accounts/{id}"), ("GET", "/api/v1/accounts/lookup"),
    ("GET", "/api/v1/accounts/{id}/followers"), ("GET", "/api/v1/accounts/{id}/following"),
    ("GET", "/api/v1/accounts/{id}/statuses"),
    ("GET", "/api/v1/statuses"), ("GET", "/api/v1/statuses/{id}"), ("GET", "/api/v1/statuses/{id}/context"),
    ("GET", "/api/v1/statuses/{id}/history"),
    ("GET", "/api/v1/statuses/{id}/reblogged_by"), ("GET", "/api/v1/statuses/{id}/favourited_by"),
    ("GET", "/api/v1/polls/{id}"),
    ("GET", "/api/v1/timelines/public"), ("GET", "/api/v1/timelines/tag/{hashtag}"),
    ("GET", "/api/v1/tags/{name}"), ("GET", "/api/v2/search"),
    ("GET", "/api/v1/accounts/{id}/featured_tags"),  # shown on profiles, as Mastodon
    ("GET", "/api/v1/accounts"), ("GET", "/api/v1/instance/extended_description"),
    ("GET", "/api/v1/instance/privacy_policy"), ("GET", "/api/v1/instance/terms_of_service"),
    # discovery (issue 13)
    ("GET", "/api/v1/directory"), ("GET", "/api/v1/trends"), ("GET", "/api/v1/trends/tags"),
    ("GET", "/api/v1/trends/statuses"), ("GET", "/api/v1/trends/links"),
    ("GET", "/api/v1/instance/domain_blocks"),  # as the domain_blocks_visibility setting says
}
_DECORATORS = {f.__name__ for f in (scoped, app_scoped, scoped_if_token, staff_scoped)}
MEMBER_KINDS = ("scoped", "staff_scoped")  # a member's token, whose role is checked after its scope


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the router's form, `{id}` placeholders
    kind: str | None  # the auth decorator wrapping its handler (`scoped`, `app_scoped`, `scoped_if_token`)
    needed: tuple[str, ...]  # any one of these scopes is enough; () for any valid token

    @property
    def concrete(self) -> str:
        return re.sub(r"\{\w+(:[^}]*)?\}", "1", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def declared(handler: object) -> tuple[str | None, tuple[str, ...]]:
    """The decorator that wraps `handler` and its scopes, read from the wrapper's code and closure."""
    code = getattr(handler, "__code__", None)
    if code is None:
        return None, ()
    outer = code.co_qualname.split(".", 1)[0]
    if outer not in _DECORATORS or not code.co_qualname.endswith(".wrap.<locals>.run"):
        return None, ()
    return outer, tuple(inspect.getclosurevars(handler).nonlocals["needed"])  # type: ignore[arg-type]


def api_routes(app: web.Application) -> list[Route]:
    found: dict[tuple[str, str], Route] = {}
    for route in app.router.routes():
        path = route.resource.canonical.rstrip("/") if route.resource is not None else ""
        if route.method in ("HEAD", "OPTIONS") or not path.startswith("/api/"):
            continue
        kind, needed = declared(route.handler)
        found[(route.method, path)] = Route(route.method, path, kind, needed)
    assert len(found) > 50, "the client API routes were not found"
    return sorted(found.values(), key=str)


def lacking(needed: tuple[str, ...]) -> str:
    """Scopes that grant none of `needed`: the other half of read/write, so neither leaks into the other."""
    granted = "read" if any(s.startswith("write") for s in needed) else "write push"
    assert not store.allows(granted, *needed), f"{granted!r} would be enough for {needed}"
    return granted


async def _revoked_token(api: Api) -> str:
    token = await api.token_for("rev")
    async with api.services.sessions() as session, session.begin():
        await session.execute(update(OAuthAccessToken).where(OAuthAccessToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow()))
    return token


async def _answer(api: Api, route: Route, token: str | None) -> tuple[int, object]:
    response = await api.request(route.method, route.concrete, token)
    body = await response.json() if response.content_type == "application/json" else await response.text()
    return response.status, body


async def test_every_route_declares_its_access_or_is_listed_public(api: Api) -> None:
    routes = api_routes(api.client.app)
    listed = [(r, (r.method, r.path) in PUBLIC) for r in routes]
    unlisted = [str(r) for r, public in listed if r.kind in (None, "scoped_if_token") and not public]
    assert not unlisted, f"routes that take no token but are not listed in PUBLIC: {unlisted}"
    need_token = [str(r) for r, public in listed if r.kind in (*MEMBER_KINDS, "app_scoped") and public]
    assert not need_token, f"listed in PUBLIC but they require a token: {need_token}"
    stale = PUBLIC - {(r.method, r.path) for r in routes}
    assert not stale, f"PUBLIC lists routes the app does not have: {stale}"


async def test_routes_needing_a_token_refuse_none_and_a_revoked_one_with_401(api: Api) -> None:
    await api.member("rev")
    revoked = await _revoked_token(api)
    wrong: list[str] = []
    for route in api_routes(api.client.app):
        if route.kind not in (*MEMBER_KINDS, "app_scoped"):
            continue
        for label, token, expected in (("no token", None, INVALID), ("a revoked token", revoked, REVOKED)):
            status, body = await _answer(api, route, token)
            if (status, body) != (401, expected):
                wrong.append(f"{route} with {label}: {status} {body}")
    assert not wrong, "\n".join(wrong)


async def test_every_route_refuses_a_token_without_its_scope_with_403(api: Api) -> None:
    await api.member("ana")
    tokens = {granted: await api.token_for("ana", granted) for granted in ("read", "write push")}
    checked, wrong = 0, []
    for route in api_routes(api.client.app):
        if route.kind is None or not route.needed:
            continue  # no scope to lack: any valid token will do (apps/verify_credentials, custom_emojis)
        granted = lacking(route.needed)
        status, body = await _answer(api, route, tokens[granted])
        checked += 1
        if (status, body) != (403, OUT_OF_SCOPE):
            wrong.append(f"{route} with scopes {granted!r} (needs one of {route.needed}): {status} {body}")
    assert not wrong, "\n".join(wrong)
    assert checked > 50


async def test_public_routes_refuse_a_bad_token_that_is_sent(api: Api) -> None:
    await api.member("rev")
    revoked = await _revoked_token(api)
    wrong: list[str] = []
    for route in api_routes(api.client.app):
        if route.kind != "scoped_if_token":
            continue
        anonymous, _ = await _answer(api, route, None)
        if anonymous in (401, 403):
            wrong.append(f"{route} is public but refused an anonymous request: {anonymous}")
        for label, token, expected in (("an unknown token", "not-a-token", INVALID),
                                       ("a revoked token", revoked, REVOKED)):
            status, body = await _answer(api, route, token)
            if (status, body) != (401, expected):
                wrong.append(f"{route} with {label}: {status} {body}")
    assert not wrong, "\n".join(wrong)


async def test_member_routes_refuse_an_apps_own_token_with_422(api: Api) -> None:
    everything = "read write follow admin:read admin:write"
    app_token = await api.app_token(await api.register_app(scopes=everything), scope=everything)
    wrong: list[str] = []
    for route in api_routes(api.client.app):
        if route.kind not in MEMBER_KINDS:
            continue
        status, body = await _answer(api, route, app_token)
        if (status, body) != (422, {"error": "This method requires an authenticated user"}):
            wrong.append(f"{route}: {status} {body}")
    assert not wrong, "\n".join(wrong)


async def test_scopes_of_routes_where_mastodon_is_not_obvious(api: Api) -> None:
    """Lists of accounts take `read:accounts` (not `read:statuses`); a hashtag any valid token."""
    await api.member("ana")
    posted = await api.json("POST", "/api/v1/statuses", await api.token_for("ana", "write"),
                            data={"status": "#garden news"})
    accounts_only = await api.token_for("ana", "read:accounts")
    statuses_only = await api.token_for("ana", "read:statuses")
    write_only = await api.token_for("ana", "write")
    for who in ("reblogged_by", "favourited_by"):
        path = f"/api/v1/statuses/{posted['id']}/{who}"
        assert await api.json("GET", path, accounts_only) == []
        assert await api.json("GET", path, statuses_only, status=403) == OUT_OF_SCOPE
    for token in (accounts_only, write_only):
        assert (await api.json("GET", "/api/v1/tags/garden", token))["name"] == "garden"
