"""Rate limits for every surface, in one place: which requests count, against what, and the 429.

`limits` (a middleware, after routing) looks the matched route up in `RULES` (the client API's
rows name their bucket in `ui.api.routes`, one of `BUCKETS`); a rule names the
counters the request adds to, each an instance setting (`rate_limit_*`, `storage.settings`)
and a subject: a client IP (`ui.middlewares`), a signing key's host, a login, an address or a
token. All of a request's counters are added to at once (`storage.ratelimits`: memory on
SQLite, one statement on PostgreSQL), before the handler reads the body, verifies a
signature or hashes a password. Over any limit the answer is 429 with `Retry-After` and
Mastodon's `X-RateLimit-Limit/Remaining/Reset` (Reset: ISO 8601 end of the window), shaped by
route family (`ui.middlewares.errors`); below them a limited route's answer carries the
headers of its tightest counter. Unlimited routes cost one dictionary lookup.

Subjects other than IPs and hosts are stored as digests (no addresses or tokens in the
table), and IPv6 clients are counted by /64, what one subscriber usually gets.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from federation.urls import domain_of
from inbox.errors import Refused
from inbox.verify import claimed_key_id
from storage.errors import Invalid
from storage.ratelimits import Counters, Window, counters_for
from storage.settings import DEFINITIONS, Rate, SettingError, parse_rate
from ui.api.auth import bearer_value
from ui.api.routes import LIMITED
from ui.keys import ENGINE, SERVICES, SETTINGS_CACHE
from ui.middlewares import Handler, client_ip, route_family
from ui.params import Params, cast_bool, read_params

log = logging.getLogger("amity.ratelimit")
TOO_MANY = "Too many requests"


@dataclass(frozen=True)
class Check:
    setting: str  # the instance setting without its prefix, e.g. "sign_up_ip"
    subject: str  # what is counted: an IP, a host, or a digest
    on_success: bool = False  # count only answers below 400 (accounts made), refuse at the limit


@dataclass(frozen=True)
class Verdict:
    """A counter as this request sees it: the headers it gives."""

    rate: Rate
    hits: int  # including this request
    reset: int  # epoch seconds when the window ends

    @property
    def over(self) -> bool:
        return self.hits > self.rate.count

    @property
    def remaining(self) -> int:
        return max(0, self.rate.count - self.hits)

    def headers(self, now: float) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.reset, UTC).isoformat(timespec="microseconds")
        headers = {"X-RateLimit-Limit": str(self.rate.count), "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Reset": reset.replace("+00:00", "Z")}
        if self.over:
            headers["Retry-After"] = str(max(1, math.ceil(self.reset - now)))
        return headers


@dataclass(frozen=True)
class Counted:
    """What one request added: its tightest verdict, and the windows to add to on success."""

    verdict: Verdict
    on_success: list[Window]


class Limiter:
    """Adds a request's checks to the counters and says whether any is over its limit."""

    def __init__(self, counters: Counters, clock: Callable[[], float] = time.time) -> None:
        self.counters = counters
        self.clock = clock

    async def hit(self, request: web.Request, checks: list[Check]) -> Counted | None:
        """Count the request (one statement); None when no check has a limit."""
        cache, sessions = request.app[SETTINGS_CACHE], request.app[SERVICES].sessions
        rated: dict[str, tuple[Rate, Window, bool]] = {}
        for check in checks:
            key = f"rate_limit_{check.setting}"
            rate = _rate(key, await cache.get(sessions, key))
            if rate is not None:
                window = Window(f"{check.setting}:{check.subject}", rate.period)
                rated[window.key] = (rate, window, check.on_success)
        if not rated:
            return None
        now = self.clock()
        entries = list(rated.values())
        counts = await self.counters.hit([window for _, window, _ in entries], now,
                                         [0 if later else 1 for _, _, later in entries])
        verdicts = [Verdict(rate, hits + later, window.end(now))
                    for (rate, window, later), hits in zip(entries, counts, strict=True)]
        over = [v for v in verdicts if v.over]
        tightest = max(over, key=lambda v: v.reset) if over else min(verdicts, key=lambda v: v.remaining)
        return Counted(tightest, [window for _, window, later in entries if later])


def _rate(key: str, value: object) -> Rate | None:
    try:
        return parse_rate(str(value))
    except SettingError:  # a value written around `amity settings`: the default holds
        return parse_rate(str(DEFINITIONS[key].default))


LIMITER = web.AppKey("rate_limiter", Limiter)


def digest(value: str) -> str:
    return hashlib.blake2b(value.strip().lower().encode(), digest_size=12).hexdigest()


def ip_subject(request: web.Request) -> str:
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ip


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


