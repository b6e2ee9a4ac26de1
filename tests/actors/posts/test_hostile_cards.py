"""Link cards from hostile pages: the head walker is linear (pytest-timeout guards these tests;
`html.parser` took minutes on some of these pages), stops at the end of the head, and a
fetched page is parsed in a thread, off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from actors.posts import card_page, cards
from actors.posts.card_page import PageCard, decode, parse_head, read_page, tags
from actors.posts.cards import fetch_card
from federation.client import FetchResult
from federation.services import Services
from storage.models import Actor
from tests.actors.factories import post

MIB = 1 << 20
URL = "https://news.example/story"
TITLE = "<html><head><title>Real title</title>"
HOSTILE = {
    "unclosed metas": "<meta " * (MIB // 6),
    "a meta that never closes its quote": '<meta content="' + "<" * MIB,
    "nested tags": "<div>" * (MIB // 5),
    "unquoted attributes": "<meta " + "a=b " * (MIB // 4),
    "lone angle brackets": "<" * MIB,
    "bang brackets": "<!" * (MIB // 2),
    "an open comment": "<!--" + "-" * MIB,
    "attribute soup": "<meta " + "'\"=" * (MIB // 3),
    "many character references": "<meta content=\"" + "&#" * (MIB // 2) + "\">",
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_mebibyte_after_the_title_still_gives_the_card(name: str) -> None:
    card = parse_head(TITLE + HOSTILE[name], URL)
    assert card is not None and card.title == "Real title"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_mebibyte_in_an_unended_title_gives_no_card(name: str) -> None:
    card = parse_head("<html><head><title>" + HOSTILE[name], URL)  # the title never ends
    assert card is None


@pytest.mark.timeout(60)
def test_an_unclosed_title_open_again_and_again_is_linear() -> None:
    assert parse_head("<head>" + "<title><a" * (MIB // 9), URL) is None


def test_the_walk_stops_at_a_tag_left_open_and_reads_every_step_once() -> None:
    page = '<a href="x"><b>text</b><meta content="never closed'
    assert [(t.name, t.closing) for t in tags(page)] == [("a", False), ("b", False), ("b", True)]


def test_the_walk_reads_no_further_than_the_head_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(card_page, "MAX_HEAD_TAGS", 10)
    page = "<head>" + "<link rel=x>" * 20 + "<title>late</title></head>"
    assert parse_head(page, URL) is None  # the title came after the cap


def test_attributes_decode_references_and_take_any_quoting() -> None:
    (tag,) = tags("<META Property='og:title' content=\"A &amp; B\" data-x=y checked>")
    assert (tag.name, tag.attrs) == ("meta", {"property": "og:title", "content": "A & B", "data-x": "y",
                                               "checked": ""})


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "idna", "punycode", "undefined",
                                     "unicode_escape", "utf-7"])
def test_a_charset_that_is_no_page_encoding_reads_as_utf8(charset: str) -> None:
    page = b"<title>caf\xc3\xa9 \\u003cb\\u003e</title>"
    assert decode(page, f"text/html; charset={charset}") == "<title>caf\u00e9 \\u003cb\\u003e</title>"
    assert decode(b'<meta charset="' + charset.encode() + b'">' + page, None).endswith(
        "<title>caf\u00e9 \\u003cb\\u003e</title>")


async def test_a_fetched_page_is_parsed_in_a_thread(services: Services, author: Actor,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[bool] = []

    def parse_in_thread(body: bytes, content_type: str | None, page_url: str) -> PageCard | None:
        threads.append(threading.current_thread() is not threading.main_thread())
        return read_page(body, content_type, page_url)

    async def get_page(url: str, *, accept: Sequence[str], max_bytes: int) -> FetchResult[bytes]:
        assert max_bytes == cards.MAX_PAGE_BYTES
        return FetchResult(url, 200, {"Content-Type": "text/html"}, (TITLE + "<meta " * 1000).encode())

    monkeypatch.setattr(cards, "read_page", parse_in_thread)
    monkeypatch.setattr(services.client, "get_page", get_page)
    status = await post(services, author, text=f"See {URL} now")
    card = await fetch_card(services, status.id)
    assert card is not None and card.title == "Real title"
    assert threads == [True]
