"""Choosing between ActivityStreams JSON and HTML from the Accept header."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from ui.activitypub.negotiation import Wants, negotiate


def _choice(accept: str | None) -> Wants | None:
    headers = CIMultiDict() if accept is None else CIMultiDict({"Accept": accept})
    return negotiate(make_mocked_request("GET", "/users/alice", headers=headers))


@pytest.mark.parametrize("accept", [
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/ld+json",
    "application/json",
    "application/json, text/plain, */*",
    "text/html;q=0.5, application/activity+json",
])
def test_fetchers_get_activity_json(accept: str) -> None:
    assert _choice(accept) is Wants.AS2


@pytest.mark.parametrize("accept", [
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "*/*",
    None,
    "application/activity+json;q=0.2, text/html",
])
def test_browsers_get_html(accept: str | None) -> None:
    assert _choice(accept) is Wants.HTML


@pytest.mark.parametrize("accept", [
    "image/png",
    'application/ld+json; profile="https://www.w3.org/ns/did/v1"',
    "application/activity+json;q=0",
])
def test_nothing_acceptable_is_none(accept: str) -> None:
    assert _choice(accept) is None
