"""What the outbound client makes of URLs and answers: origins, content types, JSON.

Pure functions (no network), imported through `federation.client`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from yarl import URL

from federation.ssrf import FetchError

MAX_JSON_DEPTH = 64


class UnsupportedURL(FetchError):
    """Not an absolute http(s) URL with a host (and no credentials)."""


class InvalidJSON(FetchError):
    pass


class TooDeep(InvalidJSON):
    pass


# The common shape of federation URLs: http(s), a plain DNS host, maybe a port. Anything else
# (user info, IPv6 literals, percent-encoding, other schemes) takes the full parser below.
_PLAIN_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+)(?::([0-9]{1,5}))?(?:[/?#]|$)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=4096)  # the same few actor URLs are checked on every request
def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in; hosts compared case-insensitively."""
    plain = _PLAIN_ORIGIN.match(url)
    if plain is not None:  # an activity's ids are new on every request: skip yarl for them
        scheme, host, port = plain.group(1).lower(), plain.group(2).lower().rstrip("."), plain.group(3)
        number = _DEFAULT_PORTS[scheme] if port is None else int(port)
        if host and 0 < number <= 65535:
            return scheme, host, number
    parsed = URL(url)
    if not parsed.absolute or parsed.port is None:
        raise UnsupportedURL(f"{url!r} has no origin: not an absolute URL")
    return parsed.scheme.lower(), (parsed.raw_host or "").lower().rstrip("."), parsed.port


def parse_media_type(header: str) -> tuple[str, dict[str, str]]:
    kind, *params = header.split(";")
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), parsed


def content_type_matches(header: str | None, accept: Iterable[str]) -> bool:
    """Does a Content-Type header name one of the `accept` types? Parameters are ignored, except
    that an ld+json answer carrying a `profile` must include a profile we asked for."""
    if not header:
        return False
    kind, params = parse_media_type(header)
    for wanted in accept:
        wanted_kind, wanted_params = parse_media_type(wanted)
        if kind != wanted_kind:
            continue
        if kind == "application/ld+json" and not _profiles_overlap(params, wanted_params):
            continue
        return True
    return False


def _profiles_overlap(got: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    if "profile" not in got or "profile" not in wanted:
        return True  # lenient: many servers send ld+json without the AS2 profile
    return bool(set(got["profile"].split()) & set(wanted["profile"].split()))


def parse_json(body: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON (no NaN/Infinity) and refuse documents nested deeper than `max_depth`."""
    try:
        data = orjson.loads(body)  # refuses NaN/Infinity and invalid UTF-8, as RFC 8259 does
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):  # orjson stops at 1,024 levels
            raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
        raise InvalidJSON(f"not valid JSON: {str(exc).splitlines()[0]}") from None
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:  # iterative, so no depth can exhaust the Python stack
        value, depth = stack.pop()
        if depth > max_depth:
            raise TooDeep(f"JSON nested deeper than {max_depth} levels")
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return data