async def _form(request: web.Request) -> Params | None:
    """The request's parameters for rules that key on a field; None if unreadable (the handler
    then refuses the request itself)."""
    try:
        return await read_params(request)
    except (web.HTTPException, Invalid, ValueError):
        return None


def _field(params: Params | None, name: str) -> str:
    return _text(params.raw(name)) if params is not None else ""


Rule = Callable[[web.Request], Awaitable[list[Check]]]


async def _inbox(request: web.Request) -> list[Check]:
    checks = [Check("inbox_ip", ip_subject(request))]
    with contextlib.suppress(Refused):  # unsigned: the inbox refuses it before reading anything
        checks.append(Check("inbox_host", domain_of(claimed_key_id(request.headers))))
    return checks


async def _sign_in(request: web.Request) -> list[Check]:
    params = await _form(request)
    if request.path.startswith("/oauth/token") and _field(params, "grant_type") != "password":
        return []
    checks = [Check("sign_in_ip", ip_subject(request))]
    login = _field(params, "username") or _field(params, "email")
    if login.strip():
        checks.append(Check("sign_in_account", digest(login)))
    return checks


async def _sign_up(request: web.Request) -> list[Check]:
    ip = ip_subject(request)
    checks = [Check("sign_up_attempts_ip", ip), Check("sign_up_ip", ip, on_success=True)]
    address = _field(await _form(request), "email")
    if address.strip():
        checks.append(Check("mail_address", digest(address), on_success=True))
    return checks


async def _password_reset(request: web.Request) -> list[Check]:
    checks = [Check("mail_ip", ip_subject(request))]
    address = _field(await _form(request), "email")
    if address.strip():
        checks.append(Check("mail_address", digest(address), on_success=True))
    return checks


def _api(setting: str) -> Rule:
    async def rule(request: web.Request) -> list[Check]:
        return [Check("api_ip", ip_subject(request)), *_caller(request, setting)]
    return rule


def _caller(request: web.Request, setting: str) -> list[Check]:
    """Per token; requests without one count per IP, against the stricter anonymous limit."""
    token = bearer_value(request)
    if token is None:
        return [Check("api_anonymous", ip_subject(request))]
    return [Check(setting, digest(token))]


async def _search(request: web.Request) -> list[Check]:
    checks = await _api("search")(request)
    try:
        resolve = cast_bool("resolve", request.query.get("resolve"))
    except Invalid:
        resolve = False
    token = bearer_value(request)
    if resolve and token is not None:
        checks.append(Check("resolve", digest(token)))
    return checks


# The client API's buckets: `ui.api.routes` names one per route (or None).
BUCKETS: dict[str, Rule] = {
    "sign_up": _sign_up,
    "statuses": _api("statuses"),
    "media": _api("media"),
    "search": _search,
}

RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/inbox"): _inbox,
    ("POST", "/actor/inbox"): _inbox,
    ("POST", "/users/{name}/inbox"): _inbox,
    ("POST", "/auth/sign_in"): _sign_in,
    ("POST", "/oauth/token"): _sign_in,
    ("POST", "/auth/sign_up"): _sign_up,
    ("POST", "/api/v1/accounts"): _sign_up,
    ("POST", "/auth/password"): _password_reset,
    **{route: BUCKETS[bucket] for route, bucket in LIMITED.items()},
}


def _rule(request: web.Request) -> Rule | None:
    route = request.match_info.route
    if route.resource is None:
        return None
    path = route.resource.canonical.rstrip("/") or "/"
    return RULES.get((request.method, path))


@web.middleware
async def limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    rule = _rule(request)
    if rule is None or LIMITER not in request.app:
        return await handler(request)
    limiter = request.app[LIMITER]
    counted = await limiter.hit(request, await rule(request))
    if counted is None:
        return await handler(request)
    verdict, now = counted.verdict, limiter.clock()
    if verdict.over:
        log.info("ratelimit.refused", extra={"path": request.path, "ip": client_ip(request),
                                             "limit": verdict.rate.count, "period": verdict.rate.period})
        message = TOO_MANY if route_family(request.path) == "mastodon" else \
            f"{TOO_MANY}: try again in {max(1, math.ceil(verdict.reset - now))} seconds"
        raise web.HTTPTooManyRequests(text=message, headers=verdict.headers(now))
    response = await handler(request)
    if counted.on_success and response.status < 400:
        await limiter.counters.hit(counted.on_success, limiter.clock())
    for name, value in verdict.headers(now).items():
        response.headers.setdefault(name, value)
    return response


def setup(app: web.Application) -> None:
    """Counters open with the services (after them: they need the engine)."""
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[LIMITER] = Limiter(counters_for(app[ENGINE]))
        yield
    app.cleanup_ctx.append(ctx)
