"""The one outbound HTTP client: deadlines, size caps, content types, redirects, SSRF guard.

Every request the node makes to another server goes through an `OutboundClient`, which owns
one `aiohttp.ClientSession` per lane, each with a `GuardedConnector` (see `ssrf.py`): the
default lane, and the `VERIFY` lane for fetches made while verifying an inbound signature,
with its own connections and a short deadline, so a slow key server cannot hold the
connections that deliveries and other fetches need. Each request has one deadline for all
of it (connecting, the answer, the body, every redirect). Redirects are followed here, one
hop at a time, so each hop is checked (and signed) again. Requests are signed by an
optional `signer` supplied by the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import aiohttp
import orjson
from aiohappyeyeballs import SocketFactoryType
from aiohttp.abc import AbstractResolver
from yarl import URL

from federation.ssrf import AddressPolicy, BlockedAddress, FetchError, GuardedConnector
from federation.urls import is_canonical
from federation.vocab import (
    MAX_JSON_DEPTH,
    InvalidJSON,
    TooDeep,
    UnsupportedURL,
    content_type_matches,
    origin,
    parse_json,
    parse_media_type,
)
from storage.config import NodeConfig
from storage.errors import RemoteUnavailable

__all__ = [
    "AS2", "IMAGES", "JRD", "JSON", "MAX_JSON_DEPTH", "MAX_REDIRECTS", "VERIFY", "BlockedAddress",
    "DeadlineExceeded", "FetchError", "FetchResult", "InvalidJSON", "Lane", "OriginMismatch",
    "OutboundClient", "PostResult", "RemoteError",
    "Signer", "Timeouts", "TooDeep", "TooLarge", "TooManyRedirects", "UnexpectedContentType",
    "Unreachable", "UnsupportedURL", "content_type_matches", "origin", "parse_json",
]

AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
AS2 = ("application/activity+json", f'application/ld+json; profile="{AS2_PROFILE}"')
JRD = ("application/jrd+json", "application/json")
JSON = ("application/json",)
IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif")

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65_536
_POST_ANSWER_BYTES = 65_536  # read and ignored; a longer answer closes the connection

Signer = Callable[[str, str, bytes | None, str | None], Mapping[str, str]]
T = TypeVar("T")
Lane = Literal["default", "verify"]
VERIFY: Lane = "verify"  # fetches made while verifying an inbound signature


class Unreachable(FetchError, RemoteUnavailable):
    """Connecting, sending or reading failed or timed out; trying later may help."""


class DeadlineExceeded(Unreachable):
    """The whole request (connecting, answer, body, redirects) took longer than its deadline."""


class RemoteError(FetchError):
    """The server answered with a status other than 2xx (or a redirect that was not followed)."""

    def __init__(self, url: str, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(f"{url} answered HTTP {status}")
        self.status = status
        self.headers = headers


class TooLarge(FetchError):
    pass


class UnexpectedContentType(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class OriginMismatch(FetchError):
    """A fetched object's `id` is not on the origin it was fetched from."""


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0  # seconds to open the TCP (and TLS) connection
    read: float = 30.0  # seconds between two reads
    deadline: float = 20.0  # seconds for a whole request: connection, answer, body, every redirect
    verify_deadline: float = 5.0  # the same, for a fetch of the VERIFY lane
    verify_connections: int = 16  # connections the VERIFY lane may hold at once


@dataclass(frozen=True)
class FetchResult(Generic[T]):
    final_url: str  # after redirects
    status: int
    headers: Mapping[str, str]
    data: T

    @property
    def content_type(self) -> str:
        return parse_media_type(self.headers.get("Content-Type", ""))[0]


@dataclass(frozen=True)
class PostResult:
    status: int
    headers: Mapping[str, str]


def _check_url(url: URL) -> None:
    if url.scheme not in ("http", "https") or not url.raw_host:
        raise UnsupportedURL(f"refused {str(url)!r}: only http and https URLs with a host are fetched")
    if url.raw_user is not None or url.raw_password is not None:
        raise UnsupportedURL(f"refused {url.with_user(None)}: URLs with credentials are not fetched")


