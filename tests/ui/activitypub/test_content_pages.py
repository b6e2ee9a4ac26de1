"""HTML pages and posts' text: the language version shown, and hostile HTML served inert
(stored rows are cleaned again when rendered; local input goes through the composer)."""

from __future__ import annotations

import pytest

from actors.posts import posting
from storage.models import Actor
from tests.content.xss_corpus import CORPUS, assert_inert, elements
from tests.ui.activitypub.conftest import BROWSER, Node

# What a status or profile page may contain besides a post's own HTML.
PAGE_TAGS = frozenset({
    "html", "head", "meta", "title", "link", "body", "main", "article", "header", "footer", "time", "details",
    "summary", "div", "section", "h1", "nav", "dl", "dt", "dd", "p", "br", "span", "a", "del", "pre",
    "blockquote", "code", "b", "strong", "u", "i", "em", "ul", "ol", "li"})
PAGE_ATTRIBUTES = {"html": {"lang"}, "meta": {"charset", "name", "content"}, "link": {"rel", "type", "href"},
                   "a": {"href", "rel", "class", "target", "hreflang", "lang"}, "span": {"class"},
                   "p": {"class"}, "div": {"class", "lang"}, "section": {"class"}, "time": {"datetime"},
                   "summary": {"lang"}, "nav": {"class", "aria-label"}, "dl": {"class"},
                   "ol": {"start", "reversed"}, "li": {"value"}}


def assert_page_inert(page: str) -> None:
    assert_inert(page, allowed_tags=PAGE_TAGS, allowed_attributes=PAGE_ATTRIBUTES)
    metas = [dict(a) for tag, a in elements(page) if tag == "meta"]
    assert all("http-equiv" not in m for m in metas)


async def _page(node: Node, author: Actor, status_id: int, query: str = "", **headers: str) -> str:
    response = await node.get(f"/@{author.username}/{status_id}{query}", accept=BROWSER, **headers)
    assert response.status == 200
    return await response.text()


async def test_the_page_shows_the_version_for_the_reader_and_links_the_others(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice, content="<p>Our mural</p>", language="en", summary="Photo",
                               content_map={"en": "<p>Our mural</p>", "pt-br": "<p>Nosso mural</p>"},
                               summary_map={"en": "Photo", "pt-br": "Foto"})
    english = await _page(node, alice, status.id)
    assert '<div class="content" lang="en"><p>Our mural</p></div>' in english
    assert '<summary lang="en">Photo' in english
    assert f'href="{status.url}?lang=pt-br" hreflang="pt-br"' in english
    portuguese = await _page(node, alice, status.id, **{"Accept-Language": "fr;q=0.9, pt;q=0.8, en;q=0.1"})
    assert '<div class="content" lang="pt-br"><p>Nosso mural</p></div>' in portuguese
    assert ">Foto<" in portuguese
    assert '<html lang="pt-br">' in portuguese and f'href="{status.url}?lang=en"' in portuguese
    asked = await _page(node, alice, status.id, "?lang=en", **{"Accept-Language": "pt"})
    assert "<p>Our mural</p>" in asked and "Nosso" not in asked
    unknown = await _page(node, alice, status.id, "?lang=%22%3E%3Cscript%3E", **{"Accept-Language": "de"})
    assert "<p>Our mural</p>" in unknown and "<script" not in unknown


async def test_a_post_in_one_language_has_no_language_links(node: Node) -> None:
    alice = await node.user("alice")
    status = await node.status(alice, content="<p>Hi</p>", language="en")
    page = await _page(node, alice, status.id)
    assert "<nav" not in page and 'lang="en"><p>Hi</p>' in page


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_hostile_html_stored_unsanitized_is_served_inert(node: Node, name: str) -> None:
    payload = CORPUS[name]
    alice = await node.user("alice", display_name=payload, note=payload,
                            fields=[{"name": payload, "value": payload}])
    status = await node.status(alice, content=payload, summary=payload, language="en",
                               content_map={"en": payload, "pt": payload}, summary_map={"pt": payload})
    for query in ("", "?lang=pt"):
        assert_page_inert(await _page(node, alice, status.id, query))
    profile = await node.get("/@alice", accept=BROWSER)
    assert profile.status == 200
    assert_page_inert(await profile.text())


@pytest.mark.parametrize("fmt", ["text/plain", "text/markdown"])
@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_hostile_local_input_is_stored_and_served_inert(node: Node, name: str, fmt: str) -> None:
    alice = await node.user("alice")
    payload = CORPUS[name]
    async with node.services.sessions() as session, session.begin():
        status = await posting.create_status(session, node.services, alice,
                posting.NewStatus(text=f"{payload} #tag", content_type=fmt, summary=payload, language="en",
                                  content_map={"pt": payload}))
    for html in (status.content, *status.content_map.values()):
        assert_inert(html)
        composer_tags = {"p", "br", "a", "span", "pre", "code", "strong", "em", "ul", "ol", "li",
                         "blockquote"}
        assert {tag for tag, _ in elements(html)} <= composer_tags
    page = await _page(node, alice, status.id)
    assert_page_inert(page)
