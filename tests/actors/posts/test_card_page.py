"""Reading a page's head into a card, and finding a post's link (pure: no network, no database)."""

from __future__ import annotations

import pytest

from actors.posts.card_page import MAX_DESCRIPTION, MAX_TITLE, decode, parse_head
from actors.posts.cards import first_link

PAGE = "https://news.example/story/1"


def head(inner: str, body: str = "") -> str:
    return f"<!doctype html><html lang='en-GB'><head>{inner}</head><body>{body}</body></html>"


def test_opengraph_comes_first_then_twitter_then_plain_html() -> None:
    card = parse_head(head(
        '<title>Plain title</title><meta name="description" content="plain description">'
        '<meta property="og:title" content="OG title"><meta property="og:site_name" content="News">'
        '<meta name="twitter:description" content="twitter description">'
        '<meta property="og:image" content="/img/a.png"><meta property="og:image:width" content="640">'
        '<meta property="og:image:height" content="nope"><meta name="author" content="Ana Writer">'), PAGE)
    assert card is not None
    assert (card.title, card.description, card.provider_name) == ("OG title", "twitter description", "News")
    assert (card.image_url, card.width, card.height) == ("https://news.example/img/a.png", 640, 0)
    assert (card.author_name, card.language) == ("Ana Writer", "en-GB")


def test_the_title_element_and_description_meta_are_the_fallback() -> None:
    card = parse_head(head("<title>  A &amp; B\n page </title><meta name=description content='About it'>"),
                      PAGE)
    assert card is not None
    assert (card.title, card.description, card.image_url) == ("A & B page", "About it", None)


def test_a_page_without_a_title_gives_no_card() -> None:
    assert parse_head(head('<meta name="description" content="only this">'), PAGE) is None


def test_markup_scripts_and_invisible_characters_become_plain_text() -> None:
    card = parse_head(head(
        "<title><script>alert(1)</script>Hi <b>there</b>\u202e\u0007&amp;#x202e;</title>"
        '<meta property="og:description" '
        'content="&lt;img src=x onerror=alert(1)&gt;Read &lt;b&gt;me&lt;/b&gt;">'),
        PAGE)
    assert card is not None
    assert card.title == "Hi there"
    assert "<" not in card.description and "onerror" not in card.description and "Read me" in card.description


@pytest.mark.parametrize("image", ["javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://x.example/a.png",
                                   "https://user:pw@x.example/a.png", "https://x.example/a b.png"])
def test_an_image_that_is_not_a_plain_http_url_is_dropped(image: str) -> None:
    card = parse_head(head(f'<title>t</title><meta property="og:image" content="{image}">'), PAGE)
    assert card is not None and card.image_url is None


def test_long_values_are_capped() -> None:
    card = parse_head(head(f'<title>{"t" * 5000}</title><meta name="description" content="{"d" * 50_000}">'),
                      PAGE)
    assert card is not None and len(card.title) == MAX_TITLE and len(card.description) == MAX_DESCRIPTION


def test_nothing_after_the_head_is_read() -> None:
    page = head("<title>Head title</title>", body='<meta property="og:title" content="from the body">')
    assert parse_head(page, PAGE) == parse_head(head("<title>Head title</title>"), PAGE)
    no_head_end = "<html><title>Early</title><body><meta property='og:title' content='late'>"
    card = parse_head(no_head_end, PAGE)
    assert card is not None and card.title == "Early"


def test_the_charset_comes_from_the_header_then_the_meta() -> None:
    latin = "<html><head><title>Caf\u00e9</title></head></html>".encode("latin-1")
    assert "Caf\u00e9" in decode(latin, "text/html; charset=ISO-8859-1")
    meta = b'<html><head><meta charset="windows-1252"><title>\x93quoted\x94</title>'
    assert "\u201cquoted\u201d" in decode(meta, "text/html")
    assert decode(b"<title>\xff</title>", "text/html; charset=no-such-codec") == "<title>\ufffd</title>"


def test_the_first_link_skips_mentions_hashtags_this_node_and_other_schemes() -> None:
    content = ('<p><a href="https://x.example/@bo" class="u-url mention">@bo</a> '
               '<a href="https://amity.test/tags/art" class="mention hashtag" rel="tag">#art</a> '
               '<a href="https://social.example/users/cy">cy</a> <a href="mailto:a@b.example">mail</a> '
               '<a href="https://amity.test/@ana/1">mine</a> '
               '<a href="https://Site.Example/A?b=1#frag">site</a> '
               '<a href="https://later.example/">later</a></p>')
    assert first_link(content, skip={"https://social.example/users/cy"},
                      local_domain="amity.test") == "https://site.example/A?b=1"
    assert first_link("<p>no links here</p>") is None
