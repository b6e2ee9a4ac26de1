"""`origin` takes a regular-expression shortcut for plain URLs; on every URL (plain or not) it
must answer exactly as the full parser (yarl) does. (`domain_of` is tested in test_domains.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from yarl import URL

from federation.client import UnsupportedURL, origin

URLS = [
    "https://Example.ORG/users/a", "http://a.example:8080/x?y#z", "https://a.example.", "https://a.example./x",
    "https://a.example:443/", "http://a.example:80", "https://a.example:0/", "https://a.example:65535/p",
    "https://a.example:65536/p", "https://a.example:99999/", "https://user@a.example/", "https://[::1]:8080/x",
    "https://xn--bcher-kva.example/", "HTTPS://A.EXAMPLE", "https://a.example?x", "https://a.example#f",
    "ftp://a.example/", "https://a_b.example/", "https:///x", "https://a.example:080/", "https://-a.example/",
    "https://a..example/", "https://a.example\\@evil.example/", "https://a.example:/x", "https://a.example:8a/",
    "https://evil.example#@a.example/", "https://a.example%2F@evil.example/", "//a.example/x", "a.example/x",
]


def full_origin(url: str) -> tuple[str, str, int]:
    parsed = URL(url)
    if not parsed.absolute or parsed.port is None:
        raise UnsupportedURL(url)
    return parsed.scheme.lower(), (parsed.raw_host or "").lower().rstrip("."), parsed.port


def _outcome(fn: Callable[[str], object], url: str) -> tuple[str, object]:
    try:
        return "ok", fn(url)
    except Exception as exc:  # the same kind of refusal counts as the same answer
        return "error", type(exc).__name__


@pytest.mark.parametrize("url", URLS)
def test_the_shortcuts_answer_as_the_full_parsers(url: str) -> None:
    assert _outcome(origin, url) == _outcome(full_origin, url)