class OutboundClient:
    """The node's HTTP client. Use `async with OutboundClient(...) as client:` or call `close()`.

    `resolver` and `socket_factory` are for tests: a fake resolver that maps names to
    addresses, and a factory that sees (and may refuse) every socket the connector opens.
    """

    def __init__(self, *, allowed_private_hosts: Iterable[str] = (), max_fetch_bytes: int = 2_097_152,
                 timeouts: Timeouts = Timeouts(), user_agent: str = "Amity", signer: Signer | None = None,
                 resolver: AbstractResolver | None = None,
                 socket_factory: SocketFactoryType | None = None) -> None:
        self.policy = AddressPolicy.from_allowed(allowed_private_hosts)
        self.max_fetch_bytes = max_fetch_bytes
        self.timeouts = timeouts
        self.user_agent = user_agent
        self.signer = signer
        self._resolver = resolver
        self._socket_factory = socket_factory
        self._sessions: dict[Lane, aiohttp.ClientSession] = {}

    @classmethod
    def from_config(cls, config: NodeConfig, **kwargs: Any) -> OutboundClient:
        limits = config.limits
        kwargs.setdefault("user_agent", f"Amity (+{config.base_url}/)")
        kwargs.setdefault("timeouts", Timeouts(deadline=limits.fetch_deadline_seconds,
                                               verify_deadline=limits.key_fetch_deadline_seconds,
                                               verify_connections=limits.verify_fetch_connections))
        return cls(allowed_private_hosts=config.allowed_private_hosts,
                   max_fetch_bytes=limits.max_fetch_bytes, **kwargs)

    async def __aenter__(self) -> OutboundClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for session in sessions.values():
            await session.close()

    def _get_session(self, lane: Lane = "default") -> aiohttp.ClientSession:
        session = self._sessions.get(lane)
        if session is None:
            limit = self.timeouts.verify_connections if lane == VERIFY else 100  # 100: aiohttp's default
            connector = GuardedConnector(self.policy, resolver=self._resolver,
                                         socket_factory=self._socket_factory, limit=limit)
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeouts.connect,
                                            sock_read=self.timeouts.read)
            session = aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False,
                                            cookie_jar=aiohttp.DummyCookieJar())
            self._sessions[lane] = session
        return session

    def _deadline(self, url: str, lane: Lane = "default") -> _Deadline:
        return _Deadline(url, self.timeouts.verify_deadline if lane == VERIFY else self.timeouts.deadline)

    async def get_json(self, url: str, *, accept: Sequence[str], lane: Lane = "default") -> FetchResult[Any]:
        """GET a JSON document of one of the `accept` types, capped at `max_fetch_bytes`."""
        raw = await self.get_bytes(url, accept=accept, max_bytes=self.max_fetch_bytes, lane=lane)
        return FetchResult(raw.final_url, raw.status, raw.headers, parse_json(raw.data))

    async def fetch_object(self, url: str, *, lane: Lane = "default") -> FetchResult[dict[str, Any]]:
        """GET an ActivityStreams object whose `id` is the URL it was fetched from.

        A document naming another id on the same origin (a profile page, a key id that serves
        its owner, or an uploaded file that claims to be someone) is never taken as is: it is
        fetched once more from its id, and that answer must carry exactly that id.
        """
        result = await self._fetch_document(url, lane)
        object_id = result.data["id"]
        if _is_url(object_id, result.final_url):
            return result
        again = await self._fetch_document(object_id, lane)
        if again.data["id"] != object_id or not _is_url(object_id, again.final_url):
            raise OriginMismatch(f"{result.final_url} returned an object with the id {object_id!r}, "
                                 "which does not serve an object with that id")
        return again

    async def _fetch_document(self, url: str, lane: Lane) -> FetchResult[dict[str, Any]]:
        """A JSON object with an `id` on the origin of the URL it came from (after redirects)."""
        result = await self.get_json(url, accept=AS2, lane=lane)
        if not isinstance(result.data, dict):
            raise InvalidJSON(f"{result.final_url} did not return a JSON object")
        object_id = result.data.get("id")
        if not isinstance(object_id, str):
            raise OriginMismatch(f"{result.final_url} returned an object without an id")
        try:
            same = origin(object_id) == origin(result.final_url)
        except FetchError:
            same = False
        if not same:
            raise OriginMismatch(f"{result.final_url} returned an object with a foreign id {object_id!r}")
        if not is_canonical(object_id):  # stored ids have one spelling (federation/urls.py)
            raise OriginMismatch(f"{result.final_url} returned an id whose host is not in canonical form")
        return FetchResult(result.final_url, result.status, result.headers, result.data)

    async def get_bytes(self, url: str, *, accept: Sequence[str], max_bytes: int,
                        lane: Lane = "default") -> FetchResult[bytes]:
        """GET a body of one of the `accept` types, refusing anything over `max_bytes`."""
        async with self._deadline(url, lane), self._get(url, accept, lane=lane) as (final_url, response):
            kind = response.headers.get("Content-Type")
            if not content_type_matches(kind, accept):
                raise UnexpectedContentType(f"{final_url} answered with Content-Type {kind!r}, "
                                            f"expected one of: {', '.join(accept)}")
            body = await _read_capped(response, max_bytes, str(final_url))
            return FetchResult(str(final_url), response.status, response.headers, body)

    async def get_page(self, url: str, *, accept: Sequence[str], max_bytes: int) -> FetchResult[bytes]:
        """GET a web page (not a federation document): unsigned, as a browser would, and only
        its first `max_bytes` bytes; the rest is never read (the connection is closed)."""
        async with self._deadline(url), self._get(url, accept, signed=False) as (final_url, response):
            kind = response.headers.get("Content-Type")
            if not content_type_matches(kind, accept):
                raise UnexpectedContentType(f"{final_url} answered with Content-Type {kind!r}, "
                                            f"expected one of: {', '.join(accept)}")
            body = await _read_prefix(response, max_bytes)
            return FetchResult(str(final_url), response.status, response.headers, body)

    async def post_json(self, url: str, payload: Any, *, accept: Sequence[str] = JSON,
                        max_bytes: int = 262_144) -> FetchResult[Any]:
        """POST a JSON body (unsigned) and read a JSON answer of an `accept` type, capped at
        `max_bytes`; redirects are not followed. For services the node calls (translation)."""
        target = URL(url)
        _check_url(target)
        headers = self._headers("POST", target, None, "application/json", accept, signed=False)
        try:
            async with self._deadline(url), self._get_session().post(
                    target, data=orjson.dumps(payload), headers=headers, allow_redirects=False) as response:
                if not 200 <= response.status < 300:
                    raise RemoteError(str(target), response.status, response.headers)
                kind = response.headers.get("Content-Type")
                if not content_type_matches(kind, accept):
                    raise UnexpectedContentType(f"{target} answered with Content-Type {kind!r}")
                body = await _read_capped(response, max_bytes, str(target))
                return FetchResult(str(target), response.status, response.headers, parse_json(body))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _network_error(target, exc) from exc

    async def post(self, url: str, body: bytes, *, content_type: str,
                   signer: Signer | None = None) -> PostResult:
        """POST `body`, signed by `signer` (else the client's own); redirects are not followed."""
        target = URL(url)
        _check_url(target)
        headers = self._headers("POST", target, body, content_type, accept=None, signer=signer)
        try:
            async with self._get_session().post(target, data=body, headers=headers,
                                                allow_redirects=False) as response:
                if not 200 <= response.status < 300:
                    raise RemoteError(str(target), response.status, response.headers)
                with suppress(TooLarge):  # drain a short answer so the connection can be reused
                    await _read_capped(response, _POST_ANSWER_BYTES, str(target))
                return PostResult(response.status, response.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _network_error(target, exc) from exc

    def _headers(self, method: str, url: URL, body: bytes | None, content_type: str | None,
                 accept: Sequence[str] | None, signer: Signer | None = None,
                 signed: bool = True) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent}
        if accept:
            headers["Accept"] = ", ".join(accept)
        if content_type is not None:
            headers["Content-Type"] = content_type
        signer = signer or self.signer
        if signer is not None and signed:
            headers.update(signer(method, str(url), body, content_type))
        return headers

    @asynccontextmanager
    async def _get(self, url: str, accept: Sequence[str], *, signed: bool = True, lane: Lane = "default"
                   ) -> AsyncIterator[tuple[URL, aiohttp.ClientResponse]]:
        """GET `url`, following redirects hop by hop; yields the final 2xx response."""
        target = URL(url)
        for _hop in range(MAX_REDIRECTS + 1):
            _check_url(target)
            headers = self._headers("GET", target, None, None, accept, signed=signed)
            try:
                async with self._get_session(lane).get(target, headers=headers,
                                                       allow_redirects=False) as response:
                    location = response.headers.get("Location")
                    if response.status in _REDIRECTS and location:
                        target = _redirect_target(target, location)
                        continue
                    if not 200 <= response.status < 300:
                        raise RemoteError(str(target), response.status, response.headers)
                    yield target, response
                    return
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _network_error(target, exc) from exc
        raise TooManyRedirects(f"{url} redirected more than {MAX_REDIRECTS} times (last to {target})")


def _is_url(object_id: str, fetched: str) -> bool:
    """Is `object_id` the URL a document was `fetched` from (as the client spells URLs: host in
    lower case, no default port, non-ASCII percent-encoded)?"""
    if object_id == fetched:
        return True
    try:
        return str(URL(object_id)) == fetched
    except ValueError:
        return False


class _Deadline:
    """`async with`: the whole block within `seconds`, else DeadlineExceeded naming the URL."""

    def __init__(self, url: str, seconds: float) -> None:
        self.url, self.seconds = url, seconds
        self._timeout = asyncio.timeout(seconds)

    async def __aenter__(self) -> None:
        await self._timeout.__aenter__()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        traceback: Any) -> None:
        try:
            await self._timeout.__aexit__(kind, exc, traceback)
        except TimeoutError:
            raise DeadlineExceeded(f"{self.url} did not answer in full within the deadline of "
                                   f"{self.seconds:g} s") from None


def _redirect_target(current: URL, location: str) -> URL:
    try:
        target = current.join(URL(location))
    except ValueError as exc:
        raise UnsupportedURL(f"{current} redirected to an invalid URL ({exc})") from None
    if current.scheme == "https" and target.scheme == "http":  # the next hop would be readable and forgeable
        raise UnsupportedURL(f"{current} redirected to {target}: https is never followed to http")
    return target


async def _read_capped(response: aiohttp.ClientResponse, limit: int, url: str) -> bytes:
    """Read the body, never more than `limit` + 1 bytes of it."""
    declared = response.content_length
    if declared is not None and declared > limit:
        response.close()
        raise TooLarge(f"{url} announced {declared} bytes, more than the limit of {limit}")
    chunks: list[bytes] = []
    total = 0
    while chunk := await response.content.read(min(_CHUNK, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            response.close()
            raise TooLarge(f"{url} sent more than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_prefix(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Read at most `limit` bytes of the body; close the connection if more would follow."""
    chunks: list[bytes] = []
    total = 0
    while total < limit and (chunk := await response.content.read(min(_CHUNK, limit - total))):
        total += len(chunk)
        chunks.append(chunk)
    if total >= limit and not response.content.at_eof():
        response.close()
    return b"".join(chunks)


def _network_error(url: URL, exc: BaseException) -> FetchError:
    if isinstance(exc, aiohttp.InvalidURL):
        return UnsupportedURL(f"refused {url}: {exc}")
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return Unreachable(f"{url} could not be reached: {reason}")
